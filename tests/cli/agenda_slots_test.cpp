// carecall agenda (filters, table and JSON), waitlist, and slots: every start slots lists is one
// book accepts, and on the grid the starts it leaves out are ones book refuses.
#include <cstdio>
#include <set>

#include "cli/at_risk_fixture.hpp"
#include "cli/booking_fixture.hpp"

using namespace carecall::test;
using nlohmann::json;

namespace {

/// Mon 5 July: calls on both wards, three devices, a helper, a contact abroad, one cancelled.
void build_busy_monday(const Scratch& s) {
    care_home(s);
    ok_at(s, {"-q", "book", "--resident", "R-ASHA", "--contact", "C-LUCY", "--contact", "C-RAJ",
              "--at", "2027-07-05 10:00"}); // B-1
    ok_at(s, {"-q", "book", "--resident", "R-BEN", "--contact", "C-TOM", "--at", "2027-07-05 10:45",
              "--device", "PORTAL-1"}); // B-2
    ok_at(s, {"-q", "book", "--resident", "R-CORA", "--contact", "C-LUCY", "--at",
              "2027-07-05 11:00"}); // B-3
    ok_at(s, {"-q", "book", "--resident", "R-IVY", "--contact", "C-TOM", "--at",
              "2027-07-06 09:00"}); // B-4
    ok_at(s, {"-q", "book", "--resident", "R-BEN", "--contact", "C-RAJ", "--at",
              "2027-07-05 23:30"}); // B-5
    ok_at(s, {"-q", "book", "--resident", "R-IVY", "--contact", "C-LUCY", "--at",
              "2027-07-05 15:00"}); // B-6
    ok_at(s, {"-q", "cancel", "B-6", "--reason", "Lucy cannot make it"});
}

/// The same, built once and copied into each test's database.
void busy_monday(const Scratch& s) {
    static Scratch made;
    static bool built = false;
    if (!built) {
        build_busy_monday(made);
        built = true;
    }
    namespace fs = std::filesystem;
    fs::copy_file(made.db(), s.db(), fs::copy_options::overwrite_existing);
    REQUIRE_FALSE(fs::exists(made.db() + "-wal"));
}

std::vector<std::string> codes(const json& calls) {
    std::vector<std::string> out;
    for (const auto& c : calls) {
        out.push_back(c["code"].get<std::string>());
    }
    return out;
}

std::vector<std::string> agenda_codes(const Scratch& s, Args filter) {
    filter.insert(filter.begin(), {"--json", "agenda"});
    auto j = parse_json(ok_at(s, filter));
    CHECK(j["format"] == "carecall-agenda/1");
    return codes(j["calls"]);
}

using Codes = std::vector<std::string>;

/// `book` on a copy of the database (so each check starts from the same state).
Result book_on_copy(const Scratch& s, const std::string& name, const Args& book) {
    auto db = copy_db(s, name);
    Args args{"--db", db};
    auto more = now_args(book);
    args.insert(args.end(), more.begin(), more.end());
    return s.run(args, {}, {}, false);
}

} // namespace

