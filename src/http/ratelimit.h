/* ratelimit.h: counts events per key (a client IP, a login) in a fixed
 * time window, in fixed memory: used to slow down password guessing.
 * Thread-safe. */
#ifndef MINYI_RATELIMIT_H
#define MINYI_RATELIMIT_H
#include <stdbool.h>
#include <stdint.h>
#include "core/str.h"

typedef struct ratelimit ratelimit;

/* slots: keys remembered (older ones are forgotten first); window: seconds;
 * limit: events allowed per key and window. NULL on out-of-memory. */
ratelimit *ratelimit_new(unsigned slots, unsigned window, unsigned limit);
void ratelimit_free(ratelimit *r);

/* Has key used up its events in the current window? When so, *retry_after
 * (if given) gets the seconds until the window ends. */
bool ratelimit_exceeded(ratelimit *r, str key, unsigned *retry_after);
void ratelimit_hit(ratelimit *r, str key);      /* count one event */
/* Both at once, atomically: false (and *retry_after) when key is over its
 * limit, else counts the event and returns true. */
bool ratelimit_take(ratelimit *r, str key, unsigned *retry_after);
void ratelimit_reset(ratelimit *r, str key);    /* forget the key (e.g. after a success) */

#endif
