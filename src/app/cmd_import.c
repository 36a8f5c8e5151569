/* cmd_import.c: `minyi import`, batch intake of message files (JSONL, CSV,
 * TSV with English or Chinese columns, DESIGN.md "Files in, files out") into
 * a consultation. Keyword routing applies as on the web unless a classifier
 * is active. By default the rows go through the analyzer's pipeline before
 * they are written (spam, duplicates, classification, search index, exactly
 * as `minyi analyze` would do them afterwards), so each row is written once
 * with its analysis; --no-analyze writes them 5,000 to a transaction for
 * the analyzer (minyi serve, or minyi analyze) to take later. Bad rows are
 * reported with file, line and reason and skipped; the rest goes in. */
#include "app/analyzer.h"
#include "app/background.h"
#include "app/cmd.h"
#include "app/datafile.h"
#include "app/progress.h"
#include "app/routing.h"
#include "app/validate.h"
#include "core/log.h"
#include "core/sched.h"
#include "store/store.h"
#include "text/utf8.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <xxhash.h>

/* Rows a transaction: the bulk writes' cost per row falls with the batch
 * (a B-tree page of a random-keyed unique index, dirtied by several rows of
 * one batch, goes to the log once); 16384 rows of text and analysis are
 * about 100 MB in flight. */
#define BATCH 16384

static const char help[] =
    "usage: minyi import --data FILE [--data FILE ...] --consultation ID [options]\n\n"
    "Loads messages from JSONL, CSV or TSV files (columns id, user, title, body,\n"
    "created_at, type, region, reply, replied_at or 留言编号, 留言用户, 留言主题,\n"
    "留言时间, 留言详情, 答复意见, 答复时间 ...). A reply column brings the old\n"
    "system's official reply along, with its time.\n"
    "A row without a title gets the start of its body; rows without any text, or\n"
    "longer than the limits (title 200, body 20000 characters), are reported and\n"
    "skipped. Files may be gzip-compressed (FILE.jsonl.gz). Rows already imported\n"
    "into the consultation (same id column, or same row and text without one)\n"
    "are not added again. The rows are analysed as they go in (what `minyi analyze`\n"
    "does); with --no-analyze they wait for the analyzer (minyi serve or minyi analyze),\n"
    "which is what to use while a `minyi serve` runs on the same database.\n\n"
    "  --consultation ID   where the messages go (minyi consultation list)\n"
    "  --type TYPE         type for rows without a valid one (default 建议)\n"
    "  --tz +HH:MM         time zone of the times in the file (default +08:00)\n"
    "  --quiet             no progress lines\n"
    "  --no-analyze        write the rows only; the analyzer takes them later\n"
    "  --dict FILE         segmentation dictionary of the analysis (default: the built one)\n"
    "  --db URI            database (default sqlite:var/minyi.db)\n";

typedef struct { str reply, replied_at; long line; } row_extra;

/* One batch of rows, read and routed, waiting for its transaction. */
typedef struct {
    buf arena;                 /* the batch's text, copied out of the file reader */
    store_new_msg rows[BATCH];
    row_extra extra[BATCH];
    int64_t ids[BATCH];        /* one pass: the ids the rows will have */
    size_t n;
    int rc;                    /* STORE_ERROR when reading ran out of memory */
} slot;

typedef struct {
    datafile *df;
    const char *path;
    store *st;
    int64_t consultation;
    const char *type;
    long tz_seconds;
    json_t *rules;             /* keyword rules, NULL when a classifier routes */
    routing *router;           /* the rules compiled */
    long taken, skipped, bad_times;
    bool eof;
    buf title, when, replied;  /* the reader's scratch */
    long replies, dups;
    slot slots[2];             /* one being read while the other is inserted */
    slot *ready;               /* the batch the next transaction inserts */
    int64_t ids[BATCH];
    progress *pg;
    int stage;
    /* one pass (analysed before written) */
    bool one_pass;
    int64_t next_id;           /* the id the next new row gets */
    slot *ahead;               /* the next rows, read by a thread while the pipeline runs */
    pthread_t ahead_t;
    bool ahead_running;
    XXH128_hash_t *seen;       /* hashes of this run's source ids (open addressing, low64 0 = empty) */
    size_t nseen, capseen;
    bool known[BATCH];
    bool look_up;              /* the consultation held imported rows before this run: look each source id up */
    const store_analysis *an;  /* the batch being applied */
} importer;

