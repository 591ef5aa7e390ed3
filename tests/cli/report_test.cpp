// carecall report isolation|utilisation|fairness|outcomes on a home whose figures are known by
// construction: the calls below are booked, then given outcomes, through the real binary.

#include <map>
#include <sstream>

#include <doctest/doctest.h>

#include "cli/booking_fixture.hpp"

using namespace carecall::test;

namespace {

/// Sat 2027-07-10 12:00 BST.
const std::string k_later = "2027-07-10T11:00:00Z";

/// The care home (booking_fixture.hpp) with these calls (London time, BST):
///  B-1 R-IVY/C-LUCY Mon 07-05 10:00 30 min PORTAL-2, completed
///  B-2 R-IVY/C-TOM  Tue 07-06 10:00 30 min PORTAL-2, missed (no_answer)
///  B-3 R-BEN/C-RAJ  Mon 07-05 10:00 45 min TAB-B, completed
///  B-4 R-BEN/C-TOM  Wed 07-07 14:00 20 min TAB-B, cancelled
///  B-5 R-ASHA/C-LUCY Fri 07-09 10:00 30 min PORTAL-1, completed
///  B-6 R-IVY/C-LUCY Thu 07-15 10:00 30 min PORTAL-2, booked
/// and requests Q-IVY (2 calls a week) and Q-BEN (1 call a week).
void home_with_calls(const Scratch& s) {
    care_home(s);
    struct Call {
        const char *resident, *contact, *at, *minutes, *device;
    };
    for (const auto& c : {Call{"R-IVY", "C-LUCY", "2027-07-05 10:00", "30m", "PORTAL-2"},
                          Call{"R-IVY", "C-TOM", "2027-07-06 10:00", "30m", "PORTAL-2"},
                          Call{"R-BEN", "C-RAJ", "2027-07-05 10:00", "45m", "TAB-B"},
                          Call{"R-BEN", "C-TOM", "2027-07-07 14:00", "20m", "TAB-B"},
                          Call{"R-ASHA", "C-LUCY", "2027-07-09 10:00", "30m", "PORTAL-1"},
                          Call{"R-IVY", "C-LUCY", "2027-07-15 10:00", "30m", "PORTAL-2"}}) {
        ok_at(s, book_args(c.resident, c.contact, c.at,
                           {"--duration", c.minutes, "--device", c.device, "-q"}));
    }
    // Outcomes are recorded once the calls have started (rule time.not_started).
    ok_at(s, {"-q", "done", "B-1"}, k_later);
    ok_at(s, {"-q", "missed", "B-2", "--outcome", "no_answer"}, k_later);
    ok_at(s, {"-q", "done", "B-3"}, k_later);
    ok_at(s, {"-q", "cancel", "B-4", "--reason", "unwell"});
    ok_at(s, {"-q", "done", "B-5"}, k_later);
    s.ok({"-q", "request", "add", "Q-IVY", "--resident", "R-IVY", "--contact", "C-LUCY", "--calls",
          "2"});
    s.ok({"-q", "request", "add", "Q-BEN", "--resident", "R-BEN", "--contact", "C-LUCY", "--calls",
          "1"});
}

} // namespace

