/* api_life.c: the API of the officials' lifecycle (docs/api.md): close,
 * return, decline, assign, urge, extensions and their approval, the
 * citizen's follow-up, replies awaiting the head's approval, corrected
 * replies, the holiday calendar. Who may do what, and from which state,
 * comes from the one table in core/lifecycle.c; the store re-checks the
 * state inside the transaction that makes the change. */
#include "app/api_int.h"
#include "core/lifecycle.h"
#include "core/workcal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *role_of(const who *w) { return w->u.role; }

/* May this official act on a message of department dept under rule r? */
static bool may_act(const who *w, const lc_rule *r, int64_t dept) {
    if (!lifecycle_role_ok(r, role_of(w))) return false;
    if (!strcmp(role_of(w), "leader")) return true;        /* leaders urge any department */
    return api_may_handle(w, dept);
}

/* The message id of a path and its department; sends 404/500 and returns false otherwise. */
static bool load_msg(api_ctx *c, http_req *r, const char *arg, int64_t *id, store_msg *m) {
    if (!api_parse_id(arg, id)) { http_error(r, 404, "not_found", NULL, "no message '%.40s'", arg); return false; }
    int rc = OPS->msg_get(ST, *id, m);
    if (rc == STORE_NOT_FOUND) { http_error(r, 404, "not_found", NULL, "no message %lld", (long long)*id); return false; }
    if (rc) { api_store_failed(r, ST); return false; }
    return true;
}

/* The refusal of an action from a state, naming the states it may start from. */
static void refused_outcome(api_outcome *o, const char *action, const char *shown, const char *state) {
    const lc_rule *rule = lifecycle_rule(action);
    char allowed[64] = "";
    for (int i = 0; rule && i < 5 && rule->from[i]; i++) {
        if (*allowed) strcat(allowed, ", ");
        strncat(allowed, rule->from[i], sizeof allowed - strlen(allowed) - 1);
    }
    api_outcome_set(o, 409, "conflict", "state", "a %s message cannot be %s (only from: %s)", state, shown, allowed);
}


/* One of close / return / decline / urge / assign on one message, for the
 * single endpoints and the bulk one alike: message, role and department,
 * the text field, the transition (the table decides, the store re-checks).
 * j holds the parameters ("note" / "reason" / "user"). */
void api_act_one(api_ctx *c, const who *w, int64_t id, const char *action, json_t *j, api_outcome *o) {
    memset(o, 0, sizeof *o);
    o->status = 200;
    const lc_rule *rule = lifecycle_rule(action);
    const char *field = !strcmp(action, "close") || !strcmp(action, "urge") ? "note"
                      : !strcmp(action, "assign") ? NULL : "reason";
    store_msg m;
    int rc = OPS->msg_get(ST, id, &m);
    if (rc == STORE_NOT_FOUND) return api_outcome_set(o, 404, "not_found", NULL, "no message %lld", (long long)id);
    if (rc) return api_outcome_failed(c, o);
    int64_t dept = m.department_id;
    store_msg_clear(&m);
    if (!lifecycle_role_ok(rule, role_of(w))) return api_outcome_set(o, 403, "forbidden", NULL, "a %s may not %s messages", role_of(w), action);
    if (!may_act(w, rule, dept)) return api_outcome_set(o, 403, "forbidden", NULL, "this message belongs to another department");
    store_act a = { .msg_id = id, .action = action, .user_id = w->u.id };
    valid_err e;
    if (field && valid_text(j, field, rule->needs_reason, 2000, &a.reason, &e))
        return api_outcome_set(o, 422, e.code, e.field, "%s", e.message);
    if (!strcmp(action, "assign")) {
        str login;
        store_user u;
        if (valid_text(j, "user", true, 64, &login, &e)) return api_outcome_set(o, 422, e.code, e.field, "%s", e.message);
        rc = OPS->user_get(ST, login, &u);
        if (rc == STORE_NOT_FOUND || (rc == STORE_OK && strcmp(u.role, "handler") && strcmp(u.role, "head")))
            return api_outcome_set(o, 422, "invalid", "user", "no handler '%.*s'", (int)login.n, login.p);
        if (rc) return api_outcome_failed(c, o);
        /* A head gives work to their own people; an admin may also move it to the handler's department. */
        if (strcmp(role_of(w), "admin") && u.department_id != dept)
            return api_outcome_set(o, 422, "invalid", "user", "%s is not in this message's department", u.login);
        a.assignee_id = u.id;
        a.dept_id = u.department_id;
    }
    rc = OPS->msg_act(ST, &a, o->from);
    if (rc == STORE_CONFLICT) return refused_outcome(o, action, action, o->from);
    if (rc == STORE_NOT_FOUND) return api_outcome_set(o, 404, "not_found", NULL, "no message %lld", (long long)id);
    if (rc) return api_outcome_failed(c, o);
    snprintf(o->state, sizeof o->state, "%s", lifecycle_to(rule, o->from));
}