/* "2020-01-06 12:09:38", "2020-01-06T12:09:38Z", "2020/1/6 12:09" (local
 * time at tz) -> "2020-01-06T04:09:38Z". Returns false when unreadable. */
static bool parse_time(str s, long tz, buf *out) {
    char tmp[64];
    if (s.n == 0 || s.n >= sizeof tmp) return false;
    memcpy(tmp, s.p, s.n);
    tmp[s.n] = 0;
    for (char *p = tmp; *p; p++) if (*p == '/') *p = '-';
    struct tm tm = {0};
    const char *fmts[] = { "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d" };
    const char *end = NULL;
    for (size_t i = 0; i < sizeof fmts / sizeof *fmts && !end; i++) { memset(&tm, 0, sizeof tm); end = strptime(tmp, fmts[i], &tm); }
    if (!end) return false;
    bool utc = *end == 'Z';
    if (*end && !(utc && !end[1])) return false;
    time_t t = timegm(&tm) - (utc ? 0 : tz);
    struct tm g;
    if (!gmtime_r(&t, &g)) return false;
    char res[32];
    strftime(res, sizeof res, "%Y-%m-%dT%H:%M:%SZ", &g);
    buf_reset(out);
    return buf_puts(out, res) == 0;
}

/* The first n characters of s, at a character boundary. */
static str prefix_chars(str s, size_t n) {
    size_t i = 0, k = 0;
    while (i < s.n && k < n) {
        uint32_t cp;
        int l = utf8_decode(s.p + i, s.n - i, &cp);
        i += l > 0 ? (size_t)l : 1;
        k++;
    }
    return (str){ s.p, i };
}

static bool is_type(str t) {
    for (size_t i = 0; i < 5; i++) if (str_eq_c(t, valid_msg_types[i])) return true;
    return false;
}

static void skip(importer *im, const char *why) {
    fprintf(stderr, "%s:%ld: %s, skipped\n", im->path, datafile_line(im->df), why);
    im->skipped++;
}

/* Copies a field into the batch arena; pointers are fixed once the batch is
 * read (the arena may move while it grows). */
static str keep(buf *arena, str v) {
    if (!v.p) return v;
    size_t off = arena->n;
    if (buf_put(arena, v.p, v.n) || buf_putc(arena, 0)) return (str){ NULL, (size_t)-1 };
    return (str){ (const char *)(uintptr_t)(off + 1), v.n };   /* offset + 1: 0 stays "absent" */
}

static void fix(const buf *arena, str *v) {
    if (v->p) v->p = arena->p + ((uintptr_t)v->p - 1);
}

/* A count column (点赞数, 反对数): its leading digits; blank or not a number is 0. */
static int64_t count_of(str s) {
    s = str_trim(s);
    int64_t v = 0;
    for (size_t i = 0; i < s.n && s.p[i] >= '0' && s.p[i] <= '9' && v < INT64_MAX / 10 - 9; i++) v = v * 10 + (s.p[i] - '0');
    return v;
}

/* The row's id in its file or, without one, its row number and a hash of
 * its text: importing the same file again finds every row already in. */
static str source_id(importer *im, str id, const str *f, char *tmp, size_t cap) {
    id = str_trim(id);
    if (id.n && id.n < 128) return id;
    XXH3_state_t *h = XXH3_createState();
    XXH3_64bits_reset(h);
    const int parts[] = { DF_USER, DF_TITLE, DF_BODY, DF_CREATED_AT };
    for (size_t i = 0; i < 4; i++) { XXH3_64bits_update(h, f[parts[i]].p ? f[parts[i]].p : "", f[parts[i]].n); XXH3_64bits_update(h, "\x1f", 1); }
    unsigned long long x = (unsigned long long)XXH3_64bits_digest(h);
    XXH3_freeState(h);
    int n = snprintf(tmp, cap, "row%ld:%016llx", datafile_row(im->df), x);
    return (str){ tmp, (size_t)n };
}

