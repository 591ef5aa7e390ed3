#include "env.hpp"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <streambuf>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "carecall/error.hpp"
#include "carecall/model.hpp"

namespace carecall::cli {

std::string Env::db_path() const {
    if (!db_option.empty()) {
        return db_option;
    }
    if (const char* e = std::getenv("CARECALL_DB"); e != nullptr && *e != '\0') {
        return e;
    }
    std::string base;
    if (const char* x = std::getenv("XDG_DATA_HOME"); x != nullptr && *x == '/') {
        base = x;
    } else if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') {
        base = std::string(h) + "/.local/share";
    } else {
        throw Error(ExitCode::config, "config",
                    "no database given: use --db PATH or set CARECALL_DB (HOME is not set)");
    }
    return base + "/carecall/carecall.db";
}

std::string Env::db_origin() const {
    if (!db_option.empty()) {
        return "--db";
    }
    if (const char* e = std::getenv("CARECALL_DB"); e != nullptr && *e != '\0') {
        return "CARECALL_DB";
    }
    return "the default location";
}

namespace {

const char* kind_of(mode_t mode) {
    if (S_ISDIR(mode)) {
        return "a directory";
    }
    if (S_ISFIFO(mode)) {
        return "a FIFO (named pipe)";
    }
    if (S_ISCHR(mode)) {
        return "a character device";
    }
    if (S_ISBLK(mode)) {
        return "a block device";
    }
    if (S_ISSOCK(mode)) {
        return "a socket";
    }
    return "not a regular file";
}

/// Refuses a database path that is there but is no regular file (exit 66 naming what it is), or
/// that is an empty file with no log beside it (exit 5) unless `accept_empty`. A missing path is
/// left to the caller. Symbolic links are followed: a link to /dev/null is a character device.
void check_db_file(const std::string& path, bool accept_empty) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        std::string via;
        struct stat lst {};
        std::error_code ec;
        if (::lstat(path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) {
            auto target = std::filesystem::canonical(path, ec);
            via = fmt::format(" (a symbolic link to {})", ec ? std::string("it") : target.string());
        }
        throw Error(ExitCode::no_input, "no_input",
                    fmt::format("{}{} is {}, not a database file: check --db or CARECALL_DB", path,
                                via, kind_of(st.st_mode)));
    }
    struct stat wal {};
    bool wal_holds_data = ::stat((path + "-wal").c_str(), &wal) == 0 && wal.st_size > 0;
    if (st.st_size == 0 && !wal_holds_data && !accept_empty) {
        throw Error(ExitCode::corrupt, "corrupt",
                    fmt::format("{} is not a carecall database: it is an empty file (0 bytes); "
                                "check the path, or make it a database with carecall db init",
                                path));
    }
}

/// Exit 66 for a database file that is not there, naming the path and where it came from.
[[noreturn]] void no_database(const std::string& path, const std::string& origin) {
    std::string hint = origin == "the default location"
                           ? "no --db or CARECALL_DB was given; name the database with --db PATH, "
                             "or make one here with carecall db init"
                           : "check the path, or make a new database with carecall db init";
    throw Error(ExitCode::no_input, "no_input",
                fmt::format("no database at {} (from {}): {}", path, origin, hint));
}

} // namespace

std::string Env::db_file() const {
    auto path = db_path();
    auto u = parse_store_url(path);
    if (u.scheme.empty()) {
        return path;
    }
    if (u.scheme != "sqlite") {
        throw UsageError(fmt::format("--db {}: unknown store URL scheme '{}': this carecall "
                                     "knows sqlite:PATH and plain paths",
                                     path, path.substr(0, path.find(':'))));
    }
    if (u.rest.empty()) {
        throw UsageError(
            fmt::format("--db {}: the store URL names no file (expected sqlite:PATH)", path));
    }
    return u.rest == ":memory:" ? std::string() : u.rest;
}

