/* server.c: see server.h. libmicrohttpd with epoll and a thread pool.
 * The handler runs once the whole body is in; a response queued on the very
 * first access-handler call goes out with "Connection: close" in MHD 0.9.75,
 * so even body-less requests return once and answer on the second call,
 * which keeps connections alive (DESIGN.md, measured facts). */
#include "http/server.h"
#include "http/sse.h"
#include "core/log.h"
#include "http/metrics.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Open connections per peer address, for the per-IP connection limit:
 * open addressing over a fixed table; a slot whose count fell to 0 is
 * reused by the next new address that passes it. */
#define PEER_SLOTS 8192
typedef struct { uint8_t addr[16]; unsigned count; bool used; } peer_slot;

struct http_server {
    struct MHD_Daemon *d;
    http_handler h;
    void *ud;
    http_opts o;
    atomic_int parked;       /* deferred requests not resumed yet */
    pthread_mutex_t peers_mu;
    peer_slot *peers;
};

typedef struct {
    http_req r;              /* first: http_resume finds its state from r */
    http_server *srv;
    size_t limit;            /* body limit for this request */
    buf body;
    struct timespec start;
    bool started;
    atomic_bool ready;       /* a deferred request's response is filled in */
} conn_state;

static double ms_since(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* A value of a request built in memory (header names compare without case, like MHD's). */
static const char *kv_lookup(const http_req *r, char kind, const char *name) {
    for (const char *const *p = r->kv; p && p[0] && p[1]; p += 2)
        if (p[0][0] == kind && p[0][1] == ':' && (kind == 'h' ? !strcasecmp(p[0] + 2, name) : !strcmp(p[0] + 2, name))) return p[1];
    return NULL;
}

const char *http_header(http_req *r, const char *name) {
    return r->conn ? MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name) : kv_lookup(r, 'h', name);
}
const char *http_query(http_req *r, const char *name) {
    return r->conn ? MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name) : kv_lookup(r, 'q', name);
}
const char *http_cookie(http_req *r, const char *name) {
    return r->conn ? MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name) : kv_lookup(r, 'c', name);
}

void http_add_header(http_req *r, const char *name, const char *value) {
    int n = snprintf(r->headers + r->nheaders, sizeof r->headers - r->nheaders, "%s: %s\r\n", name, value);
    if (n > 0 && r->nheaders + (size_t)n < sizeof r->headers) r->nheaders += (size_t)n;
}

