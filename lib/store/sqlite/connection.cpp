#include "store/sqlite/connection.hpp"

#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "store/sqlite/sql.hpp"

namespace carecall::sqlite {

StorageError make_error(sqlite3* db, int rc, const std::string& path) {
    int extended = rc;
    std::string detail = sqlite3_errstr(rc);
    if (db != nullptr && (sqlite3_extended_errcode(db) & 0xff) == (rc & 0xff)) {
        // The connection's own code is the more precise one (e.g. SQLITE_IOERR_FSYNC), and its
        // message names what failed. Neither ever holds a bound value.
        extended = sqlite3_extended_errcode(db);
        detail = sqlite3_errmsg(db);
    }
    auto disk_full = [&] {
        return StorageError(ExitCode::io, "io",
                            fmt::format("cannot write {}: disk full; nothing was saved: free some "
                                        "space and retry",
                                        path),
                            extended);
    };
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return {ExitCode::busy, "busy",
                fmt::format("database {} is busy: another carecall is writing; retry", path),
                extended};
    case SQLITE_FULL:
        return disk_full();
    case SQLITE_IOERR: {
        if (int err = db != nullptr ? sqlite3_system_errno(db) : 0;
            err == ENOSPC || err == EDQUOT) {
            // e.g. the shared-memory file could not grow: the disk (or the quota) is full.
            return disk_full();
        }
        // What the disk refused, from the extended code: the person needs to know that the
        // change is not saved and that the disk is at fault, not carecall.
        std::string what;
        switch (extended) {
        case SQLITE_IOERR_FSYNC:
        case SQLITE_IOERR_DIR_FSYNC:
            what = " (flushing to disk failed)";
            break;
        case SQLITE_IOERR_WRITE:
        case SQLITE_IOERR_TRUNCATE:
            what = " (writing failed)";
            break;
        case SQLITE_IOERR_READ:
        case SQLITE_IOERR_SHORT_READ:
            what = " (reading failed)";
            break;
        default:
            break;
        }
        return {ExitCode::io, "io",
                fmt::format("i/o error on {}{}: {}; nothing was saved: check the disk (its "
                            "space, its health, the system log) and retry",
                            path, what, detail),
                extended};
    }
    case SQLITE_READONLY:
        return {ExitCode::permission, "permission",
                fmt::format("cannot write {}: it is read-only (check the permissions of the file "
                            "and its directory)",
                            path),
                extended};
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return {ExitCode::permission, "permission",
                fmt::format("cannot open {}: permission denied", path), extended};
    case SQLITE_CANTOPEN: {
        int err = db != nullptr ? sqlite3_system_errno(db) : 0;
        if (err == EACCES || err == EPERM || err == EROFS) {
            return {ExitCode::permission, "permission",
                    fmt::format("cannot open {}: permission denied", path), extended};
        }
        return {ExitCode::io, "io",
                fmt::format("cannot open {}: {}", path, err != 0 ? std::strerror(err) : detail),
                extended};
    }
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        return {
            ExitCode::corrupt, "corrupt",
            fmt::format("{} is not a carecall database (or it is corrupt): {}; restore a backup",
                        path, detail),
            extended};
    default:
        return {ExitCode::internal, "internal",
                fmt::format("database {}: {} (sqlite error {})", path, detail, extended), extended};
    }
}

// --- Statement ------------------------------------------------------------------------------

Statement::Statement(Connection& conn, sqlite3_stmt* stmt, bool* in_use)
    : m_conn(&conn), m_stmt(stmt), m_in_use(in_use) {}

Statement::Statement(Statement&& other) noexcept
    : m_conn(other.m_conn), m_stmt(std::exchange(other.m_stmt, nullptr)),
      m_in_use(std::exchange(other.m_in_use, nullptr)) {}

Statement::~Statement() {
    if (m_stmt == nullptr) {
        return;
    }
    if (m_in_use != nullptr) {
        sqlite3_reset(m_stmt);
        sqlite3_clear_bindings(m_stmt);
        *m_in_use = false;
    } else {
        sqlite3_finalize(m_stmt);
    }
}

void Statement::check_bind(int rc) {
    if (rc != SQLITE_OK) {
        m_conn->fail(rc);
    }
}

Statement& Statement::bind(int index, std::int64_t value) {
    check_bind(sqlite3_bind_int64(m_stmt, index, value));
    return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
    // Explicit length: the bytes go in and come back exactly, whatever they hold.
    check_bind(sqlite3_bind_text64(m_stmt, index, value.data(), value.size(), SQLITE_TRANSIENT,
                                   SQLITE_UTF8));
    return *this;
}

Statement& Statement::bind(int index, std::nullptr_t) {
    check_bind(sqlite3_bind_null(m_stmt, index));
    return *this;
}

bool Statement::step() {
    int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    m_conn->fail(rc);
}

void Statement::run() {
    while (step()) {
    }
}

bool Statement::is_null(int column) const {
    return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

std::int64_t Statement::get_int(int column) const {
    return sqlite3_column_int64(m_stmt, column);
}

int Statement::get_int32(int column) const {
    auto v = get_int(column);
    if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
        throw StorageError(ExitCode::corrupt, "corrupt",
                           fmt::format("{} is not a carecall database (or it is corrupt): a "
                                       "number is out of range; restore a backup",
                                       m_conn->path()));
    }
    return static_cast<int>(v);
}

std::string Statement::get_text(int column) const {
    const auto* data = sqlite3_column_text(m_stmt, column);
    auto size = sqlite3_column_bytes(m_stmt, column);
    if (data == nullptr || size <= 0) {
        return {};
    }
    return {reinterpret_cast<const char*>(data), static_cast<std::size_t>(size)};
}

