/* api.c: routes requests to the API handlers and serves the pages.
 * Every official endpoint checks the session and the role here, on the
 * server; state-changing official requests also need the CSRF token. */
#include "app/api.h"
#include "app/background.h"
#include "app/api_int.h"
#include "app/auth.h"
#include "app/routing.h"
#include "app/staffphone.h"
#include "app/validate.h"
#include "http/json.h"
#include "http/metrics.h"
#include "http/ratelimit.h"
#include "text/pii.h"
#include "core/lifecycle.h"
#include "core/workcal.h"
#include "text/utf8.h"
#include "core/log.h"
#include <ctype.h>
#include <stdarg.h>
#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>



void api_store_failed(http_req *r, store *st) {
    metrics_count(METRIC_DB_ERRORS);
    log_error("store: %s", store_errmsg(st));
    http_error(r, 500, "internal", NULL, "the database failed; the request was not carried out");
}

void api_invalid(http_req *r, const valid_err *e) {
    http_error(r, 422, e->code, e->field, "%s", e->message);
}

void api_outcome_set(api_outcome *o, int status, const char *code, const char *field, const char *fmt, ...) {
    o->status = status;
    o->code = code;
    o->field = field;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->message, sizeof o->message, fmt, ap);
    va_end(ap);
}

void api_outcome_failed(api_ctx *c, api_outcome *o) {
    metrics_count(METRIC_DB_ERRORS);
    log_error("store: %s", store_errmsg(ST));
    api_outcome_set(o, 500, "internal", NULL, "the database failed; the request was not carried out");
}

void api_outcome_send(http_req *r, const api_outcome *o) {
    http_error(r, o->status, o->code, o->field, "%s", o->message);
}

static who session_of(api_ctx *c, http_req *r) {
    who w = { 0 };
    const char *tok = http_cookie(r, "minyi_session");
    if (tok && auth_session_find(ST, tok, &w.u, w.csrf) == STORE_OK) w.ok = true;
    return w;
}

/* Requires a session and (for state changes) the CSRF header; sends 401/403. */
bool api_require_login(api_ctx *c, http_req *r, who *w, bool state_change) {
    *w = session_of(c, r);
    if (!w->ok) { http_error(r, 401, "unauthorized", NULL, "login required"); return false; }
    if (state_change && !auth_token_eq(http_header(r, "X-CSRF-Token"), w->csrf)) {
        http_error(r, 403, "csrf", NULL, "missing or wrong X-CSRF-Token header");
        return false;
    }
    return true;
}

bool api_require_role(http_req *r, const who *w, const char *role) {
    if (strcmp(w->u.role, role) == 0) return true;
    http_error(r, 403, "forbidden", NULL, "this needs the %s role", role);
    return false;
}

/* May this official see / act on a message of department dept? */
bool api_may_handle(const who *w, int64_t dept) {
    if (!strcmp(w->u.role, "admin")) return true;
    if (!strcmp(w->u.role, "handler") || !strcmp(w->u.role, "head")) return dept != 0 && dept == w->u.department_id;
    return false;
}
bool api_may_read(const who *w, int64_t dept) {
    return api_may_handle(w, dept) || !strcmp(w->u.role, "leader") || !strcmp(w->u.role, "moderator");
}

static json_t *masked(const char *s) {
    if (!s) return json_null();
    buf b = {0};
    if (pii_mask(s, strlen(s), PII_ALL, &b)) { buf_free(&b); return json_string(""); }
    json_t *j = json_stringn(b.p ? b.p : "", b.n);
    buf_free(&b);
    return j;
}
static json_t *plain(const char *s) { return s ? json_string(s) : json_null(); }

/* Why a rejected message was not published: the moderator's decision and
 * reason from the audit trail, nothing else (no spam scores, no matched
 * sensitive words). NULL when there is no such event. */
static json_t *rejection_json(api_ctx *c, int64_t msg_id) {
    json_t *ev, *e, *out = NULL;
    size_t i;
    if (OPS->event_list(ST, msg_id, &ev) != STORE_OK) return NULL;
    json_array_foreach(ev, i, e) {
        const char *kind = json_string_value(json_object_get(e, "kind"));
        if (!kind || strcmp(kind, "moderate")) continue;
        json_t *d = json_object_get(e, "detail");
        const char *dec = json_string_value(json_object_get(d, "decision"));
        if (!dec || !strcmp(dec, "approve")) continue;
        json_decref(out);
        const char *reason = json_string_value(json_object_get(d, "reason"));
        out = json_pack("{s:s,s:o,s:O}", "decision", dec, "reason", reason ? masked(reason) : json_null(),
                        "at", json_object_get(e, "at"));
    }
    json_decref(ev);
    return out;
}

/* The message as JSON: public (w NULL: PII masked, no internal ids) or official. */
json_t *api_msg_json(api_ctx *c, const store_msg *m, const who *w) {
    bool official = w != NULL;
    json_t *(*text)(const char *) = official ? plain : masked;
    json_t *o = json_pack("{s:s,s:I,s:o,s:o,s:s,s:o,s:o,s:s,s:o,s:s}",
                          "tracking_code", m->tracking_code, "consultation_id", (json_int_t)m->consultation_id,
                          "title", text(m->title), "body", text(m->body), "type", m->type,
                          "region", plain(m->region), "phone", text(m->phone), "state", m->state,
                          "department", plain(m->department), "created_at", m->created_at);
    json_object_set_new(o, "moderation", json_string(m->moderation));
    json_object_set_new(o, "group_size", json_integer(m->group_size));
    json_object_set_new(o, "due_at", m->due_at[0] ? json_string(m->due_at) : json_null());
    json_object_set_new(o, "resolution", text(m->resolution));
    json_t *rating;
    if (OPS->rating_get(ST, m->id, &rating) != STORE_OK) rating = json_null();
    else if (!official) api_mask_field(rating, "comment", 0);
    json_object_set_new(o, "rating", rating);
    /* Withheld by moderation: neither public nor handled while held, never
     * once rejected; a rejected one says why. */
    bool rejected = !strcmp(m->moderation, "rejected");
    json_object_set_new(o, "withheld", json_boolean(rejected || !strcmp(m->moderation, "held")));
    if (rejected) {
        json_t *why = rejection_json(c, m->id);
        json_object_set_new(o, "rejection", why ? why : json_null());
    }
    if (official) {
        json_object_set_new(o, "id", json_integer(m->id));
        json_object_set_new(o, "department_id", json_integer(m->department_id));
        json_object_set_new(o, "analyzed", json_boolean(m->analyzed));
        json_object_set_new(o, "label", m->label[0] ? json_string(m->label) : json_null());
        json_object_set_new(o, "confidence", m->confidence >= 0 ? json_real(m->confidence) : json_null());
        json_object_set_new(o, "spam_score", json_real(m->spam_score));
        json_object_set_new(o, "group_id", json_integer(m->group_id));
        json_t *hr = m->hold_reason ? json_loads(m->hold_reason, 0, NULL) : NULL;
        json_object_set_new(o, "hold_reason", hr ? hr : json_null());
    }
    json_t *replies = NULL;
    if (OPS->msg_replies(ST, m->id, &replies) == STORE_OK) {
        if (!official) {   /* the public sees published replies and the department, not the handler's login */
            json_t *pub = json_array();
            size_t i; json_t *rep;
            json_array_foreach(replies, i, rep) {
                if (strcmp(json_string_value(json_object_get(rep, "status")), "published")) continue;
                json_object_del(rep, "author");
                json_object_del(rep, "status");
                api_mask_field(rep, "body", 0);
                json_array_append(pub, rep);
            }
            json_decref(replies);
            replies = pub;
        }
        json_object_set_new(o, "replies", replies);
    } else json_object_set_new(o, "replies", json_array());
    api_life_json(c, m, w, o);
    return o;
}

