/* pii.c: personal information detection and masking (see pii.h).
 * One left-to-right pass. Digits (ASCII or full-width) are read as a "number
 * token": digit groups joined by single spaces/dashes, so 138-1234-5678 and
 * 6222 0212 3456 7890 are seen whole; the token is then interpreted by
 * structure (lengths, prefixes) and checksums (ID ISO 7064, Luhn). A digit run
 * is only ever taken whole: 12 digits are never "an 11-digit mobile plus one". */
#include "text/pii.h"
#include "text/utf8.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdbool.h>

#define MAXDIG 40     /* longer digit runs are serial numbers, never PII */
#define MAXGRP 6

static bool is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static bool is_ascii_alnum(unsigned char c) { return (c >= '0' && c <= '9') || is_alpha(c); }

/* Digit at s[i]: ASCII or full-width (U+FF10..FF19, EF BC 90..99). Returns
 * its byte length (0 if none) and the value in *v. */
static int dig_at(const char *s, size_t n, size_t i, int *v) {
    unsigned char c = (unsigned char)s[i];
    if (c >= '0' && c <= '9') { *v = c - '0'; return 1; }
    if (c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBC &&
        (unsigned char)s[i + 2] >= 0x90 && (unsigned char)s[i + 2] <= 0x99) {
        *v = (unsigned char)s[i + 2] - 0x90; return 3;
    }
    return 0;
}

/* Length of the digit (or ASCII letter) that ends right before byte i. */
static bool digit_before(const char *s, size_t i) {
    if (i == 0) return false;
    unsigned char c = (unsigned char)s[i - 1];
    if (c >= '0' && c <= '9') return true;
    return i >= 3 && (unsigned char)s[i - 3] == 0xEF && (unsigned char)s[i - 2] == 0xBC &&
           c >= 0x90 && c <= 0x99;
}

static uint32_t cp_at(const char *s, size_t n, size_t i, int *len) {
    uint32_t cp = 0;
    int l = utf8_decode(s + i, n - i, &cp);
    if (l <= 0) { *len = 1; return 0xFFFD; }
    *len = l;
    return cp;
}

/* ---- number tokens ---- */

typedef struct {
    size_t b, e;          /* bytes of the group */
    int d0, nd;           /* first digit index in tok.d, number of digits */
} grp;

typedef struct {
    char d[MAXGRP * MAXDIG];   /* all digits as ASCII */
    int nd;
    grp g[MAXGRP];
    int ng;
    bool paren;           /* group 0 was an area code in (0731) or （0731） */
} tok;

/* Reads one digit group at i into t. Returns false when the run is too long. */
static bool read_group(const char *s, size_t n, size_t i, tok *t) {
    grp *g = &t->g[t->ng];
    g->b = i; g->d0 = t->nd; g->nd = 0;
    int v, l;
    while (i < n && (l = dig_at(s, n, i, &v)) > 0) {
        if (g->nd >= MAXDIG) {
            while (i < n && (l = dig_at(s, n, i, &v)) > 0) i += (size_t)l;
            g->e = i; t->nd -= g->nd; t->ng++;
            return false;
        }
        t->d[t->nd++] = (char)('0' + v);
        g->nd++; i += (size_t)l;
    }
    g->e = i; t->ng++;
    return true;
}

/* Collects the token starting at digit position i. Returns false when it
 * contains an overlong run (the caller skips it whole). */
static bool read_token(const char *s, size_t n, size_t i, tok *t) {
    t->nd = 0; t->ng = 0; t->paren = false;
    bool open = i > 0 && s[i - 1] == '(';
    if (i >= 3 && !memcmp(s + i - 3, "\xEF\xBC\x88", 3)) open = true;  /* （ */
    if (!read_group(s, n, i, t)) return false;
    while (t->ng < MAXGRP) {
        size_t p = t->g[t->ng - 1].e, sep = 0;
        int v;
        if (p < n && (s[p] == ' ' || s[p] == '-')) sep = 1;
        else if (t->ng == 1 && open && p < n && s[p] == ')') sep = 1, t->paren = true;
        else if (t->ng == 1 && open && p + 3 <= n && !memcmp(s + p, "\xEF\xBC\x89", 3)) sep = 3, t->paren = true;
        if (!sep || p + sep >= n || !dig_at(s, n, p + sep, &v)) break;
        if (!read_group(s, n, p + sep, t)) return false;
    }
    return true;
}

