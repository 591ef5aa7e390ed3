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

// BookingConflict (a refused call) is declared in rules.hpp, next to Violation, so that planning
// can throw it without depending on booking; the name stays usable through this header.

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
    Date date;                         ///< site local date
    std::optional<Booking> booking;    ///< booked
    std::vector<Violation> violations; ///< why not (a DST gap is rule "time.gap")
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

/// A booked call, from `from` on, that the records as they are now no longer allow (a device out
/// of service, a closure, shorter calling hours, a discharge, a revoked approval, withdrawn
/// consent, an absence, a helper off shift…): the same check_call as booking, against every
/// other call as it stands.
struct BrokenCall {
    Booking booking;
    std::vector<Violation> violations; ///< most fundamental first
    /// No other time can work (approval revoked, consent withdrawn or refused, discharged before
    /// the call): repair cancels it rather than moving it.
    bool lasting = false;
};

/// Which booked calls to re-check.
struct BrokenQuery {
    std::optional<Instant> from; ///< default: now
    std::optional<Instant> to;   ///< default: every later call
    std::vector<WardId> wards;   ///< default: every ward
};

/// What repair does with a broken call.
enum class RepairAction {
    kept,       ///< fine again once calls before it were repaired
    moved,      ///< to the nearest time that keeps every rule (same device, same day first)
    waitlisted, ///< no time found within the search: on the waiting list for a coordinator
    cancelled,  ///< no time can work (BrokenCall::lasting)
};
std::string to_string(RepairAction a);

struct RepairStep {
    Booking before;
    Booking after;
    RepairAction action = RepairAction::kept;
    std::vector<Violation> violations; ///< why it was broken
};

struct RepairRequest {
    BrokenQuery scope;
    int search_days = 7;  ///< how far from the call's own day to look for another time
    bool dry_run = false; ///< do everything, then roll back
    std::string reason;   ///< recorded with each change (default "repair")
};

struct RepairResult {
    std::vector<RepairStep> steps; ///< one per broken call, by start
    /// Calls that were not broken but moved to make room: always 0 today (repair never moves a
    /// call that keeps every rule).
    int others_moved = 0;
};

/// What a change of the records may do to the booked calls in the same transaction.
struct ChangeOptions {
    bool repair = false; ///< repair the calls in `ChangeResult::scope` right away
    int search_days = 7; ///< as RepairRequest::search_days
    std::string reason;  ///< as RepairRequest::reason
};

/// What a change of the records did to the booked calls from now on.
struct ChangeResult {
    std::vector<Booking> cancelled;  ///< cancelled by the change itself (revoke, consent)
    std::vector<BrokenCall> broke;   ///< kept every rule before the change, break one after it
    std::vector<BrokenCall> already; ///< broke a rule before the change and still do
    /// The calls a repair should look at: the ward of the calls the change broke when they share
    /// one, else the wards of their site when they share one, else every ward (empty). The
    /// `carecall repair` to run is `--ward`, `--site` or nothing accordingly. Empty and
    /// meaningless when `broke` is empty.
    BrokenQuery scope;
    /// With ChangeOptions::repair and something broken: the repair of `scope`, in the change's
    /// transaction.
    std::optional<RepairResult> repair;
};

class BookingService {
public:
    BookingService(Store& store, std::function<Instant()> now);

    /// Books one call (an exact start, or the first free one). end_of_life calls may displace
    /// lower-priority calls: each is moved to its next feasible slot or put on the waiting list.
    BookResult book(const BookRequest& request);
    /// A fixed weekly time from request.at until `until` (site local date, inclusive): every
    /// occurrence is checked; those that break a rule or fall in a clock-change gap are reported,
    /// never shifted. All bookable occurrences are written in one transaction. An occurrence at
    /// a time that happens twice (the clocks go back) takes the reading `ambiguity` chooses; with
    /// Ambiguity::refuse the series is refused (InvalidInput naming that date), nothing written.
    WeeklyResult book_weekly(const BookRequest& request, Date until,
                             Ambiguity ambiguity = Ambiguity::refuse);
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
    /// Withdraws a contact's approval to call a resident and, in the same transaction, cancels
    /// their booked and waiting calls from now on (safeguarding: none is left to be repaired).
    /// Returns the cancelled calls.
    std::vector<Booking> revoke_approval(ResidentId resident, ContactId contact);
    /// Records a resident's consent; when it is not given (refused, none), cancels the resident's
    /// booked and waiting calls from now on in the same transaction. Returns the cancelled calls.
    std::vector<Booking> record_consent(ResidentId resident, const Consent& consent);
    /// Withdraws the approval as above, and says which other calls the change broke (none
    /// today: every call of the pair is cancelled); with options.repair, repairs them, all in one
    /// transaction.
    ChangeResult revoke_approval(ResidentId resident, ContactId contact,
                                 const ChangeOptions& options);
    /// Records consent as above, with the calls it broke and, with options.repair, their repair,
    /// all in one transaction.
    ChangeResult record_consent(ResidentId resident, const Consent& consent,
                                const ChangeOptions& options);
    /// Any change of the records (`write`, run against this service's store inside the write
    /// transaction; it returns the calls it cancelled itself, if any): the booked calls from now
    /// on are checked before and after it, and those it broke are reported; with
    /// options.repair they are repaired (as repair() with `ChangeResult::scope`) before the one
    /// commit. An exception from `write` or the repair rolls everything back.
    ChangeResult change_records(const std::function<std::vector<Booking>(Store&)>& write,
                                const ChangeOptions& options);
    /// The booked calls in the query that break a rule now, by start (one read transaction).
    std::vector<BrokenCall> broken(const BrokenQuery& query);
    /// Repairs the broken calls in one write transaction, each audited: a lasting break is
    /// cancelled with its reason; any other call moves to its nearest feasible start (its own
    /// device and day first, then another device, then the days around it within search_days,
    /// never before now), or goes on the waiting list when none is found.
    RepairResult repair(const RepairRequest& request);

private:
    Store& m_store;
    std::function<Instant()> m_now;
};

} // namespace carecall
