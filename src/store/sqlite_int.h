/* sqlite_int.h: helpers shared by the files of the SQLite backend
 * (sqlite.c: connections and core records; sqlite_schema.c: migrations;
 * sqlite_work.c: analysis, models, moderation, groups, search, export;
 * sqlite_intake.c: new messages and their group commit; sqlite_stats.c:
 * the dashboard aggregates; sqlite_inbox.c: keyset-paged inboxes).
 * Not for use outside src/store/. */
#ifndef MINYI_SQLITE_INT_H
#define MINYI_SQLITE_INT_H
#include <sqlite3.h>
#include <time.h>
#include "store/store.h"

/* The cached prepared statement for the static SQL text q (a static const
 * char[]: its address is the cache key) on this thread's connection; *dbp
 * gets the connection. NULL on error (see store_errmsg). */
sqlite3_stmt *sq_stmt(store *s, const char *q, sqlite3 **dbp);
void sq_done(sqlite3_stmt *st);                       /* reset + clear bindings */
void sq_bind_str(sqlite3_stmt *st, int i, str v);     /* {NULL,0} binds NULL */
const char *sq_col_text(sqlite3_stmt *st, int i);     /* "" for NULL */
json_t *sq_col_json(sqlite3_stmt *st, int i);         /* a JSON string, or null for NULL */
char *sq_col_dup(sqlite3_stmt *st, int i);            /* malloc'd; NULL for NULL */
void sq_copy_text(char *dst, size_t cap, sqlite3_stmt *st, int i);
/* Steps a statement that returns no rows; maps constraint errors to STORE_*. */
int  sq_exec(store *s, sqlite3_stmt *st, sqlite3 *db, const char *what);
int  sq_insert_id(store *s, sqlite3_stmt *st, sqlite3 *db, const char *what, int64_t *id);
int  sq_txn(store *s, const char *q);                 /* runs BEGIN/COMMIT/ROLLBACK text */
void sq_set_err(sqlite3 *db, const char *what);
/* Between two transactions of a long job: lets a writer waiting for the turn take it first. */
void sq_turn_pass(store *s);
void sq_now_ms(char *out, size_t cap);                /* "YYYY-MM-DDTHH:MM:SS.mmmZ", as events.at */
void sq_tracking_code(char *out);                     /* a new "XXXX-XXXX-XXXX" (20 bytes): a counting prefix, 8 random symbols */
void sq_read_msg(sqlite3_stmt *st, store_msg *m);     /* columns of SQ_MSG_COLS */
int  sq_event_add(store *s, int64_t actor, const char *kind, int64_t msg_id, json_t *detail);

/* Brings the database at path to the newest schema (sqlite_schema.c). */
int  sq_migrate(sqlite3 *db, const char *path, char *err, size_t errlen);
int  sq_schema_version(void);                         /* the newest schema this build knows */

extern const char SQ_BEGIN[], SQ_COMMIT[], SQ_ROLLBACK[];
/* Runs f inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error, keeping the error message). */
int  sq_in_txn(store *s, int (*f)(store *s, void *arg), void *arg);

#define SQ_MSG_COLS "m.id, m.consultation_id, coalesce(m.department_id,0), m.tracking_code, m.type, m.state, m.created_at, " \
                    "m.title, m.body, m.region, m.phone, d.name, m.moderation, m.hold_reason, m.label, coalesce(m.confidence,-1), " \
                    "coalesce(m.group_id,0), m.analyzed, coalesce(m.spam_score,0), m.author, " \
                    "coalesce((SELECT g.size FROM msg_groups g WHERE g.id = m.group_id), 0), m.author_ip, coalesce(m.due_at, ''), " \
                    "m.resolution, coalesce(m.urged_at, ''), m.urge_count, m.reopen_count, coalesce(m.assignee_id, 0), " \
                    "coalesce((SELECT u.login FROM users u WHERE u.id = m.assignee_id), ''), m.supports, m.opposes"
#define SQ_MSG_NCOLS 31   /* columns of SQ_MSG_COLS: a query may add its own after them */

