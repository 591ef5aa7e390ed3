// Planning from the store: a snapshot in, the pure scheduler, the new calls saved in one write
// transaction that checks each of them again against the store as it is then.
#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "carecall/exchange.hpp"
#include "carecall/planning.hpp"
#include "carecall/rules.hpp"
#include "carecall/store.hpp"

namespace carecall {
namespace {

constexpr auto k_margin = date::days{1};         // bookings this far around a call can affect it
constexpr auto k_week = date::days{7};           // the span of a request's weekly count
constexpr const char* k_scheduled = "scheduled"; // the reason on the calls the scheduler books

/// Local midnight of a date in a zone, as an instant (the earlier reading if it occurs twice, the
/// change itself if midnight does not exist there that day).
Instant midnight(Date d, const date::time_zone* zone) {
    auto local = date::local_days{d};
    auto info = zone->get_info(local);
    if (info.result == date::local_info::nonexistent) {
        return info.first.end;
    }
    return Instant{local.time_since_epoch() - info.first.offset};
}

/// Store ids in the order load_scenario numbers records (each repository's list() order), checked
/// against the scenario's codes so a change of that order cannot go unnoticed.
template <class T, class IdT>
std::vector<std::int64_t> ids_in_scenario_order(Repository<T, IdT>& repo,
                                                const std::vector<T>& in_scenario) {
    auto list = repo.list();
    if (list.size() != in_scenario.size()) {
        throw std::logic_error("planning: the store changed between two reads of one transaction");
    }
    std::vector<std::int64_t> ids;
    ids.reserve(list.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (list[i].code != in_scenario[i].code) {
            throw std::logic_error("planning: load_scenario's order is not the repository's");
        }
        ids.push_back(list[i].id.value);
    }
    return ids;
}

std::unordered_map<std::int64_t, std::int64_t> inverse(const std::vector<std::int64_t>& ids) {
    std::unordered_map<std::int64_t, std::int64_t> m;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        m.emplace(ids[i], static_cast<std::int64_t>(i) + 1);
    }
    return m;
}

/// Scenario position <-> store id for every kind of record.
struct IdMap {
    std::vector<std::int64_t> wards, residents, contacts, devices, staff, requests;
    std::unordered_map<std::int64_t, std::int64_t> ward_pos, resident_pos, contact_pos, device_pos,
        staff_pos, request_pos;

