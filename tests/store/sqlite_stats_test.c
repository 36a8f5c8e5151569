/* sqlite_stats_test.c: tests for src/store/sqlite_stats.c through store.h:
 * the running aggregates equal a recount from scratch after every kind of
 * change (intake, routing, holds, moderation, replies, group replies,
 * ratings, transfers, overdue sweeps), and the figures read from them. */
#include "test.h"
#include "store/store.h"
#include "tmpdb.h"
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

static store *fresh(char *path) { return tmpdb_open(path, "?sync=normal"); }
static void drop(store *s, const char *path) { tmpdb_drop(s, path); }

/* The aggregates equal the recount; prints the difference when not. */
static bool verified(store *s) {
    json_t *v;
    if (s->ops->stats_verify(s, &v) != STORE_OK) return false;
    bool ok = json_is_true(json_object_get(v, "ok"));
    if (!ok) { char *d = json_dumps(v, JSON_COMPACT); fprintf(stderr, "  verify: %s\n", d); free(d); }
    json_decref(v);
    return ok;
}

static json_t *dept_row(json_t *stats, int64_t dept) {
    size_t i; json_t *d;
    json_array_foreach(json_object_get(stats, "departments"), i, d)
        if (json_integer_value(json_object_get(d, "department_id")) == dept) return d;
    return NULL;
}
static long long num(json_t *o, const char *k) { return (long long)json_integer_value(json_object_get(o, k)); }

static int64_t add(store *s, int64_t cons, int64_t dept, const char *at) {
    store_new_msg m = { .consultation_id = cons, .title = STR_LIT("路灯不亮"), .body = STR_LIT("请维修"),
                        .type = STR_LIT("投诉"), .department_id = dept, .created_at = at ? str_c(at) : (str){0} };
    int64_t id = 0;
    char code[20];
    CHECK_INT(s->ops->msg_add(s, &m, &id, code), STORE_OK);
    return id;
}

