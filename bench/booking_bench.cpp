// carecall-bench-booking: builds (or reuses) a database of a million past and future bookings over
// 300 devices through the library, then times BookingService::book, agenda and slots in-process.
//
// The database looks like a real group of care homes: 50 sites in five zones, 150 wards with
// calling hours (a few closed for some days), 5,000 residents with care blocks, ~12,400 contacts in
// a dozen zones with their own availability, 300 devices (a fixed portal per ward and a tablet that
// moves between the wards of its site), 600 staff on weekly shifts. Every booking of the fill is
// checked with the library's own rules (check_call) against the bookings made so far that week, so
// each device holds a day of non-overlapping calls with cleaning and moving gaps, no resident,
// contact or helper is in two calls at once, and calls keep care blocks, availability and shifts.
//
// The timed operations run on a copy of the database (the built or reused file stays as it was),
// with a fixed clock, and requests drawn from --seed before any timing starts: two runs with the
// same database and seed send the very same requests. A digest of every result is printed so that a
// change in the library can be checked to give the same answers.
#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>

#include "carecall/booking.hpp"
#include "carecall/error.hpp"
#include "carecall/rules.hpp"
#include "carecall/store.hpp"

namespace {

using namespace carecall;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::minutes;

// --- the shape of the data
// ------------------------------------------------------------------

constexpr int k_sites = 50;
constexpr int k_wards_per_site = 3;
constexpr int k_staff_per_ward = 4;
constexpr int k_residents = 5000;
constexpr int k_devices = k_sites * k_wards_per_site * 2; // a portal and a tablet per ward
/// Calls a device carries on an average day: the fill aims at 7 to 14, and care blocks, calling
/// hours and availability leave about 7.5.
constexpr double k_calls_per_device_day = 7.5;
/// The fill starts on this Monday; "now" is the middle of the span it covers.
constexpr Date k_first_day{date::year{2026}, date::month{1}, date::day{5}};

constexpr std::array k_site_zones{"Europe/London", "Europe/Dublin", "Europe/Paris",
                                  "America/Toronto", "Australia/Sydney"};
constexpr std::array k_abroad_zones{"Europe/Warsaw", "America/New_York", "Australia/Sydney",
                                    "Asia/Kolkata",  "Africa/Lagos",     "America/Toronto",
                                    "Europe/Madrid", "Asia/Manila",      "America/Jamaica"};
constexpr std::array k_places{"Ashgrove", "Beechwood", "Cedar Lodge", "Dovecote", "Elmfield",
                              "Foxhill",  "Glenview",  "Hawthorn",    "Ivybank",  "Juniper"};
constexpr std::array k_ward_names{"Rose", "Bluebell", "Oak", "Willow", "Heather", "Primrose"};
constexpr std::array k_first_names{"Margaret", "Arthur", "Eileen", "Winston", "Gurdev",  "Patricia",
                                   "Kenneth",  "Doreen", "Brian",  "Sunita",  "Maureen", "Dennis",
                                   "Irene",    "Tomasz", "Grace",  "Ahmed",   "Siobhan", "Colin"};
constexpr std::array k_last_names{"Thompson", "Jenkins", "O'Brien",  "Clarke", "Sandhu", "Patel",
                                  "Nowak",    "Evans",   "Murphy",   "Okafor", "Hughes", "Walsh",
                                  "Kowalski", "Reid",    "Campbell", "Singh",  "Byrne",  "Ahmed"};
constexpr std::array k_relationships{"daughter", "son",    "wife",   "husband",       "friend",
                                     "niece",    "nephew", "sister", "granddaughter", "grandson"};
constexpr std::array k_durations{15, 20, 30, 30, 30, 30, 45};

/// Splitmix64: small, fast and the same on every platform (unlike the std distributions).
class Rng {
public:
    explicit Rng(std::uint64_t seed) : m_state(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31U);
    }
    int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
    std::size_t index(std::size_t n) { return static_cast<std::size_t>(next() % n); }
    bool percent(int p) { return below(100) < p; }
    template <class C>
    const auto& pick(const C& items) {
        return items[index(std::size(items))];
    }

private:
    std::uint64_t m_state;
};

WeeklyWindow win(std::string_view text) {
    return parse_window(text, "bench");
}

Instant local_to_utc(date::local_seconds t, const date::time_zone* zone) {
    return Instant{zone->to_sys(t, date::choose::earliest)};
}

// --- options
// --------------------------------------------------------------------------------

