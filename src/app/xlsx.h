/* xlsx.h: reads the first worksheet of an Excel .xlsx file (the format
 * governments exchange) as rows of text cells: the file is a zip (libzip)
 * of XML (expat): xl/sharedStrings.xml holds the strings that cells of type
 * "s" point at, xl/worksheets/sheet1.xml the rows. Knows nothing of column
 * meanings: datafile.c maps the header row like any CSV header. */
#ifndef MINYI_XLSX_H
#define MINYI_XLSX_H
#include "core/str.h"
#include <stdbool.h>

typedef struct {
    str text;                /* the cell's text (valid during the callback) */
    bool number;             /* a numeric cell (a date is a number of days since 1899-12-30) */
} xlsx_cell;

/* Called for each row that has cells, in order: row is the 1-based sheet row
 * number, cells[0..n) the columns A.. (gaps are empty cells). Return non-zero
 * to stop. */
typedef int (*xlsx_row_fn)(void *ud, long row, const xlsx_cell *cells, int n);

/* Reads the .xlsx file in data[0..n). 0 when every row was delivered (or the
 * callback stopped), -1 with the reason in err for anything malformed: not a
 * zip, no first worksheet, bad XML (with its line), a shared-string index out
 * of range, a cell reference out of order, more than max_cols columns,
 * members inflating past 1 GiB. Never trusts sizes in the file. */
int xlsx_read(const void *data, size_t n, int max_cols, xlsx_row_fn fn, void *ud, char *err, size_t errlen);

/* Excel's serial day number (1900 date system) as "YYYY-MM-DD HH:MM:SS" (out:
 * 20 bytes); false when it is not a plausible date. */
bool xlsx_serial_time(str number, char out[20]);

#endif
