/* api_public.c: messages and replies in public (留言公开): the public list
 * with filters and keyset pages, one message by its public id, and the
 * support button. Only published messages that are analyzed and not held
 * or rejected are ever shown (the store enforces it); every text a citizen
 * or an official wrote is masked here (pii.h) before it leaves the server.
 * The tracking code and the phone number stay out of every public answer:
 * the code is the citizen's secret for rating and following up. */
#include "app/api_int.h"
#include "app/analyzer.h"
#include "app/hotlive.h"
#include "app/auth.h"
#include "text/pii.h"
#include "text/utf8.h"
#include "store/fts.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXCERPT_CHARS 80
#define VISITOR_COOKIE "minyi_visitor"
#define VISITOR_SECONDS (365 * 24 * 3600)

/* Masks the JSON string member `key` of o in place; with max_chars > 0 also
 * cuts it to that many characters (after masking, so a number cut in two
 * cannot escape the masker) and marks the cut with an ellipsis. */
void api_mask_field(json_t *o, const char *key, size_t max_chars) {
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v)) return;
    buf b = {0};
    if (pii_mask(json_string_value(v), json_string_length(v), PII_ALL, &b)) {
        buf_free(&b);
        json_object_set_new(o, key, json_string(""));
        return;
    }
    size_t n = b.n;
    bool cut = false;
    if (max_chars) {
        size_t chars = 0, i = 0;
        uint32_t cp;
        while (i < b.n && chars < max_chars) { i += (size_t)utf8_decode(b.p + i, b.n - i, &cp); chars++; }
        if (i < b.n) { n = i; cut = true; }
    }
    json_t *s = json_stringn(b.p ? b.p : "", n);
    if (cut) {
        char *t = malloc(n + 4);
        if (t) {
            memcpy(t, b.p, n); memcpy(t + n, "…", 3); t[n + 3] = 0;
            json_decref(s);
            s = json_stringn(t, n + 3);
            free(t);
        }
    }
    json_object_set_new(o, key, s);
    buf_free(&b);
}

/* GET /api/v1/public/messages?consultation=&department=&type=&region=&state=&from=&to=&sort=&after=&limit= */
void api_get_public_messages(api_ctx *c, http_req *r) {
    store_public_query q = { 0 };
    const char *v;
    if ((v = http_query(r, "consultation")) && *v && !api_parse_id(v, &q.consultation_id))
        return http_error(r, 422, "invalid", "consultation", "consultation must be a consultation id");
    if ((v = http_query(r, "department")) && *v && !api_parse_id(v, &q.department_id))
        return http_error(r, 422, "invalid", "department", "department must be a department id");
    if ((v = http_query(r, "type")) && *v) {
        bool known = false;
        for (size_t i = 0; i < 5; i++) known |= !strcmp(v, valid_msg_types[i]);
        if (!known) return http_error(r, 422, "invalid", "type", "type must be one of 建议 咨询 投诉 求助 感谢");
        q.type = v;
    }
    if ((v = http_query(r, "region")) && *v) {
        if (strlen(v) > 200 || !utf8_valid(v, strlen(v)))
            return http_error(r, 422, "invalid", "region", "region must be UTF-8 text of at most 50 characters");
        q.region = v;
    }
    if ((v = http_query(r, "state")) && *v) {
        if (strcmp(v, "unreplied") && strcmp(v, "replied") && strcmp(v, "closed"))
            return http_error(r, 422, "invalid", "state", "state must be unreplied, replied or closed");
        q.state = v;
    }
    q.from = http_query(r, "from");
    q.to = http_query(r, "to");
    q.sort = http_query(r, "sort");
    if (q.sort && *q.sort && strcmp(q.sort, "new") && strcmp(q.sort, "replied") && strcmp(q.sort, "supported"))
        return http_error(r, 422, "invalid", "sort", "sort must be new, replied or supported");
    q.after = http_query(r, "after");
    if (q.after && strlen(q.after) > 60) return http_error(r, 422, "invalid", "after", "after is not a cursor of this list");
    v = http_query(r, "limit");
    q.limit = v ? atoi(v) : 20;
    if (q.limit <= 0 || q.limit > 100) q.limit = 20;
    json_t *o;
    int rc = OPS->public_list(ST, &q, &o);
    if (rc == STORE_INVALID)
        return http_error(r, 422, "invalid", NULL, "from/to must be dates YYYY-MM-DD and after a cursor of this sort");
    if (rc) return api_store_failed(r, ST);
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(o, "messages"), i, m) {
        api_mask_field(m, "title", 0);
        api_mask_field(m, "body", EXCERPT_CHARS);
        api_mask_field(m, "reply", EXCERPT_CHARS);
        json_object_set(m, "excerpt", json_object_get(m, "body"));
        json_object_del(m, "body");
    }
    http_add_header(r, "Cache-Control", "no-cache");
    http_json(r, 200, o);
}

