#pragma once
/// The abstract store: one repository per aggregate, transactions, audit. Backends live under
/// lib/store/<backend>/; open_store() picks one from a URL ("sqlite:/path/carecall.db").
///
/// Every change made through a repository validates the record, checks its references, writes
/// it and writes one audit row, all inside the current write transaction. A change made with no
/// transaction open runs in a transaction of its own. Errors: InvalidInput (bad value or unknown
/// reference, exit 65), Conflict (duplicate code, record still in use, exit 3), NotFound (exit 4),
/// StorageError (busy 75, I/O 74, read-only 77, corrupt 5), SchemaTooNew (78).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "carecall/error.hpp"
#include "carecall/ids.hpp"
#include "carecall/model.hpp"

namespace carecall {

/// Who makes the changes: written on every audit row.
struct Actor {
    std::string os_user; ///< login name of the process
    std::string as;      ///< the person named with --as (may be empty)
};

/// One row of the append-only audit trail. It holds ids, codes and field names, never names or
/// other personal details.
struct AuditEvent {
    std::int64_t id = 0;
    Instant at;
    std::string os_user;
    std::string as;
    std::string action; ///< "add", "update", "remove", "approve", "consent", "import"…
    std::string kind;   ///< "site", "ward", "resident"…
    std::int64_t record_id = 0;
    std::string record_code;
    std::string details; ///< JSON object: changed fields (names only), counts
};

/// How often a record changed, from the audit trail (calendar SEQUENCE and DTSTAMP).
struct RecordChanges {
    std::int64_t record_id = 0;
    int changes = 0; ///< audit rows of the record (1: written once, never changed)
    Instant last;    ///< when the newest of them was written
};

/// Basic CRUD over one aggregate, addressed by id or by code.
template <class T, class IdT>
class Repository {
public:
    virtual ~Repository() = default;
    /// Validates and inserts; returns the new id. Conflict if the code exists.
    virtual IdT add(const T& record) = 0;
    /// Replaces the stored record with this id. NotFound if there is none.
    virtual void update(const T& record) = 0;
    /// Conflict naming the dependants if anything still refers to it.
    virtual void remove(IdT id) = 0;
    [[nodiscard]] virtual std::optional<T> find(IdT id) = 0;
    [[nodiscard]] virtual std::optional<T> find_by_code(std::string_view code) = 0;
    /// Ordered by code.
    [[nodiscard]] virtual std::vector<T> list() = 0;

    /// find_by_code, or a record whose id is the number given ("42"); NotFound otherwise.
    [[nodiscard]] T get(std::string_view code_or_id, std::string_view kind);
};

class ApprovalRepository {
public:
    virtual ~ApprovalRepository() = default;
    /// Inserts or replaces the link.
    virtual void put(const Approval& a) = 0;
    /// Removes the link; NotFound if there is none.
    virtual void revoke(ResidentId r, ContactId c) = 0;
    [[nodiscard]] virtual std::optional<Approval> find(ResidentId r, ContactId c) = 0;
    [[nodiscard]] virtual std::vector<Approval> for_resident(ResidentId r) = 0;
    [[nodiscard]] virtual std::vector<Approval> for_contact(ContactId c) = 0;
    [[nodiscard]] virtual std::vector<Approval> list() = 0;
};

/// Which bookings to list: those overlapping [from, to) (either end open when not given).
struct BookingQuery {
    std::optional<Instant> from;
    std::optional<Instant> to;
    std::vector<WardId> wards; ///< bookings of residents on these wards
    std::vector<ResidentId> residents;
    std::vector<ContactId> contacts;
    std::vector<DeviceId> devices;
    std::vector<StaffId> staff;
    /// false: a booking must match every kind of party given; true: any party listed (what the
    /// rules need around a call: the device's, the resident's, the contacts', the helper's).
    bool match_any = false;
    std::vector<BookingStatus> statuses; ///< empty: every status

