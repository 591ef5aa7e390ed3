// The scheduler's first slice: greedy construction in the objective's order (classes highest
// first; within a class one call for as many residents as possible, then more calls), a small
// improvement pass that moves one blocking call to free room for an unserved resident, and the
// reasons for every request it could not meet. Feasibility is check_call's alone.
#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <set>

#include <fmt/format.h>

#include "carecall/rules.hpp"
#include "carecall/schedule.hpp"

namespace carecall {
namespace {

using Clock = std::chrono::steady_clock;

struct Candidate {
    Instant start;
    Instant end;
    int day = 0; ///< plan date index (site local date)
    bool preferred = false;
    bool fixed = false; ///< at the request's fixed weekly time
};

struct Option {
    DeviceId device;
    std::optional<StaffId> staff;
};

struct Tally {
    int count = 0;
    std::string example;
};

struct ReqState {
    const CallRequest *q = nullptr;
    const Resident *r = nullptr;
    const date::time_zone *zone = nullptr;
    std::vector<Candidate> cands;
    std::vector<Option> options;
    std::map<std::string, Tally> static_reasons; ///< rules that ruled out starts for good
    int total_starts = 0;
    int placed = 0;
    std::vector<int> per_day;
};

struct Placed {
    ScheduledCall call;
    BookingId id;
    std::size_t req = 0; ///< index into the request states, or npos when pinned without request
    int day = 0;
};

constexpr std::size_t k_none = static_cast<std::size_t>(-1);

template <class T> const T &nth(const std::vector<T> &v, std::int64_t id) {
    return v.at(static_cast<std::size_t>(id - 1));
}

bool inside(const std::vector<WeeklyWindow> &windows, const date::time_zone *zone, Instant s,
            Instant e) {
    if (windows.empty()) {
        return false;
    }
    auto ivs = window_intervals(windows, zone, s, e);
    std::sort(ivs.begin(), ivs.end());
    Instant reach = s;
    for (const auto &iv : ivs) {
        if (iv.first <= reach && iv.second > reach) {
            reach = iv.second;
        }
    }
    return reach >= e;
}

class Planner {
public:
    Planner(const Scenario &s, const ScheduleOptions &o)
        : m_s(s), m_o(o), m_start(Clock::now()), m_rng(o.seed) {
        auto limit = std::chrono::duration<double>(std::max(0.0, o.time_limit_seconds));
        m_deadline = m_start + std::chrono::duration_cast<Clock::duration>(limit);
    }

    ScheduleResult run() {
        build_base();
        build_requests();
        add_pinned();
        m_world = m_base;
        for (const auto &p : m_placed) {
            m_world.add(booking_of(p));
        }
        std::set<int, std::greater<>> classes;
        for (const auto &q : m_reqs) {
            classes.insert(q.q->priority);
        }
        for (int cls : classes) {
            if (expired()) {
                break;
            }
            plan_class(cls);
        }
        return result();
    }

private:
    const Scenario &m_s;
    const ScheduleOptions &m_o;
    Clock::time_point m_start;
    Clock::time_point m_deadline;
    bool m_timed_out = false;
    std::mt19937_64 m_rng;
    World m_base;
    World m_world;
    std::vector<const date::time_zone *> m_ward_zone;
    std::vector<ReqState> m_reqs;
    std::vector<std::size_t> m_req_of_id; ///< request id - 1 -> index into m_reqs, or k_none
    std::vector<Placed> m_placed;
    std::int64_t m_next_id = 1;

    bool expired() {
        if (!m_timed_out && Clock::now() >= m_deadline) {
            m_timed_out = true;
        }
        return m_timed_out;
    }

