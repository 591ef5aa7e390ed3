#pragma once
// Runs the real carecall binary against a fresh database in a scratch directory.

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

namespace carecall::test {

struct Result {
    int code = -1;
    std::string out;
    std::string err;
};

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) {
        if (c == '\'') {
            q += "'\\''";
        } else {
            q += c;
        }
    }
    return q + "'";
}

inline bool starts_with(const std::string& s, const std::string& prefix) {
    return s.rfind(prefix, 0) == 0;
}

inline bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

inline std::string first_line(const std::string& s) {
    return s.substr(0, s.find('\n'));
}

/// The permission bits of a file or directory (e.g. 0600), or -1 when it does not exist.
inline int mode_of(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return -1;
    }
    return static_cast<int>(st.st_mode & 07777);
}

/// Parses JSON, failing the test (not crashing) when it is not JSON.
inline nlohmann::json parse_json(const std::string& text) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    INFO("text: " << text);
    REQUIRE_FALSE(j.is_discarded());
    return j;
}

/// Runs SQL on a database file directly (to make foreign, damaged or newer files).
inline void exec_sql(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    char* msg = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg);
    std::string text = msg != nullptr ? msg : "";
    sqlite3_free(msg);
    sqlite3_close(db);
    INFO("sql: " << sql << " error: " << text);
    REQUIRE(rc == SQLITE_OK);
}

/// A logical dump of a database: schema, pragmas and every row of every table (rows sorted),
/// independent of page layout. Opened immutable so reading it changes nothing on disk.
inline std::string logical_dump(const std::string& path) {
    if (!std::filesystem::exists(path)) {
        return "<no file>";
    }
    sqlite3* db = nullptr;
    std::string uri = "file:" + path + "?immutable=1";
    if (sqlite3_open_v2(uri.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) !=
        SQLITE_OK) {
        sqlite3_close(db);
        return "<not a database>";
    }
    std::string out;
    auto query = [&](const std::string& sql, bool sort_rows) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
            out += "<error: " + std::string(sqlite3_errmsg(db)) + ">\n";
            return std::vector<std::vector<std::string>>{};
        }
        std::vector<std::vector<std::string>> rows;
        int rc = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            std::vector<std::string> row;
            for (int i = 0; i < sqlite3_column_count(st); ++i) {
                auto type = sqlite3_column_type(st, i);
                const auto* text = sqlite3_column_blob(st, i);
                auto size = static_cast<std::size_t>(sqlite3_column_bytes(st, i));
                std::string v = type == SQLITE_NULL
                                    ? "NULL"
                                    : std::to_string(type) + ":" +
                                          std::string(static_cast<const char*>(text), size);
                row.push_back(v);
            }
            rows.push_back(std::move(row));
        }
        if (rc != SQLITE_DONE) {
            out += "<error: " + std::string(sqlite3_errmsg(db)) + ">\n";
        }
        sqlite3_finalize(st);
        if (sort_rows) {
            std::sort(rows.begin(), rows.end());
        }
        return rows;
    };
    auto add = [&](const std::vector<std::vector<std::string>>& rows) {
        for (const auto& r : rows) {
            for (const auto& v : r) {
                out += v + "\x1f";
            }
            out += "\n";
        }
    };
    out += "user_version:";
    add(query("PRAGMA user_version", false));
    out += "application_id:";
    add(query("PRAGMA application_id", false));
    auto schema = query("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name", false);
    add(schema);
    for (const auto& r : schema) {
        if (r[0] == "3:table") {
            auto name = r[1].substr(2);
            out += "=== table " + name + "\n";
            std::string quoted = "\"";
            for (char c : name) {
                quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
            }
            quoted += "\"";
            add(query("SELECT * FROM " + quoted, true));
        }
    }
    sqlite3_close(db);
    return out;
}

/// The schema of a database (tables, indexes, triggers and their SQL), for "schema unchanged".
inline std::string schema_of(const std::string& path) {
    auto dump = logical_dump(path);
    auto at = dump.find("=== table ");
    return dump.substr(0, at);
}

