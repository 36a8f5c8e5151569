/* fts.c: see fts.h. One tokenizer instance per table and connection, hence
 * per thread: each owns its segmentation scratch. */
#include "store/fts.h"
#include "text/seg.h"
#include "text/utf8.h"
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include <xxhash.h>

static pthread_once_t dict_once = PTHREAD_ONCE_INIT;
static const seg_dict *dict;      /* process-wide; NULL when none could be opened */
static seg_dict *own_dict;        /* the one we opened ourselves, if any */

static void open_dict(void) {
    char err[256];
    if (dict) return;             /* lent by fts_use_dict */
    if (seg_dict_open(NULL, &own_dict, err, sizeof err)) own_dict = NULL;
    dict = own_dict;
}

void fts_use_dict(const seg_dict *d) { if (!own_dict) dict = d; }

/* Process exit frees the dictionary we opened (for leak checkers). */
__attribute__((destructor)) static void close_dict(void) { seg_dict_close(own_dict); own_dict = NULL; }

typedef struct {
    seg_ctx *seg;
    buf tok;                       /* folded Latin run */
    seg_word *words; size_t nwords, capwords;
} tokenizer;

static int tk_create(void *ctx, const char **argv, int argc, Fts5Tokenizer **out) {
    (void)ctx; (void)argv; (void)argc;
    tokenizer *t = calloc(1, sizeof *t);
    if (!t) return SQLITE_NOMEM;
    pthread_once(&dict_once, open_dict);
    if (dict && seg_ctx_new(dict, &t->seg)) { free(t); return SQLITE_NOMEM; }
    *out = (Fts5Tokenizer *)t;
    return SQLITE_OK;
}

static void tk_delete(Fts5Tokenizer *p) {
    tokenizer *t = (tokenizer *)p;
    if (!t) return;
    seg_ctx_free(t->seg);
    buf_free(&t->tok);
    free(t->words);
    free(t);
}

enum { C_SEP, C_HAN, C_ALNUM };

/* Han and other letters without case (kana, hangul) index one by one;
 * cased letters and digits join runs; everything else separates. */
static int class_of(uint32_t cp) {
    if (cp < 0x80) return ((cp | 32) - 'a' < 26 || cp - '0' < 10) ? C_ALNUM : C_SEP;
    if (cp >= 0xFF10 && cp <= 0xFF5A) {   /* full-width digits and letters */
        uint32_t h = cp - 0xFEE0;
        return ((h | 32) - 'a' < 26 || h - '0' < 10) ? C_ALNUM : C_SEP;
    }
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_LO: return C_HAN;
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_ND: return C_ALNUM;
    default: return C_SEP;
    }
}

/* Lower-case, half-width form of an alphanumeric code point. */
static uint32_t fold(uint32_t cp) {
    if (cp >= 0xFF10 && cp <= 0xFF5A) cp -= 0xFEE0;
    if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
    return (uint32_t)utf8proc_tolower((utf8proc_int32_t)cp);
}

static int cmp_word(const void *a, const void *b) {
    const seg_word *x = a, *y = b;
    if (x->off != y->off) return x->off < y->off ? -1 : 1;
    return x->len < y->len ? -1 : x->len > y->len;
}

/* The segmenter's multi-character Han words of s, by start offset, into
 * *words (grown as needed). */
static int words_of(seg_ctx *seg, const char *s, size_t n, seg_word **words, size_t *nwords, size_t *cap) {
    *nwords = 0;
    if (!seg) return 0;
    const seg_word *w;
    long k = seg_cut(seg, s, n, SEG_SEARCH, &w);
    if (k < 0) return -1;
    for (long i = 0; i < k; i++) {
        uint32_t cp;
        if (utf8_count(s + w[i].off, w[i].len) < 2 || utf8_decode(s + w[i].off, w[i].len, &cp) < 0 || class_of(cp) != C_HAN) continue;
        if (*nwords == *cap) {
            size_t c = *cap ? *cap * 2 : 64;
            seg_word *p = realloc(*words, c * sizeof *p);
            if (!p) return -1;
            *words = p; *cap = c;
        }
        (*words)[(*nwords)++] = w[i];
    }
    if (*nwords > 1) qsort(*words, *nwords, sizeof **words, cmp_word);
    return 0;
}

