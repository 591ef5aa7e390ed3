// carecall solve SCENARIO.json [-o ROTA.json] [--time-limit S] [--seed N]: plans a scenario with
// no database and writes a "carecall-rota/1" document (docs: scenario-format.md).
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "carecall/error.hpp"
#include "carecall/exchange.hpp"
#include "carecall/rota.hpp"
#include "carecall/schedule.hpp"
#include "env.hpp"

namespace carecall::cli {

void register_solve(CLI::App& app, Env& env) {
    auto* cmd = app.add_subcommand(
        "solve", "plan a carecall-scenario/1 file with no database and write a carecall-rota/1 "
                 "JSON rota");
    struct Opts {
        std::string file;
        std::string output = "-";
        double time_limit = 10.0;
        std::optional<std::uint64_t> seed;
    };
    auto o = std::make_shared<Opts>();
    cmd->add_option("scenario", o->file, "the scenario file, or - for stdin")->required();
    cmd->add_option("-o,--output", o->output, "rota file, - for stdout (default)");
    cmd->add_option("--time-limit", o->time_limit, "seconds to search (default 10)")
        ->check(seconds_check(86400.0));
    cmd->add_option("--seed", o->seed, "seed for ties (default: the scenario's seed, else 0)");
    cmd->footer("Example:\n  carecall solve examples/sunnyside.json --time-limit 5 -o rota.json");
    cmd->callback([&env, o] {
        auto text = read_input(o->file);
        // Errors read "FILE:LINE: requests[3].duration_minutes: …".
        Scenario s = parse_scenario(text, o->file);
        ScheduleOptions opts;
        opts.time_limit_seconds = o->time_limit;
        opts.seed = o->seed ? *o->seed : static_cast<std::uint64_t>(s.seed.value_or(0));
        // Progress on a terminal: parts done, rewritten in place at most twice a second.
        const bool tty = !env.quiet && isatty(STDERR_FILENO) == 1;
        double shown = -1.0;
        if (tty) {
            opts.progress = [&shown](const ScheduleProgress& p) {
                if (p.seconds - shown >= 0.5 || p.parts_done == p.parts) {
                    shown = p.seconds;
                    std::cerr << fmt::format("\rsolve: {}/{} parts planned ({:.1f} s)",
                                             p.parts_done, p.parts, p.seconds)
                              << (p.parts_done == p.parts ? "\n" : "") << std::flush;
                }
            };
        }
        auto result = schedule(s, opts);
        auto out = rota_json(rota_from_schedule(s, result), RotaJsonOptions{false, {}});
        if (o->output == "-") {
            std::cout << out;
        } else {
            write_private_file(env, o->output, out);
        }
        std::string classes;
        for (const auto& c : result.score.classes) {
            classes += fmt::format("{}{}: {}/{} residents, {}/{} calls",
                                   classes.empty() ? "" : "; ", priority_name(c.priority),
                                   c.residents_served, c.residents_asking, c.calls, c.calls_asked);
        }
        env.message(fmt::format("solve: {} ({:.2f} s): {} calls, {} in preferred windows, {} at "
                                "fixed times, {} device moves, {} requests unscheduled; {}",
                                result.status, result.seconds, result.calls.size(),
                                result.score.preferred_calls, result.fixed_calls,
                                result.device_moves, result.unscheduled.size(),
                                classes.empty() ? "no requests" : classes));
        const auto& pf = result.price_of_fairness;
        if (pf.computed) {
            env.message(fmt::format(
                "solve: price of fairness: {} residents served with {} calls; volume first would "
                "serve {} with {} calls ({:+d} residents, {:+d} calls)",
                pf.residents_served, pf.calls, pf.volume_residents_served, pf.volume_calls,
                pf.residents_served - pf.volume_residents_served, pf.calls - pf.volume_calls));
        }
        if (o->output != "-") {
            env.message(fmt::format("wrote {}", o->output));
        }
    });
}

} // namespace carecall::cli
