/* sse.c: see sse.h. One mutex guards the hub. Each channel keeps a log of
 * its events, each encoded once; a viewer is a position in that log (plus
 * its own first bytes). The content reader copies from the viewer's
 * position, or, when it has caught up, marks the viewer suspended, suspends
 * the connection and returns 0 (the libmicrohttpd pattern for "no data
 * yet"); a publish appends one event and resumes the suspended viewers. An
 * event is freed once every viewer has sent it. Both take the hub mutex
 * before libmicrohttpd's, always in that order. */
#include "http/sse.h"
#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HEARTBEAT_SECONDS 15
/* A viewer that lets this much pile up unread is too slow: dropped. */
#define MAX_PENDING (256 * 1024)

/* One published event, encoded once and shared by every viewer of its
 * channel: a publish to 10,000 viewers is one allocation and one copy, not
 * 10,000. Positions are bytes since the channel began, so a viewer's backlog
 * is one subtraction. */
typedef struct event {
    struct event *next;
    uint64_t start;               /* channel position of data[0] */
    size_t n;
    size_t waiting;               /* viewers that have not sent all of it */
    char data[];
} event;

typedef struct viewer {
    struct viewer *prev, *next;   /* in its channel */
    struct channel *ch;
    struct MHD_Connection *conn;
    char *own;                    /* its own first bytes (retry hint, first event) */
    size_t own_n, own_sent;
    event *at;                    /* the event holding pos; NULL when caught up */
    uint64_t pos;                 /* channel position of its next byte */
    bool suspended, closed;
    sse_hub *hub;
} viewer;

typedef struct channel {
    struct channel *next;
    char name[64];
    viewer *head;
    size_t n;
    event *first, *last;          /* the events some viewer still has to send */
    uint64_t end;                 /* channel position after the last event */
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

/* Frees the events at the head of the log that no viewer needs. */
static void gc(channel *c) {
    while (c->first && !c->first->waiting) {
        event *e = c->first;
        c->first = e->next;
        if (!c->first) c->last = NULL;
        free(e);
    }
}

/* The viewer gives up the events it has not sent (it closes or leaves);
 * the caller runs gc() once it holds no pointer into the log. */
static void release(viewer *v) {
    for (event *e = v->at; e; e = e->next) e->waiting--;
    v->at = NULL;
}

static void wake(viewer *v) {
    if (v->suspended) { v->suspended = false; MHD_resume_connection(v->conn); }
}

/* Appends an event to a channel's log and wakes its viewers; call with the
 * hub locked. A viewer already MAX_PENDING behind is closed instead. */
static size_t publish_locked(channel *c, const char *p, size_t n) {
    if (!c->n) return 0;
    event *e = malloc(sizeof *e + n);
    if (!e) return 0;
    e->next = NULL;
    e->start = c->end;
    e->n = n;
    e->waiting = 0;
    memcpy(e->data, p, n);
    if (c->last) c->last->next = e; else c->first = e;
    c->last = e;
    c->end += n;
    size_t reached = 0;
    for (viewer *v = c->head; v; v = v->next) {
        if (v->closed) continue;
        if (!v->at) v->at = e;
        e->waiting++;
        if (c->end - v->pos + (v->own_n - v->own_sent) > MAX_PENDING) { v->closed = true; release(v); wake(v); continue; }
        reached++;
        wake(v);
    }
    gc(c);
    return reached;
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
        for (channel *c = h->channels; c; c = c->next) publish_locked(c, ":\n\n", 3);
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
        for (viewer *v = c->head; v; v = v->next) { v->closed = true; wake(v); }
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
    for (channel *c = h->channels, *next; c; c = next) {
        next = c->next;
        for (event *e = c->first, *en; e; e = en) { en = e->next; free(e); }
        free(c);
    }
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
    size_t n = 0;
    if (v->own_sent < v->own_n) {
        n = v->own_n - v->own_sent < max ? v->own_n - v->own_sent : max;
        memcpy(out, v->own + v->own_sent, n);
        v->own_sent += n;
    }
    bool done = false;
    while (n < max && v->at) {
        event *e = v->at;
        size_t off = (size_t)(v->pos - e->start), k = e->n - off < max - n ? e->n - off : max - n;
        memcpy(out + n, e->data + off, k);
        n += k;
        v->pos += k;
        if (off + k == e->n) { v->at = e->next; if (!--e->waiting) done = true; }
    }
    if (done) gc(v->ch);
    if (n) { pthread_mutex_unlock(&h->mu); return (ssize_t)n; }
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
    release(v);
    gc(c);
    pthread_mutex_unlock(&h->mu);
    free(v->own);
    free(v);
}

int sse_attach(sse_hub *h, http_req *r, const char *channel_name, const char *first) {
    if (strlen(channel_name) >= sizeof ((channel *)0)->name) return -1;
    viewer *v = calloc(1, sizeof *v);
    if (!v) return -1;
    v->hub = h;
    v->conn = r->conn;
    /* The retry hint first: a browser whose stream drops comes back in 3 s. */
    static const char retry[] = "retry: 3000\n\n";
    size_t fn = first ? strlen(first) : 0;
    if (!(v->own = malloc(sizeof retry - 1 + fn))) { free(v); return -1; }
    memcpy(v->own, retry, sizeof retry - 1);
    if (fn) memcpy(v->own + sizeof retry - 1, first, fn);
    v->own_n = sizeof retry - 1 + fn;
    pthread_mutex_lock(&h->mu);
    channel *c = find(h, channel_name, true);
    if (!c) { pthread_mutex_unlock(&h->mu); free(v->own); free(v); return -1; }
    v->ch = c;
    v->pos = c->end;
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
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1024, reader, v, viewer_free);
    if (!resp) viewer_free(v);
    r->stream = NULL;
    return resp;
}

size_t sse_publish(sse_hub *h, const char *channel_name, const char *event, const char *data) {
    buf msg = {0};
    if (buf_puts(&msg, "event: ") || buf_puts(&msg, event) || buf_puts(&msg, "\ndata: ")) { buf_free(&msg); return 0; }
    /* One data line: a newline in data would end the field early. */
    for (const char *p = data; *p; p++) buf_putc(&msg, *p == '\n' || *p == '\r' ? ' ' : *p);
    if (buf_puts(&msg, "\n\n")) { buf_free(&msg); return 0; }
    pthread_mutex_lock(&h->mu);
    channel *c = find(h, channel_name, false);
    size_t n = c ? publish_locked(c, msg.p, msg.n) : 0;
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
