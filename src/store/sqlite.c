/* sqlite.c: the embedded SQLite backend of store.h.
 *
 * One database file in WAL mode; each thread gets its own connection (WAL
 * lets readers run beside the one writer), with its prepared statements
 * cached. Durability: synchronous=FULL by default, so a COMMIT returns only
 * after the WAL is fsync'd: a message answered with 201 survives a process
 * crash AND a power loss. With ?sync=normal the WAL is fsync'd only at
 * checkpoints: a process crash loses nothing, a power loss may lose the last
 * transactions (about 10x more single-row commits per second).
 * Schema changes are numbered migrations applied at open (sqlite_schema.c). */
#include "store/store.h"
#include "store/sqlite_int.h"
#include "store/fts.h"
#include "core/log.h"
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- prepared statements ------------------------------------------------ */


#define USER_COLS "u.id, u.login, u.role, coalesce(u.department_id,0), coalesce(d.name,''), u.password_hash, u.disabled"
#define CONS_COLS "c.id, c.title, c.description, c.kind, c.status, c.created_at, c.message_count, c.opens_at, c.closes_at, c.preamble, c.feedback_published_at, c.public_count"

static const char Q_DEPT_ADD[] = "INSERT INTO departments(name) VALUES (?1)";
static const char Q_DEPT_FIND[] = "SELECT id FROM departments WHERE name = ?1";
static const char Q_DEPT_LIST[] = "SELECT id, name, reply_approval, disabled FROM departments ORDER BY id";
static const char Q_USER_ADD[] = "INSERT INTO users(login, password_hash, role, department_id) VALUES (?1, ?2, ?3, nullif(?4, 0))";
static const char Q_USER_GET[] = "SELECT " USER_COLS " FROM users u LEFT JOIN departments d ON d.id = u.department_id WHERE u.login = ?1";
static const char Q_USER_GET_ID[] = "SELECT " USER_COLS " FROM users u LEFT JOIN departments d ON d.id = u.department_id WHERE u.id = ?1";
static const char Q_USER_SETPW[] = "UPDATE users SET password_hash = ?2 WHERE login = ?1";
static const char Q_USER_LIST[] = "SELECT " USER_COLS " FROM users u LEFT JOIN departments d ON d.id = u.department_id ORDER BY u.id";
static const char Q_USER_COUNT[] = "SELECT count(*) FROM users";
static const char Q_USER_PHONE_SET[] = "UPDATE users SET phone_sealed = ?2 WHERE id = ?1";
static const char Q_USER_PHONES[] = "SELECT id, phone_sealed FROM users WHERE phone_sealed IS NOT NULL ORDER BY id";
static const char Q_SESS_ADD[] = "INSERT INTO sessions(token_hash, user_id, csrf_token, expires_at) VALUES (?1, ?2, ?3, ?4)";
static const char Q_SESS_GET[] = "SELECT " USER_COLS ", s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id "
                     "LEFT JOIN departments d ON d.id = u.department_id WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.disabled = 0";
static const char Q_SESS_DEL[] = "DELETE FROM sessions WHERE token_hash = ?1";
static const char Q_SESS_GC[] = "DELETE FROM sessions WHERE expires_at <= ?1";
static const char Q_CONS_ADD[] = "INSERT INTO consultations(title, description, kind) VALUES (?1, ?2, ?3)";
static const char Q_CONS_GET[] = "SELECT " CONS_COLS " FROM consultations c WHERE c.id = ?1";
static const char Q_CONS_LIST[] = "SELECT " CONS_COLS " FROM consultations c ORDER BY c.status = 'open' DESC, c.id DESC";
static const char Q_MSG_GET[] = "SELECT " SQ_MSG_COLS " FROM messages m LEFT JOIN departments d ON d.id = m.department_id WHERE m.id = ?1";
static const char Q_MSG_GET_CODE[] = "SELECT " SQ_MSG_COLS " FROM messages m LEFT JOIN departments d ON d.id = m.department_id WHERE m.tracking_code = ?1";
static const char Q_MSG_REPLIES[] = "SELECT r.id, r.body, r.created_at, coalesce(d.name,''), coalesce(u.login,''), r.status, r.edited_at FROM replies r "
                     "LEFT JOIN departments d ON d.id = r.department_id LEFT JOIN users u ON u.id = r.user_id "
                     "WHERE r.message_id = ?1 ORDER BY r.id";
static const char Q_REPLY_ADD[] = "INSERT INTO replies(message_id, user_id, department_id, body, created_at) "
                                   "VALUES (?1, nullif(?2,0), nullif(?3,0), ?4, coalesce(?5, strftime('%Y-%m-%dT%H:%M:%SZ','now')))";
static const char Q_MSG_SET_STATE[] = "UPDATE messages SET state = ?2 WHERE id = ?1";
static const char Q_RULE_ADD[] = "INSERT INTO routing_rules(keyword, department_id) VALUES (?1, ?2)";
static const char Q_RULE_LIST[] = "SELECT r.keyword, r.department_id, d.name, r.id FROM routing_rules r JOIN departments d ON d.id = r.department_id "
                                  "WHERE d.disabled = 0 ORDER BY r.id";
static const char Q_EVENT_ADD[] = "INSERT INTO events(actor_id, kind, message_id, detail) VALUES (nullif(?1,0), ?2, nullif(?3,0), ?4)";
static const char Q_EVENT_LIST[] = "SELECT e.id, e.at, coalesce(u.login,''), e.kind, e.detail FROM events e LEFT JOIN users u ON u.id = e.actor_id "
                     "WHERE e.message_id = ?1 ORDER BY e.id";
