/* fuzz/acmatch.c: libFuzzer target for the sensitive-word matcher. The
 * input is up to 8 patterns (lines) then, after a NUL byte, the text.
 * Every match the automaton reports must fold to its pattern (checked
 * against acm_fold character by character, with at most ACM_MAX_GAP skipped
 * characters between two matched ones), and the number of matches must not
 * depend on the room given for them. */
#include "text/acmatch.h"
#include "text/utf8.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Folds s into cps (skipping what the matcher skips); false on bad UTF-8. */
static size_t fold(const char *s, size_t n, uint32_t *cps, size_t cap, size_t *maxgap, bool *ok) {
    size_t k = 0, gap = 0;
    *maxgap = 0; *ok = true;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int l = utf8_decode(s + i, n - i, &cp);
        if (l <= 0) { *ok = false; return k; }
        i += (size_t)l;
        uint32_t f = acm_fold(cp);
        if (f == ACM_FOLD_SKIP) { gap++; continue; }
        if (k && gap > *maxgap) *maxgap = gap;
        gap = 0;
        if (k < cap) cps[k] = f;
        k++;
    }
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    const char *nul = memchr(s, 0, size);
    size_t plen = nul ? (size_t)(nul - s) : size / 2;
    const char *text = nul ? nul + 1 : s + plen;
    size_t tn = size - (size_t)(text - s);
    str pats[8];
    size_t np = 0;
    for (size_t i = 0; i < plen && np < 8;) {
        const char *nl = memchr(s + i, '\n', plen - i);
        size_t e = nl ? (size_t)(nl - s) : plen;
        pats[np++] = (str){ s + i, e - i };
        i = e + 1;
    }
    acm *a;
    char err[256];
    if (acm_build(pats, np, &a, err, sizeof err)) return 0;   /* bad UTF-8 or over-long: refused, fine */
    acm_match m[256], one[1];
    size_t k = acm_find(a, text, tn, m, 256);
    if (acm_find(a, text, tn, one, 1) != k) abort();
    static uint32_t pc[1024], mc[4096];
    for (size_t i = 0; i < k && i < 256; i++) {
        if (m[i].len == 0 || m[i].off + m[i].len > tn || m[i].pattern >= np) abort();
        str p = acm_pattern(a, m[i].pattern);
        size_t g1, g2;
        bool ok1, ok2;
        size_t a1 = fold(p.p, p.n, pc, 1024, &g1, &ok1);
        size_t a2 = fold(text + m[i].off, m[i].len, mc, 4096, &g2, &ok2);
        if (!ok1 || !ok2) abort();                /* spans hold whole valid characters */
        if (a1 != a2 || a1 > 1024 || memcmp(pc, mc, a1 * sizeof *pc)) abort();
        if (g2 > ACM_MAX_GAP) abort();
    }
    acm_free(a);
    return 0;
}
