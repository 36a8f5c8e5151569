/* keywords.c: see keywords.h. Both methods follow jieba.analyse 0.42.1; the
 * Chinese stop-word list is ours: function words that idf alone lets through. */
#include "text/keywords.h"
#include "text/segdict.h"
#include <stdlib.h>
#include <string.h>

struct kw_ctx {
    const seg_dict *d;
    seg_ctx *seg;
    kw_item *items; size_t capitems;
    /* distinct candidate words: first occurrence, count, hash slot table */
    uint32_t *slot; size_t capslot;
    uint32_t *seq; size_t capseq;        /* node id per candidate position (TextRank) */
    int32_t *wpos; size_t capwpos;       /* candidate word index -> node id, -1 if filtered */
    double *ws, *outsum;
    size_t capnodes, capoutsum;
    uint32_t *adjoff, *adj; size_t capadjoff, capadj;
    uint64_t *pairs; size_t cappairs;
};

static const char *const stop_en[] = {
    "the", "of", "is", "and", "to", "in", "that", "we", "for", "an", "are", "by", "be", "as", "on",
    "with", "can", "if", "from", "which", "you", "it", "this", "then", "at", "have", "all", "not",
    "one", "has", "or",
};
static const char *const stop_zh[] = {
    "我们", "你们", "他们", "她们", "它们", "自己", "这个", "那个", "这些", "那些", "这样", "那样",
    "这里", "那里", "这种", "一个", "一些", "没有", "什么", "怎么", "为什么", "因为", "所以", "但是",
    "而且", "并且", "如果", "虽然", "可以", "已经", "还是", "就是", "还有", "只是", "以及", "或者",
    "对于", "关于", "等等", "进行", "通过", "其中", "之后", "之前", "以后", "以前", "时候", "现在",
    "目前", "然后", "不是", "也是", "都是", "一直", "非常", "比较", "需要", "希望", "您好", "你好",
    "请问", "谢谢", "能否", "是否", "有关", "相关", "问题", "情况", "我们的", "他们的", "的话",
};

int kw_ctx_new(const seg_dict *d, kw_ctx **out) {
    kw_ctx *k = calloc(1, sizeof *k);
    if (!k || seg_ctx_new(d, &k->seg)) { free(k); return -1; }
    k->d = d;
    *out = k;
    return 0;
}

void kw_ctx_free(kw_ctx *k) {
    if (!k) return;
    seg_ctx_free(k->seg);
    free(k->items); free(k->slot); free(k->seq); free(k->wpos); free(k->ws); free(k->outsum); free(k->pairs); free(k->adjoff); free(k->adj);
    free(k);
}

static int reserve(void **p, size_t *cap, size_t need, size_t size) {
    if (need <= *cap) return 0;
    size_t nc = *cap ? *cap : 64;
    while (nc < need) nc *= 2;
    void *q = realloc(*p, nc * size);
    if (!q) return -1;
    *p = q;
    *cap = nc;
    return 0;
}

double kw_idf(const seg_dict *d, const char *w, size_t n) {
    uint16_t codes[64];
    long m = segd_encode(w, n, codes, 64);
    int64_t f;
    int32_t cell;
    if (m > 0 && m <= 64) {
        segd_lookup(d, codes, (size_t)m, &f, &cell);
        if (cell > 0 && d->idf[cell] >= 0) return d->idf[cell];
    }
    return d->median_idf;
}

static int is_stop(const char *w, size_t n, int flags) {
    char low[16];
    if (n < sizeof low) {
        for (size_t i = 0; i < n; i++) low[i] = (w[i] >= 'A' && w[i] <= 'Z') ? (char)(w[i] + 32) : w[i];
        for (size_t i = 0; i < sizeof stop_en / sizeof *stop_en; i++)
            if (strlen(stop_en[i]) == n && !memcmp(stop_en[i], low, n)) return 1;
    }
    if (flags & KW_JIEBA_STOPWORDS) return 0;
    for (size_t i = 0; i < sizeof stop_zh / sizeof *stop_zh; i++)
        if (strlen(stop_zh[i]) == n && !memcmp(stop_zh[i], w, n)) return 1;
    return 0;
}

