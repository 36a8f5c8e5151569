/* validate.c: see validate.h. */
#include "app/validate.h"
#include "text/utf8.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

const char *const valid_msg_types[5] = { "建议", "咨询", "投诉", "求助", "感谢" };

static int fail(valid_err *e, const char *code, const char *field, const char *fmt, const char *arg, size_t num) {
    e->code = code;
    e->field = field;
    snprintf(e->message, sizeof e->message, fmt, arg, num);
    return -1;
}

int valid_text(json_t *obj, const char *name, bool required, size_t max_chars, str *out, valid_err *e) {
    *out = (str){0};
    json_t *v = json_object_get(obj, name);
    if (!v || json_is_null(v)) {
        if (required) return fail(e, "missing", name, "%s is required", name, 0);
        return 0;
    }
    if (!json_is_string(v)) return fail(e, "invalid", name, "%s must be a string", name, 0);
    str s = str_trim((str){ json_string_value(v), json_string_length(v) });
    if (s.n == 0) {
        if (required) return fail(e, "missing", name, "%s must not be empty", name, 0);
        return 0;
    }
    /* jansson has already refused invalid UTF-8 and \u0000; check again for callers with other sources. */
    if (!utf8_valid(s.p, s.n) || memchr(s.p, 0, s.n)) return fail(e, "invalid", name, "%s is not valid UTF-8 text", name, 0);
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
            return fail(e, "invalid", name, "%s contains a control character", name, 0);
    }
    if (utf8_count(s.p, s.n) > max_chars)
        return fail(e, "too_long", name, "%s is longer than %zu characters", name, max_chars);
    *out = s;
    return 0;
}

int valid_id(json_t *obj, const char *name, int64_t *out, valid_err *e) {
    json_t *v = json_object_get(obj, name);
    if (!v || json_is_null(v)) return fail(e, "missing", name, "%s is required", name, 0);
    long long id = 0;
    if (json_is_integer(v)) id = json_integer_value(v);
    else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        if (!*s || !isdigit((unsigned char)*s)) return fail(e, "invalid", name, "%s must be a positive integer", name, 0);
        id = strtoll(s, &end, 10);
        if (*end) return fail(e, "invalid", name, "%s must be a positive integer", name, 0);
    } else return fail(e, "invalid", name, "%s must be a positive integer", name, 0);
    if (id <= 0) return fail(e, "invalid", name, "%s must be a positive integer", name, 0);
    *out = id;
    return 0;
}

int valid_message(json_t *obj, store_new_msg *m, valid_err *e) {
    memset(m, 0, sizeof *m);
    if (valid_id(obj, "consultation_id", &m->consultation_id, e)) return -1;
    if (valid_text(obj, "title", true, 100, &m->title, e)) return -1;
    if (valid_text(obj, "body", true, 5000, &m->body, e)) return -1;
    if (valid_text(obj, "type", true, 10, &m->type, e)) return -1;
    bool known = false;
    for (size_t i = 0; i < 5; i++) known |= str_eq_c(m->type, valid_msg_types[i]);
    if (!known) return fail(e, "invalid", "type", "%s must be one of 建议 咨询 投诉 求助 感谢", "type", 0);
    json_t *pub = json_object_get(obj, "publish");
    if (pub && !json_is_null(pub) && !json_is_boolean(pub))
        return fail(e, "invalid", "publish", "%s must be true or false", "publish", 0);
    m->unpublished = json_is_false(pub);
    if (json_object_get(obj, "section") && !json_is_null(json_object_get(obj, "section"))
        && valid_id(obj, "section", &m->section, e)) return -1;
    if (valid_text(obj, "region", false, 50, &m->region, e)) return -1;
    if (valid_text(obj, "phone", false, 20, &m->phone, e)) return -1;
    if (m->phone.p) {
        size_t digits = 0;
        for (size_t i = 0; i < m->phone.n; i++) {
            char c = m->phone.p[i];
            if (isdigit((unsigned char)c)) digits++;
            else if (c != ' ' && c != '+' && c != '-' && c != '(' && c != ')')
                return fail(e, "invalid", "phone", "%s may contain only digits, spaces, + - ( )", "phone", 0);
        }
        if (digits < 5) return fail(e, "invalid", "phone", "%s needs at least %zu digits", "phone", 5);
    }
    return 0;
}

int valid_login(str login, valid_err *e) {
    if (login.n < 2 || login.n > 64) return fail(e, "invalid", "login", "%s must be 2 to %zu characters", "login", 64);
    for (size_t i = 0; i < login.n; i++) {
        char c = login.p[i];
        if (!isalnum((unsigned char)c) && c != '.' && c != '_' && c != '-')
            return fail(e, "invalid", "login", "%s may contain only letters, digits, '.', '_' and '-'", "login", 0);
    }
    return 0;
}
