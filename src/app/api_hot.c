/* api_hot.c: live hot issues and trending words (app/hotlive.h), read from
 * the analyzer's memory on every request: no cache, no store scan. The
 * campaigns and keyword counts of GET /api/v1/hot stay in api_work.c. */
#include "app/api_int.h"
#include "app/analyzer.h"
#include "app/hotlive.h"
#include "text/pii.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool window(http_req *r, const char *name, long dflt, long max, long *out) {
    const char *d = http_query(r, name);
    *out = dflt;
    if (!d) return true;
    char *end;
    *out = strtol(d, &end, 10);
    if (*end || !*d || *out < 1 || *out > max) {
        http_error(r, 422, "invalid", name, "%s must be a whole number from 1 to %ld", name, max);
        return false;
    }
    return true;
}

json_t *api_hot_issues(api_ctx *c, long days, long top) {
    hotlive *h = analyzer_hot(c->an);
    return h ? hotlive_issues(h, (int64_t)time(NULL), (int)days, (int)top) : json_array();
}

/* GET /api/v1/trends?days=1|7: words rising fastest in the last day or week. */
void api_get_trends(api_ctx *c, http_req *r) {
    long days, top;
    if (!window(r, "days", 1, 7, &days) || !window(r, "limit", 20, 50, &top)) return;
    hotlive *h = analyzer_hot(c->an);
    json_t *w = h ? hotlive_trends(h, (int64_t)time(NULL), (int)days, (int)top) : json_array();
    http_json(r, 200, json_pack("{s:I,s:o}", "days", (json_int_t)days, "words", w));
}

/* GET /api/v1/hot/{issue}/messages: the messages of a hot issue, newest
 * first, public like the issue itself (titles masked). */
void api_get_hot_messages(api_ctx *c, http_req *r, const char *arg) {
    int64_t id;
    hotlive *h = analyzer_hot(c->an);
    if (!api_parse_id(arg, &id) || id > UINT32_MAX || !h) return http_error(r, 404, "not_found", NULL, "no hot issue '%.40s'", arg);
    long limit;
    if (!window(r, "limit", 50, 200, &limit)) return;
    int64_t ids[200];
    long n = hotlive_members(h, (uint32_t)(id - 1), ids, (size_t)limit);
    if (n < 0) return http_error(r, 404, "not_found", NULL, "no hot issue %lld", (long long)id);
    json_t *a = json_array();
    for (long i = 0; i < n && i < limit; i++) {
        store_msg m;
        int rc = OPS->msg_get(ST, ids[i], &m);
        if (rc == STORE_NOT_FOUND) continue;
        if (rc) { json_decref(a); return api_store_failed(r, ST); }
        if (strcmp(m.moderation, "held") && strcmp(m.moderation, "rejected")) {
            buf b = {0};
            const char *t = m.title ? m.title : "";
            if (pii_mask(t, strlen(t), PII_ALL, &b) == 0)
                json_array_append_new(a, json_pack("{s:I,s:s%,s:s,s:s}", "id", (json_int_t)m.id, "title", b.p ? b.p : "", b.n,
                                                   "created_at", m.created_at, "state", m.state));
            buf_free(&b);
        }
        store_msg_clear(&m);
    }
    http_json(r, 200, json_pack("{s:I,s:I,s:o}", "issue_id", (json_int_t)id, "size", (json_int_t)n, "messages", a));
}
