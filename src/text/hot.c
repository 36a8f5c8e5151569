/* hot.c: see hot.h and docs/hot-issues.md. Words and places are interned
 * to ids; an issue keeps a small profile of its strongest problem words;
 * candidates for a new message come from its place (or, without one, its
 * best words), so adding costs the same at 1,000 or 1,000,000 messages. */
#include "text/hot_int.h"
#include "text/place.h"
#include "text/segdict.h"
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* ---- a u64 -> u32 open-addressing map ---- */

static uint64_t mix(uint64_t x) { x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33; return x ? x : 1; }

static int map_grow(map *m) {
    size_t nc = m->cap ? m->cap * 2 : 1024;
    uint64_t *k = calloc(nc, sizeof *k);
    uint32_t *v = malloc(nc * sizeof *v);
    if (!k || !v) { free(k); free(v); return -1; }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->key[i]) continue;
        size_t j = mix(m->key[i]) & (nc - 1);
        while (k[j]) j = (j + 1) & (nc - 1);
        k[j] = m->key[i]; v[j] = m->val[i];
    }
    free(m->key); free(m->val);
    m->key = k; m->val = v; m->cap = nc;
    return 0;
}

static uint32_t *map_get(const map *m, uint64_t key) {
    if (!m->cap) return NULL;
    size_t j = mix(key) & (m->cap - 1);
    while (m->key[j]) { if (m->key[j] == key) return &m->val[j]; j = (j + 1) & (m->cap - 1); }
    return NULL;
}

/* The value slot of key, inserted with val when absent (*fresh = 1). NULL on OOM. */
static uint32_t *map_put(map *m, uint64_t key, uint32_t val, int *fresh) {
    if ((m->n + 1) * 10 > m->cap * 7 && map_grow(m)) return NULL;
    size_t j = mix(key) & (m->cap - 1);
    while (m->key[j]) { if (m->key[j] == key) { if (fresh) *fresh = 0; return &m->val[j]; } j = (j + 1) & (m->cap - 1); }
    m->key[j] = key; m->val[j] = val; m->n++;
    if (fresh) *fresh = 1;
    return &m->val[j];
}

static void map_free(map *m) { free(m->key); free(m->val); memset(m, 0, sizeof *m); }

static int grow(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 0;
    size_t nc = *cap ? *cap : 256;
    while (nc < need) nc *= 2;
    void *q = realloc(*p, nc * elem);
    if (!q) return -1;
    memset((char *)q + *cap * elem, 0, (nc - *cap) * elem);
    *p = q; *cap = nc;
    return 0;
}

static uint64_t hash(const char *s, size_t n) { uint64_t k = XXH3_64bits(s, n); return k ? k : 1; }

/* ---- the index ---- */

static void frozen_free(frozen *z) {
    if (!z) return;
    map_free(&z->places); map_free(&z->prefix2); map_free(&z->words);
    free(z->count); free(z->df); free(z);
}


void hot_cfg_default(hot_cfg *c) {
    c->window_days = 30; c->join_place = 0.2; c->join_noplace = 0.45; c->filler_df = 0.08; c->learn_on_add = 0;
    c->half_life_days = 14;
}

static uint32_t pool_add(hot *h, const char *s, size_t n) {
    if (grow((void **)&h->pool, &h->cappool, h->npool + n + 1, 1)) return NONE;
    uint32_t off = (uint32_t)h->npool;
    memcpy(h->pool + off, s, n);
    h->pool[off + n] = 0;
    h->npool += n + 1;
    return off;
}

int hot_new(const seg_dict *d, const hot_cfg *cfg, hot **out) {
    hot *h = calloc(1, sizeof *h);
    if (!h) return -1;
    if (cfg) h->cfg = *cfg; else hot_cfg_default(&h->cfg);
    h->d = d;
    h->lru_head = NONE;
    h->nw = 1; h->npl = 1;        /* id 0 = none */
    if (pool_add(h, "", 0) == NONE || grow((void **)&h->w, &h->capw, 1, sizeof *h->w) ||
        grow((void **)&h->pl_str, &h->cappl, 1, sizeof *h->pl_str)) { hot_free(h); return -1; }
    size_t c1 = 0, c2 = 0, c3 = 0;
    if (grow((void **)&h->pl_count, &c1, h->cappl, sizeof *h->pl_count) || grow((void **)&h->pl_newest, &c2, h->cappl, sizeof *h->pl_newest) ||
        grow((void **)&h->pl_canon, &c3, h->cappl, sizeof *h->pl_canon)) { hot_free(h); return -1; }
    *out = h;
    return 0;
}

void hot_free(hot *h) {
    if (!h) return;
    free(h->pool); free(h->days); free(h->w); map_free(&h->words);
    free(h->pl_str); free(h->pl_count); free(h->pl_newest); free(h->pl_canon); map_free(&h->places); map_free(&h->prefix2);
    frozen_free(h->fz);
    map_free(&h->authors); map_free(&h->dupgroups);
    free(h->touch); free(h->itouch);
    free(h->is); free(h->mid); free(h->mt); free(h->mnext); free(h->missue); map_free(&h->msgs);
    free(h);
}

size_t hot_nissues(const hot *h) { return h->nis; }
size_t hot_nmsgs(const hot *h) { return h->nm; }

