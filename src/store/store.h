/* store.h: the one storage interface every handler and command uses; no SQL
 * lives outside src/store/. Backends sit behind a table of functions
 * (store_ops); store_open() picks one by URI scheme: "sqlite:PATH" (the
 * embedded default, sqlite.c) and, later, "postgres://..." (scale-out).
 * Handles are safe to share between threads; each backend manages its own
 * per-thread connections. Listings come back as jansson objects because
 * their only consumers serialise them to JSON. */
#ifndef MINYI_STORE_H
#define MINYI_STORE_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "core/str.h"

enum store_status {
    STORE_OK = 0,
    STORE_NOT_FOUND = -1,
    STORE_CONFLICT = -2,     /* a unique name/login already exists */
    STORE_INVALID = -3,      /* a referenced row does not exist (e.g. unknown department) */
    STORE_ERROR = -4,        /* I/O or database error; see store_errmsg() */
};

typedef struct store store;

/* The quality of an official reply (text/replyq.h) as the store records it. */
typedef struct {
    double score;            /* 0..100 */
    double relevance, completeness, boilerplate;   /* 0..1 */
    double timeliness;       /* 0..1; < 0 unknown */
} store_reply_q;

typedef struct {
    int64_t id;
    char login[64];
    char role[16];           /* admin | head | handler | moderator | leader */
    int64_t department_id;   /* 0 = none */
    char department[128];
    char password_hash[160]; /* argon2id string (crypto_pwhash_STRBYTES = 128) */
    bool disabled;           /* an admin disabled it: no login, no session */
} store_user;

/* A message as stored (all text unmasked; masking is the caller's job). */
typedef struct {
    int64_t id, consultation_id, department_id;  /* department_id 0 = not routed */
    char tracking_code[20];
    char type[16], state[16], created_at[32];
    char moderation[16];     /* none | held | approved | rejected */
    char author_ip[64];      /* internal: for flood detection, never shown publicly */
    char label[128];         /* classifier label, "" = none */
    double confidence;       /* of label; < 0 = none */
    double spam_score;
    int64_t group_id;        /* near-duplicate group = id of its first message; 0 = none */
    int64_t group_size;
    bool analyzed;
    char due_at[32];         /* reply deadline; "" = none */
    char urged_at[32];       /* the latest urging (督办); "" = never */
    int64_t urge_count, reopen_count;
    int64_t assignee_id;     /* the handler a head gave it to; 0 = none */
    char assignee[64];
    int64_t supports, opposes;   /* 点赞 (public support button, imports) and 反对 (imports) */
    char *resolution;        /* public: the closing note, or why it was declined; owned */
    char *title, *body, *region, *phone, *department, *hold_reason, *author;   /* owned; store_msg_clear() */
} store_msg;

/* What the analyzer found out about a message (a batch of these goes to
 * analysis_apply). The record of automatic analysis lives on the message
 * row (label, confidence, model, route_by, analyzed_at), not in audit rows. */
typedef struct {
    int64_t id;              /* the message */
    int64_t model_id;        /* the classifier that gave label; 0 = none */
    const char *label;       /* NULL = no classifier */
    double confidence;
    bool route;              /* set department_id (0 = triage) */
    int64_t department_id;
    const char *route_by;    /* "model" | "keywords" (for the audit trail) */
    bool hold;               /* hold for a moderator */
    json_t *hold_reason;     /* why (spam signals, sensitive-word spans); NULL = none */
    double spam_score;
    int64_t group_id;        /* 0 = none; else the group (its first message's id) */
    const void *dedup_sig;   /* the near-duplicate signature to keep (opaque bytes); NULL = none */
    size_t dedup_sig_len;
    const int64_t *merged;   /* groups this message bridged: their members move to group_id (audited "group_merged") */
    size_t nmerged;
    const void *search_words;   /* the search tokenizer's words of title and body, worked out ahead (opaque bytes,
                                   fts_words_ahead); NULL = the backend segments as it indexes */
    size_t search_words_len;
} store_analysis;

/* A keyword counted n times for a day ("YYYY-MM-DD"): one batch's hot-issue counts. */
typedef struct { str word; char day[11]; int64_t n; } store_kw_count;
void store_msg_clear(store_msg *m);

/* One candidate of the public search (ops public_search): a publicly
 * listed message whose text, or one of whose published replies, matches.
 * Text is unmasked; strings live in mem (one block a candidate, not a JSON
 * object per field: a broad query has a thousand candidates). */
typedef struct {
    int64_t id;
    double score;                       /* lower is better */
    const char *title, *body, *type, *state, *created_at;
    const char *department, *region;    /* NULL: none */
    const char *reply;                  /* the matching reply's text; NULL: none matched */
    char *mem, *reply_mem;              /* owned */
} store_pub_cand;
typedef struct {
    store_pub_cand *c;
    size_t n;
    int64_t matched;                    /* documents that match: exact, or estimated when approx */
    bool approx;
} store_pub_found;
void store_pub_found_clear(store_pub_found *f);

/* Scores a reply about to be recorded as published (m: its message as
 * stored; reply_at: its time). Called inside the publishing transaction, so
 * it must not call the store. Returns 0, or non-zero to record nothing. */
