/* api_work.c: the API for the work after intake (docs/api.md): transfers
 * (routing corrections), classifier models and the label -> department map,
 * thresholds, the moderation queue, sensitive words, near-duplicate groups. */
#include "app/api_int.h"
#include "app/auth.h"
#include "core/log.h"
#include "core/lifecycle.h"
#include "text/classify.h"
#include "text/pii.h"
#include "text/utf8.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>
#include <time.h>

static bool is_role(const who *w, const char *a, const char *b) {
    return !strcmp(w->u.role, a) || (b && !strcmp(w->u.role, b));
}

/* A department given by name ("department") or id ("department_id"). */
bool api_department_of(api_ctx *c, http_req *r, json_t *j, int64_t *dept) {
    str name; valid_err e;
    bool by_id = json_object_get(j, "department_id") != NULL;
    const char *field = by_id ? "department_id" : "department";
    if (by_id ? valid_id(j, "department_id", dept, &e) : valid_text(j, "department", true, 100, &name, &e)) { api_invalid(r, &e); return false; }
    json_t *list;
    if (OPS->dept_list(ST, &list)) { api_store_failed(r, ST); return false; }
    json_t *found = NULL, *d;
    size_t i;
    json_array_foreach(list, i, d)
        if (by_id ? json_integer_value(json_object_get(d, "id")) == *dept
                  : str_eq_c(name, json_string_value(json_object_get(d, "name")))) found = d;
    bool disabled = found && json_is_true(json_object_get(found, "disabled"));
    if (found) *dept = json_integer_value(json_object_get(found, "id"));
    json_decref(list);
    if (!found && by_id) http_error(r, 422, "invalid", field, "no department %lld", (long long)*dept);
    else if (!found) http_error(r, 422, "invalid", field, "no department '%.*s'", (int)name.n, name.p);
    else if (disabled) http_error(r, 422, "invalid", field, "the department is disabled");
    return found && !disabled;
}

void api_transfer_one(api_ctx *c, const who *w, int64_t id, int64_t to, str reason, api_outcome *o) {
    memset(o, 0, sizeof *o);
    o->status = 200;
    store_msg m;
    int rc = OPS->msg_get(ST, id, &m);
    if (rc == STORE_NOT_FOUND) return api_outcome_set(o, 404, "not_found", NULL, "no message %lld", (long long)id);
    if (rc) return api_outcome_failed(c, o);
    int64_t from = m.department_id;
    snprintf(o->from, sizeof o->from, "%s", m.state);
    store_msg_clear(&m);
    if (!api_may_handle(w, from)) return api_outcome_set(o, 403, "forbidden", NULL, "only the message's department (or an admin) may transfer it");
    if (to == from) return api_outcome_set(o, 422, "invalid", "department", "the message is already with this department");
    rc = OPS->msg_transfer(ST, id, to, w->u.id, reason);
    if (rc == STORE_CONFLICT) return api_outcome_set(o, 409, "conflict", "state", "only a new or assigned message can be transferred");
    if (rc) return api_outcome_failed(c, o);
    snprintf(o->state, sizeof o->state, "assigned");
    o->department_id = to;
}

void api_post_transfer(api_ctx *c, http_req *r, const char *arg) {
    who w;
    if (!api_require_login(c, r, &w, true)) return;
    int64_t id, to;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no message '%.40s'", arg);
    json_t *j = http_body_json(r);
    if (!j) return;
    str reason; valid_err e;
    if (!api_department_of(c, r, j, &to)) { json_decref(j); return; }
    if (valid_text(j, "reason", false, 500, &reason, &e)) { api_invalid(r, &e); json_decref(j); return; }
    api_outcome o;
    api_transfer_one(c, &w, id, to, reason, &o);
    json_decref(j);
    if (o.status != 200) return api_outcome_send(r, &o);
    http_json(r, 200, json_pack("{s:I,s:I}", "id", (json_int_t)id, "department_id", (json_int_t)to));
}

/* ---- models and labels -------------------------------------------------- */

void api_get_models(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, false) || !api_require_role(r, &w, "admin")) return;
    json_t *a;
    if (OPS->model_list(ST, "classifier", &a)) return api_store_failed(r, ST);
    http_json(r, 200, json_pack("{s:o}", "models", a));
}

