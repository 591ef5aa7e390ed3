// Builds one part of the scheduling problem: each request's possible starts on the scenario's grid,
// worked out once from the same windows check_call reads (window_intervals of rules.hpp: calling
// hours, care blocks, the contacts' availability in their own zones, closures, absences), and why
// the other starts are ruled out. What depends on other calls is left to the search.
#include <algorithm>
#include <limits>
#include <unordered_map>

#include <fmt/format.h>

#include "carecall/rules.hpp"
#include "schedule/part.hpp"

namespace carecall::sched {

using Intervals = std::vector<std::pair<Min, Min>>;

bool covered(const Intervals &merged, Min s, Min e) {
    // merged: sorted, disjoint. The last interval starting at or before s must reach e.
    auto it = std::upper_bound(merged.begin(), merged.end(), s,
                               [](Min t, const auto &iv) { return t < iv.first; });
    if (it == merged.begin()) {
        return false;
    }
    --it;
    return it->first <= s && e <= it->second;
}

bool overlaps_any(const Intervals &sorted, Min s, Min e) {
    return std::any_of(sorted.begin(), sorted.end(),
                       [&](const auto &iv) { return iv.first < e && s < iv.second; });
}

int day_index(const std::vector<Min> &midnights, Min t) {
    // midnights[k] is the start of plan date k - 1.
    auto k = std::upper_bound(midnights.begin(), midnights.end(), t) - midnights.begin();
    return static_cast<int>(k) - 2;
}

namespace {

template <class T> const T &nth(const std::vector<T> &v, std::int64_t id) {
    return v.at(static_cast<std::size_t>(id - 1));
}

Intervals merged(Intervals v) {
    std::sort(v.begin(), v.end());
    Intervals out;
    for (const auto &iv : v) {
        if (!out.empty() && iv.first <= out.back().second) {
            out.back().second = std::max(out.back().second, iv.second);
        } else if (iv.first < iv.second) {
            out.push_back(iv);
        }
    }
    return out;
}

struct Clock {
    Instant epoch;
    Instant from;
    Instant to;
    /// Whole minutes: a blocking period is widened, a covering window narrowed.
    [[nodiscard]] Min floor(Instant t) const {
        return static_cast<Min>(date::floor<std::chrono::minutes>(t - epoch).count());
    }
    [[nodiscard]] Min ceil(Instant t) const {
        return static_cast<Min>(date::ceil<std::chrono::minutes>(t - epoch).count());
    }
    [[nodiscard]] Intervals covering(const std::vector<WeeklyWindow> &w,
                                     const date::time_zone *zone) const {
        Intervals out;
        for (const auto &iv : window_intervals(w, zone, from, to)) {
            out.emplace_back(ceil(iv.first), floor(iv.second));
        }
        return merged(std::move(out));
    }
    [[nodiscard]] Intervals blocking(const std::vector<WeeklyWindow> &w,
                                     const date::time_zone *zone) const {
        Intervals out;
        for (const auto &iv : window_intervals(w, zone, from, to)) {
            out.emplace_back(floor(iv.first), ceil(iv.second));
        }
        return out;
    }
    [[nodiscard]] Intervals blocking(const std::vector<Period> &ps) const {
        Intervals out;
        for (const auto &p : ps) {
            out.emplace_back(floor(p.start), ceil(p.end));
        }
        return out;
    }
};

struct GridStart {
    Min start = 0;
    int day = 0;
    int minute = 0;
    int weekday = 0;
};

struct SiteLocal {
    const date::time_zone *zone = nullptr;
    std::vector<GridStart> grid;
    std::vector<Min> midnights;
};

struct WardLocal {
    int site = 0;
    const Ward *ward = nullptr;
    Intervals hours;
    std::vector<bool> closed; ///< plan dates -2 … days + 1
};

struct ContactLocal {
    int index = 0;
    Intervals available;
    Intervals absent;
};

void tally(Tallies &t, const std::string &rule, int day, int days, const std::string &example,
           int count = 1) {
    auto &x = t[rule];
    if (x.count == 0) {
        x.example = example;
        x.per_day.assign(static_cast<std::size_t>(days), 0);
    }
    x.count += count;
    if (day >= 0 && day < days) {
        x.per_day[static_cast<std::size_t>(day)] += count;
    }
}

bool has_all(const std::vector<std::string> &held, const std::vector<std::string> &needed) {
    return std::all_of(needed.begin(), needed.end(), [&](const std::string &c) {
        return std::find(held.begin(), held.end(), c) != held.end();
    });
}

class Builder {
public:
    Builder(const Scenario &s, const ScheduleOptions &o, Part &p) : m_s(s), m_o(o), m_p(p) {
        m_days = std::max(1, s.horizon.days);
        p.days = m_days;
        auto first = date::sys_days{s.horizon.start};
        m_clock.epoch = Instant{first - date::days{2}};
        m_clock.from = m_clock.epoch;
        m_clock.to = Instant{first + date::days{m_days + 2}};
    }

