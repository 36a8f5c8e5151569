/* lifecycle.c: the transition table (lifecycle.h). Adding an action means
 * one row here; the store and the API consult nothing else. */
#include "core/lifecycle.h"
#include <string.h>

#define OFFICIAL_WORK (LC_HANDLER | LC_HEAD | LC_ADMIN)

static const lc_rule rules[] = {
    /* action       from                                    to           who                      reason */
    { "reply",      { "new", "assigned", "replied" },        "replied",   OFFICIAL_WORK,           false },
    { "transfer",   { "new", "assigned" },                   "assigned",  OFFICIAL_WORK,           false },
    { "assign",     { "new", "assigned" },                   "assigned",  LC_HEAD | LC_ADMIN,      false },
    { "return",     { "assigned" },                          "new",       OFFICIAL_WORK,           true },
    { "close",      { "replied" },                           "closed",    OFFICIAL_WORK,           false },
    { "decline",    { "new", "assigned" },                   "declined",  OFFICIAL_WORK,           true },
    /* A citizen's rating of 1 or 2, or their one follow-up question. */
    { "reopen",     { "replied", "closed" },                 "assigned",  LC_CITIZEN,              false },
    { "extension",  { "new", "assigned" },                   NULL,        OFFICIAL_WORK,           true },
    { "extension_decision", { "new", "assigned" },           NULL,        LC_HEAD | LC_ADMIN,      false },
    { "urge",       { "new", "assigned" },                   NULL,        LC_LEADER | LC_ADMIN,    false },
    /* A reply waiting for the head's approval is published by the approval. */
    { "reply_decision", { "new", "assigned", "replied" },    NULL,        LC_HEAD | LC_ADMIN,      false },
    { "reply_correct", { "replied", "closed" },              NULL,        OFFICIAL_WORK,           true },
};

const lc_rule *lifecycle_rule(const char *action) {
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++)
        if (!strcmp(rules[i].action, action)) return &rules[i];
    return NULL;
}

bool lifecycle_from_ok(const lc_rule *r, const char *state) {
    for (int i = 0; i < 5 && r->from[i]; i++)
        if (!strcmp(r->from[i], state)) return true;
    return false;
}

static unsigned role_bit(const char *role) {
    static const struct { const char *name; unsigned bit; } map[] = {
        { "handler", LC_HANDLER }, { "head", LC_HEAD }, { "admin", LC_ADMIN },
        { "leader", LC_LEADER }, { "moderator", LC_MODERATOR }, { "citizen", LC_CITIZEN },
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (!strcmp(map[i].name, role)) return map[i].bit;
    return 0;
}

bool lifecycle_role_ok(const lc_rule *r, const char *role) { return (r->roles & role_bit(role)) != 0; }

const char *lifecycle_to(const lc_rule *r, const char *from) { return r->to ? r->to : from; }

const lc_rule *lifecycle_rules(int *n) {
    *n = (int)(sizeof rules / sizeof *rules);
    return rules;
}

bool lifecycle_is_state(const char *s) {
    static const char *const states[] = { LC_STATES };
    for (size_t i = 0; i < sizeof states / sizeof *states; i++)
        if (!strcmp(states[i], s)) return true;
    return false;
}

bool lifecycle_is_open(const char *state) { return !strcmp(state, "new") || !strcmp(state, "assigned"); }

static const lc_deadline deadlines[] = {
    { "咨询", "deadline_consult", 5 },
    { "求助", "deadline_help", 7 },
    { "投诉", "deadline_complaint", 15 },
    { "建议", "deadline_suggestion", 15 },
    { "感谢", "deadline_thanks", 15 },   /* an acknowledgement is still owed */
};

const lc_deadline *lifecycle_deadlines(int *n) {
    *n = (int)(sizeof deadlines / sizeof *deadlines);
    return deadlines;
}
