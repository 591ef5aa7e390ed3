#include "store/sqlite/files.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "carecall/error.hpp"

namespace carecall::sqlite {
namespace {

StorageError file_error(int err, std::string_view what, const std::string& path) {
    if (err == EACCES || err == EPERM || err == EROFS) {
        return {ExitCode::permission, "permission",
                fmt::format("cannot create {} {}: permission denied", what, path)};
    }
    if (err == ENOSPC || err == EDQUOT) {
        return {ExitCode::io, "io", fmt::format("cannot create {} {}: disk full", what, path)};
    }
    return {ExitCode::io, "io",
            fmt::format("cannot create {} {}: {}", what, path, std::strerror(err))};
}

} // namespace

bool path_exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

std::string parent_dir(const std::string& path) {
    auto parent = std::filesystem::path(path).parent_path();
    return parent.empty() ? std::string(".") : parent.string();
}

void make_private_dirs(const std::string& dir) {
    std::filesystem::path prefix;
    for (const auto& part : std::filesystem::path(dir)) {
        prefix /= part;
        const auto& p = prefix.string();
        if (part == "/" || part == "." || part == ".." || part.empty()) {
            continue;
        }
        if (::mkdir(p.c_str(), 0700) == 0) {
            // The umask may have taken bits away; owner-only is what we want, no more, no less.
            ::chmod(p.c_str(), 0700);
            continue;
        }
        int err = errno;
        struct stat st {};
        if (err == EEXIST && ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
            continue;
        }
        if (err == EEXIST) {
            throw StorageError(ExitCode::io, "io",
                               fmt::format("cannot create directory {}: a file is in the way", p));
        }
        throw file_error(err, "directory", p);
    }
}

bool create_private_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        if (errno == EEXIST) {
            return false;
        }
        throw file_error(errno, "file", path);
    }
    ::fchmod(fd, 0600);
    ::close(fd);
    return true;
}

void sync_dir(const std::string& dir) noexcept {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

} // namespace carecall::sqlite
