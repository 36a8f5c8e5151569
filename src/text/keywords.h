/* keywords.h: keyword extraction over the segmenter (issue 3): TF-IDF with
 * jieba's idf table (as jieba.analyse.extract_tags) and TextRank (as
 * jieba.analyse.textrank, with dictionary POS tags instead of posseg). */
#ifndef MINYI_KEYWORDS_H
#define MINYI_KEYWORDS_H
#include <stddef.h>
#include <stdint.h>
#include "text/seg.h"

typedef struct kw_ctx kw_ctx;   /* per-thread scratch, like seg_ctx */

/* A keyword: its first occurrence in the text, and its weight. */
typedef struct { uint32_t off, len; double weight; } kw_item;

enum {
    KW_TFIDF    = 0,
    KW_TEXTRANK = 1,
    KW_JIEBA_STOPWORDS = 2,   /* only jieba's own (English) stop words, for comparisons with it */
};

int  kw_ctx_new(const seg_dict *d, kw_ctx **out);
void kw_ctx_free(kw_ctx *k);

/* The top keywords of s[0..n), best first (equal weights: first seen first).
 * Sets *out to an array owned by k, valid until the next call; returns how
 * many (<= top), or -1 on out-of-memory. Words of one character, whitespace
 * and stop words are never keywords. */
long kw_extract(kw_ctx *k, const char *s, size_t n, size_t top, int flags, const kw_item **out);

/* The idf of a word (jieba's idf.txt; the median idf for unknown words). */
double kw_idf(const seg_dict *d, const char *w, size_t n);

#endif
