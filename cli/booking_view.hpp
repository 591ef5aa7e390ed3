#pragma once
// How the commands show a booking: site time with the zone, each contact's own time, JSON.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "carecall/store.hpp"
#include "carecall/time.hpp"

namespace carecall::cli {

/// The zone of a resident's site.
const date::time_zone* resident_zone(Store& store, const Resident& r);
/// "14:30"
std::string hhmm(Instant t, const date::time_zone* zone);
/// "Thu 2027-07-01"
std::string local_day(Instant t, const date::time_zone* zone);
/// "BST"
std::string abbrev(Instant t, const date::time_zone* zone);
/// "10:00-10:30 BST"; across a clock change each end with its own zone: "01:30 BST-01:00 GMT".
std::string times(Instant s, Instant e, const date::time_zone* zone);
/// "Thu 2027-07-01 10:00-10:30 BST"
std::string span(Instant s, Instant e, const date::time_zone* zone);
/// A booking as JSON: codes and names of its parties, site and contact times, status.
nlohmann::json booking_json(Store& store, const Booking& b);
/// The contacts of a booking's JSON view (booking_json), by name, each with the call's start in
/// their own time when their zone is not `zone`: "Raj Patel (20:30 AEDT), Lucy Patel".
std::string contacts_with_times(const nlohmann::json& view, Instant start,
                                const date::time_zone* zone);
/// booking_json of each booking, as a JSON array.
nlohmann::json bookings_json(Store& store, const std::vector<Booking>& list);
/// The zone in which a date option is read: the ward's site, else the site, else the first site.
const date::time_zone* scope_zone(Store& store, std::optional<WardId> ward,
                                  std::optional<SiteId> site);
/// Lines describing a booking for people: site time, then each contact's own time if different.
std::string describe(Store& store, const Booking& b);

} // namespace carecall::cli
