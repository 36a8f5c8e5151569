/* ratelimit_test.c: tests for src/http/ratelimit.c. */
#include "test.h"
#include "http/ratelimit.h"

TEST(limit_per_key) {
    ratelimit *r = ratelimit_new(64, 60, 3);
    CHECK(r != NULL);
    for (int i = 0; i < 3; i++) { CHECK(!ratelimit_exceeded(r, STR_LIT("1.2.3.4"), NULL)); ratelimit_hit(r, STR_LIT("1.2.3.4")); }
    unsigned retry = 0;
    CHECK(ratelimit_exceeded(r, STR_LIT("1.2.3.4"), &retry));
    CHECK(retry > 0 && retry <= 60);
    CHECK(!ratelimit_exceeded(r, STR_LIT("5.6.7.8"), NULL));     /* other keys unaffected */
    ratelimit_reset(r, STR_LIT("1.2.3.4"));
    CHECK(!ratelimit_exceeded(r, STR_LIT("1.2.3.4"), NULL));
    ratelimit_free(r);
}

TEST(fixed_memory_under_many_keys) {
    ratelimit *r = ratelimit_new(16, 60, 1);
    char k[32];
    for (int i = 0; i < 10000; i++) {
        int n = snprintf(k, sizeof k, "key%d", i);
        ratelimit_hit(r, (str){ k, (size_t)n });
    }
    /* the most recent key is still counted */
    CHECK(ratelimit_exceeded(r, STR_LIT("key9999"), NULL));
    ratelimit_free(r);
}

TEST(take_counts_and_refuses) {
    ratelimit *r = ratelimit_new(64, 60, 2);
    unsigned retry = 0;
    CHECK(ratelimit_take(r, STR_LIT("a"), &retry));
    CHECK(ratelimit_take(r, STR_LIT("a"), &retry));
    CHECK(!ratelimit_take(r, STR_LIT("a"), &retry));
    CHECK(retry > 0 && retry <= 60);
    CHECK(ratelimit_exceeded(r, STR_LIT("a"), NULL));
    CHECK(ratelimit_take(r, STR_LIT("b"), NULL));
    ratelimit_free(r);
}
