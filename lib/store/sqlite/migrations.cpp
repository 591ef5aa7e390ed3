#include "store/sqlite/migrations.hpp"

#include <fmt/format.h>

#include "store/sqlite/sql.hpp"

namespace carecall::sqlite {

int latest_schema_version() { return sql::k_migrations.back().version; }

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

void migrate(Connection& db, bool read_only) {
    int version = read_schema_version(db);
    if (version >= latest_schema_version()) {
        return;
    }
    if (read_only) {
        throw StorageError(ExitCode::config, "schema_too_old",
                           fmt::format("{} has schema {} and this carecall needs {}: open it once "
                                       "without read-only to upgrade it",
                                       db.path(), version, latest_schema_version()));
    }
    for (const auto& migration : sql::k_migrations) {
        if (migration.version <= version) {
            continue;
        }
        TxGuard tx(db, TxGuard::Mode::immediate);
        version = read_schema_version(db);
        if (migration.version <= version) {
            tx.commit();
            continue;
        }
        db.exec(migration.script);
        // Pragmas take no parameters; both values are constants of sql.hpp.
        db.exec(fmt::format(fmt::runtime(sql::k_set_application_id), sql::k_application_id));
        db.exec(fmt::format(fmt::runtime(sql::k_set_user_version), migration.version));
        tx.commit();
        version = migration.version;
    }
}

} // namespace carecall::sqlite
