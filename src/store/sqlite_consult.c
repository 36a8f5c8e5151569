/* sqlite_consult.c: consultations on a draft for the SQLite backend: edits
 * (document and sections, opening and closing times, status), per-section
 * comment counts, adoption decisions and the feedback report (反馈). Counts
 * come from consultation_counts, kept by triggers (migration 10), so the
 * report of a consultation with millions of comments reads a few rows.
 * Also the notices (通知公告) admins publish beside the consultations. */
#include "store/sqlite_int.h"
#include <stdio.h>
#include <string.h>

static const char Q_CONS_EXISTS[] = "SELECT 1 FROM consultations WHERE id = ?1";
static const char Q_CONS_TITLE[] = "UPDATE consultations SET title = ?2 WHERE id = ?1";
static const char Q_CONS_DESC[] = "UPDATE consultations SET description = ?2 WHERE id = ?1";
static const char Q_CONS_STATUS[] = "UPDATE consultations SET status = ?2 WHERE id = ?1";
static const char Q_CONS_DOC[] = "UPDATE consultations SET document = ?2, preamble = ?3 WHERE id = ?1";
static const char Q_CONS_OPENS[] = "UPDATE consultations SET opens_at = ?2 WHERE id = ?1";
static const char Q_CONS_CLOSES[] = "UPDATE consultations SET closes_at = ?2 WHERE id = ?1";
static const char Q_SEC_DEL[] = "DELETE FROM consultation_sections WHERE consultation_id = ?1";
static const char Q_SEC_ADD[] = "INSERT INTO consultation_sections(consultation_id, no, title, text) VALUES (?1, ?2, ?3, ?4)";
static const char Q_SEC_LIST[] =
    "SELECT s.no, s.title, s.text, coalesce((SELECT sum(n) FROM section_public_counts c"
    "  WHERE c.consultation_id = s.consultation_id AND c.section = s.no), 0)"
    " FROM consultation_sections s WHERE s.consultation_id = ?1 ORDER BY s.no";
static const char Q_MSG_OF[] = "SELECT consultation_id, coalesce(group_id, id) FROM messages WHERE id = ?1";
static const char Q_ADOPT[] =
    "INSERT INTO adoptions(message_id, consultation_id, whole_group, decision, reason, user_id) VALUES (?1, ?2, ?3, ?4, ?5, nullif(?6,0))"
    " ON CONFLICT(message_id) DO UPDATE SET whole_group = excluded.whole_group, decision = excluded.decision,"
    " reason = excluded.reason, user_id = excluded.user_id, created_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')";
static const char Q_FB_COUNTS[] =
    "SELECT section, type, n FROM section_public_counts WHERE consultation_id = ?1 AND n > 0 ORDER BY section, type";
/* The largest groups; a group belongs to the consultation of its first
 * message (its id). Two ways to the same rows, chosen by the size of the
 * consultation: SQLite's own choice walked every message of the
 * consultation and sorted (0.49 s for one of 854,200 messages). A big
 * consultation walks msg_groups_size from the largest group down and
 * stops at the 50th of its own (at worst every group of two or more, one
 * row lookup each); a small one walks its own messages. */
#define FB_GROUPS_COLS "SELECT g.id, g.size, m.title, m.body, coalesce(m.section, 0), a.decision, a.reason"
#define FB_GROUPS_REST \
    " LEFT JOIN adoptions a ON a.message_id = g.id AND a.whole_group = 1" \
    " WHERE g.size >= ?2 AND m.consultation_id = ?1 AND m.moderation IN ('none','approved')" \
    " ORDER BY g.size DESC, g.id LIMIT 50"
static const char Q_FB_GROUPS_BY_SIZE[] =
    FB_GROUPS_COLS " FROM msg_groups g INDEXED BY msg_groups_size CROSS JOIN messages m ON m.id = g.id" FB_GROUPS_REST;
static const char Q_FB_GROUPS_BY_MESSAGES[] =
    FB_GROUPS_COLS " FROM messages m INDEXED BY messages_consultation CROSS JOIN msg_groups g ON g.id = m.id" FB_GROUPS_REST;
