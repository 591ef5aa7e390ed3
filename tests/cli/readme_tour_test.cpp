// The README's command tour runs as written: every command of its "Using the command" block, in
// order, through a shell, on a fresh home directory (so `~/carecall/...` is new), with `carecall`
// the binary under test and a fixed `--now`. Each must exit 0.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "cli_fixture.hpp"

using namespace carecall::test;

namespace {

/// Wednesday 25 November 2026, 09:00 in London: the tour's dates (the backup's name, the week
/// exported from 1 December, November's report) and the example's week from 30 November lie
/// around it, so a solved rota of the example is in the future.
constexpr const char* k_tour_now = "2026-11-25T09:00:00Z";

/// The commands of the README's `## Using the command` sh block: continuation lines joined,
/// blank lines dropped.
std::vector<std::string> tour_commands() {
    auto readme = slurp(source_path("README.md"));
    auto section = readme.find("## Using the command");
    REQUIRE(section != std::string::npos);
    auto open = readme.find("```sh\n", section);
    REQUIRE(open != std::string::npos);
    open += 6;
    auto close = readme.find("```", open);
    REQUIRE(close != std::string::npos);
    std::vector<std::string> commands;
    std::string current;
    std::size_t pos = open;
    while (pos < close) {
        auto end = readme.find('\n', pos);
        auto line = readme.substr(pos, end - pos);
        pos = end + 1;
        if (!line.empty() && line.back() == '\\') {
            current += line.substr(0, line.size() - 1);
            continue;
        }
        current += line;
        if (current.find_first_not_of(' ') != std::string::npos) {
            commands.push_back(current);
        }
        current.clear();
    }
    return commands;
}

} // namespace

TEST_SUITE("cli readme") {

    TEST_CASE("the README's command tour runs as written, every command exiting 0") {
        Scratch s;
        const auto home = s.path("home");
        std::filesystem::create_directories(home);
        std::filesystem::copy(source_path("examples"), home + "/examples",
                              std::filesystem::copy_options::recursive);
        auto commands = tour_commands();
        REQUIRE(commands.size() > 20);
        CHECK(starts_with(commands.front(), "export CARECALL_DB="));
        // Every command runs in a new shell that has seen the tour's exports so far.
        std::string exports;
        int run = 0;
        for (const auto& command : commands) {
            if (starts_with(command, "export ")) {
                exports += command + "\n";
                continue;
            }
            REQUIRE(starts_with(command, "carecall "));
            std::string script = "cd " + shell_quote(home) + " || exit 99\n" +
                                 "unset CARECALL_DB CARECALL_NOW NO_COLOR XDG_DATA_HOME\n" +
                                 "export HOME=" + shell_quote(home) + "\n" + "carecall() { " +
                                 shell_quote(CARECALL_BIN) + " --now " + k_tour_now +
                                 " \"$@\"; }\n" + exports + command + "\n";
            s.write("step.sh", script);
            const auto out = s.path("step.out");
            const auto err = s.path("step.err");
            int status = std::system(("sh " + shell_quote(s.path("step.sh")) + " </dev/null >" +
                                      shell_quote(out) + " 2>" + shell_quote(err))
                                         .c_str());
            int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            INFO("README: " << command);
            INFO("stderr: " << slurp(err));
            CHECK(code == 0);
            ++run;
        }
        CHECK(run > 20);
    }
}
