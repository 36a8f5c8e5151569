/* sched_test.c: a thread steps back in priority, never forward. */
#include "test.h"
#include "core/sched.h"
#include <pthread.h>

static void *helper(void *arg) {
    int *out = arg, base = sched_nice_now();
    out[0] = base;
    out[1] = sched_step_back(base, 5);
    out[2] = sched_nice_now();
    out[3] = sched_step_back(base, 2);          /* less than it already has: no change */
    out[4] = sched_nice_now();
    out[5] = sched_step_back(base, 40);         /* past the floor: at 19 */
    out[6] = sched_nice_now();
    return NULL;
}

TEST(a_helper_steps_back_and_the_caller_does_not_move) {
    int before = sched_nice_now(), r[7];
    pthread_t t;
    CHECK_INT(pthread_create(&t, NULL, helper, r), 0);
    pthread_join(t, NULL);
    CHECK_INT(r[0], before);                    /* a new thread starts at its creator's value */
    CHECK_INT(r[1], 0);
    CHECK_INT(r[2], before + 5 > 19 ? 19 : before + 5);
    CHECK_INT(r[3], 0);
    CHECK_INT(r[4], r[2]);
    CHECK_INT(r[5], 0);
    CHECK_INT(r[6], 19);
    CHECK_INT(sched_nice_now(), before);        /* per thread: the caller is untouched */
}
