/* progress_test.c: tests for src/app/progress.c. */
#include "test.h"
#include "app/progress.h"
#include <pthread.h>
#include <stdlib.h>

static progress *shared;
static int shared_stage;
static void *adder(void *arg) {
    for (int i = 0; i < 100000; i++) progress_add(shared, shared_stage, 1);
    return arg;
}

TEST(counts_from_many_threads_add_up) {
    shared = progress_new("t", true);
    CHECK(shared != NULL);
    shared_stage = progress_stage(shared, "work", "items", 400000);
    CHECK_INT(shared_stage, 0);
    pthread_t th[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, adder, NULL);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    CHECK_INT(progress_count(shared, shared_stage), 400000);
    progress_finish(shared);
    progress_free(shared);
}

TEST(final_table_names_each_stage_with_its_count) {
    char *text = NULL; size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    progress *p = progress_new("import", false);
    progress_set_output(p, f);
    int a = progress_stage(p, "parse", "rows", 0);
    int b = progress_stage(p, "index", "messages", 10);
    progress_add(p, a, 1234567);
    progress_add(p, b, 10);
    progress_done(p, a);
    progress_finish(p);
    progress_free(p);
    fclose(f);
    CHECK(strstr(text, "parse") != NULL);
    CHECK(strstr(text, "1,234,567") != NULL);
    CHECK(strstr(text, "index") != NULL);
    CHECK(strstr(text, "peak RSS") != NULL);
    free(text);
}

TEST(quiet_prints_nothing_and_null_is_harmless) {
    char *text = NULL; size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    progress *p = progress_new("q", true);
    progress_set_output(p, f);
    progress_add(p, progress_stage(p, "s", "x", 0), 5);
    progress_finish(p);
    progress_free(p);
    fclose(f);
    CHECK_INT(n, 0);
    free(text);
    /* NULL handle and out-of-range stages are ignored. */
    progress_add(NULL, 0, 1);
    progress_done(NULL, 0);
    progress_finish(NULL);
    progress_free(NULL);
    progress *q = progress_new("r", true);
    progress_add(q, -1, 3);
    progress_add(q, 7, 3);
    CHECK_INT(progress_count(q, 7), 0);
    progress_free(q);
}

TEST(stages_beyond_the_limit_are_refused) {
    progress *p = progress_new("m", true);
    for (int i = 0; i < PROGRESS_MAX_STAGES; i++) CHECK_INT(progress_stage(p, "s", "x", 0), i);
    CHECK_INT(progress_stage(p, "over", "x", 0), -1);
    progress_free(p);
}
