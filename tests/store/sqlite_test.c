/* sqlite_test.c: tests for src/store/sqlite.c through store.h: migrations,
 * constraints, messages with hostile text, sessions, transactions. */
#include "test.h"
#include "store/store.h"
#include "tmpdb.h"
#include <stdlib.h>
#include <unistd.h>

static store *fresh(char *path) { return tmpdb_open(path, ""); }
static void drop(store *s, const char *path) { tmpdb_drop(s, path); }

TEST(open_refuses_bad_uris) {
    store *s; char err[256];
    CHECK(store_open("postgres://x/y", &s, err, sizeof err) != 0);
    CHECK(strstr(err, "PostgreSQL") != NULL);
    CHECK(store_open("mysql://x", &s, err, sizeof err) != 0);
    CHECK(store_open("sqlite:", &s, err, sizeof err) != 0);
    CHECK(store_open("sqlite:/nonexistent-dir/x.db", &s, err, sizeof err) != 0);
    CHECK(store_open("sqlite:/tmp/x.db?sync=sometimes", &s, err, sizeof err) != 0);
    CHECK(strstr(err, "sync") != NULL);
}

TEST(reopen_keeps_data_and_schema_version) {
    char path[128];
    store *s = fresh(path);
    CHECK(s != NULL);
    int64_t id;
    CHECK_INT(s->ops->dept_add(s, STR_LIT("交通运输局"), &id), STORE_OK);
    store_close(s);
    char uri[160], err[256];
    snprintf(uri, sizeof uri, "sqlite:%s?sync=normal", path);
    CHECK_INT(store_open(uri, &s, err, sizeof err), 0);
    int64_t found = 0;
    CHECK_INT(s->ops->dept_find(s, STR_LIT("交通运输局"), &found), STORE_OK);
    CHECK_INT(found, id);
    drop(s, path);
}

TEST(unique_and_foreign_keys) {
    char path[128];
    store *s = fresh(path);
    int64_t d, u;
    CHECK_INT(s->ops->dept_add(s, STR_LIT("A"), &d), STORE_OK);
    CHECK_INT(s->ops->dept_add(s, STR_LIT("A"), &d), STORE_CONFLICT);
    CHECK_INT(s->ops->user_add(s, STR_LIT("h"), "hash", "handler", d, &u), STORE_OK);
    CHECK_INT(s->ops->user_add(s, STR_LIT("h"), "hash", "handler", d, &u), STORE_CONFLICT);
    CHECK_INT(s->ops->user_add(s, STR_LIT("x"), "hash", "handler", 9999, &u), STORE_INVALID);   /* no such department */
    CHECK_INT(s->ops->user_add(s, STR_LIT("y"), "hash", "emperor", 0, &u), STORE_INVALID);      /* role CHECK */
    store_user su;
    CHECK_INT(s->ops->user_get(s, STR_LIT("h"), &su), STORE_OK);
    CHECK_STR(su.role, "handler");
    CHECK_STR(su.department, "A");
    CHECK_INT(s->ops->user_get(s, STR_LIT("nobody"), &su), STORE_NOT_FOUND);
    drop(s, path);
}

TEST(messages_keep_hostile_text_exactly) {
    char path[128];
    store *s = fresh(path);
    int64_t c, id;
    CHECK_INT(s->ops->consultation_add(s, STR_LIT("征求意见"), STR_LIT(""), STR_LIT("board"), &c), STORE_OK);
    /* 1 MB body with quotes, SQL and an embedded NUL: stored byte for byte. */
    size_t n = 1 << 20;
    char *body = malloc(n);
    for (size_t i = 0; i < n; i++) body[i] = "x'\";--<>\0"[i % 9];
    store_new_msg m = { .consultation_id = c, .title = STR_LIT("'); DROP TABLE messages;--"),
                        .body = { body, n }, .type = STR_LIT("建议") };
    char code[20];
    CHECK_INT(s->ops->msg_add(s, &m, &id, code), STORE_OK);
    CHECK_INT(strlen(code), 14);
    store_msg got;
    CHECK_INT(s->ops->msg_get_code(s, str_c(code), &got), STORE_OK);
    CHECK_STR(got.title, "'); DROP TABLE messages;--");
    CHECK_STR(got.state, "new");
    CHECK(got.region == NULL && got.phone == NULL);
    CHECK_INT(got.department_id, 0);
    store_msg_clear(&got);
    m.consultation_id = 424242;   /* unknown consultation */
    CHECK_INT(s->ops->msg_add(s, &m, &id, code), STORE_INVALID);
    free(body);
    drop(s, path);
}

