// The living plan, as a property: whatever records change and whatever is booked and planned in
// between, after a repair every future booked call keeps every rule of docs/rules.md, no request
// holds more calls in 7 dates in a row than it asks a week, and the audit holds one row per call
// the repair changed.
//
// The rules are checked by an independent checker written here from docs/rules.md, minute by
// minute in each party's own zone: it shares no code with check_call, the scheduler or repair.
//
// Each sequence (seeds 1..300) starts from a generated site (bench/scenario_gen: 2-3 wards, 2
// devices, 5-8 residents, contacts in four zones, each resident's visitor), plans the week and four
// days from a later date, then takes 12 steps: record edits (repositories only), bookings at the
// first free time (15% end-of-life at any hour, displacing routine calls), 1-3 day plans, and
// repairs (always the last step). A run (the MESSAGE; plans stop at their time limit, so a few
// counts move by a percent or so between runs): 3,600 steps, 1,671 edits, 672 bookings (about 250
// refused, about 30 calls displaced), 799 plans (about 8,650 calls), 1,058 repairs of about 2,400
// broken calls: about 650 moved, 1,640 cancelled, 100 waitlisted; about 24,800 future calls
// checked. 36 s of CPU in a Debug build (73 s wall with the machine's load average at 10).
//
// Found on the way (each fixed, with its regression test): repair moved calls to dates that
// over-booked their request's week, and searched past the calls it had loaded when the call was
// close to now (below); book's displacement of routine calls by an end-of-life call over-booked a
// request's week about once a run ("end of life: a displaced call moves only to a date its weekly
// count has room for" in booking_test.cpp; all three now share rule_facts::week_has_room with the
// scheduler, and the test fails on any such window). A best-interest decision past its review date
// is a rule (resident.consent_review), so the checker fails on calls after it.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "carecall/booking.hpp"
#include "carecall/exchange.hpp"
#include "carecall/planning.hpp"
#include "carecall/store.hpp"
#include "scenario_gen.hpp"

using namespace carecall;

