/* json.h: JSON request bodies and responses for the API (jansson).
 * Errors always take the shape {"error":{"code","message","field"}}. */
#ifndef MINYI_HTTP_JSON_H
#define MINYI_HTTP_JSON_H
#include <jansson.h>
#include "http/server.h"

/* Sends j (stolen: the reference is released) with the status. */
void http_json(http_req *r, int status, json_t *j);
/* Sends an error; field may be NULL. */
void http_error(http_req *r, int status, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Parses the request body as a JSON object. On failure sends the right
 * error (413 too large, 400 invalid UTF-8 with its byte offset, 400 invalid
 * JSON with line/column, 400 not an object) and returns NULL. */
json_t *http_body_json(http_req *r);

#endif
