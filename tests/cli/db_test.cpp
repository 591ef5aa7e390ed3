// carecall db init|check|backup|migrate, file modes, damaged, foreign and newer files.
#include "cli/at_risk_fixture.hpp"
#include "cli/cli_fixture.hpp"

using namespace carecall::test;

TEST_SUITE("cli db") {

    TEST_CASE("db init creates the file 0600 and new directories 0700, even under umask 000") {
        Scratch s;
        auto dir = s.path("new");
        auto path = dir + "/sub/home.db";
        auto r = s.run(Invocation{{"--db", path, "db", "init"}, {}, {}, false, "000"});
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        CHECK(r.out ==
              "database " + path + " ready (schema " + std::to_string(schema_version()) + ")\n");
        CHECK(r.err.empty());
        CHECK(mode_of(path) == 0600);
        CHECK(mode_of(dir) == 0700);
        CHECK(mode_of(dir + "/sub") == 0700);
        // No -wal or -shm is left behind, or else they are private too.
        for (const auto* suffix : {"-wal", "-shm", "-journal"}) {
            auto m = mode_of(path + suffix);
            CHECK((m == -1 || m == 0600));
        }
        // A write under umask 000 leaves everything private as well.
        r = s.run(
            Invocation{{"--db", path, "site", "add", "S1", "--name", "S1", "--tz", "Europe/London"},
                       {},
                       {},
                       false,
                       "000"});
        CHECK(r.code == 0);
        CHECK(mode_of(path) == 0600);
        for (const auto* suffix : {"-wal", "-shm", "-journal"}) {
            auto m = mode_of(path + suffix);
            CHECK((m == -1 || m == 0600));
        }
    }

    TEST_CASE("db init: again is harmless, --json") {
        Scratch s;
        s.ok({"db", "init"});
        s.ok({"site", "add", "S1", "--name", "S1", "--tz", "Europe/London"});
        auto before = s.dump();
        auto j = s.json({"db", "init"});
        CHECK(j["format"] == "carecall-db/1");
        CHECK(j["path"] == s.db());
        CHECK(j["schema_version"] == schema_version());
        CARECALL_CHECK_SAME(before, s.dump());
        CHECK(s.list("site").size() == 1);
    }

    TEST_CASE("db check: ok, --json, missing file") {
        Scratch s;
        s.ok({"db", "init"});
        auto r = s.run({"db", "check"});
        CHECK(r.code == 0);
        CHECK(r.out == s.db() + ": ok (schema " + std::to_string(schema_version()) + ")\n");
        CHECK(r.err.empty());
        auto j = s.json({"db", "check"});
        CHECK(j["format"] == "carecall-check/1");
        CHECK(j["ok"] == true);
        CHECK(j["problems"] == nlohmann::json::array());
        CHECK(j["schema_version"] == schema_version());

        Scratch empty;
        check_error(
            empty.run({"db", "check"}), 66,
            "no database at " + empty.db() +
                " (from --db): check the path, or make a new database with carecall db init");
        CHECK_FALSE(std::filesystem::exists(empty.db()));
        check_error(
            empty.run({"db", "migrate"}), 66,
            "no database at " + empty.db() +
                " (from --db): check the path, or make a new database with carecall db init");
        check_error(
            empty.run({"db", "backup", empty.path("b.db")}), 66,
            "no database at " + empty.db() +
                " (from --db): check the path, or make a new database with carecall db init");
        CHECK_FALSE(std::filesystem::exists(empty.db()));
        CHECK_FALSE(std::filesystem::exists(empty.path("b.db")));
    }

    TEST_CASE("db: a file that is not a carecall database exits 5 and is left untouched") {
        Scratch s;
        auto refused = [&](const std::string& what) {
            INFO("case: " << what);
            auto bytes = s.snapshot();
            for (const auto& args : std::vector<Args>{
                     {"db", "check"},
                     {"db", "init"},
                     {"db", "migrate"},
                     {"site", "list"},
                     {"site", "add", "S1", "--name", "S1", "--tz", "Europe/London"}}) {
                INFO("args: " << Scratch::describe(args));
                auto r = s.run(args);
                INFO("stderr: " << r.err);
                CHECK(r.code == 5);
                CHECK(r.out.empty());
                CHECK(starts_with(r.err,
                                  "carecall: error: " + s.db() + " is not a carecall database"));
                CHECK(r.err.find('\n') == r.err.size() - 1);
            }
            CHECK_MESSAGE(s.snapshot() == bytes, "the database file's bytes changed");
        };

        SUBCASE("text") {
            std::string text;
            for (int i = 0; i < 200; ++i) {
                text += "this is not a database, just a text file that happens to be here\n";
            }
            s.write("carecall.db", text);
            refused("text");
        }
        SUBCASE("a damaged header") {
            s.init();
            s.ok({"site", "add", "S1", "--name", "S1", "--tz", "Europe/London"});
            auto bytes = slurp(s.db());
            REQUIRE(bytes.size() > 100);
            for (std::size_t i = 0; i < 16; ++i) {
                bytes[i] = 'X';
            }
            s.write("carecall.db", bytes);
            refused("header");
        }
        SUBCASE("another program's SQLite database") {
            exec_sql(s.db(), "CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL);"
                             "INSERT INTO invoices(total) VALUES (12.5);");
            refused("foreign");
            CHECK(contains(logical_dump(s.db()), "12.5"));
        }
        SUBCASE("another program's application_id") {
            exec_sql(s.db(), "PRAGMA application_id = 1234;");
            refused("application_id");
        }
    }

    TEST_CASE("db check: a damaged page is found and exits 5") {
        Scratch s;
        s.ok({"-q", "import", "scenario", source_path("tests/data/scenario-ward-day.json")});
        auto bytes = slurp(s.db());
        auto page_size = static_cast<std::size_t>(static_cast<unsigned char>(bytes.at(16))) * 256 +
                         static_cast<unsigned char>(bytes.at(17));
        REQUIRE(page_size >= 512);
        REQUIRE(bytes.size() >= 3 * page_size);
        // Page 1 (the header and the schema) stays intact so that the file opens; every other page
        // gets scribbled over inside.
        for (std::size_t page = 1; page < bytes.size() / page_size; ++page) {
            for (std::size_t i = 100; i < page_size - 100; ++i) {
                bytes[page * page_size + i] = static_cast<char>(0xA5);
            }
        }
        s.write("carecall.db", bytes);
        auto r = s.run({"db", "check"});
        INFO("stdout: " << r.out);
        INFO("stderr: " << r.err);
        CHECK(r.code == 5);
        // Found on opening, or by the check itself.
        CHECK((starts_with(r.err, "carecall: error: " + s.db() +
                                      " is not a carecall database (or it is corrupt): ") ||
               starts_with(r.err, "carecall: error: " + s.db() + " failed its check: ")));
    }

    TEST_CASE("db: a database from a newer carecall exits 78 and is left untouched") {
        Scratch s;
        s.init();
        s.ok({"site", "add", "S1", "--name", "S1", "--tz", "Europe/London"});
        exec_sql(s.db(), "PRAGMA user_version = 9999;");
        auto bytes = s.snapshot();
        auto rows = s.dump();
        for (const auto& args :
             std::vector<Args>{{"db", "check"},
                               {"db", "migrate"},
                               {"db", "init"},
                               {"site", "list"},
                               {"site", "add", "S2", "--name", "S2", "--tz", "Europe/London"}}) {
            INFO("args: " << Scratch::describe(args));
            check_error(s.run(args), 78,
                        s.db() + " was made by a newer carecall (schema 9999; this one knows " +
                            std::to_string(schema_version()) + "): upgrade carecall");
        }
        CHECK_MESSAGE(s.snapshot() == bytes, "the database file's bytes changed");
        CARECALL_CHECK_SAME(rows, s.dump());
        auto r = s.run({"--json", "site", "list"});
        auto j = parse_json(r.err.substr(r.err.find('\n') + 1));
        CHECK(j["code"] == "schema_too_new");
        CHECK(j["exit"] == 78);
    }

    TEST_CASE("db migrate: a current database is left as it is") {
        Scratch s;
        s.init();
        s.ok({"site", "add", "S1", "--name", "S1", "--tz", "Europe/London"});
        auto rows = s.dump();
        auto r = s.run({"db", "migrate"});
        CHECK(r.code == 0);
        CHECK(r.out.empty());
        CHECK(r.err ==
              "database " + s.db() + " is at schema " + std::to_string(schema_version()) + "\n");
        CARECALL_CHECK_SAME(rows, s.dump());
    }

    TEST_CASE("db backup: a consistent copy, 0600, that opens as a carecall database") {
        Scratch s;
        small_home(s);
        auto target = s.path("backup-1.db");
        auto r = s.run(Invocation{{"db", "backup", target}, {}, {}, true, "000"});
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        CHECK(r.out.empty());
        CHECK(r.err == "backed up " + s.db() + " to " + target + "\n");
        CHECK(mode_of(target) == 0600);

        // The copy holds the same records and passes its check.
        auto copy = [&](const Args& args) {
            Args a = {"--db", target};
            a.insert(a.end(), args.begin(), args.end());
            return s.run(Invocation{a, {}, {}, false, {}});
        };
        CHECK(copy({"db", "check"}).code == 0);
        CHECK(copy({"--json", "resident", "list"}).out ==
              s.run({"--json", "resident", "list"}).out);
        CHECK(copy({"--json", "contact", "show", "C-RAJ"}).out ==
              s.run({"--json", "contact", "show", "C-RAJ"}).out);

        // An existing file is never overwritten.
        s.write("existing.db", "precious");
        check_error(s.run({"db", "backup", s.path("existing.db")}), 3,
                    "backup file " + s.path("existing.db") + " already exists: choose a new name");
        CHECK(s.read("existing.db") == "precious");
        check_error(s.run({"db", "backup", s.path("backup-1.db")}), 3,
                    "backup file " + target + " already exists: choose a new name");

        check_error(s.run({"db", "backup"}), 2, "file is required (see carecall --help)");
    }

    TEST_CASE("db without a subcommand is a usage error") {
        Scratch s;
        check_error(s.run({"db"}), 2, "A subcommand is required (see carecall --help)");
        check_error(s.run({"db", "vacuum"}), 2, "unknown command: vacuum (see carecall --help)");
        CHECK_FALSE(std::filesystem::exists(s.db()));
    }

} // TEST_SUITE

