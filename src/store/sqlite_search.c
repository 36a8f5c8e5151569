/* sqlite_search.c: full-text search for the SQLite backend (store.h search
 * and public_search) over the FTS5 tables of fts.c. Every query reads at
 * most SEARCH_CAND + 1 matches, newest first, in one pass, ranks them with
 * minyi_rank (BM25 whose document frequencies are sampled, fts.h), and
 * fetches the page's rows and snippets only: a query with at most
 * SEARCH_CAND matches gets its exact total and every match ranked; a
 * broader one (one common character over millions of messages) is ranked
 * within its newest SEARCH_CAND matches ("window"), with a total estimated
 * from how densely those fall and "total_approx": true. So a query costs at
 * most SEARCH_CAND rows, whatever the number of matches. PostgreSQL: the
 * same with a GIN index, ORDER BY id DESC LIMIT, then ts_rank on those. */
#include "store/sqlite_int.h"
#include "store/fts.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEARCH_CAND 1000

/* Must match the public partial indexes' WHERE (sqlite_public.c). */
#define SQ_PUBLIC "m.publish = 1 AND m.analyzed = 1 AND m.moderation IN ('none','approved')"

static const char Q_CAND[] =
    "SELECT f.rowid, minyi_rank(messages_fts) FROM messages_fts f JOIN messages m ON m.id = f.rowid "
    "WHERE messages_fts MATCH ?1 AND (?2 = 0 OR m.department_id = ?2) AND m.moderation IN ('none','approved') "
    "ORDER BY f.rowid DESC LIMIT ?3";
/* A page's rows by id; snippets are cut here from the text (fts.h), not by
 * FTS5's snippet(), which seeks every query term in the index again for
 * each row and re-segments the row: half of a search's time. */
static const char Q_ROW[] =
    "SELECT m.id, m.tracking_code, m.title, m.body, m.state, coalesce(d.name,''), m.created_at "
    "FROM messages m LEFT JOIN departments d ON d.id = m.department_id WHERE m.id = ?1";
#define SNIPPET_CHARS 80
static const char Q_MAX_ID[] = "SELECT coalesce(max(id), 0) FROM messages";

#define PUB_COLS "m.title, m.body, m.type, m.state, coalesce(d.name,''), m.created_at, m.region"
static const char Q_PUB_CAND[] =
    "SELECT f.rowid, minyi_rank(messages_fts), " PUB_COLS " FROM messages_fts f JOIN messages m ON m.id = f.rowid "
    "LEFT JOIN departments d ON d.id = m.department_id WHERE messages_fts MATCH ?1 AND " SQ_PUBLIC " "
    "ORDER BY f.rowid DESC LIMIT ?2";
static const char Q_PUB_REPLY_CAND[] =
    "SELECT r.message_id, minyi_rank(replies_fts), " PUB_COLS ", r.body FROM replies_fts f JOIN replies r ON r.id = f.rowid "
    "JOIN messages m ON m.id = r.message_id LEFT JOIN departments d ON d.id = m.department_id "
    "WHERE replies_fts MATCH ?1 AND r.status = 'published' AND " SQ_PUBLIC " ORDER BY f.rowid DESC LIMIT ?2";

typedef struct { int64_t id; double score; } cand;

static int by_score(const void *a, const void *b) {
    const cand *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? -1 : 1;
    return x->id > y->id ? -1 : x->id < y->id;      /* ties: newest first */
}

/* About how many rows match when the newest `seen` of them reach back to
 * id `oldest`: the same density over every id, two significant digits. */
static int64_t estimate(store *s, int64_t seen, int64_t oldest, int64_t *out) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_MAX_ID, &db);
    if (!st) return STORE_ERROR;
    int64_t max = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sq_done(st);
    double est = (double)seen * (double)max / (double)(max - oldest + 1);
    double mag = pow(10, floor(log10(est > 1 ? est : 1)) - 1);
    *out = (int64_t)(round(est / mag) * mag);
    if (*out < seen) *out = seen;
    return STORE_OK;
}

