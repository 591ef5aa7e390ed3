// Builds one part of the scheduling problem: each request's possible starts on the scenario's grid,
// worked out once from the same windows check_call reads (window_intervals of rules.hpp: calling
// hours, care blocks, the contacts' availability in their own zones, closures, absences), and why
// the other starts are ruled out. What depends on other calls is left to the search.
#include <algorithm>
#include <array>
#include <limits>
#include <unordered_map>

#include <fmt/format.h>

#include "carecall/rules.hpp"
#include "schedule/part.hpp"

namespace carecall::sched {

using Intervals = std::vector<std::pair<Min, Min>>;

std::optional<std::size_t> site_index_of_ward(const Scenario& s, WardId w) {
    if (w.value < 1 || static_cast<std::size_t>(w.value) > s.wards.size()) {
        return std::nullopt;
    }
    auto si = s.wards[static_cast<std::size_t>(w.value - 1)].site.value - 1;
    if (si < 0 || static_cast<std::size_t>(si) >= s.sites.size()) {
        return std::nullopt;
    }
    return static_cast<std::size_t>(si);
}

bool covered(const Intervals& merged, Min s, Min e) {
    // merged: sorted, disjoint. The last interval starting at or before s must reach e.
    auto it = std::upper_bound(merged.begin(), merged.end(), s,
                               [](Min t, const auto& iv) { return t < iv.first; });
    if (it == merged.begin()) {
        return false;
    }
    --it;
    return it->first <= s && e <= it->second;
}

bool overlaps_any(const Intervals& sorted, Min s, Min e) {
    return std::any_of(sorted.begin(), sorted.end(),
                       [&](const auto& iv) { return iv.first < e && s < iv.second; });
}

int day_index(const std::vector<Min>& midnights, Min t) {
    // midnights[k] is the start of plan date k - 1.
    auto k = std::upper_bound(midnights.begin(), midnights.end(), t) - midnights.begin();
    return static_cast<int>(k) - 2;
}

namespace {

template <class T>
const T& nth(const std::vector<T>& v, std::int64_t id) {
    return v.at(static_cast<std::size_t>(id - 1));
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
    [[nodiscard]] Intervals covering(const std::vector<WeeklyWindow>& w,
                                     const date::time_zone* zone) const {
        Intervals out;
        for (const auto& iv : window_intervals(w, zone, from, to)) {
            out.emplace_back(ceil(iv.first), floor(iv.second));
        }
        return merge_intervals(std::move(out));
    }
    [[nodiscard]] Intervals blocking(const std::vector<WeeklyWindow>& w,
                                     const date::time_zone* zone) const {
        Intervals out;
        for (const auto& iv : window_intervals(w, zone, from, to)) {
            out.emplace_back(floor(iv.first), ceil(iv.second));
        }
        return out;
    }
    [[nodiscard]] Intervals blocking(const std::vector<Period>& ps) const {
        Intervals out;
        for (const auto& p : ps) {
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
    const date::time_zone* zone = nullptr;
    std::vector<GridStart> grid;
    std::vector<Min> midnights;
};

struct WardLocal {
    int site = 0;
    const Ward* ward = nullptr;
    Intervals hours;
    std::vector<bool> closed; ///< plan dates -2 … days + 1
};

struct ContactLocal {
    int index = 0;
    Intervals available;
    Intervals absent;
};

void tally(Tallies& t, Rule rule, int day, int days, const std::string& example, int count = 1) {
    auto& x = t[rule];
    if (x.count == 0) {
        x.example = example;
        x.per_day.assign(static_cast<std::size_t>(days), 0);
    }
    x.count += count;
    if (day >= 0 && day < days) {
        x.per_day[static_cast<std::size_t>(day)] += count;
    }
}

class Builder {
public:
    Builder(const Scenario& s, const ScheduleOptions& o, const SiteIndex& index, Part& p)
        : m_s(s), m_o(o), m_p(p) {
        auto gather = [&](const std::vector<std::vector<std::size_t>>& by_site) {
            std::vector<std::size_t> out;
            for (auto si : p.sites) {
                out.insert(out.end(), by_site[si].begin(), by_site[si].end());
            }
            std::sort(out.begin(), out.end());
            out.erase(std::unique(out.begin(), out.end()), out.end());
            return out;
        };
        m_ward_list = gather(index.wards);
        m_res_list = gather(index.residents);
        m_dev_list = gather(index.devices);
        m_staff_list = gather(index.staff);
        m_req_list = gather(index.requests);
        m_days = std::max(1, s.horizon.days);
        p.days = m_days;
        auto first = date::sys_days{s.horizon.start};
        m_clock.epoch = Instant{first - date::days{2}};
        m_clock.from = m_clock.epoch;
        m_clock.to = Instant{first + date::days{m_days + 2}};
    }

    void run(const std::vector<std::size_t>& pinned) {
        sites();
        wards();
        residents();
        devices_and_staff();
        requests();
        pins(pinned);
    }

private:
    const Scenario& m_s;
    const ScheduleOptions& m_o;
    Part& m_p;
    std::vector<std::size_t> m_ward_list, m_res_list, m_dev_list, m_staff_list, m_req_list;
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
            const auto& site = m_s.sites.at(si);
            SiteLocal sl;
            sl.zone = find_zone(site.tz);
            for (int d = -1; d <= m_days + 1; ++d) {
                auto midnight = date::local_days{m_s.horizon.start} + date::days{d};
                sl.midnights.push_back(m_clock.floor(Instant{
                    sl.zone->to_sys(date::local_seconds{midnight}, date::choose::earliest)}));
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
        for (auto wi : m_ward_list) {
            const auto& w = m_s.wards[wi];
            auto it = m_site_of.find(w.site.value);
            if (it == m_site_of.end()) {
                continue;
            }
            WardLocal wl;
            wl.site = it->second;
            wl.ward = &w;
            const auto* zone = m_sites[static_cast<std::size_t>(wl.site)].zone;
            wl.hours = m_clock.covering(w.calling_hours, zone);
            wl.closed.assign(static_cast<std::size_t>(m_days + 4), false);
            for (int d = -2; d <= m_days + 1; ++d) {
                auto day = date::sys_days{m_s.horizon.start} + date::days{d};
                wl.closed[static_cast<std::size_t>(d + 2)] =
                    rule_facts::closure_on(w, Date{day}) != nullptr;
            }
            m_wards.emplace(w.id.value, std::move(wl));
        }
    }

    [[nodiscard]] const SiteLocal& site_of_ward(std::int64_t ward) const {
        return m_sites[static_cast<std::size_t>(m_wards.at(ward).site)];
    }

    void residents() {
        for (auto ri_index : m_res_list) {
            const auto& r = m_s.residents[ri_index];
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
            ri.wait_key = wait == m_o.last_call.end() ? std::numeric_limits<std::int64_t>::min()
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
        for (const auto& ri : m_p.residents) {
            keys.push_back(ri.wait_key);
        }
        std::sort(keys.begin(), keys.end(), std::greater<>());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        for (auto& ri : m_p.residents) {
            ri.wait_weight = 1 + static_cast<int>(std::lower_bound(keys.begin(), keys.end(),
                                                                   ri.wait_key, std::greater<>()) -
                                                  keys.begin());
        }
    }

    int contact(ContactId id) {
        auto it = m_contacts.find(id.value);
        if (it != m_contacts.end()) {
            return it->second.index;
        }
        const auto& c = nth(m_s.contacts, id.value);
        ContactLocal cl;
        cl.index = static_cast<int>(m_p.contact_ids.size());
        cl.available = m_clock.covering(c.availability, find_zone(c.tz));
        cl.absent = m_clock.blocking(c.absences);
        m_p.contact_ids.push_back(id);
        m_contacts.emplace(id.value, std::move(cl));
        return static_cast<int>(m_p.contact_ids.size()) - 1;
    }

    int add_staff(const Staff& st) {
        auto it = m_staff_of.find(st.id.value);
        if (it != m_staff_of.end()) {
            return it->second;
        }
        m_staff_of[st.id.value] = static_cast<int>(m_p.staff.size());
        m_p.staff.push_back(st.id);
        return static_cast<int>(m_p.staff.size()) - 1;
    }

    void devices_and_staff() {
        auto serves = [&](const std::vector<WardId>& wards) {
            return std::any_of(wards.begin(), wards.end(),
                               [&](WardId w) { return m_wards.count(w.value) != 0; });
        };
        for (auto di_index : m_dev_list) {
            const auto& d = m_s.devices[di_index];
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
        for (auto si : m_staff_list) {
            const auto& st = m_s.staff[si];
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
        const auto& st = nth(m_s.staff, m_p.staff[static_cast<std::size_t>(staff)].value);
        auto shifts =
            m_clock.covering(st.weekly_shifts, m_sites[static_cast<std::size_t>(site)].zone);
        for (const auto& p : st.shifts) {
            shifts.emplace_back(m_clock.ceil(p.start), m_clock.floor(p.end));
        }
        m_p.shift_sets.push_back(merge_intervals(std::move(shifts)));
        int id = static_cast<int>(m_p.shift_sets.size()) - 1;
        m_shift_set[key] = id;
        return id;
    }

    void requests() {
        std::vector<int> priorities;
        for (auto qi : m_req_list) {
            const auto& q = m_s.requests[qi];
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
        for (auto& rq : m_p.reqs) {
            rq.cls = static_cast<int>(std::find(priorities.begin(), priorities.end(), rq.priority) -
                                      priorities.begin());
        }
    }

    Req request(std::size_t qi) {
        const auto& q = m_s.requests[qi];
        const auto& r = nth(m_s.residents, q.resident.value);
        const auto& wl = m_wards.at(r.ward.value);
        Req rq = request_header(qi, q, r);
        weekly_cap(q, m_sites[static_cast<std::size_t>(wl.site)].zone, rq);
        rq.devices = candidate_devices(r);
        bool ward_staff = candidate_helpers(r, wl, rq);
        rq.total_starts = static_cast<int>(m_sites[static_cast<std::size_t>(wl.site)].grid.size());
        RequestCtx rc{q, r, wl, rq, ward_staff};
        for (const auto& check : k_request_checks) {
            if ((this->*check.refuses)(rc)) {
                refuse_every_start(rq, check.rule, (this->*check.word)(rc));
                return rq;
            }
        }
        possible_starts(q, r, wl, rq);
        return rq;
    }

    Req request_header(std::size_t qi, const CallRequest& q, const Resident& r) {
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
        return rq;
    }

    /// The request's weekly cap and its calls elsewhere, by plan date (the site's local dates).
    void weekly_cap(const CallRequest& q, const date::time_zone* zone, Req& rq) const {
        auto it = m_o.per_week.find(q.id);
        if (it == m_o.per_week.end()) {
            return;
        }
        rq.per_week = std::max(0, it->second.calls);
        rq.week_elsewhere.assign(static_cast<std::size_t>(m_days + 12), 0);
        for (auto t : it->second.elsewhere) {
            auto local = date::floor<date::days>(zone->to_local(t));
            auto day = static_cast<int>((local - date::local_days{m_s.horizon.start}).count());
            if (day >= -6 && day < m_days + 6) {
                ++rq.week_elsewhere[static_cast<std::size_t>(day + 6)];
            }
        }
    }

    /// Devices serving the ward (rule device.ward), those whose home ward it is first.
    std::vector<int> candidate_devices(const Resident& r) const {
        std::vector<std::pair<bool, int>> devs;
        for (auto di_index : m_dev_list) {
            const auto& d = m_s.devices[di_index];
            auto it = m_dev_of.find(d.id.value);
            if (it != m_dev_of.end() && rule_facts::serves(d, r.ward)) {
                devs.emplace_back(d.wards.front() != r.ward, it->second);
            }
        }
        std::stable_sort(devs.begin(), devs.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        std::vector<int> out;
        for (const auto& d : devs) {
            out.push_back(d.second);
        }
        return out;
    }

    /// Helpers who work on the ward (help.ward) and hold the resident's competences
    /// (help.competence); true when anyone works on the ward at all.
    bool candidate_helpers(const Resident& r, const WardLocal& wl, Req& rq) {
        bool ward_staff = false;
        if (!r.needs_assistance) {
            return ward_staff;
        }
        for (auto si : m_staff_list) {
            const auto& st = m_s.staff[si];
            if (!rule_facts::works_on(st, r.ward)) {
                continue;
            }
            ward_staff = true;
            if (rule_facts::missing_competence(st, r) == nullptr) {
                int k = add_staff(st);
                rq.helpers.push_back(StaffOption{k, shift_set(k, wl.site)});
            }
        }
        return ward_staff;
    }

    // --- Rules that rule out a whole request, whatever the start (check_call's record rules and
    // the helper's), in check_call's order.

    struct RequestCtx {
        const CallRequest& q;
        const Resident& r;
        const WardLocal& wl;
        const Req& rq;
        bool ward_staff;
        [[nodiscard]] std::string rname() const { return display_name(r); }
        [[nodiscard]] std::string wname() const { return display_name(*wl.ward); }
    };
    struct RequestCheck {
        Rule rule;
        bool (Builder::*refuses)(const RequestCtx&) const;
        std::string (Builder::*word)(const RequestCtx&) const;
    };

    /// Consent as the scenario records it, as check_call reads it: `none` (no consent recorded)
    /// and `refused` keep every call out. (A document that does not say reads as given:
    /// parse_scenario records that; planning leaves out a store's residents without consent.)
    bool no_consent(const RequestCtx& c) const { return !rule_facts::consents(c.r); }
    std::string no_consent_text(const RequestCtx& c) const {
        if (c.r.consent.status == ConsentStatus::refused) {
            return fmt::format("{} has refused video calls", c.rname());
        }
        return fmt::format("{} has no consent to video calls recorded", c.rname());
    }
    /// A contact the scenario does not approve. Only a scenario whose approvals are complete
    /// can say so: otherwise every pair a request names counts as approved.
    [[nodiscard]] const Contact* unapproved(const RequestCtx& c) const {
        if (!m_s.approvals_complete) {
            return nullptr;
        }
        for (auto cid : c.q.contacts) {
            auto it = std::find_if(m_s.approvals.begin(), m_s.approvals.end(), [&](const auto& a) {
                return a.resident == c.q.resident && a.contact == cid;
            });
            if ((it == m_s.approvals.end() || !it->approved) && cid.value >= 1 &&
                static_cast<std::size_t>(cid.value) <= m_s.contacts.size()) {
                return &m_s.contacts[static_cast<std::size_t>(cid.value - 1)];
            }
        }
        return nullptr;
    }
    bool not_approved(const RequestCtx& c) const { return unapproved(c) != nullptr; }
    std::string not_approved_text(const RequestCtx& c) const {
        return fmt::format("{} is not approved to call {}", display_name(*unapproved(c)),
                           c.rname());
    }
    bool too_long(const RequestCtx& c) const {
        return !rule_facts::manages(c.r, c.q.duration_minutes);
    }
    std::string too_long_text(const RequestCtx& c) const {
        return fmt::format("{} manages calls of at most {} minutes; this one is {}", c.rname(),
                           *c.r.max_call_minutes, c.q.duration_minutes);
    }
    bool no_device(const RequestCtx& c) const { return c.rq.devices.empty(); }
    std::string no_device_text(const RequestCtx& c) const {
        return fmt::format("no device serves ward {}", c.wname());
    }
    bool no_helper(const RequestCtx& c) const {
        return c.r.needs_assistance && c.rq.helpers.empty() && !c.ward_staff;
    }
    std::string no_helper_text(const RequestCtx& c) const {
        return fmt::format("{} needs help with calls and no staff work on ward {}", c.rname(),
                           c.wname());
    }
    bool no_competent_helper(const RequestCtx& c) const {
        return c.r.needs_assistance && c.rq.helpers.empty() && c.ward_staff;
    }
    std::string no_competent_helper_text(const RequestCtx& c) const {
        std::string needed;
        for (const auto& comp : c.r.competences) {
            needed += (needed.empty() ? "" : ", ") + comp;
        }
        return fmt::format("no staff member of ward {} holds {} ({} needs it)", c.wname(), needed,
                           c.rname());
    }

    static constexpr std::array<RequestCheck, 6> k_request_checks{{
        {Rule::resident_consent, &Builder::no_consent, &Builder::no_consent_text},
        {Rule::resident_max_call, &Builder::too_long, &Builder::too_long_text},
        {Rule::contact_approval, &Builder::not_approved, &Builder::not_approved_text},
        {Rule::device_ward, &Builder::no_device, &Builder::no_device_text},
        {Rule::help_competence, &Builder::no_competent_helper, &Builder::no_competent_helper_text},
        {Rule::help_none, &Builder::no_helper, &Builder::no_helper_text},
    }};

    void refuse_every_start(Req& rq, Rule rule, const std::string& example) const {
        const auto& grid = m_sites[static_cast<std::size_t>(m_wards.at(rq.ward).site)].grid;
        tally(rq.static_reasons, rule, -1, m_days, example, 0);
        auto& t = rq.static_reasons[rule];
        for (const auto& g : grid) {
            ++t.count;
            ++t.per_day[static_cast<std::size_t>(g.day)];
        }
    }

    // --- Rules that rule out one start, whatever the other calls (check_call's window rules that
    // do not depend on the rota), in check_call's order.

    struct StartCtx {
        const CallRequest& q;
        const Resident& r;
        const WardLocal& wl;
        const Intervals& blocked;
        const GridStart& g;
        Min s;
        Min e;
        mutable std::size_t contact = 0; ///< the contact a contact rule refused
    };
    struct StartCheck {
        Rule rule;
        bool (Builder::*refuses)(const StartCtx&) const;
        std::string (Builder::*word)(const StartCtx&) const;
    };

    bool not_on_ward(const StartCtx& c) const {
        if (!c.r.admitted && !c.r.discharged) {
            return false;
        }
        return !rule_facts::on_ward(c.r,
                                    Date{date::sys_days{m_s.horizon.start} + date::days{c.g.day}});
    }
    std::string not_on_ward_text(const StartCtx& c) const {
        return fmt::format("{} is not on the ward then", display_name(c.r));
    }
    bool review_lapsed(const StartCtx& c) const {
        return rule_facts::review_lapsed(
            c.r, Date{date::sys_days{m_s.horizon.start} + date::days{c.g.day}});
    }
    std::string review_lapsed_text(const StartCtx& c) const {
        return fmt::format("the best-interest decision for {} was due for review on {}",
                           display_name(c.r), format_date(*c.r.consent.review));
    }
    bool ward_closed(const StartCtx& c) const {
        const auto& site = m_sites[static_cast<std::size_t>(c.wl.site)];
        int last = day_index(site.midnights, c.e - 1);
        return c.wl.closed[static_cast<std::size_t>(c.g.day + 2)] ||
               (last >= -2 && last <= m_days + 1 &&
                c.wl.closed[static_cast<std::size_t>(last + 2)]);
    }
    std::string ward_closed_text(const StartCtx& c) const {
        return fmt::format("ward {} is closed", display_name(*c.wl.ward));
    }
    bool outside_hours(const StartCtx& c) const { return !covered(c.wl.hours, c.s, c.e); }
    std::string outside_hours_text(const StartCtx& c) const {
        return fmt::format("outside the calling hours of ward {}", display_name(*c.wl.ward));
    }
    bool in_care_block(const StartCtx& c) const { return overlaps_any(c.blocked, c.s, c.e); }
    std::string in_care_block_text(const StartCtx& c) const {
        return fmt::format("{} has a care block", display_name(c.r));
    }
    bool contact_unavailable(const StartCtx& c) const {
        for (std::size_t k = 0; k < c.q.contacts.size(); ++k) {
            if (!covered(m_contacts.at(c.q.contacts[k].value).available, c.s, c.e)) {
                c.contact = k;
                return true;
            }
        }
        return false;
    }
    std::string contact_unavailable_text(const StartCtx& c) const {
        const auto& ct = nth(m_s.contacts, c.q.contacts[c.contact].value);
        return fmt::format("{} is not available then ({})", display_name(ct), ct.tz);
    }
    bool contact_away(const StartCtx& c) const {
        for (std::size_t k = 0; k < c.q.contacts.size(); ++k) {
            if (overlaps_any(m_contacts.at(c.q.contacts[k].value).absent, c.s, c.e)) {
                c.contact = k;
                return true;
            }
        }
        return false;
    }
    std::string contact_away_text(const StartCtx& c) const {
        return fmt::format("{} is away",
                           display_name(nth(m_s.contacts, c.q.contacts[c.contact].value)));
    }

    static constexpr std::array<StartCheck, 7> k_start_checks{{
        {Rule::resident_not_admitted, &Builder::not_on_ward, &Builder::not_on_ward_text},
        {Rule::resident_consent_review, &Builder::review_lapsed, &Builder::review_lapsed_text},
        {Rule::resident_ward_closed, &Builder::ward_closed, &Builder::ward_closed_text},
        {Rule::resident_calling_hours, &Builder::outside_hours, &Builder::outside_hours_text},
        {Rule::resident_care_block, &Builder::in_care_block, &Builder::in_care_block_text},
        {Rule::contact_availability, &Builder::contact_unavailable,
         &Builder::contact_unavailable_text},
        {Rule::contact_absent, &Builder::contact_away, &Builder::contact_away_text},
    }};

    /// The request's possible starts on the grid; the others tallied by the rule that ruled them
    /// out (worded once per rule: the first start it rules out).
    void possible_starts(const CallRequest& q, const Resident& r, const WardLocal& wl, Req& rq) {
        const auto& site = m_sites[static_cast<std::size_t>(wl.site)];
        auto preferred = m_clock.covering(q.preferred, site.zone);
        const auto& blocked = m_res_blocked[static_cast<std::size_t>(rq.resident)];
        for (const auto& g : site.grid) {
            StartCtx c{q, r, wl, blocked, g, g.start, g.start + q.duration_minutes};
            const StartCheck* refused = nullptr;
            for (const auto& check : k_start_checks) {
                if ((this->*check.refuses)(c)) {
                    refused = &check;
                    break;
                }
            }
            if (refused != nullptr) {
                auto it = rq.static_reasons.find(refused->rule);
                if (it == rq.static_reasons.end()) {
                    tally(rq.static_reasons, refused->rule, g.day, m_days,
                          (this->*refused->word)(c));
                } else {
                    ++it->second.count;
                    ++it->second.per_day[static_cast<std::size_t>(g.day)];
                }
                continue;
            }
            Cand cand;
            cand.start = c.s;
            cand.day = g.day;
            cand.preferred = covered(preferred, c.s, c.e);
            cand.fixed = q.fixed && q.fixed->weekday == g.weekday && q.fixed->start == g.minute;
            rq.cands.push_back(cand);
        }
    }

public:
    /// The rules this builder keeps before the search, in its two tables.
    static std::vector<std::pair<Rule, SchedulerForm>> kept_rules() {
        std::vector<std::pair<Rule, SchedulerForm>> out;
        for (const auto& c : k_request_checks) {
            out.emplace_back(c.rule, SchedulerForm::request);
        }
        for (const auto& c : k_start_checks) {
            out.emplace_back(c.rule, SchedulerForm::start);
        }
        return out;
    }

private:
    void pins(const std::vector<std::size_t>& pinned) {
        for (auto bi : pinned) {
            const auto& b = m_o.pinned[bi];
            auto rit = m_res_of.find(b.resident.value);
            if (rit == m_res_of.end()) {
                continue;
            }
            PinnedCall pc;
            pc.booking = bi;
            pc.resident = rit->second;
            const auto& ri = m_p.residents[static_cast<std::size_t>(pc.resident)];
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

SiteIndex index_sites(const Scenario& s) {
    SiteIndex ix;
    const auto n = s.sites.size();
    for (auto* v : {&ix.wards, &ix.residents, &ix.devices, &ix.staff, &ix.requests}) {
        v->resize(n);
    }
    auto site_of_ward = [&](WardId w) { return site_index_of_ward(s, w); };
    auto add_once = [](std::vector<std::size_t>& v, std::size_t i) {
        if (v.empty() || v.back() != i) {
            v.push_back(i);
        }
    };
    for (std::size_t i = 0; i < s.wards.size(); ++i) {
        if (auto si = site_of_ward(s.wards[i].id)) {
            ix.wards[*si].push_back(i);
        }
    }
    std::vector<std::optional<std::size_t>> res_site(s.residents.size());
    for (std::size_t i = 0; i < s.residents.size(); ++i) {
        res_site[i] = site_of_ward(s.residents[i].ward);
        if (res_site[i]) {
            ix.residents[*res_site[i]].push_back(i);
        }
    }
    for (std::size_t i = 0; i < s.devices.size(); ++i) {
        const auto& d = s.devices[i];
        if (d.site.value >= 1 && static_cast<std::size_t>(d.site.value) <= n) {
            add_once(ix.devices[static_cast<std::size_t>(d.site.value - 1)], i);
        }
        for (auto w : d.wards) {
            if (auto si = site_of_ward(w)) {
                add_once(ix.devices[*si], i);
            }
        }
    }
    for (std::size_t i = 0; i < s.staff.size(); ++i) {
        for (auto w : s.staff[i].wards) {
            if (auto si = site_of_ward(w)) {
                add_once(ix.staff[*si], i);
            }
        }
    }
    for (std::size_t i = 0; i < s.requests.size(); ++i) {
        auto r = s.requests[i].resident.value;
        if (r >= 1 && static_cast<std::size_t>(r) <= s.residents.size()) {
            if (auto si = res_site[static_cast<std::size_t>(r - 1)]) {
                ix.requests[*si].push_back(i);
            }
        }
    }
    return ix;
}

std::vector<std::pair<Rule, SchedulerForm>> build_kept_rules() {
    return Builder::kept_rules();
}

Part build_part(const Scenario& s, const ScheduleOptions& o, const SiteIndex& index,
                const std::vector<std::size_t>& sites, const std::vector<std::size_t>& pinned) {
    Part p;
    p.sites = sites;
    Builder(s, o, index, p).run(pinned);
    return p;
}

} // namespace carecall::sched
