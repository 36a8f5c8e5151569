/* dedup.c: near-duplicate groups (see dedup.h, issue 5).
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
 * set: with 32 bands of 2 bins a pair at J = 0.4 is a candidate with
 * p = 0.996, at J = 0.1 with p = 0.28, and every candidate is checked
 * against the full 64-bin estimate before it joins.
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
 * (b-bit MinHash): 128 bytes a message. */
#include "text/dedup.h"
#include "text/acmatch.h"
#include "text/seg.h"
#include "text/utf8.h"
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

static inline uint64_t mix64(uint64_t x) {   /* splitmix64 finaliser */
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27; x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

void dedup_cfg_default(dedup_cfg *cfg) {
    cfg->threshold = 0.4f;
    cfg->bands = 32;
    cfg->rows = 2;
}

/* ---- signature ---- */

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

/* ---- index ---- */

/* Open-addressing table of 64-bit keys -> 32-bit values; key 0 is empty. */
typedef struct { uint64_t *key; uint32_t *val; size_t cap, n; } htab;

static int ht_grow(htab *t) {
    size_t nc = t->cap ? t->cap * 2 : 1024;
    uint64_t *k = calloc(nc, sizeof *k);
    uint32_t *v = malloc(nc * sizeof *v);
    if (!k || !v) { free(k); free(v); return -1; }
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->key[i]) continue;
        size_t j = mix64(t->key[i]) & (nc - 1);
        while (k[j]) j = (j + 1) & (nc - 1);
        k[j] = t->key[i]; v[j] = t->val[i];
    }
    free(t->key); free(t->val);
    t->key = k; t->val = v; t->cap = nc;
    return 0;
}

/* Slot of key (found or where it would go). */
static size_t ht_slot(const htab *t, uint64_t key) {
    size_t j = mix64(key) & (t->cap - 1);
    while (t->key[j] && t->key[j] != key) j = (j + 1) & (t->cap - 1);
    return j;
}

static bool ht_get(const htab *t, uint64_t key, uint32_t *val) {
    if (!t->cap) return false;
    size_t j = ht_slot(t, key);
    if (!t->key[j]) return false;
    *val = t->val[j];
    return true;
}

/* Inserts or finds key; *slot gets its position. Returns 1 if inserted, 0 if present, -1 OOM. */
static int ht_put(htab *t, uint64_t key, uint32_t val, size_t *slot) {
    if ((t->n + 1) * 10 > t->cap * 7 && ht_grow(t)) return -1;
    size_t j = ht_slot(t, key);
    if (slot) *slot = j;
    if (t->key[j]) return 0;
    t->key[j] = key; t->val[j] = val; t->n++;
    return 1;
}

static void ht_free(htab *t) { free(t->key); free(t->val); memset(t, 0, sizeof *t); }

typedef struct { uint32_t rep, size, authors, head, tail, parent; int64_t first, last; } group;

struct dedup {
    dedup_cfg cfg;
    /* messages */
    uint64_t *ext, *author; uint32_t *grp, *nextm;
    size_t nmsg, capm;
    /* groups */
    group *g; size_t ng, capg;
    htab exact;          /* exact hash -> msg */
    htab authors;        /* (group, author) seen */
    /* LSH over "indexed" messages (those not already within NEAR of an indexed one) */
    uint16_t *isig;      /* DEDUP_K per indexed message */
    uint32_t *imsg;      /* indexed -> msg */
    uint32_t *inext;     /* bands per indexed: next indexed in the same bucket, UINT32_MAX ends */
    size_t nidx, capi;
    htab bucket;         /* (band, band key) -> newest indexed in the bucket */
};

#define NEAR 0.85f       /* a member this close to an indexed one adds nothing to the index */
#define MERGE_MARGIN 0.2f  /* a short message bridges groups only this much nearer than a join */
#define MERGE_SHINGLES 40   /* a message this long bridges at the join threshold */
#define BUCKET_SCAN 48   /* newest entries looked at per bucket: bounds a query's cost */

int dedup_new(const dedup_cfg *cfg, dedup **out) {
    dedup_cfg c;
    if (cfg) c = *cfg; else dedup_cfg_default(&c);
    *out = NULL;
    if (!(c.threshold > 0 && c.threshold <= 1) || c.bands < 1 || c.rows < 1 || c.bands * c.rows > DEDUP_K) return -1;
    dedup *d = calloc(1, sizeof *d);
    if (!d) return -1;
    d->cfg = c;
    *out = d;
    return 0;
}