typedef int (*store_reply_scorer)(void *ud, const store_msg *m, const char *reply, const char *reply_at, store_reply_q *out);

typedef struct {
    int64_t consultation_id;
    str title, body, type, region, phone;
    str author_ip;
    str author;              /* the author's user id when known (imports); {NULL,0} otherwise */
    str created_at;          /* imports: the original time "YYYY-MM-DDTHH:MM:SSZ"; {NULL,0} = now */
    int64_t department_id;   /* routing result; 0 = triage */
    int64_t section;         /* a section of the consultation's draft; 0 = the whole */
    bool unpublished;        /* the citizen chose 不公开: handled the same, never listed */
    str source_id;           /* imports: the row's id in its source (unique per consultation); {NULL,0} = none */
    int64_t likes, dislikes; /* imports: supports (点赞) and opposition (反对) the source counted */
} store_new_msg;

/* One lifecycle transition (core/lifecycle.h): msg_act. */
typedef struct {
    int64_t msg_id;
    const char *action;      /* "return" | "close" | "decline" | "assign" | "reopen" | "urge" */
    int64_t user_id;         /* who; 0 = the citizen */
    str reason;              /* the public note (close), the reason (return, decline), the note (urge), the comment (reopen) */
    int64_t assignee_id;     /* assign: the handler */
    int64_t dept_id;         /* assign: the handler's department */
} store_act;
/* Changes to a consultation (admin); a NULL / unset member leaves that part as it is. */
typedef struct {
    str title, description;  /* {NULL,0} = unchanged */
    const char *status;      /* NULL = unchanged, else "open" | "closed" */
    bool set_document;       /* replace document, preamble and sections */
    str document, preamble;
    json_t *sections;        /* [{"no","title","text"}] (draft.h) */
    bool set_opens, set_closes;
    const char *opens_at, *closes_at;   /* "YYYY-MM-DDTHH:MM:SSZ"; NULL = no limit */
} store_consultation_edit;

/* A page of the public list of messages (留言公开): only published messages
 * that are analyzed and neither held nor rejected. */
typedef struct {
    int64_t consultation_id, department_id;   /* 0 = any */
    const char *type, *region;                /* NULL = any */
    const char *state;       /* NULL = any, "unreplied" (new/assigned), "replied", "closed" */
    const char *from, *to;   /* "YYYY-MM-DD", both days included; NULL = open */
    const char *sort;        /* "new" (default), "replied" (most recently replied first), "supported" */
    const char *after;       /* the "next" cursor of the previous page; NULL = first page */
    int limit;
} store_public_query;

typedef struct {
    const char *state;       /* NULL = any */
    int64_t department_id;   /* 0 = every department (admin view) */
    bool triage;             /* only messages routed to no department */
    int64_t group_id;        /* 0 = any; else only this group's members */
    int limit;
    const char *sort;        /* NULL or "id": newest first; "due": open messages, nearest deadline first */
    const char *after;       /* NULL = first page; else the "next" cursor of the previous page */
    const char *type, *region;   /* NULL = any */
    const char *from, *to;   /* days of arrival "YYYY-MM-DD", both included; NULL = open */
    const char *due;         /* NULL, "overdue" or "soon" (open and due within 2 working days) */
    bool urged;              /* only open messages a leader urged */
    str keyword;             /* full-text, as typed; {NULL,0} = none */
} store_inbox_query;

typedef struct { int64_t pending, held, overdue; } store_gauges;

/* Called once a message queued with msg_add_async is settled: rc STORE_OK
 * means its transaction is committed (on disk with sync=full), with its id
 * and tracking code; otherwise errmsg says why. Runs on the store's writer
 * thread: keep it short, and do not call the store's msg_add from it. */
typedef void (*store_added_fn)(void *ud, int rc, int64_t id, const char *tracking_code, const char *errmsg);

/* A query of the figures: days ("YYYY-MM-DD", inclusive; NULL = open) of
 * the messages' arrival, one department or all (0). official adds the
 * supervision figures (urged, extended) that the public view leaves out. */
typedef struct {
    const char *from, *to;
    int64_t department_id;
    bool official;
} store_stats_query;
/* A satisfaction rate from fewer ratings is reported as null (with the count). */
#define STORE_STATS_MIN_RATINGS 5

/* A page of the audit log, newest first: each filter is optional (0 / NULL). */
typedef struct {
    int64_t actor_id, msg_id;
    const char *kind;
    const char *from, *to;   /* days "YYYY-MM-DD", both included */
    const char *after;       /* the "next" cursor of the previous page */
    int limit;               /* 1..500; default 100 */
} store_audit_query;

