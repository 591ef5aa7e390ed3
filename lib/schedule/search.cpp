// The search on one part: a greedy construction in the objective's order, then a large
// neighbourhood search (remove the calls of a device-day, a time window, a few residents, or those
// in the way of an unmet request; put calls back greedily in objective order with seeded random
// tie-breaks; keep the result unless the lexicographic score got worse). Every call is finally
// checked with check_call against a World holding the others; the reasons for unmet requests
// come from the same occupancy.
#include <algorithm>
#include <array>
#include <functional>
#include <limits>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <tuple>

#include <fmt/format.h>

#include "carecall/rules.hpp"
#include "schedule/part.hpp"

#ifdef CARECALL_WITH_CBC
#include <cmath>
#include <map>
#include <set>

#include <coin/Cbc_C_Interface.h>
#endif

namespace carecall::sched {

std::size_t Timeline::lower(Min t) const {
    return static_cast<std::size_t>(
        std::lower_bound(v.begin(), v.end(), t, [](const Iv& iv, Min x) { return iv.s < x; }) -
        v.begin());
}

bool Timeline::overlaps(Min s, Min e) const {
    auto i = lower(s);
    if (i < v.size() && v[i].s < e) {
        return true;
    }
    for (auto j = i; j-- > 0;) {
        if (v[j].s + maxlen <= s) {
            break;
        }
        if (v[j].e > s) {
            return true;
        }
    }
    return false;
}

std::size_t Timeline::insert(const Iv& iv) {
    auto it =
        std::upper_bound(v.begin(), v.end(), iv.s, [](Min x, const Iv& b) { return x < b.s; });
    auto pos = static_cast<std::size_t>(it - v.begin());
    v.insert(it, iv);
    maxlen = std::max(maxlen, iv.e - iv.s);
    return pos;
}

void Timeline::erase(int call, Min s) {
    for (auto i = lower(s); i < v.size() && v[i].s == s; ++i) {
        if (v[i].call == call) {
            v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
            return;
        }
    }
}

namespace {

using Clock = std::chrono::steady_clock;

template <class T>
T& at(std::vector<T>& v, int i) {
    return v[static_cast<std::size_t>(i)];
}
template <class T>
const T& at(const std::vector<T>& v, int i) {
    return v[static_cast<std::size_t>(i)];
}

class State {
public:
    State(const Part& p, bool fair) : m_p(p), m_fair(fair) {
        const auto nr = p.reqs.size();
        const auto days = static_cast<std::size_t>(p.days);
        m_dev.resize(p.devices.size());
        m_res.resize(p.residents.size());
        m_con.resize(p.contact_ids.size());
        m_stf.resize(p.staff.size());
        m_placed.assign(nr, 0);
        m_req_day.assign(nr * days, 0);
        m_res_day.assign(p.residents.size() * days, 0);
        m_res_cls.assign(p.residents.size() * static_cast<std::size_t>(p.classes), 0);
        m_cls_served.assign(static_cast<std::size_t>(p.classes), 0);
        m_cls_calls.assign(static_cast<std::size_t>(p.classes), 0);
        m_cls_wait.assign(static_cast<std::size_t>(p.classes), 0);
        m_day_version.assign(days + 1, 0);
        for (int k = 0; k < static_cast<int>(p.pinned.size()); ++k) {
            const auto& pc = at(p.pinned, k);
            Call c;
            c.req = pc.req;
            c.device = pc.device;
            c.staff = pc.staff;
            c.start = pc.start;
            c.end = pc.end;
            c.day = pc.day;
            c.resident = pc.resident;
            c.ward = pc.ward;
            c.pin = k;
            m_calls.push_back(c);
            insert(static_cast<int>(m_calls.size()) - 1);
        }
    }

    const Part& m_p;
    bool m_fair;
    std::vector<Call> m_calls;
    std::vector<int> m_free;
    std::vector<Timeline> m_dev, m_res, m_con, m_stf;
    std::vector<int> m_placed, m_req_day, m_res_day, m_res_cls, m_cls_served, m_cls_calls;
    std::vector<std::int64_t> m_cls_wait; ///< per class: wait weights of the residents served
    std::int64_t m_preferred = 0, m_fixed = 0, m_moves = 0;
    std::int64_t m_crowded = 0; ///< calls of a weekly-counted request next to another of it
    std::vector<std::pair<bool, int>> m_log; ///< (added, call) since the last mark
    bool m_logging = false;
    /// Bumped on a plan date whenever a call that starts on it or a neighbouring date leaves: a
    /// request known not to fit anywhere needs looking at again only on such dates.
    std::vector<std::uint64_t> m_day_version;
    std::uint64_t m_clock = 0;

    [[nodiscard]] Key key() const {
        Key k;
        for (std::size_t c = 0; c < m_cls_served.size(); ++c) {
            if (m_fair) {
                k.push_back(m_cls_served[c]);
                k.push_back(m_cls_wait[c]);
                k.push_back(m_cls_calls[c]);
            } else {
                k.push_back(m_cls_calls[c]);
                k.push_back(m_cls_served[c]);
            }
        }
        k.push_back(m_preferred);
        k.push_back(m_fixed);
        k.push_back(-m_moves);
        k.push_back(-m_crowded);
        return k;
    }

    [[nodiscard]] int& req_day(int r, int day) {
        return m_req_day[static_cast<std::size_t>(r) * static_cast<std::size_t>(m_p.days) +
                         static_cast<std::size_t>(day)];
    }
    [[nodiscard]] int req_day(int r, int day) const {
        return m_req_day[static_cast<std::size_t>(r) * static_cast<std::size_t>(m_p.days) +
                         static_cast<std::size_t>(day)];
    }
    [[nodiscard]] int& res_day(int r, int day) {
        return m_res_day[static_cast<std::size_t>(r) * static_cast<std::size_t>(m_p.days) +
                         static_cast<std::size_t>(day)];
    }
    [[nodiscard]] int res_day(int r, int day) const {
        return m_res_day[static_cast<std::size_t>(r) * static_cast<std::size_t>(m_p.days) +
                         static_cast<std::size_t>(day)];
    }
    [[nodiscard]] bool served(int resident, int cls) const {
        return m_res_cls[static_cast<std::size_t>(resident) *
                             static_cast<std::size_t>(m_p.classes) +
                         static_cast<std::size_t>(cls)] > 0;
    }

    [[nodiscard]] const std::vector<int>& contacts_of(const Call& c) const {
        return c.pin >= 0 ? at(m_p.pinned, c.pin).contacts : at(m_p.reqs, c.req).contacts;
    }

    [[nodiscard]] Min gap(const DeviceInfo& d, std::int64_t a, std::int64_t b) const {
        return d.cleaning + (a != b ? d.move : 0);
    }

    /// Whether the device may take [s, e) for `ward`; waste: idle minutes left around it.
    bool device_ok(int d, Min s, Min e, std::int64_t ward, int* waste, int* moves) const {
        const auto& info = at(m_p.devices, d);
        if (overlaps_any(info.out_of_service, s, e)) {
            return false;
        }
        const auto& t = at(m_dev, d);
        const Min big = info.cleaning + info.move;
        auto i = t.lower(s);
        for (auto j = i; j < t.v.size(); ++j) {
            const auto& b = t.v[j];
            if (b.s >= e + big) {
                break;
            }
            if (b.s < e + gap(info, b.tag, ward)) {
                return false;
            }
        }
        for (auto j = i; j-- > 0;) {
            const auto& b = t.v[j];
            if (b.s + t.maxlen + big <= s) {
                break;
            }
            if (b.e + gap(info, b.tag, ward) > s) {
                return false;
            }
        }
        if (waste != nullptr) {
            constexpr int cap = 120;
            int before = cap;
            int after = cap;
            int mv = 0;
            if (i > 0) {
                const auto& b = t.v[i - 1];
                before = std::min(cap, s - (b.e + gap(info, b.tag, ward)));
                mv += b.tag != ward ? 1 : 0;
            }
            if (i < t.v.size()) {
                const auto& b = t.v[i];
                after = std::min(cap, b.s - gap(info, b.tag, ward) - e);
                mv += b.tag != ward ? 1 : 0;
                if (i > 0 && t.v[i - 1].tag != b.tag) {
                    mv -= 1;
                }
            }
            *waste = before + after;
            *moves = mv;
        }
        return true;
    }

