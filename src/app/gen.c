/* gen.c: the plan of a `minyi gen` run and its messages (docs/gen.md).
 * Message i draws from its own random stream (seed, i), and its time is the
 * (i + u) / count quantile of the period's intensity (daily rhythm, launch
 * and closing rush, campaign bursts), so times rise with i and any range of
 * messages can be made alone, in any order, with the same result. */
#include "app/gen_int.h"
#include "text/utf8.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SPAM_SHARE      0.02
#define PII_SHARE       0.03
#define CAMPAIGN_SHARE  0.21     /* besides the bursts' own messages; ~30% in all */
#define MSGS_PER_CAMPAIGN 200
#define MAX_BURSTS      8
#define SLICES          256      /* of the period, to find the campaigns active at a time */
#define MAX_CAMPAIGNS   200000
#define BEIJING         (8 * 3600)

typedef struct {
    uint32_t topic, region;
    int type;
    int64_t from, to;          /* window of its messages */
    gen_piece title, body;     /* rendered text in g->arena */
} campaign;

struct gen {
    const gen_corpus *c;
    gen_opts o;
    uint32_t nbins;            /* minutes of the period */
    double *cdf;               /* cumulative intensity, cdf[nbins-1] == 1 */
    float *burst;              /* share of a minute's messages due to a burst */
    uint8_t *burst_of;         /* which burst (index into campaigns) */
    uint32_t ncamp;
    campaign *camp;
    double *camp_cdf;          /* Zipf weights of campaigns, cumulative */
    uint32_t *active_at;       /* per slice of the period: [active_at[s], active_at[s+1]) in active */
    uint32_t *active;          /* campaigns whose window meets the slice */
    float *active_cdf;         /* their Zipf weights, cumulative within the slice */
    double *topic_cdf, *region_cdf;
    uint64_t users, spammers;
    buf arena;
};

