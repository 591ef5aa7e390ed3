// book, move, cancel, done, missed, reopen, agenda, slots, waitlist, when
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "booking_view.hpp"
#include "carecall/booking.hpp"
#include "carecall/error.hpp"
#include "env.hpp"

namespace carecall::cli {
namespace {

using nlohmann::json;

void print_booking(Env& env, Store& store, const Booking& b,
                   const std::vector<Displacement>& displaced, const char* verb) {
    if (env.want_json()) {
        json moved = json::array();
        for (const auto& d : displaced) {
            moved.push_back({{"before", booking_json(store, d.before)},
                             {"after", d.after ? booking_json(store, *d.after) : json(nullptr)},
                             {"waitlisted", !d.after.has_value()}});
        }
        print_json({{"format", "carecall-booking/1"},
                    {"booking", booking_json(store, b)},
                    {"displaced", moved}});
        return;
    }
    std::cout << describe(store, b);
    env.message(fmt::format("{} {}", verb, b.code));
    for (const auto& d : displaced) {
        if (d.after) {
            std::cout << fmt::format("moved {} to make room:\n", d.before.code)
                      << describe(store, *d.after);
        } else {
            std::cout << fmt::format(
                "{} put on the waiting list to make room (was {})\n", d.before.code,
                span(d.before.start, d.before.end,
                     find_zone(booking_json(store, d.before)["tz"].get<std::string>())));
        }
    }
}

struct Target {
    Resident resident;
    std::vector<ContactId> contacts;
    const date::time_zone* zone;
};

Target target(Store& store, const std::string& resident, const std::vector<std::string>& contacts,
              const std::string& tz) {
    Target t{store.residents().get(resident, "resident"), {}, nullptr};
    for (const auto& c : contacts) {
        t.contacts.push_back(store.contacts().get(c, "contact").id);
    }
    t.zone = tz.empty() ? resident_zone(store, t.resident) : find_zone(tz, "--tz");
    return t;
}

/// --duration, else 30 minutes or the resident's longest call if that is shorter.
int call_minutes(const Resident& r, const std::string& duration) {
    if (!duration.empty()) {
        return parse_duration_minutes(duration, "--duration");
    }
    return r.max_call_minutes ? std::min(30, *r.max_call_minutes) : 30;
}

Ambiguity ambiguity(bool earliest, bool latest) {
    if (earliest && latest) {
        throw UsageError("--earliest and --latest cannot go together");
    }
    return earliest ? Ambiguity::earliest : (latest ? Ambiguity::latest : Ambiguity::refuse);
}

/// A call's start (`book --at`, `move --to`): a day without a time (`2026-12-05`, `tomorrow`)
/// is refused rather than read as midnight.
Instant call_start(const std::string& phrase, const date::time_zone* zone, Instant now,
                   const std::string& field, Ambiguity amb) {
    if (read_time_phrase(phrase, zone, now, field).day_only) {
        throw InvalidInput(field, fmt::format("'{}' is a day without a time: give the call's time "
                                              "too (e.g. '{} 10:00')",
                                              phrase, phrase));
    }
    return parse_time_phrase(phrase, zone, now, field, amb);
}

/// The id of a device given by code, or nullopt when none was given.
std::optional<DeviceId> optional_device(Store& store, const std::string& code) {
    if (code.empty()) {
        return std::nullopt;
    }
    return store.devices().get(code, "device").id;
}

/// The id of a helper given by code, or nullopt when none was given.
std::optional<StaffId> optional_staff(Store& store, const std::string& code) {
    if (code.empty()) {
        return std::nullopt;
    }
    return store.staff().get(code, "staff member").id;
}

BookingService service_at(Store& store, Instant now) {
    return BookingService(store, [now] { return now; });
}

/// A subcommand whose options fill an Opts that lives as long as the app: `options` declares
/// them, `run` is the step the subcommand runs.
template <class Opts>
void add_command(CLI::App& app, Env& env, const char* name, const char* help,
                 void (*options)(CLI::App&, Opts&), void (*run)(Env&, const Opts&)) {
    auto o = std::make_shared<Opts>();
    auto* cmd = app.add_subcommand(name, help);
    options(*cmd, *o);
    cmd->callback([&env, o, run] { run(env, *o); });
}

// ---- book ----

struct BookOpts {
    std::string resident, at, after, before, duration, device, staff, priority = "routine", reason,
                                                                      until, tz, request;
    std::vector<std::string> contacts;
    bool first_free = false, override_availability = false, outside_hours = false, weekly = false,
         earliest = false, latest = false;
};

void add_book_options(CLI::App& book, BookOpts& bo) {
    book.add_option("--resident", bo.resident, "the resident")->required();
    book.add_option("--contact", bo.contacts, "a contact (repeat for a group call)")->required();
    auto* at =
        book.add_option("--at", bo.at, "start: 2027-03-28 14:00, tomorrow 10:30, mon 15:00…");
    auto* ff = book.add_flag("--first-free", bo.first_free, "the first free time instead of --at");
    at->excludes(ff);
    book.add_option("--after", bo.after, "with --first-free: not before (default now)");
    book.add_option("--before", bo.before, "with --first-free: ending by (default 14 days on)");
    book.add_option(
        "--duration", bo.duration,
        "length, e.g. 30m, 1h (default 30m, or the resident's longest call if shorter)");
    book.add_option("--device", bo.device, "the device (default: picked, home ward's first)");
    book.add_option("--staff", bo.staff, "the helper (default: picked when needed)");
    book.add_option("--priority", bo.priority, "routine, clinical or end_of_life");
    book.add_flag("--override-availability", bo.override_availability,
                  "the family agreed this time by phone (needs --reason)");
    book.add_flag("--outside-hours", bo.outside_hours,
                  "an end-of-life call outside calling hours and care blocks (needs --reason)");
    book.add_option("--reason", bo.reason, "why (recorded)");
    book.add_option("--request", bo.request,
                    "the call request it serves, among several of this resident and these contacts "
                    "(default: the one active request that names them)");
    book.add_flag("--weekly", bo.weekly, "the same time every week until --until");
    book.add_option("--until", bo.until, "with --weekly: last date YYYY-MM-DD");
    book.add_option("--tz", bo.tz, "read times in this zone (default: the site's)");
    book.add_flag("--earliest", bo.earliest, "a time that happens twice: the first (summer time)");
    book.add_flag("--latest", bo.latest, "a time that happens twice: the second");
    book.footer(
        "Examples:\n  carecall book --resident R-0042 --contact C-RAJ --at \"tomorrow 10:00\"\n"
        "  carecall book --resident R-0042 --contact C-RAJ --first-free --duration 20m\n"
        "  carecall book --resident R-0042 --contact C-RAJ --at \"sun 15:00\" --weekly --until "
        "2027-03-31\n"
        "  carecall book --resident R-0042 --contact C-RAJ --at 02:30 --priority end_of_life "
        "--outside-hours --reason \"family called by the nurse\"");
}

BookRequest book_request(Store& store, const BookOpts& bo, const Target& t, Instant now) {
    BookRequest req;
    req.resident = t.resident.id;
    req.contacts = t.contacts;
    req.duration_minutes = call_minutes(t.resident, bo.duration);
    req.priority = parse_priority(bo.priority, "--priority");
    req.override_availability = bo.override_availability;
    req.override_hours = bo.outside_hours;
    req.reason = bo.reason;
    req.device = optional_device(store, bo.device);
    req.staff = optional_staff(store, bo.staff);
    if (!bo.request.empty()) {
        req.request = store.requests().get(bo.request, "request").id;
    }
    auto amb = ambiguity(bo.earliest, bo.latest);
    if (!bo.at.empty()) {
        req.at = call_start(bo.at, t.zone, now, "--at", amb);
    }
    if (!bo.after.empty()) {
        req.after = parse_time_phrase(bo.after, t.zone, now, "--after", amb);
    }
    if (!bo.before.empty()) {
        req.before = parse_time_phrase(bo.before, t.zone, now, "--before", amb);
    }
    return req;
}

/// Prints each occurrence of a weekly series; refuses the series when none could be booked.
void report_weekly(Env& env, Store& store, const WeeklyResult& result) {
    json items = json::array();
    int booked = 0;
    for (const auto& o : result.occurrences) {
        json v = json::array();
        for (const auto& x : o.violations) {
            v.push_back({{"rule", rule_name(x.rule)}, {"message", x.message}});
        }
        items.push_back({{"date", format_date(o.date)},
                         {"booking", o.booking ? booking_json(store, *o.booking) : json(nullptr)},
                         {"problems", v}});
        booked += o.booking ? 1 : 0;
        if (!env.want_json()) {
            if (o.booking) {
                std::cout << describe(store, *o.booking);
            } else {
                std::cout << fmt::format("NOT BOOKED {}: {}\n", format_date(o.date),
                                         o.violations.empty() ? "" : o.violations.front().message);
            }
        }
    }
    if (env.want_json()) {
        print_json(
            {{"format", "carecall-series/1"}, {"series", result.series}, {"occurrences", items}});
    }
    env.message(fmt::format("series {}: {} of {} weekly calls booked", result.series, booked,
                            result.occurrences.size()));
    if (booked == 0) {
        std::vector<Violation> why;
        for (const auto& o : result.occurrences) {
            why.insert(why.end(), o.violations.begin(), o.violations.end());
        }
        throw BookingConflict(why);
    }
}

void run_book(Env& env, const BookOpts& bo) {
    if (bo.at.empty() && !bo.first_free) {
        throw UsageError("give --at TIME or --first-free");
    }
    if (bo.weekly && (bo.until.empty() || bo.at.empty())) {
        throw UsageError("--weekly needs --at and --until");
    }
    auto& store = env.store();
    auto t = target(store, bo.resident, bo.contacts, bo.tz);
    auto now = env.now();
    auto req = book_request(store, bo, t, now);
    auto service = service_at(store, now);
    if (bo.weekly) {
        auto until = parse_date_phrase(bo.until, t.zone, now, "--until");
        report_weekly(env, store,
                      service.book_weekly(req, until, ambiguity(bo.earliest, bo.latest)));
        return;
    }
    auto result = service.book(req);
    print_booking(env, store, result.booking, result.displaced, "booked");
}

// ---- move ----

struct MoveOpts {
    std::string code, to, device, staff, reason, tz;
    bool override_availability = false, earliest = false, latest = false;
};

void run_move(Env& env, const MoveOpts& mo) {
    auto& store = env.store();
    auto b = store.bookings().get(mo.code);
    auto r = store.residents().find(b.resident);
    auto zone = mo.tz.empty() ? resident_zone(store, *r) : find_zone(mo.tz, "--tz");
    auto now = env.now();
    MoveRequest req;
    req.booking = b.id;
    req.start = call_start(mo.to, zone, now, "--to", ambiguity(mo.earliest, mo.latest));
    req.device = optional_device(store, mo.device);
    req.staff = optional_staff(store, mo.staff);
    req.override_availability = mo.override_availability;
    req.reason = mo.reason;
    auto moved = service_at(store, now).move(req);
    print_booking(env, store, moved, {}, "moved");
}

void register_move(CLI::App& app, Env& env) {
    auto mo = std::make_shared<MoveOpts>();
    auto* move = app.add_subcommand("move", "move a call to another time (every rule re-checked)");
    move->add_option("code", mo->code, "the booking")->required();
    move->add_option("--to", mo->to, "the new start")->required();
    move->add_option("--device", mo->device, "another device");
    move->add_option("--staff", mo->staff, "another helper");
    move->add_flag("--override-availability", mo->override_availability, "agreed with the family");
    move->add_option("--reason", mo->reason, "why (recorded)");
    move->add_option("--tz", mo->tz, "read --to in this zone (default: the site's)");
    move->add_flag("--earliest", mo->earliest, "a time that happens twice: the first");
    move->add_flag("--latest", mo->latest, "a time that happens twice: the second");
    move->footer("Example:\n  carecall move B-12 --to \"tomorrow 15:00\"");
    move->callback([&env, mo] { run_move(env, *mo); });
}

// ---- cancel / done / missed / reopen ----

struct StateOpts {
    std::string code, reason, outcome;
};

/// One state change of a booked call given by code, then the booking as it is now.
template <class Change>
void run_state_change(Env& env, const std::string& code, const char* verb, Change change) {
    auto& store = env.store();
    auto b = store.bookings().get(code);
    auto service = service_at(store, env.now());
    auto done = change(service, b.id);
    print_booking(env, store, done, {}, verb);
}

/// A change of one booking that needs --reason: cancel, reopen.
using ReasonedChange = Booking (BookingService::*)(BookingId, const std::string&);
void add_reasoned_change(CLI::App& app, Env& env, const char* name, const char* help,
                         const char* example, const char* verb, ReasonedChange change) {
    auto o = std::make_shared<StateOpts>();
    auto* cmd = app.add_subcommand(name, help);
    cmd->add_option("code", o->code, "the booking")->required();
    cmd->add_option("--reason", o->reason, "why (recorded)")->required();
    cmd->footer(std::string("Example:\n  ") + example);
    cmd->callback([&env, o, verb, change] {
        run_state_change(env, o->code, verb, [&](BookingService& s, BookingId id) {
            return (s.*change)(id, o->reason);
        });
    });
}

void register_state_changes(CLI::App& app, Env& env) {
    add_reasoned_change(app, env, "cancel", "cancel a call",
                        "carecall cancel B-12 --reason \"resident unwell\"", "cancelled",
                        &BookingService::cancel);
    auto dn = std::make_shared<StateOpts>();
    auto* done_cmd =
        app.add_subcommand("done", "record that a call took place (from its start on)");
    done_cmd->add_option("code", dn->code, "the booking")->required();
    done_cmd->add_option("--note", dn->reason, "a note");
    done_cmd->callback([&env, dn] {
        run_state_change(env, dn->code, "completed", [&](BookingService& s, BookingId id) {
            return s.complete(id, dn->reason);
        });
    });
    auto mi = std::make_shared<StateOpts>();
    auto* missed =
        app.add_subcommand("missed", "record that a call did not happen (from its start on)");
    missed->add_option("code", mi->code, "the booking")->required();
    missed->add_option("--outcome", mi->outcome, "no_answer, declined, unwell or technical")
        ->required();
    missed->add_option("--reason", mi->reason, "more detail");
    missed->footer("Example:\n  carecall missed B-12 --outcome no_answer");
    missed->callback([&env, mi] {
        run_state_change(env, mi->code, "recorded as missed", [&](BookingService& s, BookingId id) {
            return s.missed(id, mi->outcome, mi->reason);
        });
    });
    add_reasoned_change(app, env, "reopen", "take back an outcome: the call is booked again",
                        "carecall reopen B-12 --reason \"recorded on the wrong call\"", "reopened",
                        &BookingService::reopen);
}

// ---- agenda / waitlist ----

struct AgendaOpts {
    std::string date, ward, resident, contact, device, tz;
    int days = 1;
    bool all = false;
};

/// The filter's people and devices; returns the zone they imply (--tz wins, else the first site's).
const date::time_zone* agenda_filter(Store& store, const AgendaOpts& ao, BookingFilter& f) {
    const date::time_zone* zone = nullptr;
    if (!ao.ward.empty()) {
        auto w = store.wards().get(ao.ward, "ward");
        f.wards = {w.id};
        zone = find_zone(store.sites().find(w.site)->tz);
    }
    if (!ao.resident.empty()) {
        auto r = store.residents().get(ao.resident, "resident");
        f.residents = {r.id};
        zone = resident_zone(store, r);
    }
    if (!ao.contact.empty()) {
        f.contacts = {store.contacts().get(ao.contact, "contact").id};
    }
    if (!ao.device.empty()) {
        auto d = store.devices().get(ao.device, "device");
        f.devices = {d.id};
        zone = zone ? zone : find_zone(store.sites().find(d.site)->tz);
    }
    if (!ao.tz.empty()) {
        zone = find_zone(ao.tz, "--tz");
    }
    if (zone == nullptr) {
        auto sites = store.sites().list();
        zone = sites.empty() ? find_zone("UTC") : find_zone(sites.front().tz);
    }
    return zone;
}

/// The violations of each listed call that breaks a rule now (BookingService::broken, the check
/// db check and repair use), by booking id.
std::map<std::int64_t, std::vector<Violation>> agenda_risks(Store& store, Instant now,
                                                            const std::vector<Booking>& list) {
    std::map<std::int64_t, std::vector<Violation>> out;
    std::optional<Instant> last;
    for (const auto& b : list) {
        if (b.status == BookingStatus::booked && b.start >= now) {
            last = last ? std::max(*last, b.end) : b.end;
        }
    }
    if (!last) {
        return out;
    }
    BrokenQuery q;
    q.to = *last;
    for (auto& b : service_at(store, now).broken(q)) {
        out[b.booking.id.value] = std::move(b.violations);
    }
    return out;
}

nlohmann::json risk_json(const std::vector<Violation>& violations) {
    auto out = nlohmann::json::array();
    for (const auto& v : violations) {
        out.push_back({{"rule", rule_name(v.rule)}, {"message", v.message}});
    }
    return out;
}

void print_agenda_table(Env& env, Store& store, const AgendaOpts& ao,
                        const std::vector<Booking>& list, const date::time_zone* zone,
                        const std::map<std::int64_t, std::vector<Violation>>& risks) {
    std::vector<std::vector<std::string>> rows;
    std::string risk_lines;
    for (const auto& b : list) {
        auto risk = risks.find(b.id.value);
        if (risk != risks.end()) {
            for (const auto& v : risk->second) {
                risk_lines +=
                    fmt::format("{} AT RISK: {}: {}\n", b.code, rule_name(v.rule), v.message);
            }
        }
        auto j = booking_json(store, b);
        // Site time, or the zone --tz asks for (the days were chosen in it too).
        auto bz = ao.tz.empty() ? find_zone(j["tz"].get<std::string>()) : zone;
        auto contacts = contacts_with_times(j, b.start, bz);
        rows.push_back({b.code, local_day(b.start, bz), times(b.start, b.end, bz),
                        j["resident_name"].get<std::string>().empty()
                            ? j["resident"].get<std::string>()
                            : j["resident_name"].get<std::string>(),
                        contacts, j["device"].get<std::string>(),
                        j["staff"].is_null() ? "" : j["staff"].get<std::string>(),
                        risk == risks.end() ? to_string(b.status) : std::string("AT RISK")});
    }
    print_table(
        {"CALL", "DAY", "TIME", "RESIDENT", "CONTACTS (THEIR TIME)", "DEVICE", "HELPER", "STATUS"},
        rows);
    std::cout << risk_lines;
    env.message(fmt::format("{} call{}", list.size(), list.size() == 1 ? "" : "s"));
}

void run_agenda(Env& env, const AgendaOpts& ao) {
    auto& store = env.store();
    BookingFilter f;
    const auto* zone = agenda_filter(store, ao, f);
    auto now = env.now();
    auto day = ao.date.empty() ? Date{date::floor<date::days>(to_local(now, zone))}
                               : parse_date_phrase(ao.date, zone, now, "--date");
    auto last = last_of_days(day, ao.days, "--days");
    f.from = to_utc(date::local_days{day}, zone, "--date", Ambiguity::earliest);
    f.to = to_utc(date::local_days{last} + date::days{1}, zone, "--date", Ambiguity::earliest);
    if (ao.all) {
        f.statuses = {BookingStatus::booked, BookingStatus::completed, BookingStatus::missed,
                      BookingStatus::cancelled, BookingStatus::waitlisted};
    }
    auto list = service_at(store, now).agenda(f);
    auto risks = agenda_risks(store, now, list);
    if (env.want_json()) {
        auto calls = bookings_json(store, list);
        for (std::size_t i = 0; i < list.size(); ++i) {
            auto risk = risks.find(list[i].id.value);
            calls[i]["at_risk"] =
                risk_json(risk == risks.end() ? std::vector<Violation>{} : risk->second);
        }
        print_json({{"format", "carecall-agenda/1"},
                    {"from", format_iso_offset(*f.from, zone)},
                    {"to", format_iso_offset(*f.to, zone)},
                    {"tz", zone->name()},
                    {"calls", calls}});
        return;
    }
    print_agenda_table(env, store, ao, list, zone, risks);
}

void register_agenda(CLI::App& app, Env& env) {
    auto ao = std::make_shared<AgendaOpts>();
    auto* agenda = app.add_subcommand("agenda", "the calls of a day (or several)");
    agenda->add_option("--date", ao->date,
                       "first day: YYYY-MM-DD, today, tomorrow, mon… (default today)");
    agenda->add_option("--days", ao->days, "how many days (default 1)")->check(CLI::Range(1, 366));
    agenda->add_option("--ward", ao->ward, "only this ward");
    agenda->add_option("--resident", ao->resident, "only this resident");
    agenda->add_option("--contact", ao->contact, "only this contact");
    agenda->add_option("--device", ao->device, "only this device");
    agenda->add_option("--tz", ao->tz, "days and times in this zone (default: the site's)");
    agenda->add_flag("--all", ao->all, "include cancelled calls");
    agenda->footer("Example:\n  carecall agenda --date tomorrow --ward W-ROSE");
    agenda->callback([&env, ao] { run_agenda(env, *ao); });
}

void run_waitlist(Env& env) {
    auto& store = env.store();
    auto list = service_at(store, env.now()).waitlist();
    if (env.want_json()) {
        print_json({{"format", "carecall-waitlist/1"}, {"calls", bookings_json(store, list)}});
        return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& b : list) {
        auto j = booking_json(store, b);
        auto bz = find_zone(j["tz"].get<std::string>());
        rows.push_back({b.code, j["resident"].get<std::string>(), span(b.start, b.end, bz),
                        j["priority"].get<std::string>(), b.reason});
    }
    print_table({"CALL", "RESIDENT", "WAS", "PRIORITY", "WHY"}, rows);
    env.message(fmt::format("{} waiting", list.size()));
}

// ---- slots ----

struct SlotOpts {
    std::string resident, from, duration, device, staff, tz;
    std::vector<std::string> contacts;
    int days = 7, limit = 10, step = 15;
};

void add_slot_options(CLI::App& slots, SlotOpts& so) {
    slots.add_option("--resident", so.resident, "the resident")->required();
    slots.add_option("--contact", so.contacts, "a contact (repeat for a group call)")->required();
    slots.add_option("--from", so.from, "search from (default now)");
    slots.add_option("--days", so.days, "how many days (default 7)")->check(CLI::Range(1, 60));
    slots.add_option("--duration", so.duration,
                     "length (default 30m, or the resident's longest call if shorter)");
    slots.add_option("--limit", so.limit, "at most this many (default 10)")
        ->check(CLI::Range(1, 1000));
    slots.add_option("--step", so.step, "minutes between starts (default 15)")
        ->check(CLI::Range(5, 240));
    slots.add_option("--device", so.device, "only this device");
    slots.add_option("--staff", so.staff, "only this helper");
    slots.add_option("--tz", so.tz, "read --from in this zone (default: the site's)");
    slots.footer(
        "Example:\n  carecall slots --resident R-0042 --contact C-RAJ --days 7 --duration 20m");
}

void print_slots_json(Store& store, const Target& t, const std::vector<Slot>& found,
                      const std::vector<SlotReason>& why, const date::time_zone* site_zone) {
    json items = json::array();
    for (const auto& s : found) {
        json their = json::array();
        for (auto cid : t.contacts) {
            auto c = store.contacts().find(cid);
            their.push_back({{"contact", c->code},
                             {"tz", c->tz},
                             {"start", format_iso_offset(s.start, find_zone(c->tz))}});
        }
        auto d = store.devices().find(s.device);
        std::optional<Staff> st;
        if (s.staff) {
            st = store.staff().find(*s.staff);
        }
        items.push_back({{"start", format_iso_offset(s.start, site_zone)},
                         {"end", format_iso_offset(s.end, site_zone)},
                         {"start_utc", format_utc(s.start)},
                         {"tz", site_zone->name()},
                         {"device", d->code},
                         {"staff", st ? json(st->code) : json(nullptr)},
                         {"contacts", their}});
    }
    json refused = json::array();
    for (const auto& r : why) {
        refused.push_back(
            {{"rule", rule_name(r.rule)}, {"example", r.example}, {"starts", r.starts}});
    }
    print_json({{"format", "carecall-slots/1"}, {"slots", items}, {"refused", refused}});
}

void print_slots_table(Store& store, const Target& t, const std::vector<Slot>& found,
                       const date::time_zone* site_zone) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& s : found) {
        std::string their;
        for (auto cid : t.contacts) {
            auto c = store.contacts().find(cid);
            auto cz = find_zone(c->tz);
            their +=
                (their.empty() ? "" : ", ") +
                fmt::format("{} {} {}", display_name(*c), hhmm(s.start, cz), abbrev(s.start, cz));
        }
        std::string helper;
        if (s.staff) {
            helper = store.staff().find(*s.staff)->code;
        }
        rows.push_back({local_day(s.start, site_zone), times(s.start, s.end, site_zone), their,
                        store.devices().find(s.device)->code, helper});
    }
    print_table({"DAY", "TIME", "THEIR TIME", "DEVICE", "HELPER"}, rows);
}