int sq_search(store *s, str q, int64_t dept, int limit, int offset, json_t **out) {
    buf fq = {0};
    if (fts_query(q, &fq)) { buf_free(&fq); return STORE_INVALID; }
    if (limit <= 0) limit = 20;
    if (offset < 0) offset = 0;
    cand *c = malloc((SEARCH_CAND + 1) * sizeof *c);
    if (!c) { buf_free(&fq); return STORE_ERROR; }
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_CAND, &db);
    if (!st) { free(c); buf_free(&fq); return STORE_ERROR; }
    sqlite3_bind_text(st, 1, fq.p, (int)fq.n, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, dept);
    sqlite3_bind_int(st, 3, SEARCH_CAND + 1);
    int rc, n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && n <= SEARCH_CAND)
        c[n++] = (cand){ sqlite3_column_int64(st, 0), sqlite3_column_double(st, 1) };
    sq_done(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) { sq_set_err(db, "search"); free(c); buf_free(&fq); return STORE_ERROR; }
    bool approx = n > SEARCH_CAND;
    int64_t total = n;
    if (approx) {
        n = SEARCH_CAND;
        if (estimate(s, n, c[n - 1].id, &total)) { free(c); buf_free(&fq); return STORE_ERROR; }
        if (total <= SEARCH_CAND) total = SEARCH_CAND + 1;
    }
    qsort(c, (size_t)n, sizeof *c, by_score);
    json_t *a = json_array();
    for (int i = offset; i < n && i < offset + limit; i++) {
        if (!(st = sq_stmt(s, Q_ROW, &db))) { json_decref(a); free(c); buf_free(&fq); return STORE_ERROR; }
        sqlite3_bind_int64(st, 1, c[i].id);
        if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            /* From the body where a term stands there, else from the title. */
            str title = { sq_col_text(st, 2), (size_t)sqlite3_column_bytes(st, 2) };
            str body = { sq_col_text(st, 3), (size_t)sqlite3_column_bytes(st, 3) };
            buf snip = {0};
            int marks = 0;
            int bad = fts_snippet(q, body, SNIPPET_CHARS, "\x02", "\x03", false, &snip, &marks);
            if (!bad && !marks) { buf_reset(&snip); bad = fts_snippet(q, title, SNIPPET_CHARS, "\x02", "\x03", false, &snip, NULL); }
            const char *dn = sq_col_text(st, 5);
            if (!bad) json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:s%,s:s,s:o,s:s}",
                "id", (json_int_t)sqlite3_column_int64(st, 0), "tracking_code", sq_col_text(st, 1),
                "title", title.p, "snippet", snip.p ? snip.p : "", snip.n, "state", sq_col_text(st, 4),
                "department", *dn ? json_string(dn) : json_null(), "created_at", sq_col_text(st, 6)));
            buf_free(&snip);
        }
        sq_done(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) { sq_set_err(db, "search"); json_decref(a); free(c); buf_free(&fq); return STORE_ERROR; }
    }
    free(c);
    buf_free(&fq);
    *out = json_pack("{s:I,s:b,s:s,s:i,s:o}", "total", (json_int_t)total, "total_approx", approx,
                     "order", "relevance", "window", n, "results", a);
    return STORE_OK;
}

void store_pub_found_clear(store_pub_found *f) {
    for (size_t i = 0; i < f->n; i++) { free(f->c[i].mem); free(f->c[i].reply_mem); }
    free(f->c);
    *f = (store_pub_found){0};
}

/* Candidates by message id: open addressing over twice the most there can
 * be (cap messages + cap replies), so a message found by its text and by
 * a reply, or by several replies, is one candidate. */
typedef struct { store_pub_found *f; int32_t *slot; size_t mask; } pub_set;

static int32_t *pub_slot(pub_set *p, int64_t id) {
    size_t h = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ull >> 17) & p->mask;
    while (p->slot[h] >= 0 && p->f->c[p->slot[h]].id != id) h = (h + 1) & p->mask;
    return &p->slot[h];
}

/* A new candidate from the row of st (columns: message id, score, then
 * PUB_COLS): its strings copied into one block. Returns 0, or -1 when out of memory. */
static int pub_new(store_pub_cand *c, sqlite3_stmt *st) {
    size_t len[7], total = 0;
    const unsigned char *src[7];
    for (int k = 0; k < 7; k++) {       /* text first, then its length (sqlite3_column_bytes) */
        src[k] = sqlite3_column_text(st, 2 + k);
        len[k] = src[k] ? (size_t)sqlite3_column_bytes(st, 2 + k) : 0;
        total += len[k] + 1;
    }
    char *m = malloc(total);
    if (!m) return -1;
    const char *at[7];
    char *p = m;
    for (int k = 0; k < 7; k++) {
        at[k] = p;
        if (len[k]) memcpy(p, src[k], len[k]);
        p[len[k]] = 0;
        p += len[k] + 1;
    }
    *c = (store_pub_cand){ .id = sqlite3_column_int64(st, 0), .score = sqlite3_column_double(st, 1),
                           .title = at[0], .body = at[1], .type = at[2], .state = at[3],
                           .department = *at[4] ? at[4] : NULL, .created_at = at[5],
                           .region = sqlite3_column_type(st, 8) == SQLITE_NULL ? NULL : at[6], .mem = m };
    return 0;
}