    /// The request's calls on the date and, with a weekly count, the dates either side: a call
    /// placed there crowds them (a week's calls are spread when the week has room).
    [[nodiscard]] int crowd(int r, int day) const {
        const auto& q = at(m_p.reqs, r);
        if (q.per_week <= 0) {
            return req_day(r, day);
        }
        int n = 0;
        for (int d = day - 1; d <= day + 1; ++d) {
            n += q.week_elsewhere[static_cast<std::size_t>(d + 6)] +
                 (d >= 0 && d < m_p.days ? req_day(r, d) : 0);
        }
        return n;
    }

    /// Whether one more call of request r on plan date `day` keeps every 7 consecutive dates
    /// around it within the request's weekly count (request.per_week).
    [[nodiscard]] bool week_room(int r, int day) const {
        const auto& q = at(m_p.reqs, r);
        if (q.per_week <= 0) {
            return true;
        }
        std::array<int, 13> n{}; // dates day - 6 … day + 6
        for (int k = 0; k < 13; ++k) {
            const int d = day - 6 + k;
            n[static_cast<std::size_t>(k)] = q.week_elsewhere[static_cast<std::size_t>(d + 6)] +
                                             (d >= 0 && d < m_p.days ? req_day(r, d) : 0);
        }
        return rule_facts::week_has_room(q.per_week, n);
    }

    /// The request's own limits and the resident, contacts and a helper at [s, e); the helper
    /// chosen (or -1 when none is needed); false when something is in the way.
    bool people_ok(int r, const Cand& c, int* staff) const {
        const auto& q = at(m_p.reqs, r);
        const Min e = c.start + q.duration;
        if (q.max_per_day > 0 && req_day(r, c.day) >= q.max_per_day) {
            return false;
        }
        if (!week_room(r, c.day)) {
            return false;
        }
        const auto& ri = at(m_p.residents, q.resident);
        if (ri.max_per_day > 0 && res_day(q.resident, c.day) >= ri.max_per_day) {
            return false;
        }
        if (at(m_res, q.resident).overlaps(c.start, e)) {
            return false;
        }
        for (int k : q.contacts) {
            if (at(m_con, k).overlaps(c.start, e)) {
                return false;
            }
        }
        *staff = -1;
        if (q.needs_help) {
            for (const auto& h : q.helpers) {
                if (covered(at(m_p.shift_sets, h.shifts), c.start, e) &&
                    !at(m_stf, h.staff).overlaps(c.start, e)) {
                    *staff = h.staff;
                    return true;
                }
            }
            return false;
        }
        return true;
    }

    int add(int r, int ci, int d, int staff) {
        const auto& q = at(m_p.reqs, r);
        const auto& c = at(q.cands, ci);
        int id = 0;
        if (!m_free.empty()) {
            id = m_free.back();
            m_free.pop_back();
        } else {
            m_calls.emplace_back();
            id = static_cast<int>(m_calls.size()) - 1;
        }
        auto& call = at(m_calls, id);
        call = Call{};
        call.req = r;
        call.cand = ci;
        call.device = d;
        call.staff = staff;
        call.start = c.start;
        call.end = c.start + q.duration;
        call.day = c.day;
        call.resident = q.resident;
        call.ward = q.ward;
        insert(id);
        if (m_logging) {
            m_log.emplace_back(true, id);
        }
        return id;
    }

    void remove(int id) {
        erase(id);
        if (m_logging) {
            m_log.emplace_back(false, id);
        }
    }

    void mark() {
        m_log.clear();
        m_logging = true;
    }

    void settle(bool keep) {
        m_logging = false;
        if (!keep) {
            for (auto it = m_log.rbegin(); it != m_log.rend(); ++it) {
                if (it->first) {
                    erase(it->second);
                } else {
                    insert(it->second);
                }
            }
        }
        for (const auto& [added, id] : m_log) {
            auto& c = at(m_calls, id);
            if (!c.alive && c.req != -2) {
                c.req = -2; // free
                m_free.push_back(id);
            }
        }
        m_log.clear();
    }

    /// The device moves the call at `pos` adds between its neighbours.
    static int moves_around(const Timeline& t, std::size_t pos, std::int64_t ward) {
        const bool has_pred = pos > 0;
        const bool has_succ = pos + 1 < t.v.size();
        const std::int64_t pred = has_pred ? t.v[pos - 1].tag : ward;
        const std::int64_t succ = has_succ ? t.v[pos + 1].tag : ward;
        return (pred != ward ? 1 : 0) + (succ != ward ? 1 : 0) -
               (has_pred && has_succ && pred != succ ? 1 : 0);
    }

    void insert(int id) {
        auto& c = at(m_calls, id);
        c.alive = true;
        if (c.device >= 0) {
            auto& t = at(m_dev, c.device);
            auto pos = t.insert(Iv{c.start, c.end, id, c.ward});
            m_moves += moves_around(t, pos, c.ward);
        }
        at(m_res, c.resident).insert(Iv{c.start, c.end, id, 0});
        for (int k : contacts_of(c)) {
            at(m_con, k).insert(Iv{c.start, c.end, id, 0});
        }
        if (c.staff >= 0) {
            at(m_stf, c.staff).insert(Iv{c.start, c.end, id, 0});
        }
        count(c, 1);
    }

    void erase(int id) {
        auto& c = at(m_calls, id);
        c.alive = false;
        if (c.day >= 0) {
            ++m_clock;
            // A weekly-counted request's call frees its 7 dates in a row either side.
            const int reach = c.req >= 0 && at(m_p.reqs, c.req).per_week > 0 ? 6 : 1;
            for (int d = std::max(0, c.day - reach); d <= std::min(m_p.days, c.day + reach); ++d) {
                m_day_version[static_cast<std::size_t>(d)] = m_clock;
            }
        }
        if (c.device >= 0) {
            auto& t = at(m_dev, c.device);
            auto pos = t.lower(c.start);
            while (pos < t.v.size() && t.v[pos].call != id) {
                ++pos;
            }
            m_moves -= moves_around(t, pos, c.ward);
            t.v.erase(t.v.begin() + static_cast<std::ptrdiff_t>(pos));
        }
        at(m_res, c.resident).erase(id, c.start);
        for (int k : contacts_of(c)) {
            at(m_con, k).erase(id, c.start);
        }
        if (c.staff >= 0) {
            at(m_stf, c.staff).erase(id, c.start);
        }
        count(c, -1);
    }

    void count(const Call& c, int sign) {
        if (c.day >= 0) {
            res_day(c.resident, c.day) += sign;
        }
        if (c.req < 0) {
            return;
        }
        const auto& q = at(m_p.reqs, c.req);
        at(m_placed, c.req) += sign;
        if (c.day >= 0) {
            req_day(c.req, c.day) += sign < 0 ? sign : 0;
            m_crowded += q.per_week > 0 ? sign * crowd(c.req, c.day) : 0;
            req_day(c.req, c.day) += sign > 0 ? sign : 0;
        }
        auto& rc =
            m_res_cls[static_cast<std::size_t>(c.resident) * static_cast<std::size_t>(m_p.classes) +
                      static_cast<std::size_t>(q.cls)];
        const int weight = at(m_p.residents, c.resident).wait_weight;
        if (sign > 0 && rc++ == 0) {
            ++at(m_cls_served, q.cls);
            at(m_cls_wait, q.cls) += weight;
        } else if (sign < 0 && --rc == 0) {
            --at(m_cls_served, q.cls);
            at(m_cls_wait, q.cls) -= weight;
        }
        at(m_cls_calls, q.cls) += sign;
        if (c.cand >= 0) {
            const auto& cd = at(q.cands, c.cand);
            m_preferred += cd.preferred ? sign : 0;
            m_fixed += cd.fixed ? sign : 0;
        }
    }
};

class Search {
public:
    Search(const Part& p, bool fair, std::uint64_t seed) : m_p(p), m_st(p, fair), m_rng(seed) {
        for (int c = 0; c < p.classes; ++c) {
            m_class_reqs.emplace_back();
            m_class_res.emplace_back();
        }
        std::vector<std::vector<int>> res_reqs(p.residents.size() *
                                               static_cast<std::size_t>(p.classes));
        for (int r = 0; r < static_cast<int>(p.reqs.size()); ++r) {
            const auto& q = at(p.reqs, r);
            at(m_class_reqs, q.cls).push_back(r);
            res_reqs[static_cast<std::size_t>(q.resident) * static_cast<std::size_t>(p.classes) +
                     static_cast<std::size_t>(q.cls)]
                .push_back(r);
        }
        for (int c = 0; c < p.classes; ++c) {
            for (int res = 0; res < static_cast<int>(p.residents.size()); ++res) {
                auto& list =
                    res_reqs[static_cast<std::size_t>(res) * static_cast<std::size_t>(p.classes) +
                             static_cast<std::size_t>(c)];
                if (list.empty()) {
                    continue;
                }
                std::stable_sort(list.begin(), list.end(), [&](int a, int b) {
                    return at(p.reqs, a).cands.size() < at(p.reqs, b).cands.size();
                });
                std::size_t n = 0;
                for (int r : list) {
                    n += at(p.reqs, r).cands.size();
                }
                at(m_class_res, c).push_back(ResEntry{res, list, n});
            }
        }
        m_stuck.assign(p.reqs.size(), 0);
        m_failed_at.assign(p.reqs.size(), 0);
    }

