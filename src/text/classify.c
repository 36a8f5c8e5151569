/* classify.c: the model, its file and classification; see classify.h.
 * Training is in classify_train.c, term extraction in features.c.
 *
 * Message vector: title and body each give u_t = (1 + ln tf_t) * idf_t,
 * L2-normalised; x = a * u_title + u_body, normalised again (a = the
 * title weight), with idf_t = ln((1 + N) / (1 + df_t)) + 1 (scikit-learn's
 * smoothed IDF), N and df counted on the training messages only (inside
 * each CV fold too). Only the three sums |u_t|^2, |u_b|^2 and u_t.u_b are
 * needed to combine the parts, so scoring stays one pass over the terms.
 * Scores s_c = w_c . x + b_c; confidence = softmax(s / T), T fitted by
 * minimising the out-of-fold log loss: one parameter, so it cannot overfit
 * the small classes the way per-class Platt scaling can, and it keeps the
 * argmax (the label) unchanged. */
#include "text/classify_impl.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#define MAGIC "MINYICLS"

struct cls_ctx {
    const cls_model *m;
    feat_ctx *fc;
    cls_feat *v; size_t capv;
    double *probs;
};

const char *cls_solver_name(int s) { return s == CLS_SVM ? "svm" : s == CLS_LR ? "lr" : s == CLS_CS ? "cs" : "auto"; }

double cls_sublinear_tab[64];
__attribute__((constructor)) static void sublinear_init(void) {
    for (int i = 1; i < 64; i++) cls_sublinear_tab[i] = 1.0 + log((double)i);
}

/* The scores of score_vec (classify_train.c) over the padded rows of a model
 * (see struct cls_model), in float: the hot loop of classification. */
static void score_model(const cls_model *m, const cls_feat *v, long n, double *s) {
    int K = m->nlabels, S = m->stride;
    float at[CLS_MAX_LABELS + 8] __attribute__((aligned(32)));
    float ab[CLS_MAX_LABELS + 8] __attribute__((aligned(32)));
    memset(at, 0, S * sizeof *at);
    memset(ab, 0, S * sizeof *ab);
    double tt = 0, bb = 0, tb = 0;
    for (long i = 0; i < n; i++) {
        const float *row = __builtin_assume_aligned(m->rows + (size_t)v[i].idx * S, 32);
        float xt = (float)sublinear(v[i].tf[0]) * row[K], xb = (float)sublinear(v[i].tf[1]) * row[K];
        tt += (double)xt * xt; bb += (double)xb * xb; tb += (double)xt * xb;
        for (int c = 0; c < S; c += 8)
            for (int j = 0; j < 8; j++) { at[c + j] += xt * row[c + j]; ab[c + j] += xb * row[c + j]; }
    }
    double ct, cb;
    mix_coef(tt, bb, tb, m->feat.title_weight, &ct, &cb);
    for (int c = 0; c < K; c++) s[c] = ct * at[c] + cb * ab[c] + m->bias[c];
}

/* ---- model ------------------------------------------------------------- */

int cls_model_build_vocab(cls_model *m) {
    if (feat_map_init(&m->vocab, m->nfeat)) return -1;
    for (uint32_t i = 0; i < m->nfeat; i++) {
        int added;
        if (!feat_map_put(&m->vocab, m->keys[i], i, &added)) return -1;
        if (!added) return -2;
    }
    return 0;
}

int cls_model_alloc_rows(cls_model *m) {
    m->stride = (m->nlabels + 1 + 7) & ~7;
    size_t bytes = ((size_t)m->nfeat * m->stride + 8) * sizeof *m->rows;
    m->rows = aligned_alloc(32, (bytes + 31) & ~(size_t)31);
    if (!m->rows) return -1;
    memset(m->rows, 0, bytes);
    return 0;
}

void cls_free(cls_model *m) {
    if (!m) return;
    if (m->labels) for (int c = 0; c < m->nlabels; c++) free(m->labels[c]);
    free(m->labels); free(m->count); free(m->keys); free(m->rows); free(m->bias);
    feat_map_free(&m->vocab);
    free(m);
}

