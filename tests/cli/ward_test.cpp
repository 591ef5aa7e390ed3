// carecall ward add|list|show|edit|remove
#include "cli/at_risk_fixture.hpp"
#include "cli/cli_fixture.hpp"

using namespace carecall::test;
using nlohmann::json;

TEST_SUITE("cli ward") {

    TEST_CASE("ward add, list and show: calling hours in site time") {
        Scratch s;
        s.init();
        s.ok({"site", "add", "SUNNY", "--name", "SUNNY", "--tz", "Europe/London"});
        s.ok({"site", "add", "OAKS", "--name", "OAKS", "--tz", "America/New_York"});
        auto r = s.run({"ward", "add", "W-ROSE", "--site", "SUNNY", "--name", "Rose Ward",
                        "--hours", "daily 09:00-20:00", "--hours", "sat,sun 21:00-24:00 late"});
        CHECK(r.code == 0);
        CHECK(r.err == "added ward W-ROSE\n");
        s.ok({"ward", "add", "W-ELM", "--name", "Elm Ward", "--site", "OAKS", "--hours",
              "mon-fri 10:00-18:00"});

        auto w = s.show("ward", "W-ROSE");
        CHECK(w["code"] == "W-ROSE");
        CHECK(w["name"] == "Rose Ward");
        CHECK(w["site"] == "SUNNY");
        CHECK(w["tz"] == "Europe/London");
        REQUIRE(w["calling_hours"].size() == 2);
        CHECK(w["calling_hours"][0]["weekdays"] == json::array({0, 1, 2, 3, 4, 5, 6}));
        CHECK(w["calling_hours"][0]["start"] == "09:00");
        CHECK(w["calling_hours"][0]["end"] == "20:00");
        CHECK(w["calling_hours"][0]["text"] == "daily 09:00-20:00");
        CHECK(w["calling_hours"][1]["weekdays"] == json::array({5, 6}));
        CHECK(w["calling_hours"][1]["end"] == "24:00");
        CHECK(w["calling_hours"][1]["label"] == "late");
        CHECK(w["closures"] == json::array());

        r = s.run({"ward", "list"});
        CHECK(r.code == 0);
        CHECK(r.out == "CODE    NAME       SITE   CALLING HOURS\n"
                       "W-ELM   Elm Ward   OAKS   mon-fri 10:00-18:00\n"
                       "W-ROSE  Rose Ward  SUNNY  daily 09:00-20:00, sat,sun 21:00-24:00 late\n");
        CHECK(r.err == "2 wards\n");

        {
            // list --site filters.
            auto j = s.json({"ward", "list", "--site", "OAKS"});
            CHECK(j["kind"] == "ward");
            REQUIRE(j["items"].size() == 1);
            CHECK(j["items"][0]["code"] == "W-ELM");
            CHECK(s.json({"ward", "list", "--site", "NOPE"})["items"].empty());
        }
        {
            r = s.run({"ward", "show", "W-ROSE"});
            CHECK(r.code == 0);
            CHECK(contains(r.out, "calling_hours:  daily 09:00-20:00\n"
                                  "                sat,sun 21:00-24:00 late\n"));
            CHECK(contains(r.out, "site:           SUNNY\n"));
        }
    }

    TEST_CASE("ward add: bad input is refused and writes nothing") {
        Scratch s;
        s.init();
        s.ok({"site", "add", "SUNNY", "--name", "SUNNY", "--tz", "Europe/London"});
        s.ok({"ward", "add", "W-ROSE", "--name", "W-ROSE", "--site", "SUNNY"});
        check_refused(s,
                      {"ward", "add", "W-1", "--name", "W-1", "--site", "SUNNY", "--hours",
                       "daily 25:61-26:00"},
                      65, "--hours: 25:61 is not a time (expected HH:MM)");
        check_refused(s,
                      {"ward", "add", "W-1", "--name", "W-1", "--site", "SUNNY", "--hours",
                       "daily 17:00-09:00"},
                      65, "--hours: end 09:00 is not after start 17:00");
        check_refused(s,
                      {"ward", "add", "W-1", "--name", "W-1", "--site", "SUNNY", "--hours",
                       "daily 24:00-24:00"},
                      65, "--hours: 24:00 is only allowed as an end time");
        check_refused(s,
                      {"ward", "add", "W-1", "--name", "W-1", "--site", "SUNNY", "--hours",
                       "funday 09:00-10:00"},
                      65,
                      "--hours: 'funday 09:00-10:00' has 'funday', not a day (expected mon … sun, "
                      "daily, weekdays or weekends)");
        check_refused(
            s, {"ward", "add", "W-1", "--name", "W-1", "--site", "SUNNY", "--hours", "daily"}, 65,
            "--hours: 'daily' is not a weekly window (expected DAYS HH:MM-HH:MM [LABEL], "
            "e.g. mon-fri 09:00-17:00)");
        check_refused(
            s,
            {"ward", "add", "W-1", "--name", "W-1", "--site", "SUNNY", "--closure", "2026-02-30"},
            65, "--closure: 2026-02-30 is not a real date");
        check_refused(
            s,
            {"ward", "add", "W-1", "--name", "W-1", "--site", "SUNNY", "--closure", "03/04/2027"},
            65, "--closure: 03/04/2027 is not a date (expected YYYY-MM-DD)");
        check_refused(s,
                      {"ward", "add", "W-1", "--name", "W-1", "--site", "SUNNY", "--closure",
                       "2026-12-14..2026-12-01"},
                      65, "closures[0]: last day 2026-12-01 is before first day 2026-12-14");
        check_refused(s, {"ward", "add", "W-1", "--name", "W-1", "--site", "NOPE"}, 4,
                      "site NOPE not found");
        check_refused(s, {"ward", "add", "W-1", "--name", "W-1"}, 2,
                      "--site is required (see carecall --help)");
        check_refused(s, {"ward", "add", "W-ROSE", "--name", "W-ROSE", "--site", "SUNNY"}, 3,
                      "ward W-ROSE already exists");
    }

    TEST_CASE("ward edit: only given fields, a list option replaces the list, 'none' empties it") {
        Scratch s;
        s.init();
        s.ok({"site", "add", "SUNNY", "--name", "SUNNY", "--tz", "Europe/London"});
        s.ok({"site", "add", "OAKS", "--name", "OAKS", "--tz", "Europe/London"});
        s.ok({"ward", "add", "W-ROSE", "--site", "SUNNY", "--name", "Rose", "--hours",
              "mon-fri 09:00-12:00", "--hours", "mon-fri 14:00-20:00", "--closure",
              "2026-12-01..2026-12-14 outbreak"});

        auto w = s.show("ward", "W-ROSE");
        REQUIRE(w["closures"].size() == 1);
        CHECK(w["closures"][0] ==
              json({{"first", "2026-12-01"}, {"last", "2026-12-14"}, {"reason", "outbreak"}}));

        s.ok({"ward", "edit", "W-ROSE", "--name", "Rose Ward"});
        auto after = s.show("ward", "W-ROSE");
        CHECK(after["name"] == "Rose Ward");
        CHECK(after["calling_hours"] == w["calling_hours"]);
        CHECK(after["closures"] == w["closures"]);
        CHECK(after["site"] == "SUNNY");

        s.ok({"ward", "edit", "W-ROSE", "--hours", "daily 10:00-19:00"});
        after = s.show("ward", "W-ROSE");
        REQUIRE(after["calling_hours"].size() == 1);
        CHECK(after["calling_hours"][0]["text"] == "daily 10:00-19:00");
        CHECK(after["closures"] == w["closures"]);
        CHECK(after["name"] == "Rose Ward");

        s.ok({"ward", "edit", "W-ROSE", "--closure", "none"});
        after = s.show("ward", "W-ROSE");
        CHECK(after["closures"].empty());
        CHECK(after["calling_hours"].size() == 1);

        s.ok({"ward", "edit", "W-ROSE", "--hours", "none", "--site", "OAKS"});
        after = s.show("ward", "W-ROSE");
        CHECK(after["calling_hours"].empty());
        CHECK(after["site"] == "OAKS");

        check_refused(s, {"ward", "edit", "W-ROSE", "--hours", "daily 20:00-08:00"}, 65,
                      "--hours: end 08:00 is not after start 20:00");
        check_refused(s, {"ward", "edit", "W-NOPE", "--name", "x"}, 4, "ward W-NOPE not found");
    }

    TEST_CASE("ward remove: refused while residents, devices or staff use it") {
        Scratch s;
        small_home(s);
        s.ok({"staff", "add", "E-AMY", "--name", "E-AMY", "--ward", "W-ROSE"});
        s.ok({"device", "add", "PORTAL-1", "--name", "PORTAL-1", "--site", "SUNNY", "--ward",
              "W-BLUE", "--ward", "W-ROSE"});
        check_refused(s, {"ward", "remove", "W-ROSE", "--yes"}, 3,
                      "ward W-ROSE is still used by 1 resident (R-0042), 1 device (PORTAL-1) and 1 "
                      "staff member (E-AMY): remove or move them first");
        check_refused(s, {"ward", "remove", "W-BLUE"}, 2,
                      "remove ward W-BLUE: refused without --yes (not on a terminal)");
        s.ok({"device", "edit", "PORTAL-1", "--ward", "W-ROSE"});
        auto r = s.run({"ward", "remove", "W-BLUE", "--yes"});
        CHECK(r.code == 0);
        CHECK(r.err == "removed ward W-BLUE\n");
        CHECK(s.list("ward").size() == 1);
    }

} // TEST_SUITE

