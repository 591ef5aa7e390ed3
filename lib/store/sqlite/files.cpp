#include "store/sqlite/files.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
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

void sync_dir(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return;
    }
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    // EINVAL: a file system that cannot flush directories; nothing to report.
    if (rc != 0 && err != EINVAL) {
        throw StorageError(ExitCode::io, "io",
                           fmt::format("i/o error on {} (flushing to disk failed): {}; nothing was "
                                       "saved: check the disk (its space, its health, the system "
                                       "log) and retry",
                                       dir, std::strerror(err)));
    }
}

bool on_network_fs(const std::string& dir) {
    if (const char* e = std::getenv("CARECALL_ASSUME_NETWORK_FS"); e != nullptr && *e == '1') {
        return true;
    }
    struct statfs fs {};
    if (::statfs(dir.c_str(), &fs) != 0) {
        return false;
    }
    // Magic numbers of linux/magic.h (and fuse, which sshfs and similar use).
    switch (static_cast<unsigned long>(fs.f_type)) {
    case 0x6969UL:     // NFS
    case 0x517BUL:     // SMB
    case 0xFF534D42UL: // CIFS
    case 0xFE534D42UL: // SMB2
    case 0x5346414FUL: // AFS
    case 0x00C36400UL: // Ceph
    case 0x01021997UL: // 9p
    case 0x65735546UL: // FUSE
    case 0x47504653UL: // GPFS
    case 0x0BD00BD0UL: // Lustre
        return true;
    default:
        return false;
    }
}

bool in_read_only_place(const std::string& path) {
    if (::access(path.c_str(), R_OK) != 0 || ::access(parent_dir(path).c_str(), W_OK) == 0) {
        return false;
    }
    struct stat wal {};
    return ::stat((path + "-wal").c_str(), &wal) != 0 || wal.st_size == 0;
}

std::string immutable_uri(const std::string& path) {
    std::string uri = "file:";
    for (char c : path) {
        // The characters a URI gives a meaning to are escaped; everything else is as it is.
        if (c == '%' || c == '?' || c == '#') {
            uri += fmt::format("%{:02X}", static_cast<unsigned char>(c));
        } else {
            uri += c;
        }
    }
    return uri + "?immutable=1";
}

unsigned shared_mode_bits(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return 0;
    }
    return static_cast<unsigned>(st.st_mode) & 077U;
}

} // namespace carecall::sqlite
