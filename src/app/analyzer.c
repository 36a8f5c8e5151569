/* analyzer.c: see analyzer.h. The configuration and the background
 * thread live here; the analysis itself is the pipeline (src/pipeline/),
 * the same code for `minyi serve` and `minyi analyze`. */
#include "app/analyzer.h"
#include "core/log.h"
#include "pipeline/pipeline.h"
#include "http/metrics.h"
#include "text/acmatch.h"
#include "text/classify.h"
#include "text/dedup.h"
#include "text/spam.h"
#include "app/hotlive.h"
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct analyzer {
    store *st;
    const seg_dict *dict;
    /* configuration, reloaded when its version changes */
    int64_t model_id;          /* active classifier, 0 = none */
    cls_model *model;
    cls_ctx *cls;
    json_t *label_map;         /* {label: department_id} */
    char words_version[32];
    acm *words;                /* NULL = no sensitive words */
    double triage, spam;
    bool flood_check;          /* count messages per sender (setting flood_check, default on) */
    int64_t spam_model_id;     /* active naive Bayes spam model, 0 = rules only */
    spam_model *spam_nb;
    spam_rate *rate;           /* recent messages per sender, for floods */
    dedup *dd;                 /* near-duplicate index of every analyzed message */
    bool dd_loaded;
    size_t dd_kept;            /* messages in the index when its image was last kept in the store */
    hotlive *hot;              /* live hot issues; NULL without a dictionary */
    bool hot_loaded;
    int64_t known_upto;        /* highest message id whose analysis dd and hot hold (see catch_up) */
    pipeline *pl;              /* made at the first run (workers, batch) */
    int workers, batch, helper_nice;
    pl_progress_fn on_batch;
    void *on_batch_ud;
    /* thread */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool running, stop, kicked;
    volatile bool has_model;
    int64_t busy_since;        /* monotonic seconds when the queue last went from empty to not; 0 = empty */
};

int analyzer_new(store *st, const seg_dict *dict, analyzer **out, char *err, size_t errlen) {
    analyzer *a = calloc(1, sizeof *a);
    if (!a) { snprintf(err, errlen, "out of memory"); return -1; }
    a->st = st;
    a->dict = dict;
    a->triage = ANALYZER_DEFAULT_TRIAGE;
    a->spam = ANALYZER_DEFAULT_SPAM;
    a->label_map = json_object();
    dedup_cfg cfg;
    dedup_cfg_default(&cfg);
    /* 4096 senders remembered. A sender is an IP unless the message names its
     * author, and many citizens share an IP (NAT, a 12345 call centre typing
     * for callers), so the rate limit is generous: more than 15 messages in
     * 10 minutes starts to count, about 20 reach the default hold threshold;
     * the same text 5 times from one sender does too. */
    if (dedup_new(&cfg, &a->dd) || spam_rate_new(4096, 600, 15, &a->rate)) {
        snprintf(err, errlen, "out of memory");
        dedup_free(a->dd); json_decref(a->label_map); free(a);
        return -1;
    }
    if (dict && hotlive_new(dict, &a->hot)) a->hot = NULL;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    *out = a;
    return 0;
}

static void keep_index(analyzer *a);
static void keep_hot(analyzer *a);

static void drop_model(analyzer *a) {
    cls_ctx_free(a->cls); a->cls = NULL;
    cls_free(a->model); a->model = NULL;
    a->model_id = 0;
    a->has_model = false;
}

void analyzer_free(analyzer *a) {
    if (!a) return;
    analyzer_stop(a);
    if (a->dd_loaded && dedup_nmsgs(a->dd) != a->dd_kept) keep_index(a);
    if (a->hot_loaded && hotlive_changes(a->hot)) keep_hot(a);
    drop_model(a);
    acm_free(a->words);
    spam_model_free(a->spam_nb);
    spam_rate_free(a->rate);
    pipeline_free(a->pl);
    dedup_free(a->dd);
    hotlive_free(a->hot);
    json_decref(a->label_map);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    free(a);
}

bool analyzer_has_model(analyzer *a) { return a && a->has_model; }


hotlive *analyzer_hot(analyzer *a) { return a ? a->hot : NULL; }