    void build_base() {
        for (const auto &site : m_s.sites) {
            m_base.add(site);
        }
        for (const auto &w : m_s.wards) {
            m_base.add(w);
            m_ward_zone.push_back(find_zone(nth(m_s.sites, w.site.value).tz));
        }
        for (auto r : m_s.residents) {
            if (r.consent.status == ConsentStatus::none) {
                r.consent.status = ConsentStatus::given; // the format: given unless refused
            }
            m_base.add(std::move(r));
        }
        for (const auto &c : m_s.contacts) {
            m_base.add(c);
        }
        for (const auto &d : m_s.devices) {
            m_base.add(d);
        }
        for (const auto &st : m_s.staff) {
            m_base.add(st);
        }
        std::map<std::pair<std::int64_t, std::int64_t>, Approval> links;
        for (const auto &a : m_s.approvals) {
            links[{a.resident.value, a.contact.value}] = a;
        }
        for (const auto &q : m_s.requests) {
            for (auto c : q.contacts) {
                auto &a = links[{q.resident.value, c.value}];
                a.resident = q.resident;
                a.contact = c;
                a.approved = true; // every pair a request names is approved
            }
        }
        for (const auto &[key, a] : links) {
            m_base.add(a);
        }
    }

    [[nodiscard]] const date::time_zone *zone_of(const Resident &r) const {
        return m_ward_zone.at(static_cast<std::size_t>(r.ward.value - 1));
    }

    CallPlan plan_of(const ReqState &q, const Candidate &c, const Option &o) const {
        CallPlan p;
        p.resident = q.r->id;
        p.contacts = q.q->contacts;
        p.device = o.device;
        p.staff = o.staff;
        p.start = c.start;
        p.end = c.end;
        p.priority = q.q->priority;
        return p;
    }

    static void tally(std::map<std::string, Tally> &m, const Violation &v) {
        auto &t = m[v.rule];
        if (t.count++ == 0) {
            t.example = v.message;
        }
    }

    void build_requests() {
        m_req_of_id.assign(m_s.requests.size(), k_none);
        const int days = m_s.horizon.days;
        const int slot = std::max(1, m_s.horizon.slot_minutes);
        for (const auto &q : m_s.requests) {
            if (!q.active || q.calls <= 0) {
                continue;
            }
            ReqState st;
            st.q = &q;
            st.r = &nth(m_s.residents, q.resident.value);
            st.zone = zone_of(*st.r);
            st.per_day.assign(static_cast<std::size_t>(days), 0);
            // Devices serving the ward, those whose home ward it is first; helpers of the ward.
            std::vector<const Device *> devices;
            for (const auto &d : m_s.devices) {
                if (std::find(d.wards.begin(), d.wards.end(), st.r->ward) != d.wards.end()) {
                    devices.push_back(&d);
                }
            }
            std::stable_sort(devices.begin(), devices.end(), [&](const Device *a, const Device *b) {
                return (a->wards.front() == st.r->ward) > (b->wards.front() == st.r->ward);
            });
            std::vector<std::optional<StaffId>> helpers;
            if (st.r->needs_assistance) {
                for (const auto &sm : m_s.staff) {
                    if (std::find(sm.wards.begin(), sm.wards.end(), st.r->ward) != sm.wards.end()) {
                        helpers.emplace_back(sm.id);
                    }
                }
            } else {
                helpers.emplace_back(std::nullopt);
            }
            for (const auto *d : devices) {
                for (const auto &h : helpers) {
                    st.options.push_back(Option{d->id, h});
                }
            }
            const auto &ward = nth(m_s.wards, st.r->ward.value);
            if (devices.empty()) {
                st.static_reasons["device.ward"] =
                    Tally{1, fmt::format("no device serves ward {}", display_name(ward))};
            } else if (helpers.empty()) {
                st.static_reasons["help.none"] =
                    Tally{1, fmt::format("{} needs help with calls and no staff work on ward {}",
                                         display_name(*st.r), display_name(ward))};
            }
            auto duration = std::chrono::minutes{q.duration_minutes};
            for (int d = 0; d < days; ++d) {
                auto midnight = date::local_days{m_s.horizon.start} + date::days{d};
                for (int m = 0; m < 1440; m += slot) {
                    date::local_seconds local = midnight + std::chrono::minutes{m};
                    auto info = st.zone->get_info(local);
                    if (info.result == date::local_info::nonexistent) {
                        continue;
                    }
                    ++st.total_starts;
                    if (st.options.empty() || expired()) {
                        continue;
                    }
                    Candidate c;
                    c.start = date::floor<std::chrono::seconds>(
                        st.zone->to_sys(local, date::choose::earliest));
                    c.end = c.start + duration;
                    c.day = d;
                    // The start's own rules (records, windows): with the first device and no
                    // helper, anything but the device and the helper rules rules it out.
                    Option probe{st.options.front().device, std::nullopt};
                    auto vs = check_call(m_base, plan_of(st, c, probe), true);
                    if (!vs.empty() && !vs.front().rule.starts_with("help.") &&
                        !vs.front().rule.starts_with("device.")) {
                        tally(st.static_reasons, vs.front());
                        continue;
                    }
                    c.preferred = inside(q.preferred, st.zone, c.start, c.end);
                    c.fixed = q.fixed && q.fixed->start == m &&
                              q.fixed->weekday == weekday_index(Date{midnight});
                    st.cands.push_back(c);
                }
            }
            m_req_of_id[static_cast<std::size_t>(q.id.value - 1)] = m_reqs.size();
            m_reqs.push_back(std::move(st));
        }
    }

