/* norm.c: see norm.h. ASCII and CJK unified ideographs (NFKC-stable) are
 * copied without calling utf8proc; everything else goes through it one
 * combining sequence at a time, so no allocation and an exact offset map. */
#include "text/norm.h"
#include "text/seg.h"
#include "text/utf8.h"
#include <stdlib.h>
#include <utf8proc.h>

#define CHUNK_MAX 16    /* code points normalised together; longer mark runs are split */

static int map_push(norm_map *m, uint32_t src, size_t k) {
    if (!m) return 0;
    if (m->n + k + 1 > m->cap) {
        size_t nc = m->cap ? m->cap : 256;
        while (nc < m->n + k + 1) nc *= 2;
        uint32_t *p = realloc(m->src, nc * sizeof *p);
        if (!p) return -1;
        m->src = p;
        m->cap = nc;
    }
    for (size_t i = 0; i < k; i++) m->src[m->n++] = src;
    return 0;
}

void norm_map_free(norm_map *m) {
    free(m->src);
    m->src = NULL;
    m->n = m->cap = 0;
}

typedef struct {
    buf *out;
    norm_map *map;
    size_t start;
    int pending;            /* a whitespace run is waiting to become one space */
    uint32_t pending_src;
} emitter;

static int is_dropped(uint32_t cp) {
    if (cp < 0x80) return cp < 0x20 || cp == 0x7F;   /* whitespace was taken out before */
    utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
    if (cat == UTF8PROC_CATEGORY_CC) return 1;
    /* Format characters are invisible (zero-width spaces, bidi overrides, BOM)
     * and let look-alike spam through; ZWNJ and ZWJ shape scripts and emoji. */
    return cat == UTF8PROC_CATEGORY_CF && cp != 0x200C && cp != 0x200D;
}

static int put_cp(emitter *e, uint32_t cp, uint32_t src) {
    if (seg_space_cp(cp)) {
        if (!e->pending) { e->pending = 1; e->pending_src = src; }
        return 0;
    }
    if (is_dropped(cp)) return 0;
    if (e->pending) {
        e->pending = 0;
        if (e->out->n > e->start) {
            if (buf_putc(e->out, ' ') || map_push(e->map, e->pending_src, 1)) return -1;
        }
    }
    char u[4];
    int k = utf8_encode(cp, u);
    if (buf_put(e->out, u, (size_t)k) || map_push(e->map, src, (size_t)k)) return -1;
    return 0;
}

static int is_starter_join(uint32_t cp) {
    /* Hangul V and T jamo compose with the preceding L / LV although they are
     * starters; so do the compatibility and halfwidth vowels, which NFKC
     * turns into V jamo (ᄀ + ㅡ is 그: normalised apart, a second pass would
     * compose them, and normalising must not change normalised text). */
    return (cp >= 0x1161 && cp <= 0x1175) || (cp >= 0x11A8 && cp <= 0x11C2) ||
           (cp >= 0x314F && cp <= 0x3163) || (cp >= 0xFFC2 && cp <= 0xFFDC);
}

int norm_text(const char *s, size_t n, unsigned flags, buf *out, norm_map *map) {
    if (map) {
        if (n >= UINT32_MAX) return -1;
        map->n = 0;
    }
    emitter e = { out, map, out->n, 0, 0 };
    utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE;
    if (flags & NORM_CASEFOLD) opt |= UTF8PROC_CASEFOLD;
    size_t i = 0;
    while (i < n) {
        unsigned char b = (unsigned char)s[i];
        uint32_t cp;
        int l;
        if (b < 0x80) { cp = b; l = 1; }
        else if ((l = utf8_decode(s + i, n - i, &cp)) < 0) {
            /* One U+FFFD per broken sequence, as utf8_repair does. */
            size_t j = i + 1;
            while (j < n && ((unsigned char)s[j] & 0xC0) == 0x80) j++;
            if (put_cp(&e, 0xFFFD, (uint32_t)i)) return -1;
            i = j;
            continue;
        }
        /* The combining sequence starting here: [i, j) is normalised, marks
         * after the first CHUNK_MAX - 1 are dropped up to next (Zalgo text;
         * also bounds utf8proc's quadratic mark reordering). */
        size_t j = i + (size_t)l, next;
        int count = 1;
        while (j < n && (unsigned char)s[j] >= 0x80) {
            uint32_t nx;
            int nl = utf8_decode(s + j, n - j, &nx);
            if (nl < 0) break;
            if (utf8proc_get_property((utf8proc_int32_t)nx)->combining_class == 0 && !is_starter_join(nx)) break;
            if (count == CHUNK_MAX) break;
            j += (size_t)nl;
            count++;
        }
        next = j;
        while (next < n && (unsigned char)s[next] >= 0x80) {
            uint32_t nx;
            int nl = utf8_decode(s + next, n - next, &nx);
            if (nl < 0 || utf8proc_get_property((utf8proc_int32_t)nx)->combining_class == 0) break;
            next += (size_t)nl;
        }
        /* A removed character takes its marks with it: left behind they would
         * combine with the character before it on the next normalisation. */
        if (!seg_space_cp(cp) && is_dropped(cp)) { i = next; continue; }
        int fast = count == 1 && ((cp < 0x80 && !((flags & NORM_CASEFOLD) && cp >= 'A' && cp <= 'Z')) ||
                                  (cp >= 0x4E00 && cp <= 0x9FFF));
        if (fast) {
            if (put_cp(&e, cp, (uint32_t)i)) return -1;
            i = next;
            continue;
        }
        utf8proc_int32_t tmp[CHUNK_MAX * 18 + 8];
        utf8proc_ssize_t k = utf8proc_decompose((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(j - i),
                                                tmp, (utf8proc_ssize_t)(sizeof tmp / sizeof *tmp), opt);
        if (k < 0 || (size_t)k > sizeof tmp / sizeof *tmp) k = -1;
        else k = utf8proc_normalize_utf32(tmp, k, opt);
        if (k < 0) {   /* cannot happen for valid UTF-8 within the buffer; keep the text as is */
            for (size_t p = i; p < j;) {
                uint32_t c2;
                int l2 = utf8_decode(s + p, j - p, &c2);
                if (put_cp(&e, c2, (uint32_t)i)) return -1;
                p += (size_t)l2;
            }
        } else {
            for (utf8proc_ssize_t q = 0; q < k; q++)
                if (put_cp(&e, (uint32_t)tmp[q], (uint32_t)i)) return -1;
        }
        i = next;
    }
    if (map_push(map, (uint32_t)n, 0)) return -1;
    if (map) map->src[map->n] = (uint32_t)n;   /* the end entry, not counted in n */
    return 0;
}
