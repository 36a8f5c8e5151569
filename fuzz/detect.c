/* fuzz/detect.c: libFuzzer target for the intake detectors of issue 5 on
 * arbitrary bytes: PII (spans in order, inside the text, not overlapping;
 * masking keeps the text valid UTF-8 when it was, and no span survives
 * masking), the sensitive-word automaton (spans inside the text), spam
 * scoring (scores in [0,1]) and near-duplicate signatures (an exact copy is
 * similarity 1). */
#include "text/acmatch.h"
#include "text/dedup.h"
#include "text/pii.h"
#include "text/spam.h"
#include "text/utf8.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static acm *A;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc; (void)argv;
    const str words[] = { STR_LIT("法轮功"), STR_LIT("代开发票"), STR_LIT("ab"), STR_LIT("ＴＥＳＴ"), STR_LIT("测试词") };
    char err[256];
    if (acm_build(words, sizeof words / sizeof *words, &A, err, sizeof err)) { fprintf(stderr, "fuzz/detect: %s\n", err); abort(); }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    bool valid = utf8_valid(s, size);

    pii_span sp[64];
    size_t n = pii_find(s, size, PII_ALL, sp, 64);
    size_t end = 0;
    for (size_t i = 0; i < n && i < 64; i++) {
        if (sp[i].len == 0 || sp[i].off < end || sp[i].off + sp[i].len > size) abort();
        end = sp[i].off + sp[i].len;
    }
    buf b = {0};
    if (pii_mask(s, size, PII_ALL, &b)) abort();
    if (valid && !utf8_valid(b.p ? b.p : "", b.n)) abort();
    if (valid && b.n && pii_find(b.p, b.n, PII_MOBILE | PII_IDCARD | PII_BANKCARD, sp, 64) != 0) abort();
    buf_free(&b);

    acm_match m[64];
    size_t k = acm_find(A, s, size, m, 64);
    for (size_t i = 0; i < k && i < 64; i++)
        if (m[i].len == 0 || m[i].off + m[i].len > size || m[i].pattern >= acm_npatterns(A)) abort();

    spam_result r;
    size_t half = size / 2;
    spam_score(NULL, s, half, s + half, size - half, &r);
    if (!(r.score >= 0 && r.score <= 1)) abort();

    dedup_sig a, c;
    dedup_signature(s, size, &a);
    dedup_signature(s, size, &c);
    if (dedup_similarity(&a, &c) != 1.0f) abort();
    return 0;
}
