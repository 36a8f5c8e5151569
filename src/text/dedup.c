/* dedup.c: the near-duplicate index and its groups (see dedup.h and
 * docs/dedup.md, issue 5); signatures are in dedup_sig.c. LSH buckets over
 * 32 bands of 2 bins, an estimated-Jaccard check of each candidate, groups
 * by union-find, and the index as an image kept across restarts. */
#include "text/dedup.h"
#include "text/dedup_int.h"
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

void dedup_cfg_default(dedup_cfg *cfg) {
    cfg->threshold = 0.35f;
    cfg->bands = 32;
    cfg->rows = 2;
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

/* rix: the representative's indexed id, UINT32_MAX when it is not indexed (too short). */
/* aset: the set its authors are counted in (author_add's keys): its own id
 * at first; a merge keeps the larger group's set and counts the smaller's
 * authors into it, so a message costs O(log n) author counts in all. The
 * member list (head..tail through nextm) is in no order: a merge links
 * the lists in O(1) instead of walking both (which, into a campaign of
 * 100k messages, cost the whole campaign per merge). */
typedef struct { uint32_t rep, size, authors, head, tail, parent, rix, aset; int64_t first, last; } group;

/* A bucket slot: key is the band's value; val is EMPTY, a single indexed
 * message | SINGLE, or the newest block of the bucket's chain. */
typedef struct { uint32_t key, val; } bslot;
#define EMPTY UINT32_MAX
#define SINGLE 0x80000000u
/* A block: header (next block | members << 28), then up to BLK - 1 indexed
 * messages, oldest first. 32 bytes: a walk of 48 reads 8 of them instead of
 * following 48 scattered links. */
#define BLK 8
#define BLK_NONE 0x0FFFFFFFu

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
    uint8_t *isig;       /* DEDUP_K per indexed message: the low 8 bits of each bin (sim8) */
    uint32_t *imsg;      /* indexed -> msg */
    uint32_t *igrp;      /* indexed -> its group when added (root() gives the group now): one read, not two */
    size_t nidx, capi;
    /* Buckets: per band an open-addressing table of (band value, bucket)
     * slots, bands x bcap of them in one array. A bucket of one message
     * holds it in the slot; a bigger one is a chain of blocks, newest first,
     * cut at the blocks a walk can reach (see bucket_add). */
    bslot *bslots;
    size_t bcap;
    uint64_t bn[DEDUP_K];  /* used slots per band */
    uint32_t *blk;       /* BLK u32 per block */
    size_t nblk, capblk;
    uint32_t freeblk;    /* first free block (chained through their headers), BLK_NONE ends */
};

#define NEAR 0.85f       /* a member this close to an indexed one adds nothing to the index */
#define MERGE_MARGIN 0.2f  /* a short message bridges groups only this much nearer than a join */
#define MERGE_SHINGLES 40   /* a message this long bridges at MERGE_FLOOR */
#define MERGE_FLOOR 0.4f   /* no bridge below this, whatever the join threshold */
#define BUCKET_SCAN 48   /* newest entries looked at per bucket: bounds a query's cost */
/* Blocks of a chain a walk can reach (the newest may hold one member);
 * older ones are never read, so bucket_add recycles them: a bucket of a
 * campaign of 300,000 holds its newest 50 or so, not all. */
#define MAXBLK 8
_Static_assert(1 + (MAXBLK - 1) * (BLK - 1) >= BUCKET_SCAN, "MAXBLK blocks must hold a walk");

int dedup_new(const dedup_cfg *cfg, dedup **out) {
    dedup_cfg c;
    if (cfg) c = *cfg; else dedup_cfg_default(&c);
    *out = NULL;
    if (!(c.threshold > 0 && c.threshold <= 1) || c.bands < 1 || c.rows < 1 || c.bands * c.rows > DEDUP_K) return -1;
    dedup *d = calloc(1, sizeof *d);
    if (!d) return -1;
    d->cfg = c;
    d->freeblk = BLK_NONE;
    *out = d;
    return 0;
}