const char SQ_BEGIN[] = "BEGIN IMMEDIATE";
const char SQ_COMMIT[] = "COMMIT";
const char SQ_ROLLBACK[] = "ROLLBACK";

/* ---- handle and per-thread connections ---------------------------------- */

/* Prepared statements are cached per connection, keyed by the address of
 * the static SQL text (every query is a static const char[]). */
#define STMT_CACHE 256
typedef struct conn {
    sqlite3 *db;
    struct { const char *sql; sqlite3_stmt *st; } cache[STMT_CACHE];
    struct conn *next;
} conn;

typedef struct {
    struct store base;
    char *path;
    const char *sync;         /* "FULL" or "NORMAL" */
    pthread_key_t key;
    pthread_mutex_t mu;       /* guards conns */
    conn *conns;
    /* Writers of this process take turns here rather than in SQLite's busy
     * handler, whose sleeps (up to 100 ms a try) collapse throughput under
     * contention; other processes are still kept apart by SQLite's locks. */
    pthread_mutex_t write_mu;
    int turn_waiting;         /* threads waiting for write_mu (sq_turn_pass) */
    sq_intake *intake;        /* group commit of new messages (sqlite_intake.c) */
    /* Scores replies as they are published (reply_scorer_set). */
    store_reply_scorer scorer;
    void *scorer_ud;
} sqlite_store;

static __thread char errbuf[512];   /* last error of this thread */

void sq_set_err(sqlite3 *db, const char *what) {
    if (db) snprintf(errbuf, sizeof errbuf, "%s: %s", what, sqlite3_errmsg(db));
    else snprintf(errbuf, sizeof errbuf, "%s", what);   /* what is the whole message */
}

static const char *sq_errmsg(store *s) { (void)s; return errbuf; }

static int open_db(sqlite_store *ss, sqlite3 **out) {
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(ss->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) { sq_set_err(db, ss->path); sqlite3_close(db); return -1; }
    sqlite3_busy_timeout(db, 10000);
    char pragmas[256];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA foreign_keys=ON; "
             "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16000;", ss->sync);
    char *e = NULL;
    if (sqlite3_exec(db, pragmas, NULL, NULL, &e) != SQLITE_OK) {
        snprintf(errbuf, sizeof errbuf, "%s: %s", ss->path, e ? e : "pragma failed");
        sqlite3_free(e); sqlite3_close(db); return -1;
    }
    if (fts_register(db) != SQLITE_OK) {
        snprintf(errbuf, sizeof errbuf, "%s: cannot register the search tokenizer: %s", ss->path, sqlite3_errmsg(db));
        sqlite3_close(db); return -1;
    }
    *out = db;
    return 0;
}

static conn *get_conn(sqlite_store *ss) {
    conn *c = pthread_getspecific(ss->key);
    if (c) return c;
    c = calloc(1, sizeof *c);
    if (!c) { sq_set_err(NULL, "connection: out of memory"); return NULL; }
    if (open_db(ss, &c->db)) { free(c); return NULL; }
    pthread_mutex_lock(&ss->mu);
    c->next = ss->conns; ss->conns = c;
    pthread_mutex_unlock(&ss->mu);
    pthread_setspecific(ss->key, c);
    return c;
}

/* The cached statement for the static SQL text q on this thread's connection. */
sqlite3_stmt *sq_stmt(store *s, const char *q, sqlite3 **dbp) {
    sqlite_store *ss = (sqlite_store *)s;
    conn *c = get_conn(ss);
    if (!c) return NULL;
    size_t h = ((uintptr_t)q >> 3) % STMT_CACHE;
    while (c->cache[h].sql && c->cache[h].sql != q) h = (h + 1) % STMT_CACHE;
    if (!c->cache[h].sql) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v3(c->db, q, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
            sq_set_err(c->db, "prepare");
            return NULL;
        }
        c->cache[h].sql = q;
        c->cache[h].st = st;
    }
    if (dbp) *dbp = c->db;
    return c->cache[h].st;
}

void sq_done(sqlite3_stmt *st) { sqlite3_reset(st); sqlite3_clear_bindings(st); }

void sq_bind_str(sqlite3_stmt *st, int i, str v) {
    if (v.p) sqlite3_bind_text(st, i, v.p, (int)v.n, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, i);
}

