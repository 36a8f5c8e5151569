/* sqlite_intake.c: new messages into the SQLite backend (store.h msg_add,
 * msg_add_async): tracking codes, the insert with its audit event and
 * figures, and the group commit that lets every concurrent intake share one
 * transaction and one fsync. Shares its helpers with sqlite.c through
 * sqlite_int.h. */
#include "store/sqlite_int.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char Q_MSG_ADD[] = "INSERT INTO messages(consultation_id, tracking_code, title, body, type, region, phone, author_ip, state, department_id, author, created_at, due_at) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, nullif(?10, 0), ?11, ?12, ?13)";
/* The citizen's choices beyond the insert's columns (rare: one more statement only then). */
static const char Q_MSG_UNPUBLISH[] = "UPDATE messages SET publish = ?2, section = nullif(?3, 0) WHERE id = ?1";

/* The writer's queue and the syncer's (one each per store handle). */
struct sq_intake {
    store *s;
    pthread_mutex_t gc_mu;       /* guards both queues and the flags */
    pthread_cond_t gc_cv;        /* the writer waits for work */
    pthread_cond_t gc_done_cv;   /* waiting msg_add callers wait for their batch */
    struct gc_req *gc_head, *gc_tail;
    pthread_t gc_thread;
    bool gc_running, gc_stop;
    /* Batches committed but not yet on disk (see gc_syncer), oldest first. */
    pthread_cond_t sync_cv;
    struct gc_req *sync_head, *sync_tail;
    pthread_t sync_thread;
    bool sync_running, sync_stop;
    int wal_fd;                  /* the WAL, for fdatasync; -1 until first needed */
};

sq_intake *sq_intake_new(store *s) {
    sq_intake *in = calloc(1, sizeof *in);
    if (!in) return NULL;
    in->s = s;
    in->wal_fd = -1;
    pthread_mutex_init(&in->gc_mu, NULL);
    pthread_cond_init(&in->gc_cv, NULL);
    pthread_cond_init(&in->gc_done_cv, NULL);
    pthread_cond_init(&in->sync_cv, NULL);
    return in;
}

void sq_intake_free(sq_intake *in) {
    if (!in) return;
    /* The writer first (it hands its last batches to the syncer), then the syncer. */
    pthread_mutex_lock(&in->gc_mu);
    in->gc_stop = true;
    bool running = in->gc_running;
    pthread_cond_signal(&in->gc_cv);
    pthread_mutex_unlock(&in->gc_mu);
    if (running) pthread_join(in->gc_thread, NULL);
    pthread_mutex_lock(&in->gc_mu);
    in->sync_stop = true;
    running = in->sync_running;
    pthread_cond_signal(&in->sync_cv);
    pthread_mutex_unlock(&in->gc_mu);
    if (running) pthread_join(in->sync_thread, NULL);
    if (in->wal_fd >= 0) close(in->wal_fd);
    pthread_mutex_destroy(&in->gc_mu);
    pthread_cond_destroy(&in->gc_cv);
    pthread_cond_destroy(&in->gc_done_cv);
    pthread_cond_destroy(&in->sync_cv);
    free(in);
}

/* Tracking codes: 12 symbols from 31 unambiguous characters (no 0/O, 1/I/L),
 * easy to read out over the phone. The first 4 symbols count up by one every
 * CODE_RUN codes (from a random start, wrapping at 31^4); the last 8 are
 * random (~40 bits).
 *
 * Why not 12 random symbols: the UNIQUE index on tracking_code then took each
 * new code on a random page, and that page went to the log with every commit:
 * 24% of the log's pages under a durable POST load on 854k messages, and
 * random writes into a 200 MB index at 8.5M. Codes made close in time now sit
 * side by side in the index (measured in bench/RESULTS.md).
 *
 * Guessing: a prefix holds at most CODE_RUN live codes per turn of the
 * counter, each with 8 uniform symbols, so a guess aimed at prefixes in use
 * (the ones near one's own code) hits with probability <= 16 / 31^8
 * (1.9e-11) at any database size; random codes gave (live codes) / 31^12,
 * 1.1e-11 at 8.5M messages but far less on a small database. Someone who
 * knows when a message was written still faces 31^8 (8.5e11) codes for it.
 * A code also tells the rough order in which it was made, which the
 * message's own date already tells. */
