// The living plan: BookingService::broken() re-checks the booked calls against the records as
// they are, repair() cancels, moves or waitlists them, change_records() reports and repairs what
// a change of the records broke, all in one transaction each.
#include <algorithm>

#include <doctest/doctest.h>

#include "carecall/booking.hpp"
#include "carecall/exchange.hpp"
#include "carecall/store.hpp"

using namespace carecall;

namespace {

// Thu 2027-07-01 is the day of the calls; "now" is Wed 2027-06-30 12:00 BST.
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
  {"id": "R1", "ward": "W1", "name": "Asha Patel"},
  {"id": "R2", "ward": "W1", "name": "Hal Jones", "needs_assistance": true},
  {"id": "R3", "ward": "W2", "name": "Bill Evans"}],
 "contacts": [
  {"id": "C1", "name": "Mary O'Brien", "tz": "Europe/London",
   "availability": [{"weekdays": [0,1,2,3,4,5,6], "start": "08:00", "end": "22:00"}]},
  {"id": "C2", "name": "Tom Hart", "tz": "Europe/London",
   "availability": [{"weekdays": [0,1,2,3,4,5,6], "start": "08:00", "end": "22:00"}]}],
 "devices": [
  {"id": "D1", "site": "S1", "name": "Portal 1", "wards": ["W1", "W2"],
   "cleaning_minutes": 10, "move_minutes": 5},
  {"id": "D2", "site": "S1", "name": "Portal 2", "wards": ["W1"], "cleaning_minutes": 10,
   "move_minutes": 5}],
 "staff": [{"id": "E1", "ward": "W1", "name": "Amy Jones",
            "weekly_shifts": [{"weekdays": [0,1,2,3,4,5,6], "start": "08:00", "end": "20:00"}]}],
 "requests": [],
 "approvals": [
  {"resident": "R1", "contact": "C1"}, {"resident": "R1", "contact": "C2"},
  {"resident": "R2", "contact": "C1"}, {"resident": "R3", "contact": "C1"}]
})";

const date::time_zone* london_zone() {
    return find_zone("Europe/London");
}

Instant london(const char* local) {
    return to_utc(parse_local_datetime(local, "t"), london_zone(), "t");
}

std::string local(Instant t) {
    return format_iso_offset(t, london_zone()).substr(0, 16);
}

struct Home {
    std::unique_ptr<Store> store = open_store("sqlite::memory:");
    Instant now = london("2027-06-30T12:00");
    BookingService service{*store, [this] { return now; }};
    Home() { import_scenario(*store, parse_scenario(k_home)); }

    Booking book(const char* r, const char* c, const char* at, const char* device = "D1") {
        BookRequest q;
        q.resident = store->residents().get(r, "resident").id;
        q.contacts = {store->contacts().get(c, "contact").id};
        q.at = london(at);
        q.device = store->devices().get(device, "device").id;
        return service.book(q).booking;
    }
    Booking get(const Booking& b) { return store->bookings().get(b.code); }
    std::size_t audit_rows() { return store->audit_events(1000000).size(); }

    // Changes of the records, each in its own transaction, that the calls do not see coming.
    void device_out(const char* code, const char* period) {
        auto tx = store->begin(TxKind::write);
        auto d = store->devices().get(code, "device");
        d.out_of_service = {parse_period(period, london_zone(), "t")};
        store->devices().update(d);
        tx->commit();
    }
    void ward(const char* code, const std::function<void(Ward&)>& edit) {
        auto tx = store->begin(TxKind::write);
        auto w = store->wards().get(code, "ward");
        edit(w);
        store->wards().update(w);
        tx->commit();
    }
    void resident(const char* code, const std::function<void(Resident&)>& edit) {
        auto tx = store->begin(TxKind::write);
        auto r = store->residents().get(code, "resident");
        edit(r);
        store->residents().update(r);
        tx->commit();
    }
    void contact(const char* code, const std::function<void(Contact&)>& edit) {
        auto tx = store->begin(TxKind::write);
        auto c = store->contacts().get(code, "contact");
        edit(c);
        store->contacts().update(c);
        tx->commit();
    }
    void staff(const char* code, const std::function<void(Staff&)>& edit) {
        auto tx = store->begin(TxKind::write);
        auto s = store->staff().get(code, "staff");
        edit(s);
        store->staff().update(s);
        tx->commit();
    }

