/* sqlite_stats.c: the dashboard figures as running aggregates (store.h
 * stats, stats_verify, stats_rebuild). One row per (day, department) in
 * stats_days, kept exact by the same transactions that change messages, so
 * GET /api/v1/stats sums a few thousand small rows and never reads messages.
 * How writers keep them right: see sq_agg_msg / sq_agg_bump in sqlite_int.h. */
#include "store/sqlite_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- one message's contribution ----------------------------------------- */

/* Everything a message adds to stats_days, from its row alone: the day it
 * came in (its cohort: the rates of a period are about the messages received
 * in it), where it is now, whether and how fast it was first answered, its
 * rating, and its supervision state. Published messages only. The recount
 * sums exactly this over every message, so the aggregates are right as long
 * as each change is wrapped in sq_agg_msg(-1) ... sq_agg_msg(+1). */
#define FRT "CASE WHEN m.first_reply_at IS NULL THEN NULL ELSE " \
            "max(0, CAST(round((julianday(m.first_reply_at) - julianday(m.created_at)) * 86400) AS INTEGER)) END"
#define CONTRIB_INNER \
    "SELECT coalesce(m.department_id, 0) AS dept, substr(m.created_at, 1, 10) AS day, 1 AS received, " \
    "  (m.first_reply_at IS NOT NULL) AS replied, " \
    "  (m.first_reply_at IS NOT NULL AND m.first_reply_at <= m.due_at) AS on_time, " \
    "  (r.score IS NOT NULL) AS rated, coalesce(r.score, 0) AS rating_sum, coalesce(r.score >= 4, 0) AS satisfied, " \
    "  (m.state = 'closed') AS closed, " \
    "  (m.overdue AND (m.first_reply_at IS NULL OR m.first_reply_at > m.due_at)) AS overdue, (m.urge_count > 0) AS urged, " \
    "  EXISTS (SELECT 1 FROM extensions e WHERE e.message_id = m.id AND e.status = 'approved') AS extended, " \
    "  " FRT " AS frt " \
    "FROM messages m LEFT JOIN ratings r ON r.message_id = m.id WHERE m.moderation IN ('none','approved')"
/* First-reply time buckets (upper bounds in hours): 1 2 4 8 12 24 48 72 120
 * 168 240 360 480 720 1440 and more; fine enough for a 90th percentile to
 * within its bucket, small enough to add up over any period. */
#define BUCKET "CASE WHEN frt IS NULL THEN -1 WHEN frt < 3600 THEN 0 WHEN frt < 7200 THEN 1 WHEN frt < 14400 THEN 2 " \
               "WHEN frt < 28800 THEN 3 WHEN frt < 43200 THEN 4 WHEN frt < 86400 THEN 5 WHEN frt < 172800 THEN 6 " \
               "WHEN frt < 259200 THEN 7 WHEN frt < 432000 THEN 8 WHEN frt < 604800 THEN 9 WHEN frt < 864000 THEN 10 " \
               "WHEN frt < 1296000 THEN 11 WHEN frt < 1728000 THEN 12 WHEN frt < 2592000 THEN 13 " \
               "WHEN frt < 5184000 THEN 14 ELSE 15 END"
static const double bucket_hours[SQ_AGG_BUCKETS] = { 1, 2, 4, 8, 12, 24, 48, 72, 120, 168, 240, 360, 480, 720, 1440, 2880 };

#define AGG_COLS "received, replied, on_time, rated, rating_sum, satisfied, closed, overdue, urged, extended, frt_sum, " \
                 "h0, h1, h2, h3, h4, h5, h6, h7, h8, h9, h10, h11, h12, h13, h14, h15"
#define NAGG (11 + SQ_AGG_BUCKETS)
/* The contribution under the stats_days column names, of the messages that
 * also meet W (an SQL condition on m). */
#define NAMED_WHERE(W) "SELECT dept, day, received, replied, on_time, rated, rating_sum, satisfied, closed, overdue, urged, extended, " \
    "coalesce(frt, 0) AS frt_sum, (b=0) AS h0, (b=1) AS h1, (b=2) AS h2, (b=3) AS h3, (b=4) AS h4, (b=5) AS h5, " \
    "(b=6) AS h6, (b=7) AS h7, (b=8) AS h8, (b=9) AS h9, (b=10) AS h10, (b=11) AS h11, (b=12) AS h12, (b=13) AS h13, " \
    "(b=14) AS h14, (b=15) AS h15 FROM (SELECT *, " BUCKET " AS b FROM (" CONTRIB_INNER W "))"
