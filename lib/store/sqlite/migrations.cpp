#include "store/sqlite/migrations.hpp"

#include <fmt/format.h>

#include "store/sqlite/backup.hpp"
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

void migrate(Connection& db, bool read_only, const MigrationBackup& backup) {
    migrate(db, read_only, backup, sql::k_migrations);
}

void migrate(Connection& db, bool read_only, const MigrationBackup& backup,
             std::span<const sql::Migration> migrations) {
    const int latest = migrations.back().version;
    int version = read_schema_version(db);
    if (version >= latest) {
        return;
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
        db.exec(migration.script);
        // Pragmas take no parameters; both values are constants of sql.hpp.
        db.exec(fmt::format(fmt::runtime(sql::k_set_application_id), sql::k_application_id));
        db.exec(fmt::format(fmt::runtime(sql::k_set_user_version), migration.version));
        version = migration.version;
    }
    tx.commit();
}

} // namespace carecall::sqlite
