/* json.c: see json.h. */
#include "http/json.h"
#include "text/utf8.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void http_json(http_req *r, int status, json_t *j) {
    r->status = status;
    r->content_type = "application/json; charset=utf-8";
    buf_reset(&r->out);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    if (s) { buf_puts(&r->out, s); free(s); }
    else buf_puts(&r->out, "{}");
    buf_putc(&r->out, '\n');
    json_decref(j);
    http_add_header(r, "Cache-Control", "no-store");
}

void http_error(http_req *r, int status, const char *code, const char *field, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* A message cut at the buffer's end may end inside a UTF-8 sequence, and
     * one that quotes the request (a percent-decoded path, a method) may
     * hold any bytes; jansson refuses invalid UTF-8 and the answer would
     * lose its error code: replace what is not UTF-8. */
    size_t len = n < 0 ? 0 : (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1;
    buf fixed = {0};
    const char *text = msg;
    if (utf8_invalid_at(msg, len) != (size_t)-1 && utf8_repair(msg, len, &fixed) >= 0 && !buf_putc(&fixed, 0)) text = fixed.p;
    json_t *e = json_pack("{s:s,s:s}", "code", code, "message", text);
    buf_free(&fixed);
    if (field) json_object_set_new(e, "field", json_string(field));
    http_json(r, status, json_pack("{s:o}", "error", e));
}

json_t *http_body_json(http_req *r) {
    if (r->body_too_large) { http_error(r, 413, "too_large", NULL, "request body is larger than the limit"); return NULL; }
    /* Only JSON: an HTML form on another site can post text/plain or
     * form-encoded bodies without the browser asking us first, a JSON
     * Content-Type it cannot. This keeps other sites from making their
     * visitors' browsers post messages or log in. */
    const char *ct = http_header(r, "Content-Type");
    if (!ct || strncasecmp(ct, "application/json", 16) != 0 || (ct[16] && ct[16] != ';' && ct[16] != ' ')) {
        http_error(r, 415, "unsupported_media_type", NULL, "the body must be JSON with Content-Type: application/json");
        return NULL;
    }
    if (r->body.n == 0) { http_error(r, 400, "invalid_json", NULL, "request body is empty; a JSON object is expected"); return NULL; }
    size_t bad = utf8_invalid_at(r->body.p, r->body.n);
    if (bad != (size_t)-1) { http_error(r, 400, "invalid_utf8", NULL, "request body is not valid UTF-8 (byte offset %zu)", bad); return NULL; }
    json_error_t je;
    json_t *j = json_loadb(r->body.p, r->body.n, JSON_REJECT_DUPLICATES, &je);
    if (!j) { http_error(r, 400, "invalid_json", NULL, "invalid JSON at line %d, column %d: %s", je.line, je.column, je.text); return NULL; }
    if (!json_is_object(j)) { json_decref(j); http_error(r, 400, "invalid_json", NULL, "a JSON object is expected"); return NULL; }
    return j;
}
