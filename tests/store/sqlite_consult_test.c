/* sqlite_consult_test.c: tests for src/store/sqlite_consult.c. The
 * feedback report's largest groups are found two ways, by the size of the
 * consultation (walking its messages, or the groups from the largest
 * down); both must give exactly the groups a scan of a model gives: the
 * consultation's own, visible, of the minimum size or more, largest
 * first, ties by id, at most 50. */
#include "test.h"
#include "store/store.h"
#include "tmpdb.h"
#include <sqlite3.h>
#include <stdlib.h>

/* Above the size at which sqlite_consult.c walks the groups by size. */
enum { BIG = 20100, SMALL = 600, NGROUPS = 140 };

typedef struct { int64_t id, cons; int size; bool held; } group;
static group groups[NGROUPS];

static int by_size_then_id(const void *a, const void *b) {
    const group *x = a, *y = b;
    if (x->size != y->size) return x->size > y->size ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int64_t import(store *s, int64_t cons, int n) {
    store_new_msg *m = calloc((size_t)n, sizeof *m);
    int64_t *ids = calloc((size_t)n, sizeof *ids);
    for (int i = 0; i < n; i++) m[i] = (store_new_msg){ .consultation_id = cons, .title = STR_LIT("t"), .body = STR_LIT("b"),
                                                        .type = STR_LIT("建议") };
    size_t dups = 0;
    CHECK_INT(s->ops->msg_import(s, m, (size_t)n, ids, &dups), STORE_OK);
    int64_t first = ids[0];
    free(m); free(ids);
    return first;
}

/* The report's groups, checked against the model for one consultation. */
static void check_groups(store *s, int64_t cons, int min_group) {
    group want[NGROUPS];
    int nwant = 0;
    for (int i = 0; i < NGROUPS; i++)
        if (groups[i].cons == cons && !groups[i].held && groups[i].size >= min_group) want[nwant++] = groups[i];
    qsort(want, (size_t)nwant, sizeof *want, by_size_then_id);
    if (nwant > 50) nwant = 50;
    json_t *fb = NULL;
    CHECK_INT(s->ops->feedback(s, cons, min_group, &fb), STORE_OK);
    if (!fb) return;
    json_t *got = json_object_get(fb, "groups");
    CHECK_INT(json_array_size(got), nwant);
    for (int i = 0; i < nwant && i < (int)json_array_size(got); i++) {
        json_t *g = json_array_get(got, (size_t)i);
        CHECK_INT(json_integer_value(json_object_get(g, "group_id")), want[i].id);
        CHECK_INT(json_integer_value(json_object_get(g, "size")), want[i].size);
    }
    json_decref(fb);
}

TEST(feedback_largest_groups_match_a_scan_for_a_big_and_a_small_consultation) {
    char path[128];
    store *s = tmpdb_open(path, "");
    if (!s) { CHECK(0); return; }
    int64_t big, small;
    CHECK_INT(s->ops->consultation_add(s, STR_LIT("big"), (str){0}, (str){0}, &big), STORE_OK);
    CHECK_INT(s->ops->consultation_add(s, STR_LIT("small"), (str){0}, (str){0}, &small), STORE_OK);
    int64_t b0 = import(s, big, BIG), s0 = import(s, small, SMALL);
    /* Groups of 1-14 messages: in the big consultation many small ones
     * (more than 50, so the walk must stop), in the small one larger
     * ones, which a walk by size meets first and must pass over; some
     * heads held (not shown); every size tied several times. */
    sqlite3 *db;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt *st;
    CHECK_INT(sqlite3_prepare_v2(db, "UPDATE messages SET group_id = ?1 WHERE id BETWEEN ?1 AND ?1 + ?2 - 1", -1, &st, NULL), SQLITE_OK);
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    int64_t next_big = b0, next_small = s0;
    uint32_t seed = 7;
    for (int i = 0; i < NGROUPS; i++) {
        seed = seed * 1103515245u + 12345u;
        group *g = &groups[i];
        bool in_small = i % 4 == 0;
        g->size = in_small ? 6 + (int)((seed >> 8) % 9) : 1 + (int)((seed >> 8) % 8);
        g->cons = in_small ? small : big;
        g->id = in_small ? next_small : next_big;
        g->held = (seed >> 16) % 10 == 0;
        if (in_small) next_small += g->size; else next_big += g->size + 3;
        sqlite3_bind_int64(st, 1, g->id);
        sqlite3_bind_int(st, 2, g->size);
        CHECK_INT(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    CHECK(next_small <= s0 + SMALL && next_big <= b0 + BIG);
    sqlite3_finalize(st);
    CHECK_INT(sqlite3_prepare_v2(db, "UPDATE messages SET moderation = 'held' WHERE id = ?1", -1, &st, NULL), SQLITE_OK);
    for (int i = 0; i < NGROUPS; i++) {
        if (!groups[i].held) continue;
        sqlite3_bind_int64(st, 1, groups[i].id);
        CHECK_INT(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    CHECK_INT(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    for (int min = 2; min <= 9; min += 7) {
        check_groups(s, big, min);
        check_groups(s, small, min);
    }
    tmpdb_drop(s, path);
}
