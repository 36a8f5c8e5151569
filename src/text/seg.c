/* seg.c: jieba's cut and cut_for_search over the compiled dictionary (seg.h).
 * Every tie-break and regex of python3-jieba 0.42.1 is reproduced (comments
 * name the Python they mirror) so that the output is the reference's, word
 * for word; the scoring uses the same doubles in the same order. */
#include "text/segdict.h"
#include "text/utf8.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct seg_ctx {
    const seg_dict *d;
    seg_word *w;
    size_t nw, capw;
    /* per character of the current han block */
    uint16_t *codes;
    uint32_t *off;      /* byte offset of each character, and the end */
    double *route;      /* jieba's route[x][0] */
    int32_t *next;      /* route[x][1] + 1 */
    uint8_t *bp;        /* Viterbi back-pointers, 4 per character */
    uint8_t *states;
    size_t capc;
    int flags;
};

int seg_space_cp(uint32_t cp) {
    /* Py_UNICODE_ISSPACE: bidi class WS, B or S, or category Zs. */
    if (cp < 0x80) return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20);
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

int seg_is_space(const char *s, seg_word w) {
    size_t i = w.off, e = (size_t)w.off + w.len;
    if (i == e) return 0;
    while (i < e) {
        uint32_t cp;
        int l = utf8_decode(s + i, e - i, &cp);
        if (l < 0 || !seg_space_cp(cp)) return 0;
        i += (size_t)l;
    }
    return 1;
}

int seg_ctx_new(const seg_dict *d, seg_ctx **out) {
    seg_ctx *c = calloc(1, sizeof *c);
    if (!c) return -1;
    c->d = d;
    *out = c;
    return 0;
}

void seg_ctx_free(seg_ctx *c) {
    if (!c) return;
    free(c->w); free(c->codes); free(c->off); free(c->route); free(c->next); free(c->bp); free(c->states);
    free(c);
}

static int ctx_reserve(seg_ctx *c, size_t nchars, size_t nwords) {
    if (nwords > c->capw) {
        seg_word *w = realloc(c->w, nwords * sizeof *w);
        if (!w) return -1;
        c->w = w;
        c->capw = nwords;
    }
    if (nchars > c->capc) {
        size_t n = nchars;
        uint16_t *codes = realloc(c->codes, n * sizeof *codes);
        if (codes) c->codes = codes;
        uint32_t *off = realloc(c->off, (n + 1) * sizeof *off);
        if (off) c->off = off;
        double *route = realloc(c->route, (n + 1) * sizeof *route);
        if (route) c->route = route;
        int32_t *next = realloc(c->next, (n + 1) * sizeof *next);
        if (next) c->next = next;
        uint8_t *bp = realloc(c->bp, n * 4);
        if (bp) c->bp = bp;
        uint8_t *st = realloc(c->states, n);
        if (st) c->states = st;
        if (!codes || !off || !route || !next || !bp || !st) return -1;
        c->capc = n;
    }
    return 0;
}

static inline void put(seg_ctx *c, size_t off, size_t len) {
    c->w[c->nw++] = (seg_word){ (uint32_t)off, (uint32_t)len };
}

/* FREQ.get(codes[a..b)) is truthy (a word with freq > 0). */
static inline int is_word(const seg_dict *d, const uint16_t *codes, size_t n) {
    if (!d->ov_n) {
        int32_t s = 0;
        for (size_t i = 0; i < n; i++) {
            int32_t t = d->cells[s].base + codes[i];
            if (d->cells[t].check != s) return 0;
            s = t;
        }
        return d->cells[s].logf >= 0;
    }
    int64_t f;
    return segd_lookup(d, codes, n, &f, NULL) && f > 0;
}

/* Emits block characters [a, b) as a word; cut_for_search first yields the
 * dictionary 2-grams and then 3-grams of words longer than 2 and 3 chars. */
