#pragma once
// Every SQL text of the SQLite backend, in one place.
//
// Values are always bound (?1, ?2…), never spliced into the text. The only SQL built at run time
// is `PRAGMA user_version = N` / `PRAGMA application_id = N` (pragmas take no parameters), and N
// is a constant of this file, never input.
//
// Storage choices:
// - Scalars are columns. Value lists owned by one record and never queried on their own (weekly
//   windows, periods, closures, competences, capabilities) are JSON text columns: a pragmatic
//   choice that keeps a record in one row. Windows are {"weekdays","start","end","label"},
//   periods {"start","end","label"} with UTC seconds, closures {"first","last","reason"} with
//   ISO dates, word lists are arrays of strings.
// - Lists of references (device and staff wards, request and booking contacts) are join tables
//   with a position column, so that foreign keys guard them and order is kept.
// - Foreign keys are ON DELETE RESTRICT; a join table CASCADEs from its owner only. The store
//   checks dependants itself first, to name them; the keys are the safety net.
// - Instants are INTEGER UTC seconds; dates are TEXT YYYY-MM-DD.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace carecall {
struct Actor;
}

namespace carecall::sqlite {
class Connection;
/// Migration 4's first step (migrations.cpp): codes of one kind that differ only in case are
/// made unique before the unique indexes are built; each rename gets an audit row and a note.
void rename_case_clashes(Connection& db, const Actor& actor, std::vector<std::string>& notes);
} // namespace carecall::sqlite

