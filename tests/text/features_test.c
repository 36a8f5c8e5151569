/* features_test.c: tests for src/text/features.c (normalisation, terms,
 * the key map), including hostile input. */
#include "test.h"
#include "text/features.h"
#include <stdlib.h>
#include <xxhash.h>

static feat_cfg chars_only(void) {
    feat_cfg c;
    feat_cfg_default(&c);
    c.words = 0;
    return c;
}

/* part 0: title, 1: body, 2: both */
static float tf_in(const feat_term *t, long n, uint64_t key, int part) {
    for (long i = 0; i < n; i++)
        if (t[i].key == key) return part == 2 ? t[i].tf[0] + t[i].tf[1] : t[i].tf[part];
    return 0;
}
static float tf_of(const feat_term *t, long n, uint64_t key) { return tf_in(t, n, key, 2); }

static uint64_t uni(uint32_t a) { return (uint64_t)FEAT_KIND_UNI << 56 | a; }
static uint64_t bi(uint32_t a, uint32_t b) { return (uint64_t)FEAT_KIND_BI << 56 | (uint64_t)a << 21 | b; }

static char *norm(const char *s, int fold) {
    buf b = {0};
    CHECK_INT(feat_normalize(s, strlen(s), fold, &b), 0);
    return b.p ? buf_detach(&b) : strdup("");
}

TEST(normalize_width_case_punct) {
    char *s = norm("ＡＢＣ１２３ Hello，　世界！ﾃｽﾄ", 0);
    CHECK_STR(s, "abc123 hello 世界 テスト");
    free(s);
    s = norm("Tel:13812345678", 1);
    CHECK_STR(s, "tel 00000000000");
    free(s);
    s = norm("Café ÉCOLE", 0);       /* marks dropped after decomposition */
    CHECK_STR(s, "cafe ecole");
    free(s);
    s = norm("，。！  ", 0);
    CHECK_STR(s, "");
    free(s);
}

TEST(terms_unigrams_bigrams_title_and_body) {
    feat_cfg cfg = chars_only();
    feat_ctx *c; char err[128];
    CHECK_INT(feat_ctx_new(&cfg, NULL, &c, err, sizeof err), 0);
    const feat_term *t;
    long n = feat_terms(c, str_c("民意民"), str_c("民生，意见"), &t);
    /* title: 民 意 民 民意 意民; body: 民 生 民生 意 见 意见 */
    CHECK_INT(n, 8);
    CHECK(tf_in(t, n, uni(0x6C11), 0) == 2.0f);     /* 民 in the title */
    CHECK(tf_in(t, n, uni(0x6C11), 1) == 1.0f);     /* and in the body */
    CHECK(tf_in(t, n, uni(0x610F), 0) == 1.0f);     /* 意 */
    CHECK(tf_in(t, n, bi(0x6C11, 0x610F), 0) == 1.0f);
    CHECK(tf_in(t, n, bi(0x6C11, 0x610F), 1) == 0.0f);
    CHECK(tf_in(t, n, bi(0x6C11, 0x751F), 1) == 1.0f);
    CHECK(tf_of(t, n, bi(0x751F, 0x610F)) == 0.0f);   /* never across the comma */
    feat_ctx_free(c);
}

TEST(full_width_and_half_width_give_same_terms) {
    feat_cfg cfg = chars_only();
    feat_ctx *a, *b; char err[128];
    CHECK_INT(feat_ctx_new(&cfg, NULL, &a, err, sizeof err), 0);
    CHECK_INT(feat_ctx_new(&cfg, NULL, &b, err, sizeof err), 0);
    const feat_term *ta, *tb;
    long na = feat_terms(a, str_c("ＡＰＰ收费"), str_c("２０２０年"), &ta);
    long nb = feat_terms(b, str_c("app收费"), str_c("2020年"), &tb);
    CHECK_INT(na, nb);
    for (long i = 0; i < na; i++) CHECK(tf_in(tb, nb, ta[i].key, 0) == ta[i].tf[0] && tf_in(tb, nb, ta[i].key, 1) == ta[i].tf[1]);
    feat_ctx_free(a); feat_ctx_free(b);
}

TEST(ctx_reuse_gives_identical_terms) {
    feat_cfg cfg = chars_only();
    feat_ctx *c; char err[128];
    CHECK_INT(feat_ctx_new(&cfg, NULL, &c, err, sizeof err), 0);
    const char *msg = "小区物业乱收费，业主投诉无门";
    const feat_term *t;
    long n1 = feat_terms(c, str_c(msg), (str){0}, &t);
    feat_term *first = malloc(n1 * sizeof *first);
    memcpy(first, t, n1 * sizeof *first);
    /* a long message makes the scratch table grow (full reset path) */
    buf big = {0};
    for (int i = 0; i < 5000; i++) { uint32_t cp = 0x4E00 + (i * 7919) % 20000; char e[4];
        e[0] = (char)(0xE0 | cp >> 12); e[1] = (char)(0x80 | (cp >> 6 & 0x3F)); e[2] = (char)(0x80 | (cp & 0x3F));
        buf_put(&big, e, 3); }
    long nb = feat_terms(c, (str){0}, (str){ big.p, big.n }, &t);
    CHECK(nb > 5000);
    for (int round = 0; round < 3; round++) {   /* then the per-slot reset path */
        long n2 = feat_terms(c, str_c(msg), (str){0}, &t);
        CHECK_INT(n2, n1);
        for (long i = 0; i < n1; i++) CHECK(tf_in(t, n2, first[i].key, 0) == first[i].tf[0] && tf_in(t, n2, first[i].key, 1) == 0);
    }
    buf_free(&big); free(first);
    feat_ctx_free(c);
}

