/* api_export.c: the export buttons (docs/api.md "Exports"): the inbox with
 * its current filters, the statistics and the audit log as CSV (with a
 * byte order mark, so spreadsheet programs read the Chinese) or Excel
 * .xlsx, with Chinese column names. Personal data is masked unless the
 * official may see it and asks (?unmasked=1): admins, and a department's
 * handlers and head for their own messages; never leaders or moderators. */
#include "app/api_int.h"
#include "app/tabout.h"
#include "text/pii.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXPORT_MAX_ROWS 200000   /* a file a person can open; more is a job for `minyi export` */

/* Chinese column names of the fields the API's JSON uses; a field without
 * one keeps its own name, so new fields of the statistics appear as they come. */
static const struct { const char *key, *zh; } names[] = {
    { "department", "部门" }, { "department_id", "部门编号" }, { "received", "收到留言" }, { "replied", "已答复" },
    { "reply_rate", "答复率" }, { "on_time", "按期答复" }, { "on_time_rate", "按期答复率" }, { "overdue", "超期" },
    { "rated", "评价数" }, { "ratings", "评价数" }, { "satisfaction", "满意率" }, { "satisfaction_rate", "满意率" },
    { "satisfied", "满意数" }, { "closed", "已办结" }, { "urged", "督办" }, { "extended", "延期" },
    { "first_reply_avg_hours", "平均首次答复（小时）" }, { "first_reply_p90_hours", "首次答复90分位（小时）" },
    { "first_reply_avg", "平均首次答复" }, { "first_reply_p90", "首次答复90分位" }, { "unrouted", "待分办" },
    { "date", "日期" }, { "day", "日期" }, { "declined", "不予受理" }, { "average_score", "平均评分" },
    { "first_reply_hours_avg", "平均首次答复（小时）" }, { "first_reply_hours_p90", "首次答复90分位（小时）" },
    { "min_ratings", "计算满意率的最少评价数" }, { "reply_days", "答复期限（天）" }, { "deadlines", "答复期限（工作日）" },
    { "view", "视图" }, { "from", "起始日期" }, { "to", "截止日期" },
};

static const char *zh_name(const char *key) {
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) if (!strcmp(names[i].key, key)) return names[i].zh;
    return key;
}

static bool wants(http_req *r, enum tab_format *f) {
    const char *s = http_query(r, "format");
    if (tab_format_parse(s && *s ? s : "csv", f) && *f != TAB_TSV) return true;
    http_error(r, 422, "invalid", "format", "format must be csv or xlsx");
    return false;
}

/* A temporary file for the table (path: 64 bytes); -1 with the error sent. */
static int begin(http_req *r, enum tab_format f, char *path, tabout **t) {
    const char *dir = getenv("TMPDIR");
    snprintf(path, 64, "%.40s/minyi-export-XXXXXX", dir && *dir && strlen(dir) < 40 ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) { http_error(r, 500, "internal", NULL, "cannot create a temporary file"); return -1; }
    close(fd);
    char err[200];
    if (tabout_open(f, path, true, t, err, sizeof err)) {
        unlink(path);
        http_error(r, 500, "internal", NULL, "%s", err);
        return -1;
    }
    return 0;
}

/* Finishes the table and sends it as an attachment named what-YYYYMMDD.ext. */
static void finish(http_req *r, enum tab_format f, char *path, tabout *t, const char *what) {
    char err[200];
    if (tabout_close(t, err, sizeof err)) { unlink(path); return http_error(r, 500, "internal", NULL, "%s", err); }
    FILE *in = fopen(path, "rb");
    unlink(path);
    if (!in) return http_error(r, 500, "internal", NULL, "the export file went missing");
    buf_reset(&r->out);
    char chunk[65536];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, in)) > 0)
        if (buf_put(&r->out, chunk, k)) { fclose(in); return http_error(r, 500, "internal", NULL, "out of memory"); }
    fclose(in);
    r->status = 200;
    r->content_type = tab_content_type(f);
    char day[16], disp[128];
    time_t now = time(NULL);
    struct tm g;
    gmtime_r(&now, &g);
    strftime(day, sizeof day, "%Y%m%d", &g);
    snprintf(disp, sizeof disp, "attachment; filename=\"%s-%s.%s\"", what, day, tab_extension(f));
    http_add_header(r, "Content-Disposition", disp);
    http_add_header(r, "Cache-Control", "no-store");
}

