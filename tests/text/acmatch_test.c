/* acmatch_test.c: tests for src/text/acmatch.c: folding, skipping, spans in
 * the original text, and a randomized comparison with a naive matcher. */
#include "test.h"
#include "text/acmatch.h"
#include "text/utf8.h"
#include <stdlib.h>

static acm *build(const char **pats, size_t n) {
    str *p = malloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++) p[i] = str_c(pats[i]);
    acm *a = NULL;
    char err[128];
    int rc = acm_build(p, n, &a, err, sizeof err);
    if (rc) fprintf(stderr, "  build: %s\n", err);
    free(p);
    return a;
}

/* "pattern@text|..." for every match in s. */
static char *found(const acm *a, const char *s) {
    static char out[4096];
    acm_match m[64];
    size_t n = acm_find(a, s, strlen(s), m, 64);
    out[0] = 0;
    for (size_t i = 0; i < n && i < 64; i++) {
        size_t l = strlen(out);
        str p = acm_pattern(a, m[i].pattern);
        snprintf(out + l, sizeof out - l, "%s%.*s@%.*s", i ? "|" : "", (int)p.n, p.p, (int)m[i].len, s + m[i].off);
    }
    return out;
}

TEST(classic_overlaps) {
    const char *p[] = { "he", "she", "his", "hers" };
    acm *a = build(p, 4);
    CHECK(a != NULL);
    CHECK_STR(found(a, "ushers"), "she@she|he@he|hers@hers");
    CHECK_STR(found(a, "ahishers"), "his@his|she@she|he@he|hers@hers");
    CHECK_STR(found(a, "xyz"), "");
    CHECK_INT(acm_nstates(a), 10);   /* root, h he her hers, s sh she, hi his */
    acm_free(a);
}

TEST(chinese_and_folding) {
    const char *p[] = { "法轮功", "赌博", "VPN", "ｆｕｃｋ" };
    acm *a = build(p, 4);
    CHECK_STR(found(a, "这里有法轮功的传单"), "法轮功@法轮功");
    CHECK_STR(found(a, "法 轮 功"), "法轮功@法 轮 功");
    CHECK_STR(found(a, "法.轮。功！"), "法轮功@法.轮。功");
    CHECK_STR(found(a, "法😀轮★功"), "法轮功@法😀轮★功");
    CHECK_STR(found(a, "网上赌　博"), "赌博@赌　博");          /* ideographic space */
    CHECK_STR(found(a, "翻墙ｖｐｎ软件"), "VPN@ｖｐｎ");         /* full-width, lower case */
    CHECK_STR(found(a, "vPn"), "VPN@vPn");
    CHECK_STR(found(a, "F U C K"), "ｆｕｃｋ@F U C K");
    CHECK_STR(found(a, "法轮大功"), "");                         /* a letter between: no match */
    CHECK_STR(found(a, "法.....轮功"), "");                      /* gap longer than ACM_MAX_GAP */
    CHECK_STR(found(a, "法....轮功"), "法轮功@法....轮功");
    acm_free(a);
}

TEST(patterns_are_folded_and_deduplicated) {
    const char *p[] = { "赌 博", "赌博", "", "。。", "ab" };
    acm *a = build(p, 5);
    CHECK(a != NULL);
    CHECK_INT(acm_npatterns(a), 5);
    CHECK_STR(found(a, "赌博ab"), "赌 博@赌博|ab@ab");   /* first of the duplicates reported */
    acm_free(a);
    str bad[] = { STR_LIT("ok"), { "\xff\xfe", 2 } };
    acm *b = NULL;
    char err[128] = "";
    CHECK_INT(acm_build(bad, 2, &b, err, sizeof err), -1);
    CHECK(b == NULL);
    CHECK(strstr(err, "pattern 2") != NULL);
    char *longp = malloc(3 * 300 + 1);
    for (int i = 0; i < 300; i++) memcpy(longp + 3 * i, "长", 3);
    str lp = { longp, 900 };
    CHECK_INT(acm_build(&lp, 1, &b, err, sizeof err), -1);
    free(longp);
    CHECK_INT(acm_build(NULL, 0, &b, err, sizeof err), 0);   /* empty list: matches nothing */
    CHECK_INT(acm_find(b, "abc", 3, NULL, 0), 0);
    acm_free(b);
}

TEST(hostile_text) {
    const char *p[] = { "ab", "中文" };
    acm *a = build(p, 2);
    const char s[] = "a\xff" "b a\0b \xe4\xb8 ab \xe4\xb8\xad\xe6\x96\x87\xe6";
    acm_match m[8];
    size_t n = acm_find(a, s, sizeof s - 1, m, 8);
    CHECK_INT(n, 3);    /* "a\0b" matches: NUL is a control character, skipped */
    CHECK_INT(m[0].off, 4);
    CHECK_INT(m[1].off, 11);
    CHECK_INT(m[2].len, 6);
    CHECK_INT(acm_find(a, "", 0, m, 8), 0);
    /* Huge input: counts without storing. */
    size_t big = 8 << 20;
    char *h = malloc(big);
    for (size_t i = 0; i < big; i += 2) memcpy(h + i, "ab", 2);
    CHECK_INT(acm_find(a, h, big, m, 8), big / 2);
    free(h);
    acm_free(a);
}

