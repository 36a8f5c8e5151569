/* workcal.c: working-day arithmetic over a sorted list of exceptions to the
 * Monday-to-Friday week (workcal.h). A year has a few dozen exceptions, so
 * a sorted array and binary search beat anything cleverer. */
#include "core/workcal.h"
#include <stdlib.h>
#include <string.h>

typedef struct { int32_t day; int kind; } exception;

struct workcal {
    exception *a;
    size_t n, cap;
};

workcal *workcal_new(void) { return calloc(1, sizeof(workcal)); }

void workcal_free(workcal *c) {
    if (!c) return;
    free(c->a);
    free(c);
}

static size_t lower_bound(const workcal *c, int32_t day) {
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->a[mid].day < day) lo = mid + 1; else hi = mid;
    }
    return lo;
}

int workcal_set(workcal *c, int32_t day, int kind) {
    size_t i = lower_bound(c, day);
    if (i < c->n && c->a[i].day == day) { c->a[i].kind = kind; return 0; }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        exception *a = realloc(c->a, cap * sizeof *a);
        if (!a) return -1;
        c->a = a; c->cap = cap;
    }
    memmove(c->a + i + 1, c->a + i, (c->n - i) * sizeof *c->a);
    c->a[i] = (exception){ day, kind };
    c->n++;
    return 0;
}

/* 1970-01-01 was a Thursday: day 0 -> weekday 4 (Monday = 1 ... Sunday = 7). */
static int weekday(int32_t day) {
    int w = (int)(((int64_t)day + 3) % 7);
    if (w < 0) w += 7;
    return w + 1;
}

bool workcal_is_workday(const workcal *c, int32_t day) {
    size_t i = lower_bound(c, day);
    if (i < c->n && c->a[i].day == day) return c->a[i].kind == WORKCAL_WORKDAY;
    return weekday(day) <= 5;
}

int32_t workcal_add(const workcal *c, int32_t day, int n) {
    /* A calendar marking every day a holiday would loop forever: stop after
     * ten years and answer with the plain day count instead. */
    int32_t d = day;
    for (int left = n, guard = 0; left > 0; guard++) {
        if (guard > 3660) return day + n;
        d++;
        if (workcal_is_workday(c, d)) left--;
    }
    return d;
}

int workcal_between(const workcal *c, int32_t from, int32_t to) {
    int sign = 1;
    if (to < from) { int32_t t = from; from = to; to = t; sign = -1; }
    int n = 0;
    for (int32_t d = from + 1; d <= to; d++) n += workcal_is_workday(c, d);
    return sign * n;
}

/* Days from civil date (Howard Hinnant's algorithm), proleptic Gregorian. */
static int32_t days_from_civil(int y, int m, int d) {
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int32_t z, int *y, int *m, int *d) {
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp + (mp < 10 ? 3 : -9);
    *y = yoe + era * 400 + (*m <= 2);
}

bool workcal_parse_day(const char *s, size_t n, int32_t *day) {
    if (n != 10 || s[4] != '-' || s[7] != '-') return false;
    int v[3] = { 0, 0, 0 }, at[3][2] = { { 0, 4 }, { 5, 2 }, { 8, 2 } };
    for (int k = 0; k < 3; k++)
        for (int i = at[k][0]; i < at[k][0] + at[k][1]; i++) {
            if (s[i] < '0' || s[i] > '9') return false;
            v[k] = v[k] * 10 + (s[i] - '0');
        }
    if (v[0] < 1970 || v[0] > 2999 || v[1] < 1 || v[1] > 12 || v[2] < 1) return false;
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (v[0] % 4 == 0 && v[0] % 100 != 0) || v[0] % 400 == 0;
    if (v[2] > mdays[v[1] - 1] + (v[1] == 2 && leap)) return false;
    *day = days_from_civil(v[0], v[1], v[2]);
    return true;
}

void workcal_format_day(int32_t day, char *out) {
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    out[0] = (char)('0' + y / 1000 % 10); out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);   out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10); out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10); out[9] = (char)('0' + d % 10);
    out[10] = 0;
}

#define CST_OFFSET (8 * 3600)

int32_t workcal_day_of(time_t t) {
    int64_t s = (int64_t)t + CST_OFFSET;
    return (int32_t)(s >= 0 ? s / 86400 : -((-s + 86399) / 86400));
}

time_t workcal_day_end(int32_t day) { return (time_t)((int64_t)day * 86400 + 86399 - CST_OFFSET); }
