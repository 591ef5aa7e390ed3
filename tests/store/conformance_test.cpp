// The store conformance suite: every test runs against every backend configuration
// (sqlite::memory: and a real file in a fresh directory). A new backend adds its URL to
// backend_urls() and must pass all of this unchanged.

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "store_fixture.hpp"

using namespace carecall;
using namespace carecall::test;

namespace {

/// add → find / find_by_code / list → update → remove, with full-record equality.
template <class T, class IdT, class Change>
void round_trip(Repository<T, IdT>& repo, T record, Change change) {
    auto id = repo.add(record);
    REQUIRE(id.valid());
    record.id = id;

    auto found = repo.find(id);
    REQUIRE(found);
    CHECK(*found == record);
    auto by_code = repo.find_by_code(record.code);
    REQUIRE(by_code);
    CHECK(*by_code == record);
    CHECK(repo.get(record.code, "record") == record);
    CHECK(repo.get(std::to_string(id.value), "record") == record);
    auto all = repo.list();
    CHECK(std::find(all.begin(), all.end(), record) != all.end());

    T changed = record;
    change(changed);
    REQUIRE_FALSE(changed == record);
    repo.update(changed);
    CHECK(*repo.find(id) == changed);

    repo.remove(id);
    CHECK_FALSE(repo.find(id));
    CHECK_FALSE(repo.find_by_code(changed.code));
}

} // namespace

