// carecall person export|erase: subject access (P3) and erasure (P2) through the real binary.
#include <doctest/doctest.h>

#include <sqlite3.h>

#include "cli/booking_fixture.hpp"

using namespace carecall::test;

namespace {

/// R-ASHA with two calls with Lucy (one cancelled with a reason naming her), R-IVY with one.
void calls(const Scratch& s) {
    care_home(s);
    ok_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-02 10:00"));
    ok_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-05 10:00"));
    ok_at(s, book_args("R-IVY", "C-LUCY", "2027-07-02 14:00"));
    ok_at(s, {"cancel", "B-2", "--reason", "Asha Patel is at the dentist"});
    ok_at(s, {"contact", "approve", "C-LUCY", "--resident", "R-ASHA", "--restrictions",
              "not after Asha Patel's supper"});
}

std::string files_of(const Scratch& s) {
    return slurp(s.db()) + slurp(s.db() + "-wal") + slurp(s.db() + "-shm");
}

} // namespace

TEST_SUITE("cli person") {

    TEST_CASE("person export: everything about a resident, other people by code") {
        Scratch s;
        calls(s);
        auto j = parse_json(ok_at(s, {"person", "export", "resident", "R-ASHA", "--json"}));
        CHECK(j["format"] == "carecall-subject-access/1");
        CHECK(j["generated_at"] == k_now);
        CHECK(j["record"]["name"] == "Asha Patel");
        CHECK(j["record"]["room"] == "12");
        CHECK(j["record"]["consent"]["status"] == "given");
        CHECK(j["approvals"].size() == 5);
        REQUIRE(j["bookings"].size() == 2);
        CHECK(j["bookings"][0]["code"] == "B-1");
        CHECK(j["bookings"][0]["contacts"] == nlohmann::json::array({"C-LUCY"}));
        CHECK(j["bookings"][0]["start"] == "2027-07-02T10:00:00+01:00");
        CHECK(j["bookings"][1]["status"] == "cancelled");
        CHECK(j["bookings"][1]["reason"] == "Asha Patel is at the dentist");
        int booking_rows = 0;
        for (const auto& e : j["audit"]) {
            booking_rows += e["kind"] == "booking" ? 1 : 0;
        }
        CHECK(booking_rows == 3); // two books and a cancel
        auto text = j.dump();
        for (const char* other : {"Ivy Clarke", "Lucy Brown", "Portal-1", "Kim Cho"}) {
            CAPTURE(other);
            CHECK(text.find(other) == std::string::npos);
        }
        auto c = parse_json(ok_at(s, {"person", "export", "contact", "C-LUCY", "--json"}));
        CHECK(c["record"]["name"] == "Lucy Brown");
        CHECK(c["bookings"].size() == 3);
        CHECK(c["approvals"].size() == 8);
        check_refused(s, {"person", "export", "resident", "R-NONE", "--json"}, 4,
                      "resident R-NONE not found");
        // To a file: private (0600) whatever the umask.
        auto r = s.run(Invocation{now_args({"person", "export", "resident", "R-ASHA", "--json",
                                            "-o", s.path("sar.json")}),
                                  {},
                                  {},
                                  true,
                                  "000"});
        CHECK(r.code == 0);
        CHECK(r.out.empty());
        CHECK(mode_of(s.path("sar.json")) == 0600);
        CHECK(parse_json(s.read("sar.json")) == j);
    }

    TEST_CASE("person erase: needs --yes in a script; --dry-run changes nothing") {
        Scratch s;
        calls(s);
        check_refused(s, {"person", "erase", "resident", "R-ASHA"}, 2,
                      "erase the name and details of resident R-ASHA: refused without --yes (not "
                      "on a terminal)");
        auto before = s.dump();
        auto out = ok_at(s, {"person", "erase", "resident", "R-ASHA", "--dry-run"});
        CHECK(out == "would erase resident R-ASHA (dry run, nothing changed): name becomes "
                     "erased-R-ASHA; fields blanked or replaced: name, room, care_blocks.label, "
                     "one_off_blocks.label; 1 approval restrictions blanked; 2 bookings kept, 1 "
                     "booking reasons blanked\n");
        CARECALL_CHECK_SAME(before, s.dump());
        check_refused(s, {"person", "erase", "patient", "R-ASHA", "--yes"}, 2,
                      "kind: patient not in {resident,contact} (see carecall --help)");
    }

    TEST_CASE("person erase: the name is gone from the database and its log; bookings stay") {
        Scratch s;
        calls(s);
        REQUIRE(files_of(s).find("Asha Patel") != std::string::npos);
        // Another program keeps the database open, so the log file stays after the command exits.
        sqlite3* other = nullptr;
        REQUIRE(sqlite3_open_v2(s.db().c_str(), &other, SQLITE_OPEN_READONLY, nullptr) ==
                SQLITE_OK);
        sqlite3_exec(other, "SELECT count(*) FROM site", nullptr, nullptr, nullptr);

        auto j = parse_json(ok_at(s, {"--json", "person", "erase", "resident", "R-ASHA", "--yes"}));
        CHECK(j["format"] == "carecall-erasure/1");
        CHECK(j["pseudonym"] == "erased-R-ASHA");
        CHECK(j["bookings"] == 2);
        CHECK(j["log_emptied"] == true);
        auto files = files_of(s);
        sqlite3_close(other);
        CHECK(files.find("Asha Patel") == std::string::npos);
        CHECK(files.find("dentist") == std::string::npos);
        CHECK(files.find("supper") == std::string::npos);

        auto r = s.show("resident", "R-ASHA");
        CHECK(r["name"] == "erased-R-ASHA");
        CHECK(r["room"] == "");
        CHECK(r["max_call_minutes"] == 45);
        auto e = parse_json(ok_at(s, {"person", "export", "resident", "R-ASHA", "--json"}));
        CHECK(e["bookings"].size() == 2);
        CHECK(e["bookings"][1]["reason"] == "");
        auto audit = s.json({"audit", "list", "--limit", "1"})["items"][0];
        CHECK(audit["action"] == "erase");
        CHECK(audit["record_code"] == "R-ASHA");
        CHECK(audit["details"]["bookings"] == 2);
        CHECK(s.ok({"audit", "list", "--limit", "1000"}).find("Asha") == std::string::npos);
        CHECK(s.ok({"db", "check"}).find(": ok") != std::string::npos);
        // Still bookable under the pseudonym: the rota stays consistent.
        ok_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-06 10:00"));
    }

    TEST_CASE("person erase: a contact") {
        Scratch s;
        calls(s);
        auto out = ok_at(s, {"person", "erase", "contact", "C-LUCY", "--yes"});
        CHECK(out ==
              "erased contact C-LUCY: name becomes erased-C-LUCY; fields blanked or replaced: "
              "name, relationship; 1 approval restrictions blanked; 3 bookings kept, 1 "
              "booking reasons blanked\n");
        CHECK(files_of(s).find("Lucy Brown") == std::string::npos);
        CHECK(s.show("contact", "C-LUCY")["name"] == "erased-C-LUCY");
    }

    TEST_CASE("person export: a contact's document holds no outcome, reason or care data") {
        Scratch s;
        care_home(s);
        ok_at(s, {"request", "add", "Q-ASHA", "--resident", "R-ASHA", "--contact", "C-LUCY",
                  "--priority", "clinical", "--max-per-day", "1", "--preferred",
                  "daily 10:00-11:00 after her insulin"});
        ok_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-02 10:00"));
        ok_at(s,
              {"missed", "B-1", "--outcome", "unwell", "--reason", "Asha has a shingles flare-up"},
              "2027-07-02T09:30:00Z");
        auto c = parse_json(ok_at(s, {"person", "export", "contact", "C-LUCY", "--json"}));
        REQUIRE(c["bookings"].size() == 1);
        const auto& b = c["bookings"][0];
        CHECK(b["code"] == "B-1");
        CHECK(b["status"] == "missed");
        CHECK(b["resident"] == "R-ASHA");
        CHECK(b["contacts"] == nlohmann::json::array({"C-LUCY"}));
        CHECK(b["device"] == "PORTAL-1");
        CHECK(b["start"] == "2027-07-02T10:00:00+01:00");
        CHECK(b["end"] == "2027-07-02T10:30:00+01:00");
        CHECK(b["request"] == "Q-ASHA");
        for (const char* key : {"outcome", "reason", "priority", "staff", "hours_overridden",
                                "source", "series", "pinned"}) {
            CAPTURE(key);
            CHECK_FALSE(b.contains(key));
        }
        REQUIRE(c["requests"].size() == 1);
        CHECK(c["requests"][0]["code"] == "Q-ASHA");
        CHECK(c["requests"][0]["calls"] == 1);
        for (const char* key : {"priority", "priority_name", "max_per_day", "preferred"}) {
            CAPTURE(key);
            CHECK_FALSE(c["requests"][0].contains(key));
        }
        REQUIRE_FALSE(c["audit"].empty());
        auto text = c.dump();
        for (const char* absent : {"unwell", "shingles", "insulin", "clinical", "outcome", "reason",
                                   "Asha Patel", "lunch", "physiotherapy"}) {
            CAPTURE(absent);
            CHECK(text.find(absent) == std::string::npos);
        }
        // The resident's own document keeps all of it.
        auto r = parse_json(ok_at(s, {"person", "export", "resident", "R-ASHA", "--json"}));
        CHECK(r["bookings"][0]["outcome"] == "unwell");
        CHECK(r["bookings"][0]["reason"] == "Asha has a shingles flare-up");
        CHECK(r["bookings"][0]["priority"] == "routine");
        CHECK(r["requests"][0]["priority_name"] == "clinical");
        CHECK(r["requests"][0]["preferred"][0]["label"] == "after her insulin");
        CHECK(r["record"]["care_blocks"][0]["label"] == "lunch");
    }

    TEST_CASE("person export: 10,000 bookings are all there") {
        Scratch s;
        care_home(s);
        // Written straight into the file: booking 10,000 calls one by one would take minutes.
        exec_sql(s.db(),
                 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) "
                 "INSERT INTO booking (id, code, resident_id, device_id, start_utc, end_utc, "
                 "priority, status, created_at, updated_at) SELECT i, 'B-' || i, "
                 "(SELECT id FROM resident WHERE code = 'R-ASHA'), "
                 "(SELECT id FROM device WHERE code = 'PORTAL-1'), 1800000000 + i * 3600, "
                 "1800000000 + i * 3600 + 1800, 1, 'completed', 0, 0 FROM n");
        exec_sql(s.db(),
                 "INSERT INTO booking_contact (booking_id, contact_id, position) SELECT id, "
                 "(SELECT id FROM contact WHERE code = 'C-RAJ'), 0 FROM booking");
        auto j = parse_json(ok_at(s, {"person", "export", "resident", "R-ASHA", "--json"}));
        REQUIRE(j["bookings"].size() == 10000);
        CHECK(j["bookings"][9999]["code"] == "B-10000");
        CHECK(j["bookings"][9999]["contacts"] == nlohmann::json::array({"C-RAJ"}));
        CHECK(parse_json(ok_at(s, {"person", "export", "contact", "C-RAJ", "--json"}))["bookings"]
                  .size() == 10000);
    }

} // TEST_SUITE
