/* sqlite_inbox.c: an official's inbox (store.h inbox) with keyset
 * pagination: every page, the thousandth as fast as the first, is one seek
 * into an index and a walk of `limit` rows; no OFFSET. The total is given
 * only without filters (from inbox_counts, kept by triggers); the badge
 * counts stop at BADGE_MAX.
 * Two orders: "id" (newest first) and "due" (open messages, nearest
 * deadline first, over the partial indexes of open messages by deadline).
 * Newest first under a date range is by arrival (created_at, then id) over
 * the arrival indexes: ids follow import order, not time, so walking them
 * for a week's messages read the whole table.
 * A cursor is "<sort>.<key>.<id>": the last row's sort key and its id, the
 * tie-breaker every order ends with ("new.<created_at>.<id>" by arrival).
 * Filters are added to the statement only when asked for: "?1 = 0 OR ..."
 * would keep SQLite from the index that makes the page a seek. */
#include "store/sqlite_int.h"
#include "store/fts.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Open = the department still owes an answer. The text must match the
 * partial indexes' WHERE (messages_dept_due, messages_due_open, messages_urged). */
#define OPEN "m.state IN ('new','assigned')"

/* With a keyword and sorted by deadline, the newest this many matches are
 * sorted (as search ranks its newest 1,000): a page never sorts them all. */
#define KEYWORD_DUE_MAX 1000

/* Cursor of sort: fills key (the due time; "" for the id order) and id. */
static bool parse_cursor(const char *c, const char *sort, char *key, size_t cap, int64_t *id) {
    size_t n = strlen(sort);
    if (strncmp(c, sort, n) || c[n] != '.') return false;
    const char *k = c + n + 1, *dot = strrchr(k, '.');
    if (!dot || (size_t)(dot - k) >= cap) return false;
    /* due: "YYYY-MM-DDTHH:MM:SSZ"; new: a created_at (imports may keep fractions of a second) */
    if (!strcmp(sort, "id") ? dot != k : !strcmp(sort, "due") ? dot - k != 20 : dot == k) return false;
    for (const char *p = k; p < dot; p++) if (!strchr("0123456789-:TZ.", *p)) return false;
    memcpy(key, k, (size_t)(dot - k));
    key[dot - k] = 0;
    char *end;
    long long v = strtoll(dot + 1, &end, 10);
    if (*end || end == dot + 1 || v <= 0) return false;
    *id = v;
    return true;
}

/* Bindings collected while the statement is written. */
typedef struct { int n; struct { bool text; int64_t i; const char *s; int len; } v[16]; } binds;

static void add_i(buf *sql, binds *b, const char *cond, int64_t v) {
    buf_printf(sql, " AND %s ?%d", cond, b->n + 1);
    b->v[b->n].text = false; b->v[b->n].i = v; b->n++;
}
static void add_s(buf *sql, binds *b, const char *cond, const char *v, int len) {
    buf_printf(sql, " AND %s ?%d", cond, b->n + 1);
    b->v[b->n].text = true; b->v[b->n].s = v; b->v[b->n].len = len; b->n++;
}

static void now_iso(char *out, time_t plus) {
    time_t t = time(NULL) + plus;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The scope every query shares: department / unrouted, and what officials may see. */
static void scope(buf *sql, binds *b, const store_inbox_query *q) {
    buf_puts(sql, " WHERE m.moderation IN ('none','approved')");
    if (q->department_id) add_i(sql, b, "m.department_id =", q->department_id);
    else if (q->triage) buf_puts(sql, " AND m.department_id IS NULL");
}

static int count_of(store *s, const char *sql, const binds *b, int64_t *n);

/* Badge counts stop here: overdue messages of a national inbox number
 * hundreds of thousands, and counting them cost seconds a page. */
#define BADGE_MAX 1000

/* {"overdue","due_soon","urged","max"}: the badge of the inbox's scope, each
 * a count over one index range of open messages, at most BADGE_MAX ("max":
 * a count that reaches it means at least that many). */
static int badge_counts(store *s, const store_inbox_query *q, const char *soon, json_t **out) {
    static const char *const what[3] = { "overdue", "due_soon", "urged" };
    char now[32];
    now_iso(now, 0);
    json_t *o = json_object();
    for (int k = 0; k < 3; k++) {
        buf sql = {0};
        binds b = { 0 };
        buf_puts(&sql, k == 2 ? "SELECT count(*) FROM (SELECT 1 FROM messages m INDEXED BY messages_urged"
                              : "SELECT count(*) FROM (SELECT 1 FROM messages m");
        scope(&sql, &b, q);
        buf_puts(&sql, " AND " OPEN);
        if (k == 0) add_s(&sql, &b, "m.due_at <", now, -1);
        else if (k == 1) { add_s(&sql, &b, "m.due_at >=", now, -1); add_s(&sql, &b, "m.due_at <=", soon, -1); }
        else buf_puts(&sql, " AND m.urged_at IS NOT NULL");
        buf_printf(&sql, " LIMIT %d)", BADGE_MAX);
        int64_t n = 0;
        int rc = count_of(s, sql.p, &b, &n);
        buf_free(&sql);
        if (rc) { json_decref(o); return rc; }
        json_object_set_new(o, what[k], json_integer(n));
    }
    json_object_set_new(o, "max", json_integer(BADGE_MAX));
    *out = o;
    return STORE_OK;
}

/* Prepares sql on this thread's connection (not cached: the filters make
 * too many shapes for the statement cache) and binds b. */
static sqlite3_stmt *prepare(store *s, const char *sql, const binds *b) {
    sqlite3 *db;
    static const char Q_ANY[] = "SELECT 1";
    if (!sq_stmt(s, Q_ANY, &db)) return NULL;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) { sq_set_err(db, "inbox"); return NULL; }
    for (int i = 0; i < b->n; i++) {
        if (b->v[i].text) sqlite3_bind_text(st, i + 1, b->v[i].s, b->v[i].len, SQLITE_TRANSIENT);
        else sqlite3_bind_int64(st, i + 1, b->v[i].i);
    }
    return st;
}