typedef struct store_ops {
    const char *scheme;
    int  (*open)(const char *path, const char *options, store **out, char *err, size_t errlen);
    void (*close)(store *s);
    const char *(*errmsg)(store *s);

    int (*dept_add)(store *s, str name, int64_t *id);
    int (*dept_find)(store *s, str name, int64_t *id);
    int (*dept_list)(store *s, json_t **out);

    int (*user_add)(store *s, str login, const char *password_hash, const char *role, int64_t dept_id, int64_t *id);
    int (*user_get)(store *s, str login, store_user *u);
    int (*user_get_id)(store *s, int64_t id, store_user *u);
    int (*user_set_password)(store *s, str login, const char *password_hash);
    int (*user_list)(store *s, json_t **out);
    int (*user_count)(store *s, int64_t *n);
    /* An official's phone number, sealed by the caller (app/secret.h): opaque
     * bytes; n 0 clears it. STORE_NOT_FOUND when there is no such user. */
    int (*user_phone_set)(store *s, int64_t user_id, const void *sealed, size_t n);
    /* Calls cb for every user with a sealed phone, in id order; cb returns non-zero to stop. */
    int (*user_phone_each)(store *s, int (*cb)(void *ud, int64_t user_id, const void *sealed, size_t n), void *ud);

    int (*session_add)(store *s, const char *token_hash, int64_t user_id, const char *csrf, int64_t expires);
    /* Finds a live session; fills u and csrf (65 bytes). */
    int (*session_get)(store *s, const char *token_hash, int64_t now, store_user *u, char *csrf);
    int (*session_del)(store *s, const char *token_hash);

    int (*consultation_add)(store *s, str title, str description, str kind, int64_t *id);
    int (*consultation_get)(store *s, int64_t id, json_t **out);
    int (*consultation_list)(store *s, json_t **out);

    /* Adds a message durably; fills id and tracking code (caller's 20 bytes). */
    int (*msg_add)(store *s, const store_new_msg *m, int64_t *id, char *tracking_code);
    /* The same without waiting: queues m (its strings must stay valid until
     * done runs) for the next group commit and returns; done reports the
     * outcome. STORE_ERROR (and no call of done) when it cannot be queued. */
    int (*msg_add_async)(store *s, const store_new_msg *m, store_added_fn done, void *ud);
    /* Bulk import in one transaction: ids[i] gets each new message's id, or 0
     * when (consultation, source_id) is in already (counted in *dups: a
     * re-import adds nothing twice). No audit row per message: the import is
     * recorded by source_id on the row. STORE_INVALID names a refused row
     * (unknown consultation, bad type): nothing of the batch is kept. */
    int (*msg_import)(store *s, const store_new_msg *m, size_t n, int64_t *ids, size_t *dups);
    /* Bulk import of rows analysed before they are written (`minyi import`
     * in one pass): row i gets id ids[i] and a[i]'s result as analysis_apply
     * records it, in one write of the row; the batch indexed for search, its
     * keyword counts added, in one transaction. ids are consecutive and above
     * every id in the table (max_id), else STORE_CONFLICT: another writer
     * added messages meanwhile. The rows must be new (sources_known). NULL
     * in a backend without it: import, then analyze. */
    int (*msg_import_analyzed)(store *s, const store_new_msg *m, const int64_t *ids, const store_analysis *a, size_t n,
                               const store_kw_count *kw, size_t nkw);
    /* known[i] = whether (consultation, src[i]) is imported already ({NULL,0}: false). */
    int (*msg_sources_known)(store *s, int64_t consultation, const str *src, size_t n, bool *known);
    /* *any = whether the consultation holds any message imported with a source id (an import
     * into one without needs no lookups: it knows its own). */
    int (*msg_sources_any)(store *s, int64_t consultation, bool *any);
    int (*msg_max_id)(store *s, int64_t *out);   /* the highest message id, 0 = none */
    /* A big import into a small table: when the table holds at most rows
     * messages, its secondary indexes (those the import does not read) are
     * dropped, to be made again by bulk_end in one sort each instead of
     * one B-tree insert per row and index, and so are the triggers that
     * count each new row (msg_import_analyzed then counts each batch with
     * one statement per counter). The list is kept in the database in the
     * same transaction, so an import that dies leaves them to the next
     * open, which makes them again. *dropped says whether it did. The
     * connection also gets a bigger page cache for the import.
     * PostgreSQL: DROP INDEX / ALTER TABLE ... DISABLE TRIGGER, the same list
     * in a table. */
    int (*bulk_begin)(store *s, int64_t rows, bool *dropped);
    int (*bulk_end)(store *s);
    int (*msg_get)(store *s, int64_t id, store_msg *m);
    int (*msg_get_code)(store *s, str tracking_code, store_msg *m);
    int (*msg_replies)(store *s, int64_t msg_id, json_t **out);
    /* One page, keyset-paginated (sqlite_inbox.c): {"messages":[..],"next":cursor|null,"total":N|null}
     * (total only without filters); the first page also has "counts" {"overdue","due_soon","urged"}
     * and "urged" (the open urged messages). STORE_INVALID for an unknown sort, a cursor of
     * another sort, a bad date or a keyword with nothing to search for (see store_errmsg). */
    int (*inbox)(store *s, const store_inbox_query *q, json_t **out);

    int (*reply_add)(store *s, int64_t msg_id, int64_t user_id, int64_t dept_id, str body, int64_t *id);
    /* A historical reply from an import: given time ("YYYY-MM-DDTHH:MM:SSZ"; {NULL,0} = now), no user. */
    int (*reply_import)(store *s, int64_t msg_id, int64_t dept_id, str body, str created_at);

    /* Keyword routing rules: [{"id","keyword","department_id","department"}] in priority order
     * (rules of disabled departments left out). */
    int (*rule_add)(store *s, str keyword, int64_t dept_id);
    int (*rule_list)(store *s, json_t **out);

    /* Audit trail; detail is a JSON object or NULL. */
    int (*event_add)(store *s, int64_t actor_id, const char *kind, int64_t msg_id, json_t *detail);
    int (*event_list)(store *s, int64_t msg_id, json_t **out);

    /* ---- the background analyzer (issues 4 and 5) ---- */
    /* Up to limit messages not analyzed yet with id > after, in id order; free
     * each with store_msg_clear and the array with free(). */
    int (*msg_pending)(store *s, int64_t after, int limit, store_msg **out, size_t *n);
    /* Records a batch of analyses in ONE transaction: each message's result
     * (routing, hold, group) marked analyzed; the batch added to the search
     * index in bulk; the keyword counts added. Every message's record stays
     * on its row (no audit row per message). Anything failing rolls back the
     * whole batch. PostgreSQL: the same as one transaction of UPDATE ... FROM
     * (VALUES ...) plus the text index (GIN) of the rows. */
    int (*analysis_apply)(store *s, const store_analysis *a, size_t n, const store_kw_count *kw, size_t nkw);
    /* A handler's transfer to another department: recorded as a correction, audited. */
    int (*msg_transfer)(store *s, int64_t id, int64_t to_dept, int64_t user_id, str reason);
    /* Held messages, oldest first: {"total":N,"messages":[...with "hold_reason"]}. */
    int (*moderation_queue)(store *s, int limit, int offset, json_t **out);
    /* decision: "approve" (publish and route), "reject" (with reason), "spam" (reject and teach the spam model). */
    int (*moderate)(store *s, int64_t id, int64_t user_id, const char *decision, str reason);
    /* A near-duplicate group: {"group_id","representative_id","size","authors","authors_counted","first_at","last_at",
     * "members":[...]} (the first limit members). authors: distinct writers among the authors_counted newest
     * members (all of them up to 10,000; a bigger campaign's writers are counted among its newest 10,000). */
    int (*group_members)(store *s, int64_t group_id, int limit, json_t **out);
    /* Calls cb, in id order, for every analyzed message with id > after and a
     * near-duplicate signature (to rebuild the index at start, or bring a kept
     * image up to date); author is the author id or IP. */
    int (*group_index)(store *s, int64_t after, int (*cb)(void *ud, int64_t id, int64_t group_id, str author, const char *created_at,
                                           const void *sig, size_t n), void *ud);
    /* Calls cb, in id order, for every analyzed message with id > after that
     * is not held or rejected (the live hot issues at start: every message,
     * or those after a kept image's mark); cb's nonzero stops the walk and
     * is returned. */
    int (*msg_published_after)(store *s, int64_t after, int (*cb)(void *ud, const store_msg *m), void *ud);
    /* State a process keeps across restarts (the near-duplicate index image),
     * under a name, with the caller's mark (e.g. the last message id it
     * covers): state_put replaces it with the pieces given in order, in
     * chunks of at most 4 MB, each written in a transaction of its own so
     * that other writers go on meanwhile; the new image replaces the old
     * one at once when its last chunk is in. state_get calls cb with the
     * chunks of the complete image in order, STORE_NOT_FOUND when none.
     * PostgreSQL: a table (name, part, mark, data bytea), the same chunks
     * and generation marker. */
    int (*state_put)(store *s, const char *name, int64_t mark,
                     int (*fill)(void *ud, int (*put)(void *pud, const void *p, size_t n), void *pud), void *ud);
    int (*state_get)(store *s, const char *name, int64_t *mark, int (*cb)(void *ud, const void *p, size_t n), void *ud);

    /* Models ("classifier", "spam"): stored in the database so every node sees the same. */
    int (*model_add)(store *s, const char *kind, str name, const void *data, size_t n, json_t *meta, int64_t *id);
    int (*model_activate)(store *s, const char *kind, int64_t id);
    /* The active model's bytes (malloc'd; caller frees); STORE_NOT_FOUND when none. */
    int (*model_active)(store *s, const char *kind, int64_t *id, void **data, size_t *n);
    /* Only the active model's id (cheap: for checking whether it changed); STORE_NOT_FOUND when none. */
    int (*model_active_id)(store *s, const char *kind, int64_t *id);
    int (*model_list)(store *s, const char *kind, json_t **out);
    /* Classifier label -> department; dept_id 0 removes the mapping. */
    int (*label_map_set)(store *s, str label, int64_t dept_id);
    int (*label_map_list)(store *s, json_t **out);

    /* Sensitive words, edited by admins. */
    int (*word_add)(store *s, str word, int64_t *id);
    int (*word_del)(store *s, int64_t id);
    int (*word_list)(store *s, json_t **out);

    /* Small settings (thresholds, versions); get returns STORE_NOT_FOUND when unset. */
    int (*setting_get)(store *s, const char *key, char *out, size_t cap);
    int (*setting_set)(store *s, const char *key, const char *value);

    /* Training data from the corrected history. kind "classifier": label = the
     * label mapped to the department that finally handled the message (replied
     * or transferred to); kind "spam": label "spam"/"ham" from moderators. */
    int (*training_rows)(store *s, const char *kind, int (*cb)(void *ud, str title, str body, str label), void *ud);

    /* Full-text search (issue 3): q as a person typed it; dept 0 = all departments.
     * -> {"total":N,"results":[{"id","tracking_code","title","snippet","state","department","created_at"}]};
     * in snippets "\u0002" opens and "\u0003" closes a match. Ranked within the newest 1,000 matches
     * ("window": pages end there); "total_approx" when more match and "total" is an estimate.
     * STORE_INVALID when q has nothing searchable. */
    int (*search)(store *s, str q, int64_t dept, int limit, int offset, json_t **out);

    /* One public reply to every member of a near-duplicate group routed to
     * dept_id (0 = any department) that is not replied, closed or held when
     * it is asked for (members with ids up to the highest then); each member
     * gets its own reply and audit event. A campaign can have millions of
     * members, so the work is a job done in steps of one transaction each
     * (other writers, the citizens' messages first, get their turn between
     * them), resumed after a restart (and after the moves of groups merged
     * into it: group_move_step): group_reply_start records it,
     * group_reply_step answers up to max members more (*replied: how many
     * this step; *finished: nothing left), group_reply_get describes it
     * ({"id","group_id","department_id","user","replied","created_at",
     * "finished_at","status":"running|done"}; STORE_NOT_FOUND), and
     * group_reply_unfinished gives the oldest job not finished (0: none). */
    int (*group_reply_start)(store *s, int64_t group_id, int64_t dept_id, int64_t user_id, str body, int64_t *job);
    int (*group_reply_step)(store *s, int64_t job, int max, int64_t *replied, bool *finished);
    int (*group_reply_get)(store *s, int64_t job, json_t **out);
    int (*group_reply_unfinished)(store *s, int64_t *job);
    /* The rows of a big group merged into another (analysis_apply records
     * the merge and moves a small group at once): moves up to max rows of
     * the oldest merge not finished, in one transaction; *moved: how many;
     * *more: merges are left to move after this step. */
    int (*group_move_step)(store *s, int max, int64_t *moved, bool *more);

    /* Runs f with every write it makes in one transaction (one commit, one
     * fsync): for batches such as the analyzer's. f returns a STORE_* status;
     * anything but STORE_OK rolls the whole batch back. */
    int (*batch)(store *s, int (*f)(store *s, void *arg), void *arg);

    /* Every message (of one consultation, or all with 0) in id order, with
     * its latest reply (NULL when none), for exports. cb returns non-zero to stop. */
    /* A citizen's rating of the reply (score 1..5): STORE_CONFLICT when the
     * message is not replied yet or already rated. */
    int (*rating_add)(store *s, int64_t msg_id, int score, str comment);
    int (*rating_get)(store *s, int64_t msg_id, json_t **out);      /* STORE_NOT_FOUND when unrated */
    /* Counts a message's keywords for its day ("YYYY-MM-DD"). */
    int (*keywords_add)(store *s, const char *day, const str *words, size_t n);
    /* Hot issues of the last `days` days (GET /api/v1/hot): {"keywords":[{"word","count","previous"}],
     * "groups":[{"group_id","size","authors","title","department","first_at","last_at"}]} (titles unmasked). */
    int (*hot)(store *s, int days, json_t **out);
    /* Reply / on-time / satisfaction figures per department (docs/api.md,
     * GET /api/v1/stats), from running aggregates kept by every change: never
     * reads messages. */
    int (*stats)(store *s, const store_stats_query *q, json_t **out);
    /* Recounts the aggregates from the messages and compares:
     * {"ok":bool,"rows":N,"expected":[rows the recount has and the aggregates lack or
     * hold differently],"found":[the aggregates' side]}. Slow (reads everything). */
    int (*stats_verify)(store *s, json_t **out);
    /* Recomputes the aggregates from scratch (repairs what stats_verify found). */
    int (*stats_rebuild)(store *s);
    /* Marks messages whose deadline passed unanswered by now ("YYYY-MM-DDTHH:MM:SSZ") as overdue. */
    int (*overdue_sweep)(store *s, const char *now, int64_t *marked);

    /* ---- the officials' lifecycle (core/lifecycle.h; sqlite_life.c) ---- */
    /* One transition, checked against the lifecycle table inside its
     * transaction and audited (who, when, from, to, reason).
     * STORE_NOT_FOUND: no message; STORE_CONFLICT: its state does not allow
     * the action (from, 16 bytes, gets the state). */
    int (*msg_act)(store *s, const store_act *a, char *from);
    /* A handler's request for `days` more working days; STORE_CONFLICT when
     * the message is not open or a request is already pending. */
    int (*extension_add)(store *s, int64_t msg_id, int64_t user_id, int days, str reason, int64_t *id);
    /* {"id","message_id","department_id","days","reason","status","requested_by","created_at",...} */
    int (*extension_get)(store *s, int64_t id, json_t **out);
    /* Approval moves the message's deadline by the days (working days);
     * STORE_CONFLICT when already decided or the message is no longer open. */
    int (*extension_decide)(store *s, int64_t id, int64_t user_id, bool approve, str reason);
    /* A message's requests (msg_id > 0), or the pending ones of a department (msg_id 0; dept 0 = all). */
    int (*extension_list)(store *s, int64_t msg_id, int64_t dept_id, json_t **out);
    /* A message's urgings, newest first. */
    int (*urge_list)(store *s, int64_t msg_id, json_t **out);
    /* The citizen's one follow-up question (追问) on a replied message:
     * reopens it. STORE_CONFLICT when not replied or already asked. */
    int (*followup_add)(store *s, int64_t msg_id, str body);
    int (*followup_get)(store *s, int64_t msg_id, json_t **out);      /* STORE_NOT_FOUND when none */
    /* A reply waiting for the head's approval (the department's setting). */
    int (*reply_pending)(store *s, int64_t msg_id, int64_t user_id, int64_t dept_id, str body, int64_t *id);
    /* {"id","message_id","department_id","status","body","created_at","edited_at","author"} */
    int (*reply_get)(store *s, int64_t id, json_t **out);
    /* Approve (publish: the message becomes replied) or refuse a pending reply;
     * STORE_CONFLICT when it is not pending or the message is closed. */
    int (*reply_decide)(store *s, int64_t id, int64_t user_id, bool approve, str reason);
    /* Corrects a published reply; the audit trail keeps the earlier text. */
    int (*reply_correct)(store *s, int64_t id, int64_t user_id, str body, str reason);
    /* Pending replies of a department (0 = all), oldest first. */
    int (*replies_pending)(store *s, int64_t dept_id, json_t **out);
    int (*dept_set_approval)(store *s, int64_t dept_id, bool on);
    /* The holiday calendar: kind "holiday" | "workday" (make-up day) | NULL (remove); day "YYYY-MM-DD". */
    int (*calendar_set)(store *s, const char *day, const char *kind);
    int (*calendar_list)(store *s, json_t **out);
    /* Working days left until due_at (negative once past), counted with the calendar. */
    int (*due_view)(store *s, const char *due_at, int *days_left);

    /* ---- the writing desk (sqlite_desk.c) ---- */
    /* Reply templates: dept 0 = everyone's. STORE_CONFLICT: the name is taken there. */
    int (*template_add)(store *s, int64_t dept_id, str name, str body, int64_t *id);
    /* [{"id","department_id","department","name","body"}]: dept's and everyone's (dept < 0: all). */
    int (*template_list)(store *s, int64_t dept_id, json_t **out);
    int (*template_get)(store *s, int64_t id, json_t **out);
    int (*template_del)(store *s, int64_t id);
    /* Internal notes on a message (never public): [{"id","body","author","created_at"}]. */
    int (*note_add)(store *s, int64_t msg_id, int64_t user_id, str body, int64_t *id);
    int (*note_list)(store *s, int64_t msg_id, json_t **out);
    /* One draft per official and message; body {NULL,0} removes it. get: STORE_NOT_FOUND when none. */
    int (*draft_set)(store *s, int64_t msg_id, int64_t user_id, str body);
    int (*draft_get)(store *s, int64_t msg_id, int64_t user_id, json_t **out);
    /* ---- messages in public ---- */
    /* -> {"messages":[{"id","title","body","type","region","state","department","created_at",
     * "last_reply_at","reply","group_size","supports","rating"}],"next":CURSOR|null}, text unmasked
     * (the caller masks). STORE_INVALID when q->after is not a cursor of this sort. */
    int (*public_list)(store *s, const store_public_query *q, json_t **out);
    /* Fills m (as msg_get) only when the message is listed publicly; STORE_NOT_FOUND otherwise. */
    int (*public_get)(store *s, int64_t id, store_msg *m, int64_t *supports);
    /* One support per visitor (a hash of the visitor's cookie): STORE_CONFLICT when this
     * visitor already supported it, STORE_NOT_FOUND when not public. *supports = the new count. */
    int (*support_add)(store *s, int64_t id, const char *visitor, int64_t *supports);
    /* Full-text candidates for the public search: publicly listed messages
     * whose title or body, or one of whose published replies, matches q (as
     * search reads it), the newest `cap` (<= 1000) matching documents of each
     * kind, one entry per message (store_pub_cand). Text is unmasked: the
     * caller masks it and checks the match again on what it shows; clear
     * out with store_pub_found_clear. STORE_INVALID when q has nothing
     * searchable. */
    int (*public_search)(store *s, str q, int cap, store_pub_found *out);

    /* ---- consultations on a draft, and their feedback report ---- */
    int (*consultation_update)(store *s, int64_t id, const store_consultation_edit *e);   /* NOT_FOUND */
    /* [{"no","title","text","comment_count"}] in order; comment counts leave out rejected messages. */
    int (*consultation_sections)(store *s, int64_t id, json_t **out);
    /* 采纳 decision on a message (decision "adopted" | "partial" | "not_adopted"); with whole_group
     * it stands for the message's near-duplicate group (recorded on the group's first message).
     * STORE_INVALID when the message is not in this consultation; audited. */
    int (*adoption_set)(store *s, int64_t consultation_id, int64_t msg_id, bool whole_group,
                        const char *decision, str reason, int64_t user_id);
    /* The feedback report: {"counts":[{"section","type","n"}],"groups":[{"group_id","size","title","body",
     * "section","decision","reason"}] (groups of at least min_group members, largest first, at most 50),
     * "decisions":[{"message_id","title","body","section","decision","reason","whole_group","group_size"}],
     * "summary","published_at"}; text unmasked (the caller masks). */
    int (*feedback)(store *s, int64_t consultation_id, int min_group, json_t **out);
    int (*feedback_publish)(store *s, int64_t consultation_id, str summary, int64_t user_id);

    /* ---- notices (通知公告) ---- */
    int (*notice_add)(store *s, str title, str body, int64_t user_id, int64_t *id);
    /* The newest `limit` notices not withdrawn: [{"id","title","body","created_at"}]. */
    int (*notice_list)(store *s, int limit, json_t **out);
    int (*notice_hide)(store *s, int64_t id, int64_t user_id);    /* STORE_NOT_FOUND; audited */

    /* ---- leaders' posts (领导发帖) and their comments ---- */
    int (*post_add)(store *s, str title, str body, int64_t user_id, int64_t *id);
    /* {"id","title","body","author","views","created_at","has_image","comment_count"}; NOT_FOUND. */
    int (*post_get)(store *s, int64_t id, json_t **out);
    int (*post_list)(store *s, int limit, json_t **out);              /* newest first, without bodies */
    int (*post_views_add)(store *s, int64_t id, int64_t n);           /* adds n views */
    int (*post_image_set)(store *s, int64_t id, const char *type, const void *data, size_t n);   /* NOT_FOUND */
    /* The image (malloc'd; caller frees) and its type (32 bytes); NOT_FOUND when none. */
    int (*post_image_get)(store *s, int64_t id, char *type, void **data, size_t *n);
    /* A comment screened by the caller: hold keeps it for a moderator (hold_reason JSON). */
    int (*comment_add)(store *s, int64_t post_id, str body, str author_ip, bool hold, json_t *hold_reason,
                       double spam, int64_t *id);
    /* Shown comments (not held or rejected) after id `after`, oldest first: [{"id","body","created_at"}]. */
    int (*comment_list)(store *s, int64_t post_id, int64_t after, int limit, json_t **out);
    /* Held comments, oldest first: [{"id","post_id","post_title","body","hold_reason","created_at"}]. */
    int (*comment_queue)(store *s, int limit, json_t **out);
    /* decision "approve" | "reject" (reason) | "spam"; *shown gets the approved comment
     * {"id","post_id","body","created_at"} (NULL otherwise). NOT_FOUND unless held. Audited. */
    int (*comment_moderate)(store *s, int64_t id, int64_t user_id, const char *decision, str reason, json_t **shown);

    /* ---- live sessions (在线访谈) ---- */
    int (*live_add)(store *s, str title, str description, const char *starts_at, str video_url, int64_t user_id, int64_t *id);
    /* {"id","title","description","starts_at","video_url","status","created_at","questions":[{"id","body",
     * "votes","state","answer","answered_at","created_at"}]} (shown questions: not held or rejected);
     * STORE_NOT_FOUND. */
    int (*live_get)(store *s, int64_t id, json_t **out);
    int (*live_list)(store *s, json_t **out);                              /* newest first, no questions */
    int (*live_set_status)(store *s, int64_t id, const char *status, int64_t user_id);   /* NOT_FOUND */
    /* A screened question; STORE_CONFLICT when the session has ended, NOT_FOUND when there is none. */
    int (*question_add)(store *s, int64_t session_id, str body, str author_ip, bool hold, json_t *hold_reason, int64_t *id);
    /* One vote per visitor: STORE_CONFLICT when voted, NOT_FOUND unless shown. *votes = the new count,
     * *session_id = the question's session. */
    int (*question_vote)(store *s, int64_t id, const char *visitor, int64_t *votes, int64_t *session_id);
    /* The moderator's pick: the question becomes the current one (the previous current one goes back
     * to waiting unless answered). *q gets {"id","session_id","body","votes"}. NOT_FOUND unless shown and unanswered. */
    int (*question_pick)(store *s, int64_t id, int64_t user_id, json_t **q);
    /* An official's answer; *q gets {"id","session_id","body","answer","answered_at"}. NOT_FOUND unless shown. */
    int (*question_answer)(store *s, int64_t id, str answer, int64_t user_id, json_t **q);
    /* Held questions: [{"id","session_id","body","hold_reason","created_at"}]. */
    int (*question_queue)(store *s, json_t **out);
    /* approve | reject | spam; *shown = the approved question {"id","session_id","body","votes","state"}. */
    int (*question_moderate)(store *s, int64_t id, int64_t user_id, const char *decision, str reason, json_t **shown);

    int (*msg_each)(store *s, int64_t consultation_id,
                    int (*cb)(void *ud, const store_msg *m, const char *reply, const char *replied_at), void *ud);

    /* Figures for /metrics, read from indexes (cost grows with the counts,
     * not with the table): messages not analyzed yet, held for moderation,
     * and published but unanswered past their deadline. */
    int (*gauges)(store *s, store_gauges *out);
    /* ---- administration (sqlite_staff.c): nothing is deleted but rules ---- */
    /* name {NULL,0} = unchanged; disabled -1 = unchanged, 0/1. NOT_FOUND; CONFLICT when the name is taken.
     * A disabled department keeps its messages and accounts; its routing keywords stop applying. */
    int (*dept_update)(store *s, int64_t id, str name, int disabled);
    /* role NULL = unchanged; dept_id -1 = unchanged, 0 = none; disabled -1 = unchanged. Disabling
     * ends the account's sessions. NOT_FOUND; INVALID for an unknown department. */
    int (*user_update)(store *s, int64_t id, const char *role, int64_t dept_id, int disabled);
    /* A new password hash by id; ends the account's sessions. NOT_FOUND. */
    int (*user_reset_password)(store *s, int64_t id, const char *password_hash);
    int (*rule_del)(store *s, int64_t id);                     /* NOT_FOUND */
    /* {"events":[{"id","at","actor","kind","message_id","detail"}],"next":CURSOR|null}; INVALID for a bad
     * cursor or date (store_errmsg). Indexed on every filter: a page costs its rows, not the log's size. */
    int (*audit_list)(store *s, const store_audit_query *q, json_t **out);
    int (*audit_kinds)(store *s, json_t **out);                /* the distinct event kinds */
    /* Each department's day (dept_id 0: every enabled department plus the unrouted queue, id 0):
     * {"date","from","to","as_of","departments":[{"id","name","new","overdue","due_soon","urged",
     * "urged_today","pending_replies","pending_extensions"}]}. new counts the day (China time) by
     * arrival; the others are open messages as of the end of the day (or now, for today).
     * INVALID for a bad date, NOT_FOUND for an unknown department. Counts over indexes only. */
    int (*digest)(store *s, int64_t dept_id, const char *day, json_t **out);

    /* ---- operations on the whole database ---- */
    /* A consistent copy of the database as of the call, written to the file
     * path while other connections keep reading and writing (SQLite: the
     * online backup API; PostgreSQL: pg_dump to path). path is replaced only
     * once the copy is complete. */
    int (*backup)(store *s, const char *path);
    /* Replaces the database at path (a backend path, as given to open) with
     * the backup file from, after verifying it (engine integrity check, a
     * known schema version, the invariants of check). Refuses, with
     * STORE_CONFLICT, to overwrite an existing database unless force;
     * STORE_INVALID when the backup is unsound. Message in err. Needs no
     * open handle: the caller opens path afterwards (which migrates it). */
    int (*restore)(const char *path, const char *from, bool force, char *err, size_t errlen);
    /* The engine's integrity check plus minyi's invariants (every reply's and
     * rating's message exists, every group's first message exists and its
     * size matches a recount, consultation counts match a recount, ...):
     * {"ok":bool,"messages":N,"checks":[{"name","what","violations"}],"problems":["..."]}. */
    int (*check)(store *s, json_t **out);

    /* Reply quality. The scorer (NULL = none) runs whenever a reply is
     * published (added, approved, corrected; `minyi import` sets none): its result is
     * written in the same transaction and summed per department. */
    void (*reply_scorer_set)(store *s, store_reply_scorer fn, void *ud);
    /* Per department, from the sums (no scan of the replies): [{"department_id",
     * "department","replies","score","relevance","completeness","boilerplate",
     * "timeliness" (mean of the replies with known times, null when none)}],
     * most replies first; department_id 0 = replies without a department. */
    int (*reply_quality_depts)(store *s, json_t **out);
    /* The newest published replies' texts (at most limit), newest first, for
     * learning templates at start. cb returns non-zero to stop. */
    int (*reply_bodies)(store *s, int limit, int (*cb)(void *ud, const char *body), void *ud);
} store_ops;

/* Every backend's handle starts with this. */
struct store { const store_ops *ops; };

extern const store_ops store_sqlite;

/* Opens "sqlite:PATH[?sync=full|normal]" (a bare path means sqlite), creating
 * the database and applying schema migrations. */
int  store_open(const char *uri, store **out, char *err, size_t errlen);
/* Before the first store_open: read the database through a memory map (up
 * to 2 GB: SQLite's limit here) instead of a read() and a copy per page.
 * For the server, whose reads dominate (a broad search reads a thousand
 * rows); bulk commands leave it off, so their peak RSS is their own memory
 * rather than the pages of the file they touched. */
void store_map_reads(void);
static inline void store_close(store *s) { if (s) s->ops->close(s); }
static inline const char *store_errmsg(store *s) { return s->ops->errmsg(s); }
/* Restores the database of uri from a backup file (see store_ops.restore). */
int  store_restore(const char *uri, const char *from, bool force, char *err, size_t errlen);

#endif
