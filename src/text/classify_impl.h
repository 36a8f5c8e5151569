/* classify_impl.h: what classify.c (model, file, classification) and
 * classify_train.c (cross-validation, calibration, fitting) share. Private
 * to those two files. */
#ifndef MINYI_CLASSIFY_IMPL_H
#define MINYI_CLASSIFY_IMPL_H
#include "text/classify.h"
#include <math.h>

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
    int solver; double C; int folds; uint32_t min_df; long ndocs; int balanced;
    double cv_macro_f1, cv_accuracy;
};

/* Internal to classify*.c. */
int cls_model_alloc_rows(cls_model *m);      /* rows for m->nfeat terms, zeroed */
int cls_model_build_vocab(cls_model *m);     /* key -> index map from m->keys */

/* 1 + ln(tf) for the frequencies that occur most (integers), without log(). */
extern double cls_sublinear_tab[64];
static inline double sublinear(float tf) {
    if (tf >= 1 && tf < 64) {
        int i = (int)tf;
        if ((float)i == tf) return cls_sublinear_tab[i];
    }
    return tf > 0 ? 1.0 + log((double)tf) : 0.0;
}

/* Coefficients of one message: x_f = ct * s(tf_title) * idf + cb * s(tf_body) * idf.
 * tt, bb: squared norms of the unnormalised title and body parts; tb: their dot. */
static inline void mix_coef(double tt, double bb, double tb, double a, double *ct, double *cb) {
    double nt = tt > 0 ? a / sqrt(tt) : 0, nb = bb > 0 ? 1.0 / sqrt(bb) : 0;
    double n2 = nt * nt * tt + nb * nb * bb + 2 * nt * nb * tb;
    double inv = n2 > 0 ? 1.0 / sqrt(n2) : 0;
    *ct = nt * inv; *cb = nb * inv;
}

/* Turns scores into calibrated probabilities in place; returns the argmax. */
static inline int softmax(double *s, int K, double T) {
    int best = 0;
    for (int c = 1; c < K; c++) if (s[c] > s[best]) best = c;
    double mx = s[best], sum = 0;
    for (int c = 0; c < K; c++) { s[c] = exp((s[c] - mx) / T); sum += s[c]; }
    for (int c = 0; c < K; c++) s[c] /= sum;
    return best;
}

#endif
