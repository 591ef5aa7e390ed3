// carecall resident add|list|show|edit|remove|consent, and names that must survive intact.
#include "cli/at_risk_fixture.hpp"
#include "cli/cli_fixture.hpp"

using namespace carecall::test;
using nlohmann::json;

namespace {

std::string repeat(const std::string& unit, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
        out += unit;
    }
    return out;
}

void home_with_ward(const Scratch& s) {
    s.init();
    s.ok({"site", "add", "SUNNY", "--name", "SUNNY", "--tz", "Europe/London"});
    s.ok({"ward", "add", "W-ROSE", "--site", "SUNNY", "--name", "Rose Ward"});
}

} // namespace

TEST_SUITE("cli resident") {

    TEST_CASE("resident add, list and show: every field") {
        Scratch s;
        home_with_ward(s);
        auto r = s.run({"resident",
                        "add",
                        "R-0042",
                        "--ward",
                        "W-ROSE",
                        "--name",
                        "Asha Patel",
                        "--room",
                        "12",
                        "--admitted",
                        "2026-01-05",
                        "--needs-assistance",
                        "--competence",
                        "dementia",
                        "--competence",
                        "punjabi",
                        "--max-call",
                        "15m",
                        "--max-calls-per-day",
                        "2",
                        "--care-block",
                        "daily 12:00-13:00 lunch",
                        "--care-block",
                        "mon,thu 16:00-17:00 therapy",
                        "--block",
                        "2026-07-01 14:00-15:00 physio"});
        CHECK(r.code == 0);
        CHECK(r.out.empty());
        CHECK(r.err == "added resident R-0042\n");

        auto j = s.show("resident", "R-0042");
        CHECK(j["code"] == "R-0042");
        CHECK(j["name"] == "Asha Patel");
        CHECK(j["ward"] == "W-ROSE");
        CHECK(j["tz"] == "Europe/London");
        CHECK(j["room"] == "12");
        CHECK(j["admitted"] == "2026-01-05");
        CHECK(j["discharged"].is_null());
        CHECK(j["needs_assistance"] == true);
        CHECK(j["competences"] == json::array({"dementia", "punjabi"}));
        CHECK(j["max_call_minutes"] == 15);
        CHECK(j["max_calls_per_day"] == 2);
        REQUIRE(j["care_blocks"].size() == 2);
        CHECK(j["care_blocks"][0]["text"] == "daily 12:00-13:00 lunch");
        CHECK(j["care_blocks"][0]["label"] == "lunch");
        CHECK(j["care_blocks"][1]["weekdays"] == json::array({0, 3}));
        REQUIRE(j["one_off_blocks"].size() == 1);
        // Entered in site time (BST in July), shown with the offset.
        CHECK(j["one_off_blocks"][0]["start"] == "2026-07-01T14:00:00+01:00");
        CHECK(j["one_off_blocks"][0]["end"] == "2026-07-01T15:00:00+01:00");
        CHECK(j["one_off_blocks"][0]["label"] == "physio");
        CHECK(j["consent"]["status"] == "none");
        CHECK(j["approved_contacts"] == json::array());

        s.ok({"resident", "add", "R-0007", "--ward", "W-ROSE", "--name", "Bill Jones"});
        auto d = s.show("resident", "R-0007");
        CHECK(d["needs_assistance"] == false);
        CHECK(d["max_call_minutes"].is_null());
        CHECK(d["max_calls_per_day"].is_null());
        CHECK(d["competences"] == json::array());
        CHECK(d["room"] == "");

        r = s.run({"resident", "list"});
        CHECK(r.code == 0);
        CHECK(r.out == "CODE    NAME        WARD    ROOM  HELP  CONSENT\n"
                       "R-0007  Bill Jones  W-ROSE        no    none\n"
                       "R-0042  Asha Patel  W-ROSE  12    yes   none\n");
        CHECK(r.err == "2 residents\n");
        auto items = s.list("resident");
        REQUIRE(items.size() == 2);
        CHECK(items[1] == j);
        CHECK(s.json({"resident", "list", "--ward", "W-ROSE"})["items"].size() == 2);
        CHECK(s.json({"resident", "list", "--ward", "W-OTHER"})["items"].empty());
    }

    TEST_CASE("resident add: bad input is refused and writes nothing") {
        Scratch s;
        home_with_ward(s);
        s.ok({"resident", "add", "R-0042", "--name", "R-0042", "--ward", "W-ROSE"});
        const Args base = {"resident", "add", "R-1", "--name", "R-1", "--ward", "W-ROSE"};
        auto with = [&](const Args& more) {
            Args a = base;
            a.insert(a.end(), more.begin(), more.end());
            return a;
        };
        check_refused(s, {"resident", "add", "R-1", "--name", "R-1", "--ward", "W-NOPE"}, 4,
                      "ward W-NOPE not found");
        check_refused(s, {"resident", "add", "R-1", "--name", "R-1"}, 2,
                      "--ward is required (see carecall --help)");
        check_refused(s, {"resident", "add", "R-0042", "--name", "R-0042", "--ward", "W-ROSE"}, 3,
                      "resident R-0042 already exists");
        check_refused(s, with({"--max-call", "-5m"}), 65,
                      "--max-call: -5m is not a duration (expected e.g. 30m, 1h, 1h30m)");
        check_refused(s, with({"--max-call=-5m"}), 65,
                      "--max-call: -5m is not a duration (expected e.g. 30m, 1h, 1h30m)");
        check_refused(s, with({"--max-call", "0m"}), 65,
                      "--max-call: 0m must be a positive duration of at most 7 days");
        check_refused(s, with({"--max-calls-per-day", "-1"}), 65,
                      "--max-calls-per-day: -1 is not a whole number of 0 or more");
        check_refused(s, with({"--admitted", "2027-02-29"}), 65,
                      "--admitted: 2027-02-29 is not a real date");
        check_refused(s, with({"--admitted", "03/04/2027"}), 65,
                      "--admitted: 03/04/2027 is not a date (expected YYYY-MM-DD)");
        check_refused(s, with({"--admitted", "2026-02-01", "--discharged", "2026-01-01"}), 65,
                      "discharged: 2026-01-01 is before admission on 2026-02-01");
        check_refused(s, with({"--care-block", "daily 13:00-12:00 lunch"}), 65,
                      "--care-block: end 12:00 is not after start 13:00");
        check_refused(s, with({"--care-block", "daily 12:00-25:61"}), 65,
                      "--care-block: 25:61 is not a time (expected HH:MM)");
        check_refused(s, with({"--block", "2026-12-01 15:00-14:00 physio"}), 65,
                      "--block: '2026-12-01 15:00-14:00 physio': the end is not after the start");
        check_refused(
            s, with({"--block", "tomorrow"}), 65,
            "--block: 'tomorrow' is not a period (expected START/END or DATE HH:MM-HH:MM, "
            "then an optional label)");
        // A one-off block in the spring-forward gap does not exist: refused, never shifted.
        check_refused(s, with({"--block", "2027-03-28 01:30-02:30 physio"}), 65,
                      "--block: 2027-03-28 01:30 does not exist in Europe/London: the clocks go "
                      "forward then; the nearest real times are 2027-03-28T00:59:00+00:00 and "
                      "2027-03-28T02:00:00+01:00");
        // One in the fall-back overlap happens twice: refused, naming both readings.
        check_refused(s, with({"--block", "2027-10-31 01:30-03:00 physio"}), 65,
                      "--block: 2027-10-31 01:30 happens twice in Europe/London (the clocks go "
                      "back): choose 2027-10-31T01:30:00+01:00 or 2027-10-31T01:30:00+00:00");
        check_refused(s, with({"--competence", ""}), 2,
                      "--competence: is empty (see carecall --help)");
        check_refused(s, with({"--needs-assistance", "--no-assistance"}), 2,
                      "--needs-assistance and --no-assistance cannot go together");
        CHECK(s.list("resident").size() == 1);
    }

    TEST_CASE("resident edit: only the options given, lists replaced, 'none' clears") {
        Scratch s;
        home_with_ward(s);
        s.ok({"ward", "add", "W-BLUE", "--name", "W-BLUE", "--site", "SUNNY"});
        s.ok({"resident",
              "add",
              "R-0042",
              "--ward",
              "W-ROSE",
              "--name",
              "Asha Patel",
              "--room",
              "12",
              "--admitted",
              "2026-01-05",
              "--discharged",
              "2026-12-01",
              "--needs-assistance",
              "--competence",
              "dementia",
              "--max-call",
              "15m",
              "--max-calls-per-day",
              "2",
              "--care-block",
              "daily 12:00-13:00 lunch",
              "--care-block",
              "daily 18:00-19:00 tea"});
        s.ok({"resident", "consent", "R-0042", "--status", "given", "--by", "Asha Patel", "--on",
              "2026-01-05"});
        auto before = s.show("resident", "R-0042");

        auto r = s.run({"resident", "edit", "R-0042", "--room", "14"});
        CHECK(r.code == 0);
        CHECK(r.err == "changed resident R-0042\n");
        auto after = s.show("resident", "R-0042");
        CHECK(after["room"] == "14");
        auto same = before;
        same["room"] = "14";
        CHECK(after == same);

        s.ok({"resident", "edit", "R-0042", "--care-block", "daily 12:30-13:30 lunch",
              "--competence", "bsl", "--competence", "dementia"});
        after = s.show("resident", "R-0042");
        REQUIRE(after["care_blocks"].size() == 1);
        CHECK(after["care_blocks"][0]["text"] == "daily 12:30-13:30 lunch");
        CHECK(after["competences"] == json::array({"bsl", "dementia"}));
        CHECK(after["consent"] == before["consent"]);
        CHECK(after["max_call_minutes"] == 15);

        s.ok({"resident", "edit", "R-0042", "--max-call", "none", "--max-calls-per-day", "none",
              "--competence", "none", "--care-block", "none", "--discharged", "none",
              "--no-assistance", "--ward", "W-BLUE"});
        after = s.show("resident", "R-0042");
        CHECK(after["max_call_minutes"].is_null());
        CHECK(after["max_calls_per_day"].is_null());
        CHECK(after["competences"].empty());
        CHECK(after["care_blocks"].empty());
        CHECK(after["discharged"].is_null());
        CHECK(after["admitted"] == "2026-01-05");
        CHECK(after["needs_assistance"] == false);
        CHECK(after["ward"] == "W-BLUE");
        CHECK(after["name"] == "Asha Patel");
        CHECK(after["consent"] == before["consent"]);

        auto j = s.json({"resident", "edit", "R-0042", "--name", "Asha R. Patel"});
        CHECK(j["format"] == "carecall-record/1");
        CHECK(j["kind"] == "resident");
        CHECK(j["record"]["name"] == "Asha R. Patel");

        check_refused(s, {"resident", "edit", "R-0042", "--ward", "W-NOPE"}, 4,
                      "ward W-NOPE not found");
        check_refused(s, {"resident", "edit", "R-0042", "--max-call", "-5m"}, 65,
                      "--max-call: -5m is not a duration (expected e.g. 30m, 1h, 1h30m)");
        check_refused(s, {"resident", "edit", "R-9999", "--room", "1"}, 4,
                      "resident R-9999 not found");
    }

    TEST_CASE("resident consent: recorded with who, when and review") {
        Scratch s;
        home_with_ward(s);
        s.ok({"resident", "add", "R-0042", "--name", "R-0042", "--ward", "W-ROSE"});
        auto r = s.run({"resident", "consent", "R-0042", "--status", "best_interest", "--by",
                        "Dr Okafor", "--on", "2026-11-01", "--review", "2027-03-01"});
        CHECK(r.code == 0);
        CHECK(r.out.empty());
        CHECK(r.err == "consent for resident R-0042: best_interest\n");
        CHECK(s.show("resident", "R-0042")["consent"] == json({{"status", "best_interest"},
                                                               {"by", "Dr Okafor"},
                                                               {"recorded", "2026-11-01"},
                                                               {"review", "2027-03-01"}}));
        CHECK(contains(s.ok({"resident", "list"}), "best_interest"));

        {
            // The default date is today in the site's zone (--now and CARECALL_NOW).
            // 23:30 UTC on 1 July is 00:30 BST on 2 July in London.
            s.ok({"--now", "2027-07-01T23:30Z", "resident", "consent", "R-0042", "--status",
                  "refused"});
            auto c = s.show("resident", "R-0042")["consent"];
            CHECK(c["status"] == "refused");
            CHECK(c["recorded"] == "2027-07-02");
            CHECK(c["by"] == "");
            CHECK(c["review"].is_null());
            auto r2 = s.run(Invocation{{"resident", "consent", "R-0042", "--status", "given"},
                                       {},
                                       {"CARECALL_NOW=2027-01-10T23:30:00-05:00"},
                                       true,
                                       {}});
            CHECK(r2.code == 0);
            CHECK(s.show("resident", "R-0042")["consent"]["recorded"] == "2027-01-11");
        }
        {
            // Bad input.
            check_refused(
                s, {"resident", "consent", "R-0042", "--status", "maybe"}, 65,
                "--status: 'maybe' is not a consent status (expected given, best_interest, "
                "refused or none)");
            check_refused(s,
                          {"resident", "consent", "R-0042", "--status", "given", "--on",
                           "2026-11-01", "--review", "2026-01-01"},
                          65,
                          "consent.review: 2026-01-01 is before the consent was recorded on "
                          "2026-11-01");
            check_refused(
                s, {"resident", "consent", "R-0042", "--status", "given", "--on", "2026-13-01"}, 65,
                "--on: 2026-13-01 is not a real date");
            check_refused(s, {"resident", "consent", "R-NOPE", "--status", "given"}, 4,
                          "resident R-NOPE not found");
            check_refused(s, {"resident", "consent", "R-0042"}, 2,
                          "--status is required (see carecall --help)");
            check_refused(
                s, {"--now", "garbage", "resident", "consent", "R-0042", "--status", "given"}, 65,
                "--now: garbage is not a date and time (expected YYYY-MM-DDTHH:MM)");
            auto before = s.dump();
            auto r2 = s.run(Invocation{{"resident", "consent", "R-0042", "--status", "given"},
                                       {},
                                       {"CARECALL_NOW=25:61"},
                                       true,
                                       {}});
            check_error(r2, 65,
                        "CARECALL_NOW: 25:61 is not a date and time (expected YYYY-MM-DDTHH:MM)");
            CARECALL_CHECK_SAME(before, s.dump());
        }
    }

    TEST_CASE("resident names are stored and returned byte-identical") {
        Scratch s;
        home_with_ward(s);
        auto schema_before = schema_of(s.db());
        const std::vector<std::string> names = {
            "O'Brien",
            "Zoë",
            "Siobhán",
            "Siobhán Ní Bhriain Ångström",
            "Robert'); DROP TABLE resident;--",
            "\"; DELETE FROM site; --",
            "مريم",
            "👵🏽 Nana",
            "  leading and trailing spaces  ",
            "back\\slash \\x1b, written out",
            std::string(1000, 'x'),
        };
        for (std::size_t i = 0; i < names.size(); ++i) {
            s.ok({"-q", "resident", "add", "R-" + std::to_string(i), "--ward", "W-ROSE", "--name",
                  names[i], "--room", names[i]});
        }
        auto items = s.list("resident");
        REQUIRE(items.size() == names.size());
        for (const auto& item : items) {
            auto i = std::stoul(item["code"].get<std::string>().substr(2));
            INFO("name: " << names.at(i));
            CHECK(item["name"].get<std::string>() == names.at(i));
            CHECK(item["room"].get<std::string>() == names.at(i));
        }
        CHECK(s.show("resident", "R-3")["name"] == names[3]);
        // The table shows them too, and the tables the injection names were aimed at are intact.
        auto table = s.ok({"resident", "list"});
        CHECK(contains(table, "Robert'); DROP TABLE resident;--"));
        CHECK(contains(table, "مريم"));
        CHECK(s.list("site").size() == 1);
        CHECK(schema_of(s.db()) == schema_before);
        CHECK(s.run({"db", "check"}).code == 0);
    }

    TEST_CASE("resident names: 1000 characters of any script are allowed, 1001 are not") {
        Scratch s;
        home_with_ward(s);
        // The limit is in characters: 1000 two-byte letters (2000 bytes) is a 1000-character name.
        for (const auto& unit : {std::string("ë"), std::string("م"), std::string("👵")}) {
            INFO("unit: " << unit);
            auto name = repeat(unit, 1000);
            auto r = s.run({"resident", "add", "R-LONG", "--ward", "W-ROSE", "--name", name});
            INFO("stderr: " << r.err);
            CHECK(r.code == 0);
            if (r.code == 0) {
                CHECK(s.show("resident", "R-LONG")["name"].get<std::string>() == name);
                s.ok({"resident", "remove", "R-LONG", "--yes"});
            }
        }
        check_refused(
            s, {"resident", "add", "R-LONG", "--ward", "W-ROSE", "--name", std::string(1001, 'x')},
            65, "name: must be at most 1000 characters");
    }

    TEST_CASE("resident remove: needs --yes, refused while requests use it, approvals go with it") {
        Scratch s;
        small_home(s);
        s.ok({"resident", "add", "R-0043", "--name", "R-0043", "--ward", "W-ROSE"});
        s.ok({"contact", "approve", "C-RAJ", "--resident", "R-0043"});
        s.ok({"request", "add", "Q-1", "--resident", "R-0042", "--contact", "C-RAJ"});
        check_refused(
            s, {"resident", "remove", "R-0042", "--yes"}, 3,
            "resident R-0042 is still used by 1 request (Q-1): remove or move them first");
        check_refused(s, {"resident", "remove", "R-0043"}, 2,
                      "remove resident R-0043: refused without --yes (not on a terminal)");
        auto r = s.run({"resident", "remove", "R-0043", "--yes"});
        CHECK(r.code == 0);
        CHECK(r.err == "removed resident R-0043\n");
        auto c = s.show("contact", "C-RAJ");
        REQUIRE(c["approved_for"].size() == 1);
        CHECK(c["approved_for"][0]["resident"] == "R-0042");
        check_refused(s, {"resident", "show", "R-0043"}, 4, "resident R-0043 not found");
    }

} // TEST_SUITE

