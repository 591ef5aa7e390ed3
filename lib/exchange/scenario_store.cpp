// A scenario into the store (keyed by code, one write transaction) and back out for a horizon.

#include <algorithm>
#include <array>
#include <map>
#include <set>
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

namespace {

/// A resident–contact pair by codes (an import plans approvals before new records have ids).
using PairKey = std::pair<std::string, std::string>;

/// One import: the scenario's records written in order (or, in a dry run, only compared with
/// the store), what changes of each kind, and what the file left unsaid.
class Importer {
public:
    Importer(Store& store, const Scenario& s, bool write) : m_store(store), m_s(s), m_write(write) {
        for (const auto* kind : k_kinds) {
            m_changes[kind].kind = kind;
        }
    }

    ImportSummary run() {
        m_sum.sites = static_cast<int>(m_s.sites.size());
        m_sum.wards = static_cast<int>(m_s.wards.size());
        m_sum.residents = static_cast<int>(m_s.residents.size());
        m_sum.contacts = static_cast<int>(m_s.contacts.size());
        m_sum.devices = static_cast<int>(m_s.devices.size());
        m_sum.staff = static_cast<int>(m_s.staff.size());
        m_sum.requests = static_cast<int>(m_s.requests.size());

        for (std::size_t i = 0; i < m_s.sites.size(); ++i) {
            m_sites.push_back(put(m_store.sites(), m_s.sites[i], at("sites", i), "sites"));
        }
        for (std::size_t i = 0; i < m_s.wards.size(); ++i) {
            auto path = at("wards", i);
            Ward r = m_s.wards[i];
            r.site = mapped(m_sites, r.site, at(path, "site"), "site");
            m_wards.push_back(put(m_store.wards(), std::move(r), path, "wards"));
        }
        residents();
        for (std::size_t i = 0; i < m_s.contacts.size(); ++i) {
            m_contacts.push_back(
                put(m_store.contacts(), m_s.contacts[i], at("contacts", i), "contacts"));
        }
        for (std::size_t i = 0; i < m_s.devices.size(); ++i) {
            auto path = at("devices", i);
            Device r = m_s.devices[i];
            r.site = mapped(m_sites, r.site, at(path, "site"), "site");
            for (std::size_t k = 0; k < r.wards.size(); ++k) {
                r.wards[k] = mapped(m_wards, r.wards[k], at(at(path, "wards"), k), "ward");
            }
            put(m_store.devices(), std::move(r), path, "devices");
        }
        for (std::size_t i = 0; i < m_s.staff.size(); ++i) {
            auto path = at("staff", i);
            Staff r = m_s.staff[i];
            for (std::size_t k = 0; k < r.wards.size(); ++k) {
                r.wards[k] = mapped(m_wards, r.wards[k], at(at(path, "wards"), k), "ward");
            }
            put(m_store.staff(), std::move(r), path, "staff");
        }
        std::vector<CallRequest> requests;
        for (std::size_t i = 0; i < m_s.requests.size(); ++i) {
            auto path = at("requests", i);
            CallRequest r = m_s.requests[i];
            r.resident = mapped(m_residents, r.resident, at(path, "resident"), "resident");
            for (std::size_t k = 0; k < r.contacts.size(); ++k) {
                r.contacts[k] =
                    mapped(m_contacts, r.contacts[k], at(at(path, "contacts"), k), "contact");
            }
            requests.push_back(std::move(r));
        }
        // Approvals before requests: the pairs stored requests name are read before the file's
        // requests replace them.
        approvals();
        for (std::size_t i = 0; i < requests.size(); ++i) {
            put(m_store.requests(), std::move(requests[i]), at("requests", i), "requests");
        }

        if (m_write) {
            m_store.set_setting("plan.start_date", format_date(m_s.horizon.start));
            m_store.set_setting("plan.days", std::to_string(m_s.horizon.days));
            m_store.set_setting("plan.slot_minutes", std::to_string(m_s.horizon.slot_minutes));
            if (m_s.seed) {
                m_store.set_setting("plan.seed", std::to_string(*m_s.seed));
            }
        }
        for (const auto* kind : k_kinds) {
            auto c = std::move(m_changes[kind]);
            for (auto* list : {&c.added, &c.changed, &c.removed}) {
                std::sort(list->begin(), list->end());
            }
            m_sum.changes.push_back(std::move(c));
        }
        return m_sum;
    }

