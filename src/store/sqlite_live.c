/* sqlite_live.c: live sessions (在线访谈) for the SQLite backend: the
 * session, citizens' questions (screened by the caller, held ones decided
 * by a moderator), one vote per visitor, the moderator's pick of the current
 * question and the officials' answers, which remain as the transcript. */
#include "store/sqlite_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIVE_COLS "id, title, description, starts_at, video_url, status, created_at"
static const char Q_LIVE_ADD[] =
    "INSERT INTO live_sessions(title, description, starts_at, video_url, user_id) VALUES (?1, ?2, ?3, ?4, nullif(?5, 0))";
static const char Q_LIVE_GET[] = "SELECT " LIVE_COLS " FROM live_sessions WHERE id = ?1";
static const char Q_LIVE_LIST[] = "SELECT " LIVE_COLS " FROM live_sessions ORDER BY id DESC LIMIT 50";
static const char Q_LIVE_STATUS[] = "UPDATE live_sessions SET status = ?2 WHERE id = ?1";
static const char Q_LIVE_QS[] =
    "SELECT id, body, votes, state, answer, answered_at, created_at FROM live_questions"
    " WHERE session_id = ?1 AND moderation IN ('none','approved') ORDER BY session_id, id LIMIT 2000";
static const char Q_LIVE_OPEN[] = "SELECT status FROM live_sessions WHERE id = ?1";
static const char Q_Q_ADD[] =
    "INSERT INTO live_questions(session_id, body, author_ip, moderation, hold_reason) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char Q_Q_SHOWN[] =
    "SELECT session_id, body, votes, state FROM live_questions WHERE id = ?1 AND moderation IN ('none','approved')";
static const char Q_VOTE_ADD[] = "INSERT INTO live_votes(question_id, visitor) VALUES (?1, ?2)";
static const char Q_VOTE_BUMP[] = "UPDATE live_questions SET votes = votes + 1 WHERE id = ?1 RETURNING votes";
static const char Q_Q_UNCURRENT[] = "UPDATE live_questions SET state = 'waiting' WHERE session_id = ?1 AND state = 'current'";
static const char Q_Q_CURRENT[] = "UPDATE live_questions SET state = 'current' WHERE id = ?1";
static const char Q_Q_ANSWER[] =
    "UPDATE live_questions SET state = 'answered', answer = ?2, answered_by = nullif(?3, 0),"
    " answered_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?1 RETURNING answered_at";
static const char Q_Q_QUEUE[] =
    "SELECT id, session_id, body, hold_reason, created_at FROM live_questions WHERE moderation = 'held' ORDER BY id LIMIT 200";
static const char Q_Q_DECIDE[] =
    "UPDATE live_questions SET moderation = ?2 WHERE id = ?1 AND moderation = 'held' RETURNING session_id, body, votes, state";

static json_t *read_live(sqlite3_stmt *st) {
    return json_pack("{s:I,s:s,s:s,s:o,s:o,s:s,s:s}", "id", (json_int_t)sqlite3_column_int64(st, 0),
                     "title", sq_col_text(st, 1), "description", sq_col_text(st, 2), "starts_at", sq_col_json(st, 3),
                     "video_url", sq_col_json(st, 4), "status", sq_col_text(st, 5), "created_at", sq_col_text(st, 6));
}

int sq_live_add(store *s, str title, str description, const char *starts_at, str video_url, int64_t user_id, int64_t *id) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_LIVE_ADD, &db);
    if (!st) return STORE_ERROR;
    sq_bind_str(st, 1, title);
    sq_bind_str(st, 2, description.p ? description : STR_LIT(""));
    if (starts_at) sqlite3_bind_text(st, 3, starts_at, -1, SQLITE_TRANSIENT); else sqlite3_bind_null(st, 3);
    sq_bind_str(st, 4, video_url);
    sqlite3_bind_int64(st, 5, user_id);
    return sq_insert_id(s, st, db, "add live session", id);
}

int sq_live_get(store *s, int64_t id, json_t **out) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_LIVE_GET, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    json_t *o = rc == SQLITE_ROW ? read_live(st) : NULL;
    sq_done(st);
    if (rc == SQLITE_DONE) return STORE_NOT_FOUND;
    if (rc != SQLITE_ROW) { sq_set_err(db, "live session"); return STORE_ERROR; }
    if (!(st = sq_stmt(s, Q_LIVE_QS, &db))) { json_decref(o); return STORE_ERROR; }
    sqlite3_bind_int64(st, 1, id);
    json_t *qs = json_array();
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(qs, json_pack("{s:I,s:s,s:I,s:s,s:o,s:o,s:s}", "id", (json_int_t)sqlite3_column_int64(st, 0),
                                            "body", sq_col_text(st, 1), "votes", (json_int_t)sqlite3_column_int64(st, 2),
                                            "state", sq_col_text(st, 3), "answer", sq_col_json(st, 4),
                                            "answered_at", sq_col_json(st, 5), "created_at", sq_col_text(st, 6)));
    sq_done(st);
    json_object_set_new(o, "questions", qs);
    if (rc != SQLITE_DONE) { json_decref(o); sq_set_err(db, "live questions"); return STORE_ERROR; }
    *out = o;
    return STORE_OK;
}

