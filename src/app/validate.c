/* validate.c: see validate.h. */
#include "app/validate.h"
#include "text/utf8.h"
#include <ctype.h>
#include <string.h>
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
        char norm[64];
        size_t nn = 0;
        if (valid_phone(m->phone, norm, sizeof norm, &nn, e)) return -1;
        /* The normalised form replaces the field, so m->phone still points into obj. */
        if (json_object_set_new(obj, "phone", json_stringn(norm, nn)))
            return fail(e, "invalid", "phone", "%s could not be stored", "phone", 0);
        json_t *v = json_object_get(obj, "phone");
        m->phone = (str){ json_string_value(v), json_string_length(v) };
    }
    return 0;
}

/* Full-width forms of the characters a phone number is written with
 * (０-９ ＋ － （ ） and the ideographic space) as their ASCII twins. */
static int phone_char(const char *p, size_t n, char *c) {
    unsigned char b = (unsigned char)p[0];
    if (b < 0x80) { *c = (char)b; return 1; }
    if (n >= 3 && b == 0xE3 && (unsigned char)p[1] == 0x80 && (unsigned char)p[2] == 0x80) { *c = ' '; return 3; }
    if (n >= 3 && b == 0xEF && (unsigned char)p[1] == 0xBC) {
        unsigned char t = (unsigned char)p[2];
        if (t >= 0x90 && t <= 0x99) { *c = (char)('0' + t - 0x90); return 3; }
        if (t == 0x8B) { *c = '+'; return 3; }
        if (t == 0x8D) { *c = '-'; return 3; }
        if (t == 0x88) { *c = '('; return 3; }
        if (t == 0x89) { *c = ')'; return 3; }
    }
    *c = 0;
    return 0;
}

int valid_phone(str in, char *out, size_t cap, size_t *out_n, valid_err *e) {
    char dig[32];
    size_t nd = 0, no = 0;
    bool plus = false;
    for (size_t i = 0; i < in.n; ) {
        char c;
        int l = phone_char(in.p + i, in.n - i, &c);
        if (!l || !(isdigit((unsigned char)c) || c == ' ' || c == '+' || c == '-' || c == '(' || c == ')'))
            return fail(e, "invalid", "phone", "%s may contain only digits, spaces, + - ( )", "phone", 0);
        if (c == '+') {
            if (nd > 0 || plus) return fail(e, "invalid", "phone", "%s may have '+' only before the country code", "phone", 0);
            plus = true;
        }
        if (isdigit((unsigned char)c)) {
            if (nd >= sizeof dig) return fail(e, "invalid", "phone", "%s has more than %zu digits", "phone", 15);
            dig[nd++] = c;
        }
        if (no + 1 >= cap) return fail(e, "invalid", "phone", "%s is too long", "phone", 0);
        out[no++] = c;
        i += (size_t)l;
    }
    out[no] = 0;
    *out_n = no;
    /* Judge the national number: strip a +86 / 0086 / 86 country code. */
    const char *d = dig;
    size_t n = nd;
    if (n == 15 && !memcmp(d, "0086", 4)) d += 4, n -= 4;
    else if (n == 13 && !memcmp(d, "86", 2)) d += 2, n -= 2;
    else if (plus) {
        if (n >= 8 && n <= 15 && d[0] != '0') return 0;    /* another country's number */
        return fail(e, "invalid", "phone", "%s is not an international number (+, country code, 8-15 digits)", "phone", 0);
    }
    bool same = true;
    for (size_t i = 1; i < n; i++) same &= d[i] == d[0];
    bool mobile = n == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9';
    bool with_area = n >= 10 && n <= 12 && d[0] == '0' && d[1] != '0';
    bool local = (n == 7 || n == 8) && d[0] >= '2' && d[0] <= '9';
    if (same || !(mobile || with_area || local))
        return fail(e, "invalid", "phone",
                    "%s is not a phone number: give a mobile number (11 digits, 1[3-9]...) or a landline with its area code (0731-8888 9999)",
                    "phone", 0);
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