TEST_SUITE("cli agenda slots") {

    TEST_CASE("agenda: a day's calls, with the contacts' own times") {
        Scratch s;
        busy_monday(s);
        auto r = run_at(s, {"agenda", "--date", "2027-07-05"});
        CHECK(r.code == 0);
        CHECK(r.out == "CALL  DAY             TIME             RESIDENT    CONTACTS (THEIR TIME)   "
                       "            "
                       "DEVICE    HELPER  STATUS\n"
                       "B-1   Mon 2027-07-05  10:00-10:30 BST  Asha Patel  Lucy Brown, Raj Patel "
                       "(19:00 AEST)  "
                       "PORTAL-1          booked\n"
                       "B-2   Mon 2027-07-05  10:45-11:15 BST  Ben Okafor  Tom Hart                "
                       "            "
                       "PORTAL-1          booked\n"
                       "B-3   Mon 2027-07-05  11:00-11:30 BST  Cora Lin    Lucy Brown              "
                       "            "
                       "PORTAL-2  E-SAM   booked\n"
                       "B-5   Mon 2027-07-05  23:30-00:00 BST  Ben Okafor  Raj Patel (08:30 AEST)  "
                       "            "
                       "TAB-B             booked\n");
        CHECK(r.err == "4 calls\n");
        // Today (Thursday 1 July) has none; the header is still printed.
        r = run_at(s, {"agenda"});
        CHECK(r.out ==
              "CALL  DAY  TIME  RESIDENT  CONTACTS (THEIR TIME)  DEVICE  HELPER  STATUS\n");
        CHECK(r.err == "0 calls\n");
    }

    TEST_CASE("agenda: --ward, --resident, --contact, --device, --days, --all, --tz") {
        Scratch s;
        busy_monday(s);
        CHECK(agenda_codes(s, {"--date", "2027-07-05", "--ward", "W-BLUE"}) == Codes{"B-2", "B-5"});
        CHECK(agenda_codes(s, {"--date", "2027-07-05", "--ward", "W-ROSE"}) == Codes{"B-1", "B-3"});
        CHECK(agenda_codes(s, {"--date", "2027-07-05", "--resident", "R-ASHA"}) == Codes{"B-1"});
        CHECK(agenda_codes(s, {"--date", "2027-07-05", "--contact", "C-TOM"}) == Codes{"B-2"});
        CHECK(agenda_codes(s, {"--date", "2027-07-05", "--contact", "C-LUCY"}) ==
              Codes{"B-1", "B-3"});
        CHECK(agenda_codes(s, {"--date", "2027-07-05", "--device", "PORTAL-1"}) ==
              Codes{"B-1", "B-2"});
        CHECK(agenda_codes(s, {"--date", "2027-07-05", "--device", "PORTAL-2"}) == Codes{"B-3"});
        CHECK(agenda_codes(s, {"--date", "2027-07-05", "--days", "2"}) ==
              Codes{"B-1", "B-2", "B-3", "B-5", "B-4"});
        CHECK(agenda_codes(s, {"--date", "2027-07-05", "--days", "2", "--device", "PORTAL-1",
                               "--contact", "C-TOM"}) == Codes{"B-2", "B-4"});
        CHECK(agenda_codes(s, {"--date", "2027-07-05", "--all"}) ==
              Codes{"B-1", "B-2", "B-3", "B-6", "B-5"});
        CHECK(agenda_codes(s, {"--date", "mon"}) == Codes{"B-1", "B-2", "B-3", "B-5"});
        CHECK(agenda_codes(s, {"--date", "tomorrow"}).empty());

        // JSON: the range asked for, in the zone it was read in.
        auto j =
            parse_json(ok_at(s, {"--json", "agenda", "--date", "2027-07-05", "--ward", "W-BLUE"}));
        CHECK(j["from"] == "2027-07-05T00:00:00+01:00");
        CHECK(j["to"] == "2027-07-06T00:00:00+01:00");
        CHECK(j["tz"] == "Europe/London");
        CHECK(j["calls"][1]["contacts"][0]["start"] == "2027-07-06T08:30:00+10:00");
        CHECK(j["calls"][1]["ward"] == "W-BLUE");
        CHECK(j["calls"][1]["device_name"] == "Tablet-B");

        // --tz: the day is Sydney's Tuesday, and the times are shown in Sydney time (regression).
        auto r = run_at(s, {"agenda", "--date", "2027-07-06", "--tz", "Australia/Sydney"});
        CHECK(r.out == "CALL  DAY             TIME              RESIDENT    CONTACTS (THEIR TIME)  "
                       "DEVICE    HELPER  STATUS\n"
                       "B-5   Tue 2027-07-06  08:30-09:00 AEST  Ben Okafor  Raj Patel              "
                       "TAB-B             booked\n"
                       "B-4   Tue 2027-07-06  18:00-18:30 AEST  Ivy Clarke  Tom Hart (09:00 BST)   "
                       "PORTAL-1          booked\n");
        j = parse_json(
            ok_at(s, {"--json", "agenda", "--date", "2027-07-06", "--tz", "Australia/Sydney"}));
        CHECK(j["from"] == "2027-07-06T00:00:00+10:00");
        CHECK(codes(j["calls"]) == Codes{"B-5", "B-4"});

        refused_at(s, {"agenda", "--ward", "W-NOPE"}, 4, "ward W-NOPE not found");
        refused_at(s, {"agenda", "--date", "03/04/2027"}, 65,
                   "--date: '03/04/2027' is ambiguous: write dates as YYYY-MM-DD");
    }

    TEST_CASE("slots: the table and the JSON") {
        Scratch s;
        busy_monday(s);
        auto r = run_at(s, {"slots", "--resident", "R-ASHA", "--contact", "C-RAJ", "--from",
                            "2027-07-05 09:00", "--limit", "5"});
        CHECK(r.code == 0);
        // 09:30 only on Portal-2 (Portal-1 is cleaned before 10:00); after Asha's call Portal-1 and
        // Portal-2 are busy until 11:30; lunch until 13:00; Raj's day ends at 14:00 BST.
        CHECK(r.out == "DAY             TIME             THEIR TIME            DEVICE    HELPER\n"
                       "Mon 2027-07-05  09:00-09:30 BST  Raj Patel 18:00 AEST  PORTAL-1\n"
                       "Mon 2027-07-05  09:15-09:45 BST  Raj Patel 18:15 AEST  PORTAL-1\n"
                       "Mon 2027-07-05  09:30-10:00 BST  Raj Patel 18:30 AEST  PORTAL-2\n"
                       "Mon 2027-07-05  11:30-12:00 BST  Raj Patel 20:30 AEST  PORTAL-1\n"
                       "Mon 2027-07-05  13:00-13:30 BST  Raj Patel 22:00 AEST  PORTAL-1\n");
        CHECK(r.err.empty());
        auto j = parse_json(ok_at(s, {"--json", "slots", "--resident", "R-CORA", "--contact",
                                      "C-LUCY", "--from", "2027-07-05 10:40", "--limit", "2"}));
        CHECK(j["format"] == "carecall-slots/1");
        REQUIRE(j["slots"].size() == 2);
        // Not before 11:30: Cora is in her own call B-3 until then.
        CHECK(j["slots"][0]["start"] == "2027-07-05T11:30:00+01:00");
        CHECK(j["slots"][0]["end"] == "2027-07-05T12:00:00+01:00");
        CHECK(j["slots"][0]["start_utc"] == "2027-07-05T10:30:00Z");
        CHECK(j["slots"][0]["device"] == "PORTAL-1");
        CHECK(j["slots"][0]["staff"] == "E-SAM");
        CHECK(j["slots"][0]["contacts"][0]["contact"] == "C-LUCY");
        CHECK(j["slots"][1]["start"] == "2027-07-05T11:45:00+01:00");

        // Nothing at all: said on stderr, the header alone on stdout.
        r = run_at(s, {"slots", "--resident", "R-CORA", "--contact", "C-LUCY", "--from",
                       "2027-07-10 09:00", "--days", "3", "--duration", "45m"});
        CHECK(r.code == 0);
        CHECK(r.out == "DAY  TIME  THEIR TIME  DEVICE  HELPER\n");
        // Saturday and Sunday nobody with bsl is on shift; Monday the ward is closed.
        CHECK(starts_with(r.err, "no free time in the next 3 days\n"));
        CHECK(contains(r.err, " of the starts: resident.ward_closed (e.g. ward Rose Ward is closed "
                              "from 2027-07-12 to 2027-07-14 (norovirus outbreak))\n"));
        CHECK(contains(r.err, " of the starts: help.none (e.g. Cora Lin needs a member of staff"));
        refused_at(s, {"slots", "--resident", "R-ASHA", "--contact", "C-LUCY", "--days", "0"}, 2,
                   "--days: Value 0 not in range 1 to 60 (see carecall --help)");
    }

    TEST_CASE("slots --limit, --days, --duration") {
        Scratch s;
        busy_monday(s);
        auto starts = [&](Args extra) {
            Args a{"--json", "slots", "--resident", "R-ASHA", "--contact", "C-RAJ"};
            a.insert(a.end(), extra.begin(), extra.end());
            std::vector<std::string> out;
            auto j = parse_json(ok_at(s, a));
            for (const auto& x : j["slots"]) {
                out.push_back(x["start"].get<std::string>().substr(0, 16));
            }
            return out;
        };
        CHECK(starts({"--from", "2027-07-05 09:00", "--limit", "2"}) ==
              Codes{"2027-07-05T09:00", "2027-07-05T09:15"});
        // One day from 09:00: Monday's times and Tuesday's before 09:00 BST.
        auto day = starts({"--from", "2027-07-05 09:00", "--days", "1", "--limit", "100"});
        CHECK(day == Codes{"2027-07-05T09:00", "2027-07-05T09:15", "2027-07-05T09:30",
                           "2027-07-05T11:30", "2027-07-05T13:00", "2027-07-05T13:15",
                           "2027-07-05T13:30", "2027-07-05T22:00", "2027-07-05T22:15",
                           "2027-07-05T22:30", "2027-07-06T08:00", "2027-07-06T08:15",
                           "2027-07-06T08:30", "2027-07-06T08:45"});
        CHECK(starts({"--from", "2027-07-05 09:00", "--days", "2", "--limit", "100"}).size() >
              day.size());
        // 45 minutes: Raj's afternoon ends at 14:00 BST; Asha manages no more than 45.
        CHECK(starts({"--from", "2027-07-05 12:00", "--days", "1", "--duration", "45m", "--limit",
                      "3"}) == Codes{"2027-07-05T13:00", "2027-07-05T13:15", "2027-07-05T22:00"});
        CHECK(starts({"--from", "2027-07-05 12:00", "--duration", "1h"}).empty());
    }

    TEST_CASE("slots: book accepts the first slot listed, and then it is no longer free") {
        Scratch s;
        busy_monday(s);
        auto j = parse_json(ok_at(s, {"--json", "slots", "--resident", "R-CORA", "--contact",
                                      "C-LUCY", "--from", "2027-07-05 10:40", "--limit", "1"}));
        REQUIRE(j["slots"].size() == 1);
        const auto& first = j["slots"][0];
        auto b = book_json(s, {"book", "--resident", "R-CORA", "--contact", "C-LUCY", "--at",
                               first["start"].get<std::string>(), "--device",
                               first["device"].get<std::string>(), "--staff",
                               first["staff"].get<std::string>()});
        CHECK(b["booking"]["start"] == first["start"]);
        CHECK(b["booking"]["device"] == first["device"]);
        CHECK(b["booking"]["staff"] == first["staff"]);
        // Without --device/--staff book picks the same ones.
        auto j2 = parse_json(ok_at(s, {"--json", "slots", "--resident", "R-HAL", "--contact",
                                       "C-TOM", "--from", "2027-07-05 12:00", "--limit", "1"}));
        REQUIRE(j2["slots"].size() == 1);
        b = book_json(s, {"book", "--resident", "R-HAL", "--contact", "C-TOM", "--at",
                          j2["slots"][0]["start"].get<std::string>()});
        CHECK(b["booking"]["device"] == j2["slots"][0]["device"]);
        CHECK(b["booking"]["staff"] == j2["slots"][0]["staff"]);
        auto after = parse_json(ok_at(s, {"--json", "slots", "--resident", "R-CORA", "--contact",
                                          "C-LUCY", "--from", "2027-07-05 10:40", "--limit", "1"}));
        CHECK(after["slots"][0]["start"] != first["start"]);
    }

    TEST_CASE("slots: listed starts are exactly the grid starts book accepts") {
        Scratch s;
        busy_monday(s);
        // 09:00-14:00 on Monday for Asha and Raj: devices busy and cleaning, Asha's own call,
        // lunch, and the end of Raj's afternoon all fall in this window.
        auto j =
            parse_json(ok_at(s, {"--json", "slots", "--resident", "R-ASHA", "--contact", "C-RAJ",
                                 "--from", "2027-07-05 09:00", "--days", "1", "--limit", "100"}));
        std::set<std::string> listed;
        for (const auto& x : j["slots"]) {
            listed.insert(x["start"].get<std::string>());
        }
        int n = 0;
        // Every grid start from 09:15 to 11:45, and the end of Raj's afternoon.
        std::vector<int> grid;
        for (int minutes = 9 * 60 + 15; minutes <= 11 * 60 + 45; minutes += 15) {
            grid.push_back(minutes);
        }
        grid.push_back(13 * 60 + 30);
        grid.push_back(13 * 60 + 45);
        for (int minutes : grid) {
            char at[40];
            std::snprintf(at, sizeof at, "2027-07-05T%02d:%02d:00+01:00", minutes / 60,
                          minutes % 60);
            CAPTURE(at);
            auto r =
                book_on_copy(s, "copy" + std::to_string(n++) + ".db",
                             {"book", "--resident", "R-ASHA", "--contact", "C-RAJ", "--at", at});
            INFO("stderr: " << r.err);
            CHECK((r.code == 0) == (listed.count(at) == 1));
            CHECK((r.code == 0 || r.code == 3));
        }
        CHECK(listed.size() >= 5);
    }

    TEST_CASE("slots: never a start in the past, even --from earlier (regression)") {
        Scratch s;
        care_home(s);
        // Now is Thu 1 July 08:00 BST.
        auto j =
            parse_json(ok_at(s, {"--json", "slots", "--resident", "R-IVY", "--contact", "C-LUCY",
                                 "--from", "2027-06-30 09:00", "--days", "2", "--limit", "2"}));
        REQUIRE(j["slots"].size() == 2);
        CHECK(j["slots"][0]["start"] == "2027-07-01T08:00:00+01:00");
        CHECK(j["slots"][1]["start"] == "2027-07-01T08:15:00+01:00");
        auto b = book_json(s, {"book", "--resident", "R-IVY", "--contact", "C-LUCY", "--at",
                               j["slots"][0]["start"].get<std::string>()});
        CHECK(b["booking"]["start"] == "2027-07-01T08:00:00+01:00");
    }

} // TEST_SUITE

TEST_SUITE("cli agenda") {
    TEST_CASE("agenda: a call the records no longer allow is AT RISK, with its rules in JSON") {
        Scratch s;
        booked_calls(s);
        REQUIRE(break_portal(s).code == 0);
        auto out = ok_at(s, {"-q", "agenda", "--date", "2027-07-05"});
        CHECK(contains(out, "AT RISK\n"));
        CHECK(contains(out, "B-1 AT RISK: device.out_of_service: "));
        CHECK_FALSE(contains(out, "B-2 AT RISK"));
        auto j = parse_json(ok_at(s, {"-q", "--json", "agenda", "--date", "2027-07-05"}));
        REQUIRE(j["calls"].size() == 3);
        for (const auto& c : j["calls"]) {
            if (c["code"] == "B-1") {
                REQUIRE(c["at_risk"].size() >= 1);
                CHECK(c["at_risk"][0]["rule"] == "device.out_of_service");
            } else {
                CHECK(c["at_risk"] == json::array());
            }
        }
    }
}
