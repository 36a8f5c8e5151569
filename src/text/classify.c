/* classify.c: training (cross-validation, model choice, calibration), the
 * model file and classification; see classify.h. The term extraction is in
 * features.c.
 *
 * Message vector: x_t = (1 + ln tf_t) * idf_t, then x /= |x|, with
 * idf_t = ln((1 + N) / (1 + df_t)) + 1 (scikit-learn's smoothed IDF), N and
 * df counted on the training messages only (inside each CV fold too).
 * Scores s_c = w_c . x + b_c; confidence = softmax(s / T), T fitted by
 * minimising the out-of-fold log loss: one parameter, so it cannot overfit
 * the small classes the way per-class Platt scaling can, and it keeps the
 * argmax (the label) unchanged. */
#include "text/classify.h"
#include <linear.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#define MAGIC "MINYICLS"

struct cls_model {
    feat_cfg feat;
    int nlabels;
    char **labels;
    long *count;            /* training messages per label */
    uint32_t nfeat;
    uint64_t *keys;         /* ascending */
    /* One row of `stride` floats per term: the K weights, then the idf, then
     * zero padding. A row is 32-byte aligned and, for up to 7 labels, exactly
     * 32 bytes: scoring a term touches one cache line, and the weights are
     * added 8 at a time (vectorised). */
    float *rows;
    int stride;
    float *bias;            /* [nlabels] */
    double temperature;
    feat_map vocab;         /* key -> index */
    /* description only */
    char created[32];
    int solver; double C; int folds; uint32_t min_df; long ndocs;
    double cv_macro_f1, cv_accuracy;
};

struct cls_ctx {
    const cls_model *m;
    feat_ctx *fc;
    cls_feat *v; size_t capv;
    double *probs;
};

const char *cls_solver_name(int s) { return s == CLS_SVM ? "svm" : s == CLS_LR ? "lr" : "auto"; }

void cls_train_opts_default(cls_train_opts *o) {
    memset(o, 0, sizeof *o);
    feat_cfg_default(&o->feat);
    o->solver = CLS_AUTO;
    o->C = 0;
    o->folds = 5;
    o->min_df = 2;
    o->seed = 20200101;
}

