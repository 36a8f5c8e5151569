/* acmatch.c: Aho-Corasick over folded text (see acmatch.h, issue 5).
 *
 * Representation: a double-array trie (base/check, Aoe 1989) plus failure
 * and output links, all four 32-bit fields of a state in one 16-byte cell.
 * Why a double array and not dense rows or hashed edges: the alphabet is
 * thousands of Chinese characters, so dense rows (states x alphabet) need
 * gigabytes at 100k patterns, and dense rows only for hot states would still
 * leave a second, slower path for the rest. A double array gives every state
 * O(1) transitions in one probe of base[s] + c -> check == s, in ~1.1-1.5
 * cells per state (a few MB for 100k patterns), so a message costs one cache
 * line per character whatever the list size. Characters are mapped to a
 * dense alphabet ordered by frequency in the patterns (frequent symbols get
 * small codes, which packs the array), through one 64k-entry table for the
 * BMP that also encodes folding and the skip class, so the inner loop does
 * no Unicode work. */
#include "text/acmatch.h"
#include "text/utf8.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define SYM_BREAK 0        /* a character no pattern uses: back to the root */
#define SYM_SKIP  0xFFFFu  /* punctuation etc.: ignored between characters */
#define RING      256      /* > ACM_MAX_PATTERN: start offsets of recent characters */

typedef struct { int32_t base, check, fail, out; } cell;   /* out: first terminal on the fail chain, or -1 */

struct acm {
    cell *c;               /* double array; cell 0 is the root */
    size_t ncells;
    int32_t *pat;          /* per cell: pattern id if terminal, else -1 */
    int32_t *dlink;        /* per cell: next terminal down the fail chain, or -1 */
    uint16_t *plen;        /* per pattern: length in symbols */
    uint16_t sym[65536];   /* BMP code point -> symbol, SYM_BREAK or SYM_SKIP */
    size_t nsym, nstates, npat;
    char **orig;           /* patterns as given */
    size_t *origlen;
};

/* ---- folding (shared table, built once) ---- */

static uint32_t *fold_bmp;
static pthread_once_t fold_once = PTHREAD_ONCE_INIT;

static bool skip_category(utf8proc_category_t k) {
    switch (k) {
    case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE: case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO: case UTF8PROC_CATEGORY_SM: case UTF8PROC_CATEGORY_SC:
    case UTF8PROC_CATEGORY_SK: case UTF8PROC_CATEGORY_SO: case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL: case UTF8PROC_CATEGORY_ZP: case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF: case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_ME:
        return true;   /* marks too: combining strokes pasted over characters */
    default:
        return false;
    }
}

static uint32_t fold_slow(uint32_t cp) {
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return ACM_FOLD_SKIP;
    if (skip_category(utf8proc_category((utf8proc_int32_t)cp))) return ACM_FOLD_SKIP;
    utf8proc_int32_t d[32];
    int bc = 0;
    utf8proc_ssize_t l = utf8proc_decompose_char((utf8proc_int32_t)cp, d, 32,
                             UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STABLE, &bc);
    if (l > 0 && l <= 32) l = utf8proc_normalize_utf32(d, l, UTF8PROC_COMPOSE | UTF8PROC_STABLE);
    /* Expansions (㈱ -> (株), ﬁ -> fi) keep the character: one in, one out
     * keeps offsets simple, and such forms are rare in messages. */
    if (l == 1) {
        if (skip_category(utf8proc_category(d[0]))) return ACM_FOLD_SKIP;   /* ＿ -> _ */
        return (uint32_t)d[0];
    }
    return (uint32_t)utf8proc_tolower((utf8proc_int32_t)cp);
}

static void fold_init(void) {
    uint32_t *t = malloc(65536 * sizeof *t);
    if (!t) return;
    for (uint32_t cp = 0; cp < 65536; cp++) t[cp] = fold_slow(cp);
    fold_bmp = t;
}

uint32_t acm_fold(uint32_t cp) {
    pthread_once(&fold_once, fold_init);
    if (cp < 65536 && fold_bmp) return fold_bmp[cp];
    return fold_slow(cp);
}

/* ---- build ---- */

typedef struct { int32_t first, next, last; uint32_t sym; int32_t term; } tnode;