    /// The calls that hold their time, overlapping [from, to): booked, completed and missed ones
    /// (a cancelled or waiting call holds none), every party.
    static BookingQuery holding(std::optional<Instant> from, std::optional<Instant> to) {
        BookingQuery q;
        q.from = from;
        q.to = to;
        q.statuses = holding_statuses();
        return q;
    }
    static std::vector<BookingStatus> holding_statuses() {
        return {BookingStatus::booked, BookingStatus::completed, BookingStatus::missed};
    }
};

class BookingRepository {
public:
    virtual ~BookingRepository() = default;
    /// Inserts the booking (code "B-<id>" when empty) with its audit row; returns the id.
    virtual BookingId add(const Booking& b) = 0;
    /// Replaces the stored booking with this id (a move, a displacement), audited.
    virtual void update(const Booking& b) = 0;
    /// Replaces the stored booking only if its status is still `expected`; false otherwise
    /// (someone else changed it first). Audited.
    virtual bool transition(const Booking& b, BookingStatus expected) = 0;
    [[nodiscard]] virtual std::optional<Booking> find(BookingId id) = 0;
    [[nodiscard]] virtual std::optional<Booking> find_by_code(std::string_view code) = 0;
    /// Ordered by start, then id.
    [[nodiscard]] virtual std::vector<Booking> list(const BookingQuery& q) = 0;

    /// Erasure: blanks the free-text reason of these bookings (no audit row each: the caller
    /// writes one). Returns how many had a reason.
    virtual int clear_reasons(const std::vector<BookingId>& ids) = 0;
    /// Erasure: every booking whose weekly series is `from` gets the series `to` instead, so the
    /// series stays one group under a name that holds no free text (no audit row each: the caller
    /// writes one). Returns how many bookings changed.
    virtual int rename_series(std::string_view from, std::string_view to) = 0;
    /// Retention: deletes every booking that ended before `cutoff`, with its contact list (no
    /// audit row each: the caller writes one). Returns how many.
    virtual int purge_ended_before(Instant cutoff) = 0;
    /// For each resident with a completed call that starts at or before `at`: the latest such
    /// start, ordered by resident id. (The isolation report; a backend may answer it in one
    /// aggregate query instead of listing every call.)
    [[nodiscard]] virtual std::vector<std::pair<ResidentId, Instant>> last_completed(Instant at) {
        BookingQuery q;
        q.to = at + std::chrono::seconds{1};
        q.statuses = {BookingStatus::completed};
        std::map<std::int64_t, Instant> latest;
        for (const auto& b : list(q)) {
            if (b.start <= at) {
                auto& t = latest.try_emplace(b.resident.value, b.start).first->second;
                t = std::max(t, b.start);
            }
        }
        std::vector<std::pair<ResidentId, Instant>> out;
        for (const auto& [id, t] : latest) {
            out.emplace_back(ResidentId(id), t);
        }
        return out;
    }

    /// find_by_code, or the booking with this numeric id; NotFound otherwise.
    [[nodiscard]] Booking get(std::string_view code_or_id) {
        if (auto b = find_by_code(code_or_id)) {
            return *b;
        }
        bool numeric = !code_or_id.empty() && code_or_id.size() < 19;
        for (char ch : code_or_id) {
            numeric = numeric && ch >= '0' && ch <= '9';
        }
        if (numeric) {
            if (auto b = find(BookingId(std::stoll(std::string(code_or_id))))) {
                return *b;
            }
        }
        throw NotFound::record("booking", std::string(code_or_id));
    }
};

enum class TxKind {
    read,  ///< a consistent snapshot for reads
    write, ///< BEGIN IMMEDIATE: takes the write lock at once (waits up to the busy timeout)
};

/// A transaction; rolls back in its destructor unless committed. Nesting is not supported.
class Transaction {
public:
    virtual ~Transaction() = default;
    virtual void commit() = 0;
};

struct StoreOptions {
    Actor actor;
    int busy_timeout_ms = 5000;
    bool create = true; ///< create the file (0600) and its directory (0700) if missing
    bool read_only = false;
};

/// Result of a consistency check.
struct CheckReport {
    bool ok = true;
    std::vector<std::string> problems;
    int schema_version = 0;
};

class Store {
public:
    virtual ~Store() = default;
    Store() = default;
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    [[nodiscard]] virtual std::unique_ptr<Transaction> begin(TxKind kind = TxKind::write) = 0;

