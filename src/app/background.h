/* background.h: long writes of `minyi serve` done in steps on a thread of
 * their own, one short transaction a step, so the citizens' messages and
 * the analyzer get the writers' turn between steps:
 *   - the rows of a big near-duplicate group merged into another (the
 *     analyzer records the merge; store.h group_move_step moves the rows),
 *   - one reply to a whole group (store.h group_reply_*; the request does
 *     the first step itself).
 * Both live in the store, so a restart resumes them. */
#ifndef MINYI_BACKGROUND_H
#define MINYI_BACKGROUND_H
#include "store/store.h"

/* Members a group reply step reads (answered or not; ~200 us each, so some
 * 40 ms of the writers' turn), and rows a group move step moves. */
enum { GROUP_REPLY_STEP = 200, GROUP_MOVE_STEP = 1000 };

typedef struct background background;

/* Starts the thread, which first resumes what is unfinished. Returns 0, or
 * -1 (out of memory, no thread). */
int  background_start(store *st, background **out);
/* New work is waiting. */
void background_kick(background *b);
/* Stops the thread between two steps (the work resumes at the next start) and frees b. */
void background_stop(background *b);

/* For a command without the thread (`minyi analyze`, `minyi import`): moves
 * every group row the analysis left to move, step by step, on the calling
 * thread. *moved gets how many rows. Returns 0, or -1 on a store error. */
int  background_finish_moves(store *st, int64_t *moved);

#endif
