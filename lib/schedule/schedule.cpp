// The scheduler: splits the scenario into independent parts (sites that share no device, helper
// or contact), solves them on worker threads (build.cpp: the possible starts; search.cpp: greedy,
// improvement, the final check_call pass, the reasons) and merges the results in part order, so
// the rota does not depend on how the threads ran.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <map>
#include <mutex>
#include <numeric>
#include <set>
#include <thread>

#include "carecall/rules.hpp"
#include "carecall/schedule.hpp"
#include "schedule/part.hpp"

namespace carecall {
namespace {

using Clock = std::chrono::steady_clock;

template <class T>
const T& nth(const std::vector<T>& v, std::int64_t id) {
    return v.at(static_cast<std::size_t>(id - 1));
}

bool inside(const std::vector<WeeklyWindow>& windows, const date::time_zone* zone, Instant s,
            Instant e) {
    if (windows.empty()) {
        return false;
    }
    auto ivs = window_intervals(windows, zone, s, e);
    std::sort(ivs.begin(), ivs.end());
    Instant reach = s;
    for (const auto& iv : ivs) {
        if (iv.first <= reach && iv.second > reach) {
            reach = iv.second;
        }
    }
    return reach >= e;
}

struct UnionFind {
    std::vector<std::size_t> parent;
    explicit UnionFind(std::size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
    std::size_t find(std::size_t x) {
        while (parent[x] != x) {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        return x;
    }
    void unite(std::size_t a, std::size_t b) {
        a = find(a);
        b = find(b);
        if (a != b) {
            parent[std::max(a, b)] = std::min(a, b);
        }
    }
};

struct PartResult {
    std::vector<ScheduledCall> calls;
    std::vector<Unscheduled> unscheduled;
    long iterations = 0;
    bool cut = false;
    int rejected = 0;
    int moves = 0;
    int fixed = 0;
    bool all_preferred = true;
    PriceOfFairness price;
    bool exact = false;
    bool proven = false;
    std::map<int, std::pair<int, int>> bound; ///< priority -> residents served, calls
    int bound_preferred = 0;
};

/// Parts: groups of sites linked by a device, a helper or a contact (or a pinned call).
std::vector<std::vector<std::size_t>> split(const Scenario& s, const ScheduleOptions& o) {
    const std::size_t n = s.sites.size();
    UnionFind uf(n);
    auto site_of_ward = [&](WardId w) { return sched::site_index_of_ward(s, w); };
    auto site_of_resident = [&](ResidentId r) -> std::optional<std::size_t> {
        if (r.value < 1 || static_cast<std::size_t>(r.value) > s.residents.size()) {
            return std::nullopt;
        }
        return site_of_ward(nth(s.residents, r.value).ward);
    };
    auto join_wards = [&](std::optional<std::size_t> first, const std::vector<WardId>& wards) {
        for (auto w : wards) {
            auto si = site_of_ward(w);
            if (si && first) {
                uf.unite(*first, *si);
            }
            first = first ? first : si;
        }
    };
    for (const auto& d : s.devices) {
        std::optional<std::size_t> home;
        if (d.site.value >= 1 && static_cast<std::size_t>(d.site.value) <= n) {
            home = static_cast<std::size_t>(d.site.value - 1);
        }
        join_wards(home, d.wards);
    }
    for (const auto& st : s.staff) {
        join_wards(std::nullopt, st.wards);
    }
    std::map<std::int64_t, std::size_t> contact_site;
    auto join_contact = [&](ContactId c, std::size_t si) {
        auto [it, fresh] = contact_site.emplace(c.value, si);
        if (!fresh) {
            uf.unite(it->second, si);
        }
    };
    for (const auto& q : s.requests) {
        if (auto si = site_of_resident(q.resident)) {
            for (auto c : q.contacts) {
                join_contact(c, *si);
            }
        }
    }
    for (const auto& b : o.pinned) {
        auto si = site_of_resident(b.resident);
        if (!si) {
            continue;
        }
        for (auto c : b.contacts) {
            join_contact(c, *si);
        }
        if (b.device.value >= 1 && static_cast<std::size_t>(b.device.value) <= s.devices.size()) {
            const auto& d = nth(s.devices, b.device.value);
            join_wards(si, d.wards);
        }
        if (b.staff && b.staff->value >= 1 &&
            static_cast<std::size_t>(b.staff->value) <= s.staff.size()) {
            join_wards(si, nth(s.staff, b.staff->value).wards);
        }
    }
    std::map<std::size_t, std::vector<std::size_t>> groups;
    for (std::size_t i = 0; i < n; ++i) {
        groups[uf.find(i)].push_back(i);
    }
    std::vector<std::vector<std::size_t>> out;
    for (auto& [root, sites] : groups) {
        out.push_back(std::move(sites));
    }
    return out;
}

std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30U)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27U)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31U);
}