static int count_of(store *s, const char *sql, const binds *b, int64_t *n) {
    sqlite3_stmt *st = prepare(s, sql, b);
    if (!st) return STORE_ERROR;
    int rc = sqlite3_step(st);
    *n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    if (rc != SQLITE_ROW) sq_set_err(sqlite3_db_handle(st), "inbox count");
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? STORE_OK : STORE_ERROR;
}

#define ROW_COLS "m.id, m.tracking_code, m.title, m.type, m.state, coalesce(d.name,''), coalesce(m.department_id,0), " \
                 "m.consultation_id, m.created_at, m.moderation, m.label, m.confidence, coalesce(m.group_id,0), " \
                 "coalesce((SELECT g.size FROM msg_groups g WHERE g.id = m.group_id), 0), m.due_at, m.urged_at, m.urge_count, " \
                 "m.region, coalesce((SELECT u.login FROM users u WHERE u.id = m.assignee_id), '')"

static json_t *read_row(sqlite3_stmt *st) {
    json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:I,s:I,s:s}",
                          "id", (json_int_t)sqlite3_column_int64(st, 0), "tracking_code", sq_col_text(st, 1),
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
    json_object_set_new(o, "region", sqlite3_column_type(st, 17) == SQLITE_NULL ? json_null() : json_string(sq_col_text(st, 17)));
    const char *a = sq_col_text(st, 18);
    json_object_set_new(o, "assignee", *a ? json_string(a) : json_null());
    return o;
}

static int rows_of(store *s, const char *sql, const binds *b, int limit, json_t *a, bool *more) {
    sqlite3_stmt *st = prepare(s, sql, b);
    if (!st) return STORE_ERROR;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (more && (int)json_array_size(a) == limit) { *more = true; break; }
        json_array_append_new(a, read_row(st));
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) sq_set_err(sqlite3_db_handle(st), "inbox");
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

/* Newest first, the index of the filter that narrows most, named rather
 * than left to the planner (it has no statistics, and took the type index
 * for a department's inbox): a department's state is one seek; replied,
 * closed and declined are a small share; a region is one of a hundred or
 * more; a department one of tens; a type one of five. "" = the planner's
 * choice (no filter: the id order itself). */
static const char *filter_index(const store_inbox_query *q) {
    bool dept = q->department_id || q->triage;
    if (q->state && dept) return " INDEXED BY messages_dept_state";
    if (q->state && strcmp(q->state, "new") && strcmp(q->state, "assigned")) return " INDEXED BY messages_state";
    if (q->region) return " INDEXED BY messages_region";
    if (dept) return " INDEXED BY messages_dept_new";
    if (q->type) return " INDEXED BY messages_type";
    return "";
}

static const char Q_GROUP_SIZE[] = "SELECT size FROM msg_groups WHERE id = ?1";

static bool valid_day(const char *d) {
    return d && strlen(d) == 10 && d[4] == '-' && d[7] == '-';
}

