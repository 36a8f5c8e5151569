/* sqlite_import.c: bulk import of messages for the SQLite backend
 * (store.h msg_import): many rows in the caller's one transaction, no audit
 * row per message, a row already imported (same consultation and source
 * id) skipped by the unique index rather than looked up first. */
#include "store/sqlite_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char Q_IMPORT[] =
    "INSERT INTO messages(consultation_id, tracking_code, title, body, type, region, phone, author_ip, state, department_id, "
    "author, created_at, due_at, source_id) "
    "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, nullif(?10, 0), ?11, t, strftime('%Y-%m-%dT%H:%M:%SZ', t, ?12), ?13 "
    "FROM (SELECT coalesce(?14, strftime('%Y-%m-%dT%H:%M:%SZ','now')) AS t) "
    "WHERE true ON CONFLICT (consultation_id, source_id) WHERE source_id IS NOT NULL DO NOTHING";
static const char Q_REPLY_DAYS[] = "SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'reply_days'";

typedef struct { const store_new_msg *m; size_t n; int64_t *ids; size_t dups; } import_arg;

static int import_txn(store *s, void *arg) {
    import_arg *x = arg;
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_REPLY_DAYS, &db);
    if (!st) return STORE_ERROR;
    int days = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 15;
    sq_done(st);
    char due[32];
    snprintf(due, sizeof due, "+%d days", days > 0 ? days : 15);
    for (size_t i = 0; i < x->n; i++) {
        const store_new_msg *m = &x->m[i];
        int rc = STORE_CONFLICT;
        for (int attempt = 0; attempt < 5 && rc == STORE_CONFLICT; attempt++) {
            if (!(st = sq_stmt(s, Q_IMPORT, &db))) return STORE_ERROR;
            char code[20];
            sq_tracking_code(code);
            sqlite3_bind_int64(st, 1, m->consultation_id);
            sqlite3_bind_text(st, 2, code, -1, SQLITE_TRANSIENT);
            sq_bind_str(st, 3, m->title);
            sq_bind_str(st, 4, m->body);
            sq_bind_str(st, 5, m->type);
            sq_bind_str(st, 6, m->region);
            sq_bind_str(st, 7, m->phone);
            sq_bind_str(st, 8, m->author_ip);
            sqlite3_bind_text(st, 9, m->department_id ? "assigned" : "new", -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 10, m->department_id);
            sq_bind_str(st, 11, m->author);
            sqlite3_bind_text(st, 12, due, -1, SQLITE_TRANSIENT);
            sq_bind_str(st, 13, m->source_id);
            sq_bind_str(st, 14, m->created_at);
            rc = sq_exec(s, st, db, "import message");   /* a tracking-code collision retries with a new code */
        }
        if (rc) {
            if (rc == STORE_INVALID) {
                char keep[400];
                snprintf(keep, sizeof keep, "%s", store_errmsg(s));
                sq_set_err(NULL, keep);
            }
            return rc;
        }
        if (sqlite3_changes(db)) x->ids[i] = sqlite3_last_insert_rowid(db);
        else { x->ids[i] = 0; x->dups++; }
    }
    return STORE_OK;
}

int sq_msg_import(store *s, const store_new_msg *m, size_t n, int64_t *ids, size_t *dups) {
    import_arg x = { m, n, ids, 0 };
    int rc = sq_in_txn(s, import_txn, &x);
    if (dups) *dups = rc ? 0 : x.dups;
    return rc;
}
