/* routing.h: keyword rules that pick a department for a new message, the
 * fallback when no trained classifier is active (issue 4 adds the model). */
#ifndef MINYI_ROUTING_H
#define MINYI_ROUTING_H
#include <jansson.h>
#include <stdint.h>
#include "core/str.h"

/* rules: [{"keyword":..,"department_id":..}] as store's rule_list gives.
 * Each keyword found in the title counts 2, in the body 1; the department
 * with the highest total wins, ties going to the earliest rule. Returns the
 * department id, or 0 when no keyword matches (the message goes to triage). */
int64_t routing_pick(json_t *rules, str title, str body);

/* The same rules compiled for many messages (an import): one Aho-Corasick
 * pass over the text finds the candidate keywords, memmem confirms them,
 * so routing_match gives routing_pick's answer. routing_compile keeps a
 * reference to rules; free with routing_free. Returns 0, -1 on out of memory. */
typedef struct routing routing;
int     routing_compile(json_t *rules, routing **out);
int64_t routing_match(const routing *r, str title, str body);
void    routing_free(routing *r);

#endif
