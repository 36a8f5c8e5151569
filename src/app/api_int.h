/* api_int.h: what the files of the API share (api.c: routing, intake,
 * sessions, inbox, replies, administration; api_work.c: routing
 * corrections, models, moderation, sensitive words, groups, search). */
#ifndef MINYI_API_INT_H
#define MINYI_API_INT_H
#include "app/api.h"
#include "app/validate.h"
#include "http/json.h"

#define ST (c->st)
#define OPS (c->st->ops)

/* The logged-in official of a request, if any. */
typedef struct {
    bool ok;
    store_user u;
    char csrf[65];
} who;

void api_store_failed(http_req *r, store *st);                    /* 500, logged */
void api_invalid(http_req *r, const valid_err *e);                /* 422 naming the field */
/* Requires a session (401) and, for state changes, the CSRF header (403). */
bool api_require_login(api_ctx *c, http_req *r, who *w, bool state_change);
bool api_require_role(http_req *r, const who *w, const char *role);   /* 403 otherwise */
bool api_may_handle(const who *w, int64_t dept);   /* reply / transfer */
bool api_may_read(const who *w, int64_t dept);
bool api_parse_id(const char *s, int64_t *id);     /* positive decimal id */
/* The inbox's filters from the query string, scoped to w's department; false with the error sent. */
bool api_inbox_query(api_ctx *c, http_req *r, const who *w, store_inbox_query *q);

/* The outcome of one action on one message, so that an action on one
 * message and the same action on a selection (POST /api/v1/messages/bulk)
 * take one path: status 200 = done, else the refusal as an HTTP error. */
