/* fts.h: the "minyi" FTS5 tokenizer for Chinese message search (issue 3).
 * Documents are indexed as one token per Han character (consecutive
 * positions) plus, colocated with each word's first character, the words
 * of the segmenter in search mode; Latin letters and digits form one
 * lower-cased, half-width token per run. Queries are tokenized into
 * characters, so a quoted query string is a phrase that matches wherever
 * those characters stand together: one- and two-character queries (most
 * Chinese words are two characters) find their messages, which FTS5's
 * trigram tokenizer silently cannot. */
#ifndef MINYI_FTS_H
#define MINYI_FTS_H
#include <sqlite3.h>
#include <stddef.h>
#include <stdbool.h>
#include "core/str.h"
#include "text/seg.h"

/* Registers the tokenizer and the ranking function minyi_rank(table) on a
 * connection. minyi_rank is BM25 (lower is better, as FTS5's bm25()), but
 * estimates each phrase's document frequency from its first matches instead
 * of counting all of them, so its cost is bounded by the rows it ranks.
 * The segmentation dictionary is opened once per process on first use
 * (seg_dict_open(NULL)); without one, only characters and Latin runs are
 * indexed. Returns SQLITE_OK or an error. */
int fts_register(sqlite3 *db);

/* Lends the tokenizer a dictionary the program has already loaded (call it
 * before the first database use; the caller keeps ownership and closes it
 * after the store), so a server does not load the dictionary twice. */
void fts_use_dict(const seg_dict *d);

/* The words the tokenizer would find in a message's title and body (its
 * segmentation, the costly part of indexing), worked out ahead on another
 * thread (the analysis workers) so the thread that writes the index need
 * not segment again. *blob (malloc'd, the caller frees it) names each
 * text by its length and hash, so a word list is only ever used for the
 * very text it came from. Uses the tokenizer's own dictionary; returns 0,
 * or -1 (out of memory, no dictionary): index as usual then. */
int fts_words_ahead(const char *title, size_t tn, const char *body, size_t bn, void **blob, size_t *len);

/* Lends the calling thread's tokenizer the blobs above for the documents
 * it is about to index (in that order, as an INSERT ... SELECT of the
 * messages in id order gives them; a text without its blob, or with one
 * that does not match it, is segmented as usual). fts_ahead_use(NULL, 0)
 * ends the loan; the blobs must live until then. */
typedef struct { const void *p; size_t n; } fts_ahead;
void fts_ahead_use(const fts_ahead *blobs, size_t n);

/* Turns what a person typed into an FTS5 query: every whitespace-separated
 * term becomes a quoted phrase (quotes doubled), all of them required.
 * Returns 0, or -1 when nothing searchable remains. */
int fts_query(str q, buf *out);

/* Whether every term of q (as fts_query reads it) stands as a phrase in at
 * least one of the cols: the index's test, repeated on other text. A public
 * hit found in the index of the original text must also match the masked
 * text it shows, or a search for a phone number would tell that some
 * message holds it. */
bool fts_matches(str q, const str *cols, size_t ncols);

/* Appends to out an HTML-escaped excerpt of text, at most about max_chars
 * characters, around the first match of q, every match inside it wrapped in
 * <mark>...</mark> (the only markup added) and "…" where text was cut; the
 * start of text when nothing matches. Returns 0, or -1 on out-of-memory. */
int fts_snippet_html(str q, str text, size_t max_chars, buf *out);
/* The same with open / close around matches, text copied as it is unless
 * html; *marks (may be NULL) gets the number of matches marked. */
int fts_snippet(str q, str text, size_t max_chars, const char *open, const char *close, bool html, buf *out, int *marks);

#endif
