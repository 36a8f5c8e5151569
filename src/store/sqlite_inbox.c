/* sqlite_inbox.c: an official's inbox (store.h inbox) with keyset
 * pagination: every page, the thousandth as fast as the first, is one seek
 * into an index and a walk of `limit` rows; no OFFSET, no count over the
 * messages (totals come from the dashboard aggregates when they are exact).
 * The cursor names its sort so more orders can be added (sort_keys below). */
#include "store/sqlite_int.h"
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One statement per combination of filters: "?1 = 0 OR ..." would keep
 * SQLite from using the index that makes the page a seek. Built once; the
 * buffers' addresses are the statement-cache keys (sq_stmt). Bindings:
 * ?1 department, ?2 state, ?3 limit, ?4 cursor id, ?5 group. */
enum { F_DEPT = 1, F_TRIAGE = 2, F_STATE = 4, F_GROUP = 8, F_AFTER = 16, NVARIANTS = 32 };
static char inbox_sql[NVARIANTS][1024];
static pthread_once_t inbox_once = PTHREAD_ONCE_INIT;

static void inbox_build(void) {
    for (int f = 0; f < NVARIANTS; f++) {
        if ((f & F_DEPT) && (f & F_TRIAGE)) continue;
        snprintf(inbox_sql[f], sizeof inbox_sql[f],
                 "SELECT m.id, m.tracking_code, m.title, m.type, m.state, coalesce(d.name,''), coalesce(m.department_id,0), "
                 "m.consultation_id, m.created_at, m.moderation, m.label, m.confidence, coalesce(m.group_id,0), "
                 "coalesce((SELECT g.size FROM msg_groups g WHERE g.id = m.group_id), 0), m.due_at, m.urged_at, m.urge_count "
                 "FROM messages m LEFT JOIN departments d ON d.id = m.department_id "
                 "WHERE m.moderation IN ('none','approved')%s%s%s%s ORDER BY m.id DESC LIMIT ?3",
                 f & F_DEPT ? " AND m.department_id = ?1" : f & F_TRIAGE ? " AND m.department_id IS NULL" : "",
                 f & F_STATE ? " AND m.state = ?2" : "", f & F_GROUP ? " AND m.group_id = ?5" : "",
                 f & F_AFTER ? " AND m.id < ?4" : "");
    }
}

/* Cursor: "<sort>.<key>.<id>": the sort it belongs to, the last row's sort
 * key (empty for the id order) and its id, the tie-breaker every order ends
 * with. Returns false when malformed or of another sort. */
static bool parse_cursor(const char *c, const char *sort, int64_t *id) {
    size_t n = strlen(sort);
    if (strncmp(c, sort, n) || c[n] != '.') return false;
    const char *dot = strrchr(c + n + 1, '.');
    if (!dot || dot != c + n + 1) return false;   /* the id order has no key */
    char *end;
    long long v = strtoll(dot + 1, &end, 10);
    if (*end || end == dot + 1 || v <= 0) return false;
    *id = v;
    return true;
}

static const char Q_GROUP_SIZE[] = "SELECT size FROM msg_groups WHERE id = ?1";

int sq_inbox(store *s, const store_inbox_query *q, json_t **out) {
    pthread_once(&inbox_once, inbox_build);
    const char *sort = q->sort && *q->sort ? q->sort : "id";
    if (strcmp(sort, "id")) { sq_set_err(NULL, "inbox: unknown sort (expected id)"); return STORE_INVALID; }
    int64_t after = 0;
    if (q->after && *q->after && !parse_cursor(q->after, sort, &after)) {
        sq_set_err(NULL, "inbox: the cursor (after) is not one this inbox gave");
        return STORE_INVALID;
    }
    int f = (q->department_id ? F_DEPT : q->triage ? F_TRIAGE : 0) | (q->state ? F_STATE : 0)
          | (q->group_id ? F_GROUP : 0) | (after ? F_AFTER : 0);
    sqlite3_stmt *st = sq_stmt(s, inbox_sql[f], NULL);
    if (!st) return STORE_ERROR;
    int limit = q->limit > 0 ? q->limit : 50;
    if (q->department_id) sqlite3_bind_int64(st, 1, q->department_id);
    if (q->state) sqlite3_bind_text(st, 2, q->state, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 3, limit + 1);          /* one more tells whether a next page exists */
    if (after) sqlite3_bind_int64(st, 4, after);
    if (q->group_id) sqlite3_bind_int64(st, 5, q->group_id);
    json_t *a = json_array();
    int64_t last = 0;
    bool more = false;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((int)json_array_size(a) == limit) { more = true; break; }
        last = sqlite3_column_int64(st, 0);
        json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:I,s:I,s:s}",
                              "id", (json_int_t)last, "tracking_code", sq_col_text(st, 1),
                              "title", sq_col_text(st, 2), "type", sq_col_text(st, 3), "state", sq_col_text(st, 4),
                              "department_id", (json_int_t)sqlite3_column_int64(st, 6),
                              "consultation_id", (json_int_t)sqlite3_column_int64(st, 7), "created_at", sq_col_text(st, 8));
        const char *d = sq_col_text(st, 5);
        json_object_set_new(o, "department", *d ? json_string(d) : json_null());
        json_object_set_new(o, "moderation", json_string(sq_col_text(st, 9)));
        bool labelled = sqlite3_column_type(st, 10) != SQLITE_NULL;
        json_object_set_new(o, "label", labelled ? json_string(sq_col_text(st, 10)) : json_null());
        json_object_set_new(o, "confidence", labelled ? json_real(sqlite3_column_double(st, 11)) : json_null());
        json_object_set_new(o, "group_id", json_integer(sqlite3_column_int64(st, 12)));
        json_object_set_new(o, "group_size", json_integer(sqlite3_column_int64(st, 13)));
        json_object_set_new(o, "due_at", sqlite3_column_type(st, 14) == SQLITE_NULL ? json_null() : json_string(sq_col_text(st, 14)));
        json_object_set_new(o, "urged_at", sqlite3_column_type(st, 15) == SQLITE_NULL ? json_null() : json_string(sq_col_text(st, 15)));
        json_object_set_new(o, "urge_count", json_integer(sqlite3_column_int64(st, 16)));
        json_array_append_new(a, o);
    }
    sq_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) { sq_set_err(sqlite3_db_handle(st), "inbox"); json_decref(a); return STORE_ERROR; }
    /* Totals: exact from the aggregates for everything, a department or the
     * unrouted; a group's size (held members included) for a group; none
     * with a state filter (no cheap exact count). */
    json_t *total = json_null();
    if (q->group_id && !q->state) {
        if (!(st = sq_stmt(s, Q_GROUP_SIZE, NULL))) { json_decref(a); return STORE_ERROR; }
        sqlite3_bind_int64(st, 1, q->group_id);
        total = json_integer(sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0);
        sq_done(st);
    } else if (!q->state) {
        int64_t n;
        if (sq_agg_received(s, q->department_id ? q->department_id : q->triage ? 0 : -1, &n)) { json_decref(a); return STORE_ERROR; }
        total = json_integer(n);
    }
    char next[64];
    snprintf(next, sizeof next, "%s..%" PRId64, sort, last);
    *out = json_pack("{s:o,s:o,s:o}", "messages", a, "total", total, "next", more ? json_string(next) : json_null());
    return STORE_OK;
}
