/* hot_image.c: the hot-issue state as bytes and back (hot.h: hot_save,
 * hot_loader_*), so a server restarts from its kept image instead of
 * re-reading every message. The image is a header, the flat arrays of
 * hot_int.h in a fixed order, and an XXH3 checksum of all of it; a loader
 * that sees anything inconsistent refuses the whole. docs/hot-issues.md. */
#include "text/hot_int.h"
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define IMAGE_MAGIC 0x48545331u     /* "HTS1": change it when the layout changes */
#define NMAPS 6
#define NSEG 32

typedef struct {
    uint32_t magic, version;
    uint32_t sz_issue, sz_word, profile, days, word_issues, pad;
    int32_t window_days, learn_on_add;
    double join_place, join_noplace, filler_df, half_life_days;
    uint64_t npool, nw, ndays, npl, nis, nm, ndocs;
    uint32_t lru_head, pad2;
    uint64_t cap[NMAPS], n[NMAPS];
} image_hdr;

static void maps_of(hot *h, map *m[NMAPS]) {
    m[0] = &h->words; m[1] = &h->places; m[2] = &h->prefix2;
    m[3] = &h->authors; m[4] = &h->dupgroups; m[5] = &h->msgs;
}

/* The arrays in image order: dst[k] and len[k] bytes. */
static size_t segments(hot *h, void *dst[NSEG], size_t len[NSEG]) {
    size_t k = 0;
    map *m[NMAPS];
    maps_of(h, m);
    for (int i = 0; i < NMAPS; i++) {
        dst[k] = m[i]->key; len[k++] = m[i]->cap * sizeof *m[i]->key;
        dst[k] = m[i]->val; len[k++] = m[i]->cap * sizeof *m[i]->val;
    }
    dst[k] = h->pool; len[k++] = h->npool;
    dst[k] = h->w; len[k++] = h->nw * sizeof *h->w;
    dst[k] = h->days; len[k++] = h->ndays * DAYS * sizeof *h->days;
    dst[k] = h->pl_str; len[k++] = h->npl * sizeof *h->pl_str;
    dst[k] = h->pl_count; len[k++] = h->npl * sizeof *h->pl_count;
    dst[k] = h->pl_newest; len[k++] = h->npl * sizeof *h->pl_newest;
    dst[k] = h->pl_canon; len[k++] = h->npl * sizeof *h->pl_canon;
    dst[k] = h->is; len[k++] = h->nis * sizeof *h->is;
    dst[k] = h->mid; len[k++] = h->nm * sizeof *h->mid;
    dst[k] = h->mt; len[k++] = h->nm * sizeof *h->mt;
    dst[k] = h->mnext; len[k++] = h->nm * sizeof *h->mnext;
    dst[k] = h->missue; len[k++] = h->nm * sizeof *h->missue;
    return k;
}

static void header(const hot *h, image_hdr *x) {
    memset(x, 0, sizeof *x);
    x->magic = IMAGE_MAGIC; x->version = 1;
    x->sz_issue = sizeof(issue); x->sz_word = sizeof(word);
    x->profile = PROFILE; x->days = DAYS; x->word_issues = WORD_ISSUES;
    x->window_days = h->cfg.window_days; x->learn_on_add = h->cfg.learn_on_add;
    x->join_place = h->cfg.join_place; x->join_noplace = h->cfg.join_noplace;
    x->filler_df = h->cfg.filler_df; x->half_life_days = h->cfg.half_life_days;
    x->npool = h->npool; x->nw = h->nw; x->ndays = h->ndays; x->npl = h->npl;
    x->nis = h->nis; x->nm = h->nm; x->ndocs = h->ndocs; x->lru_head = h->lru_head;
    map *m[NMAPS];
    maps_of((hot *)h, m);
    for (int i = 0; i < NMAPS; i++) { x->cap[i] = m[i]->cap; x->n[i] = m[i]->n; }
}

int hot_save(const hot *h, int (*put)(void *ud, const void *p, size_t n), void *ud) {
    image_hdr x;
    header(h, &x);
    void *dst[NSEG]; size_t len[NSEG];
    size_t k = segments((hot *)h, dst, len);
    XXH3_state_t *sum = XXH3_createState();
    if (!sum) return -1;
    XXH3_64bits_reset(sum);
    int rc = put(ud, &x, sizeof x);
    XXH3_64bits_update(sum, &x, sizeof x);
    for (size_t i = 0; i < k && !rc; i++) {
        if (!len[i]) continue;
        rc = put(ud, dst[i], len[i]);
        XXH3_64bits_update(sum, dst[i], len[i]);
    }
    uint64_t s = XXH3_64bits_digest(sum);
    XXH3_freeState(sum);
    return rc ? rc : put(ud, &s, sizeof s);
}

