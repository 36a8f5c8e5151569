/* metrics.c: see metrics.h. A request is one short critical section on a
 * small table (routes x methods x statuses stay in the low hundreds); the
 * render copies the table under the lock and formats outside it. */
#include "http/metrics.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SERIES 512
static const double bounds[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define NB (sizeof bounds / sizeof *bounds)
static const char *const methods[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "other" };
#define NM (sizeof methods / sizeof *methods)

typedef struct {
    const char *route;        /* NULL = free slot */
    unsigned method, status;
    uint64_t count, bucket[NB];
    double sum;
} series;

static struct {
    pthread_mutex_t mu;
    series s[SERIES];
    uint64_t overflow;        /* requests whose series did not fit */
    uint64_t counter[METRIC__N];
} M = { .mu = PTHREAD_MUTEX_INITIALIZER };

static const char *const counter_name[METRIC__N] = {
    [METRIC_CONN_REFUSED] = "minyi_http_connections_refused_total",
    [METRIC_SUBMIT_LIMITED] = "minyi_messages_rate_limited_total",
    [METRIC_DB_ERRORS] = "minyi_db_errors_total",
    [METRIC_ANALYZED] = "minyi_messages_analyzed_total",
};
static const char *const counter_help[METRIC__N] = {
    [METRIC_CONN_REFUSED] = "Connections refused because their address had too many open.",
    [METRIC_SUBMIT_LIMITED] = "Message submissions refused with 429 by the per-client rate limit.",
    [METRIC_DB_ERRORS] = "Database operations that failed (requests answered 500, analyzer retries).",
    [METRIC_ANALYZED] = "Messages the background analyzer has finished.",
};

static unsigned method_index(const char *m) {
    for (unsigned i = 0; i + 1 < NM; i++) if (m && !strcmp(m, methods[i])) return i;
    return NM - 1;
}

void metrics_request(const char *route, const char *method, int status, double seconds) {
    if (!route) route = "other";
    unsigned mi = method_index(method), st = status >= 100 && status <= 599 ? (unsigned)status : 0;
    size_t h = mi * 7u + st;
    for (const char *p = route; *p; p++) h = h * 33 + (unsigned char)*p;
    pthread_mutex_lock(&M.mu);
    series *s = NULL;
    for (size_t k = 0; k < SERIES; k++) {
        series *c = &M.s[(h + k) % SERIES];
        if (!c->route) { c->route = route; c->method = mi; c->status = st; s = c; break; }
        if (c->method == mi && c->status == st && (c->route == route || !strcmp(c->route, route))) { s = c; break; }
    }
    if (s) {
        s->count++;
        s->sum += seconds;
        for (size_t b = 0; b < NB; b++) if (seconds <= bounds[b]) { s->bucket[b]++; break; }
    } else M.overflow++;
    pthread_mutex_unlock(&M.mu);
}

void metrics_add(enum metric_counter c, uint64_t n) { __atomic_fetch_add(&M.counter[c], n, __ATOMIC_RELAXED); }
uint64_t metrics_get(enum metric_counter c) { return __atomic_load_n(&M.counter[c], __ATOMIC_RELAXED); }

void metrics_reset(void) {
    pthread_mutex_lock(&M.mu);
    memset(M.s, 0, sizeof M.s);
    memset(M.counter, 0, sizeof M.counter);
    M.overflow = 0;
    pthread_mutex_unlock(&M.mu);
}

static int printf_buf(buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int printf_buf(buf *out, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return -1;
    return buf_put(out, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

int metrics_render(buf *out) {
    static series copy[SERIES];   /* big: not on a pool thread's stack */
    static pthread_mutex_t render_mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&render_mu);
    pthread_mutex_lock(&M.mu);
    memcpy(copy, M.s, sizeof copy);
    uint64_t overflow = M.overflow;
    pthread_mutex_unlock(&M.mu);
    int rc = 0;
    rc |= printf_buf(out, "# HELP minyi_http_requests_total HTTP requests by route pattern, method and status.\n"
                          "# TYPE minyi_http_requests_total counter\n");
    for (size_t i = 0; i < SERIES; i++) if (copy[i].route)
        rc |= printf_buf(out, "minyi_http_requests_total{route=\"%s\",method=\"%s\",status=\"%u\"} %llu\n",
                         copy[i].route, methods[copy[i].method], copy[i].status, (unsigned long long)copy[i].count);
    rc |= printf_buf(out, "# HELP minyi_http_request_duration_seconds Time from the request's first byte to the response queued.\n"
                          "# TYPE minyi_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < SERIES; i++) {
        const series *s = &copy[i];
        if (!s->route) continue;
        uint64_t cum = 0;
        for (size_t b = 0; b < NB; b++) {
            cum += s->bucket[b];
            rc |= printf_buf(out, "minyi_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",status=\"%u\",le=\"%g\"} %llu\n",
                             s->route, methods[s->method], s->status, bounds[b], (unsigned long long)cum);
        }
        rc |= printf_buf(out, "minyi_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",status=\"%u\",le=\"+Inf\"} %llu\n"
                              "minyi_http_request_duration_seconds_sum{route=\"%s\",method=\"%s\",status=\"%u\"} %.6f\n"
                              "minyi_http_request_duration_seconds_count{route=\"%s\",method=\"%s\",status=\"%u\"} %llu\n",
                         s->route, methods[s->method], s->status, (unsigned long long)s->count,
                         s->route, methods[s->method], s->status, s->sum,
                         s->route, methods[s->method], s->status, (unsigned long long)s->count);
    }
    rc |= printf_buf(out, "# HELP minyi_http_requests_unrecorded_total Requests whose series did not fit the table.\n"
                          "# TYPE minyi_http_requests_unrecorded_total counter\nminyi_http_requests_unrecorded_total %llu\n",
                     (unsigned long long)overflow);
    for (int c = 0; c < METRIC__N; c++)
        rc |= printf_buf(out, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", counter_name[c], counter_help[c],
                         counter_name[c], counter_name[c], (unsigned long long)metrics_get((enum metric_counter)c));
    pthread_mutex_unlock(&render_mu);
    return rc ? -1 : 0;
}
