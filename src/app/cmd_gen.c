/* cmd_gen.c: `minyi gen`, realistic synthetic messages as JSONL for
 * benchmarks and demos (docs/gen.md; the generator is gen.h). Chunks of
 * messages are made by worker threads and written in order, so the bytes
 * depend on the seed and count only, never on the number of threads. */
#include "app/cmd.h"
#include "app/gen.h"
#include "app/progress.h"
#include "core/log.h"
#include "text/utf8.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 8192
#define MAX_THREADS 16

static const char help[] =
    "usage: minyi gen --count N [--seed S] [--out FILE.jsonl] [options]\n\n"
    "Writes N synthetic citizen messages as JSONL that `minyi import` reads:\n"
    "titles and body clauses from the real messages in --from (regions renamed\n"
    "consistently), the 5 types, times over a campaign period with a daily\n"
    "rhythm and bursts, mail-merge campaigns, ~2% spam, ~3% with a phone or ID\n"
    "number, likes and dislikes; ground truth in gen_label, gen_campaign,\n"
    "gen_spam and gen_pii. The same seed and count give the same bytes.\n"
    "See docs/gen.md.\n\n"
    "  --count N          messages to write (required)\n"
    "  --seed S           random seed (default 1)\n"
    "  --out FILE         output file (default - : stdout)\n"
    "  --from DIR         real messages to draw vocabulary from\n"
    "                     (default ../shared/data/teddy2020c; when absent, a\n"
    "                     small built-in vocabulary is used, with a note)\n"
    "  --builtin          use the built-in vocabulary even if --from exists\n"
    "  --start YYYY-MM-DD first day of the period, Beijing time (default 2026-03-01)\n"
    "  --days N           length of the period in days (default 30)\n"
    "  --threads N        worker threads (default: the number of cores)\n"
    "  --quiet            no progress and no summary\n";

typedef struct {
    buf out;
    uint64_t chunk;          /* which chunk the slot holds */
    bool ready;
    uint64_t chars, campaign, spam, pii;
} slot;

typedef struct {
    const gen *g;
    uint64_t count, nchunks, next, written;
    int nslots;
    slot *slots;
    bool failed;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    progress *pr;
    int stage;
} job;

static void *worker(void *arg) {
    job *j = arg;
    gen_buf gb = {0};
    for (;;) {
        pthread_mutex_lock(&j->mu);
        uint64_t c = j->next;
        if (c >= j->nchunks || j->failed) { pthread_mutex_unlock(&j->mu); break; }
        j->next++;
        slot *s = &j->slots[c % (uint64_t)j->nslots];
        /* the slot is free once the writer has taken the chunk nslots before */
        while (!j->failed && j->written + (uint64_t)j->nslots <= c) pthread_cond_wait(&j->cv, &j->mu);
        pthread_mutex_unlock(&j->mu);
        buf_reset(&s->out);
        s->chars = s->campaign = s->spam = s->pii = 0;
        uint64_t from = c * CHUNK, to = from + CHUNK < j->count ? from + CHUNK : j->count;
        bool ok = true;
        for (uint64_t i = from; i < to && ok; i++) {
            gen_msg m;
            ok = gen_message(j->g, i, &gb, &m) == 0 && gen_jsonl(&m, &s->out) == 0;
            if (!ok) break;
            s->chars += utf8_count(m.title.p, m.title.n) + utf8_count(m.body.p, m.body.n);
            s->campaign += m.campaign != 0;
            s->spam += m.spam;
            s->pii += m.pii[0] != 0;
        }
        progress_add(j->pr, j->stage, to - from);
        pthread_mutex_lock(&j->mu);
        if (!ok) j->failed = true;
        s->chunk = c;
        s->ready = true;
        pthread_cond_broadcast(&j->cv);
        pthread_mutex_unlock(&j->mu);
    }
    gen_buf_free(&gb);
    return NULL;
}

static bool parse_count(const char *s, uint64_t max, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v > max) return false;
    *out = v;
    return true;
}

