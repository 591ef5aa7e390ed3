// Booking calls. Every write: BEGIN IMMEDIATE, load what the rules need, check, write, audit,
// commit. The free-slot finder runs the very same check.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "carecall/booking.hpp"
#include "carecall/store.hpp"

namespace carecall {
namespace {

using std::chrono::minutes;

constexpr auto k_margin = date::days{1}; // bookings this far around a call can affect it

bool displaceable_rule(Rule rule) { return rule_info(rule).gives_way; }

/// No other device or helper can lift a rule about the resident, a contact or the time.
bool independent_of_device(Rule rule) {
    auto party = rule_info(rule).party;
    return party == RuleParty::resident || party == RuleParty::contact || party == RuleParty::time;
}

/// What the rules need for calls of one resident between `from` and `to`: the resident, the
/// ward and site, the contacts and approvals, the candidate devices and helpers, and every
/// booking around that time involving any of them (with those bookings' residents).
struct Scope {
    World world;
    Resident resident;
    Ward ward;
    const date::time_zone* zone = nullptr;
    std::vector<DeviceId> devices; ///< candidates, home ward's first
    std::vector<StaffId> helpers;  ///< candidates
};

Scope load_scope(Store& store, ResidentId rid, const std::vector<ContactId>& contacts,
                 std::optional<DeviceId> device, std::optional<StaffId> staff, Instant from,
                 Instant to) {
    Scope sc;
    auto r = store.residents().find(rid);
    if (!r) {
        throw NotFound(fmt::format("resident #{} not found", rid.value));
    }
    sc.resident = *r;
    auto w = store.wards().find(r->ward);
    auto s = w ? store.sites().find(w->site) : std::nullopt;
    if (!w || !s) {
        throw NotFound(fmt::format("the ward of resident {} not found", r->code));
    }
    sc.ward = *w;
    sc.zone = find_zone(s->tz);
    sc.world.add(*s);
    sc.world.add(*w);
    sc.world.add(*r);
    for (auto cid : contacts) {
        auto c = store.contacts().find(cid);
        if (!c) {
            throw NotFound(fmt::format("contact #{} not found", cid.value));
        }
        sc.world.add(*c);
    }
    for (const auto& a : store.approvals().for_resident(rid)) {
        sc.world.add(a);
    }
    std::vector<Device> devices;
    if (device) {
        auto d = store.devices().find(*device);
        if (!d) {
            throw NotFound(fmt::format("device #{} not found", device->value));
        }
        devices.push_back(*d);
    } else {
        devices = store.devices_serving(r->ward);
        std::stable_sort(devices.begin(), devices.end(), [&](const Device& a, const Device& b) {
            bool ha = !a.wards.empty() && a.wards.front() == r->ward;
            bool hb = !b.wards.empty() && b.wards.front() == r->ward;
            return ha && !hb;
        });
    }
    for (auto& d : devices) {
        sc.devices.push_back(d.id);
        sc.world.add(std::move(d));
    }
    std::vector<Staff> helpers;
    if (staff) {
        auto st = store.staff().find(*staff);
        if (!st) {
            throw NotFound(fmt::format("staff #{} not found", staff->value));
        }
        helpers.push_back(*st);
    } else if (r->needs_assistance) {
        helpers = store.staff_on(r->ward);
    }
    for (auto& h : helpers) {
        sc.helpers.push_back(h.id);
        sc.world.add(std::move(h));
    }
    BookingQuery q;
    q.from = from - k_margin;
    q.to = to + k_margin;
    q.match_any = true;
    q.devices = sc.devices;
    q.residents = {rid};
    q.contacts = contacts;
    q.staff = sc.helpers;
    q.statuses = {BookingStatus::booked, BookingStatus::completed, BookingStatus::missed};
    std::set<std::int64_t> seen{rid.value};
    for (auto& b : store.bookings().list(q)) {
        if (seen.insert(b.resident.value).second) {
            if (auto other = store.residents().find(b.resident)) {
                sc.world.add(*other);
            }
        }
        sc.world.add(std::move(b));
    }
    return sc;
}

/// The best device and helper for a call at plan.start: the first combination that keeps every
/// rule; else the violations of the combination that breaks the fewest.
struct Pick {
    std::optional<CallPlan> plan;
    std::vector<Violation> violations;
};

Pick pick(const Scope& sc, CallPlan plan, std::optional<StaffId> fixed_staff) {
    Pick best;
    bool needs_helper = sc.resident.needs_assistance && !fixed_staff;
    std::vector<std::optional<StaffId>> helpers;
    if (fixed_staff) {
        helpers.push_back(fixed_staff);
    } else if (needs_helper) {
        helpers.assign(sc.helpers.begin(), sc.helpers.end());
    }
    if (helpers.empty()) {
        helpers.push_back(std::nullopt); // the rules say help.none if help is needed
    }
    auto is_help = [](const Violation& x) { return rule_info(x.rule).party == RuleParty::helper; };
    std::optional<std::size_t> best_count;
    for (auto d : sc.devices) {
        plan.device = d;
        std::vector<Violation> device_best;
        std::vector<std::string> helper_reasons;
        bool only_helpers_missing = false;
        for (const auto& h : helpers) {
            plan.staff = h;
            auto v = check_call(sc.world, plan);
            if (v.empty()) {
                best.plan = plan;
                best.violations.clear();
                return best;
            }
            if (independent_of_device(v.front().rule)) {
                best.violations = v; // no device or helper can change this
                return best;
            }
            for (const auto& x : v) {
                if (is_help(x) && h) {
                    helper_reasons.push_back(x.message);
                }
            }
            only_helpers_missing = only_helpers_missing || std::all_of(v.begin(), v.end(), is_help);
            if (device_best.empty() || v.size() < device_best.size()) {
                device_best = std::move(v);
            }
        }
        if (needs_helper && only_helpers_missing && !helper_reasons.empty()) {
            // The device would do, but nobody can help: say why for each of them.
            std::string why;
            for (const auto& m : helper_reasons) {
                why += (why.empty() ? "" : "; ") + m;
            }
            device_best = {Violation{Rule::help_none,
                                     fmt::format("{} needs a member of staff to help with calls "
                                                 "and none is free on ward {} ({})",
                                                 display_name(sc.resident), display_name(sc.ward),
                                                 why),
                                     std::nullopt}};
        }
        if (!best_count || device_best.size() < *best_count) {
            best_count = device_best.size();
            best.violations = std::move(device_best);
        }
    }
    if (sc.devices.empty()) {
        best.violations = {Violation{Rule::device_none,
                                     fmt::format("no device serves ward {}", display_name(sc.ward)),
                                     std::nullopt}};
    }
    return best;
}

/// Local grid starts (every step minutes of site time) from `from` for `days` days.
std::vector<Instant> grid(const date::time_zone* zone, Instant from, int days, int step) {
    std::vector<Instant> out;
    auto local = to_local(from, zone);
    auto day = date::floor<date::days>(local);
    auto mins = std::chrono::duration_cast<minutes>(local - day).count();
    auto first = (mins + step - 1) / step * step;
    auto end = from + date::days{days};
    for (auto t = day + minutes{first};; t += minutes{step}) {
        auto info = zone->get_info(t);
        if (info.result == date::local_info::nonexistent) {
            continue;
        }
        auto u = Instant{t.time_since_epoch() - info.first.offset};
        if (u >= end) {
            break;
        }
        if (u >= from) {
            out.push_back(u);
        }
        if (info.result == date::local_info::ambiguous) {
            auto second = Instant{t.time_since_epoch() - info.second.offset};
            if (second >= from && second < end) {
                out.push_back(second);
            }
        }
    }
    return out;
}

void refuse_past(Instant start, Instant now, const date::time_zone* zone) {
    if (start + minutes{1} < now) {
        throw BookingConflict({Violation{Rule::time_past,
                                         fmt::format("{} is in the past (now is {})",
                                                     describe_time(start, zone, now),
                                                     describe_time(now, zone)),
                                         std::nullopt}});
    }
}

} // namespace

namespace {

/// A call lasts from one minute to a day (the clash queries rely on the upper bound).
void check_duration(int minutes_long) {
    if (minutes_long <= 0) {
        throw InvalidInput("duration",
                           fmt::format("{} must be a positive number of minutes", minutes_long));
    }
    if (minutes_long > 24 * 60) {
        throw InvalidInput("duration", fmt::format("{} minutes is longer than a day (at most 1440)",
                                                   minutes_long));
    }
}

} // namespace

BookingService::BookingService(Store& store, std::function<Instant()> now)
    : m_store(store), m_now(std::move(now)) {}

namespace {

void check_book_request(const BookRequest& req) {
    check_duration(req.duration_minutes);
    if (req.contacts.empty()) {
        throw InvalidInput("contact", "at least one contact is required");
    }
    if (req.override_availability && req.reason.empty()) {
        throw InvalidInput("reason", "an availability override needs a reason (--reason)");
    }
    if (req.override_hours && req.priority < priority::end_of_life) {
        throw InvalidInput("outside-hours",
                           fmt::format("only an end-of-life call may be booked outside calling "
                                       "hours (--priority end_of_life); this one is {}",
                                       priority_name(req.priority)));
    }
    if (req.override_hours && req.reason.empty()) {
        throw InvalidInput("reason", "a call outside calling hours needs a reason (--reason)");
    }
}

/// The call a request asks for, without its time, device and helper.
CallPlan plan_for(const BookRequest& req) {
    CallPlan plan;
    plan.resident = req.resident;
    plan.contacts = req.contacts;
    plan.priority = req.priority;
    plan.override_availability = req.override_availability;
    plan.override_hours = req.override_hours;
    return plan;
}

/// The booking a request makes with the time, device and helper chosen.
Booking booking_of(const BookRequest& req, const CallPlan& chosen, const std::string& series) {
    Booking b;
    b.resident = req.resident;
    b.contacts = req.contacts;
    b.device = chosen.device;
    b.staff = chosen.staff;
    b.start = chosen.start;
    b.end = chosen.end;
    b.priority = req.priority;
    b.status = BookingStatus::booked;
    b.reason = req.reason;
    b.request = req.request;
    b.availability_overridden = req.override_availability;
    b.hours_overridden = req.override_hours;
    b.series = series;
    return b;
}

/// Whether every violation is a displaceable rule broken by a future, booked routine call.
bool only_displaceable(const Scope& sc, const std::vector<Violation>& violations, Instant now) {
    bool all_displaceable = !violations.empty();
    for (const auto& v : violations) {
        const auto* other = v.other ? sc.world.booking(*v.other) : nullptr;
        all_displaceable = all_displaceable && displaceable_rule(v.rule) &&
                           // domain.md: end-of-life calls displace routine ones
                           other != nullptr && other->priority <= priority::routine &&
                           other->status == BookingStatus::booked && other->start >= now;
    }
    return all_displaceable;
}

/// The call at its exact time. end_of_life calls make room: they leave out lower-priority calls
/// in the way, as long as only they block (the plan's `ignoring` lists them).
CallPlan exact_call(const Scope& sc, CallPlan plan, const BookRequest& req, Instant now) {
    auto dur = minutes{req.duration_minutes};
    refuse_past(*req.at, now, sc.zone);
    plan.start = *req.at;
    plan.end = *req.at + dur;
    auto p = pick(sc, plan, req.staff);
    if (!p.plan && req.priority >= priority::end_of_life) {
        auto trial = plan;
        for (int round = 0; round < 16 && !p.plan; ++round) {
            if (!only_displaceable(sc, p.violations, now)) {
                break;
            }
            for (const auto& v : p.violations) {
                // One call can be in the way twice (device and contact): displace it once.
                if (std::find(trial.ignoring.begin(), trial.ignoring.end(), *v.other) ==
                    trial.ignoring.end()) {
                    trial.ignoring.push_back(*v.other);
                }
            }
            p = pick(sc, trial, req.staff);
        }
    }
    if (!p.plan) {
        throw BookingConflict(p.violations);
    }
    return *p.plan;
}

/// The first feasible start of the 15-minute grid in [from, to), or a conflict naming the
/// window and why its first start was refused.
CallPlan first_free_call(const Scope& sc, CallPlan plan, const BookRequest& req, Instant from,
                         Instant to, Instant now) {
    auto dur = minutes{req.duration_minutes};
    // A search window that began in the past is searched from now on.
    auto starts = grid(sc.zone, std::max(from, now), static_cast<int>((to - from) / date::days{1}) + 1, 15);
    std::vector<Violation> first_reason;
    for (auto s : starts) {
        if (s + dur > to) {
            break;
        }
        plan.start = s;
        plan.end = s + dur;
        auto p = pick(sc, plan, req.staff);
        if (p.plan) {
            return *p.plan;
        }
        if (first_reason.empty()) {
            first_reason = p.violations;
        }
    }
    std::vector<Violation> v{Violation{
        Rule::slot_none,
        fmt::format("no free time for this call between {} and {}",
                    describe_time(from, sc.zone, from), describe_time(to, sc.zone, from)),
        std::nullopt}};
    v.insert(v.end(), first_reason.begin(), first_reason.end());
    throw BookingConflict(v);
}

/// Moves a displaced call to its next feasible slot in 14 days, else puts it on the waiting
/// list; `by` names the call that took its place.
Displacement displace(Store& store, const Booking& other, Instant now, const std::string& by) {
    Displacement d{other, std::nullopt};
    auto osc = load_scope(store, other.resident, other.contacts, std::nullopt, std::nullopt,
                          other.start, other.start + date::days{14});
    CallPlan op;
    op.resident = other.resident;
    op.contacts = other.contacts;
    op.priority = other.priority;
    op.ignoring = {other.id};
    auto len = other.end - other.start;
    for (auto s : grid(osc.zone, std::max(other.start, now), 14, 15)) {
        op.start = s;
        op.end = s + len;
        auto p = pick(osc, op, std::nullopt);
        if (p.plan) {
            Booking moved = other;
            moved.start = p.plan->start;
            moved.end = p.plan->end;
            moved.device = p.plan->device;
            moved.staff = p.plan->staff;
            moved.reason = fmt::format("moved for {}", by);
            store.bookings().update(moved);
            d.after = moved;
            return d;
        }
    }
    Booking waiting = other;
    waiting.status = BookingStatus::waitlisted;
    waiting.reason = fmt::format("displaced by {}", by);
    store.bookings().update(waiting);
    return d;
}

} // namespace

BookResult BookingService::book(const BookRequest& req) {
    check_book_request(req);
    auto now = m_now();
    auto tx = m_store.begin(TxKind::write);
    auto dur = minutes{req.duration_minutes};
    Instant from = req.at ? *req.at : (req.after ? *req.after : now);
    Instant to = req.at ? *req.at + dur : (req.before ? *req.before : from + date::days{14});
    auto sc = load_scope(m_store, req.resident, req.contacts, req.device, req.staff, from, to);
    auto plan = plan_for(req);
    auto chosen = req.at ? exact_call(sc, plan, req, now) : first_free_call(sc, plan, req, from, to, now);

    BookResult result;
    auto b = booking_of(req, chosen, req.series);
    b.id = m_store.bookings().add(b);
    result.booking = *m_store.bookings().find(b.id);

    // Displaced calls: each to its next feasible slot, or the waiting list.
    auto by = fmt::format("{} call {}", priority_name(req.priority), result.booking.code);
    for (auto other_id : chosen.ignoring) {
        auto other = m_store.bookings().find(other_id);
        if (!other || other->status != BookingStatus::booked) {
            continue;
        }
        result.displaced.push_back(displace(m_store, *other, now, by));
    }
    tx->commit();
    return result;
}

WeeklyResult BookingService::book_weekly(const BookRequest& req, Date until) {
    if (!req.at) {
        throw InvalidInput("at", "a weekly call needs a first time (--at)");
    }
    auto now = m_now();
    auto tx = m_store.begin(TxKind::write);
    auto first_scope = load_scope(m_store, req.resident, req.contacts, req.device, req.staff,
                                  *req.at, *req.at + minutes{req.duration_minutes});
    auto zone = first_scope.zone;
    auto local = to_local(*req.at, zone);
    auto day = date::floor<date::days>(local);
    auto time_of_day = local - day;
    if (date::sys_days{until} < date::sys_days{Date{day}}) {
        throw InvalidInput("until", fmt::format("{} is before the first call on {}",
                                                format_date(until), format_date(Date{day})));
    }
    WeeklyResult out;
    // One resident cannot have two calls at one time, so this names the series uniquely.
    out.series = fmt::format("S-{}-{}", first_scope.resident.code,
                             format_local_datetime(local).substr(0, 16));
    std::vector<std::pair<Date, Instant>> when;
    for (auto d = day; d <= date::local_days{until}; d += date::days{7}) {
        Occurrence occ;
        occ.date = Date{d};
        auto info = zone->get_info(d + time_of_day);
        if (info.result == date::local_info::nonexistent) {
            occ.violations = {Violation{Rule::time_gap,
                                        fmt::format("{} {} does not exist in {}: the clocks go "
                                                    "forward then",
                                                    format_date(Date{d}),
                                                    format_local_datetime(d + time_of_day).substr(11),
                                                    zone->name()),
                                        std::nullopt}};
            out.occurrences.push_back(std::move(occ));
            continue;
        }
        // An ambiguous time keeps the first series' offset choice: the earlier reading.
        auto start = Instant{(d + time_of_day).time_since_epoch() - info.first.offset};
        auto sc = load_scope(m_store, req.resident, req.contacts, req.device, req.staff, start,
                             start + minutes{req.duration_minutes});
        auto plan = plan_for(req);
        plan.start = start;
        plan.end = start + minutes{req.duration_minutes};
        if (start + minutes{1} < now) {
            occ.violations = {Violation{Rule::time_past,
                                        fmt::format("{} is in the past", describe_time(start, zone)),
                                        std::nullopt}};
            out.occurrences.push_back(std::move(occ));
            continue;
        }
        auto p = pick(sc, plan, req.staff);
        if (!p.plan) {
            occ.violations = p.violations;
            out.occurrences.push_back(std::move(occ));
            continue;
        }
        auto b = booking_of(req, *p.plan, out.series);
        b.id = m_store.bookings().add(b);
        occ.booking = *m_store.bookings().find(b.id);
        out.occurrences.push_back(std::move(occ));
    }
    tx->commit();
    return out;
}

Booking BookingService::move(const MoveRequest& req) {
    auto now = m_now();
    auto tx = m_store.begin(TxKind::write);
    auto b = m_store.bookings().find(req.booking);
    if (!b) {
        throw NotFound(fmt::format("booking #{} not found", req.booking.value));
    }
    if (b->status != BookingStatus::booked && b->status != BookingStatus::waitlisted) {
        throw Conflict(fmt::format("booking {} is {}: only a booked or waiting call can be moved",
                                   b->code, to_string(b->status)),
                       rule_name(Rule::booking_state));
    }
    if (req.override_availability && req.reason.empty()) {
        throw InvalidInput("reason", "an availability override needs a reason (--reason)");
    }
    auto start = req.start;
    auto len = b->end - b->start;
    auto sc = load_scope(m_store, b->resident, b->contacts, req.device, req.staff, start,
                         start + len);
    refuse_past(start, now, sc.zone);
    CallPlan plan;
    plan.resident = b->resident;
    plan.contacts = b->contacts;
    plan.priority = b->priority;
    // An override was agreed for the booked time only: a new time needs its own.
    plan.override_availability =
        req.override_availability || (b->availability_overridden && start == b->start);
    // Hours give way for the dying person, not for one agreed time: kept at any new time.
    plan.override_hours = b->hours_overridden;
    plan.start = start;
    plan.end = start + len;
    plan.ignoring = {b->id};
    auto p = pick(sc, plan, req.staff);
    if (!p.plan) {
        throw BookingConflict(p.violations);
    }
    Booking moved = *b;
    moved.start = p.plan->start;
    moved.end = p.plan->end;
    moved.device = p.plan->device;
    moved.staff = p.plan->staff;
    moved.status = BookingStatus::booked;
    moved.availability_overridden = plan.override_availability;
    if (!req.reason.empty()) {
        moved.reason = req.reason;
    }
    m_store.bookings().update(moved);
    tx->commit();
    return moved;
}

namespace {

/// The zone of a booking's site, for messages.
const date::time_zone* site_zone(Store& store, const Booking& b) {
    auto r = store.residents().find(b.resident);
    auto w = r ? store.wards().find(r->ward) : std::nullopt;
    auto s = w ? store.sites().find(w->site) : std::nullopt;
    return find_zone(s ? s->tz : std::string("UTC"));
}

/// An outcome says how a call went: refused before the call has started.
void refuse_not_started(Store& store, const Booking& b, Instant now) {
    if (now >= b.start) {
        return;
    }
    const auto* zone = site_zone(store, b);
    bool today = date::floor<date::days>(to_local(b.start, zone)) ==
                 date::floor<date::days>(to_local(now, zone));
    throw BookingConflict({Violation{Rule::time_not_started,
                                     fmt::format("booking {} starts {}{}: an outcome can be "
                                                 "recorded from then on",
                                                 b.code, today ? "today at " : "",
                                                 describe_time(b.start, zone, now)),
                                     std::nullopt}});
}

/// Whether a booking may go from `from` to `to`; the refusal (rule booking.state) otherwise.
void refuse_state(const Booking& b, BookingStatus to) {
    auto from = b.status;
    if (to == BookingStatus::booked) { // reopen
        if (from != BookingStatus::completed && from != BookingStatus::missed) {
            throw Conflict(fmt::format("booking {} is {}: only a completed or missed call can be "
                                       "reopened",
                                       b.code, to_string(from)),
                           rule_name(Rule::booking_state));
        }
        return;
    }
    bool allowed = from == BookingStatus::booked ||
                   (to == BookingStatus::cancelled && from == BookingStatus::waitlisted);
    if (!allowed) {
        throw Conflict(fmt::format("booking {} is already {}", b.code, to_string(from)),
                       rule_name(Rule::booking_state));
    }
}

/// One conditional state change in one write transaction, audited by the store.
Booking transition(Store& store, BookingId id, BookingStatus to, const std::string& outcome,
                   const std::string& reason, Instant now) {
    auto tx = store.begin(TxKind::write);
    auto b = store.bookings().find(id);
    if (!b) {
        throw NotFound(fmt::format("booking #{} not found", id.value));
    }
    auto from = b->status;
    refuse_state(*b, to);
    if (to == BookingStatus::completed || to == BookingStatus::missed) {
        refuse_not_started(store, *b, now);
    }
    Booking next = *b;
    next.status = to;
    next.outcome = outcome;
    if (!reason.empty()) {
        next.reason = reason;
    }
    if (!store.bookings().transition(next, from)) {
        throw Conflict(fmt::format("booking {} was changed by someone else: look again", b->code),
                       rule_name(Rule::booking_state));
    }
    tx->commit();
    return next;
}

} // namespace

Booking BookingService::cancel(BookingId id, const std::string& reason) {
    if (reason.empty()) {
        throw InvalidInput("reason", "say why the call is cancelled (--reason)");
    }
    return transition(m_store, id, BookingStatus::cancelled, "", reason, m_now());
}

Booking BookingService::complete(BookingId id, const std::string& note) {
    return transition(m_store, id, BookingStatus::completed, "completed", note, m_now());
}

Booking BookingService::missed(BookingId id, const std::string& outcome, const std::string& reason) {
    bool known = false;
    for (const char* o : k_outcomes) {
        known = known || outcome == o;
    }
    if (!known) {
        throw InvalidInput("outcome", fmt::format("'{}' is not an outcome (expected no_answer, "
                                                  "declined, unwell or technical)",
                                                  outcome));
    }
    return transition(m_store, id, BookingStatus::missed, outcome, reason, m_now());
}

Booking BookingService::reopen(BookingId id, const std::string& reason) {
    if (reason.empty()) {
        throw InvalidInput("reason", "say why the call is reopened (--reason)");
    }
    // No rule of the call is checked again. It keeps its time, device, helper and contacts, and a
    // completed or missed call never left its slot: it blocks its device, resident, contacts and
    // helper in every check like a booked one (only cancelled and waiting calls are left out),
    // so no call booked since can clash with it. Its records (consent, admission) are not
    // re-checked either: the call has started, as outcomes are recorded from the start on;
    // moving it later re-checks every rule.
    return transition(m_store, id, BookingStatus::booked, "", reason, m_now());
}

std::vector<Slot> BookingService::slots(const SlotQuery& q, std::vector<SlotReason>* why) {
    if (q.days < 1 || q.days > 60) {
        throw InvalidInput("days", fmt::format("{} must be from 1 to 60", q.days));
    }
    check_duration(q.duration_minutes);
    // Only starts that book() would take: none in the past.
    auto from = std::max(q.from, m_now());
    auto tx = m_store.begin(TxKind::read);
    auto to = from + date::days{q.days};
    auto sc = load_scope(m_store, q.resident, q.contacts, q.device, q.staff, from, to);
    std::vector<Slot> out;
    CallPlan plan;
    plan.resident = q.resident;
    plan.contacts = q.contacts;
    auto dur = minutes{q.duration_minutes};
    for (auto s : grid(sc.zone, from, q.days, q.step_minutes)) {
        plan.start = s;
        plan.end = s + dur;
        auto p = pick(sc, plan, q.staff);
        if (p.plan) {
            out.push_back(Slot{p.plan->start, p.plan->end, p.plan->device, p.plan->staff});
            if (static_cast<int>(out.size()) >= q.limit) {
                break;
            }
        } else if (why != nullptr && !p.violations.empty()) {
            const auto& v = p.violations.front();
            auto it = std::find_if(why->begin(), why->end(),
                                   [&](const SlotReason& r) { return r.rule == v.rule; });
            if (it == why->end()) {
                why->push_back(SlotReason{v.rule, v.message, 1});
            } else {
                ++it->starts;
            }
        }
    }
    if (why != nullptr) {
        std::stable_sort(why->begin(), why->end(), [](const SlotReason& a, const SlotReason& b) {
            return a.starts > b.starts;
        });
    }
    return out;
}

std::vector<Booking> BookingService::agenda(const BookingFilter& f) {
    BookingQuery q;
    q.from = f.from;
    q.to = f.to;
    q.wards = f.wards;
    q.residents = f.residents;
    q.contacts = f.contacts;
    q.devices = f.devices;
    q.staff = f.staff;
    q.statuses = f.statuses;
    if (q.statuses.empty()) {
        q.statuses = {BookingStatus::booked, BookingStatus::completed, BookingStatus::missed,
                      BookingStatus::waitlisted};
    }
    auto tx = m_store.begin(TxKind::read);
    return m_store.bookings().list(q);
}

std::vector<Booking> BookingService::waitlist() {
    BookingQuery q;
    q.statuses = {BookingStatus::waitlisted};
    auto tx = m_store.begin(TxKind::read);
    return m_store.bookings().list(q);
}

} // namespace carecall