int cls_nlabels(const cls_model *m) { return m->nlabels; }
const char *cls_label_name(const cls_model *m, int i) { return i >= 0 && i < m->nlabels ? m->labels[i] : NULL; }
const feat_cfg *cls_features(const cls_model *m) { return &m->feat; }
long cls_nfeatures(const cls_model *m) { return (long)m->nfeat; }
double cls_temperature(const cls_model *m) { return m->temperature; }

int cls_label_index(const cls_model *m, str name) {
    for (int c = 0; c < m->nlabels; c++) if (str_eq_c(name, m->labels[c])) return c;
    return -1;
}

int cls_describe(const cls_model *m, buf *o) {
    int r = 0;
    r |= buf_printf(o, "format=minyi-classifier\nversion=%d\ncreated=%s\n", CLS_FORMAT_VERSION, m->created);
    r |= buf_printf(o, "solver=%s\nC=%.17g\nbalanced=%d\ntemperature=%.17g\n", cls_solver_name(m->solver), m->C, m->balanced, m->temperature);
    r |= buf_printf(o, "folds=%d\ncv_macro_f1=%.4f\ncv_accuracy=%.4f\n", m->folds, m->cv_macro_f1, m->cv_accuracy);
    r |= buf_printf(o, "docs=%ld\nfeatures=%u\nmin_df=%u\n", m->ndocs, m->nfeat, m->min_df);
    r |= buf_printf(o, "feat.unigrams=%d\nfeat.bigrams=%d\nfeat.trigrams=%d\nfeat.words=%d\nfeat.fold_digits=%d\nfeat.title_weight=%.9g\n",
                    m->feat.unigrams, m->feat.bigrams, m->feat.trigrams, m->feat.words, m->feat.fold_digits, (double)m->feat.title_weight);
    r |= buf_printf(o, "tfidf=sublinear-tf,smooth-idf,l2-per-part,title*w+body,l2\nlabels=%d\n", m->nlabels);
    for (int c = 0; c < m->nlabels; c++)
        r |= buf_printf(o, "label.%d=%s\ncount.%d=%ld\n", c, m->labels[c], c, m->count ? m->count[c] : 0L);
    return r ? -1 : 0;
}

static int put_u32(buf *b, uint32_t v) { unsigned char x[4] = { v, v >> 8, v >> 16, v >> 24 }; return buf_put(b, x, 4); }
static int put_u64(buf *b, uint64_t v) { return put_u32(b, (uint32_t)v) | put_u32(b, (uint32_t)(v >> 32)); }
static int put_f32(buf *b, float f) { uint32_t u; memcpy(&u, &f, 4); return put_u32(b, u); }
static uint32_t get_u32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t get_u64(const unsigned char *p) { return get_u32(p) | (uint64_t)get_u32(p + 4) << 32; }
static float get_f32(const unsigned char *p) { uint32_t u = get_u32(p); float f; memcpy(&f, &u, 4); return f; }

int cls_serialize(const cls_model *m, buf *o) {
    buf h = {0};
    if (cls_describe(m, &h)) { buf_free(&h); return -1; }
    size_t K = (size_t)m->nlabels, start = o->n;
    int r = buf_reserve(o, 24 + h.n + (size_t)m->nfeat * (12 + 4 * K) + 4 * K + 8);
    r |= buf_put(o, MAGIC, 8);
    r |= put_u32(o, CLS_FORMAT_VERSION);
    r |= put_u32(o, (uint32_t)h.n);
    r |= buf_put(o, h.p, h.n);
    buf_free(&h);
    r |= put_u32(o, (uint32_t)K);
    r |= put_u32(o, m->nfeat);
    for (uint32_t i = 0; i < m->nfeat && !r; i++) r |= put_u64(o, m->keys[i]);
    for (uint32_t i = 0; i < m->nfeat && !r; i++) r |= put_f32(o, m->rows[(size_t)i * m->stride + K]);
    for (size_t i = 0; i < (size_t)m->nfeat && !r; i++)
        for (size_t c = 0; c < K; c++) r |= put_f32(o, m->rows[i * m->stride + c]);
    for (size_t c = 0; c < K; c++) r |= put_f32(o, m->bias[c]);
    if (r) return -1;
    return put_u64(o, XXH3_64bits(o->p + start, o->n - start));
}

