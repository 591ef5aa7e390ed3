// Time zones through the command (docs/reliability.md T1-T5): spring-forward gaps refused,
// fall-back times needing a choice, contacts' availability in their own zone across clock
// changes, weekly series across a change, and identical results whatever the machine's TZ.
#include "cli/booking_fixture.hpp"

using namespace carecall::test;
using nlohmann::json;

namespace {

/// Early March 2027: before both clock changes.
const std::string k_march = "2027-03-01T09:00:00Z";

} // namespace

TEST_SUITE("cli when") {

    TEST_CASE(
        "T1 when: a time in a spring-forward gap does not exist; the nearest real times named") {
        Scratch s;
        struct Gap {
            const char* phrase;
            const char* tz;
            const char* message;
        };
        for (const auto& g : {
                 Gap{"2027-03-28 01:30", "Europe/London",
                     "phrase: 2027-03-28 01:30 does not exist in Europe/London: the clocks go "
                     "forward "
                     "then; the nearest real times are 2027-03-28T00:59:00+00:00 and "
                     "2027-03-28T02:00:00+01:00"},
                 Gap{"2027-03-14 02:30", "America/New_York",
                     "phrase: 2027-03-14 02:30 does not exist in America/New_York: the clocks go "
                     "forward then; the nearest real times are 2027-03-14T01:59:00-05:00 and "
                     "2027-03-14T03:00:00-04:00"},
                 Gap{"2027-10-03 02:30", "Australia/Sydney",
                     "phrase: 2027-10-03 02:30 does not exist in Australia/Sydney: the clocks go "
                     "forward then; the nearest real times are 2027-10-03T01:59:00+10:00 and "
                     "2027-10-03T03:00:00+11:00"},
             }) {
            CAPTURE(g.phrase);
            auto r = s.run({"--now", k_march, "when", g.phrase, "--tz", g.tz}, {}, {}, false);
            check_error(r, 65, g.message);
            r = s.run({"--now", k_march, "--json", "when", g.phrase, "--tz", g.tz}, {}, {}, false);
            CHECK(r.code == 65);
            auto j = error_json(r.err);
            CHECK(j["code"] == "invalid_input");
            CHECK(j["field"] == "phrase");
        }
    }

    TEST_CASE("T1 book: a gap time is refused, never shifted") {
        Scratch s;
        care_home(s);
        refused_at(s, book_args("R-BEN", "C-LUCY", "2027-03-28 01:30"), 65,
                   "--at: 2027-03-28 01:30 does not exist in Europe/London: the clocks go forward "
                   "then; the nearest real times are 2027-03-28T00:59:00+00:00 and "
                   "2027-03-28T02:00:00+01:00",
                   k_march);
        refused_at(
            s, book_args("R-BEN", "C-LUCY", "2027-03-14 02:30", {"--tz", "America/New_York"}), 65,
            "--at: 2027-03-14 02:30 does not exist in America/New_York: the clocks go forward "
            "then; the nearest real times are 2027-03-14T01:59:00-05:00 and "
            "2027-03-14T03:00:00-04:00",
            k_march);
        refused_at(
            s, book_args("R-BEN", "C-LUCY", "2027-10-03 02:30", {"--tz", "Australia/Sydney"}), 65,
            "--at: 2027-10-03 02:30 does not exist in Australia/Sydney: the clocks go forward "
            "then; the nearest real times are 2027-10-03T01:59:00+10:00 and "
            "2027-10-03T03:00:00+11:00",
            k_march);
        // The same in a move: the call stays where it was.
        ok_at(s, book_args("R-BEN", "C-LUCY", "2027-03-27 01:30"), k_march);
        refused_at(s, {"move", "B-1", "--to", "2027-03-28 01:30"}, 65,
                   "--to: 2027-03-28 01:30 does not exist in Europe/London: the clocks go forward "
                   "then; the nearest real times are 2027-03-28T00:59:00+00:00 and "
                   "2027-03-28T02:00:00+01:00",
                   k_march);
    }

    TEST_CASE("T2 when: a fall-back time shows both readings with their offsets") {
        Scratch s;
        struct Twice {
            const char* phrase;
            const char* tz;
            const char* out;
        };
        for (const auto& t : {
                 Twice{"2027-10-31 01:30", "Europe/London",
                       "Sun 2027-10-31 01:30:00+01:00 (Europe/London) = 2027-10-31T00:30:00Z\n"
                       "Sun 2027-10-31 01:30:00+00:00 (Europe/London) = 2027-10-31T01:30:00Z\n"},
                 Twice{"2027-11-07 01:30", "America/New_York",
                       "Sun 2027-11-07 01:30:00-04:00 (America/New_York) = 2027-11-07T05:30:00Z\n"
                       "Sun 2027-11-07 01:30:00-05:00 (America/New_York) = 2027-11-07T06:30:00Z\n"},
                 Twice{"2027-04-04 02:30", "Australia/Sydney",
                       "Sun 2027-04-04 02:30:00+11:00 (Australia/Sydney) = 2027-04-03T15:30:00Z\n"
                       "Sun 2027-04-04 02:30:00+10:00 (Australia/Sydney) = 2027-04-03T16:30:00Z\n"},
             }) {
            CAPTURE(t.phrase);
            auto r = s.run({"--now", k_march, "when", t.phrase, "--tz", t.tz}, {}, {}, false);
            CHECK(r.code == 0);
            CHECK(r.out == t.out);
            CHECK(r.err == "this time happens twice (the clocks go back): choose with --earliest, "
                           "--latest or an offset\n");
            auto j = parse_json(
                s.run({"--now", k_march, "--json", "when", t.phrase, "--tz", t.tz}, {}, {}, false)
                    .out);
            CHECK(j["format"] == "carecall-when/1");
            CHECK(j["ambiguous"] == true);
            CHECK(j["tz"] == t.tz);
            CHECK(j["readings"].size() == 2);
        }
        // An offset picks one reading; an ordinary time has one.
        auto r =
            s.run({"--now", k_march, "when", "2027-10-31T01:30+00:00", "--tz", "Europe/London"}, {},
                  {}, false);
        CHECK(r.code == 0);
        CHECK(r.out == "Sun 2027-10-31 01:30:00+00:00 (Europe/London) = 2027-10-31T01:30:00Z\n");
        CHECK(r.err.empty());
        r = s.run(
            {"--now", "2027-07-01T07:00:00Z", "when", "next tue 15:00", "--tz", "Europe/London"},
            {}, {}, false);
        CHECK(r.out == "Tue 2027-07-06 15:00:00+01:00 (Europe/London) = 2027-07-06T14:00:00Z\n");
    }

    TEST_CASE("T2 book: a fall-back time needs --earliest, --latest or an offset") {
        Scratch s;
        care_home(s);
        refused_at(s, book_args("R-BEN", "C-LUCY", "2027-10-31 01:30"), 65,
                   "--at: 2027-10-31 01:30 happens twice in Europe/London (the clocks go back): "
                   "choose 2027-10-31T01:30:00+01:00 or 2027-10-31T01:30:00+00:00",
                   k_march);
        refused_at(
            s, book_args("R-BEN", "C-LUCY", "2027-11-07 01:30", {"--tz", "America/New_York"}), 65,
            "--at: 2027-11-07 01:30 happens twice in America/New_York (the clocks go back): "
            "choose 2027-11-07T01:30:00-04:00 or 2027-11-07T01:30:00-05:00",
            k_march);
        refused_at(
            s, book_args("R-BEN", "C-LUCY", "2027-04-04 02:30", {"--tz", "Australia/Sydney"}), 65,
            "--at: 2027-04-04 02:30 happens twice in Australia/Sydney (the clocks go back): "
            "choose 2027-04-04T02:30:00+11:00 or 2027-04-04T02:30:00+10:00",
            k_march);
        refused_at(s, book_args("R-BEN", "C-LUCY", "2027-10-31 01:30", {"--earliest", "--latest"}),
                   2, "--earliest and --latest cannot go together", k_march);

        // --earliest: the BST reading. The call ends after the clocks go back: each end shows its
        // zone.
        auto out =
            ok_at(s, book_args("R-BEN", "C-LUCY", "2027-10-31 01:30", {"--earliest"}), k_march);
        CHECK(out == "B-1 booked: Ben Okafor with Lucy Brown on Tablet-B\n"
                     "  Sun 2027-10-31 01:30 BST-01:00 GMT (Europe/London)\n");
        // An explicit offset: the GMT reading, an hour later.
        out = ok_at(s, book_args("R-BEN", "C-LUCY", "2027-10-31T01:30+00:00"), k_march);
        CHECK(out == "B-2 booked: Ben Okafor with Lucy Brown on Tablet-B\n"
                     "  Sun 2027-10-31 01:30-02:00 GMT (Europe/London)\n");
        // --latest names the same instant as the offset: that call is taken.
        refused_at(s, book_args("R-BEN", "C-LUCY", "2027-10-31 01:30", {"--latest"}), 3,
                   "Ben Okafor is already in call B-2 from 01:30 GMT to 02:00", k_march);
        auto j = book_json(s,
                           book_args("R-BEN", "C-LUCY", "2027-11-07 01:30",
                                     {"--tz", "America/New_York", "--latest"}),
                           k_march);
        CHECK(j["booking"]["start_utc"] == "2027-11-07T06:30:00Z");
        j = book_json(s,
                      book_args("R-BEN", "C-LUCY", "2027-04-04 02:30",
                                {"--tz", "Australia/Sydney", "--earliest"}),
                      k_march);
        CHECK(j["booking"]["start_utc"] == "2027-04-03T15:30:00Z");
        CHECK(j["booking"]["start"] == "2027-04-03T16:30:00+01:00");

        // The agenda of that night shows both 01:30s, each with its zone.
        auto agenda = ok_at(s, {"agenda", "--date", "2027-10-31", "--ward", "W-BLUE"}, k_march);
        CHECK(contains(agenda, "B-1   Sun 2027-10-31  01:30 BST-01:00 GMT"));
        CHECK(contains(agenda, "B-2   Sun 2027-10-31  01:30-02:00 GMT"));
    }

    TEST_CASE("T3: a London call in Sydney and New York time, across the March clock changes") {
        Scratch s;
        care_home(s);
        // 18:00 BST on 1 July is 03:00 AEST on 2 July (agreed by phone: Raj is normally asleep).
        auto out = ok_at(s,
                         book_args("R-ASHA", "C-RAJ", "2027-07-01 18:00",
                                   {"--override-availability", "--reason", "Raj asked for it"}),
                         "2027-06-30T09:00:00Z");
        CHECK(out == "B-1 booked: Asha Patel with Raj Patel on Portal-1\n"
                     "  Thu 2027-07-01 18:00-18:30 BST (Europe/London)\n"
                     "  Raj Patel: Fri 2027-07-02 03:00-03:30 AEST (Australia/Sydney)\n");
        auto agenda = ok_at(s, {"agenda", "--date", "2027-07-01", "--resident", "R-ASHA"},
                            "2027-06-30T09:00:00Z");
        CHECK(contains(agenda, "Raj Patel (03:00 AEST)"));

        // Nora, New York 18:00-21:00. On Wed 10 March New York is on EST: 22:00 GMT is 17:00 there.
        refused_at(s, book_args("R-ASHA", "C-NORA", "2027-03-10 22:00"), 3,
                   "Nora Smith: 17:00 EST in America/New_York is outside their availability",
                   k_march);
        // 14-27 March: New York is on EDT, London still on GMT: 4 hours apart.
        out = ok_at(s, book_args("R-ASHA", "C-NORA", "2027-03-20 22:00"), k_march);
        CHECK(out == "B-2 booked: Asha Patel with Nora Smith on Portal-1\n"
                     "  Sat 2027-03-20 22:00-22:30 GMT (Europe/London)\n"
                     "  Nora Smith: Sat 2027-03-20 18:00-18:30 EDT (America/New_York)\n");
        // From 28 March both are on summer time: 5 hours apart again.
        refused_at(s, book_args("R-ASHA", "C-NORA", "2027-03-28 22:00"), 3,
                   "Nora Smith: 17:00 EDT in America/New_York is outside their availability",
                   k_march);
        // The free-slot finder agrees: in the week of 14 March Nora's only times are 22:00-22:30
        // GMT.
        auto slots = parse_json(ok_at(s,
                                      {"--json", "slots", "--resident", "R-ASHA", "--contact",
                                       "C-NORA", "--from", "2027-03-15 00:00", "--days", "1"},
                                      k_march));
        REQUIRE(slots["slots"].size() == 3);
        CHECK(slots["slots"][0]["start"] == "2027-03-15T22:00:00+00:00");
        CHECK(slots["slots"][0]["contacts"][0]["start"] == "2027-03-15T18:00:00-04:00");
        CHECK(slots["slots"][2]["start"] == "2027-03-15T22:30:00+00:00");
    }

    TEST_CASE(
        "T4 book --weekly --until: each occurrence checked; the one in the gap is not booked") {
        Scratch s;
        care_home(s);
        auto r = run_at(s,
                        {"book", "--resident", "R-BEN", "--contact", "C-RAJ", "--at",
                         "2027-03-14 01:30", "--weekly", "--until", "2027-04-11"},
                        k_march);
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        CHECK(r.out ==
              "B-1 booked: Ben Okafor with Raj Patel on Tablet-B\n"
              "  Sun 2027-03-14 01:30-02:00 GMT (Europe/London)\n"
              "  Raj Patel: Sun 2027-03-14 12:30-13:00 AEDT (Australia/Sydney)\n"
              "B-2 booked: Ben Okafor with Raj Patel on Tablet-B\n"
              "  Sun 2027-03-21 01:30-02:00 GMT (Europe/London)\n"
              "  Raj Patel: Sun 2027-03-21 12:30-13:00 AEDT (Australia/Sydney)\n"
              "NOT BOOKED 2027-03-28: 2027-03-28 01:30 does not exist in Europe/London: the "
              "clocks go forward then\n"
              "B-3 booked: Ben Okafor with Raj Patel on Tablet-B\n"
              "  Sun 2027-04-04 01:30-02:00 BST (Europe/London)\n"
              "  Raj Patel: Sun 2027-04-04 10:30-11:00 AEST (Australia/Sydney)\n"
              "B-4 booked: Ben Okafor with Raj Patel on Tablet-B\n"
              "  Sun 2027-04-11 01:30-02:00 BST (Europe/London)\n"
              "  Raj Patel: Sun 2027-04-11 10:30-11:00 AEST (Australia/Sydney)\n");
        CHECK(r.err == "series S-R-BEN-2027-03-14T01:30: 4 of 5 weekly calls booked\n");
        // Never shifted: nothing at all on 28 March.
        auto j = parse_json(
            ok_at(s, {"--json", "agenda", "--date", "2027-03-28", "--ward", "W-BLUE"}, k_march));
        CHECK(j["calls"].empty());
        CHECK(query_int(s.db(), "SELECT count(*) FROM booking") == 4);
        CHECK(query_int(s.db(),
                        "SELECT count(*) FROM booking WHERE series = 'S-R-BEN-2027-03-14T01:30'") ==
              4);

        // Each occurrence is checked on its own: with the first two taken, the JSON says which and
        // why.
        j = parse_json(ok_at(s,
                             {"--json", "book", "--resident", "R-BEN", "--contact", "C-LUCY",
                              "--at", "2027-03-07 01:30", "--weekly", "--until", "2027-03-28"},
                             k_march));
        CHECK(j["format"] == "carecall-series/1");
        REQUIRE(j["occurrences"].size() == 4);
        CHECK(j["occurrences"][0]["date"] == "2027-03-07");
        CHECK(j["occurrences"][0]["booking"]["start"] == "2027-03-07T01:30:00+00:00");
        CHECK(j["occurrences"][0]["problems"].empty());
        CHECK(j["occurrences"][1]["booking"].is_null());
        // Ben is busy whichever device: the rule that no device can change is the one named.
        CHECK(j["occurrences"][1]["problems"][0]["rule"] == "resident.busy");
        CHECK(j["occurrences"][1]["problems"][0]["message"] ==
              "Ben Okafor is already in call B-1 from 01:30 GMT to 02:00");
        CHECK(j["occurrences"][2]["problems"][0]["rule"] == "resident.busy");
        CHECK(j["occurrences"][3]["problems"][0]["rule"] == "time.gap");
        CHECK(query_int(s.db(), "SELECT count(*) FROM booking") == 5);

        refused_at(s,
                   {"book", "--resident", "R-BEN", "--contact", "C-LUCY", "--at",
                    "2027-03-14 03:00", "--weekly"},
                   2, "--weekly needs --at and --until", k_march);
        refused_at(s,
                   {"book", "--resident", "R-BEN", "--contact", "C-LUCY", "--at",
                    "2027-03-14 03:00", "--weekly", "--until", "2027-03-01"},
                   65, "until: 2027-03-01 is before the first call on 2027-03-14", k_march);
    }

    TEST_CASE("T5: the same output whatever TZ the machine has") {
        Scratch s;
        care_home(s);
        ok_at(s, book_args("R-ASHA", "C-RAJ", "2027-03-27 08:00"), k_march);
        ok_at(s, book_args("R-BEN", "C-LUCY", "2027-10-31 01:30", {"--earliest"}), k_march);
        ok_at(s, book_args("R-ASHA", "C-NORA", "2027-03-20 22:00"), k_march);

        std::vector<Args> reads = {
            {"agenda", "--date", "2027-03-20", "--days", "10"},
            {"--json", "agenda", "--date", "2027-03-20", "--days", "10"},
            {"--json", "agenda", "--date", "2027-10-30", "--days", "2", "--contact", "C-LUCY"},
            {"slots", "--resident", "R-ASHA", "--contact", "C-NORA", "--from", "2027-03-26 00:00",
             "--days", "3"},
            {"--json", "slots", "--resident", "R-CORA", "--contact", "C-LUCY", "--from",
             "2027-03-26 14:00", "--limit", "4"},
            {"when", "2027-10-31 01:30", "--tz", "Europe/London"},
            {"when", "next sun 01:30", "--tz", "America/New_York"},
        };
        std::vector<Args> writes = {
            book_args("R-ASHA", "C-RAJ", "2027-03-28 08:00"),
            book_args("R-BEN", "C-RAJ", "2027-03-14 01:30", {"--weekly", "--until", "2027-04-11"}),
            {"book", "--resident", "R-CORA", "--contact", "C-LUCY", "--first-free", "--after",
             "2027-03-26 15:40"},
            {"move", "B-1", "--to", "2027-03-29 08:00"},
        };
        std::vector<std::string> expected;
        int run = 0;
        for (const auto* tz : {"-TZ", "TZ=UTC", "TZ=Australia/Sydney"}) {
            CAPTURE(tz);
            std::string outputs;
            for (const auto& a : reads) {
                auto r = s.run(now_args(a, k_march), {}, {tz});
                outputs += r.out + r.err + "|" + std::to_string(r.code) + "\n";
            }
            // Writes on a fresh copy of the same database each time.
            auto db = copy_db(s, "tz" + std::to_string(run++) + ".db");
            for (const auto& a : writes) {
                Args args{"--db", db};
                auto more = now_args(a, k_march);
                args.insert(args.end(), more.begin(), more.end());
                auto r = s.run(args, {}, {tz}, false);
                outputs += r.out + r.err + "|" + std::to_string(r.code) + "\n";
            }
            expected.push_back(outputs);
            if (expected.size() > 1) {
                CHECK(first_difference(expected.front(), outputs).empty());
                CHECK(outputs == expected.front());
            }
        }
        // Sanity: what was compared is real output, not a string of errors.
        CHECK(contains(expected.front(), "B-4 booked"));
        CHECK(contains(expected.front(), "Raj Patel: Sun 2027-03-28 18:00-18:30 AEDT"));
        CHECK(!contains(expected.front(), "carecall: error"));
    }

} // TEST_SUITE
