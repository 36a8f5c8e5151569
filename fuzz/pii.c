/* fuzz/pii.c: libFuzzer target for the personal-data masker on arbitrary
 * bytes, each type alone and all together. Invariants: spans in order,
 * inside the text, on character boundaries of valid UTF-8; the total found
 * does not depend on the room given for spans; masking changes nothing
 * outside the spans (the text before the first and after the last span is
 * kept byte for byte) and nothing at all when no span is found; masked
 * valid UTF-8 stays valid; masking what was masked changes nothing more. */
#include "text/pii.h"
#include "text/utf8.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool boundary(const char *s, size_t n, size_t at) {
    return at == 0 || at == n || ((unsigned char)s[at] & 0xC0) != 0x80;
}

static void check(const char *s, size_t n, unsigned types, bool valid) {
    pii_span sp[128], one[1];
    size_t k = pii_find(s, n, types, sp, 128);
    if (pii_find(s, n, types, one, 1) != k) abort();
    size_t end = 0;
    for (size_t i = 0; i < k && i < 128; i++) {
        if (sp[i].len == 0 || sp[i].off < end || sp[i].off + sp[i].len > n) abort();
        if (!(sp[i].type & types)) abort();
        if (valid && (!boundary(s, n, sp[i].off) || !boundary(s, n, sp[i].off + sp[i].len))) abort();
        end = sp[i].off + sp[i].len;
    }
    buf b = {0};
    if (pii_mask(s, n, types, &b)) abort();
    const char *m = b.p ? b.p : "";
    if (k == 0 && (b.n != n || memcmp(m, s, n))) abort();
    if (k > 0 && k <= 128) {
        size_t head = sp[0].off, tail = n - (sp[k - 1].off + sp[k - 1].len);
        if (b.n < head + tail || memcmp(m, s, head) || memcmp(m + b.n - tail, s + n - tail, tail)) abort();
    }
    if (valid && !utf8_valid(m, b.n)) abort();
    if (valid) {
        buf again = {0};
        if (pii_mask(m, b.n, types, &again)) abort();
        if (again.n != b.n || memcmp(again.p ? again.p : "", m, b.n)) abort();
        buf_free(&again);
    }
    buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    bool valid = utf8_valid(s, size);
    check(s, size, PII_ALL, valid);
    for (unsigned t = 1; t < PII_ALL; t <<= 1) check(s, size, t, valid);
    return 0;
}