/* Sums of those times ?2 (the sign). */
#define SUMS_SIGNED "?2*sum(received), ?2*sum(replied), ?2*sum(on_time), ?2*sum(rated), ?2*sum(rating_sum), " \
    "?2*sum(satisfied), ?2*sum(closed), ?2*sum(overdue), ?2*sum(urged), ?2*sum(extended), ?2*sum(frt_sum), " \
    "?2*sum(h0), ?2*sum(h1), ?2*sum(h2), ?2*sum(h3), ?2*sum(h4), ?2*sum(h5), ?2*sum(h6), ?2*sum(h7), ?2*sum(h8), " \
    "?2*sum(h9), ?2*sum(h10), ?2*sum(h11), ?2*sum(h12), ?2*sum(h13), ?2*sum(h14), ?2*sum(h15)"
/* The contribution as the stats_days columns, times ?S (the sign). */
#define SIGNED(S) "dept, day, " S "*received, " S "*replied, " S "*on_time, " S "*rated, " S "*rating_sum, " S "*satisfied, " \
    S "*closed, " S "*overdue, " S "*urged, " S "*extended, " S "*coalesce(frt, 0), " \
    S "*(b=0), " S "*(b=1), " S "*(b=2), " S "*(b=3), " S "*(b=4), " S "*(b=5), " S "*(b=6), " S "*(b=7), " \
    S "*(b=8), " S "*(b=9), " S "*(b=10), " S "*(b=11), " S "*(b=12), " S "*(b=13), " S "*(b=14), " S "*(b=15)"
#define SUMS "sum(received), sum(replied), sum(on_time), sum(rated), sum(rating_sum), sum(satisfied), sum(closed), " \
    "sum(overdue), sum(urged), sum(extended), sum(frt_sum), sum(h0), sum(h1), sum(h2), sum(h3), sum(h4), sum(h5), " \
    "sum(h6), sum(h7), sum(h8), sum(h9), sum(h10), sum(h11), sum(h12), sum(h13), sum(h14), sum(h15)"
#define UPSERT_SET \
    "ON CONFLICT(day, department_id) DO UPDATE SET received = received + excluded.received, " \
    "replied = replied + excluded.replied, on_time = on_time + excluded.on_time, rated = rated + excluded.rated, " \
    "rating_sum = rating_sum + excluded.rating_sum, satisfied = satisfied + excluded.satisfied, " \
    "closed = closed + excluded.closed, overdue = overdue + excluded.overdue, urged = urged + excluded.urged, " \
    "extended = extended + excluded.extended, frt_sum = frt_sum + excluded.frt_sum, " \
    "h0 = h0 + excluded.h0, h1 = h1 + excluded.h1, h2 = h2 + excluded.h2, h3 = h3 + excluded.h3, " \
    "h4 = h4 + excluded.h4, h5 = h5 + excluded.h5, h6 = h6 + excluded.h6, h7 = h7 + excluded.h7, " \
    "h8 = h8 + excluded.h8, h9 = h9 + excluded.h9, h10 = h10 + excluded.h10, h11 = h11 + excluded.h11, " \
    "h12 = h12 + excluded.h12, h13 = h13 + excluded.h13, h14 = h14 + excluded.h14, h15 = h15 + excluded.h15"

static const char Q_AGG_MSG[] =
    "INSERT INTO stats_days(department_id, day, " AGG_COLS ") "
    "SELECT " SIGNED("?2") " FROM (SELECT *, " BUCKET " AS b FROM (" CONTRIB_INNER " AND m.id = ?1)) WHERE true "
    UPSERT_SET;

int sq_agg_msg(store *s, int64_t msg_id, int sign) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_AGG_MSG, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, msg_id);
    sqlite3_bind_int(st, 2, sign);
    return sq_exec(s, st, db, "update the dashboard figures");
}

/* The same for a batch of messages (ids in a JSON array), summed per
 * (department, day) first: two statements per batch instead of two per
 * message. PostgreSQL: WHERE m.id = ANY($1). */
static const char Q_AGG_BATCH[] =
    "INSERT INTO stats_days(department_id, day, " AGG_COLS ") "
    "SELECT dept, day, " SUMS_SIGNED " FROM (" NAMED_WHERE(" AND m.id IN (SELECT value FROM json_each(?1))") ") "
    "GROUP BY dept, day " UPSERT_SET;

