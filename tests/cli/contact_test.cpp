// carecall contact add|list|show|edit|remove|approve|revoke
#include "cli/at_risk_fixture.hpp"
#include "cli/cli_fixture.hpp"

using namespace carecall::test;
using nlohmann::json;

TEST_SUITE("cli contact") {

    TEST_CASE("contact add, list and show: availability and absences in their own zone") {
        Scratch s;
        s.init();
        auto r = s.run({"contact", "add", "C-RAJ", "--name", "Raj Patel", "--relationship", "son",
                        "--tz", "Australia/Sydney", "--reach", "Portal: raj.patel", "--available",
                        "daily 07:00-09:00", "--available", "sat,sun 18:00-21:00 weekend",
                        "--absent", "2026-12-20T00:00/2027-01-03T00:00 holiday"});
        CHECK(r.code == 0);
        CHECK(r.out.empty());
        CHECK(r.err == "added contact C-RAJ\n");

        auto c = s.show("contact", "C-RAJ");
        CHECK(c["code"] == "C-RAJ");
        CHECK(c["name"] == "Raj Patel");
        CHECK(c["relationship"] == "son");
        CHECK(c["tz"] == "Australia/Sydney");
        CHECK(c["reach"] == "Portal: raj.patel");
        REQUIRE(c["availability"].size() == 2);
        CHECK(c["availability"][0]["text"] == "daily 07:00-09:00");
        CHECK(c["availability"][1]["weekdays"] == json::array({5, 6}));
        CHECK(c["availability"][1]["label"] == "weekend");
        // Summer in Sydney: +11:00.
        REQUIRE(c["absences"].size() == 1);
        CHECK(c["absences"][0] == json({{"start", "2026-12-20T00:00:00+11:00"},
                                        {"end", "2027-01-03T00:00:00+11:00"},
                                        {"label", "holiday"}}));
        CHECK(c["approved_for"] == json::array());

        r = s.run({"contact", "list"});
        CHECK(r.code == 0);
        CHECK(r.out ==
              "CODE   NAME       RELATIONSHIP  TIME ZONE         AVAILABLE (THEIR TIME)\n"
              "C-RAJ  Raj Patel  son           Australia/Sydney  daily 07:00-09:00, sat,sun "
              "18:00-21:00 weekend\n");
        CHECK(r.err == "1 contact\n");
        auto j = s.json({"contact", "list"});
        CHECK(j["kind"] == "contact");
        REQUIRE(j["items"].size() == 1);
        CHECK(j["items"][0] == c);
    }

    TEST_CASE("contact add: bad input is refused and writes nothing") {
        Scratch s;
        s.init();
        s.ok({"contact", "add", "C-RAJ", "--name", "C-RAJ", "--tz", "Australia/Sydney"});
        const Args base = {"contact", "add", "C-1", "--name", "C-1", "--tz", "America/New_York"};
        auto with = [&](const Args& more) {
            Args a = base;
            a.insert(a.end(), more.begin(), more.end());
            return a;
        };
        check_refused(s, {"contact", "add", "C-1", "--name", "C-1", "--tz", "Europe/Londn"}, 65,
                      "--tz: unknown time zone 'Europe/Londn' (expected an IANA name such as "
                      "Europe/London)");
        check_refused(s, {"contact", "add", "C-1", "--name", "C-1"}, 2,
                      "--tz is required (see carecall --help)");
        check_refused(s, {"contact", "add", "C-RAJ", "--name", "C-RAJ", "--tz", "Europe/London"}, 3,
                      "contact C-RAJ already exists");
        check_refused(s, with({"--available", "mon-fri 21:00-18:00"}), 65,
                      "--available: end 18:00 is not after start 21:00");
        check_refused(s, with({"--available", "mon-fri 18:00-25:61"}), 65,
                      "--available: 25:61 is not a time (expected HH:MM)");
        check_refused(s, with({"--absent", "2027-01-03T00:00/2026-12-20T00:00 holiday"}), 65,
                      "--absent: '2027-01-03T00:00/2026-12-20T00:00 holiday': the end is not after "
                      "the start");
        // 02:30 on 14 March 2027 does not exist in New York.
        check_refused(
            s, with({"--absent", "2027-03-14 02:30-04:00"}), 65,
            "--absent: 2027-03-14 02:30 does not exist in America/New_York: the clocks go "
            "forward then; the nearest real times are 2027-03-14T01:59:00-05:00 and "
            "2027-03-14T03:00:00-04:00");
        CHECK(s.list("contact").size() == 1);
    }

    TEST_CASE("contact edit: only the options given, lists replaced, 'none' clears") {
        Scratch s;
        s.init();
        s.ok({"contact", "add", "C-RAJ", "--name", "Raj Patel", "--relationship", "son", "--tz",
              "Australia/Sydney", "--available", "daily 07:00-09:00", "--available",
              "sat 10:00-12:00", "--absent", "2026-12-20 00:00-23:00 away"});
        auto before = s.show("contact", "C-RAJ");
        s.ok({"contact", "edit", "C-RAJ", "--reach", "WhatsApp +61 400 000 000"});
        auto after = s.show("contact", "C-RAJ");
        auto expected = before;
        expected["reach"] = "WhatsApp +61 400 000 000";
        CHECK(after == expected);

        s.ok({"contact", "edit", "C-RAJ", "--available", "mon-fri 18:00-21:00"});
        after = s.show("contact", "C-RAJ");
        REQUIRE(after["availability"].size() == 1);
        CHECK(after["availability"][0]["text"] == "mon-fri 18:00-21:00");
        CHECK(after["absences"] == before["absences"]);

        s.ok({"contact", "edit", "C-RAJ", "--available", "none", "--absent", "none"});
        after = s.show("contact", "C-RAJ");
        CHECK(after["availability"].empty());
        CHECK(after["absences"].empty());
        CHECK(after["name"] == "Raj Patel");
        CHECK(after["relationship"] == "son");
        CHECK(after["tz"] == "Australia/Sydney");

        // A new zone and absences given together: the absences are read in the new zone.
        s.ok({"contact", "edit", "C-RAJ", "--tz", "America/New_York", "--absent",
              "2027-07-01 09:00-17:00"});
        after = s.show("contact", "C-RAJ");
        CHECK(after["tz"] == "America/New_York");
        CHECK(after["absences"][0]["start"] == "2027-07-01T09:00:00-04:00");

        check_refused(s, {"contact", "edit", "C-RAJ", "--tz", "Mars/Olympus"}, 65,
                      "--tz: unknown time zone 'Mars/Olympus' (expected an IANA name such as "
                      "Europe/London)");
        check_refused(s, {"contact", "edit", "C-NOPE", "--name", "x"}, 4,
                      "contact C-NOPE not found");
    }

    TEST_CASE("contact approve and revoke") {
        Scratch s;
        small_home(s); // C-RAJ is approved for R-0042
        s.ok({"resident", "add", "R-0043", "--name", "R-0043", "--ward", "W-ROSE"});

        auto r = s.run({"contact", "approve", "C-RAJ", "--resident", "R-0043", "--key-contact",
                        "--restrictions", "no calls after 20:00"});
        CHECK(r.code == 0);
        CHECK(r.out.empty());
        CHECK(r.err == "contact C-RAJ approved to call resident R-0043 (key contact)\n");

        auto res = s.show("resident", "R-0043");
        REQUIRE(res["approved_contacts"].size() == 1);
        CHECK(res["approved_contacts"][0] == json({{"contact", "C-RAJ"},
                                                   {"approved", true},
                                                   {"key_contact", true},
                                                   {"restrictions", "no calls after 20:00"},
                                                   {"text", "C-RAJ (key contact)"}}));
        auto c = s.show("contact", "C-RAJ");
        REQUIRE(c["approved_for"].size() == 2);
        CHECK(c["approved_for"][0]["resident"] == "R-0042");
        CHECK(c["approved_for"][0]["key_contact"] == false);
        CHECK(c["approved_for"][1]["resident"] == "R-0043");
        CHECK(contains(s.ok({"resident", "show", "R-0043"}),
                       "approved_contacts:  C-RAJ (key contact)\n"));

        // Approving again replaces the link.
        s.ok({"contact", "approve", "C-RAJ", "--resident", "R-0043"});
        res = s.show("resident", "R-0043");
        REQUIRE(res["approved_contacts"].size() == 1);
        CHECK(res["approved_contacts"][0]["key_contact"] == false);
        CHECK(res["approved_contacts"][0]["restrictions"] == "");

        r = s.run({"contact", "revoke", "C-RAJ", "--resident", "R-0043"});
        CHECK(r.code == 0);
        CHECK(r.err == "contact C-RAJ may no longer call resident R-0043\n");
        CHECK(s.show("resident", "R-0043")["approved_contacts"].empty());
        CHECK(s.show("contact", "C-RAJ")["approved_for"].size() == 1);

        check_refused(s, {"contact", "revoke", "C-RAJ", "--resident", "R-0043"}, 4,
                      "approval R-0043/C-RAJ not found");
        check_refused(s, {"contact", "approve", "C-RAJ", "--resident", "R-NOPE"}, 4,
                      "resident R-NOPE not found");
        check_refused(s, {"contact", "approve", "C-NOPE", "--resident", "R-0042"}, 4,
                      "contact C-NOPE not found");
        check_refused(s, {"contact", "approve", "C-RAJ"}, 2,
                      "--resident is required (see carecall --help)");
    }

    TEST_CASE("contact remove: refused while approvals or requests use it") {
        Scratch s;
        small_home(s);
        s.ok({"request", "add", "Q-1", "--resident", "R-0042", "--contact", "C-RAJ"});
        s.ok({"contact", "add", "C-AMY", "--name", "C-AMY", "--tz", "Europe/London"});
        check_refused(
            s, {"contact", "remove", "C-RAJ", "--yes"}, 3,
            "contact C-RAJ is still used by 1 approval (R-0042/C-RAJ) and 1 request (Q-1): "
            "remove or move them first");
        check_refused(s, {"contact", "remove", "C-AMY"}, 2,
                      "remove contact C-AMY: refused without --yes (not on a terminal)");
        auto r = s.run({"contact", "remove", "C-AMY", "--yes"});
        CHECK(r.code == 0);
        CHECK(r.err == "removed contact C-AMY\n");
        CHECK(s.list("contact").size() == 1);
    }

} // TEST_SUITE

