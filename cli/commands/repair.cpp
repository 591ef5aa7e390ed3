// carecall repair: the booked calls the records no longer allow, moved, waitlisted or cancelled;
// and what db check and the record commands say about them.
#include <iostream>
#include <map>
#include <ostream>

#include <fmt/format.h>

#include "booking_view.hpp"
#include "carecall/booking.hpp"
#include "env.hpp"

namespace carecall::cli {

using nlohmann::json;

namespace {

struct RepairOpts {
    std::string from = "today";
    int days = 0;
    std::string ward, site;
    int search_days = 7;
    bool dry_run = false;
    std::string reason;
};

/// The wards of --ward or --site (empty: every ward).
std::vector<WardId> scope_wards(Store& store, const std::string& ward, const std::string& site) {
    std::vector<WardId> out;
    if (!ward.empty()) {
        out.push_back(store.wards().get(ward, "ward").id);
    }
    if (!site.empty()) {
        auto s = store.sites().get(site, "site");
        for (const auto& w : store.wards().list()) {
            if (w.site == s.id) {
                out.push_back(w.id);
            }
        }
    }
    return out;
}

std::string violation_text(const Violation& v) {
    return fmt::format("{}: {}", rule_name(v.rule), v.message);
}

void print_steps(std::ostream& out, Store& store, const RepairResult& r) {
    for (const auto& s : r.steps) {
        const auto* zone = find_zone(booking_json(store, s.before)["tz"].get<std::string>());
        const auto& why = violation_text(s.violations.front());
        switch (s.action) {
        case RepairAction::kept:
            out << fmt::format("{} {}: kept (fine once the calls before it were repaired)\n",
                               s.before.code, span(s.before.start, s.before.end, zone));
            break;
        case RepairAction::moved:
            if (s.after.start == s.before.start && s.after.device == s.before.device) {
                auto helper = booking_json(store, s.after)["staff"];
                out << fmt::format("{} {} keeps its time and device, helped by {}\n  because {}\n",
                                   s.before.code, span(s.before.start, s.before.end, zone),
                                   helper.is_string() ? helper.get<std::string>() : "no one", why);
                break;
            }
            out << fmt::format("{} {} moved to {} on {}\n  because {}\n", s.before.code,
                               span(s.before.start, s.before.end, zone),
                               span(s.after.start, s.after.end, zone),
                               booking_json(store, s.after)["device"].get<std::string>(), why);
            break;
        case RepairAction::waitlisted:
            out << fmt::format("{} {} put on the waiting list: no time found\n  because {}\n",
                               s.before.code, span(s.before.start, s.before.end, zone), why);
            break;
        case RepairAction::cancelled:
            out << fmt::format("{} {} cancelled: no time can work\n  because {}\n", s.before.code,
                               span(s.before.start, s.before.end, zone), why);
            break;
        }
    }
}

/// "3 broken calls: 1 moved, 1 waitlisted, 1 cancelled, 0 kept; 0 other calls moved"
std::string summary(const RepairResult& r) {
    std::map<RepairAction, int> count;
    for (const auto& s : r.steps) {
        ++count[s.action];
    }
    return fmt::format("{} broken call{}: {} moved, {} waitlisted, {} cancelled, {} kept; {} other "
                       "call{} moved",
                       r.steps.size(), r.steps.size() == 1 ? "" : "s", count[RepairAction::moved],
                       count[RepairAction::waitlisted], count[RepairAction::cancelled],
                       count[RepairAction::kept], r.others_moved, r.others_moved == 1 ? "" : "s");
}

/// A word for a shell: quoted when it holds anything but safe characters.
std::string shell_word(const std::string& w) {
    bool safe =
        !w.empty() && w.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
                                          "YZ0123456789_-.,/:+=@") == std::string::npos;
    if (safe) {
        return w;
    }
    std::string out = "'";
    for (char c : w) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

json steps_json(Store& store, const RepairResult& r) {
    json items = json::array();
    for (const auto& s : r.steps) {
        json why = json::array();
        for (const auto& v : s.violations) {
            why.push_back({{"rule", rule_name(v.rule)}, {"message", v.message}});
        }
        items.push_back({{"action", to_string(s.action)},
                         {"before", booking_json(store, s.before)},
                         {"after", booking_json(store, s.after)},
                         {"violations", why}});
    }
    return items;
}

void run_repair(Env& env, const RepairOpts& o) {
    auto& store = env.store();
    auto now = env.now();
    RepairRequest req;
    {
        auto tx = store.begin(TxKind::read);
        req.scope.wards = scope_wards(store, o.ward, o.site);
        std::optional<WardId> ward =
            o.ward.empty() ? std::nullopt : std::optional<WardId>(req.scope.wards[0]);
        auto zone = scope_zone(store, ward, std::nullopt);
        if (o.from != "today" && o.from != "now") {
            auto day = parse_date_phrase(o.from, zone, now, "--from");
            auto midnight = zone->to_sys(date::local_seconds{date::local_days{day}},
                                         date::choose::earliest); // a midnight gap: its end
            req.scope.from = std::max(now, Instant{midnight});
        }
        if (o.days > 0) {
            auto first = req.scope.from.value_or(now);
            (void)last_of_days(Date{date::floor<date::days>(to_local(first, zone))}, o.days,
                               "--days");
            req.scope.to = first + date::days{o.days};
        }
        tx->commit();
    }
    req.search_days = o.search_days;
    req.dry_run = o.dry_run;
    req.reason = o.reason;
    BookingService service(store, [now] { return now; });
    auto result = service.repair(req);
    if (env.want_json()) {
        print_json({{"format", "carecall-repair/1"},
                    {"dry_run", o.dry_run},
                    {"steps", steps_json(store, result)},
                    {"others_moved", result.others_moved}});
        return;
    }
    print_steps(std::cout, store, result);
    env.message(
        fmt::format("{}{}", o.dry_run ? "dry run (nothing written): " : "", summary(result)));
}

} // namespace

json broken_json(Store& store, const std::vector<BrokenCall>& broken) {
    json items = json::array();
    for (const auto& b : broken) {
        json why = json::array();
        for (const auto& v : b.violations) {
            why.push_back({{"rule", rule_name(v.rule)}, {"message", v.message}});
        }
        items.push_back({{"booking", booking_json(store, b.booking)},
                         {"violations", why},
                         {"lasting", b.lasting}});
    }
    return items;
}

void print_broken(Store& store, const std::vector<BrokenCall>& broken) {
    // By ward, then day, then time.
    std::map<std::string, std::vector<const BrokenCall*>> by_ward;
    for (const auto& b : broken) {
        by_ward[booking_json(store, b.booking)["ward"].get<std::string>()].push_back(&b);
    }
    for (const auto& [ward, calls] : by_ward) {
        std::cout << fmt::format("ward {}:\n", ward);
        std::string day;
        for (const auto* b : calls) {
            auto j = booking_json(store, b->booking);
            const auto* zone = find_zone(j["tz"].get<std::string>());
            auto d = local_day(b->booking.start, zone);
            if (d != day) {
                std::cout << fmt::format("  {}\n", d);
                day = d;
            }
            std::cout << fmt::format("    {} {} {}: AT RISK: {}\n", b->booking.code,
                                     times(b->booking.start, b->booking.end, zone),
                                     j["resident"].get<std::string>(),
                                     violation_text(b->violations.front()));
        }
    }
}

std::string repair_command(const Env& env, Store& store, const BrokenQuery& scope) {
    std::string cmd = "carecall";
    if (!env.db_option.empty()) {
        cmd += " --db " + shell_word(env.db_option);
    }
    if (!env.now_option.empty()) {
        cmd += " --now " + shell_word(env.now_option);
    }
    cmd += " repair";
    if (scope.wards.size() == 1) {
        if (auto w = store.wards().find(scope.wards[0])) {
            cmd += " --ward " + shell_word(w->code);
        }
    } else if (!scope.wards.empty()) {
        auto w = store.wards().find(scope.wards[0]);
        auto site = w ? store.sites().find(w->site) : std::nullopt;
        if (site) {
            cmd += " --site " + shell_word(site->code);
        }
    }
    return cmd;
}

void report_change(Env& env, Store& store, const ChangeResult& change) {
    if (env.quiet) {
        return;
    }
    auto line = [&](const Booking& b, const std::string& why) {
        auto j = booking_json(store, b);
        const auto* zone = find_zone(j["tz"].get<std::string>());
        return fmt::format("  {} {} {}: {}\n", b.code, span(b.start, b.end, zone),
                           j["resident"].get<std::string>(), why);
    };
    if (!change.cancelled.empty()) {
        std::cerr << fmt::format("{} call{} cancelled:\n", change.cancelled.size(),
                                 change.cancelled.size() == 1 ? "" : "s");
        for (const auto& b : change.cancelled) {
            std::cerr << line(b, b.reason);
        }
    }
    if (!change.already.empty()) {
        std::cerr << fmt::format("{} other booked call{} already broke a rule before this change "
                                 "(carecall db check lists them)\n",
                                 change.already.size(), change.already.size() == 1 ? "" : "s");
    }
    if (change.broke.empty()) {
        return;
    }
    std::cerr << fmt::format("{} booked call{} now break{} a rule because of this change:\n",
                             change.broke.size(), change.broke.size() == 1 ? "" : "s",
                             change.broke.size() == 1 ? "s" : "");
    for (const auto& b : change.broke) {
        std::cerr << line(b.booking, "AT RISK: " + violation_text(b.violations.front()));
    }
    if (change.repair) {
        std::cerr << "repaired in the same transaction:\n";
        print_steps(std::cerr, store, *change.repair);
        std::cerr << summary(*change.repair) << "\n";
        return;
    }
    std::cerr << fmt::format("to repair them (add --dry-run to see what it would do first):\n  "
                             "{}\n",
                             repair_command(env, store, change.scope));
}

void add_repair_flag(CLI::App* cmd, bool& repair) {
    cmd->add_flag("--repair", repair,
                  "repair the booked calls this change breaks, in the same transaction (as "
                  "carecall repair: move, waitlist or cancel each)");
}

void register_repair(CLI::App& app, Env& env) {
    auto o = std::make_shared<RepairOpts>();
    auto* cmd = app.add_subcommand(
        "repair", "move, waitlist or cancel the booked calls that the records no longer allow");
    cmd->add_option("--from", o->from, "first local date to repair (default today, from now)");
    cmd->add_option("--days", o->days, "days to repair (default: every later call)")
        ->check(CLI::Range(1, 366));
    auto* ward_opt = cmd->add_option("--ward", o->ward, "only this ward's calls");
    cmd->add_option("--site", o->site, "only this site's calls")->excludes(ward_opt);
    cmd->add_option("--search-days", o->search_days,
                    "days either side of a call to look for another time (default 7)")
        ->check(CLI::Range(0, 60));
    cmd->add_flag("--dry-run", o->dry_run, "show what would happen, write nothing");
    cmd->add_option("--reason", o->reason, "recorded with each change (default \"repair\")");
    cmd->footer("Examples:\n  carecall repair --dry-run\n  carecall repair --ward W-ROSE --days 7");
    cmd->callback([&env, o] { run_repair(env, *o); });
}

} // namespace carecall::cli
