// import scenario and export scenario grant nothing silently: consent and approvals as the file
// writes them, warnings for what it leaves unsaid, stored records never changed by a missing
// field, and --dry-run.
#include <sstream>

#include "cli/cli_fixture.hpp"

using namespace carecall::test;
using nlohmann::json;

namespace {

// Sunday 29 November 2026: the elm week's plan starts on Monday 30 November.
const std::string k_now = "--now=2026-11-29T12:00:00Z";
const std::string k_elm = source_path("tests/data/scenario-elm-week.json");

/// The elm week (R-ANN with C-BOB and C-CATH, R-DAN with C-BOB; no consent, no approvals list),
/// changed by `edit`, as text.
std::string elm(const std::function<void(json&)>& edit = {}) {
    auto doc = parse_json(slurp(k_elm));
    if (edit) {
        edit(doc);
    }
    return doc.dump(1);
}

std::string consent_status(const Scratch& s, const std::string& resident) {
    return s.show("resident", resident)["consent"]["status"].get<std::string>();
}

/// Whether the resident's record shows the contact as approved.
bool approved(const Scratch& s, const std::string& resident, const std::string& contact) {
    auto record = s.show("resident", resident);
    for (const auto& a : record["approved_contacts"]) {
        if (a["contact"] == contact) {
            return a["approved"] == true;
        }
    }
    return false;
}

/// The lines of stderr that are warnings.
std::vector<std::string> warnings(const std::string& err) {
    std::vector<std::string> out;
    std::istringstream in(err);
    for (std::string line; std::getline(in, line);) {
        if (starts_with(line, "carecall: warning: ")) {
            out.push_back(line.substr(19));
        }
    }
    return out;
}

/// The words of the dry run's row for KIND and CHANGE ("residents added 2 R-ANN, R-DAN"), or
/// empty when there is none.
std::string row(const std::string& out, const std::string& kind, const std::string& change) {
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::string k, c, rest, w;
        words >> k >> c;
        if (k == kind && c == change) {
            while (words >> w) {
                rest += (rest.empty() ? "" : " ") + w;
            }
            return rest;
        }
    }
    return {};
}

/// Every call the agenda holds for the plan's fortnight, as JSON text.
std::string agenda_text(const Scratch& s) {
    return s.json({k_now, "agenda", "--date", "2026-11-30", "--days", "14"})["calls"].dump();
}

} // namespace

