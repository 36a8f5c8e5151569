/* analyzer.c: see analyzer.h. One thread; each message costs microseconds
 * (segmentation, automaton, linear model), so one core keeps up with far
 * more than the HTTP intake can commit. */
#include "app/analyzer.h"
#include "core/log.h"
#include "http/metrics.h"
#include "text/acmatch.h"
#include "text/classify.h"
#include "text/dedup.h"
#include "text/keywords.h"
#include "app/hotlive.h"
#include "text/spam.h"
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
    bool flood_check;          /* count messages per sender (setting flood_check, default on) */
    int64_t spam_model_id;     /* active naive Bayes spam model, 0 = rules only */
    spam_model *spam_nb;
    spam_rate *rate;           /* recent messages per sender, for floods */
    dedup *dd;                 /* near-duplicate index of every analyzed message */
    bool dd_loaded;
    buf text;                  /* title + body scratch */
    kw_ctx *kw;                /* keywords for hot issues; NULL without a dictionary */
    hotlive *hot;              /* live hot issues; NULL without a dictionary */
    bool hot_loaded;
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
    if (dict && kw_ctx_new(dict, &a->kw)) a->kw = NULL;   /* no hot keywords, everything else works */
    if (dict && hotlive_new(dict, &a->hot)) a->hot = NULL;
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
    spam_model_free(a->spam_nb);
    spam_rate_free(a->rate);
    dedup_free(a->dd);
    buf_free(&a->text);
    kw_ctx_free(a->kw);
    hotlive_free(a->hot);
    json_decref(a->label_map);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    free(a);
}

bool analyzer_has_model(analyzer *a) { return a && a->has_model; }

hotlive *analyzer_hot(analyzer *a) { return a ? a->hot : NULL; }