TEST(reply_changes_state_and_is_audited) {
    char path[128];
    store *s = fresh(path);
    int64_t c, d, u, id, rid;
    s->ops->dept_add(s, STR_LIT("D"), &d);
    s->ops->user_add(s, STR_LIT("h"), "hash", "handler", d, &u);
    s->ops->consultation_add(s, STR_LIT("C"), (str){0}, (str){0}, &c);
    store_new_msg m = { .consultation_id = c, .title = STR_LIT("t"), .body = STR_LIT("b"), .type = STR_LIT("投诉"), .department_id = d };
    char code[20];
    CHECK_INT(s->ops->msg_add(s, &m, &id, code), STORE_OK);
    store_msg got;
    CHECK_INT(s->ops->msg_get(s, id, &got), STORE_OK);
    CHECK_STR(got.state, "assigned");
    CHECK_STR(got.department, "D");
    store_msg_clear(&got);
    CHECK_INT(s->ops->reply_add(s, id, u, d, STR_LIT("答复"), &rid), STORE_OK);
    CHECK_INT(s->ops->msg_get(s, id, &got), STORE_OK);
    CHECK_STR(got.state, "replied");
    store_msg_clear(&got);
    json_t *reps, *ev;
    CHECK_INT(s->ops->msg_replies(s, id, &reps), STORE_OK);
    CHECK_INT(json_array_size(reps), 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(reps, 0), "body")), "答复");
    json_decref(reps);
    CHECK_INT(s->ops->event_list(s, id, &ev), STORE_OK);
    CHECK_INT(json_array_size(ev), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(ev, 0), "kind")), "created");
    CHECK_STR(json_string_value(json_object_get(json_array_get(ev, 1), "kind")), "reply");
    json_decref(ev);
    /* a reply to a missing message fails and leaves nothing behind */
    CHECK(s->ops->reply_add(s, 99999, u, d, STR_LIT("x"), &rid) != STORE_OK);
    CHECK_INT(s->ops->msg_replies(s, 99999, &reps), STORE_OK);
    CHECK_INT(json_array_size(reps), 0);
    json_decref(reps);
    drop(s, path);
}

TEST(inbox_filters_by_department_and_state) {
    char path[128];
    store *s = fresh(path);
    int64_t c, d1, d2, id;
    s->ops->dept_add(s, STR_LIT("D1"), &d1);
    s->ops->dept_add(s, STR_LIT("D2"), &d2);
    s->ops->consultation_add(s, STR_LIT("C"), (str){0}, (str){0}, &c);
    char code[20];
    for (int i = 0; i < 5; i++) {
        store_new_msg m = { .consultation_id = c, .title = STR_LIT("t"), .body = STR_LIT("b"), .type = STR_LIT("建议"),
                            .department_id = i < 3 ? d1 : (i == 3 ? d2 : 0) };
        s->ops->msg_add(s, &m, &id, code);
    }
    json_t *o;
    store_inbox_query q = { .department_id = d1 };
    CHECK_INT(s->ops->inbox(s, &q, &o), STORE_OK);
    CHECK_INT(json_integer_value(json_object_get(o, "total")), 3);
    json_decref(o);
    /* With a filter there is no cheap exact total: the page says so (null). */
    q = (store_inbox_query){ .state = "new" };
    CHECK_INT(s->ops->inbox(s, &q, &o), STORE_OK);
    CHECK(json_is_null(json_object_get(o, "total")));
    CHECK_INT(json_array_size(json_object_get(o, "messages")), 1);
    json_decref(o);
    q = (store_inbox_query){ .limit = 2 };
    CHECK_INT(s->ops->inbox(s, &q, &o), STORE_OK);
    CHECK_INT(json_integer_value(json_object_get(o, "total")), 5);
    CHECK_INT(json_array_size(json_object_get(o, "messages")), 2);
    /* The next page from the cursor, then the last. */
    const char *next = json_string_value(json_object_get(o, "next"));
    CHECK(next != NULL);
    q.after = next;
    json_t *o2;
    CHECK_INT(s->ops->inbox(s, &q, &o2), STORE_OK);
    CHECK_INT(json_array_size(json_object_get(o2, "messages")), 2);
    CHECK(json_integer_value(json_object_get(json_array_get(json_object_get(o2, "messages"), 0), "id"))
          < json_integer_value(json_object_get(json_array_get(json_object_get(o, "messages"), 1), "id")));
    json_decref(o2);
    q.after = "due.x.1";
    CHECK_INT(s->ops->inbox(s, &q, &o2), STORE_INVALID);   /* a cursor of another order */
    json_decref(o);
    q = (store_inbox_query){ .triage = true };
    CHECK_INT(s->ops->inbox(s, &q, &o), STORE_OK);
    CHECK_INT(json_integer_value(json_object_get(o, "total")), 1);
    json_decref(o);
    drop(s, path);
}