int cls_save(const cls_model *m, const char *path, char *err, size_t errlen) {
    buf b = {0};
    if (cls_serialize(m, &b)) { buf_free(&b); snprintf(err, errlen, "out of memory"); return -1; }
    /* Write to a temporary file and rename, so a server reloading the model
     * never sees half a file. */
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) { buf_free(&b); snprintf(err, errlen, "path too long"); return -1; }
    FILE *f = fopen(tmp, "wb");
    if (!f) { snprintf(err, errlen, "%s: %s", tmp, strerror(errno)); buf_free(&b); return -1; }
    size_t w = fwrite(b.p, 1, b.n, f);
    int bad = w != b.n || fflush(f) != 0;
    bad |= fclose(f) != 0;
    buf_free(&b);
    if (bad || rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}

/* Finds "key=" at the start of a header line; returns the value or NULL. */
static const char *hdr_get(const char *h, const char *key, size_t *vlen) {
    size_t kn = strlen(key);
    for (const char *p = h; *p;) {
        const char *nl = strchr(p, '\n');
        size_t ln = nl ? (size_t)(nl - p) : strlen(p);
        if (ln > kn && !memcmp(p, key, kn) && p[kn] == '=') { *vlen = ln - kn - 1; return p + kn + 1; }
        if (!nl) break;
        p = nl + 1;
    }
    return NULL;
}

static int hdr_num(const char *h, const char *key, double *out) {
    size_t n;
    const char *v = hdr_get(h, key, &n);
    if (!v || n == 0 || n > 60) return -1;
    char tmp[64]; memcpy(tmp, v, n); tmp[n] = 0;
    char *end; errno = 0;
    double d = strtod(tmp, &end);
    if (*end || errno || !isfinite(d)) return -1;
    *out = d;
    return 0;
}