/* jieba: len(w.strip()) < 2 (in characters) or a stop word. */
static int candidate(const char *s, seg_word w, int flags) {
    if (seg_is_space(s, w)) return 0;
    size_t chars = 0;
    for (size_t i = w.off; i < (size_t)w.off + w.len; i++) chars += ((unsigned char)s[i] & 0xC0) != 0x80;
    return chars >= 2 && !is_stop(s + w.off, w.len, flags);
}

static uint64_t hash_bytes(const char *p, size_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) { h ^= (unsigned char)p[i]; h *= 1099511628211ULL; }
    return h;
}

/* Interns word w into k->items (weight used as a counter); returns its index. */
static long intern(kw_ctx *k, const char *s, seg_word w, size_t *nitems) {
    uint64_t h = hash_bytes(s + w.off, w.len);
    size_t mask = k->capslot - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        uint32_t v = k->slot[i];
        if (!v) {
            k->slot[i] = (uint32_t)(*nitems + 1);
            k->items[*nitems] = (kw_item){ w.off, w.len, 0 };
            return (long)(*nitems)++;
        }
        kw_item *it = &k->items[v - 1];
        if (it->len == w.len && !memcmp(s + it->off, s + w.off, w.len)) return (long)(v - 1);
    }
}

static int cmp_item(const void *a, const void *b) {
    const kw_item *x = a, *y = b;
    if (x->weight != y->weight) return x->weight > y->weight ? -1 : 1;
    return x->off < y->off ? -1 : x->off > y->off;
}

static int tag_ok(const seg_dict *d, const char *w, size_t n) {
    /* jieba.analyse.textrank's allowPOS ('ns', 'n', 'vn', 'v'); words outside
     * the dictionary (found by the HMM) are taken as nouns, as posseg mostly does. */
    uint16_t codes[64];
    long m = segd_encode(w, n, codes, 64);
    int64_t f;
    int32_t cell;
    if (m <= 0 || m > 64 || !segd_lookup(d, codes, (size_t)m, &f, &cell) || cell <= 0 || f <= 0) return 1;
    uint8_t t = d->tag[cell];
    if (!t || t > d->ntags) return 1;
    const char *tag = d->tags[t - 1];
    return !strcmp(tag, "ns") || !strcmp(tag, "n") || !strcmp(tag, "vn") || !strcmp(tag, "v");
}