const char *sq_col_text(sqlite3_stmt *st, int i) {
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

json_t *sq_col_json(sqlite3_stmt *st, int i) {
    return sqlite3_column_type(st, i) == SQLITE_NULL ? json_null() : json_string(sq_col_text(st, i));
}

char *sq_col_dup(sqlite3_stmt *st, int i) {
    if (sqlite3_column_type(st, i) == SQLITE_NULL) return NULL;
    return strdup(sq_col_text(st, i));
}

void sq_copy_text(char *dst, size_t cap, sqlite3_stmt *st, int i) {
    snprintf(dst, cap, "%s", sq_col_text(st, i));
}

/* The writers' turn, counting who waits for it. */
static void turn_take(sqlite_store *ss) {
    __atomic_add_fetch(&ss->turn_waiting, 1, __ATOMIC_RELAXED);
    pthread_mutex_lock(&ss->write_mu);
    __atomic_sub_fetch(&ss->turn_waiting, 1, __ATOMIC_RELAXED);
}

/* A mutex is no queue: a thread that lets go of the turn and asks again at
 * once gets it back before the waiter it woke has run (a sweep of 28
 * transactions kept the intake waiting through all of them). Between two
 * transactions of a long job, this lets a waiting writer in first. */
void sq_turn_pass(store *s) {
    sqlite_store *ss = (sqlite_store *)s;
    for (int i = 0; i < 5 && __atomic_load_n(&ss->turn_waiting, __ATOMIC_RELAXED) > 0; i++) {
        struct timespec t = { 0, 1000000L };
        nanosleep(&t, NULL);
    }
}

/* Runs a statement that returns no rows. Maps constraint errors. */
int sq_exec(store *s, sqlite3_stmt *st, sqlite3 *db, const char *what) {
    sqlite_store *ss = (sqlite_store *)s;
    /* Outside a transaction the statement is one: take the writers' turn. */
    bool lock = sqlite3_get_autocommit(db);
    if (lock) turn_take(ss);
    int rc = sqlite3_step(st);
    if (lock) pthread_mutex_unlock(&ss->write_mu);
    sq_done(st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) return STORE_OK;
    int ext = sqlite3_extended_errcode(db);
    sq_set_err(db, what);
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) return STORE_CONFLICT;
    if (ext == SQLITE_CONSTRAINT_FOREIGNKEY || ext == SQLITE_CONSTRAINT_CHECK || ext == SQLITE_CONSTRAINT_NOTNULL) return STORE_INVALID;
    return STORE_ERROR;
}

void sq_write_lock(store *s) { turn_take((sqlite_store *)s); }
void sq_write_unlock(store *s) { pthread_mutex_unlock(&((sqlite_store *)s)->write_mu); }

sq_intake *sq_intake_of(store *s) { return ((sqlite_store *)s)->intake; }
const char *sq_path(store *s) { return ((sqlite_store *)s)->path; }
bool sq_sync_full(store *s) { return !strcmp(((sqlite_store *)s)->sync, "FULL"); }

int sq_in_batch(store *s, bool *inside) {
    conn *c = get_conn((sqlite_store *)s);
    if (!c) return STORE_ERROR;
    *inside = !sqlite3_get_autocommit(c->db);
    return STORE_OK;
}

/* Runs f in a write transaction; inside one already (a batch), just runs f. */
int sq_in_txn(store *s, int (*f)(store *s, void *arg), void *arg) {
    sqlite_store *ss = (sqlite_store *)s;
    conn *c = get_conn(ss);
    if (!c) return STORE_ERROR;
    if (!sqlite3_get_autocommit(c->db)) return f(s, arg);
    turn_take(ss);
    int rc = sq_txn(s, SQ_BEGIN);
    if (rc == STORE_OK) {
        rc = f(s, arg);
        if (rc == STORE_OK) rc = sq_txn(s, SQ_COMMIT);
        if (rc != STORE_OK) {
            char keep[512];
            snprintf(keep, sizeof keep, "%s", errbuf);
            sq_txn(s, SQ_ROLLBACK);
            snprintf(errbuf, sizeof errbuf, "%s", keep);
        }
    }
    pthread_mutex_unlock(&ss->write_mu);
    return rc;
}

int sq_txn(store *s, const char *q) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, q, &db);
    if (!st) return STORE_ERROR;
    int rc = sqlite3_step(st);   /* not sq_exec: the caller holds write_mu */
    sq_done(st);
    if (rc == SQLITE_DONE) return STORE_OK;
    sq_set_err(db, q);
    return STORE_ERROR;
}


static void sq_close(store *s);

void store_map_reads(void) {
    /* Refused harmlessly (SQLITE_MISUSE) once SQLite is initialised. */
    sqlite3_config(SQLITE_CONFIG_MMAP_SIZE, (sqlite3_int64)2147418112, (sqlite3_int64)2147418112);
}

static int sq_open(const char *path, const char *options, store **out, char *err, size_t errlen) {
    *out = NULL;
    /* No global allocation statistics: they take a process-wide mutex on
     * every SQLite malloc, which the intake writer felt (~6% of its time).
     * Refused harmlessly (SQLITE_MISUSE) once SQLite is initialised. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite_store *ss = calloc(1, sizeof *ss);
    if (!ss) { snprintf(err, errlen, "out of memory"); return STORE_ERROR; }
    ss->base.ops = &store_sqlite;
    ss->path = strdup(path);
    ss->sync = "FULL";
    if (options && *options) {
        if (!strcmp(options, "sync=normal")) ss->sync = "NORMAL";
        else if (strcmp(options, "sync=full")) {
            snprintf(err, errlen, "unknown database option '%s' (expected sync=full or sync=normal)", options);
            free(ss->path); free(ss); return STORE_ERROR;
        }
    }
    pthread_mutex_init(&ss->mu, NULL);
    pthread_mutex_init(&ss->write_mu, NULL);
    pthread_key_create(&ss->key, NULL);
    if (!(ss->intake = sq_intake_new(&ss->base))) { snprintf(err, errlen, "out of memory"); sq_close(&ss->base); return STORE_ERROR; }
    conn *c = get_conn(ss);
    if (!c) { snprintf(err, errlen, "%s", errbuf); sq_close(&ss->base); return STORE_ERROR; }
    if (sq_migrate(c->db, path, err, errlen)) { sq_close(&ss->base); return STORE_ERROR; }
    /* Indexes an import dropped and could not make again (it died). */
    if (sq_bulk_end(&ss->base)) {
        snprintf(err, errlen, "%s: cannot make the indexes an import dropped: %s", path, errbuf);
        sq_close(&ss->base); return STORE_ERROR;
    }
    if (sq_stats_rebuild_if_asked(&ss->base)) {
        snprintf(err, errlen, "%s: cannot compute the dashboard figures: %s", path, errbuf);
        sq_close(&ss->base); return STORE_ERROR;
    }
    *out = &ss->base;
    return STORE_OK;
}

