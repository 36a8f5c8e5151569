/* cmd_hot.c: `minyi hot --data FILE`: the hot issues of a message file
 * (text/hot.h, docs/hot-issues.md). The file is read once; two passes over
 * its rows: the first learns place names and word counts, the second
 * clusters. Each extracts in chunks on all cores while this thread reads or
 * clusters the previous chunk in file order, so the result does not depend
 * on the thread count. */
#include "app/cmd.h"
#include "app/datafile.h"
#include "text/dedup.h"
#include "text/hot.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 4096

static void usage(FILE *f) {
    fprintf(f, "usage: minyi hot --data FILE [--top N] [--from DATE --to DATE] [--details FILE] [--threads N]\n"
               "  The hot issues of a message file (the columns minyi import reads; likes in\n"
               "  点赞数/likes, opposition in 反对数/dislikes), hottest first, as TSV:\n"
               "  rank, issue_id, heat, time_range, place_or_group, description\n"
               "  --top N         issues to print (default 5)\n"
               "  --from/--to     only messages in these days (YYYY-MM-DD, both included); the\n"
               "                  heat's \"now\" is the end of --to, else the newest message\n"
               "  --details FILE  members of the printed issues: issue_id, message_id, created_at,\n"
               "                  user, likes, dislikes, title\n"
               "  --window DAYS   a message joins an issue active in the last DAYS (default 30)\n"
               "  --half-life D   recency: heat halves every D days before \"now\" (default 0: every\n"
               "                  issue of the period counts alike; the server uses 14)\n"
               "  --dict FILE     segmentation dictionary (as for minyi seg)\n");
}

/* The rows of one chunk, kept from the first pass for the second. */
typedef struct {
    buf text;                 /* title \n body per row */
    size_t off[CHUNK + 1];    /* row k: text.p[off[k] .. off[k+1]); title ends at tl[k] */
    size_t tl[CHUNK];
    hot_msg msg[CHUNK];
    size_t n;
} chunk;

/* What extraction finds for one chunk (three in flight in the second pass). */
typedef struct {
    hot_feat feat[CHUNK];
    dedup_sig sig[CHUNK];
} found;

typedef struct { hot_ctx *c; const hot *h; const chunk *ch; found *fd; size_t from, to; int failed, sigs; } job;

static void *worker(void *arg) {
    job *j = arg;
    for (size_t k = j->from; k < j->to; k++) {
        const char *s = j->ch->text.p + j->ch->off[k];
        size_t n = j->ch->off[k + 1] - j->ch->off[k], tl = j->ch->tl[k];
        str title = { s, tl }, body = { s + tl + 1, n - tl - 1 };
        if (hot_extract(j->c, j->h, title, body, &j->fd->feat[k])) { j->failed = 1; return NULL; }
        if (j->sigs) dedup_signature(s, n, &j->fd->sig[k]);
    }
    return NULL;
}

/* Near-duplicate groups of one chunk's rows (in order), on a thread of its own. */
typedef struct { dedup *dd; chunk *ch; const found *fd; int failed; double cpu; } dupjob;

