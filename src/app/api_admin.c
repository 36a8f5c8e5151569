/* api_admin.c: the administration API (docs/api.md "Administration"):
 * departments and accounts edited and disabled (never deleted), password
 * resets, routing keywords, and the audit log. Admins only, checked here
 * on the server; every change needs the CSRF token and is audited. */
#include "app/api_int.h"
#include "app/auth.h"
#include "core/workcal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool admin(api_ctx *c, http_req *r, who *w, bool change) {
    return api_require_login(c, r, w, change) && api_require_role(r, w, "admin");
}

/* A JSON member that must be a boolean when present: -1 absent, 0/1, -2 sent 422. */
static int opt_bool(http_req *r, json_t *j, const char *key) {
    json_t *v = json_object_get(j, key);
    if (!v) return -1;
    if (!json_is_boolean(v)) { http_error(r, 422, "invalid", key, "%s must be true or false", key); return -2; }
    return json_is_true(v);
}

/* PUT /api/v1/departments/{id} {"name"?, "disabled"?, "reply_approval"?} */
void api_put_department(api_ctx *c, http_req *r, const char *arg) {
    who w;
    if (!admin(c, r, &w, true)) return;
    int64_t id;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no department '%.40s'", arg);
    json_t *j = http_body_json(r);
    if (!j) return;
    str name = {0};
    valid_err e;
    int disabled = opt_bool(r, j, "disabled"), approval = disabled == -2 ? -2 : opt_bool(r, j, "reply_approval");
    if (disabled == -2 || approval == -2) { json_decref(j); return; }
    if (json_object_get(j, "name") && valid_text(j, "name", true, 100, &name, &e)) { api_invalid(r, &e); json_decref(j); return; }
    if (!name.p && disabled < 0 && approval < 0) {
        json_decref(j);
        return http_error(r, 422, "missing", NULL, "nothing to change: send name, disabled or reply_approval");
    }
    int rc = OPS->dept_update(ST, id, name, disabled);
    if (rc == STORE_OK && approval >= 0) rc = OPS->dept_set_approval(ST, id, approval);
    if (rc == STORE_CONFLICT) { http_error(r, 409, "conflict", "name", "'%.*s' already exists", (int)name.n, name.p); json_decref(j); return; }
    if (rc == STORE_OK) { json_object_set_new(j, "department_id", json_integer(id)); OPS->event_add(ST, w.u.id, "department_edit", 0, j); }
    json_decref(j);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no department %lld", (long long)id);
    if (rc) return api_store_failed(r, ST);
    json_t *list, *d, *found = NULL;
    size_t i;
    if (OPS->dept_list(ST, &list)) return api_store_failed(r, ST);
    json_array_foreach(list, i, d) if (json_integer_value(json_object_get(d, "id")) == id) found = json_incref(d);
    json_decref(list);
    http_json(r, 200, found ? found : json_object());
}

static bool known_role(const char *role) {
    static const char *const roles[] = { "admin", "head", "handler", "moderator", "leader" };
    for (size_t i = 0; i < sizeof roles / sizeof *roles; i++) if (!strcmp(role, roles[i])) return true;
    return false;
}

static json_t *user_row(api_ctx *c, int64_t id) {
    json_t *list, *u, *found = NULL;
    size_t i;
    if (OPS->user_list(ST, &list)) return NULL;
    json_array_foreach(list, i, u) if (json_integer_value(json_object_get(u, "id")) == id) found = json_incref(u);
    json_decref(list);
    return found;
}

/* PUT /api/v1/users/{id} {"role"?, "department"? (a name, or null for none), "disabled"?}:
 * a disabled account cannot log in and its open sessions end at once. */
void api_put_user(api_ctx *c, http_req *r, const char *arg) {
    who w;
    if (!admin(c, r, &w, true)) return;
    int64_t id;
    store_user u;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no account '%.40s'", arg);
    int rc = OPS->user_get_id(ST, id, &u);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no account %lld", (long long)id);
    if (rc) return api_store_failed(r, ST);
    json_t *j = http_body_json(r);
    if (!j) return;
    int disabled = opt_bool(r, j, "disabled");
    if (disabled == -2) { json_decref(j); return; }
    const char *role = NULL;
    json_t *rv = json_object_get(j, "role"), *dv = json_object_get(j, "department");
    if (rv) {
        role = json_string_value(rv);
        if (!role || !known_role(role)) { json_decref(j); return http_error(r, 422, "invalid", "role", "role must be admin, head, handler, moderator or leader"); }
    }
    int64_t dept = -1;
    if (dv && json_is_null(dv)) dept = 0;
    else if (dv) {
        str name; valid_err e;
        if (valid_text(j, "department", true, 100, &name, &e)) { api_invalid(r, &e); json_decref(j); return; }
        if (OPS->dept_find(ST, name, &dept) != STORE_OK) {
            http_error(r, 422, "invalid", "department", "no department '%.*s'", (int)name.n, name.p);
            json_decref(j); return;
        }
    }
    if (!role && dept < 0 && disabled < 0) { json_decref(j); return http_error(r, 422, "missing", NULL, "nothing to change: send role, department or disabled"); }
    const char *new_role = role ? role : u.role;
    int64_t new_dept = dept >= 0 ? dept : u.department_id;
    if ((!strcmp(new_role, "handler") || !strcmp(new_role, "head")) && !new_dept) {
        json_decref(j); return http_error(r, 422, "missing", "department", "a handler or head needs a department");
    }
    /* An admin who disabled or demoted themselves could lock everyone out. */
    if (id == w.u.id && (disabled == 1 || (role && strcmp(role, "admin")))) {
        json_decref(j); return http_error(r, 422, "invalid", disabled == 1 ? "disabled" : "role", "you cannot disable your own account or give up your own admin role");
    }
    rc = OPS->user_update(ST, id, role, dept, disabled);
    if (rc == STORE_OK) {
        json_t *d = json_deep_copy(j);
        json_object_set_new(d, "user_id", json_integer(id));
        json_object_set_new(d, "login", json_string(u.login));
        OPS->event_add(ST, w.u.id, disabled == 1 ? "user_disable" : disabled == 0 ? "user_enable" : "user_edit", 0, d);
        json_decref(d);
    }
    json_decref(j);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no account %lld", (long long)id);
    if (rc == STORE_INVALID) return http_error(r, 422, "invalid", "department", "no such department");
    if (rc) return api_store_failed(r, ST);
    json_t *o = user_row(c, id);
    if (!o) return api_store_failed(r, ST);
    http_json(r, 200, o);
}

