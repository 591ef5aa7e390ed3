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
#include <tuple>

#include <fmt/format.h>

#include "carecall/rules.hpp"
#include "schedule/part.hpp"

namespace carecall::sched {

std::size_t Timeline::lower(Min t) const {
    return static_cast<std::size_t>(
        std::lower_bound(v.begin(), v.end(), t, [](const Iv &iv, Min x) { return iv.s < x; }) -
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

std::size_t Timeline::insert(const Iv &iv) {
    auto it = std::upper_bound(v.begin(), v.end(), iv.s,
                               [](Min x, const Iv &b) { return x < b.s; });
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

template <class T> T &at(std::vector<T> &v, int i) { return v[static_cast<std::size_t>(i)]; }
template <class T> const T &at(const std::vector<T> &v, int i) {
    return v[static_cast<std::size_t>(i)];
}

class State {
public:
    State(const Part &p, bool fair) : m_p(p), m_fair(fair) {
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
        for (int k = 0; k < static_cast<int>(p.pinned.size()); ++k) {
            const auto &pc = at(p.pinned, k);
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

    const Part &m_p;
    bool m_fair;
    std::vector<Call> m_calls;
    std::vector<int> m_free;
    std::vector<Timeline> m_dev, m_res, m_con, m_stf;
    std::vector<int> m_placed, m_req_day, m_res_day, m_res_cls, m_cls_served, m_cls_calls;
    std::vector<std::int64_t> m_cls_wait; ///< per class: wait weights of the residents served
    std::int64_t m_preferred = 0, m_fixed = 0, m_moves = 0;
    std::vector<std::pair<bool, int>> m_log; ///< (added, call) since the last mark
    bool m_logging = false;

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
        return k;
    }

    [[nodiscard]] int &req_day(int r, int day) {
        return m_req_day[static_cast<std::size_t>(r) * static_cast<std::size_t>(m_p.days) +
                         static_cast<std::size_t>(day)];
    }
    [[nodiscard]] int req_day(int r, int day) const {
        return m_req_day[static_cast<std::size_t>(r) * static_cast<std::size_t>(m_p.days) +
                         static_cast<std::size_t>(day)];
    }
    [[nodiscard]] int &res_day(int r, int day) {
        return m_res_day[static_cast<std::size_t>(r) * static_cast<std::size_t>(m_p.days) +
                         static_cast<std::size_t>(day)];
    }
    [[nodiscard]] int res_day(int r, int day) const {
        return m_res_day[static_cast<std::size_t>(r) * static_cast<std::size_t>(m_p.days) +
                         static_cast<std::size_t>(day)];
    }
    [[nodiscard]] bool served(int resident, int cls) const {
        return m_res_cls[static_cast<std::size_t>(resident) * static_cast<std::size_t>(m_p.classes) +
                         static_cast<std::size_t>(cls)] > 0;
    }

    [[nodiscard]] const std::vector<int> &contacts_of(const Call &c) const {
        return c.pin >= 0 ? at(m_p.pinned, c.pin).contacts : at(m_p.reqs, c.req).contacts;
    }

    [[nodiscard]] Min gap(const DeviceInfo &d, std::int64_t a, std::int64_t b) const {
        return d.cleaning + (a != b ? d.move : 0);
    }

    /// Whether the device may take [s, e) for `ward`; waste: idle minutes left around it.
    bool device_ok(int d, Min s, Min e, std::int64_t ward, int *waste, int *moves) const {
        const auto &info = at(m_p.devices, d);
        if (overlaps_any(info.out_of_service, s, e)) {
            return false;
        }
        const auto &t = at(m_dev, d);
        const Min big = info.cleaning + info.move;
        auto i = t.lower(s);
        for (auto j = i; j < t.v.size(); ++j) {
            const auto &b = t.v[j];
            if (b.s >= e + big) {
                break;
            }
            if (b.s < e + gap(info, b.tag, ward)) {
                return false;
            }
        }
        for (auto j = i; j-- > 0;) {
            const auto &b = t.v[j];
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
                const auto &b = t.v[i - 1];
                before = std::min(cap, s - (b.e + gap(info, b.tag, ward)));
                mv += b.tag != ward ? 1 : 0;
            }
            if (i < t.v.size()) {
                const auto &b = t.v[i];
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

    /// The request's own limits and the resident, contacts and a helper at [s, e); the helper
    /// chosen (or -1 when none is needed); false when something is in the way.
    bool people_ok(int r, const Cand &c, int *staff) const {
        const auto &q = at(m_p.reqs, r);
        const Min e = c.start + q.duration;
        if (q.max_per_day > 0 && req_day(r, c.day) >= q.max_per_day) {
            return false;
        }
        const auto &ri = at(m_p.residents, q.resident);
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
            for (const auto &h : q.helpers) {
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
        const auto &q = at(m_p.reqs, r);
        const auto &c = at(q.cands, ci);
        int id = 0;
        if (!m_free.empty()) {
            id = m_free.back();
            m_free.pop_back();
        } else {
            m_calls.emplace_back();
            id = static_cast<int>(m_calls.size()) - 1;
        }
        auto &call = at(m_calls, id);
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
        for (const auto &[added, id] : m_log) {
            auto &c = at(m_calls, id);
            if (!c.alive && c.req != -2) {
                c.req = -2; // free
                m_free.push_back(id);
            }
        }
        m_log.clear();
    }

    void insert(int id) {
        auto &c = at(m_calls, id);
        c.alive = true;
        if (c.device >= 0) {
            auto &t = at(m_dev, c.device);
            auto pos = t.insert(Iv{c.start, c.end, id, c.ward});
            const Iv *pred = pos > 0 ? &t.v[pos - 1] : nullptr;
            const Iv *succ = pos + 1 < t.v.size() ? &t.v[pos + 1] : nullptr;
            m_moves += (pred != nullptr && pred->tag != c.ward ? 1 : 0) +
                       (succ != nullptr && succ->tag != c.ward ? 1 : 0) -
                       (pred != nullptr && succ != nullptr && pred->tag != succ->tag ? 1 : 0);
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
        auto &c = at(m_calls, id);
        c.alive = false;
        if (c.device >= 0) {
            auto &t = at(m_dev, c.device);
            auto pos = t.lower(c.start);
            while (pos < t.v.size() && t.v[pos].call != id) {
                ++pos;
            }
            const Iv *pred = pos > 0 ? &t.v[pos - 1] : nullptr;
            const Iv *succ = pos + 1 < t.v.size() ? &t.v[pos + 1] : nullptr;
            m_moves -= (pred != nullptr && pred->tag != c.ward ? 1 : 0) +
                       (succ != nullptr && succ->tag != c.ward ? 1 : 0) -
                       (pred != nullptr && succ != nullptr && pred->tag != succ->tag ? 1 : 0);
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

    void count(const Call &c, int sign) {
        if (c.day >= 0) {
            res_day(c.resident, c.day) += sign;
        }
        if (c.req < 0) {
            return;
        }
        const auto &q = at(m_p.reqs, c.req);
        at(m_placed, c.req) += sign;
        if (c.day >= 0) {
            req_day(c.req, c.day) += sign;
        }
        auto &rc = m_res_cls[static_cast<std::size_t>(c.resident) *
                                 static_cast<std::size_t>(m_p.classes) +
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
            const auto &cd = at(q.cands, c.cand);
            m_preferred += cd.preferred ? sign : 0;
            m_fixed += cd.fixed ? sign : 0;
        }
    }
};

class Search {
public:
    Search(const Part &p, bool fair, std::uint64_t seed) : m_p(p), m_st(p, fair), m_rng(seed) {
        for (int c = 0; c < p.classes; ++c) {
            m_class_reqs.emplace_back();
            m_class_res.emplace_back();
        }
        std::vector<std::vector<int>> res_reqs(p.residents.size() *
                                               static_cast<std::size_t>(p.classes));
        for (int r = 0; r < static_cast<int>(p.reqs.size()); ++r) {
            const auto &q = at(p.reqs, r);
            at(m_class_reqs, q.cls).push_back(r);
            res_reqs[static_cast<std::size_t>(q.resident) * static_cast<std::size_t>(p.classes) +
                     static_cast<std::size_t>(q.cls)]
                .push_back(r);
        }
        for (int c = 0; c < p.classes; ++c) {
            for (int res = 0; res < static_cast<int>(p.residents.size()); ++res) {
                auto &list = res_reqs[static_cast<std::size_t>(res) *
                                          static_cast<std::size_t>(p.classes) +
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
    }

    State &state() { return m_st; }

    /// Greedy: classes highest first; one call for as many residents as possible (longest
    /// waiting, then fewest possible starts first), then more calls round-robin.
    void fill(bool noisy) {
        ++m_epoch;
        for (int c = 0; c < m_p.classes; ++c) {
            if (m_st.m_fair) {
                auto order = at(m_class_res, c);
                std::vector<std::uint64_t> tie(order.size());
                for (auto &t : tie) {
                    t = noisy ? m_rng() : 0;
                }
                const bool shuffled = noisy && m_rng() % 4 == 0;
                std::vector<std::size_t> idx(order.size());
                std::iota(idx.begin(), idx.end(), 0);
                std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
                    const auto &ra = at(m_p.residents, order[a].resident);
                    const auto &rb = at(m_p.residents, order[b].resident);
                    if (shuffled) {
                        return std::tie(ra.wait_key, tie[a]) < std::tie(rb.wait_key, tie[b]);
                    }
                    return std::tie(ra.wait_key, order[a].starts, tie[a]) <
                           std::tie(rb.wait_key, order[b].starts, tie[b]);
                });
                for (auto i : idx) {
                    const auto &e = order[i];
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
                for (const auto &[k, r] : order) {
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
        const auto &q = at(m_p.reqs, r);
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
        for (int ci = 0; ci < static_cast<int>(q.cands.size()); ++ci) {
            const auto &c = at(q.cands, ci);
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
                Cost cost{c.fixed ? 0 : 1,
                          c.preferred ? 0 : 1,
                          m_st.req_day(r, c.day),
                          moves,
                          waste,
                          noisy ? m_rng() % 4 : 0};
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
            return false;
        }
        m_st.add(r, best_ci, best_d, best_h);
        return true;
    }

    /// Improvement until the budget, the deadline or no gain for a long while.
    void improve(const SearchLimits &lim, long budget, bool *cut, long *iterations) {
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
    const Part &m_p;
    State m_st;
    std::mt19937_64 m_rng;
    std::vector<std::vector<int>> m_class_reqs;
    std::vector<std::vector<ResEntry>> m_class_res;
    std::vector<int> m_stuck;
    int m_epoch = 0;

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
        for (const auto &c : m_st.m_calls) {
            if (c.alive && c.req >= 0 && c.cand >= 0) {
                const auto &q = at(m_p.reqs, c.req);
                const auto &cd = at(q.cands, c.cand);
                if ((q.has_preferred && !cd.preferred) || (q.has_fixed && !cd.fixed)) {
                    return false;
                }
            }
        }
        return true;
    }

    void remove_if(const std::function<bool(const Call &)> &pred) {
        for (int id = 0; id < static_cast<int>(m_st.m_calls.size()); ++id) {
            const auto &c = at(m_st.m_calls, id);
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
            remove_if([](const Call &) { return true; });
        } else if (kind < 30 && !m_p.devices.empty()) {
            int d = pick(m_p.devices.size());
            int day = pick(static_cast<std::size_t>(days));
            remove_if([&](const Call &c) { return c.device == d && c.day == day; });
        } else if (kind < 50) {
            int day = pick(static_cast<std::size_t>(days));
            Min from = 0;
            // A window of two to four hours somewhere in that day's calls.
            std::vector<Min> starts;
            for (const auto &c : m_st.m_calls) {
                if (c.alive && c.day == day) {
                    starts.push_back(c.start);
                }
            }
            if (starts.empty()) {
                return;
            }
            from = starts[static_cast<std::size_t>(pick(starts.size()))] - 60;
            Min len = 120 + 60 * pick(3);
            remove_if([&](const Call &c) { return c.start < from + len && c.end > from; });
        } else if (kind < 65) {
            int n = 1 + pick(3);
            for (int k = 0; k < n; ++k) {
                int res = pick(m_p.residents.size());
                remove_if([&](const Call &c) { return c.resident == res; });
            }
        } else {
            targeted();
        }
    }

    /// Clears room for one call of an unmet request (the highest class with residents unserved
    /// first) and places it there.
    void targeted() {
        std::vector<int> short_reqs;
        int best_rank = std::numeric_limits<int>::max();
        for (int r = 0; r < static_cast<int>(m_p.reqs.size()); ++r) {
            const auto &q = at(m_p.reqs, r);
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
        // Or a call outside its preferred windows (or fixed time) that could be inside.
        std::vector<int> soft;
        for (int id = 0; id < static_cast<int>(m_st.m_calls.size()); ++id) {
            const auto &c = at(m_st.m_calls, id);
            if (c.alive && c.pin < 0) {
                const auto &q = at(m_p.reqs, c.req);
                const auto &cd = at(q.cands, c.cand);
                if ((q.has_preferred && !cd.preferred) || (q.has_fixed && !cd.fixed)) {
                    soft.push_back(id);
                }
            }
        }
        if (short_reqs.empty() && soft.empty()) {
            // Everything is met: shake a device-day to find fewer device moves.
            int d = pick(m_p.devices.size());
            int day = pick(static_cast<std::size_t>(m_p.days));
            remove_if([&](const Call &c) { return c.device == d && c.day == day; });
            return;
        }
        int r = 0;
        int ci = 0;
        if (!short_reqs.empty() && (soft.empty() || m_rng() % 4 != 0)) {
            r = short_reqs[static_cast<std::size_t>(pick(short_reqs.size()))];
            ci = pick(at(m_p.reqs, r).cands.size());
        } else {
            int id = soft[static_cast<std::size_t>(pick(soft.size()))];
            r = at(m_st.m_calls, id).req;
            m_st.remove(id);
            const auto &q = at(m_p.reqs, r);
            std::vector<int> better;
            for (int k = 0; k < static_cast<int>(q.cands.size()); ++k) {
                const auto &cd = at(q.cands, k);
                if ((!q.has_preferred || cd.preferred) && (!q.has_fixed || cd.fixed)) {
                    better.push_back(k);
                }
            }
            if (better.empty()) {
                return;
            }
            ci = better[static_cast<std::size_t>(pick(better.size()))];
        }
        const auto &q = at(m_p.reqs, r);
        const auto &cd = at(q.cands, ci);
        if (q.devices.empty()) {
            return;
        }
        int d = q.devices[static_cast<std::size_t>(pick(q.devices.size()))];
        const auto &dev = at(m_p.devices, d);
        const Min s = cd.start;
        const Min e = s + q.duration;
        const Min big = dev.cleaning + dev.move;
        int helper = -1;
        if (q.needs_help && !q.helpers.empty()) {
            std::vector<int> on_shift;
            for (const auto &h : q.helpers) {
                if (covered(at(m_p.shift_sets, h.shifts), s, e)) {
                    on_shift.push_back(h.staff);
                }
            }
            if (!on_shift.empty()) {
                helper = on_shift[static_cast<std::size_t>(pick(on_shift.size()))];
            }
        }
        const auto &contacts = q.contacts;
        remove_if([&](const Call &c) {
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
            const auto &cc = m_st.contacts_of(c);
            return std::any_of(cc.begin(), cc.end(), [&](int k) {
                return std::find(contacts.begin(), contacts.end(), k) != contacts.end();
            });
        });
        int staff = -1;
        int waste = 0;
        int moves = 0;
        if (m_st.people_ok(r, cd, &staff) &&
            m_st.device_ok(d, s, e, q.ward, &waste, &moves)) {
            m_st.add(r, ci, d, staff);
        }
    }
};

/// A World of the part's records, for check_call.
World world_of(const Scenario &s, const Part &p) {
    World w;
    std::vector<bool> ward_in(s.wards.size() + 1, false);
    for (auto si : p.sites) {
        w.add(s.sites[si]);
    }
    for (const auto &ward : s.wards) {
        if (std::find(p.sites.begin(), p.sites.end(),
                      static_cast<std::size_t>(ward.site.value - 1)) != p.sites.end()) {
            w.add(ward);
            ward_in[static_cast<std::size_t>(ward.id.value)] = true;
        }
    }
    for (const auto &ri : p.residents) {
        auto r = s.residents.at(static_cast<std::size_t>(ri.id.value - 1));
        if (r.consent.status == ConsentStatus::none) {
            r.consent.status = ConsentStatus::given; // the format: given unless refused
        }
        w.add(std::move(r));
    }
    for (auto c : p.contact_ids) {
        w.add(s.contacts.at(static_cast<std::size_t>(c.value - 1)));
    }
    for (const auto &d : p.devices) {
        w.add(s.devices.at(static_cast<std::size_t>(d.id.value - 1)));
    }
    for (auto st : p.staff) {
        w.add(s.staff.at(static_cast<std::size_t>(st.value - 1)));
    }
    std::map<std::pair<std::int64_t, std::int64_t>, Approval> links;
    for (const auto &a : s.approvals) {
        links[{a.resident.value, a.contact.value}] = a;
    }
    for (const auto &q : p.reqs) {
        const auto &rq = s.requests[q.index];
        for (auto c : rq.contacts) {
            auto &a = links[{rq.resident.value, c.value}];
            a.resident = rq.resident;
            a.contact = c;
            a.approved = true; // every pair a request names is approved
        }
    }
    for (const auto &[key, a] : links) {
        if (w.resident(a.resident) != nullptr) {
            w.add(a);
        }
    }
    return w;
}

std::string day_list(const Scenario &s, const std::vector<int> &per_day) {
    static constexpr std::array<const char *, 7> k_days{"Mon", "Tue", "Wed", "Thu",
                                                        "Fri", "Sat", "Sun"};
    std::string out;
    int n = 0;
    for (std::size_t d = 0; d < per_day.size(); ++d) {
        if (per_day[d] == 0) {
            continue;
        }
        ++n;
        auto date = Date{date::sys_days{s.horizon.start} + date::days{static_cast<int>(d)}};
        out += fmt::format("{}{} {}", out.empty() ? "" : ", ",
                           k_days[static_cast<std::size_t>(weekday_index(date))],
                           format_date(date));
    }
    if (n == static_cast<int>(per_day.size()) && n > 1) {
        return "every day";
    }
    return out;
}

class Finisher {
public:
    Finisher(const Scenario &s, const ScheduleOptions &o, const Part &p, Search &search)
        : m_s(s), m_o(o), m_p(p), m_search(search), m_st(search.state()) {}

    Instant instant(Min t) const {
        return Instant{date::sys_days{m_s.horizon.start} - date::days{2}} +
               std::chrono::minutes{t};
    }

    Booking booking(int id) const {
        const auto &c = at(m_st.m_calls, id);
        Booking b;
        b.id = BookingId(id + 1);
        if (c.pin >= 0) {
            b = m_o.pinned[at(m_p.pinned, c.pin).booking];
            b.id = BookingId(id + 1);
            return b;
        }
        const auto &q = at(m_p.reqs, c.req);
        const auto &rq = m_s.requests[q.index];
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
                const auto &c = at(m_st.m_calls, id);
                if (c.pin >= 0 || checked[static_cast<std::size_t>(id)]) {
                    continue;
                }
                auto b = booking(id);
                CallPlan plan;
                plan.resident = b.resident;
                plan.contacts = b.contacts;
                plan.device = b.device;
                plan.staff = b.staff;
                plan.start = b.start;
                plan.end = b.end;
                plan.priority = b.priority;
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

    std::vector<std::string> reasons(int r, bool cut) const {
        const auto &q = at(m_p.reqs, r);
        const int days = m_p.days;
        Tallies t;
        auto tally = [&](const std::string &rule, int day, const std::string &example) {
            auto &x = t[rule];
            if (x.count == 0) {
                x.example = example;
                x.per_day.assign(static_cast<std::size_t>(days), 0);
            }
            ++x.count;
            ++x.per_day[static_cast<std::size_t>(day)];
        };
        const auto &rq = m_s.requests[q.index];
        const auto &res = m_s.residents.at(static_cast<std::size_t>(rq.resident.value - 1));
        auto rname = display_name(res);
        for (const auto &c : q.cands) {
            const Min e = c.start + q.duration;
            if (q.max_per_day > 0 && m_st.req_day(r, c.day) >= q.max_per_day) {
                tally("request.max_per_day",
                      c.day, fmt::format("request {} already has {} call(s) that day (at most {})",
                                         rq.code, m_st.req_day(r, c.day), q.max_per_day));
                continue;
            }
            if (q.needs_help) {
                bool on_shift = false;
                bool free = false;
                for (const auto &h : q.helpers) {
                    if (covered(at(m_p.shift_sets, h.shifts), c.start, e)) {
                        on_shift = true;
                        free = free || !at(m_st.m_stf, h.staff).overlaps(c.start, e);
                    }
                }
                if (!on_shift) {
                    tally("help.shift", c.day,
                          fmt::format("no helper for {} is on shift", rname));
                    continue;
                }
                if (!free) {
                    tally("help.busy", c.day,
                          fmt::format("every helper on shift is helping another call"));
                    continue;
                }
            }
            bool in_service = false;
            bool device_free = false;
            for (int d : q.devices) {
                if (!overlaps_any(at(m_p.devices, d).out_of_service, c.start, e)) {
                    in_service = true;
                    device_free = device_free ||
                                  m_st.device_ok(d, c.start, e, q.ward, nullptr, nullptr);
                }
            }
            if (!in_service) {
                tally("device.out_of_service", c.day, "every device of the ward is out of service");
                continue;
            }
            if (!device_free) {
                tally("device.busy", c.day,
                      "no device free (in a call, being cleaned or being moved)");
                continue;
            }
            const auto &ri = at(m_p.residents, q.resident);
            if (ri.max_per_day > 0 && m_st.res_day(q.resident, c.day) >= ri.max_per_day) {
                tally("resident.calls_per_day", c.day,
                      fmt::format("{} already has {} call(s) that day (at most {})", rname,
                                  m_st.res_day(q.resident, c.day), ri.max_per_day));
                continue;
            }
            if (at(m_st.m_res, q.resident).overlaps(c.start, e)) {
                tally("resident.busy", c.day, fmt::format("{} is in another call", rname));
                continue;
            }
            bool busy = false;
            for (int k : q.contacts) {
                if (at(m_st.m_con, k).overlaps(c.start, e)) {
                    const auto &ct =
                        m_s.contacts.at(static_cast<std::size_t>(at(m_p.contact_ids, k).value - 1));
                    tally("contact.busy", c.day,
                          fmt::format("{} is in another call", display_name(ct)));
                    busy = true;
                    break;
                }
            }
            if (busy) {
                continue;
            }
            tally("search.free_start", c.day, "a start was free but not taken");
        }
        std::vector<std::string> out;
        if (cut) {
            out.emplace_back(
                "search.time_limit: the time limit stopped the search before this request was met");
        }
        const Tallies *const maps[] = {&t, &q.static_reasons};
        for (const auto *m : maps) {
            std::vector<std::pair<std::string, Tally>> list(m->begin(), m->end());
            std::stable_sort(list.begin(), list.end(), [](const auto &a, const auto &b) {
                return a.second.count > b.second.count;
            });
            for (const auto &[rule, x] : list) {
                if (out.size() == 5) {
                    break;
                }
                auto days_text = day_list(m_s, x.per_day);
                out.push_back(fmt::format("{}: {} ({} of {} starts{}{})", rule, x.example, x.count,
                                          q.total_starts, days_text.empty() ? "" : "; ",
                                          days_text));
            }
        }
        if (out.empty()) {
            out.emplace_back("no start was found");
        }
        return out;
    }

private:
    const Scenario &m_s;
    const ScheduleOptions &m_o;
    const Part &m_p;
    Search &m_search;
    State &m_st;
};

std::vector<std::pair<int, int>> served_calls(const State &st) {
    std::vector<std::pair<int, int>> out;
    for (std::size_t c = 0; c < st.m_cls_served.size(); ++c) {
        out.emplace_back(st.m_cls_served[c], st.m_cls_calls[c]);
    }
    return out;
}

} // namespace

PartOutcome solve_part(const Scenario &s, const ScheduleOptions &o, const Part &p,
                       std::uint64_t seed, const SearchLimits &limits) {
    PartOutcome out;
    long budget = limits.iterations;
    if (budget < 0) {
        budget = std::min<long>(20000, 200 + 40 * static_cast<long>(p.reqs.size()));
    }
    Search search(p, true, seed);
    search.fill(false);
    search.improve(limits, budget, &out.cut, &out.iterations);
    Finisher fin(s, o, p, search);
    out.rejected = fin.verify();
    auto &st = search.state();
    for (const auto &c : st.m_calls) {
        if (c.alive) {
            out.calls.push_back(c);
        }
    }
    out.served_calls = served_calls(st);
    out.moves = static_cast<int>(st.m_moves);
    for (int r = 0; r < static_cast<int>(p.reqs.size()); ++r) {
        const auto &q = at(p.reqs, r);
        if (at(st.m_placed, r) < q.calls) {
            out.unscheduled.push_back(
                Unscheduled{q.id, q.calls - at(st.m_placed, r), fin.reasons(r, out.cut)});
        }
    }
    if (o.price_of_fairness) {
        Search volume(p, false, seed ^ 0x9e3779b97f4a7c15ULL);
        volume.fill(false);
        bool cut = false;
        long its = 0;
        volume.improve(limits, budget / 4, &cut, &its);
        out.iterations += its;
        out.price.computed = true;
        for (const auto &[served, calls] : served_calls(st)) {
            out.price.residents_served += served;
            out.price.calls += calls;
        }
        for (const auto &[served, calls] : served_calls(volume.state())) {
            out.price.volume_residents_served += served;
            out.price.volume_calls += calls;
        }
    }
    return out;
}

} // namespace carecall::sched
