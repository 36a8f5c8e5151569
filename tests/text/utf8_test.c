/* utf8_test.c: tests for src/text/utf8.c, including hostile sequences. */
#include "test.h"
#include "text/utf8.h"
#include <stdlib.h>

TEST(valid_text) {
    const char *s = "民意 abc ✓ 😀";
    CHECK(utf8_valid(s, strlen(s)));
    CHECK_INT(utf8_count(s, strlen(s)), 10);
}

TEST(nul_is_valid_utf8) {
    CHECK(utf8_valid("a\0b", 3));
}

TEST(invalid_offsets) {
    CHECK_INT(utf8_invalid_at("ab\xff", 3), 2);
    CHECK_INT(utf8_invalid_at("\xe6\xb0", 2), 0);              /* truncated 民 */
    CHECK_INT(utf8_invalid_at("ok\xc0\xaf", 4), 2);            /* overlong '/' */
    CHECK_INT(utf8_invalid_at("\xe0\x80\xaf", 3), 0);          /* overlong 3-byte */
    CHECK_INT(utf8_invalid_at("x\xed\xa0\x80", 4), 1);         /* surrogate D800 */
    CHECK_INT(utf8_invalid_at("\xf4\x90\x80\x80", 4), 0);      /* > U+10FFFF */
    CHECK_INT(utf8_invalid_at("\x80", 1), 0);                  /* lone continuation */
    CHECK_INT(utf8_invalid_at("12345678\xfe", 9), 8);          /* after the ASCII fast path */
}

TEST(decode_encode_roundtrip) {
    uint32_t cps[] = { 0x24, 0xA2, 0x6C11, 0x1F600, 0x10FFFF };
    for (size_t i = 0; i < sizeof cps / sizeof *cps; i++) {
        char out[4];
        int n = utf8_encode(cps[i], out);
        uint32_t back = 0;
        CHECK_INT(utf8_decode(out, (size_t)n, &back), n);
        CHECK_INT(back, cps[i]);
    }
}

TEST(repair_replaces_each_bad_sequence_once) {
    buf b = {0};
    long bad = utf8_repair("a\xe6\xb0z\xff", 5, &b);
    CHECK_INT(bad, 2);
    CHECK_STR(b.p, "a\xEF\xBF\xBDz\xEF\xBF\xBD");
    buf_free(&b);
}

TEST(byte_by_byte_prefixes_never_overread) {
    const char *s = "民意😀";
    size_t n = strlen(s);
    for (size_t k = 0; k <= n; k++) {
        char *copy = malloc(k ? k : 1);   /* exact-size allocation so ASan catches overreads */
        memcpy(copy, s, k);
        size_t at = utf8_invalid_at(copy, k);
        bool whole = (k == 0 || k == 3 || k == 6 || k == 10);
        CHECK(whole ? at == (size_t)-1 : at != (size_t)-1);
        free(copy);
    }
}