/// "" when equal, else the first line that differs (for readable failures of dump checks).
inline std::string first_difference(const std::string& before, const std::string& after) {
    if (before == after) {
        return {};
    }
    std::istringstream a(before);
    std::istringstream b(after);
    std::string la;
    std::string lb;
    for (int line = 1;; ++line) {
        bool ga = static_cast<bool>(std::getline(a, la));
        bool gb = static_cast<bool>(std::getline(b, lb));
        if (!ga && !gb) {
            return "differs";
        }
        if (la != lb || ga != gb) {
            return "line " + std::to_string(line) + ": before '" + (ga ? la : "<end>") +
                   "', after '" + (gb ? lb : "<end>") + "'";
        }
    }
}

/// The database did not change (compare two dump()s).
#define CARECALL_CHECK_SAME(before, after)                                                         \
    do {                                                                                           \
        auto diff_ = ::carecall::test::first_difference((before), (after));                        \
        CHECK_MESSAGE(diff_.empty(), "the database changed: " << diff_);                           \
    } while (false)

/// One run of the command.
struct Invocation {
    std::vector<std::string> args;
    std::string input;            ///< stdin (empty: an empty file, so never a terminal)
    std::vector<std::string> env; ///< "K=V" sets, "-K" unsets, for the child only
    bool with_db = true;          ///< put --db DB first
    std::string umask;            ///< e.g. "000" (empty: inherit)
};

/// A scratch directory with a database path; removed at the end.
class Scratch {
public:
    Scratch() {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / "carecall-cli-XXXXXX").string();
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        char* made = mkdtemp(buf.data());
        REQUIRE(made != nullptr);
        m_dir = made;
    }
    ~Scratch() {
        std::error_code ec;
        std::filesystem::remove_all(m_dir, ec);
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;

    [[nodiscard]] const std::filesystem::path& dir() const { return m_dir; }
    [[nodiscard]] std::string db() const { return (m_dir / "carecall.db").string(); }
    [[nodiscard]] std::string path(const std::string& name) const {
        return (m_dir / name).string();
    }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(m_dir / name, std::ios::binary) << text;
    }
    [[nodiscard]] std::string read(const std::string& name) const { return slurp(m_dir / name); }
    /// Makes the database (only `db init` and imports create one).
    void init() const { ok({"-q", "db", "init"}); }

    Result run(const Invocation& inv) const {
        std::string cmd;
        if (!inv.umask.empty()) {
            cmd += "umask " + inv.umask + "; ";
        }
        // The child never sees the caller's database settings unless a test sets them.
        cmd += "env -u CARECALL_DB -u CARECALL_NOW -u NO_COLOR";
        for (const auto& e : inv.env) {
            if (!e.empty() && e[0] == '-') {
                cmd += " -u " + shell_quote(e.substr(1));
            } else {
                cmd += " " + shell_quote(e);
            }
        }
        cmd += " " + shell_quote(CARECALL_BIN);
        if (inv.with_db) {
            cmd += " --db " + shell_quote(db());
        }
        for (const auto& a : inv.args) {
            cmd += " " + shell_quote(a);
        }
        auto out = m_dir / ".out";
        auto err = m_dir / ".err";
        auto in = m_dir / ".in";
        std::ofstream(in, std::ios::binary) << inv.input;
        cmd += " <" + shell_quote(in.string()) + " >" + shell_quote(out.string()) + " 2>" +
               shell_quote(err.string());
        int status = std::system(cmd.c_str());
        Result r;
        r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        r.out = slurp(out);
        r.err = slurp(err);
        std::error_code ec;
        std::filesystem::remove(out, ec);
        std::filesystem::remove(err, ec);
        std::filesystem::remove(in, ec);
        return r;
    }

    /// Runs `carecall --db DB args…` with stdin from `input`; env "K=V" pairs are set (and "-K"
    /// unset) for the child only.
    Result run(const std::vector<std::string>& args, const std::string& input = {},
               const std::vector<std::string>& env = {}, bool with_db = true) const {
        return run(Invocation{args, input, env, with_db, {}});
    }

    /// Runs and requires success; returns stdout.
    std::string ok(const std::vector<std::string>& args, const std::string& input = {}) const {
        auto r = run(args, input);
        INFO("args: " << describe(args));
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        return r.out;
    }

    /// Runs with --json first and requires success; returns stdout parsed.
    nlohmann::json json(std::vector<std::string> args) const {
        args.insert(args.begin(), "--json");
        return parse_json(ok(args));
    }

    /// The record of `KIND show CODE --json`.
    nlohmann::json show(const std::string& kind, const std::string& code) const {
        auto j = json({kind, "show", code});
        CHECK(j["format"] == "carecall-record/1");
        return j["record"];
    }

    /// The items of `KIND list --json`.
    nlohmann::json list(const std::string& kind) const {
        auto j = json({kind, "list"});
        CHECK(j["format"] == "carecall-list/1");
        return j["items"];
    }

    /// The database file's bytes (for "unchanged" checks; the WAL is checkpointed by closing).
    [[nodiscard]] std::string snapshot() const {
        return slurp(db()) + "|wal:" + slurp(db() + "-wal");
    }

    /// The database's content, row by row (see logical_dump).
    [[nodiscard]] std::string dump() const { return logical_dump(db()); }

    static std::string describe(const std::vector<std::string>& args) {
        std::string s;
        for (const auto& a : args) {
            s += (s.empty() ? "" : " ") + shell_quote(a);
        }
        return s;
    }

