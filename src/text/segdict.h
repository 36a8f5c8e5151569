/* segdict.h: the compiled jieba dictionary behind seg.h; internal to src/text.
 * A double-array trie over jieba's "han block" alphabet with per-word
 * log-frequency, idf and POS tag, plus the HMM tables, in one file mapped
 * read-only (see segdict.c for the layout). User words live in an overlay. */
#ifndef MINYI_SEGDICT_H
#define MINYI_SEGDICT_H
#include <stddef.h>
#include <stdint.h>
#include "text/seg.h"

/* Alphabet: the characters of jieba's re_han_default, [\u4E00-\u9FD5a-zA-Z0-9+#&._%-].
 * Only these can ever be inside a dictionary lookup, so words with any other
 * character are counted in the total but not stored. Code 0 = not in it. */
#define SEGD_HAN_LO 0x4E00u
#define SEGD_HAN_HI 0x9FD5u
#define SEGD_HAN0   70                                        /* code of U+4E00 */
#define SEGD_NCODES (SEGD_HAN0 + (int)(SEGD_HAN_HI - SEGD_HAN_LO) + 1)
#define SEGD_NTAG   64

extern const uint8_t segd_ascii_code[128];

static inline int segd_code(uint32_t cp) {
    if (cp < 128) return segd_ascii_code[cp];
    if (cp >= SEGD_HAN_LO && cp <= SEGD_HAN_HI) return SEGD_HAN0 + (int)(cp - SEGD_HAN_LO);
    return 0;
}

/* One trie cell: child of s by code c is t = base[s] + c when check[t] == s.
 * logf = log(freq) for a word with freq > 0, else -1 (prefix or idf only). */
typedef struct { int32_t base, check; double logf; } segd_cell;

/* HMM states in jieba's letter order, so that "larger letter wins a tie"
 * (Python's max over (prob, state) tuples) is "larger index wins". */
enum { HMM_B = 0, HMM_E = 1, HMM_M = 2, HMM_S = 3 };
#define HMM_MIN_FLOAT (-3.14e100)

typedef struct segd_ov segd_ov;

struct seg_dict {
    const segd_cell *cells;
    uint32_t ncells;            /* base + any code stays < ncells (padded) */
    const int32_t *freq;        /* per cell: -1 not in jieba's FREQ, else FREQ[word] */
    const float *idf;           /* per cell: < 0 none */
    const uint8_t *tag;         /* per cell: 0 none, else index into tags */
    const char (*tags)[8];
    uint32_t ntags;
    const double *emit;         /* [(code - SEGD_HAN0) * 4 + state] */
    double start[4], trans[4][4];
    double median_idf;
    int64_t total;              /* jieba's self.total, grows with user words */
    double logtotal;
    void *map; size_t maplen;   /* mmap'd file, or NULL */
    void *heap;                 /* image built in memory, or NULL */
    segd_ov *ov;                /* user words, NULL until the first one */
    uint32_t ov_n;
};

/* Looks a code sequence up. Returns 1 and *freq = FREQ[word] (0 for a
 * prefix) when it is in jieba's FREQ, else 0. *cell gets the trie cell or -1. */
int segd_lookup(const seg_dict *d, const uint16_t *codes, size_t n, int64_t *freq, int32_t *cell);

/* The slow walk used once user words exist: for a fragment codes[0..n) that
 * extends a walk whose trie state was *state (0 = root, -1 = off the trie),
 * says whether it is in FREQ and its frequency. */
int segd_step(const seg_dict *d, const uint16_t *codes, size_t n, int32_t *state, int64_t *freq);

/* Converts UTF-8 to codes; returns the number of code points, or -1 when a
 * character is outside the alphabet or the text is not valid UTF-8. */
long segd_encode(const char *s, size_t n, uint16_t *codes, size_t cap);

/* Sets FREQ[word] in the overlay (and prefix entries), adjusting total. */
int segd_ov_set(seg_dict *d, const uint16_t *codes, size_t n, int64_t freq);

#endif
