/* cmd_train.c: `minyi train`: trains the message classifier (issue 4) from
 * labelled files, prints class counts, the cross-validated per-class table,
 * macro-F1 and the calibration of the confidences, and writes the model.
 * The training itself (train_run) takes plain arrays, so other sources
 * (the database's corrected history) plug in beside the file reader. */
#include "app/cmd.h"
#include "app/datafile.h"
#include "store/store.h"
#include "text/classify.h"
#include "text/seg.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_DATA 32

typedef struct {
    cls_doc *docs; size_t n, cap;
    char **labels; int nlabels, caplabels;
    char **owned; size_t nowned, capowned;   /* strings the docs point to */
} trainset;

static void trainset_free(trainset *t) {
    for (size_t i = 0; i < t->nowned; i++) free(t->owned[i]);
    for (int i = 0; i < t->nlabels; i++) free(t->labels[i]);
    free(t->owned); free(t->labels); free(t->docs);
    memset(t, 0, sizeof *t);
}

static int own(trainset *t, str s, str *out) {
    if (t->nowned == t->capowned) {
        size_t cap = t->capowned ? t->capowned * 2 : 1024;
        char **o = realloc(t->owned, cap * sizeof *o);
        if (!o) return -1;
        t->owned = o; t->capowned = cap;
    }
    char *p = malloc(s.n + 1);
    if (!p) return -1;
    memcpy(p, s.p, s.n); p[s.n] = 0;
    t->owned[t->nowned++] = p;
    *out = (str){ p, s.n };
    return 0;
}

static int label_id(trainset *t, str name) {
    for (int i = 0; i < t->nlabels; i++) if (str_eq_c(name, t->labels[i])) return i;
    if (t->nlabels >= CLS_MAX_LABELS) return -2;
    if (t->nlabels == t->caplabels) {
        int cap = t->caplabels ? t->caplabels * 2 : 16;
        char **l = realloc(t->labels, cap * sizeof *l);
        if (!l) return -1;
        t->labels = l; t->caplabels = cap;
    }
    if (!(t->labels[t->nlabels] = strndup(name.p, name.n))) return -1;
    return t->nlabels++;
}

/* Adds one labelled message. Returns 0, 1 when the row is unusable (*why
 * says why), -2 past CLS_MAX_LABELS labels, -1 on out-of-memory. */
static int add_doc(trainset *t, str title, str body, str label, const char **why) {
    title = str_trim(title); body = str_trim(body); label = str_trim(label);
    *why = NULL;
    if (!label.n) *why = "no label";
    else if (!title.n && !body.n) *why = "no text (title and body empty)";
    else if (label.n > CLS_MAX_LABEL_BYTES) *why = "label longer than 200 bytes";
    else for (size_t i = 0; i < label.n; i++) if ((unsigned char)label.p[i] < 0x20 || label.p[i] == 0x7f) { *why = "control character in the label"; break; }
    if (*why) return 1;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        cls_doc *d = realloc(t->docs, cap * sizeof *d);
        if (!d) return -1;
        t->docs = d; t->cap = cap;
    }
    cls_doc *d = &t->docs[t->n];
    memset(d, 0, sizeof *d);
    if ((title.n && own(t, title, &d->title)) || (body.n && own(t, body, &d->body))) return -1;
    int id = label_id(t, label);
    if (id < 0) return id;
    d->label = id;
    t->n++;
    return 0;
}

typedef struct { trainset *t; long taken, skipped; bool oom; } db_reader;

static int db_row(void *ud, str title, str body, str label) {
    db_reader *r = ud;
    const char *why;
    int rc = add_doc(r->t, title, body, label, &why);
    if (rc == -1) { r->oom = true; return -1; }
    if (rc) r->skipped++; else r->taken++;
    return 0;
}

/* The corrected history: every message a department answered or had
 * transferred to it, labelled through the label -> department map. */