    void run(const std::vector<std::size_t> &pinned) {
        sites();
        wards();
        residents();
        devices_and_staff();
        requests();
        pins(pinned);
    }

private:
    const Scenario &m_s;
    const ScheduleOptions &m_o;
    Part &m_p;
    int m_days = 1;
    Clock m_clock;
    std::vector<SiteLocal> m_sites;
    std::unordered_map<std::int64_t, int> m_site_of;
    std::unordered_map<std::int64_t, WardLocal> m_wards;
    std::unordered_map<std::int64_t, int> m_res_of;
    std::vector<Intervals> m_res_blocked;
    std::unordered_map<std::int64_t, ContactLocal> m_contacts;
    std::unordered_map<std::int64_t, int> m_dev_of;
    std::unordered_map<std::int64_t, int> m_staff_of;
    std::map<std::pair<int, int>, int> m_shift_set; ///< (staff, site) -> shift set
    std::unordered_map<std::int64_t, int> m_req_of;

    void sites() {
        const int slot = std::max(1, m_s.horizon.slot_minutes);
        for (auto si : m_p.sites) {
            const auto &site = m_s.sites.at(si);
            SiteLocal sl;
            sl.zone = find_zone(site.tz);
            for (int d = -1; d <= m_days + 1; ++d) {
                auto midnight = date::local_days{m_s.horizon.start} + date::days{d};
                sl.midnights.push_back(m_clock.floor(
                    Instant{sl.zone->to_sys(date::local_seconds{midnight}, date::choose::earliest)}));
                if (d < 0 || d >= m_days) {
                    continue;
                }
                int wd = weekday_index(Date{midnight});
                for (int m = 0; m < 1440; m += slot) {
                    date::local_seconds local = midnight + std::chrono::minutes{m};
                    if (sl.zone->get_info(local).result == date::local_info::nonexistent) {
                        continue;
                    }
                    auto t = date::floor<std::chrono::seconds>(
                        sl.zone->to_sys(local, date::choose::earliest));
                    sl.grid.push_back(GridStart{m_clock.floor(t), d, m, wd});
                }
            }
            m_site_of[site.id.value] = static_cast<int>(m_sites.size());
            m_p.site_days.push_back(sl.midnights);
            m_sites.push_back(std::move(sl));
        }
    }

    void wards() {
        for (const auto &w : m_s.wards) {
            auto it = m_site_of.find(w.site.value);
            if (it == m_site_of.end()) {
                continue;
            }
            WardLocal wl;
            wl.site = it->second;
            wl.ward = &w;
            const auto *zone = m_sites[static_cast<std::size_t>(wl.site)].zone;
            wl.hours = m_clock.covering(w.calling_hours, zone);
            wl.closed.assign(static_cast<std::size_t>(m_days + 4), false);
            for (int d = -2; d <= m_days + 1; ++d) {
                auto day = date::sys_days{m_s.horizon.start} + date::days{d};
                for (const auto &c : w.closures) {
                    if (date::sys_days{c.first} <= day && day <= date::sys_days{c.last}) {
                        wl.closed[static_cast<std::size_t>(d + 2)] = true;
                    }
                }
            }
            m_wards.emplace(w.id.value, std::move(wl));
        }
    }

    [[nodiscard]] const SiteLocal &site_of_ward(std::int64_t ward) const {
        return m_sites[static_cast<std::size_t>(m_wards.at(ward).site)];
    }

