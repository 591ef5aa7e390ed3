// carecall schedule: plan from the database and save the new calls in one transaction;
// carecall why REQUEST: why a request is not (fully) met; carecall import rota: save a
// carecall-rota/1 file's calls, every rule checked, all or nothing.
#include <algorithm>
#include <iostream>

#include <unistd.h>

#include <fmt/format.h>

#include "booking_view.hpp"
#include "carecall/booking.hpp"
#include "carecall/error.hpp"
#include "carecall/exchange.hpp"
#include "carecall/planning.hpp"
#include "carecall/rules.hpp"
#include "env.hpp"

namespace carecall::cli {
namespace {

using nlohmann::json;

std::string who(Store& store, const Booking& b) {
    auto j = booking_json(store, b);
    return contacts_with_times(j, b.start, find_zone(j["tz"].get<std::string>()));
}

void print_calls(Store& store, const std::vector<Booking>& calls) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& b : calls) {
        auto j = booking_json(store, b);
        auto bz = find_zone(j["tz"].get<std::string>());
        rows.push_back(
            {b.code.empty() ? "(new)" : b.code, local_day(b.start, bz), times(b.start, b.end, bz),
             j["resident_name"].get<std::string>().empty() ? j["resident"].get<std::string>()
                                                           : j["resident_name"].get<std::string>(),
             who(store, b), j["device"].get<std::string>(),
             j["staff"].is_null() ? "" : j["staff"].get<std::string>()});
    }
    print_table({"CALL", "DAY", "TIME", "RESIDENT", "CONTACTS (THEIR TIME)", "DEVICE", "HELPER"},
                rows);
}

json unmet_json(Store& store, const UnmetRequest& u) {
    auto r = store.residents().find(u.request.resident);
    return json{{"request", u.request.code},  {"resident", r ? r->code : ""},
                {"wanted_calls", u.wanted},   {"booked_calls", u.booked},
                {"missing_calls", u.missing}, {"reasons", u.reasons}};
}

std::string request_title(Store& store, const CallRequest& q) {
    auto r = store.residents().find(q.resident);
    std::string contacts;
    for (auto cid : q.contacts) {
        if (auto c = store.contacts().find(cid)) {
            contacts += (contacts.empty() ? "" : " and ") + display_name(*c);
        }
    }
    return fmt::format("{}: {} with {}, {} call{} of {} min a week, {}", q.code,
                       r ? display_name(*r) : "?", contacts, q.calls, q.calls == 1 ? "" : "s",
                       q.duration_minutes, priority_name(q.priority));
}

std::string scope_text(Store& store, const PlanRequest& p) {
    if (p.ward) {
        return fmt::format("ward {}", store.wards().find(*p.ward)->code);
    }
    if (p.site) {
        return fmt::format("site {}", store.sites().find(*p.site)->code);
    }
    return "every ward";
}

// ---- schedule ----

struct ScheduleOpts {
    std::string from = "tomorrow";
    int days = 1;
    std::string ward, site;
    bool dry_run = false, replan = false;
    double time_limit = 10.0;
    std::optional<std::uint64_t> seed;
};

/// The options schedule and why share, with the same defaults: the plan why explains is the
/// plan schedule makes.
void add_plan_options(CLI::App& cmd, ScheduleOpts& o) {
    cmd.add_option("--from", o.from,
                   "first local date: YYYY-MM-DD, today, tomorrow, mon… (default tomorrow)");
    cmd.add_option("--days", o.days, "days to plan (default 1)")->check(CLI::Range(1, 366));
    auto* ward_opt = cmd.add_option("--ward", o.ward, "only this ward's residents");
    cmd.add_option("--site", o.site, "only this site's residents")->excludes(ward_opt);
    cmd.add_option("--time-limit", o.time_limit, "seconds to search (default 10)")
        ->check(seconds_check(86400.0));
    cmd.add_option("--seed", o.seed, "seed for ties (default: the database's plan.seed, else 0)");
}

void add_schedule_options(CLI::App& cmd, ScheduleOpts& o) {
    add_plan_options(cmd, o);
    cmd.add_flag("--dry-run", o.dry_run, "show the plan, book nothing");
    cmd.add_flag(
        "--replan", o.replan,
        "let booked, unpinned future calls of the scope move (those that move are cancelled)");
    cmd.footer("Example:\n  carecall schedule --from tomorrow --days 7 --ward W-ROSE --dry-run");
}

