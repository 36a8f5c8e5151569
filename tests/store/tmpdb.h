/* tmpdb.h: a throwaway SQLite store for the tests of src/store/ (each test
 * binary includes it): tmpdb_open() makes one under /tmp, tmpdb_drop()
 * closes and deletes it with its WAL files. */
#ifndef MINYI_TESTS_TMPDB_H
#define MINYI_TESTS_TMPDB_H
#include "store/store.h"
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* path: 128 bytes, filled with the file's name; options e.g. "?sync=normal" or "". */
static inline store *tmpdb_open(char *path, const char *options) {
    snprintf(path, 128, "/tmp/minyi_store_%d_%d.db", getpid(), rand());
    char uri[192], err[256];
    snprintf(uri, sizeof uri, "sqlite:%s%s", path, options);
    store *s = NULL;
    if (store_open(uri, &s, err, sizeof err)) fprintf(stderr, "  open: %s\n", err);
    return s;
}

static inline void tmpdb_drop(store *s, const char *path) {
    store_close(s);
    char p[160];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path); unlink(p);
    snprintf(p, sizeof p, "%s-shm", path); unlink(p);
}
#endif
