/* server.h: the HTTP server, a thin layer over libmicrohttpd. It collects
 * the request (method, path, query, headers, body up to a limit), calls one
 * handler, and sends what the handler put in the response. Also serves
 * static files and logs one line per request. */
#ifndef MINYI_HTTP_SERVER_H
#define MINYI_HTTP_SERVER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/str.h"
#include "http/proxy.h"

typedef struct http_server http_server;

/* Open connections at most (live viewers hold one each). */
#define HTTP_MAX_CONNECTIONS 20000
/* libmicrohttpd's memory pool per connection (its default is 32 KiB). About
 * half of it stays resident for as long as the connection is open, which for
 * a live page's event stream is hours: bench/sse.sh measured 28.6 KB of RSS
 * per stream at 32 KiB and 20.4 KB at 16 KiB. 16 KiB still leaves 8 KiB
 * for a request's header lines. */
#define HTTP_CONN_MEMORY (16 * 1024)
/* Request bodies to paths ending in /image (a post's picture) may be this large. */
#define HTTP_MAX_IMAGE (2u << 20)

typedef struct http_req {
    /* request */
    const char *method;      /* "GET", "POST", ... */
    const char *path;        /* decoded path without the query */
    str body;
    bool body_too_large;     /* the body went over max_body; it was not kept */
    char ip[64];             /* the client: the peer, or behind a trusted proxy the forwarded address */
    char peer[64];           /* the socket's peer address */
    const char *route;       /* set by the handler: the route pattern, for metrics (NULL = "other") */
    void *conn;              /* struct MHD_Connection *; NULL for a request built in memory */
    const char *const *kv;   /* without conn: "h:Name", value, "q:name", value, "c:name", value, ..., NULL
                              * (the fuzzer drives the handlers this way, without sockets) */
    /* response, filled by the handler */
    int status;
    buf out;
    const char *content_type;
    char headers[1024];      /* extra "Name: value\r\n" lines */
    size_t nheaders;
    const char *file_path;   /* when set (and status 200), the file is sent instead of out */
    void *cached;            /* a ready static-file response (struct MHD_Response *), sent as is */
    /* A deferred answer, for a handler that waits on something slow (a
     * durable commit) without holding a server thread: the handler sets
     * defer; the server then parks the connection and calls defer(r,
     * defer_arg), which starts the work; whoever finishes it fills the
     * response and calls http_resume(r), from any thread, exactly once. */
    void (*defer)(struct http_req *r, void *arg);
    void *defer_arg;
    void *stream;            /* set by sse_attach(): the response is an event stream (sse.h) */
} http_req;

typedef void (*http_handler)(http_req *r, void *ud);

typedef struct {
    const char *listen;      /* "127.0.0.1:8080" */
    size_t max_body;         /* bytes */
    const char *upload_prefix;   /* paths starting with this (model uploads) ... */
    size_t max_upload;           /* ... may send bodies up to this many bytes */
    unsigned threads;        /* 0 = number of CPUs */
    bool quiet;              /* no per-request log lines */
    const proxy_cidr *trusted;   /* proxies whose X-Forwarded-For / X-Real-IP are believed */
    size_t ntrusted;
    unsigned conns_per_ip;   /* open connections allowed per peer address (0 = no limit); trusted proxies exempt */
    unsigned max_conns;      /* open connections in all (0 = HTTP_MAX_CONNECTIONS) */
    unsigned conn_timeout;   /* seconds a connection may stay silent (0 = 30) */
} http_opts;

/* Starts serving in background threads. Returns 0, or -1 with err. */
int  http_start(const http_opts *o, http_handler h, void *ud, http_server **out, char *err, size_t errlen);
void http_stop(http_server *s);
uint16_t http_port(const http_server *s);   /* the bound port (useful with :0) */

/* Request accessors (values are NUL-terminated, owned by the connection). */
const char *http_header(http_req *r, const char *name);
const char *http_query(http_req *r, const char *name);
const char *http_cookie(http_req *r, const char *name);

/* Sends the response of a deferred request (see http_req.defer). */
void http_resume(http_req *r);

/* Response helpers. */
void http_add_header(http_req *r, const char *name, const char *value);

/* Static files: maps r->path under root to a file and answers it: 304 when
 * the browser's If-None-Match is current, else the file (small files from a
 * memory cache keyed by path, modification time and size; large ones with
 * sendfile). Returns false when there is no such file (or the path tries to
 * leave root). */
bool http_static(http_req *r, const char *root);

#endif
