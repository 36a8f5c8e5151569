/* sqlite_import.c: bulk import of messages for the SQLite backend
 * (store.h msg_import): many rows in the caller's one transaction, no audit
 * row per message, a row already imported (same consultation and source
 * id) skipped by the unique index rather than looked up first. An import
 * that analyses its rows first (msg_import_analyzed) writes each row once,
 * with its analysis, instead of an INSERT and then the analyzer's UPDATE. */
#include "store/sqlite_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A historical message already past its deadline comes in flagged overdue
 * (what the overdue sweep would do next), so its figures are right at once. */
static const char Q_IMPORT[] =
    "INSERT INTO messages(consultation_id, tracking_code, title, body, type, region, phone, author_ip, state, department_id, "
    "author, created_at, due_at, source_id, overdue, supports, opposes) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, nullif(?10, 0), ?11, coalesce(?12, strftime('%Y-%m-%dT%H:%M:%SZ','now')), ?13, ?14, coalesce(?13 < strftime('%Y-%m-%dT%H:%M:%SZ','now'), 0), ?15, ?16) "
    "ON CONFLICT (consultation_id, source_id) WHERE source_id IS NOT NULL DO NOTHING";

/* The same row with its analysis (analysis_apply's columns) and an id
 * chosen by the caller: ?17.. as the analyzer's updates (sqlite_work.c) set
 * them; ?28 the batch's time, in the place of SQLite's 'now' (two date
 * formattings a row). */
static const char Q_IMPORT_ANALYZED[] =
    "INSERT INTO messages(consultation_id, tracking_code, title, body, type, region, phone, author_ip, state, department_id, "
    "author, created_at, due_at, source_id, overdue, supports, opposes, "
    "id, analyzed, indexed, label, confidence, spam_score, group_id, dedup_sig, moderation, hold_reason, model_id, analyzed_at, route_by) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, nullif(?10, 0), ?11, coalesce(?12, ?28), ?13, ?14, coalesce(?13 < ?28, 0), ?15, ?16, "
    "?17, 1, 1, ?18, ?19, ?20, nullif(?21, 0), ?22, CASE WHEN ?23 THEN 'held' ELSE 'none' END, ?24, nullif(?25, 0), ?26, ?27)";

/* Binds ?1..?16 (the row as Q_IMPORT takes it) with department dept. */
static void bind_row(store *s, sqlite3_stmt *st, const store_new_msg *m, int64_t dept) {
    /* The deadline as intake sets it (working days by type, from the message's own time). */
    char created[32], due[32], code[20];
    snprintf(created, sizeof created, "%.*s", m->created_at.p ? (int)m->created_at.n : 0, m->created_at.p ? m->created_at.p : "");
    if (sq_due_at(s, m->type, created[0] ? created : NULL, due)) due[0] = 0;
    sq_tracking_code(code);
    sqlite3_bind_int64(st, 1, m->consultation_id);
    sqlite3_bind_text(st, 2, code, -1, SQLITE_TRANSIENT);
    sq_bind_str(st, 3, m->title);
    sq_bind_str(st, 4, m->body);
    sq_bind_str(st, 5, m->type);
    sq_bind_str(st, 6, m->region);
    sq_bind_str(st, 7, m->phone);
    sq_bind_str(st, 8, m->author_ip);
    sqlite3_bind_text(st, 9, dept ? "assigned" : "new", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 10, dept);
    sq_bind_str(st, 11, m->author);
    sq_bind_str(st, 12, m->created_at);
    if (due[0]) sqlite3_bind_text(st, 13, due, -1, SQLITE_TRANSIENT);
    sq_bind_str(st, 14, m->source_id);
    sqlite3_bind_int64(st, 15, m->likes > 0 ? m->likes : 0);
    sqlite3_bind_int64(st, 16, m->dislikes > 0 ? m->dislikes : 0);
}

/* Binds an analysis (?17..?27) of Q_IMPORT_ANALYZED and the time (?28,
 * seconds); reason: the hold reason as JSON text (malloc'd, taken) or NULL. */
