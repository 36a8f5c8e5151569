/* sqlite_public_test.c: tests for src/store/sqlite_public.c and the inbox
 * of src/store/sqlite_inbox.c: every filter, alone and combined, in every
 * order, paged by cursor, returns exactly the rows (and the order) that a
 * plain scan of a model of the table gives; unpublished, unanalysed, held
 * and rejected messages are never listed publicly. */
#include "test.h"
#include "store/store.h"
#include "tmpdb.h"
#include "store/sqlite_int.h"
#include <inttypes.h>
#include <sqlite3.h>
#include <stdlib.h>

/* The model: what the test wrote to each message. */
enum { N = 420 };
typedef struct {
    int64_t id, cons, dept;
    const char *type, *region, *state, *moderation;
    bool publish, analyzed;
    char created[32], replied[32];   /* replied "" = no reply */
    int64_t supports;
} row;
static row rows[N];

static const char *const TYPES[] = { "建议", "咨询", "投诉", "求助", "感谢" };
static const char *const REGIONS[] = { "R1", "R2", "R3", NULL };
static const char *const STATES[] = { "new", "assigned", "replied", "closed", "declined" };

static uint32_t seed = 12345;
static uint32_t rnd(uint32_t n) { seed = seed * 1103515245u + 12345u; return (seed >> 8) % n; }

static void stamp(char out[32], int day, int sec) {   /* day 0 = 2026-10-01; 61 days */
    int mon = day < 31 ? 10 : 11, d = day < 31 ? day + 1 : day - 30;
    snprintf(out, 32, "2026-%02d-%02dT%02d:%02d:%02dZ", mon % 100, d % 100, sec / 3600 % 24, sec / 60 % 60, sec % 60);
}

/* Builds the table: times scattered over the ids (as an import keeps
 * original times), a few shared to the second (the cursor's tie-break),
 * every public-list exclusion present. */