static void emit(seg_ctx *c, size_t a, size_t b) {
    if ((c->flags & SEG_SEARCH) && b - a > 2) {
        for (size_t i = a; i + 2 <= b; i++)
            if (is_word(c->d, c->codes + i, 2)) put(c, c->off[i], c->off[i + 2] - c->off[i]);
        if (b - a > 3)
            for (size_t i = a; i + 3 <= b; i++)
                if (is_word(c->d, c->codes + i, 3)) put(c, c->off[i], c->off[i + 3] - c->off[i]);
    }
    put(c, c->off[a], c->off[b] - c->off[a]);
}

static inline int code_alnum(uint16_t k) { return k >= 1 && k <= 62; }     /* [a-zA-Z0-9] */
static inline int code_digit(uint16_t k) { return k >= 53 && k <= 62; }

/* finalseg.__cut: B/M/E/S Viterbi over han characters [a, b). */
static void viterbi(seg_ctx *c, size_t a, size_t b) {
    const seg_dict *d = c->d;
    const uint16_t *codes = c->codes;
    size_t T = b - a;
    double V[4], NV[4];
    const double *row = d->emit + (size_t)(codes[a] - SEGD_HAN0) * 4;
    for (int y = 0; y < 4; y++) V[y] = d->start[y] + row[y];
    /* PrevStatus, each pair in letter order so the later one wins ties. */
    static const uint8_t prev[4][2] = {
        [HMM_B] = { HMM_E, HMM_S }, [HMM_E] = { HMM_B, HMM_M },
        [HMM_M] = { HMM_B, HMM_M }, [HMM_S] = { HMM_E, HMM_S },
    };
    uint8_t *bp = c->bp;
    for (size_t t = 1; t < T; t++) {
        row = d->emit + (size_t)(codes[a + t] - SEGD_HAN0) * 4;
        for (int y = 0; y < 4; y++) {
            int y0 = prev[y][0], y1 = prev[y][1];
            double p0 = V[y0] + d->trans[y0][y] + row[y];
            double p1 = V[y1] + d->trans[y1][y] + row[y];
            if (p1 >= p0) { NV[y] = p1; bp[t * 4 + (size_t)y] = (uint8_t)y1; }
            else          { NV[y] = p0; bp[t * 4 + (size_t)y] = (uint8_t)y0; }
        }
        memcpy(V, NV, sizeof V);
    }
    uint8_t *st = c->states;
    st[T - 1] = V[HMM_S] >= V[HMM_E] ? HMM_S : HMM_E;
    for (size_t t = T - 1; t > 0; t--) st[t - 1] = bp[t * 4 + st[t]];
    size_t begin = 0, nexti = 0;
    for (size_t i = 0; i < T; i++) {
        switch (st[i]) {
        case HMM_B: begin = i; break;
        case HMM_E: emit(c, a + begin, a + i + 1); nexti = i + 1; break;
        case HMM_S: emit(c, a + i, a + i + 1); nexti = i + 1; break;
        default: break;
        }
    }
    if (nexti < T) emit(c, a + nexti, b);
}

/* finalseg.cut: han runs go through the HMM; other runs split by
 * re_skip = ([a-zA-Z0-9]+(?:\.\d+)?%?), the text between matches kept whole. */
static void hmm_cut(seg_ctx *c, size_t a, size_t b) {
    const uint16_t *codes = c->codes;
    size_t i = a;
    while (i < b) {
        size_t j = i;
        if (codes[i] >= SEGD_HAN0) {
            while (j < b && codes[j] >= SEGD_HAN0) j++;
            viterbi(c, i, j);
            i = j;
            continue;
        }
        size_t chunk = i;
        while (j < b && codes[j] < SEGD_HAN0) {
            if (!code_alnum(codes[j])) { j++; continue; }
            size_t m = j;
            while (m < b && code_alnum(codes[m])) m++;
            if (m + 1 < b && codes[m] == 66 /* . */ && code_digit(codes[m + 1])) {
                m++;
                while (m < b && code_digit(codes[m])) m++;
            }
            if (m < b && codes[m] == 68 /* % */) m++;
            if (chunk < j) emit(c, chunk, j);
            emit(c, j, m);
            j = chunk = m;
        }
        if (chunk < j) emit(c, chunk, j);
        i = j;
    }
}

