// Subject access, erasure and retention. Everything goes through the abstract store: one read
// snapshot for an export, one write transaction (and one audit row) for an erasure or a purge.

#include "carecall/privacy.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "carecall/error.hpp"
#include "carecall/exchange.hpp"
#include "carecall/store.hpp"

namespace carecall {
namespace {

using ojson = nlohmann::ordered_json;

constexpr std::string_view k_subject_access_format = "carecall-subject-access/1";

/// Codes of every record of one kind by id: the export names other people by code only, and
/// looks each up once however many bookings there are.
template <class T, class IdT>
std::map<std::int64_t, std::string> codes(Repository<T, IdT>& repo) {
    std::map<std::int64_t, std::string> out;
    for (const auto& r : repo.list()) {
        out.emplace(r.id.value, r.code);
    }
    return out;
}

ojson code_or_null(const std::map<std::int64_t, std::string>& codes, std::int64_t id) {
    auto it = codes.find(id);
    return it == codes.end() ? ojson(nullptr) : ojson(it->second);
}

ojson approval_json(const Approval& a, const std::map<std::int64_t, std::string>& residents,
                    const std::map<std::int64_t, std::string>& contacts) {
    return {{"resident", code_or_null(residents, a.resident.value)},
            {"contact", code_or_null(contacts, a.contact.value)},
            {"approved", a.approved},
            {"key_contact", a.key_contact},
            {"restrictions", a.restrictions}};
}

ojson audit_json(const AuditEvent& e) {
    auto details = ojson::parse(e.details.empty() ? "{}" : e.details, nullptr, false);
    return {{"id", e.id},
            {"at", format_utc(e.at)},
            {"os_user", e.os_user},
            {"as", e.as},
            {"action", e.action},
            {"kind", e.kind},
            {"record_id", e.record_id},
            {"record_code", e.record_code},
            {"details", details.is_discarded() ? ojson(e.details) : details}};
}

/// The zone of each resident (their ward's site's), for showing booking times locally.
class ResidentZones {
public:
    explicit ResidentZones(Store& store) {
        std::map<std::int64_t, const date::time_zone*> site_zone;
        for (const auto& s : store.sites().list()) {
            site_zone.emplace(s.id.value, find_zone(s.tz));
        }
        std::map<std::int64_t, const date::time_zone*> ward_zone;
        for (const auto& w : store.wards().list()) {
            ward_zone.emplace(w.id.value, site_zone.at(w.site.value));
        }
        for (const auto& r : store.residents().list()) {
            m_zone.emplace(r.id.value, ward_zone.at(r.ward.value));
        }
    }
    [[nodiscard]] const date::time_zone* of(ResidentId r) const {
        auto it = m_zone.find(r.value);
        return it == m_zone.end() ? find_zone("UTC") : it->second;
    }

private:
    std::map<std::int64_t, const date::time_zone*> m_zone;
};

struct Codes {
    std::map<std::int64_t, std::string> residents, contacts, devices, staff, requests;
    explicit Codes(Store& store)
        : residents(codes(store.residents())), contacts(codes(store.contacts())),
          devices(codes(store.devices())), staff(codes(store.staff())),
          requests(codes(store.requests())) {}
};

ojson booking_json(const Booking& b, const Codes& codes, const ResidentZones& zones,
                   PersonKind kind) {
    // Taken apart whole (model.hpp): a new field stops this compiling until it is disclosed.
    const auto& [id, code, resident, contacts, device, staff, start, end, priority, status, outcome,
                 reason, source, request, pinned, availability_overridden, hours_overridden,
                 series] = b;
    ojson contact_codes = ojson::array();
    for (auto c : contacts) {
        contact_codes.push_back(code_or_null(codes.contacts, c.value));
    }
    const auto* zone = zones.of(resident);
    ojson out = {{"code", code},
                 {"id", id.value},
                 {"status", to_string(status)},
                 {"resident", code_or_null(codes.residents, resident.value)},
                 {"contacts", contact_codes},
                 {"device", code_or_null(codes.devices, device.value)}};
    if (kind == PersonKind::contact) {
        // A contact's own: when, with whom, on what, and whether it was held. The resident's
        // health and care (outcome, the staff's reason, priority, the helper, an end-of-life call
        // outside hours) and the planner's bookkeeping are not about the contact.
        out["tz"] = zone->name();
        out["start"] = format_iso_offset(start, zone);
        out["end"] = format_iso_offset(end, zone);
        out["request"] = request ? code_or_null(codes.requests, request->value) : ojson(nullptr);
        out["availability_overridden"] = availability_overridden;
        return out;
    }
    out["staff"] = staff ? code_or_null(codes.staff, staff->value) : ojson(nullptr);
    out["tz"] = zone->name();
    out["start"] = format_iso_offset(start, zone);
    out["end"] = format_iso_offset(end, zone);
    out["priority"] = priority_name(priority);
    out["outcome"] = to_string(outcome);
    out["reason"] = reason;
    out["source"] = to_string(source);
    out["request"] = request ? code_or_null(codes.requests, request->value) : ojson(nullptr);
    out["series"] = series;
    out["pinned"] = pinned;
    out["availability_overridden"] = availability_overridden;
    out["hours_overridden"] = hours_overridden;
    return out;
}

/// The fields of `in` named in `keep`, in `in`'s order.
ojson only(const ojson& in, std::initializer_list<std::string_view> keep) {
    ojson out = ojson::object();
    for (const auto& [key, value] : in.items()) {
        if (std::find(keep.begin(), keep.end(), key) != keep.end()) {
            out[key] = value;
        }
    }
    return out;
}

/// A call request as a contact sees it: who, how often, how long, at a fixed time. Its priority
/// (clinical, end of life), the resident's daily limit and preferred times (around their care)
/// are the resident's.
ojson contact_request_json(const ojson& request) {
    return only(request, {"code", "id", "resident", "contact", "contacts", "tz", "calls",
                          "duration_minutes", "fixed", "active"});
}

/// An audit row about a booking as a contact sees it: times, device, resident and status, and
/// of the changed fields only those that are about the call's time and place.
ojson contact_audit_json(ojson row) {
    if (row["kind"] != "booking" || !row["details"].is_object()) {
        return row;
    }
    auto& details = row["details"];
    auto state = [](const ojson& s) {
        return only(s, {"start", "end", "device", "resident", "status"});
    };
    ojson kept = state(details);
    if (details.contains("changed") && details["changed"].is_array()) {
        ojson changed = ojson::array();
        for (const auto& name : details["changed"]) {
            if (name == "device" || name == "start" || name == "end" || name == "status") {
                changed.push_back(name);
            }
        }
        kept["changed"] = std::move(changed);
    }
    if (details.contains("before") && details["before"].is_object()) {
        kept["before"] = state(details["before"]);
    }
    details = std::move(kept);
    return row;
}

ojson parsed(const std::string& text) {
    return ojson::parse(text);
}

template <class Person>
ojson subject_access(Store& store, const Person& person, std::vector<Approval> approvals,
                     std::vector<CallRequest> requests, std::vector<Booking> bookings,
                     std::vector<AuditEvent> audit, PersonKind kind, Instant now) {
    Codes codes(store);
    ResidentZones zones(store);
    ojson out = {{"format", k_subject_access_format},
                 {"generated_at", format_utc(now)},
                 {"kind", to_string(kind)},
                 {"code", person.code},
                 {"record", parsed(to_json(store, person))}};
    ojson list = ojson::array();
    for (const auto& a : approvals) {
        list.push_back(approval_json(a, codes.residents, codes.contacts));
    }
    out["approvals"] = std::move(list);
    list = ojson::array();
    for (const auto& q : requests) {
        auto j = parsed(to_json(store, q));
        list.push_back(kind == PersonKind::contact ? contact_request_json(j) : j);
    }
    out["requests"] = std::move(list);
    list = ojson::array();
    for (const auto& b : bookings) {
        list.push_back(booking_json(b, codes, zones, kind));
    }
    out["bookings"] = std::move(list);
    list = ojson::array();
    for (const auto& e : audit) {
        list.push_back(kind == PersonKind::contact ? contact_audit_json(audit_json(e))
                                                   : audit_json(e));
    }
    out["audit"] = std::move(list);
    return out;
}

std::string pseudonym(const std::string& code) {
    return "erased-" + code;
}

/// Sets `field` to `value` and notes its name when that changes it.
template <class V>
void replace(V& field, const V& value, const char* name, std::vector<std::string>& changed) {
    if (field != value) {
        field = value;
        changed.emplace_back(name);
    }
}

template <class List>
void blank_labels(List& items, const char* name, std::vector<std::string>& changed) {
    bool any = false;
    for (auto& item : items) {
        any = any || !item.label.empty();
        item.label.clear();
    }
    if (any) {
        changed.emplace_back(name);
    }
}

std::vector<BookingId> ids_with_reason(const std::vector<Booking>& bookings) {
    std::vector<BookingId> out;
    for (const auto& b : bookings) {
        if (!b.reason.empty()) {
            out.push_back(b.id);
        }
    }
    return out;
}

/// Blanks the restrictions of approvals; returns the ones that changed.
std::vector<Approval> blanked(std::vector<Approval> approvals) {
    std::vector<Approval> out;
    for (auto& a : approvals) {
        if (!a.restrictions.empty()) {
            a.restrictions.clear();
            out.push_back(a);
        }
    }
    return out;
}

/// True for the name `book` gives a weekly series, `S-<resident code>-YYYY-MM-DDTHH:MM`: a code
/// and a time the booking holds anyway, so erasure keeps it.
bool generated_series(std::string_view series, std::string_view resident_code) {
    std::string prefix = fmt::format("S-{}-", resident_code);
    if (series.substr(0, prefix.size()) != prefix) {
        return false;
    }
    auto rest = series.substr(prefix.size());
    constexpr std::string_view k_shape = "0000-00-00T00:00";
    if (rest.size() != k_shape.size()) {
        return false;
    }
    for (std::size_t i = 0; i < rest.size(); ++i) {
        bool digit = std::isdigit(static_cast<unsigned char>(rest[i])) != 0;
        if (k_shape[i] == '0' ? !digit : rest[i] != k_shape[i]) {
            return false;
        }
    }
    return true;
}

/// The series of these bookings that may hold free text, each with the name it takes:
/// `S-<resident code>-erased-<code of its first booking>` (one group still, and unique, since no
/// two series share a booking). Generated and already erased names are kept.
std::map<std::string, std::string> series_renames(Store& store,
                                                  const std::vector<Booking>& bookings) {
    std::map<std::int64_t, std::string> resident_codes;
    std::map<std::string, std::string> out;
    for (const auto& b : bookings) {
        if (b.series.empty() || out.count(b.series) != 0) {
            continue;
        }
        auto it = resident_codes.find(b.resident.value);
        if (it == resident_codes.end()) {
            auto r = store.residents().find(b.resident);
            it = resident_codes.emplace(b.resident.value, r ? r->code : std::string("R")).first;
        }
        const auto& resident = it->second;
        auto erased = fmt::format("S-{}-erased-", resident);
        if (generated_series(b.series, resident) ||
            std::string_view(b.series).substr(0, erased.size()) == erased) {
            continue;
        }
        out.emplace(b.series, erased + b.code); // bookings come by start: the series' first
    }
    return out;
}

/// Blanks the labels of the requests' preferred windows; returns the requests that changed.
std::vector<CallRequest> requests_blanked(std::vector<CallRequest> requests) {
    std::vector<CallRequest> out;
    for (auto& q : requests) {
        std::vector<std::string> changed;
        blank_labels(q.preferred, "preferred.label", changed);
        if (!changed.empty()) {
            out.push_back(std::move(q));
        }
    }
    return out;
}

} // namespace

std::string to_string(PersonKind k) {
    return k == PersonKind::resident ? "resident" : "contact";
}

PersonKind parse_person_kind(std::string_view text, std::string_view field) {
    if (text == "resident") {
        return PersonKind::resident;
    }
    if (text == "contact") {
        return PersonKind::contact;
    }
    throw InvalidInput(std::string(field),
                       fmt::format("{} is not resident or contact", std::string(text)));
}

std::string subject_access_json(Store& store, PersonKind kind, std::string_view code, Instant now) {
    auto tx = store.begin(TxKind::read);
    ojson out;
    if (kind == PersonKind::resident) {
        auto r = store.residents().get(code, "resident");
        std::vector<CallRequest> requests;
        for (auto& q : store.requests().list()) {
            if (q.resident == r.id) {
                requests.push_back(std::move(q));
            }
        }
        BookingQuery bq;
        bq.residents = {r.id};
        out = subject_access(store, r, store.approvals().for_resident(r.id), std::move(requests),
                             store.bookings().list(bq), store.audit_about(r.id), kind, now);
    } else {
        auto c = store.contacts().get(code, "contact");
        std::vector<CallRequest> requests;
        for (auto& q : store.requests().list()) {
            if (std::find(q.contacts.begin(), q.contacts.end(), c.id) != q.contacts.end()) {
                requests.push_back(std::move(q));
            }
        }
        BookingQuery bq;
        bq.contacts = {c.id};
        out = subject_access(store, c, store.approvals().for_contact(c.id), std::move(requests),
                             store.bookings().list(bq), store.audit_about(c.id), kind, now);
    }
    tx->commit();
    return out.dump(2) + "\n";
}

ErasureReport erase_person(Store& store, PersonKind kind, std::string_view code, bool dry_run) {
    ErasureReport report;
    report.kind = kind;
    auto tx = store.begin(TxKind::write);
    std::vector<Approval> approvals;
    std::vector<Booking> bookings;
    std::vector<CallRequest> requests;
    std::optional<Resident> resident;
    std::optional<Contact> contact;
    BookingQuery bq;
    if (kind == PersonKind::resident) {
        resident = store.residents().get(code, "resident");
        report.id = resident->id.value;
        report.code = resident->code;
        report.pseudonym = pseudonym(resident->code);
        replace(resident->name, report.pseudonym, "name", report.fields);
        replace(resident->room, std::string(), "room", report.fields);
        replace(resident->consent.by, std::string(), "consent.by", report.fields);
        blank_labels(resident->care_blocks, "care_blocks.label", report.fields);
        blank_labels(resident->one_off_blocks, "one_off_blocks.label", report.fields);
        approvals = store.approvals().for_resident(resident->id);
        for (auto& q : store.requests().list()) {
            if (q.resident == resident->id) {
                requests.push_back(std::move(q));
            }
        }
        bq.residents = {resident->id};
    } else {
        contact = store.contacts().get(code, "contact");
        report.id = contact->id.value;
        report.code = contact->code;
        report.pseudonym = pseudonym(contact->code);
        replace(contact->name, report.pseudonym, "name", report.fields);
        replace(contact->relationship, std::string(), "relationship", report.fields);
        replace(contact->reach, std::string(), "reach", report.fields);
        blank_labels(contact->availability, "availability.label", report.fields);
        blank_labels(contact->absences, "absences.label", report.fields);
        approvals = store.approvals().for_contact(contact->id);
        for (auto& q : store.requests().list()) {
            if (std::find(q.contacts.begin(), q.contacts.end(), contact->id) != q.contacts.end()) {
                requests.push_back(std::move(q));
            }
        }
        bq.contacts = {contact->id};
    }
    auto changed_approvals = blanked(std::move(approvals));
    bookings = store.bookings().list(bq);
    auto with_reason = ids_with_reason(bookings);
    auto changed_requests = requests_blanked(std::move(requests));
    auto renames = series_renames(store, bookings);
    report.approvals = static_cast<int>(changed_approvals.size());
    report.requests = static_cast<int>(changed_requests.size());
    report.bookings = static_cast<int>(bookings.size());
    report.booking_reasons = static_cast<int>(with_reason.size());
    report.booking_series = static_cast<int>(renames.size());
    if (dry_run) {
        return report; // the transaction rolls back: nothing was written
    }
    if (resident) {
        store.residents().update(*resident);
    } else {
        store.contacts().update(*contact);
    }
    for (const auto& a : changed_approvals) {
        store.approvals().put(a);
    }
    for (const auto& q : changed_requests) {
        store.requests().update(q);
    }
    store.bookings().clear_reasons(with_reason);
    for (const auto& [from, to] : renames) {
        store.bookings().rename_series(from, to);
    }
    nlohmann::json details{{"fields", report.fields},
                           {"approvals", report.approvals},
                           {"requests", report.requests},
                           {"bookings", report.bookings},
                           {"booking_reasons", report.booking_reasons},
                           {"booking_series", report.booking_series}};
    store.audit("erase", to_string(kind), report.id, report.code, details.dump());
    tx->commit();
    tx.reset();
    report.log_emptied = store.flush_log();
    return report;
}

RetentionPeriod parse_retention(std::string_view text, std::string_view field) {
    auto bad = [&] {
        return InvalidInput(std::string(field),
                            fmt::format("{} is not a retention period (expected e.g. 365d, 52w, "
                                        "18mo, 7y)",
                                        std::string(text)));
    };
    std::size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
        ++digits;
    }
    if (digits == 0 || digits > 6) {
        throw bad();
    }
    RetentionPeriod p;
    for (std::size_t i = 0; i < digits; ++i) {
        p.amount = p.amount * 10 + (text[i] - '0');
    }
    auto unit = text.substr(digits);
    if (unit == "d") {
        p.unit = RetentionPeriod::Unit::day;
    } else if (unit == "w") {
        p.unit = RetentionPeriod::Unit::week;
    } else if (unit == "mo") {
        p.unit = RetentionPeriod::Unit::month;
    } else if (unit == "y") {
        p.unit = RetentionPeriod::Unit::year;
    } else {
        throw bad();
    }
    if (p.amount < 1) {
        throw InvalidInput(std::string(field), fmt::format("{} must be at least one {}",
                                                           std::string(text), std::string(unit)));
    }
    int limit = p.unit == RetentionPeriod::Unit::day     ? 36600
                : p.unit == RetentionPeriod::Unit::week  ? 5300
                : p.unit == RetentionPeriod::Unit::month ? 1200
                                                         : 100;
    if (p.amount > limit) {
        throw InvalidInput(std::string(field),
                           fmt::format("{} is more than 100 years", std::string(text)));
    }
    return p;
}

Instant retention_cutoff(Instant now, RetentionPeriod period) {
    using Unit = RetentionPeriod::Unit;
    if (period.unit == Unit::day || period.unit == Unit::week) {
        return now - date::days{period.amount * (period.unit == Unit::week ? 7 : 1)};
    }
    auto day = date::floor<date::days>(now);
    auto time_of_day = now - day;
    date::year_month_day ymd{day};
    auto back = period.unit == Unit::month ? ymd - date::months{period.amount}
                                           : ymd - date::years{period.amount};
    if (!back.ok()) {
        back = back.year() / back.month() / date::last;
    }
    return date::sys_days{back} + time_of_day;
}

PurgeReport purge_bookings(Store& store, Instant cutoff, bool dry_run) {
    PurgeReport report;
    report.cutoff = cutoff;
    auto tx = store.begin(TxKind::write);
    report.bookings = store.bookings().purge_ended_before(cutoff);
    if (dry_run) {
        return report; // rolled back
    }
    nlohmann::json details{{"ended_before", format_utc(cutoff)}, {"bookings", report.bookings}};
    store.audit("purge", "booking", 0, "", details.dump());
    tx->commit();
    tx.reset();
    report.log_emptied = store.flush_log();
    return report;
}

} // namespace carecall