int cls_load_mem(const void *data, size_t n, cls_model **out, char *err, size_t errlen) {
    const unsigned char *p = data;
    *out = NULL;
    if (n < 8 || memcmp(p, MAGIC, 8) != 0) { snprintf(err, errlen, "not a minyi classifier model (bad magic)"); return -1; }
    if (n < 16 + 8 + 8) { snprintf(err, errlen, "model file truncated (%zu bytes)", n); return -1; }
    uint32_t ver = get_u32(p + 8), hl = get_u32(p + 12);
    if (ver != CLS_FORMAT_VERSION) { snprintf(err, errlen, "model format version %u, this minyi reads version %d: retrain with 'minyi train'", ver, CLS_FORMAT_VERSION); return -1; }
    if ((size_t)hl > n - 16 - 8 - 8) { snprintf(err, errlen, "model file truncated (header of %u bytes in a %zu-byte file)", hl, n); return -1; }
    if (XXH3_64bits(p, n - 8) != get_u64(p + n - 8)) {
        snprintf(err, errlen, "model file truncated or corrupt (checksum mismatch)");
        return -1;
    }
    cls_model *m = calloc(1, sizeof *m);
    char *h = malloc((size_t)hl + 1);
    if (!m || !h) { free(m); free(h); snprintf(err, errlen, "out of memory"); return -1; }
    memcpy(h, p + 16, hl); h[hl] = 0;
    const unsigned char *q = p + 16 + hl;
    uint32_t K = get_u32(q), nf = get_u32(q + 4);
    q += 8;
    size_t need = (size_t)(q - p) + (size_t)nf * 12 + (size_t)nf * K * 4 + (size_t)K * 4 + 8;
    const char *why = NULL;
    double d;
    if (K < 2 || K > CLS_MAX_LABELS) why = "bad label count";
    else if (need != n) why = "sizes do not add up";
    if (why) goto bad;
    m->nlabels = (int)K; m->nfeat = nf;
    struct { const char *key; double *dst; double lo, hi; } nums[] = {
        { "temperature", &m->temperature, 1e-6, 1e6 },
        { "C", &m->C, 0, 1e12 },
        { "cv_macro_f1", &m->cv_macro_f1, 0, 1 },
        { "cv_accuracy", &m->cv_accuracy, 0, 1 },
    };
    for (size_t i = 0; i < sizeof nums / sizeof *nums; i++)
        if (hdr_num(h, nums[i].key, nums[i].dst) || *nums[i].dst < nums[i].lo || *nums[i].dst > nums[i].hi) { why = nums[i].key; goto bad; }
    struct { const char *key; uint8_t *dst; } flags[] = {
        { "feat.unigrams", &m->feat.unigrams }, { "feat.bigrams", &m->feat.bigrams },
        { "feat.words", &m->feat.words }, { "feat.fold_digits", &m->feat.fold_digits },
    };
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++) {
        if (hdr_num(h, flags[i].key, &d) || (d != 0 && d != 1)) { why = flags[i].key; goto bad; }
        *flags[i].dst = (uint8_t)d;
    }
    /* added during version 1: absent means off */
    if (!hdr_num(h, "feat.trigrams", &d)) {
        if (d != 0 && d != 1) { why = "feat.trigrams"; goto bad; }
        m->feat.trigrams = (uint8_t)d;
    }
    if (hdr_num(h, "feat.title_weight", &d) || !(d > 0 && d <= 100)) { why = "feat.title_weight"; goto bad; }
    m->feat.title_weight = (float)d;
    if (hdr_num(h, "labels", &d) || d != K) { why = "labels"; goto bad; }
    if (!hdr_num(h, "folds", &d)) m->folds = (int)d;
    if (!hdr_num(h, "min_df", &d)) m->min_df = (uint32_t)d;
    if (!hdr_num(h, "docs", &d)) m->ndocs = (long)d;
    if (!hdr_num(h, "balanced", &d)) m->balanced = d != 0;
    size_t vn;
    const char *v = hdr_get(h, "solver", &vn);
    m->solver = v && vn == 2 && !memcmp(v, "lr", 2) ? CLS_LR : v && vn == 2 && !memcmp(v, "cs", 2) ? CLS_CS : CLS_SVM;
    v = hdr_get(h, "created", &vn);
    if (v) snprintf(m->created, sizeof m->created, "%.*s", (int)(vn < 31 ? vn : 31), v);
    m->labels = calloc(K, sizeof *m->labels);
    m->count = calloc(K, sizeof *m->count);
    if (!m->labels || !m->count) goto oom;
    for (uint32_t c = 0; c < K; c++) {
        char key[32];
        snprintf(key, sizeof key, "label.%u", c);
        v = hdr_get(h, key, &vn);
        if (!v || vn == 0 || vn > CLS_MAX_LABEL_BYTES) { why = "missing label name"; goto bad; }
        if (!(m->labels[c] = strndup(v, vn))) goto oom;
        snprintf(key, sizeof key, "count.%u", c);
        if (!hdr_num(h, key, &d)) m->count[c] = (long)d;
    }
    m->keys = malloc(((size_t)nf + 1) * sizeof *m->keys);
    m->bias = malloc(K * sizeof *m->bias);
    if (!m->keys || !m->bias || cls_model_alloc_rows(m)) goto oom;
    for (uint32_t i = 0; i < nf; i++, q += 8) {
        m->keys[i] = get_u64(q);
        if ((m->keys[i] >> 56) < FEAT_KIND_UNI || (m->keys[i] >> 56) > FEAT_KIND_TRI || (i && m->keys[i] <= m->keys[i - 1])) { why = "bad term keys"; goto bad; }
    }
    for (uint32_t i = 0; i < nf; i++, q += 4) {
        float idf = get_f32(q);
        if (!isfinite(idf) || idf < 0) { why = "bad idf"; goto bad; }
        m->rows[(size_t)i * m->stride + K] = idf;
    }
    for (size_t i = 0; i < (size_t)nf * K; i++, q += 4) {
        float w = get_f32(q);
        if (!isfinite(w)) { why = "bad weight"; goto bad; }
        m->rows[i / K * m->stride + i % K] = w;
    }
    for (uint32_t c = 0; c < K; c++, q += 4)
        if (isnan(m->bias[c] = get_f32(q))) { why = "bad bias"; goto bad; }
    if (cls_model_build_vocab(m)) goto oom;
    free(h);
    *out = m;
    return 0;
