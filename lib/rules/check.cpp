// The hard rules, defined once. Every check works on UTC instants; weekly windows are turned into
// UTC intervals on each local date of their owner's zone, so they follow that zone's clock changes.
#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "carecall/rules.hpp"

namespace carecall {
namespace {

using Intervals = std::vector<std::pair<Instant, Instant>>;

bool overlaps(Instant a0, Instant a1, Instant b0, Instant b1) { return a0 < b1 && b0 < a1; }

bool covered(const Intervals& merged, Instant s, Instant e) {
    return std::any_of(merged.begin(), merged.end(),
                       [&](const auto& iv) { return iv.first <= s && e <= iv.second; });
}

Intervals merge(Intervals v) {
    std::sort(v.begin(), v.end());
    Intervals out;
    for (const auto& iv : v) {
        if (!out.empty() && iv.first <= out.back().second) {
            out.back().second = std::max(out.back().second, iv.second);
        } else {
            out.push_back(iv);
        }
    }
    return out;
}

Date local_date(Instant t, const date::time_zone* zone) {
    return Date{date::floor<date::days>(to_local(t, zone))};
}

std::string hhmm(Instant t, const date::time_zone* zone) {
    auto local = to_local(t, zone);
    auto secs = (local - date::floor<date::days>(local)).count();
    return fmt::format("{:02}:{:02}", secs / 3600, (secs / 60) % 60);
}

bool active(const Booking& b, const CallPlan& plan) {
    return b.status != BookingStatus::cancelled && b.status != BookingStatus::waitlisted &&
           std::find(plan.ignoring.begin(), plan.ignoring.end(), b.id) == plan.ignoring.end();
}

std::string code_of(const Booking& b) {
    return b.code.empty() ? fmt::format("#{}", b.id.value) : b.code;
}

class Checker {
public:
    Checker(const World& world, const CallPlan& plan, bool first_only)
        : m_world(world), m_plan(plan), m_first_only(first_only) {}

    std::vector<Violation> run() {
        const auto* r = m_world.resident(m_plan.resident);
        if (r == nullptr) {
            add("resident.unknown", fmt::format("resident #{} does not exist", m_plan.resident.value));
            return m_out;
        }
        m_resident = r;
        const auto* ward = m_world.ward(r->ward);
        m_zone = m_world.ward_zone(r->ward);
        if (ward == nullptr || m_zone == nullptr) {
            add("resident.ward", fmt::format("{} is on no known ward", display_name(*r)));
            return m_out;
        }
        m_ward = ward;
        if (m_plan.end <= m_plan.start) {
            add("time.order", "the call must end after it starts");
            return m_out;
        }
        if (m_plan.contacts.empty()) {
            add("contact.none", "a call needs at least one contact");
            return m_out;
        }
        // Each stage runs only while the earlier ones allow (first_only stops at the first).
        static_cast<void>(records() && windows() && clashes());
        return m_out;
    }

private:
    /// Adds a violation; false when the caller should stop.
    bool add(std::string rule, std::string message, std::optional<BookingId> other = std::nullopt) {
        m_out.push_back(Violation{std::move(rule), std::move(message), other});
        return !m_first_only;
    }

    [[nodiscard]] std::string when(Instant t) const { return describe_time(t, m_zone, m_plan.start); }
    [[nodiscard]] std::string rname() const { return display_name(*m_resident); }

