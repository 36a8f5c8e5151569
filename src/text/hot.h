/* hot.h: hot issues - messages about the same place or group and the same
 * problem, clustered as they arrive, ranked by a heat index. Incremental:
 * each message costs one hot_add; a ranking reads only the issues active in
 * its window. Method, formula and its reasons: docs/hot-issues.md. */
#ifndef MINYI_HOT_H
#define MINYI_HOT_H
#include <stddef.h>
#include <stdint.h>
#include "core/str.h"
#include "text/seg.h"

#define HOT_KW 8            /* problem words kept per message */
#define HOT_KW_SPARE 8      /* more candidates, for when some turn out to be corpus filler */

typedef struct hot hot;             /* the issues, their messages and what was learned */
typedef struct hot_ctx hot_ctx;     /* per-thread scratch for hot_extract */

typedef struct {
    int window_days;        /* a message joins an issue whose last message is at most this old; default 30 */
    double join_place;      /* cosine of problem words to join an issue at the same place; default 0.2 */
    double join_noplace;    /* ... when either side names no specific place; default 0.45 */
    double filler_df;       /* words in more than this share of messages say nothing; default 0.08 */
    int learn_on_add;       /* hot_add also learns places and word counts (servers); CLI learns in a first pass */
    double half_life_days;  /* recency: heat halves every this many days before now; 0 = every issue of the period counts alike; default 14 */
} hot_cfg;
void hot_cfg_default(hot_cfg *cfg);

/* What hot_extract finds in one message. Self-contained (owns copies). */
typedef struct {
    char place[64];          /* the most specific place's core name, "" when none */
    char display[112];       /* as shown: "A市A5区魅力之城小区", "经济学院学生" */
    int  level;              /* its place_span level, 0 none */
    char district[32];       /* the district/county named, "" when none */
    int  nkw;                /* the first HOT_KW not known as corpus filler are its problem words */
    struct { char w[40]; float weight, pos; } kw[HOT_KW + HOT_KW_SPARE];   /* best first; pos: 0..1 in the text */
    int  nspans;
    char spans[4][64];       /* cores of the places named (for learning) */
    char alias[4][64];       /* their bare names when distinctive, "" when none */
} hot_feat;

int  hot_new(const seg_dict *d, const hot_cfg *cfg, hot **out);   /* free with hot_free */
void hot_free(hot *h);
int  hot_ctx_new(const seg_dict *d, hot_ctx **out);
void hot_ctx_free(hot_ctx *c);

/* Features of title + body. Reads what h has learned (names, word counts):
 * safe from many threads as long as no hot_add/hot_learn runs at the same
 * time, or, after hot_freeze, alongside hot_add (it then reads the frozen
 * copy). h NULL: nothing learned (no learned names, no corpus filler), so
 * the result depends on the text alone. Returns 0 or -1 on out-of-memory. */
int hot_extract(hot_ctx *c, const hot *h, str title, str body, hot_feat *out);

/* Counts a message's places and words (the first pass of a batch). */
int hot_learn(hot *h, const hot_feat *f);

/* Freezes what was learned so far for hot_extract, so that extraction can
 * run in other threads while hot_add goes on (a batch's second pass; with
 * learn_on_add nothing learned later is seen). Returns 0 or -1 OOM. */
int hot_freeze(hot *h);

typedef struct {
    uint64_t id;             /* the caller's message id */
    uint64_t author;         /* 0 = unknown */
    int64_t  t;              /* seconds since 1970 */
    int64_t  likes, dislikes;
    uint64_t dup_group;      /* near-duplicate group (0 = none): members of one group are one issue */
} hot_msg;

/* Adds a message (in time order, roughly) to the issue it belongs to or a
 * new one; *issue gets the issue number (may be NULL). Returns 0, -1 OOM. */
int hot_add(hot *h, const hot_feat *f, const hot_msg *m, uint32_t *issue);

/* Support (likes) or opposition given to message id after it was added:
 * the issue holding it counts them. Returns 0, or 1 when no such message. */
int hot_support(hot *h, uint64_t id, int64_t likes, int64_t dislikes);

typedef struct {
    uint32_t issue;
    double heat;
    uint32_t messages, authors;
    int64_t likes, dislikes;
    int64_t first, last;
    uint32_t recent, previous;   /* messages in the growth window before now, and the one before it */
    const char *place;           /* display; owned by h, valid until the next hot_add */
    char description[192];       /* place + problem words */
    char problem[96];            /* the problem words alone */
} hot_issue;

/* The heat index (docs/hot-issues.md), exposed for tests. */
double hot_heat(uint32_t messages, uint32_t authors, int64_t likes, int64_t dislikes,
                uint32_t recent, uint32_t previous, double age_days, double half_life);

/* The top issues active in [from, to] (seconds; to is "now" for recency and
 * growth), hottest first, at most cap. Reads only issues updated since from. */
size_t hot_top(const hot *h, int64_t from, int64_t to, int growth_days, hot_issue *out, size_t cap);

/* Message ids of an issue, newest first, up to cap; returns its size. */
size_t hot_members(const hot *h, uint32_t issue, uint64_t *ids, size_t cap);

/* Trending words: the most risen in [to - days, to] against the 4 weeks
 * before; filler excluded. */
typedef struct { char word[40]; uint32_t recent; double baseline, score; } hot_trend;
size_t hot_trends(const hot *h, int64_t to, int days, hot_trend *out, size_t cap);

/* True for words that name neither a place nor a problem (居民, 坚决, 反映). */
int hot_filler(const char *w, size_t n);

/* The whole state as an image (hot_image.c), for a server to keep across
 * restarts: put gets the pieces in order; returns 0, -1 OOM, or put's
 * nonzero. A loader takes the pieces back in chunks of any size;
 * hot_loader_finish frees the loader and gives the state, or -1 when the
 * image is incomplete, damaged (checksum, a reference out of range) or
 * foreign (another layout or configuration). d and cfg as for hot_new. */
int hot_save(const hot *h, int (*put)(void *ud, const void *p, size_t n), void *ud);
typedef struct hot_loader hot_loader;
int hot_loader_new(const seg_dict *d, const hot_cfg *cfg, hot_loader **out);
int hot_loader_feed(hot_loader *l, const void *p, size_t n);
int hot_loader_finish(hot_loader *l, hot **out);

size_t hot_nissues(const hot *h);
size_t hot_nmsgs(const hot *h);

#endif
