// Files written with -o, and standard output (docs/cli.md, Output: Files; docs/reliability.md
// O1-O5): a file is replaced whole (a temporary file 0600 beside it, flushed, renamed over it),
// never the database, never through a symbolic link without --force; a write to stdout that
// fails exits 74.
#include <csignal>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "cli/booking_fixture.hpp"
#include "cli/spawn.hpp"

using namespace carecall::test;
namespace fs = std::filesystem;

namespace {

/// The names in the scratch directory other than the database's and the test's own files.
std::vector<std::string> others(const Scratch& s, const std::vector<std::string>& known) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(s.dir())) {
        auto n = e.path().filename().string();
        if (!starts_with(n, "carecall.db") && !starts_with(n, ".proc-") &&
            std::find(known.begin(), known.end(), n) == known.end()) {
            names.push_back(n);
        }
    }
    return names;
}

/// Runs `carecall --db DB args…` with stdout /dev/full (`closed_pipe` false), or the write end of
/// a pipe whose read end is closed with SIGPIPE ignored (as some callers leave it): every write
/// to stdout fails (ENOSPC, EPIPE). Only stderr is collected.
Result run_failing_stdout(const Scratch& s, const Args& args, bool closed_pipe) {
    auto argv = carecall_argv(s.db(), args);
    std::vector<char*> cargv;
    for (auto& a : argv) {
        cargv.push_back(a.data());
    }
    cargv.push_back(nullptr);
    auto err_path = s.path(".proc-err");
    std::array<int, 2> fds{};
    if (closed_pipe) {
        REQUIRE(::pipe(fds.data()) == 0);
        ::close(fds[0]);
    } else {
        fds[1] = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
        REQUIRE(fds[1] >= 0);
    }
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        std::signal(SIGPIPE, SIG_IGN);
        ::dup2(fds[1], STDOUT_FILENO);
        int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(err, STDERR_FILENO);
        ::execv(cargv[0], cargv.data());
        ::_exit(127);
    }
    ::close(fds[1]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    Result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.err = slurp(err_path);
    return r;
}

} // namespace