static void sq_close(store *s) {
    sqlite_store *ss = (sqlite_store *)s;
    sq_intake_free(ss->intake);                 /* the writer finishes what is queued, then ends */
    conn *c = ss->conns;
    while (c) {
        conn *next = c->next;
        for (int i = 0; i < STMT_CACHE; i++) sqlite3_finalize(c->cache[i].st);
        sqlite3_close(c->db);
        free(c);
        c = next;
    }
    pthread_key_delete(ss->key);
    pthread_mutex_destroy(&ss->mu);
    pthread_mutex_destroy(&ss->write_mu);
    free(ss->path);
    free(ss);
}

/* ---- departments, users, sessions --------------------------------------- */

int sq_insert_id(store *s, sqlite3_stmt *st, sqlite3 *db, const char *what, int64_t *id) {
    int rc = sq_exec(s, st, db, what);
    if (rc == STORE_OK && id) *id = sqlite3_last_insert_rowid(db);
    return rc;
}

static int sq_dept_add(store *s, str name, int64_t *id) {
    sqlite3 *db; sqlite3_stmt *st = sq_stmt(s, Q_DEPT_ADD, &db);
    if (!st) return STORE_ERROR;
    sq_bind_str(st, 1, name);
    return sq_insert_id(s, st, db, "add department", id);
}

static int sq_dept_find(store *s, str name, int64_t *id) {
    sqlite3_stmt *st = sq_stmt(s, Q_DEPT_FIND, NULL);
    if (!st) return STORE_ERROR;
    sq_bind_str(st, 1, name);
    int rc = sqlite3_step(st) == SQLITE_ROW ? STORE_OK : STORE_NOT_FOUND;
    if (rc == STORE_OK) *id = sqlite3_column_int64(st, 0);
    sq_done(st);
    return rc;
}

static int sq_dept_list(store *s, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_DEPT_LIST, NULL);
    if (!st) return STORE_ERROR;
    json_t *a = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(a, json_pack("{s:I,s:s,s:b,s:b}", "id", (json_int_t)sqlite3_column_int64(st, 0), "name", sq_col_text(st, 1),
                                           "reply_approval", sqlite3_column_int(st, 2), "disabled", sqlite3_column_int(st, 3)));
    sq_done(st);
    *out = a;
    return STORE_OK;
}

static int sq_user_add(store *s, str login, const char *hash, const char *role, int64_t dept, int64_t *id) {
    sqlite3 *db; sqlite3_stmt *st = sq_stmt(s, Q_USER_ADD, &db);
    if (!st) return STORE_ERROR;
    sq_bind_str(st, 1, login);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, role, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, dept);
    return sq_insert_id(s, st, db, "add user", id);
}

static void read_user(sqlite3_stmt *st, store_user *u) {
    memset(u, 0, sizeof *u);
    u->id = sqlite3_column_int64(st, 0);
    sq_copy_text(u->login, sizeof u->login, st, 1);
    sq_copy_text(u->role, sizeof u->role, st, 2);
    u->department_id = sqlite3_column_int64(st, 3);
    sq_copy_text(u->department, sizeof u->department, st, 4);
    sq_copy_text(u->password_hash, sizeof u->password_hash, st, 5);
    u->disabled = sqlite3_column_int(st, 6) != 0;
}

static int user_one(store *s, const char *q, str login, int64_t id, store_user *u) {
    sqlite3_stmt *st = sq_stmt(s, q, NULL);
    if (!st) return STORE_ERROR;
    if (login.p) sq_bind_str(st, 1, login); else sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st) == SQLITE_ROW ? STORE_OK : STORE_NOT_FOUND;
    if (rc == STORE_OK) read_user(st, u);
    sq_done(st);
    return rc;
}
static int sq_user_get(store *s, str login, store_user *u) { return user_one(s, Q_USER_GET, login, 0, u); }
static int sq_user_get_id(store *s, int64_t id, store_user *u) { return user_one(s, Q_USER_GET_ID, (str){0}, id, u); }

static int sq_user_set_password(store *s, str login, const char *hash) {
    sqlite3 *db; sqlite3_stmt *st = sq_stmt(s, Q_USER_SETPW, &db);
    if (!st) return STORE_ERROR;
    sq_bind_str(st, 1, login);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_TRANSIENT);
    int rc = sq_exec(s, st, db, "set password");
    if (rc == STORE_OK && sqlite3_changes(db) == 0) return STORE_NOT_FOUND;
    return rc;
}

static int sq_user_phone_set(store *s, int64_t user_id, const void *sealed, size_t n) {
    sqlite3 *db; sqlite3_stmt *st = sq_stmt(s, Q_USER_PHONE_SET, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, user_id);
    if (n) sqlite3_bind_blob(st, 2, sealed, (int)n, SQLITE_TRANSIENT); else sqlite3_bind_null(st, 2);
    int rc = sq_exec(s, st, db, "set phone");
    if (rc == STORE_OK && sqlite3_changes(db) == 0) return STORE_NOT_FOUND;
    return rc;
}

static int sq_user_phone_each(store *s, int (*cb)(void *ud, int64_t user_id, const void *sealed, size_t n), void *ud) {
    sqlite3_stmt *st = sq_stmt(s, Q_USER_PHONES, NULL);
    if (!st) return STORE_ERROR;
    int rc = STORE_OK;
    while (rc == STORE_OK && sqlite3_step(st) == SQLITE_ROW)
        if (cb(ud, sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1))) rc = 1;
    sq_done(st);
    return rc == 1 ? STORE_OK : rc;
}

