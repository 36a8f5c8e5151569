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
int cmd_seg(int argc, char **argv);
int cmd_keywords(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_classify(int argc, char **argv);

/* Shared option helpers for commands. */
/* Returns true (and the value in *val) when argv[*i] is --name VALUE or
 * --name=VALUE; advances *i past a separate value. Missing value: prints an
 * error and exits 2. */
#include <stdbool.h>
bool cmd_opt(int argc, char **argv, int *i, const char *name, const char **val);

#endif
