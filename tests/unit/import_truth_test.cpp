// Nothing silently granted: a scenario's consent and approvals are taken as written; what a file
// leaves unsaid takes the format's defaults for new records and never changes stored ones; an
// approvals list is the whole truth; a dry run writes nothing.

#include <algorithm>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "carecall/error.hpp"
#include "carecall/exchange.hpp"
#include "carecall/store.hpp"

using namespace carecall;
using json = nlohmann::json;

namespace {

/// Two residents and two contacts; requests Q1 (R1 with C1) and Q2 (R2 with C1 and C2). No
/// consent and no approvals list: the file says nothing of either.
json home() {
    return json::parse(R"json({
 "format": "carecall-scenario/1",
 "horizon": {"start_date": "2025-03-24", "days": 7},
 "sites":    [{"id": "S1", "tz": "Europe/London"}],
 "wards":    [{"id": "W1", "site": "S1",
               "calling_hours": [{"weekdays": [0,1,2,3,4,5,6], "start": "09:00", "end": "20:00"}]}],
 "residents":[{"id": "R1", "ward": "W1"}, {"id": "R2", "ward": "W1"}],
 "contacts": [{"id": "C1", "tz": "Europe/London",
               "availability": [{"weekdays": [0,1,2,3,4,5,6], "start": "09:00", "end": "20:00"}]},
              {"id": "C2", "tz": "Europe/London",
               "availability": [{"weekdays": [0,1,2,3,4,5,6], "start": "09:00", "end": "20:00"}]}],
 "devices":  [{"id": "D1", "site": "S1", "wards": ["W1"], "cleaning_minutes": 0,
               "move_minutes": 0}],
 "requests": [{"id": "Q1", "resident": "R1", "contact": "C1", "calls": 1, "duration_minutes": 30,
               "priority": 1},
              {"id": "Q2", "resident": "R2", "contacts": ["C1", "C2"], "calls": 1,
               "duration_minutes": 30, "priority": 1}]
})json");
}

Scenario parse(const json& doc) {
    return parse_scenario(doc.dump());
}

ConsentStatus consent_of(Store& store, const char* code) {
    return store.residents().get(code, "resident").consent.status;
}

/// Whether the store approves the pair: false when it holds no approval or `approved: false`.
bool approved(Store& store, const char* resident, const char* contact) {
    auto a = store.approvals().find(store.residents().get(resident, "resident").id,
                                    store.contacts().get(contact, "contact").id);
    return a && a->approved;
}

const ImportChanges& changes_of(const ImportSummary& sum, const std::string& kind) {
    auto it = std::find_if(sum.changes.begin(), sum.changes.end(),
                           [&](const ImportChanges& c) { return c.kind == kind; });
    REQUIRE(it != sum.changes.end());
    return *it;
}

using Codes = std::vector<std::string>;

} // namespace