TEST_SUITE("cli db") {
    TEST_CASE("db check: booked calls at risk are listed by ward and day and exit 3") {
        Scratch s;
        booked_calls(s);
        CHECK(run_at(s, {"db", "check"}).code == 0);
        REQUIRE(break_portal(s).code == 0);
        auto bytes = s.snapshot();
        auto r = run_at(s, {"db", "check"});
        INFO("stderr: " << r.err);
        CHECK(r.code == 3);
        CHECK(starts_with(r.out, "ward W-ROSE:\n  Mon 2027-07-05\n    B-1 10:00-10:30 BST R-IVY: "
                                 "AT RISK: device.out_of_service: "));
        CHECK(contains(r.out, s.db() + ": BOOKED CALLS AT RISK (schema "));
        CHECK_FALSE(contains(r.out, "B-2"));
        CHECK(first_line(r.err) == "carecall: error: 1 booked call breaks a rule: carecall repair "
                                   "--dry-run shows what repair would do");
        auto j = run_at(s, {"--json", "db", "check"});
        CHECK(j.code == 3);
        auto doc = parse_json(j.out);
        CHECK(doc["ok"] == false);
        REQUIRE(doc["broken_calls"].size() == 1);
        CHECK(doc["broken_calls"][0]["booking"]["code"] == "B-1");
        CHECK(doc["broken_calls"][0]["violations"][0]["rule"] == "device.out_of_service");
        CHECK(doc["broken_calls"][0]["lasting"] == false);
        CHECK(error_json(j.err)["code"] == "conflict");
        CHECK(error_json(j.err)["exit"] == 3);
        CHECK(s.snapshot() == bytes); // a check writes nothing
    }
}
