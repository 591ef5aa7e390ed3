// The reports over a snapshot whose figures are known by construction (see the comments).

#include <sstream>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "carecall/report.hpp"

using namespace carecall;

namespace {

Instant utc(const char* text) {
    std::istringstream in(text);
    date::sys_seconds t;
    in >> date::parse("%Y-%m-%dT%H:%M", t);
    REQUIRE_FALSE(in.fail());
    return t;
}

Date day(const char* text) {
    return parse_date(text, "date");
}

Resident resident(std::int64_t id, const char* code, std::int64_t ward) {
    Resident r;
    r.id = ResidentId(id);
    r.code = code;
    r.name = std::string("Name of ") + code;
    r.ward = WardId(ward);
    return r;
}

Booking call(std::int64_t id, std::int64_t resident, const char* start, int minutes,
             BookingStatus status, const char* outcome = "") {
    Booking b;
    b.id = BookingId(id);
    b.code = "B-" + std::to_string(id);
    b.resident = ResidentId(resident);
    b.contacts = {ContactId(1)};
    b.device = DeviceId(1);
    b.start = utc(start);
    b.end = b.start + std::chrono::minutes{minutes};
    b.status = status;
    b.outcome = parse_call_outcome(outcome);
    return b;
}

/// London (BST, UTC+1 in July). Mon 2027-07-05 … Sun 2027-07-11.
///  W1: daily 09:00-17:00 (480 min a day), closed Wed 2027-07-07.
///  W2: mon-fri 10:00-12:00 (120 min a day).
///  D1 serves W1 and W2; out of service Tue 2027-07-06 10:00-11:00 local.
///  R-A (W1, 2 calls a week), R-B (W2, admitted 2027-07-01, 1 call a week), R-C (W1, an
///  inactive request), R-D (W1, no admission date, never called), R-E discharged 2027-07-08,
///  R-F admitted 2027-07-09, R-G admitted 2027-08-01.
ReportData home() {
    ReportData d;
    Site s;
    s.id = SiteId(1);
    s.code = "S1";
    s.tz = "Europe/London";
    d.sites = {s};
    Ward w1;
    w1.id = WardId(1);
    w1.code = "W1";
    w1.site = SiteId(1);
    w1.calling_hours = {parse_window("daily 09:00-17:00", "w")};
    w1.closures = {{day("2027-07-07"), day("2027-07-07"), "outbreak"}};
    Ward w2;
    w2.id = WardId(2);
    w2.code = "W2";
    w2.site = SiteId(1);
    w2.calling_hours = {parse_window("mon-fri 10:00-12:00", "w")};
    d.wards = {w1, w2};
    Device dev;
    dev.id = DeviceId(1);
    dev.code = "D1";
    dev.site = SiteId(1);
    dev.wards = {WardId(1), WardId(2)};
    dev.out_of_service = {{utc("2027-07-06T09:00"), utc("2027-07-06T10:00"), "charging"}};
    Device idle;
    idle.id = DeviceId(2);
    idle.code = "D0";
    idle.site = SiteId(1);
    idle.wards = {WardId(2)};
    d.devices = {dev, idle};
    auto a = resident(1, "R-A", 1);
    auto b = resident(2, "R-B", 2);
    b.admitted = day("2027-07-01");
    auto c = resident(3, "R-C", 1);
    auto dd = resident(4, "R-D", 1);
    auto e = resident(5, "R-E", 1);
    e.admitted = day("2027-01-01");
    e.discharged = day("2027-07-08");
    auto f = resident(6, "R-F", 1);
    f.admitted = day("2027-07-09");
    auto g = resident(7, "R-G", 1);
    g.admitted = day("2027-08-01");
    d.residents = {a, b, c, dd, e, f, g};
    CallRequest qa;
    qa.resident = ResidentId(1);
    qa.calls = 2;
    CallRequest qb;
    qb.resident = ResidentId(2);
    qb.calls = 1;
    CallRequest qc;
    qc.resident = ResidentId(3);
    qc.calls = 3;
    qc.active = false;
    d.requests = {qa, qb, qc};
    d.bookings = {
        call(1, 1, "2027-07-05T09:00", 30, BookingStatus::completed),
        call(2, 1, "2027-07-06T13:00", 45, BookingStatus::missed, "no_answer"),
        call(3, 1, "2027-07-08T08:00", 60, BookingStatus::cancelled),
        call(4, 2, "2027-07-05T10:00", 20, BookingStatus::booked),
        call(5, 3, "2027-07-09T09:00", 30, BookingStatus::completed),
        call(6, 1, "2027-07-12T09:00", 30, BookingStatus::completed),
        call(7, 1, "2027-07-13T09:00", 30, BookingStatus::booked),
    };
    return d;
}

const DateSpan k_week{day("2027-07-05"), day("2027-07-11")};

} // namespace

