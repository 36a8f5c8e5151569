/* hot_test.c: tests for src/text/hot.c: the heat formula, and clustering
 * on adversarial cases (one problem in different words joins, different
 * problems at one place stay apart, filler is never an issue). */
#include "test.h"
#include "text/hot.h"
#include <math.h>
#include <stdlib.h>

static seg_dict *D;
static hot_ctx *C;

static void setup(void) {
    if (C) return;
    char err[256];
    if (seg_dict_open(NULL, &D, err, sizeof err) || hot_ctx_new(D, &C)) { fprintf(stderr, "%s\n", err); exit(1); }
}

TEST(heat_formula) {
    /* One message, one author, nothing else: ln 2 + 2 ln 2. */
    CHECK(fabs(hot_heat(1, 1, 0, 0, 0, 0, 0, 14) - 3 * log(2)) < 1e-9);
    /* Distinct authors weigh more than repeated messages of one author. */
    CHECK(hot_heat(5, 5, 0, 0, 0, 0, 0, 14) > hot_heat(10, 1, 0, 0, 0, 0, 0, 14));
    /* Support adds, opposition subtracts, logarithmically. */
    CHECK(fabs(hot_heat(1, 1, 99, 0, 0, 0, 0, 14) - (3 * log(2) + 0.5 * log(100))) < 1e-9);
    CHECK(hot_heat(1, 1, 0, 99, 0, 0, 0, 14) < hot_heat(1, 1, 0, 0, 0, 0, 0, 14));
    /* Growth: more this week than last raises heat; clamped. */
    CHECK(hot_heat(10, 10, 0, 0, 10, 0, 0, 14) > hot_heat(10, 10, 0, 0, 5, 5, 0, 14));
    CHECK(fabs(hot_heat(10, 10, 0, 0, 1000, 0, 0, 14) - hot_heat(10, 10, 0, 0, 100000, 0, 0, 14)) < 1e-9);
    /* Recency: half the heat every 14 days. */
    CHECK(fabs(hot_heat(3, 3, 0, 0, 0, 0, 14, 14) - hot_heat(3, 3, 0, 0, 0, 0, 0, 14) / 2) < 1e-9);
    CHECK(hot_heat(1, 1, 0, 1000000, 0, 0, 0, 14) >= 0);
}

typedef struct { const char *title, *body; int64_t day; uint64_t author; int likes; } msg;

/* Builds an index over msgs (learning first, as minyi hot does); issue of each in is[]. */
static hot *build(const msg *m, size_t n, uint32_t *is) {
    hot *h;
    if (hot_new(D, NULL, &h)) return NULL;
    hot_feat *f = calloc(n, sizeof *f);
    for (size_t i = 0; i < n; i++) {
        CHECK_INT(hot_extract(C, h, str_c(m[i].title), str_c(m[i].body), &f[i]), 0);
        CHECK_INT(hot_learn(h, &f[i]), 0);
    }
    for (size_t i = 0; i < n; i++) {
        CHECK_INT(hot_extract(C, h, str_c(m[i].title), str_c(m[i].body), &f[i]), 0);
        hot_msg hm = { i + 1, m[i].author, 1577836800 + m[i].day * 86400, m[i].likes, 0, 0 };
        CHECK_INT(hot_add(h, &f[i], &hm, &is[i]), 0);
    }
    free(f);
    return h;
}

