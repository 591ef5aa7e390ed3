// Text through the real binary: control characters refused at input on every path (options, CSV,
// scenario JSON), names required, and text stored before these rules (or in an old database)
// never reaching a terminal, an ICS file or a CSV file in a form the reader cannot take back.
#include <doctest/doctest.h>

#include "cli/booking_fixture.hpp"

using namespace carecall::test;

namespace {

const std::string k_one_line = "write it on one line of printable text";

/// True when `text` holds a control character carecall must never write to a terminal: C0 but
/// tab, new line and carriage return, DEL, or C1 (C2 80-9F in UTF-8).
bool raw_control(const std::string& text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if ((c < 0x20U && c != '\t' && c != '\n' && c != '\r') || c == 0x7FU) {
            return true;
        }
        if (c == 0xC2U && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80U &&
            static_cast<unsigned char>(text[i + 1]) <= 0x9FU) {
            return true;
        }
    }
    return false;
}

/// The message of a value refused for a control character.
std::string control_message(const std::string& field, const std::string& character, int at,
                            bool many) {
    return field + ": holds a control character (" + character + ") at character " +
           std::to_string(at) + ": " +
           (many ? "only printable text, tabs and line breaks are allowed" : k_one_line);
}

/// A refused command: exit 65, the message, and neither stdout nor stderr holding a raw control.
void refused_text(const Scratch& s, const Args& args, const std::string& message) {
    auto r = check_refused(s, now_args(args), 65, message);
    CHECK_FALSE(raw_control(r.err));
}

/// The care home with a resident whose stored texts hold control characters, written straight
/// into the database as a database made before these rules may hold them.
void old_hostile_data(const Scratch& s) {
    care_home(s);
    ok_at(s, {"-q", "book", "--resident", "R-IVY", "--contact", "C-TOM", "--at", "2027-07-05 10:00",
              "--reason", "visit"});
    exec_sql(s.db(), "UPDATE resident SET name = 'Ivy ' || char(27) || '[31mRED' || char(127) || "
                     "char(155) || ' Clarke' WHERE code = 'R-IVY'");
    exec_sql(s.db(), "UPDATE booking SET reason = 'bell' || char(7) || ' and' || char(10) || "
                     "'line' || char(13) || 'cr' || char(0) || 'nul' WHERE code = 'B-1'");
    exec_sql(s.db(), "UPDATE contact SET name = 'Tom' || char(8) || char(8) || 'Tim' WHERE code = "
                     "'C-TOM'");
}

} // namespace