/* ---- filler words ---- */
static const char *const FILLER[] = {
    "居民", "坚决", "幸福", "反映", "请求", "要求", "希望", "领导", "政府", "部门", "相关", "有关",
    "问题", "情况", "解决", "处理", "严重", "市民", "群众", "业主", "尊敬", "您好", "你好", "谢谢",
    "感谢", "恳请", "尽快", "及时", "相关部门", "有关部门", "我们", "你们", "他们", "大家", "时间",
    "现在", "目前", "已经", "一直", "多次", "非常", "特别", "十分", "能否", "是否", "如何", "怎么",
    "为什么", "什么", "这个", "那个", "一个", "没有", "不能", "可以", "应该", "需要", "进行", "导致",
    "造成", "影响", "存在", "出现", "发生", "关于", "对于", "由于", "因为", "所以", "但是", "而且",
    "并且", "如果", "虽然", "还是", "就是", "只是", "以及", "或者", "等等", "通过", "之后", "之前",
    "以后", "以前", "时候", "然后", "不是", "也是", "都是", "比较", "请问", "咨询", "投诉", "举报",
    "建议", "关注", "重视", "调查", "落实", "给予", "答复", "回复", "百忙之中", "老百姓", "住户",
    "本人", "家里", "孩子", "今天", "昨天", "今年", "去年", "每天", "晚上", "早上", "小区", "社区",
    "地方", "工作", "情形", "事情", "事件", "人员", "单位", "公司", "方面", "希望政府", "领导们",
    "书记", "市长", "县长", "区长", "网友", "留言", "信息", "内容", "东西", "一些", "很多", "许多",
    "不断", "长期", "不少", "以上", "以下", "其中", "其他", "其它", "附近", "周边", "周围", "所在",
    "位于", "了解", "知道", "认为", "觉得", "表示", "告知", "相关人员", "工作人员", "依法", "有效",
    "合理", "正常", "积极", "认真", "切实", "主要", "具体", "真的", "根本", "完全", "强烈", "坚决反对",
    "强烈要求", "强烈建议", "恳请", "请求", "呼吁", "麻烦", "帮忙", "帮助", "支持", "拥护", "无法", "不敢",
};

/* The filler words as an open-addressing set of their hashes, built once:
 * every content word of every message is checked against it. */
#define FILLER_SLOTS 512
static uint16_t filler_slot[FILLER_SLOTS];     /* index + 1 into FILLER, 0 empty */
static uint64_t filler_key[FILLER_SLOTS];
static pthread_once_t filler_once = PTHREAD_ONCE_INIT;

static void filler_init(void) {
    _Static_assert(sizeof FILLER / sizeof *FILLER < FILLER_SLOTS / 2, "filler set too full");
    for (size_t i = 0; i < sizeof FILLER / sizeof *FILLER; i++) {
        uint64_t k = hash(FILLER[i], strlen(FILLER[i]));
        size_t j = k & (FILLER_SLOTS - 1);
        while (filler_slot[j] && filler_key[j] != k) j = (j + 1) & (FILLER_SLOTS - 1);
        filler_slot[j] = (uint16_t)(i + 1);
        filler_key[j] = k;
    }
}

/* hot_filler of a word whose hash(w, n) is k. */
static int filler_hashed(uint64_t k, const char *w, size_t n) {
    pthread_once(&filler_once, filler_init);
    for (size_t j = k & (FILLER_SLOTS - 1); filler_slot[j]; j = (j + 1) & (FILLER_SLOTS - 1)) {
        const char *f = FILLER[filler_slot[j] - 1];
        if (filler_key[j] == k && strlen(f) == n && !memcmp(f, w, n)) return 1;
    }
    return 0;
}

int hot_filler(const char *w, size_t n) { return filler_hashed(hash(w, n), w, n); }

/* Tags of function words, pronouns, numbers, times...: never problem words. */
static int skip_tag_name(const char *g) {
    static const char *const SKIP[] = { "r", "p", "c", "u", "d", "m", "q", "t", "f", "y", "e", "o", "ad", "uj",
                                        "ul", "ud", "ug", "uz", "uv", "mq", "rr", "rz", "tg", "zg", "x", "nr", "nrt", "nrfg" };
    for (size_t i = 0; i < sizeof SKIP / sizeof *SKIP; i++) if (!strcmp(g, SKIP[i])) return 1;
    return 0;
}

/* One dictionary look-up for everything extraction asks of a word: its tag
 * number (place.h: place_scan_tagged; 0 unless the dictionary knows it with
 * a frequency) and its cell, for word_idf (read only for candidates: each
 * table read is a cache miss at scale). */
static void word_info(const seg_dict *d, const char *w, size_t n, uint8_t *tag, int32_t *cell) {
    uint16_t codes[64];
    long m = segd_encode(w, n, codes, 64);
    *tag = 0;
    *cell = -1;
    if (m <= 0 || m > 64) return;
    int64_t f = 0;
    int found = segd_lookup(d, codes, (size_t)m, &f, cell);
    if (m <= 32 && found && *cell > 0 && f > 0) *tag = d->tag[*cell];
}

/* keywords.h: kw_idf of the word word_info gave cell. */
static double word_idf(const seg_dict *d, int32_t cell) { return cell > 0 && d->idf[cell] >= 0 ? d->idf[cell] : d->median_idf; }

/* A dictionary word that is not a name (实际, 城市): whatever a few messages
 * made of it, found bare in a text it is that word, not a place. */
static int common_word(const seg_dict *d, const char *w, size_t n) {
    uint16_t codes[32];
    long m = segd_encode(w, n, codes, 32);
    int64_t f; int32_t cell;
    if (m <= 0 || m > 32 || !segd_lookup(d, codes, (size_t)m, &f, &cell) || cell <= 0 || f <= 0) return 0;
    uint8_t t = d->tag[cell];
    const char *g = t && t <= d->ntags ? d->tags[t - 1] : "";
    return strcmp(g, "ns") && strcmp(g, "nt") && strcmp(g, "nz");
}

/* ---- extraction ---- */
typedef struct { uint64_t h; uint32_t off, len; float w; uint32_t tf, word; } cand;   /* word: its first w[] index */

