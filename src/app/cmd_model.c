/* cmd_model.c: scripted administration of the analysis: `minyi model`
 * (classifier files from `minyi train`), `minyi label` (label -> department),
 * `minyi words` (sensitive words) and `minyi analyze` (run the analyzer over
 * pending messages once, e.g. after an import, without a server). */
#include "app/analyzer.h"
#include "app/background.h"
#include "app/cmd.h"
#include "app/progress.h"
#include "core/log.h"
#include "core/sched.h"
#include "store/store.h"
#include "text/classify.h"
#include "text/utf8.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_DB "sqlite:var/minyi.db"

typedef struct { const char *db, *name, *dict, *workers, *batch; bool activate, quiet; const char *pos[64]; int npos; } args;

/* Parses --db/--name/--dict/--activate and positional words; returns 0, or 2 on a usage error. */
static int parse(int argc, char **argv, args *a, const char *help) {
    memset(a, 0, sizeof *a);
    a->db = DEFAULT_DB;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { fputs(help, stdout); exit(0); }
        if (cmd_opt(argc, argv, &i, "--db", &a->db) || cmd_opt(argc, argv, &i, "--name", &a->name)
            || cmd_opt(argc, argv, &i, "--dict", &a->dict) || cmd_opt(argc, argv, &i, "--workers", &a->workers)
            || cmd_opt(argc, argv, &i, "--batch", &a->batch)) continue;
        if (!strcmp(argv[i], "--activate")) { a->activate = true; continue; }
        if (!strcmp(argv[i], "--quiet")) { a->quiet = true; continue; }
        if (argv[i][0] == '-' && argv[i][1] == '-') { fprintf(stderr, "minyi %s: unknown option '%s'\n%s", argv[0], argv[i], help); return 2; }
        if (a->npos < 64) a->pos[a->npos++] = argv[i];
    }
    return 0;
}

static store *open_db(const char *uri) {
    char err[512];
    store *st;
    if (store_open(uri, &st, err, sizeof err)) { log_error("%s", err); return NULL; }
    return st;
}

static char *read_file(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) { log_error("%s: cannot open", path); return NULL; }
    buf b = {0};
    char tmp[65536];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
        if (buf_put(&b, tmp, k)) { log_error("%s: out of memory", path); fclose(f); buf_free(&b); return NULL; }
    fclose(f);
    *n = b.n;
    return b.p ? buf_detach(&b) : calloc(1, 1);
}

static const char model_help[] =
    "usage: minyi model add FILE [--name NAME] [--activate] [--dict FILE] [--db URI]   store a model from `minyi train`\n"
    "       minyi model activate ID [--db URI]                           route new messages with it\n"
    "       minyi model list [--db URI]\n";

int cmd_model(int argc, char **argv) {
    args a;
    if (parse(argc, argv, &a, model_help)) return 2;
    if (a.npos == 0) { fputs(model_help, stderr); return 2; }
    store *st;
    if (!strcmp(a.pos[0], "add") && a.npos == 2) {
        size_t n;
        char *data = read_file(a.pos[1], &n);
        if (!data) return 1;
        char err[512];
        seg_dict *dict = NULL;
        if (seg_dict_open(a.dict, &dict, err, sizeof err)) dict = NULL;   /* a model without word features runs without */
        json_t *meta;
        int bad = analyzer_model_check(data, n, dict, &meta, err, sizeof err);
        seg_dict_close(dict);
        if (bad) { log_error("%s: %s", a.pos[1], err); free(data); return 1; }
        int nl = (int)json_array_size(json_object_get(meta, "labels"));
        if (!(st = open_db(a.db))) { free(data); json_decref(meta); return 1; }
        const char *name = a.name ? a.name : strrchr(a.pos[1], '/') ? strrchr(a.pos[1], '/') + 1 : a.pos[1];
        int64_t id;
        int rc = st->ops->model_add(st, "classifier", str_c(name), data, n, meta, &id);
        if (!rc && a.activate) rc = st->ops->model_activate(st, "classifier", id);
        if (rc) log_error("%s", store_errmsg(st));
        else printf("model %lld: %s, %d labels%s\n", (long long)id, name, nl, a.activate ? ", active" : "");
        free(data); json_decref(meta); store_close(st);
        return rc ? 1 : 0;
    }
    if (!strcmp(a.pos[0], "activate") && a.npos == 2) {
        char *end;
        long long id = strtoll(a.pos[1], &end, 10);
        if (*end || id <= 0) { log_error("model activate: '%s' is not a model id", a.pos[1]); return 2; }
        if (!(st = open_db(a.db))) return 1;
        int rc = st->ops->model_activate(st, "classifier", id);
        if (rc == STORE_NOT_FOUND) log_error("no model %lld", id);
        else if (rc) log_error("%s", store_errmsg(st));
        else printf("model %lld active\n", id);
        store_close(st);
        return rc ? 1 : 0;
    }
    if (!strcmp(a.pos[0], "list") && a.npos == 1) {
        if (!(st = open_db(a.db))) return 1;
        json_t *l;
        int rc = st->ops->model_list(st, "classifier", &l);
        size_t i; json_t *o;
        if (!rc) json_array_foreach(l, i, o)
            printf("%lld\t%s\t%s\t%lld bytes\t%s\n", (long long)json_integer_value(json_object_get(o, "id")),
                   json_is_true(json_object_get(o, "active")) ? "active" : "-", json_string_value(json_object_get(o, "name")),
                   (long long)json_integer_value(json_object_get(o, "bytes")), json_string_value(json_object_get(o, "created_at")));
        if (!rc) json_decref(l);
        store_close(st);
        return rc ? 1 : 0;
    }
    fputs(model_help, stderr);
    return 2;
}