static bool id_valid(const char *d, bool x_last) {
    static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
    static const char chk[] = "10X98765432";
    if (d[0] < '1' || d[0] > '9') return false;
    int sum = 0;
    for (int i = 0; i < 17; i++) sum += (d[i] - '0') * w[i];
    char c = chk[sum % 11];
    if (x_last ? c != 'X' : c != d[17]) return false;
    /* Birth date: a checksum alone passes 1 in 11 random numbers. */
    int y = (d[6] - '0') * 1000 + (d[7] - '0') * 100 + (d[8] - '0') * 10 + (d[9] - '0');
    int m = (d[10] - '0') * 10 + (d[11] - '0'), dd = (d[12] - '0') * 10 + (d[13] - '0');
    return y >= 1900 && y <= 2099 && m >= 1 && m <= 12 && dd >= 1 && dd <= 31;
}

/* An 18-digit number shaped like a resident ID: a province code (11-15,
 * 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81-83) and a birth year 18xx-20xx.
 * Masked even when the date or check digit is wrong: a typo does not make an
 * ID number public, and order numbers rarely start with a province code
 * followed by a year. */
static bool id_shaped(const char *d) {
    int p = (d[0] - '0') * 10 + (d[1] - '0');
    bool prov = (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) ||
                (p >= 41 && p <= 46) || (p >= 50 && p <= 54) || (p >= 61 && p <= 65) ||
                p == 71 || (p >= 81 && p <= 83);
    return prov && ((d[6] == '1' && (d[7] == '8' || d[7] == '9')) || (d[6] == '2' && d[7] == '0'));
}

static bool luhn(const char *d, int nd) {
    int sum = 0;
    for (int i = 0; i < nd; i++) {
        int v = d[nd - 1 - i] - '0';
        if (i & 1) { v *= 2; if (v > 9) v -= 9; }
        sum += v;
    }
    return sum % 10 == 0;
}

static bool mobile11(const char *d) { return d[0] == '1' && d[1] >= '3' && d[1] <= '9'; }

/* A card number that fails Luhn is still masked when it carries the prefix of
 * a card issued in China and its length (UnionPay 62, 16-19 digits; Visa 4,
 * 16 or 19; Mastercard 51-55, 16): a mistyped
 * digit does not make the rest of the card number public. Other 16-19 digit
 * numbers (orders, transactions) need the checksum. */
static bool card_shaped(const char *d, int nd) {
    if (d[0] == '6' && d[1] == '2') return nd >= 16 && nd <= 19;
    if (d[0] == '4') return nd == 16 || nd == 19;
    return d[0] == '5' && d[1] >= '1' && d[1] <= '5' && nd == 16;
}

static bool looks_date8(const char *d) {
    int y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
    int m = (d[4] - '0') * 10 + (d[5] - '0'), dd = (d[6] - '0') * 10 + (d[7] - '0');
    return y >= 1900 && y <= 2099 && m >= 1 && m <= 12 && dd >= 1 && dd <= 31;
}

/* Area code length at d (3 for 010 and 02x, 4 for 0[3-9]xx), 0 if none. */
static int area_len(const char *d, int nd) {
    if (nd < 3 || d[0] != '0') return 0;
    if (d[1] == '1' && d[2] == '0') return 3;
    if (d[1] == '2') return 3;
    if (d[1] >= '3' && d[1] <= '9' && nd >= 4) return 4;
    return 0;
}

