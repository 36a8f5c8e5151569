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

/* The compiled router gives routing_pick's answer: keywords inside others,
 * the same keyword for two departments, case and width variants the
 * automaton folds together but memmem does not, punctuation-only keywords. */
TEST(compiled_router_agrees_with_routing_pick) {
    json_t *r = json_loads("[{\"keyword\":\"小区\",\"department_id\":2},{\"keyword\":\"小区物业\",\"department_id\":3},"
                           "{\"keyword\":\"物业\",\"department_id\":2},{\"keyword\":\"ABC\",\"department_id\":4},"
                           "{\"keyword\":\"abc\",\"department_id\":5},{\"keyword\":\"噪音\",\"department_id\":1},"
                           "{\"keyword\":\"噪音\",\"department_id\":6},{\"keyword\":\"!!\",\"department_id\":7},"
                           "{\"keyword\":\"公交\",\"department_id\":1}]", 0, NULL);
    routing *c;
    CHECK_INT(routing_compile(r, &c), 0);
    const char *texts[] = { "", "小区物业", "小区 物业", "小区，物业不管", "abc", "ABC", "ＡＢＣ", "a b c", "噪音噪音",
                            "!!", "! !", "公交小区abc", "夜间噪音扰民，小区物业不作为", "没有关键词", "公!交" };
    size_t nt = sizeof texts / sizeof *texts;
    for (size_t i = 0; i < nt; i++)
        for (size_t j = 0; j < nt; j++) {
            str t = str_c(texts[i]), b = str_c(texts[j]);
            CHECK_INT(routing_match(c, t, b), routing_pick(r, t, b));
        }
    CHECK_INT(routing_match(c, STR_LIT("abc"), STR_LIT("")), 5);
    CHECK_INT(routing_match(c, STR_LIT("小区物业"), STR_LIT("")), 2);
    routing_free(c);
    json_t *empty = json_array();
    CHECK_INT(routing_compile(empty, &c), 0);
    CHECK_INT(routing_match(c, STR_LIT("公交"), STR_LIT("")), 0);
    routing_free(c);
    json_decref(empty);
    json_decref(r);
}
