// The scheduler: every rota it produces is checked by an independent rota checker written here
// (minute by minute, not with check_call), determinism, small instances solved by hand and tiny
// random ones against the optimum of an exhaustive search written here, generated scenarios across
// clock changes with contacts in Sydney, New York and Kolkata, pinned calls, helpers'
// competences, the time limit and fairness.

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "carecall/exchange.hpp"
#include "carecall/schedule.hpp"
#include "scenario_gen.hpp"

using namespace carecall;

namespace {

std::string read_source(const std::string& rel) {
    std::ifstream in(std::string(CARECALL_SOURCE_DIR) + "/" + rel, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot read " << rel);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

template <class T>
const T& nth(const std::vector<T>& v, std::int64_t id) {
    REQUIRE(id >= 1);
    REQUIRE(static_cast<std::size_t>(id) <= v.size());
    return v[static_cast<std::size_t>(id - 1)];
}

// --- the independent checker --------------------------------------------------------------

struct LocalMinute {
    date::local_days day;
    int weekday = 0; ///< 0 = Monday
    int minute = 0;  ///< after local midnight
};

LocalMinute local_minute(Instant t, const date::time_zone* zone) {
    auto local = zone->to_local(t);
    auto day = date::floor<date::days>(local);
    LocalMinute m;
    m.day = day;
    m.weekday = static_cast<int>(date::weekday{day}.iso_encoding()) - 1;
    m.minute =
        static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(local - day).count());
    return m;
}

bool minute_in(const std::vector<WeeklyWindow>& windows, const date::time_zone* zone, Instant t) {
    auto m = local_minute(t, zone);
    return std::any_of(windows.begin(), windows.end(), [&](const WeeklyWindow& w) {
        return ((w.weekdays >> m.weekday) & 1) != 0 && w.start <= m.minute && m.minute < w.end;
    });
}

template <class Pred>
bool every_minute(Instant s, Instant e, Pred p) {
    for (auto t = s; t < e; t += std::chrono::minutes{1}) {
        if (!p(t)) {
            return false;
        }
    }
    return true;
}

bool overlap(Instant a0, Instant a1, Instant b0, Instant b1) {
    return a0 < b1 && b0 < a1;
}

/// Every broken rule of a rota (H1-H9 of scenario-format.md and the record rules), as text.
std::vector<std::string> check_rota(const Scenario& s, const std::vector<ScheduledCall>& calls) {
    std::vector<std::string> bad;
    auto site_zone = [&](WardId w) {
        return date::locate_zone(nth(s.sites, nth(s.wards, w.value).site.value).tz);
    };
    auto horizon_first = date::local_days{s.horizon.start};
    auto horizon_last = horizon_first + date::days{s.horizon.days - 1};
    std::map<std::pair<std::int64_t, std::int64_t>, int> per_request_day;
    std::map<std::pair<std::int64_t, std::int64_t>, int> per_resident_day;
    std::map<std::int64_t, int> per_request;
    for (std::size_t i = 0; i < calls.size(); ++i) {
        const auto& c = calls[i];
        auto tag = fmt::format("call {} ({})", i, date::format("%FT%R", c.start));
        const auto& q = nth(s.requests, c.request.value);
        const auto& r = nth(s.residents, c.resident.value);
        const auto& ward = nth(s.wards, r.ward.value);
        const auto& dev = nth(s.devices, c.device.value);
        const auto* zone = site_zone(r.ward);
        auto minutes = std::chrono::duration_cast<std::chrono::minutes>(c.end - c.start).count();
        if (q.resident != c.resident || q.contacts != c.contacts) {
            bad.push_back(tag + ": resident/contacts differ from its request");
        }
        if (minutes != q.duration_minutes) { // H9
            bad.push_back(tag + ": wrong duration");
        }
        if (r.max_call_minutes && minutes > *r.max_call_minutes) {
            bad.push_back(tag + ": longer than the resident manages");
        }
        if (r.consent.status == ConsentStatus::refused) {
            bad.push_back(tag + ": consent refused");
        }
        if (std::find(dev.wards.begin(), dev.wards.end(), r.ward) == dev.wards.end()) { // H8
            bad.push_back(tag + ": device does not serve the ward");
        }
        for (const auto& p : dev.out_of_service) {
            if (overlap(p.start, p.end, c.start, c.end)) {
                bad.push_back(tag + ": device out of service");
            }
        }
        auto day = local_minute(c.start, zone).day;
        if (day < horizon_first || day > horizon_last) { // H4: a plan date
            bad.push_back(tag + ": not on a plan date");
        }
        if (!every_minute(c.start, c.end, [&](Instant t) {
                return minute_in(ward.calling_hours, zone, t);
            })) { // H4
            bad.push_back(tag + ": outside calling hours");
        }
        for (const auto& cl : ward.closures) {
            if (date::local_days{cl.first} <= day && day <= date::local_days{cl.last}) {
                bad.push_back(tag + ": ward closed");
            }
        }
        if (!every_minute(c.start, c.end,
                          [&](Instant t) { return !minute_in(r.care_blocks, zone, t); })) { // H5
            bad.push_back(tag + ": overlaps a care block");
        }
        for (const auto& p : r.one_off_blocks) {
            if (overlap(p.start, p.end, c.start, c.end)) {
                bad.push_back(tag + ": overlaps a one-off block");
            }
        }
        for (auto cid : c.contacts) { // H6, in the contact's own zone
            const auto& ct = nth(s.contacts, cid.value);
            const auto* cz = date::locate_zone(ct.tz);
            if (!every_minute(c.start, c.end,
                              [&](Instant t) { return minute_in(ct.availability, cz, t); })) {
                bad.push_back(tag + ": contact " + ct.code + " not available");
            }
            for (const auto& p : ct.absences) {
                if (overlap(p.start, p.end, c.start, c.end)) {
                    bad.push_back(tag + ": contact away");
                }
            }
        }
        if (r.needs_assistance) { // H7
            if (!c.staff) {
                bad.push_back(tag + ": needs a helper and has none");
            } else {
                const auto& st = nth(s.staff, c.staff->value);
                if (std::find(st.wards.begin(), st.wards.end(), r.ward) == st.wards.end()) {
                    bad.push_back(tag + ": helper not of the ward");
                }
                for (const auto& comp : r.competences) {
                    if (std::find(st.competences.begin(), st.competences.end(), comp) ==
                        st.competences.end()) {
                        bad.push_back(tag + ": helper lacks " + comp);
                    }
                }
                if (!every_minute(c.start, c.end, [&](Instant t) {
                        return minute_in(st.weekly_shifts, zone, t) ||
                               std::any_of(
                                   st.shifts.begin(), st.shifts.end(),
                                   [&](const Period& p) { return p.start <= t && t < p.end; });
                    })) {
                    bad.push_back(tag + ": helper not on shift");
                }
            }
        } else if (c.staff) {
            bad.push_back(tag + ": a helper for a resident who needs none");
        }
        // H9 counts, and the resident's calls per day.
        ++per_request[q.id.value];
        auto day_key = day.time_since_epoch().count();
        if (q.max_per_day && ++per_request_day[{q.id.value, day_key}] > *q.max_per_day) {
            bad.push_back(tag + ": more than max_per_day for " + q.code);
        }
        if (r.max_calls_per_day &&
            ++per_resident_day[{r.id.value, day_key}] > *r.max_calls_per_day) {
            bad.push_back(tag + ": more than the resident's calls per day");
        }
    }
    for (const auto& [id, n] : per_request) {
        if (n > nth(s.requests, id).calls) {
            bad.push_back("request " + nth(s.requests, id).code + ": more calls than asked");
        }
    }
    // Pairs: H1 device (cleaning, moving), H2 resident, H3 contact, H7 helper.
    for (std::size_t i = 0; i < calls.size(); ++i) {
        for (std::size_t j = 0; j < calls.size(); ++j) {
            if (i == j) {
                continue;
            }
            const auto& a = calls[i];
            const auto& b = calls[j];
            auto tag = fmt::format("calls {} and {}", i, j);
            if (a.device == b.device && a.start <= b.start) {
                const auto& dev = nth(s.devices, a.device.value);
                bool moves = nth(s.residents, a.resident.value).ward !=
                             nth(s.residents, b.resident.value).ward;
                auto ready = a.end + std::chrono::minutes{dev.cleaning_minutes +
                                                          (moves ? dev.move_minutes : 0)};
                if (b.start < ready) {
                    bad.push_back(tag + ": device not ready (H1)");
                }
            }
            if (i < j && overlap(a.start, a.end, b.start, b.end)) {
                if (a.resident == b.resident) {
                    bad.push_back(tag + ": resident in two calls (H2)");
                }
                for (auto c : a.contacts) {
                    if (std::find(b.contacts.begin(), b.contacts.end(), c) != b.contacts.end()) {
                        bad.push_back(tag + ": contact in two calls (H3)");
                    }
                }
                if (a.staff && a.staff == b.staff) {
                    bad.push_back(tag + ": helper in two calls (H7)");
                }
            }
        }
    }
    return bad;
}

void require_valid(const Scenario& s, const ScheduleResult& r) {
    auto bad = check_rota(s, r.calls);
    std::string text;
    for (std::size_t i = 0; i < bad.size() && i < 10; ++i) {
        text += bad[i] + "\n";
    }
    CHECK_MESSAGE(bad.empty(), text);
    // Every request short of calls says why; the score counts what the rota holds.
    int calls = 0;
    for (const auto& c : r.score.classes) {
        CHECK(c.residents_served <= c.residents_asking);
        CHECK(c.calls <= c.calls_asked);
        calls += c.calls;
    }
    CHECK(calls == static_cast<int>(r.calls.size()));
    for (const auto& u : r.unscheduled) {
        CHECK(u.missing_calls > 0);
        CHECK_FALSE(u.reasons.empty());
    }
    CHECK((r.status == "optimal" || r.status == "feasible" || r.status == "time_limit"));
}

ScheduleResult solve(const Scenario& s, std::uint64_t seed = 1, double limit = 60.0) {
    ScheduleOptions o;
    o.seed = seed;
    o.time_limit_seconds = limit;
    return schedule(s, o);
}

/// Two residents on one ward with one device (cleaning 10 min) and calling hours 10:00-11:00.
/// R2's contact can only talk 10:00-10:20: R2 must have 10:00, R1 then fits at 10:30 (20 min).
const char* const k_tiny = R"({
 "format": "carecall-scenario/1",
 "horizon": {"start_date": "2025-06-02", "days": 1, "slot_minutes": 15},
 "sites": [{"id": "S", "tz": "Europe/London"}],
 "wards": [{"id": "W", "site": "S",
            "calling_hours": [{"weekdays": [0,1,2,3,4,5,6], "start": "10:00", "end": "11:00"}]}],
 "residents": [{"id": "R1", "ward": "W"}, {"id": "R2", "ward": "W"}],
 "contacts": [{"id": "C1", "tz": "Europe/London",
               "availability": [{"weekdays": [0,1,2,3,4,5,6], "start": "10:00", "end": "11:00"}]},
              {"id": "C2", "tz": "Europe/London",
               "availability": [{"weekdays": [0,1,2,3,4,5,6], "start": "10:00", "end": "10:20"}]}],
 "devices": [{"id": "D", "site": "S", "wards": ["W"], "cleaning_minutes": 10, "move_minutes": 0}],
 "requests": [{"id": "Q1", "resident": "R1", "contact": "C1", "calls": 2, "duration_minutes": 20,
               "priority": 1},
              {"id": "Q2", "resident": "R2", "contact": "C2", "calls": 1, "duration_minutes": 20,
               "priority": 1}]
})";

