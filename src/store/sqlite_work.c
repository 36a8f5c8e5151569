/* sqlite_work.c: the SQLite backend's records for the work done on
 * messages after intake: analysis results, routing corrections, moderation,
 * near-duplicate groups, models, label mapping, sensitive words, settings
 * and training data (store.h). Shares its helpers with sqlite.c through
 * sqlite_int.h. */
#include "store/sqlite_int.h"
#include "store/fts.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- analysis ----------------------------------------------------------- */

static const char Q_PENDING[] = "SELECT " SQ_MSG_COLS " FROM messages m LEFT JOIN departments d ON d.id = m.department_id "
                                "WHERE m.analyzed = 0 AND m.id > ?2 ORDER BY m.id LIMIT ?1";

int sq_msg_pending(store *s, int64_t after, int limit, store_msg **out, size_t *n) {
    *out = NULL; *n = 0;
    sqlite3_stmt *st = sq_stmt(s, Q_PENDING, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int(st, 1, limit);
    sqlite3_bind_int64(st, 2, after);
    /* Grown as rows come: a busy server asks for thousands and finds a few,
     * and zeroing room for the thousands was 2% of its CPU under intake. */
    size_t cap = limit > 0 && limit < 64 ? (size_t)limit : 64, k = 0;
    store_msg *a = calloc(cap, sizeof *a);
    if (!a) { sq_done(st); return STORE_ERROR; }
    while (k < (size_t)limit && sqlite3_step(st) == SQLITE_ROW) {
        if (k == cap) {
            store_msg *b = realloc(a, 2 * cap * sizeof *a);
            if (!b) { sq_done(st); for (size_t i = 0; i < k; i++) store_msg_clear(&a[i]); free(a); return STORE_ERROR; }
            a = b;
            cap *= 2;
        }
        sq_read_msg(st, &a[k++]);
    }
    sq_done(st);
    *out = a; *n = k;
    return STORE_OK;
}

/* The result in up to four row writes, each only where it changes the row:
 * SQLite rewrites the entry of every index that names a SET column (in its
 * key or its WHERE) even when the value stays the same, and one UPDATE
 * setting everything moved each message's entry in nearly all of the
 * messages' 20 indexes. Held first and routed next, while the row is not
 * yet analysed (so outside the public indexes and counts); then the group;
 * then the analysis itself, which makes the row public. The triggers
 * count differences between old and new, so the counts come out as one
 * UPDATE made them. Routing only touches messages nobody has acted on yet. */
static const char Q_SET_HOLD[] =
    "UPDATE messages SET moderation = 'held', hold_reason = ?2 WHERE id = ?1 AND moderation = 'none'";
#define ROUTE_STATE "CASE WHEN ?2 THEN 'assigned' ELSE 'new' END"
static const char Q_SET_ROUTE[] =
    "UPDATE messages SET department_id = nullif(?2, 0), state = " ROUTE_STATE ", route_by = ?3 "
    "WHERE id = ?1 AND state IN ('new','assigned') AND NOT EXISTS (SELECT 1 FROM corrections c WHERE c.message_id = ?1) "
    "AND (department_id IS NOT nullif(?2, 0) OR state IS NOT " ROUTE_STATE " OR route_by IS NOT ?3)";
static const char Q_SET_GROUP[] =
    "UPDATE messages SET group_id = nullif(?2, 0) WHERE id = ?1 AND group_id IS NOT nullif(?2, 0)";
static const char Q_SET_ANALYSIS[] =
    "UPDATE messages SET analyzed = 1, indexed = 1, label = ?2, confidence = ?3, spam_score = ?4, "
    "dedup_sig = coalesce(?5, dedup_sig), model_id = nullif(?6, 0), analyzed_at = coalesce(analyzed_at, ?7) "
    "WHERE id = ?1";

/* Into the search index once per message (an external-content FTS5 table
 * must never get the same row twice), the whole batch in one statement:
 * FTS5 flushes its pending terms at every statement savepoint, so indexing
 * row by row between other statements wrote one index segment per message
 * (a quarter of the analyzer's time). It runs before the batch's updates,
 * which mark the rows indexed. The batch's ids come as one JSON array
 * (PostgreSQL: = ANY($1::bigint[])). */
static const char Q_FTS_ADD_BATCH[] =
    "INSERT INTO messages_fts(rowid, title, body) SELECT id, title, body FROM messages "
    "WHERE id IN (SELECT value FROM json_each(?1)) AND indexed = 0";
/* Runs st, a search-index insert of the messages of a (in id order), with
 * the words the analysis workers found ahead lent to the tokenizer. */
int sq_fts_with_words(store *s, sqlite3_stmt *st, sqlite3 *db, const store_analysis *a, size_t n) {
    fts_ahead *lend = malloc((n ? n : 1) * sizeof *lend);
    size_t k = 0;
    for (size_t i = 0; lend && i < n; i++)
        if (a[i].search_words) lend[k++] = (fts_ahead){ a[i].search_words, a[i].search_words_len };
    if (lend) fts_ahead_use(lend, k);   /* none: the tokenizer segments as usual */
    int rc = sq_exec(s, st, db, "index for search");
    fts_ahead_use(NULL, 0);
    free(lend);
    return rc;
}

static const char Q_GROUP_MOVE[] = "UPDATE messages SET group_id = ?2 WHERE group_id = ?1";
/* A merge moves the absorbed group's rows at once up to GROUP_MOVE_NOW of
 * them (nearly every merge: 47 of 222,493 at full size moved more than
 * 1,000); a bigger group's merge is recorded and its rows moved in steps
 * (sq_group_move_step): one of 784,468 rows held the writers' turn for
 * as long as it took, every citizen's message waiting. */
#define GROUP_MOVE_NOW 2000
static const char Q_GROUP_SIZE[] = "SELECT coalesce((SELECT size FROM msg_groups WHERE id = ?1), 0)";
static const char Q_GROUP_MOVE_LATER[] = "INSERT INTO group_moves(from_group, into_group, message_id, size) VALUES (?1, ?2, nullif(?3, 0), ?4)";
/* A merge recorded earlier into the group now absorbed goes where it went. */
static const char Q_GROUP_RETARGET[] = "UPDATE group_moves SET into_group = ?2 WHERE into_group = ?1 AND finished_at IS NULL";

typedef struct { const store_analysis *a; size_t n; const store_kw_count *kw; size_t nkw; } apply_arg;

/* One message's result: the single place where per-message results meet the
 * database (aggregates kept beside the message go here too). */
static int apply_one(store *s, const store_analysis *a, const char *now) {
    sqlite3 *db;
    sqlite3_stmt *st;
    int rc;
    if (a->hold) {
        if (!(st = sq_stmt(s, Q_SET_HOLD, &db))) return STORE_ERROR;
        sqlite3_bind_int64(st, 1, a->id);
        if (a->hold_reason) sqlite3_bind_text(st, 2, json_dumps(a->hold_reason, JSON_COMPACT), -1, free);
        if ((rc = sq_exec(s, st, db, "hold message"))) return rc;
    } else if (a->route) {
        if (!(st = sq_stmt(s, Q_SET_ROUTE, &db))) return STORE_ERROR;
        sqlite3_bind_int64(st, 1, a->id);
        sqlite3_bind_int64(st, 2, a->department_id);
        sqlite3_bind_text(st, 3, a->route_by ? a->route_by : "model", -1, SQLITE_STATIC);
        if ((rc = sq_exec(s, st, db, "route message"))) return rc;
    }
    if (!(st = sq_stmt(s, Q_SET_GROUP, &db))) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, a->id);
    sqlite3_bind_int64(st, 2, a->group_id);
    if ((rc = sq_exec(s, st, db, "group message"))) return rc;
    if (!(st = sq_stmt(s, Q_SET_ANALYSIS, &db))) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, a->id);
    if (a->label) sqlite3_bind_text(st, 2, a->label, -1, SQLITE_STATIC);
    if (a->label) sqlite3_bind_double(st, 3, a->confidence);
    sqlite3_bind_double(st, 4, a->spam_score);
    if (a->dedup_sig) sqlite3_bind_blob(st, 5, a->dedup_sig, (int)a->dedup_sig_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, a->label ? a->model_id : 0);
    sqlite3_bind_text(st, 7, now, -1, SQLITE_STATIC);
    if ((rc = sq_exec(s, st, db, "record analysis"))) return rc;
    return sq_group_merge(s, a, true);
}

