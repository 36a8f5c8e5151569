/* dedup.h: exact and near-duplicate grouping of messages (issue 5): mass
 * campaigns, mail-merge templates with swapped words, copy-paste floods.
 * A group keeps every member (ACUS/GAO: one representative plus a count,
 * never dropping a signature); each message is in exactly one group. Groups
 * merge (union-find, the lower id stays) when a message is near members of
 * several: a late variant bridges the parts of one campaign.
 * Method (why MinHash and not SimHash: see dedup.c): the exact hash of the
 * folded text, then a 64-bin one-permutation MinHash of character-trigram
 * shingles, banded LSH for candidates, and an estimated-Jaccard check. */
#ifndef MINYI_DEDUP_H
#define MINYI_DEDUP_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define DEDUP_K 64                 /* MinHash bins */

/* The features of one message; computing it is pure and thread-safe. */
typedef struct {
    uint64_t exact;                /* hash of the folded text (case, width, punctuation and spaces ignored) */
    uint32_t nshingles;            /* shingles seen; texts with fewer than DEDUP_MIN_SHINGLES only match exactly */
    uint16_t mh[DEDUP_K];
} dedup_sig;

#define DEDUP_MIN_SHINGLES 8
#define DEDUP_MAX_MERGE 8          /* groups one message can bridge */

typedef struct {
    float threshold;   /* estimated Jaccard similarity to join a group (0..1]; default 0.35 */
    int bands, rows;   /* LSH banding, bands * rows <= DEDUP_K; default 32 x 2 */
} dedup_cfg;

void dedup_cfg_default(dedup_cfg *cfg);

/* Signature of s[0..n) (UTF-8; invalid bytes are skipped). Title and body
 * may be passed as one text. Never allocates. */
void dedup_signature(const char *s, size_t n, dedup_sig *out);

/* The same over word-bigram shingles from the segmenter (c: the calling
 * thread's seg_ctx). Slower (segmentation) and, on scripts/eval/dedup.sh,
 * no more accurate than trigrams; do not mix the two kinds in one index.
 * Returns 0, or -1 on out-of-memory. The exact hash matches dedup_signature's
 * for the same text. */
typedef struct seg_ctx seg_ctx;
int dedup_signature_words(seg_ctx *c, const char *s, size_t n, dedup_sig *out);

/* Estimated Jaccard similarity of two signatures, 0..1 (exact duplicates 1). */
float dedup_similarity(const dedup_sig *a, const dedup_sig *b);

typedef struct dedup dedup;   /* the index and its groups */

/* Returns 0 or -1 on a bad configuration / out of memory. Free with dedup_free(). */
int  dedup_new(const dedup_cfg *cfg, dedup **out);
void dedup_free(dedup *d);

typedef struct {
    uint32_t msg;        /* index of the message in add order (dedup_add) */
    uint32_t group;      /* its group, 0-based in order of creation */
    uint32_t match;      /* the message it matched, or UINT32_MAX when it started a group */
    float    sim;        /* similarity to match (1 for an exact duplicate) */
    bool     new_group;
    uint32_t nmerged;    /* groups this message merged into group (they no longer exist) */
    uint32_t merged[DEDUP_MAX_MERGE];
    uint64_t merged_ext[DEDUP_MAX_MERGE];   /* ext_id of each merged group's first message */
} dedup_result;

/* Adds a message: it joins the group of its earlier messages at or above
 * the threshold that it is also near the first message of (an exact
 * duplicate always), else starts a group of its own;
 * when those are in several groups, they merge into the oldest (res->merged
 * lists the others, whose members now report the oldest). ext_id is the caller's message id; author identifies the sender
 * (0 = unknown, not counted as an author); t is the message time (seconds;
 * any monotonic unit). Costs microseconds. Not thread-safe: callers
 * serialise dedup_add (signatures can be computed in parallel). */
int dedup_add(dedup *d, const dedup_sig *sig, uint64_t ext_id, uint64_t author, int64_t t, dedup_result *res);

/* A hint that the next dedup_add or dedup_query is for sig: starts reading
 * its buckets, so that their cache misses overlap the work on the current
 * message (call it for message k + 1 before adding message k). Changes no
 * result; the same threading rule as dedup_query. */
void dedup_prefetch(const dedup *d, const dedup_sig *sig);

/* Finds the group a message would join, without adding it (res->msg is
 * UINT32_MAX; res->group UINT32_MAX when nothing matches). Safe from many
 * threads as long as no dedup_add runs at the same time. */
void dedup_query(const dedup *d, const dedup_sig *sig, dedup_result *res);

typedef struct {
    uint32_t rep;            /* representative: the first message of the group (msg index) */
    uint32_t size;           /* members */
    uint32_t authors;        /* distinct known authors */
    int64_t  first, last;    /* earliest and latest member time */
} dedup_group;

/* The group a (possibly merged) group now is; UINT32_MAX for no such group. */
uint32_t dedup_group_root(const dedup *d, uint32_t group);
size_t   dedup_nmsgs(const dedup *d);
size_t   dedup_ngroups(const dedup *d);     /* groups ever started, merged ones included */
uint64_t dedup_msg_ext(const dedup *d, uint32_t msg);
uint32_t dedup_msg_group(const dedup *d, uint32_t msg);
int      dedup_group_get(const dedup *d, uint32_t group, dedup_group *out);   /* -1 if no such group or merged away */
/* Writes up to cap member msg indices of a group in add order; returns the group size. */
size_t   dedup_group_members(const dedup *d, uint32_t group, uint32_t *out, size_t cap);
size_t   dedup_memory(const dedup *d);   /* bytes held */

/* The index as bytes, so a restart need not re-add every message: put is
 * called with the pieces in order (they point into d: save while no
 * dedup_add runs). Returns 0, or -1 when put failed. */
int dedup_save(const dedup *d, int (*put)(void *ud, const void *p, size_t n), void *ud);

/* Reads an image back in pieces of any size. dedup_loader_finish frees the
 * loader and gives the index (0), or -1 when the image is cut short, from
 * another configuration or build, or inconsistent: then re-add the
 * messages instead. */
typedef struct dedup_loader dedup_loader;
int dedup_loader_new(const dedup_cfg *cfg, dedup_loader **out);
int dedup_loader_feed(dedup_loader *l, const void *p, size_t n);
int dedup_loader_finish(dedup_loader *l, dedup **out);

/* A stable 64-bit key for an author name (never 0 for a non-empty name). */
uint64_t dedup_author_key(const char *s, size_t n);

#endif
