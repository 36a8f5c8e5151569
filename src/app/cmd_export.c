/* cmd_export.c: `minyi export`, messages out as JSONL, CSV, TSV or Excel
 * .xlsx with English or Chinese column names (DESIGN.md "Files in, files out"),
 * personal data masked unless --unmasked (issue 5: PIPL: "mask in every
 * public view and export"). */
#include "app/cmd.h"
#include "app/tabout.h"
#include "core/log.h"
#include "store/store.h"
#include "text/pii.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char help[] =
    "usage: minyi export [--consultation ID] [--format jsonl|csv|tsv|xlsx] [--out FILE]\n"
    "                    [--chinese] [--unmasked] [--db URI]\n\n"
    "Writes every message (of one consultation, or all) with its department,\n"
    "state, classifier label, near-duplicate group and latest reply. Phone,\n"
    "ID and bank card numbers, e-mail, plates and street addresses are masked\n"
    "unless --unmasked (for officials' own records only). --chinese writes the\n"
    "column names government exports use (留言编号, 留言主题, ...). xlsx (Excel)\n"
    "holds at most 1,048,575 messages a file; `minyi import` reads it back.\n";

enum { C_ID, C_CODE, C_TITLE, C_BODY, C_CREATED, C_TYPE, C_REGION, C_PHONE, C_DEPT, C_STATE, C_LABEL, C_GROUP, C_REPLY, C_REPLIED, NCOL };
static const char *const en[NCOL] = { "id", "tracking_code", "title", "body", "created_at", "type", "region", "phone",
                                       "department", "state", "label", "group", "reply", "replied_at" };
static const char *const zh[NCOL] = { "留言编号", "查询码", "留言主题", "留言详情", "留言时间", "留言类型", "地区", "联系电话",
                                       "承办部门", "办理状态", "一级标签", "相似组", "答复意见", "答复时间" };

typedef struct {
    FILE *out;               /* jsonl */
    tabout *tab;             /* csv, tsv, xlsx */
    int format;              /* 0 jsonl, else a table */
    bool masked;
    const char *const *names;
    long rows;
    buf tmp[NCOL];
} exporter;

static const char *field(exporter *e, int col, const char *s) {
    if (!s) return "";
    if (!e->masked || (col != C_TITLE && col != C_BODY && col != C_REPLY && col != C_PHONE && col != C_REGION)) return s;
    buf_reset(&e->tmp[col]);
    if (pii_mask(s, strlen(s), PII_ALL, &e->tmp[col])) return "";
    return e->tmp[col].p ? e->tmp[col].p : "";
}

static int row(void *ud, const store_msg *m, const char *reply, const char *replied_at) {
    exporter *e = ud;
    char id[32], group[32];
    snprintf(id, sizeof id, "%lld", (long long)m->id);
    snprintf(group, sizeof group, "%lld", (long long)m->group_id);
    const char *v[NCOL] = {
        [C_ID] = id, [C_CODE] = m->tracking_code, [C_TITLE] = field(e, C_TITLE, m->title), [C_BODY] = field(e, C_BODY, m->body),
        [C_CREATED] = m->created_at, [C_TYPE] = m->type, [C_REGION] = field(e, C_REGION, m->region),
        [C_PHONE] = field(e, C_PHONE, m->phone), [C_DEPT] = m->department ? m->department : "", [C_STATE] = m->state,
        [C_LABEL] = m->label, [C_GROUP] = m->group_id ? group : "", [C_REPLY] = field(e, C_REPLY, reply),
        [C_REPLIED] = replied_at ? replied_at : "",
    };
    if (e->format == 0) {
        json_t *o = json_object();
        for (int i = 0; i < NCOL; i++) {
            if (i == C_ID) json_object_set_new(o, e->names[i], json_integer(m->id));
            else if (*v[i]) json_object_set_new(o, e->names[i], json_string(v[i]));
        }
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (!s) return -1;
        fputs(s, e->out);
        fputc('\n', e->out);
        free(s);
    } else if (tabout_text_row(e->tab, v, NCOL)) return -1;
    e->rows++;
    return e->out && ferror(e->out) ? -1 : 0;
}

int cmd_export(int argc, char **argv) {
    const char *db = "sqlite:var/minyi.db", *cons = NULL, *format = "jsonl", *out = NULL;
    bool chinese = false, unmasked = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { fputs(help, stdout); return 0; }
        if (cmd_opt(argc, argv, &i, "--db", &db) || cmd_opt(argc, argv, &i, "--consultation", &cons)
            || cmd_opt(argc, argv, &i, "--format", &format) || cmd_opt(argc, argv, &i, "--out", &out)) continue;
        if (!strcmp(argv[i], "--chinese")) { chinese = true; continue; }
        if (!strcmp(argv[i], "--unmasked")) { unmasked = true; continue; }
        fprintf(stderr, "minyi export: unknown argument '%s'\n%s", argv[i], help);
        return 2;
    }
    exporter e = { .masked = !unmasked, .names = chinese ? zh : en };
    enum tab_format tf = TAB_CSV;
    if (!strcmp(format, "jsonl")) e.format = 0;
    else if (tab_format_parse(format, &tf)) e.format = 1;
    else { fprintf(stderr, "minyi export: --format is jsonl, csv, tsv or xlsx, not '%s'\n", format); return 2; }
    long long cid = 0;
    if (cons) {
        char *end;
        cid = strtoll(cons, &end, 10);
        if (*end || cid <= 0) { fprintf(stderr, "minyi export: --consultation wants a consultation id, not '%s'\n", cons); return 2; }
    }
    char err[512];
    store *st;
    if (store_open(db, &st, err, sizeof err)) { log_error("%s", err); return 1; }
    /* Excel to stdout: written to a temporary file first (the writer seeks). */
    char tmp[] = "/tmp/minyi-export-XXXXXX";
    const char *path = out;
    if (e.format && tf == TAB_XLSX && !out) {
        int fd = mkstemp(tmp);
        if (fd < 0) { log_error("export: cannot create a temporary file"); store_close(st); return 1; }
        close(fd);
        path = tmp;
    }
    if (e.format) {
        if (tabout_open(tf, path, false, &e.tab, err, sizeof err)) { log_error("export: %s", err); store_close(st); return 1; }
        tabout_sheet(e.tab, "留言");
        tabout_text_row(e.tab, e.names, NCOL);
    } else if (!(e.out = out ? fopen(out, "w") : stdout)) { log_error("--out %s: cannot write", out); store_close(st); return 1; }
    int rc = st->ops->msg_each(st, cid, row, &e);
    if (rc) log_error("export: %s", store_errmsg(st));
    if (e.tab && tabout_close(e.tab, err, sizeof err)) { log_error("export: %s", err); rc = 1; }
    if (e.out && (fflush(e.out) || ferror(e.out))) { log_error("export: write error"); rc = 1; }
    if (e.out && out) fclose(e.out);
    if (path == tmp) {
        FILE *f = fopen(tmp, "rb");
        char chunk[65536];
        size_t k;
        while (f && (k = fread(chunk, 1, sizeof chunk, f)) > 0) if (fwrite(chunk, 1, k, stdout) != k) { rc = 1; break; }
        if (!f || fflush(stdout)) { log_error("export: write error"); rc = 1; }
        if (f) fclose(f);
        unlink(tmp);
    }
    fprintf(stderr, "exported %ld messages%s\n", e.rows, e.masked ? " (personal data masked)" : " (UNMASKED)");
    for (int i = 0; i < NCOL; i++) buf_free(&e.tmp[i]);
    store_close(st);
    return rc ? 1 : 0;
}