static int sq_user_list(store *s, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_USER_LIST, NULL);
    if (!st) return STORE_ERROR;
    json_t *a = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        store_user u; read_user(st, &u);
        json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:s?,s:b}", "id", (json_int_t)u.id, "login", u.login, "role", u.role,
                                           "department", u.department[0] ? u.department : NULL, "disabled", u.disabled));
    }
    sq_done(st);
    *out = a;
    return STORE_OK;
}

static int sq_user_count(store *s, int64_t *n) {
    sqlite3_stmt *st = sq_stmt(s, Q_USER_COUNT, NULL);
    if (!st) return STORE_ERROR;
    *n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sq_done(st);
    return STORE_OK;
}

static int sq_session_add(store *s, const char *token_hash, int64_t user_id, const char *csrf, int64_t expires) {
    sqlite3 *db; sqlite3_stmt *gc = sq_stmt(s, Q_SESS_GC, &db);
    if (!gc) return STORE_ERROR;
    sqlite3_bind_int64(gc, 1, expires - 86400 * 30);   /* sweep long-dead sessions now and then */
    sq_exec(s, gc, db, "sweep sessions");
    sqlite3_stmt *st = sq_stmt(s, Q_SESS_ADD, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_text(st, 1, token_hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_text(st, 3, csrf, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, expires);
    return sq_exec(s, st, db, "add session");
}

static int sq_session_get(store *s, const char *token_hash, int64_t now, store_user *u, char *csrf) {
    sqlite3_stmt *st = sq_stmt(s, Q_SESS_GET, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_text(st, 1, token_hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, now);
    int rc = sqlite3_step(st) == SQLITE_ROW ? STORE_OK : STORE_NOT_FOUND;
    if (rc == STORE_OK) { read_user(st, u); snprintf(csrf, 65, "%s", sq_col_text(st, 7)); }
    sq_done(st);
    return rc;
}

static int sq_session_del(store *s, const char *token_hash) {
    sqlite3 *db; sqlite3_stmt *st = sq_stmt(s, Q_SESS_DEL, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_text(st, 1, token_hash, -1, SQLITE_TRANSIENT);
    return sq_exec(s, st, db, "delete session");
}

/* ---- consultations ------------------------------------------------------ */

static int sq_consultation_add(store *s, str title, str description, str kind, int64_t *id) {
    sqlite3 *db; sqlite3_stmt *st = sq_stmt(s, Q_CONS_ADD, &db);
    if (!st) return STORE_ERROR;
    sq_bind_str(st, 1, title);
    sq_bind_str(st, 2, description.p ? description : STR_LIT(""));
    sq_bind_str(st, 3, kind.p ? kind : STR_LIT("consultation"));
    return sq_insert_id(s, st, db, "add consultation", id);
}

static json_t *read_consultation(sqlite3_stmt *st) {
    /* message_count: what the public sees, the publicly listed messages;
     * received_count: every message taken in (officials only, api.c). */
    return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:o,s:o,s:o,s:o}",
                     "id", (json_int_t)sqlite3_column_int64(st, 0), "title", sq_col_text(st, 1),
                     "description", sq_col_text(st, 2), "kind", sq_col_text(st, 3), "status", sq_col_text(st, 4),
                     "created_at", sq_col_text(st, 5), "message_count", (json_int_t)sqlite3_column_int64(st, 11),
                     "received_count", (json_int_t)sqlite3_column_int64(st, 6),
                     "opens_at", sq_col_json(st, 7), "closes_at", sq_col_json(st, 8), "preamble", sq_col_json(st, 9),
                     "feedback_published_at", sq_col_json(st, 10));
}

static int sq_consultation_get(store *s, int64_t id, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_CONS_GET, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st) == SQLITE_ROW ? STORE_OK : STORE_NOT_FOUND;
    if (rc == STORE_OK) *out = read_consultation(st);
    sq_done(st);
    return rc;
}

static int sq_consultation_list(store *s, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_CONS_LIST, NULL);
    if (!st) return STORE_ERROR;
    json_t *a = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) json_array_append_new(a, read_consultation(st));
    sq_done(st);
    *out = a;
    return STORE_OK;
}

/* ---- messages and replies ----------------------------------------------- */

void sq_read_msg(sqlite3_stmt *st, store_msg *m) {
    memset(m, 0, sizeof *m);
    m->id = sqlite3_column_int64(st, 0);
    m->consultation_id = sqlite3_column_int64(st, 1);
    m->department_id = sqlite3_column_int64(st, 2);
    sq_copy_text(m->tracking_code, sizeof m->tracking_code, st, 3);
    sq_copy_text(m->type, sizeof m->type, st, 4);
    sq_copy_text(m->state, sizeof m->state, st, 5);
    sq_copy_text(m->created_at, sizeof m->created_at, st, 6);
    m->title = sq_col_dup(st, 7);
    m->body = sq_col_dup(st, 8);
    m->region = sq_col_dup(st, 9);
    m->phone = sq_col_dup(st, 10);
    m->department = sq_col_dup(st, 11);
    sq_copy_text(m->moderation, sizeof m->moderation, st, 12);
    m->hold_reason = sq_col_dup(st, 13);
    sq_copy_text(m->label, sizeof m->label, st, 14);
    m->confidence = sqlite3_column_double(st, 15);
    m->group_id = sqlite3_column_int64(st, 16);
    m->analyzed = sqlite3_column_int(st, 17) != 0;
    m->spam_score = sqlite3_column_double(st, 18);
    m->author = sq_col_dup(st, 19);
    m->group_size = sqlite3_column_int64(st, 20);
    sq_copy_text(m->author_ip, sizeof m->author_ip, st, 21);
    sq_copy_text(m->due_at, sizeof m->due_at, st, 22);
    m->resolution = sq_col_dup(st, 23);
    sq_copy_text(m->urged_at, sizeof m->urged_at, st, 24);
    m->urge_count = sqlite3_column_int64(st, 25);
    m->reopen_count = sqlite3_column_int64(st, 26);
    m->assignee_id = sqlite3_column_int64(st, 27);
    sq_copy_text(m->assignee, sizeof m->assignee, st, 28);
    m->supports = sqlite3_column_int64(st, 29);
    m->opposes = sqlite3_column_int64(st, 30);
}