/// The scope, first date and seed (--seed, else the database's plan.seed, else 0), read in one
/// transaction; then the options that need no store.
PlanRequest schedule_request(Env& env, Store& store, const ScheduleOpts& o, Instant now) {
    PlanRequest p;
    {
        auto tx = store.begin(TxKind::read);
        if (!o.ward.empty()) {
            p.ward = store.wards().get(o.ward, "ward").id;
        }
        if (!o.site.empty()) {
            p.site = store.sites().get(o.site, "site").id;
        }
        p.from = parse_date_phrase(o.from, scope_zone(store, p.ward, p.site), now, "from");
        auto seed = store.setting("plan.seed");
        p.seed = o.seed ? *o.seed : 0;
        if (!o.seed && seed) {
            try {
                p.seed = static_cast<std::uint64_t>(std::stoll(*seed));
            } catch (const std::exception&) {
                // not a number: planned with seed 0
            }
        }
        tx->commit();
    }
    p.days = o.days;
    (void)last_of_days(p.from, p.days, "--days");
    p.dry_run = o.dry_run;
    p.replan = o.replan;
    p.time_limit_seconds = o.time_limit;
    if (!env.quiet && ::isatty(STDERR_FILENO) != 0) {
        p.progress = [](const ScheduleProgress& pr) {
            std::cerr << fmt::format("\rschedule: {} of {} parts planned ({:.1f} s)", pr.parts_done,
                                     pr.parts, pr.seconds)
                      << (pr.parts_done == pr.parts ? "\n" : "") << std::flush;
        };
    }
    return p;
}

void print_schedule_json(Store& store, const PlanRequest& p, const PlanResult& r) {
    json unmet = json::array();
    for (const auto& u : r.unmet) {
        unmet.push_back(unmet_json(store, u));
    }
    print_json(
        {{"format", "carecall-schedule/1"},
         {"from", format_date(p.from)},
         {"days", p.days},
         {"dry_run", p.dry_run},
         {"saved", r.saved},
         {"status", r.status},
         {"seconds", r.seconds},
         {"added", bookings_json(store, r.added)},
         {"cancelled", bookings_json(store, r.released)},
         {"kept", r.kept.size()},
         {"device_moves", r.device_moves},
         {"price_of_fairness",
          r.price_of_fairness.computed
              ? json{{"calls", r.price_of_fairness.calls},
                     {"residents_served", r.price_of_fairness.residents_served},
                     {"volume_first_calls", r.price_of_fairness.volume_calls},
                     {"volume_first_residents_served", r.price_of_fairness.volume_residents_served}}
              : json(nullptr)},
         {"unscheduled", unmet}});
}

void print_schedule_text(Store& store, const PlanResult& r) {
    if (!r.added.empty()) {
        print_calls(store, r.added);
    }
    if (!r.released.empty()) {
        std::cout << "\nCancelled by the re-plan (moved):\n";
        print_calls(store, r.released);
    }
    if (!r.unmet.empty()) {
        std::cout << "\nNot fully met:\n";
        for (const auto& u : r.unmet) {
            std::cout << fmt::format("{}: {} of {} calls missing\n",
                                     request_title(store, u.request), u.missing, u.wanted);
            for (const auto& why : u.reasons) {
                std::cout << "  " << why << '\n';
            }
        }
    }
}

/// The summary line, and what fairness cost when it cost calls.
void schedule_summary(Env& env, Store& store, const PlanRequest& p, const PlanResult& r) {
    auto last = Date{date::sys_days{p.from} + date::days{p.days - 1}};
    env.message(fmt::format(
        "schedule: {} {} new call{} for {} ({} to {}), {} kept, {} cancelled, {} "
        "request{} not fully met; {} in {:.2f} s",
        p.dry_run ? "would book" : "booked", r.added.size(), r.added.size() == 1 ? "" : "s",
        scope_text(store, p), format_date(p.from), format_date(last), r.kept.size(),
        r.released.size(), r.unmet.size(), r.unmet.size() == 1 ? "" : "s", r.status, r.seconds));
    const auto& pf = r.price_of_fairness;
    if (pf.computed && pf.volume_calls > pf.calls) {
        env.message(fmt::format(
            "schedule: the price of fairness: {} call{} fewer than a plan for "
            "volume alone ({} calls, {} residents served), so that {} more "
            "resident{} get a call",
            pf.volume_calls - pf.calls, pf.volume_calls - pf.calls == 1 ? "" : "s", pf.volume_calls,
            pf.volume_residents_served, pf.residents_served - pf.volume_residents_served,
            pf.residents_served - pf.volume_residents_served == 1 ? "" : "s"));
    }
}

