/* draft.h: a consultation's draft document (征求意见稿) split into numbered
 * sections for citizens to comment on one by one. The document is Markdown
 * or plain text: every heading line ("# ..." to "###### ...") starts a
 * section titled by the heading; text before the first heading is the
 * preamble (shown above the sections, not commentable on its own). A
 * document without headings is one section. Pure: no I/O. */
#ifndef MINYI_DRAFT_H
#define MINYI_DRAFT_H
#include <jansson.h>
#include "core/str.h"

#define DRAFT_MAX_SECTIONS 500
#define DRAFT_TITLE_MAX 200      /* characters; longer headings are cut */

/* Splits doc into sections: *out = [{"no":1,"title":..,"text":..},...] and
 * *preamble (a new JSON string, possibly ""). Returns 0, or -1 when the
 * document has more than DRAFT_MAX_SECTIONS sections (msg says so) or is
 * not valid UTF-8. The caller owns both results. */
int draft_split(str doc, const char *fallback_title, json_t **out, json_t **preamble, char *msg, size_t cap);

#endif