static int read_db(const char *uri, trainset *t, long *taken, long *skipped) {
    char err[512];
    store *st;
    if (store_open(uri, &st, err, sizeof err)) { fprintf(stderr, "minyi train: %s\n", err); return -1; }
    db_reader r = { .t = t };
    int rc = st->ops->training_rows(st, "classifier", db_row, &r);
    if (rc && !r.oom) fprintf(stderr, "minyi train: %s\n", store_errmsg(st));
    if (r.oom) fprintf(stderr, "minyi train: out of memory reading %s\n", uri);
    store_close(st);
    if (rc) return -1;
    fprintf(stderr, "%s: %ld messages taken from the corrected history, %ld skipped\n", uri, r.taken, r.skipped);
    *taken += r.taken; *skipped += r.skipped;
    return 0;
}

/* Reads one labelled file into t. Returns -1 when the file cannot be used at
 * all; bad rows are reported and counted in *skipped. */
static int read_file(const char *path, trainset *t, long *taken, long *skipped) {
    char err[512];
    datafile *df;
    if (datafile_open(path, &df, err, sizeof err)) { fprintf(stderr, "minyi train: %s\n", err); return -1; }
    if (!datafile_has(df, DF_LABEL)) {
        fprintf(stderr, "minyi train: %s: no label column (label or 一级标签)\n", path);
        datafile_close(df); return -1;
    }
    if (!datafile_has(df, DF_TITLE) && !datafile_has(df, DF_BODY)) {
        fprintf(stderr, "minyi train: %s: no text column (title/留言主题 or body/留言详情)\n", path);
        datafile_close(df); return -1;
    }
    str f[DF_NFIELDS];
    int r;
    long tk = 0, sk = 0;
    while ((r = datafile_next(df, f)) != 0) {
        if (r < 0) { fprintf(stderr, "%s:%ld: %s\n", path, datafile_line(df), datafile_error(df)); sk++; continue; }
        const char *why;
        int rc = add_doc(t, f[DF_TITLE], f[DF_BODY], f[DF_LABEL], &why);
        if (rc == 1) { fprintf(stderr, "%s:%ld: %s, skipped\n", path, datafile_line(df), why); sk++; continue; }
        if (rc == -2) { fprintf(stderr, "%s:%ld: more than %d distinct labels, skipped\n", path, datafile_line(df), CLS_MAX_LABELS); sk++; continue; }
        if (rc < 0) goto oom;
        tk++;
    }
    fprintf(stderr, "%s: %ld rows taken, %ld skipped\n", path, tk, sk);
    *taken += tk; *skipped += sk;
    datafile_close(df);
    return 0;
oom:
    fprintf(stderr, "minyi train: out of memory reading %s\n", path);
    datafile_close(df);
    return -1;
}

/* Orders labels by name so a model does not depend on the order of rows. */
static void sort_labels(trainset *t) {
    int K = t->nlabels;
    int *order = malloc(K * sizeof *order), *rank = malloc(K * sizeof *rank);
    if (!order || !rank) { free(order); free(rank); return; }
    for (int i = 0; i < K; i++) order[i] = i;
    for (int i = 1; i < K; i++)
        for (int j = i; j > 0 && strcmp(t->labels[order[j - 1]], t->labels[order[j]]) > 0; j--) {
            int x = order[j]; order[j] = order[j - 1]; order[j - 1] = x;
        }
    char **sorted = malloc(K * sizeof *sorted);
    if (!sorted) { free(order); free(rank); return; }
    for (int i = 0; i < K; i++) { rank[order[i]] = i; sorted[i] = t->labels[order[i]]; }
    memcpy(t->labels, sorted, K * sizeof *sorted);
    for (size_t i = 0; i < t->n; i++) t->docs[i].label = rank[t->docs[i].label];
    free(sorted); free(order); free(rank);
}

static void on_progress(void *ud, const char *line) { (void)ud; fprintf(stderr, "  %s\n", line); }

/* Display width of a label (CJK characters take two columns). */
static int width(const char *s) {
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x80) w++;
        else if ((*p & 0xC0) != 0x80) w += 2;
    }
    return w;
}

static void print_label(const char *s, int col) {
    fputs(s, stdout);
    for (int w = width(s); w < col; w++) putchar(' ');
}

