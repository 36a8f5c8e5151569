/* dedup_sig.c: near-duplicate signatures (see dedup.h and docs/dedup.md,
 * issue 5); the index that uses them is dedup.c.
 *
 * Why MinHash + LSH and not SimHash: a 64-bit SimHash at Hamming <= 3 (the
 * 4 x 16-bit banded index) only joins texts with cosine similarity above
 * ~0.985 (expected Hamming = 64 * angle / pi), i.e. near-verbatim copies.
 * Mail-merge campaigns swap a synonym in most sentences, insert a line or
 * reorder paragraphs; they land 8-20 bits apart, where a banded SimHash
 * index needs k+1 bands of 64/(k+1) bits whose buckets hold thousands of
 * unrelated messages. MinHash estimates the Jaccard similarity of shingle
 * sets directly, so the threshold means something ("half the trigrams in
 * common"), and LSH banding turns it into a candidate probability we can
 * set: with 32 bands of 2 bins a pair at J = 0.35 is a candidate with
 * p = 0.985, at J = 0.1 with p = 0.28, and every candidate is checked
 * against the 64-bin estimate before it joins.
 *
 * Shingles are character trigrams of the folded text (acm_fold: NFKC, case,
 * width; spaces, punctuation and symbols dropped, so punctuation noise
 * changes nothing). They cost no dictionary and no segmentation time (1M
 * messages must group in 20 s), and a swapped two-character word changes
 * four of them, about as many as it changes word bigrams. shingle_text()
 * is the one place to change for word shingles.
 *
 * One-permutation hashing (Li, Owen, Zhang 2012) with rotation densification
 * (Shrivastava 2017): each shingle is hashed once and lands in one of 64
 * bins, so a signature costs O(text), not O(64 x text). Bins keep 16 bits
 * (b-bit MinHash): 128 bytes a message; the index keeps 8 of them (sim8). */
#include "text/dedup.h"
#include "text/dedup_int.h"
#include "text/acmatch.h"
#include "text/seg.h"
#include "text/utf8.h"
#include <string.h>

typedef struct { uint32_t min[DEDUP_K]; uint32_t n; uint64_t exact; } sig_acc;

static inline void acc_shingle(sig_acc *a, uint64_t key) {
    uint64_t h = mix64(key);
    unsigned bin = (unsigned)(h >> 58);          /* top 6 bits: the bin */
    uint32_t v = (uint32_t)h;
    if (v < a->min[bin]) a->min[bin] = v;
    a->n++;
}

/* Folds the text and feeds its trigram shingles (and the exact hash). */
static void shingle_text(const char *s, size_t n, sig_acc *a) {
    uint32_t c0 = 0, c1 = 0;
    int have = 0;
    uint64_t ex = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; ) {
        uint32_t cp;
        int l = utf8_decode(s + i, n - i, &cp);
        if (l < 0) { i++; continue; }
        i += (size_t)l;
        uint32_t f = acm_fold(cp);
        if (f == ACM_FOLD_SKIP) continue;
        ex = (ex ^ f) * 0x100000001b3ull;
        if (have >= 2) acc_shingle(a, (uint64_t)c0 << 42 | (uint64_t)c1 << 21 | f);
        c0 = c1; c1 = f;
        if (have < 2) have++;
    }
    if (a->n == 0 && have > 0)   /* one or two characters: a single shingle */
        acc_shingle(a, (uint64_t)1 << 63 | (uint64_t)c0 << 21 | c1);
    a->exact = mix64(ex);
}

/* Word-bigram shingles from the segmenter (the alternative to trigrams):
 * each word folded like the trigram path, punctuation-only words dropped. */
static int shingle_words(seg_ctx *c, const char *s, size_t n, sig_acc *a) {
    const seg_word *w;
    long nw = seg_cut(c, s, n, SEG_PRECISE, &w);
    if (nw < 0) return -1;
    uint64_t prev = 0, ex = 0xcbf29ce484222325ull;
    int have = 0;
    for (long k = 0; k < nw; k++) {
        uint64_t h = 0x9E3779B97F4A7C15ull;
        bool any = false;
        for (size_t i = w[k].off, e = (size_t)w[k].off + w[k].len; i < e; ) {
            uint32_t cp;
            int l = utf8_decode(s + i, e - i, &cp);
            if (l < 0) { i++; continue; }
            i += (size_t)l;
            uint32_t f = acm_fold(cp);
            if (f == ACM_FOLD_SKIP) continue;
            ex = (ex ^ f) * 0x100000001b3ull;
            h = mix64(h ^ f);
            any = true;
        }
        if (!any) continue;
        if (have) acc_shingle(a, mix64(prev * 31 + h));
        prev = h; have = 1;
    }
    if (a->n == 0 && have) acc_shingle(a, prev);
    a->exact = mix64(ex);
    return 0;
}

static void finish_sig(const sig_acc *a, dedup_sig *out);

int dedup_signature_words(seg_ctx *c, const char *s, size_t n, dedup_sig *out) {
    sig_acc a;
    memset(a.min, 0xff, sizeof a.min);
    a.n = 0;
    if (shingle_words(c, s, n, &a)) return -1;
    finish_sig(&a, out);
    return 0;
}

void dedup_signature(const char *s, size_t n, dedup_sig *out) {
    sig_acc a;
    memset(a.min, 0xff, sizeof a.min);
    a.n = 0;
    shingle_text(s, n, &a);
    finish_sig(&a, out);
}

static void finish_sig(const sig_acc *ap, dedup_sig *out) {
    sig_acc a = *ap;
    out->exact = a.exact;
    out->nshingles = a.n;
    if (a.n == 0) { memset(out->mh, 0, sizeof out->mh); return; }
    /* Densify: an empty bin takes the nearest non-empty bin to its right,
     * salted with the distance, so two texts agree on it exactly when they
     * agree on that bin. */
    for (int k = 0; k < DEDUP_K; k++) {
        uint32_t v = a.min[k];
        int d = 0;
        while (v == UINT32_MAX && d < DEDUP_K) { d++; v = a.min[(k + d) % DEDUP_K]; }
        out->mh[k] = (uint16_t)mix64((uint64_t)v << 8 | (uint64_t)d);
    }
}

float dedup_similarity(const dedup_sig *a, const dedup_sig *b) {
    if (a->exact == b->exact) return 1.0f;
    if (a->nshingles == 0 || b->nshingles == 0) return 0.0f;
    int eq = 0;
    for (int k = 0; k < DEDUP_K; k++) eq += a->mh[k] == b->mh[k];
    return (float)eq / DEDUP_K;
}