void run_slots(Env& env, const SlotOpts& so) {
    auto& store = env.store();
    auto t = target(store, so.resident, so.contacts, so.tz);
    auto now = env.now();
    SlotQuery q;
    q.resident = t.resident.id;
    q.contacts = t.contacts;
    q.from = so.from.empty()
                 ? now
                 : parse_time_phrase(so.from, t.zone, now, "--from", Ambiguity::earliest);
    q.days = so.days;
    (void)last_of_days(Date{date::floor<date::days>(to_local(q.from, t.zone))}, q.days, "--days");
    q.duration_minutes = call_minutes(t.resident, so.duration);
    q.limit = so.limit;
    q.step_minutes = so.step;
    q.device = optional_device(store, so.device);
    q.staff = optional_staff(store, so.staff);
    std::vector<SlotReason> why;
    auto found = service_at(store, now).slots(q, &why);
    auto site_zone = resident_zone(store, t.resident);
    if (env.want_json()) {
        print_slots_json(store, t, found, why, site_zone);
        return;
    }
    print_slots_table(store, t, found, site_zone);
    if (found.empty()) {
        env.message(fmt::format("no free time in the next {} days", so.days));
        for (std::size_t i = 0; i < why.size() && i < 3; ++i) {
            env.message(fmt::format("  {} of the starts: {} (e.g. {})", why[i].starts,
                                    rule_name(why[i].rule), why[i].example));
        }
    }
}