static void act(api_ctx *c, http_req *r, const char *arg, const char *action) {
    who w;
    if (!api_require_login(c, r, &w, true)) return;
    int64_t id;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no message '%.40s'", arg);
    json_t *j = http_body_json(r);
    if (!j) return;
    api_outcome o;
    api_act_one(c, &w, id, action, j, &o);
    json_decref(j);
    if (o.status != 200) return api_outcome_send(r, &o);
    http_json(r, 200, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "from", o.from, "state", o.state));
}

/* POST /api/v1/messages/bulk {"ids":[..],"action":"transfer|return|close",
 * "department"|"department_id" (transfer), "reason" (return, transfer),
 * "note" (close)}: the same action on each selected message through the
 * same path as one at a time (table, department check, store re-check,
 * audit), each in its own transaction, so one refusal leaves the others
 * done. 200 with a result per id; 403 only when the role may never do the
 * action, 422 when the request itself is malformed. */
#define BULK_MAX 500
void api_post_bulk(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, true)) return;
    json_t *j = http_body_json(r);
    if (!j) return;
    const char *action = json_string_value(json_object_get(j, "action"));
    if (!action || (strcmp(action, "transfer") && strcmp(action, "return") && strcmp(action, "close"))) {
        json_decref(j);
        return http_error(r, 422, json_object_get(j, "action") ? "invalid" : "missing", "action", "action must be transfer, return or close");
    }
    const lc_rule *rule = lifecycle_rule(action);
    if (!lifecycle_role_ok(rule, role_of(&w))) {
        http_error(r, 403, "forbidden", NULL, "a %s may not %s messages", role_of(&w), action);
        json_decref(j);
        return;
    }
    json_t *ids = json_object_get(j, "ids"), *v;
    if (!json_is_array(ids) || !json_array_size(ids)) { json_decref(j); return http_error(r, 422, ids ? "invalid" : "missing", "ids", "ids must be a non-empty list of message ids"); }
    if (json_array_size(ids) > BULK_MAX) { json_decref(j); return http_error(r, 422, "too_long", "ids", "at most %d messages at once", BULK_MAX); }
    size_t i;
    json_array_foreach(ids, i, v)
        if (!json_is_integer(v) || json_integer_value(v) <= 0) { json_decref(j); return http_error(r, 422, "invalid", "ids", "ids[%zu] is not a message id", i); }
    /* What the whole request must carry is checked once, not refused per message. */
    int64_t to = 0;
    str reason = {0};
    valid_err e;
    bool transfer = !strcmp(action, "transfer");
    if (transfer && !api_department_of(c, r, j, &to)) { json_decref(j); return; }
    const char *field = !strcmp(action, "close") ? "note" : "reason";
    if (valid_text(j, field, rule->needs_reason, transfer ? 500 : 2000, &reason, &e)) { api_invalid(r, &e); json_decref(j); return; }
    json_t *results = json_array();
    size_t done = 0, refused = 0;
    json_array_foreach(ids, i, v) {
        int64_t id = json_integer_value(v);
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++) seen = json_integer_value(json_array_get(ids, k)) == id;
        if (seen) continue;                       /* a message selected twice is acted on once */
        api_outcome o;
        if (transfer) api_transfer_one(c, &w, id, to, reason, &o);
        else api_act_one(c, &w, id, action, j, &o);
        if (o.status == 200) {
            done++;
            json_t *x = json_pack("{s:I,s:b,s:s,s:s}", "id", (json_int_t)id, "ok", 1, "from", o.from, "state", o.state);
            if (transfer) json_object_set_new(x, "department_id", json_integer(to));
            json_array_append_new(results, x);
        } else {
            refused++;
            json_array_append_new(results, json_pack("{s:I,s:b,s:i,s:s,s:s}", "id", (json_int_t)id, "ok", 0,
                                                     "status", o.status, "code", o.code, "error", o.message));
        }
    }
    http_json(r, 200, json_pack("{s:s,s:I,s:I,s:o}", "action", action, "done", (json_int_t)done, "refused", (json_int_t)refused, "results", results));
    json_decref(j);   /* action points into it */
}

