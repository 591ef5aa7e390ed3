// How the commands show a booking (see booking_view.hpp).
#include "booking_view.hpp"

#include <array>

#include <fmt/format.h>

#include "carecall/error.hpp"
#include "carecall/rules.hpp"

namespace carecall::cli {

using nlohmann::json;

const date::time_zone* resident_zone(Store& store, const Resident& r) {
    auto w = store.wards().find(r.ward);
    auto s = w ? store.sites().find(w->site) : std::nullopt;
    if (!s) {
        throw NotFound(fmt::format("the site of resident {} not found", r.code));
    }
    return find_zone(s->tz);
}

std::string hhmm(Instant t, const date::time_zone* zone) {
    auto text = format_local_datetime(to_local(t, zone));
    return text.substr(11, 5);
}

std::string local_day(Instant t, const date::time_zone* zone) {
    static constexpr std::array<const char*, 7> k_days{"Mon", "Tue", "Wed", "Thu",
                                                       "Fri", "Sat", "Sun"};
    auto d = Date{date::floor<date::days>(to_local(t, zone))};
    return fmt::format("{} {}", k_days[static_cast<std::size_t>(weekday_index(d))], format_date(d));
}

std::string abbrev(Instant t, const date::time_zone* zone) {
    return zone->get_info(t).abbrev;
}

std::string times(Instant s, Instant e, const date::time_zone* zone) {
    auto a = abbrev(s, zone);
    auto b = abbrev(e, zone);
    if (a != b) {
        return fmt::format("{} {}-{} {}", hhmm(s, zone), a, hhmm(e, zone), b);
    }
    return fmt::format("{}-{} {}", hhmm(s, zone), hhmm(e, zone), a);
}

std::string span(Instant s, Instant e, const date::time_zone* zone) {
    return fmt::format("{} {}", local_day(s, zone), times(s, e, zone));
}

std::string contacts_with_times(const json& view, Instant start, const date::time_zone* zone) {
    std::string contacts;
    for (const auto& c : view["contacts"]) {
        auto cz = find_zone(c["tz"].get<std::string>());
        auto name = c["name"].get<std::string>().empty() ? c["code"].get<std::string>()
                                                         : c["name"].get<std::string>();
        contacts += (contacts.empty() ? "" : ", ") + name;
        if (cz != zone) {
            contacts += fmt::format(" ({} {})", hhmm(start, cz), abbrev(start, cz));
        }
    }
    return contacts;
}

json booking_json(Store& store, const Booking& b) {
    // The booking taken apart whole (model.hpp): a new field stops this compiling until it is
    // shown.
    const auto& [id, code, resident, contacts, device, staff, start, end, priority, status, outcome,
                 reason, source, request, pinned, availability_overridden, hours_overridden,
                 series] = b;
    auto r = store.residents().find(resident);
    auto zone = r ? resident_zone(store, *r) : find_zone("UTC");
    json contact_list = json::array();
    for (auto cid : contacts) {
        auto c = store.contacts().find(cid);
        if (!c) {
            continue;
        }
        auto cz = find_zone(c->tz);
        contact_list.push_back({{"code", c->code},
                                {"name", c->name},
                                {"tz", c->tz},
                                {"start", format_iso_offset(start, cz)},
                                {"end", format_iso_offset(end, cz)},
                                {"reach", c->reach}});
    }
    auto d = store.devices().find(device);
    std::optional<Staff> st;
    if (staff) {
        st = store.staff().find(*staff);
    }
    std::optional<CallRequest> q;
    if (request) {
        q = store.requests().find(*request);
    }
    auto w = r ? store.wards().find(r->ward) : std::nullopt;
    return json{
        {"code", code},
        {"id", id.value},
        {"status", to_string(status)},
        {"resident", r ? r->code : ""},
        {"resident_name", r ? r->name : ""},
        {"room", r ? r->room : ""},
        {"ward", w ? w->code : ""},
        {"contacts", contact_list},
        {"device", d ? d->code : ""},
        {"device_name", d ? d->name : ""},
        {"staff", st ? json(st->code) : json(nullptr)},
        {"staff_name", st ? json(st->name) : json(nullptr)},
        {"tz", zone->name()},
        {"start", format_iso_offset(start, zone)},
        {"end", format_iso_offset(end, zone)},
        {"start_utc", format_utc(start)},
        {"end_utc", format_utc(end)},
        {"duration_minutes", std::chrono::duration_cast<std::chrono::minutes>(end - start).count()},
        {"priority", priority_name(priority)},
        {"outcome", to_string(outcome)},
        {"reason", reason},
        {"source", to_string(source)},
        {"request", q ? json(q->code) : json(nullptr)},
        {"series", series},
        {"availability_overridden", availability_overridden},
        {"hours_overridden", hours_overridden},
        {"pinned", pinned}};
}

json bookings_json(Store& store, const std::vector<Booking>& list) {
    json items = json::array();
    for (const auto& b : list) {
        items.push_back(booking_json(store, b));
    }
    return items;
}

std::string describe(Store& store, const Booking& b) {
    auto j = booking_json(store, b);
    auto r = store.residents().find(b.resident);
    auto zone = find_zone(j["tz"].get<std::string>());
    std::string who;
    for (const auto& c : j["contacts"]) {
        who += (who.empty() ? "" : ", ") + (c["name"].get<std::string>().empty()
                                                ? c["code"].get<std::string>()
                                                : c["name"].get<std::string>());
    }
    auto out = fmt::format(
        "{} {}: {} with {} on {}{}\n  {} ({})\n", b.code, to_string(b.status),
        r ? display_name(*r) : "?", who,
        j["device_name"].get<std::string>().empty() ? j["device"].get<std::string>()
                                                    : j["device_name"].get<std::string>(),
        j["staff_name"].is_null() ? "" : ", helped by " + j["staff_name"].get<std::string>(),
        span(b.start, b.end, zone), zone->name());
    for (const auto& c : j["contacts"]) {
        auto cz = find_zone(c["tz"].get<std::string>());
        if (cz != zone) {
            out += fmt::format("  {}: {} ({})\n",
                               c["name"].get<std::string>().empty() ? c["code"].get<std::string>()
                                                                    : c["name"].get<std::string>(),
                               span(b.start, b.end, cz), cz->name());
        }
    }
    if (b.hours_overridden) {
        out += "  outside calling hours (end of life)\n";
    }
    return out;
}

/// The zone in which --from is read: the scope's site, else the first site.
const date::time_zone* scope_zone(Store& store, std::optional<WardId> ward,
                                  std::optional<SiteId> site) {
    if (ward) {
        if (auto w = store.wards().find(*ward)) {
            site = w->site;
        }
    }
    if (site) {
        if (auto s = store.sites().find(*site)) {
            return find_zone(s->tz);
        }
    }
    auto sites = store.sites().list();
    return find_zone(sites.empty() ? std::string("UTC") : sites.front().tz);
}

} // namespace carecall::cli
