/* store.c: picks the backend for a database URI (see store.h). */
#include "store/store.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Splits uri into the backend's path (file, cap bytes) and options. */
static int parse_uri(const char *uri, char *file, size_t cap, const char **options, char *err, size_t errlen) {
    if (!uri || !*uri) { snprintf(err, errlen, "empty database URI"); return STORE_ERROR; }
    if (!strncmp(uri, "postgres://", 11) || !strncmp(uri, "postgresql://", 13)) {
        snprintf(err, errlen, "%s: the PostgreSQL backend is not built yet; use sqlite:PATH", uri);
        return STORE_ERROR;
    }
    const char *path = uri;
    if (!strncmp(uri, "sqlite:", 7)) path = uri + 7;
    else if (strstr(uri, "://")) {
        snprintf(err, errlen, "%s: unknown database scheme (expected sqlite:PATH)", uri);
        return STORE_ERROR;
    }
    if (!strncmp(path, "//", 2)) path += 2;   /* sqlite://path */
    const char *q = strchr(path, '?');
    size_t n = q ? (size_t)(q - path) : strlen(path);
    if (n == 0 || n >= cap) { snprintf(err, errlen, "%s: missing database path", uri); return STORE_ERROR; }
    memcpy(file, path, n);
    file[n] = 0;
    *options = q ? q + 1 : NULL;
    return STORE_OK;
}

int store_open(const char *uri, store **out, char *err, size_t errlen) {
    *out = NULL;
    char file[4096];
    const char *options;
    int rc = parse_uri(uri, file, sizeof file, &options, err, errlen);
    if (rc) return rc;
    return store_sqlite.open(file, options, out, err, errlen);
}

int store_restore(const char *uri, const char *from, bool force, char *err, size_t errlen) {
    char file[4096];
    const char *options;
    int rc = parse_uri(uri, file, sizeof file, &options, err, errlen);
    if (rc) return rc;
    return store_sqlite.restore(file, from, force, err, errlen);
}