Instant utc(int h, int m) {
    return date::sys_days{date::year{2025} / 6 / 2} + std::chrono::hours{h} +
           std::chrono::minutes{m};
}

// --- the exhaustive optimum of tiny instances ------------------------------------------------

/// The score as numbers, compared lexicographically: per class (highest first) residents served
/// and calls, then calls in preferred windows.
std::vector<int> key_of(const ScheduleScore& sc) {
    std::vector<int> k;
    for (const auto& c : sc.classes) {
        k.push_back(c.residents_served);
        k.push_back(c.calls);
    }
    k.push_back(sc.preferred_calls);
    return k;
}

/// The best score of any rota, by trying every set of calls the independent checker accepts.
std::vector<int> exhaustive_optimum(const Scenario& s) {
    // Every single call that keeps the rules on its own.
    std::vector<ScheduledCall> options;
    std::vector<std::size_t> option_req;
    auto first = date::local_days{s.horizon.start};
    for (std::size_t qi = 0; qi < s.requests.size(); ++qi) {
        const auto& q = s.requests[qi];
        const auto& r = nth(s.residents, q.resident.value);
        const auto* zone =
            date::locate_zone(nth(s.sites, nth(s.wards, r.ward.value).site.value).tz);
        std::vector<std::optional<StaffId>> helpers{std::nullopt};
        if (r.needs_assistance) {
            helpers.clear();
            for (const auto& st : s.staff) {
                helpers.emplace_back(st.id);
            }
        }
        for (int d = 0; d < s.horizon.days; ++d) {
            for (int m = 0; m < 1440; m += s.horizon.slot_minutes) {
                auto local = first + date::days{d} + std::chrono::minutes{m};
                if (zone->get_info(local).result != date::local_info::unique) {
                    continue;
                }
                for (const auto& dev : s.devices) {
                    for (const auto& h : helpers) {
                        ScheduledCall c;
                        c.request = q.id;
                        c.resident = q.resident;
                        c.contacts = q.contacts;
                        c.device = dev.id;
                        c.staff = h;
                        c.start = Instant{zone->to_sys(local)};
                        c.end = c.start + std::chrono::minutes{q.duration_minutes};
                        c.priority = q.priority;
                        if (check_rota(s, {c}).empty()) {
                            options.push_back(c);
                            option_req.push_back(qi);
                        }
                    }
                }
            }
        }
    }
    const std::size_t n = options.size();
    std::vector<std::vector<bool>> fits(n, std::vector<bool>(n, false));
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = i + 1; j < n; ++j) {
            fits[i][j] = fits[j][i] = check_rota(s, {options[i], options[j]}).empty();
        }
    }
    std::vector<int> best = key_of(score_calls(s, {}));
    std::vector<std::size_t> chosen;
    long visited = 0;
    // Sets of pairwise compatible calls, in increasing option order; the whole set is checked
    // again (counts per request and per day).
    auto dfs = [&](auto&& self, std::size_t from) -> void {
        ++visited;
        REQUIRE(visited < 5000000);
        std::vector<ScheduledCall> calls;
        for (auto i : chosen) {
            calls.push_back(options[i]);
        }
        if (!check_rota(s, calls).empty()) {
            return;
        }
        best = std::max(best, key_of(score_calls(s, calls)));
        for (std::size_t i = from; i < n; ++i) {
            if (std::all_of(chosen.begin(), chosen.end(),
                            [&](std::size_t k) { return fits[k][i]; })) {
                chosen.push_back(i);
                self(self, i + 1);
                chosen.pop_back();
            }
        }
    };
    dfs(dfs, 0);
    return best;
}