void store_msg_clear(store_msg *m) {
    free(m->title); free(m->body); free(m->region); free(m->phone); free(m->department);
    free(m->hold_reason); free(m->author); free(m->resolution);
    memset(m, 0, sizeof *m);
}

static int msg_one(store *s, const char *q, int64_t id, str code, store_msg *m) {
    sqlite3_stmt *st = sq_stmt(s, q, NULL);
    if (!st) return STORE_ERROR;
    if (code.p) sq_bind_str(st, 1, code); else sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st) == SQLITE_ROW ? STORE_OK : STORE_NOT_FOUND;
    if (rc == STORE_OK) sq_read_msg(st, m);
    sq_done(st);
    return rc;
}
static int sq_msg_get(store *s, int64_t id, store_msg *m) { return msg_one(s, Q_MSG_GET, id, (str){0}, m); }
static int sq_msg_get_code(store *s, str code, store_msg *m) { return msg_one(s, Q_MSG_GET_CODE, 0, code, m); }

static int sq_msg_replies(store *s, int64_t msg_id, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_MSG_REPLIES, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, msg_id);
    json_t *a = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:o}", "id", (json_int_t)sqlite3_column_int64(st, 0),
                                           "body", sq_col_text(st, 1), "created_at", sq_col_text(st, 2),
                                           "department", sq_col_text(st, 3), "author", sq_col_text(st, 4),
                                           "status", sq_col_text(st, 5), "edited_at",
                                           sqlite3_column_type(st, 6) == SQLITE_NULL ? json_null() : json_string(sq_col_text(st, 6))));
    sq_done(st);
    *out = a;
    return STORE_OK;
}

static int reply_write(store *s, int64_t msg_id, int64_t user_id, int64_t dept_id, str body, str at, int64_t group_id, int64_t *id);


static void sq_reply_scorer_set(store *s, store_reply_scorer fn, void *ud) {
    sqlite_store *x = (sqlite_store *)s;
    x->scorer = fn;
    x->scorer_ud = ud;
}

store_reply_scorer sq_reply_scorer(store *s, void **ud) {
    sqlite_store *x = (sqlite_store *)s;
    *ud = x->scorer_ud;
    return x->scorer;
}

int sq_msg_read(store *s, int64_t id, store_msg *m) { return msg_one(s, Q_MSG_GET, id, (str){0}, m); }

/* Reply + state change + audit event + figures; the caller holds the transaction.
 * at: the reply's time for imports ({NULL,0} = now). */
int sq_reply_one(store *s, int64_t msg_id, int64_t user_id, int64_t dept_id, str body, str at, int64_t group_id, int64_t *id) {
    int rc = sq_agg_msg(s, msg_id, -1);
    if (rc == STORE_OK) rc = reply_write(s, msg_id, user_id, dept_id, body, at, group_id, id);
    if (rc == STORE_OK) rc = sq_agg_msg(s, msg_id, +1);
    return rc;
}

static int reply_write(store *s, int64_t msg_id, int64_t user_id, int64_t dept_id, str body, str at, int64_t group_id, int64_t *id) {
    sqlite3 *db;
    char from[16];
    int64_t dept_now;
    int rc = sq_life_check(s, msg_id, "reply", from, &dept_now);
    if (rc) return rc;
    sqlite3_stmt *st = sq_stmt(s, Q_REPLY_ADD, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, msg_id);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_int64(st, 3, dept_id);
    sq_bind_str(st, 4, body);
    sq_bind_str(st, 5, at);
    rc = sq_insert_id(s, st, db, "add reply", id);
    if (!rc) rc = sq_reply_fts(s, *id, true);
    if (!rc) rc = sq_reply_quality_note(s, *id);
    if (rc) return rc;
    st = sq_stmt(s, Q_MSG_SET_STATE, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, msg_id);
    sqlite3_bind_text(st, 2, "replied", -1, SQLITE_STATIC);
    if ((rc = sq_exec(s, st, db, "set state"))) return rc;
    json_t *d = json_pack("{s:I,s:s,s:s}", "reply_id", (json_int_t)*id, "from", from, "to", "replied");
    if (group_id) json_object_set_new(d, "group_id", json_integer(group_id));
    rc = sq_event_add(s, user_id, "reply", msg_id, d);
    json_decref(d);
    return rc;
}

typedef struct { int64_t msg, user, dept; str body; int64_t *id; } reply_arg;

static int reply_txn(store *s, void *arg) {
    reply_arg *x = arg;
    return sq_reply_one(s, x->msg, x->user, x->dept, x->body, (str){0}, 0, x->id);
}