PartResult collect(const Scenario& s, const ScheduleOptions& o, const sched::Part& p,
                   sched::PartOutcome&& out) {
    PartResult r;
    r.iterations = out.iterations;
    r.cut = out.cut;
    r.rejected = out.rejected;
    r.moves = out.moves;
    r.price = out.price;
    r.exact = out.exact;
    r.proven = out.proven;
    for (std::size_t c = 0; c < out.bound.size(); ++c) {
        r.bound[p.class_priority[c]] = out.bound[c];
    }
    r.bound_preferred = out.bound_preferred;
    r.unscheduled = std::move(out.unscheduled);
    const Instant epoch{date::sys_days{s.horizon.start} - date::days{2}};
    for (const auto& c : out.calls) {
        ScheduledCall sc;
        if (c.pin >= 0) {
            const auto& b = o.pinned[p.pinned[static_cast<std::size_t>(c.pin)].booking];
            sc.resident = b.resident;
            sc.contacts = b.contacts;
            sc.device = b.device;
            sc.staff = b.staff;
            sc.start = b.start;
            sc.end = b.end;
            sc.priority = b.priority;
            sc.pinned = true;
            if (c.req >= 0) {
                const auto& q = s.requests[p.reqs[static_cast<std::size_t>(c.req)].index];
                const auto& res = nth(s.residents, q.resident.value);
                const auto* zone =
                    find_zone(nth(s.sites, nth(s.wards, res.ward.value).site.value).tz);
                sc.request = q.id;
                sc.priority = q.priority;
                sc.preferred = inside(q.preferred, zone, b.start, b.end);
            }
        } else {
            const auto& rq = p.reqs[static_cast<std::size_t>(c.req)];
            const auto& q = s.requests[rq.index];
            const auto& cd = rq.cands[static_cast<std::size_t>(c.cand)];
            sc.request = q.id;
            sc.resident = q.resident;
            sc.contacts = q.contacts;
            sc.device = p.devices[static_cast<std::size_t>(c.device)].id;
            if (c.staff >= 0) {
                sc.staff = p.staff[static_cast<std::size_t>(c.staff)];
            }
            sc.start = epoch + std::chrono::minutes{c.start};
            sc.end = epoch + std::chrono::minutes{c.end};
            sc.priority = q.priority;
            sc.preferred = cd.preferred;
            r.fixed += cd.fixed ? 1 : 0;
            if (rq.has_preferred && !cd.preferred) {
                r.all_preferred = false;
            }
        }
        r.calls.push_back(std::move(sc));
    }
    return r;
}

} // namespace

ScheduleScore score_calls(const Scenario& s, const std::vector<ScheduledCall>& calls) {
    std::map<int, ClassScore, std::greater<>> classes;
    std::map<int, std::set<std::int64_t>> asking;
    std::map<int, std::set<std::int64_t>> served;
    for (const auto& q : s.requests) {
        if (!q.active) {
            continue;
        }
        auto& c = classes[q.priority];
        c.priority = q.priority;
        c.calls_asked += q.calls;
        asking[q.priority].insert(q.resident.value);
    }
    ScheduleScore out;
    for (const auto& call : calls) {
        if (!call.request.valid() ||
            static_cast<std::size_t>(call.request.value) > s.requests.size()) {
            continue;
        }
        const auto& q = nth(s.requests, call.request.value);
        auto& c = classes[q.priority];
        c.priority = q.priority;
        ++c.calls;
        served[q.priority].insert(call.resident.value);
        const auto& r = nth(s.residents, q.resident.value);
        const auto& ward = nth(s.wards, r.ward.value);
        const auto* zone = find_zone(nth(s.sites, ward.site.value).tz);
        if (inside(q.preferred, zone, call.start, call.end)) {
            ++out.preferred_calls;
        }
    }
    for (auto& [p, c] : classes) {
        c.residents_asking = static_cast<int>(asking[p].size());
        c.residents_served = static_cast<int>(served[p].size());
        out.classes.push_back(c);
    }
    return out;
}

