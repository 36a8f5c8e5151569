/* fuzz/xlsx.c: libFuzzer target for the Excel reader (src/app/xlsx.c) on
 * arbitrary bytes (the seed corpus holds small real workbooks, so mutations
 * reach the XML inside the zip): it never crashes or hangs, every cell is
 * valid UTF-8, rows come in increasing order with at most the allowed
 * columns, and a failure always says why. The same bytes also go through
 * the message-file reader as a .xlsx file. */
#include "app/datafile.h"
#include "app/xlsx.h"
#include "text/utf8.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct { long last; long rows; } seen;

static int row(void *ud, long r, const xlsx_cell *cells, int n) {
    seen *s = ud;
    if (r <= s->last || n < 1 || n > 16) abort();
    s->last = r;
    for (int i = 0; i < n; i++) if (cells[i].text.n && !utf8_valid(cells[i].text.p, cells[i].text.n)) abort();
    return ++s->rows > 100000;   /* stopping early is allowed too */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[512];
    seen s = { 0, 0 };
    if (xlsx_read(data, size, 16, row, &s, err, sizeof err) && !err[0]) abort();
    char path[64];
    snprintf(path, sizeof path, "/tmp/minyi-fuzz-%d.xlsx", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    fwrite(data, 1, size, f);
    fclose(f);
    datafile *df;
    if (datafile_open(path, &df, err, sizeof err) == 0) {
        str fl[DF_NFIELDS];
        int r;
        long rows = 0;
        while ((r = datafile_next(df, fl)) != 0) {
            if (++rows > 2000000) abort();
            if (r < 0) { if (!datafile_error(df)[0]) abort(); continue; }
            for (int i = 0; i < DF_NFIELDS; i++) if (fl[i].p && !utf8_valid(fl[i].p, fl[i].n)) abort();
        }
        datafile_close(df);
    } else if (!err[0]) abort();
    unlink(path);
    return 0;
}