struct hot_ctx {
    const seg_dict *d;
    seg_ctx *seg;
    uint8_t skip[256];       /* tag number -> a skip_tag_name tag */
    uint8_t *wtag;           /* per word of the text: word_info */
    int32_t *wcell;
    size_t capw;
    buf text;
    place_span sp[64];
    cand cand[512];
};

int hot_ctx_new(const seg_dict *d, hot_ctx **out) {
    hot_ctx *c = calloc(1, sizeof *c);
    if (!c || seg_ctx_new(d, &c->seg)) { free(c); return -1; }
    c->d = d;
    for (uint32_t t = 1; t <= d->ntags && t < 256; t++) c->skip[t] = (uint8_t)skip_tag_name(d->tags[t - 1]);
    *out = c;
    return 0;
}

void hot_ctx_free(hot_ctx *c) {
    if (!c) return;
    seg_ctx_free(c->seg);
    buf_free(&c->text);
    free(c->wtag); free(c->wcell);
    free(c);
}

static void copy_str(char *dst, size_t cap, const char *s, size_t n) {
    if (n >= cap) {           /* cut at a character boundary */
        n = cap - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    }
    memcpy(dst, s, n);
    dst[n] = 0;
}

static uint32_t learned_count(const hot *h, const char *s, size_t n) {
    const uint32_t *id = map_get(h->fz ? &h->fz->places : &h->places, hash(s, n));
    return id ? (h->fz ? h->fz->count : h->pl_count)[*id] : 0;
}

/* A word in more than filler_df of the messages learned so far says nothing here. */
static int corpus_filler_id(const hot *h, uint32_t id) {
    return h->ndocs >= 200 && h->w[id].df > h->cfg.filler_df * (double)h->ndocs;
}

static int corpus_filler(const hot *h, uint64_t key) {
    uint64_t nd = h->fz ? h->fz->ndocs : h->ndocs;
    if (nd < 200) return 0;
    const uint32_t *id = map_get(h->fz ? &h->fz->words : &h->words, key);
    return id && (h->fz ? h->fz->df[*id] : h->w[*id].df) > h->cfg.filler_df * (double)nd;
}

static size_t utf8_chars(const char *s, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

static int cjk_word(const char *w, size_t n) {
    size_t chars = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)w[i];
        if (c < 0x80) return 0;
        chars += (c & 0xC0) != 0x80;
    }
    return chars >= 2;
}

/* Is the place at s[off] the one asked to act ("请供水公司", "由街道办")? */
static int addressee(const char *s, uint32_t off) {
    static const char *const ASK[] = { "请", "望", "由", "让", "向", "给", "找", "叫", "责令", "督促", "要求", "希望", "建议", "恳请", "通知", "联系" };
    for (size_t i = 0; i < sizeof ASK / sizeof *ASK; i++) {
        size_t n = strlen(ASK[i]);
        if (off >= n && !memcmp(s + off - n, ASK[i], n)) return 1;
    }
    return 0;
}