TEST(hostile_input) {
    feat_cfg cfg = chars_only();
    feat_ctx *c; char err[128];
    CHECK_INT(feat_ctx_new(&cfg, NULL, &c, err, sizeof err), 0);
    const feat_term *t;
    CHECK_INT(feat_terms(c, (str){0}, (str){0}, &t), 0);
    CHECK_INT(feat_terms(c, (str){ "", 0 }, (str){ "", 0 }, &t), 0);
    /* invalid and truncated UTF-8 and NUL bytes are separators */
    long n = feat_terms(c, (str){ "\xff\xfe\xe6\xb0", 4 }, (str){ "a\0b\xe6", 4 }, &t);
    CHECK_INT(n, 2);   /* a, b; no bigram across the NUL */
    CHECK(tf_of(t, n, uni('a')) == 1.0f);
    CHECK(tf_of(t, n, bi('a', 'b')) == 0.0f);
    n = feat_terms(c, (str){0}, (str){ "\xed\xa0\x80x", 4 }, &t);   /* surrogate */
    CHECK_INT(n, 1);
    /* 1 MB of one character: one unigram, one bigram */
    size_t N = 1 << 20;
    char *s = malloc(N * 3);
    for (size_t i = 0; i < N; i++) memcpy(s + 3 * i, "民", 3);
    n = feat_terms(c, (str){0}, (str){ s, N * 3 }, &t);
    CHECK_INT(n, 2);
    CHECK(tf_of(t, n, uni(0x6C11)) == (float)N);
    free(s);
    feat_ctx_free(c);
}

TEST(words_need_a_dictionary) {
    feat_cfg cfg = chars_only();
    cfg.words = 1;
    feat_ctx *c = (feat_ctx *)1; char err[128] = "";
    CHECK_INT(feat_ctx_new(&cfg, NULL, &c, err, sizeof err), -1);
    CHECK(c == NULL);
    CHECK(strstr(err, "dictionary") != NULL);
}

TEST(key_str) {
    char s[64];
    feat_key_str(bi(0x533B, 0x4FDD), s, sizeof s);
    CHECK_STR(s, "bi:医保");
    feat_key_str(uni('x'), s, sizeof s);
    CHECK_STR(s, "uni:x");
}

TEST(map_put_get_grow) {
    feat_map m;
    CHECK_INT(feat_map_init(&m, 4), 0);
    for (uint32_t i = 1; i <= 100000; i++) {
        int added;
        uint32_t *v = feat_map_put(&m, (uint64_t)i * 0x100000001ULL, i, &added);
        CHECK(v && added && *v == i);
    }
    int added;
    CHECK(*feat_map_put(&m, 7 * 0x100000001ULL, 0, &added) == 7 && !added);
    CHECK(feat_map_put(&m, 0, 1, &added) == NULL);   /* 0 is the empty marker */
    CHECK_INT(m.n, 100000);
    for (uint32_t i = 1; i <= 100000; i += 997) CHECK_INT(feat_map_get(&m, (uint64_t)i * 0x100000001ULL), i);
    CHECK(feat_map_get(&m, 12345) == UINT32_MAX);
    feat_map_free(&m);
}

TEST(words_from_the_segmenter) {
    seg_dict *d; char err[256];
    if (seg_dict_open(NULL, &d, err, sizeof err)) { fprintf(stderr, "  no dictionary: %s\n", err); CHECK(0); return; }
    feat_cfg cfg = chars_only();
    cfg.words = 1;
    feat_ctx *c;
    CHECK_INT(feat_ctx_new(&cfg, d, &c, err, sizeof err), 0);
    const feat_term *t;
    long n = feat_terms(c, str_c("施工有安全隐患"), str_c("请尽快处理，安全隐患！"), &t);
    uint64_t w = (uint64_t)FEAT_KIND_WORD << 56 | (XXH3_64bits("安全隐患", strlen("安全隐患")) & 0xFFFFFFFFFFFFFFULL);
    CHECK(tf_in(t, n, w, 0) == 1.0f);
    CHECK(tf_in(t, n, w, 1) == 1.0f);
    uint64_t one = (uint64_t)FEAT_KIND_WORD << 56 | (XXH3_64bits("有", strlen("有")) & 0xFFFFFFFFFFFFFFULL);
    CHECK(tf_of(t, n, one) == 0.0f);     /* one-character words are left to the unigrams */
    long words = 0;
    for (long i = 0; i < n; i++) words += t[i].key >> 56 == FEAT_KIND_WORD;
    CHECK(words >= 3);                   /* 施工, 安全隐患, 处理, ... */
    /* hostile input goes through the segmenter too */
    CHECK(feat_terms(c, (str){ "\xff\x00\xe6", 3 }, (str){ "安全\0隐患", 13 }, &t) >= 0);
    feat_ctx_free(c);
    seg_dict_close(d);
}

TEST(trigrams_on_request) {
    feat_cfg cfg = chars_only();
    cfg.unigrams = cfg.bigrams = 0;
    cfg.trigrams = 1;
    feat_ctx *c; char err[128];
    CHECK_INT(feat_ctx_new(&cfg, NULL, &c, err, sizeof err), 0);
    const feat_term *t;
    long n = feat_terms(c, str_c("民意调查"), str_c("民意调，查"), &t);
    CHECK_INT(n, 2);                      /* 民意调, 意调查; none across the comma */
    long title = 0, body = 0;
    for (long i = 0; i < n; i++) { CHECK_INT(t[i].key >> 56, FEAT_KIND_TRI); title += (long)t[i].tf[0]; body += (long)t[i].tf[1]; }
    CHECK_INT(title, 2);
    CHECK_INT(body, 1);
    feat_ctx_free(c);
}
