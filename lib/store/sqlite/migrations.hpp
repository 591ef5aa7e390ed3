#pragma once
// Schema identity (application_id) and migrations gated by PRAGMA user_version.

#include "store/sqlite/connection.hpp"

namespace carecall::sqlite {

/// The schema version this build writes (the last migration's).
int latest_schema_version();

/// PRAGMA user_version.
int read_schema_version(Connection& db);

/// Refuses a file that is not a carecall database (another program's, exit 5) or that a newer
/// carecall wrote (SchemaTooNew, exit 78). Reads only: nothing is written to a refused file.
void check_identity(Connection& db);

/// Applies the missing migrations, each in one BEGIN IMMEDIATE transaction that re-reads the
/// version first (another process may have migrated meanwhile). A read-only connection that
/// needs a migration is refused.
void migrate(Connection& db, bool read_only);

} // namespace carecall::sqlite
