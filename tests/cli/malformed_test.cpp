// I1: malformed input at scale, through the real binary against a fresh database. Every case
// exits 65 with `carecall: error: <where>: <field>: <reason>` (a file's errors name FILE:LINE),
// writes nothing on stdout and leaves the database as it was.
//
// The corpus: time phrases in the table below (through `when` and `book --at`), scenario files in
// tests/data/malformed/scenario/ (through `import scenario` and `solve`, each NN-name.json with
// its message in NN-name.expected, {FILE} standing for the path), CSV files in
// tests/data/malformed/csv/ (through `import residents|contacts|staff`, the kind being the first
// word of the name; the expected text is a prefix), and inputs too big or too odd to commit,
// made here.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "cli/booking_fixture.hpp"

using namespace carecall::test;
namespace fs = std::filesystem;

namespace {

struct TimeCase {
    const char* phrase;
    const char* reason;
};

const char* const k_not_a_time = " is not a time (expected e.g. 2027-03-28 14:00, "
                                 "2027-03-28T14:00+01:00, today 14:30, tomorrow 09:00, mon "
                                 "15:00, 14:30 or now)";

std::string not_a_time(const std::string& phrase) {
    return "'" + phrase + "'" + k_not_a_time;
}

/// Phrases refused by `when` and `book --at`, with the reason after "FIELD: ".
const std::vector<std::pair<std::string, std::string>>& time_cases() {
    static const std::vector<std::pair<std::string, std::string>> cases = {
        {"25:61", "25:61 is not a time (expected HH:MM)"},
        {"tomorrow 24:00", "24:00 is only allowed as an end time"},
        {"2027-07-02 10:61", "10:61 is not a time (expected HH:MM)"},
        {"14:3O", "14:3O is not a time (expected HH:MM)"},
        {"today 14:30:99", "14:30:99 is not a time (expected HH:MM)"},
        {"-1:00", "-1:00 is not a time (expected HH:MM)"},
        {"2027-02-29 10:00", "2027-02-29 is not a real date"},
        {"2027-02-29T10:00Z", "2027-02-29 is not a real date"},
        {"2027-13-01 10:00", "2027-13-01 is not a real date"},
        {"2027-04-31T10:00", "2027-04-31 is not a real date"},
        {"03/04/2027", "'03/04/2027' is ambiguous: write dates as YYYY-MM-DD"},
        {"03/04/2027 10:00", "'03/04/2027' is ambiguous: write dates as YYYY-MM-DD"},
        {"tomorrow 3/4", "'3/4' is ambiguous: write dates as YYYY-MM-DD"},
        {"", "a time is required"},
        {"   ", "a time is required"},
        {"yesterday-ish", not_a_time("yesterday-ish")},
        {"next", not_a_time("next")},
        {"next moon 10:00", not_a_time("next moon 10:00")},
        {"10am", not_a_time("10am")},
        {"14h30", not_a_time("14h30")},
        {"2027-7-2 10:00", not_a_time("2027-7-2 10:00")},
        {"99999-01-01 10:00",
         "99999-01-01 is outside the dates carecall accepts (2000-01-01 to 2199-12-31)"},
        {"2200-01-01 10:00",
         "2200-01-01 is outside the dates carecall accepts (2000-01-01 to 2199-12-31)"},
        {"1999-12-31T23:59Z",
         "1999-12-31 is outside the dates carecall accepts (2000-01-01 to 2199-12-31)"},
        {"2027-07-02 10:00 extra", not_a_time("2027-07-02 10:00 extra")},
        {"2027-07-02T10:00+25:00", "25:00 is not a time (expected HH:MM)"},
        {"2027-07-02T10:00Q",
         "2027-07-02T10:00Q is not a date and time (expected YYYY-MM-DDTHH:MM)"},
        {"2027-03-28 01:30",
         "2027-03-28 01:30 does not exist in Europe/London: the clocks go forward then; the "
         "nearest real times are 2027-03-28T00:59:00+00:00 and 2027-03-28T02:00:00+01:00"},
        {"Zo\xC3\xAB", not_a_time("Zo\xC3\xAB")},
    };
    return cases;
}

/// Files of one corpus folder with this extension, sorted by name.
std::vector<fs::path> corpus(const std::string& kind, const std::string& ext) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(source_path("tests/data/malformed/" + kind))) {
        if (e.path().extension() == ext) {
            out.push_back(e.path());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

/// The first line of NAME.expected with {FILE} replaced.
std::string expected(const fs::path& input, const std::string& file) {
    auto path = input;
    path.replace_extension(".expected");
    auto text = first_line(slurp(path));
    if (auto at = text.find("{FILE}"); at != std::string::npos) {
        text.replace(at, 6, file);
    }
    return text;
}

/// Inputs made at test time (too big, or bytes better written in code): their count.
constexpr std::size_t k_generated_scenario = 7;

/// A scenario with one line per resident (resident i on line i + 4); resident `bad_at` (1-based)
/// names a ward that does not exist.
std::string many_residents(int n, int bad_at) {
    std::string text = "{\"format\": \"carecall-scenario/1\", \"horizon\": {\"start_date\": "
                       "\"2027-07-05\", \"days\": 7},\n"
                       " \"sites\": [{\"id\": \"S\", \"tz\": \"Europe/London\"}],\n"
                       " \"wards\": [{\"id\": \"W\", \"site\": \"S\", \"calling_hours\": []}],\n"
                       " \"residents\": [\n";
    for (int i = 1; i <= n; ++i) {
        text += "  {\"id\": \"R-" + std::to_string(i) + "\", \"ward\": \"" +
                (i == bad_at ? "W-NONE" : "W") + "\"}" + (i < n ? ",\n" : "\n");
    }
    return text + " ],\n \"contacts\": [], \"devices\": [], \"staff\": [], \"requests\": []}\n";
}

/// Refused by `import scenario FILE` (database unchanged) and by `solve FILE`, same message.
void scenario_refused(const Scratch& s, const std::string& file, const std::string& message) {
    check_refused(s, {"import", "scenario", file}, 65, message);
    auto r = s.run({"solve", file}, {}, {}, false);
    INFO("solve " << file);
    check_error(r, 65, message);
}

} // namespace

TEST_SUITE("cli malformed") {

    TEST_CASE("malformed: the corpus holds at least 60 cases") {
        auto count =
            time_cases().size() + corpus("scenario", ".json").size() + k_generated_scenario;
#ifdef CARECALL_HAVE_CSV
        count += corpus("csv", ".csv").size();
#endif
        MESSAGE("malformed inputs: " << count);
        CHECK(count >= 60);
        // Every committed case has its expected message.
        for (const auto& kind :
             {std::pair<std::string, std::string>{"scenario", ".json"}, {"csv", ".csv"}}) {
            for (const auto& f : corpus(kind.first, kind.second)) {
                auto e = f;
                e.replace_extension(".expected");
                CHECK_MESSAGE(fs::exists(e), f.string());
            }
        }
    }

    TEST_CASE("malformed: time phrases are refused by when and by book") {
        Scratch s;
        care_home(s);
        for (const auto& [phrase, reason] : time_cases()) {
            CAPTURE(phrase);
            auto r = s.run(now_args({"when", phrase, "--tz", "Europe/London"}), {}, {}, false);
            check_error(r, 65, "phrase: " + reason);
            if (!phrase.empty()) { // book reads an empty --at as none given (a usage error)
                refused_at(s, book_args("R-ASHA", "C-LUCY", phrase), 65, "--at: " + reason);
            }
        }
    }

    TEST_CASE("malformed: scenario files name file, line, field and reason") {
        Scratch s;
        care_home(s);
        auto files = corpus("scenario", ".json");
        REQUIRE(files.size() >= 30);
        for (const auto& f : files) {
            CAPTURE(f.filename().string());
            auto copy = s.path(f.filename().string());
            fs::copy_file(f, copy, fs::copy_options::overwrite_existing);
            scenario_refused(s, copy, expected(f, copy));
        }
    }

    TEST_CASE(
        "malformed: scenario inputs made here: empty, NUL, invalid UTF-8, UTF-16, 10 MB lines, "
        "one bad record in 10,000") {
        Scratch s;
        care_home(s);
        auto refuse = [&](const std::string& name, const std::string& text,
                          const std::string& rest) {
            CAPTURE(name);
            s.write(name, text);
            scenario_refused(s, s.path(name), s.path(name) + ":" + rest);
        };
        std::size_t made = 0;
        refuse("empty.json", "",
               "1: column 1: not valid JSON: syntax error while parsing value - unexpected end of "
               "input; expected '[', '{', or a literal");
        ++made;
        refuse("nul.json",
               std::string("{\"format\": \"carecall-scenario/1\",\n \"sites\": [\"S\0\"]}", 51),
               "2: column 14: not valid JSON: syntax error while parsing value - invalid string: "
               "control character U+0000 (NUL) must be escaped to \\u0000; last read: "
               "'\"S<U+0000>'");
        ++made;
        refuse("utf8.json", "{\"format\": \"carecall-scenario/1\",\n\n \"sites\": [\"Zo\xEB\"]}",
               "3: column 16: not valid JSON: syntax error while parsing value - invalid string: "
               "ill-formed UTF-8 byte; last read: '\"Zo?\"'");
        ++made;
        refuse("utf16.json", std::string("\xFF\xFE{\0}\0", 6),
               "1: column 1: not valid JSON: syntax error while parsing value - invalid literal; "
               "last read: '?'");
        ++made;
        // A 10 MB line: a name of 10 MB (refused by its length, on its line) …
        std::string big =
            "{\"format\": \"carecall-scenario/1\", \"horizon\": {\"start_date\": "
            "\"2027-07-05\", \"days\": 7},\n \"sites\": [{\"id\": \"S\", \"tz\": "
            "\"Europe/London\"}],\n"
            " \"wards\": [{\"id\": \"W\", \"site\": \"S\", \"calling_hours\": []}],\n"
            " \"residents\": [\n  {\"id\": \"R-1\", \"ward\": \"W\", \"name\": \"" +
            std::string(10 * 1024 * 1024, 'x') +
            "\"}],\n \"contacts\": [], \"devices\": [], \"staff\": [], \"requests\": []}\n";
        refuse("big-name.json", big, "5: residents[0].name: must be at most 1000 characters");
        ++made;
        // … and 10 MB of a string never closed (the message quotes only its start).
        auto r = s.run({"import", "scenario", "-"},
                       "{\"format\": \"" + std::string(10 * 1024 * 1024, 'y'));
        CHECK(r.code == 65);
        CHECK(r.out.empty());
        CHECK(first_line(r.err).size() < 400);
        CHECK(starts_with(r.err,
                          "carecall: error: -:1: column 10485773: not valid JSON: syntax error "
                          "while parsing value - invalid string: missing closing quote; last "
                          "read: '\"yyyy"));
        ++made;
        // One bad record in 10,000: refused on its own line; nothing written.
        refuse("many.json", many_residents(10000, 9876),
               "9880: residents[9875].ward: unknown ward 'W-NONE'");
        ++made;
        CHECK(made == k_generated_scenario);
        // The same file mended loads all 10,000.
        s.write("many.json", many_residents(10000, 0));
        s.ok({"-q", "import", "scenario", s.path("many.json")});
        CHECK(query_int(s.db(), "SELECT count(*) FROM resident WHERE code LIKE 'R-%' AND "
                                "ward_id = (SELECT id FROM ward WHERE code = 'W')") == 10000);
    }

#ifdef CARECALL_HAVE_CSV
    TEST_CASE("malformed: CSV files name file, line and column") {
        Scratch s;
        care_home(s);
        auto files = corpus("csv", ".csv");
        REQUIRE(files.size() >= 20);
        for (const auto& f : files) {
            auto name = f.filename().string();
            CAPTURE(name);
            // NN-<kind>-rest.csv
            auto kind = name.substr(3, name.find('-', 3) - 3);
            auto copy = s.path(name);
            fs::copy_file(f, copy, fs::copy_options::overwrite_existing);
            auto before = s.dump();
            auto bytes = s.snapshot();
            auto r = s.run({"import", kind, copy});
            CHECK(r.code == 65);
            CHECK(r.out.empty());
            auto line = first_line(r.err);
            auto prefix = "carecall: error: " + expected(f, copy);
            CHECK_MESSAGE(starts_with(line, prefix), line);
            CHECK(line.size() > prefix.size());
            CARECALL_CHECK_SAME(before, s.dump());
            CHECK(s.snapshot() == bytes);
        }
        // A 10 MB line.
        s.write("big.csv",
                "code,name,ward\nR-1," + std::string(10 * 1024 * 1024, 'x') + ",W-ROSE\n");
        auto r = s.run({"import", "residents", s.path("big.csv")});
        CHECK(r.code == 65);
        CHECK(r.out.empty());
        CHECK(starts_with(r.err, "carecall: error: " + s.path("big.csv") + ":2: name: "));
        CHECK(first_line(r.err).size() < 400);
    }
#endif

} // TEST_SUITE
