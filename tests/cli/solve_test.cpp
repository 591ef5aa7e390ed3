// carecall solve: plans a scenario file with no database and writes a carecall-rota/1 rota.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "cli_fixture.hpp"

using namespace carecall::test;
using json = nlohmann::json;

TEST_SUITE("cli solve") {

    TEST_CASE("solve writes a rota of the ward-day scenario") {
        Scratch s;
        auto r = s.run({"solve", source_path("tests/data/scenario-ward-day.json"), "--time-limit",
                        "60", "--seed", "3"},
                       {}, {}, false);
        INFO("stderr: " << r.err);
        REQUIRE(r.code == 0);
        auto rota = json::parse(r.out);
        CHECK(rota["format"] == "carecall-rota/1");
        CHECK(rota["producer"] == "carecall 0.1.0");
        REQUIRE(rota["calls"].is_array());
        REQUIRE_FALSE(rota["calls"].empty());
        const auto& call = rota["calls"][0];
        for (const char* key :
             {"request", "resident", "contact", "device", "start_utc", "end_utc"}) {
            CHECK(call[key].is_string());
        }
        CHECK(call.contains("staff"));
        CHECK(call["start_utc"].get<std::string>().size() == 20); // YYYY-MM-DDTHH:MM:SSZ
        CHECK(call["start_utc"].get<std::string>().back() == 'Z');
        REQUIRE(rota["unscheduled"].is_array());
        for (const auto& u : rota["unscheduled"]) {
            CHECK(u["request"].is_string());
            CHECK(u["missing_calls"].get<int>() > 0);
            CHECK_FALSE(u["reasons"].empty());
        }
        CHECK(r.err.find("solve: ") != std::string::npos);
        CHECK(r.err.find("solve: price of fairness: ") != std::string::npos);
        CHECK_FALSE(s.dir().empty());
        CHECK_FALSE(std::filesystem::exists(s.db())); // no database

        // -o writes the same rota to a file.
        auto o = s.run({"-q", "solve", source_path("tests/data/scenario-ward-day.json"),
                        "--time-limit", "60", "--seed", "3", "-o", s.path("rota.json")},
                       {}, {}, false);
        REQUIRE(o.code == 0);
        CHECK(o.out.empty());
        CHECK(json::parse(s.read("rota.json")) == rota);
    }

    TEST_CASE("solve refuses a bad scenario with exit 65 and the JSON path") {
        Scratch s;
        auto doc = json::parse(slurp(source_path("tests/data/scenario-ward-day.json")));
        doc["requests"][0]["duration_minutes"] = 0;
        s.write("bad.json", doc.dump());
        auto r = s.run({"solve", s.path("bad.json")}, {}, {}, false);
        CHECK(r.code == 65);
        CHECK(r.out.empty());
        CHECK(r.err.find(
                  "bad.json:1: requests[0].duration_minutes: must be a positive whole number") !=
              std::string::npos);

        auto missing = s.run({"solve", s.path("nothing.json")}, {}, {}, false);
        CHECK(missing.code == 66);
    }

} // TEST_SUITE
