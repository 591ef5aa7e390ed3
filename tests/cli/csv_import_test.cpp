// carecall import|export residents|contacts|staff: CSV files for spreadsheets.

#include <map>

#include <doctest/doctest.h>

#include "cli/booking_fixture.hpp"

using namespace carecall::test;

namespace {

/// Records with everything the model holds, and names a CSV file must quote.
const char* const k_people = R"json({
 "format": "carecall-scenario/1",
 "horizon": {"start_date": "2027-07-05", "days": 7},
 "sites": [{"id": "SUNNY", "name": "Sunnyside", "kind": "care_home", "tz": "Europe/London"}],
 "wards": [
  {"id": "W-ROSE", "site": "SUNNY", "name": "Rose Ward",
   "calling_hours": [{"weekdays": [0,1,2,3,4,5,6], "start": "08:00", "end": "23:00"}]},
  {"id": "W-BLUE", "site": "SUNNY", "name": "Bluebell",
   "calling_hours": [{"weekdays": [0,1,2,3,4,5,6], "start": "00:00", "end": "24:00"}]}],
 "residents": [
  {"id": "R-SIO", "ward": "W-ROSE", "name": "Siobhán O'Brien, \"Shiv\" (second name)",
   "room": "12, east wing", "admitted": "2026-01-10", "needs_assistance": true,
   "competences": ["bsl", "dementia"], "max_call_minutes": 45, "max_calls_per_day": 2,
   "care_blocks": [{"weekdays": [0,1,2,3,4,5,6], "start": "12:00", "end": "13:00",
                    "label": "lunch; then rest"},
                   {"weekdays": [0,2,4], "start": "09:00", "end": "09:30", "label": "meds"}],
   "one_off_blocks": [{"start": "2027-07-07T15:00", "end": "2027-07-07T16:00",
                       "label": "physio, gym"},
                      {"start": "2027-10-31T01:30+00:00", "end": "2027-10-31T02:30",
                       "label": "clock change"}],
   "consent": {"status": "best_interest", "by": "Dr Okafor", "recorded": "2027-01-05",
               "review": "2027-07-05"}},
  {"id": "R-ZOE", "ward": "W-BLUE", "name": "Zoë Ålund 😀", "discharged": "2027-12-01"},
  {"id": "R-FAT", "ward": "W-ROSE", "name": "فاطمة الزهراء", "consent": "refused"},
  {"id": "R-EQ", "ward": "W-ROSE", "name": "=HYPERLINK(\"http://x\",\"click\")"}],
 "contacts": [
  {"id": "C-RAJ", "name": "Raj Patel", "relationship": "son", "tz": "Australia/Sydney",
   "availability": [{"weekdays": [0,1,2,3,4], "start": "07:00", "end": "09:00"}],
   "absences": [{"start": "2027-07-08T00:00", "end": "2027-07-10T00:00",
                 "label": "wedding in Goa"}],
   "reach": "+61 400 000 000, after 7am\nor email raj@example.org"},
  {"id": "C-NIAMH", "name": "Niamh \"Nee\" Ní Bhriain", "relationship": "friend",
   "tz": "Europe/Dublin",
   "availability": [{"weekdays": [5,6], "start": "10:00", "end": "12:00", "label": "weekends"}]}],
 "devices": [],
 "staff": [
  {"id": "E-SAM", "name": "Sam Reed, RN", "wards": ["W-BLUE", "W-ROSE"],
   "competences": ["bsl"],
   "shifts": [{"start": "2027-07-06T07:00", "end": "2027-07-06T19:30", "label": "cover"}],
   "weekly_shifts": [{"weekdays": [0,1,2,3,4], "start": "08:00", "end": "16:00"}]},
  {"id": "E-KIM", "name": "Kim Cho", "ward": "W-ROSE"}],
 "requests": [], "approvals": []
})json";

