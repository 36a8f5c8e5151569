/* api_consult.c: consultations on a draft (网上意见征求) and their feedback
 * (反馈): the draft document split into sections (draft.h), opening and
 * closing times that intake enforces, adoption decisions (采纳 / 部分采纳 /
 * 未采纳) once a consultation has closed, and the feedback report as JSON
 * and Markdown. Editing is for admins; the report is public once published,
 * with every citizen's text masked. */
#include "app/api_int.h"
#include "app/draft.h"
#include "text/pii.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Groups of at least this many near-identical comments are listed with
 * their representative text: a campaign is one voice of many people. */
#define FEEDBACK_MIN_GROUP 3

static const char *const DECISIONS[] = { "adopted", "partial", "not_adopted" };

void api_now_iso(char out[32]) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "2026-12-01T08:00:00Z" or with milliseconds ("...00.000Z", as JavaScript's
 * toISOString writes it) -> out "YYYY-MM-DDTHH:MM:SSZ". */
static bool parse_instant(const char *s, char out[32]) {
    int y, mo, d, h, mi, se;
    int n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 || n != 19) return false;
    const char *rest = s + 19;
    if (*rest == '.') { rest++; while (*rest >= '0' && *rest <= '9') rest++; }
    if (strcmp(rest, "Z")) return false;
    if (y < 2000 || y > 2999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return false;
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", y % 10000, mo % 100, d % 100, h % 100, mi % 100, se % 100);
    return true;
}

/* Reads an optional time field: absent = unchanged; null or "" = no limit. */
static int time_field(json_t *j, const char *name, bool *set, const char **val, char buf[32], valid_err *e) {
    json_t *v = json_object_get(j, name);
    if (!v) return 0;
    *set = true;
    if (json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0)) { *val = NULL; return 0; }
    if (!json_is_string(v) || !parse_instant(json_string_value(v), buf)) {
        e->code = "invalid"; e->field = name;
        snprintf(e->message, sizeof e->message, "%s must be a UTC time like 2026-12-01T08:00:00Z, or null", name);
        return -1;
    }
    *val = buf;
    return 0;
}

int api_consultation_edit(json_t *j, const char *title_for_sections, api_cons_edit *x, valid_err *e) {
    memset(x, 0, sizeof *x);
    store_consultation_edit *ed = &x->ed;
    str doc;
    if (valid_text(j, "document", false, 200000, &doc, e)) return -1;
    if (time_field(j, "opens_at", &ed->set_opens, &ed->opens_at, x->opens, e)
        || time_field(j, "closes_at", &ed->set_closes, &ed->closes_at, x->closes, e)) return -1;
    const char *o = ed->set_opens ? ed->opens_at : NULL, *c = ed->set_closes ? ed->closes_at : NULL;
    if (o && c && strcmp(o, c) >= 0) {
        e->code = "invalid"; e->field = "closes_at";
        snprintf(e->message, sizeof e->message, "closes_at must be after opens_at");
        return -1;
    }
    if (json_object_get(j, "document")) {
        ed->set_document = true;
        ed->document = doc;
        char msg[128];
        if (draft_split(doc, title_for_sections, &ed->sections, &x->preamble, msg, sizeof msg)) {
            e->code = "invalid"; e->field = "document";
            snprintf(e->message, sizeof e->message, "%s", msg);
            return -1;
        }
        ed->preamble = (str){ json_string_value(x->preamble), json_string_length(x->preamble) };
    }
    return 0;
}

void api_cons_edit_free(api_cons_edit *x) {
    json_decref(x->ed.sections);
    json_decref(x->preamble);
    x->ed.sections = x->preamble = NULL;
}

