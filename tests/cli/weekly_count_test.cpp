// Counting that is always right: a request for k calls a week never has more than k calls booked
// or completed in any 7 days in a row, however often and with whatever --days schedule runs; a
// call booked by hand serves the request of its resident and contacts; why explains the plan
// schedule --dry-run makes; a revoked approval pauses the requests that name it.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "cli_fixture.hpp"

using namespace carecall::test;
using json = nlohmann::json;

namespace {

/// "--now=…" at 21:00 GMT on the evening before Monday 30 November 2026, `nights` nights later.
std::string nightly_now(int nights) {
    std::time_t t = 1795986000 + static_cast<std::time_t>(nights) * 86400; // 2026-11-29T21:00Z
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "--now=%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

/// Days since 1970 of a "YYYY-MM-DD…" local date.
long day_number(const std::string& iso) {
    std::tm tm{};
    strptime(iso.substr(0, 10).c_str(), "%Y-%m-%d", &tm);
    return static_cast<long>(timegm(&tm) / 86400);
}

void load_sunnyside(const Scratch& s) {
    s.ok({"-q", "import", "scenario", source_path("examples/sunnyside.json")});
}

/// The example's requests: code -> calls a week.
std::map<std::string, int> weekly_calls() {
    auto doc = json::parse(slurp(source_path("examples/sunnyside.json")));
    std::map<std::string, int> out;
    for (const auto& q : doc["requests"]) {
        out[q["id"].get<std::string>()] = q["calls"].get<int>();
    }
    return out;
}

/// Per request: the local dates of its booked or completed calls (November to January).
std::map<std::string, std::vector<long>> call_dates(const Scratch& s) {
    auto calls = s.json(
        {"--now=2026-11-29T12:00:00Z", "agenda", "--date", "2026-11-20", "--days", "60"})["calls"];
    std::map<std::string, std::vector<long>> out;
    for (const auto& c : calls) {
        if (c["request"].is_string() && (c["status"] == "booked" || c["status"] == "completed")) {
            out[c["request"].get<std::string>()].push_back(
                day_number(c["start"].get<std::string>()));
        }
    }
    return out;
}

/// The most calls in any 7 days in a row.
int most_in_a_week(const std::vector<long>& dates) {
    int most = 0;
    for (long d : dates) {
        int n = 0;
        for (long x : dates) {
            n += x >= d && x < d + 7 ? 1 : 0;
        }
        most = std::max(most, n);
    }
    return most;
}

/// Every request of the example keeps its weekly count in every 7 days in a row; returns how
/// many calls were booked in all.
std::size_t check_weekly_counts(const Scratch& s) {
    auto want = weekly_calls();
    std::size_t calls = 0;
    for (const auto& [code, dates] : call_dates(s)) {
        CAPTURE(code);
        REQUIRE(want.count(code) == 1);
        CHECK(most_in_a_week(dates) <= want.at(code));
        calls += dates.size();
    }
    return calls;
}

/// A ward with one Portal: Ann and Bob (London, daily 10:00-12:00), 2 calls of 30 min a week at
/// most one a day, at a fixed time on Thursdays at 11:00; Dan and Bob, 1 call a week.
const char* const k_fixed_ward = R"({
 "format": "carecall-scenario/1",
 "horizon": {"start_date": "2026-11-30", "days": 7},
 "sites": [{"id": "OAKS", "name": "The Oaks", "tz": "Europe/London"}],
 "wards": [{"id": "W-ELM", "site": "OAKS", "name": "Elm",
            "calling_hours": [{"weekdays": [0,1,2,3,4,5,6], "start": "09:00", "end": "20:00"}]}],
 "residents": [{"id": "R-ANN", "ward": "W-ELM", "name": "Ann Lee"},
               {"id": "R-DAN", "ward": "W-ELM", "name": "Dan Shaw"}],
 "contacts": [{"id": "C-BOB", "name": "Bob Lee", "tz": "Europe/London",
               "availability": [{"weekdays": [0,1,2,3,4,5,6], "start": "10:00", "end": "12:00"}]}],
 "devices": [{"id": "D-P1", "name": "Portal 1", "site": "OAKS", "wards": ["W-ELM"],
              "cleaning_minutes": 15, "move_minutes": 0}],
 "staff": [],
 "requests": [{"id": "Q-ANN", "resident": "R-ANN", "contact": "C-BOB", "calls": 2,
               "duration_minutes": 30, "priority": 1, "max_per_day": 1,
               "fixed": {"weekday": 3, "start": "11:00"}},
              {"id": "Q-DAN", "resident": "R-DAN", "contact": "C-BOB", "calls": 1,
               "duration_minutes": 30, "priority": 1}]
})";

const std::string k_now = "--now=2026-11-29T12:00:00Z";

} // namespace

