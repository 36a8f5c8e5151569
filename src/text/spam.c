/* spam.c: spam scoring (see spam.h, issue 5). Rules give evidence between
 * 0 and 1 per kind; the kinds are combined as a noisy OR (each independently
 * able to make a message spam), the weak title/body mismatch damped, and the
 * naive Bayes model (when there is one) joins as one more source. The
 * sales and contact vocabularies are matched with the sensitive-word
 * automaton (acmatch.h), so "微 信", "ＶＸ" and "加.微" are seen too. */
#include "text/spam.h"
#include "text/acmatch.h"
#include "text/pii.h"
#include "text/utf8.h"
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static inline uint64_t mix64(uint64_t x) {
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27; x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}
static float clamp01(float x) { return x < 0 ? 0 : x > 1 ? 1 : x; }

/* ---- vocabularies ---- */

/* Contact words: an id after one of these is a promotion channel. */
static const char *const CONTACT[] = {
    "微信", "加微", "威信", "薇信", "V信", "vx", "wx", "weixin", "wechat", "QQ", "扣扣", "企鹅号",
    "加我", "私聊", "telegram", "电报",
};
#define NCONTACT (sizeof CONTACT / sizeof *CONTACT)
/* Sales vocabulary: several distinct ones make an advertisement. Chosen from
 * what ad spam says and complaints rarely do ("打折" alone can be a complaint
 * about a shop, so one word is weak evidence). */
static const char *const SALES[] = {
    "优惠", "折扣", "打折", "特价", "低价", "促销", "代理", "加盟", "兼职", "日结", "日赚", "月入",
    "贷款", "免费领取", "包邮", "正品", "代开发票", "开发票", "刷单", "返利", "点击", "咨询热线",
    "秒杀", "限时", "赚钱", "办证", "彩票", "博彩", "网赌", "娱乐城", "注册送", "免费咨询", "无抵押",
    "快速放款", "招代理", "一手货源", "厂家直销", "批发", "高额回报", "稳赚", "私服", "代孕", "减肥",
    "祛斑", "壮阳", "信用卡套现", "套现", "网贷", "低息", "保过", "包过", "代办", "欢迎来电",
    "详情咨询", "优惠价", "全网最低", "售后无忧", "诚招", "扫码", "二维码",
};
#define NSALES (sizeof SALES / sizeof *SALES)

static acm *vocab;        /* CONTACT then SALES */
static pthread_once_t vocab_once = PTHREAD_ONCE_INIT;

static void vocab_init(void) {
    str p[NCONTACT + NSALES];
    for (size_t i = 0; i < NCONTACT; i++) p[i] = str_c(CONTACT[i]);
    for (size_t i = 0; i < NSALES; i++) p[NCONTACT + i] = str_c(SALES[i]);
    char err[128];
    if (acm_build(p, NCONTACT + NSALES, &vocab, err, sizeof err)) vocab = NULL;
}

static bool is_alnum(unsigned char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }

/* An id (5+ letters/digits/_/-, full-width too) within a few separator
 * characters after p; spaces between the id's characters are tolerated. */
static bool id_after(const char *s, size_t n, size_t p) {
    int skipped = 0, idlen = 0;
    while (p < n) {
        uint32_t cp; int l = utf8_decode(s + p, n - p, &cp);
        if (l < 0) break;
        uint32_t f = acm_fold(cp);
        if (f < 0x80 && (is_alnum((unsigned char)f) || f == '_' || f == '-')) { idlen++; p += (size_t)l; continue; }
        if (idlen >= 5) break;
        /* separators before the id: punctuation, spaces, 号/是/为 ("微信号是abc123") */
        bool sep = f == ACM_FOLD_SKIP || cp == 0x53F7 || cp == 0x662F || cp == 0x4E3A;
        if (!sep || (idlen == 0 && ++skipped > 4) || (idlen > 0 && f != ACM_FOLD_SKIP)) break;
        p += (size_t)l;
    }
    return idlen >= 5;
}

static const char *const TLDS[] = { "com", "cn", "net", "org", "top", "vip", "xyz", "cc", "info", "me", "io",
                                    "club", "site", "shop", "online", "wang", "ren", "tk", "app", "ltd", "co" };

