// Writing "carecall-scenario/1": the inverse of scenario_read.cpp. Optional fields are written
// only when they differ from what reading would assume, so a written file reads back equal.

#include <string>

#include <fmt/format.h>

#include "carecall/error.hpp"
#include "carecall/exchange.hpp"
#include "exchange/json_detail.hpp"

namespace carecall {
namespace {

using exchange_detail::at;
using exchange_detail::ojson;
using exchange_detail::window_json;

/// The record a scenario id names; an id out of range is an error naming the referring field.
template <class T, class IdT>
const T& deref(const std::vector<T>& records, IdT id, const std::string& field, const char* kind) {
    if (id.value < 1 || static_cast<std::size_t>(id.value) > records.size()) {
        throw InvalidInput(field, fmt::format("no {} with id {} in the scenario", kind, id.value));
    }
    return records[static_cast<std::size_t>(id.value - 1)];
}

ojson windows_json(const std::vector<WeeklyWindow>& ws) {
    ojson out = ojson::array();
    for (const auto& w : ws) {
        out.push_back(window_json(w));
    }
    return out;
}

ojson periods_json(const std::vector<Period>& ps, const date::time_zone* zone) {
    ojson out = ojson::array();
    for (const auto& p : ps) {
        ojson o = ojson::object();
        o["start"] = exchange_detail::local_text(p.start, zone, false);
        o["end"] = exchange_detail::local_text(p.end, zone, true);
        if (!p.label.empty()) {
            o["label"] = p.label;
        }
        out.push_back(std::move(o));
    }
    return out;
}

void put_string(ojson& o, const char* key, const std::string& value) {
    if (!value.empty()) {
        o[key] = value;
    }
}

void put_strings(ojson& o, const char* key, const std::vector<std::string>& values) {
    if (!values.empty()) {
        o[key] = values;
    }
}

class Writer {
public:
    explicit Writer(const Scenario& s) : m_s(s) {
        for (std::size_t i = 0; i < s.sites.size(); ++i) {
            m_site_zones.push_back(find_zone(s.sites[i].tz, at(at("sites", i), "tz")));
        }
    }

    ojson write() {
        ojson root = ojson::object();
        root["format"] = "carecall-scenario/1";
        if (m_s.seed) {
            root["seed"] = *m_s.seed;
        }
        root["horizon"] = {{"start_date", format_date(m_s.horizon.start)},
                           {"days", m_s.horizon.days},
                           {"slot_minutes", m_s.horizon.slot_minutes}};
        root["sites"] = sites();
        root["wards"] = wards();
        root["residents"] = residents();
        root["contacts"] = contacts();
        root["devices"] = devices();
        root["staff"] = staff();
        root["requests"] = requests();
        if (!m_s.approvals.empty()) {
            root["approvals"] = approvals();
        }
        return root;
    }

private:
    const Scenario& m_s;
    std::vector<const date::time_zone*> m_site_zones;

    const date::time_zone* site_zone(SiteId id, const std::string& field) const {
        deref(m_s.sites, id, field, "site");
        return m_site_zones[static_cast<std::size_t>(id.value - 1)];
    }

    const date::time_zone* ward_zone(WardId id, const std::string& field) const {
        return site_zone(deref(m_s.wards, id, field, "ward").site, field);
    }

    ojson sites() const {
        ojson out = ojson::array();
        for (const auto& r : m_s.sites) {
            ojson o = ojson::object();
            o["id"] = r.code;
            put_string(o, "name", r.name);
            o["kind"] = to_string(r.kind);
            o["tz"] = r.tz;
            out.push_back(std::move(o));
        }
        return out;
    }

    ojson wards() const {
        ojson out = ojson::array();
        for (std::size_t i = 0; i < m_s.wards.size(); ++i) {
            const auto& r = m_s.wards[i];
            auto path = at("wards", i);
            ojson o = ojson::object();
            o["id"] = r.code;
            put_string(o, "name", r.name);
            o["site"] = deref(m_s.sites, r.site, at(path, "site"), "site").code;
            o["calling_hours"] = windows_json(r.calling_hours);
            if (!r.closures.empty()) {
                ojson closures = ojson::array();
                for (const auto& c : r.closures) {
                    ojson cj = {{"first", format_date(c.first)}, {"last", format_date(c.last)}};
                    put_string(cj, "reason", c.reason);
                    closures.push_back(std::move(cj));
                }
                o["closures"] = std::move(closures);
            }
            out.push_back(std::move(o));
        }
        return out;
    }

    static ojson consent_json(const Consent& c) {
        if (c.by.empty() && !c.recorded && !c.review) {
            return to_string(c.status);
        }
        ojson o = {{"status", to_string(c.status)}};
        put_string(o, "by", c.by);
        if (c.recorded) {
            o["recorded"] = format_date(*c.recorded);
        }
        if (c.review) {
            o["review"] = format_date(*c.review);
        }
        return o;
    }

    ojson residents() const {
        ojson out = ojson::array();
        for (std::size_t i = 0; i < m_s.residents.size(); ++i) {
            const auto& r = m_s.residents[i];
            auto path = at("residents", i);
            ojson o = ojson::object();
            o["id"] = r.code;
            put_string(o, "name", r.name);
            o["ward"] = deref(m_s.wards, r.ward, at(path, "ward"), "ward").code;
            put_string(o, "room", r.room);
            if (r.admitted) {
                o["admitted"] = format_date(*r.admitted);
            }
            if (r.discharged) {
                o["discharged"] = format_date(*r.discharged);
            }
            o["needs_assistance"] = r.needs_assistance;
            put_strings(o, "competences", r.competences);
            if (r.max_call_minutes) {
                o["max_call_minutes"] = *r.max_call_minutes;
            }
            if (r.max_calls_per_day) {
                o["max_calls_per_day"] = *r.max_calls_per_day;
            }
            o["care_blocks"] = windows_json(r.care_blocks);
            if (!r.one_off_blocks.empty()) {
                o["one_off_blocks"] =
                    periods_json(r.one_off_blocks, ward_zone(r.ward, at(path, "ward")));
            }
            o["consent"] = consent_json(r.consent);
            out.push_back(std::move(o));
        }
        return out;
    }

