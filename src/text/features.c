/* features.c: normalisation and term extraction for the classifier (see
 * features.h; the model and the TF-IDF weighting are in classify.c).
 *
 * Vocabulary choice: a dictionary, not the hashing trick. Terms are 64-bit
 * keys (character n-grams pack their code points exactly, words are a 56-bit
 * hash), and a model keeps the sorted keys it was trained on with their IDF.
 * Unlike a hashed feature space this has no collisions between frequent
 * bigrams, stores only features seen in training (a few MB, not 2^20 x
 * classes), lets a feature be explained ("bi:医保"), and costs one probe in an
 * open-addressing table per term at classification time - the same as
 * hashing into a weight array. */
#include "text/features.h"
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <math.h>
#include <utf8proc.h>
#include <xxhash.h>

/* The one switch for word features: 0 refuses them (character n-grams only),
 * as while the segmenter (seg.c, issue 3) was being written. */
#define FEAT_HAVE_SEG 1

void feat_cfg_default(feat_cfg *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->unigrams = 1;
    cfg->bigrams = 1;
    cfg->words = 0;
    cfg->fold_digits = 1;
    cfg->title_weight = 1.0f;
}

/* ---- key -> value map ------------------------------------------------- */

static size_t pow2_at_least(size_t n) { size_t c = 16; while (c < n) c <<= 1; return c; }

int feat_map_init(feat_map *m, size_t expected) {
    memset(m, 0, sizeof *m);
    m->cap = pow2_at_least(expected * 2 + 1);
    m->keys = calloc(m->cap, sizeof *m->keys);
    m->vals = malloc(m->cap * sizeof *m->vals);
    if (!m->keys || !m->vals) { feat_map_free(m); return -1; }
    return 0;
}

void feat_map_free(feat_map *m) {
    free(m->keys); free(m->vals);
    memset(m, 0, sizeof *m);
}

static int map_grow(feat_map *m) {
    feat_map g;
    if (feat_map_init(&g, m->cap)) return -1;   /* doubles the capacity */
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i]) continue;
        size_t j = (size_t)feat_mix(m->keys[i]) & (g.cap - 1);
        while (g.keys[j]) j = (j + 1) & (g.cap - 1);
        g.keys[j] = m->keys[i]; g.vals[j] = m->vals[i];
    }
    g.n = m->n;
    feat_map_free(m);
    *m = g;
    return 0;
}

uint32_t *feat_map_put(feat_map *m, uint64_t key, uint32_t fresh, int *added) {
    if (added) *added = 0;
    if (key == 0) return NULL;
    if ((m->n + 1) * 2 > m->cap && map_grow(m)) return NULL;
    size_t mask = m->cap - 1, i = (size_t)feat_mix(key) & mask;
    while (m->keys[i]) {
        if (m->keys[i] == key) return &m->vals[i];
        i = (i + 1) & mask;
    }
    m->keys[i] = key; m->vals[i] = fresh; m->n++;
    if (added) *added = 1;
    return &m->vals[i];
}

/* ---- normalisation ----------------------------------------------------- */

/* Normalises one code point into out[] (room for 8); returns how many code
 * points it became, 0 for a separator (punctuation, symbol, space, control).
 * CJK ideographs, the bulk of the text, take the first branch. */
static int norm_cp(uint32_t cp, int fold_digits, uint32_t *out) {
    if (cp >= 0x4E00 && cp <= 0x9FFF) { out[0] = cp; return 1; }
    if (cp < 0x80) {
        if (cp >= 'A' && cp <= 'Z') { out[0] = cp + 32; return 1; }
        if (cp >= 'a' && cp <= 'z') { out[0] = cp; return 1; }
        if (cp >= '0' && cp <= '9') { out[0] = fold_digits ? '0' : cp; return 1; }
        return 0;
    }
    utf8proc_int32_t d[8];
    int bc = 0;
    utf8proc_ssize_t k = utf8proc_decompose_char((utf8proc_int32_t)cp, d, 8,
                             UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD, &bc);
    if (k <= 0) return 0;
    if (k > 8) k = 8;
    int n = 0;
    for (utf8proc_ssize_t i = 0; i < k; i++) {
        uint32_t c = (uint32_t)d[i];
        if (c < 0x80) {    /* full-width ASCII and the like arrive here */
            uint32_t one;
            if (norm_cp(c, fold_digits, &one)) out[n++] = one;
            else if (n) break;   /* "⑴" -> "(1)": keep the letters/digits only */
            continue;
        }
        switch (utf8proc_category((utf8proc_int32_t)c)) {
        case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
        case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
        case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
            out[n++] = c; break;
        case UTF8PROC_CATEGORY_ND:
            out[n++] = fold_digits ? '0' : c; break;
        case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
            break;   /* combining marks: "é" and "e" are one feature */
        default:
            break;
        }
    }
    return n;
}

