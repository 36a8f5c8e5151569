/* pipeline.c: see pipeline.h. Worker threads take chunks of the batch
 * being analysed under one mutex (a chunk is tens of messages, so the lock
 * is taken a few hundred times a second); the calling thread applies the
 * previous batch meanwhile, then helps with what is left of the analysis. */
#include "pipeline/pipeline.h"
#include "core/log.h"
#include "text/keywords.h"
#include "app/hotlive.h"
#include "core/sched.h"
#include "store/fts.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 32
#define DEFAULT_BATCH 4096
#define NKW 5                      /* keywords per message counted for hot issues */

/* One message through the stages. */
typedef struct {
    const store_msg *m;
    char *text; size_t tn;         /* title "\n" body: what signatures and keywords read */
    dedup_sig sig;
    spam_result sr;
    json_t *spans;                 /* sensitive-word matches; NULL = none */
    uint32_t kw_off[NKW], kw_len[NKW];
    int nkw;
    bool has_pred;
    cls_pred pred;
    int64_t t;                     /* created_at in seconds */
    int64_t merged[DEDUP_MAX_MERGE];   /* groups this message bridged (their first messages' ids) */
    void *search_words; size_t search_len;   /* fts_words_ahead's, for the writer's search index; NULL = none */
    bool hot;                      /* counted for the live hot issues (hot stage) */
    bool oom;
} item;

/* A thread's scratch: segmentation for keywords and the classifier's. */
typedef struct {
    kw_ctx *kw; const seg_dict *kw_dict;
    cls_ctx *cls; const cls_model *cls_model;
} scratch;

typedef struct {
    store_msg *msgs;
    item *items;
    size_t n;
    const pl_source *src;          /* NULL: the store's pending messages */
    void *tag;                     /* src's own for the batch */
} batch;

struct pipeline {
    int nworkers, batch;
    pthread_t *threads;
    scratch *sc;                   /* nworkers + 1: the last is the calling thread's */
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    /* the batch being analysed; guarded by mu */
    const pl_config *cfg;
    item *items;
    size_t n, next, remaining;
    bool stop;
    pl_progress_fn fn;
    void *ud;
    int64_t last_id;               /* highest message id applied (the calling thread's) */
};

/* "2026-11-29T18:47:01Z" -> seconds since the epoch (0 when unreadable). */
static int64_t parse_time(const char *s) {
    struct tm tm = {0};
    if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
    return (int64_t)timegm(&tm);
}

/* Sensitive-word matches of one field, appended to *spans as
 * {"field","word","off","len","text"} (byte offsets in the field). */
static void find_words(const acm *words, const char *field, const char *s, json_t **spans) {
    if (!words || !s) return;
    acm_match m[64];
    size_t total = acm_find(words, s, strlen(s), m, 64);
    for (size_t i = 0; i < total && i < 64; i++) {
        str w = acm_pattern(words, m[i].pattern);
        if (!*spans) *spans = json_array();
        json_array_append_new(*spans, json_pack("{s:s,s:s%,s:I,s:I,s:s%}", "field", field, "word", w.p, w.n,
                                                "off", (json_int_t)m[i].off, "len", (json_int_t)m[i].len,
                                                "text", s + m[i].off, m[i].len));
    }
}

static int scratch_fit(scratch *sc, const pl_config *cfg) {
    if (sc->kw_dict != cfg->dict) {
        kw_ctx_free(sc->kw); sc->kw = NULL;
        sc->kw_dict = cfg->dict;
        if (cfg->dict && kw_ctx_new(cfg->dict, &sc->kw)) sc->kw = NULL;   /* no hot keywords; the rest works */
    }
    if (sc->cls_model != cfg->model) {
        cls_ctx_free(sc->cls); sc->cls = NULL;
        sc->cls_model = cfg->model;
        char err[256];
        if (cfg->model && cls_ctx_new(cfg->model, cfg->dict, &sc->cls, err, sizeof err)) {
            log_error("pipeline: classifier context: %s", err);
            sc->cls = NULL;
        }
    }
    return 0;
}

static void scratch_clear(scratch *sc) {
    kw_ctx_free(sc->kw);
    cls_ctx_free(sc->cls);
    memset(sc, 0, sizeof *sc);
}

