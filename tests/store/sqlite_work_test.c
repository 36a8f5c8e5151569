/* sqlite_work_test.c: tests for the kept state of src/store/sqlite_work.c
 * (state_put / state_get): images of several chunks come back whole, a new
 * image replaces the old one only once it is complete, what a write that
 * died left is ignored and then cleared, an image from before the
 * generation markers is still read, and other writers get their turn
 * between the chunks of a long write; a near-duplicate group's summary,
 * exact up to 10,000 members, its writers counted among the newest 10,000
 * above. */
#include "test.h"
#include "store/store.h"
#include "tmpdb.h"
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* An image of n bytes, byte i = (i * 7 + seed) & 255, given in pieces of 1 MB - 3. */
typedef struct { size_t n; int seed; size_t fail_at; store *s; int others_done; } image;

static void *other_writer(void *arg) {
    image *im = arg;
    int64_t id;
    char name[64];
    snprintf(name, sizeof name, "部门%d", im->others_done);
    if (im->s->ops->dept_add(im->s, (str){ name, strlen(name) }, &id) == STORE_OK) im->others_done++;
    return NULL;
}

static int fill(void *ud, int (*put)(void *pud, const void *p, size_t n), void *pud) {
    image *im = ud;
    size_t piece = (1u << 20) - 3;
    unsigned char *b = malloc(piece);
    for (size_t at = 0; at < im->n; at += piece) {
        if (im->fail_at && at >= im->fail_at) { free(b); return -1; }
        size_t k = im->n - at < piece ? im->n - at : piece;
        for (size_t i = 0; i < k; i++) b[i] = (unsigned char)(((at + i) * 7 + (size_t)im->seed) & 255);
        if (put(pud, b, k)) { free(b); return -1; }
        if (im->s && at / piece == 6) {
            /* Another thread writes while the image is half written: it must
             * get the writers' turn now, not after the whole image. */
            pthread_t t;
            pthread_create(&t, NULL, other_writer, im);
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 5;
            if (pthread_timedjoin_np(t, NULL, &ts)) { free(b); return -1; }
        }
    }
    free(b);
    return 0;
}

typedef struct { size_t n; int seed; bool ok; } check;

static int verify(void *ud, const void *p, size_t n) {
    check *c = ud;
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != (unsigned char)(((c->n + i) * 7 + (size_t)c->seed) & 255)) c->ok = false;
    c->n += n;
    return 0;
}

static bool image_is(store *s, const char *name, size_t n, int seed, int64_t mark) {
    check c = { 0, seed, true };
    int64_t m = -1;
    if (s->ops->state_get(s, name, &m, verify, &c) != STORE_OK) return false;
    return c.ok && c.n == n && m == mark;
}

/* state_put of im under "x", then the image read back is im. */
static bool put_reads_back(store *s, image *im, int64_t mark) {
    return s->ops->state_put(s, "x", mark, fill, im) == STORE_OK && image_is(s, "x", im->n, im->seed, mark);
}