struct Options {
    std::string db;
    std::int64_t bookings = 1'000'000;
    int reps = 200;
    std::uint64_t seed = 1;
};

[[noreturn]] void usage(const std::string& why) {
    fmt::print(stderr,
               "carecall-bench-booking: {}\n"
               "usage: carecall-bench-booking [--db PATH] [--bookings N] [--reps N] "
               "[--seed N]\n"
               "  --db PATH     reuse this database if it exists, else build it there "
               "and keep it\n"
               "                (default: build one in a scratch directory, removed at "
               "the end)\n"
               "  --bookings N  bookings in a new database (default 1000000)\n"
               "  --reps N      timed calls of each operation (default 200)\n"
               "  --seed N      seed of the data and of the requests (default 1)\n",
               why);
    std::exit(why.empty() ? 0 : 64);
}

std::int64_t number(std::string_view option, const char* text, std::int64_t min) {
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < min) {
        usage(fmt::format("{}: '{}' is not a whole number from {}", option, text, min));
    }
    return v;
}

Options parse_options(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "-h" || a == "--help") {
            usage("");
        }
        if (i + 1 >= argc) {
            usage(fmt::format("{}: a value is missing", a));
        }
        const char* v = argv[++i];
        if (a == "--db") {
            o.db = v;
        } else if (a == "--bookings") {
            o.bookings = number(a, v, 1);
        } else if (a == "--reps") {
            o.reps = static_cast<int>(number(a, v, 1));
        } else if (a == "--seed") {
            o.seed = static_cast<std::uint64_t>(number(a, v, 0));
        } else {
            usage(fmt::format("unknown option {}", a));
        }
    }
    return o;
}

// --- building the database
// --------------------------------------------------------------------

/// One site's records, as stored (with ids), and the lookups the fill needs.
struct SiteData {
    Site site;
    const date::time_zone* zone = nullptr;
    std::vector<Ward> wards;
    std::vector<Device> devices;
    std::vector<Staff> staff;
    std::vector<Resident> residents;
    std::vector<Contact> contacts;
    std::vector<Approval> approvals;
    std::vector<std::vector<std::size_t>> residents_on; ///< per ward: indexes into residents
    std::vector<std::vector<StaffId>> staff_on;         ///< per ward
    std::unordered_map<ResidentId, std::vector<ContactId>> contacts_of;
    std::unordered_map<WardId, std::size_t> ward_index;
};

std::string person_name(Rng& rng) {
    return fmt::format("{} {}", rng.pick(k_first_names), rng.pick(k_last_names));
}

Date add_days(Date d, int n) {
    return Date{date::sys_days{d} + date::days{n}};
}

Resident make_resident(Rng& rng, int number, const Ward& ward, int days) {
    Resident r;
    r.code = fmt::format("R-{:05}", number);
    r.name = person_name(rng);
    r.ward = ward.id;
    r.room = fmt::format("{}{:02}", "GFS"[number % 3], number % 40 + 1);
    r.admitted = add_days(k_first_day, -30 - rng.below(1500));
    if (rng.percent(8)) {
        r.admitted = add_days(k_first_day, rng.below(days)); // admitted during the span
    }
    if (rng.percent(3)) {
        r.discharged = add_days(*r.admitted, 20 + rng.below(days));
    }
    r.needs_assistance = rng.percent(25);
    if (r.needs_assistance && rng.percent(40)) {
        r.competences.emplace_back("dementia");
    }
    if (rng.percent(3)) {
        r.competences.emplace_back("bsl");
    }
    if (rng.percent(20)) {
        r.max_call_minutes = rng.percent(50) ? 20 : 30;
    }
    if (rng.percent(50)) {
        r.max_calls_per_day = 2 + rng.below(2);
    }
    r.care_blocks = {win("daily 08:00-09:00 breakfast"), win("daily 09:00-09:30 medication"),
                     win("daily 12:00-13:00 lunch"), win("daily 17:00-18:00 dinner"),
                     win("daily 18:00-18:15 medication")};
    if (rng.percent(40)) {
        r.care_blocks.push_back(win("daily 14:00-15:30 rest"));
    }
    if (rng.percent(30)) {
        static constexpr std::array k_days{"mon", "tue", "wed", "thu", "fri"};
        r.care_blocks.push_back(win(fmt::format("{} 10:30-11:30 physiotherapy", rng.pick(k_days))));
    }
    if (rng.percent(10)) {
        r.care_blocks.push_back(win("fri 10:00-11:00 hairdresser"));
    }
    int c = rng.below(100);
    if (c < 92) {
        r.consent = Consent{ConsentStatus::given, "self", r.admitted, std::nullopt};
    } else if (c < 97) {
        r.consent = Consent{ConsentStatus::best_interest, "Dr Rahman (GP)", r.admitted,
                            add_days(*r.admitted, 365)};
    } else if (c < 99) {
        r.consent = Consent{};
    } else {
        r.consent = Consent{ConsentStatus::refused, "self", r.admitted, std::nullopt};
    }
    return r;
}