static const char code_alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
enum { CODE_RUN = 16, CODE_PREFIXES = 31 * 31 * 31 * 31 };

static uint64_t code_counter;
static pthread_once_t code_counter_once = PTHREAD_ONCE_INIT;
static void code_counter_start(void) {
    __atomic_store_n(&code_counter, (uint64_t)randombytes_uniform(CODE_PREFIXES) * CODE_RUN, __ATOMIC_RELAXED);
}

void sq_tracking_code(char *out) {
    pthread_once(&code_counter_once, code_counter_start);
    uint64_t prefix = __atomic_fetch_add(&code_counter, 1, __ATOMIC_RELAXED) / CODE_RUN % CODE_PREFIXES;
    char sym[12];
    for (int i = 3; i >= 0; i--) { sym[i] = code_alphabet[prefix % 31]; prefix /= 31; }
    /* One call for the randomness (a syscall each time, so not one per
     * symbol); bytes >= 248 = 8 * 31 are rejected to keep symbols uniform. */
    unsigned char rnd[32];
    size_t used = sizeof rnd;
    for (int i = 4; i < 12; i++) {
        unsigned b;
        do {
            if (used == sizeof rnd) { randombytes_buf(rnd, sizeof rnd); used = 0; }
            b = rnd[used++];
        } while (b >= 248);
        sym[i] = code_alphabet[b % 31];
    }
    int k = 0;
    for (int i = 0; i < 12; i++) {
        if (i && i % 4 == 0) out[k++] = '-';
        out[k++] = sym[i];
    }
    out[k] = 0;
}

typedef struct { const store_new_msg *m; int64_t *id; char *code; } msg_add_arg;

/* Insert + "created" audit event; the figures are the caller's (msg_add_txn
 * per message, gc_write per batch). now: the arrival time of a message that
 * brings none ("YYYY-MM-DDTHH:MM:SSZ"). */
static int msg_insert(store *s, msg_add_arg *x, const char *now) {
    const store_new_msg *m = x->m;
    sqlite3 *db;
    char created[32], due[32];
    snprintf(created, sizeof created, "%.*s", m->created_at.p ? (int)m->created_at.n : (int)strlen(now), m->created_at.p ? m->created_at.p : now);
    if (sq_due_at(s, m->type, created, due)) due[0] = 0;
    int rc = STORE_CONFLICT;
    for (int attempt = 0; attempt < 5 && rc == STORE_CONFLICT; attempt++) {
        sqlite3_stmt *st = sq_stmt(s, Q_MSG_ADD, &db);
        if (!st) return STORE_ERROR;
        sq_tracking_code(x->code);
        sqlite3_bind_int64(st, 1, m->consultation_id);
        sqlite3_bind_text(st, 2, x->code, -1, SQLITE_TRANSIENT);
        sq_bind_str(st, 3, m->title);
        sq_bind_str(st, 4, m->body);
        sq_bind_str(st, 5, m->type);
        sq_bind_str(st, 6, m->region);
        sq_bind_str(st, 7, m->phone);
        sq_bind_str(st, 8, m->author_ip);
        sqlite3_bind_text(st, 9, m->department_id ? "assigned" : "new", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 10, m->department_id);
        sq_bind_str(st, 11, m->author);
        sqlite3_bind_text(st, 12, created, -1, SQLITE_TRANSIENT);
        if (due[0]) sqlite3_bind_text(st, 13, due, -1, SQLITE_TRANSIENT);
        rc = sq_insert_id(s, st, db, "add message", x->id);   /* a tracking-code collision retries with a new code */
    }
    if (rc) return rc;
    if (m->unpublished || m->section) {
        sqlite3_stmt *up = sq_stmt(s, Q_MSG_UNPUBLISH, &db);
        if (!up) return STORE_ERROR;
        sqlite3_bind_int64(up, 1, *x->id);
        sqlite3_bind_int(up, 2, !m->unpublished);
        sqlite3_bind_int64(up, 3, m->section);
        if ((rc = sq_exec(s, up, db, "add message"))) return rc;
    }
    json_t *d = json_object();
    if (m->department_id) {
        json_object_set_new(d, "department_id", json_integer(m->department_id));
        json_object_set_new(d, "route_by", json_string("keywords"));
    }
    rc = sq_event_add(s, 0, "created", *x->id, d);
    json_decref(d);
    return rc;
}