static void bind_analysis(sqlite3_stmt *st, int64_t id, const store_analysis *a, const char *now, const char *now_s, char *reason) {
    bool route = a->route && !a->hold;
    sqlite3_bind_int64(st, 17, id);
    if (a->label) sqlite3_bind_text(st, 18, a->label, -1, SQLITE_STATIC);
    if (a->label) sqlite3_bind_double(st, 19, a->confidence);
    sqlite3_bind_double(st, 20, a->spam_score);
    sqlite3_bind_int64(st, 21, a->group_id);
    if (a->dedup_sig) sqlite3_bind_blob(st, 22, a->dedup_sig, (int)a->dedup_sig_len, SQLITE_STATIC);
    sqlite3_bind_int(st, 23, a->hold);
    if (reason) sqlite3_bind_text(st, 24, reason, -1, free);
    sqlite3_bind_int64(st, 25, a->label ? a->model_id : 0);
    sqlite3_bind_text(st, 26, now, -1, SQLITE_STATIC);
    if (route) sqlite3_bind_text(st, 27, a->route_by ? a->route_by : "model", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 28, now_s, -1, SQLITE_STATIC);
}

/* A failed row's error, kept past the rollback that names nothing. */
static int keep_err(store *s, int rc) {
    if (rc == STORE_INVALID) {
        char keep[400];
        snprintf(keep, sizeof keep, "%s", store_errmsg(s));
        sq_set_err(NULL, keep);
    }
    return rc;
}

typedef struct { const store_new_msg *m; size_t n; int64_t *ids; size_t dups; } import_arg;

static int import_txn(store *s, void *arg) {
    import_arg *x = arg;
    sqlite3 *db;
    sqlite3_stmt *st;
    for (size_t i = 0; i < x->n; i++) {
        const store_new_msg *m = &x->m[i];
        int rc = STORE_CONFLICT;
        for (int attempt = 0; attempt < 5 && rc == STORE_CONFLICT; attempt++) {
            if (!(st = sq_stmt(s, Q_IMPORT, &db))) return STORE_ERROR;
            bind_row(s, st, m, m->department_id);
            rc = sq_exec(s, st, db, "import message");   /* a tracking-code collision retries with a new code */
        }
        if (rc) return keep_err(s, rc);
        if (sqlite3_changes(db)) x->ids[i] = sqlite3_last_insert_rowid(db);
        else { x->ids[i] = 0; x->dups++; }
    }
    return sq_agg_batch(s, x->ids, sizeof *x->ids, x->n, +1);   /* the dashboard figures, in the same transaction */
}

int sq_msg_import(store *s, const store_new_msg *m, size_t n, int64_t *ids, size_t *dups) {
    import_arg x = { m, n, ids, 0 };
    int rc = sq_in_txn(s, import_txn, &x);
    if (dups) *dups = rc ? 0 : x.dups;
    return rc;
}

/* ---- rows written once, with their analysis ------------------------------ */

static const char Q_MAX_ID[] = "SELECT coalesce(max(id), 0) FROM messages";
static const char Q_SOURCE_KNOWN[] = "SELECT 1 FROM messages WHERE consultation_id = ?1 AND source_id = ?2";
/* The batch's ids are one range above every other row (checked first). */
static const char Q_FTS_ADD_RANGE[] = "INSERT INTO messages_fts(rowid, title, body) SELECT id, title, body FROM messages WHERE id BETWEEN ?1 AND ?2";

int sq_msg_max_id(store *s, int64_t *out) {
    sqlite3_stmt *st = sq_stmt(s, Q_MAX_ID, NULL);
    if (!st) return STORE_ERROR;
    *out = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sq_done(st);
    return STORE_OK;
}

static const char Q_SOURCES_ANY[] = "SELECT 1 FROM messages WHERE consultation_id = ?1 AND source_id IS NOT NULL LIMIT 1";