namespace {

using Parts = std::vector<std::vector<std::size_t>>;

/// Each site's part.
std::vector<std::size_t> part_of_site(const Scenario& s, const Parts& parts) {
    std::vector<std::size_t> part_of(s.sites.size(), 0);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        for (auto si : parts[i]) {
            part_of[si] = i;
        }
    }
    return part_of;
}

/// The part of the site of a resident (scenario numbering).
std::size_t part_of_resident(const Scenario& s, const std::vector<std::size_t>& part_of,
                             ResidentId resident) {
    const auto& ward = nth(s.wards, nth(s.residents, resident.value).ward.value);
    return part_of.at(static_cast<std::size_t>(ward.site.value - 1));
}

/// The pinned calls of each part (indexes into o.pinned); cancelled, waiting and unknown
/// residents' calls block nothing.
Parts pinned_by_part(const Scenario& s, const ScheduleOptions& o, const Parts& parts,
                     const std::vector<std::size_t>& part_of) {
    Parts pinned(parts.size());
    for (std::size_t bi = 0; bi < o.pinned.size(); ++bi) {
        const auto& b = o.pinned[bi];
        if (b.status == BookingStatus::cancelled || b.status == BookingStatus::waitlisted ||
            b.resident.value < 1 ||
            static_cast<std::size_t>(b.resident.value) > s.residents.size()) {
            continue;
        }
        pinned[part_of_resident(s, part_of, b.resident)].push_back(bi);
    }
    return pinned;
}

/// Each part's weight for its time slice: one more than its requests.
std::vector<double> part_weights(const Scenario& s, const Parts& parts,
                                 const std::vector<std::size_t>& part_of) {
    std::vector<double> weight(parts.size(), 1.0);
    for (const auto& q : s.requests) {
        weight[part_of_resident(s, part_of, q.resident)] += 1.0;
    }
    return weight;
}

unsigned worker_count(const ScheduleOptions& o, std::size_t parts) {
    unsigned threads = o.exact         ? 1U // one solver at a time
                       : o.threads > 0 ? static_cast<unsigned>(o.threads)
                                       : std::max(1U, std::thread::hardware_concurrency());
    return std::min<unsigned>(threads, static_cast<unsigned>(std::max<std::size_t>(1, parts)));
}

/// Solves the parts on worker threads; each result at its part's index. The first exception a
/// worker meets stops the others from starting parts and is rethrown here.
std::vector<PartResult> solve_parts(const Scenario& s, const ScheduleOptions& o, const Parts& parts,
                                    const sched::SearchLimits& limits, Clock::time_point start) {
    const auto index = sched::index_sites(s);
    const auto part_of = part_of_site(s, parts);
    const auto pinned = pinned_by_part(s, o, parts, part_of);
    // Time slices: a part gets the time left in proportion to its requests among the parts not
    // started yet, times the threads working, times four (the greedy rota is built whatever the
    // time).
    const auto weight = part_weights(s, parts, part_of);
    double weight_left = std::accumulate(weight.begin(), weight.end(), 0.0);
    const unsigned threads = worker_count(o, parts.size());
    std::vector<PartResult> results(parts.size());
    std::atomic<std::size_t> next{0};
    std::mutex mu;
    int done = 0;
    std::exception_ptr error;
    auto work = [&] {
        for (;;) {
            auto i = next.fetch_add(1);
            if (i >= parts.size()) {
                return;
            }
            sched::SearchLimits mine = limits;
            {
                std::lock_guard lock(mu);
                auto now = Clock::now();
                if (now < limits.deadline) {
                    // Up to four times its even share: most parts stop early (no gain left),
                    // and the shares of the parts after it are worked out from what is left.
                    double share =
                        std::min(1.0, 4.0 * weight[i] * threads / std::max(weight_left, 1.0));
                    mine.deadline = now + std::chrono::duration_cast<Clock::duration>(
                                              (limits.deadline - now) * share);
                }
                weight_left -= weight[i];
            }
            try {
                auto part = sched::build_part(s, o, index, parts[i], pinned[i]);
                auto out = sched::solve_part(s, o, part, mix(o.seed ^ mix(i)), mine);
                results[i] = collect(s, o, part, std::move(out));
            } catch (...) {
                std::lock_guard lock(mu);
                if (!error) {
                    error = std::current_exception();
                }
                next = parts.size();
                return;
            }
            std::lock_guard lock(mu);
            ++done;
            if (o.progress) {
                o.progress(
                    ScheduleProgress{done, static_cast<int>(parts.size()),
                                     std::chrono::duration<double>(Clock::now() - start).count()});
            }
        }
    };
    if (threads <= 1) {
        work();
    } else {
        std::vector<std::thread> pool;
        for (unsigned t = 0; t < threads; ++t) {
            pool.emplace_back(work);
        }
        for (auto& t : pool) {
            t.join();
        }
    }
    if (error) {
        std::rethrow_exception(error);
    }
    return results;
}