void cls_report_free(cls_report *r) {
    if (!r) return;
    free(r->count); free(r->confusion); free(r->oof_conf); free(r->oof_pred);
    memset(r, 0, sizeof *r);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- scoring (shared by CV and the final model) -------------------------- */

/* 1 + ln(tf) for the frequencies that occur most (integers), without log(). */
static double sublinear_tab[64];
__attribute__((constructor)) static void sublinear_init(void) {
    for (int i = 1; i < 64; i++) sublinear_tab[i] = 1.0 + log((double)i);
}

static inline double sublinear(float tf) {
    const double *tab = sublinear_tab;
    if (tf >= 1 && tf < 64) {
        int i = (int)tf;
        if ((float)i == tf) return tab[i];
    }
    return tf > 0 ? 1.0 + log((double)tf) : 0.0;
}

static void score_vec(const float *w, const float *bias, const float *idf, int K,
                      const cls_feat *v, long n, double *s) {
    for (int c = 0; c < K; c++) s[c] = 0;
    double ss = 0;
    for (long i = 0; i < n; i++) {
        double x = sublinear(v[i].tf) * idf[v[i].idx];
        const float *row = w + (size_t)v[i].idx * K;
        ss += x * x;
        for (int c = 0; c < K; c++) s[c] += x * row[c];
    }
    double inv = ss > 0 ? 1.0 / sqrt(ss) : 0.0;
    for (int c = 0; c < K; c++) s[c] = s[c] * inv + bias[c];
}

/* score_vec over a model's padded rows; see struct cls_model. */
static void score_model(const cls_model *m, const cls_feat *v, long n, double *s) {
    int K = m->nlabels, S = m->stride;
    float acc[CLS_MAX_LABELS + 8] __attribute__((aligned(32)));
    memset(acc, 0, S * sizeof *acc);
    double ss = 0;
    for (long i = 0; i < n; i++) {
        const float *row = __builtin_assume_aligned(m->rows + (size_t)v[i].idx * S, 32);
        float x = (float)sublinear(v[i].tf) * row[K];
        ss += (double)x * x;
        for (int c = 0; c < S; c += 8)
            for (int j = 0; j < 8; j++) acc[c + j] += x * row[c + j];
    }
    double inv = ss > 0 ? 1.0 / sqrt(ss) : 0.0;
    for (int c = 0; c < K; c++) s[c] = acc[c] * inv + m->bias[c];
}

/* Turns scores into calibrated probabilities in place; returns the argmax. */
static int softmax(double *s, int K, double T) {
    int best = 0;
    for (int c = 1; c < K; c++) if (s[c] > s[best]) best = c;
    double mx = s[best], sum = 0;
    for (int c = 0; c < K; c++) { s[c] = exp((s[c] - mx) / T); sum += s[c]; }
    for (int c = 0; c < K; c++) s[c] /= sum;
    return best;
}

/* ---- training ---------------------------------------------------------- */

typedef struct { uint32_t gid; float tf; } gterm;

typedef struct {
    size_t n;
    const cls_doc *docs;
    int K;
    size_t *off;            /* [n+1] into t */
    gterm *t;               /* each message's terms, ascending gid */
    uint32_t ng;
    uint64_t *gkey;         /* gid -> key */
} corpus;

static int cmp_gterm(const void *a, const void *b) {
    uint32_t x = ((const gterm *)a)->gid, y = ((const gterm *)b)->gid;
    return x < y ? -1 : x > y;
}

static void corpus_free(corpus *c) { free(c->off); free(c->t); free(c->gkey); memset(c, 0, sizeof *c); }

static int corpus_build(corpus *cp, const cls_doc *docs, size_t n, int K, const feat_cfg *cfg,
                        const seg_dict *dict, char *err, size_t errlen) {
    memset(cp, 0, sizeof *cp);
    cp->n = n; cp->docs = docs; cp->K = K;
    feat_ctx *fc;
    if (feat_ctx_new(cfg, dict, &fc, err, errlen)) return -1;
    feat_map gmap;
    size_t capt = 1 << 16, nt = 0, capk = 1 << 14;
    cp->off = malloc((n + 1) * sizeof *cp->off);
    cp->t = malloc(capt * sizeof *cp->t);
    cp->gkey = malloc(capk * sizeof *cp->gkey);
    if (feat_map_init(&gmap, 1 << 16) || !cp->off || !cp->t || !cp->gkey) goto oom;
    for (size_t i = 0; i < n; i++) {
        const feat_term *ft;
        long k = feat_terms(fc, docs[i].title, docs[i].body, &ft);
        if (k < 0) goto oom;
        if (nt + (size_t)k > capt) {
            while (nt + (size_t)k > capt) capt *= 2;
            gterm *t = realloc(cp->t, capt * sizeof *t);
            if (!t) goto oom;
            cp->t = t;
        }
        cp->off[i] = nt;
        for (long j = 0; j < k; j++) {
            int added;
            uint32_t *g = feat_map_put(&gmap, ft[j].key, cp->ng, &added);
            if (!g) goto oom;
            if (added) {
                if (cp->ng == capk) {
                    capk *= 2;
                    uint64_t *gk = realloc(cp->gkey, capk * sizeof *gk);
                    if (!gk) goto oom;
                    cp->gkey = gk;
                }
                cp->gkey[cp->ng++] = ft[j].key;
            }
            cp->t[nt++] = (gterm){ *g, ft[j].tf };
        }
        qsort(cp->t + cp->off[i], (size_t)k, sizeof *cp->t, cmp_gterm);
    }
    cp->off[n] = nt;
    feat_map_free(&gmap);
    feat_ctx_free(fc);
    return 0;
oom:
    feat_map_free(&gmap);
    feat_ctx_free(fc);
    corpus_free(cp);
    snprintf(err, errlen, "out of memory while extracting features");
    return -1;
}

/* A TF-IDF space fitted on a subset of the corpus: gid -> column (0 = not
 * in the vocabulary), idf per column. */
typedef struct {
    uint32_t *col;          /* [ng], 1-based */
    float *idf;             /* [ncols] */
    uint32_t ncols;
} space;

static void space_free(space *s) { free(s->col); free(s->idf); memset(s, 0, sizeof *s); }

/* in[i] != 0: message i is a training message. */
static int space_fit(const corpus *cp, const uint8_t *in, uint32_t min_df, space *sp) {
    memset(sp, 0, sizeof *sp);
    uint32_t *df = calloc(cp->ng ? cp->ng : 1, sizeof *df);
    sp->col = calloc(cp->ng ? cp->ng : 1, sizeof *sp->col);
    if (!df || !sp->col) { free(df); space_free(sp); return -1; }
    size_t N = 0;
    for (size_t i = 0; i < cp->n; i++) {
        if (!in[i]) continue;
        N++;
        for (size_t j = cp->off[i]; j < cp->off[i + 1]; j++) df[cp->t[j].gid]++;
    }
    uint32_t nc = 0;
    for (uint32_t g = 0; g < cp->ng; g++) if (df[g] && df[g] >= min_df) sp->col[g] = ++nc;
    sp->ncols = nc;
    sp->idf = malloc((nc ? nc : 1) * sizeof *sp->idf);
    if (!sp->idf) { free(df); space_free(sp); return -1; }
    for (uint32_t g = 0; g < cp->ng; g++)
        if (sp->col[g]) sp->idf[sp->col[g] - 1] = (float)(log((1.0 + (double)N) / (1.0 + df[g])) + 1.0);
    free(df);
    return 0;
}

/* Message i in the space, as (column index 0-based, tf); returns the count. */
static long space_vec(const corpus *cp, const space *sp, size_t i, cls_feat *v) {
    long k = 0;
    for (size_t j = cp->off[i]; j < cp->off[i + 1]; j++) {
        uint32_t c = sp->col[cp->t[j].gid];
        if (c) v[k++] = (cls_feat){ c - 1, cp->t[j].tf };
    }
    return k;
}

static size_t max_terms(const corpus *cp) {
    size_t m = 0;
    for (size_t i = 0; i < cp->n; i++) if (cp->off[i + 1] - cp->off[i] > m) m = cp->off[i + 1] - cp->off[i];
    return m;
}

/* liblinear problem over the training messages of a space. */
typedef struct {
    struct problem prob;
    struct feature_node *nodes;
    double *y;
    struct feature_node **x;
} linprob;

static void linprob_free(linprob *p) { free(p->nodes); free(p->y); free(p->x); memset(p, 0, sizeof *p); }

static int linprob_build(const corpus *cp, const space *sp, const uint8_t *in, linprob *lp) {
    memset(lp, 0, sizeof *lp);
    size_t l = 0, nn = 0;
    for (size_t i = 0; i < cp->n; i++) if (in[i]) { l++; nn += cp->off[i + 1] - cp->off[i] + 2; }
    lp->nodes = malloc((nn ? nn : 1) * sizeof *lp->nodes);
    lp->y = malloc((l ? l : 1) * sizeof *lp->y);
    lp->x = malloc((l ? l : 1) * sizeof *lp->x);
    cls_feat *v = malloc((max_terms(cp) + 1) * sizeof *v);
    if (!lp->nodes || !lp->y || !lp->x || !v) { free(v); linprob_free(lp); return -1; }
    size_t r = 0, at = 0;
    for (size_t i = 0; i < cp->n; i++) {
        if (!in[i]) continue;
        long k = space_vec(cp, sp, i, v);
        double ss = 0;
        struct feature_node *x = lp->nodes + at;
        for (long j = 0; j < k; j++) {
            double val = sublinear(v[j].tf) * sp->idf[v[j].idx];
            x[j].index = (int)v[j].idx + 1;
            x[j].value = val;
            ss += val * val;
        }
        double inv = ss > 0 ? 1.0 / sqrt(ss) : 0;
        for (long j = 0; j < k; j++) x[j].value *= inv;
        x[k].index = (int)sp->ncols + 1; x[k].value = 1.0;     /* bias term */
        x[k + 1].index = -1;
        lp->x[r] = x; lp->y[r] = cp->docs[i].label; r++;
        at += (size_t)k + 2;
    }
    free(v);
    lp->prob.l = (int)l;
    lp->prob.n = (int)sp->ncols + 1;
    lp->prob.y = lp->y;
    lp->prob.x = lp->x;
    lp->prob.bias = 1.0;
    return 0;
}

static void quiet(const char *s) { (void)s; }

/* Trains one liblinear model and converts it to our layout: W[ncols][K],
 * B[K], columns in our label order (a label absent from the training part
 * gets a bias that keeps it from ever being chosen). */
static int lin_train(const linprob *lp, int K, uint32_t ncols, int solver, double C, float *W, float *B) {
    struct parameter par;
    memset(&par, 0, sizeof par);
    par.solver_type = solver == CLS_LR ? L2R_LR_DUAL : L2R_L2LOSS_SVC_DUAL;
    par.C = C;
    par.eps = 0.1;
    par.p = 0.1;
    set_print_string_function(quiet);
    srand(1);   /* liblinear's dual solvers shuffle with rand(): make runs reproducible */
    struct model *lm = train(&lp->prob, &par);
    if (!lm) return -1;
    memset(W, 0, (size_t)ncols * K * sizeof *W);
    for (int c = 0; c < K; c++) B[c] = -1e30f;
    int nc = lm->nr_class;
    if (nc == 1) {
        B[lm->label[0]] = 0;
    } else if (nc == 2 && lm->param.solver_type != MCSVM_CS) {
        int a = lm->label[0], b = lm->label[1];
        for (uint32_t j = 0; j < ncols; j++) { W[(size_t)j * K + a] = (float)lm->w[j]; W[(size_t)j * K + b] = (float)-lm->w[j]; }
        B[a] = (float)lm->w[ncols]; B[b] = (float)-lm->w[ncols];
    } else {
        for (int i = 0; i < nc; i++) {
            int c = lm->label[i];
            for (uint32_t j = 0; j < ncols; j++) W[(size_t)j * K + c] = (float)lm->w[(size_t)j * nc + i];
            B[c] = (float)lm->w[(size_t)ncols * nc + i];
        }
    }
    free_and_destroy_model(&lm);
    return 0;
}

static double macro_f1_of(const long *conf, int K, double *acc) {
    double f = 0; long ok = 0, all = 0;
    for (int c = 0; c < K; c++) {
        long tp = conf[c * K + c], fp = 0, fn = 0;
        for (int d = 0; d < K; d++) if (d != c) { fp += conf[d * K + c]; fn += conf[c * K + d]; }
        double p = tp + fp ? (double)tp / (tp + fp) : 0, r = tp + fn ? (double)tp / (tp + fn) : 0;
        f += p + r > 0 ? 2 * p * r / (p + r) : 0;
        ok += tp;
        for (int d = 0; d < K; d++) all += conf[c * K + d];
    }
    if (acc) *acc = all ? (double)ok / all : 0;
    return f / K;
}

static double mean_nll(const double *S, const cls_doc *docs, size_t n, int K, double T, double *tmp) {
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(tmp, S + i * K, K * sizeof *tmp);
        softmax(tmp, K, T);
        double p = tmp[docs[i].label];
        sum += -log(p > 1e-300 ? p : 1e-300);
    }
    return n ? sum / n : 0;
}