/* Messages above which a consultation's groups are found by size. */
#define FB_WALK_MESSAGES 20000
static const char Q_FB_SIZE[] = "SELECT message_count FROM consultations WHERE id = ?1";
static const char Q_FB_DECISIONS[] =
    "SELECT a.message_id, m.title, m.body, coalesce(m.section, 0), a.decision, a.reason, a.whole_group,"
    " CASE WHEN a.whole_group THEN coalesce((SELECT size FROM msg_groups WHERE id = a.message_id), 1) ELSE 1 END"
    " FROM adoptions a JOIN messages m ON m.id = a.message_id WHERE a.consultation_id = ?1"
    " ORDER BY CASE a.decision WHEN 'adopted' THEN 0 WHEN 'partial' THEN 1 ELSE 2 END, a.message_id";
static const char Q_FB_HEAD[] = "SELECT feedback_summary, feedback_published_at FROM consultations WHERE id = ?1";
static const char Q_FB_PUBLISH[] =
    "UPDATE consultations SET feedback_summary = ?2, feedback_published_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?1";

/* Runs a one-row UPDATE of consultation id with a text (or NULL) value. */
static int update_one(store *s, const char *q, int64_t id, const char *v, size_t n) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, q, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    if (v) sqlite3_bind_text(st, 2, v, (int)n, SQLITE_TRANSIENT); else sqlite3_bind_null(st, 2);
    return sq_exec(s, st, db, "update consultation");
}

typedef struct { int64_t id; const store_consultation_edit *e; } edit_arg;

static int edit_txn(store *s, void *arg) {
    edit_arg *x = arg;
    const store_consultation_edit *e = x->e;
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_CONS_EXISTS, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, x->id);
    int step = sqlite3_step(st);
    sq_done(st);
    if (step == SQLITE_DONE) return STORE_NOT_FOUND;
    if (step != SQLITE_ROW) { sq_set_err(db, "update consultation"); return STORE_ERROR; }
    int rc = STORE_OK;
    if (e->title.p) rc = update_one(s, Q_CONS_TITLE, x->id, e->title.p, e->title.n);
    if (!rc && e->description.p) rc = update_one(s, Q_CONS_DESC, x->id, e->description.p, e->description.n);
    if (!rc && e->status) rc = update_one(s, Q_CONS_STATUS, x->id, e->status, strlen(e->status));
    if (!rc && e->set_opens) rc = update_one(s, Q_CONS_OPENS, x->id, e->opens_at, e->opens_at ? strlen(e->opens_at) : 0);
    if (!rc && e->set_closes) rc = update_one(s, Q_CONS_CLOSES, x->id, e->closes_at, e->closes_at ? strlen(e->closes_at) : 0);
    if (!rc && e->set_document) {
        if (!(st = sq_stmt(s, Q_CONS_DOC, &db))) return STORE_ERROR;
        sqlite3_bind_int64(st, 1, x->id);
        sq_bind_str(st, 2, e->document.p ? e->document : STR_LIT(""));
        sq_bind_str(st, 3, e->preamble.p ? e->preamble : STR_LIT(""));
        if ((rc = sq_exec(s, st, db, "update consultation"))) return rc;
        if (!(st = sq_stmt(s, Q_SEC_DEL, &db))) return STORE_ERROR;
        sqlite3_bind_int64(st, 1, x->id);
        if ((rc = sq_exec(s, st, db, "update consultation"))) return rc;
        size_t i;
        json_t *sec;
        json_array_foreach(e->sections, i, sec) {
            if (!(st = sq_stmt(s, Q_SEC_ADD, &db))) return STORE_ERROR;
            json_t *t = json_object_get(sec, "title"), *tx = json_object_get(sec, "text");
            sqlite3_bind_int64(st, 1, x->id);
            sqlite3_bind_int64(st, 2, json_integer_value(json_object_get(sec, "no")));
            sqlite3_bind_text(st, 3, json_string_value(t) ? json_string_value(t) : "", (int)json_string_length(t), SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 4, json_string_value(tx) ? json_string_value(tx) : "", (int)json_string_length(tx), SQLITE_TRANSIENT);
            if ((rc = sq_exec(s, st, db, "update consultation"))) return rc;
        }
    }
    return rc;
}

int sq_consultation_update(store *s, int64_t id, const store_consultation_edit *e) {
    edit_arg x = { id, e };
    return sq_in_txn(s, edit_txn, &x);
}

