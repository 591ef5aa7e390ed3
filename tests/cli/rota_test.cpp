// carecall rota through the binary on a fresh database: the table, CSV (RFC 4180), the
// carecall-rota/1 JSON, calendar files read back by real clients (python3-icalendar and khal) over
// a week across a clock change with a contact in Sydney, and the HTML run-sheet printed to PDF by
// headless Chromium and read back with pdftotext. The tools are installed by
// `scripts/install-deps --test`; a missing tool fails the test.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <set>

#include "cli/at_risk_fixture.hpp"
#include "cli/booking_fixture.hpp"

using namespace carecall::test;
using json = nlohmann::json;

namespace {

/// 2027-03-15 10:00 GMT: the week of the spring clock change (London 2027-03-28) is ahead.
const std::string k_march = "2027-03-15T10:00:00Z";

/// Runs a shell command in the scratch directory (HOME there too); stdout, stderr, exit code.
Result sh(const Scratch& s, const std::string& cmd) {
    auto out = s.path(".sh-out");
    auto err = s.path(".sh-err");
    auto full = "cd " + shell_quote(s.dir().string()) +
                " && env -u TZ HOME=" + shell_quote(s.dir().string()) + " " + cmd + " >" +
                shell_quote(out) + " 2>" + shell_quote(err) + " </dev/null";
    int status = std::system(full.c_str());
    Result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
}

/// The tests prove what real clients read: a missing tool is a failure, never a skip.
void require_tool(const std::string& path) {
    INFO(path << " is missing: run scripts/install-deps --test");
    REQUIRE(std::filesystem::exists(path));
}

/// RFC 4180: records end with CRLF, fields with a comma, quote or line break are quoted.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char ch = text[i];
        if (quoted) {
            if (ch == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (ch == '"') {
                quoted = false;
            } else {
                field += ch;
            }
        } else if (ch == '"') {
            REQUIRE(field.empty());
            quoted = true;
        } else if (ch == ',') {
            row.push_back(field);
            field.clear();
        } else if (ch == '\r') {
            REQUIRE(i + 1 < text.size());
            REQUIRE(text[i + 1] == '\n');
            ++i;
            row.push_back(field);
            field.clear();
            rows.push_back(row);
            row.clear();
        } else {
            REQUIRE(ch != '\n'); // a bare LF outside quotes is not RFC 4180
            field += ch;
        }
    }
    REQUIRE_FALSE(quoted);
    REQUIRE(field.empty());
    REQUIRE(row.empty()); // the last record ends with CRLF too
    return rows;
}

/// A day on both wards of the care home (Mon 2027-07-05): four calls on Rose Ward on two
/// devices (one helped, one with a contact in Sydney), one on Bluebell Unit, one cancelled.
void book_day(const Scratch& s) {
    care_home(s);
    ok_at(s, {"-q", "book", "--resident", "R-ASHA", "--contact", "C-RAJ", "--at",
              "2027-07-05 09:00"}); // B-1
    ok_at(s, {"-q", "book", "--resident", "R-CORA", "--contact", "C-LUCY", "--at",
              "2027-07-05 10:00"}); // B-2
    ok_at(s, {"-q", "book", "--resident", "R-BEN", "--contact", "C-LUCY", "--at",
              "2027-07-05 10:45", "--device", "PORTAL-1"}); // B-3
    ok_at(s, {"-q", "book", "--resident", "R-HAL", "--contact", "C-TOM", "--at", "2027-07-05 11:15",
              "--device", "PORTAL-2"}); // B-4
    ok_at(s, {"-q", "book", "--resident", "R-IVY", "--contact", "C-TOM", "--at",
              "2027-07-05 14:00"}); // B-5
    ok_at(s, {"-q", "book", "--resident", "R-IVY", "--contact", "C-LUCY", "--at",
              "2027-07-05 16:00"}); // B-6
    ok_at(s, {"-q", "cancel", "B-6", "--reason", "unwell"});
}

/// The week 2027-03-22 (Mon) to 2027-03-28 (Sun; London's clocks go forward at 01:00 GMT):
/// Asha and Raj (Sydney) at 09:00 London time every day, Ivy and Lucy at 10:00 on Tuesday.
void book_clock_change_week(const Scratch& s) {
    care_home(s);
    for (int d = 22; d <= 28; ++d) {
        ok_at(s,
              {"-q", "book", "--resident", "R-ASHA", "--contact", "C-RAJ", "--at",
               "2027-03-" + std::to_string(d) + " 09:00"},
              k_march);
    }
    ok_at(s,
          {"-q", "book", "--resident", "R-IVY", "--contact", "C-LUCY", "--at", "2027-03-23 10:00"},
          k_march);
}