/* CPU seconds of the calling thread. */
static double thread_cpu(void) {
    struct timespec ts;
    return clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) ? 0 : (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *dup_worker(void *arg) {
    dupjob *j = arg;
    double t0 = thread_cpu();
    for (size_t k = 0; k < j->ch->n; k++) {
        dedup_result r;
        if (k + 1 < j->ch->n) dedup_prefetch(j->dd, &j->fd->sig[k + 1]);
        if (dedup_add(j->dd, &j->fd->sig[k], j->ch->msg[k].id, j->ch->msg[k].author, j->ch->msg[k].t, &r)) { j->failed = 1; return NULL; }
        /* Near-duplicates first: a campaign is one issue whatever its wording. */
        j->ch->msg[k].dup_group = (uint64_t)r.group + 1;
    }
    j->cpu = thread_cpu() - t0;
    return NULL;
}

/* Extraction of one chunk on nthreads threads, started by extract_start
 * and awaited by extract_wait, so the caller works meanwhile. */
typedef struct { job jobs[64]; pthread_t tid[64]; long nt; } batch;

static void extract_start(batch *b, hot_ctx **ctx, long nthreads, const hot *h, const chunk *ch, found *fd, int sigs) {
    b->nt = (long)ch->n < nthreads ? (long)ch->n : nthreads;
    for (long t = 0; t < b->nt; t++) {
        b->jobs[t] = (job){ ctx[t], h, ch, fd, ch->n * (size_t)t / (size_t)b->nt, ch->n * (size_t)(t + 1) / (size_t)b->nt, 0, sigs };
        if (pthread_create(&b->tid[t], NULL, worker, &b->jobs[t])) { worker(&b->jobs[t]); b->tid[t] = 0; }
    }
}

static int extract_wait(batch *b) {
    int failed = 0;
    for (long t = 0; t < b->nt; t++) {
        if (b->tid[t]) pthread_join(b->tid[t], NULL);
        failed |= b->jobs[t].failed;
    }
    b->nt = 0;
    return failed ? -1 : 0;
}

static int64_t num(str s) {
    int64_t v = 0;
    for (size_t i = 0; i < s.n && s.p[i] >= '0' && s.p[i] <= '9'; i++) v = v * 10 + (s.p[i] - '0');
    return v;
}

static void put_clean(FILE *f, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) fputc(s[i] == '\t' || s[i] == '\n' || s[i] == '\r' ? ' ' : s[i], f);
}

/* Reads the next chunk of rows within [from, to]; row numbers go to rows. */
static int read_chunk(datafile *df, const char *path, chunk *ch, int64_t from, int64_t to, size_t *rowno, uint32_t *rows, long *skipped) {
    ch->n = 0;
    buf_reset(&ch->text);
    ch->off[0] = 0;
    str f[DF_NFIELDS];
    while (ch->n < CHUNK) {
        int rc = datafile_next(df, f);
        if (rc == 0) return 0;
        if (rc < 0) { fprintf(stderr, "%s:%ld: %s\n", path, datafile_line(df), datafile_error(df)); (*skipped)++; continue; }
        size_t row = (*rowno)++;
        int64_t t = f[DF_CREATED_AT].p ? datafile_time(f[DF_CREATED_AT]) : 0;
        if ((from && t < from) || (to && t >= to)) continue;
        size_t k = ch->n;
        if (buf_put(&ch->text, f[DF_TITLE].p, f[DF_TITLE].n) || buf_putc(&ch->text, '\n') ||
            buf_put(&ch->text, f[DF_BODY].p, f[DF_BODY].n)) return -1;
        ch->tl[k] = f[DF_TITLE].n;
        ch->off[k + 1] = ch->text.n;
        ch->msg[k] = (hot_msg){ row, f[DF_USER].p ? dedup_author_key(f[DF_USER].p, f[DF_USER].n) : 0, t,
                                num(f[DF_LIKES]), num(f[DF_DISLIKES]), 0 };
        if (rows) rows[k] = (uint32_t)row;
        ch->n++;
    }
    return 1;
}

static int64_t parse_day(const char *s, const char *opt) {
    int64_t t = datafile_time(str_c(s));
    if (!t || strlen(s) != 10) { fprintf(stderr, "minyi hot: %s must be a date YYYY-MM-DD, got '%s'\n", opt, s); return -1; }
    return t;
}