int sq_msg_sources_any(store *s, int64_t consultation, bool *any) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_SOURCES_ANY, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, consultation);
    int rc = sqlite3_step(st);
    *any = rc == SQLITE_ROW;
    sq_done(st);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) return STORE_OK;
    sq_set_err(db, "import: look for imported messages");
    return STORE_ERROR;
}

int sq_msg_sources_known(store *s, int64_t consultation, const str *src, size_t n, bool *known) {
    for (size_t i = 0; i < n; i++) {
        known[i] = false;
        if (!src[i].p) continue;
        sqlite3_stmt *st = sq_stmt(s, Q_SOURCE_KNOWN, NULL);
        if (!st) return STORE_ERROR;
        sqlite3_bind_int64(st, 1, consultation);
        sq_bind_str(st, 2, src[i]);
        known[i] = sqlite3_step(st) == SQLITE_ROW;
        sq_done(st);
    }
    return STORE_OK;
}

/* The counters six AFTER INSERT triggers keep per row, kept instead once
 * per batch by a statement over the batch's id range while a bulk import
 * has dropped those triggers (sq_bulk_begin): a trigger program per row
 * costs more than the row's own INSERT. Each statement does what its
 * trigger does for the rows it counts. The near-duplicate groups' sizes
 * are counted so too: a batch's group merges run after its rows are
 * counted (analyzed_txn), so a row a merge moves is counted in the group
 * it was written with, and the merge's update trigger moves it. */
static const struct { const char *trigger, *sql; } range_counts[] = {
    { "messages_group_insert",
      "INSERT INTO msg_groups(id, size, first_at, last_at) SELECT group_id, count(*), min(created_at), max(created_at) "
      "FROM messages WHERE id BETWEEN ?1 AND ?2 AND group_id IS NOT NULL GROUP BY 1 "
      "ON CONFLICT(id) DO UPDATE SET size = size + excluded.size, "
      "first_at = min(coalesce(first_at, excluded.first_at), excluded.first_at), "
      "last_at = max(coalesce(last_at, excluded.last_at), excluded.last_at)" },
    { "messages_count_insert",
      "UPDATE consultations SET message_count = message_count + x.n FROM (SELECT consultation_id AS c, count(*) AS n "
      "FROM messages WHERE id BETWEEN ?1 AND ?2 GROUP BY 1) x WHERE consultations.id = x.c" },
    { "messages_counts_insert",
      "INSERT INTO consultation_counts SELECT consultation_id, coalesce(section, 0), type, count(*) "
      "FROM messages WHERE id BETWEEN ?1 AND ?2 GROUP BY 1, 2, 3 ON CONFLICT DO UPDATE SET n = n + excluded.n" },
    { "messages_inbox_insert",
      "INSERT INTO inbox_counts SELECT coalesce(department_id, 0), count(*) FROM messages "
      "WHERE id BETWEEN ?1 AND ?2 AND moderation IN ('none','approved') GROUP BY 1 ON CONFLICT DO UPDATE SET n = n + excluded.n" },
    { "messages_open_insert",
      "INSERT INTO open_counts SELECT coalesce(department_id, 0), coalesce(substr(due_at, 1, 13), ''), count(*) FROM messages "
      "WHERE id BETWEEN ?1 AND ?2 AND state IN ('new','assigned') GROUP BY 1, 2 ON CONFLICT DO UPDATE SET n = n + excluded.n" },
    { "messages_public_insert",
      "UPDATE consultations SET public_count = public_count + x.n FROM (SELECT consultation_id AS c, count(*) AS n "
      "FROM messages WHERE id BETWEEN ?1 AND ?2 AND publish = 1 AND analyzed = 1 AND moderation IN ('none','approved') "
      "GROUP BY 1) x WHERE consultations.id = x.c" },
    { "messages_public_insert",
      "INSERT INTO section_public_counts SELECT consultation_id, coalesce(section, 0), type, count(*) FROM messages "
      "WHERE id BETWEEN ?1 AND ?2 AND publish = 1 AND analyzed = 1 AND moderation IN ('none','approved') "
      "GROUP BY 1, 2, 3 ON CONFLICT DO UPDATE SET n = n + excluded.n" },
};
#define NRANGE_COUNTS (sizeof range_counts / sizeof range_counts[0])
/* Whether a batch's statement of range_counts does trigger's work. */
static bool counted_by_range(const char *trigger) {
    for (size_t i = 0; i < NRANGE_COUNTS; i++) if (!strcmp(range_counts[i].trigger, trigger)) return true;
    return false;
}
static const char Q_TRIGGER_HERE[] = "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?1";

