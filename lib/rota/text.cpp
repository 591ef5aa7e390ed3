#include "rota/text.hpp"

#include <map>
#include <tuple>

#include <fmt/format.h>

namespace carecall::rota_text {

std::string clock(Instant t, const std::string& tz) {
    auto z = date::make_zoned(find_zone(tz), t);
    return date::format("%H:%M %Z", z);
}

std::string span(Instant start, Instant end, const std::string& tz) {
    auto z = date::make_zoned(find_zone(tz), start);
    return fmt::format("{}-{}", date::format("%H:%M", z), clock(end, tz));
}

std::string day(Date d) {
    static constexpr const char* k_days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    return fmt::format("{} {}", k_days[weekday_index(d)], format_date(d));
}

namespace {

std::string their(const RotaCall& call, const RotaContact& contact, bool with_end) {
    if (contact.tz.empty() || contact.tz == call.site_tz) {
        return {};
    }
    auto site = date::make_zoned(find_zone(call.site_tz), call.start);
    auto mine = date::make_zoned(find_zone(contact.tz), call.start);
    if (date::format("%F %H:%M %Z", site) == date::format("%F %H:%M %Z", mine)) {
        return {};
    }
    auto text = with_end ? span(call.start, call.end, contact.tz) : clock(call.start, contact.tz);
    auto my_date = Date{date::floor<date::days>(mine.get_local_time())};
    if (my_date != call.date) {
        text += " " + day(my_date);
    }
    return text;
}

} // namespace

std::string their_time(const RotaCall& call, const RotaContact& contact) {
    return their(call, contact, true);
}

std::string their_start(const RotaCall& call, const RotaContact& contact) {
    return their(call, contact, false);
}

std::string who(const RotaContact& c) {
    return c.relationship.empty() ? c.name : fmt::format("{} ({})", c.name, c.relationship);
}

std::string room(const RotaCall& call) {
    return call.room.empty() ? std::string() : "room " + call.room;
}

bool is_active(const RotaCall& call) {
    return call.status == BookingStatus::booked || call.status == BookingStatus::completed ||
           call.status == BookingStatus::missed;
}

std::string status(const RotaCall& call) {
    switch (call.status) {
    case BookingStatus::cancelled:
        return "CANCELLED";
    case BookingStatus::waitlisted:
        return "WAITING";
    default:
        return call.at_risk.empty() ? to_string(call.status) : "AT RISK";
    }
}

std::vector<Group> groups(const Rota& rota) {
    std::map<std::tuple<date::sys_days, std::string>, Group> by;
    for (const auto& c : rota.calls) {
        auto& g = by[{date::sys_days{c.date}, c.ward_code}];
        if (g.calls.empty()) {
            g = Group{c.date, c.ward_code, c.ward_name, c.site_name, c.site_tz, {}};
        }
        g.calls.push_back(&c);
    }
    std::vector<Group> out;
    for (auto& [key, g] : by) {
        out.push_back(std::move(g));
    }
    return out;
}

} // namespace carecall::rota_text