/// A tiny random instance: a morning of one day, two or three devices' worth of contention.
Scenario tiny_instance(std::uint64_t seed) {
    std::mt19937_64 g(seed);
    auto roll = [&](int lo, int hi) {
        return lo + static_cast<int>(g() % static_cast<std::uint64_t>(hi - lo + 1));
    };
    Scenario s;
    s.horizon.start = date::year{2025} / 6 / 2;
    s.horizon.days = 1;
    s.horizon.slot_minutes = 15;
    s.sites.push_back(Site{SiteId(1), "S", "", SiteKind::care_home, "Europe/London"});
    const int wards = roll(1, 2);
    for (int w = 1; w <= wards; ++w) {
        Ward ward;
        ward.id = WardId(w);
        ward.code = fmt::format("W{}", w);
        ward.site = SiteId(1);
        ward.calling_hours.push_back(WeeklyWindow{0x7F, 600, 690 + 15 * roll(0, 2), {}});
        s.wards.push_back(ward);
    }
    const int devices = roll(1, 2);
    for (int d = 1; d <= devices; ++d) {
        Device dev;
        dev.id = DeviceId(d);
        dev.code = fmt::format("D{}", d);
        dev.site = SiteId(1);
        for (int w = 1; w <= wards; ++w) {
            dev.wards.push_back(WardId(w));
        }
        dev.cleaning_minutes = 5 * roll(0, 3);
        dev.move_minutes = 5 * roll(1, 2);
        s.devices.push_back(dev);
    }
    Staff st;
    st.id = StaffId(1);
    st.code = "E1";
    for (int w = 1; w <= wards; ++w) {
        st.wards.push_back(WardId(w));
    }
    st.competences.push_back("bsl");
    st.weekly_shifts.push_back(WeeklyWindow{0x7F, 600, 660, {}});
    s.staff.push_back(st);
    const int residents = roll(2, 4);
    for (int i = 1; i <= residents; ++i) {
        Resident r;
        r.id = ResidentId(i);
        r.code = fmt::format("R{}", i);
        r.consent.status = ConsentStatus::given;
        r.ward = WardId(roll(1, wards));
        r.needs_assistance = roll(0, 3) == 0;
        if (roll(0, 2) == 0) {
            r.care_blocks.push_back(WeeklyWindow{0x7F, 630, 660, "medication"});
        }
        if (roll(0, 3) == 0) {
            r.max_calls_per_day = 1;
        }
        s.residents.push_back(r);
        Contact c;
        c.id = ContactId(i);
        c.code = fmt::format("C{}", i);
        // London mornings; New York at 05:00-07:00 is 10:00-12:00 in London in June.
        if (roll(0, 2) == 0) {
            c.tz = "America/New_York";
            c.availability.push_back(WeeklyWindow{0x7F, 300 + 15 * roll(0, 2), 420, {}});
        } else {
            c.tz = "Europe/London";
            c.availability.push_back(WeeklyWindow{0x7F, 600 + 15 * roll(0, 3), 720, {}});
        }
        s.contacts.push_back(c);
        CallRequest q;
        q.id = RequestId(i);
        q.code = fmt::format("Q{}", i);
        q.resident = r.id;
        q.contacts = {c.id};
        q.calls = roll(1, 2);
        q.duration_minutes = 15 * roll(1, 2) + (roll(0, 1) == 0 ? 5 : 0);
        q.priority = roll(0, 4) == 0 ? priority::clinical : priority::routine;
        if (roll(0, 1) == 0) {
            q.preferred.push_back(WeeklyWindow{0x7F, 630, 690, {}});
        }
        s.requests.push_back(q);
    }
    return s;
}