    int day_of(Instant t, const date::time_zone *zone) const {
        auto local = date::floor<date::days>(to_local(t, zone));
        return static_cast<int>(
            (local.time_since_epoch() - date::local_days{m_s.horizon.start}.time_since_epoch())
                .count());
    }

    void add_pinned() {
        for (const auto &b : m_o.pinned) {
            if (b.status == BookingStatus::cancelled || b.status == BookingStatus::waitlisted) {
                continue;
            }
            Placed p;
            p.call.resident = b.resident;
            p.call.contacts = b.contacts;
            p.call.device = b.device;
            p.call.staff = b.staff;
            p.call.start = b.start;
            p.call.end = b.end;
            p.call.priority = b.priority;
            p.call.pinned = true;
            p.id = BookingId(m_next_id++);
            p.req = k_none;
            if (b.request && b.request->value >= 1 &&
                static_cast<std::size_t>(b.request->value) <= m_req_of_id.size()) {
                p.call.request = *b.request;
                p.req = m_req_of_id[static_cast<std::size_t>(b.request->value - 1)];
            }
            if (p.req != k_none) {
                auto &st = m_reqs[p.req];
                p.call.priority = st.q->priority;
                p.call.preferred = inside(st.q->preferred, st.zone, b.start, b.end);
                p.day = day_of(b.start, st.zone);
                ++st.placed;
                if (p.day >= 0 && p.day < static_cast<int>(st.per_day.size())) {
                    ++st.per_day[static_cast<std::size_t>(p.day)];
                }
            }
            m_placed.push_back(std::move(p));
        }
    }

    Booking booking_of(const Placed &p) const {
        Booking b;
        b.id = p.id;
        if (p.call.request.valid()) {
            b.code = nth(m_s.requests, p.call.request.value).code; // "device D1 is in call Q5 …"
        }
        b.resident = p.call.resident;
        b.contacts = p.call.contacts;
        b.device = p.call.device;
        b.staff = p.call.staff;
        b.start = p.call.start;
        b.end = p.call.end;
        b.priority = p.call.priority;
        if (p.call.request.valid()) {
            b.request = p.call.request;
        }
        b.pinned = p.call.pinned;
        return b;
    }

    [[nodiscard]] bool day_full(const ReqState &st, int day) const {
        return st.q->max_per_day && st.per_day[static_cast<std::size_t>(day)] >= *st.q->max_per_day;
    }

    /// Candidate order: the fixed weekly time first, then preferred windows, then days with fewer
    /// calls of the request, then time.
    std::vector<std::size_t> order(const ReqState &st) const {
        std::vector<std::size_t> idx(st.cands.size());
        for (std::size_t i = 0; i < idx.size(); ++i) {
            idx[i] = i;
        }
        std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
            const auto &ca = st.cands[a];
            const auto &cb = st.cands[b];
            if (ca.fixed != cb.fixed) {
                return ca.fixed;
            }
            if (ca.preferred != cb.preferred) {
                return ca.preferred;
            }
            auto da = st.per_day[static_cast<std::size_t>(ca.day)];
            auto db = st.per_day[static_cast<std::size_t>(cb.day)];
            return da < db;
        });
        return idx;
    }