TEST_SUITE("cli resident") {
    TEST_CASE("resident edit --discharged --repair cancels the calls after the discharge") {
        Scratch s;
        booked_calls(s);
        auto r = run_at(s, {"resident", "edit", "R-IVY", "--discharged", "2027-07-02", "--repair"});
        INFO("stderr: " << r.err);
        CHECK(r.code == 0);
        CHECK(contains(r.err, "B-1 Mon 2027-07-05 10:00-10:30 BST R-IVY: AT RISK: "
                              "resident.not_admitted: "));
        CHECK(contains(r.err, "B-1 Mon 2027-07-05 10:00-10:30 BST cancelled: no time can work\n"));
        CHECK(last_line(r.err) ==
              "1 broken call: 0 moved, 0 waitlisted, 1 cancelled, 0 kept; 0 other calls moved");
        CHECK(run_at(s, {"db", "check"}).code == 0);
    }

    TEST_CASE("resident consent refused cancels the calls and lists them") {
        Scratch s;
        booked_calls(s);
        auto r = run_at(s, {"resident", "consent", "R-IVY", "--status", "refused", "--repair"});
        INFO("stderr: " << r.err);
        CHECK(r.code == 0);
        CHECK(r.err == "consent for resident R-IVY: refused\n1 call cancelled:\n  B-1 Mon "
                       "2027-07-05 10:00-10:30 BST R-IVY: consent to video calls refused\n");
    }

    TEST_CASE("resident edit: care blocks that cover a call put it at risk") {
        Scratch s;
        booked_calls(s);
        auto r = run_at(s, {"resident", "edit", "R-IVY", "--care-block", "daily 09:30-10:30 rest"});
        CHECK(r.code == 0);
        CHECK(contains(r.err, "R-IVY: AT RISK: resident.care_block: "));
        CHECK(last_line(r.err) == repair_line(s, " --ward W-ROSE"));
    }
}