void run_schedule(Env& env, const ScheduleOpts& o) {
    auto& store = env.store();
    auto now = env.now();
    auto p = schedule_request(env, store, o, now);
    auto r = plan_from_store(store, p, now);
    if (env.want_json()) {
        print_schedule_json(store, p, r);
    } else {
        print_schedule_text(store, r);
    }
    schedule_summary(env, store, p, r);
}

void register_schedule_command(CLI::App& app, Env& env) {
    auto* cmd = app.add_subcommand(
        "schedule",
        "plan the call requests from the database and book the calls (one transaction)");
    auto o = std::make_shared<ScheduleOpts>();
    add_schedule_options(*cmd, *o);
    cmd->callback([&env, o] { run_schedule(env, *o); });
}

// ---- why ----

struct WhyOpts {
    std::string request;
    ScheduleOpts plan; ///< schedule's options and defaults; always a dry run
};

/// The calls among `calls` that serve request `id`.
std::vector<Booking> calls_for(const std::vector<Booking>& calls, RequestId id) {
    std::vector<Booking> out;
    for (const auto& b : calls) {
        if (b.request && *b.request == id) {
            out.push_back(b);
        }
    }
    return out;
}

/// What a dry-run plan says about one request.
struct WhyAnswer {
    std::vector<Booking> held, would_add;
    const UnmetRequest* unmet = nullptr; // points into the plan
    int wanted = 0;
};

WhyAnswer why_answer(const PlanResult& plan, RequestId id) {
    WhyAnswer a{calls_for(plan.kept, id), calls_for(plan.added, id), nullptr, 0};
    for (const auto& u : plan.unmet) {
        if (u.request.id == id) {
            a.unmet = &u;
        }
    }
    auto it = plan.wanted.find(id);
    a.wanted = it == plan.wanted.end() ? 0 : it->second;
    return a;
}

/// The rules the reasons name ("rule: example …", schedule.hpp), once each, in their order.
std::vector<Rule> rules_named(const std::vector<std::string>& reasons) {
    std::vector<Rule> out;
    for (const auto& reason : reasons) {
        auto rule = find_rule(reason.substr(0, reason.find(':')));
        if (rule && std::find(out.begin(), out.end(), *rule) == out.end()) {
            out.push_back(*rule);
        }
    }
    return out;
}

json rules_json(const std::vector<Rule>& rules) {
    json out = json::array();
    for (auto rule : rules) {
        out.push_back({{"rule", rule_name(rule)}, {"description", rule_info(rule).description}});
    }
    return out;
}

void print_why_text(Store& store, const CallRequest& q, const PlanRequest& p, const WhyAnswer& a) {
    auto last = Date{date::sys_days{p.from} + date::days{p.days - 1}};
    std::cout << request_title(store, q) << '\n';
    std::cout << fmt::format("  {} to {}:\n", format_date(p.from), format_date(last));
    if (!q.active) {
        std::cout << "  the request is paused (not active), so it is not planned\n";
        return;
    }
    std::cout << fmt::format("  it wants {} call{} in these days ({} a week, counting its calls "
                             "in the 7 days around them)\n",
                             a.wanted, a.wanted == 1 ? "" : "s", q.calls);
    for (const auto& b : a.held) {
        auto bz = find_zone(booking_json(store, b)["tz"].get<std::string>());
        std::cout << fmt::format("  booked: {} {} on {}\n", b.code, span(b.start, b.end, bz),
                                 booking_json(store, b)["device"].get<std::string>());
    }
    for (const auto& b : a.would_add) {
        auto bz = find_zone(booking_json(store, b)["tz"].get<std::string>());
        std::cout << fmt::format("  free: {} on {} (carecall schedule would book it)\n",
                                 span(b.start, b.end, bz),
                                 booking_json(store, b)["device"].get<std::string>());
    }
    if (a.unmet != nullptr) {
        std::cout << fmt::format("  {} call{} cannot be placed:\n", a.unmet->missing,
                                 a.unmet->missing == 1 ? "" : "s");
        for (const auto& reason : a.unmet->reasons) {
            std::cout << "    " << reason << '\n';
        }
        auto rules = rules_named(a.unmet->reasons);
        if (std::find(rules.begin(), rules.end(), Rule::contact_approval) != rules.end()) {
            std::cout << "  paused: a contact's approval was revoked; carecall contact approve "
                         "resumes it\n";
        }
        if (!rules.empty()) {
            std::cout << "  what those rules ask (carecall rules lists them all):\n";
            for (auto rule : rules) {
                std::cout << fmt::format("    {}: {}\n", rule_name(rule),
                                         rule_info(rule).description);
            }
        }
    } else if (a.would_add.empty()) {
        std::cout << "  every call it asks for is booked\n";
    }
}