/* PUT /api/v1/consultations/{id}: title, description, status, document, opens_at, closes_at. */
void api_put_consultation(api_ctx *c, http_req *r, const char *arg) {
    who w;
    if (!api_require_login(c, r, &w, true) || !api_require_role(r, &w, "admin")) return;
    int64_t id;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no consultation '%.40s'", arg);
    json_t *j = http_body_json(r);
    if (!j) return;
    api_cons_edit x;
    store_consultation_edit *ed = &x.ed;
    valid_err e = { 0 };
    char title[256] = "全文";
    str t, desc, status;
    json_t *cur;
    int rc = OPS->consultation_get(ST, id, &cur);
    if (rc == STORE_NOT_FOUND) { json_decref(j); return http_error(r, 404, "not_found", NULL, "no consultation %lld", (long long)id); }
    if (rc) { json_decref(j); return api_store_failed(r, ST); }
    snprintf(title, sizeof title, "%s", json_string_value(json_object_get(cur, "title")));
    json_decref(cur);
    if (valid_text(j, "title", false, 200, &t, &e) || valid_text(j, "description", false, 20000, &desc, &e)
        || valid_text(j, "status", false, 10, &status, &e)
        || api_consultation_edit(j, title, &x, &e)) {
        api_invalid(r, &e); api_cons_edit_free(&x); json_decref(j); return;
    }
    if (status.p && !str_eq_c(status, "open") && !str_eq_c(status, "closed")) {
        api_cons_edit_free(&x); json_decref(j);
        return http_error(r, 422, "invalid", "status", "status must be open or closed");
    }
    ed->title = t;
    ed->description = desc;
    ed->status = status.p ? (str_eq_c(status, "open") ? "open" : "closed") : NULL;
    rc = OPS->consultation_update(ST, id, ed);
    if (rc == STORE_OK) {
        json_t *d = json_pack("{s:I}", "consultation_id", (json_int_t)id);
        OPS->event_add(ST, w.u.id, "consultation_edit", 0, d);
        json_decref(d);
    }
    api_cons_edit_free(&x);
    json_decref(j);
    if (rc) return api_store_failed(r, ST);
    json_t *o;
    if (OPS->consultation_get(ST, id, &o)) return api_store_failed(r, ST);
    http_json(r, 200, o);
}

/* Is a consultation taking messages now? Returns NULL when open, else why
 * not (for the 422 the citizen sees). */
const char *api_consultation_closed_why(json_t *cons, char *buf, size_t cap) {
    char now[32];
    api_now_iso(now);
    const char *status = json_string_value(json_object_get(cons, "status"));
    const char *opens = json_string_value(json_object_get(cons, "opens_at"));
    const char *closes = json_string_value(json_object_get(cons, "closes_at"));
    if (status && strcmp(status, "open")) { snprintf(buf, cap, "this consultation is closed"); return buf; }
    if (opens && strcmp(now, opens) < 0) { snprintf(buf, cap, "this consultation opens at %s", opens); return buf; }
    if (closes && strcmp(now, closes) >= 0) { snprintf(buf, cap, "this consultation closed at %s", closes); return buf; }
    return NULL;
}

static bool consultation_over(json_t *cons) {
    char buf[96];
    const char *why = api_consultation_closed_why(cons, buf, sizeof buf);
    return why && !strstr(why, "opens at");
}

/* POST /api/v1/consultations/{id}/adoptions {"message_id","decision","reason","whole_group"} */
void api_post_adoption(api_ctx *c, http_req *r, const char *arg) {
    who w;
    if (!api_require_login(c, r, &w, true) || !api_require_role(r, &w, "admin")) return;
    int64_t id, msg;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no consultation '%.40s'", arg);
    json_t *j = http_body_json(r);
    if (!j) return;
    valid_err e = { 0 };
    str decision, reason;
    if (valid_id(j, "message_id", &msg, &e) || valid_text(j, "decision", true, 20, &decision, &e)
        || valid_text(j, "reason", true, 2000, &reason, &e)) { api_invalid(r, &e); json_decref(j); return; }
    const char *d = NULL;
    for (size_t i = 0; i < 3; i++) if (str_eq_c(decision, DECISIONS[i])) d = DECISIONS[i];
    json_t *wg = json_object_get(j, "whole_group");
    if (!d) { json_decref(j); return http_error(r, 422, "invalid", "decision", "decision must be adopted, partial or not_adopted"); }
    if (wg && !json_is_boolean(wg)) { json_decref(j); return http_error(r, 422, "invalid", "whole_group", "whole_group must be true or false"); }
    json_t *cons;
    int rc = OPS->consultation_get(ST, id, &cons);
    if (rc == STORE_NOT_FOUND) { json_decref(j); return http_error(r, 404, "not_found", NULL, "no consultation %lld", (long long)id); }
    if (rc) { json_decref(j); return api_store_failed(r, ST); }
    bool over = consultation_over(cons);
    json_decref(cons);
    if (!over) { json_decref(j); return http_error(r, 409, "conflict", NULL, "adoption is decided after the consultation has closed"); }
    rc = OPS->adoption_set(ST, id, msg, json_is_true(wg), d, reason, w.u.id);
    json_decref(j);
    if (rc == STORE_INVALID) return http_error(r, 422, "invalid", "message_id", "message %lld is not a comment on this consultation", (long long)msg);
    if (rc) return api_store_failed(r, ST);
    http_json(r, 201, json_pack("{s:I,s:s}", "message_id", (json_int_t)msg, "decision", d));
}