static void add_headers(struct MHD_Response *resp, const http_req *r) {
    /* Security headers on everything: no framing, no sniffing, scripts only
     * from us; media from us or any HTTPS streaming server (live sessions
     * embed the organiser's own stream). */
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                            "media-src 'self' https:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
    if (r->content_type) MHD_add_response_header(resp, "Content-Type", r->content_type);
    char tmp[sizeof r->headers];
    memcpy(tmp, r->headers, r->nheaders);
    tmp[r->nheaders] = 0;
    char *save = NULL;
    for (char *line = strtok_r(tmp, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        char *colon = strchr(line, ':');
        if (!colon) continue;
        *colon = 0;
        MHD_add_response_header(resp, line, colon + 2);
    }
}

static enum MHD_Result respond(struct MHD_Connection *c, http_req *r) {
    if (r->cached && r->status == 200) return MHD_queue_response(c, 200, r->cached);   /* shared: not destroyed here */
    struct MHD_Response *resp = NULL;
    if (r->stream && r->status == 200 && !(resp = sse_response(r))) return MHD_NO;
    if (!resp && r->file_path && r->status == 200) {
        int fd = open(r->file_path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
            resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
        } else {
            if (fd >= 0) close(fd);
            r->status = 404;
            r->content_type = "text/plain; charset=utf-8";
            buf_reset(&r->out);
            buf_puts(&r->out, "not found\n");
        }
    }
    if (!resp) resp = MHD_create_response_from_buffer(r->out.n, r->out.p ? r->out.p : (char *)"", MHD_RESPMEM_MUST_COPY);
    if (!resp) return MHD_NO;
    add_headers(resp, r);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* A socket address as the 16-byte form of proxy.h. */
static bool sockaddr_key(const struct sockaddr *sa, uint8_t a[16]) {
    if (sa->sa_family == AF_INET) {
        static const uint8_t v4mapped[12] = { 0,0,0,0, 0,0,0,0, 0,0,0xff,0xff };
        memcpy(a, v4mapped, 12);
        memcpy(a + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return true;
    }
    if (sa->sa_family == AF_INET6) { memcpy(a, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16); return true; }
    return false;
}

typedef struct { buf b; } xff_acc;
static enum MHD_Result collect_xff(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    xff_acc *x = cls;
    if (key && value && !strcasecmp(key, "X-Forwarded-For")) {
        if (x->b.n) buf_puts(&x->b, ",");
        buf_puts(&x->b, value);
    }
    return MHD_YES;
}

/* r->ip: the peer, or behind a trusted proxy the forwarded client. Several
 * X-Forwarded-For lines count as one list, in order (RFC 7230 3.2.2). */
static void client_ip(http_server *s, struct MHD_Connection *c, http_req *r) {
    if (!s->o.ntrusted) { memcpy(r->ip, r->peer, sizeof r->ip); return; }
    xff_acc x = { 0 };
    MHD_get_connection_values(c, MHD_HEADER_KIND, collect_xff, &x);
    if (x.b.n) buf_put(&x.b, "", 1);   /* NUL-terminate */
    proxy_client_ip(s->o.trusted, s->o.ntrusted, r->peer, x.b.n ? x.b.p : NULL,
                    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Real-IP"), r->ip, sizeof r->ip);
    buf_free(&x.b);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls) {
    http_server *s = cls;
    conn_state *cs = *con_cls;
    if (!cs) {
        cs = calloc(1, sizeof *cs);
        if (!cs) return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &cs->start);
        cs->r.method = method;
        cs->r.path = url;
        cs->r.conn = c;
        cs->r.status = 200;
        cs->srv = s;
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        uint8_t a[16];
        if (ci && ci->client_addr && sockaddr_key(ci->client_addr, a)) proxy_addr_format(a, cs->r.peer, sizeof cs->r.peer);
        client_ip(s, c, &cs->r);
        cs->limit = s->o.max_body;
        if (s->o.upload_prefix && s->o.max_upload && !strncmp(url, s->o.upload_prefix, strlen(s->o.upload_prefix)))
            cs->limit = s->o.max_upload;
        size_t ul = strlen(url);
        if (ul > 6 && !strcmp(url + ul - 6, "/image") && cs->limit < HTTP_MAX_IMAGE) cs->limit = HTTP_MAX_IMAGE;
        /* Refuse an announced oversized body before reading it. */
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > cs->limit) cs->r.body_too_large = true;
        *con_cls = cs;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!cs->r.body_too_large) {
            if (cs->body.n + *upload_size > cs->limit) { cs->r.body_too_large = true; buf_free(&cs->body); }
            else if (buf_put(&cs->body, upload, *upload_size)) return MHD_NO;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (cs->started) return atomic_load(&cs->ready) ? respond(c, &cs->r) : MHD_YES;
    cs->started = true;
    cs->r.body = (str){ cs->body.p ? cs->body.p : "", cs->body.n };
    s->h(&cs->r, s->ud);
    if (cs->r.defer) {
        /* Parked before the work starts, so its end can never resume a
         * connection that is not suspended yet. */
        void (*f)(http_req *, void *) = cs->r.defer;
        cs->r.defer = NULL;
        atomic_fetch_add(&s->parked, 1);
        MHD_suspend_connection(c);
        f(&cs->r, cs->r.defer_arg);
        return MHD_YES;
    }
    return respond(c, &cs->r);
}

void http_resume(http_req *r) {
    conn_state *cs = (conn_state *)r;
    http_server *s = cs->srv;            /* cs may be freed as soon as the connection runs again */
    atomic_store(&cs->ready, true);
    MHD_resume_connection(r->conn);
    atomic_fetch_sub(&s->parked, 1);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe) {
    http_server *s = cls;
    conn_state *cs = *con_cls;
    if (!cs) return;
    if (cs->started) {
        double ms = ms_since(&cs->start);
        metrics_request(cs->r.route, cs->r.method, cs->r.status, ms / 1e3);
        if (!s->o.quiet) log_info("%s %s %s %d %.1fms", cs->r.ip, cs->r.method, cs->r.path, cs->r.status, ms);
    }
    buf_free(&cs->body);
    buf_free(&cs->r.out);
    free(cs);
    *con_cls = NULL;
}

/* Per-IP connection limit. The accept policy refuses a peer already at the
 * limit; the counts move when MHD reports a connection started or closed.
 * Trusted proxies carry many clients and are not limited here. */
static peer_slot *peer_find(http_server *s, const uint8_t a[16], bool insert) {
    size_t h = 5381;
    for (int i = 0; i < 16; i++) h = h * 33 + a[i];
    peer_slot *reuse = NULL;
    for (size_t k = 0; k < PEER_SLOTS; k++) {
        peer_slot *p = &s->peers[(h + k) % PEER_SLOTS];
        if (!p->used) { if (!insert) return NULL; if (!reuse) reuse = p; break; }
        if (!memcmp(p->addr, a, 16)) return p;
        if (!p->count && !reuse) reuse = p;
    }
    if (!insert) return NULL;
    if (reuse) { memcpy(reuse->addr, a, 16); reuse->used = true; reuse->count = 0; }
    return reuse;
}

static enum MHD_Result on_accept(void *cls, const struct sockaddr *sa, socklen_t len) {
    http_server *s = cls;
    uint8_t a[16];
    if (!s->o.conns_per_ip || !sockaddr_key(sa, a) || proxy_match(s->o.trusted, s->o.ntrusted, a)) return MHD_YES;
    pthread_mutex_lock(&s->peers_mu);
    peer_slot *p = peer_find(s, a, false);
    bool ok = !p || p->count < s->o.conns_per_ip;
    pthread_mutex_unlock(&s->peers_mu);
    if (!ok) metrics_count(METRIC_CONN_REFUSED);
    return ok ? MHD_YES : MHD_NO;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx, enum MHD_ConnectionNotificationCode code) {
    http_server *s = cls;
    if (!s->o.conns_per_ip) return;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    uint8_t a[16];
    if (!ci || !ci->client_addr || !sockaddr_key(ci->client_addr, a) || proxy_match(s->o.trusted, s->o.ntrusted, a)) return;
    pthread_mutex_lock(&s->peers_mu);
    peer_slot *p = peer_find(s, a, code == MHD_CONNECTION_NOTIFY_STARTED);
    if (p && code == MHD_CONNECTION_NOTIFY_STARTED) p->count++;
    else if (p && code == MHD_CONNECTION_NOTIFY_CLOSED && p->count) p->count--;
    pthread_mutex_unlock(&s->peers_mu);
}

static int parse_listen(const char *listen, struct sockaddr_in *sa, char *err, size_t errlen) {
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    const char *colon = strrchr(listen, ':');
    char host[64];
    const char *port = listen;
    if (colon) {
        size_t n = (size_t)(colon - listen);
        if (n >= sizeof host) { snprintf(err, errlen, "--listen %s: host too long", listen); return -1; }
        memcpy(host, listen, n); host[n] = 0;
        port = colon + 1;
    } else snprintf(host, sizeof host, "127.0.0.1");
    if (!*host || !strcmp(host, "localhost")) snprintf(host, sizeof host, "127.0.0.1");
    char *end;
    long p = strtol(port, &end, 10);
    if (*end || p < 0 || p > 65535 || end == port) { snprintf(err, errlen, "--listen %s: bad port", listen); return -1; }
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) { snprintf(err, errlen, "--listen %s: bad IPv4 address", listen); return -1; }
    sa->sin_port = htons((uint16_t)p);
    return 0;
}

int http_start(const http_opts *o, http_handler h, void *ud, http_server **out, char *err, size_t errlen) {
    *out = NULL;
    http_server *s = calloc(1, sizeof *s);
    if (!s) { snprintf(err, errlen, "out of memory"); return -1; }
    s->h = h; s->ud = ud; s->o = *o;
    struct sockaddr_in sa;
    if (parse_listen(o->listen, &sa, err, errlen)) { free(s); return -1; }
    pthread_mutex_init(&s->peers_mu, NULL);
    if (o->conns_per_ip && !(s->peers = calloc(PEER_SLOTS, sizeof *s->peers))) {
        snprintf(err, errlen, "out of memory"); free(s); return -1;
    }
    /* Handlers block on commits (fsync); a blocked pool thread stalls the
     * connections it owns, and the more requests wait together, the more one
     * group commit carries. So: several threads per CPU. */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = o->threads ? o->threads : (unsigned)(cpus > 0 ? cpus * 8 : 8);
    if (threads > 64 && !o->threads) threads = 64;
    /* Live pages hold a connection per viewer (sse.h): allow many, and the
     * file descriptors they need. Slow clients (one header byte a second)
     * cost a socket and a small memory pool each, never a thread: epoll
     * wakes a pool thread per readable socket only. What bounds them is the
     * idle timeout, the total connection limit and the per-IP limit. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME,
                            0, on_accept, s, on_request, s,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_THREAD_POOL_SIZE, threads,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
                            MHD_OPTION_CONNECTION_TIMEOUT, o->conn_timeout ? o->conn_timeout : 30u,
                            MHD_OPTION_CONNECTION_LIMIT, o->max_conns ? o->max_conns : (unsigned)HTTP_MAX_CONNECTIONS,
                            MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
                            MHD_OPTION_END);
    if (!s->d) { snprintf(err, errlen, "cannot listen on %s: %s", o->listen, strerror(errno)); free(s->peers); free(s); return -1; }
    *out = s;
    return 0;
}

uint16_t http_port(const http_server *s) {
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    return di ? di->port : 0;
}

static void static_cache_clear(void);

void http_stop(http_server *s) {
    if (!s) return;
    /* Deferred requests finish first (their work holds their connections):
     * stop accepting, then wait for them, at most ~10 s. */
    MHD_quiesce_daemon(s->d);
    for (int i = 0; i < 10000 && atomic_load(&s->parked) > 0; i++) usleep(1000);
    MHD_stop_daemon(s->d);
    static_cache_clear();
    pthread_mutex_destroy(&s->peers_mu);
    free(s->peers);
    free(s);
}

static const struct { const char *ext, *type; } mime[] = {
    {".html", "text/html; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"}, {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json"}, {".svg", "image/svg+xml"}, {".png", "image/png"},
    {".ico", "image/x-icon"}, {".txt", "text/plain; charset=utf-8"}, {".woff2", "font/woff2"},
};

/* The static-file cache: a page's response is built once (headers and all)
 * and queued again for every request, sparing open/fstat/sendfile/close.
 * A response replaced after its file changed is retired, not destroyed,
 * because another thread may be about to queue it; retired ones are freed
 * when the server stops. */
#define STATIC_SLOTS 256
#define STATIC_MAX_FILE (1 << 20)
#define STATIC_RETIRED 1024
typedef struct {
    char path[512];
    struct timespec mtime;
    off_t size;
    struct MHD_Response *resp;
} static_ent;
static struct {
    pthread_mutex_t mu;
    static_ent ent[STATIC_SLOTS];
    struct MHD_Response *retired[STATIC_RETIRED];
    size_t nretired;
} scache = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void static_cache_clear(void) {
    pthread_mutex_lock(&scache.mu);
    for (size_t i = 0; i < STATIC_SLOTS; i++) if (scache.ent[i].resp) MHD_destroy_response(scache.ent[i].resp);
    for (size_t i = 0; i < scache.nretired; i++) MHD_destroy_response(scache.retired[i]);
    memset(scache.ent, 0, sizeof scache.ent);
    scache.nretired = 0;
    pthread_mutex_unlock(&scache.mu);
}

static struct MHD_Response *static_response(http_req *r, const char *path, const struct stat *st) {
    size_t h = 5381;
    for (const char *p = path; *p; p++) h = h * 33 + (unsigned char)*p;
    size_t slot = h % STATIC_SLOTS;
    struct MHD_Response *resp = NULL;
    pthread_mutex_lock(&scache.mu);
    static_ent *e = &scache.ent[slot];
    bool same_path = !strcmp(e->path, path);
    if (e->resp && same_path && e->size == st->st_size && e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec) {
        resp = e->resp;
    } else if (strlen(path) < sizeof e->path && (!e->resp || scache.nretired < STATIC_RETIRED)) {
        /* Read and build under the lock: it happens once per file version. */
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        char *data = fd >= 0 ? malloc((size_t)st->st_size + 1) : NULL;
        ssize_t got = data ? read(fd, data, (size_t)st->st_size) : -1;
        if (fd >= 0) close(fd);
        if (got == st->st_size) resp = MHD_create_response_from_buffer((size_t)got, data, MHD_RESPMEM_MUST_FREE);
        if (resp) {
            data = NULL;
            add_headers(resp, r);
            if (e->resp) scache.retired[scache.nretired++] = e->resp;   /* another file, or a new version */
            memcpy(e->path, path, strlen(path) + 1);   /* length checked above */
            e->mtime = st->st_mtim;
            e->size = st->st_size;
            e->resp = resp;
        }
        free(data);
    }
    pthread_mutex_unlock(&scache.mu);
    return resp;
}

bool http_static(http_req *r, const char *root) {
    const char *p = r->path;
    if (!root || p[0] != '/') return false;
    /* Refuse anything that could climb out of root or name a hidden file. */
    if (strstr(p, "/.") || strchr(p, '\\')) return false;
    static __thread char path[4096];
    struct stat st;
    int n = snprintf(path, sizeof path, "%s%s", root, p);
    if (n < 0 || (size_t)n >= sizeof path - 16) return false;
    if (stat(path, &st) != 0) return false;
    if (S_ISDIR(st.st_mode)) {
        strcat(path, path[n-1] == '/' ? "index.html" : "/index.html");
        if (stat(path, &st) != 0) return false;
    }
    if (!S_ISREG(st.st_mode)) return false;
    const char *dot = strrchr(path, '.');
    r->content_type = "application/octet-stream";
    for (size_t i = 0; dot && i < sizeof mime / sizeof *mime; i++)
        if (!strcmp(dot, mime[i].ext)) r->content_type = mime[i].type;
    /* Pages change with releases: browsers revalidate (no-cache) and get a 304
     * while the ETag (modification time and size) still matches. */
    char etag[64];
    snprintf(etag, sizeof etag, "\"%lx-%lx-%lx\"", (unsigned long)st.st_mtim.tv_sec, (unsigned long)st.st_mtim.tv_nsec, (unsigned long)st.st_size);
    http_add_header(r, "Cache-Control", "no-cache");
    http_add_header(r, "ETag", etag);
    const char *inm = http_header(r, "If-None-Match");
    if (inm && !strcmp(inm, etag)) {
        r->status = 304;
        r->content_type = NULL;
        return true;
    }
    r->status = 200;
    if (st.st_size <= STATIC_MAX_FILE && (r->cached = static_response(r, path, &st))) return true;
    r->file_path = path;
    return true;
}