    State& state() { return m_st; }

    /// Greedy: classes highest first; one call for as many residents as possible (longest
    /// waiting, then fewest possible starts first), then more calls round-robin.
    void fill(bool noisy) {
        ++m_epoch;
        for (int c = 0; c < m_p.classes; ++c) {
            if (m_st.m_fair) {
                auto order = at(m_class_res, c);
                std::vector<std::uint64_t> tie(order.size());
                for (auto& t : tie) {
                    t = noisy ? m_rng() : 0;
                }
                const bool shuffled = noisy && m_rng() % 4 == 0;
                std::vector<std::size_t> idx(order.size());
                std::iota(idx.begin(), idx.end(), 0);
                std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
                    const auto& ra = at(m_p.residents, order[a].resident);
                    const auto& rb = at(m_p.residents, order[b].resident);
                    if (shuffled) {
                        return std::tie(ra.wait_key, tie[a]) < std::tie(rb.wait_key, tie[b]);
                    }
                    return std::tie(ra.wait_key, order[a].starts, tie[a]) <
                           std::tie(rb.wait_key, order[b].starts, tie[b]);
                });
                for (auto i : idx) {
                    const auto& e = order[i];
                    if (m_st.served(e.resident, c)) {
                        continue;
                    }
                    for (int r : e.reqs) {
                        if (try_insert(r, noisy)) {
                            break;
                        }
                    }
                }
            }
            auto reqs = at(m_class_reqs, c);
            for (bool progress = true; progress;) {
                progress = false;
                std::vector<std::pair<std::tuple<int, std::size_t, std::uint64_t>, int>> order;
                for (int r : reqs) {
                    if (at(m_st.m_placed, r) < at(m_p.reqs, r).calls && at(m_stuck, r) != m_epoch) {
                        order.emplace_back(std::tuple(at(m_st.m_placed, r),
                                                      at(m_p.reqs, r).cands.size(),
                                                      noisy ? m_rng() : 0),
                                           r);
                    }
                }
                std::sort(order.begin(), order.end());
                for (const auto& [k, r] : order) {
                    if (try_insert(r, noisy)) {
                        progress = true;
                    }
                }
            }
        }
    }

    /// The best placement of one more call of the request; false (and stuck for this fill) when
    /// none fits.
    bool try_insert(int r, bool noisy) {
        const auto& q = at(m_p.reqs, r);
        if (at(m_stuck, r) == m_epoch || at(m_st.m_placed, r) >= q.calls) {
            return false;
        }
        using Cost = std::tuple<int, int, int, int, int, std::uint64_t>;
        std::optional<Cost> best;
        // Now and then (while improving) any placement that fits, to leave the greedy's groove.
        const bool wild = noisy && m_rng() % 8 == 0;
        std::uint64_t seen = 0;
        int best_ci = -1;
        int best_d = -1;
        int best_h = -1;
        const std::uint64_t failed = at(m_failed_at, r);
        for (int ci = 0; ci < static_cast<int>(q.cands.size()); ++ci) {
            const auto& c = at(q.cands, ci);
            if (failed != 0 && m_st.m_day_version[static_cast<std::size_t>(c.day)] < failed) {
                continue; // nothing left that date since it last failed
            }
            int staff = -1;
            if (!m_st.people_ok(r, c, &staff)) {
                continue;
            }
            for (int d : q.devices) {
                int waste = 0;
                int moves = 0;
                if (!m_st.device_ok(d, c.start, c.start + q.duration, q.ward, &waste, &moves)) {
                    continue;
                }
                Cost cost{c.fixed ? 0 : 1, c.preferred ? 0 : 1,    m_st.crowd(r, c.day), moves,
                          waste,           noisy ? m_rng() % 4 : 0};
                if (wild) {
                    cost = Cost{0, 0, 0, 0, 0, 0};
                    if (m_rng() % ++seen != 0) {
                        continue; // reservoir sampling: each placement equally likely
                    }
                    best.reset();
                }
                if (!best || cost < *best) {
                    best = cost;
                    best_ci = ci;
                    best_d = d;
                    best_h = staff;
                }
            }
        }
        if (!best) {
            at(m_stuck, r) = m_epoch;
            at(m_failed_at, r) = m_st.m_clock + 1;
            return false;
        }
        m_st.add(r, best_ci, best_d, best_h);
        return true;
    }

    /// Improvement until the budget, the deadline or no gain for a long while.
    void improve(const SearchLimits& lim, long budget, bool* cut, long* iterations) {
        if (budget <= 0 || m_p.reqs.empty()) {
            return;
        }
        Key best = m_st.key();
        long since = 0;
        const long patience = std::max<long>(150, 6 * static_cast<long>(m_p.reqs.size()));
        for (long it = 0; it < budget; ++it) {
            if (at_bound()) {
                return;
            }
            if (Clock::now() >= lim.deadline) {
                *cut = true;
                return;
            }
            ++*iterations;
            m_st.mark();
            destroy();
            fill(true);
            Key k = m_st.key();
            if (k >= best) {
                since = k > best ? 0 : since + 1;
                best = std::move(k);
                m_st.settle(true);
            } else {
                ++since;
                m_st.settle(false);
            }
            if (since > patience) {
                return;
            }
        }
    }

private:
    struct ResEntry {
        int resident = 0;
        std::vector<int> reqs;
        std::size_t starts = 0;
    };
    const Part& m_p;
    State m_st;
    std::mt19937_64 m_rng;
    std::vector<std::vector<int>> m_class_reqs;
    std::vector<std::vector<ResEntry>> m_class_res;
    std::vector<int> m_stuck;
    int m_epoch = 0;
    /// Per request: one more than the state clock when no start fitted (0: never); only dates
    /// whose version is at least that can fit now.
    std::vector<std::uint64_t> m_failed_at;

    int pick(std::size_t n) {
        return static_cast<int>(m_rng() % static_cast<std::uint64_t>(std::max<std::size_t>(n, 1)));
    }

    /// Nothing left to gain but fewer device moves.
    [[nodiscard]] bool at_bound() const {
        for (int r = 0; r < static_cast<int>(m_p.reqs.size()); ++r) {
            if (at(m_st.m_placed, r) < at(m_p.reqs, r).calls) {
                return false;
            }
        }
        for (const auto& c : m_st.m_calls) {
            if (c.alive && c.req >= 0 && c.cand >= 0) {
                const auto& q = at(m_p.reqs, c.req);
                const auto& cd = at(q.cands, c.cand);
                if ((q.has_preferred && !cd.preferred) || (q.has_fixed && !cd.fixed)) {
                    return false;
                }
            }
        }
        return true;
    }

    void remove_if(const std::function<bool(const Call&)>& pred) {
        for (int id = 0; id < static_cast<int>(m_st.m_calls.size()); ++id) {
            const auto& c = at(m_st.m_calls, id);
            if (c.alive && c.pin < 0 && pred(c)) {
                m_st.remove(id);
            }
        }
    }