int hot_extract(hot_ctx *c, const hot *h, str title, str body, hot_feat *f) {
    memset(f, 0, sizeof *f);
    buf_reset(&c->text);
    if (buf_put(&c->text, title.p, title.n) || buf_putc(&c->text, '\n') || buf_put(&c->text, body.p, body.n)) return -1;
    const char *s = c->text.p;
    size_t n = c->text.n, tlen = title.n;
    const seg_word *w;
    long nw = seg_cut(c->seg, s, n, SEG_PRECISE, &w);
    if (nw < 0) return -1;
    if ((size_t)nw > c->capw) {
        size_t cap = (size_t)nw * 2;
        uint8_t *t = realloc(c->wtag, cap * sizeof *t);
        if (t) c->wtag = t;
        int32_t *x = realloc(c->wcell, cap * sizeof *x);
        if (x) c->wcell = x;
        if (!t || !x) return -1;
        c->capw = cap;
    }
    for (long i = 0; i < nw; i++) word_info(c->d, s + w[i].off, w[i].len, &c->wtag[i], &c->wcell[i]);
    size_t nsp = place_scan_tagged(c->d, s, w, nw, c->wtag, c->sp, 64);
    if (nsp > 64) nsp = 64;

    /* Names learned from other messages, in the title and the start of the
     * body (where people say where): "魅力之城" without its 小区. */
    size_t head = tlen + 1 + (body.n < 600 ? body.n : 600);
    if (head > n) head = n;
    for (size_t i = 0; h && i < head && nsp < 64 && (h->fz ? h->fz->places.n : h->places.n); ) {
        unsigned char ch = (unsigned char)s[i];
        size_t step = ch < 0x80 ? 1 : ch < 0xE0 ? 2 : ch < 0xF0 ? 3 : 4;
        if (ch >= 0xE0) {
            size_t best = 0, e = i, chars = 0;
            while (e < head && chars < 10) {
                unsigned char x = (unsigned char)s[e];
                if (x < 0xE0) break;
                e += x < 0xF0 ? 3 : 4;
                chars++;
                /* No place starts with these two characters: none longer either. */
                if (chars == 2 && (e > head || !map_get(h->fz ? &h->fz->prefix2 : &h->prefix2, hash(s + i, e - i)))) break;
                if (chars >= 2 && e <= head && learned_count(h, s + i, e - i) >= LEARN_MIN && !common_word(c->d, s + i, e - i)) best = e - i;
            }
            if (best) {
                int inside = 0;
                for (size_t k = 0; k < nsp && !inside; k++)
                    inside = i >= c->sp[k].off && i + best <= c->sp[k].off + c->sp[k].len;
                if (!inside) c->sp[nsp++] = (place_span){ (uint32_t)i, (uint32_t)best, (uint32_t)best, 0, PLACE_SITE, 0 };
                i += best;
                continue;
            }
        }
        i += step;
    }

    /* The message's place: where it says, not whom it asks ("请供水公司解决"
     * names an addressee); the title before the body (people name the
     * subject there), then the most specific, then the first mentioned. */
    int bi = -1, bscore = -1;
    for (size_t k = 0; k < nsp; k++) {
        const place_span *p = &c->sp[k];
        if (p->level == PLACE_DISTRICT && !f->district[0]) copy_str(f->district, sizeof f->district, s + p->off, p->core_len);
        if (f->nspans < 4 && p->level >= PLACE_TOWN) {
            copy_str(f->spans[f->nspans], 64, s + p->off, p->core_len);
            /* Its bare name, when distinctive (three characters or more), is an alias: "华水景" for "华水景医院". */
            f->alias[f->nspans][0] = 0;
            if (p->name_len && p->name_len < p->core_len && utf8_chars(s + p->off, p->name_len) >= 3)
                copy_str(f->alias[f->nspans], 64, s + p->off, p->name_len);
            f->nspans++;
        }
        if (addressee(s, p->off)) continue;
        int sc = (p->off < tlen ? 100 : 0) + p->level * 10;
        if (sc > bscore) { bscore = sc; bi = (int)k; }
    }
    if (bi >= 0 && c->sp[bi].level >= PLACE_TOWN) {
        const place_span *p = &c->sp[bi];
        copy_str(f->place, sizeof f->place, s + p->off, p->core_len);
        f->level = p->level;
        /* Shown with the wider places right before it ("A市A5区" + name) and its group. */
        uint32_t from = p->off;
        for (int k = bi - 1; k >= 0 && c->sp[k].off + c->sp[k].len == from && c->sp[k].level < p->level; k--) from = c->sp[k].off;
        copy_str(f->display, sizeof f->display, s + from, p->off + p->len + p->group_len - from);
    } else if (bi >= 0) {
        const place_span *p = &c->sp[bi];
        uint32_t from = p->off;
        for (int k = bi - 1; k >= 0 && c->sp[k].off + c->sp[k].len == from; k--) from = c->sp[k].off;
        copy_str(f->display, sizeof f->display, s + from, p->off + p->len + p->group_len - from);
        f->level = p->level;
    }

    /* Problem words: tf-idf over content words outside every place, title words count double. */
    size_t nc = 0;
    uint32_t total = 0;
    for (long i = 0; i < nw; i++) {
        const char *p = s + w[i].off;
        size_t len = w[i].len;
        if (!cjk_word(p, len) || len >= 40) continue;
        total++;
        int inplace = 0;
        for (size_t k = 0; k < nsp && !inplace; k++)
            inplace = w[i].off < c->sp[k].off + c->sp[k].len + c->sp[k].group_len && w[i].off + len > c->sp[k].off;
        if (inplace) continue;
        uint64_t hh = hash(p, len);
        if (filler_hashed(hh, p, len) || c->skip[c->wtag[i]]) continue;
        size_t k = 0;
        while (k < nc && c->cand[k].h != hh) k++;
        if (k == nc) {
            if (nc == 512) continue;
            c->cand[nc++] = (cand){ hh, w[i].off, (uint32_t)len, 0, 0, (uint32_t)i };
        }
        c->cand[k].tf += w[i].off < tlen ? 2 : 1;
    }
    for (size_t k = 0; k < nc; k++) {
        double idf = word_idf(c->d, c->wcell[c->cand[k].word]);
        /* Data-driven: words most messages of this corpus use are filler here. */
        if (h && corpus_filler(h, c->cand[k].h)) { c->cand[k].w = 0; continue; }
        c->cand[k].w = (float)(c->cand[k].tf * idf);
    }
    /* Spares only without a frozen corpus: hot_learn / hot_add may find
     * some of the best to be filler and take the next. */
    int keep = h && h->fz ? HOT_KW : HOT_KW + HOT_KW_SPARE;
    for (int r = 0; r < keep; r++) {
        size_t b = nc;
        for (size_t k = 0; k < nc; k++)
            if (c->cand[k].w > 0 && (b == nc || c->cand[k].w > c->cand[b].w)) b = k;
        if (b == nc) break;
        copy_str(f->kw[r].w, sizeof f->kw[r].w, s + c->cand[b].off, c->cand[b].len);
        f->kw[r].weight = c->cand[b].w;
        f->kw[r].pos = n ? (float)c->cand[b].off / (float)n : 0;
        c->cand[b].w = 0;
        f->nkw++;
    }
    (void)total;
    return 0;
}

/* ---- learning ---- */
static uint32_t place_id(hot *h, const char *s, size_t n, int create) {
    if (!n) return 0;
    uint64_t k = hash(s, n);
    uint32_t *v = map_get(&h->places, k);
    if (v || !create) return v ? *v : 0;
    size_t cap = h->cappl;
    if (grow((void **)&h->pl_str, &cap, h->npl + 1, sizeof *h->pl_str)) return NONE;
    cap = h->cappl;
    if (grow((void **)&h->pl_count, &cap, h->npl + 1, sizeof *h->pl_count)) return NONE;
    cap = h->cappl;
    if (grow((void **)&h->pl_newest, &cap, h->npl + 1, sizeof *h->pl_newest)) return NONE;
    cap = h->cappl;
    if (grow((void **)&h->pl_canon, &cap, h->npl + 1, sizeof *h->pl_canon)) return NONE;
    h->cappl = cap;
    uint32_t id = (uint32_t)h->npl;
    uint32_t off = pool_add(h, s, n);
    if (off == NONE || !map_put(&h->places, k, id, NULL)) return NONE;
    size_t p2 = 0;
    for (int c = 0; c < 2 && p2 < n && (unsigned char)s[p2] >= 0xE0; c++) p2 += (unsigned char)s[p2] < 0xF0 ? 3 : 4;
    if (p2 <= n && p2 >= 6 && !map_put(&h->prefix2, hash(s, p2), 0, NULL)) return NONE;
    h->pl_str[id] = off; h->pl_count[id] = 0; h->pl_newest[id] = NONE; h->pl_canon[id] = id;
    h->npl++;
    return id;
}