/* The highest message id whose row is in the counters, kept in settings
 * while the counting triggers are away: a row above it was written by
 * someone else meanwhile (sq_bulk_end). */
#define COUNTED_KEY "bulk_import_counted"
static const char Q_COUNTED_SET[] = "INSERT OR REPLACE INTO settings(key, value) VALUES ('" COUNTED_KEY "', ?1)";
static const char Q_COUNTED_GET[] = "SELECT CAST(value AS INTEGER) FROM settings WHERE key = '" COUNTED_KEY "'";

static int counted_set(store *s, int64_t id) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_COUNTED_SET, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    return sq_exec(s, st, db, "bulk import: note the rows counted");
}

/* The counters of rows first..last whose counting triggers are not there;
 * notes last as the highest id counted when it counted anything. */
static int count_range(store *s, int64_t first, int64_t last) {
    bool counted = false;
    for (size_t i = 0; i < NRANGE_COUNTS; i++) {
        sqlite3 *db;
        sqlite3_stmt *st = sq_stmt(s, Q_TRIGGER_HERE, &db);
        if (!st) return STORE_ERROR;
        sqlite3_bind_text(st, 1, range_counts[i].trigger, -1, SQLITE_STATIC);
        bool here = sqlite3_step(st) == SQLITE_ROW;
        sq_done(st);
        if (here) continue;
        if (!(st = sq_stmt(s, range_counts[i].sql, &db))) return STORE_ERROR;
        sqlite3_bind_int64(st, 1, first);
        sqlite3_bind_int64(st, 2, last);
        int rc = sq_exec(s, st, db, "count the imported messages");
        if (rc) return rc;
        counted = true;
    }
    return counted ? counted_set(s, last) : STORE_OK;
}

typedef struct {
    const store_new_msg *m; const int64_t *ids; const store_analysis *a; size_t n;
    const store_kw_count *kw; size_t nkw;
} analyzed_arg;

static int analyzed_txn(store *s, void *arg) {
    analyzed_arg *x = arg;
    if (!x->n) return STORE_OK;
    sqlite3 *db;
    sqlite3_stmt *st;
    int64_t max;
    int rc = sq_msg_max_id(s, &max);
    if (rc) return rc;
    if (max >= x->ids[0] || x->ids[x->n - 1] != x->ids[0] + (int64_t)x->n - 1) {
        sq_set_err(NULL, "import: messages were added by another process meanwhile (a running minyi serve?); "
                         "the batches before are kept: import the rest with --no-analyze");
        return STORE_CONFLICT;
    }
    char now[32], now_s[32];
    sq_now_ms(now, sizeof now);
    time_t t = time(NULL);
    struct tm g;
    strftime(now_s, sizeof now_s, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &g));
    for (size_t i = 0; i < x->n; i++) {
        const store_new_msg *m = &x->m[i];
        const store_analysis *a = &x->a[i];
        if (a->id != x->ids[i]) { sq_set_err(NULL, "import: analysis out of step with its rows"); return STORE_ERROR; }
        bool route = a->route && !a->hold;
        rc = STORE_CONFLICT;
        for (int attempt = 0; attempt < 5 && rc == STORE_CONFLICT; attempt++) {
            if (!(st = sq_stmt(s, Q_IMPORT_ANALYZED, &db))) return STORE_ERROR;
            bind_row(s, st, m, route ? a->department_id : m->department_id);
            bind_analysis(st, x->ids[i], a, now, now_s, a->hold && a->hold_reason ? json_dumps(a->hold_reason, JSON_COMPACT) : NULL);
            rc = sq_exec(s, st, db, "import message");   /* a tracking-code collision retries with a new code */
        }
        if (rc) return keep_err(s, rc);
    }
    if ((rc = count_range(s, x->ids[0], x->ids[x->n - 1]))) return rc;
    /* The merges after the count (see range_counts), in message order: a
     * row written after a merge already names the group it merged into,
     * so moving every row of the absorbed group now moves what moving it
     * at the bridging row would have. */
    for (size_t i = 0; i < x->n; i++) if ((rc = sq_group_merge(s, &x->a[i], false))) return rc;
    if (!(st = sq_stmt(s, Q_FTS_ADD_RANGE, &db))) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, x->ids[0]);
    sqlite3_bind_int64(st, 2, x->ids[x->n - 1]);
    if ((rc = sq_fts_with_words(s, st, db, x->a, x->n))) return rc;
    rc = sq_agg_batch(s, x->ids, sizeof *x->ids, x->n, +1);
    for (size_t i = 0; i < x->nkw && rc == STORE_OK; i++) rc = sq_keyword_count(s, x->kw[i].word, x->kw[i].day, x->kw[i].n);
    return rc;
}

