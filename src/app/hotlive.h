/* hotlive.h: the server's live hot issues (text/hot.h behind a lock): the
 * analyzer adds each published message, HTTP handlers read rankings and
 * trends from memory (no store scan per request). docs/hot-issues.md. */
#ifndef MINYI_HOTLIVE_H
#define MINYI_HOTLIVE_H
#include <jansson.h>
#include <stdint.h>
#include "store/store.h"
#include "text/seg.h"

typedef struct hotlive hotlive;

int  hotlive_new(const seg_dict *d, hotlive **out);   /* -1 on out-of-memory */
void hotlive_free(hotlive *x);

/* One published message and its near-duplicate group (0 = none): the only
 * per-message call, from wherever per-message analysis results are applied.
 * Safe from any thread. Returns 0, -1 on out-of-memory. */
int hotlive_add(hotlive *x, const store_msg *m, int64_t group_id);

/* Supports (likes) or opposition given to message id since it was added
 * (the public support button): its issue's heat counts them. Returns 0,
 * or 1 when the message is not in the hot issues (yet: it is added with the
 * counts it has then). */
int hotlive_support(hotlive *x, int64_t id, int64_t likes, int64_t dislikes);

/* Issues active in the last days before now (seconds), hottest first:
 * [{"issue_id","place","problem","description","heat","size","authors",
 *   "likes","dislikes","first_at","last_at","trend":{"recent","previous","direction"},
 *   "messages":"/api/v1/hot/ID/messages"}]. New reference. */
json_t *hotlive_issues(hotlive *x, int64_t now, int days, int top);
/* Words rising fastest in the last days (1..7) against the 4 weeks before:
 * [{"word","count","baseline","score"}]. */
json_t *hotlive_trends(hotlive *x, int64_t now, int days, int top);
/* Message ids of an issue, newest first (at most cap); -1 when no such issue. */
long hotlive_members(hotlive *x, uint32_t issue, int64_t *ids, size_t cap);
size_t hotlive_size(hotlive *x);   /* messages added */

/* The state kept in the store across restarts (state "hot", marked with the
 * newest message id added), so a start reads it and adds only the messages
 * after the mark instead of segmenting every message again.
 * hotlive_keep writes it (adds wait meanwhile, readers do not); 0 or a
 * store status. hotlive_load replaces the state with the kept one, or with
 * an empty one when none is usable (missing, damaged, foreign: logged);
 * *mark gets the newest message id it holds, 0 for none. hotlive_changes:
 * messages and supports added since the last keep or load. */
int hotlive_keep(hotlive *x, store *st);
void hotlive_load(hotlive *x, store *st, int64_t *mark);
uint64_t hotlive_changes(hotlive *x);

#endif
