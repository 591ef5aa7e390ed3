// carecall import scenario FILE|-, carecall export scenario [-o FILE]
#include <functional>

#include "cli/cli_fixture.hpp"

using namespace carecall::test;
using nlohmann::json;

namespace {

const std::string k_ward_day = source_path("tests/data/scenario-ward-day.json");
const std::string k_home_week = source_path("tests/data/scenario-home-week.json");

json read_json_file(const std::string& path) {
    return parse_json(slurp(path));
}

/// Everything the database holds, as the list commands show it.
json all_records(const Scratch& s) {
    json out;
    for (const auto* kind : {"site", "ward", "resident", "contact", "device", "staff", "request"}) {
        out[kind] = s.list(kind);
    }
    return out;
}

/// The same without database ids (a fresh database numbers records in its own order).
json without_ids(json records) {
    for (auto& [kind, items] : records.items()) {
        for (auto& item : items) {
            item.erase("id");
        }
    }
    return records;
}

std::string counts_line(const std::string& file, const json& scenario, int added, int updated) {
    auto n = [&](const char* key) {
        return scenario.contains(key) ? std::to_string(scenario[key].size()) : std::string("0");
    };
    return "imported " + file + ": " + n("sites") + " sites, " + n("wards") + " wards, " +
           n("residents") + " residents, " + n("contacts") + " contacts, " + n("devices") +
           " devices, " + n("staff") + " staff, " + n("requests") + " requests (" +
           std::to_string(added) + " added, " + std::to_string(updated) + " updated)\n";
}

} // namespace

