/* str.c: pointer+length helpers and the growable buffer (see str.h). */
#include "core/str.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

str str_trim(str s) {
    while (s.n && (s.p[0] == ' ' || s.p[0] == '\t' || s.p[0] == '\r' || s.p[0] == '\n')) { s.p++; s.n--; }
    while (s.n && (s.p[s.n-1] == ' ' || s.p[s.n-1] == '\t' || s.p[s.n-1] == '\r' || s.p[s.n-1] == '\n')) s.n--;
    return s;
}

int buf_reserve(buf *b, size_t extra) {
    size_t need = b->n + extra + 1;
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) return -1;
    b->p = p; b->cap = cap;
    return 0;
}

int buf_put(buf *b, const void *p, size_t n) {
    if (buf_reserve(b, n)) return -1;
    if (n) memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = 0;
    return 0;
}

int buf_puts(buf *b, const char *s) { return buf_put(b, s, strlen(s)); }
int buf_putc(buf *b, char c) { return buf_put(b, &c, 1); }

int buf_printf(buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return -1;
    if ((size_t)n < sizeof tmp) return buf_put(b, tmp, (size_t)n);
    if (buf_reserve(b, (size_t)n)) return -1;
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)n;
    return 0;
}

void buf_reset(buf *b) { b->n = 0; if (b->p) b->p[0] = 0; }
void buf_free(buf *b) { free(b->p); b->p = NULL; b->n = b->cap = 0; }

char *buf_detach(buf *b) {
    if (!b->p && buf_reserve(b, 0)) return NULL;
    char *p = b->p;
    b->p = NULL; b->n = b->cap = 0;
    return p;
}
