/* sqlite_life.c: the SQLite backend's records of the officials' lifecycle
 * (store.h, core/lifecycle.h): transitions checked against the one table,
 * extensions, urgings, follow-up questions, replies awaiting approval and
 * corrected replies, the holiday calendar, and working-day deadlines. Every
 * change writes its audit event in the same transaction (audit()). */
#include "store/sqlite_int.h"
#include "core/lifecycle.h"
#include "core/workcal.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- deadlines ---------------------------------------------------------- */

#define NTYPES 5   /* lifecycle_deadlines() */

/* The calendar and the days, re-read when this process changed them or at
 * most 2 s later (another node or the CLI may change them too). */
static struct {
    pthread_mutex_t mu;
    const store *owner;
    workcal *cal;
    int days[NTYPES];
    time_t loaded;
    unsigned gen;
} dl = { .mu = PTHREAD_MUTEX_INITIALIZER };
static atomic_uint dl_gen = 1;

void sq_deadlines_changed(void) { atomic_fetch_add(&dl_gen, 1); }

static const char Q_CAL_ALL[] = "SELECT day, kind FROM calendar_days ORDER BY day";

/* Caller holds dl.mu. */
static int dl_load(store *s) {
    unsigned gen = atomic_load(&dl_gen);
    time_t now = time(NULL);
    if (dl.cal && dl.owner == s && dl.gen == gen && now - dl.loaded < 2) return STORE_OK;
    workcal *cal = workcal_new();
    if (!cal) { sq_set_err(NULL, "deadlines: out of memory"); return STORE_ERROR; }
    sqlite3_stmt *st = sq_stmt(s, Q_CAL_ALL, NULL);
    if (!st) { workcal_free(cal); return STORE_ERROR; }
    while (sqlite3_step(st) == SQLITE_ROW) {
        int32_t day;
        const char *d = sq_col_text(st, 0);
        if (workcal_parse_day(d, strlen(d), &day))
            workcal_set(cal, day, !strcmp(sq_col_text(st, 1), "workday") ? WORKCAL_WORKDAY : WORKCAL_HOLIDAY);
    }
    sq_done(st);
    int nt;
    const lc_deadline *t = lifecycle_deadlines(&nt);
    for (int i = 0; i < nt && i < (int)NTYPES; i++) {
        char v[32];
        long n = sq_setting_get(s, t[i].setting, v, sizeof v) == STORE_OK ? strtol(v, NULL, 10) : 0;
        dl.days[i] = n > 0 ? (int)n : t[i].days;
    }
    workcal_free(dl.cal);
    dl.cal = cal;
    dl.owner = s;
    dl.gen = gen;
    dl.loaded = now;
    return STORE_OK;
}

static bool parse_time(const char *iso, time_t *t) {
    struct tm tm = { 0 };
    const char *end = iso ? strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (!end) return false;
    *t = timegm(&tm);
    return true;
}

static void format_time(time_t t, char *out) {
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The end of the n-th working day after the local date of `from`. */
int sq_due_after(store *s, time_t from, int n, char *out) {
    pthread_mutex_lock(&dl.mu);
    int rc = dl_load(s);
    if (rc == STORE_OK) format_time(workcal_day_end(workcal_add(dl.cal, workcal_day_of(from), n)), out);
    pthread_mutex_unlock(&dl.mu);
    return rc;
}

static int type_days(store *s, str type, int *days) {
    pthread_mutex_lock(&dl.mu);
    int rc = dl_load(s);
    int nt;
    const lc_deadline *t = lifecycle_deadlines(&nt);
    *days = 15;
    for (int i = 0; rc == STORE_OK && i < nt && i < (int)NTYPES; i++)
        if (str_eq_c(type, t[i].type)) *days = dl.days[i];
    pthread_mutex_unlock(&dl.mu);
    return rc;
}

int sq_due_at(store *s, str type, const char *created, char *out) {
    time_t t = time(NULL);
    if (created && !parse_time(created, &t)) t = time(NULL);
    int days;
    int rc = type_days(s, type, &days);
    return rc ? rc : sq_due_after(s, t, days, out);
}

int sq_due_soon(store *s, int n, char *out) { return sq_due_after(s, time(NULL), n, out); }

int sq_due_view(store *s, const char *due_at, int *days_left) {
    time_t due;
    if (!parse_time(due_at, &due)) return STORE_INVALID;
    pthread_mutex_lock(&dl.mu);
    int rc = dl_load(s);
    if (rc == STORE_OK) *days_left = workcal_between(dl.cal, workcal_day_of(time(NULL)), workcal_day_of(due));
    pthread_mutex_unlock(&dl.mu);
    return rc;
}

static const char Q_CAL_SET[] = "INSERT INTO calendar_days(day, kind) VALUES (?1, ?2) ON CONFLICT(day) DO UPDATE SET kind = ?2";
static const char Q_CAL_DEL[] = "DELETE FROM calendar_days WHERE day = ?1";

int sq_calendar_set(store *s, const char *day, const char *kind) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, kind ? Q_CAL_SET : Q_CAL_DEL, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_text(st, 1, day, -1, SQLITE_TRANSIENT);
    if (kind) sqlite3_bind_text(st, 2, kind, -1, SQLITE_TRANSIENT);
    int rc = sq_exec(s, st, db, "set calendar day");
    sq_deadlines_changed();
    return rc;
}