/* Reads up to BATCH rows into sl: parsing, checks and keyword routing, the
 * work that needs no database, so it runs beside the previous batch's
 * transaction (both cores busy). */
static void read_rows(importer *im, slot *sl, size_t limit) {
    buf_reset(&sl->arena);
    sl->n = 0;
    sl->rc = STORE_OK;
    size_t n = 0;
    char now[32] = "";
    while (n < limit && !im->eof) {
        str f[DF_NFIELDS];
        int r = datafile_next(im->df, f);
        if (r == 0) { im->eof = true; break; }
        if (r < 0) { skip(im, datafile_error(im->df)); continue; }
        store_new_msg m = { .consultation_id = im->consultation };
        m.title = str_trim(f[DF_TITLE]);
        m.body = str_trim(f[DF_BODY]);
        if (!m.title.n && !m.body.n) { skip(im, "no text (title and body empty)"); continue; }
        if (!m.body.n) m.body = m.title;
        if (!m.title.n) {
            /* A body-only row: its first 30 characters stand in for the title. */
            buf_reset(&im->title);
            str p = prefix_chars(m.body, 30);
            buf_put(&im->title, p.p, p.n);
            if (p.n < m.body.n) buf_puts(&im->title, "…");
            m.title = (str){ im->title.p, im->title.n };
        }
        if (utf8_count(m.title.p, m.title.n) > 200) { skip(im, "title longer than 200 characters"); continue; }
        if (utf8_count(m.body.p, m.body.n) > 20000) { skip(im, "body longer than 20000 characters"); continue; }
        str type = str_trim(f[DF_TYPE]);
        m.type = is_type(type) ? type : str_c(im->type);
        m.region = str_trim(f[DF_REGION]);
        if (!m.region.n) m.region = (str){0};
        m.author = str_trim(f[DF_USER]);
        if (!m.author.n) m.author = (str){0};
        m.author_ip = (str){0};
        str when = str_trim(f[DF_CREATED_AT]);
        if (when.n) {
            if (parse_time(when, im->tz_seconds, &im->when)) m.created_at = (str){ im->when.p, im->when.n };
            else {
                if (im->bad_times++ < 10)
                    fprintf(stderr, "%s:%ld: unreadable time '%.*s'; the import time is used\n", im->path, datafile_line(im->df), (int)(when.n > 40 ? 40 : when.n), when.p);
            }
        }
        if (!m.created_at.p && im->one_pass) {
            /* One pass: the analysis reads the time the row will have. */
            if (!now[0]) { time_t t = time(NULL); struct tm g; gmtime_r(&t, &g); strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &g); }
            m.created_at = str_c(now);
        }
        m.likes = count_of(f[DF_LIKES]);
        m.dislikes = count_of(f[DF_DISLIKES]);
        if (im->router) m.department_id = routing_match(im->router, m.title, m.body);
        char sid[64];
        m.source_id = source_id(im, f[DF_ID], f, sid, sizeof sid);
        /* An old system's official reply comes along, with its time (on-time figures depend on it). */
        row_extra *x = &sl->extra[n];
        x->reply = str_trim(f[DF_REPLY]);
        x->replied_at = (str){0};
        str at = str_trim(f[DF_REPLIED_AT]);
        if (x->reply.n && at.n && parse_time(at, im->tz_seconds, &im->replied)) x->replied_at = keep(&sl->arena, (str){ im->replied.p, im->replied.n });
        x->reply = x->reply.n ? keep(&sl->arena, x->reply) : (str){0};
        x->line = datafile_line(im->df);
        m.title = keep(&sl->arena, m.title); m.body = keep(&sl->arena, m.body); m.type = keep(&sl->arena, m.type);
        m.region = keep(&sl->arena, m.region); m.author = keep(&sl->arena, m.author);
        m.created_at = keep(&sl->arena, m.created_at); m.source_id = keep(&sl->arena, m.source_id);
        if (m.title.n == (size_t)-1 || m.body.n == (size_t)-1 || m.source_id.n == (size_t)-1) { log_error("import: out of memory"); sl->rc = STORE_ERROR; return; }
        sl->rows[n++] = m;
    }
    for (size_t i = 0; i < n; i++) {
        store_new_msg *m = &sl->rows[i];
        fix(&sl->arena, &m->title); fix(&sl->arena, &m->body); fix(&sl->arena, &m->type); fix(&sl->arena, &m->region);
        fix(&sl->arena, &m->author); fix(&sl->arena, &m->created_at); fix(&sl->arena, &m->source_id);
        fix(&sl->arena, &sl->extra[i].reply); fix(&sl->arena, &sl->extra[i].replied_at);
    }
    sl->n = n;
}