/* A bare 7-8 digit local number is a phone only when the text says so. */
static bool phone_context(const char *s, size_t start) {
    static const char *kw[] = { "电话", "座机", "热线", "拨打", "致电", "号码", "联系方式", "tel", "Tel", "TEL" };
    size_t from = start > 24 ? start - 24 : 0;
    for (size_t k = 0; k < sizeof kw / sizeof *kw; k++) {
        size_t l = strlen(kw[k]);
        for (size_t p = from; p + l <= start; p++)
            if (!memcmp(s + p, kw[k], l)) return true;
    }
    return false;
}

/* Interprets the token; returns the type and sets *end (byte after the span)
 * and *begin (may move back over '+' or '('), or 0 if the token is no PII. */
static enum pii_type classify(const char *s, size_t n, const tok *t, size_t *begin, size_t *end) {
    const grp *g = t->g;
    const char *d = t->d;
    int g0 = g[0].nd;
    size_t after0 = g[0].e;

    /* 18-digit ID, or 17 digits + X. */
    bool id18 = g0 == 18 && !(after0 < n && is_alpha((unsigned char)s[after0]));
    if (id18 && id_valid(d, false)) { *end = after0; return PII_IDCARD; }
    if (g0 == 17 && after0 < n && (s[after0] == 'X' || s[after0] == 'x') &&
        !(after0 + 1 < n && is_ascii_alnum((unsigned char)s[after0 + 1]))) {
        char dd[18]; memcpy(dd, d, 17); dd[17] = 'X';
        if (id_valid(dd, true) || id_shaped(dd)) { *end = after0 + 1; return PII_IDCARD; }
    }
    /* Mobile: 11 digits, 86 + 11, 86 138 1234 5678, 138-1234-5678. */
    int mob_end = -1;
    if (g0 == 11 && mobile11(d)) mob_end = 0;
    else if (g0 == 13 && d[0] == '8' && d[1] == '6' && mobile11(d + 2)) mob_end = 0;
    else if (g0 == 2 && d[0] == '8' && d[1] == '6' && t->ng >= 2) {
        if (g[1].nd == 11 && mobile11(d + 2)) mob_end = 1;
        else if (t->ng >= 4 && g[1].nd == 3 && g[2].nd == 4 && g[3].nd == 4 && mobile11(d + 2)) mob_end = 3;
    } else if (g0 == 3 && t->ng >= 3 && g[1].nd == 4 && g[2].nd == 4 && mobile11(d)) mob_end = 2;
    if (mob_end >= 0) {
        if (d[0] == '8' && g0 != 11 && *begin > 0 && s[*begin - 1] == '+') (*begin)--;
        *end = g[mob_end].e; return PII_MOBILE;
    }
    /* Bank card: 16-19 digits, issuer 3-6, Luhn; or four groups of four. */
    if (id18 && id_shaped(d)) { *end = after0; return PII_IDCARD; }
    if (g0 >= 16 && g0 <= 19 && d[0] >= '3' && d[0] <= '6' && luhn(d, g0)) { *end = after0; return PII_BANKCARD; }
    if (card_shaped(d, g0)) { *end = after0; return PII_BANKCARD; }
    if (g0 == 4 && t->ng >= 4 && g[1].nd == 4 && g[2].nd == 4 && g[3].nd == 4 && d[0] >= '3' && d[0] <= '6') {
        int last = 3, nd = 16;
        if (t->ng >= 5 && g[4].nd <= 3) { last = 4; nd += g[4].nd; }
        if (luhn(d, nd)) { *end = g[last].e; return PII_BANKCARD; }
        if (last == 4 && luhn(d, 16)) { *end = g[3].e; return PII_BANKCARD; }
        if (card_shaped(d, nd)) { *end = g[last].e; return PII_BANKCARD; }
    }
    /* Landline: area code, a separator, a 7-8 digit local number. The local
     * number may start with 1 (0731-19165453): written with its area code it
     * is a phone number whatever its first digit. */
    if (t->ng >= 2 && area_len(d, g0) == g0 && (g[1].nd == 7 || g[1].nd == 8) &&
        d[g[1].d0] >= '1' && d[g[1].d0] <= '9') {
        if (t->paren) (*begin) -= (s[*begin - 1] == '(') ? 1 : 3;
        *end = g[1].e; return PII_LANDLINE;
    }
    if (g0 >= 10 && g0 <= 12) {
        int a = area_len(d, g0);
        if (a && (g0 - a == 8 || (a == 4 && g0 - a == 7)) &&
            ((d[a] >= '2' && d[a] <= '9') || (d[a] == '1' && phone_context(s, *begin)))) {
            *end = after0; return PII_LANDLINE;
        }
    }
    if ((g0 == 7 || g0 == 8) && d[0] >= '2' && d[0] <= '9' && !(g0 == 8 && looks_date8(d)) &&
        phone_context(s, *begin)) {
        *end = after0; return PII_LANDLINE;
    }
    return 0;
}

