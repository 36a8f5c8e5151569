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
#include "core/str.h"
#include "text/seg.h"

/* Registers the tokenizer on a connection. The segmentation dictionary is
 * opened once per process on first use (seg_dict_open(NULL)); without one,
 * only characters and Latin runs are indexed. Returns SQLITE_OK or an error. */
int fts_register(sqlite3 *db);

/* Lends the tokenizer a dictionary the program has already loaded (call it
 * before the first database use; the caller keeps ownership and closes it
 * after the store), so a server does not load the dictionary twice. */
void fts_use_dict(const seg_dict *d);

/* Turns what a person typed into an FTS5 query: every whitespace-separated
 * term becomes a quoted phrase (quotes doubled), all of them required.
 * Returns 0, or -1 when nothing searchable remains. */
int fts_query(str q, buf *out);

#endif
