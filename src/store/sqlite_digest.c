/* sqlite_digest.c: each department's day (store.h digest; `minyi digest`
 * and the heads' page): new, overdue, due within 2 working days, urged,
 * waiting for approval. Every figure is a count over an index whose key
 * starts with the department (or a partial index of the few pending
 * rows), so a digest costs what the department's figures cost, not a walk
 * of a million messages. */
#include "store/sqlite_int.h"
#include "core/workcal.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

/* department_id IS ?1: one statement for a department and for the
 * unrouted queue (NULL), both answered from the index. */
static const char Q_NEW[] = "SELECT count(*) FROM messages INDEXED BY messages_dept_created "
                            "WHERE department_id IS ?1 AND created_at >= ?2 AND created_at < ?3";
/* Overdue and due soon without walking the messages due: the department's
 * open messages counted by the hour they are due (open_counts, kept by
 * triggers) over whole hours, less or plus short ranges of the index in
 * the hours at the two ends. (Counting the due-soon messages directly took
 * 87 ms for a past day at full size, when every message of a day falls due
 * at the same end-of-day instant.) */
static const char Q_OPEN_BEFORE[] = "SELECT coalesce(sum(n), 0) FROM open_counts "
                                    "WHERE department_id = coalesce(?1, 0) AND due_hour <> '' AND due_hour < ?2";
static const char Q_OPEN_HOURS[] = "SELECT coalesce(sum(n), 0) FROM open_counts "
                                   "WHERE department_id = coalesce(?1, 0) AND due_hour >= ?2 AND due_hour <= ?3";
static const char Q_DUE_BETWEEN[] = "SELECT count(*) FROM messages INDEXED BY messages_dept_due "
                                    "WHERE department_id IS ?1 AND state IN ('new','assigned') AND due_at >= ?2 AND due_at < ?3";
static const char Q_DUE_AFTER[] = "SELECT count(*) FROM messages INDEXED BY messages_dept_due "
                                  "WHERE department_id IS ?1 AND state IN ('new','assigned') AND due_at > ?2 AND due_at <= ?3";
static const char Q_URGED[] = "SELECT count(*), coalesce(sum(urged_at >= ?2 AND urged_at < ?3), 0) FROM messages INDEXED BY messages_urged "
                              "WHERE department_id IS ?1 AND urged_at IS NOT NULL AND state IN ('new','assigned')";
static const char Q_PENDING_REPLIES[] = "SELECT count(*) FROM replies INDEXED BY replies_pending WHERE department_id IS ?1 AND status = 'pending'";
static const char Q_PENDING_EXT[] = "SELECT count(*) FROM extensions x INDEXED BY extensions_pending JOIN messages m ON m.id = x.message_id "
                                    "WHERE x.status = 'pending' AND m.department_id IS ?1";
static const char Q_DEPTS[] = "SELECT id, name FROM departments WHERE disabled = 0 ORDER BY id";

static void iso(time_t t, char out[32]) {
    struct tm g;
    gmtime_r(&t, &g);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &g);
}

static int count2(store *s, const char *q, int64_t dept, const char *a, const char *b, int64_t *n, int64_t *n2) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, q, &db);
    if (!st) return STORE_ERROR;
    if (dept) sqlite3_bind_int64(st, 1, dept); else sqlite3_bind_null(st, 1);
    if (a) sqlite3_bind_text(st, 2, a, -1, SQLITE_TRANSIENT);
    if (b) sqlite3_bind_text(st, 3, b, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) { *n = sqlite3_column_int64(st, 0); if (n2) *n2 = sqlite3_column_int64(st, 1); }
    else sq_set_err(db, "digest");
    sq_done(st);
    return rc == SQLITE_ROW ? STORE_OK : STORE_ERROR;
}

typedef struct { const char *start, *end, *as_of, *soon; } window;

/* Open messages due before w->as_of (overdue) and from it to w->soon
 * (due soon). Deadlines are whole seconds, so an hour's last is HH:59:59Z. */