static int collect_words(tokenizer *t, const char *s, size_t n) { return words_of(t->seg, s, n, &t->words, &t->nwords, &t->capwords); }

/* ---- words worked out ahead (fts_words_ahead) ---------------------------
 * A blob: for the title, then the body: a text header (its hash, length
 * and number of words), then its words. */
typedef struct { uint64_t hash; uint32_t len, nwords; } ahead_text;

static pthread_key_t ahead_key;              /* each thread's segmentation context */
static pthread_once_t ahead_once = PTHREAD_ONCE_INIT;
static void ahead_ctx_free(void *p) { seg_ctx_free(p); }
static void ahead_init(void) { pthread_key_create(&ahead_key, ahead_ctx_free); }

static int ahead_put(buf *b, seg_ctx *seg, const char *s, size_t n, seg_word **w, size_t *nw, size_t *cap) {
    if (n > UINT32_MAX || words_of(seg, s, n, w, nw, cap)) return -1;
    ahead_text h = { XXH3_64bits(s, n), (uint32_t)n, (uint32_t)*nw };
    return buf_put(b, &h, sizeof h) || buf_put(b, *w, *nw * sizeof **w) ? -1 : 0;
}

int fts_words_ahead(const char *title, size_t tn, const char *body, size_t bn, void **blob, size_t *len) {
    *blob = NULL; *len = 0;
    pthread_once(&dict_once, open_dict);
    pthread_once(&ahead_once, ahead_init);
    if (!dict) return -1;
    seg_ctx *seg = pthread_getspecific(ahead_key);
    if (!seg) {
        if (seg_ctx_new(dict, &seg)) return -1;
        if (pthread_setspecific(ahead_key, seg)) { seg_ctx_free(seg); return -1; }
    }
    buf b = {0};
    seg_word *w = NULL;
    size_t nw = 0, cap = 0;
    int rc = ahead_put(&b, seg, title ? title : "", title ? tn : 0, &w, &nw, &cap);
    if (!rc) rc = ahead_put(&b, seg, body ? body : "", body ? bn : 0, &w, &nw, &cap);
    free(w);
    if (rc) { buf_free(&b); return -1; }
    *blob = b.p; *len = b.n;
    return 0;
}

/* The loan of fts_ahead_use: the blobs, and the next text expected. */
static __thread const fts_ahead *lent;
static __thread size_t nlent, lent_next, lent_part;   /* blob, and 0 = its title, 1 = its body */

void fts_ahead_use(const fts_ahead *blobs, size_t n) { lent = blobs; nlent = blobs ? n : 0; lent_next = lent_part = 0; }

/* Text part (0, 1) of a blob, or NULL when the blob is malformed. */
static const ahead_text *ahead_part(const fts_ahead *b, size_t part, const seg_word **words) {
    if (!b->p) return NULL;
    const char *p = b->p, *end = p + b->n;
    for (size_t i = 0; ; i++) {
        ahead_text h;
        if ((size_t)(end - p) < sizeof h) return NULL;
        memcpy(&h, p, sizeof h);
        if ((size_t)(end - p - (ptrdiff_t)sizeof h) / sizeof(seg_word) < h.nwords) return NULL;
        if (i == part) { *words = (const seg_word *)(const void *)(p + sizeof h); return (const ahead_text *)(const void *)p; }
        p += sizeof h + h.nwords * sizeof(seg_word);
    }
}

/* The words lent for s, if the next texts expected include it (empty texts
 * are never tokenized, and a statement may skip rows already indexed, so
 * up to AHEAD_WINDOW texts are passed over). */