static int sq_reply_add(store *s, int64_t msg_id, int64_t user_id, int64_t dept_id, str body, int64_t *id) {
    reply_arg x = { msg_id, user_id, dept_id, body, id };
    return sq_in_txn(s, reply_txn, &x);
}

/* ---- routing rules and events ------------------------------------------- */

static int sq_rule_add(store *s, str keyword, int64_t dept_id) {
    sqlite3 *db; sqlite3_stmt *st = sq_stmt(s, Q_RULE_ADD, &db);
    if (!st) return STORE_ERROR;
    sq_bind_str(st, 1, keyword);
    sqlite3_bind_int64(st, 2, dept_id);
    return sq_exec(s, st, db, "add rule");
}

static int sq_rule_list(store *s, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_RULE_LIST, NULL);
    if (!st) return STORE_ERROR;
    json_t *a = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(a, json_pack("{s:I,s:s,s:I,s:s}", "id", (json_int_t)sqlite3_column_int64(st, 3), "keyword", sq_col_text(st, 0),
                                           "department_id", (json_int_t)sqlite3_column_int64(st, 1), "department", sq_col_text(st, 2)));
    sq_done(st);
    *out = a;
    return STORE_OK;
}

int sq_event_add(store *s, int64_t actor, const char *kind, int64_t msg_id, json_t *detail) {
    sqlite3 *db; sqlite3_stmt *st = sq_stmt(s, Q_EVENT_ADD, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, actor);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, msg_id);
    char *d = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    if (d) sqlite3_bind_text(st, 4, d, -1, free); else sqlite3_bind_null(st, 4);
    return sq_exec(s, st, db, "add event");
}

void sq_now_ms(char *out, size_t cap) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm g;
    gmtime_r(&ts.tv_sec, &g);
    char sec[24];
    strftime(sec, sizeof sec, "%Y-%m-%dT%H:%M:%S", &g);
    snprintf(out, cap, "%s.%03ldZ", sec, ts.tv_nsec / 1000000);
}

/* The analyzer's record on the message row, shown as the audit events it
 * replaces ("held", "analyzed"), so a message's history reads the same. */
static const char Q_EVENT_ANALYSIS[] =
    "SELECT analyzed_at, hold_reason, label, confidence, group_id, spam_score, route_by, department_id, model_id, moderation "
    "FROM messages WHERE id = ?1 AND analyzed_at IS NOT NULL";

static json_t *analysis_events(sqlite3_stmt *st) {
    json_t *evs = json_array();
    const char *at = sq_col_text(st, 0);
    if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
        json_t *why = json_loads(sq_col_text(st, 1), 0, NULL);
        json_array_append_new(evs, json_pack("{s:I,s:s,s:s,s:s,s:{s:o}}", "id", (json_int_t)0, "at", at, "actor", "",
                                             "kind", "held", "detail", "hold", why ? why : json_true()));
    }
    if (strcmp(sq_col_text(st, 9), "held")) {
        json_t *d = json_object();
        if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
            json_object_set_new(d, "label", json_string(sq_col_text(st, 2)));
            json_object_set_new(d, "confidence", json_real(sqlite3_column_double(st, 3)));
            if (sqlite3_column_int64(st, 8)) json_object_set_new(d, "model_id", json_integer(sqlite3_column_int64(st, 8)));
        }
        if (sqlite3_column_int64(st, 4)) json_object_set_new(d, "group_id", json_integer(sqlite3_column_int64(st, 4)));
        json_object_set_new(d, "spam_score", json_real(sqlite3_column_double(st, 5)));
        if (sqlite3_column_type(st, 6) != SQLITE_NULL) {
            json_object_set_new(d, "department_id", json_integer(sqlite3_column_int64(st, 7)));
            json_object_set_new(d, "route_by", json_string(sq_col_text(st, 6)));
        }
        json_array_append_new(evs, json_pack("{s:I,s:s,s:s,s:s,s:o}", "id", (json_int_t)0, "at", at, "actor", "",
                                             "kind", "analyzed", "detail", d));
    }
    return evs;
}

static int sq_event_list(store *s, int64_t msg_id, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_EVENT_ANALYSIS, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, msg_id);
    json_t *an = sqlite3_step(st) == SQLITE_ROW ? analysis_events(st) : json_array();
    sq_done(st);
    const char *an_at = json_array_size(an) ? json_string_value(json_object_get(json_array_get(an, 0), "at")) : NULL;
    if (!(st = sq_stmt(s, Q_EVENT_LIST, NULL))) { json_decref(an); return STORE_ERROR; }
    sqlite3_bind_int64(st, 1, msg_id);
    json_t *a = json_array();
    size_t ai = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        /* the analysis events go in at their time */
        for (; an_at && ai < json_array_size(an) && strcmp(an_at, sq_col_text(st, 1)) < 0; ai++)
            json_array_append(a, json_array_get(an, ai));
        json_t *detail = sqlite3_column_type(st, 4) == SQLITE_NULL ? json_null() : json_loads(sq_col_text(st, 4), 0, NULL);
        json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:s,s:o}", "id", (json_int_t)sqlite3_column_int64(st, 0),
                                           "at", sq_col_text(st, 1), "actor", sq_col_text(st, 2), "kind", sq_col_text(st, 3),
                                           "detail", detail ? detail : json_null()));
    }
    for (; ai < json_array_size(an); ai++) json_array_append(a, json_array_get(an, ai));
    json_decref(an);
    sq_done(st);
    *out = a;
    return STORE_OK;
}

