/* sqlite_search_test.c: tests for src/store/sqlite_search.c: exact totals
 * and relevance order for narrow queries, relevance within the newest 1,000
 * matches and an estimated total for broad ones, paging, 1-character
 * queries, and only analyzed messages found. */
#include "test.h"
#include "store/store.h"
#include <stdlib.h>
#include <unistd.h>

static store *fresh(char *path) {
    snprintf(path, 128, "/tmp/minyi_search_%d_%d.db", getpid(), rand());
    char uri[160], err[256];
    snprintf(uri, sizeof uri, "sqlite:%s?sync=normal", path);
    store *s = NULL;
    if (store_open(uri, &s, err, sizeof err)) fprintf(stderr, "  open: %s\n", err);
    return s;
}

static void drop(store *s, const char *path) {
    store_close(s);
    char p[160];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path); unlink(p);
    snprintf(p, sizeof p, "%s-shm", path); unlink(p);
}

#define BROAD 1500
#define NARROW 10

/* BROAD messages about street lights, NARROW about a mixing plant among
 * them; all analyzed (hence indexed) but the last, which is pending. */
static store *setup(char *path, int64_t *first, int64_t *last) {
    store *s = fresh(path);
    int64_t cons;
    CHECK_INT(s->ops->consultation_add(s, STR_LIT("测试"), STR_LIT(""), STR_LIT("board"), &cons), STORE_OK);
    int n = BROAD + 1;
    store_new_msg *m = calloc((size_t)n, sizeof *m);
    char (*body)[64] = calloc((size_t)n, 64);
    int64_t *ids = calloc((size_t)n, sizeof *ids);
    for (int i = 0; i < n; i++) {
        if (i % (BROAD / NARROW) == 0) snprintf(body[i], 64, "搅拌站噪音扰民，路边第%d号", i);
        else snprintf(body[i], 64, "路灯不亮，第%d号", i);
        m[i] = (store_new_msg){ .consultation_id = cons, .title = str_c(body[i]), .body = str_c(body[i]), .type = STR_LIT("投诉") };
    }
    size_t dups;
    CHECK_INT(s->ops->msg_import(s, m, (size_t)n, ids, &dups), STORE_OK);
    store_analysis *a = calloc((size_t)n, sizeof *a);
    for (int i = 0; i < n - 1; i++) a[i] = (store_analysis){ .id = ids[i], .confidence = -1 };
    CHECK_INT(s->ops->analysis_apply(s, a, (size_t)n - 1, NULL, 0), STORE_OK);
    *first = ids[0]; *last = ids[n - 2];
    free(m); free(body); free(ids); free(a);
    return s;
}

static int64_t id_at(json_t *o, size_t i) { return json_integer_value(json_object_get(json_array_get(json_object_get(o, "results"), i), "id")); }

TEST(narrow_query_exact_total_and_paging) {
    char p[128];
    int64_t first, last;
    store *s = setup(p, &first, &last);
    json_t *o;
    CHECK_INT(s->ops->search(s, STR_LIT("搅拌站"), 0, 4, 0, &o), STORE_OK);
    CHECK_INT(json_integer_value(json_object_get(o, "total")), NARROW);
    CHECK(json_is_false(json_object_get(o, "total_approx")));
    CHECK_STR(json_string_value(json_object_get(o, "order")), "relevance");
    CHECK_INT(json_array_size(json_object_get(o, "results")), 4);
    json_decref(o);
    CHECK_INT(s->ops->search(s, STR_LIT("搅拌站"), 0, 4, 8, &o), STORE_OK);
    CHECK_INT(json_array_size(json_object_get(o, "results")), 2);    /* the last page */
    json_decref(o);
    drop(s, p);
}

