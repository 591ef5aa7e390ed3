// The CSV reader and writer (RFC 4180) and lists inside one cell.

#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "carecall/csv.hpp"
#include "carecall/error.hpp"

using namespace carecall;

namespace {

using Rows = std::vector<std::vector<std::string>>;

void refused(const std::string& text, const std::string& message) {
    INFO("text: " << text);
    CHECK_THROWS_WITH_AS(parse_csv(text, "f.csv"), message.c_str(), InvalidInput);
}

} // namespace

TEST_SUITE("csv") {

    TEST_CASE("csv: reads plain, quoted and multi-line fields with LF or CRLF line ends") {
        SUBCASE("LF") {
            auto t = parse_csv("code,name\nR-1,Asha\nR-2,Ben\n", "f.csv");
            CHECK(t.header == std::vector<std::string>{"code", "name"});
            CHECK(t.rows == Rows{{"R-1", "Asha"}, {"R-2", "Ben"}});
            CHECK(t.lines == std::vector<std::size_t>{2, 3});
        }
        SUBCASE("CRLF, no newline at the end") {
            auto t = parse_csv("code,name\r\nR-1,Asha\r\nR-2,Ben", "f.csv");
            CHECK(t.rows == Rows{{"R-1", "Asha"}, {"R-2", "Ben"}});
        }
        SUBCASE("quotes, commas, doubled quotes and new lines inside quotes") {
            auto t = parse_csv(
                "a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"one\r\ntwo\nthree\"\nnext,,\"\"\n", "f.csv");
            REQUIRE(t.rows.size() == 2);
            CHECK(t.rows[0] == std::vector<std::string>{"x, y", "say \"hi\"", "one\r\ntwo\nthree"});
            CHECK(t.rows[1] == std::vector<std::string>{"next", "", ""});
            // The second record starts on line 5: the first spans lines 2-4.
            CHECK(t.lines == std::vector<std::size_t>{2, 5});
        }
        SUBCASE("a byte order mark is skipped; empty lines are skipped") {
            auto t = parse_csv("\xEF\xBB\xBF"
                               "code\n\nR-1\r\n\r\nR-2\n\n",
                               "f.csv");
            CHECK(t.header == std::vector<std::string>{"code"});
            CHECK(t.rows == Rows{{"R-1"}, {"R-2"}});
            CHECK(t.lines == std::vector<std::size_t>{3, 5});
        }
        SUBCASE("non-ASCII text") {
            auto t = parse_csv("name\nZoë\nSiobhán\nفاطمة\n\"😀, party\"\n", "f.csv");
            CHECK(t.rows == Rows{{"Zoë"}, {"Siobhán"}, {"فاطمة"}, {"😀, party"}});
        }
        SUBCASE("a header alone") {
            auto t = parse_csv("code,name\n", "f.csv");
            CHECK(t.rows.empty());
        }
    }

    TEST_CASE("csv: refuses bad input naming file, line, column and reason") {
        refused("", "f.csv:1: the file is empty (expected a header row)");
        refused("\xEF\xBB\xBF\n\n", "f.csv:1: the file is empty (expected a header row)");
        refused("a,b\n1,2\n3\n", "f.csv:3: b: missing: the row has 1 fields, the header has 2");
        refused("a,b\n1,2,3\n",
                "f.csv:2: column 3: extra field: the row has 3 fields, the header has 2");
        refused("a,b\n1,\"open\n\n",
                "f.csv:2: b: a quoted field is never closed (a quote is missing)");
        refused(
            "a,b\n1,x\"y\n",
            "f.csv:2: b: a quote inside an unquoted field (quote the whole field and double the "
            "quote: \"\")");
        refused(
            "a,b\n1,\"x\"y\n",
            "f.csv:2: b: text after the closing quote (a quote inside a quoted field is written "
            "\"\")");
        refused(std::string("a,b\n1,x\0y\n", 11), "f.csv:2: b: a NUL byte in the field");
        refused("a,b\n\"x\ny\",z\n1,\xC3\x28\n",
                "f.csv:4: b: invalid UTF-8 at byte 1 of the field (save the file as UTF-8)");
        refused("a,b\n1,ab\xE2\x82\n", "f.csv:2: b: invalid UTF-8 at byte 3 of the field (save the "
                                       "file as UTF-8)");
        refused("a,b\n1,\xED\xA0\x80\n",
                "f.csv:2: b: invalid UTF-8 at byte 1 of the field (save the "
                "file as UTF-8)");
        refused("a,b\n1,\xC0\xAF\n", "f.csv:2: b: invalid UTF-8 at byte 1 of the field (save the "
                                     "file as UTF-8)");
        refused("a,b\n1,x\ry\n",
                "f.csv:2: b: a carriage return (CR) outside quotes (quote the field)");
        refused("a,,c\n", "f.csv:1: column 2: the header names no column");
        refused("a,b,a\n", "f.csv:1: a: named twice in the header (columns 1 and 3)");
        refused("\r\n\xEF\xBB\xBF"
                "a,b\n",
                "f.csv:2: column 1: a byte order mark (U+FEFF) in the "
                "header, not at the start of the file");
    }

    TEST_CASE("csv: writer quotes when needed and round-trips through the reader") {
        CHECK(csv_field("plain") == "plain");
        CHECK(csv_field("a,b") == "\"a,b\"");
        CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
        CHECK(csv_field("two\nlines") == "\"two\nlines\"");
        CHECK(csv_field("") == "");
        CHECK(csv_field("=1+2") == "=1+2");
        // A one-column record holding "" is written quoted, not as an empty line (which is
        // skipped).
        CHECK(write_csv({"note"}, {{""}, {"x"}}) == "note\r\n\"\"\r\nx\r\n");
        CHECK(parse_csv(write_csv({"note"}, {{""}, {"x"}}), "f.csv").rows == Rows{{""}, {"x"}});

        std::vector<std::string> header{"code", "name", "note"};
        Rows rows{{"R-1", "O'Brien, Siobhán", "line one\r\nline \"two\""},
                  {"R-2", "Zoë 😀", ""},
                  {"R-3", "فاطمة", "=HYPERLINK(\"x\")"}};
        auto text = write_csv(header, rows);
        CHECK(text.substr(0, 14) == "code,name,note");
        CHECK(text.find("\r\nR-2,Zoë 😀,\r\n") != std::string::npos);
        auto back = parse_csv(text, "f.csv");
        CHECK(back.header == header);
        CHECK(back.rows == rows);
    }

    TEST_CASE("csv: --for-spreadsheet prefixes cells a spreadsheet would run as formulas") {
        for (const char* cell : {"=1+2", "+44 20 7946 0000", "-2", "@SUM(A1)", "\tx", "\rx"}) {
            INFO(cell);
            CHECK(csv_field(cell, true).find(std::string("'") + cell) != std::string::npos);
            CHECK(csv_field(cell, false).find('\'') == std::string::npos);
        }
        CHECK(csv_field("Asha", true) == "Asha");
        CHECK(csv_field("a=b", true) == "a=b");
        CHECK(csv_field("=a,b", true) == "\"'=a,b\"");
        // The reader keeps the ' (documented): such a file is for viewing.
        auto t = parse_csv(write_csv({"name"}, {{"=cmd|' /C calc'!A0"}}, true), "f.csv");
        CHECK(t.rows == Rows{{"'=cmd|' /C calc'!A0"}});
    }

    TEST_CASE("csv: lists in one cell") {
        CHECK(join_cell_list({"bsl", "dementia"}) == "bsl; dementia");
        CHECK(join_cell_list({}) == "");
        CHECK(join_cell_list({"a;b", "c\\d"}) == "a\\;b; c\\\\d");
        CHECK(split_cell_list("a\\;b; c\\\\d") == std::vector<std::string>{"a;b", "c\\d"});
        CHECK(split_cell_list(" bsl ;dementia;; ") == std::vector<std::string>{"bsl", "dementia"});
        CHECK(split_cell_list("").empty());
    }

    TEST_CASE("csv: random text is read or refused, never crashes; random tables round-trip") {
        std::mt19937 rng(20270705);
        const std::vector<std::string> pieces{"a",    "Zoë",  ",",
                                              "\"",   "\n",   "\r",
                                              "\r\n", " ",    std::string(1, '\0'),
                                              "\xC3", "\xA9", "\xEF\xBB\xBF",
                                              "=",    "😀"};
        std::uniform_int_distribution<std::size_t> piece(0, pieces.size() - 1);
        std::uniform_int_distribution<int> length(0, 40);
        for (int round = 0; round < 3000; ++round) {
            std::string text;
            for (int i = length(rng); i > 0; --i) {
                text += pieces[piece(rng)];
            }
            INFO("text: " << text);
            try {
                auto t = parse_csv(text, "r.csv");
                for (const auto& row : t.rows) {
                    CHECK(row.size() == t.header.size());
                }
                // What was read writes back to text that reads the same.
                CHECK(parse_csv(write_csv(t.header, t.rows), "r.csv").rows == t.rows);
            } catch (const InvalidInput& e) {
                CHECK(std::string(e.what()).rfind("r.csv:", 0) == 0);
            }
        }
        // Tables of valid UTF-8 cells: written and read back unchanged.
        const std::vector<std::string> cell_pieces{"a", "Zoë", ",", "\"", "\n", "\r\n",
                                                   " ", "'",   "=", "😀",  "فا"};
        std::uniform_int_distribution<std::size_t> cell_piece(0, cell_pieces.size() - 1);
        for (int round = 0; round < 500; ++round) {
            std::vector<std::string> header{"code", "name", "note"};
            Rows rows(static_cast<std::size_t>(length(rng) % 6));
            for (auto& row : rows) {
                for (int c = 0; c < 3; ++c) {
                    std::string cell;
                    for (int i = length(rng) % 8; i > 0; --i) {
                        cell += cell_pieces[cell_piece(rng)];
                    }
                    row.push_back(cell);
                }
            }
            auto back = parse_csv(write_csv(header, rows), "r.csv");
            CHECK(back.header == header);
            CHECK(back.rows == rows);
        }
    }

} // TEST_SUITE