/* Counts URLs and bare domains. */
static int count_urls(const char *s, size_t n) {
    int urls = 0;
    for (size_t i = 0; i < n; i++) {
        if ((s[i] == 'h' || s[i] == 'H') && (i + 7 <= n && (!strncasecmp(s + i, "http://", 7) || (i + 8 <= n && !strncasecmp(s + i, "https://", 8))))) {
            urls++; i += 7;
            while (i < n && (unsigned char)s[i] > ' ' && (unsigned char)s[i] < 0x80) i++;
            continue;
        }
        if ((s[i] == 'w' || s[i] == 'W') && i + 4 <= n && !strncasecmp(s + i, "www.", 4) && !(i > 0 && is_alnum((unsigned char)s[i - 1]))) {
            urls++; i += 4;
            while (i < n && (unsigned char)s[i] > ' ' && (unsigned char)s[i] < 0x80) i++;
            continue;
        }
        if (s[i] == '.' && i >= 2 && is_alnum((unsigned char)s[i - 1]) && is_alnum((unsigned char)s[i - 2])) {
            size_t q = i + 1;
            while (q < n && ((s[q] | 0x20) >= 'a' && (s[q] | 0x20) <= 'z')) q++;
            if (q < n && is_alnum((unsigned char)s[q])) continue;
            for (size_t k = 0; k < sizeof TLDS / sizeof *TLDS; k++)
                if (q - i - 1 == strlen(TLDS[k]) && !strncasecmp(s + i + 1, TLDS[k], q - i - 1)) {
                    /* label before the dot must be ASCII (not "3.5" or a file name in Chinese text) */
                    size_t b = i;
                    while (b > 0 && (is_alnum((unsigned char)s[b - 1]) || s[b - 1] == '-')) b--;
                    bool letter = false;
                    for (size_t z = b; z < i; z++) if (!(s[z] >= '0' && s[z] <= '9')) letter = true;
                    if (letter) { urls++; i = q; }
                    break;
                }
        }
    }
    return urls;
}

/* ---- text statistics ---- */

/* Small open-addressing set of 64-bit keys on the caller's stack. */
#define SETN 4096
typedef struct { uint64_t k[SETN]; size_t n; } kset;
static void kset_clear(kset *s) { memset(s->k, 0, sizeof s->k); s->n = 0; }
/* Returns true if newly added (false if present or the set is full). */
static bool kset_add(kset *s, uint64_t key) {
    if (!key) key = 1;
    if (s->n >= SETN / 2) return false;
    size_t h = mix64(key) & (SETN - 1);
    while (s->k[h]) { if (s->k[h] == key) return false; h = (h + 1) & (SETN - 1); }
    s->k[h] = key; s->n++;
    return true;
}
static bool kset_has(const kset *s, uint64_t key) {
    if (!key) key = 1;
    size_t h = mix64(key) & (SETN - 1);
    while (s->k[h]) { if (s->k[h] == key) return true; h = (h + 1) & (SETN - 1); }
    return false;
}

/* Folded letters/digits of s (punctuation and spaces dropped), at most cap. */
static size_t folded(const char *s, size_t n, uint32_t *out, size_t cap) {
    size_t k = 0;
    for (size_t i = 0; i < n && k < cap; ) {
        uint32_t cp; int l = utf8_decode(s + i, n - i, &cp);
        if (l < 0) { i++; continue; }
        i += (size_t)l;
        uint32_t f = acm_fold(cp);
        if (f != ACM_FOLD_SKIP) out[k++] = f;
    }
    return k;
}

/* Distinct-trigram ratio (1 = no repetition); -1 if too short to tell. */
static float trigram_distinct(const uint32_t *c, size_t n, size_t minimum, kset *set) {
    if (n < minimum + 2) return -1;
    kset_clear(set);
    size_t total = 0, distinct = 0;
    for (size_t i = 0; i + 2 < n && total < SETN / 2; i++, total++)
        distinct += kset_add(set, (uint64_t)c[i] << 42 | (uint64_t)c[i + 1] << 21 | c[i + 2]);
    return (float)distinct / (float)total;
}

/* Garbage share of s: invalid bytes, U+FFFD, private use, controls, Latin-1
 * mojibake, and the famous GBK/UTF-8 round-trip artefacts. */