/* The report (masked) for consultation id, or an HTTP error already sent. */
static json_t *feedback_for(api_ctx *c, http_req *r, const char *arg, json_t **cons_out) {
    int64_t id;
    if (!api_parse_id(arg, &id)) { http_error(r, 404, "not_found", NULL, "no consultation '%.40s'", arg); return NULL; }
    json_t *cons, *fb, *sections;
    int rc = OPS->consultation_get(ST, id, &cons);
    if (rc == STORE_NOT_FOUND) { http_error(r, 404, "not_found", NULL, "no consultation %lld", (long long)id); return NULL; }
    if (rc) { api_store_failed(r, ST); return NULL; }
    bool published = !json_is_null(json_object_get(cons, "feedback_published_at"));
    if (!published) {   /* the draft report is for admins */
        who w;
        if (!api_require_login(c, r, &w, false)) { json_decref(cons); return NULL; }
        if (!api_require_role(r, &w, "admin")) { json_decref(cons); return NULL; }
    }
    if (OPS->feedback(ST, id, FEEDBACK_MIN_GROUP, &fb) || OPS->consultation_sections(ST, id, &sections)) {
        json_decref(cons); api_store_failed(r, ST); return NULL;
    }
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(fb, "groups"), i, x) { api_mask_field(x, "title", 0); api_mask_field(x, "body", 0); }
    /* The officials' reasons and summary are public text too, like a reply. */
    json_array_foreach(json_object_get(fb, "decisions"), i, x) { api_mask_field(x, "title", 0); api_mask_field(x, "body", 0); api_mask_field(x, "reason", 0); }
    api_mask_field(fb, "summary", 0);
    json_array_foreach(sections, i, x) json_object_del(x, "text");
    json_object_set_new(fb, "sections", sections);
    json_object_set_new(fb, "consultation", json_pack("{s:O,s:O,s:O,s:O}", "id", json_object_get(cons, "id"),
        "title", json_object_get(cons, "title"), "opens_at", json_object_get(cons, "opens_at"),
        "closes_at", json_object_get(cons, "closes_at")));
    json_int_t total = 0;
    json_array_foreach(json_object_get(fb, "counts"), i, x) total += json_integer_value(json_object_get(x, "n"));
    json_object_set_new(fb, "total", json_integer(total));
    *cons_out = cons;
    return fb;
}

/* GET /api/v1/consultations/{id}/feedback */
void api_get_feedback(api_ctx *c, http_req *r, const char *arg) {
    json_t *cons, *fb = feedback_for(c, r, arg, &cons);
    if (!fb) return;
    json_decref(cons);
    http_json(r, 200, fb);
}

/* The language of the Markdown report, as the page picks it (web/js/lang.js):
 * ?lang= (the page's link passes its own), else the minyi_lang cookie the
 * language button sets, else the first supported tag of Accept-Language,
 * else Chinese. */
static const char *match_lang(const char *t, size_t n) {
    while (n && (*t == ' ' || *t == '\t')) { t++; n--; }
    while (n && (t[n - 1] == ' ' || t[n - 1] == '\t')) n--;
    if (n >= 2 && !strncasecmp(t, "en", 2) && (n == 2 || t[2] == '-')) return "en";
    if (n >= 2 && !strncasecmp(t, "zh", 2) && (n == 2 || t[2] == '-')) return "zh-CN";
    return NULL;
}

static const char *report_lang(http_req *r) {
    const char *v, *l;
    if ((v = http_query(r, "lang")) && (l = match_lang(v, strlen(v)))) return l;
    if ((v = http_cookie(r, "minyi_lang")) && (l = match_lang(v, strlen(v)))) return l;
    if ((v = http_header(r, "Accept-Language"))) {
        while (*v) {   /* "en-GB,en;q=0.9,zh;q=0.8": in the order given; q=0 refuses a tag */
            size_t n = strcspn(v, ","), tag = strcspn(v, ";");
            if (tag > n) tag = n;
            const char *q = tag < n ? v + tag : NULL;
            bool refused = false;
            if (q) {
                while (q < v + n && (*q == ';' || *q == ' ')) q++;
                if (q + 2 <= v + n && !strncmp(q, "q=", 2)) refused = strtod(q + 2, NULL) <= 0;
            }
            if (!refused && (l = match_lang(v, tag))) return l;
            v += n;
            if (*v == ',') v++;
        }
    }
    return "zh-CN";
}

