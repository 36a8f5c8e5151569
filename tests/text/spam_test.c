/* spam_test.c: tests for src/text/spam.c: each rule with positive and
 * negative cases, the naive Bayes model (train, save, load, corrupt files),
 * the flood tracker, and hostile input. */
#include "test.h"
#include "text/spam.h"
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static spam_result score(const char *title, const char *body) {
    spam_result r;
    spam_score(NULL, title, strlen(title), body, strlen(body), &r);
    return r;
}

static const char *HAM_BODY =
    "尊敬的领导：您好！我们小区门口的道路自去年开挖以来一直没有恢复，雨天积水严重，老人和孩子出行非常不便。"
    "我已经多次拨打12345反映，至今没有答复。我的电话是13812345678，希望有关部门尽快处理，谢谢！";

TEST(honest_complaints_are_not_spam) {
    spam_result r = score("A市某小区门口道路开挖后一直未恢复", HAM_BODY);
    CHECK(r.score < 0.5f);
    CHECK(!(r.flags & (SPAM_F_CONTACT | SPAM_F_URL | SPAM_F_STUFFING | SPAM_F_GIBBERISH)));
    /* a complaint about a shop's fake discount: sales words but no promotion */
    r = score("投诉商场虚假打折", "商场宣称全场打折，实际价格比平时还高，希望市场监管部门查处这种欺骗消费者的行为。");
    CHECK(r.score < 0.8f);
    CHECK(r.flags & SPAM_F_SALES);
    CHECK(!(r.flags & SPAM_F_PHONE_AD));
    r = score("", "");
    CHECK(r.score == 0.0f);
    CHECK(r.nb < 0);
}

TEST(advertising) {
    spam_result r = score("兼职日结", "招聘兼职刷单，日结300元，无需押金，加微信：abc12345 详情咨询，高额回报稳赚不赔！");
    CHECK(r.score >= 0.8f);
    CHECK(r.flags & SPAM_F_CONTACT);
    CHECK(r.flags & SPAM_F_SALES);
    r = score("低息贷款", "无抵押快速放款，低息网贷，欢迎来电 13912345678");
    CHECK(r.score >= 0.8f);
    CHECK(r.flags & SPAM_F_PHONE_AD);
    r = score("优惠", "全场特价优惠，点击 http://cheap-goods.top/buy 立即抢购");
    CHECK(r.flags & SPAM_F_URL);
    CHECK(r.score >= 0.8f);
    /* obfuscated contact: full-width, spaces */
    r = score("", "加 Ｖ 信 ：ｗｘ１２３４５６ 代 开 发 票");
    CHECK(r.flags & SPAM_F_CONTACT);
    CHECK(r.score >= 0.8f);
    /* "微信" without an id is just a word */
    r = score("", "我在微信群里看到通知说明天停水，请问是真的吗？");
    CHECK(!(r.flags & SPAM_F_CONTACT));
    /* a version number or a file name is not a domain */
    r = score("", "系统升级到3.5版本后无法登录，附件是报告.doc");
    CHECK(!(r.flags & SPAM_F_URL));
    r = score("", "详见 www.gov.cn 的通知");
    CHECK(r.flags & SPAM_F_URL);
    CHECK(r.score < 0.8f);   /* one URL in an honest message is not enough */
}

TEST(stuffing_and_seo_mismatch) {
    char body[2048] = "";
    for (int i = 0; i < 20; i++) strcat(body, "A市装修公司哪家好，");
    spam_result r = score("A市装修公司", body);
    CHECK(r.flags & SPAM_F_STUFFING);
    CHECK(r.score >= 0.8f);
    /* SEO: a stuffed commercial headline over an unrelated copied text */
    r = score("A市代开发票A市代开发票A市代开发票A市代开发票", HAM_BODY);
    CHECK(r.flags & SPAM_F_MISMATCH);
    CHECK(r.flags & SPAM_F_STUFFING);
    CHECK(r.score >= 0.8f);
    /* an honest short title that shares little with the body is only weak evidence */
    r = score("求助", HAM_BODY);
    CHECK(r.score < 0.5f);
}

TEST(gibberish) {
    spam_result r = score("", "锟斤拷锟斤拷锟斤拷烫烫烫");
    CHECK(r.flags & SPAM_F_GIBBERISH);
    CHECK(r.score >= 0.8f);
    r = score("", "Ã¤Â¸Â­Ã¦Â–Â‡Ã¤Â¹Â±Ã§Â Â");
    CHECK(r.flags & SPAM_F_GIBBERISH);
    r = score("", "\xff\xfe\xfd\xfc abc \x80\x81\x82\x83");
    CHECK(r.gibberish >= 0.5f);
    r = score("", "sdfghjkl qwrtzpsd xcvbnmkl zxcvbnm");
    CHECK(r.flags & SPAM_F_GIBBERISH);
    r = score("", "Please fix the street lights on Renmin Road, they have been broken for weeks.");
    CHECK(!(r.flags & SPAM_F_GIBBERISH));
}

