/* sqlite_admin.c: operations on a whole SQLite database (store.h "operations"):
 * online backup, restore from a backup, and the consistency check (SQLite's
 * integrity check plus minyi's own invariants, each a count of violations). */
#include "store/sqlite_int.h"
#include "store/fts.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

/* ---- the check ------------------------------------------------------------ */

/* Each invariant is a query counting the rows that break it. */
static const struct { const char *name, *what, *sql; } invariants[] = {
    { "reply_message", "replies whose message does not exist",
      "SELECT count(*) FROM replies r WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = r.message_id)" },
    { "rating_message", "ratings whose message does not exist",
      "SELECT count(*) FROM ratings r WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = r.message_id)" },
    { "group_first", "messages whose near-duplicate group (its first message) does not exist",
      "SELECT count(*) FROM messages m WHERE m.group_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM messages g WHERE g.id = m.group_id)" },
    { "group_listed", "near-duplicate groups missing from msg_groups",
      "SELECT count(DISTINCT m.group_id) FROM messages m WHERE m.group_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM msg_groups g WHERE g.id = m.group_id)" },
    { "group_times", "msg_groups whose first or latest arrival lies inside the span of their members",
      "SELECT count(*) FROM msg_groups g WHERE g.size > 0 AND (g.first_at > (SELECT min(created_at) FROM messages m WHERE m.group_id = g.id)"
      "  OR g.last_at < (SELECT max(created_at) FROM messages m WHERE m.group_id = g.id))" },
    { "group_size", "msg_groups sizes that differ from a recount of their members",
      "SELECT count(*) FROM msg_groups g WHERE g.size <> (SELECT count(*) FROM messages m WHERE m.group_id = g.id)" },
    { "consultation_count", "consultations whose message_count differs from a recount",
      "SELECT count(*) FROM consultations c WHERE c.message_count <> (SELECT count(*) FROM messages m WHERE m.consultation_id = c.id)" },
    { "consultation_public_count", "consultations whose public_count differs from a recount of their publicly listed messages",
      "SELECT count(*) FROM consultations c WHERE c.public_count <> (SELECT count(*) FROM messages m WHERE m.consultation_id = c.id"
      "  AND m.publish = 1 AND m.analyzed = 1 AND m.moderation IN ('none','approved'))" },
    { "section_public_counts", "public counts per draft section and type that differ from a recount of publicly listed messages",
      "SELECT count(*) FROM (SELECT consultation_id AS c, coalesce(section, 0) AS s, type AS t, count(*) AS n FROM messages"
      "  WHERE publish = 1 AND analyzed = 1 AND moderation IN ('none','approved') GROUP BY 1, 2, 3) x"
      "  FULL JOIN (SELECT consultation_id AS c, section AS s, type AS t, n FROM section_public_counts WHERE n <> 0) k"
      "  ON k.c = x.c AND k.s = x.s AND k.t = x.t WHERE x.n IS NOT k.n" },
    { "inbox_counts", "departments whose inbox total differs from a recount of their messages not held or rejected",
      "SELECT count(*) FROM (SELECT coalesce(department_id, 0) AS d, count(*) AS n FROM messages"
      "  WHERE moderation IN ('none','approved') GROUP BY 1) x"
      "  FULL JOIN (SELECT department_id AS d, n FROM inbox_counts WHERE n <> 0) k ON k.d = x.d WHERE x.n IS NOT k.n" },
    { "open_counts", "departments' counts of open messages due in an hour that differ from a recount",
      "SELECT count(*) FROM (SELECT coalesce(department_id, 0) AS d, coalesce(substr(due_at, 1, 13), '') AS h, count(*) AS n"
      "  FROM messages WHERE state IN ('new','assigned') GROUP BY 1, 2) x"
      "  FULL JOIN (SELECT department_id AS d, due_hour AS h, n FROM open_counts WHERE n <> 0) k ON k.d = x.d AND k.h = x.h"
      "  WHERE x.n IS NOT k.n" },
    { "consultation_counts", "per-section, per-type message counts that differ from a recount (rejected messages not counted)",
      "SELECT (SELECT count(*) FROM consultation_counts k WHERE k.n <> (SELECT count(*) FROM messages m "
      "  WHERE m.consultation_id = k.consultation_id AND coalesce(m.section, 0) = k.section AND m.type = k.type AND m.moderation <> 'rejected'))"
      " + (SELECT count(*) FROM (SELECT DISTINCT consultation_id, coalesce(section, 0) AS s, type FROM messages WHERE moderation <> 'rejected') x"
      "  WHERE NOT EXISTS (SELECT 1 FROM consultation_counts k WHERE k.consultation_id = x.consultation_id AND k.section = x.s AND k.type = x.type))" },
    { "message_consultation", "messages whose consultation does not exist",
      "SELECT count(*) FROM messages m WHERE NOT EXISTS (SELECT 1 FROM consultations c WHERE c.id = m.consultation_id)" },
    { "message_department", "messages routed to a department that does not exist",
      "SELECT count(*) FROM messages m WHERE m.department_id IS NOT NULL AND m.department_id <> 0 "
      "AND NOT EXISTS (SELECT 1 FROM departments d WHERE d.id = m.department_id)" },
};