    void commit(std::size_t ri, const Candidate &c, const Option &o) {
        auto &st = m_reqs[ri];
        Placed p;
        p.call.request = st.q->id;
        p.call.resident = st.r->id;
        p.call.contacts = st.q->contacts;
        p.call.device = o.device;
        p.call.staff = o.staff;
        p.call.start = c.start;
        p.call.end = c.end;
        p.call.priority = st.q->priority;
        p.call.preferred = c.preferred;
        p.id = BookingId(m_next_id++);
        p.req = ri;
        p.day = c.day;
        ++st.placed;
        ++st.per_day[static_cast<std::size_t>(c.day)];
        m_world.add(booking_of(p));
        m_placed.push_back(std::move(p));
    }

    /// Places one more call of the request in the current world; false when none fits.
    bool place_one(std::size_t ri) {
        auto &st = m_reqs[ri];
        if (st.placed >= st.q->calls) {
            return false;
        }
        for (auto i : order(st)) {
            if (expired()) {
                return false;
            }
            const auto &c = st.cands[i];
            if (day_full(st, c.day)) {
                continue;
            }
            for (const auto &o : st.options) {
                if (check_call(m_world, plan_of(st, c, o), true).empty()) {
                    commit(ri, c, o);
                    return true;
                }
            }
        }
        return false;
    }

    void plan_class(int cls) {
        std::vector<std::size_t> reqs;
        std::map<std::int64_t, std::vector<std::size_t>> by_resident;
        for (std::size_t i = 0; i < m_reqs.size(); ++i) {
            if (m_reqs[i].q->priority == cls) {
                reqs.push_back(i);
                by_resident[m_reqs[i].r->id.value].push_back(i);
            }
        }
        // Fairness: residents with fewer candidate starts first; the seed breaks ties.
        struct Entry {
            std::int64_t resident;
            std::size_t starts;
            std::uint64_t tie;
        };
        std::vector<Entry> residents;
        for (auto &[rid, list] : by_resident) {
            std::size_t n = 0;
            for (auto i : list) {
                n += m_reqs[i].cands.size();
            }
            std::stable_sort(list.begin(), list.end(), [&](std::size_t a, std::size_t b) {
                return m_reqs[a].cands.size() < m_reqs[b].cands.size();
            });
            residents.push_back(Entry{rid, n, m_rng()});
        }
        std::sort(residents.begin(), residents.end(), [](const Entry &a, const Entry &b) {
            return std::tie(a.starts, a.tie, a.resident) < std::tie(b.starts, b.tie, b.resident);
        });
        auto served = [&](std::int64_t rid) {
            return std::any_of(by_resident[rid].begin(), by_resident[rid].end(),
                               [&](std::size_t i) { return m_reqs[i].placed > 0; });
        };
        // 1. one call for as many residents as possible.
        for (const auto &e : residents) {
            if (expired()) {
                return;
            }
            if (served(e.resident)) {
                continue;
            }
            for (auto i : by_resident[e.resident]) {
                if (place_one(i)) {
                    break;
                }
            }
        }
        // 2. make room for the unserved by moving one call of this class.
        for (const auto &e : residents) {
            if (expired()) {
                return;
            }
            if (!served(e.resident)) {
                for (auto i : by_resident[e.resident]) {
                    if (make_room(i)) {
                        break;
                    }
                }
            }
        }
        // 3. further calls, round-robin: fewest placed first.
        for (bool progress = true; progress && !expired();) {
            progress = false;
            std::stable_sort(reqs.begin(), reqs.end(), [&](std::size_t a, std::size_t b) {
                return std::pair(m_reqs[a].placed, m_reqs[a].cands.size()) <
                       std::pair(m_reqs[b].placed, m_reqs[b].cands.size());
            });
            for (auto i : reqs) {
                progress = place_one(i) || progress;
            }
        }
        // 4. more calls by moving one blocking call of this class elsewhere.
        for (auto i : reqs) {
            while (!expired() && m_reqs[i].placed < m_reqs[i].q->calls && make_room(i)) {
            }
        }
    }

