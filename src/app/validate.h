/* validate.h: checks of what citizens and officials send (fields present,
 * right type, length in characters, no control characters). Each check
 * names the field at fault so the API can answer 422 with "field". */
#ifndef MINYI_VALIDATE_H
#define MINYI_VALIDATE_H
#include <jansson.h>
#include <stdbool.h>
#include "core/str.h"
#include "store/store.h"

typedef struct {
    const char *code;        /* "missing" | "too_long" | "invalid" */
    const char *field;
    char message[256];
} valid_err;

/* Reads string field `name` of obj into *out (trimmed of surrounding
 * whitespace; points into obj). Absent, null or empty: an error when
 * required, else *out = {NULL,0}. Counts characters, not bytes. Refuses
 * control characters other than tab/newline/CR. Returns 0 or -1 with e. */
int valid_text(json_t *obj, const char *name, bool required, size_t max_chars, str *out, valid_err *e);

/* Positive integer field (a JSON integer, or a string of digits). */
int valid_id(json_t *obj, const char *name, int64_t *out, valid_err *e);

/* A citizen's new message: consultation_id, title (<=100), body (<=5000),
 * type (建议 咨询 投诉 求助 感谢), region (optional, <=50), phone (optional,
 * <=20 characters, checked and normalised by valid_phone, which replaces the
 * field in obj), publish (optional boolean, default true: false keeps the
 * message out of every public list). Fields of m point into obj. */
int valid_message(json_t *obj, store_new_msg *m, valid_err *e);

/* Checks a phone number and writes it to out (cap bytes, NUL-terminated,
 * length in *out_n) with full-width digits, ＋－（） and ideographic spaces
 * made ASCII. Accepts a mainland mobile (11 digits 1[3-9]...), a landline
 * with its area code (10-12 digits from 0), a local landline (7-8 digits
 * from 2-9), each with an optional +86 / 0086 / 86, or +country code and
 * 8-15 digits. Refuses anything else (00000, 11111111111) with a message
 * saying what a phone number looks like. Returns 0 or -1 with e. */
int valid_phone(str in, char *out, size_t cap, size_t *out_n, valid_err *e);

/* Checks a login name: 2-64 of [A-Za-z0-9._-]. */
int valid_login(str login, valid_err *e);

/* Message types accepted, in display order. */
extern const char *const valid_msg_types[5];

#endif
