/* replyq.c: see replyq.h and docs/reply-quality.md. Words come from the
 * segmenter; a word's weight is jieba's idf, so that 小区 and 问题 count
 * less than 油烟 and 车位. */
#include "text/replyq.h"
#include "text/hot.h"
#include "text/keywords.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define MSG_WORDS 24       /* the message's strongest words that relevance looks at */
#define MAX_Q 12           /* questions/requests looked at per message */
#define TEMPLATE_MIN 5     /* a sentence in this many replies is a template */

typedef struct { uint64_t h; double w; } wt;

struct replyq {
    const seg_dict *d;
    seg_ctx *seg;
    uint64_t *key; uint32_t *cnt; size_t n, cap;   /* template table: sentence hash -> replies */
    uint64_t nreplies;
    wt *mw; size_t capmw;
    uint64_t *rw; size_t nrw, caprw;              /* the reply's words, sorted */
};

int replyq_new(const seg_dict *d, replyq **out) {
    replyq *q = calloc(1, sizeof *q);
    if (!q || seg_ctx_new(d, &q->seg)) { free(q); return -1; }
    q->d = d;
    *out = q;
    return 0;
}

void replyq_free(replyq *q) {
    if (!q) return;
    seg_ctx_free(q->seg);
    free(q->key); free(q->cnt); free(q->mw); free(q->rw);
    free(q);
}

static uint64_t mix(uint64_t x) { x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33; return x ? x : 1; }

static uint32_t *slot(replyq *q, uint64_t k, int create) {
    if (create && (q->n + 1) * 10 > q->cap * 7) {
        size_t nc = q->cap ? q->cap * 2 : 1024;
        uint64_t *nk = calloc(nc, sizeof *nk);
        uint32_t *nv = calloc(nc, sizeof *nv);
        if (!nk || !nv) { free(nk); free(nv); return NULL; }
        for (size_t i = 0; i < q->cap; i++) {
            if (!q->key[i]) continue;
            size_t j = mix(q->key[i]) & (nc - 1);
            while (nk[j]) j = (j + 1) & (nc - 1);
            nk[j] = q->key[i]; nv[j] = q->cnt[i];
        }
        free(q->key); free(q->cnt);
        q->key = nk; q->cnt = nv; q->cap = nc;
    }
    if (!q->cap) return NULL;
    size_t j = mix(k) & (q->cap - 1);
    while (q->key[j] && q->key[j] != k) j = (j + 1) & (q->cap - 1);
    if (!q->key[j]) {
        if (!create) return NULL;
        q->key[j] = k; q->cnt[j] = 0; q->n++;
    }
    return &q->cnt[j];
}

/* Sentence boundaries: 。！？!?；; and line ends. Returns the end of the sentence from i. */
static size_t sentence_end(const char *s, size_t n, size_t i) {
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c == '!' || c == '?' || c == ';' || c == '\n') return i + 1;
        if (c == 0xE3 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 && (unsigned char)s[i + 2] == 0x82) return i + 3;  /* 。 */
        if (c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBC &&
            ((unsigned char)s[i + 2] == 0x81 || (unsigned char)s[i + 2] == 0x9F || (unsigned char)s[i + 2] == 0x9B)) return i + 3;  /* ！？； */
        i++;
    }
    return n;
}

/* A sentence's template key: its non-ASCII bytes (ids, numbers and dates vary in a template). */
static uint64_t sentence_key(const char *s, size_t n, size_t *kept) {
    char b[1024];      /* longer sentences are keyed by their first 1024 kept bytes */
    size_t k = 0;
    *kept = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) continue;      /* user ids, numbers, dates, ASCII punctuation */
        if (k < sizeof b) b[k++] = s[i];
        (*kept)++;
    }
    uint64_t h = XXH3_64bits(b, k);
    return h ? h : 1;
}

int replyq_learn(replyq *q, str r) {
    /* A sentence counts once per reply. */
    uint64_t seen[64];
    size_t ns = 0;
    for (size_t i = 0; i < r.n; ) {
        size_t e = sentence_end(r.p, r.n, i), kept;
        uint64_t k = sentence_key(r.p + i, e - i, &kept);
        i = e;
        if (kept < 6) continue;
        int dup = 0;
        for (size_t j = 0; j < ns; j++) dup |= seen[j] == k;
        if (dup) continue;
        if (ns < 64) seen[ns++] = k;
        uint32_t *c = slot(q, k, 1);
        if (!c) return -1;
        (*c)++;
    }
    q->nreplies++;
    return 0;
}

static int cjk2(const char *w, size_t n) {
    size_t chars = 0;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)w[i] < 0x80) return 0;
        chars += ((unsigned char)w[i] & 0xC0) != 0x80;
    }
    return chars >= 2;
}