    /// The audit row's details: counts only (no codes: they may be personal).
    [[nodiscard]] std::string audit_details() const {
        const auto& approvals =
            *std::find_if(m_sum.changes.begin(), m_sum.changes.end(),
                          [](const ImportChanges& c) { return c.kind == "approvals"; });
        nlohmann::ordered_json details = {{"sites", m_sum.sites},
                                          {"wards", m_sum.wards},
                                          {"residents", m_sum.residents},
                                          {"contacts", m_sum.contacts},
                                          {"devices", m_sum.devices},
                                          {"staff", m_sum.staff},
                                          {"requests", m_sum.requests},
                                          {"approvals", m_approvals_listed},
                                          {"added", m_sum.added},
                                          {"updated", m_sum.updated},
                                          {"approvals_added", approvals.added.size()},
                                          {"approvals_changed", approvals.changed.size()},
                                          {"approvals_removed", approvals.removed.size()},
                                          {"consent_assumed", m_sum.consent_assumed},
                                          {"consent_kept", m_sum.consent_kept},
                                          {"approvals_assumed", m_sum.approvals_assumed},
                                          {"approvals_kept", m_sum.approvals_kept},
                                          {"approvals_withheld", m_sum.approvals_withheld}};
        return details.dump();
    }

private:
    static constexpr std::array<const char*, 9> k_kinds{"sites",    "wards",     "residents",
                                                        "consents", "contacts",  "devices",
                                                        "staff",    "approvals", "requests"};

    Store& m_store;
    const Scenario& m_s;
    bool m_write;
    ImportSummary m_sum;
    std::map<std::string, ImportChanges> m_changes;
    std::size_t m_approvals_listed = 0; ///< approvals the import wants stored
    // Database ids by scenario position; invalid in a dry run for records not stored yet.
    std::vector<SiteId> m_sites;
    std::vector<WardId> m_wards;
    std::vector<ResidentId> m_residents;
    std::vector<ContactId> m_contacts;

    /// Adds the record, or replaces the one with the same code when it differs; returns its
    /// database id (invalid in a dry run, which only compares).
    template <class T, class IdT>
    IdT put(Repository<T, IdT>& repo, T record, const std::string& path, const char* kind) {
        try {
            if (auto old = repo.find_by_code(record.code)) {
                record.id = old->id;
                ++m_sum.updated;
                if (!(record == *old)) {
                    m_changes[kind].changed.push_back(record.code);
                    if (m_write) {
                        repo.update(record);
                    }
                }
                return old->id;
            }
            ++m_sum.added;
            m_changes[kind].added.push_back(record.code);
            record.id = IdT{};
            if (!m_write) {
                // Nothing to check: the reader checked the record, and its references may name
                // records a dry run has not stored.
                return IdT{};
            }
            return repo.add(record);
        } catch (const InvalidInput& e) {
            // The store names a field of the record; say which record of the scenario it is.
            throw e.prefixed(path + ".");
        }
    }