Contact make_contact(Rng& rng, int number, const std::string& home_zone, int days) {
    Contact c;
    c.code = fmt::format("C-{:05}", number);
    c.name = person_name(rng);
    c.relationship = rng.pick(k_relationships);
    c.reach = "phone and video";
    if (rng.percent(80)) {
        c.tz = home_zone;
        int kind = rng.below(100);
        if (kind < 35) {
            c.availability = {win("daily 09:00-20:00")};
        } else if (kind < 80) {
            c.availability = {win("mon-fri 07:30-08:30"), win("mon-fri 12:00-14:00"),
                              win("mon-fri 17:00-21:30"), win("sat,sun 09:00-20:00")};
        } else {
            c.availability = {win("mon,wed,fri 09:00-16:00"), win("tue,thu 14:00-21:00"),
                              win("sat 10:00-18:00")};
        }
    } else {
        c.tz = rng.pick(k_abroad_zones);
        c.availability = {win("daily 07:00-22:30")};
    }
    if (rng.percent(10)) {
        auto from = date::sys_days{k_first_day} + date::days{rng.below(days)};
        c.absences.push_back(Period{Instant{from}, Instant{from + date::days{14}}, "holiday"});
    }
    return c;
}

std::vector<SiteData> add_records(Store& store, Rng& rng, int days) {
    auto tx = store.begin(TxKind::write);
    std::vector<SiteData> sites(k_sites);
    int device_no = 0;
    int staff_no = 0;
    for (std::size_t i = 0; i < sites.size(); ++i) {
        auto& sd = sites[i];
        // 38 sites in London, then 4 Dublin, 3 Paris, 3 Toronto, 2 Sydney.
        std::size_t z = i < 38 ? 0 : i < 42 ? 1 : i < 45 ? 2 : i < 48 ? 3 : 4;
        sd.site.code = fmt::format("S-{:02}", i + 1);
        sd.site.name = fmt::format("{} {}", k_places[i % k_places.size()],
                                   i % 10 == 7   ? "Hospice"
                                   : i % 10 == 9 ? "Hospital"
                                                 : "House");
        sd.site.kind = i % 10 == 7   ? SiteKind::hospice
                       : i % 10 == 9 ? SiteKind::hospital
                                     : SiteKind::care_home;
        sd.site.tz = k_site_zones[z];
        sd.site.id = store.sites().add(sd.site);
        sd.zone = find_zone(sd.site.tz);
        for (std::size_t w = 0; w < k_wards_per_site; ++w) {
            Ward ward;
            ward.code = fmt::format("W-{:02}-{}", i + 1, w + 1);
            ward.name = k_ward_names[(i + w) % k_ward_names.size()];
            ward.site = sd.site.id;
            ward.calling_hours = {(i + w) % 5 == 4 ? win("daily 10:00-19:30")
                                                   : win("daily 09:00-20:00")};
            if (rng.percent(3)) {
                auto first = add_days(k_first_day, rng.below(days));
                ward.closures.push_back(DateRange{first, add_days(first, 3), "infection control"});
            }
            ward.id = store.wards().add(ward);
            sd.ward_index[ward.id] = sd.wards.size();
            sd.wards.push_back(ward);
        }
        sd.residents_on.resize(sd.wards.size());
        sd.staff_on.resize(sd.wards.size());
        for (std::size_t w = 0; w < sd.wards.size(); ++w) {
            // A portal fixed on the ward, and a tablet that also goes to the site's other wards.
            for (int k = 0; k < 2; ++k) {
                Device d;
                d.code = fmt::format("D-{:03}", ++device_no);
                d.name = fmt::format("{} {}", sd.wards[w].name, k == 0 ? "portal" : "tablet");
                d.kind = k == 0 ? "portal" : "tablet";
                d.site = sd.site.id;
                d.wards.push_back(sd.wards[w].id);
                if (k == 1) {
                    for (std::size_t o = 0; o < sd.wards.size(); ++o) {
                        if (o != w) {
                            d.wards.push_back(sd.wards[o].id);
                        }
                    }
                }
                d.cleaning_minutes = k == 0 ? 10 : 15;
                d.move_minutes = k == 0 ? 0 : 5;
                d.capabilities = k == 0 ? std::vector<std::string>{"large_screen", "captions"}
                                        : std::vector<std::string>{"captions"};
                if (rng.percent(5)) {
                    auto from = date::sys_days{k_first_day} + date::days{rng.below(days)};
                    d.out_of_service.push_back(
                        Period{Instant{from}, Instant{from + date::days{3}}, "repair"});
                }
                d.id = store.devices().add(d);
                sd.devices.push_back(d);
            }
            // Two early, one late and one weekend member of staff; the last also covers the next
            // ward of the site.
            static constexpr std::array<std::array<const char*, 2>, k_staff_per_ward> k_shifts{{
                {"mon-fri 07:00-15:00", nullptr},
                {"mon-fri 13:00-21:00", nullptr},
                {"sat,sun 08:00-20:00", "wed 09:00-17:00"},
                {"thu-sun 12:00-20:30", nullptr},
            }};
            for (std::size_t k = 0; k < k_shifts.size(); ++k) {
                Staff s;
                s.code = fmt::format("ST-{:04}", ++staff_no);
                s.name = person_name(rng);
                s.wards.push_back(sd.wards[w].id);
                if (k == 3) {
                    s.wards.push_back(sd.wards[(w + 1) % sd.wards.size()].id);
                }
                s.competences = {"dementia"};
                if (k == 1) {
                    s.competences.emplace_back("bsl");
                }
                for (const char* text : k_shifts[k]) {
                    if (text != nullptr) {
                        s.weekly_shifts.push_back(win(text));
                    }
                }
                s.id = store.staff().add(s);
                sd.staff.push_back(s);
            }
        }
        for (const auto& s : sd.staff) {
            for (auto w : s.wards) {
                sd.staff_on[sd.ward_index[w]].push_back(s.id);
            }
        }
    }
    int contact_no = 0;
    const int wards = k_sites * k_wards_per_site;
    for (int n = 0; n < k_residents; ++n) {
        auto& sd = sites[static_cast<std::size_t>(n % wards / k_wards_per_site)];
        auto w = static_cast<std::size_t>(n % wards % k_wards_per_site);
        auto r = make_resident(rng, n + 1, sd.wards[w], days);
        r.id = store.residents().add(r);
        static constexpr std::array k_contacts_per_resident{1, 2, 2, 3, 3, 4};
        int count = rng.pick(k_contacts_per_resident);
        for (int k = 0; k < count; ++k) {
            auto c = make_contact(rng, ++contact_no, sd.site.tz, days);
            c.id = store.contacts().add(c);
            Approval a{r.id, c.id, true, k == 0, ""};
            store.approvals().put(a);
            sd.contacts_of[r.id].push_back(c.id);
            sd.contacts.push_back(std::move(c));
            sd.approvals.push_back(a);
        }
        sd.residents_on[w].push_back(sd.residents.size());
        sd.residents.push_back(std::move(r));
    }
    tx->commit();
    return sites;
}