void dedup_free(dedup *d) {
    if (!d) return;
    free(d->ext); free(d->author); free(d->grp); free(d->nextm); free(d->g);
    ht_free(&d->exact); ht_free(&d->authors); ht_free(&d->bucket);
    free(d->isig); free(d->imsg); free(d->inext);
    free(d);
}

static uint64_t band_key(const dedup *d, const uint16_t *mh, int b) {
    uint64_t k = (uint64_t)(b + 1) << 48;
    for (int r = 0; r < d->cfg.rows; r++) k = mix64(k ^ ((uint64_t)mh[b * d->cfg.rows + r] << (16 * (r % 3))));
    return k ? k : 1;
}

static float sim16(const uint16_t *a, const uint16_t *b) {
    int eq = 0;
    for (int k = 0; k < DEDUP_K; k++) eq += a[k] == b[k];
    return (float)eq / DEDUP_K;
}

/* The root of a group: merged groups point to the group they joined. */
static uint32_t root(const dedup *d, uint32_t g) {
    while (d->g[g].parent != g) g = d->g[g].parent;
    return g;
}

uint32_t dedup_group_root(const dedup *d, uint32_t g) { return g < d->ng ? root(d, g) : UINT32_MAX; }

/* The newest BUCKET_SCAN entries of the buckets of bands [from, to) into
 * cand[b] (newest first, n[b] of them). The buckets are linked lists; they
 * are walked side by side, one step of each per round, so that their cache
 * misses overlap instead of queueing one behind another (walking them one
 * at a time was most of a query's cost at a million messages). */
static void walk(const dedup *d, const dedup_sig *sig, int from, int to, uint32_t cand[][BUCKET_SCAN], int *n) {
    uint32_t cur[DEDUP_K];
    for (int b = from; b < to; b++) {
        n[b] = 0;
        if (!ht_get(&d->bucket, band_key(d, sig->mh, b), &cur[b])) cur[b] = UINT32_MAX;
    }
    for (int scan = 0; scan < BUCKET_SCAN; scan++) {
        bool more = false;
        for (int b = from; b < to; b++) {
            uint32_t ix = cur[b];
            if (ix == UINT32_MAX) continue;
            __builtin_prefetch(d->isig + (size_t)ix * DEDUP_K);
            __builtin_prefetch(d->isig + (size_t)ix * DEDUP_K + 32);
            cand[b][n[b]++] = ix;
            cur[b] = d->inext[(size_t)ix * d->cfg.bands + b];
            more = true;
        }
        if (!more) break;
    }
}

/* The best match (as dedup_query) and every other group with a member at or
 * above the threshold (roots, at most cap, into also[]; *nalso their count). */
static void query(const dedup *d, const dedup_sig *sig, dedup_result *res, uint32_t *also, int cap, int *nalso) {
    res->msg = UINT32_MAX; res->group = UINT32_MAX; res->match = UINT32_MAX;
    res->sim = 0; res->new_group = false; res->nmerged = 0;
    *nalso = 0;
    uint32_t m;
    if (ht_get(&d->exact, sig->exact, &m)) { res->match = m; res->group = root(d, d->grp[m]); res->sim = 1; }
    if (sig->nshingles < DEDUP_MIN_SHINGLES || !d->bucket.cap) return;
    /* Candidates seen in an earlier band are not checked again: a small set on the stack. */
    uint32_t seen[4096];
    memset(seen, 0xff, sizeof seen);
    float best = res->sim;
    uint32_t besti = UINT32_MAX;
    uint32_t cand[DEDUP_K][BUCKET_SCAN];
    int ncand[DEDUP_K];
    for (int b = 0; b < d->cfg.bands; b++) {
        /* Band 0 alone first: a near copy (most of a campaign) stops after it. */
        if (b <= 1) walk(d, sig, b, b == 0 ? 1 : d->cfg.bands, cand, ncand);
        for (int c = 0; c < ncand[b]; c++) {
            uint32_t ix = cand[b][c];
            size_t h = mix64(ix) & 4095;
            bool dup = false;
            while (seen[h] != UINT32_MAX) { if (seen[h] == ix) { dup = true; break; } h = (h + 1) & 4095; }
            if (dup) continue;
            seen[h] = ix;
            float s = sim16(sig->mh, d->isig + (size_t)ix * DEDUP_K);
            if (s < d->cfg.threshold) continue;
            /* Near members of other groups: the message bridges them
             * (union-find merge). A merge joins every member of two groups,
             * so it asks for more than joining one: at the join threshold,
             * short messages chained unrelated campaigns into one group of a
             * third of a million (pair precision 0.04 at 854k generated). */
            uint32_t g = root(d, d->grp[d->imsg[ix]]);
            bool have = false;
            for (int k = 0; k < *nalso && !have; k++) have = also[k] == g;
            if (!have && *nalso < cap && (s >= d->cfg.threshold + MERGE_MARGIN || sig->nshingles >= MERGE_SHINGLES)) also[(*nalso)++] = g;
            /* Ties go to the earlier message: the older group is the campaign. */
            if (s > best || (s == best && besti != UINT32_MAX && ix < besti)) { best = s; besti = ix; }
        }
        /* A near copy of one member bridges nothing new: stop early, which
         * bounds the cost of the many copies of a big campaign. */
        if (best >= NEAR) break;
    }
    if (besti != UINT32_MAX && res->match == UINT32_MAX) {
        res->match = d->imsg[besti]; res->group = root(d, d->grp[res->match]); res->sim = best;
    } else if (besti != UINT32_MAX && best > res->sim) {
        res->match = d->imsg[besti]; res->sim = best;
    }
}

