#include "store/sqlite/migrations.hpp"

#include <chrono>
#include <map>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "carecall/model.hpp"
#include "store/sqlite/backup.hpp"
#include "store/sqlite/context.hpp"
#include "store/sqlite/files.hpp"
#include "store/sqlite/sql.hpp"

namespace carecall::sqlite {

int latest_schema_version() {
    return sql::k_migrations.back().version;
}

int read_schema_version(Connection& db) {
    return static_cast<int>(db.query_int(sql::k_get_user_version));
}

void check_identity(Connection& db) {
    // One snapshot: another process may be creating the schema right now, and the three reads
    // must all see it before or all after.
    TxGuard snapshot(db, TxGuard::Mode::deferred);
    auto application_id = db.query_int(sql::k_get_application_id);
    auto version = read_schema_version(db);
    auto tables = db.query_int(sql::k_count_tables);
    snapshot.commit();
    auto foreign = [&](const std::string& why) {
        return StorageError(ExitCode::corrupt, "corrupt",
                            fmt::format("{} is not a carecall database (or it is corrupt): {}; "
                                        "check the path or restore a backup",
                                        db.path(), why));
    };
    if (application_id != 0 && application_id != sql::k_application_id) {
        throw foreign(fmt::format("it belongs to another program (application_id {:#010x})",
                                  static_cast<std::uint32_t>(application_id)));
    }
    // carecall sets application_id in the same transaction that creates its first tables, so
    // tables without it are someone else's.
    if (application_id == 0 && tables > 0) {
        throw foreign("it holds another program's tables");
    }
    if (version > latest_schema_version()) {
        throw SchemaTooNew(fmt::format("{} was made by a newer carecall (schema {}; this one knows "
                                       "{}): upgrade carecall",
                                       db.path(), version, latest_schema_version()));
    }
}

std::string pre_migration_backup_name(const std::string& db_path, int to_version) {
    auto name = fmt::format("{}.pre-v{}.bak", db_path, to_version);
    for (int n = 2; path_exists(name); ++n) {
        name = fmt::format("{}.pre-v{}-{}.bak", db_path, to_version, n);
    }
    return name;
}

namespace {

/// `base.N`, cut to the 32 characters a code may have; the '.' keeps it from being all digits.
std::string numbered_code(const std::string& base, int n) {
    auto suffix = fmt::format(".{}", n);
    return base.substr(0, 32 - suffix.size()) + suffix;
}

} // namespace

void rename_case_clashes(Connection& db, const Actor& actor, std::vector<std::string>& notes) {
    auto os_user = actor.os_user.empty() ? current_os_user() : actor.os_user;
    auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    for (const auto& table : sql::k_code_tables) {
        std::vector<std::pair<std::int64_t, std::string>> rows;
        {
            auto stmt = db.prepare(table.codes);
            while (stmt.step()) {
                rows.emplace_back(stmt.get_int(0), stmt.get_text(1));
            }
        }
        // Every code in use, by key; the oldest record (lowest id) keeps its spelling.
        std::map<std::string, std::pair<std::int64_t, std::string>> taken;
        std::vector<std::pair<std::int64_t, std::string>> clashing;
        for (const auto& [id, code] : rows) {
            if (!taken.emplace(code_key(code), std::pair{id, code}).second) {
                clashing.emplace_back(id, code);
            }
        }
        for (const auto& [id, code] : clashing) {
            std::string renamed;
            for (int n = 2; renamed.empty() || taken.count(code_key(renamed)) != 0; ++n) {
                renamed = numbered_code(code, n);
            }
            const auto& kept = taken.at(code_key(code));
            taken.emplace(code_key(renamed), std::pair{id, renamed});
            {
                auto stmt = db.prepare(table.rename);
                stmt.bind(1, id).bind(2, renamed).run();
            }
            nlohmann::json details = {{"from", code},
                                      {"to", renamed},
                                      {"same_as", kept.second},
                                      {"reason", "schema 4: codes are unique without regard to "
                                                 "case"}};
            auto audit = db.prepare(sql::k_audit_insert);
            audit.bind(1, static_cast<std::int64_t>(now.time_since_epoch().count()))
                .bind(2, os_user)
                .bind(3, actor.as)
                .bind(4, "rename")
                .bind(5, table.kind)
                .bind(6, id)
                .bind(7, renamed)
                .bind(8, details.dump())
                .run();
            notes.push_back(fmt::format(
                "{} {} (id {}) is now {}: from schema 4 on, codes are unique without regard to "
                "case and {} {} (id {}) has that code; check which is which (the audit trail "
                "keeps the rename, the pre-migration backup the database as it was)",
                table.kind, code, id, renamed, table.kind, kept.second, kept.first));
        }
    }
}

std::vector<std::string> migrate(Connection& db, bool read_only, const MigrationBackup& backup,
                                 const Actor& actor) {
    return migrate(db, read_only, backup, sql::k_migrations, actor);
}

std::vector<std::string> migrate(Connection& db, bool read_only, const MigrationBackup& backup,
                                 std::span<const sql::Migration> migrations, const Actor& actor) {
    std::vector<std::string> notes;
    const int latest = migrations.back().version;
    int version = read_schema_version(db);
    if (version >= latest) {
        return notes;
    }
    if (read_only) {
        throw StorageError(ExitCode::config, "schema_too_old",
                           fmt::format("{} has schema {} and this carecall needs {}: open it once "
                                       "without read-only to upgrade it",
                                       db.path(), version, latest));
    }
    if (version >= 1 && !backup.db_path.empty()) {
        // The copy is one committed snapshot of the old schema (a backup cannot be taken inside
        // a write transaction); the migration below re-reads the version under the write lock.
        TxGuard snapshot(db, TxGuard::Mode::deferred);
        if (read_schema_version(db) == version) {
            copy_database(db, pre_migration_backup_name(backup.db_path, latest),
                          backup.busy_timeout_ms);
        }
        snapshot.commit();
    }
    // Every pending step in one write transaction: a database is at its old schema or the
    // latest, never between two (a kill between steps would otherwise leave schema 2 of 3).
    TxGuard tx(db, TxGuard::Mode::immediate);
    version = read_schema_version(db); // another process may have migrated meanwhile
    for (const auto& migration : migrations) {
        if (migration.version <= version) {
            continue;
        }
        if (migration.before != nullptr) {
            migration.before(db, actor, notes);
        }
        db.exec(migration.script);
        // Pragmas take no parameters; both values are constants of sql.hpp.
        db.exec(fmt::format(fmt::runtime(sql::k_set_application_id), sql::k_application_id));
        db.exec(fmt::format(fmt::runtime(sql::k_set_user_version), migration.version));
        version = migration.version;
    }
    tx.commit();
    return notes;
}

} // namespace carecall::sqlite
