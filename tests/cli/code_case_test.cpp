// Codes are unique and matched without regard to case (reliability.md K1, K2), through the real
// binary: `r-asha` names R-ASHA in arguments, options, CSV and scenario files; a new record whose
// code differs from another's only in case is refused (exit 3) naming it; a record keeps the
// spelling first given; a schema 3 database holding R-001 and r-001 migrates with the later one
// renamed, reported and audited.

#include <filesystem>

#include <doctest/doctest.h>
#include <sqlite3.h>

#include "cli/booking_fixture.hpp"

using namespace carecall::test;
namespace fs = std::filesystem;

TEST_SUITE("cli codes") {

    TEST_CASE("K1: a code in another case names the same record in arguments and options") {
        Scratch s;
        care_home(s);
        CHECK(s.show("resident", "r-asha")["code"] == "R-ASHA");
        CHECK(s.show("ward", "w-rose")["code"] == "W-ROSE");
        CHECK(s.show("device", "Portal-1")["code"] == "PORTAL-1");
        s.ok({"resident", "edit", "r-ivy", "--room", "21"});
        auto ivy = s.show("resident", "R-IVY");
        CHECK(ivy["code"] == "R-IVY"); // the spelling first given stays
        CHECK(ivy["room"] == "21");

        auto r = run_at(s, {"book", "--resident", "r-ivy", "--contact", "c-lucy", "--device",
                            "portal-2", "--at", "2027-07-05 10:00"});
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        auto j = parse_json(ok_at(s, {"--json", "agenda", "--date", "2027-07-05", "--resident",
                                      "r-ivy", "--contact", "C-Lucy"}));
        REQUIRE(j["calls"].size() == 1);
        CHECK(j["calls"][0]["code"] == "B-1");
        CHECK(j["calls"][0]["device"] == "PORTAL-2");
        ok_at(s, {"cancel", "b-1", "--reason", "family away"});
        CHECK(parse_json(ok_at(s, {"--json", "agenda", "--date", "2027-07-05",
                                   "--all"}))["calls"][0]["status"] == "cancelled");
    }

    TEST_CASE("K1: a new record whose code differs only in case is refused, naming the other") {
        Scratch s;
        care_home(s);
        check_refused(s, {"resident", "add", "r-asha", "--ward", "W-ROSE", "--name", "Ann Other"},
                      3,
                      "resident r-asha already exists as R-ASHA (codes are the same whatever their "
                      "case)");
        check_refused(s, {"contact", "add", "C-lucy", "--name", "Lucy B", "--tz", "Europe/London"},
                      3,
                      "contact C-lucy already exists as C-LUCY (codes are the same whatever their "
                      "case)");
        check_refused(s, {"ward", "add", "w-blue", "--name", "Blue", "--site", "SUNNY"}, 3,
                      "ward w-blue already exists as W-BLUE (codes are the same whatever their "
                      "case)");
        check_refused(s, {"staff", "add", "e-sam", "--name", "Sam R"}, 3,
                      "staff e-sam already exists as E-SAM (codes are the same whatever their "
                      "case)");
        auto r = s.run({"--json", "site", "add", "sunny", "--name", "x", "--tz", "Europe/London"});
        CHECK(r.code == 3);
        CHECK(error_json(r.err)["code"] == "conflict");
        CHECK(s.list("resident").size() == 9);
    }

    TEST_CASE("K1: import residents with a code in another case updates that resident and keeps "
              "its spelling") {
        Scratch s;
        small_home(s);
        auto r = s.run({"import", "residents", "-"},
                       "code,name,ward\r\nr-0042,Asha Patel-Rao,w-blue\r\n");
        INFO(r.err);
        REQUIRE(r.code == 0);
        CHECK(r.err == "imported -: 1 residents (0 added, 1 updated)\n");
        auto items = s.list("resident");
        REQUIRE(items.size() == 1);
        CHECK(items[0]["code"] == "R-0042");
        auto asha = s.show("resident", "R-0042");
        CHECK(asha["name"] == "Asha Patel-Rao");
        CHECK(asha["ward"] == "W-BLUE");
        CHECK(asha["room"] == "12");
        // Two rows of one file differing only in case are one code twice: nothing written.
        auto before = s.dump();
        auto twice = s.run({"import", "residents", "-"},
                           "code,name,ward\nR-7,Ann Lee,W-ROSE\nr-7,Asha Patel,W-ROSE\n");
        CHECK(twice.code == 65);
        CHECK(first_line(twice.err) == "carecall: error: -:3: code: r-7 is also on line 2, as R-7 "
                                       "(codes are the same whatever their case)");
        CARECALL_CHECK_SAME(before, s.dump());
    }

    TEST_CASE("K1: import scenario with codes in another case updates the records and keeps "
              "their spelling") {
        Scratch s;
        small_home(s);
        auto text = std::string(k_small_home);
        for (auto [from, to] : {std::pair{"\"R-0042\"", "\"r-0042\""},
                                {"\"C-RAJ\"", "\"c-raj\""},
                                {"\"W-ROSE\"", "\"w-rose\""},
                                {"\"SUNNY\"", "\"Sunny\""},
                                {"\"Asha Patel\"", "\"Asha Patel-Rao\""}}) {
            for (auto at = text.find(from); at != std::string::npos; at = text.find(from)) {
                text.replace(at, std::string(from).size(), to);
            }
        }
        auto before = s.dump();
        auto dry = s.run({"import", "scenario", "-", "--dry-run"}, text);
        INFO(dry.err);
        REQUIRE(dry.code == 0);
        CHECK(dry.out.find("added") == std::string::npos);
        s.ok({"-q", "import", "scenario", "-"}, text);
        auto residents = s.list("resident");
        REQUIRE(residents.size() == 1);
        CHECK(residents[0]["code"] == "R-0042");
        CHECK(residents[0]["name"] == "Asha Patel-Rao");
        CHECK(s.list("contact").size() == 1);
        CHECK(s.list("ward").size() == 2);
        CHECK(s.list("site").size() == 1);
        CHECK(s.show("contact", "C-RAJ")["code"] == "C-RAJ");
        CHECK(query_int(s.db(), "SELECT count(*) FROM approval") == 1);
        CHECK(before != s.dump());
    }

    TEST_CASE("K2: a schema 3 database holding R-001 and r-001 migrates: the later one becomes "
              "r-001.2, reported and audited") {
        Scratch s;
        fs::copy_file(source_path("tests/data/schema/v3.db"), s.db());
        fs::permissions(s.db(), fs::perms::owner_read | fs::perms::owner_write);
        {
            // Schema 3 let R-002 be spelled r-001 beside R-001 (id 1).
            sqlite3* db = nullptr;
            REQUIRE(sqlite3_open_v2(s.db().c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) ==
                    SQLITE_OK);
            CHECK(sqlite3_exec(db, "UPDATE resident SET code = 'r-001' WHERE code = 'R-002'",
                               nullptr, nullptr, nullptr) == SQLITE_OK);
            CHECK(sqlite3_changes(db) == 1);
            sqlite3_close(db);
        }
        auto old_names = query_rows(s.db(), "SELECT id, name FROM resident ORDER BY id");
        auto r = s.run({"db", "migrate"});
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        CHECK(r.err == "carecall: warning: resident r-001 (id 2) is now r-001.2: from schema 4 on, "
                       "codes are unique without regard to case and resident R-001 (id 1) has "
                       "that code; check which is which (the audit trail keeps the rename, the "
                       "pre-migration backup the database as it was)\n"
                       "database " +
                           s.db() + " is at schema " + std::to_string(schema_version()) + "\n");
        // Nothing lost: every resident is there with its name; only the code changed.
        CHECK(query_rows(s.db(), "SELECT id, name FROM resident ORDER BY id") == old_names);
        CHECK(s.show("resident", "r-001")["code"] == "R-001");
        CHECK(s.show("resident", "R-001")["name"] == "Margaret Thompson");
        CHECK(s.show("resident", "R-001.2")["name"] == "Arthur Jenkins");
        auto audit = s.json({"audit", "list", "--limit", "1"})["items"][0];
        CHECK(audit["action"] == "rename");
        CHECK(audit["kind"] == "resident");
        CHECK(audit["record_code"] == "r-001.2");
        CHECK(audit["details"]["from"] == "r-001");
        CHECK(audit["details"]["same_as"] == "R-001");
        // The old database is kept as it was.
        CHECK(query_int(s.db() + ".pre-v" + std::to_string(schema_version()) + ".bak",
                        "SELECT count(*) FROM resident WHERE code = 'r-001'") == 1);
        CHECK(s.run({"db", "check"}).code == 0);
        // Migrated once: no second report.
        CHECK(s.run({"resident", "list"}).err.find("warning") == std::string::npos);
    }

} // TEST_SUITE