int sq_live_list(store *s, json_t **out) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_LIVE_LIST, &db);
    if (!st) return STORE_ERROR;
    json_t *a = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) json_array_append_new(a, read_live(st));
    sq_done(st);
    if (rc != SQLITE_DONE) { json_decref(a); sq_set_err(db, "live sessions"); return STORE_ERROR; }
    *out = a;
    return STORE_OK;
}

typedef struct { int64_t id, user, *out_id, *votes; const char *status, *visitor; str text; json_t *q; } live_arg;

static int status_txn(store *s, void *arg) {
    live_arg *x = arg;
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_LIVE_STATUS, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, x->id);
    sqlite3_bind_text(st, 2, x->status, -1, SQLITE_STATIC);
    int rc = sq_exec(s, st, db, "live status");
    if (rc) return rc;
    if (sqlite3_changes(db) == 0) return STORE_NOT_FOUND;
    json_t *d = json_pack("{s:I,s:s}", "live_id", (json_int_t)x->id, "status", x->status);
    rc = sq_event_add(s, x->user, "live_status", 0, d);
    json_decref(d);
    return rc;
}

int sq_live_set_status(store *s, int64_t id, const char *status, int64_t user_id) {
    live_arg x = { .id = id, .user = user_id, .status = status };
    return sq_in_txn(s, status_txn, &x);
}

int sq_question_add(store *s, int64_t session_id, str body, str author_ip, bool hold, json_t *hold_reason, int64_t *id) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_LIVE_OPEN, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, session_id);
    int rc = sqlite3_step(st);
    bool ended = rc == SQLITE_ROW && !strcmp(sq_col_text(st, 0), "ended");
    sq_done(st);
    if (rc == SQLITE_DONE) return STORE_NOT_FOUND;
    if (rc != SQLITE_ROW) { sq_set_err(db, "question"); return STORE_ERROR; }
    if (ended) return STORE_CONFLICT;
    if (!(st = sq_stmt(s, Q_Q_ADD, &db))) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, session_id);
    sq_bind_str(st, 2, body);
    sq_bind_str(st, 3, author_ip);
    sqlite3_bind_text(st, 4, hold ? "held" : "none", -1, SQLITE_STATIC);
    char *why = hold_reason ? json_dumps(hold_reason, JSON_COMPACT) : NULL;
    if (why) sqlite3_bind_text(st, 5, why, -1, SQLITE_TRANSIENT); else sqlite3_bind_null(st, 5);
    free(why);
    return sq_insert_id(s, st, db, "add question", id);
}

/* The shown question x->id into x->q ({"id","session_id","body","votes","state"}); NOT_FOUND otherwise. */
static int shown_question(store *s, live_arg *x) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_Q_SHOWN, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, x->id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        x->q = json_pack("{s:I,s:I,s:s,s:I,s:s}", "id", (json_int_t)x->id, "session_id", (json_int_t)sqlite3_column_int64(st, 0),
                         "body", sq_col_text(st, 1), "votes", (json_int_t)sqlite3_column_int64(st, 2), "state", sq_col_text(st, 3));
    sq_done(st);
    if (rc == SQLITE_DONE) return STORE_NOT_FOUND;
    if (rc != SQLITE_ROW) { sq_set_err(db, "question"); return STORE_ERROR; }
    return STORE_OK;
}

static int vote_txn(store *s, void *arg) {
    live_arg *x = arg;
    int rc = shown_question(s, x);
    if (rc) return rc;
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_VOTE_ADD, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, x->id);
    sqlite3_bind_text(st, 2, x->visitor, -1, SQLITE_TRANSIENT);
    if ((rc = sq_exec(s, st, db, "vote"))) return rc;
    if (!(st = sq_stmt(s, Q_VOTE_BUMP, &db))) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, x->id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) { *x->votes = sqlite3_column_int64(st, 0); rc = sqlite3_step(st); }
    sq_done(st);
    if (rc != SQLITE_DONE) { sq_set_err(db, "vote"); return STORE_ERROR; }
    return STORE_OK;
}

int sq_question_vote(store *s, int64_t id, const char *visitor, int64_t *votes, int64_t *session_id) {
    live_arg x = { .id = id, .visitor = visitor, .votes = votes };
    int rc = sq_in_txn(s, vote_txn, &x);
    *session_id = x.q ? json_integer_value(json_object_get(x.q, "session_id")) : 0;
    json_decref(x.q);
    return rc;
}