static store *build(char *path, int64_t *c1, int64_t *c2, int64_t *d1, int64_t *d2) {
    store *s = tmpdb_open(path, "");
    if (!s) return NULL;
    s->ops->dept_add(s, STR_LIT("D1"), d1);
    s->ops->dept_add(s, STR_LIT("D2"), d2);
    s->ops->consultation_add(s, STR_LIT("C1"), (str){0}, (str){0}, c1);
    s->ops->consultation_add(s, STR_LIT("C2"), (str){0}, (str){0}, c2);
    char code[20];
    for (int i = 0; i < N; i++) {
        row *r = &rows[i];
        r->cons = rnd(4) ? *c1 : *c2;
        r->dept = rnd(5) == 0 ? 0 : rnd(3) ? *d1 : *d2;
        r->type = TYPES[rnd(5)];
        r->region = REGIONS[rnd(4)];
        r->publish = rnd(8) != 0;
        if (i % 6 == 5) memcpy(r->created, rows[i - 1].created, 32);   /* same second as the previous */
        else stamp(r->created, (int)rnd(61), (int)rnd(86400));
        r->supports = rnd(4) ? rnd(6) : 0;
        store_new_msg m = { .consultation_id = r->cons, .title = STR_LIT("t"), .body = STR_LIT("b"),
                            .type = { r->type, strlen(r->type) }, .department_id = r->dept, .unpublished = !r->publish,
                            .created_at = { r->created, 20 }, .likes = r->supports };
        if (r->region) m.region = (str){ r->region, strlen(r->region) };
        if (s->ops->msg_add(s, &m, &r->id, code) != STORE_OK) { CHECK(0); return s; }
    }
    /* What analysis, moderation and replies would have set, written
     * directly: the lists only read these columns. */
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) { CHECK(0); return s; }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt *st;
    CHECK_INT(sqlite3_prepare_v2(db, "UPDATE messages SET analyzed = ?2, moderation = ?3, state = ?4, last_reply_at = ?5,"
                                     " supports = ?6 WHERE id = ?1", -1, &st, NULL), SQLITE_OK);
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (int i = 0; i < N; i++) {
        row *r = &rows[i];
        static const char *const MODS[] = { "none", "none", "none", "none", "none", "none", "approved", "held", "rejected" };
        r->analyzed = rnd(12) != 0;
        r->moderation = MODS[rnd(9)];
        r->state = STATES[rnd(10) < 4 ? rnd(2) : rnd(10) < 7 ? 2 : 3 + rnd(2)];
        r->replied[0] = 0;
        if (!strcmp(r->state, "replied") || !strcmp(r->state, "closed") || rnd(10) == 0) {
            if (rnd(7) == 0 && i > 0 && rows[i - 1].replied[0]) memcpy(r->replied, rows[i - 1].replied, 32);
            else stamp(r->replied, (int)rnd(61), (int)rnd(86400));
        }
        sqlite3_bind_int64(st, 1, r->id);
        sqlite3_bind_int(st, 2, r->analyzed);
        sqlite3_bind_text(st, 3, r->moderation, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, r->state, -1, SQLITE_STATIC);
        if (r->replied[0]) sqlite3_bind_text(st, 5, r->replied, -1, SQLITE_STATIC);
        else sqlite3_bind_null(st, 5);
        sqlite3_bind_int64(st, 6, r->supports);
        CHECK_INT(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return s;
}

typedef struct {
    int64_t cons, dept;
    const char *type, *region, *state, *from, *to, *sort;
} filt;

static char next_day[11];
static bool in_days(const row *r, const filt *f) {
    if (f->from && strcmp(r->created, f->from) < 0) return false;
    if (f->to) {   /* to is included: before the next day */
        int y, m, d;
        sscanf(f->to, "%d-%d-%d", &y, &m, &d);
        static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        if (++d > mdays[m - 1]) { d = 1; if (++m > 12) { m = 1; y++; } }
        snprintf(next_day, sizeof next_day, "%04d-%02d-%02d", y, m, d);
        if (strcmp(r->created, next_day) >= 0) return false;
    }
    return true;
}

static bool listed(const row *r, const filt *f) {
    if (!r->publish || !r->analyzed || (strcmp(r->moderation, "none") && strcmp(r->moderation, "approved"))) return false;
    if (f->cons && r->cons != f->cons) return false;
    if (f->dept && r->dept != f->dept) return false;
    if (f->type && strcmp(r->type, f->type)) return false;
    if (f->region && (!r->region || strcmp(r->region, f->region))) return false;
    if (f->state) {
        bool unreplied = !strcmp(r->state, "new") || !strcmp(r->state, "assigned");
        if (!strcmp(f->state, "unreplied") ? !unreplied : strcmp(r->state, f->state)) return false;
    }
    if (f->sort && !strcmp(f->sort, "replied") && !r->replied[0]) return false;
    return in_days(r, f);
}

static const filt *cmp_filt;
/* The page order: newest by id; by arrival under a date range; replied; supported. Ties by id. */
static int cmp_rows(const void *a, const void *b) {
    const row *x = *(row *const *)a, *y = *(row *const *)b;
    const filt *f = cmp_filt;
    int c = 0;
    if (f->sort && !strcmp(f->sort, "replied")) c = strcmp(y->replied, x->replied);
    else if (f->sort && !strcmp(f->sort, "supported")) c = (y->supports > x->supports) - (y->supports < x->supports);
    else if (f->from || f->to) c = strcmp(y->created, x->created);
    return c ? c : (y->id > x->id) - (y->id < x->id);
}

/* One page of a list: the public list, or the inbox (triage: the unrouted). */
static int public_page(store *s, const filt *f, bool triage, int limit, const char *after, json_t **o) {
    (void)triage;
    store_public_query q = { .consultation_id = f->cons, .department_id = f->dept, .type = f->type, .region = f->region,
                             .state = f->state, .from = f->from, .to = f->to, .sort = f->sort, .limit = limit, .after = after };
    return s->ops->public_list(s, &q, o);
}
static int inbox_page(store *s, const filt *f, bool triage, int limit, const char *after, json_t **o) {
    store_inbox_query q = { .department_id = f->dept, .triage = triage, .type = f->type, .region = f->region, .state = f->state,
                            .from = f->from, .to = f->to, .limit = limit, .after = after };
    return s->ops->inbox(s, &q, o);
}
typedef int (*page_fn)(store *s, const filt *f, bool triage, int limit, const char *after, json_t **o);

/* Pages through a list with limit by its cursors and checks the ids, in
 * order, against want (the model's rows the list must show, sorted). */
static void check_pages(store *s, const char *what, page_fn page, const filt *f, bool triage, int limit, row **want, int nw) {
    char after[64] = "";
    int got = 0, pages = 0;
    bool ok = true;
    for (;;) {
        json_t *o;
        if (page(s, f, triage, limit, after[0] ? after : NULL, &o) != STORE_OK) { ok = false; break; }
        json_t *a = json_object_get(o, "messages"), *m;
        size_t i;
        json_array_foreach(a, i, m) {
            int64_t id = json_integer_value(json_object_get(m, "id"));
            if (got >= nw || want[got]->id != id) ok = false;
            got++;
        }
        if (json_array_size(a) > (size_t)limit) ok = false;
        json_t *next = json_object_get(o, "next");
        pages++;
        if (json_is_null(next)) { json_decref(o); break; }
        if (json_array_size(a) != (size_t)limit) ok = false;   /* only a full page has a next */
        snprintf(after, sizeof after, "%s", json_string_value(next));
        json_decref(o);
        if (pages > N + 1) { ok = false; break; }
    }
    if (!ok || got != nw) {
        test_failures++;
        fprintf(stderr, "  %s cons=%" PRId64 " dept=%" PRId64 "%s type=%s region=%s state=%s from=%s to=%s sort=%s limit=%d:"
                " got %d rows, expected %d%s\n", what, f->cons, f->dept, triage ? " triage" : "", f->type ? f->type : "-",
                f->region ? f->region : "-", f->state ? f->state : "-", f->from ? f->from : "-", f->to ? f->to : "-",
                f->sort ? f->sort : "new", limit, got, nw, ok ? "" : " (or in another order)");
    }
}

static void check_public(store *s, const filt *f, int limit) {
    static row *want[N];
    int nw = 0;
    for (int i = 0; i < N; i++) if (listed(&rows[i], f)) want[nw++] = &rows[i];
    cmp_filt = f;
    qsort(want, (size_t)nw, sizeof *want, cmp_rows);
    check_pages(s, "public list", public_page, f, false, limit, want, nw);
}

TEST(public_list_every_filter_and_order_matches_a_scan) {
    char path[128];
    int64_t c1, c2, d1, d2;
    store *s = build(path, &c1, &c2, &d1, &d2);
    CHECK(s != NULL);
    if (!s) return;
    const filt base[] = {
        { 0 }, { .cons = c2 }, { .cons = c1 }, { .dept = d1 }, { .dept = d2 }, { .type = "感谢" }, { .region = "R2" },
        { .state = "unreplied" }, { .state = "replied" }, { .state = "closed" },
        { .from = "2026-11-01", .to = "2026-11-07" }, { .from = "2026-11-20" }, { .to = "2026-10-05" },
        { .from = "2026-10-10", .to = "2026-10-10" },
        { .dept = d1, .state = "replied" }, { .dept = d2, .state = "unreplied" }, { .cons = c2, .state = "closed" },
        { .dept = d1, .from = "2026-10-15", .to = "2026-11-15" }, { .from = "2026-10-15", .to = "2026-11-15", .type = "投诉" },
        { .from = "2026-10-01", .to = "2026-11-30", .state = "replied", .region = "R1" },
        { .cons = c1, .dept = d2, .type = "建议" }, { .cons = c2, .from = "2026-11-01" },
        { .dept = d1, .state = "closed", .from = "2026-10-20", .to = "2026-11-20", .type = "咨询" },
    };
    const char *sorts[] = { NULL, "replied", "supported" };
    const int limits[] = { 3, 50 };
    /* Both plans of the non-id orders: a filter's rows read whole and
     * sorted (all are small here), and the walk of the order's index. */
    const int small[] = { sq_public_small_set, 0 };
    for (int p = 0; p < 2; p++) {
        sq_public_small_set = small[p];
        for (size_t k = 0; k < sizeof base / sizeof *base; k++)
            for (int so = 0; so < 3; so++)
                for (int l = 0; l < 2; l++) {
                    filt f = base[k];
                    f.sort = sorts[so];
                    check_public(s, &f, limits[l]);
                }
    }
    sq_public_small_set = small[0];
    /* A cursor of another order, or of the id order under a date range, is refused. */
    json_t *o;
    store_public_query bad = { .from = "2026-11-01", .after = "123" };
    CHECK_INT(s->ops->public_list(s, &bad, &o), STORE_INVALID);
    bad = (store_public_query){ .after = "2026-11-01T00:00:00Z~5" };
    CHECK_INT(s->ops->public_list(s, &bad, &o), STORE_INVALID);
    bad = (store_public_query){ .to = "2026-11-01", .after = "2026-11-01'~5" };
    CHECK_INT(s->ops->public_list(s, &bad, &o), STORE_INVALID);
    tmpdb_drop(s, path);
}

/* The inbox sees every message that is not held or rejected (published or
 * not, analysed or not), of its department, of the unrouted (triage) or of all. */
static bool inboxed(const row *r, const filt *f, bool triage) {
    if (strcmp(r->moderation, "none") && strcmp(r->moderation, "approved")) return false;
    if (triage ? r->dept != 0 : f->dept && r->dept != f->dept) return false;
    if (f->type && strcmp(r->type, f->type)) return false;
    if (f->region && (!r->region || strcmp(r->region, f->region))) return false;
    if (f->state && strcmp(r->state, f->state)) return false;
    return in_days(r, f);
}

static void check_inbox(store *s, const filt *f, bool triage, int limit) {
    static row *want[N];
    int nw = 0;
    for (int i = 0; i < N; i++) if (inboxed(&rows[i], f, triage)) want[nw++] = &rows[i];
    cmp_filt = f;
    qsort(want, (size_t)nw, sizeof *want, cmp_rows);
    check_pages(s, "inbox", inbox_page, f, triage, limit, want, nw);
}

TEST(inbox_filters_and_date_range_by_arrival_match_a_scan) {
    char path[128];
    int64_t c1, c2, d1, d2;
    store *s = build(path, &c1, &c2, &d1, &d2);
    CHECK(s != NULL);
    if (!s) return;
    const filt base[] = {
        { 0 }, { .dept = d1 }, { .state = "closed" },
        { .from = "2026-11-01", .to = "2026-11-07" }, { .from = "2026-11-20" }, { .to = "2026-10-05" },
        { .dept = d1, .from = "2026-10-15", .to = "2026-11-15" }, { .dept = d2, .from = "2026-10-03" },
        { .from = "2026-10-15", .to = "2026-11-15", .type = "投诉" }, { .from = "2026-10-01", .to = "2026-11-30", .state = "replied" },
        { .dept = d2, .to = "2026-11-10", .region = "R3", .state = "new" },
        /* newest first by id, each filter through its own index */
        { .region = "R1" }, { .type = "感谢" }, { .state = "new" }, { .dept = d1, .type = "建议" },
        { .dept = d2, .state = "replied" }, { .region = "R2", .type = "求助" }, { .dept = d1, .region = "R3", .state = "assigned" },
    };
    const int limits[] = { 3, 50 };
    for (size_t k = 0; k < sizeof base / sizeof *base; k++)
        for (int l = 0; l < 2; l++) {
            check_inbox(s, &base[k], false, limits[l]);
            if (!base[k].dept) check_inbox(s, &base[k], true, limits[l]);
        }
    /* A cursor of the id order is not one of a date range's pages, and back. */
    json_t *o;
    store_inbox_query bad = { .from = "2026-11-01", .after = "id..5" };
    CHECK_INT(s->ops->inbox(s, &bad, &o), STORE_INVALID);
    bad = (store_inbox_query){ .after = "new.2026-11-01T00:00:00Z.5" };
    CHECK_INT(s->ops->inbox(s, &bad, &o), STORE_INVALID);
    bad = (store_inbox_query){ .from = "2026-11-01", .after = "new.2026-11-01T00:00:00Z'.5" };
    CHECK_INT(s->ops->inbox(s, &bad, &o), STORE_INVALID);
    tmpdb_drop(s, path);
}

/* The list indexes' migration (the last one) on a database that has
 * messages, as at an upgrade: the indexes are built, the version recorded,
 * and the lists answer the same. */
TEST(list_index_migration_on_an_existing_database) {
    char path[128];
    int64_t c1, c2, d1, d2;
    store *s = build(path, &c1, &c2, &d1, &d2);
    CHECK(s != NULL);
    if (!s) return;
    store_close(s);
    sqlite3 *db;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    char undo[256];
    snprintf(undo, sizeof undo, "DROP INDEX messages_state; DROP INDEX messages_region; DROP INDEX messages_type;"
             " DROP INDEX messages_created; PRAGMA user_version = %d;", 27);   /* before migration 28, the list indexes (later ones run again) */
    CHECK_INT(sqlite3_exec(db, undo, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    char uri[160], err[256];
    snprintf(uri, sizeof uri, "sqlite:%s", path);
    CHECK_INT(store_open(uri, &s, err, sizeof err), 0);
    if (!s) return;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    CHECK_INT(sqlite3_prepare_v2(db, "SELECT (SELECT user_version FROM pragma_user_version),"
                                     " (SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name IN"
                                     " ('messages_state','messages_region','messages_type','messages_created'))", -1, &st, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(st, 0), sq_schema_version());
    CHECK_INT(sqlite3_column_int(st, 1), 4);
    sqlite3_finalize(st);
    sqlite3_close(db);
    filt f = { .state = "replied" };
    check_public(s, &f, 7);
    f = (filt){ .from = "2026-10-20", .to = "2026-11-03", .region = "R1" };
    check_public(s, &f, 7);
    check_inbox(s, &f, false, 7);
    tmpdb_drop(s, path);
}
