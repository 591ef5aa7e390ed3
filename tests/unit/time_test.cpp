#include <doctest/doctest.h>

#include "carecall/error.hpp"
#include "carecall/time.hpp"

using namespace carecall;
using std::chrono::hours;
using std::chrono::minutes;

namespace {
Instant utc(const char* text) {
    return Instant{parse_local_datetime(text, "t").time_since_epoch()};
}
} // namespace

TEST_SUITE("time") {
    TEST_CASE("clock times") {
        CHECK(parse_clock("09:00", "start") == 540);
        CHECK(parse_clock("9:05", "start") == 545);
        CHECK(parse_clock("24:00", "end", true) == 1440);
        CHECK_THROWS_WITH_AS(parse_clock("24:00", "start"),
                             "start: 24:00 is only allowed as an end time", InvalidInput);
        CHECK_THROWS_WITH_AS(parse_clock("25:61", "start"),
                             "start: 25:61 is not a time (expected HH:MM)", InvalidInput);
        CHECK_THROWS_WITH_AS(parse_clock("12:60", "end"),
                             "end: 12:60 is not a time (expected HH:MM)", InvalidInput);
        CHECK_THROWS_WITH_AS(parse_clock("1200", "end"), "end: 1200 is not a time (expected HH:MM)",
                             InvalidInput);
        CHECK_THROWS_WITH_AS(parse_clock("", "end"), "end:  is not a time (expected HH:MM)",
                             InvalidInput);
        CHECK(format_clock(545) == "09:05");
        CHECK(format_clock(1440) == "24:00");
    }

    TEST_CASE("dates") {
        CHECK(parse_date("2028-02-29", "d") ==
              Date{date::year{2028}, date::month{2}, date::day{29}});
        CHECK_THROWS_WITH_AS(parse_date("2027-02-29", "admitted"),
                             "admitted: 2027-02-29 is not a real date", InvalidInput);
        CHECK_THROWS_WITH_AS(parse_date("03/04/2027", "admitted"),
                             "admitted: 03/04/2027 is not a date (expected YYYY-MM-DD)",
                             InvalidInput);
        CHECK(format_date(parse_date("2027-03-28", "d")) == "2027-03-28");
        CHECK(weekday_index(parse_date("2026-11-30", "d")) == 0); // a Monday
        CHECK(weekday_index(parse_date("2026-11-29", "d")) == 6); // a Sunday
    }

    TEST_CASE("local date-times") {
        auto t = parse_local_datetime("2027-03-28T14:00", "at");
        CHECK(format_local_datetime(t) == "2027-03-28T14:00");
        CHECK(format_local_datetime(parse_local_datetime("2027-03-28 14:00:30", "at")) ==
              "2027-03-28T14:00:30");
        CHECK_THROWS_WITH_AS(parse_local_datetime("2027-03-28", "at"),
                             "at: 2027-03-28 is not a date and time (expected YYYY-MM-DDTHH:MM)",
                             InvalidInput);
        CHECK_THROWS_WITH_AS(parse_local_datetime("2027-03-28T25:61", "at"),
                             "at: 25:61 is not a time (expected HH:MM)", InvalidInput);
    }

    TEST_CASE("zones") {
        CHECK(find_zone("Europe/London", "tz")->name() == "Europe/London");
        CHECK_THROWS_WITH_AS(find_zone("Europe/Londn", "tz"),
                             "tz: unknown time zone 'Europe/Londn' (expected an IANA name such as "
                             "Europe/London)",
                             InvalidInput);
        CHECK_THROWS_WITH_AS(find_zone("", "sites[0].tz"),
                             "sites[0].tz: a time zone is required (e.g. Europe/London)",
                             InvalidInput);
    }

    TEST_CASE("local to UTC in London, New York, Sydney and Kolkata") {
        auto london = find_zone("Europe/London");
        auto ny = find_zone("America/New_York");
        auto sydney = find_zone("Australia/Sydney");
        auto kolkata = find_zone("Asia/Kolkata");
        // T3: 18:00 BST on 2027-07-01 is 03:00 AEST on 2 July.
        auto six_pm = to_utc(parse_local_datetime("2027-07-01T18:00", "at"), london, "at");
        CHECK(format_utc(six_pm) == "2027-07-01T17:00:00Z");
        CHECK(format_iso_offset(six_pm, sydney) == "2027-07-02T03:00:00+10:00");
        CHECK(format_iso_offset(six_pm, kolkata) == "2027-07-01T22:30:00+05:30");
        // T3: 14-27 March 2027 London and New York are 4 hours apart, not 5.
        for (int day = 14; day <= 27; ++day) {
            auto local = date::local_days{date::year{2027} / 3 / day} + hours{12};
            auto in_london = to_utc(local, london, "at");
            auto in_ny = to_utc(local, ny, "at");
            CAPTURE(day);
            CHECK(in_ny - in_london == hours{4});
        }
        auto local = date::local_days{date::year{2027} / 3 / 29} + hours{12};
        CHECK(to_utc(local, ny, "at") - to_utc(local, london, "at") == hours{5});
        CHECK(to_local(six_pm, london) == parse_local_datetime("2027-07-01T18:00", "at"));
    }

    TEST_CASE("T1: a time in a spring-forward gap is refused, never shifted") {
        CHECK_THROWS_WITH_AS(
            to_utc(parse_local_datetime("2027-03-28T01:30", "at"), find_zone("Europe/London"), "at",
                   Ambiguity::earliest),
            "at: 2027-03-28 01:30 does not exist in Europe/London: the clocks go forward then; "
            "the nearest real times are 2027-03-28T00:59:00+00:00 and 2027-03-28T02:00:00+01:00",
            InvalidInput);
        CHECK_THROWS_WITH_AS(
            to_utc(parse_local_datetime("2027-03-14T02:30", "at"), find_zone("America/New_York"),
                   "at"),
            "at: 2027-03-14 02:30 does not exist in America/New_York: the clocks go forward then; "
            "the nearest real times are 2027-03-14T01:59:00-05:00 and 2027-03-14T03:00:00-04:00",
            InvalidInput);
        CHECK_THROWS_WITH_AS(
            to_utc(parse_local_datetime("2027-10-03T02:30", "at"), find_zone("Australia/Sydney"),
                   "at"),
            "at: 2027-10-03 02:30 does not exist in Australia/Sydney: the clocks go forward then; "
            "the nearest real times are 2027-10-03T01:59:00+10:00 and 2027-10-03T03:00:00+11:00",
            InvalidInput);
    }

    TEST_CASE("T2: a fall-back time needs an explicit choice") {
        auto london = find_zone("Europe/London");
        auto t = parse_local_datetime("2027-10-31T01:30", "at");
        CHECK_THROWS_WITH_AS(to_utc(t, london, "at"),
                             "at: 2027-10-31 01:30 happens twice in Europe/London (the clocks go "
                             "back): choose 2027-10-31T01:30:00+01:00 or 2027-10-31T01:30:00+00:00",
                             InvalidInput);
        CHECK(format_utc(to_utc(t, london, "at", Ambiguity::earliest)) == "2027-10-31T00:30:00Z");
        CHECK(format_utc(to_utc(t, london, "at", Ambiguity::latest)) == "2027-10-31T01:30:00Z");
        auto ny = find_zone("America/New_York");
        auto t2 = parse_local_datetime("2027-11-07T01:30", "at");
        CHECK_THROWS_AS(to_utc(t2, ny, "at"), InvalidInput);
        CHECK(format_iso_offset(to_utc(t2, ny, "at", Ambiguity::latest), ny) ==
              "2027-11-07T01:30:00-05:00");
        auto sydney = find_zone("Australia/Sydney");
        auto t3 = parse_local_datetime("2027-04-04T02:30", "at");
        CHECK_THROWS_AS(to_utc(t3, sydney, "at"), InvalidInput);
        CHECK(format_iso_offset(to_utc(t3, sydney, "at", Ambiguity::earliest), sydney) ==
              "2027-04-04T02:30:00+11:00");
    }

    TEST_CASE("N3: dates from 2000-01-01 to 2199-12-31 only, also after a number of days") {
        const std::string range =
            "is outside the dates carecall accepts (2000-01-01 to 2199-12-31)";
        CHECK(parse_date("2000-01-01", "d") == k_first_date);
        CHECK(parse_date("2199-12-31", "d") == k_last_date);
        CHECK_THROWS_WITH_AS(parse_date("1999-12-31", "d"), ("d: 1999-12-31 " + range).c_str(),
                             InvalidInput);
        CHECK_THROWS_WITH_AS(parse_date("2200-01-01", "d"), ("d: 2200-01-01 " + range).c_str(),
                             InvalidInput);
        CHECK_THROWS_WITH_AS(parse_date("10000-01-01", "--at"),
                             ("--at: 10000-01-01 " + range).c_str(), InvalidInput);
        CHECK_THROWS_WITH_AS(parse_date("0000-01-01", "d"), ("d: 0000-01-01 " + range).c_str(),
                             InvalidInput);
        CHECK_THROWS_WITH_AS(parse_local_datetime("10000-01-01T10:00", "t"),
                             ("t: 10000-01-01 " + range).c_str(), InvalidInput);
        CHECK_THROWS_AS(parse_date("10000-1-01", "d"), InvalidInput);
        CHECK(last_of_days(parse_date("2199-12-25", "d"), 7, "--days") == k_last_date);
        CHECK_THROWS_WITH_AS(last_of_days(parse_date("2199-12-25", "d"), 8, "--days"),
                             "--days: 8 days from 2199-12-25 end on 2200-01-01, outside the dates "
                             "carecall accepts (2000-01-01 to 2199-12-31)",
                             InvalidInput);
        CHECK_THROWS_AS(check_date_range(Date{date::year{1970}, date::month{1}, date::day{1}}, "t"),
                        InvalidInput);
    }

    TEST_CASE("durations") {
        CHECK(parse_duration_minutes("30m", "d") == 30);
        CHECK(parse_duration_minutes("1h", "d") == 60);
        CHECK(parse_duration_minutes("1h30m", "d") == 90);
        CHECK(parse_duration_minutes("45", "d") == 45);
        CHECK_THROWS_WITH_AS(parse_duration_minutes("-5m", "--duration"),
                             "--duration: -5m is not a duration (expected e.g. 30m, 1h, 1h30m)",
                             InvalidInput);
        CHECK_THROWS_WITH_AS(parse_duration_minutes("0m", "--duration"),
                             "--duration: 0m must be a positive duration of at most 7 days",
                             InvalidInput);
        CHECK_THROWS_AS(parse_duration_minutes("30m1h", "d"), InvalidInput);
        CHECK_THROWS_AS(parse_duration_minutes("1h30", "d"), InvalidInput);
        CHECK_THROWS_AS(parse_duration_minutes("abc", "d"), InvalidInput);
    }

    TEST_CASE("UTC formatting") {
        CHECK(format_utc(utc("2025-03-24T10:15")) == "2025-03-24T10:15:00Z");
        CHECK(format_iso_offset(utc("2025-03-24T10:15"), find_zone("Asia/Kolkata")) ==
              "2025-03-24T15:45:00+05:30");
    }
}