TEST_SUITE("import: nothing silently granted") {

    TEST_CASE("reading: consent as written, and what is left unsaid") {
        auto doc = home();
        auto s = parse(doc);
        CHECK(s.consent_unsaid == std::vector<ResidentId>{ResidentId(1), ResidentId(2)});
        CHECK(s.residents[0].consent.status == ConsentStatus::given); // the format's default
        CHECK_FALSE(s.approvals_complete);

        doc["residents"][0]["consent"] = "none";
        doc["residents"][1]["consent"] = json{{"status", "refused"}, {"by", "self"}};
        doc["approvals"] = json::array();
        s = parse(doc);
        CHECK(s.consent_unsaid.empty());
        CHECK(s.residents[0].consent.status == ConsentStatus::none);
        CHECK(s.residents[1].consent == Consent{ConsentStatus::refused, "self", {}, {}});
        CHECK(s.approvals_complete); // an empty list is a list: nobody is approved
    }

    TEST_CASE("a new database: unsaid consent and approvals take the defaults, and are counted") {
        auto store = open_store("sqlite::memory:");
        auto sum = import_scenario(*store, parse(home()));
        CHECK(sum.consent_assumed == 2);
        CHECK(sum.consent_kept == 0);
        CHECK(sum.approvals_assumed == 3);
        CHECK(sum.approvals_kept == 0);
        CHECK(sum.approvals_withheld == 0);
        CHECK(consent_of(*store, "R1") == ConsentStatus::given);
        CHECK(approved(*store, "R1", "C1"));
        CHECK(approved(*store, "R2", "C1"));
        CHECK(approved(*store, "R2", "C2"));
        CHECK(changes_of(sum, "approvals").added == Codes{"R1/C1", "R2/C1", "R2/C2"});
        CHECK(changes_of(sum, "residents").added == Codes{"R1", "R2"});
    }

    TEST_CASE("consent written as none or refused is recorded as written") {
        auto store = open_store("sqlite::memory:");
        auto doc = home();
        doc["residents"][0]["consent"] = "none";
        doc["residents"][1]["consent"] = "refused";
        auto sum = import_scenario(*store, parse(doc));
        CHECK(sum.consent_assumed == 0);
        CHECK(consent_of(*store, "R1") == ConsentStatus::none);
        CHECK(consent_of(*store, "R2") == ConsentStatus::refused);
    }

    TEST_CASE("a file without consent keeps a stored consent; one with consent changes it") {
        auto store = open_store("sqlite::memory:");
        auto doc = home();
        doc["residents"][1]["consent"] =
            json{{"status", "refused"}, {"by", "self"}, {"recorded", "2025-01-02"}};
        import_scenario(*store, parse(doc));
        auto refused = store->residents().get("R2", "resident").consent;
        CHECK(refused.status == ConsentStatus::refused);

        auto sum = import_scenario(*store, parse(home())); // says nothing of consent
        CHECK(sum.consent_kept == 2);
        CHECK(sum.consent_assumed == 0);
        CHECK(store->residents().get("R2", "resident").consent == refused);
        CHECK(changes_of(sum, "consents").changed.empty());
        CHECK(changes_of(sum, "residents").changed.empty());

        doc["residents"][1]["consent"] = "given";
        sum = import_scenario(*store, parse(doc));
        CHECK(consent_of(*store, "R2") == ConsentStatus::given);
        CHECK(changes_of(sum, "consents").changed == Codes{"R2"});
        CHECK(changes_of(sum, "residents").changed == Codes{"R2"});
    }

    TEST_CASE("without a list, a revoked pair is not approved again") {
        auto store = open_store("sqlite::memory:");
        import_scenario(*store, parse(home()));
        {
            auto tx = store->begin(TxKind::write);
            store->approvals().revoke(store->residents().get("R1", "resident").id,
                                      store->contacts().get("C1", "contact").id);
            tx->commit();
        }
        auto sum = import_scenario(*store, parse(home()));
        CHECK_FALSE(approved(*store, "R1", "C1"));
        CHECK(sum.approvals_kept == 1);
        CHECK(sum.approvals_assumed == 0);
        CHECK(changes_of(sum, "approvals").added.empty());

        SUBCASE("also when the request that named it was renamed: the audit trail says revoked") {
            auto doc = home();
            doc["requests"][0]["id"] = "Q1-NEW";
            sum = import_scenario(*store, parse(doc));
            CHECK_FALSE(approved(*store, "R1", "C1"));
            CHECK(sum.approvals_kept == 1);
        }
        SUBCASE("an approval stored as not approved stays so") {
            auto tx = store->begin(TxKind::write);
            store->approvals().put(Approval{store->residents().get("R2", "resident").id,
                                            store->contacts().get("C2", "contact").id, false, false,
                                            "no video"});
            tx->commit();
            sum = import_scenario(*store, parse(home()));
            CHECK_FALSE(approved(*store, "R2", "C2"));
            CHECK(sum.approvals_kept == 2);
        }
    }

    TEST_CASE("an approvals list is the whole truth about the file's residents and contacts") {
        auto store = open_store("sqlite::memory:");
        import_scenario(*store, parse(home())); // every pair the requests name approved
        // Someone the file does not know, approved for R1: the file cannot speak for them.
        {
            auto tx = store->begin(TxKind::write);
            Contact other;
            other.code = "C-OTHER";
            other.name = "Name of " + std::string(other.code);
            other.tz = "Europe/London";
            auto id = store->contacts().add(other);
            store->approvals().put(
                Approval{store->residents().get("R1", "resident").id, id, true, false, {}});
            tx->commit();
        }
        auto doc = home();
        doc["approvals"] = json::parse(R"([{"resident": "R1", "contact": "C1", "key_contact": true},
                                          {"resident": "R2", "contact": "C2", "approved": false}])");
        auto sum = import_scenario(*store, parse(doc));
        CHECK(approved(*store, "R1", "C1"));
        CHECK(store->approvals()
                  .find(store->residents().get("R1", "resident").id,
                        store->contacts().get("C1", "contact").id)
                  ->key_contact);
        CHECK_FALSE(approved(*store, "R2", "C1")); // named by Q2, not listed: removed
        CHECK_FALSE(approved(*store, "R2", "C2")); // listed as not approved
        CHECK(approved(*store, "R1", "C-OTHER"));
        CHECK(sum.approvals_withheld == 2);
        CHECK(sum.approvals_assumed == 0);
        const auto& a = changes_of(sum, "approvals");
        CHECK(a.added.empty());
        CHECK(a.changed == Codes{"R1/C1", "R2/C2"});
        CHECK(a.removed == Codes{"R2/C1"});

        SUBCASE("into a new database: pairs the list leaves out are never approved") {
            auto fresh = open_store("sqlite::memory:");
            import_scenario(*fresh, parse(doc));
            CHECK(approved(*fresh, "R1", "C1"));
            CHECK_FALSE(approved(*fresh, "R2", "C1"));
            CHECK_FALSE(approved(*fresh, "R2", "C2"));
            // "approved": false and nothing else, for a pair a request names, is held as no
            // approval (as a revoked pair is); for another pair it is stored as written.
            CHECK(fresh->approvals().list().size() == 1);
            doc["approvals"].push_back(
                json{{"resident", "R1"}, {"contact", "C2"}, {"approved", false}});
            import_scenario(*fresh, parse(doc));
            auto r1c2 = fresh->approvals().find(fresh->residents().get("R1", "resident").id,
                                                fresh->contacts().get("C2", "contact").id);
            REQUIRE(r1c2);
            CHECK_FALSE(r1c2->approved);
        }
    }

    TEST_CASE("export then import restores consent none, refused and revoked approvals") {
        auto store = open_store("sqlite::memory:");
        auto doc = home();
        doc["residents"][0]["consent"] = "none";
        doc["residents"][1]["consent"] =
            json{{"status", "best_interest"}, {"by", "Dr Shah"}, {"review", "2025-09-01"}};
        import_scenario(*store, parse(doc));
        {
            auto tx = store->begin(TxKind::write);
            store->approvals().revoke(store->residents().get("R2", "resident").id,
                                      store->contacts().get("C2", "contact").id);
            tx->commit();
        }
        Scenario out;
        {
            auto tx = store->begin(TxKind::read);
            out = load_scenario(*store, Horizon{date::year{2025} / 3 / 24, 7, 15});
        }
        CHECK(out.approvals_complete);
        CHECK(out.consent_unsaid.empty());
        auto text = write_scenario(out);
        auto written = json::parse(text);
        CHECK(written["residents"][0]["consent"] == "none");
        CHECK(written["residents"][1]["consent"] ==
              json{{"status", "best_interest"}, {"by", "Dr Shah"}, {"review", "2025-09-01"}});
        // The revoked pair is written as not approved; the others as they are.
        CHECK(written["approvals"] == json::parse(R"([
            {"resident": "R1", "contact": "C1", "key_contact": false},
            {"resident": "R2", "contact": "C1", "key_contact": false},
            {"resident": "R2", "contact": "C2", "approved": false, "key_contact": false}])"));

        auto fresh = open_store("sqlite::memory:");
        auto sum = import_scenario(*fresh, parse_scenario(text));
        CHECK(sum.consent_assumed == 0);
        CHECK(sum.approvals_assumed == 0);
        CHECK(consent_of(*fresh, "R1") == ConsentStatus::none);
        CHECK(fresh->residents().get("R2", "resident").consent ==
              store->residents().get("R2", "resident").consent);
        CHECK(approved(*fresh, "R1", "C1"));
        CHECK(approved(*fresh, "R2", "C1"));
        CHECK_FALSE(approved(*fresh, "R2", "C2"));
        CHECK(fresh->approvals().list().size() == store->approvals().list().size());
        // And back over the database it came from: nothing changes.
        sum = import_scenario(*store, parse_scenario(text), ImportOptions{true});
        for (const auto& c : sum.changes) {
            CAPTURE(c.kind);
            CHECK(c.added.empty());
            CHECK(c.changed.empty());
            CHECK(c.removed.empty());
        }
    }

    TEST_CASE("a dry run reports what the import does and writes nothing") {
        auto store = open_store("sqlite::memory:");
        import_scenario(*store, parse(home()));
        auto events = store->audit_events(1000).size();
        auto doc = home();
        doc["residents"][1]["consent"] = "refused";
        doc["contacts"].push_back(json::parse(R"({"id": "C3", "tz": "Europe/London",
            "availability": []})"));
        doc["approvals"] = json::parse(R"([{"resident": "R1", "contact": "C1"},
                                          {"resident": "R2", "contact": "C3"}])");
        auto dry = import_scenario(*store, parse(doc), ImportOptions{true});
        CHECK(store->audit_events(1000).size() == events);
        CHECK_FALSE(store->contacts().find_by_code("C3"));
        CHECK(consent_of(*store, "R2") == ConsentStatus::given);
        CHECK(approved(*store, "R2", "C1"));
        CHECK(changes_of(dry, "contacts").added == Codes{"C3"});
        CHECK(changes_of(dry, "consents").changed == Codes{"R2"});
        CHECK(changes_of(dry, "approvals").added == Codes{"R2/C3"});
        CHECK(changes_of(dry, "approvals").removed == Codes{"R2/C1", "R2/C2"});

        auto real = import_scenario(*store, parse(doc));
        CHECK(real.changes == dry.changes);
        CHECK(real.added == dry.added);
        CHECK(real.updated == dry.updated);
        CHECK(real.approvals_withheld == dry.approvals_withheld);
        CHECK(consent_of(*store, "R2") == ConsentStatus::refused);
        CHECK_FALSE(approved(*store, "R2", "C1"));
        CHECK(approved(*store, "R2", "C3"));
    }

    TEST_CASE("a bad import names the record and writes nothing, dry run or not") {
        auto store = open_store("sqlite::memory:");
        auto s = parse(home());
        s.residents[1].ward = WardId(9);
        for (bool dry : {true, false}) {
            CAPTURE(dry);
            CHECK_THROWS_WITH_AS(import_scenario(*store, s, ImportOptions{dry}),
                                 "residents[1].ward: no ward with id 9 in the scenario",
                                 InvalidInput);
            CHECK(store->residents().list().empty());
            CHECK(store->approvals().list().empty());
        }
    }

    TEST_CASE("writing: a list that only adds to the requests' pairs is written complete") {
        auto s = parse(home());
        auto unlisted = parse_scenario(write_scenario(s));
        CHECK_FALSE(unlisted.approvals_complete); // no list written: the same meaning
        CHECK(unlisted.consent_unsaid == s.consent_unsaid);
        s.approvals.push_back(Approval{ResidentId(1), ContactId(2), true, true, {}});
        auto back = parse_scenario(write_scenario(s));
        CHECK(back.approvals_complete);
        CHECK(back.approvals.size() == 4); // R1/C2 and the three pairs the requests name
    }
}
