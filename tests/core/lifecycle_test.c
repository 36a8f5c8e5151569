/* lifecycle_test.c: the transition table answers who may do what from where. */
#include "test.h"
#include "core/lifecycle.h"

TEST(every_action_names_real_states_and_someone_who_may_ask) {
    int n;
    const lc_rule *r = lifecycle_rules(&n);
    CHECK(n >= 10);
    for (int i = 0; i < n; i++) {
        CHECK(r[i].roles != 0);
        CHECK(r[i].from[0] != NULL);
        for (int k = 0; k < 5 && r[i].from[k]; k++) CHECK(lifecycle_is_state(r[i].from[k]));
        if (r[i].to) CHECK(lifecycle_is_state(r[i].to));
        CHECK(lifecycle_rule(r[i].action) == &r[i]);
    }
    CHECK(lifecycle_rule("delete") == NULL);
}

TEST(close_only_after_a_reply_by_the_department) {
    const lc_rule *c = lifecycle_rule("close");
    CHECK(lifecycle_from_ok(c, "replied"));
    CHECK(!lifecycle_from_ok(c, "assigned"));
    CHECK(!lifecycle_from_ok(c, "closed"));
    CHECK_STR(lifecycle_to(c, "replied"), "closed");
    CHECK(lifecycle_role_ok(c, "handler") && lifecycle_role_ok(c, "head") && lifecycle_role_ok(c, "admin"));
    CHECK(!lifecycle_role_ok(c, "leader") && !lifecycle_role_ok(c, "moderator") && !lifecycle_role_ok(c, "citizen"));
    CHECK(!lifecycle_role_ok(c, "nobody"));
}

TEST(reasons_and_who_decides) {
    CHECK(lifecycle_rule("return")->needs_reason);
    CHECK(lifecycle_rule("decline")->needs_reason);
    CHECK(!lifecycle_rule("close")->needs_reason);
    CHECK(lifecycle_role_ok(lifecycle_rule("urge"), "leader"));
    CHECK(!lifecycle_role_ok(lifecycle_rule("urge"), "handler"));
    CHECK(!lifecycle_role_ok(lifecycle_rule("extension_decision"), "handler"));
    CHECK(lifecycle_role_ok(lifecycle_rule("extension_decision"), "head"));
    CHECK(lifecycle_role_ok(lifecycle_rule("reopen"), "citizen"));
    CHECK_STR(lifecycle_to(lifecycle_rule("urge"), "assigned"), "assigned");   /* unchanged */
    CHECK(lifecycle_is_open("new") && lifecycle_is_open("assigned") && !lifecycle_is_open("declined"));
}

TEST(deadlines_by_type) {
    int n;
    const lc_deadline *d = lifecycle_deadlines(&n);
    CHECK_INT(n, 5);
    CHECK_STR(d[0].type, "咨询");
    CHECK_INT(d[0].days, 5);
    CHECK_INT(d[1].days, 7);
}