static void print_report(const cls_report *r, char *const *labels, int K) {
    int col = 8;
    for (int c = 0; c < K; c++) if (width(labels[c]) > col) col = width(labels[c]);
    printf("\nclass counts (%ld messages):\n", r->ndocs);
    for (int c = 0; c < K; c++) { printf("  "); print_label(labels[c], col); printf(" %7ld\n", r->count[c]); }
    if (!r->confusion) return;
    printf("\nsettings tried (cross-validated macro-F1):\n");
    for (int i = 0; i < r->ntried; i++)
        printf("  %-3s C=%-6g %.4f%s\n", cls_solver_name(r->tried[i].solver), r->tried[i].C, r->tried[i].macro_f1,
               r->tried[i].solver == r->solver && r->tried[i].C == r->C ? "  <- chosen" : "");
    printf("\ncross-validated, out-of-fold (%s, C=%g):\n  ", cls_solver_name(r->solver), r->C);
    print_label("label", col);
    printf(" %9s %9s %9s %7s\n", "precision", "recall", "F1", "support");
    for (int c = 0; c < K; c++) {
        long tp = r->confusion[c * K + c], fp = 0, fn = 0;
        for (int d = 0; d < K; d++) if (d != c) { fp += r->confusion[d * K + c]; fn += r->confusion[c * K + d]; }
        double p = tp + fp ? (double)tp / (tp + fp) : 0, rc = tp + fn ? (double)tp / (tp + fn) : 0;
        double f = p + rc > 0 ? 2 * p * rc / (p + rc) : 0;
        printf("  "); print_label(labels[c], col);
        printf(" %9.4f %9.4f %9.4f %7ld\n", p, rc, f, tp + fn);
    }
    printf("macro-F1 %.4f   accuracy %.4f\n", r->macro_f1, r->accuracy);
    printf("\nconfidence calibration (temperature %.4f; log loss %.4f -> %.4f; ECE %.4f):\n",
           r->temperature, r->nll_before, r->nll_after, r->ece);
    printf("  %-11s %7s %9s %9s\n", "confidence", "msgs", "mean conf", "accuracy");
    for (int b = 0; b < CLS_REL_BINS; b++) {
        if (!r->bins[b].n) continue;
        printf("  [%.1f, %.1f%c %7ld %9.4f %9.4f\n", (double)b / CLS_REL_BINS, (double)(b + 1) / CLS_REL_BINS,
               b == CLS_REL_BINS - 1 ? ']' : ')', r->bins[b].n, r->bins[b].conf_sum / r->bins[b].n,
               (double)r->bins[b].correct / r->bins[b].n);
    }
}

/* Trains on arrays of messages and writes the model; prints the report.
 * Returns the exit status. */
static int train_run(const cls_doc *docs, size_t n, char *const *labels, int K,
                     const cls_train_opts *opt, const char *out_path, int quiet) {
    cls_model *m;
    cls_report rep;
    char err[512];
    if (cls_train(docs, n, (const char *const *)labels, K, opt, &m, &rep, err, sizeof err)) {
        fprintf(stderr, "minyi train: %s\n", err);
        return 1;
    }
    if (!quiet) print_report(&rep, labels, K);
    else if (rep.confusion) printf("macro-F1 %.4f   accuracy %.4f   (%d-fold CV, %s C=%g)\n",
                                   rep.macro_f1, rep.accuracy, opt->folds, cls_solver_name(rep.solver), rep.C);
    if (rep.confusion && !quiet) {
        /* accuracy among the messages the threshold would route */
        static const double ts[] = { 0.5, 0.6, 0.7, 0.8, 0.9, 0.95 };
        printf("  routing threshold t: share of messages with confidence >= t, their accuracy\n");
        printf("  %-6s %8s %9s\n", "t", "routed", "accuracy");
        for (size_t i = 0; i < sizeof ts / sizeof *ts; i++) {
            long k = 0, ok = 0;
            for (size_t j = 0; j < n; j++)
                if (rep.oof_conf[j] >= ts[i]) { k++; ok += rep.oof_pred[j] == docs[j].label; }
            if (k) printf("  %-6.2f %7.1f%% %9.4f\n", ts[i], 100.0 * k / n, (double)ok / k);
            else printf("  %-6.2f %7.1f%% %9s\n", ts[i], 0.0, "-");
        }
    }
    printf("\ncv %.2f s, final fit %.2f s, %ld features\n", rep.cv_seconds, rep.fit_seconds, rep.nfeatures);
    int rc = 0;
    if (cls_save(m, out_path, err, sizeof err)) { fprintf(stderr, "minyi train: %s\n", err); rc = 1; }
    else printf("model written to %s\n", out_path);
    cls_report_free(&rep);
    cls_free(m);
    return rc;
}