/// The same home with sites and wards only: what residents and staff refer to.
std::string wards_only() {
    auto j = nlohmann::json::parse(k_people);
    for (const char* kind : {"residents", "contacts", "staff"}) {
        j[kind] = nlohmann::json::array();
    }
    return j.dump();
}

const char* const k_kinds[] = {"residents", "contacts", "staff"};

/// "R-00042"
std::string fmt_code(int i) {
    std::string digits = std::to_string(i);
    return "R-" + std::string(5 - digits.size(), '0') + digits;
}

/// `KIND show CODE --json` without the database id (a fresh database numbers records anew).
nlohmann::json record_without_id(const Scratch& s, const std::string& kind,
                                 const std::string& code) {
    auto r = s.show(kind, code);
    r.erase("id");
    return r;
}

} // namespace

TEST_CASE("export then import into a fresh database gives identical records") {
    Scratch a;
    a.ok({"-q", "import", "scenario", "-"}, k_people);
    Scratch b;
    b.ok({"-q", "import", "scenario", "-"}, wards_only());
    std::map<std::string, std::string> first;
    for (const char* kind : k_kinds) {
        first[kind] = a.ok({"export", kind});
        // -o writes the same bytes, created 0600.
        a.ok({"-q", "export", kind, "-o", a.path(std::string(kind) + ".csv")});
        CHECK(a.read(std::string(kind) + ".csv") == first[kind]);
        CHECK(mode_of(a.path(std::string(kind) + ".csv")) == 0600);
        b.write(std::string(kind) + ".csv", first[kind]);
    }
    // RFC 4180: CRLF, quotes doubled, new lines kept inside quotes.
    CHECK(starts_with(first["residents"],
                      "code,name,ward,room,admitted,discharged,needs_assistance,competences,"
                      "max_call_minutes,max_calls_per_day,care_blocks,one_off_blocks,consent,"
                      "consent_by,consent_recorded,consent_review\r\n"));
    CHECK(contains(
        first["residents"],
        "\r\nR-SIO,\"Siobhán O'Brien, \"\"Shiv\"\" (second name)\",W-ROSE,\"12, east wing\","
        "2026-01-10,,yes,bsl; dementia,45,2,\"daily 12:00-13:00 lunch\\; then rest; "
        "mon,wed,fri 09:00-09:30 meds\",\"2027-07-07T15:00/2027-07-07T16:00 physio, gym; "
        "2027-10-31T01:30+00:00/2027-10-31T02:30 clock change\",best_interest,"
        "Dr Okafor,2027-01-05,2027-07-05\r\n"));
    CHECK(contains(first["residents"], "\r\nR-ZOE,Zoë Ålund 😀,W-BLUE,,,2027-12-01,no,"));
    CHECK(contains(first["staff"],
                   "\r\nE-SAM,\"Sam Reed, RN\",W-BLUE; W-ROSE,bsl,"
                   "mon-fri 08:00-16:00,2027-07-06T07:00/2027-07-06T19:30 cover\r\n"));

    for (const char* kind : {"contacts", "residents", "staff"}) {
        auto out = b.json({"import", kind, b.path(std::string(kind) + ".csv")});
        CHECK(out["format"] == "carecall-sheet-import/1");
        CHECK(out["updated"] == 0);
    }
    for (const char* kind : k_kinds) {
        INFO(kind);
        CHECK(b.ok({"export", kind}) == first[kind]);
    }
    for (const char* code : {"R-SIO", "R-ZOE", "R-FAT", "R-EQ"}) {
        CHECK(record_without_id(a, "resident", code) == record_without_id(b, "resident", code));
    }
    for (const char* code : {"C-RAJ", "C-NIAMH"}) {
        CHECK(record_without_id(a, "contact", code) == record_without_id(b, "contact", code));
    }
    for (const char* code : {"E-SAM", "E-KIM"}) {
        CHECK(record_without_id(a, "staff", code) == record_without_id(b, "staff", code));
    }
    // Importing the same files again updates every record and changes none.
    auto before = record_without_id(b, "resident", "R-SIO");
    auto again = b.json({"import", "residents", b.path("residents.csv")});
    CHECK(again["added"] == 0);
    CHECK(again["updated"] == 4);
    CHECK(record_without_id(b, "resident", "R-SIO") == before);
}

