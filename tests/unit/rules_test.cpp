#include <doctest/doctest.h>

#include "carecall/rules.hpp"

using namespace carecall;
using std::chrono::minutes;

namespace {

Instant london(const char* local) {
    return to_utc(parse_local_datetime(local, "t"), find_zone("Europe/London"), "t");
}

/// A London care home on Thursday 2027-07-01 (BST): ward Rose and ward Bluebell, one Portal
/// serving both, Asha (needs help, dementia) on Rose, Raj her son in Sydney, Mary in London.
struct Home {
    World world;
    Home() {
        world.add(Site{SiteId{1}, "S1", "Sunnyside", SiteKind::care_home, "Europe/London"});
        world.add(
            Ward{WardId{1}, "W1", "Rose", SiteId{1}, {parse_window("daily 09:00-20:00", "h")}, {}});
        world.add(Ward{
            WardId{2}, "W2", "Bluebell", SiteId{1}, {parse_window("daily 09:00-20:00", "h")}, {}});
        Resident asha;
        asha.id = ResidentId{1};
        asha.code = "R1";
        asha.name = "Asha Patel";
        asha.ward = WardId{1};
        asha.needs_assistance = true;
        asha.competences = {"dementia"};
        asha.max_call_minutes = 30;
        asha.max_calls_per_day = 2;
        asha.care_blocks = {parse_window("daily 12:00-13:00 lunch", "b")};
        asha.consent.status = ConsentStatus::given;
        world.add(asha);
        Resident bill;
        bill.id = ResidentId{2};
        bill.code = "R2";
        bill.name = "Bill Evans";
        bill.ward = WardId{2};
        bill.consent.status = ConsentStatus::given;
        world.add(bill);
        Resident cora = bill;
        cora.id = ResidentId{3};
        cora.code = "R3";
        cora.name = "Cora Smith";
        cora.ward = WardId{1};
        world.add(cora);
        Contact raj;
        raj.id = ContactId{1};
        raj.code = "C1";
        raj.name = "Raj Patel";
        raj.tz = "Australia/Sydney";
        raj.availability = {parse_window("daily 07:00-09:00", "a"),
                            parse_window("daily 18:00-21:00", "a")};
        world.add(raj);
        Contact mary;
        mary.id = ContactId{2};
        mary.code = "C2";
        mary.name = "Mary O'Brien";
        mary.tz = "Europe/London";
        mary.availability = {parse_window("daily 09:00-21:00", "a")};
        world.add(mary);
        world.add(Approval{ResidentId{1}, ContactId{1}, true, true, ""});
        world.add(Approval{ResidentId{1}, ContactId{2}, true, false, ""});
        world.add(Approval{ResidentId{2}, ContactId{2}, true, false, ""});
        world.add(Approval{ResidentId{3}, ContactId{2}, true, false, ""});
        Device portal;
        portal.id = DeviceId{1};
        portal.code = "D1";
        portal.name = "Portal 1";
        portal.site = SiteId{1};
        portal.wards = {WardId{1}, WardId{2}};
        portal.cleaning_minutes = 10;
        portal.move_minutes = 5;
        world.add(portal);
        Staff amy;
        amy.id = StaffId{1};
        amy.code = "E1";
        amy.name = "Amy Jones";
        amy.wards = {WardId{1}};
        amy.competences = {"dementia"};
        amy.weekly_shifts = {parse_window("daily 07:00-15:00", "s")};
        world.add(amy);
    }

    CallPlan asha_raj(const char* start, int mins = 30) const {
        CallPlan p;
        p.resident = ResidentId{1};
        p.contacts = {ContactId{1}};
        p.device = DeviceId{1};
        p.staff = StaffId{1};
        p.start = london(start);
        p.end = p.start + minutes{mins};
        return p;
    }

