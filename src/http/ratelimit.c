/* ratelimit.c: see ratelimit.h. Open addressing over a small probe window;
 * a full window evicts its oldest entry, so memory never grows and an
 * attacker cycling keys only forgets their own oldest counts. */
#include "http/ratelimit.h"
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#define PROBE 8

typedef struct { uint64_t key; uint32_t count; int64_t start; } slot;

struct ratelimit {
    pthread_mutex_t mu;
    slot *s;
    unsigned mask, window, limit;
};

static uint64_t hash(str k) {
    uint64_t h = 1469598103934665603ULL;            /* FNV-1a */
    for (size_t i = 0; i < k.n; i++) { h ^= (unsigned char)k.p[i]; h *= 1099511628211ULL; }
    return h ? h : 1;
}

static int64_t now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec;
}

ratelimit *ratelimit_new(unsigned slots, unsigned window, unsigned limit) {
    ratelimit *r = calloc(1, sizeof *r);
    unsigned n = 16;
    while (n < slots) n *= 2;
    if (!r || !(r->s = calloc(n, sizeof *r->s))) { free(r); return NULL; }
    r->mask = n - 1;
    r->window = window;
    r->limit = limit;
    pthread_mutex_init(&r->mu, NULL);
    return r;
}

void ratelimit_free(ratelimit *r) {
    if (!r) return;
    pthread_mutex_destroy(&r->mu);
    free(r->s);
    free(r);
}

/* The key's slot (a fresh one when absent and create); caller holds mu. */
static slot *find(ratelimit *r, uint64_t h, int64_t t, bool create) {
    slot *oldest = NULL;
    for (unsigned i = 0; i < PROBE; i++) {
        slot *s = &r->s[(h + i) & r->mask];
        if (s->key == h) {
            if (t - s->start >= r->window) { s->count = 0; s->start = t; }   /* a new window */
            return s;
        }
        if (!oldest || s->start < oldest->start || !s->key) oldest = s;
    }
    if (!create) return NULL;
    *oldest = (slot){ .key = h, .start = t };
    return oldest;
}

bool ratelimit_exceeded(ratelimit *r, str key, unsigned *retry_after) {
    int64_t t = now();
    pthread_mutex_lock(&r->mu);
    slot *s = find(r, hash(key), t, false);
    bool over = s && s->count >= r->limit;
    if (over && retry_after) *retry_after = (unsigned)(r->window - (t - s->start));
    pthread_mutex_unlock(&r->mu);
    return over;
}

void ratelimit_hit(ratelimit *r, str key) {
    pthread_mutex_lock(&r->mu);
    slot *s = find(r, hash(key), now(), true);
    s->count++;
    pthread_mutex_unlock(&r->mu);
}

bool ratelimit_take(ratelimit *r, str key, unsigned *retry_after) {
    int64_t t = now();
    pthread_mutex_lock(&r->mu);
    slot *s = find(r, hash(key), t, true);
    bool ok = s->count < r->limit;
    if (ok) s->count++;
    else if (retry_after) *retry_after = (unsigned)(r->window - (t - s->start));
    pthread_mutex_unlock(&r->mu);
    return ok;
}

void ratelimit_reset(ratelimit *r, str key) {
    pthread_mutex_lock(&r->mu);
    slot *s = find(r, hash(key), now(), false);
    if (s) *s = (slot){0};
    pthread_mutex_unlock(&r->mu);
}
