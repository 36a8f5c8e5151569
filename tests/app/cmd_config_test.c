/* cmd_config_test.c: tests for src/app/cmd_config.c (serve --config). */
#include "test.h"
#include "app/cmd.h"
#include <stdlib.h>
#include <unistd.h>

static const cmd_optspec specs[] = { { "listen", true }, { "trusted-proxy", true }, { "quiet", false }, { "secure-cookies", false } };
#define NSPECS (sizeof specs / sizeof *specs)

static char path[64];
static void file(const char *text) {
    snprintf(path, sizeof path, "/tmp/minyi-cfg-XXXXXX");
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
}

static int load(const char *text, cmd_args *a, char *err, size_t errlen) {
    file(text);
    int rc = cmd_config_read(path, specs, NSPECS, a, err, errlen);
    unlink(path);
    return rc;
}

TEST(lines_become_flags) {
    cmd_args a = {0};
    char err[256];
    CHECK_INT(load("# minyi.conf\n\nlisten = 127.0.0.1:9090\n  trusted-proxy=10.0.0.0/8   # the load balancer\n"
                   "trusted-proxy = \"::1\"\r\nquiet\nsecure-cookies = false\n--secure-cookies = yes\n", &a, err, sizeof err), 0);
    CHECK_INT(a.n, 8);
    if (a.n == 8) {
        CHECK_STR(a.v[0], "--listen"); CHECK_STR(a.v[1], "127.0.0.1:9090");
        CHECK_STR(a.v[2], "--trusted-proxy"); CHECK_STR(a.v[3], "10.0.0.0/8");
        CHECK_STR(a.v[4], "--trusted-proxy"); CHECK_STR(a.v[5], "::1");
        CHECK_STR(a.v[6], "--quiet");
        CHECK_STR(a.v[7], "--secure-cookies");
    }
    CHECK(a.v[a.n] == NULL);
    cmd_args_free(&a);
}

TEST(errors_name_the_line) {
    cmd_args a = {0};
    char err[256];
    CHECK_INT(load("listen = 1.2.3.4:1\nlisen = 127.0.0.1:8080\n", &a, err, sizeof err), -1);
    CHECK(strstr(err, ":2: unknown option 'lisen'") != NULL);
    cmd_args_free(&a);
    CHECK_INT(load("\n\nlisten =\n", &a, err, sizeof err), -1);
    CHECK(strstr(err, ":3: listen needs a value") != NULL);
    cmd_args_free(&a);
    CHECK_INT(load("quiet = loud\n", &a, err, sizeof err), -1);
    CHECK(strstr(err, ":1: quiet takes no value") != NULL);
    cmd_args_free(&a);
    CHECK_INT(load("listen = \"127.0.0.1:1\n", &a, err, sizeof err), -1);
    CHECK(strstr(err, ":1: listen: unterminated quote") != NULL);
    cmd_args_free(&a);
    CHECK_INT(load("= 5\n", &a, err, sizeof err), -1);
    CHECK(strstr(err, ":1: unknown option ''") != NULL);
    cmd_args_free(&a);
    /* "config" inside a config file is not an option of the file */
    CHECK_INT(load("config = other.conf\n", &a, err, sizeof err), -1);
    cmd_args_free(&a);
    CHECK_INT(cmd_config_read("/nonexistent/minyi.conf", specs, NSPECS, &a, err, sizeof err), -1);
    CHECK(strstr(err, "/nonexistent/minyi.conf: cannot read") != NULL);
    cmd_args_free(&a);
}

TEST(hostile_file) {
    cmd_args a = {0};
    char err[256];
    static char big[10000];
    memset(big, 'x', sizeof big - 1);
    CHECK_INT(load(big, &a, err, sizeof err), -1);
    CHECK(strstr(err, ":1: line longer than") != NULL);
    cmd_args_free(&a);
    CHECK_INT(load("listen = a=b=c\n", &a, err, sizeof err), 0);   /* the value is everything after the first '=' */
    CHECK(a.n == 2 && !strcmp(a.v[1], "a=b=c"));
    cmd_args_free(&a);
    CHECK_INT(load("", &a, err, sizeof err), 0);
    CHECK_INT(a.n, 0);
    cmd_args_free(&a);
}