static uint32_t word_id(hot *h, const char *s, size_t n) {
    uint64_t k = hash(s, n);
    int fresh;
    uint32_t *v = map_put(&h->words, k, (uint32_t)h->nw, &fresh);
    if (!v) return NONE;
    if (!fresh) return *v;
    if (grow((void **)&h->w, &h->capw, h->nw + 1, sizeof *h->w)) return NONE;
    uint32_t off = pool_add(h, s, n);
    if (off == NONE) return NONE;
    h->w[h->nw].str = off;
    return (uint32_t)h->nw++;
}

int hot_learn(hot *h, const hot_feat *f) {
    for (int i = 0; i < f->nspans; i++) {
        uint32_t id = place_id(h, f->spans[i], strlen(f->spans[i]), 1);
        if (id == NONE) return -1;
        int dup = 0;
        for (int j = 0; j < i; j++) dup |= !strcmp(f->spans[i], f->spans[j]);
        if (dup) continue;
        h->pl_count[id]++;
        if (f->alias[i][0]) {
            /* The alias stands for the place it was first seen with. */
            uint32_t had = place_id(h, f->alias[i], strlen(f->alias[i]), 0);
            uint32_t al = had ? had : place_id(h, f->alias[i], strlen(f->alias[i]), 1);
            if (al == NONE) return -1;
            if (!had) h->pl_canon[al] = h->pl_canon[id];
            h->pl_count[al]++;
        }
    }
    for (int i = 0, kept = 0; i < f->nkw && kept < HOT_KW; i++) {
        uint32_t id = word_id(h, f->kw[i].w, strlen(f->kw[i].w));
        if (id == NONE) return -1;
        if (corpus_filler_id(h, id)) continue;
        h->w[id].df++;
        kept++;
    }
    h->ndocs++;
    return 0;
}

static int map_copy(map *dst, const map *src) {
    memset(dst, 0, sizeof *dst);
    if (!src->cap) return 0;
    dst->key = malloc(src->cap * sizeof *dst->key);
    dst->val = malloc(src->cap * sizeof *dst->val);
    if (!dst->key || !dst->val) { map_free(dst); return -1; }
    memcpy(dst->key, src->key, src->cap * sizeof *dst->key);
    memcpy(dst->val, src->val, src->cap * sizeof *dst->val);
    dst->n = src->n; dst->cap = src->cap;
    return 0;
}

int hot_freeze(hot *h) {
    frozen *z = calloc(1, sizeof *z);
    if (!z || map_copy(&z->places, &h->places) || map_copy(&z->prefix2, &h->prefix2) || map_copy(&z->words, &h->words) ||
        !(z->count = malloc(h->npl * sizeof *z->count)) || !(z->df = malloc(h->nw * sizeof *z->df))) { frozen_free(z); return -1; }
    memcpy(z->count, h->pl_count, h->npl * sizeof *z->count);
    for (size_t i = 0; i < h->nw; i++) z->df[i] = h->w[i].df;
    z->ndocs = h->ndocs;
    frozen_free(h->fz);
    h->fz = z;
    return 0;
}

/* ---- clustering ---- */
/* Appends issue i to the touch log, compacting it when stale entries
 * outnumber live ones (amortised: each entry is copied at most once). */
static int touch_log(hot *h, uint32_t i) {
    if (grow((void **)&h->itouch, &h->capitouch, h->nis, sizeof *h->itouch)) return -1;
    if (h->ntouch >= h->captouch && h->ntouch > 2 * h->nis + 1024) {
        size_t k = 0;
        for (size_t j = 0; j < h->ntouch; j++) {
            uint32_t x = h->touch[j];
            if (h->itouch[x] == j) { h->touch[k] = x; h->itouch[x] = (uint32_t)k++; }
        }
        h->ntouch = k;
    }
    if (h->ntouch >= UINT32_MAX || grow((void **)&h->touch, &h->captouch, h->ntouch + 1, sizeof *h->touch)) return -1;
    h->touch[h->ntouch] = i;
    h->itouch[i] = (uint32_t)h->ntouch++;
    return 0;
}

int hot_touch_rebuild(hot *h) {
    h->ntouch = 0;
    if (grow((void **)&h->touch, &h->captouch, h->nis + 1, sizeof *h->touch) ||
        grow((void **)&h->itouch, &h->capitouch, h->nis + 1, sizeof *h->itouch)) return -1;
    /* One walk of the list, newest first, then reversed: oldest first. */
    size_t n = 0;
    for (uint32_t i = h->lru_head; i != NONE; i = h->is[i].lru_next) {
        if (i >= h->nis || n >= h->nis) return -1;   /* a loop: a damaged list */
        h->touch[n++] = i;
    }
    for (size_t a = 0, b = n; a + 1 < b; a++, b--) { uint32_t t = h->touch[a]; h->touch[a] = h->touch[b - 1]; h->touch[b - 1] = t; }
    for (size_t k = 0; k < n; k++) h->itouch[h->touch[k]] = (uint32_t)k;
    h->ntouch = n;
    return 0;
}

static void lru_touch(hot *h, uint32_t i) {
    issue *x = &h->is[i];
    if (h->lru_head == i) return;
    if (x->lru_prev != NONE) h->is[x->lru_prev].lru_next = x->lru_next;
    if (x->lru_next != NONE) h->is[x->lru_next].lru_prev = x->lru_prev;
    x->lru_prev = NONE;
    x->lru_next = h->lru_head;
    if (h->lru_head != NONE) h->is[h->lru_head].lru_prev = i;
    h->lru_head = i;
}