/* The body is a model file as written by `minyi train` (application/octet-stream). */
void api_post_model(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, true) || !api_require_role(r, &w, "admin")) return;
    if (r->body_too_large) return http_error(r, 413, "too_large", NULL, "the model file is larger than the upload limit");
    if (r->body.n == 0) return http_error(r, 422, "missing", "model", "the request body must be a model file from `minyi train`");
    const char *ct = http_header(r, "Content-Type");
    if (!ct || strncasecmp(ct, "application/octet-stream", 24) != 0)
        return http_error(r, 415, "unsupported_media_type", NULL, "send the model file with Content-Type: application/octet-stream");
    char err[512];
    json_t *meta;
    if (analyzer_model_check(r->body.p, r->body.n, c->dict, &meta, err, sizeof err))
        return http_error(r, 422, "invalid", "model", "%s", err);
    json_t *labels = json_incref(json_object_get(meta, "labels"));
    const char *name = http_query(r, "name");
    char dflt[64];
    if (!name || !*name) { snprintf(dflt, sizeof dflt, "model-%ld", (long)time(NULL)); name = dflt; }
    int64_t id;
    int rc = OPS->model_add(ST, "classifier", str_c(name), r->body.p, r->body.n, meta, &id);
    json_decref(meta);
    if (rc) { json_decref(labels); return api_store_failed(r, ST); }
    const char *act = http_query(r, "activate");
    bool active = act && !strcmp(act, "1");
    if (active && OPS->model_activate(ST, "classifier", id)) { json_decref(labels); return api_store_failed(r, ST); }
    json_t *d = json_pack("{s:I,s:b}", "model_id", (json_int_t)id, "active", active);
    OPS->event_add(ST, w.u.id, "model_add", 0, d);
    json_decref(d);
    analyzer_kick(c->an);
    http_json(r, 201, json_pack("{s:I,s:o,s:b}", "id", (json_int_t)id, "labels", labels, "active", active));
}

void api_post_model_activate(api_ctx *c, http_req *r, const char *arg) {
    who w;
    if (!api_require_login(c, r, &w, true) || !api_require_role(r, &w, "admin")) return;
    int64_t id;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no model '%.40s'", arg);
    int rc = OPS->model_activate(ST, "classifier", id);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no model %lld", (long long)id);
    if (rc) return api_store_failed(r, ST);
    json_t *d = json_pack("{s:I}", "model_id", (json_int_t)id);
    OPS->event_add(ST, w.u.id, "model_activate", 0, d);
    json_decref(d);
    analyzer_kick(c->an);
    http_json(r, 200, json_pack("{s:I,s:b}", "id", (json_int_t)id, "active", 1));
}

void api_get_labels(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, false)) return;
    json_t *a;
    if (OPS->label_map_list(ST, &a)) return api_store_failed(r, ST);
    http_json(r, 200, json_pack("{s:o}", "labels", a));
}

/* {"label":..,"department":..} maps; {"label":..,"department":null} unmaps. */
void api_post_label(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, true) || !api_require_role(r, &w, "admin")) return;
    json_t *j = http_body_json(r);
    if (!j) return;
    str label; valid_err e;
    int64_t dept = 0;
    if (valid_text(j, "label", true, 100, &label, &e)) { api_invalid(r, &e); json_decref(j); return; }
    json_t *d = json_object_get(j, "department");
    if (!(json_is_null(d) && !json_object_get(j, "department_id")) && !api_department_of(c, r, j, &dept)) { json_decref(j); return; }
    int rc = OPS->label_map_set(ST, label, dept);
    if (rc == STORE_OK) OPS->event_add(ST, w.u.id, "label_map", 0, j);
    json_decref(j);
    if (rc) return api_store_failed(r, ST);
    analyzer_kick(c->an);
    api_get_labels(c, r);
}

/* ---- settings ----------------------------------------------------------- */

