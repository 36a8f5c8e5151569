/* sqlite_staff.c: what admins edit about the organisation (store.h
 * "administration"): departments and accounts (renamed, moved, disabled,
 * never deleted), password resets, routing keywords, and the audit log read
 * with filters and keyset pages over indexes on (filter, at). */
#include "store/sqlite_int.h"
#include "core/str.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- departments and accounts -------------------------------------------- */

static const char Q_DEPT_NAME[] = "UPDATE departments SET name = ?2 WHERE id = ?1";
static const char Q_DEPT_DISABLE[] = "UPDATE departments SET disabled = ?2 WHERE id = ?1";
static const char Q_DEPT_EXISTS[] = "SELECT 1 FROM departments WHERE id = ?1";

static int exists(store *s, const char *q, int64_t id) {
    sqlite3_stmt *st = sq_stmt(s, q, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st) == SQLITE_ROW ? STORE_OK : STORE_NOT_FOUND;
    sq_done(st);
    return rc;
}

typedef struct { int64_t id; str name; int disabled; } dept_edit;

static int dept_txn(store *s, void *arg) {
    dept_edit *x = arg;
    int rc = exists(s, Q_DEPT_EXISTS, x->id);
    if (rc) return rc;
    sqlite3 *db;
    sqlite3_stmt *st;
    if (x->name.p) {
        if (!(st = sq_stmt(s, Q_DEPT_NAME, &db))) return STORE_ERROR;
        sqlite3_bind_int64(st, 1, x->id);
        sq_bind_str(st, 2, x->name);
        if ((rc = sq_exec(s, st, db, "rename department"))) return rc;
    }
    if (x->disabled >= 0) {
        if (!(st = sq_stmt(s, Q_DEPT_DISABLE, &db))) return STORE_ERROR;
        sqlite3_bind_int64(st, 1, x->id);
        sqlite3_bind_int(st, 2, x->disabled);
        if ((rc = sq_exec(s, st, db, "disable department"))) return rc;
    }
    return STORE_OK;
}

int sq_dept_update(store *s, int64_t id, str name, int disabled) {
    dept_edit x = { id, name, disabled };
    return sq_in_txn(s, dept_txn, &x);
}

static const char Q_USER_EXISTS[] = "SELECT 1 FROM users WHERE id = ?1";
static const char Q_USER_ROLE[] = "UPDATE users SET role = ?2 WHERE id = ?1";
static const char Q_USER_DEPT[] = "UPDATE users SET department_id = nullif(?2, 0) WHERE id = ?1";
static const char Q_USER_DISABLE[] = "UPDATE users SET disabled = ?2 WHERE id = ?1";
static const char Q_USER_PW[] = "UPDATE users SET password_hash = ?2 WHERE id = ?1";
/* A disabled account or a reset password ends the account's sessions at once. */
static const char Q_USER_SESSIONS_END[] = "DELETE FROM sessions WHERE user_id = ?1";

typedef struct { int64_t id; const char *role; int64_t dept; int disabled; const char *hash; } user_edit;

static int set_one(store *s, const char *q, int64_t id, const char *text, int64_t n, const char *what) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, q, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    if (text) sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT); else sqlite3_bind_int64(st, 2, n);
    return sq_exec(s, st, db, what);
}

static int user_txn(store *s, void *arg) {
    user_edit *x = arg;
    int rc = exists(s, Q_USER_EXISTS, x->id);
    if (rc) return rc;
    if (x->dept > 0 && (rc = exists(s, Q_DEPT_EXISTS, x->dept))) return rc == STORE_NOT_FOUND ? STORE_INVALID : rc;
    if (x->role && (rc = set_one(s, Q_USER_ROLE, x->id, x->role, 0, "set role"))) return rc;
    if (x->dept >= 0 && (rc = set_one(s, Q_USER_DEPT, x->id, NULL, x->dept, "set department"))) return rc;
    if (x->disabled >= 0 && (rc = set_one(s, Q_USER_DISABLE, x->id, NULL, x->disabled, "disable account"))) return rc;
    if (x->hash && (rc = set_one(s, Q_USER_PW, x->id, x->hash, 0, "reset password"))) return rc;
    if (x->disabled == 1 || x->hash) rc = set_one(s, Q_USER_SESSIONS_END, x->id, NULL, 0, "end sessions");
    return rc;
}

int sq_user_update(store *s, int64_t id, const char *role, int64_t dept_id, int disabled) {
    user_edit x = { id, role, dept_id, disabled, NULL };
    return sq_in_txn(s, user_txn, &x);
}

int sq_user_reset_password(store *s, int64_t id, const char *hash) {
    user_edit x = { id, NULL, -1, -1, hash };
    return sq_in_txn(s, user_txn, &x);
}

static const char Q_RULE_DEL[] = "DELETE FROM routing_rules WHERE id = ?1";

int sq_rule_del(store *s, int64_t id) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_RULE_DEL, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    int rc = sq_exec(s, st, db, "delete rule");
    if (rc == STORE_OK && sqlite3_changes(db) == 0) return STORE_NOT_FOUND;
    return rc;
}

/* ---- the audit log --------------------------------------------------------- */