    /// Consent as the file gives it; when it does not say, a stored resident keeps theirs and a
    /// new one is recorded as given.
    void residents() {
        std::set<std::int64_t> unsaid;
        for (auto id : m_s.consent_unsaid) {
            unsaid.insert(id.value);
        }
        for (std::size_t i = 0; i < m_s.residents.size(); ++i) {
            auto path = at("residents", i);
            Resident r = m_s.residents[i];
            r.ward = mapped(m_wards, r.ward, at(path, "ward"), "ward");
            auto old = m_store.residents().find_by_code(r.code);
            if (unsaid.count(static_cast<std::int64_t>(i) + 1) != 0) {
                if (old) {
                    r.consent = old->consent;
                    ++m_sum.consent_kept;
                } else {
                    r.consent = Consent{ConsentStatus::given, {}, std::nullopt, std::nullopt};
                    ++m_sum.consent_assumed;
                }
            }
            if (old && old->consent != r.consent) {
                m_changes["consents"].changed.push_back(r.code);
            }
            m_residents.push_back(put(m_store.residents(), std::move(r), path, "residents"));
        }
    }

    /// Whether the store had this pair's approval removed (its audit trail says so).
    bool revoked(ResidentId r, const std::string& link) {
        auto it = m_revoked.find(r.value);
        if (it == m_revoked.end()) {
            std::set<std::string> links;
            for (const auto& e : m_store.audit_about(r)) {
                if (e.kind == "approval" && e.action == "remove") {
                    links.insert(e.record_code);
                }
            }
            it = m_revoked.emplace(r.value, std::move(links)).first;
        }
        return it->second.count(link) != 0;
    }
    std::map<std::int64_t, std::set<std::string>> m_revoked;

    /// The store's approvals and request pairs by codes, and its people's ids by code.
    struct StoredPairs {
        std::map<std::string, ResidentId> resident_id;
        std::map<std::string, ContactId> contact_id;
        std::map<PairKey, Approval> approvals;
        std::set<PairKey> requests;
    };

    StoredPairs stored_pairs() {
        StoredPairs out;
        std::map<std::int64_t, std::string> resident_code;
        for (const auto& r : m_store.residents().list()) {
            resident_code.emplace(r.id.value, r.code);
            out.resident_id.emplace(r.code, r.id);
        }
        std::map<std::int64_t, std::string> contact_code;
        for (const auto& c : m_store.contacts().list()) {
            contact_code.emplace(c.id.value, c.code);
            out.contact_id.emplace(c.code, c.id);
        }
        auto key_of = [&](ResidentId r, ContactId c) {
            return PairKey{resident_code[r.value], contact_code[c.value]};
        };
        for (const auto& a : m_store.approvals().list()) {
            out.approvals.emplace(key_of(a.resident, a.contact), a);
        }
        for (const auto& q : m_store.requests().list()) {
            for (auto c : q.contacts) {
                out.requests.insert(key_of(q.resident, c));
            }
        }
        return out;
    }

    /// A pair of the file by codes (ids may be invalid in a dry run).
    [[nodiscard]] PairKey file_key(ResidentId r, ContactId c) const {
        return PairKey{m_s.residents.at(static_cast<std::size_t>(r.value - 1)).code,
                       m_s.contacts.at(static_cast<std::size_t>(c.value - 1)).code};
    }

    /// What the file's approvals list wants stored, with the store's ids.
    std::map<PairKey, Approval> listed_approvals() {
        std::map<PairKey, Approval> wanted;
        for (std::size_t i = 0; i < m_s.approvals.size(); ++i) {
            auto path = at("approvals", i);
            Approval a = m_s.approvals[i];
            auto key = file_key(a.resident, a.contact);
            a.resident = mapped(m_residents, a.resident, at(path, "resident"), "resident");
            a.contact = mapped(m_contacts, a.contact, at(path, "contact"), "contact");
            wanted[key] = a;
        }
        return wanted;
    }

    /// Whether a pair a request names, which the file does not list, is approved: not when the
    /// store holds it unapproved, names it in a request already or shows it was revoked (a
    /// missing field never revives a revoked approval).
    bool assume_approved(const PairKey& key, const StoredPairs& st) {
        if (auto a = st.approvals.find(key); a != st.approvals.end()) {
            if (!a->second.approved) {
                ++m_sum.approvals_kept;
            }
            return false;
        }
        auto rid = st.resident_id.find(key.first);
        if (st.requests.count(key) != 0 ||
            (rid != st.resident_id.end() && st.contact_id.count(key.second) != 0 &&
             revoked(rid->second, key.first + "/" + key.second))) {
            ++m_sum.approvals_kept;
            return false;
        }
        return true;
    }