#define AHEAD_WINDOW 64
static bool ahead_take(const char *s, size_t n, const seg_word **words, size_t *nwords) {
    if (!lent) return false;
    uint64_t hash = 0;
    bool hashed = false;
    for (size_t k = 0, b = lent_next, part = lent_part; k < AHEAD_WINDOW && b < nlent; k++) {
        const seg_word *w;
        const ahead_text *h = ahead_part(&lent[b], part, &w);
        if (h && h->len == n) {
            if (!hashed) { hash = XXH3_64bits(s, n); hashed = true; }
            if (h->hash == hash) {
                ahead_text t;
                memcpy(&t, h, sizeof t);
                for (uint32_t i = 0; i < t.nwords; i++)
                    if (w[i].off > n || w[i].len > n - w[i].off) return false;   /* not this text's after all */
                *words = w; *nwords = t.nwords;
                lent_next = part ? b + 1 : b;
                lent_part = part ? 0 : 1;
                return true;
            }
        }
        if (part) { part = 0; b++; } else part = 1;
    }
    return false;
}

static int tk_tokenize(Fts5Tokenizer *p, void *ctx, int flags, const char *s, int n,
                       int (*emit)(void *, int, const char *, int, int, int)) {
    tokenizer *t = (tokenizer *)p;
    bool query = (flags & FTS5_TOKENIZE_QUERY) != 0;
    if (n <= 0) return SQLITE_OK;
    const seg_word *words = NULL;
    size_t nwords = 0;
    if (query) t->nwords = 0;     /* queries are characters only; forget the last document's words */
    else if (!ahead_take(s, (size_t)n, &words, &nwords)) {
        if (collect_words(t, s, (size_t)n)) return SQLITE_NOMEM;
        words = t->words; nwords = t->nwords;
    }
    size_t wi = 0, i = 0, len = (size_t)n;
    int rc = SQLITE_OK;
    while (i < len && rc == SQLITE_OK) {
        uint32_t cp;
        int k = utf8_decode(s + i, len - i, &cp);
        if (k < 0) { i++; continue; }            /* invalid byte: a separator */
        int cls = class_of(cp);
        if (cls == C_HAN) {
            rc = emit(ctx, 0, s + i, k, (int)i, (int)(i + (size_t)k));
            while (wi < nwords && words[wi].off < i) wi++;
            for (; rc == SQLITE_OK && wi < nwords && words[wi].off == i; wi++)
                rc = emit(ctx, FTS5_TOKEN_COLOCATED, s + words[wi].off, (int)words[wi].len,
                          (int)words[wi].off, (int)(words[wi].off + words[wi].len));
            i += (size_t)k;
        } else if (cls == C_ALNUM) {
            size_t start = i;
            buf_reset(&t->tok);
            while (i < len) {
                k = utf8_decode(s + i, len - i, &cp);
                if (k < 0 || class_of(cp) != C_ALNUM) break;
                char enc[4];
                if (buf_put(&t->tok, enc, (size_t)utf8_encode(fold(cp), enc))) return SQLITE_NOMEM;
                i += (size_t)k;
            }
            /* FTS5 limits a token's size; a longer run is garbage anyway. */
            rc = emit(ctx, 0, t->tok.p, (int)(t->tok.n > 256 ? 256 : t->tok.n), (int)start, (int)i);
        } else i += (size_t)k;
    }
    return rc;
}

/* ---- ranking ------------------------------------------------------------ */

#define RANK_SAMPLE 256           /* matches read per phrase to estimate its frequency */
#define RANK_K1 1.2
#define RANK_B 0.75

typedef struct { int nphrase; double avgdl; double idf[]; } rank_data;
typedef struct { sqlite3_int64 n, first, last; } rank_count;

static int rank_count_cb(const Fts5ExtensionApi *api, Fts5Context *ctx, void *ud) {
    rank_count *c = ud;
    sqlite3_int64 id = api->xRowid(ctx);
    if (!c->n++) c->first = id;
    c->last = id;
    return c->n >= RANK_SAMPLE ? SQLITE_DONE : SQLITE_OK;
}

/* Per query, once: the average row length and each phrase's IDF, from the
 * number of matches, counted when fewer than RANK_SAMPLE, else inferred from
 * the rowid span of the first RANK_SAMPLE (rowids of messages are dense). */