    bool records() {
        const auto& r = *m_resident;
        auto day = local_date(m_plan.start, m_zone);
        if (r.admitted && date::sys_days{day} < date::sys_days{*r.admitted}) {
            if (!add("resident.not_admitted",
                     fmt::format("{} is not admitted until {}", rname(), format_date(*r.admitted)))) {
                return false;
            }
        }
        if (r.discharged && date::sys_days{day} > date::sys_days{*r.discharged}) {
            if (!add("resident.not_admitted", fmt::format("{} was discharged on {}", rname(),
                                                          format_date(*r.discharged)))) {
                return false;
            }
        }
        if (r.consent.status == ConsentStatus::refused) {
            if (!add("resident.consent", fmt::format("{} has refused video calls", rname()))) {
                return false;
            }
        } else if (r.consent.status == ConsentStatus::none) {
            if (!add("resident.consent",
                     fmt::format("{} has no consent to video calls recorded (carecall resident "
                                 "consent)",
                                 rname()))) {
                return false;
            }
        }
        auto minutes = std::chrono::duration_cast<std::chrono::minutes>(m_plan.end - m_plan.start);
        if (r.max_call_minutes && minutes.count() > *r.max_call_minutes) {
            if (!add("resident.max_call",
                     fmt::format("{} manages calls of at most {} minutes; this one is {}", rname(),
                                 *r.max_call_minutes, minutes.count()))) {
                return false;
            }
        }
        for (auto cid : m_plan.contacts) {
            const auto* c = m_world.contact(cid);
            if (c == nullptr) {
                if (!add("contact.unknown", fmt::format("contact #{} does not exist", cid.value))) {
                    return false;
                }
                continue;
            }
            const auto* a = m_world.approval(r.id, cid);
            if (a == nullptr || !a->approved) {
                if (!add("contact.approval", fmt::format("{} is not approved to call {}",
                                                         display_name(*c), rname()))) {
                    return false;
                }
            }
        }
        const auto* d = m_world.device(m_plan.device);
        if (d == nullptr) {
            add("device.unknown", fmt::format("device #{} does not exist", m_plan.device.value));
            return false; // the window and clash rules need the device
        }
        m_device = d;
        if (std::find(d->wards.begin(), d->wards.end(), r.ward) == d->wards.end()) {
            if (!add("device.ward", fmt::format("device {} does not serve ward {}",
                                                display_name(*d), display_name(*m_ward)))) {
                return false;
            }
        }
        return true;
    }

    bool windows() {
        const auto& r = *m_resident;
        // Ward closures, on every local date the call touches.
        auto first = local_date(m_plan.start, m_zone);
        auto last = local_date(m_plan.end - std::chrono::seconds{1}, m_zone);
        for (const auto& c : m_ward->closures) {
            if (date::sys_days{c.first} <= date::sys_days{last} &&
                date::sys_days{first} <= date::sys_days{c.last}) {
                if (!add("resident.ward_closed",
                         fmt::format("ward {} is closed from {} to {}{}", display_name(*m_ward),
                                     format_date(c.first), format_date(c.last),
                                     c.reason.empty() ? "" : " (" + c.reason + ")"))) {
                    return false;
                }
            }
        }
        auto hours = merge(window_intervals(m_ward->calling_hours, m_zone, m_plan.start, m_plan.end));
        if (!covered(hours, m_plan.start, m_plan.end)) {
            std::string text;
            for (const auto& w : m_ward->calling_hours) {
                text += (text.empty() ? "" : ", ") + format_window(w);
            }
            if (!add("resident.calling_hours",
                     fmt::format("{} to {} is outside the calling hours of ward {} ({})",
                                 when(m_plan.start), hhmm(m_plan.end, m_zone),
                                 display_name(*m_ward), text.empty() ? "none set" : text))) {
                return false;
            }
        }
        for (const auto& b : r.care_blocks) {
            for (const auto& iv : window_intervals({b}, m_zone, m_plan.start, m_plan.end)) {
                if (overlaps(iv.first, iv.second, m_plan.start, m_plan.end)) {
                    if (!add("resident.care_block",
                             fmt::format("{} has {} from {} to {}", rname(),
                                         b.label.empty() ? "a care block" : b.label, when(iv.first),
                                         hhmm(iv.second, m_zone)))) {
                        return false;
                    }
                    break;
                }
            }
        }
        for (const auto& p : r.one_off_blocks) {
            if (overlaps(p.start, p.end, m_plan.start, m_plan.end)) {
                if (!add("resident.care_block",
                         fmt::format("{} has {} from {} to {}", rname(),
                                     p.label.empty() ? "a care block" : p.label, when(p.start),
                                     when(p.end)))) {
                    return false;
                }
            }
        }
        for (auto cid : m_plan.contacts) {
            const auto* c = m_world.contact(cid);
            if (c == nullptr || m_plan.override_availability) {
                continue;
            }
            const auto* cz = find_zone(c->tz);
            auto avail = merge(window_intervals(c->availability, cz, m_plan.start, m_plan.end));
            if (!covered(avail, m_plan.start, m_plan.end)) {
                if (!add("contact.availability",
                         fmt::format("{}: {} in {} is outside their availability", display_name(*c),
                                     describe_time(m_plan.start, cz), c->tz))) {
                    return false;
                }
            }
            for (const auto& p : c->absences) {
                if (overlaps(p.start, p.end, m_plan.start, m_plan.end)) {
                    if (!add("contact.absent",
                             fmt::format("{} is away from {} to {}{}", display_name(*c),
                                         describe_time(p.start, cz, m_plan.start),
                                         describe_time(p.end, cz, m_plan.start),
                                         p.label.empty() ? "" : " (" + p.label + ")"))) {
                        return false;
                    }
                }
            }
        }
        for (const auto& p : m_device->out_of_service) {
            if (overlaps(p.start, p.end, m_plan.start, m_plan.end)) {
                if (!add("device.out_of_service",
                         fmt::format("device {} is out of service from {} to {}{}",
                                     display_name(*m_device), when(p.start), when(p.end),
                                     p.label.empty() ? "" : " (" + p.label + ")"))) {
                    return false;
                }
            }
        }
        if (m_plan.staff) {
            if (auto v = check_helper(m_world, m_plan, *m_plan.staff)) {
                if (!add(v->rule, v->message, v->other)) {
                    return false;
                }
            }
        } else if (r.needs_assistance) {
            if (!add("help.none", fmt::format("{} needs a member of staff to help with calls and "
                                              "none is free on ward {}",
                                              rname(), display_name(*m_ward)))) {
                return false;
            }
        }
        return true;
    }