/* Runs q with from and into (?1, ?2); *changes (unless NULL): the rows it changed. */
static int group_pair(store *s, const char *q, int64_t from, int64_t into, const char *what, int64_t *changes) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, q, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, into);
    int rc = sq_exec(s, st, db, what);
    if (changes) *changes = rc ? 0 : sqlite3_changes64(db);
    return rc;
}

int sq_group_merge(store *s, const store_analysis *a, bool later) {
    int rc = STORE_OK;
    sqlite3 *db;
    /* Groups this message bridged join its group (the older id), audited on the bridging message. */
    for (size_t i = 0; !rc && i < a->nmerged; i++) {
        int64_t from = a->merged[i];
        if (from == a->group_id || !from) continue;
        int64_t size = 0;
        if (later) {
            sqlite3_stmt *st = sq_stmt(s, Q_GROUP_SIZE, &db);
            if (!st) return STORE_ERROR;
            sqlite3_bind_int64(st, 1, from);
            if (sqlite3_step(st) == SQLITE_ROW) size = sqlite3_column_int64(st, 0);
            sq_done(st);
        }
        bool now = !later || size <= GROUP_MOVE_NOW;
        if (now) {
            if ((rc = group_pair(s, Q_GROUP_MOVE, from, a->group_id, "merge groups", &size))) return rc;
        } else {
            sqlite3_stmt *st = sq_stmt(s, Q_GROUP_MOVE_LATER, &db);
            if (!st) return STORE_ERROR;
            sqlite3_bind_int64(st, 1, from);
            sqlite3_bind_int64(st, 2, a->group_id);
            sqlite3_bind_int64(st, 3, a->id);
            sqlite3_bind_int64(st, 4, size);
            if ((rc = sq_exec(s, st, db, "merge groups: record"))) return rc;
        }
        if ((rc = group_pair(s, Q_GROUP_RETARGET, from, a->group_id, "merge groups: earlier merges", NULL))) return rc;
        json_t *e = json_pack("{s:I,s:I,s:I,s:b}", "from_group", (json_int_t)from, "into_group", (json_int_t)a->group_id,
                              "moved", (json_int_t)size, "in_steps", !now);
        rc = sq_event_add(s, 0, "group_merged", a->id, e);
        json_decref(e);
    }
    return rc;
}

static const char Q_MOVE_NEXT[] =
    "SELECT id, from_group, into_group FROM group_moves INDEXED BY group_moves_running WHERE finished_at IS NULL ORDER BY id LIMIT 1";
/* The subquery is read whole before the update (IN over a SELECT). */
static const char Q_MOVE_ROWS[] =
    "UPDATE messages SET group_id = ?2 WHERE id IN (SELECT id FROM messages INDEXED BY messages_group "
    "WHERE group_id = ?1 ORDER BY id LIMIT ?3)";
static const char Q_MOVE_ADVANCE[] =
    "UPDATE group_moves SET moved = moved + ?2, finished_at = CASE WHEN ?3 THEN strftime('%Y-%m-%dT%H:%M:%SZ','now') END WHERE id = ?1";
static const char Q_MOVE_MORE[] = "SELECT EXISTS (SELECT 1 FROM group_moves INDEXED BY group_moves_running WHERE finished_at IS NULL)";

typedef struct { int max; int64_t moved; bool more; } move_arg;

static int move_txn(store *s, void *arg) {
    move_arg *x = arg;
    x->moved = 0;
    x->more = false;
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_MOVE_NEXT, &db);
    if (!st) return STORE_ERROR;
    if (sqlite3_step(st) != SQLITE_ROW) { sq_done(st); return STORE_OK; }
    int64_t id = sqlite3_column_int64(st, 0), from = sqlite3_column_int64(st, 1), into = sqlite3_column_int64(st, 2);
    sq_done(st);
    if (!(st = sq_stmt(s, Q_MOVE_ROWS, &db))) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, into);
    sqlite3_bind_int(st, 3, x->max);
    int rc = sq_exec(s, st, db, "group move");
    if (rc) return rc;
    x->moved = sqlite3_changes(db);
    if (!(st = sq_stmt(s, Q_MOVE_ADVANCE, &db))) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, x->moved);
    sqlite3_bind_int(st, 3, x->moved < x->max);
    if ((rc = sq_exec(s, st, db, "group move: step"))) return rc;
    if (!(st = sq_stmt(s, Q_MOVE_MORE, &db))) return STORE_ERROR;
    x->more = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
    sq_done(st);
    return STORE_OK;
}

int sq_group_move_step(store *s, int max, int64_t *moved, bool *more) {
    *moved = 0;
    *more = false;
    /* Nearly always nothing to move: a read says so without the writers' turn. */
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_MOVE_MORE, &db);
    if (!st) return STORE_ERROR;
    int step = sqlite3_step(st);
    bool any = step == SQLITE_ROW && sqlite3_column_int(st, 0);
    sq_done(st);
    if (step != SQLITE_ROW) { sq_set_err(db, "group move"); return STORE_ERROR; }
    if (!any) return STORE_OK;
    sq_turn_pass(s);   /* one step of a long job: a writer waiting goes first */
    move_arg x = { max > 0 ? max : 1, 0, false };
    int rc = sq_in_txn(s, move_txn, &x);
    *moved = rc ? 0 : x.moved;
    *more = !rc && x.more;
    return rc;
}

static int apply_txn(store *s, void *arg) {
    apply_arg *x = arg;
    if (!x->n) return STORE_OK;
    char now[32];
    sq_now_ms(now, sizeof now);
    buf ids = {0};
    int rc = buf_putc(&ids, '[');
    for (size_t i = 0; i < x->n && !rc; i++) rc = buf_printf(&ids, "%s%lld", i ? "," : "", (long long)x->a[i].id);
    if (rc || buf_putc(&ids, ']')) { buf_free(&ids); sq_set_err(NULL, "analysis: out of memory"); return STORE_ERROR; }
    /* Routing and holding move messages in the figures: the batch's
     * contributions come out before and go back in after, two statements
     * for the whole batch. */
    rc = sq_agg_batch(s, &x->a[0].id, sizeof *x->a, x->n, -1);
    if (rc) { buf_free(&ids); return rc; }
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_FTS_ADD_BATCH, &db);
    if (!st) { buf_free(&ids); return STORE_ERROR; }
    sqlite3_bind_text(st, 1, ids.p, (int)ids.n, SQLITE_STATIC);
    rc = sq_fts_with_words(s, st, db, x->a, x->n);
    buf_free(&ids);
    for (size_t i = 0; i < x->n && rc == STORE_OK; i++) rc = apply_one(s, &x->a[i], now);
    if (rc == STORE_OK) rc = sq_agg_batch(s, &x->a[0].id, sizeof *x->a, x->n, +1);
    for (size_t i = 0; i < x->nkw && rc == STORE_OK; i++) rc = sq_keyword_count(s, x->kw[i].word, x->kw[i].day, x->kw[i].n);
    return rc;
}

