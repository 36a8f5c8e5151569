/* utf8.h: strict UTF-8 validation (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF), decoding, and repair with U+FFFD. */
#ifndef MINYI_UTF8_H
#define MINYI_UTF8_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "core/str.h"

/* Returns the byte offset of the first invalid sequence, or (size_t)-1 when
 * all n bytes are valid UTF-8. NUL bytes are valid UTF-8 (callers that refuse
 * them check with memchr). */
size_t utf8_invalid_at(const char *s, size_t n);
static inline bool utf8_valid(const char *s, size_t n) { return utf8_invalid_at(s, n) == (size_t)-1; }

/* Decodes one code point at s (n bytes available). Returns its length in
 * bytes (1-4) and stores it in *cp; on an invalid or truncated sequence
 * returns -1 and the caller may skip one byte. */
int utf8_decode(const char *s, size_t n, uint32_t *cp);

/* Encodes cp into out (4 bytes room). Returns the length. */
int utf8_encode(uint32_t cp, char *out);

/* Number of code points in valid UTF-8 text. */
size_t utf8_count(const char *s, size_t n);

/* Appends s to out with every invalid sequence replaced by U+FFFD.
 * Returns the number of replacements, or -1 on out-of-memory. */
long utf8_repair(const char *s, size_t n, buf *out);

#endif