    template <class Id>
    static Id to_store(const std::vector<std::int64_t>& ids, Id pos) {
        return Id(ids.at(static_cast<std::size_t>(pos.value - 1)));
    }
    template <class Id>
    static std::optional<Id> to_pos(const std::unordered_map<std::int64_t, std::int64_t>& m,
                                    Id id) {
        auto it = m.find(id.value);
        if (it == m.end()) {
            return std::nullopt;
        }
        return Id(it->second);
    }
};

IdMap id_map(Store& store, const Scenario& s) {
    IdMap m;
    m.wards = ids_in_scenario_order(store.wards(), s.wards);
    m.residents = ids_in_scenario_order(store.residents(), s.residents);
    m.contacts = ids_in_scenario_order(store.contacts(), s.contacts);
    m.devices = ids_in_scenario_order(store.devices(), s.devices);
    m.staff = ids_in_scenario_order(store.staff(), s.staff);
    m.requests = ids_in_scenario_order(store.requests(), s.requests);
    m.ward_pos = inverse(m.wards);
    m.resident_pos = inverse(m.residents);
    m.contact_pos = inverse(m.contacts);
    m.device_pos = inverse(m.devices);
    m.staff_pos = inverse(m.staff);
    m.request_pos = inverse(m.requests);
    return m;
}

/// A booking of the store in the scenario's numbering; nullopt if a party is unknown to it.
std::optional<Booking> to_scenario(const IdMap& m, Booking b) {
    auto r = IdMap::to_pos(m.resident_pos, b.resident);
    auto d = IdMap::to_pos(m.device_pos, b.device);
    if (!r || !d) {
        return std::nullopt;
    }
    b.resident = *r;
    b.device = *d;
    for (auto& c : b.contacts) {
        auto p = IdMap::to_pos(m.contact_pos, c);
        if (!p) {
            return std::nullopt;
        }
        c = *p;
    }
    if (b.staff) {
        b.staff = IdMap::to_pos(m.staff_pos, *b.staff);
    }
    if (b.request) {
        b.request = IdMap::to_pos(m.request_pos, *b.request);
    }
    return b;
}

/// Whether score a beats score b in the objective's order: classes from the highest (residents
/// served, then calls), then calls in preferred windows.
bool better(const ScheduleScore& a, const ScheduleScore& b) {
    std::map<int, std::pair<const ClassScore*, const ClassScore*>, std::greater<>> classes;
    for (const auto& c : a.classes) {
        classes[c.priority].first = &c;
    }
    for (const auto& c : b.classes) {
        classes[c.priority].second = &c;
    }
    for (const auto& [priority, pair] : classes) {
        auto key = [](const ClassScore* c) {
            return c == nullptr ? std::pair<int, int>{0, 0}
                                : std::pair<int, int>{c->residents_served, c->calls};
        };
        if (key(pair.first) != key(pair.second)) {
            return key(pair.first) > key(pair.second);
        }
    }
    return a.preferred_calls > b.preferred_calls;
}

/// A request of the scenario with the store's ids.
CallRequest request_in_store(const IdMap& m, CallRequest q) {
    q.id = IdMap::to_store(m.requests, q.id);
    q.resident = IdMap::to_store(m.residents, q.resident);
    for (auto& c : q.contacts) {
        c = IdMap::to_store(m.contacts, c);
    }
    return q;
}

/// Every record of the store and the bookings around [from, to) that can clash, less `leave_out`.
World world_of(Store& store, Instant from, Instant to, const std::set<std::int64_t>& leave_out) {
    World w;
    w.add_records(store);
    for (auto& b : store.bookings().list(BookingQuery::holding(from - k_margin, to + k_margin))) {
        if (leave_out.count(b.id.value) == 0) {
            w.add(std::move(b));
        }
    }
    return w;
}

const date::time_zone* zone_of_resident(const World& w, ResidentId id) {
    const auto* r = w.resident(id);
    return r != nullptr ? w.ward_zone(r->ward) : find_zone("UTC");
}

/// Checks and writes the calls inside the caller's write transaction; returns them saved.
std::vector<Booking> save_in_transaction(Store& store, std::vector<Booking> calls, Instant now,
                                         const std::set<std::int64_t>& leave_out) {
    if (calls.empty()) {
        return calls;
    }
    Instant from = calls.front().start;
    Instant to = calls.front().end;
    for (const auto& b : calls) {
        from = std::min(from, b.start);
        to = std::max(to, b.end);
    }
    auto world = world_of(store, from, to, leave_out);
    for (std::size_t i = 0; i < calls.size(); ++i) {
        auto& b = calls[i];
        auto v = check_call(world, plan_of(b));
        if (v.empty() && b.start + std::chrono::minutes{1} < now) {
            const auto* zone = zone_of_resident(world, b.resident);
            v.push_back(
                Violation{Rule::time_past,
                          fmt::format("{} is in the past (now is {})",
                                      describe_time(b.start, zone, now), describe_time(now, zone)),
                          std::nullopt});
        }
        if (!v.empty()) {
            for (auto& x : v) {
                x.message = fmt::format("calls[{}]: {}", i, x.message);
            }
            throw BookingConflict(std::move(v));
        }
        b.status = BookingStatus::booked;
        b.id = store.bookings().add(b);
        b = *store.bookings().find(b.id);
        world.add(b);
    }
    return calls;
}

} // namespace

std::vector<Booking> save_calls(Store& store, std::vector<Booking> calls, Instant now,
                                const std::string& audit_action,
                                const std::string& audit_details_json) {
    auto tx = store.begin(TxKind::write);
    auto saved = save_in_transaction(store, std::move(calls), now, {});
    store.audit(audit_action, "booking", 0, "", audit_details_json);
    tx->commit();
    return saved;
}

namespace {

void check_plan_request(const PlanRequest& req) {
    if (req.days < 1 || req.days > 366) {
        throw InvalidInput(
            "days", fmt::format("{} must be a whole number of days from 1 to 366", req.days));
    }
    if (req.slot_minutes < 1 || req.slot_minutes > 1440) {
        throw InvalidInput(
            "slot_minutes",
            fmt::format("{} must be a whole number of minutes from 1 to 1440", req.slot_minutes));
    }
}

/// What the plan starts from, read in one transaction (the scenario in its own numbering, the
/// bookings in the store's).
struct Snapshot {
    Scenario s;
    IdMap ids;
    std::vector<Booking> existing;
    std::set<std::int64_t> scope_wards;
    std::unordered_map<std::int64_t, Instant> last_completed; // store resident id -> start