/* Keyset pages cover every message exactly once, newest first, with any
 * filter, deep pages included; cursors of another shape are refused. */
TEST(inbox_keyset_pages_cover_everything_once) {
    char path[128];
    store *s = fresh(path);
    int64_t c, d1, d2, id;
    s->ops->dept_add(s, STR_LIT("D1"), &d1);
    s->ops->dept_add(s, STR_LIT("D2"), &d2);
    s->ops->consultation_add(s, STR_LIT("C"), (str){0}, (str){0}, &c);
    char code[20];
    enum { N = 503 };
    static unsigned char seen[N + 2];
    for (int i = 0; i < N; i++) {
        store_new_msg m = { .consultation_id = c, .title = STR_LIT("t"), .body = STR_LIT("b"), .type = STR_LIT("建议"),
                            .department_id = i % 3 == 0 ? d1 : i % 3 == 1 ? d2 : 0 };
        CHECK_INT(s->ops->msg_add(s, &m, &id, code), STORE_OK);
        CHECK(id <= N);
    }
    const int64_t depts[] = { 0, d1, d2 };
    const int limits[] = { 1, 7, 50, 500 };
    for (int k = 0; k < 3; k++) for (int l = 0; l < 4; l++) {
        memset(seen, 0, sizeof seen);
        char after[64] = "";
        int pages = 0, count = 0;
        int64_t prev = INT64_MAX;
        for (;;) {
            store_inbox_query q = { .department_id = depts[k], .limit = limits[l], .after = after[0] ? after : NULL };
            json_t *o;
            if (s->ops->inbox(s, &q, &o) != STORE_OK) { CHECK(0); break; }
            size_t i; json_t *m;
            json_array_foreach(json_object_get(o, "messages"), i, m) {
                int64_t mid = json_integer_value(json_object_get(m, "id"));
                CHECK(mid < prev);                          /* newest first, never again */
                prev = mid;
                if (mid > 0 && mid <= N) seen[mid]++;
                count++;
                if (depts[k]) CHECK_INT(json_integer_value(json_object_get(m, "department_id")), depts[k]);
            }
            CHECK(json_array_size(json_object_get(o, "messages")) <= (size_t)limits[l]);
            json_t *next = json_object_get(o, "next");
            pages++;
            if (json_is_null(next)) { json_decref(o); break; }
            snprintf(after, sizeof after, "%s", json_string_value(next));
            json_decref(o);
            if (pages > N + 1) { CHECK(0); break; }
        }
        int want = depts[k] == d1 ? (N + 2) / 3 : depts[k] == d2 ? (N + 1) / 3 : N;
        CHECK_INT(count, want);
        for (int i = 1; i <= N; i++) if (seen[i] > 1) { CHECK_INT(seen[i], 1); break; }
    }
    json_t *o;
    store_inbox_query bad = { .after = "id.x.5" };
    CHECK_INT(s->ops->inbox(s, &bad, &o), STORE_INVALID);
    bad.after = "due.2026-01-01.5";
    CHECK_INT(s->ops->inbox(s, &bad, &o), STORE_INVALID);
    bad.after = "id..-3";
    CHECK_INT(s->ops->inbox(s, &bad, &o), STORE_INVALID);
    bad = (store_inbox_query){ .sort = "title" };
    CHECK_INT(s->ops->inbox(s, &bad, &o), STORE_INVALID);
    drop(s, path);
}

TEST(sessions_expire) {
    char path[128];
    store *s = fresh(path);
    int64_t u;
    s->ops->user_add(s, STR_LIT("a"), "hash", "admin", 0, &u);
    CHECK_INT(s->ops->session_add(s, "tok1", u, "csrf1", 1000), STORE_OK);
    store_user su; char csrf[65];
    CHECK_INT(s->ops->session_get(s, "tok1", 999, &su, csrf), STORE_OK);
    CHECK_STR(csrf, "csrf1");
    CHECK_STR(su.login, "a");
    CHECK_INT(s->ops->session_get(s, "tok1", 1000, &su, csrf), STORE_NOT_FOUND);
    CHECK_INT(s->ops->session_del(s, "tok1"), STORE_OK);
    CHECK_INT(s->ops->session_get(s, "tok1", 0, &su, csrf), STORE_NOT_FOUND);
    drop(s, path);
}