static int due_counts(store *s, int64_t dept, const window *w, int64_t *overdue, int64_t *soon) {
    char h0[16], h0_start[32], h1[16], h1_end[32];
    snprintf(h0, sizeof h0, "%.13s", w->as_of);                  /* YYYY-MM-DDTHH */
    snprintf(h0_start, sizeof h0_start, "%s:00:00Z", h0);
    snprintf(h1, sizeof h1, "%.13s", w->soon);
    snprintf(h1_end, sizeof h1_end, "%s:59:59Z", h1);
    int64_t before, early, hours, late;
    int rc;
    if ((rc = count2(s, Q_OPEN_BEFORE, dept, h0, NULL, &before, NULL))
        || (rc = count2(s, Q_DUE_BETWEEN, dept, h0_start, w->as_of, &early, NULL))      /* as_of's hour, before it */
        || (rc = count2(s, Q_OPEN_HOURS, dept, h0, h1, &hours, NULL))
        || (rc = count2(s, Q_DUE_AFTER, dept, w->soon, h1_end, &late, NULL))) return rc;  /* soon's hour, after it */
    *overdue = before + early;
    *soon = hours - early - late;
    if (*soon < 0) *soon = 0;   /* a message that moved between the statements */
    return STORE_OK;
}

static int one(store *s, int64_t dept, const char *name, const window *w, json_t *out) {
    int64_t fresh, overdue, soon, urged, urged_day = 0, replies = 0, ext = 0;
    int rc;
    if ((rc = count2(s, Q_NEW, dept, w->start, w->end, &fresh, NULL))
        || (rc = due_counts(s, dept, w, &overdue, &soon))
        || (rc = count2(s, Q_URGED, dept, w->start, w->end, &urged, &urged_day))) return rc;
    if (dept && ((rc = count2(s, Q_PENDING_REPLIES, dept, NULL, NULL, &replies, NULL))
                 || (rc = count2(s, Q_PENDING_EXT, dept, NULL, NULL, &ext, NULL)))) return rc;
    json_array_append_new(out, json_pack("{s:I,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "id", (json_int_t)dept, "name", name,
                                         "new", (json_int_t)fresh, "overdue", (json_int_t)overdue, "due_soon", (json_int_t)soon,
                                         "urged", (json_int_t)urged, "urged_today", (json_int_t)urged_day,
                                         "pending_replies", (json_int_t)replies, "pending_extensions", (json_int_t)ext));
    return STORE_OK;
}

int sq_digest(store *s, int64_t dept_id, const char *day, json_t **out) {
    int32_t d;
    if (!day || !workcal_parse_day(day, strlen(day), &d)) { sq_set_err(NULL, "digest: the date is YYYY-MM-DD"); return STORE_INVALID; }
    /* The day as China's working calendar counts it (workcal), in UTC as stored. */
    time_t t0 = workcal_day_end(d - 1) + 1, t1 = workcal_day_end(d) + 1, now = time(NULL);
    time_t as_of = now < t1 ? now : t1;
    char start[32], end[32], at[32], soon[32];
    iso(t0, start);
    iso(t1, end);
    iso(as_of, at);
    int rc = sq_due_after(s, as_of - 1, 2, soon);   /* the working days after this one, not after the next */
    if (rc) return rc;
    window w = { start, end, at, soon };
    json_t *a = json_array();
    sqlite3_stmt *st = sq_stmt(s, Q_DEPTS, NULL);
    if (!st) { json_decref(a); return STORE_ERROR; }
    /* Collected first: the counts reuse this connection's statements. */
    json_t *names = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        if (!dept_id || sqlite3_column_int64(st, 0) == dept_id)
            json_array_append_new(names, json_pack("{s:I,s:s}", "id", (json_int_t)sqlite3_column_int64(st, 0), "name", sq_col_text(st, 1)));
    sq_done(st);
    if (dept_id && !json_array_size(names)) { json_decref(names); json_decref(a); return STORE_NOT_FOUND; }
    size_t i;
    json_t *n;
    json_array_foreach(names, i, n)
        if ((rc = one(s, json_integer_value(json_object_get(n, "id")), json_string_value(json_object_get(n, "name")), &w, a))) break;
    json_decref(names);
    if (!rc && !dept_id) rc = one(s, 0, "", &w, a);   /* the unrouted queue (待分办) */
    if (rc) { json_decref(a); return rc; }
    *out = json_pack("{s:s,s:s,s:s,s:s,s:o}", "date", day, "from", start, "to", end, "as_of", at, "departments", a);
    return STORE_OK;
}
