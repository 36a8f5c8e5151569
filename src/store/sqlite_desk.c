/* sqlite_desk.c: the SQLite backend's records of an official's writing
 * desk (store.h): reply templates per department, drafts per official and
 * message, internal notes. Nothing here is ever shown in public. */
#include "store/sqlite_int.h"
#include <stdio.h>
#include <string.h>

static const char Q_TPL_ADD[] = "INSERT INTO reply_templates(department_id, name, body) VALUES (nullif(?1, 0), ?2, ?3)";
#define TPL_COLS "t.id, coalesce(t.department_id, 0), coalesce(d.name, ''), t.name, t.body"
static const char Q_TPL_LIST[] = "SELECT " TPL_COLS " FROM reply_templates t LEFT JOIN departments d ON d.id = t.department_id "
                                 "WHERE ?1 < 0 OR t.department_id IS NULL OR t.department_id = ?1 "
                                 "ORDER BY t.department_id IS NULL, t.name LIMIT 500";
static const char Q_TPL_GET[] = "SELECT " TPL_COLS " FROM reply_templates t LEFT JOIN departments d ON d.id = t.department_id WHERE t.id = ?1";
static const char Q_TPL_DEL[] = "DELETE FROM reply_templates WHERE id = ?1";

static json_t *read_tpl(sqlite3_stmt *st) {
    const char *dn = sq_col_text(st, 2);
    return json_pack("{s:I,s:I,s:o,s:s,s:s}", "id", (json_int_t)sqlite3_column_int64(st, 0),
                     "department_id", (json_int_t)sqlite3_column_int64(st, 1), "department", *dn ? json_string(dn) : json_null(),
                     "name", sq_col_text(st, 3), "body", sq_col_text(st, 4));
}

int sq_template_add(store *s, int64_t dept_id, str name, str body, int64_t *id) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_TPL_ADD, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, dept_id);
    sq_bind_str(st, 2, name);
    sq_bind_str(st, 3, body);
    return sq_insert_id(s, st, db, "add template", id);
}

int sq_template_list(store *s, int64_t dept_id, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_TPL_LIST, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, dept_id);
    json_t *a = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) json_array_append_new(a, read_tpl(st));
    sq_done(st);
    *out = a;
    return STORE_OK;
}

int sq_template_get(store *s, int64_t id, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_TPL_GET, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st) == SQLITE_ROW ? STORE_OK : STORE_NOT_FOUND;
    if (rc == STORE_OK) *out = read_tpl(st);
    sq_done(st);
    return rc;
}

int sq_template_del(store *s, int64_t id) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_TPL_DEL, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    int rc = sq_exec(s, st, db, "delete template");
    if (rc == STORE_OK && sqlite3_changes(db) == 0) return STORE_NOT_FOUND;
    return rc;
}

static const char Q_NOTE_ADD[] = "INSERT INTO notes(message_id, user_id, body) VALUES (?1, nullif(?2, 0), ?3)";
static const char Q_NOTE_LIST[] = "SELECT n.id, n.body, coalesce(u.login, ''), n.created_at FROM notes n "
                                  "LEFT JOIN users u ON u.id = n.user_id WHERE n.message_id = ?1 ORDER BY n.id";

int sq_note_add(store *s, int64_t msg_id, int64_t user_id, str body, int64_t *id) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_NOTE_ADD, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, msg_id);
    sqlite3_bind_int64(st, 2, user_id);
    sq_bind_str(st, 3, body);
    return sq_insert_id(s, st, db, "add note", id);
}

int sq_note_list(store *s, int64_t msg_id, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_NOTE_LIST, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, msg_id);
    json_t *a = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)sqlite3_column_int64(st, 0),
                                           "body", sq_col_text(st, 1), "author", sq_col_text(st, 2), "created_at", sq_col_text(st, 3)));
    sq_done(st);
    *out = a;
    return STORE_OK;
}

static const char Q_DRAFT_SET[] = "INSERT INTO drafts(message_id, user_id, body) VALUES (?1, ?2, ?3) "
                                  "ON CONFLICT(message_id, user_id) DO UPDATE SET body = excluded.body, "
                                  "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')";
static const char Q_DRAFT_DEL[] = "DELETE FROM drafts WHERE message_id = ?1 AND user_id = ?2";
static const char Q_DRAFT_GET[] = "SELECT body, updated_at FROM drafts WHERE message_id = ?1 AND user_id = ?2";

int sq_draft_set(store *s, int64_t msg_id, int64_t user_id, str body) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, body.p ? Q_DRAFT_SET : Q_DRAFT_DEL, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, msg_id);
    sqlite3_bind_int64(st, 2, user_id);
    if (body.p) sq_bind_str(st, 3, body);
    return sq_exec(s, st, db, "save draft");
}

int sq_draft_get(store *s, int64_t msg_id, int64_t user_id, json_t **out) {
    sqlite3_stmt *st = sq_stmt(s, Q_DRAFT_GET, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, msg_id);
    sqlite3_bind_int64(st, 2, user_id);
    int rc = sqlite3_step(st) == SQLITE_ROW ? STORE_OK : STORE_NOT_FOUND;
    if (rc == STORE_OK) *out = json_pack("{s:s,s:s}", "body", sq_col_text(st, 0), "updated_at", sq_col_text(st, 1));
    sq_done(st);
    return rc;
}