bad:
    snprintf(err, errlen, "model file corrupt (%s)", why);
    free(h); cls_free(m);
    return -1;
oom:
    snprintf(err, errlen, "out of memory loading the model");
    free(h); cls_free(m);
    return -1;
}

int cls_load(const char *path, cls_model **out, char *err, size_t errlen) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); return -1; }
    buf b = {0};
    char chunk[1 << 16];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_put(&b, chunk, k)) { fclose(f); buf_free(&b); snprintf(err, errlen, "out of memory"); return -1; }
    int rerr = ferror(f);
    fclose(f);
    if (rerr) { buf_free(&b); snprintf(err, errlen, "%s: read error", path); return -1; }
    char e[200];
    int r = cls_load_mem(b.p ? b.p : "", b.n, out, e, sizeof e);
    if (r) snprintf(err, errlen, "%s: %s", path, e);
    buf_free(&b);
    return r;
}

/* ---- classification ------------------------------------------------------ */

int cls_ctx_new(const cls_model *m, const seg_dict *dict, cls_ctx **out, char *err, size_t errlen) {
    *out = NULL;
    cls_ctx *c = calloc(1, sizeof *c);
    if (!c || !(c->probs = malloc(m->nlabels * sizeof *c->probs))) { free(c); snprintf(err, errlen, "out of memory"); return -1; }
    c->m = m;
    if (feat_ctx_new(&m->feat, dict, &c->fc, err, errlen)) { free(c->probs); free(c); return -1; }
    *out = c;
    return 0;
}

void cls_ctx_free(cls_ctx *c) {
    if (!c) return;
    feat_ctx_free(c->fc);
    free(c->v); free(c->probs); free(c);
}

long cls_vectorize(cls_ctx *c, str title, str body, const cls_feat **v) {
    const feat_term *t;
    long k = feat_terms(c->fc, title, body, &t);
    if (k < 0) return -1;
    if ((size_t)k > c->capv) {
        size_t cap = c->capv ? c->capv : 256;
        while (cap < (size_t)k) cap *= 2;
        cls_feat *nv = realloc(c->v, cap * sizeof *nv);
        if (!nv) return -1;
        c->v = nv; c->capv = cap;
    }
    long n = 0;
    for (long i = 0; i < k; i++) {
        uint32_t idx = feat_map_get(&c->m->vocab, t[i].key);
        if (idx != UINT32_MAX) c->v[n++] = (cls_feat){ idx, { t[i].tf[0], t[i].tf[1] } };
    }
    *v = c->v;
    return n;
}

int cls_predict_vec(const cls_model *m, const cls_feat *v, long n, double *probs) {
    if (n == 0) {
        /* No known term: the model knows nothing about this message, and the
         * biases alone would still look confident after calibration. Answer
         * with the label shares of the training data. */
        double total = 0;
        int best = 0;
        for (int c = 0; c < m->nlabels; c++) total += m->count[c] > 0 ? (double)m->count[c] : 0;
        for (int c = 0; c < m->nlabels; c++) {
            probs[c] = total > 0 ? (m->count[c] > 0 ? m->count[c] : 0) / total : 1.0 / m->nlabels;
            if (probs[c] > probs[best]) best = c;
        }
        return best;
    }
    score_model(m, v, n, probs);
    return softmax(probs, m->nlabels, m->temperature);
}

int cls_classify(cls_ctx *c, str title, str body, cls_pred *out, int k) {
    const cls_feat *v;
    long n = cls_vectorize(c, title, body, &v);
    if (n < 0) return -1;
    const cls_model *m = c->m;
    cls_predict_vec(m, v, n, c->probs);
    if (k > m->nlabels) k = m->nlabels;
    if (k < 0) k = 0;
    /* Partial selection sort: k is small (1-3) in every caller. */
    for (int i = 0; i < k; i++) {
        int b = -1;
        for (int j = 0; j < m->nlabels; j++) {
            int taken = 0;
            for (int q = 0; q < i; q++) if (out[q].label == j) { taken = 1; break; }
            if (!taken && (b < 0 || c->probs[j] > c->probs[b])) b = j;
        }
        out[i] = (cls_pred){ b, m->labels[b], c->probs[b] };
    }
    return k;
}
