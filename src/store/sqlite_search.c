/* sqlite_search.c: full-text search for the SQLite backend (store.h search)
 * over the FTS5 table of fts.c. Matches are collected newest first and
 * counted only up to SEARCH_EXACT: a query with at most that many matches
 * gets its exact total and BM25 order; a broader one (one common character
 * over millions of messages) gets the newest matches, a total estimated
 * from how densely the newest ones fall, and "total_approx": true, so its
 * cost is bounded by the page, not by the number of matches. PostgreSQL:
 * the same with a GIN index and ORDER BY id DESC LIMIT. */
#include "store/sqlite_int.h"
#include "store/fts.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define SEARCH_EXACT 1000

#define SEARCH_WHERE "WHERE messages_fts MATCH ?1 AND (?2 = 0 OR m.department_id = ?2) AND m.moderation IN ('none','approved') "
#define SEARCH_FROM "FROM messages_fts f JOIN messages m ON m.id = f.rowid " SEARCH_WHERE
#define SEARCH_FROM_D "FROM messages_fts f JOIN messages m ON m.id = f.rowid LEFT JOIN departments d ON d.id = m.department_id " SEARCH_WHERE

/* The newest matches up to the cap: how many, and the oldest id among them. */
static const char Q_SEARCH_CAPPED[] =
    "SELECT count(*), min(id) FROM (SELECT m.id AS id " SEARCH_FROM "ORDER BY f.rowid DESC LIMIT ?3)";
static const char Q_SEARCH_RANK[] =
    "SELECT m.id, m.tracking_code, m.title, snippet(messages_fts, -1, char(2), char(3), '…', 24), m.state, "
    "coalesce(d.name,''), m.created_at " SEARCH_FROM_D "ORDER BY f.rank LIMIT ?3 OFFSET ?4";
static const char Q_SEARCH_NEW[] =
    "SELECT m.id, m.tracking_code, m.title, snippet(messages_fts, -1, char(2), char(3), '…', 24), m.state, "
    "coalesce(d.name,''), m.created_at " SEARCH_FROM_D "ORDER BY f.rowid DESC LIMIT ?3 OFFSET ?4";
static const char Q_MAX_ID[] = "SELECT coalesce(max(id), 0) FROM messages";

int sq_search(store *s, str q, int64_t dept, int limit, int offset, json_t **out) {
    buf fq = {0};
    if (fts_query(q, &fq)) { buf_free(&fq); return STORE_INVALID; }
    if (limit <= 0) limit = 20;
    if (offset < 0) offset = 0;
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_SEARCH_CAPPED, &db);
    if (!st) { buf_free(&fq); return STORE_ERROR; }
    sqlite3_bind_text(st, 1, fq.p, (int)fq.n, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, dept);
    sqlite3_bind_int(st, 3, SEARCH_EXACT + 1);
    int rc = sqlite3_step(st);
    json_int_t total = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    int64_t oldest = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
    sq_done(st);
    if (rc != SQLITE_ROW) { sq_set_err(db, "search"); buf_free(&fq); return STORE_ERROR; }
    bool approx = total > SEARCH_EXACT;
    if (approx) {
        /* The newest SEARCH_EXACT matches span ids [oldest, max]: assume the
         * same density over every id. Two significant digits say "about". */
        if (!(st = sq_stmt(s, Q_MAX_ID, &db))) { buf_free(&fq); return STORE_ERROR; }
        int64_t max = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sq_done(st);
        double est = (double)SEARCH_EXACT * (double)max / (double)(max - oldest + 1);
        double mag = pow(10, floor(log10(est > 1 ? est : 1)) - 1);
        total = (json_int_t)(round(est / mag) * mag);
        if (total <= SEARCH_EXACT) total = SEARCH_EXACT + 1;
    }
    st = sq_stmt(s, approx ? Q_SEARCH_NEW : Q_SEARCH_RANK, &db);
    if (!st) { buf_free(&fq); return STORE_ERROR; }
    sqlite3_bind_text(st, 1, fq.p, (int)fq.n, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, dept);
    sqlite3_bind_int(st, 3, limit);
    sqlite3_bind_int(st, 4, offset);
    json_t *a = json_array();
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *dn = sq_col_text(st, 5);
        json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:s,s:s,s:o,s:s}",
            "id", (json_int_t)sqlite3_column_int64(st, 0), "tracking_code", sq_col_text(st, 1),
            "title", sq_col_text(st, 2), "snippet", sq_col_text(st, 3), "state", sq_col_text(st, 4),
            "department", *dn ? json_string(dn) : json_null(), "created_at", sq_col_text(st, 6)));
    }
    sq_done(st);
    buf_free(&fq);
    if (rc != SQLITE_DONE) { json_decref(a); sq_set_err(db, "search"); return STORE_ERROR; }
    *out = json_pack("{s:I,s:b,s:s,s:o}", "total", total, "total_approx", approx,
                     "order", approx ? "newest" : "relevance", "results", a);
    return STORE_OK;
}
