/* utf8.c: see utf8.h. Table-free decoder checking the exact ranges of
 * RFC 3629 table 3-7, so overlongs and surrogates are refused. */
#include "text/utf8.h"

int utf8_decode(const char *s, size_t n, uint32_t *cp) {
    const unsigned char *u = (const unsigned char *)s;
    if (n == 0) return -1;
    unsigned c = u[0];
    if (c < 0x80) { *cp = c; return 1; }
    if (c < 0xC2) return -1;                       /* continuation or overlong 2-byte */
    if (c < 0xE0) {
        if (n < 2 || (u[1] & 0xC0) != 0x80) return -1;
        *cp = ((c & 0x1F) << 6) | (u[1] & 0x3F);
        return 2;
    }
    if (c < 0xF0) {
        if (n < 3) return -1;
        unsigned lo = 0x80, hi = 0xBF;
        if (c == 0xE0) lo = 0xA0;                  /* overlong */
        if (c == 0xED) hi = 0x9F;                  /* surrogates */
        if (u[1] < lo || u[1] > hi || (u[2] & 0xC0) != 0x80) return -1;
        *cp = ((c & 0x0F) << 12) | ((u[1] & 0x3F) << 6) | (u[2] & 0x3F);
        return 3;
    }
    if (c < 0xF5) {
        if (n < 4) return -1;
        unsigned lo = 0x80, hi = 0xBF;
        if (c == 0xF0) lo = 0x90;                  /* overlong */
        if (c == 0xF4) hi = 0x8F;                  /* above U+10FFFF */
        if (u[1] < lo || u[1] > hi || (u[2] & 0xC0) != 0x80 || (u[3] & 0xC0) != 0x80) return -1;
        *cp = ((c & 0x07) << 18) | ((u[1] & 0x3F) << 12) | ((u[2] & 0x3F) << 6) | (u[3] & 0x3F);
        return 4;
    }
    return -1;
}

size_t utf8_invalid_at(const char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        /* ASCII fast path: 8 bytes at a time. */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ULL) break;
            i += 8;
        }
        if (i >= n) break;
        if ((unsigned char)s[i] < 0x80) { i++; continue; }
        uint32_t cp;
        int k = utf8_decode(s + i, n - i, &cp);
        if (k < 0) return i;
        i += (size_t)k;
    }
    return (size_t)-1;
}

int utf8_encode(uint32_t cp, char *out) {
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) { o[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) { o[0] = (unsigned char)(0xC0 | (cp >> 6)); o[1] = (unsigned char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12)); o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F)); return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18)); o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t utf8_count(const char *s, size_t n) {
    size_t c = 0;
    for (size_t i = 0; i < n; i++) c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

long utf8_repair(const char *s, size_t n, buf *out) {
    long bad = 0;
    size_t i = 0, run = 0;
    while (i < n) {
        uint32_t cp;
        int k = utf8_decode(s + i, n - i, &cp);
        if (k > 0) { i += (size_t)k; continue; }
        if (buf_put(out, s + run, i - run) || buf_put(out, "\xEF\xBF\xBD", 3)) return -1;
        bad++;
        i++;
        /* Skip the continuation bytes of the same broken sequence: one U+FFFD per sequence. */
        while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80) i++;
        run = i;
    }
    if (buf_put(out, s + run, n - run)) return -1;
    return bad;
}