/* sqlite_life.c: the lifecycle ops, and the deadlines they and intake share. */
/* The deadline of a message of this type written at created ("YYYY-MM-DDTHH:MM:SSZ"; NULL = now) into out (32 bytes). */
int  sq_due_at(store *s, str type, const char *created, char *out);
/* Settings or the calendar changed: deadlines re-read them. */
void sq_deadlines_changed(void);
/* Refuses (STORE_CONFLICT, from filled) an action the message's state does not allow; the caller holds the transaction. */
int  sq_life_check(store *s, int64_t msg_id, const char *action, char *from, int64_t *dept);
/* A rating of 1 or 2 reopens the message once (inside the rating's transaction). */
int  sq_rating_reopen(store *s, int64_t msg_id, int score, str comment, bool *reopened);
/* The end of the n-th working day after the day of `from` ("YYYY-MM-DDTHH:MM:SSZ", 32 bytes). */
int  sq_due_after(store *s, time_t from, int n, char *out);
/* The end of the n-th working day from today ("YYYY-MM-DDTHH:MM:SSZ", 32 bytes). */
int  sq_due_soon(store *s, int n, char *out);
/* sqlite_inbox.c */
int sq_inbox(store *s, const store_inbox_query *q, json_t **out);
int sq_act(store *s, const store_act *a, char *from);
int sq_extension_add(store *s, int64_t msg_id, int64_t user_id, int days, str reason, int64_t *id);
int sq_extension_get(store *s, int64_t id, json_t **out);
int sq_extension_decide(store *s, int64_t id, int64_t user_id, bool approve, str reason);
int sq_extension_list(store *s, int64_t msg_id, int64_t dept_id, json_t **out);
int sq_urge_list(store *s, int64_t msg_id, json_t **out);
int sq_followup_add(store *s, int64_t msg_id, str body);
int sq_followup_get(store *s, int64_t msg_id, json_t **out);
int sq_reply_pending(store *s, int64_t msg_id, int64_t user_id, int64_t dept_id, str body, int64_t *id);
int sq_reply_get(store *s, int64_t id, json_t **out);
int sq_reply_decide(store *s, int64_t id, int64_t user_id, bool approve, str reason);
int sq_reply_correct(store *s, int64_t id, int64_t user_id, str body, str reason);
int sq_replies_pending(store *s, int64_t dept_id, json_t **out);
int sq_dept_set_approval(store *s, int64_t dept_id, bool on);
int sq_calendar_set(store *s, const char *day, const char *kind);
int sq_calendar_list(store *s, json_t **out);
int sq_due_view(store *s, const char *due_at, int *days_left);

/* sqlite_digest.c */
int sq_digest(store *s, int64_t dept_id, const char *day, json_t **out);

/* sqlite_staff.c */
int sq_dept_update(store *s, int64_t id, str name, int disabled);
int sq_user_update(store *s, int64_t id, const char *role, int64_t dept_id, int disabled);
int sq_user_reset_password(store *s, int64_t id, const char *hash);
int sq_rule_del(store *s, int64_t id);
int sq_audit_list(store *s, const store_audit_query *q, json_t **out);
int sq_audit_kinds(store *s, json_t **out);

/* sqlite_desk.c */
int sq_template_add(store *s, int64_t dept_id, str name, str body, int64_t *id);
int sq_template_list(store *s, int64_t dept_id, json_t **out);
int sq_template_get(store *s, int64_t id, json_t **out);
int sq_template_del(store *s, int64_t id);
int sq_note_add(store *s, int64_t msg_id, int64_t user_id, str body, int64_t *id);
int sq_note_list(store *s, int64_t msg_id, json_t **out);
int sq_draft_set(store *s, int64_t msg_id, int64_t user_id, str body);
int sq_draft_get(store *s, int64_t msg_id, int64_t user_id, json_t **out);