static int64_t count_of(sqlite3 *db, const char *sql, char *err, size_t errlen) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -1;
    }
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    if (n < 0) snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return n;
}

/* Checks db: fills *out with {"ok","messages","checks":[{"name","what","violations"}],
 * "problems":["..."]}. Returns 0, or -1 (err set) when a query could not run. */
static int check_db(sqlite3 *db, json_t **out, char *err, size_t errlen) {
    json_t *problems = json_array(), *checks = json_array();
    sqlite3_stmt *st;
    /* SQLite's own: every b-tree and index page, row and index entry. */
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check(20)", -1, &st, NULL) != SQLITE_OK) goto fail;
    int64_t bad = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        if (t && strcmp(t, "ok")) { bad++; json_array_append_new(problems, json_sprintf("integrity_check: %s", t)); }
    }
    sqlite3_finalize(st);
    json_array_append_new(checks, json_pack("{s:s,s:s,s:I}", "name", "integrity_check", "what", "SQLite's integrity check", "violations", (json_int_t)bad));
    if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK) goto fail;
    bad = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (bad++ < 20)
            json_array_append_new(problems, json_sprintf("foreign_key_check: %s row %lld refers to a missing %s row",
                                                         sqlite3_column_text(st, 0), (long long)sqlite3_column_int64(st, 1),
                                                         sqlite3_column_text(st, 2)));
    }
    sqlite3_finalize(st);
    json_array_append_new(checks, json_pack("{s:s,s:s,s:I}", "name", "foreign_key_check", "what", "references between tables", "violations", (json_int_t)bad));
    for (size_t i = 0; i < sizeof invariants / sizeof *invariants; i++) {
        int64_t n = count_of(db, invariants[i].sql, err, errlen);
        if (n < 0) { json_decref(problems); json_decref(checks); return -1; }
        if (n) json_array_append_new(problems, json_sprintf("%s: %lld %s", invariants[i].name, (long long)n, invariants[i].what));
        json_array_append_new(checks, json_pack("{s:s,s:s,s:I}", "name", invariants[i].name, "what", invariants[i].what, "violations", (json_int_t)n));
    }
    /* The dashboard figures against a recount, unless there are none yet
     * (a backup from before them) or a recount is due at the next open. */
    int64_t have = count_of(db, "SELECT (SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'stats_days') "
                                "- (SELECT count(*) FROM settings WHERE key = 'stats_rebuild')", err, errlen);
    if (have < 0) { json_decref(problems); json_decref(checks); return -1; }
    if (have > 0) {
        int64_t n = sq_stats_compare(db, problems, NULL, NULL, err, errlen);
        if (n < 0) { json_decref(problems); json_decref(checks); return -1; }
        json_array_append_new(checks, json_pack("{s:s,s:s,s:I}", "name", "stats_days",
                                                 "what", "dashboard figures per day and department that differ from a recount of the messages",
                                                 "violations", (json_int_t)n));
    }
    int64_t msgs = count_of(db, "SELECT count(*) FROM messages", err, errlen);
    if (msgs < 0) { json_decref(problems); json_decref(checks); return -1; }
    *out = json_pack("{s:b,s:I,s:o,s:o}", "ok", json_array_size(problems) == 0, "messages", (json_int_t)msgs,
                     "checks", checks, "problems", problems);
    return 0;
fail:
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    json_decref(problems); json_decref(checks);
    return -1;
}

static const char Q_NOP[] = "SELECT 1";

int sq_check(store *s, json_t **out) {
    sqlite3 *db;
    if (!sq_stmt(s, Q_NOP, &db)) return STORE_ERROR;
    char err[256];
    if (check_db(db, out, err, sizeof err)) { sq_set_err(NULL, err); return STORE_ERROR; }
    return STORE_OK;
}

/* ---- backup --------------------------------------------------------------- */