/* The web pages' catalog of lang (web/i18n/LANG.json): the report reads the
 * same texts as feedback.html, so the two never differ. NULL without one. */
static json_t *catalog(api_ctx *c, const char *lang) {
    char path[1024];
    if (!c->web_root || snprintf(path, sizeof path, "%s/i18n/%s.json", c->web_root, lang) >= (int)sizeof path) return NULL;
    json_t *cat = json_load_file(path, 0, NULL);
    if (cat && !json_is_object(cat)) { json_decref(cat); cat = NULL; }
    return cat;
}

/* The catalog's text of key (the key itself when missing: visible, never a crash). */
static const char *tr(json_t *cat, const char *key) {
    const char *t = json_string_value(json_object_get(cat, key));
    return t ? t : key;
}

/* Markdown-safe: a citizen's text as a quoted line, with the characters that
 * would start markup escaped and line breaks kept inside the quote. */
static void md_text(buf *b, const char *s) {
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '\n') { buf_puts(b, "\n> "); continue; }
        if (strchr("\\`*_{}[]()#+-.!|<>", *p)) buf_putc(b, '\\');
        buf_putc(b, *p);
    }
}

/* A catalog text with {0}, {1}... replaced by args (escaped as citizens' text). */
static void md_tr(buf *b, json_t *cat, const char *key, int nargs, const char *const *args) {
    for (const char *p = tr(cat, key); *p; p++) {
        if (p[0] == '{' && p[1] >= '0' && p[1] <= '9' && p[2] == '}' && p[1] - '0' < nargs) {
            md_text(b, args[p[1] - '0']);
            p += 2;
        } else buf_putc(b, *p);
    }
}

static const char *decision_text(json_t *cat, const char *d) {
    static const char *const KEYS[] = { "feedback.adopted", "feedback.partly_adopted", "feedback.not_adopted" };
    for (size_t i = 0; i < 3; i++) if (d && !strcmp(d, DECISIONS[i])) return tr(cat, KEYS[i]);
    return tr(cat, "feedback.pending");
}

static const char *type_text(json_t *cat, const char *type) {
    static const char *const TYPES[] = { "建议", "咨询", "投诉", "求助", "感谢" };
    static const char *const KEYS[] = { "type.suggestion", "type.question", "type.complaint", "type.help", "type.thanks" };
    for (size_t i = 0; i < 5; i++) if (type && !strcmp(type, TYPES[i])) return tr(cat, KEYS[i]);
    return type ? type : "";
}

static const char *section_title(json_t *cat, json_t *sections, json_int_t no) {
    size_t i;
    json_t *x;
    if (no == 0) return tr(cat, "feedback.whole_draft");
    json_array_foreach(sections, i, x)
        if (json_integer_value(json_object_get(x, "no")) == no) return json_string_value(json_object_get(x, "title"));
    return "?";
}

/* GET /api/v1/consultations/{id}/feedback.md[?lang=zh-CN|en]: the same report
 * as Markdown, in the reader's language (report_lang). */
