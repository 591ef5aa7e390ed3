// The seeded scenario generator (see scenario_gen.hpp). Only std::mt19937_64 draws, taken in a
// fixed order, so a seed gives the same scenario on every machine.
#include "scenario_gen.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

namespace carecall::bench {
namespace {

class Rng {
public:
    explicit Rng(std::uint64_t seed) : m_g(seed) {}
    int uniform(int lo, int hi) { // [lo, hi]
        return lo + static_cast<int>(m_g() % static_cast<std::uint64_t>(hi - lo + 1));
    }
    bool chance(double p) { return static_cast<double>(m_g() % 1000000) < p * 1e6; }
    template <class T>
    const T& pick(const std::vector<T>& v) {
        return v[static_cast<std::size_t>(uniform(0, static_cast<int>(v.size()) - 1))];
    }

private:
    std::mt19937_64 m_g;
};

WeeklyWindow window(std::uint8_t days, int start, int end, std::string label = {}) {
    return WeeklyWindow{days, start, end, std::move(label)};
}

constexpr std::uint8_t k_daily = 0x7F;
constexpr std::uint8_t k_weekdays = 0x1F;
constexpr std::uint8_t k_weekend = 0x60;

int hm(int h, int m = 0) {
    return h * 60 + m;
}

/// A contact's availability in their own zone: times that meet a London afternoon or evening.
std::vector<WeeklyWindow> availability(Rng& g, const std::string& tz) {
    std::vector<WeeklyWindow> out;
    if (tz == "America/New_York") { // 13:00-20:00 London is 08:00/09:00-15:00/16:00 there
        out.push_back(window(k_weekdays, hm(g.uniform(7, 9)), hm(g.uniform(11, 15))));
        out.push_back(window(k_weekend, hm(8), hm(14)));
    } else if (tz == "Australia/Sydney") { // their evening is a London morning
        out.push_back(window(k_daily, hm(g.uniform(17, 19)), hm(g.uniform(21, 23))));
    } else if (tz == "Asia/Kolkata") { // their afternoon and evening is a London day
        out.push_back(window(k_daily, hm(g.uniform(13, 15), 30), hm(g.uniform(20, 22))));
    } else if (g.chance(0.5)) { // working: evenings and weekends
        out.push_back(
            window(k_weekdays, hm(g.uniform(16, 18), 30 * g.uniform(0, 1)), hm(g.uniform(20, 21))));
        out.push_back(window(k_weekend, hm(g.uniform(9, 11)), hm(g.uniform(16, 19))));
    } else { // retired: mornings and afternoons
        out.push_back(window(k_daily, hm(g.uniform(9, 10)), hm(12)));
        out.push_back(window(k_daily, hm(g.uniform(14, 15)), hm(g.uniform(17, 18))));
    }
    return out;
}

} // namespace

Scenario generate(const GenParams& p) {
    if (p.sites < 1 || p.wards_per_site < 1 || p.residents < 1 || p.devices < p.sites ||
        p.days < 1) {
        throw std::invalid_argument("generate: bad parameters");
    }
    Rng g(p.seed);
    Scenario s;
    s.seed = static_cast<std::int64_t>(p.seed);
    s.horizon.start = p.start;
    s.horizon.days = p.days;
    s.horizon.slot_minutes = p.slot_minutes;
    const std::vector<std::string> competences{"bsl", "dementia", "punjabi"};
    for (int i = 1; i <= p.sites; ++i) {
        Site site;
        site.id = SiteId(i);
        site.code = fmt::format("S{}", i);
        site.name = fmt::format("Home {}", i);
        site.tz = "Europe/London";
        s.sites.push_back(site);
        for (int w = 1; w <= p.wards_per_site; ++w) {
            Ward ward;
            ward.id = WardId(static_cast<std::int64_t>(s.wards.size()) + 1);
            ward.code = fmt::format("S{}W{}", i, w);
            ward.name = ward.code; // a name is required
            ward.site = site.id;
            int open = g.chance(0.7) ? hm(9) : hm(10);
            int close = g.chance(0.6) ? hm(20) : hm(19);
            ward.calling_hours.push_back(window(k_daily, open, close));
            s.wards.push_back(ward);
            // Two or three helpers a ward: one on weekly shifts, the others on one-off shifts.
            int helpers = g.uniform(2, 3);
            for (int h = 1; h <= helpers; ++h) {
                Staff st;
                st.id = StaffId(static_cast<std::int64_t>(s.staff.size()) + 1);
                st.code = fmt::format("{}E{}", ward.code, h);
                st.name = st.code; // a name is required
                st.wards.push_back(ward.id);
                for (const auto& c : competences) {
                    if (g.chance(0.45)) {
                        st.competences.push_back(c);
                    }
                }
                const auto* zone = date::locate_zone(site.tz);
                bool late = h % 2 == 0;
                if (h == 1) {
                    st.weekly_shifts.push_back(window(k_weekdays, hm(8), hm(16)));
                } else {
                    for (int d = 0; d < p.days; ++d) {
                        if (g.chance(0.25)) {
                            continue; // a day off
                        }
                        auto day = date::local_days{p.start} + date::days{d};
                        auto from = day + std::chrono::minutes{late ? hm(12) : hm(7)};
                        auto to = day + std::chrono::minutes{late ? hm(20) : hm(15)};
                        st.shifts.push_back(
                            Period{Instant{zone->to_sys(from, date::choose::earliest)},
                                   Instant{zone->to_sys(to, date::choose::latest)},
                                   {}});
                    }
                }
                s.staff.push_back(st);
            }
        }
    }
    // Devices: at least one a site, the rest spread; each serves its home ward and the next.
    for (int i = 0; i < p.devices; ++i) {
        int site = i < p.sites ? i : g.uniform(0, p.sites - 1);
        Device d;
        d.id = DeviceId(i + 1);
        d.code = fmt::format("D{}", i + 1);
        d.name = d.code; // a name is required
        d.site = SiteId(site + 1);
        d.kind = g.chance(0.5) ? "portal" : "tablet";
        int home = g.uniform(0, p.wards_per_site - 1);
        d.wards.push_back(WardId(site * p.wards_per_site + home + 1));
        if (p.wards_per_site > 1) {
            d.wards.push_back(WardId(site * p.wards_per_site + (home + 1) % p.wards_per_site + 1));
        }
        d.cleaning_minutes = g.uniform(2, 4) * 5;
        d.move_minutes = g.uniform(1, 2) * 5;
        s.devices.push_back(d);
    }
    const std::vector<std::string> zones{"Europe/London", "America/New_York", "Australia/Sydney",
                                         "Asia/Kolkata"};
    const double scale = p.days >= 7 ? 1.0 : static_cast<double>(p.days) / 7.0;
    for (int i = 0; i < p.residents; ++i) {
        int site = i % p.sites;
        Resident r;
        r.id = ResidentId(i + 1);
        r.code = fmt::format("R{}", i + 1);
        r.name = r.code; // a name is required
        r.ward = WardId(site * p.wards_per_site + g.uniform(0, p.wards_per_site - 1) + 1);
        r.consent.status = ConsentStatus::given; // said, so a written scenario says it too
        r.needs_assistance = g.chance(0.3);
        if (r.needs_assistance && g.chance(0.3)) {
            r.competences.push_back(g.pick(competences));
        }
        if (g.chance(0.1)) {
            r.max_call_minutes = 20;
        }
        if (g.chance(0.2)) {
            r.max_calls_per_day = 1;
        }
        int lunch = hm(12) + 30 * g.uniform(0, 1);
        r.care_blocks.push_back(window(k_daily, lunch, lunch + 60, "lunch"));
        int dinner = hm(17) + 30 * g.uniform(0, 1);
        r.care_blocks.push_back(window(k_daily, dinner, dinner + 60, "dinner"));
        if (g.chance(0.5)) {
            r.care_blocks.push_back(window(k_daily, hm(10), hm(10, 30), "medication"));
        }
        if (g.chance(0.3)) {
            r.care_blocks.push_back(window(k_daily, hm(14), hm(15), "rest"));
        }
        s.residents.push_back(r);
        int contacts = g.chance(0.4) ? 2 : 1;
        for (int k = 0; k < contacts; ++k) {
            Contact c;
            c.id = ContactId(static_cast<std::int64_t>(s.contacts.size()) + 1);
            c.code = fmt::format("C{}", c.id.value);
            c.name = c.code; // a name is required
            int z = g.uniform(0, 9);
            c.tz = z < 7 ? zones[0] : zones[static_cast<std::size_t>(z - 6)];
            c.availability = availability(g, c.tz);
            s.contacts.push_back(c);
            CallRequest q;
            q.id = RequestId(static_cast<std::int64_t>(s.requests.size()) + 1);
            q.code = fmt::format("Q{}", q.id.value);
            q.resident = r.id;
            q.contacts.push_back(c.id);
            double want = p.calls_per_resident / contacts * scale;
            q.calls =
                std::max(1, static_cast<int>(std::lround(want + (g.chance(0.5) ? 0.4 : -0.4))));
            q.duration_minutes = g.pick(std::vector<int>{15, 20, 30, 30, 45});
            if (r.max_call_minutes && g.chance(0.7)) {
                q.duration_minutes = std::min(q.duration_minutes, *r.max_call_minutes);
            }
            int roll = g.uniform(0, 99);
            q.priority = roll < 4 ? priority::end_of_life
                                  : (roll < 12 ? priority::clinical : priority::routine);
            if (g.chance(0.8)) {
                q.max_per_day = 1;
            }
            if (g.chance(0.4)) {
                int from = g.pick(std::vector<int>{hm(10), hm(11), hm(14), hm(15), hm(18)});
                q.preferred.push_back(window(k_daily, from, from + 120));
            }
            if (g.chance(0.05)) {
                q.fixed = FixedTime{g.uniform(0, std::min(6, p.days - 1)), hm(g.uniform(10, 16))};
            }
            s.requests.push_back(q);
        }
    }
    return s;
}

GenParams preset(const std::string& name, std::uint64_t seed) {
    GenParams p;
    p.seed = seed;
    if (name == "ward-day") {
        p.sites = 1;
        p.residents = 20;
        p.devices = 3;
        p.days = 1;
        p.calls_per_resident = 12.0; // one or two calls each on the day
    } else if (name == "home-week") {
        p.sites = 1;
        p.residents = 40;
        p.devices = 3;
        p.days = 7;
        p.calls_per_resident = 3.0;
    } else if (name == "group-week") {
        p.sites = 5;
        p.residents = 500;
        p.devices = 15;
        p.days = 7;
        p.calls_per_resident = 3.0;
    } else if (name == "national-week") {
        p.sites = 1400;
        p.residents = 35000;
        p.devices = 2050;
        p.days = 7;
        p.calls_per_resident = 2.0;
    } else {
        throw std::invalid_argument("unknown size " + name);
    }
    return p;
}

} // namespace carecall::bench
