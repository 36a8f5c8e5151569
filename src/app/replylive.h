/* replylive.h: the server's reply quality (text/replyq.h behind a lock):
 * a hint for the handler while typing, and the score the store records
 * when a reply is published (store.h reply_scorer_set). Templates are
 * learned from the newest published replies at start and from each reply
 * as it is published. docs/reply-quality.md. */
#ifndef MINYI_REPLYLIVE_H
#define MINYI_REPLYLIVE_H
#include <jansson.h>
#include "store/store.h"
#include "text/replyq.h"

typedef struct replylive replylive;

/* Learns templates from up to 5,000 of st's newest published replies and
 * becomes st's reply scorer. Returns 0, -1 on out-of-memory or a store error. */
int  replylive_new(const seg_dict *d, store *st, replylive **out);
void replylive_free(replylive *x);

/* Scores reply to message m, as if published at reply_at ("" or NULL =
 * now); the deadline is the message's own (due_at), else 15 days. 0, -1 OOM. */
int replylive_score(replylive *x, const store_msg *m, const char *reply, const char *reply_at, replyq_result *out);

/* {"score","relevance","coverage","concrete","completeness","boilerplate",
 *  "timeliness" (null unknown),"lag_days","questions","answered",
 *  "has":{"action","time","unit","contact"},"missing":["relevance"|"questions"|
 *  "action"|"time"|"unit"|"contact"|"boilerplate"|"late",...]}: what to improve,
 * most important first. New reference. */
json_t *replylive_json(const replyq_result *r);

#endif
