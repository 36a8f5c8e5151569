/* cmd_admin.c: scripted administration without the web UI:
 * `minyi dept`, `minyi user`, `minyi consultation`. Each works against
 * --db and refuses bad input with a clear message. */
#include "app/auth.h"
#include "app/cmd.h"
#include "app/staffphone.h"
#include "app/validate.h"
#include "core/log.h"
#include "store/store.h"
#include "text/utf8.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_DB "sqlite:var/minyi.db"

static int open_db(const char *uri, store **st) {
    char err[512];
    if (store_open(uri, st, err, sizeof err)) { log_error("%s", err); return -1; }
    return 0;
}

/* A name given on the command line: valid UTF-8, 1..max characters, no control characters. */
static int check_name(const char *what, const char *s, size_t max) {
    size_t n = strlen(s);
    if (!utf8_valid(s, n)) { log_error("%s is not valid UTF-8", what); return -1; }
    str t = str_trim((str){ s, n });
    if (t.n == 0) { log_error("%s must not be empty", what); return -1; }
    if (utf8_count(t.p, t.n) > max) { log_error("%s is longer than %zu characters", what, max); return -1; }
    for (size_t i = 0; i < n; i++) if ((unsigned char)s[i] < 0x20) { log_error("%s contains a control character", what); return -1; }
    return 0;
}

static void print_json_list(json_t *a, const char *const *keys) {
    size_t i; json_t *o;
    json_array_foreach(a, i, o) {
        for (const char *const *k = keys; *k; k++) {
            json_t *v = json_object_get(o, *k);
            if (k != keys) putchar('\t');
            if (json_is_integer(v)) printf("%lld", (long long)json_integer_value(v));
            else if (json_is_string(v)) fputs(json_string_value(v), stdout);
            else fputs("-", stdout);
        }
        putchar('\n');
    }
}

static const char dept_help[] =
    "usage: minyi dept add NAME [--db URI]\n"
    "       minyi dept list [--db URI]\n"
    "       minyi dept rule NAME KEYWORD... [--db URI]   route messages containing KEYWORD to NAME\n";

int cmd_dept(int argc, char **argv) {
    const char *db = DEFAULT_DB;
    const char *pos[64]; int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { fputs(dept_help, stdout); return 0; }
        if (cmd_opt(argc, argv, &i, "--db", &db)) continue;
        if (argv[i][0] == '-' && argv[i][1] == '-') { fprintf(stderr, "minyi dept: unknown option '%s'\n%s", argv[i], dept_help); return 2; }
        if (npos < 64) pos[npos++] = argv[i];
    }
    if (npos == 0) { fputs(dept_help, stderr); return 2; }
    store *st;
    if (!strcmp(pos[0], "add") && npos == 2) {
        if (check_name("department name", pos[1], 100) || open_db(db, &st)) return 1;
        int64_t id;
        int rc = st->ops->dept_add(st, str_trim(str_c(pos[1])), &id);
        if (rc == STORE_CONFLICT) log_error("department '%s' already exists", pos[1]);
        else if (rc) log_error("%s", store_errmsg(st));
        else printf("department %lld: %s\n", (long long)id, pos[1]);
        store_close(st);
        return rc ? 1 : 0;
    }
    if (!strcmp(pos[0], "list") && npos == 1) {
        if (open_db(db, &st)) return 1;
        json_t *a;
        int rc = st->ops->dept_list(st, &a);
        if (!rc) { print_json_list(a, (const char *const[]){ "id", "name", NULL }); json_decref(a); }
        store_close(st);
        return rc ? 1 : 0;
    }
    if (!strcmp(pos[0], "rule") && npos >= 3) {
        if (open_db(db, &st)) return 1;
        int64_t id;
        if (st->ops->dept_find(st, str_c(pos[1]), &id)) { log_error("no department '%s'", pos[1]); store_close(st); return 1; }
        int rc = 0;
        for (int k = 2; k < npos && !rc; k++) {
            if (check_name("keyword", pos[k], 50)) { rc = 1; break; }
            if (st->ops->rule_add(st, str_trim(str_c(pos[k])), id)) { log_error("%s", store_errmsg(st)); rc = 1; }
        }
        store_close(st);
        return rc;
    }
    fputs(dept_help, stderr);
    return 2;
}

static const char user_help[] =
    "usage: minyi user add LOGIN --role admin|head|handler|moderator|leader [--dept NAME] [--phone NUMBER]\n"
    "                  [--password-file FILE] [--db URI]   (no file: the password is read from stdin)\n"
    "       minyi user passwd LOGIN [--password-file FILE] [--db URI]\n"
    "       minyi user phone LOGIN NUMBER [--db URI]      (\"\" clears it)\n"
    "       minyi user list [--db URI]\n"
    "Phone numbers are encrypted in the database with the key file (--key-file FILE;\n"
    "default minyi.key beside the database, made if missing) and listed masked.\n";