/* ---- public ------------------------------------------------------------- */

/* How many messages a consultation took in is for officials; the public
 * sees only the count of what it may read (message_count). */
static void hide_received(api_ctx *c, http_req *r, json_t *cons) {
    if (!session_of(c, r).ok) json_object_del(cons, "received_count");
}

static void get_consultations(api_ctx *c, http_req *r) {
    json_t *a;
    if (OPS->consultation_list(ST, &a)) return api_store_failed(r, ST);
    size_t i;
    json_t *x;
    json_array_foreach(a, i, x) hide_received(c, r, x);
    http_json(r, 200, json_pack("{s:o}", "consultations", a));
}

bool api_parse_id(const char *s, int64_t *id) {
    if (!*s || strlen(s) > 15) return false;
    for (const char *p = s; *p; p++) if (!isdigit((unsigned char)*p)) return false;
    *id = strtoll(s, NULL, 10);
    return *id > 0;
}

static void get_consultation(api_ctx *c, http_req *r, const char *arg) {
    int64_t id;
    json_t *o;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no consultation '%s'", arg);
    int rc = OPS->consultation_get(ST, id, &o);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no consultation %lld", (long long)id);
    if (rc) return api_store_failed(r, ST);
    json_t *sections;
    if (OPS->consultation_sections(ST, id, &sections)) { json_decref(o); return api_store_failed(r, ST); }
    json_object_set_new(o, "sections", sections);
    hide_received(c, r, o);
    http_json(r, 200, o);
}

/* The keyword rules, re-read at most every 2 seconds: every intake needs
 * them and they change only when an admin edits them (possibly on another
 * node, hence a time limit rather than an invalidation). Returns a new
 * reference, or NULL. */
static json_t *cached_rules(api_ctx *c) {
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static json_t *rules;
    static struct timespec at;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&mu);
    if (!rules || now.tv_sec - at.tv_sec >= 2) {
        json_t *fresh;
        if (OPS->rule_list(ST, &fresh) == STORE_OK) { json_decref(rules); rules = fresh; at = now; }
    }
    json_t *r = json_incref(rules);
    pthread_mutex_unlock(&mu);
    return r;
}

/* A POST waiting for its group commit: the connection is parked (no server
 * thread held) until the store's writer reports the commit. */
typedef struct {
    api_ctx *c;
    http_req *r;
    json_t *j;               /* owns the strings m points into */
    store_new_msg m;
} intake;

static void intake_done(void *ud, int rc, int64_t id, const char *code, const char *errmsg) {
    intake *in = ud;
    http_req *r = in->r;
    if (rc) {
        log_error("store: %s", errmsg ? errmsg : "add message failed");
        http_error(r, 500, "internal", NULL, "the database failed; the message was not stored");
    } else {
        analyzer_kick(in->c->an);
        http_json(r, 201, json_pack("{s:I,s:s}", "id", (json_int_t)id, "tracking_code", code));
    }
    json_decref(in->j);
    free(in);
    http_resume(r);
}

static void intake_start(http_req *r, void *arg) {
    intake *in = arg;
    if (in->c->st->ops->msg_add_async(in->c->st, &in->m, intake_done, in) == STORE_OK) return;
    api_store_failed(r, in->c->st);
    json_decref(in->j);
    free(in);
    http_resume(r);
}

void api_defer_drop(http_req *r) {
    if (r->defer == intake_start) {
        intake *in = r->defer_arg;
        json_decref(in->j);
        free(in);
    }
    r->defer = NULL;
    r->defer_arg = NULL;
}

/* 429 with Retry-After: what was too many, and when to try again. */
static void answer_retry_later(http_req *r, const char *code, const char *what, unsigned retry) {
    char ra[16];
    snprintf(ra, sizeof ra, "%u", retry);
    http_add_header(r, "Retry-After", ra);
    http_error(r, 429, code, NULL, "%s; try again in %u seconds", what, retry);
}