void dedup_free(dedup *d) {
    if (!d) return;
    free(d->ext); free(d->author); free(d->grp); free(d->nextm); free(d->g);
    ht_free(&d->exact); ht_free(&d->authors);
    free(d->isig); free(d->imsg); free(d->igrp); free(d->bslots); free(d->blk);
    free(d);
}

static int grow_arr(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 0;
    size_t nc = *cap ? *cap : 1024;
    while (nc < need) nc *= 2;
    void *q = realloc(*p, nc * elem);
    if (!q) return -1;
    *p = q; *cap = nc;
    return 0;
}

/* The value of band b: its rows' bins; two 16-bit bins (the default) are
 * packed exactly, so a bucket holds only messages that agree on the band. */
static uint32_t band_key(const dedup *d, const uint16_t *mh, int b) {
    const uint16_t *r = mh + b * d->cfg.rows;
    if (d->cfg.rows == 1) return r[0];
    if (d->cfg.rows == 2) return (uint32_t)r[0] << 16 | r[1];
    uint64_t k = 0;
    for (int i = 0; i < d->cfg.rows; i++) k = mix64(k ^ r[i]);
    return (uint32_t)k;
}

static inline size_t bpos(const dedup *d, int b, uint32_t key) {
    return (size_t)b * d->bcap + (mix64(key) & (d->bcap - 1));
}

/* The slot of key in band b (found, or the empty one where it goes). */
static bslot *bfind(const dedup *d, int b, uint32_t key) {
    size_t base = (size_t)b * d->bcap, j = bpos(d, b, key) - base;
    while (d->bslots[base + j].val != EMPTY && d->bslots[base + j].key != key) j = (j + 1) & (d->bcap - 1);
    return &d->bslots[base + j];
}

/* Doubles every band's table. Returns 0 or -1 OOM. */
static int bgrow(dedup *d) {
    size_t nb = (size_t)d->cfg.bands, oc = d->bcap, nc = oc ? oc * 2 : 1024;
    bslot *old = d->bslots, *ns = malloc(nb * nc * sizeof *ns);
    if (!ns) return -1;
    memset(ns, 0xff, nb * nc * sizeof *ns);
    d->bslots = ns; d->bcap = nc;
    for (size_t b = 0; b < nb; b++)
        for (size_t i = 0; i < oc; i++) {
            bslot e = old[b * oc + i];
            if (e.val != EMPTY) *bfind(d, (int)b, e.key) = e;
        }
    free(old);
    return 0;
}

static int blk_new(dedup *d, uint32_t *out) {
    if (d->freeblk != BLK_NONE) {
        *out = d->freeblk;
        d->freeblk = d->blk[(size_t)*out * BLK] & BLK_NONE;
        return 0;
    }
    if (d->nblk >= BLK_NONE) return -1;
    size_t cap = d->capblk;
    if (grow_arr((void **)&d->blk, &cap, d->nblk + 1, BLK * sizeof *d->blk)) return -1;
    d->capblk = cap;
    *out = (uint32_t)d->nblk++;
    return 0;
}

