/* bench/inbox.c: inbox latency on a loaded database, through store.h as
 * GET /api/v1/inbox?limit=50 calls it: every filter and sort alone, for
 * every department (admin) and for one department (a handler), the first
 * page and the page 100 pages down (keyset cursors). Prints per view the
 * p50 / max wall and this thread's CPU time (fair on a loaded machine) and
 * a checksum of the ids returned, so a fast wrong answer shows up.
 *   build/rel/bench/inbox --db sqlite:FILE [--rounds N] [--dept ID] */
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

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static crypto_generichash_state h;

/* Times q `rounds` times; prints name, wall p50/max, CPU p50/max. */
static int timed(store *st, const char *name, store_inbox_query *q, int rounds, json_t **last) {
    double w[64], c[64];
    for (int r = 0; r < rounds && r < 64; r++) {
        json_t *o;
        double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        int rc = st->ops->inbox(st, q, &o);
        c[r] = (clock_s(CLOCK_THREAD_CPUTIME_ID) - c0) * 1000;
        w[r] = (clock_s(CLOCK_MONOTONIC) - w0) * 1000;
        if (rc) { fprintf(stderr, "%s: %s\n", name, store_errmsg(st)); return -1; }
        if (r == 0) {
            size_t i; json_t *e;
            json_array_foreach(json_object_get(o, "messages"), i, e) {
                long long id = json_integer_value(json_object_get(e, "id"));
                crypto_generichash_update(&h, (const unsigned char *)&id, sizeof id);
            }
        }
        if (r == rounds - 1 && last) *last = o; else json_decref(o);
    }
    int n = rounds < 64 ? rounds : 64;
    qsort(w, (size_t)n, sizeof *w, cmp_d);
    qsort(c, (size_t)n, sizeof *c, cmp_d);
    printf("%-26s %9.2f %9.2f %9.2f %9.2f\n", name, w[n / 2], w[n - 1], c[n / 2], c[n - 1]);
    return 0;
}

int main(int argc, char **argv) {
    const char *db = NULL;
    int rounds = 5;
    long long dept = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc) db = argv[++i];
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--dept") && i + 1 < argc) dept = atoll(argv[++i]);
        else { fprintf(stderr, "usage: inbox --db URI [--rounds N] [--dept ID]\n"); return 2; }
    }
    if (!db || rounds < 1) { fprintf(stderr, "usage: inbox --db URI [--rounds N] [--dept ID]\n"); return 2; }
    store *st;
    char err[512];
    if (store_open(db, &st, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 1; }
    crypto_generichash_init(&h, NULL, 0, 32);
    setvbuf(stdout, NULL, _IOLBF, 0);
    static const struct { const char *name; store_inbox_query q; } views[] = {
        { "all", { 0 } },
        { "state=assigned", { .state = "assigned" } },
        { "type=投诉", { .type = "投诉" } },
        { "region=D6县", { .region = "D6县" } },
        { "from..to (a week)", { .from = "2026-06-01", .to = "2026-06-07" } },
        { "due=overdue", { .due = "overdue" } },
        { "due=soon", { .due = "soon" } },
        { "urged", { .urged = true } },
        { "sort=due", { .sort = "due" } },
        { "sort=due+type", { .sort = "due", .type = "咨询" } },
        { "q=噪音", { .keyword = { "噪音", sizeof "噪音" - 1 } } },
        { "q=路", { .keyword = { "路", sizeof "路" - 1 } } },
        { "q=搅拌站", { .keyword = { "搅拌站", sizeof "搅拌站" - 1 } } },
        { "q=噪音 sort=due", { .keyword = { "噪音", sizeof "噪音" - 1 }, .sort = "due" } },
        { "type+state", { .type = "咨询", .state = "new" } },
    };
    printf("%-26s %9s %9s %9s %9s\n", "view (page)", "p50 ms", "max ms", "cpu p50", "cpu max");
    for (int scope = 0; scope < 2; scope++)
        for (size_t v = 0; v < sizeof views / sizeof *views; v++) {
            store_inbox_query q = views[v].q;
            q.limit = 50;
            q.department_id = scope ? dept : 0;
            char name[96];
            snprintf(name, sizeof name, "%s%s first", scope ? "dept " : "", views[v].name);
            json_t *o = NULL;
            if (timed(st, name, &q, rounds, &o)) return 1;
            /* 100 pages down by the cursors */
            char cur[128] = "";
            int pages = 1;
            for (; pages < 100 && o && json_is_string(json_object_get(o, "next")); pages++) {
                snprintf(cur, sizeof cur, "%s", json_string_value(json_object_get(o, "next")));
                json_decref(o);
                q.after = cur;
                if (st->ops->inbox(st, &q, &o)) { fprintf(stderr, "%s: %s\n", name, store_errmsg(st)); return 1; }
            }
            json_decref(o);
            if (cur[0]) {
                snprintf(name, sizeof name, "%s%s p%d", scope ? "dept " : "", views[v].name, pages);
                if (timed(st, name, &q, rounds, NULL)) return 1;
            }
        }
    unsigned char sum[32];
    crypto_generichash_final(&h, sum, sizeof sum);
    printf("checksum ");
    for (int i = 0; i < 8; i++) printf("%02x", sum[i]);
    printf("\n");
    store_close(st);
    return 0;
}