// ---- when ----

struct WhenOpts {
    std::string phrase, tz;
};

/// --tz, else the system's zone, else UTC.
const date::time_zone* when_zone(const std::string& tz) {
    if (!tz.empty()) {
        return find_zone(tz, "--tz");
    }
    try {
        return date::current_zone();
    } catch (const std::exception&) {
        return find_zone("UTC");
    }
}

void run_when(Env& env, const WhenOpts& wo) {
    const auto* zone = when_zone(wo.tz);
    auto now = env.now();
    auto r = read_time_phrase(wo.phrase, zone, now, "phrase");
    if (r.instants.empty()) {
        parse_time_phrase(wo.phrase, zone, now, "phrase"); // throws, naming the nearest times
    }
    if (env.want_json()) {
        json readings = json::array();
        for (auto i : r.instants) {
            readings.push_back({{"local", format_iso_offset(i, zone)}, {"utc", format_utc(i)}});
        }
        print_json({{"format", "carecall-when/1"},
                    {"phrase", wo.phrase},
                    {"tz", zone->name()},
                    {"ambiguous", r.instants.size() > 1},
                    {"readings", readings}});
        return;
    }
    for (auto i : r.instants) {
        std::cout << fmt::format("{} {} ({}) = {}\n", local_day(i, zone),
                                 format_iso_offset(i, zone).substr(11), zone->name(),
                                 format_utc(i));
    }
    if (r.instants.size() > 1) {
        env.message("this time happens twice (the clocks go back): choose with --earliest, "
                    "--latest or an offset");
    }
}

void register_when(CLI::App& app, Env& env) {
    auto wo = std::make_shared<WhenOpts>();
    auto* when = app.add_subcommand("when", "show how a time phrase is read");
    when->add_option("phrase", wo->phrase, "e.g. \"next tue 15:00\"")->required();
    when->add_option("--tz", wo->tz, "the zone to read it in (default: the system's)");
    when->footer("Example:\n  carecall when \"next tue 15:00\" --tz Europe/London");
    when->callback([&env, wo] { run_when(env, *wo); });
}

} // namespace

void register_booking(CLI::App& app, Env& env) {
    add_command(app, env, "book", "book a call (every rule is checked)", add_book_options,
                run_book);
    register_move(app, env);
    register_state_changes(app, env);
    register_agenda(app, env);
    auto* waitlist = app.add_subcommand("waitlist", "calls displaced and waiting for a new time");
    waitlist->callback([&env] { run_waitlist(env); });
    add_command(app, env, "slots", "when could this call happen? (the same checks as book)",
                add_slot_options, run_slots);
    register_when(app, env);
}

} // namespace carecall::cli
