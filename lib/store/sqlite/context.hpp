#pragma once
// What the repositories of one SQLite store share: the connection, the actor, and the rules for
// joining or opening transactions and writing audit rows.

#include <cstdint>
#include <string>
#include <string_view>

#include "carecall/store.hpp"
#include "store/sqlite/connection.hpp"

namespace carecall::sqlite {

struct Context {
    Connection& db;
    Actor actor;

    /// How a change runs: its own BEGIN IMMEDIATE, or a savepoint inside the open write
    /// transaction (so a failed change leaves that transaction as it was). Throws inside a read
    /// transaction.
    [[nodiscard]] TxGuard::Mode change_mode() const;
    /// How a read of several statements runs: a snapshot of its own, or inside the open one.
    [[nodiscard]] TxGuard::Mode read_mode() const;

    /// Appends one audit row (in the caller's transaction).
    void write_audit(std::string_view action, std::string_view kind, std::int64_t record_id,
                     std::string_view record_code, std::string_view details_json);

    /// The "corrupt database" error for a stored value that cannot be read.
    [[nodiscard]] StorageError unreadable(std::string_view kind, std::int64_t id) const;
};

/// The login name of this process, for audit rows when the caller gave none.
std::string current_os_user();

} // namespace carecall::sqlite
