/* replyq.h: the quality of an official reply to a citizen message: relevance,
 * completeness, boilerplate and timeliness, and one score from them.
 * Pure; formula and reasons in docs/reply-quality.md. */
#ifndef MINYI_REPLYQ_H
#define MINYI_REPLYQ_H
#include <stddef.h>
#include <stdint.h>
#include "core/str.h"
#include "text/seg.h"

typedef struct replyq replyq;   /* per-thread: segmenter scratch and the template table */

/* Returns 0 or -1 on out-of-memory. Free with replyq_free. */
int  replyq_new(const seg_dict *d, replyq **out);
void replyq_free(replyq *q);

/* Counts the sentences of a reply towards the template table: a sentence
 * (digits folded) seen in many replies is boilerplate. Call for every reply
 * of a corpus before scoring (or as replies arrive). Returns 0, -1 OOM. */
int replyq_learn(replyq *q, str reply);

typedef struct {
    double relevance;      /* 0..1: share of the message's weighted content words the reply uses */
    double coverage;       /* 0..1: share of the message's questions/requests the reply addresses */
    double concrete;       /* 0..1: action, time, responsible unit, contact present (quarters) */
    double completeness;   /* 0.6 coverage + 0.4 concrete */
    double boilerplate;    /* 0..1: share of the reply's text in template sentences */
    double timeliness;     /* 0..1: 1 within the deadline, falling to 0 at three deadlines; -1 unknown */
    double lag_days;       /* reply time - message time; -1 unknown */
    double score;          /* 0..100 */
    int questions;         /* questions/requests found in the message */
    int answered;
    unsigned flags;        /* REPLYQ_* concrete elements found */
} replyq_result;

enum { REPLYQ_ACTION = 1, REPLYQ_TIME = 2, REPLYQ_UNIT = 4, REPLYQ_CONTACT = 8 };

/* Scores a reply. msg_t / reply_t: seconds (0 = unknown); deadline_days > 0.
 * Returns 0, -1 OOM. */
int replyq_score(replyq *q, str message, str reply, int64_t msg_t, int64_t reply_t, double deadline_days, replyq_result *out);

/* The score's formula, for tests: parts as in replyq_result (timeliness -1 = unknown). */
double replyq_combine(double relevance, double completeness, double boilerplate, double timeliness);

#endif