static rank_data *rank_prepare(const Fts5ExtensionApi *api, Fts5Context *ctx) {
    int np = api->xPhraseCount(ctx);
    rank_data *d = sqlite3_malloc64(sizeof *d + (size_t)np * sizeof(double));
    if (!d) return NULL;
    d->nphrase = np;
    sqlite3_int64 rows = 0, tokens = 0;
    if (api->xRowCount(ctx, &rows) || api->xColumnTotalSize(ctx, -1, &tokens)) { sqlite3_free(d); return NULL; }
    d->avgdl = rows > 0 ? (double)tokens / (double)rows : 1;
    if (d->avgdl <= 0) d->avgdl = 1;
    for (int i = 0; i < np; i++) {
        rank_count c = { 0, 0, 0 };
        if (api->xQueryPhrase(ctx, i, &c, rank_count_cb)) { sqlite3_free(d); return NULL; }
        double hits = (double)c.n;
        if (c.n >= RANK_SAMPLE && c.last > c.first) hits = (double)c.n * (double)rows / (double)(c.last - c.first + 1);
        if (hits > (double)rows) hits = (double)rows;
        double idf = log(((double)rows - hits + 0.5) / (hits + 0.5));
        d->idf[i] = idf > 1e-6 ? idf : 1e-6;
    }
    return d;
}

/* minyi_rank(t): see fts.h. Column 0 (the title) weighs twice the others. */
static void rank_fn(const Fts5ExtensionApi *api, Fts5Context *ctx, sqlite3_context *out, int argc, sqlite3_value **argv) {
    (void)argc; (void)argv;
    rank_data *d = api->xGetAuxdata(ctx, 0);
    if (!d) {
        if (!(d = rank_prepare(api, ctx)) || api->xSetAuxdata(ctx, d, sqlite3_free)) {
            sqlite3_result_error(out, "minyi_rank: cannot read the index statistics", -1);
            return;
        }
    }
    int ninst = 0, len = 0;
    if (api->xInstCount(ctx, &ninst) || api->xColumnSize(ctx, -1, &len)) {
        sqlite3_result_error(out, "minyi_rank: cannot read the row", -1);
        return;
    }
    double tf[64] = { 0 };
    for (int i = 0; i < ninst; i++) {
        int ph, col, off;
        if (api->xInst(ctx, i, &ph, &col, &off) == SQLITE_OK && ph < 64) tf[ph] += col == 0 ? 2.0 : 1.0;
    }
    double score = 0, norm = RANK_K1 * (1 - RANK_B + RANK_B * (double)len / d->avgdl);
    for (int i = 0; i < d->nphrase && i < 64; i++) score += d->idf[i] * tf[i] * (RANK_K1 + 1) / (tf[i] + norm);
    sqlite3_result_double(out, -score);
}

int fts_register(sqlite3 *db) {
    fts5_api *api = NULL;
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL);
    if (rc != SQLITE_OK) return rc;
    sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(st);
    sqlite3_finalize(st);
    if (!api) return SQLITE_ERROR;
    static fts5_tokenizer tk = { tk_create, tk_delete, tk_tokenize };
    rc = api->xCreateTokenizer(api, "minyi", NULL, &tk, NULL);
    return rc == SQLITE_OK ? api->xCreateFunction(api, "minyi_rank", NULL, rank_fn, NULL) : rc;
}

