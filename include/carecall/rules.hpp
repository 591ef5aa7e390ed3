#pragma once
/// The hard rules of a call (docs: domain.md "Rules every booking keeps"), defined once over an
/// in-memory World, for booking, the free-slot finder and the scheduler alike.

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
    /// Bookings to leave out of the clash checks (the booking being moved, calls being displaced).
    std::vector<BookingId> ignoring;
};

/// One broken rule: a stable rule id, a sentence naming the other party and the times, and the
/// booking in the way where there is one.
struct Violation {
    std::string rule; ///< "device.busy", "device.cleaning", "contact.availability"…
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
                   violations.empty() ? std::string("conflict") : violations.front().rule),
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
    [[nodiscard]] const std::unordered_map<StaffId, Staff>& staff_members() const { return m_staff; }

    /// The zone of a ward's site / of a contact (cached).
    [[nodiscard]] const date::time_zone* ward_zone(WardId id) const;
    [[nodiscard]] const date::time_zone* contact_zone(ContactId id) const;

    /// Indexes of bookings that involve a device / resident / contact / staff member.
    [[nodiscard]] const std::vector<std::size_t>& on_device(DeviceId id) const;
    [[nodiscard]] const std::vector<std::size_t>& of_resident(ResidentId id) const;
    [[nodiscard]] const std::vector<std::size_t>& of_contact(ContactId id) const;
    [[nodiscard]] const std::vector<std::size_t>& of_staff(StaffId id) const;

private:
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

/// The call a booking makes (its parties, times, priority and any availability override).
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

/// "14:00 GMT", or "Tue 2027-03-30 14:00 BST" when not on `same_day`'s local date.
std::string describe_time(Instant t, const date::time_zone* zone,
                          std::optional<Instant> same_day = std::nullopt);

/// A record's name for messages: its name, else its code.
template <class T> std::string display_name(const T& record) {
    return record.name.empty() ? record.code : record.name;
}

} // namespace carecall
