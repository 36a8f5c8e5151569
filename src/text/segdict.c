/* segdict.c: builds, maps and queries the compiled jieba dictionary (segdict.h).
 * File layout: a header, then 8-byte aligned arrays: cells, freq, idf, tag,
 * tag names, emission table. Built once from python3-jieba's dict.txt,
 * analyse/idf.txt and finalseg/prob_*.py by seg_dict_build(). */
#include "text/segdict.h"
#include "text/utf8.h"
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEGD_MAGIC   "MINYISEG"
#define SEGD_VERSION 1u
#define JIEBA_DIR    "/usr/lib/python3/dist-packages/jieba"

const uint8_t segd_ascii_code[128] = {
    ['a'] = 1, ['b'] = 2, ['c'] = 3, ['d'] = 4, ['e'] = 5, ['f'] = 6, ['g'] = 7, ['h'] = 8,
    ['i'] = 9, ['j'] = 10, ['k'] = 11, ['l'] = 12, ['m'] = 13, ['n'] = 14, ['o'] = 15, ['p'] = 16,
    ['q'] = 17, ['r'] = 18, ['s'] = 19, ['t'] = 20, ['u'] = 21, ['v'] = 22, ['w'] = 23, ['x'] = 24,
    ['y'] = 25, ['z'] = 26,
    ['A'] = 27, ['B'] = 28, ['C'] = 29, ['D'] = 30, ['E'] = 31, ['F'] = 32, ['G'] = 33, ['H'] = 34,
    ['I'] = 35, ['J'] = 36, ['K'] = 37, ['L'] = 38, ['M'] = 39, ['N'] = 40, ['O'] = 41, ['P'] = 42,
    ['Q'] = 43, ['R'] = 44, ['S'] = 45, ['T'] = 46, ['U'] = 47, ['V'] = 48, ['W'] = 49, ['X'] = 50,
    ['Y'] = 51, ['Z'] = 52,
    ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60,
    ['8'] = 61, ['9'] = 62,
    ['+'] = 63, ['#'] = 64, ['&'] = 65, ['.'] = 66, ['_'] = 67, ['%'] = 68, ['-'] = 69,
};

typedef struct {
    char magic[8];
    uint32_t version, ncells, ntags, ncodes;
    int64_t total;
    double median_idf;
    double start[4], trans[4][4];
    uint64_t off_cells, off_freq, off_idf, off_tag, off_tags, off_emit, size;
} segd_header;

