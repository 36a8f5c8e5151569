/* api.h: the JSON API and page serving of `minyi serve` (docs/api.md). */
#ifndef MINYI_API_H
#define MINYI_API_H
#include "http/server.h"
#include "store/store.h"
#include "app/analyzer.h"
#include "app/secret.h"

/* Unknown tracking codes an address may look up in 15 minutes (api_code_allowed). */
#define API_CODE_MISSES 100

typedef struct {
    store *st;
    analyzer *an;             /* background analyzer; NULL in tests without one */
    const seg_dict *dict;     /* for search and model checks; may be NULL */
    const char *web_root;     /* static files; NULL = API only */
    const char *vendor_echarts;   /* node_modules/echarts/dist, served under /vendor/echarts/ */
    bool secure_cookies;      /* add "Secure" to the session cookie (behind HTTPS) */
    struct ratelimit *login_ip, *login_name;   /* failed logins per client IP and per login name */
    struct ratelimit *code_ip;    /* unknown tracking codes per client IP; NULL = no limit */
    const secret_key *key;    /* seals officials' phone numbers; NULL: phones can be neither set nor shown */
    struct ratelimit *submit;     /* messages per client address; NULL = no limit */
    const proxy_cidr *metrics_allow;   /* besides loopback and admins, who may read /metrics */
    size_t nmetrics_allow;
    struct sse_hub *live;     /* live updates of posts and live sessions (http/sse.h) */
    struct screen *screen;    /* comments and questions screened as they come (app/screen.h) */
    struct replylive *rq;     /* reply quality (app/replylive.h); NULL without a dictionary */
    struct background *bg;    /* long writes in steps (app/background.h); NULL: a whole-group
                                 reply does every step in its request */
} api_ctx;

/* The http_handler for the server: ud is an api_ctx. */
void api_handle(http_req *r, void *ud);
/* Drops a deferred answer api_handle left in r (r->defer) without starting
 * it, freeing what it holds: for a caller that cannot park a connection
 * (the HTTP fuzz target, which drives api_handle without a server). */
void api_defer_drop(http_req *r);

#endif