TEST_CASE("export --for-spreadsheet keeps formulas from running") {
    Scratch s;
    s.ok({"-q", "import", "scenario", "-"}, k_people);
    auto plain = s.ok({"export", "residents"});
    auto safe = s.ok({"export", "residents", "--for-spreadsheet"});
    CHECK(contains(plain, "\r\nR-EQ,\"=HYPERLINK(\"\"http://x\"\",\"\"click\"\")\",W-ROSE,"));
    CHECK(contains(safe, "\r\nR-EQ,\"'=HYPERLINK(\"\"http://x\"\",\"\"click\"\")\",W-ROSE,"));
    // A contact's reach starting with + is a phone number, and a formula to a spreadsheet.
    CHECK(
        contains(s.ok({"export", "contacts", "--for-spreadsheet"}), ",\"'+61 400 000 000, after"));
    // Other cells are the same.
    CHECK(contains(safe, "\r\nR-ZOE,Zoë Ålund 😀,W-BLUE,,,2027-12-01,no,"));
}

TEST_CASE("import residents: keyed by code, columns left out keep their values") {
    Scratch s;
    small_home(s);
    auto r = s.run({"import", "residents", "-"},
                   "code,name,ward\r\nR-0042,Asha Patel-Rao,W-ROSE\r\nR-0043,Ben Okafor,W-BLUE\r\n"
                   ",,\r\n,,\r\n"); // the empty rows a spreadsheet leaves are skipped
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.empty());
    CHECK(r.err == "imported -: 2 residents (1 added, 1 updated)\n");
    auto asha = s.show("resident", "R-0042");
    CHECK(asha["name"] == "Asha Patel-Rao");
    CHECK(asha["room"] == "12");
    auto ben = s.show("resident", "R-0043");
    CHECK(ben["ward"] == "W-BLUE");
    CHECK(ben["consent"]["status"] == "none");
    // The import is one audit row besides the records' own.
    auto audit = s.json({"audit", "list", "--limit", "1"});
    CHECK(audit["items"][0]["action"] == "import");
    CHECK(audit["items"][0]["kind"] == "residents");
    CHECK(audit["items"][0]["details"]["added"] == 1);
}

