/* datafile.c: see datafile.h. The file is mapped (or read, for stdin) whole;
 * rows are parsed in place, so a field that needs no unescaping costs nothing.
 * CSV follows RFC 4180 (quoted fields may hold commas, quotes and newlines);
 * TSV is one row per line with no quoting (tabs inside fields were folded by
 * the exporter); JSONL is one object per line. */
#include "app/datafile.h"
#include "app/xlsx.h"
#include "text/utf8.h"
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define DF_MAXCOLS 64

struct datafile {
    char path[256];
    char *data; size_t size; bool mapped;
    size_t released;                /* mapped bytes already handed back to the kernel */
    size_t pos;
    long line, row_line, row;
    enum df_format fmt;
    int ncols;
    int col_field[DF_MAXCOLS];      /* column index -> field, -1 unknown */
    bool has[DF_NFIELDS];
    buf scratch;                    /* unescaped CSV fields / JSON values of the current row */
    json_t *json;                   /* JSONL: the current row's object */
    char err[256];
};

static const struct { const char *name; int field; } names[] = {
    {"id", DF_ID}, {"留言编号", DF_ID}, {"编号", DF_ID},
    {"user", DF_USER}, {"留言用户", DF_USER}, {"用户", DF_USER},
    {"title", DF_TITLE}, {"留言主题", DF_TITLE}, {"主题", DF_TITLE}, {"标题", DF_TITLE},
    {"body", DF_BODY}, {"留言详情", DF_BODY}, {"详情", DF_BODY}, {"内容", DF_BODY}, {"text", DF_BODY},
    {"created_at", DF_CREATED_AT}, {"留言时间", DF_CREATED_AT}, {"时间", DF_CREATED_AT},
    {"region", DF_REGION}, {"地区", DF_REGION}, {"区域", DF_REGION},
    {"type", DF_TYPE}, {"类型", DF_TYPE}, {"留言类型", DF_TYPE},
    {"likes", DF_LIKES}, {"点赞数", DF_LIKES},
    {"dislikes", DF_DISLIKES}, {"反对数", DF_DISLIKES},
    {"label", DF_LABEL}, {"一级标签", DF_LABEL}, {"一级分类", DF_LABEL}, {"标签", DF_LABEL},
    {"reply", DF_REPLY}, {"答复意见", DF_REPLY}, {"答复", DF_REPLY},
    {"replied_at", DF_REPLIED_AT}, {"答复时间", DF_REPLIED_AT},
    {"department", DF_DEPARTMENT}, {"部门", DF_DEPARTMENT}, {"答复部门", DF_DEPARTMENT}, {"承办单位", DF_DEPARTMENT},
};
static const char *field_names[DF_NFIELDS] = {
    "id", "user", "title", "body", "created_at", "region", "type",
    "likes", "dislikes", "label", "reply", "replied_at", "department"
};

const char *datafile_field_name(enum df_field f) { return (unsigned)f < DF_NFIELDS ? field_names[f] : "?"; }

int datafile_field_by_name(str name) {
    name = str_trim(name);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        str k = str_c(names[i].name);
        if (k.n == name.n && strncasecmp(k.p, name.p, k.n) == 0) return names[i].field;
    }
    return -1;
}

bool datafile_has(const datafile *df, enum df_field f) { return df->has[f]; }
long datafile_line(const datafile *df) { return df->row_line; }
long datafile_row(const datafile *df) { return df->row; }
const char *datafile_error(const datafile *df) { return df->err; }
const char *datafile_path(const datafile *df) { return df->path; }
enum df_format datafile_format(const datafile *df) { return df->fmt; }

static int read_all(int fd, datafile *df) {
    buf b = {0};
    char tmp[65536];
    for (;;) {
        ssize_t k = read(fd, tmp, sizeof tmp);
        if (k < 0) { if (errno == EINTR) continue; buf_free(&b); return -1; }
        if (k == 0) break;
        if (buf_put(&b, tmp, (size_t)k)) { buf_free(&b); errno = ENOMEM; return -1; }
    }
    df->size = b.n;
    df->data = b.p ? b.p : calloc(1, 1);
    return 0;
}

/* A gzip file, inflated whole (multi-member files too, as gzip -d does).
 * Takes fd. */
