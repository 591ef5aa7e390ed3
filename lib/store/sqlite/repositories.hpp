#pragma once
// The SQLite repositories, one per aggregate. They validate, check references, refuse duplicate
// codes and removals of records in use (naming what uses them), write, and audit each change.

#include <memory>

#include "carecall/store.hpp"
#include "store/sqlite/context.hpp"

namespace carecall::sqlite {

std::unique_ptr<Repository<Site, SiteId>> make_site_repository(Context& ctx);
std::unique_ptr<Repository<Ward, WardId>> make_ward_repository(Context& ctx);
std::unique_ptr<Repository<Resident, ResidentId>> make_resident_repository(Context& ctx);
std::unique_ptr<Repository<Contact, ContactId>> make_contact_repository(Context& ctx);
std::unique_ptr<Repository<Device, DeviceId>> make_device_repository(Context& ctx);
std::unique_ptr<Repository<Staff, StaffId>> make_staff_repository(Context& ctx);
std::unique_ptr<Repository<CallRequest, RequestId>> make_request_repository(Context& ctx);
std::unique_ptr<ApprovalRepository> make_approval_repository(Context& ctx);

} // namespace carecall::sqlite