/* The stage that needs no other message: any thread, any order. */
static void analyse(scratch *sc, const pl_config *cfg, item *it) {
    const store_msg *m = it->m;
    const char *title = m->title ? m->title : "", *body = m->body ? m->body : "";
    size_t tn = strlen(title), bn = strlen(body);
    it->text = malloc(tn + bn + 2);
    if (!it->text) { it->oom = true; return; }
    memcpy(it->text, title, tn);
    it->text[tn] = '\n';
    memcpy(it->text + tn + 1, body, bn);
    it->text[tn + bn + 1] = 0;
    it->tn = tn + bn + 1;
    find_words(cfg->words, "title", m->title, &it->spans);
    find_words(cfg->words, "body", m->body, &it->spans);
    dedup_signature(it->text, it->tn, &it->sig);
    /* The search index's segmentation here, not on the thread that writes (none: it segments itself). */
    if (fts_words_ahead(title, tn, body, bn, &it->search_words, &it->search_len)) it->search_words = NULL;
    spam_score(cfg->spam_nb, title, tn, body, bn, &it->sr);
    it->t = parse_time(m->created_at);
    if (sc->kw) {
        const kw_item *k;
        long nk = kw_extract(sc->kw, it->text, it->tn, NKW, KW_TFIDF, &k);
        if (nk < 0) { it->oom = true; return; }
        for (long i = 0; i < nk && it->nkw < NKW; i++) {
            /* Numbers and Latin fragments (years, "A3", "img") are not issues: keep words with a non-ASCII letter. */
            bool cjk = false;
            for (size_t j = 0; j < k[i].len && !cjk; j++) cjk = (unsigned char)it->text[k[i].off + j] >= 0x80;
            if (cjk) { it->kw_off[it->nkw] = k[i].off; it->kw_len[it->nkw] = k[i].len; it->nkw++; }
        }
    }
    if (sc->cls && cls_classify(sc->cls, str_c(m->title), str_c(m->body), &it->pred, 1) == 1) it->has_pred = true;
}

/* Takes chunks of the current batch until none is left. Called with mu held; returns with it held. */
static void drain(pipeline *p, scratch *sc) {
    while (p->items && p->next < p->n) {
        size_t i = p->next, end = i + CHUNK < p->n ? i + CHUNK : p->n;
        p->next = end;
        item *items = p->items;
        const pl_config *cfg = p->cfg;
        pthread_mutex_unlock(&p->mu);
        scratch_fit(sc, cfg);
        for (size_t k = i; k < end; k++) analyse(sc, cfg, &items[k]);
        pthread_mutex_lock(&p->mu);
        p->remaining -= end - i;
        if (!p->remaining) pthread_cond_broadcast(&p->done);
    }
}