/// The records of one site as a World, to which a week's bookings are added as they are made.
World site_world(const SiteData& sd) {
    World world;
    world.add(sd.site);
    for (const auto& w : sd.wards) {
        world.add(w);
    }
    for (const auto& r : sd.residents) {
        world.add(r);
    }
    for (const auto& c : sd.contacts) {
        world.add(c);
    }
    for (const auto& a : sd.approvals) {
        world.add(a);
    }
    for (const auto& d : sd.devices) {
        world.add(d);
    }
    for (const auto& s : sd.staff) {
        world.add(s);
    }
    return world;
}

struct Fill {
    Rng& rng;
    Instant now;
    std::int64_t wanted;
    std::int64_t made = 0;
    std::int64_t checks = 0;
};

bool feasible(const World& world, CallPlan& plan, const Resident& r, const SiteData& sd,
              Fill& fill) {
    if (!r.needs_assistance) {
        ++fill.checks;
        return check_call(world, plan, true).empty();
    }
    const auto& helpers = sd.staff_on[sd.ward_index.at(r.ward)];
    auto first = fill.rng.index(helpers.size());
    for (std::size_t k = 0; k < helpers.size(); ++k) {
        plan.staff = helpers[(first + k) % helpers.size()];
        ++fill.checks;
        if (check_call(world, plan, true).empty()) {
            return true;
        }
    }
    return false;
}

