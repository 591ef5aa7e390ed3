// N1-N5 (docs/reliability.md): the values nlohmann, CLI11 and the date library accept without a
// word, refused through the real binary: a JSON key that appears twice, a number of seconds that
// is not finite, a date outside 2000-01-01 to 2199-12-31, a weekly series with a call at a time
// that happens twice, an option given an empty value.
#include <doctest/doctest.h>

#include "cli/booking_fixture.hpp"

using namespace carecall::test;

namespace {

const std::string k_range = "is outside the dates carecall accepts (2000-01-01 to 2199-12-31)";

/// The refusal of a --days that carries the last day past 2199-12-31.
std::string past_range(int days, const std::string& from, const std::string& end) {
    return "--days: " + std::to_string(days) + " days from " + from + " end on " + end +
           ", outside the dates carecall accepts (2000-01-01 to 2199-12-31)";
}

} // namespace

TEST_SUITE("cli numbers and dates") {

    TEST_CASE("N1: a key that appears twice in a JSON file is refused with its file, line and "
              "path (import scenario, solve, import rota)") {
        Scratch s;
        care_home(s);
        // In a resident, nested two deep: the line of the second occurrence.
        s.write("twice.json",
                "{\"format\": \"carecall-scenario/1\",\n"
                " \"horizon\": {\"start_date\": \"2027-07-05\", \"days\": 7},\n"
                " \"sites\": [{\"id\": \"S\", \"tz\": \"Europe/London\"}],\n"
                " \"wards\": [{\"id\": \"W\", \"site\": \"S\", \"calling_hours\": []}],\n"
                " \"residents\": [{\"id\": \"R-1\", \"ward\": \"W\"},\n"
                "  {\"id\": \"R-2\", \"ward\": \"W\"},\n"
                "  {\"id\": \"R-3\", \"ward\": \"W\", \"name\": \"Ivy\",\n"
                "   \"name\": \"Ivy Clarke\"}],\n"
                " \"contacts\": [], \"devices\": [], \"staff\": [], \"requests\": []}\n");
        const auto message = s.path("twice.json") + ":8: residents[2].name: the key appears twice";
        check_refused(s, {"import", "scenario", s.path("twice.json")}, 65, message);
        check_error(s.run({"solve", s.path("twice.json")}, {}, {}, false), 65, message);
        // The JSON error names the place as its field.
        auto r = s.run({"--json", "import", "scenario", s.path("twice.json")});
        auto j = error_json(r.err);
        CHECK(j["code"] == "invalid_input");
        CHECK(j["field"] == s.path("twice.json") + ":8: residents[2].name");
        // From stdin, at the top level.
        check_error(s.run({"import", "scenario", "-"},
                          "{\"format\": \"carecall-scenario/1\", \"format\": \"x\"}"),
                    65, "-:1: format: the key appears twice");
        // The same document without the second name loads.
        s.write("once.json",
                "{\"format\": \"carecall-scenario/1\",\n"
                " \"horizon\": {\"start_date\": \"2027-07-05\", \"days\": 7},\n"
                " \"sites\": [{\"id\": \"S\", \"tz\": \"Europe/London\"}],\n"
                " \"wards\": [{\"id\": \"W\", \"site\": \"S\", \"calling_hours\": []}],\n"
                " \"residents\": [{\"id\": \"R-1\", \"ward\": \"W\", \"name\": \"Ivy\"}],\n"
                " \"contacts\": [], \"devices\": [], \"staff\": [], \"requests\": []}\n");
        s.ok({"-q", "import", "scenario", s.path("once.json")});
        // A rota file: a call's resident twice.
        s.write("rota.json", "{\"format\": \"carecall-rota/1\",\n \"calls\": [\n"
                             "  {\"resident\": \"R-ASHA\",\n   \"resident\": \"R-IVY\"}]}\n");
        check_refused(s, now_args({"import", "rota", s.path("rota.json")}), 65,
                      s.path("rota.json") + ":4: calls[0].resident: the key appears twice");
    }

    TEST_CASE("N2: --time-limit refuses nan, inf, -inf, 1e999, negatives and text (exit 2); "
              "finite seconds are taken") {
        Scratch s;
        care_home(s);
        s.write("home.json", k_care_home);
        for (const std::string cmd : {"solve", "schedule"}) {
            CAPTURE(cmd);
            Args base = cmd == "solve" ? Args{"solve", s.path("home.json")} : Args{"schedule"};
            auto refused = [&](const std::string& value, const std::string& reason) {
                auto args = base;
                args.insert(args.end(), {"--time-limit", value});
                check_refused(s, now_args(args), 2,
                              "--time-limit: '" + value + "' " + reason + " (see carecall --help)");
            };
            for (const char* v : {"nan", "NaN", "-nan", "inf", "-inf", "infinity", "1e999"}) {
                refused(v, "is not a finite number of seconds");
            }
            refused("-1", "is not between 0 and 86400 seconds");
            refused("-0.5", "is not between 0 and 86400 seconds");
            refused("86401", "is not between 0 and 86400 seconds");
            refused("10s", "is not a number of seconds");
            refused("0x10", "is not a number of seconds");
            refused(" 5", "is not a number of seconds");
        }
        // Finite values from 0 to 86400 (here a small plan) are taken.
        auto r = s.run({"-q", "solve", s.path("home.json"), "--time-limit", "0.5"}, {}, {}, false);
        CHECK(r.code == 0);
        r = s.run(now_args({"-q", "schedule", "--dry-run", "--time-limit", "0"}));
        CHECK(r.code == 0);
    }

    TEST_CASE("N3: dates before 2000-01-01 or after 2199-12-31 are refused wherever they are "
              "read, with the range named") {
        Scratch s;
        care_home(s);
        // Time phrases: book --at, move --to, when, slots --from.
        refused_at(s, book_args("R-BEN", "C-LUCY", "10000-01-01 10:00"), 65,
                   "--at: 10000-01-01 " + k_range);
        refused_at(s, book_args("R-BEN", "C-LUCY", "10000-01-01"), 65,
                   "--at: 10000-01-01 " + k_range);
        refused_at(s, book_args("R-BEN", "C-LUCY", "10000-01-01T10:00Z"), 65,
                   "--at: 10000-01-01 " + k_range);
        refused_at(s, book_args("R-BEN", "C-LUCY", "2200-01-01 00:00"), 65,
                   "--at: 2200-01-01 " + k_range);
        refused_at(s, book_args("R-BEN", "C-LUCY", "1999-12-31T23:00Z"), 65,
                   "--at: 1999-12-31 " + k_range);
        refused_at(s, {"when", "2200-01-01 10:00", "--tz", "Europe/London"}, 65,
                   "phrase: 2200-01-01 " + k_range);
        refused_at(
            s,
            {"slots", "--resident", "R-BEN", "--contact", "C-LUCY", "--from", "99999-12-31 10:00"},
            65, "--from: 99999-12-31 " + k_range);
        // A phrase relative to a "now" at the end of the range.
        const std::string last_day = "2199-12-31T10:00:00Z";
        refused_at(s, {"when", "tomorrow 10:00", "--tz", "Europe/London"}, 65,
                   "phrase: 2200-01-01 " + k_range, last_day);
        refused_at(s, {"when", "mon", "--tz", "Europe/London"}, 65, "phrase: 2200-01-06 " + k_range,
                   last_day);
        // The ends of the range are accepted.
        CHECK(contains(ok_at(s, {"when", "2199-12-31 23:59", "--tz", "Europe/London"}),
                       "2199-12-31"));
        CHECK(contains(ok_at(s, {"when", "2000-01-01 00:00", "--tz", "Europe/London"}),
                       "2000-01-01"));
        CHECK(contains(ok_at(s, {"when", "today 10:00", "--tz", "UTC"}, last_day), "2199-12-31"));
        // --now (and CARECALL_NOW).
        refused_at(s, {"agenda"}, 65, "--now: 10000-01-01 " + k_range, "10000-01-01T00:00Z");
        refused_at(s, {"agenda"}, 65, "--now: 1970-01-01 " + k_range, "1970-01-01");
        // Date options, and --days that carry the end past 2199-12-31.
        refused_at(s, {"agenda", "--date", "2200-01-01"}, 65, "--date: 2200-01-01 " + k_range);
        refused_at(s, {"agenda", "--date", "2199-12-31", "--days", "2"}, 65,
                   past_range(2, "2199-12-31", "2200-01-01"));
        CHECK(run_at(s, {"agenda", "--date", "2199-12-31", "--days", "1"}).code == 0);
        refused_at(s, {"rota", "--from", "2199-12-01", "--days", "60"}, 65,
                   past_range(60, "2199-12-01", "2200-01-29"));
        refused_at(s, {"rota", "--from", "2199-12-01", "--to", "2200-01-01"}, 65,
                   "--to: 2200-01-01 " + k_range);
        refused_at(s, {"schedule", "--from", "2199-12-30", "--days", "3"}, 65,
                   past_range(3, "2199-12-30", "2200-01-01"));
        refused_at(s,
                   {"slots", "--resident", "R-BEN", "--contact", "C-LUCY", "--from",
                    "2199-12-30 10:00", "--days", "3"},
                   65, past_range(3, "2199-12-30", "2200-01-01"));
        refused_at(
            s,
            book_args("R-BEN", "C-LUCY", "2027-07-04 10:00", {"--weekly", "--until", "2200-01-01"}),
            65, "--until: 2200-01-01 " + k_range);
        refused_at(s, {"resident", "edit", "R-IVY", "--admitted", "1999-12-31"}, 65,
                   "--admitted: 1999-12-31 " + k_range);
        refused_at(s, {"export", "scenario", "--from", "2200-01-01"}, 65,
                   "--from: 2200-01-01 " + k_range);
        // A period in year 10000 was stored before and printed an invalid calendar.
        refused_at(s, {"device", "edit", "TAB-B", "--out-of-service", "9999-12-31 22:00-24:00"}, 65,
                   "--out-of-service: 9999-12-31 " + k_range);
        // A rota file's instant: "now" has no date there.
        s.write("rota.json", "{\"format\": \"carecall-rota/1\", \"calls\": [{\"resident\": "
                             "\"R-BEN\", \"contact\": \"C-LUCY\", \"device\": \"TAB-B\", "
                             "\"start_utc\": \"2200-01-01T10:00:00Z\", \"end_utc\": "
                             "\"2200-01-01T10:30:00Z\"}]}");
        check_refused(s, now_args({"import", "rota", s.path("rota.json")}), 65,
                      s.path("rota.json") + ": calls[0].start_utc: 2200-01-01 " + k_range);
        s.write("rota.json", "{\"format\": \"carecall-rota/1\", \"calls\": [{\"resident\": "
                             "\"R-BEN\", \"contact\": \"C-LUCY\", \"device\": \"TAB-B\", "
                             "\"start_utc\": \"now\", \"end_utc\": \"now\"}]}");
        check_refused(s, now_args({"import", "rota", s.path("rota.json")}), 65,
                      s.path("rota.json") + ": calls[0].start_utc: 1970-01-01 " + k_range);
    }

    TEST_CASE("N4: a weekly series with a call at a time that happens twice is refused unless "
              "--earliest or --latest chooses; a gap is treated as for one call") {
        Scratch s;
        care_home(s);
        // Sundays 24 October to 7 November 2027; the clocks go back on 31 October at 02:00.
        const Args series =
            book_args("R-BEN", "C-LUCY", "2027-10-24 01:30", {"--weekly", "--until", "2027-11-07"});
        refused_at(s, series, 65,
                   "at: the weekly call on 2027-10-31 at 01:30 happens twice in Europe/London (the "
                   "clocks go back): choose --earliest (2027-10-31T01:30:00+01:00) or --latest "
                   "(2027-10-31T01:30:00+00:00) for the series");
        CHECK(query_int(s.db(), "SELECT count(*) FROM booking") == 0);
        // One call at that time asks the same way.
        refused_at(s, book_args("R-BEN", "C-LUCY", "2027-10-31 01:30"), 65,
                   "--at: 2027-10-31 01:30 happens twice in Europe/London (the clocks go back): "
                   "choose 2027-10-31T01:30:00+01:00 or 2027-10-31T01:30:00+00:00");
        // --latest: the second reading (GMT) for that call, the others as they are.
        auto args = series;
        args.insert(args.begin(), "--json");
        args.push_back("--latest");
        auto j = parse_json(ok_at(s, args));
        REQUIRE(j["occurrences"].size() == 3);
        CHECK(j["occurrences"][0]["booking"]["start"] == "2027-10-24T01:30:00+01:00");
        CHECK(j["occurrences"][1]["booking"]["start"] == "2027-10-31T01:30:00+00:00");
        CHECK(j["occurrences"][2]["booking"]["start"] == "2027-11-07T01:30:00+00:00");
        // --earliest: the first reading (BST), an hour earlier.
        args = book_args("R-BEN", "C-TOM", "2027-10-24 01:30",
                         {"--weekly", "--until", "2027-11-07", "--earliest"});
        args.insert(args.begin(), "--json");
        j = parse_json(ok_at(s, args));
        REQUIRE(j["occurrences"].size() == 3);
        CHECK(j["occurrences"][1]["booking"]["start"] == "2027-10-31T01:30:00+01:00");
        // Ben is in Lucy's calls on the 24th and the 7th: only the 31st is booked with Tom.
        CHECK(j["occurrences"][0]["booking"].is_null());
        CHECK(j["occurrences"][2]["booking"].is_null());
        CHECK(query_int(s.db(), "SELECT count(*) FROM booking") == 4);
        // Both is a usage error, as for one call.
        auto both = series;
        both.insert(both.end(), {"--earliest", "--latest"});
        refused_at(s, both, 2, "--earliest and --latest cannot go together");
        // A series starting in the spring gap is refused as one call is, naming the nearest
        // real times; a later call in the gap is listed as not booked (never shifted).
        refused_at(
            s,
            book_args("R-BEN", "C-LUCY", "2027-03-28 01:30", {"--weekly", "--until", "2027-04-11"}),
            65,
            "--at: 2027-03-28 01:30 does not exist in Europe/London: the clocks go forward "
            "then; the nearest real times are 2027-03-28T00:59:00+00:00 and "
            "2027-03-28T02:00:00+01:00",
            "2027-03-01T12:00:00Z");
        auto r = run_at(
            s,
            book_args("R-BEN", "C-LUCY", "2027-03-21 01:30", {"--weekly", "--until", "2027-04-04"}),
            "2027-03-01T12:00:00Z");
        CHECK(r.code == 0);
        CHECK(contains(r.out, "NOT BOOKED 2027-03-28: 2027-03-28 01:30 does not exist in "
                              "Europe/London: the clocks go forward then\n"));
    }

    TEST_CASE("N5: an option given an empty value is refused (exit 2), never read as not given") {
        Scratch s;
        care_home(s);
        const Args book = book_args("R-BEN", "C-LUCY", "2027-07-04 10:00");
        auto with = [&](const std::string& option) {
            auto args = book;
            args.insert(args.end(), {option, ""});
            return args;
        };
        for (const char* option : {"--duration", "--device", "--staff", "--tz", "--request",
                                   "--priority", "--reason", "--after"}) {
            CAPTURE(option);
            refused_at(s, with(option), 2,
                       std::string(option) + ": is empty (see carecall --help)");
        }
        refused_at(s, book_args("R-BEN", "C-LUCY", ""), 2, "--at: is empty (see carecall --help)");
        refused_at(s, {"--now", "", "agenda"}, 2, "--now: is empty (see carecall --help)");
        refused_at(s, {"--as", "", "ward", "remove", "W-ROSE", "--yes"}, 2,
                   "--as: is empty (see carecall --help)");
        refused_at(s, {"agenda", "--date", ""}, 2, "--date: is empty (see carecall --help)");
        refused_at(s, {"export", "scenario", "-o", ""}, 2,
                   "--output: is empty (see carecall --help)");
        refused_at(s, {"solve", "x.json", "--time-limit", ""}, 2,
                   "--time-limit: is empty (see carecall --help)");
        refused_at(s, {"resident", "edit", "R-IVY", "--room", ""}, 2,
                   "--room: is empty (see carecall --help)");
        // The default is still used when the option is left out.
        CHECK(contains(ok_at(s, book), "10:00-10:30"));
    }
}