int sq_inbox(store *s, const store_inbox_query *q, json_t **out) {
    const char *sort = q->sort && *q->sort ? q->sort : "id";
    bool due = !strcmp(sort, "due");
    if (!due && strcmp(sort, "id")) { sq_set_err(NULL, "inbox: unknown sort (expected id or due)"); return STORE_INVALID; }
    if ((q->from && !valid_day(q->from)) || (q->to && !valid_day(q->to))) {
        sq_set_err(NULL, "inbox: from and to are dates YYYY-MM-DD");
        return STORE_INVALID;
    }
    buf fq = {0};
    if (q->keyword.p && fts_query(q->keyword, &fq)) {
        buf_free(&fq);
        sq_set_err(NULL, "inbox: the keyword has nothing to search for");
        return STORE_INVALID;
    }
    /* Newest first under a date range: by arrival (a keyword keeps the
     * search index's id order, and its matches are what narrows). */
    bool by_created = !due && !fq.p && (q->from || q->to);
    char key[32] = "";
    int64_t after = 0;
    if (q->after && *q->after && !parse_cursor(q->after, by_created ? "new" : sort, key, sizeof key, &after)) {
        buf_free(&fq);
        sq_set_err(NULL, "inbox: the cursor (after) is not one this inbox gave");
        return STORE_INVALID;
    }
    char now[32], soon[32] = "";
    now_iso(now, 0);
    int rc = STORE_OK;
    if ((q->due && !strcmp(q->due, "soon")) || !after) rc = sq_due_soon(s, 2, soon);
    if (rc) { buf_free(&fq); return rc; }

    buf sql = {0};
    binds b = { 0 };
    /* A keyword drives the walk from the search index: newest first, its
     * rowids are the ids (a cursor is a seek in each term's list); by
     * deadline, the newest KEYWORD_DUE_MAX matches are ordered. Urged
     * messages are few: their partial index, whatever the order. */
    if (fq.p && !due) {
        buf_puts(&sql, "SELECT " ROW_COLS " FROM messages_fts f JOIN messages m ON m.id = f.rowid"
                       " LEFT JOIN departments d ON d.id = m.department_id");
    } else if (fq.p) {
        buf_printf(&sql, "SELECT " ROW_COLS " FROM (SELECT rowid AS kid FROM messages_fts WHERE messages_fts MATCH ?1"
                         " ORDER BY rowid DESC LIMIT %d) k CROSS JOIN messages m ON m.id = k.kid"
                         " LEFT JOIN departments d ON d.id = m.department_id", KEYWORD_DUE_MAX);
        b.v[0].text = true; b.v[0].s = fq.p; b.v[0].len = (int)fq.n; b.n = 1;
    } else {
        /* Overdue newest first: walk the department's messages by id (most
         * open ones are overdue once a backlog exists), not its deadline
         * range sorted whole. */
        bool overdue_by_id = !due && !by_created && q->department_id && q->due && !strcmp(q->due, "overdue");
        /* A date range: the arrival index of the department (or of all:
         * the unrouted are few, and their department_id IS NULL is a seek
         * in messages_dept_created too). */
        const char *ix = q->urged ? " INDEXED BY messages_urged" : overdue_by_id ? " INDEXED BY messages_dept_new"
                       : by_created ? (q->department_id || q->triage ? " INDEXED BY messages_dept_created" : " INDEXED BY messages_created")
                       : !due && !q->due && !q->group_id ? filter_index(q) : "";
        buf_printf(&sql, "SELECT " ROW_COLS " FROM messages m%s LEFT JOIN departments d ON d.id = m.department_id", ix);
    }
    scope(&sql, &b, q);
    bool open_only = due || q->due || q->urged;
    if (open_only) buf_puts(&sql, " AND " OPEN);
    if (q->state) add_s(&sql, &b, "m.state =", q->state, -1);
    /* Replied, closed, declined: a small share, in an index of their own
     * whose WHERE this must repeat word for word (migration 28). */
    if (q->state && strcmp(q->state, "new") && strcmp(q->state, "assigned")) buf_puts(&sql, " AND m.state NOT IN ('new','assigned')");
    if (q->group_id) add_i(&sql, &b, "m.group_id =", q->group_id);
    if (q->type) add_s(&sql, &b, "m.type =", q->type, -1);
    if (q->region) add_s(&sql, &b, "m.region =", q->region, -1);
    if (q->from) add_s(&sql, &b, "m.created_at >=", q->from, -1);
    /* By arrival, a cursor is the one upper bound of the walk (the planner
     * takes one of two): '+' keeps `to` a check on the rows. */
    if (q->to) {
        buf_printf(&sql, " AND %sm.created_at < date(?%d, '+1 day')", by_created && after ? "+" : "", b.n + 1);
        b.v[b.n].text = true; b.v[b.n].s = q->to; b.v[b.n].len = -1; b.n++;
    }
    if (q->due && !strcmp(q->due, "overdue")) add_s(&sql, &b, "m.due_at <", now, -1);
    if (q->due && !strcmp(q->due, "soon")) { add_s(&sql, &b, "m.due_at >=", now, -1); add_s(&sql, &b, "m.due_at <=", soon, -1); }
    if (q->urged) buf_puts(&sql, " AND m.urged_at IS NOT NULL");
    bool by_fts = fq.p && !due;
    if (by_fts) add_s(&sql, &b, "messages_fts MATCH", fq.p, (int)fq.n);
    if (after && due) {
        buf_printf(&sql, " AND (m.due_at, m.id) > (?%d, ?%d)", b.n + 1, b.n + 2);
        b.v[b.n].text = true; b.v[b.n].s = key; b.v[b.n].len = -1; b.n++;
        b.v[b.n].text = false; b.v[b.n].i = after; b.n++;
    } else if (after && by_created) {
        /* SQLite seeks on a (time, id) row value only when id is not the
         * rowid: the time is the seek, the id a check, so a deep page walks
         * past the messages of the cursor's very second only. */
        buf_printf(&sql, " AND m.created_at <= ?%d AND (m.created_at < ?%d OR m.id < ?%d)", b.n + 1, b.n + 1, b.n + 2);
        b.v[b.n].text = true; b.v[b.n].s = key; b.v[b.n].len = -1; b.n++;
        b.v[b.n].text = false; b.v[b.n].i = after; b.n++;
    } else if (after) add_i(&sql, &b, by_fts ? "f.rowid <" : "m.id <", after);
    int limit = q->limit > 0 ? q->limit : 50;
    buf_printf(&sql, " ORDER BY %s LIMIT %d", due ? "m.due_at, m.id" : by_fts ? "f.rowid DESC"
               : by_created ? "m.created_at DESC, m.id DESC" : "m.id DESC", limit + 1);   /* one more: is there a next page? */

    json_t *a = json_array();
    bool more = false;
    rc = rows_of(s, sql.p, &b, limit, a, &more);
    buf_free(&sql);
    buf_free(&fq);
    if (rc) { json_decref(a); return rc; }

    /* Totals: exact from the aggregates for everything, a department or the
     * unrouted; a group's size (held members included) for a group; none
     * with another filter (no cheap exact count). */
    bool filtered = q->state || q->type || q->region || q->from || q->to || q->due || q->urged || q->keyword.p || due;
    json_t *total = json_null();
    if (q->group_id && !filtered) {
        sqlite3_stmt *st = sq_stmt(s, Q_GROUP_SIZE, NULL);
        if (!st) { json_decref(a); return STORE_ERROR; }
        sqlite3_bind_int64(st, 1, q->group_id);
        total = json_integer(sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0);
        sq_done(st);
    } else if (!filtered && !q->group_id) {
        binds cb = { 0 };
        cb.v[0].text = false; cb.v[0].i = q->department_id; cb.n = 1;
        int64_t n = 0;
        rc = count_of(s, q->department_id || q->triage ? "SELECT coalesce(sum(n), 0) FROM inbox_counts WHERE department_id = ?1"
                                                      : "SELECT coalesce(sum(n), 0) FROM inbox_counts WHERE ?1 = 0", &cb, &n);
        if (rc) { json_decref(a); return rc; }
        total = json_integer(n);
    }
    json_t *o = json_pack("{s:o,s:o}", "messages", a, "total", total);
    json_t *lastrow = json_array_get(a, json_array_size(a) - 1);
    if (more && lastrow) {
        char next[64];
        const char *k = due ? json_string_value(json_object_get(lastrow, "due_at"))
                      : by_created ? json_string_value(json_object_get(lastrow, "created_at")) : "";
        snprintf(next, sizeof next, "%s.%s.%" PRId64, by_created ? "new" : sort, k ? k : "",
                 (int64_t)json_integer_value(json_object_get(lastrow, "id")));
        json_object_set_new(o, "next", json_string(next));
    } else json_object_set_new(o, "next", json_null());
    /* The first page also carries the badge and the urged messages, which
     * the department sees on top whatever the order. */
    if (!after && !q->group_id) {
        json_t *counts;
        if ((rc = badge_counts(s, q, soon, &counts))) { json_decref(o); return rc; }
        json_object_set_new(o, "counts", counts);
        buf u = {0};
        binds ub = { 0 };
        buf_puts(&u, "SELECT " ROW_COLS " FROM messages m INDEXED BY messages_urged LEFT JOIN departments d ON d.id = m.department_id");
        scope(&u, &ub, q);
        buf_puts(&u, " AND " OPEN " AND m.urged_at IS NOT NULL ORDER BY m.urged_at DESC LIMIT 20");
        json_t *urged = json_array();
        rc = rows_of(s, u.p, &ub, 20, urged, NULL);
        buf_free(&u);
        if (rc) { json_decref(urged); json_decref(o); return rc; }
        json_object_set_new(o, "urged", urged);
    }
    *out = o;
    return STORE_OK;
}
