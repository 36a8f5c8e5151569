/* dedup_test.c: tests for src/text/dedup.c: signatures, campaign grouping,
 * same-place negatives, group bookkeeping, hostile input. */
#include "test.h"
#include "text/dedup.h"
#include <stdlib.h>

static const char *TPL =
    "尊敬的领导：您好！我们是A市A2区景蓉华苑小区的居民，小区旁边的工地每天晚上施工到凌晨两点，"
    "噪音非常大，严重影响了居民的休息，老人和孩子都无法入睡。我们已经多次向有关部门反映，但是问题一直没有解决。"
    "希望政府尽快处理，责令施工单位停止夜间施工，还我们一个安静的生活环境。谢谢！";
/* The same campaign: synonyms swapped, a personal sentence inserted, punctuation changed. */
static const char *VAR =
    "尊敬的领导：你好!我们是A市A2区景蓉华苑社区的居民,小区旁边的工地每天晚上施工到凌晨两点,"
    "噪音非常大,严重干扰了居民的休息,老人和孩子都无法入睡。本人王先生，家住3栋2单元。我们已经多次向相关部门反映,可是问题一直没有解决。"
    "恳请政府尽快处理,责令施工单位停止夜间施工,还我们一个安静的生活环境。感谢!";
/* Same place, different complaint. */
static const char *OTHER =
    "尊敬的领导：您好！我们是A市A2区景蓉华苑小区的居民，小区的物业公司美顺物业扬言要退出小区，"
    "因为小区水电改造造成物业费收不上来，现在垃圾无人清运，电梯也经常坏，请求街道协调新的物业公司进驻。";

static dedup_sig sig(const char *s) { dedup_sig g; dedup_signature(s, strlen(s), &g); return g; }

TEST(signature_folding) {
    dedup_sig a = sig("Hello，World！ 你好"), b = sig("ｈｅｌｌｏ world 你 好。。");
    CHECK(a.exact == b.exact);
    CHECK(dedup_similarity(&a, &b) == 1.0f);
    dedup_sig c = sig("hello world 你坏");
    CHECK(a.exact != c.exact);
    dedup_sig t = sig(TPL), v = sig(VAR), o = sig(OTHER);
    CHECK(t.nshingles > 100);
    float sv = dedup_similarity(&t, &v), so = dedup_similarity(&t, &o);
    CHECK(sv >= 0.4f);
    CHECK(so < 0.25f);
    CHECK(sv > so);
}

TEST(campaign_groups_and_place_negative_does_not) {
    dedup *d;
    CHECK_INT(dedup_new(NULL, &d), 0);
    dedup_result r;
    dedup_sig t = sig(TPL), v = sig(VAR), o = sig(OTHER);
    CHECK_INT(dedup_add(d, &t, 100, dedup_author_key("u1", 2), 1000, &r), 0);
    CHECK(r.new_group); CHECK_INT(r.group, 0); CHECK_INT(r.msg, 0);
    CHECK_INT(dedup_add(d, &v, 101, dedup_author_key("u2", 2), 900, &r), 0);
    CHECK(!r.new_group); CHECK_INT(r.group, 0); CHECK_INT(r.match, 0);
    CHECK_INT(dedup_add(d, &o, 102, dedup_author_key("u3", 2), 1100, &r), 0);
    CHECK(r.new_group); CHECK_INT(r.group, 1);
    /* an exact copy by an author already counted */
    CHECK_INT(dedup_add(d, &t, 103, dedup_author_key("u1", 2), 1200, &r), 0);
    CHECK_INT(r.group, 0); CHECK(r.sim == 1.0f);
    /* unknown author: a member, not an author */
    CHECK_INT(dedup_add(d, &v, 104, 0, 1300, &r), 0);
    dedup_group g;
    CHECK_INT(dedup_group_get(d, 0, &g), 0);
    CHECK_INT(g.rep, 0); CHECK_INT(g.size, 4); CHECK_INT(g.authors, 2);
    CHECK_INT(g.first, 900); CHECK_INT(g.last, 1300);
    uint32_t mem[8];
    CHECK_INT(dedup_group_members(d, 0, mem, 8), 4);
    CHECK_INT(mem[0], 0); CHECK_INT(mem[1], 1); CHECK_INT(mem[2], 3); CHECK_INT(mem[3], 4);
    CHECK_INT(dedup_msg_ext(d, mem[2]), 103);
    CHECK_INT(dedup_group_get(d, 1, &g), 0);
    CHECK_INT(g.size, 1);
    CHECK_INT(dedup_group_get(d, 2, &g), -1);
    CHECK_INT(dedup_nmsgs(d), 5); CHECK_INT(dedup_ngroups(d), 2);
    /* query does not add */
    dedup_query(d, &v, &r);
    CHECK_INT(r.group, 0); CHECK_INT(r.msg, UINT32_MAX);
    CHECK_INT(dedup_nmsgs(d), 5);
    dedup_free(d);
}

