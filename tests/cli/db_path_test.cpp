// The database path (docs/cli.md, Where the data lives; docs/reliability.md D1-D3): an empty
// file is no database (exit 5) except to db init; a directory, a FIFO or a device is refused
// naming what it is (exit 66); a URL of a scheme this build does not know is refused (exit 2)
// and nothing is made.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "cli/booking_fixture.hpp"

using namespace carecall::test;
namespace fs = std::filesystem;

TEST_SUITE("cli database path") {

    TEST_CASE("D1: an empty (0-byte) file is not a database (exit 5, left 0 bytes); db init "
              "makes it one") {
        Scratch s;
        s.write("carecall.db", "");
        auto message = s.db() + " is not a carecall database: it is an empty file (0 bytes); "
                                "check the path, or make it a database with carecall db init";
        for (const Args& args : {Args{"agenda"}, Args{"resident", "list"}, Args{"db", "check"},
                                 Args{"db", "migrate"}, Args{"ward", "list", "--json"},
                                 Args{"import", "scenario", "-"}, Args{"db", "backup", "b.db"}}) {
            CAPTURE(Scratch::describe(args));
            auto r = s.run(args, k_care_home);
            INFO("stderr: " << r.err);
            CHECK(r.code == 5);
            CHECK(first_line(r.err) == "carecall: error: " + message);
            CHECK(fs::file_size(s.db()) == 0);
            CHECK_FALSE(fs::exists(s.db() + "-wal"));
            CHECK_FALSE(fs::exists(s.db() + "-journal"));
        }
        auto r = s.run({"--json", "agenda"});
        CHECK(r.code == 5);
        CHECK(contains(r.err, R"("code":"corrupt")"));
        s.ok({"db", "init"});
        CHECK(fs::file_size(s.db()) > 0);
        CHECK(s.run({"resident", "list"}).code == 0);
    }

    TEST_CASE("D2: a directory, a FIFO, a character device or a link to /dev/null as --db is "
              "refused naming what it is (exit 66); nothing made beside it") {
        Scratch s;
        fs::create_directory(s.path("dir.db"));
        REQUIRE(::mkfifo(s.path("fifo.db").c_str(), 0600) == 0);
        fs::create_symlink("/dev/null", s.path("null.db"));
        struct Case {
            std::string path;
            std::string what;
        };
        const std::vector<Case> cases{
            {s.path("dir.db"), s.path("dir.db") + " is a directory"},
            {s.path("fifo.db"), s.path("fifo.db") + " is a FIFO (named pipe)"},
            {"/dev/null", "/dev/null is a character device"},
            {s.path("null.db"),
             s.path("null.db") + " (a symbolic link to /dev/null) is a character device"},
        };
        for (const auto& c : cases) {
            for (const Args& args : {Args{"agenda"}, Args{"db", "init"}, Args{"resident", "list"},
                                     Args{"import", "scenario", "-"}}) {
                CAPTURE(c.path);
                CAPTURE(Scratch::describe(args));
                Args full{"--db", c.path};
                full.insert(full.end(), args.begin(), args.end());
                auto r = s.run(full, k_care_home, {}, false);
                INFO("stderr: " << r.err);
                CHECK(r.code == 66);
                CHECK(first_line(r.err) == "carecall: error: " + c.what +
                                               ", not a database file: check --db or CARECALL_DB");
                CHECK(r.out.empty());
            }
        }
        CHECK(fs::is_empty(s.path("dir.db")));
        CHECK_FALSE(fs::exists("/dev/null-journal"));
        CHECK_FALSE(fs::exists("/dev/null-wal"));
        CHECK_FALSE(fs::exists(s.path("null.db-journal")));
        // The same through CARECALL_DB.
        auto r = s.run({"agenda"}, {}, {"CARECALL_DB=" + s.path("dir.db")}, false);
        CHECK(r.code == 66);
        CHECK(contains(r.err, "is a directory"));
    }

    TEST_CASE("D3: a --db URL of a scheme this build does not know is refused (exit 2); nothing "
              "is created") {
        Scratch s;
        auto here = fs::current_path();
        fs::current_path(s.dir());
        for (const std::string url :
             {"postgresql://carecall@localhost/home", "foo://x", "FOO:bar.db", "mysql:home.db"}) {
            CAPTURE(url);
            auto scheme = url.substr(0, url.find(':'));
            for (const Args& args : {Args{"db", "init"}, Args{"agenda"}}) {
                Args full{"--db", url};
                full.insert(full.end(), args.begin(), args.end());
                auto r = s.run(full, {}, {}, false);
                check_error(r, 2,
                            "--db " + url + ": unknown store URL scheme '" + scheme +
                                "': this carecall knows sqlite:PATH and plain paths");
            }
        }
        std::vector<std::string> made;
        for (const auto& e : fs::directory_iterator(s.dir())) {
            made.push_back(e.path().filename().string());
        }
        fs::current_path(here);
        INFO("made: " << Scratch::describe(made));
        CHECK(made.empty());
        // sqlite:PATH and plain paths still work.
        CHECK(s.run({"--db", "sqlite:" + s.path("a.db"), "db", "init"}, {}, {}, false).code == 0);
        CHECK(fs::file_size(s.path("a.db")) > 0);
        CHECK(s.run({"--db", "sqlite::memory:", "agenda"}, {}, {}, false).code == 0);
    }
}
