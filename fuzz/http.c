/* fuzz/http.c: libFuzzer target for request handling without sockets: the
 * router and every API handler, with their JSON body validation, on a real
 * SQLite store in /dev/shm. The input is a request as text:
 *   METHOD TARGET\n  (Name: value\n)*  \n  BODY
 * A cookie value "@S" becomes an admin's session and an X-CSRF-Token "@C"
 * its token, so official endpoints are reached past the login check.
 * Invariants: a status in 100..599; JSON answers parse, and errors carry a
 * code; no answer mentions SQLite unless the request did. */
#include "app/api.h"
#include "app/auth.h"
#include "http/json.h"
#include "http/ratelimit.h"
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static api_ctx C;
static char token[AUTH_TOKEN_LEN + 1], csrf[AUTH_TOKEN_LEN + 1];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc; (void)argv;
    char path[128], uri[160], err[512];
    snprintf(path, sizeof path, "/dev/shm/minyi-fuzz-http-%d.db", (int)getpid());
    unlink(path);
    snprintf(uri, sizeof uri, "sqlite:%s?sync=normal", path);
    store *st;
    if (auth_init() || store_open(uri, &st, err, sizeof err)) { fprintf(stderr, "fuzz/http: %s\n", err); abort(); }
    int64_t dept, cons, uid;
    char hash[160];
    if (st->ops->dept_add(st, str_c("交通运输局"), &dept) || st->ops->consultation_add(st, str_c("留言板"), str_c(""), str_c("board"), &cons)
        || auth_hash_password("fuzz-password", 13, hash) || st->ops->user_add(st, str_c("root"), hash, "admin", 0, &uid)
        || auth_session_new(st, uid, token, csrf)) { fprintf(stderr, "fuzz/http: setup failed\n"); abort(); }
    C = (api_ctx){ .st = st, .login_ip = ratelimit_new(64, 900, 10), .login_name = ratelimit_new(64, 900, 20),
                   .submit = ratelimit_new(64, 60, 1000000) };
    return 0;
}

#define MAXKV 64

static bool mentions_sqlite(const char *s, size_t n) {
    for (size_t i = 0; i + 6 <= n; i++) if (!strncasecmp(s + i, "sqlite", 6)) return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *in = malloc(size + 1);
    if (!in) return 0;
    memcpy(in, data, size);
    in[size] = 0;
    /* request line */
    char *p = in, *end = in + size;
    char *nl = memchr(p, '\n', (size_t)(end - p));
    char *line_end = nl ? nl : end;
    *line_end = 0;
    char *sp = strchr(p, ' ');
    const char *method = p, *target = "/";
    if (sp) { *sp = 0; target = sp + 1; }
    char *path = strdup(target), *query = strchr(path, '?');
    if (query) *query++ = 0;
    const char *kv[2 * MAXKV + 1];
    size_t nkv = 0;
    /* query arguments */
    for (char *save = NULL, *a = query ? strtok_r(query, "&", &save) : NULL; a && nkv < 2 * MAXKV - 2; a = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(a, '=');
        if (eq) *eq = 0;
        static __thread char keys[MAXKV][80];
        snprintf(keys[nkv / 2], sizeof keys[0], "q:%s", a);
        kv[nkv] = keys[nkv / 2];
        kv[nkv + 1] = eq ? eq + 1 : "";
        nkv += 2;
    }
    /* headers until an empty line */
    p = nl ? nl + 1 : end;
    while (p < end) {
        nl = memchr(p, '\n', (size_t)(end - p));
        line_end = nl ? nl : end;
        *line_end = 0;
        if (line_end > p && line_end[-1] == '\r') line_end[-1] = 0;
        if (!*p) { p = nl ? nl + 1 : end; break; }
        char *colon = strchr(p, ':');
        if (colon && nkv < 2 * MAXKV - 4) {
            *colon = 0;
            char *v = colon + 1;
            while (*v == ' ') v++;
            static __thread char hkeys[MAXKV][80];
            if (!strcasecmp(p, "X-CSRF-Token") && !strcmp(v, "@C")) v = csrf;
            if (!strcasecmp(p, "Cookie")) {
                kv[nkv++] = "c:minyi_session";
                kv[nkv++] = !strcmp(v, "minyi_session=@S") ? token : (strncmp(v, "minyi_session=", 14) ? "" : v + 14);
            }
            snprintf(hkeys[nkv / 2], sizeof hkeys[0], "h:%s", p);
            kv[nkv] = hkeys[nkv / 2];
            kv[nkv + 1] = v;
            nkv += 2;
        }
        p = nl ? nl + 1 : end;
    }
    kv[nkv] = NULL;
    http_req r = { .method = method, .path = path, .body = { p, (size_t)(end - p) }, .kv = kv, .status = 200 };
    snprintf(r.ip, sizeof r.ip, "192.0.2.1");
    api_handle(&r, &C);
    /* A valid message is answered once its commit is durable, through a
     * parked connection this harness does not have: not started here. */
    if (r.defer) { api_defer_drop(&r); r.status = 201; }
    if (r.status < 100 || r.status > 599) abort();
    if (r.content_type && !strncmp(r.content_type, "application/json", 16)) {
        json_error_t e;
        json_t *j = json_loadb(r.out.p ? r.out.p : "", r.out.n, 0, &e);
        if (!j) abort();
        if (r.status >= 400 && !json_is_string(json_object_get(json_object_get(j, "error"), "code"))) abort();
        json_decref(j);
    }
    /* The database's own words must not reach a client, unless the client
     * wrote them itself (a 404 quotes the path it asked for). */
    if (r.out.n && mentions_sqlite((const char *)data, size) == false && mentions_sqlite(r.out.p, r.out.n)) abort();
    buf_free(&r.out);
    free(path);
    free(in);
    return 0;
}