static void post_message(api_ctx *c, http_req *r) {
    /* Per client address, before any parsing: a flood costs a lookup each.
     * Behind a trusted proxy the address is the forwarded client's. */
    unsigned retry = 0;
    if (c->submit && !ratelimit_take(c->submit, str_c(r->ip), &retry)) {
        metrics_count(METRIC_SUBMIT_LIMITED);
        return answer_retry_later(r, "too_many_messages", "too many messages from your address", retry ? retry : 1);
    }
    json_t *j = http_body_json(r);
    if (!j) return;
    store_new_msg m;
    valid_err e;
    if (valid_message(j, &m, &e)) { api_invalid(r, &e); json_decref(j); return; }
    json_t *cons;
    int rc = OPS->consultation_get(ST, m.consultation_id, &cons);
    if (rc == STORE_NOT_FOUND) { json_decref(j); return http_error(r, 422, "invalid", "consultation_id", "no consultation %lld", (long long)m.consultation_id); }
    if (rc) { json_decref(j); return api_store_failed(r, ST); }
    char why[96];
    if (api_consultation_closed_why(cons, why, sizeof why)) {
        json_decref(cons); json_decref(j);
        return http_error(r, 422, "closed", "consultation_id", "%s", why);
    }
    json_decref(cons);
    if (m.section) {
        json_t *sections;
        if (OPS->consultation_sections(ST, m.consultation_id, &sections)) { json_decref(j); return api_store_failed(r, ST); }
        bool known = m.section <= (int64_t)json_array_size(sections);
        json_decref(sections);
        if (!known) { json_decref(j); return http_error(r, 422, "invalid", "section", "the consultation has no section %lld", (long long)m.section); }
    }
    /* With a classifier active, the analyzer routes; keyword rules are the fallback. */
    json_t *rules;
    if (!analyzer_has_model(c->an) && (rules = cached_rules(c))) {
        m.department_id = routing_pick(rules, m.title, m.body);
        json_decref(rules);
    }
    m.author_ip = str_c(r->ip);
    intake *in = malloc(sizeof *in);
    if (!in) { json_decref(j); return http_error(r, 503, "busy", NULL, "out of memory; try again"); }
    *in = (intake){ c, r, j, m };
    r->defer = intake_start;      /* answered once the message's commit is durable */
    r->defer_arg = in;
}

bool api_code_allowed(api_ctx *c, http_req *r) {
    unsigned retry = 0;
    if (!c->code_ip || !ratelimit_exceeded(c->code_ip, str_c(r->ip), &retry)) return true;
    answer_retry_later(r, "too_many_attempts", "too many unknown tracking codes", retry);
    return false;
}

void api_code_unknown(api_ctx *c, http_req *r, const char *shown) {
    if (c->code_ip) ratelimit_hit(c->code_ip, str_c(r->ip));
    http_error(r, 404, "not_found", NULL, "no message with tracking code '%.40s'", shown);
}

/* Accepts codes typed by people: any case, with or without dashes/spaces. */
bool api_tracking_code(const char *in, char *out) {
    int k = 0, n = 0;
    for (const char *p = in; *p; p++) {
        if (*p == '-' || *p == ' ') continue;
        if (!isalnum((unsigned char)*p) || n == 12) return false;
        if (n && n % 4 == 0) out[k++] = '-';
        out[k++] = (char)toupper((unsigned char)*p);
        n++;
    }
    out[k] = 0;
    return n == 12;
}

static void get_message(api_ctx *c, http_req *r, const char *arg) {
    store_msg m;
    int64_t id;
    if (api_parse_id(arg, &id) && strlen(arg) < 12) {      /* numeric: the official view */
        who w;
        if (!api_require_login(c, r, &w, false)) return;
        int rc = OPS->msg_get(ST, id, &m);
        if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no message %lld", (long long)id);
        if (rc) return api_store_failed(r, ST);
        if (!api_may_read(&w, m.department_id)) { store_msg_clear(&m); return http_error(r, 403, "forbidden", NULL, "this message belongs to another department"); }
        json_t *o = api_msg_json(c, &m, &w);
        json_t *ev;
        if (OPS->event_list(ST, m.id, &ev) == STORE_OK) json_object_set_new(o, "events", ev);
        json_object_set_new(o, "can_reply", json_boolean(api_may_handle(&w, m.department_id)));
        api_desk_json(c, &m, &w, o);
        store_msg_clear(&m);
        return http_json(r, 200, o);
    }
    char code[20];
    if (!api_code_allowed(c, r)) return;
    if (!api_tracking_code(arg, code)) return api_code_unknown(c, r, arg);
    int rc = OPS->msg_get_code(ST, str_c(code), &m);
    if (rc == STORE_NOT_FOUND) return api_code_unknown(c, r, code);
    if (rc) return api_store_failed(r, ST);
    json_t *o = api_msg_json(c, &m, NULL);
    store_msg_clear(&m);
    http_json(r, 200, o);
}

/* ---- sessions ----------------------------------------------------------- */

static void set_session_cookie(api_ctx *c, http_req *r, const char *token, int max_age) {
    char cookie[256];
    snprintf(cookie, sizeof cookie, "minyi_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
             token, max_age, c->secure_cookies ? "; Secure" : "");
    http_add_header(r, "Set-Cookie", cookie);
}

static json_t *user_json(const store_user *u) {
    return json_pack("{s:s,s:s,s:o}", "login", u->login, "role", u->role,
                     "department", u->department[0] ? json_string(u->department) : json_null());
}

static void post_login(api_ctx *c, http_req *r) {
    json_t *j = http_body_json(r);
    if (!j) return;
    str login, pw;
    valid_err e;
    if (valid_text(j, "login", true, 64, &login, &e) || valid_text(j, "password", true, 256, &pw, &e)) {
        api_invalid(r, &e); json_decref(j); return;
    }
    /* Password guessing: 10 failures per IP or 20 per login in 15 minutes, then wait. */
    unsigned retry = 0;
    if ((c->login_ip && ratelimit_exceeded(c->login_ip, str_c(r->ip), &retry))
        || (c->login_name && ratelimit_exceeded(c->login_name, login, &retry))) {
        json_decref(j);
        return answer_retry_later(r, "too_many_attempts", "too many failed logins", retry);
    }
    store_user u;
    int rc = OPS->user_get(ST, login, &u);
    if (rc && rc != STORE_NOT_FOUND) { json_decref(j); return api_store_failed(r, ST); }
    /* Passwords are checked untrimmed: use the raw JSON string. */
    json_t *pj = json_object_get(j, "password");
    bool ok = auth_check_password(rc == STORE_OK ? u.password_hash : NULL, json_string_value(pj), json_string_length(pj));
    if (!ok) {
        if (c->login_ip) ratelimit_hit(c->login_ip, str_c(r->ip));
        if (c->login_name) ratelimit_hit(c->login_name, login);
        json_decref(j);
        return http_error(r, 401, "unauthorized", NULL, "wrong login or password");
    }
    if (c->login_name) ratelimit_reset(c->login_name, login);
    json_decref(j);
    /* Told only after the right password: a disabled account is not
     * confirmed to anyone guessing logins. */
    if (u.disabled) return http_error(r, 403, "account_disabled", NULL, "this account is disabled; ask an administrator");
    char token[AUTH_TOKEN_LEN + 1], csrf[AUTH_TOKEN_LEN + 1];
    if (auth_session_new(ST, u.id, token, csrf)) return api_store_failed(r, ST);
    OPS->event_add(ST, u.id, "login", 0, NULL);
    set_session_cookie(c, r, token, AUTH_SESSION_SECONDS);
    http_json(r, 200, json_pack("{s:s,s:o}", "csrf_token", csrf, "user", user_json(&u)));
}

