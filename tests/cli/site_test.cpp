// carecall site add|list|show|edit|remove
#include "cli/cli_fixture.hpp"

using namespace carecall::test;

TEST_SUITE("cli site") {

    TEST_CASE("site add, list and show: table and JSON") {
        Scratch s;
        s.init();
        auto r = s.run({"site", "add", "SUNNY", "--name", "Sunnyside Care Home", "--kind",
                        "care_home", "--tz", "Europe/London"});
        CHECK(r.code == 0);
        CHECK(r.out.empty());
        CHECK(r.err == "added site SUNNY\n");

        SUBCASE("list table") {
            r = s.run({"site", "list"});
            CHECK(r.code == 0);
            CHECK(r.out == "CODE   NAME                 KIND       TIME ZONE\n"
                           "SUNNY  Sunnyside Care Home  care_home  Europe/London\n");
            CHECK(r.err == "1 site\n");
        }
        SUBCASE("list JSON") {
            auto j = s.json({"site", "list"});
            CHECK(j["format"] == "carecall-list/1");
            CHECK(j["kind"] == "site");
            REQUIRE(j["items"].size() == 1);
            auto item = j["items"][0];
            CHECK(item["code"] == "SUNNY");
            CHECK(item["name"] == "Sunnyside Care Home");
            CHECK(item["kind"] == "care_home");
            CHECK(item["tz"] == "Europe/London");
            CHECK(item["id"].is_number_integer());
        }
        SUBCASE("show table") {
            r = s.run({"site", "show", "SUNNY"});
            CHECK(r.code == 0);
            auto id = std::to_string(s.show("site", "SUNNY")["id"].get<long long>());
            CHECK(r.out == "code:  SUNNY\n"
                           "id:    " +
                               id +
                               "\n"
                               "kind:  care_home\n"
                               "name:  Sunnyside Care Home\n"
                               "tz:    Europe/London\n");
            CHECK(r.err.empty());
        }
        SUBCASE("show JSON, by code and by numeric id") {
            auto j = s.json({"site", "show", "SUNNY"});
            CHECK(j["format"] == "carecall-record/1");
            CHECK(j["kind"] == "site");
            CHECK(j["record"]["code"] == "SUNNY");
            auto id = j["record"]["id"].get<long long>();
            auto by_id = s.show("site", std::to_string(id));
            CHECK(by_id == j["record"]);
        }
        SUBCASE("add --json prints the new record") {
            auto j = s.json({"site", "add", "HOSP", "--name", "City Hospital", "--kind", "hospital",
                             "--tz", "America/New_York"});
            CHECK(j["format"] == "carecall-record/1");
            CHECK(j["kind"] == "site");
            CHECK(j["record"]["code"] == "HOSP");
            CHECK(j["record"]["kind"] == "hospital");
            CHECK(j["record"]["tz"] == "America/New_York");
            CHECK(j["record"]["name"] == "City Hospital");
            // Listed by code.
            auto items = s.list("site");
            REQUIRE(items.size() == 2);
            CHECK(items[0]["code"] == "HOSP");
            CHECK(items[1]["code"] == "SUNNY");
        }
    }

    TEST_CASE("site add: bad input is refused and writes nothing") {
        Scratch s;
        s.init();
        s.ok({"site", "add", "SUNNY", "--name", "SUNNY", "--tz", "Europe/London"});
        check_refused(s, {"site", "add", "S1", "--name", "S1", "--tz", "Europe/Londn"}, 65,
                      "--tz: unknown time zone 'Europe/Londn' (expected an IANA name such as "
                      "Europe/London)");
        check_refused(s, {"site", "add", "S1", "--name", "S1", "--tz", ""}, 2,
                      "--tz: is empty (see carecall --help)");
        check_refused(
            s, {"site", "add", "S1", "--name", "S1", "--tz", "Europe/London", "--kind", "castle"},
            65,
            "--kind: 'castle' is not a site kind (expected care_home, hospital, hospice or "
            "ld_unit)");
        check_refused(s, {"site", "add", "SUNNY", "--name", "SUNNY", "--tz", "Europe/Paris"}, 3,
                      "site SUNNY already exists");
        check_refused(s, {"site", "add", "bad code", "--name", "bad code", "--tz", "Europe/London"},
                      65, "code: 'bad code' may hold only letters, digits, '-', '_' and '.'");
        check_refused(s, {"site", "add", "1234", "--name", "1234", "--tz", "Europe/London"}, 65,
                      "code: '1234' must not be all digits (numbers are record ids)");
        check_refused(s,
                      {"site", "add", std::string(33, 'X'), "--name", std::string(33, 'X'), "--tz",
                       "Europe/London"},
                      65, "code: '" + std::string(33, 'X') + "' must be 1 to 32 characters");
        check_refused(s, {"site", "add", "S1", "--name", "S1"}, 2,
                      "--tz is required (see carecall --help)");
        check_refused(
            s, {"site", "add", "S1", "--name", std::string(1001, 'a'), "--tz", "Europe/London"}, 65,
            "name: must be at most 1000 characters");
        CHECK(s.list("site").size() == 1);
    }

    TEST_CASE("site edit changes only the options given") {
        Scratch s;
        s.init();
        s.ok({"site", "add", "SUNNY", "--name", "Sunnyside", "--kind", "hospice", "--tz",
              "Europe/London"});
        auto before = s.show("site", "SUNNY");
        auto r = s.run({"site", "edit", "SUNNY", "--name", "Sunnyside Care Home"});
        CHECK(r.code == 0);
        CHECK(r.err == "changed site SUNNY\n");
        auto after = s.show("site", "SUNNY");
        CHECK(after["name"] == "Sunnyside Care Home");
        CHECK(after["kind"] == "hospice");
        CHECK(after["tz"] == "Europe/London");
        CHECK(after["id"] == before["id"]);

        auto j = s.json({"site", "edit", "SUNNY", "--tz", "Europe/Dublin"});
        CHECK(j["record"]["tz"] == "Europe/Dublin");
        CHECK(j["record"]["name"] == "Sunnyside Care Home");
        CHECK(j["record"]["kind"] == "hospice");

        check_refused(s, {"site", "edit", "SUNNY", "--tz", "Europe/Londn"}, 65,
                      "--tz: unknown time zone 'Europe/Londn' (expected an IANA name such as "
                      "Europe/London)");
        check_refused(s, {"site", "edit", "NOPE", "--name", "x"}, 4, "site NOPE not found");
        check_refused(s, {"site", "edit", "999", "--name", "x"}, 4, "site 999 not found");
    }

    TEST_CASE("site show and remove of a missing site: exit 4") {
        Scratch s;
        s.ok({"db", "init"});
        check_refused(s, {"site", "show", "NOPE"}, 4, "site NOPE not found");
        check_refused(s, {"site", "remove", "NOPE", "--yes"}, 4, "site NOPE not found");
        auto r = s.run({"site", "list"});
        CHECK(r.code == 0);
        CHECK(r.out == "CODE  NAME  KIND  TIME ZONE\n");
        CHECK(r.err == "0 sites\n");
        CHECK(s.list("site").empty());
    }

    TEST_CASE("site remove: needs --yes in a script, refused while wards or devices use it") {
        Scratch s;
        small_home(s);
        s.ok({"site", "add", "EMPTY", "--name", "EMPTY", "--tz", "Europe/London"});
        s.ok({"device", "add", "PORTAL-1", "--name", "PORTAL-1", "--site", "SUNNY", "--ward",
              "W-ROSE"});

        check_refused(s, {"site", "remove", "EMPTY"}, 2,
                      "remove site EMPTY: refused without --yes (not on a terminal)");
        check_refused(
            s, {"site", "remove", "SUNNY", "--yes"}, 3,
            "site SUNNY is still used by 2 wards (W-BLUE, W-ROSE) and 1 device (PORTAL-1): "
            "remove or move them first");

        auto r = s.run({"site", "remove", "EMPTY", "--yes"});
        CHECK(r.code == 0);
        CHECK(r.out.empty());
        CHECK(r.err == "removed site EMPTY\n");
        check_error(s.run({"site", "show", "EMPTY"}), 4, "site EMPTY not found");
        r = s.run({"site", "remove", "SUNNY", "-y"});
        CHECK(r.code == 3);
    }

} // TEST_SUITE