static const msg CASE[] = {
    /* One problem, four citizens, four wordings. */
    { "A市A5区魅力之城小区临街餐饮店油烟扰民", "魅力之城小区楼下的餐饮店每天油烟很大，严重扰民。", 0, 1, 3 },
    { "魅力之城小区餐馆油烟太大", "我是A5区魅力之城小区业主，临街饭店排放油烟，家里窗户都不能开。", 1, 2, 0 },
    { "投诉魅力之城楼下餐饮油烟", "魅力之城一楼餐饮店油烟直排，噪音也大，请求整治。", 2, 3, 1 },
    { "魅力之城小区油烟污染", "A5区魅力之城小区临街商铺开餐馆，油烟扰民问题一直没解决。", 3, 4, 0 },
    /* The same place, a different problem: stays apart. */
    { "魅力之城小区停车位捆绑销售", "开发商将魅力之城小区的车位与房屋捆绑销售，强制业主购买车位。", 2, 5, 0 },
    /* The same problem at another place: stays apart. */
    { "丽发新城小区餐饮店油烟扰民", "丽发新城小区楼下餐饮店油烟很大，严重扰民。", 2, 6, 0 },
    /* Filler only: names neither place nor problem. */
    { "坚决支持", "居民坚决拥护，希望领导重视，尽快解决问题，谢谢。", 1, 7, 0 },
    { "坚决反映", "居民坚决反映情况，请领导尽快处理。", 2, 8, 0 },
};

TEST(clusters_by_place_and_problem) {
    setup();
    uint32_t is[8];
    hot *h = build(CASE, 8, is);
    CHECK(h != NULL);
    if (!h) return;
    CHECK(is[0] == is[1] && is[1] == is[2] && is[2] == is[3]);
    CHECK(is[4] != is[0]);
    CHECK(is[5] != is[0]);
    hot_issue top[4];
    size_t n = hot_top(h, 0, 1577836800 + 4 * 86400, 7, top, 4);
    CHECK(n >= 1);
    if (n) {
        CHECK_INT(top[0].issue, is[0]);
        CHECK_INT(top[0].messages, 4);
        CHECK_INT(top[0].authors, 4);
        CHECK_INT(top[0].likes, 4);
        CHECK(strstr(top[0].place, "魅力之城") != NULL);
        CHECK(strstr(top[0].description, "油烟") != NULL);
        /* The description is place + problem, never filler. */
        CHECK(strstr(top[0].description, "居民") == NULL && strstr(top[0].description, "坚决") == NULL);
    }
    for (size_t i = 0; i < n; i++) CHECK(!strstr(top[i].problem, "坚决") && !strstr(top[i].problem, "居民"));
    uint64_t ids[8];
    CHECK_INT(hot_members(h, is[0], ids, 8), 4);
    CHECK_INT(ids[0], 4);      /* newest first */
    hot_free(h);
}

TEST(learned_place_names_join_messages) {
    setup();
    /* "幸福里" learned from messages that name it with a suffix is found where it has none. */
    static const msg m[] = {
        { "幸福里小区垃圾站臭气熏天", "幸福里小区的垃圾站夏天臭气熏天。", 0, 1, 0 },
        { "幸福里垃圾站臭味", "幸福里垃圾站臭味太大，影响生活。", 1, 2, 0 },
        { "垃圾站臭气", "我家在幸福里，垃圾站的臭气让人受不了。", 2, 3, 0 },
    };
    uint32_t is[3];
    hot *h = build(m, 3, is);
    if (!h) return;
    CHECK(is[0] == is[1] && is[1] == is[2]);
    hot_issue top[1];
    CHECK_INT(hot_top(h, 0, 1577836800 + 3 * 86400, 7, top, 1), 1);
    CHECK(strstr(top[0].place, "幸福里") != NULL);
    CHECK(strstr(top[0].problem, "幸福") == NULL);
    hot_free(h);
}

