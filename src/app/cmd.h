/* cmd.h: the subcommands of the minyi binary. Each cmd_<name>.c implements
 * one (or one family); main.c dispatches on argv[1]. A command returns the
 * process exit status: 0 ok, 1 failure, 2 usage error. */
#ifndef MINYI_CMD_H
#define MINYI_CMD_H

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);   /* argv[0] is the command name */
    const char *summary;
} cmd_entry;

int cmd_serve(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_dept(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_consultation(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_label(int argc, char **argv);
int cmd_words(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_train_spam(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_pii(int argc, char **argv);
int cmd_dedup(int argc, char **argv);
int cmd_hot(int argc, char **argv);
int cmd_reply_quality(int argc, char **argv);
int cmd_seg(int argc, char **argv);
int cmd_keywords(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_key(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_digest(int argc, char **argv);

/* Shared option helpers for commands. */
/* Returns true (and the value in *val) when argv[*i] is --name VALUE or
 * --name=VALUE; advances *i past a separate value. Missing value: prints an
 * error and exits 2. */
#include <stdbool.h>
#include <stddef.h>
bool cmd_opt(int argc, char **argv, int *i, const char *name, const char **val);

#endif

/* Options from a file (`serve --config FILE`): one "name = value" a line,
 * names as the flags without "--"; "#" starts a comment; a flag that takes
 * no value is written "name" or "name = true|false". */
typedef struct { const char *name; bool takes_value; } cmd_optspec;
typedef struct { char **v; int n, cap; } cmd_args;
/* Appends "--name" [value] for each line to *out (strings owned by out).
 * Returns 0, or -1 with "FILE:LINE: reason" in err (unknown name, missing
 * or unexpected value, unreadable file). */
int  cmd_config_read(const char *path, const cmd_optspec *specs, size_t nspecs, cmd_args *out, char *err, size_t errlen);
int  cmd_args_push(cmd_args *a, const char *s);   /* copies s; -1 on out-of-memory */
void cmd_args_free(cmd_args *a);
