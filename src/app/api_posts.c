/* api_posts.c: leaders' posts (领导发帖) with live counters. An official
 * publishes a post (and optionally an image); the page shows its view count
 * and new comments live through Server-Sent Events (http/sse.h): channel
 * "post:ID" carries "views" {"views":N} and "comment" {"id","body",
 * "created_at"} events. Comments are screened like messages (sensitive
 * words, spam; app/screen.h): shown at once, or held until a moderator
 * approves them; personal data in them is masked wherever shown.
 *
 * Views are counted in memory and written in batches (a popular post would
 * otherwise cost a durable write per click): the shown count is the stored
 * one plus what is waiting to be written. */
#include "app/api_int.h"
#include "app/screen.h"
#include "http/sse.h"
#include "text/pii.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define IMAGE_MAX (2u << 20)
#define VIEW_SLOTS 256            /* posts with views waiting to be written */
#define VIEW_FLUSH_MS 1000
#define VIEW_EVENT_MS 200         /* live view counts at most 5 times a second per post */

/* base: the stored count when the slot was taken, plus what it has written
 * since; base + pending is the count to show (never stale across a flush). */
typedef struct { int64_t post, base, pending; double last_event; } view_slot;
static struct { pthread_mutex_t mu; view_slot slot[VIEW_SLOTS]; double flushed; } views = { PTHREAD_MUTEX_INITIALIZER, {{0}}, 0 };

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Writes the waiting view counts (call with views.mu held). */
static void flush_views(api_ctx *c) {
    for (int i = 0; i < VIEW_SLOTS; i++) {
        view_slot *v = &views.slot[i];
        if (v->post && v->pending && OPS->post_views_add(ST, v->post, v->pending) == STORE_OK) { v->base += v->pending; v->pending = 0; }
    }
    views.flushed = now_ms();
}

/* Counts one view of post (stored: its count as just read from the store)
 * and returns the count to show; *event_due: a live event is due. */
static int64_t count_view(api_ctx *c, int64_t post, int64_t stored, bool *event_due) {
    pthread_mutex_lock(&views.mu);
    double t = now_ms();
    view_slot *v = &views.slot[(uint64_t)post % VIEW_SLOTS];
    if (v->post != post) {                   /* another post had the slot: write its views first */
        if (v->post && v->pending) OPS->post_views_add(ST, v->post, v->pending);
        v->post = post; v->base = stored; v->pending = 0; v->last_event = 0;
    }
    v->pending++;
    int64_t total = v->base + v->pending;
    *event_due = t - v->last_event >= VIEW_EVENT_MS;
    if (*event_due) v->last_event = t;
    if (t - views.flushed >= VIEW_FLUSH_MS) flush_views(c);
    pthread_mutex_unlock(&views.mu);
    return total;
}

static int64_t pending_views(int64_t post) {
    pthread_mutex_lock(&views.mu);
    view_slot *v = &views.slot[(uint64_t)post % VIEW_SLOTS];
    int64_t n = v->post == post ? v->pending : 0;
    pthread_mutex_unlock(&views.mu);
    return n;
}

static bool may_post(const who *w) { return !strcmp(w->u.role, "admin") || !strcmp(w->u.role, "leader"); }

