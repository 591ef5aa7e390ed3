// Booking calls. Every write: BEGIN IMMEDIATE, load what the rules need, check, write, audit,
// commit. The free-slot finder runs the very same check.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "booking/scope.hpp"
#include "carecall/booking.hpp"
#include "carecall/store.hpp"

namespace carecall {

using namespace booking_detail;
using std::chrono::minutes;

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

/// Codes of the contacts, for messages.
std::string contact_codes(Store& store, const std::vector<ContactId>& ids) {
    std::string out;
    for (auto id : ids) {
        auto c = store.contacts().find(id);
        out += (out.empty() ? "" : ", ") + (c ? c->code : fmt::format("#{}", id.value));
    }
    return out;
}

bool same_people(const CallRequest& q, ResidentId resident,
                 const std::vector<ContactId>& contacts) {
    std::set<ContactId> a(q.contacts.begin(), q.contacts.end());
    std::set<ContactId> b(contacts.begin(), contacts.end());
    return q.resident == resident && a == b;
}

/// The standing request a call booked by hand serves, read inside the booking's transaction:
/// the one given (which must name the call's resident and exactly its contacts), else the one
/// active request for that resident and those contacts; none when no request or several match.
std::optional<RequestId> served_request(Store& store, const BookRequest& req) {
    if (req.request) {
        auto q = store.requests().find(*req.request);
        if (!q) {
            throw NotFound(fmt::format("request #{} not found", req.request->value));
        }
        if (!same_people(*q, req.resident, req.contacts)) {
            auto r = store.residents().find(q->resident);
            auto mine = store.residents().find(req.resident);
            throw InvalidInput("request",
                               fmt::format("{} is for {} with {}, not for {} with {}", q->code,
                                           r ? r->code : "?", contact_codes(store, q->contacts),
                                           mine ? mine->code : "?",
                                           contact_codes(store, req.contacts)));
        }
        return q->id;
    }
    std::optional<RequestId> found;
    for (const auto& q : store.requests().list()) {
        if (q.active && same_people(q, req.resident, req.contacts)) {
            if (found) {
                return std::nullopt; // several: --request chooses
            }
            found = q.id;
        }
    }
    return found;
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
    b.source = BookingSource::manual;
    b.request = req.request;
    b.availability_overridden = req.override_availability;
    b.hours_overridden = req.override_hours;
    b.series = series;
    return b;
}

/// The call a request asks for, without its time, device and helper.
CallPlan plan_for(const BookRequest& req) {
    return plan_of(booking_of(req, CallPlan{}, ""));
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
    auto starts =
        grid(sc.zone, std::max(from, now), static_cast<int>((to - from) / date::days{1}) + 1, 15);
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
    std::vector<Violation> v{
        Violation{Rule::slot_none,
                  fmt::format("no free time for this call between {} and {}",
                              describe_time(from, sc.zone, from), describe_time(to, sc.zone, from)),
                  std::nullopt}};
    v.insert(v.end(), first_reason.begin(), first_reason.end());
    throw BookingConflict(v);
}

/// Moves a displaced call to its next feasible slot in 14 days on its own date or a date whose
/// weekly count has room (request.per_week), else puts it on the waiting list; `by` names the
/// call that took its place.
Displacement displace(Store& store, const Booking& other, Instant now, const std::string& by) {
    Displacement d{other, std::nullopt};
    auto osc = load_scope(store, other.resident, other.contacts, std::nullopt, std::nullopt,
                          other.start, other.start + date::days{14});
    auto own_day = local_day(other.start, osc.zone);
    auto room = weekly_room(store, other, osc.zone, 14);
    CallPlan op;
    op.resident = other.resident;
    op.contacts = other.contacts;
    op.priority = other.priority;
    op.ignoring = {other.id};
    auto len = other.end - other.start;
    for (auto s : grid(osc.zone, std::max(other.start, now), 14, 15)) {
        if (auto day = local_day(s, osc.zone); day != own_day && !room(day)) {
            continue;
        }
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
    auto chosen =
        req.at ? exact_call(sc, plan, req, now) : first_free_call(sc, plan, req, from, to, now);

    BookResult result;
    auto b = booking_of(req, chosen, req.series);
    b.request = served_request(m_store, req);
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

WeeklyResult BookingService::book_weekly(const BookRequest& req, Date until, Ambiguity ambiguity) {
    if (!req.at) {
        throw InvalidInput("at", "a weekly call needs a first time (--at)");
    }
    auto now = m_now();
    auto tx = m_store.begin(TxKind::write);
    auto served = served_request(m_store, req);
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
    // A time that happens twice is chosen for the whole series, as for one call: before anything
    // is written, the first such occurrence is refused when nothing chooses. (The first call is
    // request.at, an instant: its reading is chosen already.)
    for (auto d = day + date::days{7};
         d <= date::local_days{until} && ambiguity == Ambiguity::refuse; d += date::days{7}) {
        auto info = zone->get_info(d + time_of_day);
        if (info.result == date::local_info::ambiguous) {
            auto local_time = (d + time_of_day).time_since_epoch();
            throw InvalidInput(
                "at",
                fmt::format("the weekly call on {} at {} happens twice in {} (the clocks go "
                            "back): choose --earliest ({}) or --latest ({}) for the series",
                            format_date(Date{d}), format_local_datetime(d + time_of_day).substr(11),
                            zone->name(),
                            format_iso_offset(Instant{local_time - info.first.offset}, zone),
                            format_iso_offset(Instant{local_time - info.second.offset}, zone)));
        }
    }
    for (auto d = day; d <= date::local_days{until}; d += date::days{7}) {
        Occurrence occ;
        occ.date = Date{d};
        auto info = zone->get_info(d + time_of_day);
        if (info.result == date::local_info::nonexistent) {
            occ.violations = {Violation{
                Rule::time_gap,
                fmt::format("{} {} does not exist in {}: the clocks go "
                            "forward then",
                            format_date(Date{d}), format_local_datetime(d + time_of_day).substr(11),
                            zone->name()),
                std::nullopt}};
            out.occurrences.push_back(std::move(occ));
            continue;
        }
        // A time that happens twice: the reading chosen (refused above when none is).
        auto offset = info.result == date::local_info::ambiguous && ambiguity == Ambiguity::latest
                          ? info.second.offset
                          : info.first.offset;
        auto start = d == day ? *req.at : Instant{(d + time_of_day).time_since_epoch() - offset};
        auto sc = load_scope(m_store, req.resident, req.contacts, req.device, req.staff, start,
                             start + minutes{req.duration_minutes});
        auto plan = plan_for(req);
        plan.start = start;
        plan.end = start + minutes{req.duration_minutes};
        if (start + minutes{1} < now) {
            occ.violations = {Violation{
                Rule::time_past, fmt::format("{} is in the past", describe_time(start, zone)),
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
        b.request = served;
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
    auto sc =
        load_scope(m_store, b->resident, b->contacts, req.device, req.staff, start, start + len);
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
    if (moved != *b) { // a move to the time, device and helper it has changes nothing
        m_store.bookings().update(moved);
    }
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
    throw BookingConflict(
        {Violation{Rule::time_not_started,
                   fmt::format("booking {} starts {}{}: an outcome can be "
                               "recorded from then on",
                               b.code, today ? "today at " : "", describe_time(b.start, zone, now)),
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
Booking transition(Store& store, BookingId id, BookingStatus to, CallOutcome outcome,
                   const std::string& reason, Instant now) {
    // Only the new text is checked: a call stored before the text rules keeps its old reason.
    validate_text(reason, "reason", TextLines::many);
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
    return transition(m_store, id, BookingStatus::cancelled, CallOutcome::none, reason, m_now());
}

Booking BookingService::complete(BookingId id, const std::string& note) {
    return transition(m_store, id, BookingStatus::completed, CallOutcome::completed, note, m_now());
}

Booking BookingService::missed(BookingId id, const std::string& outcome,
                               const std::string& reason) {
    return transition(m_store, id, BookingStatus::missed, parse_missed_outcome(outcome), reason,
                      m_now());
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
    return transition(m_store, id, BookingStatus::booked, CallOutcome::none, reason, m_now());
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