int sq_consultation_sections(store *s, int64_t id, json_t **out) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_SEC_LIST, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    json_t *a = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:I}", "no", (json_int_t)sqlite3_column_int64(st, 0),
                                           "title", sq_col_text(st, 1), "text", sq_col_text(st, 2),
                                           "comment_count", (json_int_t)sqlite3_column_int64(st, 3)));
    sq_done(st);
    if (rc != SQLITE_DONE) { json_decref(a); sq_set_err(db, "sections"); return STORE_ERROR; }
    *out = a;
    return STORE_OK;
}

typedef struct {
    int64_t cons, msg, user;
    bool whole_group;
    const char *decision;
    str reason;
} adopt_arg;

static int adopt_txn(store *s, void *arg) {
    adopt_arg *x = arg;
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_MSG_OF, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, x->msg);
    int step = sqlite3_step(st);
    int64_t cons = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    int64_t group = step == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
    sq_done(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE) { sq_set_err(db, "adoption"); return STORE_ERROR; }
    if (cons != x->cons) return STORE_INVALID;
    int64_t target = x->whole_group ? group : x->msg;
    if (!(st = sq_stmt(s, Q_ADOPT, &db))) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, target);
    sqlite3_bind_int64(st, 2, x->cons);
    sqlite3_bind_int(st, 3, x->whole_group);
    sqlite3_bind_text(st, 4, x->decision, -1, SQLITE_STATIC);
    sq_bind_str(st, 5, x->reason);
    sqlite3_bind_int64(st, 6, x->user);
    int rc = sq_exec(s, st, db, "adoption");
    if (rc) return rc;
    json_t *d = json_pack("{s:s,s:s%,s:b,s:I}", "decision", x->decision, "reason", x->reason.p ? x->reason.p : "",
                          x->reason.n, "whole_group", x->whole_group, "consultation_id", (json_int_t)x->cons);
    rc = sq_event_add(s, x->user, "adoption", target, d);
    json_decref(d);
    return rc;
}

int sq_adoption_set(store *s, int64_t consultation_id, int64_t msg_id, bool whole_group, const char *decision, str reason, int64_t user_id) {
    adopt_arg x = { consultation_id, msg_id, user_id, whole_group, decision, reason };
    return sq_in_txn(s, adopt_txn, &x);
}

int sq_feedback(store *s, int64_t consultation_id, int min_group, json_t **out) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_FB_HEAD, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, consultation_id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) { sq_done(st); if (rc == SQLITE_DONE) return STORE_NOT_FOUND; sq_set_err(db, "feedback"); return STORE_ERROR; }
    json_t *o = json_pack("{s:s,s:o}", "summary", sq_col_text(st, 0), "published_at", sq_col_json(st, 1));
    sq_done(st);
    json_t *counts = json_array(), *groups = json_array(), *decisions = json_array();
    json_object_set_new(o, "counts", counts);
    json_object_set_new(o, "groups", groups);
    json_object_set_new(o, "decisions", decisions);

    if (!(st = sq_stmt(s, Q_FB_COUNTS, &db))) { json_decref(o); return STORE_ERROR; }
    sqlite3_bind_int64(st, 1, consultation_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(counts, json_pack("{s:I,s:s,s:I}", "section", (json_int_t)sqlite3_column_int64(st, 0),
                                                "type", sq_col_text(st, 1), "n", (json_int_t)sqlite3_column_int64(st, 2)));
    sq_done(st);
    if (rc != SQLITE_DONE) goto fail;

    if (!(st = sq_stmt(s, Q_FB_SIZE, &db))) { json_decref(o); return STORE_ERROR; }
    sqlite3_bind_int64(st, 1, consultation_id);
    bool big = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > FB_WALK_MESSAGES;
    sq_done(st);
    if (!(st = sq_stmt(s, big ? Q_FB_GROUPS_BY_SIZE : Q_FB_GROUPS_BY_MESSAGES, &db))) { json_decref(o); return STORE_ERROR; }
    sqlite3_bind_int64(st, 1, consultation_id);
    sqlite3_bind_int(st, 2, min_group > 1 ? min_group : 2);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(groups, json_pack("{s:I,s:I,s:s,s:s,s:I,s:o,s:o}",
            "group_id", (json_int_t)sqlite3_column_int64(st, 0), "size", (json_int_t)sqlite3_column_int64(st, 1),
            "title", sq_col_text(st, 2), "body", sq_col_text(st, 3), "section", (json_int_t)sqlite3_column_int64(st, 4),
            "decision", sq_col_json(st, 5), "reason", sq_col_json(st, 6)));
    sq_done(st);
    if (rc != SQLITE_DONE) goto fail;

    if (!(st = sq_stmt(s, Q_FB_DECISIONS, &db))) { json_decref(o); return STORE_ERROR; }
    sqlite3_bind_int64(st, 1, consultation_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(decisions, json_pack("{s:I,s:s,s:s,s:I,s:s,s:s,s:b,s:I}",
            "message_id", (json_int_t)sqlite3_column_int64(st, 0), "title", sq_col_text(st, 1), "body", sq_col_text(st, 2),
            "section", (json_int_t)sqlite3_column_int64(st, 3), "decision", sq_col_text(st, 4), "reason", sq_col_text(st, 5),
            "whole_group", sqlite3_column_int(st, 6), "group_size", (json_int_t)sqlite3_column_int64(st, 7)));
    sq_done(st);
    if (rc != SQLITE_DONE) goto fail;
    *out = o;
    return STORE_OK;
fail:
    json_decref(o);
    sq_set_err(db, "feedback");
    return STORE_ERROR;
}

typedef struct { int64_t id, user; str summary; } publish_arg;

static int publish_txn(store *s, void *arg) {
    publish_arg *x = arg;
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_FB_PUBLISH, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, x->id);
    sq_bind_str(st, 2, x->summary.p ? x->summary : STR_LIT(""));
    int rc = sq_exec(s, st, db, "publish feedback");
    if (rc) return rc;
    if (sqlite3_changes(db) == 0) return STORE_NOT_FOUND;
    json_t *d = json_pack("{s:I}", "consultation_id", (json_int_t)x->id);
    rc = sq_event_add(s, x->user, "feedback_publish", 0, d);
    json_decref(d);
    return rc;
}