static int has(const char *s, size_t n, const char *lit) { return n && memmem(s, n, lit, strlen(lit)) != NULL; }

static int any(const char *s, size_t n, const char *const *lits, size_t k) {
    for (size_t i = 0; i < k; i++) if (has(s, n, lits[i])) return 1;
    return 0;
}

static const char *const QMARK[] = { "？", "?", "吗", "是否", "能否", "可否", "如何", "怎么", "为什么", "为何", "什么时候",
                                     "何时", "多少", "哪里", "请求", "要求", "希望", "建议", "恳请", "请问", "呼吁" };
static const char *const ACTION[] = { "已", "将", "责令", "安排", "整改", "查处", "协调", "督促", "落实", "约谈", "清理",
                                      "拆除", "维修", "立案", "调查", "核实", "处罚", "恢复", "解决", "处理" };
static const char *const TIMEW[] = { "近日", "日前", "目前", "下一步", "近期", "本周", "月底", "年底", "年内", "工作日" };
static const char *const BARE_UNITS[] = { "局", "公司", "中心", "委员会" };
static const char *const UNITS[] = { "局", "委", "办", "街道", "社区", "公司", "部门", "中心", "所", "站", "队", "政府", "委员会" };
static const char *const CONTACT[] = { "联系电话", "咨询电话", "电话", "热线", "联系人" };

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int in_reply(const replyq *q, uint64_t h) {
    return q->nrw && bsearch(&h, q->rw, q->nrw, sizeof *q->rw, cmp_u64) != NULL;
}

static int time_expr(const char *s, size_t n) {
    if (any(s, n, TIMEW, sizeof TIMEW / sizeof *TIMEW)) return 1;
    /* A number then 年/月/日/号/天: "3月5日", "15个工作日", "7天内". */
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] < '0' || s[i] > '9') continue;
        size_t j = i;
        while (j < n && s[j] >= '0' && s[j] <= '9') j++;
        if (j + 3 <= n && (!memcmp(s + j, "年", 3) || !memcmp(s + j, "月", 3) || !memcmp(s + j, "日", 3) ||
                           !memcmp(s + j, "号", 3) || !memcmp(s + j, "天", 3) || !memcmp(s + j, "个", 3))) return 1;
        i = j;
    }
    return 0;
}

static int phone(const char *s, size_t n) {
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if ((s[i] >= '0' && s[i] <= '9') || s[i] == '-') { if (++run >= 7) return 1; }
        else run = 0;
    }
    return 0;
}

double replyq_combine(double relevance, double completeness, double boilerplate, double timeliness) {
    double s = 0.35 * relevance + 0.30 * completeness + 0.15 * (1 - boilerplate), w = 0.8;
    if (timeliness >= 0) { s += 0.20 * timeliness; w += 0.20; }
    return 100.0 * s / w;
}

