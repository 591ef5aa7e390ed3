// carecall rota [--date D | --from D --to D | --days N] [--ward W] [--site S] [--device D]
//               [--for-contact C [--redact]] [--format table|csv|json|ics|html] [-o FILE]
#include <algorithm>
#include <iostream>
#include <map>
#include <set>

#include <fmt/format.h>

#include "carecall/booking.hpp"
#include "carecall/error.hpp"
#include "carecall/planning.hpp"
#include "carecall/rota.hpp"
#include "env.hpp"

namespace carecall::cli {
namespace {

/// The rota document's "unscheduled": the requests of the rota's dates and wards that are not
/// fully met, and why. A dry-run plan (planning.hpp) says which missing calls could still be
/// booked and which rules block the rest; no free time is offered before `now`. Left empty for a
/// rota filtered by contact or device (a family's calendar must not carry other residents'
/// requests). The rota library does not plan: the command fills this in.
std::vector<RotaUnscheduled> unscheduled_requests(Store& store, const RotaQuery& query,
                                                  Instant now) {
    std::vector<RotaUnscheduled> out;
    if (query.contact || !query.devices.empty() || query.period) {
        return out;
    }
    std::vector<PlanRequest> plans;
    PlanRequest base;
    base.from = query.from;
    base.days =
        static_cast<int>((date::sys_days{query.to} - date::sys_days{query.from}).count()) + 1;
    base.dry_run = true;
    base.time_limit_seconds = 2.0;
    for (auto w : query.wards) {
        plans.push_back(base);
        plans.back().ward = w;
    }
    for (auto s : query.sites) {
        plans.push_back(base);
        plans.back().site = s;
    }
    if (plans.empty()) {
        plans.push_back(base);
    }
    for (const auto& p : plans) {
        auto plan = plan_from_store(store, p, now);
        std::map<std::string, std::vector<const Booking*>> free;
        std::map<std::string, const UnmetRequest*> blocked;
        std::map<std::int64_t, std::string> code_of;
        for (const auto& u : plan.unmet) {
            blocked[u.request.code] = &u;
        }
        for (const auto& b : plan.added) {
            if (b.request) {
                auto& code = code_of[b.request->value];
                if (code.empty()) {
                    auto q = store.requests().find(*b.request);
                    code = q ? q->code : std::to_string(b.request->value);
                }
                free[code].push_back(&b);
            }
        }
        std::set<std::string> codes;
        for (const auto& [code, u] : blocked) {
            codes.insert(code);
        }
        for (const auto& [code, list] : free) {
            codes.insert(code);
        }
        for (const auto& code : codes) {
            RotaUnscheduled u;
            u.request = code;
            if (auto it = free.find(code); it != free.end()) {
                u.missing_calls += static_cast<int>(it->second.size());
                u.reasons.push_back(fmt::format(
                    "not booked yet: {} free time{} found, the first at {} (carecall schedule "
                    "would "
                    "book {})",
                    it->second.size(), it->second.size() == 1 ? "" : "s",
                    format_utc(it->second.front()->start), it->second.size() == 1 ? "it" : "them"));
            }
            if (auto it = blocked.find(code); it != blocked.end()) {
                u.missing_calls += it->second->missing;
                u.reasons.insert(u.reasons.end(), it->second->reasons.begin(),
                                 it->second->reasons.end());
            }
            out.push_back(std::move(u));
        }
    }
    std::sort(out.begin(), out.end(), [](const RotaUnscheduled& a, const RotaUnscheduled& b) {
        return a.request < b.request;
    });
    return out;
}

/// Marks the rota's booked calls that break a rule now (the rota's "at_risk"), from
/// BookingService::broken, the one check of a booked call that db check and repair use. The rota
/// library does not check rules: the command fills this in, as it fills "unscheduled".
void mark_at_risk(Store& store, Rota& rota, Instant now) {
    std::optional<Instant> last;
    for (const auto& c : rota.calls) {
        if (c.booking.value != 0 && c.status == BookingStatus::booked && c.start >= now) {
            last = last ? std::max(*last, c.end) : c.end;
        }
    }
    if (!last) {
        return; // only calls already started or past: nothing left to break
    }
    BrokenQuery bq;
    bq.to = *last;
    std::map<std::int64_t, const BrokenCall*> by_id;
    auto broken = BookingService(store, [now] { return now; }).broken(bq);
    for (const auto& b : broken) {
        by_id[b.booking.id.value] = &b;
    }
    for (auto& c : rota.calls) {
        auto it = by_id.find(c.booking.value);
        if (it == by_id.end() || c.status != BookingStatus::booked) {
            continue;
        }
        for (const auto& v : it->second->violations) {
            c.at_risk.push_back(RotaRisk{rule_name(v.rule), v.message});
        }
    }
}

} // namespace

namespace {

struct RotaOpts {
    std::string date, from, to, ward, site, device, contact, output = "-";
    std::optional<int> days;
    bool redact = false;
    bool all = false;
};

void add_rota_options(CLI::App* cmd, RotaOpts& o) {
    auto* date_opt = cmd->add_option("--date", o.date,
                                     "the day: YYYY-MM-DD, today, tomorrow, mon… (default today, "
                                     "site time)");
    auto* from_opt = cmd->add_option("--from", o.from, "first day of a range");
    cmd->add_option("--to", o.to, "last day of a range (inclusive)")->needs(from_opt);
    cmd->add_option("--days", o.days, "how many days from --date or --from (default 1)")
        ->check(CLI::Range(1, 366));
    date_opt->excludes(from_opt);
    cmd->add_option("--ward", o.ward, "only this ward");
    cmd->add_option("--site", o.site, "only this site");
    cmd->add_option("--device", o.device, "only this device");
    auto* fc = cmd->add_option("--for-contact", o.contact,
                               "the calendar a family receives: only this contact's calls, "
                               "nothing about other residents");
    cmd->add_flag("--redact", o.redact, "with --for-contact: people's names as initials")
        ->needs(fc);
    cmd->add_flag("--all", o.all, "also cancelled and waiting calls (ICS always has them)");
    cmd->add_option("-o,--output", o.output, "write to this file (created 0600), - for stdout");
    cmd->footer("Examples:\n  carecall rota --date tomorrow --ward W-ROSE\n"
                "  carecall rota --from 2027-03-22 --days 7 --format ics --for-contact C-RAJ "
                "-o raj.ics\n  carecall rota --date tomorrow --format html -o noticeboard.html");
}

/// The site, ward, device and contact of the query; returns the zone its dates are read in
/// (the scope's site, else the first site) and sets the contact's code.
const date::time_zone* rota_scope(Store& store, const RotaOpts& o, RotaQuery& q,
                                  std::string& contact_code) {
    const date::time_zone* zone = nullptr;
    auto site_zone = [&](SiteId id) {
        auto s = store.sites().find(id);
        return s ? find_zone(s->tz) : nullptr;
    };
    if (!o.site.empty()) {
        auto s = store.sites().get(o.site, "site");
        q.sites = {s.id};
        zone = find_zone(s.tz);
    }
    if (!o.ward.empty()) {
        auto w = store.wards().get(o.ward, "ward");
        q.wards = {w.id};
        zone = site_zone(w.site);
    }
    if (!o.device.empty()) {
        auto d = store.devices().get(o.device, "device");
        q.devices = {d.id};
        zone = zone != nullptr ? zone : site_zone(d.site);
    }
    if (!o.contact.empty()) {
        auto c = store.contacts().get(o.contact, "contact");
        q.contact = c.id;
        contact_code = c.code;
    }
    if (zone == nullptr) {
        auto sites = store.sites().list();
        zone = find_zone(sites.empty() ? std::string("UTC") : sites.front().tz);
    }
    return zone;
}

/// The query's dates from --date, --from/--to and --days, read in `zone`.
void set_rota_dates(const RotaOpts& o, RotaQuery& q, const date::time_zone* zone, Instant now) {
    auto today = Date{date::floor<date::days>(to_local(now, zone))};
    if (!o.from.empty()) {
        q.from = parse_date_phrase(o.from, zone, now, "--from");
        q.to = o.to.empty() ? q.from : parse_date_phrase(o.to, zone, now, "--to");
        if (!o.to.empty() && o.days) {
            throw UsageError("--to and --days cannot both be given");
        }
    } else {
        q.from = o.date.empty() ? today : parse_date_phrase(o.date, zone, now, "--date");
        q.to = q.from;
    }
    if (o.days) {
        q.to = last_of_days(q.from, *o.days, "--days");
    }
}

std::string render_rota(const Rota& rota, const std::string& format,
                        const std::string& contact_code) {
    std::string out;
    if (format == "json") {
        out = rota_json(rota);
    } else if (format == "csv") {
        out = rota_csv(rota);
    } else if (format == "ics") {
        IcsOptions io;
        io.for_contact = contact_code;
        io.calendar_name = contact_code.empty() ? "carecall rota" : "Video calls";
        out = rota_ics(rota, io);
    } else if (format == "html") {
        out = rota_html(rota);
    } else {
        out = rota_table(rota);
    }
    return out;
}

/// Writes the rendered rota to stdout or the file, then counts the calls that take place.
void write_rota(Env& env, const RotaOpts& o, const Rota& rota, const std::string& out) {
    if (o.output == "-") {
        std::cout << out;
    } else {
        write_private_file(env, o.output, out);
        env.message(fmt::format("wrote {}", o.output));
    }
    std::size_t n = 0;
    for (const auto& c : rota.calls) {
        n += c.status == BookingStatus::cancelled || c.status == BookingStatus::waitlisted ? 0 : 1;
    }
    env.message(fmt::format("{} call{} from {} to {}", n, n == 1 ? "" : "s", format_date(rota.from),
                            format_date(rota.to)));
}

void run_rota(Env& env, const RotaOpts& o) {
    auto& store = env.store();
    auto format = env.want_json() ? std::string("json") : env.format;
    RotaQuery q;
    q.include_cancelled = o.all || format == "ics";
    std::string contact_code;
    const auto* zone = rota_scope(store, o, q, contact_code);
    auto now = env.now();
    set_rota_dates(o, q, zone, now);
    auto rota = load_rota(store, q);
    mark_at_risk(store, rota, now);
    if (format == "json") { // the rota document's "unscheduled"
        rota.unscheduled = unscheduled_requests(store, q, now);
    }
    if (!contact_code.empty()) {
        rota = for_contact(rota, contact_code, o.redact);
    }
    write_rota(env, o, rota, render_rota(rota, format, contact_code));
}

} // namespace

void register_rota(CLI::App& app, Env& env) {
    auto o = std::make_shared<RotaOpts>();
    auto* cmd = app.add_subcommand(
        "rota", "the calls of a day or dates for a ward, site or device: a table, CSV, "
                "carecall-rota/1 JSON, a calendar (ICS) or a printable run-sheet (HTML)");
    env.formats[cmd] = {"table", "json", "csv", "ics", "html"};
    add_rota_options(cmd, *o);
    cmd->callback([&env, o] { run_rota(env, *o); });
}

} // namespace carecall::cli