TEST_SUITE("cli output files") {

    TEST_CASE("O1: -o over an existing 0644 file replaces it whole, 0600, leaving no temporary "
              "file") {
        Scratch s;
        care_home(s);
        s.write("home.json", "old contents\n");
        ::chmod(s.path("home.json").c_str(), 0644);
        REQUIRE(mode_of(s.path("home.json")) == 0644);
        auto r = s.run({"export", "scenario", "-o", s.path("home.json")});
        INFO("stderr: " << r.err);
        CHECK(r.code == 0);
        CHECK(r.out.empty());
        CHECK(mode_of(s.path("home.json")) == 0600);
        CHECK(parse_json(s.read("home.json"))["format"] == "carecall-scenario/1");
        // The same for the other commands that write files.
        s.write("rota.csv", "old\n");
        ::chmod(s.path("rota.csv").c_str(), 0644);
        CHECK(s.run({"rota", "--from", "2027-07-01", "--days", "1", "--format", "csv", "-o",
                     s.path("rota.csv")})
                  .code == 0);
        CHECK(mode_of(s.path("rota.csv")) == 0600);
        s.write("sar.json", "old\n");
        ::chmod(s.path("sar.json").c_str(), 0644);
        CHECK(s.run({"person", "export", "resident", "R-ASHA", "-o", s.path("sar.json")}).code ==
              0);
        CHECK(mode_of(s.path("sar.json")) == 0600);
        CHECK(others(s, {"home.json", "rota.csv", "sar.json"}).empty());
    }

    TEST_CASE("O2: -o naming a symbolic link is refused (exit 2, nothing written); --force "
              "replaces the file it points to and keeps the link") {
        Scratch s;
        care_home(s);
        s.write("target.json", "precious\n");
        ::chmod(s.path("target.json").c_str(), 0644);
        fs::create_symlink(s.path("target.json"), s.path("link.json"));
        auto before = s.dump();
        auto r = s.run({"export", "scenario", "-o", s.path("link.json")});
        check_error(r, 2,
                    "refusing to write " + s.path("link.json") +
                        ": it is a symbolic link; nothing written (--force writes to the file it "
                        "points to)");
        CHECK(s.read("target.json") == "precious\n");
        CHECK(fs::is_symlink(s.path("link.json")));
        CARECALL_CHECK_SAME(before, s.dump());
        // A link pointing nowhere is refused the same way, and nothing is made where it points.
        fs::create_symlink(s.path("nowhere.json"), s.path("dangling.json"));
        CHECK(s.run({"export", "scenario", "-o", s.path("dangling.json")}).code == 2);
        CHECK_FALSE(fs::exists(s.path("nowhere.json")));

        r = s.run({"--force", "export", "scenario", "-o", s.path("link.json")});
        INFO("stderr: " << r.err);
        CHECK(r.code == 0);
        CHECK(fs::is_symlink(s.path("link.json")));
        CHECK(parse_json(s.read("target.json"))["format"] == "carecall-scenario/1");
        CHECK(mode_of(s.path("target.json")) == 0600);
        CHECK(others(s, {"target.json", "link.json", "dangling.json"}).empty());
    }

    TEST_CASE("O3: -o naming the database, its -wal, -shm or -journal is refused (exit 2), even "
              "through a link with --force; the database unchanged") {
        Scratch s;
        care_home(s);
        for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
            CAPTURE(suffix);
            auto target = s.db() + suffix;
            auto what = *suffix == '\0' ? std::string("the database")
                                        : "the database's " + std::string(suffix + 1) + " file";
            check_refused(s, {"rota", "--from", "2027-07-01", "--days", "1", "-o", target}, 2,
                          "refusing to write " + target + ": it is " + what + " (" + target +
                              "); nothing written: choose another file");
            check_refused(s, {"export", "scenario", "-o", target}, 2,
                          "refusing to write " + target + ": it is " + what + " (" + target +
                              "); nothing written: choose another file");
        }
        // Another spelling of the same file, a link to it with --force, a backup onto it.
        auto dotted = s.dir().string() + "/./carecall.db";
        CHECK(s.run({"export", "scenario", "-o", dotted}).code == 2);
        fs::create_symlink(s.db(), s.path("alias.db"));
        CHECK(s.run({"--force", "export", "scenario", "-o", s.path("alias.db")}).code == 2);
        check_refused(s, {"db", "backup", s.db() + "-journal"}, 2,
                      "refusing to write " + s.db() +
                          "-journal: it is the database's journal file (" + s.db() +
                          "-journal); nothing written: choose another file");
        CHECK_FALSE(fs::exists(s.db() + "-journal"));
        CHECK(s.run({"db", "check"}).code == 0);
        CHECK(s.list("resident").size() > 0);
    }

    TEST_CASE(
        "O4: a failed flush keeps the previous file whole (exit 74, no temporary file left)") {
        Scratch s;
        care_home(s);
        auto probe = run_process(s, {"strace", "-f", "-o", "/dev/null", "true"});
        if (probe.code != 0) {
            MESSAGE("strace cannot run here: skipped");
            return;
        }
        s.write("home.json", "the previous export\n");
        auto argv = carecall_argv(s.db(), {"export", "scenario", "-o", s.path("home.json")});
        argv.insert(argv.begin(), {"strace", "-f", "-o", "/dev/null", "-e", "trace=fsync", "-e",
                                   "inject=fsync:error=ENOSPC"});
        auto r = run_process(s, argv, {"ASAN_OPTIONS=detect_leaks=0:abort_on_error=1"});
        INFO("stderr: " << r.err);
        CHECK(r.code == 74);
        CHECK(first_line(r.err) == "carecall: error: cannot write " + s.path("home.json") +
                                       ": disk full; nothing written");
        CHECK(s.read("home.json") == "the previous export\n");
        CHECK(others(s, {"home.json"}).empty());
    }

    TEST_CASE("O5: a write to standard output that fails exits 74 (/dev/full, a closed pipe "
              "with SIGPIPE ignored); -o /dev/full too") {
        Scratch s;
        care_home(s);
        auto r = run_failing_stdout(s, {"-q", "resident", "list"}, false);
        CHECK(r.code == 74);
        CHECK(r.err == "carecall: error: cannot write to standard output: disk full\n");
        r = run_failing_stdout(s, {"--json", "export", "scenario"}, false);
        CHECK(r.code == 74);
        CHECK(first_line(r.err) == "carecall: error: cannot write to standard output: disk full");
        r = run_failing_stdout(s, {"-q", "resident", "list"}, true);
        CHECK(r.code == 74);
        CHECK(starts_with(r.err, "carecall: error: cannot write to standard output: "));
        r = s.run({"export", "scenario", "-o", "/dev/full"});
        CHECK(r.code == 74);
        CHECK(first_line(r.err) ==
              "carecall: error: cannot write /dev/full: disk full; nothing written");
        // /dev/null is written to as it is, never replaced.
        CHECK(s.run({"export", "scenario", "-o", "/dev/null"}).code == 0);
        struct stat st {};
        REQUIRE(::stat("/dev/null", &st) == 0);
        CHECK(S_ISCHR(st.st_mode));
    }

    TEST_CASE("O6: db backup - is refused (exit 2): no file called -") {
        Scratch s;
        care_home(s);
        bool there = fs::exists("-");
        check_refused(s, {"db", "backup", "-"}, 2,
                      "db backup -: a backup is a database file and is never written to standard "
                      "output: name a new file");
        CHECK(fs::exists("-") == there);
    }
}
