// carecall staff add|list|show|edit|remove
#include "cli/at_risk_fixture.hpp"
#include "cli/cli_fixture.hpp"

using namespace carecall::test;
using nlohmann::json;

TEST_SUITE("cli staff") {

    TEST_CASE("staff add, list and show: shifts in site time") {
        Scratch s;
        small_home(s);
        auto r =
            s.run({"staff", "add", "E-AMY", "--name", "Amy Jones", "--ward", "W-ROSE", "--ward",
                   "W-BLUE", "--competence", "dementia", "--competence", "bsl", "--weekly-shift",
                   "mon-fri 07:00-15:00", "--shift", "2027-07-03 08:00-12:00 cover", "--shift",
                   "2027-01-09T08:00/2027-01-09T12:00"});
        CHECK(r.code == 0);
        CHECK(r.out.empty());
        CHECK(r.err == "added staff member E-AMY\n");
        s.ok({"staff", "add", "E-BEN", "--name", "Ben Ode", "--ward", "W-BLUE"});

        auto e = s.show("staff", "E-AMY");
        CHECK(e["code"] == "E-AMY");
        CHECK(e["name"] == "Amy Jones");
        CHECK(e["ward"] == "W-ROSE");
        CHECK(e["wards"] == json::array({"W-ROSE", "W-BLUE"}));
        CHECK(e["tz"] == "Europe/London");
        CHECK(e["competences"] == json::array({"dementia", "bsl"}));
        REQUIRE(e["weekly_shifts"].size() == 1);
        CHECK(e["weekly_shifts"][0]["text"] == "mon-fri 07:00-15:00");
        REQUIRE(e["shifts"].size() == 2);
        CHECK(e["shifts"][0] == json({{"start", "2027-07-03T08:00:00+01:00"},
                                      {"end", "2027-07-03T12:00:00+01:00"},
                                      {"label", "cover"}}));
        CHECK(e["shifts"][1]["start"] == "2027-01-09T08:00:00+00:00");
        CHECK(e["shifts"][1]["label"] == "");

        r = s.run({"staff", "list"});
        CHECK(r.code == 0);
        CHECK(r.out == "CODE   NAME       WARDS           COMPETENCES    WEEKLY SHIFTS\n"
                       "E-AMY  Amy Jones  W-ROSE, W-BLUE  dementia, bsl  mon-fri 07:00-15:00\n"
                       "E-BEN  Ben Ode    W-BLUE\n");
        CHECK(r.err == "2 staff\n");
        auto j = s.json({"staff", "list", "--ward", "W-ROSE"});
        CHECK(j["kind"] == "staff member");
        REQUIRE(j["items"].size() == 1);
        CHECK(j["items"][0]["code"] == "E-AMY");
        CHECK(s.json({"staff", "list", "--ward", "W-BLUE"})["items"].size() == 2);
    }

    TEST_CASE("staff add: bad input is refused and writes nothing") {
        Scratch s;
        small_home(s);
        s.ok({"staff", "add", "E-AMY", "--name", "E-AMY", "--ward", "W-ROSE"});
        const Args base = {"staff", "add", "E-1", "--name", "E-1", "--ward", "W-ROSE"};
        auto with = [&](const Args& more) {
            Args a = base;
            a.insert(a.end(), more.begin(), more.end());
            return a;
        };
        check_refused(
            s, {"staff", "add", "E-1", "--name", "E-1", "--shift", "2027-07-03 08:00-12:00"}, 65,
            "--shift: give the staff member a --ward first (shifts are read in its site's "
            "time zone)");
        check_refused(s, with({"--weekly-shift", "mon-fri 15:00-07:00"}), 65,
                      "--weekly-shift: end 07:00 is not after start 15:00");
        check_refused(s, with({"--shift", "2027-07-03 25:61-26:00"}), 65,
                      "--shift: 25:61 is not a time (expected HH:MM)");
        check_refused(s, with({"--shift", "2027-03-28 01:00-09:00"}), 65,
                      "--shift: 2027-03-28 01:00 does not exist in Europe/London: the clocks go "
                      "forward then; the nearest real times are 2027-03-28T00:59:00+00:00 and "
                      "2027-03-28T02:00:00+01:00");
        check_refused(s, with({"--shift", "2027-07-03 12:00-08:00"}), 65,
                      "--shift: '2027-07-03 12:00-08:00': the end is not after the start");
        check_refused(s, {"staff", "add", "E-1", "--name", "E-1", "--ward", "W-NOPE"}, 4,
                      "ward W-NOPE not found");
        check_refused(s, {"staff", "add", "E-AMY", "--name", "E-AMY", "--ward", "W-BLUE"}, 3,
                      "staff E-AMY already exists");
        check_refused(s, {"staff", "show", "E-NOPE"}, 4, "staff member E-NOPE not found");
        CHECK(s.list("staff").size() == 1);
    }

    TEST_CASE("staff add: wards on two sites are refused, as in a scenario") {
        // The scenario reader refuses it ("ward 'X' is on another site than ward 'Y' (shifts are
        // read in one site's time zone)"); the command must not accept what an import refuses.
        Scratch s;
        small_home(s);
        s.ok({"site", "add", "OAKS", "--name", "OAKS", "--tz", "America/New_York"});
        s.ok({"ward", "add", "W-ELM", "--name", "W-ELM", "--site", "OAKS"});
        auto before = s.dump();
        auto r =
            s.run({"staff", "add", "E-1", "--name", "E-1", "--ward", "W-ROSE", "--ward", "W-ELM"});
        INFO("stderr: " << r.err);
        CHECK(r.code == 65);
        CHECK(starts_with(r.err, "carecall: error: wards[1]: "));
        CHECK(contains(first_line(r.err), "W-ELM"));
        CARECALL_CHECK_SAME(before, s.dump());
    }

    TEST_CASE("staff edit: only the options given, lists replaced, 'none' clears") {
        Scratch s;
        small_home(s);
        s.ok({"staff", "add", "E-AMY", "--name", "Amy Jones", "--ward", "W-ROSE", "--competence",
              "dementia", "--weekly-shift", "mon-fri 07:00-15:00", "--shift",
              "2027-07-03 08:00-12:00"});
        auto before = s.show("staff", "E-AMY");
        s.ok({"staff", "edit", "E-AMY", "--name", "Amy Jones-Smith"});
        auto after = s.show("staff", "E-AMY");
        auto expected = before;
        expected["name"] = "Amy Jones-Smith";
        CHECK(after == expected);

        s.ok({"staff", "edit", "E-AMY", "--ward", "W-BLUE", "--weekly-shift", "sat,sun 09:00-17:00",
              "--weekly-shift", "mon 18:00-22:00"});
        after = s.show("staff", "E-AMY");
        CHECK(after["wards"] == json::array({"W-BLUE"}));
        REQUIRE(after["weekly_shifts"].size() == 2);
        CHECK(after["weekly_shifts"][0]["text"] == "sat,sun 09:00-17:00");
        CHECK(after["shifts"] == before["shifts"]);
        CHECK(after["competences"] == before["competences"]);

        s.ok({"staff", "edit", "E-AMY", "--competence", "none", "--shift", "none", "--weekly-shift",
              "none"});
        after = s.show("staff", "E-AMY");
        CHECK(after["competences"].empty());
        CHECK(after["shifts"].empty());
        CHECK(after["weekly_shifts"].empty());
        CHECK(after["wards"] == json::array({"W-BLUE"}));

        check_refused(s, {"staff", "edit", "E-NOPE", "--name", "x"}, 4,
                      "staff member E-NOPE not found");
    }

    TEST_CASE("staff remove") {
        Scratch s;
        small_home(s);
        s.ok({"staff", "add", "E-AMY", "--name", "E-AMY", "--ward", "W-ROSE"});
        check_refused(s, {"staff", "remove", "E-AMY"}, 2,
                      "remove staff member E-AMY: refused without --yes (not on a terminal)");
        auto r = s.run({"staff", "remove", "E-AMY", "--yes"});
        CHECK(r.code == 0);
        CHECK(r.err == "removed staff member E-AMY\n");
        CHECK(s.list("staff").empty());
    }

} // TEST_SUITE

TEST_SUITE("cli staff") {
    TEST_CASE("staff edit: a shorter shift puts the calls they help at risk") {
        Scratch s;
        booked_calls(s);
        auto r = run_at(s, {"staff", "edit", "E-KIM", "--weekly-shift", "daily 14:00-20:00"});
        INFO("stderr: " << r.err);
        CHECK(r.code == 0);
        CHECK(contains(r.err, "B-3 Mon 2027-07-05 11:00-11:30 BST R-HAL: AT RISK: help.shift: "));
        CHECK(last_line(r.err) == repair_line(s, " --ward W-ROSE"));
        // Nothing new broken: --repair leaves the call broken before to carecall repair.
        auto fixed = run_at(
            s, {"staff", "edit", "E-KIM", "--weekly-shift", "daily 15:00-20:00", "--repair"});
        INFO("stderr: " << fixed.err);
        CHECK(contains(fixed.err, "1 other booked call already broke a rule before this change"));
    }
}
