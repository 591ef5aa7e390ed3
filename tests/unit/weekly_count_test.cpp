// A request's weekly count (rule request.per_week): the pure scheduler never gives a request more
// calls in any 7 dates in a row than it asks a week, counting its calls before and after the
// horizon; plan_from_store keeps it however often and with whatever horizon it runs, links the
// calls a coordinator books by hand, and plans only what is still missing.

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "carecall/booking.hpp"
#include "carecall/exchange.hpp"
#include "carecall/planning.hpp"
#include "carecall/schedule.hpp"
#include "carecall/store.hpp"

using namespace carecall;

namespace {

constexpr auto k_monday = date::year{2026} / 11 / 30; // GMT in London

Instant london(Date d, int hour, int minute = 0) {
    return Instant{date::sys_days{d} + std::chrono::hours{hour} + std::chrono::minutes{minute}};
}

Date plus(Date d, int days) {
    return Date{date::sys_days{d} + date::days{days}};
}

/// One resident and one contact free every day 10:00-12:00, one device; one request for `calls`
/// calls of 30 minutes a week, at most one a day.
Scenario week_scenario(int days, int calls) {
    Scenario s;
    s.horizon.start = k_monday;
    s.horizon.days = days;
    s.horizon.slot_minutes = 15;
    s.sites.push_back(Site{SiteId(1), "S", "Home", SiteKind::care_home, "Europe/London"});
    Ward w;
    w.id = WardId(1);
    w.code = "W-1";
    w.name = "Name of " + std::string(w.code);
    w.site = SiteId(1);
    w.calling_hours.push_back(WeeklyWindow{0x7F, 540, 1200, {}});
    s.wards.push_back(w);
    Resident r;
    r.id = ResidentId(1);
    r.code = "R-1";
    r.name = "Name of " + std::string(r.code);
    r.ward = WardId(1);
    r.consent.status = ConsentStatus::given;
    s.residents.push_back(r);
    Contact c;
    c.id = ContactId(1);
    c.code = "C-1";
    c.name = "Name of " + std::string(c.code);
    c.tz = "Europe/London";
    c.availability.push_back(WeeklyWindow{0x7F, 600, 720, {}});
    s.contacts.push_back(c);
    Device d;
    d.id = DeviceId(1);
    d.code = "D-1";
    d.name = "Name of " + std::string(d.code);
    d.site = SiteId(1);
    d.wards = {WardId(1)};
    d.cleaning_minutes = 10;
    s.devices.push_back(d);
    CallRequest q;
    q.id = RequestId(1);
    q.code = "Q-1";
    q.resident = ResidentId(1);
    q.contacts = {ContactId(1)};
    q.calls = calls;
    q.max_per_day = 1;
    q.duration_minutes = 30;
    s.requests.push_back(q);
    s.approvals.push_back(Approval{ResidentId(1), ContactId(1), true, false, {}});
    return s;
}

/// Plan dates (from k_monday) of the calls.
std::vector<int> dates_of(const std::vector<Instant>& starts) {
    std::vector<int> out;
    for (auto t : starts) {
        out.push_back(
            static_cast<int>((date::floor<date::days>(t) - date::sys_days{k_monday}).count()));
    }
    std::sort(out.begin(), out.end());
    return out;
}

/// The most calls in any 7 dates in a row.
int most_in_a_week(const std::vector<int>& dates) {
    int most = 0;
    for (int d : dates) {
        most =
            std::max(most, static_cast<int>(std::count_if(dates.begin(), dates.end(), [&](int x) {
                         return x >= d && x < d + 7;
                     })));
    }
    return most;
}

/// Plan dates of the calls the scheduler places for the scenario's request with a weekly cap.
std::vector<int> planned_dates(const Scenario& s, int per_week,
                               const std::vector<Instant>& elsewhere) {
    ScheduleOptions o;
    o.threads = 1;
    o.time_limit_seconds = 60;
    o.price_of_fairness = false;
    o.per_week[RequestId(1)] = ScheduleOptions::WeeklyCap{per_week, elsewhere};
    auto r = schedule(s, o);
    std::vector<Instant> starts;
    for (const auto& c : r.calls) {
        starts.push_back(c.start);
    }
    return dates_of(starts);
}

} // namespace