TEST(aggregates_equal_a_recount_after_every_change) {
    char path[128];
    store *s = fresh(path);
    int64_t c, d1, d2, u, rid;
    s->ops->dept_add(s, STR_LIT("D1"), &d1);
    s->ops->dept_add(s, STR_LIT("D2"), &d2);
    s->ops->user_add(s, STR_LIT("h"), "x", "handler", d1, &u);
    s->ops->consultation_add(s, STR_LIT("C"), (str){0}, (str){0}, &c);
    int64_t a = add(s, c, d1, "2026-01-05T08:00:00Z");
    int64_t b = add(s, c, 0, "2026-01-05T09:00:00Z");
    add(s, c, d2, "2020-01-01T00:00:00Z");     /* long past its deadline */
    int64_t e = add(s, c, 0, NULL);
    CHECK(verified(s));
    /* the analyzer routes one, holds another */
    store_analysis an[2] = { { .id = b, .route = true, .department_id = d2, .route_by = "model" }, { .id = e, .hold = true } };
    CHECK_INT(s->ops->analysis_apply(s, an, 2, NULL, 0), STORE_OK);
    CHECK(verified(s));
    CHECK_INT(s->ops->moderate(s, e, u, "approve", (str){0}), STORE_OK);
    CHECK(verified(s));
    /* a transfer moves the message (before any reply: a replied message is not transferred) */
    CHECK_INT(s->ops->msg_transfer(s, a, d2, u, STR_LIT("不归我们")), STORE_OK);
    CHECK(verified(s));
    /* a reply 3 hours after the message, then a rating */
    CHECK_INT(s->ops->reply_import(s, a, d1, STR_LIT("已修"), STR_LIT("2026-01-05T11:00:00Z")), STORE_OK);
    CHECK(verified(s));
    CHECK_INT(s->ops->rating_add(s, a, 5, STR_LIT("好")), STORE_OK);
    CHECK_INT(s->ops->rating_add(s, a, 1, (str){0}), STORE_CONFLICT);   /* only once; figures unchanged */
    CHECK(verified(s));
    CHECK_INT(s->ops->reply_add(s, b, u, d2, STR_LIT("收到"), &rid), STORE_OK);
    CHECK(verified(s));
    int64_t marked = 0;
    CHECK_INT(s->ops->overdue_sweep(s, "2026-06-01T00:00:00Z", &marked), STORE_OK);
    CHECK_INT(marked, 1);   /* the 2020 one; a and b are answered, e is not due yet */
    CHECK(verified(s));
    CHECK_INT(s->ops->overdue_sweep(s, "2026-06-01T00:00:00Z", &marked), STORE_OK);
    CHECK_INT(marked, 0);   /* once */

    store_stats_query q = { .official = true };
    json_t *st;
    CHECK_INT(s->ops->stats(s, &q, &st), STORE_OK);
    json_t *r2 = dept_row(st, d2), *r1 = dept_row(st, d1);
    CHECK(r1 && r2);
    CHECK_INT(num(r1, "received"), 0);
    CHECK_INT(num(r2, "received"), 3);        /* a (transferred), b (routed), old */
    CHECK_INT(num(r2, "replied"), 2);
    CHECK_INT(num(r2, "rated"), 1);
    CHECK(json_is_null(json_object_get(r2, "satisfaction")));   /* 1 rating: no percentage */
    CHECK(json_real_value(json_object_get(r2, "average_score")) == 5.0);
    CHECK_INT(num(r2, "overdue"), 1);
    CHECK(json_object_get(r2, "urged") != NULL);
    json_t *t = json_object_get(st, "totals");
    CHECK_INT(num(t, "received"), 4);
    CHECK_INT(num(t, "unrouted"), 1);        /* e, approved, not routed */
    json_decref(st);
    /* a period: only January 2026's messages */
    q = (store_stats_query){ .from = "2026-01-01", .to = "2026-01-31", .department_id = d2 };
    CHECK_INT(s->ops->stats(s, &q, &st), STORE_OK);
    CHECK_INT(json_array_size(json_object_get(st, "departments")), 1);
    r2 = dept_row(st, d2);
    CHECK_INT(num(r2, "received"), 2);
    CHECK(json_object_get(r2, "urged") == NULL);   /* public view */
    double avg = json_real_value(json_object_get(r2, "first_reply_hours_avg"));
    CHECK(avg > 1.0);
    CHECK_INT(json_array_size(json_object_get(st, "daily")), 1);
    json_decref(st);
    /* a broken aggregate is caught, and a rebuild repairs it */
    sqlite3 *db;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, "UPDATE stats_days SET replied = replied + 1 WHERE department_id <> 0", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    json_t *v;
    CHECK_INT(s->ops->stats_verify(s, &v), STORE_OK);
    CHECK(json_is_false(json_object_get(v, "ok")));
    CHECK(json_array_size(json_object_get(v, "found")) > 0);
    json_decref(v);
    CHECK_INT(s->ops->stats_rebuild(s), STORE_OK);
    CHECK(verified(s));
    drop(s, path);
}

TEST(many_ratings_give_a_rate_and_the_p90) {
    char path[128];
    store *s = fresh(path);
    int64_t c, d;
    s->ops->dept_add(s, STR_LIT("D"), &d);
    s->ops->consultation_add(s, STR_LIT("C"), (str){0}, (str){0}, &c);
    for (int i = 0; i < 10; i++) {
        int64_t id = add(s, c, d, "2026-02-01T00:00:00Z");
        char at[32];
        snprintf(at, sizeof at, "2026-02-01T%02d:30:00Z", i < 9 ? 0 : 20);   /* nine in 30 min, one in 20.5 h */
        CHECK_INT(s->ops->reply_import(s, id, d, STR_LIT("好"), str_c(at)), STORE_OK);
        CHECK_INT(s->ops->rating_add(s, id, i < 6 ? 5 : 2, (str){0}), STORE_OK);
    }
    CHECK(verified(s));
    store_stats_query q = { 0 };
    json_t *st;
    CHECK_INT(s->ops->stats(s, &q, &st), STORE_OK);
    json_t *r = dept_row(st, d);
    CHECK_INT(num(r, "rated"), 10);
    CHECK(json_real_value(json_object_get(r, "satisfaction")) == 0.6);
    double p90 = json_real_value(json_object_get(r, "first_reply_hours_p90"));
    CHECK(p90 > 0 && p90 <= 1.0);            /* the 9th of 10 answers came within the hour */
    double avg = json_real_value(json_object_get(r, "first_reply_hours_avg"));
    CHECK(avg > 2.49 && avg < 2.51);         /* (9 * 0.5 + 20.5) / 10 */
    json_decref(st);
    drop(s, path);
}