/* ---- e-mail ---- */

static bool email_local(unsigned char c) {
    return is_ascii_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

/* Finds the next e-mail address whose span lies in [from, n). */
static bool next_email(const char *s, size_t n, size_t from, size_t *b, size_t *e) {
    size_t at = from;
    while (at < n) {
        const char *p = memchr(s + at, '@', n - at);
        if (!p) return false;
        size_t a = (size_t)(p - s), l = a;
        while (l > from && email_local((unsigned char)s[l - 1])) l--;
        while (l < a && (s[l] == '.' || s[l] == '-' || s[l] == '+')) l++;
        size_t r = a + 1, last_dot = 0;
        while (r < n && (is_ascii_alnum((unsigned char)s[r]) || s[r] == '-' || s[r] == '.')) {
            if (s[r] == '.') last_dot = r;
            r++;
        }
        while (r > a + 1 && (s[r - 1] == '.' || s[r - 1] == '-')) r--;
        if (last_dot >= r - 1) { /* trailing dot was trimmed: find the real last one */
            last_dot = 0;
            for (size_t q = a + 1; q < r; q++) if (s[q] == '.') last_dot = q;
        }
        bool ok = l < a && last_dot > a + 1 && r - last_dot - 1 >= 2;
        for (size_t q = last_dot + 1; ok && q < r; q++) if (!is_alpha((unsigned char)s[q])) ok = false;
        if (ok) { *b = l; *e = r; return true; }
        at = a + 1;
    }
    return false;
}

/* ---- licence plates ---- */

static bool province(uint32_t cp) {
    static const char *const prov = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
    for (const char *p = prov; *p; ) {
        uint32_t c; int l = utf8_decode(p, 3, &c);
        if (c == cp) return true;
        p += l;
    }
    return false;
}

/* Plate at i (which starts a province character of length pl). */
static size_t plate_at(const char *s, size_t n, size_t i, int pl) {
    size_t p = i + (size_t)pl;
    if (p >= n || !((s[p] >= 'A' && s[p] <= 'Z') || (s[p] >= 'a' && s[p] <= 'z'))) return 0;
    p++;
    if (p + 2 <= n && !memcmp(s + p, "\xC2\xB7", 2)) p += 2;           /* · */
    else if (p + 3 <= n && !memcmp(s + p, "\xE2\x80\xA2", 3)) p += 3;  /* • */
    else if (p < n && (s[p] == ' ' || s[p] == '-')) p++;
    size_t q = p; int digits = 0;
    while (q < n && is_ascii_alnum((unsigned char)s[q]) && q - p < 7) {
        if (s[q] >= '0' && s[q] <= '9') digits++;
        q++;
    }
    if (q < n && is_ascii_alnum((unsigned char)s[q])) return 0;
    if ((q - p != 5 && q - p != 6) || digits < 2) return 0;
    return q;
}

/* ---- detailed addresses (building / unit / room) ---- */

static bool cn_numeral(uint32_t c) {
    switch (c) {
    case 0x4E00: case 0x4E8C: case 0x4E09: case 0x56DB: case 0x4E94: case 0x516D:   /* 一二三四五六 */
    case 0x4E03: case 0x516B: case 0x4E5D: case 0x5341: case 0x96F6: case 0x3007:   /* 七八九十零〇 */
    case 0x767E:   /* 百 (not 两: "两栋楼" is a count, never an address) */
        return true;
    }
    return false;
}

enum { U_WEAK = 1, U_STRONG = 2 };
/* Unit word at p: returns its byte length and strength in *kind. */
static size_t unit_at(const char *s, size_t n, size_t p, int *kind) {
    static const struct { const char *w; int k; } units[] = {
        { "号楼", U_STRONG }, { "单元", U_STRONG }, { "栋", U_STRONG }, { "幢", U_STRONG },
        { "室", U_STRONG }, { "座", U_WEAK }, { "楼", U_WEAK }, { "层", U_WEAK },
        { "号", U_WEAK }, { "户", U_WEAK },
    };
    for (size_t k = 0; k < sizeof units / sizeof *units; k++) {
        size_t l = strlen(units[k].w);
        if (p + l <= n && !memcmp(s + p, units[k].w, l)) { *kind = units[k].k; return l; }
    }
    return 0;
}

/* Number part of an address component at p: digits, Chinese numerals, or a
 * single ASCII letter (A座, B栋). Sets *cls: 1 digits, 2 numerals, 3 letter. */
static size_t addr_num(const char *s, size_t n, size_t p, int *cls) {
    size_t q = p; int v, l;
    while (q < n && (l = dig_at(s, n, q, &v)) > 0 && q - p < 15) q += (size_t)l;
    if (q > p) { *cls = 1; return q - p; }
    int cnt = 0;
    while (q < n && cnt < 4) {
        int cl; uint32_t c = cp_at(s, n, q, &cl);
        if (!cn_numeral(c)) break;
        q += (size_t)cl; cnt++;
    }
    if (q > p) { *cls = 2; return q - p; }
    if (p < n && is_alpha((unsigned char)s[p]) && !(p + 1 < n && is_alpha((unsigned char)s[p + 1]))) {
        *cls = 3;
        q = p + 1;
        while (q < n && (l = dig_at(s, n, q, &v)) > 0 && q - p < 6) q += (size_t)l;   /* B2栋 */
        return q - p;
    }
    return 0;
}

/* Address chain at p ("3栋2单元501室", "5号楼1单元302"). Returns its end or 0. */
static size_t addr_at(const char *s, size_t n, size_t p) {
    size_t q = p, end = 0;
    int comps = 0, strong = 0, digit_strong = 0, last_kind = 0;
    for (;;) {
        int cls, kind;
        size_t nl = addr_num(s, n, q, &cls);
        if (!nl) break;
        size_t ul = unit_at(s, n, q + nl, &kind);
        if (!ul) {
            /* A bare room number closes a chain: "2单元501". */
            if (comps > 0 && cls == 1 && strong && (nl == 3 || nl == 4) &&
                !(q + nl < n && is_ascii_alnum((unsigned char)s[q + nl]))) { end = q + nl; comps++; }
            break;
        }
        comps++;
        if (kind == U_STRONG) { strong++; if (cls != 2) digit_strong++; }
        last_kind = kind;
        q += nl + ul; end = q;
        if (q < n && s[q] == '-') q++;
    }
    (void)last_kind;
    if (comps >= 2 && (strong || comps >= 3)) return end;
    if (comps == 1 && digit_strong) return end;
    return 0;
}

/* ---- driver ---- */

size_t pii_find(const char *s, size_t n, unsigned types, pii_span *out, size_t cap) {
    size_t found = 0, i = 0;
    size_t eb = 0, ee = 0;
    bool have_email = next_email(s, n, 0, &eb, &ee);
    tok t;
#define EMIT(B, E, T) do { \
        if ((types & (T)) != 0) { if (found < cap) out[found] = (pii_span){ (B), (E) - (B), (T) }; found++; } \
    } while (0)
    while (i < n) {
        if (have_email && i >= eb) {
            if (i == eb) { EMIT(eb, ee, PII_EMAIL); i = ee; }
            have_email = next_email(s, n, i, &eb, &ee);
            continue;
        }
        size_t limit = have_email ? eb : n;   /* spans never run into an e-mail */
        unsigned char c = (unsigned char)s[i];
        int v;
        int dl = dig_at(s, n, i, &v);
        if (dl) {
            bool prev_ok = !digit_before(s, i) && !(i > 0 && (s[i - 1] == '.' || s[i - 1] == '_' || s[i - 1] == '/'));
            if (prev_ok && i > 0 && is_alpha((unsigned char)s[i - 1])) {
                /* letters glued to digits are order/serial numbers, except "Tel13..." */
                prev_ok = i >= 3 && !strncasecmp(s + i - 3, "tel", 3) && !(i > 3 && is_alpha((unsigned char)s[i - 4]));
            }
            if (!read_token(s, n, i, &t)) { i = t.g[t.ng - 1].e; continue; }
            if (prev_ok) {
                size_t b = i, e = 0;
                enum pii_type ty = classify(s, n, &t, &b, &e);
                if (ty && e <= limit && !(e < n && is_ascii_alnum((unsigned char)s[e]) && ty != PII_IDCARD)) {
                    EMIT(b, e, ty); i = e; continue;
                }
                /* Digits right after '*' are the kept tail of a masked value
                 * (湘A****51室), not a room number: masking stays idempotent
                 * (letters after '*' likewise, below: 湘A****B4室). */
                size_t ae = i > 0 && s[i - 1] == '*' ? 0 : addr_at(s, n, i);
                if (ae && ae <= limit) { EMIT(i, ae, PII_ADDRESS); i = ae; continue; }
            }
            i = t.g[0].e;
            continue;
        }
        if (c < 0x80) {
            if (is_alpha(c) && !(i > 0 && (is_ascii_alnum((unsigned char)s[i - 1]) || s[i - 1] == '*'))) {
                size_t ae = addr_at(s, n, i);
                if (ae && ae <= limit) { EMIT(i, ae, PII_ADDRESS); i = ae; continue; }
            }
            i++;
            continue;
        }
        int cl; uint32_t cp = cp_at(s, n, i, &cl);
        /* A plate's province character is followed by a Latin letter:
         * test that byte before the 31-character province table, which
         * every other Chinese character would walk in vain. */
        size_t nx = i + (size_t)cl;
        bool letter_next = nx < n && ((s[nx] >= 'A' && s[nx] <= 'Z') || (s[nx] >= 'a' && s[nx] <= 'z'));
        if (letter_next && province(cp)) {
            size_t pe = plate_at(s, n, i, cl);
            if (pe && pe <= limit) { EMIT(i, pe, PII_PLATE); i = pe; continue; }
        } else if (cn_numeral(cp)) {
            int pl; bool prev_num = false;
            if (i >= 3) { uint32_t pc = cp_at(s, n, i - 3, &pl); prev_num = pl == 3 && cn_numeral(pc); }
            if (!prev_num) {
                size_t ae = addr_at(s, n, i);
                if (ae && ae <= limit) { EMIT(i, ae, PII_ADDRESS); i = ae; continue; }
            }
        }
        i += (size_t)cl;
    }
#undef EMIT
    return found;
}