    void residents() {
        for (const auto &r : m_s.residents) {
            auto it = m_wards.find(r.ward.value);
            if (it == m_wards.end()) {
                continue;
            }
            ResidentInfo ri;
            ri.id = r.id;
            ri.ward = r.ward.value;
            ri.max_per_day = r.max_calls_per_day.value_or(0);
            ri.site = it->second.site;
            auto wait = m_o.last_call.find(r.id);
            ri.wait_key = wait == m_o.last_call.end()
                              ? std::numeric_limits<std::int64_t>::min()
                              : wait->second.time_since_epoch().count();
            auto blocked =
                m_clock.blocking(r.care_blocks, m_sites[static_cast<std::size_t>(ri.site)].zone);
            auto one_off = m_clock.blocking(r.one_off_blocks);
            blocked.insert(blocked.end(), one_off.begin(), one_off.end());
            std::sort(blocked.begin(), blocked.end());
            m_res_of[r.id.value] = static_cast<int>(m_p.residents.size());
            m_p.residents.push_back(ri);
            m_res_blocked.push_back(std::move(blocked));
        }
        // Longest-waiting first: rank the residents by their last call (ties share a rank).
        std::vector<std::int64_t> keys;
        for (const auto &ri : m_p.residents) {
            keys.push_back(ri.wait_key);
        }
        std::sort(keys.begin(), keys.end(), std::greater<>());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        for (auto &ri : m_p.residents) {
            ri.wait_weight = 1 + static_cast<int>(
                std::lower_bound(keys.begin(), keys.end(), ri.wait_key, std::greater<>()) -
                keys.begin());
        }
    }

    int contact(ContactId id) {
        auto it = m_contacts.find(id.value);
        if (it != m_contacts.end()) {
            return it->second.index;
        }
        const auto &c = nth(m_s.contacts, id.value);
        ContactLocal cl;
        cl.index = static_cast<int>(m_p.contact_ids.size());
        cl.available = m_clock.covering(c.availability, find_zone(c.tz));
        cl.absent = m_clock.blocking(c.absences);
        m_p.contact_ids.push_back(id);
        m_contacts.emplace(id.value, std::move(cl));
        return static_cast<int>(m_p.contact_ids.size()) - 1;
    }

    int add_staff(const Staff &st) {
        auto it = m_staff_of.find(st.id.value);
        if (it != m_staff_of.end()) {
            return it->second;
        }
        m_staff_of[st.id.value] = static_cast<int>(m_p.staff.size());
        m_p.staff.push_back(st.id);
        return static_cast<int>(m_p.staff.size()) - 1;
    }

    void devices_and_staff() {
        auto serves = [&](const std::vector<WardId> &wards) {
            return std::any_of(wards.begin(), wards.end(),
                               [&](WardId w) { return m_wards.count(w.value) != 0; });
        };
        for (const auto &d : m_s.devices) {
            if (!serves(d.wards) && m_site_of.count(d.site.value) == 0) {
                continue;
            }
            DeviceInfo di;
            di.id = d.id;
            di.cleaning = d.cleaning_minutes;
            di.move = d.move_minutes;
            di.out_of_service = m_clock.blocking(d.out_of_service);
            std::sort(di.out_of_service.begin(), di.out_of_service.end());
            m_dev_of[d.id.value] = static_cast<int>(m_p.devices.size());
            m_p.devices.push_back(std::move(di));
        }
        for (const auto &st : m_s.staff) {
            if (serves(st.wards)) {
                add_staff(st);
            }
        }
    }

    int shift_set(int staff, int site) {
        auto key = std::pair(staff, site);
        auto it = m_shift_set.find(key);
        if (it != m_shift_set.end()) {
            return it->second;
        }
        const auto &st = nth(m_s.staff, m_p.staff[static_cast<std::size_t>(staff)].value);
        auto shifts = m_clock.covering(st.weekly_shifts, m_sites[static_cast<std::size_t>(site)].zone);
        for (const auto &p : st.shifts) {
            shifts.emplace_back(m_clock.ceil(p.start), m_clock.floor(p.end));
        }
        m_p.shift_sets.push_back(merged(std::move(shifts)));
        int id = static_cast<int>(m_p.shift_sets.size()) - 1;
        m_shift_set[key] = id;
        return id;
    }