static void utc_now(char out[32]) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* One message inside a caller's transaction (imports' batches). */
static int msg_add_txn(store *s, msg_add_arg *x) {
    char now[32];
    utc_now(now);
    int rc = msg_insert(s, x, now);
    return rc ? rc : sq_agg_msg(s, *x->id, +1);
}

/* Group commit on a writer thread. With synchronous=FULL every commit waits
 * for an fsync, so one message per transaction caps intake at a few hundred a
 * second. Instead every new message goes into a queue; one writer thread
 * takes everything queued, writes it in one transaction (one fsync) and then
 * tells each caller its own result, while the next batch gathers behind it.
 * Durability per message is unchanged: no caller hears STORE_OK before the
 * commit holding its message returned; a failed commit fails every message
 * of the batch; a message that fails alone fails alone (see gc_write).
 * Callers either wait (msg_add) or are called back (msg_add_async, so an
 * HTTP request waits without holding a thread). */
typedef struct gc_req {
    msg_add_arg arg;
    store_added_fn done;      /* NULL: a waiting msg_add caller (see wait) */
    void *ud;
    int rc;
    int64_t id;
    char code[20];
    bool finished;            /* for waiting callers, under gc_mu */
    char err[512];
    struct gc_req *next;
} gc_req;

#define GC_MAX 1024   /* messages per transaction at most */

/* A new message adds exactly one "received" to (its department, its day):
 * nothing else of it counts yet. So a batch adds its counts per pair, a few
 * upserts instead of one per message. */
typedef struct { int64_t dept; char day[11]; int64_t n; } day_count;

static int bump_received(store *s, gc_req *head, const char *now) {
    day_count dc[64];
    size_t k = 0;
    for (gc_req *r = head; r; r = r->next) {
        const store_new_msg *m = r->arg.m;
        char day[11];
        snprintf(day, sizeof day, "%.10s", m->created_at.p && m->created_at.n >= 10 ? m->created_at.p : now);
        size_t i = 0;
        while (i < k && !(dc[i].dept == m->department_id && !strcmp(dc[i].day, day))) i++;
        if (i == k) {
            if (k == sizeof dc / sizeof *dc) {               /* many pairs (an import's spread): flush */
                for (size_t j = 0; j < k; j++) {
                    int rc = sq_agg_bump(s, dc[j].dept, dc[j].day, &(sq_agg_delta){ .received = dc[j].n });
                    if (rc) return rc;
                }
                k = i = 0;
            }
            dc[k].dept = m->department_id;
            memcpy(dc[k].day, day, sizeof day);
            dc[k++].n = 0;
        }
        dc[i].n++;
    }
    for (size_t j = 0; j < k; j++) {
        int rc = sq_agg_bump(s, dc[j].dept, dc[j].day, &(sq_agg_delta){ .received = dc[j].n });
        if (rc) return rc;
    }
    return STORE_OK;
}

static void fail_all(store *s, gc_req *head, int rc) {
    char keep[512];
    snprintf(keep, sizeof keep, "%s", store_errmsg(s));
    for (gc_req *r = head; r; r = r->next) { r->rc = rc; snprintf(r->err, sizeof r->err, "%s", keep); }
}

/* One batch: BEGIN, every message, the figures, COMMIT. When one message
 * fails (rare: a bad reference), the batch is rolled back and each message
 * retried in a transaction of its own, so only the bad one fails. */
