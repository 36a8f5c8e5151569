/* norm.h: normalisation of message text for analysis (issue 3): NFKC via
 * utf8proc (so full-width ASCII becomes half-width, U+3000 a space), every
 * whitespace run folded to one ASCII space and trimmed, control and invisible
 * format characters removed, invalid UTF-8 replaced with U+FFFD. */
#ifndef MINYI_NORM_H
#define MINYI_NORM_H
#include <stddef.h>
#include <stdint.h>
#include "core/str.h"

enum { NORM_CASEFOLD = 1 };   /* also fold case (Unicode case folding) */

/* Output byte -> input byte: src[j] is the input offset that output byte j
 * (counted from where norm_text started appending) came from; src[len] = n. */
typedef struct { uint32_t *src; size_t n, cap; } norm_map;

/* Appends the normalised form of s[0..n) to out. When map is not NULL it is
 * refilled for the appended bytes. Returns 0, or -1 on out-of-memory (or n
 * of 4 GiB and more with a map). Combining sequences are normalised as units
 * (a starter and the marks after it); starter pairs that compose (Hangul
 * jamo L+V+T) are kept together, others (rare Indic vowel pairs) are not. */
int  norm_text(const char *s, size_t n, unsigned flags, buf *out, norm_map *map);
void norm_map_free(norm_map *m);

#endif
