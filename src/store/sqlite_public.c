/* sqlite_public.c: messages in public (留言公开) for the SQLite backend: the
 * public list with keyset pagination, the public view of one message, and
 * supports (one per visitor). Design: every query walks one partial index
 * of migration 9 in the order of the page (newest, most recently replied,
 * most supported) and stops at the page's end, so a page costs the same at
 * a thousand messages or ten million; filters that no index covers (type,
 * region, state, dates) are checked on the rows walked. */
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

/* ?3 type, ?4 region, ?5 state, ?6 from (day), ?7 to (day), ?8 cursor id, ?9 cursor key, ?10 limit. */
#define PUB_FILTERS \
    " AND (?3 IS NULL OR m.type = ?3) AND (?4 IS NULL OR m.region = ?4)" \
    " AND (?5 IS NULL OR (?5 = 'unreplied' AND m.state IN ('new','assigned')) OR m.state = ?5)" \
    " AND (?6 IS NULL OR m.created_at >= ?6) AND (?7 IS NULL OR m.created_at < date(?7, '+1 day'))"

#define PUB_FROM(index) " FROM messages m INDEXED BY " index " LEFT JOIN departments d ON d.id = m.department_id WHERE " SQ_PUBLIC

/* Newest first: three indexes, by the one filter that narrows most. */
static const char Q_PUB_NEW[] = "SELECT " PUB_COLS PUB_FROM("messages_public_new")
    " AND (?1 = 0 OR m.consultation_id = ?1) AND (?2 = 0 OR m.department_id = ?2)" PUB_FILTERS
    " AND m.id < ?8 ORDER BY m.id DESC LIMIT ?10";
static const char Q_PUB_NEW_CONS[] = "SELECT " PUB_COLS PUB_FROM("messages_public_cons")
    " AND m.consultation_id = ?1 AND (?2 = 0 OR m.department_id = ?2)" PUB_FILTERS
    " AND m.id < ?8 ORDER BY m.consultation_id DESC, m.id DESC LIMIT ?10";
static const char Q_PUB_NEW_DEPT[] = "SELECT " PUB_COLS PUB_FROM("messages_public_dept")
    " AND m.department_id = ?2 AND (?1 = 0 OR m.consultation_id = ?1)" PUB_FILTERS
    " AND m.id < ?8 ORDER BY m.department_id DESC, m.id DESC LIMIT ?10";
static const char Q_PUB_REPLIED[] = "SELECT " PUB_COLS PUB_FROM("messages_public_replied")
    " AND m.last_reply_at IS NOT NULL AND (?1 = 0 OR m.consultation_id = ?1) AND (?2 = 0 OR m.department_id = ?2)" PUB_FILTERS
    " AND (m.last_reply_at, m.id) < (?9, ?8) ORDER BY m.last_reply_at DESC, m.id DESC LIMIT ?10";
static const char Q_PUB_SUPPORTED[] = "SELECT " PUB_COLS PUB_FROM("messages_public_supported")
    " AND (?1 = 0 OR m.consultation_id = ?1) AND (?2 = 0 OR m.department_id = ?2)" PUB_FILTERS
    " AND (m.supports, m.id) < (?9, ?8) ORDER BY m.supports DESC, m.id DESC LIMIT ?10";

static const char Q_PUB_IS[] = "SELECT m.supports FROM messages m WHERE m.id = ?1 AND " SQ_PUBLIC;
static const char Q_SUPPORT_ADD[] = "INSERT INTO supports(message_id, visitor) VALUES (?1, ?2)";
static const char Q_SUPPORT_BUMP[] = "UPDATE messages SET supports = supports + 1 WHERE id = ?1 RETURNING supports";

enum { SORT_NEW, SORT_REPLIED, SORT_SUPPORTED };

/* Cursors: "ID" (newest), "KEY~ID" (replied: the reply time; supported: the
 * count). Returns false when the text is not a cursor of this sort. */
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

static void bind_opt(sqlite3_stmt *st, int i, const char *v) {
    if (v && *v) sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, i);
}

int sq_public_list(store *s, const store_public_query *q, json_t **out) {
    int sort = SORT_NEW;
    if (q->sort && !strcmp(q->sort, "replied")) sort = SORT_REPLIED;
    else if (q->sort && !strcmp(q->sort, "supported")) sort = SORT_SUPPORTED;
    else if (q->sort && *q->sort && strcmp(q->sort, "new")) return STORE_INVALID;
    if ((q->from && *q->from && !is_day(q->from)) || (q->to && *q->to && !is_day(q->to))) return STORE_INVALID;
    int64_t cur_id = INT64_MAX;
    char key[40] = "";
    if (q->after && *q->after && !parse_cursor(sort, q->after, &cur_id, key, sizeof key)) return STORE_INVALID;
    int limit = q->limit > 0 && q->limit <= 100 ? q->limit : 20;

    const char *sql = sort == SORT_REPLIED ? Q_PUB_REPLIED : sort == SORT_SUPPORTED ? Q_PUB_SUPPORTED
                    : q->consultation_id ? Q_PUB_NEW_CONS : q->department_id ? Q_PUB_NEW_DEPT : Q_PUB_NEW;
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, sql, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, q->consultation_id);
    sqlite3_bind_int64(st, 2, q->department_id);
    bind_opt(st, 3, q->type);
    bind_opt(st, 4, q->region);
    bind_opt(st, 5, q->state);
    bind_opt(st, 6, q->from);
    bind_opt(st, 7, q->to);
    sqlite3_bind_int64(st, 8, cur_id);
    if (sort == SORT_SUPPORTED) sqlite3_bind_int64(st, 9, key[0] ? strtoll(key, NULL, 10) : INT64_MAX);
    else if (sort == SORT_REPLIED) sqlite3_bind_text(st, 9, key[0] ? key : "~", -1, SQLITE_TRANSIENT);  /* '~' sorts after any time */
    else sqlite3_bind_null(st, 9);
    /* One row more than the page tells whether there is a next page. */
    sqlite3_bind_int(st, 10, limit + 1);
    json_t *a = json_array();
    int rc, n = 0;
    char next[64] = "";
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == limit) {                    /* the cursor is the last row shown */
            json_t *last = json_array_get(a, json_array_size(a) - 1);
            int64_t lid = json_integer_value(json_object_get(last, "id"));
            if (sort == SORT_NEW) snprintf(next, sizeof next, "%" PRId64, lid);
            else if (sort == SORT_REPLIED)
                snprintf(next, sizeof next, "%s~%" PRId64, json_string_value(json_object_get(last, "last_reply_at")), lid);
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
    sq_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) { json_decref(a); sq_set_err(db, "public list"); return STORE_ERROR; }
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
