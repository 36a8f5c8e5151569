/* features.h: text -> sparse features for the message classifier (issue 4).
 * Normalise (NFKC-style compatibility folding: full-width -> half-width, case
 * fold), then emit terms (character unigrams and bigrams, segmenter words)
 * from title and body, the title weighted. classify.c turns the terms into
 * L2-normalised sublinear TF-IDF vectors over the vocabulary of a model. */
#ifndef MINYI_FEATURES_H
#define MINYI_FEATURES_H
#include <stddef.h>
#include <stdint.h>
#include "core/str.h"
#include "text/seg.h"

/* Feature settings; stored in the model file, so a model always extracts
 * features exactly as it was trained. */
typedef struct {
    uint8_t unigrams;       /* character unigrams */
    uint8_t bigrams;        /* character bigrams (never across punctuation or space) */
    uint8_t words;          /* segmenter words of 2+ characters (needs a seg_dict) */
    uint8_t trigrams;       /* character trigrams (56-bit hash keys) */
    uint8_t fold_digits;    /* every decimal digit counts as '0': numbers are addresses, dates, phones */
    /* Title and body are weighted (sublinear TF-IDF) and L2-normalised
     * separately, then added with the title scaled by title_weight and
     * normalised again: with 1, a 20-character title counts as much as a
     * 500-character body. (Counting title words k times in one joint
     * vector did worse in CV: bodies are 20x longer, so the title drowns.) */
    float   title_weight;
} feat_cfg;

void feat_cfg_default(feat_cfg *cfg);

/* A term and its raw frequency in the title (tf[0]) and body (tf[1]).
 * Keys: the top byte is the kind (FEAT_KIND_*); character n-grams pack their
 * code points exactly (no collisions), words are a 56-bit XXH3 of the bytes. */
typedef struct { uint64_t key; float tf[2]; } feat_term;
enum { FEAT_KIND_UNI = 1, FEAT_KIND_BI = 2, FEAT_KIND_WORD = 3, FEAT_KIND_TRI = 4 };

typedef struct feat_ctx feat_ctx;   /* per-thread scratch; never shared */

/* dict may be NULL unless cfg->words is set. The ctx keeps pointers to cfg
 * and dict: both must outlive it. Returns 0, or -1 with a message in err. */
int  feat_ctx_new(const feat_cfg *cfg, const seg_dict *dict, feat_ctx **out, char *err, size_t errlen);
void feat_ctx_free(feat_ctx *c);

/* Extracts the terms of one message (either part may be empty; invalid UTF-8
 * bytes and NULs count as separators). Sets *terms to an array owned by c,
 * valid until the next call, with distinct keys in no particular order.
 * Returns the number of terms, or -1 on out-of-memory. Does not allocate
 * once c has seen a message as long as this one. */
long feat_terms(feat_ctx *c, str title, str body, const feat_term **terms);

/* Normalises s into out (UTF-8): compatibility folding and case folding,
 * marks dropped, digits folded when asked, every run of punctuation, symbols,
 * spaces, controls and invalid bytes becomes one space. Exposed for tests and
 * for explaining features. Returns 0 or -1 on out-of-memory. */
int feat_normalize(const char *s, size_t n, int fold_digits, buf *out);

/* Writes a term key in readable form ("uni:x", "bi:xy", "word:#hash"). */
void feat_key_str(uint64_t key, char *out, size_t outlen);

/* u64 key -> u32 index, open addressing; used for vocabularies. */
typedef struct {
    uint64_t *keys;     /* 0 = empty slot (no term has key 0: the kind byte is >= 1) */
    uint32_t *vals;
    size_t cap, n;      /* cap is a power of two */
} feat_map;

int  feat_map_init(feat_map *m, size_t expected);
void feat_map_free(feat_map *m);
/* Returns the slot's value pointer, inserting key with value 'fresh' when
 * absent (then *added = 1). NULL on out-of-memory. */
uint32_t *feat_map_put(feat_map *m, uint64_t key, uint32_t fresh, int *added);
/* Returns the index or UINT32_MAX when absent. */
static inline uint64_t feat_mix(uint64_t k) {
    k ^= k >> 33; k *= 0xff51afd7ed558ccdULL; k ^= k >> 33; k *= 0xc4ceb9fe1a85ec53ULL; k ^= k >> 33;
    return k;
}
static inline uint32_t feat_map_get(const feat_map *m, uint64_t key) {
    size_t mask = m->cap - 1, i = (size_t)feat_mix(key) & mask;
    for (;;) {
        uint64_t k = m->keys[i];
        if (k == key) return m->vals[i];
        if (k == 0) return UINT32_MAX;
        i = (i + 1) & mask;
    }
}

#endif