    World world_without(std::size_t skip) const {
        World w = m_base;
        for (std::size_t k = 0; k < m_placed.size(); ++k) {
            if (k != skip) {
                w.add(booking_of(m_placed[k]));
            }
        }
        return w;
    }

    /// For a request short of calls: find a start blocked by exactly one movable call
    /// (of the same or a lower class), move that call to another feasible start, place this one.
    bool make_room(std::size_t ri) {
        auto &st = m_reqs[ri];
        if (st.placed >= st.q->calls) {
            return false;
        }
        std::set<std::size_t> tried;
        for (auto i : order(st)) {
            const auto &c = st.cands[i];
            if (day_full(st, c.day)) {
                continue;
            }
            for (const auto &o : st.options) {
                if (expired()) {
                    return false;
                }
                auto plan = plan_of(st, c, o);
                auto vs = check_call(m_world, plan, false);
                if (vs.empty()) {
                    commit(ri, c, o);
                    return true;
                }
                std::optional<BookingId> blocker;
                bool single = true;
                for (const auto &v : vs) {
                    if (!v.other || (blocker && *blocker != *v.other)) {
                        single = false;
                        break;
                    }
                    blocker = v.other;
                }
                if (!single || !blocker) {
                    continue;
                }
                auto k = static_cast<std::size_t>(
                    std::find_if(m_placed.begin(), m_placed.end(),
                                 [&](const Placed &p) { return p.id == *blocker; }) -
                    m_placed.begin());
                if (k >= m_placed.size() || m_placed[k].call.pinned || m_placed[k].req == k_none ||
                    m_placed[k].req == ri || m_placed[k].call.priority > st.q->priority ||
                    !tried.insert(k).second) {
                    continue;
                }
                if (try_move(k, ri, c, o)) {
                    return true;
                }
            }
        }
        return false;
    }

    bool try_move(std::size_t k, std::size_t ri, const Candidate &c, const Option &o) {
        auto &st = m_reqs[ri];
        World w = world_without(k);
        if (!check_call(w, plan_of(st, c, o), true).empty()) {
            return false;
        }
        // The new call goes in first, then the moved one must fit somewhere else.
        Placed fresh;
        fresh.id = BookingId(m_next_id);
        fresh.call.request = st.q->id;
        fresh.call.resident = st.r->id;
        fresh.call.contacts = st.q->contacts;
        fresh.call.device = o.device;
        fresh.call.staff = o.staff;
        fresh.call.start = c.start;
        fresh.call.end = c.end;
        fresh.call.priority = st.q->priority;
        w.add(booking_of(fresh));
        const auto moved = m_placed[k];
        auto &mst = m_reqs[moved.req];
        --mst.per_day[static_cast<std::size_t>(moved.day)];
        for (auto i : order(mst)) {
            const auto &mc = mst.cands[i];
            if ((mc.start == moved.call.start && mc.day == moved.day) || day_full(mst, mc.day)) {
                continue;
            }
            for (const auto &mo : mst.options) {
                if (check_call(w, plan_of(mst, mc, mo), true).empty()) {
                    // Commit: drop the old call, rebuild, place both.
                    m_placed.erase(m_placed.begin() + static_cast<std::ptrdiff_t>(k));
                    --mst.placed;
                    m_world = world_without(k_none);
                    commit(moved.req, mc, mo);
                    commit(ri, c, o);
                    return true;
                }
            }
        }
        ++mst.per_day[static_cast<std::size_t>(moved.day)];
        return false;
    }

