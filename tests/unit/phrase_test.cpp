#include <doctest/doctest.h>

#include "carecall/error.hpp"
#include "carecall/time.hpp"

using namespace carecall;

namespace {
// Wednesday 2027-03-24 10:00 UTC (10:00 GMT in London; BST starts on Sunday the 28th).
Instant now() {
    return Instant{date::sys_days{date::year{2027} / 3 / 24}} + std::chrono::hours{10};
}
std::string read(std::string_view phrase, const char* zone = "Europe/London") {
    return format_iso_offset(parse_time_phrase(phrase, find_zone(zone), now(), "--at"),
                             find_zone(zone));
}
} // namespace

TEST_SUITE("time phrases") {
    TEST_CASE("ISO 8601 forms") {
        CHECK(read("2027-03-28 14:00") == "2027-03-28T14:00:00+01:00");
        CHECK(read("2027-03-27T14:00") == "2027-03-27T14:00:00+00:00");
        CHECK(read("2027-03-28T14:00+01:00") == "2027-03-28T14:00:00+01:00");
        CHECK(read("2027-03-28T13:00Z") == "2027-03-28T14:00:00+01:00");
        CHECK(read("2027-03-28T09:00-04:00") == "2027-03-28T14:00:00+01:00");
        CHECK(read("2027-03-28T14:00:00Z") == "2027-03-28T15:00:00+01:00");
    }

    TEST_CASE("words relative to now, in the zone given") {
        CHECK(read("now") == "2027-03-24T10:00:00+00:00");
        CHECK(read("today") == "2027-03-24T00:00:00+00:00");
        CHECK(read("14:30") == "2027-03-24T14:30:00+00:00");
        CHECK(read("today 14:30") == "2027-03-24T14:30:00+00:00");
        CHECK(read("tomorrow 09:00") == "2027-03-25T09:00:00+00:00");
        CHECK(read("Tomorrow 9:00") == "2027-03-25T09:00:00+00:00");
        CHECK(read("mon 15:00") == "2027-03-29T15:00:00+01:00");
        CHECK(read("next mon 15:00") == "2027-03-29T15:00:00+01:00");
        CHECK(read("wed 15:00") == "2027-03-31T15:00:00+01:00"); // today is Wednesday: next week
        CHECK(read("friday") == "2027-03-26T00:00:00+00:00");
        // In Sydney it is already 21:00 on the 24th (AEDT, +11).
        CHECK(read("tomorrow 09:00", "Australia/Sydney") == "2027-03-25T09:00:00+11:00");
        CHECK(read("now", "Australia/Sydney") == "2027-03-24T21:00:00+11:00");
    }

    TEST_CASE("refused forms name the field and the value") {
        CHECK_THROWS_WITH_AS(read("03/04/2027"),
                             "--at: '03/04/2027' is ambiguous: write dates as YYYY-MM-DD",
                             InvalidInput);
        CHECK_THROWS_WITH_AS(read("03/04/2027 14:00"),
                             "--at: '03/04/2027' is ambiguous: write dates as YYYY-MM-DD",
                             InvalidInput);
        CHECK_THROWS_WITH_AS(read("25:61"), "--at: 25:61 is not a time (expected HH:MM)",
                             InvalidInput);
        CHECK_THROWS_WITH_AS(read("2027-02-29 10:00"), "--at: 2027-02-29 is not a real date",
                             InvalidInput);
        CHECK_THROWS_WITH_AS(read("soon"),
                             "--at: 'soon' is not a time (expected e.g. 2027-03-28 14:00, "
                             "2027-03-28T14:00+01:00, today 14:30, tomorrow 09:00, mon 15:00, "
                             "14:30 or now)",
                             InvalidInput);
        CHECK_THROWS_AS(read("next 15:00"), InvalidInput);
        CHECK_THROWS_AS(read("tomorrow 9"), InvalidInput);
        CHECK_THROWS_AS(read("tomorrow 09:00 extra"), InvalidInput);
        CHECK_THROWS_WITH_AS(read(""), "--at: a time is required", InvalidInput);
    }

    TEST_CASE("gaps and overlaps in phrases") {
        CHECK_THROWS_WITH_AS(read("2027-03-28 01:30"),
                             "--at: 2027-03-28 01:30 does not exist in Europe/London: the clocks "
                             "go forward then; the nearest real times are "
                             "2027-03-28T00:59:00+00:00 and 2027-03-28T02:00:00+01:00",
                             InvalidInput);
        auto r = read_time_phrase("2027-10-31 01:30", find_zone("Europe/London"), now(), "--at");
        REQUIRE(r.instants.size() == 2);
        CHECK(format_utc(r.instants[0]) == "2027-10-31T00:30:00Z");
        CHECK(format_utc(r.instants[1]) == "2027-10-31T01:30:00Z");
        CHECK(format_utc(parse_time_phrase("2027-10-31 01:30", find_zone("Europe/London"), now(),
                                           "--at", Ambiguity::latest)) == "2027-10-31T01:30:00Z");
        // An explicit offset settles it.
        CHECK(read("2027-10-31T01:30+00:00") == "2027-10-31T01:30:00+00:00");
        auto gap = read_time_phrase("2027-03-14 02:30", find_zone("America/New_York"), now(), "at");
        CHECK(gap.instants.empty());
    }

    TEST_CASE("date phrases") {
        auto london = find_zone("Europe/London");
        CHECK(format_date(parse_date_phrase("today", london, now(), "--date")) == "2027-03-24");
        CHECK(format_date(parse_date_phrase("tomorrow", london, now(), "--date")) == "2027-03-25");
        CHECK(format_date(parse_date_phrase("sun", london, now(), "--date")) == "2027-03-28");
        CHECK(format_date(parse_date_phrase("2027-04-01", london, now(), "--date")) ==
              "2027-04-01");
        CHECK_THROWS_WITH_AS(parse_date_phrase("14:00", london, now(), "--date"),
                             "--date: '14:00' is not a date (expected YYYY-MM-DD, today, tomorrow "
                             "or a weekday such as mon)",
                             InvalidInput);
    }
}
