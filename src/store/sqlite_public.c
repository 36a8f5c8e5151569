/* sqlite_public.c: messages in public (留言公开) for the SQLite backend: the
 * public list with keyset pagination, the public view of one message, and
 * supports (one per visitor). Design: every query walks one index in the
 * order of the page (newest, most recently replied, most supported; by
 * arrival under a date range) and stops at the page's end, so a page costs
 * the same at a thousand messages or ten million. The index is the one of
 * the filter that narrows most (plans in build); the other filters are
 * checked on the rows walked. */
#include "store/sqlite_int.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Must match the partial indexes' WHERE clause word for word. */
#define SQ_PUBLIC "m.publish = 1 AND m.analyzed = 1 AND m.moderation IN ('none','approved')"

#define PUB_COLS "m.id, m.title, m.body, m.type, m.region, m.state, coalesce(d.name,''), m.created_at, " \
                 "m.last_reply_at, (SELECT r.body FROM replies r WHERE r.message_id = m.id AND r.status = 'published' ORDER BY r.id DESC LIMIT 1), " \
                 "coalesce((SELECT g.size FROM msg_groups g WHERE g.id = m.group_id), 1), m.supports, " \
                 "(SELECT t.score FROM ratings t WHERE t.message_id = m.id)"

/* Must match messages_state's WHERE word for word: the index of the states
 * that are a small share (replied, closed, declined), which no query about
 * open messages may pick. */
#define RARE_STATE "m.state NOT IN ('new','assigned')"

#define PUB_FROM " FROM messages m INDEXED BY %s LEFT JOIN departments d ON d.id = m.department_id WHERE " SQ_PUBLIC

static const char Q_PUB_IS[] = "SELECT m.supports FROM messages m WHERE m.id = ?1 AND " SQ_PUBLIC;
static const char Q_SUPPORT_ADD[] = "INSERT INTO supports(message_id, visitor) VALUES (?1, ?2)";
static const char Q_SUPPORT_BUMP[] = "UPDATE messages SET supports = supports + 1 WHERE id = ?1 RETURNING supports";

/* The order of a page; SORT_CREATED is "new" under a date range. */
enum { SORT_NEW, SORT_CREATED, SORT_REPLIED, SORT_SUPPORTED };

/* Cursors: "ID" (newest), "KEY~ID" (created and replied: the time;
 * supported: the count). Returns false when the text is not a cursor of
 * this sort. */
static bool parse_cursor(int sort, const char *c, int64_t *id, char *key, size_t cap) {
    const char *tilde = strrchr(c, '~');
    const char *idp = c;
    if (sort != SORT_NEW) {
        if (!tilde || (size_t)(tilde - c) >= cap || tilde == c) return false;
        memcpy(key, c, (size_t)(tilde - c));
        key[tilde - c] = 0;
        idp = tilde + 1;
        if (sort == SORT_SUPPORTED) {
            for (const char *p = key; *p; p++) if (*p < '0' || *p > '9') return false;
            if (strlen(key) > 18) return false;
        } else {
            for (const char *p = key; *p; p++) if (!strchr("0123456789-:TZ.", *p)) return false;
        }
    } else if (tilde) return false;
    if (!*idp || strlen(idp) > 18) return false;
    for (const char *p = idp; *p; p++) if (*p < '0' || *p > '9') return false;
    *id = strtoll(idp, NULL, 10);
    return true;
}

static bool is_day(const char *d) {
    int y, mo, da;
    char tail;
    return strlen(d) == 10 && sscanf(d, "%4d-%2d-%2d%c", &y, &mo, &da, &tail) == 3 && mo >= 1 && mo <= 12 && da >= 1 && da <= 31;
}

/* A filter with an index of its own: the condition (parameters as in
 * sq_public_list) and the index that seeks it in id order. */
typedef struct { const char *cond, *index; } seek;

/* A filter set this small is read whole through its index and sorted: a
 * walk of another order's index meets its rows too rarely. A variable so
 * that the tests can check both plans on a small table. */
int sq_public_small_set = 2000;

