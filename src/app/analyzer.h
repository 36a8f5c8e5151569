/* analyzer.h: the background analyzer of `minyi serve`. It takes messages
 * the store marks not analyzed (so nothing is lost across restarts: the
 * queue is the messages table itself), and for each one: sensitive words,
 * spam score, near-duplicate group, classification and routing through the
 * label -> department map, with low-confidence messages sent to triage.
 * The configuration (active models, sensitive words, thresholds) is re-read
 * from the store when it changes, so every node follows the admin's edits. */
#ifndef MINYI_ANALYZER_H
#define MINYI_ANALYZER_H
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "store/store.h"
#include "text/seg.h"
#include "pipeline/pipeline.h"

typedef struct analyzer analyzer;

/* dict may be NULL (then models that need words cannot be activated). */
int  analyzer_new(store *st, const seg_dict *dict, analyzer **out, char *err, size_t errlen);
void analyzer_free(analyzer *a);

/* Background thread: starts it, wakes it after an insert, stops it. */
int  analyzer_start(analyzer *a);
void analyzer_kick(analyzer *a);
void analyzer_stop(analyzer *a);

/* Reloads the configuration if it changed, then analyzes pending messages
 * until none is left; *done gets how many. Used by the thread and by
 * `minyi analyze`. Returns 0, or -1 on a store error. */
int  analyzer_run(analyzer *a, size_t *done);
/* The same over src's messages instead of the pending ones (`minyi import`
 * analysing rows before it writes them); call analyzer_run first so the
 * messages already pending go before them, in id order. */
int  analyzer_run_source(analyzer *a, const pl_source *src, size_t *done);

/* Before the first run: analysis threads (0 = one per core), messages per
 * transaction (0 = the pipeline's default), and a callback after each batch. */
void analyzer_tune(analyzer *a, int workers, int batch, pl_progress_fn on_batch, void *ud);
/* For a command whose calling thread is the one that writes (import):
 * the analysis threads run `by` nice steps below it (pl_config.helper_nice). */
void analyzer_helpers_step_back(analyzer *a, int by);

/* Checks that data is a classifier model this program can run (with dict
 * for word features) and describes it for the models table:
 * {"labels":[..],"header":"..","features":N}. Returns 0 and *meta (new
 * reference), or -1 with a message in err. */
int  analyzer_model_check(const void *data, size_t n, const seg_dict *dict, json_t **meta, char *err, size_t errlen);

/* Seconds the analyzer has been continuously behind (messages waiting
 * since its queue was last empty); 0 when it is keeping up. */
double analyzer_lag(analyzer *a);

/* The live hot issues this analyzer keeps (NULL without a dictionary). */
typedef struct hotlive hotlive;
hotlive *analyzer_hot(analyzer *a);

/* True while a classifier is active (then intake leaves routing to it). */
bool analyzer_has_model(analyzer *a);

#define ANALYZER_DEFAULT_TRIAGE 0.6   /* route only when the model is at least this confident */
#define ANALYZER_DEFAULT_SPAM   0.8   /* hold when the spam score reaches this */

#endif
