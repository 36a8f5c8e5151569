/* main.c: the minyi binary; dispatches to the subcommands listed below. */
#include "app/cmd.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cmd_entry commands[] = {
    { "serve",        cmd_serve,        "run the web server and the API" },
    { "demo",         cmd_demo,         "create the database with demo data and print demo logins" },
    { "dept",         cmd_dept,         "manage departments: dept add NAME | dept list | dept rule NAME KEYWORD..." },
    { "user",         cmd_user,         "manage accounts: user add LOGIN --role ROLE [--dept NAME] | user list | user passwd LOGIN" },
    { "consultation", cmd_consultation, "manage consultations: consultation add TITLE | consultation list" },
    { "backup",       cmd_backup,       "online copy of the database while the server runs: backup FILE" },
    { "restore",      cmd_restore,      "replace the database with a verified backup: restore FILE [--force]" },
    { "check",        cmd_check,        "integrity check plus minyi's invariants: check [--json]" },
    { "key",          cmd_key,          "new key for the sealed officials' phone numbers: key rotate [--key-file F]" },
    { "import",       cmd_import,       "load messages from JSONL/CSV/TSV files: import --data FILE --consultation ID" },
    { "export",       cmd_export,       "write messages as JSONL/CSV/TSV, personal data masked: export [--format F]" },
    { "digest",       cmd_digest,       "each department's day: new, overdue, due soon, urged, waiting: digest [--department NAME] [--date DATE]" },
    { "model",        cmd_model,        "classifier models: model add FILE [--activate] | model activate ID | model list" },
    { "label",        cmd_label,        "route classifier labels: label map LABEL DEPT | label unmap LABEL | label list" },
    { "words",        cmd_words,        "sensitive words: words add WORD... | words import FILE | words del ID | words list" },
    { "analyze",      cmd_analyze,      "run the analyzer over pending messages once" },
    { "train-spam",   cmd_train_spam,   "train the spam model from moderators' decisions: train-spam --from-db [--activate]" },
    { "pii",          cmd_pii,          "mask personal information: pii --data FILE [--spans]" },
    { "dedup",        cmd_dedup,        "group exact and near-duplicate messages: dedup --data FILE [--threshold J]" },
    { "hot",          cmd_hot,          "hot issues of a message file: hot --data FILE [--top N] [--from DATE --to DATE] [--details FILE]" },
    { "reply-quality", cmd_reply_quality, "score official replies: reply-quality --data FILE [--by-department]" },
    { "seg",          cmd_seg,          "word segmentation, jieba-compatible: seg [--mode precise|search] < text" },
    { "keywords",     cmd_keywords,     "top keywords of each stdin line: keywords [--top K] [--method tfidf|textrank]" },
    { "train",        cmd_train,        "train the message classifier: train --data FILE | --from-db, --model OUT" },
    { "gen",          cmd_gen,          "synthetic messages for benchmarks and demos: gen --count N [--seed S] --out FILE.jsonl" },
    { "classify",     cmd_classify,     "classify messages: classify --model M --data FILE" },
};

static void usage(FILE *f) {
    fprintf(f, "minyi - public consultation and citizen-message platform\n\n"
               "usage: minyi COMMAND [options]   (minyi COMMAND --help for its options)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-13s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv) {
    if (argc < 2) { usage(stderr); return 2; }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) { usage(stdout); return 0; }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "minyi: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