/* Golden-section search of log T: the log loss is convex in 1/T. */
static double fit_temperature(const double *S, const cls_doc *docs, size_t n, int K) {
    double *tmp = malloc(K * sizeof *tmp);
    if (!tmp) return 1.0;
    double a = log(0.005), b = log(50.0), g = (sqrt(5.0) - 1) / 2;
    double x1 = b - g * (b - a), x2 = a + g * (b - a);
    double f1 = mean_nll(S, docs, n, K, exp(x1), tmp), f2 = mean_nll(S, docs, n, K, exp(x2), tmp);
    for (int it = 0; it < 60; it++) {
        if (f1 < f2) { b = x2; x2 = x1; f2 = f1; x1 = b - g * (b - a); f1 = mean_nll(S, docs, n, K, exp(x1), tmp); }
        else { a = x1; x1 = x2; f1 = f2; x2 = a + g * (b - a); f2 = mean_nll(S, docs, n, K, exp(x2), tmp); }
    }
    free(tmp);
    return exp((a + b) / 2);
}

static void progress(const cls_train_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void progress(const cls_train_opts *o, const char *fmt, ...) {
    if (!o->progress) return;
    char line[256];
    va_list ap; va_start(ap, fmt); vsnprintf(line, sizeof line, fmt, ap); va_end(ap);
    o->progress(o->ud, line);
}

/* Stratified fold assignment: each label's messages are shuffled (seeded)
 * and dealt round-robin, so every fold sees every label in proportion. */
static void assign_folds(const cls_doc *docs, size_t n, int K, int folds, uint64_t seed, int *fold) {
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    uint64_t st = seed * 0x9E3779B97F4A7C15ULL + 1;
    int next = 0;
    for (int c = 0; c < K; c++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++) if (docs[i].label == c) idx[m++] = i;
        for (size_t i = m; i > 1; i--) {
            st ^= st << 13; st ^= st >> 7; st ^= st << 17;
            size_t j = (size_t)(st % i);
            size_t t = idx[i - 1]; idx[i - 1] = idx[j]; idx[j] = t;
        }
        for (size_t i = 0; i < m; i++) { fold[idx[i]] = next; next = (next + 1) % folds; }
    }
    free(idx);
}

