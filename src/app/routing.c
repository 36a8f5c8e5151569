/* routing.c: see routing.h. */
#include "app/routing.h"
#include <string.h>

static int contains(str hay, const char *needle, size_t n) {
    return n && hay.n >= n && memmem(hay.p, hay.n, needle, n) != NULL;
}

int64_t routing_pick(json_t *rules, str title, str body) {
    /* One pass over the rules, adding each hit to its department's score;
     * departments are few, so a small array beats a map. */
    enum { MAXD = 128 };
    int64_t dept[MAXD];
    int score[MAXD], nd = 0;
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r) {
        json_t *kw = json_object_get(r, "keyword");
        const char *k = json_string_value(kw);
        size_t kn = json_string_length(kw);
        int hit = 2 * contains(title, k, kn) + contains(body, k, kn);
        int64_t d = json_integer_value(json_object_get(r, "department_id"));
        int j = 0;
        while (j < nd && dept[j] != d) j++;
        if (j == nd) {                       /* first rule of this department: keeps rule order for ties */
            if (nd == MAXD) continue;
            dept[nd] = d; score[nd] = 0; nd++;
        }
        score[j] += hit;
    }
    int64_t best = 0;
    int best_score = 0;
    for (int j = 0; j < nd; j++)
        if (score[j] > best_score) { best_score = score[j]; best = dept[j]; }
    return best;
}