TEST_CASE("import refuses a bad file naming file, line, column and value; nothing is written") {
    Scratch s;
    small_home(s);
    auto refuse = [&](const std::string& text, const std::string& message,
                      const char* kind = "residents") {
        s.write("in.csv", text);
        check_refused(s, {"import", kind, s.path("in.csv")}, 65, s.path("in.csv") + ":" + message);
    };
    refuse("code,name,colour\nR-1,A,red\n",
           "1: colour: not a column of this file (expected code, name, ward, room, admitted, "
           "discharged, needs_assistance, competences, max_call_minutes, max_calls_per_day, "
           "care_blocks, one_off_blocks, consent, consent_by, consent_recorded, consent_review)");
    refuse("code;name;ward\nR-1;A;W-ROSE\n",
           "1: code;name;ward: not a column of this file (expected code, name, ward, room, "
           "admitted, discharged, needs_assistance, competences, max_call_minutes, "
           "max_calls_per_day, care_blocks, one_off_blocks, consent, consent_by, "
           "consent_recorded, consent_review) (the fields seem to be separated by ';': save the "
           "file as CSV with commas)");
    refuse("name,ward\nA,W-ROSE\n",
           "1: code: the header has no code column (it says which record a row is)");
    refuse("code,name,ward\nR-1,A,W-ROSE\nR-2,B,W-NONE\n", "3: ward: no ward W-NONE");
    refuse("code,name,ward\nR-1,A,W-ROSE\nR-1,B,W-ROSE\n", "3: code: R-1 is also on line 2");
    refuse("code,name,ward\n\"R-1\",\"A\nB,W-ROSE\n",
           "2: name: a quoted field is never closed (a quote is missing)");
    refuse("code,name,ward\nR-1,Zo\xEB,W-ROSE\n",
           "2: name: invalid UTF-8 at byte 3 of the field (save the file as UTF-8)");
    refuse("code,name,ward\nR 1,A,W-ROSE\n",
           "2: code: 'R 1' may hold only letters, digits, '-', '_' and '.'");
    refuse("code,ward,max_call_minutes\nR-0042,W-ROSE,lots\n",
           "2: max_call_minutes: 'lots' is not a whole number");
    refuse("code,ward,max_call_minutes\nR-0042,W-ROSE,0\n",
           "2: max_call_minutes: 0 must be a positive whole number");
    refuse("code,ward,admitted\nR-0042,W-ROSE,2027-02-30\n",
           "2: admitted: 2027-02-30 is not a real date");
    refuse("code,ward,care_blocks\nR-0042,W-ROSE,daily 12:00-13:00 lunch; someday 10:00-11:00\n",
           "2: care_blocks: 'someday 10:00-11:00' has 'someday', not a day (expected mon … sun, "
           "daily, weekdays or weekends)");
    refuse("code,ward,one_off_blocks\nR-0042,W-ROSE,2027-03-28T01:30/2027-03-28T03:00 x\n",
           "2: one_off_blocks: 2027-03-28 01:30 does not exist in Europe/London: the clocks go "
           "forward then; the nearest real times are 2027-03-28T00:59:00+00:00 and "
           "2027-03-28T02:00:00+01:00");
    refuse("code,tz\nC-RAJ,Mars/Olympus\n",
           "2: tz: unknown time zone 'Mars/Olympus' (expected an IANA name such as "
           "Europe/London)",
           "contacts");
    refuse("code,wards\nE-1,W-ROSE; W-GONE\n", "2: wards: no ward W-GONE", "staff");
    refuse("", "1: the file is empty (expected a header row)");

    auto missing = s.run({"import", "residents", s.path("nope.csv")});
    CHECK(missing.code == 66);
    // A file that is not CSV does not create a database either.
    Scratch none;
    none.write("bad.csv", "code\n\"R-1\n");
    auto r = none.run({"import", "residents", none.path("bad.csv")});
    CHECK(r.code == 65);
    CHECK_FALSE(std::filesystem::exists(none.db()));
}

TEST_CASE("import: one bad row in 10,000 writes nothing; the mended file imports") {
    Scratch s;
    small_home(s);
    std::string text = "code,name,ward,room,care_blocks\r\n";
    for (int i = 1; i <= 10000; ++i) {
        auto code = fmt_code(i);
        text += code + ",\"Resident " + std::to_string(i) + ", Zoë\"," +
                (i % 2 == 0 ? "W-ROSE" : "W-BLUE") + "," + std::to_string(i) +
                (i == 9876 ? ",daily 12:00-25:00 lunch" : ",daily 12:00-13:00 lunch") + "\r\n";
    }
    s.write("big.csv", text);
    auto before = s.dump();
    auto r = s.run({"import", "residents", s.path("big.csv")});
    // The header is line 1, so row 9876 is on line 9877.
    check_error(r, 65,
                s.path("big.csv") + ":9877: care_blocks: 25:00 is not a time (expected HH:MM)");
    CARECALL_CHECK_SAME(before, s.dump());

    auto at = text.find("12:00-25:00");
    text.replace(at, 11, "12:00-13:00");
    s.write("big.csv", text);
    auto ok = s.json({"import", "residents", s.path("big.csv")});
    CHECK(ok["added"] == 10000);
    CHECK(query_int(s.db(), "SELECT count(*) FROM resident") == 10001);
}
