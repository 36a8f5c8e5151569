/* bench/acmatch.c: sensitive-word matcher throughput (issue 5).
 * usage: acmatch TEXT NPAT [PATTERN_OUT]
 * Patterns: half are 2-4 character Chinese substrings of TEXT (so they do
 * match), half random CJK words (mostly absent), fixed seed. TEXT is matched
 * line by line, like one message per call. Prints MB/s over the whole text,
 * microseconds per line, and a checksum of every match (offset, length,
 * pattern) so a fast wrong answer shows. PATTERN_OUT gets the patterns, one a
 * line, for the reference run (grep -F -f) in bench/acmatch.sh. */
#include "text/acmatch.h"
#include "text/utf8.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: acmatch TEXT NPAT [PATTERN_OUT]\n"); return 2; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 1; }
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)sz + 1);
    if (!text || fread(text, 1, (size_t)sz, f) != (size_t)sz) { fprintf(stderr, "read failed\n"); return 1; }
    fclose(f);
    size_t n = (size_t)sz, npat = (size_t)atol(argv[2]);

    str *pats = malloc(npat * sizeof *pats);
    char *pool = malloc(npat * 16);
    size_t pp = 0;
    for (size_t k = 0; k < npat; k++) {
        int want = 2 + (int)(next() % 3);
        char *dst = pool + pp;
        size_t l = 0;
        if (k % 2 == 0) {
            /* a substring of the text made of CJK characters only */
            for (int tries = 0; tries < 1000 && l == 0; tries++) {
                size_t at = next() % n;
                while (at < n && ((unsigned char)text[at] & 0xC0) == 0x80) at++;
                int got = 0; size_t q = at;
                while (got < want && q + 3 <= n) {
                    uint32_t cp; int cl = utf8_decode(text + q, n - q, &cp);
                    if (cl != 3 || cp < 0x4E00 || cp > 0x9FA5) break;
                    q += 3; got++;
                }
                if (got == want) { memcpy(dst, text + at, q - at); l = q - at; }
            }
        }
        if (l == 0)
            for (int c = 0; c < want; c++) l += (size_t)utf8_encode(0x4E00 + (uint32_t)(next() % (0x9FA5 - 0x4E00)), dst + l);
        pats[k] = (str){ dst, l };
        pp += l;
    }
    if (argc > 3) {
        FILE *po = fopen(argv[3], "w");
        if (!po) { perror(argv[3]); return 1; }
        for (size_t k = 0; k < npat; k++) fprintf(po, "%.*s\n", (int)pats[k].n, pats[k].p);
        fclose(po);
    }

    acm *a;
    char err[256];
    double t0 = now();
    if (acm_build(pats, npat, &a, err, sizeof err)) { fprintf(stderr, "build: %s\n", err); return 1; }
    double tb = now() - t0;

    acm_match m[512];
    double best = 1e9;
    uint64_t sum = 0, matches = 0, lines = 0, hit_lines = 0;
    for (int run = 0; run < 3; run++) {
        sum = 0; matches = 0; lines = 0; hit_lines = 0;
        t0 = now();
        for (size_t i = 0; i < n; ) {
            const char *e = memchr(text + i, '\n', n - i);
            size_t l = e ? (size_t)(e - text - i) : n - i;
            size_t c = acm_find(a, text + i, l, m, 512);
            for (size_t k = 0; k < c && k < 512; k++) sum = sum * 31 + m[k].off * 7 + m[k].len * 3 + m[k].pattern;
            matches += c; lines++; hit_lines += c > 0;
            i += l + 1;
        }
        double t = now() - t0;
        if (t < best) best = t;
    }
    printf("acmatch: patterns=%zu states=%zu memory=%.1fMB build=%.3fs text=%.1fMB lines=%llu\n",
           npat, acm_nstates(a), acm_memory(a) / 1048576.0, tb, n / 1048576.0, (unsigned long long)lines);
    printf("acmatch: %.1f MB/s  %.2f us/line  matches=%llu lines_with_match=%llu checksum=%016llx\n",
           n / 1048576.0 / best, best * 1e6 / (double)lines, (unsigned long long)matches,
           (unsigned long long)hit_lines, (unsigned long long)sum);
    acm_free(a);
    free(pats); free(pool); free(text);
    return 0;
}