/* splitmix64: a tiny generator good enough for text and fast to seed per message. */
typedef struct { uint64_t s; } rng;
static uint64_t next(rng *r) {
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static rng rng_for(uint64_t seed, uint64_t stream, uint64_t i) {
    rng r = { seed * 0xD1B54A32D192ED03ull ^ (stream << 56) };
    next(&r);
    r.s ^= i * 0xA24BAED4963EE407ull;
    next(&r);
    return r;
}
static double unif(rng *r) { return (double)(next(r) >> 11) * (1.0 / 9007199254740992.0); }
static uint64_t below(rng *r, uint64_t n) { return n ? next(r) % n : 0; }
static size_t pick_cdf(const double *cdf, size_t n, double u) {
    size_t lo = 0, hi = n - 1;
    while (lo < hi) { size_t mid = (lo + hi) / 2; if (cdf[mid] <= u) lo = mid + 1; else hi = mid; }
    return lo;
}

/* ---- length: titles come as written (10-25); bodies follow this mixture,
 * tuned so a message averages ~34 characters, title and body together. */
static size_t body_len(rng *r) {
    double u = unif(r);
    if (u < 0.64) return 3 + below(r, 8);
    if (u < 0.90) return 10 + below(r, 16);
    if (u < 0.988) return 25 + below(r, 56);
    if (u < 0.9985) return (size_t)(80 * exp(unif(r) * log(5.0)));
    return (size_t)(400 * exp(unif(r) * log(5.0)));
}

static const double type_weights[GEN_TYPES] = { 0.36, 0.24, 0.22, 0.12, 0.06 };
static int pick_type(rng *r) {
    double u = unif(r), a = 0;
    for (int t = 0; t < GEN_TYPES - 1; t++) if (u < (a += type_weights[t])) return t;
    return GEN_TYPES - 1;
}

/* Stock phrases for the shortest bodies and for endings, by type. */
static const char *const short_bodies[] = {
    "如题。", "如题，望解决。", "请尽快处理。", "望回复，谢谢！", "希望早日解决。", "急！", "同上。",
    "支持！", "希望重视。", "请有关部门核实。", "盼复。", "谢谢领导！",
};
static const char *const endings[GEN_TYPES][4] = {
    { "希望采纳。", "建议有关部门研究。", "望考虑。", NULL },
    { "请问该怎么办？", "请问如何办理？", "盼复。", "谢谢！" },
    { "请尽快处理！", "望严肃查处。", "请给个说法。", NULL },
    { "恳请帮助！", "望帮忙解决，谢谢！", "实在没有办法了。", NULL },
    { "特此感谢！", "为你们点赞！", "谢谢！", NULL },
};
static const char *const thanks_titles[] = { "感谢有关部门及时解决问题", "感谢工作人员的热心帮助", "为办事人员的负责态度点赞" };

/* Sentences a sender adds to a mail-merge letter, and the swaps they make. */
static const char *const additions[] = {
    "我是附近的居民。", "我家就住在旁边。", "强烈要求！", "此事已反映多次。", "大家都很关心这件事。",
    "希望领导重视。", "我们都签了名。", "请给我们一个答复。",
};
static const char *const synonyms[][2] = {
    { "建议", "希望" }, { "尽快", "尽早" }, { "严重", "十分严重" }, { "要求", "请求" }, { "解决", "处理" },
    { "居民", "群众" }, { "有关部门", "相关部门" }, { "强烈", "坚决" }, { "立即", "马上" }, { "非常", "特别" },
    { "现在", "目前" }, { "影响", "干扰" }, { "问题", "情况" }, { "希望", "盼望" }, { "领导", "政府" },
};

static const char *const spam_titles[] = { "好消息", "诚招兼职人员", "低价出售", "免费领取", "重要通知", "赚钱机会来了" };
static const char *const spam_offers[] = {
    "专业办理各类证件", "兼职刷单日结三百元", "代开各类发票", "无抵押贷款当天放款", "正品名表一折起",
    "网络彩票稳赚不赔", "高价回收购物卡", "免费领取流量话费",
};
static const char *const spam_contacts[] = { "加微信", "加V", "联系QQ", "私聊" };
static const char *const spam_tails[] = { "诚信经营！", "名额有限先到先得。", "欢迎咨询。", "童叟无欺！" };

static const char *const phone_forms[] = { "联系电话：%s", "我的电话%s", "电话%s，请回电", "本人手机%s" };
static const char *const id_forms[] = { "身份证号%s", "本人身份证号码：%s", "我的身份证是%s" };
static const char *const phone_prefixes[] = { "130", "131", "132", "133", "135", "136", "137", "138", "139",
    "150", "151", "152", "153", "155", "156", "158", "159", "166", "173", "176", "177", "180", "181",
    "182", "183", "185", "186", "187", "188", "189", "191", "198", "199" };
/* Area codes of provincial capitals' central districts (public administrative codes). */
static const char *const id_areas[] = { "110101", "310104", "430102", "440305", "510104", "330106", "420102", "610113", "320102", "370102" };

#define COUNT(a) (sizeof (a) / sizeof *(a))

/* Appends stored text, with region markers replaced. */
static int put_text(const gen *g, const char *arena, gen_piece p, const char *region, buf *out) {
    const char *s = arena + p.off, *e = s + p.bytes;
    while (s < e) {
        const char *m = s;
        while (m < e && *m != GEN_MARK_REGION && *m != GEN_MARK_CITY) m++;
        if (buf_put(out, s, (size_t)(m - s))) return -1;
        if (m == e) break;
        if (*m == GEN_MARK_REGION) { if (buf_puts(out, region)) return -1; }
        else { char city[8] = { region[0] }; memcpy(city + 1, "市", 4); if (buf_puts(out, city)) return -1; }
        s = m + 1;
    }
    return 0;
}

static int put_clause(const gen *g, const gen_topic *t, rng *r, size_t budget, const char *region, buf *out, size_t *chars) {
    const gen_pieces *cl = &t->clauses;
    /* clauses are sorted by length: choose among those that fit */
    size_t lo = 0, hi = cl->n;
    while (lo < hi) { size_t mid = (lo + hi) / 2; if (cl->v[mid].chars <= budget) lo = mid + 1; else hi = mid; }
    if (!lo) return 1;
    gen_piece p = cl->v[below(r, lo)];
    *chars += p.chars;
    return put_text(g, g->c->arena.p, p, region, out);
}

/* A body of about len characters drawn from topic t. */
static int compose_body(const gen *g, const gen_topic *t, int type, size_t len, rng *r, const char *region, buf *out) {
    if (len <= 10 && unif(r) < 0.5) return buf_puts(out, short_bodies[below(r, COUNT(short_bodies))]);
    size_t chars = 0, in_sentence = 0;
    const char *end = NULL;
    if (len > 12 && unif(r) < 0.35) {
        int k = 0;
        while (k < 4 && endings[type][k]) k++;
        end = endings[type][below(r, (uint64_t)k)];
        size_t ec = utf8_count(end, strlen(end));
        len = len > ec + 4 ? len - ec : 4;
    }
    for (;;) {
        size_t budget = len > chars + 1 ? len - chars - 1 : 0;
        if (budget < 2) break;
        int rc = put_clause(g, t, r, budget, region, out, &chars);
        if (rc < 0) return -1;
        if (rc) break;
        in_sentence++;
        bool stop = in_sentence >= 2 + below(r, 2);
        const char *sep = stop ? (type == 1 && unif(r) < 0.3 ? "？" : "。") : "，";
        if (buf_puts(out, sep)) return -1;
        chars++;
        if (stop) in_sentence = 0;
    }
    if (out->n && in_sentence) {
        /* close an open sentence: its last "，" becomes "。" */
        if (out->n >= 3 && !memcmp(out->p + out->n - 3, "，", 3)) memcpy(out->p + out->n - 3, "。", 3);
    }
    if (!out->n && buf_puts(out, short_bodies[below(r, COUNT(short_bodies))])) return -1;
    return end ? buf_puts(out, end) : 0;
}

static const gen_piece *pick_title(const gen_topic *t, int type, rng *r) {
    const gen_pieces *b = &t->titles[type];
    if (b->n && unif(r) < 0.8) return &b->v[below(r, b->n)];
    size_t total = 0;
    for (int q = 0; q < GEN_CUES; q++) total += t->titles[q].n;
    size_t k = below(r, total);
    for (int q = 0; q < GEN_CUES; q++) { if (k < t->titles[q].n) return &t->titles[q].v[k]; k -= t->titles[q].n; }
    return NULL;
}

static int put_title(const gen *g, const gen_topic *t, int type, rng *r, const char *region, buf *out) {
    if (type == 4 && !t->titles[4].n) return buf_puts(out, thanks_titles[below(r, COUNT(thanks_titles))]);
    const gen_piece *p = pick_title(t, type, r);
    return p ? put_text(g, g->c->arena.p, *p, region, out) : buf_puts(out, "如题");
}

/* ---- the plan ---- */

static const double hour_weight[24] = { 0.30, 0.15, 0.10, 0.08, 0.08, 0.12, 0.30, 0.60, 1.00, 1.40, 1.50, 1.30,
                                        0.90, 0.90, 1.20, 1.30, 1.30, 1.10, 0.90, 1.10, 1.30, 1.30, 1.00, 0.60 };

static int plan_time(gen *g, rng *r) {
    g->nbins = (uint32_t)g->o.days * 1440;
    g->cdf = malloc(g->nbins * sizeof *g->cdf);
    g->burst = calloc(g->nbins, sizeof *g->burst);
    g->burst_of = calloc(g->nbins, 1);
    double *amp = calloc(g->nbins, sizeof *amp);
    if (!g->cdf || !g->burst || !g->burst_of || !amp) { free(amp); return -1; }
    /* Bursts: the largest campaigns arrive in a few hours each. */
    uint32_t nb = g->ncamp < MAX_BURSTS ? g->ncamp : MAX_BURSTS;
    if ((uint32_t)g->o.days < nb * 2) nb = (uint32_t)(g->o.days + 1) / 2;
    for (uint32_t b = 0; b < nb; b++) {
        double center = (0.05 + 0.9 * unif(r)) * g->nbins, sigma = 60 + 180 * unif(r), a = 1.5 + 2.5 * unif(r);
        for (int64_t m = (int64_t)(center - 4 * sigma); m <= (int64_t)(center + 4 * sigma); m++) {
            if (m < 0 || m >= (int64_t)g->nbins) continue;
            double x = (m - center) / sigma, v = a * exp(-0.5 * x * x);
            if (v > amp[m]) g->burst_of[m] = (uint8_t)b;
            g->burst[m] += (float)v;
            if (v > amp[m]) amp[m] = v;
        }
    }
    double total = 0;
    int days = g->o.days;
    for (uint32_t m = 0; m < g->nbins; m++) {
        int64_t t = g->o.start + (int64_t)m * 60 + BEIJING;
        int hour = (int)((t / 3600) % 24), day = (int)(m / 1440), wday = (int)((t / 86400 + 4) % 7);
        double d = 1 + 1.2 * exp(-day / 2.5) + 0.8 * exp(-(days - 1 - day) / 1.5);
        if (wday == 0 || wday == 6) d *= 0.85;
        double f = g->burst[m];
        total += hour_weight[hour] * d * (1 + f);
        g->cdf[m] = total;
        g->burst[m] = (float)(f / (1 + f));
    }
    for (uint32_t m = 0; m < g->nbins; m++) g->cdf[m] /= total;
    g->cdf[g->nbins - 1] = 1.0;
    free(amp);
    return 0;
}

/* Which slices of the period campaign k's window meets. */
static void slice_span(const gen *g, const campaign *c, uint32_t *a, uint32_t *b) {
    double len = (double)g->nbins * 60;
    double x = (c->from - g->o.start) / len * SLICES, y = (c->to - g->o.start) / len * SLICES;
    *a = x < 0 ? 0 : x >= SLICES ? SLICES - 1 : (uint32_t)x;
    *b = y < 0 ? 0 : y >= SLICES ? SLICES - 1 : (uint32_t)y;
}

static int plan_slices(gen *g) {
    g->active_at = calloc(SLICES + 1, sizeof *g->active_at);
    if (!g->active_at) return -1;
    size_t total = 0;
    for (uint32_t k = 0; k < g->ncamp; k++) {
        uint32_t a, b;
        slice_span(g, &g->camp[k], &a, &b);
        for (uint32_t s = a; s <= b; s++) g->active_at[s + 1]++;
        total += b - a + 1;
    }
    for (uint32_t s = 0; s < SLICES; s++) g->active_at[s + 1] += g->active_at[s];
    g->active = malloc((total ? total : 1) * sizeof *g->active);
    g->active_cdf = malloc((total ? total : 1) * sizeof *g->active_cdf);
    uint32_t *fill = malloc(SLICES * sizeof *fill);
    if (!g->active || !g->active_cdf || !fill) { free(fill); return -1; }
    memcpy(fill, g->active_at, SLICES * sizeof *fill);
    for (uint32_t k = 0; k < g->ncamp; k++) {   /* in k order, so each slice's cdf is built in order too */
        uint32_t a, b;
        slice_span(g, &g->camp[k], &a, &b);
        double w = g->camp_cdf[k] - (k ? g->camp_cdf[k-1] : 0);
        for (uint32_t s = a; s <= b; s++) {
            uint32_t at = fill[s]++;
            g->active[at] = k;
            g->active_cdf[at] = (float)((at > g->active_at[s] ? g->active_cdf[at-1] : 0) + w);
        }
    }
    free(fill);
    return 0;
}

static int plan_campaigns(gen *g, rng *r) {
    const gen_corpus *c = g->c;
    uint64_t n = g->o.count / MSGS_PER_CAMPAIGN;
    g->ncamp = (uint32_t)(n < 3 ? 3 : n > MAX_CAMPAIGNS ? MAX_CAMPAIGNS : n);
    g->camp = calloc(g->ncamp, sizeof *g->camp);
    g->camp_cdf = malloc(g->ncamp * sizeof *g->camp_cdf);
    if (!g->camp || !g->camp_cdf) return -1;
    double total = 0;
    buf body = {0};
    for (uint32_t k = 0; k < g->ncamp; k++) {
        campaign *cp = &g->camp[k];
        total += 1.0 / pow(k + 1, 1.1);     /* a few huge campaigns, many small ones */
        g->camp_cdf[k] = total;
        cp->topic = (uint32_t)pick_cdf(g->topic_cdf, (size_t)c->ntopics, unif(r));
        cp->region = (uint32_t)pick_cdf(g->region_cdf, c->nregions, unif(r));
        cp->type = unif(r) < 0.5 ? 2 : pick_type(r);
        if (cp->type == 4) cp->type = 0;    /* nobody mass-mails thanks */
        double span = 0.05 * exp(unif(r) * log(12.0)) * g->nbins * 60;
        cp->from = g->o.start + (int64_t)(unif(r) * (g->nbins * 60 - span));
        cp->to = cp->from + (int64_t)span;
        const gen_topic *t = &c->topics[cp->topic];
        const char *region = c->regions[cp->region].name;
        size_t len = body_len(r);
        if (len < 8) len = 8 + below(r, 12);
        if (len > 200) len = 60 + below(r, 140);
        buf_reset(&body);
        cp->title.off = (uint32_t)g->arena.n;
        if (put_title(g, t, cp->type, r, region, &g->arena)) goto oom;
        cp->title.bytes = (uint32_t)(g->arena.n - cp->title.off);
        if (compose_body(g, t, cp->type, len, r, region, &body)) goto oom;
        cp->body.off = (uint32_t)g->arena.n;
        if (buf_put(&g->arena, body.p, body.n)) goto oom;
        cp->body.bytes = (uint32_t)body.n;
        if (g->arena.n > UINT32_MAX / 2) goto oom;
    }
    for (uint32_t k = 0; k < g->ncamp; k++) g->camp_cdf[k] /= total;
    g->camp_cdf[g->ncamp - 1] = 1.0;
    buf_free(&body);
    return plan_slices(g);
oom:
    buf_free(&body);
    return -1;
}

int gen_new(const gen_corpus *c, const gen_opts *o, gen **out) {
    gen *g = calloc(1, sizeof *g);
    if (!g) return -1;
    g->c = c;
    g->o = *o;
    if (g->o.count < 1) g->o.count = 1;
    if (g->o.days < 1) g->o.days = 1;
    if (g->o.days > 3660) g->o.days = 3660;
    g->users = g->o.count * 6 / 10 + 100;
    g->spammers = g->o.count / 5000 + 3;
    g->topic_cdf = malloc((size_t)c->ntopics * sizeof(double));
    g->region_cdf = malloc(c->nregions * sizeof(double));
    if (!g->topic_cdf || !g->region_cdf) goto fail;
    double a = 0;
    for (int i = 0; i < c->ntopics; i++) g->topic_cdf[i] = a += c->topics[i].weight;
    for (int i = 0; i < c->ntopics; i++) g->topic_cdf[i] /= a;
    a = 0;
    for (size_t i = 0; i < c->nregions; i++) g->region_cdf[i] = a += c->regions[i].count;
    for (size_t i = 0; i < c->nregions; i++) g->region_cdf[i] /= a;
    rng r = rng_for(g->o.seed, 1, 0);
    if (plan_campaigns(g, &r) || plan_time(g, &r)) goto fail;
    *out = g;
    return 0;
fail:
    gen_free(g);
    return -1;
}

void gen_free(gen *g) {
    if (!g) return;
    free(g->cdf); free(g->burst); free(g->burst_of);
    free(g->camp); free(g->camp_cdf); free(g->active_at); free(g->active); free(g->active_cdf); free(g->topic_cdf); free(g->region_cdf);
    buf_free(&g->arena);
    free(g);
}

uint32_t gen_campaigns(const gen *g) { return g->ncamp; }

void gen_buf_free(gen_buf *b) { buf_free(&b->title); buf_free(&b->body); buf_free(&b->tmp); }

/* ---- one message ---- */

/* Message i's time: the (i + u) / count quantile of the intensity. */
static int64_t time_of(const gen *g, uint64_t i, rng *r, uint32_t *bin) {
    double q = ((double)i + unif(r)) / (double)g->o.count;
    size_t m = pick_cdf(g->cdf, g->nbins, q);
    double lo = m ? g->cdf[m-1] : 0, w = g->cdf[m] - lo;
    double frac = w > 0 ? (q - lo) / w : 0;
    if (frac < 0) frac = 0;
    if (frac >= 1) frac = 0.999;
    *bin = (uint32_t)m;
    return g->o.start + (int64_t)m * 60 + (int64_t)(frac * 60);
}

static uint32_t pick_campaign(const gen *g, rng *r, uint32_t bin, int64_t t) {
    if (unif(r) < g->burst[bin]) return g->burst_of[bin] + 1u;
    if (unif(r) >= CAMPAIGN_SHARE) return 0;
    /* Among the campaigns running at t, the big ones most often. */
    uint32_t s = (uint32_t)((uint64_t)bin * SLICES / g->nbins);
    uint32_t a = g->active_at[s], b = g->active_at[s + 1];
    if (a == b) return (uint32_t)pick_cdf(g->camp_cdf, g->ncamp, unif(r)) + 1;
    float u = (float)unif(r) * g->active_cdf[b - 1];
    uint32_t lo = a, hi = b - 1;
    while (lo < hi) { uint32_t mid = (lo + hi) / 2; if (g->active_cdf[mid] <= u) lo = mid + 1; else hi = mid; }
    return g->active[lo] + 1;
}

/* A mail-merge member: the letter with sentences dropped and added, words swapped. */
static int campaign_text(const gen *g, const campaign *cp, rng *r, gen_buf *b) {
    const char *a = g->arena.p;
    if (buf_put(&b->title, a + cp->title.off, cp->title.bytes)) return -1;
    str s = { a + cp->body.off, cp->body.bytes };
    size_t i = 0, st = 0;
    int sentence = 0;
    bool added = false;
    while (i < s.n) {
        bool end = i + 3 <= s.n && (!memcmp(s.p + i, "。", 3) || !memcmp(s.p + i, "！", 3) || !memcmp(s.p + i, "？", 3));
        i += end ? 3 : 1;
        if (!end && i < s.n) continue;
        if (sentence == 0 || unif(r) >= 0.15) { if (buf_put(&b->body, s.p + st, i - st)) return -1; }
        if (!added && sentence > 0 && unif(r) < 0.15) {
            if (buf_puts(&b->body, additions[below(r, COUNT(additions))])) return -1;
            added = true;
        }
        sentence++;
        st = i;
    }
    if (!added && unif(r) < 0.2 && buf_puts(&b->body, additions[below(r, COUNT(additions))])) return -1;
    for (size_t k = 0; k < COUNT(synonyms); k++) {
        const char *from = synonyms[k][0], *to = synonyms[k][1];
        size_t fn = strlen(from);
        buf *tx = unif(r) < 0.1 ? &b->title : &b->body;
        char *hit = memmem(tx->p, tx->n, from, fn);
        if (!hit || unif(r) >= 0.4) continue;
        size_t at = (size_t)(hit - tx->p);
        buf_reset(&b->tmp);
        if (buf_put(&b->tmp, tx->p, at) || buf_puts(&b->tmp, to) || buf_put(&b->tmp, tx->p + at + fn, tx->n - at - fn)) return -1;
        buf_reset(tx);
        if (buf_put(tx, b->tmp.p, b->tmp.n)) return -1;
    }
    return 0;
}

static int spam_text(rng *r, gen_buf *b) {
    char id[32];
    if (unif(r) < 0.5) snprintf(id, sizeof id, "wx%05u", (unsigned)below(r, 100000));
    else snprintf(id, sizeof id, "%u", (unsigned)(10000000 + below(r, 90000000)));
    return buf_puts(&b->title, spam_titles[below(r, COUNT(spam_titles))])
        || buf_printf(&b->body, "%s，%s%s，%s", spam_offers[below(r, COUNT(spam_offers))],
                      spam_contacts[below(r, COUNT(spam_contacts))], id, spam_tails[below(r, COUNT(spam_tails))]);
}

static int add_pii(rng *r, gen_buf *b, gen_msg *m) {
    char num[24];
    const char *form;
    if (unif(r) < 0.7) {
        snprintf(num, sizeof num, "%s%08u", phone_prefixes[below(r, COUNT(phone_prefixes))], (unsigned)below(r, 100000000));
        form = phone_forms[below(r, COUNT(phone_forms))];
        m->pii = "phone";
    } else {
        static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
        int year = 1950 + (int)below(r, 56), month = 1 + (int)below(r, 12), day = 1 + (int)below(r, 28);
        snprintf(num, sizeof num, "%s%04d%02d%02d%03u", id_areas[below(r, COUNT(id_areas))], year, month, day, (unsigned)below(r, 1000));
        int sum = 0;
        for (int k = 0; k < 17; k++) sum += (num[k] - '0') * w[k];
        num[17] = "10X98765432"[sum % 11];
        num[18] = 0;
        form = id_forms[below(r, COUNT(id_forms))];
        m->pii = "id";
    }
    /* before the body's final punctuation, as a clause of its own */
    if (b->body.n >= 3 && ((unsigned char)b->body.p[b->body.n - 3] == 0xE3 || (unsigned char)b->body.p[b->body.n - 3] == 0xEF)) b->body.n -= 3;
    b->body.p[b->body.n] = 0;
    if (buf_puts(&b->body, "，")) return -1;
    if (buf_printf(&b->body, form, num)) return -1;
    return buf_puts(&b->body, "。");
}

int gen_message(const gen *g, uint64_t i, gen_buf *b, gen_msg *m) {
    const gen_corpus *c = g->c;
    rng r = rng_for(g->o.seed, 2, i);
    memset(m, 0, sizeof *m);
    buf_reset(&b->title); buf_reset(&b->body);
    m->id = i + 1;
    uint32_t bin;
    m->created_at = time_of(g, i, &r, &bin);
    m->pii = "";
    int rc;
    if (unif(&r) < SPAM_SHARE) {
        m->spam = true;
        m->type = gen_type_names[unif(&r) < 0.5 ? 0 : 1];
        m->label = "";
        snprintf(m->user, sizeof m->user, "u%llu", (unsigned long long)(g->users + 1 + below(&r, g->spammers)));
        size_t reg = pick_cdf(g->region_cdf, c->nregions, unif(&r));
        snprintf(m->region, sizeof m->region, "%s", unif(&r) < 0.5 ? c->regions[reg].name : "");
        m->dislikes = (unsigned)below(&r, 4);
        rc = spam_text(&r, b);
    } else {
        snprintf(m->user, sizeof m->user, "u%llu", (unsigned long long)(1 + below(&r, g->users)));
        m->campaign = pick_campaign(g, &r, bin, m->created_at);
        if (m->campaign) {
            const campaign *cp = &g->camp[m->campaign - 1];
            m->type = gen_type_names[cp->type];
            m->label = c->topics[cp->topic].name;
            snprintf(m->region, sizeof m->region, "%s", c->regions[cp->region].name);
            rc = campaign_text(g, cp, &r, b);
        } else {
            int type = pick_type(&r);
            const gen_topic *t = &c->topics[pick_cdf(g->topic_cdf, (size_t)c->ntopics, unif(&r))];
            m->type = gen_type_names[type];
            m->label = t->name;
            snprintf(m->region, sizeof m->region, "%s", c->regions[pick_cdf(g->region_cdf, c->nregions, unif(&r))].name);
            rc = put_title(g, t, type, &r, m->region, &b->title)
              || compose_body(g, t, type, body_len(&r), &r, m->region, &b->body);
        }
        if (!rc && unif(&r) < PII_SHARE) rc = add_pii(&r, b, m);
        /* likes: most none, a long tail; campaign letters gather more */
        double u = unif(&r);
        if (u < (m->campaign ? 0.7 : 0.4)) m->likes = (unsigned)(pow(1 - unif(&r), -0.9) - 1 + (m->campaign ? 2 : 0));
        if (unif(&r) < 0.15) m->dislikes = (unsigned)(pow(1 - unif(&r), -0.7) - 1);
        if (m->likes > 100000) m->likes = 100000;
        if (m->dislikes > 100000) m->dislikes = 100000;
    }
    if (rc) return -1;
    m->title = (str){ b->title.p, b->title.n };
    m->body = (str){ b->body.p, b->body.n };
    return 0;
}

/* JSON string: only ", \ and control characters need escaping (the text is valid UTF-8). */
static int put_json_str(buf *out, str s) {
    if (buf_reserve(out, s.n * 2 + 2)) return -1;
    char *p = out->p + out->n;
    *p++ = '"';
    for (size_t i = 0; i < s.n; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        if (ch == '"' || ch == '\\') { *p++ = '\\'; *p++ = (char)ch; }
        else if (ch < 0x20) {
            out->n = (size_t)(p - out->p);
            if (buf_printf(out, "\\u%04x", ch)) return -1;
            if (buf_reserve(out, (s.n - i) * 2 + 2)) return -1;
            p = out->p + out->n;
        }
        else *p++ = (char)ch;
    }
    *p++ = '"';
    out->n = (size_t)(p - out->p);
    out->p[out->n] = 0;
    return 0;
}

int gen_jsonl(const gen_msg *m, buf *out) {
    time_t t = (time_t)(m->created_at + BEIJING);
    struct tm tm;
    gmtime_r(&t, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    if (buf_printf(out, "{\"id\":%llu,\"user\":\"%s\",\"title\":", (unsigned long long)m->id, m->user)
        || put_json_str(out, m->title) || buf_puts(out, ",\"body\":") || put_json_str(out, m->body)
        || buf_printf(out, ",\"created_at\":\"%s\",\"region\":\"%s\",\"type\":\"%s\",\"likes\":%u,\"dislikes\":%u,"
                      "\"gen_label\":\"%s\",\"gen_campaign\":%u,\"gen_spam\":%d,\"gen_pii\":\"%s\"}\n",
                      when, m->region, m->type, m->likes, m->dislikes, m->label, m->campaign, m->spam, m->pii))
        return -1;
    return 0;
}
