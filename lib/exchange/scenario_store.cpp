// A scenario into the store (keyed by code, one write transaction) and back out for a horizon.

#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "carecall/error.hpp"
#include "carecall/exchange.hpp"
#include "carecall/store.hpp"
#include "exchange/json_detail.hpp"

namespace carecall {
namespace {

using exchange_detail::at;

/// The database id of the record a scenario id names, as mapped while importing.
template <class IdT>
IdT mapped(const std::vector<IdT>& ids, IdT id, const std::string& field, const char* kind) {
    if (id.value < 1 || static_cast<std::size_t>(id.value) > ids.size()) {
        throw InvalidInput(field, fmt::format("no {} with id {} in the scenario", kind, id.value));
    }
    return ids[static_cast<std::size_t>(id.value - 1)];
}

/// Adds the record, or replaces the one with the same code; returns its database id.
template <class T, class IdT>
IdT upsert(Repository<T, IdT>& repo, T record, const std::string& path, ImportSummary& sum) {
    try {
        if (auto old = repo.find_by_code(record.code)) {
            record.id = old->id;
            repo.update(record);
            ++sum.updated;
            return old->id;
        }
        record.id = IdT{};
        auto id = repo.add(record);
        ++sum.added;
        return id;
    } catch (const InvalidInput& e) {
        // The store names a field of the record; say which record of the scenario it is.
        throw e.prefixed(path + ".");
    }
}

/// [first instant, end instant) of the horizon's local dates in `zone`. A midnight that does
/// not exist (some zones change clocks at midnight) counts from the first real time after it.
std::pair<Instant, Instant> horizon_bounds(const Horizon& h, const date::time_zone* zone) {
    auto first = date::local_days{h.start};
    auto last = first + date::days{h.days};
    auto lo = zone->to_sys(date::local_seconds{first}, date::choose::earliest);
    auto hi = zone->to_sys(date::local_seconds{last}, date::choose::earliest);
    return {std::chrono::time_point_cast<std::chrono::seconds>(lo),
            std::chrono::time_point_cast<std::chrono::seconds>(hi)};
}

std::vector<Period> overlapping(const std::vector<Period>& ps, std::pair<Instant, Instant> span) {
    std::vector<Period> out;
    for (const auto& p : ps) {
        if (p.start < span.second && p.end > span.first) {
            out.push_back(p);
        }
    }
    return out;
}

/// Database id → position (1-based) in the loaded scenario.
template <class T>
auto positions(const std::vector<T>& records) {
    std::unordered_map<decltype(T::id), decltype(T::id)> out;
    for (std::size_t i = 0; i < records.size(); ++i) {
        out.emplace(records[i].id, decltype(T::id)(static_cast<std::int64_t>(i) + 1));
    }
    return out;
}

/// A reference remapped to a position; 0 (invalid) when the record is gone.
template <class Map, class IdT>
IdT remap(const Map& m, IdT id) {
    auto it = m.find(id);
    return it == m.end() ? IdT{} : it->second;
}

const date::time_zone* zone_or_utc(const std::string& tz) {
    try {
        return date::locate_zone(tz);
    } catch (const std::runtime_error&) {
        return date::locate_zone("Etc/UTC");
    }
}

} // namespace

ImportSummary import_scenario(Store& store, const Scenario& s) {
    ImportSummary sum;
    sum.sites = static_cast<int>(s.sites.size());
    sum.wards = static_cast<int>(s.wards.size());
    sum.residents = static_cast<int>(s.residents.size());
    sum.contacts = static_cast<int>(s.contacts.size());
    sum.devices = static_cast<int>(s.devices.size());
    sum.staff = static_cast<int>(s.staff.size());
    sum.requests = static_cast<int>(s.requests.size());

    auto tx = store.begin(TxKind::write);

    std::vector<SiteId> sites;
    for (std::size_t i = 0; i < s.sites.size(); ++i) {
        sites.push_back(upsert(store.sites(), s.sites[i], at("sites", i), sum));
    }
    std::vector<WardId> wards;
    for (std::size_t i = 0; i < s.wards.size(); ++i) {
        auto path = at("wards", i);
        Ward r = s.wards[i];
        r.site = mapped(sites, r.site, at(path, "site"), "site");
        wards.push_back(upsert(store.wards(), std::move(r), path, sum));
    }
    std::vector<ResidentId> residents;
    for (std::size_t i = 0; i < s.residents.size(); ++i) {
        auto path = at("residents", i);
        Resident r = s.residents[i];
        r.ward = mapped(wards, r.ward, at(path, "ward"), "ward");
        // The format: consent is recorded as given unless the scenario says refused.
        if (r.consent.status == ConsentStatus::none) {
            r.consent.status = ConsentStatus::given;
        }
        residents.push_back(upsert(store.residents(), std::move(r), path, sum));
    }
    std::vector<ContactId> contacts;
    for (std::size_t i = 0; i < s.contacts.size(); ++i) {
        contacts.push_back(upsert(store.contacts(), s.contacts[i], at("contacts", i), sum));
    }
    for (std::size_t i = 0; i < s.devices.size(); ++i) {
        auto path = at("devices", i);
        Device r = s.devices[i];
        r.site = mapped(sites, r.site, at(path, "site"), "site");
        for (std::size_t k = 0; k < r.wards.size(); ++k) {
            r.wards[k] = mapped(wards, r.wards[k], at(at(path, "wards"), k), "ward");
        }
        upsert(store.devices(), std::move(r), path, sum);
    }
    for (std::size_t i = 0; i < s.staff.size(); ++i) {
        auto path = at("staff", i);
        Staff r = s.staff[i];
        for (std::size_t k = 0; k < r.wards.size(); ++k) {
            r.wards[k] = mapped(wards, r.wards[k], at(at(path, "wards"), k), "ward");
        }
        upsert(store.staff(), std::move(r), path, sum);
    }

    // Approvals: every pair a request names is approved; the approvals list adds key contacts,
    // restrictions and pairs without a request.
    std::map<std::pair<std::int64_t, std::int64_t>, Approval> links;
    for (std::size_t i = 0; i < s.approvals.size(); ++i) {
        auto path = at("approvals", i);
        Approval a = s.approvals[i];
        a.resident = mapped(residents, a.resident, at(path, "resident"), "resident");
        a.contact = mapped(contacts, a.contact, at(path, "contact"), "contact");
        links[{a.resident.value, a.contact.value}] = a;
    }
    std::vector<CallRequest> requests;
    for (std::size_t i = 0; i < s.requests.size(); ++i) {
        auto path = at("requests", i);
        CallRequest r = s.requests[i];
        r.resident = mapped(residents, r.resident, at(path, "resident"), "resident");
        for (std::size_t k = 0; k < r.contacts.size(); ++k) {
            r.contacts[k] = mapped(contacts, r.contacts[k], at(at(path, "contacts"), k), "contact");
            auto [it, fresh] = links.try_emplace({r.resident.value, r.contacts[k].value});
            if (fresh) {
                it->second.resident = r.resident;
                it->second.contact = r.contacts[k];
            }
            it->second.approved = true;
        }
        requests.push_back(std::move(r));
    }
    // Approvals before requests, so a store that checks a request's contacts finds them approved.
    for (const auto& [pair, a] : links) {
        store.approvals().put(a);
    }
    for (std::size_t i = 0; i < requests.size(); ++i) {
        upsert(store.requests(), std::move(requests[i]), at("requests", i), sum);
    }

    store.set_setting("plan.start_date", format_date(s.horizon.start));
    store.set_setting("plan.days", std::to_string(s.horizon.days));
    store.set_setting("plan.slot_minutes", std::to_string(s.horizon.slot_minutes));
    if (s.seed) {
        store.set_setting("plan.seed", std::to_string(*s.seed));
    }

    nlohmann::ordered_json details = {{"sites", sum.sites},         {"wards", sum.wards},
                                      {"residents", sum.residents}, {"contacts", sum.contacts},
                                      {"devices", sum.devices},     {"staff", sum.staff},
                                      {"requests", sum.requests},   {"approvals", links.size()},
                                      {"added", sum.added},         {"updated", sum.updated}};
    store.audit("import", "scenario", 0, "", details.dump());
    tx->commit();
    return sum;
}

// No transaction of its own: transactions do not nest, and a caller that wants one consistent
// snapshot (the export command) already holds a read transaction around this call.
Scenario load_scenario(Store& store, const Horizon& horizon) {
    Scenario s;
    s.horizon = horizon;
    if (auto seed = store.setting("plan.seed")) {
        try {
            s.seed = std::stoll(*seed);
        } catch (const std::exception&) {
            // A seed that is not a number is ignored: the plan is then seeded by the caller.
        }
    }
    s.sites = store.sites().list();
    s.wards = store.wards().list();
    s.residents = store.residents().list();
    s.contacts = store.contacts().list();
    s.devices = store.devices().list();
    s.staff = store.staff().list();
    s.requests = store.requests().list();
    auto approvals = store.approvals().list();

    auto site_pos = positions(s.sites);
    auto ward_pos = positions(s.wards);
    auto resident_pos = positions(s.residents);
    auto contact_pos = positions(s.contacts);

    std::unordered_map<SiteId, const date::time_zone*> site_zone;
    for (const auto& r : s.sites) {
        site_zone.emplace(r.id, zone_or_utc(r.tz));
    }
    std::unordered_map<WardId, const date::time_zone*> ward_zone;
    for (const auto& r : s.wards) {
        auto it = site_zone.find(r.site);
        ward_zone.emplace(r.id, it == site_zone.end() ? zone_or_utc("Etc/UTC") : it->second);
    }
    auto zone_of_ward = [&](WardId w) {
        auto it = ward_zone.find(w);
        return it == ward_zone.end() ? zone_or_utc("Etc/UTC") : it->second;
    };
    auto zone_of_site = [&](SiteId id) {
        auto it = site_zone.find(id);
        return it == site_zone.end() ? zone_or_utc("Etc/UTC") : it->second;
    };

    // Filter with the database ids still in place, then renumber.
    for (auto& r : s.residents) {
        r.one_off_blocks =
            overlapping(r.one_off_blocks, horizon_bounds(horizon, zone_of_ward(r.ward)));
    }
    for (auto& r : s.contacts) {
        r.absences = overlapping(r.absences, horizon_bounds(horizon, zone_or_utc(r.tz)));
    }
    for (auto& r : s.devices) {
        r.out_of_service =
            overlapping(r.out_of_service, horizon_bounds(horizon, zone_of_site(r.site)));
    }
    for (auto& r : s.staff) {
        const auto* zone = r.wards.empty() ? zone_or_utc("Etc/UTC") : zone_of_ward(r.wards.front());
        r.shifts = overlapping(r.shifts, horizon_bounds(horizon, zone));
    }

    for (std::size_t i = 0; i < s.sites.size(); ++i) {
        s.sites[i].id = SiteId(static_cast<std::int64_t>(i) + 1);
    }
    for (std::size_t i = 0; i < s.wards.size(); ++i) {
        s.wards[i].id = WardId(static_cast<std::int64_t>(i) + 1);
        s.wards[i].site = remap(site_pos, s.wards[i].site);
    }
    for (std::size_t i = 0; i < s.residents.size(); ++i) {
        s.residents[i].id = ResidentId(static_cast<std::int64_t>(i) + 1);
        s.residents[i].ward = remap(ward_pos, s.residents[i].ward);
    }
    for (std::size_t i = 0; i < s.contacts.size(); ++i) {
        s.contacts[i].id = ContactId(static_cast<std::int64_t>(i) + 1);
    }
    for (std::size_t i = 0; i < s.devices.size(); ++i) {
        auto& r = s.devices[i];
        r.id = DeviceId(static_cast<std::int64_t>(i) + 1);
        r.site = remap(site_pos, r.site);
        for (auto& w : r.wards) {
            w = remap(ward_pos, w);
        }
    }
    for (std::size_t i = 0; i < s.staff.size(); ++i) {
        auto& r = s.staff[i];
        r.id = StaffId(static_cast<std::int64_t>(i) + 1);
        for (auto& w : r.wards) {
            w = remap(ward_pos, w);
        }
    }
    for (std::size_t i = 0; i < s.requests.size(); ++i) {
        auto& r = s.requests[i];
        r.id = RequestId(static_cast<std::int64_t>(i) + 1);
        r.resident = remap(resident_pos, r.resident);
        for (auto& c : r.contacts) {
            c = remap(contact_pos, c);
        }
    }
    for (auto a : approvals) {
        a.resident = remap(resident_pos, a.resident);
        a.contact = remap(contact_pos, a.contact);
        if (a.resident.valid() && a.contact.valid()) {
            s.approvals.push_back(std::move(a));
        }
    }
    // Resident, then contact, in scenario order: stable whatever order the store lists them in.
    std::sort(s.approvals.begin(), s.approvals.end(), [](const Approval& x, const Approval& y) {
        return std::pair{x.resident, x.contact} < std::pair{y.resident, y.contact};
    });
    return s;
}

} // namespace carecall