    void book(std::int64_t id, ResidentId r, ContactId c, const char* start, int mins = 30,
              std::optional<StaffId> staff = std::nullopt) {
        Booking b;
        b.id = BookingId{id};
        b.code = "B-" + std::to_string(id);
        b.resident = r;
        b.contacts = {c};
        b.device = DeviceId{1};
        b.staff = staff;
        b.start = london(start);
        b.end = b.start + minutes{mins};
        world.add(b);
    }
};

std::string first(const World& w, const CallPlan& p) {
    auto v = check_call(w, p, true);
    return v.empty() ? std::string("ok") : rule_name(v.front().rule) + ": " + v.front().message;
}

} // namespace

TEST_SUITE("rules") {
    TEST_CASE("a call that keeps every rule") {
        Home h;
        // 10:00 BST in London is 19:00 AEST in Sydney: inside Raj's evening.
        CHECK(check_call(h.world, h.asha_raj("2027-07-01T10:00")).empty());
    }

    TEST_CASE("calling hours and care blocks, in site time") {
        Home h;
        h.world.add(Approval{ResidentId{1}, ContactId{2}, true, false, ""});
        auto p = h.asha_raj("2027-07-01T19:45");
        p.contacts = {ContactId{2}};
        p.staff.reset();
        CHECK(first(h.world, p) ==
              "resident.calling_hours: 19:45 BST to 20:15 is outside the calling hours of ward "
              "Rose (daily 09:00-20:00)");
        auto lunch = h.asha_raj("2027-07-01T12:15");
        lunch.contacts = {ContactId{2}};
        CHECK(first(h.world, lunch) ==
              "resident.care_block: Asha Patel has lunch from 12:00 BST to 13:00");
    }

    TEST_CASE("override_hours lifts calling hours and care blocks, and nothing else") {
        Home h;
        auto night = h.asha_raj("2027-07-01T21:00");
        night.contacts = {ContactId{2}};
        night.staff.reset();
        night.override_hours = true;
        // Mary's availability ends at 21:00 and Amy's shift at 15:00: still refused.
        CHECK(first(h.world, night) ==
              "contact.availability: Mary O'Brien: 21:00 BST in Europe/London is outside their "
              "availability");
        night.override_availability = true;
        CHECK(first(h.world, night) ==
              "help.none: Asha Patel needs a member of staff to help with calls and none is free "
              "on ward Rose");
        auto lunch = h.asha_raj("2027-07-01T12:15");
        lunch.contacts = {ContactId{2}};
        lunch.override_hours = true;
        CHECK(check_call(h.world, lunch).empty());
        // Never the device, another call, a closure or consent.
        h.book(7, ResidentId{2}, ContactId{2}, "2027-07-01T12:00");
        CHECK(first(h.world, lunch) ==
              "device.busy: device Portal 1 is in call B-7 from 12:00 BST to 12:30");
        Ward rose = *h.world.ward(WardId{1});
        rose.closures = {
            DateRange{parse_date("2027-07-01", "d"), parse_date("2027-07-01", "d"), "outbreak"}};
        h.world.add(rose);
        CHECK(first(h.world, lunch) ==
              "resident.ward_closed: ward Rose is closed from 2027-07-01 to 2027-07-01 (outbreak)");
        // A stored booking's plan carries the flag (db check, planning's save, the scheduler).
        Booking b;
        b.hours_overridden = true;
        b.availability_overridden = false;
        CHECK(plan_of(b).override_hours);
        CHECK_FALSE(plan_of(b).override_availability);
    }

    TEST_CASE("a contact's availability is read in their own zone") {
        Home h;
        CHECK(first(h.world, h.asha_raj("2027-07-01T14:00")) ==
              "contact.availability: Raj Patel: 23:00 AEST in Australia/Sydney is outside their "
              "availability");
        auto p = h.asha_raj("2027-07-01T14:00");
        p.override_availability = true;
        CHECK(check_call(h.world, p).empty());
    }

    TEST_CASE("the device is cleaned after each call, and moved between wards") {
        Home h;
        h.book(7, ResidentId{3}, ContactId{2}, "2027-07-01T10:00");
        CHECK(first(h.world, h.asha_raj("2027-07-01T10:15")) ==
              "device.busy: device Portal 1 is in call B-7 from 10:00 BST to 10:30");
        CHECK(first(h.world, h.asha_raj("2027-07-01T10:35")) ==
              "device.cleaning: device Portal 1 is being cleaned after the 10:00 call until 10:40");
        CHECK(check_call(h.world, h.asha_raj("2027-07-01T10:40")).empty());
        CHECK(first(h.world, h.asha_raj("2027-07-01T09:25")) ==
              "device.cleaning: device Portal 1 needs 10 minutes after this call for cleaning "
              "before call B-7 at 10:00 BST");
        Home moved;
        moved.book(8, ResidentId{2}, ContactId{2}, "2027-07-01T10:00"); // Bill is on Bluebell
        CHECK(first(moved.world, moved.asha_raj("2027-07-01T10:40")) ==
              "device.cleaning: device Portal 1 is being cleaned and moved after the 10:00 call "
              "until 10:45");
        CHECK(check_call(moved.world, moved.asha_raj("2027-07-01T10:45")).empty());
        auto p = h.asha_raj("2027-07-01T10:15");
        p.ignoring = {BookingId{7}};
        CHECK(check_call(h.world, p).empty());
    }

    TEST_CASE("the device serves the ward and is in service") {
        Home h;
        auto p = h.asha_raj("2027-07-01T10:00");
        Device d = *h.world.device(DeviceId{1});
        d.wards = {WardId{2}};
        d.out_of_service = {
            Period{london("2027-07-01T09:00"), london("2027-07-01T11:00"), "repair"}};
        h.world.add(d);
        auto v = check_call(h.world, p);
        REQUIRE(v.size() == 2);
        CHECK(v[0].message == "device Portal 1 does not serve ward Rose");
        CHECK(v[1].message ==
              "device Portal 1 is out of service from 09:00 BST to 11:00 BST (repair)");
    }

    TEST_CASE("an unknown device is reported, and the device rules are not run without it") {
        Home h;
        auto p = h.asha_raj("2027-07-01T10:00");
        p.device = DeviceId{99};
        auto v = check_call(h.world, p);
        REQUIRE(v.size() == 1);
        CHECK(v[0].rule == Rule::device_unknown);
        CHECK(v[0].message == "device #99 does not exist");
    }

    TEST_CASE("resident: one call at a time, calls per day, longest call, admission, consent") {
        Home h;
        h.book(1, ResidentId{1}, ContactId{2}, "2027-07-01T09:00", 30, StaffId{1});
        auto p = h.asha_raj("2027-07-01T09:15");
        p.device = DeviceId{1};
        auto v = check_call(h.world, p);
        REQUIRE(!v.empty());
        CHECK(first(h.world, h.asha_raj("2027-07-01T09:15")) ==
              "help.busy: Amy Jones is helping with call B-1 from 09:00 BST to 09:30");
        h.book(2, ResidentId{1}, ContactId{2}, "2027-07-01T11:00", 30, StaffId{1});
        auto late = h.asha_raj("2027-07-01T13:30");
        late.contacts = {ContactId{2}};
        CHECK(first(h.world, late) == "resident.calls_per_day: Asha Patel already has 2 calls on "
                                      "2027-07-01 (at most 2 a day)");
        CHECK(first(h.world, h.asha_raj("2027-07-02T10:00", 45)) ==
              "resident.max_call: Asha Patel manages calls of at most 30 minutes; this one is 45");

        Home g;
        Resident asha = *g.world.resident(ResidentId{1});
        asha.consent.status = ConsentStatus::refused;
        g.world.add(asha);
        CHECK(first(g.world, g.asha_raj("2027-07-01T10:00")) ==
              "resident.consent: Asha Patel has refused video calls");
        asha.consent.status = ConsentStatus::none;
        g.world.add(asha);
        CHECK(first(g.world, g.asha_raj("2027-07-01T10:00")) ==
              "resident.consent: Asha Patel has no consent to video calls recorded (carecall "
              "resident consent)");
        asha.consent.status = ConsentStatus::best_interest;
        asha.discharged = parse_date("2027-06-30", "d");
        g.world.add(asha);
        CHECK(first(g.world, g.asha_raj("2027-07-01T10:00")) ==
              "resident.not_admitted: Asha Patel was discharged on 2027-06-30");
        asha.discharged.reset();
        asha.admitted = parse_date("2027-07-02", "d");
        g.world.add(asha);
        CHECK(first(g.world, g.asha_raj("2027-07-01T10:00")) ==
              "resident.not_admitted: Asha Patel is not admitted until 2027-07-02");
    }

    TEST_CASE("resident busy with another device's call") {
        Home h;
        Device d2 = *h.world.device(DeviceId{1});
        d2.id = DeviceId{2};
        d2.code = "D2";
        d2.name = "Tablet";
        h.world.add(d2);
        Booking b;
        b.id = BookingId{3};
        b.code = "B-3";
        b.resident = ResidentId{1};
        b.contacts = {ContactId{2}};
        b.device = DeviceId{2};
        b.start = london("2027-07-01T10:00");
        b.end = b.start + minutes{30};
        h.world.add(b);
        auto p = h.asha_raj("2027-07-01T10:15");
        p.staff.reset();
        auto v = check_call(h.world, p);
        REQUIRE(v.size() == 2);
        CHECK(v[0].rule == Rule::help_none);
        CHECK(v[1].message == "Asha Patel is already in call B-3 from 10:00 BST to 10:30");
        CHECK(v[1].other == BookingId{3});
    }

    TEST_CASE("contacts: approval, one call at a time, absences") {
        Home h;
        auto p = h.asha_raj("2027-07-01T10:00");
        p.resident = ResidentId{3}; // Cora: Raj is not approved for her
        p.staff.reset();
        CHECK(first(h.world, p) ==
              "contact.approval: Raj Patel is not approved to call Cora Smith");
        Home k;
        k.book(4, ResidentId{3}, ContactId{2}, "2027-07-01T10:00");
        auto q = k.asha_raj("2027-07-01T10:00");
        q.contacts = {ContactId{2}};
        q.device = DeviceId{1};
        Device d2 = *k.world.device(DeviceId{1});
        d2.id = DeviceId{2};
        d2.name = "Tablet";
        k.world.add(d2);
        q.device = DeviceId{2};
        CHECK(first(k.world, q) ==
              "contact.busy: Mary O'Brien is already in call B-4 from 10:00 BST to 10:30");
        Contact mary = *k.world.contact(ContactId{2});
        mary.absences = {Period{london("2027-07-01T00:00"), london("2027-07-03T00:00"), "holiday"}};
        k.world.add(mary);
        auto v = check_call(k.world, q);
        REQUIRE(v.size() == 2);
        CHECK(v[0].message ==
              "Mary O'Brien is away from 00:00 BST to Sat 2027-07-03 00:00 BST (holiday)");
    }

    TEST_CASE("help: on the ward, on shift, competent, free") {
        Home h;
        auto afternoon = h.asha_raj("2027-07-01T15:30");
        afternoon.contacts = {ContactId{2}};
        CHECK(first(h.world, afternoon) ==
              "help.shift: Amy Jones is not on shift from 15:30 BST to 16:00");
        Staff amy = *h.world.staff(StaffId{1});
        amy.competences.clear();
        h.world.add(amy);
        CHECK(first(h.world, h.asha_raj("2027-07-01T10:00")) ==
              "help.competence: Amy Jones lacks the competence 'dementia' that Asha Patel needs");
        amy.wards = {WardId{2}};
        h.world.add(amy);
        CHECK(first(h.world, h.asha_raj("2027-07-01T10:00")) ==
              "help.ward: Amy Jones does not work on ward Rose");
        auto p = h.asha_raj("2027-07-01T10:00");
        p.staff.reset();
        CHECK(first(h.world, p) ==
              "help.none: Asha Patel needs a member of staff to help with calls and none is free "
              "on ward Rose");
        Home one_off;
        Staff s = *one_off.world.staff(StaffId{1});
        s.weekly_shifts.clear();
        s.shifts = {Period{london("2027-07-01T15:00"), london("2027-07-01T23:00"), ""}};
        one_off.world.add(s);
        CHECK(check_call(one_off.world, afternoon).empty());
    }

    TEST_CASE("ward closures") {
        Home h;
        Ward rose = *h.world.ward(WardId{1});
        rose.closures = {
            DateRange{parse_date("2027-07-01", "d"), parse_date("2027-07-07", "d"), "outbreak"}};
        h.world.add(rose);
        CHECK(first(h.world, h.asha_raj("2027-07-01T10:00")) ==
              "resident.ward_closed: ward Rose is closed from 2027-07-01 to 2027-07-07 (outbreak)");
        CHECK(check_call(h.world, h.asha_raj("2027-07-08T10:00")).empty());
    }

    TEST_CASE("T3/T4: a contact's window moves against the site across clock changes") {
        // New York 18:00-21:00. London and New York are 4 hours apart from 14 to 27 March 2027
        // (the US has changed, the UK not yet), 5 hours apart before and after.
        Home h;
        Contact ny;
        ny.id = ContactId{3};
        ny.code = "C3";
        ny.name = "Dan Patel";
        ny.tz = "America/New_York";
        ny.availability = {parse_window("daily 18:00-21:00", "a")};
        h.world.add(ny);
        h.world.add(Approval{ResidentId{2}, ContactId{3}, true, false, ""});
        auto call = [&](const char* start) {
            CallPlan p;
            p.resident = ResidentId{2};
            p.contacts = {ContactId{3}};
            p.device = DeviceId{1};
            p.start = london(start);
            p.end = p.start + minutes{30};
            return p;
        };
        // 22:00 GMT = 18:00 EDT on 2027-03-20, but calling hours end at 20:00: use Bluebell
        // with later hours for this test.
        Ward bluebell = *h.world.ward(WardId{2});
        bluebell.calling_hours = {parse_window("daily 09:00-24:00", "h")};
        h.world.add(bluebell);
        CHECK(check_call(h.world, call("2027-03-20T22:00")).empty()); // 18:00 EDT
        CHECK(first(h.world, call("2027-03-20T23:00")) ==             // 19:00 EDT ok
              "ok");
        CHECK(first(h.world, call("2027-03-20T21:30")) ==
              "contact.availability: Dan Patel: 17:30 EDT in America/New_York is outside their "
              "availability");
        CHECK(first(h.world, call("2027-03-10T22:00")) ==
              "contact.availability: Dan Patel: 17:00 EST in America/New_York is outside their "
              "availability");
        CHECK(check_call(h.world, call("2027-03-10T23:00")).empty()); // 18:00 EST
        CHECK(check_call(h.world, call("2027-04-10T23:00")).empty()); // 18:00 EDT, BST
    }

    TEST_CASE("window intervals put edges in a gap at the change") {
        auto london_zone = find_zone("Europe/London");
        auto iv = window_intervals({parse_window("sun 01:00-03:00", "w")}, london_zone,
                                   london("2027-03-28T00:00"), london("2027-03-28T04:00"));
        REQUIRE(iv.size() == 1);
        CHECK(format_utc(iv[0].first) == "2027-03-28T01:00:00Z");
        CHECK(format_utc(iv[0].second) == "2027-03-28T02:00:00Z");
    }
}