/* Whether cond holds for fewer than sq_public_small_set public rows (counted in its index). */
static int small_set(store *s, const seek *k, const store_public_query *q, bool *small) {
    char sql[384];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM (SELECT 1 FROM messages m INDEXED BY %s WHERE " SQ_PUBLIC " AND %s LIMIT %d)",
             k->index, k->cond, sq_public_small_set);
    sqlite3 *db;
    if (!sq_stmt(s, "SELECT 1", &db)) return STORE_ERROR;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) { sq_set_err(db, "public list"); return STORE_ERROR; }
    sqlite3_bind_int64(st, 1, q->consultation_id);
    sqlite3_bind_int64(st, 2, q->department_id);
    if (q->type) sqlite3_bind_text(st, 3, q->type, -1, SQLITE_TRANSIENT);
    if (q->region) sqlite3_bind_text(st, 4, q->region, -1, SQLITE_TRANSIENT);
    if (q->state) sqlite3_bind_text(st, 5, q->state, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    *small = rc == SQLITE_ROW && sqlite3_column_int(st, 0) < sq_public_small_set;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) { sq_set_err(db, "public list"); return STORE_ERROR; }
    return STORE_OK;
}

/* The filters of q (parameters as in sq_public_list), each only when asked
 * for: "?1 = 0 OR ..." would hide a seek from the planner. A '+' keeps a
 * bound of the date range from being the walk's seek where another bound
 * (the cursor's) must be: the planner takes one. */
static void filters(buf *w, const store_public_query *q, int sort, bool plus_from, bool plus_to) {
    buf_puts(w, "");
    if (q->consultation_id) buf_puts(w, " AND m.consultation_id = ?1");
    if (q->department_id) buf_puts(w, " AND m.department_id = ?2");
    if (q->type) buf_puts(w, " AND m.type = ?3");
    if (q->region) buf_puts(w, " AND m.region = ?4");
    if (q->state && !strcmp(q->state, "unreplied")) buf_puts(w, " AND m.state IN ('new','assigned')");
    else if (q->state) buf_puts(w, " AND m.state = ?5 AND " RARE_STATE);
    if (q->from) buf_printf(w, " AND %sm.created_at >= ?6", plus_from ? "+" : "");
    if (q->to) buf_printf(w, " AND %sm.created_at < date(?7, '+1 day')", plus_to ? "+" : "");
    if (sort == SORT_REPLIED) buf_puts(w, " AND m.last_reply_at IS NOT NULL");
}

/* Writes the statement of a query into sql. The plan, in one place:
 * - Newest first, the index of the filter that narrows most walks in the
 *   page's order: replied or closed (a small share of a national board:
 *   most messages wait for an answer; with a department, the (department,
 *   state) index, narrower than either), then a region (one of a hundred
 *   or more), a department (one of tens), a type (one of five), a
 *   consultation (a national board holds nearly everything). Unreplied is
 *   most messages: the plain newest-first walk meets one at nearly every row.
 * - By arrival (a date range), most recently replied, most supported: the
 *   order's own index is walked (by arrival, a department's arrival index),
 *   unless one filter above holds fewer than sq_public_small_set rows: then those are
 *   read through its index and sorted (a rare region within a week would
 *   otherwise be a walk of the whole week).
 * - A cursor is a seek. By arrival, reply or supports the key's equal rows
 *   are a seek of their own (key = K AND id < I, in id order) before the
 *   rows of lower keys: SQLite seeks a (key, id) row value only on its first
 *   column when id is the rowid, and 580,000 of 880,000 messages share 0
 *   supports. The other filters are checked on the rows walked. */
