/* lines.c: see lines.h. */
#include "app/lines.h"
#include "text/norm.h"
#include "text/utf8.h"
#include <stdlib.h>

int lines_next(lines *l, str *out) {
    ssize_t len = getline(&l->line, &l->cap, l->in);
    if (len < 0) return 0;
    l->lineno++;
    size_t n = (size_t)len;
    if (n && l->line[n - 1] == '\n') n--;
    if (n && l->line[n - 1] == '\r') n--;
    const char *s = l->line;
    size_t at = utf8_invalid_at(s, n);
    if (at != (size_t)-1) {
        fprintf(stderr, "stdin:%ld: invalid UTF-8 at byte %zu; replaced with U+FFFD\n", l->lineno, at);
        l->bad++;
        buf_reset(&l->fixed);
        if (utf8_repair(s, n, &l->fixed) < 0) return -1;
        s = l->fixed.p;
        n = l->fixed.n;
    }
    if (l->normalize) {
        buf_reset(&l->normed);
        if (norm_text(s, n, 0, &l->normed, NULL)) return -1;
        s = l->normed.p ? l->normed.p : "";
        n = l->normed.n;
    }
    *out = (str){ s, n };
    return 1;
}

void lines_free(lines *l) {
    free(l->line);
    buf_free(&l->fixed);
    buf_free(&l->normed);
}
