/* datafile.h: reads message files (JSONL, CSV, TSV) with English or Chinese
 * column names (DESIGN.md "Files in, files out") into a fixed set of fields.
 * Used by import, train, classify, dedup, pii and every other --data command. */
#ifndef MINYI_DATAFILE_H
#define MINYI_DATAFILE_H
#include "core/str.h"
#include <stdbool.h>

enum df_field {
    DF_ID, DF_USER, DF_TITLE, DF_BODY, DF_CREATED_AT, DF_REGION, DF_TYPE,
    DF_LIKES, DF_DISLIKES, DF_LABEL, DF_REPLY, DF_REPLIED_AT, DF_NFIELDS
};
enum df_format { DF_TSV, DF_CSV, DF_JSONL };

typedef struct datafile datafile;

/* Opens path ("-" = stdin). The format comes from the extension (.tsv .txt,
 * .csv, .jsonl .ndjson .json), else from the first line. Fails, with a
 * message in err, on unreadable or empty files and on a header with none of
 * the known column names (the message lists the columns it saw). */
int datafile_open(const char *path, datafile **out, char *err, size_t errlen);

/* Reads the next row into f[DF_NFIELDS] (missing columns are {NULL,0};
 * fields point into memory owned by df, valid until the next call).
 * Returns 1 for a row, 0 at the end, -1 for a bad row: datafile_error()
 * says why, and the next call continues with the following row. */
int datafile_next(datafile *df, str f[DF_NFIELDS]);

bool datafile_has(const datafile *df, enum df_field field);  /* column present? */
long datafile_line(const datafile *df);        /* 1-based line where the last row started */
long datafile_row(const datafile *df);         /* 1-based data row number of the last row */
const char *datafile_error(const datafile *df);
const char *datafile_path(const datafile *df);
enum df_format datafile_format(const datafile *df);
void datafile_close(datafile *df);

/* Maps a column name (English or Chinese) to its field; -1 if unknown. */
int datafile_field_by_name(str name);
const char *datafile_field_name(enum df_field field);   /* English name */

/* "2020-01-06 12:09:38", "2020/1/6 12:09", "2020-01-06" -> seconds since
 * 1970 (UTC); 0 when unparseable. */
#include <stdint.h>
int64_t datafile_time(str s);

#endif