/* The analyzer's commits do not wait for their fsync: analysis can always
 * be redone (a batch lost in a crash is analyzed = 0 again), and an fsync
 * under the write lock made every intake batch wait for it. The next
 * durable commit of anyone flushes these frames too (the WAL is one file,
 * appended in commit order). PostgreSQL: SET LOCAL synchronous_commit = off. */
static const char Q_SYNC_NORMAL[] = "PRAGMA synchronous=NORMAL";
static const char Q_SYNC_FULL[] = "PRAGMA synchronous=FULL";

/* Messages per transaction of the analyzer. A transaction holds the
 * writers' lock, and the intake writer waits for it: a whole batch (4,096)
 * held it for a few hundred ms, the tail of the durable POST's latency.
 * Each message's result stands alone, so a batch can commit in parts. */
#define APPLY_CHUNK 256

int sq_analysis_apply(store *s, const store_analysis *a, size_t n, const store_kw_count *kw, size_t nkw) {
    bool inside, relax = sq_sync_full(s);
    if (sq_in_batch(s, &inside)) return STORE_ERROR;
    relax = relax && !inside;
    if (relax && sq_txn(s, Q_SYNC_NORMAL)) return STORE_ERROR;
    int rc = STORE_OK;
    size_t step = inside || !n ? n : APPLY_CHUNK, at = 0;
    do {
        size_t k = n - at < step ? n - at : step;
        bool last = at + k >= n;
        apply_arg x = { a + at, k, last ? kw : NULL, last ? nkw : 0 };   /* keyword counts with the last part */
        rc = sq_in_txn(s, apply_txn, &x);
        at += k;
        if (rc == STORE_OK && at < n) sq_turn_pass(s);   /* the intake's next batch first */
    } while (rc == STORE_OK && at < n);
    if (relax && sq_txn(s, Q_SYNC_FULL) && rc == STORE_OK) rc = STORE_ERROR;
    return rc;
}

/* ---- transfer (a correction of the routing) ----------------------------- */

static const char Q_CORRECTION_ADD[] = "INSERT INTO corrections(message_id, from_department_id, to_department_id, user_id, reason) "
                                       "VALUES (?1, nullif(?2,0), ?3, nullif(?4,0), ?5)";
static const char Q_TRANSFER[] = "UPDATE messages SET department_id = ?2, state = 'assigned' WHERE id = ?1";

typedef struct { int64_t id, to, user; str reason; } transfer_arg;

static int transfer_write(store *s, transfer_arg *x);

static int transfer_txn(store *s, void *arg) {
    transfer_arg *x = arg;
    int rc = sq_agg_msg(s, x->id, -1);
    if (rc == STORE_OK) rc = transfer_write(s, x);
    if (rc == STORE_OK) rc = sq_agg_msg(s, x->id, +1);
    return rc;
}

static int transfer_write(store *s, transfer_arg *x) {
    sqlite3 *db;
    char state[16];
    int64_t from;
    int rc = sq_life_check(s, x->id, "transfer", state, &from);
    if (rc) return rc;
    sqlite3_stmt *st = sq_stmt(s, Q_CORRECTION_ADD, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, x->id);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, x->to);
    sqlite3_bind_int64(st, 4, x->user);
    sq_bind_str(st, 5, x->reason);
    rc = sq_exec(s, st, db, "record correction");
    if (rc) return rc;
    st = sq_stmt(s, Q_TRANSFER, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, x->id);
    sqlite3_bind_int64(st, 2, x->to);
    if ((rc = sq_exec(s, st, db, "transfer"))) return rc;
    json_t *d = json_pack("{s:I,s:I,s:s,s:s}", "from_department_id", (json_int_t)from, "to_department_id", (json_int_t)x->to,
                          "from", state, "to", "assigned");
    if (x->reason.p) json_object_set_new(d, "reason", json_stringn(x->reason.p, x->reason.n));
    rc = sq_event_add(s, x->user, "transfer", x->id, d);
    json_decref(d);
    return rc;
}

int sq_msg_transfer(store *s, int64_t id, int64_t to_dept, int64_t user_id, str reason) {
    transfer_arg x = { id, to_dept, user_id, reason };
    return sq_in_txn(s, transfer_txn, &x);
}

/* ---- moderation --------------------------------------------------------- */

static const char Q_HELD[] = "SELECT m.id, m.tracking_code, m.title, m.body, m.type, m.created_at, m.hold_reason, "
                             "coalesce(m.spam_score,0), m.author_ip FROM messages m WHERE m.moderation = 'held' "
                             "ORDER BY m.id LIMIT ?1 OFFSET ?2";
static const char Q_HELD_COUNT[] = "SELECT count(*) FROM messages WHERE moderation = 'held'";

int sq_moderation_queue(store *s, int limit, int offset, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_HELD_COUNT, NULL);
    if (!st) return STORE_ERROR;
    json_int_t total = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sq_done(st);
    st = sq_stmt(s, Q_HELD, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int(st, 1, limit > 0 ? limit : 50);
    sqlite3_bind_int(st, 2, offset > 0 ? offset : 0);
    json_t *a = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *reason = sqlite3_column_type(st, 6) == SQLITE_NULL ? NULL : json_loads(sq_col_text(st, 6), 0, NULL);
        json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:o,s:f,s:s}",
            "id", (json_int_t)sqlite3_column_int64(st, 0), "tracking_code", sq_col_text(st, 1),
            "title", sq_col_text(st, 2), "body", sq_col_text(st, 3), "type", sq_col_text(st, 4),
            "created_at", sq_col_text(st, 5), "hold_reason", reason ? reason : json_null(),
            "spam_score", sqlite3_column_double(st, 7), "author_ip", sq_col_text(st, 8)));
    }
    sq_done(st);
    *out = json_pack("{s:I,s:o}", "total", total, "messages", a);
    return STORE_OK;
}

/* Approving publishes the message and sends it back through the analyzer
 * (analyzed = 0) so it gets routed; rejecting closes it. */
static const char Q_MODERATE[] =
    "UPDATE messages SET moderation = ?2, spam_label = ?3, analyzed = CASE WHEN ?2 = 'approved' THEN 0 ELSE analyzed END, "
    "state = CASE WHEN ?2 = 'rejected' THEN 'closed' ELSE state END WHERE id = ?1 AND moderation = 'held'";

typedef struct { int64_t id, user; const char *decision; str reason; } moderate_arg;

static int moderate_write(store *s, moderate_arg *x);

static int moderate_txn(store *s, void *arg) {
    moderate_arg *x = arg;
    int rc = sq_agg_msg(s, x->id, -1);
    if (rc == STORE_OK) rc = moderate_write(s, x);
    if (rc == STORE_OK) rc = sq_agg_msg(s, x->id, +1);
    return rc;
}

static int moderate_write(store *s, moderate_arg *x) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_MODERATE, &db);
    if (!st) return STORE_ERROR;
    bool approve = !strcmp(x->decision, "approve"), spam = !strcmp(x->decision, "spam");
    sqlite3_bind_int64(st, 1, x->id);
    sqlite3_bind_text(st, 2, approve ? "approved" : "rejected", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, approve ? "ham" : spam ? "spam" : NULL, -1, SQLITE_STATIC);
    if (!approve && !spam) sqlite3_bind_null(st, 3);
    int rc = sq_exec(s, st, db, "moderate");
    if (rc) return rc;
    if (sqlite3_changes(db) == 0) return STORE_NOT_FOUND;   /* no such held message */
    json_t *d = json_pack("{s:s}", "decision", x->decision);
    if (x->reason.p) json_object_set_new(d, "reason", json_stringn(x->reason.p, x->reason.n));
    rc = sq_event_add(s, x->user, "moderate", x->id, d);
    json_decref(d);
    return rc;
}

