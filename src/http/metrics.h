/* metrics.h: the server's counters for GET /metrics, in the Prometheus
 * text format: requests by route pattern, method and status with latency
 * histograms, plus named counters. Fixed memory; thread-safe. */
#ifndef MINYI_METRICS_H
#define MINYI_METRICS_H
#include <stdint.h>
#include "core/str.h"

enum metric_counter {
    METRIC_CONN_REFUSED,      /* connections refused by the per-IP limit */
    METRIC_SUBMIT_LIMITED,    /* message submissions answered 429 */
    METRIC_DB_ERRORS,         /* store calls that failed */
    METRIC_ANALYZED,          /* messages the analyzer finished */
    METRIC__N
};

/* route: a static string (the route pattern; NULL counts as "other"). */
void metrics_request(const char *route, const char *method, int status, double seconds);
void metrics_add(enum metric_counter c, uint64_t n);
static inline void metrics_count(enum metric_counter c) { metrics_add(c, 1); }
uint64_t metrics_get(enum metric_counter c);

/* Appends every request series and counter to out. Returns 0, or -1 on out-of-memory. */
int metrics_render(buf *out);

/* Forgets everything (tests). */
void metrics_reset(void);

#endif