/// The (UID, UTC start, STATUS, SEQUENCE) of each event as python3-icalendar reads the file.
std::vector<std::string> icalendar_events(const Scratch& s, const std::string& file) {
    require_tool("/usr/bin/python3");
    auto check = sh(s, "/usr/bin/python3 -c 'import icalendar'");
    INFO("python3-icalendar is missing (scripts/install-deps --test): " << check.err);
    REQUIRE(check.code == 0);
    s.write("read_ics.py", R"(import sys, datetime, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
assert cal["VERSION"] == "2.0"
for e in cal.walk("VEVENT"):
    start = e.decoded("DTSTART")
    assert start.utcoffset() == datetime.timedelta(0), start
    print(e["UID"], start.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
          e.get("STATUS"), e.get("SEQUENCE"), e.decoded("DTSTAMP").strftime("%Y%m%dT%H%M%SZ"))
)");
    auto r = sh(s, "/usr/bin/python3 read_ics.py " + shell_quote(file));
    INFO("stderr: " << r.err);
    REQUIRE(r.code == 0);
    std::vector<std::string> lines;
    std::istringstream in(r.out);
    for (std::string l; std::getline(in, l);) {
        lines.push_back(l);
    }
    return lines;
}

/// `khal list` of the imported calendar, in the given local zone: "YYYY-MM-DD HH:MM title" lines.
std::vector<std::string> khal_list(const Scratch& s, const std::string& file, const std::string& tz,
                                   const std::string& from, const std::string& range) {
    require_tool("/usr/bin/khal");
    auto dir = s.path("khal-" + std::to_string(std::hash<std::string>{}(file + tz)));
    std::filesystem::create_directories(dir + "/cal");
    s.write(std::filesystem::path(dir).filename().string() + "/config",
            "[calendars]\n[[rota]]\npath = " + dir +
                "/cal\ntype = calendar\n"
                "[locale]\nlocal_timezone = " +
                tz + "\ndefault_timezone = " + tz +
                "\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
                "datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n"
                "[sqlite]\npath = " +
                dir + "/khal.db\n");
    auto config = shell_quote(dir + "/config");
    auto imp = sh(s, "khal -c " + config + " import --batch -a rota " + shell_quote(file));
    INFO("khal import: " << imp.err);
    REQUIRE(imp.code == 0);
    auto r = sh(s, "khal -c " + config + " list --day-format '' --format '{start} {title}' " +
                       from + " " + range);
    INFO("khal list: " << r.err);
    REQUIRE(r.code == 0);
    std::vector<std::string> lines;
    std::istringstream in(r.out);
    for (std::string l; std::getline(in, l);) {
        if (!l.empty()) {
            lines.push_back(l);
        }
    }
    return lines;
}

} // namespace