typedef struct {
    int status;
    const char *code, *field;   /* static strings */
    char message[256];
    char from[16], state[16];   /* done: the state before and after */
    int64_t department_id;      /* transfer: the new department */
} api_outcome;
void api_outcome_set(api_outcome *o, int status, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void api_outcome_failed(api_ctx *c, api_outcome *o);      /* a store failure: logged and counted now, 500 */
void api_outcome_send(http_req *r, const api_outcome *o); /* the refusal as the response */
/* close / return / decline / urge / assign on message id, parameters from j (api_life.c). */
void api_act_one(api_ctx *c, const who *w, int64_t id, const char *action, json_t *j, api_outcome *o);
/* A transfer of message id to department `to` (api_work.c). */
void api_transfer_one(api_ctx *c, const who *w, int64_t id, int64_t to, str reason, api_outcome *o);
/* A department given by name ("department") or id ("department_id") in j; sends 422 otherwise (api_work.c). */
bool api_department_of(api_ctx *c, http_req *r, json_t *j, int64_t *dept);

/* The message as JSON: public (personal data masked, no internal ids) or official (api.c). */
json_t *api_msg_json(api_ctx *c, const store_msg *m, const who *w);   /* w NULL = the public view */

/* api_replyq.c */
void api_post_reply_quality(api_ctx *c, http_req *r);
void api_get_reply_quality_depts(api_ctx *c, http_req *r);

/* api_public.c */
void api_get_public_messages(api_ctx *c, http_req *r);
void api_get_public_search(api_ctx *c, http_req *r);
void api_get_public_message(api_ctx *c, http_req *r, const char *arg);
void api_post_public_support(api_ctx *c, http_req *r, const char *arg);
/* The visitor (a citizen without a login) as the hash of the minyi_visitor
 * cookie, set on this response when missing: one support or vote per person. */
void api_visitor(api_ctx *c, http_req *r, char out[65]);
/* Masks personal data in the JSON string member key of o, in place (an
 * absent or non-string member is left alone); with max_chars > 0 also cuts
 * it to that many characters, after masking, with an ellipsis. */
void api_mask_field(json_t *o, const char *key, size_t max_chars);

/* api_consult.c */
/* The parts of a consultation an admin sends (document, opens_at, closes_at), checked. */
typedef struct {
    store_consultation_edit ed;
    char opens[32], closes[32];
    json_t *preamble;        /* owns ed.preamble */
} api_cons_edit;
int  api_consultation_edit(json_t *j, const char *title_for_sections, api_cons_edit *x, valid_err *e);
void api_cons_edit_free(api_cons_edit *x);
/* NULL when the consultation takes messages now; else why not, in buf. */
const char *api_consultation_closed_why(json_t *cons, char *buf, size_t cap);
void api_now_iso(char out[32]);    /* "YYYY-MM-DDTHH:MM:SSZ" */
void api_put_consultation(api_ctx *c, http_req *r, const char *arg);
void api_post_adoption(api_ctx *c, http_req *r, const char *arg);
void api_get_feedback(api_ctx *c, http_req *r, const char *arg);
void api_get_feedback_md(api_ctx *c, http_req *r, const char *arg);
void api_post_feedback_publish(api_ctx *c, http_req *r, const char *arg);

/* api_site.c */
void api_get_site(api_ctx *c, http_req *r);
void api_put_site(api_ctx *c, http_req *r);
void api_get_notices(api_ctx *c, http_req *r);
void api_post_notice(api_ctx *c, http_req *r);
void api_delete_notice(api_ctx *c, http_req *r, const char *arg);

/* api_posts.c */
/* The JSON body's "body" text (<= max_chars), screened (app/screen.h): *hold
 * (keep for a moderator), *spam, *why (the reason, or NULL; caller frees).
 * Returns the body object (caller frees; body points into it), or NULL with
 * the error sent. Comments and live questions alike. */
json_t *api_screened_body(api_ctx *c, http_req *r, size_t max_chars, str *body, bool *hold, double *spam, json_t **why);
void api_post_post(api_ctx *c, http_req *r);
void api_get_posts(api_ctx *c, http_req *r);
void api_get_post(api_ctx *c, http_req *r, const char *arg);
void api_get_post_events(api_ctx *c, http_req *r, const char *arg);
void api_post_comment(api_ctx *c, http_req *r, const char *arg);
void api_get_comment_queue(api_ctx *c, http_req *r);
void api_post_comment_moderation(api_ctx *c, http_req *r, const char *arg);
void api_put_post_image(api_ctx *c, http_req *r, const char *arg);
void api_get_post_image(api_ctx *c, http_req *r, const char *arg);

/* api_live.c */
void api_post_live(api_ctx *c, http_req *r);
void api_get_lives(api_ctx *c, http_req *r);
void api_get_live(api_ctx *c, http_req *r, const char *arg);
void api_put_live(api_ctx *c, http_req *r, const char *arg);
void api_get_live_events(api_ctx *c, http_req *r, const char *arg);
void api_post_question(api_ctx *c, http_req *r, const char *arg);
void api_post_question_vote(api_ctx *c, http_req *r, const char *arg);
void api_post_question_pick(api_ctx *c, http_req *r, const char *arg);
void api_post_question_answer(api_ctx *c, http_req *r, const char *arg);
void api_get_question_queue(api_ctx *c, http_req *r);
void api_post_question_moderation(api_ctx *c, http_req *r, const char *arg);

/* api_work.c */
/* Reads a moderator's {"decision":"approve|reject|spam","reason"} (messages,
 * comments, questions alike): the decision, or NULL with the 422 sent. A
 * rejection needs a reason. reason points into j. */
const char *api_moderation_decision(http_req *r, json_t *j, str *reason);
/* A held comment or question decided by a moderator: login and role, the
 * id in arg, the decision, the store's op. Returns the decision with *id
 * and *shown set (*shown: what became visible, or NULL; the caller frees
 * it), or NULL with the answer sent. what names the item in errors. */
typedef int (*api_held_op)(store *s, int64_t id, int64_t user_id, const char *decision, str reason, json_t **shown);
const char *api_moderate_held(api_ctx *c, http_req *r, const char *arg, const char *what,
                              api_held_op op, int64_t *id, json_t **shown);
void api_post_transfer(api_ctx *c, http_req *r, const char *arg);
void api_get_models(api_ctx *c, http_req *r);
void api_post_model(api_ctx *c, http_req *r);
void api_post_model_activate(api_ctx *c, http_req *r, const char *arg);
void api_get_labels(api_ctx *c, http_req *r);
void api_post_label(api_ctx *c, http_req *r);
void api_get_settings(api_ctx *c, http_req *r);
void api_post_settings(api_ctx *c, http_req *r);
void api_get_moderation(api_ctx *c, http_req *r);
void api_post_moderate(api_ctx *c, http_req *r, const char *arg);
void api_get_words(api_ctx *c, http_req *r);
void api_post_word(api_ctx *c, http_req *r);
void api_delete_word(api_ctx *c, http_req *r, const char *arg);
void api_get_group(api_ctx *c, http_req *r, const char *arg);
void api_get_search(api_ctx *c, http_req *r);
void api_post_rating(api_ctx *c, http_req *r, const char *arg);
void api_get_stats(api_ctx *c, http_req *r);
void api_get_hot(api_ctx *c, http_req *r);
/* api_hot.c */
json_t *api_hot_issues(api_ctx *c, long days, long top);   /* live issues of the last days */
void api_get_trends(api_ctx *c, http_req *r);
void api_get_hot_messages(api_ctx *c, http_req *r, const char *arg);
/* api_life.c */
void api_post_bulk(api_ctx *c, http_req *r);
void api_post_close(api_ctx *c, http_req *r, const char *arg);
void api_post_return(api_ctx *c, http_req *r, const char *arg);
void api_post_decline(api_ctx *c, http_req *r, const char *arg);
void api_post_urge(api_ctx *c, http_req *r, const char *arg);
void api_post_assign(api_ctx *c, http_req *r, const char *arg);
void api_post_extension(api_ctx *c, http_req *r, const char *arg);
void api_post_extension_decision(api_ctx *c, http_req *r, const char *arg);
void api_get_extensions(api_ctx *c, http_req *r);
void api_post_followup(api_ctx *c, http_req *r, const char *arg);
void api_get_replies(api_ctx *c, http_req *r);
void api_post_reply_decision(api_ctx *c, http_req *r, const char *arg);
void api_put_reply(api_ctx *c, http_req *r, const char *arg);
void api_get_holidays(api_ctx *c, http_req *r);
void api_post_holiday(api_ctx *c, http_req *r);
bool api_reply_needs_approval(api_ctx *c, const who *w, int64_t dept);
/* Adds the lifecycle fields to a message's JSON: w NULL = the public view. */
void api_life_json(api_ctx *c, const store_msg *m, const who *w, json_t *o);
/* Adds days_left / overdue to inbox rows. */
void api_life_rows(api_ctx *c, json_t *rows);

/* api_admin.c */
void api_put_department(api_ctx *c, http_req *r, const char *arg);
void api_put_user(api_ctx *c, http_req *r, const char *arg);
void api_post_user_password(api_ctx *c, http_req *r, const char *arg);
void api_get_rules(api_ctx *c, http_req *r);
void api_post_rule(api_ctx *c, http_req *r);
void api_delete_rule(api_ctx *c, http_req *r, const char *arg);
void api_get_audit(api_ctx *c, http_req *r);
void api_get_digest(api_ctx *c, http_req *r);
void api_get_audit_export(api_ctx *c, http_req *r);
/* api_export.c */
void api_get_inbox_export(api_ctx *c, http_req *r);
void api_get_stats_export(api_ctx *c, http_req *r);
void api_export_audit(api_ctx *c, http_req *r, const store_audit_query *q);

/* api_desk.c */
void api_get_templates(api_ctx *c, http_req *r);
void api_post_template(api_ctx *c, http_req *r);
void api_delete_template(api_ctx *c, http_req *r, const char *arg);
void api_post_note(api_ctx *c, http_req *r, const char *arg);
void api_put_draft(api_ctx *c, http_req *r, const char *arg);
/* Adds notes, the own draft and the filled templates to the official view. */
void api_desk_json(api_ctx *c, const store_msg *m, const who *w, json_t *o);

/* Normalises a tracking code as typed (any case, dashes optional) into out (20 bytes). */
bool api_tracking_code(const char *in, char *out);
/* A tracking code is the citizen's key, and the API answers a lookup in
 * microseconds: unknown codes per client address are limited like failed
 * logins (API_CODE_MISSES in 15 minutes, then 429 with Retry-After).
 * api_code_allowed answers the 429 and returns false when over the limit;
 * api_code_unknown counts one miss and answers the 404. */
bool api_code_allowed(api_ctx *c, http_req *r);
void api_code_unknown(api_ctx *c, http_req *r, const char *shown);

#endif