/* Adds the candidates of st (bound; columns: message id, score, then
 * PUB_COLS, then the reply's text when `reply`) to p, keeping a message's
 * best score and its first matching reply. Returns the number of rows read
 * (at most cap + 1) and the oldest id among the first cap, or -1. */
static int pub_collect(sqlite3 *db, sqlite3_stmt *st, bool reply, int cap, pub_set *p, int64_t *oldest) {
    int rc, n = 0;
    store_pub_found *f = p->f;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n++ == cap) break;
        int64_t id = sqlite3_column_int64(st, 0);
        double score = sqlite3_column_double(st, 1);
        *oldest = id;
        int32_t *slot = pub_slot(p, id);
        store_pub_cand *c;
        if (*slot < 0) {
            c = &f->c[f->n];
            if (pub_new(c, st)) { rc = SQLITE_NOMEM; break; }
            *slot = (int32_t)f->n++;
        } else {
            c = &f->c[*slot];
            if (score < c->score) c->score = score;
        }
        if (reply && !c->reply) {
            if (!(c->reply_mem = strdup(sq_col_text(st, 9)))) { rc = SQLITE_NOMEM; break; }
            c->reply = c->reply_mem;
        }
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) { sq_set_err(db, "public search"); n = -1; }
    sq_done(st);
    return n;
}

int sq_public_search(store *s, str q, int cap, store_pub_found *out) {
    *out = (store_pub_found){0};
    buf fq = {0};
    if (fts_query(q, &fq)) { buf_free(&fq); return STORE_INVALID; }
    if (cap <= 0 || cap > SEARCH_CAND) cap = SEARCH_CAND;
    size_t slots = 4;
    while (slots < 4 * (size_t)cap) slots *= 2;
    pub_set p = { out, malloc(slots * sizeof *p.slot), slots - 1 };
    out->c = malloc(2 * (size_t)cap * sizeof *out->c);
    if (!p.slot || !out->c) { free(p.slot); free(out->c); out->c = NULL; buf_free(&fq); return STORE_ERROR; }
    memset(p.slot, 0xff, slots * sizeof *p.slot);
    int64_t oldest[2] = { 0, 0 };
    int seen[2] = { 0, 0 };
    int rc = STORE_OK;
    for (int k = 0; k < 2 && !rc; k++) {
        sqlite3 *db;
        sqlite3_stmt *st = sq_stmt(s, k ? Q_PUB_REPLY_CAND : Q_PUB_CAND, &db);
        if (!st) { rc = STORE_ERROR; break; }
        sqlite3_bind_text(st, 1, fq.p, (int)fq.n, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 2, cap + 1);
        if ((seen[k] = pub_collect(db, st, k == 1, cap, &p, &oldest[k])) < 0) rc = STORE_ERROR;
    }
    free(p.slot);
    buf_free(&fq);
    /* Messages are the bulk: a broad query's size is theirs, estimated as
     * for officials; replies found beyond it are few. */
    out->approx = seen[0] > cap || seen[1] > cap;
    out->matched = seen[0] + seen[1];
    if (!rc && seen[0] > cap) {
        rc = estimate(s, cap, oldest[0], &out->matched);
        out->matched += seen[1];
    }
    if (rc) store_pub_found_clear(out);
    return rc;
}

static const char Q_RFTS_ADD[] = "INSERT INTO replies_fts(rowid, body) SELECT id, body FROM replies WHERE id = ?1 AND status = 'published'";
static const char Q_RFTS_DEL[] =
    "INSERT INTO replies_fts(replies_fts, rowid, body) SELECT 'delete', id, body FROM replies WHERE id = ?1 AND status = 'published'";

int sq_reply_fts(store *s, int64_t reply_id, bool add) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, add ? Q_RFTS_ADD : Q_RFTS_DEL, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, reply_id);
    return sq_exec(s, st, db, "index reply");
}
