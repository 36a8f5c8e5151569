/* cmd_train_spam.c: `minyi train-spam`, the naive Bayes spam model (spam.h)
 * trained from moderators' decisions in the database (--from-db: messages
 * marked spam, and held messages they approved as ham) or from a labelled
 * file (label column: spam / ham). The model is stored in the database and,
 * with --activate, used by the analyzer of every node; --model OUT also
 * writes it to a file. */
#include "app/cmd.h"
#include "app/datafile.h"
#include "core/log.h"
#include "store/store.h"
#include "text/spam.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_ACTIVE 20   /* examples of each kind before a model may be activated */

static const char help[] =
    "usage: minyi train-spam --from-db [--db URI] [--activate] [--model OUT]\n"
    "       minyi train-spam --data FILE [--db URI] [--activate] [--model OUT]\n\n"
    "Trains the spam model from moderators' decisions (--from-db) or from a file\n"
    "with title/body and a label column of spam or ham. Needs examples of both.\n"
    "The model is stored in the database; --activate makes the analyzer use it\n"
    "(refused with fewer than 20 examples of each kind unless --force).\n";

typedef struct {
    spam_example *ex;
    size_t n, cap;
    buf text;          /* all texts, back to back; examples point into it once it stops growing */
    size_t *off, *len;
    long spam, ham;
} examples;

static int add(examples *e, str title, str body, bool is_spam) {
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 256;
        size_t *o = realloc(e->off, cap * sizeof *o), *l = o ? realloc(e->len, cap * sizeof *l) : NULL;
        if (o) e->off = o;
        if (!o || !l) return -1;
        e->len = l;
        spam_example *x = realloc(e->ex, cap * sizeof *x);
        if (!x) return -1;
        e->ex = x; e->cap = cap;
    }
    e->off[e->n] = e->text.n;
    if (buf_put(&e->text, title.p, title.n) || buf_putc(&e->text, '\n') || buf_put(&e->text, body.p, body.n)) return -1;
    e->len[e->n] = e->text.n - e->off[e->n];
    e->ex[e->n].is_spam = is_spam;
    e->n++;
    if (is_spam) e->spam++; else e->ham++;
    return 0;
}

static int from_db_row(void *ud, str title, str body, str label) {
    return add(ud, title, body, str_eq_c(label, "spam"));
}

int cmd_train_spam(int argc, char **argv) {
    const char *db = "sqlite:var/minyi.db", *data = NULL, *out = NULL;
    bool from_db = false, activate = false, force = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { fputs(help, stdout); return 0; }
        if (cmd_opt(argc, argv, &i, "--db", &db) || cmd_opt(argc, argv, &i, "--data", &data)
            || cmd_opt(argc, argv, &i, "--model", &out)) continue;
        if (!strcmp(argv[i], "--from-db")) { from_db = true; continue; }
        if (!strcmp(argv[i], "--activate")) { activate = true; continue; }
        if (!strcmp(argv[i], "--force")) { force = true; continue; }
        fprintf(stderr, "minyi train-spam: unknown argument '%s'\n%s", argv[i], help);
        return 2;
    }
    if (from_db == (data != NULL)) { fprintf(stderr, "minyi train-spam: give exactly one of --from-db and --data FILE\n%s", help); return 2; }
    char err[512];
    store *st;
    if (store_open(db, &st, err, sizeof err)) { log_error("%s", err); return 1; }
    examples e = {0};
    int rc = 0;
    if (from_db) {
        if (st->ops->training_rows(st, "spam", from_db_row, &e)) { log_error("%s", store_errmsg(st)); rc = 1; }
    } else {
        datafile *df;
        if (datafile_open(data, &df, err, sizeof err)) { log_error("%s", err); rc = 1; }
        else {
            if (!datafile_has(df, DF_LABEL)) { log_error("%s: no label column (spam or ham)", data); rc = 1; }
            str f[DF_NFIELDS];
            int k;
            long skipped = 0;
            while (!rc && (k = datafile_next(df, f)) != 0) {
                if (k < 0) { log_error("%s:%ld: %s", data, datafile_line(df), datafile_error(df)); skipped++; continue; }
                bool spam = str_eq_c(f[DF_LABEL], "spam"), ham = str_eq_c(f[DF_LABEL], "ham");
                if (!spam && !ham) { log_error("%s:%ld: label must be spam or ham", data, datafile_line(df)); skipped++; continue; }
                if (add(&e, f[DF_TITLE], f[DF_BODY], spam)) { log_error("out of memory"); rc = 1; }
            }
            if (skipped) log_error("%s: %ld rows skipped", data, skipped);
            datafile_close(df);
        }
    }
    if (!rc && (e.spam == 0 || e.ham == 0)) {
        log_error("train-spam: %ld spam and %ld ham examples; both kinds are needed (moderators mark spam and approve held messages)", e.spam, e.ham);
        rc = 1;
    }
    /* A naive Bayes model from a handful of decisions is sure of everything:
     * it would hold honest messages wholesale. Store it, but only put it to
     * work once it has seen enough of both kinds. */
    if (!rc && activate && !force && (e.spam < MIN_ACTIVE || e.ham < MIN_ACTIVE)) {
        log_error("train-spam: only %ld spam and %ld ham examples; --activate needs %d of each (or --force)", e.spam, e.ham, MIN_ACTIVE);
        rc = 1;
    }
    spam_model *m = NULL;
    if (!rc) {
        for (size_t i = 0; i < e.n; i++) { e.ex[i].text = e.text.p + e.off[i]; e.ex[i].n = e.len[i]; }
        if (spam_nb_train(e.ex, e.n, &m, err, sizeof err)) { log_error("train-spam: %s", err); rc = 1; }
    }
    if (!rc && out && spam_model_save(m, out, err, sizeof err)) { log_error("%s", err); rc = 1; }
    if (!rc) {
        buf b = {0};
        int64_t id = 0;
        json_t *meta = json_pack("{s:I,s:I}", "spam", (json_int_t)e.spam, "ham", (json_int_t)e.ham);
        if (spam_model_save_mem(m, &b)) { log_error("out of memory"); rc = 1; }
        else if (st->ops->model_add(st, "spam", STR_LIT("spam-nb"), b.p, b.n, meta, &id)
                 || (activate && st->ops->model_activate(st, "spam", id))) { log_error("%s", store_errmsg(st)); rc = 1; }
        else printf("spam model %lld: %ld spam, %ld ham examples, %zu bytes%s\n", (long long)id, e.spam, e.ham, b.n, activate ? ", active" : "");
        json_decref(meta);
        buf_free(&b);
    }
    spam_model_free(m);
    free(e.ex); free(e.off); free(e.len); buf_free(&e.text);
    store_close(st);
    return rc;
}