int sq_moderate(store *s, int64_t id, int64_t user_id, const char *decision, str reason) {
    moderate_arg x = { id, user_id, decision, reason };
    return sq_in_txn(s, moderate_txn, &x);
}

/* ---- near-duplicate groups ---------------------------------------------- */

static const char Q_GROUP_SUMMARY[] =
    "SELECT count(*), count(DISTINCT coalesce(author, author_ip, id)), min(created_at), max(created_at), count(*) "
    "FROM messages WHERE group_id = ?1";
/* A campaign of millions of messages: its size and span as msg_groups
 * keeps them, its writers counted among its newest members (the summary
 * above read every member: seconds at 1.9M). authors_counted says how
 * many members the writers were counted among. */
#define GROUP_AUTHORS_EXACT 10000
#define QUOTE_(x) #x
#define QUOTE(x) QUOTE_(x)
static const char Q_GROUP_SIZE_OF[] = "SELECT size FROM msg_groups WHERE id = ?1";
static const char Q_GROUP_SUMMARY_BIG[] =
    "SELECT g.size, (SELECT count(DISTINCT a) FROM (SELECT coalesce(x.author, x.author_ip, x.id) AS a FROM messages x "
    "  WHERE x.group_id = g.id ORDER BY x.id DESC LIMIT " QUOTE(GROUP_AUTHORS_EXACT) ")), g.first_at, g.last_at, "
    "  min(g.size, " QUOTE(GROUP_AUTHORS_EXACT) ") "
    "FROM msg_groups g WHERE g.id = ?1";
static const char Q_GROUP_MEMBERS[] =
    "SELECT m.id, m.tracking_code, m.title, m.created_at, m.state, coalesce(d.name,'') FROM messages m "
    "LEFT JOIN departments d ON d.id = m.department_id WHERE m.group_id = ?1 ORDER BY m.id LIMIT ?2";

int sq_group_members(store *s, int64_t group_id, int limit, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_GROUP_SIZE_OF, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, group_id);
    bool big = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > GROUP_AUTHORS_EXACT;
    sq_done(st);
    if (!(st = sq_stmt(s, big ? Q_GROUP_SUMMARY_BIG : Q_GROUP_SUMMARY, NULL))) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, group_id);
    json_t *o = NULL;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0)
        o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:s,s:s}", "group_id", (json_int_t)group_id, "representative_id", (json_int_t)group_id,
                      "size", (json_int_t)sqlite3_column_int64(st, 0), "authors", (json_int_t)sqlite3_column_int64(st, 1),
                      "authors_counted", (json_int_t)sqlite3_column_int64(st, 4),
                      "first_at", sq_col_text(st, 2), "last_at", sq_col_text(st, 3));
    sq_done(st);
    if (!o) return STORE_NOT_FOUND;
    st = sq_stmt(s, Q_GROUP_MEMBERS, NULL);
    if (!st) { json_decref(o); return STORE_ERROR; }
    sqlite3_bind_int64(st, 1, group_id);
    sqlite3_bind_int(st, 2, limit > 0 ? limit : 100);
    json_t *a = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)sqlite3_column_int64(st, 0),
                                           "tracking_code", sq_col_text(st, 1), "title", sq_col_text(st, 2),
                                           "created_at", sq_col_text(st, 3), "state", sq_col_text(st, 4),
                                           "department", sq_col_text(st, 5)));
    sq_done(st);
    json_object_set_new(o, "members", a);
    *out = o;
    return STORE_OK;
}

static const char Q_GROUP_INDEX[] = "SELECT id, coalesce(group_id, 0), coalesce(author, author_ip, ''), created_at, dedup_sig "
                                    "FROM messages WHERE analyzed = 1 AND dedup_sig IS NOT NULL AND id > ?1 ORDER BY id";

int sq_group_index(store *s, int64_t after, int (*cb)(void *ud, int64_t id, int64_t group_id, str author, const char *created_at,
                                      const void *sig, size_t n), void *ud) {
    sqlite3_stmt *st = sq_stmt(s, Q_GROUP_INDEX, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, after);
    int rc = STORE_OK;
    while (sqlite3_step(st) == SQLITE_ROW) {
        str author = { sq_col_text(st, 2), (size_t)sqlite3_column_bytes(st, 2) };
        if (cb(ud, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), author, sq_col_text(st, 3),
               sqlite3_column_blob(st, 4), (size_t)sqlite3_column_bytes(st, 4))) { rc = STORE_ERROR; break; }
    }
    sq_done(st);
    return rc;
}

static const char Q_PUBLISHED_AFTER[] =
    "SELECT " SQ_MSG_COLS " FROM messages m LEFT JOIN departments d ON d.id = m.department_id "
    "WHERE m.id > ?1 AND m.analyzed = 1 AND m.moderation NOT IN ('held','rejected') ORDER BY m.id";

int sq_msg_published_after(store *s, int64_t after, int (*cb)(void *ud, const store_msg *m), void *ud) {
    sqlite3_stmt *st = sq_stmt(s, Q_PUBLISHED_AFTER, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, after);
    int rc = STORE_OK, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        store_msg m;
        sq_read_msg(st, &m);
        rc = cb(ud, &m);
        store_msg_clear(&m);
        if (rc) break;
    }
    if (!rc && step != SQLITE_DONE) { sq_set_err(sqlite3_db_handle(st), "read messages"); rc = STORE_ERROR; }
    sq_done(st);
    return rc;
}

/* ---- state kept across restarts ----------------------------------------- */

/* An image is written as generations: its chunks of generation g are the
 * rows (name, g * STATE_GEN + i), each in a transaction of its own, so that
 * writing a national-scale image (hundreds of MB: one write held every
 * other writer for 1.5-2 s at 854k messages and would for ~20 s at 8.5M)
 * lets intake commits through between chunks. A marker row (name, -g),
 * written with the last chunk in place, names the complete generation;
 * readers take only that one, so the previous image stays whole until the
 * marker moves, and a write that dies leaves rows the next write clears.
 * A database from before the markers has one image at parts 0.. (g = 0). */
#define STATE_CHUNK (4u << 20)
#define STATE_GEN ((int64_t)1 << 20)   /* chunks per generation: 4 TB */

#define STATE_MARKED "(SELECT coalesce(-min(part), 0) FROM app_state WHERE name = ?1 AND part < 0)"
static const char Q_STATE_GEN[] = "SELECT " STATE_MARKED;
static const char Q_STATE_CLEAR[] = "DELETE FROM app_state WHERE name = ?1 AND part >= ?2";
static const char Q_STATE_ADD[] = "INSERT INTO app_state(name, part, mark, data) VALUES (?1, ?2, ?3, ?4)";
static const char Q_STATE_MARK[] = "DELETE FROM app_state WHERE name = ?1 AND part < 0";
/* Older generations, one chunk per statement (and transaction): the one just
 * replaced, and any a process that died after its switch left behind. */
static const char Q_STATE_DROP_ONE[] =
    "DELETE FROM app_state WHERE name = ?1 AND part = (SELECT min(part) FROM app_state WHERE name = ?1 AND part >= 0 AND part < ?2)";
/* The marker and the chunks in one statement, so one snapshot: a write
 * switching generations meanwhile cannot hand over half of each. */
static const char Q_STATE_GET[] =   /* (a join with the marker sorted the chunks in a temporary b-tree) */
    "SELECT mark, data FROM app_state WHERE name = ?1 AND part >= " STATE_MARKED " * ?2 "
    "AND part < (" STATE_MARKED " + 1) * ?2 ORDER BY part";

typedef struct {
    const char *name; int64_t mark, gen;
    char *chunk; size_t n; int64_t part;   /* the chunk being filled, and its part */
} state_arg;