void api_post_close(api_ctx *c, http_req *r, const char *arg) { act(c, r, arg, "close"); }
void api_post_return(api_ctx *c, http_req *r, const char *arg) { act(c, r, arg, "return"); }
void api_post_decline(api_ctx *c, http_req *r, const char *arg) { act(c, r, arg, "decline"); }
void api_post_urge(api_ctx *c, http_req *r, const char *arg) { act(c, r, arg, "urge"); }
void api_post_assign(api_ctx *c, http_req *r, const char *arg) { act(c, r, arg, "assign"); }

/* ---- extensions --------------------------------------------------------- */

void api_post_extension(api_ctx *c, http_req *r, const char *arg) {
    who w;
    if (!api_require_login(c, r, &w, true)) return;
    const lc_rule *rule = lifecycle_rule("extension");
    int64_t id;
    store_msg m;
    if (!load_msg(c, r, arg, &id, &m)) return;
    int64_t dept = m.department_id;
    char state[16];
    snprintf(state, sizeof state, "%s", m.state);
    store_msg_clear(&m);
    if (!lifecycle_role_ok(rule, role_of(&w)))
        return http_error(r, 403, "forbidden", NULL, "a %s may not ask for more time", role_of(&w));
    if (!may_act(&w, rule, dept)) return http_error(r, 403, "forbidden", NULL, "this message belongs to another department");
    json_t *j = http_body_json(r);
    if (!j) return;
    json_t *days = json_object_get(j, "days");
    str reason; valid_err e;
    if (!days) { json_decref(j); return http_error(r, 422, "missing", "days", "days (working days, 1 to 60) is required"); }
    if (!json_is_integer(days) || json_integer_value(days) < 1 || json_integer_value(days) > 60) {
        json_decref(j); return http_error(r, 422, "invalid", "days", "days must be a whole number of working days from 1 to 60");
    }
    if (valid_text(j, "reason", true, 2000, &reason, &e)) { api_invalid(r, &e); json_decref(j); return; }
    int64_t xid;
    int rc = OPS->extension_add(ST, id, w.u.id, (int)json_integer_value(days), reason, &xid);
    json_decref(j);
    if (rc == STORE_CONFLICT) {
        if (!lifecycle_from_ok(rule, state)) {
            api_outcome o;
            refused_outcome(&o, "extension", "extended", state);
            return api_outcome_send(r, &o);
        }
        return http_error(r, 409, "conflict", NULL, "an extension of this message is already waiting for a decision");
    }
    if (rc) return api_store_failed(r, ST);
    json_t *o;
    if (OPS->extension_get(ST, xid, &o)) return api_store_failed(r, ST);
    http_json(r, 201, o);
}

/* {"approve":true|false,"reason":..}: the department's head, or an admin. */
void api_post_extension_decision(api_ctx *c, http_req *r, const char *arg) {
    who w;
    if (!api_require_login(c, r, &w, true)) return;
    int64_t id;
    json_t *x;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no extension '%.40s'", arg);
    int rc = OPS->extension_get(ST, id, &x);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no extension %lld", (long long)id);
    if (rc) return api_store_failed(r, ST);
    int64_t dept = json_integer_value(json_object_get(x, "department_id"));
    json_decref(x);
    const lc_rule *rule = lifecycle_rule("extension_decision");
    if (!lifecycle_role_ok(rule, role_of(&w)))
        return http_error(r, 403, "forbidden", NULL, "extensions are decided by the department's head or an admin");
    if (!may_act(&w, rule, dept)) return http_error(r, 403, "forbidden", NULL, "this message belongs to another department");
    json_t *j = http_body_json(r);
    if (!j) return;
    json_t *ap = json_object_get(j, "approve");
    str reason; valid_err e;
    if (!json_is_boolean(ap)) { json_decref(j); return http_error(r, 422, ap ? "invalid" : "missing", "approve", "approve must be true or false"); }
    if (valid_text(j, "reason", false, 2000, &reason, &e)) { api_invalid(r, &e); json_decref(j); return; }
    rc = OPS->extension_decide(ST, id, w.u.id, json_is_true(ap), reason);
    json_decref(j);
    if (rc == STORE_CONFLICT) return http_error(r, 409, "conflict", NULL, "the extension is already decided, or the message is no longer open");
    if (rc) return api_store_failed(r, ST);
    if (OPS->extension_get(ST, id, &x)) return api_store_failed(r, ST);
    http_json(r, 200, x);
}