    ojson contacts() const {
        ojson out = ojson::array();
        for (std::size_t i = 0; i < m_s.contacts.size(); ++i) {
            const auto& r = m_s.contacts[i];
            ojson o = ojson::object();
            o["id"] = r.code;
            put_string(o, "name", r.name);
            put_string(o, "relationship", r.relationship);
            o["tz"] = r.tz;
            put_string(o, "reach", r.reach);
            o["availability"] = windows_json(r.availability);
            if (!r.absences.empty()) {
                o["absences"] =
                    periods_json(r.absences, find_zone(r.tz, at(at("contacts", i), "tz")));
            }
            out.push_back(std::move(o));
        }
        return out;
    }

    ojson devices() const {
        ojson out = ojson::array();
        for (std::size_t i = 0; i < m_s.devices.size(); ++i) {
            const auto& r = m_s.devices[i];
            auto path = at("devices", i);
            ojson o = ojson::object();
            o["id"] = r.code;
            put_string(o, "name", r.name);
            o["kind"] = r.kind;
            o["site"] = deref(m_s.sites, r.site, at(path, "site"), "site").code;
            ojson wards = ojson::array();
            for (std::size_t k = 0; k < r.wards.size(); ++k) {
                wards.push_back(deref(m_s.wards, r.wards[k], at(at(path, "wards"), k), "ward").code);
            }
            o["wards"] = std::move(wards);
            o["cleaning_minutes"] = r.cleaning_minutes;
            o["move_minutes"] = r.move_minutes;
            put_strings(o, "capabilities", r.capabilities);
            if (!r.out_of_service.empty()) {
                o["out_of_service"] = periods_json(r.out_of_service, site_zone(r.site, at(path, "site")));
            }
            out.push_back(std::move(o));
        }
        return out;
    }

    ojson staff() const {
        ojson out = ojson::array();
        for (std::size_t i = 0; i < m_s.staff.size(); ++i) {
            const auto& r = m_s.staff[i];
            auto path = at("staff", i);
            ojson o = ojson::object();
            o["id"] = r.code;
            put_string(o, "name", r.name);
            ojson wards = ojson::array();
            for (std::size_t k = 0; k < r.wards.size(); ++k) {
                wards.push_back(deref(m_s.wards, r.wards[k], at(at(path, "wards"), k), "ward").code);
            }
            if (!wards.empty()) {
                o["ward"] = wards.front();
            }
            if (wards.size() > 1) {
                o["wards"] = std::move(wards);
            }
            put_strings(o, "competences", r.competences);
            // Without a ward there is no zone to write shifts in; UTC keeps them readable.
            const auto* zone = r.wards.empty() ? date::locate_zone("Etc/UTC")
                                               : ward_zone(r.wards.front(), at(path, "ward"));
            o["shifts"] = periods_json(r.shifts, zone);
            if (!r.weekly_shifts.empty()) {
                o["weekly_shifts"] = windows_json(r.weekly_shifts);
            }
            out.push_back(std::move(o));
        }
        return out;
    }

    ojson requests() const {
        ojson out = ojson::array();
        for (std::size_t i = 0; i < m_s.requests.size(); ++i) {
            const auto& r = m_s.requests[i];
            auto path = at("requests", i);
            ojson o = ojson::object();
            o["id"] = r.code;
            o["resident"] = deref(m_s.residents, r.resident, at(path, "resident"), "resident").code;
            ojson contacts = ojson::array();
            for (std::size_t k = 0; k < r.contacts.size(); ++k) {
                contacts.push_back(
                    deref(m_s.contacts, r.contacts[k], at(at(path, "contacts"), k), "contact").code);
            }
            if (!contacts.empty()) {
                o["contact"] = contacts.front();
            }
            if (contacts.size() > 1) {
                o["contacts"] = std::move(contacts);
            }
            o["calls"] = r.calls;
            o["duration_minutes"] = r.duration_minutes;
            o["priority"] = r.priority;
            if (r.max_per_day) {
                o["max_per_day"] = *r.max_per_day;
            }
            if (!r.preferred.empty()) {
                o["preferred"] = windows_json(r.preferred);
            }
            if (r.fixed) {
                o["fixed"] = {{"weekday", r.fixed->weekday}, {"start", format_clock(r.fixed->start)}};
            }
            if (!r.active) {
                o["active"] = false;
            }
            out.push_back(std::move(o));
        }
        return out;
    }

    ojson approvals() const {
        ojson out = ojson::array();
        for (std::size_t i = 0; i < m_s.approvals.size(); ++i) {
            const auto& a = m_s.approvals[i];
            auto path = at("approvals", i);
            ojson o = ojson::object();
            o["resident"] = deref(m_s.residents, a.resident, at(path, "resident"), "resident").code;
            o["contact"] = deref(m_s.contacts, a.contact, at(path, "contact"), "contact").code;
            if (!a.approved) {
                o["approved"] = false;
            }
            o["key_contact"] = a.key_contact;
            put_string(o, "restrictions", a.restrictions);
            out.push_back(std::move(o));
        }
        return out;
    }
};

} // namespace

std::string write_scenario(const Scenario& s) { return exchange_detail::dump(Writer(s).write()); }

} // namespace carecall
