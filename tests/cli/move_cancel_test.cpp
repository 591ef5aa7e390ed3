// carecall move (every rule re-checked; a refused move leaves the call where it was), cancel
// --reason, done, missed --outcome (only once the call has started), reopen, and conditional state
// changes.
#include "cli/booking_fixture.hpp"

using namespace carecall::test;
using nlohmann::json;

namespace {

/// The booking as `agenda --json --all` shows it on its day.
json booking_on(const Scratch& s, const std::string& date, const std::string& code) {
    auto j = parse_json(ok_at(s, {"--json", "agenda", "--all", "--date", date}));
    for (const auto& b : j["calls"]) {
        if (b["code"] == code) {
            return b;
        }
    }
    FAIL("no " << code << " on " << date);
    return {};
}

long long audit_rows(const Scratch& s, const std::string& code, const std::string& action = {}) {
    std::string sql =
        "SELECT count(*) FROM audit WHERE kind = 'booking' AND record_code = '" + code + "'";
    if (!action.empty()) {
        sql += " AND action = '" + action + "'";
    }
    return query_int(s.db(), sql);
}

} // namespace

TEST_SUITE("cli move cancel") {

    TEST_CASE("move re-checks every rule; a refused move leaves the call where it was") {
        Scratch s;
        care_home(s);
        ok_at(s,
              book_args("R-ASHA", "C-LUCY", "2027-07-05 10:00", {"--device", "PORTAL-1"}));  // B-1
        ok_at(s, book_args("R-IVY", "C-TOM", "2027-07-05 11:00", {"--device", "PORTAL-1"})); // B-2
        ok_at(s, book_args("R-CORA", "C-LUCY", "2027-07-09 10:00"));                         // B-3
        ok_at(s, book_args("R-ASHA", "C-RAJ", "2027-07-06 09:00"));                          // B-4

        struct Case {
            Args args;
            int code;
            const char* message;
        };
        for (
            const auto& c : {
                Case{{"move", "B-1", "--to", "2027-07-05 11:15", "--device", "PORTAL-1"},
                     3,
                     "device Portal-1 is in call B-2 from 11:00 BST to 11:30"},
                Case{
                    {"move", "B-1", "--to", "2027-07-05 10:25", "--device", "PORTAL-1"},
                    3,
                    "device Portal-1 needs 10 minutes after this call for cleaning before call B-2 "
                    "at 11:00 BST"},
                Case{{"move", "B-1", "--to", "2027-07-05 10:00", "--device", "TAB-B"},
                     3,
                     "device Tablet-B does not serve ward Rose Ward"},
                Case{{"move", "B-1", "--to", "2027-07-06 11:00", "--device", "PORTAL-1"},
                     3,
                     "device Portal-1 is out of service from 10:00 BST to 12:00 BST (charging)"},
                Case{{"move", "B-1", "--to", "2027-07-06 07:30"},
                     3,
                     "07:30 BST to 08:00 is outside the calling hours of ward Rose Ward (daily "
                     "08:00-23:00)"},
                Case{{"move", "B-1", "--to", "2027-07-06 12:15"},
                     3,
                     "Asha Patel has lunch from 12:00 BST to 13:00"},
                Case{{"move", "B-1", "--to", "2027-07-06 09:15"},
                     3,
                     "Asha Patel is already in call B-4 from 09:00 BST to 09:30"},
                Case{{"move", "B-1", "--to", "2027-07-13 10:00"},
                     3,
                     "ward Rose Ward is closed from 2027-07-12 to 2027-07-14 (norovirus outbreak)"},
                Case{{"move", "B-1", "--to", "2027-06-30 10:00"},
                     3,
                     "Wed 2027-06-30 10:00 BST is in the past (now is 08:00 BST)"},
                Case{{"move", "B-4", "--to", "2027-07-06 14:00"},
                     3,
                     "Raj Patel: 23:00 AEST in Australia/Sydney is outside their availability"},
                Case{{"move", "B-3", "--to", "2027-07-10 10:00"},
                     3,
                     "Cora Lin needs a member of staff to help with calls and none is free on ward "
                     "Rose Ward (Sam Reed is not on shift from 10:00 BST to 10:30; Kim Cho lacks "
                     "the "
                     "competence 'bsl' that Cora Lin needs)"},
                Case{{"move", "B-3", "--to", "2027-07-09 11:00", "--staff", "E-KIM"},
                     3,
                     "Kim Cho lacks the competence 'bsl' that Cora Lin needs"},
                Case{{"move", "B-99", "--to", "2027-07-09 11:00"}, 4, "booking B-99 not found"},
                Case{{"move", "B-1"}, 2, "--to is required (see carecall --help)"},
            }) {
            refused_at(s, c.args, c.code, c.message);
        }
        CHECK(booking_on(s, "2027-07-05", "B-1")["start"] == "2027-07-05T10:00:00+01:00");

        // Accepted: overlapping its own old time is fine.
        auto r = run_at(s, {"move", "B-1", "--to", "2027-07-05 10:15", "--reason", "Lucy is late"});
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        CHECK(r.out == "B-1 booked: Asha Patel with Lucy Brown on Portal-1\n"
                       "  Mon 2027-07-05 10:15-10:45 BST (Europe/London)\n");
        CHECK(r.err == "moved B-1\n");
        auto b = booking_on(s, "2027-07-05", "B-1");
        CHECK(b["reason"] == "Lucy is late");
        CHECK(audit_rows(s, "B-1", "move") == 1);
        // --device and --staff name them.
        auto out = ok_at(s, {"move", "B-3", "--to", "2027-07-09 11:00", "--device", "PORTAL-2",
                             "--staff", "E-SAM"});
        CHECK(out == "B-3 booked: Cora Lin with Lucy Brown on Portal-2, helped by Sam Reed\n"
                     "  Fri 2027-07-09 11:00-11:30 BST (Europe/London)\n");
        // The old time is free again.
        CHECK(starts_with(ok_at(s, book_args("R-HAL", "C-TOM", "2027-07-09 10:00",
                                             {"--device", "PORTAL-1", "--staff", "E-SAM"})),
                          "B-5 booked"));
        CHECK(audit_rows(s, "B-3") == 2);
    }

    TEST_CASE("move: an availability override holds for the agreed time only (regression)") {
        Scratch s;
        care_home(s);
        ok_at(s, book_args("R-ASHA", "C-RAJ", "2027-07-06 14:00",
                           {"--override-availability", "--reason", "agreed by phone"})); // B-1
        // Another time needs its own agreement.
        refused_at(s, {"move", "B-1", "--to", "2027-07-07 14:00"}, 3,
                   "Raj Patel: 23:00 AEST in Australia/Sydney is outside their availability");
        refused_at(s, {"move", "B-1", "--to", "2027-07-07 14:00", "--override-availability"}, 65,
                   "reason: an availability override needs a reason (--reason)");
        // Same time, another device: still the agreed time.
        auto out = ok_at(s, {"move", "B-1", "--to", "2027-07-06 14:00", "--device", "PORTAL-2"});
        CHECK(starts_with(out, "B-1 booked: Asha Patel with Raj Patel on Portal-2\n"));
        CHECK(booking_on(s, "2027-07-06", "B-1")["availability_overridden"] == true);
        // A time inside Raj's hours needs no override, and the booking no longer carries one.
        ok_at(s, {"move", "B-1", "--to", "2027-07-07 13:30"});
        CHECK(booking_on(s, "2027-07-07", "B-1")["availability_overridden"] == false);
        // Agreed again by phone for another time.
        ok_at(s, {"move", "B-1", "--to", "2027-07-08 14:00", "--override-availability", "--reason",
                  "Raj can stay up"});
        auto b = booking_on(s, "2027-07-08", "B-1");
        CHECK(b["availability_overridden"] == true);
        CHECK(b["reason"] == "Raj can stay up");
    }

    TEST_CASE("cancel needs --reason; a cancelled call frees its time and cannot change again") {
        Scratch s;
        care_home(s);
        ok_at(s,
              book_args("R-ASHA", "C-LUCY", "2027-07-05 10:00", {"--device", "PORTAL-1"})); // B-1
        refused_at(s, {"cancel", "B-1"}, 2, "--reason is required (see carecall --help)");
        refused_at(s, {"cancel", "B-1", "--reason", ""}, 2,
                   "--reason: is empty (see carecall --help)");
        refused_at(s, {"cancel", "B-99", "--reason", "x"}, 4, "booking B-99 not found");
        auto r = run_at(s, {"cancel", "B-1", "--reason", "Asha is unwell"});
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        CHECK(r.out == "B-1 cancelled: Asha Patel with Lucy Brown on Portal-1\n"
                       "  Mon 2027-07-05 10:00-10:30 BST (Europe/London)\n");
        CHECK(r.err == "cancelled B-1\n");
        auto b = booking_on(s, "2027-07-05", "B-1");
        CHECK(b["status"] == "cancelled");
        CHECK(b["reason"] == "Asha is unwell");
        // Not listed without --all.
        CHECK(parse_json(ok_at(s, {"--json", "agenda", "--date", "2027-07-05"}))["calls"].empty());

        refused_at(s, {"cancel", "B-1", "--reason", "again"}, 3,
                   "booking B-1 is already cancelled");
        refused_at(s, {"done", "B-1"}, 3, "booking B-1 is already cancelled");
        refused_at(s, {"missed", "B-1", "--outcome", "no_answer"}, 3,
                   "booking B-1 is already cancelled");
        refused_at(s, {"move", "B-1", "--to", "2027-07-05 11:00"}, 3,
                   "booking B-1 is cancelled: only a booked or waiting call can be moved");
        auto j = error_json(run_at(s, {"--json", "cancel", "B-1", "--reason", "again"}).err);
        CHECK(j["code"] == "conflict");
        CHECK(j["exit"] == 3);
        // The time is free for another call.
        CHECK(starts_with(
            ok_at(s, book_args("R-IVY", "C-LUCY", "2027-07-05 10:00", {"--device", "PORTAL-1"})),
            "B-2 booked"));
        CHECK(audit_rows(s, "B-1") == 2); // book, cancel
        CHECK(audit_rows(s, "B-1", "cancel") == 1);
    }

    TEST_CASE("done and missed --outcome record how the call went, once") {
        Scratch s;
        care_home(s);
        ok_at(s, book_args("R-IVY", "C-LUCY", "2027-07-05 09:00")); // B-1
        ok_at(s, book_args("R-IVY", "C-LUCY", "2027-07-05 10:00")); // B-2
        ok_at(s, book_args("R-IVY", "C-LUCY", "2027-07-05 11:00")); // B-3
        ok_at(s, book_args("R-IVY", "C-LUCY", "2027-07-05 13:00")); // B-4
        ok_at(s, book_args("R-IVY", "C-LUCY", "2027-07-05 14:00")); // B-5
        const std::string after = "2027-07-05T13:30:00Z";           // 14:30 BST: every call started

        auto r = run_at(s, {"done", "B-1", "--note", "lovely chat about the garden"}, after);
        CHECK(r.code == 0);
        CHECK(r.out == "B-1 completed: Ivy Clarke with Lucy Brown on Portal-1\n"
                       "  Mon 2027-07-05 09:00-09:30 BST (Europe/London)\n");
        CHECK(r.err == "completed B-1\n");
        refused_at(s, {"done", "B-1"}, 3, "booking B-1 is already completed");
        refused_at(s, {"cancel", "B-1", "--reason", "x"}, 3, "booking B-1 is already completed");
        refused_at(s, {"missed", "B-1", "--outcome", "declined"}, 3,
                   "booking B-1 is already completed");

        refused_at(s, {"missed", "B-2", "--outcome", "asleep"}, 65,
                   "outcome: 'asleep' is not an outcome (expected no_answer, declined, unwell or "
                   "technical)");
        refused_at(s, {"missed", "B-2"}, 2, "--outcome is required (see carecall --help)");
        int n = 2;
        for (const auto* outcome : {"no_answer", "declined", "unwell", "technical"}) {
            auto code = "B-" + std::to_string(n++);
            CAPTURE(code);
            r = run_at(s, {"missed", code, "--outcome", outcome, "--reason", "noted by Kim"},
                       after);
            CHECK(r.code == 0);
            CHECK(starts_with(r.out, code + " missed: Ivy Clarke with Lucy Brown on Portal-1\n"));
            CHECK(r.err == "recorded as missed " + code + "\n");
            refused_at(s, {"missed", code, "--outcome", outcome}, 3,
                       "booking " + code + " is already missed");
        }
        auto j = parse_json(ok_at(s, {"--json", "agenda", "--date", "2027-07-05"}));
        REQUIRE(j["calls"].size() == 5);
        CHECK(j["calls"][0]["status"] == "completed");
        CHECK(j["calls"][0]["outcome"] == "completed");
        CHECK(j["calls"][0]["reason"] == "lovely chat about the garden");
        CHECK(j["calls"][1]["status"] == "missed");
        CHECK(j["calls"][1]["outcome"] == "no_answer");
        CHECK(j["calls"][4]["outcome"] == "technical");
        CHECK(j["calls"][4]["reason"] == "noted by Kim");
        // One audit row per change: 5 bookings, 1 done, 4 missed.
        CHECK(query_int(s.db(), "SELECT count(*) FROM audit WHERE kind = 'booking'") == 10);
    }

    TEST_CASE("done and missed are refused before the call starts; the database is unchanged") {
        Scratch s;
        care_home(s);
        ok_at(s, book_args("R-IVY", "C-LUCY", "2027-07-04 15:00")); // B-1, Sun; now is Thu 08:00
        const std::string message =
            "booking B-1 starts Sun 2027-07-04 15:00 BST: an outcome can be recorded from then on";
        refused_at(s, {"done", "B-1"}, 3, message);
        refused_at(s, {"missed", "B-1", "--outcome", "no_answer"}, 3, message);
        auto j = error_json(run_at(s, {"--json", "done", "B-1"}).err);
        CHECK(j["exit"] == 3);
        CHECK(j["rule"] == "time.not_started");
        // The same day, a minute early.
        refused_at(s, {"done", "B-1"}, 3,
                   "booking B-1 starts today at 15:00 BST: an outcome can be recorded from then on",
                   "2027-07-04T13:59:00Z");
        CHECK(booking_on(s, "2027-07-04", "B-1")["status"] == "booked");
        CHECK(audit_rows(s, "B-1") == 1);
        // From the start on.
        auto r = run_at(s, {"done", "B-1"}, "2027-07-04T14:00:00Z");
        INFO("stderr: " << r.err);
        CHECK(r.code == 0);
        CHECK(booking_on(s, "2027-07-04", "B-1")["status"] == "completed");
        CHECK(audit_rows(s, "B-1", "complete") == 1);
    }

    TEST_CASE("reopen --reason puts a completed or missed call back to booked, audited") {
        Scratch s;
        care_home(s);
        ok_at(s, book_args("R-IVY", "C-LUCY", "2027-07-04 15:00")); // B-1
        ok_at(s, book_args("R-IVY", "C-LUCY", "2027-07-04 17:00")); // B-2
        const std::string later = "2027-07-04T17:00:00Z";           // 18:00 BST
        ok_at(s, {"-q", "done", "B-1", "--note", "lovely chat"}, later);
        refused_at(s, {"reopen", "B-1"}, 2, "--reason is required (see carecall --help)");
        refused_at(s, {"reopen", "B-1", "--reason", ""}, 2,
                   "--reason: is empty (see carecall --help)");
        refused_at(s, {"reopen", "B-2", "--reason", "x"}, 3,
                   "booking B-2 is booked: only a completed or missed call can be reopened");
        refused_at(s, {"reopen", "B-9", "--reason", "x"}, 4, "booking B-9 not found");

        auto r = run_at(s, {"reopen", "B-1", "--reason", "recorded on the wrong call"}, later);
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        CHECK(r.out == "B-1 booked: Ivy Clarke with Lucy Brown on Portal-1\n"
                       "  Sun 2027-07-04 15:00-15:30 BST (Europe/London)\n");
        CHECK(r.err == "reopened B-1\n");
        auto b = booking_on(s, "2027-07-04", "B-1");
        CHECK(b["status"] == "booked");
        CHECK(b["outcome"] == "");
        CHECK(b["reason"] == "recorded on the wrong call");
        CHECK(b["start"] == "2027-07-04T15:00:00+01:00");
        CHECK(b["device"] == "PORTAL-1");
        CHECK(audit_rows(s, "B-1") == 3); // book, complete, reopen
        CHECK(audit_rows(s, "B-1", "reopen") == 1);
        auto details = query_rows(s.db(), "SELECT details FROM audit WHERE action = 'reopen'");
        REQUIRE(details.size() == 1);
        CHECK(contains(details[0][0], R"("changed":["status","outcome","reason"])"));
        CHECK(contains(details[0][0], R"("before":{)"));
        CHECK(contains(details[0][0], R"("status":"completed")"));

        // Then the right outcome; a missed call can be reopened too; a cancelled one cannot.
        ok_at(s, {"-q", "missed", "B-1", "--outcome", "no_answer"}, later);
        ok_at(s, {"-q", "reopen", "B-1", "--reason", "Lucy called back"}, later);
        ok_at(s, {"-q", "done", "B-1"}, later);
        CHECK(booking_on(s, "2027-07-04", "B-1")["status"] == "completed");
        ok_at(s, {"-q", "cancel", "B-2", "--reason", "Lucy is away"});
        refused_at(s, {"reopen", "B-2", "--reason", "x"}, 3,
                   "booking B-2 is cancelled: only a completed or missed call can be reopened");
        CHECK(query_int(s.db(), "SELECT count(*) FROM audit WHERE kind = 'booking'") == 8);
    }

} // TEST_SUITE
