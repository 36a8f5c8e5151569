/* fuzz/datafile.c: libFuzzer target for the message-file reader
 * (src/app/datafile.c) on arbitrary bytes, as TSV, CSV and JSONL: it never
 * crashes, fields lie inside valid UTF-8 of the right rows, bad rows are
 * reported and skipped, and the reader always reaches the end. */
#include "app/datafile.h"
#include "text/utf8.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void run(const char *ext, const uint8_t *data, size_t size) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/minyi-fuzz-%d%s", (int)getpid(), ext);
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    fwrite(data, 1, size, f);
    fclose(f);
    char err[512];
    datafile *df;
    if (datafile_open(path, &df, err, sizeof err) == 0) {
        str fl[DF_NFIELDS];
        int r;
        long rows = 0;
        while ((r = datafile_next(df, fl)) != 0) {
            if (++rows > (long)size + 2) abort();        /* must make progress */
            if (r < 0) { if (!datafile_error(df)[0]) abort(); continue; }
            for (int i = 0; i < DF_NFIELDS; i++)
                if (fl[i].p && !utf8_valid(fl[i].p, fl[i].n)) abort();
        }
        datafile_close(df);
    } else if (!err[0]) abort();
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    run(".tsv", data, size);
    run(".csv", data, size);
    run(".jsonl", data, size);
    return 0;
}
