/* tabout.c: see tabout.h. The Excel writer runs in libxlsxwriter's
 * constant-memory mode (each row goes to a temporary file as it is
 * written), so exporting a million rows does not hold them in memory. */
#include "app/tabout.h"
#include <xlsxwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XLSX_MAX_ROWS 1048576

struct tabout {
    enum tab_format f;
    FILE *out; bool own;
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *bold;
    long row;                /* the next row of the current sheet (0 = its header) */
    long rows;               /* data rows in all sheets */
    int sheets;
    char err[200];
};

bool tab_format_parse(const char *s, enum tab_format *f) {
    if (!s) return false;
    if (!strcmp(s, "csv")) *f = TAB_CSV;
    else if (!strcmp(s, "tsv")) *f = TAB_TSV;
    else if (!strcmp(s, "xlsx")) *f = TAB_XLSX;
    else return false;
    return true;
}

const char *tab_content_type(enum tab_format f) {
    return f == TAB_XLSX ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
         : f == TAB_TSV ? "text/tab-separated-values; charset=utf-8" : "text/csv; charset=utf-8";
}

const char *tab_extension(enum tab_format f) { return f == TAB_XLSX ? "xlsx" : f == TAB_TSV ? "tsv" : "csv"; }

int tabout_open(enum tab_format f, const char *path, bool bom, tabout **out, char *err, size_t errlen) {
    *out = NULL;
    tabout *t = calloc(1, sizeof *t);
    if (!t) { snprintf(err, errlen, "out of memory"); return -1; }
    t->f = f;
    if (f == TAB_XLSX) {
        if (!path) { snprintf(err, errlen, "an Excel file needs a file name"); free(t); return -1; }
        lxw_workbook_options o = { .constant_memory = LXW_TRUE };
        if (!(t->wb = workbook_new_opt(path, &o))) { snprintf(err, errlen, "%s: cannot create the workbook", path); free(t); return -1; }
        t->bold = workbook_add_format(t->wb);
        format_set_bold(t->bold);
    } else {
        t->out = path ? fopen(path, "w") : stdout;
        if (!t->out) { snprintf(err, errlen, "%s: cannot write", path); free(t); return -1; }
        t->own = path != NULL;
        if (bom && f == TAB_CSV) fputs("\xEF\xBB\xBF", t->out);
    }
    *out = t;
    return 0;
}

int tabout_sheet(tabout *t, const char *name) {
    if (t->f == TAB_XLSX) {
        if (!(t->ws = workbook_add_worksheet(t->wb, name))) { snprintf(t->err, sizeof t->err, "cannot add sheet %s", name); return -1; }
        worksheet_freeze_panes(t->ws, 1, 0);
    } else if (t->sheets++) {
        fprintf(t->out, "\n%s\n", name);
    }
    t->row = 0;
    return 0;
}

static void put_csv(FILE *f, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) { fputs(s, f); return; }
    fputc('"', f);
    for (; *s; s++) { if (*s == '"') fputc('"', f); fputc(*s, f); }
    fputc('"', f);
}

static void put_tsv(FILE *f, const char *s) {
    for (; *s; s++) fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);   /* TSV cannot quote: fold, as exporters do */
}

int tabout_row(tabout *t, const tab_cell *c, int n) {
    if (t->err[0]) return -1;
    if (t->f == TAB_XLSX) {
        if (!t->ws && tabout_sheet(t, NULL)) return -1;
        if (t->row >= XLSX_MAX_ROWS) {
            snprintf(t->err, sizeof t->err, "more rows than an Excel sheet holds (%d); export as CSV instead", XLSX_MAX_ROWS);
            return -1;
        }
        for (int i = 0; i < n; i++) {
            lxw_error e = LXW_NO_ERROR;
            if (c[i].is_num) e = worksheet_write_number(t->ws, (lxw_row_t)t->row, (lxw_col_t)i, c[i].num, t->row ? NULL : t->bold);
            else if (c[i].s && *c[i].s) e = worksheet_write_string(t->ws, (lxw_row_t)t->row, (lxw_col_t)i, c[i].s, t->row ? NULL : t->bold);
            if (e) { snprintf(t->err, sizeof t->err, "row %ld: %s", t->row + 1, lxw_strerror(e)); return -1; }
        }
    } else {
        char num[64];
        for (int i = 0; i < n; i++) {
            if (i) fputc(t->f == TAB_CSV ? ',' : '\t', t->out);
            const char *s = c[i].s ? c[i].s : "";
            if (c[i].is_num) { snprintf(num, sizeof num, "%.15g", c[i].num); s = num; }
            if (t->f == TAB_CSV) put_csv(t->out, s); else put_tsv(t->out, s);
        }
        fputc('\n', t->out);
        if (ferror(t->out)) { snprintf(t->err, sizeof t->err, "write error"); return -1; }
    }
    if (t->row++) t->rows++;
    return 0;
}

int tabout_text_row(tabout *t, const char *const *cells, int n) {
    tab_cell c[n > 0 ? n : 1];
    for (int i = 0; i < n; i++) c[i] = (tab_cell){ .s = cells[i] };
    return tabout_row(t, c, n);
}

long tabout_rows(const tabout *t) { return t->rows; }

int tabout_close(tabout *t, char *err, size_t errlen) {
    int rc = t->err[0] ? -1 : 0;
    if (rc) snprintf(err, errlen, "%s", t->err);
    if (t->wb) {
        lxw_error e = workbook_close(t->wb);
        if (e && !rc) { snprintf(err, errlen, "writing the workbook: %s", lxw_strerror(e)); rc = -1; }
    } else if (t->out) {
        if ((fflush(t->out) || ferror(t->out)) && !rc) { snprintf(err, errlen, "write error"); rc = -1; }
        if (t->own) fclose(t->out);
    }
    free(t);
    return rc;
}