/* Decodes one code point leniently; invalid bytes come back as cp 0 (a
 * separator) with length 1. */
static int decode(const unsigned char *s, size_t n, uint32_t *cp) {
    unsigned c = s[0];
    if (c < 0x80) { *cp = c; return 1; }
    utf8proc_int32_t v;
    utf8proc_ssize_t k = utf8proc_iterate(s, (utf8proc_ssize_t)(n < 4 ? n : 4), &v);
    if (k <= 0) { *cp = 0; return 1; }
    *cp = (uint32_t)v;
    return (int)k;
}

int feat_normalize(const char *s, size_t n, int fold_digits, buf *out) {
    const unsigned char *u = (const unsigned char *)s;
    int sep = 1;
    for (size_t i = 0; i < n;) {
        uint32_t cp, o[8];
        i += (size_t)decode(u + i, n - i, &cp);
        int k = cp ? norm_cp(cp, fold_digits, o) : 0;
        if (!k) {
            if (!sep && buf_putc(out, ' ')) return -1;
            sep = 1;
            continue;
        }
        for (int j = 0; j < k; j++) {
            char e[4];
            int len = utf8proc_encode_char((utf8proc_int32_t)o[j], (utf8proc_uint8_t *)e);
            if (buf_put(out, e, (size_t)len)) return -1;
        }
        sep = 0;
    }
    if (out->n && out->p[out->n - 1] == ' ') out->p[--out->n] = 0;
    return 0;
}

void feat_key_str(uint64_t key, char *out, size_t outlen) {
    unsigned kind = (unsigned)(key >> 56);
    uint32_t a = (uint32_t)(key >> 21) & 0x1FFFFF, b = (uint32_t)key & 0x1FFFFF;
    char ea[5] = {0}, eb[5] = {0};
    if (kind == FEAT_KIND_UNI || kind == FEAT_KIND_BI) {
        if (utf8proc_codepoint_valid((utf8proc_int32_t)b)) utf8proc_encode_char((utf8proc_int32_t)b, (utf8proc_uint8_t *)eb);
        if (utf8proc_codepoint_valid((utf8proc_int32_t)a)) utf8proc_encode_char((utf8proc_int32_t)a, (utf8proc_uint8_t *)ea);
    }
    if (kind == FEAT_KIND_UNI) snprintf(out, outlen, "uni:%s", eb);
    else if (kind == FEAT_KIND_BI) snprintf(out, outlen, "bi:%s%s", ea, eb);
    else snprintf(out, outlen, "word:#%014llx", (unsigned long long)(key & 0xFFFFFFFFFFFFFFULL));
}

/* ---- term extraction ---------------------------------------------------- */

struct feat_ctx {
    const feat_cfg *cfg;
    const seg_dict *dict;
    seg_ctx *seg;
    feat_map acc;              /* key -> index into terms */
    feat_term *terms; size_t nterms, capterms;
    buf norm;                  /* normalised text handed to the segmenter */
    int full_reset;            /* the map grew or an add failed: clear it whole next time */
};

static int seg_new_ctx(feat_ctx *c, const seg_dict *d) {
#if FEAT_HAVE_SEG
    return seg_ctx_new(d, &c->seg);
#else
    (void)c; (void)d; return -1;
#endif
}

static void seg_free_ctx(feat_ctx *c) {
#if FEAT_HAVE_SEG
    if (c->seg) seg_ctx_free(c->seg);
#else
    (void)c;
#endif
}

int feat_ctx_new(const feat_cfg *cfg, const seg_dict *dict, feat_ctx **out, char *err, size_t errlen) {
    *out = NULL;
    if (cfg->words && !FEAT_HAVE_SEG) { snprintf(err, errlen, "word features need the segmenter, which is not built in yet"); return -1; }
    if (cfg->words && !dict) { snprintf(err, errlen, "word features need the segmentation dictionary"); return -1; }
    feat_ctx *c = calloc(1, sizeof *c);
    if (!c || feat_map_init(&c->acc, 256)) { free(c); snprintf(err, errlen, "out of memory"); return -1; }
    c->cfg = cfg; c->dict = dict;
    if (cfg->words && FEAT_HAVE_SEG && seg_new_ctx(c, dict)) {
        feat_ctx_free(c); snprintf(err, errlen, "out of memory"); return -1;
    }
    *out = c;
    return 0;
}

void feat_ctx_free(feat_ctx *c) {
    if (!c) return;
    seg_free_ctx(c);
    feat_map_free(&c->acc);
    free(c->terms);
    buf_free(&c->norm);
    free(c);
}

