/* hotlive.c: see hotlive.h. One writer at a time (the ctx mutex: extraction
 * reads what the index learned), readers share a rwlock with hot_add. */
#include "app/hotlive.h"
#include "app/datafile.h"
#include "core/log.h"
#include "text/dedup.h"
#include "text/hot.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct hotlive {
    hot *h;
    hot_ctx *c;
    const seg_dict *d;
    hot_cfg cfg;
    int64_t last_id;           /* newest message added: the mark of a kept image */
    uint64_t changes;          /* adds and supports since the last keep or load */
    pthread_mutex_t wmu;
    pthread_rwlock_t rw;
};

int hotlive_new(const seg_dict *d, hotlive **out) {
    hotlive *x = calloc(1, sizeof *x);
    if (!x) return -1;
    hot_cfg_default(&x->cfg);
    x->cfg.learn_on_add = 1;       /* messages arrive one by one: learn as they come */
    x->d = d;
    if (hot_new(d, &x->cfg, &x->h) || hot_ctx_new(d, &x->c)) { hot_free(x->h); free(x); return -1; }
    pthread_mutex_init(&x->wmu, NULL);
    pthread_rwlock_init(&x->rw, NULL);
    *out = x;
    return 0;
}

void hotlive_free(hotlive *x) {
    if (!x) return;
    hot_ctx_free(x->c);
    hot_free(x->h);
    pthread_mutex_destroy(&x->wmu);
    pthread_rwlock_destroy(&x->rw);
    free(x);
}

int hotlive_add(hotlive *x, const store_msg *m, int64_t group_id) {
    hot_feat f;
    const char *who = m->author && *m->author ? m->author : m->author_ip;
    hot_msg hm = { (uint64_t)m->id, dedup_author_key(who, strlen(who)), datafile_time(str_c(m->created_at)),
                   m->supports, m->opposes, (uint64_t)group_id };
    pthread_mutex_lock(&x->wmu);
    int rc = hot_extract(x->c, x->h, str_c(m->title), str_c(m->body), &f);
    if (!rc) {
        pthread_rwlock_wrlock(&x->rw);
        rc = hot_add(x->h, &f, &hm, NULL);
        if (!rc && m->id > x->last_id) x->last_id = m->id;
        x->changes++;
        pthread_rwlock_unlock(&x->rw);
    }
    pthread_mutex_unlock(&x->wmu);
    return rc;
}

int hotlive_support(hotlive *x, int64_t id, int64_t likes, int64_t dislikes) {
    pthread_rwlock_wrlock(&x->rw);
    int rc = hot_support(x->h, (uint64_t)id, likes, dislikes);
    if (!rc) x->changes++;
    pthread_rwlock_unlock(&x->rw);
    return rc;
}

static json_t *iso(int64_t t) {
    char s[32];
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(s);
}

json_t *hotlive_issues(hotlive *x, int64_t now, int days, int top) {
    if (top < 1) top = 1;
    if (top > 100) top = 100;
    hot_issue is[100];
    pthread_rwlock_rdlock(&x->rw);
    size_t n = hot_top(x->h, now - (int64_t)days * 86400, now, days < 7 ? days : 7, is, (size_t)top);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        char url[64];
        snprintf(url, sizeof url, "/api/v1/hot/%u/messages", is[i].issue + 1);
        const char *dir = is[i].recent > is[i].previous ? "rising" : is[i].recent < is[i].previous ? "falling" : "steady";
        json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:s,s:f,s:I,s:I,s:I,s:I,s:o,s:o,s:{s:I,s:I,s:s},s:s}",
            "issue_id", (json_int_t)is[i].issue + 1, "place", is[i].place, "problem", is[i].problem,
            "description", is[i].description, "heat", is[i].heat, "size", (json_int_t)is[i].messages,
            "authors", (json_int_t)is[i].authors, "likes", (json_int_t)is[i].likes, "dislikes", (json_int_t)is[i].dislikes,
            "first_at", iso(is[i].first), "last_at", iso(is[i].last),
            "trend", "recent", (json_int_t)is[i].recent, "previous", (json_int_t)is[i].previous, "direction", dir,
            "messages", url));
    }
    pthread_rwlock_unlock(&x->rw);
    return a;
}

