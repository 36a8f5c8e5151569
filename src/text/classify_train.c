/* classify_train.c: training for classify.h: features of every message
 * once, stratified k-fold cross-validation with the TF-IDF refitted inside
 * each fold, the choice of solver and C by macro-F1, the temperature fitted
 * on out-of-fold scores, then the fit on everything. The vector and scoring
 * definitions are in classify.c's header comment. */
#include "text/classify_impl.h"
#include <linear.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* Scores s[K] = w . x + b for weights W[col][K] (training and CV). */
static void score_vec(const float *w, const float *bias, const float *idf, int K, double a,
                      const cls_feat *v, long n, double *s) {
    double acc[2 * CLS_MAX_LABELS];
    memset(acc, 0, 2 * K * sizeof *acc);
    double tt = 0, bb = 0, tb = 0;
    for (long i = 0; i < n; i++) {
        double xt = sublinear(v[i].tf[0]) * idf[v[i].idx], xb = sublinear(v[i].tf[1]) * idf[v[i].idx];
        const float *row = w + (size_t)v[i].idx * K;
        tt += xt * xt; bb += xb * xb; tb += xt * xb;
        for (int c = 0; c < K; c++) { acc[c] += xt * row[c]; acc[K + c] += xb * row[c]; }
    }
    double ct, cb;
    mix_coef(tt, bb, tb, a, &ct, &cb);
    for (int c = 0; c < K; c++) s[c] = ct * acc[c] + cb * acc[K + c] + bias[c];
}

/* ---- training ---------------------------------------------------------- */

typedef struct { uint32_t gid; float tf[2]; } gterm;

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
            cp->t[nt++] = (gterm){ *g, { ft[j].tf[0], ft[j].tf[1] } };
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
        if (c) v[k++] = (cls_feat){ c - 1, { cp->t[j].tf[0], cp->t[j].tf[1] } };
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

static int linprob_build(const corpus *cp, const space *sp, const uint8_t *in, double a, linprob *lp) {
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
        double tt = 0, bb = 0, tb = 0;
        struct feature_node *x = lp->nodes + at;
        for (long j = 0; j < k; j++) {
            double xt = sublinear(v[j].tf[0]) * sp->idf[v[j].idx], xb = sublinear(v[j].tf[1]) * sp->idf[v[j].idx];
            tt += xt * xt; bb += xb * xb; tb += xt * xb;
        }
        double ct, cb;
        mix_coef(tt, bb, tb, a, &ct, &cb);
        for (long j = 0; j < k; j++) {
            x[j].index = (int)v[j].idx + 1;
            x[j].value = (ct * sublinear(v[j].tf[0]) + cb * sublinear(v[j].tf[1])) * sp->idf[v[j].idx];
        }
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
static int lin_train(const linprob *lp, int K, uint32_t ncols, int solver, double C, int balanced, float *W, float *B) {
    struct parameter par;
    memset(&par, 0, sizeof par);
    par.solver_type = solver == CLS_LR ? L2R_LR_DUAL : solver == CLS_CS ? MCSVM_CS : L2R_L2LOSS_SVC_DUAL;
    int wl[CLS_MAX_LABELS]; double wv[CLS_MAX_LABELS];
    if (balanced) {
        /* C_c = C * l / (K * l_c): every label weighs the same in the loss,
         * as macro-F1 weighs every label the same. */
        long cnt[CLS_MAX_LABELS] = {0};
        for (int i = 0; i < lp->prob.l; i++) cnt[(int)lp->prob.y[i]]++;
        for (int c = 0; c < K; c++) { wl[c] = c; wv[c] = cnt[c] ? (double)lp->prob.l / ((double)K * cnt[c]) : 1.0; }
        par.nr_weight = K; par.weight_label = wl; par.weight = wv;
    }
    par.C = C;
    par.eps = 0.1;   /* liblinear's default; 0.01 gave identical CV figures, 40% slower */
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
    if (opt->solver < CLS_AUTO || opt->solver > CLS_CS) { snprintf(err, errlen, "unknown solver %d", opt->solver); return -1; }
    if (!(opt->feat.title_weight > 0 && opt->feat.title_weight <= 100)) { snprintf(err, errlen, "title weight must be in (0, 100]"); return -1; }
    if (!opt->feat.unigrams && !opt->feat.bigrams && !opt->feat.trigrams && !opt->feat.words) { snprintf(err, errlen, "no feature kind enabled"); return -1; }
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
    static const double grid[] = { 0.5, 1, 2, 4 }, lr_grid[] = { 4, 8, 16, 32 }, lr_auto[] = { 8, 32 };
    int nconf = 0, csolver[CLS_MAX_TRIED]; double cC[CLS_MAX_TRIED];
    for (int s = CLS_SVM; s <= CLS_CS && folds < 2; s++) {
        /* Nothing to choose with: the setting that CV picks most often. */
        if (opt->solver != CLS_AUTO && opt->solver != s) continue;
        csolver[0] = s; cC[0] = opt->C > 0 ? opt->C : s == CLS_LR ? 16 : 1; nconf = 1;
        break;
    }
    for (int s = CLS_SVM; s <= CLS_CS && folds >= 2; s++) {
        if (s == CLS_CS && opt->solver != CLS_CS) continue;   /* only on request */
        if (opt->solver != CLS_AUTO && opt->solver != s) continue;
        if (opt->C > 0) { csolver[nconf] = s; cC[nconf++] = opt->C; continue; }
        /* Logistic regression wants a larger C for the same fit. It never
         * won on the shared data, so "auto" gives it two tries, not four:
         * CV time is one training per setting and fold. */
        const double *g = s == CLS_LR ? (opt->solver == CLS_LR ? lr_grid : lr_auto) : grid;
        size_t ng = s == CLS_LR && opt->solver != CLS_LR ? 2 : 4;
        for (size_t k = 0; k < ng; k++) { csolver[nconf] = s; cC[nconf++] = g[k]; }
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
            if (space_fit(&cp, in, opt->min_df, &sp) || linprob_build(&cp, &sp, in, opt->feat.title_weight, &lp)) goto oom;
            free(W);
            W = malloc(((size_t)sp.ncols + 1) * K * sizeof *W);
            if (!W) goto oom;
            for (int k = 0; k < nconf; k++) {
                if (lin_train(&lp, K, sp.ncols, csolver[k], cC[k], opt->balanced, W, B)) goto oom;
                for (size_t i = 0; i < n; i++) {
                    if (in[i]) continue;
                    long nv = space_vec(&cp, &sp, i, v);
                    score_vec(W, B, sp.idf, K, opt->feat.title_weight, v, nv, S + ((size_t)k * n + i) * K);
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
    if (space_fit(&cp, in, opt->min_df, &sp) || linprob_build(&cp, &sp, in, opt->feat.title_weight, &lp)) goto oom;
    free(W);
    W = malloc(((size_t)sp.ncols + 1) * K * sizeof *W);
    if (!W) goto oom;
    if (lin_train(&lp, K, sp.ncols, csolver[best], cC[best], opt->balanced, W, B)) goto oom;
    linprob_free(&lp);
    m = calloc(1, sizeof *m);
    if (!m) goto oom;
    m->feat = opt->feat;
    m->nlabels = K;
    m->temperature = T;
    m->solver = csolver[best]; m->C = cC[best]; m->folds = folds; m->min_df = opt->min_df; m->balanced = opt->balanced != 0; m->ndocs = (long)n;
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
    if (!ckey || !ord || !m->keys || !m->bias || cls_model_alloc_rows(m)) { free(ckey); free(ord); return -1; }
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
    return cls_model_build_vocab(m) ? -1 : 0;
}