    bool clashes() {
        const auto& bookings = m_world.bookings();
        // Device: one call at a time, then cleaning, then moving to another ward.
        for (auto i : m_world.on_device(m_plan.device)) {
            const auto& b = bookings[i];
            if (!active(b, m_plan)) {
                continue;
            }
            const auto* other_resident = m_world.resident(b.resident);
            bool moves = other_resident != nullptr && other_resident->ward != m_resident->ward;
            auto gap = std::chrono::minutes{m_device->cleaning_minutes +
                                            (moves ? m_device->move_minutes : 0)};
            if (!overlaps(b.start, b.end + gap, m_plan.start, m_plan.end + gap)) {
                continue;
            }
            std::string msg;
            std::string rule = "device.cleaning";
            if (overlaps(b.start, b.end, m_plan.start, m_plan.end)) {
                rule = "device.busy";
                msg = fmt::format("device {} is in call {} from {} to {}", display_name(*m_device),
                                  code_of(b), when(b.start), hhmm(b.end, m_zone));
            } else if (b.end <= m_plan.start) {
                msg = fmt::format("device {} is being cleaned{} after the {} call until {}",
                                  display_name(*m_device), moves ? " and moved" : "",
                                  hhmm(b.start, m_zone), hhmm(b.end + gap, m_zone));
            } else {
                msg = fmt::format("device {} needs {} minutes after this call for cleaning{} before "
                                  "call {} at {}",
                                  display_name(*m_device), gap.count(),
                                  moves ? " and moving" : "", code_of(b), when(b.start));
            }
            if (!add(rule, msg, b.id)) {
                return false;
            }
        }
        // Resident: one call at a time, and at most so many a day.
        int same_day = 0;
        auto day = local_date(m_plan.start, m_zone);
        for (auto i : m_world.of_resident(m_plan.resident)) {
            const auto& b = bookings[i];
            if (!active(b, m_plan)) {
                continue;
            }
            if (overlaps(b.start, b.end, m_plan.start, m_plan.end)) {
                if (!add("resident.busy", fmt::format("{} is already in call {} from {} to {}",
                                                      rname(), code_of(b), when(b.start),
                                                      hhmm(b.end, m_zone)),
                         b.id)) {
                    return false;
                }
            }
            if (local_date(b.start, m_zone) == day) {
                ++same_day;
            }
        }
        if (m_resident->max_calls_per_day && same_day >= *m_resident->max_calls_per_day) {
            if (!add("resident.calls_per_day",
                     fmt::format("{} already has {} call{} on {} (at most {} a day)", rname(),
                                 same_day, same_day == 1 ? "" : "s", format_date(day),
                                 *m_resident->max_calls_per_day))) {
                return false;
            }
        }
        // Contacts: one call at a time.
        for (auto cid : m_plan.contacts) {
            const auto* c = m_world.contact(cid);
            for (auto i : m_world.of_contact(cid)) {
                const auto& b = bookings[i];
                if (active(b, m_plan) && overlaps(b.start, b.end, m_plan.start, m_plan.end)) {
                    if (!add("contact.busy",
                             fmt::format("{} is already in call {} from {} to {}",
                                         c != nullptr ? display_name(*c) : "the contact",
                                         code_of(b), when(b.start), hhmm(b.end, m_zone)),
                             b.id)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    const World& m_world;
    const CallPlan& m_plan;
    bool m_first_only;
    std::vector<Violation> m_out;
    const Resident* m_resident = nullptr;
    const Ward* m_ward = nullptr;
    const Device* m_device = nullptr;
    const date::time_zone* m_zone = nullptr;
};

} // namespace

std::vector<std::pair<Instant, Instant>> window_intervals(const std::vector<WeeklyWindow>& windows,
                                                          const date::time_zone* zone, Instant from,
                                                          Instant to) {
    std::vector<std::pair<Instant, Instant>> out;
    if (windows.empty()) {
        return out;
    }
    auto first = date::floor<date::days>(to_local(from, zone)) - date::days{1};
    auto last = date::floor<date::days>(to_local(to, zone)) + date::days{1};
    for (auto day = first; day <= last; day += date::days{1}) {
        int wd = weekday_index(Date{day});
        for (const auto& w : windows) {
            if (!w.on(wd)) {
                continue;
            }
            auto s = zone->to_sys(day + std::chrono::minutes{w.start}, date::choose::earliest);
            auto e = zone->to_sys(day + std::chrono::minutes{w.end}, date::choose::latest);
            if (s < e) {
                out.emplace_back(Instant{s}, Instant{e});
            }
        }
    }
    return out;
}

std::string describe_time(Instant t, const date::time_zone* zone, std::optional<Instant> same_day) {
    auto info = zone->get_info(t);
    auto text = hhmm(t, zone) + " " + info.abbrev;
    if (same_day && local_date(*same_day, zone) != local_date(t, zone)) {
        auto d = local_date(t, zone);
        static constexpr std::array<const char*, 7> k_days{"Mon", "Tue", "Wed", "Thu",
                                                           "Fri", "Sat", "Sun"};
        text = fmt::format("{} {} {}", k_days[static_cast<std::size_t>(weekday_index(d))],
                           format_date(d), text);
    }
    return text;
}

CallPlan plan_of(const Booking& b) {
    CallPlan plan;
    plan.resident = b.resident;
    plan.contacts = b.contacts;
    plan.device = b.device;
    plan.staff = b.staff;
    plan.start = b.start;
    plan.end = b.end;
    plan.priority = b.priority;
    plan.override_availability = b.availability_overridden;
    return plan;
}

std::vector<Violation> check_call(const World& world, const CallPlan& plan, bool first_only) {
    return Checker(world, plan, first_only).run();
}

std::optional<Violation> check_helper(const World& world, const CallPlan& plan, StaffId staff_id) {
    const auto* r = world.resident(plan.resident);
    const auto* s = world.staff(staff_id);
    if (r == nullptr) {
        return Violation{"resident.unknown", "the resident does not exist", std::nullopt};
    }
    if (s == nullptr) {
        return Violation{"help.unknown", fmt::format("staff #{} does not exist", staff_id.value),
                         std::nullopt};
    }
    const auto* ward = world.ward(r->ward);
    const auto* zone = world.ward_zone(r->ward);
    if (ward == nullptr || zone == nullptr) {
        return Violation{"resident.ward", "the resident is on no known ward", std::nullopt};
    }
    auto name = display_name(*s);
    if (std::find(s->wards.begin(), s->wards.end(), r->ward) == s->wards.end()) {
        return Violation{"help.ward",
                         fmt::format("{} does not work on ward {}", name, display_name(*ward)),
                         std::nullopt};
    }
    for (const auto& c : r->competences) {
        if (std::find(s->competences.begin(), s->competences.end(), c) == s->competences.end()) {
            return Violation{"help.competence",
                             fmt::format("{} lacks the competence '{}' that {} needs", name, c,
                                         display_name(*r)),
                             std::nullopt};
        }
    }
    auto shifts = window_intervals(s->weekly_shifts, zone, plan.start, plan.end);
    for (const auto& p : s->shifts) {
        shifts.emplace_back(p.start, p.end);
    }
    if (!covered(merge(shifts), plan.start, plan.end)) {
        return Violation{"help.shift",
                         fmt::format("{} is not on shift from {} to {}", name,
                                     describe_time(plan.start, zone), hhmm(plan.end, zone)),
                         std::nullopt};
    }
    for (auto i : world.of_staff(staff_id)) {
        const auto& b = world.bookings()[i];
        if (active(b, plan) && overlaps(b.start, b.end, plan.start, plan.end)) {
            return Violation{"help.busy",
                             fmt::format("{} is helping with call {} from {} to {}", name,
                                         code_of(b), describe_time(b.start, zone, plan.start),
                                         hhmm(b.end, zone)),
                             b.id};
        }
    }
    return std::nullopt;
}

} // namespace carecall
