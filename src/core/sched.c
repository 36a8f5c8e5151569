/* sched.c: see sched.h. Linux keeps a nice value per thread (setpriority
 * with a thread id), which POSIX leaves to the process. */
#include "core/sched.h"
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static id_t self(void) { return (id_t)syscall(SYS_gettid); }

int sched_nice_now(void) {
    errno = 0;
    int n = getpriority(PRIO_PROCESS, self());
    return n == -1 && errno ? 0 : n;
}

int sched_step_back(int base, int by) {
    int want = base + (by > 0 ? by : 0), now = sched_nice_now();
    if (want > 19) want = 19;
    if (want <= now) return 0;                 /* already that low: never raise */
    return setpriority(PRIO_PROCESS, self(), want) ? -1 : 0;
}
