#pragma once
// The SQLite booking repository, and the ward lookups booking needs.

#include <memory>
#include <vector>

#include "carecall/store.hpp"
#include "store/sqlite/context.hpp"

namespace carecall::sqlite {

std::unique_ptr<BookingRepository> make_booking_repository(Context& ctx);
std::vector<DeviceId> devices_for_ward(Context& ctx, WardId ward);
std::vector<StaffId> staff_for_ward(Context& ctx, WardId ward);

} // namespace carecall::sqlite
