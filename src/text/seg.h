/* seg.h: jieba-compatible Chinese word segmentation (issue 3).
 * Prefix dictionary -> DAG -> max log-probability route, HMM (B/M/E/S Viterbi)
 * for runs not covered by the dictionary, jieba's rules for non-Chinese runs.
 * Pure library: no I/O except seg_dict_open; the cutting loop never allocates
 * once a seg_ctx has grown to the longest input it has seen. */
#ifndef MINYI_SEG_H
#define MINYI_SEG_H
#include <stddef.h>
#include <stdint.h>

typedef struct seg_dict seg_dict;   /* the loaded dictionary + HMM tables; read-only, shareable between threads */
typedef struct seg_ctx seg_ctx;     /* per-thread scratch; never shared between threads */

enum {
    SEG_PRECISE = 0,    /* default: jieba.cut(s, HMM=True) */
    SEG_SEARCH  = 1,    /* also emit dictionary sub-words of long words (jieba.cut_for_search) */
    SEG_NO_HMM  = 2,    /* jieba.cut(s, HMM=False) */
};

/* A word: a byte span of the input text. */
typedef struct { uint32_t off, len; } seg_word;

/* Compiles python3-jieba's data (jieba_dir NULL: Debian's
 * /usr/lib/python3/dist-packages/jieba) into the file seg_dict_open maps. */
int  seg_dict_build(const char *jieba_dir, const char *out, char *err, size_t errlen);
/* The same compilation kept in memory (about a second; for when no file exists). */
int  seg_dict_from_jieba(const char *jieba_dir, seg_dict **out, char *err, size_t errlen);

/* Opens the compiled dictionary (scripts/build-dict output). path NULL looks
 * in order at $MINYI_DICT, <directory of the minyi binary>/build/jieba.dict
 * (and ../jieba.dict, ../../jieba.dict from there, for build/DIR/minyi),
 * ./build/jieba.dict, /usr/share/minyi/jieba.dict, and when none exists
 * compiles python3-jieba's data in memory. On failure returns -1 with a
 * message in err. */
int  seg_dict_open(const char *path, seg_dict **out, char *err, size_t errlen);
void seg_dict_close(seg_dict *d);

/* Adds a user word, as jieba's add_word (freq <= 0: jieba's suggest_freq
 * default, a frequency just high enough for the word to be cut out whole).
 * Returns 0, or -1 on out-of-memory or empty/invalid UTF-8 word. Not
 * thread-safe against concurrent seg_cut on the same dictionary. */
int  seg_dict_add_word(seg_dict *d, const char *word, size_t n, double freq);
/* Loads a jieba user dictionary file ("word [freq] [tag]" per line). Returns
 * the number of words added, or -1 with the file and line in err. */
int  seg_dict_load_user(seg_dict *d, const char *path, char *err, size_t errlen);

int  seg_ctx_new(const seg_dict *d, seg_ctx **out);
void seg_ctx_free(seg_ctx *c);

/* Segments s[0..n) (valid UTF-8; invalid bytes are treated as single-byte
 * words). Sets *words to an array owned by c, valid until the next call on c,
 * and returns the number of words, or -1 on out-of-memory. Whitespace comes
 * out as its own words (one per character, CR LF as one), as in jieba;
 * callers that index or count words skip them with seg_is_space(). In
 * SEG_SEARCH mode the dictionary sub-words of a word come just before it. */
long seg_cut(seg_ctx *c, const char *s, size_t n, int flags, const seg_word **words);

/* True when s[w] is whitespace only. */
int  seg_is_space(const char *s, seg_word w);
/* True for the code points Python's re treats as \s (jieba's notion of space). */
int  seg_space_cp(uint32_t cp);

#endif
