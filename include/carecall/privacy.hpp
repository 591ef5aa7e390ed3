#pragma once
/// The care provider's privacy duties (reliability.md P2, P3): subject access (everything held
/// about one person), erasure (the person's name and details gone, the rota kept consistent
/// under a pseudonym) and retention (old bookings purged after a period the provider chooses).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "carecall/time.hpp"

namespace carecall {

class Store;

/// The people the store holds personal data about.
enum class PersonKind { resident, contact };
std::string to_string(PersonKind k);
/// "resident" | "contact"; InvalidInput otherwise.
PersonKind parse_person_kind(std::string_view text, std::string_view field = "kind");

/// What the store holds about one person, for a subject access request: a
/// "carecall-subject-access/1" JSON document with the record (consent included), approvals,
/// call requests, bookings and the audit rows about them. A resident's document holds all of it.
/// A contact's holds only what is about them: their record and approvals, their requests without
/// the resident's priority, daily limit and preferred times, their calls' times, status, resident,
/// contacts, device and request (never the outcome, the reason, the priority, the helper or the
/// planner's flags) and the audit rows of those calls cut to the same fields. Other people
/// (residents, contacts, staff) and devices appear by code only. Read in one snapshot (a read
/// transaction of its own when none is open). NotFound when there is no such person.
std::string subject_access_json(Store& store, PersonKind kind, std::string_view code, Instant now);

/// What an erasure changes (or would change, for a dry run).
struct ErasureReport {
    PersonKind kind = PersonKind::resident;
    std::int64_t id = 0;
    std::string code;
    std::string pseudonym;           ///< the name from now on: "erased-<code>"
    std::vector<std::string> fields; ///< the record's fields replaced or blanked
    int approvals = 0;               ///< approvals whose free-text restrictions were blanked
    int requests = 0;                ///< call requests whose preferred-window labels were blanked
    int bookings = 0;                ///< bookings kept, still pointing at the same id
    int booking_reasons = 0;         ///< of those, bookings whose free-text reason was blanked
    int booking_series = 0;          ///< weekly series of those bookings renamed (free text)
    bool log_emptied = false;        ///< the write-ahead log was emptied afterwards
};

/// Erases a person's name and details and keeps what the rota needs. A resident keeps code,
/// ward, dates, needs, competences, limits and the times of care blocks; name becomes the
/// pseudonym, room, consent.by and block labels are blanked. A contact keeps code, zone and the
/// times of availability and absences; name becomes the pseudonym, relationship, reach and
/// labels are blanked. The free text linked to them is blanked too: the restrictions of their
/// approvals, the preferred-window labels of their call requests (a contact's: the requests they
/// are in) and the reasons of their bookings; a weekly series of their bookings whose name is not
/// the one `book` generates (`S-<resident>-<local start>`) is renamed
/// `S-<resident>-erased-<its first booking>` on every booking of it. Bookings and requests stay.
/// One write transaction with one "erase" audit row (ids and counts only); then the write-ahead
/// log is emptied so that the old bytes are gone from the database file (secure_delete) and the
/// log. Backups made before are not touched. `dry_run`: the report only, nothing changed.
ErasureReport erase_person(Store& store, PersonKind kind, std::string_view code,
                           bool dry_run = false);

/// A retention period: `30d`, `52w`, `18mo`, `7y` (a positive whole number and a unit).
struct RetentionPeriod {
    enum class Unit { day, week, month, year };
    int amount = 0;
    Unit unit = Unit::day;
};
/// Throws InvalidInput(field, "… is not a retention period (expected e.g. 365d, 18mo, 7y)").
RetentionPeriod parse_retention(std::string_view text, std::string_view field);
/// `now` minus the period; months and years are calendar months and years of the UTC date (the
/// day clamped to the month's last).
Instant retention_cutoff(Instant now, RetentionPeriod period);

struct PurgeReport {
    Instant cutoff;
    int bookings = 0;         ///< bookings that ended before the cutoff, removed
    bool log_emptied = false; ///< the write-ahead log was emptied afterwards
};

/// Removes every booking that ended before `cutoff`, whatever its status, in one write
/// transaction with one "purge" audit row (the cutoff and the count). The audit trail itself is
/// kept: it is append-only and holds ids, never names. `dry_run`: counts only.
PurgeReport purge_bookings(Store& store, Instant cutoff, bool dry_run = false);

} // namespace carecall
