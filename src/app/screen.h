/* screen.h: screening of short public texts that appear at once (comments
 * on a leader's post, questions in a live session) with the same rules as
 * messages: sensitive words (the admin's list, through acmatch.h) and spam
 * (spam.h rules). Unlike messages, which the background analyzer handles
 * after the 201, a comment is screened in the request, so it is either
 * shown at once or held for a moderator before anyone sees it. */
#ifndef MINYI_SCREEN_H
#define MINYI_SCREEN_H
#include <jansson.h>
#include <stdbool.h>
#include "core/str.h"
#include "store/store.h"

typedef struct screen screen;

int  screen_new(store *st, screen **out);
void screen_free(screen *s);

/* Screens text. *hold: keep it for a moderator; *reason: why (a new JSON
 * object {"sensitive":[spans],"spam":{...}}, or NULL when not held);
 * *spam: the spam score. The word list is re-read when its version
 * changes. Thread-safe. Returns 0, or -1 when the store failed. */
int screen_text(screen *s, str text, bool *hold, double *spam, json_t **reason);

#endif
