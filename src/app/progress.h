/* progress.h: progress of long CLI work (import, analyze, train, dedup, gen)
 * on stderr. A command declares stages (several may run at once, as in a
 * pipeline); workers add to a stage's count from any thread. On a terminal a
 * reporter thread redraws one line (per active stage: count, rate, ETA) a few
 * times a second; otherwise it prints a plain line every 10 seconds, so logs
 * of long runs show life without being flooded. progress_finish() prints the
 * per-stage table of time and throughput, and the peak RSS. Quiet mode prints
 * nothing at all. */
#ifndef MINYI_PROGRESS_H
#define MINYI_PROGRESS_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct progress progress;

#define PROGRESS_MAX_STAGES 16

/* A new reporter for `command` (its name heads every line); quiet = no
 * output. The terminal test is on stderr. Returns NULL only when out of
 * memory; every function below accepts NULL and then does nothing, so a
 * caller need not check. Free with progress_free(). */
progress *progress_new(const char *command, bool quiet);

/* Starts a stage (its clock starts now). total is the expected count, 0 when
 * unknown (no ETA then); unit names what is counted ("rows", "messages").
 * Returns the stage index for progress_add/progress_done, or -1 when all
 * PROGRESS_MAX_STAGES are used (adds to -1 are ignored). */
int progress_stage(progress *p, const char *name, const char *unit, uint64_t total);

/* Adds n to a stage's count; lock-free, cheap enough for every item. */
void progress_add(progress *p, int stage, uint64_t n);

/* Updates a stage's expected total (e.g. once a file's size is known). */
void progress_total(progress *p, int stage, uint64_t total);

/* The stage is over: its clock stops. */
void progress_done(progress *p, int stage);

/* Ends every stage, stops the reporter and prints the final table:
 *   stage  count  unit  seconds  per second
 * followed by the wall time and the peak resident memory. */
void progress_finish(progress *p);

/* The count of a stage so far (for summaries and tests). */
uint64_t progress_count(const progress *p, int stage);

/* Stops the reporter if running; frees everything. */
void progress_free(progress *p);

/* Writes the final table to f instead of stderr (tests). */
void progress_set_output(progress *p, FILE *f);

#endif