/* A cursor is "<at>~<id>" of the last row of the previous page. */
static bool parse_cursor(const char *c, char *at, size_t cap, int64_t *id) {
    const char *t = strrchr(c, '~');
    if (!t || t == c || (size_t)(t - c) >= cap || !t[1]) return false;
    for (const char *p = t + 1; *p; p++) if (*p < '0' || *p > '9') return false;
    memcpy(at, c, (size_t)(t - c));
    at[t - c] = 0;
    *id = strtoll(t + 1, NULL, 10);
    return *id > 0;
}

static bool day_ok(const char *d) {
    if (!d || strlen(d) != 10 || d[4] != '-' || d[7] != '-') return false;
    for (int i = 0; i < 10; i++) if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9')) return false;
    return true;
}

/* Newest first by (at, id): each filter has an index on (column, at), the
 * unfiltered log the index on at, so a page costs its rows whatever the
 * size of the log, and so does every following page (the cursor is a
 * position in the index, not an offset). */
int sq_audit_list(store *s, const store_audit_query *q, json_t **out) {
    char at[40] = "";
    int64_t after = 0;
    if (q->after && *q->after && !parse_cursor(q->after, at, sizeof at, &after)) {
        sq_set_err(NULL, "audit: the cursor (after) is not one this log gave");
        return STORE_INVALID;
    }
    if ((q->from && !day_ok(q->from)) || (q->to && !day_ok(q->to))) {
        sq_set_err(NULL, "audit: from and to are dates YYYY-MM-DD");
        return STORE_INVALID;
    }
    buf sql = {0};
    buf_puts(&sql, "SELECT e.id, e.at, coalesce(u.login,''), e.kind, coalesce(e.message_id,0), e.detail "
                   "FROM events e LEFT JOIN users u ON u.id = e.actor_id WHERE 1");
    /* Fixed parameter numbers: ?1 actor, ?2 kind, ?3 message, ?4 from, ?5 to, ?6 at, ?7 id, ?8 limit. */
    if (q->actor_id) buf_puts(&sql, " AND e.actor_id = ?1");
    if (q->kind) buf_puts(&sql, " AND e.kind = ?2");
    if (q->msg_id) buf_puts(&sql, " AND e.message_id = ?3");
    if (q->from) buf_puts(&sql, " AND e.at >= ?4");
    if (q->to) buf_puts(&sql, " AND e.at < date(?5, '+1 day')");
    if (after) buf_puts(&sql, " AND (e.at, e.id) < (?6, ?7)");
    buf_puts(&sql, " ORDER BY e.at DESC, e.id DESC LIMIT ?8");
    if (!sql.p) return STORE_ERROR;
    sqlite3 *db;
    static const char Q_ANY[] = "SELECT 1";
    if (!sq_stmt(s, Q_ANY, &db)) { buf_free(&sql); return STORE_ERROR; }
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql.p, (int)sql.n, &st, NULL);
    buf_free(&sql);
    if (rc != SQLITE_OK) { sq_set_err(db, "audit"); return STORE_ERROR; }
    int limit = q->limit > 0 && q->limit <= 500 ? q->limit : 100;
    sqlite3_bind_int64(st, 1, q->actor_id);
    if (q->kind) sqlite3_bind_text(st, 2, q->kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, q->msg_id);
    if (q->from) sqlite3_bind_text(st, 4, q->from, -1, SQLITE_TRANSIENT);
    if (q->to) sqlite3_bind_text(st, 5, q->to, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 7, after);
    sqlite3_bind_int(st, 8, limit + 1);   /* one more: is there a next page? */
    json_t *a = json_array();
    char next[64] = "";
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((int)json_array_size(a) == limit) {
            json_t *last = json_array_get(a, json_array_size(a) - 1);
            snprintf(next, sizeof next, "%s~%" PRId64, json_string_value(json_object_get(last, "at")),
                     (int64_t)json_integer_value(json_object_get(last, "id")));
            rc = SQLITE_DONE;
            break;
        }
        json_t *detail = sqlite3_column_type(st, 5) == SQLITE_NULL ? NULL : json_loads(sq_col_text(st, 5), 0, NULL);
        int64_t mid = sqlite3_column_int64(st, 4);
        json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:s,s:o,s:o}", "id", (json_int_t)sqlite3_column_int64(st, 0),
                                           "at", sq_col_text(st, 1), "actor", sq_col_text(st, 2), "kind", sq_col_text(st, 3),
                                           "message_id", mid ? json_integer(mid) : json_null(),
                                           "detail", detail ? detail : json_null()));
    }
    if (rc != SQLITE_DONE) { sq_set_err(db, "audit"); sqlite3_finalize(st); json_decref(a); return STORE_ERROR; }
    sqlite3_finalize(st);
    *out = json_pack("{s:o,s:o}", "events", a, "next", *next ? json_string(next) : json_null());
    return STORE_OK;
}

/* The event kinds in the log, for the filter's choices: one seek in the
 * kind index per distinct kind (a skip scan), not a walk of the log. */
static const char Q_KINDS[] =
    "WITH RECURSIVE k(kind) AS (SELECT min(kind) FROM events "
    "UNION ALL SELECT (SELECT min(kind) FROM events WHERE kind > k.kind) FROM k WHERE k.kind IS NOT NULL) "
    "SELECT kind FROM k WHERE kind IS NOT NULL";

int sq_audit_kinds(store *s, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_KINDS, NULL);
    if (!st) return STORE_ERROR;
    json_t *a = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) json_array_append_new(a, json_string(sq_col_text(st, 0)));
    sq_done(st);
    *out = a;
    return STORE_OK;
}
