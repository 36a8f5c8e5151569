/* sqlite_ckpt.c: WAL checkpoints on a thread of their own, for the server.
 * SQLite's automatic checkpoint runs inside the COMMIT that crosses the
 * threshold, on the committing thread: the intake writer (or the analyzer,
 * holding the writers' turn) then copies a thousand pages and waits for two
 * fsyncs before the next batch of messages can start, and every citizen
 * whose POST is queued behind it waits too. Here a commit only notes the
 * log's length (a WAL hook, which replaces the automatic checkpoint), and
 * this thread checkpoints in PASSIVE mode, which takes no writer's lock.
 * A log is only started again from its beginning by a writer that finds
 * it wholly copied, which under a steady stream of commits never happens:
 * so the thread then copies the few frames committed meanwhile once more
 * while holding this process's writers' turn, and the next commit starts
 * the log over. The writers wait for that short copy only. */
#include "store/sqlite_int.h"
#include <pthread.h>
#include <stdlib.h>

#define CKPT_FRAMES 1000          /* SQLite's own threshold: ~4 MB of log */
#define CKPT_HARD (10 * CKPT_FRAMES)   /* the thread starved (a loaded machine): the writer does it */

struct sq_ckpt {
    store *s;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool due, stop;
    pthread_t thread;
    long runs;                    /* checkpoints this thread ran */
};

static int wal_hook(void *ud, sqlite3 *db, const char *name, int frames) {
    sq_ckpt *k = ud;
    if (frames < CKPT_FRAMES) return SQLITE_OK;
    if (frames >= CKPT_HARD) {    /* as SQLite's own hook would, on this thread */
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        return SQLITE_OK;
    }
    pthread_mutex_lock(&k->mu);
    if (!k->due) { k->due = true; pthread_cond_signal(&k->cv); }
    pthread_mutex_unlock(&k->mu);
    return SQLITE_OK;
}

void sq_ckpt_attach(sq_ckpt *k, sqlite3 *db) { if (k) sqlite3_wal_hook(db, wal_hook, k); }

static const char Q_NOOP[] = "SELECT 1";

static void *ckpt_main(void *arg) {
    sq_ckpt *k = arg;
    sqlite3 *db = NULL;
    pthread_mutex_lock(&k->mu);
    for (;;) {
        while (!k->due && !k->stop) pthread_cond_wait(&k->cv, &k->mu);
        if (k->stop) break;
        k->due = false;
        pthread_mutex_unlock(&k->mu);
        if (!db && !sq_stmt(k->s, Q_NOOP, &db)) db = NULL;   /* this thread's connection */
        /* PASSIVE copies what no reader still needs and never waits. */
        if (db && sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) == SQLITE_OK) {
            sq_write_lock(k->s);
            sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
            sq_write_unlock(k->s);
        }
        pthread_mutex_lock(&k->mu);
        k->runs++;
    }
    pthread_mutex_unlock(&k->mu);
    return NULL;
}

sq_ckpt *sq_ckpt_start(store *s) {
    sq_ckpt *k = calloc(1, sizeof *k);
    if (!k) return NULL;
    k->s = s;
    pthread_mutex_init(&k->mu, NULL);
    pthread_cond_init(&k->cv, NULL);
    if (pthread_create(&k->thread, NULL, ckpt_main, k)) {
        pthread_mutex_destroy(&k->mu);
        pthread_cond_destroy(&k->cv);
        free(k);
        return NULL;
    }
    return k;
}

long sq_ckpt_runs(sq_ckpt *k) {
    if (!k) return -1;
    pthread_mutex_lock(&k->mu);
    long n = k->runs;
    pthread_mutex_unlock(&k->mu);
    return n;
}

void sq_ckpt_stop(sq_ckpt *k) {
    if (!k) return;
    pthread_mutex_lock(&k->mu);
    k->stop = true;
    pthread_cond_signal(&k->cv);
    pthread_mutex_unlock(&k->mu);
    pthread_join(k->thread, NULL);
    pthread_mutex_destroy(&k->mu);
    pthread_cond_destroy(&k->cv);
    free(k);
}