/* GET /api/v1/public/messages/{id}: the message with its replies, masked. */
void api_get_public_message(api_ctx *c, http_req *r, const char *arg) {
    int64_t id, supports = 0;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no public message '%.40s'", arg);
    store_msg m;
    int rc = OPS->public_get(ST, id, &m, &supports);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no public message %lld", (long long)id);
    if (rc) return api_store_failed(r, ST);
    json_t *o = api_msg_json(c, &m, NULL);
    store_msg_clear(&m);
    json_object_del(o, "tracking_code");   /* the citizen's secret */
    json_object_del(o, "phone");
    json_object_del(o, "moderation");
    size_t i;
    json_t *rep;
    json_array_foreach(json_object_get(o, "replies"), i, rep) api_mask_field(rep, "body", 0);
    json_t *rating = json_object_get(o, "rating");
    if (json_is_object(rating)) api_mask_field(rating, "comment", 0);
    json_object_set_new(o, "id", json_integer(id));
    json_object_set_new(o, "supports", json_integer(supports));
    http_json(r, 200, o);
}

/* ---- public full-text search -------------------------------------------- */

#define PUBLIC_SEARCH_CAND 500
#define SNIPPET_CHARS 80

typedef struct { const store_pub_cand *c; const char *title, *body, *reply; char *own[3]; bool in_reply; } pub_hit;

static int hit_order(const void *a, const void *b) {
    const pub_hit *x = a, *y = b;
    if (x->c->score != y->c->score) return x->c->score < y->c->score ? -1 : 1;
    return x->c->id > y->c->id ? -1 : x->c->id < y->c->id;
}

/* s as shown in public: s itself when it holds no personal information
 * (most messages; finding is cheaper than masking), else a masked copy
 * kept in *own. NULL when out of memory. */
static const char *shown(const char *s, char **own) {
    *own = NULL;
    if (!s) return NULL;
    size_t n = strlen(s);
    if (!pii_find(s, n, PII_ALL, NULL, 0)) return s;
    buf b = {0};
    if (pii_mask(s, n, PII_ALL, &b)) { buf_free(&b); return NULL; }
    *own = b.p ? buf_detach(&b) : strdup("");
    return *own;
}

static void hit_free(pub_hit *p) {
    for (int k = 0; k < 3; k++) free(p->own[k]);
}

/* GET /api/v1/public/search?q=&limit=&offset=: publicly listed messages and
 * their published replies that match q, best first. The index holds the
 * original text, so every hit is masked and matched again on the masked
 * text (a hit only on a masked phone number is dropped, and not counted),
 * and snippets come from the masked text only: HTML-escaped, with <mark>
 * around the matches. Counting and ranking stop at the newest
 * PUBLIC_SEARCH_CAND matches (store.h public_search): half the officials'
 * window, as each is masked and matched again. */
