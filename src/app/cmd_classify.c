/* cmd_classify.c: `minyi classify`: labels every row of a message file with a
 * model from `minyi train` (issue 4). Output: a header line, then one TSV row
 * `id<TAB>label<TAB>confidence` per input row, in input order. Rows that
 * cannot be classified (unreadable, or no text) still get a row, with an
 * empty label and confidence 0, so the output lines up with the input; the
 * reason goes to stderr as FILE:LINE: reason. */
#include "app/cmd.h"
#include "app/datafile.h"
#include "text/classify.h"
#include "text/seg.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
    fprintf(f,
        "usage: minyi classify --model MODEL --data FILE [--top K] [--no-header]\n"
        "Classifies each row of FILE (TSV/CSV/JSONL with title/留言主题 and/or\n"
        "body/留言详情) and writes TSV to stdout: a header, then one line per input\n"
        "row in input order: id (the id column, else the row number), label,\n"
        "calibrated confidence. Rows with no text, or that cannot be read, get an\n"
        "empty label and confidence 0 (reason on stderr). When FILE has a label\n"
        "column the accuracy against it is reported on stderr.\n"
        "options:\n"
        "  --top K       also print the 2nd..Kth labels and confidences (K <= 10)\n"
        "  --no-header   omit the header line\n"
        "  --dict PATH   segmentation dictionary, for models with word features\n");
}

/* Writes a field with tabs and line breaks turned into spaces. */
static void put_field(str s) {
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        putchar(c == '\t' || c == '\n' || c == '\r' ? ' ' : c);
    }
}

/* The label and confidence columns of a row that could not be classified. */
static void put_empty(int top) {
    for (int k = 0; k < top; k++) fputs("\t\t0", stdout);
    putchar('\n');
}

int cmd_classify(int argc, char **argv) {
    const char *model_path = NULL, *data = NULL, *v, *dict_path = NULL;
    int top = 1, header = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { usage(stdout); return 0; }
        else if (cmd_opt(argc, argv, &i, "--model", &v)) model_path = v;
        else if (cmd_opt(argc, argv, &i, "--data", &v)) data = v;
        else if (cmd_opt(argc, argv, &i, "--top", &v)) {
            char *end; long k = strtol(v, &end, 10);
            if (*end || k < 1 || k > 10) { fprintf(stderr, "minyi classify: --top is 1..10, got '%s'\n", v); return 2; }
            top = (int)k;
        }
        else if (!strcmp(argv[i], "--no-header")) header = 0;
        else if (cmd_opt(argc, argv, &i, "--dict", &v)) dict_path = v;
        else { fprintf(stderr, "minyi classify: unknown option '%s'\n", argv[i]); usage(stderr); return 2; }
    }
    if (!model_path || !data) { fprintf(stderr, "minyi classify: --model and --data are required\n"); usage(stderr); return 2; }

    char err[512];
    cls_model *m;
    if (cls_load(model_path, &m, err, sizeof err)) { fprintf(stderr, "minyi classify: %s\n", err); return 1; }
    seg_dict *dict = NULL;
    if (cls_features(m)->words && seg_dict_open(dict_path, &dict, err, sizeof err)) {
        fprintf(stderr, "minyi classify: the model uses words: %s\n", err); cls_free(m); return 1;
    }
    cls_ctx *cx;
    if (cls_ctx_new(m, dict, &cx, err, sizeof err)) { fprintf(stderr, "minyi classify: %s\n", err); cls_free(m); seg_dict_close(dict); return 1; }
    datafile *df;
    if (datafile_open(data, &df, err, sizeof err)) {
        fprintf(stderr, "minyi classify: %s\n", err); cls_ctx_free(cx); cls_free(m); seg_dict_close(dict); return 1;
    }
    if (!datafile_has(df, DF_TITLE) && !datafile_has(df, DF_BODY)) {
        fprintf(stderr, "minyi classify: %s: no text column (title/留言主题 or body/留言详情)\n", data);
        datafile_close(df); cls_ctx_free(cx); cls_free(m); seg_dict_close(dict); return 1;
    }
    int has_label = datafile_has(df, DF_LABEL);
    if (header) {
        printf("id\tlabel\tconfidence");
        for (int k = 2; k <= top; k++) printf("\tlabel%d\tconfidence%d", k, k);
        putchar('\n');
    }
    int K = cls_nlabels(m);
    char *warned = calloc(1, 1);   /* unknown labels already reported, NUL-separated */
    size_t warned_n = 0;
    long rows = 0, done = 0, notext = 0, bad = 0, compared = 0, correct = 0, unknown = 0;
    cls_pred pred[10];
    str f[DF_NFIELDS];
    int r, rc = 0;
    while ((r = datafile_next(df, f)) != 0) {
        rows++;
        char rowid[32];
        snprintf(rowid, sizeof rowid, "%ld", datafile_row(df));
        if (r < 0) {
            fprintf(stderr, "%s:%ld: %s (output row with empty label)\n", data, datafile_line(df), datafile_error(df));
            bad++;
            fputs(rowid, stdout);
            put_empty(top);
            continue;
        }
        str id = str_trim(f[DF_ID]);
        if (!id.n) id = str_c(rowid);
        str title = str_trim(f[DF_TITLE]), body = str_trim(f[DF_BODY]);
        put_field(id);
        if (!title.n && !body.n) {
            fprintf(stderr, "%s:%ld: no text (title and body empty), output row with empty label\n", data, datafile_line(df));
            notext++;
            put_empty(top);
            continue;
        }
        int np = cls_classify(cx, title, body, pred, top);
        if (np < 0) { fprintf(stderr, "minyi classify: out of memory\n"); rc = 1; putchar('\n'); break; }
        for (int k = 0; k < top; k++) {
            if (k < np) printf("\t%s\t%.4f", pred[k].name, pred[k].conf);
            else fputs("\t\t0", stdout);
        }
        putchar('\n');
        done++;
        str gold = str_trim(f[DF_LABEL]);
        if (has_label && gold.n) {
            if (cls_label_index(m, gold) >= 0) { compared++; correct += str_eq_c(gold, pred[0].name); }
            else {
                unknown++;
                /* warn once per distinct label */
                int seen = 0;
                for (size_t o = 0; o < warned_n; o += strlen(warned + o) + 1)
                    if (str_eq_c(gold, warned + o)) { seen = 1; break; }
                if (!seen) {
                    fprintf(stderr, "%s:%ld: warning: label '%.*s' is not one of the model's %d labels; the model can never predict it\n",
                            data, datafile_line(df), (int)gold.n, gold.p, K);
                    char *w = realloc(warned, warned_n + gold.n + 2);
                    if (w) { warned = w; memcpy(warned + warned_n, gold.p, gold.n); warned[warned_n + gold.n] = 0; warned_n += gold.n + 1; }
                }
            }
        }
    }
    if (fflush(stdout) != 0) { fprintf(stderr, "minyi classify: write error\n"); rc = 1; }
    fprintf(stderr, "%s: %ld rows: %ld classified, %ld without text, %ld unreadable\n", data, rows, done, notext, bad);
    if (compared)
        fprintf(stderr, "accuracy against the label column: %.4f (%ld of %ld rows)\n", (double)correct / compared, correct, compared);
    if (unknown)
        fprintf(stderr, "%ld rows carry a label the model was not trained on\n", unknown);
    if (rows == 0) fprintf(stderr, "minyi classify: %s: no data rows\n", data);
    free(warned);
    datafile_close(df);
    cls_ctx_free(cx);
    cls_free(m);
    seg_dict_close(dict);
    return rc;
}