Store& Env::store(Create create, bool accept_empty) {
    if (m_store) {
        return *m_store;
    }
    auto path = db_file();
    if (!path.empty()) {
        check_db_file(path, accept_empty);
    }
    auto origin = db_origin();
    bool may_create =
        create == Create::yes || (create == Create::if_named && origin != "the default location");
    if (!may_create && !path.empty()) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) {
            no_database(path, origin);
        }
    }
    StoreOptions opts;
    const char* user = std::getenv("USER");
    if (user == nullptr || *user == '\0') {
        user = std::getenv("LOGNAME");
    }
    opts.actor.os_user = user != nullptr ? user : fmt::format("uid {}", getuid());
    validate_text(as, "--as"); // the audit trail's name for the person making the change
    opts.actor.as = as;
    opts.busy_timeout_ms = wait_ms;
    opts.create = may_create;
    m_store = open_store(path.empty() ? "sqlite::memory:" : "sqlite:" + path, opts);
    for (const auto& w : m_store->warnings()) {
        message("carecall: warning: " + w);
    }
    return *m_store;
}

Store& Env::read_only_store(bool missing_is_empty) {
    if (m_store) {
        return *m_store;
    }
    auto path = db_file();
    std::error_code ec;
    StoreOptions opts;
    opts.busy_timeout_ms = wait_ms;
    opts.create = false;
    if (!path.empty()) {
        check_db_file(path, false);
    }
    if (!path.empty() && !missing_is_empty && !std::filesystem::exists(path, ec)) {
        no_database(path, db_origin());
    }
    if (path.empty() || !std::filesystem::exists(path, ec)) {
        m_store = open_store("sqlite::memory:", opts);
        return *m_store;
    }
    opts.read_only = true;
    m_store = open_store("sqlite:" + path, opts);
    for (const auto& w : m_store->warnings()) {
        message("carecall: warning: " + w);
    }
    return *m_store;
}

Instant Env::now() const {
    std::string text = now_option;
    std::string field = "--now";
    if (text.empty()) {
        if (const char* e = std::getenv("CARECALL_NOW"); e != nullptr && *e != '\0') {
            text = e;
            field = "CARECALL_NOW";
        }
    }
    if (text.empty()) {
        return date::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    }
    // An instant: "…Z" or "…+01:00"; a bare local date-time is read as UTC.
    std::string t = text;
    std::chrono::seconds offset{0};
    if (!t.empty() && (t.back() == 'Z' || t.back() == 'z')) {
        t.pop_back();
    } else if (t.size() > 16 && (t[t.size() - 6] == '+' || t[t.size() - 6] == '-') &&
               t[t.size() - 3] == ':') {
        int sign = t[t.size() - 6] == '-' ? -1 : 1;
        int hh = parse_clock(t.substr(t.size() - 5), field);
        offset = std::chrono::minutes{sign * hh};
        t.resize(t.size() - 6);
    }
    if (t.size() == 10) {
        t += "T00:00";
    }
    auto local = parse_local_datetime(t, field);
    return Instant{local.time_since_epoch() - offset};
}

void Env::message(const std::string& text) const {
    if (!quiet) {
        std::cerr << text << '\n';
    }
}

void Env::confirm(const std::string& question, bool yes) const {
    if (yes) {
        return;
    }
    if (isatty(STDIN_FILENO) == 0) {
        throw UsageError(fmt::format("{}: refused without --yes (not on a terminal)", question));
    }
    std::cerr << question << " [y/N] " << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") {
        throw Error(ExitCode::interrupted, "cancelled", "cancelled: nothing changed");
    }
}

namespace {

std::size_t width(const std::string& s) {
    std::size_t n = 0;
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if ((c & 0xC0U) != 0x80U) {
            ++n;
        }
    }
    return n;
}

} // namespace

std::string cell(const nlohmann::json& v) {
    if (v.is_null()) {
        return "";
    }
    if (v.is_string()) {
        return v.get<std::string>();
    }
    if (v.is_boolean()) {
        return v.get<bool>() ? "yes" : "no";
    }
    if (v.is_array()) {
        std::string out;
        for (const auto& e : v) {
            if (!out.empty()) {
                out += ", ";
            }
            out += e.is_object() && e.contains("text") ? cell(e["text"]) : cell(e);
        }
        return out;
    }
    if (v.is_object() && v.contains("text")) {
        return cell(v["text"]);
    }
    return v.dump();
}