TEST(naive_bayes_train_save_load) {
    static const char *spam[] = {
        "加微信领取优惠券，代理加盟日赚千元", "兼职刷单日结，点击链接注册送彩金", "低息贷款无抵押，快速放款欢迎来电",
        "正品包邮厂家直销，一手货源批发", "网赌娱乐城注册送，稳赚不赔", "代开发票，各行业发票，联系我",
    };
    static const char *ham[] = {
        "小区门口道路积水严重，希望尽快修复", "孩子上学的学位问题，请教育局答复", "工地夜间施工噪音扰民，请求处理",
        "社保卡补办流程咨询，需要带什么材料", "路灯坏了一个月没人修，晚上出行不安全", "物业乱收费，业主委员会无法成立",
    };
    spam_example ex[12];
    for (int i = 0; i < 6; i++) {
        ex[i] = (spam_example){ spam[i], strlen(spam[i]), true };
        ex[6 + i] = (spam_example){ ham[i], strlen(ham[i]), false };
    }
    spam_model *m = NULL;
    char err[256];
    CHECK_INT(spam_nb_train(ex, 6, &m, err, sizeof err), -1);   /* spam only */
    CHECK(strstr(err, "both") != NULL);
    CHECK_INT(spam_nb_train(ex, 12, &m, err, sizeof err), 0);
    const char *t1 = "加微信代理，日赚优惠", *t2 = "道路积水，路灯不亮，请求修复";
    float p1 = spam_nb_prob(m, t1, strlen(t1)), p2 = spam_nb_prob(m, t2, strlen(t2));
    CHECK(p1 > 0.9f);
    CHECK(p2 < 0.1f);
    spam_result r;
    spam_score(m, "", 0, t1, strlen(t1), &r);
    CHECK(r.nb > 0.9f);
    CHECK(r.flags & SPAM_F_MODEL);
    CHECK(r.score >= 0.8f);

    char path[] = "/tmp/minyi-spam-test-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    CHECK_INT(spam_model_save(m, path, err, sizeof err), 0);
    spam_model *m2 = NULL;
    CHECK_INT(spam_model_load(path, &m2, err, sizeof err), 0);
    CHECK(m2 != NULL);
    if (m2) CHECK(spam_nb_prob(m2, t1, strlen(t1)) == p1);
    spam_model_free(m2);
    /* truncated and foreign files are refused */
    CHECK_INT(truncate(path, 1000), 0);
    CHECK_INT(spam_model_load(path, &m2, err, sizeof err), -1);
    CHECK(m2 == NULL);
    FILE *f = fopen(path, "w");
    fputs("not a model\n", f);
    fclose(f);
    CHECK_INT(spam_model_load(path, &m2, err, sizeof err), -1);
    CHECK_INT(spam_model_load("/nonexistent/model", &m2, err, sizeof err), -1);
    unlink(path);
    /* in memory (database blobs): round trip, truncation, a flipped byte in a probability */
    buf b = {0};
    CHECK_INT(spam_model_save_mem(m, &b), 0);
    CHECK_INT(spam_model_load_mem(b.p, b.n, &m2, err, sizeof err), 0);
    if (m2) CHECK(spam_nb_prob(m2, t2, strlen(t2)) == p2);
    spam_model_free(m2);
    CHECK_INT(spam_model_load_mem(b.p, b.n - 1, &m2, err, sizeof err), -1);
    CHECK_INT(spam_model_load_mem(NULL, 0, &m2, err, sizeof err), -1);
    b.p[b.n - 1] = 0x7f;   /* high byte of the last float: positive or NaN, never a log-probability */
    CHECK_INT(spam_model_load_mem(b.p, b.n, &m2, err, sizeof err), -1);
    CHECK(m2 == NULL);
    buf_free(&b);
    spam_model_free(m);
}

TEST(rate_flood) {
    spam_rate *r;
    CHECK_INT(spam_rate_new(1000, 600, 20, &r), -1);   /* limit must fit the ring */
    CHECK_INT(spam_rate_new(1000, 600, 5, &r), 0);
    spam_rate_info in;
    for (int i = 0; i < 5; i++) spam_rate_hit(r, 42, 1000 + (uint64_t)i, 100 + i, &in);
    CHECK_INT(in.recent, 5);
    CHECK(in.flood == 0.0f);
    spam_rate_hit(r, 42, 7, 106, &in);
    CHECK_INT(in.recent, 6);
    CHECK(in.flood >= 0.5f);
    /* another key is independent */
    spam_rate_hit(r, 43, 7, 106, &in);
    CHECK_INT(in.recent, 1);
    CHECK(in.flood == 0.0f);
    /* after the window, old messages no longer count */
    spam_rate_hit(r, 42, 8, 100 + 700, &in);
    CHECK_INT(in.recent, 1);
    /* the same text three times is a flood even at a low rate */
    spam_rate_hit(r, 44, 99, 1000, &in);
    spam_rate_hit(r, 44, 99, 1100, &in);
    CHECK(in.flood == 0.0f);
    spam_rate_hit(r, 44, 99, 1200, &in);
    CHECK_INT(in.same_text, 3);
    CHECK(in.flood >= 0.5f);
    /* many keys in a small table: old keys are forgotten, nothing breaks */
    for (uint64_t k = 1; k < 100000; k++) spam_rate_hit(r, k * 7919, k, 2000, &in);
    CHECK_INT(in.recent, 1);
    spam_rate_free(r);
}

TEST(hostile) {
    spam_result r;
    spam_score(NULL, NULL, 5, NULL, 7, &r);
    CHECK(r.score == 0.0f);
    spam_score(NULL, "a\0b", 3, "\0\0\0\0", 4, &r);
    CHECK(r.score <= 1.0f);
    size_t big = 2 << 20;
    char *h = malloc(big);
    for (size_t i = 0; i < big; i++) h[i] = "微信abc12345优惠"[i % 20];
    spam_score(NULL, h, 300, h, big, &r);
    CHECK(r.score >= 0.8f);
    free(h);
    char f[16];
    spam_flags_str(SPAM_F_URL | SPAM_F_CONTACT | SPAM_F_GIBBERISH, f, sizeof f);
    CHECK(strlen(f) < sizeof f);
    CHECK(strncmp(f, "url,contact", 11) == 0);
}