typedef struct { uint32_t id; float w, pos; } mkw;

static double cosine(const issue *x, const mkw *k, int nk, double mnorm2) {
    if (x->norm2 <= 0 || mnorm2 <= 0) return 0;
    double dot = 0;
    for (int a = 0; a < nk; a++)
        for (int b = 0; b < PROFILE && x->p[b].word; b++)
            if (x->p[b].word == k[a].id) { dot += (double)k[a].w * x->p[b].w; break; }
    return dot / sqrt(mnorm2 * x->norm2);
}

static void profile_add(issue *x, const mkw *k, int nk) {
    for (int a = 0; a < nk; a++) {
        int b = 0, weakest = 0;
        while (b < PROFILE && x->p[b].word && x->p[b].word != k[a].id) {
            if (x->p[b].w < x->p[weakest].w) weakest = b;
            b++;
        }
        if (b == PROFILE) {           /* full: a stronger word replaces the weakest */
            if (k[a].w <= x->p[weakest].w) continue;
            b = weakest;
            x->p[b] = (prof){ 0, 0, 0, 0 };
        }
        x->p[b].word = k[a].id;
        x->p[b].w += k[a].w;
        x->p[b].possum += k[a].pos;
        x->p[b].n++;
    }
    double n2 = 0;
    for (int b = 0; b < PROFILE && x->p[b].word; b++) n2 += (double)x->p[b].w * x->p[b].w;
    x->norm2 = (float)n2;
}

/* Active around t: messages may come a little out of order (files). */
static int live(const issue *x, int64_t t, int64_t window) { return x->last >= t - window && x->first <= t + window; }

static int compatible(const hot *h, const issue *x, uint32_t place, uint32_t district) {
    if (x->place && place && x->place != place) return 0;
    if (x->district && district && x->district != district) return 0;
    return 1;
}

int hot_add(hot *h, const hot_feat *f, const hot_msg *m, uint32_t *out) {
    if (h->cfg.learn_on_add && hot_learn(h, f)) return -1;
    uint32_t place = f->place[0] ? place_id(h, f->place, strlen(f->place), 1) : 0;
    if (place && place != NONE) place = h->pl_canon[place];
    uint32_t district = f->district[0] ? place_id(h, f->district, strlen(f->district), 1) : 0;
    if (place == NONE || district == NONE) return -1;
    mkw k[HOT_KW];
    int nk = 0;
    double mn2 = 0;
    for (int i = 0; i < f->nkw && nk < HOT_KW; i++) {
        uint32_t id = word_id(h, f->kw[i].w, strlen(f->kw[i].w));
        if (id == NONE) return -1;
        /* Learned since extraction: a word now known to be everywhere is dropped here too. */
        if (corpus_filler_id(h, id)) continue;
        k[nk++] = (mkw){ id, f->kw[i].weight, f->kw[i].pos };
        mn2 += (double)f->kw[i].weight * f->kw[i].weight;
    }
    int64_t window = (int64_t)h->cfg.window_days * 86400;

    uint32_t best = NONE;
    double bsim = 0;
    uint32_t *dg = m->dup_group ? map_get(&h->dupgroups, m->dup_group) : NULL;
    /* Near-duplicates at another place (one template, two estates) are two issues. */
    if (dg && *dg && live(&h->is[*dg - 1], m->t, window) && compatible(h, &h->is[*dg - 1], place, district)) best = *dg - 1;
    if (best == NONE && place) {
        uint32_t i = h->pl_newest[place];
        for (int scan = 0; i != NONE && scan < CAND_PLACE; scan++, i = h->is[i].next_same_place) {
            const issue *x = &h->is[i];
            if (!live(x, m->t, window) || !compatible(h, x, place, district)) continue;
            double s = cosine(x, k, nk, mn2);
            if (s >= h->cfg.join_place && s > bsim) { bsim = s; best = i; }
        }
    }
    if (best == NONE) {
        /* Issues sharing a strong word: no specific place on one side needs a closer problem. */
        for (int a = 0; a < nk && a < 3; a++) {
            const word *wd = &h->w[k[a].id];
            for (int j = 0; j < wd->nissues; j++) {
                uint32_t i = wd->issues[j];
                const issue *x = &h->is[i];
                if (!live(x, m->t, window) || !compatible(h, x, place, district)) continue;
                double need = (x->place && place) ? h->cfg.join_place : h->cfg.join_noplace;
                double s = cosine(x, k, nk, mn2);
                if (s >= need && s > bsim) { bsim = s; best = i; }
            }
        }
    }
    if (best == NONE) {
        if (grow((void **)&h->is, &h->capis, h->nis + 1, sizeof *h->is)) return -1;
        best = (uint32_t)h->nis++;
        issue *x = &h->is[best];
        memset(x, 0, sizeof *x);
        x->place = place; x->district = district;
        x->first = x->last = m->t;
        x->head = NONE; x->lru_prev = x->lru_next = NONE;
        x->display = f->display[0] ? pool_add(h, f->display, strlen(f->display)) : 0;
        if (x->display == NONE) return -1;
        x->next_same_place = NONE;
        if (place) { x->next_same_place = h->pl_newest[place]; h->pl_newest[place] = best; }
    }
    issue *x = &h->is[best];
    /* An issue first seen without a place takes the first specific one it gets. */
    if (!x->place && place) {
        x->place = place;
        x->next_same_place = h->pl_newest[place]; h->pl_newest[place] = best;
        x->display = pool_add(h, f->display, strlen(f->display));
        if (x->display == NONE) return -1;
    }
    profile_add(x, k, nk);
    for (int a = 0; a < nk && a < 3; a++) {
        word *wd = &h->w[k[a].id];
        int have = 0;
        for (int j = 0; j < wd->nissues; j++) have |= wd->issues[j] == best;
        if (have) continue;
        if (wd->nissues < WORD_ISSUES) wd->issues[wd->nissues++] = best;
        else { memmove(wd->issues, wd->issues + 1, (WORD_ISSUES - 1) * sizeof *wd->issues); wd->issues[WORD_ISSUES - 1] = best; }
    }
    /* Trends: daily counts of each problem word. */
    int64_t day = m->t / 86400;
    for (int a = 0; a < nk; a++) {
        word *wd = &h->w[k[a].id];
        if (!wd->days) {
            if (grow((void **)&h->days, &h->capdays, (h->ndays + 1) * DAYS, sizeof *h->days)) return -1;
            wd->days = (uint32_t)++h->ndays;
            wd->day0 = day;
        }
        uint16_t *dc = h->days + (size_t)(wd->days - 1) * DAYS;
        if (day > wd->day0) {        /* slide the ring forward, clearing skipped days */
            int64_t sh = day - wd->day0;
            for (int64_t dd = 1; dd <= sh && dd <= DAYS; dd++) dc[(wd->day0 + dd) % DAYS] = 0;
            wd->day0 = day;
        }
        if (day > wd->day0 - DAYS && dc[day % DAYS] < UINT16_MAX) dc[day % DAYS]++;
    }

    if (h->nm + 1 > h->capm) {
        size_t nc = h->capm ? h->capm * 2 : 1024;
        uint64_t *a = realloc(h->mid, nc * sizeof *a);
        if (!a) return -1;
        h->mid = a;
        int64_t *b = realloc(h->mt, nc * sizeof *b);
        if (!b) return -1;
        h->mt = b;
        uint32_t *c = realloc(h->mnext, nc * sizeof *c);
        if (!c) return -1;
        h->mnext = c;
        uint32_t *d = realloc(h->missue, nc * sizeof *d);
        if (!d) return -1;
        h->missue = d;
        h->capm = nc;
    }
    uint32_t *slot = map_put(&h->msgs, m->id + 1, (uint32_t)h->nm, NULL);
    if (!slot) return -1;
    *slot = (uint32_t)h->nm;
    uint32_t mi = (uint32_t)h->nm++;
    h->mid[mi] = m->id; h->mt[mi] = m->t; h->missue[mi] = best;
    h->mnext[mi] = x->head;
    x->head = mi;
    x->size++;
    if (m->t < x->first) x->first = m->t;
    if (m->t > x->last) x->last = m->t;
    x->likes += m->likes; x->dislikes += m->dislikes;
    if (m->author) {
        int fresh;
        if (!map_put(&h->authors, mix(m->author ^ mix((uint64_t)best + 0x9E3779B97F4A7C15ull)), 0, &fresh)) return -1;
        x->authors += (uint32_t)fresh;
    }
    if (m->dup_group) {
        uint32_t *v = map_put(&h->dupgroups, m->dup_group, best + 1, NULL);
        if (!v) return -1;
        *v = best + 1;
    }
    lru_touch(h, best);
    if (touch_log(h, best)) return -1;
    if (out) *out = best;
    return 0;
}