/// One device's calls on one local day: from the start of calling hours, each call at the first
/// time after the previous one's cleaning (and moving) gap, plus a random pause, that keeps every
/// rule for a randomly chosen resident of the wards it serves and one or two of their contacts.
void fill_device_day(const SiteData& sd, const Device& d, date::local_days day, World& world,
                     Fill& fill, std::vector<Booking>& out) {
    auto& rng = fill.rng;
    const auto& home = sd.wards[sd.ward_index.at(d.wards.front())];
    const auto& hours = home.calling_hours.front();
    auto t = day + minutes{hours.start + 15 * rng.below(4)};
    auto close = day + minutes{hours.end};
    int target = 7 + rng.below(8);
    int made = 0;
    for (int tries = 0;
         made < target && tries < 150 && t + minutes{15} <= close && fill.made < fill.wanted;
         ++tries) {
        auto ward = d.wards.front();
        if (d.wards.size() > 1 && !rng.percent(60)) {
            ward = d.wards[1 + rng.index(d.wards.size() - 1)];
        }
        const auto& on_ward = sd.residents_on[sd.ward_index.at(ward)];
        const auto& r = sd.residents[rng.pick(on_ward)];
        const auto& contacts = sd.contacts_of.at(r.id);
        CallPlan plan;
        plan.resident = r.id;
        plan.contacts = {rng.pick(contacts)};
        if (contacts.size() > 1 && rng.percent(12)) {
            auto other = rng.pick(contacts);
            if (other != plan.contacts.front()) {
                plan.contacts.push_back(other);
            }
        }
        int length = rng.pick(k_durations);
        if (r.max_call_minutes) {
            length = std::min(length, *r.max_call_minutes);
        }
        plan.device = d.id;
        plan.start = local_to_utc(t, sd.zone);
        plan.end = plan.start + minutes{length};
        int p = rng.below(100);
        plan.priority = p < 95   ? priority::routine
                        : p < 99 ? priority::clinical
                                 : priority::end_of_life;
        if (!feasible(world, plan, r, sd, fill)) {
            if (tries % 3 == 2) {
                t += minutes{15};
            }
            continue;
        }
        Booking b;
        b.id = BookingId(fill.made + 1);
        b.resident = r.id;
        b.contacts = plan.contacts;
        b.device = d.id;
        b.staff = plan.staff;
        b.start = plan.start;
        b.end = plan.end;
        b.priority = plan.priority;
        int s = rng.below(100);
        if (b.start < fill.now) {
            b.status = s < 85   ? BookingStatus::completed
                       : s < 91 ? BookingStatus::missed
                                : BookingStatus::cancelled;
        } else {
            b.status = s < 94 ? BookingStatus::booked : BookingStatus::cancelled;
        }
        if (b.status == BookingStatus::completed) {
            b.outcome = CallOutcome::completed;
        } else if (b.status == BookingStatus::missed) {
            b.outcome = rng.pick(k_missed_outcomes);
        } else if (b.status == BookingStatus::cancelled) {
            b.reason = rng.percent(50) ? "resident unwell" : "family could not make it";
        }
        world.add(b); // a cancelled call holds no time: World leaves it out
        out.push_back(std::move(b));
        ++made;
        ++fill.made;
        t += minutes{length + d.cleaning_minutes + d.move_minutes + 5 * rng.below(7)};
    }
}

struct Built {
    double seconds_records = 0;
    double seconds_bookings = 0;
    std::int64_t checks = 0;
};

/// Days of bookings for `wanted` calls at the average rate.
int span_days(std::int64_t wanted) {
    auto days = std::ceil(static_cast<double>(wanted) / (k_devices * k_calls_per_device_day));
    return std::max(14, static_cast<int>(days));
}

Instant bench_now(int days) {
    return Instant{date::sys_days{k_first_day} + date::days{days / 2} + std::chrono::hours{10}};
}

