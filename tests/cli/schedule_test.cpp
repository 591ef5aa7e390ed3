// carecall schedule, why and import rota: plans from the database, saved in one transaction.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <set>

#include "cli_fixture.hpp"

using namespace carecall::test;
using json = nlohmann::json;

namespace {

// Sunday 29 November 2026, noon in London (GMT): the plan starts on Monday 30 November.
const std::string k_now = "--now=2026-11-29T12:00:00Z";

/// A ward with one Portal (15 minutes' cleaning), three residents and their families:
/// - Q-ANN: Ann (no help needed) and Bob in London (10:00-12:00), 2 calls of 30 min a week, at
///   most 1 a day;
/// - Q-SYD: Ann and Cath in Sydney (07:00-09:00 AEDT = 20:00-22:00 GMT, after calling hours):
///   never possible;
/// - Q-DAN: Dan (needs help: Eve works Mon-Fri 09:00-17:00) and Bob, 1 call of 30 min.
/// (tests/data/scenario-elm-week.json, also used by tests/unit/planning_test.cpp)
void load_ward(const Scratch& s) {
    s.ok({"-q", "import", "scenario", source_path("tests/data/scenario-elm-week.json")});
}

json agenda(const Scratch& s) {
    return s.json({k_now, "agenda", "--date", "2026-11-30", "--days", "14"})["calls"];
}

std::time_t utc(const std::string& iso) {
    std::tm tm{};
    strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return timegm(&tm);
}

/// Independent of the rules library: no device, resident or contact in two calls at once, and
/// 15 minutes' cleaning between two calls on a device.
void check_no_overlap(const json& calls) {
    for (std::size_t i = 0; i < calls.size(); ++i) {
        for (std::size_t j = i + 1; j < calls.size(); ++j) {
            const auto& a = calls[i];
            const auto& b = calls[j];
            auto as = utc(a["start_utc"]), ae = utc(a["end_utc"]);
            auto bs = utc(b["start_utc"]), be = utc(b["end_utc"]);
            if (a["device"] == b["device"]) {
                CHECK_MESSAGE((ae + 15 * 60 <= bs || be + 15 * 60 <= as),
                              a["code"] << " and " << b["code"] << " share " << a["device"]);
            }
            bool overlap = as < be && bs < ae;
            if (overlap) {
                CHECK(a["resident"] != b["resident"]);
                CHECK(a["contacts"][0]["code"] != b["contacts"][0]["code"]);
            }
        }
    }
}

} // namespace

