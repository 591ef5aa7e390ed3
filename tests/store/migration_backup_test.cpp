// Migrations keep a copy of the old database first (reliability.md M1): a database with a schema
// is copied whole to DB.pre-vN.bak (0600) before the first migration step; an empty file is not.
// Exercised with a made-up migration after this build's last one.

#include <span>
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
    out.push_back(
        sqlite::sql::Migration{k_next, "test: one more table",
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

TEST_SUITE("store") {

    TEST_CASE("migration 2 gives every booking a source: the scheduler's calls by their reason") {
        TempDir dir;
        auto path = dir.path("carecall.db");
        {
            // A schema 1 database, as that release wrote it: one call the scheduler booked (its
            // reason "scheduled") and one booked by hand.
            sqlite::Connection db(path, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
            sqlite::migrate(db, false, {}, std::span(sqlite::sql::k_migrations.data(), 1));
            CHECK(sqlite::read_schema_version(db) == 1);
        }
        {
            RawDb raw(path);
            REQUIRE(
                raw.exec("INSERT INTO site (code, name, kind, tz) VALUES "
                         "('S1', 'Sunny', 'care_home', 'Europe/London');"
                         "INSERT INTO ward (code, name, site_id) VALUES ('W1', 'Rose', 1);"
                         "INSERT INTO resident (code, name, ward_id) VALUES ('R1', 'Ann', 1);"
                         "INSERT INTO device (code, name, kind, site_id) VALUES "
                         "('D1', 'Portal', 'portal', 1);"
                         "INSERT INTO booking (code, resident_id, device_id, start_utc, "
                         "end_utc, priority, status, reason, created_at, updated_at) VALUES "
                         "('B-1', 1, 1, 1800000000, 1800001800, 1, 'booked', 'scheduled', 0, 0),"
                         "('B-2', 1, 1, 1800003600, 1800005400, 1, 'booked', 'by phone', 0, 0),"
                         "('B-3', 1, 1, 1800007200, 1800009000, 1, 'booked', '', 0, 0);") ==
                SQLITE_OK);
        }
        auto store = open_test_store("sqlite:" + path);
        CHECK(store->schema_version() == current_schema_version());
        CHECK(store->bookings().find_by_code("B-1")->source == BookingSource::scheduled);
        CHECK(store->bookings().find_by_code("B-2")->source == BookingSource::manual);
        CHECK(store->bookings().find_by_code("B-3")->source == BookingSource::manual);
        CHECK(store->check().ok);
        store.reset();
        // The column takes BookingSource's names only, and the table is still STRICT.
        RawDb raw(path);
        CHECK(raw.exec("UPDATE booking SET source = 'robot' WHERE code = 'B-1'") != SQLITE_OK);
        CHECK(raw.exec("UPDATE booking SET source = 'repaired' WHERE code = 'B-1'") == SQLITE_OK);
        CHECK(raw.query_int("SELECT strict FROM pragma_table_list WHERE name = 'booking'") == 1);
    }
}