/* The complete generation of name (0: none kept, or one from before the markers). */
static int state_gen(store *s, const char *name, int64_t *gen) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_STATE_GEN, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    *gen = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sq_done(st);
    if (r != SQLITE_ROW) { sq_set_err(db, "read state"); return STORE_ERROR; }
    return STORE_OK;
}

static int state_add(store *s, const char *name, int64_t part, int64_t mark, const void *data, size_t n) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_STATE_ADD, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, part);
    sqlite3_bind_int64(st, 3, mark);
    sqlite3_bind_blob(st, 4, n ? data : "", (int)n, SQLITE_STATIC);
    return sq_exec(s, st, db, "keep state");
}

/* The last chunk and the marker, together: the new image becomes the one. */
static int state_switch(store *s, void *arg) {
    state_arg *x = arg;
    int rc = x->n ? state_add(s, x->name, x->part++, x->mark, x->chunk, x->n) : STORE_OK;
    if (rc) return rc;
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_STATE_MARK, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_text(st, 1, x->name, -1, SQLITE_STATIC);
    if ((rc = sq_exec(s, st, db, "keep state"))) return rc;
    return state_add(s, x->name, -x->gen, x->mark, NULL, 0);
}

typedef struct { store *s; state_arg *x; bool failed; } state_put_ctx;

static int state_put_piece(void *pud, const void *p, size_t n) {
    state_put_ctx *c = pud;
    state_arg *x = c->x;
    const char *q = p;
    while (n) {
        /* A full chunk is written once more bytes come (the last one waits for the marker). */
        if (x->n == STATE_CHUNK) {
            if (state_add(c->s, x->name, x->part++, x->mark, x->chunk, x->n)) { c->failed = true; return -1; }
            x->n = 0;
        }
        size_t k = STATE_CHUNK - x->n < n ? STATE_CHUNK - x->n : n;
        memcpy(x->chunk + x->n, q, k);
        x->n += k; q += k; n -= k;
    }
    return 0;
}

int sq_state_put(store *s, const char *name, int64_t mark,
                 int (*fill)(void *ud, int (*put)(void *pud, const void *p, size_t n), void *pud), void *ud) {
    int64_t old;
    int rc = state_gen(s, name, &old);
    if (rc) return rc;
    state_arg x = { name, mark, old + 1, malloc(STATE_CHUNK), 0, (old + 1) * STATE_GEN };
    if (!x.chunk) { sq_set_err(NULL, "keep state: out of memory"); return STORE_ERROR; }
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_STATE_CLEAR, &db);   /* what a write that died left */
    if (!st) { free(x.chunk); return STORE_ERROR; }
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, x.part);
    rc = sq_exec(s, st, db, "keep state");
    state_put_ctx c = { s, &x, false };
    if (!rc && fill(ud, state_put_piece, &c)) {
        if (!c.failed) sq_set_err(NULL, "keep state: could not write it");
        rc = STORE_ERROR;
    }
    if (!rc) rc = sq_in_txn(s, state_switch, &x);
    free(x.chunk);
    /* The previous images, a chunk at a time; what a failure here leaves goes with the next write. */
    for (int changed = 1; !rc && changed; ) {
        if (!(st = sq_stmt(s, Q_STATE_DROP_ONE, &db))) return STORE_ERROR;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, x.gen * STATE_GEN);
        rc = sq_exec(s, st, db, "keep state");
        changed = sqlite3_changes(db) > 0;
    }
    return rc;
}

int sq_state_get(store *s, const char *name, int64_t *mark, int (*cb)(void *ud, const void *p, size_t n), void *ud) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_STATE_GET, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, STATE_GEN);
    int rc = STORE_NOT_FOUND, r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        *mark = sqlite3_column_int64(st, 0);
        const void *p = sqlite3_column_blob(st, 1);
        if (cb(ud, p, (size_t)sqlite3_column_bytes(st, 1))) { rc = STORE_INVALID; break; }
        rc = STORE_OK;
    }
    if (r != SQLITE_ROW && r != SQLITE_DONE) { sq_set_err(db, "read state"); rc = STORE_ERROR; }
    sq_done(st);
    return rc;
}

/* ---- models and the label map ------------------------------------------- */

static const char Q_MODEL_ADD[] = "INSERT INTO models(kind, name, data, meta) VALUES (?1, ?2, ?3, ?4)";
static const char Q_MODEL_OFF[] = "UPDATE models SET active = 0 WHERE kind = ?1 AND active = 1";
static const char Q_MODEL_ON[] = "UPDATE models SET active = 1 WHERE kind = ?1 AND id = ?2";
static const char Q_MODEL_ACTIVE[] = "SELECT id, data FROM models WHERE kind = ?1 AND active = 1";
static const char Q_MODEL_LIST[] = "SELECT id, name, length(data), meta, active, created_at FROM models WHERE kind = ?1 ORDER BY id DESC";

int sq_model_add(store *s, const char *kind, str name, const void *data, size_t n, json_t *meta, int64_t *id) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_MODEL_ADD, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_TRANSIENT);
    sq_bind_str(st, 2, name);
    sqlite3_bind_blob64(st, 3, data, n, SQLITE_STATIC);
    char *m = meta ? json_dumps(meta, JSON_COMPACT) : NULL;
    if (m) sqlite3_bind_text(st, 4, m, -1, free);
    return sq_insert_id(s, st, db, "add model", id);
}

typedef struct { const char *kind; int64_t id; } activate_arg;

static int activate_txn(store *s, void *arg) {
    activate_arg *x = arg;
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_MODEL_OFF, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_text(st, 1, x->kind, -1, SQLITE_TRANSIENT);
    int rc = sq_exec(s, st, db, "deactivate model");
    if (rc) return rc;
    st = sq_stmt(s, Q_MODEL_ON, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_text(st, 1, x->kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, x->id);
    if ((rc = sq_exec(s, st, db, "activate model"))) return rc;
    return sqlite3_changes(db) ? STORE_OK : STORE_NOT_FOUND;
}

int sq_model_activate(store *s, const char *kind, int64_t id) {
    activate_arg x = { kind, id };
    return sq_in_txn(s, activate_txn, &x);
}

int sq_model_active(store *s, const char *kind, int64_t *id, void **data, size_t *n) {
    sqlite3_stmt *st = sq_stmt(s, Q_MODEL_ACTIVE, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_TRANSIENT);
    int rc = STORE_NOT_FOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        *n = (size_t)sqlite3_column_bytes(st, 1);
        *data = malloc(*n ? *n : 1);
        if (*data) { memcpy(*data, sqlite3_column_blob(st, 1), *n); rc = STORE_OK; }
        else rc = STORE_ERROR;
    }
    sq_done(st);
    return rc;
}

static const char Q_MODEL_ACTIVE_ID[] = "SELECT id FROM models WHERE kind = ?1 AND active = 1";

int sq_model_active_id(store *s, const char *kind, int64_t *id) {
    sqlite3_stmt *st = sq_stmt(s, Q_MODEL_ACTIVE_ID, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_TRANSIENT);
    int rc = STORE_NOT_FOUND;
    if (sqlite3_step(st) == SQLITE_ROW) { *id = sqlite3_column_int64(st, 0); rc = STORE_OK; }
    sq_done(st);
    return rc;
}

int sq_model_list(store *s, const char *kind, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_MODEL_LIST, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_TRANSIENT);
    json_t *a = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *meta = sqlite3_column_type(st, 3) == SQLITE_NULL ? NULL : json_loads(sq_col_text(st, 3), 0, NULL);
        json_array_append_new(a, json_pack("{s:I,s:s,s:I,s:o,s:b,s:s}", "id", (json_int_t)sqlite3_column_int64(st, 0),
                                           "name", sq_col_text(st, 1), "bytes", (json_int_t)sqlite3_column_int64(st, 2),
                                           "meta", meta ? meta : json_null(), "active", sqlite3_column_int(st, 4),
                                           "created_at", sq_col_text(st, 5)));
    }
    sq_done(st);
    *out = a;
    return STORE_OK;
}

