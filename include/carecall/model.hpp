#pragma once
/// The domain model: plain value types with strong ids and stable short codes.
/// Every record has `id` (0 until stored) and `code` (stable, unique per kind, e.g. "W-ROSE").
/// validate() checks a record on its own (not references, which the store checks) and throws
/// InvalidInput naming the field, the value and the problem.
///
/// Adding a field to a record breaks the build on purpose: every codec takes records apart with a
/// structured binding of all their fields (`const auto& [id, code, name, ...] = record;`), which
/// stops compiling when the count changes, so no codec can forget the new field. They are in
/// lib/store/sqlite/ (codec.cpp, repositories.cpp, booking_repository.cpp) and lib/exchange/
/// (record_json.cpp, scenario_write.cpp, sheets.cpp).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "carecall/ids.hpp"
#include "carecall/time.hpp"

namespace carecall {

/// [start, end) on each listed weekday, local wall-clock time of the owner's zone.
/// Minutes after midnight; end may be 1440 ("24:00"); no window crosses midnight.
struct WeeklyWindow {
    std::uint8_t weekdays = 0; ///< bit 0 = Monday … bit 6 = Sunday
    int start = 0;             ///< minutes after local midnight
    int end = 0;               ///< minutes after local midnight, start < end <= 1440
    std::string label;         ///< "lunch", "medication"… (may be empty)