    [[nodiscard]] bool in_scope(ResidentId scenario_resident) const {
        const auto& r = s.residents.at(static_cast<std::size_t>(scenario_resident.value - 1));
        return scope_wards.count(IdMap::to_store(ids.wards, r.ward).value) != 0;
    }
    /// The plan date (0: the first) of an instant on the local dates of a resident's site.
    [[nodiscard]] int plan_day(ResidentId scenario_resident, Instant t) const {
        const auto& r = s.residents.at(static_cast<std::size_t>(scenario_resident.value - 1));
        const auto& w = s.wards.at(static_cast<std::size_t>(r.ward.value - 1));
        const auto* zone = find_zone(s.sites.at(static_cast<std::size_t>(w.site.value - 1)).tz);
        auto local = date::floor<date::days>(zone->to_local(t));
        return static_cast<int>((local - date::local_days{s.horizon.start}).count());
    }
};

std::set<std::int64_t> wards_in_scope(Store& store, const PlanRequest& req) {
    std::set<std::int64_t> scope_wards;
    for (const auto& w : store.wards().list()) {
        if ((!req.ward || w.id == *req.ward) && (!req.site || w.site == *req.site)) {
            scope_wards.insert(w.id.value);
        }
    }
    if (scope_wards.empty()) {
        throw NotFound(req.ward || req.site ? std::string("no ward in the scope to plan")
                                            : std::string("no ward to plan: add one first"));
    }
    return scope_wards;
}

/// The plan's instants: from the earliest first midnight to the latest last one.
void set_horizon(const Scenario& s, const PlanRequest& req, PlanResult& out) {
    bool first = true;
    for (const auto& site : s.sites) {
        const auto* zone = find_zone(site.tz);
        auto a = midnight(req.from, zone);
        auto b = midnight(Date{date::sys_days{req.from} + date::days{req.days}}, zone);
        out.horizon_start = first ? a : std::min(out.horizon_start, a);
        out.horizon_end = first ? b : std::max(out.horizon_end, b);
        first = false;
    }
}

/// Reads the scenario, the scope, the horizon (into `out`) and the bookings around it.
Snapshot load_snapshot(Store& store, const PlanRequest& req, PlanResult& out) {
    Snapshot snap;
    auto tx = store.begin(TxKind::read);
    Horizon h;
    h.start = req.from;
    h.days = req.days;
    h.slot_minutes = req.slot_minutes;
    snap.s = load_scenario(store, h);
    snap.ids = id_map(store, snap.s);
    snap.scope_wards = wards_in_scope(store, req);
    set_horizon(snap.s, req, out);
    BookingQuery q;
    // Bookings from a week before the horizon to a week after it (what the requests have in
    // every 7 days in a row that touch the horizon), and a margin for cleaning and move times.
    q.from = out.horizon_start - k_week - k_margin;
    q.to = out.horizon_end + k_week + k_margin;
    q.statuses = BookingQuery::holding_statuses();
    snap.existing = store.bookings().list(q);
    // Who has waited longest: each resident's last completed call in the last 90 days.
    BookingQuery done;
    done.from = out.horizon_start - date::days{90};
    done.to = out.horizon_start;
    done.statuses = {BookingStatus::completed};
    for (const auto& b : store.bookings().list(done)) {
        auto& last = snap.last_completed[b.resident.value];
        last = std::max(last, b.start);
    }
    tx->commit();
    return snap;
}

/// The scheduler's options with every booking that can clash pinned, and what the requests
/// already have: their calls that count (booked or completed) by plan date.
struct Pinned {
    ScheduleOptions opts;
    std::map<std::int64_t, std::vector<Instant>>
        elsewhere;                                    // store request id -> outside the horizon
    std::map<std::int64_t, std::vector<int>> holding; // store request id -> plan dates inside, kept
    std::vector<Booking> releasable;                  // re-plan: calls the plan may move
};

/// Pins every booking that can clash, except those a re-plan may move; in-scope calls of the
/// horizon that stay go to out.kept.
Pinned pin_existing(const Snapshot& snap, const PlanRequest& req, Instant now, PlanResult& out) {
    Pinned p;
    p.opts.seed = req.seed;
    p.opts.time_limit_seconds = req.time_limit_seconds;
    p.opts.progress = req.progress;
    for (const auto& [resident, at] : snap.last_completed) {
        if (auto pos = IdMap::to_pos(snap.ids.resident_pos, ResidentId(resident))) {
            p.opts.last_call[*pos] = at;
        }
    }
    for (const auto& b : snap.existing) {
        auto sb = to_scenario(snap.ids, b);
        bool counts = b.request && b.status != BookingStatus::missed && sb;
        bool scoped = sb && snap.in_scope(sb->resident);
        // Inside the horizon on the resident's own local dates (its requests count by them).
        int day = sb ? snap.plan_day(sb->resident, b.start) : -1;
        bool inside = sb && day >= 0 && day < req.days;
        if (counts && !inside) {
            p.elsewhere[b.request->value].push_back(b.start);
        }
        if (b.start < out.horizon_start || b.start >= out.horizon_end) {
            // before or after the horizon: blocks time only
        } else if (req.replan && scoped && b.status == BookingStatus::booked && !b.pinned &&
                   b.source == BookingSource::scheduled && b.request && b.start >= now && inside) {
            p.releasable.push_back(b);
            continue;
        } else if (scoped) {
            out.kept.push_back(b);
            if (counts && inside) {
                p.holding[b.request->value].push_back(day);
            }
        }
        if (sb) {
            if (b.status == BookingStatus::missed || !inside) {
                sb->request.reset(); // blocks time, serves no request of this horizon
            }
            p.opts.pinned.push_back(*sb);
        }
    }
    return p;
}

/// The scenario's sites, wards, residents, contacts and approvals: enough for consent checks.
World records_of(const Scenario& s) {
    World records;
    for (const auto& site : s.sites) {
        records.add(site);
    }
    for (const auto& w : s.wards) {
        records.add(w);
    }
    for (const auto& r : s.residents) {
        records.add(r);
    }
    for (const auto& c : s.contacts) {
        records.add(c);
    }
    for (const auto& a : s.approvals) {
        records.add(a);
    }
    return records;
}

/// What the requests want of this horizon.
struct Demand {
    std::vector<UnmetRequest> standing;    // refused for reasons no time can change
    std::vector<int> week_calls;           // each request's calls a week, as stored
    std::map<std::int64_t, int> wanted_of; // store request id -> calls the horizon should hold
};

/// How many calls the horizon's dates can add to a request with `week` calls a week without any
/// 7 dates in a row holding more than `week` (request.per_week): `have` counts its calls on plan
/// dates -6 … days + 5 (index date + 6), `per_day` bounds one date (0: no bound). Taking each
/// date's room in turn, earliest first, adds the most such a count allows.
int weekly_room(int week, std::vector<int> have, int days, int per_day) {
    int added = 0;
    for (int d = 0; d < days; ++d) {
        auto at = [&](int x) { return have[static_cast<std::size_t>(x + 6)]; };
        for (;;) {
            if (per_day > 0 && at(d) >= per_day) {
                break;
            }
            std::array<int, 13> around{}; // dates d - 6 … d + 6
            for (int k = 0; k < 13; ++k) {
                around[static_cast<std::size_t>(k)] = at(d - 6 + k);
            }
            if (!rule_facts::week_has_room(week, around)) {
                break;
            }
            ++have[static_cast<std::size_t>(d + 6)];
            ++added;
        }
    }
    return added;
}

/// What a request wants of the horizon: its share of the weekly calls, ceil(k × days / 7), but
/// no more than its calls already in the horizon and what every 7 dates in a row around it still
/// lack allow. Passes the weekly cap on to the scheduler.
int wanted_calls(const Snapshot& snap, const PlanRequest& req, Pinned& pinned, const CallRequest& q,
                 std::int64_t store_id) {
    std::vector<int> have(static_cast<std::size_t>(req.days + 12), 0);
    const auto& elsewhere = pinned.elsewhere[store_id];
    for (auto t : elsewhere) {
        int day = snap.plan_day(q.resident, t);
        if (day >= -6 && day < req.days + 6) {
            ++have[static_cast<std::size_t>(day + 6)];
        }
    }
    const auto& held = pinned.holding[store_id];
    for (int day : held) {
        ++have[static_cast<std::size_t>(day + 6)];
    }
    const auto& r = snap.s.residents.at(static_cast<std::size_t>(q.resident.value - 1));
    int per_day = q.max_per_day.value_or(0);
    if (r.max_calls_per_day && (per_day == 0 || *r.max_calls_per_day < per_day)) {
        per_day = *r.max_calls_per_day;
    }
    pinned.opts.per_week[q.id] = ScheduleOptions::WeeklyCap{q.calls, elsewhere};
    int share = (q.calls * req.days + 6) / 7;
    int room = weekly_room(q.calls, std::move(have), req.days, per_day);
    return std::min(share, static_cast<int>(held.size()) + room);
}

/// Sets each request's calls to what the horizon still lacks: in the scope, with consent and
/// approvals as the store records them (the scenario format treats both as given), wanting what
/// wanted_calls says.
Demand set_demand(Snapshot& snap, const PlanRequest& req, Pinned& pinned, Instant horizon_start) {
    World records = records_of(snap.s);
    Demand d;
    for (const auto& q : snap.s.requests) {
        d.week_calls.push_back(q.calls);
    }
    for (auto& q : snap.s.requests) {
        auto store_id = IdMap::to_store(snap.ids.requests, q.id).value;
        if (!q.active || !snap.in_scope(q.resident)) {
            q.active = false;
            continue;
        }
        int wanted = wanted_calls(snap, req, pinned, q, store_id);
        d.wanted_of[store_id] = wanted;
        CallPlan probe;
        probe.resident = q.resident;
        probe.contacts = q.contacts;
        probe.start = horizon_start;
        probe.end = horizon_start + std::chrono::minutes{q.duration_minutes};
        std::vector<std::string> reasons;
        for (const auto& v : check_call(records, probe)) {
            // No time can change these: the request waits until the records do.
            if (v.rule == Rule::resident_consent || v.rule == Rule::contact_approval) {
                reasons.push_back(fmt::format("{}: {}", rule_name(v.rule), v.message));
            }
        }
        int need = wanted;
        if (!reasons.empty()) {
            q.active = false;
            int held = static_cast<int>(pinned.holding[store_id].size());
            if (need > held) {
                auto store_q = request_in_store(snap.ids, q);
                d.standing.push_back(UnmetRequest{store_q, wanted, held, need - held, reasons});
            }
            continue;
        }
        q.calls = need;
        if (need == 0) {
            q.active = false;
        }
    }
    return d;
}

/// Calls never start before now: the time already gone is blocked for every resident.
void block_past(Scenario& s, Instant horizon_start, Instant now) {
    if (now > horizon_start) {
        for (auto& r : s.residents) {
            r.one_off_blocks.push_back(Period{horizon_start - k_margin, now, "time already past"});
        }
    }
}

/// Runs the scheduler. Stable times: a re-plan moves calls only when that makes the plan better
/// by the objective's own order; otherwise every call stays where it was (and goes to out.kept).
ScheduleResult solve(const Snapshot& snap, Pinned& pinned, PlanResult& out) {
    auto result = schedule(snap.s, pinned.opts);
    if (!pinned.releasable.empty()) {
        auto stay = pinned.opts;
        for (const auto& b : pinned.releasable) {
            if (auto sb = to_scenario(snap.ids, b)) {
                stay.pinned.push_back(*sb);
            }
        }
        auto stayed = schedule(snap.s, stay);
        if (!better(result.score, stayed.score)) {
            result = std::move(stayed);
            for (auto& b : pinned.releasable) {
                out.kept.push_back(std::move(b));
            }
            pinned.releasable.clear();
        }
    }
    out.status = result.status;
    out.seconds = result.seconds;
    out.score = result.score;
    out.price_of_fairness = result.price_of_fairness;
    out.device_moves = result.device_moves;
    return result;
}

/// The scheduler's new (not pinned) calls as bookings with the store's ids.
std::vector<Booking> new_calls(const ScheduleResult& result, const IdMap& ids) {
    std::vector<Booking> added;
    for (const auto& c : result.calls) {
        if (c.pinned) {
            continue;
        }
        Booking b;
        b.resident = IdMap::to_store(ids.residents, c.resident);
        for (auto cid : c.contacts) {
            b.contacts.push_back(IdMap::to_store(ids.contacts, cid));
        }
        b.device = IdMap::to_store(ids.devices, c.device);
        if (c.staff) {
            b.staff = IdMap::to_store(ids.staff, *c.staff);
        }
        b.start = c.start;
        b.end = c.end;
        b.priority = c.priority;
        if (c.request.valid()) {
            b.request = IdMap::to_store(ids.requests, c.request);
        }
        b.reason = k_scheduled;
        b.source = BookingSource::scheduled;
        added.push_back(std::move(b));
    }
    return added;
}

/// A re-plan keeps a call that lands exactly where it was; the others are released.
void keep_unmoved(const std::vector<Booking>& releasable, PlanResult& out) {
    for (const auto& old : releasable) {
        auto same = std::find_if(out.added.begin(), out.added.end(), [&](const Booking& b) {
            return b.resident == old.resident && b.contacts == old.contacts &&
                   b.device == old.device && b.staff == old.staff && b.start == old.start &&
                   b.end == old.end && b.request == old.request;
        });
        if (same != out.added.end()) {
            out.added.erase(same);
            out.kept.push_back(old);
        } else {
            out.released.push_back(old);
        }
    }
}

/// The requests the plan could not fully meet, by code.
void report_unmet(const ScheduleResult& result, const Snapshot& snap, Demand& demand,
                  PlanResult& out) {
    for (const auto& u : result.unscheduled) {
        auto store_id = IdMap::to_store(snap.ids.requests, u.request).value;
        auto q = request_in_store(
            snap.ids, snap.s.requests.at(static_cast<std::size_t>(u.request.value - 1)));
        int wanted = demand.wanted_of[store_id];
        out.unmet.push_back(
            UnmetRequest{q, wanted, wanted - u.missing_calls, u.missing_calls, u.reasons});
    }
    for (auto& u : demand.standing) {
        out.unmet.push_back(std::move(u));
    }
    // The request as stored (calls per week), not the horizon's remainder.
    for (auto& u : out.unmet) {
        auto pos = IdMap::to_pos(snap.ids.request_pos, u.request.id);
        if (pos) {
            u.request.calls = demand.week_calls.at(static_cast<std::size_t>(pos->value - 1));
        }
    }
    std::sort(out.unmet.begin(), out.unmet.end(), [](const UnmetRequest& a, const UnmetRequest& b) {
        return a.request.code < b.request.code;
    });
}

Conflict stale_plan(const Booking& old) {
    return Conflict(
        fmt::format("call {} changed while the plan was made; run schedule again", old.code),
        "plan.stale");
}

/// Cancels the released calls ("re-planned"), as long as nobody changed them meanwhile; returns
/// their ids.
std::set<std::int64_t> cancel_released(Store& store, const std::vector<Booking>& released) {
    std::set<std::int64_t> leave_out;
    for (const auto& old : released) {
        auto now_stored = store.bookings().find(old.id);
        if (!now_stored || now_stored->status != BookingStatus::booked) {
            throw stale_plan(old);
        }
        Booking cancelled = *now_stored;
        cancelled.status = BookingStatus::cancelled;
        cancelled.reason = "re-planned";
        if (!store.bookings().transition(cancelled, BookingStatus::booked)) {
            throw stale_plan(old);
        }
        leave_out.insert(old.id.value);
    }
    return leave_out;
}

/// Writes the plan in one transaction: released calls cancelled, new calls checked and added,
/// one audit row.
void save_plan(Store& store, const PlanRequest& req, Instant now, PlanResult& out) {
    auto tx = store.begin(TxKind::write);
    auto leave_out = cancel_released(store, out.released);
    out.added = save_in_transaction(store, std::move(out.added), now, leave_out);
    nlohmann::json details{{"from", format_date(req.from)},      {"days", req.days},
                           {"added", out.added.size()},          {"cancelled", out.released.size()},
                           {"unmet_requests", out.unmet.size()}, {"replan", req.replan}};
    if (req.ward) {
        details["ward"] = req.ward->value;
    }
    if (req.site) {
        details["site"] = req.site->value;
    }
    store.audit("schedule", "booking", 0, "", details.dump());
    tx->commit();
    out.saved = true;
}

} // namespace

PlanResult plan_from_store(Store& store, const PlanRequest& req, Instant now) {
    check_plan_request(req);
    PlanResult out;
    auto snap = load_snapshot(store, req, out);
    auto pinned = pin_existing(snap, req, now, out);
    auto demand = set_demand(snap, req, pinned, out.horizon_start);
    block_past(snap.s, out.horizon_start, now);
    auto result = solve(snap, pinned, out);
    out.added = new_calls(result, snap.ids);
    keep_unmoved(pinned.releasable, out);
    report_unmet(result, snap, demand, out);
    for (const auto& [id, n] : demand.wanted_of) {
        out.wanted[RequestId(id)] = n;
    }
    std::sort(out.added.begin(), out.added.end(), [](const Booking& a, const Booking& b) {
        return std::tie(a.start, a.device.value) < std::tie(b.start, b.device.value);
    });
    if (req.dry_run) {
        return out;
    }
    save_plan(store, req, now, out);
    return out;
}

} // namespace carecall
