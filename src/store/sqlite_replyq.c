/* sqlite_replyq.c: the quality of published replies for the SQLite backend
 * (store.h reply_scorer_set, reply_quality_depts): one row per reply in
 * reply_quality, written in the publishing transaction; per-department sums
 * in dept_reply_quality kept by triggers (migration 20), so the dashboard
 * reads one row per department. */
#include "store/sqlite_int.h"
#include <stdlib.h>
#include <string.h>

static const char Q_RQ_REPLY[] = "SELECT message_id, body, created_at, coalesce(department_id, 0) FROM replies "
                                 "WHERE id = ?1 AND status = 'published'";
static const char Q_RQ_DEL[] = "DELETE FROM reply_quality WHERE reply_id = ?1";
static const char Q_RQ_ADD[] = "INSERT INTO reply_quality(reply_id, department_id, score, relevance, completeness, boilerplate, timeliness) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char Q_RQ_DEPTS[] =
    "SELECT q.department_id, coalesce(d.name, ''), q.replies, q.score / q.replies, q.relevance / q.replies, "
    "q.completeness / q.replies, q.boilerplate / q.replies, CASE WHEN q.timed > 0 THEN q.timeliness / q.timed END "
    "FROM dept_reply_quality q LEFT JOIN departments d ON d.id = q.department_id WHERE q.replies > 0 "
    "ORDER BY q.replies DESC, q.department_id";
static const char Q_RQ_BODIES[] = "SELECT body FROM replies WHERE status = 'published' ORDER BY id DESC LIMIT ?1";

int sq_reply_quality_note(store *s, int64_t reply_id) {
    void *ud;
    store_reply_scorer fn = sq_reply_scorer(s, &ud);
    if (!fn) return STORE_OK;
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_RQ_REPLY, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, reply_id);
    if (sqlite3_step(st) != SQLITE_ROW) { sq_done(st); return STORE_OK; }   /* pending or refused: nothing yet */
    int64_t msg = sqlite3_column_int64(st, 0), dept = sqlite3_column_int64(st, 3);
    char *body = sq_col_dup(st, 1), at[32];
    sq_copy_text(at, sizeof at, st, 2);
    sq_done(st);
    if (!body) return STORE_ERROR;
    store_msg m;
    int rc = sq_msg_read(s, msg, &m);
    store_reply_q q;
    int scored = rc == STORE_OK && fn(ud, &m, body, at, &q) == 0;
    if (rc == STORE_OK) store_msg_clear(&m);
    free(body);
    if (rc) return rc;
    if (!(st = sq_stmt(s, Q_RQ_DEL, &db))) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, reply_id);
    if ((rc = sq_exec(s, st, db, "replace reply quality")) || !scored) return rc;
    if (!(st = sq_stmt(s, Q_RQ_ADD, &db))) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, reply_id);
    sqlite3_bind_int64(st, 2, dept);
    sqlite3_bind_double(st, 3, q.score);
    sqlite3_bind_double(st, 4, q.relevance);
    sqlite3_bind_double(st, 5, q.completeness);
    sqlite3_bind_double(st, 6, q.boilerplate);
    if (q.timeliness >= 0) sqlite3_bind_double(st, 7, q.timeliness); else sqlite3_bind_null(st, 7);
    return sq_exec(s, st, db, "record reply quality");
}

int sq_reply_quality_depts(store *s, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_RQ_DEPTS, NULL);
    if (!st) return STORE_ERROR;
    json_t *a = json_array();
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(a, json_pack("{s:I,s:s,s:I,s:f,s:f,s:f,s:f,s:o}",
            "department_id", (json_int_t)sqlite3_column_int64(st, 0), "department", sq_col_text(st, 1),
            "replies", (json_int_t)sqlite3_column_int64(st, 2), "score", sqlite3_column_double(st, 3),
            "relevance", sqlite3_column_double(st, 4), "completeness", sqlite3_column_double(st, 5),
            "boilerplate", sqlite3_column_double(st, 6),
            "timeliness", sqlite3_column_type(st, 7) == SQLITE_NULL ? json_null() : json_real(sqlite3_column_double(st, 7))));
    sq_done(st);
    if (step != SQLITE_DONE) { json_decref(a); sq_set_err(NULL, "reply quality: cannot read the department sums"); return STORE_ERROR; }
    *out = a;
    return STORE_OK;
}

int sq_reply_bodies(store *s, int limit, int (*cb)(void *ud, const char *body), void *ud) {
    sqlite3_stmt *st = sq_stmt(s, Q_RQ_BODIES, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int(st, 1, limit);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW && !cb(ud, sq_col_text(st, 0))) {}
    sq_done(st);
    return step == SQLITE_ROW || step == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}