/* get_DAG + calc: route[idx] = max over dictionary words idx..x of
 * (log(freq) - logtotal + route[x+1], x); a tie goes to the larger x. */
static void calc_route(seg_ctx *c, size_t N) {
    const seg_dict *d = c->d;
    const segd_cell *cells = d->cells;
    const uint16_t *codes = c->codes;
    const double lt = d->logtotal;
    double *R = c->route;
    int32_t *nx = c->next;
    R[N] = 0;
    for (size_t idx = N; idx-- > 0;) {
        double best = 0;
        long bx = -1;
        if (!d->ov_n) {
            int32_t s = 0;
            for (size_t x = idx; x < N; x++) {
                int32_t t = cells[s].base + codes[x];
                if (cells[t].check != s) break;
                s = t;
                double lf = cells[t].logf;
                if (lf >= 0) {
                    double v = lf - lt + R[x + 1];
                    if (bx < 0 || v >= best) { best = v; bx = (long)x; }
                }
            }
        } else {
            int32_t s = 0;
            for (size_t x = idx; x < N; x++) {
                int64_t f;
                if (!segd_step(d, codes + idx, x - idx + 1, &s, &f)) break;
                if (f > 0) {
                    double v = log((double)f) - lt + R[x + 1];
                    if (bx < 0 || v >= best) { best = v; bx = (long)x; }
                }
            }
        }
        if (bx < 0) { best = 0.0 - lt + R[idx + 1]; bx = (long)idx; }  /* log(FREQ.get(c) or 1) */
        R[idx] = best;
        nx[idx] = (int32_t)bx + 1;
    }
}

/* __cut_DAG's handling of a run of single characters [a, b). */
static void flush_buf(seg_ctx *c, size_t a, size_t b) {
    if (b - a == 1) emit(c, a, b);
    else if (is_word(c->d, c->codes + a, b - a))
        for (size_t i = a; i < b; i++) emit(c, i, i + 1);
    else hmm_cut(c, a, b);
}

static void cut_block(seg_ctx *c, size_t N) {
    calc_route(c, N);
    const int32_t *nx = c->next;
    size_t x = 0, buf = 0;
    int inbuf = 0;
    if (!(c->flags & SEG_NO_HMM)) {
        while (x < N) {
            size_t y = (size_t)nx[x];
            if (y - x == 1) {
                if (!inbuf) { buf = x; inbuf = 1; }
            } else {
                if (inbuf) { flush_buf(c, buf, x); inbuf = 0; }
                emit(c, x, y);
            }
            x = y;
        }
        if (inbuf) flush_buf(c, buf, N);
    } else {
        /* __cut_DAG_NO_HMM: single [a-zA-Z0-9] characters join up. */
        while (x < N) {
            size_t y = (size_t)nx[x];
            if (y - x == 1 && code_alnum(c->codes[x])) {
                if (!inbuf) { buf = x; inbuf = 1; }
            } else {
                if (inbuf) { emit(c, buf, x); inbuf = 0; }
                emit(c, x, y);
            }
            x = y;
        }
        if (inbuf) emit(c, buf, N);
    }
}

long seg_cut(seg_ctx *c, const char *s, size_t n, int flags, const seg_word **words) {
    /* Every word has at least one byte; search mode adds at most two sub-words per character. */
    if (n >= UINT32_MAX) return -1;
    if (ctx_reserve(c, n + 1, (flags & SEG_SEARCH) ? 3 * n + 1 : n + 1)) return -1;
    c->nw = 0;
    c->flags = flags;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        int l;
        unsigned char b0 = (unsigned char)s[i];
        if (b0 < 0x80) { cp = b0; l = 1; }
        else if ((l = utf8_decode(s + i, n - i, &cp)) < 0) { put(c, i, 1); i++; continue; }
        if (!segd_code(cp)) {
            /* Outside re_han_default: CR LF, each space and each other character alone. */
            if (cp == '\r' && i + 1 < n && s[i + 1] == '\n') l = 2;
            put(c, i, (size_t)l);
            i += (size_t)l;
            continue;
        }
        size_t k = 0;
        while (i < n) {
            b0 = (unsigned char)s[i];
            if (b0 < 0x80) { cp = b0; l = 1; }
            else if ((l = utf8_decode(s + i, n - i, &cp)) < 0) break;
            int code = segd_code(cp);
            if (!code) break;
            c->codes[k] = (uint16_t)code;
            c->off[k++] = (uint32_t)i;
            i += (size_t)l;
        }
        c->off[k] = (uint32_t)i;
        cut_block(c, k);
    }
    *words = c->w;
    return (long)c->nw;
}

