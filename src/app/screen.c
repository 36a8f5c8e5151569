/* screen.c: see screen.h. The automaton is rebuilt only when the admins'
 * word list changes (setting words_version, bumped on every edit), checked
 * at most once a second; readers share it under a read lock. */
#include "app/screen.h"
#include "text/acmatch.h"
#include "text/spam.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_SPAM_THRESHOLD 0.8

struct screen {
    store *st;
    pthread_rwlock_t lock;
    acm *words;
    char version[32];
    double threshold;
    time_t checked;
};

int screen_new(store *st, screen **out) {
    screen *s = calloc(1, sizeof *s);
    if (!s) return -1;
    s->st = st;
    s->threshold = DEFAULT_SPAM_THRESHOLD;
    pthread_rwlock_init(&s->lock, NULL);
    *out = s;
    return 0;
}

void screen_free(screen *s) {
    if (!s) return;
    acm_free(s->words);
    pthread_rwlock_destroy(&s->lock);
    free(s);
}

/* Reloads the word list and threshold when they changed (at most once a second). */
static int refresh(screen *s) {
    time_t now = time(NULL);
    pthread_rwlock_rdlock(&s->lock);
    bool fresh = s->checked == now;
    pthread_rwlock_unlock(&s->lock);
    if (fresh) return 0;
    char ver[32] = "0", thr[32];
    s->st->ops->setting_get(s->st, "words_version", ver, sizeof ver);
    double threshold = DEFAULT_SPAM_THRESHOLD;
    if (s->st->ops->setting_get(s->st, "spam_threshold", thr, sizeof thr) == STORE_OK) threshold = strtod(thr, NULL);
    pthread_rwlock_wrlock(&s->lock);
    s->checked = now;
    s->threshold = threshold;
    int rc = 0;
    if (strcmp(ver, s->version)) {
        json_t *list;
        if (s->st->ops->word_list(s->st, &list)) rc = -1;
        else {
            size_t n = json_array_size(list);
            str *pats = calloc(n ? n : 1, sizeof *pats);
            for (size_t i = 0; pats && i < n; i++) {
                json_t *w = json_object_get(json_array_get(list, i), "word");
                pats[i] = (str){ json_string_value(w), json_string_length(w) };
            }
            acm *m = NULL;
            char err[256];
            if (pats && (n == 0 || acm_build(pats, n, &m, err, sizeof err) == 0)) {
                acm_free(s->words);
                s->words = m;
                snprintf(s->version, sizeof s->version, "%s", ver);
            }
            free(pats);
            json_decref(list);
        }
    }
    pthread_rwlock_unlock(&s->lock);
    return rc;
}

int screen_text(screen *s, str text, bool *hold, double *spam, json_t **reason) {
    *hold = false; *reason = NULL; *spam = 0;
    if (refresh(s)) return -1;
    json_t *why = json_object(), *spans = json_array();
    pthread_rwlock_rdlock(&s->lock);
    if (s->words) {
        acm_match m[32];
        size_t total = acm_find(s->words, text.p, text.n, m, 32);
        for (size_t i = 0; i < total && i < 32; i++) {
            str w = acm_pattern(s->words, m[i].pattern);
            json_array_append_new(spans, json_pack("{s:s,s:s%,s:I,s:I,s:s%}", "field", "body", "word", w.p, w.n,
                                                   "off", (json_int_t)m[i].off, "len", (json_int_t)m[i].len,
                                                   "text", text.p + m[i].off, m[i].len));
        }
    }
    double threshold = s->threshold;
    pthread_rwlock_unlock(&s->lock);
    spam_result sr;
    spam_score(NULL, "", 0, text.p, text.n, &sr);
    *spam = sr.score;
    if (json_array_size(spans)) { json_object_set(why, "sensitive", spans); *hold = true; }
    if (sr.score >= threshold) {
        char flags[128];
        json_object_set_new(why, "spam", json_pack("{s:f,s:s}", "score", (double)sr.score, "signals",
                                                  spam_flags_str(sr.flags, flags, sizeof flags)));
        *hold = true;
    }
    json_decref(spans);
    if (*hold) *reason = why; else json_decref(why);
    return 0;
}