int replyq_score(replyq *q, str m, str r, int64_t msg_t, int64_t reply_t, double deadline, replyq_result *o) {
    memset(o, 0, sizeof *o);
    /* The reply's words, as a sorted set of hashes. */
    const seg_word *w;
    long nw = seg_cut(q->seg, r.p, r.n, SEG_PRECISE, &w);
    if (nw < 0) return -1;
    if ((size_t)nw > q->caprw) {
        uint64_t *p = realloc(q->rw, (size_t)nw * sizeof *p);
        if (!p) return -1;
        q->rw = p; q->caprw = (size_t)nw;
    }
    q->nrw = 0;
    unsigned flags = 0;
    for (long i = 0; i < nw; i++) {
        const char *p = r.p + w[i].off;
        size_t len = w[i].len;
        /* The segmenter often cuts a unit's suffix off its name ("交通运输 / 局"):
         * a bare suffix right after a name of two characters or more is a unit
         * too (only suffixes that are no common word alone: 所, 办, 站 are). */
        if (i > 0 && cjk2(r.p + w[i - 1].off, w[i - 1].len))
            for (size_t k = 0; k < sizeof BARE_UNITS / sizeof *BARE_UNITS; k++)
                if (len == strlen(BARE_UNITS[k]) && !memcmp(p, BARE_UNITS[k], len)) flags |= REPLYQ_UNIT;
        if (!cjk2(p, len)) continue;
        q->rw[q->nrw++] = XXH3_64bits(p, len);
        for (size_t k = 0; k < sizeof UNITS / sizeof *UNITS; k++) {
            size_t ul = strlen(UNITS[k]);
            if (len > ul && !memcmp(p + len - ul, UNITS[k], ul)) flags |= REPLYQ_UNIT;
        }
    }
    if (q->nrw) qsort(q->rw, q->nrw, sizeof *q->rw, cmp_u64);
    if (any(r.p, r.n, ACTION, sizeof ACTION / sizeof *ACTION)) flags |= REPLYQ_ACTION;
    if (time_expr(r.p, r.n)) flags |= REPLYQ_TIME;
    if (phone(r.p, r.n) || any(r.p, r.n, CONTACT, sizeof CONTACT / sizeof *CONTACT)) flags |= REPLYQ_CONTACT;
    o->flags = flags;
    o->concrete = (double)(!!(flags & REPLYQ_ACTION) + !!(flags & REPLYQ_TIME) + !!(flags & REPLYQ_UNIT) + !!(flags & REPLYQ_CONTACT)) / 4.0;

    /* Relevance: the message's strongest content words (idf x tf, tf capped) the reply uses. */
    nw = seg_cut(q->seg, m.p, m.n, SEG_PRECISE, &w);
    if (nw < 0) return -1;
    size_t nm = 0;
    if ((size_t)nw > q->capmw) {
        wt *p = realloc(q->mw, (size_t)nw * sizeof *p);
        if (!p) return -1;
        q->mw = p; q->capmw = (size_t)nw;
    }
    for (long i = 0; i < nw; i++) {
        const char *p = m.p + w[i].off;
        size_t len = w[i].len;
        if (!cjk2(p, len) || hot_filler(p, len)) continue;
        uint64_t h = XXH3_64bits(p, len);
        size_t k = 0;
        while (k < nm && q->mw[k].h != h) k++;
        double idf = kw_idf(q->d, p, len);
        if (k == nm) q->mw[nm++] = (wt){ h, idf };
        else if (q->mw[k].w < 3 * idf) q->mw[k].w += idf;
    }
    double tot = 0, hit = 0;
    for (int r2 = 0; r2 < MSG_WORDS; r2++) {
        size_t b = nm;
        for (size_t k = 0; k < nm; k++) if (q->mw[k].w > 0 && (b == nm || q->mw[k].w > q->mw[b].w)) b = k;
        if (b == nm) break;
        tot += q->mw[b].w;
        if (in_reply(q, q->mw[b].h)) hit += q->mw[b].w;
        q->mw[b].w = -q->mw[b].w;      /* taken */
    }
    o->relevance = tot > 0 ? hit / tot : 0;

    /* Coverage: each question or request, answered when a third of its words (at least one) are in the reply. */
    for (size_t i = 0; i < m.n && o->questions < MAX_Q; ) {
        size_t e = sentence_end(m.p, m.n, i);
        const char *s = m.p + i;
        size_t sn = e - i;
        i = e;
        if (!any(s, sn, QMARK, sizeof QMARK / sizeof *QMARK)) continue;
        long sw = seg_cut(q->seg, s, sn, SEG_PRECISE, &w);
        if (sw < 0) return -1;
        int words = 0, found = 0;
        for (long k = 0; k < sw; k++) {
            const char *p = s + w[k].off;
            if (!cjk2(p, w[k].len) || hot_filler(p, w[k].len)) continue;
            words++;
            found += in_reply(q, XXH3_64bits(p, w[k].len));
        }
        if (!words) continue;
        o->questions++;
        if (found * 3 >= words && found >= 1) o->answered++;
    }
    o->coverage = o->questions ? (double)o->answered / o->questions : (o->relevance > 0 ? 1 : 0);
    o->completeness = 0.6 * o->coverage + 0.4 * o->concrete;

    /* Boilerplate: the share of the reply's text in sentences many replies share. */
    size_t tmpl = 0, all = 0;
    uint64_t need = q->nreplies / 200 > TEMPLATE_MIN ? q->nreplies / 200 : TEMPLATE_MIN;
    for (size_t i = 0; i < r.n; ) {
        size_t e = sentence_end(r.p, r.n, i), kept;
        uint64_t k = sentence_key(r.p + i, e - i, &kept);
        i = e;
        all += kept;
        uint32_t *c = kept >= 6 ? slot(q, k, 0) : NULL;
        if (c && *c >= need) tmpl += kept;
    }
    o->boilerplate = all ? (double)tmpl / (double)all : 1;

    o->lag_days = o->timeliness = -1;
    if (msg_t > 0 && reply_t > 0 && deadline > 0) {
        o->lag_days = (double)(reply_t - msg_t) / 86400.0;
        double lag = o->lag_days < 0 ? 0 : o->lag_days;
        o->timeliness = lag <= deadline ? 1 : fmax(0, 1 - (lag - deadline) / (2 * deadline));
    }
    o->score = replyq_combine(o->relevance, o->completeness, o->boilerplate, o->timeliness);
    return 0;
}
