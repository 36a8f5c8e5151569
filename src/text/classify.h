/* classify.h: message classifier (issue 4): TF-IDF over features.h terms,
 * liblinear L2-regularised linear SVM or logistic regression (chosen by
 * cross-validated macro-F1), confidences calibrated by a temperature fitted
 * on out-of-fold scores, and a versioned, self-describing model file.
 * A loaded cls_model is read-only and shared between threads; each thread
 * classifies through its own cls_ctx. Code: classify.c (model, file,
 * classification), classify_train.c (training), features.c (terms).
 *
 * Server use: cls_load_mem(blob) once per activated model, cls_ctx_new per
 * worker thread (with the shared seg_dict when cls_features()->words),
 * cls_classify(ctx, title, body, &pred, 1); pred.name is the label to map to
 * a department, pred.conf the calibrated probability to compare with the
 * triage threshold. cls_describe() gives the header for an admin page. */
#ifndef MINYI_CLASSIFY_H
#define MINYI_CLASSIFY_H
#include <stddef.h>
#include <stdint.h>
#include "core/str.h"
#include "text/features.h"
#include "text/seg.h"

#define CLS_FORMAT_VERSION 1
#define CLS_MAX_LABELS 1000
#define CLS_MAX_LABEL_BYTES 200

typedef struct cls_model cls_model;
typedef struct cls_ctx cls_ctx;

/* ---- training ------------------------------------------------------------ */

/* One training message; either part may be empty, not both. */
typedef struct {
    str title, body;
    int label;          /* index into the labels given to cls_train */
} cls_doc;

enum { CLS_AUTO = 0, CLS_SVM = 1, CLS_LR = 2, CLS_CS = 3 /* Crammer-Singer multi-class SVM */ };

typedef struct {
    feat_cfg feat;
    int solver;         /* CLS_AUTO: try both, keep the better CV macro-F1 */
    double C;           /* > 0: use it; <= 0: choose from a small grid by CV */
    int folds;          /* 2..20; 0 = no cross-validation (no report, temperature 1) */
    uint32_t min_df;    /* keep terms seen in at least this many training messages */
    uint64_t seed;      /* fold assignment */
    int balanced;       /* weigh each label's errors by 1 / its share of the messages */
    const seg_dict *dict;   /* needed when feat.words is set */
    /* Optional progress lines ("fold 3/5 ..."); NULL for silence. */
    void (*progress)(void *ud, const char *line);
    void *ud;
} cls_train_opts;

void cls_train_opts_default(cls_train_opts *o);

#define CLS_REL_BINS 10
#define CLS_MAX_TRIED 16
typedef struct {
    int nlabels;
    long ndocs;
    long *count;            /* [nlabels] messages per label */
    long *confusion;        /* [true * nlabels + predicted], out-of-fold, chosen setting */
    double macro_f1, accuracy;
    int solver; double C;   /* chosen */
    int ntried;
    struct { int solver; double C; double macro_f1; } tried[CLS_MAX_TRIED];
    double temperature;
    /* Reliability of the calibrated out-of-fold confidence of the top label. */
    struct { long n, correct; double conf_sum; } bins[CLS_REL_BINS];
    double ece;             /* expected calibration error */
    double nll_before, nll_after;   /* mean log loss, temperature 1 vs fitted */
    double *oof_conf;       /* [ndocs] calibrated top confidence, out-of-fold */
    int *oof_pred;          /* [ndocs] out-of-fold prediction */
    double cv_seconds, fit_seconds;
    long nfeatures;         /* in the final model */
} cls_report;

void cls_report_free(cls_report *r);

/* Trains on docs[0..n) labelled with labels[0..nlabels) (every label must
 * occur at least once; names are UTF-8 without control characters). With
 * opt->folds >= 2 runs stratified k-fold cross-validation first (TF-IDF
 * refitted inside each fold), fills rep (may be NULL), fits the temperature,
 * then trains on everything. Returns 0 and a new model (free with
 * cls_free), or -1 with a message in err. */
int cls_train(const cls_doc *docs, size_t n, const char *const *labels, int nlabels,
              const cls_train_opts *opt, cls_model **out, cls_report *rep,
              char *err, size_t errlen);

/* ---- model files ------------------------------------------------------------
 * Layout (little-endian): "MINYICLS", u32 version, u32 header length, a text
 * header of key=value lines (format, created, labels, counts, feature
 * settings, solver, C, temperature, CV figures), u32 nlabels, u32 nfeatures,
 * u64 keys[nfeatures] (ascending), f32 idf[nfeatures],
 * f32 weights[nfeatures][nlabels], f32 bias[nlabels], u64 XXH3 of all
 * preceding bytes. `head -c 2000 model` shows the header. */

int  cls_save(const cls_model *m, const char *path, char *err, size_t errlen);
int  cls_serialize(const cls_model *m, buf *out);     /* same bytes as the file; -1 on OOM */
/* Refuses, with a clear message, anything that is not a complete, intact
 * model of this version. Free with cls_free. */
int  cls_load(const char *path, cls_model **out, char *err, size_t errlen);
int  cls_load_mem(const void *p, size_t n, cls_model **out, char *err, size_t errlen);
void cls_free(cls_model *m);

int  cls_nlabels(const cls_model *m);
const char *cls_label_name(const cls_model *m, int i);
int  cls_label_index(const cls_model *m, str name);   /* -1 when unknown */
const feat_cfg *cls_features(const cls_model *m);
long cls_nfeatures(const cls_model *m);
double cls_temperature(const cls_model *m);
/* Appends the model's text header (key=value lines) to out. */
int  cls_describe(const cls_model *m, buf *out);

/* ---- classification --------------------------------------------------- */

typedef struct {
    int label;          /* index, 0..cls_nlabels()-1 */
    const char *name;   /* owned by the model */
    double conf;        /* calibrated probability */
} cls_pred;

/* dict: the segmentation dictionary when the model uses words, else NULL. */
int  cls_ctx_new(const cls_model *m, const seg_dict *dict, cls_ctx **out, char *err, size_t errlen);
void cls_ctx_free(cls_ctx *c);

/* Classifies one message; writes the k most probable labels, best first, to
 * out[] and returns how many (min(k, nlabels)), or -1 on out-of-memory.
 * A message with no known term gets the label shares of the training data
 * as its probabilities (low confidence: it belongs in triage). */
int  cls_classify(cls_ctx *c, str title, str body, cls_pred *out, int k);

/* The two halves of cls_classify, for benchmarks and explanations. */
typedef struct { uint32_t idx; float tf[2]; } cls_feat;   /* vocabulary index, raw frequency in title, body */
/* Looks the message's terms up in the vocabulary (unknown terms dropped).
 * *v is owned by c until the next call. Returns the count or -1 on OOM. */
long cls_vectorize(cls_ctx *c, str title, str body, const cls_feat **v);
/* Fills probs[nlabels] from a vectorized message; returns the best label.
 * Reentrant: no scratch besides probs. */
int  cls_predict_vec(const cls_model *m, const cls_feat *v, long n, double *probs);

const char *cls_solver_name(int solver);

#endif