static void seterr(char *err, size_t errlen, const char *fmt, ...) {
    if (!err || !errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

long segd_encode(const char *s, size_t n, uint16_t *codes, size_t cap) {
    size_t i = 0, k = 0;
    while (i < n) {
        uint32_t cp;
        int l = utf8_decode(s + i, n - i, &cp);
        if (l < 0) return -1;
        int c = segd_code(cp);
        if (!c) return -1;
        if (k < cap) codes[k] = (uint16_t)c;
        k++;
        i += (size_t)l;
    }
    return (long)k;
}

/* ---------------------------------------------------------------- builder */

typedef struct {
    uint32_t off;       /* into the code pool */
    uint16_t len;
    uint8_t tag;
    uint8_t is_word;    /* from dict.txt */
    int64_t freq;
    float idf;          /* < 0 none */
    uint32_t seq;       /* input order, so a later duplicate wins as in Python */
} bent;

typedef struct {
    uint16_t *pool; size_t npool, cappool;
    bent *ents; size_t nents, capents;
    char tags[SEGD_NTAG][8]; uint32_t ntags;
    int64_t total;
    double *idfs; size_t nidfs, capidfs;
    double start[4], trans[4][4];
    double *emit;
    /* double-array */
    segd_cell *cells; int32_t *freq; float *idf; uint8_t *tag;
    uint8_t *used; uint32_t *nf; size_t cap, maxpos;
} builder;

static int grow(void **p, size_t *cap, size_t need, size_t size) {
    if (need <= *cap) return 0;
    size_t nc = *cap ? *cap : 1024;
    while (nc < need) nc *= 2;
    void *q = realloc(*p, nc * size);
    if (!q) return -1;
    *p = q;
    *cap = nc;
    return 0;
}

static char *read_file(const char *path, size_t *len, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) { seterr(err, errlen, "%s: %s", path, strerror(errno)); return NULL; }
    buf b = {0};
    char tmp[65536];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
        if (buf_put(&b, tmp, k)) { fclose(f); buf_free(&b); seterr(err, errlen, "out of memory"); return NULL; }
    int bad = ferror(f);
    fclose(f);
    if (bad) { buf_free(&b); seterr(err, errlen, "%s: read error", path); return NULL; }
    *len = b.n;
    char *p = buf_detach(&b);
    if (!p) { p = malloc(1); if (p) *p = 0; }
    return p;
}

static bent *add_ent(builder *b, const char *w, size_t wn) {
    long k = segd_encode(w, wn, NULL, 0);
    if (k <= 0 || k > 0xFFFF) return NULL;
    if (grow((void **)&b->pool, &b->cappool, b->npool + (size_t)k, sizeof *b->pool) ||
        grow((void **)&b->ents, &b->capents, b->nents + 1, sizeof *b->ents)) return NULL;
    segd_encode(w, wn, b->pool + b->npool, (size_t)k);
    bent *e = &b->ents[b->nents];
    memset(e, 0, sizeof *e);
    e->off = (uint32_t)b->npool;
    e->len = (uint16_t)k;
    e->freq = -1;
    e->idf = -1;
    e->seq = (uint32_t)b->nents;
    b->npool += (size_t)k;
    b->nents++;
    return e;
}

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

/* Iterates the stripped lines of a text; returns 0 at the end. */
static int next_line(const char **p, const char *end, const char **ls, size_t *ln) {
    while (*p < end) {
        const char *s = *p, *e = memchr(s, '\n', (size_t)(end - s));
        if (!e) e = end;
        *p = e < end ? e + 1 : end;
        while (s < e && is_ws(*s)) s++;
        while (e > s && is_ws(e[-1])) e--;
        if (e > s) { *ls = s; *ln = (size_t)(e - s); return 1; }
    }
    return 0;
}

static int load_dict_txt(builder *b, const char *path, char *err, size_t errlen) {
    size_t n;
    char *text = read_file(path, &n, err, errlen);
    if (!text) return -1;
    const char *p = text, *ls;
    size_t ln;
    long lineno = 0;
    while (next_line(&p, text + n, &ls, &ln)) {
        lineno++;
        const char *sp = memchr(ls, ' ', ln);
        if (!sp) { seterr(err, errlen, "%s: entry %ld has no frequency", path, lineno); free(text); return -1; }
        const char *fe = memchr(sp + 1, ' ', (size_t)(ls + ln - sp - 1));
        if (!fe) fe = ls + ln;
        char num[32];
        size_t nl = (size_t)(fe - sp - 1);
        if (nl == 0 || nl >= sizeof num) { seterr(err, errlen, "%s: entry %ld: bad frequency", path, lineno); free(text); return -1; }
        memcpy(num, sp + 1, nl);
        num[nl] = 0;
        char *endp;
        long long f = strtoll(num, &endp, 10);
        if (*endp || f < 0 || f > INT32_MAX) { seterr(err, errlen, "%s: entry %ld: bad frequency", path, lineno); free(text); return -1; }
        b->total += f;
        bent *e = add_ent(b, ls, (size_t)(sp - ls));
        if (!e) continue;   /* a character outside the alphabet: never looked up */
        e->is_word = 1;
        e->freq = f;
        if (fe < ls + ln) {
            const char *t = fe + 1;
            size_t tl = (size_t)(ls + ln - t);
            if (tl > 0 && tl < 8) {
                uint32_t i;
                for (i = 1; i <= b->ntags; i++)
                    if (strlen(b->tags[i - 1]) == tl && !memcmp(b->tags[i - 1], t, tl)) break;
                if (i > b->ntags && b->ntags < SEGD_NTAG - 1) {
                    memcpy(b->tags[b->ntags], t, tl);
                    b->tags[b->ntags][tl] = 0;
                    b->ntags++;
                }
                if (i <= b->ntags) e->tag = (uint8_t)i;
            }
        }
    }
    free(text);
    return 0;
}

static int load_idf_txt(builder *b, const char *path, char *err, size_t errlen) {
    size_t n;
    char *text = read_file(path, &n, err, errlen);
    if (!text) return -1;
    const char *p = text, *ls;
    size_t ln;
    while (next_line(&p, text + n, &ls, &ln)) {
        const char *sp = memchr(ls, ' ', ln);
        if (!sp) continue;
        char num[64];
        size_t nl = (size_t)(ls + ln - sp - 1);
        if (nl == 0 || nl >= sizeof num) continue;
        memcpy(num, sp + 1, nl);
        num[nl] = 0;
        double v = strtod(num, NULL);
        if (grow((void **)&b->idfs, &b->capidfs, b->nidfs + 1, sizeof *b->idfs)) { free(text); seterr(err, errlen, "out of memory"); return -1; }
        b->idfs[b->nidfs++] = v;
        bent *e = add_ent(b, ls, (size_t)(sp - ls));
        if (e) e->idf = (float)v;
    }
    free(text);
    return 0;
}

/* Parses one of finalseg's prob_*.py files: "P={'B': {'\u4e00': -3.65, ...}, ...}".
 * Calls back with (outer key, inner key or 0, value); keys are one character. */
typedef void (*pyd_cb)(builder *b, uint32_t k1, uint32_t k2, double v);

static int py_string(const char **pp, const char *end, uint32_t *cp) {
    const char *p = *pp;
    char q = *p++;
    int count = 0;
    while (p < end && *p != q) {
        uint32_t c;
        if (*p == '\\' && p + 1 < end) {
            p++;
            int digits = *p == 'u' ? 4 : *p == 'U' ? 8 : 0;
            if (!digits) { c = (unsigned char)*p++; }
            else {
                p++;
                if (end - p < digits) return -1;
                char h[9];
                memcpy(h, p, (size_t)digits);
                h[digits] = 0;
                c = (uint32_t)strtoul(h, NULL, 16);
                p += digits;
            }
        } else {
            int l = utf8_decode(p, (size_t)(end - p), &c);
            if (l < 0) return -1;
            p += l;
        }
        *cp = c;
        count++;
    }
    if (p >= end || count != 1) return -1;
    *pp = p + 1;
    return 0;
}

static int parse_pydict(builder *b, const char *p, const char *end, pyd_cb cb) {
    p = memchr(p, '{', (size_t)(end - p));
    if (!p) return -1;
    p++;
    int depth = 1;
    uint32_t outer = 0;
    while (p < end) {
        while (p < end && (is_ws(*p) || *p == ',')) p++;
        if (p >= end) return -1;
        if (*p == '}') { p++; if (--depth == 0) return 0; continue; }
        if (*p != '\'' && *p != '"') return -1;
        uint32_t key = 0;
        if (py_string(&p, end, &key)) return -1;
        while (p < end && is_ws(*p)) p++;
        if (p >= end || *p != ':') return -1;
        p++;
        while (p < end && is_ws(*p)) p++;
        if (p < end && *p == '{') {
            if (depth != 1) return -1;
            outer = key;
            depth = 2;
            p++;
            continue;
        }
        char *ep;
        double v = strtod(p, &ep);
        if (ep == p) return -1;
        p = ep;
        if (depth == 1) cb(b, key, 0, v);
        else cb(b, outer, key, v);
    }
    return -1;
}

static int state_of(uint32_t c) {
    switch (c) { case 'B': return HMM_B; case 'E': return HMM_E; case 'M': return HMM_M; case 'S': return HMM_S; }
    return -1;
}

static void cb_start(builder *b, uint32_t k1, uint32_t k2, double v) {
    (void)k2;
    int s = state_of(k1);
    if (s >= 0) b->start[s] = v;
}

static void cb_trans(builder *b, uint32_t k1, uint32_t k2, double v) {
    int s = state_of(k1), t = state_of(k2);
    if (s >= 0 && t >= 0) b->trans[s][t] = v;
}

static void cb_emit(builder *b, uint32_t k1, uint32_t k2, double v) {
    int s = state_of(k1);
    if (s >= 0 && k2 >= SEGD_HAN_LO && k2 <= SEGD_HAN_HI)
        b->emit[(k2 - SEGD_HAN_LO) * 4 + (uint32_t)s] = v;
}

static int load_py(builder *b, const char *dir, const char *name, pyd_cb cb, char *err, size_t errlen) {
    char path[4096];
    snprintf(path, sizeof path, "%s/finalseg/%s", dir, name);
    size_t n;
    char *text = read_file(path, &n, err, errlen);
    if (!text) return -1;
    int rc = parse_pydict(b, text, text + n, cb);
    free(text);
    if (rc) seterr(err, errlen, "%s: cannot parse the HMM table", path);
    return rc;
}

static const uint16_t *g_pool;   /* for qsort comparators only (build is single-threaded) */

static int cmp_ent(const void *x, const void *y) {
    const bent *a = x, *b = y;
    size_t n = a->len < b->len ? a->len : b->len;
    const uint16_t *p = g_pool + a->off, *q = g_pool + b->off;
    for (size_t i = 0; i < n; i++)
        if (p[i] != q[i]) return p[i] < q[i] ? -1 : 1;
    if (a->len != b->len) return a->len < b->len ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static int da_reserve(builder *b, size_t need) {
    if (need <= b->cap) return 0;
    size_t nc = b->cap ? b->cap : 65536;
    while (nc < need) nc *= 2;
    segd_cell *c = realloc(b->cells, nc * sizeof *c);
    if (c) b->cells = c;
    int32_t *f = realloc(b->freq, nc * sizeof *f);
    if (f) b->freq = f;
    float *d = realloc(b->idf, nc * sizeof *d);
    if (d) b->idf = d;
    uint8_t *t = realloc(b->tag, nc);
    if (t) b->tag = t;
    uint8_t *u = realloc(b->used, nc);
    if (u) b->used = u;
    uint32_t *nf = realloc(b->nf, nc * sizeof *nf);
    if (nf) b->nf = nf;
    if (!c || !f || !d || !t || !u || !nf) return -1;
    for (size_t i = b->cap; i < nc; i++) {
        b->cells[i] = (segd_cell){ 0, -1, -1.0 };
        b->freq[i] = -1;
        b->idf[i] = -1;
        b->tag[i] = 0;
        b->used[i] = 0;
        b->nf[i] = (uint32_t)i;
    }
    b->cap = nc;
    return 0;
}

/* The first free cell at or after i (union-find style skip over used cells). */
static size_t nf_find(builder *b, size_t i) {
    if (da_reserve(b, i + 1)) return (size_t)-1;
    size_t r = i;
    while (b->nf[r] != r) {
        r = b->nf[r];
        if (da_reserve(b, r + 1)) return (size_t)-1;
    }
    while (b->nf[i] != r) { size_t nx = b->nf[i]; b->nf[i] = (uint32_t)r; i = nx; }
    return r;
}

static void da_use(builder *b, size_t i) {
    b->used[i] = 1;
    b->nf[i] = (uint32_t)(i + 1);
    if (i > b->maxpos) b->maxpos = i;
}

typedef struct { uint32_t cell, lo, hi, depth; } qitem;

static int build_da(builder *b, char *err, size_t errlen) {
    qitem *q = NULL;
    size_t qcap = 0, qh = 0, qt = 0;
    uint16_t *kids = malloc(SEGD_NCODES * sizeof *kids);
    uint32_t *kidlo = malloc((SEGD_NCODES + 1) * sizeof *kidlo);
    if (!kids || !kidlo || da_reserve(b, SEGD_NCODES * 2)) goto oom;
    da_use(b, 0);
    b->cells[0].check = -1;
    if (grow((void **)&q, &qcap, 1, sizeof *q)) goto oom;
    q[qt++] = (qitem){ 0, 0, (uint32_t)b->nents, 0 };
    size_t first_free = 1;
    while (qh < qt) {
        qitem it = q[qh++];
        uint32_t lo = it.lo, hi = it.hi;
        /* The node's own word sorts first (shortest); any entry below it puts
         * it in jieba's FREQ (as a prefix with 0) if that entry is a dict word. */
        int dict_below = 0;
        for (uint32_t i = lo; i < hi; i++) if (b->ents[i].is_word) { dict_below = 1; break; }
        if (it.cell && dict_below) b->freq[it.cell] = 0;
        if (lo < hi && b->ents[lo].len == it.depth) {
            bent *e = &b->ents[lo];
            if (e->is_word) {
                b->freq[it.cell] = (int32_t)e->freq;
                b->cells[it.cell].logf = e->freq > 0 ? log((double)e->freq) : -1.0;
                b->tag[it.cell] = e->tag;
            }
            if (e->idf >= 0) b->idf[it.cell] = e->idf;
            lo++;
        }
        if (lo >= hi) continue;
        int nk = 0;
        for (uint32_t i = lo; i < hi;) {
            uint16_t c = b->pool[b->ents[i].off + it.depth];
            kids[nk] = c;
            kidlo[nk++] = i;
            while (i < hi && b->pool[b->ents[i].off + it.depth] == c) i++;
        }
        kidlo[nk] = hi;
        /* Find a base where every child cell is free. */
        size_t p = nf_find(b, first_free > kids[0] ? first_free : kids[0]);
        for (;;) {
            if (p == (size_t)-1) goto oom;
            size_t base = p - kids[0];
            int ok = 1;
            for (int j = 1; j < nk; j++) {
                if (da_reserve(b, base + kids[j] + 1)) goto oom;
                if (b->used[base + kids[j]]) { ok = 0; break; }
            }
            if (ok) break;
            p = nf_find(b, p + 1);
        }
        size_t base = p - kids[0];
        if (base + SEGD_NCODES >= INT32_MAX) { seterr(err, errlen, "dictionary too large"); goto fail; }
        b->cells[it.cell].base = (int32_t)base;
        if (grow((void **)&q, &qcap, qt + (size_t)nk, sizeof *q)) goto oom;
        for (int j = 0; j < nk; j++) {
            size_t t = base + kids[j];
            da_use(b, t);
            b->cells[t].check = (int32_t)it.cell;
            q[qt++] = (qitem){ (uint32_t)t, kidlo[j], kidlo[j + 1], it.depth + 1 };
        }
        first_free = nf_find(b, first_free);
        if (first_free == (size_t)-1) goto oom;
    }
    /* Pad so that base + any code is inside the array: no bounds check when walking. */
    if (da_reserve(b, b->maxpos + SEGD_NCODES + 1)) goto oom;
    b->maxpos += SEGD_NCODES;
    free(q); free(kids); free(kidlo);
    return 0;
oom:
    seterr(err, errlen, "out of memory");
fail:
    free(q); free(kids); free(kidlo);
    return -1;
}

static size_t align8(size_t x) { return (x + 7) & ~(size_t)7; }

static void builder_free(builder *b) {
    free(b->pool); free(b->ents); free(b->idfs); free(b->emit);
    free(b->cells); free(b->freq); free(b->idf); free(b->tag); free(b->used); free(b->nf);
}

/* Builds the image in memory; *img is malloc'd. */
static int build_image(const char *dir, void **img, size_t *imglen, char *err, size_t errlen) {
    builder b;
    memset(&b, 0, sizeof b);
    int rc = -1;
    char path[4096];
    if (!dir) dir = JIEBA_DIR;
    size_t nhan = SEGD_HAN_HI - SEGD_HAN_LO + 1;
    b.emit = malloc(nhan * 4 * sizeof *b.emit);
    if (!b.emit) { seterr(err, errlen, "out of memory"); goto out; }
    for (size_t i = 0; i < nhan * 4; i++) b.emit[i] = HMM_MIN_FLOAT;
    for (int i = 0; i < 4; i++) {
        b.start[i] = HMM_MIN_FLOAT;
        for (int j = 0; j < 4; j++) b.trans[i][j] = HMM_MIN_FLOAT;
    }
    snprintf(path, sizeof path, "%s/dict.txt", dir);
    if (load_dict_txt(&b, path, err, errlen)) goto out;
    snprintf(path, sizeof path, "%s/analyse/idf.txt", dir);
    if (load_idf_txt(&b, path, err, errlen)) goto out;
    if (load_py(&b, dir, "prob_start.py", cb_start, err, errlen) ||
        load_py(&b, dir, "prob_trans.py", cb_trans, err, errlen) ||
        load_py(&b, dir, "prob_emit.py", cb_emit, err, errlen)) goto out;
    if (b.total <= 0) { seterr(err, errlen, "%s/dict.txt: no words", dir); goto out; }
    double median = 0;
    if (b.nidfs) {
        qsort(b.idfs, b.nidfs, sizeof *b.idfs, cmp_double);
        median = b.idfs[b.nidfs / 2];
    }
    /* Sort by code sequence, then merge duplicates: the later dict line wins
     * (Python dict assignment), idf and dict data of the same word combine. */
    g_pool = b.pool;
    qsort(b.ents, b.nents, sizeof *b.ents, cmp_ent);
    size_t w = 0;
    for (size_t i = 0; i < b.nents; i++) {
        bent *e = &b.ents[i];
        if (w > 0) {
            bent *prev = &b.ents[w - 1];
            if (prev->len == e->len && !memcmp(b.pool + prev->off, b.pool + e->off, e->len * sizeof *b.pool)) {
                if (e->is_word) { prev->is_word = 1; prev->freq = e->freq; prev->tag = e->tag; }
                if (e->idf >= 0) prev->idf = e->idf;
                continue;
            }
        }
        b.ents[w++] = *e;
    }
    b.nents = w;
    if (build_da(&b, err, errlen)) goto out;

    size_t ncells = b.maxpos + 1;
    segd_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, SEGD_MAGIC, 8);
    h.version = SEGD_VERSION;
    h.ncells = (uint32_t)ncells;
    h.ntags = b.ntags;
    h.ncodes = SEGD_NCODES;
    h.total = b.total;
    h.median_idf = median;
    memcpy(h.start, b.start, sizeof h.start);
    memcpy(h.trans, b.trans, sizeof h.trans);
    size_t off = align8(sizeof h);
    h.off_cells = off; off = align8(off + ncells * sizeof(segd_cell));
    h.off_freq = off;  off = align8(off + ncells * sizeof(int32_t));
    h.off_idf = off;   off = align8(off + ncells * sizeof(float));
    h.off_tag = off;   off = align8(off + ncells);
    h.off_tags = off;  off = align8(off + (size_t)SEGD_NTAG * 8);
    h.off_emit = off;  off = align8(off + nhan * 4 * sizeof(double));
    h.size = off;
    char *im = calloc(1, off);
    if (!im) { seterr(err, errlen, "out of memory"); goto out; }
    memcpy(im, &h, sizeof h);
    memcpy(im + h.off_cells, b.cells, ncells * sizeof(segd_cell));
    memcpy(im + h.off_freq, b.freq, ncells * sizeof(int32_t));
    memcpy(im + h.off_idf, b.idf, ncells * sizeof(float));
    memcpy(im + h.off_tag, b.tag, ncells);
    memcpy(im + h.off_tags, b.tags, sizeof b.tags);
    memcpy(im + h.off_emit, b.emit, nhan * 4 * sizeof(double));
    *img = im;
    *imglen = off;
    rc = 0;
out:
    builder_free(&b);
    return rc;
}

int seg_dict_build(const char *jieba_dir, const char *out, char *err, size_t errlen) {
    void *img;
    size_t len;
    if (build_image(jieba_dir, &img, &len, err, errlen)) return -1;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", out, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) { seterr(err, errlen, "%s: %s", tmp, strerror(errno)); free(img); return -1; }
    int bad = fwrite(img, 1, len, f) != len;
    bad |= fclose(f) != 0;
    free(img);
    if (bad || rename(tmp, out)) {
        seterr(err, errlen, "%s: write failed: %s", out, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ loader */

static int attach(seg_dict *d, const void *img, size_t len, char *err, size_t errlen) {
    const segd_header *h = img;
    if (len < sizeof *h || memcmp(h->magic, SEGD_MAGIC, 8)) { seterr(err, errlen, "not a minyi dictionary"); return -1; }
    if (h->version != SEGD_VERSION || h->ncodes != SEGD_NCODES) { seterr(err, errlen, "dictionary version mismatch: rebuild it (scripts/build-dict)"); return -1; }
    size_t nc = h->ncells, nhan = SEGD_HAN_HI - SEGD_HAN_LO + 1;
    if (h->size != len || nc < SEGD_NCODES + 1 || h->ntags >= SEGD_NTAG || h->total <= 0 ||
        h->off_cells + nc * sizeof(segd_cell) > len || h->off_freq + nc * 4 > len ||
        h->off_idf + nc * 4 > len || h->off_tag + nc > len || h->off_tags + SEGD_NTAG * 8 > len ||
        h->off_emit + nhan * 32 > len || (h->off_cells | h->off_freq | h->off_idf | h->off_emit) & 7) {
        seterr(err, errlen, "dictionary file is truncated or corrupt");
        return -1;
    }
    const char *b = img;
    d->cells = (const segd_cell *)(b + h->off_cells);
    /* Every base must keep base + code inside the array; checked once here so
     * the walking loop needs no bounds check even on a corrupt file. */
    for (size_t i = 0; i < nc; i++)
        if (d->cells[i].base < 0 || (size_t)d->cells[i].base + SEGD_NCODES > nc) {
            seterr(err, errlen, "dictionary file is corrupt (cell %zu)", i);
            return -1;
        }
    d->ncells = (uint32_t)nc;
    d->freq = (const int32_t *)(b + h->off_freq);
    d->idf = (const float *)(b + h->off_idf);
    d->tag = (const uint8_t *)(b + h->off_tag);
    d->tags = (const char (*)[8])(b + h->off_tags);
    d->ntags = h->ntags;
    d->emit = (const double *)(b + h->off_emit);
    memcpy(d->start, h->start, sizeof d->start);
    memcpy(d->trans, h->trans, sizeof d->trans);
    d->median_idf = h->median_idf;
    d->total = h->total;
    d->logtotal = log((double)d->total);
    return 0;
}

static int open_file(const char *path, seg_dict **out, char *err, size_t errlen) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { seterr(err, errlen, "%s: %s", path, strerror(errno)); return -1; }
    struct stat st;
    if (fstat(fd, &st) || st.st_size <= 0) { close(fd); seterr(err, errlen, "%s: empty or unreadable", path); return -1; }
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED) { seterr(err, errlen, "%s: mmap: %s", path, strerror(errno)); return -1; }
    seg_dict *d = calloc(1, sizeof *d);
    if (!d) { munmap(m, (size_t)st.st_size); seterr(err, errlen, "out of memory"); return -1; }
    d->map = m;
    d->maplen = (size_t)st.st_size;
    if (attach(d, m, d->maplen, err, errlen)) {
        size_t el = strlen(err ? err : "");
        if (err && el + strlen(path) + 3 < errlen) {
            memmove(err + strlen(path) + 2, err, el + 1);
            memcpy(err, path, strlen(path));
            memcpy(err + strlen(path), ": ", 2);
        }
        munmap(m, d->maplen);
        free(d);
        return -1;
    }
    *out = d;
    return 0;
}

int seg_dict_from_jieba(const char *jieba_dir, seg_dict **out, char *err, size_t errlen) {
    void *img;
    size_t len;
    if (build_image(jieba_dir, &img, &len, err, errlen)) return -1;
    seg_dict *d = calloc(1, sizeof *d);
    if (!d) { free(img); seterr(err, errlen, "out of memory"); return -1; }
    d->heap = img;
    if (attach(d, img, len, err, errlen)) { free(img); free(d); return -1; }
    *out = d;
    return 0;
}

int seg_dict_open(const char *path, seg_dict **out, char *err, size_t errlen) {
    *out = NULL;
    if (path) return open_file(path, out, err, errlen);
    const char *env = getenv("MINYI_DICT");
    if (env && *env) return open_file(env, out, err, errlen);
    char cand[5][4200];
    int nc = 0;
    char exe[4096];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k > 0) {
        exe[k] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            /* ./minyi finds build/jieba.dict; build/asan/minyi and build/<dir>/asan/minyi find it up the tree. */
            snprintf(cand[nc++], sizeof cand[0], "%s/build/jieba.dict", exe);
            snprintf(cand[nc++], sizeof cand[0], "%s/../jieba.dict", exe);
            snprintf(cand[nc++], sizeof cand[0], "%s/../../jieba.dict", exe);
        }
    }
    snprintf(cand[nc++], sizeof cand[0], "build/jieba.dict");
    snprintf(cand[nc++], sizeof cand[0], "/usr/share/minyi/jieba.dict");
    for (int i = 0; i < nc; i++)
        if (access(cand[i], R_OK) == 0) return open_file(cand[i], out, err, errlen);
    /* No compiled file: build it in memory from python3-jieba (about a second). */
    return seg_dict_from_jieba(NULL, out, err, errlen);
}