/* The key for officials' phone numbers: --key-file, else beside the database. */
static int load_key(store *st, const char *db, const char *keyfile, secret_key *k) {
    char path[4096], err[1024];
    if (keyfile) snprintf(path, sizeof path, "%s", keyfile); else secret_default_path(db, path, sizeof path);
    int rc = staffphone_key(st, path, k, err, sizeof err);
    if (rc < 0) log_error("%s", err);
    else if (rc == 1) fprintf(stderr, "minyi: created the key file %s (keep it, and out of database backups)\n", path);
    return rc < 0 ? -1 : 0;
}

/* Seals phone for the user; 0 or 1 (after a message). */
static int set_phone(store *st, const char *db, const char *keyfile, int64_t id, const char *phone) {
    if (!*phone) return st->ops->user_phone_set(st, id, NULL, 0) ? (log_error("%s", store_errmsg(st)), 1) : 0;
    secret_key k;
    char err[512];
    if (load_key(st, db, keyfile, &k)) return 1;
    int rc = staffphone_set(st, &k, id, str_c(phone), err, sizeof err);
    sodium_memzero(&k, sizeof k);
    if (rc) { log_error("--phone: %s", err); return 1; }
    return 0;
}

/* Reads a password: the first line of FILE, or of stdin. */
static int read_password(const char *file, char *out, size_t cap) {
    FILE *f = file ? fopen(file, "r") : stdin;
    if (!f) { log_error("--password-file %s: cannot open", file); return -1; }
    if (!fgets(out, (int)cap, f)) out[0] = 0;
    if (file) fclose(f);
    out[strcspn(out, "\r\n")] = 0;
    size_t n = strlen(out);
    if (n < 8) { log_error("the password must be at least 8 characters"); return -1; }
    if (n >= cap - 1) { log_error("the password is too long (max %zu)", cap - 2); return -1; }
    if (!utf8_valid(out, n)) { log_error("the password is not valid UTF-8"); return -1; }
    return 0;
}