struct hot_loader {
    hot *h;
    image_hdr x;
    size_t have;                   /* bytes of the current part so far */
    void *dst[NSEG + 1]; size_t len[NSEG + 1], nseg, seg;   /* the last part is the checksum */
    uint64_t sum;
    XXH3_state_t *st;
    int bad;
};

int hot_loader_new(const seg_dict *d, const hot_cfg *cfg, hot_loader **out) {
    hot_loader *l = calloc(1, sizeof *l);
    if (!l || !(l->st = XXH3_createState()) || hot_new(d, cfg, &l->h)) {
        if (l) XXH3_freeState(l->st);
        free(l);
        return -1;
    }
    XXH3_64bits_reset(l->st);
    *out = l;
    return 0;
}

/* n items of elem bytes, never 0 bytes (so NULL means out of memory). */
static void *alloc_n(size_t n, size_t elem) { return malloc(n ? n * elem : 1); }

/* Replaces the empty tables of l->h with arrays of the sizes the header
 * announces; the image bytes then go straight into them. */
static int loader_alloc(hot_loader *l) {
    hot *h = l->h;
    const image_hdr *x = &l->x;
    if (x->magic != IMAGE_MAGIC || x->version != 1 || x->sz_issue != sizeof(issue) || x->sz_word != sizeof(word)
        || x->profile != PROFILE || x->days != DAYS || x->word_issues != WORD_ISSUES
        || x->window_days != h->cfg.window_days || x->learn_on_add != h->cfg.learn_on_add
        || x->join_place != h->cfg.join_place || x->join_noplace != h->cfg.join_noplace
        || x->filler_df != h->cfg.filler_df || x->half_life_days != h->cfg.half_life_days)
        return -1;
    /* Sizes a 32-bit id can reach; a pool past 4 GB could not be addressed either. */
    if (!x->npool || x->npool > UINT32_MAX || !x->nw || x->nw >= UINT32_MAX || x->ndays >= UINT32_MAX || !x->npl
        || x->npl >= UINT32_MAX || x->nis >= UINT32_MAX || x->nm >= UINT32_MAX) return -1;
    map *m[NMAPS];
    maps_of(h, m);
    for (int i = 0; i < NMAPS; i++) {
        /* A power of two with an empty slot left, or empty: a full map would never end a probe. */
        if (x->cap[i] & (x->cap[i] - 1) || (x->cap[i] && x->n[i] >= x->cap[i]) || (!x->cap[i] && x->n[i]) || x->cap[i] > ((size_t)1 << 40)) return -1;
        free(m[i]->key); free(m[i]->val);
        m[i]->key = NULL; m[i]->val = NULL; m[i]->cap = m[i]->n = 0;
        if (x->cap[i]) {
            m[i]->key = malloc(x->cap[i] * sizeof *m[i]->key);
            m[i]->val = malloc(x->cap[i] * sizeof *m[i]->val);
            if (!m[i]->key || !m[i]->val) return -1;
        }
        m[i]->cap = x->cap[i]; m[i]->n = x->n[i];
    }
    free(h->pool); free(h->w); free(h->days); free(h->pl_str); free(h->pl_count); free(h->pl_newest); free(h->pl_canon);
    free(h->is); free(h->mid); free(h->mt); free(h->mnext); free(h->missue);
    h->pool = alloc_n(x->npool, 1); h->cappool = x->npool ? x->npool : 1; h->npool = x->npool;
    h->w = alloc_n(x->nw, sizeof *h->w); h->capw = x->nw ? x->nw : 1; h->nw = x->nw;
    h->days = alloc_n(x->ndays * DAYS, sizeof *h->days); h->capdays = x->ndays ? x->ndays * DAYS : 1; h->ndays = x->ndays;
    size_t npl = x->npl ? x->npl : 1;
    h->pl_str = alloc_n(npl, sizeof *h->pl_str); h->pl_count = alloc_n(npl, sizeof *h->pl_count);
    h->pl_newest = alloc_n(npl, sizeof *h->pl_newest); h->pl_canon = alloc_n(npl, sizeof *h->pl_canon);
    h->cappl = npl; h->npl = x->npl;
    h->is = alloc_n(x->nis, sizeof *h->is); h->capis = x->nis ? x->nis : 1; h->nis = x->nis;
    size_t nm = x->nm ? x->nm : 1;
    h->mid = alloc_n(nm, sizeof *h->mid); h->mt = alloc_n(nm, sizeof *h->mt);
    h->mnext = alloc_n(nm, sizeof *h->mnext); h->missue = alloc_n(nm, sizeof *h->missue);
    h->capm = nm; h->nm = x->nm;
    h->ndocs = x->ndocs; h->lru_head = x->lru_head;
    if (!h->pool || !h->w || !h->days || !h->pl_str || !h->pl_count || !h->pl_newest || !h->pl_canon || !h->is
        || !h->mid || !h->mt || !h->mnext || !h->missue) return -1;
    l->nseg = segments(h, l->dst, l->len);
    l->dst[l->nseg] = &l->sum; l->len[l->nseg] = sizeof l->sum;
    l->nseg++;
    l->seg = 0; l->have = 0;
    while (l->seg < l->nseg && !l->len[l->seg]) l->seg++;
    return 0;
}