/* ----------------------------------------------------------------- overlay */

typedef struct { uint64_t h; uint32_t off, len; int64_t freq; } ov_ent;

struct segd_ov {
    ov_ent *tab; size_t cap;        /* power of two, open addressing */
    uint16_t *pool; size_t npool, cappool;
};

static uint64_t ov_hash(const uint16_t *c, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ n;
    for (size_t i = 0; i < n; i++) { h ^= c[i]; h *= 0x100000001B3ULL; h ^= h >> 29; }
    return h | 1;   /* 0 marks an empty slot */
}

static ov_ent *ov_find(const segd_ov *o, const uint16_t *c, size_t n, uint64_t h) {
    if (!o || !o->cap) return NULL;
    for (size_t i = h & (o->cap - 1);; i = (i + 1) & (o->cap - 1)) {
        ov_ent *e = &o->tab[i];
        if (!e->h) return NULL;
        if (e->h == h && e->len == n && !memcmp(o->pool + e->off, c, n * sizeof *c)) return e;
    }
}

static int ov_put(seg_dict *d, const uint16_t *c, size_t n, int64_t freq) {
    if (!d->ov && !(d->ov = calloc(1, sizeof *d->ov))) return -1;
    segd_ov *o = d->ov;
    uint64_t h = ov_hash(c, n);
    ov_ent *e = ov_find(o, c, n, h);
    if (e) { e->freq = freq; return 0; }
    if ((d->ov_n + 1) * 2 > o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 64;
        ov_ent *t = calloc(nc, sizeof *t);
        if (!t) return -1;
        for (size_t i = 0; i < o->cap; i++) {
            if (!o->tab[i].h) continue;
            size_t j = o->tab[i].h & (nc - 1);
            while (t[j].h) j = (j + 1) & (nc - 1);
            t[j] = o->tab[i];
        }
        free(o->tab);
        o->tab = t;
        o->cap = nc;
    }
    if (grow((void **)&o->pool, &o->cappool, o->npool + n, sizeof *o->pool)) return -1;
    memcpy(o->pool + o->npool, c, n * sizeof *c);
    size_t j = h & (o->cap - 1);
    while (o->tab[j].h) j = (j + 1) & (o->cap - 1);
    o->tab[j] = (ov_ent){ h, (uint32_t)o->npool, (uint32_t)n, freq };
    o->npool += n;
    d->ov_n++;
    return 0;
}