int sq_calendar_list(store *s, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_CAL_ALL, NULL);
    if (!st) return STORE_ERROR;
    json_t *a = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(a, json_pack("{s:s,s:s}", "day", sq_col_text(st, 0), "kind", sq_col_text(st, 1)));
    sq_done(st);
    *out = a;
    return STORE_OK;
}

/* ---- transitions -------------------------------------------------------- */

static const char Q_LIFE_MSG[] = "SELECT state, coalesce(department_id, 0), type FROM messages WHERE id = ?1";

int sq_life_check(store *s, int64_t msg_id, const char *action, char *from, int64_t *dept) {
    const lc_rule *r = lifecycle_rule(action);
    if (!r) { sq_set_err(NULL, "unknown lifecycle action"); return STORE_ERROR; }
    sqlite3_stmt *st = sq_stmt(s, Q_LIFE_MSG, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, msg_id);
    if (sqlite3_step(st) != SQLITE_ROW) { sq_done(st); return STORE_NOT_FOUND; }
    snprintf(from, 16, "%s", sq_col_text(st, 0));
    if (dept) *dept = sqlite3_column_int64(st, 1);
    sq_done(st);
    return lifecycle_from_ok(r, from) ? STORE_OK : STORE_CONFLICT;
}

/* The one place every lifecycle change is written to the audit trail (who,
 * when, from, to, reason). The department's running figures of closed,
 * urged and extended messages are bumped from here too, when they exist. */
static int audit(store *s, int64_t user, const char *kind, int64_t msg_id, const char *from, const char *to,
                 str reason, json_t *extra) {
    json_t *d = extra ? extra : json_object();
    if (from) json_object_set_new(d, "from", json_string(from));
    if (to) json_object_set_new(d, "to", json_string(to));
    if (reason.p) json_object_set_new(d, "reason", json_stringn(reason.p, reason.n));
    int rc = sq_event_add(s, user, kind, msg_id, d);
    json_decref(d);
    return rc;
}

static const char Q_ACT_RETURN[] = "UPDATE messages SET state = 'new', department_id = NULL, assignee_id = NULL WHERE id = ?1";
static const char Q_ACT_CLOSE[] = "UPDATE messages SET state = 'closed', resolution = ?2 WHERE id = ?1";
static const char Q_ACT_DECLINE[] = "UPDATE messages SET state = 'declined', resolution = ?2 WHERE id = ?1";
static const char Q_ACT_ASSIGN[] = "UPDATE messages SET state = 'assigned', assignee_id = ?2, department_id = ?3 WHERE id = ?1";
/* Back to the department with a fresh deadline; without a department (an
 * admin answered it from the unrouted queue) back to that queue. */
static const char Q_ACT_REOPEN[] =
    "UPDATE messages SET state = CASE WHEN department_id IS NULL THEN 'new' ELSE 'assigned' END, "
    "reopen_count = reopen_count + 1, resolution = NULL, due_at = coalesce(?2, due_at) WHERE id = ?1";
