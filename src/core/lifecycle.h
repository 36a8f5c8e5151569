/* lifecycle.h: the states of a message and the one table of what may move
 * it from one to another, and who may ask (the 12345 lifecycle: reply,
 * transfer, return, close, decline, reopen, extension, urging). The store
 * checks every transition against this table inside the transaction that
 * makes it (so two officials racing cannot both win); the API checks the
 * role against it before that. Pure: no I/O. */
#ifndef MINYI_LIFECYCLE_H
#define MINYI_LIFECYCLE_H
#include <stdbool.h>

/* States: new (no department: the unrouted queue), assigned (with a
 * department, being handled), replied, closed (办结), declined (不予受理). */
#define LC_STATES "new", "assigned", "replied", "closed", "declined"

enum {   /* who may ask for an action (bit set) */
    LC_HANDLER = 1, LC_HEAD = 2, LC_ADMIN = 4, LC_LEADER = 8, LC_MODERATOR = 16,
    LC_CITIZEN = 32,      /* by tracking code, no account */
};

typedef struct {
    const char *action;       /* "close", "return", ... (also the audit event kind) */
    const char *from[5];      /* states it may start from; NULL-terminated */
    const char *to;           /* the state it leaves; NULL = unchanged */
    unsigned roles;           /* LC_* */
    bool needs_reason;        /* the request must say why */
} lc_rule;

/* The rule for an action, or NULL when there is no such action. */
const lc_rule *lifecycle_rule(const char *action);
bool lifecycle_from_ok(const lc_rule *r, const char *state);
/* role is a users.role ("handler", "head", ...) or "citizen". */
bool lifecycle_role_ok(const lc_rule *r, const char *role);
/* The state after the action from `from` (from itself when unchanged). */
const char *lifecycle_to(const lc_rule *r, const char *from);
/* Every rule, for documentation and tests; *n gets the count. */
const lc_rule *lifecycle_rules(int *n);
bool lifecycle_is_state(const char *s);
/* Open = still waiting for the department (new or assigned). */
bool lifecycle_is_open(const char *state);

/* The default reply deadline of each message type, in working days, and
 * the admin setting that overrides it. */
typedef struct { const char *type, *setting; int days; } lc_deadline;
const lc_deadline *lifecycle_deadlines(int *n);

#endif