int sq_agg_batch(store *s, const int64_t *first_id, size_t stride, size_t n, int sign) {
    if (!n) return STORE_OK;
    char *ids = malloc(n * 21 + 3), *p = ids;
    if (!ids) { sq_set_err(NULL, "out of memory"); return STORE_ERROR; }
    *p++ = '[';
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t id = *(const int64_t *)((const char *)first_id + i * stride);
        if (id > 0) p += sprintf(p, "%s%lld", k++ ? "," : "", (long long)id);
    }
    *p++ = ']'; *p = 0;
    int rc = STORE_OK;
    if (k) {
        sqlite3 *db;
        sqlite3_stmt *st = sq_stmt(s, Q_AGG_BATCH, &db);
        if (!st) { free(ids); return STORE_ERROR; }
        sqlite3_bind_text(st, 1, ids, (int)(p - ids), SQLITE_STATIC);
        sqlite3_bind_int(st, 2, sign);
        rc = sq_exec(s, st, db, "update the dashboard figures");
    }
    free(ids);
    return rc;
}

static const char Q_AGG_BUMP[] =
    "INSERT INTO stats_days(department_id, day, " AGG_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
    "?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29) " UPSERT_SET;

int sq_agg_bump(store *s, int64_t dept, const char *day, const sq_agg_delta *d) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_AGG_BUMP, &db);
    if (!st) return STORE_ERROR;
    sqlite3_bind_int64(st, 1, dept);
    sqlite3_bind_text(st, 2, day, 10, SQLITE_TRANSIENT);
    const int64_t v[11] = { d->received, d->replied, d->on_time, d->rated, d->rating_sum, d->satisfied,
                            d->closed, d->overdue, d->urged, d->extended, d->frt_sum };
    for (int i = 0; i < 11; i++) sqlite3_bind_int64(st, 3 + i, v[i]);
    for (int i = 0; i < SQ_AGG_BUCKETS; i++) sqlite3_bind_int64(st, 14 + i, d->frt_hist[i]);
    return sq_exec(s, st, db, "update the dashboard figures");
}

/* ---- recount ------------------------------------------------------------ */

/* The contribution under the stats_days column names, then summed per (department, day). */
#define NAMED NAMED_WHERE("")
#define RECOUNT "SELECT dept AS department_id, day, " SUMS " FROM (" NAMED ") GROUP BY dept, day"
#define AGG_ROWS "SELECT department_id, day, " AGG_COLS " FROM stats_days WHERE received <> 0 OR rated <> 0 OR replied <> 0 " \
                 "OR closed <> 0 OR overdue <> 0 OR urged <> 0 OR extended <> 0"

/* One pass of the recount (materialized once), then both differences: the
 * recount's rows that stats_days lacks or holds otherwise (side 0), and
 * stats_days' rows that the recount does not give (side 1), in key order
 * so the two sides of a (department, day) come together. */
static const char Q_COMPARE[] =
    "WITH r AS MATERIALIZED (" RECOUNT ") "
    "SELECT * FROM (SELECT 0 AS side, * FROM (SELECT * FROM r EXCEPT " AGG_ROWS ") "
    "UNION ALL SELECT 1, * FROM (" AGG_ROWS " EXCEPT SELECT * FROM r)) ORDER BY 2, 3, 1";
static const char *const agg_names[NAGG] = {
    "received", "replied", "on_time", "rated", "rating_sum", "satisfied", "closed", "overdue", "urged", "extended",
    "frt_sum", "h0", "h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8", "h9", "h10", "h11", "h12", "h13", "h14", "h15" };

static json_t *row_json(int64_t dept, const char *day, const int64_t *v) {
    json_t *o = json_pack("{s:I,s:s}", "department_id", (json_int_t)dept, "day", day);
    for (int i = 0; i < 11; i++) json_object_set_new(o, agg_names[i], json_integer(v[i]));
    json_t *h = json_array();
    for (int i = 0; i < SQ_AGG_BUCKETS; i++) json_array_append_new(h, json_integer(v[11 + i]));
    json_object_set_new(o, "first_reply_buckets", h);
    return o;
}

/* "department 3, 2026-01-05: replied 2 (recount 1), h4 1 (recount 0)". */
static json_t *diff_line(int64_t dept, const char *day, const int64_t *want, const int64_t *have) {
    char line[1024];
    int n = snprintf(line, sizeof line, "stats_days: department %lld, %s:", (long long)dept, day);
    bool first = true;
    for (int i = 0; i < NAGG && n < (int)sizeof line - 64; i++)
        if (want[i] != have[i]) {
            n += snprintf(line + n, sizeof line - (size_t)n, "%s %s %lld (recount %lld)", first ? "" : ",", agg_names[i],
                          (long long)have[i], (long long)want[i]);
            first = false;
        }
    return json_string(line);
}