namespace {

using std::chrono::minutes;
using std::chrono::seconds;

// --- The independent checker ---------------------------------------------------------------

/// Everything the rules read, as plain records.
struct Snapshot {
    std::map<std::int64_t, Site> sites;
    std::map<std::int64_t, Ward> wards;
    std::map<std::int64_t, Resident> residents;
    std::map<std::int64_t, Contact> contacts;
    std::map<std::int64_t, Device> devices;
    std::map<std::int64_t, Staff> staff;
    std::map<std::pair<std::int64_t, std::int64_t>, Approval> approvals;
    std::vector<Booking> bookings; ///< every booking, any status
    std::vector<CallRequest> requests;
};

Snapshot snapshot_of(Store& store) {
    Snapshot s;
    for (auto& r : store.sites().list()) {
        s.sites[r.id.value] = r;
    }
    for (auto& r : store.wards().list()) {
        s.wards[r.id.value] = r;
    }
    for (auto& r : store.residents().list()) {
        s.residents[r.id.value] = r;
    }
    for (auto& r : store.contacts().list()) {
        s.contacts[r.id.value] = r;
    }
    for (auto& r : store.devices().list()) {
        s.devices[r.id.value] = r;
    }
    for (auto& r : store.staff().list()) {
        s.staff[r.id.value] = r;
    }
    for (auto& a : store.approvals().list()) {
        s.approvals[{a.resident.value, a.contact.value}] = a;
    }
    s.bookings = store.bookings().list(BookingQuery{});
    s.requests = store.requests().list();
    return s;
}

struct CheckOptions {
    /// A best-interest decision whose review date is before the call's date no longer counts as
    /// consent (docs/rules.md: resident.consent_review).
    bool review_lapses = true;
};

/// One minute of a call, as a party's local clock reads it.
struct LocalMinute {
    date::local_days day;
    int weekday = 0; ///< 0 = Monday
    int minute = 0;  ///< after local midnight
};

LocalMinute local_minute(Instant t, const date::time_zone* zone) {
    auto info = zone->get_info(t);
    auto local = date::local_seconds{t.time_since_epoch() + info.offset};
    auto day = date::floor<date::days>(local);
    LocalMinute m;
    m.day = day;
    m.weekday = static_cast<int>((date::weekday{day}.c_encoding() + 6) % 7);
    m.minute = static_cast<int>(std::chrono::duration_cast<minutes>(local - day).count());
    return m;
}

/// The local minute of each UTC minute of [start, end).
std::vector<LocalMinute> minutes_of(Instant start, Instant end, const date::time_zone* zone) {
    std::vector<LocalMinute> out;
    for (auto t = start; t < end; t += minutes{1}) {
        out.push_back(local_minute(t, zone));
    }
    return out;
}

bool in_window(const std::vector<WeeklyWindow>& windows, const LocalMinute& m) {
    return std::any_of(windows.begin(), windows.end(), [&](const WeeklyWindow& w) {
        return ((w.weekdays >> m.weekday) & 1) != 0 && w.start <= m.minute && m.minute < w.end;
    });
}

bool meet(Instant a0, Instant a1, Instant b0, Instant b1) {
    return a0 < b1 && b0 < a1;
}

bool holds_time(const Booking& b) {
    return b.status == BookingStatus::booked || b.status == BookingStatus::completed ||
           b.status == BookingStatus::missed;
}

bool has(const std::vector<ContactId>& v, ContactId c) {
    return std::find(v.begin(), v.end(), c) != v.end();
}

/// The rules `call` breaks against the snapshot (the other bookings as they are), as
/// "rule: detail" lines; empty when it keeps them all.
std::vector<std::string> independent_check(const Snapshot& s, const Booking& call,
                                           CheckOptions opt = {}) {
    std::vector<std::string> out;
    auto bad = [&](const char* rule, const std::string& detail = {}) {
        out.push_back(detail.empty() ? std::string(rule) : fmt::format("{}: {}", rule, detail));
    };
    auto rit = s.residents.find(call.resident.value);
    if (rit == s.residents.end()) {
        bad("resident.unknown");
        return out;
    }
    const Resident& r = rit->second;
    auto wit = s.wards.find(r.ward.value);
    if (wit == s.wards.end() || !s.sites.contains(wit->second.site.value)) {
        bad("resident.ward");
        return out;
    }
    const Ward& ward = wit->second;
    const auto* zone = date::locate_zone(s.sites.at(ward.site.value).tz);
    if (call.end <= call.start || (call.end - call.start) % minutes{1} != seconds{0}) {
        bad("time.order");
        return out;
    }
    if (call.contacts.empty()) {
        bad("contact.none");
        return out;
    }
    const auto local = minutes_of(call.start, call.end, zone);
    const auto first_day = local.front().day;

    // The resident.
    for (const auto& m : local) {
        date::sys_days d{m.day.time_since_epoch()};
        if ((r.admitted && d < date::sys_days{*r.admitted}) ||
            (r.discharged && d > date::sys_days{*r.discharged})) {
            bad("resident.not_admitted", date::format("%F", m.day));
            break;
        }
    }
    bool consent = r.consent.status == ConsentStatus::given ||
                   r.consent.status == ConsentStatus::best_interest;
    if (!consent) {
        bad("resident.consent", to_string(r.consent.status));
    } else if (opt.review_lapses && r.consent.status == ConsentStatus::best_interest &&
               r.consent.review &&
               date::sys_days{first_day.time_since_epoch()} > date::sys_days{*r.consent.review}) {
        bad("resident.consent", "best interest decision past its review date");
    }
    if (r.max_call_minutes && static_cast<int>(local.size()) > *r.max_call_minutes) {
        bad("resident.max_call");
    }
    for (const auto& m : local) {
        date::sys_days d{m.day.time_since_epoch()};
        bool closed = std::any_of(ward.closures.begin(), ward.closures.end(), [&](const auto& c) {
            return date::sys_days{c.first} <= d && d <= date::sys_days{c.last};
        });
        if (closed) {
            bad("resident.ward_closed", date::format("%F", m.day));
            break;
        }
    }
    if (!call.hours_overridden) {
        if (!std::all_of(local.begin(), local.end(),
                         [&](const auto& m) { return in_window(ward.calling_hours, m); })) {
            bad("resident.calling_hours");
        }
        if (std::any_of(local.begin(), local.end(),
                        [&](const auto& m) { return in_window(r.care_blocks, m); })) {
            bad("resident.care_block", "weekly");
        }
        for (const auto& p : r.one_off_blocks) {
            if (meet(p.start, p.end, call.start, call.end)) {
                bad("resident.care_block", "one-off");
            }
        }
    }

    // The contacts.
    for (auto cid : call.contacts) {
        auto cit = s.contacts.find(cid.value);
        if (cit == s.contacts.end()) {
            bad("contact.unknown");
            continue;
        }
        const Contact& c = cit->second;
        auto ait = s.approvals.find({r.id.value, cid.value});
        if (ait == s.approvals.end() || !ait->second.approved) {
            bad("contact.approval", c.code);
        }
        if (!call.availability_overridden) {
            const auto* cz = date::locate_zone(c.tz);
            for (auto t = call.start; t < call.end; t += minutes{1}) {
                if (!in_window(c.availability, local_minute(t, cz))) {
                    bad("contact.availability", c.code);
                    break;
                }
            }
        }
        for (const auto& p : c.absences) {
            if (meet(p.start, p.end, call.start, call.end)) {
                bad("contact.absent", c.code);
            }
        }
    }

    // The device.
    auto dit = s.devices.find(call.device.value);
    if (dit == s.devices.end()) {
        bad("device.unknown");
        return out;
    }
    const Device& dev = dit->second;
    if (std::find(dev.wards.begin(), dev.wards.end(), r.ward) == dev.wards.end()) {
        bad("device.ward");
    }
    for (const auto& p : dev.out_of_service) {
        if (meet(p.start, p.end, call.start, call.end)) {
            bad("device.out_of_service");
        }
    }

    // The helper.
    if (r.needs_assistance && !call.staff) {
        bad("help.none");
    }
    if (call.staff) {
        auto sit = s.staff.find(call.staff->value);
        if (sit == s.staff.end()) {
            bad("help.unknown");
        } else {
            const Staff& st = sit->second;
            if (std::find(st.wards.begin(), st.wards.end(), r.ward) == st.wards.end()) {
                bad("help.ward");
            }
            for (const auto& need : r.competences) {
                if (std::find(st.competences.begin(), st.competences.end(), need) ==
                    st.competences.end()) {
                    bad("help.competence", need);
                }
            }
            for (std::size_t i = 0; i < local.size(); ++i) {
                auto t = call.start + minutes{static_cast<int>(i)};
                bool one_off = std::any_of(st.shifts.begin(), st.shifts.end(), [&](const auto& p) {
                    return p.start <= t && t + minutes{1} <= p.end;
                });
                if (!one_off && !in_window(st.weekly_shifts, local[i])) {
                    bad("help.shift");
                    break;
                }
            }
        }
    }

    // The other calls that hold their time.
    int same_day = 1;
    for (const auto& o : s.bookings) {
        if (o.id == call.id || !holds_time(o)) {
            continue;
        }
        bool overlap = meet(o.start, o.end, call.start, call.end);
        if (o.device == call.device) {
            if (overlap) {
                bad("device.busy", o.code);
            } else {
                auto oit = s.residents.find(o.resident.value);
                bool moves = oit == s.residents.end() || oit->second.ward != r.ward;
                auto gap = minutes{dev.cleaning_minutes + (moves ? dev.move_minutes : 0)};
                bool before_ok = o.end + gap <= call.start; // o first, then cleaned (and moved)
                bool after_ok = call.end + gap <= o.start;  // this call first
                if (!before_ok && !after_ok) {
                    bad("device.cleaning", o.code);
                }
            }
        }
        if (o.resident == call.resident) {
            if (overlap) {
                bad("resident.busy", o.code);
            }
            if (local_minute(o.start, zone).day == first_day) {
                ++same_day;
            }
        }
        for (auto cid : call.contacts) {
            if (overlap && has(o.contacts, cid)) {
                bad("contact.busy", o.code);
            }
        }
        if (call.staff && o.staff == call.staff && overlap) {
            bad("help.busy", o.code);
        }
    }
    if (r.max_calls_per_day && same_day > *r.max_calls_per_day) {
        bad("resident.calls_per_day");
    }
    return out;
}

/// request.per_week: the request's booked and completed calls in each 7 local dates in a row
/// (the site's dates). Each window holding more than the request asks a week, as "Q1 from
/// 2027-03-22" → its calls.
std::map<std::string, int> weekly_excess(const Snapshot& s) {
    std::map<std::string, int> out;
    for (const auto& q : s.requests) {
        const auto& r = s.residents.at(q.resident.value);
        const auto* zone = date::locate_zone(s.sites.at(s.wards.at(r.ward.value).site.value).tz);
        std::map<date::local_days, int> per_date;
        for (const auto& b : s.bookings) {
            if (b.request == q.id &&
                (b.status == BookingStatus::booked || b.status == BookingStatus::completed)) {
                ++per_date[local_minute(b.start, zone).day];
            }
        }
        for (const auto& [day, n] : per_date) {
            // Every window of 7 dates that contains `day`.
            for (int first = -6; first <= 0; ++first) {
                auto from = day + date::days{first};
                int count = 0;
                for (auto it = per_date.lower_bound(from);
                     it != per_date.end() && it->first < from + date::days{7}; ++it) {
                    count += it->second;
                }
                if (count > q.calls) {
                    out[fmt::format("{} (asks {}) from {}", q.code, q.calls,
                                    date::format("%F", from))] = count;
                }
            }
        }
    }
    return out;
}

/// The windows of `after` that hold more calls than in `before` (a change over-booked them).
std::vector<std::string> weekly_worse(const std::map<std::string, int>& before,
                                      const std::map<std::string, int>& after) {
    std::vector<std::string> out;
    for (const auto& [window, n] : after) {
        auto it = before.find(window);
        if (it == before.end() || it->second < n) {
            out.push_back(fmt::format("{}: {} calls in 7 dates", window, n));
        }
    }
    return out;
}

// --- Random sequences -------------------------------------------------------------------------

/// Draws from std::mt19937's raw output only (no std:: distribution), so a seed gives the same
/// sequence with every standard library.
class Draw {
public:
    explicit Draw(std::uint32_t seed) : m_g(seed) {}
    int uniform(int lo, int hi) { // [lo, hi]
        return lo + static_cast<int>(m_g() % static_cast<std::uint32_t>(hi - lo + 1));
    }
    bool chance(int percent) { return uniform(0, 99) < percent; }
    template <class T>
    const T& pick(const std::vector<T>& v) {
        return v[static_cast<std::size_t>(uniform(0, static_cast<int>(v.size()) - 1))];
    }

private:
    std::mt19937 m_g;
};

const date::time_zone* london() {
    return date::locate_zone("Europe/London");
}

Instant at_local(date::local_days day, int minute, const date::time_zone* zone) {
    return Instant{zone->to_sys(day + minutes{minute}, date::choose::earliest)};
}

/// A small site from the benchmark's generator (London, contacts in London, New York, Sydney and
/// Kolkata), and for each resident a visitor with no standing request: calls booked by hand go
/// to visitors, so they serve no request and the weekly counts stay the scheduler's and repair's.
Scenario site_for(std::uint32_t seed, Draw& g) {
    bench::GenParams p;
    p.seed = seed;
    p.sites = 1;
    p.wards_per_site = g.uniform(2, 3);
    p.residents = g.uniform(5, 8);
    p.devices = 2;
    p.days = 7;
    p.start = date::year{2027} / 3 / 22; // London's clocks change on Sunday the 28th
    p.calls_per_resident = 3.0;
    auto s = bench::generate(p);
    const std::vector<std::string> zones{"Europe/London", "America/New_York", "Australia/Sydney",
                                         "Asia/Kolkata"};
    for (const auto& r : std::vector<Resident>(s.residents)) {
        Contact c;
        c.id = ContactId(static_cast<std::int64_t>(s.contacts.size()) + 1);
        c.code = fmt::format("V{}", r.id.value);
        c.name = "Name of " + std::string(c.code);
        c.tz = zones[static_cast<std::size_t>(g.uniform(0, 3))];
        c.availability.push_back(WeeklyWindow{0x7F, 8 * 60, 22 * 60, {}});
        s.contacts.push_back(c);
        s.approvals.push_back(Approval{r.id, c.id, true, false, {}});
    }
    return s;
}

struct Counts {
    int sequences = 0;
    int steps = 0;
    int edits = 0;
    int books = 0;
    int books_refused = 0;
    int displaced = 0; ///< routine calls moved or waitlisted by an end-of-life booking
    /// Windows of 7 dates a displacement left holding more of a request's calls than it asks.
    int displacement_overbooked = 0;
    int overbooked_before_repair = 0; ///< such windows a repair found (and must not make worse)
    int schedules = 0;
    int scheduled_calls = 0;
    int repairs = 0;
    int broken_found = 0;
    int checked = 0;
    int kept = 0;
    int moved = 0;
    int cancelled = 0;
    int waitlisted = 0;
    int lapsed_review_kept = 0; ///< calls after a lapsed best-interest review date, still booked
    std::map<std::string, int> edit_kinds;
};

/// One record edit of the records as they are (repositories only).
void edit(Store& store, Draw& g, Instant now, Counts& n) {
    const auto* zone = london();
    auto today = date::floor<date::days>(to_local(now, zone));
    auto day = today + date::days{g.uniform(0, 13)};
    auto kind = g.uniform(0, 9);
    static const std::vector<std::string> k_names{
        "device out of service", "ward closed",     "calling hours shorter", "discharge",
        "approval revoked",      "consent refused", "consent none",          "review lapsed",
        "staff absent",          "contact holiday"};
    switch (kind) {
    case 0: { // a device out of service for a span
        auto d = g.pick(store.devices().list());
        auto from = at_local(day, g.uniform(7, 18) * 60, zone);
        auto hours = g.chance(30) ? 24 : g.uniform(1, 8);
        d.out_of_service.push_back(Period{from, from + std::chrono::hours{hours}, "repair"});
        store.devices().update(d);
        break;
    }
    case 1: { // a ward closed for a day or two
        auto w = g.pick(store.wards().list());
        w.closures.push_back(
            DateRange{Date{day}, Date{day + date::days{g.uniform(0, 1)}}, "infection control"});
        store.wards().update(w);
        break;
    }
    case 2: { // shorter calling hours
        auto w = g.pick(store.wards().list());
        for (auto& h : w.calling_hours) {
            if (g.chance(50)) {
                h.start = std::min(h.end - 60, h.start + 60 * g.uniform(1, 3));
            } else {
                h.end = std::max(h.start + 60, h.end - 60 * g.uniform(1, 3));
            }
        }
        store.wards().update(w);
        break;
    }
    case 3: { // a resident discharged
        auto r = g.pick(store.residents().list());
        r.discharged = Date{day};
        store.residents().update(r);
        break;
    }
    case 4: { // an approval revoked
        std::vector<Approval> approved;
        for (const auto& a : store.approvals().list()) {
            if (a.approved) {
                approved.push_back(a);
            }
        }
        if (!approved.empty()) {
            auto a = g.pick(approved);
            a.approved = false;
            store.approvals().put(a);
        }
        break;
    }
    case 5:
    case 6: { // consent withdrawn: refused, or no longer recorded
        auto r = g.pick(store.residents().list());
        r.consent = Consent{kind == 5 ? ConsentStatus::refused : ConsentStatus::none, {}, {}, {}};
        store.residents().update(r);
        break;
    }
    case 7: { // a best-interest decision whose review date lapses in the coming days
        auto r = g.pick(store.residents().list());
        r.consent =
            Consent{ConsentStatus::best_interest, "IMCA", Date{today - date::days{60}}, Date{day}};
        store.residents().update(r);
        break;
    }
    case 8: { // a member of staff absent: a shift taken away
        auto st = g.pick(store.staff().list());
        if (!st.shifts.empty()) {
            st.shifts.erase(st.shifts.begin() +
                            g.uniform(0, static_cast<int>(st.shifts.size()) - 1));
        } else if (!st.weekly_shifts.empty()) {
            auto& w = st.weekly_shifts.front();
            w.weekdays = static_cast<std::uint8_t>(w.weekdays & ~(1U << g.uniform(0, 6)));
            if (w.weekdays == 0) {
                st.weekly_shifts.erase(st.weekly_shifts.begin());
            }
        }
        store.staff().update(st);
        break;
    }
    default: { // a contact on holiday
        auto c = g.pick(store.contacts().list());
        const auto* cz = date::locate_zone(c.tz);
        auto from = at_local(day, g.uniform(0, 20) * 60, cz);
        c.absences.push_back(Period{from, from + std::chrono::hours{g.uniform(4, 72)}, "holiday"});
        store.contacts().update(c);
        break;
    }
    }
    ++n.edits;
    ++n.edit_kinds[k_names[static_cast<std::size_t>(kind)]];
}

/// A call booked by hand at the first free time: a resident with their visitor (and now and then
/// a contact of theirs too, a group call that serves no request either).
void book(Store& store, Draw& g, Instant now, Counts& n, const std::string& where) {
    BookingService svc(store, [now] { return now; });
    auto r = g.pick(store.residents().list());
    BookRequest req;
    req.resident = r.id;
    auto visitor = store.contacts().find_by_code(fmt::format("V{}", r.id.value));
    if (!visitor) {
        return; // a resident of the generator is coded R<id>; their visitor V<id>
    }
    req.contacts = {visitor->id};
    if (g.chance(25)) {
        for (const auto& a : store.approvals().for_resident(r.id)) {
            if (a.contact != visitor->id) {
                req.contacts.push_back(a.contact);
                break;
            }
        }
    }
    req.after = now + minutes{15 * g.uniform(0, 4 * 24 * 3)};
    req.before = *req.after + date::days{3};
    req.duration_minutes = g.pick(std::vector<int>{15, 20, 30});
    if (g.chance(15)) { // a dying person's family, at any hour: routine calls may give way
        req.priority = priority::end_of_life;
        req.override_hours = true;
        req.reason = "end of life";
        // At the time of a routine call booked on a device of the ward, so that it gives way.
        std::vector<Booking> routine;
        for (const auto& d : store.devices_serving(r.ward)) {
            BookingQuery q;
            q.from = now;
            q.to = now + date::days{7};
            q.devices = {d.id};
            q.statuses = {BookingStatus::booked};
            for (auto& b : store.bookings().list(q)) {
                if (b.priority == priority::routine && b.start >= now) {
                    routine.push_back(std::move(b));
                }
            }
        }
        if (!routine.empty()) {
            const auto& other = g.pick(routine);
            req.at = other.start;
            req.device = other.device;
        }
    }
    ++n.books;
    // Only an end-of-life call displaces others: the weekly counts before it, to compare.
    auto weekly = req.priority == priority::end_of_life ? weekly_excess(snapshot_of(store))
                                                        : std::map<std::string, int>{};
    try {
        auto booked = svc.book(req);
        if (!booked.displaced.empty()) {
            n.displaced += static_cast<int>(booked.displaced.size());
            auto worse = weekly_worse(weekly, weekly_excess(snapshot_of(store)));
            for (const auto& w : worse) {
                FAIL_CHECK(where << ": a displacement over-booked " << w);
            }
            n.displacement_overbooked += static_cast<int>(worse.size());
        }
    } catch (const Error&) {
        ++n.books_refused;
    }
}

/// A one-to-three-day plan through planning, from one of the next 10 dates; or, given `days`,
/// a plan of that many dates from `from` dates after today (the plans a sequence starts from).
void schedule(Store& store, Draw& g, Instant now, Counts& n, std::uint32_t seed, int from = 0,
              int days = 0) {
    auto today = date::floor<date::days>(to_local(now, london()));
    PlanRequest req;
    req.from = Date{today + date::days{days > 0 ? from : g.uniform(0, 10)}};
    req.days = days > 0 ? days : g.uniform(1, 3);
    req.time_limit_seconds = 0.02;
    req.seed = seed;
    auto plan = plan_from_store(store, req, now);
    ++n.schedules;
    n.scheduled_calls += static_cast<int>(plan.added.size());
}

std::int64_t newest_audit_id(Store& store) {
    auto rows = store.audit_events(1);
    return rows.empty() ? 0 : rows.front().id;
}

/// A repair, and the three properties after it.
void repair_and_check(Store& store, Draw& g, Instant now, Counts& n, const std::string& where) {
    BookingService svc(store, [now] { return now; });
    auto weekly_before = weekly_excess(snapshot_of(store));
    auto broken = svc.broken(BrokenQuery{});
    auto audit_before = newest_audit_id(store);
    RepairRequest req;
    req.search_days = g.uniform(1, 7);
    auto result = svc.repair(req);
    ++n.repairs;
    n.broken_found += static_cast<int>(broken.size());
    CHECK_MESSAGE(result.steps.size() == broken.size(), where);
    CHECK_MESSAGE(result.others_moved == 0, where);

    // (c) one audit row per booking change, about that booking.
    std::multiset<std::int64_t> changed;
    for (const auto& st : result.steps) {
        switch (st.action) {
        case RepairAction::kept:
            ++n.kept;
            CHECK_MESSAGE(st.after == st.before, where);
            continue;
        case RepairAction::moved:
            ++n.moved;
            CHECK_MESSAGE(st.after.status == BookingStatus::booked, where);
            CHECK_MESSAGE(st.after.source == BookingSource::repaired, where);
            CHECK_MESSAGE(st.after.start >= now, where);
            // The same call, within the days it may search.
            CHECK_MESSAGE(st.after.end - st.after.start == st.before.end - st.before.start, where);
            CHECK_MESSAGE(st.after.resident == st.before.resident, where);
            CHECK_MESSAGE(st.after.contacts == st.before.contacts, where);
            CHECK_MESSAGE(st.after.request == st.before.request, where);
            // Whole local days: the call's own and search_days either side (less than a day more
            // than search_days from its start, whichever way).
            CHECK_MESSAGE(st.after.start < st.before.start + date::days{req.search_days + 1},
                          where);
            CHECK_MESSAGE(st.after.start > st.before.start - date::days{req.search_days + 1},
                          where);
            break;
        case RepairAction::cancelled:
            ++n.cancelled;
            CHECK_MESSAGE(st.after.status == BookingStatus::cancelled, where);
            break;
        case RepairAction::waitlisted:
            ++n.waitlisted;
            CHECK_MESSAGE(st.after.status == BookingStatus::waitlisted, where);
            break;
        }
        changed.insert(st.before.id.value);
        auto stored = store.bookings().find(st.before.id);
        REQUIRE(stored);
        CHECK_MESSAGE(*stored == st.after, where);
    }
    std::multiset<std::int64_t> audited;
    for (const auto& e : store.audit_events(100000)) {
        if (e.id > audit_before) {
            CHECK_MESSAGE(e.kind == "booking", where);
            audited.insert(e.record_id);
        }
    }
    CHECK_MESSAGE(audited == changed, where);

    // (a) every future booked call keeps every rule, by the independent checker.
    auto snap = snapshot_of(store);
    for (const auto& b : snap.bookings) {
        if (b.status != BookingStatus::booked || b.start < now) {
            continue;
        }
        ++n.checked;
        auto problems = independent_check(snap, b);
        if (!problems.empty()) {
            std::string text;
            for (const auto& p : problems) {
                text += "\n  " + p;
            }
            for (const auto& st : result.steps) { // what the repair did
                text += fmt::format("\n  step {} {} {} dev {} -> {} {} dev {} src {}",
                                    st.before.code, to_string(st.action),
                                    format_utc(st.before.start), st.before.device.value,
                                    format_utc(st.after.start), to_string(st.after.status),
                                    st.after.device.value, to_string(st.after.source));
            }
            FAIL_CHECK(where << ": " << b.code << " " << format_utc(b.start) << " breaks" << text);
        }
        CheckOptions strict;
        strict.review_lapses = true;
        if (independent_check(snap, b, strict).size() > problems.size()) {
            ++n.lapsed_review_kept;
        }
    }
    CHECK_MESSAGE(svc.broken(BrokenQuery{}).empty(), where);

    // (b) no request over its weekly count in any 7 dates in a row: neither plans, nor book's
    // displacement (checked where it happens), nor repair make such a window.
    n.overbooked_before_repair += static_cast<int>(weekly_before.size());
    for (const auto& w : weekly_worse(weekly_before, weekly_excess(snap))) {
        FAIL_CHECK(where << ": repair over-booked " << w);
    }
    CHECK_MESSAGE(weekly_before.empty(), where);
}

/// One random sequence of edits, bookings, plans and repairs; ends with a repair.
void run_sequence(std::uint32_t seed, int steps, Counts& n) {
    Draw g(seed);
    auto store = open_store("sqlite::memory:");
    import_scenario(*store, site_for(seed, g));
    Instant now = date::sys_days{date::year{2027} / 3 / 22} + std::chrono::hours{7};
    // Plans to start from: this week, and a week from a later day (calls 7 dates apart).
    schedule(*store, g, now, n, seed, 0, 7);
    schedule(*store, g, now, n, seed, g.uniform(7, 10), 4);
    for (int i = 0; i < steps; ++i) {
        now += minutes{g.uniform(0, 120)};
        auto where = fmt::format("seed {} step {}", seed, i);
        int roll = i + 1 == steps ? 99 : g.uniform(0, 99);
        if (roll < 50) {
            edit(*store, g, now, n);
        } else if (roll < 70) {
            book(*store, g, now, n, where);
        } else if (roll < 76) {
            schedule(*store, g, now, n, seed + static_cast<std::uint32_t>(i));
        } else {
            repair_and_check(*store, g, now, n, where);
        }
        ++n.steps;
    }
    ++n.sequences;
}

Booking call_at(std::int64_t id, Instant start, int mins, std::int64_t device = 1) {
    Booking b;
    b.id = BookingId(id);
    b.code = fmt::format("B-{}", id);
    b.resident = ResidentId(1);
    b.contacts = {ContactId(1)};
    b.device = DeviceId(device);
    b.staff = StaffId(1);
    b.start = start;
    b.end = start + minutes{mins};
    return b;
}

} // namespace