void api_get_public_search(api_ctx *c, http_req *r) {
    const char *q = http_query(r, "q");
    if (!q || !*q) return http_error(r, 422, "missing", "q", "q (what to search for) is required");
    size_t qn = strlen(q);
    if (!utf8_valid(q, qn)) return http_error(r, 400, "invalid_utf8", "q", "q is not valid UTF-8");
    if (utf8_count(q, qn) > 200) return http_error(r, 422, "too_long", "q", "q is longer than 200 characters");
    const char *lim = http_query(r, "limit"), *off = http_query(r, "offset");
    int limit = lim ? atoi(lim) : 20, offset = off ? atoi(off) : 0;
    if (limit <= 0 || limit > 50) limit = 20;
    if (offset < 0) offset = 0;
    store_pub_found f;
    int rc = OPS->public_search(ST, (str){ q, qn }, PUBLIC_SEARCH_CAND, &f);
    if (rc == STORE_INVALID) return http_error(r, 422, "invalid", "q", "q has no letters, digits or Chinese characters to search for");
    if (rc) return api_store_failed(r, ST);
    size_t nc = f.n, n = 0;
    pub_hit *h = calloc(nc ? nc : 1, sizeof *h);
    if (!h) { store_pub_found_clear(&f); return http_error(r, 500, "internal", NULL, "out of memory"); }
    str qs = { q, qn };
    for (size_t i = 0; i < nc; i++) {
        const store_pub_cand *x = &f.c[i];
        pub_hit *p = &h[n];
        *p = (pub_hit){ .c = x };
        p->title = shown(x->title, &p->own[0]);
        p->body = shown(x->body, &p->own[1]);
        p->reply = shown(x->reply, &p->own[2]);
        if (!p->title || !p->body || (x->reply && !p->reply)) { hit_free(p); continue; }
        str msg[2] = { str_c(p->title), str_c(p->body) }, rep = str_c(p->reply);
        if (fts_matches(qs, msg, 2)) n++;
        else if (p->reply && fts_matches(qs, &rep, 1)) { p->in_reply = true; n++; }
        else hit_free(p);
    }
    qsort(h, n, sizeof *h, hit_order);
    json_int_t total = (json_int_t)n;
    if (f.approx && nc) {
        /* The share of candidates that still match once masked, over the estimate. */
        double est = (double)f.matched * (double)n / (double)nc;
        double mag = pow(10, floor(log10(est > 1 ? est : 1)) - 1);
        total = (json_int_t)(round(est / mag) * mag);
        if (total < (json_int_t)n) total = (json_int_t)n;
    }
    json_t *a = json_array();
    for (size_t i = (size_t)offset; i < n && i < (size_t)offset + (size_t)limit; i++) {
        pub_hit *p = &h[i];
        const store_pub_cand *x = p->c;
        buf snip = {0}, th = {0};
        if (fts_snippet_html(qs, str_c(p->in_reply ? p->reply : p->body), SNIPPET_CHARS, &snip)
            || fts_snippet_html(qs, str_c(p->title), 200, &th)) { buf_free(&snip); buf_free(&th); continue; }
        json_array_append_new(a, json_pack("{s:I,s:s,s:s%,s:s%,s:s,s:s,s:s,s:o,s:o,s:s}",
            "id", (json_int_t)x->id, "title", p->title, "title_html", th.p ? th.p : "", th.n,
            "snippet", snip.p ? snip.p : "", snip.n,
            "matched_in", p->in_reply ? "reply" : "message", "type", x->type, "state", x->state,
            "department", x->department ? json_string(x->department) : json_null(),
            "region", x->region ? json_string(x->region) : json_null(), "created_at", x->created_at));
        buf_free(&snip);
        buf_free(&th);
    }
    for (size_t i = 0; i < n; i++) hit_free(&h[i]);
    free(h);
    bool approx = f.approx;
    store_pub_found_clear(&f);
    http_add_header(r, "Cache-Control", "no-cache");
    http_json(r, 200, json_pack("{s:I,s:b,s:I,s:o}", "total", total, "total_approx", approx,
                                "window", (json_int_t)n, "results", a));
}

void api_visitor(api_ctx *c, http_req *r, char out[65]) {
    const char *tok = http_cookie(r, VISITOR_COOKIE);
    char fresh[AUTH_TOKEN_LEN + 1];
    bool valid = tok && strlen(tok) == AUTH_TOKEN_LEN && strspn(tok, "0123456789abcdef") == AUTH_TOKEN_LEN;
    if (!valid) {
        auth_random_token(fresh);
        tok = fresh;
        char cookie[256];
        snprintf(cookie, sizeof cookie, VISITOR_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
                 fresh, VISITOR_SECONDS, c->secure_cookies ? "; Secure" : "");
        http_add_header(r, "Set-Cookie", cookie);
    }
    auth_token_hash(tok, out);
}

/* POST /api/v1/public/messages/{id}/support: one support per visitor. A
 * visitor is a random cookie (citizens do not log in); only its hash is
 * stored. Not a vote that must resist a determined cheat (clearing cookies
 * gives a new visitor): it counts how many people care, as the 点赞 of
 * message boards does. */
void api_post_public_support(api_ctx *c, http_req *r, const char *arg) {
    int64_t id, supports = 0;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no public message '%.40s'", arg);
    json_t *body = http_body_json(r);      /* {} : a JSON body is what other sites' forms cannot send */
    if (!body) return;
    json_decref(body);
    char visitor[65];
    api_visitor(c, r, visitor);
    int rc = OPS->support_add(ST, id, visitor, &supports);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no public message %lld", (long long)id);
    if (rc == STORE_CONFLICT) return http_error(r, 409, "conflict", NULL, "you have already supported this message");
    if (rc) return api_store_failed(r, ST);
    /* Support counts towards the heat of the hot issue the message is in. */
    hotlive *h = analyzer_hot(c->an);
    if (h) hotlive_support(h, id, 1, 0);
    http_json(r, 201, json_pack("{s:I,s:b}", "supports", (json_int_t)supports, "supported", 1));
}