TEST_CASE("report isolation: residents without a completed call, longest first") {
    Scratch s;
    home_with_calls(s);
    auto j = parse_json(ok_at(s, {"--json", "report", "isolation", "--days", "3"}, k_later));
    CHECK(j["format"] == "carecall-report-isolation/1");
    CHECK(j["days"] == 3);
    std::vector<std::string> codes;
    for (const auto& r : j["residents"]) {
        codes.push_back(r["resident"]);
    }
    // Never called and no admission date (length unknown) first, then 5 days (R-BEN, R-IVY).
    // R-ASHA was called yesterday; R-DAN is not admitted yet; R-EVE has left.
    CHECK(codes == std::vector<std::string>{"R-CORA", "R-FAY", "R-GUS", "R-HAL", "R-BEN", "R-IVY"});
    const auto& ivy = j["residents"][5];
    CHECK(ivy["days"] == 5);
    CHECK(ivy["last_call"] == "2027-07-05T10:00:00+01:00");
    CHECK(ivy["tz"] == "Europe/London");
    CHECK(ivy["next"]["start"] == "2027-07-15T10:00:00+01:00");
    CHECK(ivy["next"]["booking"] == "B-6");
    CHECK(j["residents"][4]["next"].is_null());
    CHECK(j["residents"][0]["days"].is_null());

    auto table = ok_at(s, {"report", "isolation", "--days", "3"}, k_later);
    CHECK(first_line(table) ==
          "RESIDENT  NAME        WARD    LAST CALL   DAYS  NEXT CALL             BOOKING");
    CHECK(contains(table, "\nR-IVY     Ivy Clarke  W-ROSE  2027-07-05  5     2027-07-15 10:00 BST  "
                          "B-6\n"));
    CHECK(contains(table, "\nR-CORA    Cora Lin    W-ROSE  never       ?     none booked\n"));
    // Readable at 80 columns.
    std::istringstream lines(table);
    for (std::string line; std::getline(lines, line);) {
        if (starts_with(line, "R-")) {
            CHECK(line.size() <= 80);
        }
    }
    auto csv = ok_at(s, {"--format", "csv", "report", "isolation", "--days", "3"}, k_later);
    CHECK(
        starts_with(csv, "resident,name,ward,last_call,admitted,days,next_call,next_booking\r\n"));
    CHECK(contains(csv, "\r\nR-IVY,Ivy Clarke,W-ROSE,2027-07-05T10:00:00+01:00,,5,"
                        "2027-07-15T10:00:00+01:00,B-6\r\n"));

    // A name a spreadsheet would run as a formula.
    s.ok({"-q", "resident", "edit", "R-GUS", "--name", "=Gus Hill"});
    auto safe = ok_at(
        s, {"--format", "csv", "report", "isolation", "--days", "3", "--for-spreadsheet"}, k_later);
    CHECK(contains(safe, "\r\nR-GUS,'=Gus Hill,W-ROSE,"));
    CHECK(contains(ok_at(s, {"--format", "csv", "report", "isolation", "--days", "3"}, k_later),
                   "\r\nR-GUS,=Gus Hill,W-ROSE,"));

    // Six days: only the never-called are left.
    auto six = parse_json(ok_at(s, {"--json", "report", "isolation", "--days", "6"}, k_later));
    CHECK(six["residents"].size() == 4);
}