const char *pii_type_name(enum pii_type t) {
    switch (t) {
    case PII_MOBILE: return "mobile";
    case PII_LANDLINE: return "landline";
    case PII_IDCARD: return "idcard";
    case PII_BANKCARD: return "bankcard";
    case PII_EMAIL: return "email";
    case PII_PLATE: return "plate";
    case PII_ADDRESS: return "address";
    default: return "?";
    }
}

/* Writes the span with digits masked except the first `head` and last `tail`
 * (counting digits and a trailing X); separators are kept. */
static int mask_digits(const char *s, size_t b, size_t e, size_t n, int head, int tail, buf *out) {
    int total = 0, v, l;
    for (size_t p = b; p < e; p += (size_t)(l ? l : 1)) {
        l = dig_at(s, n, p, &v);
        if (l || s[p] == 'X' || s[p] == 'x') total++;
    }
    int k = 0;
    for (size_t p = b; p < e; ) {
        l = dig_at(s, n, p, &v);
        bool d = l || s[p] == 'X' || s[p] == 'x';
        if (!l) l = 1;
        if (d) {
            bool keep = k < head || k >= total - tail;
            if (keep ? buf_put(out, s + p, (size_t)l) : buf_putc(out, '*')) return -1;
            k++;
        } else if (buf_put(out, s + p, (size_t)l)) return -1;
        p += (size_t)l;
    }
    return 0;
}