/* The lifecycle: close, decline, return, urge, an approved extension,
 * reopening by a low rating and by a follow-up; the figures stay equal to
 * the recount after each, and count what happened. */
TEST(aggregates_follow_the_lifecycle) {
    char path[128];
    store *s = fresh(path);
    int64_t c, d, h, l, rid, ext;
    s->ops->dept_add(s, STR_LIT("D"), &d);
    s->ops->user_add(s, STR_LIT("h"), "x", "handler", d, &h);
    s->ops->user_add(s, STR_LIT("l"), "x", "leader", 0, &l);
    s->ops->consultation_add(s, STR_LIT("C"), (str){0}, (str){0}, &c);
    int64_t m[6];
    for (int i = 0; i < 6; i++) m[i] = add(s, c, d, NULL);
    CHECK_INT(s->ops->reply_add(s, m[0], h, d, STR_LIT("已办"), &rid), STORE_OK);
    CHECK_INT(s->ops->msg_act(s, &(store_act){ .msg_id = m[0], .action = "close", .user_id = h, .reason = STR_LIT("办结") }, NULL), STORE_OK);
    CHECK(verified(s));
    CHECK_INT(s->ops->msg_act(s, &(store_act){ .msg_id = m[1], .action = "decline", .user_id = h, .reason = STR_LIT("不属实") }, NULL), STORE_OK);
    CHECK(verified(s));
    CHECK_INT(s->ops->msg_act(s, &(store_act){ .msg_id = m[2], .action = "return", .user_id = h, .reason = STR_LIT("非本部门") }, NULL), STORE_OK);
    CHECK(verified(s));
    CHECK_INT(s->ops->msg_act(s, &(store_act){ .msg_id = m[3], .action = "urge", .user_id = l, .reason = STR_LIT("尽快") }, NULL), STORE_OK);
    CHECK(verified(s));
    CHECK_INT(s->ops->extension_add(s, m[3], h, 5, STR_LIT("需现场勘查"), &ext), STORE_OK);
    CHECK(verified(s));
    CHECK_INT(s->ops->extension_decide(s, ext, l, true, (str){0}), STORE_OK);
    CHECK(verified(s));
    CHECK_INT(s->ops->reply_add(s, m[4], h, d, STR_LIT("答复"), &rid), STORE_OK);
    CHECK_INT(s->ops->rating_add(s, m[4], 1, STR_LIT("没解决")), STORE_OK);   /* reopens */
    CHECK(verified(s));
    CHECK_INT(s->ops->reply_add(s, m[5], h, d, STR_LIT("答复"), &rid), STORE_OK);
    CHECK_INT(s->ops->followup_add(s, m[5], STR_LIT("还有一个问题")), STORE_OK);   /* reopens too */
    CHECK(verified(s));
    store_msg mm;
    CHECK_INT(s->ops->msg_get(s, m[4], &mm), STORE_OK);
    CHECK(strcmp(mm.state, "replied") != 0);   /* the low rating did reopen it */
    store_msg_clear(&mm);
    store_stats_query q = { .official = true, .department_id = d };
    json_t *st;
    CHECK_INT(s->ops->stats(s, &q, &st), STORE_OK);
    json_t *r = dept_row(st, d);
    CHECK(r != NULL);
    CHECK_INT(num(r, "received"), 5);   /* the returned one is unrouted now */
    CHECK_INT(num(r, "replied"), 3);
    CHECK_INT(num(r, "closed"), 1);
    CHECK_INT(num(r, "urged"), 1);
    CHECK_INT(num(r, "extended"), 1);
    CHECK_INT(num(r, "ratings"), 1);
    CHECK(json_is_null(json_object_get(r, "satisfaction_rate")));
    json_decref(st);
    drop(s, path);
}

/* A day's messages share one deadline (the end of a working day): the
 * sweep marks them in slices of 5,000 and counts each slice into the
 * figures exactly once, whatever the slice boundaries fall between. */
