/* api_live.c: live sessions (在线访谈). Officials schedule a session (with an
 * optional video player pointing at an existing streaming server: minyi
 * carries no video); citizens ask questions before and during it (screened
 * like comments, app/screen.h) and vote for others' (one vote per visitor);
 * a moderator picks the next question; officials answer in text. The page
 * follows along through Server-Sent Events on channel "live:ID": "question"
 * (a new shown question), "vote" {"id","votes"}, "current" (the picked
 * question), "answer" {"id","body","answer","answered_at"}, "status". When
 * the session has ended its answered questions stay as the transcript. */
#include "app/api_int.h"
#include "app/screen.h"
#include "http/sse.h"
#include "text/pii.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_role(const who *w, const char *a, const char *b) { return !strcmp(w->u.role, a) || (b && !strcmp(w->u.role, b)); }

/* Publishes o (masked) as event on the session's channel. */
static void publish(api_ctx *c, int64_t session, const char *event, json_t *o) {
    if (!c->live) return;
    api_mask_field(o, "body", 0);
    char ch[32];
    snprintf(ch, sizeof ch, "live:%lld", (long long)session);
    char *data = json_dumps(o, JSON_COMPACT);
    if (data) sse_publish(c->live, ch, event, data);
    free(data);
}

/* POST /api/v1/live {"title","description","starts_at","video_url"} (leaders, admins) */
void api_post_live(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, true)) return;
    if (!is_role(&w, "leader", "admin")) return http_error(r, 403, "forbidden", NULL, "live sessions are scheduled by leaders and admins");
    json_t *j = http_body_json(r);
    if (!j) return;
    str title, desc, starts, video;
    valid_err e;
    if (valid_text(j, "title", true, 100, &title, &e) || valid_text(j, "description", false, 5000, &desc, &e)
        || valid_text(j, "starts_at", false, 30, &starts, &e) || valid_text(j, "video_url", false, 500, &video, &e)) {
        api_invalid(r, &e); json_decref(j); return;
    }
    /* The player may only point at a web stream: no javascript: or data: URLs. */
    if (video.p && !(video.n > 8 && !strncmp(video.p, "https://", 8)) && !(video.n > 7 && !strncmp(video.p, "http://", 7))) {
        json_decref(j); return http_error(r, 422, "invalid", "video_url", "video_url must be an http(s) URL of the streaming server");
    }
    char when[32] = "";
    if (starts.p) {
        int y, mo, d, h, mi, sec, n = 0;
        if (starts.n != 20 || sscanf(starts.p, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 20) {
            json_decref(j); return http_error(r, 422, "invalid", "starts_at", "starts_at must be a UTC time like 2026-12-01T08:00:00Z");
        }
        memcpy(when, starts.p, 20);
        when[20] = 0;
    }
    int64_t id = 0;
    int rc = OPS->live_add(ST, title, desc, when[0] ? when : NULL, video, w.u.id, &id);
    json_decref(j);
    if (rc) return api_store_failed(r, ST);
    http_json(r, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

void api_get_lives(api_ctx *c, http_req *r) {
    json_t *a;
    if (OPS->live_list(ST, &a)) return api_store_failed(r, ST);
    http_json(r, 200, json_pack("{s:o}", "sessions", a));
}

void api_get_live(api_ctx *c, http_req *r, const char *arg) {
    int64_t id;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no live session '%.40s'", arg);
    json_t *o;
    int rc = OPS->live_get(ST, id, &o);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no live session %lld", (long long)id);
    if (rc) return api_store_failed(r, ST);
    size_t i;
    json_t *q;
    json_array_foreach(json_object_get(o, "questions"), i, q) { api_mask_field(q, "body", 0); api_mask_field(q, "answer", 0); }
    http_json(r, 200, o);
}

/* PUT /api/v1/live/{id} {"status":"live"|"ended"|"scheduled"} (leaders, admins, moderators) */
void api_put_live(api_ctx *c, http_req *r, const char *arg) {
    who w;
    if (!api_require_login(c, r, &w, true)) return;
    if (!is_role(&w, "leader", "admin") && !is_role(&w, "moderator", NULL))
        return http_error(r, 403, "forbidden", NULL, "a session is started and ended by leaders, admins and moderators");
    int64_t id;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no live session '%.40s'", arg);
    json_t *j = http_body_json(r);
    if (!j) return;
    str st;
    valid_err e;
    if (valid_text(j, "status", true, 12, &st, &e)) { api_invalid(r, &e); json_decref(j); return; }
    const char *s = str_eq_c(st, "live") ? "live" : str_eq_c(st, "ended") ? "ended" : str_eq_c(st, "scheduled") ? "scheduled" : NULL;
    json_decref(j);
    if (!s) return http_error(r, 422, "invalid", "status", "status must be scheduled, live or ended");
    int rc = OPS->live_set_status(ST, id, s, w.u.id);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no live session %lld", (long long)id);
    if (rc) return api_store_failed(r, ST);
    json_t *ev = json_pack("{s:s}", "status", s);
    publish(c, id, "status", ev);
    json_decref(ev);
    http_json(r, 200, json_pack("{s:I,s:s}", "id", (json_int_t)id, "status", s));
}

void api_get_live_events(api_ctx *c, http_req *r, const char *arg) {
    int64_t id;
    json_t *o;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no live session '%.40s'", arg);
    int rc = OPS->live_get(ST, id, &o);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no live session %lld", (long long)id);
    if (rc) return api_store_failed(r, ST);
    char ch[32], first[96];
    snprintf(ch, sizeof ch, "live:%lld", (long long)id);
    snprintf(first, sizeof first, "event: status\ndata: {\"status\":\"%s\"}\n\n", json_string_value(json_object_get(o, "status")));
    json_decref(o);
    if (!c->live || sse_attach(c->live, r, ch, first)) return http_error(r, 503, "unavailable", NULL, "live updates are not available");
}

/* POST /api/v1/live/{id}/questions {"body"} (anyone) -> 201 {"id","held"} */
void api_post_question(api_ctx *c, http_req *r, const char *arg) {
    int64_t id;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no live session '%.40s'", arg);
    str body;
    bool hold;
    double spam;
    json_t *why;
    json_t *j = api_screened_body(c, r, 500, &body, &hold, &spam, &why);
    if (!j) return;
    int64_t qid = 0;
    int rc = OPS->question_add(ST, id, body, str_c(r->ip), hold, why, &qid);
    json_decref(why);
    if (rc == STORE_NOT_FOUND) { json_decref(j); return http_error(r, 404, "not_found", NULL, "no live session %lld", (long long)id); }
    if (rc == STORE_CONFLICT) { json_decref(j); return http_error(r, 409, "conflict", NULL, "this live session has ended"); }
    if (rc) { json_decref(j); return api_store_failed(r, ST); }
    if (!hold) {
        json_t *ev = json_pack("{s:I,s:s%,s:i,s:s}", "id", (json_int_t)qid, "body", body.p, body.n, "votes", 0, "state", "waiting");
        publish(c, id, "question", ev);
        json_decref(ev);
    }
    json_decref(j);
    http_json(r, 201, json_pack("{s:I,s:b}", "id", (json_int_t)qid, "held", hold));
}

/* POST /api/v1/questions/{id}/vote {} : one vote per visitor. */
void api_post_question_vote(api_ctx *c, http_req *r, const char *arg) {
    int64_t id, votes = 0;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no question '%.40s'", arg);
    json_t *body = http_body_json(r);
    if (!body) return;
    json_decref(body);
    char visitor[65];
    api_visitor(c, r, visitor);
    int64_t session = 0;
    int rc = OPS->question_vote(ST, id, visitor, &votes, &session);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no question %lld", (long long)id);
    if (rc == STORE_CONFLICT) return http_error(r, 409, "conflict", NULL, "you have already voted for this question");
    if (rc) return api_store_failed(r, ST);
    json_t *o = json_pack("{s:I,s:I}", "id", (json_int_t)id, "votes", (json_int_t)votes);
    publish(c, session, "vote", o);
    json_decref(o);
    http_json(r, 201, json_pack("{s:I,s:b}", "votes", (json_int_t)votes, "voted", 1));
}

static void decided(api_ctx *c, http_req *r, int rc, int64_t id, json_t *q, const char *event) {
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no open question %lld", (long long)id);
    if (rc) return api_store_failed(r, ST);
    int64_t session = json_integer_value(json_object_get(q, "session_id"));
    json_t *ev = json_deep_copy(q);
    json_object_del(ev, "session_id");
    api_mask_field(ev, "answer", 0);
    publish(c, session, event, ev);
    json_decref(ev);
    api_mask_field(q, "body", 0);
    api_mask_field(q, "answer", 0);
    http_json(r, 200, q);
}

/* POST /api/v1/questions/{id}/pick (moderators, admins) */
void api_post_question_pick(api_ctx *c, http_req *r, const char *arg) {
    who w;
    if (!api_require_login(c, r, &w, true)) return;
    if (!is_role(&w, "moderator", "admin")) return http_error(r, 403, "forbidden", NULL, "the moderator picks the next question");
    int64_t id;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no question '%.40s'", arg);
    json_t *q = NULL;
    int rc = OPS->question_pick(ST, id, w.u.id, &q);
    decided(c, r, rc, id, q, "current");
}

/* POST /api/v1/questions/{id}/answer {"body"} (officials other than moderators) */
void api_post_question_answer(api_ctx *c, http_req *r, const char *arg) {
    who w;
    if (!api_require_login(c, r, &w, true)) return;
    if (is_role(&w, "moderator", NULL)) return http_error(r, 403, "forbidden", NULL, "answers come from officials, not moderators");
    int64_t id;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no question '%.40s'", arg);
    json_t *j = http_body_json(r);
    if (!j) return;
    str body;
    valid_err e;
    if (valid_text(j, "body", true, 5000, &body, &e)) { api_invalid(r, &e); json_decref(j); return; }
    json_t *q = NULL;
    int rc = OPS->question_answer(ST, id, body, w.u.id, &q);
    json_decref(j);
    decided(c, r, rc, id, q, "answer");
}

void api_get_question_queue(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, false)) return;
    if (!is_role(&w, "moderator", "admin")) return http_error(r, 403, "forbidden", NULL, "held questions are for moderators");
    json_t *a;
    if (OPS->question_queue(ST, &a)) return api_store_failed(r, ST);
    http_json(r, 200, json_pack("{s:o}", "questions", a));
}

void api_post_question_moderation(api_ctx *c, http_req *r, const char *arg) {
    int64_t id;
    json_t *shown;
    const char *d = api_moderate_held(c, r, arg, "question", OPS->question_moderate, &id, &shown);
    if (!d) return;
    if (shown) {
        int64_t session = json_integer_value(json_object_get(shown, "session_id"));
        json_object_del(shown, "session_id");
        publish(c, session, "question", shown);
        json_decref(shown);
    }
    http_json(r, 200, json_pack("{s:I,s:s}", "id", (json_int_t)id, "decision", d));
}