/* Pending extensions: a head sees their department's, leaders and admins all. */
void api_get_extensions(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, false)) return;
    int64_t dept = 0;
    if (!strcmp(role_of(&w), "head") || !strcmp(role_of(&w), "handler")) dept = w.u.department_id;
    else if (strcmp(role_of(&w), "admin") && strcmp(role_of(&w), "leader"))
        return http_error(r, 403, "forbidden", NULL, "extensions are for departments, leaders and admins");
    json_t *a;
    if (OPS->extension_list(ST, 0, dept, &a)) return api_store_failed(r, ST);
    http_json(r, 200, json_pack("{s:o}", "extensions", a));
}

/* ---- the citizen's follow-up question ----------------------------------- */

/* POST /api/v1/messages/{tracking_code}/followup {"body":..}: once, on a replied message; reopens it. */
void api_post_followup(api_ctx *c, http_req *r, const char *arg) {
    char code[20];
    store_msg m;
    if (!api_code_allowed(c, r)) return;
    if (!api_tracking_code(arg, code)) return api_code_unknown(c, r, arg);
    json_t *j = http_body_json(r);
    if (!j) return;
    str body; valid_err e;
    if (valid_text(j, "body", true, 2000, &body, &e)) { api_invalid(r, &e); json_decref(j); return; }
    int rc = OPS->msg_get_code(ST, str_c(code), &m);
    if (rc) { json_decref(j); if (rc == STORE_NOT_FOUND) return api_code_unknown(c, r, code); return api_store_failed(r, ST); }
    int64_t id = m.id;
    store_msg_clear(&m);
    rc = OPS->followup_add(ST, id, body);
    json_decref(j);
    if (rc == STORE_CONFLICT) return http_error(r, 409, "conflict", NULL, "a follow-up question is possible once, after the reply");
    if (rc) return api_store_failed(r, ST);
    http_json(r, 201, json_pack("{s:b}", "ok", 1));
}

/* ---- replies: approval and corrections ---------------------------------- */

/* GET /api/v1/replies?status=pending: replies waiting for approval (a head: their department's). */
void api_get_replies(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, false)) return;
    const char *status = http_query(r, "status");
    if (!status || strcmp(status, "pending")) return http_error(r, 422, "invalid", "status", "status must be pending");
    int64_t dept = 0;
    if (!strcmp(role_of(&w), "head") || !strcmp(role_of(&w), "handler")) dept = w.u.department_id;
    else if (strcmp(role_of(&w), "admin") && strcmp(role_of(&w), "leader"))
        return http_error(r, 403, "forbidden", NULL, "pending replies are for departments, leaders and admins");
    json_t *a;
    if (OPS->replies_pending(ST, dept, &a)) return api_store_failed(r, ST);
    http_json(r, 200, json_pack("{s:o}", "replies", a));
}

static bool load_reply(api_ctx *c, http_req *r, const char *arg, int64_t *id, int64_t *dept) {
    json_t *rep;
    if (!api_parse_id(arg, id)) { http_error(r, 404, "not_found", NULL, "no reply '%.40s'", arg); return false; }
    int rc = OPS->reply_get(ST, *id, &rep);
    if (rc == STORE_NOT_FOUND) { http_error(r, 404, "not_found", NULL, "no reply %lld", (long long)*id); return false; }
    if (rc) { api_store_failed(r, ST); return false; }
    *dept = json_integer_value(json_object_get(rep, "department_id"));
    json_decref(rep);
    return true;
}