TEST_SUITE("living plan") {

    TEST_CASE("the independent checker catches broken calls") {
        // Tuesday 23 March 2027, London on GMT (= UTC); the resident needs a BSL helper.
        const auto day = date::local_days{date::year{2027} / 3 / 23};
        auto utc = [&](int h, int m = 0) { return at_local(day, h * 60 + m, london()); };
        Snapshot base;
        base.sites[1] = Site{SiteId(1), "S", "Home", SiteKind::care_home, "Europe/London"};
        base.wards[1] =
            Ward{WardId(1), "W1", "Rose", SiteId(1), {WeeklyWindow{0x7F, 9 * 60, 20 * 60, {}}}, {}};
        base.wards[2] =
            Ward{WardId(2), "W2", "Elm", SiteId(1), {WeeklyWindow{0x7F, 9 * 60, 20 * 60, {}}}, {}};
        Resident r;
        r.id = ResidentId(1);
        r.consent.status = ConsentStatus::given; // a scenario says it, or no call is planned
        r.code = "R1";
        r.name = "Name of " + std::string(r.code);
        r.ward = WardId(1);
        r.needs_assistance = true;
        r.competences = {"bsl"};
        r.max_call_minutes = 30;
        r.max_calls_per_day = 2;
        r.care_blocks = {WeeklyWindow{0x7F, 12 * 60, 13 * 60, "lunch"}};
        r.consent = Consent{ConsentStatus::given, {}, {}, {}};
        base.residents[1] = r;
        r.id = ResidentId(2);
        r.code = "R2";
        r.ward = WardId(2);
        base.residents[2] = r;
        Contact c;
        c.id = ContactId(1);
        c.code = "C1";
        c.name = "Name of " + std::string(c.code);
        c.tz = "America/New_York"; // 10:00 GMT is 06:00 in New York (EDT since 14 March)
        c.availability = {WeeklyWindow{0x7F, 5 * 60, 9 * 60, {}}};
        base.contacts[1] = c;
        c.id = ContactId(2);
        c.code = "C2";
        c.tz = "Europe/London";
        c.availability = {WeeklyWindow{0x7F, 8 * 60, 21 * 60, {}}};
        base.contacts[2] = c;
        base.approvals[{1, 1}] = Approval{ResidentId(1), ContactId(1), true, false, {}};
        base.approvals[{2, 2}] = Approval{ResidentId(2), ContactId(2), true, false, {}};
        base.devices[1] =
            Device{DeviceId(1), "D1", "Portal", "portal", SiteId(1), {WardId(1), WardId(2)},
                   10,          5,    {},       {}};
        base.devices[2] =
            Device{DeviceId(2), "D2", "Tablet", "tablet", SiteId(1), {WardId(2)}, 10, 5, {}, {}};
        Staff st;
        st.id = StaffId(1);
        st.code = "E1";
        st.name = "Name of " + std::string(st.code);
        st.wards = {WardId(1), WardId(2)};
        st.competences = {"bsl"};
        st.weekly_shifts = {WeeklyWindow{0x1F, 8 * 60, 16 * 60, {}}};
        base.staff[1] = st;
        const auto good = call_at(1, utc(10), 30);
        REQUIRE(independent_check(base, good).empty());

        struct Case {
            const char* rule;
            std::function<void(Snapshot&, Booking&)> breaks;
        };
        auto other = [](Snapshot& s, Booking o) { s.bookings.push_back(std::move(o)); };
        const std::vector<Case> cases{
            {"device.ward", [](auto&, auto& b) { b.device = DeviceId(2); }},
            {"device.out_of_service",
             [&](auto& s, auto&) {
                 s.devices[1].out_of_service.push_back(Period{utc(10, 20), utc(11), {}});
             }},
            {"device.busy", [&](auto& s, auto&) { other(s, call_at(2, utc(10, 15), 30)); }},
            {"device.cleaning", // the other call ends at 09:55: cleaned until 10:05
             [&](auto& s, auto&) {
                 auto o = call_at(2, utc(9, 25), 30);
                 o.staff.reset();
                 o.contacts = {ContactId(2)};
                 s.bookings.push_back(o);
             }},
            {"device.cleaning", // another ward's call at 10:42: cleaned and moved until 10:45
             [&](auto& s, auto&) {
                 auto o = call_at(2, utc(10, 42), 15);
                 o.resident = ResidentId(2);
                 o.contacts = {ContactId(2)};
                 o.staff.reset();
                 s.bookings.push_back(o);
             }},
            {"resident.not_admitted",
             [&](auto& s, auto&) { s.residents[1].discharged = Date{day - date::days{1}}; }},
            {"resident.not_admitted",
             [&](auto& s, auto&) { s.residents[1].admitted = Date{day + date::days{1}}; }},
            {"resident.consent",
             [](auto& s, auto&) { s.residents[1].consent.status = ConsentStatus::refused; }},
            {"resident.consent",
             [](auto& s, auto&) { s.residents[1].consent.status = ConsentStatus::none; }},
            {"resident.calling_hours", [&](auto&, auto& b) { b.start = utc(8, 45); }},
            {"resident.calling_hours",
             [](auto& s, auto&) { s.wards[1].calling_hours[0].start = 10 * 60 + 15; }},
            {"resident.care_block",
             [&](auto& s, auto&) { s.residents[1].care_blocks[0].start = 10 * 60 + 29; }},
            {"resident.care_block",
             [&](auto& s, auto&) {
                 s.residents[1].one_off_blocks.push_back(Period{utc(9), utc(10, 1), "gp"});
             }},
            {"resident.max_call", [](auto&, auto& b) { b.end += minutes{15}; }},
            {"resident.ward_closed",
             [&](auto& s, auto&) {
                 s.wards[1].closures.push_back(DateRange{Date{day}, Date{day}, {}});
             }},
            {"contact.approval",
             [](auto& s, auto&) {
                 s.approvals.erase({1, 1});
             }},
            {"contact.approval",
             [](auto& s, auto&) {
                 s.approvals[{1, 1}].approved = false;
             }},
            {"contact.availability", // until 06:29 in New York
             [](auto& s, auto&) { s.contacts[1].availability[0].end = 6 * 60 + 29; }},
            {"contact.absent",
             [&](auto& s, auto&) {
                 s.contacts[1].absences.push_back(Period{utc(10, 29), utc(18), {}});
             }},
            {"help.none", [](auto&, auto& b) { b.staff.reset(); }},
            {"help.ward", [](auto& s, auto&) { s.staff[1].wards = {WardId(2)}; }},
            {"help.competence", [](auto& s, auto&) { s.staff[1].competences.clear(); }},
            {"help.shift", [](auto& s, auto&) { s.staff[1].weekly_shifts[0].end = 10 * 60 + 20; }},
            {"help.shift", [](auto& s, auto&) { s.staff[1].weekly_shifts[0].weekdays = 0x1D; }},
            {"help.busy",
             [&](auto& s, auto&) {
                 auto o = call_at(2, utc(10), 30, 2);
                 o.resident = ResidentId(2);
                 o.contacts = {ContactId(2)};
                 s.bookings.push_back(o);
             }},
            {"resident.busy",
             [&](auto& s, auto&) {
                 auto o = call_at(2, utc(10, 10), 15, 2);
                 o.contacts = {ContactId(2)};
                 o.staff.reset();
                 s.bookings.push_back(o);
             }},
            {"contact.busy",
             [&](auto& s, auto&) {
                 auto o = call_at(2, utc(10, 20), 15, 2);
                 o.resident = ResidentId(2);
                 o.staff.reset();
                 s.bookings.push_back(o);
             }},
            {"resident.calls_per_day",
             [&](auto& s, auto&) {
                 for (int i = 0; i < 2; ++i) {
                     auto o = call_at(2 + i, utc(15 + 2 * i), 20);
                     o.staff.reset();
                     s.bookings.push_back(o);
                 }
             }},
        };
        for (const auto& kase : cases) {
            CAPTURE(kase.rule);
            auto s = base;
            auto b = good;
            kase.breaks(s, b);
            auto problems = independent_check(s, b);
            REQUIRE_FALSE(problems.empty());
            CHECK(std::any_of(problems.begin(), problems.end(),
                              [&](const std::string& p) { return p.rfind(kase.rule, 0) == 0; }));
        }

        // What gives way: an end-of-life call's hours, a family's agreed time; and what does not
        // hold a time: a cancelled or waiting call.
        auto b = good;
        b.start = utc(12, 15);
        b.end = utc(12, 45);
        CHECK_FALSE(independent_check(base, b).empty());
        b.hours_overridden = true;
        CHECK(independent_check(base, b).empty());
        auto s = base;
        s.contacts[1].availability.clear();
        CHECK_FALSE(independent_check(s, good).empty());
        auto agreed = good;
        agreed.availability_overridden = true;
        CHECK(independent_check(s, agreed).empty());
        s = base;
        auto o = call_at(2, utc(10), 30);
        o.status = BookingStatus::cancelled;
        s.bookings.push_back(o);
        o.id = BookingId(3);
        o.status = BookingStatus::waitlisted;
        s.bookings.push_back(o);
        CHECK(independent_check(s, good).empty());
        // A best-interest decision past its review date (resident.consent_review), unless the
        // option leaves it out.
        s = base;
        s.residents[1].consent =
            Consent{ConsentStatus::best_interest, "IMCA", {}, Date{day - date::days{1}}};
        CHECK_FALSE(independent_check(s, good).empty());
        CHECK(independent_check(s, good, CheckOptions{false}).empty());

        // The weekly count: two calls a week, three within 7 dates.
        s = base;
        s.requests.push_back(CallRequest{});
        s.requests.back().id = RequestId(1);
        s.requests.back().code = "Q1";
        s.requests.back().resident = ResidentId(1);
        s.requests.back().calls = 2;
        for (int i = 0; i < 3; ++i) {
            auto q = call_at(10 + i, good.start + date::days{3 * i}, 30);
            q.request = RequestId(1);
            s.bookings.push_back(q);
        }
        CHECK(weekly_excess(s).size() == 1); // days 0, 3, 6: only the window from day 0
        s.bookings.back().start += date::days{1};
        s.bookings.back().end += date::days{1};
        CHECK(weekly_excess(s).empty());
    }

    TEST_CASE("property: after every repair the plan keeps every rule") {
        // Seeds 1..300; CARECALL_LIVING_PLAN_SEQUENCES runs fewer (or more) while working on it.
        std::uint32_t k_sequences = 300;
        if (const char* env = std::getenv("CARECALL_LIVING_PLAN_SEQUENCES")) {
            k_sequences = static_cast<std::uint32_t>(std::stoul(env));
        }
        constexpr int k_steps = 12;
        Counts n;
        std::uint32_t first = 1;
        if (const char* env = std::getenv("CARECALL_LIVING_PLAN_FIRST_SEED")) {
            first = static_cast<std::uint32_t>(std::stoul(env));
        }
        for (std::uint32_t seed = first; seed < first + k_sequences; ++seed) {
            run_sequence(seed, k_steps, n);
        }
        std::string kinds;
        for (const auto& [k, v] : n.edit_kinds) {
            kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", k, v);
        }
        MESSAGE(fmt::format(
            "{} sequences, {} steps: {} edits ({}), {} bookings ({} refused, {} calls displaced, "
            "{} windows of 7 dates over-booked by a displacement), {} plans ({} calls), "
            "{} repairs ({} over-booked windows before them) of {} broken calls: {} kept, {} "
            "moved, "
            "{} cancelled, {} waitlisted; "
            "{} future calls checked; {} still booked after a lapsed best-interest review",
            n.sequences, n.steps, n.edits, kinds, n.books, n.books_refused, n.displaced,
            n.displacement_overbooked, n.schedules, n.scheduled_calls, n.repairs,
            n.overbooked_before_repair, n.broken_found, n.kept, n.moved, n.cancelled, n.waitlisted,
            n.checked, n.lapsed_review_kept));
        CHECK(n.sequences == static_cast<int>(k_sequences));
        if (k_sequences >= 100) { // the edits reach every action
            CHECK(n.moved > 0);
            CHECK(n.cancelled > 0);
            CHECK(n.waitlisted > 0);
        }
    }
}