static int build(store *s, int sort, const store_public_query *q, bool cursor, buf *sql) {
    bool unreplied = q->state && !strcmp(q->state, "unreplied");
    seek seeks[5];
    int n = 0;
    if (q->state && !unreplied)
        seeks[n++] = q->department_id ? (seek){ "m.department_id = ?2 AND m.state = ?5", "messages_dept_state" }
                                      : (seek){ "m.state = ?5 AND " RARE_STATE, "messages_state" };
    if (q->region) seeks[n++] = (seek){ "m.region = ?4", "messages_region" };
    if (q->department_id) seeks[n++] = (seek){ "m.department_id = ?2", "messages_public_dept" };
    if (q->type) seeks[n++] = (seek){ "m.type = ?3", "messages_type" };
    if (q->consultation_id) seeks[n++] = (seek){ "m.consultation_id = ?1", "messages_public_cons" };

    static const char *const KEY[] = { "m.id", "m.created_at", "m.last_reply_at", "m.supports" };
    const char *key = KEY[sort];
    const char *ix = NULL;
    bool sorted = false;              /* a small set read whole and sorted */
    if (sort == SORT_NEW) ix = n ? seeks[0].index : "messages_public_new";
    else {
        for (int i = 0; i < n && !ix; i++) {
            bool small;
            int rc = small_set(s, &seeks[i], q, &small);
            if (rc) return rc;
            if (small) { ix = seeks[i].index; sorted = true; }
        }
        if (!ix) ix = sort == SORT_CREATED ? (q->department_id ? "messages_dept_created" : "messages_created")
                    : sort == SORT_REPLIED ? "messages_public_replied" : "messages_public_supported";
    }
    char order[96];
    if (sort == SORT_NEW) snprintf(order, sizeof order, "m.id DESC");
    else snprintf(order, sizeof order, "%s DESC, m.id DESC", key);
    buf w = {0};
    if (sorted) {
        /* Sort the ids alone; the page's columns (three lookups a row) only for the page. */
        filters(&w, q, sort, false, cursor);
        buf_printf(sql, "SELECT " PUB_COLS " FROM (SELECT m.id AS kid FROM messages m INDEXED BY %s WHERE " SQ_PUBLIC "%s", ix, w.p);
        if (cursor) buf_printf(sql, " AND (%s, m.id) < (?9, ?8)", key);
        buf_printf(sql, " ORDER BY %s LIMIT ?10) k CROSS JOIN messages m ON m.id = k.kid"
                        " LEFT JOIN departments d ON d.id = m.department_id ORDER BY %s", order, order);
    } else if (!cursor || sort == SORT_NEW) {
        filters(&w, q, sort, false, cursor);
        buf_printf(sql, "SELECT " PUB_COLS PUB_FROM "%s", ix, w.p);
        if (cursor && sort == SORT_NEW) buf_puts(sql, " AND m.id < ?8");
        else if (cursor) buf_printf(sql, " AND (%s, m.id) < (?9, ?8)", key);
        buf_printf(sql, " ORDER BY %s LIMIT ?10", order);
    } else {
        /* the key's equal rows: the date range must not be the seek there */
        filters(&w, q, sort, true, true);
        buf_printf(sql, "SELECT * FROM (SELECT " PUB_COLS PUB_FROM "%s AND %s = ?9 AND m.id < ?8 ORDER BY m.id DESC LIMIT ?10)",
                   ix, w.p, key);
        buf_reset(&w);
        filters(&w, q, sort, false, true);
        buf_printf(sql, " UNION ALL SELECT * FROM (SELECT " PUB_COLS PUB_FROM "%s AND %s < ?9 ORDER BY %s LIMIT ?10) LIMIT ?10",
                   ix, w.p, key, order);
    }
    buf_free(&w);
    return STORE_OK;
}

static void bind_opt(sqlite3_stmt *st, int i, const char *v) {
    if (v && *v) sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, i);
}

