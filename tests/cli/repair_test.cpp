// carecall repair, and --repair on the commands that change records: the booked calls the
// records no longer allow, moved, waitlisted or cancelled, each change audited.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "cli/at_risk_fixture.hpp"

using namespace carecall::test;
using nlohmann::json;

namespace {

/// The stored booking's JSON (agenda --all --json of its day).
json booking(const Scratch& s, const std::string& code) {
    auto j = parse_json(
        ok_at(s, {"-q", "--json", "agenda", "--date", "2027-07-05", "--days", "7", "--all"}));
    for (const auto& c : j["calls"]) {
        if (c["code"] == code) {
            return c;
        }
    }
    FAIL("no booking " << code);
    return {};
}

std::size_t audit_rows(const Scratch& s) {
    return query_rows(s.db(), "SELECT COUNT(*) FROM audit").size() == 1
               ? std::stoul(query_rows(s.db(), "SELECT COUNT(*) FROM audit")[0][0])
               : 0;
}

} // namespace

TEST_SUITE("cli repair") {
    TEST_CASE("repair: nothing broken says so and exits 0") {
        Scratch s;
        booked_calls(s);
        auto r = run_at(s, {"repair"});
        INFO("stderr: " << r.err);
        CHECK(r.code == 0);
        CHECK(r.out.empty());
        CHECK(r.err ==
              "0 broken calls: 0 moved, 0 waitlisted, 0 cancelled, 0 kept; 0 other calls moved\n");
    }

    TEST_CASE("repair: moves a call off a device out of service, audited, source repaired") {
        Scratch s;
        booked_calls(s);
        REQUIRE(break_portal(s).code == 0);
        auto audit = audit_rows(s);
        auto r = run_at(s, {"repair"});
        INFO("stderr: " << r.err);
        CHECK(r.code == 0);
        CHECK(starts_with(r.out, "B-1 Mon 2027-07-05 10:00-10:30 BST moved to Mon 2027-07-05 "
                                 "11:00-11:30 BST on PORTAL-1\n  because device.out_of_service: "));
        CHECK(r.err ==
              "1 broken call: 1 moved, 0 waitlisted, 0 cancelled, 0 kept; 0 other calls moved\n");
        auto b = booking(s, "B-1");
        CHECK(b["status"] == "booked");
        CHECK(b["source"] == "repaired");
        CHECK(contains(b["start"].get<std::string>(), "2027-07-05T11:00"));
        CHECK(audit_rows(s) == audit + 1);
        // Nothing is left to repair, and db check is clean again.
        CHECK(run_at(s, {"db", "check"}).code == 0);
    }

    TEST_CASE("repair --dry-run: the same report, the database byte-identical") {
        Scratch s;
        booked_calls(s);
        REQUIRE(break_portal(s).code == 0);
        auto bytes = s.snapshot();
        auto rows = s.dump();
        auto r = run_at(s, {"repair", "--dry-run"});
        INFO("stderr: " << r.err);
        CHECK(r.code == 0);
        CHECK(starts_with(r.out, "B-1 Mon 2027-07-05 10:00-10:30 BST moved to Mon 2027-07-05 "
                                 "11:00-11:30 BST on PORTAL-1\n"));
        CHECK(r.err == "dry run (nothing written): 1 broken call: 1 moved, 0 waitlisted, 0 "
                       "cancelled, 0 kept; 0 other calls moved\n");
        CARECALL_CHECK_SAME(rows, s.dump());
        CHECK_MESSAGE(s.snapshot() == bytes, "the database file's bytes changed");
        auto j = parse_json(ok_at(s, {"--json", "repair", "--dry-run"}));
        CHECK(j["format"] == "carecall-repair/1");
        CHECK(j["dry_run"] == true);
        CHECK(j["others_moved"] == 0);
        REQUIRE(j["steps"].size() == 1);
        CHECK(j["steps"][0]["action"] == "moved");
        CHECK(j["steps"][0]["violations"][0]["rule"] == "device.out_of_service");
        CHECK(s.snapshot() == bytes);
    }

    TEST_CASE("repair: a discharge cancels, a helper off shift waits, scope by ward") {
        Scratch s;
        booked_calls(s);
        // Not through `resident edit` (that would report it): straight into the file.
        exec_sql(s.db(), "UPDATE resident SET discharged = '2027-07-02' WHERE code = 'R-IVY'");
        REQUIRE(ok_at(s, {"-q", "staff", "edit", "E-KIM", "--weekly-shift", "none"}).empty());
        REQUIRE(ok_at(s, {"-q", "staff", "edit", "E-SAM", "--weekly-shift", "none"}).empty());
        auto blue = run_at(s, {"repair", "--ward", "W-BLUE"});
        CHECK(blue.code == 0);
        CHECK(blue.out.empty());
        auto r = run_at(s, {"repair", "--ward", "W-ROSE"});
        INFO("stderr: " << r.err);
        CHECK(r.code == 0);
        CHECK(contains(r.out, "B-1 Mon 2027-07-05 10:00-10:30 BST cancelled: no time can work\n"
                              "  because resident.not_admitted: "));
        CHECK(contains(r.out, "B-3 Mon 2027-07-05 11:00-11:30 BST put on the waiting list: no "
                              "time found\n  because help.shift: "));
        CHECK(r.err == "2 broken calls: 0 moved, 1 waitlisted, 1 cancelled, 0 kept; 0 other "
                       "calls moved\n");
        CHECK(booking(s, "B-1")["status"] == "cancelled");
        CHECK(booking(s, "B-3")["status"] == "waitlisted");
        CHECK(booking(s, "B-2")["status"] == "booked");
    }

    TEST_CASE("repair: bad options exit 2 or 4 and change nothing") {
        Scratch s;
        booked_calls(s);
        REQUIRE(break_portal(s).code == 0);
        auto bytes = s.snapshot();
        CHECK(run_at(s, {"repair", "--search-days", "61"}).code == 2);
        CHECK(run_at(s, {"repair", "--ward", "W-ROSE", "--site", "SUNNY"}).code == 2);
        CHECK(run_at(s, {"repair", "--days", "0"}).code == 2);
        check_error(run_at(s, {"repair", "--ward", "W-NONE"}), 4, "ward W-NONE not found");
        CHECK(run_at(s, {"repair", "--from", "03/04/2027"}).code == 65);
        CHECK(s.snapshot() == bytes);
    }

    TEST_CASE("--repair on a record command: the change and the repair in one run") {
        Scratch s;
        booked_calls(s);
        auto audit = audit_rows(s);
        auto r = break_portal(s, {"--repair"});
        INFO("stderr: " << r.err);
        CHECK(r.code == 0);
        CHECK(r.out.empty());
        CHECK(contains(r.err, "changed device PORTAL-1\n1 booked call now breaks a rule because "
                              "of this change:\n  B-1 Mon 2027-07-05 10:00-10:30 BST R-IVY: AT "
                              "RISK: device.out_of_service: "));
        CHECK(contains(r.err, "repaired in the same transaction:\nB-1 Mon 2027-07-05 10:00-10:30 "
                              "BST moved to Mon 2027-07-05 11:00-11:30 BST on PORTAL-1\n"));
        CHECK(last_line(r.err) ==
              "1 broken call: 1 moved, 0 waitlisted, 0 cancelled, 0 kept; 0 other calls moved");
        CHECK_FALSE(contains(r.err, "carecall repair"));
        CHECK(booking(s, "B-1")["source"] == "repaired");
        CHECK(audit_rows(s) == audit + 2); // the device, the call
        CHECK(run_at(s, {"db", "check"}).code == 0);
    }

    TEST_CASE("--repair: a change refused for bad input writes nothing, the repair neither") {
        Scratch s;
        booked_calls(s);
        refused_at(s,
                   {"device", "edit", "PORTAL-1", "--out-of-service",
                    "2027-07-05 09:00-11:00 repair", "--cleaning", "soon", "--repair"},
                   65, "--cleaning: soon is not a duration (expected e.g. 30m, 1h, 1h30m)");
    }
}
