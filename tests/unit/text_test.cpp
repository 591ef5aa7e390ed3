// Text rules of the model (validate_text, names) and the writers that must never emit a character
// their format forbids (ICS, CSV).
#include <doctest/doctest.h>

#include <string>

#include "carecall/csv.hpp"
#include "carecall/error.hpp"
#include "carecall/model.hpp"
#include "carecall/rota.hpp"
#include "unit/refusal.hpp"

using namespace carecall;
using carecall::test::refusal;

namespace {

/// True when `text` holds a C0 control but tab, DEL or a C1 control (as UTF-8).
bool holds_control(const std::string& text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if ((c < 0x20U && c != '\t') || c == 0x7FU) {
            return true;
        }
        if (c == 0xC2U && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80U &&
            static_cast<unsigned char>(text[i + 1]) <= 0x9FU) {
            return true;
        }
    }
    return false;
}

} // namespace

TEST_SUITE("text") {

    TEST_CASE("X1: validate_text refuses C0, DEL and C1 controls, naming the code point and "
              "the character, never the character itself") {
        const std::string one = "write it on one line of printable text";
        CHECK(refusal([] { validate_text("Asha \x1b[31mPatel", "name"); }) ==
              "name: holds a control character (U+001B, escape) at character 6: " + one);
        CHECK(refusal([] { validate_text(std::string("Raj\0Patel", 9), "name"); }) ==
              "name: holds a control character (U+0000, NUL) at character 4: " + one);
        CHECK(refusal([] { validate_text("lunch\x7f", "label"); }) ==
              "label: holds a control character (U+007F, delete) at character 6: " + one);
        // C1 is counted in characters: "Zoë" is three, the control the fourth.
        CHECK(refusal([] {
                  validate_text("Zo\xC3\xAB\xC2\x9B"
                                "2J",
                                "name");
              }) == "name: holds a control character (U+009B) at character 4: " + one);
        CHECK(refusal([] { validate_text("a\tb", "room"); }) ==
              "room: holds a control character (U+0009, tab) at character 2: " + one);
        CHECK(refusal([] { validate_text("a\nb", "name"); }) ==
              "name: holds a control character (U+000A, line feed) at character 2: " + one);
        // Multi-line free text takes tabs and line breaks, and nothing else.
        CHECK_NOTHROW(validate_text("line one\n\tline two\n", "reason", TextLines::many));
        CHECK(refusal([] { validate_text("a\r\nb", "reason", TextLines::many); }) ==
              "reason: holds a control character (U+000D, carriage return) at character 2: only "
              "printable text, tabs and line breaks are allowed");
        // Printable text, non-ASCII included, passes: U+00A0 and U+00A9 are not C1 (C2 A0, C2 A9).
        CHECK_NOTHROW(
            validate_text("Zo\xC3\xAB O'Brien \xC2\xA9\xC2\xA0 \xF0\x9F\x8C\xB7", "name"));
        CHECK_NOTHROW(validate_text("", "name"));
        for (const auto& message : {refusal([] { validate_text("\x1b", "x"); }), refusal([] {
                                        validate_text("\xC2\x85", "x", TextLines::many);
                                    })}) {
            CHECK_FALSE(holds_control(message));
        }
    }

    TEST_CASE("X1: every text field of every record is checked by validate()") {
        Resident r;
        r.code = "R-1";
        r.name = "Asha";
        CHECK_NOTHROW(validate(r));
        auto bad = "x\x1b";
        auto field_of = [](const std::string& message) {
            return message.substr(0, message.find(':'));
        };
        auto resident_field = [&](auto change) {
            Resident copy = r;
            change(copy);
            return field_of(refusal([&] { validate(copy); }));
        };
        CHECK(resident_field([&](Resident& x) { x.name = bad; }) == "name");
        CHECK(resident_field([&](Resident& x) { x.room = bad; }) == "room");
        CHECK(resident_field([&](Resident& x) { x.consent.by = bad; }) == "consent.by");
        CHECK(resident_field([&](Resident& x) {
                  x.competences = {"bsl", bad};
              }) == "competences[1]");
        CHECK(resident_field([&](Resident& x) {
                  x.care_blocks = {WeeklyWindow{0x7F, 600, 660, "lunch"},
                                   WeeklyWindow{0x7F, 700, 760, bad}};
              }) == "care_blocks[1].label");
        CHECK(resident_field([&](Resident& x) {
                  x.one_off_blocks = {Period{Instant{std::chrono::seconds{0}},
                                             Instant{std::chrono::seconds{60}}, bad}};
              }) == "one_off_blocks[0].label");

        Ward w;
        w.code = "W-1";
        w.name = "Rose";
        w.closures = {DateRange{date::year{2027} / 7 / 1, date::year{2027} / 7 / 2, bad}};
        CHECK(field_of(refusal([&] { validate(w); })) == "closures[0].reason");

        Contact c;
        c.code = "C-1";
        c.name = "Raj";
        c.tz = "Europe/London";
        c.reach = "phone first\n\tthen email";
        CHECK_NOTHROW(validate(c));
        c.relationship = "son\n";
        CHECK(field_of(refusal([&] { validate(c); })) == "relationship");
        c.relationship = "son";
        c.reach = bad;
        CHECK(field_of(refusal([&] { validate(c); })) == "reach");

        Approval a{ResidentId(1), ContactId(1), true, false, "supervised\nonly"};
        CHECK_NOTHROW(validate(a));
        a.restrictions = bad;
        CHECK(field_of(refusal([&] { validate(a); })) == "restrictions");

        Device d;
        d.code = "D-1";
        d.name = "Portal";
        d.kind = bad;
        CHECK(field_of(refusal([&] { validate(d); })) == "kind");
        d.kind = "portal";
        d.capabilities = {bad};
        CHECK(field_of(refusal([&] { validate(d); })) == "capabilities[0]");

        Staff st;
        st.code = "E-1";
        st.name = "Sam";
        st.weekly_shifts = {WeeklyWindow{0x1F, 480, 960, bad}};
        CHECK(field_of(refusal([&] { validate(st); })) == "weekly_shifts[0].label");

        Booking b;
        b.resident = ResidentId(1);
        b.contacts = {ContactId(1)};
        b.device = DeviceId(1);
        b.start = Instant{std::chrono::seconds{0}};
        b.end = Instant{std::chrono::seconds{1800}};
        b.reason = "first line\nsecond\tline";
        CHECK_NOTHROW(validate(b));
        b.reason = bad;
        CHECK(field_of(refusal([&] { validate(b); })) == "reason");
        b.reason.clear();
        b.series = "S-1\n";
        CHECK(field_of(refusal([&] { validate(b); })) == "series");

        CHECK(refusal([] { validate_code("R-\x1b[2J"); }) ==
              "code: holds a control character (U+001B, escape) at character 3: write it on one "
              "line of printable text");
    }

    TEST_CASE("X2: every record with a name needs one that is not empty nor only spaces") {
        Site s{SiteId{}, "S", "", SiteKind::care_home, "Europe/London"};
        CHECK(refusal([&] { validate(s); }) == "name: is required");
        s.name = "   ";
        CHECK(refusal([&] { validate(s); }) == "name: is required");
        s.name = "Sunnyside";
        CHECK_NOTHROW(validate(s));
        Ward w;
        w.code = "W";
        CHECK(refusal([&] { validate(w); }) == "name: is required");
        Resident r;
        r.code = "R";
        r.name = " \t ";
        CHECK(refusal([&] { validate(r); }) == "name: is required");
        Contact c;
        c.code = "C";
        c.tz = "Europe/London";
        CHECK(refusal([&] { validate(c); }) == "name: is required");
        Device d;
        d.code = "D";
        CHECK(refusal([&] { validate(d); }) == "name: is required");
        Staff st;
        st.code = "E";
        CHECK(refusal([&] { validate(st); }) == "name: is required");
    }

    TEST_CASE("X3: visible_text writes every control character as its \\u escape") {
        CHECK(visible_text("Asha \x1b[31mPatel") == "Asha \\u001b[31mPatel");
        CHECK(visible_text(std::string("a\0b\tc\nd\x7f", 8)) == "a\\u0000b\\u0009c\\u000ad\\u007f");
        CHECK(visible_text("x\xC2\x9B"
                           "2J \xC2\xA9") == "x\\u009b2J \xC2\xA9");
        CHECK(visible_text("Zo\xC3\xAB \xF0\x9F\x8C\xB7") == "Zo\xC3\xAB \xF0\x9F\x8C\xB7");
        CHECK(visible_text("") == "");
    }

    TEST_CASE("X4: ics_escape leaves no control character but tab (RFC 5545 TEXT)") {
        std::string text = std::string("a\x1b[2Jb\0c", 8) + "\x7f" + "d\xC2\x85" + "e\xC2\x9B" +
                           "f\tg\nh\r\ni\x01";
        auto out = ics_escape(text);
        CHECK_FALSE(holds_control(out));
        CHECK(out == "a [2Jb c d e f\tg\\nh\\ni ");
        // Non-ASCII text stays as it is.
        CHECK(ics_escape("Zo\xC3\xAB \xC2\xA9") == "Zo\xC3\xAB \xC2\xA9");
    }

    TEST_CASE("X5: what write_csv writes, parse_csv reads back the same") {
        std::vector<std::string> header{"code", "name", "reach", "note"};
        std::vector<std::vector<std::string>> rows{
            {"C-1", "O'Brien, Siobh\xC3\xA1n", "call first\nthen email", "say \"hello\""},
            {"C-2", "", "\ttab first", "line\r\nbreak, CRLF"},
            {"C-3", "=1+2", "-minus", "@at"},
            {"C-4", "\"", ",", "\n"},
        };
        auto text = write_csv(header, rows, false);
        auto table = parse_csv(text, "round.csv");
        CHECK(table.header == header);
        CHECK(table.rows == rows);
        // A record of one empty field survives too.
        auto single = parse_csv(write_csv({"code"}, {{""}, {"X"}}, false), "one.csv");
        REQUIRE(single.rows.size() == 2);
        CHECK(single.rows[0] == std::vector<std::string>{""});
    }

} // TEST_SUITE