TEST(broad_one_character_query_ranked_in_a_window_estimated) {
    char p[128];
    int64_t first, last;
    store *s = setup(p, &first, &last);
    json_t *o;
    CHECK_INT(s->ops->search(s, STR_LIT("路"), 0, 20, 0, &o), STORE_OK);
    CHECK(json_is_true(json_object_get(o, "total_approx")));
    CHECK_STR(json_string_value(json_object_get(o, "order")), "relevance");
    CHECK_INT(json_integer_value(json_object_get(o, "window")), 1000);   /* ranked among the newest 1,000 */
    json_int_t total = json_integer_value(json_object_get(o, "total"));
    CHECK(total >= BROAD * 9 / 10 && total <= BROAD * 11 / 10);      /* every message has 路, evenly */
    CHECK_INT(json_array_size(json_object_get(o, "results")), 20);
    /* The window is the newest matches: nothing older than it, the pending message never. */
    for (size_t i = 0; i < 20; i++) CHECK(id_at(o, i) > last - 1000 && id_at(o, i) <= last);
    int64_t seen[40];
    for (size_t i = 0; i < 20; i++) seen[i] = id_at(o, i);
    json_decref(o);
    CHECK_INT(s->ops->search(s, STR_LIT("路"), 0, 20, 20, &o), STORE_OK);   /* page 2 continues, no repeats */
    CHECK_INT(json_array_size(json_object_get(o, "results")), 20);
    for (size_t i = 0; i < 20; i++) {
        seen[20 + i] = id_at(o, i);
        for (size_t j = 0; j < 20 + i; j++) CHECK(seen[j] != seen[20 + i]);
    }
    json_decref(o);
    CHECK_INT(s->ops->search(s, STR_LIT("路"), 0, 20, 1000, &o), STORE_OK);   /* past the window: nothing */
    CHECK_INT(json_array_size(json_object_get(o, "results")), 0);
    json_decref(o);
    CHECK_INT(s->ops->search(s, STR_LIT("灯"), 0, 5, 0, &o), STORE_OK);
    CHECK(json_is_true(json_object_get(o, "total_approx")));
    json_decref(o);
    /* two characters standing together only: 路边 is in the narrow ones */
    CHECK_INT(s->ops->search(s, STR_LIT("路边"), 0, 20, 0, &o), STORE_OK);
    CHECK_INT(json_integer_value(json_object_get(o, "total")), NARROW);
    json_decref(o);
    drop(s, p);
}

/* Relevance: a match in the title and a repeated match outrank one
 * mention deep in a long body, among the 1,000 newest as over all. */
TEST(ranking_prefers_title_and_repeated_matches) {
    char p[128];
    int64_t first, last;
    store *s = setup(p, &first, &last);
    store_new_msg m[3] = {
        { .consultation_id = 1, .title = STR_LIT("路灯的问题"), .body = STR_LIT("晚上回家很黑，路过的人都说看不清，顺便说一下楼下有点噪音，希望有关部门尽快处理，谢谢"), .type = STR_LIT("投诉") },
        { .consultation_id = 1, .title = STR_LIT("噪音扰民"), .body = STR_LIT("工地噪音太大，夜里噪音不停"), .type = STR_LIT("投诉") },
        { .consultation_id = 1, .title = STR_LIT("其他"), .body = STR_LIT("没有关系的内容"), .type = STR_LIT("投诉") },
    };
    int64_t ids[3];
    size_t dups;
    CHECK_INT(s->ops->msg_import(s, m, 3, ids, &dups), STORE_OK);
    store_analysis a[3];
    for (int i = 0; i < 3; i++) a[i] = (store_analysis){ .id = ids[i], .confidence = -1 };
    CHECK_INT(s->ops->analysis_apply(s, a, 3, NULL, 0), STORE_OK);
    json_t *o;
    CHECK_INT(s->ops->search(s, STR_LIT("噪音"), 0, 20, 0, &o), STORE_OK);
    CHECK(json_is_false(json_object_get(o, "total_approx")));
    CHECK_INT(json_integer_value(json_object_get(o, "total")), NARROW + 2);
    CHECK_INT(id_at(o, 0), ids[1]);                 /* in the title, three times */
    size_t n = json_array_size(json_object_get(o, "results"));
    bool long_one_last = n == NARROW + 2 && id_at(o, n - 1) == ids[0];
    CHECK(long_one_last);                           /* once, in a long body */
    json_decref(o);
    drop(s, p);
}

TEST(reimport_adds_nothing) {
    char p[128];
    int64_t first, last;
    store *s = setup(p, &first, &last);
    store_new_msg m[2] = {
        { .consultation_id = 1, .title = STR_LIT("甲"), .body = STR_LIT("甲"), .type = STR_LIT("投诉"), .source_id = STR_LIT("A1") },
        { .consultation_id = 1, .title = STR_LIT("乙"), .body = STR_LIT("乙"), .type = STR_LIT("投诉"), .source_id = STR_LIT("A2") },
    };
    int64_t ids[2];
    size_t dups;
    CHECK_INT(s->ops->msg_import(s, m, 2, ids, &dups), STORE_OK);
    CHECK_INT(dups, 0);
    CHECK(ids[0] > 0 && ids[1] > ids[0]);
    CHECK_INT(s->ops->msg_import(s, m, 2, ids, &dups), STORE_OK);
    CHECK_INT(dups, 2);
    CHECK_INT(ids[0], 0);
    m[1].source_id = STR_LIT("A3");
    CHECK_INT(s->ops->msg_import(s, m, 2, ids, &dups), STORE_OK);
    CHECK_INT(dups, 1);
    CHECK(ids[1] > 0);
    drop(s, p);
}