/* POST /api/v1/users/{id}/password {"password"?}: sets the given password
 * (at least 8 characters), or a random one returned once in this answer;
 * stored as an argon2id hash; the account's sessions end. */
void api_post_user_password(api_ctx *c, http_req *r, const char *arg) {
    who w;
    if (!admin(c, r, &w, true)) return;
    int64_t id;
    store_user u;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no account '%.40s'", arg);
    int rc = OPS->user_get_id(ST, id, &u);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no account %lld", (long long)id);
    if (rc) return api_store_failed(r, ST);
    json_t *j = http_body_json(r);
    if (!j) return;
    json_t *pv = json_object_get(j, "password");
    char pw[257], hash[160];
    bool generated = !pv || json_is_null(pv);
    if (generated) auth_random_password(pw, 16);
    else {
        if (!json_is_string(pv)) { json_decref(j); return http_error(r, 422, "invalid", "password", "password must be a string"); }
        size_t n = json_string_length(pv);   /* checked untrimmed, as at login */
        if (n < 8 || n > 256) { json_decref(j); return http_error(r, 422, "invalid", "password", "password must be 8 to 256 characters"); }
        memcpy(pw, json_string_value(pv), n);
        pw[n] = 0;
    }
    json_decref(j);
    if (auth_hash_password(pw, strlen(pw), hash)) return http_error(r, 500, "internal", NULL, "out of memory");
    rc = OPS->user_reset_password(ST, id, hash);
    if (rc) {
        memset(pw, 0, sizeof pw);
        if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no account %lld", (long long)id);
        return api_store_failed(r, ST);
    }
    json_t *d = json_pack("{s:I,s:s,s:b}", "user_id", (json_int_t)id, "login", u.login, "generated", generated);
    OPS->event_add(ST, w.u.id, "password_reset", 0, d);
    json_decref(d);
    json_t *o = json_pack("{s:I,s:s}", "id", (json_int_t)id, "login", u.login);
    if (generated) json_object_set_new(o, "password", json_string(pw));
    memset(pw, 0, sizeof pw);
    http_json(r, 200, o);
}

/* ---- routing keywords ---------------------------------------------------- */

void api_get_rules(api_ctx *c, http_req *r) {
    who w;
    if (!admin(c, r, &w, false)) return;
    json_t *a;
    if (OPS->rule_list(ST, &a)) return api_store_failed(r, ST);
    http_json(r, 200, json_pack("{s:o}", "rules", a));
}

/* {"keyword":..,"department"|"department_id":..}: messages whose title or body holds the keyword go to the department. */
void api_post_rule(api_ctx *c, http_req *r) {
    who w;
    if (!admin(c, r, &w, true)) return;
    json_t *j = http_body_json(r);
    if (!j) return;
    str kw; valid_err e;
    int64_t dept;
    if (valid_text(j, "keyword", true, 50, &kw, &e)) { api_invalid(r, &e); json_decref(j); return; }
    if (!api_department_of(c, r, j, &dept)) { json_decref(j); return; }
    int rc = OPS->rule_add(ST, kw, dept);
    if (rc == STORE_OK) OPS->event_add(ST, w.u.id, "rule_add", 0, j);
    json_decref(j);
    if (rc) return api_store_failed(r, ST);
    json_t *a;
    if (OPS->rule_list(ST, &a)) return api_store_failed(r, ST);
    http_json(r, 201, json_pack("{s:o}", "rules", a));
}

