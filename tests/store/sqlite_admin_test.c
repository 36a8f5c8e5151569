/* sqlite_admin_test.c: tests for src/store/sqlite_admin.c through store.h:
 * the check finds each broken invariant, a backup restores to the same data,
 * restore refuses to overwrite without force and refuses unsound backups. */
#include "test.h"
#include "store/store.h"
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

static void unlink_db(const char *path) {
    char p[200];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path); unlink(p);
    snprintf(p, sizeof p, "%s-shm", path); unlink(p);
}

static store *open_path(const char *path) {
    char uri[200], err[256];
    snprintf(uri, sizeof uri, "sqlite:%s", path);
    store *s = NULL;
    if (store_open(uri, &s, err, sizeof err)) fprintf(stderr, "  open: %s\n", err);
    return s;
}

/* A database with a consultation, three messages and a reply. */
static store *seeded(char *path, int64_t *msg) {
    snprintf(path, 128, "/tmp/minyi_admin_%d_%d.db", getpid(), rand());
    unlink_db(path);
    store *s = open_path(path);
    int64_t c, d, rid;
    s->ops->consultation_add(s, STR_LIT("征求意见"), STR_LIT(""), STR_LIT("board"), &c);
    s->ops->dept_add(s, STR_LIT("交通运输局"), &d);
    for (int i = 0; i < 3; i++) {
        store_new_msg m = { .consultation_id = c, .title = STR_LIT("路灯不亮"), .body = STR_LIT("晚上很黑"),
                            .type = STR_LIT("投诉"), .department_id = d };
        char code[20];
        CHECK_INT(s->ops->msg_add(s, &m, &msg[i], code), STORE_OK);
    }
    CHECK_INT(s->ops->reply_add(s, msg[0], 0, d, STR_LIT("已修复"), &rid), STORE_OK);
    return s;
}

static void raw(const char *path, const char *sql) {
    sqlite3 *db;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    char *e = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &e) != SQLITE_OK) { fprintf(stderr, "  %s: %s\n", sql, e); test_failures++; }
    sqlite3_free(e);
    sqlite3_close(db);
}

/* Violations of the named check, or -1 when it is missing. */
static long long violations(store *s, const char *name, bool *ok) {
    json_t *rep;
    CHECK_INT(s->ops->check(s, &rep), STORE_OK);
    *ok = json_is_true(json_object_get(rep, "ok"));
    long long v = -1;
    size_t i; json_t *c;
    json_array_foreach(json_object_get(rep, "checks"), i, c)
        if (!strcmp(json_string_value(json_object_get(c, "name")), name)) v = json_integer_value(json_object_get(c, "violations"));
    json_decref(rep);
    return v;
}

TEST(check_passes_on_a_sound_database) {
    char path[128]; int64_t m[3];
    store *s = seeded(path, m);
    bool ok = false;
    CHECK_INT(violations(s, "integrity_check", &ok), 0);
    CHECK(ok);
    CHECK_INT(violations(s, "group_size", &ok), 0);
    store_close(s);
    unlink_db(path);
}

