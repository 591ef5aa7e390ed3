// The scenario exchange format: reading, writing, importing into a store, loading back, and the
// JSON views of single records.

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "carecall/error.hpp"
#include "carecall/exchange.hpp"
#include "carecall/store.hpp"

using namespace carecall;
using json = nlohmann::json;

namespace {

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot read " << path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string data_file(const std::string& name) {
    return read_text(std::string(CARECALL_SOURCE_DIR) + "/tests/data/" + name);
}

Instant utc(const char* text) {
    std::istringstream in(text);
    date::sys_seconds t;
    in >> date::parse("%Y-%m-%dT%H:%M", t);
    REQUIRE_FALSE(in.fail());
    return t;
}

/// The specimen of docs/scenario-format.md, a little extended: the smallest document that has
/// every kind of record, for the bad-document tests to break one field at a time.
json base_doc() {
    return json::parse(R"json({
 "format": "carecall-scenario/1", "seed": 7,
 "horizon": {"start_date": "2025-03-24", "days": 7, "slot_minutes": 15},
 "sites":    [{"id": "S1", "tz": "Europe/London"}],
 "wards":    [{"id": "S1W1", "site": "S1",
               "calling_hours": [{"weekdays": [0,1,2,3,4,5,6], "start": "09:00", "end": "20:00"}]},
              {"id": "S1W2", "site": "S1",
               "calling_hours": [{"weekdays": [0,1,2,3,4,5,6], "start": "09:00", "end": "20:00"}]}],
 "residents":[{"id": "R1", "ward": "S1W1", "needs_assistance": true,
               "care_blocks": [{"weekdays": [0,1,2,3,4,5,6], "start": "12:00", "end": "13:00", "label": "lunch"}]},
              {"id": "R2", "ward": "S1W2", "needs_assistance": false, "care_blocks": []}],
 "contacts": [{"id": "C1", "tz": "America/New_York",
               "availability": [{"weekdays": [0,1,2,3,4], "start": "18:00", "end": "21:00"}]},
              {"id": "C2", "tz": "Europe/London",
               "availability": [{"weekdays": [5,6], "start": "10:00", "end": "18:00"}]}],
 "devices":  [{"id": "S1D1", "site": "S1", "wards": ["S1W1", "S1W2"], "cleaning_minutes": 15, "move_minutes": 10}],
 "staff":    [{"id": "S1W1E1", "ward": "S1W1",
               "shifts": [{"start": "2025-03-24T07:00", "end": "2025-03-24T15:00"}]}],
 "requests": [{"id": "Q1", "resident": "R1", "contact": "C1", "calls": 2, "duration_minutes": 30,
               "priority": 3, "max_per_day": 1,
               "preferred": [{"weekdays": [0,1,2,3,4,5,6], "start": "10:00", "end": "12:00"}]}]
})json");
}

Scenario parse(const json& doc) {
    return parse_scenario(doc.dump());
}

/// Field by field, so that a failure names the part that differs.
void check_same(const Scenario& a, const Scenario& b) {
    CHECK(a.seed == b.seed);
    CHECK(a.horizon == b.horizon);
    CHECK(a.sites == b.sites);
    CHECK(a.wards == b.wards);
    REQUIRE(a.residents.size() == b.residents.size());
    for (std::size_t i = 0; i < a.residents.size(); ++i) {
        CHECK_MESSAGE(a.residents[i] == b.residents[i], a.residents[i].code);
    }
    CHECK(a.contacts == b.contacts);
    CHECK(a.devices == b.devices);
    CHECK(a.staff == b.staff);
    REQUIRE(a.requests.size() == b.requests.size());
    for (std::size_t i = 0; i < a.requests.size(); ++i) {
        CHECK_MESSAGE(a.requests[i] == b.requests[i], a.requests[i].code);
    }
    CHECK(a.approvals == b.approvals);
}

/// The same scenario with every list in code order and ids renumbered to match, so that a
/// scenario loaded from a store (which lists by code) compares with the one imported.
Scenario by_code(Scenario s) {
    auto order = [](auto& records) {
        using IdT = decltype(records.front().id);
        std::sort(records.begin(), records.end(),
                  [](const auto& x, const auto& y) { return x.code < y.code; });
        std::map<IdT, IdT> renumber;
        for (std::size_t i = 0; i < records.size(); ++i) {
            IdT fresh(static_cast<std::int64_t>(i) + 1);
            renumber[records[i].id] = fresh;
            records[i].id = fresh;
        }
        return renumber;
    };
    auto sites = order(s.sites);
    auto wards = order(s.wards);
    auto residents = order(s.residents);
    auto contacts = order(s.contacts);
    order(s.devices);
    order(s.staff);
    order(s.requests);
    for (auto& w : s.wards) {
        w.site = sites.at(w.site);
    }
    for (auto& r : s.residents) {
        r.ward = wards.at(r.ward);
    }
    for (auto& d : s.devices) {
        d.site = sites.at(d.site);
        for (auto& w : d.wards) {
            w = wards.at(w);
        }
    }
    for (auto& st : s.staff) {
        for (auto& w : st.wards) {
            w = wards.at(w);
        }
    }
    for (auto& q : s.requests) {
        q.resident = residents.at(q.resident);
        for (auto& c : q.contacts) {
            c = contacts.at(c);
        }
    }
    for (auto& a : s.approvals) {
        a.resident = residents.at(a.resident);
        a.contact = contacts.at(a.contact);
    }
    std::sort(s.approvals.begin(), s.approvals.end(), [](const Approval& x, const Approval& y) {
        return std::pair{x.resident, x.contact} < std::pair{y.resident, y.contact};
    });
    return s;
}