/* The text of a JSON value for a cell; numbers stay numbers. */
static tab_cell cell_of(json_t *v, char *tmp, size_t cap) {
    if (json_is_integer(v)) return (tab_cell){ .num = (double)json_integer_value(v), .is_num = true };
    if (json_is_real(v)) return (tab_cell){ .num = json_real_value(v), .is_num = true };
    if (json_is_string(v)) return (tab_cell){ .s = json_string_value(v) };
    if (json_is_true(v)) return (tab_cell){ .s = "是" };
    if (json_is_false(v)) return (tab_cell){ .s = "否" };
    if (!v || json_is_null(v)) return (tab_cell){ .s = "" };
    char *d = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    snprintf(tmp, cap, "%s", d ? d : "");
    free(d);
    return (tab_cell){ .s = tmp };
}

/* Masks personal data in s (for the exported copy); "" on failure. */
static const char *mask(buf *b, const char *s) {
    buf_reset(b);
    if (!s || pii_mask(s, strlen(s), PII_ALL, b)) return "";
    return b->p ? b->p : "";
}

/* May w have the personal data of department dept's messages unmasked? */
static bool may_unmask(http_req *r, const who *w) {
    const char *u = http_query(r, "unmasked");
    if (!u || strcmp(u, "1")) return false;
    return !strcmp(w->u.role, "admin") || !strcmp(w->u.role, "handler") || !strcmp(w->u.role, "head");
}

/* ---- the inbox ---------------------------------------------------------------- */

/* GET /api/v1/inbox/export?format=csv|xlsx&<the inbox's filters>[&unmasked=1] */
void api_get_inbox_export(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, false)) return;
    enum tab_format f;
    store_inbox_query q;
    if (!wants(r, &f) || !api_inbox_query(c, r, &w, &q)) return;
    const char *u = http_query(r, "unmasked");
    if (u && !strcmp(u, "1") && !may_unmask(r, &w)) return http_error(r, 403, "forbidden", "unmasked", "a %s exports with personal data masked", w.u.role);
    bool unmasked = may_unmask(r, &w);
    q.limit = 500;
    q.after = NULL;
    char path[64];
    tabout *t;
    if (begin(r, f, path, &t)) return;
    static const char *const head[] = { "编号", "查询码", "留言主题", "留言类型", "办理状态", "承办部门", "地区", "留言时间",
                                        "办理期限", "剩余工作日", "已超期", "督办次数", "承办人", "一级标签", "相似留言数" };
    enum { NH = sizeof head / sizeof *head };
    tabout_sheet(t, "待办留言");
    tabout_text_row(t, head, NH);
    json_t *page = NULL;
    buf mb = {0};
    char tmp[64];
    int rc = STORE_OK;
    long n = 0;
    for (;;) {
        json_t *o;
        if ((rc = OPS->inbox(ST, &q, &o))) break;
        json_decref(page);
        page = o;                                    /* q.after points into it */
        json_t *rows = json_object_get(o, "messages"), *m;
        api_life_rows(c, rows);
        size_t i;
        json_array_foreach(rows, i, m) {
            const char *title = json_string_value(json_object_get(m, "title"));
            tab_cell row[NH] = {
                cell_of(json_object_get(m, "id"), tmp, sizeof tmp), { .s = json_string_value(json_object_get(m, "tracking_code")) },
                { .s = unmasked ? title : mask(&mb, title) }, { .s = json_string_value(json_object_get(m, "type")) },
                { .s = json_string_value(json_object_get(m, "state")) }, { .s = json_string_value(json_object_get(m, "department")) },
                { .s = json_string_value(json_object_get(m, "region")) }, { .s = json_string_value(json_object_get(m, "created_at")) },
                { .s = json_string_value(json_object_get(m, "due_at")) }, cell_of(json_object_get(m, "days_left"), tmp, sizeof tmp),
                { .s = json_is_true(json_object_get(m, "overdue")) ? "是" : "" }, cell_of(json_object_get(m, "urge_count"), tmp, sizeof tmp),
                { .s = json_string_value(json_object_get(m, "assignee")) }, { .s = json_string_value(json_object_get(m, "label")) },
                cell_of(json_object_get(m, "group_size"), tmp, sizeof tmp),
            };
            if (tabout_row(t, row, NH)) break;
            n++;
        }
        const char *next = json_string_value(json_object_get(o, "next"));
        if (!next || n >= EXPORT_MAX_ROWS || !json_array_size(rows)) break;
        q.after = next;
    }
    buf_free(&mb);
    if (rc) {
        json_decref(page);
        char err[200];
        tabout_close(t, err, sizeof err);
        unlink(path);
        if (rc == STORE_INVALID) return http_error(r, 422, "invalid", NULL, "%s", store_errmsg(ST));
        return api_store_failed(r, ST);
    }
    json_decref(page);
    finish(r, f, path, t, "inbox");
}

