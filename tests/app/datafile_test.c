/* datafile_test.c: tests for src/app/datafile.c on TSV, CSV and JSONL,
 * Chinese and English headers, and malformed files. */
#include "test.h"
#include "app/datafile.h"
#include <stdlib.h>
#include <unistd.h>

static char *write_tmp(const char *ext, const char *content, size_t n) {
    static char path[128];
    snprintf(path, sizeof path, "/tmp/minyi_df_%d%s", getpid(), ext);
    FILE *f = fopen(path, "wb");
    fwrite(content, 1, n, f);
    fclose(f);
    return path;
}

TEST(tsv_chinese_header) {
    const char s[] = "\xEF\xBB\xBF留言主题\t一级标签\r\n路灯坏了\t城乡建设\r\n\r\n学校收费\t教育文体\n";
    char *p = write_tmp(".tsv", s, sizeof s - 1);
    char err[256]; datafile *df;
    CHECK_INT(datafile_open(p, &df, err, sizeof err), 0);
    CHECK(datafile_has(df, DF_TITLE) && datafile_has(df, DF_LABEL) && !datafile_has(df, DF_BODY));
    str f[DF_NFIELDS];
    CHECK_INT(datafile_next(df, f), 1);
    CHECK(str_eq_c(f[DF_TITLE], "路灯坏了"));
    CHECK(str_eq_c(f[DF_LABEL], "城乡建设"));
    CHECK(f[DF_BODY].p == NULL);
    CHECK_INT(datafile_next(df, f), 1);
    CHECK(str_eq_c(f[DF_TITLE], "学校收费"));
    CHECK_INT(datafile_line(df), 4);
    CHECK_INT(datafile_next(df, f), 0);
    datafile_close(df);
    unlink(p);
}

TEST(csv_quotes_and_newlines) {
    const char s[] = "id,title,body\n7,\"a, b\",\"line1\nline2 \"\"q\"\"\"\n8,x,y\n";
    char *p = write_tmp(".csv", s, sizeof s - 1);
    char err[256]; datafile *df;
    CHECK_INT(datafile_open(p, &df, err, sizeof err), 0);
    str f[DF_NFIELDS];
    CHECK_INT(datafile_next(df, f), 1);
    CHECK(str_eq_c(f[DF_ID], "7"));
    CHECK(str_eq_c(f[DF_TITLE], "a, b"));
    CHECK(str_eq_c(f[DF_BODY], "line1\nline2 \"q\""));
    CHECK_INT(datafile_next(df, f), 1);
    CHECK(str_eq_c(f[DF_ID], "8"));
    CHECK_INT(datafile_line(df), 4);
    CHECK_INT(datafile_next(df, f), 0);
    datafile_close(df);
    unlink(p);
}

TEST(jsonl_rows_and_bad_rows) {
    const char s[] = "{\"id\":12,\"title\":\"噪音\",\"label\":\"环境保护\"}\n{bad json\n[1]\n{\"留言主题\":\"停车\"}\n";
    char *p = write_tmp(".jsonl", s, sizeof s - 1);
    char err[256]; datafile *df;
    CHECK_INT(datafile_open(p, &df, err, sizeof err), 0);
    str f[DF_NFIELDS];
    CHECK_INT(datafile_next(df, f), 1);
    CHECK(str_eq_c(f[DF_ID], "12"));
    CHECK(str_eq_c(f[DF_TITLE], "噪音"));
    CHECK_INT(datafile_next(df, f), -1);
    CHECK(strstr(datafile_error(df), "invalid JSON") != NULL);
    CHECK_INT(datafile_next(df, f), -1);
    CHECK_INT(datafile_next(df, f), 1);
    CHECK(str_eq_c(f[DF_TITLE], "停车"));
    CHECK_INT(datafile_line(df), 4);
    CHECK_INT(datafile_next(df, f), 0);
    datafile_close(df);
    unlink(p);
}

TEST(bad_rows_are_reported_and_skipped) {
    const char s[] = "title\tlabel\nok\tA\nbad\xff\tB\nonly-one-column\nfine\tC\n";
    char *p = write_tmp(".tsv", s, sizeof s - 1);
    char err[256]; datafile *df;
    CHECK_INT(datafile_open(p, &df, err, sizeof err), 0);
    str f[DF_NFIELDS];
    CHECK_INT(datafile_next(df, f), 1);
    CHECK_INT(datafile_next(df, f), -1);
    CHECK(strstr(datafile_error(df), "UTF-8") != NULL);
    CHECK_INT(datafile_line(df), 3);
    CHECK_INT(datafile_next(df, f), -1);
    CHECK(strstr(datafile_error(df), "columns") != NULL);
    CHECK_INT(datafile_next(df, f), 1);
    CHECK(str_eq_c(f[DF_TITLE], "fine"));
    datafile_close(df);
    unlink(p);
}

TEST(unknown_columns_and_empty_files_refused) {
    char err[256]; datafile *df;
    char *p = write_tmp(".tsv", "foo\tbar\n1\t2\n", 12);
    CHECK_INT(datafile_open(p, &df, err, sizeof err), -1);
    CHECK(strstr(err, "foo") != NULL);
    p = write_tmp(".tsv", "", 0);
    CHECK_INT(datafile_open(p, &df, err, sizeof err), -1);
    CHECK(strstr(err, "empty") != NULL);
    CHECK_INT(datafile_open("/nonexistent/x.tsv", &df, err, sizeof err), -1);
    CHECK(strstr(err, "No such file") != NULL);
    unlink(p);
}

TEST(csv_row_of_empty_fields) {
    /* found by fuzz/datafile: every field empty left the scratch buffer unallocated */
    const char s[] = "title,body\n,\n";
    char *p = write_tmp(".csv", s, sizeof s - 1);
    char err[256]; datafile *df;
    CHECK_INT(datafile_open(p, &df, err, sizeof err), 0);
    str f[DF_NFIELDS];
    CHECK_INT(datafile_next(df, f), 1);
    CHECK(f[DF_TITLE].p != NULL && f[DF_TITLE].n == 0);
    CHECK_INT(datafile_next(df, f), 0);
    datafile_close(df);
    unlink(p);
}

TEST(csv_row_with_too_many_columns_is_skipped_whole) {
    /* found by fuzz/datafile: the reader stayed on the same record forever */
    buf b = {0};
    buf_puts(&b, "title,body\n");
    for (int i = 0; i < 100; i++) buf_putc(&b, ',');
    buf_puts(&b, "\nok,fine\n");
    char *p = write_tmp(".csv", b.p, b.n);
    char err[256]; datafile *df;
    CHECK_INT(datafile_open(p, &df, err, sizeof err), 0);
    str f[DF_NFIELDS];
    CHECK_INT(datafile_next(df, f), -1);
    CHECK(strstr(datafile_error(df), "columns") != NULL);
    CHECK_INT(datafile_next(df, f), 1);
    CHECK(str_eq_c(f[DF_TITLE], "ok"));
    CHECK_INT(datafile_next(df, f), 0);
    datafile_close(df);
    buf_free(&b);
    unlink(p);
}

TEST(unterminated_csv_quote) {
    const char s[] = "title,label\n\"never closed,A\n";
    char *p = write_tmp(".csv", s, sizeof s - 1);
    char err[256]; datafile *df;
    CHECK_INT(datafile_open(p, &df, err, sizeof err), 0);
    str f[DF_NFIELDS];
    CHECK_INT(datafile_next(df, f), -1);
    CHECK(strstr(datafile_error(df), "unterminated") != NULL);
    CHECK_INT(datafile_next(df, f), 0);
    datafile_close(df);
    unlink(p);
}