TEST_SUITE("cli ward") {
    TEST_CASE("ward edit: a closure and shorter calling hours break calls; --repair moves them") {
        Scratch s;
        booked_calls(s);
        auto r = run_at(s, {"ward", "edit", "W-ROSE", "--closure", "2027-07-05..2027-07-05 flood"});
        INFO("stderr: " << r.err);
        CHECK(r.code == 0);
        CHECK(contains(r.err, "2 booked calls now break a rule because of this change:\n"));
        CHECK(contains(r.err, "B-1 Mon 2027-07-05 10:00-10:30 BST R-IVY: AT RISK: "
                              "resident.ward_closed: "));
        CHECK(contains(r.err, "B-3 Mon 2027-07-05 11:00-11:30 BST R-HAL: AT RISK: "
                              "resident.ward_closed: "));
        CHECK(last_line(r.err) == repair_line(s, " --ward W-ROSE"));

        Scratch t;
        booked_calls(t);
        auto h = run_at(t, {"ward", "edit", "W-BLUE", "--hours", "daily 08:00-12:00", "--repair"});
        INFO("stderr: " << h.err);
        CHECK(h.code == 0);
        CHECK(contains(h.err, "B-2 Mon 2027-07-05 15:00-15:30 BST R-BEN: AT RISK: "
                              "resident.calling_hours: "));
        CHECK(contains(h.err, "B-2 Mon 2027-07-05 15:00-15:30 BST moved to Mon 2027-07-05 "
                              "11:30-12:00 BST on TAB-B\n"));
        CHECK(run_at(t, {"db", "check"}).code == 0);
    }
}