TEST(short_texts_match_only_exactly) {
    dedup *d;
    dedup_new(NULL, &d);
    dedup_result r;
    dedup_sig a = sig("同意！"), b = sig("同意"), c = sig("不同意");
    CHECK(a.nshingles < DEDUP_MIN_SHINGLES);
    dedup_add(d, &a, 1, 0, 0, &r);
    dedup_add(d, &b, 2, 0, 0, &r);
    CHECK_INT(r.group, 0);
    dedup_add(d, &c, 3, 0, 0, &r);
    CHECK(r.new_group);
    dedup_free(d);
}

TEST(threshold_and_config) {
    dedup_cfg c;
    dedup_cfg_default(&c);
    dedup *d = NULL;
    c.threshold = 0; CHECK_INT(dedup_new(&c, &d), -1);
    c.threshold = 1.5f; CHECK_INT(dedup_new(&c, &d), -1);
    dedup_cfg_default(&c); c.bands = 40; c.rows = 2; CHECK_INT(dedup_new(&c, &d), -1);
    CHECK(d == NULL);
    /* a strict threshold keeps the campaign variant apart, exact copies still join */
    dedup_cfg_default(&c); c.threshold = 0.95f;
    CHECK_INT(dedup_new(&c, &d), 0);
    dedup_result r;
    dedup_sig t = sig(TPL), v = sig(VAR);
    dedup_add(d, &t, 1, 0, 0, &r);
    dedup_add(d, &v, 2, 0, 0, &r);
    CHECK(r.new_group);
    dedup_add(d, &t, 3, 0, 0, &r);
    CHECK_INT(r.group, 0);
    dedup_free(d);
}

TEST(many_campaigns_incremental) {
    /* 300 distinct texts x 5 variants each, interleaved: every variant finds its own text's group. */
    dedup *d;
    dedup_new(NULL, &d);
    char s[2048];
    unsigned seed = 7;
    int wrong = 0;
    static const char *words[] = { "道路", "学校", "医院", "公交", "物业", "停车", "垃圾", "噪音", "拆迁", "补偿",
                                   "工资", "社保", "户口", "路灯", "污水", "绿化", "电梯", "燃气", "供水", "施工" };
    for (int v = 0; v < 5; v++) {
        for (int k = 0; k < 300; k++) {
            unsigned ks = (unsigned)k * 2654435761u;
            size_t n = 0;
            n += (size_t)snprintf(s + n, sizeof s - n, "第%d号留言：", k);
            for (int w = 0; w < 40; w++) {
                ks = ks * 1103515245u + 12345u;
                const char *wd = words[(ks >> 16) % 20];
                if (v && rand_r(&seed) % 10 == 0) wd = words[rand_r(&seed) % 20];   /* ~10% words swapped */
                n += (size_t)snprintf(s + n, sizeof s - n, "%s%s", wd, w % 7 == 6 ? "。" : "");
            }
            dedup_sig g;
            dedup_signature(s, n, &g);
            dedup_result r;
            CHECK_INT(dedup_add(d, &g, (uint64_t)k, 0, v, &r), 0);
            if ((int)r.group != k) wrong++;
        }
    }
    CHECK(wrong <= 15);     /* 1500 messages: at most 1% misplaced */
    CHECK_INT(dedup_nmsgs(d), 1500);
    dedup_free(d);
}