    void destroy() {
        const int days = m_p.days;
        const std::size_t ncalls = m_st.m_calls.size();
        auto kind = m_rng() % 100;
        if (kind < 3 && ncalls <= 40) {
            remove_if([](const Call&) { return true; });
        } else if (kind < 30 && !m_p.devices.empty()) {
            int d = pick(m_p.devices.size());
            int day = pick(static_cast<std::size_t>(days));
            remove_if([&](const Call& c) { return c.device == d && c.day == day; });
        } else if (kind < 50) {
            int day = pick(static_cast<std::size_t>(days));
            Min from = 0;
            // A window of two to four hours somewhere in that day's calls.
            std::vector<Min> starts;
            for (const auto& c : m_st.m_calls) {
                if (c.alive && c.day == day) {
                    starts.push_back(c.start);
                }
            }
            if (starts.empty()) {
                return;
            }
            from = starts[static_cast<std::size_t>(pick(starts.size()))] - 60;
            Min len = 120 + 60 * pick(3);
            remove_if([&](const Call& c) { return c.start < from + len && c.end > from; });
        } else if (kind < 65) {
            int n = 1 + pick(3);
            for (int k = 0; k < n; ++k) {
                int res = pick(m_p.residents.size());
                remove_if([&](const Call& c) { return c.resident == res; });
            }
        } else {
            targeted();
        }
    }

    /// One time in this many the targeted move takes a call outside its preferred windows (or
    /// fixed time) rather than an unmet request, when there are both: unmet requests weigh more
    /// in the score (a class level before the preferred level), so they get the other turns.
    static constexpr std::uint64_t k_soft_odds = 4;

    /// Clears room for one call of an unmet request (the highest class with residents unserved
    /// first) and places it there.
    void targeted() {
        const std::vector<int> short_reqs = short_requests();
        const std::vector<int> soft = soft_calls();
        if (short_reqs.empty() && soft.empty()) {
            // Everything is met: shake a device-day to find fewer device moves.
            int d = pick(m_p.devices.size());
            int day = pick(static_cast<std::size_t>(m_p.days));
            remove_if([&](const Call& c) { return c.device == d && c.day == day; });
            return;
        }
        int r = 0;
        int ci = 0;
        if (!choose_target(short_reqs, soft, &r, &ci)) {
            return;
        }
        const auto& q = at(m_p.reqs, r);
        const auto& cd = at(q.cands, ci);
        if (q.devices.empty()) {
            return;
        }
        int d = q.devices[static_cast<std::size_t>(pick(q.devices.size()))];
        const Min s = cd.start;
        const Min e = s + q.duration;
        const int helper = pick_helper(q, s, e);
        clear_room(r, cd, d, helper);
        int staff = -1;
        int waste = 0;
        int moves = 0;
        if (m_st.people_ok(r, cd, &staff) && m_st.device_ok(d, s, e, q.ward, &waste, &moves)) {
            m_st.add(r, ci, d, staff);
        }
    }

    /// The unmet requests of the best rank: the highest class first, residents not yet served
    /// in it before those who are.
    [[nodiscard]] std::vector<int> short_requests() const {
        std::vector<int> short_reqs;
        int best_rank = std::numeric_limits<int>::max();
        for (int r = 0; r < static_cast<int>(m_p.reqs.size()); ++r) {
            const auto& q = at(m_p.reqs, r);
            if (at(m_st.m_placed, r) >= q.calls || q.cands.empty()) {
                continue;
            }
            int rank = q.cls * 2 + (m_st.served(q.resident, q.cls) ? 1 : 0);
            if (rank < best_rank) {
                best_rank = rank;
                short_reqs.clear();
            }
            if (rank == best_rank) {
                short_reqs.push_back(r);
            }
        }
        return short_reqs;
    }

    /// The calls outside their preferred windows (or fixed time) that could be inside.
    [[nodiscard]] std::vector<int> soft_calls() const {
        std::vector<int> soft;
        for (int id = 0; id < static_cast<int>(m_st.m_calls.size()); ++id) {
            const auto& c = at(m_st.m_calls, id);
            if (c.alive && c.pin < 0) {
                const auto& q = at(m_p.reqs, c.req);
                const auto& cd = at(q.cands, c.cand);
                if ((q.has_preferred && !cd.preferred) || (q.has_fixed && !cd.fixed)) {
                    soft.push_back(id);
                }
            }
        }
        return soft;
    }

    /// The request and start to make room for: an unmet request at any of its starts, or a soft
    /// call taken out to go back at a better start; false when that call has none.
    bool choose_target(const std::vector<int>& short_reqs, const std::vector<int>& soft, int* r,
                       int* ci) {
        if (!short_reqs.empty() && (soft.empty() || m_rng() % k_soft_odds != 0)) {
            *r = short_reqs[static_cast<std::size_t>(pick(short_reqs.size()))];
            *ci = pick(at(m_p.reqs, *r).cands.size());
            return true;
        }
        int id = soft[static_cast<std::size_t>(pick(soft.size()))];
        *r = at(m_st.m_calls, id).req;
        m_st.remove(id);
        const auto& q = at(m_p.reqs, *r);
        std::vector<int> better;
        for (int k = 0; k < static_cast<int>(q.cands.size()); ++k) {
            const auto& cd = at(q.cands, k);
            if ((!q.has_preferred || cd.preferred) && (!q.has_fixed || cd.fixed)) {
                better.push_back(k);
            }
        }
        if (better.empty()) {
            return false;
        }
        *ci = better[static_cast<std::size_t>(pick(better.size()))];
        return true;
    }

    /// A helper on shift for [s, e), picked at random (-1 when none is needed or on shift).
    int pick_helper(const Req& q, Min s, Min e) {
        if (!q.needs_help || q.helpers.empty()) {
            return -1;
        }
        std::vector<int> on_shift;
        for (const auto& h : q.helpers) {
            if (covered(at(m_p.shift_sets, h.shifts), s, e)) {
                on_shift.push_back(h.staff);
            }
        }
        if (on_shift.empty()) {
            return -1;
        }
        return on_shift[static_cast<std::size_t>(pick(on_shift.size()))];
    }

    /// Removes the calls in the way of request r at start cd on device d with the helper: those
    /// on the device within its cleaning and moving gaps, those of the resident, the helper or a
    /// contact at that time, and the request's own that day when it is at its daily limit.
    void clear_room(int r, const Cand& cd, int d, int helper) {
        const auto& q = at(m_p.reqs, r);
        const auto& dev = at(m_p.devices, d);
        const Min s = cd.start;
        const Min e = s + q.duration;
        const Min big = dev.cleaning + dev.move;
        const auto& contacts = q.contacts;
        remove_if([&](const Call& c) {
            bool overlap = c.start < e && s < c.end;
            if (c.device == d && c.start < e + big && s < c.end + big) {
                return true;
            }
            if (!overlap) {
                // Free the request's own day when it is at its daily limit.
                return c.req == r && q.max_per_day > 0 && c.day == cd.day &&
                       m_st.req_day(r, cd.day) >= q.max_per_day;
            }
            if (c.resident == q.resident || (helper >= 0 && c.staff == helper)) {
                return true;
            }
            const auto& cc = m_st.contacts_of(c);
            return std::any_of(cc.begin(), cc.end(), [&](int k) {
                return std::find(contacts.begin(), contacts.end(), k) != contacts.end();
            });
        });
    }
};

#ifdef CARECALL_WITH_CBC
/// The time-indexed integer programme of a part: one binary per (request, start, device, helper)
/// that the windows and the pinned calls allow; at most one call per resident, contact and helper
/// at each start time, and per device at each start time counting the cleaning gap, with the
/// moving gap between wards as extra pairs; the counts per request, day and resident. Solved level
/// by level of the score (each level's optimum is kept as a constraint for the next).
class Exact {
public:
    Exact(const Part& p, State& st) : m_p(p), m_st(st) {}