/* Adds indexed message ix to band b's bucket of key, newest first. */
static int bucket_add(dedup *d, int b, uint32_t key, uint32_t ix) {
    if ((d->bn[b] + 1) * 10 > d->bcap * 7 && bgrow(d)) return -1;
    bslot *sl = bfind(d, b, key);
    if (sl->val == EMPTY) { sl->key = key; sl->val = ix | SINGLE; d->bn[b]++; return 0; }
    uint32_t nbk;
    if (sl->val & SINGLE) {
        if (blk_new(d, &nbk)) return -1;
        uint32_t *h = d->blk + (size_t)nbk * BLK;
        h[0] = BLK_NONE | 2u << 28; h[1] = sl->val & ~SINGLE; h[2] = ix;
        sl->val = nbk;
        return 0;
    }
    uint32_t *h = d->blk + (size_t)sl->val * BLK, cnt = h[0] >> 28;
    if (cnt < BLK - 1) { h[1 + cnt] = ix; h[0] += 1u << 28; return 0; }
    if (blk_new(d, &nbk)) return -1;
    h = d->blk + (size_t)nbk * BLK;
    h[0] = sl->val | 1u << 28; h[1] = ix;
    sl->val = nbk;
    /* Past MAXBLK blocks no walk reaches: recycle them. */
    uint32_t x = nbk;
    for (int i = 1; i < MAXBLK && x != BLK_NONE; i++) x = d->blk[(size_t)x * BLK] & BLK_NONE;
    if (x == BLK_NONE) return 0;
    uint32_t t = d->blk[(size_t)x * BLK] & BLK_NONE;
    d->blk[(size_t)x * BLK] |= BLK_NONE;
    while (t != BLK_NONE) {
        uint32_t nx = d->blk[(size_t)t * BLK] & BLK_NONE;
        d->blk[(size_t)t * BLK] = d->freeblk;
        d->freeblk = t;
        t = nx;
    }
    return 0;
}

/* Estimated Jaccard similarity from the low 8 bits of each bin (what the
 * index keeps: one cache line a message): two bins that differ still agree
 * on 8 bits with p 1/256, which the estimate takes out. */
static float sim8(const uint8_t *a, const uint8_t *b) {
    int eq = 0;
    for (int k = 0; k < DEDUP_K; k++) eq += a[k] == b[k];
    float e = ((float)eq / DEDUP_K - 1.0f / 256) * (256.0f / 255);
    return e > 0 ? e : 0;
}

/* The root of a group: merged groups point to the group they joined. */
static uint32_t root(const dedup *d, uint32_t g) {
    while (d->g[g].parent != g) g = d->g[g].parent;
    return g;
}

uint32_t dedup_group_root(const dedup *d, uint32_t g) { return g < d->ng ? root(d, g) : UINT32_MAX; }

/* The newest BUCKET_SCAN entries of the buckets of bands [from, to) into
 * cand[b] (newest first, n[b] of them). Every band's slot is prefetched
 * before any is read, and the chains are walked side by side, one block of
 * each per round, so that the cache misses overlap instead of queueing. */
static void walk(const dedup *d, const dedup_sig *sig, int from, int to, uint32_t cand[][BUCKET_SCAN], int *n) {
    uint32_t key[DEDUP_K], cur[DEDUP_K];
    size_t pos[DEDUP_K];
    for (int b = from; b < to; b++) {
        key[b] = band_key(d, sig->mh, b);
        pos[b] = bpos(d, b, key[b]);
        __builtin_prefetch(&d->bslots[pos[b]]);
    }
    for (int b = from; b < to; b++) {
        n[b] = 0; cur[b] = BLK_NONE;
        const bslot *sl = bfind(d, b, key[b]);
        if (sl->val == EMPTY) continue;
        if (sl->val & SINGLE) {
            uint32_t ix = sl->val & ~SINGLE;
            __builtin_prefetch(d->isig + (size_t)ix * DEDUP_K);
            __builtin_prefetch(d->igrp + ix);
            cand[b][n[b]++] = ix;
            continue;
        }
        cur[b] = sl->val;
        __builtin_prefetch(d->blk + (size_t)cur[b] * BLK);
    }
    for (bool more = true; more; ) {
        more = false;
        for (int b = from; b < to; b++) {
            if (cur[b] == BLK_NONE) continue;
            const uint32_t *h = d->blk + (size_t)cur[b] * BLK;
            for (uint32_t k = h[0] >> 28; k >= 1 && n[b] < BUCKET_SCAN; k--) {
                uint32_t ix = h[k];
                __builtin_prefetch(d->isig + (size_t)ix * DEDUP_K);
                    __builtin_prefetch(d->igrp + ix);
                cand[b][n[b]++] = ix;
            }
            cur[b] = n[b] < BUCKET_SCAN ? h[0] & BLK_NONE : BLK_NONE;
            if (cur[b] != BLK_NONE) { __builtin_prefetch(d->blk + (size_t)cur[b] * BLK); more = true; }
        }
    }
}