typedef struct { importer *im; slot *sl; } read_job;

/* The import's helper threads (the readers here, the analysis threads) run
 * below the calling thread, the one that writes: with five helpers on two
 * cores they took the writer's CPU (it was busy 76% of the rows' time) and
 * the import waited on it. */
static void *read_main(void *arg) {
    read_job *j = arg;
    sched_step_back(sched_nice_now(), SCHED_HELPERS_BACK);
    read_rows(j->im, j->sl, BATCH);
    return NULL;
}

/* One transaction: the rows of the ready batch, inserted together. */
static int import_batch(store *st, void *arg) {
    importer *im = arg;
    slot *sl = im->ready;
    size_t n = sl->n;
    if (!n) return STORE_OK;
    size_t dups = 0;
    int rc = st->ops->msg_import(st, sl->rows, n, im->ids, &dups);
    if (rc) return rc;
    im->taken += (long)(n - dups);
    im->dups += (long)dups;
    for (size_t i = 0; i < n; i++) {
        if (!im->ids[i] || !sl->extra[i].reply.n) continue;
        if ((rc = st->ops->reply_import(st, im->ids[i], sl->rows[i].department_id, sl->extra[i].reply, sl->extra[i].replied_at))) return rc;
        im->replies++;
    }
    progress_add(im->pg, im->stage, n);
    return STORE_OK;
}

/* A file through the database: while batch k is inserted, a second thread
 * reads batch k+1 (the reader touches only the file, its scratch and the
 * other slot). */
static int import_file(importer *im) {
    store *st = im->st;
    int cur = 0, rc = 0;
    read_rows(im, &im->slots[cur], BATCH);
    for (;;) {
        slot *sl = &im->slots[cur];
        if (sl->rc) return 1;
        if (!sl->n && im->eof) return 0;
        read_job job = { im, &im->slots[!cur] };
        pthread_t t;
        bool threaded = !im->eof && pthread_create(&t, NULL, read_main, &job) == 0;
        im->ready = sl;
        if (st->ops->batch(st, import_batch, im)) { log_error("%s: %s", im->path, store_errmsg(st)); rc = 1; }
        if (threaded) pthread_join(t, NULL);
        else if (!im->eof && !rc) read_rows(im, job.sl, BATCH);
        else im->slots[!cur].n = 0;
        if (rc) return rc;
        cur = !cur;
    }
}

/* The table size up to which an import of these files drops the secondary
 * indexes: the rows the files may hold (at ~400 bytes a row, a gzip file
 * ~4x its size). Making an index again sorts every row of the table once;
 * keeping it costs a B-tree insert per new row that is several times a
 * row's share of the sort (bench/RESULTS.md), so dropping pays while the
 * table is not larger than the import. */
static int64_t bulk_rows(const char **data, int ndata) {
    int64_t bytes = 0;
    for (int i = 0; i < ndata; i++) {
        struct stat sb;
        if (stat(data[i], &sb)) continue;
        size_t n = strlen(data[i]);
        bytes += n > 3 && !strcmp(data[i] + n - 3, ".gz") ? 4 * (int64_t)sb.st_size : (int64_t)sb.st_size;
    }
    return bytes / 400;
}

/* ---- one pass: rows analysed before they are written -------------------- */

/* Whether this run had source id v already; adds it. A 128-bit hash: two
 * different ids colliding (odds ~n^2/2^129, ~1e-25 at 8.5M rows) would skip
 * the second row as already imported; 64 bits made that ~2e-6. */