    void run(Clock::time_point deadline, PartOutcome* out) {
        State base(m_p, true); // the pinned calls alone
        variables(base);
        rows(base);
        std::vector<double> best = heuristic_start();
        const std::vector<Level> levels = score_levels(base);
        out->exact = true;
        out->proven = true;
        out->bound.assign(static_cast<std::size_t>(m_p.classes), {0, 0});
        const Asked asked = what_was_asked();
        bool reached = true;
        for (std::size_t k = 0; k < levels.size(); ++k) {
            const int value = level_value(levels, k, deadline, best, &reached, out);
            record_bound(levels[k], value, asked, out);
        }
        apply(best);
    }

private:
    struct Var {
        int r = 0, ci = 0, d = 0, h = -1;
        Min s = 0, e = 0;
        int day = 0;
        bool preferred = false;
    };
    struct Row {
        std::vector<std::pair<int, double>> expr;
        char sense = 'L';
        double rhs = 0;
    };
    /// One level of the score: per class residents served, calls; then preferred calls.
    struct Level {
        std::vector<std::pair<int, double>> expr;
        int constant = 0;
        int cls = -1;
        bool served = false;
    };
    /// What was asked, per class and in all: the bound of the levels not reached.
    struct Asked {
        std::vector<std::set<int>> asking; ///< per class: the residents asking
        std::vector<int> calls;            ///< per class: the calls asked
        int total = 0;
    };
    /// The variables the MIP is built over, grouped by what they share.
    struct Groups {
        std::map<int, std::vector<int>> by_req, by_res, by_staff, by_dev;
        std::map<int, std::vector<int>> by_contact;
        std::map<std::pair<int, int>, std::vector<int>> req_day, res_day;
    };
    const Part& m_p;
    State& m_st;
    std::vector<Var> m_vars;
    int m_nvars = 0;
    int m_ncols = 0;
    std::map<std::tuple<int, int, int, int>, int> m_index;
    std::map<std::pair<int, int>, int> m_y; ///< (resident, class) -> column
    std::vector<Row> m_rows;
    std::vector<Row> m_extra;

    /// Below this many seconds left a level is not handed to CBC at all (it could not load the
    /// model in that time): the level counts as not reached, bounded by what was asked.
    static constexpr double k_min_solve_seconds = 0.01;
    /// CBC's best bound is a double a rounding error away from the integer it stands for
    /// (4.9999999 for 5): this much is added before flooring it.
    static constexpr double k_bound_tolerance = 1e-6;

    /// The heuristic's rota as the first start.
    [[nodiscard]] std::vector<double> heuristic_start() const {
        std::vector<double> start(static_cast<std::size_t>(m_ncols), 0.0);
        for (const auto& c : m_st.m_calls) {
            if (c.alive && c.pin < 0) {
                auto it = m_index.find(std::tuple(c.req, c.cand, c.device, c.staff));
                if (it != m_index.end()) {
                    start[static_cast<std::size_t>(it->second)] = 1.0;
                }
            }
        }
        for (const auto& [key, col] : m_y) {
            start[static_cast<std::size_t>(col)] = m_st.served(key.first, key.second) ? 1.0 : 0.0;
        }
        return start;
    }

    /// Levels: per class residents served, calls; then preferred.
    [[nodiscard]] std::vector<Level> score_levels(const State& base) const {
        std::vector<Level> levels;
        for (int c = 0; c < m_p.classes; ++c) {
            Level served;
            served.cls = c;
            served.served = true;
            served.constant = at(base.m_cls_served, c);
            for (const auto& [key, col] : m_y) {
                if (key.second == c) {
                    served.expr.emplace_back(col, 1.0);
                }
            }
            Level calls;
            calls.cls = c;
            calls.constant = at(base.m_cls_calls, c);
            for (int v = 0; v < m_nvars; ++v) {
                if (at(m_p.reqs, at(m_vars, v).r).cls == c) {
                    calls.expr.emplace_back(v, 1.0);
                }
            }
            levels.push_back(std::move(served));
            levels.push_back(std::move(calls));
        }
        Level pref;
        for (int v = 0; v < m_nvars; ++v) {
            if (at(m_vars, v).preferred) {
                pref.expr.emplace_back(v, 1.0);
            }
        }
        levels.push_back(std::move(pref));
        return levels;
    }

    [[nodiscard]] Asked what_was_asked() const {
        Asked a;
        a.asking.resize(static_cast<std::size_t>(m_p.classes));
        a.calls.assign(static_cast<std::size_t>(m_p.classes), 0);
        for (const auto& q : m_p.reqs) {
            a.asking[static_cast<std::size_t>(q.cls)].insert(q.resident);
            a.calls[static_cast<std::size_t>(q.cls)] += q.calls;
            a.total += q.calls;
        }
        return a;
    }

    /// Solves level k (while the levels before it were proven) and keeps its optimum as a row
    /// for the next; the value it reached, or its bound, or int max when not reached at all.
    int level_value(const std::vector<Level>& levels, std::size_t k, Clock::time_point deadline,
                    std::vector<double>& best, bool* reached, PartOutcome* out) {
        const auto& lv = levels[k];
        if (!*reached) {
            return std::numeric_limits<int>::max();
        }
        if (lv.expr.empty()) {
            return 0; // nothing to choose at this level (no variables)
        }
        double remaining = std::chrono::duration<double>(deadline - Clock::now()).count();
        bool proven = false;
        double bound = 0;
        if (remaining > k_min_solve_seconds) {
            std::vector<const std::vector<std::pair<int, double>>*> rest;
            for (auto j = k; j < levels.size(); ++j) {
                rest.push_back(&levels[j].expr);
            }
            solve(rest, remaining, best, &proven, &bound);
        }
        double found = 0;
        for (const auto& [col, coef] : lv.expr) {
            found += coef * best[static_cast<std::size_t>(col)];
        }
        if (proven) {
            const int value = static_cast<int>(std::lround(found));
            m_extra.push_back(Row{lv.expr, 'G', static_cast<double>(value)});
            return value;
        }
        *reached = false;
        out->proven = false;
        return remaining > k_min_solve_seconds
                   ? static_cast<int>(std::floor(bound + k_bound_tolerance))
                   : std::numeric_limits<int>::max();
    }

    /// The level's value as the bound of its class (or of the preferred calls), at most what
    /// was asked.
    static void record_bound(const Level& lv, int value, const Asked& asked, PartOutcome* out) {
        const bool unknown = value == std::numeric_limits<int>::max();
        if (lv.cls < 0) {
            out->bound_preferred = unknown ? asked.total : std::min(asked.total, value);
            return;
        }
        const auto cls = static_cast<std::size_t>(lv.cls);
        auto& b = out->bound[cls];
        int cap = lv.served ? static_cast<int>(asked.asking[cls].size()) : asked.calls[cls];
        int total = unknown ? cap : std::min(cap, value + lv.constant);
        (lv.served ? b.first : b.second) = total;
    }

    void variables(const State& base) {
        for (int r = 0; r < static_cast<int>(m_p.reqs.size()); ++r) {
            const auto& q = at(m_p.reqs, r);
            for (int ci = 0; ci < static_cast<int>(q.cands.size()); ++ci) {
                const auto& c = at(q.cands, ci);
                const Min e = c.start + q.duration;
                if (at(base.m_res, q.resident).overlaps(c.start, e) ||
                    std::any_of(q.contacts.begin(), q.contacts.end(),
                                [&](int k) { return at(base.m_con, k).overlaps(c.start, e); })) {
                    continue;
                }
                std::vector<int> helpers;
                if (q.needs_help) {
                    for (const auto& h : q.helpers) {
                        if (covered(at(m_p.shift_sets, h.shifts), c.start, e) &&
                            !at(base.m_stf, h.staff).overlaps(c.start, e)) {
                            helpers.push_back(h.staff);
                        }
                    }
                } else {
                    helpers.push_back(-1);
                }
                for (int d : q.devices) {
                    if (!base.device_ok(d, c.start, e, q.ward, nullptr, nullptr)) {
                        continue;
                    }
                    for (int h : helpers) {
                        m_index[std::tuple(r, ci, d, h)] = static_cast<int>(m_vars.size());
                        m_vars.push_back(Var{r, ci, d, h, c.start, e, c.day, c.preferred});
                    }
                }
            }
        }
        m_nvars = static_cast<int>(m_vars.size());
        m_ncols = m_nvars;
        for (const auto& v : m_vars) {
            const auto& q = at(m_p.reqs, v.r);
            auto key = std::pair(q.resident, q.cls);
            if (!base.served(q.resident, q.cls) && m_y.count(key) == 0) {
                m_y[key] = m_ncols++;
            }
        }
    }

    /// At most one of `group` covering each start time t (s <= t < e + pad).
    void cliques(const std::vector<int>& group, int pad) {
        std::vector<Min> starts;
        for (int v : group) {
            starts.push_back(at(m_vars, v).s);
        }
        std::sort(starts.begin(), starts.end());
        starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
        for (Min t : starts) {
            Row row;
            for (int v : group) {
                const auto& x = at(m_vars, v);
                if (x.s <= t && t < x.e + pad) {
                    row.expr.emplace_back(v, 1.0);
                }
            }
            if (row.expr.size() > 1) {
                row.rhs = 1;
                m_rows.push_back(std::move(row));
            }
        }
    }

