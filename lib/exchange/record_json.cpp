// JSON views of single records as the command prints them. Field names follow the scenario
// format where it has them; references are codes; windows carry their text form too; one-off
// periods are ISO 8601 instants with the offset of their owner's zone, and the zone is named.

#include <string>

#include "carecall/exchange.hpp"
#include "carecall/store.hpp"
#include "exchange/json_detail.hpp"

namespace carecall {
namespace {

using exchange_detail::ojson;

/// The code of a referenced record, or null when it is gone.
template <class T, class IdT> ojson code_of(Repository<T, IdT>& repo, IdT id) {
    if (auto r = repo.find(id)) {
        return r->code;
    }
    return nullptr;
}

template <class T, class IdT> ojson codes_of(Repository<T, IdT>& repo, const std::vector<IdT>& ids) {
    ojson out = ojson::array();
    for (auto id : ids) {
        out.push_back(code_of(repo, id));
    }
    return out;
}

ojson windows_json(const std::vector<WeeklyWindow>& ws) {
    ojson out = ojson::array();
    for (const auto& w : ws) {
        auto o = exchange_detail::window_json(w);
        if (!o.contains("label")) {
            o["label"] = "";
        }
        o["text"] = format_window(w);
        out.push_back(std::move(o));
    }
    return out;
}

/// A zone by name, or nullptr when the name is not one (then instants are printed in UTC).
const date::time_zone* zone_of(const std::string& tz) {
    try {
        return tz.empty() ? nullptr : date::locate_zone(tz);
    } catch (const std::runtime_error&) {
        return nullptr;
    }
}

std::string instant_text(Instant t, const date::time_zone* zone) {
    return zone == nullptr ? format_utc(t) : format_iso_offset(t, zone);
}

ojson periods_json(const std::vector<Period>& ps, const date::time_zone* zone) {
    ojson out = ojson::array();
    for (const auto& p : ps) {
        out.push_back({{"start", instant_text(p.start, zone)},
                       {"end", instant_text(p.end, zone)},
                       {"label", p.label}});
    }
    return out;
}

ojson date_or_null(const std::optional<Date>& d) {
    return d ? ojson(format_date(*d)) : ojson(nullptr);
}

ojson int_or_null(const std::optional<int>& v) { return v ? ojson(*v) : ojson(nullptr); }

/// The zone name of a site ("" when the site is gone).
std::string site_tz(Store& store, SiteId id) {
    auto site = store.sites().find(id);
    return site ? site->tz : std::string();
}

std::string ward_tz(Store& store, WardId id) {
    auto ward = store.wards().find(id);
    return ward ? site_tz(store, ward->site) : std::string();
}

ojson tz_or_null(const std::string& tz) { return tz.empty() ? ojson(nullptr) : ojson(tz); }

ojson head(std::int64_t id, const std::string& code, const std::string& name) {
    return {{"code", code}, {"id", id}, {"name", name}};
}

} // namespace

std::string to_json(Store& /*store*/, const Site& r) {
    auto o = head(r.id.value, r.code, r.name);
    o["kind"] = to_string(r.kind);
    o["tz"] = r.tz;
    return o.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string to_json(Store& store, const Ward& r) {
    auto o = head(r.id.value, r.code, r.name);
    o["site"] = code_of(store.sites(), r.site);
    o["tz"] = tz_or_null(site_tz(store, r.site));
    o["calling_hours"] = windows_json(r.calling_hours);
    ojson closures = ojson::array();
    for (const auto& c : r.closures) {
        closures.push_back(
            {{"first", format_date(c.first)}, {"last", format_date(c.last)}, {"reason", c.reason}});
    }
    o["closures"] = std::move(closures);
    return o.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string to_json(Store& store, const Resident& r) {
    auto tz = ward_tz(store, r.ward);
    auto o = head(r.id.value, r.code, r.name);
    o["ward"] = code_of(store.wards(), r.ward);
    o["tz"] = tz_or_null(tz);
    o["room"] = r.room;
    o["admitted"] = date_or_null(r.admitted);
    o["discharged"] = date_or_null(r.discharged);
    o["needs_assistance"] = r.needs_assistance;
    o["competences"] = r.competences;
    o["max_call_minutes"] = int_or_null(r.max_call_minutes);
    o["max_calls_per_day"] = int_or_null(r.max_calls_per_day);
    o["care_blocks"] = windows_json(r.care_blocks);
    o["one_off_blocks"] = periods_json(r.one_off_blocks, zone_of(tz));
    o["consent"] = {{"status", to_string(r.consent.status)},
                    {"by", r.consent.by},
                    {"recorded", date_or_null(r.consent.recorded)},
                    {"review", date_or_null(r.consent.review)}};
    return o.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string to_json(Store& /*store*/, const Contact& r) {
    auto o = head(r.id.value, r.code, r.name);
    o["relationship"] = r.relationship;
    o["tz"] = r.tz;
    o["availability"] = windows_json(r.availability);
    o["absences"] = periods_json(r.absences, zone_of(r.tz));
    o["reach"] = r.reach;
    return o.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string to_json(Store& store, const Device& r) {
    auto tz = site_tz(store, r.site);
    auto o = head(r.id.value, r.code, r.name);
    o["kind"] = r.kind;
    o["site"] = code_of(store.sites(), r.site);
    o["tz"] = tz_or_null(tz);
    o["wards"] = codes_of(store.wards(), r.wards);
    o["cleaning_minutes"] = r.cleaning_minutes;
    o["move_minutes"] = r.move_minutes;
    o["capabilities"] = r.capabilities;
    o["out_of_service"] = periods_json(r.out_of_service, zone_of(tz));
    return o.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string to_json(Store& store, const Staff& r) {
    auto tz = r.wards.empty() ? std::string() : ward_tz(store, r.wards.front());
    auto o = head(r.id.value, r.code, r.name);
    auto wards = codes_of(store.wards(), r.wards);
    o["ward"] = wards.empty() ? ojson(nullptr) : wards.front();
    o["wards"] = std::move(wards);
    o["tz"] = tz_or_null(tz);
    o["competences"] = r.competences;
    o["shifts"] = periods_json(r.shifts, zone_of(tz));
    o["weekly_shifts"] = windows_json(r.weekly_shifts);
    return o.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string to_json(Store& store, const CallRequest& r) {
    ojson o = {{"code", r.code}, {"id", r.id.value}};
    auto resident = store.residents().find(r.resident);
    o["resident"] = resident ? ojson(resident->code) : ojson(nullptr);
    auto contacts = codes_of(store.contacts(), r.contacts);
    o["contact"] = contacts.empty() ? ojson(nullptr) : contacts.front();
    o["contacts"] = std::move(contacts);
    o["tz"] = tz_or_null(resident ? ward_tz(store, resident->ward) : std::string());
    o["calls"] = r.calls;
    o["duration_minutes"] = r.duration_minutes;
    o["priority"] = r.priority;
    o["priority_name"] = priority_name(r.priority);
    o["max_per_day"] = int_or_null(r.max_per_day);
    o["preferred"] = windows_json(r.preferred);
    if (r.fixed) {
        o["fixed"] = {{"weekday", r.fixed->weekday}, {"start", format_clock(r.fixed->start)}};
    } else {
        o["fixed"] = nullptr;
    }
    o["active"] = r.active;
    return o.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

} // namespace carecall