/* ---- the statistics ------------------------------------------------------------- */

/* A field the API also sends under an earlier name: exported once. */
static bool alias(json_t *o, const char *k) {
    return (!strcmp(k, "rated") && json_object_get(o, "ratings")) || (!strcmp(k, "satisfaction") && json_object_get(o, "satisfaction_rate"));
}

/* Writes an array of objects as a sheet: the columns are every key, the
 * department first, then in the order first seen; extra (an object) is
 * appended as a last row labelled extra_label. */
static void sheet_of(tabout *t, const char *name, json_t *rows, json_t *extra, const char *extra_label) {
    json_t *keys = json_array(), *o, *v;
    size_t i;
    const char *k;
    for (int pass = 0; pass < 2; pass++) {
        json_t *src = pass ? extra : rows;
        if (!src) continue;
        json_t *list = pass ? json_pack("[O]", src) : json_incref(src);
        json_array_foreach(list, i, o) json_object_foreach(o, k, v) {
            if (alias(o, k)) continue;
            bool seen = false;
            for (size_t j = 0; j < json_array_size(keys) && !seen; j++) seen = !strcmp(json_string_value(json_array_get(keys, j)), k);
            if (!seen && !strcmp(k, "department")) json_array_insert_new(keys, 0, json_string(k));
            else if (!seen) json_array_append_new(keys, json_string(k));
        }
        json_decref(list);
    }
    size_t nk = json_array_size(keys);
    if (!nk) { json_decref(keys); return; }
    tabout_sheet(t, name);
    tab_cell row[nk + 1];
    char tmp[nk + 1][96];
    for (size_t j = 0; j < nk; j++) row[j] = (tab_cell){ .s = zh_name(json_string_value(json_array_get(keys, j))) };
    tabout_row(t, row, (int)nk);
    json_array_foreach(rows, i, o) {
        for (size_t j = 0; j < nk; j++) row[j] = cell_of(json_object_get(o, json_string_value(json_array_get(keys, j))), tmp[j], sizeof tmp[j]);
        tabout_row(t, row, (int)nk);
    }
    if (extra) {
        for (size_t j = 0; j < nk; j++) {
            const char *key = json_string_value(json_array_get(keys, j));
            json_t *x = json_object_get(extra, key);
            row[j] = !x && (!strcmp(key, "department") || j == 0) ? (tab_cell){ .s = extra_label } : cell_of(x, tmp[j], sizeof tmp[j]);
        }
        tabout_row(t, row, (int)nk);
    }
    json_decref(keys);
}

/* GET /api/v1/stats/export?format=csv|xlsx&<the statistics' filters>: the
 * JSON of GET /api/v1/stats (same parameters, same view for this caller)
 * as tables: each list of rows a sheet, the totals a last row of the
 * departments, other figures a sheet of name and value. */
