#pragma once
// Consistent copies of a database file: `db backup` and the copy kept before a migration.

#include <string>

#include "store/sqlite/connection.hpp"

namespace carecall::sqlite {

/// Copies the whole of `src` (one committed snapshot) to `path`, created 0600 in 0700 parent
/// directories. The copy is written under a temporary name (`path.partial-PID-N`) and linked into
/// place only when complete, so `path` is either absent or whole, even after kill -9. Conflict
/// (exit 3) when `path` exists. `src` must not be inside a write transaction.
void copy_database(Connection& src, const std::string& path, int busy_timeout_ms);

} // namespace carecall::sqlite