static void gc_write(store *s, gc_req *head) {
    char now[32];
    utc_now(now);
    sq_write_lock(s);
    int rc = sq_txn(s, SQ_BEGIN);
    if (rc) { fail_all(s, head, rc); sq_write_unlock(s); return; }
    gc_req *bad = NULL;
    for (gc_req *r = head; r && !bad; r = r->next) {
        r->err[0] = 0;
        if ((r->rc = msg_insert(s, &r->arg, now))) bad = r;
    }
    if (!bad && (rc = bump_received(s, head, now)) == STORE_OK && (rc = sq_txn(s, SQ_COMMIT)) == STORE_OK) {
        sq_write_unlock(s);
        return;
    }
    if (!bad) {                                   /* the figures or the commit failed: nothing is stored */
        fail_all(s, head, STORE_ERROR);
        sq_txn(s, SQ_ROLLBACK);
        sq_write_unlock(s);
        return;
    }
    sq_txn(s, SQ_ROLLBACK);
    for (gc_req *r = head; r; r = r->next) {
        r->err[0] = 0;
        if ((r->rc = sq_txn(s, SQ_BEGIN)) == STORE_OK) {
            r->rc = msg_insert(s, &r->arg, now);
            if (!r->rc) r->rc = sq_agg_msg(s, r->id, +1);
            if (!r->rc) r->rc = sq_txn(s, SQ_COMMIT);
            if (r->rc) { snprintf(r->err, sizeof r->err, "%s", store_errmsg(s)); sq_txn(s, SQ_ROLLBACK); }
        } else snprintf(r->err, sizeof r->err, "%s", store_errmsg(s));
    }
    sq_write_unlock(s);
}

/* Tells every caller of the list its result; called without gc_mu. */
static void answer(sq_intake *ss, gc_req *head) {
    bool waiters = false;
    for (gc_req *r = head, *next; r; r = next) {
        next = r->next;                            /* r may vanish once answered */
        if (r->done) {
            r->done(r->ud, r->rc, r->id, r->code, r->rc ? r->err : NULL);
            free(r);
        } else waiters = true;
    }
    if (!waiters) return;
    pthread_mutex_lock(&ss->gc_mu);
    for (gc_req *r = head, *next; r; r = next) {
        next = r->next;
        if (!r->done) r->finished = true;   /* after this the waiter may return and r vanish */
    }
    pthread_cond_broadcast(&ss->gc_done_cv);
    pthread_mutex_unlock(&ss->gc_mu);
}

/* The fsync, off the writer's path. With sync=full a commit holds the
 * write lock through its fsync, so batches went one after the other:
 * insert, fsync, insert, fsync. Instead the writer's connection commits
 * without waiting (synchronous=NORMAL: the WAL frames are written, not
 * flushed) and hands the batch here; this thread flushes the WAL once for
 * every batch committed since its last flush and only then answers them.
 * The writer meanwhile writes the next batch. The promise is unchanged: a
 * message is acknowledged only after an fdatasync of the WAL that began
 * after its commit frame was written (WAL frames are appended in commit
 * order, and a checkpoint syncs the WAL before copying it). PostgreSQL
 * does the same with its WAL writer and commit_delay. */
static int wal_sync(sq_intake *ss) {
    if (ss->wal_fd < 0) {
        char p[4096];
        snprintf(p, sizeof p, "%s-wal", sq_path(ss->s));
        ss->wal_fd = open(p, O_RDONLY | O_CLOEXEC);
        if (ss->wal_fd < 0) return errno;
    }
    return fdatasync(ss->wal_fd) ? errno : 0;
}

static void *gc_syncer(void *arg) {
    sq_intake *ss = arg;
    pthread_mutex_lock(&ss->gc_mu);
    for (;;) {
        while (!ss->sync_head && !ss->sync_stop) pthread_cond_wait(&ss->sync_cv, &ss->gc_mu);
        if (!ss->sync_head) break;                     /* stopping, queue drained */
        gc_req *head = ss->sync_head;
        ss->sync_head = ss->sync_tail = NULL;
        pthread_mutex_unlock(&ss->gc_mu);
        int e = wal_sync(ss);
        if (e) {
            /* Committed but maybe not on disk: not acknowledged. */
            for (gc_req *r = head; r; r = r->next)
                if (!r->rc) { r->rc = STORE_ERROR; snprintf(r->err, sizeof r->err, "add message: flush the log: %s", strerror(e)); }
        }
        answer(ss, head);
        pthread_mutex_lock(&ss->gc_mu);
    }
    pthread_mutex_unlock(&ss->gc_mu);
    return NULL;
}

