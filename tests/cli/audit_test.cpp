// carecall audit list: one row per change, newest first, no personal details.
#include <regex>

#include "cli/cli_fixture.hpp"

using namespace carecall::test;
using nlohmann::json;

TEST_SUITE("cli audit") {

    TEST_CASE("audit list: one row per change, newest first, who and what") {
        Scratch s;
        s.init();
        auto as_nurse = [&](const Args& args) {
            Args a = {"--as", "Nurse Joy"};
            a.insert(a.end(), args.begin(), args.end());
            auto r = s.run(Invocation{a, {}, {"USER=coordinator"}, true, {}});
            INFO("stderr: " << r.err);
            REQUIRE(r.code == 0);
        };
        auto by_user = [&](const Args& args) {
            auto r = s.run(Invocation{args, {}, {"USER=coordinator"}, true, {}});
            INFO("stderr: " << r.err);
            REQUIRE(r.code == 0);
        };
        by_user({"site", "add", "SUNNY", "--name", "Sunnyside", "--tz", "Europe/London"});
        by_user({"ward", "add", "W-ROSE", "--name", "W-ROSE", "--site", "SUNNY"});
        as_nurse({"resident", "add", "R-0042", "--ward", "W-ROSE", "--name", "Zoë Secretname"});
        as_nurse({"resident", "edit", "R-0042", "--room", "12", "--name", "Zoë Othername"});
        by_user({"resident", "edit", "R-0042", "--room", "12"}); // no change: no row
        by_user({"ward", "add", "W-TEMP", "--name", "W-TEMP", "--site", "SUNNY"});
        by_user({"ward", "remove", "W-TEMP", "--yes"});
        // Refused changes leave no row.
        CHECK(s.run({"site", "add", "SUNNY", "--name", "SUNNY", "--tz", "Europe/London"}).code ==
              3);
        CHECK(s.run({"ward", "remove", "W-ROSE", "--yes"}).code == 3);
        CHECK(s.run({"resident", "add", "R-1", "--name", "R-1", "--ward", "W-ROSE", "--max-call",
                     "-5m"})
                  .code == 65);

        auto j = s.json({"audit", "list"});
        CHECK(j["format"] == "carecall-audit/1");
        auto items = j["items"];
        REQUIRE(items.size() == 6);
        auto row = [&](std::size_t i) { return items[i]; };
        CHECK(row(0)["action"] == "remove");
        CHECK(row(0)["kind"] == "ward");
        CHECK(row(0)["record_code"] == "W-TEMP");
        CHECK(row(1)["action"] == "add");
        CHECK(row(1)["record_code"] == "W-TEMP");
        CHECK(row(2)["action"] == "update");
        CHECK(row(2)["kind"] == "resident");
        CHECK(row(2)["record_code"] == "R-0042");
        CHECK(row(2)["details"] == json({{"changed", {"name", "room"}}}));
        CHECK(row(2)["as"] == "Nurse Joy");
        CHECK(row(2)["os_user"] == "coordinator");
        CHECK(row(3)["action"] == "add");
        CHECK(row(3)["kind"] == "resident");
        CHECK(row(4)["kind"] == "ward");
        CHECK(row(5)["kind"] == "site");
        CHECK(row(5)["record_code"] == "SUNNY");
        CHECK(row(5)["as"] == "");
        CHECK(row(5)["os_user"] == "coordinator");
        for (const auto& e : items) {
            CHECK(std::regex_match(e["at"].get<std::string>(),
                                   std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
            CHECK(e["id"].is_number_integer());
            CHECK(e["record_id"].is_number_integer());
        }
        // Newest first: ids go down.
        for (std::size_t i = 1; i < items.size(); ++i) {
            CHECK(items[i - 1]["id"].get<long long>() > items[i]["id"].get<long long>());
        }
        // The audit names records, never people.
        auto everything = j.dump();
        CHECK_FALSE(contains(everything, "Secretname"));
        CHECK_FALSE(contains(everything, "Othername"));
        CHECK_FALSE(contains(everything, "Sunnyside"));

        {
            // The table.
            auto r = s.run({"audit", "list"});
            CHECK(r.code == 0);
            auto lines = std::vector<std::string>{};
            std::istringstream in(r.out);
            for (std::string line; std::getline(in, line);) {
                lines.push_back(line);
            }
            REQUIRE(lines.size() == 7);
            CHECK(std::regex_match(
                lines[0], std::regex(R"(WHEN \(UTC\) +WHO +ACTION +KIND +RECORD +DETAILS)")));
            CHECK(std::regex_match(lines[1],
                                   std::regex(R"(\S+Z +coordinator +remove +ward +W-TEMP.*)")));
            CHECK(std::regex_match(
                lines[3],
                std::regex(
                    R"(\S+Z +coordinator as Nurse Joy +update +resident +R-0042 +\{"changed":\["name","room"\]\})")));
            CHECK_FALSE(contains(r.out, "Secretname"));
        }
        {
            auto two = s.json({"audit", "list", "--limit", "2"})["items"];
            REQUIRE(two.size() == 2);
            CHECK(two[0] == items[0]);
            CHECK(two[1] == items[1]);
            auto before = s.dump();
            auto r = s.run({"audit", "list", "--limit", "0"});
            CHECK(r.code == 2);
            CHECK(starts_with(r.err, "carecall: error: --limit: Value 0 not in range"));
            CHECK(r.out.empty());
            CARECALL_CHECK_SAME(before, s.dump());
        }
    }

    TEST_CASE("audit list: approvals, consent and imports are recorded") {
        Scratch s;
        s.init();
        s.ok({"site", "add", "SUNNY", "--name", "SUNNY", "--tz", "Europe/London"});
        s.ok({"ward", "add", "W-ROSE", "--name", "W-ROSE", "--site", "SUNNY"});
        s.ok({"resident", "add", "R-0042", "--name", "R-0042", "--ward", "W-ROSE"});
        s.ok({"contact", "add", "C-RAJ", "--name", "C-RAJ", "--tz", "Australia/Sydney"});
        s.ok({"contact", "approve", "C-RAJ", "--resident", "R-0042", "--key-contact"});
        s.ok({"resident", "consent", "R-0042", "--status", "given", "--on", "2026-11-01"});
        s.ok({"contact", "revoke", "C-RAJ", "--resident", "R-0042"});
        auto items = s.json({"audit", "list"})["items"];
        REQUIRE(items.size() == 7);
        CHECK(items[0]["action"] == "remove");
        CHECK(items[0]["kind"] == "approval");
        CHECK(items[0]["record_code"] == "R-0042/C-RAJ");
        CHECK(items[1]["action"] == "update");
        CHECK(items[1]["kind"] == "resident");
        CHECK(items[1]["record_code"] == "R-0042");
        CHECK(items[1]["details"] == json({{"changed", {"consent"}}}));
        CHECK(items[2]["action"] == "add");
        CHECK(items[2]["kind"] == "approval");
        CHECK(items[3]["kind"] == "contact");

        s.ok({"import", "scenario", source_path("tests/data/scenario-ward-day.json")});
        items = s.json({"audit", "list", "--limit", "1"})["items"];
        REQUIRE(items.size() == 1);
        CHECK(items[0]["action"] == "import");
        CHECK(items[0]["kind"] == "scenario");
        CHECK(items[0]["details"]["residents"] == 20);
        CHECK(items[0]["details"]["added"] == 89);
        // One row per record added (89), one per approval, one for the import.
        auto all = s.json({"audit", "list", "--limit", "100000"})["items"];
        CHECK(all.size() > 7 + 89 + 1);
    }

    TEST_CASE("audit list on a new database is empty") {
        Scratch s;
        s.ok({"db", "init"});
        auto j = s.json({"audit", "list"});
        CHECK(j["items"].empty());
        auto r = s.run({"audit", "list"});
        CHECK(r.code == 0);
        CHECK(r.out == "WHEN (UTC)  WHO  ACTION  KIND  RECORD  DETAILS\n");
    }

} // TEST_SUITE
