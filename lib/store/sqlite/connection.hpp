#pragma once
// A small RAII layer over the SQLite C API: one connection, its prepared-statement cache,
// statements that reset and unbind themselves, transaction guards that roll back unless
// committed, and the mapping of SQLite result codes to carecall errors.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <sqlite3.h>

#include "carecall/error.hpp"

namespace carecall::sqlite {

/// The carecall error for an SQLite result code (`db` may be null). `path` names the database
/// in messages. native_code() is the extended result code.
StorageError make_error(sqlite3* db, int rc, const std::string& path);

class Connection;

/// A prepared statement in use. Returned by Connection::prepare; on destruction it is reset and
/// its bindings cleared (cached) or finalized (not cached). Bind indexes are 1-based (?1),
/// column indexes 0-based.
class Statement {
public:
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;
    ~Statement();

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, std::string_view value);
    Statement& bind(int index, std::nullptr_t);
    template <class T>
    Statement& bind(int index, const std::optional<T>& value) {
        if (value) {
            return bind(index, *value);
        }
        return bind(index, nullptr);
    }

    /// Steps once: true when a row is ready, false when done. Throws on error.
    bool step();
    /// Steps to the end (a statement that returns no rows).
    void run();

    [[nodiscard]] bool is_null(int column) const;
    [[nodiscard]] std::int64_t get_int(int column) const;
    [[nodiscard]] int get_int32(int column) const;
    [[nodiscard]] bool get_bool(int column) const { return get_int(column) != 0; }
    [[nodiscard]] std::string get_text(int column) const;
    [[nodiscard]] std::optional<std::int64_t> get_opt_int(int column) const;
    [[nodiscard]] std::optional<std::string> get_opt_text(int column) const;

private:
    friend class Connection;
    Statement(Connection& conn, sqlite3_stmt* stmt, bool* in_use);
    void check_bind(int rc);

    Connection* m_conn;
    sqlite3_stmt* m_stmt;
    bool* m_in_use; ///< the cache slot's flag; null for an uncached statement
};

enum class TxState { none, read, write };

class Connection {
public:
    /// Opens `filename` with sqlite3_open_v2 `flags`; `display_path` names it in messages.
    Connection(const std::string& filename, std::string display_path, int flags);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    [[nodiscard]] sqlite3* handle() const noexcept { return m_db; }
    [[nodiscard]] const std::string& path() const noexcept { return m_path; }

    /// A statement for one SQL text, prepared once and cached. If the cached one is busy (a
    /// nested use of the same text) a fresh, uncached one is prepared.
    [[nodiscard]] Statement prepare(std::string_view sql);
    /// Runs SQL text with no values (DDL, PRAGMA, a migration script). Not cached.
    void exec(std::string_view sql);
    /// The first column of the first row as an integer (0 when there is no row).
    [[nodiscard]] std::int64_t query_int(std::string_view sql);

    [[nodiscard]] std::int64_t last_insert_id() const noexcept;
    [[nodiscard]] bool autocommit() const noexcept;

    /// Throws the carecall error for `rc` on this connection.
    [[noreturn]] void fail(int rc) const;

    [[nodiscard]] TxState tx_state() const noexcept { return m_tx; }
    void set_tx_state(TxState s) noexcept { m_tx = s; }

private:
    struct Cached {
        sqlite3_stmt* stmt = nullptr;
        bool in_use = false;
    };
    /// Looks statements up by string_view without building a std::string each time.
    struct SqlHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view sql) const noexcept {
            return std::hash<std::string_view>{}(sql);
        }
    };

    sqlite3* m_db = nullptr;
    std::string m_path;
    TxState m_tx = TxState::none;
    std::unordered_map<std::string, std::unique_ptr<Cached>, SqlHash, std::equal_to<>> m_cache;
};

/// A transaction or savepoint; rolls back in its destructor unless committed.
class TxGuard {
public:
    enum class Mode {
        none,      ///< nothing (already inside a transaction that covers this work)
        deferred,  ///< BEGIN DEFERRED: a read snapshot
        immediate, ///< BEGIN IMMEDIATE: takes the write lock now (waits up to busy_timeout)
        savepoint, ///< SAVEPOINT inside the open write transaction
    };
    TxGuard(Connection& conn, Mode mode);
    ~TxGuard();
    TxGuard(const TxGuard&) = delete;
    TxGuard& operator=(const TxGuard&) = delete;

    void commit();
    [[nodiscard]] bool active() const noexcept { return m_active; }

private:
    Connection& m_conn;
    Mode m_mode;
    bool m_active = false;
};

} // namespace carecall::sqlite