    void rows(const State& base) {
        const Groups g = groups();
        capacity_rows(base, g);
        for (const auto& [k, vs] : g.by_res) {
            cliques(vs, 0);
        }
        for (const auto& [k, vs] : g.by_contact) {
            cliques(vs, 0);
        }
        for (const auto& [k, vs] : g.by_staff) {
            cliques(vs, 0);
        }
        for (const auto& [d, vs] : g.by_dev) {
            const auto& dev = at(m_p.devices, d);
            cliques(vs, dev.cleaning);
            if (dev.move > 0) {
                moving_rows(vs, dev);
            }
        }
        served_rows();
    }

    [[nodiscard]] Groups groups() const {
        Groups g;
        for (int v = 0; v < m_nvars; ++v) {
            const auto& x = at(m_vars, v);
            const auto& q = at(m_p.reqs, x.r);
            g.by_req[x.r].push_back(v);
            g.by_res[q.resident].push_back(v);
            for (int k : q.contacts) {
                g.by_contact[k].push_back(v);
            }
            if (x.h >= 0) {
                g.by_staff[x.h].push_back(v);
            }
            g.by_dev[x.d].push_back(v);
            g.req_day[{x.r, x.day}].push_back(v);
            g.res_day[{q.resident, x.day}].push_back(v);
        }
        return g;
    }

    /// The calls still to place per request, and per request and resident a day.
    void capacity_rows(const State& base, const Groups& g) {
        auto cap = [&](const std::vector<int>& vs, int rhs) {
            Row row;
            for (int v : vs) {
                row.expr.emplace_back(v, 1.0);
            }
            row.rhs = std::max(0, rhs);
            m_rows.push_back(std::move(row));
        };
        for (const auto& [r, vs] : g.by_req) {
            cap(vs, at(m_p.reqs, r).calls - at(base.m_placed, r));
        }
        for (const auto& [key, vs] : g.req_day) {
            const auto& q = at(m_p.reqs, key.first);
            if (q.max_per_day > 0) {
                cap(vs, q.max_per_day - base.req_day(key.first, key.second));
            }
        }
        for (const auto& [r, vs] : g.by_req) { // request.per_week: every 7 dates in a row
            const auto& q = at(m_p.reqs, r);
            for (int w = -6; q.per_week > 0 && w < m_p.days; ++w) {
                std::vector<int> in;
                int have = 0;
                for (int d = w; d < w + 7; ++d) {
                    have += q.week_elsewhere[static_cast<std::size_t>(d + 6)] +
                            (d >= 0 && d < m_p.days ? base.req_day(r, d) : 0);
                }
                for (int v : vs) {
                    if (at(m_vars, v).day >= w && at(m_vars, v).day < w + 7) {
                        in.push_back(v);
                    }
                }
                if (!in.empty()) {
                    cap(in, q.per_week - have);
                }
            }
        }
        for (const auto& [key, vs] : g.res_day) {
            const auto& ri = at(m_p.residents, key.first);
            if (ri.max_per_day > 0) {
                cap(vs, ri.max_per_day - base.res_day(key.first, key.second));
            }
        }
    }

    /// A call of another ward starting within the moving gap after u.
    void moving_rows(const std::vector<int>& vs, const DeviceInfo& dev) {
        std::map<Min, std::vector<int>> at_start;
        for (int v : vs) {
            at_start[at(m_vars, v).s].push_back(v);
        }
        for (int u : vs) {
            const auto& xu = at(m_vars, u);
            const std::int64_t wu = at(m_p.reqs, xu.r).ward;
            const Min from = xu.e + dev.cleaning;
            for (auto it = at_start.lower_bound(from);
                 it != at_start.end() && it->first < from + dev.move; ++it) {
                Row row;
                row.expr.emplace_back(u, 1.0);
                for (int v : it->second) {
                    if (at(m_p.reqs, at(m_vars, v).r).ward != wu) {
                        row.expr.emplace_back(v, 1.0);
                    }
                }
                if (row.expr.size() > 1) {
                    row.rhs = 1;
                    m_rows.push_back(std::move(row));
                }
            }
        }
    }

    /// y(resident, class) <= its calls of the class.
    void served_rows() {
        std::map<std::pair<int, int>, std::vector<int>> res_cls;
        for (int v = 0; v < m_nvars; ++v) {
            const auto& q = at(m_p.reqs, at(m_vars, v).r);
            res_cls[{q.resident, q.cls}].push_back(v);
        }
        for (const auto& [key, col] : m_y) {
            Row row;
            row.expr.emplace_back(col, 1.0);
            for (int v : res_cls[key]) {
                row.expr.emplace_back(v, -1.0);
            }
            row.rhs = 0;
            m_rows.push_back(std::move(row));
        }
    }

    /// Maximises the first of `levels`; the solution found replaces `solution` when it is
    /// lexicographically no worse over all of `levels` (so the heuristic's lower levels are kept
    /// when the time runs out before they are reached).
    void solve(const std::vector<const std::vector<std::pair<int, double>>*>& levels,
               double seconds, std::vector<double>& solution, bool* proven, double* bound) {
        const auto& objective = *levels.front();
        Cbc_Model* m = Cbc_newModel();
        Cbc_setLogLevel(m, 0);
        std::vector<double> obj(static_cast<std::size_t>(m_ncols), 0.0);
        for (const auto& [col, coef] : objective) {
            obj[static_cast<std::size_t>(col)] = coef;
        }
        for (int c = 0; c < m_ncols; ++c) {
            Cbc_addCol(m, "", 0.0, 1.0, obj[static_cast<std::size_t>(c)], 1, 0, nullptr, nullptr);
        }
        auto add = [&](const Row& row) {
            std::vector<int> cols;
            std::vector<double> coefs;
            for (const auto& [col, coef] : row.expr) {
                cols.push_back(col);
                coefs.push_back(coef);
            }
            Cbc_addRow(m, "", static_cast<int>(cols.size()), cols.data(), coefs.data(), row.sense,
                       row.rhs);
        };
        for (const auto& row : m_rows) {
            add(row);
        }
        for (const auto& row : m_extra) {
            add(row);
        }
        Cbc_setObjSense(m, -1.0);
        Cbc_setMaximumSeconds(m, seconds);
        Cbc_setParameter(m, "threads", "1");
        std::vector<int> idx(static_cast<std::size_t>(m_ncols));
        std::iota(idx.begin(), idx.end(), 0);
        Cbc_setMIPStartI(m, m_ncols, idx.data(), solution.data());
        Cbc_solve(m);
        *proven = Cbc_isProvenOptimal(m) != 0;
        *bound = Cbc_getBestPossibleObjValue(m);
        // The best integer solution found (not the last relaxation), kept only when it keeps
        // every row and is no worse on this level than the one we had.
        const double* x = Cbc_bestSolution(m);
        if (x != nullptr && feasible(x)) {
            std::vector<long> old_value;
            std::vector<long> new_value;
            for (const auto* lv : levels) {
                double o = 0;
                double n = 0;
                for (const auto& [col, coef] : *lv) {
                    o += coef * solution[static_cast<std::size_t>(col)];
                    n += coef * (x[col] > 0.5 ? 1.0 : 0.0);
                }
                old_value.push_back(std::lround(o));
                new_value.push_back(std::lround(n));
            }
            if (new_value >= old_value) {
                for (int c = 0; c < m_ncols; ++c) {
                    solution[static_cast<std::size_t>(c)] = x[c] > 0.5 ? 1.0 : 0.0;
                }
            }
        }
        Cbc_deleteModel(m);
    }

    [[nodiscard]] bool feasible(const double* x) const {
        auto keeps = [&](const Row& row) {
            double lhs = 0;
            for (const auto& [col, coef] : row.expr) {
                lhs += coef * (x[col] > 0.5 ? 1.0 : 0.0);
            }
            return row.sense == 'G' ? lhs >= row.rhs - 1e-6 : lhs <= row.rhs + 1e-6;
        };
        return std::all_of(m_rows.begin(), m_rows.end(), keeps) &&
               std::all_of(m_extra.begin(), m_extra.end(), keeps);
    }

