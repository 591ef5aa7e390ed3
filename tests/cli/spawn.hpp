#pragma once
// Starting the real binary (or a tool wrapping it: strace, setpriv) without a shell, for tests
// that kill it, run it under another user, or run several at once.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "cli/cli_fixture.hpp"

extern char** environ;

namespace carecall::test {

/// A started process and where its output goes.
struct Child {
    pid_t pid = -1;
    std::string out_path;
    std::string err_path;
};

/// Starts argv[0] (looked up on PATH) with stdin from /dev/null and stdout/stderr to files; the
/// environment is the caller's without carecall's own settings, with `extra` ("K=V") set.
inline Child start_process(const std::vector<std::string>& argv, const std::string& out_path,
                           const std::string& err_path,
                           const std::vector<std::string>& extra = {}) {
    std::vector<std::string> env;
    auto replaced = [&](const std::string& kv) {
        for (const auto& x : extra) {
            if (starts_with(kv, x.substr(0, x.find('=') + 1))) {
                return true;
            }
        }
        return false;
    };
    for (char** e = environ; *e != nullptr; ++e) {
        std::string kv = *e;
        if (starts_with(kv, "CARECALL_DB=") || starts_with(kv, "CARECALL_NOW=") ||
            starts_with(kv, "NO_COLOR=") || starts_with(kv, "CARECALL_ASSUME_NETWORK_FS=") ||
            replaced(kv)) {
            continue;
        }
        env.push_back(kv);
    }
    env.insert(env.end(), extra.begin(), extra.end());
    // Everything execve needs is built before fork.
    std::vector<std::string> args = argv;
    std::vector<char*> cargv;
    for (auto& a : args) {
        cargv.push_back(a.data());
    }
    cargv.push_back(nullptr);
    std::vector<char*> cenv;
    for (auto& e : env) {
        cenv.push_back(e.data());
    }
    cenv.push_back(nullptr);
    Child c{-1, out_path, err_path};
    c.pid = ::fork();
    REQUIRE(c.pid >= 0);
    if (c.pid == 0) {
        int in = ::open("/dev/null", O_RDONLY);
        int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || out < 0 || err < 0) {
            _exit(126);
        }
        ::dup2(in, 0);
        ::dup2(out, 1);
        ::dup2(err, 2);
        ::execvpe(cargv[0], cargv.data(), cenv.data());
        _exit(127);
    }
    return c;
}

/// The exit code of a wait status (128 + signal when killed).
inline int exit_code_of(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/// Waits for the child (killing it after `limit`, so that a hang fails the test) and collects
/// its output.
inline Result finish(const Child& c, std::chrono::seconds limit = std::chrono::seconds(300)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    int status = 0;
    for (;;) {
        pid_t done = ::waitpid(c.pid, &status, WNOHANG);
        if (done == c.pid) {
            break;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(c.pid, SIGKILL);
            ::waitpid(c.pid, &status, 0);
            FAIL_CHECK("the process did not finish in time and was killed");
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    Result r;
    r.code = exit_code_of(status);
    r.out = slurp(c.out_path);
    r.err = slurp(c.err_path);
    return r;
}

/// Runs argv to the end (see start_process); output files live in the scratch directory.
inline Result run_process(const Scratch& s, const std::vector<std::string>& argv,
                          const std::vector<std::string>& extra = {}) {
    return finish(start_process(argv, s.path(".proc-out"), s.path(".proc-err"), extra));
}

/// carecall --db DB args…, as a vector for run_process / start_process.
inline std::vector<std::string> carecall_argv(const std::string& db,
                                              const std::vector<std::string>& args) {
    std::vector<std::string> v{CARECALL_BIN, "--db", db};
    v.insert(v.end(), args.begin(), args.end());
    return v;
}

} // namespace carecall::test