void dedup_query(const dedup *d, const dedup_sig *sig, dedup_result *res) {
    uint32_t also[DEDUP_MAX_MERGE];
    int na;
    query(d, sig, res, also, DEDUP_MAX_MERGE, &na);
    /* The group it would end in is the oldest of those it touches. */
    for (int k = 0; k < na; k++) if (res->group == UINT32_MAX || also[k] < res->group) res->group = also[k];
}

static int grow(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 0;
    size_t nc = *cap ? *cap : 1024;
    while (nc < need) nc *= 2;
    void *q = realloc(*p, nc * elem);
    if (!q) return -1;
    *p = q; *cap = nc;
    return 0;
}

/* Counts author for group g once. Returns 0 or -1 OOM. */
static int author_add(dedup *d, uint32_t g, uint64_t author) {
    if (!author) return 0;
    uint64_t k = mix64(author ^ mix64((uint64_t)g + 0x9E3779B97F4A7C15ull));
    int ins = ht_put(&d->authors, k ? k : 1, 0, NULL);
    if (ins < 0) return -1;
    d->g[g].authors += (uint32_t)ins;
    return 0;
}

/* Moves group a's members into group b (b < a: the older id stays), keeping
 * the member list in add order. */
static int merge(dedup *d, uint32_t b, uint32_t a) {
    group *gb = &d->g[b], *ga = &d->g[a];
    uint32_t x = gb->head, y = ga->head, head = UINT32_MAX, tail = UINT32_MAX;
    while (x != UINT32_MAX || y != UINT32_MAX) {
        uint32_t m;
        if (y == UINT32_MAX || (x != UINT32_MAX && x < y)) { m = x; x = d->nextm[x]; }
        else { m = y; y = d->nextm[y]; }
        if (tail == UINT32_MAX) head = m; else d->nextm[tail] = m;
        tail = m;
    }
    if (tail != UINT32_MAX) d->nextm[tail] = UINT32_MAX;
    gb->head = head; gb->tail = tail;
    gb->size += ga->size;
    if (ga->first < gb->first) gb->first = ga->first;
    if (ga->last > gb->last) gb->last = ga->last;
    if (ga->rep < gb->rep) gb->rep = ga->rep;
    ga->parent = b;
    ga->size = 0;
    /* Authors of the absorbed group count for the merged one (once each). */
    for (uint32_t m = gb->head; m != UINT32_MAX; m = d->nextm[m])
        if (root(d, d->grp[m]) == b && d->grp[m] != b && author_add(d, b, d->author[m])) return -1;
    return 0;
}