json_t *hotlive_trends(hotlive *x, int64_t now, int days, int top) {
    if (top < 1) top = 1;
    if (top > 50) top = 50;
    hot_trend t[50];
    pthread_rwlock_rdlock(&x->rw);
    size_t n = hot_trends(x->h, now, days, t, (size_t)top);
    pthread_rwlock_unlock(&x->rw);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s,s:I,s:f,s:f}", "word", t[i].word, "count", (json_int_t)t[i].recent,
                                           "baseline", t[i].baseline, "score", t[i].score));
    return a;
}

long hotlive_members(hotlive *x, uint32_t issue, int64_t *ids, size_t cap) {
    uint64_t tmp[256];
    if (cap > 256) cap = 256;
    pthread_rwlock_rdlock(&x->rw);
    long n = issue < hot_nissues(x->h) ? (long)hot_members(x->h, issue, tmp, cap) : -1;
    pthread_rwlock_unlock(&x->rw);
    for (size_t i = 0; n > 0 && i < cap && i < (size_t)n; i++) ids[i] = (int64_t)tmp[i];
    return n;
}

size_t hotlive_size(hotlive *x) {
    pthread_rwlock_rdlock(&x->rw);
    size_t n = hot_nmsgs(x->h);
    pthread_rwlock_unlock(&x->rw);
    return n;
}

#define STATE "hot"

static int keep_pieces(void *ud, int (*put)(void *pud, const void *p, size_t n), void *pud) {
    return hot_save(ud, put, pud);
}

int hotlive_keep(hotlive *x, store *st) {
    /* No add meanwhile (the image and its mark must agree); readers share the lock. */
    pthread_mutex_lock(&x->wmu);
    pthread_rwlock_rdlock(&x->rw);
    uint64_t changes = x->changes;
    int rc = st->ops->state_put(st, STATE, x->last_id, keep_pieces, x->h);
    pthread_rwlock_unlock(&x->rw);
    if (!rc) {
        /* Supports given while the image was written are in it or not: count them as not. */
        pthread_rwlock_wrlock(&x->rw);
        x->changes -= changes;
        pthread_rwlock_unlock(&x->rw);
    }
    pthread_mutex_unlock(&x->wmu);
    return rc;
}

static int load_piece(void *ud, const void *p, size_t n) { return hot_loader_feed(ud, p, n); }

void hotlive_load(hotlive *x, store *st, int64_t *mark) {
    *mark = 0;
    hot *h = NULL;
    hot_loader *l;
    int64_t m = 0;
    if (!hot_loader_new(x->d, &x->cfg, &l)) {
        int rc = st->ops->state_get(st, STATE, &m, load_piece, l);
        if (hot_loader_finish(l, &h)) {
            if (rc != STORE_NOT_FOUND) log_info("analyzer: the kept hot issues are unusable; re-reading every message");
        } else if (rc != STORE_OK) {
            hot_free(h);
            h = NULL;
        }
        if (!h) m = 0;
    }
    if (!h && hot_new(x->d, &x->cfg, &h)) h = NULL;
    pthread_mutex_lock(&x->wmu);
    pthread_rwlock_wrlock(&x->rw);
    if (h) {
        hot_free(x->h);
        x->h = h;
        x->last_id = m;
        *mark = m;
    }
    x->changes = 0;
    pthread_rwlock_unlock(&x->rw);
    pthread_mutex_unlock(&x->wmu);
}

uint64_t hotlive_changes(hotlive *x) {
    pthread_rwlock_rdlock(&x->rw);
    uint64_t n = x->changes;
    pthread_rwlock_unlock(&x->rw);
    return n;
}