    /// The pairs the file's requests name, counted once; without a whole list, those it does not
    /// list are added to `wanted` as the format's default unless the store says otherwise.
    std::set<PairKey> request_pairs(std::map<PairKey, Approval>& wanted, const StoredPairs& st) {
        std::set<PairKey> named;
        for (const auto& q : m_s.requests) {
            for (auto c : q.contacts) {
                auto key = file_key(q.resident, c);
                if (!named.insert(key).second) {
                    continue;
                }
                auto w = wanted.find(key);
                if (m_s.approvals_complete) {
                    if (w == wanted.end() || !w->second.approved) {
                        ++m_sum.approvals_withheld; // the list is the whole truth
                    }
                } else if (w == wanted.end() && assume_approved(key, st)) {
                    Approval a;
                    a.resident = m_residents.at(static_cast<std::size_t>(q.resident.value - 1));
                    a.contact = m_contacts.at(static_cast<std::size_t>(c.value - 1));
                    wanted.emplace(key, a);
                    ++m_sum.approvals_assumed;
                }
            }
        }
        return named;
    }

    /// A whole list is the truth about the file's residents and contacts: a stored approval
    /// between them that the list does not hold goes.
    void remove_unlisted(const StoredPairs& st, const std::map<PairKey, Approval>& wanted,
                         ImportChanges& changes) {
        std::set<std::string> residents;
        std::set<std::string> contacts;
        for (const auto& r : m_s.residents) {
            residents.insert(r.code);
        }
        for (const auto& c : m_s.contacts) {
            contacts.insert(c.code);
        }
        for (const auto& [key, a] : st.approvals) {
            if (residents.count(key.first) != 0 && contacts.count(key.second) != 0 &&
                wanted.count(key) == 0) {
                changes.removed.push_back(key.first + "/" + key.second);
                if (m_write) {
                    m_store.approvals().revoke(a.resident, a.contact);
                }
            }
        }
    }

    void approvals() {
        auto st = stored_pairs();
        auto wanted = listed_approvals();
        auto named = request_pairs(wanted, st);
        m_approvals_listed = wanted.size(); // the list's, and those assumed
        auto& changes = m_changes["approvals"];
        if (m_s.approvals_complete) {
            remove_unlisted(st, wanted, changes);
        }
        for (const auto& [key, a] : wanted) {
            auto old = st.approvals.find(key);
            auto link = key.first + "/" + key.second;
            if (old != st.approvals.end()) {
                if (old->second.approved == a.approved &&
                    old->second.key_contact == a.key_contact &&
                    old->second.restrictions == a.restrictions) {
                    continue;
                }
                changes.changed.push_back(link);
            } else if (!a.approved && !a.key_contact && a.restrictions.empty() &&
                       named.count(key) != 0) {
                // A request's pair with no approval is how the store holds a revoked one (and
                // how load_scenario writes it): nothing to store.
                continue;
            } else {
                changes.added.push_back(link);
            }
            if (m_write) {
                m_store.approvals().put(a);
            }
        }
    }
};

/// Codes are matched without regard to case, and a stored record keeps the spelling it was first
/// given: a file's `r-001` updates the stored `R-001` and is spelled `R-001` from here on, so
/// that the approvals and requests compared by code below see one code.
template <class T, class IdT>
void keep_stored_spelling(Repository<T, IdT>& repo, std::vector<T>& records) {
    if (records.empty()) {
        return;
    }
    std::unordered_map<std::string, std::string> stored;
    for (const auto& r : repo.list()) {
        stored.emplace(code_key(r.code), r.code);
    }
    for (auto& r : records) {
        if (auto it = stored.find(code_key(r.code)); it != stored.end()) {
            r.code = it->second;
        }
    }
}

Scenario with_stored_spelling(Store& store, Scenario s) {
    keep_stored_spelling(store.sites(), s.sites);
    keep_stored_spelling(store.wards(), s.wards);
    keep_stored_spelling(store.residents(), s.residents);
    keep_stored_spelling(store.contacts(), s.contacts);
    keep_stored_spelling(store.devices(), s.devices);
    keep_stored_spelling(store.staff(), s.staff);
    keep_stored_spelling(store.requests(), s.requests);
    return s;
}

} // namespace