static void post_logout(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, true)) return;
    auth_session_end(ST, http_cookie(r, "minyi_session"));
    set_session_cookie(c, r, "", 0);
    http_json(r, 200, json_pack("{s:b}", "ok", 1));
}

static void get_me(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, false)) return;
    json_t *o = user_json(&w.u);
    json_object_set_new(o, "csrf_token", json_string(w.csrf));
    http_json(r, 200, o);
}

/* ---- official ----------------------------------------------------------- */

/* The inbox's filters from the query string, scoped to the official's
 * department; false with the error sent. The inbox and its export share it. */
bool api_inbox_query(api_ctx *c, http_req *r, const who *wp, store_inbox_query *qp) {
    store_inbox_query q = { 0 };
    const who w = *wp;
    if (!strcmp(w.u.role, "handler") || !strcmp(w.u.role, "head")) {
        if (!w.u.department_id) { http_error(r, 403, "forbidden", NULL, "this account has no department"); return false; }
        q.department_id = w.u.department_id;
    }
    const char *state = http_query(r, "state");
    if (state && *state) {
        if (!lifecycle_is_state(state))
            { http_error(r, 422, "invalid", "state", "state must be new, assigned, replied, closed or declined"); return false; }
        q.state = state;
    }
    const char *triage = http_query(r, "triage"), *group = http_query(r, "group");
    if (triage && !strcmp(triage, "1")) {
        if (strcmp(w.u.role, "admin") && strcmp(w.u.role, "leader"))
            { http_error(r, 403, "forbidden", NULL, "the triage inbox is for admins"); return false; }
        q.triage = true;
    }
    if (group && *group && !api_parse_id(group, &q.group_id)) { http_error(r, 422, "invalid", "group", "group must be a message id"); return false; }
    const char *lim = http_query(r, "limit"), *off = http_query(r, "offset");
    q.limit = lim ? atoi(lim) : 50;
    if (q.limit <= 0 || q.limit > 500) q.limit = 50;
    if (off && strcmp(off, "0"))
        { http_error(r, 422, "invalid", "offset", "the inbox pages with after=<the previous page's next>, not offset"); return false; }
    q.sort = http_query(r, "sort");
    q.after = http_query(r, "after");
    const char *type = http_query(r, "type"), *region = http_query(r, "region"), *due = http_query(r, "due");
    const char *from = http_query(r, "from"), *to = http_query(r, "to"), *urged = http_query(r, "urged"), *kw = http_query(r, "q");
    if (type && *type) {
        bool known = false;
        for (size_t i = 0; i < 5; i++) known |= !strcmp(type, valid_msg_types[i]);
        if (!known) { http_error(r, 422, "invalid", "type", "type must be one of 建议 咨询 投诉 求助 感谢"); return false; }
        q.type = type;
    }
    if (region && *region) q.region = region;
    int32_t day;
    if (from && *from) { if (!workcal_parse_day(from, strlen(from), &day)) { http_error(r, 422, "invalid", "from", "from must be a date YYYY-MM-DD"); return false; } q.from = from; }
    if (to && *to) { if (!workcal_parse_day(to, strlen(to), &day)) { http_error(r, 422, "invalid", "to", "to must be a date YYYY-MM-DD"); return false; } q.to = to; }
    if (due && *due) {
        if (strcmp(due, "overdue") && strcmp(due, "soon")) { http_error(r, 422, "invalid", "due", "due must be overdue or soon"); return false; }
        q.due = due;
    }
    q.urged = urged && !strcmp(urged, "1");
    if (kw && *kw) {
        if (!utf8_valid(kw, strlen(kw))) { http_error(r, 400, "invalid_utf8", "q", "q is not valid UTF-8"); return false; }
        if (utf8_count(kw, strlen(kw)) > 200) { http_error(r, 422, "too_long", "q", "q is longer than 200 characters"); return false; }
        q.keyword = str_c(kw);
    }
    *qp = q;
    return true;
}

static void get_inbox(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, false)) return;
    store_inbox_query q;
    if (!api_inbox_query(c, r, &w, &q)) return;
    json_t *o;
    int rc = OPS->inbox(ST, &q, &o);
    if (rc == STORE_INVALID) {
        const char *e = store_errmsg(ST);
        const char *field = strstr(e, "cursor") ? "after" : strstr(e, "keyword") ? "q" : strstr(e, "date") ? "from" : "sort";
        return http_error(r, 422, "invalid", field, "%s", e);
    }
    if (rc) return api_store_failed(r, ST);
    api_life_rows(c, json_object_get(o, "messages"));
    api_life_rows(c, json_object_get(o, "urged"));
    http_json(r, 200, o);
}

/* {"body":..} replies to one message; with "whole_group":true, to every open
 * member of its near-duplicate group in the same department (one answer for
 * a mass campaign, each citizen still gets it on their own tracking page). */