void api_delete_rule(api_ctx *c, http_req *r, const char *arg) {
    who w;
    if (!admin(c, r, &w, true)) return;
    int64_t id;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no rule '%.40s'", arg);
    int rc = OPS->rule_del(ST, id);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no rule %lld", (long long)id);
    if (rc) return api_store_failed(r, ST);
    json_t *d = json_pack("{s:I}", "rule_id", (json_int_t)id);
    OPS->event_add(ST, w.u.id, "rule_delete", 0, d);
    json_decref(d);
    http_json(r, 200, json_pack("{s:b}", "ok", 1));
}

/* ---- the audit log --------------------------------------------------------- */

/* The audit log's filters: ?actor=LOGIN&kind=K&message=ID&from=DAY&to=DAY&after=CURSOR&limit=N;
 * false with the error sent. */
static bool audit_query(api_ctx *c, http_req *r, store_audit_query *qp) {
    store_audit_query q = { 0 };
    const char *actor = http_query(r, "actor"), *kind = http_query(r, "kind"), *msg = http_query(r, "message");
    const char *from = http_query(r, "from"), *to = http_query(r, "to"), *lim = http_query(r, "limit");
    if (actor && *actor) {
        store_user u;
        int rc = OPS->user_get(ST, str_c(actor), &u);
        if (rc == STORE_NOT_FOUND) { http_error(r, 422, "invalid", "actor", "no account '%.64s'", actor); return false; }
        if (rc) { api_store_failed(r, ST); return false; }
        q.actor_id = u.id;
    }
    if (kind && *kind) {
        if (strlen(kind) > 40) { http_error(r, 422, "invalid", "kind", "kind is an event kind such as close or login"); return false; }
        q.kind = kind;
    }
    if (msg && *msg && !api_parse_id(msg, &q.msg_id)) { http_error(r, 422, "invalid", "message", "message must be a message id"); return false; }
    int32_t day;
    if (from && *from) { if (!workcal_parse_day(from, strlen(from), &day)) { http_error(r, 422, "invalid", "from", "from must be a date YYYY-MM-DD"); return false; } q.from = from; }
    if (to && *to) { if (!workcal_parse_day(to, strlen(to), &day)) { http_error(r, 422, "invalid", "to", "to must be a date YYYY-MM-DD"); return false; } q.to = to; }
    q.limit = lim ? atoi(lim) : 100;
    if (q.limit <= 0 || q.limit > 500) q.limit = 100;
    q.after = http_query(r, "after");
    *qp = q;
    return true;
}

/* GET /api/v1/audit[?filters]: a page, newest first; the first page also lists the kinds. */
void api_get_audit(api_ctx *c, http_req *r) {
    who w;
    store_audit_query q;
    if (!admin(c, r, &w, false) || !audit_query(c, r, &q)) return;
    json_t *o;
    int rc = OPS->audit_list(ST, &q, &o);
    if (rc == STORE_INVALID) return http_error(r, 422, "invalid", strstr(store_errmsg(ST), "cursor") ? "after" : "from", "%s", store_errmsg(ST));
    if (rc) return api_store_failed(r, ST);
    if (!q.after || !*q.after) {
        json_t *kinds;
        if (OPS->audit_kinds(ST, &kinds)) { json_decref(o); return api_store_failed(r, ST); }
        json_object_set_new(o, "kinds", kinds);
    }
    http_json(r, 200, o);
}

/* GET /api/v1/audit/export?format=csv|xlsx[&filters][&unmasked=1] */
void api_get_audit_export(api_ctx *c, http_req *r) {
    who w;
    store_audit_query q;
    if (!admin(c, r, &w, false) || !audit_query(c, r, &q)) return;
    api_export_audit(c, r, &q);
}

/* ---- the daily digest ------------------------------------------------------ */

/* GET /api/v1/digest[?date=YYYY-MM-DD&department=ID]: a head or handler gets
 * their department's day, leaders and admins every department's (or one). */
void api_get_digest(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, false)) return;
    const char *date = http_query(r, "date"), *dq = http_query(r, "department");
    int64_t dept = 0;
    if (!strcmp(w.u.role, "head") || !strcmp(w.u.role, "handler")) dept = w.u.department_id;
    else if (strcmp(w.u.role, "admin") && strcmp(w.u.role, "leader"))
        return http_error(r, 403, "forbidden", NULL, "the digest is for departments, leaders and admins");
    else if (dq && *dq && !api_parse_id(dq, &dept)) return http_error(r, 422, "invalid", "department", "department must be a department id");
    char today[11];
    int32_t day;
    if (date && *date) {
        if (!workcal_parse_day(date, strlen(date), &day)) return http_error(r, 422, "invalid", "date", "date must be a date YYYY-MM-DD");
    } else {
        workcal_format_day(workcal_day_of(time(NULL)), today);
        date = today;
    }
    if (!dept && (!strcmp(w.u.role, "head") || !strcmp(w.u.role, "handler"))) return http_error(r, 403, "forbidden", NULL, "this account has no department");
    json_t *o;
    int rc = OPS->digest(ST, dept, date, &o);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", "department", "no enabled department %lld", (long long)dept);
    if (rc == STORE_INVALID) return http_error(r, 422, "invalid", "date", "%s", store_errmsg(ST));
    if (rc) return api_store_failed(r, ST);
    http_json(r, 200, o);
}