int dedup_add(dedup *d, const dedup_sig *sig, uint64_t ext_id, uint64_t author, int64_t t, dedup_result *res) {
    dedup_result r;
    uint32_t also[DEDUP_MAX_MERGE];
    int na;
    query(d, sig, &r, also, DEDUP_MAX_MERGE, &na);
    for (int k = 0; k < na; k++) if (r.group == UINT32_MAX || also[k] < r.group) r.group = also[k];
    size_t capm = d->capm;
    if (d->nmsg >= UINT32_MAX - 1) return -1;
    if (grow((void **)&d->ext, &capm, d->nmsg + 1, sizeof *d->ext)) return -1;
    capm = d->capm;
    if (grow((void **)&d->grp, &capm, d->nmsg + 1, sizeof *d->grp)) return -1;
    capm = d->capm;
    if (grow((void **)&d->nextm, &capm, d->nmsg + 1, sizeof *d->nextm)) return -1;
    capm = d->capm;
    if (grow((void **)&d->author, &capm, d->nmsg + 1, sizeof *d->author)) return -1;
    d->capm = capm;
    uint32_t msg = (uint32_t)d->nmsg;
    if (r.group == UINT32_MAX) {
        if (grow((void **)&d->g, &d->capg, d->ng + 1, sizeof *d->g)) return -1;
        r.group = (uint32_t)d->ng;
        d->g[d->ng] = (group){ msg, 0, 0, msg, msg, (uint32_t)d->ng, t, t };
        d->ng++;
        r.new_group = true;
    }
    /* Exact hash: remember the first message with this text. */
    size_t slot;
    if (ht_put(&d->exact, sig->exact, msg, &slot) < 0) return -1;
    /* LSH: index unless exactly or nearly a copy of an indexed message. */
    if (r.sim < NEAR && sig->nshingles >= DEDUP_MIN_SHINGLES) {
        size_t capi = d->capi, nb = (size_t)d->cfg.bands;
        if (grow((void **)&d->imsg, &capi, d->nidx + 1, sizeof *d->imsg)) return -1;
        capi = d->capi;
        if (grow((void **)&d->isig, &capi, d->nidx + 1, DEDUP_K * sizeof *d->isig)) return -1;
        capi = d->capi;
        if (grow((void **)&d->inext, &capi, d->nidx + 1, nb * sizeof *d->inext)) return -1;
        d->capi = capi;
        uint32_t ix = (uint32_t)d->nidx;
        d->imsg[ix] = msg;
        memcpy(d->isig + (size_t)ix * DEDUP_K, sig->mh, sizeof sig->mh);
        for (int b = 0; b < d->cfg.bands; b++) {
            size_t sl;
            int ins = ht_put(&d->bucket, band_key(d, sig->mh, b), ix, &sl);
            if (ins < 0) return -1;
            d->inext[(size_t)ix * nb + b] = ins ? UINT32_MAX : d->bucket.val[sl];
            d->bucket.val[sl] = ix;    /* newest first */
        }
        d->nidx++;
    }
    d->ext[msg] = ext_id;
    d->author[msg] = author;
    d->grp[msg] = r.group;
    d->nextm[msg] = UINT32_MAX;
    group *g = &d->g[r.group];
    if (g->size) d->nextm[g->tail] = msg;
    else g->head = msg;
    g->tail = msg;
    g->size++;
    if (t < g->first) g->first = t;
    if (t > g->last) g->last = t;
    if (author_add(d, r.group, author)) return -1;
    /* The message bridges other groups: they join the oldest (lowest id). */
    for (int k = 0; k < na; k++) {
        if (also[k] == r.group || root(d, also[k]) == r.group) continue;
        uint32_t gone = root(d, also[k]);
        r.merged_ext[r.nmerged] = d->ext[d->g[gone].rep];
        if (merge(d, r.group, gone)) return -1;
        r.merged[r.nmerged++] = gone;
    }
    d->nmsg++;
    r.msg = msg;
    if (res) *res = r;
    return 0;
}

size_t dedup_nmsgs(const dedup *d) { return d->nmsg; }
size_t dedup_ngroups(const dedup *d) { return d->ng; }
uint64_t dedup_msg_ext(const dedup *d, uint32_t msg) { return msg < d->nmsg ? d->ext[msg] : 0; }
uint32_t dedup_msg_group(const dedup *d, uint32_t msg) { return msg < d->nmsg ? root(d, d->grp[msg]) : UINT32_MAX; }

int dedup_group_get(const dedup *d, uint32_t gi, dedup_group *out) {
    if (gi >= d->ng || d->g[gi].parent != gi) return -1;
    const group *g = &d->g[gi];
    *out = (dedup_group){ g->rep, g->size, g->authors, g->first, g->last };
    return 0;
}

size_t dedup_group_members(const dedup *d, uint32_t gi, uint32_t *out, size_t cap) {
    if (gi >= d->ng || d->g[gi].parent != gi) return 0;
    size_t k = 0;
    for (uint32_t m = d->g[gi].head; m != UINT32_MAX && k < cap; m = d->nextm[m]) out[k++] = m;
    return d->g[gi].size;
}