#define REP_MIN 0.2f   /* a joiner (or bridge) must be this near its group's first message too */
#define MAXG 16         /* groups a query tracks */

/* The best match (as dedup_query) and every other group it may bridge
 * (roots, at most cap, into also[]; *nalso their count).
 *
 * A candidate at or above the threshold counts for its group only if the
 * message is also within REP_MIN of the group's representative (its first
 * message): with single links alone, a chain of messages each near the
 * last drifted from one campaign into the next (two letters sharing 望严肃查处
 * and a reply request made one group of 42,000). Each group's
 * representative is compared once per query. */
static void query(const dedup *d, const dedup_sig *sig, dedup_result *res, uint32_t *also, int cap, int *nalso, float *nearest) {
    res->msg = UINT32_MAX; res->group = UINT32_MAX; res->match = UINT32_MAX;
    res->sim = 0; res->new_group = false; res->nmerged = 0;
    *nalso = 0;
    uint32_t m;
    if (ht_get(&d->exact, sig->exact, &m)) { res->match = m; res->group = root(d, d->grp[m]); res->sim = 1; }
    *nearest = res->sim;
    if (sig->nshingles < DEDUP_MIN_SHINGLES || !d->bcap) return;
    uint8_t q8[DEDUP_K];
    for (int k = 0; k < DEDUP_K; k++) q8[k] = (uint8_t)sig->mh[k];
    /* Candidates seen in an earlier band are not checked again: a small set on the stack. */
    uint32_t seen[4096];
    memset(seen, 0xff, sizeof seen);
    /* Groups met: root, whether its representative is near, best member. */
    uint32_t gid[MAXG], gbest[MAXG];
    float gsim[MAXG];
    bool gok[MAXG];
    int ng = 0;
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
            float s = sim8(q8, d->isig + (size_t)ix * DEDUP_K);
            if (s > *nearest) *nearest = s;
            if (s < d->cfg.threshold) continue;
            uint32_t g = root(d, d->igrp[ix]);
            int k = 0;
            while (k < ng && gid[k] != g) k++;
            if (k == ng) {
                if (ng == MAXG) continue;
                uint32_t r = d->g[g].rix;
                gid[k] = g; gsim[k] = s; gbest[k] = ix;
                gok[k] = r == UINT32_MAX || r == ix || sim8(q8, d->isig + (size_t)r * DEDUP_K) >= REP_MIN;
                ng++;
            } else if (s > gsim[k] || (s == gsim[k] && ix < gbest[k])) { gsim[k] = s; gbest[k] = ix; }
            if (!gok[k]) continue;
            /* Ties go to the earlier message: the older group is the campaign. */
            if (s > best || (s == best && besti != UINT32_MAX && ix < besti)) { best = s; besti = ix; }
        }
        /* A near copy of one member (of any group) bridges nothing new:
         * stop early, which bounds the cost of the many copies of a big
         * campaign even when its group's first message is far. */
        if (*nearest >= NEAR) break;
    }
    /* Near members of other groups: the message bridges them (union-find
     * merge). A merge joins every member of two groups, so it asks for more
     * than joining one: at the join threshold, short messages chained
     * unrelated campaigns into one group of a third of a million. */
    for (int k = 0; k < ng && *nalso < cap; k++)
        if (gok[k] && gsim[k] >= MERGE_FLOOR && (gsim[k] >= d->cfg.threshold + MERGE_MARGIN || sig->nshingles >= MERGE_SHINGLES)) also[(*nalso)++] = gid[k];
    if (besti != UINT32_MAX && res->match == UINT32_MAX) {
        res->match = d->imsg[besti]; res->group = root(d, d->grp[res->match]); res->sim = best;
    } else if (besti != UINT32_MAX && best > res->sim) {
        res->match = d->imsg[besti]; res->sim = best;
    }
}