int cmd_gen(int argc, char **argv) {
    const char *count_s = NULL, *seed_s = "1", *outp = "-", *from = "../shared/data/teddy2020c";
    const char *start_s = "2026-03-01", *days_s = "30", *threads_s = NULL;
    bool quiet = false, builtin_only = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { fputs(help, stdout); return 0; }
        if (!strcmp(argv[i], "--quiet")) quiet = true;
        else if (!strcmp(argv[i], "--builtin")) builtin_only = true;
        else if (cmd_opt(argc, argv, &i, "--count", &count_s) || cmd_opt(argc, argv, &i, "--seed", &seed_s)
                 || cmd_opt(argc, argv, &i, "--out", &outp) || cmd_opt(argc, argv, &i, "--from", &from)
                 || cmd_opt(argc, argv, &i, "--start", &start_s) || cmd_opt(argc, argv, &i, "--days", &days_s)
                 || cmd_opt(argc, argv, &i, "--threads", &threads_s)) ;
        else { fprintf(stderr, "minyi gen: unknown argument '%s'\n%s", argv[i], help); return 2; }
    }
    gen_opts o = {0};
    uint64_t v;
    if (!count_s) { fprintf(stderr, "minyi gen: --count is required\n%s", help); return 2; }
    if (!parse_count(count_s, 1000000000ull, &o.count) || o.count == 0) {
        fprintf(stderr, "minyi gen: --count wants a number of messages from 1 to 1000000000, not '%s'\n", count_s); return 2;
    }
    if (!parse_count(seed_s, UINT64_MAX, &o.seed)) { fprintf(stderr, "minyi gen: --seed wants a non-negative integer, not '%s'\n", seed_s); return 2; }
    if (!parse_count(days_s, 3660, &v) || v == 0) { fprintf(stderr, "minyi gen: --days wants 1 to 3660, not '%s'\n", days_s); return 2; }
    o.days = (int)v;
    struct tm tm = {0};
    const char *e = strptime(start_s, "%Y-%m-%d", &tm);
    if (!e || *e) { fprintf(stderr, "minyi gen: --start wants a date YYYY-MM-DD, not '%s'\n", start_s); return 2; }
    o.start = (int64_t)timegm(&tm) - 8 * 3600;   /* midnight in Beijing */
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    uint64_t nthreads = ncpu > 0 ? (uint64_t)ncpu : 1;
    if (threads_s && (!parse_count(threads_s, MAX_THREADS, &nthreads) || nthreads == 0)) {
        fprintf(stderr, "minyi gen: --threads wants 1 to %d, not '%s'\n", MAX_THREADS, threads_s); return 2;
    }
    if (nthreads > MAX_THREADS) nthreads = MAX_THREADS;

    gen_corpus *corpus;
    bool builtin;
    char err[512];
    if (gen_corpus_load(builtin_only ? NULL : from, &corpus, &builtin, err, sizeof err)) { log_error("gen: out of memory"); return 1; }
    if (err[0] && !quiet) fprintf(stderr, "minyi gen: %s\n", err);
    gen *g;
    if (gen_new(corpus, &o, &g)) { gen_corpus_free(corpus); log_error("gen: out of memory"); return 1; }

    FILE *f = strcmp(outp, "-") ? fopen(outp, "w") : stdout;
    if (!f) { log_error("gen: %s: %s", outp, strerror(errno)); gen_free(g); gen_corpus_free(corpus); return 1; }

    job j = { .g = g, .count = o.count, .nchunks = (o.count + CHUNK - 1) / CHUNK, .nslots = (int)nthreads * 2 };
    j.slots = calloc((size_t)j.nslots, sizeof *j.slots);
    pthread_t th[MAX_THREADS];
    int started = 0, rc = 0;
    pthread_mutex_init(&j.mu, NULL);
    pthread_cond_init(&j.cv, NULL);
    j.pr = progress_new("gen", quiet);
    j.stage = progress_stage(j.pr, "generate", "messages", o.count);
    if (!j.slots) { j.failed = true; }
    for (uint64_t t = 0; t < nthreads && !j.failed; t++)
        if (pthread_create(&th[started], NULL, worker, &j) == 0) started++;
    if (!started) j.failed = true;
    uint64_t chars = 0, campaign = 0, spam = 0, pii = 0, bytes = 0;
    bool write_failed = false;
    for (uint64_t c = 0; c < j.nchunks; c++) {
        slot *s = &j.slots[c % (uint64_t)j.nslots];
        pthread_mutex_lock(&j.mu);
        while (!j.failed && !(s->ready && s->chunk == c)) pthread_cond_wait(&j.cv, &j.mu);
        bool failed = j.failed;
        pthread_mutex_unlock(&j.mu);
        if (failed) break;
        if (fwrite(s->out.p, 1, s->out.n, f) != s->out.n) write_failed = true;
        bytes += s->out.n;
        chars += s->chars; campaign += s->campaign; spam += s->spam; pii += s->pii;
        pthread_mutex_lock(&j.mu);
        s->ready = false;
        j.written = c + 1;
        if (write_failed) j.failed = true;
        pthread_cond_broadcast(&j.cv);
        pthread_mutex_unlock(&j.mu);
        if (write_failed) break;
    }
    for (int t = 0; t < started; t++) pthread_join(th[t], NULL);
    if (fflush(f) || ferror(f)) write_failed = true;
    if (f != stdout && fclose(f)) write_failed = true;
    if (write_failed) { log_error("gen: writing %s: %s", outp, strerror(errno)); rc = 1; }
    else if (j.failed) { log_error("gen: out of memory"); rc = 1; }
    progress_done(j.pr, j.stage);
    if (!rc && !quiet) {
        progress_finish(j.pr);
        double n = (double)o.count;
        fprintf(stderr, "generated %llu messages (%.1f MB, %.1f characters each on average; %.1f%% in %u campaigns, "
                "%.1f%% spam, %.1f%% with a phone or ID number) from the %s vocabulary into %s\n",
                (unsigned long long)o.count, bytes / 1e6, chars / n, 100.0 * campaign / n, gen_campaigns(g),
                100.0 * spam / n, 100.0 * pii / n, builtin ? "built-in" : "real messages'", outp);
    }
    progress_free(j.pr);
    for (int k = 0; k < j.nslots && j.slots; k++) buf_free(&j.slots[k].out);
    free(j.slots);
    pthread_mutex_destroy(&j.mu);
    pthread_cond_destroy(&j.cv);
    gen_free(g);
    gen_corpus_free(corpus);
    return rc;
}
