#pragma once
// Runs the real carecall binary against a fresh database in a scratch directory.

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <doctest/doctest.h>

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

/// A scratch directory with a database path; removed at the end.
class Scratch {
public:
    Scratch() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "carecall-cli-XXXXXX").string();
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
    [[nodiscard]] std::string path(const std::string& name) const { return (m_dir / name).string(); }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(m_dir / name, std::ios::binary) << text;
    }

    /// Runs `carecall --db DB args…` with stdin from `input` (empty: /dev/null); env "K=V" pairs
    /// are set for the child only.
    Result run(const std::vector<std::string>& args, const std::string& input = {},
               const std::vector<std::string>& env = {}, bool with_db = true) const {
        std::string cmd;
        for (const auto& e : env) {
            cmd += e + " ";
        }
        cmd += shell_quote(CARECALL_BIN);
        if (with_db) {
            cmd += " --db " + shell_quote(db());
        }
        for (const auto& a : args) {
            cmd += " " + shell_quote(a);
        }
        auto out = m_dir / ".out";
        auto err = m_dir / ".err";
        auto in = m_dir / ".in";
        std::ofstream(in, std::ios::binary) << input;
        cmd += " <" + shell_quote(in.string()) + " >" + shell_quote(out.string()) + " 2>" +
               shell_quote(err.string());
        int status = std::system(cmd.c_str());
        Result r;
        r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        r.out = slurp(out);
        r.err = slurp(err);
        return r;
    }

    /// Runs and requires success; returns stdout.
    std::string ok(const std::vector<std::string>& args, const std::string& input = {}) const {
        auto r = run(args, input);
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        return r.out;
    }

    /// The database file's bytes (for "unchanged" checks; the WAL is checkpointed by closing).
    [[nodiscard]] std::string snapshot() const {
        return slurp(db()) + "|wal:" + slurp(db() + "-wal");
    }

private:
    std::filesystem::path m_dir;
};

inline std::string source_path(const std::string& rel) {
    return std::string(CARECALL_SOURCE_DIR) + "/" + rel;
}

} // namespace carecall::test
