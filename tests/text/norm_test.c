/* norm_test.c: tests for src/text/norm.c (NFKC, width, spaces, controls, offset map). */
#include "test.h"
#include "text/norm.h"
#include "text/utf8.h"
#include <stdlib.h>

static const char *norm(const char *s, size_t n, unsigned flags) {
    static buf b;
    buf_reset(&b);
    if (norm_text(s, n, flags, &b, NULL)) return NULL;
    return b.p ? b.p : "";
}
#define NORM(s) norm(s, strlen(s), 0)

TEST(nfkc_full_width_to_half_width) {
    CHECK_STR(NORM("ＡＢＣ１２３，全角！"), "ABC123,全角!");
    CHECK_STR(NORM("①②"), "12");
    CHECK_STR(NORM("ﬁ㎡"), "fim2");
    CHECK_STR(NORM("e\xcc\x81"), "\xc3\xa9");               /* e + U+0301 composes to é */
    CHECK_STR(NORM("\xe1\x84\x80\xe1\x85\xa1"), "\xea\xb0\x80");  /* Hangul jamo L+V -> 가 */
    CHECK_STR(NORM("民意2023年"), "民意2023年");
}

TEST(whitespace_folded_and_trimmed) {
    CHECK_STR(NORM("  我\t\t爱 \r\n 北京\xe3\x80\x80\xe3\x80\x80市  "), "我 爱 北京 市");
    CHECK_STR(NORM("\xc2\xa0\xe2\x80\x83"), "");               /* NBSP, EM SPACE only */
    CHECK_STR(NORM(""), "");
}

TEST(controls_and_invisible_format_removed) {
    CHECK_STR(norm("a\0b\x01\x7f" "c", 6, 0), "abc");
    CHECK_STR(NORM("广\xe2\x80\x8b告\xef\xbb\xbf"), "广告");        /* ZWSP, BOM */
    CHECK_STR(NORM("\xe2\x80\xae" "abc"), "abc");                       /* RLO override */
    /* ZWJ keeps emoji sequences intact. */
    CHECK_STR(NORM("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9"), "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9");
}

TEST(removed_character_takes_its_marks) {
    /* Found by fuzz/seg: dropping the NUL alone let U+0309 compose with the I
     * on a second normalisation (not idempotent). */
    CHECK_STR(norm("I\0\xcc\x89", 4, 0), "I");
    CHECK_STR(NORM("a\xe2\x80\x8b\xcc\x81" "b"), "ab");
}

TEST(compatibility_vowel_composes_with_the_jamo_before) {
    /* Found by fuzz/seg: ᄀ (U+1100) then ㅡ (U+3161, NFKC -> U+1173) were
     * normalised apart, so only a second pass composed them into 그. */
    CHECK_STR(NORM("\xe1\x84\x80\xe3\x85\xa1"), "\xea\xb7\xb8");
    CHECK_STR(NORM("\xea\xb7\xb8"), "\xea\xb7\xb8");
    CHECK_STR(NORM("\xe3\x85\xa1"), "\xe1\x85\xb3");   /* alone: the V jamo */
}

TEST(invalid_utf8_replaced) {
    const char *s = norm("a\xe6\xb0z\xff", 5, 0);
    CHECK_STR(s, "a\xEF\xBF\xBDz\xEF\xBF\xBD");
    s = norm("\xed\xa0\x80", 3, 0);
    CHECK(s && utf8_valid(s, strlen(s)));
}

TEST(casefold_flag) {
    CHECK_STR(norm("iPhone ＧＤＰ", strlen("iPhone ＧＤＰ"), NORM_CASEFOLD), "iphone gdp");
    CHECK_STR(NORM("iPhone"), "iPhone");
}

TEST(offset_map_points_back_to_input) {
    const char *s = " ＡＢ  北京\xe2\x80\x8b市 ";
    size_t n = strlen(s);
    buf b = {0};
    norm_map m = {0};
    CHECK_INT(norm_text(s, n, 0, &b, &m), 0);
    CHECK_STR(b.p, "AB 北京市");
    CHECK_INT(m.n, b.n);
    CHECK_INT(m.src[0], 1);                 /* A <- Ａ at byte 1 */
    CHECK_INT(m.src[1], 4);                 /* B <- Ｂ */
    CHECK_INT(m.src[2], 7);                 /* the folded space <- first space of the run */
    CHECK_INT(m.src[3], 9);                 /* 北 */
    CHECK_INT(m.src[9], 18);                /* 市 after the 3-byte ZWSP */
    CHECK_INT(m.src[m.n], n);
    for (size_t j = 1; j < m.n; j++) CHECK(m.src[j] >= m.src[j - 1]);
    /* Appending to a non-empty buffer: the map covers only the new bytes. */
    CHECK_INT(norm_text("Ｘ", 3, 0, &b, &m), 0);
    CHECK_INT(m.n, 1);
    CHECK_INT(m.src[0], 0);
    norm_map_free(&m);
    buf_free(&b);
}

TEST(hostile_long_mark_runs_and_idempotence) {
    /* One base letter and 5000 combining marks; then all 2-byte prefixes. */
    size_t n = 1 + 5000 * 2;
    char *s = malloc(n);
    s[0] = 'a';
    for (size_t i = 1; i < n; i += 2) { s[i] = '\xcc'; s[i + 1] = '\x81'; }
    buf a = {0}, b = {0};
    CHECK_INT(norm_text(s, n, 0, &a, NULL), 0);
    CHECK(utf8_valid(a.p, a.n));
    CHECK_INT(norm_text(a.p, a.n, 0, &b, NULL), 0);
    CHECK(a.n == b.n && !memcmp(a.p, b.p, a.n));
    free(s);
    const char *t = "Ｔｅｓｔ　民意\xe2\x80\x8b①";
    size_t tn = strlen(t);
    for (size_t k = 0; k <= tn; k++) {
        char *copy = malloc(k ? k : 1);
        memcpy(copy, t, k);
        buf_reset(&a);
        CHECK_INT(norm_text(copy, k, 0, &a, NULL), 0);
        CHECK(utf8_valid(a.p ? a.p : "", a.n));
        free(copy);
    }
    buf_free(&a);
    buf_free(&b);
}