static int read_gz(int fd, datafile *df, char *err, size_t errlen) {
    gzFile z = gzdopen(fd, "rb");
    if (!z) { snprintf(err, errlen, "%s: cannot read gzip", df->path); close(fd); return -1; }
    gzbuffer(z, 1 << 17);
    buf b = {0};
    for (;;) {
        if (buf_reserve(&b, 1 << 20)) { snprintf(err, errlen, "%s: out of memory", df->path); gzclose(z); buf_free(&b); return -1; }
        int k = gzread(z, b.p + b.n, 1 << 20);
        if (k < 0) {
            int zerr;
            const char *m = gzerror(z, &zerr);
            snprintf(err, errlen, "%s: bad gzip data after %zu bytes: %s", df->path, b.n, m);
            gzclose(z); buf_free(&b); return -1;
        }
        if (k == 0) break;
        b.n += (size_t)k;
        b.p[b.n] = 0;
    }
    int zerr = Z_OK;
    gzerror(z, &zerr);
    if (zerr != Z_OK) {   /* zlib reports a cut-off file only here */
        snprintf(err, errlen, "%s: gzip data cut off after %zu bytes", df->path, b.n);
        gzclose(z); buf_free(&b); return -1;
    }
    gzclose(z);
    df->size = b.n;
    df->data = b.p ? b.p : calloc(1, 1);
    return 0;
}

/* One physical line starting at df->pos (without its \n or \r\n). */
static str next_line(datafile *df) {
    const char *s = df->data + df->pos;
    size_t left = df->size - df->pos;
    const char *nl = memchr(s, '\n', left);
    size_t n = nl ? (size_t)(nl - s) : left;
    df->pos += nl ? n + 1 : n;
    df->line++;
    if (n && s[n-1] == '\r') n--;
    return (str){ s, n };
}

/* Splits a CSV record starting at df->pos into cols; unescaped fields go to
 * df->scratch (offsets first, then turned into pointers once it stops growing). */
static int csv_record(datafile *df, str *cols, int maxcols, int *ncols) {
    size_t offs[DF_MAXCOLS], lens[DF_MAXCOLS];
    int n = 0;
    buf_reset(&df->scratch);
    /* Fields point into scratch even when all are empty: it must exist. */
    if (buf_reserve(&df->scratch, 0)) { snprintf(df->err, sizeof df->err, "out of memory"); return -1; }
    const char *s = df->data;
    size_t i = df->pos, end = df->size;
    df->line++;
    bool too_many = false;
    for (;;) {
        /* Past maxcols the record is still read to its end (so the next call
         * starts at the next record), its extra fields piling into the last slot. */
        if (n == maxcols) { too_many = true; n--; }
        offs[n] = df->scratch.n;
        if (i < end && s[i] == '"') {
            i++;
            for (;;) {
                if (i >= end) { snprintf(df->err, sizeof df->err, "unterminated quoted field"); df->pos = end; return -1; }
                if (s[i] == '"') {
                    if (i + 1 < end && s[i+1] == '"') { buf_putc(&df->scratch, '"'); i += 2; continue; }
                    i++; break;
                }
                if (s[i] == '\n') df->line++;
                buf_putc(&df->scratch, s[i]);
                i++;
            }
        } else {
            size_t st = i;
            while (i < end && s[i] != ',' && s[i] != '\n' && s[i] != '\r') i++;
            buf_put(&df->scratch, s + st, i - st);
        }
        lens[n] = df->scratch.n - offs[n];
        n++;
        if (i < end && s[i] == ',') { i++; continue; }
        if (i < end && s[i] == '\r') i++;
        if (i < end && s[i] == '\n') { i++; break; }
        if (i >= end) break;
        /* stray characters after a closing quote */
        snprintf(df->err, sizeof df->err, "unexpected character after quoted field");
        while (i < end && s[i] != '\n') i++;
        df->pos = i < end ? i + 1 : end;
        return -1;
    }
    df->pos = i;
    if (too_many) { snprintf(df->err, sizeof df->err, "more than %d columns", maxcols); return -1; }
    for (int k = 0; k < n; k++) cols[k] = (str){ df->scratch.p + offs[k], lens[k] };
    *ncols = n;
    return 0;
}

static int split_tsv(str line, str *cols, int maxcols) {
    int n = 0;
    const char *p = line.p, *e = line.p + line.n;
    for (;;) {
        const char *t = memchr(p, '\t', (size_t)(e - p));
        if (n == maxcols) return -1;
        cols[n++] = (str){ p, t ? (size_t)(t - p) : (size_t)(e - p) };
        if (!t) break;
        p = t + 1;
    }
    return n;
}