/// What importing a scenario into an empty store and loading it back gives: consent as the
/// scenario holds it (a document that does not say reads as given); without a complete approvals
/// list, every pair a request names approved (with the key contact and restrictions of the list);
/// with one, a pair a request names that the list does not approve as `approved: false`.
Scenario as_imported(Scenario s) {
    std::map<std::pair<std::int64_t, std::int64_t>, Approval> links;
    for (const auto& a : s.approvals) {
        if (a.approved || a.key_contact || !a.restrictions.empty()) {
            links[{a.resident.value, a.contact.value}] = a;
        }
    }
    for (const auto& q : s.requests) {
        for (auto c : q.contacts) {
            std::pair key{q.resident.value, c.value};
            if (s.approvals_complete && links.count(key) != 0) {
                continue;
            }
            auto& a = links[key];
            a.resident = q.resident;
            a.contact = c;
            a.approved = !s.approvals_complete;
        }
    }
    s.approvals.clear();
    for (const auto& [pair, a] : links) {
        s.approvals.push_back(a);
    }
    return s;
}

} // namespace

TEST_SUITE("exchange") {

    TEST_CASE("a number too large to hold is an input error naming its line, not a crash") {
        // Found by the scenario fuzzer: nlohmann's out_of_range.406 escaped the reader.
        std::string text = "{\n  \"format\": \"carecall-scenario/1\",\n  \"seed\": 1e999\n}";
        try {
            parse_scenario(text, "big.json");
            FAIL("no error");
        } catch (const InvalidInput& e) {
            CHECK(e.exit_code() == ExitCode::invalid_input);
            CHECK(std::string(e.what()) ==
                  "big.json:3: not valid JSON: a number too large to hold "
                  "([json.exception.out_of_range.406] number overflow parsing '1e999')");
        }
    }

    TEST_CASE("N1: a key that appears twice is refused, naming the line of the second and its "
              "path") {
        std::string text = "{\"format\": \"carecall-scenario/1\",\n"
                           " \"residents\": [{\"id\": \"R-1\"}, {\"id\": \"R-2\",\n"
                           "   \"care_blocks\": [[], {\"start\": \"09:00\",\n"
                           "    \"start\": \"10:00\"}]}]}";
        CHECK_THROWS_WITH_AS(parse_scenario(text, "f.json"),
                             "f.json:4: residents[1].care_blocks[1].start: the key appears twice",
                             InvalidInput);
        CHECK_THROWS_WITH_AS(parse_scenario(text),
                             "residents[1].care_blocks[1].start: the key appears twice",
                             InvalidInput);
        // The same key in two objects, or a key equal to a value, is not a duplicate: the next
        // error is the reader's own.
        CHECK_THROWS_WITH_AS(parse_scenario("{\"format\": \"carecall-scenario/1\", \"sites\": "
                                            "[{\"id\": \"id\"}, {\"id\": \"B\"}]}",
                                            "f.json"),
                             "f.json:1: horizon: is required", InvalidInput);
        // Written with an escape, still the same key.
        CHECK_THROWS_WITH_AS(parse_scenario("{\"format\": 1,\n\"form\\u0061t\": 2}", "f.json"),
                             "f.json:2: format: the key appears twice", InvalidInput);
    }

    TEST_CASE("the ward-day example reads with its counts and values") {
        auto s = parse_scenario(data_file("scenario-ward-day.json"));
        CHECK(s.seed == 11);
        CHECK(s.horizon == Horizon{date::year{2025} / 3 / 24, 1, 15});
        CHECK(s.sites.size() == 1);
        CHECK(s.wards.size() == 2);
        CHECK(s.residents.size() == 20);
        CHECK(s.contacts.size() == 27);
        CHECK(s.devices.size() == 3);
        CHECK(s.staff.size() == 6);
        CHECK(s.requests.size() == 30);
        CHECK(s.approvals.empty());

        CHECK(s.sites[0].code == "S1");
        CHECK(s.sites[0].tz == "Europe/London");
        CHECK(s.sites[0].kind == SiteKind::care_home);
        CHECK(s.wards[1].code == "S1W2");
        CHECK(s.wards[1].site == SiteId(1));
        CHECK(s.wards[0].calling_hours == std::vector<WeeklyWindow>{{0x7F, 9 * 60, 20 * 60, ""}});

        const auto& r1 = s.residents[0];
        CHECK(r1.id == ResidentId(1));
        CHECK(r1.ward == WardId(1));
        CHECK(r1.needs_assistance);
        CHECK(r1.consent.status == ConsentStatus::given);
        REQUIRE(r1.care_blocks.size() == 6);
        CHECK(r1.care_blocks[0] == WeeklyWindow{0x7F, 12 * 60 + 15, 13 * 60 + 15, "lunch"});
        CHECK(r1.care_blocks[5] == WeeklyWindow{0x7F, 18 * 60 + 30, 1440, "night"});

        CHECK(s.contacts[3].code == "C4");
        CHECK(s.contacts[3].tz == "Asia/Dubai");
        REQUIRE(s.contacts[10].availability.size() == 3);
        CHECK(s.contacts[10].availability[1] == WeeklyWindow{0x60, 9 * 60, 18 * 60, ""});

        CHECK(s.devices[1].wards == std::vector<WardId>{WardId(2)});
        CHECK(s.devices[0].cleaning_minutes == 10);
        CHECK(s.devices[0].kind == "portal");

        // 2025-03-24 is before the clocks go forward (2025-03-30): London is on UTC.
        REQUIRE(s.staff[0].shifts.size() == 1);
        CHECK(s.staff[0].shifts[0].start == utc("2025-03-24T07:00"));
        CHECK(s.staff[0].shifts[0].end == utc("2025-03-24T15:00"));
        CHECK(s.staff[0].wards == std::vector<WardId>{WardId(1)});

        const auto& q3 = s.requests[2];
        CHECK(q3.code == "Q3");
        CHECK(q3.resident == ResidentId(2));
        CHECK(q3.contacts == std::vector<ContactId>{ContactId(3)});
        CHECK(q3.max_per_day == 1);
        CHECK(q3.preferred == std::vector<WeeklyWindow>{{0x7F, 16 * 60, 18 * 60, ""}});
    }

    TEST_CASE("the home-week example reads, shifts either side of the clock change") {
        auto s = parse_scenario(data_file("scenario-home-week.json"));
        CHECK(s.seed == 12);
        CHECK(s.horizon == Horizon{date::year{2025} / 3 / 24, 7, 15});
        CHECK(s.residents.size() == 40);
        CHECK(s.contacts.size() == 56);
        CHECK(s.devices.size() == 3);
        CHECK(s.staff.size() == 7);
        CHECK(s.requests.size() == 60);

        CHECK(s.contacts[0].tz == "America/New_York");
        CHECK(s.contacts[0].availability == std::vector<WeeklyWindow>{{0x7F, 9 * 60, 12 * 60, ""}});
        CHECK(s.contacts[6].tz == "Asia/Kolkata");
        CHECK(s.devices[1].wards == std::vector<WardId>{WardId(2), WardId(1)});

        const auto& shifts = s.staff[0].shifts;
        REQUIRE(shifts.size() == 7);
        CHECK(shifts[0].start == utc("2025-03-24T07:00")); // GMT
        CHECK(shifts[5].start == utc("2025-03-29T07:00")); // still GMT
        CHECK(shifts[6].start == utc("2025-03-30T06:00")); // BST: 07:00 London is 06:00Z
        CHECK(shifts[6].end == utc("2025-03-30T14:00"));

        std::map<int, int> classes;
        for (const auto& q : s.requests) {
            ++classes[q.priority];
        }
        CHECK(classes == std::map<int, int>{{1, 50}, {2, 8}, {3, 2}});
    }

    TEST_CASE("the sample care home reads and is sensible") {
        auto s = parse_scenario(
            read_text(std::string(CARECALL_SOURCE_DIR) + "/examples/sunnyside.json"));
        CHECK(s.sites.size() == 1);
        CHECK(s.sites[0].name == "Sunnyside Care Home");
        CHECK(s.wards.size() == 2);
        CHECK(s.residents.size() == 25);
        CHECK(s.contacts.size() == 40);
        CHECK(s.devices.size() == 2);
        CHECK(s.requests.size() >= 30);
        CHECK(s.horizon == Horizon{date::year{2026} / 11 / 30, 7, 15});
        int refused = 0;
        int best_interest = 0;
        for (const auto& r : s.residents) {
            refused += r.consent.status == ConsentStatus::refused ? 1 : 0;
            best_interest += r.consent.status == ConsentStatus::best_interest ? 1 : 0;
        }
        CHECK(refused == 1);
        CHECK(best_interest == 1);
        std::set<std::string> zones;
        for (const auto& c : s.contacts) {
            zones.insert(c.tz);
        }
        CHECK(zones.count("Australia/Sydney") == 1);
        CHECK(zones.count("America/New_York") == 1);
        bool fixed = false;
        for (const auto& q : s.requests) {
            fixed = fixed || q.fixed.has_value();
        }
        CHECK(fixed);
    }

    TEST_CASE("optional fields: defaults when absent, values when present") {
        SUBCASE("defaults") {
            auto doc = base_doc();
            doc["horizon"].erase("slot_minutes");
            doc.erase("seed");
            doc.erase("staff");
            doc["residents"][1].erase("needs_assistance");
            doc["residents"][1].erase("care_blocks");
            auto s = parse(doc);
            CHECK(s.horizon.slot_minutes == 15);
            CHECK_FALSE(s.seed.has_value());
            CHECK(s.staff.empty());
            CHECK_FALSE(s.residents[1].needs_assistance);
            CHECK(s.residents[1].care_blocks.empty());
            CHECK(s.residents[1].consent.status == ConsentStatus::given);
            CHECK_FALSE(s.requests[0].fixed.has_value());
            CHECK(s.requests[0].active);
        }
        SUBCASE("every extra field") {
            auto doc = base_doc();
            doc["sites"][0]["name"] = "Sunnyside";
            doc["sites"][0]["kind"] = "hospice";
            doc["wards"][0]["name"] = "Rose";
            doc["wards"][0]["closures"] = json::parse(
                R"([{"first": "2025-03-26", "last": "2025-03-27", "reason": "norovirus"}])");
            auto& r = doc["residents"][0];
            r["name"] = "Margaret Thompson";
            r["room"] = "G01";
            r["admitted"] = "2023-04-17";
            r["discharged"] = "2025-04-30";
            r["competences"] = {"dementia", "bsl"};
            r["max_call_minutes"] = 15;
            r["max_calls_per_day"] = 2;
            r["one_off_blocks"] = json::parse(
                R"([{"start": "2025-03-31T10:00", "end": "2025-03-31T11:00", "label": "GP"}])");
            r["consent"] = json::parse(R"({"status": "best_interest", "by": "Dr Okafor",
                                      "recorded": "2025-01-10", "review": "2025-07-10"})");
            doc["residents"][1]["consent"] = "refused";
            auto& c = doc["contacts"][0];
            c["name"] = "David";
            c["relationship"] = "son";
            c["reach"] = "WhatsApp video";
            c["absences"] = json::parse(
                R"([{"start": "2025-03-28T00:00", "end": "2025-04-02T00:00", "label": "holiday"}])");
            auto& d = doc["devices"][0];
            d["name"] = "Portal 1";
            d["kind"] = "tablet";
            d["capabilities"] = {"captions"};
            d["out_of_service"] = json::parse(
                R"([{"start": "2025-03-25T09:00", "end": "2025-03-25T12:00", "label": "repair"}])");
            auto& st = doc["staff"][0];
            st["name"] = "Joanne";
            st["wards"] = {"S1W2"};
            st["competences"] = {"dementia"};
            st["weekly_shifts"] = json::parse(
                R"([{"weekdays": [5, 6], "start": "08:00", "end": "20:00", "label": "weekend"}])");
            auto& q = doc["requests"][0];
            q["contacts"] = {"C1", "C2"};
            q["fixed"] = json::parse(R"({"weekday": 6, "start": "16:00"})");
            q["active"] = false;
            doc["approvals"] = json::parse(
                R"([{"resident": "R1", "contact": "C1", "key_contact": true, "restrictions": "supervised"},
                {"resident": "R2", "contact": "C2", "approved": false}])");
            doc["unknown_field"] = {{"is", "ignored"}};

            auto s = parse(doc);
            CHECK(s.sites[0].name == "Sunnyside");
            CHECK(s.sites[0].kind == SiteKind::hospice);
            CHECK(s.wards[0].closures ==
                  std::vector<DateRange>{
                      {date::year{2025} / 3 / 26, date::year{2025} / 3 / 27, "norovirus"}});
            const auto& res = s.residents[0];
            CHECK(res.room == "G01");
            CHECK(res.admitted == Date{date::year{2023} / 4 / 17});
            CHECK(res.discharged == Date{date::year{2025} / 4 / 30});
            CHECK(res.competences == std::vector<std::string>{"dementia", "bsl"});
            CHECK(res.max_call_minutes == 15);
            CHECK(res.max_calls_per_day == 2);
            // 2025-03-31 is in British Summer Time.
            CHECK(res.one_off_blocks ==
                  std::vector<Period>{{utc("2025-03-31T09:00"), utc("2025-03-31T10:00"), "GP"}});
            CHECK(res.consent == Consent{ConsentStatus::best_interest, "Dr Okafor",
                                         Date{date::year{2025} / 1 / 10},
                                         Date{date::year{2025} / 7 / 10}});
            CHECK(s.residents[1].consent.status == ConsentStatus::refused);
            // New York is on EDT from 2025-03-09: midnight there is 04:00Z.
            CHECK(
                s.contacts[0].absences ==
                std::vector<Period>{{utc("2025-03-28T04:00"), utc("2025-04-02T04:00"), "holiday"}});
            CHECK(s.contacts[0].relationship == "son");
            CHECK(s.contacts[0].reach == "WhatsApp video");
            CHECK(s.devices[0].kind == "tablet");
            CHECK(s.devices[0].capabilities == std::vector<std::string>{"captions"});
            CHECK(s.devices[0].out_of_service.size() == 1);
            CHECK(s.staff[0].wards == std::vector<WardId>{WardId(1), WardId(2)});
            CHECK(s.staff[0].weekly_shifts ==
                  std::vector<WeeklyWindow>{{0x60, 480, 1200, "weekend"}});
            CHECK(s.requests[0].contacts == std::vector<ContactId>{ContactId(1), ContactId(2)});
            CHECK(s.requests[0].fixed == FixedTime{6, 16 * 60});
            CHECK_FALSE(s.requests[0].active);
            REQUIRE(s.approvals.size() == 2);
            CHECK(s.approvals[0] ==
                  Approval{ResidentId(1), ContactId(1), true, true, "supervised"});
            CHECK(s.approvals[1] == Approval{ResidentId(2), ContactId(2), false, false, ""});

            check_same(parse_scenario(write_scenario(s)), s);
        }
        SUBCASE("\"contact\" and \"contacts\" together name each contact once") {
            auto doc = base_doc();
            doc["requests"][0]["contacts"] = {"C1", "C2"};
            CHECK(parse(doc).requests[0].contacts ==
                  std::vector<ContactId>{ContactId(1), ContactId(2)});
            doc["requests"][0].erase("contact");
            CHECK(parse(doc).requests[0].contacts ==
                  std::vector<ContactId>{ContactId(1), ContactId(2)});
        }
    }

    TEST_CASE("times the clocks skip or repeat") {
        auto doc = base_doc();
        SUBCASE("a repeated time: the earlier reading for a start, the later for an end") {
            doc["staff"][0]["shifts"] =
                json::parse(R"([{"start": "2025-10-26T01:00", "end": "2025-10-26T01:30"}])");
            auto s = parse(doc);
            CHECK(s.staff[0].shifts[0].start == utc("2025-10-26T00:00")); // 01:00 BST
            CHECK(s.staff[0].shifts[0].end == utc("2025-10-26T01:30"));   // 01:30 GMT
            check_same(parse_scenario(write_scenario(s)), s);
        }
        SUBCASE("an offset picks the other reading, and is written back") {
            doc["staff"][0]["shifts"] =
                json::parse(R"([{"start": "2025-10-26T01:15+00:00", "end": "2025-10-26T09:00"}])");
            auto s = parse(doc);
            CHECK(s.staff[0].shifts[0].start == utc("2025-10-26T01:15"));
            auto written = json::parse(write_scenario(s));
            CHECK(written["staff"][0]["shifts"][0]["start"] == "2025-10-26T01:15+00:00");
            CHECK(written["staff"][0]["shifts"][0]["end"] == "2025-10-26T09:00");
            check_same(parse_scenario(write_scenario(s)), s);
        }
        SUBCASE("an offset the zone does not use then is refused") {
            doc["staff"][0]["shifts"][0]["start"] = "2025-03-24T07:00+01:00";
            CHECK_THROWS_WITH_AS(
                parse(doc),
                "staff[0].shifts[0].start: 2025-03-24T07:00+01:00 is not a time in "
                "Europe/London (the offset there is +00:00)",
                InvalidInput);
        }
    }

    TEST_CASE("write then read gives the same scenario") {
        for (const char* name : {"scenario-ward-day.json", "scenario-home-week.json"}) {
            CAPTURE(name);
            auto s = parse_scenario(data_file(name));
            auto text = write_scenario(s);
            check_same(parse_scenario(text), s);
            // Writing is stable: the second generation is the same text.
            CHECK(write_scenario(parse_scenario(text)) == text);
        }
        auto sunny = parse_scenario(
            read_text(std::string(CARECALL_SOURCE_DIR) + "/examples/sunnyside.json"));
        check_same(parse_scenario(write_scenario(sunny)), sunny);
    }

    TEST_CASE("the written document is the documented format") {
        auto s = parse(base_doc());
        auto doc = json::parse(write_scenario(s));
        CHECK(doc["format"] == "carecall-scenario/1");
        CHECK(doc["seed"] == 7);
        CHECK(doc["horizon"] ==
              json::parse(R"({"start_date": "2025-03-24", "days": 7, "slot_minutes": 15})"));
        CHECK(doc["wards"][0]["site"] == "S1");
        CHECK(doc["devices"][0]["wards"] == json::parse(R"(["S1W1", "S1W2"])"));
        CHECK(doc["requests"][0]["contact"] == "C1");
        CHECK_FALSE(doc["requests"][0].contains("contacts"));
        CHECK(doc["staff"][0]["ward"] == "S1W1");
        CHECK(doc["staff"][0]["shifts"] ==
              json::parse(R"([{"start": "2025-03-24T07:00", "end": "2025-03-24T15:00"}])"));
        CHECK(
            doc["residents"][0]["care_blocks"][0] ==
            json::parse(
                R"({"weekdays": [0,1,2,3,4,5,6], "start": "12:00", "end": "13:00", "label": "lunch"})"));
        CHECK(doc["contacts"][0]["availability"][0] ==
              json::parse(R"({"weekdays": [0,1,2,3,4], "start": "18:00", "end": "21:00"})"));
    }

    TEST_CASE("writing a scenario whose references do not resolve is refused") {
        auto s = parse(base_doc());
        s.devices[0].wards[1] = WardId(5);
        CHECK_THROWS_WITH_AS(write_scenario(s),
                             "devices[0].wards[1]: no ward with id 5 in the scenario",
                             InvalidInput);
    }

    TEST_CASE("bad documents name the JSON path and the problem") {
        auto doc = base_doc();
        auto bad = [](const json& d) { return parse(d); };

        SUBCASE("not JSON") {
            CHECK_THROWS_WITH_AS(
                parse_scenario("{\"format\": \"carecall-scenario/1\",\n \"seed\": }"),
                "line 2, column 10: not valid JSON: syntax error while parsing value - "
                "unexpected '}'; expected '[', '{', or a literal",
                InvalidInput);
            CHECK_THROWS_WITH_AS(
                parse_scenario(""),
                "line 1, column 1: not valid JSON: syntax error while parsing value - "
                "unexpected end of input; expected '[', '{', or a literal",
                InvalidInput);
        }
        SUBCASE("not an object") {
            CHECK_THROWS_WITH_AS(parse_scenario("[1, 2]"), "a scenario must be a JSON object",
                                 InvalidInput);
        }
        SUBCASE("wrong format tag") {
            doc["format"] = "carecall-rota/1";
            CHECK_THROWS_WITH_AS(bad(doc),
                                 "format: unsupported format 'carecall-rota/1' (expected "
                                 "'carecall-scenario/1')",
                                 InvalidInput);
        }
        SUBCASE("no format tag") {
            doc.erase("format");
            CHECK_THROWS_WITH_AS(bad(doc), "format: is required (\"carecall-scenario/1\")",
                                 InvalidInput);
        }
        SUBCASE("missing horizon") {
            doc.erase("horizon");
            CHECK_THROWS_WITH_AS(bad(doc), "horizon: is required", InvalidInput);
        }
        SUBCASE("days as text") {
            doc["horizon"]["days"] = "7";
            CHECK_THROWS_WITH_AS(bad(doc), "horizon.days: must be a whole number", InvalidInput);
        }
        SUBCASE("not a real date") {
            doc["horizon"]["start_date"] = "2025-02-30";
            CHECK_THROWS_WITH_AS(bad(doc), "horizon.start_date: 2025-02-30 is not a real date",
                                 InvalidInput);
        }
        SUBCASE("a seed that is not a whole number") {
            doc["seed"] = 1.5;
            CHECK_THROWS_WITH_AS(bad(doc), "seed: must be a whole number", InvalidInput);
        }
        SUBCASE("a list that is not a list") {
            doc["residents"] = {{"id", "R1"}};
            CHECK_THROWS_WITH_AS(bad(doc), "residents: must be a list", InvalidInput);
        }
        SUBCASE("a record that is not an object") {
            doc["residents"][1] = "R2";
            CHECK_THROWS_WITH_AS(bad(doc), "residents[1]: must be an object", InvalidInput);
        }
        SUBCASE("missing required field") {
            doc["requests"][0].erase("duration_minutes");
            CHECK_THROWS_WITH_AS(bad(doc), "requests[0].duration_minutes: is required",
                                 InvalidInput);
        }
        SUBCASE("missing contact") {
            doc["requests"][0].erase("contact");
            CHECK_THROWS_WITH_AS(bad(doc), "requests[0].contact: is required", InvalidInput);
        }
        SUBCASE("missing id") {
            doc["devices"][0].erase("id");
            CHECK_THROWS_WITH_AS(bad(doc), "devices[0].id: is required", InvalidInput);
        }
        SUBCASE("unknown site") {
            doc["wards"][0]["site"] = "S9";
            CHECK_THROWS_WITH_AS(bad(doc), "wards[0].site: unknown site 'S9'", InvalidInput);
        }
        SUBCASE("unknown contact") {
            doc["requests"][0]["contact"] = "C9";
            CHECK_THROWS_WITH_AS(bad(doc), "requests[0].contact: unknown contact 'C9'",
                                 InvalidInput);
        }
        SUBCASE("unknown ward in a device's list") {
            doc["devices"][0]["wards"][1] = "S1W9";
            CHECK_THROWS_WITH_AS(bad(doc), "devices[0].wards[1]: unknown ward 'S1W9'",
                                 InvalidInput);
        }
        SUBCASE("a device serving a ward of another site") {
            doc["sites"].push_back({{"id", "S2"}, {"tz", "Europe/London"}});
            doc["wards"][1]["site"] = "S2";
            CHECK_THROWS_WITH_AS(bad(doc), "devices[0].wards[1]: ward 'S1W2' is not on site 'S1'",
                                 InvalidInput);
        }
        SUBCASE("unknown resident in approvals") {
            doc["approvals"] = json::parse(R"([{"resident": "R7", "contact": "C1"}])");
            CHECK_THROWS_WITH_AS(bad(doc), "approvals[0].resident: unknown resident 'R7'",
                                 InvalidInput);
        }
        SUBCASE("bad zone") {
            doc["sites"][0]["tz"] = "Europe/Londn";
            CHECK_THROWS_WITH_AS(
                bad(doc),
                "sites[0].tz: unknown time zone 'Europe/Londn' (expected an IANA name "
                "such as Europe/London)",
                InvalidInput);
        }
        SUBCASE("bad zone of a contact") {
            doc["contacts"][1]["tz"] = "GMT+1 ";
            CHECK_THROWS_WITH_AS(
                bad(doc),
                "contacts[1].tz: unknown time zone 'GMT+1 ' (expected an IANA name "
                "such as Europe/London)",
                InvalidInput);
        }
        SUBCASE("not a time") {
            doc["residents"][0]["care_blocks"][0]["end"] = "25:61";
            CHECK_THROWS_WITH_AS(
                bad(doc), "residents[0].care_blocks[0].end: 25:61 is not a time (expected HH:MM)",
                InvalidInput);
        }
        SUBCASE("24:00 as a start") {
            doc["contacts"][0]["availability"][0]["start"] = "24:00";
            doc["contacts"][0]["availability"][0]["end"] = "24:00";
            CHECK_THROWS_WITH_AS(
                bad(doc), "contacts[0].availability[0].start: 24:00 is only allowed as an end time",
                InvalidInput);
        }
        SUBCASE("a time that is not text") {
            doc["wards"][1]["calling_hours"][0]["start"] = 900;
            CHECK_THROWS_WITH_AS(bad(doc), "wards[1].calling_hours[0].start: must be a string",
                                 InvalidInput);
        }
        SUBCASE("end before start") {
            doc["residents"][1]["care_blocks"] =
                json::parse(R"([{"weekdays": [0], "start": "10:00", "end": "09:00"}])");
            CHECK_THROWS_WITH_AS(bad(doc),
                                 "residents[1].care_blocks[0]: end 09:00 is not after start 10:00",
                                 InvalidInput);
        }
        SUBCASE("weekday 7") {
            doc["wards"][0]["calling_hours"][0]["weekdays"] = {5, 6, 7};
            CHECK_THROWS_WITH_AS(
                bad(doc),
                "wards[0].calling_hours[0].weekdays[2]: 7 is not a weekday (0 = Monday "
                "… 6 = Sunday)",
                InvalidInput);
        }
        SUBCASE("no weekdays") {
            doc["requests"][0]["preferred"][0]["weekdays"] = json::array();
            CHECK_THROWS_WITH_AS(
                bad(doc),
                "requests[0].preferred[0].weekdays: must list at least one weekday (0 = "
                "Monday … 6 = Sunday)",
                InvalidInput);
        }
        SUBCASE("negative duration") {
            doc["requests"][0]["duration_minutes"] = -30;
            CHECK_THROWS_WITH_AS(bad(doc),
                                 "requests[0].duration_minutes: must be a positive whole number",
                                 InvalidInput);
        }
        SUBCASE("fractional duration") {
            doc["requests"][0]["duration_minutes"] = 30.5;
            CHECK_THROWS_WITH_AS(bad(doc), "requests[0].duration_minutes: must be a whole number",
                                 InvalidInput);
        }
        SUBCASE("priority 0") {
            doc["requests"][0]["priority"] = 0;
            CHECK_THROWS_WITH_AS(bad(doc), "requests[0].priority: must be a positive whole number",
                                 InvalidInput);
        }
        SUBCASE("negative cleaning time") {
            doc["devices"][0]["cleaning_minutes"] = -5;
            CHECK_THROWS_WITH_AS(bad(doc), "devices[0].cleaning_minutes: must not be negative",
                                 InvalidInput);
        }
        SUBCASE("duplicate id") {
            doc["contacts"][1]["id"] = "C1";
            CHECK_THROWS_WITH_AS(bad(doc), "contacts[1].id: duplicate id 'C1'", InvalidInput);
        }
        SUBCASE("a code that is not a code") {
            doc["residents"][0]["id"] = "R 1";
            CHECK_THROWS_WITH_AS(
                bad(doc), "residents[0].id: 'R 1' may hold only letters, digits, '-', '_' and '.'",
                InvalidInput);
        }
        SUBCASE("a flag that is not true or false") {
            doc["residents"][0]["needs_assistance"] = "yes";
            CHECK_THROWS_WITH_AS(bad(doc), "residents[0].needs_assistance: must be true or false",
                                 InvalidInput);
        }
        SUBCASE("unknown consent") {
            doc["residents"][0]["consent"] = "maybe";
            CHECK_THROWS_WITH_AS(
                bad(doc),
                "residents[0].consent: 'maybe' is not a consent status (expected given, "
                "best_interest, refused or none)",
                InvalidInput);
        }
        SUBCASE("unknown site kind") {
            doc["sites"][0]["kind"] = "castle";
            CHECK_THROWS_WITH_AS(bad(doc),
                                 "sites[0].kind: 'castle' is not a site kind (expected care_home, "
                                 "hospital, hospice or ld_unit)",
                                 InvalidInput);
        }
        SUBCASE("shift in the spring-forward gap") {
            doc["staff"][0]["shifts"][0]["start"] = "2025-03-30T01:30";
            doc["staff"][0]["shifts"][0]["end"] = "2025-03-30T09:00";
            CHECK_THROWS_WITH_AS(
                bad(doc),
                "staff[0].shifts[0].start: 2025-03-30 01:30 does not exist in "
                "Europe/London: the clocks go forward then; the nearest real times are "
                "2025-03-30T00:59:00+00:00 and 2025-03-30T02:00:00+01:00",
                InvalidInput);
        }
        SUBCASE("shift that ends before it starts") {
            doc["staff"][0]["shifts"][0]["end"] = "2025-03-24T06:00";
            CHECK_THROWS_WITH_AS(bad(doc),
                                 "staff[0].shifts[0]: end 2025-03-24T06:00 is not after start "
                                 "2025-03-24T07:00",
                                 InvalidInput);
        }
        SUBCASE("shift that is not a date-time") {
            doc["staff"][0]["shifts"][0]["start"] = "07:00";
            CHECK_THROWS_WITH_AS(bad(doc),
                                 "staff[0].shifts[0].start: 07:00 is not a date and time (expected "
                                 "YYYY-MM-DDTHH:MM)",
                                 InvalidInput);
        }
        SUBCASE("a fixed time that does not fit the day (the record's own validation)") {
            doc["requests"][0]["fixed"] = {{"weekday", 2}, {"start", "23:45"}};
            CHECK_THROWS_WITH_AS(
                bad(doc),
                "requests[0].fixed.start: 23:45 plus the call's 30 minutes does not fit "
                "in the day",
                InvalidInput);
        }
        SUBCASE("discharged before admitted (the record's own validation)") {
            doc["residents"][1]["admitted"] = "2025-02-01";
            doc["residents"][1]["discharged"] = "2025-01-01";
            CHECK_THROWS_WITH_AS(
                bad(doc), "residents[1].discharged: 2025-01-01 is before admission on 2025-02-01",
                InvalidInput);
        }
        SUBCASE("a contact named twice") {
            doc["requests"][0]["contacts"] = {"C2", "C2"};
            CHECK_THROWS_WITH_AS(bad(doc), "requests[0].contacts[1]: contact 'C2' is listed twice",
                                 InvalidInput);
        }
        SUBCASE("a pair approved twice") {
            doc["approvals"] = json::parse(
                R"([{"resident": "R1", "contact": "C1"}, {"resident": "R1", "contact": "C1"}])");
            CHECK_THROWS_WITH_AS(
                bad(doc),
                "approvals[1]: resident 'R1' and contact 'C1' are already paired in "
                "approvals[0]",
                InvalidInput);
        }
        SUBCASE("the error is an input error (exit 65) whose field is the path") {
            doc["requests"][0]["duration_minutes"] = 0;
            try {
                bad(doc);
                FAIL("no error");
            } catch (const InvalidInput& e) {
                CHECK(e.field() == "requests[0].duration_minutes");
                CHECK(e.reason() == "must be a positive whole number");
                CHECK(e.exit_code() == ExitCode::invalid_input);
            }
        }
    }

    TEST_CASE("import into a store and load back") {
        auto store = open_store("sqlite::memory:");
        auto s = parse_scenario(
            read_text(std::string(CARECALL_SOURCE_DIR) + "/examples/sunnyside.json"));

        auto sum = import_scenario(*store, s);
        CHECK(sum.sites == 1);
        CHECK(sum.wards == 2);
        CHECK(sum.residents == 25);
        CHECK(sum.contacts == 40);
        CHECK(sum.devices == 2);
        CHECK(sum.staff == static_cast<int>(s.staff.size()));
        CHECK(sum.requests == static_cast<int>(s.requests.size()));
        CHECK(sum.added == 1 + 2 + 25 + 40 + 2 + sum.staff + sum.requests);
        CHECK(sum.updated == 0);

        CHECK(store->setting("plan.start_date") == "2026-11-30");
        CHECK(store->setting("plan.days") == "7");
        CHECK(store->setting("plan.slot_minutes") == "15");
        CHECK(store->setting("plan.seed") == "2026");
        auto events = store->audit_events(1000);
        CHECK(std::count_if(events.begin(), events.end(), [](const AuditEvent& e) {
                  return e.action == "import" && e.kind == "scenario";
              }) == 1);

        auto rose = store->wards().find_by_code("W-ROSE");
        REQUIRE(rose);
        CHECK(rose->name == "Rose");
        auto refused = std::find_if(s.residents.begin(), s.residents.end(), [](const Resident& r) {
            return r.consent.status == ConsentStatus::refused;
        });
        REQUIRE(refused != s.residents.end());
        CHECK(store->residents().find_by_code(refused->code)->consent.status ==
              ConsentStatus::refused);

        SUBCASE("load_scenario gives the same data") {
            auto loaded = load_scenario(*store, s.horizon);
            check_same(by_code(loaded), by_code(as_imported(s)));
        }
        SUBCASE("every request's pair is approved") {
            for (const auto& q : s.requests) {
                auto r = store->residents().find_by_code(
                    s.residents[static_cast<std::size_t>(q.resident.value - 1)].code);
                for (auto c : q.contacts) {
                    auto con = store->contacts().find_by_code(
                        s.contacts[static_cast<std::size_t>(c.value - 1)].code);
                    auto a = store->approvals().find(r->id, con->id);
                    REQUIRE(a);
                    CHECK(a->approved);
                }
            }
        }
        SUBCASE("importing again updates rather than duplicates") {
            s.residents[0].name = "Margaret Thompson-Hall";
            s.requests[0].calls = 3;
            auto again = import_scenario(*store, s);
            CHECK(again.added == 0);
            CHECK(again.updated == sum.added);
            CHECK(store->residents().list().size() == 25);
            CHECK(store->contacts().list().size() == 40);
            CHECK(store->requests().list().size() == s.requests.size());
            CHECK(store->residents().find_by_code(s.residents[0].code)->name ==
                  "Margaret Thompson-Hall");
            CHECK(store->requests().find_by_code(s.requests[0].code)->calls == 3);
            check_same(by_code(load_scenario(*store, s.horizon)), by_code(as_imported(s)));
        }
    }

    TEST_CASE("the shared examples survive a trip through the store") {
        for (const char* name : {"scenario-ward-day.json", "scenario-home-week.json"}) {
            CAPTURE(name);
            auto store = open_store("sqlite::memory:");
            auto s = parse_scenario(data_file(name));
            import_scenario(*store, s);
            check_same(by_code(load_scenario(*store, s.horizon)), by_code(as_imported(s)));
        }
    }

    TEST_CASE("load_scenario keeps the one-off periods that overlap the horizon") {
        auto store = open_store("sqlite::memory:");
        auto s = parse_scenario(data_file("scenario-home-week.json"));
        import_scenario(*store, s);
        // Wednesday and Thursday only.
        auto loaded = load_scenario(*store, Horizon{date::year{2025} / 3 / 26, 2, 15});
        auto e1 = std::find_if(loaded.staff.begin(), loaded.staff.end(),
                               [](const Staff& st) { return st.code == "S1W1E1"; });
        REQUIRE(e1 != loaded.staff.end());
        REQUIRE(e1->shifts.size() == 2);
        CHECK(e1->shifts[0].start == utc("2025-03-26T07:00"));
        CHECK(e1->shifts[1].start == utc("2025-03-27T07:00"));
        auto e2 = std::find_if(loaded.staff.begin(), loaded.staff.end(),
                               [](const Staff& st) { return st.code == "S1W1E2"; });
        REQUIRE(e2 != loaded.staff.end());
        CHECK(e2->shifts.empty()); // works Tuesday only
        CHECK(loaded.horizon == Horizon{date::year{2025} / 3 / 26, 2, 15});
    }

    TEST_CASE("a failed import writes nothing") {
        auto store = open_store("sqlite::memory:");
        SUBCASE("a bad document is refused before the store is touched") {
            auto doc = base_doc();
            doc["requests"][0]["priority"] = 0;
            CHECK_THROWS_AS(import_scenario(*store, parse(doc)), InvalidInput);
        }
        SUBCASE("a reference out of range rolls back what was written") {
            auto s = parse(base_doc());
            s.requests[0].resident = ResidentId(99);
            CHECK_THROWS_WITH_AS(import_scenario(*store, s),
                                 "requests[0].resident: no resident with id 99 in the scenario",
                                 InvalidInput);
        }
        CHECK(store->sites().list().empty());
        CHECK(store->wards().list().empty());
        CHECK(store->residents().list().empty());
        CHECK(store->contacts().list().empty());
        CHECK(store->approvals().list().empty());
        CHECK_FALSE(store->setting("plan.start_date").has_value());
    }

    TEST_CASE("JSON views of single records") {
        auto store = open_store("sqlite::memory:");
        auto doc = base_doc();
        doc["residents"][0]["name"] = "Margaret Thompson";
        doc["residents"][0]["one_off_blocks"] = json::parse(
            R"([{"start": "2025-03-31T10:00", "end": "2025-03-31T11:00", "label": "GP"}])");
        doc["staff"][0]["shifts"].push_back(
            {{"start", "2025-03-30T07:00"}, {"end", "2025-03-30T15:00"}});
        import_scenario(*store, parse(doc));

        auto site = json::parse(to_json(*store, store->sites().get("S1", "site")));
        CHECK(site["code"] == "S1");
        CHECK(site["id"].is_number_integer());
        CHECK(site["tz"] == "Europe/London");
        CHECK(site["kind"] == "care_home");

        auto r = json::parse(to_json(*store, store->residents().get("R1", "resident")));
        CHECK(r["code"] == "R1");
        CHECK(r["name"] == "Margaret Thompson");
        CHECK(r["ward"] == "S1W1");
        CHECK(r["tz"] == "Europe/London");
        CHECK(r["needs_assistance"] == true);
        CHECK(r["care_blocks"][0] == json::parse(R"({"weekdays": [0,1,2,3,4,5,6], "start": "12:00",
                                   "end": "13:00", "label": "lunch", "text": "daily 12:00-13:00 lunch"})"));
        CHECK(r["one_off_blocks"][0] == json::parse(R"({"start": "2025-03-31T10:00:00+01:00",
                                      "end": "2025-03-31T11:00:00+01:00", "label": "GP"})"));
        CHECK(r["consent"]["status"] == "given");
        CHECK(r["max_call_minutes"].is_null());

        auto c = json::parse(to_json(*store, store->contacts().get("C1", "contact")));
        CHECK(c["tz"] == "America/New_York");
        CHECK(c["availability"][0]["text"] == "mon-fri 18:00-21:00");

        auto d = json::parse(to_json(*store, store->devices().get("S1D1", "device")));
        CHECK(d["site"] == "S1");
        CHECK(d["wards"] == json::parse(R"(["S1W1", "S1W2"])"));
        CHECK(d["cleaning_minutes"] == 15);

        auto st = json::parse(to_json(*store, store->staff().get("S1W1E1", "staff")));
        CHECK(st["wards"] == json::parse(R"(["S1W1"])"));
        CHECK(st["tz"] == "Europe/London");
        CHECK(st["shifts"][0]["start"] == "2025-03-24T07:00:00+00:00");
        CHECK(st["shifts"][1]["start"] == "2025-03-30T07:00:00+01:00");

        auto q = json::parse(to_json(*store, store->requests().get("Q1", "request")));
        CHECK(q["resident"] == "R1");
        CHECK(q["contacts"] == json::parse(R"(["C1"])"));
        CHECK(q["priority"] == 3);
        CHECK(q["priority_name"] == "end_of_life");
        CHECK(q["preferred"][0]["text"] == "daily 10:00-12:00");
        CHECK(q["fixed"].is_null());

        auto w = json::parse(to_json(*store, store->wards().get("S1W2", "ward")));
        CHECK(w["site"] == "S1");
        CHECK(w["calling_hours"][0]["text"] == "daily 09:00-20:00");
    }

} // TEST_SUITE