static const char Q_LABEL_SET[] = "INSERT INTO label_departments(label, department_id) VALUES (?1, ?2) "
                                  "ON CONFLICT(label) DO UPDATE SET department_id = excluded.department_id";
static const char Q_LABEL_DEL[] = "DELETE FROM label_departments WHERE label = ?1";
static const char Q_LABEL_LIST[] = "SELECT l.label, l.department_id, d.name FROM label_departments l "
                                   "JOIN departments d ON d.id = l.department_id ORDER BY l.label";

int sq_label_map_set(store *s, str label, int64_t dept_id) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, dept_id ? Q_LABEL_SET : Q_LABEL_DEL, &db);
    if (!st) return STORE_ERROR;
    sq_bind_str(st, 1, label);
    if (dept_id) sqlite3_bind_int64(st, 2, dept_id);
    return sq_exec(s, st, db, "set label mapping");
}

int sq_label_map_list(store *s, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_LABEL_LIST, NULL);
    if (!st) return STORE_ERROR;
    json_t *a = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(a, json_pack("{s:s,s:I,s:s}", "label", sq_col_text(st, 0),
                                           "department_id", (json_int_t)sqlite3_column_int64(st, 1), "department", sq_col_text(st, 2)));
    sq_done(st);
    *out = a;
    return STORE_OK;
}

/* ---- sensitive words and settings --------------------------------------- */

static const char Q_WORD_ADD[] = "INSERT INTO sensitive_words(word) VALUES (?1)";
static const char Q_WORD_DEL[] = "DELETE FROM sensitive_words WHERE id = ?1";
static const char Q_WORD_LIST[] = "SELECT id, word, created_at FROM sensitive_words ORDER BY id";
static const char Q_WORDS_BUMP[] = "INSERT INTO settings(key, value) VALUES ('words_version', '1') "
                                   "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1";

static int bump_words(store *s) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_WORDS_BUMP, &db);
    return st ? sq_exec(s, st, db, "bump words version") : STORE_ERROR;
}

int sq_word_add(store *s, str word, int64_t *id) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_WORD_ADD, &db);
    if (!st) return STORE_ERROR;
    sq_bind_str(st, 1, word);
    int rc = sq_insert_id(s, st, db, "add sensitive word", id);
    return rc ? rc : bump_words(s);
}

int sq_word_del(store *s, int64_t id) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_WORD_DEL, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    int rc = sq_exec(s, st, db, "delete sensitive word");
    if (rc) return rc;
    if (!sqlite3_changes(db)) return STORE_NOT_FOUND;
    return bump_words(s);
}

int sq_word_list(store *s, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_WORD_LIST, NULL);
    if (!st) return STORE_ERROR;
    json_t *a = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(a, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)sqlite3_column_int64(st, 0),
                                           "word", sq_col_text(st, 1), "created_at", sq_col_text(st, 2)));
    sq_done(st);
    *out = a;
    return STORE_OK;
}

static const char Q_SETTING_GET[] = "SELECT value FROM settings WHERE key = ?1";
static const char Q_SETTING_SET[] = "INSERT INTO settings(key, value) VALUES (?1, ?2) "
                                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value";

int sq_setting_get(store *s, const char *key, char *out, size_t cap) {
    sqlite3_stmt *st = sq_stmt(s, Q_SETTING_GET, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    int rc = STORE_NOT_FOUND;
    if (sqlite3_step(st) == SQLITE_ROW) { snprintf(out, cap, "%s", sq_col_text(st, 0)); rc = STORE_OK; }
    sq_done(st);
    return rc;
}

int sq_setting_set(store *s, const char *key, const char *value) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_SETTING_SET, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
    int rc = sq_exec(s, st, db, "set setting");
    sq_deadlines_changed();
    return rc;
}

/* ---- training data ------------------------------------------------------ */

/* The department that finally handled a message is the truth: a message
 * counts once a handler replied to it or someone transferred it. Its label is
 * the classifier's own when that maps to the department, else the first
 * label mapped to the department. */
static const char Q_TRAIN_CLASSIFIER[] =
    "SELECT m.title, m.body, coalesce((SELECT l.label FROM label_departments l WHERE l.label = m.label AND l.department_id = m.department_id), "
    "  (SELECT min(l.label) FROM label_departments l WHERE l.department_id = m.department_id)) AS lab "
    "FROM messages m WHERE m.department_id IS NOT NULL AND m.moderation IN ('none','approved') "
    "AND (m.state IN ('replied','closed') OR EXISTS (SELECT 1 FROM corrections c WHERE c.message_id = m.id)) "
    "AND lab IS NOT NULL ORDER BY m.id";
static const char Q_TRAIN_SPAM[] = "SELECT title, body, spam_label FROM messages WHERE spam_label IS NOT NULL ORDER BY id";

int sq_training_rows(store *s, const char *kind, int (*cb)(void *ud, str title, str body, str label), void *ud) {
    sqlite3_stmt *st = sq_stmt(s, !strcmp(kind, "spam") ? Q_TRAIN_SPAM : Q_TRAIN_CLASSIFIER, NULL);
    if (!st) return STORE_ERROR;
    int rc = STORE_OK;
    while (sqlite3_step(st) == SQLITE_ROW) {
        str t = { sq_col_text(st, 0), (size_t)sqlite3_column_bytes(st, 0) };
        str b = { sq_col_text(st, 1), (size_t)sqlite3_column_bytes(st, 1) };
        str l = { sq_col_text(st, 2), (size_t)sqlite3_column_bytes(st, 2) };
        if (cb(ud, t, b, l)) { rc = STORE_ERROR; break; }
    }
    sq_done(st);
    return rc;
}

/* ---- one reply for a whole group, in steps -------------------------------- */

static const char Q_GR_ADD[] =
    "INSERT INTO group_replies(group_id, department_id, user_id, body, upto) "
    "VALUES (?1, ?2, nullif(?3, 0), ?4, (SELECT coalesce(max(id), 0) FROM messages))";
static const char Q_GR_GET[] =
    "SELECT g.group_id, g.department_id, coalesce(g.user_id, 0), g.body, g.upto, g.done_upto, g.replied, g.created_at, "
    "g.finished_at, coalesce(u.login, '') FROM group_replies g LEFT JOIN users u ON u.id = g.user_id WHERE g.id = ?1";
/* The members after the last step's, in id order (the group's index is
 * (group_id, id)), with whether each is to be answered: a step reads at
 * most ?5 of them, answered or not, so a group mostly answered already
 * does not make one long step. */
static const char Q_GR_MEMBERS[] =
    "SELECT id, coalesce(department_id, 0), state IN ('new','assigned') AND moderation IN ('none','approved') "
    "AND (?2 = 0 OR department_id = ?2) FROM messages INDEXED BY messages_group "
    "WHERE group_id = ?1 AND id > ?3 AND id <= ?4 ORDER BY id LIMIT ?5";
/* Rows of a group merged into this one and not moved yet are members too:
 * the job waits until they have moved (the background thread moves first). */
static const char Q_GR_MOVES_IN[] = "SELECT EXISTS (SELECT 1 FROM group_moves INDEXED BY group_moves_running "
                                    "WHERE finished_at IS NULL AND into_group = ?1)";
static const char Q_GR_ADVANCE[] =
    "UPDATE group_replies SET done_upto = ?2, replied = replied + ?3, "
    "finished_at = CASE WHEN ?4 THEN strftime('%Y-%m-%dT%H:%M:%SZ','now') END WHERE id = ?1";
