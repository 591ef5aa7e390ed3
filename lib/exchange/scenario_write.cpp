// Writing "carecall-scenario/1": the inverse of scenario_read.cpp. Optional fields are written
// only when they differ from what reading would assume, so a written file reads back equal.

#include <set>
#include <string>
#include <utility>

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
        const auto& [start, end, label] = p;
        ojson o = ojson::object();
        o["start"] = exchange_detail::local_text(start, zone, false);
        o["end"] = exchange_detail::local_text(end, zone, true);
        if (!label.empty()) {
            o["label"] = label;
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
    explicit Writer(const Scenario& s) : m_s(s), m_approvals(s.approvals) {
        for (std::size_t i = 0; i < s.sites.size(); ++i) {
            m_site_zones.push_back(find_zone(s.sites[i].tz, at(at("sites", i), "tz")));
        }
        // A written list is the whole truth to a reader: a scenario whose list only adds to the
        // pairs its requests name gets those pairs written too, approved. (With no list at all,
        // none is written: the document then says the same by leaving it out.)
        if (!s.approvals_complete && !s.approvals.empty()) {
            std::set<std::pair<std::int64_t, std::int64_t>> listed;
            for (const auto& a : s.approvals) {
                listed.emplace(a.resident.value, a.contact.value);
            }
            for (const auto& q : s.requests) {
                for (auto c : q.contacts) {
                    if (listed.emplace(q.resident.value, c.value).second) {
                        m_approvals.push_back(Approval{q.resident, c, true, false, {}});
                    }
                }
            }
        }
        for (auto id : s.consent_unsaid) {
            m_consent_unsaid.insert(id.value);
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
        if (m_s.approvals_complete || !m_approvals.empty()) {
            root["approvals"] = approvals();
        }
        return root;
    }

private:
    const Scenario& m_s;
    std::vector<Approval> m_approvals;       ///< the list as written
    std::set<std::int64_t> m_consent_unsaid; ///< residents written without "consent"
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
            const auto& [id, code, name, kind, tz] = r;
            static_cast<void>(id); // the scenario names records by code; ids are positions
            ojson o = ojson::object();
            o["id"] = code;
            put_string(o, "name", name);
            o["kind"] = to_string(kind);
            o["tz"] = tz;
            out.push_back(std::move(o));
        }
        return out;
    }

    ojson wards() const {
        ojson out = ojson::array();
        for (std::size_t i = 0; i < m_s.wards.size(); ++i) {
            const auto& r = m_s.wards[i];
            const auto& [id, code, name, site, calling_hours, closures] = r;
            static_cast<void>(id); // the scenario names records by code; ids are positions
            auto path = at("wards", i);
            ojson o = ojson::object();
            o["id"] = code;
            put_string(o, "name", name);
            o["site"] = deref(m_s.sites, site, at(path, "site"), "site").code;
            o["calling_hours"] = windows_json(calling_hours);
            if (!closures.empty()) {
                ojson closures_out = ojson::array();
                for (const auto& c : closures) {
                    const auto& [first, last, reason] = c;
                    ojson cj = {{"first", format_date(first)}, {"last", format_date(last)}};
                    put_string(cj, "reason", reason);
                    closures_out.push_back(std::move(cj));
                }
                o["closures"] = std::move(closures_out);
            }
            out.push_back(std::move(o));
        }
        return out;
    }

    static ojson consent_json(const Consent& c) {
        const auto& [status, by, recorded, review] = c;
        if (by.empty() && !recorded && !review) {
            return to_string(status);
        }
        ojson o = {{"status", to_string(status)}};
        put_string(o, "by", by);
        if (recorded) {
            o["recorded"] = format_date(*recorded);
        }
        if (review) {
            o["review"] = format_date(*review);
        }
        return o;
    }

    ojson residents() const {
        ojson out = ojson::array();
        for (std::size_t i = 0; i < m_s.residents.size(); ++i) {
            const auto& r = m_s.residents[i];
            const auto& [id, code, name, ward, room, admitted, discharged, needs_assistance,
                         competences, max_call_minutes, max_calls_per_day, care_blocks,
                         one_off_blocks, consent] = r;
            // The scenario names records by code; ids are positions (and say whose consent is
            // left unsaid).
            auto path = at("residents", i);
            ojson o = ojson::object();
            o["id"] = code;
            put_string(o, "name", name);
            o["ward"] = deref(m_s.wards, ward, at(path, "ward"), "ward").code;
            put_string(o, "room", room);
            if (admitted) {
                o["admitted"] = format_date(*admitted);
            }
            if (discharged) {
                o["discharged"] = format_date(*discharged);
            }
            o["needs_assistance"] = needs_assistance;
            put_strings(o, "competences", competences);
            if (max_call_minutes) {
                o["max_call_minutes"] = *max_call_minutes;
            }
            if (max_calls_per_day) {
                o["max_calls_per_day"] = *max_calls_per_day;
            }
            o["care_blocks"] = windows_json(care_blocks);
            if (!one_off_blocks.empty()) {
                o["one_off_blocks"] =
                    periods_json(one_off_blocks, ward_zone(ward, at(path, "ward")));
            }
            if (m_consent_unsaid.count(id.value) == 0) {
                o["consent"] = consent_json(consent);
            }
            out.push_back(std::move(o));
        }
        return out;
    }

    ojson contacts() const {
        ojson out = ojson::array();
        for (std::size_t i = 0; i < m_s.contacts.size(); ++i) {
            const auto& r = m_s.contacts[i];
            const auto& [id, code, name, relationship, tz, availability, absences, reach] = r;
            static_cast<void>(id); // the scenario names records by code; ids are positions
            ojson o = ojson::object();
            o["id"] = code;
            put_string(o, "name", name);
            put_string(o, "relationship", relationship);
            o["tz"] = tz;
            put_string(o, "reach", reach);
            o["availability"] = windows_json(availability);
            if (!absences.empty()) {
                o["absences"] = periods_json(absences, find_zone(tz, at(at("contacts", i), "tz")));
            }
            out.push_back(std::move(o));
        }
        return out;
    }

    ojson devices() const {
        ojson out = ojson::array();
        for (std::size_t i = 0; i < m_s.devices.size(); ++i) {
            const auto& r = m_s.devices[i];
            const auto& [id, code, name, kind, site, wards, cleaning_minutes, move_minutes,
                         capabilities, out_of_service] = r;
            static_cast<void>(id); // the scenario names records by code; ids are positions
            auto path = at("devices", i);
            ojson o = ojson::object();
            o["id"] = code;
            put_string(o, "name", name);
            o["kind"] = kind;
            o["site"] = deref(m_s.sites, site, at(path, "site"), "site").code;
            ojson ward_codes = ojson::array();
            for (std::size_t k = 0; k < wards.size(); ++k) {
                ward_codes.push_back(
                    deref(m_s.wards, wards[k], at(at(path, "wards"), k), "ward").code);
            }
            o["wards"] = std::move(ward_codes);
            o["cleaning_minutes"] = cleaning_minutes;
            o["move_minutes"] = move_minutes;
            put_strings(o, "capabilities", capabilities);
            if (!out_of_service.empty()) {
                o["out_of_service"] =
                    periods_json(out_of_service, site_zone(site, at(path, "site")));
            }
            out.push_back(std::move(o));
        }
        return out;
    }

    ojson staff() const {
        ojson out = ojson::array();
        for (std::size_t i = 0; i < m_s.staff.size(); ++i) {
            const auto& r = m_s.staff[i];
            const auto& [id, code, name, wards, competences, shifts, weekly_shifts] = r;
            static_cast<void>(id); // the scenario names records by code; ids are positions
            auto path = at("staff", i);
            ojson o = ojson::object();
            o["id"] = code;
            put_string(o, "name", name);
            ojson ward_codes = ojson::array();
            for (std::size_t k = 0; k < wards.size(); ++k) {
                ward_codes.push_back(
                    deref(m_s.wards, wards[k], at(at(path, "wards"), k), "ward").code);
            }
            if (!ward_codes.empty()) {
                o["ward"] = ward_codes.front();
            }
            if (ward_codes.size() > 1) {
                o["wards"] = std::move(ward_codes);
            }
            put_strings(o, "competences", competences);
            // Without a ward there is no zone to write shifts in; UTC keeps them readable.
            const auto* zone = wards.empty() ? date::locate_zone("Etc/UTC")
                                             : ward_zone(wards.front(), at(path, "ward"));
            o["shifts"] = periods_json(shifts, zone);
            if (!weekly_shifts.empty()) {
                o["weekly_shifts"] = windows_json(weekly_shifts);
            }
            out.push_back(std::move(o));
        }
        return out;
    }

    ojson requests() const {
        ojson out = ojson::array();
        for (std::size_t i = 0; i < m_s.requests.size(); ++i) {
            const auto& r = m_s.requests[i];
            const auto& [id, code, resident, contacts, calls, duration_minutes, priority,
                         max_per_day, preferred, fixed, active] = r;
            static_cast<void>(id); // the scenario names records by code; ids are positions
            auto path = at("requests", i);
            ojson o = ojson::object();
            o["id"] = code;
            o["resident"] = deref(m_s.residents, resident, at(path, "resident"), "resident").code;
            ojson contact_codes = ojson::array();
            for (std::size_t k = 0; k < contacts.size(); ++k) {
                contact_codes.push_back(
                    deref(m_s.contacts, contacts[k], at(at(path, "contacts"), k), "contact").code);
            }
            if (!contact_codes.empty()) {
                o["contact"] = contact_codes.front();
            }
            if (contact_codes.size() > 1) {
                o["contacts"] = std::move(contact_codes);
            }
            o["calls"] = calls;
            o["duration_minutes"] = duration_minutes;
            o["priority"] = priority;
            if (max_per_day) {
                o["max_per_day"] = *max_per_day;
            }
            if (!preferred.empty()) {
                o["preferred"] = windows_json(preferred);
            }
            if (fixed) {
                o["fixed"] = {{"weekday", fixed->weekday}, {"start", format_clock(fixed->start)}};
            }
            if (!active) {
                o["active"] = false;
            }
            out.push_back(std::move(o));
        }
        return out;
    }

    ojson approvals() const {
        ojson out = ojson::array();
        for (std::size_t i = 0; i < m_approvals.size(); ++i) {
            const auto& a = m_approvals[i];
            const auto& [resident, contact, approved, key_contact, restrictions] = a;
            auto path = at("approvals", i);
            ojson o = ojson::object();
            o["resident"] = deref(m_s.residents, resident, at(path, "resident"), "resident").code;
            o["contact"] = deref(m_s.contacts, contact, at(path, "contact"), "contact").code;
            if (!approved) {
                o["approved"] = false;
            }
            o["key_contact"] = key_contact;
            put_string(o, "restrictions", restrictions);
            out.push_back(std::move(o));
        }
        return out;
    }
};

} // namespace

std::string write_scenario(const Scenario& s) {
    return exchange_detail::dump(Writer(s).write());
}

} // namespace carecall
