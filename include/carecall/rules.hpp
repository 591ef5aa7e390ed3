#pragma once
/// The hard rules of a call (docs: domain.md "Rules every booking keeps"), defined once over an
/// in-memory World, for booking, the free-slot finder and the scheduler alike.

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "carecall/error.hpp"
#include "carecall/model.hpp"

namespace carecall {

/// A call as it would be booked.
struct CallPlan {
    ResidentId resident;
    std::vector<ContactId> contacts;
    DeviceId device;
    std::optional<StaffId> staff;
    Instant start;
    Instant end;
    int priority = priority::routine;
    bool override_availability = false;
    /// An end-of-life call the family may make at any hour: the ward's calling hours and the
    /// resident's care blocks give way (resident.calling_hours, resident.care_block); nothing else.
    bool override_hours = false;
    /// Bookings to leave out of the clash checks (the booking being moved, calls being displaced).
    std::vector<BookingId> ignoring;
};

/// Every rule a call, a booking change or a plan can break: one entry each in rule_catalogue(),
/// the only place a rule's name ("device.busy") is spelled. Grouped by stage, in the order
/// check_call checks them.
enum class Rule : unsigned char {
    // The call itself: without these nothing else can be checked.
    resident_unknown,
    resident_ward,
    time_order,
    contact_none,
    // The records: who may call whom, with which device.
    resident_not_admitted,
    resident_consent,
    resident_consent_review,
    resident_max_call,
    contact_unknown,
    contact_approval,
    device_unknown,
    device_ward,
    // Time windows: when each party can take part.
    resident_ward_closed,
    resident_calling_hours,
    resident_care_block,
    contact_availability,
    contact_absent,
    device_out_of_service,
    help_none,
    help_unknown,
    help_ward,
    help_competence,
    help_shift,
    help_busy,
    // Clashes with other calls.
    device_busy,
    device_cleaning,
    resident_busy,
    resident_calls_per_day,
    contact_busy,
    // A change to the bookings (book, move, cancel, outcomes), outside check_call.
    time_past,
    time_gap,
    time_not_started,
    booking_state,
    device_none,
    slot_none,
    // A standing request and the scheduler's search.
    request_max_per_day,
    request_per_week,
    search_free_start,
    search_time_limit,
};

/// Where a rule is checked.
enum class RuleStage : unsigned char {
    call,   ///< check_call, first: the call's own shape (stops the check)
    record, ///< check_call: the records (consent, approval, device's wards…)
    window, ///< check_call: time windows, absences, out of service, the helper
    clash,  ///< check_call: other calls
    change, ///< the booking service: the time and the state of a change
    plan,   ///< the scheduler: a request's own limits, and notes on its search
};

/// Whom a rule is about: the other party a message names. Another device or helper can lift a
/// rule about the device or the helper, never one about the resident, a contact or the time.
enum class RuleParty : unsigned char { resident, contact, device, helper, time, booking, request };

/// How the scheduler keeps a rule in its faster form (lib/schedule), derived from the same
/// definition; the final pass runs check_call on every call it books, whatever the form.
enum class SchedulerForm : unsigned char {
    input,   ///< the problem cannot express a call breaking it (or planning leaves the request out)
    request, ///< ruled out for the whole request, before the search (consent, devices, helpers)
    start,   ///< ruled out per possible start, before the search, from window_intervals
    search,  ///< kept by the search's occupancy timelines, against the other calls
    none,    ///< not a rule of a call the scheduler books (a change's time or state)
};

/// One entry of the catalogue.
struct RuleInfo {
    Rule id;
    const char* name; ///< the stable id users and files see: "device.busy"
    RuleStage stage;
    RuleParty party;
    bool gives_way; ///< an end-of-life call may displace a lower-priority call for it
    SchedulerForm scheduler;
    const char* description; ///< one line, for `why`, `carecall rules` and the user guide
};

/// Every rule, in the order of the enumeration (rule_catalogue()[i].id == Rule(i)).
const std::vector<RuleInfo>& rule_catalogue();
/// The catalogue entry of a rule.
const RuleInfo& rule_info(Rule id);
/// "device.busy".
std::string rule_name(Rule id);
/// The rule of a name ("device.busy"), or nullopt.
std::optional<Rule> find_rule(const std::string& name);
/// "call", "record", "window", "clash", "change", "plan".
std::string to_string(RuleStage stage);
/// "resident", "contact", "device", "helper", "time", "booking", "request".
std::string to_string(RuleParty party);
/// "input", "request", "start", "search", "none".
std::string to_string(SchedulerForm form);

/// One broken rule: its id, a sentence naming the other party and the times, and the booking in
/// the way where there is one.
struct Violation {
    Rule rule;
    std::string message;
    std::optional<BookingId> other;
    friend bool operator==(const Violation&, const Violation&) = default;
};

/// A refused call: the broken rules, the first of which is the message.
class BookingConflict : public Conflict {
public:
    explicit BookingConflict(std::vector<Violation> violations)
        : Conflict(violations.empty() ? std::string("the call breaks a rule")
                                      : violations.front().message,
                   violations.empty() ? std::string("conflict")
                                      : rule_name(violations.front().rule)),
          m_violations(std::move(violations)) {}
    [[nodiscard]] const std::vector<Violation>& violations() const noexcept { return m_violations; }

private:
    std::vector<Violation> m_violations;
};

/// The records and bookings the rules look at: a snapshot of the store, or a planning problem.
/// Bookings are those that can clash (status booked or completed); cancelled ones are left out.
class World {
public:
    void add(Site s);
    void add(Ward w);
    void add(Resident r);
    void add(Contact c);
    void add(Device d);
    void add(Staff s);
    void add(const Approval& a);
    void add(Booking b);
    /// Every record a store lists (`sites()`, `wards()`, … each with `list()`), bookings aside:
    /// those the caller chooses are added one by one.
    template <class Records>
    void add_records(Records& store) {
        add_each(store.sites().list());
        add_each(store.wards().list());
        add_each(store.residents().list());
        add_each(store.contacts().list());
        add_each(store.devices().list());
        add_each(store.staff().list());
        add_each(store.approvals().list());
    }

