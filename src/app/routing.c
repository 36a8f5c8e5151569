/* routing.c: see routing.h. */
#include "app/routing.h"
#include "text/acmatch.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int contains(str hay, const char *needle, size_t n) {
    return n && hay.n >= n && memmem(hay.p, hay.n, needle, n) != NULL;
}

/* Adds hit to the score of department d (dept/score/nd: departments in the
 * order of their first rule, which breaks ties); returns the updated nd. */
static int score_add(int64_t *dept, int *score, int nd, int maxd, int64_t d, int hit) {
    int j = 0;
    while (j < nd && dept[j] != d) j++;
    if (j == nd) {                       /* first rule of this department: keeps rule order for ties */
        if (nd == maxd) return nd;
        dept[nd] = d; score[nd] = 0; nd++;
    }
    score[j] += hit;
    return nd;
}

static int64_t best_of(const int64_t *dept, const int *score, int nd) {
    int64_t best = 0;
    int best_score = 0;
    for (int j = 0; j < nd; j++)
        if (score[j] > best_score) { best_score = score[j]; best = dept[j]; }
    return best;
}

enum { MAXD = 128 };

int64_t routing_pick(json_t *rules, str title, str body) {
    /* One pass over the rules, adding each hit to its department's score;
     * departments are few, so a small array beats a map. */
    int64_t dept[MAXD];
    int score[MAXD], nd = 0;
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r) {
        json_t *kw = json_object_get(r, "keyword");
        const char *k = json_string_value(kw);
        size_t kn = json_string_length(kw);
        int hit = 2 * contains(title, k, kn) + contains(body, k, kn);
        nd = score_add(dept, score, nd, MAXD, json_integer_value(json_object_get(r, "department_id")), hit);
    }
    return best_of(dept, score, nd);
}

struct routing {
    json_t *rules;             /* held: the keywords point into it */
    size_t n;
    str *kw;
    int64_t *dept;
    acm *ac;                   /* NULL: no keyword folds to anything */
    uint32_t *canon;           /* rule -> the pattern id the automaton reports for its keyword; UINT32_MAX: check always */
    size_t npat;
};

void routing_free(routing *r) {
    if (!r) return;
    acm_free(r->ac);
    json_decref(r->rules);
    free(r->kw); free(r->dept); free(r->canon);
    free(r);
}

/* The id the automaton reports for the whole of keyword k: the widest of
 * its matches in k itself (keywords equal after folding share the first
 * one's id). UINT32_MAX when it finds none (a keyword of punctuation only). */
static uint32_t canon_of(const acm *ac, str k) {
    acm_match m[64];
    size_t total = acm_find(ac, k.p, k.n, m, 64), best = SIZE_MAX;
    for (size_t i = 0; i < total && i < 64; i++)
        if (best == SIZE_MAX || m[i].len > m[best].len || (m[i].len == m[best].len && m[i].off < m[best].off)) best = i;
    if (total > 64 || best == SIZE_MAX) return UINT32_MAX;
    /* Only a pattern given as exactly k is surely k's own (not a part of it). */
    str p = acm_pattern(ac, m[best].pattern);
    return str_eq(p, k) ? m[best].pattern : UINT32_MAX;
}

int routing_compile(json_t *rules, routing **out) {
    *out = NULL;
    routing *r = calloc(1, sizeof *r);
    if (!r) return -1;
    r->rules = json_incref(rules);
    r->n = json_array_size(rules);
    r->kw = calloc(r->n + 1, sizeof *r->kw);
    r->dept = calloc(r->n + 1, sizeof *r->dept);
    r->canon = calloc(r->n + 1, sizeof *r->canon);
    if (!r->kw || !r->dept || !r->canon) { routing_free(r); return -1; }
    for (size_t i = 0; i < r->n; i++) {
        json_t *e = json_array_get(rules, i), *kw = json_object_get(e, "keyword");
        r->kw[i] = (str){ json_string_value(kw), json_string_length(kw) };
        if (!r->kw[i].p) r->kw[i] = (str){ "", 0 };
        r->dept[i] = json_integer_value(json_object_get(e, "department_id"));
    }
    char err[256];
    if (r->n && acm_build(r->kw, r->n, &r->ac, err, sizeof err)) r->ac = NULL;   /* e.g. bad UTF-8: every rule checked by memmem */
    r->npat = r->n;
    for (size_t i = 0; i < r->n; i++) r->canon[i] = r->ac ? canon_of(r->ac, r->kw[i]) : UINT32_MAX;
    *out = r;
    return 0;
}

/* Marks in seen[] the patterns found in s; false when there were more
 * matches than fit (the caller checks every rule then). */
static bool mark(const routing *r, str s, unsigned char *seen, unsigned char bit) {
    enum { CAP = 256 };
    acm_match m[CAP];
    size_t total = s.n ? acm_find(r->ac, s.p, s.n, m, CAP) : 0;
    if (total > CAP) return false;
    for (size_t i = 0; i < total; i++) seen[m[i].pattern] |= bit;
    return true;
}

int64_t routing_match(const routing *r, str title, str body) {
    /* The automaton (folded: it finds every exact occurrence and more) says
     * which keywords may be in the text; memmem confirms them, so the result
     * is routing_pick's with one pass over the text instead of one per rule. */
    unsigned char small[512], *seen = r->npat <= sizeof small ? small : calloc(r->npat, 1);
    bool all = !r->ac || !seen;
    if (!all) {
        memset(seen, 0, r->npat);
        all = !mark(r, title, seen, 1) || !mark(r, body, seen, 2);
    }
    int64_t dept[MAXD];
    int score[MAXD], nd = 0;
    for (size_t i = 0; i < r->n; i++) {
        uint32_t c = r->canon[i];
        unsigned char s = all || c == UINT32_MAX ? 3 : seen[c];
        int hit = 0;
        if (s & 1) hit += 2 * contains(title, r->kw[i].p, r->kw[i].n);
        if (s & 2) hit += contains(body, r->kw[i].p, r->kw[i].n);
        nd = score_add(dept, score, nd, MAXD, r->dept[i], hit);
    }
    if (seen && seen != small) free(seen);
    return best_of(dept, score, nd);
}