    [[nodiscard]] bool on(int weekday) const {
        return ((static_cast<unsigned>(weekdays) >> static_cast<unsigned>(weekday)) & 1U) != 0;
    }
    friend bool operator==(const WeeklyWindow&, const WeeklyWindow&) = default;
};

/// A one-off period [start, end) in UTC (shifts, one-off care blocks, absences, out of service).
struct Period {
    Instant start;
    Instant end;
    std::string label;
    friend bool operator==(const Period&, const Period&) = default;
};

/// Local dates first … last inclusive (ward closures).
struct DateRange {
    Date first;
    Date last;
    std::string reason;
    friend bool operator==(const DateRange&, const DateRange&) = default;
};

enum class SiteKind { care_home, hospital, hospice, ld_unit };

struct Site {
    SiteId id;
    std::string code;
    std::string name;
    SiteKind kind = SiteKind::care_home;
    std::string tz; ///< IANA zone, e.g. "Europe/London"
    friend bool operator==(const Site&, const Site&) = default;
};

struct Ward {
    WardId id;
    std::string code;
    std::string name;
    SiteId site;
    std::vector<WeeklyWindow> calling_hours; ///< site local time
    std::vector<DateRange> closures;         ///< site local dates
    friend bool operator==(const Ward&, const Ward&) = default;
};

enum class ConsentStatus { none, given, best_interest, refused };

struct Consent {
    ConsentStatus status = ConsentStatus::none;
    std::string by;               ///< who gave it or made the best interest decision
    std::optional<Date> recorded; ///< when
    std::optional<Date> review;   ///< review date (best interest decisions)
    friend bool operator==(const Consent&, const Consent&) = default;
};

struct Resident {
    ResidentId id;
    std::string code;
    std::string name;
    WardId ward;
    std::string room;
    std::optional<Date> admitted;
    std::optional<Date> discharged;
    bool needs_assistance = false;
    std::vector<std::string> competences; ///< the helper must hold all of these ("bsl", "dementia")
    std::optional<int> max_call_minutes;  ///< longest call they manage
    std::optional<int> max_calls_per_day;
    std::vector<WeeklyWindow> care_blocks; ///< site local time (meals, medication, rest)
    std::vector<Period> one_off_blocks;    ///< therapy, appointments
    Consent consent;
    friend bool operator==(const Resident&, const Resident&) = default;
};

struct Contact {
    ContactId id;
    std::string code;
    std::string name;
    std::string relationship;               ///< "son", "friend"
    std::string tz;                         ///< where they live
    std::vector<WeeklyWindow> availability; ///< in their own local time
    std::vector<Period> absences;
    std::string reach; ///< how to reach them (free text)
    friend bool operator==(const Contact&, const Contact&) = default;
};

/// The link resident ↔ contact.
struct Approval {
    ResidentId resident;
    ContactId contact;
    bool approved = true;
    bool key_contact = false;
    std::string restrictions;
    friend bool operator==(const Approval&, const Approval&) = default;
};

struct Device {
    DeviceId id;
    std::string code;
    std::string name;
    std::string kind = "portal"; ///< portal, tablet, laptop…
    SiteId site;
    std::vector<WardId> wards; ///< wards it may serve, home ward first
    int cleaning_minutes = 0;
    int move_minutes = 0;
    std::vector<std::string> capabilities; ///< "large_screen", "captions"
    std::vector<Period> out_of_service;
    friend bool operator==(const Device&, const Device&) = default;
};

struct Staff {
    StaffId id;
    std::string code;
    std::string name;
    std::vector<WardId> wards;
    std::vector<std::string> competences;
    std::vector<Period> shifts;              ///< one-off shifts (entered as site local date-times)
    std::vector<WeeklyWindow> weekly_shifts; ///< a repeating pattern, site local time
    friend bool operator==(const Staff&, const Staff&) = default;
};

/// Priority classes: a higher class strictly outranks a lower one.
namespace priority {
inline constexpr int routine = 1;
inline constexpr int clinical = 2;
inline constexpr int end_of_life = 3;
} // namespace priority

/// A fixed weekly time (predictability): weekday 0 = Monday, minutes after local midnight.
struct FixedTime {
    int weekday = 0;
    int start = 0;
    friend bool operator==(const FixedTime&, const FixedTime&) = default;
};

/// A standing wish: `calls` calls of `duration_minutes` per week with the contact(s).
struct CallRequest {
    RequestId id;
    std::string code;
    ResidentId resident;
    std::vector<ContactId> contacts; ///< one or more (group call)
    int calls = 1;
    int duration_minutes = 30;
    int priority = priority::routine;
    std::optional<int> max_per_day;
    std::vector<WeeklyWindow> preferred; ///< site local time (soft)
    std::optional<FixedTime> fixed;
    bool active = true;
    friend bool operator==(const CallRequest&, const CallRequest&) = default;
};

/// booked → completed / missed / cancelled; waitlisted: displaced and waiting for a new time.
enum class BookingStatus { booked, completed, missed, cancelled, waitlisted };

/// Where a booking came from; set once when it is created and kept through moves, displacement,
/// outcomes and erasure (unlike the free-text reason). Re-plan moves only `scheduled` calls.
enum class BookingSource {
    manual,    ///< "manual": booked by a person (`book`)
    scheduled, ///< "scheduled": saved by the scheduler (`schedule`)
    imported,  ///< "imported": from a rota file (`import rota`)
    repaired,  ///< "repaired": rebooked by a repair of the store
};

/// What became of a call: none while it is booked, cancelled or waiting; "completed" once held;
/// one of the missed outcomes when it was missed.
enum class CallOutcome { none, completed, no_answer, declined, unwell, technical };

/// The outcomes a missed call may be given, in the order the command lists them.
inline constexpr CallOutcome k_missed_outcomes[] = {CallOutcome::no_answer, CallOutcome::declined,
                                                    CallOutcome::unwell, CallOutcome::technical};

/// One call on a device.
struct Booking {
    BookingId id;
    std::string code;
    ResidentId resident;
    std::vector<ContactId> contacts;
    DeviceId device;
    std::optional<StaffId> staff;
    Instant start;
    Instant end;
    int priority = priority::routine;
    BookingStatus status = BookingStatus::booked;
    CallOutcome outcome = CallOutcome::none;
    std::string reason; ///< free text; erasure blanks it, so nothing may depend on it
    BookingSource source = BookingSource::manual;
    std::optional<RequestId> request;
    bool pinned = false;
    bool availability_overridden = false;
    /// An end-of-life call booked outside the ward's calling hours and the resident's care blocks
    /// (`book --outside-hours`); the reason says why.
    bool hours_overridden = false;
    std::string series; ///< the weekly series it belongs to (may be empty)
    friend bool operator==(const Booking&, const Booking&) = default;
};

// --- names of enumerations (for the command line, JSON and storage) ---
std::string to_string(SiteKind k);
SiteKind parse_site_kind(std::string_view text, std::string_view field = "kind");
std::string to_string(ConsentStatus s);
ConsentStatus parse_consent_status(std::string_view text, std::string_view field = "consent");
std::string to_string(BookingStatus s);
BookingStatus parse_booking_status(std::string_view text, std::string_view field = "status");
std::string to_string(BookingSource s);
BookingSource parse_booking_source(std::string_view text, std::string_view field = "source");
/// "" for none, "completed", "no_answer", "declined", "unwell", "technical".
std::string to_string(CallOutcome o);
CallOutcome parse_call_outcome(std::string_view text, std::string_view field = "outcome");
/// One of k_missed_outcomes, else InvalidInput listing them.
CallOutcome parse_missed_outcome(std::string_view text, std::string_view field = "outcome");
/// 1 "routine", 2 "clinical", 3 "end_of_life", other classes "priority-N".
std::string priority_name(int priority);
/// "routine" | "clinical" | "end_of_life" | a whole number >= 1.
int parse_priority(std::string_view text, std::string_view field = "priority");

// --- weekly windows and codes ---
/// "mon-fri 09:00-17:00 [label]", "daily 18:00-21:00", "sat,sun 10:00-12:00 visiting".
/// Day words: mon tue wed thu fri sat sun, ranges a-b, lists a,b, daily, weekdays, weekends.
WeeklyWindow parse_window(std::string_view text, std::string_view field);
/// Inverse of parse_window: "mon-fri 09:00-17:00 lunch".
std::string format_window(const WeeklyWindow& w);
/// The weekdays mask for a list of 0..6 numbers; throws on an out-of-range day.
std::uint8_t weekday_mask(const std::vector<int>& days, std::string_view field);
std::vector<int> weekday_list(std::uint8_t mask);

// --- one-off periods, closures and fixed times (the command's grammars) ---
/// A period in `zone`'s local time: "2026-12-01 07:00-15:00 [label]" (an end of 24:00 is the next
/// midnight) or "2026-12-01T22:00/2026-12-02T06:00 [label]" (ISO local date-times; an offset,
/// "2027-10-31T01:30+00:00", picks one reading of a time that happens twice). A time in a
/// clock-change gap, or one that happens twice without an offset, is refused. Throws
/// InvalidInput on `field`: "'TEXT' is not a period (expected START/END or DATE HH:MM-HH:MM,
/// then an optional label)", or "'TEXT': the end is not after the start".
Period parse_period(std::string_view text, const date::time_zone* zone, std::string_view field);
/// A ward closure: "2026-12-01[..2026-12-14] [reason]", local dates inclusive.
DateRange parse_closure(std::string_view text, std::string_view field);
/// A fixed weekly time: one weekday and a clock time, "sun 15:00".
FixedTime parse_fixed_time(std::string_view text, std::string_view field);

// --- text ---
/// Whether a text field may run over several lines.
enum class TextLines {
    one,  ///< names, codes, labels, rooms, relationships, words: no control character at all
    many, ///< free text (a booking's reason or note, reach, restrictions): tab and new line too
};
/// Refuses a control character in `text`: C0 (U+0000-U+001F), DEL (U+007F) and C1
/// (U+0080-U+009F); with TextLines::many, tab and new line are allowed. InvalidInput on `field`:
/// "holds a control character (U+001B) at character 5: …"; the character itself is never
/// repeated in the message.
void validate_text(std::string_view text, std::string_view field, TextLines lines = TextLines::one);
/// `text` with each control character (as validate_text, tab and new line included) written
/// visibly as `\u001b` (the JSON escape of the same character), so that text stored before
/// the rule, or read from an old database, never reaches a terminal raw. Everything else is
/// left as it is.
std::string visible_text(std::string_view text);

/// A record code: 1-32 characters of letters, digits, '-', '_', '.'; not all digits.
void validate_code(std::string_view code, std::string_view field = "code");
/// Whether two codes name the same record: codes are unique and matched without regard to ASCII
/// case (`R-001` and `r-001` are one code); a record keeps the spelling it was first given.
bool same_code(std::string_view a, std::string_view b);
/// The form two spellings of one code share (ASCII lower case): a key for maps of codes.
std::string code_key(std::string_view code);

void validate(const WeeklyWindow& w, std::string_view field);
void validate(const Site& s);
void validate(const Ward& w);
void validate(const Resident& r);
void validate(const Contact& c);
void validate(const Approval& a);
void validate(const Device& d);
void validate(const Staff& s);
void validate(const CallRequest& q);
void validate(const Booking& b);

} // namespace carecall
