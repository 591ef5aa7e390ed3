// carecall repair: the booked calls the records no longer allow, moved, waitlisted or cancelled;
// and what db check and the record commands say about them.
#include <iostream>
#include <map>

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

void print_steps(Store& store, const RepairResult& r) {
    for (const auto& s : r.steps) {
        const auto* zone = find_zone(booking_json(store, s.before)["tz"].get<std::string>());
        const auto& why = violation_text(s.violations.front());
        switch (s.action) {
        case RepairAction::kept:
            std::cout << fmt::format("{} {}: kept (fine once the calls before it were repaired)\n",
                                     s.before.code, span(s.before.start, s.before.end, zone));
            break;
        case RepairAction::moved:
            std::cout << fmt::format(
                "{} {} moved to {} on {}\n  because {}\n", s.before.code,
                span(s.before.start, s.before.end, zone), span(s.after.start, s.after.end, zone),
                booking_json(store, s.after)["device"].get<std::string>(), why);
            break;
        case RepairAction::waitlisted:
            std::cout << fmt::format("{} {} put on the waiting list: no time found\n  because {}\n",
                                     s.before.code, span(s.before.start, s.before.end, zone), why);
            break;
        case RepairAction::cancelled:
            std::cout << fmt::format("{} {} cancelled: no time can work\n  because {}\n",
                                     s.before.code, span(s.before.start, s.before.end, zone), why);
            break;
        }
    }
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
    auto& store = env.store(false);
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
    print_steps(store, result);
    std::map<RepairAction, int> count;
    for (const auto& s : result.steps) {
        ++count[s.action];
    }
    env.message(fmt::format("{}{} broken call{}: {} moved, {} waitlisted, {} cancelled, {} kept; "
                            "{} other calls moved",
                            o.dry_run ? "dry run (nothing written): " : "", result.steps.size(),
                            result.steps.size() == 1 ? "" : "s", count[RepairAction::moved],
                            count[RepairAction::waitlisted], count[RepairAction::cancelled],
                            count[RepairAction::kept], result.others_moved));
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

void report_broken(Env& env, Store& store, const std::vector<WardId>& wards) {
    BookingService service(store, [&env] { return env.now(); });
    BrokenQuery q;
    q.wards = wards;
    auto broken = service.broken(q);
    if (broken.empty() || env.quiet) {
        return;
    }
    std::cerr << fmt::format("{} booked call{} now break{} a rule:\n", broken.size(),
                             broken.size() == 1 ? "" : "s", broken.size() == 1 ? "s" : "");
    for (const auto& b : broken) {
        auto j = booking_json(store, b.booking);
        const auto* zone = find_zone(j["tz"].get<std::string>());
        std::cerr << fmt::format(
            "  {} {} {}: {}\n", b.booking.code, span(b.booking.start, b.booking.end, zone),
            j["resident"].get<std::string>(), violation_text(b.violations.front()));
    }
    std::string ward_opt;
    if (wards.size() == 1) {
        if (auto w = store.wards().find(wards[0])) {
            ward_opt = " --ward " + w->code;
        }
    }
    std::cerr << fmt::format("run: carecall repair{} (or --dry-run first to see what it does)\n",
                             ward_opt);
}

void report_cancelled(Env& env, Store& store, const std::vector<Booking>& cancelled) {
    if (cancelled.empty() || env.quiet) {
        return;
    }
    std::cerr << fmt::format("{} call{} cancelled:\n", cancelled.size(),
                             cancelled.size() == 1 ? "" : "s");
    for (const auto& b : cancelled) {
        auto j = booking_json(store, b);
        const auto* zone = find_zone(j["tz"].get<std::string>());
        std::cerr << fmt::format("  {} {} {}: {}\n", b.code, span(b.start, b.end, zone),
                                 j["resident"].get<std::string>(), b.reason);
    }
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