TEST_SUITE("store") {

    TEST_CASE("every repository round-trips every field") {
        TempDir dir;
        for (const auto& url : backend_urls(dir)) {
            CAPTURE(url);
            auto store = open_test_store(url);
            auto site = store->sites().add(make_site("S0"));
            auto ward = store->wards().add(make_ward("W0", site));
            auto resident = store->residents().add(make_resident("R0", ward));
            auto contact = store->contacts().add(make_contact("C0"));
            auto ward2 = store->wards().add(make_ward("W9", site));
            auto contact2 = store->contacts().add(make_contact("C9"));

            round_trip(store->sites(), make_site("S1"), [](Site& s) {
                s.code = "S1-NEW";
                s.name = "Sunnyside Lodge";
                s.kind = SiteKind::ld_unit;
                s.tz = "America/New_York";
            });
            round_trip(store->wards(), make_ward("W1", site), [&](Ward& w) {
                w.name = "Daisy";
                w.calling_hours.pop_back();
                w.closures.clear();
                w.site = store->sites().add(make_site("S2"));
            });
            round_trip(store->residents(), make_resident("R1", ward), [&](Resident& r) {
                r.ward = ward2;
                r.admitted.reset();
                r.discharged.reset();
                r.needs_assistance = false;
                r.competences = {"makaton"};
                r.max_call_minutes.reset();
                r.max_calls_per_day = 5;
                r.one_off_blocks.clear();
                r.consent = Consent{ConsentStatus::refused, "", std::nullopt, std::nullopt};
            });
            round_trip(store->contacts(), make_contact("C1"), [](Contact& c) {
                c.relationship = "friend";
                c.tz = "Europe/London";
                c.availability.push_back(window(0x60, 600, 700));
                c.reach = "";
            });
            round_trip(store->devices(), make_device("D1", site, {ward, ward2}), [&](Device& d) {
                d.wards = {ward2, ward}; // order matters: home ward first
                d.kind = "portal";
                d.cleaning_minutes = 0;
                d.capabilities.clear();
            });
            round_trip(store->staff(), make_staff("ST1", {ward2, ward}), [&](Staff& s) {
                s.wards = {ward};
                s.shifts.push_back(Period{at(2027, 3, 3, 8), at(2027, 3, 3, 16), ""});
                s.weekly_shifts.clear();
            });
            round_trip(store->requests(), make_request("Q1", resident, {contact2, contact}),
                       [&](CallRequest& q) {
                           q.contacts = {contact};
                           q.fixed.reset();
                           q.max_per_day.reset();
                           q.active = true;
                           q.priority = 7;
                       });
        }
    }

    TEST_CASE("list is ordered by code and defaults round-trip") {
        TempDir dir;
        for (const auto& url : backend_urls(dir)) {
            CAPTURE(url);
            auto store = open_test_store(url);
            for (const auto* code : {"S-c", "S-a", "S-b"}) {
                Site s;
                s.code = code;
                s.name = std::string("Site ") + code; // required
                s.tz = "UTC";
                store->sites().add(s);
            }
            std::vector<std::string> codes;
            for (const auto& s : store->sites().list()) {
                codes.push_back(s.code);
                CHECK(s.name == "Site " + s.code);
                CHECK(s.kind == SiteKind::care_home);
            }
            CHECK(codes == std::vector<std::string>{"S-a", "S-b", "S-c"});
        }
    }

    TEST_CASE("get, find and missing records") {
        TempDir dir;
        for (const auto& url : backend_urls(dir)) {
            CAPTURE(url);
            auto store = open_test_store(url);
            auto id = store->sites().add(make_site("S1"));
            CHECK(store->sites().get("S1", "site").id == id);
            CHECK(store->sites().get(std::to_string(id.value), "site").id == id);
            CHECK_THROWS_WITH_AS(static_cast<void>(store->sites().get("S9", "site")),
                                 "site S9 not found", NotFound);
            CHECK_FALSE(store->sites().find(SiteId(999)));
            CHECK(store->sites().find_by_code("s1")->id == id); // whatever the case (K1)

            auto missing = make_site("S7");
            missing.id = SiteId(999);
            CHECK_THROWS_WITH_AS(store->sites().update(missing), "site 999 not found", NotFound);
            CHECK_THROWS_WITH_AS(store->wards().remove(WardId(42)), "ward 42 not found", NotFound);
        }
    }

    TEST_CASE("a duplicate code is a conflict") {
        TempDir dir;
        for (const auto& url : backend_urls(dir)) {
            CAPTURE(url);
            auto store = open_test_store(url);
            auto site = store->sites().add(make_site("S1"));
            auto s2 = store->sites().add(make_site("S2"));
            store->wards().add(make_ward("W-ROSE", site));
            auto before = audit_count(*store);

            CHECK_THROWS_WITH_AS(store->sites().add(make_site("S1")), "site S1 already exists",
                                 Conflict);
            CHECK_THROWS_WITH_AS(store->wards().add(make_ward("W-ROSE", site)),
                                 "ward W-ROSE already exists", Conflict);
            auto renamed = *store->sites().find(s2);
            renamed.code = "S1";
            CHECK_THROWS_WITH_AS(store->sites().update(renamed), "site S1 already exists",
                                 Conflict);
            try {
                store->sites().add(make_site("S1"));
            } catch (const Conflict& e) {
                CHECK(e.exit_code() == ExitCode::conflict);
                CHECK(e.rule() == "duplicate_code");
            }
            CHECK(store->sites().list().size() == 2);
            CHECK(audit_count(*store) == before);

            auto contact = store->contacts().add(make_contact("C1"));
            CHECK_THROWS_WITH_AS(store->contacts().add(make_contact("C1")),
                                 "contact C1 already exists", Conflict);
            auto resident =
                store->residents().add(make_resident("R1", store->wards().list()[0].id));
            store->requests().add(make_request("Q1", resident, {contact}));
            CHECK_THROWS_WITH_AS(store->requests().add(make_request("Q1", resident, {contact})),
                                 "request Q1 already exists", Conflict);
            store->staff().add(make_staff("ST1", {}));
            CHECK_THROWS_WITH_AS(store->staff().add(make_staff("ST1", {})),
                                 "staff ST1 already exists", Conflict);
        }
    }

    TEST_CASE("an unknown reference is invalid input and writes nothing") {
        TempDir dir;
        for (const auto& url : backend_urls(dir)) {
            CAPTURE(url);
            auto store = open_test_store(url);
            auto site = store->sites().add(make_site("S1"));
            auto ward = store->wards().add(make_ward("W1", site));
            auto resident = store->residents().add(make_resident("R1", ward));
            auto contact = store->contacts().add(make_contact("C1"));
            auto before = audit_count(*store);

            CHECK_THROWS_WITH_AS(store->wards().add(make_ward("W2", SiteId(77))),
                                 "site: no site with id 77", InvalidInput);
            CHECK_THROWS_WITH_AS(store->wards().add(make_ward("W2", SiteId())), "site: is required",
                                 InvalidInput);
            CHECK_THROWS_WITH_AS(store->residents().add(make_resident("R2", WardId(5))),
                                 "ward: no ward with id 5", InvalidInput);
            CHECK_THROWS_WITH_AS(store->devices().add(make_device("D1", SiteId(8), {ward})),
                                 "site: no site with id 8", InvalidInput);
            CHECK_THROWS_WITH_AS(store->devices().add(make_device("D1", site, {ward, WardId(99)})),
                                 "wards[1]: no ward with id 99", InvalidInput);
            CHECK_THROWS_WITH_AS(store->staff().add(make_staff("ST1", {WardId(12)})),
                                 "wards[0]: no ward with id 12", InvalidInput);
            CHECK_THROWS_WITH_AS(store->staff().add(make_staff("ST1", {ward, ward})),
                                 "wards[1]: names a ward twice", InvalidInput);
            CHECK_THROWS_WITH_AS(
                store->requests().add(make_request("Q1", ResidentId(9), {contact})),
                "resident: no resident with id 9", InvalidInput);
            CHECK_THROWS_WITH_AS(
                store->requests().add(make_request("Q1", resident, {contact, ContactId(42)})),
                "contacts[1]: no contact with id 42", InvalidInput);
            CHECK_THROWS_WITH_AS(
                store->requests().add(make_request("Q1", resident, {contact, contact})),
                "contacts[1]: names a contact twice", InvalidInput);
            CHECK_THROWS_WITH_AS(
                store->approvals().put(Approval{resident, ContactId(5), true, false, ""}),
                "contact: no contact with id 5", InvalidInput);
            CHECK_THROWS_WITH_AS(
                store->approvals().put(Approval{ResidentId(6), contact, true, false, ""}),
                "resident: no resident with id 6", InvalidInput);

            // Updates check references too.
            auto moved = *store->residents().find(resident);
            moved.ward = WardId(31);
            CHECK_THROWS_WITH_AS(store->residents().update(moved), "ward: no ward with id 31",
                                 InvalidInput);
            CHECK(store->residents().find(resident)->ward == ward);

            // validate() runs first: a bad code never reaches the database.
            CHECK_THROWS_AS(store->sites().add(make_site("bad code")), InvalidInput);

            CHECK(store->wards().list().size() == 1);
            CHECK(store->devices().list().empty());
            CHECK(store->staff().list().empty());
            CHECK(store->requests().list().empty());
            CHECK(store->approvals().list().empty());
            CHECK(audit_count(*store) == before);
        }
    }

    TEST_CASE("devices and staff serve wards of one site") {
        TempDir dir;
        for (const auto& url : backend_urls(dir)) {
            CAPTURE(url);
            auto store = open_test_store(url);
            auto sunny = store->sites().add(make_site("SUNNY"));
            auto oaks = store->sites().add(make_site("OAKS"));
            auto rose = store->wards().add(make_ward("W-ROSE", sunny));
            auto elm = store->wards().add(make_ward("W-ELM", oaks));
            auto before = audit_count(*store);
            CHECK_THROWS_WITH_AS(store->devices().add(make_device("D1", sunny, {rose, elm})),
                                 "wards[1]: ward W-ELM is not on site SUNNY", InvalidInput);
            CHECK(store->devices().list().empty());

            auto device = store->devices().add(make_device("D1", sunny, {rose}));
            auto moved = *store->devices().find(device);
            moved.site = oaks;
            CHECK_THROWS_WITH_AS(store->devices().update(moved),
                                 "wards[0]: ward W-ROSE is not on site OAKS", InvalidInput);
            moved.wards = {elm};
            store->devices().update(moved);
            CHECK(store->devices().find(device)->wards == std::vector<WardId>{elm});

            // A ward cannot move away from the devices that serve it.
            auto ward = *store->wards().find(elm);
            ward.site = sunny;
            CHECK_THROWS_WITH_AS(
                store->wards().update(ward),
                "ward W-ELM is still served by 1 device of its old site (D1): change "
                "their wards first",
                Conflict);
            CHECK(store->wards().find(elm)->site == oaks);

            // Staff: all wards on one site (their shifts are read in that site's zone).
            CHECK_THROWS_WITH_AS(store->staff().add(make_staff("ST1", {rose, elm})),
                                 "wards[1]: ward W-ELM is on another site than ward W-ROSE "
                                 "(shifts are read in one site's time zone)",
                                 InvalidInput);
            CHECK(store->staff().list().empty());
            auto lily = store->wards().add(make_ward("W-LILY", sunny));
            store->staff().add(make_staff("ST1", {rose, lily}));
            auto moving = *store->wards().find(lily);
            moving.site = oaks;
            CHECK_THROWS_WITH_AS(store->wards().update(moving),
                                 "ward W-LILY shares 1 staff member with wards of its old site "
                                 "(ST1): change their wards first",
                                 Conflict);
            CHECK(audit_count(*store) == before + 4);
        }
    }

    TEST_CASE("a record in use cannot be removed, and the message names what uses it") {
        TempDir dir;
        for (const auto& url : backend_urls(dir)) {
            CAPTURE(url);
            auto store = open_test_store(url);
            auto s = add_sample(*store);
            auto ward2 = store->wards().add(make_ward("S1W2", s.site));
            insert_booking(*store, "B1", s.resident, s.device, s.contact, s.staff, s.request);
            auto before = audit_count(*store);

            CHECK_THROWS_WITH_AS(store->sites().remove(s.site),
                                 "site S1 is still used by 2 wards (S1W1, S1W2) and 1 device "
                                 "(S1D1): remove or move them first",
                                 Conflict);
            CHECK_THROWS_WITH_AS(
                store->wards().remove(s.ward),
                "ward S1W1 is still used by 1 resident (R1), 1 device (S1D1) and 1 "
                "staff member (ST1): remove or move them first",
                Conflict);
            CHECK_THROWS_WITH_AS(store->residents().remove(s.resident),
                                 "resident R1 is still used by 1 request (Q1) and 1 booking (B1): "
                                 "remove or move them first",
                                 Conflict);
            CHECK_THROWS_WITH_AS(
                store->contacts().remove(s.contact),
                "contact C1 is still used by 1 approval (R1/C1), 1 request (Q1) and "
                "1 booking (B1): remove or move them first",
                Conflict);
            CHECK_THROWS_WITH_AS(
                store->devices().remove(s.device),
                "device S1D1 is still used by 1 booking (B1): remove or move them first", Conflict);
            CHECK_THROWS_WITH_AS(
                store->staff().remove(s.staff),
                "staff ST1 is still used by 1 booking (B1): remove or move them first", Conflict);
            CHECK_THROWS_WITH_AS(
                store->requests().remove(s.request),
                "request Q1 is still used by 1 booking (B1): remove or move them first", Conflict);
            try {
                store->sites().remove(s.site);
            } catch (const Conflict& e) {
                CHECK(e.rule() == "in_use");
            }
            CHECK(audit_count(*store) == before);
            CHECK(store->sites().find(s.site));

            // A record nothing uses goes.
            store->wards().remove(ward2);
            CHECK_FALSE(store->wards().find(ward2));
        }
    }

    TEST_CASE("a long list of dependants names five and counts the rest") {
        TempDir dir;
        for (const auto& url : backend_urls(dir)) {
            CAPTURE(url);
            auto store = open_test_store(url);
            auto site = store->sites().add(make_site("S2"));
            for (int i = 7; i >= 1; --i) {
                store->wards().add(make_ward("W" + std::to_string(i), site));
            }
            CHECK_THROWS_WITH_AS(store->sites().remove(site),
                                 "site S2 is still used by 7 wards (W1, W2, W3, W4, W5 and 2 "
                                 "more): remove or move them first",
                                 Conflict);
        }
    }

    TEST_CASE("removing in dependency order works; a resident's approvals go with it") {
        TempDir dir;
        for (const auto& url : backend_urls(dir)) {
            CAPTURE(url);
            auto store = open_test_store(url);
            auto s = add_sample(*store);
            store->requests().remove(s.request);
            store->staff().remove(s.staff);
            store->devices().remove(s.device);
            CHECK_THROWS_WITH_AS(
                store->contacts().remove(s.contact),
                "contact C1 is still used by 1 approval (R1/C1): remove or move them first",
                Conflict);
            store->residents().remove(s.resident);
            CHECK(store->approvals().list().empty());
            auto last = store->audit_events(1).at(0);
            CHECK(last.action == "remove");
            CHECK(last.kind == "resident");
            CHECK(last.details == R"({"approvals":1})");
            store->contacts().remove(s.contact);
            store->wards().remove(s.ward);
            store->sites().remove(s.site);
            CHECK(store->sites().list().empty());
            CHECK(store->check().ok);
        }
    }

    TEST_CASE("approvals: put, replace, find, revoke") {
        TempDir dir;
        for (const auto& url : backend_urls(dir)) {
            CAPTURE(url);
            auto store = open_test_store(url);
            auto site = store->sites().add(make_site("S1"));
            auto ward = store->wards().add(make_ward("W1", site));
            auto r1 = store->residents().add(make_resident("R1", ward));
            auto r2 = store->residents().add(make_resident("R2", ward));
            auto c1 = store->contacts().add(make_contact("C1"));
            auto c2 = store->contacts().add(make_contact("C2"));

            Approval a{r1, c1, true, false, "supervised"};
            Approval b{r1, c2, false, true, ""};
            Approval c{r2, c1, true, true, "weekends only"};
            store->approvals().put(a);
            store->approvals().put(b);
            store->approvals().put(c);
            CHECK(store->approvals().find(r1, c1) == a);
            CHECK_FALSE(store->approvals().find(r2, c2));
            CHECK(store->approvals().for_resident(r1) == std::vector<Approval>{a, b});
            CHECK(store->approvals().for_contact(c1) == std::vector<Approval>{a, c});
            CHECK(store->approvals().list() == std::vector<Approval>{a, b, c});

            auto before = audit_count(*store);
            a.key_contact = true;
            a.restrictions = "";
            store->approvals().put(a);
            CHECK(store->approvals().find(r1, c1) == a);
            auto event = store->audit_events(1).at(0);
            CHECK(event.action == "update");
            CHECK(event.kind == "approval");
            CHECK(event.record_id == r1.value);
            CHECK(event.record_code == "R1/C1");
            CHECK(event.details == R"({"changed":["key_contact","restrictions"]})");
            store->approvals().put(a); // no change: nothing written
            CHECK(audit_count(*store) == before + 1);

            store->approvals().revoke(r1, c1);
            CHECK_FALSE(store->approvals().find(r1, c1));
            CHECK(store->audit_events(1).at(0).action == "remove");
            CHECK_THROWS_WITH_AS(store->approvals().revoke(r1, c1), "approval R1/C1 not found",
                                 NotFound);
            CHECK_THROWS_AS(store->approvals().put(Approval{ResidentId(), c1, true, false, ""}),
                            InvalidInput);
        }
    }

    TEST_CASE("settings") {
        TempDir dir;
        for (const auto& url : backend_urls(dir)) {
            CAPTURE(url);
            auto store = open_test_store(url);
            CHECK_FALSE(store->setting("plan.start_date"));
            store->set_setting("plan.start_date", "2027-03-01");
            store->set_setting("plan.days", "7");
            CHECK(store->setting("plan.start_date") == "2027-03-01");
            store->set_setting("plan.days", "14");
            CHECK(store->setting("plan.days") == "14");
            store->set_setting("note", "Zoë's \"café\"\n");
            CHECK(store->setting("note") == "Zoë's \"café\"\n");
            store->set_setting("empty", "");
            CHECK(store->setting("empty") == "");

            auto before = audit_count(*store);
            store->set_setting("plan.days", "14"); // unchanged: no audit row
            CHECK(audit_count(*store) == before);
            auto event = store->audit_events(2).at(1);
            CHECK(event.action == "set");
            CHECK(event.kind == "setting");
            CHECK(event.record_code == "note");
            CHECK(event.details == "{}"); // the value is never audited
            CHECK_THROWS_WITH_AS(store->set_setting("", "x"), "key: must not be empty",
                                 InvalidInput);
        }
    }

    TEST_CASE("one audit row per change, with the actor, and no personal values") {
        TempDir dir;
        for (const auto& url : backend_urls(dir)) {
            CAPTURE(url);
            auto store = open_test_store(url);
            auto t0 = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
            CHECK(audit_count(*store) == 0);

            add_sample(*store); // 8 changes: 7 records and one approval
            CHECK(audit_count(*store) == 8);

            auto resident = *store->residents().find_by_code("R1");
            resident.name = "Edith May Jones";
            resident.room = "14";
            store->residents().update(resident);
            store->residents().update(resident); // no change: no row
            CHECK(audit_count(*store) == 9);

            auto events = store->audit_events(100);
            auto t1 = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
            const auto& update = events.at(0);
            CHECK(update.action == "update");
            CHECK(update.kind == "resident");
            CHECK(update.record_id == resident.id.value);
            CHECK(update.record_code == "R1");
            CHECK(update.details == R"({"changed":["name","room"]})");
            CHECK(update.os_user == "tester");
            CHECK(update.as == "nurse.jo");
            CHECK(update.at >= t0);
            CHECK(update.at <= t1);
            for (const auto& e : events) {
                CHECK(e.details.find("Edith") == std::string::npos);
                CHECK(e.details.find("Jones") == std::string::npos);
            }
            // Newest first, ids increasing with time.
            for (std::size_t i = 1; i < events.size(); ++i) {
                CHECK(events[i - 1].id > events[i].id);
            }
            CHECK(events.back().action == "add");
            CHECK(events.back().kind == "site");
            CHECK(events.back().details == "{}");
            CHECK(store->audit_events(3).size() == 3);

            store->set_actor(Actor{"root", ""});
            store->sites().remove(store->sites().add(make_site("S9")));
            auto latest = store->audit_events(2);
            CHECK(latest.at(0).action == "remove");
            CHECK(latest.at(0).os_user == "root");
            CHECK(latest.at(0).as.empty());
            CHECK(latest.at(1).action == "add");

            store->audit("import", "scenario", 0, "sunnyside.json", R"({"sites":2,"added":9})");
            auto import = store->audit_events(1).at(0);
            CHECK(import.action == "import");
            CHECK(import.record_code == "sunnyside.json");
            CHECK(import.details == R"({"sites":2,"added":9})");
            CHECK_THROWS_WITH_AS(store->audit("import", "scenario", 0, "x", "[1]"),
                                 "details: must be a JSON object", InvalidInput);
            CHECK_THROWS_WITH_AS(store->audit("import", "scenario", 0, "x", "{"),
                                 "details: must be a JSON object", InvalidInput);
            CHECK(audit_count(*store) == 12);
        }
    }

    TEST_CASE("transactions: commit keeps, rollback leaves nothing") {
        TempDir dir;
        for (const auto& url : backend_urls(dir)) {
            CAPTURE(url);
            auto store = open_test_store(url);
            {
                auto tx = store->begin();
                auto site = store->sites().add(make_site("S1"));
                store->wards().add(make_ward("W1", site));
                tx->commit();
            }
            CHECK(store->sites().list().size() == 1);
            CHECK(audit_count(*store) == 2);

            {
                auto tx = store->begin(TxKind::write);
                auto site = store->sites().add(make_site("S2"));
                store->wards().add(make_ward("W2", site));
                // A failed change inside the transaction: refused, and the rest still usable.
                CHECK_THROWS_AS(store->wards().add(make_ward("W3", SiteId(404))), InvalidInput);
                CHECK_THROWS_AS(store->sites().add(make_site("S1")), Conflict);
                CHECK(store->wards().find_by_code("W2"));
                // No commit: the destructor rolls back.
            }
            CHECK(store->sites().list().size() == 1);
            CHECK_FALSE(store->wards().find_by_code("W2"));
            CHECK(audit_count(*store) == 2);

            {
                auto tx = store->begin();
                store->sites().add(make_site("S3"));
                CHECK_THROWS_WITH_AS(static_cast<void>(store->begin()),
                                     "a transaction is already open (transactions do not nest)",
                                     Error);
                CHECK_THROWS_WITH_AS(static_cast<void>(store->begin(TxKind::read)),
                                     "a transaction is already open (transactions do not nest)",
                                     Error);
                tx->commit();
                tx->commit(); // a second commit does nothing
            }
            CHECK(store->sites().find_by_code("S3"));

            {
                auto tx = store->begin(TxKind::read);
                CHECK(store->sites().list().size() == 2);
                try {
                    store->sites().add(make_site("S4"));
                    FAIL("a change in a read transaction was accepted");
                } catch (const Error& e) {
                    CHECK(std::string(e.what()) ==
                          "records cannot be changed inside a read transaction");
                    CHECK(e.exit_code() == ExitCode::internal);
                }
                tx->commit();
            }
            CHECK_FALSE(store->sites().find_by_code("S4"));
            // After every transaction ended, changes run on their own again.
            store->sites().add(make_site("S5"));
            CHECK(store->sites().list().size() == 3);
        }
    }

    TEST_CASE("hostile and unusual text is stored and returned byte for byte") {
        TempDir dir;
        const std::vector<std::string> names = {
            "O'Brien",
            "Zoë",
            "Siobhán",
            "Robert'); DROP TABLE resident;--",
            "Robert\"); DROP TABLE booking;--",
            "محمد عبد الله",
            "👵🏽 Nana 🎉",
            std::string(1000, 'x'),
            "\\x1b and \\u0000 written out, \\ backslash and % and _",
            "",
        };
        for (const auto& url : backend_urls(dir)) {
            CAPTURE(url);
            auto store = open_test_store(url);
            auto site = store->sites().add(make_site("S1"));
            auto ward = store->wards().add(make_ward("W1", site));
            auto tables_before =
                connection_of(*store).query_int("SELECT count(*) FROM sqlite_schema");
            int i = 0;
            for (const auto& name : names) {
                CAPTURE(i);
                auto code = "R" + std::to_string(++i);
                auto r = make_resident(code, ward);
                r.name = name.empty() ? code : name; // a name is required
                r.room = name;
                r.consent.by = name;
                r.competences = {name.empty() ? std::string("x") : name.substr(0, 64)};
                r.care_blocks[0].label = name;
                r.id = store->residents().add(r);
                CHECK(*store->residents().find(r.id) == r);
                CHECK(store->residents().find(r.id)->name.size() == r.name.size());

                auto c = make_contact("C" + std::to_string(i));
                c.name = name.empty() ? code : name;
                c.reach = name + "\n\tthen by post"; // free text: tabs and line breaks kept
                c.absences[0].label = name;
                c.id = store->contacts().add(c);
                CHECK(*store->contacts().find_by_code(c.code) == c);

                store->approvals().put(Approval{r.id, c.id, true, false, name});
                CHECK(store->approvals().find(r.id, c.id)->restrictions == name);
                store->set_setting("text." + code, name);
                CHECK(store->setting("text." + code) == name);
            }
            CHECK(store->residents().list().size() == names.size());
            // Control characters are refused (they are not stored byte for byte, X1).
            auto hostile = make_resident("R-CTRL", ward);
            hostile.name = std::string("nul\0inside", 10);
            CHECK_THROWS_WITH_AS(store->residents().add(hostile),
                                 "name: holds a control character (U+0000, NUL) at character 4: "
                                 "write it on one line of printable text",
                                 InvalidInput);
            CHECK_FALSE(store->residents().find_by_code("R-CTRL"));
            CHECK(connection_of(*store).query_int("SELECT count(*) FROM sqlite_schema") ==
                  tables_before);
            CHECK(store->check().ok);
        }
    }

    TEST_CASE("text that is not UTF-8 in a JSON-held field is refused") {
        TempDir dir;
        for (const auto& url : backend_urls(dir)) {
            CAPTURE(url);
            auto store = open_test_store(url);
            auto site = store->sites().add(make_site("S1"));
            auto w = make_ward("W1", site);
            w.calling_hours[0].label = "\xff\xfe";
            CHECK_THROWS_WITH_AS(store->wards().add(w),
                                 "calling_hours: holds text that is not valid UTF-8", InvalidInput);
            CHECK(store->wards().list().empty());
        }
    }

    TEST_CASE("check, schema version and url") {
        TempDir dir;
        for (const auto& url : backend_urls(dir)) {
            CAPTURE(url);
            auto store = open_test_store(url);
            add_sample(*store);
            auto report = store->check();
            CHECK(report.ok);
            CHECK(report.problems.empty());
            CHECK(report.schema_version == current_schema_version());
            CHECK(store->schema_version() == current_schema_version());
            CHECK(current_schema_version() >= 1);
            if (url == "sqlite::memory:") {
                CHECK(store->url() == "sqlite::memory:");
            } else {
                CHECK(store->url() == "sqlite:" + dir.path("data/carecall.db"));
            }
        }
    }

    TEST_CASE("backup makes a private, complete copy and never overwrites") {
        TempDir dir;
        UmaskGuard umask_guard(0);
        for (const auto& url : backend_urls(dir)) {
            CAPTURE(url);
            auto store = open_test_store(url);
            add_sample(*store);
            auto target =
                dir.path(url == "sqlite::memory:" ? "backups/memory.db" : "backups/file.db");
            store->backup(target);
            CHECK(mode_of(target) == 0600);
            CHECK(mode_of(dir.path("backups")) == 0700);

            auto copy = open_test_store("sqlite:" + target);
            CHECK(copy->check().ok);
            CHECK(copy->sites().list() == store->sites().list());
            CHECK(copy->residents().list() == store->residents().list());
            CHECK(copy->devices().list() == store->devices().list());
            CHECK(copy->approvals().list() == store->approvals().list());
            CHECK(audit_count(*copy) == audit_count(*store));

            copy.reset();
            auto bytes = read_bytes(target);
            CHECK_THROWS_WITH_AS(
                store->backup(target),
                ("backup file " + target + " already exists: choose a new name").c_str(), Conflict);
            CHECK(read_bytes(target) == bytes);
            {
                auto tx = store->begin();
                CHECK_THROWS_WITH_AS(store->backup(dir.path("backups/in-tx.db")),
                                     "a backup cannot be made inside a transaction", Error);
            }
        }
        // Nothing but the backups (and their databases' own files) is left behind.
        for (const auto& entry : std::filesystem::directory_iterator(dir.path("backups"))) {
            CHECK(entry.path().filename().string().find(".partial") == std::string::npos);
        }
    }

    TEST_CASE("last completed call per resident") {
        TempDir dir;
        for (const auto& url : backend_urls(dir)) {
            CAPTURE(url);
            auto store = open_test_store(url);
            auto sample = add_sample(*store);
            auto other = store->residents().add(make_resident("R2", sample.ward));
            auto none = store->residents().add(make_resident("R3", sample.ward));
            auto call = [&](ResidentId r, std::int64_t start, BookingStatus status) {
                Booking b;
                b.resident = r;
                b.contacts = {sample.contact};
                b.device = sample.device;
                b.start = Instant{std::chrono::seconds{start}};
                b.end = b.start + std::chrono::minutes{30};
                b.status = status;
                store->bookings().add(b);
            };
            const std::int64_t t = 1800000000;
            call(sample.resident, t, BookingStatus::completed);
            call(sample.resident, t + 7200, BookingStatus::completed);
            call(sample.resident, t + 3600, BookingStatus::completed);
            call(sample.resident, t + 90000, BookingStatus::completed); // after "at"
            call(other, t - 86400, BookingStatus::completed);
            call(other, t + 10000, BookingStatus::missed);
            call(none, t, BookingStatus::cancelled);
            call(none, t + 100, BookingStatus::booked);
            Instant at{std::chrono::seconds{t + 7200}};
            using Row = std::pair<ResidentId, Instant>;
            std::vector<Row> expected{{sample.resident, at},
                                      {other, Instant{std::chrono::seconds{t - 86400}}}};
            auto& repo = store->bookings();
            CHECK(repo.last_completed(at) == expected);
            // The interface's own answer (through list) is the same.
            CHECK(repo.BookingRepository::last_completed(at) == expected);
            CHECK(repo.last_completed(Instant{std::chrono::seconds{t - 86401}}).empty());
        }
    }

} // TEST_SUITE