static const char Q_ACT_URGE[] =
    "UPDATE messages SET urged_at = strftime('%Y-%m-%dT%H:%M:%SZ','now'), urge_count = urge_count + 1 WHERE id = ?1";
static const char Q_URGE_ADD[] = "INSERT INTO urges(message_id, department_id, user_id, note) VALUES (?1, nullif(?2,0), nullif(?3,0), ?4)";
static const char Q_STATE_OF[] = "SELECT state, type FROM messages WHERE id = ?1";

static int exec_id_str(store *s, const char *q, int64_t id, str v, const char *what) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, q, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_bind_parameter_count(st) >= 2) sq_bind_str(st, 2, v);
    return sq_exec(s, st, db, what);
}

static int state_of(store *s, int64_t id, char *state, char *type) {
    sqlite3_stmt *st = sq_stmt(s, Q_STATE_OF, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st) == SQLITE_ROW ? STORE_OK : STORE_NOT_FOUND;
    if (rc == STORE_OK) {
        snprintf(state, 16, "%s", sq_col_text(st, 0));
        if (type) snprintf(type, 16, "%s", sq_col_text(st, 1));
    }
    sq_done(st);
    return rc;
}

/* Reopens (caller holds the transaction, the state was checked): a new deadline from today. */
static int reopen(store *s, int64_t id, const char *type) {
    char due[32];
    int rc = sq_due_at(s, str_c(type), NULL, due);
    if (rc) return rc;
    return exec_id_str(s, Q_ACT_REOPEN, id, str_c(due), "reopen");
}

typedef struct { const store_act *a; char *from; } act_arg;

static int act_txn(store *s, void *arg) {
    act_arg *x = arg;
    const store_act *a = x->a;
    int64_t dept;
    int rc = sq_life_check(s, a->msg_id, a->action, x->from, &dept);
    if (rc) return rc;
    json_t *extra = json_object();
    if (!strcmp(a->action, "return")) {
        json_object_set_new(extra, "department_id", json_integer(dept));
        rc = exec_id_str(s, Q_ACT_RETURN, a->msg_id, (str){0}, "return");
    } else if (!strcmp(a->action, "close")) rc = exec_id_str(s, Q_ACT_CLOSE, a->msg_id, a->reason, "close");
    else if (!strcmp(a->action, "decline")) rc = exec_id_str(s, Q_ACT_DECLINE, a->msg_id, a->reason, "decline");
    else if (!strcmp(a->action, "assign")) {
        sqlite3 *db;
        sqlite3_stmt *st = sq_stmt(s, Q_ACT_ASSIGN, &db);
        if (!st) { json_decref(extra); return STORE_ERROR; }
        sqlite3_bind_int64(st, 1, a->msg_id);
        sqlite3_bind_int64(st, 2, a->assignee_id);
        sqlite3_bind_int64(st, 3, a->dept_id);
        rc = sq_exec(s, st, db, "assign");
        json_object_set_new(extra, "assignee_id", json_integer(a->assignee_id));
    } else if (!strcmp(a->action, "reopen")) {
        char st[16], type[16];
        rc = state_of(s, a->msg_id, st, type);
        if (rc == STORE_OK) rc = reopen(s, a->msg_id, type);
    } else if (!strcmp(a->action, "urge")) {
        rc = exec_id_str(s, Q_ACT_URGE, a->msg_id, (str){0}, "urge");
        sqlite3 *db;
        sqlite3_stmt *st = rc ? NULL : sq_stmt(s, Q_URGE_ADD, &db);
        if (!rc && !st) rc = STORE_ERROR;
        if (st) {
            sqlite3_bind_int64(st, 1, a->msg_id);
            sqlite3_bind_int64(st, 2, dept);
            sqlite3_bind_int64(st, 3, a->user_id);
            sq_bind_str(st, 4, a->reason);
            rc = sq_exec(s, st, db, "urge");
        }
        json_object_set_new(extra, "department_id", json_integer(dept));
    } else {
        sq_set_err(NULL, "msg_act: this action has its own call");
        rc = STORE_ERROR;
    }
    if (rc) { json_decref(extra); return rc; }
    char to[16];
    if ((rc = state_of(s, a->msg_id, to, NULL))) { json_decref(extra); return rc; }
    return audit(s, a->user_id, a->action, a->msg_id, x->from, to, a->reason, extra);
}