TEST_SUITE("report") {

    TEST_CASE("report: isolation lists the residents without a completed call, longest first") {
        auto d = home();
        auto r = isolation_report(d, utc("2027-07-10T12:00"), 3);
        REQUIRE(r.rows.size() == 3);
        // R-D: never called, no admission date (length unknown) first.
        CHECK(r.rows[0].resident == "R-D");
        CHECK_FALSE(r.rows[0].days.has_value());
        CHECK_FALSE(r.rows[0].last_call.has_value());
        // R-B: never called, admitted 9 days ago; its booked call (B-4) is in the past.
        CHECK(r.rows[1].resident == "R-B");
        CHECK(r.rows[1].days == 9);
        CHECK_FALSE(r.rows[1].next.has_value());
        // R-A: last completed 2027-07-05 09:00Z, 5 days 3 hours before now; next call B-7.
        CHECK(r.rows[2].resident == "R-A");
        CHECK(r.rows[2].days == 5);
        CHECK(r.rows[2].last_call == utc("2027-07-05T09:00"));
        REQUIRE(r.rows[2].next.has_value());
        CHECK(r.rows[2].next->code == "B-7");
        // R-C called yesterday; R-E discharged; R-F admitted a day ago; R-G not yet admitted.

        auto rows = report_rows(r, true);
        CHECK(rows.rows[2][3] == "2027-07-05");
        CHECK(rows.rows[2][4] == "5");
        CHECK(rows.rows[2][5] == "2027-07-13 10:00 BST");
        CHECK(rows.rows[0][4] == "?");
        CHECK(rows.rows[0][3] == "never");
        auto csv = report_rows(r, false);
        CHECK(csv.rows[2][3] == "2027-07-05T10:00:00+01:00");
        auto j = nlohmann::json::parse(report_json(r));
        CHECK(j["format"] == "carecall-report-isolation/1");
        CHECK(j["residents"][2]["next"]["start"] == "2027-07-13T10:00:00+01:00");
        CHECK(j["residents"][2]["tz"] == "Europe/London");
        CHECK(j["residents"][0]["days"].is_null());

        SUBCASE("a longer threshold leaves out the shorter gaps") {
            auto r9 = isolation_report(d, utc("2027-07-10T12:00"), 6);
            REQUIRE(r9.rows.size() == 2);
            CHECK(r9.rows[1].resident == "R-B");
        }
    }

    TEST_CASE("report: utilisation counts bookable and booked minutes per device and ward") {
        auto r = utilisation_report(home(), k_week);
        REQUIRE(r.rows.size() == 5);
        // D0 (serves W2 only, nothing booked): 5 × 120.
        CHECK(r.rows[0].device == "D0");
        CHECK(r.rows[0].ward == "W2");
        CHECK(r.rows[0].bookable_minutes == 600);
        CHECK(r.rows[1].ward.empty());
        CHECK(r.rows[1].bookable_minutes == 600);
        CHECK(r.rows[1].booked_minutes == 0);
        // D1 on W1: 7 × 480 - 480 (closed Wednesday) - 60 (out of service) = 2820.
        const auto& w1 = r.rows[2];
        CHECK(w1.ward == "W1");
        CHECK(w1.bookable_minutes == 2820);
        // 30 + 30 completed (R-A, R-C) + 45 missed; the cancelled call is not counted.
        CHECK(w1.booked_minutes == 105);
        CHECK(w1.completed == 2);
        CHECK(w1.missed == 1);
        CHECK(w1.cancelled == 1);
        CHECK(w1.booked == 0);
        // D1 on W2: 5 × 120 - 60 (out of service) = 540.
        const auto& w2 = r.rows[3];
        CHECK(w2.ward == "W2");
        CHECK(w2.bookable_minutes == 540);
        CHECK(w2.booked_minutes == 20);
        CHECK(w2.booked == 1);
        // D1 in all: 6 × 480 + 120 (W2 open on W1's closed Wednesday) - 60 = 2940.
        const auto& all = r.rows[4];
        CHECK(all.ward.empty());
        CHECK(all.bookable_minutes == 2940);
        CHECK(all.booked_minutes == 125);
        CHECK(all.completed == 2);
        CHECK(all.booked == 1);

        auto rows = report_rows(r, true);
        CHECK(rows.rows[2][4] == "3.7%"); // 105 / 2820
        CHECK(rows.rows[4][1] == "(all)");
        auto j = nlohmann::json::parse(report_json(r));
        CHECK(j["format"] == "carecall-report-utilisation/1");
        CHECK(j["from"] == "2027-07-05");
        CHECK(j["rows"][4]["ward"].is_null());
    }

    TEST_CASE("report: utilisation follows the clock change (a 25-hour day)") {
        auto d = home();
        d.wards[0].calling_hours = {parse_window("daily 00:00-24:00", "w")};
        d.wards[0].closures.clear();
        d.devices[0].out_of_service.clear();
        d.devices[0].wards = {WardId(1)};
        // Sun 2027-10-31: the clocks go back in London, so the day has 25 hours.
        auto r = utilisation_report(d, {day("2027-10-31"), day("2027-10-31")});
        CHECK(r.rows[2].bookable_minutes == 25 * 60);
        auto spring = utilisation_report(d, {day("2027-03-28"), day("2027-03-28")});
        CHECK(spring.rows[2].bookable_minutes == 23 * 60);
    }

    TEST_CASE("report: fairness compares calls with what was asked, with the spread") {
        auto r = fairness_report(home(), {day("2027-07-05"), day("2027-07-18")});
        CHECK(r.weeks == doctest::Approx(2.0));
        REQUIRE(r.rows.size() == 3);
        // R-B asked 1 × 2 weeks, has 1 call (still booked): 0.5, lowest first.
        CHECK(r.rows[0].resident == "R-B");
        CHECK(r.rows[0].asked == doctest::Approx(2.0));
        CHECK(r.rows[0].calls == 1);
        CHECK(r.rows[0].share == doctest::Approx(0.5));
        // R-A asked 2 × 2 = 4: completed, missed, completed and booked (the cancelled call not).
        CHECK(r.rows[1].resident == "R-A");
        CHECK(r.rows[1].calls == 4);
        CHECK(r.rows[1].completed == 2);
        CHECK(r.rows[1].missed == 1);
        CHECK(r.rows[1].cancelled == 1);
        CHECK(r.rows[1].share == doctest::Approx(1.0));
        // R-C asked nothing (the request is inactive): no share, last.
        CHECK(r.rows[2].resident == "R-C");
        CHECK_FALSE(r.rows[2].share.has_value());
        CHECK(r.spread.residents == 2);
        CHECK(r.spread.min == doctest::Approx(0.5));
        CHECK(r.spread.max == doctest::Approx(1.0));
        CHECK(r.spread.mean == doctest::Approx(0.75));
        CHECK(r.spread.stddev == doctest::Approx(0.25));
        auto rows = report_rows(r, true);
        REQUIRE(rows.notes.size() == 1);
        CHECK(rows.notes[0] ==
              "share = calls ÷ asked over 2 residents: min 50.0%, max 100.0%, mean "
              "75.0%, standard deviation 25.0% (population)");
        auto j = nlohmann::json::parse(report_json(r));
        CHECK(j["format"] == "carecall-report-fairness/1");
        CHECK(j["spread"]["stddev"].get<double>() == doctest::Approx(0.25));
    }

    TEST_CASE("report: fairness asks only for the days a resident is here") {
        auto d = home();
        // R-F, admitted Fri 2027-07-09, asks for 7 calls a week: 10 of the 14 days are hers.
        CallRequest q;
        q.resident = ResidentId(6);
        q.calls = 7;
        d.requests.push_back(q);
        // R-E, discharged Thu 2027-07-08 (a day counted as here), asks for 7 too: 4 days.
        q.resident = ResidentId(5);
        d.requests.push_back(q);
        auto r = fairness_report(d, {day("2027-07-05"), day("2027-07-18")});
        REQUIRE(r.rows.size() == 5);
        CHECK(r.rows[0].resident == "R-E");
        CHECK(r.rows[0].asked == doctest::Approx(4.0));
        CHECK(r.rows[1].resident == "R-F");
        CHECK(r.rows[1].asked == doctest::Approx(10.0));
        CHECK(r.rows[1].share == doctest::Approx(0.0));
    }

    TEST_CASE("report: one ward's part of the snapshot") {
        auto w2 = only_wards(home(), {WardId(2)});
        auto u = utilisation_report(w2, k_week);
        REQUIRE(u.rows.size() == 4);
        // D1 keeps W2 alone: its total is W2's hours less the hour out of service, and R-B's call.
        CHECK(u.rows[2].device == "D1");
        CHECK(u.rows[2].ward == "W2");
        CHECK(u.rows[3].bookable_minutes == 540);
        CHECK(u.rows[3].booked_minutes == 20);
        auto iso = isolation_report(only_wards(home(), {WardId(1)}), utc("2027-07-10T12:00"), 3);
        REQUIRE(iso.rows.size() == 2);
        CHECK(iso.rows[0].resident == "R-D");
        CHECK(iso.rows[1].resident == "R-A");
    }

    TEST_CASE("report: outcomes by status and reason") {
        auto r = outcomes_report(home(), k_week, utc("2027-07-10T12:00"));
        auto count = [&](const std::string& status, const std::string& outcome) {
            for (const auto& row : r.rows) {
                if (row.status == status && row.outcome == outcome) {
                    return row.count;
                }
            }
            FAIL("no row " << status << " " << outcome);
            return -1;
        };
        CHECK(count("completed", "") == 2);
        CHECK(count("missed", "no_answer") == 1);
        CHECK(count("missed", "unwell") == 0);
        CHECK(count("cancelled", "") == 1);
        CHECK(count("booked", "not recorded") == 1);
        CHECK(r.total == 5);
        CHECK(r.rows.size() == 7); // completed, missed × 4 reasons, cancelled, booked
        auto j = nlohmann::json::parse(report_json(r));
        CHECK(j["format"] == "carecall-report-outcomes/1");
        CHECK(j["total"] == 5);
    }

} // TEST_SUITE