/* POST /api/v1/replies/{id}/decision {"approve":true|false,"reason":..}: the head publishes or refuses. */
void api_post_reply_decision(api_ctx *c, http_req *r, const char *arg) {
    who w;
    if (!api_require_login(c, r, &w, true)) return;
    int64_t id, dept;
    if (!load_reply(c, r, arg, &id, &dept)) return;
    const lc_rule *rule = lifecycle_rule("reply_decision");
    if (!lifecycle_role_ok(rule, role_of(&w))) return http_error(r, 403, "forbidden", NULL, "replies are approved by the department's head or an admin");
    if (!may_act(&w, rule, dept)) return http_error(r, 403, "forbidden", NULL, "this reply belongs to another department");
    json_t *j = http_body_json(r);
    if (!j) return;
    json_t *ap = json_object_get(j, "approve");
    str reason; valid_err e;
    if (!json_is_boolean(ap)) { json_decref(j); return http_error(r, 422, ap ? "invalid" : "missing", "approve", "approve must be true or false"); }
    if (valid_text(j, "reason", false, 2000, &reason, &e)) { api_invalid(r, &e); json_decref(j); return; }
    int rc = OPS->reply_decide(ST, id, w.u.id, json_is_true(ap), reason);
    json_decref(j);
    if (rc == STORE_CONFLICT) return http_error(r, 409, "conflict", NULL, "the reply is not waiting for approval, or the message is closed");
    if (rc) return api_store_failed(r, ST);
    json_t *rep;
    if (OPS->reply_get(ST, id, &rep)) return api_store_failed(r, ST);
    http_json(r, 200, rep);
}

/* PUT /api/v1/replies/{id} {"body":..,"reason":..}: corrects a published reply. */
void api_put_reply(api_ctx *c, http_req *r, const char *arg) {
    who w;
    if (!api_require_login(c, r, &w, true)) return;
    int64_t id, dept;
    if (!load_reply(c, r, arg, &id, &dept)) return;
    const lc_rule *rule = lifecycle_rule("reply_correct");
    if (!lifecycle_role_ok(rule, role_of(&w))) return http_error(r, 403, "forbidden", NULL, "a %s may not correct replies", role_of(&w));
    if (!may_act(&w, rule, dept)) return http_error(r, 403, "forbidden", NULL, "this reply belongs to another department");
    json_t *j = http_body_json(r);
    if (!j) return;
    str body, reason; valid_err e;
    if (valid_text(j, "body", true, 10000, &body, &e) || valid_text(j, "reason", true, 2000, &reason, &e)) {
        api_invalid(r, &e); json_decref(j); return;
    }
    int rc = OPS->reply_correct(ST, id, w.u.id, body, reason);
    json_decref(j);
    if (rc == STORE_CONFLICT) return http_error(r, 409, "conflict", NULL, "only a published reply of a replied or closed message can be corrected");
    if (rc) return api_store_failed(r, ST);
    json_t *rep;
    if (OPS->reply_get(ST, id, &rep)) return api_store_failed(r, ST);
    http_json(r, 200, rep);
}

/* Does this department want its handlers' replies approved first? */
bool api_reply_needs_approval(api_ctx *c, const who *w, int64_t dept) {
    if (strcmp(role_of(w), "handler") || !dept) return false;   /* heads and admins publish directly */
    json_t *list;
    if (OPS->dept_list(ST, &list)) return false;
    bool on = false;
    size_t i; json_t *d;
    json_array_foreach(list, i, d)
        if (json_integer_value(json_object_get(d, "id")) == dept) on = json_is_true(json_object_get(d, "reply_approval"));
    json_decref(list);
    return on;
}

/* ---- the holiday calendar ----------------------------------------------- */

void api_get_holidays(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, false)) return;
    json_t *a;
    if (OPS->calendar_list(ST, &a)) return api_store_failed(r, ST);
    http_json(r, 200, json_pack("{s:o}", "days", a));
}