    virtual Repository<Site, SiteId>& sites() = 0;
    virtual Repository<Ward, WardId>& wards() = 0;
    virtual Repository<Resident, ResidentId>& residents() = 0;
    virtual Repository<Contact, ContactId>& contacts() = 0;
    virtual Repository<Device, DeviceId>& devices() = 0;
    virtual Repository<Staff, StaffId>& staff() = 0;
    virtual Repository<CallRequest, RequestId>& requests() = 0;
    virtual ApprovalRepository& approvals() = 0;
    virtual BookingRepository& bookings() = 0;

    /// The devices that may serve a ward, and the staff who work on it (by id).
    [[nodiscard]] virtual std::vector<Device> devices_serving(WardId ward) = 0;
    [[nodiscard]] virtual std::vector<Staff> staff_on(WardId ward) = 0;

    /// Settings kept with the data (e.g. "plan.start_date"); empty optional when unset.
    [[nodiscard]] virtual std::optional<std::string> setting(std::string_view key) = 0;
    virtual void set_setting(std::string_view key, std::string_view value) = 0;

    /// Writes one audit row (for changes that are not a repository call, e.g. an import summary).
    virtual void audit(std::string_view action, std::string_view kind, std::int64_t record_id,
                       std::string_view record_code, std::string_view details_json) = 0;
    /// The newest `limit` audit rows, newest first.
    [[nodiscard]] virtual std::vector<AuditEvent> audit_events(int limit = 100) = 0;
    /// For each of these records of `kind` that has audit rows: how many, and the newest time.
    [[nodiscard]] virtual std::vector<RecordChanges>
    record_changes(std::string_view kind, const std::vector<std::int64_t>& record_ids) = 0;

    /// Subject access: the audit rows about a resident (its record, approvals and bookings) or a
    /// contact (its record, approvals and the bookings it takes part in), oldest first.
    [[nodiscard]] virtual std::vector<AuditEvent> audit_about(ResidentId r) = 0;
    [[nodiscard]] virtual std::vector<AuditEvent> audit_about(ContactId c) = 0;
    /// After an erasure or a purge, outside any transaction: moves every committed change from
    /// the write-ahead log into the database file (where secure_delete has zeroed the old bytes)
    /// and empties the log, so that erased values survive in neither file. false when another
    /// connection's open read kept the log from being emptied (run it again later).
    virtual bool flush_log() = 0;

    virtual void set_actor(Actor actor) = 0;
    /// Things the person should know about this store, found when it was opened (a database
    /// readable by other users; one on a network file system). Empty when all is well.
    [[nodiscard]] virtual std::vector<std::string> warnings() const { return {}; }
    [[nodiscard]] virtual CheckReport check() = 0;
    /// A consistent copy of the whole database to `path` (created 0600; must not exist).
    virtual void backup(const std::string& path) = 0;
    [[nodiscard]] virtual int schema_version() = 0;
    /// "sqlite:/abs/path"
    [[nodiscard]] virtual std::string url() const = 0;
};

/// The schema version this build writes.
int current_schema_version();

/// A store URL taken apart as open_store reads it: `SCHEME:REST` when what comes before the first
/// ':' is an RFC 3986 scheme of two or more characters (a letter, then letters, digits, '+', '-',
/// '.'; one letter stays a path, as in "C:…"), else a bare path.
struct StoreUrl {
    std::string scheme; ///< lower case; empty for a bare path
    std::string rest;   ///< what follows the ':' (the whole URL for a bare path)
};
StoreUrl parse_store_url(std::string_view url);

/// Opens a store from a URL: "sqlite:PATH", "sqlite::memory:", or a bare path (SQLite).
/// Unknown schemes are a UsageError.
std::unique_ptr<Store> open_store(std::string_view url, const StoreOptions& options = {});

/// A Repository::get implementation shared by every backend.
template <class T, class IdT>
T Repository<T, IdT>::get(std::string_view code_or_id, std::string_view kind) {
    if (auto r = find_by_code(code_or_id)) {
        return *r;
    }
    bool numeric = !code_or_id.empty() && code_or_id.size() < 19;
    for (char ch : code_or_id) {
        numeric = numeric && ch >= '0' && ch <= '9';
    }
    if (numeric) {
        if (auto r = find(IdT(std::stoll(std::string(code_or_id))))) {
            return *r;
        }
    }
    throw NotFound::record(std::string(kind), std::string(code_or_id));
}

} // namespace carecall