void api_get_stats_export(api_ctx *c, http_req *r) {
    enum tab_format f;
    if (!wants(r, &f)) return;
    api_get_stats(c, r);
    if (r->status != 200) return;                      /* its error stands */
    json_t *o = json_loadb(r->out.p ? r->out.p : "", r->out.n, 0, NULL);
    if (!json_is_object(o)) { json_decref(o); return http_error(r, 500, "internal", NULL, "the statistics could not be read back"); }
    char path[64];
    tabout *t;
    if (begin(r, f, path, &t)) { json_decref(o); return; }
    json_t *depts = json_object_get(o, "departments"), *totals = json_object_get(o, "totals"), *v;
    const char *k;
    if (json_is_array(depts)) sheet_of(t, "部门统计", depts, json_is_object(totals) ? totals : NULL, "合计");
    json_object_foreach(o, k, v) {
        if (v == depts) continue;
        if (json_is_array(v) && json_array_size(v) && json_is_object(json_array_get(v, 0))) {
            sheet_of(t, !strcmp(k, "daily") ? "每日" : k, v, NULL, NULL);
        }
    }
    /* The remaining figures (the period, the deadlines ...) as name / value. */
    bool started = false;
    char tmp[96];
    json_object_foreach(o, k, v) {
        if (json_is_array(v) || v == totals) continue;
        json_t *inner = json_is_object(v) ? v : NULL;
        json_t *one = inner ? NULL : json_pack("{sO}", k, v);
        const char *k2;
        json_t *v2;
        json_object_foreach(inner ? inner : one, k2, v2) {
            if (!started) {
                tabout_sheet(t, "说明");
                tab_cell h[2] = { { .s = "项目" }, { .s = "数值" } };
                tabout_row(t, h, 2);
                started = true;
            }
            char label[160];
            snprintf(label, sizeof label, inner ? "%s：%s" : "%s", inner ? zh_name(k) : zh_name(k2), zh_name(k2));
            tab_cell row[2] = { { .s = label }, cell_of(v2, tmp, sizeof tmp) };
            tabout_row(t, row, 2);
        }
        json_decref(one);
    }
    json_decref(o);
    finish(r, f, path, t, "stats");
}

/* ---- the audit log ------------------------------------------------------------------ */

/* GET /api/v1/audit/export?format=csv|xlsx&<the audit log's filters>[&unmasked=1] (admins) */
void api_export_audit(api_ctx *c, http_req *r, const store_audit_query *q0) {
    enum tab_format f;
    if (!wants(r, &f)) return;
    const char *u = http_query(r, "unmasked");
    bool unmasked = u && !strcmp(u, "1");
    store_audit_query q = *q0;
    q.limit = 500;
    q.after = NULL;
    char path[64];
    tabout *t;
    if (begin(r, f, path, &t)) return;
    static const char *const head[] = { "时间", "操作人", "操作类型", "留言编号", "详情" };
    tabout_sheet(t, "审计日志");
    tabout_text_row(t, head, 5);
    json_t *page = NULL;
    buf mb = {0};
    char tmp[64];
    long n = 0;
    int rc = STORE_OK;
    for (;;) {
        json_t *o;
        if ((rc = OPS->audit_list(ST, &q, &o))) break;
        json_decref(page);
        page = o;
        json_t *rows = json_object_get(o, "events"), *e;
        size_t i;
        json_array_foreach(rows, i, e) {
            json_t *d = json_object_get(e, "detail");
            char *ds = d && !json_is_null(d) ? json_dumps(d, JSON_COMPACT) : NULL;
            tab_cell row[5] = {
                { .s = json_string_value(json_object_get(e, "at")) }, { .s = json_string_value(json_object_get(e, "actor")) },
                { .s = json_string_value(json_object_get(e, "kind")) }, cell_of(json_object_get(e, "message_id"), tmp, sizeof tmp),
                { .s = ds ? (unmasked ? ds : mask(&mb, ds)) : "" },
            };
            int bad = tabout_row(t, row, 5);
            free(ds);
            if (bad) break;
            n++;
        }
        const char *next = json_string_value(json_object_get(o, "next"));
        if (!next || n >= EXPORT_MAX_ROWS) break;
        q.after = next;
    }
    json_decref(page);
    buf_free(&mb);
    if (rc) {
        char err[200];
        tabout_close(t, err, sizeof err);
        unlink(path);
        return api_store_failed(r, ST);
    }
    finish(r, f, path, t, "audit");
}
