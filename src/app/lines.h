/* lines.h: the stdin line reader of the text commands (seg, keywords):
 * CRLF tolerated, invalid UTF-8 reported as "stdin:LINE: invalid UTF-8 at
 * byte N" and replaced with U+FFFD, optional normalisation (norm.h). */
#ifndef MINYI_LINES_H
#define MINYI_LINES_H
#include <stdbool.h>
#include <stdio.h>
#include "core/str.h"

typedef struct {
    FILE *in;
    bool normalize;          /* give the normalised text instead */
    long lineno, bad;        /* lines read; lines that had invalid UTF-8 */
    char *line; size_t cap;
    buf fixed, normed;
} lines;

/* Next line (without its end) into *out, valid until the next call.
 * Returns 1 for a line, 0 at the end, -1 on out-of-memory. */
int  lines_next(lines *l, str *out);
void lines_free(lines *l);

#endif
