/* cmd_key.c: `minyi key rotate`: a new key for the officials' phone numbers
 * sealed in the database (app/staffphone.h). Order, so that a crash at any
 * point loses nothing: the new key is written to FILE.new; every number is
 * re-sealed under it in one transaction; the old key is kept as
 * FILE.old-<time> (backups taken before the rotation need it); FILE.new
 * becomes FILE. Run again after a crash, it picks up FILE.new and finishes. */
#include "app/cmd.h"
#include "app/staffphone.h"
#include "core/log.h"
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char help[] =
    "usage: minyi key rotate [--db URI] [--key-file FILE]\n\n"
    "Replaces the key that seals officials' phone numbers (default key file:\n"
    "minyi.key beside the database, e.g. var/minyi.key). Every sealed number\n"
    "is re-encrypted under the new key in one transaction; the old key is kept\n"
    "as FILE.old-YYYYMMDDTHHMMSS for backups made before the rotation.\n"
    "Stop the server first, or restart it afterwards: it holds the key it\n"
    "started with.\n";

int cmd_key(int argc, char **argv) {
    const char *db = "sqlite:var/minyi.db", *keyfile = NULL, *verb = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { fputs(help, stdout); return 0; }
        if (cmd_opt(argc, argv, &i, "--db", &db) || cmd_opt(argc, argv, &i, "--key-file", &keyfile)) continue;
        if (!verb && argv[i][0] != '-') { verb = argv[i]; continue; }
        fprintf(stderr, "minyi key: unknown argument '%s'\n%s", argv[i], help);
        return 2;
    }
    if (!verb || strcmp(verb, "rotate")) { fputs(help, stderr); return 2; }
    if (sodium_init() < 0) { log_error("cannot initialise libsodium"); return 1; }
    char path[4096], next[4200], old_path[4300], err[1024];
    if (keyfile) snprintf(path, sizeof path, "%s", keyfile); else secret_default_path(db, path, sizeof path);
    snprintf(next, sizeof next, "%s.new", path);
    secret_key old, nk;
    if (secret_key_load(path, false, &old, err, sizeof err) < 0) { log_error("key rotate: %s", err); return 1; }
    store *st;
    if (store_open(db, &st, err, sizeof err)) { log_error("%s", err); return 1; }
    int r = access(next, F_OK) == 0 ? secret_key_load(next, false, &nk, err, sizeof err) : 2;
    if (r < 0) { log_error("key rotate: %s", err); store_close(st); return 1; }
    if (r == 2) {
        secret_key_new(&nk);
        if (secret_key_write(next, &nk, err, sizeof err)) { log_error("key rotate: %s", err); store_close(st); return 1; }
    } else fprintf(stderr, "minyi key: finishing the rotation to %s left by an earlier run\n", next);
    int64_t n = 0;
    if (staffphone_rotate(st, &old, &nk, &n, err, sizeof err)) { log_error("key rotate: %s (the key is unchanged)", err); store_close(st); return 1; }
    store_close(st);
    char stamp[32];
    time_t now = time(NULL);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", gmtime(&now));
    snprintf(old_path, sizeof old_path, "%s.old-%s", path, stamp);
    if (rename(path, old_path) || rename(next, path)) {
        log_error("key rotate: the numbers are sealed under %s, but renaming it to %s failed; rename it by hand", next, path);
        return 1;
    }
    sodium_memzero(&old, sizeof old); sodium_memzero(&nk, sizeof nk);
    printf("key rotated: %lld phone numbers re-sealed; new key %s, old key kept as %s\n", (long long)n, path, old_path);
    return 0;
}