static int seen_add(importer *im, str v, bool *had) {
    *had = false;
    if (im->nseen * 2 >= im->capseen) {
        size_t cap = im->capseen ? im->capseen * 2 : 1 << 16;
        XXH128_hash_t *t = calloc(cap, sizeof *t);
        if (!t) return -1;
        for (size_t i = 0; i < im->capseen; i++) {
            if (!im->seen[i].low64) continue;
            size_t j = im->seen[i].low64 & (cap - 1);
            while (t[j].low64) j = (j + 1) & (cap - 1);
            t[j] = im->seen[i];
        }
        free(im->seen);
        im->seen = t;
        im->capseen = cap;
    }
    XXH128_hash_t h = XXH3_128bits(v.p, v.n);
    h.low64 |= 1;
    size_t j = h.low64 & (im->capseen - 1);
    while (im->seen[j].low64) {
        if (XXH128_isEqual(im->seen[j], h)) { *had = true; return 0; }
        j = (j + 1) & (im->capseen - 1);
    }
    im->seen[j] = h;
    im->nseen++;
    return 0;
}

static char *dup_str(str v) { return v.p ? strndup(v.p, v.n) : NULL; }

/* pl_source next: the next rows of the file that are not in yet, with the
 * ids they will get, as messages for the analyzer. */
typedef struct { importer *im; slot *sl; size_t limit; } ahead_job;

static void *ahead_main(void *arg) {
    ahead_job *j = arg;
    sched_step_back(sched_nice_now(), SCHED_HELPERS_BACK);
    read_rows(j->im, j->sl, j->limit);
    free(j);
    return NULL;
}

/* The rows read ahead, if a thread is reading them: waits for it. */
static slot *ahead_take(importer *im) {
    if (!im->ahead_running) return NULL;
    pthread_join(im->ahead_t, NULL);
    im->ahead_running = false;
    slot *sl = im->ahead;
    im->ahead = NULL;
    return sl;
}

/* Starts reading the next rows on a thread (parsing is a tenth of the
 * import, and the calling thread is the one that writes). */
static void ahead_start(importer *im, size_t limit) {
    if (im->eof) return;
    slot *sl = calloc(1, sizeof *sl);
    ahead_job *j = malloc(sizeof *j);
    if (!sl || !j) { free(sl); free(j); return; }
    *j = (ahead_job){ im, sl, limit };
    im->ahead = sl;
    if (pthread_create(&im->ahead_t, NULL, ahead_main, j)) { free(sl); free(j); im->ahead = NULL; return; }
    im->ahead_running = true;
}

static int op_next(void *ud, int max, store_msg **msgs, size_t *nout, void **tag) {
    importer *im = ud;
    *msgs = NULL; *nout = 0; *tag = NULL;
    size_t limit = max > 0 && max < BATCH ? (size_t)max : BATCH;
    slot *sl = ahead_take(im);
    bool fresh = sl != NULL;
    if (!sl && !(sl = calloc(1, sizeof *sl))) return -1;
    while (fresh || (!sl->n && !im->eof)) {
        if (!fresh) read_rows(im, sl, limit);
        fresh = false;
        if (sl->rc) { buf_free(&sl->arena); free(sl); return -1; }
        str src[BATCH];
        for (size_t i = 0; i < sl->n; i++) src[i] = sl->rows[i].source_id;
        if (!im->look_up) memset(im->known, 0, sl->n * sizeof *im->known);   /* seen_add knows this run's */
        else if (im->st->ops->msg_sources_known(im->st, im->consultation, src, sl->n, im->known)) {
            log_error("%s: %s", im->path, store_errmsg(im->st));
            buf_free(&sl->arena); free(sl); return -1;
        }
        size_t k = 0;
        for (size_t i = 0; i < sl->n; i++) {
            bool had = im->known[i];
            if (!had && seen_add(im, src[i], &had)) { buf_free(&sl->arena); free(sl); return -1; }
            if (had) { im->dups++; continue; }
            sl->rows[k] = sl->rows[i];
            sl->extra[k] = sl->extra[i];
            sl->ids[k] = im->next_id++;
            k++;
        }
        progress_add(im->pg, im->stage, sl->n - k);
        sl->n = k;
    }
    ahead_start(im, limit);
    store_msg *a = calloc(sl->n ? sl->n : 1, sizeof *a);
    if (!a) { buf_free(&sl->arena); free(sl); return -1; }
    for (size_t i = 0; i < sl->n; i++) {
        const store_new_msg *r = &sl->rows[i];
        store_msg *m = &a[i];
        m->id = sl->ids[i];
        m->consultation_id = r->consultation_id;
        m->department_id = r->department_id;
        snprintf(m->type, sizeof m->type, "%.*s", (int)r->type.n, r->type.p);
        snprintf(m->state, sizeof m->state, "%s", r->department_id ? "assigned" : "new");
        snprintf(m->created_at, sizeof m->created_at, "%.*s", (int)r->created_at.n, r->created_at.p);
        snprintf(m->moderation, sizeof m->moderation, "none");
        m->confidence = -1;
        m->supports = r->likes > 0 ? r->likes : 0;
        m->opposes = r->dislikes > 0 ? r->dislikes : 0;
        m->title = dup_str(r->title); m->body = dup_str(r->body);
        m->region = dup_str(r->region); m->author = dup_str(r->author);
        if (!m->title || !m->body) {
            for (size_t j = 0; j <= i; j++) store_msg_clear(&a[j]);
            free(a); buf_free(&sl->arena); free(sl);
            return -1;
        }
    }
    *msgs = a; *nout = sl->n; *tag = sl;
    return 0;
}