ImportSummary import_scenario(Store& store, const Scenario& file, const ImportOptions& options) {
    auto tx = store.begin(options.dry_run ? TxKind::read : TxKind::write);
    const auto s = with_stored_spelling(store, file);
    Importer importer(store, s, !options.dry_run);
    auto sum = importer.run();
    if (options.dry_run) {
        return sum; // the read transaction ends unwritten
    }
    store.audit("import", "scenario", 0, "", importer.audit_details());
    tx->commit();
    return sum;
}

// No transaction of its own: transactions do not nest, and a caller that wants one consistent
// snapshot (the export command) already holds a read transaction around this call.
namespace {

/// One-off periods kept only where they overlap the horizon (filtered with the store's ids).
void clip_to_horizon(Scenario& s, const Horizon& horizon) {
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
}

/// The store's ids replaced by positions 1..n, as a scenario numbers its records; approvals of
/// records not in the scenario are left out.
void renumber(Scenario& s, std::vector<Approval> approvals) {
    auto site_pos = positions(s.sites);
    auto ward_pos = positions(s.wards);
    auto resident_pos = positions(s.residents);
    auto contact_pos = positions(s.contacts);

    // Positions 1..n as ids; each reference through the map of what it refers to.
    auto number = [](auto& records) {
        for (std::size_t i = 0; i < records.size(); ++i) {
            records[i].id = decltype(records[i].id)(static_cast<std::int64_t>(i) + 1);
        }
    };
    auto remap_wards = [&](std::vector<WardId>& wards) {
        for (auto& w : wards) {
            w = remap(ward_pos, w);
        }
    };
    number(s.sites);
    number(s.wards);
    for (auto& r : s.wards) {
        r.site = remap(site_pos, r.site);
    }
    number(s.residents);
    for (auto& r : s.residents) {
        r.ward = remap(ward_pos, r.ward);
    }
    number(s.contacts);
    number(s.devices);
    for (auto& r : s.devices) {
        r.site = remap(site_pos, r.site);
        remap_wards(r.wards);
    }
    number(s.staff);
    for (auto& r : s.staff) {
        remap_wards(r.wards);
    }
    number(s.requests);
    for (auto& r : s.requests) {
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
}

/// The store's approvals are the whole truth: a pair a request names without one is written as
/// not approved.
void complete_approvals(Scenario& s) {
    // The store's approvals are the whole truth: a pair a request names without one (revoked,
    // or never approved) is written as not approved, so the document says so in as many words.
    s.approvals_complete = true;
    std::set<std::pair<std::int64_t, std::int64_t>> listed;
    for (const auto& a : s.approvals) {
        listed.emplace(a.resident.value, a.contact.value);
    }
    for (const auto& q : s.requests) {
        for (auto c : q.contacts) {
            if (q.resident.valid() && c.valid() &&
                listed.emplace(q.resident.value, c.value).second) {
                s.approvals.push_back(Approval{q.resident, c, false, false, {}});
            }
        }
    }
    // Resident, then contact, in scenario order: stable whatever order the store lists them in.
    std::sort(s.approvals.begin(), s.approvals.end(), [](const Approval& x, const Approval& y) {
        return std::pair{x.resident, x.contact} < std::pair{y.resident, y.contact};
    });
}

} // namespace

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

    clip_to_horizon(s, horizon);
    renumber(s, std::move(approvals));
    complete_approvals(s);
    return s;
}
} // namespace carecall
