/* fuzz/seg.c: libFuzzer target for normalisation + segmentation (issue 3).
 * Invariants: precise and no-HMM words tile the input exactly (so the words
 * concatenate back to it); search-mode words lie inside it; the normalised
 * text is valid UTF-8 without edge or double spaces, its offset map is
 * monotone, normalising it again changes nothing, and it tiles the same way. */
#include "text/norm.h"
#include "text/seg.h"
#include "text/utf8.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static seg_dict *D;
static seg_ctx *C;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc; (void)argv;
    char err[512];
    if (seg_dict_open(NULL, &D, err, sizeof err)) { fprintf(stderr, "fuzz/seg: %s\n", err); abort(); }
    if (seg_ctx_new(D, &C)) abort();
    return 0;
}

static void check_tiles(const char *s, size_t n, int flags) {
    const seg_word *w;
    long k = seg_cut(C, s, n, flags, &w);
    if (k < 0) abort();
    size_t at = 0;
    for (long i = 0; i < k; i++) {
        if (w[i].len == 0 || (size_t)w[i].off + w[i].len > n) abort();
        if (flags & SEG_SEARCH) continue;
        if (w[i].off != at) abort();
        at += w[i].len;
    }
    if (!(flags & SEG_SEARCH) && at != n) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    check_tiles(s, size, SEG_PRECISE);
    check_tiles(s, size, SEG_NO_HMM);
    check_tiles(s, size, SEG_SEARCH);
    buf a = {0}, b = {0};
    norm_map m = {0};
    if (norm_text(s, size, 0, &a, &m)) abort();
    if (!utf8_valid(a.p ? a.p : "", a.n)) abort();
    if (a.n && (a.p[0] == ' ' || a.p[a.n - 1] == ' ' || strstr(a.p, "  "))) abort();
    if (m.n != a.n) abort();
    for (size_t j = 0; j <= m.n; j++)
        if (m.src[j] > size || (j && m.src[j] < m.src[j - 1])) abort();
    if (norm_text(a.p ? a.p : "", a.n, 0, &b, NULL)) abort();
    if (a.n != b.n || (a.n && memcmp(a.p, b.p, a.n))) abort();
    check_tiles(a.p ? a.p : "", a.n, SEG_PRECISE);
    buf_free(&a);
    buf_free(&b);
    norm_map_free(&m);
    return 0;
}