typedef struct { importer *im; slot *sl; const store_analysis *a; size_t n; const store_kw_count *kw; size_t nkw; } apply_job;

static int apply_batch(store *st, void *arg) {
    apply_job *j = arg;
    slot *sl = j->sl;
    int rc = st->ops->msg_import_analyzed(st, sl->rows, sl->ids, j->a, j->n, j->kw, j->nkw);
    for (size_t i = 0; !rc && i < j->n; i++) {
        if (!sl->extra[i].reply.n) continue;
        if ((rc = st->ops->reply_import(st, sl->ids[i], j->a[i].route && !j->a[i].hold ? j->a[i].department_id : sl->rows[i].department_id,
                                        sl->extra[i].reply, sl->extra[i].replied_at))) return rc;
        j->im->replies++;
    }
    return rc;
}

/* pl_source apply: the batch's rows with their analyses, in one transaction. */
static int op_apply(void *ud, void *tag, const store_analysis *a, size_t n, const store_kw_count *kw, size_t nkw) {
    importer *im = ud;
    slot *sl = tag;
    if (n != sl->n) return -1;
    /* A row with its reply is answered before the analyzer would see it, and
     * the analyzer routes only messages nobody has acted on: not these. */
    store_analysis *own = NULL;
    for (size_t i = 0; i < n && !own; i++) if (sl->extra[i].reply.n && a[i].route) own = malloc(n * sizeof *own);
    if (own) {
        memcpy(own, a, n * sizeof *own);
        for (size_t i = 0; i < n; i++) if (sl->extra[i].reply.n) own[i].route = false;
    }
    apply_job j = { im, sl, own ? own : a, n, kw, nkw };
    int rc = im->st->ops->batch(im->st, apply_batch, &j);
    free(own);
    if (rc) return -1;
    im->taken += (long)n;
    progress_add(im->pg, im->stage, n);
    return 0;
}

static void op_release(void *ud, void *tag) {
    (void)ud;
    slot *sl = tag;
    buf_free(&sl->arena);
    free(sl);
}

/* A file through the analyzer's pipeline, written once. */
static int import_file_analyzed(importer *im, analyzer *an) {
    pl_source src = { op_next, op_apply, op_release, im };
    size_t done;
    int rc = analyzer_run_source(an, &src, &done);
    slot *left = ahead_take(im);   /* read ahead of an error */
    if (left) op_release(im, left);
    if (rc) { log_error("%s: %s", im->path, store_errmsg(im->st)); return 1; }
    return 0;
}

