#include <doctest/doctest.h>

#include "carecall/booking.hpp"
#include "carecall/exchange.hpp"
#include "carecall/store.hpp"

using namespace carecall;
using std::chrono::minutes;

namespace {

constexpr const char* k_home = R"({
 "format": "carecall-scenario/1",
 "horizon": {"start_date": "2027-07-01", "days": 7},
 "sites": [{"id": "S1", "tz": "Europe/London"}],
 "wards": [
  {"id": "W1", "site": "S1", "name": "Rose",
   "calling_hours": [{"weekdays": [0,1,2,3,4,5,6], "start": "09:00", "end": "20:00"}]},
  {"id": "W2", "site": "S1", "name": "Bluebell",
   "calling_hours": [{"weekdays": [0,1,2,3,4,5,6], "start": "09:00", "end": "20:00"}]}],
 "residents": [
  {"id": "R1", "ward": "W1", "name": "Asha Patel", "needs_assistance": true,
   "competences": ["dementia"],
   "care_blocks": [{"weekdays": [0,1,2,3,4,5,6], "start": "12:00", "end": "13:00", "label": "lunch"}]},
  {"id": "R2", "ward": "W2", "name": "Bill Evans", "needs_assistance": false, "care_blocks": []}],
 "contacts": [
  {"id": "C1", "name": "Mary O'Brien", "tz": "Europe/London",
   "availability": [{"weekdays": [0,1,2,3,4,5,6], "start": "09:00", "end": "21:00"}]},
  {"id": "C2", "name": "Raj Patel", "tz": "Australia/Sydney",
   "availability": [{"weekdays": [0,1,2,3,4,5,6], "start": "18:00", "end": "22:00"}]}],
 "devices": [{"id": "D1", "site": "S1", "name": "Portal 1", "wards": ["W1", "W2"],
              "cleaning_minutes": 10, "move_minutes": 5}],
 "staff": [{"id": "E1", "ward": "W1", "name": "Amy Jones", "competences": ["dementia"],
            "shifts": [],
            "weekly_shifts": [{"weekdays": [0,1,2,3,4,5,6], "start": "07:00", "end": "15:00"}]}],
 "requests": [
  {"id": "Q1", "resident": "R1", "contact": "C1", "calls": 2, "duration_minutes": 30, "priority": 1},
  {"id": "Q2", "resident": "R1", "contact": "C2", "calls": 2, "duration_minutes": 30, "priority": 1},
  {"id": "Q3", "resident": "R2", "contact": "C1", "calls": 2, "duration_minutes": 30, "priority": 1}]
})";

Instant london(const char* local) {
    return to_utc(parse_local_datetime(local, "t"), find_zone("Europe/London"), "t");
}

struct Home {
    std::unique_ptr<Store> store = open_store("sqlite::memory:");
    Instant now = london("2027-06-30T12:00");
    BookingService service{*store, [this] { return now; }};
    Home() { import_scenario(*store, parse_scenario(k_home)); }

    ResidentId resident(const char* code) { return store->residents().get(code, "resident").id; }
    ContactId contact(const char* code) { return store->contacts().get(code, "contact").id; }

    BookRequest call(const char* r, const char* c, const char* at, int mins = 30) {
        BookRequest q;
        q.resident = resident(r);
        q.contacts = {contact(c)};
        q.at = london(at);
        q.duration_minutes = mins;
        return q;
    }
    std::size_t audit_rows() { return store->audit_events(100000).size(); }
};

/// Ward W2 open at every hour and contact C1 available at every hour: only the clock decides.
void open_all_hours(Home& h) {
    Ward bluebell = h.store->wards().get("W2", "ward");
    bluebell.calling_hours = {parse_window("daily 00:00-24:00", "h")};
    h.store->wards().update(bluebell);
    Contact mary = h.store->contacts().get("C1", "contact");
    mary.availability = {parse_window("daily 00:00-24:00", "a")};
    h.store->contacts().update(mary);
}