/* The transition and the dashboard figures in one transaction (sqlite_int.h). */
static int act_agg_txn(store *s, void *arg) {
    act_arg *x = arg;
    int rc = sq_agg_msg(s, x->a->msg_id, -1);
    if (rc == STORE_OK) rc = act_txn(s, x);
    if (rc == STORE_OK) rc = sq_agg_msg(s, x->a->msg_id, +1);
    return rc;
}

int sq_act(store *s, const store_act *a, char *from) {
    char dummy[16];
    act_arg x = { a, from ? from : dummy };
    return sq_in_txn(s, act_agg_txn, &x);
}

/* ---- extensions --------------------------------------------------------- */

static const char Q_EXT_PENDING_OF[] = "SELECT 1 FROM extensions WHERE message_id = ?1 AND status = 'pending'";
static const char Q_EXT_ADD[] = "INSERT INTO extensions(message_id, user_id, days, reason) VALUES (?1, nullif(?2,0), ?3, ?4)";
#define EXT_COLS "x.id, x.message_id, coalesce(m.department_id,0), x.days, x.reason, x.status, coalesce(u.login,''), " \
                 "x.created_at, coalesce(v.login,''), x.decided_at, x.due_before, x.due_after, m.tracking_code, m.title"
#define EXT_FROM "FROM extensions x JOIN messages m ON m.id = x.message_id LEFT JOIN users u ON u.id = x.user_id " \
                 "LEFT JOIN users v ON v.id = x.decided_by "
static const char Q_EXT_GET[] = "SELECT " EXT_COLS " " EXT_FROM "WHERE x.id = ?1";
static const char Q_EXT_OF_MSG[] = "SELECT " EXT_COLS " " EXT_FROM "WHERE x.message_id = ?1 ORDER BY x.id";
static const char Q_EXT_PENDING[] = "SELECT " EXT_COLS " " EXT_FROM
                                    "WHERE x.status = 'pending' AND (?1 = 0 OR m.department_id = ?1) ORDER BY x.id LIMIT 500";
static const char Q_EXT_DECIDE[] = "UPDATE extensions SET status = ?2, decided_by = nullif(?3,0), "
                                   "decided_at = strftime('%Y-%m-%dT%H:%M:%SZ','now'), due_before = ?4, due_after = ?5 "
                                   "WHERE id = ?1 AND status = 'pending'";
static const char Q_DUE_OF[] = "SELECT coalesce(due_at, strftime('%Y-%m-%dT%H:%M:%SZ','now')) FROM messages WHERE id = ?1";
static const char Q_DUE_SET[] = "UPDATE messages SET due_at = ?2 WHERE id = ?1";

static json_t *opt_text(sqlite3_stmt *st, int i) {
    return sqlite3_column_type(st, i) == SQLITE_NULL ? json_null() : json_string(sq_col_text(st, i));
}

static json_t *read_ext(sqlite3_stmt *st) {
    json_t *o = json_pack("{s:I,s:I,s:I,s:i,s:s,s:s,s:s,s:s}",
                          "id", (json_int_t)sqlite3_column_int64(st, 0), "message_id", (json_int_t)sqlite3_column_int64(st, 1),
                          "department_id", (json_int_t)sqlite3_column_int64(st, 2), "days", sqlite3_column_int(st, 3),
                          "reason", sq_col_text(st, 4), "status", sq_col_text(st, 5), "requested_by", sq_col_text(st, 6),
                          "created_at", sq_col_text(st, 7));
    json_object_set_new(o, "decided_by", *sq_col_text(st, 8) ? json_string(sq_col_text(st, 8)) : json_null());
    json_object_set_new(o, "decided_at", opt_text(st, 9));
    json_object_set_new(o, "due_before", opt_text(st, 10));
    json_object_set_new(o, "due_after", opt_text(st, 11));
    json_object_set_new(o, "tracking_code", json_string(sq_col_text(st, 12)));
    json_object_set_new(o, "title", json_string(sq_col_text(st, 13)));
    return o;
}

typedef struct { int64_t msg, user, id; int days; str reason; bool approve; } ext_arg;