void run_why(Env& env, const WhyOpts& w) {
    auto& store = env.store();
    auto now = env.now();
    CallRequest q;
    {
        auto tx = store.begin(TxKind::read);
        q = store.requests().get(w.request, "request");
        tx->commit();
    }
    auto o = w.plan;
    o.dry_run = true;
    o.replan = false;
    auto p = schedule_request(env, store, o, now);
    auto plan = plan_from_store(store, p, now);
    auto a = why_answer(plan, q.id);
    if (env.want_json()) {
        print_json(
            {{"format", "carecall-why/1"},
             {"request", q.code},
             {"from", format_date(p.from)},
             {"days", p.days},
             {"active", q.active},
             {"wanted_calls", a.wanted},
             {"booked", bookings_json(store, a.held)},
             {"would_add", bookings_json(store, a.would_add)},
             {"missing_calls", a.unmet ? a.unmet->missing : 0},
             {"reasons", a.unmet ? json(a.unmet->reasons) : json::array()},
             {"rules", rules_json(a.unmet ? rules_named(a.unmet->reasons) : std::vector<Rule>{})}});
        return;
    }
    print_why_text(store, q, p, a);
}

void register_why(CLI::App& app, Env& env) {
    auto* why = app.add_subcommand("why", "why a call request is not (fully) met, in words");
    auto w = std::make_shared<WhyOpts>();
    why->add_option("request", w->request, "the request's code or id")->required();
    add_plan_options(*why, w->plan);
    why->footer("Example:\n  carecall why Q-001 --from mon --days 7\n"
                "(the same plan as carecall schedule --dry-run with the same options)");
    why->callback([&env, w] { run_why(env, *w); });
}

// ---- import rota ----

void run_import_rota(Env& env, const std::string& file) {
    auto doc = read_rota_document(read_input(file), file);
    auto& store = env.store();
    auto calls = rota_document_calls(store, doc);
    json details{{"file_calls", calls.size()}};
    auto saved = save_calls(store, std::move(calls), env.now(), "import", details.dump());
    if (env.want_json()) {
        print_json({{"format", "carecall-import-rota/1"}, {"calls", bookings_json(store, saved)}});
    } else if (!saved.empty()) {
        print_calls(store, saved);
    }
    env.message(fmt::format("imported {} call{} from {}", saved.size(),
                            saved.size() == 1 ? "" : "s", file));
}

void register_import_rota(CLI::App& app, Env& env) {
    auto* import = app.get_subcommand("import");
    auto* rota =
        import->add_subcommand("rota", "book the calls of a carecall-rota/1 file (from carecall "
                                       "solve): every rule checked, all or nothing");
    auto file = std::make_shared<std::string>();
    rota->add_option("file", *file, "the rota file, or - for stdin")->required();
    rota->footer(
        "Example:\n  carecall solve week.json -o rota.json && carecall import rota rota.json");
    rota->callback([&env, file] { run_import_rota(env, *file); });
}

} // namespace

void register_schedule(CLI::App& app, Env& env) {
    register_schedule_command(app, env);
    register_why(app, env);
    register_import_rota(app, env);
}

} // namespace carecall::cli
