#pragma once
// Shared wording of the rota renderers (times in a zone, contacts, grouping by ward and date).

#include <string>
#include <utility>
#include <vector>

#include "carecall/rota.hpp"

namespace carecall::rota_text {

/// "14:00 BST" in the zone named `tz`.
std::string clock(Instant t, const std::string& tz);
/// "10:00-10:30 BST".
std::string span(Instant start, Instant end, const std::string& tz);
/// "Mon 2027-07-05".
std::string day(Date d);
/// The contact's own time of the call ("19:00-19:30 AEST", with their date when it is not the
/// site's), or "" when their clock reads as the site's.
std::string their_time(const RotaCall& call, const RotaContact& contact);
/// Their start time only ("19:00 AEST", with their date when it is not the site's), or "".
std::string their_start(const RotaCall& call, const RotaContact& contact);
/// "Lucy Brown (daughter)".
std::string who(const RotaContact& c);
/// "room 12" or "".
std::string room(const RotaCall& call);
/// "booked" or "CANCELLED" etc. (cancelled, waiting and at-risk calls in capitals, never by
/// colour alone).
std::string status(const RotaCall& call);
bool is_active(const RotaCall& call);

/// The calls grouped by (date, ward), in date order then ward code.
struct Group {
    Date date;
    std::string ward_code;
    std::string ward_name;
    std::string site_name;
    std::string site_tz;
    std::vector<const RotaCall*> calls;
};
std::vector<Group> groups(const Rota& rota);

} // namespace carecall::rota_text