static int ext_add_txn(store *s, void *arg) {
    ext_arg *x = arg;
    char from[16];
    int rc = sq_life_check(s, x->msg, "extension", from, NULL);
    if (rc) return rc;
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_EXT_PENDING_OF, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, x->msg);
    bool pending = sqlite3_step(st) == SQLITE_ROW;
    sq_done(st);
    if (pending) return STORE_CONFLICT;
    if (!(st = sq_stmt(s, Q_EXT_ADD, &db))) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, x->msg);
    sqlite3_bind_int64(st, 2, x->user);
    sqlite3_bind_int(st, 3, x->days);
    sq_bind_str(st, 4, x->reason);
    if ((rc = sq_insert_id(s, st, db, "request extension", &x->id))) return rc;
    return audit(s, x->user, "extension_request", x->msg, NULL, NULL, x->reason,
                 json_pack("{s:I,s:i}", "extension_id", (json_int_t)x->id, "days", x->days));
}

int sq_extension_add(store *s, int64_t msg_id, int64_t user_id, int days, str reason, int64_t *id) {
    ext_arg x = { .msg = msg_id, .user = user_id, .days = days, .reason = reason };
    int rc = sq_in_txn(s, ext_add_txn, &x);
    *id = x.id;
    return rc;
}

int sq_extension_get(store *s, int64_t id, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_EXT_GET, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st) == SQLITE_ROW ? STORE_OK : STORE_NOT_FOUND;
    if (rc == STORE_OK) *out = read_ext(st);
    sq_done(st);
    return rc;
}

static int ext_decide_txn(store *s, void *arg) {
    ext_arg *x = arg;
    json_t *e;
    int rc = sq_extension_get(s, x->id, &e);
    if (rc) return rc;
    int64_t msg = json_integer_value(json_object_get(e, "message_id"));
    int days = (int)json_integer_value(json_object_get(e, "days"));
    bool pending = !strcmp(json_string_value(json_object_get(e, "status")), "pending");
    json_decref(e);
    if (!pending) return STORE_CONFLICT;
    char from[16];
    if ((rc = sq_life_check(s, msg, "extension_decision", from, NULL))) return rc;
    char before[32] = "", after[32] = "";
    if ((rc = sq_agg_msg(s, msg, -1))) return rc;     /* the deadline and "extended" change the figures */
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_DUE_OF, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, msg);
    if (sqlite3_step(st) == SQLITE_ROW) sq_copy_text(before, sizeof before, st, 0);
    sq_done(st);
    if (x->approve) {
        time_t t;
        if (!parse_time(before, &t)) t = time(NULL);
        if ((rc = sq_due_after(s, t, days, after))) return rc;
        if ((rc = exec_id_str(s, Q_DUE_SET, msg, str_c(after), "move deadline"))) return rc;
    }
    if (!(st = sq_stmt(s, Q_EXT_DECIDE, &db))) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, x->id);
    sqlite3_bind_text(st, 2, x->approve ? "approved" : "refused", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, x->user);
    sqlite3_bind_text(st, 4, before, -1, SQLITE_TRANSIENT);
    if (x->approve) sqlite3_bind_text(st, 5, after, -1, SQLITE_TRANSIENT);
    if ((rc = sq_exec(s, st, db, "decide extension"))) return rc;
    if ((rc = sq_agg_msg(s, msg, +1))) return rc;
    json_t *d = json_pack("{s:I,s:i,s:b}", "extension_id", (json_int_t)x->id, "days", days, "approve", x->approve);
    if (x->approve) { json_object_set_new(d, "due_before", json_string(before)); json_object_set_new(d, "due_after", json_string(after)); }
    return audit(s, x->user, x->approve ? "extension_approved" : "extension_refused", msg, NULL, NULL, x->reason, d);
}

int sq_extension_decide(store *s, int64_t id, int64_t user_id, bool approve, str reason) {
    ext_arg x = { .id = id, .user = user_id, .approve = approve, .reason = reason };
    return sq_in_txn(s, ext_decide_txn, &x);
}

