#pragma once
// Schema identity (application_id) and migrations gated by PRAGMA user_version.

#include <span>
#include <string>
#include <vector>

#include "carecall/store.hpp"

#include "store/sqlite/connection.hpp"
#include "store/sqlite/sql.hpp"

namespace carecall::sqlite {

/// The schema version this build writes (the last migration's).
int latest_schema_version();

/// PRAGMA user_version.
int read_schema_version(Connection& db);

/// Refuses a file that is not a carecall database (another program's, exit 5) or that a newer
/// carecall wrote (SchemaTooNew, exit 78). Reads only: nothing is written to a refused file.
void check_identity(Connection& db);

/// Where the copy of a database is kept before it is migrated (empty: keep none, e.g. :memory:).
struct MigrationBackup {
    std::string db_path;
    int busy_timeout_ms = 0;
};

/// `DB.pre-vN.bak` (N the version migrated to), or `DB.pre-vN-2.bak`… when that exists.
std::string pre_migration_backup_name(const std::string& db_path, int to_version);

/// Applies the missing migrations, each in one BEGIN IMMEDIATE transaction that re-reads the
/// version first (another process may have migrated meanwhile). A database holding a schema
/// (version 1 or later) is first copied whole to pre_migration_backup_name() (0600). A read-only
/// connection that needs a migration is refused. Returns what the steps report to the user
/// (codes renamed by migration 4); their audit rows name `actor`.
std::vector<std::string> migrate(Connection& db, bool read_only, const MigrationBackup& backup = {},
                                 const Actor& actor = {});
/// The same with a given list of migrations (ordered; the last is the target), for tests.
std::vector<std::string> migrate(Connection& db, bool read_only, const MigrationBackup& backup,
                                 std::span<const sql::Migration> migrations,
                                 const Actor& actor = {});

} // namespace carecall::sqlite
