#pragma once
// Helpers for the store tests: scratch directories, the backends every conformance test runs
// against, sample records with every field set, and raw SQLite access for checking files.

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <doctest/doctest.h>

#include "carecall/store.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace carecall::test {

/// A fresh directory, removed with everything in it at the end.
class TempDir {
public:
    TempDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "carecall-store-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        m_root = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(m_root, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] std::string path(std::string_view name) const { return (m_root / name).string(); }
    [[nodiscard]] const std::filesystem::path& root() const { return m_root; }

private:
    std::filesystem::path m_root;
};

/// Sets the umask for one scope.
class UmaskGuard {
public:
    explicit UmaskGuard(mode_t mask) : m_old(::umask(mask)) {}
    ~UmaskGuard() { ::umask(m_old); }
    UmaskGuard(const UmaskGuard&) = delete;
    UmaskGuard& operator=(const UmaskGuard&) = delete;

private:
    mode_t m_old;
};

inline StoreOptions test_options(int busy_timeout_ms = 5000) {
    StoreOptions o;
    o.actor = Actor{"tester", "nurse.jo"};
    o.busy_timeout_ms = busy_timeout_ms;
    return o;
}

/// Every backend configuration the conformance suite runs against; the file one is new in `dir`.
inline std::vector<std::string> backend_urls(const TempDir& dir) {
    return {"sqlite::memory:", "sqlite:" + dir.path("data/carecall.db")};
}

inline std::unique_ptr<Store> open_test_store(const std::string& url,
                                              const StoreOptions& options = test_options()) {
    return open_store(url, options);
}

inline std::string read_bytes(const std::string& path) {
    // stdio, not istreambuf_iterator: GCC 12 -O3 warns falsely (-Wnull-dereference) on that.
    std::string out;
    if (FILE* f = std::fopen(path.c_str(), "rb")) {
        std::array<char, 65536> buf{};
        std::size_t n = 0;
        while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
            out.append(buf.data(), n);
        }
        std::fclose(f);
    }
    return out;
}

inline void write_bytes(const std::string& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

/// Permission bits of a file or directory (e.g. 0600).
inline unsigned mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return static_cast<unsigned>(st.st_mode) & 0777U;
}

inline std::size_t audit_count(Store& store) {
    return store.audit_events(1'000'000).size();
}

/// The SQLite connection behind a store (this backend's own checks).
inline sqlite::Connection& connection_of(Store& store) {
    return dynamic_cast<sqlite::SqliteStore&>(store).connection();
}

/// A plain SQLite connection to a file, without carecall's settings: another program.
class RawDb {
public:
    explicit RawDb(const std::string& path,
                   int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) {
        if (sqlite3_open_v2(path.c_str(), &m_db, flags, nullptr) != SQLITE_OK) {
            std::string message = sqlite3_errmsg(m_db);
            sqlite3_close(m_db);
            throw std::runtime_error("cannot open " + path + ": " + message);
        }
    }
    ~RawDb() { sqlite3_close(m_db); }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;

