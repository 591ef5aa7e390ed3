#include "store/sqlite/context.hpp"

#include <chrono>
#include <vector>

#include <pwd.h>
#include <unistd.h>

#include <fmt/format.h>

#include "store/sqlite/sql.hpp"

namespace carecall::sqlite {

TxGuard::Mode Context::change_mode() const {
    switch (db.tx_state()) {
    case TxState::none:
        return TxGuard::Mode::immediate;
    case TxState::write:
        return TxGuard::Mode::savepoint;
    case TxState::read:
        break;
    }
    throw Error(ExitCode::internal, "internal",
                "records cannot be changed inside a read transaction");
}

TxGuard::Mode Context::read_mode() const {
    return db.tx_state() == TxState::none ? TxGuard::Mode::deferred : TxGuard::Mode::none;
}

void Context::write_audit(std::string_view action, std::string_view kind, std::int64_t record_id,
                          std::string_view record_code, std::string_view details_json) {
    auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    auto stmt = db.prepare(sql::k_audit_insert);
    stmt.bind(1, static_cast<std::int64_t>(now.time_since_epoch().count()))
        .bind(2, actor.os_user)
        .bind(3, actor.as)
        .bind(4, action)
        .bind(5, kind)
        .bind(6, record_id)
        .bind(7, record_code)
        .bind(8, details_json);
    stmt.run();
}

StorageError Context::unreadable(std::string_view kind, std::int64_t id) const {
    return {ExitCode::corrupt, "corrupt",
            fmt::format("{} is not a carecall database (or it is corrupt): {} {} cannot be read; "
                        "restore a backup",
                        db.path(), kind, id)};
}

std::string current_os_user() {
    auto uid = ::geteuid();
    long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buffer(size > 0 ? static_cast<std::size_t>(size) : 16384);
    struct passwd pw {};
    struct passwd* found = nullptr;
    if (::getpwuid_r(uid, &pw, buffer.data(), buffer.size(), &found) == 0 && found != nullptr &&
        found->pw_name != nullptr) {
        return found->pw_name;
    }
    return fmt::format("uid {}", uid);
}

} // namespace carecall::sqlite