    /// The MIP's rota replaces the heuristic's (it is at least as good on every level it solved).
    void apply(const std::vector<double>& x) {
        m_st.mark();
        for (int id = 0; id < static_cast<int>(m_st.m_calls.size()); ++id) {
            const auto& c = at(m_st.m_calls, id);
            if (c.alive && c.pin < 0) {
                m_st.remove(id);
            }
        }
        for (int v = 0; v < m_nvars; ++v) {
            if (x[static_cast<std::size_t>(v)] > 0.5) {
                const auto& xv = at(m_vars, v);
                m_st.add(xv.r, xv.ci, xv.d, xv.h);
            }
        }
        m_st.settle(true);
    }
};
#endif

/// A World of the part's records, for check_call.
World world_of(const Scenario& s, const Part& p) {
    World w;
    std::vector<bool> ward_in(s.wards.size() + 1, false);
    for (auto si : p.sites) {
        w.add(s.sites[si]);
    }
    for (const auto& ward : s.wards) {
        if (std::find(p.sites.begin(), p.sites.end(),
                      static_cast<std::size_t>(ward.site.value - 1)) != p.sites.end()) {
            w.add(ward);
            ward_in[static_cast<std::size_t>(ward.id.value)] = true;
        }
    }
    for (const auto& ri : p.residents) {
        w.add(s.residents.at(static_cast<std::size_t>(ri.id.value - 1)));
    }
    for (auto c : p.contact_ids) {
        w.add(s.contacts.at(static_cast<std::size_t>(c.value - 1)));
    }
    for (const auto& d : p.devices) {
        w.add(s.devices.at(static_cast<std::size_t>(d.id.value - 1)));
    }
    for (auto st : p.staff) {
        w.add(s.staff.at(static_cast<std::size_t>(st.value - 1)));
    }
    std::map<std::pair<std::int64_t, std::int64_t>, Approval> links;
    for (const auto& a : s.approvals) {
        links[{a.resident.value, a.contact.value}] = a;
    }
    // Without a complete list, every pair a request names is approved besides.
    for (const auto& q : p.reqs) {
        const auto& rq = s.requests[q.index];
        for (auto c : rq.contacts) {
            if (!s.approvals_complete) {
                auto& a = links[{rq.resident.value, c.value}];
                a.resident = rq.resident;
                a.contact = c;
                a.approved = true;
            }
        }
    }
    for (const auto& [key, a] : links) {
        if (w.resident(a.resident) != nullptr) {
            w.add(a);
        }
    }
    return w;
}

std::string day_list(const Scenario& s, const std::vector<int>& per_day) {
    static constexpr std::array<const char*, 7> k_days{"Mon", "Tue", "Wed", "Thu",
                                                       "Fri", "Sat", "Sun"};
    std::string out;
    int n = 0;
    for (std::size_t d = 0; d < per_day.size(); ++d) {
        if (per_day[d] == 0) {
            continue;
        }
        ++n;
        auto date = Date{date::sys_days{s.horizon.start} + date::days{static_cast<int>(d)}};
        out +=
            fmt::format("{}{} {}", out.empty() ? "" : ", ",
                        k_days[static_cast<std::size_t>(weekday_index(date))], format_date(date));
    }
    if (n == static_cast<int>(per_day.size()) && n > 1) {
        return "every day";
    }
    return out;
}

class Finisher {
public:
    Finisher(const Scenario& s, const ScheduleOptions& o, const Part& p, Search& search)
        : m_s(s), m_o(o), m_p(p), m_search(search), m_st(search.state()) {}

    Instant instant(Min t) const {
        return Instant{date::sys_days{m_s.horizon.start} - date::days{2}} + std::chrono::minutes{t};
    }

    Booking booking(int id) const {
        const auto& c = at(m_st.m_calls, id);
        Booking b;
        b.id = BookingId(id + 1);
        if (c.pin >= 0) {
            b = m_o.pinned[at(m_p.pinned, c.pin).booking];
            b.id = BookingId(id + 1);
            return b;
        }
        const auto& q = at(m_p.reqs, c.req);
        const auto& rq = m_s.requests[q.index];
        b.code = rq.code;
        b.resident = rq.resident;
        b.contacts = rq.contacts;
        b.device = at(m_p.devices, c.device).id;
        if (c.staff >= 0) {
            b.staff = at(m_p.staff, c.staff);
        }
        b.start = instant(c.start);
        b.end = instant(c.end);
        b.priority = rq.priority;
        b.request = rq.id;
        return b;
    }

    /// check_call on every call against a World holding all the others; a call it refuses is
    /// dropped and the greedy fills again (three rounds at most). Returns the calls refused.
    int verify() {
        int rejected = 0;
        std::vector<bool> checked(m_st.m_calls.size(), false);
        for (int round = 0; round < 3; ++round) {
            World w = world_of(m_s, m_p);
            std::vector<int> alive;
            for (int id = 0; id < static_cast<int>(m_st.m_calls.size()); ++id) {
                if (at(m_st.m_calls, id).alive) {
                    w.add(booking(id));
                    alive.push_back(id);
                }
            }
            checked.resize(m_st.m_calls.size(), false);
            std::vector<int> bad;
            for (int id : alive) {
                const auto& c = at(m_st.m_calls, id);
                if (c.pin >= 0 || checked[static_cast<std::size_t>(id)]) {
                    continue;
                }
                auto b = booking(id);
                auto plan = plan_of(b);
                plan.ignoring = {b.id};
                if (!check_call(w, plan, true).empty()) {
                    bad.push_back(id);
                }
                checked[static_cast<std::size_t>(id)] = true;
            }
            if (bad.empty()) {
                break;
            }
            rejected += static_cast<int>(bad.size());
            for (int id : bad) {
                m_st.remove(id);
            }
            m_search.fill(false);
            checked.resize(m_st.m_calls.size(), false);
            for (int id = 0; id < static_cast<int>(m_st.m_calls.size()); ++id) {
                if (!at(m_st.m_calls, id).alive) {
                    checked[static_cast<std::size_t>(id)] = false; // recycled ids: check again
                }
            }
            if (round == 2) {
                // Last round: drop whatever the refill added rather than keep an unchecked call.
                for (int id = 0; id < static_cast<int>(m_st.m_calls.size()); ++id) {
                    if (at(m_st.m_calls, id).alive && at(m_st.m_calls, id).pin < 0 &&
                        !checked[static_cast<std::size_t>(id)]) {
                        m_st.remove(id);
                    }
                }
            }
        }
        return rejected;
    }

    /// At most this many reasons per unmet request: a screen line each, the most frequent first;
    /// past five they rarely add what the first ones did not say.
    static constexpr std::size_t k_max_reasons = 5;

    std::vector<std::string> reasons(int r, bool cut) const {
        const auto& q = at(m_p.reqs, r);
        const Tallies t = tally_starts(r);
        std::vector<std::string> out;
        if (cut && !t.empty()) { // only when other calls were in the way
            out.emplace_back(rule_name(Rule::search_time_limit) +
                             ": the time limit stopped the search before this request was met");
        }
        const Tallies* const maps[] = {&t, &q.static_reasons};
        for (const auto* m : maps) {
            add_ranked(*m, q, &out);
        }
        if (out.empty()) {
            out.emplace_back("no start was found");
        }
        return out;
    }

private:
    /// What ruled out one start: the rule and an example message.
    struct Blocker {
        Rule rule;
        std::string example;
    };

    /// Per rule, the starts of request r it rules out against the other calls.
    [[nodiscard]] Tallies tally_starts(int r) const {
        const auto& q = at(m_p.reqs, r);
        const int days = m_p.days;
        Tallies t;
        const auto& rq = m_s.requests[q.index];
        const auto& res = m_s.residents.at(static_cast<std::size_t>(rq.resident.value - 1));
        auto rname = display_name(res);
        for (const auto& c : q.cands) {
            auto [rule, example] = blocker(r, c, rname);
            auto& x = t[rule];
            if (x.count == 0) {
                x.example = example;
                x.per_day.assign(static_cast<std::size_t>(days), 0);
            }
            ++x.count;
            ++x.per_day[static_cast<std::size_t>(c.day)];
        }
        return t;
    }