TEST_CASE("report utilisation: booked against bookable minutes per device and ward") {
    Scratch s;
    home_with_calls(s);
    auto j = parse_json(
        ok_at(s, {"--json", "report", "utilisation", "--from", "2027-07-05", "--to", "2027-07-11"},
              k_later));
    CHECK(j["format"] == "carecall-report-utilisation/1");
    CHECK(j["from"] == "2027-07-05");
    CHECK(j["to"] == "2027-07-11");
    REQUIRE(j["rows"].size() == 7);
    auto row = [&](std::size_t i, const char* device, const nlohmann::json& ward, long bookable,
                   long booked, int completed, int missed, int cancelled) {
        INFO("row " << i << ": " << j["rows"][i].dump());
        const auto& r = j["rows"][i];
        CHECK(r["device"] == device);
        CHECK(r["ward"] == ward);
        CHECK(r["bookable_minutes"] == bookable);
        CHECK(r["booked_minutes"] == booked);
        CHECK(r["completed"] == completed);
        CHECK(r["missed"] == missed);
        CHECK(r["cancelled"] == cancelled);
    };
    // Rose Ward: daily 08:00-23:00 = 900 a day; Bluebell: all day. PORTAL-1 is out of service
    // Tue 10:00-12:00 (120 min).
    row(0, "PORTAL-1", "W-ROSE", 7 * 900 - 120, 30, 1, 0, 0);
    row(1, "PORTAL-1", "W-BLUE", 7 * 1440 - 120, 0, 0, 0, 0);
    row(2, "PORTAL-1", nullptr, 7 * 1440 - 120, 30, 1, 0, 0);
    row(3, "PORTAL-2", "W-ROSE", 7 * 900, 60, 1, 1, 0);
    row(4, "PORTAL-2", nullptr, 7 * 900, 60, 1, 1, 0);
    row(5, "TAB-B", "W-BLUE", 7 * 1440, 45, 1, 0, 1);
    row(6, "TAB-B", nullptr, 7 * 1440, 45, 1, 0, 1);

    auto table =
        ok_at(s, {"report", "utilisation", "--from", "2027-07-05", "--to", "2027-07-11"}, k_later);
    CHECK(first_line(table) ==
          "DEVICE    WARD    OPEN MIN  USED MIN  USE   DONE  MISSED  CANCELLED  PENDING");
    CHECK(contains(table,
                   "\nPORTAL-2  W-ROSE  6300      60        1.0%  1     1       0          0\n"));
    CHECK(contains(table,
                   "\nTAB-B     (all)   10080     45        0.4%  1     0       1          0\n"));
    auto csv = ok_at(
        s,
        {"--format", "csv", "report", "utilisation", "--from", "2027-07-05", "--to", "2027-07-11"},
        k_later);
    CHECK(contains(csv, "\r\nPORTAL-2,W-ROSE,6300,60,0.0095,1,1,0,0\r\n"));

    // The week of the closure (Rose Ward closed 12-14 July): 4 open days.
    auto closed = parse_json(
        ok_at(s, {"--json", "report", "utilisation", "--from", "2027-07-12", "--to", "2027-07-18"},
              k_later));
    CHECK(closed["rows"][3]["bookable_minutes"] == 4 * 900);
    CHECK(closed["rows"][3]["booked_minutes"] == 30);
}

TEST_CASE("report fairness: calls against requests, with the spread") {
    Scratch s;
    home_with_calls(s);
    auto j = parse_json(
        ok_at(s, {"--json", "report", "fairness", "--from", "2027-07-05", "--to", "2027-07-18"},
              k_later));
    CHECK(j["format"] == "carecall-report-fairness/1");
    CHECK(j["weeks"] == 2.0);
    REQUIRE(j["residents"].size() == 3);
    // R-BEN asked 1 × 2 weeks, 1 call (the cancelled one does not count): 0.5.
    CHECK(j["residents"][0]["resident"] == "R-BEN");
    CHECK(j["residents"][0]["asked"] == 2.0);
    CHECK(j["residents"][0]["calls"] == 1);
    CHECK(j["residents"][0]["cancelled"] == 1);
    CHECK(j["residents"][0]["share"] == 0.5);
    // R-IVY asked 2 × 2 = 4: completed, missed and booked = 3.
    CHECK(j["residents"][1]["resident"] == "R-IVY");
    CHECK(j["residents"][1]["calls"] == 3);
    CHECK(j["residents"][1]["share"] == 0.75);
    // R-ASHA asked nothing.
    CHECK(j["residents"][2]["resident"] == "R-ASHA");
    CHECK(j["residents"][2]["share"].is_null());
    CHECK(j["spread"]["residents"] == 2);
    CHECK(j["spread"]["min"] == 0.5);
    CHECK(j["spread"]["max"] == 0.75);
    CHECK(j["spread"]["mean"] == 0.625);
    CHECK(j["spread"]["stddev"] == 0.125);
    auto table =
        ok_at(s, {"report", "fairness", "--from", "2027-07-05", "--to", "2027-07-18"}, k_later);
    CHECK(contains(table, "\nshare = calls ÷ asked over 2 residents: min 50.0%, max 75.0%, mean "
                          "62.5%, standard deviation 12.5% (population)\n"));
}

