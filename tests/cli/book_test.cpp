// carecall book: every hard rule refused (exit 3, the rule named in words, nothing on stdout, the
// database unchanged) and the same call accepted once the rule is met; --json refusals;
// --override-availability; --device/--staff; --first-free; end-of-life displacement.
#include "cli/booking_fixture.hpp"

using namespace carecall::test;
using nlohmann::json;

TEST_SUITE("cli book") {

    TEST_CASE("book: a group call shows site time and each contact's own time") {
        Scratch s;
        care_home(s);
        auto r = run_at(s, {"book", "--resident", "R-ASHA", "--contact", "C-LUCY", "--contact",
                            "C-RAJ", "--contact", "C-ANIL", "--at", "2027-07-05 10:00"});
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        CHECK(r.out == "B-1 booked: Asha Patel with Lucy Brown, Raj Patel, Anil Kumar on Portal-1\n"
                       "  Mon 2027-07-05 10:00-10:30 BST (Europe/London)\n"
                       "  Raj Patel: Mon 2027-07-05 19:00-19:30 AEST (Australia/Sydney)\n"
                       "  Anil Kumar: Mon 2027-07-05 14:30-15:00 IST (Asia/Kolkata)\n");
        CHECK(r.err == "booked B-1\n");

        // The JSON carries ISO 8601 times with offsets and the zones, for the site and each
        // contact.
        auto j = parse_json(ok_at(s, {"--json", "agenda", "--date", "2027-07-05"}));
        CHECK(j["format"] == "carecall-agenda/1");
        REQUIRE(j["calls"].size() == 1);
        const auto& b = j["calls"][0];
        CHECK(b["code"] == "B-1");
        CHECK(b["status"] == "booked");
        CHECK(b["tz"] == "Europe/London");
        CHECK(b["start"] == "2027-07-05T10:00:00+01:00");
        CHECK(b["end"] == "2027-07-05T10:30:00+01:00");
        CHECK(b["start_utc"] == "2027-07-05T09:00:00Z");
        CHECK(b["device"] == "PORTAL-1");
        CHECK(b["staff"].is_null());
        CHECK(b["priority"] == "routine");
        REQUIRE(b["contacts"].size() == 3);
        CHECK(b["contacts"][1]["code"] == "C-RAJ");
        CHECK(b["contacts"][1]["tz"] == "Australia/Sydney");
        CHECK(b["contacts"][1]["start"] == "2027-07-05T19:00:00+10:00");
        CHECK(b["contacts"][2]["start"] == "2027-07-05T14:30:00+05:30");

        // Exactly one audit row for the booking.
        CHECK(query_int(s.db(), "SELECT count(*) FROM audit WHERE kind = 'booking'") == 1);
        CHECK(query_int(s.db(), "SELECT count(*) FROM audit WHERE action = 'book' AND "
                                "record_code = 'B-1'") == 1);
    }

    TEST_CASE("book: device rules (busy, cleaning, moving between wards, ward, out of service)") {
        Scratch s;
        care_home(s);
        ok_at(s,
              book_args("R-ASHA", "C-LUCY", "2027-07-05 10:00", {"--device", "PORTAL-1"})); // B-1

        refused_at(s, book_args("R-IVY", "C-TOM", "2027-07-05 10:15", {"--device", "PORTAL-1"}), 3,
                   "device Portal-1 is in call B-1 from 10:00 BST to 10:30");
        refused_at(s, book_args("R-IVY", "C-TOM", "2027-07-05 10:35", {"--device", "PORTAL-1"}), 3,
                   "device Portal-1 is being cleaned after the 10:00 call until 10:40");
        refused_at(
            s, book_args("R-IVY", "C-TOM", "2027-07-05 09:25", {"--device", "PORTAL-1"}), 3,
            "device Portal-1 needs 10 minutes after this call for cleaning before call B-1 at "
            "10:00 BST");
        // Bluebell is another ward: cleaning and 5 minutes to move.
        refused_at(s, book_args("R-BEN", "C-TOM", "2027-07-05 10:40", {"--device", "PORTAL-1"}), 3,
                   "device Portal-1 is being cleaned and moved after the 10:00 call until 10:45");
        refused_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-05 16:00", {"--device", "TAB-B"}), 3,
                   "device Tablet-B does not serve ward Rose Ward");
        refused_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-06 11:00", {"--device", "PORTAL-1"}),
                   3, "device Portal-1 is out of service from 10:00 BST to 12:00 BST (charging)");

        // Accepted the moment the rule is met.
        auto ivy =
            ok_at(s, book_args("R-IVY", "C-TOM", "2027-07-05 10:40", {"--device", "PORTAL-1"}));
        CHECK(starts_with(ivy, "B-2 booked: Ivy Clarke with Tom Hart on Portal-1\n"));
        refused_at(s, book_args("R-BEN", "C-TOM", "2027-07-05 11:20", {"--device", "PORTAL-1"}), 3,
                   "device Portal-1 is being cleaned and moved after the 10:40 call until 11:25");
        auto ben =
            ok_at(s, book_args("R-BEN", "C-TOM", "2027-07-05 11:25", {"--device", "PORTAL-1"}));
        CHECK(ben == "B-3 booked: Ben Okafor with Tom Hart on Portal-1\n"
                     "  Mon 2027-07-05 11:25-11:55 BST (Europe/London)\n");
        // Without --device a device that is in service is picked.
        auto other = ok_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-06 11:00"));
        CHECK(starts_with(other, "B-4 booked: Asha Patel with Lucy Brown on Portal-2\n"));
    }

    TEST_CASE(
        "book: resident rules (busy, hours, care blocks, per day, length, admission, consent, "
        "ward closed)") {
        Scratch s;
        care_home(s);
        ok_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-05 10:00")); // B-1 on Portal-1

        refused_at(s, book_args("R-ASHA", "C-RAJ", "2027-07-05 10:15", {"--device", "PORTAL-2"}), 3,
                   "Asha Patel is already in call B-1 from 10:00 BST to 10:30");
        refused_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-06 07:30"), 3,
                   "07:30 BST to 08:00 is outside the calling hours of ward Rose Ward (daily "
                   "08:00-23:00)");
        refused_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-06 22:45"), 3,
                   "22:45 BST to 23:15 is outside the calling hours of ward Rose Ward (daily "
                   "08:00-23:00)");
        refused_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-06 12:15"), 3,
                   "Asha Patel has lunch from 12:00 BST to 13:00");
        refused_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-07 15:30"), 3,
                   "Asha Patel has physiotherapy from 15:00 BST to 16:00 BST");
        refused_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-06 14:00", {"--duration", "1h"}), 3,
                   "Asha Patel manages calls of at most 45 minutes; this one is 60");
        refused_at(s, book_args("R-DAN", "C-LUCY", "2027-07-06 14:00"), 3,
                   "Dan Webb is not admitted until 2027-08-01");
        refused_at(s, book_args("R-EVE", "C-LUCY", "2027-07-06 14:00"), 3,
                   "Eve Long was discharged on 2027-06-30");
        refused_at(s, book_args("R-FAY", "C-LUCY", "2027-07-06 14:00"), 3,
                   "Fay Moss has refused video calls");
        s.ok({"-q", "resident", "consent", "R-GUS", "--status", "none"});
        refused_at(s, book_args("R-GUS", "C-LUCY", "2027-07-06 14:00"), 3,
                   "Gus Hill has no consent to video calls recorded (carecall resident consent)");
        refused_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-13 10:00"), 3,
                   "ward Rose Ward is closed from 2027-07-12 to 2027-07-14 (norovirus outbreak)");

        // Calls per day: two on Thursday, a third refused until one is cancelled.
        ok_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-08 09:00")); // B-2
        ok_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-08 14:00")); // B-3
        refused_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-08 16:00"), 3,
                   "Asha Patel already has 2 calls on 2027-07-08 (at most 2 a day)");
        ok_at(s, {"-q", "cancel", "B-3", "--reason", "Lucy is working late"});
        CHECK(
            starts_with(ok_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-08 16:00")), "B-4 booked"));

        // Each refused call accepted once its rule is met.
        CHECK(starts_with(
            ok_at(s, book_args("R-ASHA", "C-RAJ", "2027-07-05 10:45", {"--device", "PORTAL-2"})),
            "B-5 booked"));
        CHECK(starts_with(
            ok_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-06 08:00", {"--duration", "45m"})),
            "B-6 booked"));
        CHECK(
            starts_with(ok_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-06 13:00")), "B-7 booked"));
        CHECK(
            starts_with(ok_at(s, book_args("R-DAN", "C-LUCY", "2027-08-02 14:00")), "B-8 booked"));
        CHECK(starts_with(
            ok_at(s, book_args("R-EVE", "C-LUCY", "2027-06-30 14:00"), "2027-06-01T09:00:00Z"),
            "B-9 booked"));
        s.ok({"-q", "resident", "consent", "R-GUS", "--status", "best_interest", "--by", "Dr Jones",
              "--on", "2027-06-01"});
        CHECK(
            starts_with(ok_at(s, book_args("R-GUS", "C-LUCY", "2027-07-06 14:00")), "B-10 booked"));
        CHECK(
            starts_with(ok_at(s, book_args("R-IVY", "C-LUCY", "2027-07-15 10:00")), "B-11 booked"));
    }

    TEST_CASE("book: contact rules (busy, availability in their own zone, away, not approved)") {
        Scratch s;
        care_home(s);
        ok_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-05 10:00")); // B-1
        refused_at(s, book_args("R-BEN", "C-LUCY", "2027-07-05 10:00"), 3,
                   "Lucy Brown is already in call B-1 from 10:00 BST to 10:30");
        refused_at(s, book_args("R-ASHA", "C-RAJ", "2027-07-06 14:00"), 3,
                   "Raj Patel: 23:00 AEST in Australia/Sydney is outside their availability");
        refused_at(
            s, book_args("R-ASHA", "C-ANIL", "2027-07-08 10:00"), 3,
            "Anil Kumar is away from 00:00 IST to Sat 2027-07-10 00:00 IST (wedding in Goa)");
        refused_at(s, book_args("R-ASHA", "C-TOM", "2027-07-06 14:00"), 3,
                   "Tom Hart is not approved to call Asha Patel");
        // One contact of a group call out of hours refuses the whole call.
        refused_at(s,
                   {"book", "--resident", "R-ASHA", "--contact", "C-LUCY", "--contact", "C-RAJ",
                    "--at", "2027-07-06 14:00"},
                   3, "Raj Patel: 23:00 AEST in Australia/Sydney is outside their availability");

        // Accepted: Lucy free again at 10:30, Raj until 23:00 his time, Anil back on Saturday.
        CHECK(
            starts_with(ok_at(s, book_args("R-BEN", "C-LUCY", "2027-07-05 10:30")), "B-2 booked"));
        auto raj = ok_at(s, book_args("R-ASHA", "C-RAJ", "2027-07-06 13:30"));
        CHECK(raj == "B-3 booked: Asha Patel with Raj Patel on Portal-1\n"
                     "  Tue 2027-07-06 13:30-14:00 BST (Europe/London)\n"
                     "  Raj Patel: Tue 2027-07-06 22:30-23:00 AEST (Australia/Sydney)\n");
        CHECK(
            starts_with(ok_at(s, book_args("R-ASHA", "C-ANIL", "2027-07-10 10:00")), "B-4 booked"));
        s.ok({"-q", "contact", "approve", "C-TOM", "--resident", "R-ASHA"});
        CHECK(
            starts_with(ok_at(s, book_args("R-ASHA", "C-TOM", "2027-07-06 15:00")), "B-5 booked"));
    }

    TEST_CASE("book: help rules (none free, shift, competence, ward, busy)") {
        Scratch s;
        care_home(s);
        // Saturday: Sam (bsl) is off; Kim is on but lacks bsl.
        refused_at(
            s, book_args("R-CORA", "C-LUCY", "2027-07-10 10:00"), 3,
            "Cora Lin needs a member of staff to help with calls and none is free on ward Rose "
            "Ward (Sam Reed is not on shift from 10:00 BST to 10:30; Kim Cho lacks the "
            "competence 'bsl' that Cora Lin needs)");
        refused_at(s, book_args("R-CORA", "C-LUCY", "2027-07-10 10:00", {"--staff", "E-SAM"}), 3,
                   "Sam Reed is not on shift from 10:00 BST to 10:30");
        refused_at(s, book_args("R-CORA", "C-LUCY", "2027-07-09 10:00", {"--staff", "E-KIM"}), 3,
                   "Kim Cho lacks the competence 'bsl' that Cora Lin needs");
        refused_at(s, book_args("R-CORA", "C-LUCY", "2027-07-09 10:00", {"--staff", "E-PAT"}), 3,
                   "Pat Doyle does not work on ward Rose Ward");
        refused_at(s, book_args("R-CORA", "C-LUCY", "2027-07-09 15:45", {"--staff", "E-SAM"}), 3,
                   "Sam Reed is not on shift from 15:45 BST to 16:15");

        auto cora = ok_at(s, book_args("R-CORA", "C-LUCY", "2027-07-09 10:00"));
        CHECK(cora == "B-1 booked: Cora Lin with Lucy Brown on Portal-1, helped by Sam Reed\n"
                      "  Fri 2027-07-09 10:00-10:30 BST (Europe/London)\n");
        refused_at(s,
                   book_args("R-HAL", "C-TOM", "2027-07-09 10:00",
                             {"--staff", "E-SAM", "--device", "PORTAL-2"}),
                   3, "Sam Reed is helping with call B-1 from 10:00 BST to 10:30");
        // Picked when not given: Kim is free.
        auto hal = ok_at(s, book_args("R-HAL", "C-TOM", "2027-07-09 10:00"));
        CHECK(hal == "B-2 booked: Hal Jones with Tom Hart on Portal-2, helped by Kim Cho\n"
                     "  Fri 2027-07-09 10:00-10:30 BST (Europe/London)\n");
        auto j = parse_json(ok_at(s, {"--json", "agenda", "--date", "2027-07-09"}));
        REQUIRE(j["calls"].size() == 2);
        CHECK(j["calls"][0]["staff"] == "E-SAM");
        CHECK(j["calls"][1]["staff"] == "E-KIM");
    }

    TEST_CASE("book: a time in the past is refused") {
        Scratch s;
        care_home(s);
        refused_at(s, book_args("R-ASHA", "C-LUCY", "2027-06-30 10:00"), 3,
                   "Wed 2027-06-30 10:00 BST is in the past (now is 08:00 BST)");
        refused_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-01 07:30"), 3,
                   "07:30 BST is in the past (now is 08:00 BST)");
        // CARECALL_NOW fixes "now" as --now does.
        auto r = s.run(book_args("R-ASHA", "C-LUCY", "2027-07-05 10:00"), {},
                       {"CARECALL_NOW=2027-07-06T07:00:00Z"});
        CHECK(r.code == 3);
        CHECK(first_line(r.err) ==
              "carecall: error: Mon 2027-07-05 10:00 BST is in the past (now is 08:00 BST)");
        CHECK(r.out.empty());
        r = s.run(book_args("R-ASHA", "C-LUCY", "2027-07-05 10:00"), {},
                  {"CARECALL_NOW=2027-07-01T07:00:00Z"});
        CHECK(r.code == 0);
    }

    TEST_CASE("book --json: a refusal is a JSON object on stderr naming the rule and the booking") {
        Scratch s;
        care_home(s);
        ok_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-05 10:00")); // B-1
        auto before = s.dump();
        auto r = run_at(s, {"--json", "book", "--resident", "R-BEN", "--contact", "C-LUCY", "--at",
                            "2027-07-05 10:15", "--device", "PORTAL-1"});
        CHECK(r.code == 3);
        CHECK(r.out.empty());
        CHECK(first_line(r.err) ==
              "carecall: error: device Portal-1 is in call B-1 from 10:00 BST to 10:30");
        auto j = error_json(r.err);
        CHECK(j["format"] == "carecall-error/1");
        CHECK(j["code"] == "conflict");
        CHECK(j["exit"] == 3);
        CHECK(j["rule"] == "device.busy");
        CHECK(j["message"] == "device Portal-1 is in call B-1 from 10:00 BST to 10:30");
        REQUIRE(j["violations"].size() == 2);
        CHECK(j["violations"][0]["rule"] == "device.busy");
        CHECK(j["violations"][0]["other_booking_id"] == 1);
        CHECK(j["violations"][1]["rule"] == "contact.busy");
        CHECK(j["violations"][1]["message"] ==
              "Lucy Brown is already in call B-1 from 10:00 BST to 10:30");
        CARECALL_CHECK_SAME(before, s.dump());

        r = run_at(s, {"--json", "book", "--resident", "R-ASHA", "--contact", "C-RAJ", "--at",
                       "2027-07-06 14:00"});
        CHECK(r.code == 3);
        j = error_json(r.err);
        CHECK(j["rule"] == "contact.availability");
        CHECK(j["violations"][0]["other_booking_id"].is_null());
        CARECALL_CHECK_SAME(before, s.dump());
    }

    TEST_CASE("book --override-availability needs --reason and is recorded") {
        Scratch s;
        care_home(s);
        refused_at(s, book_args("R-ASHA", "C-RAJ", "2027-07-06 14:00", {"--override-availability"}),
                   65, "reason: an availability override needs a reason (--reason)");
        auto j = book_json(s, book_args("R-ASHA", "C-RAJ", "2027-07-06 14:00",
                                        {"--override-availability", "--reason",
                                         "agreed by phone with Raj on 30 June"}));
        CHECK(j["booking"]["availability_overridden"] == true);
        CHECK(j["booking"]["reason"] == "agreed by phone with Raj on 30 June");
        CHECK(j["booking"]["contacts"][0]["start"] == "2027-07-06T23:00:00+10:00");
        CHECK(j["displaced"].empty());
        // The override is about availability only: every other rule still holds.
        refused_at(s,
                   book_args("R-ASHA", "C-RAJ", "2027-07-06 12:30",
                             {"--override-availability", "--reason", "agreed"}),
                   3, "Asha Patel has lunch from 12:00 BST to 13:00");
        CHECK(query_int(s.db(), "SELECT availability_overridden FROM booking WHERE code = 'B-1'") ==
              1);
    }

    TEST_CASE("book --outside-hours: an end-of-life call at any hour; nothing else gives way") {
        Scratch s;
        care_home(s);
        ok_at(s, {"-q", "ward", "edit", "W-ROSE", "--hours", "daily 08:00-20:00"});
        const Args eol{"--priority", "end_of_life"};
        // Today's behaviour without it: the ward's calling hours refuse even an end-of-life call.
        refused_at(s, book_args("R-IVY", "C-LUCY", "2027-07-05 21:00", eol), 3,
                   "21:00 BST to 21:30 is outside the calling hours of ward Rose Ward (daily "
                   "08:00-20:00)");
        refused_at(s,
                   book_args("R-IVY", "C-LUCY", "2027-07-05 21:00",
                             {"--outside-hours", "--reason", "family by the bedside"}),
                   65,
                   "outside-hours: only an end-of-life call may be booked outside calling hours "
                   "(--priority end_of_life); this one is routine");
        refused_at(s,
                   book_args("R-IVY", "C-LUCY", "2027-07-05 21:00",
                             {"--priority", "end_of_life", "--outside-hours"}),
                   65, "reason: a call outside calling hours needs a reason (--reason)");
        const Args night{"--priority", "end_of_life", "--outside-hours", "--reason",
                         "Ivy is dying: her family may call at any hour"};
        auto with = [&](Args extra) {
            Args a = night;
            a.insert(a.end(), extra.begin(), extra.end());
            return a;
        };
        // A clinical call of Ben's on Portal-1 at 21:00 (his ward calls at any hour): neither the
        // device nor its cleaning gives way, nor does a closed ward.
        ok_at(s, book_args("R-BEN", "C-TOM", "2027-07-05 21:00",
                           {"--device", "PORTAL-1", "--priority", "clinical"})); // B-1
        refused_at(s,
                   book_args("R-IVY", "C-LUCY", "2027-07-05 21:00", with({"--device", "PORTAL-1"})),
                   3, "device Portal-1 is in call B-1 from 21:00 BST to 21:30");
        refused_at(
            s, book_args("R-IVY", "C-LUCY", "2027-07-05 21:35", with({"--device", "PORTAL-1"})), 3,
            "device Portal-1 is being cleaned and moved after the 21:00 call until 21:45");
        refused_at(s, book_args("R-IVY", "C-LUCY", "2027-07-13 21:00", night), 3,
                   "ward Rose Ward is closed from 2027-07-12 to 2027-07-14 (norovirus outbreak)");

        auto j = book_json(s, book_args("R-IVY", "C-LUCY", "2027-07-05 21:00", night)); // B-2
        CHECK(j["booking"]["code"] == "B-2");
        CHECK(j["booking"]["device"] == "PORTAL-2");
        CHECK(j["booking"]["priority"] == "end_of_life");
        CHECK(j["booking"]["hours_overridden"] == true);
        CHECK(j["booking"]["availability_overridden"] == false);
        CHECK(j["booking"]["reason"] == "Ivy is dying: her family may call at any hour");
        CHECK(j["displaced"].empty());
        CHECK(query_int(s.db(), "SELECT hours_overridden FROM booking WHERE code = 'B-2'") == 1);
        CHECK(query_int(s.db(), "SELECT hours_overridden FROM booking WHERE code = 'B-1'") == 0);
        CHECK(query_int(s.db(),
                        "SELECT count(*) FROM audit WHERE action = 'book' AND record_code = "
                        "'B-2' AND details LIKE '%\"hours_overridden\":true%'") == 1);
        // The text says so; the rota tells the ward first thing.
        auto out = ok_at(s, {"agenda", "--date", "2027-07-05", "--json"});
        CHECK(parse_json(out)["calls"][1]["hours_overridden"] == true);
        auto rota = parse_json(
            ok_at(s, {"-q", "--json", "rota", "--date", "2027-07-05", "--ward", "W-ROSE"}));
        REQUIRE(rota["calls"].size() == 1);
        CHECK(rota["calls"][0]["hours_overridden"] == true);
        CHECK(rota["calls"][0]["preparation"][0] == "outside calling hours (end of life)");
        CHECK(contains(ok_at(s, {"-q", "rota", "--date", "2027-07-05", "--ward", "W-ROSE"}),
                       "prepare: outside calling hours (end of life);"));
        // Moved, it keeps the override: still at any hour.
        auto moved = ok_at(s, {"move", "B-2", "--to", "2027-07-05 22:30"});
        CHECK(contains(moved, "outside calling hours (end of life)"));
        CHECK(query_int(s.db(), "SELECT hours_overridden FROM booking WHERE code = 'B-2'") == 1);
        // Care blocks give way too: Asha's lunch.
        refused_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-06 12:15", eol), 3,
                   "Asha Patel has lunch from 12:00 BST to 13:00");
        CHECK(book_json(s, book_args("R-ASHA", "C-LUCY", "2027-07-06 12:15",
                                     night))["booking"]["hours_overridden"] == true);
    }

    TEST_CASE("book --device and --staff name the device and helper") {
        Scratch s;
        care_home(s);
        auto j = book_json(s, book_args("R-CORA", "C-LUCY", "2027-07-09 10:00",
                                        {"--device", "PORTAL-2", "--staff", "E-SAM"}));
        CHECK(j["booking"]["device"] == "PORTAL-2");
        CHECK(j["booking"]["staff"] == "E-SAM");
        CHECK(j["booking"]["staff_name"] == "Sam Reed");
        refused_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-09 10:00", {"--device", "NOPE"}), 4,
                   "device NOPE not found");
        refused_at(s, book_args("R-CORA", "C-LUCY", "2027-07-09 11:00", {"--staff", "E-NOBODY"}), 4,
                   "staff member E-NOBODY not found");
    }

    TEST_CASE("book --first-free: the first start that keeps every rule, within --after/--before") {
        Scratch s;
        care_home(s);
        ok_at(s,
              book_args("R-ASHA", "C-LUCY", "2027-07-05 10:00", {"--device", "PORTAL-1"})); // B-1
        // Portal-1 is cleaned until 10:40: the next start on the 15-minute grid is 10:45.
        auto out = ok_at(s, {"book", "--resident", "R-IVY", "--contact", "C-TOM", "--first-free",
                             "--after", "2027-07-05 09:50", "--device", "PORTAL-1"});
        CHECK(out == "B-2 booked: Ivy Clarke with Tom Hart on Portal-1\n"
                     "  Mon 2027-07-05 10:45-11:15 BST (Europe/London)\n");
        // Raj (Sydney 07:00-13:00, 17:00-23:00) after Asha's lunch: 13:00 BST is 22:00 AEST.
        out = ok_at(s, {"book", "--resident", "R-ASHA", "--contact", "C-RAJ", "--first-free",
                        "--after", "2027-07-05 11:50", "--duration", "45m"});
        CHECK(out == "B-3 booked: Asha Patel with Raj Patel on Portal-1\n"
                     "  Mon 2027-07-05 13:00-13:45 BST (Europe/London)\n"
                     "  Raj Patel: Mon 2027-07-05 22:00-22:45 AEST (Australia/Sydney)\n");
        // Nothing fits between 14:00 and 22:00 for Raj: refused, saying so first.
        auto r = check_refused(
            s,
            now_args({"book", "--resident", "R-ASHA", "--contact", "C-RAJ", "--first-free",
                      "--after", "2027-07-06 14:00", "--before", "2027-07-06 22:00"}),
            3, "no free time for this call between 14:00 BST and 22:00 BST");
        CHECK(contains(r.err,
                       "carecall: also: Raj Patel: 23:00 AEST in Australia/Sydney is outside "
                       "their availability\n"));
        // With no --after the search starts now (Thu 08:00 BST); --before bounds the end.
        out = ok_at(s, {"book", "--resident", "R-IVY", "--contact", "C-LUCY", "--first-free",
                        "--before", "2027-07-01 09:00"});
        CHECK(out == "B-4 booked: Ivy Clarke with Lucy Brown on Portal-1\n"
                     "  Thu 2027-07-01 08:00-08:30 BST (Europe/London)\n");
        // A search that began in the past starts now: Ivy is in B-4 until 08:30.
        out = ok_at(s, {"book", "--resident", "R-IVY", "--contact", "C-LUCY", "--first-free",
                        "--after", "2027-06-30 09:00"});
        CHECK(out == "B-5 booked: Ivy Clarke with Lucy Brown on Portal-2\n"
                     "  Thu 2027-07-01 08:30-09:00 BST (Europe/London)\n");
        refused_at(s, {"book", "--resident", "R-IVY", "--contact", "C-LUCY"}, 2,
                   "give --at TIME or --first-free");
    }

    TEST_CASE("book --priority end_of_life: a routine call in the way is moved, never dropped") {
        Scratch s;
        care_home(s);
        ok_at(s, book_args("R-IVY", "C-TOM", "2027-07-07 10:00", {"--device", "PORTAL-1"})); // B-1
        refused_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-07 10:00", {"--device", "PORTAL-1"}),
                   3, "device Portal-1 is in call B-1 from 10:00 BST to 10:30");
        auto r = run_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-07 10:00",
                                     {"--device", "PORTAL-1", "--priority", "end_of_life"}));
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        CHECK(r.out == "B-2 booked: Asha Patel with Lucy Brown on Portal-1\n"
                       "  Wed 2027-07-07 10:00-10:30 BST (Europe/London)\n"
                       "moved B-1 to make room:\n"
                       "B-1 booked: Ivy Clarke with Tom Hart on Portal-2\n"
                       "  Wed 2027-07-07 10:00-10:30 BST (Europe/London)\n");
        auto j = parse_json(ok_at(s, {"--json", "agenda", "--date", "2027-07-07"}));
        REQUIRE(j["calls"].size() == 2);
        CHECK(j["calls"][0]["code"] == "B-1");
        CHECK(j["calls"][0]["device"] == "PORTAL-2");
        CHECK(j["calls"][0]["reason"] == "moved for end_of_life call B-2");
        CHECK(j["calls"][1]["priority"] == "end_of_life");
        CHECK(query_int(s.db(), "SELECT count(*) FROM audit WHERE record_code = 'B-1'") == 2);
    }

    TEST_CASE("book --priority end_of_life: a call in the way twice is moved once (regression)") {
        Scratch s;
        care_home(s);
        // Ivy's call with Lucy blocks both the device and the contact of Asha's end-of-life call.
        ok_at(s, book_args("R-IVY", "C-LUCY", "2027-07-08 10:00", {"--device", "PORTAL-1"})); // B-1
        auto j = book_json(s, book_args("R-ASHA", "C-LUCY", "2027-07-08 10:00",
                                        {"--device", "PORTAL-1", "--priority", "end_of_life"}));
        REQUIRE(j["displaced"].size() == 1);
        const auto& d = j["displaced"][0];
        CHECK(d["before"]["code"] == "B-1");
        CHECK(d["before"]["start"] == "2027-07-08T10:00:00+01:00");
        CHECK(d["waitlisted"] == false);
        CHECK(d["after"]["start"] == "2027-07-08T10:30:00+01:00"); // Lucy is free again at 10:30
        CHECK(d["after"]["device"] == "PORTAL-2");
        // One book row and one move row for B-1, nothing more.
        CHECK(query_int(s.db(), "SELECT count(*) FROM audit WHERE record_code = 'B-1'") == 2);
        CHECK(query_int(s.db(), "SELECT count(*) FROM audit WHERE record_code = 'B-1' AND action = "
                                "'move'") == 1);
    }

    TEST_CASE("book --priority end_of_life: a call with no other time goes on the waiting list") {
        Scratch s;
        care_home(s);
        // Nora (New York 18:00-21:00) is never inside Rose Ward's hours in July: this call was
        // agreed by phone, so it has no other feasible time.
        ok_at(s, book_args("R-ASHA", "C-NORA", "2027-07-05 15:00",
                           {"--device", "PORTAL-1", "--override-availability", "--reason",
                            "agreed by phone"})); // B-1
        auto r = run_at(s, book_args("R-IVY", "C-LUCY", "2027-07-05 15:00",
                                     {"--device", "PORTAL-1", "--priority", "end_of_life"}));
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        CHECK(r.out ==
              "B-2 booked: Ivy Clarke with Lucy Brown on Portal-1\n"
              "  Mon 2027-07-05 15:00-15:30 BST (Europe/London)\n"
              "B-1 put on the waiting list to make room (was Mon 2027-07-05 15:00-15:30 BST)\n");
        auto w = ok_at(s, {"waitlist"});
        CHECK(w == "CALL  RESIDENT  WAS                             PRIORITY  WHY\n"
                   "B-1   R-ASHA    Mon 2027-07-05 15:00-15:30 BST  routine   displaced by "
                   "end_of_life call B-2\n");
        auto j = parse_json(ok_at(s, {"--json", "waitlist"}));
        CHECK(j["format"] == "carecall-waitlist/1");
        REQUIRE(j["calls"].size() == 1);
        CHECK(j["calls"][0]["status"] == "waitlisted");
        // It holds no time: the device is free for another call once B-2 is cleaned.
        CHECK(starts_with(
            ok_at(s, book_args("R-BEN", "C-TOM", "2027-07-05 15:45", {"--device", "PORTAL-1"})),
            "B-3 booked"));
        // A waiting call can be given a new time (every rule re-checked) or cancelled.
        refused_at(s, {"move", "B-1", "--to", "2027-07-06 15:00"}, 3,
                   "Nora Smith: 10:00 EDT in America/New_York is outside their availability");
        auto moved = ok_at(s, {"move", "B-1", "--to", "2027-07-06 22:30", "--override-availability",
                               "--reason", "Nora agreed 17:30 her time"});
        CHECK(moved == "B-1 booked: Asha Patel with Nora Smith on Portal-1\n"
                       "  Tue 2027-07-06 22:30-23:00 BST (Europe/London)\n"
                       "  Nora Smith: Tue 2027-07-06 17:30-18:00 EDT (America/New_York)\n");
        CHECK(ok_at(s, {"-q", "waitlist"}) == "CALL  RESIDENT  WAS  PRIORITY  WHY\n");
    }

    TEST_CASE("book: only end_of_life displaces; a clinical call is not moved for a routine one") {
        Scratch s;
        care_home(s);
        ok_at(s, book_args("R-IVY", "C-TOM", "2027-07-09 10:00",
                           {"--device", "PORTAL-1", "--priority", "clinical"})); // B-1
        refused_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-09 10:00", {"--device", "PORTAL-1"}),
                   3, "device Portal-1 is in call B-1 from 10:00 BST to 10:30");
        refused_at(s,
                   book_args("R-ASHA", "C-LUCY", "2027-07-09 10:00",
                             {"--device", "PORTAL-1", "--priority", "clinical"}),
                   3, "device Portal-1 is in call B-1 from 10:00 BST to 10:30");
        // An end-of-life call is still refused when what is in the way cannot move (an absence).
        ok_at(s, book_args("R-BEN", "C-TOM", "2027-07-08 10:00", {"--device", "PORTAL-1"})); // B-2
        refused_at(
            s,
            book_args("R-ASHA", "C-ANIL", "2027-07-08 10:00",
                      {"--device", "PORTAL-1", "--priority", "end_of_life"}),
            3, "Anil Kumar is away from 00:00 IST to Sat 2027-07-10 00:00 IST (wedding in Goa)");
        CHECK(ok_at(s, {"-q", "waitlist"}) == "CALL  RESIDENT  WAS  PRIORITY  WHY\n");
    }

    TEST_CASE("I4: hostile and non-ASCII names and reasons are stored and shown byte for byte") {
        Scratch s;
        care_home(s);
        const std::string bobby = "Robert'); DROP TABLE booking;--";
        const std::string zoe =
            "Zo\xC3\xAB O'Brien \xF0\x9F\x8C\xB7 \xD8\xB2\xD9\x8A\xD9\x86\xD8\xA8";
        s.ok({"-q", "contact", "add", "C-BOB", "--name", bobby, "--tz", "Europe/London",
              "--available", "daily 00:00-24:00"});
        s.ok({"-q", "contact", "add", "C-ZOE", "--name", zoe, "--tz", "Europe/London",
              "--available", "daily 00:00-24:00"});
        s.ok({"-q", "contact", "approve", "C-BOB", "--resident", "R-IVY"});
        s.ok({"-q", "contact", "approve", "C-ZOE", "--resident", "R-IVY"});
        auto schema = schema_of(s.db());
        const std::string reason = "Siobh\xC3\xA1n's idea'); DELETE FROM audit;-- \xF0\x9F\x8E\x89";
        std::string long_reason;
        while (long_reason.size() < 1000) {
            long_reason += "Zo\xC3\xAB ";
        }
        auto out = ok_at(s, {"book", "--resident", "R-IVY", "--contact", "C-BOB", "--contact",
                             "C-ZOE", "--at", "2027-07-05 10:00", "--reason", reason});
        CHECK(out == "B-1 booked: Ivy Clarke with " + bobby + ", " + zoe +
                         " on Portal-1\n"
                         "  Mon 2027-07-05 10:00-10:30 BST (Europe/London)\n");
        auto j = parse_json(ok_at(s, {"--json", "agenda", "--date", "2027-07-05"}));
        CHECK(j["calls"][0]["reason"] == reason);
        CHECK(j["calls"][0]["contacts"][0]["name"] == bobby);
        CHECK(j["calls"][0]["contacts"][1]["name"] == zoe);
        ok_at(s, {"-q", "cancel", "B-1", "--reason", long_reason});
        CHECK(query_rows(s.db(), "SELECT reason FROM booking WHERE code = 'B-1'") ==
              std::vector<std::vector<std::string>>{{long_reason}});
        CHECK(schema_of(s.db()) == schema);
        CHECK(query_int(s.db(), "SELECT count(*) FROM audit WHERE kind = 'booking'") == 2);
    }

} // TEST_SUITE