static void usage(FILE *f) {
    fprintf(f,
        "usage: minyi train --data FILE [--data FILE ...] --model OUT [options]\n"
        "Trains the message classifier from labelled TSV/CSV/JSONL files (columns\n"
        "title/留言主题 and/or body/留言详情, label/一级标签). Rows without a label or\n"
        "without any text are reported and skipped. Prints class counts, a\n"
        "cross-validated per-class precision/recall/F1 table, macro-F1 and the\n"
        "calibration of the confidences, then trains on all rows and writes OUT.\n"
        "       minyi train --from-db [--db URI] --model OUT [options]\n"
        "  --from-db         learn from the corrected history in the database: every\n"
        "                    message a department answered or had transferred to it,\n"
        "                    labelled through the label -> department map (may be\n"
        "                    combined with --data files)\n"
        "  --db URI          the database for --from-db (default sqlite:var/minyi.db)\n"
        "options:\n"
        "  --c C             regularisation (default: chosen by CV from a grid)\n"
        "  --solver S        svm, lr or auto (default auto: the better CV macro-F1)\n"
        "  --folds N         cross-validation folds, 2..20, or 0 to skip (default 5)\n"
        "  --min-df N        keep terms seen in at least N messages (default 2)\n"
        "  --title-weight W  weight of the title against the body, each normalised (default 1)\n"
        "  --features LIST   term kinds, comma-separated: uni, bi, tri, words (default uni,bi,words)\n"
        "  --balanced B      1: weigh labels equally, as macro-F1 does (default), 0: by count\n"
        "  --fold-digits B   1: every digit counts as 0 (default), 0: keep digits\n"
        "  --dict PATH       segmentation dictionary for word features (default: $MINYI_DICT, build/jieba.dict)\n"
        "  --seed N          fold assignment seed\n"
        "  --quiet           print only the macro-F1 line and timings\n");
}

