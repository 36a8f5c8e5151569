/* replylive.c: see replylive.h. One replyq (segmenter scratch and the
 * template table) behind a mutex: a score costs about a millisecond. */
#include "app/replylive.h"
#include "app/datafile.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LEARN_AT_START 5000
#define DEFAULT_DEADLINE 15.0

struct replylive {
    replyq *q;
    store *st;
    pthread_mutex_t mu;
};

static int learn_one(void *ud, const char *body) {
    replylive *x = ud;
    return replyq_learn(x->q, str_c(body)) ? -1 : 0;
}

/* The store's scorer: counts the reply towards the templates (as a batch
 * learns every reply before scoring), then scores it. */
static int store_scorer(void *ud, const store_msg *m, const char *reply, const char *reply_at, store_reply_q *out) {
    replylive *x = ud;
    pthread_mutex_lock(&x->mu);
    int rc = replyq_learn(x->q, str_c(reply));
    pthread_mutex_unlock(&x->mu);
    replyq_result r;
    if (rc || replylive_score(x, m, reply, reply_at, &r)) return -1;
    *out = (store_reply_q){ r.score, r.relevance, r.completeness, r.boilerplate, r.timeliness };
    return 0;
}

int replylive_new(const seg_dict *d, store *st, replylive **out) {
    replylive *x = calloc(1, sizeof *x);
    if (!x || replyq_new(d, &x->q)) { free(x); return -1; }
    pthread_mutex_init(&x->mu, NULL);
    x->st = st;
    if (st->ops->reply_bodies(st, LEARN_AT_START, learn_one, x)) { replylive_free(x); return -1; }
    st->ops->reply_scorer_set(st, store_scorer, x);
    *out = x;
    return 0;
}

void replylive_free(replylive *x) {
    if (!x) return;
    if (x->st) x->st->ops->reply_scorer_set(x->st, NULL, NULL);
    replyq_free(x->q);
    pthread_mutex_destroy(&x->mu);
    free(x);
}

int replylive_score(replylive *x, const store_msg *m, const char *reply, const char *reply_at, replyq_result *out) {
    buf msg = {0};
    if (buf_puts(&msg, m->title ? m->title : "") || buf_putc(&msg, '\n') || buf_puts(&msg, m->body ? m->body : "")) { buf_free(&msg); return -1; }
    int64_t mt = datafile_time(str_c(m->created_at));
    int64_t rt = reply_at && *reply_at ? datafile_time(str_c(reply_at)) : (int64_t)time(NULL);
    int64_t due = m->due_at[0] ? datafile_time(str_c(m->due_at)) : 0;
    /* The message's own deadline (working days by its type), in calendar days. */
    double deadline = mt && due > mt ? (double)(due - mt) / 86400.0 : DEFAULT_DEADLINE;
    pthread_mutex_lock(&x->mu);
    int rc = replyq_score(x->q, (str){ msg.p, msg.n }, str_c(reply), mt, rt, deadline, out);
    pthread_mutex_unlock(&x->mu);
    buf_free(&msg);
    return rc;
}

json_t *replylive_json(const replyq_result *r) {
    json_t *missing = json_array();
    /* What would raise the score most, first: the weights of docs/reply-quality.md. */
    if (r->relevance < 0.3) json_array_append_new(missing, json_string("relevance"));
    if (r->questions > r->answered) json_array_append_new(missing, json_string("questions"));
    static const struct { unsigned flag; const char *name; } EL[] = {
        { REPLYQ_ACTION, "action" }, { REPLYQ_TIME, "time" }, { REPLYQ_UNIT, "unit" }, { REPLYQ_CONTACT, "contact" } };
    for (size_t i = 0; i < sizeof EL / sizeof *EL; i++)
        if (!(r->flags & EL[i].flag)) json_array_append_new(missing, json_string(EL[i].name));
    if (r->boilerplate > 0.5) json_array_append_new(missing, json_string("boilerplate"));
    if (r->timeliness >= 0 && r->timeliness < 1) json_array_append_new(missing, json_string("late"));
    return json_pack("{s:f,s:f,s:f,s:f,s:f,s:f,s:o,s:o,s:i,s:i,s:{s:b,s:b,s:b,s:b},s:o}",
        "score", r->score, "relevance", r->relevance, "coverage", r->coverage, "concrete", r->concrete,
        "completeness", r->completeness, "boilerplate", r->boilerplate,
        "timeliness", r->timeliness >= 0 ? json_real(r->timeliness) : json_null(),
        "lag_days", r->lag_days >= 0 ? json_real(r->lag_days) : json_null(),
        "questions", r->questions, "answered", r->answered,
        "has", "action", (r->flags & REPLYQ_ACTION) != 0, "time", (r->flags & REPLYQ_TIME) != 0,
        "unit", (r->flags & REPLYQ_UNIT) != 0, "contact", (r->flags & REPLYQ_CONTACT) != 0,
        "missing", missing);
}