namespace carecall::sqlite::sql {

/// PRAGMA application_id of a carecall database: "CCLL".
inline constexpr std::int64_t k_application_id = 0x43434C4C;

// --- schema -------------------------------------------------------------------------------

inline constexpr std::string_view k_schema_v1 = R"sql(
CREATE TABLE site (
    id   INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    tz   TEXT NOT NULL
) STRICT;

CREATE TABLE ward (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    site_id       INTEGER NOT NULL REFERENCES site (id) ON DELETE RESTRICT,
    calling_hours TEXT NOT NULL DEFAULT '[]',
    closures      TEXT NOT NULL DEFAULT '[]'
) STRICT;
CREATE INDEX ward_site ON ward (site_id);

CREATE TABLE resident (
    id                INTEGER PRIMARY KEY,
    code              TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    ward_id           INTEGER NOT NULL REFERENCES ward (id) ON DELETE RESTRICT,
    room              TEXT NOT NULL DEFAULT '',
    admitted          TEXT,
    discharged        TEXT,
    needs_assistance  INTEGER NOT NULL DEFAULT 0 CHECK (needs_assistance IN (0, 1)),
    competences       TEXT NOT NULL DEFAULT '[]',
    max_call_minutes  INTEGER,
    max_calls_per_day INTEGER,
    care_blocks       TEXT NOT NULL DEFAULT '[]',
    one_off_blocks    TEXT NOT NULL DEFAULT '[]',
    consent_status    TEXT NOT NULL DEFAULT 'none',
    consent_by        TEXT NOT NULL DEFAULT '',
    consent_recorded  TEXT,
    consent_review    TEXT
) STRICT;
CREATE INDEX resident_ward ON resident (ward_id);

CREATE TABLE contact (
    id           INTEGER PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    relationship TEXT NOT NULL DEFAULT '',
    tz           TEXT NOT NULL,
    availability TEXT NOT NULL DEFAULT '[]',
    absences     TEXT NOT NULL DEFAULT '[]',
    reach        TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE approval (
    resident_id  INTEGER NOT NULL REFERENCES resident (id) ON DELETE CASCADE,
    contact_id   INTEGER NOT NULL REFERENCES contact (id) ON DELETE RESTRICT,
    approved     INTEGER NOT NULL CHECK (approved IN (0, 1)),
    key_contact  INTEGER NOT NULL CHECK (key_contact IN (0, 1)),
    restrictions TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (resident_id, contact_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX approval_contact ON approval (contact_id);

CREATE TABLE device (
    id               INTEGER PRIMARY KEY,
    code             TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    kind             TEXT NOT NULL,
    site_id          INTEGER NOT NULL REFERENCES site (id) ON DELETE RESTRICT,
    cleaning_minutes INTEGER NOT NULL DEFAULT 0,
    move_minutes     INTEGER NOT NULL DEFAULT 0,
    capabilities     TEXT NOT NULL DEFAULT '[]',
    out_of_service   TEXT NOT NULL DEFAULT '[]'
) STRICT;
CREATE INDEX device_site ON device (site_id);

CREATE TABLE device_ward (
    device_id INTEGER NOT NULL REFERENCES device (id) ON DELETE CASCADE,
    ward_id   INTEGER NOT NULL REFERENCES ward (id) ON DELETE RESTRICT,
    position  INTEGER NOT NULL,
    PRIMARY KEY (device_id, ward_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX device_ward_ward ON device_ward (ward_id);

CREATE TABLE staff (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    competences   TEXT NOT NULL DEFAULT '[]',
    shifts        TEXT NOT NULL DEFAULT '[]',
    weekly_shifts TEXT NOT NULL DEFAULT '[]'
) STRICT;

CREATE TABLE staff_ward (
    staff_id INTEGER NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    ward_id  INTEGER NOT NULL REFERENCES ward (id) ON DELETE RESTRICT,
    position INTEGER NOT NULL,
    PRIMARY KEY (staff_id, ward_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX staff_ward_ward ON staff_ward (ward_id);

CREATE TABLE request (
    id               INTEGER PRIMARY KEY,
    code             TEXT NOT NULL UNIQUE,
    resident_id      INTEGER NOT NULL REFERENCES resident (id) ON DELETE RESTRICT,
    calls            INTEGER NOT NULL,
    duration_minutes INTEGER NOT NULL,
    priority         INTEGER NOT NULL,
    max_per_day      INTEGER,
    preferred        TEXT NOT NULL DEFAULT '[]',
    fixed_weekday    INTEGER,
    fixed_start      INTEGER,
    active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    CHECK ((fixed_weekday IS NULL) = (fixed_start IS NULL))
) STRICT;
CREATE INDEX request_resident ON request (resident_id);

CREATE TABLE request_contact (
    request_id INTEGER NOT NULL REFERENCES request (id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contact (id) ON DELETE RESTRICT,
    position   INTEGER NOT NULL,
    PRIMARY KEY (request_id, contact_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX request_contact_contact ON request_contact (contact_id);

CREATE TABLE booking (
    id                      INTEGER PRIMARY KEY,
    code                    TEXT NOT NULL UNIQUE,
    resident_id             INTEGER NOT NULL REFERENCES resident (id) ON DELETE RESTRICT,
    device_id               INTEGER NOT NULL REFERENCES device (id) ON DELETE RESTRICT,
    staff_id                INTEGER REFERENCES staff (id) ON DELETE RESTRICT,
    start_utc               INTEGER NOT NULL,
    end_utc                 INTEGER NOT NULL,
    priority                INTEGER NOT NULL,
    status                  TEXT NOT NULL,
    outcome                 TEXT NOT NULL DEFAULT '',
    reason                  TEXT NOT NULL DEFAULT '',
    request_id              INTEGER REFERENCES request (id) ON DELETE RESTRICT,
    pinned                  INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    availability_overridden INTEGER NOT NULL DEFAULT 0 CHECK (availability_overridden IN (0, 1)),
    series                  TEXT NOT NULL DEFAULT '',
    created_at              INTEGER NOT NULL,
    updated_at              INTEGER NOT NULL,
    CHECK (end_utc > start_utc)
) STRICT;
CREATE INDEX booking_device_start ON booking (device_id, start_utc);
CREATE INDEX booking_resident_start ON booking (resident_id, start_utc);
CREATE INDEX booking_start ON booking (start_utc);
CREATE INDEX booking_staff_start ON booking (staff_id, start_utc);
CREATE INDEX booking_waiting ON booking (status) WHERE status = 'waitlisted';
CREATE INDEX booking_request ON booking (request_id);

CREATE TABLE booking_contact (
    booking_id INTEGER NOT NULL REFERENCES booking (id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contact (id) ON DELETE RESTRICT,
    position   INTEGER NOT NULL,
    PRIMARY KEY (booking_id, contact_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX booking_contact_contact ON booking_contact (contact_id);

CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE audit (
    id          INTEGER PRIMARY KEY,
    at_utc      INTEGER NOT NULL,
    os_user     TEXT NOT NULL,
    as_user     TEXT NOT NULL,
    action      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    record_id   INTEGER NOT NULL,
    record_code TEXT NOT NULL,
    details     TEXT NOT NULL
) STRICT;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit rows cannot be changed');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit rows cannot be changed');
END;
)sql";

/// Schema 2: where a booking came from (model.hpp BookingSource), typed, so that re-plan no longer
/// reads the free-text reason (which displacement overwrites and erasure blanks). Existing calls
/// the scheduler booked still carry its reason "scheduled"; every other call was booked by hand.
/// The table stays STRICT (ADD COLUMN keeps it so); the CHECK lists BookingSource's names.
inline constexpr std::string_view k_schema_v2 = R"sql(
ALTER TABLE booking ADD COLUMN source TEXT NOT NULL DEFAULT 'manual'
    CHECK (source IN ('manual', 'scheduled', 'imported', 'repaired'));
UPDATE booking SET source = 'scheduled' WHERE reason = 'scheduled';
)sql";

/// Schema 3: whether an end-of-life call was booked outside calling hours and care blocks.
inline constexpr std::string_view k_schema_v3 = R"sql(
ALTER TABLE booking ADD COLUMN hours_overridden INTEGER NOT NULL DEFAULT 0
    CHECK (hours_overridden IN (0, 1));
)sql";

/// Schema 4: codes are unique without regard to (ASCII) case, as the lookups by code match them
/// (`code = ?1 COLLATE NOCASE` uses these indexes). The column keeps the spelling first given.
/// rename_case_clashes runs first, so that an older database holding `R-001` and `r-001` gets
/// these indexes too (the later record renamed `r-001.2`, reported and audited).
inline constexpr std::string_view k_schema_v4 = R"sql(
CREATE UNIQUE INDEX site_code_nocase ON site (code COLLATE NOCASE);
CREATE UNIQUE INDEX ward_code_nocase ON ward (code COLLATE NOCASE);
CREATE UNIQUE INDEX resident_code_nocase ON resident (code COLLATE NOCASE);
CREATE UNIQUE INDEX contact_code_nocase ON contact (code COLLATE NOCASE);
CREATE UNIQUE INDEX device_code_nocase ON device (code COLLATE NOCASE);
CREATE UNIQUE INDEX staff_code_nocase ON staff (code COLLATE NOCASE);
CREATE UNIQUE INDEX request_code_nocase ON request (code COLLATE NOCASE);
CREATE UNIQUE INDEX booking_code_nocase ON booking (code COLLATE NOCASE);
)sql";

struct Migration {
    int version;
    std::string_view description;
    /// Run with every other pending step in one BEGIN IMMEDIATE transaction.
    std::string_view script;
    /// Run just before the script, in the same transaction (its notes become the store's
    /// warnings).
    void (*before)(Connection& db, const Actor& actor, std::vector<std::string>& notes) = nullptr;
};

/// Ordered; the last one's version is the schema this build writes. Never edit a released one:
/// add a new one.
inline constexpr std::array k_migrations{
    Migration{1, "initial schema", k_schema_v1},
    Migration{2, "booking source", k_schema_v2},
    Migration{3, "booking.hours_overridden", k_schema_v3},
    Migration{4, "codes unique without regard to case", k_schema_v4, &rename_case_clashes},
};

/// Every table of records with a code, for migration 4: the audit kind, the codes (oldest first)
/// and the rename (?1 = id, ?2 = the new code).
struct CodeTableSql {
    std::string_view kind;
    std::string_view codes;
    std::string_view rename;
};
// clang-format off
#define CARECALL_CODE_TABLE(table)                                                                 \
    CodeTableSql{table, "SELECT id, code FROM " table " ORDER BY id",                              \
                 "UPDATE " table " SET code = ?2 WHERE id = ?1"}
// clang-format on
inline constexpr std::array k_code_tables{
    CARECALL_CODE_TABLE("site"),    CARECALL_CODE_TABLE("ward"),    CARECALL_CODE_TABLE("resident"),
    CARECALL_CODE_TABLE("contact"), CARECALL_CODE_TABLE("device"),  CARECALL_CODE_TABLE("staff"),
    CARECALL_CODE_TABLE("request"), CARECALL_CODE_TABLE("booking"),
};
#undef CARECALL_CODE_TABLE

// --- opening and transactions -------------------------------------------------------------

inline constexpr std::string_view k_pragma_foreign_keys = "PRAGMA foreign_keys = ON";
inline constexpr std::string_view k_pragma_trusted_schema = "PRAGMA trusted_schema = OFF";
inline constexpr std::string_view k_pragma_secure_delete = "PRAGMA secure_delete = ON";
inline constexpr std::string_view k_pragma_synchronous = "PRAGMA synchronous = FULL";
inline constexpr std::string_view k_pragma_journal_wal = "PRAGMA journal_mode = WAL";
/// On a network file system: a rollback journal (WAL needs shared memory on one host).
inline constexpr std::string_view k_pragma_journal_delete = "PRAGMA journal_mode = DELETE";
inline constexpr std::string_view k_pragma_query_only = "PRAGMA query_only = ON";
inline constexpr std::string_view k_get_application_id = "PRAGMA application_id";
inline constexpr std::string_view k_get_user_version = "PRAGMA user_version";
inline constexpr std::string_view k_set_application_id = "PRAGMA application_id = {}";
inline constexpr std::string_view k_set_user_version = "PRAGMA user_version = {}";
inline constexpr std::string_view k_count_tables =
    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
    "ESCAPE '\\'";
inline constexpr std::string_view k_integrity_check = "PRAGMA integrity_check";
inline constexpr std::string_view k_foreign_key_check = "PRAGMA foreign_key_check";

inline constexpr std::string_view k_begin_deferred = "BEGIN DEFERRED";
inline constexpr std::string_view k_begin_immediate = "BEGIN IMMEDIATE";
inline constexpr std::string_view k_commit = "COMMIT";
inline constexpr std::string_view k_rollback = "ROLLBACK";
inline constexpr std::string_view k_savepoint = "SAVEPOINT carecall_change";
inline constexpr std::string_view k_release = "RELEASE carecall_change";
inline constexpr std::string_view k_rollback_to = "ROLLBACK TO carecall_change";

// --- records --------------------------------------------------------------------------------

/// The statements every record table has. Column 0 of a select is the id; the insert binds the
/// record's columns as ?1…?N and the update binds the same and the id as ?(N+1).
struct RecordSql {
    std::string_view select_by_id;
    std::string_view select_by_code;
    std::string_view select_all; ///< ordered by code
    std::string_view exists;     ///< ?1 = id
    std::string_view id_by_code; ///< ?1 = code, in any case; columns id and the stored code
    std::string_view insert;
    std::string_view update;
    std::string_view remove;
};

// clang-format off
#define CARECALL_RECORD_SELECTS(cols, table)                 \
    "SELECT " cols " FROM " table " WHERE id = ?1",          \
    "SELECT " cols " FROM " table " WHERE code = ?1 COLLATE NOCASE", \
    "SELECT " cols " FROM " table " ORDER BY code",          \
    "SELECT 1 FROM " table " WHERE id = ?1",                 \
    "SELECT id, code FROM " table " WHERE code = ?1 COLLATE NOCASE"
// clang-format on

inline constexpr RecordSql k_site{
    CARECALL_RECORD_SELECTS("id, code, name, kind, tz", "site"),
    "INSERT INTO site (code, name, kind, tz) VALUES (?1, ?2, ?3, ?4)",
    "UPDATE site SET code = ?1, name = ?2, kind = ?3, tz = ?4 WHERE id = ?5",
    "DELETE FROM site WHERE id = ?1",
};

inline constexpr RecordSql k_ward{
    CARECALL_RECORD_SELECTS("id, code, name, site_id, calling_hours, closures", "ward"),
    "INSERT INTO ward (code, name, site_id, calling_hours, closures) VALUES (?1, ?2, ?3, ?4, ?5)",
    "UPDATE ward SET code = ?1, name = ?2, site_id = ?3, calling_hours = ?4, closures = ?5 "
    "WHERE id = ?6",
    "DELETE FROM ward WHERE id = ?1",
};

#define CARECALL_RESIDENT_COLUMNS                                                                  \
    "code, name, ward_id, room, admitted, discharged, needs_assistance, competences, "             \
    "max_call_minutes, max_calls_per_day, care_blocks, one_off_blocks, consent_status, "           \
    "consent_by, consent_recorded, consent_review"
inline constexpr RecordSql k_resident{
    CARECALL_RECORD_SELECTS("id, " CARECALL_RESIDENT_COLUMNS, "resident"),
    "INSERT INTO resident (" CARECALL_RESIDENT_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
    "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    "UPDATE resident SET code = ?1, name = ?2, ward_id = ?3, room = ?4, admitted = ?5, "
    "discharged = ?6, needs_assistance = ?7, competences = ?8, max_call_minutes = ?9, "
    "max_calls_per_day = ?10, care_blocks = ?11, one_off_blocks = ?12, consent_status = ?13, "
    "consent_by = ?14, consent_recorded = ?15, consent_review = ?16 WHERE id = ?17",
    "DELETE FROM resident WHERE id = ?1",
};
#undef CARECALL_RESIDENT_COLUMNS

inline constexpr RecordSql k_contact{
    CARECALL_RECORD_SELECTS("id, code, name, relationship, tz, availability, absences, reach",
                            "contact"),
    "INSERT INTO contact (code, name, relationship, tz, availability, absences, reach) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    "UPDATE contact SET code = ?1, name = ?2, relationship = ?3, tz = ?4, availability = ?5, "
    "absences = ?6, reach = ?7 WHERE id = ?8",
    "DELETE FROM contact WHERE id = ?1",
};

inline constexpr RecordSql k_device{
    CARECALL_RECORD_SELECTS("id, code, name, kind, site_id, cleaning_minutes, move_minutes, "
                            "capabilities, out_of_service",
                            "device"),
    "INSERT INTO device (code, name, kind, site_id, cleaning_minutes, move_minutes, "
    "capabilities, out_of_service) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    "UPDATE device SET code = ?1, name = ?2, kind = ?3, site_id = ?4, cleaning_minutes = ?5, "
    "move_minutes = ?6, capabilities = ?7, out_of_service = ?8 WHERE id = ?9",
    "DELETE FROM device WHERE id = ?1",
};

inline constexpr RecordSql k_staff{
    CARECALL_RECORD_SELECTS("id, code, name, competences, shifts, weekly_shifts", "staff"),
    "INSERT INTO staff (code, name, competences, shifts, weekly_shifts) "
    "VALUES (?1, ?2, ?3, ?4, ?5)",
    "UPDATE staff SET code = ?1, name = ?2, competences = ?3, shifts = ?4, weekly_shifts = ?5 "
    "WHERE id = ?6",
    "DELETE FROM staff WHERE id = ?1",
};

inline constexpr RecordSql k_request{
    CARECALL_RECORD_SELECTS("id, code, resident_id, calls, duration_minutes, priority, "
                            "max_per_day, preferred, fixed_weekday, fixed_start, active",
                            "request"),
    "INSERT INTO request (code, resident_id, calls, duration_minutes, priority, max_per_day, "
    "preferred, fixed_weekday, fixed_start, active) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    "UPDATE request SET code = ?1, resident_id = ?2, calls = ?3, duration_minutes = ?4, "
    "priority = ?5, max_per_day = ?6, preferred = ?7, fixed_weekday = ?8, fixed_start = ?9, "
    "active = ?10 WHERE id = ?11",
    "DELETE FROM request WHERE id = ?1",
};

#undef CARECALL_RECORD_SELECTS

// Lists of references, in order. ?1 = owner id.
inline constexpr std::string_view k_device_wards =
    "SELECT ward_id FROM device_ward WHERE device_id = ?1 ORDER BY position";
inline constexpr std::string_view k_device_wards_clear =
    "DELETE FROM device_ward WHERE device_id = ?1";
inline constexpr std::string_view k_device_ward_insert =
    "INSERT INTO device_ward (device_id, ward_id, position) VALUES (?1, ?2, ?3)";
inline constexpr std::string_view k_staff_wards =
    "SELECT ward_id FROM staff_ward WHERE staff_id = ?1 ORDER BY position";
inline constexpr std::string_view k_staff_wards_clear =
    "DELETE FROM staff_ward WHERE staff_id = ?1";
inline constexpr std::string_view k_staff_ward_insert =
    "INSERT INTO staff_ward (staff_id, ward_id, position) VALUES (?1, ?2, ?3)";
inline constexpr std::string_view k_request_contacts =
    "SELECT contact_id FROM request_contact WHERE request_id = ?1 ORDER BY position";
inline constexpr std::string_view k_request_contacts_clear =
    "DELETE FROM request_contact WHERE request_id = ?1";
inline constexpr std::string_view k_request_contact_insert =
    "INSERT INTO request_contact (request_id, contact_id, position) VALUES (?1, ?2, ?3)";

// A device serves wards of its own site only; a staff member works on wards of one site.
// ?1 = ward id.
inline constexpr std::string_view k_ward_site =
    "SELECT w.site_id, w.code, s.code FROM ward w JOIN site s ON s.id = w.site_id WHERE w.id = ?1";
inline constexpr std::string_view k_site_code = "SELECT code FROM site WHERE id = ?1";
/// Devices serving ward ?1 that are not at site ?2 (a ward moving to another site).
inline constexpr std::string_view k_ward_foreign_devices_count =
    "SELECT count(*) FROM device d JOIN device_ward dw ON dw.device_id = d.id "
    "WHERE dw.ward_id = ?1 AND d.site_id <> ?2";
inline constexpr std::string_view k_ward_foreign_devices =
    "SELECT d.code FROM device d JOIN device_ward dw ON dw.device_id = d.id "
    "WHERE dw.ward_id = ?1 AND d.site_id <> ?2 ORDER BY d.code LIMIT 5";

/// Staff members on ward ?1 who also work on a ward that is not at site ?2.
inline constexpr std::string_view k_ward_mixed_staff_count =
    "SELECT count(DISTINCT a.staff_id) FROM staff_ward a JOIN staff_ward b "
    "ON b.staff_id = a.staff_id AND b.ward_id <> a.ward_id JOIN ward w ON w.id = b.ward_id "
    "WHERE a.ward_id = ?1 AND w.site_id <> ?2";
inline constexpr std::string_view k_ward_mixed_staff =
    "SELECT DISTINCT s.code FROM staff s JOIN staff_ward a ON a.staff_id = s.id "
    "JOIN staff_ward b ON b.staff_id = s.id AND b.ward_id <> a.ward_id "
    "JOIN ward w ON w.id = b.ward_id WHERE a.ward_id = ?1 AND w.site_id <> ?2 "
    "ORDER BY s.code LIMIT 5";

// --- dependants (remove) ------------------------------------------------------------------

/// What still refers to a record: ?1 = the record's id. `codes` gives at most 5, ordered.
struct DependantSql {
    std::string_view singular;
    std::string_view plural;
    std::string_view count;
    std::string_view codes;
};

inline constexpr std::array k_site_dependants{
    DependantSql{"ward", "wards", "SELECT count(*) FROM ward WHERE site_id = ?1",
                 "SELECT code FROM ward WHERE site_id = ?1 ORDER BY code LIMIT 5"},
    DependantSql{"device", "devices", "SELECT count(*) FROM device WHERE site_id = ?1",
                 "SELECT code FROM device WHERE site_id = ?1 ORDER BY code LIMIT 5"},
};

inline constexpr std::array k_ward_dependants{
    DependantSql{"resident", "residents", "SELECT count(*) FROM resident WHERE ward_id = ?1",
                 "SELECT code FROM resident WHERE ward_id = ?1 ORDER BY code LIMIT 5"},
    DependantSql{"device", "devices", "SELECT count(*) FROM device_ward WHERE ward_id = ?1",
                 "SELECT d.code FROM device d JOIN device_ward dw ON dw.device_id = d.id "
                 "WHERE dw.ward_id = ?1 ORDER BY d.code LIMIT 5"},
    DependantSql{"staff member", "staff members",
                 "SELECT count(*) FROM staff_ward WHERE ward_id = ?1",
                 "SELECT s.code FROM staff s JOIN staff_ward sw ON sw.staff_id = s.id "
                 "WHERE sw.ward_id = ?1 ORDER BY s.code LIMIT 5"},
};

// A resident's approvals go with it (CASCADE): they are the resident's own list.
inline constexpr std::array k_resident_dependants{
    DependantSql{"request", "requests", "SELECT count(*) FROM request WHERE resident_id = ?1",
                 "SELECT code FROM request WHERE resident_id = ?1 ORDER BY code LIMIT 5"},
    DependantSql{"booking", "bookings", "SELECT count(*) FROM booking WHERE resident_id = ?1",
                 "SELECT code FROM booking WHERE resident_id = ?1 ORDER BY code LIMIT 5"},
};
inline constexpr std::string_view k_resident_approval_count =
    "SELECT count(*) FROM approval WHERE resident_id = ?1";

inline constexpr std::array k_contact_dependants{
    DependantSql{"approval", "approvals", "SELECT count(*) FROM approval WHERE contact_id = ?1",
                 "SELECT r.code || '/' || c.code FROM approval a "
                 "JOIN resident r ON r.id = a.resident_id JOIN contact c ON c.id = a.contact_id "
                 "WHERE a.contact_id = ?1 ORDER BY r.code LIMIT 5"},
    DependantSql{"request", "requests",
                 "SELECT count(*) FROM request_contact WHERE contact_id = ?1",
                 "SELECT q.code FROM request q JOIN request_contact rc ON rc.request_id = q.id "
                 "WHERE rc.contact_id = ?1 ORDER BY q.code LIMIT 5"},
    DependantSql{"booking", "bookings",
                 "SELECT count(*) FROM booking_contact WHERE contact_id = ?1",
                 "SELECT b.code FROM booking b JOIN booking_contact bc ON bc.booking_id = b.id "
                 "WHERE bc.contact_id = ?1 ORDER BY b.code LIMIT 5"},
};

inline constexpr std::array k_device_dependants{
    DependantSql{"booking", "bookings", "SELECT count(*) FROM booking WHERE device_id = ?1",
                 "SELECT code FROM booking WHERE device_id = ?1 ORDER BY code LIMIT 5"},
};

inline constexpr std::array k_staff_dependants{
    DependantSql{"booking", "bookings", "SELECT count(*) FROM booking WHERE staff_id = ?1",
                 "SELECT code FROM booking WHERE staff_id = ?1 ORDER BY code LIMIT 5"},
};

inline constexpr std::array k_request_dependants{
    DependantSql{"booking", "bookings", "SELECT count(*) FROM booking WHERE request_id = ?1",
                 "SELECT code FROM booking WHERE request_id = ?1 ORDER BY code LIMIT 5"},
};

// --- approvals ----------------------------------------------------------------------------

#define CARECALL_APPROVAL_SELECT                                                                   \
    "SELECT resident_id, contact_id, approved, key_contact, restrictions FROM approval "
inline constexpr std::string_view k_approval_find =
    CARECALL_APPROVAL_SELECT "WHERE resident_id = ?1 AND contact_id = ?2";
inline constexpr std::string_view k_approval_for_resident =
    CARECALL_APPROVAL_SELECT "WHERE resident_id = ?1 ORDER BY contact_id";
inline constexpr std::string_view k_approval_for_contact =
    CARECALL_APPROVAL_SELECT "WHERE contact_id = ?1 ORDER BY resident_id";
inline constexpr std::string_view k_approval_all =
    CARECALL_APPROVAL_SELECT "ORDER BY resident_id, contact_id";
#undef CARECALL_APPROVAL_SELECT
inline constexpr std::string_view k_approval_upsert =
    "INSERT INTO approval (resident_id, contact_id, approved, key_contact, restrictions) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (resident_id, contact_id) DO UPDATE SET "
    "approved = excluded.approved, key_contact = excluded.key_contact, "
    "restrictions = excluded.restrictions";
inline constexpr std::string_view k_approval_delete =
    "DELETE FROM approval WHERE resident_id = ?1 AND contact_id = ?2";
inline constexpr std::string_view k_resident_code = "SELECT code FROM resident WHERE id = ?1";
inline constexpr std::string_view k_contact_code = "SELECT code FROM contact WHERE id = ?1";

// --- settings and audit -------------------------------------------------------------------

inline constexpr std::string_view k_setting_get = "SELECT value FROM setting WHERE key = ?1";
inline constexpr std::string_view k_setting_put =
    "INSERT INTO setting (key, value) VALUES (?1, ?2) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value";
inline constexpr std::string_view k_audit_insert =
    "INSERT INTO audit (at_utc, os_user, as_user, action, kind, record_id, record_code, details) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
inline constexpr std::string_view k_audit_latest =
    "SELECT id, at_utc, os_user, as_user, action, kind, record_id, record_code, details "
    "FROM audit ORDER BY id DESC LIMIT ?1";
// ?2 is a JSON array of record ids: one pass over the audit table for all of them.
inline constexpr std::string_view k_audit_changes =
    "SELECT record_id, COUNT(*), MAX(at_utc) FROM audit "
    "WHERE kind = ?1 AND record_id IN (SELECT value FROM json_each(?2)) "
    "GROUP BY record_id ORDER BY record_id";

// --- privacy (subject access, erasure, retention) -----------------------------------------

#define CARECALL_AUDIT_SELECT                                                                      \
    "SELECT id, at_utc, os_user, as_user, action, kind, record_id, record_code, details FROM "     \
    "audit "
/// Audit rows about resident ?1: its own, its approvals' (keyed by the resident's id), and its
/// bookings' (also those purged since: their rows name the resident's id in `details`).
inline constexpr std::string_view k_audit_about_resident = CARECALL_AUDIT_SELECT
    "WHERE (kind IN ('resident', 'approval') AND record_id = ?1) "
    "OR (kind = 'booking' AND (record_id IN (SELECT id FROM booking WHERE resident_id = ?1) "
    "OR json_extract(details, '$.resident') = ?1)) ORDER BY id";
/// Audit rows about contact ?1 with code ?2: its own, its approvals' (code "R-…/<code>") and
/// those of the bookings it takes part in.
inline constexpr std::string_view k_audit_about_contact = CARECALL_AUDIT_SELECT
    "WHERE (kind = 'contact' AND record_id = ?1) "
    "OR (kind = 'approval' AND substr(record_code, -(length(?2) + 1)) = '/' || ?2) "
    "OR (kind = 'booking' AND record_id IN "
    "(SELECT booking_id FROM booking_contact WHERE contact_id = ?1)) ORDER BY id";
#undef CARECALL_AUDIT_SELECT
/// Erasure: the free-text reason of booking ?1 blanked.
inline constexpr std::string_view k_booking_clear_reason =
    "UPDATE booking SET reason = '', updated_at = ?2 WHERE id = ?1 AND reason <> ''";
/// Erasure: the weekly series ?1 renamed ?2 on every booking of it.
inline constexpr std::string_view k_booking_rename_series =
    "UPDATE booking SET series = ?2, updated_at = ?3 WHERE series = ?1";
/// Retention: bookings that ended before ?1 (their contact lists CASCADE).
inline constexpr std::string_view k_booking_count_ended_before =
    "SELECT count(*) FROM booking WHERE end_utc < ?1";
inline constexpr std::string_view k_booking_delete_ended_before =
    "DELETE FROM booking WHERE end_utc < ?1";
/// Copies the write-ahead log into the database file and empties it; row: busy, log, done.
inline constexpr std::string_view k_wal_checkpoint_truncate = "PRAGMA wal_checkpoint(TRUNCATE)";

// --- bookings -------------------------------------------------------------------------------

#define CARECALL_BOOKING_COLUMNS                                                                   \
    "b.id, b.code, b.resident_id, b.device_id, b.staff_id, b.start_utc, b.end_utc, b.priority, "   \
    "b.status, b.outcome, b.reason, b.request_id, b.pinned, b.availability_overridden, b.series, " \
    "b.source, b.hours_overridden"

inline constexpr std::string_view k_booking_by_id =
    "SELECT " CARECALL_BOOKING_COLUMNS " FROM booking b WHERE b.id = ?1";
inline constexpr std::string_view k_booking_by_code =
    "SELECT " CARECALL_BOOKING_COLUMNS " FROM booking b WHERE b.code = ?1 COLLATE NOCASE";
/// Overlapping [?1, ?2): calls are never longer than a day, so the start bounds the scan.
inline constexpr std::string_view k_booking_between =
    "SELECT " CARECALL_BOOKING_COLUMNS " FROM booking b "
    "WHERE b.start_utc > ?1 - 86400 AND b.start_utc < ?2 AND b.end_utc > ?1 ORDER BY b.start_utc, "
    "b.id";
inline constexpr std::string_view k_booking_between_device =
    "SELECT " CARECALL_BOOKING_COLUMNS " FROM booking b WHERE b.device_id = ?3 "
    "AND b.start_utc > ?1 - 86400 AND b.start_utc < ?2 AND b.end_utc > ?1";
inline constexpr std::string_view k_booking_between_resident =
    "SELECT " CARECALL_BOOKING_COLUMNS " FROM booking b WHERE b.resident_id = ?3 "
    "AND b.start_utc > ?1 - 86400 AND b.start_utc < ?2 AND b.end_utc > ?1";
inline constexpr std::string_view k_booking_between_staff =
    "SELECT " CARECALL_BOOKING_COLUMNS " FROM booking b WHERE b.staff_id = ?3 "
    "AND b.start_utc > ?1 - 86400 AND b.start_utc < ?2 AND b.end_utc > ?1";
inline constexpr std::string_view k_booking_between_contact =
    "SELECT " CARECALL_BOOKING_COLUMNS
    " FROM booking_contact bc JOIN booking b ON b.id = bc.booking_id "
    "WHERE bc.contact_id = ?3 AND b.start_utc > ?1 - 86400 AND b.start_utc < ?2 AND b.end_utc > ?1";
inline constexpr std::string_view k_booking_waiting =
    "SELECT " CARECALL_BOOKING_COLUMNS " FROM booking b WHERE b.status = 'waitlisted' "
    "ORDER BY b.start_utc, b.id";
inline constexpr std::string_view k_booking_last_completed =
    "SELECT resident_id, MAX(start_utc) FROM booking WHERE status = 'completed' AND start_utc <= "
    "?1 "
    "GROUP BY resident_id ORDER BY resident_id";
inline constexpr std::string_view k_booking_next_id =
    "SELECT COALESCE(MAX(id), 0) + 1 FROM booking";
inline constexpr std::string_view k_booking_insert =
    "INSERT INTO booking (id, code, resident_id, device_id, staff_id, start_utc, end_utc, "
    "priority, "
    "status, outcome, reason, request_id, pinned, availability_overridden, series, source, "
    "hours_overridden, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
    "?11, ?12, ?13, ?14, "
    "?15, ?16, ?17, ?18, ?18)";
inline constexpr std::string_view k_booking_update =
    "UPDATE booking SET device_id = ?2, staff_id = ?3, start_utc = ?4, end_utc = ?5, priority = "
    "?6, "
    "status = ?7, outcome = ?8, reason = ?9, request_id = ?10, pinned = ?11, "
    "availability_overridden = ?12, series = ?13, source = ?14, hours_overridden = ?15, updated_at "
    "= ?16 WHERE id = ?1";
/// A conditional state change: only from the expected status (?17).
inline constexpr std::string_view k_booking_transition =
    "UPDATE booking SET device_id = ?2, staff_id = ?3, start_utc = ?4, end_utc = ?5, priority = "
    "?6, "
    "status = ?7, outcome = ?8, reason = ?9, request_id = ?10, pinned = ?11, "
    "availability_overridden = ?12, series = ?13, source = ?14, hours_overridden = ?15, updated_at "
    "= ?16 "
    "WHERE id = ?1 AND status = ?17";
inline constexpr std::string_view k_booking_contacts =
    "SELECT contact_id FROM booking_contact WHERE booking_id = ?1 ORDER BY position";
inline constexpr std::string_view k_booking_contact_insert =
    "INSERT INTO booking_contact (booking_id, contact_id, position) VALUES (?1, ?2, ?3)";
inline constexpr std::string_view k_devices_for_ward =
    "SELECT device_id FROM device_ward WHERE ward_id = ?1 ORDER BY device_id";
inline constexpr std::string_view k_staff_for_ward =
    "SELECT staff_id FROM staff_ward WHERE ward_id = ?1 ORDER BY staff_id";
inline constexpr std::string_view k_residents_of_ward =
    "SELECT id FROM resident WHERE ward_id = ?1 ORDER BY id";

} // namespace carecall::sqlite::sql