    /// The one broken call (fails the test when there is not exactly one).
    BrokenCall only_broken() {
        auto broken = service.broken({});
        REQUIRE(broken.size() == 1);
        return broken.front();
    }
    RepairResult repair(bool dry_run = false) {
        RepairRequest q;
        q.dry_run = dry_run;
        return service.repair(q);
    }
};

} // namespace

TEST_SUITE("repair") {
    TEST_CASE("broken: a device out of service puts its calls at risk, and repair moves them") {
        Home h;
        auto b = h.book("R1", "C1", "2027-07-01T10:00");
        auto fine = h.book("R3", "C1", "2027-07-01T15:00");
        CHECK(h.service.broken({}).empty());
        h.device_out("D1", "2027-07-01 09:00-11:00 repair");
        auto broken = h.only_broken();
        CHECK(broken.booking.code == b.code);
        CHECK_FALSE(broken.lasting);
        REQUIRE(!broken.violations.empty());
        CHECK(broken.violations.front().rule == Rule::device_out_of_service);
        CHECK(broken.violations.front().message.find("Portal 1") != std::string::npos);

        auto audit = h.audit_rows();
        auto r = h.repair();
        REQUIRE(r.steps.size() == 1);
        CHECK(r.steps[0].action == RepairAction::moved);
        CHECK(r.others_moved == 0);
        auto moved = h.get(b);
        // Its own device and day first: the nearest start once the device is back.
        CHECK(local(moved.start) == "2027-07-01T11:00");
        CHECK(moved.end - moved.start == b.end - b.start);
        CHECK(moved.device == b.device);
        CHECK(moved.status == BookingStatus::booked);
        CHECK(moved.source == BookingSource::repaired);
        CHECK(moved.reason.find("device Portal 1") != std::string::npos);
        CHECK(h.get(fine) == fine); // a call that keeps every rule never moves
        CHECK(h.audit_rows() == audit + 1);
        CHECK(h.service.broken({}).empty());
    }

    TEST_CASE("broken: a ward closure; repair moves the call to the nearest open day") {
        Home h;
        auto b = h.book("R1", "C1", "2027-07-01T10:00");
        h.ward("W1", [](Ward& w) {
            w.closures = {parse_closure("2027-07-01..2027-07-01 outbreak", "t")};
        });
        auto broken = h.only_broken();
        CHECK(broken.violations.front().rule == Rule::resident_ward_closed);
        CHECK_FALSE(broken.lasting);
        auto r = h.repair();
        REQUIRE(r.steps.size() == 1);
        CHECK(r.steps[0].action == RepairAction::moved);
        auto moved = h.get(b);
        CHECK(local(moved.start).substr(0, 10) != "2027-07-01");
        CHECK(moved.start >= h.now);
        CHECK(moved.source == BookingSource::repaired);
        CHECK(h.service.broken({}).empty());
    }

    TEST_CASE("broken: shorter calling hours; repair keeps the call on its day") {
        Home h;
        auto b = h.book("R1", "C1", "2027-07-01T15:00");
        h.ward("W1", [](Ward& w) { w.calling_hours = {parse_window("daily 09:00-11:00", "t")}; });
        CHECK(h.only_broken().violations.front().rule == Rule::resident_calling_hours);
        auto r = h.repair();
        REQUIRE(r.steps.size() == 1);
        CHECK(r.steps[0].action == RepairAction::moved);
        CHECK(local(h.get(b).start) == "2027-07-01T10:30"); // the last start before 11:00
    }

    TEST_CASE("broken: a discharge before the call is lasting; repair cancels it") {
        Home h;
        auto b = h.book("R1", "C1", "2027-07-01T10:00");
        h.resident("R1", [](Resident& r) { r.discharged = parse_date("2027-06-30", "t"); });
        auto broken = h.only_broken();
        CHECK(broken.violations.front().rule == Rule::resident_not_admitted);
        CHECK(broken.lasting);
        auto audit = h.audit_rows();
        auto r = h.repair();
        REQUIRE(r.steps.size() == 1);
        CHECK(r.steps[0].action == RepairAction::cancelled);
        auto after = h.get(b);
        CHECK(after.status == BookingStatus::cancelled);
        CHECK(after.reason.find("discharged") != std::string::npos);
        CHECK(h.audit_rows() == audit + 1);
    }

    TEST_CASE("broken: an approval revoked behind the service's back is lasting: cancelled") {
        Home h;
        auto b = h.book("R1", "C1", "2027-07-01T10:00");
        {
            auto tx = h.store->begin(TxKind::write);
            h.store->approvals().revoke(h.store->residents().get("R1", "resident").id,
                                        h.store->contacts().get("C1", "contact").id);
            tx->commit();
        }
        auto broken = h.only_broken();
        CHECK(broken.violations.front().rule == Rule::contact_approval);
        CHECK(broken.lasting);
        CHECK(h.repair().steps.at(0).action == RepairAction::cancelled);
        CHECK(h.get(b).status == BookingStatus::cancelled);
    }

    TEST_CASE("revoke_approval cancels the pair's calls in its transaction: nothing left broken") {
        Home h;
        auto b = h.book("R1", "C1", "2027-07-01T10:00");
        auto other = h.book("R1", "C2", "2027-07-01T15:00");
        auto change =
            h.service.revoke_approval(h.store->residents().get("R1", "resident").id,
                                      h.store->contacts().get("C1", "contact").id, ChangeOptions{});
        REQUIRE(change.cancelled.size() == 1);
        CHECK(change.cancelled[0].code == b.code);
        CHECK(change.broke.empty());
        CHECK(h.get(b).status == BookingStatus::cancelled);
        CHECK(h.get(other).status == BookingStatus::booked);
        CHECK(h.service.broken({}).empty());
    }

    TEST_CASE("broken: consent withdrawn is lasting; record_consent cancels in its transaction") {
        Home h;
        auto b = h.book("R1", "C1", "2027-07-01T10:00");
        SUBCASE("behind the service's back: repair cancels") {
            h.resident("R1", [](Resident& r) { r.consent.status = ConsentStatus::refused; });
            auto broken = h.only_broken();
            CHECK(broken.violations.front().rule == Rule::resident_consent);
            CHECK(broken.lasting);
            CHECK(h.repair().steps.at(0).action == RepairAction::cancelled);
        }
        SUBCASE("through record_consent") {
            Consent c;
            c.status = ConsentStatus::none;
            auto change = h.service.record_consent(h.store->residents().get("R1", "resident").id, c,
                                                   ChangeOptions{});
            REQUIRE(change.cancelled.size() == 1);
            CHECK(change.broke.empty());
        }
        CHECK(h.get(b).status == BookingStatus::cancelled);
        CHECK(h.service.broken({}).empty());
    }

    TEST_CASE("consent review lapsed: the call is at risk from the day after the review date") {
        Home h;
        auto b = h.book("R1", "C1", "2027-07-01T10:00");
        h.resident("R1", [](Resident& r) {
            r.consent.status = ConsentStatus::best_interest;
            r.consent.recorded = parse_date("2027-01-01", "t");
            r.consent.review = parse_date("2027-07-01", "t"); // the call's day: still stands
        });
        CHECK(h.service.broken({}).empty());
        h.resident("R1", [](Resident& r) { r.consent.review = parse_date("2027-06-30", "t"); });
        auto broken = h.only_broken();
        REQUIRE(broken.violations.size() == 1);
        CHECK(broken.violations.front().rule == Rule::resident_consent_review);
        CHECK(broken.violations.front().message ==
              "the best-interest decision for Asha Patel was due for review on 2027-06-30 "
              "(carecall resident consent)");
        static_cast<void>(b);
    }

    TEST_CASE("broken: the helper off shift; with no helper anywhere the call waits") {
        Home h;
        auto b = h.book("R2", "C1", "2027-07-01T10:00");
        REQUIRE(b.staff.has_value());
        h.staff("E1", [](Staff& s) { s.weekly_shifts = {parse_window("daily 06:00-07:00", "t")}; });
        auto broken = h.only_broken();
        CHECK(broken.violations.front().rule == Rule::help_shift);
        CHECK_FALSE(broken.lasting);
        auto audit = h.audit_rows();
        auto r = h.repair();
        REQUIRE(r.steps.size() == 1);
        CHECK(r.steps[0].action == RepairAction::waitlisted);
        auto after = h.get(b);
        CHECK(after.status == BookingStatus::waitlisted);
        CHECK(after.reason.find("no time found") != std::string::npos);
        CHECK(h.audit_rows() == audit + 1);
        CHECK(h.service.waitlist().size() == 1);
    }

    TEST_CASE("broken: a contact's holiday; repair moves the call past it") {
        Home h;
        auto b = h.book("R1", "C1", "2027-07-01T10:00");
        h.contact("C1", [](Contact& c) {
            c.absences = {
                parse_period("2027-07-01T00:00/2027-07-02T00:00 holiday", london_zone(), "t")};
        });
        CHECK(h.only_broken().violations.front().rule == Rule::contact_absent);
        CHECK(h.repair().steps.at(0).action == RepairAction::moved);
        auto moved = h.get(b);
        CHECK(local(moved.start).substr(0, 10) != "2027-07-01");
        CHECK(h.service.broken({}).empty());
    }

    TEST_CASE("broken: scope by ward and dates; calls already started are left alone") {
        Home h;
        h.book("R1", "C1", "2027-07-01T10:00");
        h.book("R3", "C1", "2027-07-01T15:00");
        h.device_out("D1", "2027-07-01 09:00-20:00 repair");
        CHECK(h.service.broken({}).size() == 2);
        BrokenQuery w2;
        w2.wards = {h.store->wards().get("W2", "ward").id};
        REQUIRE(h.service.broken(w2).size() == 1);
        CHECK(h.service.broken(w2).front().booking.code == "B-2");
        BrokenQuery until;
        until.to = london("2027-07-01T12:00");
        CHECK(h.service.broken(until).size() == 1);
        h.now = london("2027-07-01T10:10"); // B-1 has started
        CHECK(h.service.broken({}).size() == 1);
    }

    TEST_CASE("repair --dry-run writes nothing and says what it would do") {
        Home h;
        auto b = h.book("R1", "C1", "2027-07-01T10:00");
        h.device_out("D1", "2027-07-01 09:00-11:00 repair");
        auto audit = h.audit_rows();
        auto r = h.repair(true);
        REQUIRE(r.steps.size() == 1);
        CHECK(r.steps[0].action == RepairAction::moved);
        CHECK(local(r.steps[0].after.start) == "2027-07-01T11:00");
        CHECK(h.get(b) == b);
        CHECK(h.audit_rows() == audit);
        CHECK(h.service.broken({}).size() == 1);
    }

    TEST_CASE("repair: one audit row per change, none for a call that is fine") {
        Home h;
        auto moved = h.book("R1", "C1", "2027-07-01T10:00");
        auto waiting = h.book("R2", "C1", "2027-07-01T16:00");
        auto fine = h.book("R3", "C1", "2027-07-01T17:00");
        h.device_out("D1", "2027-07-01 09:00-11:00 repair");
        h.staff("E1", [](Staff& s) { s.weekly_shifts = {}; });
        auto audit = h.audit_rows();
        auto r = h.repair();
        REQUIRE(r.steps.size() == 2);
        CHECK(r.steps[0].before.code == moved.code);
        CHECK(r.steps[0].action == RepairAction::moved);
        CHECK(r.steps[1].before.code == waiting.code);
        CHECK(r.steps[1].action == RepairAction::waitlisted);
        CHECK(h.audit_rows() == audit + 2);
        CHECK(h.get(fine) == fine);
        RepairRequest bad;
        bad.search_days = 61;
        CHECK_THROWS_AS(h.service.repair(bad), InvalidInput);
    }

    TEST_CASE("change_records: what a change broke, apart from what was broken before") {
        Home h;
        auto old_break = h.book("R3", "C1", "2027-07-01T15:00");
        auto b = h.book("R1", "C1", "2027-07-01T10:00");
        h.device_out("D1", "2027-07-01 14:00-16:00 repair"); // breaks B-1 (W2)
        auto rose = h.store->wards().get("W1", "ward").id;
        auto edit = [](Store& store) {
            auto d = store.devices().get("D1", "device");
            d.out_of_service.push_back(
                parse_period("2027-07-01 09:00-11:00 charging", london_zone(), "t"));
            store.devices().update(d);
            return std::vector<Booking>{};
        };
        SUBCASE("reported, not repaired") {
            auto audit = h.audit_rows();
            auto change = h.service.change_records(edit, ChangeOptions{});
            REQUIRE(change.broke.size() == 1);
            CHECK(change.broke[0].booking.code == b.code);
            REQUIRE(change.already.size() == 1);
            CHECK(change.already[0].booking.code == old_break.code);
            CHECK(change.scope.wards == std::vector<WardId>{rose});
            CHECK_FALSE(change.repair.has_value());
            CHECK(h.audit_rows() == audit + 1); // the device's own row
            CHECK(h.get(b) == b);
        }
        SUBCASE("repaired in the same transaction: only the scope's calls") {
            ChangeOptions o;
            o.repair = true;
            auto audit = h.audit_rows();
            auto change = h.service.change_records(edit, o);
            REQUIRE(change.repair.has_value());
            REQUIRE(change.repair->steps.size() == 1);
            CHECK(change.repair->steps[0].action == RepairAction::moved);
            CHECK(change.repair->others_moved == 0);
            CHECK(h.get(b).source == BookingSource::repaired);
            CHECK(h.get(old_break) == old_break); // another ward's: not in the scope
            CHECK(h.audit_rows() == audit + 2);
        }
        SUBCASE("a failing change writes nothing, the repair included") {
            ChangeOptions o;
            o.repair = true;
            auto audit = h.audit_rows();
            CHECK_THROWS_AS(h.service.change_records(
                                [&](Store& store) {
                                    edit(store);
                                    throw InvalidInput("--name", "made up for the test");
                                    return std::vector<Booking>{};
                                },
                                o),
                            InvalidInput);
            CHECK(h.audit_rows() == audit);
            CHECK(h.get(b) == b);
            CHECK(h.store->devices().get("D1", "device").out_of_service.size() == 1);
        }
    }

    TEST_CASE("change_records: calls broken on two wards of a site are repaired by site") {
        Home h;
        h.book("R1", "C1", "2027-07-01T10:00");
        h.book("R3", "C1", "2027-07-01T15:00");
        auto change = h.service.change_records(
            [](Store& store) {
                auto d = store.devices().get("D1", "device");
                d.out_of_service = {
                    parse_period("2027-07-01 09:00-20:00 repair", london_zone(), "t")};
                store.devices().update(d);
                return std::vector<Booking>{};
            },
            ChangeOptions{});
        CHECK(change.broke.size() == 2);
        CHECK(change.scope.wards.size() == 2); // every ward of S1
    }
}