static void *worker_main(void *arg) {
    pipeline *p = ((void **)arg)[0];
    scratch *sc = ((void **)arg)[1];
    free(arg);
    int base = sched_nice_now();
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        if (p->items && p->cfg->helper_nice > 0) sched_step_back(base, p->cfg->helper_nice);
        drain(p, sc);
        if (!p->stop) pthread_cond_wait(&p->work, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int pipeline_new(int workers, int batch, pipeline **out) {
    *out = NULL;
    if (workers <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        workers = n > 0 ? (int)n : 1;
    }
    if (workers > 64) workers = 64;
    pipeline *p = calloc(1, sizeof *p);
    if (!p) return -1;
    p->batch = batch > 0 ? batch : DEFAULT_BATCH;
    p->threads = calloc((size_t)workers, sizeof *p->threads);
    p->sc = calloc((size_t)workers + 1, sizeof *p->sc);
    if (!p->threads || !p->sc) { free(p->threads); free(p->sc); free(p); return -1; }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    for (int i = 0; i < workers; i++) {
        void **arg = malloc(2 * sizeof *arg);
        if (!arg) break;
        arg[0] = p; arg[1] = &p->sc[i];
        if (pthread_create(&p->threads[i], NULL, worker_main, arg)) { free(arg); break; }
        p->nworkers++;
    }
    *out = p;
    return 0;
}

void pipeline_free(pipeline *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nworkers; i++) pthread_join(p->threads[i], NULL);
    for (int i = 0; i <= p->nworkers; i++) scratch_clear(&p->sc[i]);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    free(p->threads);
    free(p->sc);
    free(p);
}

void pipeline_on_batch(pipeline *p, pl_progress_fn fn, void *ud) { p->fn = fn; p->ud = ud; }

int64_t pipeline_last_id(const pipeline *p) { return p ? p->last_id : 0; }

static void submit(pipeline *p, const pl_config *cfg, batch *b) {
    pthread_mutex_lock(&p->mu);
    p->cfg = cfg;
    p->items = b->items;
    p->n = b->n;
    p->next = 0;
    p->remaining = b->n;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
}

/* Helps with the current batch, then waits for the workers' last chunks. */
static void wait_batch(pipeline *p) {
    pthread_mutex_lock(&p->mu);
    drain(p, &p->sc[p->nworkers]);
    while (p->remaining) pthread_cond_wait(&p->done, &p->mu);
    p->items = NULL;
    pthread_mutex_unlock(&p->mu);
}

static void batch_free(batch *b) {
    for (size_t i = 0; i < b->n; i++) {
        free(b->items[i].text);
        free(b->items[i].search_words);
        json_decref(b->items[i].spans);
        store_msg_clear(&b->msgs[i]);
    }
    free(b->items);
    free(b->msgs);
    if (b->src && b->tag) b->src->release(b->src->ud, b->tag);
    memset(b, 0, sizeof *b);
}

static int read_batch(pipeline *p, store *st, const pl_source *src, int64_t after, batch *b) {
    memset(b, 0, sizeof *b);
    b->src = src;
    if (src ? src->next(src->ud, p->batch, &b->msgs, &b->n, &b->tag) : st->ops->msg_pending(st, after, p->batch, &b->msgs, &b->n)) {
        if (src && b->tag) src->release(src->ud, b->tag);
        return -1;
    }
    b->items = calloc(b->n ? b->n : 1, sizeof *b->items);
    if (!b->items) {
        for (size_t i = 0; i < b->n; i++) store_msg_clear(&b->msgs[i]);
        free(b->msgs);
        if (src && b->tag) src->release(src->ud, b->tag);
        memset(b, 0, sizeof *b);
        return -1;
    }
    for (size_t i = 0; i < b->n; i++) b->items[i].m = &b->msgs[i];
    return 0;
}

/* A keyword of one message for its day, before the batch's counts are merged. */
typedef struct { str word; const char *day; } kw_hit;

static int cmp_hit(const void *a, const void *b) {
    const kw_hit *x = a, *y = b;
    int c = strncmp(x->day, y->day, 10);
    if (c) return c;
    size_t n = x->word.n < y->word.n ? x->word.n : y->word.n;
    c = memcmp(x->word.p, y->word.p, n);
    return c ? c : (x->word.n > y->word.n) - (x->word.n < y->word.n);
}

/* A batch through the order stage, ready to apply. */
typedef struct {
    batch b;
    store_analysis *an;
    json_t **reasons;
    kw_hit *hits;
    store_kw_count *kw;
    size_t nkw;
    const pl_config *cfg;
    int rc;
} ordered;

static void ordered_free(ordered *o) {
    for (size_t i = 0; o->reasons && i < o->b.n; i++) json_decref(o->reasons[i]);
    free(o->reasons); free(o->an); free(o->hits); free(o->kw);
    batch_free(&o->b);
    memset(o, 0, sizeof *o);
}

/* The stage that needs the earlier messages: one thread, message order. */
static void order(ordered *o) {
    batch *b = &o->b;
    const pl_config *cfg = o->cfg;
    o->an = calloc(b->n ? b->n : 1, sizeof *o->an);
    o->reasons = calloc(b->n ? b->n : 1, sizeof *o->reasons);
    o->hits = calloc(b->n * NKW + 1, sizeof *o->hits);
    o->kw = calloc(b->n * NKW + 1, sizeof *o->kw);
    size_t nhits = 0;
    o->rc = o->an && o->reasons && o->hits && o->kw ? 0 : -1;
    for (size_t i = 0; i < b->n && !o->rc; i++) {
        item *it = &b->items[i];
        const store_msg *m = it->m;
        store_analysis *a = &o->an[i];
        if (it->oom) { o->rc = -1; break; }
        a->id = m->id;
        a->confidence = -1;
        a->search_words = it->search_words;
        a->search_words_len = it->search_len;
        json_t *reason = o->reasons[i] = json_object();
        /* A moderator's approval stands: the message is analyzed again only to be routed. */
        bool approved = !strcmp(m->moderation, "approved");
        if (it->spans && !approved) { json_object_set(reason, "sensitive", it->spans); a->hold = true; }

        /* Near-duplicates: the message joins the group of its closest earlier twin. */
        const char *who = m->author && *m->author ? m->author : m->author_ip;
        uint64_t whokey = dedup_author_key(who, strlen(who));
        /* A message analyzed before (back from moderation) is in the index and
         * the flood counts already: keep its group, count nothing twice. */
        bool again = m->group_id != 0;
        dedup_result dr;
        dedup_group g;
        if (again) a->group_id = m->group_id;
        else if (dedup_add(cfg->dd, &it->sig, (uint64_t)m->id, whokey, it->t, &dr) == 0
                 && dedup_group_get(cfg->dd, dr.group, &g) == 0) {
            a->group_id = (int64_t)dedup_msg_ext(cfg->dd, g.rep);
            a->dedup_sig = &it->sig;
            a->dedup_sig_len = sizeof it->sig;
            /* Groups it bridged: stored under their first message's id, as every group. */
            for (uint32_t k = 0; k < dr.nmerged && k < DEDUP_MAX_MERGE; k++) it->merged[a->nmerged++] = (int64_t)dr.merged_ext[k];
            a->merged = it->merged;
        }

        /* Spam: rules + the moderators' model, and floods from one sender. */
        spam_rate_info ri = {0};
        if (*who && !again && cfg->flood_check) spam_rate_hit(cfg->rate, whokey, it->sig.exact, it->t, &ri);
        spam_result sr = it->sr;
        double score = sr.score;
        if (ri.flood > score) score = ri.flood;
        if (ri.flood > 0) sr.flags |= SPAM_F_FLOOD;
        a->spam_score = score;
        if (score >= cfg->spam && !approved) {
            char flags[128];
            json_object_set_new(reason, "spam", json_pack("{s:f,s:s,s:f}", "score", score,
                                                          "signals", spam_flags_str(sr.flags, flags, sizeof flags),
                                                          "flood", (double)ri.flood));
            a->hold = true;
        }

        /* Hot issues: the strongest keywords of each published message,
         * counted for its day; a held message counts once a moderator approves it. */
        if (!a->hold && (!again || approved))
            for (int k = 0; k < it->nkw; k++)
                o->hits[nhits++] = (kw_hit){ { it->text + it->kw_off[k], it->kw_len[k] }, m->created_at };

        it->hot = cfg->hot && !a->hold && (!again || approved);

        if (it->has_pred) {
            a->label = it->pred.name;
            a->confidence = it->pred.conf;
            a->model_id = cfg->model_id;
            json_t *dept = json_object_get(cfg->label_map, it->pred.name);
            a->route = true;
            a->route_by = "model";
            /* Below the threshold, or a label no department takes: triage. */
            a->department_id = (it->pred.conf >= cfg->triage && dept) ? json_integer_value(dept) : 0;
        }
        if (a->hold) a->hold_reason = reason;
    }
    if (o->rc) { log_error("analyzer: out of memory"); return; }
    /* One upsert per (day, word) of the batch, not per message. */
    qsort(o->hits, nhits, sizeof *o->hits, cmp_hit);
    for (size_t i = 0; i < nhits; i++) {
        if (o->nkw && !cmp_hit(&o->hits[i], &o->hits[i - 1])) { o->kw[o->nkw - 1].n++; continue; }
        o->kw[o->nkw].word = o->hits[i].word;
        snprintf(o->kw[o->nkw].day, sizeof o->kw[o->nkw].day, "%.10s", o->hits[i].day);
        o->kw[o->nkw++].n = 1;
    }
}

/* A helper thread starts where cfg puts it, below the calling thread. */
static void helper_step_back(const pl_config *cfg) {
    if (cfg->helper_nice > 0) sched_step_back(sched_nice_now(), cfg->helper_nice);
}

static void *order_main(void *arg) {
    ordered *o = arg;
    helper_step_back(o->cfg);
    order(o);
    return NULL;
}

/* The live hot issues of an ordered batch, in message order. A stage of its
 * own: its segmentation and clustering cost as much as the order stage, and
 * it needs nothing from the next batch, so it runs beside the next batch's
 * ordering and this one's transaction. */
typedef struct { ordered *o; int rc; } hot_job;

static void *hot_main(void *arg) {
    hot_job *j = arg;
    ordered *o = j->o;
    j->rc = 0;
    if (o->rc) return NULL;
    for (size_t i = 0; i < o->b.n && !j->rc; i++)
        if (o->b.items[i].hot && hotlive_add(o->cfg->hot, o->b.items[i].m, o->an[i].group_id)) j->rc = -1;
    if (j->rc) log_error("analyzer: hot issues: out of memory");
    return NULL;
}

static void *hot_thread(void *arg) {
    hot_job *j = arg;
    helper_step_back(j->o->cfg);
    return hot_main(arg);
}

/* The batch's one transaction: the single place where a batch's results
 * reach the store. */
static int apply(store *st, ordered *o) {
    if (o->rc) return -1;
    const pl_source *src = o->b.src;
    if (src ? src->apply(src->ud, o->b.tag, o->an, o->b.n, o->kw, o->nkw) : st->ops->analysis_apply(st, o->an, o->b.n, o->kw, o->nkw)) {
        log_error("analyzer: batch of %zu messages from id %lld: %s", o->b.n, (long long)o->an[0].id, store_errmsg(st));
        return -1;
    }
    return 0;
}

/* Three stages at once: while the calling thread applies batch k, an order
 * thread orders batch k+1 and the workers analyse batch k+2. */
int pipeline_run(pipeline *p, store *st, const pl_config *cfg, size_t *done) {
    return pipeline_run_source(p, st, cfg, NULL, done);
}

int pipeline_run_source(pipeline *p, store *st, const pl_config *cfg, const pl_source *src, size_t *done) {
    *done = 0;
    ordered cur = { .cfg = cfg }, next = { .cfg = cfg };
    batch ahead;
    if (read_batch(p, st, src, 0, &cur.b)) return -1;
    if (!cur.b.n) { batch_free(&cur.b); return 0; }
    submit(p, cfg, &cur.b);
    wait_batch(p);
    order(&cur);
    if (read_batch(p, st, src, cur.b.msgs[cur.b.n - 1].id, &next.b)) { ordered_free(&cur); return -1; }
    if (next.b.n) submit(p, cfg, &next.b);
    int rc = 0;
    for (;;) {
        pthread_t t;
        bool threaded = false;
        memset(&ahead, 0, sizeof ahead);
        if (next.b.n) {
            wait_batch(p);
            if (read_batch(p, st, src, next.b.msgs[next.b.n - 1].id, &ahead)) rc = -1;
            else if (ahead.n) submit(p, cfg, &ahead);
            threaded = pthread_create(&t, NULL, order_main, &next) == 0;
            if (!threaded) order(&next);
        }
        hot_job hj = { &cur, 0 };
        pthread_t ht;
        bool hthreaded = cfg->hot && !cur.rc && pthread_create(&ht, NULL, hot_thread, &hj) == 0;
        if (cfg->hot && !cur.rc && !hthreaded) hot_main(&hj);
        if (!rc) rc = apply(st, &cur);
        if (hthreaded) pthread_join(ht, NULL);
        if (!rc && hj.rc) rc = -1;
        if (!rc) {
            *done += cur.b.n;
            int64_t last = cur.b.msgs[cur.b.n - 1].id;   /* a batch is in id order (read_batch's after) */
            if (last > p->last_id) p->last_id = last;
            if (p->fn) p->fn(p->ud, cur.b.n);
        }
        if (threaded) pthread_join(t, NULL);
        ordered_free(&cur);
        if (rc || !next.b.n) {
            if (ahead.n) wait_batch(p);
            batch_free(&ahead);
            ordered_free(&next);
            return rc;
        }
        cur = next;
        next = (ordered){ .b = ahead, .cfg = cfg };
    }
}
