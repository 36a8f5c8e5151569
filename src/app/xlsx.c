/* xlsx.c: the first worksheet of an .xlsx file as rows (xlsx.h). The
 * members are inflated with a cap (a small zip can hold a huge member) and
 * parsed with expat as a stream of elements; a document type declaration is
 * refused outright (a workbook never has one, and entity tricks start
 * there). Element names are compared without their namespace prefix. */
#include "app/xlsx.h"
#include <expat.h>
#include <zip.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MEMBER_CAP ((zip_uint64_t)1 << 30)

static void fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(char *err, size_t errlen, const char *fmt, ...) {
    if (err[0]) return;   /* the first reason stands */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* 1 when absent, 0 read, -1 error. */
static int read_member(zip_t *z, const char *name, buf *out, char *err, size_t errlen) {
    zip_int64_t idx = zip_name_locate(z, name, 0);
    if (idx < 0) return 1;
    zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)idx, 0);
    if (!f) { fail(err, errlen, "%s: %s", name, zip_strerror(z)); return -1; }
    char chunk[65536];
    for (;;) {
        zip_int64_t k = zip_fread(f, chunk, sizeof chunk);
        if (k < 0) { fail(err, errlen, "%s: %s", name, zip_file_strerror(f)); zip_fclose(f); return -1; }
        if (k == 0) break;
        if (out->n + (size_t)k > MEMBER_CAP) { fail(err, errlen, "%s inflates past 1 GiB", name); zip_fclose(f); return -1; }
        if (buf_put(out, chunk, (size_t)k)) { fail(err, errlen, "out of memory"); zip_fclose(f); return -1; }
    }
    zip_fclose(f);
    return 0;
}

static const char *local(const char *name) {
    const char *c = strrchr(name, ':');
    return c ? c + 1 : name;
}

static const char *attr(const char **atts, const char *key) {
    for (int i = 0; atts[i]; i += 2) if (!strcmp(local(atts[i]), key)) return atts[i + 1];
    return NULL;
}

/* The first member of each parser's state: the parser itself, so any
 * handler can stop it, and whether a document type declaration stopped it. */
typedef struct { XML_Parser p; bool doctype; } xml_base;

static void no_doctype(void *ud, const char *name, const char *sys, const char *pub, int internal) {
    xml_base *b = ud;
    b->doctype = true;
    XML_StopParser(b->p, XML_FALSE);
}

/* Parses doc with the handlers on ud (which starts with an xml_base); -1 with
 * "member: line N: reason" in err on bad XML (unless a handler said why). */
static int parse(const char *member, const buf *doc, xml_base *ud, XML_StartElementHandler s, XML_EndElementHandler e,
                 XML_CharacterDataHandler t, char *err, size_t errlen) {
    XML_Parser p = XML_ParserCreate("UTF-8");
    if (!p) { fail(err, errlen, "out of memory"); return -1; }
    ud->p = p;
    XML_SetUserData(p, ud);
    XML_SetElementHandler(p, s, e);
    XML_SetCharacterDataHandler(p, t);
    XML_SetStartDoctypeDeclHandler(p, no_doctype);
    int rc = 0;
    if (XML_Parse(p, doc->p ? doc->p : "", (int)doc->n, 1) != XML_STATUS_OK) {
        if (ud->doctype) fail(err, errlen, "%s: a document type declaration (not allowed in a workbook)", member);
        else if (XML_GetErrorCode(p) != XML_ERROR_ABORTED)
            fail(err, errlen, "%s: line %lu: %s", member, (unsigned long)XML_GetCurrentLineNumber(p), XML_ErrorString(XML_GetErrorCode(p)));
        rc = err[0] ? -1 : 0;   /* aborted without a reason: the row callback stopped it */
    }
    XML_ParserFree(p);
    ud->p = NULL;
    return rc;
}

/* ---- shared strings --------------------------------------------------------- */

typedef struct {
    xml_base base;
    buf text;                /* every string, back to back */
    size_t *off, *len, n, cap;
    size_t cur;              /* start of the string being read */
    int in_t, in_rph, in_si;
} shared;

static void ss_start(void *ud, const char *name, const char **atts) {
    shared *s = ud;
    const char *l = local(name);
    if (!strcmp(l, "si")) { s->in_si = 1; s->cur = s->text.n; }
    else if (!strcmp(l, "rPh")) s->in_rph++;
    else if (!strcmp(l, "t") && s->in_si) s->in_t = 1;
}

