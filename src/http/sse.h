/* sse.h: Server-Sent Events (text/event-stream) fan-out. A handler attaches
 * its request to a channel ("post:7", "live:3"); the server then keeps the
 * connection open and sends every event published to that channel. Waiting
 * connections are suspended in libmicrohttpd (no thread, no polling: a few
 * hundred bytes of our own per viewer), and a publish resumes exactly the
 * viewers of its channel. A heartbeat comment every 15 seconds keeps
 * proxies from closing idle streams and finds viewers that left. */
#ifndef MINYI_HTTP_SSE_H
#define MINYI_HTTP_SSE_H
#include <stddef.h>
#include "http/server.h"

typedef struct sse_hub sse_hub;

/* A hub with its heartbeat thread; NULL when out of memory. */
sse_hub *sse_hub_new(void);
/* Ends every stream (before the server stops: libmicrohttpd must not be
 * stopped with suspended connections). */
void sse_hub_close(sse_hub *h);
/* Frees the hub (after the server stopped). */
void sse_hub_free(sse_hub *h);

/* Makes r a stream of channel's events (the status line and headers go out
 * when the handler returns). retry_ms tells the browser how soon to
 * reconnect. first: an event ("event: x\ndata: ...\n\n") sent at once, or
 * NULL. Returns 0, or -1 (out of memory, or channel longer than 63 bytes). */
int sse_attach(sse_hub *h, http_req *r, const char *channel, const char *first);

/* Sends event (a name, [a-z_]+) with data (one line: JSON) to every viewer
 * of channel. Thread-safe; returns the number of viewers reached. */
size_t sse_publish(sse_hub *h, const char *channel, const char *event, const char *data);

/* Viewers of a channel now (0 for an unknown channel). */
size_t sse_viewers(sse_hub *h, const char *channel);

/* Used by the server: the response for a request attached with sse_attach. */
void *sse_response(http_req *r);

#endif