/* analyzer_stop was called: a long reload at start gives up (see reload). */
static bool stopping(analyzer *a) { return __atomic_load_n(&a->stop, __ATOMIC_RELAXED); }

#define STOPPED 1   /* a callback's "analyzer_stop was called" */

/* msg_published_after callback: a published, analyzed message back into the live hot issues. */
static int hot_one(void *ud, const store_msg *m) {
    analyzer *a = ud;
    if (stopping(a)) return STOPPED;
    if (m->id > a->known_upto) a->known_upto = m->id;
    return hotlive_add(a->hot, m, m->group_id) ? STORE_ERROR : 0;
}

int analyzer_model_check(const void *data, size_t n, const seg_dict *dict, json_t **meta, char *err, size_t errlen) {
    cls_model *m;
    cls_ctx *ctx;
    char why[256];
    if (cls_load_mem(data, n, &m, why, sizeof why)) { snprintf(err, errlen, "not a usable model file: %s", why); return -1; }
    if (cls_ctx_new(m, dict, &ctx, why, sizeof why)) {
        snprintf(err, errlen, "this program cannot run the model: %s", why);
        cls_free(m);
        return -1;
    }
    cls_ctx_free(ctx);
    json_t *labels = json_array();
    for (int i = 0; i < cls_nlabels(m); i++) json_array_append_new(labels, json_string(cls_label_name(m, i)));
    buf desc = {0};
    cls_describe(m, &desc);
    *meta = json_pack("{s:o,s:s,s:I}", "labels", labels, "header", desc.p ? desc.p : "", "features", (json_int_t)cls_nfeatures(m));
    buf_free(&desc);
    cls_free(m);
    return 0;
}

static double setting_double(store *st, const char *key, double dflt) {
    char v[64];
    if (st->ops->setting_get(st, key, v, sizeof v) != STORE_OK) return dflt;
    char *end;
    double d = strtod(v, &end);
    return *end || d < 0 || d > 1 ? dflt : d;
}

/* "2026-11-29T18:47:01Z" -> seconds since the epoch (0 when unreadable). */
static int64_t parse_time(const char *s) {
    struct tm tm = {0};
    if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
    return (int64_t)timegm(&tm);
}

#define INDEX_STATE "dedup"

/* The near-duplicate index kept in the store with the id of its last
 * message, so the next start loads it and re-adds only the messages
 * analysed since, instead of every message. */
static int keep_piece(void *ud, int (*put)(void *pud, const void *p, size_t n), void *pud) {
    return dedup_save(ud, put, pud);
}

static void keep_index(analyzer *a) {
    size_t n = dedup_nmsgs(a->dd);
    if (!n) return;
    int64_t mark = (int64_t)dedup_msg_ext(a->dd, (uint32_t)(n - 1));
    if (a->st->ops->state_put(a->st, INDEX_STATE, mark, keep_piece, a->dd)) {
        log_error("analyzer: keeping the near-duplicate index: %s (the next start re-adds every message)", store_errmsg(a->st));
        return;
    }
    a->dd_kept = n;
}

static int load_piece(void *ud, const void *p, size_t n) { return dedup_loader_feed(ud, p, n); }

/* The kept image, if there is a usable one: *mark gets its last message id. */
static void load_index(analyzer *a, int64_t *mark) {
    *mark = 0;
    dedup_cfg cfg;
    dedup_cfg_default(&cfg);
    dedup_loader *l;
    if (dedup_loader_new(&cfg, &l)) return;
    int64_t m = 0;
    int rc = a->st->ops->state_get(a->st, INDEX_STATE, &m, load_piece, l);
    dedup *d;
    if (dedup_loader_finish(l, &d)) {
        if (rc != STORE_NOT_FOUND) log_info("analyzer: the kept near-duplicate index is unusable; re-adding every message");
        return;
    }
    if (rc != STORE_OK) { dedup_free(d); return; }
    dedup_free(a->dd);
    a->dd = d;
    a->dd_kept = dedup_nmsgs(d);
    *mark = m;
}