size_t dedup_memory(const dedup *d) {
    return sizeof *d + d->capm * (2 * sizeof *d->ext + 2 * sizeof(uint32_t)) + d->capg * sizeof *d->g +
           d->exact.cap * 12 + d->authors.cap * 12 + d->bucket.cap * 12 +
           d->capi * (DEDUP_K * sizeof(uint16_t) + sizeof(uint32_t) + (size_t)d->cfg.bands * sizeof(uint32_t));
}

uint64_t dedup_author_key(const char *s, size_t n) {
    if (!n) return 0;
    uint64_t k = XXH3_64bits(s, n);
    return k ? k : 1;
}

/* ---- image: the index as bytes, kept across restarts ---- */

#define IMAGE_MAGIC 0x4d444431u    /* "MDD1" */
#define NSEG 15

typedef struct {
    uint32_t magic, kmin;          /* kmin: DEDUP_K, so another build's image is refused */
    float threshold; int32_t bands, rows;
    uint32_t pad;
    uint64_t nmsg, ng, nidx;
    uint64_t cap[3], n[3];         /* exact, authors, bucket tables */
} image_hdr;

/* The segments of the image after its header, in order; sizes from h. */
static size_t segments(dedup *d, const image_hdr *h, void **dst, size_t *len) {
    htab *t[3] = { &d->exact, &d->authors, &d->bucket };
    size_t k = 0;
    dst[k] = d->ext; len[k++] = h->nmsg * sizeof *d->ext;
    dst[k] = d->author; len[k++] = h->nmsg * sizeof *d->author;
    dst[k] = d->grp; len[k++] = h->nmsg * sizeof *d->grp;
    dst[k] = d->nextm; len[k++] = h->nmsg * sizeof *d->nextm;
    dst[k] = d->g; len[k++] = h->ng * sizeof *d->g;
    for (int i = 0; i < 3; i++) {
        dst[k] = t[i]->key; len[k++] = h->cap[i] * sizeof *t[i]->key;
        dst[k] = t[i]->val; len[k++] = h->cap[i] * sizeof *t[i]->val;
    }
    dst[k] = d->isig; len[k++] = h->nidx * DEDUP_K * sizeof *d->isig;
    dst[k] = d->imsg; len[k++] = h->nidx * sizeof *d->imsg;
    dst[k] = d->inext; len[k++] = h->nidx * (size_t)h->bands * sizeof *d->inext;
    return k;
}

static void header(const dedup *d, image_hdr *h) {
    memset(h, 0, sizeof *h);
    const htab *t[3] = { &d->exact, &d->authors, &d->bucket };
    h->magic = IMAGE_MAGIC; h->kmin = DEDUP_K;
    h->threshold = d->cfg.threshold; h->bands = d->cfg.bands; h->rows = d->cfg.rows;
    h->nmsg = d->nmsg; h->ng = d->ng; h->nidx = d->nidx;
    for (int i = 0; i < 3; i++) { h->cap[i] = t[i]->cap; h->n[i] = t[i]->n; }
}

int dedup_save(const dedup *d, int (*put)(void *ud, const void *p, size_t n), void *ud) {
    image_hdr h;
    header(d, &h);
    void *dst[NSEG]; size_t len[NSEG];
    size_t k = segments((dedup *)d, &h, dst, len);
    if (put(ud, &h, sizeof h)) return -1;
    for (size_t i = 0; i < k; i++) if (len[i] && put(ud, dst[i], len[i])) return -1;
    return 0;
}

struct dedup_loader {
    dedup *d;
    image_hdr h;
    size_t have;                   /* header bytes so far, then segment bytes of seg */
    void *dst[NSEG]; size_t len[NSEG], nseg, seg;
    bool bad;
};

int dedup_loader_new(const dedup_cfg *cfg, dedup_loader **out) {
    dedup_loader *l = calloc(1, sizeof *l);
    if (!l || dedup_new(cfg, &l->d)) { free(l); return -1; }
    *out = l;
    return 0;
}

