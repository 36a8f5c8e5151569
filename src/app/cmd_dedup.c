/* cmd_dedup.c: `minyi dedup --data FILE [--threshold J]`: groups exact and
 * near-duplicate messages (text/dedup.h) and prints, per input row in input
 * order, id<TAB>group<TAB>group_size<TAB>representative_id. Rows are read in
 * chunks; signatures of a chunk are computed on all cores, then added to the
 * index in input order (so the result does not depend on the thread count). */
#include "app/cmd.h"
#include "app/datafile.h"
#include "text/dedup.h"
#include "text/seg.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 8192

static void usage(FILE *f) {
    fprintf(f, "usage: minyi dedup --data FILE [--threshold J] [--threads N] [--stats]\n"
               "  Groups exact and near-duplicate messages (title + body).\n"
               "  Output TSV per input row, in input order: id, group, group_size, representative_id\n"
               "  (group numbers count from 1 in order of first appearance; the representative is\n"
               "  the group's first message).\n"
               "  --threshold J  estimated Jaccard similarity of character-trigram sets to join a\n"
               "                 group, 0 < J <= 1 (default 0.35; higher = stricter); a message\n"
               "                 must also be within 0.2 of the group's first message\n"
               "  --threads N    threads for the signatures (default: all cores)\n"
               "  --words        word-bigram shingles from the segmenter instead of character\n"
               "                 trigrams (slower; --dict FILE as for minyi seg)\n"
               "  --stats        print group statistics to stderr\n");
}

typedef struct {
    const seg_dict *dict;    /* word shingles when set */
    int failed;
    const buf *text;
    const size_t *off;       /* text of row k: text->p[off[k] .. off[k+1]) */
    dedup_sig *sig;
    size_t from, to;
} job;

static void *sig_worker(void *arg) {
    job *j = arg;
    seg_ctx *c = NULL;
    if (j->dict && seg_ctx_new(j->dict, &c)) { j->failed = 1; return NULL; }
    for (size_t k = j->from; k < j->to; k++) {
        const char *s = j->text->p + j->off[k];
        size_t n = j->off[k + 1] - j->off[k];
        if (c) { if (dedup_signature_words(c, s, n, &j->sig[k])) { j->failed = 1; break; } }
        else dedup_signature(s, n, &j->sig[k]);
    }
    seg_ctx_free(c);
    return NULL;
}

static void put_id(FILE *f, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) fputc(s[i] == '\t' || s[i] == '\n' || s[i] == '\r' ? ' ' : s[i], f);
}