TEST_SUITE("cli import export") {

    TEST_CASE("import scenario: a ward for a day") {
        Scratch s;
        auto r = s.run({"import", "scenario", k_ward_day});
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        CHECK(r.out.empty());
        // The file says nothing of consent or approvals: the defaults, and a warning saying so.
        CHECK(r.err == "imported " + k_ward_day +
                           ": 1 sites, 2 wards, 20 residents, 27 contacts, 3 devices, 6 staff, 30 "
                           "requests (89 added, 0 updated)\n"
                           "carecall: warning: assumed consent 'given' for 20 residents and "
                           "approved 30 contact pairs named by requests: the file does not say\n");
        CHECK(mode_of(s.db()) == 0600);

        auto records = all_records(s);
        CHECK(records["site"].size() == 1);
        CHECK(records["ward"].size() == 2);
        CHECK(records["resident"].size() == 20);
        CHECK(records["contact"].size() == 27);
        CHECK(records["device"].size() == 3);
        CHECK(records["staff"].size() == 6);
        CHECK(records["request"].size() == 30);

        // Ids became codes; consent is given; each request's pair is approved.
        auto scenario = read_json_file(k_ward_day);
        auto q = scenario["requests"][0];
        auto resident = s.show("resident", q["resident"].get<std::string>());
        CHECK(resident["consent"]["status"] == "given");
        bool approved = false;
        for (const auto& a : resident["approved_contacts"]) {
            approved = approved || (a["contact"] == q["contact"] && a["approved"] == true);
        }
        CHECK(approved);
        auto request = s.show("request", q["id"].get<std::string>());
        CHECK(request["calls"] == q["calls"]);
        CHECK(request["duration_minutes"] == q["duration_minutes"]);
        CHECK(request["priority"] == q["priority"]);
        auto site = s.show("site", "S1");
        CHECK(site["tz"] == "Europe/London");

        // Again: records are updated, never duplicated.
        r = s.run({"import", "scenario", k_ward_day});
        CHECK(r.code == 0);
        CHECK(r.err == counts_line(k_ward_day, scenario, 0, 89) +
                           "carecall: warning: kept the recorded consent of 20 residents: the "
                           "file does not say\n");
        CHECK(all_records(s) == records);
        // --json prints the counts.
        auto j = s.json({"import", "scenario", k_ward_day});
        CHECK(j["format"] == "carecall-import/1");
        CHECK(j["sites"] == 1);
        CHECK(j["wards"] == 2);
        CHECK(j["residents"] == 20);
        CHECK(j["contacts"] == 27);
        CHECK(j["devices"] == 3);
        CHECK(j["staff"] == 6);
        CHECK(j["requests"] == 30);
        CHECK(j["added"] == 0);
        CHECK(j["updated"] == 89);
        CHECK(s.list("request") == records["request"]);
    }

    TEST_CASE("import scenario: - reads stdin") {
        Scratch s;
        auto text = slurp(k_ward_day);
        auto r = s.run({"import", "scenario", "-"}, text);
        INFO("stderr: " << r.err);
        CHECK(r.code == 0);
        CHECK(first_line(r.err) + "\n" == counts_line("-", parse_json(text), 89, 0));
        CHECK(s.list("resident").size() == 20);
    }

    TEST_CASE("import scenario: the sample care home imports and names survive") {
        auto path = source_path("examples/sunnyside.json");
        if (!std::filesystem::exists(path)) {
            MESSAGE("examples/sunnyside.json is not there yet");
            return;
        }
        Scratch s;
        auto scenario = read_json_file(path);
        int total = 0;
        for (const auto* key :
             {"sites", "wards", "residents", "contacts", "devices", "staff", "requests"}) {
            total += scenario.contains(key) ? static_cast<int>(scenario[key].size()) : 0;
        }
        auto r = s.run({"import", "scenario", path});
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        CHECK(r.err == counts_line(path, scenario, total, 0));
        CHECK(s.list("resident").size() == scenario["residents"].size());
        for (const auto& res : scenario["residents"]) {
            if (res.contains("name")) {
                auto j = s.show("resident", res["id"].get<std::string>());
                CHECK(j["name"] == res["name"]);
                break;
            }
        }
    }

    TEST_CASE("import scenario: a bad document exits 65 naming the JSON path and writes nothing") {
        Scratch s;
        s.init();
        const auto good = read_json_file(k_ward_day);
        s.ok({"site", "add", "OTHER", "--name", "OTHER", "--tz", "Europe/Paris"});

        struct Bad {
            std::string what;
            std::function<void(json&)> change;
            std::string message;
        };
        const std::vector<Bad> cases = {
            {"negative duration", [](json& j) { j["requests"][3]["duration_minutes"] = -5; },
             "requests[3].duration_minutes: must be a positive whole number"},
            {"unknown zone", [](json& j) { j["sites"][0]["tz"] = "Europe/Londn"; },
             "sites[0].tz: unknown time zone 'Europe/Londn' (expected an IANA name such as "
             "Europe/London)"},
            {"25:61", [](json& j) { j["wards"][0]["calling_hours"][0]["start"] = "25:61"; },
             "wards[0].calling_hours[0].start: 25:61 is not a time (expected HH:MM)"},
            {"end before start",
             [](json& j) {
                 j["wards"][1]["calling_hours"][0]["start"] = "20:00";
                 j["wards"][1]["calling_hours"][0]["end"] = "09:00";
             },
             "wards[1].calling_hours[0]: end 09:00 is not after start 20:00"},
            {"unknown ward", [](json& j) { j["residents"][2]["ward"] = "W-NOPE"; },
             "residents[2].ward: unknown ward 'W-NOPE'"},
            {"duplicate id", [](json& j) { j["residents"][1]["id"] = j["residents"][0]["id"]; },
             "residents[1].id: duplicate id '" + good["residents"][0]["id"].get<std::string>() +
                 "'"},
            {"bad priority", [](json& j) { j["requests"][0]["priority"] = 0; },
             "requests[0].priority: must be a positive whole number"},
            {"priority as text", [](json& j) { j["requests"][0]["priority"] = "urgent"; },
             "requests[0].priority: must be a whole number"},
            {"missing field", [](json& j) { j["contacts"][4].erase("tz"); },
             "contacts[4].tz: is required"},
            {"wrong format", [](json& j) { j["format"] = "carecall-rota/1"; },
             "format: unsupported format 'carecall-rota/1' (expected 'carecall-scenario/1')"},
            {"bad date", [](json& j) { j["horizon"]["start_date"] = "2027-02-29"; },
             "horizon.start_date: 2027-02-29 is not a real date"},
        };
        auto before = s.dump();
        auto bytes = s.snapshot();
        for (const auto& c : cases) {
            INFO("case: " << c.what);
            json doc = good;
            c.change(doc);
            s.write("bad.json", doc.dump(1));
            auto file = s.path("bad.json");
            // "FILE:LINE: path: reason" (the line of the value in the indented file).
            auto refused = s.run({"import", "scenario", file});
            CHECK(refused.code == 65);
            CHECK(refused.out.empty());
            auto prefix = "carecall: error: " + file + ":";
            auto line = first_line(refused.err);
            REQUIRE(starts_with(line, prefix));
            auto digits = line.find_first_not_of("0123456789", prefix.size());
            CHECK(digits > prefix.size());
            CHECK(line.substr(digits) == ": " + c.message);
            if (&c == &cases.front()) {
                // The same through stdin, all on line 1.
                check_error(s.run({"import", "scenario", "-"}, doc.dump()), 65,
                            "-:1: " + c.message);
                // Into no database at all: none is created.
                auto r = s.run(Invocation{
                    {"--db", s.path("fresh.db"), "import", "scenario", file}, {}, {}, false, {}});
                CHECK(r.code == 65);
                CHECK_FALSE(std::filesystem::exists(s.path("fresh.db")));
            }
        }
        CARECALL_CHECK_SAME(before, s.dump());
        CHECK_MESSAGE(s.snapshot() == bytes, "the database file's bytes changed");

        // With --json the error names the field.
        json doc = good;
        doc["requests"][3]["duration_minutes"] = -5;
        auto r = s.run({"--json", "import", "scenario", "-"}, doc.dump());
        CHECK(r.code == 65);
        auto j = parse_json(r.err.substr(r.err.find('\n') + 1));
        CHECK(j["code"] == "invalid_input");
        CHECK(contains(j["field"].get<std::string>(), "requests[3].duration_minutes"));
    }

    TEST_CASE("import scenario: not JSON, not an object, empty") {
        Scratch s;
        s.ok({"db", "init"});
        auto before = s.dump();
        auto r = s.run({"import", "scenario", "-"}, "{\"format\": ");
        CHECK(r.code == 65);
        CHECK(starts_with(r.err, "carecall: error: -:1: column "));
        CHECK(contains(first_line(r.err), ": not valid JSON: "));
        CHECK(r.out.empty());
        check_error(s.run({"import", "scenario", "-"}, "[1, 2]"), 65,
                    "-:1: a scenario must be a JSON object");
        r = s.run({"import", "scenario", "-"}, "");
        CHECK(r.code == 65);
        CHECK(starts_with(r.err, "carecall: error: -:1: column 1: not valid JSON: "));
        check_error(s.run({"import", "scenario", "-"}, "{}"), 65,
                    "-:1: format: is required (\"carecall-scenario/1\")");
        CARECALL_CHECK_SAME(before, s.dump());
    }

    TEST_CASE("import scenario: a missing or unreadable file exits 66") {
        Scratch s;
        auto missing = s.path("no-such.json");
        check_error(s.run({"import", "scenario", missing}), 66,
                    "cannot read " + missing + ": no such file or not readable");
        CHECK_FALSE(std::filesystem::exists(s.db()));
        std::filesystem::create_directory(s.path("a-directory"));
        auto r = s.run({"import", "scenario", s.path("a-directory")});
        INFO("stderr: " << r.err);
        CHECK(r.code == 66);
        CHECK(starts_with(r.err, "carecall: error: cannot read " + s.path("a-directory")));
        CHECK_FALSE(std::filesystem::exists(s.db()));
        check_error(s.run({"import", "scenario"}), 2, "file is required (see carecall --help)");
        check_error(s.run({"import", "rooms", "x.csv"}), 2,
                    "unknown command: rooms (see carecall --help)");
    }

    TEST_CASE("export scenario: export, import into a fresh database, export again: identical") {
        Scratch s;
        s.ok({"import", "scenario", k_home_week});
        auto first = s.ok({"export", "scenario"});
        auto doc = parse_json(first);
        CHECK(doc["format"] == "carecall-scenario/1");
        CHECK(doc["horizon"]["start_date"] == "2025-03-24");
        CHECK(doc["horizon"]["days"] == 7);
        CHECK(doc["horizon"]["slot_minutes"] == 15);
        auto original = read_json_file(k_home_week);
        for (const auto* key :
             {"sites", "wards", "residents", "contacts", "devices", "staff", "requests"}) {
            INFO("list: " << key);
            CHECK(doc[key].size() == original[key].size());
        }
        // One JSON document and one newline.
        CHECK(first.size() > 2);
        CHECK(first.substr(first.size() - 2) == "}\n");

        Scratch fresh;
        auto r = fresh.run({"import", "scenario", "-"}, first);
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        auto second = fresh.ok({"export", "scenario"});
        CHECK(second == first);
        CHECK(without_ids(all_records(fresh)) == without_ids(all_records(s)));

        // Importing the export into the database it came from changes nothing but counts updates.
        r = s.run({"import", "scenario", "-"}, first);
        CHECK(r.code == 0);
        CHECK(contains(r.err, "(0 added, "));
        CHECK(s.ok({"export", "scenario"}) == first);
        CHECK(s.list("resident").size() == original["residents"].size());
    }

    TEST_CASE("export scenario: -o FILE (0600), --from and --days, bad options") {
        Scratch s;
        s.ok({"import", "scenario", k_ward_day});
        auto out = s.path("week.json");
        auto r = s.run(
            Invocation{{"export", "scenario", "-o", out, "--from", "2025-03-30", "--days", "2"},
                       {},
                       {},
                       true,
                       "000"});
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        CHECK(r.out.empty());
        CHECK(r.err == "wrote " + out + "\n");
        CHECK(mode_of(out) == 0600);
        auto doc = parse_json(slurp(out));
        CHECK(doc["horizon"]["start_date"] == "2025-03-30");
        CHECK(doc["horizon"]["days"] == 2);
        CHECK(slurp(out) == s.ok({"export", "scenario", "--from", "2025-03-30", "--days", "2"}));

        // An existing file is replaced.
        s.write("old.json", std::string(100000, 'x'));
        s.ok({"export", "scenario", "--output", s.path("old.json")});
        CHECK(parse_json(s.read("old.json"))["format"] == "carecall-scenario/1");

        auto before = s.dump();
        check_error(s.run({"export", "scenario", "--from", "2025-02-30"}), 65,
                    "--from: 2025-02-30 is not a real date");
        check_error(s.run({"export", "scenario", "--from", "30/03/2025"}), 65,
                    "--from: 30/03/2025 is not a date (expected YYYY-MM-DD)");
        r = s.run({"export", "scenario", "--days", "0"});
        CHECK(r.code == 2);
        CHECK(r.out.empty());
        r = s.run({"export", "scenario", "-o", s.path("no/such/dir/x.json")});
        CHECK(r.code == 74);
        CHECK(starts_with(r.err, "carecall: error: cannot write " + s.path("no/such/dir/x.json")));
        CHECK(r.out.empty());
        CARECALL_CHECK_SAME(before, s.dump());
    }

    TEST_CASE("export scenario: --days wins over the imported plan's days, which --from does not "
              "need (regression)") {
        Scratch s;
        s.ok({"import", "scenario", k_ward_day});
        auto plan = parse_json(s.ok({"export", "scenario"}))["horizon"];
        auto doc = parse_json(s.ok({"export", "scenario", "--days", "3"}));
        CHECK(doc["horizon"]["start_date"] == plan["start_date"]); // the imported plan's start
        CHECK(doc["horizon"]["days"] == 3);                        // was the imported plan's
    }

    TEST_CASE("export scenario: an empty database plans from tomorrow") {
        Scratch s;
        s.ok({"db", "init"});
        auto doc = parse_json(s.ok({"--now", "2026-11-25T12:00Z", "export", "scenario"}));
        CHECK(doc["format"] == "carecall-scenario/1");
        CHECK(doc["horizon"]["start_date"] == "2026-11-26");
        CHECK(doc["horizon"]["days"] == 7);
        CHECK(doc["sites"].empty());
        CHECK(doc["requests"].empty());
    }

} // TEST_SUITE
