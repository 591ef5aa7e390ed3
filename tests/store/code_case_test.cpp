// Codes are unique and matched without regard to ASCII case (reliability.md K1, K2): `R-001` and
// `r-001` are one code. The store finds a record by any spelling, keeps the spelling first given,
// refuses a second record whose code differs only in case (the unique indexes of schema 4 refuse
// it too, whoever writes), and migration 4 renames the later of two clashing records of an older
// database, with an audit row and a warning.

#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "store/sqlite/migrations.hpp"
#include "store_fixture.hpp"

using namespace carecall;
using namespace carecall::test;

namespace {

/// A database of this build made one as schema 3 left it: no unique indexes without case.
void back_to_schema_3(RawDb& raw) {
    for (const char* table :
         {"site", "ward", "resident", "contact", "device", "staff", "request", "booking"}) {
        REQUIRE(raw.exec(std::string("DROP INDEX ") + table + "_code_nocase") == SQLITE_OK);
    }
    REQUIRE(raw.exec("PRAGMA user_version = 3") == SQLITE_OK);
}

} // namespace

TEST_SUITE("store") {

    TEST_CASE("K1: codes are found, and unique, without regard to case") {
        TempDir dir;
        for (const auto& url : backend_urls(dir)) {
            CAPTURE(url);
            auto store = open_test_store(url);
            auto s = add_sample(*store);
            insert_booking(*store, "B-1", s.resident, s.device, s.contact);

            CHECK(store->sites().find_by_code("s1")->id == s.site);
            CHECK(store->wards().find_by_code("s1w1")->id == s.ward);
            CHECK(store->residents().find_by_code("r1")->id == s.resident);
            CHECK(store->residents().get("r1", "resident").code == "R1");
            CHECK(store->contacts().find_by_code("c1")->id == s.contact);
            CHECK(store->devices().find_by_code("s1d1")->id == s.device);
            CHECK(store->staff().find_by_code("st1")->id == s.staff);
            CHECK(store->requests().find_by_code("q1")->id == s.request);
            CHECK(store->bookings().find_by_code("b-1")->code == "B-1");
            CHECK(store->bookings().get("b-1").code == "B-1");

            auto before = audit_count(*store);
            CHECK_THROWS_WITH_AS(store->residents().add(make_resident("r1", s.ward)),
                                 "resident r1 already exists as R1 (codes are the same whatever "
                                 "their case)",
                                 Conflict);
            CHECK_THROWS_WITH_AS(store->sites().add(make_site("s1")),
                                 "site s1 already exists as S1 (codes are the same whatever "
                                 "their case)",
                                 Conflict);
            CHECK_THROWS_AS(store->wards().add(make_ward("S1w1", s.site)), Conflict);
            CHECK_THROWS_AS(store->contacts().add(make_contact("c1")), Conflict);
            CHECK_THROWS_AS(store->devices().add(make_device("s1D1", s.site, {s.ward})), Conflict);
            CHECK_THROWS_AS(store->staff().add(make_staff("sT1", {s.ward})), Conflict);
            CHECK_THROWS_AS(store->requests().add(make_request("q1", s.resident, {s.contact})),
                            Conflict);
            try {
                store->contacts().add(make_contact("c1"));
            } catch (const Conflict& e) {
                CHECK(e.exit_code() == ExitCode::conflict);
                CHECK(e.rule() == "duplicate_code");
            }
            // Renaming another record onto a code in another case is refused; a record may
            // change the case of its own code.
            auto other = store->residents().add(make_resident("R2", s.ward));
            auto renamed = *store->residents().find(other);
            renamed.code = "r1";
            CHECK_THROWS_AS(store->residents().update(renamed), Conflict);
            CHECK(audit_count(*store) == before + 1); // R2's add only
            auto own = *store->residents().find(s.resident);
            own.code = "r1";
            store->residents().update(own);
            CHECK(store->residents().find_by_code("R1")->code == "r1");
            CHECK(store->residents().list().size() == 2);
        }
    }

    TEST_CASE("K1: the database itself refuses two codes differing only in case") {
        TempDir dir;
        auto path = dir.path("carecall.db");
        {
            auto store = open_test_store("sqlite:" + path);
            add_sample(*store);
        }
        // Another writer that skips the store's check (an older carecall cannot: it refuses a
        // newer schema) still meets the unique indexes.
        RawDb raw(path);
        for (const char* sql :
             {"INSERT INTO site (code, name, kind, tz) VALUES ('s1', 'x', 'hospice', 'UTC')",
              "INSERT INTO contact (code, name, tz) VALUES ('c1', 'x', 'UTC')",
              "INSERT INTO staff (code, name) VALUES ('St1', 'x')",
              "UPDATE resident SET code = 'r1x' WHERE code = 'R1'",
              "INSERT INTO resident (code, name, ward_id) VALUES ('R1X', 'x', 1)"}) {
            CAPTURE(sql);
            CHECK(raw.exec(sql) ==
                  (std::string(sql).starts_with("UPDATE") ? SQLITE_OK : SQLITE_CONSTRAINT));
        }
    }

    TEST_CASE("K2: migration 4 renames the later of two codes differing only in case, audits "
              "and reports it") {
        TempDir dir;
        auto path = dir.path("carecall.db");
        {
            auto store = open_test_store("sqlite:" + path);
            auto s = add_sample(*store);
            store->residents().add(make_resident("R-2", s.ward));
            store->residents().add(make_resident("R-3", s.ward));
            store->residents().add(make_resident("R-2.2", s.ward));
            store->contacts().add(make_contact("C-2"));
        }
        {
            // The database as schema 3 left it: no unique indexes without case, so R-2 and r-2
            // could both be stored.
            RawDb raw(path);
            back_to_schema_3(raw);
            REQUIRE(raw.exec("UPDATE resident SET code = 'r-2' WHERE code = 'R1'") == SQLITE_OK);
            REQUIRE(raw.exec("UPDATE contact SET code = 'c-2' WHERE code = 'C1'") == SQLITE_OK);
        }
        auto store = open_test_store("sqlite:" + path);
        CHECK(store->schema_version() == sqlite::latest_schema_version());
        // Oldest first: r-2 (id 1, was R1) keeps its code; R-2 (id 2) becomes, as is
        // taken. c-2 (id 1) keeps its code, C-2 (id 2) becomes C-2.2.
        std::vector<std::string> codes;
        for (const auto& r : store->residents().list()) {
            codes.push_back(std::to_string(r.id.value) + ":" + r.code);
        }
        CHECK(codes == std::vector<std::string>{"4:R-2.2", "2:R-2.3", "3:R-3", "1:r-2"});
        CHECK(store->contacts().find(ContactId(1))->code == "c-2");
        CHECK(store->contacts().find(ContactId(2))->code == "C-2.2");
        CHECK(store->residents().find_by_code("R-2")->id == ResidentId(1));

        auto warnings = store->warnings();
        REQUIRE(warnings.size() == 2);
        CHECK(warnings[0] == "resident R-2 (id 2) is now R-2.3: from schema 4 on, codes are "
                             "unique without regard to case and resident r-2 (id 1) has that "
                             "code; check which is which (the audit trail keeps the rename, the "
                             "pre-migration backup the database as it was)");
        CHECK(warnings[1].starts_with("contact C-2 (id 2) is now C-2.2: "));

        auto events = store->audit_events(2); // newest first
        REQUIRE(events.size() == 2);
        CHECK(events[0].action == "rename");
        CHECK(events[0].kind == "contact");
        CHECK(events[0].record_id == 2);
        CHECK(events[0].record_code == "C-2.2");
        CHECK(nlohmann::json::parse(events[0].details) ==
              nlohmann::json{{"from", "C-2"},
                             {"to", "C-2.2"},
                             {"same_as", "c-2"},
                             {"reason", "schema 4: codes are unique without regard to case"}});
        CHECK(events[1].kind == "resident");
        CHECK(events[1].record_code == "R-2.3");
        CHECK(exists(path + ".pre-v4.bak"));
        CHECK(store->check().ok);
    }

    TEST_CASE("K2: a renamed code is cut to 32 characters and stays unique") {
        TempDir dir;
        auto path = dir.path("carecall.db");
        const std::string long_code(32, 'A');
        {
            auto store = open_test_store("sqlite:" + path);
            store->contacts().add(make_contact(long_code));
            store->contacts().add(make_contact("B"));
        }
        {
            RawDb raw(path);
            back_to_schema_3(raw);
            REQUIRE(raw.exec("UPDATE contact SET code = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' "
                             "WHERE id = 2") == SQLITE_OK);
        }
        auto store = open_test_store("sqlite:" + path);
        auto renamed = store->contacts().find(ContactId(2))->code;
        CHECK(renamed == std::string(30, 'a') + ".2");
        CHECK_NOTHROW(validate_code(renamed));
        CHECK(store->contacts().find_by_code(long_code)->id == ContactId(1));
    }

} // TEST_SUITE