    void requests() {
        std::vector<int> priorities;
        for (std::size_t qi = 0; qi < m_s.requests.size(); ++qi) {
            const auto &q = m_s.requests[qi];
            if (!q.active || q.calls <= 0 || m_res_of.count(q.resident.value) == 0) {
                continue;
            }
            priorities.push_back(q.priority);
            m_req_of[q.id.value] = static_cast<int>(m_p.reqs.size());
            m_p.reqs.push_back(request(qi));
        }
        std::sort(priorities.begin(), priorities.end(), std::greater<>());
        priorities.erase(std::unique(priorities.begin(), priorities.end()), priorities.end());
        if (priorities.empty()) {
            priorities.push_back(priority::routine);
        }
        m_p.class_priority = priorities;
        m_p.classes = static_cast<int>(priorities.size());
        for (auto &rq : m_p.reqs) {
            rq.cls = static_cast<int>(
                std::find(priorities.begin(), priorities.end(), rq.priority) - priorities.begin());
        }
    }

    Req request(std::size_t qi) {
        const auto &q = m_s.requests[qi];
        const auto &r = nth(m_s.residents, q.resident.value);
        const auto &wl = m_wards.at(r.ward.value);
        const auto &site = m_sites[static_cast<std::size_t>(wl.site)];
        Req rq;
        rq.index = qi;
        rq.id = q.id;
        rq.priority = q.priority;
        rq.resident = m_res_of.at(r.id.value);
        rq.ward = r.ward.value;
        rq.calls = q.calls;
        rq.duration = q.duration_minutes;
        rq.max_per_day = q.max_per_day.value_or(0);
        rq.needs_help = r.needs_assistance;
        rq.has_preferred = !q.preferred.empty();
        rq.has_fixed = q.fixed.has_value();
        for (auto c : q.contacts) {
            rq.contacts.push_back(contact(c));
        }
        // Devices serving the ward, those whose home ward it is first.
        std::vector<std::pair<bool, int>> devs;
        for (const auto &d : m_s.devices) {
            auto it = m_dev_of.find(d.id.value);
            if (it != m_dev_of.end() &&
                std::find(d.wards.begin(), d.wards.end(), r.ward) != d.wards.end()) {
                devs.emplace_back(d.wards.front() != r.ward, it->second);
            }
        }
        std::stable_sort(devs.begin(), devs.end(),
                         [](const auto &a, const auto &b) { return a.first < b.first; });
        for (const auto &d : devs) {
            rq.devices.push_back(d.second);
        }
        bool ward_staff = false;
        if (r.needs_assistance) {
            for (const auto &st : m_s.staff) {
                if (std::find(st.wards.begin(), st.wards.end(), r.ward) == st.wards.end()) {
                    continue;
                }
                ward_staff = true;
                if (has_all(st.competences, r.competences)) {
                    int k = add_staff(st);
                    rq.helpers.push_back(StaffOption{k, shift_set(k, wl.site)});
                }
            }
        }
        const auto &grid = site.grid;
        rq.total_starts = static_cast<int>(grid.size());
        auto all = [&](const std::string &rule, const std::string &example) {
            tally(rq.static_reasons, rule, -1, m_days, example, 0);
            auto &t = rq.static_reasons[rule];
            for (const auto &g : grid) {
                ++t.count;
                ++t.per_day[static_cast<std::size_t>(g.day)];
            }
        };
        auto rname = display_name(r);
        auto wname = display_name(*wl.ward);
        if (r.consent.status == ConsentStatus::refused) {
            all("resident.consent", fmt::format("{} has refused video calls", rname));
            return rq;
        }
        if (r.max_call_minutes && q.duration_minutes > *r.max_call_minutes) {
            all("resident.max_call",
                fmt::format("{} manages calls of at most {} minutes; this one is {}", rname,
                            *r.max_call_minutes, q.duration_minutes));
            return rq;
        }
        if (rq.devices.empty()) {
            all("device.ward", fmt::format("no device serves ward {}", wname));
            return rq;
        }
        if (r.needs_assistance && rq.helpers.empty()) {
            if (ward_staff) {
                std::string needed;
                for (const auto &c : r.competences) {
                    needed += (needed.empty() ? "" : ", ") + c;
                }
                all("help.competence",
                    fmt::format("no staff member of ward {} holds {} ({} needs it)", wname, needed,
                                rname));
            } else {
                all("help.none", fmt::format("{} needs help with calls and no staff work on ward {}",
                                             rname, wname));
            }
            return rq;
        }
        auto preferred = m_clock.covering(q.preferred, site.zone);
        const auto &blocked = m_res_blocked[static_cast<std::size_t>(rq.resident)];
        for (const auto &g : grid) {
            Min s = g.start;
            Min e = s + q.duration_minutes;
            auto day = Date{date::local_days{m_s.horizon.start} + date::days{g.day}};
            auto fail = [&](const std::string &rule, const std::string &example) {
                tally(rq.static_reasons, rule, g.day, m_days, example);
            };
            if ((r.admitted && date::sys_days{day} < date::sys_days{*r.admitted}) ||
                (r.discharged && date::sys_days{day} > date::sys_days{*r.discharged})) {
                fail("resident.not_admitted", fmt::format("{} is not on the ward then", rname));
                continue;
            }
            int last = day_index(site.midnights, e - 1);
            if (wl.closed[static_cast<std::size_t>(g.day + 2)] ||
                (last >= -2 && last <= m_days + 1 && wl.closed[static_cast<std::size_t>(last + 2)])) {
                fail("resident.ward_closed", fmt::format("ward {} is closed", wname));
                continue;
            }
            if (!covered(wl.hours, s, e)) {
                fail("resident.calling_hours",
                     fmt::format("outside the calling hours of ward {}", wname));
                continue;
            }
            if (overlaps_any(blocked, s, e)) {
                fail("resident.care_block", fmt::format("{} has a care block", rname));
                continue;
            }
            bool ok = true;
            for (std::size_t k = 0; k < q.contacts.size() && ok; ++k) {
                const auto &cl = m_contacts.at(q.contacts[k].value);
                const auto &c = nth(m_s.contacts, q.contacts[k].value);
                if (!covered(cl.available, s, e)) {
                    fail("contact.availability",
                         fmt::format("{} is not available then ({})", display_name(c), c.tz));
                    ok = false;
                } else if (overlaps_any(cl.absent, s, e)) {
                    fail("contact.absent", fmt::format("{} is away", display_name(c)));
                    ok = false;
                }
            }
            if (!ok) {
                continue;
            }
            Cand c;
            c.start = s;
            c.day = g.day;
            c.preferred = covered(preferred, s, e);
            c.fixed = q.fixed && q.fixed->weekday == g.weekday && q.fixed->start == g.minute;
            rq.cands.push_back(c);
        }
        return rq;
    }

