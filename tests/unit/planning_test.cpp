// Planning from the store, at the library level: what a booking's source decides.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>

#include "carecall/booking.hpp"
#include "carecall/exchange.hpp"
#include "carecall/planning.hpp"
#include "carecall/privacy.hpp"
#include "carecall/store.hpp"

using namespace carecall;

namespace {

/// The Elm ward of tests/cli/schedule_test.cpp: one Portal; Ann talks to Bob twice a week, Dan
/// (who needs Eve's help) once; Ann's calls with Cath in Sydney never fit.
std::string elm_ward() {
    std::ifstream in(std::string(CARECALL_SOURCE_DIR) + "/tests/data/scenario-elm-week.json");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Sunday 29 November 2026, noon in London.
const Instant k_now = date::sys_days{date::year{2026} / 11 / 29} + std::chrono::hours{12};

PlanRequest week(bool replan) {
    PlanRequest r;
    r.from = date::year{2026} / 11 / 30;
    r.days = 7;
    r.replan = replan;
    r.time_limit_seconds = 60;
    return r;
}

} // namespace

TEST_SUITE("planning") {

    TEST_CASE("sources: book is manual, the scheduler's save is scheduled") {
        auto store = open_store("sqlite::memory:");
        import_scenario(*store, parse_scenario(elm_ward()));
        auto plan = plan_from_store(*store, week(false), k_now);
        REQUIRE(plan.added.size() == 3);
        for (const auto& b : plan.added) {
            CHECK(store->bookings().find(b.id)->source == BookingSource::scheduled);
        }
        BookRequest req;
        req.resident = store->residents().get("R-DAN", "resident").id;
        req.contacts = {store->contacts().get("C-BOB", "contact").id};
        req.after = date::sys_days{date::year{2026} / 12 / 2};
        auto booked = BookingService(*store, [] { return k_now; }).book(req);
        CHECK(store->bookings().find(booked.booking.id)->source == BookingSource::manual);
    }

    // Regression: re-plan went by the reason "scheduled", which displacement overwrites and
    // erasure blanks; such a call never moved again.
    TEST_CASE("re-plan moves a scheduled call whose reason was erased or overwritten") {
        auto store = open_store("sqlite::memory:");
        import_scenario(*store, parse_scenario(elm_ward()));
        auto plan = plan_from_store(*store, week(false), k_now);
        auto ann = store->residents().get("R-ANN", "resident").id;
        auto first = std::find_if(plan.added.begin(), plan.added.end(),
                                  [&](const Booking& b) { return b.resident == ann; });
        REQUIRE(first != plan.added.end());
        auto id = first->id;

        SUBCASE("erased") {
            erase_person(*store, PersonKind::resident, "R-ANN");
            CHECK(store->bookings().find(id)->reason.empty());
        }
        SUBCASE("displaced") {
            // Another resident's end-of-life call (Ann's own would count towards her request's
            // week and push her call past the horizon).
            BookRequest req;
            req.resident = store->residents().get("R-DAN", "resident").id;
            req.contacts = first->contacts;
            req.at = first->start;
            req.priority = priority::end_of_life;
            auto r = BookingService(*store, [] { return k_now; }).book(req);
            REQUIRE(r.displaced.size() == 1);
            REQUIRE(r.displaced.front().after.has_value());
            CHECK(store->bookings().find(id)->reason != "scheduled");
        }
        auto call = *store->bookings().find(id);
        CHECK(call.source == BookingSource::scheduled);
        CHECK(call.status == BookingStatus::booked);
        // A clinical call that fits only where the routine one is: re-plan must move the routine
        // call to make room (it outranks it), which it can only if it knows the call is its own.
        auto day = date::floor<date::days>(call.start);
        auto minute =
            static_cast<int>((call.start - day) / std::chrono::minutes{1}); // London = UTC
        auto weekday = static_cast<int>(date::weekday{day}.iso_encoding()) - 1;
        Contact zoe;
        zoe.code = "C-ZOE";
        zoe.name = "Zoe";
        zoe.tz = "Europe/London";
        zoe.availability = {
            WeeklyWindow{weekday_mask({weekday}, "availability"), minute, minute + 30, ""}};
        auto zoe_id = store->contacts().add(zoe);
        store->approvals().put(Approval{ann, zoe_id, true, false, ""});
        CallRequest clinical;
        clinical.code = "Q-ZOE";
        clinical.resident = ann;
        clinical.contacts = {zoe_id};
        clinical.priority = priority::clinical;
        store->requests().add(clinical);
        auto again = plan_from_store(*store, week(true), k_now);
        CHECK(std::any_of(again.released.begin(), again.released.end(),
                          [&](const Booking& b) { return b.id == id; }));
        CHECK(store->bookings().find(id)->status == BookingStatus::cancelled);
    }
}