static const struct { const char *key; double dflt, min, max; bool integer; } settings[] = {
    { "triage_threshold", ANALYZER_DEFAULT_TRIAGE, 0, 1, false },
    { "spam_threshold", ANALYZER_DEFAULT_SPAM, 0, 1, false },
    { "flood_check", 1, 0, 1, true },      /* 1: count messages per sender (IP or author) as a spam signal; 0: off */
    /* Reply deadlines of new messages by type, in working days (holidays: /api/v1/holidays). */
    { "deadline_consult", 5, 1, 60, true },      /* 咨询 */
    { "deadline_help", 7, 1, 60, true },         /* 求助 */
    { "deadline_complaint", 15, 1, 60, true },   /* 投诉 */
    { "deadline_suggestion", 15, 1, 60, true },  /* 建议 */
    { "deadline_thanks", 15, 1, 60, true },      /* 感谢 */
};

void api_get_settings(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, false) || !api_require_role(r, &w, "admin")) return;
    json_t *o = json_object();
    for (size_t i = 0; i < sizeof settings / sizeof *settings; i++) {
        char v[64];
        double d = settings[i].dflt;
        if (OPS->setting_get(ST, settings[i].key, v, sizeof v) == STORE_OK) d = strtod(v, NULL);
        json_object_set_new(o, settings[i].key, json_real(d));
    }
    http_json(r, 200, o);
}

void api_post_settings(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, true) || !api_require_role(r, &w, "admin")) return;
    json_t *j = http_body_json(r);
    if (!j) return;
    const char *key; json_t *v;
    json_object_foreach(j, key, v) {
        size_t k = 0;
        while (k < sizeof settings / sizeof *settings && strcmp(key, settings[k].key)) k++;
        if (k == sizeof settings / sizeof *settings) { http_error(r, 422, "invalid", key, "unknown setting '%s'", key); json_decref(j); return; }
        double d = json_is_number(v) ? json_number_value(v) : -1e300;
        if (d < settings[k].min || d > settings[k].max || (settings[k].integer && d != (double)(long)d)) {
            http_error(r, 422, "invalid", key, "%s must be %s from %g to %g", key, settings[k].integer ? "a whole number" : "a number",
                       settings[k].min, settings[k].max);
            json_decref(j); return;
        }
    }
    json_object_foreach(j, key, v) {
        char s[64];
        snprintf(s, sizeof s, "%.6g", json_number_value(v));
        if (OPS->setting_set(ST, key, s)) { json_decref(j); return api_store_failed(r, ST); }
    }
    OPS->event_add(ST, w.u.id, "settings", 0, j);
    json_decref(j);
    analyzer_kick(c->an);
    api_get_settings(c, r);
}

/* ---- moderation --------------------------------------------------------- */

void api_get_moderation(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, false)) return;
    if (!is_role(&w, "moderator", "admin")) return http_error(r, 403, "forbidden", NULL, "the moderation queue is for moderators");
    const char *lim = http_query(r, "limit"), *off = http_query(r, "offset");
    json_t *o;
    if (OPS->moderation_queue(ST, lim ? atoi(lim) : 50, off ? atoi(off) : 0, &o)) return api_store_failed(r, ST);
    http_json(r, 200, o);
}

const char *api_moderation_decision(http_req *r, json_t *j, str *reason) {
    str decision;
    valid_err e;
    if (valid_text(j, "decision", true, 10, &decision, &e) || valid_text(j, "reason", false, 500, reason, &e)) {
        api_invalid(r, &e);
        return NULL;
    }
    const char *d = str_eq_c(decision, "approve") ? "approve" : str_eq_c(decision, "reject") ? "reject"
                  : str_eq_c(decision, "spam") ? "spam" : NULL;
    if (!d) { http_error(r, 422, "invalid", "decision", "decision must be approve, reject or spam"); return NULL; }
    if (!strcmp(d, "reject") && !reason->p) { http_error(r, 422, "missing", "reason", "a rejection needs a reason"); return NULL; }
    return d;
}