int hot_support(hot *h, uint64_t id, int64_t likes, int64_t dislikes) {
    const uint32_t *mi = map_get(&h->msgs, id + 1);
    if (!mi) return 1;
    issue *x = &h->is[h->missue[*mi]];
    x->likes += likes;
    x->dislikes += dislikes;
    return 0;
}

/* ---- ranking ---- */
double hot_heat(uint32_t messages, uint32_t authors, int64_t likes, int64_t dislikes,
                uint32_t recent, uint32_t previous, double age_days, double half_life) {
    double base = log1p(messages) + 2.0 * log1p(authors);
    double net = (double)(likes - dislikes);
    base += 0.5 * (net >= 0 ? log1p(net) : -log1p(-net));
    double g = log((1.0 + recent) / (1.0 + previous));
    if (g < -1) g = -1;
    if (g > 2) g = 2;
    base += 0.5 * g;
    if (base < 0) base = 0;
    if (age_days < 0) age_days = 0;
    return half_life > 0 ? base * pow(0.5, age_days / half_life) : base;
}

static int cmp_heat(const void *a, const void *b) {
    const hot_issue *x = a, *y = b;
    if (x->heat != y->heat) return x->heat > y->heat ? -1 : 1;
    return x->issue < y->issue ? -1 : x->issue > y->issue;
}

/* The problem words of an issue: its strongest profile words that are not
 * part of its place, in the order people write them. */
static void describe(const hot *h, const issue *x, hot_issue *o) {
    const char *place = x->display ? h->pool + x->display : "";
    int pick[3], np = 0;
    float used[PROFILE] = {0};
    for (int r = 0; r < 3; r++) {
        int b = -1;
        double bs = 0;
        for (int i = 0; i < PROFILE && x->p[i].word; i++) {
            if (used[i]) continue;
            const char *w = h->pool + h->w[x->p[i].word].str;
            if (*place && strstr(place, w)) continue;
            /* "拖欠" adds nothing to "拖欠工资" (and the other way round). */
            int overlap = 0;
            for (int a = 0; a < np && !overlap; a++) {
                const char *v = h->pool + h->w[x->p[pick[a]].word].str;
                overlap = strstr(v, w) || strstr(w, v);
            }
            if (overlap) continue;
            /* Weight by how many members use the word, so one long message does not name the issue. */
            double sc = (double)x->p[i].w * sqrt((double)x->p[i].n);
            if (sc > bs) { bs = sc; b = i; }
        }
        if (b < 0) break;
        /* A minor word of a big issue is not its problem. */
        if (np && x->size >= 4 && x->p[b].n * 4 < x->size) break;
        used[b] = 1;
        pick[np++] = b;
    }
    for (int a = 1; a < np; a++)
        for (int b = a; b > 0; b--) {
            const prof *p1 = &x->p[pick[b - 1]], *p2 = &x->p[pick[b]];
            if (p1->possum / p1->n <= p2->possum / p2->n) break;
            int t = pick[b]; pick[b] = pick[b - 1]; pick[b - 1] = t;
        }
    o->problem[0] = 0;
    size_t len = 0;
    for (int a = 0; a < np; a++) {
        const char *w = h->pool + h->w[x->p[pick[a]].word].str;
        size_t wl = strlen(w);
        if (len + wl + 1 > sizeof o->problem) break;
        memcpy(o->problem + len, w, wl);
        len += wl;
        o->problem[len] = 0;
    }
    snprintf(o->description, sizeof o->description, "%s%s", place, o->problem);
    o->place = place;
}

