/* hot_int.h: the insides of text/hot.c shared with its image (hot_image.c):
 * flat arrays and open-addressing maps, so an image is their bytes.
 * Not for other modules; docs/hot-issues.md. */
#ifndef MINYI_HOT_INT_H
#define MINYI_HOT_INT_H
#include "text/hot.h"

#define PROFILE 16          /* problem words kept per issue */
#define CAND_PLACE 32       /* newest issues looked at per place */
#define WORD_ISSUES 8       /* newest issues remembered per word */
#define DAYS 64             /* daily counts kept per word, for trends */
#define LEARN_MIN 2         /* a name seen in this many messages is a learned place */
#define NONE UINT32_MAX

/* a u64 -> u32 open-addressing map (key 0 = empty slot; cap a power of two) */
typedef struct { uint64_t *key; uint32_t *val; size_t n, cap; } map;

typedef struct { uint32_t word; float w, possum; uint32_t n; } prof;

typedef struct {
    uint32_t place, district;     /* place ids (0 none) */
    uint32_t size, authors;
    int64_t first, last, likes, dislikes;
    uint32_t head;                /* newest member (message index) */
    uint32_t lru_prev, lru_next;  /* issues by last update, newest at h->lru_head */
    uint32_t next_same_place;     /* older issue at the same place */
    uint32_t display;             /* offset in h->pool of the place as shown */
    float norm2;
    prof p[PROFILE];
} issue;

typedef struct { uint32_t str; uint32_t df; uint32_t issues[WORD_ISSUES]; uint8_t nissues; uint32_t days; int64_t day0; } word;   /* days: 1 + its index in hot.days (DAYS counts each), 0 none */

struct hot {
    hot_cfg cfg;
    const seg_dict *d;
    char *pool; size_t npool, cappool;        /* NUL-terminated strings */
    map words; word *w; size_t nw, capw;      /* ids from 1 */
    map places; uint32_t *pl_str, *pl_count, *pl_newest, *pl_canon; size_t npl, cappl;   /* ids from 1; canon: the place an alias stands for */
    map prefix2;                              /* the first two characters of every place name: a filter for learned names */
    map authors;                              /* (issue, author) seen */
    map dupgroups;                            /* near-duplicate group -> issue + 1 */
    uint16_t *days; size_t ndays, capdays;    /* daily counts of words, DAYS per word (in uint16s: capdays) */
    issue *is; size_t nis, capis;
    uint32_t lru_head;
    uint64_t *mid; int64_t *mt; uint32_t *mnext, *missue; size_t nm, capm;
    map msgs;                                 /* message id + 1 -> its index, for supports that come later */
    uint64_t ndocs;                           /* messages learned (df denominator) */
    struct frozen *fz;                        /* what hot_extract reads after hot_freeze */
    /* The LRU order again as an array a ranking reads without chasing the
     * list (derived, not in an image: hot_touch_rebuild): issue ids in the
     * order they were touched, and each issue's latest place in it. */
    uint32_t *touch; size_t ntouch, captouch;
    uint32_t *itouch; size_t capitouch;
};

/* A copy of what was learned (place counts, word document counts), read by
 * hot_extract while hot_add changes the live tables in another thread. */
typedef struct frozen { map places, prefix2, words; uint32_t *count, *df; uint64_t ndocs; } frozen;

/* Rebuilds touch/itouch from the LRU list (after an image is loaded). 0, -1 OOM. */
int hot_touch_rebuild(hot *h);

#endif