int hot_loader_feed(hot_loader *l, const void *p, size_t n) {
    const char *s = p;
    while (n && !l->bad) {
        if (!l->nseg) {
            size_t k = sizeof l->x - l->have < n ? sizeof l->x - l->have : n;
            memcpy((char *)&l->x + l->have, s, k);
            XXH3_64bits_update(l->st, s, k);
            l->have += k; s += k; n -= k;
            if (l->have == sizeof l->x && loader_alloc(l)) l->bad = 1;
            continue;
        }
        if (l->seg >= l->nseg) { l->bad = 1; break; }    /* more bytes than the header announced */
        size_t k = l->len[l->seg] - l->have < n ? l->len[l->seg] - l->have : n;
        memcpy((char *)l->dst[l->seg] + l->have, s, k);
        if (l->seg + 1 < l->nseg) XXH3_64bits_update(l->st, s, k);
        l->have += k; s += k; n -= k;
        if (l->have == l->len[l->seg]) {
            l->have = 0;
            do l->seg++; while (l->seg < l->nseg && !l->len[l->seg]);
        }
    }
    return l->bad ? -1 : 0;
}

static int ref_ok(uint32_t v, size_t n) { return v == NONE || v < n; }

/* Every reference inside the image points inside it, and the chains that
 * readers walk end: a damaged image must not become a crash or a hang. */
static int consistent(const hot *h) {
    if (h->pool[h->npool - 1]) return 0;                 /* every string ends */
    for (size_t i = 0; i < h->words.cap; i++) if (h->words.key[i] && (!h->words.val[i] || h->words.val[i] >= h->nw)) return 0;
    for (size_t i = 0; i < h->places.cap; i++) if (h->places.key[i] && (!h->places.val[i] || h->places.val[i] >= h->npl)) return 0;
    for (size_t i = 0; i < h->msgs.cap; i++) if (h->msgs.key[i] && h->msgs.val[i] >= h->nm) return 0;
    for (size_t i = 0; i < h->dupgroups.cap; i++) if (h->dupgroups.key[i] && (!h->dupgroups.val[i] || h->dupgroups.val[i] > h->nis)) return 0;
    for (size_t i = 1; i < h->nw; i++) {
        const word *w = &h->w[i];
        if (w->str >= h->npool || w->days > h->ndays || w->nissues > WORD_ISSUES) return 0;
        for (int j = 0; j < w->nissues; j++) if (w->issues[j] >= h->nis) return 0;
    }
    for (size_t i = 1; i < h->npl; i++)
        if (h->pl_str[i] >= h->npool || !ref_ok(h->pl_newest[i], h->nis) || !h->pl_canon[i] || h->pl_canon[i] >= h->npl) return 0;
    for (size_t i = 0; i < h->nis; i++) {
        const issue *x = &h->is[i];
        if (x->place >= h->npl || x->district >= h->npl || !ref_ok(x->head, h->nm) || !ref_ok(x->lru_prev, h->nis)
            || !ref_ok(x->lru_next, h->nis) || !ref_ok(x->next_same_place, h->nis) || x->display >= h->npool) return 0;
        for (int b = 0; b < PROFILE; b++) if (x->p[b].word >= h->nw) return 0;
    }
    for (size_t i = 0; i < h->nm; i++) if (!ref_ok(h->mnext[i], h->nm) || h->missue[i] >= h->nis) return 0;
    /* The ranking walks the issues newest first until one is too old: that walk must end. */
    size_t steps = 0;
    for (uint32_t i = h->lru_head; i != NONE; i = h->is[i].lru_next)
        if (i >= h->nis || ++steps > h->nis) return 0;
    return ref_ok(h->lru_head, h->nis);
}

int hot_loader_finish(hot_loader *l, hot **out) {
    *out = NULL;
    int ok = !l->bad && l->nseg && l->seg == l->nseg && l->sum == XXH3_64bits_digest(l->st) && consistent(l->h)
             && !hot_touch_rebuild(l->h);
    if (ok) { *out = l->h; l->h = NULL; }
    hot_free(l->h);
    XXH3_freeState(l->st);
    free(l);
    return ok ? 0 : -1;
}