void print_table(const std::vector<std::string>& headers,
                 const std::vector<std::vector<std::string>>& raw_rows) {
    // One row a line: a tab or line break stored in a cell is shown as \u0009 or \u000a.
    auto rows = raw_rows;
    for (auto& r : rows) {
        for (auto& c : r) {
            c = visible_text(c);
        }
    }
    std::vector<std::size_t> w(headers.size());
    for (std::size_t i = 0; i < headers.size(); ++i) {
        w[i] = width(headers[i]);
    }
    for (const auto& r : rows) {
        for (std::size_t i = 0; i < r.size() && i < w.size(); ++i) {
            w[i] = std::max(w[i], width(r[i]));
        }
    }
    auto line = [&](const std::vector<std::string>& r) {
        std::string out;
        for (std::size_t i = 0; i < headers.size(); ++i) {
            const std::string& c = i < r.size() ? r[i] : std::string();
            out += c;
            if (i + 1 < headers.size()) {
                out += std::string(w[i] - width(c) + 2, ' ');
            }
        }
        while (!out.empty() && out.back() == ' ') {
            out.pop_back();
        }
        std::cout << out << '\n';
    };
    line(headers);
    for (const auto& r : rows) {
        line(r);
    }
}

void print_json(const nlohmann::json& j) {
    std::cout << j.dump(2) << '\n';
}

void print_record(const nlohmann::json& record) {
    std::size_t key_width = 0;
    for (const auto& [k, v] : record.items()) {
        key_width = std::max(key_width, k.size());
    }
    for (const auto& [k, v] : record.items()) {
        if (k == "format") {
            continue;
        }
        auto pad = std::string(key_width - k.size() + 2, ' ');
        if (v.is_array() && !v.empty() && v.front().is_object()) {
            bool first = true;
            for (const auto& e : v) {
                std::string text;
                if (e.contains("text")) {
                    text = cell(e["text"]);
                } else if (e.contains("start") && e.contains("end")) {
                    text = fmt::format("{} to {}", cell(e["start"]), cell(e["end"]));
                    if (e.contains("label") && !cell(e["label"]).empty()) {
                        text += " " + cell(e["label"]);
                    }
                } else {
                    text = e.dump();
                }
                std::cout << (first ? k + ":" + pad : std::string(key_width + 3, ' '))
                          << visible_text(text) << '\n';
                first = false;
            }
        } else if (v.is_object()) {
            std::string text;
            for (const auto& [k2, v2] : v.items()) {
                if (!cell(v2).empty()) {
                    text += (text.empty() ? "" : ", ") + k2 + " " + cell(v2);
                }
            }
            std::cout << k << ":" << pad << visible_text(text) << '\n';
        } else {
            std::cout << k << ":" << pad << visible_text(cell(v)) << '\n';
        }
    }
}

std::string read_input(const std::string& path) {
    std::ostringstream buf;
    if (path == "-") {
        buf << std::cin.rdbuf();
        return buf.str();
    }
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        throw Error(ExitCode::no_input, "no_input",
                    fmt::format("cannot read {}: it is a directory", path));
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error(ExitCode::no_input, "no_input",
                    fmt::format("cannot read {}: no such file or not readable", path));
    }
    buf << in.rdbuf();
    if (in.bad()) {
        throw Error(ExitCode::no_input, "no_input", fmt::format("cannot read {}", path));
    }
    return buf.str();
}

namespace {

std::string reason(int err) {
    return err == ENOSPC || err == EDQUOT ? std::string("disk full") : std::strerror(err);
}

/// Writes all of `text` to `fd`; false with errno set when the system refuses.
bool write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        auto n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            if (n == 0) {
                errno = EIO;
            }
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

/// `path` with every symbolic link along its last component followed (also when the last one
/// points nowhere yet).
std::string follow_links(const std::string& path) {
    std::filesystem::path p = path;
    for (int hops = 0; hops < 40; ++hops) {
        struct stat st {};
        if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) {
            break;
        }
        std::error_code ec;
        auto to = std::filesystem::read_symlink(p, ec);
        if (ec) {
            break;
        }
        p = to.is_absolute() ? to : p.parent_path() / to;
    }
    return p.lexically_normal().string();
}

/// The absolute form of `p` with the links of its existing folders resolved.
std::filesystem::path resolved(const std::filesystem::path& p) {
    std::error_code ec;
    auto abs = std::filesystem::absolute(p, ec);
    if (ec) {
        return p;
    }
    auto r = std::filesystem::weakly_canonical(abs, ec);
    return ec ? abs.lexically_normal() : r;
}

bool same_file(const std::string& a, const std::string& b) {
    struct stat sa {};
    struct stat sb {};
    return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

} // namespace