/* With sync=full: the writer's connection commits without the fsync and a
 * syncer thread does it (above). False when that cannot be set up: the
 * writer then commits with its fsync as before. */
static bool deferred_sync_start(sq_intake *ss) {
    if (!sq_sync_full(ss->s)) return false;
    sqlite3 *db;
    if (!sq_stmt(ss->s, SQ_COMMIT, &db) || sqlite3_exec(db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK) return false;
    pthread_mutex_lock(&ss->gc_mu);
    ss->sync_running = pthread_create(&ss->sync_thread, NULL, gc_syncer, ss) == 0;
    pthread_mutex_unlock(&ss->gc_mu);
    if (!ss->sync_running) sqlite3_exec(db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
    return ss->sync_running;
}

static void *gc_writer(void *arg) {
    sq_intake *ss = arg;
    bool deferred = deferred_sync_start(ss);
    pthread_mutex_lock(&ss->gc_mu);
    for (;;) {
        while (!ss->gc_head && !ss->gc_stop) pthread_cond_wait(&ss->gc_cv, &ss->gc_mu);
        if (!ss->gc_head) break;                       /* stopping, queue drained */
        gc_req *head = ss->gc_head, *last = head;
        for (int n = 1; last->next && n < GC_MAX; n++) last = last->next;
        ss->gc_head = last->next;
        if (!ss->gc_head) ss->gc_tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&ss->gc_mu);

        gc_write(ss->s, head);

        if (deferred) {                                /* the syncer answers once the batch is on disk */
            pthread_mutex_lock(&ss->gc_mu);
            if (ss->sync_tail) ss->sync_tail->next = head; else ss->sync_head = head;
            ss->sync_tail = last;
            pthread_cond_signal(&ss->sync_cv);
        } else {
            answer(ss, head);
            pthread_mutex_lock(&ss->gc_mu);
        }
    }
    pthread_mutex_unlock(&ss->gc_mu);
    return NULL;
}

/* Queues r, starting the writer thread on first use. Returns 0, or -1 when the thread cannot start. */
static int gc_enqueue(sq_intake *ss, gc_req *r) {
    pthread_mutex_lock(&ss->gc_mu);
    if (!ss->gc_running) {
        if (pthread_create(&ss->gc_thread, NULL, gc_writer, ss)) {
            pthread_mutex_unlock(&ss->gc_mu);
            sq_set_err(NULL, "add message: cannot start the writer thread");
            return -1;
        }
        ss->gc_running = true;
    }
    if (ss->gc_tail) ss->gc_tail->next = r; else ss->gc_head = r;
    ss->gc_tail = r;
    pthread_cond_signal(&ss->gc_cv);
    pthread_mutex_unlock(&ss->gc_mu);
    return 0;
}

int sq_msg_add(store *s, const store_new_msg *m, int64_t *id, char *code) {
    sq_intake *ss = sq_intake_of(s);
    bool inside;
    if (sq_in_batch(s, &inside)) return STORE_ERROR;
    if (inside) {                                  /* inside a caller's batch */
        msg_add_arg x = { m, id, code };
        return msg_add_txn(s, &x);
    }
    gc_req me = { 0 };
    me.arg = (msg_add_arg){ m, &me.id, me.code };
    if (gc_enqueue(ss, &me)) return STORE_ERROR;
    pthread_mutex_lock(&ss->gc_mu);
    while (!me.finished) pthread_cond_wait(&ss->gc_done_cv, &ss->gc_mu);
    pthread_mutex_unlock(&ss->gc_mu);
    if (me.rc) { sq_set_err(NULL, me.err); return me.rc; }
    *id = me.id;
    memcpy(code, me.code, sizeof me.code);
    return STORE_OK;
}

int sq_msg_add_async(store *s, const store_new_msg *m, store_added_fn done, void *ud) {
    sq_intake *ss = sq_intake_of(s);
    gc_req *r = calloc(1, sizeof *r);
    if (!r) { sq_set_err(NULL, "add message: out of memory"); return STORE_ERROR; }
    r->arg = (msg_add_arg){ m, &r->id, r->code };
    r->done = done;
    r->ud = ud;
    if (gc_enqueue(ss, r)) { free(r); return STORE_ERROR; }
    return STORE_OK;
}