TEST(overdue_sweep_of_many_messages_sharing_one_deadline) {
    char path[128];
    store *s = fresh(path);
    if (!s) { CHECK(0); return; }
    int64_t d, c;
    s->ops->dept_add(s, STR_LIT("D"), &d);
    s->ops->consultation_add(s, STR_LIT("C"), (str){0}, (str){0}, &c);
    enum { N = 12001 };
    store_new_msg *m = calloc(N, sizeof *m);
    int64_t *ids = calloc(N, sizeof *ids);
    char (*when)[24] = calloc(N, 24);
    for (int i = 0; i < N; i++) {
        snprintf(when[i], 24, "2027-01-05T%02d:%02d:%02dZ", i / 3600 % 8, i / 60 % 60, i % 60);   /* one China day, its deadline still to come */
        m[i] = (store_new_msg){ .consultation_id = c, .title = STR_LIT("t"), .body = STR_LIT("b"), .type = STR_LIT("投诉"),
                                .department_id = i % 2 ? d : 0, .created_at = { when[i], strlen(when[i]) } };
    }
    size_t dups;
    CHECK_INT(s->ops->msg_import(s, m, N, ids, &dups), STORE_OK);
    int64_t rid;
    CHECK_INT(s->ops->reply_add(s, ids[7], 0, d, STR_LIT("答复"), &rid), STORE_OK);   /* answered in time: never overdue */
    CHECK(verified(s));
    int64_t marked = 0;
    CHECK_INT(s->ops->overdue_sweep(s, "2027-06-01T00:00:00Z", &marked), STORE_OK);
    CHECK_INT(marked, N - 1);
    CHECK(verified(s));
    CHECK_INT(s->ops->overdue_sweep(s, "2027-06-01T00:00:00Z", &marked), STORE_OK);
    CHECK_INT(marked, 0);
    free(m); free(ids); free(when);
    tmpdb_drop(s, path);
}

/* A writer that asks for the turn while the sweep works through its slices
 * gets it between two of them, not after the last (a mutex alone hands it
 * back to the sweep every time). */
typedef struct { store *s; const char *path; int done, wrote_during; } turn_arg;

static void *writer_during_sweep(void *arg) {
    turn_arg *t = arg;
    for (int i = 0; i < 5000 && !__atomic_load_n(&t->done, __ATOMIC_ACQUIRE); i++) {   /* the first slice committed */
        sqlite3 *db;
        sqlite3_stmt *st;
        long long n = 0;
        if (sqlite3_open(t->path, &db) == SQLITE_OK && sqlite3_prepare_v2(db, "SELECT count(*) FROM messages WHERE overdue = 1", -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
            sqlite3_finalize(st);
        }
        sqlite3_close(db);
        if (n) break;
        usleep(1000);
    }
    int64_t id;
    if (t->s->ops->dept_add(t->s, STR_LIT("插队的部门"), &id) == STORE_OK) t->wrote_during = !__atomic_load_n(&t->done, __ATOMIC_ACQUIRE);
    return NULL;
}

TEST(a_waiting_writer_goes_between_the_sweeps_slices) {
    char path[128];
    store *s = fresh(path);
    if (!s) { CHECK(0); return; }
    int64_t c;
    s->ops->consultation_add(s, STR_LIT("C"), (str){0}, (str){0}, &c);
    enum { N = 40000 };
    store_new_msg *m = calloc(N, sizeof *m);
    int64_t *ids = calloc(N, sizeof *ids);
    for (int i = 0; i < N; i++)
        m[i] = (store_new_msg){ .consultation_id = c, .title = STR_LIT("t"), .body = STR_LIT("b"), .type = STR_LIT("投诉"),
                                .created_at = STR_LIT("2027-01-05T01:00:00Z") };
    size_t dups;
    CHECK_INT(s->ops->msg_import(s, m, N, ids, &dups), STORE_OK);
    turn_arg t = { s, path, 0, 0 };
    pthread_t th;
    CHECK_INT(pthread_create(&th, NULL, writer_during_sweep, &t), 0);
    int64_t marked = 0;
    CHECK_INT(s->ops->overdue_sweep(s, "2027-06-01T00:00:00Z", &marked), STORE_OK);
    __atomic_store_n(&t.done, 1, __ATOMIC_RELEASE);
    pthread_join(th, NULL);
    CHECK_INT(marked, N);
    CHECK_INT(t.wrote_during, 1);
    free(m); free(ids);
    drop(s, path);
}
