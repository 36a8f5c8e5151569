/* sched.h: thread priorities. A bulk command has one thread that writes
 * (the database's one writer) and helpers that feed it; when the helpers
 * outnumber the cores they take the writer's CPU and the whole command
 * waits on it. The helpers step back instead. */
#ifndef MINYI_SCHED_H
#define MINYI_SCHED_H

/* Makes the calling thread at least `by` nice steps lower in priority than
 * `base` (the nice value it was created with, sched_nice_now()), never
 * higher than it is: lowering is always allowed, raising needs privilege.
 * Returns 0, or -1 when the system refused (the thread runs as before). */
int sched_step_back(int base, int by);
/* The calling thread's nice value. */
int sched_nice_now(void);

/* How far a bulk command's helpers step back (import, analyze): at 10 a
 * helper gets about a tenth of the writer's share of a contended core. */
enum { SCHED_HELPERS_BACK = 10 };

#endif