/* {"day":"YYYY-MM-DD","kind":"holiday"|"workday"|null}: null removes the day. */
void api_post_holiday(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, true) || !api_require_role(r, &w, "admin")) return;
    json_t *j = http_body_json(r);
    if (!j) return;
    str day; valid_err e;
    int32_t d;
    if (valid_text(j, "day", true, 10, &day, &e)) { api_invalid(r, &e); json_decref(j); return; }
    if (!workcal_parse_day(day.p, day.n, &d)) { json_decref(j); return http_error(r, 422, "invalid", "day", "day must be a date YYYY-MM-DD"); }
    json_t *k = json_object_get(j, "kind");
    const char *kind = json_is_null(k) ? NULL : json_string_value(k);
    if (!json_is_null(k) && (!kind || (strcmp(kind, "holiday") && strcmp(kind, "workday")))) {
        json_decref(j); return http_error(r, 422, k ? "invalid" : "missing", "kind", "kind must be holiday, workday (a make-up working day) or null");
    }
    char dz[11];
    workcal_format_day(d, dz);
    int rc = OPS->calendar_set(ST, dz, kind);
    if (rc == STORE_OK) OPS->event_add(ST, w.u.id, "calendar", 0, j);
    json_decref(j);
    if (rc) return api_store_failed(r, ST);
    api_get_holidays(c, r);
}

/* ---- what the message JSON says about the lifecycle --------------------- */

void api_life_json(api_ctx *c, const store_msg *m, const who *w, json_t *o) {
    bool official = w != NULL;
    json_t *f;
    if (OPS->followup_get(ST, m->id, &f) != STORE_OK) f = json_null();
    else if (!official) api_mask_field(f, "body", 0);   /* the citizen's question is public text */
    json_object_set_new(o, "followup", f);
    json_t *ext = NULL;
    if (OPS->extension_list(ST, m->id, 0, &ext) != STORE_OK) ext = json_array();
    if (!official) {   /* the citizen sees the granted extensions and the new date */
        json_t *pub = json_array();
        size_t i; json_t *x;
        json_array_foreach(ext, i, x)
            if (!strcmp(json_string_value(json_object_get(x, "status")), "approved"))
                json_array_append_new(pub, json_pack("{s:O,s:O,s:O}", "days", json_object_get(x, "days"),
                                                     "decided_at", json_object_get(x, "decided_at"), "due_at", json_object_get(x, "due_after")));
        json_decref(ext);
        json_object_set_new(o, "extensions", pub);
        return;
    }
    json_object_set_new(o, "extensions", ext);
    bool open = lifecycle_is_open(m->state);
    int left = 0;
    bool have = open && m->due_at[0] && OPS->due_view(ST, m->due_at, &left) == STORE_OK;
    json_object_set_new(o, "days_left", have ? json_integer(left) : json_null());
    json_object_set_new(o, "overdue", json_boolean(have && left < 0));
    json_object_set_new(o, "urge_count", json_integer(m->urge_count));
    json_object_set_new(o, "urged_at", m->urged_at[0] ? json_string(m->urged_at) : json_null());
    json_object_set_new(o, "reopen_count", json_integer(m->reopen_count));
    json_object_set_new(o, "assignee", m->assignee[0] ? json_string(m->assignee) : json_null());
    json_t *u;
    json_object_set_new(o, "urges", OPS->urge_list(ST, m->id, &u) == STORE_OK ? u : json_array());
    /* The actions this official may take now, from the one table. */
    json_t *acts = json_array();
    int n;
    const lc_rule *rules = lifecycle_rules(&n);
    for (int i = 0; i < n; i++)
        if (may_act(w, &rules[i], m->department_id) && lifecycle_from_ok(&rules[i], m->state))
            json_array_append_new(acts, json_string(rules[i].action));
    json_object_set_new(o, "actions", acts);
}

/* days_left / overdue on inbox rows ("due_at" and "state" already there). */
void api_life_rows(api_ctx *c, json_t *rows) {
    size_t i; json_t *row;
    json_array_foreach(rows, i, row) {
        const char *due = json_string_value(json_object_get(row, "due_at"));
        const char *state = json_string_value(json_object_get(row, "state"));
        int left = 0;
        bool have = due && state && lifecycle_is_open(state) && OPS->due_view(ST, due, &left) == STORE_OK;
        json_object_set_new(row, "days_left", have ? json_integer(left) : json_null());
        json_object_set_new(row, "overdue", json_boolean(have && left < 0));
    }
}