TEST(trends_rise_and_window) {
    setup();
    hot *h;
    hot_cfg cfg;
    hot_cfg_default(&cfg);
    cfg.learn_on_add = 1;
    CHECK_INT(hot_new(D, &cfg, &h), 0);
    hot_feat f;
    /* A word every day for three weeks, then a new word five times today. */
    for (int d = 0; d < 21; d++) {
        hot_extract(C, h, str_c("道路积水"), str_c("下雨道路积水严重"), &f);
        hot_msg m = { (uint64_t)d + 1, (uint64_t)d + 1, 1577836800 + d * 86400, 0, 0, 0 };
        CHECK_INT(hot_add(h, &f, &m, NULL), 0);
    }
    for (int i = 0; i < 5; i++) {
        hot_extract(C, h, str_c("疫苗短缺"), str_c("社区医院疫苗短缺，打不上疫苗"), &f);
        hot_msg m = { (uint64_t)100 + i, (uint64_t)100 + i, 1577836800 + 20 * 86400 + i, 0, 0, 0 };
        CHECK_INT(hot_add(h, &f, &m, NULL), 0);
    }
    hot_trend t[4];
    size_t n = hot_trends(h, 1577836800 + 20 * 86400 + 100, 1, t, 4);
    CHECK(n >= 1);
    if (n) CHECK_STR(t[0].word, "疫苗");
    for (size_t i = 0; i < n; i++) CHECK(strcmp(t[i].word, "积水") != 0);
    /* Nothing in an empty window. */
    CHECK_INT(hot_top(h, 1577836800 + 400 * 86400, 1577836800 + 401 * 86400, 7, (hot_issue[1]){0}, 1), 0);
    hot_free(h);
}

TEST(heat_without_recency) {
    /* A period under study (minyi hot on a file): age does not matter. */
    CHECK(fabs(hot_heat(3, 3, 0, 0, 0, 0, 100, 0) - hot_heat(3, 3, 0, 0, 0, 0, 0, 0)) < 1e-9);
}

TEST(supports_given_later_count_for_the_issue) {
    setup();
    uint32_t is[8];
    hot *h = build(CASE, 8, is);
    if (!h) return;
    hot_issue before[1], after[1];
    int64_t now = 1577836800 + 4 * 86400;
    CHECK_INT(hot_top(h, 0, now, 7, before, 1), 1);
    CHECK_INT(before[0].issue, is[0]);
    /* Message 2 (of the oil-fume issue) gets 20 supports and 2 oppositions. */
    CHECK_INT(hot_support(h, 2, 20, 2), 0);
    CHECK_INT(hot_top(h, 0, now, 7, after, 1), 1);
    CHECK_INT(after[0].likes, before[0].likes + 20);
    CHECK_INT(after[0].dislikes, before[0].dislikes + 2);
    CHECK(after[0].heat > before[0].heat);
    CHECK_INT(hot_support(h, 999, 1, 0), 1);    /* no such message */
    hot_free(h);
}

TEST(extraction_alone_or_frozen_matches_live) {
    setup();
    /* Without anything learned the features depend on the text alone; after
     * hot_freeze, extraction reads the frozen copy and finds what the live
     * tables give. */
    static const msg m[] = {
        { "华水景医院挂号难", "华水景医院门诊挂号要排三个小时。", 0, 1, 0 },
        { "华水景医院排队太久", "在华水景医院看病排队太久了。", 1, 2, 0 },
        { "投诉华水景医院", "华水景医院的挂号窗口太少。", 2, 3, 0 },
    };
    static const char *T = "挂号排队", *B = "华水景门诊挂号排队三小时，老人站不住。";
    hot *h;
    CHECK_INT(hot_new(D, NULL, &h), 0);
    hot_feat a, b;
    for (size_t i = 0; i < 3; i++) {
        CHECK_INT(hot_extract(C, h, str_c(m[i].title), str_c(m[i].body), &a), 0);
        CHECK_INT(hot_learn(h, &a), 0);
    }
    CHECK_INT(hot_extract(C, NULL, str_c(T), str_c(B), &a), 0);
    CHECK_STR(a.place, "");                        /* the learned name is unknown without h */
    CHECK_INT(hot_extract(C, h, str_c(T), str_c(B), &a), 0);
    CHECK_STR(a.place, "华水景");
    CHECK_INT(hot_freeze(h), 0);
    CHECK_INT(hot_extract(C, h, str_c(T), str_c(B), &b), 0);
    CHECK_STR(b.place, a.place);
    CHECK_INT(b.nkw, a.nkw > HOT_KW ? HOT_KW : a.nkw);
    for (int i = 0; i < b.nkw; i++) CHECK_STR(b.kw[i].w, a.kw[i].w);
    hot_free(h);
}