/* Group commit: many threads adding at once all get their own id and code,
 * and every message is there afterwards. */
#include <pthread.h>
typedef struct { store *s; int64_t c; int64_t ids[50]; int fails; } adder;

static void *add_many(void *arg) {
    adder *a = arg;
    for (int i = 0; i < 50; i++) {
        store_new_msg m = { .consultation_id = a->c, .title = STR_LIT("并发"), .body = STR_LIT("同时提交"), .type = STR_LIT("建议") };
        char code[20];
        if (a->s->ops->msg_add(a->s, &m, &a->ids[i], code) != STORE_OK) a->fails++;
    }
    return NULL;
}

TEST(concurrent_adds_are_all_committed) {
    char path[128];
    store *s = fresh(path);
    int64_t c;
    s->ops->consultation_add(s, STR_LIT("C"), (str){0}, (str){0}, &c);
    adder a[8];
    pthread_t t[8];
    for (int i = 0; i < 8; i++) { a[i] = (adder){ .s = s, .c = c }; pthread_create(&t[i], NULL, add_many, &a[i]); }
    for (int i = 0; i < 8; i++) pthread_join(t[i], NULL);
    int fails = 0;
    for (int i = 0; i < 8; i++) fails += a[i].fails;
    CHECK_INT(fails, 0);
    json_t *o;
    CHECK_INT(s->ops->consultation_get(s, c, &o), STORE_OK);
    CHECK_INT(json_integer_value(json_object_get(o, "received_count")), 400);
    CHECK_INT(json_integer_value(json_object_get(o, "message_count")), 0);     /* none analyzed yet: none public */
    json_decref(o);
    /* ids are distinct */
    int dup = 0;
    for (int i = 0; i < 400; i++)
        for (int j = i + 1; j < 400; j++)
            dup += a[i / 50].ids[i % 50] == a[j / 50].ids[j % 50];
    CHECK_INT(dup, 0);
    drop(s, path);
}

/* Through the asynchronous path, with one bad message in every few: the
 * bad ones fail alone (their batch is retried message by message), every
 * good one is committed and reported with its id, and the figures count
 * exactly the committed ones. */
typedef struct { pthread_mutex_t mu; int ok, invalid, other, pending; pthread_cond_t cv; } async_tally;

static void added(void *ud, int rc, int64_t id, const char *code, const char *errmsg) {
    async_tally *t = ud;
    pthread_mutex_lock(&t->mu);
    if (rc == STORE_OK && id > 0 && code && strlen(code) == 14) t->ok++;
    else if (rc == STORE_INVALID && errmsg) t->invalid++;
    else t->other++;
    t->pending--;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

TEST(async_adds_fail_alone_and_are_counted) {
    char path[128];
    store *s = fresh(path);
    int64_t c;
    s->ops->consultation_add(s, STR_LIT("C"), (str){0}, (str){0}, &c);
    static store_new_msg m[300];
    async_tally t = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .pending = 300 };
    for (int i = 0; i < 300; i++) {
        m[i] = (store_new_msg){ .consultation_id = i % 7 == 3 ? 99999 : c, .title = STR_LIT("异步"), .body = STR_LIT("正文"),
                                .type = STR_LIT("建议") };
        CHECK_INT(s->ops->msg_add_async(s, &m[i], added, &t), STORE_OK);
    }
    pthread_mutex_lock(&t.mu);
    while (t.pending) pthread_cond_wait(&t.cv, &t.mu);
    pthread_mutex_unlock(&t.mu);
    int bad = 0;
    for (int i = 0; i < 300; i++) bad += i % 7 == 3;
    CHECK_INT(t.invalid, bad);
    CHECK_INT(t.ok, 300 - bad);
    CHECK_INT(t.other, 0);
    json_t *o;
    store_inbox_query q = { .limit = 1 };
    CHECK_INT(s->ops->inbox(s, &q, &o), STORE_OK);
    CHECK_INT(json_integer_value(json_object_get(o, "total")), 300 - bad);   /* from the figures */
    json_decref(o);
    CHECK_INT(s->ops->stats_verify(s, &o), STORE_OK);
    CHECK(json_is_true(json_object_get(o, "ok")));
    json_decref(o);
    drop(s, path);
}