const char *api_moderate_held(api_ctx *c, http_req *r, const char *arg, const char *what,
                              api_held_op op, int64_t *id, json_t **shown) {
    who w;
    *shown = NULL;
    if (!api_require_login(c, r, &w, true)) return NULL;
    if (!is_role(&w, "moderator", "admin")) { http_error(r, 403, "forbidden", NULL, "moderation is for moderators"); return NULL; }
    if (!api_parse_id(arg, id)) { http_error(r, 404, "not_found", NULL, "no %s '%.40s'", what, arg); return NULL; }
    json_t *j = http_body_json(r);
    if (!j) return NULL;
    str reason;
    const char *d = api_moderation_decision(r, j, &reason);
    if (!d) { json_decref(j); return NULL; }
    int rc = op(ST, *id, w.u.id, d, reason, shown);
    json_decref(j);
    if (rc == STORE_NOT_FOUND) { http_error(r, 404, "not_found", NULL, "%s %lld is not waiting for moderation", what, (long long)*id); return NULL; }
    if (rc) { api_store_failed(r, ST); return NULL; }
    return d;
}

/* {"decision":"approve"|"reject"|"spam","reason":..}; reject needs a reason. */
void api_post_moderate(api_ctx *c, http_req *r, const char *arg) {
    who w;
    if (!api_require_login(c, r, &w, true)) return;
    if (!is_role(&w, "moderator", "admin")) return http_error(r, 403, "forbidden", NULL, "moderation is for moderators");
    int64_t id;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no message '%.40s'", arg);
    json_t *j = http_body_json(r);
    if (!j) return;
    str reason;
    const char *d = api_moderation_decision(r, j, &reason);
    if (!d) { json_decref(j); return; }
    int rc = OPS->moderate(ST, id, w.u.id, d, reason);
    json_decref(j);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "message %lld is not waiting for moderation", (long long)id);
    if (rc) return api_store_failed(r, ST);
    analyzer_kick(c->an);   /* an approved message goes back through routing */
    http_json(r, 200, json_pack("{s:I,s:s}", "id", (json_int_t)id, "decision", d));
}

/* ---- sensitive words ---------------------------------------------------- */

void api_get_words(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, false)) return;
    if (!is_role(&w, "admin", "moderator")) return http_error(r, 403, "forbidden", NULL, "the word list is for admins and moderators");
    json_t *a;
    if (OPS->word_list(ST, &a)) return api_store_failed(r, ST);
    http_json(r, 200, json_pack("{s:o}", "words", a));
}

void api_post_word(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, true) || !api_require_role(r, &w, "admin")) return;
    json_t *j = http_body_json(r);
    if (!j) return;
    str word; valid_err e; int64_t id = 0;
    if (valid_text(j, "word", true, 100, &word, &e)) { api_invalid(r, &e); json_decref(j); return; }
    int rc = OPS->word_add(ST, word, &id);
    if (rc == STORE_OK) OPS->event_add(ST, w.u.id, "word_add", 0, j);
    json_decref(j);
    if (rc == STORE_CONFLICT) return http_error(r, 409, "conflict", "word", "the word is already listed");
    if (rc) return api_store_failed(r, ST);
    analyzer_kick(c->an);
    http_json(r, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

void api_delete_word(api_ctx *c, http_req *r, const char *arg) {
    who w;
    if (!api_require_login(c, r, &w, true) || !api_require_role(r, &w, "admin")) return;
    int64_t id;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no word '%.40s'", arg);
    int rc = OPS->word_del(ST, id);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no word %lld", (long long)id);
    if (rc) return api_store_failed(r, ST);
    json_t *d = json_pack("{s:I}", "word_id", (json_int_t)id);
    OPS->event_add(ST, w.u.id, "word_delete", 0, d);
    json_decref(d);
    http_json(r, 200, json_pack("{s:b}", "ok", 1));
}

/* ---- near-duplicate groups ---------------------------------------------- */

void api_get_group(api_ctx *c, http_req *r, const char *arg) {
    who w;
    if (!api_require_login(c, r, &w, false)) return;
    int64_t id;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no group '%.40s'", arg);
    const char *lim = http_query(r, "limit");
    json_t *o;
    int rc = OPS->group_members(ST, id, lim ? atoi(lim) : 100, &o);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no group %lld", (long long)id);
    if (rc) return api_store_failed(r, ST);
    http_json(r, 200, o);
}

/* ---- search ------------------------------------------------------------- */

/* GET /api/v1/search?q=..: officials; a handler searches their department's messages. */
void api_get_search(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, false)) return;
    const char *q = http_query(r, "q");
    if (!q || !*q) return http_error(r, 422, "missing", "q", "q (what to search for) is required");
    size_t n = strlen(q);
    if (!utf8_valid(q, n)) return http_error(r, 400, "invalid_utf8", "q", "q is not valid UTF-8");
    if (utf8_count(q, n) > 200) return http_error(r, 422, "too_long", "q", "q is longer than 200 characters");
    int64_t dept = 0;
    if (!strcmp(w.u.role, "handler") || !strcmp(w.u.role, "head")) dept = w.u.department_id;
    const char *lim = http_query(r, "limit"), *off = http_query(r, "offset");
    int limit = lim ? atoi(lim) : 20, offset = off ? atoi(off) : 0;
    if (limit <= 0 || limit > 200) limit = 20;
    json_t *o;
    int rc = OPS->search(ST, (str){ q, n }, dept, limit, offset < 0 ? 0 : offset, &o);
    if (rc == STORE_INVALID) return http_error(r, 422, "invalid", "q", "q has no letters, digits or Chinese characters to search for");
    if (rc) return api_store_failed(r, ST);
    http_json(r, 200, o);
}

