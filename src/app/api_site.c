/* api_site.c: what an admin says about the site itself: its name, the
 * footer a government site must carry (主办单位, contact, ICP 备案号, 公安
 * 备案号, 网站标识码), the notice shown above the message form (留言须知)
 * that citizens accept before writing, and notices (通知公告) on the home
 * page. Read by every page, so the GET is public and small. */
#include "app/api_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { const char *field, *key; size_t max_chars; const char *dflt; } site_field;

/* Stored as settings "site.<field>"; the defaults are what a fresh install shows. */
static const site_field SITE[] = {
    { "name",        "site.name",        40,   "民意 · 网上群众路线平台" },
    { "host",        "site.host",        100,  "" },   /* 主办单位 */
    { "contact",     "site.contact",     200,  "" },
    { "icp",         "site.icp",         60,   "" },   /* ICP 备案号 */
    { "psb",         "site.psb",         60,   "" },   /* 公安备案号 */
    { "site_code",   "site.site_code",   40,   "" },   /* 网站标识码 */
    { "notice",      "site.notice",      3000, "" },   /* 留言须知 */
};
#define NSITE (sizeof SITE / sizeof *SITE)
#define SITE_VALUE_MAX 12288   /* bytes: 3000 CJK characters */

static json_t *site_json(api_ctx *c) {
    json_t *o = json_object();
    char *tv = malloc(SITE_VALUE_MAX);
    for (size_t i = 0; i < NSITE; i++) {
        const char *val = SITE[i].dflt;
        if (tv && OPS->setting_get(ST, SITE[i].key, tv, SITE_VALUE_MAX) == STORE_OK) val = tv;
        json_object_set_new(o, SITE[i].field, json_string(val));
        /* The pages show their own language's name for a site that kept the default. */
        if (i == 0) json_object_set_new(o, "name_is_default", json_boolean(val == SITE[i].dflt));
    }
    free(tv);
    return o;
}

/* GET /api/v1/site (public). */
void api_get_site(api_ctx *c, http_req *r) {
    http_json(r, 200, site_json(c));
}

/* PUT /api/v1/site {"name":..,"host":..,...} (admin): the fields given change. */
void api_put_site(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, true) || !api_require_role(r, &w, "admin")) return;
    json_t *j = http_body_json(r);
    if (!j) return;
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v) {
        size_t k = 0;
        while (k < NSITE && strcmp(key, SITE[k].field)) k++;
        if (k == NSITE) { http_error(r, 422, "invalid", key, "unknown site field '%s'", key); json_decref(j); return; }
        str val;
        valid_err e;
        if (valid_text(j, key, false, SITE[k].max_chars, &val, &e)) { api_invalid(r, &e); json_decref(j); return; }
        if (k == 0 && !val.p) { json_decref(j); return http_error(r, 422, "missing", "name", "the site needs a name"); }
    }
    json_object_foreach(j, key, v) {
        size_t k = 0;
        while (strcmp(key, SITE[k].field)) k++;
        str val;
        valid_err e;
        valid_text(j, key, false, SITE[k].max_chars, &val, &e);
        char *z = strndup(val.p ? val.p : "", val.n);
        int rc = z ? OPS->setting_set(ST, SITE[k].key, z) : STORE_ERROR;
        free(z);
        if (rc) { json_decref(j); return api_store_failed(r, ST); }
    }
    OPS->event_add(ST, w.u.id, "site_settings", 0, j);
    json_decref(j);
    http_json(r, 200, site_json(c));
}

/* GET /api/v1/notices (public): the newest 10. */
void api_get_notices(api_ctx *c, http_req *r) {
    json_t *a;
    if (OPS->notice_list(ST, 10, &a)) return api_store_failed(r, ST);
    http_json(r, 200, json_pack("{s:o}", "notices", a));
}

/* POST /api/v1/notices {"title","body"} (admin) -> 201 {"id"}. */
void api_post_notice(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, true) || !api_require_role(r, &w, "admin")) return;
    json_t *j = http_body_json(r);
    if (!j) return;
    str title, body;
    valid_err e;
    if (valid_text(j, "title", true, 100, &title, &e) || valid_text(j, "body", false, 5000, &body, &e)) {
        api_invalid(r, &e); json_decref(j); return;
    }
    int64_t id = 0;
    int rc = OPS->notice_add(ST, title, body, w.u.id, &id);
    if (rc == STORE_OK) OPS->event_add(ST, w.u.id, "notice_add", 0, j);
    json_decref(j);
    if (rc) return api_store_failed(r, ST);
    http_json(r, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

/* DELETE /api/v1/notices/{id} (admin): withdrawn from the site, kept in the database. */
void api_delete_notice(api_ctx *c, http_req *r, const char *arg) {
    who w;
    if (!api_require_login(c, r, &w, true) || !api_require_role(r, &w, "admin")) return;
    int64_t id;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no notice '%.40s'", arg);
    int rc = OPS->notice_hide(ST, id, w.u.id);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no notice %lld", (long long)id);
    if (rc) return api_store_failed(r, ST);
    http_json(r, 200, json_pack("{s:I,s:b}", "id", (json_int_t)id, "withdrawn", 1));
}