int sq_feedback_publish(store *s, int64_t consultation_id, str summary, int64_t user_id) {
    publish_arg x = { consultation_id, user_id, summary };
    return sq_in_txn(s, publish_txn, &x);
}

/* ---- notices (通知公告) -------------------------------------------------- */

static const char Q_NOTICE_ADD[] = "INSERT INTO notices(title, body, user_id) VALUES (?1, ?2, nullif(?3, 0))";
static const char Q_NOTICE_LIST[] = "SELECT id, title, body, created_at FROM notices WHERE hidden = 0 ORDER BY id DESC LIMIT ?1";
static const char Q_NOTICE_HIDE[] = "UPDATE notices SET hidden = 1 WHERE id = ?1 AND hidden = 0";

int sq_notice_add(store *s, str title, str body, int64_t user_id, int64_t *id) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_NOTICE_ADD, &db);
    if (!st) return STORE_ERROR;
    sq_bind_str(st, 1, title);
    sq_bind_str(st, 2, body.p ? body : STR_LIT(""));
    sqlite3_bind_int64(st, 3, user_id);
    return sq_insert_id(s, st, db, "add notice", id);
}

int sq_notice_list(store *s, int limit, json_t **out) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_NOTICE_LIST, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int(st, 1, limit > 0 ? limit : 10);
    json_t *a = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)sqlite3_column_int64(st, 0),
                                           "title", sq_col_text(st, 1), "body", sq_col_text(st, 2), "created_at", sq_col_text(st, 3)));
    sq_done(st);
    if (rc != SQLITE_DONE) { json_decref(a); sq_set_err(db, "notices"); return STORE_ERROR; }
    *out = a;
    return STORE_OK;
}

typedef struct { int64_t id, user; } hide_arg;

static int hide_txn(store *s, void *arg) {
    hide_arg *x = arg;
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_NOTICE_HIDE, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, x->id);
    int rc = sq_exec(s, st, db, "withdraw notice");
    if (rc) return rc;
    if (sqlite3_changes(db) == 0) return STORE_NOT_FOUND;
    json_t *d = json_pack("{s:I}", "notice_id", (json_int_t)x->id);
    rc = sq_event_add(s, x->user, "notice_withdraw", 0, d);
    json_decref(d);
    return rc;
}

int sq_notice_hide(store *s, int64_t id, int64_t user_id) {
    hide_arg x = { id, user_id };
    return sq_in_txn(s, hide_txn, &x);
}