/* ---- ratings and public figures ----------------------------------------- */

/* POST /api/v1/messages/{tracking_code}/rating: the code is the citizen's key. */
void api_post_rating(api_ctx *c, http_req *r, const char *arg) {
    char code[20];
    store_msg m;
    if (!api_code_allowed(c, r)) return;
    if (!api_tracking_code(arg, code)) return api_code_unknown(c, r, arg);
    json_t *j = http_body_json(r);
    if (!j) return;
    json_t *sc = json_object_get(j, "score");
    str comment; valid_err e;
    if (!sc) { json_decref(j); return http_error(r, 422, "missing", "score", "score (1 to 5) is required"); }
    if (!json_is_integer(sc) || json_integer_value(sc) < 1 || json_integer_value(sc) > 5) {
        json_decref(j); return http_error(r, 422, "invalid", "score", "score must be a whole number from 1 to 5");
    }
    if (valid_text(j, "comment", false, 500, &comment, &e)) { api_invalid(r, &e); json_decref(j); return; }
    int rc = OPS->msg_get_code(ST, str_c(code), &m);
    if (rc) { json_decref(j); if (rc == STORE_NOT_FOUND) return api_code_unknown(c, r, code); return api_store_failed(r, ST); }
    int64_t id = m.id;
    store_msg_clear(&m);
    rc = OPS->rating_add(ST, id, (int)json_integer_value(sc), comment);
    json_decref(j);
    if (rc == STORE_CONFLICT) return http_error(r, 409, "conflict", "score", "the message has no reply to rate yet, or it is already rated");
    if (rc) return api_store_failed(r, ST);
    http_json(r, 201, json_pack("{s:b}", "ok", 1));
}

static bool valid_day(const char *d) {
    int y, m, dd;
    char tail;
    return strlen(d) == 10 && sscanf(d, "%4d-%2d-%2d%c", &y, &m, &dd, &tail) == 3 && d[4] == '-' && d[7] == '-'
           && m >= 1 && m <= 12 && dd >= 1 && dd <= 31;
}

/* Deadlines pass with time, not with a request: at most once a minute, the
 * first stats request marks what went overdue since (a short write through
 * an index of the open messages past due). */
static void sweep_overdue(api_ctx *c) {
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static time_t last;
    time_t now = time(NULL);
    if (pthread_mutex_trylock(&mu)) return;          /* another request is sweeping */
    if (now - last >= 60) {
        char ts[32];
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
        int64_t n;
        if (OPS->overdue_sweep(ST, ts, &n)) log_error("store: %s", store_errmsg(ST));
        else last = now;
    }
    pthread_mutex_unlock(&mu);
}

/* GET /api/v1/stats[?from=DATE&to=DATE&department=ID&public=1]: figures per
 * department over the messages received in [from, to], from the running
 * aggregates (no cache needed). Anyone gets the public view (every
 * department, no supervision figures; public=1 asks for it when logged
 * in); leaders and admins the official view of every department; a handler
 * the official view of their own department only. */
