/* progress.c: see progress.h. Counters are C11 atomics so pipeline workers
 * can count without a lock; the reporter thread only reads them. Stage
 * creation and the stage clocks take a mutex (rare events). */
#include "app/progress.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    char name[32], unit[16];
    _Atomic uint64_t count, total;
    double start, end;          /* seconds (monotonic); end 0 = running */
} stage;

struct progress {
    char command[32];
    bool quiet, tty;
    FILE *out;                  /* final table */
    double start;
    stage stages[PROGRESS_MAX_STAGES];
    _Atomic int n;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool running, stop, drew;   /* drew: a live line is on the terminal */
};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 1234567 -> "1,234,567" (fits any uint64 in 32 bytes). */
static const char *grouped(uint64_t v, char out[32]) {
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v), o = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0) out[o++] = ',';
        out[o++] = tmp[i];
    }
    out[o] = 0;
    return out;
}

static const char *rate_text(double r, char out[32]) {
    if (r >= 1e6) snprintf(out, 32, "%.2fM", r / 1e6);
    else if (r >= 1e4) snprintf(out, 32, "%.1fk", r / 1e3);
    else snprintf(out, 32, "%.0f", r);
    return out;
}

/* One stage's status, e.g. "analyze 412,300/854,200 msgs 81.2k/s ETA 6s". */
static int stage_text(const stage *s, double t, char *buf, size_t cap) {
    uint64_t c = atomic_load(&s->count), tot = atomic_load(&s->total);
    double el = (s->end > 0 ? s->end : t) - s->start;
    double r = el > 0 ? c / el : 0;
    char a[32], b[32], rt[32];
    int k = snprintf(buf, cap, "%s %s", s->name, grouped(c, a));
    if (tot) k += snprintf(buf + k, cap > (size_t)k ? cap - k : 0, "/%s", grouped(tot, b));
    k += snprintf(buf + k, cap > (size_t)k ? cap - k : 0, " %s %s/s", s->unit, rate_text(r, rt));
    if (s->end > 0) k += snprintf(buf + k, cap > (size_t)k ? cap - k : 0, " done");
    else if (tot && r > 0 && c < tot) {
        double eta = (tot - c) / r;
        if (eta >= 3600) k += snprintf(buf + k, cap > (size_t)k ? cap - k : 0, " ETA %dh%02dm", (int)(eta / 3600), (int)eta % 3600 / 60);
        else if (eta >= 60) k += snprintf(buf + k, cap > (size_t)k ? cap - k : 0, " ETA %dm%02ds", (int)(eta / 60), (int)eta % 60);
        else k += snprintf(buf + k, cap > (size_t)k ? cap - k : 0, " ETA %ds", (int)eta + 1);
    }
    return k;
}

/* Prints the status of the running stages (a terminal: redraws one line). */
static void report(progress *p, double t) {
    char line[1024];
    size_t k = 0;
    int n = atomic_load(&p->n), shown = 0;
    pthread_mutex_lock(&p->mu);
    for (int i = 0; i < n && k < sizeof line - 200; i++) {
        const stage *s = &p->stages[i];
        if (s->end > 0) continue;
        if (shown++) k += snprintf(line + k, sizeof line - k, " | ");
        k += stage_text(s, t, line + k, sizeof line - k);
    }
    pthread_mutex_unlock(&p->mu);
    if (!shown) return;
    if (p->tty) { fprintf(stderr, "\r\033[K%s: %s", p->command, line); p->drew = true; }
    else fprintf(stderr, "%s: %s\n", p->command, line);
    fflush(stderr);
}