static long long count(const char *path, const char *q) {
    sqlite3 *db;
    sqlite3_stmt *st;
    sqlite3_open(path, &db);
    long long n = -1;
    if (sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

TEST(image_of_several_chunks_round_trips_and_replaces) {
    char path[128];
    store *s = tmpdb_open(path, "");
    int64_t m;
    CHECK_INT(s->ops->state_get(s, "x", &m, verify, &(check){ 0, 0, true }), STORE_NOT_FOUND);
    image a = { 9u << 20, 1, 0, NULL, 0 };                 /* 9 MB: three chunks */
    CHECK(put_reads_back(s, &a, 42));
    CHECK_INT(count(path, "SELECT count(*) FROM app_state WHERE name = 'x' AND part >= 0"), 3);
    image b = { 5u << 20, 2, 0, NULL, 0 };
    CHECK(put_reads_back(s, &b, 43));
    CHECK_INT(count(path, "SELECT count(*) FROM app_state WHERE name = 'x'"), 3);   /* 2 chunks + the marker */
    image e = { 0, 3, 0, NULL, 0 };                         /* an empty image: nothing kept */
    CHECK_INT(s->ops->state_put(s, "x", 44, fill, &e), STORE_OK);
    CHECK_INT(s->ops->state_get(s, "x", &m, verify, &(check){ 0, 0, true }), STORE_NOT_FOUND);
    tmpdb_drop(s, path);
}

/* A write that fails half way leaves the previous image as it was; the next
 * write clears what the failed one left. */
TEST(failed_write_keeps_the_old_image) {
    char path[128];
    store *s = tmpdb_open(path, "");
    image a = { 6u << 20, 1, 0, NULL, 0 };
    CHECK(put_reads_back(s, &a, 7));
    image bad = { 20u << 20, 2, 10u << 20, NULL, 0 };
    CHECK(s->ops->state_put(s, "x", 8, fill, &bad) != STORE_OK);
    CHECK(strstr(store_errmsg(s), "keep state") != NULL);
    CHECK(image_is(s, "x", a.n, 1, 7));
    CHECK(count(path, "SELECT count(*) FROM app_state WHERE name = 'x' AND part >= 2 * 1048576") > 0);   /* the dead write's chunks */
    image c = { 1u << 20, 3, 0, NULL, 0 };
    CHECK(put_reads_back(s, &c, 9));
    CHECK_INT(count(path, "SELECT count(*) FROM app_state WHERE name = 'x'"), 2);
    tmpdb_drop(s, path);
}

/* A process that died after switching to a new image, before it removed
 * the old one: those chunks go with the next write. */
TEST(chunks_of_older_generations_go_with_the_next_write) {
    char path[128];
    store *s = tmpdb_open(path, "");
    image a = { 3u << 20, 1, 0, NULL, 0 }, b = { 2u << 20, 2, 0, NULL, 0 };
    CHECK(put_reads_back(s, &a, 1));
    sqlite3 *db;
    sqlite3_open(path, &db);
    CHECK_INT(sqlite3_exec(db, "CREATE TABLE keep AS SELECT * FROM app_state WHERE part >= 0", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    CHECK(put_reads_back(s, &b, 2));
    sqlite3_open(path, &db);   /* generation 1's chunks back, as the dead process left them */
    CHECK_INT(sqlite3_exec(db, "INSERT INTO app_state SELECT * FROM keep; DROP TABLE keep", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    CHECK(image_is(s, "x", b.n, 2, 2));
    image c = { 1u << 20, 3, 0, NULL, 0 };
    CHECK(put_reads_back(s, &c, 3));
    CHECK_INT(count(path, "SELECT count(*) FROM app_state WHERE name = 'x'"), 2);   /* one chunk + the marker */
    tmpdb_drop(s, path);
}

/* A database from before the markers: one image at parts 0, 1, .. */
TEST(image_from_before_markers_is_read_then_replaced) {
    char path[128];
    store *s = tmpdb_open(path, "");
    sqlite3 *db;
    sqlite3_open(path, &db);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "INSERT INTO app_state(name, part, mark, data) VALUES ('x', ?1, 5, ?2)", -1, &st, NULL);
    size_t half = 3u << 19;
    unsigned char *b = malloc(half);
    for (int part = 0; part < 2; part++) {
        for (size_t i = 0; i < half; i++) b[i] = (unsigned char)(((part * half + i) * 7 + 4) & 255);
        sqlite3_bind_int(st, 1, part);
        sqlite3_bind_blob(st, 2, b, (int)half, SQLITE_STATIC);
        CHECK_INT(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    free(b);
    sqlite3_finalize(st);
    sqlite3_close(db);
    CHECK(image_is(s, "x", 2 * half, 4, 5));
    image a = { 2u << 20, 6, 0, NULL, 0 };
    CHECK(put_reads_back(s, &a, 6));
    CHECK_INT(count(path, "SELECT count(*) FROM app_state WHERE name = 'x' AND part >= 0 AND part < 1048576"), 0);
    tmpdb_drop(s, path);
}

/* Writing a 40 MB image, the store lets another thread's write through in
 * the middle of it (each chunk is a transaction of its own). */
TEST(other_writers_get_their_turn_between_chunks) {
    char path[128];
    store *s = tmpdb_open(path, "");
    image a = { 40u << 20, 1, 0, s, 0 };
    CHECK(put_reads_back(s, &a, 1));
    CHECK_INT(a.others_done, 1);
    tmpdb_drop(s, path);
}

/* A group's summary: n members, member i written by author i % writers
 * (every third one by address only), times rising with i. */
static void group_of(store *s, const char *path, int n, int writers, int64_t *gid) {
    int64_t cons;
    CHECK_INT(s->ops->consultation_add(s, STR_LIT("c"), (str){0}, (str){0}, &cons), STORE_OK);
    store_new_msg *m = calloc((size_t)n, sizeof *m);
    int64_t *ids = calloc((size_t)n, sizeof *ids);
    char (*who)[16] = calloc((size_t)n, 16), (*when)[24] = calloc((size_t)n, 24);
    for (int i = 0; i < n; i++) {
        snprintf(who[i], 16, "w%d", i % writers);
        snprintf(when[i], 24, "2026-11-%02dT%02d:%02d:00Z", 1 + i / 1440 % 28, i / 60 % 24, i % 60);
        m[i] = (store_new_msg){ .consultation_id = cons, .title = STR_LIT("t"), .body = STR_LIT("b"), .type = STR_LIT("建议"),
                                .created_at = { when[i], strlen(when[i]) } };
        if (i % 3) m[i].author = (str){ who[i], strlen(who[i]) };
        else m[i].author_ip = (str){ who[i], strlen(who[i]) };
    }
    size_t dups = 0;
    CHECK_INT(s->ops->msg_import(s, m, (size_t)n, ids, &dups), STORE_OK);
    *gid = ids[0];
    sqlite3 *db;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char q[160];
    snprintf(q, sizeof q, "UPDATE messages SET group_id = %lld WHERE id BETWEEN %lld AND %lld",
             (long long)ids[0], (long long)ids[0], (long long)ids[n - 1]);
    CHECK_INT(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    free(m); free(ids); free(who); free(when);
}

TEST(group_summary_exact_up_to_ten_thousand_then_writers_among_the_newest) {
    struct { int n, writers, authors, counted; const char *last; } cases[] = {
        { 300, 7, 7, 300, "2026-11-01T04:59:00Z" },
        { 10000, 10000, 10000, 10000, "2026-11-07T22:39:00Z" },
        /* 12,000 members by 11,000 writers: the newest 10,000 (members
         * 2,000-11,999) are by writers 0-999 and 2,000-10,999: all distinct. */
        { 12000, 11000, 10000, 10000, "2026-11-09T07:59:00Z" },
        { 12000, 40, 40, 10000, "2026-11-09T07:59:00Z" },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char path[128];
        store *s = tmpdb_open(path, "");
        if (!s) { CHECK(0); return; }
        int64_t gid;
        group_of(s, path, cases[k].n, cases[k].writers, &gid);
        json_t *o = NULL;
        CHECK_INT(s->ops->group_members(s, gid, 5, &o), STORE_OK);
        if (o) {
            CHECK_INT(json_integer_value(json_object_get(o, "size")), cases[k].n);
            CHECK_INT(json_integer_value(json_object_get(o, "authors")), cases[k].authors);
            CHECK_INT(json_integer_value(json_object_get(o, "authors_counted")), cases[k].counted);
            CHECK_STR(json_string_value(json_object_get(o, "first_at")), "2026-11-01T00:00:00Z");
            CHECK_STR(json_string_value(json_object_get(o, "last_at")), cases[k].last);
            CHECK_INT(json_array_size(json_object_get(o, "members")), 5);
            json_decref(o);
        }
        CHECK_INT(s->ops->group_members(s, gid + cases[k].n + 5, 5, &o), STORE_NOT_FOUND);
        tmpdb_drop(s, path);
    }
}

/* A whole-group reply in steps: each step reads at most max members in id
 * order and answers the open ones; members that came after the job began
 * are not part of it; a finished job answers nothing more. */
TEST(group_reply_in_steps_answers_each_open_member_once) {
    char path[128];
    store *s = tmpdb_open(path, "");
    if (!s) { CHECK(0); return; }
    int64_t gid;
    group_of(s, path, 450, 7, &gid);
    int64_t rid, job, n;
    bool fin;
    CHECK_INT(s->ops->reply_add(s, gid + 3, 0, 0, STR_LIT("先答复一条"), &rid), STORE_OK);
    CHECK_INT(s->ops->group_reply_start(s, gid, 0, 0, STR_LIT("统一答复"), &job), STORE_OK);
    /* A member after the job began. */
    int64_t later;
    store_new_msg m = { .consultation_id = 1, .title = STR_LIT("t"), .body = STR_LIT("b"), .type = STR_LIT("建议") };
    size_t dups;
    CHECK_INT(s->ops->msg_import(s, &m, 1, &later, &dups), STORE_OK);
    sqlite3 *db;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char q[200];
    snprintf(q, sizeof q, "UPDATE messages SET group_id = %lld WHERE id = %lld", (long long)gid, (long long)later);
    CHECK_INT(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    const int64_t want[][2] = { { 199, 0 }, { 200, 0 }, { 50, 1 }, { 0, 1 } };
    for (int k = 0; k < 4; k++) {
        CHECK_INT(s->ops->group_reply_step(s, job, 200, &n, &fin), STORE_OK);
        CHECK_INT(n, want[k][0]);
        CHECK_INT(fin, want[k][1]);
    }
    json_t *o = NULL;
    CHECK_INT(s->ops->group_reply_get(s, job, &o), STORE_OK);
    if (o) {
        CHECK_INT(json_integer_value(json_object_get(o, "replied")), 449);
        CHECK_STR(json_string_value(json_object_get(o, "status")), "done");
        json_decref(o);
    }
    snprintf(q, sizeof q, "SELECT count(*) FROM messages m WHERE group_id = %lld AND state = 'replied' "
             "AND (SELECT count(*) FROM replies r WHERE r.message_id = m.id) = 1", (long long)gid);
    CHECK_INT(count(path, q), 450);
    snprintf(q, sizeof q, "SELECT state = 'new' FROM messages WHERE id = %lld", (long long)later);
    CHECK_INT(count(path, q), 1);
    CHECK_INT(s->ops->group_reply_unfinished(s, &job), STORE_OK);
    CHECK_INT(job, 0);
    /* Another department's job answers none of them. */
    CHECK_INT(s->ops->group_reply_start(s, gid, 1, 0, STR_LIT("别的部门"), &job), STORE_OK);
    CHECK_INT(s->ops->group_reply_unfinished(s, &n), STORE_OK);
    CHECK_INT(n, job);
    CHECK_INT(s->ops->group_reply_step(s, job, 1000, &n, &fin), STORE_OK);
    CHECK_INT(n, 0);
    CHECK_INT(fin, 1);
    CHECK_INT(s->ops->group_reply_get(s, job + 1, &o), STORE_NOT_FOUND);
    CHECK_INT(s->ops->group_reply_step(s, job + 1, 10, &n, &fin), STORE_NOT_FOUND);
    tmpdb_drop(s, path);
}

/* One message imported into consultation 1; its id. */
static int64_t one_message(store *s) {
    store_new_msg m = { .consultation_id = 1, .title = STR_LIT("桥"), .body = STR_LIT("桥"), .type = STR_LIT("建议") };
    int64_t id = 0;
    size_t dups;
    CHECK_INT(s->ops->msg_import(s, &m, 1, &id, &dups), STORE_OK);
    return id;
}

/* A merge moves a small group's rows at once and records a big group's,
 * moved later a step at a time; a merge recorded into a group that is
 * itself merged away goes on to where that group went. */
TEST(a_big_groups_merge_is_moved_in_steps) {
    char path[128];
    store *s = tmpdb_open(path, "");
    if (!s) { CHECK(0); return; }
    int64_t g0, ga, gb, gc;
    group_of(s, path, 10, 3, &g0);
    group_of(s, path, 10, 3, &ga);
    group_of(s, path, 2500, 7, &gb);
    group_of(s, path, 10, 3, &gc);
    int64_t x = one_message(s), y = one_message(s);
    const int64_t m1[] = { gb, gc }, m2[] = { ga };
    store_analysis a = { .id = x, .group_id = ga, .merged = m1, .nmerged = 2 };
    CHECK_INT(s->ops->analysis_apply(s, &a, 1, NULL, 0), STORE_OK);
    char q[240];
    snprintf(q, sizeof q, "SELECT (SELECT count(*) FROM messages WHERE group_id = %lld) * 10000 + (SELECT count(*) FROM messages WHERE group_id = %lld)",
             (long long)ga, (long long)gb);
    CHECK_INT(count(path, q), 21 * 10000 + 2500);          /* the small one moved, the big one waits */
    CHECK_INT(count(path, "SELECT count(*) FROM group_moves WHERE finished_at IS NULL AND size = 2500"), 1);
    store_analysis b = { .id = y, .group_id = g0, .merged = m2, .nmerged = 1 };
    CHECK_INT(s->ops->analysis_apply(s, &b, 1, NULL, 0), STORE_OK);
    snprintf(q, sizeof q, "SELECT into_group FROM group_moves WHERE from_group = %lld", (long long)gb);
    CHECK_INT(count(path, q), g0);                          /* where ga went */
    const struct { int64_t moved; bool more; } want[] = { { 1000, true }, { 1000, true }, { 500, false }, { 0, false } };
    for (int k = 0; k < 4; k++) {
        int64_t moved;
        bool more;
        CHECK_INT(s->ops->group_move_step(s, 1000, &moved, &more), STORE_OK);
        CHECK_INT(moved, want[k].moved);
        CHECK_INT(more, want[k].more);
    }
    snprintf(q, sizeof q, "SELECT count(*) FROM messages WHERE group_id = %lld", (long long)g0);
    CHECK_INT(count(path, q), 10 + 10 + 2500 + 10 + 2);
    /* The groups' sizes as the triggers kept them: a recount agrees. */
    CHECK_INT(count(path, "SELECT count(*) FROM (SELECT group_id AS g, count(*) AS n FROM messages WHERE group_id IS NOT NULL GROUP BY 1) x "
                             "FULL JOIN (SELECT id AS g, size AS n FROM msg_groups WHERE size <> 0) k ON k.g = x.g WHERE x.n IS NOT k.n"), 0);
    CHECK_INT(count(path, "SELECT count(*) FROM events WHERE kind = 'group_merged' AND json_extract(detail, '$.in_steps')"), 1);
    CHECK_INT(count(path, "SELECT moved FROM group_moves"), 2500);
    tmpdb_drop(s, path);
}

/* A whole-group reply to a group whose merged-in rows have not moved yet
 * waits for the move, then answers them too. */
TEST(group_reply_waits_for_the_rows_merged_in) {
    char path[128];
    store *s = tmpdb_open(path, "");
    if (!s) { CHECK(0); return; }
    int64_t ga, gb;
    group_of(s, path, 10, 3, &ga);
    group_of(s, path, 2500, 7, &gb);
    int64_t x = one_message(s);
    const int64_t m1[] = { gb };
    store_analysis a = { .id = x, .group_id = ga, .merged = m1, .nmerged = 1 };
    CHECK_INT(s->ops->analysis_apply(s, &a, 1, NULL, 0), STORE_OK);
    int64_t job, n, moved;
    bool fin, more;
    CHECK_INT(s->ops->group_reply_start(s, ga, 0, 0, STR_LIT("统一答复"), &job), STORE_OK);
    CHECK_INT(s->ops->group_reply_step(s, job, 200, &n, &fin), STORE_OK);
    CHECK_INT(n, 0);
    CHECK_INT(fin, 0);
    do CHECK_INT(s->ops->group_move_step(s, 1000, &moved, &more), STORE_OK); while (more);
    int64_t total = 0;
    for (int k = 0; k < 100 && !fin; k++) {
        CHECK_INT(s->ops->group_reply_step(s, job, 200, &n, &fin), STORE_OK);
        total += n;
    }
    CHECK_INT(fin, 1);
    CHECK_INT(total, 10 + 2500 + 1);
    tmpdb_drop(s, path);
}