static void post_reply(api_ctx *c, http_req *r, const char *arg) {
    who w;
    if (!api_require_login(c, r, &w, true)) return;
    int64_t id;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no message '%.40s'", arg);
    json_t *j = http_body_json(r);
    if (!j) return;
    str body;
    valid_err e;
    if (valid_text(j, "body", true, 10000, &body, &e)) { api_invalid(r, &e); json_decref(j); return; }
    json_t *wg = json_object_get(j, "whole_group");
    if (wg && !json_is_boolean(wg)) { json_decref(j); return http_error(r, 422, "invalid", "whole_group", "whole_group must be true or false"); }
    store_msg m;
    int rc = OPS->msg_get(ST, id, &m);
    if (rc) { json_decref(j); if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no message %lld", (long long)id); return api_store_failed(r, ST); }
    int64_t dept = m.department_id, group = m.group_id;
    bool held = !strcmp(m.moderation, "held") || !strcmp(m.moderation, "rejected");
    store_msg_clear(&m);
    if (!api_may_handle(&w, dept)) { json_decref(j); return http_error(r, 403, "forbidden", NULL, "only the message's department (or an admin) may reply"); }
    if (held) { json_decref(j); return http_error(r, 409, "conflict", NULL, "the message is held for moderation (or rejected); it cannot be answered now"); }
    if (api_reply_needs_approval(c, &w, dept)) {
        if (json_is_true(wg)) { json_decref(j); return http_error(r, 409, "conflict", "whole_group", "this department's replies need the head's approval: reply to one message at a time"); }
        int64_t rid;
        rc = OPS->reply_pending(ST, id, w.u.id, dept, body, &rid);
        json_decref(j);
        if (rc == STORE_OK) OPS->draft_set(ST, id, w.u.id, (str){0});
        if (rc == STORE_CONFLICT) return http_error(r, 409, "conflict", "state", "this message cannot be answered in its state");
        if (rc) return api_store_failed(r, ST);
        return http_json(r, 201, json_pack("{s:I,s:I,s:s}", "id", (json_int_t)rid, "replied", (json_int_t)0, "status", "pending"));
    }
    if (json_is_true(wg) && group) {
        /* The first step here; a bigger group goes on in the background
         * (202 and the job to follow), a step a transaction. */
        int64_t job, n = 0, step;
        bool finished = false;
        rc = OPS->group_reply_start(ST, group, dept, w.u.id, body, &job);
        json_decref(j);
        int64_t moved;   /* no background thread: the moves the job waits for, here */
        if (!rc && !c->bg && background_finish_moves(ST, &moved)) rc = STORE_ERROR;
        do {
            if (!rc) rc = OPS->group_reply_step(ST, job, GROUP_REPLY_STEP, &step, &finished);
            if (!rc) n += step;
        } while (!rc && !finished && !c->bg);
        if (rc) return api_store_failed(r, ST);
        if (finished) return http_json(r, 201, json_pack("{s:I,s:I,s:I,s:s}", "group_id", (json_int_t)group, "replied", (json_int_t)n,
                                                         "job_id", (json_int_t)job, "status", "done"));
        background_kick(c->bg);
        return http_json(r, 202, json_pack("{s:I,s:I,s:I,s:s}", "group_id", (json_int_t)group, "replied", (json_int_t)n,
                                           "job_id", (json_int_t)job, "status", "running"));
    }
    int64_t rid;
    rc = OPS->reply_add(ST, id, w.u.id, dept ? dept : w.u.department_id, body, &rid);
    json_decref(j);
    if (rc == STORE_OK) OPS->draft_set(ST, id, w.u.id, (str){0});   /* published: the draft is done */
    if (rc == STORE_CONFLICT) return http_error(r, 409, "conflict", "state", "a closed or declined message cannot be answered");
    if (rc) return api_store_failed(r, ST);
    http_json(r, 201, json_pack("{s:I,s:I,s:s}", "id", (json_int_t)rid, "replied", (json_int_t)1, "status", "published"));
}

/* GET /api/v1/group-replies/{id}: how far a whole-group reply has got (any official). */
static void get_group_reply(api_ctx *c, http_req *r, const char *arg) {
    who w;
    if (!api_require_login(c, r, &w, false)) return;
    int64_t id;
    json_t *o;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no group reply '%.40s'", arg);
    int rc = OPS->group_reply_get(ST, id, &o);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no group reply %lld", (long long)id);
    if (rc) return api_store_failed(r, ST);
    http_json(r, 200, o);
}

/* POST /api/v1/pii {"text":..}: what the public would see of a text an
 * official is about to publish (a reply), and which personal data the
 * server's masker found in it, so the form can warn before publishing. */
static void post_pii(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, true)) return;
    json_t *j = http_body_json(r);
    if (!j) return;
    str text; valid_err e;
    if (valid_text(j, "text", true, 10000, &text, &e)) { api_invalid(r, &e); json_decref(j); return; }
    pii_span local[64];
    size_t n = pii_find(text.p, text.n, PII_ALL, local, 64);
    json_t *spans = json_array();
    for (size_t i = 0; i < n && i < 64; i++)
        json_array_append_new(spans, json_pack("{s:s,s:s%}", "type", pii_type_name(local[i].type),
                                               "text", text.p + local[i].off, local[i].len));
    buf b = {0};
    int rc = pii_mask(text.p, text.n, PII_ALL, &b);
    json_t *o = rc ? NULL : json_pack("{s:s%,s:I,s:o}", "masked", b.p ? b.p : "", b.n, "count", (json_int_t)n, "spans", spans);
    buf_free(&b);
    json_decref(j);
    if (!o) { json_decref(spans); return http_error(r, 500, "internal", NULL, "out of memory"); }
    http_json(r, 200, o);
}

static void get_departments(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, false)) return;
    json_t *a;
    if (OPS->dept_list(ST, &a)) return api_store_failed(r, ST);
    http_json(r, 200, json_pack("{s:o}", "departments", a));
}

static void created_or_conflict(api_ctx *c, http_req *r, int rc, int64_t id, const char *field, str name) {
    if (rc == STORE_CONFLICT) return http_error(r, 409, "conflict", field, "'%.*s' already exists", (int)name.n, name.p);
    if (rc == STORE_INVALID) return http_error(r, 422, "invalid", field, "a referenced record does not exist");
    if (rc) return api_store_failed(r, ST);
    http_json(r, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

static void post_department(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, true) || !api_require_role(r, &w, "admin")) return;
    json_t *j = http_body_json(r);
    if (!j) return;
    str name; valid_err e; int64_t id = 0;
    if (valid_text(j, "name", true, 100, &name, &e)) { api_invalid(r, &e); json_decref(j); return; }
    int rc = OPS->dept_add(ST, name, &id);
    if (rc == STORE_OK) OPS->event_add(ST, w.u.id, "department_add", 0, j);
    created_or_conflict(c, r, rc, id, "name", name);
    json_decref(j);
}

