/* tabout.h: tables out as CSV, TSV or Excel .xlsx (libxlsxwriter), for
 * `minyi export` and the export buttons of the inbox, the statistics and
 * the audit log: one header row (bold in Excel) and rows of text or
 * numbers, optionally several sheets (CSV: sections after a blank line). */
#ifndef MINYI_TABOUT_H
#define MINYI_TABOUT_H
#include <stdbool.h>
#include <stddef.h>

enum tab_format { TAB_CSV, TAB_TSV, TAB_XLSX };
/* "csv" | "tsv" | "xlsx"; false otherwise. */
bool tab_format_parse(const char *s, enum tab_format *f);
const char *tab_content_type(enum tab_format f);   /* for HTTP */
const char *tab_extension(enum tab_format f);      /* "csv", "tsv", "xlsx" */

typedef struct tabout tabout;
/* A cell: text (NULL = empty), or a number when is_num. */
typedef struct { const char *s; double num; bool is_num; } tab_cell;

/* Writes to path (CSV/TSV: NULL = stdout). bom starts a CSV with the UTF-8
 * byte order mark, which spreadsheet programs need to see Chinese text as
 * UTF-8. xlsx goes through temporary files in tmpdir (NULL = the default).
 * -1 with err on failure. */
int tabout_open(enum tab_format f, const char *path, bool bom, tabout **out, char *err, size_t errlen);
/* Starts a sheet named name (xlsx; CSV: a blank line and the name before
 * every sheet but the first); the next row is its header. */
int tabout_sheet(tabout *t, const char *name);
int tabout_row(tabout *t, const tab_cell *cells, int n);
int tabout_text_row(tabout *t, const char *const *cells, int n);   /* every cell text */
long tabout_rows(const tabout *t);          /* data rows written (headers not counted) */
/* Finishes the file and frees t; -1 with err when anything failed (a write
 * error, a sheet past Excel's 1,048,576 rows). */
int tabout_close(tabout *t, char *err, size_t errlen);

#endif
