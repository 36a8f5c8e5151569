/* sqlite_search_test.c: tests for src/store/sqlite_search.c: exact totals
 * and relevance order for narrow queries, newest first with an estimated
 * total for broad ones (more than 1,000 matches), paging, 1-character
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

TEST(broad_one_character_query_newest_first_estimated) {
    char p[128];
    int64_t first, last;
    store *s = setup(p, &first, &last);
    json_t *o;
    CHECK_INT(s->ops->search(s, STR_LIT("路"), 0, 20, 0, &o), STORE_OK);
    CHECK(json_is_true(json_object_get(o, "total_approx")));
    CHECK_STR(json_string_value(json_object_get(o, "order")), "newest");
    json_int_t total = json_integer_value(json_object_get(o, "total"));
    CHECK(total >= BROAD * 9 / 10 && total <= BROAD * 11 / 10);      /* every message has 路, evenly */
    CHECK_INT(json_array_size(json_object_get(o, "results")), 20);
    CHECK_INT(id_at(o, 0), last);                                     /* the pending message is not found */
    for (size_t i = 1; i < 20; i++) CHECK(id_at(o, i) < id_at(o, i - 1));
    int64_t twentieth = id_at(o, 19);
    json_decref(o);
    CHECK_INT(s->ops->search(s, STR_LIT("路"), 0, 20, 20, &o), STORE_OK);   /* page 2 continues */
    CHECK(id_at(o, 0) < twentieth);
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