static int set_header(datafile *df, str *cols, int n, char *err, size_t errlen) {
    df->ncols = n;
    int known = 0;
    buf seen = {0};
    for (int i = 0; i < n; i++) {
        int f = datafile_field_by_name(cols[i]);
        df->col_field[i] = f;
        if (f >= 0 && !df->has[f]) { df->has[f] = true; known++; }
        else if (f >= 0) df->col_field[i] = -1;   /* a repeated column: the first wins */
        if (i) buf_puts(&seen, ", ");
        buf_put(&seen, cols[i].p, cols[i].n > 40 ? 40 : cols[i].n);
    }
    if (!known) {
        snprintf(err, errlen, "%s: none of the column names is known (saw: %s); expected e.g. id, title, body, label or 留言主题, 留言详情, 一级标签",
                 df->path, seen.p ? seen.p : "");
        buf_free(&seen);
        return -1;
    }
    buf_free(&seen);
    return 0;
}

static bool has_ext(const char *path, const char *ext) {
    size_t n = strlen(path), k = strlen(ext);
    return n > k && strcasecmp(path + n - k, ext) == 0;
}

/* ---- Excel .xlsx: the first sheet's rows become JSONL lines -------------- */

/* The sheet (xlsx.h) is turned into one JSON object per line, keyed by the
 * header row's names, on the line of the same number as its sheet row (a
 * blank line for each row without cells), so a bad row is reported as
 * FILE:ROW like any other file and the JSONL reader does the rest. */
typedef struct {
    datafile *df;
    buf out;
    long lines;              /* lines written so far */
    char *head[DF_MAXCOLS];  /* the header's names; NULL = unknown or repeated column */
    int nhead;
    bool header_done;
    char err[256];
} xlsx_conv;

static int xlsx_row(void *ud, long row, const xlsx_cell *cells, int n) {
    xlsx_conv *x = ud;
    while (x->lines < row - 1) { if (buf_putc(&x->out, '\n')) return 1; x->lines++; }
    if (!x->header_done) {
        str cols[DF_MAXCOLS];
        for (int i = 0; i < n; i++) cols[i] = cells[i].text;
        if (set_header(x->df, cols, n, x->err, sizeof x->err)) return 1;
        for (int i = 0; i < n; i++)
            if (x->df->col_field[i] >= 0 && !(x->head[i] = strndup(cells[i].text.p, cells[i].text.n))) return 1;
        x->nhead = n;
        x->header_done = true;
    } else {
        json_t *o = json_object();
        for (int i = 0; i < n && i < x->nhead; i++) {
            if (!x->head[i] || !cells[i].text.n) continue;
            int f = x->df->col_field[i];
            char when[20];
            /* A date cell is a day number: written out as the time it stands for. */
            if (cells[i].number && (f == DF_CREATED_AT || f == DF_REPLIED_AT) && xlsx_serial_time(cells[i].text, when))
                json_object_set_new(o, x->head[i], json_string(when));
            else json_object_set_new(o, x->head[i], json_stringn(cells[i].text.p, cells[i].text.n));
        }
        char *line = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        if (!line || buf_puts(&x->out, line)) { free(line); return 1; }
        free(line);
    }
    if (buf_putc(&x->out, '\n')) return 1;
    x->lines++;
    return 0;
}

/* Replaces df's bytes (an .xlsx file) with the JSONL of its first sheet. */
static int open_xlsx(datafile *df, char *err, size_t errlen) {
    xlsx_conv x = { .df = df };
    char xerr[256];
    int rc = xlsx_read(df->data, df->size, DF_MAXCOLS, xlsx_row, &x, xerr, sizeof xerr);
    for (int i = 0; i < DF_MAXCOLS; i++) free(x.head[i]);
    if (rc || x.err[0] || !x.header_done) {
        if (x.err[0]) snprintf(err, errlen, "%s", x.err);
        else if (rc) snprintf(err, errlen, "%s: %s", df->path, xerr);
        else if (!x.header_done) snprintf(err, errlen, "%s: the first worksheet has no rows", df->path);
        else snprintf(err, errlen, "%s: out of memory", df->path);
        buf_free(&x.out);
        return -1;
    }
    if (df->mapped) munmap(df->data, df->size); else free(df->data);
    df->data = x.out.p ? x.out.p : strdup("");
    df->size = x.out.n;
    df->mapped = false;
    df->pos = 0;
    df->fmt = DF_JSONL;
    return 0;
}