int cmd_train(int argc, char **argv) {
    const char *data[MAX_DATA], *out = NULL, *v, *dict_path = NULL, *db = "sqlite:var/minyi.db";
    int ndata = 0, quiet = 0;
    bool from_db = false;
    cls_train_opts opt;
    cls_train_opts_default(&opt);
    opt.feat.words = 1;   /* +0.2-0.3 points of CV macro-F1 on the shared data */
    opt.balanced = 1;     /* +0.1-0.9 points of CV macro-F1, on every file and seed tried */
    for (int i = 1; i < argc; i++) {
        char *end;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { usage(stdout); return 0; }
        else if (cmd_opt(argc, argv, &i, "--data", &v)) {
            if (ndata == MAX_DATA) { fprintf(stderr, "minyi train: at most %d --data files\n", MAX_DATA); return 2; }
            data[ndata++] = v;
        }
        else if (cmd_opt(argc, argv, &i, "--model", &v)) out = v;
        else if (!strcmp(argv[i], "--from-db")) from_db = true;
        else if (cmd_opt(argc, argv, &i, "--db", &db)) ;
        else if (cmd_opt(argc, argv, &i, "--c", &v)) {
            opt.C = strtod(v, &end);
            if (*end || !(opt.C > 0 && opt.C < 1e6)) { fprintf(stderr, "minyi train: --c wants a positive number, got '%s'\n", v); return 2; }
        }
        else if (cmd_opt(argc, argv, &i, "--solver", &v)) {
            if (!strcmp(v, "svm")) opt.solver = CLS_SVM;
            else if (!strcmp(v, "lr")) opt.solver = CLS_LR;
            else if (!strcmp(v, "auto")) opt.solver = CLS_AUTO;
            else if (!strcmp(v, "cs")) opt.solver = CLS_CS;
            else { fprintf(stderr, "minyi train: --solver is svm, lr or auto, not '%s'\n", v); return 2; }
        }
        else if (cmd_opt(argc, argv, &i, "--folds", &v)) {
            long k = strtol(v, &end, 10);
            if (*end || !(k == 0 || (k >= 2 && k <= 20))) { fprintf(stderr, "minyi train: --folds is 0 or 2..20, got '%s'\n", v); return 2; }
            opt.folds = (int)k;
        }
        else if (cmd_opt(argc, argv, &i, "--min-df", &v)) {
            long k = strtol(v, &end, 10);
            if (*end || k < 1 || k > 1000000) { fprintf(stderr, "minyi train: --min-df wants a positive integer, got '%s'\n", v); return 2; }
            opt.min_df = (uint32_t)k;
        }
        else if (cmd_opt(argc, argv, &i, "--title-weight", &v)) {
            double w = strtod(v, &end);
            if (*end || !(w > 0 && w <= 100)) { fprintf(stderr, "minyi train: --title-weight is in (0, 100], got '%s'\n", v); return 2; }
            opt.feat.title_weight = (float)w;
        }
        else if (cmd_opt(argc, argv, &i, "--seed", &v)) opt.seed = strtoull(v, NULL, 10);
        else if (cmd_opt(argc, argv, &i, "--dict", &v)) dict_path = v;
        else if (cmd_opt(argc, argv, &i, "--fold-digits", &v)) {
            if (strcmp(v, "0") && strcmp(v, "1")) { fprintf(stderr, "minyi train: --fold-digits is 0 or 1\n"); return 2; }
            opt.feat.fold_digits = (uint8_t)(v[0] - '0');
        }
        else if (cmd_opt(argc, argv, &i, "--features", &v)) {
            opt.feat.unigrams = opt.feat.bigrams = opt.feat.words = opt.feat.trigrams = 0;
            for (const char *p = v; *p;) {
                size_t n = strcspn(p, ",");
                if (n == 3 && !strncmp(p, "uni", 3)) opt.feat.unigrams = 1;
                else if (n == 2 && !strncmp(p, "bi", 2)) opt.feat.bigrams = 1;
                else if (n == 5 && !strncmp(p, "words", 5)) opt.feat.words = 1;
                else if (n == 3 && !strncmp(p, "tri", 3)) opt.feat.trigrams = 1;
                else { fprintf(stderr, "minyi train: --features takes uni, bi, tri, words; got '%.*s'\n", (int)n, p); return 2; }
                p += n + (p[n] == ',');
            }
            if (!opt.feat.unigrams && !opt.feat.bigrams && !opt.feat.trigrams && !opt.feat.words) { fprintf(stderr, "minyi train: --features is empty\n"); return 2; }
        }
        else if (!strcmp(argv[i], "--quiet")) quiet = 1;
        else if (cmd_opt(argc, argv, &i, "--balanced", &v)) {
            if (strcmp(v, "0") && strcmp(v, "1")) { fprintf(stderr, "minyi train: --balanced is 0 or 1\n"); return 2; }
            opt.balanced = v[0] - '0';
        }
        else { fprintf(stderr, "minyi train: unknown option '%s'\n", argv[i]); usage(stderr); return 2; }
    }
    if ((!ndata && !from_db) || !out) { fprintf(stderr, "minyi train: --data (or --from-db) and --model are required\n"); usage(stderr); return 2; }
    if (!quiet) { opt.progress = on_progress; }

    seg_dict *dict = NULL;
    if (opt.feat.words) {
        char err[512];
        if (seg_dict_open(dict_path, &dict, err, sizeof err)) { fprintf(stderr, "minyi train: %s\n", err); return 1; }
        opt.dict = dict;
    }
    trainset t = {0};
    long taken = 0, skipped = 0;
    for (int i = 0; i < ndata; i++)
        if (read_file(data[i], &t, &taken, &skipped)) { trainset_free(&t); seg_dict_close(dict); return 1; }
    if (from_db && read_db(db, &t, &taken, &skipped)) { trainset_free(&t); seg_dict_close(dict); return 1; }
    if (ndata + from_db > 1) fprintf(stderr, "total: %ld rows taken, %ld skipped\n", taken, skipped);
    if (t.nlabels < 2) {
        fprintf(stderr, "minyi train: need messages of at least 2 labels, found %d\n", t.nlabels);
        trainset_free(&t); seg_dict_close(dict); return 1;
    }
    sort_labels(&t);
    int rc = train_run(t.docs, t.n, t.labels, t.nlabels, &opt, out, quiet);
    trainset_free(&t);
    seg_dict_close(dict);
    return rc;
}
