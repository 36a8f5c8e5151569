/* cmd_pii.c: `minyi pii --data FILE [--spans] [--types LIST]`: prints each
 * row's title and body with personal information masked (text/pii.h), or the
 * detected spans with their types. */
#include "app/cmd.h"
#include "app/datafile.h"
#include "text/pii.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
    fprintf(f, "usage: minyi pii --data FILE [--spans] [--types LIST]\n"
               "  Masks personal information (PIPL) in each row's title and body.\n"
               "  default   TSV: id, masked title, masked body\n"
               "  --spans   TSV: id, field (title|body), type, byte offset, byte length, text\n"
               "  --types   comma list of mobile,landline,idcard,bankcard,email,plate,address (default all)\n");
}

static int parse_types(const char *list, unsigned *out) {
    static const enum pii_type all[] = { PII_MOBILE, PII_LANDLINE, PII_IDCARD, PII_BANKCARD, PII_EMAIL, PII_PLATE, PII_ADDRESS };
    unsigned t = 0;
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        bool ok = false;
        for (size_t k = 0; k < sizeof all / sizeof *all; k++) {
            const char *nm = pii_type_name(all[k]);
            if (strlen(nm) == l && !strncmp(nm, p, l)) { t |= all[k]; ok = true; }
        }
        if (!ok && !(l == 3 && !strncmp(p, "all", 3))) { fprintf(stderr, "minyi pii: unknown type '%.*s'\n", (int)l, p); return -1; }
        if (l == 3 && !strncmp(p, "all", 3)) t = PII_ALL;
        p += l + (e ? 1 : 0);
    }
    *out = t ? t : PII_ALL;
    return 0;
}

/* Writes s to f with tabs and line breaks as spaces, so one row stays one line. */
static void put_field(FILE *f, const char *s, size_t n) {
    size_t i = 0, from = 0;
    for (; i < n; i++) {
        if (s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
            fwrite(s + from, 1, i - from, f);
            fputc(' ', f);
            from = i + 1;
        }
    }
    fwrite(s + from, 1, n - from, f);
}

int cmd_pii(int argc, char **argv) {
    const char *data = NULL, *types_s = NULL;
    bool spans = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { usage(stdout); return 0; }
        if (cmd_opt(argc, argv, &i, "--data", &data)) continue;
        if (cmd_opt(argc, argv, &i, "--types", &types_s)) continue;
        if (!strcmp(argv[i], "--spans")) { spans = true; continue; }
        fprintf(stderr, "minyi pii: unknown argument '%s'\n", argv[i]);
        usage(stderr);
        return 2;
    }
    if (!data) { fprintf(stderr, "minyi pii: --data FILE is required\n"); usage(stderr); return 2; }
    unsigned types = PII_ALL;
    if (types_s && parse_types(types_s, &types)) return 2;

    char err[512];
    datafile *df;
    if (datafile_open(data, &df, err, sizeof err)) { fprintf(stderr, "minyi pii: %s\n", err); return 1; }
    if (!datafile_has(df, DF_TITLE) && !datafile_has(df, DF_BODY)) {
        fprintf(stderr, "minyi pii: %s has neither a title nor a body column\n", data);
        datafile_close(df);
        return 1;
    }
    str f[DF_NFIELDS];
    long taken = 0, skipped = 0, found = 0;
    int rc;
    buf out = {0};
    size_t cap = 64;
    pii_span *sp = malloc(cap * sizeof *sp);
    if (!sp) { datafile_close(df); return 1; }
    while ((rc = datafile_next(df, f)) != 0) {
        if (rc < 0) {
            fprintf(stderr, "%s:%ld: %s\n", data, datafile_line(df), datafile_error(df));
            skipped++;
            continue;
        }
        taken++;
        char rowid[32];
        str id = f[DF_ID];
        if (!id.p) { snprintf(rowid, sizeof rowid, "%ld", datafile_row(df)); id = str_c(rowid); }
        if (!spans) { put_field(stdout, id.p, id.n); }
        static const enum df_field fields[2] = { DF_TITLE, DF_BODY };
        for (int k = 0; k < 2; k++) {
            str t = f[fields[k]];
            if (!t.p) t = (str){ "", 0 };
            if (spans) {
                size_t cnt = pii_find(t.p, t.n, types, sp, cap);
                if (cnt > cap) {
                    pii_span *nsp = realloc(sp, cnt * sizeof *sp);
                    if (!nsp) { fprintf(stderr, "minyi pii: out of memory\n"); rc = -2; break; }
                    sp = nsp; cap = cnt;
                    pii_find(t.p, t.n, types, sp, cap);
                }
                for (size_t j = 0; j < cnt; j++) {
                    put_field(stdout, id.p, id.n);
                    printf("\t%s\t%s\t%zu\t%zu\t", k ? "body" : "title", pii_type_name(sp[j].type), sp[j].off, sp[j].len);
                    put_field(stdout, t.p + sp[j].off, sp[j].len);
                    putchar('\n');
                }
                found += (long)cnt;
            } else {
                buf_reset(&out);
                if (pii_mask(t.p, t.n, types, &out)) { fprintf(stderr, "minyi pii: out of memory\n"); rc = -2; break; }
                putchar('\t');
                put_field(stdout, out.p, out.n);
            }
        }
        if (rc == -2) break;
        if (!spans) putchar('\n');
    }
    free(sp);
    buf_free(&out);
    datafile_close(df);
    if (fflush(stdout) != 0) { fprintf(stderr, "minyi pii: write error\n"); return 1; }
    if (rc == -2) return 1;
    fprintf(stderr, "minyi pii: %ld rows taken, %ld skipped%s", taken, skipped, spans ? "" : "\n");
    if (spans) fprintf(stderr, ", %ld spans\n", found);
    return 0;
}
