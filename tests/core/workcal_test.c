/* workcal_test.c: working days over weekends, holidays and make-up days. */
#include "test.h"
#include "core/workcal.h"

static int32_t day(const char *s) {
    int32_t d = 0;
    CHECK(workcal_parse_day(s, 10, &d));
    return d;
}

TEST(dates_round_trip_and_bad_dates_are_refused) {
    char out[11];
    workcal_format_day(day("2026-09-30"), out);
    CHECK_STR(out, "2026-09-30");
    workcal_format_day(day("2024-02-29"), out);
    CHECK_STR(out, "2024-02-29");
    CHECK_INT(day("1970-01-01"), 0);
    int32_t d;
    CHECK(!workcal_parse_day("2026-02-29", 10, &d));   /* not a leap year */
    CHECK(!workcal_parse_day("2026-13-01", 10, &d));
    CHECK(!workcal_parse_day("2026-1-01x", 10, &d));
    CHECK(!workcal_parse_day("2026-01-0", 9, &d));
    CHECK(!workcal_parse_day("2026/01/01", 10, &d));
}

TEST(weekends_are_off) {
    workcal *c = workcal_new();
    CHECK(workcal_is_workday(c, day("2026-09-30")));    /* Wednesday */
    CHECK(!workcal_is_workday(c, day("2026-10-03")));   /* Saturday */
    CHECK(!workcal_is_workday(c, day("2026-10-04")));   /* Sunday */
    /* Friday + 1 working day = Monday. */
    CHECK_INT(workcal_add(c, day("2026-11-06"), 1), day("2026-11-09"));
    CHECK_INT(workcal_add(c, day("2026-11-06"), 15), day("2026-11-27"));
    CHECK_INT(workcal_between(c, day("2026-11-06"), day("2026-11-09")), 1);
    CHECK_INT(workcal_between(c, day("2026-11-09"), day("2026-11-06")), -1);
    CHECK_INT(workcal_between(c, day("2026-11-06"), day("2026-11-06")), 0);
    workcal_free(c);
}

TEST(holidays_are_off_and_make_up_days_are_on) {
    workcal *c = workcal_new();
    for (int i = 1; i <= 7; i++) {
        char s[11] = "2026-10-0X";
        s[9] = (char)('0' + i);
        CHECK_INT(workcal_set(c, day(s), WORKCAL_HOLIDAY), 0);
    }
    CHECK_INT(workcal_set(c, day("2026-10-10"), WORKCAL_WORKDAY), 0);   /* a Saturday */
    CHECK(!workcal_is_workday(c, day("2026-10-01")));
    CHECK(workcal_is_workday(c, day("2026-10-10")));
    CHECK_INT(workcal_add(c, day("2026-09-30"), 5), day("2026-10-13"));
    CHECK_INT(workcal_add(c, day("2026-09-30"), 3), day("2026-10-10"));
    CHECK_INT(workcal_between(c, day("2026-09-30"), day("2026-10-13")), 5);
    /* The later call wins. */
    CHECK_INT(workcal_set(c, day("2026-10-10"), WORKCAL_HOLIDAY), 0);
    CHECK(!workcal_is_workday(c, day("2026-10-10")));
    workcal_free(c);
}

TEST(a_calendar_of_only_holidays_still_ends) {
    workcal *c = workcal_new();
    for (int32_t d = day("2026-01-01"); d < day("2026-01-01") + 4000; d++) workcal_set(c, d, WORKCAL_HOLIDAY);
    int32_t from = day("2026-01-01");
    CHECK_INT(workcal_add(c, from, 5), from + 5);
    workcal_free(c);
}

TEST(local_dates_are_china_time) {
    /* 2026-09-30T16:30:00Z is 2026-10-01 00:30 in Beijing. */
    CHECK_INT(workcal_day_of(1790785800), day("2026-10-01"));
    CHECK_INT(workcal_day_of(1790785800 - 3600), day("2026-09-30"));
    CHECK_INT(workcal_day_end(day("2026-10-13")), 1791907199);   /* 2026-10-13T15:59:59Z */
}
