/* bench/search.c: search latency on a loaded database, through store.h as
 * GET /api/v1/search calls it. Runs a mix of 1-, 2-, 3-, 4-character and
 * multi-word queries (common words included) --rounds times each and prints
 * p50 / p99 / max per query class, the totals found (approximate or exact),
 * (wall and this thread's CPU time), the totals found (approximate or
 * exact), and a checksum of the ids returned, so a fast wrong answer shows up.
 *   build/rel/bench/search --db sqlite:FILE [--rounds N] */
#include "store/store.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double clock_s(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}
static double now(void) { return clock_s(CLOCK_MONOTONIC); }
/* CPU time of this thread: on a shared, loaded machine the wall time
 * measures the other programs too; the CPU time measures the search. */
static double cpu(void) { return clock_s(CLOCK_THREAD_CPUTIME_ID); }

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static const struct { const char *cls, *q[8]; } mix[] = {
    { "1 char",     { "路", "房", "的", "噪", "车", "学", "水", "电" } },
    { "2 chars",    { "噪音", "小区", "物业", "学校", "拆迁", "医保", "公交", "工资" } },
    { "3 chars",    { "搅拌站", "停车场", "幼儿园", "出租车", "房产证", "业委会", "垃圾站", "自来水" } },
    { "4 chars",    { "小区物业", "噪音扰民", "拖欠工资", "违章建筑", "道路拥堵", "房屋质量", "学位分配", "医保报销" } },
    { "multi-word", { "小区 停车", "噪音 晚上", "学校 收费", "物业 维修 基金", "公交 线路", "工资 拖欠", "路灯 不亮", "房子 漏水" } },
};

int main(int argc, char **argv) {
    const char *db = NULL;
    int rounds = 5;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc) db = argv[++i];
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = atoi(argv[++i]);
        else { fprintf(stderr, "usage: search --db URI [--rounds N]\n"); return 2; }
    }
    if (!db || rounds < 1) { fprintf(stderr, "usage: search --db URI [--rounds N]\n"); return 2; }
    store *st;
    char err[512];
    if (store_open(db, &st, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 1; }
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    size_t nall = 0;
    double *all = malloc(sizeof(double) * 5 * 8 * (size_t)rounds), *allc = malloc(sizeof(double) * 5 * 8 * (size_t)rounds);
    printf("%-11s %9s %9s %9s %9s %9s  %s\n", "class", "p50 ms", "p99 ms", "max ms", "cpu p50", "cpu p99", "totals (~ = approximate)");
    for (size_t c = 0; c < sizeof mix / sizeof *mix; c++) {
        double t[8 * 64], tc[8 * 64];
        int n = 0;
        char totals[512] = "";
        for (int r = 0; r < rounds && r < 64; r++)
            for (int k = 0; k < 8; k++) {
                json_t *o;
                double t0 = now(), c0 = cpu();
                int rc = st->ops->search(st, str_c(mix[c].q[k]), 0, 20, 0, &o);
                tc[n] = (cpu() - c0) * 1000;
                t[n++] = (now() - t0) * 1000;
                if (rc) { fprintf(stderr, "%s: %s\n", mix[c].q[k], store_errmsg(st)); return 1; }
                if (r == 0) {
                    json_t *res = json_object_get(o, "results"), *e;
                    size_t i;
                    json_array_foreach(res, i, e) {
                        long long id = json_integer_value(json_object_get(e, "id"));
                        crypto_generichash_update(&h, (const unsigned char *)&id, sizeof id);
                    }
                    size_t len = strlen(totals);
                    snprintf(totals + len, sizeof totals - len, "%s%s%lld", k ? " " : "",
                             json_is_true(json_object_get(o, "total_approx")) ? "~" : "",
                             (long long)json_integer_value(json_object_get(o, "total")));
                }
                json_decref(o);
            }
        memcpy(all + nall, t, sizeof(double) * (size_t)n);
        memcpy(allc + nall, tc, sizeof(double) * (size_t)n);
        nall += (size_t)n;
        qsort(t, (size_t)n, sizeof *t, cmp_d);
        qsort(tc, (size_t)n, sizeof *tc, cmp_d);
        printf("%-11s %9.2f %9.2f %9.2f %9.2f %9.2f  %s\n", mix[c].cls, t[n / 2], t[(n * 99) / 100], t[n - 1],
               tc[n / 2], tc[(n * 99) / 100], totals);
    }
    qsort(all, nall, sizeof *all, cmp_d);
    qsort(allc, nall, sizeof *allc, cmp_d);
    printf("%-11s %9.2f %9.2f %9.2f %9.2f %9.2f\n", "all", all[nall / 2], all[(nall * 99) / 100], all[nall - 1],
           allc[nall / 2], allc[(nall * 99) / 100]);
    free(allc);
    unsigned char sum[32];
    crypto_generichash_final(&h, sum, sizeof sum);
    printf("checksum ");
    for (int i = 0; i < 8; i++) printf("%02x", sum[i]);
    printf("\n");
    free(all);
    store_close(st);
    return 0;
}