static int pick_txn(store *s, void *arg) {
    live_arg *x = arg;
    int rc = shown_question(s, x);
    if (rc) return rc;
    if (!strcmp(json_string_value(json_object_get(x->q, "state")), "answered")) return STORE_NOT_FOUND;
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_Q_UNCURRENT, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, json_integer_value(json_object_get(x->q, "session_id")));
    if ((rc = sq_exec(s, st, db, "pick"))) return rc;
    if (!(st = sq_stmt(s, Q_Q_CURRENT, &db))) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, x->id);
    if ((rc = sq_exec(s, st, db, "pick"))) return rc;
    json_object_set_new(x->q, "state", json_string("current"));
    json_t *d = json_pack("{s:I}", "question_id", (json_int_t)x->id);
    rc = sq_event_add(s, x->user, "live_pick", 0, d);
    json_decref(d);
    return rc;
}

int sq_question_pick(store *s, int64_t id, int64_t user_id, json_t **q) {
    live_arg x = { .id = id, .user = user_id };
    int rc = sq_in_txn(s, pick_txn, &x);
    if (rc) { json_decref(x.q); *q = NULL; } else *q = x.q;
    return rc;
}

static int answer_txn(store *s, void *arg) {
    live_arg *x = arg;
    int rc = shown_question(s, x);
    if (rc) return rc;
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_Q_ANSWER, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, x->id);
    sq_bind_str(st, 2, x->text);
    sqlite3_bind_int64(st, 3, x->user);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        json_object_set_new(x->q, "answered_at", json_string(sq_col_text(st, 0)));
        rc = sqlite3_step(st);
    }
    sq_done(st);
    if (rc != SQLITE_DONE) { sq_set_err(db, "answer"); return STORE_ERROR; }
    json_object_set_new(x->q, "answer", json_stringn(x->text.p, x->text.n));
    json_object_set_new(x->q, "state", json_string("answered"));
    json_t *d = json_pack("{s:I}", "question_id", (json_int_t)x->id);
    rc = sq_event_add(s, x->user, "live_answer", 0, d);
    json_decref(d);
    return rc;
}

int sq_question_answer(store *s, int64_t id, str answer, int64_t user_id, json_t **q) {
    live_arg x = { .id = id, .user = user_id, .text = answer };
    int rc = sq_in_txn(s, answer_txn, &x);
    if (rc) { json_decref(x.q); *q = NULL; } else *q = x.q;
    return rc;
}

int sq_question_queue(store *s, json_t **out) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_Q_QUEUE, &db);
    if (!st) return STORE_ERROR;
    json_t *a = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *hr = sqlite3_column_type(st, 3) == SQLITE_NULL ? NULL : json_loads(sq_col_text(st, 3), 0, NULL);
        json_array_append_new(a, json_pack("{s:I,s:I,s:s,s:o,s:s}", "id", (json_int_t)sqlite3_column_int64(st, 0),
                                           "session_id", (json_int_t)sqlite3_column_int64(st, 1), "body", sq_col_text(st, 2),
                                           "hold_reason", hr ? hr : json_null(), "created_at", sq_col_text(st, 4)));
    }
    sq_done(st);
    if (rc != SQLITE_DONE) { json_decref(a); sq_set_err(db, "question queue"); return STORE_ERROR; }
    *out = a;
    return STORE_OK;
}

typedef struct { int64_t id, user; const char *decision; str reason; json_t *shown; } qdecide_arg;

static int qdecide_txn(store *s, void *arg) {
    qdecide_arg *x = arg;
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_Q_DECIDE, &db);
    if (!st) return STORE_ERROR;
    bool approve = !strcmp(x->decision, "approve");
    sqlite3_bind_int64(st, 1, x->id);
    sqlite3_bind_text(st, 2, approve ? "approved" : "rejected", -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    json_t *row = NULL;
    if (rc == SQLITE_DONE) { sq_done(st); return STORE_NOT_FOUND; }
    if (rc == SQLITE_ROW) {
        row = json_pack("{s:I,s:I,s:s,s:I,s:s}", "id", (json_int_t)x->id, "session_id", (json_int_t)sqlite3_column_int64(st, 0),
                        "body", sq_col_text(st, 1), "votes", (json_int_t)sqlite3_column_int64(st, 2), "state", sq_col_text(st, 3));
        rc = sqlite3_step(st);
    }
    sq_done(st);
    if (rc != SQLITE_DONE) { json_decref(row); sq_set_err(db, "moderate question"); return STORE_ERROR; }
    json_t *d = json_pack("{s:I,s:s,s:s%}", "question_id", (json_int_t)x->id, "decision", x->decision,
                          "reason", x->reason.p ? x->reason.p : "", x->reason.n);
    rc = sq_event_add(s, x->user, "question_moderation", 0, d);
    json_decref(d);
    if (rc) { json_decref(row); return rc; }
    if (approve) x->shown = row; else json_decref(row);
    return STORE_OK;
}

int sq_question_moderate(store *s, int64_t id, int64_t user_id, const char *decision, str reason, json_t **shown) {
    qdecide_arg x = { id, user_id, decision, reason, NULL };
    int rc = sq_in_txn(s, qdecide_txn, &x);
    *shown = rc == STORE_OK ? x.shown : NULL;
    if (rc) json_decref(x.shown);
    return rc;
}