TEST(hostile) {
    dedup_sig e = sig(""), e2;
    CHECK_INT(e.nshingles, 0);
    dedup_signature("\xff\xfe\x80", 3, &e2);
    CHECK(e.exact == e2.exact);             /* invalid bytes are skipped */
    dedup_signature("ab\0cd", 5, &e2);
    CHECK(e2.nshingles > 0);
    dedup *d;
    dedup_new(NULL, &d);
    dedup_result r;
    CHECK_INT(dedup_add(d, &e, 1, 0, 0, &r), 0);
    CHECK_INT(dedup_add(d, &e, 2, 0, 0, &r), 0);
    CHECK_INT(r.group, 0);                   /* two empty messages are exact duplicates */
    size_t big = 4 << 20;
    char *h = malloc(big);
    for (size_t i = 0; i < big; i++) h[i] = (char)(i * 7919 % 251 + 1);
    dedup_sig hs;
    dedup_signature(h, big, &hs);
    CHECK(hs.nshingles > 0);
    CHECK_INT(dedup_add(d, &hs, 3, 0, 0, &r), 0);
    CHECK(r.new_group);
    free(h);
    dedup_free(d);
}

/* n distinct CJK characters starting at code point base, as UTF-8. */
static void run(char *out, uint32_t base, int n) {
    for (int i = 0; i < n; i++) {
        uint32_t cp = base + (uint32_t)i * 7;
        *out++ = (char)(0xE0 | (cp >> 12)); *out++ = (char)(0x80 | ((cp >> 6) & 0x3F)); *out++ = (char)(0x80 | (cp & 0x3F));
    }
    *out = 0;
}

TEST(groups_merge_through_a_bridging_message) {
    /* A = p+Q, B = Q+R, C = R+s: A~B and B~C, A and C share nothing.
     * Arriving A, C, B: B bridges the two groups into the older one. */
    char p[64], q[400], r[400], s[64], a[900], b[900], c[900];
    run(p, 0x4E00, 12); run(q, 0x5000, 80); run(r, 0x6000, 80); run(s, 0x7000, 12);
    snprintf(a, sizeof a, "%s%s", p, q); snprintf(b, sizeof b, "%s%s", q, r); snprintf(c, sizeof c, "%s%s", r, s);
    dedup_sig sa = sig(a), sb = sig(b), sc = sig(c);
    CHECK(dedup_similarity(&sa, &sb) >= 0.4f && dedup_similarity(&sb, &sc) >= 0.4f);
    CHECK(dedup_similarity(&sa, &sc) < 0.1f);
    dedup *d;
    CHECK_INT(dedup_new(NULL, &d), 0);
    dedup_result res;
    CHECK_INT(dedup_add(d, &sa, 1, dedup_author_key("u1", 2), 10, &res), 0);
    CHECK_INT(dedup_add(d, &sc, 3, dedup_author_key("u3", 2), 30, &res), 0);
    CHECK(res.new_group); CHECK_INT(res.group, 1);
    CHECK_INT(dedup_add(d, &sb, 2, dedup_author_key("u2", 2), 20, &res), 0);
    CHECK_INT(res.group, 0);             /* the lower id stays */
    CHECK_INT(res.nmerged, 1);
    CHECK_INT(res.merged[0], 1);
    for (uint32_t m = 0; m < 3; m++) CHECK_INT(dedup_msg_group(d, m), 0);
    dedup_group g;
    CHECK_INT(dedup_group_get(d, 0, &g), 0);
    CHECK_INT(g.size, 3); CHECK_INT(g.authors, 3); CHECK_INT(g.first, 10); CHECK_INT(g.last, 30); CHECK_INT(g.rep, 0);
    CHECK_INT(dedup_group_get(d, 1, &g), -1);     /* merged away */
    CHECK_INT(dedup_group_root(d, 1), 0);
    uint32_t mem[4];
    CHECK_INT(dedup_group_members(d, 0, mem, 4), 3);
    CHECK(mem[0] == 0 && mem[1] == 1 && mem[2] == 2);    /* add order */
    /* A query now lands in the merged group. */
    dedup_query(d, &sc, &res);
    CHECK_INT(res.group, 0);
    dedup_free(d);
}

