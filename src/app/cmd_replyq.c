/* cmd_replyq.c: `minyi reply-quality --data FILE [--by-department]`: the
 * quality of each official reply in a file (text/replyq.h,
 * docs/reply-quality.md). Two passes: the first learns the template
 * sentences of all replies, the second scores. */
#include "app/cmd.h"
#include "app/datafile.h"
#include "text/replyq.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
    fprintf(f, "usage: minyi reply-quality --data FILE [--by-department] [--deadline DAYS] [--dict FILE]\n"
               "  Scores each official reply (columns: message body and title, reply in\n"
               "  答复意见/reply, times in 留言时间/created_at and 答复时间/replied_at).\n"
               "  Output TSV per row: id, score, relevance, completeness, boilerplate,\n"
               "  timeliness, lag_days, questions, answered, concrete (action,time,unit,contact)\n"
               "  --by-department  one row per department (部门/答复部门/department column, else\n"
               "                   the label column): department, replies, mean score and parts\n"
               "  --deadline DAYS  the reply deadline (default 15)\n");
}

typedef struct { char *name; long n; double score, rel, comp, boil, time; long ntime; } agg;

static void put_clean(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) putchar(s[i] == '\t' || s[i] == '\n' || s[i] == '\r' ? ' ' : s[i]);
}