/* ops implemented in sqlite_work.c */
int sq_msg_pending(store *s, int64_t after, int limit, store_msg **out, size_t *n);
int sq_analysis_apply(store *s, const store_analysis *a, size_t n, const store_kw_count *kw, size_t nkw);
int sq_msg_import(store *s, const store_new_msg *m, size_t n, int64_t *ids, size_t *dups);
int sq_keyword_count(store *s, str word, const char *day, int64_t n);
int sq_msg_import_analyzed(store *s, const store_new_msg *m, const int64_t *ids, const store_analysis *a, size_t n,
                           const store_kw_count *kw, size_t nkw);
int sq_msg_sources_known(store *s, int64_t consultation, const str *src, size_t n, bool *known);
int sq_msg_sources_any(store *s, int64_t consultation, bool *any);
int sq_fts_with_words(store *s, sqlite3_stmt *st, sqlite3 *db, const store_analysis *a, size_t n);
int sq_msg_max_id(store *s, int64_t *out);
int sq_bulk_begin(store *s, int64_t rows, bool *dropped);
int sq_bulk_end(store *s);
/* The groups a just-analysed message bridged move into its group, audited (inside the caller's transaction). */
int sq_group_merge(store *s, const store_analysis *a, bool later);
int sq_msg_transfer(store *s, int64_t id, int64_t to_dept, int64_t user_id, str reason);
int sq_moderation_queue(store *s, int limit, int offset, json_t **out);
int sq_moderate(store *s, int64_t id, int64_t user_id, const char *decision, str reason);
int sq_group_members(store *s, int64_t group_id, int limit, json_t **out);
int sq_state_put(store *s, const char *name, int64_t mark,
                 int (*fill)(void *ud, int (*put)(void *pud, const void *p, size_t n), void *pud), void *ud);
int sq_state_get(store *s, const char *name, int64_t *mark, int (*cb)(void *ud, const void *p, size_t n), void *ud);
int sq_msg_published_after(store *s, int64_t after, int (*cb)(void *ud, const store_msg *m), void *ud);
int sq_group_index(store *s, int64_t after, int (*cb)(void *ud, int64_t id, int64_t group_id, str author, const char *created_at,
                                      const void *sig, size_t n), void *ud);
int sq_model_add(store *s, const char *kind, str name, const void *data, size_t n, json_t *meta, int64_t *id);
int sq_model_activate(store *s, const char *kind, int64_t id);
int sq_model_active(store *s, const char *kind, int64_t *id, void **data, size_t *n);
int sq_model_active_id(store *s, const char *kind, int64_t *id);
int sq_model_list(store *s, const char *kind, json_t **out);
int sq_label_map_set(store *s, str label, int64_t dept_id);
int sq_label_map_list(store *s, json_t **out);
int sq_word_add(store *s, str word, int64_t *id);
int sq_word_del(store *s, int64_t id);
int sq_word_list(store *s, json_t **out);
int sq_setting_get(store *s, const char *key, char *out, size_t cap);
int sq_setting_set(store *s, const char *key, const char *value);
int sq_reply_one(store *s, int64_t msg_id, int64_t user_id, int64_t dept_id, str body, str at, int64_t group_id, int64_t *id);

/* sqlite_replyq.c: the quality of published replies. sq_reply_quality_note
 * scores reply id (when published and a scorer is set) and records it in
 * the caller's transaction; the triggers of migration 20 keep the
 * per-department sums. */
store_reply_scorer sq_reply_scorer(store *s, void **ud);
int sq_msg_read(store *s, int64_t id, store_msg *m);
int sq_reply_quality_note(store *s, int64_t reply_id);
int sq_reply_quality_depts(store *s, json_t **out);
int sq_reply_bodies(store *s, int limit, int (*cb)(void *ud, const char *body), void *ud);
int sq_group_reply_start(store *s, int64_t group_id, int64_t dept_id, int64_t user_id, str body, int64_t *job);
int sq_group_reply_step(store *s, int64_t job, int max, int64_t *replied, bool *finished);
int sq_group_reply_get(store *s, int64_t job, json_t **out);
int sq_group_reply_unfinished(store *s, int64_t *job);
int sq_group_move_step(store *s, int max, int64_t *moved, bool *more);
int sq_msg_each(store *s, int64_t consultation_id,
                int (*cb)(void *ud, const store_msg *m, const char *reply, const char *replied_at), void *ud);