/* Group 0: sa n0 times, group 1: sc n1 times, then sb bridges them;
 * authors "u<k>" as listed (0 ends a list). */
static dedup *bridged(int n0, const int *auth0, int n1, const int *auth1, int authb) {
    char p[64], q[400], r[400], s[64], a[900], b[900], c[900], who[16];
    run(p, 0x4E00, 12); run(q, 0x5000, 80); run(r, 0x6000, 80); run(s, 0x7000, 12);
    snprintf(a, sizeof a, "%s%s", p, q); snprintf(b, sizeof b, "%s%s", q, r); snprintf(c, sizeof c, "%s%s", r, s);
    dedup_sig sa = sig(a), sb = sig(b), sc = sig(c);
    dedup *d;
    if (dedup_new(NULL, &d)) return NULL;
    dedup_result res;
    uint64_t ext = 1;
    for (int i = 0; i < n0; i++) { snprintf(who, sizeof who, "u%d", auth0[i]); dedup_add(d, &sa, ext++, dedup_author_key(who, strlen(who)), 10, &res); }
    for (int i = 0; i < n1; i++) { snprintf(who, sizeof who, "u%d", auth1[i]); dedup_add(d, &sc, ext++, dedup_author_key(who, strlen(who)), 30, &res); }
    snprintf(who, sizeof who, "u%d", authb);
    dedup_add(d, &sb, ext++, dedup_author_key(who, strlen(who)), 20, &res);
    if (res.group != 0 || res.nmerged != 1) { dedup_free(d); return NULL; }
    return d;
}

TEST(a_merge_counts_each_author_once_whichever_group_is_larger) {
    /* The merged group counts the smaller group's authors into the larger
     * one's set: the older group larger, then the newer one larger (the
     * merged group, the older id, takes the newer group's set). */
    const int big[] = { 1, 2, 3, 4, 5 }, small[] = { 5, 6 }, big2[] = { 2, 3, 4, 5, 6 }, small2[] = { 1, 2 };
    for (int turn = 0; turn < 2; turn++) {
        dedup *d = turn ? bridged(2, small2, 5, big2, 7) : bridged(5, big, 2, small, 7);
        CHECK(d != NULL);
        if (!d) continue;
        dedup_group g;
        CHECK_INT(dedup_group_get(d, 0, &g), 0);
        CHECK_INT(g.size, 8); CHECK_INT(g.authors, 7);          /* u1..u7 */
        CHECK_INT(dedup_group_get(d, 1, &g), -1);
        /* Members in add order although the lists were linked, not merged. */
        uint32_t mem[16];
        CHECK_INT(dedup_group_members(d, 0, mem, 16), 8);
        for (uint32_t i = 0; i < 8; i++) CHECK_INT(mem[i], i);
        CHECK_INT(dedup_group_members(d, 0, mem, 3), 8);
        CHECK(mem[0] == 0 && mem[1] == 1 && mem[2] == 2);
        /* Later members: an author already counted (from either side) is not counted again. */
        char a[900], p[64], q[400];
        run(p, 0x4E00, 12); run(q, 0x5000, 80);
        snprintf(a, sizeof a, "%s%s", p, q);
        dedup_sig sa = sig(a);
        dedup_result res;
        CHECK_INT(dedup_add(d, &sa, 100, dedup_author_key("u6", 2), 40, &res), 0);
        CHECK_INT(dedup_add(d, &sa, 101, dedup_author_key("u1", 2), 40, &res), 0);
        CHECK_INT(dedup_group_get(d, 0, &g), 0);
        CHECK_INT(g.authors, 7);
        CHECK_INT(dedup_add(d, &sa, 102, dedup_author_key("u8", 2), 40, &res), 0);
        CHECK_INT(dedup_group_get(d, 0, &g), 0);
        CHECK_INT(g.size, 11); CHECK_INT(g.authors, 8);
        dedup_free(d);
    }
}