int sq_extension_list(store *s, int64_t msg_id, int64_t dept_id, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, msg_id ? Q_EXT_OF_MSG : Q_EXT_PENDING, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, msg_id ? msg_id : dept_id);
    json_t *a = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) json_array_append_new(a, read_ext(st));
    sq_done(st);
    *out = a;
    return STORE_OK;
}

static const char Q_URGES[] = "SELECT g.id, g.note, g.created_at, coalesce(u.login,'') FROM urges g LEFT JOIN users u ON u.id = g.user_id "
                              "WHERE g.message_id = ?1 ORDER BY g.id DESC";

int sq_urge_list(store *s, int64_t msg_id, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_URGES, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, msg_id);
    json_t *a = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(a, json_pack("{s:I,s:o,s:s,s:s}", "id", (json_int_t)sqlite3_column_int64(st, 0),
                                           "note", opt_text(st, 1), "created_at", sq_col_text(st, 2), "by", sq_col_text(st, 3)));
    sq_done(st);
    *out = a;
    return STORE_OK;
}

/* ---- the citizen's follow-up -------------------------------------------- */

static const char Q_FOLLOWUP_ADD[] = "INSERT INTO followups(message_id, body) VALUES (?1, ?2)";
static const char Q_FOLLOWUP_GET[] = "SELECT body, created_at FROM followups WHERE message_id = ?1";

typedef struct { int64_t msg; str body; } followup_arg;

static int followup_txn(store *s, void *arg) {
    followup_arg *x = arg;
    char from[16], type[16];
    int rc = state_of(s, x->msg, from, type);
    if (rc) return rc;
    /* A follow-up asks about the answer: only a replied message takes one. */
    if (strcmp(from, "replied") || !lifecycle_from_ok(lifecycle_rule("reopen"), from)) return STORE_CONFLICT;
    if ((rc = sq_agg_msg(s, x->msg, -1))) return rc;
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_FOLLOWUP_ADD, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, x->msg);
    sq_bind_str(st, 2, x->body);
    if ((rc = sq_exec(s, st, db, "add follow-up"))) return rc;   /* a second one: primary-key conflict */
    if ((rc = reopen(s, x->msg, type))) return rc;
    if ((rc = sq_agg_msg(s, x->msg, +1))) return rc;
    char to[16];
    if ((rc = state_of(s, x->msg, to, NULL))) return rc;
    return audit(s, 0, "reopen", x->msg, from, to, x->body, json_pack("{s:s}", "by", "followup"));
}

int sq_followup_add(store *s, int64_t msg_id, str body) {
    followup_arg x = { msg_id, body };
    return sq_in_txn(s, followup_txn, &x);
}

int sq_followup_get(store *s, int64_t msg_id, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_FOLLOWUP_GET, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, msg_id);
    int rc = sqlite3_step(st) == SQLITE_ROW ? STORE_OK : STORE_NOT_FOUND;
    if (rc == STORE_OK) *out = json_pack("{s:s,s:s}", "body", sq_col_text(st, 0), "created_at", sq_col_text(st, 1));
    sq_done(st);
    return rc;
}

/* Called by the rating in its transaction: a rating of 1 or 2 sends the
 * message back to the department once. The rating is superseded: it still
 * counts in the figures, and the citizen's rating of the new answer
 * replaces it. */
static const char Q_RATING_REOPENABLE[] = "SELECT rating_reopened, type FROM messages WHERE id = ?1";
static const char Q_RATING_REOPENED[] = "UPDATE messages SET rating_reopened = 1 WHERE id = ?1";
static const char Q_RATING_DROP[] = "UPDATE ratings SET superseded = 1 WHERE message_id = ?1";

int sq_rating_reopen(store *s, int64_t msg_id, int score, str comment, bool *reopened) {
    *reopened = false;
    if (score > 2) return STORE_OK;
    sqlite3_stmt *st = sq_stmt(s, Q_RATING_REOPENABLE, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, msg_id);
    bool once = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 0;
    char type[16];
    sq_copy_text(type, sizeof type, st, 1);
    sq_done(st);
    char from[16];
    if (!once || sq_life_check(s, msg_id, "reopen", from, NULL) != STORE_OK) return STORE_OK;
    int rc;
    if ((rc = exec_id_str(s, Q_RATING_REOPENED, msg_id, (str){0}, "reopen")) ||
        (rc = exec_id_str(s, Q_RATING_DROP, msg_id, (str){0}, "reopen")) ||
        (rc = reopen(s, msg_id, type))) return rc;
    char to[16];
    if ((rc = state_of(s, msg_id, to, NULL))) return rc;
    *reopened = true;
    return audit(s, 0, "reopen", msg_id, from, to, comment, json_pack("{s:s,s:i}", "by", "rating", "score", score));
}

