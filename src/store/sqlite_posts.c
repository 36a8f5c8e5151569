/* sqlite_posts.c: leaders' posts (领导发帖) and their comments for the
 * SQLite backend. Comments arrive screened (app/screen.h): shown at once,
 * or held for a moderator and shown once approved. */
#include "store/sqlite_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char Q_POST_ADD[] = "INSERT INTO posts(title, body, user_id) VALUES (?1, ?2, nullif(?3, 0))";
static const char Q_POST_GET[] =
    "SELECT p.id, p.title, p.body, coalesce(u.login, ''), p.views, p.created_at, p.image IS NOT NULL,"
    " (SELECT count(*) FROM post_comments c WHERE c.post_id = p.id AND c.moderation IN ('none','approved'))"
    " FROM posts p LEFT JOIN users u ON u.id = p.user_id WHERE p.id = ?1";
static const char Q_POST_LIST[] = "SELECT id, title, views, created_at FROM posts ORDER BY id DESC LIMIT ?1";
static const char Q_POST_VIEWS[] = "UPDATE posts SET views = views + ?2 WHERE id = ?1";
static const char Q_POST_IMG_SET[] = "UPDATE posts SET image = ?2, image_type = ?3 WHERE id = ?1";
static const char Q_POST_IMG_GET[] = "SELECT image, image_type FROM posts WHERE id = ?1 AND image IS NOT NULL";
static const char Q_POST_EXISTS[] = "SELECT 1 FROM posts WHERE id = ?1";
static const char Q_COMMENT_ADD[] =
    "INSERT INTO post_comments(post_id, body, author_ip, moderation, hold_reason, spam_score) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char Q_COMMENT_LIST[] =
    "SELECT id, body, created_at FROM post_comments WHERE post_id = ?1 AND moderation IN ('none','approved') AND id > ?2"
    " ORDER BY post_id, id LIMIT ?3";
static const char Q_COMMENT_QUEUE[] =
    "SELECT c.id, c.post_id, p.title, c.body, c.hold_reason, c.created_at FROM post_comments c JOIN posts p ON p.id = c.post_id"
    " WHERE c.moderation = 'held' ORDER BY c.id LIMIT ?1";
static const char Q_COMMENT_DECIDE[] =
    "UPDATE post_comments SET moderation = ?2, reason = ?3 WHERE id = ?1 AND moderation = 'held'"
    " RETURNING post_id, body, created_at";

int sq_post_add(store *s, str title, str body, int64_t user_id, int64_t *id) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_POST_ADD, &db);
    if (!st) return STORE_ERROR;
    sq_bind_str(st, 1, title);
    sq_bind_str(st, 2, body);
    sqlite3_bind_int64(st, 3, user_id);
    return sq_insert_id(s, st, db, "add post", id);
}

int sq_post_get(store *s, int64_t id, json_t **out) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_POST_GET, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = json_pack("{s:I,s:s,s:s,s:s,s:I,s:s,s:b,s:I}", "id", (json_int_t)sqlite3_column_int64(st, 0),
                         "title", sq_col_text(st, 1), "body", sq_col_text(st, 2), "author", sq_col_text(st, 3),
                         "views", (json_int_t)sqlite3_column_int64(st, 4), "created_at", sq_col_text(st, 5),
                         "has_image", sqlite3_column_int(st, 6), "comment_count", (json_int_t)sqlite3_column_int64(st, 7));
    sq_done(st);
    if (rc == SQLITE_DONE) return STORE_NOT_FOUND;
    if (rc != SQLITE_ROW) { sq_set_err(db, "post"); return STORE_ERROR; }
    return STORE_OK;
}

int sq_post_list(store *s, int limit, json_t **out) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_POST_LIST, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int(st, 1, limit > 0 ? limit : 20);
    json_t *a = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(a, json_pack("{s:I,s:s,s:I,s:s}", "id", (json_int_t)sqlite3_column_int64(st, 0),
                                           "title", sq_col_text(st, 1), "views", (json_int_t)sqlite3_column_int64(st, 2),
                                           "created_at", sq_col_text(st, 3)));
    sq_done(st);
    if (rc != SQLITE_DONE) { json_decref(a); sq_set_err(db, "posts"); return STORE_ERROR; }
    *out = a;
    return STORE_OK;
}

int sq_post_views_add(store *s, int64_t id, int64_t n) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_POST_VIEWS, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, n);
    return sq_exec(s, st, db, "post views");
}

int sq_post_image_set(store *s, int64_t id, const char *type, const void *data, size_t n) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_POST_IMG_SET, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_blob(st, 2, data, (int)n, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, type, -1, SQLITE_TRANSIENT);
    int rc = sq_exec(s, st, db, "post image");
    if (rc == STORE_OK && sqlite3_changes(db) == 0) return STORE_NOT_FOUND;
    return rc;
}

int sq_post_image_get(store *s, int64_t id, char *type, void **data, size_t *n) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_POST_IMG_GET, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *n = (size_t)sqlite3_column_bytes(st, 0);
        *data = malloc(*n ? *n : 1);
        if (*data) memcpy(*data, sqlite3_column_blob(st, 0), *n);
        sq_copy_text(type, 32, st, 1);
    }
    sq_done(st);
    if (rc == SQLITE_DONE) return STORE_NOT_FOUND;
    if (rc != SQLITE_ROW || !*data) { sq_set_err(db, "post image"); return STORE_ERROR; }
    return STORE_OK;
}

