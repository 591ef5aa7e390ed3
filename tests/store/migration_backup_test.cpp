// Migrations keep a copy of the old database first (reliability.md M1): a database with a schema
// is copied whole to DB.pre-vN.bak (0600) before the first migration step; an empty file is not.
// Exercised with a made-up migration after this build's last one.

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "store/sqlite/migrations.hpp"
#include "store_fixture.hpp"

using namespace carecall;
using namespace carecall::test;

namespace {

/// This build's schema version and the made-up one after it.
constexpr int k_current = sqlite::sql::k_migrations.back().version;
constexpr int k_next = k_current + 1;
const std::string k_next_backup = ".pre-v" + std::to_string(k_next);

/// The real migrations and one more: a new table and a new column, as a later schema might add.
std::vector<sqlite::sql::Migration> with_next_migration() {
    std::vector<sqlite::sql::Migration> out(sqlite::sql::k_migrations.begin(),
                                            sqlite::sql::k_migrations.end());
    out.push_back(sqlite::sql::Migration{k_next, "test: one more table",
                                         "CREATE TABLE extra (id INTEGER PRIMARY KEY) STRICT;"
                                         "ALTER TABLE site ADD COLUMN note TEXT NOT NULL DEFAULT '';"});
    return out;
}

} // namespace

TEST_SUITE("store") {

    TEST_CASE("a migration keeps the old database as DB.pre-vN.bak, 0600, whole") {
        TempDir dir;
        UmaskGuard umask(0);
        auto path = dir.path("carecall.db");
        {
            auto store = open_test_store("sqlite:" + path);
            add_sample(*store);
        }
        auto before = read_bytes(path);
        REQUIRE_FALSE(before.empty());
        auto migrations = with_next_migration();
        {
            sqlite::Connection db(path, path, SQLITE_OPEN_READWRITE);
            sqlite::migrate(db, false, sqlite::MigrationBackup{path, 1000}, migrations);
            CHECK(sqlite::read_schema_version(db) == k_next);
            CHECK(db.query_int("SELECT count(*) FROM extra") == 0);
        }
        auto backup = path + k_next_backup + ".bak";
        REQUIRE(exists(backup));
        CHECK(mode_of(backup) == 0600U);
        {
            RawDb copy(backup, SQLITE_OPEN_READONLY);
            CHECK(copy.query_int("PRAGMA user_version") == k_current);
            CHECK(copy.query_int("SELECT count(*) FROM site") == 1);
            CHECK(copy.query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'extra'") == 0);
        }
        // The copy opens as the old database did.
        auto old = open_test_store("sqlite:" + backup);
        CHECK(old->schema_version() == k_current);
        CHECK(old->sites().list().size() == 1);
        CHECK(old->check().ok);

        SUBCASE("a second migration to the same version keeps its own copy") {
            std::string again = dir.path("again.db");
            {
                auto store = open_test_store("sqlite:" + again);
                add_sample(*store);
            }
            write_bytes(again + k_next_backup + ".bak", "an older copy, kept");
            sqlite::Connection db(again, again, SQLITE_OPEN_READWRITE);
            sqlite::migrate(db, false, sqlite::MigrationBackup{again, 1000}, migrations);
            CHECK(read_bytes(again + k_next_backup + ".bak") == "an older copy, kept");
            CHECK(exists(again + k_next_backup + "-2.bak"));
            CHECK(mode_of(again + k_next_backup + "-2.bak") == 0600U);
        }
    }

    TEST_CASE("a new empty file or a current database is migrated without a copy") {
        TempDir dir;
        auto path = dir.path("carecall.db");
        {
            auto store = open_test_store("sqlite:" + path);
            add_sample(*store);
            auto again = open_test_store("sqlite:" + path);
            CHECK(again->schema_version() == current_schema_version());
        }
        for (const auto& entry : std::filesystem::directory_iterator(dir.root())) {
            CHECK(entry.path().filename().string().find(".bak") == std::string::npos);
        }
    }

    TEST_CASE("a read-only database that needs a migration is refused and not copied") {
        TempDir dir;
        auto path = dir.path("carecall.db");
        {
            auto store = open_test_store("sqlite:" + path);
            add_sample(*store);
        }
        auto migrations = with_next_migration();
        sqlite::Connection db(path, path, SQLITE_OPEN_READONLY);
        CHECK_THROWS_AS(sqlite::migrate(db, true, sqlite::MigrationBackup{path, 1000}, migrations),
                        StorageError);
        CHECK_FALSE(exists(path + k_next_backup + ".bak"));
    }
}