    void pins(const std::vector<std::size_t> &pinned) {
        for (auto bi : pinned) {
            const auto &b = m_o.pinned[bi];
            auto rit = m_res_of.find(b.resident.value);
            if (rit == m_res_of.end()) {
                continue;
            }
            PinnedCall pc;
            pc.booking = bi;
            pc.resident = rit->second;
            const auto &ri = m_p.residents[static_cast<std::size_t>(pc.resident)];
            pc.ward = ri.ward;
            for (auto c : b.contacts) {
                if (c.value >= 1 && static_cast<std::size_t>(c.value) <= m_s.contacts.size()) {
                    pc.contacts.push_back(contact(c));
                }
            }
            auto dit = m_dev_of.find(b.device.value);
            pc.device = dit == m_dev_of.end() ? -1 : dit->second;
            if (b.staff && b.staff->value >= 1 &&
                static_cast<std::size_t>(b.staff->value) <= m_s.staff.size()) {
                pc.staff = add_staff(nth(m_s.staff, b.staff->value));
            }
            pc.start = m_clock.floor(b.start);
            pc.end = m_clock.ceil(b.end);
            int d = day_index(m_p.site_days[static_cast<std::size_t>(ri.site)], pc.start);
            pc.day = d >= 0 && d < m_days ? d : -1;
            if (b.request) {
                auto qit = m_req_of.find(b.request->value);
                pc.req = qit == m_req_of.end() ? -1 : qit->second;
            }
            m_p.pinned.push_back(std::move(pc));
        }
    }
};

} // namespace

Part build_part(const Scenario &s, const ScheduleOptions &o, const std::vector<std::size_t> &sites,
                const std::vector<std::size_t> &pinned) {
    Part p;
    p.sites = sites;
    Builder(s, o, p).run(pinned);
    return p;
}

} // namespace carecall::sched
