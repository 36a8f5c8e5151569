/* spam.h: spam scoring of citizen messages (issue 5). Combines advertising
 * signals (URLs, WeChat/QQ ids, phone + sales vocabulary, prices and
 * discounts), keyword stuffing, title/body mismatch (the SEO-spam pattern of
 * a stuffed headline over unrelated text), gibberish and encoding garbage,
 * and an optional multinomial naive Bayes model trained from moderators'
 * decisions. Repetition floods by one author or IP need server state: see
 * spam_rate below. Spam above a threshold is held for moderation, never
 * deleted: this module only scores. */
#ifndef MINYI_SPAM_H
#define MINYI_SPAM_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "core/str.h"

enum spam_flag {
    SPAM_F_URL       = 1 << 0,   /* http(s)://, www., a bare domain */
    SPAM_F_CONTACT   = 1 << 1,   /* WeChat / QQ / "add me" with an id */
    SPAM_F_SALES     = 1 << 2,   /* price, discount, loan, part-time job ... vocabulary */
    SPAM_F_PHONE_AD  = 1 << 3,   /* a phone number together with sales vocabulary */
    SPAM_F_STUFFING  = 1 << 4,   /* the same words over and over */
    SPAM_F_MISMATCH  = 1 << 5,   /* title shares almost nothing with the body */
    SPAM_F_GIBBERISH = 1 << 6,   /* mojibake, U+FFFD, private-use, random letters */
    SPAM_F_MODEL     = 1 << 7,   /* the naive Bayes model says spam (p >= 0.5) */
    SPAM_F_FLOOD     = 1 << 8,   /* set by callers from spam_rate */
};

typedef struct {
    float score;        /* 0..1, the combination held against the threshold */
    float ads, stuffing, mismatch, gibberish;   /* rule components, 0..1 */
    float nb;           /* model P(spam), or -1 without a model */
    unsigned flags;     /* enum spam_flag */
} spam_result;

typedef struct spam_model spam_model;   /* read-only after training / loading: share between threads */

/* Scores one message (title and body UTF-8; either may be empty; invalid
 * bytes count as garbage). model may be NULL (rules only). Thread-safe;
 * uses ~50 KB of stack and no heap after the first call. */
void spam_score(const spam_model *model, const char *title, size_t tn, const char *body, size_t bn, spam_result *out);

/* Writes the set flags as "url,contact,..." into out (always NUL-terminated). */
const char *spam_flags_str(unsigned flags, char *out, size_t cap);

/* ---- naive Bayes (multinomial, character unigrams + bigrams, hashed) ---- */

typedef struct { const char *text; size_t n; bool is_spam; } spam_example;

/* Trains a model from n examples (title and body may simply be concatenated
 * into text). Needs at least one example of each class; returns -1 with a
 * message in err otherwise. Free with spam_model_free(). */
int  spam_nb_train(const spam_example *ex, size_t n, spam_model **out, char *err, size_t errlen);
/* P(spam | text) under the model. */
float spam_nb_prob(const spam_model *m, const char *text, size_t n);
int  spam_model_save(const spam_model *m, const char *path, char *err, size_t errlen);
int  spam_model_load(const char *path, spam_model **out, char *err, size_t errlen);
/* The same model as bytes (for a database blob): save appends ~2 MB to out
 * (0, or -1 on out-of-memory); load checks the format and size. */
int  spam_model_save_mem(const spam_model *m, buf *out);
int  spam_model_load_mem(const void *data, size_t n, spam_model **out, char *err, size_t errlen);
void spam_model_free(spam_model *m);

/* ---- repetition floods (server state) ---- */

/* Remembers the recent messages of many keys (an author id or an IP, hashed
 * by the caller) in fixed memory: old keys are forgotten first. Thread-safe
 * (one internal mutex; a call costs well under a microsecond). */
typedef struct spam_rate spam_rate;

typedef struct {
    uint32_t recent;      /* messages from this key in the window, this one included */
    uint32_t same_text;   /* of which with the same text hash */
    float    flood;       /* 0..1: how much this looks like a flood */
} spam_rate_info;

/* slots: keys remembered (rounded up to a power of two; 400 bytes each);
 * window: seconds; limit: messages per window a person plausibly sends,
 * 1-15 (e.g. 5 per 600 s); the last 16 messages of a key are kept. */
int  spam_rate_new(size_t slots, int window, int limit, spam_rate **out);
void spam_rate_free(spam_rate *r);
/* Records a message from key at time t (seconds) with the given text hash
 * (e.g. dedup_sig.exact) and reports the key's recent activity. */
void spam_rate_hit(spam_rate *r, uint64_t key, uint64_t text_hash, int64_t t, spam_rate_info *out);

#endif