void dedup_prefetch(const dedup *d, const dedup_sig *sig) {
    if (sig->nshingles < DEDUP_MIN_SHINGLES || !d->bcap) return;
    for (int b = 0; b < d->cfg.bands; b++) __builtin_prefetch(&d->bslots[bpos(d, b, band_key(d, sig->mh, b))]);
}

void dedup_query(const dedup *d, const dedup_sig *sig, dedup_result *res) {
    uint32_t also[DEDUP_MAX_MERGE];
    int na;
    float nearest;
    query(d, sig, res, also, DEDUP_MAX_MERGE, &na, &nearest);
    /* The group it would end in is the oldest of those it touches. */
    for (int k = 0; k < na; k++) if (res->group == UINT32_MAX || also[k] < res->group) res->group = also[k];
}

/* Counts author for group g once. Returns 0 or -1 OOM. */
static int author_add(dedup *d, uint32_t g, uint64_t author) {
    if (!author) return 0;
    uint64_t k = mix64(author ^ mix64((uint64_t)d->g[g].aset + 0x9E3779B97F4A7C15ull));
    int ins = ht_put(&d->authors, k ? k : 1, 0, NULL);
    if (ins < 0) return -1;
    d->g[g].authors += (uint32_t)ins;
    return 0;
}

/* Moves group a's members into group b (b < a: the older id stays). */
static int merge(dedup *d, uint32_t b, uint32_t a) {
    /* Authors: the smaller group's members are counted into the larger
     * group's set, which the merged group keeps (each member's author is
     * counted again only when its side is the smaller: O(log n) times). */
    uint32_t into = d->g[b].size >= d->g[a].size ? b : a, from = into == b ? a : b;
    for (uint32_t m = d->g[from].head; m != UINT32_MAX; m = d->nextm[m])
        if (author_add(d, into, d->author[m])) return -1;
    group *gb = &d->g[b], *ga = &d->g[a];
    if (into == a) { gb->aset = ga->aset; gb->authors = ga->authors; }
    if (ga->size) {
        if (gb->size) d->nextm[gb->tail] = ga->head; else gb->head = ga->head;
        gb->tail = ga->tail;
    }
    gb->size += ga->size;
    if (ga->first < gb->first) gb->first = ga->first;
    if (ga->last > gb->last) gb->last = ga->last;
    if (ga->rep < gb->rep) { gb->rep = ga->rep; gb->rix = ga->rix; }
    ga->parent = b;
    ga->size = 0;
    return 0;
}