void api_get_stats(api_ctx *c, http_req *r) {
    store_stats_query q = { 0 };
    const char *from = http_query(r, "from"), *to = http_query(r, "to"), *dept = http_query(r, "department");
    const char *pub = http_query(r, "public");
    if (from && *from) { if (!valid_day(from)) return http_error(r, 422, "invalid", "from", "from must be a date YYYY-MM-DD"); q.from = from; }
    if (to && *to) { if (!valid_day(to)) return http_error(r, 422, "invalid", "to", "to must be a date YYYY-MM-DD"); q.to = to; }
    if (q.from && q.to && strcmp(q.from, q.to) > 0) return http_error(r, 422, "invalid", "to", "to is before from");
    if (dept && *dept && !api_parse_id(dept, &q.department_id)) return http_error(r, 422, "invalid", "department", "department must be a department id");
    const char *tok = http_cookie(r, "minyi_session");
    store_user u;
    char csrf[65];
    /* A stale session cookie just means the public view. */
    if (!(pub && !strcmp(pub, "1")) && tok && auth_session_find(ST, tok, &u, csrf) == STORE_OK) {
        store_user *wu = &u;
        const char *role = wu->role;
        if (!strcmp(role, "admin") || !strcmp(role, "leader")) q.official = true;
        else if (!strcmp(role, "handler") || !strcmp(role, "head")) {
            if (!wu->department_id) return http_error(r, 403, "forbidden", NULL, "this account has no department");
            if (q.department_id && q.department_id != wu->department_id)
                return http_error(r, 403, "forbidden", "department", "the figures of another department are for leaders");
            q.department_id = wu->department_id;
            q.official = true;
        }
    }
    sweep_overdue(c);
    json_t *o;
    if (OPS->stats(ST, &q, &o)) return api_store_failed(r, ST);
    char v[32];
    long days = OPS->setting_get(ST, "reply_days", v, sizeof v) == STORE_OK ? strtol(v, NULL, 10) : 15;
    json_object_set_new(o, "reply_days", json_integer(days));
    /* The deadlines by type, in working days, as the public page explains them. */
    json_t *dl = json_object();
    int nk;
    const lc_deadline *kinds = lifecycle_deadlines(&nk);
    for (int i = 0; i < nk; i++) {
        long d = OPS->setting_get(ST, kinds[i].setting, v, sizeof v) == STORE_OK ? strtol(v, NULL, 10) : kinds[i].days;
        json_object_set_new(dl, kinds[i].type, json_integer(d));
    }
    json_object_set_new(o, "deadlines", dl);
    json_object_set_new(o, "view", json_string(q.official ? "official" : "public"));
    json_object_set_new(o, "from", q.from ? json_string(q.from) : json_null());
    json_object_set_new(o, "to", q.to ? json_string(q.to) : json_null());
    http_json(r, 200, o);
}

/* GET /api/v1/hot?days=7: public hot issues. Group titles are citizen text:
 * masked here like every public view. Keyword counts and campaigns are
 * cached 10 s per window; the issues (api_hot.c) are live. */
void api_get_hot(api_ctx *c, http_req *r) {
    const char *d = http_query(r, "days");
    long days = 7;
    if (d) {
        char *end;
        days = strtol(d, &end, 10);
        if (*end || days < 1 || days > 90) return http_error(r, 422, "invalid", "days", "days must be a whole number from 1 to 90");
    }
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static json_t *cached[91];
    static struct timespec at[91];
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&mu);
    if (!cached[days] || now.tv_sec - at[days].tv_sec >= 10) {
        json_t *o;
        if (OPS->hot(ST, (int)days, &o)) { pthread_mutex_unlock(&mu); return api_store_failed(r, ST); }
        size_t i; json_t *g;
        json_array_foreach(json_object_get(o, "groups"), i, g) {
            const char *t = json_string_value(json_object_get(g, "title"));
            buf b = {0};
            if (t && pii_mask(t, strlen(t), PII_ALL, &b) == 0) json_object_set_new(g, "title", json_stringn(b.p ? b.p : "", b.n));
            buf_free(&b);
        }
        json_decref(cached[days]);
        cached[days] = o;
        at[days] = now;
    }
    json_t *o = json_deep_copy(cached[days]);
    pthread_mutex_unlock(&mu);
    /* Issues (place + problem) are live: computed from memory on each request. */
    json_object_set_new(o, "issues", api_hot_issues(c, days, 20));
    http_json(r, 200, o);
}
