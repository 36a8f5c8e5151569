/* pipeline.h: the analysis pipeline, one code path for the server's
 * background analyzer and `minyi analyze`. Messages go through in batches:
 *
 *   read     the store's pending messages, in id order (keyset, no OFFSET)
 *   analyse  worker threads, any order: sensitive words, near-duplicate
 *            signature, spam rules and model, keywords, classification
 *   order    one thread, message order: near-duplicate groups, floods from
 *            one sender, the hold decision, keyword counts of the batch
 *   hot      one thread, message order: the live hot issues
 *   apply    one store transaction per batch (store.h analysis_apply),
 *            search index included
 *
 * The stages overlap: while the calling thread applies batch k and a hot
 * thread adds batch k to the hot issues, an order thread orders batch k+1
 * and the workers analyse batch k+2. Results are those of taking the messages one at a time
 * (tests/pipeline/pipeline_test.c checks it): only the order stage depends
 * on earlier messages, and it runs in message order. */
#ifndef MINYI_PIPELINE_H
#define MINYI_PIPELINE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "store/store.h"
#include "text/acmatch.h"
#include "text/classify.h"
#include "text/dedup.h"
#include "text/seg.h"
#include "text/spam.h"

/* What the stages need, owned by the caller (the analyzer) and unchanged
 * during pipeline_run. dedup and rate are only touched by the order stage. */
typedef struct {
    const seg_dict *dict;          /* NULL: no keywords; models needing words cannot run */
    const cls_model *model;        /* NULL: no classification */
    int64_t model_id;
    json_t *label_map;             /* {label: department_id} */
    const acm *words;              /* sensitive words; NULL = none */
    const spam_model *spam_nb;     /* NULL = rules only */
    double triage, spam;           /* thresholds */
    bool flood_check;
    dedup *dd;
    spam_rate *rate;
    struct hotlive *hot;           /* live hot issues (hot stage); NULL = none */
    int helper_nice;               /* > 0: the helper threads (workers, order, hot) step back this many
                                      nice steps below the calling thread, which writes (sched.h) */
} pl_config;

typedef struct pipeline pipeline;

/* workers: analysis threads (0 = one per core); batch: messages per
 * transaction (0 = default 4096; 1 = one at a time). Free with pipeline_free. */
int  pipeline_new(int workers, int batch, pipeline **out);
void pipeline_free(pipeline *p);

/* The highest message id of any batch applied so far (0: none). */
int64_t pipeline_last_id(const pipeline *p);

/* Called after each applied batch with its size (e.g. progress). */
typedef void (*pl_progress_fn)(void *ud, size_t n);
void pipeline_on_batch(pipeline *p, pl_progress_fn fn, void *ud);

/* Analyses every message the store has pending, until none is left; *done
 * gets how many. Returns 0, or -1 on a store error (batches applied before
 * it stay applied; the failed one is retried on the next run). */
int  pipeline_run(pipeline *p, store *st, const pl_config *cfg, size_t *done);

/* Messages from elsewhere than the store's pending ones (an import that
 * analyses its rows before writing them, so each row is written once).
 * next fills up to max messages with ids above the previous batch's (*msgs:
 * calloc'd, each freed with store_msg_clear, as msg_pending gives) and a tag
 * of the source's own for the batch; *n = 0 ends the run. apply records a
 * batch's analyses (in the place of analysis_apply); release frees a tag
 * once its batch is applied or dropped. Each returns 0 or -1. All three run
 * on the calling thread, in batch order. */
typedef struct {
    int  (*next)(void *ud, int max, store_msg **msgs, size_t *n, void **tag);
    int  (*apply)(void *ud, void *tag, const store_analysis *a, size_t n, const store_kw_count *kw, size_t nkw);
    void (*release)(void *ud, void *tag);
    void *ud;
} pl_source;

/* pipeline_run over src's messages until it has no more. */
int  pipeline_run_source(pipeline *p, store *st, const pl_config *cfg, const pl_source *src, size_t *done);

#endif