/* One pass, once the first file is open and has text columns: the
 * messages pending before the import are analysed first, so everything
 * goes through the analyzer in id order, as an import followed by
 * `minyi analyze` would. A big import into a small table then drops the
 * secondary indexes and the per-row counting triggers, made again at the
 * end (store.h bulk_begin; see
 * bulk_rows for when). One pass already wants the database to itself;
 * --no-analyze, the way to import beside a running server, keeps them.
 * Returns 0 or 1 (reported). */
static int one_pass_start(importer *im, const char *dict_path, const char **data, int ndata, seg_dict **dict, analyzer **an, bool *dropped) {
    store *st = im->st;
    char err[512];
    if (seg_dict_open(dict_path, dict, err, sizeof err)) {
        *dict = NULL;
        if (dict_path) { log_error("%s", err); return 1; }
        log_error("import: no segmentation dictionary (%s)", err);
    }
    size_t before = 0;
    if (analyzer_new(st, *dict, an, err, sizeof err)) { log_error("%s", err); *an = NULL; return 1; }
    analyzer_tune(*an, 0, BATCH, NULL, NULL);   /* the analyzer's batches are the import's */
    analyzer_helpers_step_back(*an, SCHED_HELPERS_BACK);
    if (analyzer_run(*an, &before)) { log_error("import: analysing the pending messages: %s", store_errmsg(st)); return 1; }
    if (before) fprintf(stderr, "import: %zu messages that were pending analysed first\n", before);
    int64_t moved;
    if (background_finish_moves(st, &moved)) { log_error("import: moving merged groups: %s", store_errmsg(st)); return 1; }
    if (st->ops->msg_max_id(st, &im->next_id)) { log_error("%s", store_errmsg(st)); return 1; }
    im->next_id++;
    im->one_pass = true;
    if (st->ops->bulk_begin && st->ops->bulk_begin(st, bulk_rows(data, ndata), dropped)) { log_error("%s", store_errmsg(st)); return 1; }
    return 0;
}