TEST(check_finds_each_broken_invariant) {
    static const struct { const char *name, *sql; } cases[] = {
        { "reply_message", "PRAGMA foreign_keys=OFF; INSERT INTO replies(message_id, body) VALUES (9999, 'orphan');" },
        { "consultation_count", "UPDATE consultations SET message_count = 7;" },
        { "consultation_public_count", "UPDATE consultations SET public_count = 7;" },
        { "inbox_counts", "UPDATE inbox_counts SET n = n + 3;" },
        { "inbox_counts", "DELETE FROM inbox_counts;" },
        { "group_times", "UPDATE messages SET group_id = 1 WHERE id IN (1, 2); UPDATE msg_groups SET last_at = '2000-01-01T00:00:00Z';" },
        { "group_size", "UPDATE messages SET group_id = id WHERE id = 1; UPDATE msg_groups SET size = 5;" },
        { "group_first", "PRAGMA foreign_keys=OFF; UPDATE messages SET group_id = 777 WHERE id = 2;" },
        { "rating_message", "PRAGMA foreign_keys=OFF; INSERT INTO ratings(message_id, score) VALUES (4242, 3);" },
        { "consultation_counts", "UPDATE consultation_counts SET n = n + 1;" },
        { "consultation_counts", "DELETE FROM consultation_counts;" },
        { "message_department", "PRAGMA foreign_keys=OFF; UPDATE messages SET department_id = 555 WHERE id = 3;" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char path[128]; int64_t m[3];
        store *s = seeded(path, m);
        store_close(s);
        raw(path, cases[i].sql);
        s = open_path(path);
        bool ok = true;
        long long v = violations(s, cases[i].name, &ok);
        if (v <= 0) fprintf(stderr, "  %s: not found (%lld)\n", cases[i].name, v);
        CHECK(v > 0);
        CHECK(!ok);
        store_close(s);
        unlink_db(path);
    }
}

/* A dashboard aggregate that no longer matches its messages is reported
 * with the figure that differs, by name, and both values. */
TEST(check_names_a_wrong_dashboard_figure) {
    char path[128]; int64_t m[3];
    store *s = seeded(path, m);
    bool ok = false;
    CHECK_INT(violations(s, "stats_days", &ok), 0);
    CHECK(ok);
    store_close(s);
    raw(path, "UPDATE stats_days SET replied = replied + 2 WHERE department_id <> 0;");
    s = open_path(path);
    CHECK_INT(violations(s, "stats_days", &ok), 1);
    CHECK(!ok);
    json_t *rep;
    CHECK_INT(s->ops->check(s, &rep), STORE_OK);
    const char *line = json_string_value(json_array_get(json_object_get(rep, "problems"), 0));
    CHECK(line && strstr(line, "stats_days: department ") && strstr(line, "replied 3 (recount 1)"));
    if (line && !strstr(line, "replied 3 (recount 1)")) fprintf(stderr, "  %s\n", line);
    CHECK(line && !strstr(line, "received"));   /* only what differs */
    json_decref(rep);
    store_close(s);
    /* a missing row counts too */
    raw(path, "DELETE FROM stats_days;");
    s = open_path(path);
    CHECK_INT(violations(s, "stats_days", &ok), 1);
    store_close(s);
    unlink_db(path);
}

TEST(backup_restores_the_same_data) {
    char path[128], bak[160], dst[160]; int64_t m[3];
    store *s = seeded(path, m);
    snprintf(bak, sizeof bak, "%s.bak", path);
    snprintf(dst, sizeof dst, "%s.restored", path);
    unlink(bak); unlink_db(dst);
    CHECK_INT(s->ops->backup(s, bak), STORE_OK);
    CHECK(access(bak, R_OK) == 0);
    char tmp[200]; snprintf(tmp, sizeof tmp, "%s.tmp", bak);
    CHECK(access(tmp, F_OK) != 0);                      /* no leftover */
    char uri[200], err[512];
    snprintf(uri, sizeof uri, "sqlite:%s", dst);
    CHECK_INT(store_restore(uri, bak, false, err, sizeof err), STORE_OK);
    store *r = open_path(dst);
    store_msg a, b;
    CHECK_INT(r->ops->msg_get(r, m[2], &b), STORE_OK);
    CHECK_INT(s->ops->msg_get(s, m[2], &a), STORE_OK);
    CHECK_STR(b.title, a.title);
    CHECK_STR(b.tracking_code, a.tracking_code);
    store_msg_clear(&a); store_msg_clear(&b);
    bool ok = false;
    violations(r, "reply_message", &ok);
    CHECK(ok);
    /* An existing database is replaced only with force. */
    snprintf(uri, sizeof uri, "sqlite:%s", path);
    CHECK_INT(store_restore(uri, bak, false, err, sizeof err), STORE_CONFLICT);
    CHECK(strstr(err, "--force") != NULL && strstr(err, "3 messages") != NULL);
    CHECK_INT(store_restore(uri, bak, true, err, sizeof err), STORE_OK);
    store_close(r); store_close(s);
    unlink_db(path); unlink_db(dst); unlink(bak);
}

TEST(restore_refuses_unsound_backups) {
    char path[128], dst[160], junk[160]; int64_t m[3];
    store *s = seeded(path, m);
    store_close(s);
    snprintf(dst, sizeof dst, "%s.restored", path);
    snprintf(junk, sizeof junk, "%s.junk", path);
    char uri[200], err[512];
    snprintf(uri, sizeof uri, "sqlite:%s", dst);
    unlink_db(dst);
    CHECK_INT(store_restore(uri, "/nonexistent/backup.db", false, err, sizeof err), STORE_INVALID);
    FILE *f = fopen(junk, "w"); fputs("not a database at all, just text\n", f); fclose(f);
    CHECK_INT(store_restore(uri, junk, false, err, sizeof err), STORE_INVALID);
    CHECK(strstr(err, "not an SQLite database") != NULL);
    unlink(junk);
    raw(junk, "CREATE TABLE t(x);");                       /* SQLite, but not minyi */
    CHECK_INT(store_restore(uri, junk, false, err, sizeof err), STORE_INVALID);
    CHECK(strstr(err, "not a minyi") != NULL);
    unlink(junk);
    raw(path, "UPDATE consultations SET message_count = 99;");   /* fails an invariant */
    CHECK_INT(store_restore(uri, path, false, err, sizeof err), STORE_INVALID);
    CHECK(strstr(err, "consultation_count") != NULL);
    raw(path, "PRAGMA user_version = 999;");
    CHECK_INT(store_restore(uri, path, false, err, sizeof err), STORE_INVALID);
    CHECK(strstr(err, "newer") != NULL);
    CHECK(access(dst, F_OK) != 0);                         /* nothing was created */
    unlink_db(path);
}