static void ss_end(void *ud, const char *name) {
    shared *s = ud;
    const char *l = local(name);
    if (!strcmp(l, "rPh")) { if (s->in_rph) s->in_rph--; }
    else if (!strcmp(l, "t")) s->in_t = 0;
    else if (!strcmp(l, "si") && s->in_si) {
        s->in_si = 0;
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 256;
            size_t *o = realloc(s->off, cap * sizeof *o), *n;
            if (!o) return;
            s->off = o;
            if (!(n = realloc(s->len, cap * sizeof *n))) return;
            s->len = n;
            s->cap = cap;
        }
        s->off[s->n] = s->cur;
        s->len[s->n++] = s->text.n - s->cur;
    }
}

static void ss_text(void *ud, const char *t, int n) {
    shared *s = ud;
    if (s->in_t && !s->in_rph) buf_put(&s->text, t, (size_t)n);
}

/* ---- the sheet ------------------------------------------------------------------ */

typedef struct {
    xml_base base;
    const shared *ss;
    int max_cols;
    xlsx_row_fn fn;
    void *ud;
    char *err; size_t errlen;
    long row, last_row;
    int col, last_col, ncells;
    char type[12];
    int in_c, in_v, in_t;
    size_t vstart;           /* where the current cell's raw value starts in val */
    buf val;                 /* the current cell's raw text */
    buf text;                /* the row's cell texts */
    size_t *off, *len;       /* per column */
    bool *num;
    bool stopped;
} sheet;