static int mask_span(const char *s, size_t n, const pii_span *sp, buf *out) {
    size_t b = sp->off, e = sp->off + sp->len;
    switch (sp->type) {
    case PII_MOBILE: {
        int total = 0, v;
        for (size_t p = b; p < e; ) { int l = dig_at(s, n, p, &v); if (l) total++; p += (size_t)(l ? l : 1); }
        return mask_digits(s, b, e, n, total - 8, 4, out);
    }
    case PII_IDCARD:   return mask_digits(s, b, e, n, 6, 4, out);
    case PII_BANKCARD: return mask_digits(s, b, e, n, 4, 4, out);
    case PII_LANDLINE: {
        char d[MAXDIG]; int nd = 0, v;
        for (size_t p = b; p < e && nd < MAXDIG; ) { int l = dig_at(s, n, p, &v); if (l) d[nd++] = (char)('0' + v); p += (size_t)(l ? l : 1); }
        return mask_digits(s, b, e, n, area_len(d, nd), 2, out);
    }
    case PII_EMAIL: {
        const char *at = memchr(s + b, '@', e - b);
        if (buf_put(out, s + b, 1) || buf_puts(out, "***")) return -1;
        return buf_put(out, at, (size_t)(s + e - at));
    }
    case PII_PLATE: {
        int pl; cp_at(s, n, b, &pl);
        size_t p = b + (size_t)pl + 1;     /* province + letter kept */
        if (buf_put(out, s + b, p - b)) return -1;
        size_t q = p;
        while (q < e && !is_ascii_alnum((unsigned char)s[q])) q++;
        if (buf_put(out, s + p, q - p)) return -1;
        for (; q < e; q++)
            if (q + 2 < e ? buf_putc(out, '*') : buf_putc(out, s[q])) return -1;
        return 0;
    }
    case PII_ADDRESS:
        for (size_t p = b; p < e; ) {
            int l, v;
            if ((l = dig_at(s, n, p, &v)) > 0 || is_alpha((unsigned char)s[p])) {
                if (buf_putc(out, '*')) return -1;
                p += (size_t)(l ? l : 1);
                continue;
            }
            uint32_t c = cp_at(s, n, p, &l);
            if (cn_numeral(c) ? buf_putc(out, '*') : buf_put(out, s + p, (size_t)l)) return -1;
            p += (size_t)l;
        }
        return 0;
    default:
        return buf_put(out, s + b, e - b);
    }
}

int pii_mask(const char *s, size_t n, unsigned types, buf *out) {
    pii_span local[32];
    pii_span *sp = local;
    size_t cnt = pii_find(s, n, types, local, 32);
    if (cnt > 32) {
        sp = malloc(cnt * sizeof *sp);
        if (!sp) return -1;
        pii_find(s, n, types, sp, cnt);
    }
    size_t pos = 0;
    int rc = buf_reserve(out, n);
    for (size_t k = 0; rc == 0 && k < cnt; k++) {
        rc = buf_put(out, s + pos, sp[k].off - pos);
        if (rc == 0) rc = mask_span(s, n, &sp[k], out);
        pos = sp[k].off + sp[k].len;
    }
    if (rc == 0) rc = buf_put(out, s + pos, n - pos);
    if (sp != local) free(sp);
    return rc;
}