int datafile_open(const char *path, datafile **out, char *err, size_t errlen) {
    *out = NULL;
    datafile *df = calloc(1, sizeof *df);
    if (!df) { snprintf(err, errlen, "out of memory"); return -1; }
    snprintf(df->path, sizeof df->path, "%s", path);
    int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); free(df); return -1; }
    struct stat st;
    unsigned char magic[2] = {0};
    bool gz = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    if (gz || (fd == 0 && has_ext(path, ".gz"))) {
        if (read_gz(fd, df, err, errlen)) { free(df); return -1; }
        fd = 0;   /* closed by gzclose */
    } else if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) { df->data = m; df->size = (size_t)st.st_size; df->mapped = true; madvise(m, df->size, MADV_SEQUENTIAL); }
    } else if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: is a directory", path); close(fd); free(df); return -1;
    }
    if (!df->mapped && !df->data && read_all(fd, df) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno)); if (fd) close(fd); free(df); return -1;
    }
    if (fd) close(fd);
    if ((df->size >= 4 && memcmp(df->data, "PK\3\4", 4) == 0) || has_ext(path, ".xlsx")) {
        if (!df->size) { snprintf(err, errlen, "%s: file is empty", path); datafile_close(df); return -1; }
        if (open_xlsx(df, err, errlen)) { datafile_close(df); return -1; }
        *out = df;   /* columns from the header row (set_header) */
        return 0;
    }
    if (df->size >= 3 && memcmp(df->data, "\xEF\xBB\xBF", 3) == 0) df->pos = 3;   /* BOM */
    while (df->pos < df->size && (df->data[df->pos] == '\n' || df->data[df->pos] == '\r')) df->pos++;
    if (df->pos >= df->size) { snprintf(err, errlen, "%s: file is empty", path); datafile_close(df); return -1; }

    const char *first = df->data + df->pos;
    size_t left = df->size - df->pos;
    const char *nl = memchr(first, '\n', left);
    size_t flen = nl ? (size_t)(nl - first) : left;
    char name[256];   /* the name without .gz tells the format */
    snprintf(name, sizeof name, "%s", path);
    if (has_ext(name, ".gz")) name[strlen(name) - 3] = 0;
    if (has_ext(name, ".jsonl") || has_ext(name, ".ndjson") || has_ext(name, ".json") || first[0] == '{') df->fmt = DF_JSONL;
    else if (has_ext(name, ".csv")) df->fmt = DF_CSV;
    else if (has_ext(name, ".tsv") || has_ext(name, ".txt") || memchr(first, '\t', flen)) df->fmt = DF_TSV;
    else if (memchr(first, ',', flen)) df->fmt = DF_CSV;
    else df->fmt = DF_TSV;   /* a single column */

    if (df->fmt == DF_JSONL) {
        /* Columns are the keys; they are learnt per row, so all are "present". */
        for (int f = 0; f < DF_NFIELDS; f++) df->has[f] = true;
        *out = df;
        return 0;
    }
    if (!utf8_valid(first, flen)) { snprintf(err, errlen, "%s: line 1: the header is not valid UTF-8 (GBK files must be converted first, e.g. iconv -f GBK -t UTF-8)", path); datafile_close(df); return -1; }
    str cols[DF_MAXCOLS];
    int n;
    if (df->fmt == DF_TSV) {
        n = split_tsv(next_line(df), cols, DF_MAXCOLS);
        if (n < 0) { snprintf(err, errlen, "%s: line 1: more than %d columns", path, DF_MAXCOLS); datafile_close(df); return -1; }
    } else if (csv_record(df, cols, DF_MAXCOLS, &n) < 0) {
        snprintf(err, errlen, "%s: line 1: %s", path, df->err); datafile_close(df); return -1;
    }
    if (set_header(df, cols, n, err, errlen)) { datafile_close(df); return -1; }
    *out = df;
    return 0;
}

static int jsonl_row(datafile *df, str line, str f[DF_NFIELDS]) {
    json_error_t je;
    if (df->json) { json_decref(df->json); df->json = NULL; }
    json_t *o = json_loadb(line.p, line.n, JSON_REJECT_DUPLICATES, &je);
    if (!o) { snprintf(df->err, sizeof df->err, "invalid JSON at column %d: %s", je.column, je.text); return -1; }
    if (!json_is_object(o)) { json_decref(o); snprintf(df->err, sizeof df->err, "a row must be a JSON object"); return -1; }
    df->json = o;
    /* Numbers are formatted into scratch, so record offsets first. */
    size_t offs[DF_NFIELDS]; size_t lens[DF_NFIELDS]; bool num[DF_NFIELDS] = {0};
    buf_reset(&df->scratch);
    const char *key; json_t *v;
    json_object_foreach(o, key, v) {
        int k = datafile_field_by_name(str_c(key));
        if (k < 0) continue;
        if (json_is_string(v)) { f[k] = (str){ json_string_value(v), json_string_length(v) }; }
        else if (json_is_integer(v)) { offs[k] = df->scratch.n; buf_printf(&df->scratch, "%lld", (long long)json_integer_value(v)); lens[k] = df->scratch.n - offs[k]; num[k] = true; }
        else if (json_is_real(v)) { offs[k] = df->scratch.n; buf_printf(&df->scratch, "%g", json_real_value(v)); lens[k] = df->scratch.n - offs[k]; num[k] = true; }
        else if (json_is_null(v)) continue;
        else { snprintf(df->err, sizeof df->err, "field \"%s\" must be a string or a number", key); return -1; }
    }
    for (int k = 0; k < DF_NFIELDS; k++) if (num[k]) f[k] = (str){ df->scratch.p + offs[k], lens[k] };
    return 1;
}