TEST_SUITE("cli rota") {

    TEST_CASE("rota: the table of a ward's day, with the contacts' own times and preparation") {
        Scratch s;
        book_day(s);
        auto out = ok_at(s, {"-q", "rota", "--date", "2027-07-05", "--ward", "W-ROSE"});
        CHECK(first_line(out) ==
              "Rose Ward (W-ROSE), Sunnyside Care Home: Mon 2027-07-05 (Europe/London)");
        CHECK(contains(out, "\nTIME             RESIDENT         CONTACT (THEIR TIME)    DEVICE    "
                            "HELPER\n09:00-09:30 BST  Asha Patel (12)  Raj Patel (18:00 AEST)  "
                            "Portal-1  -\n"));
        CHECK(contains(out, "\n10:00-10:30 BST  Cora Lin (14)    Lucy Brown              Portal-1  "
                            "Sam Reed\n"));
        // The preparation list wraps at 80 columns under "prepare:".
        auto unwrapped = out;
        for (auto at = unwrapped.find("\n           "); at != std::string::npos;
             at = unwrapped.find("\n           ")) {
            unwrapped.replace(at, 12, " ");
        }
        CHECK(contains(unwrapped, "  prepare: clean and charge Portal-1; position it in room 14 so "
                                  "no other resident is on camera; hearing aids in and glasses on, "
                                  "if worn; BSL interpreter: Sam Reed\n"));
        CHECK(contains(out, "  prepare: clean and charge Portal-2; position it in room 15 so no"));
        CHECK(contains(out, "14:00-14:30 BST"));
        CHECK_FALSE(contains(out, "Ben Okafor"));  // Bluebell Unit
        CHECK_FALSE(contains(out, "16:00-16:30")); // cancelled: only with --all
        auto all = ok_at(s, {"-q", "rota", "--date", "2027-07-05", "--ward", "W-ROSE", "--all"});
        CHECK(contains(all, "16:00-16:30 BST"));
        CHECK(contains(all, "CANCELLED"));
        // Readable at 80 columns.
        std::istringstream in(out);
        for (std::string l; std::getline(in, l);) {
            INFO(l);
            CHECK(l.size() <= 80);
        }
        // How to reach a contact, when it is known, goes under the call.
        exec_sql(s.db(),
                 "UPDATE contact SET reach = 'WhatsApp +61 2 5550 1234' WHERE code = 'C-RAJ'");
        CHECK(contains(ok_at(s, {"-q", "rota", "--date", "2027-07-05", "--ward", "W-ROSE"}),
                       "\n  reach: Raj Patel (son) WhatsApp +61 2 5550 1234\n"));
        // Tomorrow, from the injected clock: 2027-07-01 is a Thursday; nothing booked on Friday.
        CHECK(ok_at(s, {"-q", "rota", "--date", "tomorrow"}) == "no calls on Fri 2027-07-02\n");
        // The site: both wards, each under its own heading; --device: that device's calls.
        auto site = ok_at(s, {"-q", "rota", "--date", "2027-07-05", "--site", "SUNNY"});
        CHECK(contains(site, "Bluebell Unit (W-BLUE)"));
        CHECK(contains(site, "Ben Okafor (3)"));
        auto dev =
            ok_at(s, {"-q", "rota", "--from", "2027-07-05", "--days", "2", "--device", "PORTAL-2"});
        CHECK(contains(dev, "Hal Jones"));
        CHECK_FALSE(contains(dev, "Asha Patel"));
        auto r = run_at(s, {"rota", "--date", "2027-07-05"});
        CHECK(contains(r.err, "5 calls from 2027-07-05 to 2027-07-05"));
    }

    TEST_CASE("rota --format csv follows RFC 4180") {
        Scratch s;
        book_day(s);
        exec_sql(s.db(), "UPDATE contact SET reach = '+61 2 5550 1234, \"WhatsApp\"' "
                         "WHERE code = 'C-RAJ'");
        auto out = ok_at(s, {"-q", "--format", "csv", "rota", "--date", "2027-07-05"});
        auto rows = parse_csv(out);
        REQUIRE(rows.size() == 6); // header + 5 calls
        CHECK(rows[0] == std::vector<std::string>{
                             "date", "ward", "site_time", "site_tz", "their_time", "resident",
                             "room", "contacts", "reach", "device", "helper", "status", "booking",
                             "request", "start_utc", "end_utc", "preparation", "at_risk"});
        for (const auto& row : rows) {
            CHECK(row.size() == rows[0].size());
        }
        CHECK(rows[1] == std::vector<std::string>{
                             "2027-07-05", "W-ROSE", "09:00-09:30 BST", "Europe/London",
                             "18:00-18:30 AEST", "Asha Patel", "12", "Raj Patel (son)",
                             "+61 2 5550 1234, \"WhatsApp\"", "Portal-1", "", "booked", "B-1", "",
                             "2027-07-05T08:00:00Z", "2027-07-05T08:30:00Z",
                             "clean and charge Portal-1; position it in room 12 so no other "
                             "resident is on camera; hearing aids in and glasses on, if worn",
                             ""});
        CHECK(rows[3][5] == "Ben Okafor");
        CHECK(rows[3][1] == "W-BLUE");
    }

    TEST_CASE("rota --format json is carecall-rota/1") {
        Scratch s;
        book_day(s);
        auto j = parse_json(ok_at(s, {"-q", "--json", "rota", "--date", "2027-07-05"}));
        CHECK(j["format"] == "carecall-rota/1");
        CHECK(j["producer"] == "carecall 0.1.0");
        REQUIRE(j["calls"].is_array());
        CHECK(j["unscheduled"] == json::array());
        REQUIRE(j["calls"].size() == 5); // the cancelled call is not part of the plan
        std::set<std::string> starts;
        for (const auto& c : j["calls"]) {
            for (const char* key : {"resident", "contact", "device", "start_utc", "end_utc"}) {
                CHECK(c[key].is_string());
            }
            CHECK(c.contains("request"));
            CHECK((c["staff"].is_null() || c["staff"].is_string()));
            CHECK(c["start_utc"].get<std::string>().size() == 20);
            starts.insert(c["start_utc"].get<std::string>());
        }
        CHECK(starts == std::set<std::string>{"2027-07-05T08:00:00Z", "2027-07-05T09:00:00Z",
                                              "2027-07-05T09:45:00Z", "2027-07-05T10:15:00Z",
                                              "2027-07-05T13:00:00Z"});
        const auto& c = j["calls"][1];
        CHECK(c["resident"] == "R-CORA");
        CHECK(c["contact"] == "C-LUCY");
        CHECK(c["device"] == "PORTAL-1");
        CHECK(c["staff"] == "E-SAM");
        CHECK(c["request"].is_null());
        CHECK(c["end_utc"] == "2027-07-05T09:30:00Z");
        CHECK(c["start_local"] == "2027-07-05T10:00:00+01:00");
        // --format json is the same document; --ward narrows it.
        CHECK(parse_json(ok_at(s, {"-q", "--format", "json", "rota", "--date", "2027-07-05"})) ==
              j);
        auto blue = parse_json(
            ok_at(s, {"-q", "--json", "rota", "--date", "2027-07-05", "--ward", "W-BLUE"}));
        REQUIRE(blue["calls"].size() == 1);
        CHECK(blue["calls"][0]["resident"] == "R-BEN");
    }

    TEST_CASE("rota --format ics: python3-icalendar reads UTC starts across the clock change") {
        Scratch s;
        book_clock_change_week(s);
        ok_at(s,
              {"-q", "rota", "--from", "2027-03-22", "--to", "2027-03-28", "--format", "ics", "-o",
               s.path("week.ics")},
              k_march);
        CHECK(mode_of(s.path("week.ics")) == 0600);
        auto events = icalendar_events(s, s.path("week.ics"));
        REQUIRE(events.size() == 8);
        std::vector<std::string> starts;
        for (const auto& e : events) {
            std::istringstream in(e);
            std::string uid, start, status, seq;
            in >> uid >> start >> status >> seq;
            CHECK(status == "CONFIRMED");
            CHECK(seq == "0");
            CHECK(uid.size() > 0);
            CHECK(contains(uid, "@sunny.carecall"));
            starts.push_back(start);
        }
        // 09:00 GMT before the change, 09:00 BST (08:00 UTC) on Sunday 28th.
        CHECK(starts == std::vector<std::string>{"2027-03-22T09:00:00Z", "2027-03-23T09:00:00Z",
                                                 "2027-03-23T10:00:00Z", "2027-03-24T09:00:00Z",
                                                 "2027-03-25T09:00:00Z", "2027-03-26T09:00:00Z",
                                                 "2027-03-27T09:00:00Z", "2027-03-28T08:00:00Z"});
        // The same file again: same UIDs, DTSTAMPs and bytes (nothing depends on "now").
        CHECK(ok_at(s, {"-q", "rota", "--from", "2027-03-22", "--days", "7", "--format", "ics"},
                    k_march) == s.read("week.ics"));
        // Moving then cancelling a call raises its SEQUENCE and marks it cancelled; same UID.
        ok_at(s, {"-q", "move", "B-8", "--to", "2027-03-23 11:00"}, k_march);
        ok_at(s, {"-q", "cancel", "B-8", "--reason", "family visiting"}, k_march);
        ok_at(s,
              {"-q", "rota", "--from", "2027-03-22", "--days", "7", "--format", "ics", "-o",
               s.path("week2.ics")},
              k_march);
        auto after = icalendar_events(s, s.path("week2.ics"));
        REQUIRE(after.size() == 8);
        CHECK(std::count_if(after.begin(), after.end(), [](const std::string& e) {
                  return starts_with(e,
                                     "booking-8@sunny.carecall 2027-03-23T11:00:00Z CANCELLED 2 ");
              }) == 1);
    }

    TEST_CASE("rota --format ics: khal lists the calls at the right local times") {
        Scratch s;
        book_clock_change_week(s);
        ok_at(s,
              {"-q", "rota", "--from", "2027-03-22", "--days", "7", "--format", "ics", "-o",
               s.path("ward.ics")},
              k_march);
        // On the ward (London) every call is at 09:00, before and after the clocks change.
        auto london = khal_list(s, s.path("ward.ics"), "Europe/London", "2027-03-22", "7d");
        std::vector<std::string> expected;
        for (int d = 22; d <= 28; ++d) {
            expected.push_back("2027-03-" + std::to_string(d) +
                               " 09:00 Call: Asha Patel (12) with Raj Patel");
            if (d == 23) {
                expected.push_back("2027-03-23 10:00 Call: Ivy Clarke (11) with Lucy Brown");
            }
        }
        CHECK(london == expected);

        // Raj's own calendar, in Sydney: 20:00 AEDT, then 19:00 once London is on summer time;
        // only his calls, and with --redact no names.
        ok_at(s,
              {"-q", "rota", "--from", "2027-03-22", "--days", "7", "--format", "ics",
               "--for-contact", "C-RAJ", "--redact", "-o", s.path("raj.ics")},
              k_march);
        auto raj_text = s.read("raj.ics");
        for (const char* name : {"Asha", "Patel", "Ivy", "Lucy", "Clarke", "room 12"}) {
            INFO(std::string(name));
            CHECK_FALSE(contains(raj_text, name));
        }
        auto sydney = khal_list(s, s.path("raj.ics"), "Australia/Sydney", "2027-03-22", "8d");
        std::vector<std::string> raj;
        for (int d = 22; d <= 27; ++d) {
            raj.push_back("2027-03-" + std::to_string(d) + " 20:00 Video call with A. P.");
        }
        raj.push_back("2027-03-28 19:00 Video call with A. P.");
        CHECK(sydney == raj);
        auto events = icalendar_events(s, s.path("raj.ics"));
        CHECK(events.size() == 7);
        // Without --redact the family calendar names their resident, still no one else.
        auto named = ok_at(s,
                           {"-q", "rota", "--from", "2027-03-22", "--days", "7", "--format", "ics",
                            "--for-contact", "C-RAJ"},
                           k_march);
        CHECK(contains(named, "SUMMARY:Video call with Asha Patel"));
        CHECK_FALSE(contains(named, "Ivy"));
        CHECK(contains(named, "Your time: 20:00-20:30 AEDT"));
        // Every format of the family's rota leaves the other residents out.
        for (std::string format : {"table", "csv", "json", "html"}) {
            INFO(format);
            auto text = ok_at(s,
                              {"-q", "--format", format, "rota", "--from", "2027-03-22", "--days",
                               "7", "--for-contact", "C-RAJ", "--redact"},
                              k_march);
            CHECK(contains(text, "A. P."));
            for (const char* name : {"Asha", "Ivy", "Lucy", "R-IVY", "C-LUCY"}) {
                INFO(std::string(name));
                CHECK_FALSE(contains(text, name));
            }
        }
    }

    TEST_CASE("rota --format html: Chromium prints every call of the ward's day to PDF") {
        Scratch s;
        book_day(s);
        require_tool("/usr/bin/chromium");
        require_tool("/usr/bin/pdftotext");
        ok_at(s, {"-q", "rota", "--date", "2027-07-05", "--ward", "W-ROSE", "--format", "html",
                  "-o", s.path("rose.html")});
        CHECK(mode_of(s.path("rose.html")) == 0600);
        auto html = s.read("rose.html");
        CHECK(contains(html, "@page { size: A4"));
        CHECK(contains(html, "<svg"));
        auto pdf =
            sh(s, "chromium --headless --no-sandbox --disable-gpu --disable-quic "
                  "--no-first-run --disable-background-networking "
                  "--disable-component-update --disable-sync --no-pdf-header-footer "
                  "--user-data-dir=" +
                      shell_quote(s.path("chromium")) + " --print-to-pdf=rose.pdf rose.html");
        INFO("chromium: " << pdf.err.substr(0, 2000));
        REQUIRE(pdf.code == 0);
        auto text = sh(s, "pdftotext rose.pdf -");
        REQUIRE(text.code == 0);
        auto pages = sh(s, "pdfinfo rose.pdf");
        // One A4 page for the ward's day (595 x 842 points).
        CHECK(contains(pages.out, "Pages:           1\n"));
        CHECK(contains(pages.out, "Page size:       594.96 x 841.92 pts (A4)"));
        // Cells wrap: compare with runs of white space as one space.
        std::string t;
        for (char ch : text.out) {
            bool space = ch == ' ' || ch == '\n' || ch == '\f';
            if (!space || (!t.empty() && t.back() != ' ')) {
                t += space ? ' ' : ch;
            }
        }
        CHECK(contains(t, "Rose Ward: Mon 2027-07-05"));
        // Every call: its time, resident, contact, device and helper; the Sydney contact's time.
        for (std::string want :
             {"09:00-09:30", "Asha Patel", "Raj Patel (son)", "their time: 18:00-18:30 AEST",
              "10:00-10:30", "Cora Lin", "Lucy Brown (daughter)", "Sam Reed",
              "BSL interpreter: Sam Reed", "11:15-11:45", "Hal Jones", "14:00-14:30", "Ivy Clarke",
              "Tom Hart (friend)", "Portal-1", "Portal-2", "Devices through the day",
              "10:45 W-BLUE"}) {
            INFO(want);
            CHECK(contains(t, want));
        }
        CHECK_FALSE(contains(t, "Ben Okafor"));  // another ward: only its ward code on the timeline
        CHECK_FALSE(contains(t, "16:00-16:30")); // cancelled
    }

    TEST_CASE("rota: refusals") {
        Scratch s;
        care_home(s);
        refused_at(s, {"rota", "--ward", "W-NONE"}, 4, "ward W-NONE not found");
        refused_at(s, {"rota", "--date", "2027-02-30"}, 65,
                   "--date: 2027-02-30 is not a real date");
        refused_at(s, {"rota", "--from", "2027-07-05", "--to", "2027-07-01"}, 65,
                   "--to: 2027-07-01 is before the first date 2027-07-05");
        auto r = run_at(s, {"rota", "--redact"});
        CHECK(r.code == 2);
        CHECK(contains(r.err, "--redact requires --for-contact"));
        // Other commands refuse the rota's formats rather than ignore them.
        refused_at(s, {"--format", "ics", "resident", "list"}, 2,
                   "--format ics: carecall resident list writes table or json "
                   "(see carecall --help)");
        refused_at(s, {"--format", "pdf", "rota"}, 2,
                   "--format: pdf not in {table,json,csv,ics,html} (see "
                   "carecall --help)");
    }
}