/* ---- replies: approval and corrections ---------------------------------- */

static const char Q_REPLY_PENDING_ADD[] =
    "INSERT INTO replies(message_id, user_id, department_id, body, status) VALUES (?1, nullif(?2,0), nullif(?3,0), ?4, 'pending')";
#define REPLY_COLS "r.id, r.message_id, coalesce(r.department_id,0), r.status, r.body, r.created_at, r.edited_at, " \
                   "coalesce(u.login,''), m.tracking_code, m.title"
static const char Q_REPLY_GET[] = "SELECT " REPLY_COLS " FROM replies r JOIN messages m ON m.id = r.message_id "
                                  "LEFT JOIN users u ON u.id = r.user_id WHERE r.id = ?1";
static const char Q_REPLIES_PENDING[] = "SELECT " REPLY_COLS " FROM replies r JOIN messages m ON m.id = r.message_id "
                                        "LEFT JOIN users u ON u.id = r.user_id "
                                        "WHERE r.status = 'pending' AND (?1 = 0 OR r.department_id = ?1) ORDER BY r.id LIMIT 500";
/* Approval publishes the reply as of now: the citizen sees it from now on. */
static const char Q_REPLY_PUBLISH[] = "UPDATE replies SET status = 'published', created_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') "
                                      "WHERE id = ?1 AND status = 'pending'";
static const char Q_REPLY_REFUSE[] = "UPDATE replies SET status = 'refused' WHERE id = ?1 AND status = 'pending'";
static const char Q_REPLY_EDIT[] = "UPDATE replies SET body = ?2, edited_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?1";
static const char Q_SET_REPLIED[] = "UPDATE messages SET state = 'replied' WHERE id = ?1";

static json_t *read_reply(sqlite3_stmt *st) {
    json_t *o = json_pack("{s:I,s:I,s:I,s:s,s:s,s:s,s:o,s:s,s:s,s:s}",
                          "id", (json_int_t)sqlite3_column_int64(st, 0), "message_id", (json_int_t)sqlite3_column_int64(st, 1),
                          "department_id", (json_int_t)sqlite3_column_int64(st, 2), "status", sq_col_text(st, 3),
                          "body", sq_col_text(st, 4), "created_at", sq_col_text(st, 5), "edited_at", opt_text(st, 6),
                          "author", sq_col_text(st, 7), "tracking_code", sq_col_text(st, 8), "title", sq_col_text(st, 9));
    return o;
}

typedef struct { int64_t id, msg, user, dept; str body, reason; bool approve; } reply_arg;

static int reply_pending_txn(store *s, void *arg) {
    reply_arg *x = arg;
    char from[16];
    int rc = sq_life_check(s, x->msg, "reply", from, NULL);
    if (rc) return rc;
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_REPLY_PENDING_ADD, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, x->msg);
    sqlite3_bind_int64(st, 2, x->user);
    sqlite3_bind_int64(st, 3, x->dept);
    sq_bind_str(st, 4, x->body);
    if ((rc = sq_insert_id(s, st, db, "add pending reply", &x->id))) return rc;
    return audit(s, x->user, "reply_pending", x->msg, NULL, NULL, (str){0}, json_pack("{s:I}", "reply_id", (json_int_t)x->id));
}

int sq_reply_pending(store *s, int64_t msg_id, int64_t user_id, int64_t dept_id, str body, int64_t *id) {
    reply_arg x = { .msg = msg_id, .user = user_id, .dept = dept_id, .body = body };
    int rc = sq_in_txn(s, reply_pending_txn, &x);
    *id = x.id;
    return rc;
}

int sq_reply_get(store *s, int64_t id, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_REPLY_GET, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st) == SQLITE_ROW ? STORE_OK : STORE_NOT_FOUND;
    if (rc == STORE_OK) *out = read_reply(st);
    sq_done(st);
    return rc;
}

