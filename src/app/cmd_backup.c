/* cmd_backup.c: `minyi backup FILE`, `minyi restore FILE` and `minyi check`:
 * the database's safety net, through the store's whole-database operations
 * (store.h): an online backup while the server takes writes, a verified
 * restore, and the integrity check plus minyi's own invariants. */
#include "app/cmd.h"
#include "core/log.h"
#include "store/store.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help_backup[] =
    "usage: minyi backup FILE [--db URI]\n\n"
    "Writes a consistent copy of the database to FILE while the server keeps\n"
    "running and taking messages: everything committed before the backup\n"
    "started is in it. FILE is replaced only once the copy is complete.\n";

static const char help_restore[] =
    "usage: minyi restore FILE [--db URI] [--force]\n\n"
    "Verifies the backup FILE (integrity check, schema version, minyi's\n"
    "invariants), then replaces the database with it. Refuses to overwrite an\n"
    "existing database unless --force. Stop the server first: it keeps\n"
    "serving whatever it had cached until restarted.\n";

static const char help_check[] =
    "usage: minyi check [--db URI] [--json]\n\n"
    "Runs SQLite's integrity check, the foreign-key check and minyi's\n"
    "invariants (every reply's and rating's message exists, every group's\n"
    "members and first message exist, group sizes, consultation counts and\n"
    "the dashboard figures match a recount). Prints one line per check;\n"
    "exit status 1 when any fails.\n";

/* Parses FILE, --db and the given flag; returns 0, or 2 after a message. */
static int args(int argc, char **argv, const char *help, const char *name, const char **file,
                const char **db, const char *flag, bool *flag_set) {
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { fputs(help, stdout); return 1; }
        if (cmd_opt(argc, argv, &i, "--db", db)) continue;
        if (flag && !strcmp(argv[i], flag)) { *flag_set = true; continue; }
        if (file && !*file && argv[i][0] != '-') { *file = argv[i]; continue; }
        fprintf(stderr, "minyi %s: unknown argument '%s'\n%s", name, argv[i], help);
        return 2;
    }
    if (file && !*file) { fprintf(stderr, "minyi %s: which FILE?\n%s", name, help); return 2; }
    return 0;
}

static store *open_db(const char *db) {
    char err[512];
    store *st;
    if (store_open(db, &st, err, sizeof err)) { log_error("%s", err); return NULL; }
    return st;
}

/* Prints the check report; returns whether it passed. */
static bool report(json_t *rep, bool as_json) {
    if (as_json) {
        char *s = json_dumps(rep, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s) { puts(s); free(s); }
    } else {
        size_t i; json_t *c;
        json_array_foreach(json_object_get(rep, "checks"), i, c) {
            json_int_t v = json_integer_value(json_object_get(c, "violations"));
            printf("%-4s %-22s %s", v ? "FAIL" : "ok", json_string_value(json_object_get(c, "name")),
                   json_string_value(json_object_get(c, "what")));
            if (v) printf(": %lld", (long long)v);
            putchar('\n');
        }
        json_t *p;
        json_array_foreach(json_object_get(rep, "problems"), i, p) printf("  %s\n", json_string_value(p));
    }
    return json_is_true(json_object_get(rep, "ok"));
}

int cmd_backup(int argc, char **argv) {
    const char *db = "sqlite:var/minyi.db", *file = NULL;
    int rc = args(argc, argv, help_backup, "backup", &file, &db, NULL, NULL);
    if (rc) return rc == 1 ? 0 : rc;
    store *st = open_db(db);
    if (!st) return 1;
    rc = st->ops->backup(st, file);
    if (rc) log_error("backup: %s", store_errmsg(st));
    else fprintf(stderr, "minyi backup: %s written\n", file);
    store_close(st);
    return rc ? 1 : 0;
}

int cmd_restore(int argc, char **argv) {
    const char *db = "sqlite:var/minyi.db", *file = NULL;
    bool force = false;
    int rc = args(argc, argv, help_restore, "restore", &file, &db, "--force", &force);
    if (rc) return rc == 1 ? 0 : rc;
    char err[1024];
    rc = store_restore(db, file, force, err, sizeof err);
    if (rc) { log_error("restore: %s", err); return 1; }
    /* Opening migrates a backup made by an older minyi; then check the result. */
    store *st = open_db(db);
    if (!st) return 1;
    json_t *rep;
    rc = st->ops->check(st, &rep);
    if (rc) { log_error("restore: check: %s", store_errmsg(st)); store_close(st); return 1; }
    bool ok = json_is_true(json_object_get(rep, "ok"));
    fprintf(stderr, "minyi restore: %s restored from %s (%lld messages), check %s\n", db, file,
            (long long)json_integer_value(json_object_get(rep, "messages")), ok ? "passed" : "FAILED");
    if (!ok) report(rep, false);
    json_decref(rep);
    store_close(st);
    return ok ? 0 : 1;
}

int cmd_check(int argc, char **argv) {
    const char *db = "sqlite:var/minyi.db";
    bool as_json = false;
    int rc = args(argc, argv, help_check, "check", NULL, &db, "--json", &as_json);
    if (rc) return rc == 1 ? 0 : rc;
    store *st = open_db(db);
    if (!st) return 1;
    json_t *rep;
    rc = st->ops->check(st, &rep);
    if (rc) { log_error("check: %s", store_errmsg(st)); store_close(st); return 1; }
    bool ok = report(rep, as_json);
    if (!as_json) printf("%s: %lld messages, %s\n", db, (long long)json_integer_value(json_object_get(rep, "messages")),
                         ok ? "all checks passed" : "CHECK FAILED");
    json_decref(rep);
    store_close(st);
    return ok ? 0 : 1;
}