int cmd_user(int argc, char **argv) {
    const char *db = DEFAULT_DB, *role = NULL, *dept = NULL, *pwfile = NULL, *phone = NULL, *keyfile = NULL;
    const char *pos[8]; int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { fputs(user_help, stdout); return 0; }
        if (cmd_opt(argc, argv, &i, "--db", &db) || cmd_opt(argc, argv, &i, "--role", &role)
            || cmd_opt(argc, argv, &i, "--dept", &dept) || cmd_opt(argc, argv, &i, "--password-file", &pwfile)
            || cmd_opt(argc, argv, &i, "--phone", &phone) || cmd_opt(argc, argv, &i, "--key-file", &keyfile)) continue;
        if (argv[i][0] == '-' && argv[i][1] == '-') { fprintf(stderr, "minyi user: unknown option '%s'\n%s", argv[i], user_help); return 2; }
        if (npos < 8) pos[npos++] = argv[i];
    }
    if (npos == 0) { fputs(user_help, stderr); return 2; }
    if (auth_init()) { log_error("cannot initialise libsodium"); return 1; }
    store *st;
    if (!strcmp(pos[0], "list") && npos == 1) {
        if (open_db(db, &st)) return 1;
        json_t *a;
        int rc = st->ops->user_list(st, &a);
        secret_key k;
        if (!rc && load_key(st, db, keyfile, &k) == 0) { staffphone_mask_list(st, &k, a); sodium_memzero(&k, sizeof k); }
        if (!rc) { print_json_list(a, (const char *const[]){ "id", "login", "role", "department", "phone", NULL }); json_decref(a); }
        store_close(st);
        return rc ? 1 : 0;
    }
    if (!strcmp(pos[0], "phone")) {
        if (npos != 3) { fputs(user_help, stderr); return 2; }
        valid_err e;
        char norm[64]; size_t nn;
        if (*pos[2] && valid_phone(str_c(pos[2]), norm, sizeof norm, &nn, &e)) { log_error("%s", e.message); return 2; }
        if (open_db(db, &st)) return 1;
        store_user u;
        int rc = st->ops->user_get(st, str_c(pos[1]), &u);
        if (rc) { log_error(rc == STORE_NOT_FOUND ? "no user '%s'" : "%s", rc == STORE_NOT_FOUND ? pos[1] : store_errmsg(st)); store_close(st); return 1; }
        rc = set_phone(st, db, keyfile, u.id, pos[2]);
        if (!rc) printf("phone of %s %s\n", pos[1], *pos[2] ? "set (encrypted)" : "cleared");
        store_close(st);
        return rc;
    }
    bool add = !strcmp(pos[0], "add"), passwd = !strcmp(pos[0], "passwd");
    if ((!add && !passwd) || npos != 2) { fputs(user_help, stderr); return 2; }
    valid_err e;
    if (valid_login(str_c(pos[1]), &e)) { log_error("%s", e.message); return 2; }
    if (add) {
        if (!role) { log_error("user add: --role is required (admin, head, handler, moderator or leader)"); return 2; }
        if (strcmp(role, "admin") && strcmp(role, "head") && strcmp(role, "handler") && strcmp(role, "moderator") && strcmp(role, "leader")) {
            log_error("user add: --role must be admin, head, handler, moderator or leader, not '%s'", role); return 2;
        }
        if ((!strcmp(role, "handler") || !strcmp(role, "head")) && !dept) { log_error("user add: a %s needs --dept NAME", role); return 2; }
        char norm[64]; size_t nn;
        if (phone && valid_phone(str_c(phone), norm, sizeof norm, &nn, &e)) { log_error("user add: --phone: %s", e.message); return 2; }
    }
    char pw[258], hash[160];
    if (read_password(pwfile, pw, sizeof pw)) return 1;
    if (auth_hash_password(pw, strlen(pw), hash)) { sodium_memzero(pw, sizeof pw); log_error("out of memory hashing the password"); return 1; }
    sodium_memzero(pw, sizeof pw);
    if (open_db(db, &st)) return 1;
    int rc;
    if (add) {
        int64_t dept_id = 0, id;
        if (dept && st->ops->dept_find(st, str_c(dept), &dept_id)) { log_error("no department '%s' (create it with: minyi dept add '%s')", dept, dept); store_close(st); return 1; }
        rc = st->ops->user_add(st, str_c(pos[1]), hash, role, dept_id, &id);
        if (rc == STORE_CONFLICT) log_error("login '%s' already exists", pos[1]);
        else if (rc) log_error("%s", store_errmsg(st));
        else {
            printf("user %lld: %s (%s%s%s)\n", (long long)id, pos[1], role, dept ? ", " : "", dept ? dept : "");
            if (phone) rc = set_phone(st, db, keyfile, id, phone);
        }
    } else {
        rc = st->ops->user_set_password(st, str_c(pos[1]), hash);
        if (rc == STORE_NOT_FOUND) log_error("no user '%s'", pos[1]);
        else if (rc) log_error("%s", store_errmsg(st));
        else printf("password of %s changed\n", pos[1]);
    }
    store_close(st);
    return rc ? 1 : 0;
}

static const char cons_help[] =
    "usage: minyi consultation add TITLE [--description TEXT] [--kind consultation|board] [--db URI]\n"
    "       minyi consultation list [--db URI]\n";

int cmd_consultation(int argc, char **argv) {
    const char *db = DEFAULT_DB, *desc = "", *kind = "consultation";
    const char *pos[8]; int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { fputs(cons_help, stdout); return 0; }
        if (cmd_opt(argc, argv, &i, "--db", &db) || cmd_opt(argc, argv, &i, "--description", &desc)
            || cmd_opt(argc, argv, &i, "--kind", &kind)) continue;
        if (argv[i][0] == '-' && argv[i][1] == '-') { fprintf(stderr, "minyi consultation: unknown option '%s'\n%s", argv[i], cons_help); return 2; }
        if (npos < 8) pos[npos++] = argv[i];
    }
    store *st;
    if (npos == 1 && !strcmp(pos[0], "list")) {
        if (open_db(db, &st)) return 1;
        json_t *a;
        int rc = st->ops->consultation_list(st, &a);
        if (!rc) { print_json_list(a, (const char *const[]){ "id", "kind", "status", "received_count", "title", NULL }); json_decref(a); }
        store_close(st);
        return rc ? 1 : 0;
    }
    if (npos != 2 || strcmp(pos[0], "add")) { fputs(cons_help, stderr); return 2; }
    if (check_name("title", pos[1], 200)) return 2;
    if (!utf8_valid(desc, strlen(desc))) { log_error("--description is not valid UTF-8"); return 2; }
    if (strcmp(kind, "consultation") && strcmp(kind, "board")) { log_error("--kind must be consultation or board"); return 2; }
    if (open_db(db, &st)) return 1;
    int64_t id;
    int rc = st->ops->consultation_add(st, str_trim(str_c(pos[1])), str_c(desc), str_c(kind), &id);
    if (rc) log_error("%s", store_errmsg(st));
    else printf("consultation %lld: %s\n", (long long)id, pos[1]);
    store_close(st);
    return rc ? 1 : 0;
}
