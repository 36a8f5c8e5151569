/* acmatch.h: sensitive-word matching (issue 5): an Aho-Corasick automaton
 * over a folded character stream. Text and patterns are folded the same way
 * (NFKC, case folding: full-width ＡＢＣ == abc), and spaces, punctuation and
 * symbols between characters are skipped, so "法 轮.功" matches "法轮功".
 * Matches are reported as byte spans of the ORIGINAL text. */
#ifndef MINYI_ACMATCH_H
#define MINYI_ACMATCH_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "core/str.h"

typedef struct acm acm;   /* compiled automaton: read-only after build, shareable between threads */

typedef struct {
    size_t off, len;      /* byte span in the original text: first to last matched character */
    uint32_t pattern;     /* index of the pattern in the list given to acm_build */
} acm_match;

/* At most this many skipped characters (spaces, punctuation, symbols) may sit
 * between two characters of a match; a longer run separates words. */
#define ACM_MAX_GAP 4
/* Longest pattern, in characters after folding. */
#define ACM_MAX_PATTERN 255

/* Builds an automaton from n UTF-8 patterns. Patterns that fold to nothing
 * (only punctuation, empty) are ignored; duplicates after folding report the
 * first index. Invalid UTF-8 or an over-long pattern is an error: returns -1
 * with a message in err naming the pattern. Free with acm_free(). */
int  acm_build(const str *patterns, size_t n, acm **out, char *err, size_t errlen);
void acm_free(acm *a);

/* Finds every occurrence (overlapping ones too) in s[0..n), in order of
 * their end. Writes at most cap matches to out and returns the total found.
 * Invalid UTF-8 bytes separate words. Thread-safe on a shared automaton;
 * never allocates. */
size_t acm_find(const acm *a, const char *s, size_t n, acm_match *out, size_t cap);

size_t acm_npatterns(const acm *a);             /* as given to acm_build */
str    acm_pattern(const acm *a, uint32_t id);  /* the pattern as given */
size_t acm_nstates(const acm *a);
size_t acm_memory(const acm *a);                /* bytes held by the automaton */

/* The folding used by the matcher, for other modules that want to agree with
 * it (near-duplicate normalisation): returns the folded code point, or
 * ACM_FOLD_SKIP for whitespace, punctuation, symbols and control/format
 * characters. */
#define ACM_FOLD_SKIP 0xFFFFFFFFu
uint32_t acm_fold(uint32_t cp);

#endif