private:
    std::filesystem::path m_dir;
};

using Args = std::vector<std::string>;

/// Checks a refused command: the exit code, the exact first line on stderr, nothing on stdout.
inline void check_error(const Result& r, int exit_code, const std::string& message) {
    INFO("stderr: " << r.err);
    INFO("stdout: " << r.out);
    CHECK(r.code == exit_code);
    CHECK(first_line(r.err) == "carecall: error: " + message);
    CHECK(r.out.empty());
}

/// Runs a command that must be refused; checks the error and that the database did not change.
inline Result check_refused(const Scratch& s, const Args& args, int exit_code,
                            const std::string& message) {
    auto before_bytes = s.snapshot();
    auto before_rows = s.dump();
    auto r = s.run(args);
    INFO("args: " << Scratch::describe(args));
    check_error(r, exit_code, message);
    CARECALL_CHECK_SAME(before_rows, s.dump());
    CHECK_MESSAGE(s.snapshot() == before_bytes, "the database file's bytes changed");
    return r;
}

/// The schema version this build writes, from `carecall --version`.
inline int schema_version() {
    static int version = 0;
    if (version == 0) {
        Scratch s;
        auto out = s.run({"--version"}, {}, {}, false).out;
        auto at = out.find("(schema ");
        REQUIRE(at != std::string::npos);
        version = std::stoi(out.substr(at + 8));
    }
    return version;
}

inline std::string source_path(const std::string& rel) {
    return std::string(CARECALL_SOURCE_DIR) + "/" + rel;
}

/// A small home, loaded in one command (a scenario on stdin): site SUNNY (London, "Sunnyside
/// Care Home"), wards W-ROSE (daily 09:00-20:00) and W-BLUE (mon-fri 10:00-18:00), resident
/// R-0042 "Asha Patel" in room 12 on W-ROSE (consent given), contact C-RAJ "Raj Patel", son, in
/// Australia/Sydney (daily 07:00-09:00), approved for R-0042. No devices, staff or requests.
inline const char* const k_small_home = R"({
 "format": "carecall-scenario/1",
 "horizon": {"start_date": "2026-11-30", "days": 7},
 "sites": [{"id": "SUNNY", "name": "Sunnyside Care Home", "kind": "care_home",
            "tz": "Europe/London"}],
 "wards": [{"id": "W-ROSE", "site": "SUNNY", "name": "Rose Ward",
            "calling_hours": [{"weekdays": [0,1,2,3,4,5,6], "start": "09:00", "end": "20:00"}]},
           {"id": "W-BLUE", "site": "SUNNY", "name": "Bluebell",
            "calling_hours": [{"weekdays": [0,1,2,3,4], "start": "10:00", "end": "18:00"}]}],
 "residents": [{"id": "R-0042", "ward": "W-ROSE", "name": "Asha Patel", "room": "12"}],
 "contacts": [{"id": "C-RAJ", "name": "Raj Patel", "relationship": "son",
               "tz": "Australia/Sydney",
               "availability": [{"weekdays": [0,1,2,3,4,5,6], "start": "07:00", "end": "09:00"}]}],
 "devices": [],
 "requests": [],
 "approvals": [{"resident": "R-0042", "contact": "C-RAJ"}]
})";

inline void small_home(const Scratch& s) {
    s.ok({"-q", "import", "scenario", "-"}, k_small_home);
}

} // namespace carecall::test
