#pragma once
// The SQLite backend of carecall::Store.

#include <memory>
#include <string>
#include <vector>

#include "carecall/store.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/context.hpp"

namespace carecall::sqlite {

class SqliteStore final : public Store {
public:
    /// `path` is a file path or ":memory:". See reliability.md for what opening does.
    SqliteStore(const std::string& path, const StoreOptions& options);
    ~SqliteStore() override;

    [[nodiscard]] std::unique_ptr<Transaction> begin(TxKind kind) override;

    Repository<Site, SiteId>& sites() override { return *m_sites; }
    Repository<Ward, WardId>& wards() override { return *m_wards; }
    Repository<Resident, ResidentId>& residents() override { return *m_residents; }
    Repository<Contact, ContactId>& contacts() override { return *m_contacts; }
    Repository<Device, DeviceId>& devices() override { return *m_devices; }
    Repository<Staff, StaffId>& staff() override { return *m_staff; }
    Repository<CallRequest, RequestId>& requests() override { return *m_requests; }
    ApprovalRepository& approvals() override { return *m_approvals; }
    BookingRepository& bookings() override { return *m_bookings; }
    [[nodiscard]] std::vector<Device> devices_serving(WardId ward) override;
    [[nodiscard]] std::vector<Staff> staff_on(WardId ward) override;

    [[nodiscard]] std::optional<std::string> setting(std::string_view key) override;
    void set_setting(std::string_view key, std::string_view value) override;

    void audit(std::string_view action, std::string_view kind, std::int64_t record_id,
               std::string_view record_code, std::string_view details_json) override;
    [[nodiscard]] std::vector<AuditEvent> audit_events(int limit) override;
    [[nodiscard]] std::vector<RecordChanges>
    record_changes(std::string_view kind, const std::vector<std::int64_t>& record_ids) override;

    void set_actor(Actor actor) override;
    [[nodiscard]] CheckReport check() override;
    void backup(const std::string& path) override;
    [[nodiscard]] int schema_version() override;
    [[nodiscard]] std::string url() const override { return m_url; }

    /// The connection, for this backend's own tests and tools.
    [[nodiscard]] Connection& connection() { return *m_db; }

    [[nodiscard]] std::vector<std::string> warnings() const override { return m_warnings; }

private:
    std::vector<std::string> m_warnings; // filled while opening: declared before m_db
    std::unique_ptr<Connection> m_db;
    std::string m_url;
    int m_busy_timeout_ms;
    std::unique_ptr<Context> m_ctx;
    std::unique_ptr<Repository<Site, SiteId>> m_sites;
    std::unique_ptr<Repository<Ward, WardId>> m_wards;
    std::unique_ptr<Repository<Resident, ResidentId>> m_residents;
    std::unique_ptr<Repository<Contact, ContactId>> m_contacts;
    std::unique_ptr<Repository<Device, DeviceId>> m_devices;
    std::unique_ptr<Repository<Staff, StaffId>> m_staff;
    std::unique_ptr<Repository<CallRequest, RequestId>> m_requests;
    std::unique_ptr<ApprovalRepository> m_approvals;
    std::unique_ptr<BookingRepository> m_bookings;
};

} // namespace carecall::sqlite
