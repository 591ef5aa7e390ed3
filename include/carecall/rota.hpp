#pragma once
/// The rota: the calls of some local dates as the people on the ward use them (who, when in site
/// time and in the contact's own time, where, on which device, with which helper, and what to
/// prepare), and renderers for it: an aligned table, CSV (RFC 4180), the "carecall-rota/1" JSON
/// document, an iCalendar file (RFC 5545) and a printable HTML run-sheet.
///
/// A Rota is a plain value: load_rota() fills it from a store, rota_from_schedule() from a
/// scenario and the scheduler's result, and a program may build one by hand.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "carecall/ids.hpp"
#include "carecall/model.hpp"
#include "carecall/time.hpp"

namespace carecall {

class Store;
struct Scenario;
struct ScheduleResult;

/// Which calls a rota shows.
struct RotaQuery {
    Date from; ///< first local date (each site's own zone)
    Date to;   ///< last local date, inclusive
    /// Instead of the dates: the calls that overlap [start, end) (from and to are then set from
    /// it, in the zone of the first site the rota covers).
    std::optional<Period> period;
    std::vector<SiteId> sites; ///< empty: every site
    std::vector<WardId> wards; ///< calls of residents on these wards
    std::vector<DeviceId> devices;
    std::optional<ContactId> contact; ///< only this contact's calls
    /// Also cancelled calls and calls put on the waiting list (an ICS file must say they are off).
    bool include_cancelled = false;
};

struct RotaContact {
    std::string code;
    std::string name;
    std::string relationship;
    std::string reach; ///< how to reach them
    std::string tz;    ///< where they live
};

/// A rule a booked call breaks against the records as they are now: the call is AT RISK.
struct RotaRisk {
    std::string rule;    ///< the rule's name, e.g. "device.out_of_service"
    std::string message; ///< e.g. "device Portal-1 is out of service (repair) until 12:00 BST"
};

/// One call of the rota.
struct RotaCall {
    BookingId booking; ///< 0 for a call that is not stored (a solved scenario)
    std::string code;  ///< booking code
    BookingStatus status = BookingStatus::booked;
    int sequence = 0;               ///< how often the booking changed after it was made
    std::optional<Instant> updated; ///< when it last changed (ICS DTSTAMP)
    std::string site_code;
    std::string site_name;
    std::string site_tz;
    std::string ward_code;
    std::string ward_name;
    Instant start;
    Instant end;
    Date date; ///< the site's local date of the start
    std::string resident_code;
    std::string resident_name;
    std::string room;
    std::vector<RotaContact> contacts;
    std::string device_code;
    std::string device_name;
    std::string staff_code; ///< empty: no helper
    std::string staff_name;
    std::string request_code; ///< empty: not from a standing request
    int priority = priority::routine;
    /// An end-of-life call outside calling hours (`book --outside-hours`): the preparation list
    /// says so first.
    bool hours_overridden = false;
    std::vector<std::string> preparation; ///< what to get ready, in order
    /// The rules the call breaks now, most fundamental first; empty: it keeps every rule. An
    /// input, like Rota::unscheduled: load_rota leaves it empty (the rota library does not check
    /// rules) and the caller fills it from BookingService::broken (`carecall rota` does).
    /// Every renderer marks such a call "AT RISK" with each rule and its message.
    std::vector<RotaRisk> at_risk;
};

/// What a device is busy with, for the run-sheet's timeline.
enum class DeviceBusy { call, cleaning, move };

struct DeviceInterval {
    DeviceBusy kind = DeviceBusy::call;
    Instant start;
    Instant end;
    std::string label; ///< resident's room for a call, "clean", "to W-BLUE"
    std::string ward_code;
};

struct RotaDevice {
    std::string code;
    std::string name;
    std::string site_code;
    std::string site_tz;
    std::vector<DeviceInterval> busy; ///< by start
};

/// A request the rota does not fully meet (the rota document's "unscheduled").
struct RotaUnscheduled {
    std::string request;
    int missing_calls = 0;
    std::vector<std::string> reasons;
};

struct Rota {
    Date from;
    Date to;
    std::vector<RotaCall> calls;     ///< by start, then device
    std::vector<RotaDevice> devices; ///< devices with calls, by code
    /// The requests of these dates and wards that are not fully met, and why. An input: load_rota
    /// leaves it empty (the rota library does not plan); a caller that wants it fills it before
    /// rendering (`carecall rota --format json` asks planning for a dry run). Leave it empty for
    /// a rota by contact or device: a family's calendar must not carry other residents' requests.
    std::vector<RotaUnscheduled> unscheduled;
};

/// The rota of the query's dates from the store, in one read transaction. Throws NotFound for an
/// id the query names that does not exist.
Rota load_rota(Store& store, const RotaQuery& query);

/// The rota of a solved scenario (no booking codes or change history).
Rota rota_from_schedule(const Scenario& scenario, const ScheduleResult& result);

/// The preparation list of a call from its records: device cleaning and charging, camera
/// position, hearing aids and glasses, and the resident's own needs (an interpreter for a
/// language competence such as "bsl" or "interpreter:pl", captions, large screen).
std::vector<std::string> preparation_for(const Resident& resident, const Device& device,
                                         const std::optional<Staff>& helper);

/// Only the calls of `contact`, with nothing about other residents (no device timelines, no other
/// contacts' details). With `redact`, people's names become initials ("A. P.") and the helper
/// "a member of staff". A call at risk stays marked, each rule's message replaced by
/// k_family_risk_message (the messages are the ward's: they may name staff and other calls).
Rota for_contact(const Rota& rota, std::string_view contact_code, bool redact);

/// "Asha Patel" -> "A. P."
std::string initials(std::string_view name);

/// What a family's calendar says of a call at risk.
inline constexpr const char* k_family_risk_message =
    "this call may have to move: the ward will confirm it or offer another time";
/// "AT RISK: device.out_of_service: device Portal-1 is out of service …" (one line per rule).
std::vector<std::string> risk_lines(const RotaCall& call);

// --- renderers --------------------------------------------------------------------------------

/// An aligned text table (site time, contact's own time when it differs, resident and room,
/// contacts and how to reach them, device, helper, preparation), one block per ward and date.
std::string rota_table(const Rota& rota);
/// CSV (RFC 4180: CRLF, fields quoted when needed, quotes doubled) with a header row.
std::string rota_csv(const Rota& rota);

struct RotaJsonOptions {
    /// Add optional fields beyond the contract (booking, status, ward, site-local times, names).
    bool details = true;
    std::string producer; ///< default "carecall <version>"
};
/// The "carecall-rota/1" document (docs: scenario-format.md). Cancelled and waiting calls are
/// left out of "calls".
std::string rota_json(const Rota& rota, const RotaJsonOptions& options = {});

struct IcsOptions {
    /// The calendar is for this contact: the event's times are also given in their zone, and the
    /// text speaks to them.
    std::string for_contact;
    std::string calendar_name = "carecall rota";
};
/// An iCalendar file (RFC 5545): UTC times, CRLF, folded at 75 octets, TEXT escaped; UID
/// "booking-<id>@<site code>.carecall"; DTSTAMP the booking's last change; SEQUENCE its changes;
/// cancelled and waiting calls are STATUS:CANCELLED.
std::string rota_ics(const Rota& rota, const IcsOptions& options = {});
/// RFC 5545 TEXT escaping: backslash, semicolon, comma, newline.
std::string ics_escape(std::string_view text);
/// One content line folded at 75 octets (never inside a UTF-8 sequence), CRLF after each part.
std::string ics_fold(std::string_view line);

/// A printable HTML run-sheet: one A4 page per ward and date with the calls and a timeline per
/// device (calls, cleaning and move time as patterned bars that read in black and white).
std::string rota_html(const Rota& rota);

} // namespace carecall
