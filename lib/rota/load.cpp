// Building a Rota: from the store (load_rota) or from a solved scenario (rota_from_schedule).
#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "carecall/error.hpp"
#include "carecall/exchange.hpp"
#include "carecall/rota.hpp"
#include "carecall/schedule.hpp"
#include "carecall/store.hpp"

namespace carecall {
namespace {

bool active(BookingStatus s) {
    return s == BookingStatus::booked || s == BookingStatus::completed ||
           s == BookingStatus::missed;
}

/// Local midnight of a date in a zone; a midnight skipped by a clock change is the first instant
/// of that date.
Instant midnight(Date d, const date::time_zone* zone) {
    auto local = date::local_days{d};
    auto info = zone->get_info(date::local_seconds{local.time_since_epoch()});
    if (info.result == date::local_info::nonexistent) {
        return info.second.begin;
    }
    return zone->to_sys(date::local_seconds{local.time_since_epoch()}, date::choose::earliest);
}

Date local_date(Instant t, const date::time_zone* zone) {
    return Date{date::floor<date::days>(to_local(t, zone))};
}

/// Every record the rota names, by id.
struct Records {
    std::unordered_map<SiteId, Site> sites;
    std::unordered_map<WardId, Ward> wards;
    std::unordered_map<ResidentId, Resident> residents;
    std::unordered_map<ContactId, Contact> contacts;
    std::unordered_map<DeviceId, Device> devices;
    std::unordered_map<StaffId, Staff> staff;
    std::unordered_map<RequestId, CallRequest> requests;
};

template <class Map, class Repo>
void fill(Map& map, Repo& repo) {
    for (auto& r : repo.list()) {
        map.emplace(r.id, std::move(r));
    }
}

template <class Map, class IdT>
const auto& at(const Map& map, IdT id, std::string_view kind) {
    auto it = map.find(id);
    if (it == map.end()) {
        throw NotFound::record(std::string(kind), std::to_string(id.value));
    }
    return it->second;
}

RotaContact rota_contact(const Contact& c) {
    return {c.code, c.name, c.relationship, c.reach, c.tz};
}

/// The timeline of each device: its calls (all wards), the cleaning after each, and the move when
/// the next call is on another ward.
std::vector<RotaDevice> timelines(const Records& rec, const std::vector<Booking>& bookings) {
    std::map<std::string, RotaDevice> out;
    std::map<std::string, std::vector<const Booking*>> per_device;
    for (const auto& b : bookings) {
        if (!active(b.status)) {
            continue;
        }
        const auto& d = at(rec.devices, b.device, "device");
        per_device[d.code].push_back(&b);
    }
    for (auto& [code, list] : per_device) {
        const auto& d = at(rec.devices, list.front()->device, "device");
        const auto& site = at(rec.sites, d.site, "site");
        RotaDevice rd{d.code, d.name, site.code, site.tz, {}};
        std::sort(list.begin(), list.end(),
                  [](const Booking* a, const Booking* b) { return a->start < b->start; });
        for (std::size_t i = 0; i < list.size(); ++i) {
            const auto& b = *list[i];
            const auto& r = at(rec.residents, b.resident, "resident");
            const auto& w = at(rec.wards, r.ward, "ward");
            rd.busy.push_back({DeviceBusy::call, b.start, b.end,
                               r.room.empty() ? w.code : fmt::format("room {}", r.room), w.code});
            auto t = b.end;
            if (d.cleaning_minutes > 0) {
                auto until = t + std::chrono::minutes{d.cleaning_minutes};
                rd.busy.push_back({DeviceBusy::cleaning, t, until, "clean", w.code});
                t = until;
            }
            if (i + 1 < list.size() && d.move_minutes > 0) {
                const auto& next_r = at(rec.residents, list[i + 1]->resident, "resident");
                if (next_r.ward != r.ward) {
                    const auto& next_w = at(rec.wards, next_r.ward, "ward");
                    rd.busy.push_back({DeviceBusy::move, t,
                                       t + std::chrono::minutes{d.move_minutes},
                                       fmt::format("to {}", next_w.code), w.code});
                }
            }
        }
        out.emplace(code, std::move(rd));
    }
    std::vector<RotaDevice> result;
    for (auto& [code, rd] : out) {
        result.push_back(std::move(rd));
    }
    return result;
}

/// A rota call's place, time, people, device and preparation; the caller adds what is its own
/// (booking, status, request, priority).
RotaCall call_at(const Site& s, const Ward& w, const Resident& r, const Device& d,
                 std::vector<RotaContact> contacts, const std::optional<Staff>& helper,
                 Instant start, Instant end, Date day) {
    RotaCall c;
    c.site_code = s.code;
    c.site_name = s.name;
    c.site_tz = s.tz;
    c.ward_code = w.code;
    c.ward_name = w.name;
    c.start = start;
    c.end = end;
    c.date = day;
    c.resident_code = r.code;
    c.resident_name = r.name;
    c.room = r.room;
    c.contacts = std::move(contacts);
    c.device_code = d.code;
    c.device_name = d.name;
    if (helper) {
        c.staff_code = helper->code;
        c.staff_name = helper->name;
    }
    c.preparation = preparation_for(r, d, helper);
    return c;
}

void check_rota_query(const RotaQuery& query) {
    if (query.period && query.period->end <= query.period->start) {
        throw InvalidInput("period", fmt::format("ends at {}, not after its start {}",
                                                 format_utc(query.period->end),
                                                 format_utc(query.period->start)));
    }
    if (!query.period && query.to < query.from) {
        throw InvalidInput("--to", fmt::format("{} is before the first date {}",
                                               format_date(query.to), format_date(query.from)));
    }
}

Records read_records(Store& store) {
    Records rec;
    fill(rec.sites, store.sites());
    fill(rec.wards, store.wards());
    fill(rec.residents, store.residents());
    fill(rec.contacts, store.contacts());
    fill(rec.devices, store.devices());
    fill(rec.staff, store.staff());
    fill(rec.requests, store.requests());
    return rec;
}

/// The sites asked for, else every site.
std::set<SiteId> rota_sites(const RotaQuery& query, const Records& rec) {
    std::set<SiteId> sites(query.sites.begin(), query.sites.end());
    if (sites.empty()) {
        for (const auto& [id, s] : rec.sites) {
            sites.insert(id);
        }
    }
    return sites;
}

/// The UTC span that covers the dates in every site's zone (none without a site). A period sets
/// the query's dates to the first site's local dates of its ends.
std::pair<std::optional<Instant>, std::optional<Instant>>
rota_span(RotaQuery& query, const Records& rec, const std::set<SiteId>& sites) {
    std::optional<Instant> from;
    std::optional<Instant> to;
    if (query.period && !sites.empty()) {
        const auto* zone = find_zone(at(rec.sites, *sites.begin(), "site").tz);
        from = query.period->start;
        to = query.period->end;
        query.from = local_date(*from, zone);
        query.to = local_date(*to - std::chrono::seconds{1}, zone);
    }
    if (!query.period) {
        for (auto id : sites) {
            const auto* zone = find_zone(at(rec.sites, id, "site").tz);
            auto a = midnight(query.from, zone);
            auto b = midnight(Date{date::sys_days{query.to} + date::days{1}}, zone);
            from = from ? std::min(*from, a) : a;
            to = to ? std::max(*to, b) : b;
        }
    }
    return {from, to};
}

std::vector<Booking> rota_bookings(Store& store, const RotaQuery& query, Instant from, Instant to) {
    BookingQuery bq;
    bq.from = from;
    bq.to = to;
    bq.wards = query.wards;
    bq.devices = query.devices;
    if (query.contact) {
        bq.contacts = {*query.contact};
    }
    if (!query.include_cancelled) {
        bq.statuses = BookingQuery::holding_statuses();
    }
    return store.bookings().list(bq);
}

/// How often each booking changed, and when last (from the audit), by booking id.
std::unordered_map<std::int64_t, RecordChanges> changes_of(Store& store,
                                                           const std::vector<Booking>& bookings) {
    std::vector<std::int64_t> ids;
    for (const auto& b : bookings) {
        ids.push_back(b.id.value);
    }
    std::unordered_map<std::int64_t, RecordChanges> changes;
    for (const auto& c : store.record_changes("booking", ids)) {
        changes.emplace(c.record_id, c);
    }
    return changes;
}

/// A booking as a rota call, or nullopt when its site or local date is outside the query.
std::optional<RotaCall> rota_call(const Records& rec, const RotaQuery& query,
                                  const std::set<SiteId>& sites, const Booking& b,
                                  const std::unordered_map<std::int64_t, RecordChanges>& changes) {
    const auto& r = at(rec.residents, b.resident, "resident");
    const auto& w = at(rec.wards, r.ward, "ward");
    const auto& s = at(rec.sites, w.site, "site");
    if (!sites.contains(s.id)) {
        return std::nullopt;
    }
    const auto* zone = find_zone(s.tz);
    auto day = local_date(b.start, zone);
    if (!query.period && (day < query.from || query.to < day)) {
        return std::nullopt;
    }
    const auto& d = at(rec.devices, b.device, "device");
    std::vector<RotaContact> contacts;
    for (auto cid : b.contacts) {
        contacts.push_back(rota_contact(at(rec.contacts, cid, "contact")));
    }
    std::optional<Staff> helper;
    if (b.staff) {
        helper = at(rec.staff, *b.staff, "staff");
    }
    auto c = call_at(s, w, r, d, std::move(contacts), helper, b.start, b.end, day);
    c.booking = b.id;
    c.code = b.code;
    c.status = b.status;
    if (auto it = changes.find(b.id.value); it != changes.end()) {
        c.sequence = std::max(0, it->second.changes - 1);
        c.updated = it->second.last;
    }
    if (b.request) {
        c.request_code = at(rec.requests, *b.request, "request").code;
    }
    c.priority = b.priority;
    c.hours_overridden = b.hours_overridden;
    if (b.hours_overridden) {
        // The night staff let the family in and get the resident ready at any hour.
        c.preparation.insert(c.preparation.begin(), "outside calling hours (end of life)");
    }
    return c;
}

} // namespace

Rota load_rota(Store& store, const RotaQuery& asked) {
    RotaQuery query = asked;
    check_rota_query(query);
    auto tx = store.begin(TxKind::read);
    auto rec = read_records(store);
    auto sites = rota_sites(query, rec);
    auto [from, to] = rota_span(query, rec, sites);
    Rota rota;
    rota.from = query.from;
    rota.to = query.to;
    if (!from) {
        return rota;
    }
    auto bookings = rota_bookings(store, query, *from, *to);
    auto changes = changes_of(store, bookings);
    std::set<DeviceId> devices_used;
    for (const auto& b : bookings) {
        if (auto c = rota_call(rec, query, sites, b, changes)) {
            if (active(b.status)) {
                devices_used.insert(b.device);
            }
            rota.calls.push_back(std::move(*c));
        }
    }
    // The timelines show everything each device does on these dates, whichever ward it serves.
    if (!devices_used.empty()) {
        BookingQuery dq;
        dq.from = from;
        dq.to = to;
        dq.devices.assign(devices_used.begin(), devices_used.end());
        dq.statuses = BookingQuery::holding_statuses();
        rota.devices = timelines(rec, store.bookings().list(dq));
    }
    std::stable_sort(rota.calls.begin(), rota.calls.end(),
                     [](const RotaCall& a, const RotaCall& b) {
                         return std::tie(a.start, a.device_code) < std::tie(b.start, b.device_code);
                     });
    tx->commit();
    return rota;
}

Rota rota_from_schedule(const Scenario& s, const ScheduleResult& result) {
    auto get = [](const auto& v, std::int64_t id) -> const auto& {
        return v.at(static_cast<std::size_t>(id - 1));
    };
    Rota rota;
    rota.from = s.horizon.start;
    rota.to = Date{date::sys_days{s.horizon.start} + date::days{std::max(0, s.horizon.days - 1)}};
    Records rec;
    for (const auto& x : s.sites) {
        rec.sites.emplace(x.id, x);
    }
    for (const auto& x : s.wards) {
        rec.wards.emplace(x.id, x);
    }
    for (const auto& x : s.residents) {
        rec.residents.emplace(x.id, x);
    }
    for (const auto& x : s.devices) {
        rec.devices.emplace(x.id, x);
    }
    std::vector<Booking> bookings;
    for (const auto& sc : result.calls) {
        const auto& r = get(s.residents, sc.resident.value);
        const auto& w = get(s.wards, r.ward.value);
        const auto& site = get(s.sites, w.site.value);
        const auto& d = get(s.devices, sc.device.value);
        auto day = local_date(sc.start, find_zone(site.tz));
        std::vector<RotaContact> contacts;
        for (auto cid : sc.contacts) {
            contacts.push_back(rota_contact(get(s.contacts, cid.value)));
        }
        std::optional<Staff> helper;
        if (sc.staff) {
            helper = get(s.staff, sc.staff->value);
        }
        auto c = call_at(site, w, r, d, std::move(contacts), helper, sc.start, sc.end, day);
        if (sc.request.valid()) {
            c.request_code = get(s.requests, sc.request.value).code;
        }
        c.priority = sc.priority;
        rota.calls.push_back(std::move(c));
        Booking b;
        b.id = BookingId(static_cast<std::int64_t>(bookings.size() + 1));
        b.resident = sc.resident;
        b.device = sc.device;
        b.start = sc.start;
        b.end = sc.end;
        bookings.push_back(b);
    }
    rota.devices = timelines(rec, bookings);
    for (const auto& u : result.unscheduled) {
        rota.unscheduled.push_back(
            {get(s.requests, u.request.value).code, u.missing_calls, u.reasons});
    }
    return rota;
}

} // namespace carecall