const store_ops store_sqlite = {
    .scheme = "sqlite",
    .open = sq_open, .close = sq_close, .errmsg = sq_errmsg,
    .dept_add = sq_dept_add, .dept_find = sq_dept_find, .dept_list = sq_dept_list,
    .user_add = sq_user_add, .user_get = sq_user_get, .user_get_id = sq_user_get_id,
    .user_set_password = sq_user_set_password, .user_list = sq_user_list, .user_count = sq_user_count,
    .user_phone_set = sq_user_phone_set, .user_phone_each = sq_user_phone_each,
    .session_add = sq_session_add, .session_get = sq_session_get, .session_del = sq_session_del,
    .consultation_add = sq_consultation_add, .consultation_get = sq_consultation_get, .consultation_list = sq_consultation_list,
    .msg_add = sq_msg_add, .msg_add_async = sq_msg_add_async, .msg_get = sq_msg_get, .msg_get_code = sq_msg_get_code, .msg_replies = sq_msg_replies,
    .inbox = sq_inbox, .reply_add = sq_reply_add,
    .rule_add = sq_rule_add, .rule_list = sq_rule_list,
    .event_add = sq_event_add, .event_list = sq_event_list,
    .msg_pending = sq_msg_pending, .msg_import = sq_msg_import, .msg_import_analyzed = sq_msg_import_analyzed,
    .msg_sources_known = sq_msg_sources_known, .msg_sources_any = sq_msg_sources_any, .msg_max_id = sq_msg_max_id,
    .bulk_begin = sq_bulk_begin, .bulk_end = sq_bulk_end, .analysis_apply = sq_analysis_apply, .msg_transfer = sq_msg_transfer,
    .moderation_queue = sq_moderation_queue, .moderate = sq_moderate,
    .group_members = sq_group_members, .group_index = sq_group_index,
    .msg_published_after = sq_msg_published_after,
    .state_put = sq_state_put, .state_get = sq_state_get,
    .model_add = sq_model_add, .model_activate = sq_model_activate, .model_active = sq_model_active, .model_active_id = sq_model_active_id, .model_list = sq_model_list,
    .label_map_set = sq_label_map_set, .label_map_list = sq_label_map_list,
    .word_add = sq_word_add, .word_del = sq_word_del, .word_list = sq_word_list,
    .setting_get = sq_setting_get, .setting_set = sq_setting_set,
    .training_rows = sq_training_rows, .search = sq_search, .group_reply_start = sq_group_reply_start,
    .group_reply_step = sq_group_reply_step, .group_reply_get = sq_group_reply_get, .group_reply_unfinished = sq_group_reply_unfinished,
    .group_move_step = sq_group_move_step,
    .batch = sq_in_txn, .msg_each = sq_msg_each,
    .keywords_add = sq_keywords_add, .hot = sq_hot,
    .rating_add = sq_rating_add, .reply_import = sq_reply_import, .rating_get = sq_rating_get, .stats = sq_stats, .gauges = sq_gauges,
    .stats_verify = sq_stats_verify, .stats_rebuild = sq_stats_rebuild, .overdue_sweep = sq_overdue_sweep,
    .msg_act = sq_act, .extension_add = sq_extension_add, .extension_get = sq_extension_get,
    .extension_decide = sq_extension_decide, .extension_list = sq_extension_list, .urge_list = sq_urge_list,
    .followup_add = sq_followup_add, .followup_get = sq_followup_get,
    .reply_pending = sq_reply_pending, .reply_get = sq_reply_get, .reply_decide = sq_reply_decide,
    .reply_correct = sq_reply_correct, .replies_pending = sq_replies_pending, .dept_set_approval = sq_dept_set_approval,
    .calendar_set = sq_calendar_set, .calendar_list = sq_calendar_list, .due_view = sq_due_view,
    .template_add = sq_template_add, .template_list = sq_template_list, .template_get = sq_template_get,
    .template_del = sq_template_del, .note_add = sq_note_add, .note_list = sq_note_list,
    .draft_set = sq_draft_set, .draft_get = sq_draft_get,
    .public_list = sq_public_list, .public_get = sq_public_get, .support_add = sq_support_add,
    .public_search = sq_public_search,
    .consultation_update = sq_consultation_update, .consultation_sections = sq_consultation_sections,
    .adoption_set = sq_adoption_set, .feedback = sq_feedback, .feedback_publish = sq_feedback_publish,
    .notice_add = sq_notice_add, .notice_list = sq_notice_list, .notice_hide = sq_notice_hide,
    .post_add = sq_post_add, .post_get = sq_post_get, .post_list = sq_post_list, .post_views_add = sq_post_views_add,
    .post_image_set = sq_post_image_set, .post_image_get = sq_post_image_get,
    .comment_add = sq_comment_add, .comment_list = sq_comment_list, .comment_queue = sq_comment_queue,
    .comment_moderate = sq_comment_moderate,
    .live_add = sq_live_add, .live_get = sq_live_get, .live_list = sq_live_list, .live_set_status = sq_live_set_status,
    .question_add = sq_question_add, .question_vote = sq_question_vote, .question_pick = sq_question_pick,
    .question_answer = sq_question_answer, .question_queue = sq_question_queue, .question_moderate = sq_question_moderate,
    .backup = sq_backup, .restore = sq_restore, .check = sq_check,
    .dept_update = sq_dept_update, .user_update = sq_user_update, .user_reset_password = sq_user_reset_password,
    .rule_del = sq_rule_del, .audit_list = sq_audit_list, .audit_kinds = sq_audit_kinds, .digest = sq_digest,
    .reply_scorer_set = sq_reply_scorer_set, .reply_quality_depts = sq_reply_quality_depts, .reply_bodies = sq_reply_bodies,
};