TEST_CASE("report outcomes: calls by status and reason") {
    Scratch s;
    home_with_calls(s);
    auto j = parse_json(
        ok_at(s, {"--json", "report", "outcomes", "--from", "2027-07-05", "--to", "2027-07-11"},
              k_later));
    CHECK(j["format"] == "carecall-report-outcomes/1");
    CHECK(j["total"] == 5);
    std::map<std::string, int> counts;
    for (const auto& r : j["rows"]) {
        counts[r["status"].get<std::string>() + "/" +
               (r["outcome"].is_null() ? std::string() : r["outcome"].get<std::string>())] =
            r["calls"];
    }
    CHECK(counts == std::map<std::string, int>{{"completed/", 3},
                                               {"missed/declined", 0},
                                               {"missed/no_answer", 1},
                                               {"missed/technical", 0},
                                               {"missed/unwell", 0},
                                               {"cancelled/", 1},
                                               {"booked/not recorded", 0}});
    // Before any outcome was recorded, at a "now" after the calls: all 5 not recorded.
    Scratch fresh;
    care_home(fresh);
    ok_at(fresh, book_args("R-IVY", "C-LUCY", "2027-07-05 10:00", {"--device", "PORTAL-2", "-q"}));
    auto none = parse_json(
        ok_at(fresh, {"--json", "report", "outcomes", "--from", "2027-07-05", "--to", "2027-07-11"},
              k_later));
    CHECK(none["total"] == 1);
    CHECK(none["rows"][6]["status"] == "booked");
    CHECK(none["rows"][6]["calls"] == 1);
    auto table =
        ok_at(s, {"report", "outcomes", "--from", "2027-07-05", "--to", "2027-07-11"}, k_later);
    CHECK(contains(table, "\nmissed     no_answer     1\n"));
    CHECK(contains(table, "\n5 calls from 2027-07-05 to 2027-07-11\n"));
}

TEST_CASE("report --ward: one ward's residents, calls and devices") {
    Scratch s;
    home_with_calls(s);
    auto iso = parse_json(
        ok_at(s, {"--json", "report", "isolation", "--days", "3", "--ward", "W-BLUE"}, k_later));
    REQUIRE(iso["residents"].size() == 1);
    CHECK(iso["residents"][0]["resident"] == "R-BEN");
    auto use = parse_json(ok_at(s,
                                {"--json", "report", "utilisation", "--from", "2027-07-05", "--to",
                                 "2027-07-11", "--ward", "W-BLUE"},
                                k_later));
    REQUIRE(use["rows"].size() == 4);
    CHECK(use["rows"][0]["device"] == "PORTAL-1");
    CHECK(use["rows"][0]["ward"] == "W-BLUE");
    CHECK(use["rows"][1]["bookable_minutes"] == 7 * 1440 - 120);
    CHECK(use["rows"][1]["booked_minutes"] == 0); // R-ASHA's call on it is Rose Ward's
    CHECK(use["rows"][3]["booked_minutes"] == 45);
    auto out = parse_json(ok_at(s,
                                {"--json", "report", "outcomes", "--from", "2027-07-05", "--to",
                                 "2027-07-11", "--ward", "W-ROSE", "--ward", "W-BLUE"},
                                k_later));
    CHECK(out["total"] == 5);
    refused_at(s, {"report", "fairness", "--ward", "W-NONE"}, 4, "ward W-NONE not found");
}

TEST_CASE("report: refused options") {
    Scratch s;
    home_with_calls(s);
    refused_at(
        s, {"--format", "ics", "report", "outcomes"}, 2,
        "--format ics: carecall report outcomes writes table, json or csv (see carecall --help)");
    refused_at(s, {"report", "fairness", "--from", "2027-07-10", "--to", "2027-07-01"}, 65,
               "--to: 2027-07-01 is before --from 2027-07-10");
    refused_at(s, {"report", "utilisation", "--from", "2027-02-30"}, 65,
               "--from: 2027-02-30 is not a real date");
    refused_at(s, {"report", "isolation", "--days", "0"}, 2,
               "--days: Value 0 not in range 1 to 3660 (see carecall --help)");
}