Built build(Store& store, const Options& o) {
    Built built;
    Rng rng(o.seed);
    int days = span_days(o.bookings);
    auto now = bench_now(days);
    auto t0 = Clock::now();
    auto sites = add_records(store, rng, days);
    auto t1 = Clock::now();
    built.seconds_records = std::chrono::duration<double>(t1 - t0).count();

    Fill fill{rng, now, o.bookings};
    std::vector<World> base;
    base.reserve(sites.size());
    for (const auto& sd : sites) {
        base.push_back(site_world(sd));
    }
    std::vector<Booking> week;
    for (int monday = 0; fill.made < fill.wanted; monday += 7) {
        week.clear();
        for (std::size_t i = 0; i < sites.size(); ++i) {
            const auto& sd = sites[i];
            World world = base[i]; // the bookings of one site and week are all a call can meet
            for (int d = monday; d < monday + 7; ++d) {
                auto day = date::local_days{k_first_day} + date::days{d};
                for (const auto& device : sd.devices) {
                    fill_device_day(sd, device, day, world, fill, week);
                }
            }
        }
        // One write transaction per week of calls, through the library's own repository.
        auto tx = store.begin(TxKind::write);
        for (const auto& b : week) {
            store.bookings().add(b);
        }
        tx->commit();
        fmt::print(stderr, "\rfilling: {} of {} bookings", fill.made, fill.wanted);
    }
    fmt::print(stderr, "\n");
    store.set_setting("bench.now", format_utc(now));
    store.set_setting("bench.days", std::to_string(days));
    store.set_setting("bench.seed", std::to_string(o.seed));
    store.set_setting("bench.bookings", std::to_string(fill.made));
    built.seconds_bookings = std::chrono::duration<double>(Clock::now() - t1).count();
    built.checks = fill.checks;
    return built;
}

// --- the timed requests
// -----------------------------------------------------------------------

struct Bench {
    Instant now;
    int days = 0;
    std::int64_t bookings = 0;
};

Bench read_bench(Store& store, const std::string& path) {
    auto now = store.setting("bench.now");
    auto days = store.setting("bench.days");
    auto count = store.setting("bench.bookings");
    if (!now || !days || !count) {
        throw InvalidInput("--db", fmt::format("{} was not built by carecall-bench-booking", path));
    }
    Bench b;
    b.now = Instant{std::chrono::seconds{0}};
    // format_utc: "YYYY-MM-DDTHH:MM:SSZ"
    auto local = parse_local_datetime(now->substr(0, 19), "bench.now");
    b.now = Instant{local.time_since_epoch()};
    b.days = std::stoi(*days);
    b.bookings = std::stoll(*count);
    return b;
}

struct Requests {
    std::vector<BookRequest> book;
    std::vector<BookingFilter> agenda;
    std::vector<SlotQuery> slots;
};

bool in_care_block(const Resident& r, int weekday, int minute, int length) {
    return std::any_of(r.care_blocks.begin(), r.care_blocks.end(), [&](const WeeklyWindow& w) {
        return w.on(weekday) && minute < w.end && w.start < minute + length;
    });
}

Requests make_requests(Store& store, const Bench& bench, int reps, std::uint64_t seed) {
    Rng rng(seed ^ 0x5EEDBEEFULL);
    auto tx = store.begin(TxKind::read);
    auto residents = store.residents().list();
    std::unordered_map<SiteId, Site> sites;
    for (auto& s : store.sites().list()) {
        sites[s.id] = s;
    }
    std::unordered_map<WardId, Ward> wards;
    std::vector<WardId> ward_ids;
    for (auto& w : store.wards().list()) {
        ward_ids.push_back(w.id);
        wards[w.id] = w;
    }
    std::unordered_map<ResidentId, std::vector<ContactId>> approved;
    for (const auto& a : store.approvals().list()) {
        if (a.approved) {
            approved[a.resident].push_back(a.contact);
        }
    }
    tx->commit();
    auto zone_of = [&](WardId w) { return find_zone(sites.at(wards.at(w).site).tz); };
    auto resident_with_contacts = [&]() -> const Resident& {
        for (;;) {
            const auto& r = rng.pick(residents);
            if (approved.count(r.id) != 0) {
                return r;
            }
        }
    };

    Requests out;
    for (int i = 0; i < reps; ++i) {
        // book: an exact start in the next fortnight, inside calling hours and outside the
        // resident's care blocks (what a coordinator would try); the other rules decide.
        const auto& r = resident_with_contacts();
        auto zone = zone_of(r.ward);
        const auto& hours = wards.at(r.ward).calling_hours.front();
        auto today = date::floor<date::days>(to_local(bench.now, zone));
        int length = r.max_call_minutes ? std::min(30, *r.max_call_minutes) : 30;
        date::local_days day;
        int minute = 0;
        for (int attempt = 0; attempt < 8; ++attempt) {
            day = today + date::days{1 + rng.below(14)};
            minute = hours.start + 15 * rng.below((hours.end - hours.start - length) / 15 + 1);
            if (!in_care_block(r, weekday_index(Date{day}), minute, length)) {
                break;
            }
        }
        BookRequest req;
        req.resident = r.id;
        req.contacts = {rng.pick(approved.at(r.id))};
        req.at = local_to_utc(day + minutes{minute}, zone);
        req.duration_minutes = length;
        out.book.push_back(req);

        // agenda: one ward, one local day of the span.
        BookingFilter f;
        auto w = rng.pick(ward_ids);
        auto wz = zone_of(w);
        auto d = date::local_days{k_first_day} + date::days{rng.below(bench.days)};
        f.from = local_to_utc(d, wz);
        f.to = local_to_utc(d + date::days{1}, wz);
        f.wards = {w};
        out.agenda.push_back(f);

        // slots: 7 days from now or a little later, the first ten.
        const auto& sr = resident_with_contacts();
        SlotQuery q;
        q.resident = sr.id;
        q.contacts = {rng.pick(approved.at(sr.id))};
        q.from = bench.now + std::chrono::hours{rng.below(7 * 24)};
        q.days = 7;
        q.limit = 10;
        q.duration_minutes = 30;
        out.slots.push_back(q);
    }
    return out;
}

