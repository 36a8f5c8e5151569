/* background.c: the steps of long writes, on a thread of their own (background.h). */
#include "app/background.h"
#include "core/log.h"
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct background {
    store *st;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, kicked;
};

/* Waits until kicked, stopped or ms have passed. Returns false once stopping. */
static bool pause_for(background *b, long ms) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) { t.tv_sec++; t.tv_nsec -= 1000000000L; }
    pthread_mutex_lock(&b->mu);
    while (!b->stop && !b->kicked && pthread_cond_timedwait(&b->cv, &b->mu, &t) == 0) {}
    b->kicked = false;
    bool go = !b->stop;
    pthread_mutex_unlock(&b->mu);
    return go;
}

static bool stopping(background *b) {
    pthread_mutex_lock(&b->mu);
    bool s = b->stop;
    pthread_mutex_unlock(&b->mu);
    return s;
}

/* One step of whatever is waiting, group moves first (a group's pages are
 * split between two ids until its move ends). *idle: nothing was waiting.
 * Returns 0, or -1 on a store error. */
static int step(background *b, bool *idle) {
    const store_ops *ops = b->st->ops;
    int64_t n, job;
    bool more, finished;
    *idle = false;
    if (ops->group_move_step(b->st, GROUP_MOVE_STEP, &n, &more)) { log_error("group move: %s (will retry)", store_errmsg(b->st)); return -1; }
    if (n || more) return 0;
    if (ops->group_reply_unfinished(b->st, &job)) { log_error("group reply: %s (will retry)", store_errmsg(b->st)); return -1; }
    if (!job) { *idle = true; return 0; }
    if (ops->group_reply_step(b->st, job, GROUP_REPLY_STEP, &n, &finished)) {
        log_error("group reply %lld: %s (will retry)", (long long)job, store_errmsg(b->st));
        return -1;
    }
    return 0;
}

static void *thread_main(void *arg) {
    background *b = arg;
    while (!stopping(b)) {
        bool idle;
        if (step(b, &idle)) { if (!pause_for(b, 1000)) break; continue; }
        /* Nothing waiting: sleep until kicked, or look again in a while
         * (another node may have left work: only a look finds it). */
        if (idle && !pause_for(b, 5000)) break;
    }
    return NULL;
}

int background_start(store *st, background **out) {
    background *b = calloc(1, sizeof *b);
    if (!b) return -1;
    b->st = st;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    if (pthread_create(&b->thread, NULL, thread_main, b)) {
        pthread_mutex_destroy(&b->mu); pthread_cond_destroy(&b->cv); free(b);
        return -1;
    }
    *out = b;
    return 0;
}

void background_kick(background *b) {
    if (!b) return;
    pthread_mutex_lock(&b->mu);
    b->kicked = true;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

void background_stop(background *b) {
    if (!b) return;
    pthread_mutex_lock(&b->mu);
    b->stop = true;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
    pthread_join(b->thread, NULL);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
    free(b);
}

int background_finish_moves(store *st, int64_t *moved) {
    *moved = 0;
    for (bool more = true; more; ) {
        int64_t n;
        if (st->ops->group_move_step(st, GROUP_MOVE_STEP, &n, &more)) return -1;
        *moved += n;
    }
    return 0;
}