int dedup_add(dedup *d, const dedup_sig *sig, uint64_t ext_id, uint64_t author, int64_t t, dedup_result *res) {
    dedup_result r;
    uint32_t also[DEDUP_MAX_MERGE];
    int na;
    float nearest;
    query(d, sig, &r, also, DEDUP_MAX_MERGE, &na, &nearest);
    for (int k = 0; k < na; k++) if (r.group == UINT32_MAX || also[k] < r.group) r.group = also[k];
    size_t capm = d->capm;
    if (d->nmsg >= UINT32_MAX - 1) return -1;
    if (grow_arr((void **)&d->ext, &capm, d->nmsg + 1, sizeof *d->ext)) return -1;
    capm = d->capm;
    if (grow_arr((void **)&d->grp, &capm, d->nmsg + 1, sizeof *d->grp)) return -1;
    capm = d->capm;
    if (grow_arr((void **)&d->nextm, &capm, d->nmsg + 1, sizeof *d->nextm)) return -1;
    capm = d->capm;
    if (grow_arr((void **)&d->author, &capm, d->nmsg + 1, sizeof *d->author)) return -1;
    d->capm = capm;
    uint32_t msg = (uint32_t)d->nmsg;
    if (r.group == UINT32_MAX) {
        if (grow_arr((void **)&d->g, &d->capg, d->ng + 1, sizeof *d->g)) return -1;
        r.group = (uint32_t)d->ng;
        d->g[d->ng] = (group){ msg, 0, 0, msg, msg, (uint32_t)d->ng, UINT32_MAX, (uint32_t)d->ng, t, t };
        d->ng++;
        r.new_group = true;
    }
    /* Exact hash: remember the first message with this text. */
    size_t slot;
    if (ht_put(&d->exact, sig->exact, msg, &slot) < 0) return -1;
    /* LSH: index unless exactly or nearly a copy of an indexed message. */
    if (nearest < NEAR && sig->nshingles >= DEDUP_MIN_SHINGLES) {
        size_t capi = d->capi;
        if (grow_arr((void **)&d->imsg, &capi, d->nidx + 1, sizeof *d->imsg)) return -1;
        capi = d->capi;
        if (grow_arr((void **)&d->igrp, &capi, d->nidx + 1, sizeof *d->igrp)) return -1;
        capi = d->capi;
        if (d->nidx + 1 > capi) {   /* a cache-line-aligned array: one line a candidate */
            size_t nc = capi ? capi * 2 : 1024;
            uint8_t *ns = aligned_alloc(64, nc * DEDUP_K);
            if (!ns) return -1;
            if (d->nidx) memcpy(ns, d->isig, d->nidx * DEDUP_K);
            free(d->isig);
            d->isig = ns; d->capi = nc;
        }
        if (d->nidx >= SINGLE) return -1;
        uint32_t ix = (uint32_t)d->nidx;
        d->imsg[ix] = msg;
        d->igrp[ix] = r.group;
        for (int k = 0; k < DEDUP_K; k++) d->isig[(size_t)ix * DEDUP_K + k] = (uint8_t)sig->mh[k];
        if (r.new_group) d->g[r.group].rix = ix;
        for (int b = 0; b < d->cfg.bands; b++)
            if (bucket_add(d, b, band_key(d, sig->mh, b), ix)) return -1;
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

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

size_t dedup_group_members(const dedup *d, uint32_t gi, uint32_t *out, size_t cap) {
    if (gi >= d->ng || d->g[gi].parent != gi) return 0;
    /* The list is in no order (merges link lists): all of it, sorted. */
    size_t n = d->g[gi].size, k = 0;
    uint32_t *all = malloc((n ? n : 1) * sizeof *all);
    if (!all) {                                 /* out of memory: some members, unsorted */
        for (uint32_t m = d->g[gi].head; m != UINT32_MAX && k < cap; m = d->nextm[m]) out[k++] = m;
        return n;
    }
    for (uint32_t m = d->g[gi].head; m != UINT32_MAX && k < n; m = d->nextm[m]) all[k++] = m;
    qsort(all, k, sizeof *all, cmp_u32);
    memcpy(out, all, (k < cap ? k : cap) * sizeof *out);
    free(all);
    return n;
}

size_t dedup_memory(const dedup *d) {
    return sizeof *d + d->capm * (2 * sizeof *d->ext + 2 * sizeof(uint32_t)) + d->capg * sizeof *d->g +
           d->exact.cap * 12 + d->authors.cap * 12 + (size_t)d->cfg.bands * d->bcap * sizeof *d->bslots +
           d->capblk * BLK * sizeof *d->blk + d->capi * (DEDUP_K * sizeof(uint8_t) + 2 * sizeof(uint32_t));
}

uint64_t dedup_author_key(const char *s, size_t n) {
    if (!n) return 0;
    uint64_t k = XXH3_64bits(s, n);
    return k ? k : 1;
}

/* ---- image: the index as bytes, kept across restarts ---- */

/* "MDD3": groups name their author set (group.aset). "MDD2" (the same
 * layout, that field 0) is read with each group's own set, what its merges
 * counted into; "MDD1" (per-message links instead of bucket blocks) is
 * refused (dedup_loader_finish -1) and the caller re-adds its messages. */
#define IMAGE_MAGIC 0x4d444433u
#define IMAGE_MAGIC_V2 0x4d444432u
#define NSEG 15

typedef struct {
    uint32_t magic, kmin;          /* kmin: DEDUP_K, so another build's image is refused */
    float threshold; int32_t bands, rows;
    uint32_t freeblk;
    uint64_t nmsg, ng, nidx, bcap, nblk;
    uint64_t cap[2], n[2];         /* exact, authors tables */
    uint64_t bn[DEDUP_K];
} image_hdr;

/* The segments of the image after its header, in order; sizes from h. */
static size_t segments(dedup *d, const image_hdr *h, void **dst, size_t *len) {
    htab *t[2] = { &d->exact, &d->authors };
    size_t k = 0;
    dst[k] = d->ext; len[k++] = h->nmsg * sizeof *d->ext;
    dst[k] = d->author; len[k++] = h->nmsg * sizeof *d->author;
    dst[k] = d->grp; len[k++] = h->nmsg * sizeof *d->grp;
    dst[k] = d->nextm; len[k++] = h->nmsg * sizeof *d->nextm;
    dst[k] = d->g; len[k++] = h->ng * sizeof *d->g;
    for (int i = 0; i < 2; i++) {
        dst[k] = t[i]->key; len[k++] = h->cap[i] * sizeof *t[i]->key;
        dst[k] = t[i]->val; len[k++] = h->cap[i] * sizeof *t[i]->val;
    }
    dst[k] = d->isig; len[k++] = h->nidx * DEDUP_K * sizeof *d->isig;
    dst[k] = d->imsg; len[k++] = h->nidx * sizeof *d->imsg;
    dst[k] = d->igrp; len[k++] = h->nidx * sizeof *d->igrp;
    dst[k] = d->bslots; len[k++] = (size_t)h->bands * h->bcap * sizeof *d->bslots;
    dst[k] = d->blk; len[k++] = h->nblk * BLK * sizeof *d->blk;
    return k;
}

static void header(const dedup *d, image_hdr *h) {
    memset(h, 0, sizeof *h);
    const htab *t[2] = { &d->exact, &d->authors };
    h->magic = IMAGE_MAGIC; h->kmin = DEDUP_K;
    h->threshold = d->cfg.threshold; h->bands = d->cfg.bands; h->rows = d->cfg.rows;
    h->nmsg = d->nmsg; h->ng = d->ng; h->nidx = d->nidx; h->bcap = d->bcap; h->nblk = d->nblk; h->freeblk = d->freeblk;
    for (int i = 0; i < 2; i++) { h->cap[i] = t[i]->cap; h->n[i] = t[i]->n; }
    memcpy(h->bn, d->bn, sizeof h->bn);
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
    if ((h->magic != IMAGE_MAGIC && h->magic != IMAGE_MAGIC_V2) || h->kmin != DEDUP_K || h->threshold != d->cfg.threshold || h->bands != d->cfg.bands
        || h->rows != d->cfg.rows || h->nmsg >= UINT32_MAX || h->nidx > h->nmsg || h->ng > h->nmsg
        || h->nblk >= BLK_NONE || (h->bcap & (h->bcap - 1)) || h->bcap > ((size_t)1 << 40)) return -1;
    htab *t[2] = { &d->exact, &d->authors };
    for (int i = 0; i < 2; i++) {
        if (h->cap[i] & (h->cap[i] - 1) || h->n[i] > h->cap[i]) return -1;   /* a power of two, or 0 */
        if (h->cap[i]) {
            t[i]->key = malloc(h->cap[i] * sizeof *t[i]->key);
            t[i]->val = malloc(h->cap[i] * sizeof *t[i]->val);
            if (!t[i]->key || !t[i]->val) return -1;
        }
        t[i]->cap = h->cap[i]; t[i]->n = h->n[i];
    }
    for (int b = 0; b < d->cfg.bands; b++) if (h->bn[b] > h->bcap) return -1;
    size_t m = h->nmsg ? h->nmsg : 1, gi = h->ng ? h->ng : 1, ix = h->nidx ? h->nidx : 1, nbk = h->nblk ? h->nblk : 1;
    d->ext = malloc(m * sizeof *d->ext); d->author = malloc(m * sizeof *d->author);
    d->grp = malloc(m * sizeof *d->grp); d->nextm = malloc(m * sizeof *d->nextm);
    d->g = malloc(gi * sizeof *d->g);
    d->isig = aligned_alloc(64, ix * DEDUP_K); d->imsg = malloc(ix * sizeof *d->imsg);
    d->igrp = malloc(ix * sizeof *d->igrp);
    d->blk = malloc(nbk * BLK * sizeof *d->blk);
    if (h->bcap) d->bslots = malloc((size_t)d->cfg.bands * h->bcap * sizeof *d->bslots);
    if (!d->ext || !d->author || !d->grp || !d->nextm || !d->g || !d->isig || !d->imsg || !d->igrp || !d->blk || (h->bcap && !d->bslots)) return -1;
    d->nmsg = h->nmsg; d->capm = m; d->ng = h->ng; d->capg = gi; d->nidx = h->nidx; d->capi = ix;
    d->bcap = h->bcap; d->nblk = h->nblk; d->capblk = nbk; d->freeblk = h->freeblk;
    memcpy(d->bn, h->bn, sizeof d->bn);
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

/* Every reference inside the image points inside it. */
static bool image_consistent(const dedup *d) {
    for (size_t i = 0; i < d->nmsg; i++)
        if (d->grp[i] >= d->ng || (d->nextm[i] != UINT32_MAX && d->nextm[i] >= d->nmsg)) return false;
    for (size_t i = 0; i < d->ng; i++) {
        const group *g = &d->g[i];
        if (g->parent >= d->ng || g->aset >= d->ng || g->rep >= d->nmsg || (g->rix != UINT32_MAX && g->rix >= d->nidx) || (g->size && (g->head >= d->nmsg || g->tail >= d->nmsg))) return false;
    }
    for (size_t i = 0; i < d->nidx; i++) if (d->imsg[i] >= d->nmsg || d->igrp[i] >= d->ng) return false;
    if (d->freeblk != BLK_NONE && d->freeblk >= d->nblk) return false;
    for (size_t i = 0; i < d->nblk; i++) {
        const uint32_t *h = d->blk + i * BLK;
        uint32_t nx = h[0] & BLK_NONE, cnt = h[0] >> 28;
        if ((nx != BLK_NONE && nx >= d->nblk) || cnt >= BLK) return false;
        for (uint32_t k = 1; k <= cnt; k++) if (h[k] >= d->nidx) return false;
    }
    for (size_t i = 0; i < (size_t)d->cfg.bands * d->bcap; i++) {
        uint32_t v = d->bslots[i].val;
        if (v != EMPTY && ((v & SINGLE) ? (v & ~SINGLE) >= d->nidx : v >= d->nblk)) return false;
    }
    for (size_t i = 0; i < d->exact.cap; i++) if (d->exact.key[i] && d->exact.val[i] >= d->nmsg) return false;
    return true;
}

int dedup_loader_finish(dedup_loader *l, dedup **out) {
    *out = NULL;
    if (!l->bad && l->nseg && l->h.magic == IMAGE_MAGIC_V2)
        for (size_t i = 0; i < l->d->ng; i++) l->d->g[i].aset = (uint32_t)i;
    bool ok = !l->bad && l->nseg && l->seg == l->nseg && image_consistent(l->d);
    if (ok) { *out = l->d; l->d = NULL; }
    dedup_free(l->d);
    free(l);
    return ok ? 0 : -1;
}
