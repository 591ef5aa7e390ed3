// carecall device add|list|show|edit|remove
#include "cli/at_risk_fixture.hpp"
#include "cli/cli_fixture.hpp"

using namespace carecall::test;
using nlohmann::json;

TEST_SUITE("cli device") {

    TEST_CASE("device add, list and show") {
        Scratch s;
        small_home(s);
        auto r = s.run({"device",
                        "add",
                        "PORTAL-1",
                        "--site",
                        "SUNNY",
                        "--name",
                        "Portal 1",
                        "--ward",
                        "W-ROSE",
                        "--ward",
                        "W-BLUE",
                        "--cleaning",
                        "10m",
                        "--move",
                        "5m",
                        "--capability",
                        "large_screen",
                        "--capability",
                        "captions",
                        "--out-of-service",
                        "2026-12-01 09:00-12:00 repair"});
        CHECK(r.code == 0);
        CHECK(r.out.empty());
        CHECK(r.err == "added device PORTAL-1\n");
        s.ok({"device", "add", "TAB-1", "--name", "Tablet B", "--site", "SUNNY", "--kind", "tablet",
              "--ward", "W-BLUE", "--cleaning", "0"});

        auto d = s.show("device", "PORTAL-1");
        CHECK(d["code"] == "PORTAL-1");
        CHECK(d["name"] == "Portal 1");
        CHECK(d["kind"] == "portal");
        CHECK(d["site"] == "SUNNY");
        CHECK(d["tz"] == "Europe/London");
        CHECK(d["wards"] == json::array({"W-ROSE", "W-BLUE"})); // home ward first
        CHECK(d["cleaning_minutes"] == 10);
        CHECK(d["move_minutes"] == 5);
        CHECK(d["capabilities"] == json::array({"large_screen", "captions"}));
        REQUIRE(d["out_of_service"].size() == 1);
        CHECK(d["out_of_service"][0] == json({{"start", "2026-12-01T09:00:00+00:00"},
                                              {"end", "2026-12-01T12:00:00+00:00"},
                                              {"label", "repair"}}));
        auto t = s.show("device", "TAB-1");
        CHECK(t["kind"] == "tablet");
        CHECK(t["cleaning_minutes"] == 0);
        CHECK(t["move_minutes"] == 0);

        r = s.run({"device", "list"});
        CHECK(r.code == 0);
        CHECK(r.out == "CODE      NAME      KIND    SITE   WARDS           CLEAN  MOVE\n"
                       "PORTAL-1  Portal 1  portal  SUNNY  W-ROSE, W-BLUE  10     5\n"
                       "TAB-1     Tablet B  tablet  SUNNY  W-BLUE          0      0\n");
        CHECK(r.err == "2 devices\n");
        auto rose = s.json({"device", "list", "--ward", "W-ROSE"});
        CHECK(rose["kind"] == "device");
        REQUIRE(rose["items"].size() == 1);
        CHECK(rose["items"][0]["code"] == "PORTAL-1");
        CHECK(s.json({"device", "list", "--ward", "W-BLUE"})["items"].size() == 2);
        CHECK(s.json({"device", "list", "--site", "SUNNY"})["items"].size() == 2);
        CHECK(s.json({"device", "list", "--site", "ELSEWHERE"})["items"].empty());
    }

    TEST_CASE("device add: bad input is refused and writes nothing") {
        Scratch s;
        small_home(s);
        s.ok({"device", "add", "PORTAL-1", "--name", "PORTAL-1", "--site", "SUNNY", "--ward",
              "W-ROSE"});
        const Args base = {"device", "add",   "D-1",    "--name", "D-1",
                           "--site", "SUNNY", "--ward", "W-ROSE"};
        auto with = [&](const Args& more) {
            Args a = base;
            a.insert(a.end(), more.begin(), more.end());
            return a;
        };
        check_refused(s, with({"--cleaning", "-5m"}), 65,
                      "--cleaning: -5m is not a duration (expected e.g. 30m, 1h, 1h30m)");
        check_refused(s, with({"--move", "25:61"}), 65,
                      "--move: 25:61 is not a duration (expected e.g. 30m, 1h, 1h30m)");
        check_refused(s, with({"--cleaning", "25h"}), 65,
                      "cleaning_minutes: 1500 must be a whole number of minutes from 0 to 1440");
        check_refused(s, with({"--ward", "W-NOPE"}), 4, "ward W-NOPE not found");
        check_refused(s, with({"--ward", "W-ROSE"}), 65, "wards[1]: names a ward twice");
        check_refused(s, {"device", "add", "D-1", "--name", "D-1", "--site", "NOPE"}, 4,
                      "site NOPE not found");
        check_refused(s, {"device", "add", "D-1", "--name", "D-1"}, 2,
                      "--site is required (see carecall --help)");
        check_refused(s, {"device", "add", "PORTAL-1", "--name", "PORTAL-1", "--site", "SUNNY"}, 3,
                      "device PORTAL-1 already exists");
        check_refused(s, with({"--out-of-service", "2026-12-01 12:00-09:00 repair"}), 65,
                      "--out-of-service: '2026-12-01 12:00-09:00 repair': the end is not after the "
                      "start");
        check_refused(
            s, with({"--out-of-service", "2027-03-28 01:15-03:00"}), 65,
            "--out-of-service: 2027-03-28 01:15 does not exist in Europe/London: the clocks "
            "go forward then; the nearest real times are 2027-03-28T00:59:00+00:00 and "
            "2027-03-28T02:00:00+01:00");
        check_refused(s, with({"--capability", std::string(65, 'c')}), 65,
                      "capabilities[0]: '" + std::string(65, 'c') + "' must be 1 to 64 characters");
        CHECK(s.list("device").size() == 1);
    }

    TEST_CASE("device add: a ward of another site is refused") {
        // The scenario format refuses it ("ward 'X' is not on site 'Y'"); the command must too: a
        // device can only serve wards of the site it is at.
        Scratch s;
        small_home(s);
        s.ok({"site", "add", "OAKS", "--name", "OAKS", "--tz", "Europe/London"});
        s.ok({"ward", "add", "W-ELM", "--name", "W-ELM", "--site", "OAKS"});
        check_refused(s,
                      {"device", "add", "D-1", "--name", "D-1", "--site", "SUNNY", "--ward",
                       "W-ROSE", "--ward", "W-ELM"},
                      65, "wards[1]: ward W-ELM is not on site SUNNY");
        s.ok({"device", "add", "D-1", "--name", "D-1", "--site", "SUNNY", "--ward", "W-ROSE"});
        check_refused(s, {"device", "edit", "D-1", "--site", "OAKS"}, 65,
                      "wards[0]: ward W-ROSE is not on site OAKS");
    }

    TEST_CASE("device edit: only the options given, lists replaced, 'none' clears") {
        Scratch s;
        small_home(s);
        s.ok({"device", "add", "PORTAL-1", "--site", "SUNNY", "--name", "Portal 1", "--ward",
              "W-ROSE", "--ward", "W-BLUE", "--cleaning", "10m", "--move", "5m", "--capability",
              "captions", "--out-of-service", "2026-12-01 09:00-12:00 repair"});
        auto before = s.show("device", "PORTAL-1");

        s.ok({"device", "edit", "PORTAL-1", "--cleaning", "1h"});
        auto after = s.show("device", "PORTAL-1");
        auto expected = before;
        expected["cleaning_minutes"] = 60;
        CHECK(after == expected);

        s.ok({"device", "edit", "PORTAL-1", "--ward", "W-BLUE", "--capability", "none"});
        after = s.show("device", "PORTAL-1");
        CHECK(after["wards"] == json::array({"W-BLUE"}));
        CHECK(after["capabilities"].empty());
        CHECK(after["out_of_service"] == before["out_of_service"]);
        CHECK(after["move_minutes"] == 5);

        s.ok({"device", "edit", "PORTAL-1", "--ward", "none", "--out-of-service", "none", "--move",
              "0m"});
        after = s.show("device", "PORTAL-1");
        CHECK(after["wards"].empty());
        CHECK(after["out_of_service"].empty());
        CHECK(after["move_minutes"] == 0);
        CHECK(after["name"] == "Portal 1");

        check_refused(s, {"device", "edit", "PORTAL-1", "--cleaning", "-5m"}, 65,
                      "--cleaning: -5m is not a duration (expected e.g. 30m, 1h, 1h30m)");
        check_refused(s, {"device", "edit", "D-NOPE", "--name", "x"}, 4, "device D-NOPE not found");
    }

    TEST_CASE("device remove") {
        Scratch s;
        small_home(s);
        s.ok({"device", "add", "PORTAL-1", "--name", "PORTAL-1", "--site", "SUNNY", "--ward",
              "W-ROSE"});
        check_refused(s, {"device", "remove", "PORTAL-1"}, 2,
                      "remove device PORTAL-1: refused without --yes (not on a terminal)");
        auto r = s.run({"device", "remove", "PORTAL-1", "--yes"});
        CHECK(r.code == 0);
        CHECK(r.err == "removed device PORTAL-1\n");
        CHECK(s.list("device").empty());
        // The ward is free to go now.
        CHECK(s.run({"ward", "remove", "W-BLUE", "--yes"}).code == 0);
    }

} // TEST_SUITE

TEST_SUITE("cli device") {
    TEST_CASE("device edit: the calls it breaks, then the exact repair command") {
        Scratch s;
        booked_calls(s);
        auto bytes = s.snapshot();
        auto r = break_portal(s);
        INFO("stderr: " << r.err);
        CHECK(r.code == 0);
        CHECK(starts_with(r.err, "changed device PORTAL-1\n1 booked call now breaks a rule because "
                                 "of this change:\n  B-1 Mon 2027-07-05 10:00-10:30 BST R-IVY: AT "
                                 "RISK: device.out_of_service: "));
        CHECK(last_line(r.err) == repair_line(s, " --ward W-ROSE"));
        CHECK(s.snapshot() != bytes);
        // The same again: nothing new is broken, the call already was.
        auto again = break_portal(s);
        CHECK(again.err == "changed device PORTAL-1\n1 other booked call already broke a rule "
                           "before this change (carecall db check lists them)\n");
    }
}