TEST_SUITE("living plan") {

    // A request of one call a week with calls on two Mondays, 7 dates apart; the ward closes on
    // the second Monday. The nearest free time is the Sunday before, which would put two calls in
    // the 7 dates from the first Monday (rule request.per_week): repair must look further.
    TEST_CASE("repair keeps a request's weekly count when it moves a call to another day") {
        Scenario s;
        s.sites.push_back(Site{SiteId(1), "S", "Home", SiteKind::care_home, "Europe/London"});
        s.wards.push_back(
            Ward{WardId(1), "W", "Rose", SiteId(1), {WeeklyWindow{0x7F, 9 * 60, 20 * 60, {}}}, {}});
        Resident r;
        r.id = ResidentId(1);
        r.consent.status = ConsentStatus::given; // a scenario says it, or no call is planned
        r.code = "R1";
        r.name = "Name of " + std::string(r.code);
        r.ward = WardId(1);
        s.residents.push_back(r);
        Contact c;
        c.id = ContactId(1);
        c.code = "C1";
        c.name = "Name of " + std::string(c.code);
        c.tz = "Europe/London";
        c.availability = {WeeklyWindow{0x7F, 8 * 60, 21 * 60, {}}};
        s.contacts.push_back(c);
        s.devices.push_back(
            Device{DeviceId(1), "D1", "Portal", "portal", SiteId(1), {WardId(1)}, 10, 5, {}, {}});
        CallRequest q;
        q.id = RequestId(1);
        q.code = "Q1";
        q.resident = ResidentId(1);
        q.contacts = {ContactId(1)};
        q.calls = 1;
        s.requests.push_back(q);
        auto store = open_store("sqlite::memory:");
        import_scenario(*store, s);
        const Instant now = date::sys_days{date::year{2027} / 3 / 22} + std::chrono::hours{7};
        BookingService svc(*store, [now] { return now; });
        const auto monday = date::local_days{date::year{2027} / 3 / 22};
        BookRequest req;
        req.resident = store->residents().get("R1", "resident").id;
        req.contacts = {store->contacts().get("C1", "contact").id};
        req.at = at_local(monday, 10 * 60, london());
        auto first = svc.book(req).booking;
        req.at = at_local(monday + date::days{7}, 10 * 60, london());
        auto second = svc.book(req).booking;
        REQUIRE(first.request);
        REQUIRE(second.request == first.request);
        REQUIRE(weekly_excess(snapshot_of(*store)).empty());

        auto w = store->wards().get("W", "ward");
        w.closures.push_back(DateRange{Date{monday + date::days{7}}, Date{monday + date::days{7}},
                                       "infection control"});
        store->wards().update(w);
        auto result = svc.repair(RepairRequest{});
        REQUIRE(result.steps.size() == 1);
        CHECK(result.steps[0].action == RepairAction::moved);
        auto snap = snapshot_of(*store);
        CHECK(weekly_excess(snap).empty());
        CHECK(independent_check(snap, *store->bookings().find(second.id)).empty());
        // The nearest time that keeps the weekly count: Tuesday 30 March.
        CHECK(date::floor<date::days>(to_local(result.steps[0].after.start, london())) ==
              monday + date::days{8});
    }
}