/* Trie lookup only. */
static int32_t da_find(const seg_dict *d, const uint16_t *c, size_t n) {
    int32_t s = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t t = d->cells[s].base + c[i];
        if (d->cells[t].check != s) return -1;
        s = t;
    }
    return s;
}

int segd_lookup(const seg_dict *d, const uint16_t *codes, size_t n, int64_t *freq, int32_t *cell) {
    int32_t s = n ? da_find(d, codes, n) : -1;
    if (cell) *cell = s;
    if (d->ov_n) {
        ov_ent *e = ov_find(d->ov, codes, n, ov_hash(codes, n));
        if (e) { *freq = e->freq; return 1; }
    }
    if (s > 0 && d->freq[s] >= 0) { *freq = d->freq[s]; return 1; }
    return 0;
}

int segd_step(const seg_dict *d, const uint16_t *codes, size_t n, int32_t *state, int64_t *freq) {
    if (*state >= 0) {
        int32_t t = d->cells[*state].base + codes[n - 1];
        *state = d->cells[t].check == *state ? t : -1;
    }
    ov_ent *e = d->ov_n ? ov_find(d->ov, codes, n, ov_hash(codes, n)) : NULL;
    if (e) { *freq = e->freq; return 1; }
    /* A trie node that is not in FREQ (idf-only) still lets the walk go on:
     * going further than jieba never adds a word, as words need freq > 0. */
    if (*state > 0) { *freq = d->freq[*state] > 0 ? d->freq[*state] : 0; return 1; }
    return 0;
}

int segd_ov_set(seg_dict *d, const uint16_t *codes, size_t n, int64_t freq) {
    if (!n) return -1;
    if (ov_put(d, codes, n, freq)) return -1;
    d->total += freq;
    d->logtotal = log((double)d->total);
    for (size_t k = 1; k < n; k++) {
        int64_t f;
        if (!segd_lookup(d, codes, k, &f, NULL) && ov_put(d, codes, k, 0)) return -1;
    }
    return 0;
}

void seg_dict_close(seg_dict *d) {
    if (!d) return;
    if (d->map) munmap(d->map, d->maplen);
    free(d->heap);
    if (d->ov) { free(d->ov->tab); free(d->ov->pool); free(d->ov); }
    free(d);
}