static const char label_help[] =
    "usage: minyi label map LABEL DEPARTMENT [--db URI]   route messages classified LABEL to DEPARTMENT\n"
    "       minyi label unmap LABEL [--db URI]\n"
    "       minyi label list [--db URI]\n";

int cmd_label(int argc, char **argv) {
    args a;
    if (parse(argc, argv, &a, label_help)) return 2;
    store *st;
    int rc;
    if (a.npos == 3 && !strcmp(a.pos[0], "map")) {
        if (!utf8_valid(a.pos[1], strlen(a.pos[1])) || !*a.pos[1]) { log_error("label must be non-empty UTF-8"); return 2; }
        if (!(st = open_db(a.db))) return 1;
        int64_t dept;
        if (st->ops->dept_find(st, str_c(a.pos[2]), &dept)) { log_error("no department '%s'", a.pos[2]); store_close(st); return 1; }
        rc = st->ops->label_map_set(st, str_c(a.pos[1]), dept);
    } else if (a.npos == 2 && !strcmp(a.pos[0], "unmap")) {
        if (!(st = open_db(a.db))) return 1;
        rc = st->ops->label_map_set(st, str_c(a.pos[1]), 0);
    } else if (a.npos == 1 && !strcmp(a.pos[0], "list")) {
        if (!(st = open_db(a.db))) return 1;
        json_t *l;
        rc = st->ops->label_map_list(st, &l);
        size_t i; json_t *o;
        if (!rc) { json_array_foreach(l, i, o) printf("%s\t%s\n", json_string_value(json_object_get(o, "label")), json_string_value(json_object_get(o, "department"))); json_decref(l); }
    } else { fputs(label_help, stderr); return 2; }
    if (rc) log_error("%s", store_errmsg(st));
    store_close(st);
    return rc ? 1 : 0;
}

static const char words_help[] =
    "usage: minyi words add WORD... [--db URI]     hold messages containing these words for moderators\n"
    "       minyi words import FILE [--db URI]     one word per line\n"
    "       minyi words del ID [--db URI]\n"
    "       minyi words list [--db URI]\n";

static int add_word(store *st, str w, long *added, long *dup) {
    w = str_trim(w);
    if (!w.n) return 0;
    if (!utf8_valid(w.p, w.n)) { log_error("'%.*s' is not valid UTF-8; skipped", (int)w.n, w.p); return 0; }
    int64_t id;
    int rc = st->ops->word_add(st, w, &id);
    if (rc == STORE_CONFLICT) { (*dup)++; return 0; }
    if (rc) { log_error("%s", store_errmsg(st)); return -1; }
    (*added)++;
    return 0;
}