static int cmp_count_desc(const void *a, const void *b) {
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

static int cmp32(const void *x, const void *y) {
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}
static int cmp64(const void *x, const void *y) {
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

typedef struct { const uint16_t *s; uint32_t n, id; } pseq;
static int cmp_seq(const void *a, const void *b) {
    const pseq *x = a, *y = b;
    uint32_t m = x->n < y->n ? x->n : y->n;
    for (uint32_t i = 0; i < m; i++)
        if (x->s[i] != y->s[i]) return x->s[i] < y->s[i] ? -1 : 1;
    if (x->n != y->n) return x->n < y->n ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Grows the double array to hold index need; new cells are free (check -1). */
static int da_grow(acm *a, size_t need, int32_t **nextfree, int32_t **prevfree) {
    if (need < a->ncells) return 0;
    size_t nc = a->ncells ? a->ncells : 1024;
    while (nc <= need) nc *= 2;
    cell *c = realloc(a->c, nc * sizeof *c);
    if (!c) return -1;
    a->c = c;
    int32_t *nf = realloc(*nextfree, nc * sizeof *nf), *pf;
    if (!nf) return -1;
    *nextfree = nf;
    pf = realloc(*prevfree, nc * sizeof *pf);
    if (!pf) return -1;
    *prevfree = pf;
    for (size_t i = a->ncells; i < nc; i++) {
        c[i] = (cell){ 0, -1, 0, -1 };
        nf[i] = i + 1 < nc ? (int32_t)(i + 1) : -1;
        pf[i] = (int32_t)(i - 1);
    }
    /* Link the new range after the old tail (the list is kept in index order). */
    if (a->ncells) {
        int32_t tail = -1;
        for (int64_t i = (int64_t)a->ncells - 1; i >= 0; i--) if (c[i].check == -1) { tail = (int32_t)i; break; }
        pf[a->ncells] = tail;
        if (tail >= 0) nf[tail] = (int32_t)a->ncells;
    }
    a->ncells = nc;
    return 0;
}

int acm_build(const str *patterns, size_t n, acm **out, char *err, size_t errlen) {
    *out = NULL;
    acm *a = calloc(1, sizeof *a);
    if (!a) { snprintf(err, errlen, "out of memory"); return -1; }
    pthread_once(&fold_once, fold_init);
    if (!fold_bmp) { free(a); snprintf(err, errlen, "out of memory"); return -1; }
    int rc = -1;
    uint32_t *folded = NULL; size_t *foff = NULL; uint64_t *cnt = NULL;
    uint16_t *seqs = NULL; pseq *ps = NULL; tnode *t = NULL;
    int32_t *nextfree = NULL, *prevfree = NULL, *slot = NULL, *queue = NULL;
    uint32_t *cpsym = NULL; size_t ncp = 0;

    a->npat = n;
    a->orig = calloc(n ? n : 1, sizeof *a->orig);
    a->origlen = calloc(n ? n : 1, sizeof *a->origlen);
    a->plen = calloc(n ? n : 1, sizeof *a->plen);
    foff = malloc((n + 1) * sizeof *foff);
    if (!a->orig || !a->origlen || !a->plen || !foff) goto oom;

    /* 1. Fold every pattern to code points, dropping skip characters. */
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += patterns[i].n;
    folded = malloc((total + 1) * sizeof *folded);
    if (!folded) goto oom;
    size_t nf = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = patterns[i].p; size_t l = patterns[i].n;
        a->orig[i] = malloc(l + 1);
        if (!a->orig[i]) goto oom;
        if (l) memcpy(a->orig[i], p, l);
        a->orig[i][l] = 0; a->origlen[i] = l;
        size_t bad = utf8_invalid_at(p, l);
        if (bad != (size_t)-1) { snprintf(err, errlen, "pattern %zu: invalid UTF-8 at byte %zu", i + 1, bad); goto fail; }
        foff[i] = nf;
        for (size_t q = 0; q < l; ) {
            uint32_t cp; int k = utf8_decode(p + q, l - q, &cp);
            q += (size_t)k;
            uint32_t f = acm_fold(cp);
            if (f != ACM_FOLD_SKIP) folded[nf++] = f;
        }
        if (nf - foff[i] > ACM_MAX_PATTERN) {
            snprintf(err, errlen, "pattern %zu: longer than %d characters", i + 1, ACM_MAX_PATTERN);
            goto fail;
        }
    }
    foff[n] = nf;

    /* 2. Alphabet: distinct folded code points, by frequency. */
    {
        uint32_t *tmp = malloc((nf + 1) * sizeof *tmp);
        if (!tmp) goto oom;
        memcpy(tmp, folded, nf * sizeof *tmp);
        qsort(tmp, nf, sizeof *tmp, cmp32);
        cnt = malloc((nf + 1) * sizeof *cnt);
        if (!cnt) { free(tmp); goto oom; }
        size_t nd = 0;
        for (size_t i = 0; i < nf; ) {
            size_t j = i;
            while (j < nf && tmp[j] == tmp[i]) j++;
            uint64_t c = (uint64_t)(j - i);
            cnt[nd++] = (c > 0xFFFFFFFFu ? 0xFFFFFFFFull : c) << 32 | tmp[i];
            i = j;
        }
        free(tmp);
        if (nd >= SYM_SKIP - 1) { snprintf(err, errlen, "too many distinct characters in the patterns (%zu)", nd); goto fail; }
        qsort(cnt, nd, sizeof *cnt, cmp_count_desc);
        a->nsym = nd;
        ncp = nd;
        cpsym = malloc((nd + 1) * sizeof *cpsym);   /* symbol-1 -> code point */
        if (!cpsym) goto oom;
        for (size_t i = 0; i < nd; i++) cpsym[i] = (uint32_t)cnt[i];
    }
    /* Symbol lookup for pattern folding: sorted (cp, sym) pairs. */
    uint64_t *bycp = malloc((ncp + 1) * sizeof *bycp);
    if (!bycp) goto oom;
    for (size_t i = 0; i < ncp; i++) bycp[i] = (uint64_t)cpsym[i] << 32 | (uint32_t)(i + 1);
    qsort(bycp, ncp, sizeof *bycp, cmp64);
    for (uint32_t cp = 0; cp < 65536; cp++) {
        uint32_t f = fold_bmp[cp];
        if (f == ACM_FOLD_SKIP) { a->sym[cp] = SYM_SKIP; continue; }
        size_t lo = 0, hi = ncp;
        while (lo < hi) { size_t mid = (lo + hi) / 2; if ((bycp[mid] >> 32) < f) lo = mid + 1; else hi = mid; }
        a->sym[cp] = (lo < ncp && (bycp[lo] >> 32) == f) ? (uint16_t)bycp[lo] : SYM_BREAK;
    }
    seqs = malloc((nf + 1) * sizeof *seqs);
    ps = malloc((n + 1) * sizeof *ps);
    if (!seqs || !ps) { free(bycp); goto oom; }
    for (size_t i = 0; i < nf; i++) {
        uint32_t f = folded[i];
        size_t lo = 0, hi = ncp;
        while (lo < hi) { size_t mid = (lo + hi) / 2; if ((bycp[mid] >> 32) < f) lo = mid + 1; else hi = mid; }
        seqs[i] = (uint16_t)bycp[lo];
    }
    free(bycp);
    size_t np = 0;
    for (size_t i = 0; i < n; i++) {
        a->plen[i] = (uint16_t)(foff[i + 1] - foff[i]);
        if (a->plen[i]) ps[np++] = (pseq){ seqs + foff[i], a->plen[i], (uint32_t)i };
    }

    /* 3. Trie from the sorted sequences: children come in symbol order. */
    qsort(ps, np, sizeof *ps, cmp_seq);
    size_t tcap = 1024, tn = 1;
    t = malloc(tcap * sizeof *t);
    if (!t) goto oom;
    t[0] = (tnode){ -1, -1, -1, 0, -1 };
    int32_t path[ACM_MAX_PATTERN + 1];
    const pseq *prev = NULL;
    for (size_t k = 0; k < np; k++) {
        const pseq *p = &ps[k];
        uint32_t lcp = 0;
        if (prev) while (lcp < p->n && lcp < prev->n && p->s[lcp] == prev->s[lcp]) lcp++;
        path[0] = 0;
        for (uint32_t d = 0; d < p->n; d++) {
            if (d < lcp) { continue; }
            if (tn == tcap) {
                tnode *nt = realloc(t, 2 * tcap * sizeof *t);
                if (!nt) goto oom;
                t = nt; tcap *= 2;
            }
            int32_t par = path[d], id = (int32_t)tn++;
            t[id] = (tnode){ -1, -1, -1, p->s[d], -1 };
            if (t[par].last >= 0) t[t[par].last].next = id; else t[par].first = id;
            t[par].last = id;
            path[d + 1] = id;
        }
        if (lcp == p->n && prev && prev->n == p->n) { prev = p; continue; }   /* duplicate: first id wins */
        /* path[] below lcp still holds the previous pattern's nodes, which are shared */
        t[path[p->n]].term = (int32_t)p->id;
        prev = p;
    }
    a->nstates = tn;

    /* 4. Double array, breadth first. */
    slot = malloc(tn * sizeof *slot);
    queue = malloc(tn * sizeof *queue);
    if (!slot || !queue) goto oom;
    if (da_grow(a, 1024 + a->nsym, &nextfree, &prevfree)) goto oom;
    int32_t freehead = 0;
#define TAKE(i) do { int32_t _i = (i); \
        if (prevfree[_i] >= 0) nextfree[prevfree[_i]] = nextfree[_i]; else freehead = nextfree[_i]; \
        if (nextfree[_i] >= 0) prevfree[nextfree[_i]] = prevfree[_i]; } while (0)
    TAKE(0);
    a->c[0].check = -2;
    slot[0] = 0;
    size_t qh = 0, qt = 0;
    queue[qt++] = 0;
    while (qh < qt) {
        int32_t nd = queue[qh++];
        int32_t s = slot[nd];
        if (t[nd].first < 0) { a->c[s].base = 0; continue; }
        uint32_t c1 = t[t[nd].first].sym;
        int32_t f = freehead, b;
        for (;;) {
            if (f < 0) {
                size_t old = a->ncells;
                if (da_grow(a, a->ncells + a->nsym + 1, &nextfree, &prevfree)) goto oom;
                if (freehead < 0) freehead = (int32_t)old;
                f = freehead;
                continue;
            }
            b = f - (int32_t)c1;
            if (b >= 1) {
                bool ok = true;
                for (int32_t ch = t[nd].first; ch >= 0; ch = t[ch].next) {
                    size_t idx = (size_t)b + t[ch].sym;
                    if (idx >= a->ncells) {
                        if (da_grow(a, idx + a->nsym, &nextfree, &prevfree)) goto oom;
                    }
                    if (a->c[idx].check != -1) { ok = false; break; }
                }
                if (ok) break;
            }
            int32_t nx = nextfree[f];
            if (nx < 0) {
                size_t old = a->ncells;
                if (da_grow(a, a->ncells + a->nsym + 1, &nextfree, &prevfree)) goto oom;
                nx = nextfree[f] >= 0 ? nextfree[f] : (int32_t)old;
            }
            f = nx;
        }
        a->c[s].base = b;
        for (int32_t ch = t[nd].first; ch >= 0; ch = t[ch].next) {
            int32_t idx = b + (int32_t)t[ch].sym;
            TAKE(idx);
            a->c[idx].check = s;
            slot[ch] = idx;
            queue[qt++] = ch;
        }
    }
#undef TAKE
    /* Every base + symbol must index inside the array (leaves have base 0). */
    int32_t maxb = 0;
    for (size_t i = 0; i < a->ncells; i++) if (a->c[i].check != -1 && a->c[i].base > maxb) maxb = a->c[i].base;
    if (da_grow(a, (size_t)maxb + a->nsym + 1, &nextfree, &prevfree)) goto oom;

    /* 5. Failure and output links, breadth first (queue holds BFS order). */
    a->pat = malloc(a->ncells * sizeof *a->pat);
    a->dlink = malloc(a->ncells * sizeof *a->dlink);
    if (!a->pat || !a->dlink) goto oom;
    for (size_t i = 0; i < a->ncells; i++) { a->pat[i] = -1; a->dlink[i] = -1; }
    a->c[0].fail = 0;
    a->c[0].out = -1;
    for (size_t k = 0; k < qt; k++) {
        int32_t nd = queue[k], s = slot[nd];
        a->pat[s] = t[nd].term;
        for (int32_t ch = t[nd].first; ch >= 0; ch = t[ch].next) {
            int32_t cs = slot[ch];
            uint32_t sy = t[ch].sym;
            int32_t fl = 0;
            if (s != 0) {
                int32_t f = a->c[s].fail;
                for (;;) {
                    int32_t idx = a->c[f].base + (int32_t)sy;
                    if (a->c[idx].check == f) { fl = idx; break; }
                    if (f == 0) break;
                    f = a->c[f].fail;
                }
            }
            a->c[cs].fail = fl;
        }
        if (nd != 0) {
            int32_t fo = a->c[a->c[s].fail].out;
            a->dlink[s] = fo;
            a->c[s].out = t[nd].term >= 0 ? s : fo;
        }
    }
    *out = a;
    rc = 0;
    goto done;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    acm_free(a);
done:
    free(folded); free(foff); free(cnt); free(seqs); free(ps); free(t);
    free(nextfree); free(prevfree); free(slot); free(queue); free(cpsym);
    return rc;
}

void acm_free(acm *a) {
    if (!a) return;
    if (a->orig) for (size_t i = 0; i < a->npat; i++) free(a->orig[i]);
    free(a->orig); free(a->origlen); free(a->plen);
    free(a->c); free(a->pat); free(a->dlink);
    free(a);
}

size_t acm_npatterns(const acm *a) { return a->npat; }
str acm_pattern(const acm *a, uint32_t id) { return id < a->npat ? (str){ a->orig[id], a->origlen[id] } : (str){ "", 0 }; }
size_t acm_nstates(const acm *a) { return a->nstates; }
size_t acm_memory(const acm *a) {
    size_t m = sizeof *a + a->ncells * (sizeof *a->c + 2 * sizeof(int32_t)) + a->npat * (sizeof(char *) + sizeof(size_t) + 2);
    for (size_t i = 0; i < a->npat; i++) m += a->origlen[i] + 1;
    return m;
}

/* ---- match ---- */

size_t acm_find(const acm *a, const char *s, size_t n, acm_match *out, size_t cap) {
    const cell *c = a->c;
    const uint16_t *sym = a->sym;
    const unsigned char *u = (const unsigned char *)s;
    size_t ring[RING];       /* byte offset where each recent symbol starts */
    uint32_t j = 0;          /* symbols seen in the current word run */
    int32_t st = 0;
    int gap = 0;
    size_t found = 0;
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        uint32_t cp;
        unsigned b0 = u[i];
        uint32_t y;
        if (b0 < 0x80) { y = sym[b0]; i++; }
        else if (b0 >= 0xE0 && b0 < 0xF0 && i + 2 < n && (u[i + 1] & 0xC0) == 0x80 && (u[i + 2] & 0xC0) == 0x80) {
            cp = (b0 & 0x0F) << 12 | (uint32_t)(u[i + 1] & 0x3F) << 6 | (u[i + 2] & 0x3F);
            i += 3;
            y = cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF) ? sym[cp] : SYM_BREAK;
        } else {
            int l = utf8_decode(s + i, n - i, &cp);
            if (l < 0) { y = SYM_BREAK; i++; }
            else {
                i += (size_t)l;
                y = cp < 65536 ? sym[cp] : (acm_fold(cp) == ACM_FOLD_SKIP ? SYM_SKIP : SYM_BREAK);
            }
        }
        if (y == SYM_SKIP) {
            if (st && ++gap > ACM_MAX_GAP) st = 0;
            continue;
        }
        gap = 0;
        if (y == SYM_BREAK) { st = 0; continue; }
        for (;;) {
            int32_t nx = c[st].base + (int32_t)y;
            if (c[nx].check == st) { st = nx; break; }
            if (st == 0) break;
            st = c[st].fail;
        }
        ring[j++ & (RING - 1)] = start;
        for (int32_t o = c[st].out; o >= 0; o = a->dlink[o]) {
            if (found < cap) {
                uint32_t p = (uint32_t)a->pat[o];
                size_t b = ring[(j - a->plen[p]) & (RING - 1)];
                out[found] = (acm_match){ b, i - b, p };
            }
            found++;
        }
    }
    return found;
}
