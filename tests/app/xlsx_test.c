/* xlsx_test.c: tests for src/app/xlsx.c (and src/app/tabout.c, which
 * writes the workbooks read here): a round trip of text, numbers and empty
 * cells; every truncation and many byte flips of a real workbook refused
 * with a reason or read, never a crash; Excel's day numbers. */
#include "test.h"
#include "app/tabout.h"
#include "app/xlsx.h"
#include "text/utf8.h"
#include <stdlib.h>
#include <unistd.h>

typedef struct { int rows; long last; char cells[8][4][64]; int n[8]; bool num[8][4]; } got;

static int collect(void *ud, long row, const xlsx_cell *c, int n) {
    got *g = ud;
    if (row <= g->last) return 1;
    g->last = row;
    for (int i = 0; i < n; i++) if (c[i].text.n && !utf8_valid(c[i].text.p, c[i].text.n)) return 1;
    if (g->rows < 8) {
        g->n[g->rows] = n;
        for (int i = 0; i < n && i < 4; i++) {
            snprintf(g->cells[g->rows][i], 64, "%.*s", (int)c[i].text.n, c[i].text.p);
            g->num[g->rows][i] = c[i].number;
        }
    }
    g->rows++;
    return 0;
}

/* A workbook written by tabout: a header and two rows; returns its bytes (malloc'd). */
static unsigned char *workbook(size_t *n) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/minyi_xlsx_%d.xlsx", getpid());
    char err[200];
    tabout *t;
    if (tabout_open(TAB_XLSX, path, false, &t, err, sizeof err)) return NULL;
    tabout_sheet(t, "留言");
    const char *head[] = { "留言主题", "点赞数", "备注" };
    tabout_text_row(t, head, 3);
    tab_cell r1[] = { { .s = "公交站台\"破损\"<&>" }, { .num = 12, .is_num = true }, { .s = NULL } };
    tabout_row(t, r1, 3);
    tab_cell r2[] = { { .s = "路灯不亮\n第二行" }, { .num = 0.5, .is_num = true }, { .s = "末列" } };
    tabout_row(t, r2, 3);
    if (tabout_close(t, err, sizeof err)) return NULL;
    FILE *f = fopen(path, "rb");
    unsigned char *b = malloc(1 << 20);
    *n = fread(b, 1, 1 << 20, f);
    fclose(f);
    unlink(path);
    return b;
}

TEST(round_trip_through_tabout) {
    size_t n;
    unsigned char *b = workbook(&n);
    CHECK(b != NULL && n > 100);
    got g = {0};
    char err[256];
    CHECK_INT(xlsx_read(b, n, 64, collect, &g, err, sizeof err), 0);
    CHECK_INT(g.rows, 3);
    CHECK_STR(g.cells[0][0], "留言主题");
    CHECK_STR(g.cells[1][0], "公交站台\"破损\"<&>");
    CHECK_STR(g.cells[1][1], "12");
    CHECK(g.num[1][1] && !g.num[1][0]);
    CHECK_INT(g.n[1], 2);                        /* the empty last cell is not there */
    CHECK_STR(g.cells[2][0], "路灯不亮\n第二行");
    CHECK_STR(g.cells[2][2], "末列");
    free(b);
}

TEST(every_truncation_and_byte_flips_are_refused_or_read) {
    size_t n;
    unsigned char *b = workbook(&n);
    CHECK(b != NULL);
    char err[256];
    int refused = 0;
    for (size_t k = 0; k < n; k += 7) {
        got g = {0};
        int rc = xlsx_read(b, k, 64, collect, &g, err, sizeof err);
        if (rc) { refused++; CHECK(err[0] != 0); }
    }
    CHECK(refused > 0);
    unsigned char *c = malloc(n);
    for (size_t k = 0; k < n; k += 13) {
        memcpy(c, b, n);
        c[k] ^= 0x5a;
        got g = {0};
        if (xlsx_read(c, n, 64, collect, &g, err, sizeof err)) CHECK(err[0] != 0);
    }
    free(c);
    free(b);
}

TEST(column_limit_and_garbage) {
    char err[256];
    got g = {0};
    CHECK_INT(xlsx_read("", 0, 64, collect, &g, err, sizeof err), -1);
    CHECK(err[0] != 0);
    const char junk[] = "PK\3\4 this is not really a zip";
    CHECK_INT(xlsx_read(junk, sizeof junk - 1, 64, collect, &g, err, sizeof err), -1);
    CHECK(strstr(err, "not an Excel .xlsx file") != NULL);
    size_t n;
    unsigned char *b = workbook(&n);
    CHECK_INT(xlsx_read(b, n, 2, collect, &g, err, sizeof err), -1);   /* three columns, two allowed */
    CHECK(strstr(err, "sheet row 1: more than 2 columns") != NULL);
    free(b);
}

TEST(serial_days) {
    char out[20];
    CHECK(xlsx_serial_time(str_c("44000.5"), out));
    CHECK_STR(out, "2020-06-18 12:00:00");
    CHECK(xlsx_serial_time(str_c("1"), out));
    CHECK_STR(out, "1899-12-31 00:00:00");
    CHECK(!xlsx_serial_time(str_c("abc"), out));
    CHECK(!xlsx_serial_time(str_c("-3"), out));
    CHECK(!xlsx_serial_time(str_c("1e300"), out));
    CHECK(!xlsx_serial_time(str_c(""), out));
}