static void post_consultation(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, true) || !api_require_role(r, &w, "admin")) return;
    json_t *j = http_body_json(r);
    if (!j) return;
    str title, desc, kind; valid_err e; int64_t id = 0;
    if (valid_text(j, "title", true, 200, &title, &e) || valid_text(j, "description", false, 20000, &desc, &e)
        || valid_text(j, "kind", false, 20, &kind, &e)) { api_invalid(r, &e); json_decref(j); return; }
    if (kind.p && !str_eq_c(kind, "consultation") && !str_eq_c(kind, "board")) {
        json_decref(j); return http_error(r, 422, "invalid", "kind", "kind must be consultation or board");
    }
    char tz[256];
    snprintf(tz, sizeof tz, "%.*s", (int)title.n, title.p);
    api_cons_edit x;
    if (api_consultation_edit(j, tz, &x, &e)) { api_invalid(r, &e); api_cons_edit_free(&x); json_decref(j); return; }
    int rc = OPS->consultation_add(ST, title, desc, kind, &id);
    if (rc == STORE_OK && (x.ed.set_document || x.ed.set_opens || x.ed.set_closes)) rc = OPS->consultation_update(ST, id, &x.ed);
    api_cons_edit_free(&x);
    if (rc == STORE_OK) OPS->event_add(ST, w.u.id, "consultation_add", 0, j);
    created_or_conflict(c, r, rc, id, "title", title);
    json_decref(j);
}

static void get_users(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, false) || !api_require_role(r, &w, "admin")) return;
    json_t *a;
    if (OPS->user_list(ST, &a)) return api_store_failed(r, ST);
    if (c->key && staffphone_mask_list(ST, c->key, a)) { json_decref(a); return api_store_failed(r, ST); }
    http_json(r, 200, json_pack("{s:o}", "users", a));
}

static void post_user(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, true) || !api_require_role(r, &w, "admin")) return;
    json_t *j = http_body_json(r);
    if (!j) return;
    str login, pw, role, dept, phone; valid_err e;
    char norm[64]; size_t nn;
    if (valid_text(j, "login", true, 64, &login, &e) || valid_login(login, &e)
        || valid_text(j, "password", true, 256, &pw, &e) || valid_text(j, "role", true, 16, &role, &e)
        || valid_text(j, "department", false, 100, &dept, &e) || valid_text(j, "phone", false, 20, &phone, &e)
        || (phone.p && valid_phone(phone, norm, sizeof norm, &nn, &e))) { api_invalid(r, &e); json_decref(j); return; }
    if (phone.p && !c->key) { json_decref(j); return http_error(r, 503, "unavailable", "phone", "this server has no key file for phone numbers"); }
    if (pw.n < 8) { json_decref(j); return http_error(r, 422, "invalid", "password", "password must be at least 8 characters"); }
    if (!str_eq_c(role, "admin") && !str_eq_c(role, "handler") && !str_eq_c(role, "head") && !str_eq_c(role, "moderator")
        && !str_eq_c(role, "leader")) {
        json_decref(j); return http_error(r, 422, "invalid", "role", "role must be admin, head, handler, moderator or leader");
    }
    int64_t dept_id = 0;
    if (dept.p && OPS->dept_find(ST, dept, &dept_id) != STORE_OK) {
        http_error(r, 422, "invalid", "department", "no department '%.*s'", (int)dept.n, dept.p);
        json_decref(j);   /* dept points into j: release it only after the message is made */
        return;
    }
    if ((str_eq_c(role, "handler") || str_eq_c(role, "head")) && !dept_id) {
        json_decref(j); return http_error(r, 422, "missing", "department", "a handler or head needs a department");
    }
    char hash[160], rolez[16];
    snprintf(rolez, sizeof rolez, "%.*s", (int)role.n, role.p);
    if (auth_hash_password(pw.p, pw.n, hash)) { json_decref(j); return http_error(r, 500, "internal", NULL, "out of memory"); }
    int64_t id = 0;
    int rc = OPS->user_add(ST, login, hash, rolez, dept_id, &id);
    char perr[256];
    if (rc == STORE_OK && phone.p && staffphone_set(ST, c->key, id, phone, perr, sizeof perr)) {
        log_error("user %lld: phone not stored: %s", (long long)id, perr);
        json_decref(j);
        return api_store_failed(r, ST);
    }
    if (rc == STORE_OK) {
        json_t *d = json_pack("{s:s%,s:s}", "login", login.p, login.n, "role", rolez);
        OPS->event_add(ST, w.u.id, "user_add", 0, d);
        json_decref(d);
    }
    created_or_conflict(c, r, rc, id, "login", login);
    json_decref(j);
}

/* ---- routing ------------------------------------------------------------ */

typedef struct {
    const char *method;
    const char *pattern;      /* '*' matches one path segment, passed as arg */
    void (*fn0)(api_ctx *, http_req *);
    void (*fn1)(api_ctx *, http_req *, const char *);
} route;

