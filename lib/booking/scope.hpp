#pragma once
// What booking, moving, free slots and repair share: the records and bookings the rules need
// around a call (Scope), and the choice of device and helper for a call at a given start (pick).
#include <functional>
#include <optional>
#include <vector>

#include "carecall/rules.hpp"
#include "carecall/store.hpp"

namespace carecall::booking_detail {

/// Bookings this far around a call can affect it.
inline constexpr auto k_margin = date::days{1};

/// Whether a call in the way for this rule may give way to an end-of-life call.
bool displaceable_rule(Rule rule);

/// What the rules need for calls of one resident between `from` and `to`: the resident, the
/// ward and site, the contacts and approvals, the candidate devices and helpers, and every
/// booking around that time involving any of them (with those bookings' residents).
struct Scope {
    World world;
    Resident resident;
    Ward ward;
    const date::time_zone* zone = nullptr;
    std::vector<DeviceId> devices; ///< candidates, home ward's first
    std::vector<StaffId> helpers;  ///< candidates
};

Scope load_scope(Store& store, ResidentId rid, const std::vector<ContactId>& contacts,
                 std::optional<DeviceId> device, std::optional<StaffId> staff, Instant from,
                 Instant to);

/// The best device and helper for a call at plan.start: the first combination that keeps every
/// rule; else the violations of the combination that breaks the fewest.
struct Pick {
    std::optional<CallPlan> plan;
    std::vector<Violation> violations;
};

Pick pick(const Scope& sc, CallPlan plan, std::optional<StaffId> fixed_staff);

/// Local grid starts (every step minutes of site time) from `from` for `days` days.
std::vector<Instant> grid(const date::time_zone* zone, Instant from, int days, int step);

/// The local date of an instant in a zone, as days.
date::local_days local_day(Instant t, const date::time_zone* zone);

/// The local dates a call of booking `b` may move to without its request holding more calls in
/// any 7 dates in a row than it asks a week (rule_facts::week_has_room over the request's other
/// booked and completed calls within `days` days, plus a week, of the call). Every date may when
/// the call serves no request.
std::function<bool(date::local_days)> weekly_room(Store& store, const Booking& b,
                                                  const date::time_zone* zone, int days);

/// Refuses a start already past (a minute's grace), naming now.
void refuse_past(Instant start, Instant now, const date::time_zone* zone);

} // namespace carecall::booking_detail
