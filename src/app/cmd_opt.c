/* cmd_opt.c: option parsing shared by the subcommands. */
#include "app/cmd.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool cmd_opt(int argc, char **argv, int *i, const char *name, const char **val) {
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0) return false;
    if (a[n] == '=') { *val = a + n + 1; return true; }
    if (a[n] != 0) return false;
    if (*i + 1 >= argc) { fprintf(stderr, "minyi: option %s needs a value\n", name); exit(2); }
    *val = argv[++*i];
    return true;
}