    /// The result code of running `sql` (SQLITE_OK on success).
    int exec(const std::string& sql) {
        return sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, nullptr);
    }
    std::int64_t query_int(const std::string& sql) {
        sqlite3_stmt* stmt = nullptr;
        REQUIRE(sqlite3_prepare_v2(m_db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
        std::int64_t value = 0;
        if (sqlite3_step(stmt) == SQLITE_ROW) {
            value = sqlite3_column_int64(stmt, 0);
        }
        sqlite3_finalize(stmt);
        return value;
    }
    [[nodiscard]] std::string error() const { return sqlite3_errmsg(m_db); }

private:
    sqlite3* m_db = nullptr;
};

// --- sample records, with every field away from its default -------------------------------

inline Instant at(int y, unsigned m, unsigned d, int hour, int minute = 0) {
    return date::sys_days{date::year{y} / date::month{m} / date::day{d}} +
           std::chrono::hours{hour} + std::chrono::minutes{minute};
}

inline Date day(int y, unsigned m, unsigned d) {
    return date::year{y} / date::month{m} / date::day{d};
}

inline WeeklyWindow window(std::uint8_t weekdays, int start, int end, std::string label = {}) {
    return WeeklyWindow{weekdays, start, end, std::move(label)};
}

inline Site make_site(std::string code, SiteKind kind = SiteKind::hospice) {
    Site s;
    s.code = std::move(code);
    s.name = "Sunnyside " + s.code;
    s.kind = kind;
    s.tz = "Europe/London";
    return s;
}

inline Ward make_ward(std::string code, SiteId site) {
    Ward w;
    w.code = std::move(code);
    w.name = "Rose ward";
    w.site = site;
    w.calling_hours = {window(0x1F, 9 * 60, 12 * 60, "morning"), window(0x60, 14 * 60, 1440)};
    w.closures = {DateRange{day(2027, 3, 1), day(2027, 3, 14), "norovirus"}};
    return w;
}

inline Resident make_resident(std::string code, WardId ward) {
    Resident r;
    r.code = std::move(code);
    r.name = "Edith Jones";
    r.ward = ward;
    r.room = "12B";
    r.admitted = day(2026, 11, 2);
    r.discharged = day(2027, 6, 30);
    r.needs_assistance = true;
    r.competences = {"bsl", "dementia"};
    r.max_call_minutes = 20;
    r.max_calls_per_day = 2;
    r.care_blocks = {window(0x7F, 12 * 60, 13 * 60, "lunch")};
    r.one_off_blocks = {Period{at(2027, 3, 3, 10), at(2027, 3, 3, 11), "physio"}};
    r.consent =
        Consent{ConsentStatus::best_interest, "Dr Okafor", day(2026, 11, 3), day(2027, 5, 3)};
    return r;
}

inline Contact make_contact(std::string code) {
    Contact c;
    c.code = std::move(code);
    c.name = "Tom Jones";
    c.relationship = "son";
    c.tz = "Australia/Sydney";
    c.availability = {window(0x1F, 18 * 60, 21 * 60, "after work")};
    c.absences = {Period{at(2027, 4, 1, 0), at(2027, 4, 8, 0), "holiday"}};
    c.reach = "Teams: tom.jones";
    return c;
}

inline Device make_device(std::string code, SiteId site, std::vector<WardId> wards) {
    Device d;
    d.code = std::move(code);
    d.name = "Portal on wheels";
    d.kind = "tablet";
    d.site = site;
    d.wards = std::move(wards);
    d.cleaning_minutes = 10;
    d.move_minutes = 5;
    d.capabilities = {"large_screen", "captions"};
    d.out_of_service = {Period{at(2027, 3, 10, 8), at(2027, 3, 10, 17), "repair"}};
    return d;
}

inline Staff make_staff(std::string code, std::vector<WardId> wards) {
    Staff s;
    s.code = std::move(code);
    s.name = "Amara Obi";
    s.wards = std::move(wards);
    s.competences = {"bsl"};
    s.shifts = {Period{at(2027, 3, 2, 8), at(2027, 3, 2, 20), "long day"}};
    s.weekly_shifts = {window(0x0F, 8 * 60, 16 * 60)};
    return s;
}

inline CallRequest make_request(std::string code, ResidentId resident,
                                std::vector<ContactId> contacts) {
    CallRequest q;
    q.code = std::move(code);
    q.resident = resident;
    q.contacts = std::move(contacts);
    q.calls = 2;
    q.duration_minutes = 45;
    q.priority = priority::end_of_life;
    q.max_per_day = 1;
    q.preferred = {window(0x40, 10 * 60, 12 * 60, "sunday")};
    q.fixed = FixedTime{6, 10 * 60};
    q.active = false;
    return q;
}

/// One of each record, linked: site S1, ward S1W1, resident R1, contact C1 (approved for R1),
/// device S1D1 (serving S1W1), staff ST1 (on S1W1), request Q1 (R1 with C1).
struct Sample {
    SiteId site;
    WardId ward;
    ResidentId resident;
    ContactId contact;
    DeviceId device;
    StaffId staff;
    RequestId request;
};

inline Sample add_sample(Store& store) {
    Sample s;
    s.site = store.sites().add(make_site("S1"));
    s.ward = store.wards().add(make_ward("S1W1", s.site));
    s.resident = store.residents().add(make_resident("R1", s.ward));
    s.contact = store.contacts().add(make_contact("C1"));
    store.approvals().put(Approval{s.resident, s.contact, true, true, "no calls after 8pm"});
    s.device = store.devices().add(make_device("S1D1", s.site, {s.ward}));
    s.staff = store.staff().add(make_staff("ST1", {s.ward}));
    s.request = store.requests().add(make_request("Q1", s.resident, {s.contact}));
    return s;
}

/// A booking written straight into the table: the store has no booking repository yet, and the
/// removal rules must already see bookings.
inline void insert_booking(Store& store, const std::string& code, ResidentId resident,
                           DeviceId device, ContactId contact,
                           std::optional<StaffId> staff = std::nullopt,
                           std::optional<RequestId> request = std::nullopt) {
    auto& db = connection_of(store);
    {
        auto stmt = db.prepare(
            "INSERT INTO booking (code, resident_id, device_id, staff_id, start_utc, end_utc, "
            "priority, status, request_id, created_at, updated_at) "
            "VALUES (?1, ?2, ?3, ?4, 1800000000, 1800001800, 1, 'booked', ?5, 0, 0)");
        std::optional<std::int64_t> staff_id;
        std::optional<std::int64_t> request_id;
        if (staff) {
            staff_id = staff->value;
        }
        if (request) {
            request_id = request->value;
        }
        stmt.bind(1, code)
            .bind(2, resident.value)
            .bind(3, device.value)
            .bind(4, staff_id)
            .bind(5, request_id)
            .run();
    }
    auto booking = db.last_insert_id();
    auto stmt = db.prepare(
        "INSERT INTO booking_contact (booking_id, contact_id, position) VALUES (?1, ?2, 0)");
    stmt.bind(1, booking).bind(2, contact.value).run();
}

} // namespace carecall::test
