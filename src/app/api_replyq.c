/* api_replyq.c: reply quality for officials (app/replylive.h,
 * docs/reply-quality.md): the hint beside the reply form while a handler
 * types (never a block: nothing is stored, the reply is sent as written),
 * and the per-department figures of the dashboard, read from the sums the
 * store keeps as replies are published. */
#include "app/api_int.h"
#include "app/replylive.h"
#include <stdlib.h>
#include <string.h>

/* POST /api/v1/reply-quality {"message_id","body"} -> the score and its parts. */
void api_post_reply_quality(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, true)) return;
    json_t *j = http_body_json(r);
    if (!j) return;
    int64_t id;
    str body;
    valid_err e;
    if (valid_id(j, "message_id", &id, &e) || valid_text(j, "body", true, 10000, &body, &e)) { api_invalid(r, &e); json_decref(j); return; }
    if (!c->rq) { json_decref(j); return http_error(r, 503, "unavailable", NULL, "reply quality needs the segmentation dictionary"); }
    store_msg m;
    int rc = OPS->msg_get(ST, id, &m);
    if (rc == STORE_NOT_FOUND) { json_decref(j); return http_error(r, 404, "not_found", NULL, "no message %lld", (long long)id); }
    if (rc) { json_decref(j); return api_store_failed(r, ST); }
    if (!api_may_read(&w, m.department_id)) {
        store_msg_clear(&m); json_decref(j);
        return http_error(r, 403, "forbidden", NULL, "not a message of your department");
    }
    char *text = strndup(body.p, body.n);
    replyq_result q;
    rc = text ? replylive_score(c->rq, &m, text, NULL, &q) : -1;
    free(text);
    store_msg_clear(&m);
    json_decref(j);
    if (rc) return http_error(r, 500, "internal", NULL, "out of memory");
    http_json(r, 200, replylive_json(&q));
}

/* GET /api/v1/reply-quality/departments: each department's published replies
 * and their mean score and parts (a row per department; no scan). */
void api_get_reply_quality_depts(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, false)) return;
    json_t *a;
    if (OPS->reply_quality_depts(ST, &a)) return api_store_failed(r, ST);
    http_json(r, 200, json_pack("{s:o}", "departments", a));
}