TEST_SUITE("cli weekly count") {

    TEST_CASE(
        "the nightly schedule --from tomorrow --days 7 over 14 nights keeps every weekly count") {
        Scratch s;
        load_sunnyside(s);
        for (int night = 0; night < 14; ++night) {
            auto r = s.run({"-q", nightly_now(night), "schedule", "--from", "tomorrow", "--days",
                            "7", "--time-limit", "60"});
            INFO("night " << night << ": " << r.err);
            REQUIRE(r.code == 0);
        }
        auto calls = check_weekly_counts(s);
        MESSAGE("calls booked over 14 nights: " << calls);
        CHECK(calls > 100);
    }

    TEST_CASE("schedule --days 14, and again the next night, keeps every weekly count") {
        Scratch s;
        load_sunnyside(s);
        s.ok({"-q", nightly_now(0), "schedule", "--from", "tomorrow", "--days", "14",
              "--time-limit", "60"});
        auto first = check_weekly_counts(s);
        s.ok({"-q", nightly_now(1), "schedule", "--from", "tomorrow", "--days", "14",
              "--time-limit", "60"});
        auto second = check_weekly_counts(s);
        CHECK(first > 80);
        CHECK(second >= first);
        // A 2-a-week request gets its calls in both weeks, not 4 in the first.
        auto dates = call_dates(s)["Q-010"];
        int first_week = 0;
        for (long d : dates) {
            first_week += d < day_number("2026-12-07") ? 1 : 0;
        }
        CHECK(first_week <= 2);
    }

    TEST_CASE("a call booked by hand serves its request; schedule adds only what is missing, at "
              "the fixed time") {
        Scratch s;
        s.ok({"-q", "import", "scenario", "-"}, k_fixed_ward);
        auto hand = s.json({k_now, "book", "--resident", "R-ANN", "--contact", "C-BOB", "--at",
                            "2026-11-30 10:00"});
        CHECK(hand["booking"]["request"] == "Q-ANN");
        auto j = s.json(
            {k_now, "schedule", "--from", "2026-11-30", "--days", "7", "--time-limit", "60"});
        std::vector<std::string> ann;
        for (const auto& c : j["added"]) {
            if (c["request"] == "Q-ANN") {
                ann.push_back(c["start"].get<std::string>().substr(0, 16));
            }
        }
        CHECK(ann == std::vector<std::string>{"2026-12-03T11:00"}); // Thursday, its fixed time
        auto again = s.json({k_now, "schedule", "--from", "2026-11-30", "--days", "7"});
        CHECK(again["added"].empty());

        // --request must name the call's resident and contacts.
        check_refused(s,
                      {k_now, "book", "--resident", "R-DAN", "--contact", "C-BOB", "--at",
                       "2026-12-01 10:00", "--request", "Q-ANN"},
                      65, "request: Q-ANN is for R-ANN with C-BOB, not for R-DAN with C-BOB");
        auto ok = s.json({k_now, "book", "--resident", "R-DAN", "--contact", "C-BOB", "--at",
                          "2026-12-01 10:00", "--request", "Q-DAN"});
        CHECK(ok["booking"]["request"] == "Q-DAN");
    }

    TEST_CASE("why explains exactly the plan schedule --dry-run makes, for every request") {
        Scratch s;
        load_sunnyside(s);
        const std::string now = nightly_now(0);
        // Same defaults (from tomorrow, one day, the database's seed); a limit the search does not
        // reach, so both plans are the same.
        auto dry = s.json({now, "schedule", "--dry-run", "--time-limit", "60"});
        std::map<std::string, std::vector<std::string>> planned;
        for (const auto& c : dry["added"]) {
            planned[c["request"].get<std::string>()].push_back(c["start_utc"].get<std::string>());
        }
        std::map<std::string, int> missing;
        for (const auto& u : dry["unscheduled"]) {
            missing[u["request"].get<std::string>()] = u["missing_calls"].get<int>();
        }
        for (const auto& [code, calls] : weekly_calls()) {
            CAPTURE(code);
            auto w = s.json({now, "why", code, "--time-limit", "60"});
            CHECK(w["from"] == dry["from"]);
            CHECK(w["days"] == dry["days"]);
            std::vector<std::string> would;
            for (const auto& c : w["would_add"]) {
                would.push_back(c["start_utc"].get<std::string>());
            }
            CHECK(would == planned[code]);
            CHECK(w["missing_calls"] == missing[code]);
        }
    }

    TEST_CASE("a revoked approval pauses the request; approving the contact again resumes it") {
        Scratch s;
        s.ok({"-q", "import", "scenario", "-"}, k_fixed_ward);
        s.ok({"-q", "contact", "revoke", "C-BOB", "--resident", "R-ANN"});
        auto j = s.json(
            {k_now, "schedule", "--from", "2026-11-30", "--days", "7", "--time-limit", "60"});
        for (const auto& c : j["added"]) {
            CHECK(c["request"] != "Q-ANN");
        }
        auto why = s.run({k_now, "why", "Q-ANN", "--from", "2026-11-30", "--days", "7"});
        REQUIRE(why.code == 0);
        CHECK(contains(why.out, "contact.approval"));
        CHECK(contains(why.out, "paused: a contact's approval was revoked"));
        s.ok({"-q", "contact", "approve", "C-BOB", "--resident", "R-ANN"});
        auto k = s.json(
            {k_now, "schedule", "--from", "2026-11-30", "--days", "7", "--time-limit", "60"});
        int ann = 0;
        for (const auto& c : k["added"]) {
            ann += c["request"] == "Q-ANN" ? 1 : 0;
        }
        CHECK(ann == 2);
    }
}