/* Allocates the arrays the header announces. */
static int loader_alloc(dedup_loader *l) {
    dedup *d = l->d;
    const image_hdr *h = &l->h;
    if (h->magic != IMAGE_MAGIC || h->kmin != DEDUP_K || h->threshold != d->cfg.threshold || h->bands != d->cfg.bands
        || h->rows != d->cfg.rows || h->nmsg >= UINT32_MAX || h->nidx > h->nmsg || h->ng > h->nmsg) return -1;
    htab *t[3] = { &d->exact, &d->authors, &d->bucket };
    for (int i = 0; i < 3; i++) {
        if (h->cap[i] & (h->cap[i] - 1) || h->n[i] > h->cap[i]) return -1;   /* a power of two, or 0 */
        if (h->cap[i]) {
            t[i]->key = malloc(h->cap[i] * sizeof *t[i]->key);
            t[i]->val = malloc(h->cap[i] * sizeof *t[i]->val);
            if (!t[i]->key || !t[i]->val) return -1;
        }
        t[i]->cap = h->cap[i]; t[i]->n = h->n[i];
    }
    size_t m = h->nmsg ? h->nmsg : 1, gi = h->ng ? h->ng : 1, ix = h->nidx ? h->nidx : 1;
    d->ext = malloc(m * sizeof *d->ext); d->author = malloc(m * sizeof *d->author);
    d->grp = malloc(m * sizeof *d->grp); d->nextm = malloc(m * sizeof *d->nextm);
    d->g = malloc(gi * sizeof *d->g);
    d->isig = malloc(ix * DEDUP_K * sizeof *d->isig); d->imsg = malloc(ix * sizeof *d->imsg);
    d->inext = malloc(ix * (size_t)d->cfg.bands * sizeof *d->inext);
    if (!d->ext || !d->author || !d->grp || !d->nextm || !d->g || !d->isig || !d->imsg || !d->inext) return -1;
    d->nmsg = h->nmsg; d->capm = m; d->ng = h->ng; d->capg = gi; d->nidx = h->nidx; d->capi = ix;
    l->nseg = segments(d, h, l->dst, l->len);
    l->seg = 0; l->have = 0;
    while (l->seg < l->nseg && !l->len[l->seg]) l->seg++;
    return 0;
}

int dedup_loader_feed(dedup_loader *l, const void *p, size_t n) {
    const char *s = p;
    while (n && !l->bad) {
        if (!l->nseg && l->have < sizeof l->h) {
            size_t k = sizeof l->h - l->have < n ? sizeof l->h - l->have : n;
            memcpy((char *)&l->h + l->have, s, k);
            l->have += k; s += k; n -= k;
            if (l->have == sizeof l->h && loader_alloc(l)) l->bad = true;
            continue;
        }
        if (l->seg >= l->nseg) { l->bad = true; break; }    /* more bytes than the header announced */
        size_t k = l->len[l->seg] - l->have < n ? l->len[l->seg] - l->have : n;
        memcpy((char *)l->dst[l->seg] + l->have, s, k);
        l->have += k; s += k; n -= k;
        if (l->have == l->len[l->seg]) {
            l->have = 0;
            do l->seg++; while (l->seg < l->nseg && !l->len[l->seg]);
        }
    }
    return l->bad ? -1 : 0;
}

int dedup_loader_finish(dedup_loader *l, dedup **out) {
    *out = NULL;
    bool ok = !l->bad && l->nseg && l->seg == l->nseg;
    /* Every reference inside the image must point inside it. */
    for (size_t i = 0; ok && i < l->d->nmsg; i++)
        ok = l->d->grp[i] < l->d->ng && (l->d->nextm[i] == UINT32_MAX || l->d->nextm[i] < l->d->nmsg);
    for (size_t i = 0; ok && i < l->d->ng; i++) {
        const group *g = &l->d->g[i];
        ok = g->parent < l->d->ng && g->rep < l->d->nmsg && (g->size == 0 || (g->head < l->d->nmsg && g->tail < l->d->nmsg));
    }
    for (size_t i = 0; ok && i < l->d->nidx; i++) {
        ok = l->d->imsg[i] < l->d->nmsg;
        for (int b = 0; ok && b < l->d->cfg.bands; b++) {
            uint32_t nx = l->d->inext[i * (size_t)l->d->cfg.bands + b];
            ok = nx == UINT32_MAX || nx < l->d->nidx;
        }
    }
    for (size_t i = 0; ok && i < l->d->bucket.cap; i++) ok = !l->d->bucket.key[i] || l->d->bucket.val[i] < l->d->nidx;
    for (size_t i = 0; ok && i < l->d->exact.cap; i++) ok = !l->d->exact.key[i] || l->d->exact.val[i] < l->d->nmsg;
    if (ok) { *out = l->d; l->d = NULL; }
    dedup_free(l->d);
    free(l);
    return ok ? 0 : -1;
}