std::string refusal(Home& h, const BookRequest& q) {
    try {
        h.service.book(q);
    } catch (const BookingConflict& e) {
        return rule_name(e.violations().front().rule) + ": " + e.what();
    }
    return "booked";
}

} // namespace

TEST_SUITE("booking") {
    TEST_CASE("a call is booked with a device and a helper picked, and audited") {
        Home h;
        auto before = h.audit_rows();
        auto r = h.service.book(h.call("R1", "C1", "2027-07-01T10:00"));
        CHECK(r.booking.code == "B-1");
        CHECK(r.booking.status == BookingStatus::booked);
        CHECK(r.booking.device == h.store->devices().get("D1", "device").id);
        REQUIRE(r.booking.staff.has_value());
        CHECK(*r.booking.staff == h.store->staff().get("E1", "staff").id);
        CHECK(format_utc(r.booking.start) == "2027-07-01T09:00:00Z");
        CHECK(r.displaced.empty());
        CHECK(h.audit_rows() == before + 1);
        auto stored = h.store->bookings().get("B-1");
        CHECK(stored == r.booking);
    }

    TEST_CASE("no double booking: the second call in the same slot names the first") {
        Home h;
        h.service.book(h.call("R1", "C1", "2027-07-01T10:00"));
        auto before = h.audit_rows();
        CHECK(refusal(h, h.call("R2", "C1", "2027-07-01T10:00")) ==
              "device.busy: device Portal 1 is in call B-1 from 10:00 BST to 10:30");
        // Bill is on the other ward: the Portal needs cleaning and moving after Asha's call.
        CHECK(refusal(h, h.call("R2", "C1", "2027-07-01T10:30")) ==
              "device.cleaning: device Portal 1 is being cleaned and moved after the 10:00 call "
              "until 10:45");
        CHECK(refusal(h, h.call("R2", "C1", "2027-07-01T10:45")) == "booked");
        CHECK(h.audit_rows() == before + 1);
        CHECK(refusal(h, h.call("R1", "C2", "2027-07-01T11:15")) ==
              "device.cleaning: device Portal 1 is being cleaned and moved after the 10:45 call "
              "until 11:30");
        // Another device would not help Mary: she is in a call.
        Device tablet;
        tablet.code = "D2";
        tablet.name = "Tablet";
        tablet.site = h.store->sites().get("S1", "site").id;
        tablet.wards = {h.store->wards().get("W1", "ward").id};
        h.store->devices().add(tablet);
        CHECK(refusal(h, h.call("R1", "C1", "2027-07-01T11:00")) ==
              "contact.busy: Mary O'Brien is already in call B-2 from 10:45 BST to 11:15");
    }

    TEST_CASE("first free: the earliest start that keeps every rule") {
        Home h;
        auto q = h.call("R1", "C2", "2027-07-01T10:00");
        q.at.reset();
        q.after = london("2027-07-01T08:00");
        auto r = h.service.book(q);
        // Raj is free 18:00-22:00 Sydney = 09:00-13:00 BST; Asha's calls need a helper (07-15).
        CHECK(format_iso_offset(r.booking.start, find_zone("Europe/London")) ==
              "2027-07-01T09:00:00+01:00");
        auto again = h.service.book(q);
        CHECK(format_iso_offset(again.booking.start, find_zone("Europe/London")) ==
              "2027-07-01T09:45:00+01:00"); // cleaning until 09:40, then the 15-minute grid
    }

    TEST_CASE("slots and book agree: every slot listed can be booked") {
        Home base;
        base.service.book(base.call("R2", "C1", "2027-07-01T10:00"));
        SlotQuery sq;
        sq.resident = base.resident("R1");
        sq.contacts = {base.contact("C2")};
        sq.from = london("2027-07-01T08:00");
        sq.days = 2;
        sq.limit = 12;
        auto slots = base.service.slots(sq);
        REQUIRE(slots.size() == 12);
        CHECK(format_utc(slots.front().start) == "2027-07-01T08:00:00Z"); // 09:00 BST
        for (const auto& s : slots) {
            Home h;
            h.service.book(h.call("R2", "C1", "2027-07-01T10:00"));
            BookRequest q;
            q.resident = h.resident("R1");
            q.contacts = {h.contact("C2")};
            q.at = s.start;
            CAPTURE(format_utc(s.start));
            CHECK_NOTHROW(h.service.book(q));
        }
        // And starts not listed between the first and last are refused.
        for (auto t = slots.front().start; t <= slots.back().start; t += minutes{15}) {
            bool listed = false;
            for (const auto& s : slots) {
                listed = listed || s.start == t;
            }
            if (listed) {
                continue;
            }
            Home h;
            h.service.book(h.call("R2", "C1", "2027-07-01T10:00"));
            BookRequest q;
            q.resident = h.resident("R1");
            q.contacts = {h.contact("C2")};
            q.at = t;
            CAPTURE(format_utc(t));
            CHECK_THROWS_AS(h.service.book(q), BookingConflict);
        }
    }

    TEST_CASE("move re-checks every rule and leaves a refused call where it was") {
        Home h;
        auto a = h.service.book(h.call("R1", "C1", "2027-07-01T10:00")).booking;
        auto b = h.service.book(h.call("R2", "C1", "2027-07-01T11:00")).booking;
        CHECK_THROWS_WITH_AS(h.service.move({.booking = b.id, .start = london("2027-07-01T10:15")}),
                             "device Portal 1 is in call B-1 from 10:00 BST to 10:30",
                             BookingConflict);
        CHECK(h.store->bookings().get("B-2") == b);
        auto moved = h.service.move({.booking = a.id, .start = london("2027-07-01T10:15")});
        CHECK(format_utc(moved.start) == "2027-07-01T09:15:00Z");
        CHECK(h.store->bookings().get("B-1").start == moved.start);
    }

    TEST_CASE("state changes are conditional") {
        Home h;
        auto a = h.service.book(h.call("R1", "C1", "2027-07-01T10:00")).booking;
        CHECK_THROWS_WITH_AS(h.service.cancel(a.id, ""),
                             "reason: say why the call is cancelled (--reason)", InvalidInput);
        auto c = h.service.cancel(a.id, "unwell");
        CHECK(c.status == BookingStatus::cancelled);
        CHECK_THROWS_WITH_AS(h.service.cancel(a.id, "again"), "booking B-1 is already cancelled",
                             Conflict);
        CHECK_THROWS_WITH_AS(h.service.complete(a.id), "booking B-1 is already cancelled",
                             Conflict);
        // A cancelled call frees the slot.
        CHECK(refusal(h, h.call("R2", "C1", "2027-07-01T10:00")) == "booked");
        auto b = h.store->bookings().get("B-2");
        CHECK_THROWS_WITH_AS(h.service.missed(b.id, "asleep"),
                             "outcome: 'asleep' is not an outcome (expected no_answer, declined, "
                             "unwell or technical)",
                             InvalidInput);
        h.now = london("2027-07-01T10:05"); // an outcome is recorded once the call has started
        CHECK(h.service.missed(b.id, "no_answer").outcome == CallOutcome::no_answer);
        CHECK_THROWS_AS(h.service.complete(b.id), Conflict);
    }

    TEST_CASE("an outcome only from the call's start; reopen takes it back, audited") {
        Home h; // now: Wed 2027-06-30 12:00 BST
        auto a = h.service.book(h.call("R1", "C1", "2027-07-01T10:00")).booking;
        auto before = h.audit_rows();
        CHECK_THROWS_WITH_AS(h.service.complete(a.id),
                             "booking B-1 starts Thu 2027-07-01 10:00 BST: an outcome can be "
                             "recorded from then on",
                             BookingConflict);
        try {
            h.service.missed(a.id, "no_answer");
            FAIL("an outcome before the start was recorded");
        } catch (const BookingConflict& e) {
            CHECK(e.violations().front().rule == Rule::time_not_started);
            CHECK(e.rule() == rule_name(Rule::time_not_started));
        }
        h.now = london("2027-07-01T09:59");
        CHECK_THROWS_WITH_AS(h.service.missed(a.id, "declined"),
                             "booking B-1 starts today at 10:00 BST: an outcome can be recorded "
                             "from then on",
                             BookingConflict);
        CHECK(h.store->bookings().get("B-1") == a);
        CHECK(h.audit_rows() == before);

        h.now = london("2027-07-01T10:00");
        auto done = h.service.complete(a.id, "lovely chat");
        CHECK(done.status == BookingStatus::completed);
        CHECK(h.audit_rows() == before + 1);

        CHECK_THROWS_WITH_AS(h.service.reopen(a.id, ""),
                             "reason: say why the call is reopened (--reason)", InvalidInput);
        auto back = h.service.reopen(a.id, "recorded on the wrong call");
        CHECK(back.status == BookingStatus::booked);
        CHECK(back.outcome == CallOutcome::none);
        CHECK(back.reason == "recorded on the wrong call");
        CHECK(back.start == a.start);
        CHECK(back.device == a.device);
        CHECK(back.staff == a.staff);
        CHECK(h.store->bookings().get("B-1") == back);
        REQUIRE(h.audit_rows() == before + 2);
        auto row = h.store->audit_events(1).front();
        CHECK(row.action == "reopen");
        CHECK(row.record_code == "B-1");
        CHECK(row.details.find(R"("changed":["status","outcome","reason"])") != std::string::npos);

        CHECK_THROWS_WITH_AS(h.service.reopen(a.id, "again"),
                             "booking B-1 is booked: only a completed or missed call can be "
                             "reopened",
                             Conflict);
        // Missed, reopened, then done after all.
        CHECK(h.service.missed(a.id, "technical").outcome == CallOutcome::technical);
        CHECK(h.service.reopen(a.id, "the call went ahead after all").outcome == CallOutcome::none);
        CHECK(h.service.complete(a.id).status == BookingStatus::completed);
        CHECK(h.audit_rows() == before + 5);

        auto b = h.service.book(h.call("R2", "C1", "2027-07-02T10:00")).booking;
        CHECK_THROWS_WITH_AS(h.service.reopen(b.id, "x"),
                             "booking B-2 is booked: only a completed or missed call can be "
                             "reopened",
                             Conflict);
        h.service.cancel(b.id, "family away");
        CHECK_THROWS_WITH_AS(h.service.reopen(b.id, "x"),
                             "booking B-2 is cancelled: only a completed or missed call can be "
                             "reopened",
                             Conflict);
    }

    TEST_CASE("end of life at any hour: calling hours and care blocks give way, nothing else") {
        Home h;
        h.store->approvals().put(Approval{h.resident("R2"), h.contact("C2"), true, false, ""});
        Contact mary = h.store->contacts().get("C1", "contact");
        mary.availability = {parse_window("daily 00:00-24:00", "a")};
        h.store->contacts().update(mary);
        auto night = h.call("R2", "C1", "2027-07-01T21:00");
        CHECK(refusal(h, night) ==
              "resident.calling_hours: 21:00 BST to 21:30 is outside the calling hours of ward "
              "Bluebell (daily 09:00-20:00)");
        night.override_hours = true;
        night.reason = "dying: the family may come at any hour";
        CHECK_THROWS_WITH_AS(h.service.book(night),
                             "outside-hours: only an end-of-life call may be booked outside "
                             "calling hours (--priority end_of_life); this one is routine",
                             InvalidInput);
        night.priority = priority::end_of_life;
        night.reason.clear();
        CHECK_THROWS_WITH_AS(h.service.book(night),
                             "reason: a call outside calling hours needs a reason (--reason)",
                             InvalidInput);
        night.reason = "dying: the family may come at any hour";
        auto r = h.service.book(night);
        CHECK(r.booking.hours_overridden);
        CHECK(r.booking.reason == "dying: the family may come at any hour");
        CHECK(h.store->bookings().get("B-1").hours_overridden);
        CHECK(plan_of(r.booking).override_hours);

        // A care block gives way too (Asha has lunch at 12:00), but never the device.
        auto lunch = h.call("R1", "C1", "2027-07-02T12:00");
        lunch.priority = priority::end_of_life;
        lunch.staff = h.store->staff().get("E1", "staff").id;
        CHECK(refusal(h, lunch).rfind("resident.care_block", 0) == 0);
        lunch.override_hours = true;
        lunch.reason = "end of life";
        CHECK(h.service.book(lunch).booking.hours_overridden);
        // The device is busy with Asha's call: another end-of-life call cannot have it.
        auto busy = h.call("R2", "C2", "2027-07-02T12:00");
        busy.priority = priority::end_of_life;
        busy.override_hours = true;
        busy.override_availability = true;
        busy.reason = "end of life";
        CHECK(refusal(h, busy) ==
              "device.busy: device Portal 1 is in call B-2 from 12:00 BST to 12:30");

        // Moved, the call keeps its override: still at any hour.
        auto moved = h.service.move({.booking = r.booking.id, .start = london("2027-07-01T22:00")});
        CHECK(moved.hours_overridden);
        CHECK(format_utc(moved.start) == "2027-07-01T21:00:00Z");
    }

    TEST_CASE("end of life: routine calls in the way are moved, or wait, never dropped") {
        Home h;
        auto routine = h.service.book(h.call("R2", "C1", "2027-07-01T10:00")).booking;
        auto eol = h.call("R1", "C2", "2027-07-01T10:00");
        CHECK(refusal(h, eol) ==
              "device.busy: device Portal 1 is in call B-1 from 10:00 BST to 10:30");
        eol.priority = priority::end_of_life;
        auto r = h.service.book(eol);
        REQUIRE(r.displaced.size() == 1);
        CHECK(r.displaced[0].before == routine);
        REQUIRE(r.displaced[0].after.has_value());
        auto moved = h.store->bookings().get("B-1");
        CHECK(moved.status == BookingStatus::booked);
        CHECK(format_utc(moved.start) == "2027-07-01T09:45:00Z"); // 10:45 BST: after cleaning
        CHECK(moved.reason == "moved for end_of_life call B-2");

        // With no other time for it, the routine call waits.
        Home w;
        Contact mary = w.store->contacts().get("C1", "contact");
        mary.availability = {parse_window("thu 10:00-10:30", "a")};
        mary.absences = {Period{london("2027-07-02T00:00"), london("2027-08-01T00:00"), "away"}};
        w.store->contacts().update(mary);
        w.service.book(w.call("R2", "C1", "2027-07-01T10:00"));
        auto eol2 = w.call("R1", "C2", "2027-07-01T10:00");
        eol2.priority = priority::end_of_life;
        auto r2 = w.service.book(eol2);
        REQUIRE(r2.displaced.size() == 1);
        CHECK_FALSE(r2.displaced[0].after.has_value());
        auto waiting = w.service.waitlist();
        REQUIRE(waiting.size() == 1);
        CHECK(waiting[0].code == "B-1");
        CHECK(waiting[0].status == BookingStatus::waitlisted);
    }

    TEST_CASE("end of life: a displaced call moves only to a date its weekly count has room for") {
        // Mary talks at 10:00 only; R2's request Q3 asks `week` calls a week and has one more call
        // a week later. The end-of-life call takes Thursday's 10:00: Friday 10:00 is the next
        // free time, but with one call a week the 7 dates from Friday would hold two.
        for (int week : {1, 2}) {
            CAPTURE(week);
            Home h;
            Contact mary = h.store->contacts().get("C1", "contact");
            mary.availability = {parse_window("mon-sun 10:00-10:30", "a")};
            h.store->contacts().update(mary);
            CallRequest q3 = h.store->requests().get("Q3", "request");
            q3.calls = week;
            h.store->requests().update(q3);
            auto routine = h.service.book(h.call("R2", "C1", "2027-07-01T10:00")).booking;
            auto later = h.service.book(h.call("R2", "C1", "2027-07-08T10:00")).booking;
            REQUIRE(routine.request == q3.id);
            REQUIRE(later.request == q3.id);
            auto eol = h.call("R1", "C2", "2027-07-01T10:00");
            eol.priority = priority::end_of_life;
            auto r = h.service.book(eol);
            REQUIRE(r.displaced.size() == 1);
            auto after = h.store->bookings().get(routine.code);
            if (week == 1) {
                CHECK_FALSE(r.displaced[0].after.has_value());
                CHECK(after.status == BookingStatus::waitlisted);
            } else {
                REQUIRE(r.displaced[0].after.has_value());
                CHECK(after.status == BookingStatus::booked);
                CHECK(format_utc(after.start) == "2027-07-02T09:00:00Z"); // Friday 10:00 BST
            }
        }
    }

    TEST_CASE("a clinical call is displaced by neither a routine nor an end-of-life one") {
        Home h;
        auto q = h.call("R2", "C1", "2027-07-01T10:00");
        q.priority = priority::clinical;
        h.service.book(q);
        auto routine = h.call("R1", "C2", "2027-07-01T10:00");
        CHECK(refusal(h, routine).rfind("device.busy", 0) == 0);
        routine.priority = priority::end_of_life;
        // domain.md: an end-of-life call displaces routine calls, not clinical ones.
        CHECK(refusal(h, routine).rfind("device.busy", 0) == 0);
    }

    TEST_CASE("T4: a weekly series across the clock change checks each occurrence") {
        Home h;
        h.now = london("2027-03-01T12:00");
        open_all_hours(h);
        BookRequest q = h.call("R2", "C1", "2027-03-14T01:30");
        auto series = h.service.book_weekly(q, parse_date("2027-04-04", "until"));
        REQUIRE(series.occurrences.size() == 4);
        CHECK(series.occurrences[0].booking.has_value());
        CHECK(series.occurrences[1].booking.has_value());
        CHECK_FALSE(series.occurrences[2].booking.has_value()); // 2027-03-28 01:30 does not exist
        REQUIRE(series.occurrences[2].violations.size() == 1);
        CHECK(series.occurrences[2].violations[0].message ==
              "2027-03-28 01:30 does not exist in Europe/London: the clocks go forward then");
        REQUIRE(series.occurrences[3].booking.has_value());
        CHECK(format_iso_offset(series.occurrences[3].booking->start, find_zone("Europe/London")) ==
              "2027-04-04T01:30:00+01:00");
        CHECK(series.occurrences[3].booking->series == series.series);
    }

    TEST_CASE("N4: a weekly series through the autumn clock change needs a reading chosen") {
        Home h;
        h.now = london("2027-10-01T12:00");
        open_all_hours(h);
        BookRequest q = h.call("R2", "C1", "2027-10-24T01:30");
        auto until = parse_date("2027-11-07", "until");
        CHECK_THROWS_WITH_AS(
            h.service.book_weekly(q, until),
            "at: the weekly call on 2027-10-31 at 01:30 happens twice in Europe/London (the "
            "clocks go back): choose --earliest (2027-10-31T01:30:00+01:00) or --latest "
            "(2027-10-31T01:30:00+00:00) for the series",
            InvalidInput);
        CHECK(h.service.agenda(BookingFilter{}).empty()); // nothing written
        auto zone = find_zone("Europe/London");
        auto late = h.service.book_weekly(q, until, Ambiguity::latest);
        REQUIRE(late.occurrences.size() == 3);
        REQUIRE(late.occurrences[1].booking.has_value());
        CHECK(format_iso_offset(late.occurrences[1].booking->start, zone) ==
              "2027-10-31T01:30:00+00:00");
        CHECK(format_iso_offset(late.occurrences[0].booking->start, zone) ==
              "2027-10-24T01:30:00+01:00");
        // A first call at the time that happens twice is the instant asked for (the phrase's
        // offset or --earliest/--latest chose it): nothing to refuse.
        Home h2;
        h2.now = h.now;
        open_all_hours(h2);
        BookRequest second = h2.call("R2", "C1", "2027-10-31T00:30"); // 23:30 UTC
        second.at = *second.at + std::chrono::hours{2};               // 01:30 GMT
        auto from_second = h2.service.book_weekly(second, until);
        REQUIRE(from_second.occurrences.size() == 2);
        REQUIRE(from_second.occurrences[0].booking.has_value());
        CHECK(format_iso_offset(from_second.occurrences[0].booking->start, zone) ==
              "2027-10-31T01:30:00+00:00");
    }

    TEST_CASE("calls in the past and bad requests are refused") {
        Home h;
        CHECK(refusal(h, h.call("R1", "C1", "2027-06-30T10:00")) ==
              "time.past: 10:00 BST is in the past (now is 12:00 BST)");
        auto q = h.call("R1", "C1", "2027-07-01T10:00");
        q.override_availability = true;
        CHECK_THROWS_WITH_AS(h.service.book(q),
                             "reason: an availability override needs a reason (--reason)",
                             InvalidInput);
        q.reason = "agreed with Mary by phone";
        q.at = london("2027-07-01T19:30");
        q.duration_minutes = 30;
        // Mary is free until 21:00 anyway; the override matters for Raj.
        h.store->approvals().put(Approval{h.resident("R2"), h.contact("C2"), true, false, ""});
        auto raj = h.call("R2", "C2", "2027-07-01T15:00");
        CHECK(refusal(h, raj).rfind("contact.availability", 0) == 0);
        raj.override_availability = true;
        raj.reason = "agreed with Raj by phone";
        auto r = h.service.book(raj);
        CHECK(r.booking.availability_overridden);
        CHECK(r.booking.reason == "agreed with Raj by phone");
    }

    TEST_CASE("agenda filters by ward, resident, contact and device") {
        Home h;
        h.service.book(h.call("R1", "C1", "2027-07-01T10:00"));
        h.service.book(h.call("R2", "C1", "2027-07-01T11:00"));
        h.service.book(h.call("R2", "C1", "2027-07-02T11:00"));
        BookingFilter f;
        f.from = london("2027-07-01T00:00");
        f.to = london("2027-07-02T00:00");
        CHECK(h.service.agenda(f).size() == 2);
        f.wards = {h.store->wards().get("W2", "ward").id};
        auto w2 = h.service.agenda(f);
        REQUIRE(w2.size() == 1);
        CHECK(w2[0].code == "B-2");
        f.wards.clear();
        f.contacts = {h.contact("C1")};
        f.to = london("2027-07-03T00:00");
        CHECK(h.service.agenda(f).size() == 3);
        f.residents = {h.resident("R1")};
        CHECK(h.service.agenda(f).size() == 1);
    }

    TEST_CASE("a call lasts at most a day; a first-free search that began in the past starts now") {
        Home h;
        auto q = h.call("R2", "C1", "2027-07-01T10:00", 25 * 60);
        CHECK_THROWS_WITH_AS(h.service.book(q),
                             "duration: 1500 minutes is longer than a day (at most 1440)",
                             InvalidInput);
        auto ff = h.call("R2", "C1", "2027-07-01T10:00");
        ff.at.reset();
        ff.after = london("2027-06-29T09:00"); // yesterday
        auto r = h.service.book(ff);
        CHECK(format_iso_offset(r.booking.start, find_zone("Europe/London")) ==
              "2027-06-30T12:00:00+01:00"); // now, on the grid
    }
}