/* group_index callback: re-adds a stored signature to the in-memory index. */
static int index_one(void *ud, int64_t id, int64_t group_id, str author, const char *created_at, const void *sig, size_t n) {
    analyzer *a = ud;
    (void)group_id;
    if (stopping(a)) return STOPPED;
    if (id > a->known_upto) a->known_upto = id;
    if (n != sizeof(dedup_sig)) return 0;       /* written by another version: skip */
    dedup_sig s;
    memcpy(&s, sig, sizeof s);
    dedup_result res;
    return dedup_add(a->dd, &s, (uint64_t)id, dedup_author_key(author.p, author.n), parse_time(created_at), &res);
}

/* The live hot issues kept in the store (hotlive_keep), like the index above. */
static void keep_hot(analyzer *a) {
    if (hotlive_keep(a->hot, a->st))
        log_error("analyzer: keeping the hot issues: %s (the next start re-reads every message)", store_errmsg(a->st));
}

/* Messages another process analysed (a `minyi import` that analyses its
 * rows, `minyi analyze`) after the last this analyzer knows of: into the
 * near-duplicate index and the live hot issues, so that a new message
 * joins an imported campaign without a restart. Each pass looks at the ids
 * above known_upto, where only the messages not analysed yet stand when
 * nobody else analysed any (the intake's newest: a short walk). Messages
 * another process analyses below known_upto (older ones it took first)
 * are not seen before the next start. */
static int catch_up(analyzer *a) {
    int64_t from = a->known_upto;
    if (a->st->ops->group_index(a->st, from, index_one, a)) return stopping(a) ? STOPPED : -1;
    if (a->known_upto == from) return 0;
    if (a->hot && a->hot_loaded && a->st->ops->msg_published_after(a->st, from, hot_one, a)) return stopping(a) ? STOPPED : -1;
    log_info("analyzer: messages %lld-%lld, analysed by another process, added to the near-duplicate index and the hot issues",
             (long long)from + 1, (long long)a->known_upto);
    return 0;
}

/* Re-reads what admins may have changed. Cheap when nothing did. At the
 * first run it also rebuilds the near-duplicate index and the live hot
 * issues, from their kept images and the messages after them (every
 * message when an image is missing or unusable): that may take minutes
 * at national scale, so it gives up when analyzer_stop is called
 * (returns STOPPED; the state stays unloaded and no image is kept). */
