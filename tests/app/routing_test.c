/* routing_test.c: tests for src/app/routing.c keyword routing. */
#include "test.h"
#include "app/routing.h"

static json_t *rules(void) {
    return json_loads("[{\"keyword\":\"公交\",\"department_id\":1},{\"keyword\":\"道路\",\"department_id\":1},"
                      "{\"keyword\":\"小区\",\"department_id\":2},{\"keyword\":\"物业\",\"department_id\":2},"
                      "{\"keyword\":\"噪音\",\"department_id\":3}]", 0, NULL);
}

TEST(title_counts_more_than_body) {
    json_t *r = rules();
    CHECK_INT(routing_pick(r, STR_LIT("公交站牌损坏"), STR_LIT("小区门口")), 1);
    CHECK_INT(routing_pick(r, STR_LIT("求助"), STR_LIT("小区物业不作为，公交也不通")), 2);
    CHECK_INT(routing_pick(r, STR_LIT("夜间噪音"), STR_LIT("")), 3);
    json_decref(r);
}

TEST(no_match_goes_to_triage) {
    json_t *r = rules();
    CHECK_INT(routing_pick(r, STR_LIT("你好"), STR_LIT("没有关键词")), 0);
    CHECK_INT(routing_pick(r, (str){0}, (str){0}), 0);
    json_t *empty = json_array();
    CHECK_INT(routing_pick(empty, STR_LIT("公交"), STR_LIT("")), 0);
    json_decref(empty);
    json_decref(r);
}

TEST(ties_go_to_the_earliest_rule) {
    json_t *r = rules();
    CHECK_INT(routing_pick(r, STR_LIT("小区公交"), STR_LIT("")), 1);
    json_decref(r);
}