void api_get_feedback_md(api_ctx *c, http_req *r, const char *arg) {
    json_t *cons, *fb = feedback_for(c, r, arg, &cons);
    if (!fb) return;
    const char *lang = report_lang(r);
    json_t *cat = catalog(c, lang);
    if (!cat && strcmp(lang, "zh-CN")) cat = catalog(c, lang = "zh-CN");
    buf *b = &r->out;
    json_t *sections = json_object_get(fb, "sections");
    char n1[32], n2[32];
    const char *args[2];
    buf_puts(b, "# ");
    args[0] = json_string_value(json_object_get(cons, "title"));
    md_tr(b, cat, "feedback.feedback_on_the_consultation", 1, args);
    /* " · N public comments" on the page, under the title: a line of its own here */
    buf line = {0};
    snprintf(n1, sizeof n1, "%lld", (long long)json_integer_value(json_object_get(fb, "total")));
    args[0] = n1;
    md_tr(&line, cat, "feedback.comments_received", 1, args);
    size_t skip = 0;
    while (skip < line.n && strchr(" \xC2\xB7", line.p[skip])) skip++;   /* the leading " · " (U+00B7) */
    buf_puts(b, "\n\n");
    buf_put(b, line.p + skip, line.n - skip);
    buf_free(&line);
    buf_puts(b, "\n\n");
    const char *summary = json_string_value(json_object_get(fb, "summary"));
    if (summary && *summary) { buf_puts(b, "> "); md_text(b, summary); buf_puts(b, "\n\n"); }
    buf_puts(b, "## ");
    md_tr(b, cat, "feedback.comments_by_section_and_type", 0, NULL);
    buf_puts(b, "\n\n| ");
    md_tr(b, cat, "feedback.section", 0, NULL);
    buf_puts(b, " | ");
    md_tr(b, cat, "common.type", 0, NULL);
    buf_puts(b, " | ");
    md_tr(b, cat, "feedback.count", 0, NULL);
    buf_puts(b, " |\n|---|---|---|\n");
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(fb, "counts"), i, x) {
        buf_puts(b, "| ");
        md_text(b, section_title(cat, sections, json_integer_value(json_object_get(x, "section"))));
        buf_puts(b, " | ");
        md_text(b, type_text(cat, json_string_value(json_object_get(x, "type"))));
        snprintf(n1, sizeof n1, " | %lld |\n", (long long)json_integer_value(json_object_get(x, "n")));
        buf_puts(b, n1);
    }
    buf_puts(b, "\n## ");
    md_tr(b, cat, "feedback.comments_made_by_many", 0, NULL);
    buf_puts(b, "\n\n");
    if (!json_array_size(json_object_get(fb, "groups"))) { md_tr(b, cat, "feedback.no_comment_was_made_by", 0, NULL); buf_puts(b, "\n"); }
    json_array_foreach(json_object_get(fb, "groups"), i, x) {
        snprintf(n1, sizeof n1, "%zu. ", i + 1);
        buf_puts(b, n1);
        md_text(b, json_string_value(json_object_get(x, "title")));
        snprintf(n2, sizeof n2, "%lld", (long long)json_integer_value(json_object_get(x, "size")));
        args[0] = n2;
        args[1] = decision_text(cat, json_string_value(json_object_get(x, "decision")));
        md_tr(b, cat, "feedback.times", 2, args);
        buf_puts(b, "\n");
    }
    buf_puts(b, "\n## ");
    md_tr(b, cat, "feedback.decision", 0, NULL);
    buf_puts(b, "\n\n");
    if (!json_array_size(json_object_get(fb, "decisions"))) { md_tr(b, cat, "feedback.no_decisions_yet", 0, NULL); buf_puts(b, "\n"); }
    json_array_foreach(json_object_get(fb, "decisions"), i, x) {
        buf_puts(b, "### ");
        args[0] = decision_text(cat, json_string_value(json_object_get(x, "decision")));
        args[1] = json_string_value(json_object_get(x, "title"));
        md_tr(b, cat, "feedback.label_value", 2, args);
        buf_puts(b, "\n\n> ");
        md_text(b, json_string_value(json_object_get(x, "body")));
        buf_puts(b, "\n\n");
        md_tr(b, cat, "feedback.reason_2", 0, NULL);
        md_text(b, json_string_value(json_object_get(x, "reason")));
        buf_puts(b, "\n\n");
    }
    json_decref(cat);
    r->status = 200;
    r->content_type = "text/markdown; charset=utf-8";
    http_add_header(r, "Content-Language", lang);
    http_add_header(r, "Vary", "Accept-Language, Cookie");
    json_decref(fb);
    json_decref(cons);
}

/* POST /api/v1/consultations/{id}/feedback/publish {"summary":..} */
void api_post_feedback_publish(api_ctx *c, http_req *r, const char *arg) {
    who w;
    if (!api_require_login(c, r, &w, true) || !api_require_role(r, &w, "admin")) return;
    int64_t id;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no consultation '%.40s'", arg);
    json_t *j = http_body_json(r);
    if (!j) return;
    valid_err e = { 0 };
    str summary;
    if (valid_text(j, "summary", false, 20000, &summary, &e)) { api_invalid(r, &e); json_decref(j); return; }
    json_t *cons;
    int rc = OPS->consultation_get(ST, id, &cons);
    if (rc == STORE_NOT_FOUND) { json_decref(j); return http_error(r, 404, "not_found", NULL, "no consultation %lld", (long long)id); }
    if (rc) { json_decref(j); return api_store_failed(r, ST); }
    bool over = consultation_over(cons);
    json_decref(cons);
    if (!over) { json_decref(j); return http_error(r, 409, "conflict", NULL, "the feedback report is published after the consultation has closed"); }
    rc = OPS->feedback_publish(ST, id, summary, w.u.id);
    json_decref(j);
    if (rc) return api_store_failed(r, ST);
    http_json(r, 200, json_pack("{s:b}", "published", 1));
}
