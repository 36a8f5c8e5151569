/* cmd_config.c: options from a file, turned into the flags they name so
 * that a command parses one argument list (file first, then the command
 * line, whose later flags override). */
#include "app/cmd.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_args_push(cmd_args *a, const char *s) {
    if (a->n + 1 >= a->cap) {
        int cap = a->cap ? a->cap * 2 : 16;
        char **v = realloc(a->v, (size_t)cap * sizeof *v);
        if (!v) return -1;
        a->v = v; a->cap = cap;
    }
    if (!(a->v[a->n] = strdup(s))) return -1;
    a->v[++a->n] = NULL;
    return 0;
}

void cmd_args_free(cmd_args *a) {
    for (int i = 0; i < a->n; i++) free(a->v[i]);
    free(a->v);
    *a = (cmd_args){0};
}

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n')) *--e = 0;
    return s;
}

int cmd_config_read(const char *path, const cmd_optspec *specs, size_t nspecs, cmd_args *out, char *err, size_t errlen) {
    FILE *f = fopen(path, "r");
    if (!f) { snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno)); return -1; }
    char line[4096];
    int ln = 0, rc = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        ln++;
        if (!strchr(line, '\n') && !feof(f)) { snprintf(err, errlen, "%s:%d: line longer than %zu bytes", path, ln, sizeof line - 2); rc = -1; break; }
        char *hash = strchr(line, '#');
        if (hash) *hash = 0;
        char *s = trim(line);
        if (!*s) continue;
        char *eq = strchr(s, '='), *value = NULL;
        if (eq) { *eq = 0; value = trim(eq + 1); }
        char *name = trim(s);
        if (name[0] == '-' && name[1] == '-') name += 2;   /* "--listen = ..." means the same */
        size_t k = 0;
        while (k < nspecs && strcmp(specs[k].name, name)) k++;
        if (k == nspecs) { snprintf(err, errlen, "%s:%d: unknown option '%.100s'", path, ln, name); rc = -1; break; }
        if (value && value[0] == '"') {
            size_t n = strlen(value);
            if (n < 2 || value[n - 1] != '"') { snprintf(err, errlen, "%s:%d: %s: unterminated quote", path, ln, name); rc = -1; break; }
            value[n - 1] = 0; value++;
        }
        char flag[128];
        snprintf(flag, sizeof flag, "--%s", name);
        if (specs[k].takes_value) {
            if (!value || !*value) { snprintf(err, errlen, "%s:%d: %s needs a value ('%s = VALUE')", path, ln, name, name); rc = -1; break; }
            if (cmd_args_push(out, flag) || cmd_args_push(out, value)) { snprintf(err, errlen, "out of memory"); rc = -1; }
        } else {
            if (value && strcmp(value, "true") && strcmp(value, "false") && strcmp(value, "yes") && strcmp(value, "no")) {
                snprintf(err, errlen, "%s:%d: %s takes no value (or true / false), not '%.100s'", path, ln, name, value); rc = -1; break;
            }
            if ((!value || !strcmp(value, "true") || !strcmp(value, "yes")) && cmd_args_push(out, flag)) { snprintf(err, errlen, "out of memory"); rc = -1; }
        }
    }
    if (!rc && ferror(f)) { snprintf(err, errlen, "%s: read error", path); rc = -1; }
    fclose(f);
    return rc;
}