int cmd_words(int argc, char **argv) {
    args a;
    if (parse(argc, argv, &a, words_help)) return 2;
    if (a.npos == 0) { fputs(words_help, stderr); return 2; }
    store *st;
    long added = 0, dup = 0;
    int rc = 0;
    if (!strcmp(a.pos[0], "add") && a.npos >= 2) {
        if (!(st = open_db(a.db))) return 1;
        for (int i = 1; i < a.npos && !rc; i++) rc = add_word(st, str_c(a.pos[i]), &added, &dup);
    } else if (!strcmp(a.pos[0], "import") && a.npos == 2) {
        size_t n;
        char *data = read_file(a.pos[1], &n);
        if (!data) return 1;
        if (!(st = open_db(a.db))) { free(data); return 1; }
        for (char *p = data, *e = data + n; p < e && !rc;) {
            char *nl = memchr(p, '\n', (size_t)(e - p));
            size_t len = nl ? (size_t)(nl - p) : (size_t)(e - p);
            rc = add_word(st, (str){ p, len }, &added, &dup);
            p += len + 1;
        }
        free(data);
    } else if (!strcmp(a.pos[0], "del") && a.npos == 2) {
        char *end;
        long long id = strtoll(a.pos[1], &end, 10);
        if (*end || id <= 0) { log_error("words del: '%s' is not a word id", a.pos[1]); return 2; }
        if (!(st = open_db(a.db))) return 1;
        rc = st->ops->word_del(st, id);
        if (rc == STORE_NOT_FOUND) log_error("no word %lld", id);
        else if (rc) log_error("%s", store_errmsg(st));
        store_close(st);
        return rc ? 1 : 0;
    } else if (!strcmp(a.pos[0], "list") && a.npos == 1) {
        if (!(st = open_db(a.db))) return 1;
        json_t *l;
        rc = st->ops->word_list(st, &l);
        size_t i; json_t *o;
        if (!rc) { json_array_foreach(l, i, o) printf("%lld\t%s\n", (long long)json_integer_value(json_object_get(o, "id")), json_string_value(json_object_get(o, "word"))); json_decref(l); }
        store_close(st);
        return rc ? 1 : 0;
    } else { fputs(words_help, stderr); return 2; }
    store_close(st);
    if (!rc) printf("%ld words added, %ld already listed\n", added, dup);
    return rc ? 1 : 0;
}

static const char analyze_help[] =
    "usage: minyi analyze [--db URI] [--dict FILE] [--workers N] [--batch N] [--quiet]\n\n"
    "Runs the analyzer (sensitive words, spam, near-duplicates, classification\n"
    "and routing, search index, hot-issue counts) over every message not\n"
    "analyzed yet, then exits; a second run takes only messages added since.\n\n"
    "  --workers N   analysis threads (default: one per core)\n"
    "  --batch N     messages per transaction (default 4096)\n"
    "  --quiet       no progress lines\n";

static void count_batch(void *ud, size_t n) { progress_add(ud, 0, n); }

static int positive(const char *v, const char *what, int *out) {
    *out = 0;
    if (!v) return 0;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < 1 || n > 1000000) { fprintf(stderr, "minyi analyze: %s wants a number from 1 to 1000000, not '%s'\n", what, v); return -1; }
    *out = (int)n;
    return 0;
}

int cmd_analyze(int argc, char **argv) {
    args a;
    if (parse(argc, argv, &a, analyze_help)) return 2;
    if (a.npos) { fputs(analyze_help, stderr); return 2; }
    int workers, batch;
    if (positive(a.workers, "--workers", &workers) || positive(a.batch, "--batch", &batch)) return 2;
    store *st = open_db(a.db);
    if (!st) return 1;
    char err[256];
    seg_dict *dict = NULL;
    if (seg_dict_open(a.dict, &dict, err, sizeof err)) {
        if (a.dict) { log_error("%s", err); store_close(st); return 1; }
        log_error("analyze: no segmentation dictionary (%s)", err);
    }
    analyzer *an;
    size_t done = 0;
    progress *pg = progress_new("analyze", a.quiet);
    int rc = analyzer_new(st, dict, &an, err, sizeof err);
    if (rc) log_error("%s", err);
    else {
        progress_stage(pg, "analyze", "messages", 0);
        analyzer_tune(an, workers, batch, count_batch, pg);
        /* The calling thread writes every batch; the analysis threads
         * step back so that it keeps a core (as the import's do). */
        analyzer_helpers_step_back(an, SCHED_HELPERS_BACK);
        rc = analyzer_run(an, &done);
        int64_t moved = 0;
        if (rc) log_error("analyze: %s", store_errmsg(st));
        /* Big groups' merges, recorded by the analysis: their rows moved now. */
        else if ((rc = background_finish_moves(st, &moved))) log_error("analyze: moving merged groups: %s", store_errmsg(st));
        if (moved) fprintf(stderr, "analyze: %lld rows of merged groups moved\n", (long long)moved);
        analyzer_free(an);
    }
    progress_finish(pg);
    progress_free(pg);
    printf("%zu messages analyzed\n", done);
    seg_dict_close(dict);
    store_close(st);
    return rc ? 1 : 0;
}
