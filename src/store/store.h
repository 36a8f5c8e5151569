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

typedef struct {
    int64_t id;
    char login[64];
    char role[16];           /* admin | handler | moderator | leader */
    int64_t department_id;   /* 0 = none */
    char department[128];
    char password_hash[160]; /* argon2id string (crypto_pwhash_STRBYTES = 128) */
} store_user;

/* A message as stored (all text unmasked; masking is the caller's job). */
typedef struct {
    int64_t id, consultation_id, department_id;  /* department_id 0 = not routed */
    char tracking_code[20];
    char type[16], state[16], created_at[32];
    char *title, *body, *region, *phone, *department;   /* owned; store_msg_clear() */
} store_msg;
void store_msg_clear(store_msg *m);

typedef struct {
    int64_t consultation_id;
    str title, body, type, region, phone;
    str author_ip;
    int64_t department_id;   /* routing result; 0 = triage */
} store_new_msg;

typedef struct {
    const char *state;       /* NULL = any */
    int64_t department_id;   /* 0 = every department (admin view) */
    int limit, offset;
} store_inbox_query;

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

    int (*session_add)(store *s, const char *token_hash, int64_t user_id, const char *csrf, int64_t expires);
    /* Finds a live session; fills u and csrf (65 bytes). */
    int (*session_get)(store *s, const char *token_hash, int64_t now, store_user *u, char *csrf);
    int (*session_del)(store *s, const char *token_hash);

    int (*consultation_add)(store *s, str title, str description, str kind, int64_t *id);
    int (*consultation_get)(store *s, int64_t id, json_t **out);
    int (*consultation_list)(store *s, json_t **out);

    /* Adds a message durably; fills id and tracking code (caller's 20 bytes). */
    int (*msg_add)(store *s, const store_new_msg *m, int64_t *id, char *tracking_code);
    int (*msg_get)(store *s, int64_t id, store_msg *m);
    int (*msg_get_code)(store *s, str tracking_code, store_msg *m);
    int (*msg_replies)(store *s, int64_t msg_id, json_t **out);
    int (*inbox)(store *s, const store_inbox_query *q, json_t **out);

    int (*reply_add)(store *s, int64_t msg_id, int64_t user_id, int64_t dept_id, str body, int64_t *id);

    /* Keyword routing rules: [{"keyword":..,"department_id":..,"department":..}] in priority order. */
    int (*rule_add)(store *s, str keyword, int64_t dept_id);
    int (*rule_list)(store *s, json_t **out);

    /* Audit trail; detail is a JSON object or NULL. */
    int (*event_add)(store *s, int64_t actor_id, const char *kind, int64_t msg_id, json_t *detail);
    int (*event_list)(store *s, int64_t msg_id, json_t **out);
} store_ops;

/* Every backend's handle starts with this. */
struct store { const store_ops *ops; };

extern const store_ops store_sqlite;

/* Opens "sqlite:PATH[?sync=full|normal]" (a bare path means sqlite), creating
 * the database and applying schema migrations. */
int  store_open(const char *uri, store **out, char *err, size_t errlen);
static inline void store_close(store *s) { if (s) s->ops->close(s); }
static inline const char *store_errmsg(store *s) { return s->ops->errmsg(s); }

#endif