int sq_replies_pending(store *s, int64_t dept_id, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_REPLIES_PENDING, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, dept_id);
    json_t *a = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) json_array_append_new(a, read_reply(st));
    sq_done(st);
    *out = a;
    return STORE_OK;
}

static int reply_decide_txn(store *s, void *arg) {
    reply_arg *x = arg;
    json_t *r;
    int rc = sq_reply_get(s, x->id, &r);
    if (rc) return rc;
    int64_t msg = json_integer_value(json_object_get(r, "message_id"));
    bool pending = !strcmp(json_string_value(json_object_get(r, "status")), "pending");
    json_decref(r);
    if (!pending) return STORE_CONFLICT;
    char from[16];
    if ((rc = sq_life_check(s, msg, x->approve ? "reply" : "reply_decision", from, NULL))) return rc;
    if ((rc = sq_agg_msg(s, msg, -1))) return rc;        /* publishing is the first reply */
    if ((rc = exec_id_str(s, x->approve ? Q_REPLY_PUBLISH : Q_REPLY_REFUSE, x->id, (str){0}, "decide reply"))) return rc;
    if (x->approve && (rc = sq_reply_fts(s, x->id, true))) return rc;
    json_t *d = json_pack("{s:I,s:b}", "reply_id", (json_int_t)x->id, "approve", x->approve);
    if (x->approve && (rc = exec_id_str(s, Q_SET_REPLIED, msg, (str){0}, "set state"))) { json_decref(d); return rc; }
    if ((rc = sq_agg_msg(s, msg, +1))) { json_decref(d); return rc; }
    if (!x->approve) return audit(s, x->user, "reply_refused", msg, NULL, NULL, x->reason, d);
    if ((rc = sq_reply_quality_note(s, x->id))) { json_decref(d); return rc; }
    return audit(s, x->user, "reply", msg, from, "replied", x->reason, d);
}

int sq_reply_decide(store *s, int64_t id, int64_t user_id, bool approve, str reason) {
    reply_arg x = { .id = id, .user = user_id, .approve = approve, .reason = reason };
    return sq_in_txn(s, reply_decide_txn, &x);
}

static int reply_correct_txn(store *s, void *arg) {
    reply_arg *x = arg;
    json_t *r;
    int rc = sq_reply_get(s, x->id, &r);
    if (rc) return rc;
    int64_t msg = json_integer_value(json_object_get(r, "message_id"));
    bool published = !strcmp(json_string_value(json_object_get(r, "status")), "published");
    json_t *d = json_pack("{s:I,s:O}", "reply_id", (json_int_t)x->id, "previous", json_object_get(r, "body"));
    json_decref(r);
    char from[16];
    if (!published) rc = STORE_CONFLICT;
    if (!rc) rc = sq_life_check(s, msg, "reply_correct", from, NULL);
    if (!rc) rc = sq_reply_fts(s, x->id, false);
    if (!rc) rc = exec_id_str(s, Q_REPLY_EDIT, x->id, x->body, "correct reply");
    if (!rc) rc = sq_reply_fts(s, x->id, true);
    if (!rc) rc = sq_reply_quality_note(s, x->id);    /* the corrected text is what citizens read */
    if (rc) { json_decref(d); return rc; }
    json_object_set_new(d, "body", json_stringn(x->body.p, x->body.n));
    return audit(s, x->user, "reply_correct", msg, NULL, NULL, x->reason, d);
}

int sq_reply_correct(store *s, int64_t id, int64_t user_id, str body, str reason) {
    reply_arg x = { .id = id, .user = user_id, .body = body, .reason = reason };
    return sq_in_txn(s, reply_correct_txn, &x);
}

static const char Q_DEPT_APPROVAL[] = "UPDATE departments SET reply_approval = ?2 WHERE id = ?1";

int sq_dept_set_approval(store *s, int64_t dept_id, bool on) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_DEPT_APPROVAL, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, dept_id);
    sqlite3_bind_int(st, 2, on);
    int rc = sq_exec(s, st, db, "set reply approval");
    if (rc == STORE_OK && sqlite3_changes(db) == 0) return STORE_NOT_FOUND;
    return rc;
}