TEST(short_messages_bridge_groups_only_when_much_nearer) {
    /* The same chain as above with short texts (under 40 trigrams each, as
     * most of a national campaign's messages are): B is within the join
     * threshold of A and of C but not far above it, so it joins A's group
     * and does not merge C's into it. Bridging at the join threshold
     * chained unrelated short messages into one group of a third of a
     * million at 854k generated messages. */
    char p[16], q[64], r[64], s[16], a[128], b[128], c[128];
    run(p, 0x4E00, 2); run(q, 0x5000, 14); run(r, 0x6000, 14); run(s, 0x7000, 2);
    snprintf(a, sizeof a, "%s%s", p, q); snprintf(b, sizeof b, "%s%s", q, r); snprintf(c, sizeof c, "%s%s", r, s);
    dedup_sig sa = sig(a), sb = sig(b), sc = sig(c);
    float ab = dedup_similarity(&sa, &sb), bc = dedup_similarity(&sb, &sc);
    CHECK(sb.nshingles < 40);
    CHECK(ab >= 0.4f && ab < 0.6f && bc >= 0.4f && bc < 0.6f);
    dedup *d;
    CHECK_INT(dedup_new(NULL, &d), 0);
    dedup_result res;
    CHECK_INT(dedup_add(d, &sa, 1, dedup_author_key("u1", 2), 10, &res), 0);
    CHECK_INT(dedup_add(d, &sc, 3, dedup_author_key("u3", 2), 30, &res), 0);
    CHECK(res.new_group);
    CHECK_INT(dedup_add(d, &sb, 2, dedup_author_key("u2", 2), 20, &res), 0);
    CHECK(!res.new_group);
    CHECK_INT(res.nmerged, 0);
    CHECK(dedup_msg_group(d, 0) != dedup_msg_group(d, 1));
    CHECK(dedup_msg_group(d, 2) == dedup_msg_group(d, 0) || dedup_msg_group(d, 2) == dedup_msg_group(d, 1));
    dedup_free(d);
}

TEST(a_chain_does_not_drift_from_the_representative) {
    /* Five messages, each sharing three of its four parts with the next:
     * A~B~C~D~E pairwise (0.6) but D and E share little or nothing with A,
     * the group's first message. Single links alone put all five in one
     * group (how two campaigns sharing a phrase drifted together). */
    char part[8][200], m[5][900];
    for (int i = 0; i < 8; i++) run(part[i], 0x4E00 + (uint32_t)i * 0x400, 40);
    for (int i = 0; i < 5; i++) snprintf(m[i], sizeof m[i], "%s%s%s%s", part[i], part[i + 1], part[i + 2], part[i + 3]);
    dedup_sig s[5];
    for (int i = 0; i < 5; i++) s[i] = sig(m[i]);
    for (int i = 0; i < 4; i++) CHECK(dedup_similarity(&s[i], &s[i + 1]) >= 0.45f);
    CHECK(dedup_similarity(&s[0], &s[3]) < 0.2f);
    dedup *d;
    CHECK_INT(dedup_new(NULL, &d), 0);
    dedup_result r;
    for (int i = 0; i < 5; i++) CHECK_INT(dedup_add(d, &s[i], (uint64_t)i, 0, i, &r), 0);
    CHECK_INT(dedup_msg_group(d, 1), 0);           /* B is near A itself */
    CHECK(dedup_msg_group(d, 3) != 0);             /* D is near C, not near A */
    CHECK(dedup_msg_group(d, 4) != 0);
    dedup_free(d);
}

typedef struct { char *p; size_t n, cap; } image;

