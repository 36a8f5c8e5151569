/* keywords_test.c: tests for src/text/keywords.c. TF-IDF figures are
 * jieba.analyse.extract_tags(s, withWeight=True)'s for the same sentence
 * (to 1e-6: minyi stores idf as float). */
#include "test.h"
#include "text/keywords.h"
#include <math.h>
#include <stdlib.h>

static seg_dict *D;
static kw_ctx *K;
static const char *S = "小区物业乱收停车费，业主多次向物业公司反映停车费问题，物业公司不予理睬，希望政府相关部门调查处理小区停车费问题。";

static void setup(void) {
    if (K) return;
    char err[256];
    if (seg_dict_open(NULL, &D, err, sizeof err) || kw_ctx_new(D, &K)) { fprintf(stderr, "%s\n", err); exit(1); }
}

static int is(const char *s, const kw_item *it, const char *w) {
    return it->len == strlen(w) && !memcmp(s + it->off, w, it->len);
}

TEST(tfidf_matches_jieba) {
    setup();
    const kw_item *it;
    long m = kw_extract(K, S, strlen(S), 5, KW_TFIDF | KW_JIEBA_STOPWORDS, &it);
    CHECK_INT(m, 5);
    if (m != 5) return;
    CHECK(is(S, &it[0], "停车费") && fabs(it[0].weight - 1.5897269899571431) < 1e-6);
    CHECK(is(S, &it[1], "物业公司") && fabs(it[1].weight - 0.8843387747742858) < 1e-6);
    CHECK(is(S, &it[2], "小区") && fabs(it[2].weight - 0.7146426663580951) < 1e-6);
    CHECK(is(S, &it[3], "乱收"));
    CHECK(is(S, &it[4], "不予理睬"));
}

TEST(chinese_stop_words_are_dropped) {
    setup();
    const kw_item *it;
    const char *s = "我们希望相关部门尽快解决我们小区的噪音问题";
    long m = kw_extract(K, s, strlen(s), 20, KW_TFIDF, &it);
    CHECK(m > 0);
    for (long i = 0; i < m; i++) {
        CHECK(!is(s, &it[i], "我们"));
        CHECK(!is(s, &it[i], "希望"));
        CHECK(it[i].len >= 6);   /* at least two CJK characters */
    }
}

TEST(textrank_ranks_the_central_word_first) {
    setup();
    const kw_item *it;
    long m = kw_extract(K, S, strlen(S), 5, KW_TEXTRANK, &it);
    CHECK_INT(m, 5);
    if (m > 0) { CHECK(is(S, &it[0], "停车费")); CHECK(fabs(it[0].weight - 1.0) < 1e-12); }
    for (long i = 1; i < m; i++) CHECK(it[i].weight <= it[i - 1].weight);
}

TEST(hostile_inputs) {
    setup();
    const kw_item *it;
    CHECK_INT(kw_extract(K, "", 0, 5, KW_TFIDF, &it), 0);
    CHECK_INT(kw_extract(K, "", 0, 5, KW_TEXTRANK, &it), 0);
    CHECK_INT(kw_extract(K, "\xff\xfe\0\0", 4, 5, KW_TFIDF, &it), 0);
    CHECK_INT(kw_extract(K, "的 了 a", 9, 5, KW_TEXTRANK, &it), 0);
    /* A long message: 20000 words, TextRank stays linear in the pairs. */
    size_t n = 0, cap = 400000;
    char *s = malloc(cap);
    const char *parts[] = { "停车费", "物业公司", "小区", "业主", "政府部门" };
    for (int i = 0; n + 16 < cap; i++) { size_t l = strlen(parts[i % 5]); memcpy(s + n, parts[i % 5], l); n += l; }
    long m = kw_extract(K, s, n, 3, KW_TEXTRANK, &it);
    CHECK_INT(m, 3);
    m = kw_extract(K, s, n, 3, KW_TFIDF, &it);
    CHECK_INT(m, 3);
    free(s);
}

TEST(idf_lookup) {
    setup();
    CHECK(kw_idf(D, "停车费", strlen("停车费")) > kw_idf(D, "问题", strlen("问题")));
    CHECK(kw_idf(D, "无此词语呵呵", strlen("无此词语呵呵")) > 0);
}