/// The parts' results merged in part order, sorted, scored, with the status and (exact mode)
/// the bound.
ScheduleResult merge_parts(const Scenario& s, const ScheduleOptions& o,
                           std::vector<PartResult> results) {
    ScheduleResult res;
    bool cut = false;
    bool all = true;
    bool proven = o.exact;
    std::map<int, std::pair<int, int>> bound;
    int bound_preferred = 0;
    for (auto& r : results) {
        proven = proven && r.proven;
        for (const auto& [prio, b] : r.bound) {
            bound[prio].first += b.first;
            bound[prio].second += b.second;
        }
        bound_preferred += r.bound_preferred;
        cut = cut || r.cut;
        all = all && r.all_preferred && r.unscheduled.empty();
        res.iterations += r.iterations;
        res.rejected_by_check += r.rejected;
        res.device_moves += r.moves;
        res.fixed_calls += r.fixed;
        if (r.price.computed) {
            auto& pf = res.price_of_fairness;
            pf.computed = true;
            pf.calls += r.price.calls;
            pf.residents_served += r.price.residents_served;
            pf.volume_calls += r.price.volume_calls;
            pf.volume_residents_served += r.price.volume_residents_served;
        }
        std::move(r.calls.begin(), r.calls.end(), std::back_inserter(res.calls));
        std::move(r.unscheduled.begin(), r.unscheduled.end(), std::back_inserter(res.unscheduled));
    }
    res.parts = static_cast<int>(results.size());
    std::sort(res.calls.begin(), res.calls.end(), [](const auto& a, const auto& b) {
        return std::tie(a.start, a.device, a.resident) < std::tie(b.start, b.device, b.resident);
    });
    std::sort(res.unscheduled.begin(), res.unscheduled.end(),
              [](const auto& a, const auto& b) { return a.request < b.request; });
    res.score = score_calls(s, res.calls);
    res.status = cut ? "time_limit" : (all || proven ? "optimal" : "feasible");
    if (o.exact) {
        ScheduleScore b;
        for (auto c : res.score.classes) {
            auto it = bound.find(c.priority);
            if (it != bound.end()) {
                c.residents_served = it->second.first;
                c.calls = it->second.second;
            }
            b.classes.push_back(c);
        }
        b.preferred_calls = proven ? res.score.preferred_calls : bound_preferred;
        res.bound = b;
    }
    return res;
}

} // namespace

ScheduleResult schedule(const Scenario& s, const ScheduleOptions& o) {
    const auto start = Clock::now();
    // The search stops at nine tenths of the limit: the rest is kept for the final check_call
    // pass and the reasons (the exact mode uses the whole limit).
    auto limit =
        std::chrono::duration<double>(std::max(0.0, o.time_limit_seconds) * (o.exact ? 1.0 : 0.9));
    sched::SearchLimits limits;
    limits.deadline = start + std::chrono::duration_cast<Clock::duration>(limit);
    limits.iterations = o.iterations;
    static_cast<void>(date::get_tzdb()); // load the zones before the threads read them

    const auto parts = split(s, o);
    auto res = merge_parts(s, o, solve_parts(s, o, parts, limits, start));
    res.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return res;
}

} // namespace carecall