    [[nodiscard]] const Site* site(SiteId id) const;
    [[nodiscard]] const Ward* ward(WardId id) const;
    [[nodiscard]] const Resident* resident(ResidentId id) const;
    [[nodiscard]] const Contact* contact(ContactId id) const;
    [[nodiscard]] const Device* device(DeviceId id) const;
    [[nodiscard]] const Staff* staff(StaffId id) const;
    [[nodiscard]] const Approval* approval(ResidentId r, ContactId c) const;
    [[nodiscard]] const Booking* booking(BookingId id) const;
    [[nodiscard]] const std::vector<Booking>& bookings() const { return m_bookings; }
    [[nodiscard]] const std::unordered_map<DeviceId, Device>& devices() const { return m_devices; }
    [[nodiscard]] const std::unordered_map<StaffId, Staff>& staff_members() const {
        return m_staff;
    }

    /// The zone of a ward's site / of a contact (cached).
    [[nodiscard]] const date::time_zone* ward_zone(WardId id) const;
    [[nodiscard]] const date::time_zone* contact_zone(ContactId id) const;

    /// Indexes of bookings that involve a device / resident / contact / staff member.
    [[nodiscard]] const std::vector<std::size_t>& on_device(DeviceId id) const;
    [[nodiscard]] const std::vector<std::size_t>& of_resident(ResidentId id) const;
    [[nodiscard]] const std::vector<std::size_t>& of_contact(ContactId id) const;
    [[nodiscard]] const std::vector<std::size_t>& of_staff(StaffId id) const;

private:
    template <class T>
    void add_each(std::vector<T> records) {
        for (auto& r : records) {
            add(std::move(r));
        }
    }