int cmd_reply_quality(int argc, char **argv) {
    const char *data = NULL, *deadline_s = NULL, *dict_path = NULL;
    bool by_dept = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { usage(stdout); return 0; }
        if (cmd_opt(argc, argv, &i, "--data", &data) || cmd_opt(argc, argv, &i, "--deadline", &deadline_s) ||
            cmd_opt(argc, argv, &i, "--dict", &dict_path)) continue;
        if (!strcmp(argv[i], "--by-department")) { by_dept = true; continue; }
        fprintf(stderr, "minyi reply-quality: unknown argument '%s'\n", argv[i]);
        usage(stderr);
        return 2;
    }
    if (!data) { fprintf(stderr, "minyi reply-quality: --data FILE is required\n"); usage(stderr); return 2; }
    double deadline = 15;
    if (deadline_s) {
        char *e;
        deadline = strtod(deadline_s, &e);
        if (*e || !(deadline > 0 && deadline <= 365)) { fprintf(stderr, "minyi reply-quality: --deadline must be 0-365 days, got '%s'\n", deadline_s); return 2; }
    }
    char err[512];
    seg_dict *dict = NULL;
    replyq *q = NULL;
    datafile *df = NULL;
    agg *ag = NULL;
    size_t nag = 0, capag = 0;
    int status = 1;
    long bad = 0, rows = 0;
    if (seg_dict_open(dict_path, &dict, err, sizeof err)) { fprintf(stderr, "minyi reply-quality: %s\n", err); return 1; }
    if (replyq_new(dict, &q)) { fprintf(stderr, "minyi reply-quality: out of memory\n"); goto out; }
    for (int pass = 0; pass < 2; pass++) {
        if (datafile_open(data, &df, err, sizeof err)) { fprintf(stderr, "minyi reply-quality: %s\n", err); goto out; }
        if (!datafile_has(df, DF_REPLY)) { fprintf(stderr, "minyi reply-quality: %s has no reply column (答复意见 or reply)\n", data); goto out; }
        if (!datafile_has(df, DF_BODY) && !datafile_has(df, DF_TITLE)) { fprintf(stderr, "minyi reply-quality: %s has neither a body nor a title column\n", data); goto out; }
        enum df_field dcol = datafile_has(df, DF_DEPARTMENT) ? DF_DEPARTMENT : DF_LABEL;
        if (pass && by_dept && !datafile_has(df, dcol)) {
            fprintf(stderr, "minyi reply-quality: --by-department needs a department column (部门, 答复部门, department) or a label column\n");
            goto out;
        }
        if (pass && !by_dept) printf("id\tscore\trelevance\tcompleteness\tboilerplate\ttimeliness\tlag_days\tquestions\tanswered\tconcrete\n");
        str f[DF_NFIELDS];
        int rc;
        buf msg = {0};
        while ((rc = datafile_next(df, f)) != 0) {
            if (rc < 0) { if (pass) { fprintf(stderr, "%s:%ld: %s\n", data, datafile_line(df), datafile_error(df)); bad++; } continue; }
            if (!f[DF_REPLY].n) continue;
            if (!pass) { if (replyq_learn(q, f[DF_REPLY])) { buf_free(&msg); fprintf(stderr, "minyi reply-quality: out of memory\n"); goto out; } continue; }
            buf_reset(&msg);
            if (buf_put(&msg, f[DF_TITLE].p, f[DF_TITLE].n) || buf_putc(&msg, '\n') || buf_put(&msg, f[DF_BODY].p, f[DF_BODY].n)) { buf_free(&msg); goto out; }
            replyq_result r;
            if (replyq_score(q, (str){ msg.p, msg.n }, f[DF_REPLY], datafile_time(f[DF_CREATED_AT]), datafile_time(f[DF_REPLIED_AT]), deadline, &r)) {
                buf_free(&msg); fprintf(stderr, "minyi reply-quality: out of memory\n"); goto out;
            }
            rows++;
            if (!by_dept) {
                if (f[DF_ID].p) put_clean(f[DF_ID].p, f[DF_ID].n); else printf("%ld", datafile_row(df));
                printf("\t%.1f\t%.3f\t%.3f\t%.3f\t", r.score, r.relevance, r.completeness, r.boilerplate);
                if (r.timeliness >= 0) printf("%.3f\t%.1f", r.timeliness, r.lag_days); else printf("\t");
                printf("\t%d\t%d\t%s%s%s%s\n", r.questions, r.answered, r.flags & REPLYQ_ACTION ? "A" : "-",
                       r.flags & REPLYQ_TIME ? "T" : "-", r.flags & REPLYQ_UNIT ? "U" : "-", r.flags & REPLYQ_CONTACT ? "C" : "-");
                continue;
            }
            str dn = f[dcol].n ? f[dcol] : STR_LIT("(none)");
            size_t k = 0;
            while (k < nag && !(strlen(ag[k].name) == dn.n && !memcmp(ag[k].name, dn.p, dn.n))) k++;
            if (k == nag) {
                if (nag == capag) {
                    size_t nc = capag ? capag * 2 : 16;
                    agg *na = realloc(ag, nc * sizeof *na);
                    if (!na) { buf_free(&msg); goto out; }
                    ag = na; capag = nc;
                }
                ag[nag] = (agg){ strndup(dn.p, dn.n), 0, 0, 0, 0, 0, 0, 0 };
                if (!ag[nag].name) { buf_free(&msg); goto out; }
                nag++;
            }
            ag[k].n++; ag[k].score += r.score; ag[k].rel += r.relevance; ag[k].comp += r.completeness; ag[k].boil += r.boilerplate;
            if (r.timeliness >= 0) { ag[k].time += r.timeliness; ag[k].ntime++; }
        }
        buf_free(&msg);
        datafile_close(df);
        df = NULL;
    }
    if (by_dept) {
        printf("department\treplies\tscore\trelevance\tcompleteness\tboilerplate\ttimeliness\n");
        for (size_t k = 0; k < nag; k++) {
            put_clean(ag[k].name, strlen(ag[k].name));
            printf("\t%ld\t%.1f\t%.3f\t%.3f\t%.3f\t", ag[k].n, ag[k].score / ag[k].n, ag[k].rel / ag[k].n, ag[k].comp / ag[k].n, ag[k].boil / ag[k].n);
            if (ag[k].ntime) printf("%.3f\n", ag[k].time / ag[k].ntime); else printf("\n");
        }
    }
    if (fflush(stdout)) { fprintf(stderr, "minyi reply-quality: write error\n"); goto out; }
    fprintf(stderr, "minyi reply-quality: %ld replies scored, %ld bad rows skipped\n", rows, bad);
    status = 0;
out:
    if (df) datafile_close(df);
    for (size_t k = 0; k < nag; k++) free(ag[k].name);
    free(ag);
    replyq_free(q);
    seg_dict_close(dict);
    return status;
}
