#pragma once
/// Reports for ward managers and coordinators (docs/user-guide.md, "Reports"): pure functions
/// over a snapshot of records and bookings, and renderers (table rows, CSV rows, JSON).
///
/// - isolation: residents with no completed call in N days, longest first, with their next call;
/// - utilisation: per device and ward, booked minutes against bookable minutes, and outcomes;
/// - fairness: calls per resident against what their requests ask for, and the spread;
/// - outcomes: calls by status and outcome.

#include <optional>
#include <string>
#include <vector>

#include "carecall/model.hpp"
#include "carecall/store.hpp"
#include "carecall/time.hpp"

namespace carecall {

/// What the reports read.
struct ReportData {
    std::vector<Site> sites;
    std::vector<Ward> wards;
    std::vector<Resident> residents;
    std::vector<Device> devices;
    std::vector<CallRequest> requests;
    std::vector<Booking> bookings;
    /// Per resident, the start of the latest completed call (isolation; completed calls among
    /// `bookings` count too).
    std::vector<std::pair<ResidentId, Instant>> last_completed;
};

/// Every site, ward, resident, device and request, and the bookings `bookings` selects, read in
/// one snapshot.
ReportData load_report_data(Store& store, const BookingQuery& bookings);
/// What isolation_report needs: each resident's latest completed call up to `now` (one aggregate
/// query) and the calls booked from `now` on.
ReportData load_isolation_data(Store& store, Instant now);

/// The part of a snapshot that concerns these wards: their residents and those residents'
/// bookings, and the devices serving them (each device keeping only these of its wards).
ReportData only_wards(const ReportData& data, const std::vector<WardId>& wards);

/// Local dates first … last inclusive, in each site's own zone.
struct DateSpan {
    Date first;
    Date last;
};

// --- isolation ---

struct IsolationRow {
    std::string resident; ///< code
    std::string name;
    std::string ward;                 ///< code
    std::string tz;                   ///< the site's zone
    std::optional<Instant> last_call; ///< start of the last completed call (none: never called)
    std::optional<Date> admitted;
    /// Whole days since the last completed call, or since admission when never called; none when
    /// never called and the admission date is not known.
    std::optional<int> days;
    std::optional<Booking> next; ///< the next booked call (starting at or after now)
};

struct IsolationReport {
    Instant now;
    int days = 7;
    std::vector<IsolationRow> rows;
};

/// Residents admitted (or with no admission date) and not discharged as of today (site date),
/// whose last completed call started more than `days` × 24 hours before `now`, or who were never
/// called and were admitted at least `days` days ago (or have no admission date). Longest first:
/// unknown lengths (never called, no admission date) first, then by days, then by code. Needs
/// the completed calls before now and the booked calls after it.
IsolationReport isolation_report(const ReportData& data, Instant now, int days);

// --- utilisation ---

struct UtilisationRow {
    std::string device; ///< code
    std::string ward;   ///< code; empty on the device's total row
    long long bookable_minutes = 0;
    long long booked_minutes = 0; ///< calls booked, completed or missed, within the span
    int booked = 0;               ///< still booked (no outcome yet)
    int completed = 0;
    int missed = 0;
    int cancelled = 0;
};

struct UtilisationReport {
    DateSpan span;
    std::vector<UtilisationRow> rows; ///< per device (by code): each ward it serves, then total
};

/// Bookable minutes of a device for a ward: the minutes of the span inside the ward's calling
/// hours, less closure days and the device's out-of-service periods. The device's total row
/// takes the union of its wards' calling hours (a minute open on two wards counts once). A call
/// counts for the ward of its resident; counts are by the call's start, minutes are clipped to
/// the span.
UtilisationReport utilisation_report(const ReportData& data, DateSpan span);

// --- fairness ---

struct FairnessRow {
    std::string resident;
    std::string name;
    std::string ward;
    double asked = 0; ///< sum over active requests of calls per week × weeks here in the span
    int calls = 0;    ///< calls booked, completed or missed starting in the span
    int completed = 0;
    int missed = 0;
    int cancelled = 0;
    std::optional<double> share; ///< calls ÷ asked (none when nothing is asked)
};

struct Spread {
    int residents = 0; ///< residents who asked for calls
    double min = 0, max = 0, mean = 0;
    double stddev = 0; ///< population standard deviation of the shares
};

struct FairnessReport {
    DateSpan span;
    double weeks = 0;
    std::vector<FairnessRow> rows; ///< lowest share first (none last), then by code
    Spread spread;
};

/// Residents present during the span (admitted by its end, not discharged before its start)
/// with a request or a call in it.
FairnessReport fairness_report(const ReportData& data, DateSpan span);

// --- outcomes ---

struct OutcomeRow {
    std::string status;  ///< completed, missed, cancelled, booked (past, nothing recorded)
    std::string outcome; ///< missed: no_answer, declined, unwell, technical
    int count = 0;
};

struct OutcomesReport {
    DateSpan span;
    std::vector<OutcomeRow> rows;
    int total = 0;
};

/// Calls starting in the span, by status and outcome: completed, missed by outcome, cancelled,
/// and calls still booked whose end has passed (`now`): nothing recorded yet.
OutcomesReport outcomes_report(const ReportData& data, DateSpan span, Instant now);

// --- renderers ---

/// Header and rows; `readable` gives times as "2027-07-05 14:00 BST" and rounded percentages
/// (tables), otherwise ISO 8601 with offset and plain numbers (CSV).
struct ReportRows {
    std::vector<std::string> header; ///< snake_case names (tables show them in capitals)
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> notes; ///< lines a table prints under itself (the spread)
};

ReportRows report_rows(const IsolationReport& r, bool readable);
ReportRows report_rows(const UtilisationReport& r, bool readable);
ReportRows report_rows(const FairnessReport& r, bool readable);
ReportRows report_rows(const OutcomesReport& r, bool readable);

/// JSON text with "format": "carecall-report-<name>/1"; times ISO 8601 with offset and zone.
std::string report_json(const IsolationReport& r);
std::string report_json(const UtilisationReport& r);
std::string report_json(const FairnessReport& r);
std::string report_json(const OutcomesReport& r);

} // namespace carecall