int fts_query(str q, buf *out) {
    buf_reset(out);
    size_t i = 0;
    int terms = 0;
    while (i < q.n) {
        while (i < q.n && (q.p[i] == ' ' || q.p[i] == '\t' || q.p[i] == '\n' || q.p[i] == '\r')) i++;
        size_t start = i;
        while (i < q.n && q.p[i] != ' ' && q.p[i] != '\t' && q.p[i] != '\n' && q.p[i] != '\r') i++;
        if (i == start) break;
        /* Only terms with something the tokenizer keeps: a term of pure punctuation would match nothing. */
        bool useful = false;
        for (size_t j = start; j < i;) {
            uint32_t cp;
            int k = utf8_decode(q.p + j, i - j, &cp);
            if (k < 0) { j++; continue; }
            if (class_of(cp) != C_SEP) useful = true;
            j += (size_t)k;
        }
        if (!useful) continue;
        if (terms++) buf_putc(out, ' ');
        buf_putc(out, '"');
        for (size_t j = start; j < i; j++) {
            if (q.p[j] == '"') buf_putc(out, '"');
            buf_putc(out, q.p[j]);
        }
        buf_putc(out, '"');
    }
    return terms ? 0 : -1;
}

/* ---- matching and snippets on other text --------------------------------- */

/* Text as the tokenizer's query side sees it: one token per Han character,
 * one folded token per Latin/digit run; each with its place in the text. */
typedef struct { size_t off, end, key, keylen; } tok;
typedef struct { tok *t; size_t n, cap; buf keys; } toks;

static void toks_free(toks *x) { free(x->t); buf_free(&x->keys); }

static int toks_of(const char *s, size_t len, toks *x) {
    x->n = 0;
    buf_reset(&x->keys);
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        int k = utf8_decode(s + i, len - i, &cp);
        if (k < 0) { i++; continue; }
        int cls = class_of(cp);
        if (cls == C_SEP) { i += (size_t)k; continue; }
        if (x->n == x->cap) {
            size_t cap = x->cap ? x->cap * 2 : 64;
            tok *p = realloc(x->t, cap * sizeof *p);
            if (!p) return -1;
            x->t = p; x->cap = cap;
        }
        tok *t = &x->t[x->n++];
        t->off = i;
        t->key = x->keys.n;
        if (cls == C_HAN) {
            if (buf_put(&x->keys, s + i, (size_t)k)) return -1;
            i += (size_t)k;
        } else {
            while (i < len && (k = utf8_decode(s + i, len - i, &cp)) > 0 && class_of(cp) == C_ALNUM) {
                char enc[4];
                if (buf_put(&x->keys, enc, (size_t)utf8_encode(fold(cp), enc))) return -1;
                i += (size_t)k;
            }
        }
        t->end = i;
        t->keylen = x->keys.n - t->key;
    }
    return 0;
}

static bool tok_eq(const toks *a, size_t i, const toks *b, size_t j) {
    return a->t[i].keylen == b->t[j].keylen && !memcmp(a->keys.p + a->t[i].key, b->keys.p + b->t[j].key, a->t[i].keylen);
}

/* Whether the phrase ph starts at token i of d. */
static bool phrase_at(const toks *d, size_t i, const toks *ph) {
    if (!ph->n || i + ph->n > d->n) return false;
    for (size_t j = 0; j < ph->n; j++) if (!tok_eq(d, i + j, ph, j)) return false;
    return true;
}

/* Calls f for each whitespace-separated term of q with something to match. */
static int each_term(str q, int (*f)(void *ud, const toks *ph), void *ud) {
    toks ph = { 0 };
    size_t i = 0;
    int rc = 0;
    while (i < q.n && !rc) {
        while (i < q.n && strchr(" \t\r\n", q.p[i])) i++;
        size_t start = i;
        while (i < q.n && !strchr(" \t\r\n", q.p[i])) i++;
        if (i == start) break;
        if (toks_of(q.p + start, i - start, &ph)) { rc = -1; break; }
        if (ph.n) rc = f(ud, &ph);
    }
    toks_free(&ph);
    return rc;
}

typedef struct { toks *cols; size_t ncols; bool all; } match_arg;

static int match_term(void *ud, const toks *ph) {
    match_arg *m = ud;
    for (size_t c = 0; c < m->ncols; c++)
        for (size_t i = 0; i < m->cols[c].n; i++) if (phrase_at(&m->cols[c], i, ph)) return 0;
    m->all = false;
    return 1;                     /* one term missing: no need to look further */
}