int cmd_dedup(int argc, char **argv) {
    const char *data = NULL, *thr = NULL, *threads_s = NULL, *bands_s = NULL, *rows_s = NULL, *dict_path = NULL;
    bool stats = false, words = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { usage(stdout); return 0; }
        if (cmd_opt(argc, argv, &i, "--data", &data)) continue;
        if (cmd_opt(argc, argv, &i, "--threshold", &thr)) continue;
        if (cmd_opt(argc, argv, &i, "--threads", &threads_s)) continue;
        if (cmd_opt(argc, argv, &i, "--bands", &bands_s)) continue;
        if (cmd_opt(argc, argv, &i, "--rows", &rows_s)) continue;
        if (cmd_opt(argc, argv, &i, "--dict", &dict_path)) continue;
        if (!strcmp(argv[i], "--stats")) { stats = true; continue; }
        if (!strcmp(argv[i], "--words")) { words = true; continue; }
        fprintf(stderr, "minyi dedup: unknown argument '%s'\n", argv[i]);
        usage(stderr);
        return 2;
    }
    if (!data) { fprintf(stderr, "minyi dedup: --data FILE is required\n"); usage(stderr); return 2; }
    dedup_cfg cfg;
    dedup_cfg_default(&cfg);
    if (thr) {
        char *e; double t = strtod(thr, &e);
        if (*e || !(t > 0 && t <= 1)) { fprintf(stderr, "minyi dedup: --threshold must be a number in (0, 1], got '%s'\n", thr); return 2; }
        cfg.threshold = (float)t;
    }
    if (bands_s) cfg.bands = atoi(bands_s);
    if (rows_s) cfg.rows = atoi(rows_s);
    long nthreads = sysconf(_SC_NPROCESSORS_ONLN);
    if (threads_s) {
        char *e; nthreads = strtol(threads_s, &e, 10);
        if (*e || nthreads < 1 || nthreads > 64) { fprintf(stderr, "minyi dedup: --threads must be 1-64\n"); return 2; }
    }
    if (nthreads < 1) nthreads = 1;
    if (nthreads > 64) nthreads = 64;
    dedup *d;
    if (dedup_new(&cfg, &d)) { fprintf(stderr, "minyi dedup: bad --bands/--rows (bands x rows must be <= %d)\n", DEDUP_K); return 2; }

    char err[512];
    seg_dict *dict = NULL;
    if (words && seg_dict_open(dict_path, &dict, err, sizeof err)) {
        fprintf(stderr, "minyi dedup: %s\n", err); dedup_free(d); return 1;
    }
    datafile *df;
    if (datafile_open(data, &df, err, sizeof err)) { fprintf(stderr, "minyi dedup: %s\n", err); dedup_free(d); seg_dict_close(dict); return 1; }
    if (!datafile_has(df, DF_TITLE) && !datafile_has(df, DF_BODY)) {
        fprintf(stderr, "minyi dedup: %s has neither a title nor a body column\n", data);
        datafile_close(df); dedup_free(d);
        return 1;
    }
    buf text = {0}, ids = {0};
    size_t *off = malloc((CHUNK + 1) * sizeof *off);
    size_t *idoff = NULL, idcap = 0;        /* per message: start of its id in ids (n+1 entries) */
    dedup_sig *sig = malloc(CHUNK * sizeof *sig);
    uint64_t *author = malloc(CHUNK * sizeof *author);
    int64_t *when = malloc(CHUNK * sizeof *when);
    long taken = 0, skipped = 0;
    int status = 0;
    double add_s = 0;   /* CPU time in dedup_add (the in-order part): the incremental cost per message */
    if (!off || !sig || !author || !when) { fprintf(stderr, "minyi dedup: out of memory\n"); status = 1; goto out; }
    bool eof = false;
    while (!eof && !status) {
        size_t n = 0;
        buf_reset(&text);
        off[0] = 0;
        str f[DF_NFIELDS];
        while (n < CHUNK) {
            int rc = datafile_next(df, f);
            if (rc == 0) { eof = true; break; }
            if (rc < 0) { fprintf(stderr, "%s:%ld: %s\n", data, datafile_line(df), datafile_error(df)); skipped++; continue; }
            size_t m = (size_t)taken;
            if (m + 2 > idcap) {
                size_t nc = idcap ? idcap * 2 : 65536;
                size_t *ni = realloc(idoff, nc * sizeof *ni);
                if (!ni) { status = 1; break; }
                idoff = ni; idcap = nc;
            }
            if (m == 0) idoff[0] = 0;
            int e = 0;
            if (f[DF_ID].p) e |= buf_put(&ids, f[DF_ID].p, f[DF_ID].n);
            else e |= buf_printf(&ids, "%ld", datafile_row(df));
            idoff[m + 1] = ids.n;
            if (f[DF_TITLE].p) e |= buf_put(&text, f[DF_TITLE].p, f[DF_TITLE].n);
            e |= buf_putc(&text, '\n');
            if (f[DF_BODY].p) e |= buf_put(&text, f[DF_BODY].p, f[DF_BODY].n);
            if (e) { status = 1; break; }
            author[n] = f[DF_USER].p ? dedup_author_key(f[DF_USER].p, f[DF_USER].n) : 0;
            when[n] = f[DF_CREATED_AT].p ? datafile_time(f[DF_CREATED_AT]) : 0;
            off[++n] = text.n;
            taken++;
        }
        if (status) { fprintf(stderr, "minyi dedup: out of memory\n"); break; }
        if (!n) continue;
        /* Signatures on all cores: contiguous slices, one per thread. */
        long nt = (long)n < nthreads ? (long)n : nthreads;
        job jobs[64];
        pthread_t tid[64];
        for (long t = 0; t < nt; t++)
            jobs[t] = (job){ dict, 0, &text, off, sig, n * (size_t)t / (size_t)nt, n * (size_t)(t + 1) / (size_t)nt };
        long started = 1;
        for (long t = 1; t < nt; t++, started++)
            if (pthread_create(&tid[t], NULL, sig_worker, &jobs[t])) { sig_worker(&jobs[t]); tid[t] = 0; }
        sig_worker(&jobs[0]);
        for (long t = 1; t < started; t++) if (tid[t]) pthread_join(tid[t], NULL);
        for (long t = 0; t < nt; t++) if (jobs[t].failed) status = 1;
        if (status) { fprintf(stderr, "minyi dedup: out of memory\n"); break; }
        size_t base = (size_t)taken - n;
        struct timespec t0, t1;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
        for (size_t k = 0; k < n; k++) {
            if (k + 1 < n) dedup_prefetch(d, &sig[k + 1]);
            if (dedup_add(d, &sig[k], base + k, author[k], when[k], NULL)) {
                fprintf(stderr, "minyi dedup: out of memory\n"); status = 1; break;
            }
        }
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
        add_s += (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    }
    if (!status) {
        for (size_t m = 0; m < (size_t)taken; m++) {
            uint32_t g = dedup_msg_group(d, (uint32_t)m);
            dedup_group gi;
            dedup_group_get(d, g, &gi);
            size_t rep = (size_t)dedup_msg_ext(d, gi.rep);
            put_id(stdout, ids.p + idoff[m], idoff[m + 1] - idoff[m]);
            printf("\t%u\t%u\t", g + 1, gi.size);
            put_id(stdout, ids.p + idoff[rep], idoff[rep + 1] - idoff[rep]);
            putchar('\n');
        }
        if (fflush(stdout) != 0) { fprintf(stderr, "minyi dedup: write error\n"); status = 1; }
    }
    if (!status) {
        fprintf(stderr, "minyi dedup: %ld rows taken, %ld skipped, %zu groups\n", taken, skipped, dedup_ngroups(d));
        if (stats) {
            size_t ng = dedup_ngroups(d), multi = 0, inmulti = 0, biggest = 0, bi = 0;
            for (size_t g = 0; g < ng; g++) {
                dedup_group gi;
                if (dedup_group_get(d, (uint32_t)g, &gi)) continue;     /* merged into another */
                if (gi.size > 1) { multi++; inmulti += gi.size; }
                if (gi.size > biggest) { biggest = gi.size; bi = g; }
            }
            fprintf(stderr, "minyi dedup: %zu groups with 2+ members holding %zu messages; largest group %zu (%zu members); index %.1f MB; %.2f us CPU per incremental add (%.1f s)\n",
                    multi, inmulti, bi + 1, biggest, dedup_memory(d) / 1048576.0, taken ? add_s * 1e6 / (double)taken : 0.0, add_s);
        }
    }
out:
    free(off); free(idoff); free(sig); free(author); free(when);
    buf_free(&text); buf_free(&ids);
    datafile_close(df);
    dedup_free(d);
    seg_dict_close(dict);
    return status;
}