TEST_SUITE("cli import scenario: nothing silently granted") {

    TEST_CASE("import scenario: the warning counts what the file does not say") {
        Scratch s;
        auto r = s.run({"import", "scenario", k_elm});
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        CHECK(warnings(r.err) ==
              std::vector<std::string>{"assumed consent 'given' for 2 residents and approved 3 "
                                       "contact pairs named by requests: the file does not say"});
        CHECK(consent_status(s, "R-ANN") == "given");
        CHECK(approved(s, "R-ANN", "C-BOB"));
        // Again: nothing is assumed now; the stored consent is kept, and it says so.
        r = s.run({"import", "scenario", k_elm});
        CHECK(warnings(r.err) == std::vector<std::string>{"kept the recorded consent of 2 "
                                                          "residents: the file does not say"});
        // -q silences them; --json counts them.
        CHECK(s.run({"-q", "import", "scenario", k_elm}).err.empty());
        auto j = s.json({"import", "scenario", k_elm});
        CHECK(j["assumed"] == json{{"consents", 0}, {"approvals", 0}});
        CHECK(j["kept"] == json{{"consents", 2}, {"approvals", 0}});
        CHECK(j["withheld_approvals"] == 0);
        CHECK(j["dry_run"] == false);

        // A file that says everything gets no warning.
        Scratch said;
        r = said.run({"import", "scenario", "-"}, elm([](json& d) {
                         d["residents"][0]["consent"] = "given";
                         d["residents"][1]["consent"] = "best_interest";
                         d["approvals"] = json::parse(R"([{"resident": "R-ANN", "contact": "C-BOB"},
                             {"resident": "R-ANN", "contact": "C-CATH"},
                             {"resident": "R-DAN", "contact": "C-BOB"}])");
                     }));
        CHECK(r.code == 0);
        CHECK(warnings(r.err).empty());
    }

    TEST_CASE("import scenario: consent none survives export and import") {
        Scratch s;
        auto text = elm([](json& d) { d["residents"][1]["consent"] = "none"; });
        s.ok({"-q", "import", "scenario", "-"}, text);
        CHECK(consent_status(s, "R-DAN") == "none");
        CHECK(consent_status(s, "R-ANN") == "given");
        auto exported = s.ok({"export", "scenario"});
        auto doc = parse_json(exported);
        CHECK(doc["residents"][1]["consent"] == "none");
        CHECK(doc["residents"][0]["consent"] == "given");

        Scratch fresh;
        auto r = fresh.run({"import", "scenario", "-"}, exported);
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        CHECK(warnings(r.err).empty()); // an export says everything
        CHECK(consent_status(fresh, "R-DAN") == "none");
        CHECK(fresh.ok({"export", "scenario"}) == exported);
        // And the scheduler books nothing for Dan: no consent is recorded.
        fresh.ok({"-q", k_now, "schedule", "--from", "2026-11-30", "--days", "7"});
        CHECK_FALSE(contains(agenda_text(fresh), "R-DAN"));
    }

    TEST_CASE("import scenario: refused survives re-import of a file without consent") {
        Scratch s;
        s.ok({"-q", "import", "scenario", "-"}, elm([](json& d) {
                 d["residents"][0]["consent"] =
                     json{{"status", "refused"}, {"by", "Ann Lee"}, {"recorded", "2026-11-01"}};
             }));
        auto before = s.show("resident", "R-ANN")["consent"];
        CHECK(before["status"] == "refused");
        auto r = s.run({"import", "scenario", k_elm});
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        CHECK(s.show("resident", "R-ANN")["consent"] == before);
        CHECK(warnings(r.err) == std::vector<std::string>{"kept the recorded consent of 2 "
                                                          "residents: the file does not say"});
        // A file that says "given" does change it: taken as written.
        s.ok({"-q", "import", "scenario", "-"},
             elm([](json& d) { d["residents"][0]["consent"] = "given"; }));
        CHECK(consent_status(s, "R-ANN") == "given");
    }

    TEST_CASE("import scenario: a revoked pair stays revoked through export and import") {
        Scratch s;
        s.ok({"-q", "import", "scenario", k_elm});
        s.ok({"-q", k_now, "contact", "revoke", "C-BOB", "--resident", "R-ANN"});
        CHECK_FALSE(approved(s, "R-ANN", "C-BOB"));
        auto exported = s.ok({"export", "scenario"});
        auto doc = parse_json(exported);
        CHECK(doc["approvals"] == json::parse(R"([
            {"resident": "R-ANN", "contact": "C-BOB", "approved": false, "key_contact": false},
            {"resident": "R-ANN", "contact": "C-CATH", "key_contact": false},
            {"resident": "R-DAN", "contact": "C-BOB", "key_contact": false}])"));

        Scratch fresh;
        fresh.ok({"-q", "import", "scenario", "-"}, exported);
        CHECK_FALSE(approved(fresh, "R-ANN", "C-BOB"));
        CHECK(approved(fresh, "R-DAN", "C-BOB"));
        CHECK(fresh.ok({"export", "scenario"}) == exported);
        // The scheduler books Dan with Bob, and nothing for Ann (Cath is never free in hours).
        fresh.ok({"-q", k_now, "schedule", "--from", "2026-11-30", "--days", "7"});
        auto calls = agenda_text(fresh);
        CHECK(contains(calls, "R-DAN"));
        CHECK_FALSE(contains(calls, "R-ANN"));

        // Re-importing the original file, which says nothing of approvals, does not revive it.
        auto r = s.run({"import", "scenario", k_elm});
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        CHECK_FALSE(approved(s, "R-ANN", "C-BOB"));
        CHECK(warnings(r.err) ==
              std::vector<std::string>{
                  "kept the recorded consent of 2 residents and left 1 contact pair named by "
                  "requests unapproved, as the database has it (revoked or not approved): the "
                  "file does not say"});
        s.ok({"-q", k_now, "schedule", "--from", "2026-11-30", "--days", "7"});
        CHECK_FALSE(contains(agenda_text(s), "R-ANN"));
    }

    TEST_CASE("import scenario: an approvals list that leaves out a pair a request names") {
        Scratch s;
        auto text = elm([](json& d) {
            d["approvals"] = json::parse(R"([{"resident": "R-DAN", "contact": "C-BOB"},
                                             {"resident": "R-ANN", "contact": "C-CATH"}])");
        });
        auto r = s.run({"import", "scenario", "-"}, text);
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        CHECK_FALSE(approved(s, "R-ANN", "C-BOB"));
        CHECK(approved(s, "R-DAN", "C-BOB"));
        CHECK(warnings(r.err) ==
              std::vector<std::string>{
                  "assumed consent 'given' for 2 residents: the file does not say",
                  "1 contact pair named by requests is not approved in the file's approvals "
                  "list: no calls can be booked for it"});
        s.ok({"-q", k_now, "schedule", "--from", "2026-11-30", "--days", "7"});
        CHECK_FALSE(contains(agenda_text(s), "R-ANN"));

        // Over a database that approved the pair, the list takes the approval away.
        Scratch before;
        before.ok({"-q", "import", "scenario", k_elm});
        CHECK(approved(before, "R-ANN", "C-BOB"));
        r = before.run({"--json", "import", "scenario", "-"}, text);
        REQUIRE(r.code == 0);
        auto j = parse_json(r.out);
        CHECK(j["changes"]["approvals"]["removed"] == json{"R-ANN/C-BOB"});
        CHECK(j["withheld_approvals"] == 1);
        CHECK_FALSE(approved(before, "R-ANN", "C-BOB"));
    }

    TEST_CASE("import scenario --dry-run: lists the changes and leaves the file byte-identical") {
        Scratch s;
        s.ok({"-q", "import", "scenario", k_elm});
        auto text = elm([](json& d) {
            d["residents"][0]["consent"] = "refused";
            d["contacts"].push_back(
                json::parse(R"({"id": "C-NEW", "tz": "Europe/London", "availability": []})"));
            d["approvals"] = json::parse(R"([{"resident": "R-DAN", "contact": "C-BOB"},
                                             {"resident": "R-DAN", "contact": "C-NEW"}])");
        });
        s.write("next.json", text);
        auto bytes = s.snapshot();
        auto rows = s.dump();

        auto r = s.run({"import", "scenario", "--dry-run", s.path("next.json")});
        INFO("stdout: " << r.out);
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        CHECK(row(r.out, "consents", "changed") == "1 R-ANN");
        CHECK(row(r.out, "residents", "changed") == "1 R-ANN");
        CHECK(row(r.out, "contacts", "added") == "1 C-NEW");
        CHECK(row(r.out, "approvals", "added") == "1 R-DAN/C-NEW");
        CHECK(row(r.out, "approvals", "removed") == "2 R-ANN/C-BOB, R-ANN/C-CATH");
        CHECK(row(r.out, "sites", "changed").empty());
        CHECK(starts_with(r.err, "would import " + s.path("next.json") + ": 1 sites, "));
        CHECK(contains(r.err, "carecall: warning: 2 contact pairs named by requests are not "
                              "approved in the file's approvals list: no calls can be booked "
                              "for them\n"));
        CHECK(s.snapshot() == bytes);
        CARECALL_CHECK_SAME(rows, s.dump());
        CHECK(consent_status(s, "R-ANN") == "given");

        // --json: the same changes, per kind.
        auto j = s.json({"import", "scenario", "--dry-run", s.path("next.json")});
        CHECK(j["format"] == "carecall-import/1");
        CHECK(j["dry_run"] == true);
        CHECK(j["changes"]["approvals"] == json{{"added", {"R-DAN/C-NEW"}},
                                                {"changed", json::array()},
                                                {"removed", {"R-ANN/C-BOB", "R-ANN/C-CATH"}}});
        CHECK(j["changes"]["consents"]["changed"] == json{"R-ANN"});
        CHECK(j["changes"]["contacts"]["added"] == json{"C-NEW"});
        CHECK(j["withheld_approvals"] == 2);
        CHECK(s.snapshot() == bytes);

        // The import itself does what the dry run said.
        auto done = s.json({"import", "scenario", s.path("next.json")});
        CHECK(done["changes"] == j["changes"]);
        CHECK(consent_status(s, "R-ANN") == "refused");
        CHECK_FALSE(approved(s, "R-ANN", "C-BOB"));
        CHECK(approved(s, "R-DAN", "C-NEW"));
        // Nothing left to change.
        r = s.run({"import", "scenario", "--dry-run", s.path("next.json")});
        CHECK(r.out == "nothing would change\n");
    }

    TEST_CASE("import scenario --dry-run: no database is created, a bad file exits 65") {
        Scratch s;
        auto r = s.run({"import", "scenario", "--dry-run", k_elm});
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        CHECK(row(r.out, "residents", "added") == "2 R-ANN, R-DAN");
        CHECK(row(r.out, "approvals", "added") == "3 R-ANN/C-BOB, R-ANN/C-CATH, R-DAN/C-BOB");
        CHECK(contains(r.err, "carecall: warning: would assume consent 'given' for 2 residents "
                              "and approve 3 contact pairs named by requests: the file does not "
                              "say\n"));
        CHECK_FALSE(std::filesystem::exists(s.db()));

        s.ok({"-q", "import", "scenario", k_elm});
        auto bad = elm([](json& d) { d["residents"][0]["consent"] = "perhaps"; });
        auto before = s.snapshot();
        r = s.run({"import", "scenario", "--dry-run", "-"}, bad);
        CHECK(r.code == 65);
        CHECK(contains(r.err, "residents[0].consent: 'perhaps' is not a consent status"));
        r = s.run({"import", "scenario", "-"}, bad);
        CHECK(r.code == 65);
        CHECK(s.snapshot() == before);
    }
}