/// FNV-1a over the results, to compare runs.
class Digest {
public:
    void add(std::string_view text) {
        for (char ch : text) {
            m_hash = (m_hash ^ static_cast<unsigned char>(ch)) * 0x100000001B3ULL;
        }
        m_hash = (m_hash ^ 0xFFU) * 0x100000001B3ULL;
    }
    [[nodiscard]] std::uint64_t value() const { return m_hash; }

private:
    std::uint64_t m_hash = 0xCBF29CE484222325ULL;
};

struct Timing {
    std::string name;
    std::vector<double> ms;
    std::string result;
    Digest digest;
};

template <class F>
double time_ms(F&& f) {
    auto t0 = Clock::now();
    f();
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

/// Nearest-rank percentile of sorted values.
double percentile(const std::vector<double>& sorted, double p) {
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

std::vector<Timing> run(Store& store, const Bench& bench, const Requests& req) {
    BookingService service(store, [now = bench.now] { return now; });
    // Warm-up (not timed): a few reads, so that statements are prepared and pages cached.
    for (std::size_t i = 0; i < std::min<std::size_t>(5, req.agenda.size()); ++i) {
        static_cast<void>(service.agenda(req.agenda[req.agenda.size() - 1 - i]));
        static_cast<void>(service.slots(req.slots[req.slots.size() - 1 - i]));
    }

    Timing agenda{"agenda (1 ward, 1 day)", {}, {}, {}};
    std::size_t rows = 0;
    for (const auto& f : req.agenda) {
        std::vector<Booking> got;
        agenda.ms.push_back(time_ms([&] { got = service.agenda(f); }));
        rows += got.size();
        for (const auto& b : got) {
            agenda.digest.add(
                fmt::format("{} {} {}", b.code, to_string(b.status), b.contacts.size()));
        }
    }
    agenda.result = fmt::format("{:.1f} calls listed on average",
                                static_cast<double>(rows) / static_cast<double>(req.agenda.size()));

    Timing slots{"slots (7 days, first 10)", {}, {}, {}};
    std::size_t found = 0;
    std::size_t none = 0;
    for (const auto& q : req.slots) {
        std::vector<Slot> got;
        slots.ms.push_back(time_ms([&] { got = service.slots(q); }));
        found += got.size();
        none += got.empty() ? 1U : 0U;
        for (const auto& s : got) {
            slots.digest.add(fmt::format("{} {} {}", format_utc(s.start), s.device.value,
                                         s.staff ? s.staff->value : 0));
        }
        slots.digest.add("|");
    }
    slots.result =
        fmt::format("{:.1f} slots on average, {} with none",
                    static_cast<double>(found) / static_cast<double>(req.slots.size()), none);

    Timing book{"book (exact --at)", {}, {}, {}};
    Timing booked{"  of which booked", {}, {}, {}};
    Timing refused{"  of which refused", {}, {}, {}};
    std::map<std::string, int> rules;
    for (const auto& r : req.book) {
        std::string outcome;
        bool ok = false;
        auto ms = time_ms([&] {
            try {
                auto res = service.book(r);
                outcome = fmt::format("{} {} {}", res.booking.code, res.booking.device.value,
                                      res.booking.staff ? res.booking.staff->value : 0);
                ok = true;
            } catch (const BookingConflict& e) {
                outcome = fmt::format("{}: {}", rule_name(e.violations().front().rule), e.what());
                ++rules[rule_name(e.violations().front().rule)];
            }
        });
        book.ms.push_back(ms);
        (ok ? booked : refused).ms.push_back(ms);
        book.digest.add(outcome);
    }
    std::string why;
    for (const auto& [rule, n] : rules) {
        why += fmt::format("{}{} {}", why.empty() ? "" : ", ", rule, n);
    }
    book.result = fmt::format("{} booked, {} refused", booked.ms.size(), refused.ms.size());
    booked.result = "written and committed (synchronous=FULL)";
    refused.result = why;
    std::vector<Timing> out{book};
    for (auto* t : {&booked, &refused}) {
        if (!t->ms.empty()) {
            out.push_back(std::move(*t));
        }
    }
    out.push_back(std::move(agenda));
    out.push_back(std::move(slots));
    return out;
}

void print_table(std::vector<Timing>& timings) {
    fmt::print("{:<26} {:>5} {:>10} {:>10} {:>10} {:>10}  {}\n", "operation", "reps", "median",
               "p90", "p99", "max", "result");
    for (auto& t : timings) {
        std::sort(t.ms.begin(), t.ms.end());
        fmt::print("{:<26} {:>5} {:>7.3f} ms {:>7.3f} ms {:>7.3f} ms {:>7.3f} ms  {}\n", t.name,
                   t.ms.size(), percentile(t.ms, 50), percentile(t.ms, 90), percentile(t.ms, 99),
                   t.ms.back(), t.result);
    }
    fmt::print("digest:");
    for (const auto& t : timings) {
        if (t.name.front() != ' ') {
            fmt::print(" {}={:016x}", t.name.substr(0, t.name.find(' ')), t.digest.value());
        }
    }
    fmt::print("\n");
}

StoreOptions bench_options() {
    StoreOptions so;
    so.actor = Actor{"bench", "carecall-bench-booking"};
    return so;
}

void remove_db(const fs::path& p) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        fs::remove(fs::path(p.string() + suffix), ec);
    }
}

