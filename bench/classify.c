/* bench/classify.c: classification throughput of a trained model (issue 4).
 * usage: classify MODEL FILE...   (labelled or not; TSV/CSV/JSONL)
 * Prints messages/s single-threaded for (a) scoring already-extracted
 * feature vectors (TF-IDF weighting, dot products, calibrated softmax) and
 * (b) the whole path from text (normalisation, n-grams, segmentation,
 * vocabulary lookups, scoring), each the median of 5 runs, with a checksum
 * of the predicted labels. */
#include "app/datafile.h"
#include "text/classify.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s MODEL FILE...\n", argv[0]); return 2; }
    char err[512];
    double t0 = now();
    cls_model *m;
    if (cls_load(argv[1], &m, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 1; }
    double tload = now() - t0;
    seg_dict *dict = NULL;
    if (cls_features(m)->words && seg_dict_open(NULL, &dict, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 1; }
    cls_ctx *cx;
    if (cls_ctx_new(m, dict, &cx, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 1; }

    /* messages */
    size_t n = 0, cap = 1024;
    char **title = malloc(cap * sizeof *title), **body = malloc(cap * sizeof *body);
    for (int a = 2; a < argc; a++) {
        datafile *df;
        if (datafile_open(argv[a], &df, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 1; }
        str f[DF_NFIELDS];
        int r;
        while ((r = datafile_next(df, f)) != 0) {
            if (r < 0 || (!f[DF_TITLE].n && !f[DF_BODY].n)) continue;
            if (n == cap) { cap *= 2; title = realloc(title, cap * sizeof *title); body = realloc(body, cap * sizeof *body); }
            title[n] = strndup(f[DF_TITLE].p ? f[DF_TITLE].p : "", f[DF_TITLE].n);
            body[n] = strndup(f[DF_BODY].p ? f[DF_BODY].p : "", f[DF_BODY].n);
            n++;
        }
        datafile_close(df);
    }
    if (!n) { fprintf(stderr, "no messages\n"); return 1; }

    /* extract every message's features once */
    size_t *off = malloc((n + 1) * sizeof *off), nf = 0, capf = 1 << 20;
    cls_feat *all = malloc(capf * sizeof *all);
    for (size_t i = 0; i < n; i++) {
        const cls_feat *v;
        long k = cls_vectorize(cx, str_c(title[i]), str_c(body[i]), &v);
        if (k < 0) { fprintf(stderr, "out of memory\n"); return 1; }
        while (nf + (size_t)k > capf) { capf *= 2; all = realloc(all, capf * sizeof *all); }
        memcpy(all + nf, v, (size_t)k * sizeof *v);
        off[i] = nf; nf += (size_t)k;
    }
    off[n] = nf;

    int K = cls_nlabels(m);
    double *probs = malloc(K * sizeof *probs);
    double rv[5], rt[5];
    uint64_t sum_v = 0, sum_t = 0;
    for (int run = 0; run < 5; run++) {
        /* (a) from feature vectors: enough repetitions for ~0.3 s */
        size_t reps = 1 + 300000 / n;
        uint64_t h = 1469598103934665603ULL;
        double s = now();
        for (size_t r = 0; r < reps; r++)
            for (size_t i = 0; i < n; i++) {
                int p = cls_predict_vec(m, all + off[i], (long)(off[i + 1] - off[i]), probs);
                if (r == 0) h = (h ^ (uint64_t)(p + 1) * (uint64_t)(probs[p] * 1e6)) * 1099511628211ULL;
            }
        rv[run] = (double)(n * reps) / (now() - s);
        sum_v = h;
        /* (b) from text */
        h = 1469598103934665603ULL;
        s = now();
        for (size_t i = 0; i < n; i++) {
            cls_pred p;
            cls_classify(cx, str_c(title[i]), str_c(body[i]), &p, 1);
            h = (h ^ (uint64_t)(p.label + 1) * (uint64_t)(p.conf * 1e6)) * 1099511628211ULL;
        }
        rt[run] = n / (now() - s);
        sum_t = h;
    }
    qsort(rv, 5, sizeof *rv, cmp_d); qsort(rt, 5, sizeof *rt, cmp_d);
    printf("model load: %.1f ms (%ld features, %d labels)\n", tload * 1e3, cls_nfeatures(m), K);
    printf("messages: %zu, %.1f features each\n", n, (double)nf / n);
    printf("from feature vectors: %.0f messages/s (median of 5), checksum %016llx\n", rv[2], (unsigned long long)sum_v);
    printf("from text (incl. %ssegmentation): %.0f messages/s (median of 5), checksum %016llx\n",
           cls_features(m)->words ? "" : "no ", rt[2], (unsigned long long)sum_t);
    if (sum_v != sum_t) printf("CHECKSUM MISMATCH between the two paths\n");
    for (size_t i = 0; i < n; i++) { free(title[i]); free(body[i]); }
    free(title); free(body); free(off); free(all); free(probs);
    cls_ctx_free(cx); seg_dict_close(dict); cls_free(m);
    return sum_v == sum_t ? 0 : 1;
}
