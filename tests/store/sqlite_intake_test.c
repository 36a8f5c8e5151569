/* sqlite_intake_test.c: tests for the tracking codes of
 * src/store/sqlite_intake.c: their form, the counting prefix that keeps
 * codes made together side by side in the index, and the randomness of the
 * other 8 symbols. (The intake itself is driven over HTTP in tests/api.) */
#include "test.h"
#include "store/store.h"
#include "store/sqlite_int.h"
#include <stdlib.h>
#include <string.h>

static const char ALPHABET[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

static int sym_value(char c) {
    const char *p = strchr(ALPHABET, c);
    return c && p ? (int)(p - ALPHABET) : -1;
}

/* The 4-symbol prefix as a number in 0 .. 31^4 - 1. */
static long prefix_of(const char *code) {
    long v = 0;
    for (int i = 0; i < 4; i++) v = v * 31 + sym_value(code[i]);
    return v;
}

TEST(codes_have_the_readable_form) {
    char code[32];
    for (int n = 0; n < 2000; n++) {
        sq_tracking_code(code);
        CHECK_INT(strlen(code), 14);
        CHECK(code[4] == '-' && code[9] == '-');
        for (int i = 0; i < 14; i++)
            if (i != 4 && i != 9) CHECK(sym_value(code[i]) >= 0);   /* no 0/O, 1/I/L, no lower case */
    }
}

/* Consecutive codes share their prefix in runs, and the prefix then moves
 * on by one (mod 31^4): the index takes them side by side. */
TEST(prefix_counts_up_in_runs) {
    enum { N = 4096 };
    static char codes[N][32];
    for (int i = 0; i < N; i++) sq_tracking_code(codes[i]);
    int changes = 0, run = 1, longest = 0;
    for (int i = 1; i < N; i++) {
        long a = prefix_of(codes[i - 1]), b = prefix_of(codes[i]);
        if (a == b) { run++; continue; }
        CHECK_INT(b, (a + 1) % (31L * 31 * 31 * 31));
        changes++;
        if (run > longest) longest = run;
        run = 1;
    }
    CHECK(changes >= N / 16 - 1 && changes <= N / 16 + 1);
    CHECK(longest <= 16);
}

/* The 8 random symbols: no two codes alike, every symbol in every position,
 * and each symbol about equally often (31 * 8 cells, ~66 per cell). */
static int cmp_str(const void *a, const void *b) { return strcmp(a, b); }

TEST(random_part_is_uniform_and_distinct) {
    enum { N = 8192 };
    static char codes[N][32];
    int count[8][31] = { { 0 } };
    for (int i = 0; i < N; i++) {
        sq_tracking_code(codes[i]);
        const char *tail = codes[i] + 5;   /* "XXXX-XXXX" after the prefix */
        for (int k = 0, pos = 0; tail[k]; k++) {
            if (tail[k] == '-') continue;
            int v = sym_value(tail[k]);
            CHECK(v >= 0);
            if (v >= 0) count[pos][v]++;
            pos++;
        }
    }
    qsort(codes, N, sizeof codes[0], cmp_str);
    int dups = 0;
    for (int i = 1; i < N; i++) dups += !strcmp(codes[i - 1], codes[i]);
    CHECK_INT(dups, 0);
    double expect = N / 31.0, chi = 0;
    for (int p = 0; p < 8; p++)
        for (int v = 0; v < 31; v++) {
            CHECK(count[p][v] > 0);
            chi += (count[p][v] - expect) * (count[p][v] - expect) / expect;
        }
    /* 240 degrees of freedom: mean 240, sd ~22; 400 is ~7 sd out. */
    CHECK(chi < 400);
}
