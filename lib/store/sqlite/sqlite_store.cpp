#include "store/sqlite/sqlite_store.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "store/sqlite/backup.hpp"
#include "store/sqlite/booking_repository.hpp"
#include "store/sqlite/files.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/repositories.hpp"
#include "store/sqlite/sql.hpp"

namespace carecall::sqlite {
namespace {

constexpr std::string_view k_memory = ":memory:";

Error nested_transaction() {
    return {ExitCode::internal, "internal",
            "a transaction is already open (transactions do not nest)"};
}

/// Per-connection settings (reliability.md). None of them writes to the file.
void configure(Connection& db, int busy_timeout_ms) {
    sqlite3_busy_timeout(db.handle(), std::max(0, busy_timeout_ms));
    int defensive = 0;
    int rc = sqlite3_db_config(db.handle(), SQLITE_DBCONFIG_DEFENSIVE, 1, &defensive);
    if (rc != SQLITE_OK) {
        db.fail(rc);
    }
    db.exec(sql::k_pragma_foreign_keys);
    db.exec(sql::k_pragma_trusted_schema);
    db.exec(sql::k_pragma_secure_delete);
    db.exec(sql::k_pragma_synchronous);
}

/// journal_mode=WAL. Switching needs the exclusive lock and SQLite does not call the busy handler
/// for it, so a process opening the database while others read it retries here, up to the busy
/// timeout. Where WAL is not available the mode stays as it is.
void enable_wal(Connection& db, int busy_timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
    for (;;) {
        try {
            auto stmt = db.prepare(sql::k_pragma_journal_wal);
            stmt.run();
            return;
        } catch (const StorageError& e) {
            if ((e.native_code() & 0xff) != SQLITE_BUSY ||
                std::chrono::steady_clock::now() >= deadline) {
                throw;
            }
        }
        sqlite3_sleep(5);
    }
}

std::unique_ptr<Connection> open_connection(const std::string& path, const StoreOptions& options,
                                            std::vector<std::string>& warnings) {
    bool memory = path == k_memory;
    if (!memory && path_exists(path)) {
        if (auto bits = shared_mode_bits(path); bits != 0) {
            warnings.push_back(fmt::format("{} can be read or changed by other users of this "
                                           "machine (mode {:04o}): run chmod 600 {}",
                                           path, 0600U | bits, path));
        }
    }
    if (!memory && !path_exists(path)) {
        if (!options.create || options.read_only) {
            throw StorageError(ExitCode::no_input, "no_input",
                               fmt::format("database {} does not exist", path));
        }
        // Made 0600 here, before SQLite opens it, so that its -wal and -shm (which SQLite gives
        // the database's mode) are private from the first byte.
        auto dir = parent_dir(path);
        make_private_dirs(dir);
        if (create_private_file(path)) {
            try {
                sync_dir(dir);
            } catch (...) {
                ::unlink(path.c_str()); // still empty: nothing of the person's is lost
                throw;
            }
        }
    }
    int flags = SQLITE_OPEN_READWRITE;
    std::string filename = path;
    // In a directory this user cannot write to, SQLite cannot make the -wal and -shm files that
    // reading a WAL database needs. No writer can change the file there either (it needs those
    // files too), so it is read as an unchanging file: reads work, writes fail with exit 77.
    // Not when a log is left over, which holds committed changes that must not be ignored.
    bool frozen = !memory && in_read_only_place(path);
    if (memory) {
        flags |= SQLITE_OPEN_CREATE | SQLITE_OPEN_MEMORY;
    } else if (frozen) {
        flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
        filename = immutable_uri(path);
    } else if (options.read_only) {
        flags = SQLITE_OPEN_READONLY;
    }
    auto db = std::make_unique<Connection>(filename, path, flags);
    configure(*db, options.busy_timeout_ms);
    // Identity first: a foreign or newer file is refused before anything is written to it.
    check_identity(*db);
    if (frozen) {
        migrate(*db, true);
        db->exec(sql::k_pragma_query_only);
        return db;
    }
    if (!memory && !options.read_only) {
        if (on_network_fs(parent_dir(path))) {
            // WAL needs shared memory on one host: on NFS or SMB it can corrupt the file.
            db->exec(sql::k_pragma_journal_delete);
            warnings.push_back(fmt::format(
                "{} is on a network file system, where SQLite's write-ahead log does not work: "
                "carecall uses a rollback journal there; for several computers sharing one "
                "database use a server database",
                path));
        } else {
            enable_wal(*db, options.busy_timeout_ms);
        }
    }
    for (auto& note :
         migrate(*db, options.read_only && !memory,
                 MigrationBackup{memory ? std::string() : path, options.busy_timeout_ms},
                 options.actor)) {
        warnings.push_back(std::move(note));
    }
    if (options.read_only) {
        db->exec(sql::k_pragma_query_only);
    }
    return db;
}

std::string url_of(const std::string& path) {
    if (path == k_memory) {
        return "sqlite::memory:";
    }
    return "sqlite:" + std::filesystem::absolute(path).lexically_normal().string();
}

Actor with_os_user(Actor actor) {
    if (actor.os_user.empty()) {
        actor.os_user = current_os_user();
    }
    return actor;
}

class SqliteTransaction final : public Transaction {
public:
    SqliteTransaction(Connection& db, TxGuard::Mode mode) : m_guard(db, mode) {}
    void commit() override { m_guard.commit(); }

private:
    TxGuard m_guard;
};

} // namespace

SqliteStore::SqliteStore(const std::string& path, const StoreOptions& options)
    : m_db(open_connection(path, options, m_warnings)), m_url(url_of(path)),
      m_busy_timeout_ms(std::max(0, options.busy_timeout_ms)),
      m_ctx(std::make_unique<Context>(Context{*m_db, with_os_user(options.actor)})),
      m_sites(make_site_repository(*m_ctx)), m_wards(make_ward_repository(*m_ctx)),
      m_residents(make_resident_repository(*m_ctx)), m_contacts(make_contact_repository(*m_ctx)),
      m_devices(make_device_repository(*m_ctx)), m_staff(make_staff_repository(*m_ctx)),
      m_requests(make_request_repository(*m_ctx)), m_approvals(make_approval_repository(*m_ctx)),
      m_bookings(make_booking_repository(*m_ctx)) {}

SqliteStore::~SqliteStore() = default;

std::unique_ptr<Transaction> SqliteStore::begin(TxKind kind) {
    if (m_db->tx_state() != TxState::none) {
        throw nested_transaction();
    }
    return std::make_unique<SqliteTransaction>(
        *m_db, kind == TxKind::write ? TxGuard::Mode::immediate : TxGuard::Mode::deferred);
}

std::optional<std::string> SqliteStore::setting(std::string_view key) {
    auto stmt = m_db->prepare(sql::k_setting_get);
    stmt.bind(1, key);
    if (stmt.step()) {
        return stmt.get_text(0);
    }
    return std::nullopt;
}

void SqliteStore::set_setting(std::string_view key, std::string_view value) {
    if (key.empty()) {
        throw InvalidInput("key", "must not be empty");
    }
    TxGuard tx(*m_db, m_ctx->change_mode());
    if (setting(key) == value) {
        tx.commit();
        return;
    }
    {
        auto stmt = m_db->prepare(sql::k_setting_put);
        stmt.bind(1, key).bind(2, value).run();
    }
    // The value is not audited: settings may hold anything.
    m_ctx->write_audit("set", "setting", 0, key, "{}");
    tx.commit();
}

void SqliteStore::audit(std::string_view action, std::string_view kind, std::int64_t record_id,
                        std::string_view record_code, std::string_view details_json) {
    if (action.empty()) {
        throw InvalidInput("action", "must not be empty");
    }
    if (kind.empty()) {
        throw InvalidInput("kind", "must not be empty");
    }
    auto details = nlohmann::json::parse(details_json, nullptr, false);
    if (!details.is_object()) {
        throw InvalidInput("details", "must be a JSON object");
    }
    TxGuard tx(*m_db, m_ctx->change_mode());
    m_ctx->write_audit(action, kind, record_id, record_code, details_json);
    tx.commit();
}

namespace {

std::vector<AuditEvent> read_audit(Statement& stmt) {
    std::vector<AuditEvent> out;
    while (stmt.step()) {
        AuditEvent e;
        e.id = stmt.get_int(0);
        e.at = Instant{std::chrono::seconds{stmt.get_int(1)}};
        e.os_user = stmt.get_text(2);
        e.as = stmt.get_text(3);
        e.action = stmt.get_text(4);
        e.kind = stmt.get_text(5);
        e.record_id = stmt.get_int(6);
        e.record_code = stmt.get_text(7);
        e.details = stmt.get_text(8);
        out.push_back(std::move(e));
    }
    return out;
}

} // namespace

std::vector<AuditEvent> SqliteStore::audit_events(int limit) {
    auto stmt = m_db->prepare(sql::k_audit_latest);
    stmt.bind(1, std::max(0, limit));
    return read_audit(stmt);
}

std::vector<AuditEvent> SqliteStore::audit_about(ResidentId r) {
    auto stmt = m_db->prepare(sql::k_audit_about_resident);
    stmt.bind(1, r.value);
    return read_audit(stmt);
}

std::vector<AuditEvent> SqliteStore::audit_about(ContactId c) {
    TxGuard tx(*m_db, m_ctx->read_mode());
    std::string code;
    {
        auto stmt = m_db->prepare(sql::k_contact_code);
        stmt.bind(1, c.value);
        if (!stmt.step()) {
            return {};
        }
        code = stmt.get_text(0);
    }
    std::vector<AuditEvent> out;
    {
        auto stmt = m_db->prepare(sql::k_audit_about_contact);
        stmt.bind(1, c.value).bind(2, code);
        out = read_audit(stmt);
    }
    tx.commit();
    return out;
}

bool SqliteStore::flush_log() {
    if (m_db->tx_state() != TxState::none) {
        throw Error(ExitCode::internal, "internal",
                    "the write-ahead log cannot be emptied inside a transaction");
    }
    auto stmt = m_db->prepare(sql::k_wal_checkpoint_truncate);
    // In rollback-journal mode (a network file system) there is no log: the row is 0, -1, -1.
    return !stmt.step() || stmt.get_int(0) == 0;
}

std::vector<RecordChanges>
SqliteStore::record_changes(std::string_view kind, const std::vector<std::int64_t>& record_ids) {
    std::vector<RecordChanges> out;
    if (record_ids.empty()) {
        return out;
    }
    TxGuard tx(*m_db, m_ctx->read_mode());
    {
        auto stmt = m_db->prepare(sql::k_audit_changes);
        stmt.bind(1, kind).bind(2, nlohmann::json(record_ids).dump());
        while (stmt.step()) {
            RecordChanges c;
            c.record_id = stmt.get_int(0);
            c.changes = static_cast<int>(stmt.get_int(1));
            c.last = Instant{std::chrono::seconds{stmt.get_int(2)}};
            out.push_back(c);
        }
    }
    tx.commit();
    return out;
}

void SqliteStore::set_actor(Actor actor) {
    m_ctx->actor = with_os_user(std::move(actor));
}

CheckReport SqliteStore::check() {
    CheckReport report;
    TxGuard tx(*m_db, m_ctx->read_mode());
    {
        auto stmt = m_db->prepare(sql::k_integrity_check);
        while (stmt.step()) {
            auto line = stmt.get_text(0);
            if (line != "ok") {
                report.problems.push_back("integrity_check: " + line);
            }
        }
    }
    {
        auto stmt = m_db->prepare(sql::k_foreign_key_check);
        while (stmt.step()) {
            report.problems.push_back(fmt::format("{} row {} refers to a missing {}",
                                                  stmt.get_text(0), stmt.get_int(1),
                                                  stmt.get_text(2)));
        }
    }
    auto application_id = m_db->query_int(sql::k_get_application_id);
    if (application_id != sql::k_application_id) {
        report.problems.push_back(fmt::format("application_id is {:#010x}, not carecall's {:#010x}",
                                              application_id, sql::k_application_id));
    }
    report.schema_version = read_schema_version(*m_db);
    if (report.schema_version != latest_schema_version()) {
        report.problems.push_back(fmt::format("schema version {} (this carecall writes {})",
                                              report.schema_version, latest_schema_version()));
    }
    tx.commit();
    report.ok = report.problems.empty();
    return report;
}

void SqliteStore::backup(const std::string& path) {
    if (m_db->tx_state() != TxState::none) {
        throw Error(ExitCode::internal, "internal", "a backup cannot be made inside a transaction");
    }
    if (path.empty()) {
        throw InvalidInput("path", "must not be empty");
    }
    copy_database(*m_db, path, m_busy_timeout_ms);
}

int SqliteStore::schema_version() {
    return read_schema_version(*m_db);
}

std::vector<Device> SqliteStore::devices_serving(WardId ward) {
    std::vector<Device> out;
    for (auto id : devices_for_ward(*m_ctx, ward)) {
        if (auto d = m_devices->find(id)) {
            out.push_back(std::move(*d));
        }
    }
    return out;
}

std::vector<Staff> SqliteStore::staff_on(WardId ward) {
    std::vector<Staff> out;
    for (auto id : staff_for_ward(*m_ctx, ward)) {
        if (auto s = m_staff->find(id)) {
            out.push_back(std::move(*s));
        }
    }
    return out;
}

} // namespace carecall::sqlite
