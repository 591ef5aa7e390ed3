// The hard rules, defined once. Every check works on UTC instants; weekly windows are turned into
// UTC intervals on each local date of their owner's zone, so they follow that zone's clock changes.
#include <algorithm>
#include <array>
#include <numeric>

#include <fmt/format.h>

#include "carecall/rules.hpp"

namespace carecall {
namespace {

using Intervals = std::vector<std::pair<Instant, Instant>>;

bool overlaps(Instant a0, Instant a1, Instant b0, Instant b1) {
    return a0 < b1 && b0 < a1;
}

bool covered(const Intervals& merged, Instant s, Instant e) {
    return std::any_of(merged.begin(), merged.end(),
                       [&](const auto& iv) { return iv.first <= s && e <= iv.second; });
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

/// What the rule functions share: the call, the records found so far, and the violations.
struct Ctx {
    const World& world;
    const CallPlan& plan;
    bool first_only;
    std::vector<Violation> out;
    const Resident* resident = nullptr;
    const Ward* ward = nullptr;
    const Device* device = nullptr;
    const date::time_zone* zone = nullptr;
    bool helper_refused = false; ///< the helper rules report only their first refusal

    /// Adds a violation; false when the check should stop.
    bool add(Rule rule, std::string message, std::optional<BookingId> other = std::nullopt) {
        out.push_back(Violation{rule, std::move(message), other});
        return !first_only;
    }
    [[nodiscard]] std::string when(Instant t) const { return describe_time(t, zone, plan.start); }
    [[nodiscard]] std::string rname() const { return display_name(*resident); }
    [[nodiscard]] Date day() const { return local_date(plan.start, zone); }
};

/// One rule's check: adds its violations; false when checking should stop.
using RuleFn = bool (*)(Ctx&);
struct RuleCheck {
    Rule rule;
    RuleFn check;
};

// --- The call itself: each stops the check, as nothing after it could be read.

bool resident_unknown(Ctx& c) {
    c.resident = c.world.resident(c.plan.resident);
    if (c.resident == nullptr) {
        c.add(Rule::resident_unknown,
              fmt::format("resident #{} does not exist", c.plan.resident.value));
        return false;
    }
    return true;
}

bool resident_ward(Ctx& c) {
    c.ward = c.world.ward(c.resident->ward);
    c.zone = c.world.ward_zone(c.resident->ward);
    if (c.ward == nullptr || c.zone == nullptr) {
        c.add(Rule::resident_ward, fmt::format("{} is on no known ward", c.rname()));
        return false;
    }
    return true;
}

bool time_order(Ctx& c) {
    if (c.plan.end <= c.plan.start) {
        c.add(Rule::time_order, "the call must end after it starts");
        return false;
    }
    return true;
}

bool contact_none(Ctx& c) {
    if (c.plan.contacts.empty()) {
        c.add(Rule::contact_none, "a call needs at least one contact");
        return false;
    }
    return true;
}

// --- The records.

bool resident_not_admitted(Ctx& c) {
    const auto& r = *c.resident;
    if (rule_facts::on_ward(r, c.day())) {
        return true;
    }
    if (r.admitted && date::sys_days{c.day()} < date::sys_days{*r.admitted}) {
        return c.add(Rule::resident_not_admitted, fmt::format("{} is not admitted until {}",
                                                              c.rname(), format_date(*r.admitted)));
    }
    return c.add(Rule::resident_not_admitted,
                 fmt::format("{} was discharged on {}", c.rname(), format_date(*r.discharged)));
}

bool resident_consent_review(Ctx& c) {
    const auto& r = *c.resident;
    if (!rule_facts::review_lapsed(r, c.day())) {
        return true;
    }
    return c.add(Rule::resident_consent_review,
                 fmt::format("the best-interest decision for {} was due for review on {} (carecall "
                             "resident consent)",
                             c.rname(), format_date(*r.consent.review)));
}

bool resident_consent(Ctx& c) {
    if (rule_facts::consents(*c.resident)) {
        return true;
    }
    if (c.resident->consent.status == ConsentStatus::refused) {
        return c.add(Rule::resident_consent, fmt::format("{} has refused video calls", c.rname()));
    }
    return c.add(Rule::resident_consent,
                 fmt::format("{} has no consent to video calls recorded (carecall resident "
                             "consent)",
                             c.rname()));
}

bool resident_max_call(Ctx& c) {
    auto minutes = std::chrono::duration_cast<std::chrono::minutes>(c.plan.end - c.plan.start);
    if (rule_facts::manages(*c.resident, minutes.count())) {
        return true;
    }
    return c.add(Rule::resident_max_call,
                 fmt::format("{} manages calls of at most {} minutes; this one is {}", c.rname(),
                             *c.resident->max_call_minutes, minutes.count()));
}

bool contact_unknown(Ctx& c) {
    for (auto cid : c.plan.contacts) {
        if (c.world.contact(cid) == nullptr &&
            !c.add(Rule::contact_unknown, fmt::format("contact #{} does not exist", cid.value))) {
            return false;
        }
    }
    return true;
}

bool contact_approval(Ctx& c) {
    for (auto cid : c.plan.contacts) {
        const auto* contact = c.world.contact(cid);
        if (contact == nullptr) {
            continue;
        }
        const auto* a = c.world.approval(c.resident->id, cid);
        if ((a == nullptr || !a->approved) &&
            !c.add(Rule::contact_approval, fmt::format("{} is not approved to call {}",
                                                       display_name(*contact), c.rname()))) {
            return false;
        }
    }
    return true;
}

bool device_unknown(Ctx& c) {
    c.device = c.world.device(c.plan.device);
    if (c.device == nullptr) {
        c.add(Rule::device_unknown, fmt::format("device #{} does not exist", c.plan.device.value));
        return false; // the window and clash rules need the device
    }
    return true;
}

bool device_ward(Ctx& c) {
    if (rule_facts::serves(*c.device, c.resident->ward)) {
        return true;
    }
    return c.add(Rule::device_ward, fmt::format("device {} does not serve ward {}",
                                                display_name(*c.device), display_name(*c.ward)));
}

// --- Time windows.

bool resident_ward_closed(Ctx& c) {
    // Every local date the call touches.
    auto first = local_date(c.plan.start, c.zone);
    auto last = local_date(c.plan.end - std::chrono::seconds{1}, c.zone);
    for (const auto& cl : c.ward->closures) {
        if (date::sys_days{cl.first} <= date::sys_days{last} &&
            date::sys_days{first} <= date::sys_days{cl.last} &&
            !c.add(Rule::resident_ward_closed,
                   fmt::format("ward {} is closed from {} to {}{}", display_name(*c.ward),
                               format_date(cl.first), format_date(cl.last),
                               cl.reason.empty() ? "" : " (" + cl.reason + ")"))) {
            return false;
        }
    }
    return true;
}

bool resident_calling_hours(Ctx& c) {
    if (c.plan.override_hours) {
        return true; // an end-of-life call: the family is let in at any hour
    }
    auto hours =
        merge_intervals(window_intervals(c.ward->calling_hours, c.zone, c.plan.start, c.plan.end));
    if (covered(hours, c.plan.start, c.plan.end)) {
        return true;
    }
    std::string text;
    for (const auto& w : c.ward->calling_hours) {
        text += (text.empty() ? "" : ", ") + format_window(w);
    }
    return c.add(Rule::resident_calling_hours,
                 fmt::format("{} to {} is outside the calling hours of ward {} ({})",
                             c.when(c.plan.start), hhmm(c.plan.end, c.zone), display_name(*c.ward),
                             text.empty() ? "none set" : text));
}

bool resident_care_block(Ctx& c) {
    if (c.plan.override_hours) {
        return true; // an end-of-life call: care gives way to the family
    }
    const auto& r = *c.resident;
    auto blocked = [&](const std::string& label, Instant from, std::string to) {
        return c.add(Rule::resident_care_block,
                     fmt::format("{} has {} from {} to {}", c.rname(),
                                 label.empty() ? "a care block" : label, c.when(from), to));
    };
    for (const auto& b : r.care_blocks) {
        for (const auto& iv : window_intervals({b}, c.zone, c.plan.start, c.plan.end)) {
            if (overlaps(iv.first, iv.second, c.plan.start, c.plan.end)) {
                if (!blocked(b.label, iv.first, hhmm(iv.second, c.zone))) {
                    return false;
                }
                break;
            }
        }
    }
    for (const auto& p : r.one_off_blocks) {
        if (overlaps(p.start, p.end, c.plan.start, c.plan.end) &&
            !blocked(p.label, p.start, c.when(p.end))) {
            return false;
        }
    }
    return true;
}

/// Runs `check(contact, its zone)` for each known contact of the call until one returns false;
/// nothing when the family agreed another time by phone (--override-availability).
template <class Check>
bool each_contact_unless_overridden(Ctx& c, Check check) {
    if (c.plan.override_availability) {
        return true;
    }
    for (auto cid : c.plan.contacts) {
        const auto* contact = c.world.contact(cid);
        if (contact != nullptr && !check(*contact, find_zone(contact->tz))) {
            return false;
        }
    }
    return true;
}

bool contact_availability(Ctx& c) {
    return each_contact_unless_overridden(c, [&](const Contact& contact, const auto* cz) {
        auto avail =
            merge_intervals(window_intervals(contact.availability, cz, c.plan.start, c.plan.end));
        return covered(avail, c.plan.start, c.plan.end) ||
               c.add(Rule::contact_availability,
                     fmt::format("{}: {} in {} is outside their availability",
                                 display_name(contact), describe_time(c.plan.start, cz),
                                 contact.tz));
    });
}

bool contact_absent(Ctx& c) {
    return each_contact_unless_overridden(c, [&](const Contact& contact, const auto* cz) {
        for (const auto& p : contact.absences) {
            if (overlaps(p.start, p.end, c.plan.start, c.plan.end) &&
                !c.add(Rule::contact_absent,
                       fmt::format("{} is away from {} to {}{}", display_name(contact),
                                   describe_time(p.start, cz, c.plan.start),
                                   describe_time(p.end, cz, c.plan.start),
                                   p.label.empty() ? "" : " (" + p.label + ")"))) {
                return false;
            }
        }
        return true;
    });
}

bool device_out_of_service(Ctx& c) {
    for (const auto& p : c.device->out_of_service) {
        if (overlaps(p.start, p.end, c.plan.start, c.plan.end) &&
            !c.add(Rule::device_out_of_service,
                   fmt::format("device {} is out of service from {} to {}{}",
                               display_name(*c.device), c.when(p.start), c.when(p.end),
                               p.label.empty() ? "" : " (" + p.label + ")"))) {
            return false;
        }
    }
    return true;
}

bool help_none(Ctx& c) {
    if (c.plan.staff || !c.resident->needs_assistance) {
        return true;
    }
    return c.add(Rule::help_none, fmt::format("{} needs a member of staff to help with calls and "
                                              "none is free on ward {}",
                                              c.rname(), display_name(*c.ward)));
}

// --- The helper: only the first refusal is reported (check_helper's contract).

/// What the helper rules read: the helper and the resident's ward and zone.
struct HelperCtx {
    const World& world;
    const CallPlan& plan;
    const Resident& resident;
    const Ward* ward; ///< null only for help_unknown, which reads no ward
    const date::time_zone* zone;
    StaffId id;
    const Staff* staff;
};
using HelperFn = std::optional<Violation> (*)(const HelperCtx&);

std::optional<Violation> help_unknown(const HelperCtx& h) {
    if (h.staff != nullptr) {
        return std::nullopt;
    }
    return Violation{Rule::help_unknown, fmt::format("staff #{} does not exist", h.id.value),
                     std::nullopt};
}

std::optional<Violation> help_ward(const HelperCtx& h) {
    if (rule_facts::works_on(*h.staff, h.resident.ward)) {
        return std::nullopt;
    }
    return Violation{
        Rule::help_ward,
        fmt::format("{} does not work on ward {}", display_name(*h.staff), display_name(*h.ward)),
        std::nullopt};
}

std::optional<Violation> help_competence(const HelperCtx& h) {
    const auto* missing = rule_facts::missing_competence(*h.staff, h.resident);
    if (missing == nullptr) {
        return std::nullopt;
    }
    return Violation{Rule::help_competence,
                     fmt::format("{} lacks the competence '{}' that {} needs",
                                 display_name(*h.staff), *missing, display_name(h.resident)),
                     std::nullopt};
}

std::optional<Violation> help_shift(const HelperCtx& h) {
    auto shifts = window_intervals(h.staff->weekly_shifts, h.zone, h.plan.start, h.plan.end);
    for (const auto& p : h.staff->shifts) {
        shifts.emplace_back(p.start, p.end);
    }
    if (covered(merge_intervals(shifts), h.plan.start, h.plan.end)) {
        return std::nullopt;
    }
    return Violation{Rule::help_shift,
                     fmt::format("{} is not on shift from {} to {}", display_name(*h.staff),
                                 describe_time(h.plan.start, h.zone), hhmm(h.plan.end, h.zone)),
                     std::nullopt};
}

std::optional<Violation> help_busy(const HelperCtx& h) {
    for (auto i : h.world.of_staff(h.id)) {
        const auto& b = h.world.bookings()[i];
        if (active(b, h.plan) && overlaps(b.start, b.end, h.plan.start, h.plan.end)) {
            return Violation{Rule::help_busy,
                             fmt::format("{} is helping with call {} from {} to {}",
                                         display_name(*h.staff), code_of(b),
                                         describe_time(b.start, h.zone, h.plan.start),
                                         hhmm(b.end, h.zone)),
                             b.id};
        }
    }
    return std::nullopt;
}

struct HelperCheck {
    Rule rule;
    HelperFn check;
};
const std::array<HelperCheck, 5> k_helper_checks{{
    {Rule::help_unknown, help_unknown},
    {Rule::help_ward, help_ward},
    {Rule::help_competence, help_competence},
    {Rule::help_shift, help_shift},
    {Rule::help_busy, help_busy},
}};

/// In check_call: runs one helper rule on the plan's helper, unless an earlier one refused.
template <Rule R>
bool helper_rule(Ctx& c) {
    if (!c.plan.staff || c.helper_refused) {
        return true;
    }
    HelperCtx h{
        c.world, c.plan, *c.resident, c.ward, c.zone, *c.plan.staff, c.world.staff(*c.plan.staff)};
    for (const auto& hc : k_helper_checks) {
        if (hc.rule == R) {
            if (auto v = hc.check(h)) {
                c.helper_refused = true;
                return c.add(v->rule, std::move(v->message), v->other);
            }
        }
    }
    return true;
}

// --- Clashes with other calls.

/// Whether booking b on the device is followed or preceded by a ward move.
bool moves_ward(const Ctx& c, const Booking& b) {
    const auto* other = c.world.resident(b.resident);
    return other != nullptr && other->ward != c.resident->ward;
}

bool device_busy(Ctx& c) {
    const auto& bookings = c.world.bookings();
    for (auto i : c.world.on_device(c.plan.device)) {
        const auto& b = bookings[i];
        if (active(b, c.plan) && overlaps(b.start, b.end, c.plan.start, c.plan.end) &&
            !c.add(Rule::device_busy,
                   fmt::format("device {} is in call {} from {} to {}", display_name(*c.device),
                               code_of(b), c.when(b.start), hhmm(b.end, c.zone)),
                   b.id)) {
            return false;
        }
    }
    return true;
}

bool device_cleaning(Ctx& c) {
    const auto& bookings = c.world.bookings();
    for (auto i : c.world.on_device(c.plan.device)) {
        const auto& b = bookings[i];
        if (!active(b, c.plan) || overlaps(b.start, b.end, c.plan.start, c.plan.end)) {
            continue; // a call in the call's own time is device.busy
        }
        bool moves = moves_ward(c, b);
        auto gap = std::chrono::minutes{rule_facts::device_gap_minutes(*c.device, moves)};
        if (!overlaps(b.start, b.end + gap, c.plan.start, c.plan.end + gap)) {
            continue;
        }
        std::string msg;
        if (b.end <= c.plan.start) {
            msg = fmt::format("device {} is being cleaned{} after the {} call until {}",
                              display_name(*c.device), moves ? " and moved" : "",
                              hhmm(b.start, c.zone), hhmm(b.end + gap, c.zone));
        } else {
            msg = fmt::format("device {} needs {} minutes after this call for cleaning{} before "
                              "call {} at {}",
                              display_name(*c.device), gap.count(), moves ? " and moving" : "",
                              code_of(b), c.when(b.start));
        }
        if (!c.add(Rule::device_cleaning, std::move(msg), b.id)) {
            return false;
        }
    }
    return true;
}

bool resident_busy(Ctx& c) {
    const auto& bookings = c.world.bookings();
    for (auto i : c.world.of_resident(c.plan.resident)) {
        const auto& b = bookings[i];
        if (active(b, c.plan) && overlaps(b.start, b.end, c.plan.start, c.plan.end) &&
            !c.add(Rule::resident_busy,
                   fmt::format("{} is already in call {} from {} to {}", c.rname(), code_of(b),
                               c.when(b.start), hhmm(b.end, c.zone)),
                   b.id)) {
            return false;
        }
    }
    return true;
}

bool resident_calls_per_day(Ctx& c) {
    const auto& bookings = c.world.bookings();
    int same_day = 0;
    auto day = c.day();
    for (auto i : c.world.of_resident(c.plan.resident)) {
        const auto& b = bookings[i];
        if (active(b, c.plan) && local_date(b.start, c.zone) == day) {
            ++same_day;
        }
    }
    if (rule_facts::room_for_call(*c.resident, same_day)) {
        return true;
    }
    return c.add(Rule::resident_calls_per_day,
                 fmt::format("{} already has {} call{} on {} (at most {} a day)", c.rname(),
                             same_day, same_day == 1 ? "" : "s", format_date(day),
                             *c.resident->max_calls_per_day));
}

bool contact_busy(Ctx& c) {
    const auto& bookings = c.world.bookings();
    for (auto cid : c.plan.contacts) {
        const auto* contact = c.world.contact(cid);
        for (auto i : c.world.of_contact(cid)) {
            const auto& b = bookings[i];
            if (active(b, c.plan) && overlaps(b.start, b.end, c.plan.start, c.plan.end) &&
                !c.add(Rule::contact_busy,
                       fmt::format("{} is already in call {} from {} to {}",
                                   contact != nullptr ? display_name(*contact) : "the contact",
                                   code_of(b), c.when(b.start), hhmm(b.end, c.zone)),
                       b.id)) {
                return false;
            }
        }
    }
    return true;
}

/// check_call's rules in order: most fundamental first (the call, the records, the windows, the
/// clashes). A new rule is one function above and one line here (ARCHITECTURE.md, "Adding a rule").
const std::array<RuleCheck, 29> k_checks{{
    {Rule::resident_unknown, resident_unknown},
    {Rule::resident_ward, resident_ward},
    {Rule::time_order, time_order},
    {Rule::contact_none, contact_none},
    {Rule::resident_not_admitted, resident_not_admitted},
    {Rule::resident_consent, resident_consent},
    {Rule::resident_consent_review, resident_consent_review},
    {Rule::resident_max_call, resident_max_call},
    {Rule::contact_unknown, contact_unknown},
    {Rule::contact_approval, contact_approval},
    {Rule::device_unknown, device_unknown},
    {Rule::device_ward, device_ward},
    {Rule::resident_ward_closed, resident_ward_closed},
    {Rule::resident_calling_hours, resident_calling_hours},
    {Rule::resident_care_block, resident_care_block},
    {Rule::contact_availability, contact_availability},
    {Rule::contact_absent, contact_absent},
    {Rule::device_out_of_service, device_out_of_service},
    {Rule::help_none, help_none},
    {Rule::help_unknown, helper_rule<Rule::help_unknown>},
    {Rule::help_ward, helper_rule<Rule::help_ward>},
    {Rule::help_competence, helper_rule<Rule::help_competence>},
    {Rule::help_shift, helper_rule<Rule::help_shift>},
    {Rule::help_busy, helper_rule<Rule::help_busy>},
    {Rule::device_busy, device_busy},
    {Rule::device_cleaning, device_cleaning},
    {Rule::resident_busy, resident_busy},
    {Rule::resident_calls_per_day, resident_calls_per_day},
    {Rule::contact_busy, contact_busy},
}};

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
    return CallPlan{.resident = b.resident,
                    .contacts = b.contacts,
                    .device = b.device,
                    .staff = b.staff,
                    .start = b.start,
                    .end = b.end,
                    .priority = b.priority,
                    .override_availability = b.availability_overridden,
                    .override_hours = b.hours_overridden,
                    .ignoring = {}};
}

std::vector<Violation> check_call(const World& world, const CallPlan& plan, bool first_only) {
    Ctx c{world, plan, first_only, {}};
    for (const auto& rc : k_checks) {
        if (!rc.check(c)) {
            break;
        }
    }
    return std::move(c.out);
}

const std::vector<Rule>& check_call_rules() {
    static const std::vector<Rule> rules = [] {
        std::vector<Rule> out;
        for (const auto& rc : k_checks) {
            out.push_back(rc.rule);
        }
        return out;
    }();
    return rules;
}

std::optional<Violation> check_helper(const World& world, const CallPlan& plan, StaffId staff_id) {
    const auto* r = world.resident(plan.resident);
    if (r == nullptr) {
        return Violation{Rule::resident_unknown, "the resident does not exist", std::nullopt};
    }
    const auto* s = world.staff(staff_id);
    const auto* ward = world.ward(r->ward);
    const auto* zone = world.ward_zone(r->ward);
    HelperCtx h{world, plan, *r, ward, zone, staff_id, s};
    if (auto v = help_unknown(h)) {
        return v;
    }
    if (ward == nullptr || zone == nullptr) {
        return Violation{Rule::resident_ward, "the resident is on no known ward", std::nullopt};
    }
    for (const auto& hc : k_helper_checks) {
        if (auto v = hc.check(h)) {
            return v;
        }
    }
    return std::nullopt;
}

namespace rule_facts {

bool on_ward(const Resident& r, Date day) {
    auto d = date::sys_days{day};
    return !(r.admitted && d < date::sys_days{*r.admitted}) &&
           !(r.discharged && d > date::sys_days{*r.discharged});
}

const DateRange* closure_on(const Ward& w, Date day) {
    auto d = date::sys_days{day};
    for (const auto& c : w.closures) {
        if (date::sys_days{c.first} <= d && d <= date::sys_days{c.last}) {
            return &c;
        }
    }
    return nullptr;
}

bool review_lapsed(const Resident& r, Date day) {
    return r.consent.status == ConsentStatus::best_interest && r.consent.review &&
           date::sys_days{*r.consent.review} < date::sys_days{day};
}

bool consents(const Resident& r) {
    return r.consent.status != ConsentStatus::none && r.consent.status != ConsentStatus::refused;
}

bool manages(const Resident& r, long long minutes) {
    return !r.max_call_minutes || minutes <= *r.max_call_minutes;
}

bool serves(const Device& d, WardId ward) {
    return std::find(d.wards.begin(), d.wards.end(), ward) != d.wards.end();
}

bool works_on(const Staff& s, WardId ward) {
    return std::find(s.wards.begin(), s.wards.end(), ward) != s.wards.end();
}

const std::string* missing_competence(const Staff& s, const Resident& r) {
    for (const auto& c : r.competences) {
        if (std::find(s.competences.begin(), s.competences.end(), c) == s.competences.end()) {
            return &c;
        }
    }
    return nullptr;
}

int device_gap_minutes(const Device& d, bool moves) {
    return d.cleaning_minutes + (moves ? d.move_minutes : 0);
}

bool room_for_call(const Resident& r, int calls) {
    return !r.max_calls_per_day || calls < *r.max_calls_per_day;
}

bool week_has_room(int per_week, const std::array<int, 13>& calls) {
    if (per_week <= 0) {
        return true;
    }
    // The 7 dates ending on the date, then each window one date later, up to the one starting
    // on it: every one must hold fewer than per_week before the call is added.
    int sum = std::accumulate(calls.begin(), calls.begin() + 7, 0);
    for (std::size_t k = 7; sum < per_week && k < calls.size(); ++k) {
        sum += calls[k] - calls[k - 7];
    }
    return sum < per_week;
}

} // namespace rule_facts

} // namespace carecall
