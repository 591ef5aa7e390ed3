#pragma once
/// Strong ids: a ResidentId never converts to a WardId.

#include <compare>
#include <cstdint>
#include <functional>

namespace carecall {

/// A database id of one kind of record. 0 means "not stored yet".
template <class Tag>
struct Id {
    std::int64_t value = 0;
    constexpr Id() = default;
    constexpr explicit Id(std::int64_t v) : value(v) {}
    [[nodiscard]] constexpr bool valid() const { return value > 0; }
    friend constexpr auto operator<=>(const Id&, const Id&) = default;
};

using SiteId = Id<struct SiteTag>;
using WardId = Id<struct WardTag>;
using ResidentId = Id<struct ResidentTag>;
using ContactId = Id<struct ContactTag>;
using DeviceId = Id<struct DeviceTag>;
using StaffId = Id<struct StaffTag>;
using RequestId = Id<struct RequestTag>;
using BookingId = Id<struct BookingTag>;

} // namespace carecall

template <class Tag>
struct std::hash<carecall::Id<Tag>> {
    std::size_t operator()(const carecall::Id<Tag>& id) const noexcept {
        return std::hash<std::int64_t>{}(id.value);
    }
};