int sq_msg_import_analyzed(store *s, const store_new_msg *m, const int64_t *ids, const store_analysis *a, size_t n,
                           const store_kw_count *kw, size_t nkw) {
    analyzed_arg x = { m, ids, a, n, kw, nkw };
    return sq_in_txn(s, analyzed_txn, &x);
}

/* ---- indexes and counting triggers dropped for a big import -------------- */

/* What a bulk import dropped (the messages' secondary indexes and the
 * counting triggers of range_counts), as the statements that make it
 * again, kept in settings in the transaction that drops it: if the import
 * dies, the next open of the database makes them again (sq_bulk_end). The
 * counters need no repair then: every batch committed counted its rows. */
#define BULK_KEY "bulk_import_indexes"
/* Partial indexes an imported row seldom enters (not analysed yet, held,
 * urged, answered): kept, since making one again reads the whole table
 * (0.3 s each at 854k rows) while keeping it costs a test per row. */
#define KEPT_PARTIAL "'messages_pending', 'messages_held', 'messages_urged', 'messages_state', 'messages_public_replied'"
static const char Q_BULK_LIST[] =
    "SELECT type, name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' AND sql IS NOT NULL "
    "AND sql NOT LIKE 'CREATE UNIQUE%' AND name NOT IN ('messages_group', " KEPT_PARTIAL ") "
    "UNION ALL SELECT type, name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'messages' ORDER BY 1, 2";
static const char Q_BULK_SAVE[] = "INSERT OR REPLACE INTO settings(key, value) VALUES ('" BULK_KEY "', ?1)";
static const char Q_BULK_GET[] = "SELECT value FROM settings WHERE key = '" BULK_KEY "'";
static const char Q_BULK_DEL[] = "DELETE FROM settings WHERE key = '" BULK_KEY "'";

typedef struct { int64_t rows; bool dropped; } bulk_arg;