/* Rows before df->pos are no longer needed (fields are valid only until the
 * next call), so their pages are dropped every 16 MiB: reading a file of
 * millions of messages stays at a few MiB resident instead of the file's size.
 * MADV_DONTNEED on a read-only file mapping drops clean pages only; they come
 * back from the page cache if touched again. */
static void release_consumed(datafile *df) {
    size_t upto = df->pos & ~(size_t)(4096 - 1);
    if (!df->mapped || upto < df->released + (16u << 20)) return;
    madvise(df->data + df->released, upto - df->released, MADV_DONTNEED);
    df->released = upto;
}

int datafile_next(datafile *df, str f[DF_NFIELDS]) {
    memset(f, 0, sizeof(str) * DF_NFIELDS);
    release_consumed(df);
    df->err[0] = 0;
    for (;;) {
        if (df->pos >= df->size) return 0;
        size_t start = df->pos;
        df->row_line = df->line + 1;
        str cols[DF_MAXCOLS];
        int n;
        if (df->fmt == DF_CSV) {
            if (csv_record(df, cols, DF_MAXCOLS, &n) < 0) { df->row++; return -1; }
            if (n == 1 && cols[0].n == 0) continue;          /* blank line */
        } else {
            str line = next_line(df);
            if (str_trim(line).n == 0) continue;              /* blank line */
            df->row++;
            size_t bad = utf8_invalid_at(line.p, line.n);
            if (bad != (size_t)-1) {
                snprintf(df->err, sizeof df->err, "invalid UTF-8 at byte %zu of the line", bad);
                return -1;
            }
            if (memchr(line.p, 0, line.n)) { snprintf(df->err, sizeof df->err, "NUL byte in the line"); return -1; }
            if (df->fmt == DF_JSONL) return jsonl_row(df, line, f);
            n = split_tsv(line, cols, DF_MAXCOLS);
            if (n < 0) { snprintf(df->err, sizeof df->err, "more than %d columns", DF_MAXCOLS); return -1; }
        }
        if (df->fmt == DF_CSV) {
            df->row++;
            size_t bad = utf8_invalid_at(df->data + start, df->pos - start);
            if (bad != (size_t)-1) { snprintf(df->err, sizeof df->err, "invalid UTF-8 at byte %zu of the row", bad); return -1; }
        }
        if (n != df->ncols) {
            snprintf(df->err, sizeof df->err, "%d columns, the header has %d", n, df->ncols);
            return -1;
        }
        for (int i = 0; i < n; i++) if (df->col_field[i] >= 0) f[df->col_field[i]] = cols[i];
        return 1;
    }
}

void datafile_close(datafile *df) {
    if (!df) return;
    if (df->mapped) munmap(df->data, df->size); else free(df->data);
    if (df->json) json_decref(df->json);
    buf_free(&df->scratch);
    free(df);
}

/* "2020-01-06 12:09:38", "2020/1/6 12:09", "2020-01-06" -> seconds since 1970 (UTC), 0 if unparseable. */
int64_t datafile_time(str s) {
    int v[6] = { 0, 0, 0, 0, 0, 0 }, k = 0;
    size_t i = 0;
    while (i < s.n && k < 6) {
        if (s.p[i] < '0' || s.p[i] > '9') { i++; continue; }
        int x = 0;
        while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9') x = x * 10 + (s.p[i++] - '0');
        v[k++] = x;
    }
    if (k < 3 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31) return 0;
    int y = v[0] - (v[1] <= 2);
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (unsigned)((153 * (v[1] + (v[1] > 2 ? -3 : 9)) + 2) / 5 + v[2] - 1);
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + doe - 719468;
    return days * 86400 + v[3] * 3600 + v[4] * 60 + v[5];
}
