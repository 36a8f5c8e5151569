/* test.c: main() for every unit-test binary (see test.h).
 * Usage: <test-binary> [substring]  runs the cases whose name contains it. */
#include "test.h"
#include <stdlib.h>

#define MAX_TESTS 1024
static struct { const char *name; test_fn fn; } tests[MAX_TESTS];
static int ntests;
int test_failures;

void test_register(const char *name, test_fn fn) {
    if (ntests == MAX_TESTS) { fprintf(stderr, "too many tests\n"); exit(2); }
    tests[ntests].name = name;
    tests[ntests].fn = fn;
    ntests++;
}

int main(int argc, char **argv) {
    int passed = 0, failed = 0;
    const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    for (int i = 0; i < ntests; i++) {
        if (argc > 1 && !strstr(tests[i].name, argv[1])) continue;
        test_failures = 0;
        tests[i].fn();
        if (test_failures) { failed++; printf("FAIL %s: %s\n", prog, tests[i].name); }
        else { passed++; printf("ok   %s: %s\n", prog, tests[i].name); }
        fflush(stdout);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