bool fts_matches(str q, const str *cols, size_t ncols) {
    toks t[4] = { 0 };
    match_arg m = { t, ncols < 4 ? ncols : 4, true };
    bool ok = true;
    for (size_t c = 0; c < m.ncols && ok; c++) ok = toks_of(cols[c].p, cols[c].n, &t[c]) == 0;
    if (ok) ok = each_term(q, match_term, &m) >= 0;
    for (size_t c = 0; c < m.ncols; c++) toks_free(&t[c]);
    return ok && m.all && q.n > 0;
}

/* Byte ranges of text that match some term, by token: hit[i] = the number
 * of tokens of the match that starts at token i (0: none). */
typedef struct { const toks *d; unsigned char *hit; } mark_arg;

static int mark_term(void *ud, const toks *ph) {
    mark_arg *m = ud;
    for (size_t i = 0; i < m->d->n; i++)
        if (phrase_at(m->d, i, ph) && m->hit[i] < ph->n) m->hit[i] = (unsigned char)(ph->n > 255 ? 255 : ph->n);
    return 0;
}

static int put_escaped(buf *out, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const char *e = NULL;
        switch (s[i]) {
        case '&': e = "&amp;"; break;
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '"': e = "&quot;"; break;
        case '\'': e = "&#39;"; break;
        }
        if (e ? buf_puts(out, e) : buf_putc(out, s[i])) return -1;
    }
    return 0;
}

static int put_text(buf *out, const char *s, size_t n, bool html) {
    return html ? put_escaped(out, s, n) : buf_put(out, s, n);
}

/* The byte offset n characters before (dir < 0) or after off, within text. */
static size_t step_chars(str text, size_t off, long n) {
    while (n > 0 && off < text.n) {
        uint32_t cp;
        int k = utf8_decode(text.p + off, text.n - off, &cp);
        off += k > 0 ? (size_t)k : 1;
        n--;
    }
    while (n < 0 && off > 0) {
        off--;
        while (off > 0 && ((unsigned char)text.p[off] & 0xC0) == 0x80) off--;
        n++;
    }
    return off;
}

int fts_snippet_html(str q, str text, size_t max_chars, buf *out) {
    return fts_snippet(q, text, max_chars, "<mark>", "</mark>", true, out, NULL);
}

int fts_snippet(str q, str text, size_t max_chars, const char *open, const char *close, bool html, buf *out, int *marks) {
    toks d = { 0 };
    if (marks) *marks = 0;
    if (toks_of(text.p, text.n, &d)) { toks_free(&d); return -1; }
    unsigned char *hit = calloc(d.n + 1, 1);
    if (!hit) { toks_free(&d); return -1; }
    mark_arg m = { &d, hit };
    int rc = each_term(q, mark_term, &m);
    size_t first = d.n;
    for (size_t i = 0; i < d.n; i++) if (hit[i]) { first = i; break; }
    /* Half the window before the first match (as FTS5's snippet() centres
     * its hits), the rest after it. */
    size_t from = first < d.n ? step_chars(text, d.t[first].off, -(long)(max_chars / 2)) : 0;
    size_t to = step_chars(text, from, (long)max_chars);
    if (!rc && from > 0) rc = buf_puts(out, "…");
    size_t at = from;
    for (size_t i = 0; i < d.n && !rc; i++) {
        if (!hit[i] || d.t[i].off < from) continue;
        size_t last = i + hit[i] - 1, end = d.t[last].end;
        if (d.t[i].off >= to) break;
        if (end > to) end = to;
        if (d.t[i].off < at) continue;          /* inside a match already marked */
        rc = put_text(out, text.p + at, d.t[i].off - at, html) || buf_puts(out, open)
          || put_text(out, text.p + d.t[i].off, end - d.t[i].off, html) || buf_puts(out, close);
        at = end;
        if (marks) ++*marks;
    }
    if (!rc && to > at) rc = put_text(out, text.p + at, to - at, html);
    if (!rc && to < text.n) rc = buf_puts(out, "…");
    free(hit);
    toks_free(&d);
    return rc ? -1 : 0;
}