int sq_rating_add(store *s, int64_t msg_id, int score, str comment);
int sq_rating_get(store *s, int64_t msg_id, json_t **out);
int sq_gauges(store *s, store_gauges *out);
int sq_reply_import(store *s, int64_t msg_id, int64_t dept_id, str body, str created_at);
int sq_keywords_add(store *s, const char *day, const str *words, size_t n);
int sq_hot(store *s, int days, json_t **out);
int sq_search(store *s, str q, int64_t dept, int limit, int offset, json_t **out);
int sq_public_list(store *s, const store_public_query *q, json_t **out);
int sq_public_search(store *s, str q, int cap, store_pub_found *out);
/* Adds a published reply to the search index (add), or takes its current
 * text out of it (before the text changes); nothing for other replies. */
int sq_reply_fts(store *s, int64_t reply_id, bool add);
int sq_public_get(store *s, int64_t id, store_msg *m, int64_t *supports);
int sq_support_add(store *s, int64_t id, const char *visitor, int64_t *supports);
int sq_consultation_update(store *s, int64_t id, const store_consultation_edit *e);
int sq_consultation_sections(store *s, int64_t id, json_t **out);
int sq_adoption_set(store *s, int64_t consultation_id, int64_t msg_id, bool whole_group, const char *decision, str reason, int64_t user_id);
int sq_feedback(store *s, int64_t consultation_id, int min_group, json_t **out);
int sq_feedback_publish(store *s, int64_t consultation_id, str summary, int64_t user_id);
int sq_notice_add(store *s, str title, str body, int64_t user_id, int64_t *id);
int sq_notice_list(store *s, int limit, json_t **out);
int sq_notice_hide(store *s, int64_t id, int64_t user_id);
int sq_post_add(store *s, str title, str body, int64_t user_id, int64_t *id);
int sq_post_get(store *s, int64_t id, json_t **out);
int sq_post_list(store *s, int limit, json_t **out);
int sq_post_views_add(store *s, int64_t id, int64_t n);
int sq_post_image_set(store *s, int64_t id, const char *type, const void *data, size_t n);
int sq_post_image_get(store *s, int64_t id, char *type, void **data, size_t *n);
int sq_comment_add(store *s, int64_t post_id, str body, str author_ip, bool hold, json_t *hold_reason, double spam, int64_t *id);
int sq_comment_list(store *s, int64_t post_id, int64_t after, int limit, json_t **out);
int sq_comment_queue(store *s, int limit, json_t **out);
int sq_comment_moderate(store *s, int64_t id, int64_t user_id, const char *decision, str reason, json_t **shown);
int sq_live_add(store *s, str title, str description, const char *starts_at, str video_url, int64_t user_id, int64_t *id);
int sq_live_get(store *s, int64_t id, json_t **out);
int sq_live_list(store *s, json_t **out);
int sq_live_set_status(store *s, int64_t id, const char *status, int64_t user_id);
int sq_question_add(store *s, int64_t session_id, str body, str author_ip, bool hold, json_t *hold_reason, int64_t *id);
int sq_question_vote(store *s, int64_t id, const char *visitor, int64_t *votes, int64_t *session_id);
int sq_question_pick(store *s, int64_t id, int64_t user_id, json_t **q);
int sq_question_answer(store *s, int64_t id, str answer, int64_t user_id, json_t **q);
int sq_question_queue(store *s, json_t **out);
int sq_question_moderate(store *s, int64_t id, int64_t user_id, const char *decision, str reason, json_t **shown);
/* sqlite_admin.c: whole-database operations */
int sq_check(store *s, json_t **out);
int sq_backup(store *s, const char *path);
int sq_restore(const char *path, const char *from, bool force, char *err, size_t errlen);
int sq_training_rows(store *s, const char *kind, int (*cb)(void *ud, str title, str body, str label), void *ud);