std::optional<std::int64_t> Statement::get_opt_int(int column) const {
    if (is_null(column)) {
        return std::nullopt;
    }
    return get_int(column);
}

std::optional<std::string> Statement::get_opt_text(int column) const {
    if (is_null(column)) {
        return std::nullopt;
    }
    return get_text(column);
}

// --- Connection -----------------------------------------------------------------------------

Connection::Connection(const std::string& filename, std::string display_path, int flags)
    : m_path(std::move(display_path)) {
#ifdef SQLITE_OPEN_EXRESCODE
    flags |= SQLITE_OPEN_EXRESCODE;
#endif
    int rc = sqlite3_open_v2(filename.c_str(), &m_db, flags, nullptr);
    if (rc != SQLITE_OK) {
        auto error = make_error(m_db, rc, m_path);
        sqlite3_close_v2(m_db);
        m_db = nullptr;
        throw error;
    }
    sqlite3_extended_result_codes(m_db, 1);
}

Connection::~Connection() {
    for (auto& [sql, cached] : m_cache) {
        sqlite3_finalize(cached->stmt);
    }
    // Closing rolls back an open transaction.
    sqlite3_close_v2(m_db);
}

Statement Connection::prepare(std::string_view sql) {
    auto it = m_cache.find(sql);
    if (it != m_cache.end() && !it->second->in_use) {
        it->second->in_use = true;
        return {*this, it->second->stmt, &it->second->in_use};
    }
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(m_db, sql.data(), static_cast<int>(sql.size()),
                                it == m_cache.end() ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, &tail);
    if (rc != SQLITE_OK) {
        fail(rc);
    }
    if (stmt == nullptr || tail != sql.data() + sql.size()) {
        sqlite3_finalize(stmt);
        throw Error(ExitCode::internal, "internal", "one SQL statement expected");
    }
    if (it != m_cache.end()) {
        return {*this, stmt, nullptr}; // the cached one is in use further up the stack
    }
    auto cached = std::make_unique<Cached>();
    cached->stmt = stmt;
    cached->in_use = true;
    bool* flag = &cached->in_use;
    m_cache.emplace(std::string(sql), std::move(cached));
    return {*this, stmt, flag};
}

void Connection::exec(std::string_view sql) {
    std::string text(sql);
    int rc = sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
        fail(rc);
    }
}

std::int64_t Connection::query_int(std::string_view sql) {
    auto stmt = prepare(sql);
    return stmt.step() ? stmt.get_int(0) : 0;
}

std::int64_t Connection::last_insert_id() const noexcept {
    return sqlite3_last_insert_rowid(m_db);
}

bool Connection::autocommit() const noexcept {
    return sqlite3_get_autocommit(m_db) != 0;
}

void Connection::fail(int rc) const {
    throw make_error(m_db, rc, m_path);
}

// --- TxGuard --------------------------------------------------------------------------------

namespace {

Error rolled_back() {
    return {ExitCode::internal, "internal",
            "the transaction was rolled back after an earlier error: nothing was saved"};
}

} // namespace

TxGuard::TxGuard(Connection& conn, Mode mode) : m_conn(conn), m_mode(mode) {
    switch (m_mode) {
    case Mode::none:
        return;
    case Mode::deferred:
    case Mode::immediate:
        if (!m_conn.autocommit()) {
            throw Error(ExitCode::internal, "internal",
                        "a transaction is already open (transactions do not nest)");
        }
        m_conn.exec(m_mode == Mode::deferred ? sql::k_begin_deferred : sql::k_begin_immediate);
        m_conn.set_tx_state(m_mode == Mode::deferred ? TxState::read : TxState::write);
        break;
    case Mode::savepoint:
        if (m_conn.autocommit()) {
            // SQLite ended the enclosing transaction after an error (disk full, I/O): a
            // savepoint now would start a new one and break all-or-nothing.
            throw rolled_back();
        }
        m_conn.exec(sql::k_savepoint);
        break;
    }
    m_active = true;
}

TxGuard::~TxGuard() {
    if (!m_active) {
        return;
    }
    sqlite3* db = m_conn.handle();
    // Errors are ignored: the destructor must not throw, and SQLite may already have rolled back.
    if (m_mode == Mode::savepoint) {
        if (sqlite3_get_autocommit(db) == 0) {
            sqlite3_exec(db, sql::k_rollback_to.data(), nullptr, nullptr, nullptr);
            sqlite3_exec(db, sql::k_release.data(), nullptr, nullptr, nullptr);
        }
        return;
    }
    if (sqlite3_get_autocommit(db) == 0) {
        sqlite3_exec(db, sql::k_rollback.data(), nullptr, nullptr, nullptr);
    }
    m_conn.set_tx_state(TxState::none);
}

void TxGuard::commit() {
    if (!m_active) {
        return;
    }
    if (m_mode != Mode::none && m_conn.autocommit()) {
        m_active = false;
        if (m_mode != Mode::savepoint) {
            m_conn.set_tx_state(TxState::none);
        }
        throw rolled_back();
    }
    switch (m_mode) {
    case Mode::none:
        break;
    case Mode::savepoint:
        m_conn.exec(sql::k_release);
        break;
    case Mode::deferred:
    case Mode::immediate:
        m_conn.exec(sql::k_commit);
        m_conn.set_tx_state(TxState::none);
        break;
    }
    m_active = false;
}

} // namespace carecall::sqlite