static const route routes[] = {
    { "GET",  "/api/v1/consultations",          get_consultations, NULL },
    { "POST", "/api/v1/consultations",          post_consultation, NULL },
    { "GET",  "/api/v1/consultations/*",        NULL, get_consultation },
    { "PUT",  "/api/v1/consultations/*",        NULL, api_put_consultation },
    { "POST", "/api/v1/consultations/*/adoptions", NULL, api_post_adoption },
    { "GET",  "/api/v1/consultations/*/feedback", NULL, api_get_feedback },
    { "GET",  "/api/v1/consultations/*/feedback.md", NULL, api_get_feedback_md },
    { "POST", "/api/v1/consultations/*/feedback/publish", NULL, api_post_feedback_publish },
    { "POST", "/api/v1/messages",               post_message, NULL },
    { "POST", "/api/v1/messages/bulk",          api_post_bulk, NULL },
    { "GET",  "/api/v1/messages/*",             NULL, get_message },
    { "POST", "/api/v1/messages/*/replies",     NULL, post_reply },
    { "POST", "/api/v1/login",                  post_login, NULL },
    { "POST", "/api/v1/logout",                 post_logout, NULL },
    { "GET",  "/api/v1/me",                     get_me, NULL },
    { "GET",  "/api/v1/inbox",                  get_inbox, NULL },
    { "POST", "/api/v1/pii",                    post_pii, NULL },
    { "POST", "/api/v1/reply-quality",          api_post_reply_quality, NULL },
    { "GET",  "/api/v1/reply-quality/departments", api_get_reply_quality_depts, NULL },
    { "GET",  "/api/v1/departments",            get_departments, NULL },
    { "POST", "/api/v1/departments",            post_department, NULL },
    { "GET",  "/api/v1/users",                  get_users, NULL },
    { "POST", "/api/v1/users",                  post_user, NULL },
    { "POST", "/api/v1/messages/*/transfer",    NULL, api_post_transfer },
    { "POST", "/api/v1/messages/*/moderation",  NULL, api_post_moderate },
    { "GET",  "/api/v1/groups/*",               NULL, api_get_group },
    { "GET",  "/api/v1/group-replies/*",        NULL, get_group_reply },
    { "GET",  "/api/v1/search",                 api_get_search, NULL },
    { "GET",  "/api/v1/stats",                  api_get_stats, NULL },
    { "GET",  "/api/v1/hot",                    api_get_hot, NULL },
    { "GET",  "/api/v1/hot/*/messages",         NULL, api_get_hot_messages },
    { "GET",  "/api/v1/trends",                 api_get_trends, NULL },
    { "GET",  "/api/v1/public/messages",        api_get_public_messages, NULL },
    { "GET",  "/api/v1/public/search",          api_get_public_search, NULL },
    { "GET",  "/api/v1/site",                   api_get_site, NULL },
    { "GET",  "/api/v1/posts",                  api_get_posts, NULL },
    { "POST", "/api/v1/posts",                  api_post_post, NULL },
    { "GET",  "/api/v1/posts/*",                NULL, api_get_post },
    { "GET",  "/api/v1/posts/*/events",         NULL, api_get_post_events },
    { "POST", "/api/v1/posts/*/comments",       NULL, api_post_comment },
    { "PUT",  "/api/v1/posts/*/image",          NULL, api_put_post_image },
    { "GET",  "/api/v1/posts/*/image",          NULL, api_get_post_image },
    { "GET",  "/api/v1/comments/held",          api_get_comment_queue, NULL },
    { "GET",  "/api/v1/live",                   api_get_lives, NULL },
    { "POST", "/api/v1/live",                   api_post_live, NULL },
    { "GET",  "/api/v1/live/*",                 NULL, api_get_live },
    { "PUT",  "/api/v1/live/*",                 NULL, api_put_live },
    { "GET",  "/api/v1/live/*/events",          NULL, api_get_live_events },
    { "POST", "/api/v1/live/*/questions",       NULL, api_post_question },
    { "GET",  "/api/v1/questions/held",         api_get_question_queue, NULL },
    { "POST", "/api/v1/questions/*/vote",       NULL, api_post_question_vote },
    { "POST", "/api/v1/questions/*/pick",       NULL, api_post_question_pick },
    { "POST", "/api/v1/questions/*/answer",     NULL, api_post_question_answer },
    { "POST", "/api/v1/questions/*/moderation", NULL, api_post_question_moderation },
    { "POST", "/api/v1/comments/*/moderation",  NULL, api_post_comment_moderation },
    { "PUT",  "/api/v1/site",                   api_put_site, NULL },
    { "GET",  "/api/v1/notices",                api_get_notices, NULL },
    { "POST", "/api/v1/notices",                api_post_notice, NULL },
    { "DELETE", "/api/v1/notices/*",            NULL, api_delete_notice },
    { "GET",  "/api/v1/public/messages/*",      NULL, api_get_public_message },
    { "POST", "/api/v1/public/messages/*/support", NULL, api_post_public_support },
    { "POST", "/api/v1/messages/*/rating",      NULL, api_post_rating },
    { "GET",  "/api/v1/moderation",             api_get_moderation, NULL },
    { "GET",  "/api/v1/models",                 api_get_models, NULL },
    { "POST", "/api/v1/models",                 api_post_model, NULL },
    { "POST", "/api/v1/models/*/activate",      NULL, api_post_model_activate },
    { "GET",  "/api/v1/labels",                 api_get_labels, NULL },
    { "POST", "/api/v1/labels",                 api_post_label, NULL },
    { "GET",  "/api/v1/settings",               api_get_settings, NULL },
    { "POST", "/api/v1/settings",               api_post_settings, NULL },
    { "GET",  "/api/v1/sensitive-words",        api_get_words, NULL },
    { "POST", "/api/v1/sensitive-words",        api_post_word, NULL },
    { "DELETE", "/api/v1/sensitive-words/*",    NULL, api_delete_word },
    { "POST", "/api/v1/messages/*/close",       NULL, api_post_close },
    { "POST", "/api/v1/messages/*/return",      NULL, api_post_return },
    { "POST", "/api/v1/messages/*/decline",     NULL, api_post_decline },
    { "POST", "/api/v1/messages/*/urge",        NULL, api_post_urge },
    { "POST", "/api/v1/messages/*/assign",      NULL, api_post_assign },
    { "POST", "/api/v1/messages/*/extensions",  NULL, api_post_extension },
    { "POST", "/api/v1/messages/*/followup",    NULL, api_post_followup },
    { "GET",  "/api/v1/extensions",             api_get_extensions, NULL },
    { "POST", "/api/v1/extensions/*/decision",  NULL, api_post_extension_decision },
    { "GET",  "/api/v1/replies",                api_get_replies, NULL },
    { "PUT",  "/api/v1/replies/*",              NULL, api_put_reply },
    { "POST", "/api/v1/replies/*/decision",     NULL, api_post_reply_decision },
    { "PUT",  "/api/v1/departments/*",          NULL, api_put_department },
    { "PUT",  "/api/v1/users/*",                NULL, api_put_user },
    { "POST", "/api/v1/users/*/password",       NULL, api_post_user_password },
    { "GET",  "/api/v1/rules",                  api_get_rules, NULL },
    { "POST", "/api/v1/rules",                  api_post_rule, NULL },
    { "DELETE", "/api/v1/rules/*",              NULL, api_delete_rule },
    { "GET",  "/api/v1/audit",                  api_get_audit, NULL },
    { "GET",  "/api/v1/digest",                 api_get_digest, NULL },
    { "GET",  "/api/v1/audit/export",           api_get_audit_export, NULL },
    { "GET",  "/api/v1/inbox/export",           api_get_inbox_export, NULL },
    { "GET",  "/api/v1/stats/export",           api_get_stats_export, NULL },
    { "GET",  "/api/v1/templates",              api_get_templates, NULL },
    { "POST", "/api/v1/templates",              api_post_template, NULL },
    { "DELETE", "/api/v1/templates/*",          NULL, api_delete_template },
    { "POST", "/api/v1/messages/*/notes",       NULL, api_post_note },
    { "PUT",  "/api/v1/messages/*/draft",       NULL, api_put_draft },
    { "GET",  "/api/v1/holidays",               api_get_holidays, NULL },
    { "POST", "/api/v1/holidays",               api_post_holiday, NULL },
};