TEST_SUITE("weekly count") {
    TEST_CASE("the scheduler keeps request.per_week across the horizon and its edges") {
        // 14 days want 4 calls of a 2-a-week request; a call two days before the horizon and one
        // two days after it count as well.
        std::vector<Instant> elsewhere{london(plus(k_monday, -2), 10),
                                       london(plus(k_monday, 15), 10)};
        auto planned = planned_dates(week_scenario(14, 4), 2, elsewhere);
        auto dates = dates_of(elsewhere);
        dates.insert(dates.end(), planned.begin(), planned.end());
        CAPTURE(dates);
        CHECK(most_in_a_week(dates) <= 2);
        CHECK(planned.size() >= 2);
    }

    TEST_CASE("a week's calls are spread: not on dates next to each other when the week has room") {
        auto dates = planned_dates(week_scenario(7, 2), 2, {});
        REQUIRE(dates.size() == 2);
        CHECK(dates[1] - dates[0] >= 2);
    }

    TEST_CASE("14 days asking 4 calls of a 2-a-week request: 2 in any 7 days") {
        auto dates = planned_dates(week_scenario(14, 4), 2, {});
        CHECK(dates.size() == 4);
        CHECK(most_in_a_week(dates) <= 2);
    }

    TEST_CASE("a full week is named as request.per_week") {
        auto s = week_scenario(3, 1);
        ScheduleOptions o;
        o.threads = 1;
        o.price_of_fairness = false;
        o.per_week[RequestId(1)] = ScheduleOptions::WeeklyCap{1, {london(plus(k_monday, -3), 10)}};
        auto r = schedule(s, o);
        CHECK(r.calls.empty());
        REQUIRE(r.unscheduled.size() == 1);
        REQUIRE_FALSE(r.unscheduled[0].reasons.empty());
        CHECK(r.unscheduled[0].reasons[0].starts_with(rule_name(Rule::request_per_week) + ":"));
    }

    TEST_CASE("plan_from_store: nightly runs and long horizons never exceed the weekly count") {
        auto store = open_store("sqlite::memory:");
        auto s = week_scenario(7, 2);
        import_scenario(*store, s);
        // A call booked by hand for the request's resident and contact is linked to it.
        BookingService booking(*store, [] { return london(k_monday, 8); });
        BookRequest hand;
        hand.resident = store->residents().list().front().id;
        hand.contacts = {store->contacts().list().front().id};
        hand.at = london(plus(k_monday, 1), 10);
        auto b = booking.book(hand).booking;
        REQUIRE(b.request.has_value());
        CHECK(*b.request == store->requests().list().front().id);

        for (int night = 0; night < 14; ++night) {
            PlanRequest p;
            p.from = plus(k_monday, night);
            p.days = 7;
            p.time_limit_seconds = 60;
            plan_from_store(*store, p, london(plus(k_monday, night), 0) - std::chrono::hours{3});
        }
        PlanRequest p14;
        p14.from = plus(k_monday, 14);
        p14.days = 14;
        p14.time_limit_seconds = 60;
        plan_from_store(*store, p14, london(plus(k_monday, 14), 0));
        BookingQuery q;
        q.from = london(plus(k_monday, -7), 0);
        q.to = london(plus(k_monday, 40), 0);
        q.statuses = {BookingStatus::booked, BookingStatus::completed};
        std::vector<Instant> starts;
        for (const auto& x : store->bookings().list(q)) {
            starts.push_back(x.start);
        }
        auto dates = dates_of(starts);
        CAPTURE(dates);
        CHECK(most_in_a_week(dates) == 2);
        CHECK(dates.size() >= 7); // at most 8: two in each of the 28 days' four weeks
    }
}
