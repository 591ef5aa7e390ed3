#pragma once
// Private files and directories: a database, its backups and their directories are created
// owner-only (0600 / 0700) before SQLite opens them, whatever the umask.

#include <string>

namespace carecall::sqlite {

/// True when something exists at `path` (a dangling symlink counts).
bool path_exists(const std::string& path);

/// Creates the missing directories of `dir` (mkdir -p), each new one 0700; existing ones are left
/// as they are. Throws StorageError (permission 77 or io 74) naming the directory.
void make_private_dirs(const std::string& dir);

/// Creates an empty file 0600 with O_CREAT|O_EXCL. Returns false if it already exists.
/// Throws StorageError naming the file on any other failure.
bool create_private_file(const std::string& path);

/// Flushes a directory's entries (after creating or linking a file in it). Throws StorageError
/// (exit 74) naming the directory when the disk refuses (EIO on fsync): the new name may not
/// survive a power cut. A directory that cannot be opened for reading is not flushed.
void sync_dir(const std::string& dir);

/// True when `dir` is on a network file system (NFS, SMB/CIFS, AFS, Ceph, 9p, FUSE network
/// mounts…), where SQLite's WAL does not work across hosts. CARECALL_ASSUME_NETWORK_FS=1 makes it
/// true, to test what follows.
bool on_network_fs(const std::string& dir);

/// The permission bits of `path` when group or others may read or write it, else 0.
unsigned shared_mode_bits(const std::string& path);

/// True when the file exists and is readable but its directory is not writable by this process
/// (permissions, or a read-only file system), and no log (`-wal`) with content lies beside it.
bool in_read_only_place(const std::string& path);

/// A `file:` URI opening `path` as immutable (read-only, no locks, no -wal or -shm).
std::string immutable_uri(const std::string& path);

/// The directory part of `path` ("." when there is none).
std::string parent_dir(const std::string& path);

} // namespace carecall::sqlite
