/* fts.c: see fts.h. One tokenizer instance per table and connection, hence
 * per thread: each owns its segmentation scratch. */
#include "store/fts.h"
#include "text/seg.h"
#include "text/utf8.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

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

/* The segmenter's multi-character Han words, by start offset. */
static int collect_words(tokenizer *t, const char *s, size_t n) {
    t->nwords = 0;
    if (!t->seg) return 0;
    const seg_word *w;
    long k = seg_cut(t->seg, s, n, SEG_SEARCH, &w);
    if (k < 0) return -1;
    for (long i = 0; i < k; i++) {
        uint32_t cp;
        if (utf8_count(s + w[i].off, w[i].len) < 2 || utf8_decode(s + w[i].off, w[i].len, &cp) < 0 || class_of(cp) != C_HAN) continue;
        if (t->nwords == t->capwords) {
            size_t cap = t->capwords ? t->capwords * 2 : 64;
            seg_word *p = realloc(t->words, cap * sizeof *p);
            if (!p) return -1;
            t->words = p; t->capwords = cap;
        }
        t->words[t->nwords++] = w[i];
    }
    if (t->nwords > 1) qsort(t->words, t->nwords, sizeof *t->words, cmp_word);
    return 0;
}

static int tk_tokenize(Fts5Tokenizer *p, void *ctx, int flags, const char *s, int n,
                       int (*emit)(void *, int, const char *, int, int, int)) {
    tokenizer *t = (tokenizer *)p;
    bool query = (flags & FTS5_TOKENIZE_QUERY) != 0;
    if (n <= 0) return SQLITE_OK;
    if (query) t->nwords = 0;     /* queries are characters only; forget the last document's words */
    else if (collect_words(t, s, (size_t)n)) return SQLITE_NOMEM;
    size_t wi = 0, i = 0, len = (size_t)n;
    int rc = SQLITE_OK;
    while (i < len && rc == SQLITE_OK) {
        uint32_t cp;
        int k = utf8_decode(s + i, len - i, &cp);
        if (k < 0) { i++; continue; }            /* invalid byte: a separator */
        int cls = class_of(cp);
        if (cls == C_HAN) {
            rc = emit(ctx, 0, s + i, k, (int)i, (int)(i + (size_t)k));
            while (wi < t->nwords && t->words[wi].off < i) wi++;
            for (; rc == SQLITE_OK && wi < t->nwords && t->words[wi].off == i; wi++)
                rc = emit(ctx, FTS5_TOKEN_COLOCATED, s + t->words[wi].off, (int)t->words[wi].len,
                          (int)t->words[wi].off, (int)(t->words[wi].off + t->words[wi].len));
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
    return api->xCreateTokenizer(api, "minyi", NULL, &tk, NULL);
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