TEST_SUITE("cli rota") {
    TEST_CASE("rota: a call the records no longer allow is AT RISK in every format") {
        Scratch s;
        booked_calls(s);
        REQUIRE(break_portal(s).code == 0);
        Args day{"-q", "rota", "--date", "2027-07-05"};
        auto with = [&](Args extra) {
            Args a = day;
            a.insert(a.end(), extra.begin(), extra.end());
            return ok_at(s, a);
        };
        auto table = with({"--ward", "W-ROSE"});
        CHECK(contains(table, "AT RISK\n"));
        CHECK(contains(table, "  AT RISK: device.out_of_service: "));
        CHECK(contains(table, "Portal-1"));
        CHECK(with({"--ward", "W-BLUE"}).find("AT RISK") == std::string::npos);

        auto j = parse_json(with({"--format", "json"}));
        bool seen = false;
        for (const auto& c : j["calls"]) {
            REQUIRE(c.contains("at_risk"));
            if (c["booking"] == "B-1") {
                seen = true;
                REQUIRE(c["at_risk"].size() >= 1);
                CHECK(c["at_risk"][0]["rule"] == "device.out_of_service");
                CHECK(contains(c["at_risk"][0]["message"].get<std::string>(), "Portal-1"));
            } else {
                CHECK(c["at_risk"] == json::array());
            }
        }
        CHECK(seen);

        auto rows = parse_csv(with({"--format", "csv"}));
        REQUIRE(rows.size() == 4);
        CHECK(rows[0].back() == "at_risk");
        for (const auto& row : rows) {
            if (row[12] == "B-1") {
                CHECK(starts_with(row.back(), "AT RISK: device.out_of_service: "));
            } else if (row[12] != "booking") {
                CHECK(row.back().empty());
            }
        }

        auto ics = with({"--format", "ics"});
        CHECK(contains(ics, "SUMMARY:AT RISK: Call: Ivy Clarke"));
        CHECK(contains(ics, "AT RISK: device.out_of_service: "));
        auto family = with({"--format", "ics", "--for-contact", "C-LUCY"});
        CHECK(contains(family, "SUMMARY:AT RISK: Video call with Ivy Clarke"));
        CHECK_FALSE(contains(family, "device.out_of_service: device"));

        auto html = with({"--format", "html", "--ward", "W-ROSE"});
        CHECK(contains(html, "<tr class=\"risk\">"));
        CHECK(contains(html, "AT RISK: device.out_of_service: "));

        // Repaired, it is fine again everywhere.
        ok_at(s, {"-q", "repair"});
        CHECK(with({"--format", "json"}).find("device.out_of_service") == std::string::npos);
        CHECK(with({}).find("AT RISK") == std::string::npos);
    }
}
