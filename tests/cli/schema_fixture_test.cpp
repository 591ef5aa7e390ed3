// Schema upgrades (docs/reliability.md M1): every committed fixture database of a released schema
// (tests/data/schema/vN.db, made by tests/data/schema/make-fixture with that release's binary)
// opens with this binary at the latest schema, with its data equal to what that release read
// back (vN.expected.json), integrity_check ok, and the old file kept as DB.pre-vLATEST.bak.
#include <filesystem>
#include <map>
#include <set>

#include "cli/cli_fixture.hpp"

using namespace carecall::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> fixtures() {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(source_path("tests/data/schema"))) {
        if (e.path().extension() == ".db") {
            out.push_back(e.path().string());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

/// Every value of `expected` is in `actual` (objects may have gained fields in a later release;
/// nothing may be lost or changed). "" when so, else the JSON path of the first difference.
std::string missing_from(const json& expected, const json& actual, const std::string& path = "") {
    if (expected.is_object()) {
        if (!actual.is_object()) {
            return path + ": not an object";
        }
        for (const auto& [key, value] : expected.items()) {
            if (!actual.contains(key)) {
                return path + "." + key + ": missing";
            }
            if (auto d = missing_from(value, actual[key], path + "." + key); !d.empty()) {
                return d;
            }
        }
        return {};
    }
    if (expected.is_array()) {
        if (!actual.is_array() || actual.size() != expected.size()) {
            return path + ": " + std::to_string(expected.size()) + " items expected, " +
                   (actual.is_array() ? std::to_string(actual.size()) : std::string("none"));
        }
        for (std::size_t i = 0; i < expected.size(); ++i) {
            if (auto d = missing_from(expected[i], actual[i], path + "[" + std::to_string(i) + "]");
                !d.empty()) {
                return d;
            }
        }
        return {};
    }
    return expected == actual ? std::string()
                              : path + ": " + expected.dump() + " became " + actual.dump();
}

/// Rows of one table projected on the given columns, sorted (the columns a table had in the old
/// schema: a migration may add columns, never lose a value).
std::vector<std::string> rows_of(const std::string& path, const std::string& table,
                                 const std::vector<std::string>& columns) {
    sqlite3* db = nullptr;
    std::string uri = "file:" + path + "?immutable=1";
    REQUIRE(sqlite3_open_v2(uri.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) ==
            SQLITE_OK);
    std::string sql = "SELECT ";
    for (std::size_t i = 0; i < columns.size(); ++i) {
        sql += (i > 0 ? ", quote(\"" : "quote(\"") + columns[i] + "\")";
    }
    sql += " FROM \"" + table + "\"";
    sqlite3_stmt* st = nullptr;
    std::vector<std::string> out;
    INFO("sql: " << sql);
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        std::string row;
        for (int i = 0; i < sqlite3_column_count(st); ++i) {
            const auto* t = sqlite3_column_text(st, i);
            row += std::string(t != nullptr ? reinterpret_cast<const char*>(t) : "") + "\x1f";
        }
        out.push_back(std::move(row));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    std::sort(out.begin(), out.end());
    return out;
}

/// Table name → column names.
std::map<std::string, std::vector<std::string>> columns_of(const std::string& path) {
    std::map<std::string, std::vector<std::string>> out;
    sqlite3* db = nullptr;
    std::string uri = "file:" + path + "?immutable=1";
    REQUIRE(sqlite3_open_v2(uri.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) ==
            SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(
                db,
                "SELECT m.name, p.name FROM sqlite_schema m, pragma_table_info(m.name) p "
                "WHERE m.type = 'table' ORDER BY m.name, p.cid",
                -1, &st, nullptr) == SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        out[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))].emplace_back(
            reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

/// What make-fixture read back, read again from `s`'s database.
json read_back(const Scratch& s) {
    auto j = [&](const Args& args) {
        Args a = {"--now", "2026-11-25T10:00:00Z"};
        a.insert(a.end(), args.begin(), args.end());
        return s.json(a);
    };
    return {{"scenario", j({"export", "scenario", "--from", "2026-11-30", "--days", "35"})},
            {"agenda", j({"agenda", "--date", "2026-11-25", "--days", "60", "--all"})},
            {"residents", j({"resident", "list"})},
            {"contacts", j({"contact", "list"})},
            {"audit", j({"audit", "list", "--limit", "100000"})}};
}

} // namespace

TEST_SUITE("cli schema") {

    TEST_CASE("M1: every released schema's fixture opens at the latest schema, data equal, a "
              "backup kept") {
        auto all = fixtures();
        REQUIRE_FALSE(all.empty());
        std::set<int> versions;
        for (const auto& fixture : all) {
            CAPTURE(fixture);
            Scratch s;
            fs::copy_file(fixture, s.db());
            fs::permissions(s.db(), fs::perms::owner_read | fs::perms::owner_write);
            auto expected =
                parse_json(slurp(fs::path(fixture).replace_extension(".expected.json")));
            int old_version = expected["schema_version"].get<int>();
            versions.insert(old_version);
            auto old_dump = s.dump();
            auto old_columns = columns_of(s.db());
            // logical_dump types each value: "1:" is an integer.
            CHECK(contains(old_dump, "user_version:1:" + std::to_string(old_version) + "\x1f"));

            auto r = s.run({"db", "migrate"});
            INFO("stderr: " << r.err);
            REQUIRE(r.code == 0);
            CHECK(r.err == "database " + s.db() + " is at schema " +
                               std::to_string(schema_version()) + "\n");
            CHECK(
                contains(s.dump(), "user_version:1:" + std::to_string(schema_version()) + "\x1f"));

            // The old file is kept whole when the schema changed (and only then).
            auto backup = s.db() + ".pre-v" + std::to_string(schema_version()) + ".bak";
            if (old_version < schema_version()) {
                REQUIRE(fs::exists(backup));
                CHECK(mode_of(backup) == 0600);
                CARECALL_CHECK_SAME(old_dump, logical_dump(backup));
            } else {
                CHECK_FALSE(fs::exists(backup));
                CARECALL_CHECK_SAME(old_dump, s.dump());
            }

            // Every value of every old column is still there.
            for (const auto& [table, columns] : old_columns) {
                INFO("table: " << table);
                auto now_columns = columns_of(s.db());
                REQUIRE(now_columns.count(table) == 1);
                CHECK(rows_of(fixture, table, columns) == rows_of(s.db(), table, columns));
            }
            // And the binary reads back what that release read.
            auto actual = read_back(s);
            for (const char* part : {"scenario", "agenda", "residents", "contacts"}) {
                INFO("part: " << part);
                CHECK(missing_from(expected[part], actual[part]) == "");
            }
            // The audit trail keeps every old row (a migration may add its own, newer, rows).
            json old_audit = json::array();
            auto& new_audit = actual["audit"]["items"];
            std::int64_t newest_old = expected["audit"]["items"][0]["id"].get<std::int64_t>();
            for (const auto& row : new_audit) {
                if (row["id"].get<std::int64_t>() <= newest_old) {
                    old_audit.push_back(row);
                }
            }
            CHECK(missing_from(expected["audit"]["items"], old_audit) == "");

            auto check = s.run({"db", "check"});
            INFO("db check: " << check.out << check.err);
            CHECK(check.code == 0);
            // Ordinary commands work on it.
            s.ok({"ward", "add", "W-AFTER-MIGRATION", "--name", "W-AFTER-MIGRATION", "--site",
                  "SUNNY"});
            CHECK(s.run({"--now", "2026-11-25T10:00:00Z", "agenda", "--date", "2026-11-30"}).code ==
                  0);
            CHECK(s.run({"db", "check"}).code == 0);
        }
        // A fixture for every schema released so far, up to this build's.
        for (int v = 1; v <= schema_version(); ++v) {
            CHECK_MESSAGE(versions.count(v) == 1,
                          "no fixture for schema " << v << ": run tests/data/schema/make-fixture");
        }
    }

    TEST_CASE(
        "schema 2: a schema 1 booking's source comes from its reason (scheduled) or is manual") {
        Scratch s;
        fs::copy_file(source_path("tests/data/schema/v1.db"), s.db());
        fs::permissions(s.db(), fs::perms::owner_read | fs::perms::owner_write);
        {
            // The v1 fixture's calls were all booked by hand; make B-5 one the scheduler booked, as
            // schema 1 recorded it (its reason).
            sqlite3* db = nullptr;
            REQUIRE(sqlite3_open_v2(s.db().c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) ==
                    SQLITE_OK);
            CHECK(sqlite3_exec(db, "UPDATE booking SET reason = 'scheduled' WHERE code = 'B-5'",
                               nullptr, nullptr, nullptr) == SQLITE_OK);
            CHECK(sqlite3_changes(db) == 1);
            sqlite3_close(db);
        }
        REQUIRE(s.run({"db", "migrate"}).code == 0);
        auto calls = s.json({"--now", "2026-11-25T10:00:00Z", "agenda", "--date", "2026-11-25",
                             "--days", "60", "--all"})["calls"];
        REQUIRE(calls.size() > 5);
        for (const auto& c : calls) {
            CAPTURE(c["code"]);
            CHECK(c["source"] == (c["code"] == "B-5" ? "scheduled" : "manual"));
        }
    }

} // TEST_SUITE