/* Naive reference: fold the text into (code point, start) with the same skip
 * and gap rules, then compare every pattern at every end position. */
typedef struct { uint32_t cp; size_t off; } fch;
static size_t naive(const char **pats, size_t np, const char *s, size_t n, acm_match *out, size_t cap) {
    fch *t = malloc((n + 1) * sizeof *t);
    size_t tn = 0, found = 0;
    int gap = 0;
    uint32_t pf[64][64]; size_t pl[64];
    for (size_t k = 0; k < np; k++) {
        pl[k] = 0;
        for (size_t q = 0; pats[k][q]; ) {
            uint32_t cp; int l = utf8_decode(pats[k] + q, strlen(pats[k] + q), &cp); q += (size_t)l;
            uint32_t f = acm_fold(cp);
            if (f != ACM_FOLD_SKIP) pf[k][pl[k]++] = f;
        }
    }
    for (size_t i = 0; i < n; ) {
        uint32_t cp; int l = utf8_decode(s + i, n - i, &cp);
        size_t start = i;
        if (l < 0) { t[tn++] = (fch){ 0xFFFFFFFE, start }; i++; gap = 0; continue; }
        i += (size_t)l;
        uint32_t f = acm_fold(cp);
        if (f == ACM_FOLD_SKIP) { if (++gap == ACM_MAX_GAP + 1) t[tn++] = (fch){ 0xFFFFFFFE, start }; continue; }
        gap = 0;
        t[tn++] = (fch){ f, start };
        /* matches ending at this character, in pattern order is not the automaton's
         * order, so the caller compares sorted lists */
        for (size_t k = 0; k < np; k++) {
            if (!pl[k] || pl[k] > tn) continue;
            bool eq = true;
            for (size_t q = 0; q < pl[k] && eq; q++) eq = t[tn - pl[k] + q].cp == pf[k][q];
            if (!eq) continue;
            /* duplicates after folding report the first index */
            size_t id = k;
            for (size_t d = 0; d < k; d++)
                if (pl[d] == pl[k] && !memcmp(pf[d], pf[k], pl[k] * sizeof(uint32_t))) { id = d; break; }
            if (id != k) continue;
            if (found < cap) out[found] = (acm_match){ t[tn - pl[k]].off, i - t[tn - pl[k]].off, (uint32_t)k };
            found++;
        }
    }
    free(t);
    return found;
}

static int cmp_match(const void *x, const void *y) {
    const acm_match *a = x, *b = y;
    if (a->off + a->len != b->off + b->len) return a->off + a->len < b->off + b->len ? -1 : 1;
    if (a->pattern != b->pattern) return a->pattern < b->pattern ? -1 : 1;
    return 0;
}

TEST(random_against_naive) {
    static const char *alpha[] = { "a", "b", "A", "ａ", "甲", "乙", "丙", " ", "，", "。", "\xff", "😀", "c" };
    const size_t na = sizeof alpha / sizeof *alpha;
    unsigned seed = 12345;
    for (int round = 0; round < 300; round++) {
        char pbuf[40][32]; const char *pats[40];
        size_t np = 1 + (size_t)(rand_r(&seed) % 40);
        for (size_t k = 0; k < np; k++) {
            pbuf[k][0] = 0;
            int len = 1 + rand_r(&seed) % 4;
            for (int q = 0; q < len; q++) {
                const char *c = alpha[rand_r(&seed) % 7];   /* letters only in patterns */
                strcat(pbuf[k], c);
            }
            pats[k] = pbuf[k];
        }
        acm *a = build(pats, np);
        if (!a) { CHECK(false); continue; }
        char text[600]; size_t tl = 0;
        while (tl < 500) { const char *c = alpha[rand_r(&seed) % na]; size_t l = strlen(c); memcpy(text + tl, c, l); tl += l; }
        static acm_match m1[20000], m2[20000];
        size_t n1 = acm_find(a, text, tl, m1, 20000);
        size_t n2 = naive(pats, np, text, tl, m2, 20000);
        CHECK_INT(n1, n2);
        if (n1 == n2 && n1 <= 20000) {
            qsort(m1, n1, sizeof *m1, cmp_match);
            qsort(m2, n2, sizeof *m2, cmp_match);
            bool same = true;
            for (size_t i = 0; i < n1; i++)
                if (m1[i].off != m2[i].off || m1[i].len != m2[i].len || m1[i].pattern != m2[i].pattern) same = false;
            CHECK(same);
            if (!same) { acm_free(a); return; }
        }
        acm_free(a);
    }
}