/* Matches path against pattern; copies the '*' segment into arg. */
static bool match(const char *pattern, const char *path, char *arg, size_t cap) {
    while (*pattern && *path) {
        if (*pattern == '*') {
            const char *slash = strchr(path, '/');
            size_t n = slash ? (size_t)(slash - path) : strlen(path);
            if (n == 0 || n >= cap) return false;
            memcpy(arg, path, n); arg[n] = 0;
            path += n; pattern++;
            continue;
        }
        if (*pattern++ != *path++) return false;
    }
    return !*pattern && !*path;
}

/* GET /metrics (Prometheus text format): for loopback clients (a local
 * Prometheus or node exporter), addresses given with --metrics-allow, and
 * admins. Behind a proxy the client is the forwarded address, so remote
 * visitors coming through a local nginx are not "loopback". */
static void get_metrics(api_ctx *c, http_req *r) {
    uint8_t a[16];
    proxy_cidr loop[2];
    char err[64];
    proxy_cidr_parse("127.0.0.0/8", &loop[0], err, sizeof err);
    proxy_cidr_parse("::1", &loop[1], err, sizeof err);
    bool ok = proxy_addr_parse(str_c(r->ip), a) && (proxy_match(loop, 2, a) || proxy_match(c->metrics_allow, c->nmetrics_allow, a));
    if (!ok) {
        who w = session_of(c, r);
        if (!w.ok) return http_error(r, 403, "forbidden", NULL, "metrics are for local monitoring and admins");
        if (!api_require_role(r, &w, "admin")) return;
    }
    store_gauges g = {0};
    if (OPS->gauges(ST, &g)) return api_store_failed(r, ST);
    r->status = 200;
    r->content_type = "text/plain; version=0.0.4; charset=utf-8";
    http_add_header(r, "Cache-Control", "no-store");
    buf_reset(&r->out);
    if (metrics_render(&r->out)) return http_error(r, 500, "internal", NULL, "out of memory");
    char tmp[1024];
    int n = snprintf(tmp, sizeof tmp,
        "# HELP minyi_analyzer_queue_messages Messages waiting for the background analyzer.\n"
        "# TYPE minyi_analyzer_queue_messages gauge\nminyi_analyzer_queue_messages %lld\n"
        "# HELP minyi_analyzer_lag_seconds How long the analyzer has been continuously behind (0 = keeping up).\n"
        "# TYPE minyi_analyzer_lag_seconds gauge\nminyi_analyzer_lag_seconds %.0f\n"
        "# HELP minyi_messages_held Messages held for a moderator.\n"
        "# TYPE minyi_messages_held gauge\nminyi_messages_held %lld\n"
        "# HELP minyi_messages_overdue Published messages without a reply past their deadline.\n"
        "# TYPE minyi_messages_overdue gauge\nminyi_messages_overdue %lld\n",
        (long long)g.pending, analyzer_lag(c->an), (long long)g.held, (long long)g.overdue);
    if (n > 0) buf_put(&r->out, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* The styled 404 page (web/404.html), status 404; a plain one when the
 * file is missing. Read each time: 404s are rare and the file is small. */
static void not_found_page(api_ctx *c, http_req *r) {
    r->status = 404;
    r->content_type = "text/html; charset=utf-8";
    buf_reset(&r->out);
    char path[4096];
    FILE *f = NULL;
    if (c->web_root && snprintf(path, sizeof path, "%s/404.html", c->web_root) < (int)sizeof path) f = fopen(path, "rb");
    if (f) {
        char chunk[4096];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_put(&r->out, chunk, n);
        fclose(f);
        if (r->out.n) return;
    }
    buf_puts(&r->out, "<!doctype html><meta charset=utf-8><title>404</title><p>页面不存在 (404). <a href=\"/\">返回首页</a>\n");
}

void api_handle(http_req *r, void *ud) {
    api_ctx *c = ud;
    const char *path = r->path;
    if (!strcmp(path, "/metrics")) {
        r->route = "/metrics";
        if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) { http_add_header(r, "Allow", "GET, HEAD"); return http_error(r, 405, "method_not_allowed", NULL, "use GET"); }
        return get_metrics(c, r);
    }
    if (!strcmp(path, "/healthz")) {
        r->route = "/healthz";
        if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) { http_add_header(r, "Allow", "GET, HEAD"); return http_error(r, 405, "method_not_allowed", NULL, "use GET"); }
        return http_json(r, 200, json_pack("{s:b}", "ok", 1));
    }
    if (!strncmp(path, "/api/", 5)) {
        char arg[128], allow[64] = "";
        for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
            if (!match(routes[i].pattern, path, arg, sizeof arg)) continue;
            if (strcmp(routes[i].method, r->method)) {
                if (!strstr(allow, routes[i].method)) { if (*allow) strcat(allow, ", "); strcat(allow, routes[i].method); }
                continue;
            }
            r->route = routes[i].pattern;
            if (routes[i].fn0) routes[i].fn0(c, r); else routes[i].fn1(c, r, arg);
            return;
        }
        r->route = "/api/(unmatched)";
        if (*allow) {
            http_add_header(r, "Allow", allow);
            return http_error(r, 405, "method_not_allowed", NULL, "%s is not allowed on %s (allowed: %s)", r->method, path, allow);
        }
        return http_error(r, 404, "not_found", NULL, "no API endpoint %s", path);
    }
    /* Apache ECharts from its npm package, served locally: government
     * intranets have no CDN (DESIGN.md). /vendor/echarts/X -> node_modules/echarts/dist/X */
    r->route = "(static)";
    if ((!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD")) && !strncmp(path, "/vendor/echarts/", 16)) {
        const char *saved = r->path;
        r->path = path + 15;
        bool found = http_static(r, c->vendor_echarts);
        r->path = saved;
        if (found) return;
    }
    if ((!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD")) && http_static(r, c->web_root)) return;
    if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) {
        http_add_header(r, "Allow", "GET, HEAD");
        return http_error(r, 405, "method_not_allowed", NULL, "%s is not allowed on %s", r->method, path);
    }
    not_found_page(c, r);
}