void refuse_database_target(const Env& env, const std::string& path) {
    std::string db;
    try {
        db = env.db_file();
    } catch (const Error&) {
        return; // no database path: nothing to protect
    }
    if (db.empty()) {
        return;
    }
    auto target = resolved(path);
    // The database as named, and the file a link in its name leads to (SQLite keeps its logs
    // next to the file the links lead to).
    std::vector<std::filesystem::path> bases{resolved(db), resolved(follow_links(db))};
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        bool hit = same_file(path, db + suffix);
        for (const auto& base : bases) {
            hit = hit || target == std::filesystem::path(base.string() + suffix);
        }
        if (hit) {
            throw UsageError(fmt::format(
                "refusing to write {}: it is {} ({}); nothing written: choose another file", path,
                *suffix == '\0' ? std::string("the database")
                                : fmt::format("the database's {} file", suffix + 1),
                db + suffix));
        }
    }
}

/// Writes `text` to `path` whole or not at all (docs/cli.md, Files): exports hold personal data,
/// so the new file is 0600 whatever the old one was (docs/reliability.md P1).
void write_private_file(const Env& env, const std::string& path, const std::string& text) {
    auto fail = [&path](int err) {
        return Error(ExitCode::io, "io",
                     fmt::format("cannot write {}: {}; nothing written", path, reason(err)));
    };
    refuse_database_target(env, path);
    std::string target = path;
    struct stat lst {};
    if (::lstat(path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) {
        if (!env.force) {
            throw UsageError(fmt::format("refusing to write {}: it is a symbolic link; nothing "
                                         "written (--force writes to the file it points to)",
                                         path));
        }
        target = follow_links(path);
        refuse_database_target(env, target);
    }
    struct stat st {};
    bool exists = ::stat(target.c_str(), &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) {
        throw Error(ExitCode::io, "io",
                    fmt::format("cannot write {}: it is a directory; nothing written", path));
    }
    if (exists && !S_ISREG(st.st_mode)) {
        // A device or a FIFO (/dev/null, a pipe): written to as it is, never replaced.
        int fd = ::open(target.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
            throw fail(errno);
        }
        bool ok = write_all(fd, text);
        int err = errno;
        if (::close(fd) != 0 && ok) {
            ok = false;
            err = errno;
        }
        if (!ok) {
            throw fail(err);
        }
        return;
    }
    // A new file beside the target, made 0600 by mkostemp, flushed, then renamed over it: the
    // old file stays whole until the new one is complete on disk (a full disk leaves it).
    auto dir = std::filesystem::path(target).parent_path();
    auto name = std::filesystem::path(target).filename().string();
    std::string tmp =
        ((dir.empty() ? std::filesystem::path(".") : dir) / ("." + name + ".carecall-XXXXXX"))
            .string();
    int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
    if (fd < 0) {
        throw fail(errno);
    }
    ::fchmod(fd, 0600);
    bool ok = write_all(fd, text) && ::fsync(fd) == 0;
    int err = errno;
    if (::close(fd) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (ok && ::rename(tmp.c_str(), target.c_str()) != 0) {
        ok = false;
        err = errno;
    }
    if (!ok) {
        ::unlink(tmp.c_str());
        throw fail(err);
    }
    int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        // EINVAL: a file system that cannot flush directories. The file is complete either way.
        int rc = ::fsync(dfd);
        err = errno;
        ::close(dfd);
        if (rc != 0 && err != EINVAL) {
            throw Error(
                ExitCode::io, "io",
                fmt::format("cannot write {}: {} (flushing its folder failed)", path, reason(err)));
        }
    }
}

namespace {

/// std::cout's and std::cerr's buffer: stdio's stdout or stderr, as the standard ones
/// (sync_with_stdio), with two additions.
/// - It never lets a control character through but tab, new line and carriage return (CSV and
///   ICS line ends, progress lines): the others (C0, DEL, C1) are written as `\u001b`, the JSON
///   escape of the same character, so JSON stays equal and text stored before the text rules
///   (or in an old database) cannot drive the terminal. This is the one place every byte
///   carecall writes on stdout and stderr passes through.
/// - It keeps the reason of the first failed write. Writing to std::cerr flushes std::cout
///   first (they are tied), so the failure often happens long before the command ends and errno
///   is gone by then.
class GuardedOutput final : public std::streambuf {
public:
    explicit GuardedOutput(std::FILE* file) : m_file(file) {}

    int first_error = 0;
    bool failed = false;

    /// Writes control sequences of carecall's own (a progress line's wipe) as they are.
    void raw(std::string_view text) {
        put_held();
        put(text);
    }

protected:
    int overflow(int c) override {
        if (c == traits_type::eof()) {
            return traits_type::not_eof(c);
        }
        char ch = traits_type::to_char_type(c);
        return guarded(&ch, 1) ? c : traits_type::eof();
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        return guarded(s, static_cast<std::size_t>(n)) ? n : 0;
    }
    int sync() override {
        put_held();
        if (std::fflush(m_file) != 0) {
            note();
            return -1;
        }
        return 0;
    }

private:
    std::FILE* m_file;
    bool m_held = false; // a 0xC2 byte not written yet: it may start a C1 control (C2 80-9F)

    bool guarded(const char* s, std::size_t n) {
        std::string out;
        out.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            auto c = static_cast<unsigned char>(s[i]);
            if (m_held) {
                m_held = false;
                if (c >= 0x80U && c <= 0x9FU) {
                    out += fmt::format("\\u{:04x}", c);
                    continue;
                }
                out += '\xC2';
            }
            if (c == 0xC2U) {
                m_held = true;
            } else if ((c < 0x20U && c != '\t' && c != '\n' && c != '\r') || c == 0x7FU) {
                out += fmt::format("\\u{:04x}", c);
            } else {
                out += static_cast<char>(c);
            }
        }
        return put(out);
    }
    void put_held() {
        if (m_held) {
            m_held = false;
            put("\xC2");
        }
    }
    bool put(std::string_view text) {
        if (text.empty()) {
            return true;
        }
        if (std::fwrite(text.data(), 1, text.size(), m_file) != text.size()) {
            note();
            return false;
        }
        return true;
    }
    void note() {
        if (!failed) {
            failed = true;
            first_error = errno;
        }
    }
};

GuardedOutput& checked_stdout() {
    // Never destroyed: std::cout flushes it when the program ends, after static objects go.
    static auto* buf = new GuardedOutput(stdout);
    return *buf;
}

GuardedOutput& guarded_stderr() {
    static auto* buf = new GuardedOutput(stderr);
    return *buf;
}

} // namespace