int cmd_hot(int argc, char **argv) {
    const char *data = NULL, *top_s = NULL, *from_s = NULL, *to_s = NULL, *details = NULL, *dict_path = NULL,
               *threads_s = NULL, *window_s = NULL, *half_s = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { usage(stdout); return 0; }
        if (cmd_opt(argc, argv, &i, "--data", &data) || cmd_opt(argc, argv, &i, "--top", &top_s) ||
            cmd_opt(argc, argv, &i, "--from", &from_s) || cmd_opt(argc, argv, &i, "--to", &to_s) ||
            cmd_opt(argc, argv, &i, "--details", &details) || cmd_opt(argc, argv, &i, "--dict", &dict_path) ||
            cmd_opt(argc, argv, &i, "--threads", &threads_s) || cmd_opt(argc, argv, &i, "--window", &window_s) ||
            cmd_opt(argc, argv, &i, "--half-life", &half_s)) continue;
        fprintf(stderr, "minyi hot: unknown argument '%s'\n", argv[i]);
        usage(stderr);
        return 2;
    }
    if (!data) { fprintf(stderr, "minyi hot: --data FILE is required\n"); usage(stderr); return 2; }
    long top = 5, nthreads = sysconf(_SC_NPROCESSORS_ONLN), window = 30;
    char *e;
    if (top_s && ((top = strtol(top_s, &e, 10)) < 1 || top > 100000 || *e)) { fprintf(stderr, "minyi hot: --top must be 1-100000, got '%s'\n", top_s); return 2; }
    if (threads_s && ((nthreads = strtol(threads_s, &e, 10)) < 1 || nthreads > 64 || *e)) { fprintf(stderr, "minyi hot: --threads must be 1-64\n"); return 2; }
    if (window_s && ((window = strtol(window_s, &e, 10)) < 1 || window > 3650 || *e)) { fprintf(stderr, "minyi hot: --window must be 1-3650 days\n"); return 2; }
    if (nthreads < 1) nthreads = 1;
    if (nthreads > 64) nthreads = 64;
    int64_t from = 0, to = 0;
    if (from_s && (from = parse_day(from_s, "--from")) < 0) return 2;
    if (to_s && (to = parse_day(to_s, "--to")) < 0) return 2;
    if (to) to += 86400;
    if (from && to && from >= to) { fprintf(stderr, "minyi hot: --from is after --to\n"); return 2; }

    char err[512];
    seg_dict *dict = NULL;
    if (seg_dict_open(dict_path, &dict, err, sizeof err)) { fprintf(stderr, "minyi hot: %s\n", err); return 1; }
    hot_cfg cfg;
    hot_cfg_default(&cfg);
    cfg.window_days = (int)window;
    /* A file is a period under study: every issue in it counts whatever its age (the server ranks what is hot now). */
    cfg.half_life_days = 0;
    if (half_s) {
        char *e2;
        cfg.half_life_days = strtod(half_s, &e2);
        if (*e2 || cfg.half_life_days < 0 || cfg.half_life_days > 3650) { fprintf(stderr, "minyi hot: --half-life must be 0-3650 days\n"); return 2; }
    }
    hot *h = NULL;
    dedup *dd = NULL;
    chunk **chs = NULL;             /* the rows, read once */
    size_t nch = 0, capch = 0;
    found *fd[3] = { calloc(1, sizeof(found)), calloc(1, sizeof(found)), calloc(1, sizeof(found)) };
    batch bt = { .nt = 0 };
    hot_ctx *ctx[64] = {0};
    datafile *df = NULL;
    uint32_t *issue_of = NULL;      /* per row: issue + 1 (0 = not taken) */
    size_t cap_rows = 0;
    int status = 1;
    long skipped = 0;
    if (!fd[0] || !fd[1] || !fd[2] || hot_new(dict, &cfg, &h) || dedup_new(NULL, &dd)) { fprintf(stderr, "minyi hot: out of memory\n"); goto out; }
    for (long t = 0; t < nthreads; t++) if (hot_ctx_new(dict, &ctx[t])) { fprintf(stderr, "minyi hot: out of memory\n"); goto out; }

    /* First pass: read the rows, and learn place names and word counts from
     * features that depend on each text alone (so they can be extracted on
     * the other cores while this thread reads the next chunk). */
    if (datafile_open(data, &df, err, sizeof err)) { fprintf(stderr, "minyi hot: %s\n", err); goto out; }
    if (!datafile_has(df, DF_TITLE) && !datafile_has(df, DF_BODY)) {
        fprintf(stderr, "minyi hot: %s has neither a title nor a body column\n", data); goto out;
    }
    size_t rowno = 0;
    for (int rc = 1; rc > 0; ) {
        if (nch == capch) {
            size_t nc = capch ? capch * 2 : 64;
            chunk **q = realloc(chs, nc * sizeof *q);
            if (!q) { fprintf(stderr, "minyi hot: out of memory\n"); goto out; }
            chs = q; capch = nc;
        }
        chunk *ch = calloc(1, sizeof *ch);
        if (!ch) { fprintf(stderr, "minyi hot: out of memory\n"); goto out; }
        chs[nch] = ch;
        rc = read_chunk(df, data, ch, from, to, &rowno, NULL, &skipped);
        if (rc < 0 || extract_wait(&bt)) { buf_free(&ch->text); free(ch); fprintf(stderr, "minyi hot: out of memory\n"); goto out; }
        if (!ch->n) { buf_free(&ch->text); free(ch); break; }
        nch++;
        extract_start(&bt, ctx, nthreads, NULL, ch, fd[(nch - 1) & 1], 0);
        /* Learn the previous chunk while this one is extracted. */
        if (nch >= 2)
            for (size_t k = 0; k < chs[nch - 2]->n; k++)
                if (hot_learn(h, &fd[(nch - 2) & 1]->feat[k])) { fprintf(stderr, "minyi hot: out of memory\n"); goto out; }
    }
    if (extract_wait(&bt)) { fprintf(stderr, "minyi hot: out of memory\n"); goto out; }
    if (nch)
        for (size_t k = 0; k < chs[nch - 1]->n; k++)
            if (hot_learn(h, &fd[(nch - 1) & 1]->feat[k])) { fprintf(stderr, "minyi hot: out of memory\n"); goto out; }
    datafile_close(df);
    df = NULL;

    /* Second pass, three stages a chunk apart: the other cores extract
     * chunk c with what was learned (frozen), one thread groups the
     * near-duplicates of chunk c - 1, and this one clusters chunk c - 2; each
     * sequential stage in file order. */
    int64_t newest = 0;
    size_t taken = 0;
    double dup_cpu = 0;               /* near-duplicate grouping: in order, on a thread of its own */
    if (hot_freeze(h)) { fprintf(stderr, "minyi hot: out of memory\n"); goto out; }
    for (size_t c = 0; c <= nch + 1; c++) {
        if (c < nch) extract_start(&bt, ctx, nthreads, h, chs[c], fd[c % 3], 1);
        dupjob dj = { dd, c >= 1 && c <= nch ? chs[c - 1] : NULL, fd[(c + 2) % 3], 0, 0 };
        pthread_t dt = 0;
        if (dj.ch && pthread_create(&dt, NULL, dup_worker, &dj)) { dup_worker(&dj); dt = 0; }
        int failed = 0;
        if (c >= 2) {
            chunk *ch = chs[c - 2];
            found *f = fd[(c - 2) % 3];
            for (size_t k = 0; k < ch->n && !failed; k++) {
                uint32_t is;
                if (hot_add(h, &f->feat[k], &ch->msg[k], &is)) { failed = 1; break; }
                size_t row = (size_t)ch->msg[k].id;
                if (row >= cap_rows) {
                    size_t nc = cap_rows ? cap_rows * 2 : 65536;
                    while (nc <= row) nc *= 2;
                    uint32_t *q = realloc(issue_of, nc * sizeof *q);
                    if (!q) { failed = 1; break; }
                    memset(q + cap_rows, 0, (nc - cap_rows) * sizeof *q);
                    issue_of = q; cap_rows = nc;
                }
                issue_of[row] = is + 1;
                if (ch->msg[k].t > newest) newest = ch->msg[k].t;
                taken++;
            }
            /* Its rows are no longer needed. */
            buf_free(&ch->text);
            free(ch);
            chs[c - 2] = NULL;
        }
        if (dt) pthread_join(dt, NULL);
        dup_cpu += dj.cpu;
        if (extract_wait(&bt) || dj.failed || failed) { fprintf(stderr, "minyi hot: out of memory\n"); goto out; }
    }

    int64_t now = to ? to - 1 : newest;
    hot_issue *out = calloc((size_t)top, sizeof *out);
    if (!out) { fprintf(stderr, "minyi hot: out of memory\n"); goto out; }
    size_t n = hot_top(h, from ? from : INT64_MIN, now, 7, out, (size_t)top);
    uint32_t *rank_of = calloc(hot_nissues(h) + 1, sizeof *rank_of);
    if (!rank_of) { free(out); fprintf(stderr, "minyi hot: out of memory\n"); goto out; }
    printf("rank\tissue_id\theat\ttime_range\tplace_or_group\tdescription\n");
    for (size_t i = 0; i < n; i++) {
        char a[16], b[16];
        time_t t1 = (time_t)out[i].first, t2 = (time_t)out[i].last;
        struct tm tm1, tm2;
        gmtime_r(&t1, &tm1); gmtime_r(&t2, &tm2);
        strftime(a, sizeof a, "%Y/%m/%d", &tm1);
        strftime(b, sizeof b, "%Y/%m/%d", &tm2);
        printf("%zu\t%u\t%.3f\t%s 至 %s\t", i + 1, out[i].issue + 1, out[i].heat, a, b);
        put_clean(stdout, out[i].place, strlen(out[i].place));
        putchar('\t');
        put_clean(stdout, out[i].description, strlen(out[i].description));
        putchar('\n');
        rank_of[out[i].issue] = (uint32_t)i + 1;
    }
    status = 0;
    if (details) {
        FILE *f = fopen(details, "w");
        if (!f) { fprintf(stderr, "minyi hot: cannot write %s\n", details); status = 1; }
        else {
            fprintf(f, "issue_id\tmessage_id\tcreated_at\tuser\tlikes\tdislikes\ttitle\n");
            if (datafile_open(data, &df, err, sizeof err)) { fprintf(stderr, "minyi hot: %s\n", err); status = 1; }
            str fl[DF_NFIELDS];
            size_t row = 0;
            int rc;
            while (df && (rc = datafile_next(df, fl)) != 0) {
                if (rc < 0) continue;
                size_t r = row++;
                if (r >= cap_rows || !issue_of[r] || !rank_of[issue_of[r] - 1]) continue;
                fprintf(f, "%u\t", issue_of[r]);
                if (fl[DF_ID].p) put_clean(f, fl[DF_ID].p, fl[DF_ID].n); else fprintf(f, "%zu", r + 1);
                for (int c = 0; c < 5; c++) {
                    static const enum df_field cols[] = { DF_CREATED_AT, DF_USER, DF_LIKES, DF_DISLIKES, DF_TITLE };
                    fputc('\t', f);
                    put_clean(f, fl[cols[c]].p ? fl[cols[c]].p : "", fl[cols[c]].n);
                }
                fputc('\n', f);
            }
            if (fclose(f)) { fprintf(stderr, "minyi hot: write error on %s\n", details); status = 1; }
        }
    }
    if (fflush(stdout)) { fprintf(stderr, "minyi hot: write error\n"); status = 1; }
    fprintf(stderr, "minyi hot: %zu messages, %ld bad rows skipped, %zu issues\n", taken, skipped, hot_nissues(h));
    /* The two stages that run in file order bound the time on any number of
     * cores; printed so a run on a busy machine still says what it would take. */
    fprintf(stderr, "minyi hot: in-order stages: reading and clustering %.1f s, near-duplicates %.1f s CPU\n", thread_cpu(), dup_cpu);
    free(rank_of);
    free(out);
out:
    extract_wait(&bt);
    if (df) datafile_close(df);
    for (long t = 0; t < 64; t++) hot_ctx_free(ctx[t]);
    for (size_t c = 0; c < nch; c++) if (chs[c]) { buf_free(&chs[c]->text); free(chs[c]); }
    free(chs);
    free(fd[0]); free(fd[1]); free(fd[2]);
    free(issue_of);
    hot_free(h);
    dedup_free(dd);
    seg_dict_close(dict);
    return status;
}