static int bulk_begin_txn(store *s, void *arg) {
    bulk_arg *x = arg;
    int64_t max;
    int rc = sq_msg_max_id(s, &max);
    if (rc || max > x->rows) return rc;
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_BULK_GET, &db);
    if (!st) return STORE_ERROR;
    bool pending = sqlite3_step(st) == SQLITE_ROW;   /* an earlier import's, not made again yet */
    sq_done(st);
    if (pending) return STORE_OK;
    buf make = {0}, drop = {0};
    if (!(st = sq_stmt(s, Q_BULK_LIST, &db))) return STORE_ERROR;
    while (sqlite3_step(st) == SQLITE_ROW) {
        bool trigger = strcmp(sq_col_text(st, 0), "index") != 0;
        if (trigger && !counted_by_range(sq_col_text(st, 1))) continue;   /* only those a batch statement replaces */
        if (buf_printf(&make, "%s;\n", sq_col_text(st, 2)) ||
            buf_printf(&drop, "DROP %s \"%s\";\n", trigger ? "TRIGGER" : "INDEX", sq_col_text(st, 1)))
            rc = STORE_ERROR;
    }
    sq_done(st);
    if (!rc && make.n) {
        if (!(st = sq_stmt(s, Q_BULK_SAVE, &db))) rc = STORE_ERROR;
        else {
            sqlite3_bind_text(st, 1, make.p, (int)make.n, SQLITE_STATIC);
            rc = sq_exec(s, st, db, "bulk import: keep the index list");
        }
        int64_t max;
        if (!rc && !(rc = sq_msg_max_id(s, &max))) rc = counted_set(s, max);   /* rows so far: counted by the triggers */
        if (!rc && buf_putc(&drop, 0)) rc = STORE_ERROR;
        if (!rc && sqlite3_exec(db, drop.p, NULL, NULL, NULL) != SQLITE_OK) { sq_set_err(db, "bulk import: drop indexes"); rc = STORE_ERROR; }
        if (!rc) x->dropped = true;
    }
    buf_free(&make); buf_free(&drop);
    return rc;
}

/* The import's own connection: a page cache of 128 MiB instead of 16 (the
 * B-trees' upper levels and the search index's pages being merged stay in
 * memory instead of coming back through read(); 256 MiB was no faster at
 * 854k messages and took the whole campaign's import to 4,048 MiB of its
 * 4 GiB), and a checkpoint every 200 MB of log instead of 4, so a page
 * written by many batches is copied into the database fewer times (854k
 * messages: 83 -> 79 s). */
static const char Q_BULK_CACHE[] = "PRAGMA cache_size = -131072";
static const char Q_BULK_CHECKPOINT[] = "PRAGMA wal_autocheckpoint = 50000";

static int pragma(store *s, const char *q, const char *what) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, q, &db);
    return st ? sq_exec(s, st, db, what) : STORE_ERROR;
}

/* Sorter threads for making the indexes again at the end: SQLite's sort
 * of a big index (more keys than the page cache holds) merges its runs on
 * helper threads. One per core; at 8.5M messages three of the indexes
 * took 24.4 s with none and 20.5-20.7 s with two (no change at 300k,
 * where a sort fits in memory). */
static int sorter_threads(store *s) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    char q[64];
    snprintf(q, sizeof q, "PRAGMA threads = %ld", n < 1 ? 1 : n > 8 ? 8 : n);
    sqlite3 *db;
    if (!sq_stmt(s, SQ_COMMIT, &db)) return STORE_ERROR;   /* this thread's connection */
    if (sqlite3_exec(db, q, NULL, NULL, NULL) != SQLITE_OK) { sq_set_err(db, "bulk import: sorter threads"); return STORE_ERROR; }
    return STORE_OK;
}

int sq_bulk_begin(store *s, int64_t rows, bool *dropped) {
    *dropped = false;
    if (pragma(s, Q_BULK_CACHE, "bulk import: page cache") || pragma(s, Q_BULK_CHECKPOINT, "bulk import: checkpoints")
        || sorter_threads(s)) return STORE_ERROR;
    bulk_arg x = { rows, false };
    int rc = sq_in_txn(s, bulk_begin_txn, &x);
    *dropped = !rc && x.dropped;
    return rc;
}

/* The counters of range_counts made again from every row: the statements
 * of minyi check's recounts. Each row counts as it is now, which is what
 * the triggers' counts come to after every later change. */