TEST_SUITE("cli schedule") {

    TEST_CASE("schedule books a week of calls in one transaction and says what it could not") {
        Scratch s;
        load_ward(s);
        auto r = s.run({"--json", k_now, "schedule", "--from", "2026-11-30", "--days", "7",
                        "--time-limit", "60"});
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        auto j = json::parse(r.out);
        CHECK(j["format"] == "carecall-schedule/1");
        CHECK(j["saved"] == true);
        CHECK(j["from"] == "2026-11-30");
        std::map<std::string, int> per_request;
        std::set<std::string> ann_days;
        for (const auto& c : j["added"]) {
            per_request[c["request"].get<std::string>()]++;
            auto start = c["start"].get<std::string>(); // site time, GMT in November
            if (c["request"] == "Q-ANN") {
                ann_days.insert(start.substr(0, 10));
                CHECK(start.substr(11, 5) >= "10:00");
                CHECK(start.substr(11, 5) <= "11:30"); // Bob: 10:00-12:00
            }
            if (c["request"] == "Q-DAN") {
                CHECK(c["staff"] == "E-EVE");
            } else {
                CHECK(c["staff"].is_null());
            }
        }
        CHECK(per_request["Q-ANN"] == 2);
        CHECK(ann_days.size() == 2); // at most one a day
        CHECK(per_request["Q-DAN"] == 1);
        CHECK(per_request.count("Q-SYD") == 0);
        REQUIRE(j["unscheduled"].size() == 1);
        const auto& u = j["unscheduled"][0];
        CHECK(u["request"] == "Q-SYD");
        CHECK(u["missing_calls"] == 1);
        CHECK(u["reasons"].dump().find("contact.availability") != std::string::npos);

        // The calls are in the database, as the agenda shows them, and keep the rules.
        auto calls = agenda(s);
        CHECK(calls.size() == j["added"].size());
        check_no_overlap(calls);
        // One audit row per call, and one for the plan.
        auto audit = s.json({"audit", "list", "--limit", "50"});
        int adds = 0, plans = 0;
        for (const auto& e : audit["items"]) {
            adds += (e["action"] == "book" && e["kind"] == "booking") ? 1 : 0;
            plans += e["action"] == "schedule" ? 1 : 0;
        }
        CHECK(adds == 3);
        CHECK(plans == 1);

        // Planning again adds nothing: every request is met or cannot be.
        auto again = s.json({k_now, "schedule", "--from", "2026-11-30", "--days", "7"});
        CHECK(again["added"].empty());
        CHECK(again["kept"] == 3);
        CHECK(agenda(s).size() == 3);
    }

    TEST_CASE("schedule --dry-run writes nothing; the table and summary read well") {
        Scratch s;
        load_ward(s);
        auto before = s.dump();
        auto r = s.run({k_now, "schedule", "--from", "2026-11-30", "--days", "7", "--dry-run"});
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        CARECALL_CHECK_SAME(before, s.dump());
        CHECK(contains(r.out, "CALL"));
        CHECK(contains(r.out, "(new)"));
        CHECK(contains(r.out, "Ann Lee"));
        CHECK(contains(r.out, "Q-SYD: Ann Lee with Cath Lee, 1 call of 30 min a week, routine: 1 "
                              "of 1 calls missing"));
        CHECK(contains(
            r.err, "schedule: would book 3 new calls for every ward (2026-11-30 to 2026-12-06)"));
    }

    TEST_CASE("day by day, a request's weekly calls are spread over the first days with room") {
        Scratch s;
        load_ward(s);
        for (const char* day : {"2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03"}) {
            s.ok({"-q", k_now, "schedule", "--from", day});
        }
        std::map<std::string, int> per_request;
        for (const auto& c : agenda(s)) {
            per_request[c["request"].get<std::string>()]++;
        }
        CHECK(per_request["Q-ANN"] == 2); // Monday and Tuesday, then the week is full
        CHECK(per_request["Q-DAN"] == 1);
    }

    TEST_CASE("no call is planned before now") {
        Scratch s;
        load_ward(s);
        // Monday 10:50 GMT: Bob's 10:00-12:00 has room from 10:50 on (the 11:00 start).
        auto j = s.json({"--now=2026-11-30T10:50:00Z", "schedule", "--from", "today"});
        REQUIRE_FALSE(j["added"].empty());
        for (const auto& c : j["added"]) {
            CHECK(c["start_utc"].get<std::string>() >= "2026-11-30T10:50:00Z");
        }
    }

    TEST_CASE("schedule --ward plans one ward; other wards' calls still block the device") {
        Scratch s;
        load_ward(s);
        auto j = s.json({k_now, "schedule", "--ward", "W-ELM", "--from", "2026-11-30"});
        CHECK_FALSE(j["added"].empty());
        check_refused(s, {k_now, "schedule", "--ward", "W-NONE"}, 4, "ward W-NONE not found");
    }

    TEST_CASE(
        "schedule --replan moves only the scheduler's future calls; the moved are cancelled") {
        Scratch s;
        load_ward(s);
        s.ok({"-q", k_now, "schedule", "--from", "2026-11-30", "--days", "7"});
        // A call agreed by phone, booked by hand for Dan and Bob at the first free time from
        // Wednesday: it serves their one request, Q-DAN, so Q-DAN now has two calls.
        auto by_hand = s.json({k_now, "book", "--resident", "R-DAN", "--contact", "C-BOB",
                               "--first-free", "--after", "2026-12-02 09:00", "--duration", "30m"});
        auto hand_code = by_hand["booking"]["code"].get<std::string>();
        auto hand_start = by_hand["booking"]["start"].get<std::string>();
        auto before = agenda(s);
        // What moves is told by the booking's source, not its reason.
        for (const auto& c : before) {
            CHECK(c["source"] == (c["code"] == hand_code ? "manual" : "scheduled"));
        }
        auto j = s.json({k_now, "schedule", "--from", "2026-11-30", "--days", "7", "--replan"});
        CHECK(j["saved"] == true);
        // Nothing better was possible, so nothing moved: times stay stable from plan to plan.
        CHECK(j["cancelled"].empty());
        CHECK(j["added"].empty());
        CHECK(agenda(s) == before);
        auto all =
            s.json({k_now, "agenda", "--date", "2026-11-30", "--days", "7", "--all"})["calls"];
        std::map<std::string, int> per_request;
        bool by_hand_kept = false;
        int cancelled = 0;
        for (const auto& c : all) {
            if (c["status"] == "cancelled") {
                ++cancelled;
                CHECK(c["reason"] == "re-planned");
                continue;
            }
            if (c["request"].is_string()) {
                per_request[c["request"].get<std::string>()]++;
            }
            by_hand_kept = by_hand_kept || (c["code"] == hand_code && c["start"] == hand_start);
        }
        CHECK(by_hand_kept);
        CHECK(cancelled == static_cast<int>(j["cancelled"].size()));
        CHECK(per_request["Q-ANN"] == 2);
        CHECK(per_request["Q-DAN"] == 2);
        check_no_overlap(agenda(s));
    }

    // Regression: re-plan found the scheduler's calls by their reason "scheduled", which
    // displacement overwrites and erasure blanks; such a call then never moved again. It goes by
    // the booking's source now.
    TEST_CASE(
        "schedule --replan still moves a scheduled call whose reason was erased or overwritten") {
        Scratch s;
        load_ward(s);
        auto planned = s.json({k_now, "schedule", "--from", "2026-11-30", "--days", "7"});
        json ann;
        for (const auto& c : planned["added"]) {
            CHECK(c["source"] == "scheduled");
            CHECK(c["reason"] == "scheduled");
            if (ann.is_null() && c["request"] == "Q-ANN") {
                ann = c;
            }
        }
        REQUIRE(ann.is_object());
        auto code = ann["code"].get<std::string>();
        auto call = [&]() {
            auto all = s.json({k_now, "agenda", "--date", "2026-11-30", "--days", "14", "--all"});
            for (const auto& c : all["calls"]) {
                if (c["code"] == code) {
                    return c;
                }
            }
            return json();
        };

        SUBCASE("erased") {
            s.ok({"-q", "person", "erase", "resident", "R-ANN", "--yes"});
            CHECK(call()["reason"] == "");
        }
        SUBCASE("overwritten by a displacement") {
            // Another resident's end-of-life call at the same time with the same contact displaces
            // it to its next free time (Ann's own would count towards her request's week).
            s.ok({"-q", k_now, "book", "--resident", "R-DAN", "--contact", "C-BOB", "--at",
                  ann["start_utc"].get<std::string>(), "--duration", "30m", "--priority",
                  "end_of_life"});
            auto moved = call();
            REQUIRE(moved["status"] == "booked");
            CHECK(moved["reason"] != "scheduled");
            CHECK(moved["start_utc"] != ann["start_utc"]);
        }
        auto now = call();
        CHECK(now["source"] == "scheduled");
        // A clinical call that fits only where this routine one is (Zoe is free for those 30
        // minutes only): re-plan must move the routine call, which it can only if it knows it is
        // its own.
        auto start = now["start_utc"].get<std::string>(); // London is on UTC in December
        const char* const k_days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
        std::tm tm{};
        auto t = static_cast<std::time_t>(utc(start));
        gmtime_r(&t, &tm);
        auto two = [](int v) { return (v < 10 ? "0" : "") + std::to_string(v); };
        auto hhmm = [&](int minutes) { return two(minutes / 60) + ":" + two(minutes % 60); };
        int minute = tm.tm_hour * 60 + tm.tm_min;
        s.ok({"-q", "contact", "add", "C-ZOE", "--name", "Zoe", "--tz", "Europe/London",
              "--available",
              std::string(k_days[tm.tm_wday]) + " " + hhmm(minute) + "-" + hhmm(minute + 30)});
        s.ok({"-q", "contact", "approve", "C-ZOE", "--resident", "R-ANN"});
        s.ok({"-q", "request", "add", "Q-ZOE", "--resident", "R-ANN", "--contact", "C-ZOE",
              "--priority", "clinical"});
        auto j = s.json({k_now, "schedule", "--from", "2026-11-30", "--days", "7", "--replan"});
        std::set<std::string> cancelled;
        for (const auto& c : j["cancelled"]) {
            cancelled.insert(c["code"].get<std::string>());
        }
        CHECK(cancelled.count(code) == 1);
        CHECK(call()["status"] == "cancelled");
        bool zoe = false;
        for (const auto& c : j["added"]) {
            CHECK(c["source"] == "scheduled");
            zoe = zoe || (c["request"] == "Q-ZOE" && c["start_utc"] == start);
        }
        CHECK(zoe);
    }

    TEST_CASE("why explains an unmet request in words, and lists what a met one has") {
        Scratch s;
        load_ward(s);
        auto r = s.run({k_now, "why", "Q-SYD", "--from", "2026-11-30"});
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        CHECK(contains(r.out, "Q-SYD: Ann Lee with Cath Lee, 1 call of 30 min a week, routine"));
        CHECK(contains(r.out, "1 call cannot be placed:"));
        CHECK(contains(r.out, "Cath Lee"));
        CHECK(contains(r.out, "Australia/Sydney"));
        // Each rule named is explained with the catalogue's line, in text and in JSON.
        CHECK(contains(r.out, "what those rules ask (carecall rules lists them all):\n"
                              "    resident.calling_hours: the call lies within the ward's calling "
                              "hours\n"
                              "    contact.availability: the call lies within every contact's "
                              "availability, in their own time zone\n"));
        auto jw = s.json({k_now, "why", "Q-SYD", "--from", "2026-11-30"});
        REQUIRE(jw["rules"].is_array());
        REQUIRE_FALSE(jw["rules"].empty());
        REQUIRE(jw["rules"].size() == 2);
        CHECK(jw["rules"][1]["rule"] == "contact.availability");
        CHECK(jw["rules"][1]["description"] ==
              "the call lies within every contact's availability, in their own time zone");

        s.ok({"-q", k_now, "schedule", "--from", "2026-11-30", "--days", "7"});
        // why plans as schedule does: one day unless --days says otherwise.
        auto ok = s.run({k_now, "why", "Q-ANN", "--from", "2026-11-30", "--days", "7"});
        REQUIRE(ok.code == 0);
        CHECK(contains(ok.out, "booked: B-"));
        CHECK(contains(ok.out, "it wants 2 calls in these days"));
        CHECK(contains(ok.out, "every call it asks for is booked"));
        auto j = s.json({k_now, "why", "Q-ANN", "--from", "2026-11-30", "--days", "7"});
        CHECK(j["format"] == "carecall-why/1");
        CHECK(j["booked"].size() == 2);
        CHECK(j["missing_calls"] == 0);
        CHECK(j["rules"].empty());

        check_refused(s, {k_now, "why", "Q-NONE"}, 4, "request Q-NONE not found");
    }

    TEST_CASE("import rota books a solved rota, checking every call; all or nothing") {
        Scratch s;
        s.ok({"-q", "import", "scenario", source_path("tests/data/scenario-ward-day.json")});
        auto solved = s.run({"-q", "solve", source_path("tests/data/scenario-ward-day.json"),
                             "--time-limit", "60", "-o", s.path("rota.json")},
                            {}, {}, false);
        REQUIRE(solved.code == 0);
        auto rota = json::parse(s.read("rota.json"));
        REQUIRE(rota["calls"].size() > 5);
        const std::string before_plan = "--now=2025-03-20T12:00:00Z";

        // A bad file: nothing written, the JSON path named.
        auto bad = rota;
        bad["calls"][2]["device"] = "NO-SUCH";
        s.write("bad.json", bad.dump());
        check_refused(s, {before_plan, "import", "rota", s.path("bad.json")}, 65,
                      s.path("bad.json") + ": calls[2].device: no device with code NO-SUCH");
        bad = rota;
        bad["format"] = "carecall-scenario/1";
        s.write("bad.json", bad.dump());
        check_refused(s, {before_plan, "import", "rota", s.path("bad.json")}, 65,
                      s.path("bad.json") + ": format: must be \"carecall-rota/1\"");
        // Two calls on one device at once: the second breaks a rule, so neither is booked.
        bad = rota;
        auto twin = bad["calls"][0];
        twin["resident"] = bad["calls"][1]["resident"];
        twin["request"] = bad["calls"][1]["request"];
        twin["contact"] = bad["calls"][1]["contact"];
        twin["staff"] = bad["calls"][1]["staff"];
        bad["calls"] = json::array({bad["calls"][0], twin});
        s.write("bad.json", bad.dump());
        auto before = s.dump();
        auto refused = s.run({before_plan, "import", "rota", s.path("bad.json")});
        CHECK(refused.code == 3);
        CHECK(refused.out.empty());
        CHECK(starts_with(refused.err, "carecall: error: calls[1]: "));
        CARECALL_CHECK_SAME(before, s.dump());
        // After the day: in the past.
        auto late = s.run({"--now=2025-03-30T12:00:00Z", "import", "rota", s.path("rota.json")});
        CHECK(late.code == 3);
        CHECK(contains(late.err, "is in the past"));

        auto j = s.json({before_plan, "import", "rota", s.path("rota.json")});
        CHECK(j["calls"].size() == rota["calls"].size());
        for (const auto& c : j["calls"]) {
            CHECK(c["source"] == "imported");
        }
        auto listed =
            s.json({before_plan, "agenda", "--date", "2025-03-24", "--days", "1"})["calls"];
        CHECK(listed.size() == rota["calls"].size());
        for (std::size_t i = 0; i < listed.size(); ++i) {
            CHECK(listed[i]["start_utc"] == rota["calls"][i]["start_utc"]);
        }
    }

    TEST_CASE("carecall rules lists the catalogue: every rule with its stage and what it asks") {
        Scratch s;
        auto t = s.run({"rules"});
        REQUIRE(t.code == 0);
        CHECK(contains(t.out, "RULE"));
        CHECK(contains(t.out, "device.cleaning"));
        CHECK(contains(t.out, "the device is cleaned after each call"));
        auto j = s.json({"rules"});
        CHECK(j["format"] == "carecall-rules/1");
        REQUIRE(j["rules"].size() > 30);
        std::set<std::string> names;
        for (const auto& r : j["rules"]) {
            names.insert(r["rule"].get<std::string>());
            CHECK(r["description"].get<std::string>().size() > 10);
        }
        CHECK(names.size() == j["rules"].size());
        CHECK(names.count("device.busy") == 1);
        CHECK(j["rules"][0]["stage"] == "call");
    }
}