static int add(feat_ctx *c, uint64_t key, int part) {
    if (c->nterms == c->capterms) {
        size_t cap = c->capterms ? c->capterms * 2 : 256;
        feat_term *t = realloc(c->terms, cap * sizeof *t);
        if (!t) return -1;
        c->terms = t; c->capterms = cap;
    }
    int added;
    size_t cap = c->acc.cap;
    uint32_t *v = feat_map_put(&c->acc, key, (uint32_t)c->nterms, &added);
    if (c->acc.cap != cap) c->full_reset = 1;
    if (!v) { c->full_reset = 1; return -1; }
    if (!added) { c->terms[*v].tf[part] += 1; return 0; }
    feat_term *t = &c->terms[c->nterms++];
    t->key = key; t->tf[0] = t->tf[1] = 0; t->tf[part] = 1;
    return 0;
}

static inline uint64_t uni_key(uint32_t a) { return (uint64_t)FEAT_KIND_UNI << 56 | a; }
static inline uint64_t bi_key(uint32_t a, uint32_t b) { return (uint64_t)FEAT_KIND_BI << 56 | (uint64_t)a << 21 | b; }
static inline uint64_t tri_key(uint32_t a, uint32_t b, uint32_t c) {
    return (uint64_t)FEAT_KIND_TRI << 56 | (feat_mix((uint64_t)a << 42 | (uint64_t)b << 21 | c) & 0xFFFFFFFFFFFFFFULL);
}

/* Character n-grams of one part; bigrams never cross a separator. */
static int add_chars(feat_ctx *c, const char *s, size_t n, int w) {
    const unsigned char *u = (const unsigned char *)s;
    uint32_t prev = 0, prev2 = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp, o[8];
        i += (size_t)decode(u + i, n - i, &cp);
        int k = cp ? norm_cp(cp, c->cfg->fold_digits, o) : 0;
        if (!k) { prev = prev2 = 0; continue; }
        for (int j = 0; j < k; j++) {
            if (c->cfg->unigrams && add(c, uni_key(o[j]), w)) return -1;
            if (prev && c->cfg->bigrams && add(c, bi_key(prev, o[j]), w)) return -1;
            if (prev2 && c->cfg->trigrams && add(c, tri_key(prev2, prev, o[j]), w)) return -1;
            prev2 = prev; prev = o[j];
        }
    }
    return 0;
}

/* Words of 2+ characters from the segmenter over the normalised text (single
 * characters are already unigrams). This is the one place that knows about
 * the segmenter. */
static int add_words(feat_ctx *c, const char *s, size_t n, int w) {
    if (!c->cfg->words || !c->seg) return 0;
#if FEAT_HAVE_SEG
    buf_reset(&c->norm);
    if (feat_normalize(s, n, c->cfg->fold_digits, &c->norm)) return -1;
    const seg_word *words;
    long k = seg_cut(c->seg, c->norm.p ? c->norm.p : "", c->norm.n, SEG_PRECISE, &words);
    if (k < 0) return -1;
    for (long i = 0; i < k; i++) {
        const char *p = c->norm.p + words[i].off;
        size_t len = words[i].len;
        size_t cps = 0;
        for (size_t j = 0; j < len; j++) cps += ((unsigned char)p[j] & 0xC0) != 0x80;
        if (cps < 2 || seg_is_space(c->norm.p, words[i])) continue;   /* one character: a unigram already */
        uint64_t h = XXH3_64bits(p, len) & 0xFFFFFFFFFFFFFFULL;
        if (add(c, (uint64_t)FEAT_KIND_WORD << 56 | h, w)) return -1;
    }
#else
    (void)s; (void)n; (void)w;
#endif
    return 0;
}

long feat_terms(feat_ctx *c, str title, str body, const feat_term **terms) {
    /* Reset: clear only the slots used by the previous message, newest
     * first. A key's probe run at insertion held only older keys, which are
     * still in place when it is cleared, so each search finds its key. After
     * a rehash that order no longer holds, hence full_reset. */
    if (!c->full_reset && c->nterms * 8 < c->acc.cap) {
        size_t mask = c->acc.cap - 1;
        for (size_t t = c->nterms; t-- > 0;) {
            size_t i = (size_t)feat_mix(c->terms[t].key) & mask;
            while (c->acc.keys[i] && c->acc.keys[i] != c->terms[t].key) i = (i + 1) & mask;
            c->acc.keys[i] = 0;
        }
    } else {
        memset(c->acc.keys, 0, c->acc.cap * sizeof *c->acc.keys);
    }
    c->full_reset = 0;
    c->acc.n = 0; c->nterms = 0;
    if (title.n && (add_chars(c, title.p, title.n, 0) || add_words(c, title.p, title.n, 0))) return -1;
    if (body.n && (add_chars(c, body.p, body.n, 1) || add_words(c, body.p, body.n, 1))) return -1;
    *terms = c->terms;
    return (long)c->nterms;
}
