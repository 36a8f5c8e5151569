/* bench/seg.c: single-thread segmentation speed (issue 3). Builds a text of
 * at least --mb MB by repeating the lines of FILE, loads the dictionary
 * (timed), cuts every line (timed, median of --runs), then prints MB/s, the
 * load time, resident memory and a BLAKE2b-256 checksum of the output as
 * `minyi seg` writes it, so a fast wrong answer shows up against jieba's. */
#include "core/str.h"
#include "text/seg.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6)) kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    const char *file = "../shared/data/sighan2005/pku_test.utf8", *dict = NULL;
    double mb = 25;
    int runs = 3, flags = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mb") && i + 1 < argc) mb = atof(argv[++i]);
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--dict") && i + 1 < argc) dict = argv[++i];
        else if (!strcmp(argv[i], "--search")) flags |= SEG_SEARCH;
        else if (!strcmp(argv[i], "--no-hmm")) flags |= SEG_NO_HMM;
        else if (argv[i][0] != '-') file = argv[i];
        else { fprintf(stderr, "usage: seg [--mb MB] [--runs N] [--dict FILE] [--search] [--no-hmm] [FILE]\n"); return 2; }
    }
    if (runs < 1) runs = 1;
    FILE *f = fopen(file, "rb");
    if (!f) { perror(file); return 1; }
    buf src = {0};
    char tmp[65536];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0) buf_put(&src, tmp, k);
    fclose(f);
    /* Lines without their CR LF, repeated; text[] keeps them back to back. */
    size_t nlines = 0, cap = 0;
    size_t *loff = NULL, *llen = NULL;
    buf text = {0};
    while (text.n < (size_t)(mb * 1e6)) {
        size_t before = text.n;
        for (size_t i = 0; i < src.n;) {
            char *nl = memchr(src.p + i, '\n', src.n - i);
            size_t e = nl ? (size_t)(nl - src.p) : src.n, n = e - i;
            if (n && src.p[i + n - 1] == '\r') n--;
            if (nlines == cap) {
                cap = cap ? cap * 2 : 4096;
                loff = realloc(loff, cap * sizeof *loff);
                llen = realloc(llen, cap * sizeof *llen);
                if (!loff || !llen) { fprintf(stderr, "out of memory\n"); return 1; }
            }
            loff[nlines] = text.n;
            llen[nlines++] = n;
            if (buf_put(&text, src.p + i, n)) { fprintf(stderr, "out of memory\n"); return 1; }
            i = e + 1;
        }
        if (text.n == before) { fprintf(stderr, "%s: no text\n", file); return 1; }
    }
    long rss0 = rss_kb();
    char err[512];
    seg_dict *d;
    double t0 = now();
    if (seg_dict_open(dict, &d, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 1; }
    double load_ms = (now() - t0) * 1e3;
    seg_ctx *c;
    if (seg_ctx_new(d, &c)) return 1;
    double *secs = calloc((size_t)runs, sizeof *secs);
    long words = 0;
    for (int r = 0; r < runs; r++) {
        words = 0;
        double t = now();
        for (size_t i = 0; i < nlines; i++) {
            const seg_word *w;
            long m = seg_cut(c, text.p + loff[i], llen[i], flags, &w);
            if (m < 0) { fprintf(stderr, "out of memory\n"); return 1; }
            words += m;
        }
        secs[r] = now() - t;
    }
    long rss1 = rss_kb();
    qsort(secs, (size_t)runs, sizeof *secs, cmp_d);
    double med = secs[runs / 2];
    /* Checksum pass (untimed): exactly what `minyi seg` prints. */
    if (sodium_init() < 0) return 1;
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    buf out = {0};
    for (size_t i = 0; i < nlines; i++) {
        const seg_word *w;
        const char *s = text.p + loff[i];
        long m = seg_cut(c, s, llen[i], flags, &w);
        buf_reset(&out);
        int first = 1;
        for (long j = 0; j < m; j++) {
            if (seg_is_space(s, w[j])) continue;
            if (!first) buf_putc(&out, ' ');
            buf_put(&out, s + w[j].off, w[j].len);
            first = 0;
        }
        buf_putc(&out, '\n');
        crypto_generichash_update(&h, (const unsigned char *)out.p, out.n);
    }
    unsigned char dg[32];
    crypto_generichash_final(&h, dg, sizeof dg);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, dg, sizeof dg);
    printf("text: %.1f MB, %zu lines, %ld words\n", (double)text.n / 1e6, nlines, words);
    printf("dictionary load: %.1f ms, resident after cutting: +%.1f MiB\n", load_ms, (double)(rss1 - rss0) / 1024.0);
    printf("minyi seg: %.1f MB/s (median of %d runs: %.3f s)\n", (double)text.n / 1e6 / med, runs, med);
    printf("checksum: %s\n", hex);
    seg_ctx_free(c);
    seg_dict_close(d);
    free(secs); free(loff); free(llen);
    buf_free(&src); buf_free(&text); buf_free(&out);
    return 0;
}
