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
template <class T, class IdT>
ojson code_of(Repository<T, IdT>& repo, IdT id) {
    if (auto r = repo.find(id)) {
        return r->code;
    }
    return nullptr;
}

template <class T, class IdT>
ojson codes_of(Repository<T, IdT>& repo, const std::vector<IdT>& ids) {
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
        const auto& [start, end, label] = p;
        out.push_back({{"start", instant_text(start, zone)},
                       {"end", instant_text(end, zone)},
                       {"label", label}});
    }
    return out;
}

ojson date_or_null(const std::optional<Date>& d) {
    return d ? ojson(format_date(*d)) : ojson(nullptr);
}

ojson int_or_null(const std::optional<int>& v) {
    return v ? ojson(*v) : ojson(nullptr);
}

/// The zone name of a site ("" when the site is gone).
std::string site_tz(Store& store, SiteId id) {
    auto site = store.sites().find(id);
    return site ? site->tz : std::string();
}

std::string ward_tz(Store& store, WardId id) {
    auto ward = store.wards().find(id);
    return ward ? site_tz(store, ward->site) : std::string();
}

ojson tz_or_null(const std::string& tz) {
    return tz.empty() ? ojson(nullptr) : ojson(tz);
}

ojson head(std::int64_t id, const std::string& code, const std::string& name) {
    return {{"code", code}, {"id", id}, {"name", name}};
}

} // namespace

// Each writer takes its record apart whole (model.hpp): a new field stops it compiling until the
// view shows it or says why not.

std::string to_json(Store& /*store*/, const Site& r) {
    const auto& [id, code, name, kind, tz] = r;
    auto o = head(id.value, code, name);
    o["kind"] = to_string(kind);
    o["tz"] = tz;
    return o.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string to_json(Store& store, const Ward& r) {
    const auto& [id, code, name, site, calling_hours, closures] = r;
    auto o = head(id.value, code, name);
    o["site"] = code_of(store.sites(), site);
    o["tz"] = tz_or_null(site_tz(store, site));
    o["calling_hours"] = windows_json(calling_hours);
    ojson closures_out = ojson::array();
    for (const auto& c : closures) {
        const auto& [first, last, reason] = c;
        closures_out.push_back(
            {{"first", format_date(first)}, {"last", format_date(last)}, {"reason", reason}});
    }
    o["closures"] = std::move(closures_out);
    return o.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string to_json(Store& store, const Resident& r) {
    const auto& [id, code, name, ward, room, admitted, discharged, needs_assistance, competences,
                 max_call_minutes, max_calls_per_day, care_blocks, one_off_blocks, consent] = r;
    const auto& [consent_status, consent_by, consent_recorded, consent_review] = consent;
    auto tz = ward_tz(store, ward);
    auto o = head(id.value, code, name);
    o["ward"] = code_of(store.wards(), ward);
    o["tz"] = tz_or_null(tz);
    o["room"] = room;
    o["admitted"] = date_or_null(admitted);
    o["discharged"] = date_or_null(discharged);
    o["needs_assistance"] = needs_assistance;
    o["competences"] = competences;
    o["max_call_minutes"] = int_or_null(max_call_minutes);
    o["max_calls_per_day"] = int_or_null(max_calls_per_day);
    o["care_blocks"] = windows_json(care_blocks);
    o["one_off_blocks"] = periods_json(one_off_blocks, zone_of(tz));
    o["consent"] = {{"status", to_string(consent_status)},
                    {"by", consent_by},
                    {"recorded", date_or_null(consent_recorded)},
                    {"review", date_or_null(consent_review)}};
    return o.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string to_json(Store& /*store*/, const Contact& r) {
    const auto& [id, code, name, relationship, tz, availability, absences, reach] = r;
    auto o = head(id.value, code, name);
    o["relationship"] = relationship;
    o["tz"] = tz;
    o["availability"] = windows_json(availability);
    o["absences"] = periods_json(absences, zone_of(tz));
    o["reach"] = reach;
    return o.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string to_json(Store& store, const Device& r) {
    const auto& [id, code, name, kind, site, wards, cleaning_minutes, move_minutes, capabilities,
                 out_of_service] = r;
    auto tz = site_tz(store, site);
    auto o = head(id.value, code, name);
    o["kind"] = kind;
    o["site"] = code_of(store.sites(), site);
    o["tz"] = tz_or_null(tz);
    o["wards"] = codes_of(store.wards(), wards);
    o["cleaning_minutes"] = cleaning_minutes;
    o["move_minutes"] = move_minutes;
    o["capabilities"] = capabilities;
    o["out_of_service"] = periods_json(out_of_service, zone_of(tz));
    return o.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string to_json(Store& store, const Staff& r) {
    const auto& [id, code, name, wards, competences, shifts, weekly_shifts] = r;
    auto tz = wards.empty() ? std::string() : ward_tz(store, wards.front());
    auto o = head(id.value, code, name);
    auto ward_codes = codes_of(store.wards(), wards);
    o["ward"] = ward_codes.empty() ? ojson(nullptr) : ward_codes.front();
    o["wards"] = std::move(ward_codes);
    o["tz"] = tz_or_null(tz);
    o["competences"] = competences;
    o["shifts"] = periods_json(shifts, zone_of(tz));
    o["weekly_shifts"] = windows_json(weekly_shifts);
    return o.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string to_json(Store& store, const CallRequest& r) {
    const auto& [id, code, resident_id, contacts, calls, duration_minutes, priority, max_per_day,
                 preferred, fixed, active] = r;
    ojson o = {{"code", code}, {"id", id.value}};
    auto resident = store.residents().find(resident_id);
    o["resident"] = resident ? ojson(resident->code) : ojson(nullptr);
    auto contact_codes = codes_of(store.contacts(), contacts);
    o["contact"] = contact_codes.empty() ? ojson(nullptr) : contact_codes.front();
    o["contacts"] = std::move(contact_codes);
    o["tz"] = tz_or_null(resident ? ward_tz(store, resident->ward) : std::string());
    o["calls"] = calls;
    o["duration_minutes"] = duration_minutes;
    o["priority"] = priority;
    o["priority_name"] = priority_name(priority);
    o["max_per_day"] = int_or_null(max_per_day);
    o["preferred"] = windows_json(preferred);
    if (fixed) {
        const auto& [weekday, start] = *fixed;
        o["fixed"] = {{"weekday", weekday}, {"start", format_clock(start)}};
    } else {
        o["fixed"] = nullptr;
    }
    o["active"] = active;
    return o.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

} // namespace carecall
