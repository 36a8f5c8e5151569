/* api_desk.c: the API of an official's writing desk (docs/api.md): reply
 * templates per department with placeholders filled from the message,
 * drafts of replies, internal notes. None of it reaches a public view. */
#include "app/api_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool is_dept_role(const who *w) { return !strcmp(w->u.role, "handler") || !strcmp(w->u.role, "head"); }

/* GET /api/v1/templates: a department's and everyone's; admins and leaders all. */
void api_get_templates(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, false)) return;
    int64_t dept;
    if (is_dept_role(&w)) dept = w.u.department_id;
    else if (!strcmp(w.u.role, "admin") || !strcmp(w.u.role, "leader")) dept = -1;
    else return http_error(r, 403, "forbidden", NULL, "reply templates are for departments");
    json_t *a;
    if (OPS->template_list(ST, dept, &a)) return api_store_failed(r, ST);
    http_json(r, 200, json_pack("{s:o}", "templates", a));
}

/* POST /api/v1/templates {"name","body","department"}: a head for their
 * department; an admin for any, or for everyone without a department. */
void api_post_template(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, true)) return;
    if (strcmp(w.u.role, "head") && strcmp(w.u.role, "admin"))
        return http_error(r, 403, "forbidden", NULL, "templates are kept by the department's head or an admin");
    json_t *j = http_body_json(r);
    if (!j) return;
    str name, body, dept; valid_err e;
    if (valid_text(j, "name", true, 100, &name, &e) || valid_text(j, "body", true, 10000, &body, &e)
        || valid_text(j, "department", false, 100, &dept, &e)) { api_invalid(r, &e); json_decref(j); return; }
    int64_t dept_id = 0;
    if (!strcmp(w.u.role, "head")) dept_id = w.u.department_id;
    else if (dept.p && OPS->dept_find(ST, dept, &dept_id) != STORE_OK) {
        http_error(r, 422, "invalid", "department", "no department '%.*s'", (int)dept.n, dept.p);
        json_decref(j); return;
    }
    int64_t id = 0;
    int rc = OPS->template_add(ST, dept_id, name, body, &id);
    if (rc == STORE_OK) OPS->event_add(ST, w.u.id, "template_add", 0, j);
    json_decref(j);
    if (rc == STORE_CONFLICT) return http_error(r, 409, "conflict", "name", "a template of this name exists");
    if (rc) return api_store_failed(r, ST);
    json_t *t;
    if (OPS->template_get(ST, id, &t)) return api_store_failed(r, ST);
    http_json(r, 201, t);
}

void api_delete_template(api_ctx *c, http_req *r, const char *arg) {
    who w;
    if (!api_require_login(c, r, &w, true)) return;
    int64_t id;
    json_t *t;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no template '%.40s'", arg);
    int rc = OPS->template_get(ST, id, &t);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no template %lld", (long long)id);
    if (rc) return api_store_failed(r, ST);
    int64_t dept = json_integer_value(json_object_get(t, "department_id"));
    json_decref(t);
    bool may = !strcmp(w.u.role, "admin") || (!strcmp(w.u.role, "head") && dept && dept == w.u.department_id);
    if (!may) return http_error(r, 403, "forbidden", NULL, "templates are kept by the department's head or an admin");
    if ((rc = OPS->template_del(ST, id))) return api_store_failed(r, ST);
    json_t *d = json_pack("{s:I}", "template_id", (json_int_t)id);
    OPS->event_add(ST, w.u.id, "template_delete", 0, d);
    json_decref(d);
    http_json(r, 200, json_pack("{s:b}", "ok", 1));
}

/* The message's department, or false with 404/403 sent. */
static bool handled_msg(api_ctx *c, http_req *r, const who *w, const char *arg, int64_t *id) {
    store_msg m;
    if (!api_parse_id(arg, id)) { http_error(r, 404, "not_found", NULL, "no message '%.40s'", arg); return false; }
    int rc = OPS->msg_get(ST, *id, &m);
    if (rc == STORE_NOT_FOUND) { http_error(r, 404, "not_found", NULL, "no message %lld", (long long)*id); return false; }
    if (rc) { api_store_failed(r, ST); return false; }
    int64_t dept = m.department_id;
    store_msg_clear(&m);
    if (!api_may_handle(w, dept)) { http_error(r, 403, "forbidden", NULL, "only the message's department (or an admin) works on it"); return false; }
    return true;
}

