/* sse.c: see sse.h. One mutex guards the hub; a viewer's pending bytes live
 * in its own buffer. The content reader copies what is pending, or, when
 * nothing is, marks the viewer suspended, suspends the connection and
 * returns 0 (the libmicrohttpd pattern for "no data yet"); a publish appends
 * to each viewer of the channel and resumes the suspended ones. Both take
 * the hub mutex before libmicrohttpd's, always in that order. */
#include "http/sse.h"
#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HEARTBEAT_SECONDS 15
/* A viewer that lets this much pile up unread is too slow: dropped. */
#define MAX_PENDING (256 * 1024)

typedef struct viewer {
    struct viewer *prev, *next;   /* in its channel */
    struct channel *ch;
    struct MHD_Connection *conn;
    buf pending;
    size_t sent;                  /* bytes of pending already given to MHD */
    bool suspended, closed;
    sse_hub *hub;
} viewer;

typedef struct channel {
    struct channel *next;
    char name[64];
    viewer *head;
    size_t n;
} channel;

struct sse_hub {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    channel *channels;
    pthread_t beat;
    bool stop;
};

static channel *find(sse_hub *h, const char *name, bool create) {
    for (channel *c = h->channels; c; c = c->next) if (!strcmp(c->name, name)) return c;
    if (!create) return NULL;
    channel *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    snprintf(c->name, sizeof c->name, "%s", name);
    c->next = h->channels;
    h->channels = c;
    return c;
}

/* Queues bytes for one viewer and wakes it; call with the hub locked. */
static void push(viewer *v, const char *p, size_t n) {
    if (v->closed) return;
    if (v->pending.n - v->sent + n > MAX_PENDING) { v->closed = true; }
    else buf_put(&v->pending, p, n);
    if (v->suspended) { v->suspended = false; MHD_resume_connection(v->conn); }
}

static void *heartbeat(void *arg) {
    sse_hub *h = arg;
    pthread_mutex_lock(&h->mu);
    while (!h->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += HEARTBEAT_SECONDS;
        pthread_cond_timedwait(&h->cv, &h->mu, &ts);
        if (h->stop) break;
        for (channel *c = h->channels; c; c = c->next)
            for (viewer *v = c->head; v; v = v->next) push(v, ":\n\n", 3);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

sse_hub *sse_hub_new(void) {
    sse_hub *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    if (pthread_create(&h->beat, NULL, heartbeat, h)) { free(h); return NULL; }
    return h;
}

void sse_hub_close(sse_hub *h) {
    if (!h) return;
    pthread_mutex_lock(&h->mu);
    for (channel *c = h->channels; c; c = c->next)
        for (viewer *v = c->head; v; v = v->next) {
            v->closed = true;
            if (v->suspended) { v->suspended = false; MHD_resume_connection(v->conn); }
        }
    pthread_mutex_unlock(&h->mu);
}

void sse_hub_free(sse_hub *h) {
    if (!h) return;
    pthread_mutex_lock(&h->mu);
    h->stop = true;
    pthread_cond_signal(&h->cv);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->beat, NULL);
    /* The server has stopped: its connections (and so our viewers) are gone. */
    for (channel *c = h->channels, *next; c; c = next) { next = c->next; free(c); }
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    free(h);
}

static ssize_t reader(void *cls, uint64_t pos, char *out, size_t max) {
    viewer *v = cls;
    sse_hub *h = v->hub;
    (void)pos;
    pthread_mutex_lock(&h->mu);
    if (v->closed) { pthread_mutex_unlock(&h->mu); return MHD_CONTENT_READER_END_WITH_ERROR; }
    size_t avail = v->pending.n - v->sent;
    if (avail) {
        size_t n = avail < max ? avail : max;
        memcpy(out, v->pending.p + v->sent, n);
        v->sent += n;
        if (v->sent == v->pending.n) { buf_reset(&v->pending); v->sent = 0; }
        pthread_mutex_unlock(&h->mu);
        return (ssize_t)n;
    }
    v->suspended = true;
    MHD_suspend_connection(v->conn);
    pthread_mutex_unlock(&h->mu);
    return 0;
}

static void viewer_free(void *cls) {
    viewer *v = cls;
    sse_hub *h = v->hub;
    pthread_mutex_lock(&h->mu);
    channel *c = v->ch;
    if (v->prev) v->prev->next = v->next; else c->head = v->next;
    if (v->next) v->next->prev = v->prev;
    c->n--;
    pthread_mutex_unlock(&h->mu);
    buf_free(&v->pending);
    free(v);
}

int sse_attach(sse_hub *h, http_req *r, const char *channel_name, const char *first) {
    if (strlen(channel_name) >= sizeof ((channel *)0)->name) return -1;
    viewer *v = calloc(1, sizeof *v);
    if (!v) return -1;
    v->hub = h;
    v->conn = r->conn;
    /* The retry hint first: a browser whose stream drops comes back in 3 s. */
    if (buf_puts(&v->pending, "retry: 3000\n\n") || (first && buf_puts(&v->pending, first))) { buf_free(&v->pending); free(v); return -1; }
    pthread_mutex_lock(&h->mu);
    channel *c = find(h, channel_name, true);
    if (!c) { pthread_mutex_unlock(&h->mu); buf_free(&v->pending); free(v); return -1; }
    v->ch = c;
    v->next = c->head;
    if (c->head) c->head->prev = v;
    c->head = v;
    c->n++;
    pthread_mutex_unlock(&h->mu);
    r->stream = v;
    r->content_type = "text/event-stream; charset=utf-8";
    http_add_header(r, "Cache-Control", "no-cache");
    http_add_header(r, "X-Accel-Buffering", "no");   /* nginx: pass events through at once */
    return 0;
}

void *sse_response(http_req *r) {
    viewer *v = r->stream;
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, reader, v, viewer_free);
    if (!resp) viewer_free(v);
    r->stream = NULL;
    return resp;
}

size_t sse_publish(sse_hub *h, const char *channel_name, const char *event, const char *data) {
    buf msg = {0};
    if (buf_puts(&msg, "event: ") || buf_puts(&msg, event) || buf_puts(&msg, "\ndata: ")) { buf_free(&msg); return 0; }
    /* One data line: a newline in data would end the field early. */
    for (const char *p = data; *p; p++) buf_putc(&msg, *p == '\n' || *p == '\r' ? ' ' : *p);
    buf_puts(&msg, "\n\n");
    size_t n = 0;
    pthread_mutex_lock(&h->mu);
    channel *c = find(h, channel_name, false);
    for (viewer *v = c ? c->head : NULL; v; v = v->next, n++) push(v, msg.p, msg.n);
    pthread_mutex_unlock(&h->mu);
    buf_free(&msg);
    return n;
}

size_t sse_viewers(sse_hub *h, const char *channel_name) {
    pthread_mutex_lock(&h->mu);
    channel *c = find(h, channel_name, false);
    size_t n = c ? c->n : 0;
    pthread_mutex_unlock(&h->mu);
    return n;
}