ScheduleResult solve_opts(const Scenario& s, std::uint64_t seed, long iterations, int threads = 0) {
    ScheduleOptions o;
    o.seed = seed;
    o.time_limit_seconds = 60;
    o.iterations = iterations;
    o.threads = threads;
    return schedule(s, o);
}

/// A generated scenario written to the exchange format and read back (as `carecall solve` would).
Scenario generated(bench::GenParams p) {
    return parse_scenario(write_scenario(bench::generate(p)));
}

} // namespace

TEST_SUITE("schedule") {

    TEST_CASE("the rota of the ward-day scenario keeps every rule and is deterministic") {
        auto s = parse_scenario(read_source("tests/data/scenario-ward-day.json"));
        auto a = solve(s, 11);
        require_valid(s, a);
        CHECK(a.calls.size() > 10);
        auto b = solve(s, 11);
        CHECK(a.calls == b.calls);
        CHECK(a.unscheduled == b.unscheduled);
        CHECK(a.score == b.score);
        MESSAGE("ward-day: " << a.calls.size() << " calls, " << a.unscheduled.size()
                             << " unscheduled, " << a.seconds << " s");
    }

    TEST_CASE("the rota of the home-week scenario keeps every rule") {
        auto s = parse_scenario(read_source("tests/data/scenario-home-week.json"));
        auto r = solve_opts(s, 7, 300);
        require_valid(s, r);
        CHECK(r.calls.size() > 50);
        MESSAGE("home-week: " << r.calls.size() << " calls, " << r.unscheduled.size()
                              << " unscheduled, " << r.seconds << " s");
    }

    TEST_CASE("the rota of the sunnyside example keeps every rule") {
        auto s = parse_scenario(read_source("examples/sunnyside.json"));
        auto r = solve(s, 3);
        require_valid(s, r);
        CHECK(r.calls.size() > 20);
        // The resident who refused video calls gets none.
        for (const auto& c : r.calls) {
            CHECK(nth(s.residents, c.resident.value).consent.status != ConsentStatus::refused);
        }
        MESSAGE("sunnyside: " << r.calls.size() << " calls, " << r.unscheduled.size()
                              << " unscheduled, " << r.seconds << " s");
    }

    TEST_CASE("a tiny instance: both residents are served, R2 at its only start") {
        auto s = parse_scenario(k_tiny);
        for (std::uint64_t seed : {0U, 1U, 2U, 99U}) {
            auto r = solve(s, seed);
            require_valid(s, r);
            REQUIRE(r.calls.size() == 2);
            REQUIRE(r.score.classes.size() == 1);
            CHECK(r.score.classes[0].residents_served == 2);
            CHECK(r.score.classes[0].calls == 2);
            CHECK(r.calls[0].resident == ResidentId(2));
            CHECK(r.calls[0].start == utc(9, 0)); // 10:00 BST
            CHECK(r.calls[1].resident == ResidentId(1));
            CHECK(r.calls[1].start == utc(9, 30));
            // R1's second call does not fit: the device is busy or being cleaned.
            REQUIRE(r.unscheduled.size() == 1);
            CHECK(r.unscheduled[0].request == RequestId(1));
            CHECK(r.unscheduled[0].missing_calls == 1);
            CHECK(r.unscheduled[0].reasons.front().starts_with("device."));
            CHECK(r.status == "feasible");
        }
    }

    TEST_CASE("solve: consent as the file says; unsaid reads as given, none and refused do not") {
        // k_tiny says nothing of consent: both residents are planned (the format's default).
        auto unsaid = parse_scenario(k_tiny);
        CHECK(unsaid.consent_unsaid == std::vector<ResidentId>{ResidentId(1), ResidentId(2)});
        CHECK(solve(unsaid).calls.size() == 2);
        for (const char* status : {"none", "refused"}) {
            CAPTURE(status);
            auto doc = nlohmann::json::parse(k_tiny);
            doc["residents"][1]["consent"] = status;
            auto s = parse_scenario(doc.dump());
            CHECK(s.consent_unsaid == std::vector<ResidentId>{ResidentId(1)});
            auto r = solve(s);
            require_valid(s, r);
            for (const auto& c : r.calls) {
                CHECK(c.resident == ResidentId(1));
            }
            auto q2 = std::find_if(r.unscheduled.begin(), r.unscheduled.end(),
                                   [](const auto& u) { return u.request == RequestId(2); });
            REQUIRE(q2 != r.unscheduled.end());
            REQUIRE_FALSE(q2->reasons.empty());
            CHECK(q2->reasons.front().starts_with("resident.consent: "));
        }
    }

    TEST_CASE("solve: an approvals list is the whole truth; without one, requests' pairs count") {
        auto doc = nlohmann::json::parse(k_tiny);
        CHECK(solve(parse_scenario(doc.dump())).calls.size() == 2);
        // The list approves R1-C1 only: R2's request has no approved contact.
        doc["approvals"] = nlohmann::json::parse(R"([{"resident": "R1", "contact": "C1"},
            {"resident": "R2", "contact": "C2", "approved": false}])");
        auto s = parse_scenario(doc.dump());
        CHECK(s.approvals_complete);
        auto r = solve(s);
        require_valid(s, r);
        for (const auto& c : r.calls) {
            CHECK(c.resident == ResidentId(1));
        }
        auto q2 = std::find_if(r.unscheduled.begin(), r.unscheduled.end(),
                               [](const auto& u) { return u.request == RequestId(2); });
        REQUIRE(q2 != r.unscheduled.end());
        REQUIRE_FALSE(q2->reasons.empty());
        CHECK(q2->reasons.front().starts_with("contact.approval: "));
        // An empty list approves nobody.
        doc["approvals"] = nlohmann::json::array();
        auto none = solve(parse_scenario(doc.dump()));
        CHECK(none.calls.empty());
        CHECK(none.unscheduled.size() == 2);
    }

    TEST_CASE("a pinned call stays and blocks the device") {
        auto s = parse_scenario(k_tiny);
        ScheduleOptions o;
        o.time_limit_seconds = 60;
        Booking pin;
        pin.resident = ResidentId(1);
        pin.contacts = {ContactId(1)};
        pin.device = DeviceId(1);
        pin.start = utc(9, 0);
        pin.end = utc(9, 20);
        pin.request = RequestId(1);
        o.pinned.push_back(pin);
        auto r = schedule(s, o);
        require_valid(s, r);
        REQUIRE_FALSE(r.calls.empty());
        CHECK(r.calls[0].pinned);
        CHECK(r.calls[0].start == utc(9, 0));
        // R2's only start is taken by the pinned call: R2 is unscheduled; R1 gets its second call.
        CHECK(r.score.classes[0].residents_served == 1);
        CHECK(r.score.classes[0].calls == 2);
        REQUIRE(r.unscheduled.size() == 1);
        CHECK(r.unscheduled[0].request == RequestId(2));
    }

    TEST_CASE("the checker catches broken rotas") {
        auto s = parse_scenario(k_tiny);
        auto r = solve(s);
        REQUIRE(r.calls.size() == 2);
        auto broken = r.calls;
        broken[1].start = utc(9, 25); // device still being cleaned
        broken[1].end = utc(9, 45);
        CHECK_FALSE(check_rota(s, broken).empty());
        broken = r.calls;
        broken[0].start = utc(9, 15); // C2 is only available until 10:20
        broken[0].end = utc(9, 35);
        CHECK_FALSE(check_rota(s, broken).empty());
    }

    TEST_CASE("a zero time limit stops at once with a valid rota") {
        auto s = parse_scenario(read_source("tests/data/scenario-ward-day.json"));
        auto r = solve(s, 1, 0.0);
        CHECK(r.status == "time_limit");
        require_valid(s, r);
    }

    TEST_CASE("tiny random instances: the solver's score is the exhaustive optimum") {
        int nontrivial = 0;
        for (std::uint64_t seed = 1; seed <= 10; ++seed) {
            CAPTURE(seed);
            auto s = tiny_instance(seed);
            auto r = solve_opts(s, seed, -1, 1);
            require_valid(s, r);
            auto best = exhaustive_optimum(s);
            CHECK_MESSAGE(key_of(r.score) == best,
                          fmt::format("solver {} optimum {}\n{}", fmt::join(key_of(r.score), " "),
                                      fmt::join(best, " "), write_scenario(s)));
            if (!r.unscheduled.empty()) {
                ++nontrivial;
            }
        }
        CHECK(nontrivial >= 4); // most instances cannot meet every request: the search matters
    }

    TEST_CASE("generated scenarios across clock changes keep every rule") {
        // 24-30 March 2025: London changes on the 30th (New York already has, on the 9th);
        // 1-7 April: Sydney's clocks go back on the 6th.
        for (auto start : {Date{date::year{2025} / 3 / 24}, Date{date::year{2025} / 4 / 1}}) {
            for (std::uint64_t seed : {3U}) {
                auto p = bench::preset("home-week", seed);
                p.start = start;
                p.sites = 2;
                p.residents = 50;
                p.devices = 4;
                auto s = generated(p);
                std::set<std::string> zones;
                for (const auto& c : s.contacts) {
                    zones.insert(c.tz);
                }
                CHECK(zones.count("Australia/Sydney") == 1);
                CHECK(zones.count("America/New_York") == 1);
                auto r = solve_opts(s, seed, 100);
                require_valid(s, r);
                CHECK(r.rejected_by_check == 0);
                CHECK(r.parts == 2);
                CHECK(r.calls.size() > 80);
                // Somebody who needs a helper with a competence got a call, with such a helper.
                bool competent = false;
                for (const auto& c : r.calls) {
                    const auto& res = nth(s.residents, c.resident.value);
                    competent = competent || (!res.competences.empty() && c.staff.has_value());
                }
                CHECK(competent);
            }
        }
    }

    TEST_CASE("the improvement never makes the greedy rota worse and keeps every rule") {
        for (std::uint64_t seed : {1U, 2U, 3U}) {
            auto s = generated(bench::preset("ward-day", seed));
            auto greedy = solve_opts(s, seed, 0);
            auto improved = solve_opts(s, seed, 400);
            require_valid(s, greedy);
            require_valid(s, improved);
            CHECK(key_of(improved.score) >= key_of(greedy.score));
            CHECK(greedy.rejected_by_check == 0);
            CHECK(improved.rejected_by_check == 0);
        }
    }

    TEST_CASE("the same seed gives the same rota, on one thread or two") {
        auto p = bench::preset("home-week", 9);
        p.sites = 3;
        p.residents = 45;
        p.devices = 5;
        p.days = 3;
        auto s = generated(p);
        auto a = solve_opts(s, 5, 200, 1);
        auto b = solve_opts(s, 5, 200, 2);
        require_valid(s, a);
        CHECK(a.parts == 3);
        CHECK(a.calls == b.calls);
        CHECK(a.unscheduled == b.unscheduled);
        CHECK(a.price_of_fairness == b.price_of_fairness);
    }

    TEST_CASE("a zero time limit still gives the whole greedy rota") {
        auto s = generated(bench::preset("home-week", 2));
        ScheduleOptions o;
        o.seed = 2;
        o.time_limit_seconds = 0.0;
        auto cut = schedule(s, o);
        auto greedy = solve_opts(s, 2, 0);
        require_valid(s, cut);
        CHECK(cut.status == "time_limit");
        CHECK(cut.calls == greedy.calls);
        CHECK(cut.calls.size() > 50);
        int cut_reasons = 0;
        for (const auto& u : cut.unscheduled) {
            cut_reasons += u.reasons.front().starts_with("search.time_limit") ? 1 : 0;
        }
        CHECK(cut_reasons > 0);
    }

    TEST_CASE("pinned calls of a generated week stay and the rest is planned around them") {
        auto s = generated(bench::preset("home-week", 6));
        auto first = solve_opts(s, 6, 100);
        REQUIRE(first.calls.size() > 20);
        ScheduleOptions o;
        o.seed = 7;
        o.iterations = 100;
        for (std::size_t i = 0; i < first.calls.size(); i += 4) {
            const auto& c = first.calls[i];
            Booking b;
            b.resident = c.resident;
            b.contacts = c.contacts;
            b.device = c.device;
            b.staff = c.staff;
            b.start = c.start;
            b.end = c.end;
            b.request = c.request;
            o.pinned.push_back(b);
        }
        auto r = schedule(s, o);
        require_valid(s, r);
        CHECK(r.rejected_by_check == 0);
        std::size_t kept = 0;
        for (const auto& b : o.pinned) {
            kept += static_cast<std::size_t>(
                std::count_if(r.calls.begin(), r.calls.end(), [&](const ScheduledCall& c) {
                    return c.pinned && c.start == b.start && c.device == b.device &&
                           c.resident == b.resident;
                }));
        }
        CHECK(kept == o.pinned.size());
    }

    TEST_CASE("fairness: nobody is left out so that another resident gets more calls") {
        // One device, 10:00-11:30. R1 asks for three 30-minute calls, R2 for one of 45 minutes.
        // Volume alone gives R1 three calls; fairness serves both (two calls) and says so.
        auto s = parse_scenario(R"({
 "format": "carecall-scenario/1",
 "horizon": {"start_date": "2025-06-02", "days": 1, "slot_minutes": 15},
 "sites": [{"id": "S", "tz": "Europe/London"}],
 "wards": [{"id": "W", "site": "S",
            "calling_hours": [{"weekdays": [0,1,2,3,4,5,6], "start": "10:00", "end": "11:30"}]}],
 "residents": [{"id": "R1", "ward": "W"}, {"id": "R2", "ward": "W"}],
 "contacts": [{"id": "C1", "tz": "Europe/London",
               "availability": [{"weekdays": [0,1,2,3,4,5,6], "start": "09:00", "end": "12:00"}]},
              {"id": "C2", "tz": "Europe/London",
               "availability": [{"weekdays": [0,1,2,3,4,5,6], "start": "09:00", "end": "12:00"}]}],
 "devices": [{"id": "D", "site": "S", "wards": ["W"], "cleaning_minutes": 0, "move_minutes": 0}],
 "requests": [{"id": "Q1", "resident": "R1", "contact": "C1", "calls": 3, "duration_minutes": 30,
               "priority": 1},
              {"id": "Q2", "resident": "R2", "contact": "C2", "calls": 1, "duration_minutes": 45,
               "priority": 1}]
})");
        auto r = solve(s, 3);
        require_valid(s, r);
        CHECK(r.score.classes[0].residents_served == 2);
        CHECK(r.score.classes[0].calls == 2);
        CHECK(r.price_of_fairness.computed);
        CHECK(r.price_of_fairness.calls == 2);
        CHECK(r.price_of_fairness.residents_served == 2);
        CHECK(r.price_of_fairness.volume_calls == 3);
        CHECK(r.price_of_fairness.volume_residents_served == 1);
    }

    TEST_CASE("longest-waiting first: the resident whose last call is older gets the only slot") {
        auto s = parse_scenario(k_tiny);
        s.requests[0].calls = 1;
        s.contacts[1].availability = s.contacts[0].availability;
        s.wards[0].calling_hours[0].end = 10 * 60 + 30; // room for one 20-minute call only
        for (int older : {1, 2}) {
            ScheduleOptions o;
            o.seed = 4;
            o.last_call[ResidentId(older)] = utc(9, 0) - date::days{20};
            o.last_call[ResidentId(3 - older)] = utc(9, 0) - date::days{2};
            auto r = schedule(s, o);
            require_valid(s, r);
            REQUIRE(r.calls.size() == 1);
            CHECK(r.calls[0].resident == ResidentId(older));
        }
    }

    TEST_CASE("reasons name the rule and the days") {
        auto p = bench::preset("group-week", 1);
        p.sites = 1;
        p.residents = 70;
        p.devices = 2;
        auto s = generated(p);
        auto r = solve_opts(s, 1, 50);
        REQUIRE_FALSE(r.unscheduled.empty());
        bool device_days = false;
        for (const auto& u : r.unscheduled) {
            for (const auto& reason : u.reasons) {
                device_days = device_days || (reason.starts_with("device.busy: ") &&
                                              (reason.find("every day") != std::string::npos ||
                                               reason.find(" 2025-03-") != std::string::npos));
            }
        }
        CHECK(device_days);
    }

    TEST_CASE("the exact mode proves the exhaustive optimum (builds with CBC only)") {
        for (std::uint64_t seed : {5U, 8U}) {
            auto s = tiny_instance(seed);
            ScheduleOptions o;
            o.seed = seed;
            o.exact = true;
            o.time_limit_seconds = 60;
            ScheduleResult r;
            try {
                r = schedule(s, o);
            } catch (const std::runtime_error& e) {
                CHECK(std::string(e.what()).find("CARECALL_WITH_CBC") != std::string::npos);
                MESSAGE("exact mode not built: " << e.what());
                return;
            }
            require_valid(s, r);
            CHECK(r.status == "optimal");
            REQUIRE(r.bound.has_value());
            CHECK(*r.bound == r.score);
            CHECK(key_of(r.score) == exhaustive_optimum(s));
        }
    }

} // TEST_SUITE