/* POST /api/v1/posts {"title","body"} (leaders, admins) -> 201 {"id"} */
void api_post_post(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, true)) return;
    if (!may_post(&w)) return http_error(r, 403, "forbidden", NULL, "posts are published by leaders and admins");
    json_t *j = http_body_json(r);
    if (!j) return;
    str title, body;
    valid_err e;
    if (valid_text(j, "title", true, 100, &title, &e) || valid_text(j, "body", true, 20000, &body, &e)) {
        api_invalid(r, &e); json_decref(j); return;
    }
    int64_t id = 0;
    int rc = OPS->post_add(ST, title, body, w.u.id, &id);
    json_decref(j);
    if (rc) return api_store_failed(r, ST);
    json_t *d = json_pack("{s:I}", "post_id", (json_int_t)id);
    OPS->event_add(ST, w.u.id, "post_add", 0, d);
    json_decref(d);
    http_json(r, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

/* GET /api/v1/posts */
void api_get_posts(api_ctx *c, http_req *r) {
    json_t *a;
    if (OPS->post_list(ST, 50, &a)) return api_store_failed(r, ST);
    size_t i;
    json_t *p;
    json_array_foreach(a, i, p) {
        int64_t id = json_integer_value(json_object_get(p, "id"));
        json_object_set_new(p, "views", json_integer(json_integer_value(json_object_get(p, "views")) + pending_views(id)));
    }
    http_json(r, 200, json_pack("{s:o}", "posts", a));
}

/* GET /api/v1/posts/{id}: the post with its shown comments; counts a view. */
void api_get_post(api_ctx *c, http_req *r, const char *arg) {
    int64_t id;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no post '%.40s'", arg);
    json_t *o, *comments;
    int rc = OPS->post_get(ST, id, &o);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no post %lld", (long long)id);
    if (rc) return api_store_failed(r, ST);
    if (OPS->comment_list(ST, id, 0, 200, &comments)) { json_decref(o); return api_store_failed(r, ST); }
    size_t i;
    json_t *x;
    json_array_foreach(comments, i, x) api_mask_field(x, "body", 0);
    json_object_set_new(o, "comments", comments);
    bool event_due = false;
    json_int_t total = count_view(c, id, json_integer_value(json_object_get(o, "views")), &event_due);
    json_object_set_new(o, "views", json_integer(total));
    if (event_due && c->live) {
        char ch[32], data[64];
        snprintf(ch, sizeof ch, "post:%lld", (long long)id);
        snprintf(data, sizeof data, "{\"views\":%lld}", (long long)total);
        sse_publish(c->live, ch, "views", data);
    }
    http_json(r, 200, o);
}

/* GET /api/v1/posts/{id}/events: the live stream of the post page. */
void api_get_post_events(api_ctx *c, http_req *r, const char *arg) {
    int64_t id;
    json_t *o;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no post '%.40s'", arg);
    int rc = OPS->post_get(ST, id, &o);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no post %lld", (long long)id);
    if (rc) return api_store_failed(r, ST);
    char ch[32], first[96];
    snprintf(ch, sizeof ch, "post:%lld", (long long)id);
    snprintf(first, sizeof first, "event: views\ndata: {\"views\":%lld}\n\n",
             (long long)(json_integer_value(json_object_get(o, "views")) + pending_views(id)));
    json_decref(o);
    if (!c->live || sse_attach(c->live, r, ch, first)) return http_error(r, 503, "unavailable", NULL, "live updates are not available");
}

json_t *api_screened_body(api_ctx *c, http_req *r, size_t max_chars, str *body, bool *hold, double *spam, json_t **why) {
    *hold = false; *spam = 0; *why = NULL;
    json_t *j = http_body_json(r);
    if (!j) return NULL;
    valid_err e;
    if (valid_text(j, "body", true, max_chars, body, &e)) { api_invalid(r, &e); json_decref(j); return NULL; }
    if (c->screen && screen_text(c->screen, *body, hold, spam, why)) { json_decref(j); api_store_failed(r, ST); return NULL; }
    return j;
}

/* POST /api/v1/posts/{id}/comments {"body"} (anyone) -> 201 {"id","held"} */
void api_post_comment(api_ctx *c, http_req *r, const char *arg) {
    int64_t id;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no post '%.40s'", arg);
    str body;
    bool hold;
    double spam;
    json_t *why;
    json_t *j = api_screened_body(c, r, 1000, &body, &hold, &spam, &why);
    if (!j) return;
    int64_t cid = 0;
    int rc = OPS->comment_add(ST, id, body, str_c(r->ip), hold, why, spam, &cid);
    json_decref(why);
    if (rc == STORE_NOT_FOUND) { json_decref(j); return http_error(r, 404, "not_found", NULL, "no post %lld", (long long)id); }
    if (rc) { json_decref(j); return api_store_failed(r, ST); }
    if (!hold && c->live) {
        json_t *ev = json_pack("{s:I,s:s%,s:s}", "id", (json_int_t)cid, "body", body.p, body.n, "created_at", "");
        api_mask_field(ev, "body", 0);
        char now[32];
        api_now_iso(now);
        json_object_set_new(ev, "created_at", json_string(now));
        char *data = json_dumps(ev, JSON_COMPACT);
        char ch[32];
        snprintf(ch, sizeof ch, "post:%lld", (long long)id);
        if (data) sse_publish(c->live, ch, "comment", data);
        free(data);
        json_decref(ev);
    }
    json_decref(j);
    http_json(r, 201, json_pack("{s:I,s:b}", "id", (json_int_t)cid, "held", hold));
}

/* GET /api/v1/comments/held: held comments (moderators, admins). */
void api_get_comment_queue(api_ctx *c, http_req *r) {
    who w;
    if (!api_require_login(c, r, &w, false)) return;
    if (strcmp(w.u.role, "moderator") && strcmp(w.u.role, "admin")) return http_error(r, 403, "forbidden", NULL, "held comments are for moderators");
    json_t *a;
    if (OPS->comment_queue(ST, 100, &a)) return api_store_failed(r, ST);
    http_json(r, 200, json_pack("{s:o}", "comments", a));
}

/* POST /api/v1/comments/{id}/moderation {"decision","reason"}: as for messages. */
void api_post_comment_moderation(api_ctx *c, http_req *r, const char *arg) {
    int64_t id;
    json_t *shown;
    const char *d = api_moderate_held(c, r, arg, "comment", OPS->comment_moderate, &id, &shown);
    if (!d) return;
    if (shown && c->live) {
        char ch[32];
        snprintf(ch, sizeof ch, "post:%lld", (long long)json_integer_value(json_object_get(shown, "post_id")));
        json_object_del(shown, "post_id");
        api_mask_field(shown, "body", 0);
        char *data = json_dumps(shown, JSON_COMPACT);
        if (data) sse_publish(c->live, ch, "comment", data);
        free(data);
    }
    json_decref(shown);
    http_json(r, 200, json_pack("{s:I,s:s}", "id", (json_int_t)id, "decision", d));
}

/* PUT /api/v1/posts/{id}/image: the raw image (PNG, JPEG, GIF or WebP, <= 2 MiB). */
void api_put_post_image(api_ctx *c, http_req *r, const char *arg) {
    who w;
    if (!api_require_login(c, r, &w, true)) return;
    if (!may_post(&w)) return http_error(r, 403, "forbidden", NULL, "posts are published by leaders and admins");
    int64_t id;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no post '%.40s'", arg);
    if (r->body_too_large || r->body.n > IMAGE_MAX) return http_error(r, 413, "too_large", NULL, "the image is larger than 2 MiB");
    /* The type is read from the bytes, not believed from the header. */
    const unsigned char *b = (const unsigned char *)r->body.p;
    size_t n = r->body.n;
    const char *type = NULL;
    if (n >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8)) type = "image/png";
    else if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) type = "image/jpeg";
    else if (n >= 6 && (!memcmp(b, "GIF87a", 6) || !memcmp(b, "GIF89a", 6))) type = "image/gif";
    else if (n >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WEBP", 4)) type = "image/webp";
    if (!type) return http_error(r, 415, "unsupported_media_type", NULL, "the image must be PNG, JPEG, GIF or WebP");
    int rc = OPS->post_image_set(ST, id, type, b, n);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "no post %lld", (long long)id);
    if (rc) return api_store_failed(r, ST);
    http_json(r, 200, json_pack("{s:I,s:s,s:I}", "id", (json_int_t)id, "type", type, "bytes", (json_int_t)n));
}

/* GET /api/v1/posts/{id}/image */
void api_get_post_image(api_ctx *c, http_req *r, const char *arg) {
    int64_t id;
    if (!api_parse_id(arg, &id)) return http_error(r, 404, "not_found", NULL, "no post '%.40s'", arg);
    static __thread char type[32];
    void *data = NULL;
    size_t n = 0;
    int rc = OPS->post_image_get(ST, id, type, &data, &n);
    if (rc == STORE_NOT_FOUND) return http_error(r, 404, "not_found", NULL, "post %lld has no image", (long long)id);
    if (rc) return api_store_failed(r, ST);
    buf_reset(&r->out);
    buf_put(&r->out, data, n);
    free(data);
    r->status = 200;
    r->content_type = type;
    http_add_header(r, "Cache-Control", "public, max-age=300");
}
