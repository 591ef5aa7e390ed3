// carecall request add|list|show|edit|remove
#include "cli/cli_fixture.hpp"

using namespace carecall::test;
using nlohmann::json;

TEST_SUITE("cli request") {

    TEST_CASE("request add, list and show") {
        Scratch s;
        small_home(s);
        s.ok({"contact", "add", "C-AMY", "--name", "C-AMY", "--tz", "Europe/London"});
        s.ok({"contact", "approve", "C-AMY", "--resident", "R-0042"});
        auto r = s.run({"request",
                        "add",
                        "Q-ASHA-RAJ",
                        "--resident",
                        "R-0042",
                        "--contact",
                        "C-RAJ",
                        "--contact",
                        "C-AMY",
                        "--calls",
                        "2",
                        "--duration",
                        "1h30m",
                        "--priority",
                        "clinical",
                        "--max-per-day",
                        "1",
                        "--preferred",
                        "sat,sun 09:00-11:00",
                        "--fixed",
                        "sun 15:00"});
        CHECK(r.code == 0);
        CHECK(r.out.empty());
        CHECK(r.err == "added request Q-ASHA-RAJ\n");
        s.ok({"request", "add", "Q-2", "--resident", "R-0042", "--contact", "C-AMY"});

        auto q = s.show("request", "Q-ASHA-RAJ");
        CHECK(q["code"] == "Q-ASHA-RAJ");
        CHECK(q["resident"] == "R-0042");
        CHECK(q["contact"] == "C-RAJ");
        CHECK(q["contacts"] == json::array({"C-RAJ", "C-AMY"}));
        CHECK(q["tz"] == "Europe/London");
        CHECK(q["calls"] == 2);
        CHECK(q["duration_minutes"] == 90);
        CHECK(q["priority"] == 2);
        CHECK(q["priority_name"] == "clinical");
        CHECK(q["max_per_day"] == 1);
        REQUIRE(q["preferred"].size() == 1);
        CHECK(q["preferred"][0]["text"] == "sat,sun 09:00-11:00");
        CHECK(q["fixed"] == json({{"weekday", 6}, {"start", "15:00"}}));
        CHECK(q["active"] == true);

        // Defaults: one routine call of 30 minutes a week, no limit a day, no fixed time.
        auto d = s.show("request", "Q-2");
        CHECK(d["calls"] == 1);
        CHECK(d["duration_minutes"] == 30);
        CHECK(d["priority"] == 1);
        CHECK(d["priority_name"] == "routine");
        CHECK(d["max_per_day"].is_null());
        CHECK(d["fixed"].is_null());
        CHECK(d["preferred"].empty());
        CHECK(d["active"] == true);

        r = s.run({"request", "list"});
        CHECK(r.code == 0);
        CHECK(r.out == "CODE        RESIDENT  CONTACTS      CALLS/WEEK  MINUTES  PRIORITY  ACTIVE\n"
                       "Q-2         R-0042    C-AMY         1           30       routine   yes\n"
                       "Q-ASHA-RAJ  R-0042    C-RAJ, C-AMY  2           90       clinical  yes\n");
        CHECK(r.err == "2 requests\n");
        auto j = s.json({"request", "list", "--contact", "C-RAJ"});
        CHECK(j["kind"] == "request");
        REQUIRE(j["items"].size() == 1);
        CHECK(j["items"][0] == q);
        CHECK(s.json({"request", "list", "--contact", "C-AMY"})["items"].size() == 2);
        CHECK(s.json({"request", "list", "--resident", "R-0042"})["items"].size() == 2);
        CHECK(s.json({"request", "list", "--resident", "R-9"})["items"].empty());

        // Priority classes by number, too.
        s.ok({"request", "add", "Q-3", "--resident", "R-0042", "--contact", "C-AMY", "--priority",
              "end_of_life"});
        CHECK(s.show("request", "Q-3")["priority"] == 3);
        s.ok({"request", "add", "Q-4", "--resident", "R-0042", "--contact", "C-AMY", "--priority",
              "5"});
        CHECK(s.show("request", "Q-4")["priority_name"] == "priority-5");
    }

    TEST_CASE("request add: bad input is refused and writes nothing") {
        Scratch s;
        small_home(s);
        s.ok({"request", "add", "Q-1", "--resident", "R-0042", "--contact", "C-RAJ"});
        const Args base = {"request", "add", "Q-2", "--resident", "R-0042", "--contact", "C-RAJ"};
        auto with = [&](const Args& more) {
            Args a = base;
            a.insert(a.end(), more.begin(), more.end());
            return a;
        };
        check_refused(s, with({"--duration", "-5m"}), 65,
                      "--duration: -5m is not a duration (expected e.g. 30m, 1h, 1h30m)");
        check_refused(s, with({"--duration", "0m"}), 65,
                      "--duration: 0m must be a positive duration of at most 7 days");
        check_refused(s, with({"--duration", "1h30"}), 65,
                      "--duration: 1h30 is not a duration (expected e.g. 30m, 1h, 1h30m)");
        check_refused(s, with({"--priority", "urgent"}), 65,
                      "--priority: 'urgent' is not a priority (expected routine, clinical, "
                      "end_of_life or a whole number from 1)");
        check_refused(
            s, with({"--priority", "0"}), 65,
            "--priority: '0' is not a priority (expected routine, clinical, end_of_life or "
            "a whole number from 1)");
        check_refused(s, with({"--calls", "two"}), 65,
                      "--calls: two is not a whole number of 0 or more");
        check_refused(s, with({"--calls", "0"}), 65, "calls: 0 must be a positive whole number");
        check_refused(s, with({"--max-per-day", "-1"}), 65,
                      "--max-per-day: -1 is not a whole number of 0 or more");
        check_refused(s, with({"--preferred", "sat,sun 11:00-09:00"}), 65,
                      "--preferred: end 09:00 is not after start 11:00");
        check_refused(s, with({"--fixed", "sun 25:61"}), 65,
                      "--fixed: 25:61 is not a time (expected HH:MM)");
        check_refused(
            s, with({"--fixed", "sat,sun 15:00"}), 65,
            "--fixed: 'sat,sun 15:00' must name one weekday and a time, e.g. \"sun 15:00\"");
        check_refused(s, with({"--fixed", "sun 23:45"}), 65,
                      "fixed.start: 23:45 plus the call's 30 minutes does not fit in the day");
        check_refused(s, with({"--active", "--inactive"}), 2,
                      "--active and --inactive cannot go together");
        check_refused(s, {"request", "add", "Q-2", "--resident", "R-0042", "--contact", "C-NOPE"},
                      4, "contact C-NOPE not found");
        check_refused(s, {"request", "add", "Q-2", "--resident", "R-NOPE", "--contact", "C-RAJ"}, 4,
                      "resident R-NOPE not found");
        check_refused(s, {"request", "add", "Q-2", "--resident", "R-0042"}, 2,
                      "--contact is required (see carecall --help)");
        check_refused(s,
                      {"request", "add", "Q-2", "--resident", "R-0042", "--contact", "C-RAJ",
                       "--contact", "C-RAJ"},
                      65, "contacts[1]: names a contact twice");
        check_refused(s, {"request", "add", "Q-1", "--resident", "R-0042", "--contact", "C-RAJ"}, 3,
                      "request Q-1 already exists");
        CHECK(s.list("request").size() == 1);
    }

    TEST_CASE("request add: a call longer than a day is refused naming the limit") {
        Scratch s;
        small_home(s);
        auto before = s.dump();
        auto r = s.run({"request", "add", "Q-2", "--resident", "R-0042", "--contact", "C-RAJ",
                        "--duration", "25h"});
        INFO("stderr: " << r.err);
        CHECK(r.code == 65);
        CHECK(r.out.empty());
        // Not "1500 must be a positive whole number": 1500 is positive; the limit is the problem.
        CHECK(starts_with(r.err, "carecall: error: duration_minutes: 1500 "));
        CHECK(contains(first_line(r.err), "1440"));
        CARECALL_CHECK_SAME(before, s.dump());
    }

    TEST_CASE("request edit: only the options given, lists replaced, 'none' clears") {
        Scratch s;
        small_home(s);
        s.ok({"contact", "add", "C-AMY", "--name", "C-AMY", "--tz", "Europe/London"});
        s.ok({"contact", "approve", "C-AMY", "--resident", "R-0042"});
        s.ok({"request",
              "add",
              "Q-1",
              "--resident",
              "R-0042",
              "--contact",
              "C-RAJ",
              "--contact",
              "C-AMY",
              "--calls",
              "2",
              "--duration",
              "45m",
              "--max-per-day",
              "1",
              "--preferred",
              "sat 09:00-11:00",
              "--preferred",
              "sun 09:00-11:00",
              "--fixed",
              "sun 10:00"});
        auto before = s.show("request", "Q-1");

        s.ok({"request", "edit", "Q-1", "--inactive"});
        auto after = s.show("request", "Q-1");
        auto expected = before;
        expected["active"] = false;
        CHECK(after == expected);

        s.ok({"request", "edit", "Q-1", "--active", "--contact", "C-AMY", "--preferred",
              "mon 14:00-16:00"});
        after = s.show("request", "Q-1");
        CHECK(after["active"] == true);
        CHECK(after["contacts"] == json::array({"C-AMY"}));
        REQUIRE(after["preferred"].size() == 1);
        CHECK(after["preferred"][0]["text"] == "mon 14:00-16:00");
        CHECK(after["calls"] == 2);
        CHECK(after["duration_minutes"] == 45);
        CHECK(after["fixed"] == before["fixed"]);

        s.ok({"request", "edit", "Q-1", "--max-per-day", "none", "--fixed", "none", "--preferred",
              "none", "--priority", "end_of_life"});
        after = s.show("request", "Q-1");
        CHECK(after["max_per_day"].is_null());
        CHECK(after["fixed"].is_null());
        CHECK(after["preferred"].empty());
        CHECK(after["priority_name"] == "end_of_life");
        CHECK(after["calls"] == 2);

        check_refused(s, {"request", "edit", "Q-1", "--priority", "urgent"}, 65,
                      "--priority: 'urgent' is not a priority (expected routine, clinical, "
                      "end_of_life or a whole number from 1)");
        check_refused(s, {"request", "edit", "Q-1", "--contact", "none"}, 65,
                      "contacts: at least one contact is required");
        check_refused(s, {"request", "edit", "Q-NOPE", "--calls", "1"}, 4,
                      "request Q-NOPE not found");
    }

    TEST_CASE("request remove") {
        Scratch s;
        small_home(s);
        s.ok({"request", "add", "Q-1", "--resident", "R-0042", "--contact", "C-RAJ"});
        check_refused(s, {"request", "remove", "Q-1"}, 2,
                      "remove request Q-1: refused without --yes (not on a terminal)");
        auto r = s.run({"request", "remove", "Q-1", "--yes"});
        CHECK(r.code == 0);
        CHECK(r.err == "removed request Q-1\n");
        CHECK(s.list("request").empty());
        // The resident is free to go now.
        CHECK(s.run({"resident", "remove", "R-0042", "--yes"}).code == 0);
    }

} // TEST_SUITE