static void *reporter(void *arg) {
    progress *p = arg;
    /* A terminal is redrawn 4 times a second; a log gets a line per 10 s. */
    double period = p->tty ? 0.25 : 10.0;
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        long ns = ts.tv_nsec + (long)((period - (long)period) * 1e9);
        ts.tv_sec += (time_t)period + ns / 1000000000L;
        ts.tv_nsec = ns % 1000000000L;
        pthread_cond_timedwait(&p->cv, &p->mu, &ts);
        if (p->stop) break;
        pthread_mutex_unlock(&p->mu);
        report(p, now_s());
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

progress *progress_new(const char *command, bool quiet) {
    progress *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    snprintf(p->command, sizeof p->command, "%s", command ? command : "minyi");
    p->quiet = quiet;
    p->tty = isatty(STDERR_FILENO);
    p->out = stderr;
    p->start = now_s();
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (!quiet && pthread_create(&p->thread, NULL, reporter, p) == 0) p->running = true;
    return p;
}

int progress_stage(progress *p, const char *name, const char *unit, uint64_t total) {
    if (!p) return -1;
    pthread_mutex_lock(&p->mu);
    int i = atomic_load(&p->n);
    if (i >= PROGRESS_MAX_STAGES) { pthread_mutex_unlock(&p->mu); return -1; }
    stage *s = &p->stages[i];
    snprintf(s->name, sizeof s->name, "%s", name ? name : "?");
    snprintf(s->unit, sizeof s->unit, "%s", unit ? unit : "items");
    atomic_store(&s->count, 0);
    atomic_store(&s->total, total);
    s->start = now_s();
    s->end = 0;
    atomic_store(&p->n, i + 1);
    pthread_mutex_unlock(&p->mu);
    return i;
}

void progress_add(progress *p, int stage, uint64_t n) {
    if (!p || stage < 0 || stage >= atomic_load(&p->n)) return;
    atomic_fetch_add_explicit(&p->stages[stage].count, n, memory_order_relaxed);
}

void progress_total(progress *p, int stage, uint64_t total) {
    if (!p || stage < 0 || stage >= atomic_load(&p->n)) return;
    atomic_store(&p->stages[stage].total, total);
}

void progress_done(progress *p, int stage) {
    if (!p || stage < 0 || stage >= atomic_load(&p->n)) return;
    pthread_mutex_lock(&p->mu);
    if (p->stages[stage].end == 0) p->stages[stage].end = now_s();
    pthread_mutex_unlock(&p->mu);
}

uint64_t progress_count(const progress *p, int stage) {
    if (!p || stage < 0 || stage >= atomic_load(&((progress *)p)->n)) return 0;
    return atomic_load(&((progress *)p)->stages[stage].count);
}

void progress_set_output(progress *p, FILE *f) { if (p) p->out = f; }

static void stop_reporter(progress *p) {
    if (!p->running) return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    p->running = false;
    if (p->drew) { fputs("\r\033[K", stderr); fflush(stderr); p->drew = false; }
}

static double cpu_seconds(const struct rusage *ru) {
    return (double)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) + (double)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1e6;
}

void progress_finish(progress *p) {
    if (!p) return;
    stop_reporter(p);
    double t = now_s();
    int n = atomic_load(&p->n);
    for (int i = 0; i < n; i++) if (p->stages[i].end == 0) p->stages[i].end = t;
    if (p->quiet || n == 0) return;
    FILE *f = p->out;
    fprintf(f, "%s: %-16s %14s %-10s %9s %12s\n", p->command, "stage", "count", "unit", "seconds", "per second");
    for (int i = 0; i < n; i++) {
        const stage *s = &p->stages[i];
        double el = s->end - s->start;
        uint64_t c = atomic_load(&s->count);
        char a[32];
        fprintf(f, "%s: %-16s %14s %-10s %9.2f %12.0f\n", p->command, s->name, grouped(c, a), s->unit,
                el, el > 0 ? c / el : 0.0);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    struct rusage th;
    getrusage(RUSAGE_THREAD, &th);
    fprintf(f, "%s: wall %.2f s, CPU %.1f s (%.1f s on the main thread), peak RSS %.0f MiB\n", p->command, t - p->start,
            cpu_seconds(&ru), cpu_seconds(&th), ru.ru_maxrss / 1024.0);
    fflush(f);
}

void progress_free(progress *p) {
    if (!p) return;
    stop_reporter(p);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
}