static const char Q_GR_UNFINISHED[] = "SELECT min(id) FROM group_replies INDEXED BY group_replies_running WHERE finished_at IS NULL";

int sq_group_reply_start(store *s, int64_t group_id, int64_t dept_id, int64_t user_id, str body, int64_t *job) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_GR_ADD, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, group_id);
    sqlite3_bind_int64(st, 2, dept_id);
    sqlite3_bind_int64(st, 3, user_id);
    sq_bind_str(st, 4, body);
    return sq_insert_id(s, st, db, "group reply", job);
}

typedef struct { int64_t job; int max; int64_t replied; bool finished; } gr_step_arg;

static int gr_step_txn(store *s, void *arg) {
    gr_step_arg *x = arg;
    x->replied = 0;
    x->finished = false;
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_GR_GET, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, x->job);
    if (sqlite3_step(st) != SQLITE_ROW) { sq_done(st); sq_set_err(NULL, "group reply: no such job"); return STORE_NOT_FOUND; }
    int64_t group = sqlite3_column_int64(st, 0), dept = sqlite3_column_int64(st, 1), user = sqlite3_column_int64(st, 2);
    int64_t upto = sqlite3_column_int64(st, 4), after = sqlite3_column_int64(st, 5);
    bool done = sqlite3_column_type(st, 8) != SQLITE_NULL;
    char *body = done ? NULL : strdup(sq_col_text(st, 3));
    sq_done(st);
    if (done) { x->finished = true; return STORE_OK; }
    if (!body) { sq_set_err(NULL, "group reply: out of memory"); return STORE_ERROR; }
    if (!(st = sq_stmt(s, Q_GR_MOVES_IN, &db))) { free(body); return STORE_ERROR; }
    sqlite3_bind_int64(st, 1, group);
    bool moving = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
    sq_done(st);
    if (moving) { free(body); return STORE_OK; }
    /* Collected first: the replies change the rows the statement walks. */
    int64_t *ids = malloc((size_t)x->max * sizeof *ids), *depts = malloc((size_t)x->max * sizeof *depts);
    bool *to_answer = malloc((size_t)x->max);
    int n = 0, rc = STORE_OK;
    if (!ids || !depts || !to_answer) { rc = STORE_ERROR; sq_set_err(NULL, "group reply: out of memory"); }
    else if (!(st = sq_stmt(s, Q_GR_MEMBERS, NULL))) rc = STORE_ERROR;
    else {
        sqlite3_bind_int64(st, 1, group);
        sqlite3_bind_int64(st, 2, dept);
        sqlite3_bind_int64(st, 3, after);
        sqlite3_bind_int64(st, 4, upto);
        sqlite3_bind_int(st, 5, x->max);
        while (n < x->max && sqlite3_step(st) == SQLITE_ROW) {
            ids[n] = sqlite3_column_int64(st, 0);
            depts[n] = sqlite3_column_int64(st, 1);
            to_answer[n++] = sqlite3_column_int(st, 2) != 0;
        }
        sq_done(st);
    }
    str b = { body, body ? strlen(body) : 0 };
    for (int i = 0; rc == STORE_OK && i < n; i++) {
        if (!to_answer[i]) continue;
        int64_t rid;
        rc = sq_reply_one(s, ids[i], user, depts[i], b, (str){0}, group, &rid);
        if (rc == STORE_OK) x->replied++;
    }
    if (rc == STORE_OK) {
        x->finished = n < x->max;
        if (!(st = sq_stmt(s, Q_GR_ADVANCE, &db))) rc = STORE_ERROR;
        else {
            sqlite3_bind_int64(st, 1, x->job);
            sqlite3_bind_int64(st, 2, n ? ids[n - 1] : after);
            sqlite3_bind_int64(st, 3, x->replied);
            sqlite3_bind_int(st, 4, x->finished);
            rc = sq_exec(s, st, db, "group reply: step");
        }
    }
    free(ids); free(depts); free(to_answer); free(body);
    return rc;
}

int sq_group_reply_step(store *s, int64_t job, int max, int64_t *replied, bool *finished) {
    sq_turn_pass(s);   /* one step of a long job: a writer waiting goes first */
    gr_step_arg x = { job, max > 0 ? max : 1, 0, false };
    int rc = sq_in_txn(s, gr_step_txn, &x);
    *replied = rc ? 0 : x.replied;
    *finished = !rc && x.finished;
    return rc;
}

int sq_group_reply_get(store *s, int64_t job, json_t **out) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_GR_GET, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, job);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sq_done(st);
        if (rc == SQLITE_DONE) { sq_set_err(NULL, "no such group reply"); return STORE_NOT_FOUND; }
        sq_set_err(db, "group reply");
        return STORE_ERROR;
    }
    bool done = sqlite3_column_type(st, 8) != SQLITE_NULL;
    *out = json_pack("{s:I,s:I,s:I,s:s,s:I,s:s,s:o,s:s}", "id", (json_int_t)job, "group_id", (json_int_t)sqlite3_column_int64(st, 0),
                     "department_id", (json_int_t)sqlite3_column_int64(st, 1), "user", sq_col_text(st, 9),
                     "replied", (json_int_t)sqlite3_column_int64(st, 6), "created_at", sq_col_text(st, 7),
                     "finished_at", done ? json_string(sq_col_text(st, 8)) : json_null(), "status", done ? "done" : "running");
    sq_done(st);
    return *out ? STORE_OK : STORE_ERROR;
}

int sq_group_reply_unfinished(store *s, int64_t *job) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_GR_UNFINISHED, &db);
    if (!st) return STORE_ERROR;
    int rc = sqlite3_step(st);
    *job = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sq_done(st);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) return STORE_OK;
    sq_set_err(db, "group reply: unfinished jobs");
    return STORE_ERROR;
}

/* ---- export ------------------------------------------------------------- */

static const char Q_EACH[] =
    "SELECT " SQ_MSG_COLS ", r.body, r.created_at FROM messages m LEFT JOIN departments d ON d.id = m.department_id "
    "LEFT JOIN replies r ON r.id = (SELECT max(id) FROM replies WHERE message_id = m.id AND status = 'published') "
    "WHERE (?1 = 0 OR m.consultation_id = ?1) ORDER BY m.id";

int sq_msg_each(store *s, int64_t consultation_id,
                int (*cb)(void *ud, const store_msg *m, const char *reply, const char *replied_at), void *ud) {
    sqlite3_stmt *st = sq_stmt(s, Q_EACH, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, consultation_id);
    int rc = STORE_OK, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        store_msg m;
        sq_read_msg(st, &m);
        const char *reply = sqlite3_column_type(st, SQ_MSG_NCOLS) == SQLITE_NULL ? NULL : sq_col_text(st, SQ_MSG_NCOLS);
        const char *at = sqlite3_column_type(st, SQ_MSG_NCOLS + 1) == SQLITE_NULL ? NULL : sq_col_text(st, SQ_MSG_NCOLS + 1);
        int stop = cb(ud, &m, reply, at);
        store_msg_clear(&m);
        if (stop) break;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE) { sq_set_err(sqlite3_db_handle(st), "export"); rc = STORE_ERROR; }
    sq_done(st);
    return rc;
}

/* ---- ratings and public figures ----------------------------------------- */

static const char Q_RATING_ADD[] =
    "INSERT INTO ratings(message_id, score, comment) SELECT id, ?2, ?3 FROM messages "
    "WHERE id = ?1 AND state IN ('replied','closed') AND moderation IN ('none','approved') "
    "ON CONFLICT(message_id) DO UPDATE SET score = excluded.score, comment = excluded.comment, "
    "created_at = strftime('%Y-%m-%dT%H:%M:%SZ','now'), superseded = 0 WHERE ratings.superseded = 1";