TEST_SUITE("living plan") {

    // A call 8 hours from now, with 2 days of search: the search starts at now, not 2 days
    // before the call, and ran on for 5 days from now, past the 4 days after the call that
    // repair loads the other calls of; it moved the call onto the resident's call on Saturday.
    TEST_CASE("repair searches only the days around the call, where it sees the other calls") {
        Scenario s;
        s.sites.push_back(Site{SiteId(1), "S", "Home", SiteKind::care_home, "Europe/London"});
        s.wards.push_back(
            Ward{WardId(1), "W", "Rose", SiteId(1), {WeeklyWindow{0x7F, 9 * 60, 20 * 60, {}}}, {}});
        Resident r;
        r.id = ResidentId(1);
        r.consent.status = ConsentStatus::given; // a scenario says it, or no call is planned
        r.code = "R1";
        r.name = "Name of " + std::string(r.code);
        r.ward = WardId(1);
        s.residents.push_back(r);
        Contact c;
        c.id = ContactId(1);
        c.code = "C1"; // Mondays at six, Saturdays at nine
        c.name = "Name of C1";
        c.tz = "Europe/London";
        c.availability = {WeeklyWindow{0x01, 18 * 60, 18 * 60 + 30, {}},
                          WeeklyWindow{0x20, 9 * 60, 10 * 60, {}}};
        s.contacts.push_back(c);
        c.id = ContactId(2);
        c.code = "C2";
        c.availability = {WeeklyWindow{0x7F, 8 * 60, 21 * 60, {}}};
        s.contacts.push_back(c);
        s.approvals = {Approval{ResidentId(1), ContactId(1), true, false, {}},
                       Approval{ResidentId(1), ContactId(2), true, false, {}}};
        s.devices.push_back(
            Device{DeviceId(1), "D1", "Portal", "portal", SiteId(1), {WardId(1)}, 10, 5, {}, {}});
        auto store = open_store("sqlite::memory:");
        import_scenario(*store, s);
        const auto monday = date::local_days{date::year{2027} / 3 / 22};
        const Instant now = at_local(monday, 10 * 60, london());
        BookingService svc(*store, [now] { return now; });
        BookRequest req;
        req.resident = store->residents().get("R1", "resident").id;
        req.duration_minutes = 15;
        req.contacts = {store->contacts().get("C1", "contact").id};
        req.at = at_local(monday, 18 * 60, london());
        auto call = svc.book(req).booking;
        req.contacts = {store->contacts().get("C2", "contact").id};
        req.at = at_local(monday + date::days{5}, 9 * 60, london());
        auto saturday = svc.book(req).booking;

        auto c1 = store->contacts().get("C1", "contact");
        c1.absences.push_back(Period{at_local(monday, 0, london()),
                                     at_local(monday + date::days{1}, 0, london()), "away"});
        store->contacts().update(c1);
        RepairRequest repair;
        repair.search_days = 2;
        auto result = svc.repair(repair);
        REQUIRE(result.steps.size() == 1);
        CHECK(result.steps[0].action == RepairAction::waitlisted); // Saturday is taken
        auto snap = snapshot_of(*store);
        CHECK(independent_check(snap, *store->bookings().find(saturday.id)).empty());
        CHECK(store->bookings().find(call.id)->status == BookingStatus::waitlisted);
    }
}