TEST_CASE("book: a weekly series of which nothing can be booked exits 3 and writes nothing") {
    carecall::test::Scratch s;
    care_home(s);
    auto before = s.snapshot();
    auto r = s.run(now_args({"book", "--resident", "R-FAY", "--contact", "C-LUCY", "--at",
                             "2027-07-05 10:00", "--weekly", "--until", "2027-07-19"}));
    CHECK(r.code == 3);
    CHECK(r.err.find("carecall: error: Fay Moss has refused video calls\n") != std::string::npos);
    CHECK(s.snapshot() == before);
}

TEST_CASE("book --at and move --to refuse a day without a time rather than read it as midnight") {
    carecall::test::Scratch s;
    care_home(s);
    ok_at(s, {"-q", "book", "--resident", "R-ASHA", "--contact", "C-LUCY", "--at",
              "2027-07-05 10:00"}); // B-1
    const auto before = s.snapshot();
    for (const std::string day : {"2027-07-06", "tomorrow", "next mon"}) {
        CAPTURE(day);
        check_refused(s, now_args(book_args("R-IVY", "C-TOM", day)), 65,
                      "--at: '" + day +
                          "' is a day without a time: give the call's time too (e.g. '" + day +
                          " 10:00')");
        check_refused(s, now_args({"move", "B-1", "--to", day}), 65,
                      "--to: '" + day +
                          "' is a day without a time: give the call's time too (e.g. '" + day +
                          " 10:00')");
    }
    CHECK(s.snapshot() == before);
    // A day with a time, and --after (the start of a search) as a day, still work.
    ok_at(s, {"-q", "move", "B-1", "--to", "2027-07-06 10:00"});
    ok_at(s, {"-q", "book", "--resident", "R-IVY", "--contact", "C-TOM", "--first-free", "--after",
              "2027-07-06"});
}
