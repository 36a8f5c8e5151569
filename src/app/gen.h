/* gen.h: synthetic citizen messages for benchmarks and demos (docs/gen.md).
 * A corpus (topics, titles, clauses, regions) is read from the real messages
 * at gen time, or built in when they are absent; a plan (campaigns, bursts,
 * the intensity of the campaign period) follows from the seed; message i is
 * then a pure function of (corpus, plan, i), so any number of threads can
 * make any range of messages and the output is the same bytes. */
#ifndef MINYI_GEN_H
#define MINYI_GEN_H
#include "core/str.h"
#include <stdbool.h>
#include <stdint.h>

typedef struct gen_corpus gen_corpus;
typedef struct gen gen;

/* Loads topics and vocabulary from the TSV files of dir (labeled_titles.tsv,
 * labeled_bodies.tsv, labeled_full.tsv). dir NULL, or a dir without usable
 * files, gives the small built-in vocabulary; then *builtin is true and err
 * says why (when dir was given). Returns 0, or -1 on out-of-memory.
 * Free with gen_corpus_free(). */
int  gen_corpus_load(const char *dir, gen_corpus **out, bool *builtin, char *err, size_t errlen);
void gen_corpus_free(gen_corpus *c);
int  gen_corpus_topics(const gen_corpus *c);     /* how many topics it has */

typedef struct {
    uint64_t seed;
    uint64_t count;          /* messages in the whole run (>= 1) */
    int64_t  start;          /* first second of the period, Unix time */
    int      days;           /* length of the period (1..3660) */
} gen_opts;

/* Plans a run over corpus c (which must outlive it). Returns 0, or -1 on
 * out-of-memory. Free with gen_free(). */
int  gen_new(const gen_corpus *c, const gen_opts *o, gen **out);
void gen_free(gen *g);
uint32_t gen_campaigns(const gen *g);            /* campaigns planned */

/* Scratch space of one thread; zero-initialise, free with gen_buf_free(). */
typedef struct { buf title, body, tmp; } gen_buf;
void gen_buf_free(gen_buf *b);

typedef struct {
    uint64_t id;             /* i + 1 */
    int64_t created_at;      /* Unix time, within the period */
    char user[24], region[16];
    const char *type;        /* 建议 咨询 投诉 求助 感谢 */
    const char *label;       /* topic the text was drawn from */
    str title, body;         /* point into the gen_buf, valid until its next use */
    unsigned likes, dislikes;
    uint32_t campaign;       /* 1-based mail-merge campaign, 0 for none */
    bool spam;
    const char *pii;         /* "" none, "phone" or "id": the number put in the body */
} gen_msg;

/* Makes message i (0 <= i < count). Returns 0, or -1 on out-of-memory. */
int gen_message(const gen *g, uint64_t i, gen_buf *b, gen_msg *m);

/* Appends m as one JSONL line that `minyi import` reads (created_at in
 * Beijing time, the importer's default), ground truth in gen_* fields.
 * Returns 0, or -1 on out-of-memory. */
int gen_jsonl(const gen_msg *m, buf *out);

#endif