/* msg_each callback: a published, analyzed message back into the live hot issues. */
static int hot_one(void *ud, const store_msg *m, const char *reply, const char *replied_at) {
    analyzer *a = ud;
    (void)reply; (void)replied_at;
    if (!m->analyzed || !strcmp(m->moderation, "held") || !strcmp(m->moderation, "rejected")) return 0;
    return hotlive_add(a->hot, m, m->group_id);
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

/* group_index callback: re-adds a stored signature to the in-memory index. */
static int index_one(void *ud, int64_t id, int64_t group_id, str author, const char *created_at, const void *sig, size_t n) {
    analyzer *a = ud;
    (void)group_id;
    if (n != sizeof(dedup_sig)) return 0;       /* written by another version: skip */
    dedup_sig s;
    memcpy(&s, sig, sizeof s);
    dedup_result res;
    return dedup_add(a->dd, &s, (uint64_t)id, dedup_author_key(author.p, author.n), parse_time(created_at), &res);
}

/* Re-reads what admins may have changed. Cheap when nothing did. */
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

    if (!a->dd_loaded) {
        if (st->ops->group_index(st, index_one, a)) return -1;
        a->dd_loaded = true;
        log_info("analyzer: near-duplicate index: %zu messages in %zu groups", dedup_nmsgs(a->dd), dedup_ngroups(a->dd));
    }

    if (a->hot && !a->hot_loaded) {
        if (st->ops->msg_each(st, 0, hot_one, a)) return -1;
        a->hot_loaded = true;
        log_info("analyzer: hot issues: %zu messages", hotlive_size(a->hot));
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
    /* A moderator's approval stands: the message is analyzed again only to be routed. */
    bool approved = !strcmp(m->moderation, "approved");
    if (json_array_size(spans) && !approved) { json_object_set(reason, "sensitive", spans); an.hold = true; }
    json_decref(spans);

    /* Near-duplicates: the message joins the group of its closest earlier twin. */
    buf_reset(&a->text);
    if (buf_puts(&a->text, m->title ? m->title : "") || buf_putc(&a->text, '\n') || buf_puts(&a->text, m->body ? m->body : "")) {
        json_decref(reason); return -1;
    }
    dedup_sig sig;
    dedup_signature(a->text.p, a->text.n, &sig);
    const char *who = m->author && *m->author ? m->author : m->author_ip;
    /* A message analyzed before (back from moderation) is in the index and
     * the flood counts already: keep its group, count nothing twice. */
    bool again = m->group_id != 0;
    dedup_result dr;
    dedup_group g;
    int64_t merged[DEDUP_MAX_MERGE];
    if (again) an.group_id = m->group_id;
    else if (dedup_add(a->dd, &sig, (uint64_t)m->id, dedup_author_key(who, strlen(who)), parse_time(m->created_at), &dr) == 0
             && dedup_group_get(a->dd, dr.group, &g) == 0) {
        an.group_id = (int64_t)dedup_msg_ext(a->dd, g.rep);
        an.dedup_sig = &sig;
        an.dedup_sig_len = sizeof sig;
        /* Groups it bridged: stored under their first message's id, as every group. */
        for (uint32_t i = 0; i < dr.nmerged; i++) merged[an.nmerged++] = (int64_t)dr.merged_ext[i];
        an.merged = merged;
    }

    /* Spam: rules + the moderators' model, and floods from one sender. */
    spam_result sr;
    size_t tn = m->title ? strlen(m->title) : 0, bn = m->body ? strlen(m->body) : 0;
    spam_score(a->spam_nb, m->title ? m->title : "", tn, m->body ? m->body : "", bn, &sr);
    spam_rate_info ri = {0};
    if (*who && !again && a->flood_check) spam_rate_hit(a->rate, dedup_author_key(who, strlen(who)), sig.exact, parse_time(m->created_at), &ri);
    double score = sr.score;
    if (ri.flood > score) score = ri.flood;
    if (ri.flood > 0) sr.flags |= SPAM_F_FLOOD;
    an.spam_score = score;
    if (score >= a->spam && !approved) {
        char flags[128];
        json_object_set_new(reason, "spam", json_pack("{s:f,s:s,s:f}", "score", score,
                                                      "signals", spam_flags_str(sr.flags, flags, sizeof flags),
                                                      "flood", (double)ri.flood));
        an.hold = true;
    }

    /* Hot issues: the five strongest keywords of each published message,
     * counted for its day; a held message counts once a moderator approves it. */
    if (a->kw && !an.hold && (!again || approved)) {
        const kw_item *it;
        long k = kw_extract(a->kw, a->text.p, a->text.n, 5, KW_TFIDF, &it);
        str words[5];
        size_t nw = 0;
        for (long i = 0; i < k && i < 5; i++) {
            str w = { a->text.p + it[i].off, it[i].len };
            /* Numbers and Latin fragments (years, "A3", "img") are not issues: keep words with a non-ASCII letter. */
            bool cjk = false;
            for (size_t j = 0; j < w.n && !cjk; j++) cjk = (unsigned char)w.p[j] >= 0x80;
            if (cjk) words[nw++] = w;
        }
        char day[11];
        snprintf(day, sizeof day, "%.10s", m->created_at);
        if (nw && a->st->ops->keywords_add(a->st, day, words, nw)) { json_decref(reason); return -1; }
    }
    if (a->hot && !an.hold && (!again || approved) && hotlive_add(a->hot, m, an.group_id)) { json_decref(reason); return -1; }

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

typedef struct { analyzer *a; store_msg *msgs; size_t n; } batch_arg;

static int analyze_batch(store *st, void *arg) {
    batch_arg *b = arg;
    for (size_t i = 0; i < b->n; i++)
        if (analyze_one(b->a, &b->msgs[i])) {
            log_error("analyzer: message %lld: %s", (long long)b->msgs[i].id, store_errmsg(st));
            return STORE_ERROR;
        }
    return STORE_OK;
}

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

int analyzer_run(analyzer *a, size_t *done) {
    *done = 0;
    if (reload(a)) return -1;
    for (;;) {
        store_msg *msgs; size_t n;
        if (a->st->ops->msg_pending(a->st, 256, &msgs, &n)) return -1;
        if (n && !__atomic_load_n(&a->busy_since, __ATOMIC_RELAXED)) __atomic_store_n(&a->busy_since, mono_now(), __ATOMIC_RELAXED);
        /* One transaction per batch: a commit (an fsync) per message would
         * make the analyzer, not the analysis, the bottleneck. */
        batch_arg b = { a, msgs, n };
        int rc = n ? a->st->ops->batch(a->st, analyze_batch, &b) : STORE_OK;
        for (size_t i = 0; i < n; i++) store_msg_clear(&msgs[i]);
        free(msgs);
        if (rc) return -1;
        *done += n;
        metrics_add(METRIC_ANALYZED, n);
        if (n < 256) { __atomic_store_n(&a->busy_since, 0, __ATOMIC_RELAXED); return 0; }
    }
}

static void *thread_main(void *arg) {
    analyzer *a = arg;
    pthread_mutex_lock(&a->mu);
    while (!a->stop) {
        a->kicked = false;
        pthread_mutex_unlock(&a->mu);
        size_t done;
        if (analyzer_run(a, &done)) { metrics_count(METRIC_DB_ERRORS); log_error("analyzer: %s (will retry)", store_errmsg(a->st)); }
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