size_t hot_top(const hot *h, int64_t from, int64_t to, int growth_days, hot_issue *out, size_t cap) {
    if (!cap) return 0;
    int64_t gw = (int64_t)(growth_days > 0 ? growth_days : 7) * 86400;
    size_t n = 0;
    /* Newest touched first (the LRU order), from the touch log: its reads
     * can be fetched ahead, a walk of the list waits for every issue. */
    for (size_t k = h->ntouch; k-- > 0; ) {
        if (k >= 16) {
            __builtin_prefetch(&h->itouch[h->touch[k - 16]]);
            __builtin_prefetch(&h->is[h->touch[k - 8]].last);
        }
        uint32_t i = h->touch[k];
        if (h->itouch[i] != k) continue;    /* touched again later */
        const issue *x = &h->is[i];
        if (x->last < from) break;          /* every later one was updated earlier */
        if (x->first > to) continue;
        /* An issue names where or whom: a flood of thanks or slogans with no
         * place and no group is no issue, however many sign it. */
        if (!x->display) continue;
        double age = (double)(to - (x->last < to ? x->last : to)) / 86400.0;
        /* Heat grows with growth, which is clamped: at its most this issue
         * cannot enter a full list, so its members need not be counted (most
         * issues are small, and counting is the cost of a ranking). */
        if (n == cap && hot_heat(x->size, x->authors, x->likes, x->dislikes, UINT32_MAX - 1, 0, age, h->cfg.half_life_days) < out[n - 1].heat)
            continue;
        hot_issue o;
        memset(&o, 0, sizeof o);
        o.issue = i; o.messages = x->size; o.authors = x->authors;
        o.likes = x->likes; o.dislikes = x->dislikes; o.first = x->first; o.last = x->last;
        /* Growth from the newest members only: bounded work for any issue size. */
        int scan = 0;
        for (uint32_t mi = x->head; mi != NONE && scan < 4096; mi = h->mnext[mi], scan++) {
            int64_t t = h->mt[mi];
            if (t > to) continue;
            if (t > to - gw) o.recent++;
            else if (t > to - 2 * gw) o.previous++;
            else break;
        }
        o.heat = hot_heat(o.messages, o.authors, o.likes, o.dislikes, o.recent, o.previous, age, h->cfg.half_life_days);
        /* Keep the best cap so far: insert in order. */
        if (n == cap && cmp_heat(&o, &out[n - 1]) >= 0) continue;
        size_t j = n < cap ? n++ : cap - 1;
        while (j > 0 && cmp_heat(&o, &out[j - 1]) < 0) { out[j] = out[j - 1]; j--; }
        out[j] = o;
    }
    for (size_t i = 0; i < n; i++) describe(h, &h->is[out[i].issue], &out[i]);
    return n;
}

size_t hot_members(const hot *h, uint32_t issue, uint64_t *ids, size_t cap) {
    if (issue >= h->nis) return 0;
    size_t k = 0;
    for (uint32_t mi = h->is[issue].head; mi != NONE && k < cap; mi = h->mnext[mi]) ids[k++] = h->mid[mi];
    return h->is[issue].size;
}

static uint32_t day_count(const hot *h, const word *w, int64_t day) {
    if (!w->days || day > w->day0 || day <= w->day0 - DAYS) return 0;
    return h->days[(size_t)(w->days - 1) * DAYS + (size_t)(((day % DAYS) + DAYS) % DAYS)];
}

size_t hot_trends(const hot *h, int64_t to, int days, hot_trend *out, size_t cap) {
    if (days < 1) days = 1;
    if (days > 7) days = 7;
    int64_t today = to / 86400;
    size_t n = 0;
    for (size_t i = 1; i < h->nw; i++) {
        const word *w = &h->w[i];
        if (!w->days || w->day0 < today - days + 1) continue;
        uint32_t recent = 0, base = 0;
        for (int d = 0; d < days; d++) recent += day_count(h, w, today - d);
        for (int d = days; d < days + 28; d++) base += day_count(h, w, today - d);
        if (recent < 3) continue;
        const char *s = h->pool + w->str;
        if (hot_filler(s, strlen(s))) continue;
        if (h->ndocs >= 200 && w->df > h->cfg.filler_df * (double)h->ndocs) continue;
        double expect = (double)base * days / 28.0;
        /* Poisson-style rise: a word new this week outranks a common word up a little. */
        double score = (recent - expect) / sqrt(expect + 1.0);
        if (score <= 0) continue;
        hot_trend t;
        copy_str(t.word, sizeof t.word, s, strlen(s));
        t.recent = recent; t.baseline = expect; t.score = score;
        if (n == cap && score <= out[n - 1].score) continue;
        size_t j = n < cap ? n++ : cap - 1;
        while (j > 0 && out[j - 1].score < score) { out[j] = out[j - 1]; j--; }
        out[j] = t;
    }
    return n;
}
