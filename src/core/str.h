/* str.h: text as pointer + length, and a growable byte buffer.
 * Data from outside is never assumed to be NUL-terminated (STYLE.md habit 4). */
#ifndef MINYI_STR_H
#define MINYI_STR_H
#include <stddef.h>
#include <stdbool.h>
#include <string.h>

typedef struct { const char *p; size_t n; } str;

#define STR_LIT(s) ((str){ (s), sizeof(s) - 1 })
static inline str str_c(const char *s) { return (str){ s, s ? strlen(s) : 0 }; }
static inline bool str_eq(str a, str b) { return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0); }
static inline bool str_eq_c(str a, const char *b) { return str_eq(a, str_c(b)); }
static inline bool str_starts(str a, const char *prefix) {
    size_t n = strlen(prefix);
    return a.n >= n && memcmp(a.p, prefix, n) == 0;
}
/* Trims ASCII whitespace on both ends. */
str str_trim(str s);

/* Growable buffer. Always keeps a NUL after the data so .p can be passed to C APIs.
 * buf_* return 0 or -1 on out-of-memory (the buffer keeps its old contents). */
typedef struct { char *p; size_t n, cap; } buf;

int  buf_reserve(buf *b, size_t extra);
int  buf_put(buf *b, const void *p, size_t n);
int  buf_puts(buf *b, const char *s);
int  buf_putc(buf *b, char c);
int  buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(buf *b);          /* n = 0, keeps memory */
void buf_free(buf *b);           /* releases memory */
/* Takes the buffer's memory (NUL-terminated, caller frees); leaves b empty. */
char *buf_detach(buf *b);

#endif