long kw_extract(kw_ctx *k, const char *s, size_t n, size_t top, int flags, const kw_item **out) {
    const seg_word *w;
    long nw = seg_cut(k->seg, s, n, SEG_PRECISE, &w);
    if (nw < 0) return -1;
    size_t need = 64;
    while (need < 2 * (size_t)nw + 2) need *= 2;
    if (reserve((void **)&k->items, &k->capitems, (size_t)nw + 1, sizeof *k->items) ||
        reserve((void **)&k->wpos, &k->capwpos, (size_t)nw + 1, sizeof *k->wpos)) return -1;
    if (need > k->capslot) {
        free(k->slot);
        if (!(k->slot = malloc(need * sizeof *k->slot))) { k->capslot = 0; return -1; }
        k->capslot = need;
    }
    memset(k->slot, 0, k->capslot * sizeof *k->slot);
    size_t ni = 0;
    if (!(flags & KW_TEXTRANK)) {
        double total = 0;
        for (long i = 0; i < nw; i++) {
            if (!candidate(s, w[i], flags)) continue;
            k->items[intern(k, s, w[i], &ni)].weight += 1.0;
            total += 1.0;
        }
        for (size_t i = 0; i < ni; i++)
            k->items[i].weight *= kw_idf(k->d, s + k->items[i].off, k->items[i].len) / total;
    } else {
        /* Nodes: candidate words with an allowed tag; edges: co-occurrence
         * within a window of 5 words (jieba's span), counted per pair. */
        for (long i = 0; i < nw; i++) {
            k->wpos[i] = -1;
            if (candidate(s, w[i], flags) && tag_ok(k->d, s + w[i].off, w[i].len))
                k->wpos[i] = (int32_t)intern(k, s, w[i], &ni);
        }
        size_t np = 0;
        for (long i = 0; i < nw; i++) {
            if (k->wpos[i] < 0) continue;
            for (long j = i + 1; j < i + 5 && j < nw; j++) {
                if (k->wpos[j] < 0) continue;
                if (reserve((void **)&k->pairs, &k->cappairs, np + 1, sizeof *k->pairs)) return -1;
                uint32_t a = (uint32_t)k->wpos[i], b = (uint32_t)k->wpos[j];
                k->pairs[np++] = a < b ? ((uint64_t)a << 32 | b) : ((uint64_t)b << 32 | a);
            }
        }
        if (reserve((void **)&k->ws, &k->capnodes, ni + 1, sizeof *k->ws)) return -1;
        size_t capo = k->capoutsum;
        if (reserve((void **)&k->outsum, &capo, ni + 1, sizeof *k->outsum) ||
            reserve((void **)&k->adjoff, &k->capadjoff, ni + 2, sizeof *k->adjoff) ||
            reserve((void **)&k->adj, &k->capadj, 2 * np + 1, sizeof *k->adj)) return -1;
        k->capoutsum = capo;
        /* Adjacency lists (CSR); a self-loop appears twice, as in jieba's graph. */
        memset(k->adjoff, 0, (ni + 2) * sizeof *k->adjoff);
        for (size_t p = 0; p < np; p++) {
            k->adjoff[(k->pairs[p] >> 32) + 2]++;
            k->adjoff[(uint32_t)k->pairs[p] + 2]++;
        }
        for (size_t v = 0; v < ni; v++) k->adjoff[v + 2] += k->adjoff[v + 1];
        for (size_t p = 0; p < np; p++) {
            uint32_t a = (uint32_t)(k->pairs[p] >> 32), b = (uint32_t)k->pairs[p];
            k->adj[k->adjoff[a + 1]++] = b;
            k->adj[k->adjoff[b + 1]++] = a;
        }
        for (size_t i = 0; i < ni; i++) {
            k->ws[i] = 1.0 / (double)ni;
            k->outsum[i] = (double)(k->adjoff[i + 1] - k->adjoff[i]);   /* every edge weighs 1 per co-occurrence */
        }
        /* Ten Gauss-Seidel sweeps with damping 0.85. */
        for (int it = 0; it < 10; it++) {
            for (size_t v = 0; v < ni; v++) {
                if (k->outsum[v] <= 0) continue;
                double sum = 0;
                for (uint32_t e = k->adjoff[v]; e < k->adjoff[v + 1]; e++)
                    sum += 1.0 / k->outsum[k->adj[e]] * k->ws[k->adj[e]];
                k->ws[v] = 0.15 + 0.85 * sum;
            }
        }
        double lo = 1e300, hi = -1e300;
        for (size_t v = 0; v < ni; v++) {
            if (k->outsum[v] <= 0) continue;
            if (k->ws[v] < lo) lo = k->ws[v];
            if (k->ws[v] > hi) hi = k->ws[v];
        }
        size_t m = 0;
        for (size_t v = 0; v < ni; v++) {
            if (k->outsum[v] <= 0) continue;   /* not in any pair: not in jieba's graph */
            kw_item it = k->items[v];
            it.weight = hi - lo / 10.0 > 0 ? (k->ws[v] - lo / 10.0) / (hi - lo / 10.0) : 1.0;
            k->items[m++] = it;
        }
        ni = m;
    }
    qsort(k->items, ni, sizeof *k->items, cmp_item);
    *out = k->items;
    return (long)(ni < top ? ni : top);
}