static const char Q_RATING_GET[] = "SELECT score, comment, created_at FROM ratings WHERE message_id = ?1 AND superseded = 0";

static int rating_insert(store *s, int64_t msg_id, int score, str comment) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_RATING_ADD, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, msg_id);
    sqlite3_bind_int(st, 2, score);
    sq_bind_str(st, 3, comment);
    int rc = sq_exec(s, st, db, "add rating");
    if (rc) return rc;
    if (sqlite3_changes(db) == 0) return STORE_CONFLICT;   /* not answered yet, or already rated */
    json_t *d = json_pack("{s:i}", "score", score);
    if (comment.p) json_object_set_new(d, "comment", json_stringn(comment.p, comment.n));
    rc = sq_event_add(s, 0, "rating", msg_id, d);
    json_decref(d);
    bool reopened;
    return rc ? rc : sq_rating_reopen(s, msg_id, score, comment, &reopened);
}

/* Rating and figures in one transaction. */
typedef struct { int64_t msg; int score; str comment; } rating_arg;

static int rating_txn(store *s, void *arg) {
    rating_arg *x = arg;
    int rc = sq_agg_msg(s, x->msg, -1);
    if (rc == STORE_OK) rc = rating_insert(s, x->msg, x->score, x->comment);
    if (rc == STORE_OK) rc = sq_agg_msg(s, x->msg, +1);
    return rc;
}

int sq_rating_add(store *s, int64_t msg_id, int score, str comment) {
    rating_arg x = { msg_id, score, comment };
    return sq_in_txn(s, rating_txn, &x);
}

int sq_rating_get(store *s, int64_t msg_id, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_RATING_GET, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, msg_id);
    int rc = STORE_NOT_FOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *out = json_pack("{s:i,s:o,s:s}", "score", sqlite3_column_int(st, 0),
                         "comment", sqlite3_column_type(st, 1) == SQLITE_NULL ? json_null() : json_string(sq_col_text(st, 1)),
                         "created_at", sq_col_text(st, 2));
        rc = STORE_OK;
    }
    sq_done(st);
    return rc;
}

/* ---- historical replies (imports) --------------------------------------- */

typedef struct { int64_t msg, dept; str body, at; } reply_import_arg;

static int reply_import_txn(store *s, void *arg) {
    reply_import_arg *x = arg;
    int64_t id;
    return sq_reply_one(s, x->msg, 0, x->dept, x->body, x->at, 0, &id);
}

int sq_reply_import(store *s, int64_t msg_id, int64_t dept_id, str body, str created_at) {
    reply_import_arg x = { msg_id, dept_id, body, created_at };
    return sq_in_txn(s, reply_import_txn, &x);
}

/* ---- hot issues --------------------------------------------------------- */

static const char Q_KW_ADD[] = "INSERT INTO keyword_days(word, day, n) VALUES (?1, ?2, ?3) "
                               "ON CONFLICT(word, day) DO UPDATE SET n = n + excluded.n";

int sq_keyword_count(store *s, str word, const char *day, int64_t n) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_KW_ADD, &db);
    if (!st) return STORE_ERROR;
    sq_bind_str(st, 1, word);
    sqlite3_bind_text(st, 2, day, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, n);
    return sq_exec(s, st, db, "count keyword");
}

int sq_keywords_add(store *s, const char *day, const str *words, size_t n) {
    for (size_t i = 0; i < n; i++) {
        int rc = sq_keyword_count(s, words[i], day, 1);
        if (rc) return rc;
    }
    return STORE_OK;
}

/* Windows end today (UTC): [today - days + 1, today] and the one before.
 * The day index, named: the planner cannot see how narrow the window is
 * and otherwise scans every word in primary-key order (to save a sort),
 * 40-70 ms at national scale however few rows the window holds. */
static const char Q_HOT_WORDS[] =
    "SELECT word, sum(CASE WHEN day > date('now', '-' || ?1 || ' days') THEN n ELSE 0 END) AS cur, "
    "  sum(CASE WHEN day <= date('now', '-' || ?1 || ' days') THEN n ELSE 0 END) AS prev "
    "FROM keyword_days INDEXED BY keyword_days_day WHERE day > date('now', '-' || (2 * ?1) || ' days') "
    "GROUP BY word HAVING cur > 0 ORDER BY cur DESC, word LIMIT 20";
/* The largest groups active in the window: groups whose latest arrival
 * falls in it (msg_groups_last, named: left to itself the planner walks
 * every group by size), the largest first; authors are counted among the
 * newest 1,000 members (a campaign's size says the rest). */
static const char Q_HOT_GROUPS[] =
    "SELECT g.id, g.size, m.title, d.name, "
    "  (SELECT count(DISTINCT a) FROM (SELECT coalesce(x.author, x.author_ip, x.id) AS a FROM messages x"
    "    WHERE x.group_id = g.id ORDER BY x.id DESC LIMIT 1000)), g.first_at, g.last_at "
    "FROM msg_groups g INDEXED BY msg_groups_last JOIN messages m ON m.id = g.id LEFT JOIN departments d ON d.id = m.department_id "
    "WHERE g.last_at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-' || ?1 || ' days') AND g.size > 1 "
    "AND m.moderation IN ('none','approved') ORDER BY g.size DESC, g.id LIMIT 10";

int sq_hot(store *s, int days, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_HOT_WORDS, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int(st, 1, days);
    json_t *words = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(words, json_pack("{s:s,s:I,s:I}", "word", sq_col_text(st, 0),
                                               "count", (json_int_t)sqlite3_column_int64(st, 1),
                                               "previous", (json_int_t)sqlite3_column_int64(st, 2)));
    sq_done(st);
    st = sq_stmt(s, Q_HOT_GROUPS, NULL);
    if (!st) { json_decref(words); return STORE_ERROR; }
    sqlite3_bind_int(st, 1, days);
    json_t *groups = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *dn = sqlite3_column_type(st, 3) == SQLITE_NULL ? NULL : sq_col_text(st, 3);
        json_array_append_new(groups, json_pack("{s:I,s:I,s:I,s:s,s:o,s:s,s:s}",
            "group_id", (json_int_t)sqlite3_column_int64(st, 0), "size", (json_int_t)sqlite3_column_int64(st, 1),
            "authors", (json_int_t)sqlite3_column_int64(st, 4), "title", sq_col_text(st, 2),
            "department", dn ? json_string(dn) : json_null(), "first_at", sq_col_text(st, 5), "last_at", sq_col_text(st, 6)));
    }
    sq_done(st);
    *out = json_pack("{s:i,s:o,s:o}", "days", days, "keywords", words, "groups", groups);
    return STORE_OK;
}

/* ---- metrics ------------------------------------------------------------ */

static const char Q_G_PENDING[] = "SELECT count(*) FROM messages WHERE analyzed = 0";
static const char Q_G_HELD[] = "SELECT count(*) FROM messages WHERE moderation = 'held'";
static const char Q_G_OVERDUE[] =
    "SELECT count(*) FROM messages WHERE first_reply_at IS NULL AND state <> 'closed' "
    "AND due_at < strftime('%Y-%m-%dT%H:%M:%SZ','now') AND moderation IN ('none','approved')";

static int count_of(store *s, const char *q, int64_t *out) {
    sqlite3_stmt *st = sq_stmt(s, q, NULL);
    if (!st) return STORE_ERROR;
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sq_done(st);
    return rc == SQLITE_ROW ? STORE_OK : STORE_ERROR;
}

int sq_gauges(store *s, store_gauges *out) {
    if (count_of(s, Q_G_PENDING, &out->pending) || count_of(s, Q_G_HELD, &out->held) || count_of(s, Q_G_OVERDUE, &out->overdue))
        return STORE_ERROR;
    return STORE_OK;
}