static float garbage(const char *s, size_t n) {
    size_t total = 0, bad = 0, latin1 = 0;
    for (size_t i = 0; i < n; ) {
        uint32_t cp; int l = utf8_decode(s + i, n - i, &cp);
        total++;
        if (l < 0) { bad++; i++; continue; }
        i += (size_t)l;
        if (cp == 0xFFFD || (cp >= 0xE000 && cp <= 0xF8FF) || (cp < 0x20 && cp != '\n' && cp != '\r' && cp != '\t') ||
            (cp >= 0x7F && cp < 0xA0))
            bad++;
        else if (cp >= 0xC0 && cp <= 0xFF) latin1++;    /* Ã Â å æ ...: UTF-8 read as Latin-1 */
    }
    if (total == 0) return 0;
    float g = (float)(bad + (latin1 >= 3 ? latin1 : 0)) / (float)total;
    static const char *const art[] = { "锟斤拷", "烫烫烫", "屯屯屯", "â€", "Ã©", "Ã¤" };
    for (size_t k = 0; k < sizeof art / sizeof *art; k++)
        if (memmem(s, n, art[k], strlen(art[k]))) g += 0.3f;
    /* Long ASCII "words" without vowels: keyboard mashing. */
    size_t words = 0, mashed = 0;
    for (size_t i = 0; i < n; ) {
        if (!(((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z'))) { i++; continue; }
        size_t b = i; int vowels = 0;
        while (i < n && ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')) { vowels += strchr("aeiouyAEIOUY", s[i]) != NULL; i++; }
        words++;
        if (i - b >= 7 && vowels * 8 < (int)(i - b)) mashed++;
    }
    if (words >= 3) g += 0.5f * (float)mashed / (float)words;
    return g;
}

static float nb_prob2(const spam_model *m, const char *a, size_t an, const char *b, size_t bn);

void spam_score(const spam_model *model, const char *title, size_t tn, const char *body, size_t bn, spam_result *out) {
    memset(out, 0, sizeof *out);
    out->nb = -1;
    if (!title) tn = 0;
    if (!body) bn = 0;
    pthread_once(&vocab_once, vocab_init);

    /* Advertising. */
    int urls = count_urls(title ? title : "", tn) + count_urls(body ? body : "", bn);
    int contact = 0, sales = 0;
    bool seen[NCONTACT + NSALES] = { false };
    for (int part = 0; part < 2 && vocab; part++) {
        const char *s = part ? body : title;
        size_t n = part ? bn : tn;
        if (!n) continue;
        acm_match m[64];
        size_t k = acm_find(vocab, s, n, m, 64);
        for (size_t i = 0; i < k && i < 64; i++) {
            uint32_t p = m[i].pattern;
            if (p < NCONTACT) { if (id_after(s, n, m[i].off + m[i].len)) contact++; }
            else if (!seen[p]) { seen[p] = true; sales++; }
        }
    }
    pii_span ph[4];
    size_t phones = (tn ? pii_find(title, tn, PII_MOBILE | PII_LANDLINE, ph, 4) : 0) +
                    (bn ? pii_find(body, bn, PII_MOBILE | PII_LANDLINE, ph, 4) : 0);
    float ads = 0;
    if (urls) { ads += 0.45f + 0.1f * (float)(urls > 3 ? 2 : urls - 1); out->flags |= SPAM_F_URL; }
    if (contact) { ads += 0.6f; out->flags |= SPAM_F_CONTACT; }
    if (sales) { ads += 0.2f * (float)(sales > 3 ? 3 : sales); out->flags |= SPAM_F_SALES; }
    if (phones && sales) { ads += 0.25f; out->flags |= SPAM_F_PHONE_AD; }
    out->ads = clamp01(ads);

    /* Keyword stuffing and title/body mismatch, on folded characters
     * (48 KB of stack scratch: no allocation per message). */
    uint32_t tc[256], bc[4096];
    kset set;
    {
        size_t nt = folded(title ? title : "", tn, tc, 256);
        size_t nb = folded(body ? body : "", bn, bc, 4096);
        float rt = trigram_distinct(tc, nt, 12, &set), rb = trigram_distinct(bc, nb, 40, &set);
        float st = rt < 0 ? 0 : clamp01((0.75f - rt) / 0.45f);
        float sb = rb < 0 ? 0 : clamp01((0.6f - rb) / 0.4f);
        out->stuffing = st > sb ? st : sb;
        if (out->stuffing >= 0.5f) out->flags |= SPAM_F_STUFFING;
        if (nt >= 5 && nb >= 60) {
            kset_clear(&set);
            for (size_t i = 0; i + 1 < nb; i++) kset_add(&set, (uint64_t)bc[i] << 21 | bc[i + 1]);
            size_t hit = 0, all = 0;
            for (size_t i = 0; i + 1 < nt; i++, all++) hit += kset_has(&set, (uint64_t)tc[i] << 21 | tc[i + 1]);
            float overlap = (float)hit / (float)all;
            out->mismatch = clamp01((0.15f - overlap) / 0.15f);
            if (out->mismatch >= 0.5f) out->flags |= SPAM_F_MISMATCH;
        }
    }

    /* Gibberish. */
    float gt = tn ? garbage(title, tn) : 0, gb = bn ? garbage(body, bn) : 0;
    out->gibberish = clamp01(4 * (gt > gb ? gt : gb));
    if (out->gibberish >= 0.5f) out->flags |= SPAM_F_GIBBERISH;

    /* Noisy OR; a mismatch alone is common in honest messages (a title of
     * place names over a story), so it only adds weight to other evidence. */
    float keep = (1 - out->ads) * (1 - out->stuffing) * (1 - 0.35f * out->mismatch) * (1 - out->gibberish);
    if (model) {
        out->nb = nb_prob2(model, title, tn, body, bn);
        if (out->nb >= 0.5f) out->flags |= SPAM_F_MODEL;
        keep *= 1 - 0.9f * out->nb;
    }
    out->score = clamp01(1 - keep);
}

const char *spam_flags_str(unsigned flags, char *out, size_t cap) {
    static const char *const names[] = { "url", "contact", "sales", "phone_ad", "stuffing", "mismatch", "gibberish", "model", "flood" };
    size_t k = 0;
    if (cap) out[0] = 0;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        if (!(flags & (1u << i))) continue;
        int w = snprintf(out + k, cap > k ? cap - k : 0, "%s%s", k ? "," : "", names[i]);
        if (w > 0) k += (size_t)w;
        if (k >= cap) { if (cap) out[cap - 1] = 0; break; }
    }
    return out;
}

/* ---- naive Bayes ---- */

#define NB_BITS 18
#define NB_N (1u << NB_BITS)
#define NB_MAGIC "MINYI-SPAM-NB1\n"

struct spam_model {
    double prior[2];          /* log P(class) */
    float *logp;              /* [2][NB_N]: log P(feature | class) */
    uint64_t docs[2];
};

/* Feeds the hashed character unigrams and bigrams of text to fn. */
static void nb_features(const char *s, size_t n, void (*fn)(void *, uint32_t), void *ctx) {
    uint32_t prev = 0;
    for (size_t i = 0; i < n; ) {
        uint32_t cp; int l = utf8_decode(s + i, n - i, &cp);
        if (l < 0) { i++; fn(ctx, (uint32_t)mix64(0xFFFDull << 1) & (NB_N - 1)); prev = 0; continue; }
        i += (size_t)l;
        uint32_t f = acm_fold(cp);
        if (f == ACM_FOLD_SKIP) {
            /* punctuation and symbols carry signal too (★, ￥) but are not joined to words */
            if (cp > 0x7F) fn(ctx, (uint32_t)mix64((uint64_t)cp << 2 | 3) & (NB_N - 1));
            prev = 0;
            continue;
        }
        if (f >= '0' && f <= '9') f = '0';     /* digits: phone numbers and prices, not which */
        fn(ctx, (uint32_t)mix64((uint64_t)f << 2 | 1) & (NB_N - 1));
        if (prev) fn(ctx, (uint32_t)mix64((uint64_t)prev << 23 | (uint64_t)f << 2 | 2) & (NB_N - 1));
        prev = f;
    }
}

typedef struct { double *cnt; } train_ctx;
static void train_add(void *ctx, uint32_t h) { ((train_ctx *)ctx)->cnt[h] += 1; }

int spam_nb_train(const spam_example *ex, size_t n, spam_model **out, char *err, size_t errlen) {
    *out = NULL;
    size_t docs[2] = { 0, 0 };
    for (size_t i = 0; i < n; i++) docs[ex[i].is_spam ? 1 : 0]++;
    if (!docs[0] || !docs[1]) { snprintf(err, errlen, "need both spam and non-spam examples (have %zu and %zu)", docs[1], docs[0]); return -1; }
    spam_model *m = calloc(1, sizeof *m);
    double *cnt = calloc(2 * (size_t)NB_N, sizeof *cnt);
    if (m) m->logp = malloc(2 * (size_t)NB_N * sizeof *m->logp);
    if (!m || !cnt || !m->logp) { spam_model_free(m); free(cnt); snprintf(err, errlen, "out of memory"); return -1; }
    for (size_t i = 0; i < n; i++) {
        train_ctx c = { cnt + (ex[i].is_spam ? NB_N : 0) };
        nb_features(ex[i].text ? ex[i].text : "", ex[i].text ? ex[i].n : 0, train_add, &c);
    }
    const double alpha = 0.5;   /* Lidstone smoothing: hashed features are sparse */
    for (int c = 0; c < 2; c++) {
        double total = 0;
        for (size_t f = 0; f < NB_N; f++) total += cnt[(size_t)c * NB_N + f];
        double denom = log(total + alpha * NB_N);
        for (size_t f = 0; f < NB_N; f++) m->logp[(size_t)c * NB_N + f] = (float)(log(cnt[(size_t)c * NB_N + f] + alpha) - denom);
        m->docs[c] = docs[c];
        m->prior[c] = log((double)docs[c] / (double)n);
    }
    free(cnt);
    *out = m;
    return 0;
}

typedef struct { const spam_model *m; double d; } prob_ctx;
static void prob_add(void *ctx, uint32_t h) {
    prob_ctx *p = ctx;
    p->d += (double)p->m->logp[NB_N + h] - (double)p->m->logp[h];
}

/* P(spam) of title and body read as one text. */
static float nb_prob2(const spam_model *m, const char *a, size_t an, const char *b, size_t bn) {
    prob_ctx p = { m, m->prior[1] - m->prior[0] };
    if (a && an) nb_features(a, an, prob_add, &p);
    if (b && bn) nb_features(b, bn, prob_add, &p);
    if (p.d > 40) return 1.0f;
    if (p.d < -40) return 0.0f;
    return (float)(1.0 / (1.0 + exp(-p.d)));
}

float spam_nb_prob(const spam_model *m, const char *text, size_t n) { return nb_prob2(m, text, n, NULL, 0); }

/* Format: magic, uint32 feature bits, uint64 docs[2], double prior[2],
 * float logp[2][NB_N], host byte order (models move between nodes of one
 * deployment, not between architectures). */
#define NB_SIZE (sizeof NB_MAGIC - 1 + sizeof(uint32_t) + 2 * sizeof(uint64_t) + 2 * sizeof(double) + 2 * (size_t)NB_N * sizeof(float))

int spam_model_save_mem(const spam_model *m, buf *out) {
    uint32_t bits = NB_BITS;
    if (buf_reserve(out, NB_SIZE)) return -1;
    buf_put(out, NB_MAGIC, sizeof NB_MAGIC - 1);
    buf_put(out, &bits, sizeof bits);
    buf_put(out, m->docs, sizeof m->docs);
    buf_put(out, m->prior, sizeof m->prior);
    buf_put(out, m->logp, 2 * (size_t)NB_N * sizeof *m->logp);
    return 0;
}

int spam_model_load_mem(const void *data, size_t n, spam_model **out, char *err, size_t errlen) {
    *out = NULL;
    const char *p = data;
    uint32_t bits = 0;
    if (!p || n != NB_SIZE || memcmp(p, NB_MAGIC, sizeof NB_MAGIC - 1)) {
        snprintf(err, errlen, "not a minyi spam model (or truncated: %zu bytes, expected %zu)", n, (size_t)NB_SIZE);
        return -1;
    }
    p += sizeof NB_MAGIC - 1;
    memcpy(&bits, p, sizeof bits); p += sizeof bits;
    if (bits != NB_BITS) { snprintf(err, errlen, "spam model has %u feature bits, this minyi uses %u", bits, NB_BITS); return -1; }
    spam_model *m = calloc(1, sizeof *m);
    if (m) m->logp = malloc(2 * (size_t)NB_N * sizeof *m->logp);
    if (!m || !m->logp) { spam_model_free(m); snprintf(err, errlen, "out of memory"); return -1; }
    memcpy(m->docs, p, sizeof m->docs); p += sizeof m->docs;
    memcpy(m->prior, p, sizeof m->prior); p += sizeof m->prior;
    memcpy(m->logp, p, 2 * (size_t)NB_N * sizeof *m->logp);
    bool ok = m->prior[0] <= 0 && m->prior[1] <= 0;
    for (size_t i = 0; ok && i < 2 * (size_t)NB_N; i++) if (!(m->logp[i] <= 0)) ok = false;   /* NaN or > 0: corrupt */
    if (!ok) { spam_model_free(m); snprintf(err, errlen, "spam model is corrupt"); return -1; }
    *out = m;
    return 0;
}

int spam_model_save(const spam_model *m, const char *path, char *err, size_t errlen) {
    buf b = {0};
    if (spam_model_save_mem(m, &b)) { snprintf(err, errlen, "out of memory"); return -1; }
    FILE *f = fopen(path, "wb");
    if (!f) { buf_free(&b); snprintf(err, errlen, "%s: cannot write", path); return -1; }
    bool ok = fwrite(b.p, 1, b.n, f) == b.n;
    if (fclose(f) != 0) ok = false;
    buf_free(&b);
    if (!ok) { snprintf(err, errlen, "%s: write failed", path); remove(path); return -1; }
    return 0;
}

int spam_model_load(const char *path, spam_model **out, char *err, size_t errlen) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) { snprintf(err, errlen, "%s: cannot open", path); return -1; }
    char *data = malloc(NB_SIZE + 1);
    if (!data) { fclose(f); snprintf(err, errlen, "out of memory"); return -1; }
    size_t n = fread(data, 1, NB_SIZE + 1, f);   /* one byte more: a longer file is refused */
    fclose(f);
    char e2[200];
    int rc = spam_model_load_mem(data, n, out, e2, sizeof e2);
    if (rc) snprintf(err, errlen, "%s: %s", path, e2);
    free(data);
    return rc;
}

void spam_model_free(spam_model *m) {
    if (!m) return;
    free(m->logp);
    free(m);
}

/* ---- rate tracking ---- */

#define RATE_RING 16
#define RATE_PROBE 8
typedef struct { uint64_t key; int64_t t[RATE_RING]; uint64_t h[RATE_RING]; uint32_t next; int64_t last; } rate_slot;

struct spam_rate {
    pthread_mutex_t mu;
    rate_slot *s;
    size_t mask;
    int window, limit;
};

int spam_rate_new(size_t slots, int window, int limit, spam_rate **out) {
    *out = NULL;
    if (window <= 0 || limit <= 0 || limit >= RATE_RING) return -1;
    size_t n = 64;
    while (n < slots) n *= 2;
    spam_rate *r = calloc(1, sizeof *r);
    if (!r) return -1;
    r->s = calloc(n, sizeof *r->s);
    if (!r->s) { free(r); return -1; }
    pthread_mutex_init(&r->mu, NULL);
    r->mask = n - 1; r->window = window; r->limit = limit;
    *out = r;
    return 0;
}

void spam_rate_free(spam_rate *r) {
    if (!r) return;
    pthread_mutex_destroy(&r->mu);
    free(r->s);
    free(r);
}

void spam_rate_hit(spam_rate *r, uint64_t key, uint64_t text_hash, int64_t t, spam_rate_info *out) {
    if (!key) key = 1;
    pthread_mutex_lock(&r->mu);
    size_t h = mix64(key) & r->mask, victim = h;
    rate_slot *s = NULL;
    for (size_t k = 0; k < RATE_PROBE; k++) {
        rate_slot *c = &r->s[(h + k) & r->mask];
        if (c->key == key) { s = c; break; }
        if (!c->key) { victim = (h + k) & r->mask; break; }
        if (c->last < r->s[victim].last) victim = (h + k) & r->mask;   /* forget the quietest key */
    }
    if (!s) {
        s = &r->s[victim];
        memset(s, 0, sizeof *s);
        s->key = key;
        for (int i = 0; i < RATE_RING; i++) s->t[i] = INT64_MIN;
    }
    s->t[s->next % RATE_RING] = t; s->h[s->next % RATE_RING] = text_hash; s->next++;
    s->last = t;
    uint32_t recent = 0, same = 0;
    for (int i = 0; i < RATE_RING; i++) {
        if (s->t[i] == INT64_MIN || s->t[i] <= t - r->window || s->t[i] > t) continue;
        recent++;
        if (s->h[i] == text_hash) same++;
    }
    int limit = r->limit;
    pthread_mutex_unlock(&r->mu);
    out->recent = recent;
    out->same_text = same;
    float f = recent > (uint32_t)limit ? clamp01((float)(recent - (uint32_t)limit) / (float)limit + 0.5f) : 0;
    /* The same text three times in a window is a flood whatever the rate. */
    if (same >= 3) { float g = clamp01(0.5f + 0.15f * (float)(same - 3)); if (g > f) f = g; }
    out->flood = f;
}
