/* analyzer.c: see analyzer.h. One thread; each message costs microseconds
 * (segmentation, automaton, linear model), so one core keeps up with far
 * more than the HTTP intake can commit. */
#include "app/analyzer.h"
#include "core/log.h"
#include "text/acmatch.h"
#include "text/classify.h"
#include <pthread.h>
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
    /* thread */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool running, stop, kicked;
    volatile bool has_model;
};

int analyzer_new(store *st, const seg_dict *dict, analyzer **out, char *err, size_t errlen) {
    analyzer *a = calloc(1, sizeof *a);
    if (!a) { snprintf(err, errlen, "out of memory"); return -1; }
    a->st = st;
    a->dict = dict;
    a->triage = ANALYZER_DEFAULT_TRIAGE;
    a->spam = ANALYZER_DEFAULT_SPAM;
    a->label_map = json_object();
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    *out = a;
    return 0;
}

static void drop_model(analyzer *a) {
    cls_ctx_free(a->cls); a->cls = NULL;
    cls_free(a->model); a->model = NULL;
    a->model_id = 0;
    a->has_model = false;
}

void analyzer_free(analyzer *a) {
    if (!a) return;
    analyzer_stop(a);
    drop_model(a);
    acm_free(a->words);
    json_decref(a->label_map);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    free(a);
}

bool analyzer_has_model(analyzer *a) { return a && a->has_model; }

static double setting_double(store *st, const char *key, double dflt) {
    char v[64];
    if (st->ops->setting_get(st, key, v, sizeof v) != STORE_OK) return dflt;
    char *end;
    double d = strtod(v, &end);
    return *end || d < 0 || d > 1 ? dflt : d;
}

/* Re-reads what admins may have changed. Cheap when nothing did. */
static int reload(analyzer *a) {
    store *st = a->st;
    a->triage = setting_double(st, "triage_threshold", ANALYZER_DEFAULT_TRIAGE);
    a->spam = setting_double(st, "spam_threshold", ANALYZER_DEFAULT_SPAM);

    int64_t id = 0; void *data = NULL; size_t n = 0;
    int rc = st->ops->model_active(st, "classifier", &id, &data, &n);
    if (rc == STORE_NOT_FOUND) { if (a->model) { drop_model(a); log_info("analyzer: no active classifier; keyword routing"); } }
    else if (rc) return -1;
    if (rc == STORE_OK && id != a->model_id) {
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

/* Sensitive-word matches of one field, appended to spans as
 * {"field","word","off","len"} (byte offsets in the field). */
static void find_words(analyzer *a, const char *field, const char *s, json_t *spans) {
    if (!a->words || !s) return;
    acm_match m[64];
    size_t total = acm_find(a->words, s, strlen(s), m, 64);
    for (size_t i = 0; i < total && i < 64; i++) {
        str w = acm_pattern(a->words, m[i].pattern);
        json_array_append_new(spans, json_pack("{s:s,s:s%,s:I,s:I,s:s%}", "field", field, "word", w.p, w.n,
                                               "off", (json_int_t)m[i].off, "len", (json_int_t)m[i].len,
                                               "text", s + m[i].off, m[i].len));
    }
}

static int analyze_one(analyzer *a, const store_msg *m) {
    store_analysis an = { .confidence = -1 };
    json_t *reason = json_object();
    json_t *spans = json_array();
    find_words(a, "title", m->title, spans);
    find_words(a, "body", m->body, spans);
    if (json_array_size(spans)) { json_object_set(reason, "sensitive", spans); an.hold = true; }
    json_decref(spans);

    cls_pred p;
    if (a->cls && cls_classify(a->cls, str_c(m->title), str_c(m->body), &p, 1) == 1) {
        an.label = p.name;
        an.confidence = p.conf;
        json_t *dept = json_object_get(a->label_map, p.name);
        an.route = true;
        an.route_by = "model";
        /* Below the threshold, or a label no department takes: triage. */
        an.department_id = (p.conf >= a->triage && dept) ? json_integer_value(dept) : 0;
    }
    if (an.hold) an.hold_reason = reason;
    int rc = a->st->ops->msg_analyzed(a->st, m->id, &an);
    json_decref(reason);
    return rc;
}

int analyzer_run(analyzer *a, size_t *done) {
    *done = 0;
    if (reload(a)) return -1;
    for (;;) {
        store_msg *batch; size_t n;
        if (a->st->ops->msg_pending(a->st, 256, &batch, &n)) return -1;
        int rc = 0;
        for (size_t i = 0; i < n; i++) {
            if (!rc && analyze_one(a, &batch[i])) {
                log_error("analyzer: message %lld: %s", (long long)batch[i].id, store_errmsg(a->st));
                rc = -1;
            } else if (!rc) (*done)++;
            store_msg_clear(&batch[i]);
        }
        free(batch);
        if (rc) return rc;
        if (n < 256) return 0;
    }
}

static void *thread_main(void *arg) {
    analyzer *a = arg;
    pthread_mutex_lock(&a->mu);
    while (!a->stop) {
        a->kicked = false;
        pthread_mutex_unlock(&a->mu);
        size_t done;
        if (analyzer_run(a, &done)) log_error("analyzer: %s (will retry)", store_errmsg(a->st));
        pthread_mutex_lock(&a->mu);
        if (a->stop || a->kicked) continue;
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
    a->stop = true;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->thread, NULL);
    a->running = false;
}