void watch_stdout() {
    std::cout.rdbuf(&checked_stdout());
    std::cerr.rdbuf(&guarded_stderr());
}

void wipe_progress_line() {
    std::cerr.flush();
    guarded_stderr().raw("\r\x1b[K");
    std::fflush(stderr);
}

void check_stdout() {
    auto& buf = checked_stdout();
    std::cout.flush();
    if (std::fflush(stdout) != 0 && !buf.failed) {
        buf.failed = true;
        buf.first_error = errno;
    }
    if (buf.failed || std::cout.fail() || std::ferror(stdout) != 0) {
        int err = buf.first_error;
        throw Error(ExitCode::io, "io",
                    fmt::format("cannot write to standard output: {}",
                                err != 0 ? reason(err) : std::string("write error")));
    }
}

CLI::Validator seconds_check(double max) {
    return CLI::Validator(
        [max](std::string& text) -> std::string {
            if (text.empty()) {
                return {}; // refuse_empty_values says so
            }
            double v = 0;
            const char* end = text.data() + text.size();
            auto [ptr, ec] = std::from_chars(text.data(), end, v);
            if (ptr != end || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
                return fmt::format("'{}' is not a number of seconds", text);
            }
            if (ec == std::errc::result_out_of_range || !std::isfinite(v)) {
                return fmt::format("'{}' is not a finite number of seconds", text);
            }
            if (v < 0 || v > max) {
                return fmt::format("'{}' is not between 0 and {} seconds", text, max);
            }
            return {};
        },
        "", "seconds");
}

void refuse_empty_values(CLI::App& app) {
    static const CLI::Validator non_empty(
        [](std::string& text) -> std::string { return text.empty() ? "is empty" : ""; }, "",
        "non-empty");
    for (CLI::Option* opt : app.get_options()) {
        if (opt->nonpositional() && opt->get_type_size_max() > 0) {
            opt->check(non_empty);
        }
    }
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
        refuse_empty_values(*sub);
    }
}

} // namespace carecall::cli