static const char Q_RECOUNT[] =
    "UPDATE consultations SET message_count = (SELECT count(*) FROM messages m WHERE m.consultation_id = consultations.id),"
    "  public_count = (SELECT count(*) FROM messages m WHERE m.consultation_id = consultations.id"
    "  AND m.publish = 1 AND m.analyzed = 1 AND m.moderation IN ('none','approved'));"
    "DELETE FROM consultation_counts;"
    "INSERT INTO consultation_counts SELECT consultation_id, coalesce(section, 0), type, count(*) FROM messages"
    "  WHERE moderation <> 'rejected' GROUP BY 1, 2, 3;"
    "DELETE FROM inbox_counts;"
    "INSERT INTO inbox_counts SELECT coalesce(department_id, 0), count(*) FROM messages"
    "  WHERE moderation IN ('none','approved') GROUP BY 1;"
    "DELETE FROM open_counts;"
    "INSERT INTO open_counts SELECT coalesce(department_id, 0), coalesce(substr(due_at, 1, 13), ''), count(*) FROM messages"
    "  WHERE state IN ('new','assigned') GROUP BY 1, 2;"
    "DELETE FROM msg_groups;"
    "INSERT INTO msg_groups(id, size, first_at, last_at) SELECT group_id, count(*), min(created_at), max(created_at)"
    "  FROM messages WHERE group_id IS NOT NULL GROUP BY 1;"
    "DELETE FROM section_public_counts;"
    "INSERT INTO section_public_counts SELECT consultation_id, coalesce(section, 0), type, count(*) FROM messages"
    "  WHERE publish = 1 AND analyzed = 1 AND moderation IN ('none','approved') GROUP BY 1, 2, 3;";
static const char Q_COUNTED_DEL[] = "DELETE FROM settings WHERE key = '" COUNTED_KEY "'";

/* Rows above the highest id counted were written while the triggers were
 * away, by another process (a server the import was not meant to run
 * beside): nobody counted them, and their later changes went through the
 * update triggers, so counting them now from their current values would
 * be wrong; the counters are made again from every row instead. */
static int recount_if_needed(store *s) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_COUNTED_GET, &db);
    if (!st) return STORE_ERROR;
    bool have = sqlite3_step(st) == SQLITE_ROW;
    int64_t counted = have ? sqlite3_column_int64(st, 0) : 0, max;
    sq_done(st);
    if (!have) return STORE_OK;
    int rc = sq_msg_max_id(s, &max);
    if (rc) return rc;
    if (max > counted && sqlite3_exec(db, Q_RECOUNT, NULL, NULL, NULL) != SQLITE_OK) {
        sq_set_err(db, "bulk import: count the messages again");
        return STORE_ERROR;
    }
    if (!(st = sq_stmt(s, Q_COUNTED_DEL, &db))) return STORE_ERROR;
    return sq_exec(s, st, db, "bulk import: done counting");
}

static int bulk_end_txn(store *s, void *arg) {
    (void)arg;
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_BULK_GET, &db);
    if (!st) return STORE_ERROR;
    char *make = sqlite3_step(st) == SQLITE_ROW ? sq_col_dup(st, 0) : NULL;
    sq_done(st);
    if (!make) return STORE_OK;
    int rc = recount_if_needed(s);
    if (rc) { free(make); return rc; }
    /* CREATE INDEX sorts the table's keys once: a B-tree built in order. */
    rc = sqlite3_exec(db, make, NULL, NULL, NULL) == SQLITE_OK ? STORE_OK : STORE_ERROR;
    free(make);
    if (rc) { sq_set_err(db, "bulk import: make the indexes again"); return rc; }
    if (!(st = sq_stmt(s, Q_BULK_DEL, &db))) return STORE_ERROR;
    return sq_exec(s, st, db, "bulk import: done");
}

int sq_bulk_end(store *s) {
    /* Read first: every open calls this, and the transaction takes the writers' lock. */
    sqlite3_stmt *st = sq_stmt(s, Q_BULK_GET, NULL);
    if (!st) return STORE_ERROR;
    bool pending = sqlite3_step(st) == SQLITE_ROW;
    sq_done(st);
    return pending ? sq_in_txn(s, bulk_end_txn, NULL) : STORE_OK;
}