    /// The first rule that rules out start c of request r, in the order the search checks them
    /// ("search.free_start" when none does).
    [[nodiscard]] Blocker blocker(int r, const Cand& c, const std::string& rname) const {
        const auto& q = at(m_p.reqs, r);
        const auto& rq = m_s.requests[q.index];
        if (q.max_per_day > 0 && m_st.req_day(r, c.day) >= q.max_per_day) {
            return {Rule::request_max_per_day,
                    fmt::format("request {} already has {} call(s) that day (at most {})", rq.code,
                                m_st.req_day(r, c.day), q.max_per_day)};
        }
        if (!m_st.week_room(r, c.day)) {
            return {Rule::request_per_week,
                    fmt::format("request {} has its {} call(s) of 7 days around that day", rq.code,
                                q.per_week)};
        }
        if (auto b = help_blocker(q, c, rname)) {
            return std::move(*b);
        }
        if (auto b = device_blocker(q, c)) {
            return std::move(*b);
        }
        if (auto b = people_blocker(q, c, rname)) {
            return std::move(*b);
        }
        return {Rule::search_free_start, "a start was free but not taken"};
    }

    /// No helper on shift, or every one on shift busy.
    [[nodiscard]] std::optional<Blocker> help_blocker(const Req& q, const Cand& c,
                                                      const std::string& rname) const {
        if (!q.needs_help) {
            return std::nullopt;
        }
        const Min e = c.start + q.duration;
        bool on_shift = false;
        bool free = false;
        for (const auto& h : q.helpers) {
            if (covered(at(m_p.shift_sets, h.shifts), c.start, e)) {
                on_shift = true;
                free = free || !at(m_st.m_stf, h.staff).overlaps(c.start, e);
            }
        }
        if (!on_shift) {
            return Blocker{Rule::help_shift, fmt::format("no helper for {} is on shift", rname)};
        }
        if (!free) {
            return Blocker{Rule::help_busy,
                           fmt::format("every helper on shift is helping another call")};
        }
        return std::nullopt;
    }

    /// Every device of the ward out of service, or every one in service busy.
    [[nodiscard]] std::optional<Blocker> device_blocker(const Req& q, const Cand& c) const {
        const Min e = c.start + q.duration;
        bool in_service = false;
        bool device_free = false;
        for (int d : q.devices) {
            if (!overlaps_any(at(m_p.devices, d).out_of_service, c.start, e)) {
                in_service = true;
                device_free =
                    device_free || m_st.device_ok(d, c.start, e, q.ward, nullptr, nullptr);
            }
        }
        if (!in_service) {
            return Blocker{Rule::device_out_of_service,
                           "every device of the ward is out of service"};
        }
        if (!device_free) {
            return Blocker{Rule::device_busy,
                           "no device free (in a call, being cleaned or being moved)"};
        }
        return std::nullopt;
    }

    /// The resident at their daily limit or in another call, or a contact in another call.
    [[nodiscard]] std::optional<Blocker> people_blocker(const Req& q, const Cand& c,
                                                        const std::string& rname) const {
        const Min e = c.start + q.duration;
        const auto& ri = at(m_p.residents, q.resident);
        if (ri.max_per_day > 0 && m_st.res_day(q.resident, c.day) >= ri.max_per_day) {
            return Blocker{Rule::resident_calls_per_day,
                           fmt::format("{} already has {} call(s) that day (at most {})", rname,
                                       m_st.res_day(q.resident, c.day), ri.max_per_day)};
        }
        if (at(m_st.m_res, q.resident).overlaps(c.start, e)) {
            return Blocker{Rule::resident_busy, fmt::format("{} is in another call", rname)};
        }
        for (int k : q.contacts) {
            if (at(m_st.m_con, k).overlaps(c.start, e)) {
                const auto& ct =
                    m_s.contacts.at(static_cast<std::size_t>(at(m_p.contact_ids, k).value - 1));
                return Blocker{Rule::contact_busy,
                               fmt::format("{} is in another call", display_name(ct))};
            }
        }
        return std::nullopt;
    }

    /// The rules of `m`, most frequent first (ties by name), one line each, while out has fewer
    /// than k_max_reasons.
    void add_ranked(const Tallies& m, const Req& q, std::vector<std::string>* out) const {
        std::vector<std::pair<std::string, Tally>> list;
        for (const auto& [rule, x] : m) {
            list.emplace_back(rule_name(rule), x);
        }
        std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
            return a.second.count != b.second.count ? a.second.count > b.second.count
                                                    : a.first < b.first;
        });
        for (const auto& [rule, x] : list) {
            if (out->size() == k_max_reasons) {
                break;
            }
            auto days_text = day_list(m_s, x.per_day);
            out->push_back(fmt::format("{}: {} ({} of {} starts{}{})", rule, x.example, x.count,
                                       q.total_starts, days_text.empty() ? "" : "; ", days_text));
        }
    }

    const Scenario& m_s;
    const ScheduleOptions& m_o;
    const Part& m_p;
    Search& m_search;
    State& m_st;
};

std::vector<std::pair<int, int>> served_calls(const State& st) {
    std::vector<std::pair<int, int>> out;
    for (std::size_t c = 0; c < st.m_cls_served.size(); ++c) {
        out.emplace_back(st.m_cls_served[c], st.m_cls_calls[c]);
    }
    return out;
}

} // namespace

PartOutcome solve_part(const Scenario& s, const ScheduleOptions& o, const Part& p,
                       std::uint64_t seed, const SearchLimits& limits) {
    PartOutcome out;
    long budget = limits.iterations;
    if (budget < 0) {
        budget = std::min<long>(20000, 200 + 40 * static_cast<long>(p.reqs.size()));
    }
    Search search(p, true, seed);
    search.fill(false);
    // The volume-first run (price of fairness) gets the last fifth of the part's time.
    SearchLimits fair = limits;
    if (o.price_of_fairness && !o.exact) {
        fair.deadline = Clock::now() + (limits.deadline - Clock::now()) * 4 / 5;
    }
    search.improve(fair, budget, &out.cut, &out.iterations);
    if (o.exact) {
#ifdef CARECALL_WITH_CBC
        Exact(p, search.state()).run(limits.deadline, &out);
#else
        throw std::runtime_error("the exact mode needs a build with CARECALL_WITH_CBC=ON");
#endif
    }
    Finisher fin(s, o, p, search);
    out.rejected = fin.verify();
    auto& st = search.state();
    for (const auto& c : st.m_calls) {
        if (c.alive) {
            out.calls.push_back(c);
        }
    }
    out.served_calls = served_calls(st);
    out.moves = static_cast<int>(st.m_moves);
    for (int r = 0; r < static_cast<int>(p.reqs.size()); ++r) {
        const auto& q = at(p.reqs, r);
        if (at(st.m_placed, r) < q.calls) {
            out.unscheduled.push_back(
                Unscheduled{q.id, q.calls - at(st.m_placed, r), fin.reasons(r, out.cut)});
        }
    }
    if (o.price_of_fairness) {
        // Volume first, starting from the fair rota (so it never reports fewer calls).
        Search volume(p, false, seed ^ 0x9e3779b97f4a7c15ULL);
        for (const auto& c : st.m_calls) {
            if (c.alive && c.pin < 0) {
                volume.state().add(c.req, c.cand, c.device, c.staff);
            }
        }
        volume.fill(false);
        bool cut = false;
        long its = 0;
        volume.improve(limits, budget / 4, &cut, &its);
        out.iterations += its;
        out.price.computed = true;
        for (const auto& [served, calls] : served_calls(st)) {
            out.price.residents_served += served;
            out.price.calls += calls;
        }
        for (const auto& [served, calls] : served_calls(volume.state())) {
            out.price.volume_residents_served += served;
            out.price.volume_calls += calls;
        }
    }
    return out;
}

/// The rules the search keeps against the other calls (State's timelines and day counts), each
/// tallied by reasons() when it blocks an unmet request.
std::vector<std::pair<Rule, SchedulerForm>> kept_rules() {
    auto out = build_kept_rules();
    for (auto rule : {Rule::request_max_per_day, Rule::request_per_week, Rule::help_shift,
                      Rule::help_busy, Rule::device_out_of_service, Rule::device_busy,
                      Rule::device_cleaning, Rule::resident_calls_per_day, Rule::resident_busy,
                      Rule::contact_busy, Rule::search_free_start, Rule::search_time_limit}) {
        out.emplace_back(rule, SchedulerForm::search);
    }
    return out;
}

} // namespace carecall::sched
