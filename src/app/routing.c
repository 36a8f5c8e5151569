/* routing.c: see routing.h. */
#include "app/routing.h"
#include <string.h>

static int contains(str hay, const char *needle, size_t n) {
    return n && hay.n >= n && memmem(hay.p, hay.n, needle, n) != NULL;
}

int64_t routing_pick(json_t *rules, str title, str body) {
    size_t n = json_array_size(rules);
    int64_t best = 0;
    int best_score = 0;
    /* Few rules (tens): quadratic scoring over them is cheaper than a map. */
    for (size_t i = 0; i < n; i++) {
        int64_t dept = json_integer_value(json_object_get(json_array_get(rules, i), "department_id"));
        int score = 0;
        for (size_t j = 0; j < n; j++) {
            json_t *r = json_array_get(rules, j);
            if (json_integer_value(json_object_get(r, "department_id")) != dept) continue;
            json_t *kw = json_object_get(r, "keyword");
            const char *k = json_string_value(kw);
            size_t kn = json_string_length(kw);
            score += 2 * contains(title, k, kn) + contains(body, k, kn);
        }
        if (score > best_score) { best_score = score; best = dept; }
    }
    return best;
}
