// The one-off grammars of records (model.hpp): periods in local time, closures, fixed times.
#include <doctest/doctest.h>

#include <string>

#include "carecall/error.hpp"
#include "carecall/model.hpp"
#include "unit/refusal.hpp"

using namespace carecall;
using carecall::test::refusal;

namespace {

const date::time_zone* london() {
    return find_zone("Europe/London");
}

Instant utc(const char* t) {
    return parse_time_phrase(t, find_zone("UTC"), Instant{}, "t");
}

} // namespace

TEST_SUITE("model periods") {
    TEST_CASE("parse_period: a date and clock times, local, with a label") {
        auto p = parse_period("2027-07-05 07:00-15:00 early shift", london(), "--shift");
        CHECK(p.start == utc("2027-07-05T06:00Z"));
        CHECK(p.end == utc("2027-07-05T14:00Z"));
        CHECK(p.label == "early shift");
        auto winter = parse_period("2026-12-01  07:00-15:00", london(), "--shift");
        CHECK(winter.start == utc("2026-12-01T07:00Z"));
        CHECK(winter.label.empty());
        auto to_midnight = parse_period("2026-12-01 20:00-24:00", london(), "--shift");
        CHECK(to_midnight.end == utc("2026-12-02T00:00Z"));
    }

    TEST_CASE("parse_period: ISO start/end across midnight") {
        auto p = parse_period("2026-12-01T22:00/2026-12-02T06:00 nights", london(), "--shift");
        CHECK(p.start == utc("2026-12-01T22:00Z"));
        CHECK(p.end == utc("2026-12-02T06:00Z"));
        CHECK(p.label == "nights");
    }

    TEST_CASE("parse_period: malformed text and an end not after the start") {
        const std::string shape = "' is not a period (expected START/END or DATE HH:MM-HH:MM, then "
                                  "an optional label)";
        CHECK(refusal([] { (void)parse_period("", london(), "--shift"); }) == "--shift: '" + shape);
        CHECK(refusal([] { (void)parse_period("2026-12-01", london(), "--shift"); }) ==
              "--shift: '2026-12-01" + shape);
        CHECK(refusal([] { (void)parse_period("2026-12-01 07:00", london(), "--shift"); }) ==
              "--shift: '2026-12-01 07:00" + shape);
        CHECK(refusal([] { (void)parse_period("2026-12-01 22:00/x", london(), "--shift"); }) ==
              "--shift: '2026-12-01 22:00/x" + shape);
        CHECK(refusal([] { (void)parse_period("2026-12-01 15:00-07:00", london(), "--shift"); }) ==
              "--shift: '2026-12-01 15:00-07:00': the end is not after the start");
    }

    TEST_CASE("parse_period: a time in the spring-forward gap is refused") {
        // Europe/London, 2027-03-28: 01:00 GMT becomes 02:00 BST; 01:30 does not exist.
        auto why =
            refusal([] { (void)parse_period("2027-03-28 01:30-03:00", london(), "--absent"); });
        CHECK(why.rfind("--absent: 2027-03-28 01:30 does not exist in Europe/London", 0) == 0);
        why = refusal(
            [] { (void)parse_period("2027-03-27T22:00/2027-03-28T01:15", london(), "--absent"); });
        CHECK(why.find("does not exist in Europe/London") != std::string::npos);
        // Around the gap: 00:00 GMT to 03:00 BST is two hours.
        auto p = parse_period("2027-03-28 00:00-03:00", london(), "--absent");
        CHECK(p.end - p.start == std::chrono::hours{2});
    }

    TEST_CASE("parse_period: a time that happens twice needs an offset") {
        // Europe/London, 2027-10-31: 02:00 BST becomes 01:00 GMT; 01:30 happens twice.
        auto why =
            refusal([] { (void)parse_period("2027-10-31 01:30-04:00", london(), "--block"); });
        CHECK(why.rfind("--block: 2027-10-31 01:30 happens twice in Europe/London", 0) == 0);
        auto first = parse_period("2027-10-31T01:30+01:00/2027-10-31T04:00", london(), "--block");
        CHECK(first.start == utc("2027-10-31T00:30Z"));
        CHECK(first.end - first.start == std::chrono::minutes{210});
        auto second = parse_period("2027-10-31T01:30+00:00/2027-10-31T04:00", london(), "--block");
        CHECK(second.start == utc("2027-10-31T01:30Z"));
        // Across the change the wall clock says 4 hours, the period lasts 5.
        auto night = parse_period("2027-10-31 00:00-04:00", london(), "--block");
        CHECK(night.end - night.start == std::chrono::hours{5});
    }

    TEST_CASE("parse_closure: one date or a range, then a reason") {
        auto one = parse_closure("2026-12-01", "--closure");
        CHECK(one.first == parse_date("2026-12-01", "d"));
        CHECK(one.last == one.first);
        CHECK(one.reason.empty());
        auto range = parse_closure("2026-12-01..2026-12-14 norovirus outbreak", "--closure");
        CHECK(range.first == parse_date("2026-12-01", "d"));
        CHECK(range.last == parse_date("2026-12-14", "d"));
        CHECK(range.reason == "norovirus outbreak");
        CHECK_THROWS_AS((void)parse_closure("1st December", "--closure"), InvalidInput);
    }

    TEST_CASE("parse_fixed_time: one weekday and a clock time") {
        auto f = parse_fixed_time("sun 15:00", "--fixed");
        CHECK(f.weekday == 6);
        CHECK(f.start == 15 * 60);
        CHECK(refusal([] { (void)parse_fixed_time("sat,sun 15:00", "--fixed"); }) ==
              "--fixed: 'sat,sun 15:00' must name one weekday and a time, e.g. \"sun 15:00\"");
        CHECK_THROWS_AS((void)parse_fixed_time("sun 25:00", "--fixed"), InvalidInput);
    }
}
