// The layers of ARCHITECTURE.md hold: every `#include "..."` of lib/, cli/ and include/carecall/
// follows an arrow of the table "What may depend on what", read from ARCHITECTURE.md itself (so
// the picture there cannot drift from the code). An arrow may be followed through other layers:
// cli → booking → rules lets cli include rules.hpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path k_root{CARECALL_SOURCE_DIR};

/// Layer name → the layers it may use directly (the table's rows).
using Arrows = std::map<std::string, std::set<std::string>>;

/// The one layer every other may use: carecall/error.hpp (the error types and exit codes).
constexpr const char* k_base = "error";

/// Arrows that break the table today and are being removed elsewhere. Each is one pair, named.
/// Arrows the code has and the table does not allow yet, each with the change that removes it.
/// Empty: every include follows the table.
const std::set<std::pair<std::string, std::string>> k_known_exceptions{};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    REQUIRE_MESSAGE(in, "cannot read " << p.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string trim(std::string s) {
    auto b = s.find_first_not_of(" \t");
    auto e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

/// The code block under "## What may depend on what": `layer → a, b (note), c and d   (comment)`
/// or a bare `layer   (comment)`. Words in parentheses are notes. Throws on a row it cannot read.
Arrows parse_architecture(const std::string& doc) {
    auto at = doc.find("## What may depend on what");
    REQUIRE_MESSAGE(at != std::string::npos, "ARCHITECTURE.md has no \"What may depend on what\"");
    auto open = doc.find("```", at);
    REQUIRE(open != std::string::npos);
    open = doc.find('\n', open) + 1;
    auto close = doc.find("```", open);
    REQUIRE(close != std::string::npos);
    std::istringstream block(doc.substr(open, close - open));
    Arrows rows;
    std::vector<std::pair<std::string, std::string>> uses; // layer, raw list
    for (std::string line; std::getline(block, line);) {
        // Notes in parentheses go first (they may hold commas and "and").
        std::string plain;
        int depth = 0;
        for (char c : line) {
            depth += c == '(' ? 1 : 0;
            if (depth == 0) {
                plain += c;
            }
            depth -= c == ')' && depth > 0 ? 1 : 0;
        }
        plain = trim(plain);
        if (plain.empty()) {
            continue;
        }
        const std::string arrow = "→";
        auto a = plain.find(arrow);
        auto layer = trim(plain.substr(0, a));
        REQUIRE_MESSAGE(layer.find(' ') == std::string::npos,
                        "ARCHITECTURE.md: cannot read the row \"" << line << "\"");
        rows[layer];
        if (a != std::string::npos) {
            uses.emplace_back(layer, plain.substr(a + arrow.size()));
        }
    }
    for (auto& [layer, list] : uses) {
        std::string items = std::regex_replace(list, std::regex(" and "), ",");
        std::istringstream in(items);
        for (std::string item; std::getline(in, item, ',');) {
            item = trim(item);
            REQUIRE_MESSAGE(rows.count(item) == 1,
                            "ARCHITECTURE.md: " << layer << " → \"" << item
                                                << "\" is not a layer of the table");
            rows[layer].insert(item);
        }
    }
    return rows;
}

/// Everything a layer may use: its arrows followed to the bottom.
Arrows closure(const Arrows& direct) {
    Arrows all;
    for (const auto& [layer, _] : direct) {
        std::vector<std::string> todo{layer};
        auto& seen = all[layer];
        while (!todo.empty()) {
            auto l = todo.back();
            todo.pop_back();
            for (const auto& next : direct.at(l)) {
                if (seen.insert(next).second) {
                    todo.push_back(next);
                }
            }
        }
    }
    return all;
}

/// The layer of a file of the tree (a path relative to the source folder, with '/'), or nullopt.
std::optional<std::string> layer_of_file(const std::string& file) {
    if (file.rfind("cli/", 0) == 0) {
        return "cli";
    }
    if (file.rfind("lib/", 0) == 0) {
        auto slash = file.find('/', 4);
        if (slash == std::string::npos) {
            return std::nullopt;
        }
        return file.substr(4, slash - 4);
    }
    if (file.rfind("include/carecall/", 0) == 0) {
        auto name = file.substr(17);
        if (name.size() < 5 || name.substr(name.size() - 4) != ".hpp") {
            return std::nullopt;
        }
        name.resize(name.size() - 4);
        // The headers whose name is not the layer that defines them.
        static const std::map<std::string, std::string> k_header{
            {"error", k_base}, {"ids", "model"}, {"spreadsheet", "exchange"}};
        auto it = k_header.find(name);
        return it == k_header.end() ? name : it->second;
    }
    return std::nullopt;
}

/// The file an `#include "target"` of `file` names: include/carecall/ for "carecall/…", lib/ for
/// "area/…", otherwise next to the including file (cli/ for the command's own headers).
std::string resolve(const std::string& file, const std::string& target) {
    if (target.rfind("carecall/", 0) == 0) {
        return "include/" + target;
    }
    auto dir = fs::path(file).parent_path();
    for (const auto& base : {dir, fs::path("cli"), fs::path("lib")}) {
        if (fs::exists(k_root / base / target)) {
            return (base / target).generic_string();
        }
    }
    return (dir / target).generic_string();
}

struct Include {
    int line = 0;
    std::string target; ///< as written between the quotes
};

std::vector<Include> includes_of(const std::string& text) {
    static const std::regex k_include(R"(^\s*#\s*include\s*"([^"]+)\")");
    std::vector<Include> out;
    std::istringstream in(text);
    int n = 0;
    for (std::string line; std::getline(in, line);) {
        ++n;
        std::smatch m;
        if (std::regex_search(line, m, k_include)) {
            out.push_back({n, m[1].str()});
        }
    }
    return out;
}

/// The arrows `file` breaks, one message each ("lib/rules/x.cpp:3: rules may not depend on
/// store (#include "carecall/store.hpp")"). `allowed` is the closure of the table.
std::vector<std::string> check_includes(const Arrows& allowed, const std::string& file,
                                        const std::vector<Include>& includes) {
    std::vector<std::string> problems;
    auto from = layer_of_file(file);
    if (!from || (*from != k_base && allowed.count(*from) == 0)) {
        problems.push_back(file + ": not in any layer of ARCHITECTURE.md");
        return problems;
    }
    for (const auto& inc : includes) {
        auto where = file + ":" + std::to_string(inc.line) + ": ";
        auto to = layer_of_file(resolve(file, inc.target));
        if (!to) {
            problems.push_back(where + "#include \"" + inc.target + "\" is in no layer");
            continue;
        }
        if (*to == *from || *to == k_base || k_known_exceptions.count({*from, *to}) == 1) {
            continue;
        }
        if (allowed.count(*to) == 0) {
            problems.push_back(where + "#include \"" + inc.target + "\": " + *to +
                               " is not a layer of ARCHITECTURE.md");
        } else if (*from == k_base || allowed.at(*from).count(*to) == 0) {
            problems.push_back(where + *from + " may not depend on " + *to + " (#include \"" +
                               inc.target + "\")");
        }
    }
    return problems;
}

Arrows architecture() {
    return closure(parse_architecture(slurp(k_root / "ARCHITECTURE.md")));
}

std::string joined(const std::vector<std::string>& lines) {
    std::string s;
    for (const auto& l : lines) {
        s += l + "\n";
    }
    return s;
}

} // namespace

TEST_CASE("layers: the table of ARCHITECTURE.md reads as the arrows it draws") {
    auto direct = parse_architecture(slurp(k_root / "ARCHITECTURE.md"));
    CHECK(direct.at("time").empty());
    CHECK(direct.at("csv").empty());
    CHECK(direct.at("rules") == std::set<std::string>{"model", "time"});
    CHECK(direct.at("booking") == std::set<std::string>{"rules", "store"});
    CHECK(direct.at("rota").count("exchange") == 1); // "exchange and schedule (types only)"
    CHECK(direct.at("rota").count("schedule") == 1);
    auto all = closure(direct);
    CHECK(all.at("cli").count("rules") == 1); // through booking
    CHECK(all.at("rules").count("store") == 0);
    // Every folder of lib/ is a layer of the table.
    for (const auto& e : fs::directory_iterator(k_root / "lib")) {
        if (e.is_directory()) {
            CHECK_MESSAGE(direct.count(e.path().filename().string()) == 1,
                          "lib/" << e.path().filename().string() << " is not in ARCHITECTURE.md");
        }
    }
}

TEST_CASE("layers: every include of lib/, cli/ and include/carecall/ follows an arrow") {
    auto allowed = architecture();
    std::vector<std::string> problems;
    int files = 0;
    for (auto top : {"lib", "cli", "include/carecall"}) {
        for (const auto& e : fs::recursive_directory_iterator(k_root / top)) {
            auto ext = e.path().extension().string();
            if (!e.is_regular_file() || (ext != ".cpp" && ext != ".hpp")) {
                continue;
            }
            ++files;
            auto rel = fs::relative(e.path(), k_root).generic_string();
            auto p = check_includes(allowed, rel, includes_of(slurp(e.path())));
            problems.insert(problems.end(), p.begin(), p.end());
        }
    }
    CHECK(files > 40);
    CHECK_MESSAGE(problems.empty(), "includes against ARCHITECTURE.md:\n" << joined(problems));
}

TEST_CASE("layers: a wrong include is reported with its file, line and the missing arrow") {
    auto allowed = architecture();
    auto text =
        "#include <vector>\n\n#include \"carecall/rules.hpp\"\n#include \"carecall/store.hpp\"\n";
    auto problems = check_includes(allowed, "lib/rules/fake.cpp", includes_of(text));
    REQUIRE(problems.size() == 1);
    CHECK(problems[0] ==
          "lib/rules/fake.cpp:4: rules may not depend on store (#include \"carecall/store.hpp\")");

    // A header is in the layer that defines it; error.hpp is the base everyone may use.
    CHECK(check_includes(allowed, "include/carecall/model.hpp",
                         {{1, "carecall/error.hpp"}, {2, "carecall/ids.hpp"}})
              .empty());
    CHECK(check_includes(allowed, "include/carecall/time.hpp", {{7, "carecall/model.hpp"}}) ==
          std::vector<std::string>{"include/carecall/time.hpp:7: time may not depend on model "
                                   "(#include \"carecall/model.hpp\")"});
    // spreadsheet.hpp is exchange's: csv, below exchange, may not use it.
    CHECK(check_includes(allowed, "lib/csv/csv.cpp", {{3, "carecall/spreadsheet.hpp"}}).size() ==
          1);
    // The rota library does not plan.
    CHECK(check_includes(allowed, "lib/rota/load.cpp", {{11, "carecall/planning.hpp"}}) ==
          std::vector<std::string>{"lib/rota/load.cpp:11: rota may not depend on planning "
                                   "(#include \"carecall/planning.hpp\")"});
    // A file outside the layers, or an include that names none, is reported too.
    CHECK(check_includes(allowed, "lib/nowhere.cpp", {}).size() == 1);
    CHECK(check_includes(allowed, "lib/rules/fake.cpp", {{2, "carecall/unknown.hpp"}}).size() == 1);
}
