#include "env.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unistd.h>

#include <fmt/format.h>

#include "carecall/error.hpp"

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

Store& Env::store(bool create) {
    if (m_store) {
        return *m_store;
    }
    auto path = db_path();
    bool special = path.rfind("sqlite:", 0) == 0;
    if (!create && !special) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) {
            throw Error(ExitCode::no_input, "no_input",
                        fmt::format("no database at {} (create one with: carecall db init)", path));
        }
    }
    StoreOptions opts;
    const char* user = std::getenv("USER");
    if (user == nullptr || *user == '\0') {
        user = std::getenv("LOGNAME");
    }
    opts.actor.os_user = user != nullptr ? user : fmt::format("uid {}", getuid());
    opts.actor.as = as;
    opts.busy_timeout_ms = wait_ms;
    opts.create = create;
    m_store = open_store(special ? path : "sqlite:" + path, opts);
    for (const auto& w : m_store->warnings()) {
        message("carecall: warning: " + w);
    }
    return *m_store;
}

Store& Env::read_only_store() {
    if (m_store) {
        return *m_store;
    }
    auto path = db_path();
    bool special = path.rfind("sqlite:", 0) == 0;
    std::error_code ec;
    StoreOptions opts;
    opts.busy_timeout_ms = wait_ms;
    opts.create = false;
    if (!special && !std::filesystem::exists(path, ec)) {
        m_store = open_store("sqlite::memory:", opts);
        return *m_store;
    }
    opts.read_only = true;
    m_store = open_store(special ? path : "sqlite:" + path, opts);
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
                 const std::vector<std::vector<std::string>>& rows) {
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
                std::cout << (first ? k + ":" + pad : std::string(key_width + 3, ' ')) << text
                          << '\n';
                first = false;
            }
        } else if (v.is_object()) {
            std::string text;
            for (const auto& [k2, v2] : v.items()) {
                if (!cell(v2).empty()) {
                    text += (text.empty() ? "" : ", ") + k2 + " " + cell(v2);
                }
            }
            std::cout << k << ":" << pad << text << '\n';
        } else {
            std::cout << k << ":" << pad << cell(v) << '\n';
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

/// Writes `text` to `path`, creating it 0600 (exports hold personal data; docs/reliability.md P1).
void write_private_file(const std::string& path, const std::string& text) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw Error(ExitCode::io, "io",
                    fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    }
    std::size_t done = 0;
    while (done < text.size()) {
        auto n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            int err = errno;
            ::close(fd);
            throw Error(ExitCode::io, "io",
                        fmt::format("cannot write {}: {}", path, std::strerror(err)));
        }
        done += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0) {
        throw Error(ExitCode::io, "io",
                    fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    }
}

} // namespace carecall::cli
