/* sqlite_import.c: bulk import of messages for the SQLite backend
 * (store.h msg_import): many rows in the caller's one transaction, no audit
 * row per message, a row already imported (same consultation and source
 * id) skipped by the unique index rather than looked up first. */
#include "store/sqlite_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A historical message already past its deadline comes in flagged overdue
 * (what the overdue sweep would do next), so its figures are right at once. */
static const char Q_IMPORT[] =
    "INSERT INTO messages(consultation_id, tracking_code, title, body, type, region, phone, author_ip, state, department_id, "
    "author, created_at, due_at, source_id, overdue, supports, opposes) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, nullif(?10, 0), ?11, coalesce(?12, strftime('%Y-%m-%dT%H:%M:%SZ','now')), ?13, ?14, coalesce(?13 < strftime('%Y-%m-%dT%H:%M:%SZ','now'), 0), ?15, ?16) "
    "ON CONFLICT (consultation_id, source_id) WHERE source_id IS NOT NULL DO NOTHING";

typedef struct { const store_new_msg *m; size_t n; int64_t *ids; size_t dups; } import_arg;

static int import_txn(store *s, void *arg) {
    import_arg *x = arg;
    sqlite3 *db;
    sqlite3_stmt *st;
    for (size_t i = 0; i < x->n; i++) {
        const store_new_msg *m = &x->m[i];
        /* The deadline as intake sets it (working days by type, from the message's own time). */
        char created[32], due[32];
        snprintf(created, sizeof created, "%.*s", m->created_at.p ? (int)m->created_at.n : 0, m->created_at.p ? m->created_at.p : "");
        if (sq_due_at(s, m->type, created[0] ? created : NULL, due)) due[0] = 0;
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
            sq_bind_str(st, 12, m->created_at);
            if (due[0]) sqlite3_bind_text(st, 13, due, -1, SQLITE_TRANSIENT);
            sq_bind_str(st, 14, m->source_id);
            sqlite3_bind_int64(st, 15, m->likes > 0 ? m->likes : 0);
            sqlite3_bind_int64(st, 16, m->dislikes > 0 ? m->dislikes : 0);
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
    return sq_agg_batch(s, x->ids, sizeof *x->ids, x->n, +1);   /* the dashboard figures, in the same transaction */
}

int sq_msg_import(store *s, const store_new_msg *m, size_t n, int64_t *ids, size_t *dups) {
    import_arg x = { m, n, ids, 0 };
    int rc = sq_in_txn(s, import_txn, &x);
    if (dups) *dups = rc ? 0 : x.dups;
    return rc;
}