int sq_comment_add(store *s, int64_t post_id, str body, str author_ip, bool hold, json_t *hold_reason, double spam, int64_t *id) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_POST_EXISTS, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, post_id);
    int step = sqlite3_step(st);
    sq_done(st);
    if (step == SQLITE_DONE) return STORE_NOT_FOUND;
    if (step != SQLITE_ROW) { sq_set_err(db, "comment"); return STORE_ERROR; }
    if (!(st = sq_stmt(s, Q_COMMENT_ADD, &db))) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, post_id);
    sq_bind_str(st, 2, body);
    sq_bind_str(st, 3, author_ip);
    sqlite3_bind_text(st, 4, hold ? "held" : "none", -1, SQLITE_STATIC);
    char *why = hold_reason ? json_dumps(hold_reason, JSON_COMPACT) : NULL;
    if (why) sqlite3_bind_text(st, 5, why, -1, SQLITE_TRANSIENT); else sqlite3_bind_null(st, 5);
    free(why);
    sqlite3_bind_double(st, 6, spam);
    return sq_insert_id(s, st, db, "add comment", id);
}

int sq_comment_list(store *s, int64_t post_id, int64_t after, int limit, json_t **out) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_COMMENT_LIST, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, post_id);
    sqlite3_bind_int64(st, 2, after);
    sqlite3_bind_int(st, 3, limit > 0 && limit <= 500 ? limit : 100);
    json_t *a = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(a, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)sqlite3_column_int64(st, 0),
                                           "body", sq_col_text(st, 1), "created_at", sq_col_text(st, 2)));
    sq_done(st);
    if (rc != SQLITE_DONE) { json_decref(a); sq_set_err(db, "comments"); return STORE_ERROR; }
    *out = a;
    return STORE_OK;
}

int sq_comment_queue(store *s, int limit, json_t **out) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_COMMENT_QUEUE, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int(st, 1, limit > 0 && limit <= 500 ? limit : 50);
    json_t *a = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *hr = sqlite3_column_type(st, 4) == SQLITE_NULL ? NULL : json_loads(sq_col_text(st, 4), 0, NULL);
        json_array_append_new(a, json_pack("{s:I,s:I,s:s,s:s,s:o,s:s}", "id", (json_int_t)sqlite3_column_int64(st, 0),
                                           "post_id", (json_int_t)sqlite3_column_int64(st, 1), "post_title", sq_col_text(st, 2),
                                           "body", sq_col_text(st, 3), "hold_reason", hr ? hr : json_null(),
                                           "created_at", sq_col_text(st, 5)));
    }
    sq_done(st);
    if (rc != SQLITE_DONE) { json_decref(a); sq_set_err(db, "comment queue"); return STORE_ERROR; }
    *out = a;
    return STORE_OK;
}

typedef struct { int64_t id, user; const char *decision; str reason; json_t *shown; } decide_arg;

static int decide_txn(store *s, void *arg) {
    decide_arg *x = arg;
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_COMMENT_DECIDE, &db);
    if (!st) return STORE_ERROR;
    const char *state = !strcmp(x->decision, "approve") ? "approved" : "rejected";
    sqlite3_bind_int64(st, 1, x->id);
    sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
    if (!strcmp(x->decision, "spam")) sqlite3_bind_text(st, 3, "spam", -1, SQLITE_STATIC);
    else sq_bind_str(st, 3, x->reason);
    int rc = sqlite3_step(st);
    json_t *row = NULL;
    if (rc == SQLITE_ROW) {
        row = json_pack("{s:I,s:I,s:s,s:s}", "id", (json_int_t)x->id, "post_id", (json_int_t)sqlite3_column_int64(st, 0),
                        "body", sq_col_text(st, 1), "created_at", sq_col_text(st, 2));
        rc = sqlite3_step(st);
    } else if (rc == SQLITE_DONE) { sq_done(st); return STORE_NOT_FOUND; }
    sq_done(st);
    if (rc != SQLITE_DONE) { json_decref(row); sq_set_err(db, "moderate comment"); return STORE_ERROR; }
    json_t *d = json_pack("{s:I,s:s,s:s%}", "comment_id", (json_int_t)x->id, "decision", x->decision,
                          "reason", x->reason.p ? x->reason.p : "", x->reason.n);
    rc = sq_event_add(s, x->user, "comment_moderation", 0, d);
    json_decref(d);
    if (rc) { json_decref(row); return rc; }
    if (!strcmp(state, "approved")) x->shown = row; else json_decref(row);
    return STORE_OK;
}

int sq_comment_moderate(store *s, int64_t id, int64_t user_id, const char *decision, str reason, json_t **shown) {
    decide_arg x = { id, user_id, decision, reason, NULL };
    *shown = NULL;
    int rc = sq_in_txn(s, decide_txn, &x);
    if (rc == STORE_OK) *shown = x.shown; else json_decref(x.shown);
    return rc;
}