/* POST /api/v1/messages/{id}/notes {"body"}: an internal note (never public). */
void api_post_note(api_ctx *c, http_req *r, const char *arg) {
    who w;
    int64_t id, nid;
    if (!api_require_login(c, r, &w, true) || !handled_msg(c, r, &w, arg, &id)) return;
    json_t *j = http_body_json(r);
    if (!j) return;
    str body; valid_err e;
    if (valid_text(j, "body", true, 5000, &body, &e)) { api_invalid(r, &e); json_decref(j); return; }
    int rc = OPS->note_add(ST, id, w.u.id, body, &nid);
    json_decref(j);
    if (rc) return api_store_failed(r, ST);
    json_t *notes;
    if (OPS->note_list(ST, id, &notes)) return api_store_failed(r, ST);
    http_json(r, 201, json_pack("{s:I,s:o}", "id", (json_int_t)nid, "notes", notes));
}

/* PUT /api/v1/messages/{id}/draft {"body"}: this official's draft; "" removes it. */
void api_put_draft(api_ctx *c, http_req *r, const char *arg) {
    who w;
    int64_t id;
    if (!api_require_login(c, r, &w, true) || !handled_msg(c, r, &w, arg, &id)) return;
    json_t *j = http_body_json(r);
    if (!j) return;
    json_t *b = json_object_get(j, "body");
    if (!json_is_string(b)) { json_decref(j); return http_error(r, 422, b ? "invalid" : "missing", "body", "body must be text (\"\" removes the draft)"); }
    str body = { json_string_value(b), json_string_length(b) };
    if (body.n > 40000) { json_decref(j); return http_error(r, 422, "too_long", "body", "body is too long"); }
    int rc = OPS->draft_set(ST, id, w.u.id, body.n ? body : (str){0});
    json_decref(j);
    if (rc) return api_store_failed(r, ST);
    json_t *d;
    rc = OPS->draft_get(ST, id, w.u.id, &d);
    http_json(r, 200, json_pack("{s:o}", "draft", rc == STORE_OK ? d : json_null()));
}

/* A template's body with the message's placeholders filled:
 * {{title}} {{tracking_code}} {{date}} (the message's day) {{department}} {{today}}. */
static json_t *filled(const char *body, const store_msg *m) {
    char today[11], date[11];
    time_t t = time(NULL) + 8 * 3600;     /* the day in China */
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    snprintf(date, sizeof date, "%.10s", m->created_at);
    const struct { const char *key, *val; } ph[] = {
        { "{{title}}", m->title ? m->title : "" }, { "{{tracking_code}}", m->tracking_code },
        { "{{date}}", date }, { "{{department}}", m->department ? m->department : "" }, { "{{today}}", today },
    };
    buf b = {0};
    for (const char *p = body; *p; ) {
        size_t k = 0;
        while (k < sizeof ph / sizeof *ph && strncmp(p, ph[k].key, strlen(ph[k].key))) k++;
        if (k < sizeof ph / sizeof *ph) { buf_puts(&b, ph[k].val); p += strlen(ph[k].key); }
        else buf_putc(&b, *p++);
    }
    json_t *s = json_stringn(b.p ? b.p : "", b.n);
    buf_free(&b);
    return s;
}

/* The desk's part of the official message view: notes for every official
 * who may read it; the own draft and the filled templates for those who may answer. */
void api_desk_json(api_ctx *c, const store_msg *m, const who *w, json_t *o) {
    json_t *a;
    json_object_set_new(o, "notes", OPS->note_list(ST, m->id, &a) == STORE_OK ? a : json_array());
    if (!api_may_handle(w, m->department_id)) return;
    json_t *d;
    json_object_set_new(o, "draft", OPS->draft_get(ST, m->id, w->u.id, &d) == STORE_OK ? d : json_null());
    int64_t dept = m->department_id ? m->department_id : (is_dept_role(w) ? w->u.department_id : 0);
    json_t *tpl = json_array();
    if (OPS->template_list(ST, dept, &a) == STORE_OK) {
        size_t i; json_t *t;
        json_array_foreach(a, i, t)
            json_array_append_new(tpl, json_pack("{s:O,s:O,s:o}", "id", json_object_get(t, "id"), "name", json_object_get(t, "name"),
                                                 "body", filled(json_string_value(json_object_get(t, "body")), m)));
        json_decref(a);
    }
    json_object_set_new(o, "templates", tpl);
}