static int reload(analyzer *a) {
    store *st = a->st;
    a->triage = setting_double(st, "triage_threshold", ANALYZER_DEFAULT_TRIAGE);
    a->spam = setting_double(st, "spam_threshold", ANALYZER_DEFAULT_SPAM);
    a->flood_check = setting_double(st, "flood_check", 1) >= 0.5;

    /* Models are megabytes: look at the active id first, read the bytes only when it changed. */
    int64_t id = 0; void *data = NULL; size_t n = 0;
    int rc = st->ops->model_active_id(st, "classifier", &id);
    if (rc == STORE_OK && id != a->model_id) rc = st->ops->model_active(st, "classifier", &id, &data, &n);
    else if (rc == STORE_OK) rc = 1;   /* unchanged */
    if (rc == STORE_NOT_FOUND) { if (a->model) { drop_model(a); log_info("analyzer: no active classifier; keyword routing"); } }
    else if (rc < 0) return -1;
    if (rc == STORE_OK) {
        char err[256];
        cls_model *m = NULL; cls_ctx *c = NULL;
        if (cls_load_mem(data, n, &m, err, sizeof err) || cls_ctx_new(m, a->dict, &c, err, sizeof err)) {
            log_error("analyzer: model %lld cannot be used: %s", (long long)id, err);
            cls_free(m);
            drop_model(a);
            a->model_id = id;          /* don't retry the same broken model every pass */
        } else {
            drop_model(a);
            a->model = m; a->cls = c; a->model_id = id; a->has_model = true;
            log_info("analyzer: classifier %lld active (%d labels)", (long long)id, cls_nlabels(m));
        }
    }
    free(data);

    json_t *map;
    if (st->ops->label_map_list(st, &map) == STORE_OK) {
        json_t *o = json_object();
        size_t i; json_t *e;
        json_array_foreach(map, i, e)
            json_object_set(o, json_string_value(json_object_get(e, "label")), json_object_get(e, "department_id"));
        json_decref(map);
        json_decref(a->label_map);
        a->label_map = o;
    }

    data = NULL;
    rc = st->ops->model_active_id(st, "spam", &id);
    if (rc == STORE_OK && id != a->spam_model_id) rc = st->ops->model_active(st, "spam", &id, &data, &n);
    else if (rc == STORE_OK) rc = 1;   /* unchanged */
    if (rc == STORE_NOT_FOUND) { spam_model_free(a->spam_nb); a->spam_nb = NULL; a->spam_model_id = 0; }
    else if (rc < 0) return -1;
    if (rc == STORE_OK) {
        char err[256];
        spam_model *m = NULL;
        if (spam_model_load_mem(data, n, &m, err, sizeof err)) log_error("analyzer: spam model %lld cannot be used: %s", (long long)id, err);
        else { spam_model_free(a->spam_nb); a->spam_nb = m; log_info("analyzer: spam model %lld active", (long long)id); }
        a->spam_model_id = id;
    }
    if (rc == STORE_OK) free(data);


    if (a->dd_loaded && (!a->hot || a->hot_loaded) && (rc = catch_up(a))) return rc;

    if (a->hot && !a->hot_loaded) {
        /* First: the hot issues are public, the index only serves new
         * messages. The whole image, not a rebuild of the recent weeks:
         * issues and what was learned (place names, word counts) span all
         * time, so only the image gives the answer the server had. */
        int64_t mark;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        hotlive_load(a->hot, st, &mark);
        if (mark > a->known_upto) a->known_upto = mark;
        size_t kept = hotlive_size(a->hot);
        rc = st->ops->msg_published_after(st, mark, hot_one, a);
        if (rc == STOPPED) return STOPPED;
        if (rc) return -1;
        a->hot_loaded = true;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        log_info("analyzer: hot issues: %zu messages (%zu from the kept image, %zu re-added) in %.2f s",
                 hotlive_size(a->hot), kept, hotlive_size(a->hot) - kept,
                 (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    }

    if (!a->dd_loaded) {
        int64_t mark;
        load_index(a, &mark);
        if (mark > a->known_upto) a->known_upto = mark;
        size_t kept = dedup_nmsgs(a->dd);
        if (st->ops->group_index(st, mark, index_one, a)) return stopping(a) ? STOPPED : -1;
        a->dd_loaded = true;
        log_info("analyzer: near-duplicate index: %zu messages in %zu groups (%zu from the kept image, %zu re-added; %.0f bytes a message)",
                 dedup_nmsgs(a->dd), dedup_ngroups(a->dd), kept, dedup_nmsgs(a->dd) - kept,
                 dedup_nmsgs(a->dd) ? (double)dedup_memory(a->dd) / (double)dedup_nmsgs(a->dd) : 0.0);
    }

    char ver[32] = "0";
    st->ops->setting_get(st, "words_version", ver, sizeof ver);
    if (strcmp(ver, a->words_version)) {
        json_t *list;
        if (st->ops->word_list(st, &list)) return -1;
        size_t nw = json_array_size(list);
        str *pats = calloc(nw ? nw : 1, sizeof *pats);
        for (size_t i = 0; i < nw; i++) {
            json_t *w = json_object_get(json_array_get(list, i), "word");
            pats[i] = (str){ json_string_value(w), json_string_length(w) };
        }
        acm *m = NULL;
        char err[256];
        if (nw && acm_build(pats, nw, &m, err, sizeof err)) log_error("analyzer: sensitive words: %s", err);
        else { acm_free(a->words); a->words = m; }
        free(pats);
        json_decref(list);
        snprintf(a->words_version, sizeof a->words_version, "%s", ver);
    }
    return 0;
}

void analyzer_tune(analyzer *a, int workers, int batch, pl_progress_fn on_batch, void *ud) {
    a->workers = workers;
    a->batch = batch;
    a->on_batch = on_batch;
    a->on_batch_ud = ud;
    if (a->pl) pipeline_on_batch(a->pl, on_batch, ud);
}

void analyzer_helpers_step_back(analyzer *a, int by) { a->helper_nice = by; }

static int64_t mono_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec;
}

double analyzer_lag(analyzer *a) {
    if (!a) return 0;
    int64_t b = __atomic_load_n(&a->busy_since, __ATOMIC_RELAXED);
    return b ? (double)(mono_now() - b) : 0;
}

int analyzer_run(analyzer *a, size_t *done) { return analyzer_run_source(a, NULL, done); }

int analyzer_run_source(analyzer *a, const pl_source *src, size_t *done) {
    *done = 0;
    int r = reload(a);
    if (r == STOPPED) return 0;
    if (r) return -1;
    if (!a->pl) {
        if (pipeline_new(a->workers, a->batch, &a->pl)) { log_error("analyzer: out of memory"); return -1; }
        pipeline_on_batch(a->pl, a->on_batch, a->on_batch_ud);
    }
    pl_config cfg = {
        .dict = a->dict, .model = a->cls ? a->model : NULL, .model_id = a->model_id, .label_map = a->label_map,
        .words = a->words, .spam_nb = a->spam_nb, .triage = a->triage, .spam = a->spam,
        .flood_check = a->flood_check, .dd = a->dd, .rate = a->rate, .hot = a->hot,
        .helper_nice = a->helper_nice,
    };
    __atomic_store_n(&a->busy_since, mono_now(), __ATOMIC_RELAXED);
    int rc = pipeline_run_source(a->pl, a->st, &cfg, src, done);
    if (pipeline_last_id(a->pl) > a->known_upto) a->known_upto = pipeline_last_id(a->pl);
    metrics_add(METRIC_ANALYZED, *done);
    /* Keep the index image once it has grown by an eighth since the last
     * one: writing it costs about as much as re-adding that eighth. */
    size_t n = dedup_nmsgs(a->dd);
    if (!rc && n - a->dd_kept >= 10000 && (n - a->dd_kept) * 8 >= n) keep_index(a);
    /* The hot issues likewise: by messages and supports since the last image. */
    uint64_t hc = a->hot_loaded ? hotlive_changes(a->hot) : 0;
    if (!rc && hc >= 10000 && hc * 8 >= hotlive_size(a->hot)) keep_hot(a);
    __atomic_store_n(&a->busy_since, 0, __ATOMIC_RELAXED);
    return rc;
}

#define GATHER_MS 100   /* see thread_main */

static void *thread_main(void *arg) {
    analyzer *a = arg;
    pthread_mutex_lock(&a->mu);
    while (!a->stop) {
        a->kicked = false;
        pthread_mutex_unlock(&a->mu);
        size_t done;
        if (analyzer_run(a, &done)) { metrics_count(METRIC_DB_ERRORS); log_error("analyzer: %s (will retry)", store_errmsg(a->st)); }
        pthread_mutex_lock(&a->mu);
        if (a->stop) continue;
        if (a->kicked && done) {
            /* Busy intake kicks on every message: gather for a moment so a
             * run takes a batch, not a handful (each run is a transaction
             * that holds the writers' lock, and has its fixed costs). */
            struct timespec t;
            clock_gettime(CLOCK_REALTIME, &t);
            t.tv_nsec += GATHER_MS * 1000000L;
            if (t.tv_nsec >= 1000000000L) { t.tv_sec++; t.tv_nsec -= 1000000000L; }
            while (!a->stop && pthread_cond_timedwait(&a->cv, &a->mu, &t) == 0) {}
            continue;
        }
        if (a->kicked) continue;
        /* Wake on a kick, or every second: other nodes may have added messages or changed settings. */
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_sec += 1;
        pthread_cond_timedwait(&a->cv, &a->mu, &t);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

int analyzer_start(analyzer *a) {
    if (a->running) return 0;
    a->stop = false;
    if (pthread_create(&a->thread, NULL, thread_main, a)) return -1;
    a->running = true;
    return 0;
}

void analyzer_kick(analyzer *a) {
    if (!a) return;
    pthread_mutex_lock(&a->mu);
    a->kicked = true;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

void analyzer_stop(analyzer *a) {
    if (!a->running) return;
    pthread_mutex_lock(&a->mu);
    __atomic_store_n(&a->stop, true, __ATOMIC_RELAXED);
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->thread, NULL);
    a->running = false;
}
