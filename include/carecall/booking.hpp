#pragma once
/// Booking calls: book, move, cancel, record outcomes, find free slots, list the agenda.
/// Every write runs in one BEGIN IMMEDIATE transaction that loads what the rules need, checks
/// every hard rule (rules.hpp: the same check for book, move, slots and the scheduler), writes the
/// booking and its audit row, and commits. Two coordinators can never double-book: the second
/// waits for the first and then sees its booking.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "carecall/error.hpp"
#include "carecall/model.hpp"
#include "carecall/rules.hpp"

namespace carecall {

class Store;

/// A refused call: the broken rules, the first of which is the message.
class BookingConflict : public Conflict {
public:
    explicit BookingConflict(std::vector<Violation> violations)
        : Conflict(violations.empty() ? std::string("the call breaks a rule")
                                      : violations.front().message,
                   violations.empty() ? std::string("conflict") : rule_name(violations.front().rule)),
          m_violations(std::move(violations)) {}
    [[nodiscard]] const std::vector<Violation>& violations() const noexcept { return m_violations; }

private:
    std::vector<Violation> m_violations;
};

struct BookRequest {
    ResidentId resident;
    std::vector<ContactId> contacts;
    std::optional<Instant> at;     ///< an exact start; without it the first free start is taken
    std::optional<Instant> after;  ///< first-free: search from (default now)
    std::optional<Instant> before; ///< first-free: the call must end by (default after + 14 days)
    int duration_minutes = 30;
    std::optional<DeviceId> device; ///< picked when not given (home ward's devices first)
    std::optional<StaffId> staff;   ///< picked when the resident needs help and none is given
    int priority = priority::routine;
    bool override_availability = false; ///< agreed with the family by phone; needs a reason
    /// An end-of-life call at any hour: the ward's calling hours and the resident's care blocks
    /// give way (never the device, other calls, closures, consent, approval or the contacts).
    /// Only for priority end_of_life (or higher); needs a reason. Kept when the call is moved.
    bool override_hours = false;
    std::string reason;
    std::optional<RequestId> request;
    std::string series; ///< a weekly series' code (set by book_weekly)
};

/// A booked (or waiting) call to move to a new start. The call keeps its length, contacts and
/// priority; every rule is checked again as for book().
struct MoveRequest {
    BookingId booking;
    Instant start;                    ///< the new start
    std::optional<DeviceId> device{}; ///< another device; picked when not given (home ward's first)
    std::optional<StaffId> staff{};   ///< another helper; picked when the resident needs one
    /// Agreed with the family by phone; needs a reason. An override of the booked time is kept
    /// only while the start stays the same: a new time needs its own.
    bool override_availability = false;
    std::string reason{}; ///< recorded on the booking when given
};

/// A routine call moved (or put on the waiting list) to make room for a higher-priority one.
struct Displacement {
    Booking before;
    std::optional<Booking> after; ///< nullopt: put on the waiting list
};

struct BookResult {
    Booking booking;
    std::vector<Displacement> displaced;
};

/// One occurrence of a weekly series.
struct Occurrence {
    Date date;                          ///< site local date
    std::optional<Booking> booking;     ///< booked
    std::vector<Violation> violations;  ///< why not (a DST gap is rule "time.gap")
};

struct WeeklyResult {
    std::string series;
    std::vector<Occurrence> occurrences;
};

/// A feasible start with the device and helper that make it work.
struct Slot {
    Instant start;
    Instant end;
    DeviceId device;
    std::optional<StaffId> staff;
};

/// Why starts were refused: a rule, one of its messages, and how many starts it blocked first.
struct SlotReason {
    Rule rule;
    std::string example;
    int starts = 0;
};

struct SlotQuery {
    ResidentId resident;
    std::vector<ContactId> contacts;
    Instant from;
    int days = 7;
    int duration_minutes = 30;
    int limit = 10;
    int step_minutes = 15; ///< starts on this grid of the site's local time
    std::optional<DeviceId> device;
    std::optional<StaffId> staff;
};

/// Which bookings to list.
struct BookingFilter {
    std::optional<Instant> from; ///< overlapping [from, to)
    std::optional<Instant> to;
    std::vector<WardId> wards;
    std::vector<ResidentId> residents;
    std::vector<ContactId> contacts;
    std::vector<DeviceId> devices;
    std::vector<StaffId> staff;
    std::vector<BookingStatus> statuses; ///< empty: all but cancelled
};

class BookingService {
public:
    BookingService(Store& store, std::function<Instant()> now);

    /// Books one call (an exact start, or the first free one). end_of_life calls may displace
    /// lower-priority calls: each is moved to its next feasible slot or put on the waiting list.
    BookResult book(const BookRequest& request);
    /// A fixed weekly time from request.at until `until` (site local date, inclusive): every
    /// occurrence is checked; those that break a rule or fall in a clock-change gap are reported,
    /// never shifted. All bookable occurrences are written in one transaction.
    WeeklyResult book_weekly(const BookRequest& request, Date until);
    /// Moves a booked or waiting call to a new start (and optionally device/helper),
    /// re-checking every rule; the call is booked afterwards.
    Booking move(const MoveRequest& request);
    /// Conditional state changes: only a booked call can be cancelled or given an outcome, and an
    /// outcome only from the call's start on (rule time.not_started).
    Booking cancel(BookingId id, const std::string& reason);
    Booking complete(BookingId id, const std::string& note = {});
    Booking missed(BookingId id, const std::string& outcome, const std::string& reason = {});
    /// Puts a completed or missed call back to booked, its outcome cleared and `reason`
    /// (required) recorded: an outcome recorded by mistake. The call keeps its time and device.
    Booking reopen(BookingId id, const std::string& reason);
    /// The next feasible starts, the same check as book(). With `why`, the rules that refused
    /// the other starts, most frequent first.
    std::vector<Slot> slots(const SlotQuery& query, std::vector<SlotReason>* why = nullptr);
    std::vector<Booking> agenda(const BookingFilter& filter);
    std::vector<Booking> waitlist();

private:
    Store& m_store;
    std::function<Instant()> m_now;
};

/// Outcomes of a missed call.
inline constexpr const char* k_outcomes[] = {"no_answer", "declined", "unwell", "technical"};

} // namespace carecall