int64_t sq_stats_compare(sqlite3 *db, json_t *problems, json_t *expected, json_t *found, char *err, size_t errlen) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, Q_COMPARE, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "recount the dashboard figures: %s", sqlite3_errmsg(db));
        return -1;
    }
    int64_t ndiff = 0, want[NAGG], have[NAGG], dept = 0;
    char day[16] = "";
    bool open = false;
    int rc;
    for (;;) {
        rc = sqlite3_step(st);
        int64_t d = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
        const char *dy = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 2) : "";
        if (open && (rc != SQLITE_ROW || d != dept || strcmp(dy ? dy : "", day))) {   /* a key is complete */
            if (ndiff < 20) {
                if (problems) json_array_append_new(problems, diff_line(dept, day, want, have));
                if (expected) json_array_append_new(expected, row_json(dept, day, want));
                if (found) json_array_append_new(found, row_json(dept, day, have));
            }
            ndiff++;
            open = false;
        }
        if (rc != SQLITE_ROW) break;
        if (!open) {
            memset(want, 0, sizeof want); memset(have, 0, sizeof have);
            dept = d;
            snprintf(day, sizeof day, "%s", dy ? dy : "");
            open = true;
        }
        int64_t *v = sqlite3_column_int(st, 0) ? have : want;
        for (int i = 0; i < NAGG; i++) v[i] = sqlite3_column_int64(st, 3 + i);
    }
    if (rc != SQLITE_DONE) snprintf(err, errlen, "recount the dashboard figures: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? ndiff : -1;
}

static const char Q_STATS_ROWS[] = "SELECT count(*) FROM stats_days";

int sq_stats_verify(store *s, json_t **out) {
    sqlite3 *db;
    sqlite3_stmt *st = sq_stmt(s, Q_STATS_ROWS, &db);
    if (!st) return STORE_ERROR;
    json_int_t rows = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sq_done(st);
    json_t *exp = json_array(), *got = json_array(), *problems = json_array();
    char err[512];
    int64_t n = sq_stats_compare(db, problems, exp, got, err, sizeof err);
    if (n < 0) { sq_set_err(NULL, err); json_decref(exp); json_decref(got); json_decref(problems); return STORE_ERROR; }
    /* expected: the recount's side of each differing (department, day); found: the aggregates' side. */
    *out = json_pack("{s:b,s:I,s:I,s:o,s:o,s:o}", "ok", n == 0, "rows", rows, "differing", (json_int_t)n,
                     "expected", exp, "found", got, "problems", problems);
    return STORE_OK;
}

static const char Q_AGG_CLEAR[] = "DELETE FROM stats_days";
static const char Q_AGG_FILL[] = "INSERT INTO stats_days(department_id, day, " AGG_COLS ") " RECOUNT;
static const char Q_REBUILD_FLAG_DEL[] = "DELETE FROM settings WHERE key = 'stats_rebuild'";

static int rebuild_txn(store *s, void *arg) {
    sqlite3 *db;
    const char *qs[3] = { Q_AGG_CLEAR, Q_AGG_FILL, Q_REBUILD_FLAG_DEL };
    for (int i = 0; i < 3; i++) {
        sqlite3_stmt *st = sq_stmt(s, qs[i], &db);
        if (!st) return STORE_ERROR;
        int rc = sq_exec(s, st, db, "rebuild the dashboard figures");
        if (rc) return rc;
    }
    return STORE_OK;
}

int sq_stats_rebuild(store *s) { return sq_in_txn(s, rebuild_txn, NULL); }

static const char Q_REBUILD_FLAG[] = "SELECT 1 FROM settings WHERE key = 'stats_rebuild'";

int sq_stats_rebuild_if_asked(store *s) {
    sqlite3_stmt *st = sq_stmt(s, Q_REBUILD_FLAG, NULL);
    if (!st) return STORE_ERROR;
    bool asked = sqlite3_step(st) == SQLITE_ROW;
    sq_done(st);
    return asked ? sq_stats_rebuild(s) : STORE_OK;
}

/* ---- overdue ------------------------------------------------------------ */