    /// Why a request is short of calls: first what blocked the starts its own windows allow
    /// (clashes, helpers, per-day limits), then what ruled out the other starts.
    std::vector<std::string> reasons(const ReqState &st) {
        std::map<std::string, Tally> counts;
        if (m_timed_out) {
            counts["search.time_limit"] =
                Tally{1, "the time limit stopped the search before this request was met"};
        }
        for (const auto &c : st.cands) {
            if (m_timed_out) {
                break; // the reasons must not take long once the time is up
            }
            std::set<std::string> rules;
            if (day_full(st, c.day)) {
                Violation v{"request.max_per_day",
                            fmt::format("request {} already has {} call(s) on that date (at most "
                                        "{} a day)",
                                        st.q->code, st.per_day[static_cast<std::size_t>(c.day)],
                                        *st.q->max_per_day),
                            std::nullopt};
                tally(counts, v);
                continue;
            }
            for (const auto &o : st.options) {
                auto vs = check_call(m_world, plan_of(st, c, o), true);
                if (vs.empty()) {
                    rules.clear();
                    break;
                }
                if (rules.insert(vs.front().rule).second) {
                    tally(counts, vs.front());
                }
            }
        }
        std::vector<std::string> out;
        const std::map<std::string, Tally> *const maps[] = {&counts, &st.static_reasons};
        for (const auto *m : maps) {
            std::vector<std::pair<std::string, Tally>> list(m->begin(), m->end());
            std::stable_sort(list.begin(), list.end(), [](const auto &a, const auto &b) {
                return a.second.count > b.second.count;
            });
            for (const auto &[rule, t] : list) {
                if (out.size() == 4) {
                    break;
                }
                out.push_back(rule.starts_with("search.")
                                  ? fmt::format("{}: {}", rule, t.example)
                                  : fmt::format("{}: {} ({} of {} starts)", rule, t.example,
                                                t.count, st.total_starts));
            }
        }
        if (out.empty()) {
            out.emplace_back("no start was found");
        }
        return out;
    }

    ScheduleResult result() {
        ScheduleResult res;
        bool all = true;
        for (const auto &p : m_placed) {
            res.calls.push_back(p.call);
            if (!p.call.preferred && p.req != k_none && !m_reqs[p.req].q->preferred.empty()) {
                all = false;
            }
        }
        std::sort(res.calls.begin(), res.calls.end(), [](const auto &a, const auto &b) {
            return std::tie(a.start, a.device, a.resident) <
                   std::tie(b.start, b.device, b.resident);
        });
        for (const auto &st : m_reqs) {
            if (st.placed < st.q->calls) {
                all = false;
                res.unscheduled.push_back(
                    Unscheduled{st.q->id, st.q->calls - st.placed, reasons(st)});
            }
        }
        res.score = score_calls(m_s, res.calls);
        res.status = m_timed_out ? "time_limit" : (all ? "optimal" : "feasible");
        res.seconds = std::chrono::duration<double>(Clock::now() - m_start).count();
        return res;
    }
};

} // namespace

ScheduleScore score_calls(const Scenario &s, const std::vector<ScheduledCall> &calls) {
    std::map<int, ClassScore, std::greater<>> classes;
    std::map<int, std::set<std::int64_t>> asking;
    std::map<int, std::set<std::int64_t>> served;
    for (const auto &q : s.requests) {
        if (!q.active) {
            continue;
        }
        auto &c = classes[q.priority];
        c.priority = q.priority;
        c.calls_asked += q.calls;
        asking[q.priority].insert(q.resident.value);
    }
    ScheduleScore out;
    for (const auto &call : calls) {
        if (!call.request.valid() ||
            static_cast<std::size_t>(call.request.value) > s.requests.size()) {
            continue;
        }
        const auto &q = nth(s.requests, call.request.value);
        auto &c = classes[q.priority];
        c.priority = q.priority;
        ++c.calls;
        served[q.priority].insert(call.resident.value);
        const auto &r = nth(s.residents, q.resident.value);
        const auto &ward = nth(s.wards, r.ward.value);
        const auto *zone = find_zone(nth(s.sites, ward.site.value).tz);
        if (inside(q.preferred, zone, call.start, call.end)) {
            ++out.preferred_calls;
        }
    }
    for (auto &[p, c] : classes) {
        c.residents_asking = static_cast<int>(asking[p].size());
        c.residents_served = static_cast<int>(served[p].size());
        out.classes.push_back(c);
    }
    return out;
}

ScheduleResult schedule(const Scenario &s, const ScheduleOptions &o) {
    return Planner(s, o).run();
}

} // namespace carecall
