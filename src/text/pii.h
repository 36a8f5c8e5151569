/* pii.h: personal information detection and masking (PIPL).
 * Public views and exports show masked text; handlers of the routed
 * department see the original. */
#ifndef MINYI_PII_H
#define MINYI_PII_H
#include <stddef.h>
#include "core/str.h"

enum pii_type {
    PII_MOBILE   = 1 << 0,   /* mainland mobile: 1[3-9]x xxxx xxxx, optional +86 / 86 prefix */
    PII_LANDLINE = 1 << 1,   /* 0xx(x)-xxxxxxx(x) */
    PII_IDCARD   = 1 << 2,   /* 18-digit resident ID: valid check digit, or ID-shaped (province, year) */
    PII_BANKCARD = 1 << 3,   /* 16-19 digits passing Luhn, or with a 62/4/51-55 card prefix */
    PII_EMAIL    = 1 << 4,
    PII_PLATE    = 1 << 5,   /* 湘A12345, 京AD12345 (new energy) */
    PII_ADDRESS  = 1 << 6,   /* detail after the community level: 3栋2单元501室 */
    PII_ALL      = (1 << 7) - 1,
};

typedef struct { size_t off, len; enum pii_type type; } pii_span;

/* Finds PII in s[0..n) (UTF-8), in text order, non-overlapping. Writes at
 * most cap spans to out and returns how many were found in total. */
size_t pii_find(const char *s, size_t n, unsigned types, pii_span *out, size_t cap);

/* Appends s with every found span masked (mobile 138****5678, ID keeps the
 * first 6 and last 4, e-mail keeps the first letter and the domain, ...).
 * Returns 0, or -1 on out-of-memory. */
int pii_mask(const char *s, size_t n, unsigned types, buf *out);

const char *pii_type_name(enum pii_type t);   /* "mobile", "idcard", ... */

#endif