/* ------------------------------------------------------------- user words */

/* jieba's suggest_freq(word, tune=False) for a whole word. */
static int64_t suggest_freq(seg_dict *d, const char *word, size_t n) {
    seg_ctx *c;
    if (seg_ctx_new(d, &c)) return -1;
    const seg_word *w;
    long k = seg_cut(c, word, n, SEG_NO_HMM, &w);
    double ftotal = (double)d->total, freq = 1;
    uint16_t tmp[256];
    for (long i = 0; i < k; i++) {
        long m = segd_encode(word + w[i].off, w[i].len, tmp, 256);
        int64_t f = 1;
        if (m > 0 && m <= 256 && !segd_lookup(d, tmp, (size_t)m, &f, NULL)) f = 1;
        freq *= (double)f / ftotal;
    }
    seg_ctx_free(c);
    if (k < 0) return -1;
    int64_t s = (int64_t)(freq * (double)d->total) + 1, own = 1;
    long m = segd_encode(word, n, tmp, 256);
    if (m > 0 && m <= 256 && !segd_lookup(d, tmp, (size_t)m, &own, NULL)) own = 1;
    return s > own ? s : own;
}

int seg_dict_add_word(seg_dict *d, const char *word, size_t n, double freq) {
    if (!n || !utf8_valid(word, n)) return -1;
    int64_t f = freq > 0 ? (int64_t)freq : suggest_freq(d, word, n);
    if (f < 0) return -1;
    long m = segd_encode(word, n, NULL, 0);
    if (m <= 0 || m > 0xFFFF) {
        /* A character outside jieba's han block: the word can never be looked
         * up, but jieba still counts its frequency in the total. */
        d->total += f;
        d->logtotal = log((double)d->total);
        return 0;
    }
    uint16_t *codes = malloc((size_t)m * sizeof *codes);
    if (!codes) return -1;
    segd_encode(word, n, codes, (size_t)m);
    int rc = segd_ov_set(d, codes, (size_t)m, f);
    free(codes);
    return rc;
}

int seg_dict_load_user(seg_dict *d, const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) { if (err) snprintf(err, errlen, "%s: cannot open", path); return -1; }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0, added = 0;
    int rc = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        char *s = line, *e = line + len;
        while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t')) e--;
        if (lineno == 1 && e - s >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) s += 3;
        while (s < e && (*s == ' ' || *s == '\t')) s++;
        if (s == e) continue;
        if (!utf8_valid(s, (size_t)(e - s))) {
            if (err) snprintf(err, errlen, "%s:%ld: not UTF-8", path, lineno);
            rc = -1;
            break;
        }
        /* re_userdict ^(.+?)( [0-9]+)?( [a-z]+)?$, read from the end. */
        char *p = e;
        while (p > s && *(p - 1) >= 'a' && *(p - 1) <= 'z') p--;
        if (p < e && p - 1 > s && p[-1] == ' ') e = p - 1;
        double fr = 0;
        p = e;
        while (p > s && *(p - 1) >= '0' && *(p - 1) <= '9') p--;
        if (p < e && p - 1 > s && p[-1] == ' ') {
            fr = strtod(p, NULL);
            e = p - 1;
        }
        if (seg_dict_add_word(d, s, (size_t)(e - s), fr > 0 ? fr : 0)) {
            if (err) snprintf(err, errlen, "%s:%ld: cannot add the word", path, lineno);
            rc = -1;
            break;
        }
        added++;
    }
    free(line);
    fclose(f);
    return rc ? -1 : (int)added;
}