/* ---- intake (sqlite_intake.c) ---- */
typedef struct sq_intake sq_intake;
sq_intake *sq_intake_new(store *s);            /* NULL when out of memory */
void sq_intake_free(sq_intake *in);            /* commits what is queued, stops the writer thread */
sq_intake *sq_intake_of(store *s);
const char *sq_path(store *s);                 /* the database file */
bool sq_sync_full(store *s);                   /* every commit waits for its fsync (sync=full, the default) */
int  sq_msg_add(store *s, const store_new_msg *m, int64_t *id, char *tracking_code);
int  sq_msg_add_async(store *s, const store_new_msg *m, store_added_fn done, void *ud);
void sq_write_lock(store *s);                  /* this process's writers take turns (sqlite.c) */
void sq_write_unlock(store *s);
int  sq_in_batch(store *s, bool *inside);      /* is this thread's connection inside a transaction? */

/* ---- dashboard aggregates (sqlite_stats.c) ----
 * stats_days holds one row per (day a message came in, department it is
 * with now; 0 = not routed) with running sums: received, replied, replied on
 * time, ratings (count, sum, satisfied = score >= 4), closed, overdue, urged,
 * extended, first-reply seconds and a histogram of first-reply times. Every
 * transaction that changes something a message contributes (its department,
 * state, moderation, first reply, rating, deadline, overdue flag, urgings,
 * extensions) must update them in the same transaction, one of two ways:
 *
 *   sq_agg_msg(s, id, -1); ...change the message...; sq_agg_msg(s, id, +1);
 *       removes the message's whole contribution as computed from its row
 *       (CONTRIB_INNER in sqlite_stats.c) and adds it back afterwards: always
 *       right, two small statements. The default for one-message actions
 *       (reply, rating, transfer, moderation, close, urge, extend, reopen).
 *   sq_agg_bump(s, dept, day, &delta);
 *       adds a delta the caller computed, for batch paths that change many
 *       messages in a known way (e.g. routing N fresh messages of one day
 *       from 0 to department D: received -N on (0, day), +N on (D, day)),
 *       summed per (dept, day) in C first so a batch costs a few upserts.
 *
 * A new contribution (say, urged counted from an urgings table) goes into
 * CONTRIB_INNER, and a new migration inserts the 'stats_rebuild' setting so
 * existing databases are recounted at open. stats_verify (the recount) must
 * stay equal to the sums: tests and `minyi check` call it. */
#define SQ_AGG_BUCKETS 16
typedef struct {
    int64_t received, replied, on_time, rated, rating_sum, satisfied, closed, overdue, urged, extended;
    int64_t frt_sum;                    /* first-reply seconds */
    int64_t frt_hist[SQ_AGG_BUCKETS];   /* first replies per time bucket (sqlite_stats.c, bucket_hours) */
} sq_agg_delta;
int sq_agg_msg(store *s, int64_t msg_id, int sign);
/* The same as sq_agg_msg for a batch: n message ids, each stride bytes
 * after the last (ids <= 0 skipped), one statement. */
int sq_agg_batch(store *s, const int64_t *first_id, size_t stride, size_t n, int sign);
int sq_agg_bump(store *s, int64_t dept, const char *day, const sq_agg_delta *d);   /* day: "YYYY-MM-DD" */
int sq_stats(store *s, const store_stats_query *q, json_t **out);
int sq_stats_verify(store *s, json_t **out);
/* stats_days against a recount on a plain connection (the check of a
 * backup has no store): the number of (department, day) rows that differ,
 * or -1 with err. Up to 20 differences go to each non-NULL array: problems
 * as lines naming each differing figure, expected (the recount's rows) and
 * found (stats_days' rows). */
int64_t sq_stats_compare(sqlite3 *db, json_t *problems, json_t *expected, json_t *found, char *err, size_t errlen);
int sq_stats_rebuild(store *s);
int sq_stats_rebuild_if_asked(store *s);                     /* at open, when a migration asked */
int sq_overdue_sweep(store *s, const char *now, int64_t *marked);
/* The public list reads a filter's rows whole and sorts them below this
 * many (sqlite_public.c; tests lower it to check the other plan). */
extern int sq_public_small_set;

#endif