static int put_image(void *ud, const void *p, size_t n) {
    image *im = ud;
    if (im->n + n > im->cap) {
        im->cap = (im->n + n) * 2;
        im->p = realloc(im->p, im->cap);
    }
    memcpy(im->p + im->n, p, n);
    im->n += n;
    return 0;
}

/* Loads img[0..n) fed in pieces of step bytes. */
static int load_image(const char *p, size_t n, size_t step, dedup **out) {
    dedup_loader *l;
    if (dedup_loader_new(NULL, &l)) return -1;
    for (size_t i = 0; i < n; i += step) dedup_loader_feed(l, p + i, n - i < step ? n - i : step);
    return dedup_loader_finish(l, out);
}

TEST(image_round_trip_and_refusals) {
    /* 600 messages (200 texts x 3 variants): the loaded index answers and
     * goes on exactly as the one that was saved. */
    dedup *d;
    CHECK_INT(dedup_new(NULL, &d), 0);
    char s[1024];
    dedup_sig g[800];
    for (int i = 0; i < 800; i++) {
        int k = i % 200;
        char a[200], b[200];
        run(a, 0x4E00 + (uint32_t)k * 37, 30);
        run(b, 0x8000 + (uint32_t)(i / 200) * 11 + (uint32_t)k, 6);
        snprintf(s, sizeof s, "%s%s", a, b);
        g[i] = sig(s);
    }
    dedup_result r, r2;
    for (int i = 0; i < 600; i++) CHECK_INT(dedup_add(d, &g[i], (uint64_t)i, (uint64_t)i % 7 + 1, i, &r), 0);
    image im = {0};
    CHECK_INT(dedup_save(d, put_image, &im), 0);
    dedup *e;
    CHECK_INT(load_image(im.p, im.n, 4093, &e), 0);
    CHECK_INT(dedup_nmsgs(e), 600);
    CHECK_INT(dedup_ngroups(e), dedup_ngroups(d));
    dedup_group saved;
    CHECK_INT(dedup_group_get(d, 0, &saved), 0);
    for (int i = 600; i < 800; i++) {
        CHECK_INT(dedup_add(d, &g[i], (uint64_t)i, 1, i, &r), 0);
        CHECK_INT(dedup_add(e, &g[i], (uint64_t)i, 1, i, &r2), 0);
        CHECK_INT(r.group, r2.group); CHECK_INT(r.match, r2.match);
    }
    dedup_group a, b;
    CHECK_INT(dedup_group_get(d, 0, &a), 0); CHECK_INT(dedup_group_get(e, 0, &b), 0);
    CHECK_INT(a.size, b.size); CHECK_INT(a.authors, b.authors);
    dedup_free(e);
    /* Cut short, one byte too many, or an image of the previous format: refused. */
    CHECK_INT(load_image(im.p, im.n - 1, 1 << 20, &e), -1);
    CHECK(e == NULL);
    char *longer = malloc(im.n + 1);
    memcpy(longer, im.p, im.n); longer[im.n] = 0;
    CHECK_INT(load_image(longer, im.n + 1, 1 << 20, &e), -1);
    memcpy(longer, "1DDM", 4);          /* "MDD1" little-endian: the format before bucket blocks */
    CHECK_INT(load_image(longer, im.n, 1 << 20, &e), -1);
    /* "MDD2" (each group's authors counted under its own id) is read. */
    memcpy(longer, "2DDM", 4);
    CHECK_INT(load_image(longer, im.n, 1 << 20, &e), 0);
    CHECK_INT(dedup_group_get(e, 0, &b), 0);
    CHECK_INT(b.size, saved.size); CHECK_INT(b.authors, saved.authors);
    dedup_free(e);
    /* A reference pointing outside the image: refused, not followed. */
    memcpy(longer, im.p, im.n);
    memset(longer + im.n - 64, 0xee, 64);
    CHECK_INT(load_image(longer, im.n, 1 << 20, &e), -1);
    free(longer);
    free(im.p);
    dedup_free(d);
}