static int valid_label(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > CLS_MAX_LABEL_BYTES) return 0;
    for (size_t i = 0; i < n; i++) if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return 0;
    return 1;
}

static int model_from_space(const corpus *cp, const space *sp, const float *W, const float *B,
                            cls_model *m);

int cls_train(const cls_doc *docs, size_t n, const char *const *labels, int K,
              const cls_train_opts *opt, cls_model **out, cls_report *rep,
              char *err, size_t errlen) {
    *out = NULL;
    if (rep) memset(rep, 0, sizeof *rep);
    if (K < 2 || K > CLS_MAX_LABELS) { snprintf(err, errlen, "need between 2 and %d labels, got %d", CLS_MAX_LABELS, K); return -1; }
    if (n < 2 || n > (size_t)INT32_MAX) { snprintf(err, errlen, "need at least 2 labelled messages, got %zu", n); return -1; }
    if (opt->folds == 1 || opt->folds < 0 || opt->folds > 20) { snprintf(err, errlen, "folds must be 0 (none) or 2..20, got %d", opt->folds); return -1; }
    if (opt->solver < CLS_AUTO || opt->solver > CLS_LR) { snprintf(err, errlen, "unknown solver %d", opt->solver); return -1; }
    if (!(opt->feat.title_weight > 0 && opt->feat.title_weight <= 100)) { snprintf(err, errlen, "title weight must be in (0, 100]"); return -1; }
    if (!opt->feat.unigrams && !opt->feat.bigrams && !opt->feat.words) { snprintf(err, errlen, "no feature kind enabled"); return -1; }
    long *count = calloc(K, sizeof *count);
    if (!count) { snprintf(err, errlen, "out of memory"); return -1; }
    for (int c = 0; c < K; c++)
        if (!labels[c] || !valid_label(labels[c])) { free(count); snprintf(err, errlen, "label %d is empty, too long or holds control characters", c); return -1; }
    for (size_t i = 0; i < n; i++) {
        if (docs[i].label < 0 || docs[i].label >= K) { free(count); snprintf(err, errlen, "message %zu has label index %d, outside 0..%d", i, docs[i].label, K - 1); return -1; }
        count[docs[i].label]++;
    }
    for (int c = 0; c < K; c++)
        if (!count[c]) { snprintf(err, errlen, "label '%s' has no training message", labels[c]); free(count); return -1; }
    int folds = opt->folds;
    for (int c = 0; c < K && folds; c++)
        if (count[c] < folds) progress(opt, "note: label '%s' has only %ld messages (< %d folds); its CV figures are rough", labels[c], count[c], folds);

    corpus cp;
    if (corpus_build(&cp, docs, n, K, &opt->feat, opt->dict, err, errlen)) { free(count); return -1; }
    progress(opt, "%zu messages, %u distinct terms", n, cp.ng);

    /* Candidate settings. The grid is coarse on purpose: finer steps chase
     * CV noise (see issue 4, "do not tune to noise"). */
    static const double grid[] = { 0.5, 1, 2, 4 };
    int nconf = 0, csolver[CLS_MAX_TRIED]; double cC[CLS_MAX_TRIED];
    for (int s = CLS_SVM; s <= CLS_LR; s++) {
        if (opt->solver != CLS_AUTO && opt->solver != s) continue;
        if (opt->C > 0) { csolver[nconf] = s; cC[nconf++] = opt->C; continue; }
        for (size_t g = 0; g < sizeof grid / sizeof *grid; g++) {
            /* logistic regression wants a larger C for the same fit */
            csolver[nconf] = s; cC[nconf++] = s == CLS_LR ? grid[g] * 8 : grid[g];
        }
    }

    int best = 0; double T = 1.0;
    double *S = NULL; int *fold = NULL; uint8_t *in = NULL; float *W = NULL, *B = NULL;
    cls_feat *v = NULL;
    space sp = {0}; linprob lp = {0};
    cls_model *m = NULL;
    int rc = -1;
    in = malloc(n);
    B = malloc(K * sizeof *B);
    v = malloc((max_terms(&cp) + 1) * sizeof *v);
    if (!in || !B || !v) goto oom;

    double t0 = now_s();
    if (folds >= 2) {
        S = malloc(sizeof *S * n * K * nconf);
        fold = malloc(n * sizeof *fold);
        if (!S || !fold) goto oom;
        assign_folds(docs, n, K, folds, opt->seed, fold);
        for (int f = 0; f < folds; f++) {
            for (size_t i = 0; i < n; i++) in[i] = fold[i] != f;
            if (space_fit(&cp, in, opt->min_df, &sp) || linprob_build(&cp, &sp, in, &lp)) goto oom;
            free(W);
            W = malloc(((size_t)sp.ncols + 1) * K * sizeof *W);
            if (!W) goto oom;
            for (int k = 0; k < nconf; k++) {
                if (lin_train(&lp, K, sp.ncols, csolver[k], cC[k], W, B)) goto oom;
                for (size_t i = 0; i < n; i++) {
                    if (in[i]) continue;
                    long nv = space_vec(&cp, &sp, i, v);
                    score_vec(W, B, sp.idf, K, v, nv, S + ((size_t)k * n + i) * K);
                }
            }
            linprob_free(&lp); space_free(&sp);
            progress(opt, "fold %d/%d done (%.1f s)", f + 1, folds, now_s() - t0);
        }
        long *conf = calloc((size_t)K * K, sizeof *conf);
        if (!conf) goto oom;
        double bestf = -1;
        for (int k = 0; k < nconf; k++) {
            memset(conf, 0, (size_t)K * K * sizeof *conf);
            for (size_t i = 0; i < n; i++) {
                const double *s = S + ((size_t)k * n + i) * K;
                int p = 0;
                for (int c = 1; c < K; c++) if (s[c] > s[p]) p = c;
                conf[docs[i].label * K + p]++;
            }
            double f1 = macro_f1_of(conf, K, NULL);
            if (rep && rep->ntried < CLS_MAX_TRIED) {
                rep->tried[rep->ntried].solver = csolver[k];
                rep->tried[rep->ntried].C = cC[k];
                rep->tried[rep->ntried].macro_f1 = f1;
                rep->ntried++;
            }
            if (f1 > bestf + 1e-12) { bestf = f1; best = k; }
        }
        free(conf);
        const double *SB = S + (size_t)best * n * K;
        T = fit_temperature(SB, docs, n, K);
        if (rep) {
            rep->nlabels = K; rep->ndocs = (long)n;
            rep->count = calloc(K, sizeof *rep->count);
            rep->confusion = calloc((size_t)K * K, sizeof *rep->confusion);
            rep->oof_conf = malloc(n * sizeof *rep->oof_conf);
            rep->oof_pred = malloc(n * sizeof *rep->oof_pred);
            double *tmp = malloc(K * sizeof *tmp);
            if (!rep->count || !rep->confusion || !rep->oof_conf || !rep->oof_pred || !tmp) { free(tmp); goto oom; }
            memcpy(rep->count, count, K * sizeof *count);
            rep->nll_before = mean_nll(SB, docs, n, K, 1.0, tmp);
            rep->nll_after = mean_nll(SB, docs, n, K, T, tmp);
            double ece = 0;
            for (size_t i = 0; i < n; i++) {
                memcpy(tmp, SB + i * K, K * sizeof *tmp);
                int p = softmax(tmp, K, T);
                int ok = p == docs[i].label;
                rep->confusion[docs[i].label * K + p]++;
                rep->oof_conf[i] = tmp[p]; rep->oof_pred[i] = p;
                int b = (int)(tmp[p] * CLS_REL_BINS);
                if (b >= CLS_REL_BINS) b = CLS_REL_BINS - 1;
                rep->bins[b].n++; rep->bins[b].correct += ok; rep->bins[b].conf_sum += tmp[p];
            }
            for (int b = 0; b < CLS_REL_BINS; b++)
                if (rep->bins[b].n) ece += fabs(rep->bins[b].conf_sum - rep->bins[b].correct) / n;
            free(tmp);
            rep->ece = ece;
            rep->macro_f1 = macro_f1_of(rep->confusion, K, &rep->accuracy);
            rep->solver = csolver[best]; rep->C = cC[best];
            rep->temperature = T;
        }
    } else if (rep) {
        rep->nlabels = K; rep->ndocs = (long)n;
        rep->count = calloc(K, sizeof *rep->count);
        if (!rep->count) goto oom;
        memcpy(rep->count, count, K * sizeof *count);
        rep->solver = csolver[0]; rep->C = cC[0]; rep->temperature = 1;
    }
    double t1 = now_s();

    /* The final model, on every message. */
    memset(in, 1, n);
    if (space_fit(&cp, in, opt->min_df, &sp) || linprob_build(&cp, &sp, in, &lp)) goto oom;
    free(W);
    W = malloc(((size_t)sp.ncols + 1) * K * sizeof *W);
    if (!W) goto oom;
    if (lin_train(&lp, K, sp.ncols, csolver[best], cC[best], W, B)) goto oom;
    linprob_free(&lp);
    m = calloc(1, sizeof *m);
    if (!m) goto oom;
    m->feat = opt->feat;
    m->nlabels = K;
    m->temperature = T;
    m->solver = csolver[best]; m->C = cC[best]; m->folds = folds; m->min_df = opt->min_df; m->ndocs = (long)n;
    if (rep && folds >= 2) { m->cv_macro_f1 = rep->macro_f1; m->cv_accuracy = rep->accuracy; }
    time_t now = time(NULL); struct tm tmv; gmtime_r(&now, &tmv);
    strftime(m->created, sizeof m->created, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    m->labels = calloc(K, sizeof *m->labels);
    m->count = count; count = NULL;
    if (!m->labels) goto oom;
    for (int c = 0; c < K; c++) if (!(m->labels[c] = strdup(labels[c]))) goto oom;
    if (model_from_space(&cp, &sp, W, B, m)) goto oom;
    if (rep) {
        rep->cv_seconds = t1 - t0;
        rep->fit_seconds = now_s() - t1;
        rep->nfeatures = m->nfeat;
    }
    *out = m; m = NULL;
    rc = 0;
    goto done;
oom:
    snprintf(err, errlen, "out of memory while training");
    if (rep) cls_report_free(rep);
done:
    cls_free(m);
    free(count); free(S); free(fold); free(in); free(W); free(B); free(v);
    space_free(&sp); linprob_free(&lp); corpus_free(&cp);
    return rc;
}

/* ---- model ------------------------------------------------------------- */

static int build_vocab(cls_model *m) {
    if (feat_map_init(&m->vocab, m->nfeat)) return -1;
    for (uint32_t i = 0; i < m->nfeat; i++) {
        int added;
        if (!feat_map_put(&m->vocab, m->keys[i], i, &added)) return -1;
        if (!added) return -2;
    }
    return 0;
}

static int alloc_rows(cls_model *m) {
    m->stride = (m->nlabels + 1 + 7) & ~7;
    size_t bytes = ((size_t)m->nfeat * m->stride + 8) * sizeof *m->rows;
    m->rows = aligned_alloc(32, (bytes + 31) & ~(size_t)31);
    if (!m->rows) return -1;
    memset(m->rows, 0, bytes);
    return 0;
}

static const uint64_t *sort_keys_base;
static int cmp_by_key(const void *a, const void *b) {
    uint64_t x = sort_keys_base[*(const uint32_t *)a], y = sort_keys_base[*(const uint32_t *)b];
    return x < y ? -1 : x > y;
}

/* Moves a trained space into m with the terms in ascending key order. */
static int model_from_space(const corpus *cp, const space *sp, const float *W, const float *B, cls_model *m) {
    int K = m->nlabels;
    uint32_t nc = sp->ncols;
    uint64_t *ckey = malloc((nc ? nc : 1) * sizeof *ckey);
    uint32_t *ord = malloc((nc ? nc : 1) * sizeof *ord);
    m->keys = malloc((nc ? nc : 1) * sizeof *m->keys);
    m->nfeat = nc;
    m->bias = malloc(K * sizeof *m->bias);
    if (!ckey || !ord || !m->keys || !m->bias || alloc_rows(m)) { free(ckey); free(ord); return -1; }
    for (uint32_t g = 0; g < cp->ng; g++) if (sp->col[g]) ckey[sp->col[g] - 1] = cp->gkey[g];
    for (uint32_t i = 0; i < nc; i++) ord[i] = i;
    sort_keys_base = ckey;   /* training is not run concurrently with itself on shared state */
    qsort(ord, nc, sizeof *ord, cmp_by_key);
    for (uint32_t i = 0; i < nc; i++) {
        m->keys[i] = ckey[ord[i]];
        float *row = m->rows + (size_t)i * m->stride;
        memcpy(row, W + (size_t)ord[i] * K, K * sizeof *W);
        row[K] = sp->idf[ord[i]];
    }
    memcpy(m->bias, B, K * sizeof *B);
    free(ckey); free(ord);
    return build_vocab(m) ? -1 : 0;
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
    r |= buf_printf(o, "solver=%s\nC=%.17g\ntemperature=%.17g\n", cls_solver_name(m->solver), m->C, m->temperature);
    r |= buf_printf(o, "folds=%d\ncv_macro_f1=%.4f\ncv_accuracy=%.4f\n", m->folds, m->cv_macro_f1, m->cv_accuracy);
    r |= buf_printf(o, "docs=%ld\nfeatures=%u\nmin_df=%u\n", m->ndocs, m->nfeat, m->min_df);
    r |= buf_printf(o, "feat.unigrams=%d\nfeat.bigrams=%d\nfeat.words=%d\nfeat.fold_digits=%d\nfeat.title_weight=%.9g\n",
                    m->feat.unigrams, m->feat.bigrams, m->feat.words, m->feat.fold_digits, (double)m->feat.title_weight);
    r |= buf_printf(o, "tfidf=sublinear-tf,smooth-idf,l2\nlabels=%d\n", m->nlabels);
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
    if (hdr_num(h, "feat.title_weight", &d) || !(d > 0 && d <= 100)) { why = "feat.title_weight"; goto bad; }
    m->feat.title_weight = (float)d;
    if (hdr_num(h, "labels", &d) || d != K) { why = "labels"; goto bad; }
    if (!hdr_num(h, "folds", &d)) m->folds = (int)d;
    if (!hdr_num(h, "min_df", &d)) m->min_df = (uint32_t)d;
    if (!hdr_num(h, "docs", &d)) m->ndocs = (long)d;
    size_t vn;
    const char *v = hdr_get(h, "solver", &vn);
    m->solver = v && vn == 2 && !memcmp(v, "lr", 2) ? CLS_LR : CLS_SVM;
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
    if (!m->keys || !m->bias || alloc_rows(m)) goto oom;
    for (uint32_t i = 0; i < nf; i++, q += 8) {
        m->keys[i] = get_u64(q);
        if ((m->keys[i] >> 56) < FEAT_KIND_UNI || (m->keys[i] >> 56) > FEAT_KIND_WORD || (i && m->keys[i] <= m->keys[i - 1])) { why = "bad term keys"; goto bad; }
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
    if (build_vocab(m)) goto oom;
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
        if (idx != UINT32_MAX) c->v[n++] = (cls_feat){ idx, t[i].tf };
    }
    *v = c->v;
    return n;
}

int cls_predict_vec(const cls_model *m, const cls_feat *v, long n, double *probs) {
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
