// carecall purge --older-than: retention chosen by the care provider, never a silent default.
#include <doctest/doctest.h>

#include "cli/booking_fixture.hpp"

using namespace carecall::test;

TEST_SUITE("cli purge") {

    TEST_CASE("purge: the period is required and checked; scripts need --yes") {
        Scratch s;
        care_home(s);
        ok_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-02 10:00"));
        auto r = check_refused(s, {"purge", "--yes"}, 2,
                               "--older-than is required (see carecall --help)");
        check_refused(
            s, {"purge", "--older-than", "12", "--yes"}, 65,
            "--older-than: 12 is not a retention period (expected e.g. 365d, 52w, 18mo, 7y)");
        check_refused(s, {"purge", "--older-than", "0d", "--yes"}, 65,
                      "--older-than: 0d must be at least one d");
        check_refused(
            s, now_args({"purge", "--older-than", "1d"}, "2028-01-01T00:00:00Z"), 2,
            "remove every booking that ended before 2027-12-31T00:00:00Z: refused without "
            "--yes (not on a terminal)");
    }

    TEST_CASE("purge: removes the bookings that ended before now minus the period, audited once") {
        Scratch s;
        care_home(s);
        ok_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-02 10:00"));
        ok_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-05 10:00"));
        ok_at(s, book_args("R-IVY", "C-TOM", "2027-07-09 14:00"));
        // 2028-07-05 09:15 BST minus one year: 2027-07-05T08:15Z; B-2 ends at 09:30Z.
        auto now = "2028-07-05T08:15:00Z";
        auto before = s.dump();
        auto dry =
            parse_json(ok_at(s, {"--json", "purge", "--older-than", "1y", "--dry-run"}, now));
        CHECK(dry == nlohmann::json{{"format", "carecall-purge/1"},
                                    {"dry_run", true},
                                    {"ended_before", "2027-07-05T08:15:00Z"},
                                    {"bookings", 1}});
        CARECALL_CHECK_SAME(before, s.dump());

        auto audit_rows = query_int(s.db(), "SELECT count(*) FROM audit");
        CHECK(ok_at(s, {"purge", "--older-than", "1y", "--yes"}, now) ==
              "removed 1 bookings that ended before 2027-07-05T08:15:00Z\n");
        CHECK(query_int(s.db(), "SELECT count(*) FROM booking") == 2);
        CHECK(query_int(s.db(), "SELECT count(*) FROM booking WHERE code = 'B-1'") == 0);
        CHECK(query_int(s.db(), "SELECT count(*) FROM booking_contact") == 2);
        CHECK(query_int(s.db(), "SELECT count(*) FROM audit") == audit_rows + 1);
        auto last = s.json({"audit", "list", "--limit", "1"})["items"][0];
        CHECK(last["action"] == "purge");
        CHECK(last["details"] ==
              nlohmann::json{{"ended_before", "2027-07-05T08:15:00Z"}, {"bookings", 1}});
        // The purged booking's history stays on the audit trail (ids, never names).
        CHECK(query_int(s.db(), "SELECT count(*) FROM audit WHERE record_code = 'B-1'") == 1);
        CHECK(ok_at(s, {"purge", "--older-than", "18mo", "--yes"}, "2030-01-01T00:00:00Z") ==
              "removed 2 bookings that ended before 2028-07-01T00:00:00Z\n");
    }

} // TEST_SUITE