/* A message becomes overdue when its deadline passes unanswered (and it is
 * not closed); it stays counted as overdue after a late answer. Time, not a
 * transaction, makes this happen, so a sweep marks them; it reads only the
 * open messages past their deadline (a partial index). */
/* Marking changes only the overdue column of those messages' figures, so
 * the sweep is set-based: count the candidates per (department, day) into
 * stats_days, then flag the same set (the same condition in the same
 * transaction). It goes in slices of 5,000 in deadline order, so writers
 * are never held long: deadlines fall at the end of a working day, so a
 * day's messages share one (71,187 of them at 854k, some 700,000 at full
 * size), and slicing by deadline value, as it did, made that one slice. */
#define OVERDUE_SLICE 5000
#define OVERDUE_SET "id IN (SELECT id FROM messages INDEXED BY messages_open_due WHERE overdue = 0 AND first_reply_at IS NULL " \
                    "AND state NOT IN ('closed','declined') AND due_at < ?1 ORDER BY due_at LIMIT ?2)"
static const char Q_OVERDUE_AGG[] =
    "INSERT INTO stats_days(department_id, day, overdue) "
    "SELECT coalesce(department_id, 0), substr(created_at, 1, 10), count(*) FROM messages "
    "WHERE " OVERDUE_SET " AND moderation IN ('none','approved') GROUP BY 1, 2 "
    "ON CONFLICT(day, department_id) DO UPDATE SET overdue = overdue + excluded.overdue";
static const char Q_OVERDUE_MARK[] = "UPDATE messages SET overdue = 1 WHERE " OVERDUE_SET;

typedef struct { const char *now; int64_t n; bool more; } sweep_arg;

static int sweep_txn(store *s, void *arg) {
    sweep_arg *x = arg;
    sqlite3 *db;
    sqlite3_stmt *st;
    const char *qs[2] = { Q_OVERDUE_AGG, Q_OVERDUE_MARK };
    for (int k = 0; k < 2; k++) {
        if (!(st = sq_stmt(s, qs[k], &db))) return STORE_ERROR;
        sqlite3_bind_text(st, 1, x->now, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 2, OVERDUE_SLICE);
        int rc = sq_exec(s, st, db, "mark overdue");
        if (rc) return rc;
        if (k) x->n = sqlite3_changes(db);
    }
    x->more = x->n == OVERDUE_SLICE;
    return STORE_OK;
}

int sq_overdue_sweep(store *s, const char *now, int64_t *marked) {
    *marked = 0;
    for (;;) {
        sweep_arg x = { now, 0, false };   /* a slice a transaction */
        int rc = sq_in_txn(s, sweep_txn, &x);
        if (rc) return rc;
        *marked += x.n;
        if (!x.more) return STORE_OK;
        sq_turn_pass(s);
    }
}

/* ---- the figures -------------------------------------------------------- */

#define RANGE "day >= ?1 AND day <= ?2"
static const char Q_STATS_DEPT[] =
    "SELECT d.id, d.name, " SUMS " FROM departments d LEFT JOIN stats_days a ON a.department_id = d.id AND " RANGE " "
    "WHERE ?3 = 0 OR d.id = ?3 GROUP BY d.id ORDER BY d.id";
static const char Q_STATS_UNROUTED[] = "SELECT " SUMS " FROM stats_days WHERE department_id = 0 AND " RANGE;
static const char Q_STATS_DAILY[] =
    "SELECT day, sum(received), sum(replied) FROM stats_days WHERE " RANGE " AND (?3 = 0 OR department_id = ?3) "
    "GROUP BY day ORDER BY day DESC LIMIT ?4";

static json_t *rate(int64_t num, int64_t den) { return den ? json_real((double)num / (double)den) : json_null(); }

/* The 90th percentile from the bucket counts, interpolated inside its bucket. */
static json_t *p90_hours(const int64_t *h) {
    int64_t n = 0;
    for (int i = 0; i < SQ_AGG_BUCKETS; i++) n += h[i];
    if (!n) return json_null();
    double want = 0.9 * (double)n, seen = 0;
    for (int i = 0; i < SQ_AGG_BUCKETS; i++) {
        if (h[i] && seen + (double)h[i] >= want) {
            double lo = i ? bucket_hours[i - 1] : 0, hi = bucket_hours[i];
            return json_real(lo + (hi - lo) * (want - seen) / (double)h[i]);
        }
        seen += (double)h[i];
    }
    return json_real(bucket_hours[SQ_AGG_BUCKETS - 1]);
}