    std::unordered_map<SiteId, Site> m_sites;
    std::unordered_map<WardId, Ward> m_wards;
    std::unordered_map<ResidentId, Resident> m_residents;
    std::unordered_map<ContactId, Contact> m_contacts;
    std::unordered_map<DeviceId, Device> m_devices;
    std::unordered_map<StaffId, Staff> m_staff;
    std::map<std::pair<std::int64_t, std::int64_t>, Approval> m_approvals;
    std::vector<Booking> m_bookings;
    std::unordered_map<BookingId, std::size_t> m_booking_index;
    std::unordered_map<DeviceId, std::vector<std::size_t>> m_by_device;
    std::unordered_map<ResidentId, std::vector<std::size_t>> m_by_resident;
    std::unordered_map<ContactId, std::vector<std::size_t>> m_by_contact;
    std::unordered_map<StaffId, std::vector<std::size_t>> m_by_staff;
};

/// The rules check_call checks, in the order it checks them: each has one small function there.
const std::vector<Rule>& check_call_rules();

/// The facts behind the rules, shared by check_call and the scheduler's faster forms of the same
/// rules, so both read one definition.
namespace rule_facts {
/// The resident is on the ward on this local date (admitted, not yet discharged).
bool on_ward(const Resident& r, Date day);
/// The ward's closure covering this local date, if any.
const DateRange* closure_on(const Ward& w, Date day);
/// The resident has given consent to video calls.
bool consents(const Resident& r);
/// A best-interest decision whose review date is before this local date: it no longer stands.
bool review_lapsed(const Resident& r, Date day);
/// The resident manages a call of this many minutes.
bool manages(const Resident& r, long long minutes);
/// The device serves the ward.
bool serves(const Device& d, WardId ward);
/// The staff member works on the ward.
bool works_on(const Staff& s, WardId ward);
/// The first competence the resident needs that the helper lacks, or nullptr.
const std::string* missing_competence(const Staff& s, const Resident& r);
/// Minutes a device needs after a call before the next one: cleaning, and moving when the next
/// call is on another ward.
int device_gap_minutes(const Device& d, bool moves);
/// The resident has room for one more call on a day that already has `calls`.
bool room_for_call(const Resident& r, int calls);
/// request.per_week: one more call of a request on a date keeps every 7 dates in a row around
/// it within `per_week` calls. `calls[k]` holds the request's other calls on the date k - 6 days
/// away (k = 0 … 12: six dates before it, the date, six after). No count (0) has room always.
bool week_has_room(int per_week, const std::array<int, 13>& calls);
} // namespace rule_facts

/// The call a booking makes (its parties, times, priority and any availability or hours override).
CallPlan plan_of(const Booking& b);

/// Checks every hard rule for the call. Returns the broken rules, most fundamental first (the
/// record rules — ward, consent, approval — then time windows, then clashes); empty when the call
/// may be booked. With `first_only` it stops at the first.
std::vector<Violation> check_call(const World& world, const CallPlan& plan,
                                  bool first_only = false);

/// The rules for the helper alone (help.*): whether `staff` may help this call.
std::optional<Violation> check_helper(const World& world, const CallPlan& plan, StaffId staff);

/// [start, end) intervals in UTC of weekly windows on the local dates around [from, to) in `zone`.
/// A window edge inside a clock-change gap is put at the change.
std::vector<std::pair<Instant, Instant>> window_intervals(const std::vector<WeeklyWindow>& windows,
                                                          const date::time_zone* zone, Instant from,
                                                          Instant to);

/// [first, second) intervals (of instants, or of the scheduler's minutes) sorted, with overlapping
/// and touching ones joined and empty ones left out.
template <class T>
std::vector<std::pair<T, T>> merge_intervals(std::vector<std::pair<T, T>> v) {
    std::sort(v.begin(), v.end());
    std::vector<std::pair<T, T>> out;
    for (const auto& iv : v) {
        if (!out.empty() && iv.first <= out.back().second) {
            out.back().second = std::max(out.back().second, iv.second);
        } else if (iv.first < iv.second) {
            out.push_back(iv);
        }
    }
    return out;
}

/// "14:00 GMT", or "Tue 2027-03-30 14:00 BST" when not on `same_day`'s local date.
std::string describe_time(Instant t, const date::time_zone* zone,
                          std::optional<Instant> same_day = std::nullopt);

/// A record's name for messages: its name, else its code.
template <class T>
std::string display_name(const T& record) {
    return record.name.empty() ? record.code : record.name;
}

} // namespace carecall