static int fsync_path(const char *path, bool dir) {
    int fd = open(path, dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Copies src into a new database file at path: written to path.tmp, synced,
 * then renamed, so path is either the old file or a complete backup. One
 * backup step holds one read transaction: the copy is the database as of its
 * start, and writers (WAL) carry on meanwhile. */
static int copy_db(sqlite3 *src, const char *path, char *err, size_t errlen) {
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) { snprintf(err, errlen, "%.300s: path too long", path); return -1; }
    unlink(tmp);
    sqlite3 *dst = NULL;
    if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%.300s: %s", tmp, dst ? sqlite3_errmsg(dst) : "cannot open");
        sqlite3_close(dst);
        return -1;
    }
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    int rc = SQLITE_ERROR;
    if (b) {
        while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(20);
        sqlite3_backup_finish(b);
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "backup to %.300s: %s", path, sqlite3_errmsg(dst));
        sqlite3_close(dst); unlink(tmp);
        return -1;
    }
    /* A backup is one file: no -wal beside it to lose when it is copied. */
    sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
    if (sqlite3_close(dst) != SQLITE_OK || fsync_path(tmp, false) || rename(tmp, path)) {
        snprintf(err, errlen, "backup to %.300s: cannot write the file", path);
        unlink(tmp);
        return -1;
    }
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) { if (slash == dir) slash[1] = 0; else *slash = 0; } else strcpy(dir, ".");
    fsync_path(dir, true);
    return 0;
}

int sq_backup(store *s, const char *path) {
    sqlite3 *db;
    if (!sq_stmt(s, Q_NOP, &db)) return STORE_ERROR;
    char err[512];
    if (copy_db(db, path, err, sizeof err)) { sq_set_err(NULL, err); return STORE_ERROR; }
    return STORE_OK;
}

/* ---- restore -------------------------------------------------------------- */

/* Is from a sound minyi backup? Read-only: integrity check, a schema version
 * this minyi knows, and the invariants. */
static int verify_backup(const char *from, sqlite3 **out, char *err, size_t errlen) {
    sqlite3 *db = NULL;
    *out = NULL;
    if (access(from, R_OK)) { snprintf(err, errlen, "%s: cannot read the backup file", from); return -1; }
    if (sqlite3_open_v2(from, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", from, db ? sqlite3_errmsg(db) : "cannot open");
        sqlite3_close(db);
        return -1;
    }
    fts_register(db);
    int64_t v = count_of(db, "PRAGMA user_version", err, errlen);
    int64_t t = v < 0 ? -1 : count_of(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('messages','consultations','replies')", err, errlen);
    if (v < 0 || t < 0) {
        snprintf(err, errlen, "%s is not an SQLite database (or is damaged)", from);
        sqlite3_close(db);
        return -1;
    }
    if (t != 3 || v < 1) { snprintf(err, errlen, "%s is an SQLite database but not a minyi one", from); sqlite3_close(db); return -1; }
    if (v > sq_schema_version()) {
        snprintf(err, errlen, "%s has schema version %lld, newer than this minyi (%d); upgrade minyi first", from, (long long)v, sq_schema_version());
        sqlite3_close(db);
        return -1;
    }
    json_t *rep;
    char e2[256];
    if (check_db(db, &rep, e2, sizeof e2)) { snprintf(err, errlen, "%s: check failed: %s", from, e2); sqlite3_close(db); return -1; }
    if (!json_is_true(json_object_get(rep, "ok"))) {
        json_t *p = json_array_get(json_object_get(rep, "problems"), 0);
        snprintf(err, errlen, "%s fails the check (%zu problems, first: %s); not restored", from,
                 json_array_size(json_object_get(rep, "problems")), json_string_value(p));
        json_decref(rep); sqlite3_close(db);
        return -1;
    }
    json_decref(rep);
    *out = db;
    return 0;
}

int sq_restore(const char *path, const char *from, bool force, char *err, size_t errlen) {
    sqlite3 *src;
    if (verify_backup(from, &src, err, errlen)) return STORE_INVALID;
    struct stat sb;
    sqlite3 *dst = NULL;
    if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, dst ? sqlite3_errmsg(dst) : "cannot open");
        sqlite3_close(dst); sqlite3_close(src);
        return STORE_ERROR;
    }
    sqlite3_busy_timeout(dst, 10000);
    if (!force && stat(path, &sb) == 0 && sb.st_size > 0) {
        char e2[128];
        int64_t n = count_of(dst, "SELECT count(*) FROM messages", e2, sizeof e2);
        snprintf(err, errlen, "%s already holds a database%s%lld%s; pass --force to replace it with %s",
                 path, n >= 0 ? " (" : "", n >= 0 ? (long long)n : 0LL, n >= 0 ? " messages)" : "", from);
        if (n < 0) snprintf(err, errlen, "%s already exists; pass --force to replace it with %s", path, from);
        sqlite3_close(dst); sqlite3_close(src);
        return STORE_CONFLICT;
    }
    /* Through the backup API rather than a file copy: it takes the write lock,
     * so a server still running on the database sees either the old or the
     * restored content, never a torn file. */
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    int rc = SQLITE_ERROR;
    if (b) {
        while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(20);
        sqlite3_backup_finish(b);
    }
    if (rc != SQLITE_DONE) snprintf(err, errlen, "restore into %s: %s", path, sqlite3_errmsg(dst));
    else sqlite3_exec(dst, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
    sqlite3_close(src);
    sqlite3_close(dst);
    return rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}