int run_main(const Options& o) {
    fs::path scratch;
    fs::path db = o.db;
    if (db.empty()) {
        scratch = fs::temp_directory_path() / fmt::format("carecall-bench-{}", ::getpid());
        fs::create_directories(scratch);
        db = scratch / "bench.db";
    }
    std::string how;
    if (fs::exists(db)) {
        how = "reused";
    } else {
        auto t0 = Clock::now();
        Built built;
        {
            auto store = open_store("sqlite:" + db.string(), bench_options());
            built = build(*store, o);
        } // closing checkpoints the WAL into the file
        how = fmt::format("built in {:.1f} s (records {:.1f} s, bookings {:.1f} s, {} rule "
                          "checks in the fill)",
                          std::chrono::duration<double>(Clock::now() - t0).count(),
                          built.seconds_records, built.seconds_bookings, built.checks);
    }
    // Timed on a copy: successful bookings change the database, and a reused one should not.
    fs::path work = db.string() + ".run";
    remove_db(work);
    auto megabytes = static_cast<double>(fs::file_size(db)) / 1e6;
    fs::copy_file(db, work);
    if (fs::exists(db.string() + "-wal")) {
        fs::copy_file(db.string() + "-wal", work.string() + "-wal");
    }
    std::vector<Timing> timings;
    Bench bench;
    try {
        auto store = open_store("sqlite:" + work.string(), bench_options());
        bench = read_bench(*store, db.string());
        auto requests = make_requests(*store, bench, o.reps, o.seed);
        timings = run(*store, bench, requests);
    } catch (...) {
        remove_db(work);
        throw;
    }
    remove_db(work);
    if (!scratch.empty()) {
        std::error_code ec;
        fs::remove_all(scratch, ec);
    }
    fmt::print("carecall-bench-booking: {} bookings, {} devices, {} residents, "
               "{} sites; now {}\n",
               bench.bookings, k_devices, k_residents, k_sites, format_utc(bench.now));
    fmt::print("database: {} ({}), {:.0f} MB\n", o.db.empty() ? "scratch" : db.string(), how,
               megabytes);
    print_table(timings);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    try {
        return run_main(parse_options(argc, argv));
    } catch (const carecall::Error& e) {
        fmt::print(stderr, "carecall-bench-booking: error: {}\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        fmt::print(stderr, "carecall-bench-booking: error: {}\n", e.what());
        return 1;
    }
}
