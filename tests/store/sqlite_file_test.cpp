// The SQLite backend on real files: opening, identity, migrations, file modes, settings of the
// connection, locking, and failures (reliability.md S*, M*, P1, U2, C3).

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "store_fixture.hpp"

using namespace carecall;
using namespace carecall::test;

namespace {

/// A carecall database at `path` holding the sample records; closed again.
void make_database(const std::string& path) {
    auto store = open_test_store("sqlite:" + path);
    add_sample(*store);
}

std::string corrupt_message(const std::string& path, const std::string& why) {
    return path + " is not a carecall database (or it is corrupt): " + why;
}

template <class F>
StorageError storage_error_of(F&& f) {
    try {
        f();
    } catch (const StorageError& e) {
        return e;
    }
    FAIL("no StorageError was thrown");
    return {ExitCode::ok, "", ""};
}

} // namespace

TEST_SUITE("store") {

    TEST_CASE("parse_store_url: a scheme of two or more characters, in lower case; else a path") {
        auto check = [](std::string_view url, const std::string& scheme, const std::string& rest) {
            auto u = parse_store_url(url);
            CHECK(u.scheme == scheme);
            CHECK(u.rest == rest);
        };
        check("sqlite:/var/lib/carecall.db", "sqlite", "/var/lib/carecall.db");
        check("SQLite::memory:", "sqlite", ":memory:");
        check("PostgreSQL://db/carecall", "postgresql", "//db/carecall");
        check("/var/lib/carecall.db", "", "/var/lib/carecall.db");
        check("C:carecall.db", "", "C:carecall.db"); // one letter stays a path
        check("my db:x.db", "", "my db:x.db");       // a space is no scheme character
        check("2db:x", "", "2db:x");                 // a scheme starts with a letter
    }

    TEST_CASE("store URLs") {
        TempDir dir;
        CHECK_THROWS_WITH_AS(static_cast<void>(open_store("postgres://db.example/carecall")),
                             "unknown store URL scheme 'postgres' (expected sqlite:PATH)",
                             UsageError);
        CHECK_THROWS_WITH_AS(static_cast<void>(open_store("sqlite:")),
                             "store URL 'sqlite:' names no file (expected sqlite:PATH)",
                             UsageError);
        CHECK_THROWS_WITH_AS(static_cast<void>(open_store("")),
                             "no store given (expected sqlite:PATH)", UsageError);
        try {
            static_cast<void>(open_store("mysql:x"));
        } catch (const UsageError& e) {
            CHECK(e.exit_code() == ExitCode::usage);
        }

        auto bare = dir.path("bare.db");
        open_test_store(bare)->sites().add(make_site("S1"));
        auto again = open_test_store("sqlite:" + bare);
        CHECK(again->url() == "sqlite:" + bare);
        CHECK(again->sites().find_by_code("S1"));
        CHECK(open_test_store(":memory:")->url() == "sqlite::memory:");
        CHECK(open_test_store("SQLite::memory:")->url() == "sqlite::memory:");
    }

    TEST_CASE("a new database is 0600 in new 0700 directories, whatever the umask") {
        TempDir dir;
        UmaskGuard umask_guard(0);
        std::filesystem::create_directory(dir.path("existing"));
        ::chmod(dir.path("existing").c_str(), 0755);
        auto path = dir.path("existing/new/deeper/carecall.db");
        {
            auto store = open_test_store("sqlite:" + path);
            store->sites().add(make_site("S1"));
            CHECK(mode_of(path) == 0600);
            CHECK(mode_of(path + "-wal") == 0600);
            CHECK(mode_of(path + "-shm") == 0600);
        }
        CHECK(mode_of(dir.path("existing/new")) == 0700);
        CHECK(mode_of(dir.path("existing/new/deeper")) == 0700);
        CHECK(mode_of(dir.path("existing")) == 0755); // not ours to change

        UmaskGuard usual(022);
        auto other = dir.path("other/carecall.db");
        open_test_store("sqlite:" + other);
        CHECK(mode_of(other) == 0600);
        CHECK(mode_of(dir.path("other")) == 0700);
    }

    TEST_CASE("a missing file is not created when create is off") {
        TempDir dir;
        auto path = dir.path("none/carecall.db");
        auto options = test_options();
        options.create = false;
        auto e = storage_error_of([&] { open_test_store("sqlite:" + path, options); });
        CHECK(e.exit_code() == ExitCode::no_input);
        CHECK(std::string(e.what()) == "database " + path + " does not exist");
        CHECK_FALSE(exists(dir.path("none")));
        options.create = true;
        options.read_only = true;
        CHECK_THROWS_AS(open_test_store("sqlite:" + path, options), StorageError);
        CHECK_FALSE(exists(path));
    }

    TEST_CASE("an empty file becomes a carecall database; reopening keeps the data") {
        TempDir dir;
        auto path = dir.path("empty.db");
        write_bytes(path, "");
        ::chmod(path.c_str(), 0600);
        {
            auto store = open_test_store("sqlite:" + path);
            CHECK(store->schema_version() == current_schema_version());
            CHECK(store->check().ok);
            add_sample(*store);
        }
        {
            RawDb raw(path, SQLITE_OPEN_READONLY);
            CHECK(raw.query_int("PRAGMA application_id") == 0x43434C4C);
            CHECK(raw.query_int("PRAGMA user_version") == current_schema_version());
        }
        auto store = open_test_store("sqlite:" + path);
        CHECK(store->residents().list().size() == 1);
        CHECK(audit_count(*store) == 8);
        CHECK(mode_of(path) == 0600);
    }

    TEST_CASE("every connection gets the reliability settings") {
        TempDir dir;
        auto path = dir.path("settings.db");
        auto store = open_test_store("sqlite:" + path, test_options(1234));
        auto& db = connection_of(*store);
        CHECK(db.query_int("PRAGMA foreign_keys") == 1);
        CHECK(db.query_int("PRAGMA secure_delete") == 1);
        CHECK(db.query_int("PRAGMA synchronous") == 2); // FULL
        CHECK(db.query_int("PRAGMA trusted_schema") == 0);
        CHECK(db.query_int("PRAGMA busy_timeout") == 1234);
        CHECK(db.query_int("PRAGMA application_id") == 0x43434C4C);
        {
            auto stmt = db.prepare("PRAGMA journal_mode");
            REQUIRE(stmt.step());
            CHECK(stmt.get_text(0) == "wal");
        }
        int defensive = -1;
        sqlite3_db_config(db.handle(), SQLITE_DBCONFIG_DEFENSIVE, -1, &defensive);
        CHECK(defensive == 1);

        auto memory = open_test_store("sqlite::memory:");
        CHECK(connection_of(*memory).query_int("PRAGMA foreign_keys") == 1);
    }

    TEST_CASE("a file that is not SQLite is refused untouched (exit 5)") {
        TempDir dir;
        const std::string long_text = [] {
            std::string s;
            for (int i = 0; i < 200; ++i) {
                s += "name,room\nEdith Jones,12B\n";
            }
            return s;
        }();
        for (const std::string& content : {long_text, std::string("hello")}) {
            CAPTURE(content.size());
            auto path = dir.path("residents.csv");
            write_bytes(path, content);
            auto e = storage_error_of([&] { open_test_store("sqlite:" + path); });
            CHECK(e.exit_code() == ExitCode::corrupt);
            CHECK(e.code_name() == "corrupt");
            CHECK(std::string(e.what()) ==
                  corrupt_message(path, "file is not a database; restore a backup"));
            CHECK(e.native_code() == SQLITE_NOTADB);
            CHECK(read_bytes(path) == content);
            CHECK_FALSE(exists(path + "-wal"));
            CHECK_FALSE(exists(path + "-journal"));
        }
    }

    TEST_CASE("a corrupt carecall database is refused (exit 5), never a crash") {
        TempDir dir;
        auto path = dir.path("corrupt.db");
        make_database(path);
        auto bytes = read_bytes(path);
        REQUIRE(bytes.size() > 4096);
        SUBCASE("a corrupt header") {
            for (std::size_t i = 16; i < 100; ++i) {
                bytes[i] = '\xA5';
            }
        }
        SUBCASE("a corrupt page") {
            for (std::size_t i = 4096 + 8; i < bytes.size(); ++i) {
                bytes[i] = static_cast<char>(i * 7);
            }
        }
        write_bytes(path, bytes);
        try {
            auto store = open_test_store("sqlite:" + path);
            // Some damage is only found when the page is read.
            static_cast<void>(store->sites().list());
            static_cast<void>(store->residents().list());
            static_cast<void>(store->devices().list());
            auto report = store->check();
            CHECK_FALSE(report.ok);
        } catch (const StorageError& e) {
            CHECK(e.exit_code() == ExitCode::corrupt);
            CHECK(std::string(e.what()).rfind(
                      path + " is not a carecall database (or it is corrupt): ", 0) == 0);
        }
    }

    TEST_CASE("another program's SQLite file is refused untouched (exit 5)") {
        TempDir dir;
        auto path = dir.path("mail.db");
        SUBCASE("tables, no application_id") {
            RawDb raw(path);
            REQUIRE(raw.exec("CREATE TABLE message (id INTEGER PRIMARY KEY, body TEXT); "
                             "INSERT INTO message (body) VALUES ('hi');") == SQLITE_OK);
        }
        SUBCASE("someone else's application_id") {
            RawDb raw(path);
            REQUIRE(raw.exec("PRAGMA application_id = 305419896") == SQLITE_OK); // 0x12345678
        }
        auto bytes = read_bytes(path);
        REQUIRE_FALSE(bytes.empty());
        auto e = storage_error_of([&] { open_test_store("sqlite:" + path); });
        CHECK(e.exit_code() == ExitCode::corrupt);
        auto what = std::string(e.what());
        CHECK((what == corrupt_message(path, "it holds another program's tables; check the path or "
                                             "restore a backup") ||
               what == corrupt_message(path, "it belongs to another program (application_id "
                                             "0x12345678); check the path or restore a backup")));
        CHECK(read_bytes(path) == bytes);
        CHECK_FALSE(exists(path + "-wal"));
    }

    TEST_CASE("a database from a newer carecall is refused untouched (exit 78)") {
        TempDir dir;
        auto path = dir.path("newer.db");
        make_database(path);
        {
            RawDb raw(path);
            REQUIRE(raw.exec("PRAGMA user_version = 99") == SQLITE_OK);
        }
        auto bytes = read_bytes(path);
        REQUIRE_FALSE(exists(path + "-wal"));
        CHECK_THROWS_WITH_AS(open_test_store("sqlite:" + path),
                             (path + " was made by a newer carecall (schema 99; this one knows " +
                              std::to_string(current_schema_version()) + "): upgrade carecall")
                                 .c_str(),
                             SchemaTooNew);
        try {
            open_test_store("sqlite:" + path);
        } catch (const SchemaTooNew& e) {
            CHECK(e.exit_code() == ExitCode::config);
        }
        CHECK(read_bytes(path) == bytes);
        CHECK_FALSE(exists(path + "-wal"));
        RawDb raw(path, SQLITE_OPEN_READONLY);
        CHECK(raw.query_int("PRAGMA user_version") == 99);
    }

    TEST_CASE("audit rows cannot be changed, even by another program") {
        TempDir dir;
        auto path = dir.path("audit.db");
        make_database(path);
        RawDb raw(path);
        auto rows = raw.query_int("SELECT count(*) FROM audit");
        CHECK(rows == 8);
        CHECK(raw.exec("UPDATE audit SET os_user = 'nobody'") == SQLITE_CONSTRAINT);
        CHECK(raw.error() == "audit rows cannot be changed");
        CHECK(raw.exec("DELETE FROM audit WHERE id = 1") == SQLITE_CONSTRAINT);
        CHECK(raw.error() == "audit rows cannot be changed");
        CHECK(raw.query_int("SELECT count(*) FROM audit") == rows);
        CHECK(raw.query_int("SELECT count(*) FROM audit WHERE os_user = 'tester'") == rows);
    }

    TEST_CASE("a writer holding the lock makes a change wait, then fail with exit 75") {
        TempDir dir;
        auto path = dir.path("busy.db");
        make_database(path);
        RawDb other(path);
        REQUIRE(other.exec("BEGIN IMMEDIATE") == SQLITE_OK);

        auto store = open_test_store("sqlite:" + path, test_options(100));
        auto started = std::chrono::steady_clock::now();
        auto e = storage_error_of([&] { store->sites().add(make_site("S2")); });
        auto waited = std::chrono::steady_clock::now() - started;
        CHECK(e.exit_code() == ExitCode::busy);
        CHECK(e.code_name() == "busy");
        CHECK(std::string(e.what()) ==
              "database " + path + " is busy: another carecall is writing; retry");
        CHECK((e.native_code() & 0xff) == SQLITE_BUSY);
        CHECK(waited >= std::chrono::milliseconds(90));

        CHECK_THROWS_AS(static_cast<void>(store->begin()), StorageError);
        // Reads still work while the other writer holds the lock.
        CHECK(store->sites().list().size() == 1);
        CHECK(store->check().ok);

        REQUIRE(other.exec("COMMIT") == SQLITE_OK);
        store->sites().add(make_site("S2"));
        CHECK(store->sites().list().size() == 2);
    }

    TEST_CASE("processes creating and writing one new database at once all succeed") {
        // The file creation, the migration and every change race here; BEGIN IMMEDIATE with the
        // busy timeout and the re-read version inside the migration make each one wait its turn.
        TempDir dir;
        auto path = dir.path("race/carecall.db");
        constexpr int k_processes = 8;
        constexpr int k_changes = 10;
        std::vector<pid_t> children;
        for (int p = 0; p < k_processes; ++p) {
            pid_t pid = ::fork();
            REQUIRE(pid >= 0);
            if (pid == 0) {
                int status = 0;
                try {
                    auto store = open_store("sqlite:" + path, test_options(20000));
                    for (int i = 0; i < k_changes; ++i) {
                        store->sites().add(make_site(fmt::format("S{}-{}", p, i)));
                    }
                    try {
                        store->sites().add(make_site("SHARED"));
                    } catch (const Conflict&) {
                        status = 3;
                    }
                } catch (const StorageError& e) {
                    std::fprintf(stderr, "process %d: %s (%d)\n", p, e.what(), e.native_code());
                    status = 1;
                } catch (const std::exception& e) {
                    std::fprintf(stderr, "process %d: %s\n", p, e.what());
                    status = 1;
                }
                ::_exit(status);
            }
            children.push_back(pid);
        }
        int added_shared = 0;
        for (auto pid : children) {
            int status = 0;
            REQUIRE(::waitpid(pid, &status, 0) == pid);
            REQUIRE(WIFEXITED(status));
            CHECK((WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3));
            added_shared += WEXITSTATUS(status) == 0 ? 1 : 0;
        }
        CHECK(added_shared == 1); // exactly one process got the shared code
        auto store = open_test_store("sqlite:" + path);
        CHECK(store->sites().list().size() == k_processes * k_changes + 1);
        CHECK(audit_count(*store) == k_processes * k_changes + 1);
        CHECK(store->check().ok);
    }

    TEST_CASE("two stores on one file see each other's changes and codes") {
        TempDir dir;
        auto path = dir.path("shared.db");
        auto a = open_test_store("sqlite:" + path);
        auto b = open_test_store("sqlite:" + path);
        a->sites().add(make_site("S1"));
        CHECK(b->sites().find_by_code("S1"));
        CHECK_THROWS_WITH_AS(b->sites().add(make_site("S1")), "site S1 already exists", Conflict);
    }

    TEST_CASE("read-only: reads work, writes fail with exit 77") {
        TempDir dir;
        auto path = dir.path("ro.db");
        make_database(path);
        auto bytes = read_bytes(path);
        auto options = test_options();
        options.read_only = true;
        auto store = open_test_store("sqlite:" + path, options);
        CHECK(store->residents().list().size() == 1);
        auto e = storage_error_of([&] { store->sites().add(make_site("S2")); });
        CHECK(e.exit_code() == ExitCode::permission);
        CHECK(std::string(e.what()) ==
              "cannot write " + path +
                  ": it is read-only (check the permissions of the file and "
                  "its directory)");
        CHECK(store->sites().list().size() == 1);
        store.reset();
        CHECK(read_bytes(path) == bytes);
    }

    TEST_CASE("disk full: exit 74, earlier data intact") {
        TempDir dir;
        auto path = dir.path("full.db");
        auto store = open_test_store("sqlite:" + path);
        add_sample(*store);
        auto& db = connection_of(*store);
        auto pages = db.query_int("PRAGMA page_count");
        db.exec("PRAGMA max_page_count = " + std::to_string(pages + 2));
        auto ward = store->wards().find_by_code("S1W1")->id;
        auto e = storage_error_of([&] {
            for (int i = 0; i < 1000; ++i) {
                auto r = make_resident("RX" + std::to_string(i), ward);
                r.name = std::string(1000, 'n');
                r.room = std::string(1000, 'r');
                store->residents().add(r);
            }
        });
        CHECK(e.exit_code() == ExitCode::io);
        CHECK(std::string(e.what()) ==
              "cannot write " + path + ": disk full; nothing was saved: free some space and retry");
        CHECK((e.native_code() & 0xff) == SQLITE_FULL);
        CHECK(store->sites().list().size() == 1);
        CHECK(store->residents().find_by_code("R1"));
        CHECK(store->check().ok);
        // Each resident came with its audit row, or neither did.
        auto residents = static_cast<std::size_t>(store->residents().list().size());
        CHECK(audit_count(*store) == 8 + residents - 1);
    }

    TEST_CASE("a stored value that cannot be read is reported as corruption") {
        TempDir dir;
        auto path = dir.path("badjson.db");
        make_database(path);
        {
            RawDb raw(path);
            REQUIRE(raw.exec("UPDATE ward SET calling_hours = 'not json'") == SQLITE_OK);
        }
        auto store = open_test_store("sqlite:" + path);
        auto e = storage_error_of([&] { static_cast<void>(store->wards().list()); });
        CHECK(e.exit_code() == ExitCode::corrupt);
        CHECK(std::string(e.what()) ==
              corrupt_message(path, "ward 1 cannot be read; restore a backup"));
        CHECK(store->sites().list().size() == 1);
    }

    TEST_CASE("backup of a file store taken while another connection writes is a snapshot") {
        TempDir dir;
        UmaskGuard umask_guard(0);
        auto path = dir.path("live.db");
        make_database(path);
        RawDb writer(path);
        REQUIRE(
            writer.exec("BEGIN IMMEDIATE; INSERT INTO setting (key, value) VALUES ('x', 'y');") ==
            SQLITE_OK);
        auto store = open_test_store("sqlite:" + path);
        auto target = dir.path("snapshot.db");
        store->backup(target);
        REQUIRE(writer.exec("COMMIT") == SQLITE_OK);
        CHECK(mode_of(target) == 0600);
        auto copy = open_test_store("sqlite:" + target);
        CHECK(copy->check().ok);
        CHECK_FALSE(copy->setting("x")); // uncommitted at the time: not in the copy
        CHECK(store->setting("x") == "y");
        CHECK(copy->residents().list() == store->residents().list());
    }

} // TEST_SUITE
