/* cmd_digest.c: `minyi digest [--department NAME] [--date DATE] [--json]`:
 * each department's day as text (new, overdue, due within 2 working days,
 * urged, waiting for approval), from the store's digest (indexed counts;
 * store.h). The heads' page shows the same through GET /api/v1/digest. */
#include "app/cmd.h"
#include "core/log.h"
#include "core/workcal.h"
#include "store/store.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char help[] =
    "usage: minyi digest [--department NAME] [--date YYYY-MM-DD] [--json] [--db URI]\n"
    "  Each department's day: messages received that day (China time), and of its\n"
    "  open messages as of the end of that day (now, for today): overdue, due within\n"
    "  2 working days, urged (督办; and urged that day), replies and extensions waiting\n"
    "  for the head's approval. Without --department: every enabled department and\n"
    "  the unrouted queue (待分办). --date defaults to today.\n";

#define I(o, k) ((long long)json_integer_value(json_object_get(o, k)))

/* The digest as text: one block per department. */
static void digest_text(FILE *f, json_t *d) {
    fprintf(f, "民意 每日办理简报 %s（截至 %s）\n", json_string_value(json_object_get(d, "date")), json_string_value(json_object_get(d, "as_of")));
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(d, "departments"), i, x) {
        const char *name = json_string_value(json_object_get(x, "name"));
        fprintf(f, "\n%s\n", *name ? name : "待分办");
        fprintf(f, "  新收留言       %lld\n", I(x, "new"));
        fprintf(f, "  已超期         %lld\n", I(x, "overdue"));
        fprintf(f, "  2 个工作日内到期 %lld\n", I(x, "due_soon"));
        fprintf(f, "  督办（未办结） %lld（当日督办 %lld）\n", I(x, "urged"), I(x, "urged_today"));
        if (I(x, "id")) fprintf(f, "  待审核         答复 %lld，延期申请 %lld\n", I(x, "pending_replies"), I(x, "pending_extensions"));
    }
}

int cmd_digest(int argc, char **argv) {
    const char *db = "sqlite:var/minyi.db", *dept = NULL, *date = NULL;
    bool as_json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { fputs(help, stdout); return 0; }
        if (cmd_opt(argc, argv, &i, "--db", &db) || cmd_opt(argc, argv, &i, "--department", &dept)
            || cmd_opt(argc, argv, &i, "--date", &date)) continue;
        if (!strcmp(argv[i], "--json")) { as_json = true; continue; }
        fprintf(stderr, "minyi digest: unknown argument '%s'\n%s", argv[i], help);
        return 2;
    }
    char today[11];
    int32_t day;
    if (date) {
        if (!workcal_parse_day(date, strlen(date), &day)) { fprintf(stderr, "minyi digest: --date must be a date YYYY-MM-DD, got '%s'\n", date); return 2; }
    } else {
        workcal_format_day(workcal_day_of(time(NULL)), today);
        date = today;
    }
    store *st;
    char err[512];
    if (store_open(db, &st, err, sizeof err)) { log_error("%s", err); return 1; }
    int64_t id = 0;
    int rc = 0;
    if (dept && st->ops->dept_find(st, str_c(dept), &id) != STORE_OK) {
        fprintf(stderr, "minyi digest: no department '%s' (see minyi dept list)\n", dept);
        store_close(st);
        return 1;
    }
    json_t *d;
    rc = st->ops->digest(st, id, date, &d);
    if (rc == STORE_NOT_FOUND) fprintf(stderr, "minyi digest: the department '%s' is disabled\n", dept);
    else if (rc) log_error("digest: %s", store_errmsg(st));
    else {
        if (as_json) { json_dumpf(d, stdout, JSON_INDENT(2)); putchar('\n'); }
        else digest_text(stdout, d);
        json_decref(d);
    }
    store_close(st);
    return rc ? 1 : 0;
}