TEST_SUITE("cli text") {

    TEST_CASE("X1: control characters in names and text are refused on the command line, "
              "naming the field and the code point, never echoing the character") {
        Scratch s;
        care_home(s);
        struct Case {
            Args args;
            std::string field;     // the field the error names
            std::string character; // "U+001B, escape"
            int at;                // its place, in characters
            bool many;             // a multi-line field
        };
        const std::vector<Case> cases{
            {{"resident", "add", "R-NEW", "--ward", "W-ROSE", "--name", "Asha \x1b[2J"},
             "name",
             "U+001B, escape",
             6,
             false},
            {{"resident", "edit", "R-ASHA", "--name", "Asha\nPatel"},
             "name",
             "U+000A, line feed",
             5,
             false},
            {{"resident", "edit", "R-ASHA", "--room", "12\x7f"},
             "room",
             "U+007F, delete",
             3,
             false},
            {{"resident", "edit", "R-ASHA", "--care-block", "daily 12:00-13:00 lu\tnch"},
             "--care-block.label",
             "U+0009, tab",
             3,
             false},
            {{"resident", "consent", "R-GUS", "--status", "given", "--by",
              "Dr \xC2\x9B"
              "Ahmed",
              "--on", "2027-06-01"},
             "consent.by",
             "U+009B",
             4,
             false},
            {{"site", "add", "S-2", "--tz", "Europe/London", "--name", "North\x01"},
             "name",
             "U+0001",
             6,
             false},
            {{"ward", "edit", "W-ROSE", "--name", "Rose\x1b"}, "name", "U+001B, escape", 5, false},
            {{"contact", "edit", "C-TOM", "--relationship", "son\r"},
             "relationship",
             "U+000D, carriage return",
             4,
             false},
            {{"contact", "edit", "C-TOM", "--reach", "phone\x1b]0;x\x07"},
             "reach",
             "U+001B, escape",
             6,
             true},
            {{"contact", "approve", "C-TOM", "--resident", "R-BEN", "--restrictions",
              "supervised\x7f"},
             "restrictions",
             "U+007F, delete",
             11,
             true},
            {{"device", "edit", "PORTAL-1", "--name", "Portal\x1b"},
             "name",
             "U+001B, escape",
             7,
             false},
            {{"staff", "edit", "E-SAM", "--name", "Sam\x1b"}, "name", "U+001B, escape", 4, false},
            // A booking's reason and note are free text over several lines, no other control.
            {book_args("R-ASHA", "C-LUCY", "2027-07-05 10:00", {"--reason", "a\x1b"}), "reason",
             "U+001B, escape", 2, true},
        };
        for (const auto& c : cases) {
            refused_text(s, c.args, control_message(c.field, c.character, c.at, c.many));
        }
        ok_at(s, {"-q", "book", "--resident", "R-ASHA", "--contact", "C-LUCY", "--at",
                  "2027-07-05 10:00", "--reason", "first line\n\tsecond line"}); // B-1
        refused_text(s, {"cancel", "B-1", "--reason", "gone\x1b[2K"},
                     control_message("reason", "U+001B, escape", 5, true));
        refused_text(s, {"move", "B-1", "--to", "2027-07-05 11:00", "--reason", "x\x02"},
                     control_message("reason", "U+0002", 2, true));
        ok_at(s, {"-q", "done", "B-1", "--note", "went well\nasked for Sunday"},
              "2027-07-05T10:00:00Z");
        auto j = parse_json(ok_at(s, {"--json", "agenda", "--date", "2027-07-05", "--all"}));
        CHECK(j["calls"][0]["reason"] == "went well\nasked for Sunday");
        s.ok({"-q", "contact", "edit", "C-TOM", "--reach", "phone\tfirst\nthen email"});
        CHECK(s.show("contact", "C-TOM")["reach"] == "phone\tfirst\nthen email");
        // The name the audit trail records for the person making a change (--as) is one line.
        refused_text(s, {"--as", "Amy\x1b[2J", "cancel", "B-1", "--reason", "gone"},
                     control_message("--as", "U+001B, escape", 4, false));
    }

    TEST_CASE("X1: control characters in CSV and scenario files are refused with FILE:LINE: "
              "field") {
        Scratch s;
        care_home(s);
        s.write("r.csv", "code,name,ward,care_blocks\n"
                         "R-1,Ann Lee,W-ROSE,\n"
                         "R-2,Bo,W-ROSE,daily 12:00-13:00 lunch\x7f\n");
        refused_text(s, {"import", "residents", s.path("r.csv")},
                     s.path("r.csv") +
                         ":3: care_blocks: holds a control character (U+007F, delete) at "
                         "character 6: " +
                         k_one_line);
        s.write("c.csv", "code,name,tz,reach\n"
                         "C-1,Raj,Europe/London,\"phone,\n\tthen email\"\n"
                         "C-2,\"Mia\nLee\",Europe/London,\n");
        refused_text(s, {"import", "contacts", s.path("c.csv")},
                     s.path("c.csv") +
                         ":4: name: holds a control character (U+000A, line feed) at character "
                         "4: " +
                         k_one_line);
        std::string scenario = k_care_home;
        auto at = scenario.find("\"label\": \"lunch\"");
        REQUIRE(at != std::string::npos);
        scenario.replace(at, 16, "\"label\": \"lunch\\u001b[5m\"");
        s.write("home.json", scenario);
        // The label is on line 16 of k_care_home.
        refused_text(s, {"import", "scenario", s.path("home.json")},
                     s.path("home.json") +
                         ":16: residents[0].care_blocks[0].label: holds a control character "
                         "(U+001B, escape) at character 6: " +
                         k_one_line);
    }

    TEST_CASE("X2: a record's name is required: no --name is a usage error, an empty or blank "
              "one is refused") {
        Scratch s;
        care_home(s);
        // Each kind: its add command without --name, and a record of the care home to edit.
        const std::vector<std::pair<Args, std::string>> adds{
            {{"site", "add", "S-2", "--tz", "Europe/London"}, "SUNNY"},
            {{"ward", "add", "W-2", "--site", "SUNNY"}, "W-ROSE"},
            {{"resident", "add", "R-2", "--ward", "W-ROSE"}, "R-ASHA"},
            {{"contact", "add", "C-2", "--tz", "Europe/London"}, "C-TOM"},
            {{"device", "add", "D-2", "--site", "SUNNY", "--ward", "W-ROSE"}, "PORTAL-1"},
            {{"staff", "add", "E-2", "--ward", "W-ROSE"}, "E-SAM"},
        };
        for (const auto& [add, existing] : adds) {
            CAPTURE(add[0]);
            check_refused(s, add, 2, "--name is required (see carecall --help)");
            // An empty option value is a usage error like any other (N5); a blank one is read
            // and refused by the record's rules.
            auto empty = add;
            empty.insert(empty.end(), {"--name", ""});
            check_refused(s, empty, 2, "--name: is empty (see carecall --help)");
            check_refused(s, {add[0], "edit", existing, "--name", ""}, 2,
                          "--name: is empty (see carecall --help)");
            auto blank = add;
            blank.insert(blank.end(), {"--name", "   "});
            check_refused(s, blank, 65, "name: is required");
            check_refused(s, {add[0], "edit", existing, "--name", "   "}, 65, "name: is required");
        }
    }

    TEST_CASE("X3: text stored before the rules is shown with its control characters escaped") {
        Scratch s;
        old_hostile_data(s);
        const std::string ivy = "Ivy \\u001b[31mRED\\u007f\\u009b Clarke";
        auto list = ok_at(s, {"resident", "list"});
        CHECK_FALSE(raw_control(list));
        CHECK(contains(list, ivy));
        auto show = ok_at(s, {"resident", "show", "R-IVY"});
        CHECK_FALSE(raw_control(show));
        CHECK(contains(show, "name:"));
        CHECK(contains(show, ivy));
        for (const Args& args :
             {Args{"agenda", "--date", "2027-07-05"}, Args{"rota", "--date", "2027-07-05"},
              Args{"--format", "html", "rota", "--date", "2027-07-05"},
              Args{"--format", "csv", "rota", "--date", "2027-07-05"}, Args{"contact", "list"},
              Args{"contact", "show", "C-TOM"}, Args{"export", "residents"},
              Args{"audit", "list"}}) {
            CAPTURE(Scratch::describe(args));
            auto r = run_at(s, args);
            CHECK_FALSE(raw_control(r.out));
            CHECK_FALSE(raw_control(r.err));
        }
        auto agenda = ok_at(s, {"agenda", "--date", "2027-07-05"});
        CHECK(contains(agenda, "Tom\\u0008\\u0008Tim"));
        // JSON keeps the value: it parses back to the stored bytes.
        auto j = parse_json(ok_at(s, {"--json", "agenda", "--date", "2027-07-05"}));
        CHECK(j["calls"][0]["resident_name"] == "Ivy \x1b[31mRED\x7f\xC2\x9B Clarke");
        CHECK(j["calls"][0]["reason"] == std::string("bell\x07 and\nline\rcr\0nul", 21));
        // An error quoting a value typed with control characters shows them escaped.
        auto r = s.run({"resident", "show", "R-\x1b[2J"});
        CHECK(r.code == 4);
        CHECK_FALSE(raw_control(r.err));
        CHECK(contains(r.err, "R-\\u001b[2J"));
        auto rj = s.run({"--json", "resident", "show", "R-\x1b[2J\xC2\x9B"});
        CHECK_FALSE(raw_control(rj.err));
        CHECK(error_json(rj.err)["message"].get<std::string>().find("R-\x1b[2J\xC2\x9B") !=
              std::string::npos);
    }

    TEST_CASE("X4: an ICS calendar holds no control character but tab, whatever the data") {
        Scratch s;
        old_hostile_data(s);
        for (bool to_file : {false, true}) {
            std::string ics;
            if (to_file) {
                ok_at(s, {"-q", "--format", "ics", "rota", "--date", "2027-07-05", "-o",
                          s.path("week.ics")});
                ics = s.read("week.ics");
            } else {
                ics = ok_at(s, {"--format", "ics", "rota", "--date", "2027-07-05"});
            }
            CAPTURE(to_file);
            REQUIRE(contains(ics, "BEGIN:VEVENT"));
            // Lines end in CRLF; no other control character (but tab) is left.
            std::string lines;
            for (std::size_t i = 0; i < ics.size(); ++i) {
                if (ics[i] == '\r' && i + 1 < ics.size() && ics[i + 1] == '\n') {
                    ++i;
                    continue;
                }
                lines += ics[i];
            }
            CHECK_FALSE(raw_control(lines));
            CHECK(lines.find('\r') == std::string::npos);
            CHECK(contains(ics, "Ivy  [31mRED   Clarke"));
        }
    }

    TEST_CASE("X5: a CSV file carecall writes reads back with carecall's own reader") {
        Scratch s;
        care_home(s);
        s.ok({"-q", "contact", "edit", "C-TOM", "--reach",
              "phone, then \"email\"\n\tnever after 9pm", "--name", "O'Brien, Tom"});
        s.ok({"-q", "resident", "edit", "R-ASHA", "--room", "12, \"east\" wing"});
        for (const std::string kind : {"residents", "contacts", "staff"}) {
            CAPTURE(kind);
            auto file = kind + ".csv";
            s.ok({"-q", "export", kind, "-o", s.path(file)});
            Scratch other;
            care_home(other);
            other.ok({"-q", "import", kind, s.path(file)});
            other.ok({"-q", "export", kind, "-o", other.path(file)});
            CHECK(other.read(file) == s.read(file));
        }
        CHECK(contains(s.read("contacts.csv"), "\"phone, then \"\"email\"\"\n\tnever after 9pm\""));
    }

} // TEST_SUITE
