/* dedup_sig_test.c: tests for src/text/dedup_sig.c: folding, the exact
 * hash, the similarity estimate, hostile input. */
#include "test.h"
#include "text/dedup.h"
#include <stdlib.h>

static dedup_sig sig(const char *s) { dedup_sig g; dedup_signature(s, strlen(s), &g); return g; }

TEST(folding_and_exact_hash) {
    dedup_sig a = sig("投诉：小区门口ＡＢＣ停车场收费过高！"), b = sig("投诉 小区门口abc停车场收费过高。");
    CHECK(a.exact == b.exact);
    CHECK(dedup_similarity(&a, &b) == 1.0f);
    dedup_sig c = sig("投诉：小区门口ABC停车场收费过低！");
    CHECK(a.exact != c.exact);
    CHECK(dedup_similarity(&a, &c) < 1.0f);
}

TEST(estimate_orders_by_overlap) {
    /* One sentence changed of four is nearer than three changed of four. */
    const char *s0 = "我们小区门口的路灯已经坏了三个月。晚上出行非常不便，老人经常摔倒。多次向物业反映无人处理。希望有关部门尽快维修。";
    const char *s1 = "我们小区门口的路灯已经坏了三个月。晚上出行非常不便，老人经常摔倒。多次向物业反映无人处理。恳请相关部门早日修好。";
    const char *s3 = "我们小区门口的路灯已经坏了三个月。孩子放学回家只能摸黑走路。物业说这归市政管理。恳请相关部门早日修好。";
    dedup_sig a = sig(s0), b = sig(s1), c = sig(s3);
    float ab = dedup_similarity(&a, &b), ac = dedup_similarity(&a, &c);
    CHECK(ab > ac);
    CHECK(ab >= 0.5f);
    CHECK(ac < 0.5f);
}

TEST(short_and_hostile_input) {
    dedup_sig e = sig(""), x;
    CHECK_INT(e.nshingles, 0);
    dedup_signature("\xff\xfe\x80", 3, &x);           /* invalid bytes are skipped */
    CHECK(x.exact == e.exact);
    CHECK_INT(x.nshingles, 0);
    dedup_signature("\xe4\xbd", 2, &x);                /* a truncated character */
    CHECK(x.exact == e.exact);
    dedup_signature("ab\0cd", 5, &x);                  /* a NUL inside is data */
    CHECK(x.nshingles > 0);
    dedup_sig one = sig("好"), two = sig("好的");
    CHECK_INT(one.nshingles, 1);                       /* one or two characters: one shingle */
    CHECK_INT(two.nshingles, 1);
    CHECK(one.exact != two.exact);
    /* Byte by byte: every prefix of a text signs without reading past it. */
    const char *t = "市民反映：某某路段积水严重";
    size_t n = strlen(t);
    for (size_t k = 0; k <= n; k++) {
        char *p = malloc(k ? k : 1);
        memcpy(p, t, k);
        dedup_signature(p, k, &x);
        free(p);
    }
    CHECK(x.exact == sig(t).exact);
}
