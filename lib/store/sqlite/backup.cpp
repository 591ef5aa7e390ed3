#include "store/sqlite/backup.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>

#include <signal.h>

#include <unistd.h>

#include <fmt/format.h>

#include "store/sqlite/files.hpp"
#include "store/sqlite/sql.hpp"

namespace carecall::sqlite {
namespace {

/// Removes `PATH.partial-PID-N` files left by a copy to `path` that was killed: those whose
/// process is gone (a running copy's file is left alone). They hold personal data and can
/// never be completed.
void remove_stale_partials(const std::string& path) {
    auto target = std::filesystem::path(path);
    auto prefix = target.filename().string() + ".partial-";
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(
             target.parent_path().empty() ? std::filesystem::path(".") : target.parent_path(),
             ec)) {
        auto name = entry.path().filename().string();
        if (name.rfind(prefix, 0) != 0) {
            continue;
        }
        // PID-N, or the journal SQLite kept beside it (PID-N-journal).
        auto rest = name.substr(prefix.size());
        for (const char* suffix : {"-journal", "-wal", "-shm"}) {
            std::string_view sv(suffix);
            if (rest.size() > sv.size() &&
                rest.compare(rest.size() - sv.size(), sv.size(), sv) == 0) {
                rest.resize(rest.size() - sv.size());
                break;
            }
        }
        auto dash = rest.find('-');
        if (dash == 0 || dash == std::string::npos || dash > 9 ||
            rest.find_first_not_of("0123456789-") != std::string::npos) {
            continue;
        }
        auto pid = static_cast<pid_t>(std::stol(rest.substr(0, dash)));
        if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH) {
            std::filesystem::remove(entry.path(), ec);
        }
    }
}

} // namespace

void copy_database(Connection& src, const std::string& path, int busy_timeout_ms) {
    auto exists = [&] {
        return Conflict(fmt::format("backup file {} already exists: choose a new name", path),
                        "exists");
    };
    if (path_exists(path)) {
        throw exists();
    }
    auto dir = parent_dir(path);
    make_private_dirs(dir);
    remove_stale_partials(path);
    // Written under a temporary name and linked into place when complete, so that a backup file
    // is either absent or whole (a kill -9 leaves only the .partial file).
    std::string partial;
    for (int attempt = 0;; ++attempt) {
        partial = fmt::format("{}.partial-{}-{}", path, ::getpid(), attempt);
        if (create_private_file(partial)) {
            break;
        }
        if (attempt > 100) {
            throw StorageError(ExitCode::io, "io",
                               fmt::format("cannot create a temporary file next to {}", path));
        }
    }
    try {
        Connection dest(partial, path, SQLITE_OPEN_READWRITE);
        dest.exec(sql::k_pragma_synchronous);
        sqlite3_backup* job = sqlite3_backup_init(dest.handle(), "main", src.handle(), "main");
        if (job == nullptr) {
            dest.fail(sqlite3_extended_errcode(dest.handle()));
        }
        int rc = SQLITE_OK;
        int waited_ms = 0;
        for (;;) {
            // -1: every page in one step, so the copy is one committed snapshot.
            rc = sqlite3_backup_step(job, -1);
            if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && waited_ms < busy_timeout_ms) {
                sqlite3_sleep(20);
                waited_ms += 20;
                continue;
            }
            break;
        }
        int finished = sqlite3_backup_finish(job);
        if (rc != SQLITE_DONE) {
            throw make_error(dest.handle(), rc, path);
        }
        if (finished != SQLITE_OK) {
            throw make_error(dest.handle(), finished, path);
        }
    } catch (...) {
        ::unlink(partial.c_str());
        throw;
    }
    // link() refuses to replace an existing file, unlike rename().
    if (::link(partial.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(partial.c_str());
        if (err == EEXIST) {
            throw exists();
        }
        throw StorageError(err == EACCES || err == EPERM || err == EROFS ? ExitCode::permission
                                                                         : ExitCode::io,
                           err == EACCES || err == EPERM || err == EROFS ? "permission" : "io",
                           fmt::format("cannot create {}: {}", path, std::strerror(err)));
    }
    ::unlink(partial.c_str());
    try {
        sync_dir(dir);
    } catch (...) {
        // The copy is whole, but its name may not survive a power cut: no backup, say so.
        ::unlink(path.c_str());
        throw;
    }
}

} // namespace carecall::sqlite
