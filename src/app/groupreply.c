/* groupreply.c: the background steps of whole-group replies (groupreply.h). */
#include "app/groupreply.h"
#include "core/log.h"
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct groupreply {
    store *st;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, kicked;
};

/* Waits until kicked, stopped or ms have passed. Returns false once stopping. */
static bool pause_for(groupreply *g, long ms) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) { t.tv_sec++; t.tv_nsec -= 1000000000L; }
    pthread_mutex_lock(&g->mu);
    while (!g->stop && !g->kicked && pthread_cond_timedwait(&g->cv, &g->mu, &t) == 0) {}
    g->kicked = false;
    bool go = !g->stop;
    pthread_mutex_unlock(&g->mu);
    return go;
}

static bool stopping(groupreply *g) {
    pthread_mutex_lock(&g->mu);
    bool s = g->stop;
    pthread_mutex_unlock(&g->mu);
    return s;
}

static void *thread_main(void *arg) {
    groupreply *g = arg;
    const store_ops *ops = g->st->ops;
    for (;;) {
        int64_t job = 0;
        if (ops->group_reply_unfinished(g->st, &job)) {
            log_error("group reply: %s (will retry)", store_errmsg(g->st));
            if (!pause_for(g, 1000)) break;
            continue;
        }
        /* No job: wait for one (or for another node's, which only a look finds). */
        if (!job) { if (!pause_for(g, 5000)) break; continue; }
        int64_t replied;
        bool finished = false;
        while (!finished && !stopping(g)) {
            if (ops->group_reply_step(g->st, job, GROUP_REPLY_STEP, &replied, &finished)) {
                log_error("group reply %lld: %s (will retry)", (long long)job, store_errmsg(g->st));
                break;
            }
            /* A moment between steps: a writer waiting for the turn (the
             * intake's next batch) takes it before this thread asks again. */
            struct timespec t = { 0, 2000000L };
            nanosleep(&t, NULL);
        }
        if (!finished && !pause_for(g, 1000)) break;
        if (stopping(g)) break;
    }
    return NULL;
}

int groupreply_start(store *st, groupreply **out) {
    groupreply *g = calloc(1, sizeof *g);
    if (!g) return -1;
    g->st = st;
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    if (pthread_create(&g->thread, NULL, thread_main, g)) {
        pthread_mutex_destroy(&g->mu); pthread_cond_destroy(&g->cv); free(g);
        return -1;
    }
    *out = g;
    return 0;
}

void groupreply_kick(groupreply *g) {
    if (!g) return;
    pthread_mutex_lock(&g->mu);
    g->kicked = true;
    pthread_cond_signal(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

void groupreply_stop(groupreply *g) {
    if (!g) return;
    pthread_mutex_lock(&g->mu);
    g->stop = true;
    pthread_cond_signal(&g->cv);
    pthread_mutex_unlock(&g->mu);
    pthread_join(g->thread, NULL);
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
    free(g);
}
