/* test.h: the unit-test harness. Each tests/<dir>/<name>_test.c is its own
 * binary (linked with tests/test.c); TEST() registers a case at load time.
 * A binary prints "ok"/"FAIL" per case and ends with "N passed, N failed". */
#ifndef MINYI_TEST_H
#define MINYI_TEST_H
#include <stdio.h>
#include <string.h>
#include <stdbool.h>

typedef void (*test_fn)(void);
void test_register(const char *name, test_fn fn);
extern int test_failures;   /* failures of the current case */

#define TEST(name) \
    static void test_##name(void); \
    __attribute__((constructor)) static void reg_##name(void) { test_register(#name, test_##name); } \
    static void test_##name(void)

#define CHECK(cond) do { if (!(cond)) { test_failures++; \
    fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); } } while (0)

#define CHECK_INT(a, b) do { long long _a = (long long)(a), _b = (long long)(b); if (_a != _b) { test_failures++; \
    fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, _a, _b); } } while (0)

#define CHECK_STR(a, b) do { const char *_a = (a), *_b = (b); \
    if (!_a || !_b || strcmp(_a, _b) != 0) { test_failures++; \
    fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, _a ? _a : "(null)", _b ? _b : "(null)"); } } while (0)

#endif