TEST_SUITE("cli contact") {
    TEST_CASE("contact edit: a holiday breaks calls on two wards; the repair is by site") {
        Scratch s;
        booked_calls(s);
        auto r = run_at(s, {"contact", "edit", "C-LUCY", "--absent",
                            "2027-07-05T00:00/2027-07-06T00:00 holiday"});
        INFO("stderr: " << r.err);
        CHECK(r.code == 0);
        CHECK(contains(r.err, "2 booked calls now break a rule because of this change:\n"));
        CHECK(contains(r.err, "R-IVY: AT RISK: contact.absent: "));
        CHECK(contains(r.err, "R-BEN: AT RISK: contact.absent: "));
        CHECK(last_line(r.err) == repair_line(s, " --site SUNNY"));
    }

    TEST_CASE("contact revoke cancels the pair's calls and lists them; --repair is accepted") {
        Scratch s;
        booked_calls(s);
        auto r = run_at(s, {"contact", "revoke", "C-LUCY", "--resident", "R-IVY", "--repair"});
        INFO("stderr: " << r.err);
        CHECK(r.code == 0);
        CHECK(r.err == "contact C-LUCY may no longer call resident R-IVY\n1 call cancelled:\n  "
                       "B-1 Mon 2027-07-05 10:00-10:30 BST R-IVY: approval revoked: C-LUCY may no "
                       "longer call R-IVY\n");
        CHECK(run_at(s, {"db", "check"}).code == 0);
    }

    TEST_CASE("contact remove: a contact no call uses goes, nothing to repair") {
        Scratch s;
        booked_calls(s);
        ok_at(s, {"-q", "contact", "add", "C-NEW", "--name", "C-NEW", "--tz", "Europe/London"});
        auto r = run_at(s, {"contact", "remove", "C-NEW", "--yes", "--repair"});
        CHECK(r.code == 0);
        CHECK(r.err == "removed contact C-NEW\n");
    }
}
