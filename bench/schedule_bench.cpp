// carecall-bench-schedule: plans generated scenarios of the four sizes of the scheduler's issue and
// reports the score against the greedy construction alone and, in builds with CBC, against the
// exact optimum (or the best bound the MIP proved), the time, and the peak memory. Every rota is
// checked with check_call, call by call, against a World holding all the other calls.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <time.h>

#include <fmt/format.h>

#include "carecall/exchange.hpp"
#include "carecall/rules.hpp"
#include "carecall/schedule.hpp"
#include "scenario_gen.hpp"

using namespace carecall;

namespace {

struct Target {
    std::string size;
    double time_limit;
};

const std::vector<Target> k_sizes{
    {"ward-day", 0.1}, {"home-week", 0.5}, {"group-week", 3.0}, {"national-week", 60.0}};

double peak_rss_mib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_maxrss) / 1024.0;
}

template <class T>
const T& nth(const std::vector<T>& v, std::int64_t id) {
    return v.at(static_cast<std::size_t>(id - 1));
}

/// check_call on every call of the rota against all the others: the broken rules, counted.
std::map<std::string, int> broken_rules(const Scenario& s, const ScheduleResult& r) {
    World w;
    for (const auto& x : s.sites) {
        w.add(x);
    }
    for (const auto& x : s.wards) {
        w.add(x);
    }
    for (const auto& x : s.residents) {
        w.add(x);
    }
    for (const auto& x : s.contacts) {
        w.add(x);
    }
    for (const auto& x : s.devices) {
        w.add(x);
    }
    for (const auto& x : s.staff) {
        w.add(x);
    }
    for (const auto& q : s.requests) {
        for (auto c : q.contacts) {
            w.add(Approval{q.resident, c, true, false, {}});
        }
    }
    for (std::size_t i = 0; i < r.calls.size(); ++i) {
        const auto& c = r.calls[i];
        Booking b;
        b.id = BookingId(static_cast<std::int64_t>(i) + 1);
        b.resident = c.resident;
        b.contacts = c.contacts;
        b.device = c.device;
        b.staff = c.staff;
        b.start = c.start;
        b.end = c.end;
        w.add(b);
    }
    std::map<std::string, int> out;
    for (std::size_t i = 0; i < r.calls.size(); ++i) {
        const auto& c = r.calls[i];
        CallPlan p{c.resident, c.contacts, c.device,
                   c.staff,    c.start,    c.end,
                   c.priority, false,      {BookingId(static_cast<std::int64_t>(i) + 1)}};
        for (const auto& v : check_call(w, p)) {
            ++out[rule_name(v.rule)];
        }
        const auto& q = nth(s.requests, c.request.value);
        if (std::chrono::duration_cast<std::chrono::minutes>(c.end - c.start).count() !=
            q.duration_minutes) {
            ++out["request.duration"];
        }
    }
    return out;
}

struct Totals {
    int served = 0, asking = 0, calls = 0, asked = 0;
};

Totals totals(const ScheduleScore& sc) {
    Totals t;
    for (const auto& c : sc.classes) {
        t.served += c.residents_served;
        t.asking += c.residents_asking;
        t.calls += c.calls;
        t.asked += c.calls_asked;
    }
    return t;
}

std::string classes_text(const ScheduleScore& sc) {
    std::string out;
    for (const auto& c : sc.classes) {
        out += fmt::format("{}{}: {}/{} res, {}/{} calls", out.empty() ? "" : "; ",
                           priority_name(c.priority), c.residents_served, c.residents_asking,
                           c.calls, c.calls_asked);
    }
    return out + fmt::format("; preferred {}", sc.preferred_calls);
}

/// CPU seconds of the whole process (all threads) so far.
double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double pct(int a, int b) {
    return b == 0 ? 100.0 : 100.0 * a / b;
}

} // namespace