/* v: the SUMS columns. official adds the supervision figures. */
static json_t *figures(const int64_t *v, bool official) {
    int64_t received = v[0], replied = v[1], on_time = v[2], rated = v[3], rating_sum = v[4], satisfied = v[5];
    json_t *o = json_pack("{s:I,s:I,s:o,s:I,s:o,s:I,s:I,s:I,s:I}",
                          "received", (json_int_t)received, "replied", (json_int_t)replied, "reply_rate", rate(replied, received),
                          "on_time", (json_int_t)on_time, "on_time_rate", rate(on_time, replied),
                          "overdue", (json_int_t)v[7], "closed", (json_int_t)v[6],
                          "rated", (json_int_t)rated, "satisfied", (json_int_t)satisfied);
    /* Fewer than STORE_STATS_MIN_RATINGS ratings make no percentage worth a
     * headline: null, beside the count. "rated" and "satisfaction" are the
     * earlier names of "ratings" and "satisfaction_rate". */
    json_t *sat = rated >= STORE_STATS_MIN_RATINGS ? rate(satisfied, rated) : json_null();
    json_object_set_new(o, "ratings", json_integer(rated));
    json_object_set_new(o, "satisfaction_rate", json_copy(sat));
    json_object_set_new(o, "satisfaction", sat);
    json_object_set_new(o, "average_score", rated ? json_real((double)rating_sum / (double)rated) : json_null());
    json_object_set_new(o, "first_reply_hours_avg", replied ? json_real((double)v[10] / 3600.0 / (double)replied) : json_null());
    json_object_set_new(o, "first_reply_hours_p90", p90_hours(v + 11));
    if (official) {
        json_object_set_new(o, "urged", json_integer(v[8]));
        json_object_set_new(o, "extended", json_integer(v[9]));
    }
    return o;
}

static void read_sums(sqlite3_stmt *st, int first, int64_t *v) {
    for (int i = 0; i < NAGG; i++) v[i] = sqlite3_column_int64(st, first + i);
}

int sq_stats(store *s, const store_stats_query *q, json_t **out) {
    const char *from = q->from ? q->from : "0000-00-00", *to = q->to ? q->to : "9999-99-99";
    bool all_days = !q->from && !q->to;
    sqlite3_stmt *st = sq_stmt(s, Q_STATS_DEPT, NULL);
    if (!st) return STORE_ERROR;
    sqlite3_bind_text(st, 1, from, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, to, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, q->department_id);
    json_t *depts = json_array();
    int64_t t[NAGG] = {0}, v[NAGG];
    while (sqlite3_step(st) == SQLITE_ROW) {
        read_sums(st, 2, v);
        for (int i = 0; i < NAGG; i++) t[i] += v[i];
        json_t *o = figures(v, q->official);
        json_object_set_new(o, "department_id", json_integer(sqlite3_column_int64(st, 0)));
        json_object_set_new(o, "department", json_string(sq_col_text(st, 1)));
        json_array_append_new(depts, o);
    }
    sq_done(st);
    int64_t unrouted = 0;
    if (!q->department_id) {   /* totals count the messages waiting for triage too */
        if (!(st = sq_stmt(s, Q_STATS_UNROUTED, NULL))) { json_decref(depts); return STORE_ERROR; }
        sqlite3_bind_text(st, 1, from, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, to, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW) {
            read_sums(st, 0, v);
            for (int i = 0; i < NAGG; i++) t[i] += v[i];
            unrouted = v[0];
        }
        sq_done(st);
    }
    if (!(st = sq_stmt(s, Q_STATS_DAILY, NULL))) { json_decref(depts); return STORE_ERROR; }
    sqlite3_bind_text(st, 1, from, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, to, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, q->department_id);
    sqlite3_bind_int(st, 4, all_days ? 30 : 3660);   /* the last 30 days, or the whole period asked for */
    json_t *daily = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_insert_new(daily, 0, json_pack("{s:s,s:I,s:I}", "date", sq_col_text(st, 0),
                                                  "received", (json_int_t)sqlite3_column_int64(st, 1),
                                                  "replied", (json_int_t)sqlite3_column_int64(st, 2)));
    sq_done(st);
    json_t *totals = figures(t, q->official);
    json_object_set_new(totals, "unrouted", json_integer(unrouted));
    *out = json_pack("{s:o,s:o,s:o,s:i}", "totals", totals, "departments", depts, "daily", daily,
                     "min_ratings", STORE_STATS_MIN_RATINGS);
    return STORE_OK;
}
