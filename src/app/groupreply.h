/* groupreply.h: replies to whole near-duplicate groups (one answer for a
 * mass campaign), carried on in the background of `minyi serve`. The
 * request answers the first step itself; a bigger group goes on here, one
 * transaction of GROUP_REPLY_STEP members at a time, so the citizens'
 * messages and the analyzer get the writers' turn between steps. The jobs
 * live in the store (store.h group_reply_*), so a restart resumes them. */
#ifndef MINYI_GROUPREPLY_H
#define MINYI_GROUPREPLY_H
#include "store/store.h"

/* Members a step reads (answered or not): ~200 us each, so a step holds
 * the writers' turn for some 40 ms. */
enum { GROUP_REPLY_STEP = 200 };

typedef struct groupreply groupreply;

/* Starts the background thread, which first resumes unfinished jobs.
 * Returns 0, or -1 (out of memory, no thread). */
int  groupreply_start(store *st, groupreply **out);
/* A new job is waiting. */
void groupreply_kick(groupreply *g);
/* Stops the thread between two steps (the job resumes at the next start) and frees g. */
void groupreply_stop(groupreply *g);

#endif