int sq_public_list(store *s, const store_public_query *q0, json_t **out) {
    store_public_query q = *q0;      /* "" filters are no filters */
    const char **opt[] = { &q.type, &q.region, &q.state, &q.from, &q.to, &q.sort, &q.after };
    for (size_t i = 0; i < sizeof opt / sizeof *opt; i++) if (*opt[i] && !**opt[i]) *opt[i] = NULL;
    if (q.state && strcmp(q.state, "unreplied") && strcmp(q.state, "replied") && strcmp(q.state, "closed")) return STORE_INVALID;
    int sort = SORT_NEW;
    if (q.sort && !strcmp(q.sort, "replied")) sort = SORT_REPLIED;
    else if (q.sort && !strcmp(q.sort, "supported")) sort = SORT_SUPPORTED;
    else if (q.sort && strcmp(q.sort, "new")) return STORE_INVALID;
    if ((q.from && !is_day(q.from)) || (q.to && !is_day(q.to))) return STORE_INVALID;
    if (sort == SORT_NEW && (q.from || q.to)) sort = SORT_CREATED;
    int64_t cur_id = INT64_MAX;
    char key[40] = "";
    if (q.after && !parse_cursor(sort, q.after, &cur_id, key, sizeof key)) return STORE_INVALID;
    int limit = q.limit > 0 && q.limit <= 100 ? q.limit : 20;

    buf sql = {0};
    int rc = build(s, sort, &q, q.after != NULL, &sql);
    if (rc) { buf_free(&sql); return rc; }
    sqlite3 *db;
    if (!sq_stmt(s, "SELECT 1", &db)) { buf_free(&sql); return STORE_ERROR; }
    /* Not cached: the filters make too many shapes for the statement cache. */
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql.p, -1, &st, NULL) != SQLITE_OK) { sq_set_err(db, "public list"); buf_free(&sql); return STORE_ERROR; }
    buf_free(&sql);
    sqlite3_bind_int64(st, 1, q.consultation_id);
    sqlite3_bind_int64(st, 2, q.department_id);
    bind_opt(st, 3, q.type);
    bind_opt(st, 4, q.region);
    bind_opt(st, 5, q.state);
    bind_opt(st, 6, q.from);
    bind_opt(st, 7, q.to);
    sqlite3_bind_int64(st, 8, cur_id);
    if (sort == SORT_SUPPORTED) sqlite3_bind_int64(st, 9, strtoll(key, NULL, 10));
    else bind_opt(st, 9, key);
    /* One row more than the page tells whether there is a next page. */
    sqlite3_bind_int(st, 10, limit + 1);
    json_t *a = json_array();
    int n = 0;
    char next[64] = "";
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == limit) {                    /* the cursor is the last row shown */
            json_t *last = json_array_get(a, json_array_size(a) - 1);
            int64_t lid = json_integer_value(json_object_get(last, "id"));
            if (sort == SORT_NEW) snprintf(next, sizeof next, "%" PRId64, lid);
            else if (sort == SORT_REPLIED || sort == SORT_CREATED)
                snprintf(next, sizeof next, "%s~%" PRId64,
                         json_string_value(json_object_get(last, sort == SORT_REPLIED ? "last_reply_at" : "created_at")), lid);
            else snprintf(next, sizeof next, "%" PRId64 "~%" PRId64, (int64_t)json_integer_value(json_object_get(last, "supports")), lid);
            break;
        }
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
        json_object_set_new(o, "title", json_string(sq_col_text(st, 1)));
        json_object_set_new(o, "body", json_string(sq_col_text(st, 2)));
        json_object_set_new(o, "type", json_string(sq_col_text(st, 3)));
        json_object_set_new(o, "region", sq_col_json(st, 4));
        json_object_set_new(o, "state", json_string(sq_col_text(st, 5)));
        const char *dn = sq_col_text(st, 6);
        json_object_set_new(o, "department", *dn ? json_string(dn) : json_null());
        json_object_set_new(o, "created_at", json_string(sq_col_text(st, 7)));
        json_object_set_new(o, "last_reply_at", sq_col_json(st, 8));
        json_object_set_new(o, "reply", sq_col_json(st, 9));
        json_object_set_new(o, "group_size", json_integer(sqlite3_column_int64(st, 10)));
        json_object_set_new(o, "supports", json_integer(sqlite3_column_int64(st, 11)));
        json_object_set_new(o, "rating", sqlite3_column_type(st, 12) == SQLITE_NULL ? json_null()
                                                                                     : json_integer(sqlite3_column_int(st, 12)));
        json_array_append_new(a, o);
        n++;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) { sq_set_err(db, "public list"); sqlite3_finalize(st); json_decref(a); return STORE_ERROR; }
    sqlite3_finalize(st);
    *out = json_pack("{s:o,s:o}", "messages", a, "next", next[0] ? json_string(next) : json_null());
    return STORE_OK;
}

int sq_public_get(store *s, int64_t id, store_msg *m, int64_t *supports) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_PUB_IS, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *supports = sqlite3_column_int64(st, 0);
    sq_done(st);
    if (rc == SQLITE_DONE) return STORE_NOT_FOUND;
    if (rc != SQLITE_ROW) { sq_set_err(db, "public message"); return STORE_ERROR; }
    return s->ops->msg_get(s, id, m);
}

typedef struct { int64_t id; const char *visitor; int64_t supports; } support_arg;

static int support_txn(store *s, void *arg) {
    support_arg *x = arg;
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_PUB_IS, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, x->id);
    int rc = sqlite3_step(st);
    sq_done(st);
    if (rc == SQLITE_DONE) return STORE_NOT_FOUND;
    if (rc != SQLITE_ROW) { sq_set_err(db, "support"); return STORE_ERROR; }
    st = sq_stmt(s, Q_SUPPORT_ADD, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, x->id);
    sqlite3_bind_text(st, 2, x->visitor, -1, SQLITE_TRANSIENT);
    if ((rc = sq_exec(s, st, db, "support"))) return rc;       /* STORE_CONFLICT: supported before */
    st = sq_stmt(s, Q_SUPPORT_BUMP, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, x->id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) x->supports = sqlite3_column_int64(st, 0);
    rc = rc == SQLITE_ROW ? sqlite3_step(st) : rc;
    sq_done(st);
    if (rc != SQLITE_DONE) { sq_set_err(db, "support"); return STORE_ERROR; }
    return STORE_OK;
}

int sq_support_add(store *s, int64_t id, const char *visitor, int64_t *supports) {
    support_arg x = { id, visitor, 0 };
    int rc = sq_in_txn(s, support_txn, &x);
    *supports = x.supports;
    return rc;
}