int cmd_import(int argc, char **argv) {
    const char *data[32], *db = "sqlite:var/minyi.db", *cons = NULL, *type = "建议", *tz = "+08:00", *dict_path = NULL;
    int ndata = 0;
    bool quiet = false, no_analyze = false;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { fputs(help, stdout); return 0; }
        if (!strcmp(argv[i], "--quiet")) { quiet = true; continue; }
        if (!strcmp(argv[i], "--no-analyze")) { no_analyze = true; continue; }
        if (cmd_opt(argc, argv, &i, "--data", &v)) {
            if (ndata == 32) { fprintf(stderr, "minyi import: at most 32 --data files\n"); return 2; }
            data[ndata++] = v;
        }
        else if (cmd_opt(argc, argv, &i, "--db", &db) || cmd_opt(argc, argv, &i, "--consultation", &cons)
                 || cmd_opt(argc, argv, &i, "--type", &type) || cmd_opt(argc, argv, &i, "--tz", &tz)
                 || cmd_opt(argc, argv, &i, "--dict", &dict_path)) ;
        else { fprintf(stderr, "minyi import: unknown argument '%s'\n%s", argv[i], help); return 2; }
    }
    if (!ndata || !cons) { fprintf(stderr, "minyi import: --data and --consultation are required\n%s", help); return 2; }
    char *end;
    long long cid = strtoll(cons, &end, 10);
    if (*end || cid <= 0) { fprintf(stderr, "minyi import: --consultation wants a consultation id, not '%s'\n", cons); return 2; }
    if (!is_type(str_c(type))) { fprintf(stderr, "minyi import: --type must be one of 建议 咨询 投诉 求助 感谢\n"); return 2; }
    int th, tm;
    char sign;
    if (sscanf(tz, "%c%d:%d", &sign, &th, &tm) != 3 || (sign != '+' && sign != '-') || th > 14 || tm > 59) {
        fprintf(stderr, "minyi import: --tz wants +HH:MM or -HH:MM, not '%s'\n", tz);
        return 2;
    }
    char err[512];
    store *st;
    if (store_open(db, &st, err, sizeof err)) { log_error("%s", err); return 1; }
    json_t *c;
    int rc = st->ops->consultation_get(st, cid, &c);
    if (rc == STORE_NOT_FOUND) log_error("no consultation %lld (see: minyi consultation list)", cid);
    else if (rc) log_error("%s", store_errmsg(st));
    if (rc) { store_close(st); return 1; }
    json_decref(c);
    importer *imp = calloc(1, sizeof *imp);
    if (!imp) { log_error("out of memory"); store_close(st); return 1; }
    importer im_init = { .st = st, .consultation = cid, .type = type, .tz_seconds = (sign == '-' ? -1 : 1) * (th * 3600L + tm * 60L) };
    *imp = im_init;
    if (st->ops->msg_sources_any(st, cid, &imp->look_up)) { log_error("%s", store_errmsg(st)); free(imp); store_close(st); return 1; }
    imp->pg = progress_new("import", quiet);
    imp->stage = progress_stage(imp->pg, "import", "rows", 0);
    int64_t mid; void *mdata; size_t mn;
    if (st->ops->model_active(st, "classifier", &mid, &mdata, &mn) == STORE_OK) free(mdata);   /* the analyzer routes */
    else if (st->ops->rule_list(st, &imp->rules)) imp->rules = NULL;
    if (imp->rules && routing_compile(imp->rules, &imp->router)) { log_error("out of memory"); rc = 1; }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    analyzer *an = NULL;
    seg_dict *dict = NULL;
    bool dropped = false, one_pass = !no_analyze && st->ops->msg_import_analyzed;
    long total_taken = 0, total_skipped = 0, total_dups = 0;
    for (int i = 0; i < ndata && !rc; i++) {
        if (datafile_open(data[i], &imp->df, err, sizeof err)) { log_error("%s", err); rc = 1; break; }
        if (!datafile_has(imp->df, DF_TITLE) && !datafile_has(imp->df, DF_BODY)) {
            log_error("%s: no text column (title/留言主题 or body/留言详情)", data[i]);
            datafile_close(imp->df); rc = 1; break;
        }
        imp->path = data[i];
        imp->taken = imp->skipped = imp->dups = 0;
        imp->eof = false;
        if (one_pass && !an && (rc = one_pass_start(imp, dict_path, data, ndata, &dict, &an, &dropped))) { datafile_close(imp->df); break; }
        rc = an ? import_file_analyzed(imp, an) : import_file(imp);
        datafile_close(imp->df);
        if (imp->dups) fprintf(stderr, "%s: %ld rows taken, %ld already imported, %ld skipped\n", data[i], imp->taken, imp->dups, imp->skipped);
        else fprintf(stderr, "%s: %ld rows taken, %ld skipped\n", data[i], imp->taken, imp->skipped);
        total_taken += imp->taken; total_skipped += imp->skipped; total_dups += imp->dups;
    }
    if (dropped) {
        struct timespec i0, i1;
        clock_gettime(CLOCK_MONOTONIC, &i0);
        if (st->ops->bulk_end(st)) { log_error("making the indexes again: %s (the next open retries)", store_errmsg(st)); rc = 1; }
        clock_gettime(CLOCK_MONOTONIC, &i1);
        if (!quiet) fprintf(stderr, "import: indexes and counting triggers made again in %.1f s\n", (double)(i1.tv_sec - i0.tv_sec) + (double)(i1.tv_nsec - i0.tv_nsec) / 1e9);
    }
    analyzer_free(an);         /* keeps the near-duplicate index's image */
    seg_dict_close(dict);
    progress_finish(imp->pg);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    char dupnote[64] = "";
    if (total_dups) snprintf(dupnote, sizeof dupnote, ", %ld already imported", total_dups);
    printf("imported %ld messages (%ld rows skipped%s, %ld with their reply) into consultation %lld in %.2f s (%.0f messages/s)%s\n",
           total_taken, total_skipped, dupnote, imp->replies, cid, secs, secs > 0 ? (double)total_taken / secs : 0.0,
           rc ? "; stopped by an error, the batches before it are kept" : "");
    routing_free(imp->router);
    json_decref(imp->rules);
    buf_free(&imp->title); buf_free(&imp->when); buf_free(&imp->replied);
    buf_free(&imp->slots[0].arena); buf_free(&imp->slots[1].arena);
    free(imp->seen);
    progress_free(imp->pg);
    free(imp);
    store_close(st);
    return rc;
}
