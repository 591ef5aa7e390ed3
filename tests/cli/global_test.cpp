// Global behaviour of the command: --version, --help, usage errors, JSON errors, where the
// database lives (--db, CARECALL_DB, XDG_DATA_HOME, HOME), -q.
#include <regex>

#include "cli/cli_fixture.hpp"

using namespace carecall::test;

TEST_SUITE("cli global") {

    TEST_CASE("global: --version prints the tool, schema and tz database versions") {
        Scratch s;
        auto r = s.run({"--version"}, {}, {}, false);
        CHECK(r.code == 0);
        CHECK(r.err.empty());
        INFO("stdout: " << r.out);
        CHECK(std::regex_match(
            r.out,
            std::regex(
                R"(carecall \d+\.\d+\.\d+ \(schema [1-9]\d*, tz database 20\d\d[a-z]+\)\n)")));
        // It opens no database.
        CHECK_FALSE(std::filesystem::exists(s.db()));
    }

    TEST_CASE("global: --help exits 0 on every level, with an example") {
        Scratch s;
        // Every level of the tree, sampled (each command's own help is built the same way).
        const std::vector<Args> levels = {
            {"--help"},
            {"db", "--help"},
            {"db", "check", "--help"},
            {"db", "backup", "-h"},
            {"site", "--help"},
            {"site", "add", "--help"},
            {"ward", "list", "--help"},
            {"resident", "consent", "--help"},
            {"contact", "approve", "--help"},
            {"device", "remove", "--help"},
            {"request", "edit", "-h"},
            {"import", "scenario", "--help"},
            {"export", "scenario", "--help"},
            {"audit", "list", "--help"},
        };
        for (const auto& args : levels) {
            auto r = s.run(args, {}, {}, false);
            INFO("args: " << Scratch::describe(args));
            INFO("stderr: " << r.err);
            CHECK(r.code == 0);
            CHECK(contains(r.out, "Usage:"));
            CHECK(contains(r.out, "Example:"));
            CHECK(r.err.empty());
        }
        // Help never opens (or creates) a database.
        CHECK_FALSE(std::filesystem::exists(s.db()));
        auto r = s.run({"site", "add", "--help"}, {}, {}, false);
        CHECK(contains(r.out, "--tz"));
        CHECK(contains(r.out, "carecall site add SUNNY"));
    }

    TEST_CASE("global: usage errors exit 2 with one line on stderr and nothing on stdout") {
        Scratch s;
        s.ok({"db", "init"});
        auto before = s.dump();
        check_error(s.run({"--bogus", "site", "list"}), 2,
                    "The following argument was not expected: --bogus (see carecall --help)");
        check_error(s.run({"site", "list", "--bogus"}), 2,
                    "The following argument was not expected: --bogus (see carecall --help)");
        check_error(s.run(Args{}), 2, "A subcommand is required (see carecall --help)");
        check_error(s.run({"site"}), 2, "A subcommand is required (see carecall --help)");
        check_error(s.run({"frobnicate"}), 2, "unknown command: frobnicate (see carecall --help)");
        auto r = s.run({"site", "show"});
        CHECK(r.code == 2);
        CHECK(starts_with(r.err, "carecall: error: code is required"));
        CHECK(r.out.empty());
        r = s.run({"--format", "xml", "site", "list"});
        CHECK(r.code == 2);
        CHECK(starts_with(r.err, "carecall: error: --format: xml not in {"));
        r = s.run({"--wait", "-1", "site", "list"});
        CHECK(r.code == 2);
        CHECK(starts_with(r.err, "carecall: error: --wait: Value -1 not in range"));
        // Usage errors write nothing.
        CARECALL_CHECK_SAME(before, s.dump());
        CHECK(s.run({"site", "list"}).code == 0);
    }

    TEST_CASE("global: options may follow the subcommand (carecall site list --json)") {
        Scratch s;
        s.init();
        s.ok({"site", "add", "SUNNY", "--name", "SUNNY", "--tz", "Europe/London"});
        auto r = s.run({"site", "list", "--json"});
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        CHECK(parse_json(r.out)["items"].size() == 1);
        // --format json is the same as --json.
        CHECK(s.run({"site", "list", "--format", "json"}).out == r.out);
        CHECK(s.run({"--format", "json", "site", "list"}).out == r.out);
        // --db after the subcommand wins over CARECALL_DB as well.
        r = s.run(Invocation{{"site", "show", "SUNNY", "--db", s.db(), "-q"},
                             {},
                             {"CARECALL_DB=" + s.path("other.db")},
                             false,
                             {}});
        CHECK(r.code == 0);
        CHECK(contains(r.out, "Europe/London"));
        CHECK_FALSE(std::filesystem::exists(s.path("other.db")));
    }

    TEST_CASE("global: with --json an error is also a JSON object on stderr with a stable code") {
        Scratch s;
        s.ok({"db", "init"});

        SUBCASE("not found") {
            auto r = s.run({"--json", "site", "show", "NOPE"});
            CHECK(r.code == 4);
            CHECK(r.out.empty());
            auto nl = r.err.find('\n');
            REQUIRE(nl != std::string::npos);
            CHECK(r.err.substr(0, nl) == "carecall: error: site NOPE not found");
            auto j = parse_json(r.err.substr(nl + 1));
            CHECK(j["format"] == "carecall-error/1");
            CHECK(j["code"] == "not_found");
            CHECK(j["exit"] == 4);
            CHECK(j["message"] == "site NOPE not found");
        }
        SUBCASE("invalid input names the field") {
            auto r = s.run({"--json", "site", "add", "S1", "--name", "S1", "--tz", "Europe/Londn"});
            CHECK(r.code == 65);
            CHECK(r.out.empty());
            auto nl = r.err.find('\n');
            REQUIRE(nl != std::string::npos);
            auto j = parse_json(r.err.substr(nl + 1));
            CHECK(j["code"] == "invalid_input");
            CHECK(j["exit"] == 65);
            CHECK(j["field"] == "--tz");
            CHECK(j["message"] == "--tz: unknown time zone 'Europe/Londn' (expected an IANA name "
                                  "such as Europe/London)");
        }
        SUBCASE("usage, with --json after the subcommand") {
            auto r = s.run({"site", "list", "--json", "--bogus"});
            CHECK(r.code == 2);
            CHECK(r.out.empty());
            auto nl = r.err.find('\n');
            REQUIRE(nl != std::string::npos);
            auto j = parse_json(r.err.substr(nl + 1));
            CHECK(j["code"] == "usage");
            CHECK(j["exit"] == 2);
        }
        SUBCASE("conflict") {
            s.ok({"site", "add", "S1", "--name", "S1", "--tz", "Europe/London"});
            auto r =
                s.run({"--json", "site", "add", "S1", "--name", "S1", "--tz", "Europe/London"});
            CHECK(r.code == 3);
            auto nl = r.err.find('\n');
            REQUIRE(nl != std::string::npos);
            auto j = parse_json(r.err.substr(nl + 1));
            CHECK(j["code"] == "conflict");
            CHECK(j["exit"] == 3);
        }
        SUBCASE("without --json there is no JSON") {
            auto r = s.run({"site", "show", "NOPE"});
            CHECK(r.err == "carecall: error: site NOPE not found\n");
        }
    }

    TEST_CASE("global: --db wins over CARECALL_DB, which wins over XDG_DATA_HOME and HOME") {
        Scratch s;
        auto flag_db = s.path("flag.db");
        auto env_db = s.path("env.db");
        auto xdg = s.path("xdg");
        auto home = s.path("home");

        SUBCASE("--db") {
            auto r =
                s.run(Invocation{{"--db", flag_db, "db", "init"},
                                 {},
                                 {"CARECALL_DB=" + env_db, "XDG_DATA_HOME=" + xdg, "HOME=" + home},
                                 false,
                                 {}});
            CHECK(r.code == 0);
            CHECK(r.out == "database " + flag_db + " ready (schema " +
                               std::to_string(schema_version()) + ")\n");
            CHECK(std::filesystem::exists(flag_db));
            CHECK_FALSE(std::filesystem::exists(env_db));
            CHECK_FALSE(std::filesystem::exists(xdg));
            CHECK_FALSE(std::filesystem::exists(home));
        }
        SUBCASE("CARECALL_DB") {
            auto r =
                s.run(Invocation{{"db", "init"},
                                 {},
                                 {"CARECALL_DB=" + env_db, "XDG_DATA_HOME=" + xdg, "HOME=" + home},
                                 false,
                                 {}});
            CHECK(r.code == 0);
            CHECK(starts_with(r.out, "database " + env_db + " ready (schema "));
            CHECK(std::filesystem::exists(env_db));
            CHECK_FALSE(std::filesystem::exists(xdg));
            CHECK_FALSE(std::filesystem::exists(home));
        }
        SUBCASE("an empty CARECALL_DB counts as unset") {
            auto r = s.run(Invocation{{"db", "init"},
                                      {},
                                      {"CARECALL_DB=", "XDG_DATA_HOME=" + xdg, "HOME=" + home},
                                      false,
                                      {}});
            CHECK(r.code == 0);
            CHECK(std::filesystem::exists(xdg + "/carecall/carecall.db"));
        }
        SUBCASE("XDG_DATA_HOME, directories created 0700 and the file 0600") {
            auto r = s.run(Invocation{
                {"db", "init"}, {}, {"XDG_DATA_HOME=" + xdg, "HOME=" + home}, false, "000"});
            CHECK(r.code == 0);
            auto path = xdg + "/carecall/carecall.db";
            CHECK(r.out == "database " + path + " ready (schema " +
                               std::to_string(schema_version()) + ")\n");
            CHECK(mode_of(path) == 0600);
            CHECK(mode_of(xdg + "/carecall") == 0700);
            CHECK_FALSE(std::filesystem::exists(home));
            // The next command finds it there without being told.
            r = s.run(Invocation{{"site", "add", "S1", "--name", "S1", "--tz", "Europe/London"},
                                 {},
                                 {"XDG_DATA_HOME=" + xdg, "HOME=" + home},
                                 false,
                                 {}});
            CHECK(r.code == 0);
            r = s.run(Invocation{{"--db", path, "site", "list", "-q"}, {}, {}, false, {}});
            CHECK(contains(r.out, "S1"));
        }
        SUBCASE("HOME when XDG_DATA_HOME is unset or not absolute") {
            auto r = s.run(
                Invocation{{"db", "init"}, {}, {"-XDG_DATA_HOME", "HOME=" + home}, false, {}});
            CHECK(r.code == 0);
            CHECK(std::filesystem::exists(home + "/.local/share/carecall/carecall.db"));
            std::filesystem::remove_all(home);
            r = s.run(Invocation{
                {"db", "init"}, {}, {"XDG_DATA_HOME=relative/dir", "HOME=" + home}, false, {}});
            CHECK(r.code == 0);
            CHECK(std::filesystem::exists(home + "/.local/share/carecall/carecall.db"));
        }
        SUBCASE("nothing set: exit 78") {
            auto r =
                s.run(Invocation{{"site", "list"}, {}, {"-XDG_DATA_HOME", "-HOME"}, false, {}});
            check_error(r, 78,
                        "no database given: use --db PATH or set CARECALL_DB (HOME is not set)");
        }
    }

    TEST_CASE("global: -q silences messages but not data") {
        Scratch s;
        s.init();
        auto r = s.run({"-q", "site", "add", "S1", "--name", "S1", "--tz", "Europe/London"});
        CHECK(r.code == 0);
        CHECK(r.err.empty());
        CHECK(r.out.empty());
        r = s.run({"site", "add", "S2", "--name", "S2", "--tz", "Europe/London"});
        CHECK(r.err == "added site S2\n");
        r = s.run({"site", "list", "--quiet"});
        CHECK(r.code == 0);
        CHECK(r.err.empty());
        CHECK(contains(r.out, "S1"));
        CHECK(contains(r.out, "S2"));
        r = s.run({"site", "list"});
        CHECK(r.err == "2 sites\n");
    }

    TEST_CASE("global: a command that needs a database refuses a missing file with exit 66") {
        Scratch s;
        // Only "db init" and an import into a named path create a database; any other command on
        // a missing file (a mistyped --db, a forgotten one) says which path it looked at and why.
        const std::string from_db = "no database at " + s.db() +
                                    " (from --db): check the path, or make a new database with "
                                    "carecall db init";
        for (const auto& args : std::vector<Args>{
                 {"site", "list"},
                 {"site", "add", "S1", "--name", "Oaks", "--tz", "Europe/London"},
                 {"site", "show", "S1"},
                 {"site", "edit", "S1", "--name", "x"},
                 {"resident", "list"},
                 {"resident", "remove", "R1", "--yes"},
                 {"resident", "consent", "R1", "--status", "given"},
                 {"contact", "approve", "C1", "--resident", "R1"},
                 {"contact", "revoke", "C1", "--resident", "R1"},
                 {"book", "--resident", "R1", "--contact", "C1", "--at", "2027-07-01 10:00"},
                 {"agenda"},
                 {"audit", "list"},
                 {"export", "scenario"}}) {
            INFO("args: " << Scratch::describe(args));
            check_error(s.run(args), 66, from_db);
            CHECK_FALSE(std::filesystem::exists(s.db()));
        }

        // CARECALL_DB and the default location are named as such; the default never gets a
        // database made by anything but db init.
        auto via_env = s.run(
            Invocation{{"resident", "list"}, {}, {"CARECALL_DB=" + s.path("env.db")}, false, {}});
        check_error(via_env, 66,
                    "no database at " + s.path("env.db") +
                        " (from CARECALL_DB): check the path, or make a new database with "
                        "carecall db init");
        const std::string home = s.path("home");
        const std::string default_db = home + "/.local/share/carecall/carecall.db";
        for (const auto& args :
             std::vector<Args>{{"resident", "list"},
                               {"import", "scenario", source_path("examples/sunnyside.json")}}) {
            INFO("args: " << Scratch::describe(args));
            auto r = s.run(Invocation{args, {}, {"-XDG_DATA_HOME", "HOME=" + home}, false, {}});
            check_error(r, 66,
                        "no database at " + default_db +
                            " (from the default location): no --db or CARECALL_DB was given; "
                            "name the database with --db PATH, or make one here with carecall "
                            "db init");
            CHECK_FALSE(std::filesystem::exists(default_db));
        }
        // An import into a path named with --db makes it, as db init does.
        s.ok({"-q", "import", "scenario", source_path("examples/sunnyside.json")});
        CHECK(std::filesystem::exists(s.db()));
    }

} // TEST_SUITE
