// The living plan: which booked calls the records as they are now no longer allow, and their
// repair. Both run check_call, the one definition of a feasible call, against the store.
#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "booking/scope.hpp"
#include "carecall/booking.hpp"

namespace carecall {

using namespace booking_detail;

namespace {

/// The reason recorded with a repair when the caller gives none.
constexpr const char* k_default_reason = "repair";
/// Starts are tried on this grid of the site's local time (the grid of slots and booking).
constexpr int k_step_minutes = 15;

/// Every record, and the bookings that can clash with calls in [from, to).
World world_of(Store& store, Instant from, Instant to) {
    World w;
    w.add_records(store);
    for (auto& b : store.bookings().list(BookingQuery::holding(from - k_margin, to + k_margin))) {
        w.add(std::move(b));
    }
    return w;
}

/// No other time can work: the approval or the consent is gone, or the resident has left.
bool lasting(const World& world, const Booking& b, const std::vector<Violation>& violations) {
    for (const auto& v : violations) {
        if (v.rule == Rule::resident_consent || v.rule == Rule::contact_approval) {
            return true;
        }
        if (v.rule == Rule::resident_not_admitted) {
            const auto* r = world.resident(b.resident);
            if (r != nullptr && r->discharged) {
                const auto* zone = world.ward_zone(r->ward);
                auto day = date::floor<date::days>(to_local(b.start, zone));
                if (date::sys_days{day.time_since_epoch()} > date::sys_days{*r->discharged}) {
                    return true;
                }
            }
        }
    }
    return false;
}

/// The booked calls of the query that start at or after `from`.
std::vector<Booking> booked_calls(Store& store, const BrokenQuery& q, Instant from) {
    BookingQuery bq;
    bq.from = from;
    bq.to = q.to;
    bq.wards = q.wards;
    bq.statuses = {BookingStatus::booked};
    auto calls = store.bookings().list(bq);
    calls.erase(std::remove_if(calls.begin(), calls.end(),
                               [&](const Booking& b) { return b.start < from; }),
                calls.end());
    std::stable_sort(calls.begin(), calls.end(),
                     [](const Booking& a, const Booking& b) { return a.start < b.start; });
    return calls;
}

std::vector<BrokenCall> find_broken(Store& store, const BrokenQuery& q, Instant now) {
    auto from = q.from.value_or(now);
    auto calls = booked_calls(store, q, from);
    std::vector<BrokenCall> out;
    if (calls.empty()) {
        return out;
    }
    Instant last = from;
    for (const auto& b : calls) {
        last = std::max(last, b.end);
    }
    auto world = world_of(store, from, last);
    for (const auto& b : calls) {
        auto plan = plan_of(b);
        plan.ignoring = {b.id};
        auto v = check_call(world, plan);
        if (!v.empty()) {
            bool gone = lasting(world, b, v);
            out.push_back(BrokenCall{b, std::move(v), gone});
        }
    }
    return out;
}

/// The nearest start that keeps every rule: the call's own device and day first, then another
/// device that day, then the other days within `days` whose weekly count has room, nearest
/// first; never before now.
std::optional<CallPlan> nearest_time(Scope& sc, const Booking& b, int days, Instant now,
                                     const std::function<bool(date::local_days)>& room) {
    auto len = b.end - b.start;
    auto own_day = local_day(b.start, sc.zone);
    // Whole local days: the call's own day and `days` days either side of it (with days = 0,
    // the earlier hours of its own day too), never before now.
    auto first_midnight =
        sc.zone->to_sys(date::local_seconds{own_day - date::days{days}}, date::choose::earliest);
    auto last_midnight = sc.zone->to_sys(date::local_seconds{own_day + date::days{days + 1}},
                                         date::choose::earliest);
    auto from = std::max(now, Instant{first_midnight});
    auto starts = grid(sc.zone, from, 2 * days + 2, k_step_minutes);
    starts.erase(std::remove_if(starts.begin(), starts.end(),
                                [&](Instant t) { return t >= Instant{last_midnight}; }),
                 starts.end());
    auto distance = [&](Instant t) { return t > b.start ? t - b.start : b.start - t; };
    std::stable_sort(starts.begin(), starts.end(), [&](Instant x, Instant y) {
        bool xo = local_day(x, sc.zone) == own_day;
        bool yo = local_day(y, sc.zone) == own_day;
        return xo != yo ? xo : distance(x) < distance(y);
    });
    CallPlan plan = plan_of(b);
    plan.ignoring = {b.id};
    const auto all_devices = sc.devices;
    std::vector<DeviceId> own;
    if (std::find(all_devices.begin(), all_devices.end(), b.device) != all_devices.end()) {
        own = {b.device};
    }
    for (bool same_day : {true, false}) {
        for (const std::vector<DeviceId>* devices : {&std::as_const(own), &all_devices}) {
            if (devices->empty()) {
                continue;
            }
            sc.devices = *devices;
            for (auto s : starts) {
                if ((local_day(s, sc.zone) == own_day) != same_day ||
                    (!same_day && !room(local_day(s, sc.zone)))) {
                    continue;
                }
                plan.start = s;
                plan.end = s + len;
                auto p = pick(sc, plan, std::nullopt);
                if (p.plan) {
                    sc.devices = all_devices;
                    return p.plan;
                }
            }
        }
    }
    sc.devices = all_devices;
    return std::nullopt;
}

/// Repairs one call inside the caller's write transaction.
RepairStep repair_one(Store& store, const BrokenCall& broken, const RepairRequest& req,
                      Instant now) {
    const auto& b = broken.booking;
    RepairStep step{b, b, RepairAction::kept, broken.violations};
    auto sc = load_scope(store, b.resident, b.contacts, std::nullopt, std::nullopt,
                         b.start - date::days{req.search_days + 1},
                         b.end + date::days{req.search_days + 1});
    auto reason = req.reason.empty() ? std::string(k_default_reason) : req.reason;
    // Calls repaired before this one may have made room: check it as the store is now.
    auto plan = plan_of(b);
    plan.ignoring = {b.id};
    auto now_broken = check_call(sc.world, plan);
    if (now_broken.empty() && sc.world.device(b.device) != nullptr) {
        return step;
    }
    const auto& first = broken.violations.front();
    if (broken.lasting) {
        step.after.status = BookingStatus::cancelled;
        step.after.reason = fmt::format("{}: {}", reason, first.message);
        if (!store.bookings().transition(step.after, BookingStatus::booked)) {
            throw Conflict(
                fmt::format("booking {} was changed by someone else: look again", b.code),
                rule_name(Rule::booking_state));
        }
        step.action = RepairAction::cancelled;
        return step;
    }
    if (auto moved = nearest_time(sc, b, req.search_days, now,
                                  weekly_room(store, b, sc.zone, req.search_days))) {
        step.after.start = moved->start;
        step.after.end = moved->end;
        step.after.device = moved->device;
        step.after.staff = moved->staff;
        step.after.source = BookingSource::repaired; // placed at this time by the repair
        step.after.reason = fmt::format("{}: {}", reason, first.message);
        store.bookings().update(step.after);
        step.action = RepairAction::moved;
        return step;
    }
    step.after.status = BookingStatus::waitlisted;
    step.after.reason = fmt::format("{}: no time found: {}", reason, first.message);
    store.bookings().update(step.after);
    step.action = RepairAction::waitlisted;
    return step;
}

/// Inside the caller's write transaction: cancels the booked and waiting calls of the query
/// from `now` on, each audited with the reason.
std::vector<Booking> cancel_from(Store& store, BookingQuery q, Instant now,
                                 const std::string& reason) {
    q.from = now;
    q.statuses = {BookingStatus::booked, BookingStatus::waitlisted};
    std::vector<Booking> out;
    for (auto b : store.bookings().list(q)) {
        if (b.start < now) {
            continue; // in progress: the staff with the resident decide
        }
        auto from = b.status;
        b.status = BookingStatus::cancelled;
        b.reason = reason;
        if (!store.bookings().transition(b, from)) {
            throw Conflict(
                fmt::format("booking {} was changed by someone else: look again", b.code),
                rule_name(Rule::booking_state));
        }
        out.push_back(std::move(b));
    }
    return out;
}

/// Inside the caller's write transaction: repairs the broken calls of the request's scope.
RepairResult repair_in(Store& store, const RepairRequest& request, Instant now) {
    if (request.search_days < 0 || request.search_days > 60) {
        throw InvalidInput("search_days",
                           fmt::format("{} is not between 0 and 60", request.search_days));
    }
    RepairResult result;
    for (const auto& broken : find_broken(store, request.scope, now)) {
        result.steps.push_back(repair_one(store, broken, request, now));
    }
    return result;
}

/// The scope a repair of these calls needs: their one ward, else their one site's wards, else
/// every ward (empty).
std::vector<WardId> repair_wards(Store& store, const std::vector<BrokenCall>& calls) {
    std::vector<WardId> wards;
    for (const auto& c : calls) {
        auto r = store.residents().find(c.booking.resident);
        if (r && std::find(wards.begin(), wards.end(), r->ward) == wards.end()) {
            wards.push_back(r->ward);
        }
    }
    if (wards.size() <= 1) {
        return wards;
    }
    std::optional<SiteId> site;
    for (auto id : wards) {
        auto w = store.wards().find(id);
        if (!w || (site && *site != w->site)) {
            return {};
        }
        site = w->site;
    }
    std::vector<WardId> out;
    for (const auto& w : store.wards().list()) {
        if (w.site == *site) {
            out.push_back(w.id);
        }
    }
    return out;
}

/// Revokes inside the caller's write transaction; returns the calls it cancelled.
std::vector<Booking> revoke_in(Store& store, ResidentId resident, ContactId contact, Instant now) {
    auto r = store.residents().find(resident);
    auto c = store.contacts().find(contact);
    if (!r || !c) {
        throw NotFound(!r ? fmt::format("resident #{} not found", resident.value)
                          : fmt::format("contact #{} not found", contact.value));
    }
    store.approvals().revoke(resident, contact);
    BookingQuery q;
    q.residents = {resident};
    q.contacts = {contact};
    return cancel_from(store, q, now,
                       fmt::format("approval revoked: {} may no longer call {}", c->code, r->code));
}

/// Records consent inside the caller's write transaction; returns the calls it cancelled.
std::vector<Booking> consent_in(Store& store, ResidentId resident, const Consent& consent,
                                Instant now) {
    auto r = store.residents().find(resident);
    if (!r) {
        throw NotFound(fmt::format("resident #{} not found", resident.value));
    }
    r->consent = consent;
    store.residents().update(*r);
    if (rule_facts::consents(*r)) {
        return {};
    }
    BookingQuery q;
    q.residents = {resident};
    return cancel_from(
        store, q, now,
        fmt::format("consent to video calls {}",
                    consent.status == ConsentStatus::refused ? "refused" : "no longer recorded"));
}

} // namespace

ChangeResult
BookingService::change_records(const std::function<std::vector<Booking>(Store&)>& write,
                               const ChangeOptions& options) {
    auto now = m_now();
    auto tx = m_store.begin(TxKind::write);
    auto before = find_broken(m_store, BrokenQuery{}, now);
    ChangeResult result;
    result.cancelled = write(m_store);
    for (auto& after : find_broken(m_store, BrokenQuery{}, now)) {
        bool was = std::any_of(before.begin(), before.end(), [&](const BrokenCall& b) {
            return b.booking.id == after.booking.id;
        });
        (was ? result.already : result.broke).push_back(std::move(after));
    }
    if (!result.broke.empty()) {
        result.scope.wards = repair_wards(m_store, result.broke);
        if (options.repair) {
            RepairRequest req;
            req.scope = result.scope;
            req.search_days = options.search_days;
            req.reason = options.reason;
            result.repair = repair_in(m_store, req, now);
        }
    }
    tx->commit();
    return result;
}

ChangeResult BookingService::revoke_approval(ResidentId resident, ContactId contact,
                                             const ChangeOptions& options) {
    auto now = m_now();
    return change_records([&](Store& store) { return revoke_in(store, resident, contact, now); },
                          options);
}

ChangeResult BookingService::record_consent(ResidentId resident, const Consent& consent,
                                            const ChangeOptions& options) {
    auto now = m_now();
    return change_records([&](Store& store) { return consent_in(store, resident, consent, now); },
                          options);
}

std::vector<Booking> BookingService::revoke_approval(ResidentId resident, ContactId contact) {
    auto tx = m_store.begin(TxKind::write);
    auto cancelled = revoke_in(m_store, resident, contact, m_now());
    tx->commit();
    return cancelled;
}

std::vector<Booking> BookingService::record_consent(ResidentId resident, const Consent& consent) {
    auto tx = m_store.begin(TxKind::write);
    auto cancelled = consent_in(m_store, resident, consent, m_now());
    tx->commit();
    return cancelled;
}

std::string to_string(RepairAction a) {
    static constexpr std::array<const char*, 4> k_names{"kept", "moved", "waitlisted", "cancelled"};
    return k_names.at(static_cast<std::size_t>(a));
}

std::vector<BrokenCall> BookingService::broken(const BrokenQuery& query) {
    auto tx = m_store.begin(TxKind::read);
    auto out = find_broken(m_store, query, m_now());
    tx->commit();
    return out;
}

RepairResult BookingService::repair(const RepairRequest& request) {
    auto now = m_now();
    auto tx = m_store.begin(TxKind::write);
    auto result = repair_in(m_store, request, now);
    if (!request.dry_run) {
        tx->commit();
    }
    return result;
}

} // namespace carecall