int main(int argc, char** argv) {
    std::string only = "all";
    std::uint64_t seed = 1;
    double limit_override = -1;
    double reference_limit = 120;
    bool reference = true;
    int threads = 0;
    std::string write_dir;
    std::string scenario_file;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                throw std::invalid_argument(a + " needs a value");
            }
            return argv[++i];
        };
        if (a == "--size") {
            only = next();
        } else if (a == "--seed") {
            seed = std::stoull(next());
        } else if (a == "--time-limit") {
            limit_override = std::stod(next());
        } else if (a == "--reference-limit") {
            reference_limit = std::stod(next());
        } else if (a == "--no-reference") {
            reference = false;
        } else if (a == "--threads") {
            threads = std::stoi(next());
        } else if (a == "--write") {
            write_dir = next();
        } else if (a == "--scenario") {
            scenario_file = next();
        } else {
            std::cerr << "usage: carecall-bench-schedule [--size NAME|all] [--seed N] "
                         "[--time-limit S] [--reference-limit S] [--no-reference] [--threads N] "
                         "[--write DIR] [--scenario FILE]\n";
            return 64;
        }
    }
    auto sizes = k_sizes;
    if (!scenario_file.empty()) { // a scenario file instead of the generated sizes
        sizes = {Target{scenario_file, 0.5}};
        only = "all";
    }
    for (const auto& t : sizes) {
        if (only != "all" && only != t.size) {
            continue;
        }
        auto gen_start = std::chrono::steady_clock::now();
        std::string text;
        if (scenario_file.empty()) {
            text = write_scenario(bench::generate(bench::preset(t.size, seed)));
        } else {
            std::FILE* f = std::fopen(scenario_file.c_str(), "rb");
            if (f == nullptr) {
                std::cerr << "cannot read " << scenario_file << "\n";
                return 66;
            }
            char buf[65536];
            for (std::size_t n = 0; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) {
                text.append(buf, n);
            }
            std::fclose(f);
        }
        auto s = parse_scenario(text);
        double gen_s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - gen_start).count();
        if (!write_dir.empty()) {
            std::ofstream(write_dir + "/" + t.size + ".json") << text;
        }
        ScheduleOptions o;
        o.seed = seed;
        o.threads = threads;
        o.time_limit_seconds = limit_override >= 0 ? limit_override : t.time_limit;
        ScheduleOptions greedy_o = o;
        greedy_o.iterations = 0;
        greedy_o.price_of_fairness = false;
        double cpu0 = cpu_seconds();
        auto greedy = schedule(s, greedy_o);
        double cpu1 = cpu_seconds();
        auto r = schedule(s, o);
        double cpu2 = cpu_seconds();
        auto broken = broken_rules(s, r);
        int broken_n = 0;
        for (const auto& [rule, n] : broken) {
            broken_n += n;
        }
        auto tr = totals(r.score);
        auto tg = totals(greedy.score);
        fmt::print("== {} (seed {}): {} sites, {} residents, {} devices, {} requests; generated "
                   "in {:.2f} s\n",
                   t.size, seed, s.sites.size(), s.residents.size(), s.devices.size(),
                   s.requests.size(), gen_s);
        fmt::print("solver   {:>9} {:7.3f} s ({:.2f} s CPU)  {} iterations, {} parts, {} device "
                   "moves, {} calls refused by the final check, rules broken: {}\n",
                   r.status, r.seconds, cpu2 - cpu1, r.iterations, r.parts, r.device_moves,
                   r.rejected_by_check, broken_n);
        fmt::print("         {}\n", classes_text(r.score));
        fmt::print("greedy   {:>9} {:7.3f} s ({:.2f} s CPU)  {}\n", greedy.status, greedy.seconds,
                   cpu1 - cpu0, classes_text(greedy.score));
        fmt::print("         improvement: residents {:+d}, calls {:+d}, preferred {:+d}\n",
                   tr.served - tg.served, tr.calls - tg.calls,
                   r.score.preferred_calls - greedy.score.preferred_calls);
        const auto& pf = r.price_of_fairness;
        fmt::print("fairness price: {} residents / {} calls (fairness first) vs {} / {} (volume "
                   "first): {:+d} residents, {:+d} calls ({:.1f}% of volume)\n",
                   pf.residents_served, pf.calls, pf.volume_residents_served, pf.volume_calls,
                   pf.residents_served - pf.volume_residents_served, pf.calls - pf.volume_calls,
                   pct(pf.volume_calls - pf.calls, std::max(1, pf.volume_calls)));
        for (const auto& [rule, n] : broken) {
            fmt::print("  broken {}: {}\n", rule, n);
        }
        if (reference && t.size != "national-week") {
            ScheduleOptions eo = o;
            eo.exact = true;
            eo.time_limit_seconds = reference_limit;
            eo.price_of_fairness = false;
            try {
                auto e = schedule(s, eo);
                auto te = totals(e.score);
                fmt::print("exact    {:>9} {:7.3f} s  {}\n", e.status, e.seconds,
                           classes_text(e.score));
                if (e.bound) {
                    auto tb = totals(*e.bound);
                    fmt::print("bound    {}\n", classes_text(*e.bound));
                    fmt::print("solver vs bound: residents {:.2f}%, calls {:.2f}%\n",
                               pct(tr.served, tb.served), pct(tr.calls, tb.calls));
                }
                fmt::print("solver vs exact: residents {:.2f}%, calls {:.2f}%, same score: {}\n",
                           pct(tr.served, te.served), pct(tr.calls, te.calls),
                           e.score == r.score ? "yes" : "no");
            } catch (const std::exception& ex) {
                fmt::print("exact    not available: {}\n", ex.what());
            }
        }
        fmt::print("peak RSS so far {:.0f} MiB\n\n", peak_rss_mib());
        std::fflush(stdout);
    }
    return 0;
}