static void stop(sheet *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void stop(sheet *h, const char *fmt, ...) {
    if (!h->err[0]) {
        char msg[200];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        snprintf(h->err, h->errlen, "sheet row %ld: %s", h->row, msg);
    }
    h->stopped = true;
    XML_StopParser(h->base.p, XML_FALSE);
}

/* "BC12" -> column 54 (0-based); -1 when it is not a cell reference. */
static int column_of(const char *ref) {
    int c = 0, k = 0;
    while (*ref >= 'A' && *ref <= 'Z' && k < 3) { c = c * 26 + (*ref++ - 'A' + 1); k++; }
    if (!k || *ref < '1' || *ref > '9') return -1;
    while (*ref >= '0' && *ref <= '9') ref++;
    return *ref ? -1 : c - 1;
}

static void sh_start(void *ud, const char *name, const char **atts) {
    sheet *h = ud;
    if (h->stopped) return;
    const char *l = local(name);
    if (!strcmp(l, "row")) {
        const char *r = attr(atts, "r");
        long n = h->last_row + 1;
        if (r) {
            char *end;
            n = strtol(r, &end, 10);
            if (*end || n < 1 || n > 1048576) { h->row = h->last_row + 1; return stop(h, "bad row number '%.20s'", r); }
        }
        h->row = n;
        if (n <= h->last_row) return stop(h, "rows out of order (row %ld after %ld)", n, h->last_row);
        h->ncells = 0;
        h->last_col = -1;
        buf_reset(&h->text);
    } else if (!strcmp(l, "c")) {
        if (!h->row) return stop(h, "a cell outside a row");
        const char *r = attr(atts, "r"), *t = attr(atts, "t");
        int col = r ? column_of(r) : h->last_col + 1;
        if (col < 0) return stop(h, "bad cell reference '%.20s'", r);
        if (col <= h->last_col) return stop(h, "cells out of order at %.20s", r ? r : "?");
        if (col >= h->max_cols) return stop(h, "more than %d columns", h->max_cols);
        h->col = col;
        snprintf(h->type, sizeof h->type, "%s", t ? t : "n");
        h->in_c = 1;
        buf_reset(&h->val);
    } else if (!strcmp(l, "v") && h->in_c) h->in_v = 1;
    else if (!strcmp(l, "t") && h->in_c) h->in_t = 1;
}

static void sh_end(void *ud, const char *name) {
    sheet *h = ud;
    if (h->stopped) return;
    const char *l = local(name);
    if (!strcmp(l, "v")) h->in_v = 0;
    else if (!strcmp(l, "t")) h->in_t = 0;
    else if (!strcmp(l, "c") && h->in_c) {
        h->in_c = 0;
        const char *v = h->val.p ? h->val.p : "";
        size_t vn = h->val.n;
        bool number = false;
        if (!strcmp(h->type, "s")) {
            char *end;
            unsigned long long i = strtoull(v, &end, 10);
            if (!vn || *end || i >= h->ss->n) return stop(h, "shared string %.20s does not exist (the workbook has %zu)", v, h->ss->n);
            v = h->ss->text.p + h->ss->off[i];
            vn = h->ss->len[i];
        } else number = !strcmp(h->type, "n") && vn > 0;
        for (int k = h->ncells; k < h->col; k++) { h->off[k] = h->text.n; h->len[k] = 0; h->num[k] = false; }
        h->off[h->col] = h->text.n;
        if (buf_put(&h->text, v, vn)) return stop(h, "out of memory");
        h->len[h->col] = vn;
        h->num[h->col] = number;
        h->ncells = h->col + 1;
        h->last_col = h->col;
    } else if (!strcmp(l, "row") && h->row) {
        h->last_row = h->row;
        if (!h->ncells) return;
        xlsx_cell cells[h->ncells];
        for (int k = 0; k < h->ncells; k++)
            cells[k] = (xlsx_cell){ { h->text.p ? h->text.p + h->off[k] : "", h->len[k] }, h->num[k] };
        if (h->fn(h->ud, h->row, cells, h->ncells)) { h->stopped = true; XML_StopParser(h->base.p, XML_FALSE); }
    }
}

static void sh_text(void *ud, const char *t, int n) {
    sheet *h = ud;
    if (!h->stopped && (h->in_v || h->in_t) && buf_put(&h->val, t, (size_t)n)) stop(h, "out of memory");
}

/* The first worksheet: sheet1.xml, else the lowest-numbered sheetN.xml. */
static int find_sheet(zip_t *z, char *name, size_t cap) {
    if (zip_name_locate(z, "xl/worksheets/sheet1.xml", 0) >= 0) { snprintf(name, cap, "xl/worksheets/sheet1.xml"); return 0; }
    long best = -1;
    zip_int64_t n = zip_get_num_entries(z, 0);
    for (zip_int64_t i = 0; i < n; i++) {
        const char *e = zip_get_name(z, (zip_uint64_t)i, 0);
        long k;
        char tail[8];
        if (e && sscanf(e, "xl/worksheets/sheet%ld.%7s", &k, tail) == 2 && !strcmp(tail, "xml") && k > 0 && (best < 0 || k < best)) best = k;
    }
    if (best < 0) return -1;
    snprintf(name, cap, "xl/worksheets/sheet%ld.xml", best);
    return 0;
}

int xlsx_read(const void *data, size_t n, int max_cols, xlsx_row_fn fn, void *ud, char *err, size_t errlen) {
    err[0] = 0;
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, n, 0, &ze);
    zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
    if (!z) {
        fail(err, errlen, "not an Excel .xlsx file (a zip archive): %s", zip_error_strerror(&ze));
        zip_error_fini(&ze);
        if (src) zip_source_free(src);
        return -1;
    }
    zip_error_fini(&ze);
    shared ss = {0};
    sheet h = { .ss = &ss, .max_cols = max_cols, .fn = fn, .ud = ud, .err = err, .errlen = errlen };
    buf doc = {0};
    char name[64];
    int rc = -1;
    int got = read_member(z, "xl/sharedStrings.xml", &doc, err, errlen);
    if (got < 0) goto out;
    if (got == 0 && parse("xl/sharedStrings.xml", &doc, &ss.base, ss_start, ss_end, ss_text, err, errlen)) goto out;
    if (find_sheet(z, name, sizeof name)) { fail(err, errlen, "no worksheet (xl/worksheets/sheet1.xml): not an Excel workbook"); goto out; }
    buf_reset(&doc);
    if (read_member(z, name, &doc, err, errlen)) goto out;
    h.off = calloc((size_t)max_cols, sizeof *h.off);
    h.len = calloc((size_t)max_cols, sizeof *h.len);
    h.num = calloc((size_t)max_cols, sizeof *h.num);
    if (!h.off || !h.len || !h.num) { fail(err, errlen, "out of memory"); goto out; }
    rc = parse(name + 3, &doc, &h.base, sh_start, sh_end, sh_text, err, errlen);
out:
    buf_free(&doc);
    buf_free(&ss.text);
    free(ss.off);
    free(ss.len);
    buf_free(&h.val);
    buf_free(&h.text);
    free(h.off);
    free(h.len);
    free(h.num);
    zip_discard(z);
    return rc;
}

bool xlsx_serial_time(str number, char out[20]) {
    char tmp[40];
    if (!number.n || number.n >= sizeof tmp) return false;
    memcpy(tmp, number.p, number.n);
    tmp[number.n] = 0;
    char *end;
    double d = strtod(tmp, &end);
    if (*end || !(d >= 1 && d < 2958466)) return false;   /* 1900-01-01 .. 9999-12-31 */
    /* Days since 1899-12-30 (Excel's 1900 system, its leap-year bug included). */
    double secs = (d - 25569.0) * 86400.0;
    time_t t = (time_t)(secs + (secs >= 0 ? 0.5 : -0.5));
    struct tm g;
    if (!gmtime_r(&t, &g)) return false;
    return strftime(out, 20, "%Y-%m-%d %H:%M:%S", &g) == 19;
}
