/* workcal.h: working days. Reply deadlines are counted in working days:
 * Monday to Friday, minus public holidays, plus the make-up working days
 * (调休) the State Council announces each year. Days are whole local dates,
 * numbered from 1970-01-01 (day 0); the holiday list comes from the admin
 * (store: calendar_days), so this module does no I/O. */
#ifndef MINYI_WORKCAL_H
#define MINYI_WORKCAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum { WORKCAL_HOLIDAY = 1, WORKCAL_WORKDAY = 2 };

typedef struct workcal workcal;

/* An empty calendar (weekends off, nothing else). NULL on out-of-memory. */
workcal *workcal_new(void);
void workcal_free(workcal *c);
/* Marks a day a holiday or a make-up working day (the later call wins);
 * 0, or -1 on out-of-memory. */
int  workcal_set(workcal *c, int32_t day, int kind);

bool workcal_is_workday(const workcal *c, int32_t day);
/* The n-th working day after day (day itself not counted); n >= 1. */
int32_t workcal_add(const workcal *c, int32_t day, int n);
/* Working days from `from` to `to`: the number in (from, to] when to >= from,
 * minus the number in (to, from] otherwise. */
int  workcal_between(const workcal *c, int32_t from, int32_t to);

/* "YYYY-MM-DD" (exactly 10 bytes of s are read) -> day; false when not a real date. */
bool workcal_parse_day(const char *s, size_t n, int32_t *day);
/* day -> "YYYY-MM-DD" into out (11 bytes). */
void workcal_format_day(int32_t day, char *out);
/* The local date (China Standard Time, UTC+8, no daylight saving) of a Unix time. */
int32_t workcal_day_of(time_t t);
/* The Unix time of the last second of a local date (23:59:59 UTC+8). */
time_t workcal_day_end(int32_t day);

#endif
