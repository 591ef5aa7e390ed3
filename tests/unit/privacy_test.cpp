#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "carecall/exchange.hpp"
#include "carecall/privacy.hpp"
#include "carecall/store.hpp"

using namespace carecall;
using nlohmann::json;

namespace {

// Distinctive names, so that a search of the raw files finds nothing else.
constexpr const char* k_resident_name = "Zebedee Quillfeather";
constexpr const char* k_contact_name = "Ottoline Vanderpump";

constexpr const char* k_home = R"({
 "format": "carecall-scenario/1",
 "horizon": {"start_date": "2027-07-01", "days": 7},
 "sites": [{"id": "S1", "tz": "Europe/London"}],
 "wards": [{"id": "W1", "site": "S1", "name": "Rose",
   "calling_hours": [{"weekdays": [0,1,2,3,4,5,6], "start": "09:00", "end": "20:00"}]}],
 "residents": [
  {"id": "R1", "ward": "W1", "name": "Zebedee Quillfeather", "room": "Quillfeather suite",
   "care_blocks": [{"weekdays": [0], "start": "12:00", "end": "13:00",
                    "label": "Quillfeather lunch"}]},
  {"id": "R2", "ward": "W1", "name": "Bill Evans"}],
 "contacts": [
  {"id": "C1", "name": "Ottoline Vanderpump", "relationship": "Vanderpump niece",
   "reach": "ottoline@vanderpump.example", "tz": "Europe/London",
   "availability": [{"weekdays": [0,1,2,3,4,5,6], "start": "09:00", "end": "21:00"}]},
  {"id": "C2", "name": "Raj Patel", "tz": "Australia/Sydney",
   "availability": [{"weekdays": [0,1,2,3,4,5,6], "start": "18:00", "end": "22:00"}]}],
 "devices": [{"id": "D1", "site": "S1", "name": "Portal 1", "wards": ["W1"],
              "cleaning_minutes": 0, "move_minutes": 0}],
 "staff": [{"id": "E1", "ward": "W1", "name": "Amy Jones"}],
 "requests": [
  {"id": "Q1", "resident": "R1", "contact": "C1", "calls": 2, "duration_minutes": 30, "priority": 1},
  {"id": "Q2", "resident": "R2", "contact": "C2", "calls": 1, "duration_minutes": 30, "priority": 1}]
})";

Instant utc(const char* text) {
    return Instant{parse_local_datetime(text, "t").time_since_epoch()};
}

std::string bytes_of(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Dir {
    std::filesystem::path path;
    Dir() {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / "carecall-privacy-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~Dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    Dir(const Dir&) = delete;
    Dir& operator=(const Dir&) = delete;
};

struct Home {
    std::unique_ptr<Store> store;
    explicit Home(const std::string& url = "sqlite::memory:") : store(open_store(url)) {
        import_scenario(*store, parse_scenario(k_home));
    }
    ResidentId resident(const char* code) { return store->residents().get(code, "resident").id; }
    ContactId contact(const char* code) { return store->contacts().get(code, "contact").id; }

    BookingId book(const char* r, const char* c, const char* start, const char* end,
                   const std::string& reason = {}) {
        Booking b;
        b.resident = resident(r);
        b.contacts = {contact(c)};
        b.device = store->devices().get("D1", "device").id;
        b.start = utc(start);
        b.end = utc(end);
        b.reason = reason;
        return store->bookings().add(b);
    }
    /// Every byte of the database file, its log and its shared-memory index.
    [[nodiscard]] std::string files(const std::filesystem::path& db) const {
        return bytes_of(db) + bytes_of(db.string() + "-wal") + bytes_of(db.string() + "-shm");
    }
};

std::string all_audit_text(Store& store) {
    std::string out;
    for (const auto& e : store.audit_events(1000000)) {
        out += e.action + "|" + e.kind + "|" + e.record_code + "|" + e.details + "|" + e.as + "\n";
    }
    return out;
}

} // namespace

TEST_SUITE("privacy") {

    TEST_CASE(
        "privacy: a resident's subject access export holds everything about them, others by code") {
        Home h;
        h.book("R1", "C1", "2027-07-01T10:00", "2027-07-01T10:30", "birthday call");
        h.book("R1", "C1", "2027-07-02T10:00", "2027-07-02T10:30");
        h.book("R2", "C2", "2027-07-01T11:00", "2027-07-01T11:30", "Bill Evans's call");
        h.store->approvals().put(
            Approval{h.resident("R1"), h.contact("C1"), true, true, "no video"});

        auto text =
            subject_access_json(*h.store, PersonKind::resident, "R1", utc("2027-07-01T08:00"));
        auto j = json::parse(text);
        CHECK(j["format"] == "carecall-subject-access/1");
        CHECK(j["generated_at"] == "2027-07-01T08:00:00Z");
        CHECK(j["kind"] == "resident");
        CHECK(j["record"]["name"] == k_resident_name);
        CHECK(j["record"]["room"] == "Quillfeather suite");
        CHECK(j["record"]["consent"]["status"] == "given");
        REQUIRE(j["approvals"].size() == 1);
        CHECK(j["approvals"][0] == json{{"resident", "R1"},
                                        {"contact", "C1"},
                                        {"approved", true},
                                        {"key_contact", true},
                                        {"restrictions", "no video"}});
        REQUIRE(j["requests"].size() == 1);
        CHECK(j["requests"][0]["code"] == "Q1");
        REQUIRE(j["bookings"].size() == 2);
        CHECK(j["bookings"][0]["reason"] == "birthday call");
        CHECK(j["bookings"][0]["contacts"] == json::array({"C1"}));
        CHECK(j["bookings"][0]["device"] == "D1");
        CHECK(j["bookings"][0]["start"] == "2027-07-01T11:00:00+01:00");
        CHECK(j["bookings"][1]["code"] == "B-2");
        // The audit rows about R1: added, two bookings, the approval (from the import and the put).
        std::vector<std::string> seen;
        for (const auto& e : j["audit"]) {
            seen.push_back(e["action"].get<std::string>() + " " + e["kind"].get<std::string>() +
                           " " + e["record_code"].get<std::string>());
        }
        CHECK(std::find(seen.begin(), seen.end(), "add resident R1") != seen.end());
        CHECK(std::find(seen.begin(), seen.end(), "book booking B-1") != seen.end());
        CHECK(std::find(seen.begin(), seen.end(), "book booking B-2") != seen.end());
        CHECK(std::find(seen.begin(), seen.end(), "book booking B-3") == seen.end());
        CHECK(std::find(seen.begin(), seen.end(), "update approval R1/C1") != seen.end());
        // Other people appear by code only.
        CHECK(text.find("Bill Evans") == std::string::npos);
        CHECK(text.find(k_contact_name) == std::string::npos);
        CHECK(text.find("Portal 1") == std::string::npos);
    }

    TEST_CASE("privacy: a contact's export lists the bookings they take part in") {
        Home h;
        h.book("R1", "C1", "2027-07-01T10:00", "2027-07-01T10:30");
        h.book("R2", "C2", "2027-07-01T11:00", "2027-07-01T11:30");
        auto j = json::parse(
            subject_access_json(*h.store, PersonKind::contact, "C1", utc("2027-07-01T08:00")));
        CHECK(j["record"]["name"] == k_contact_name);
        CHECK(j["record"]["reach"] == "ottoline@vanderpump.example");
        REQUIRE(j["bookings"].size() == 1);
        CHECK(j["bookings"][0]["resident"] == "R1");
        REQUIRE(j["approvals"].size() == 1);
        CHECK(j["approvals"][0]["resident"] == "R1");
        REQUIRE(j["requests"].size() == 1);
        CHECK(j["requests"][0]["code"] == "Q1");
        bool approval_row = false;
        for (const auto& e : j["audit"]) {
            CHECK(e["kind"] != "resident");
            approval_row = approval_row || (e["kind"] == "approval" && e["record_code"] == "R1/C1");
        }
        CHECK(approval_row);
        CHECK_THROWS_WITH_AS((void)subject_access_json(*h.store, PersonKind::contact, "C-NONE",
                                                       utc("2027-07-01T08:00")),
                             "contact C-NONE not found", NotFound);
    }

    TEST_CASE("privacy: erasing a resident leaves the name in neither the database nor its log") {
        Dir dir;
        auto db = dir.path / "home.db";
        Home h("sqlite:" + db.string());
        auto b1 = h.book("R1", "C1", "2027-07-01T10:00", "2027-07-01T10:30",
                         "Zebedee Quillfeather's 90th birthday");
        h.book("R1", "C1", "2027-07-02T10:00", "2027-07-02T10:30");
        // A reason long enough to live on overflow pages.
        h.book("R1", "C1", "2027-07-03T10:00", "2027-07-03T10:30",
               "Zebedee " + std::string(20000, '.') + " Quillfeather");
        h.book("R2", "C2", "2027-07-01T11:00", "2027-07-01T11:30", "kept");
        h.store->approvals().put(
            Approval{h.resident("R1"), h.contact("C1"), true, false, "Quillfeather family only"});
        auto id = h.resident("R1");
        // The search can find the name: it is in the files now.
        REQUIRE(h.files(db).find("Quillfeather") != std::string::npos);

        SUBCASE("a dry run changes nothing") {
            auto before = h.files(db);
            auto r = erase_person(*h.store, PersonKind::resident, "R1", true);
            CHECK(r.pseudonym == "erased-R1");
            CHECK(r.fields == std::vector<std::string>{"name", "room", "care_blocks.label"});
            CHECK(r.approvals == 1);
            CHECK(r.bookings == 3);
            CHECK(r.booking_reasons == 2);
            CHECK(h.store->residents().get("R1", "resident").name == k_resident_name);
            CHECK(h.files(db) == before);
        }
        SUBCASE("erase") {
            auto r = erase_person(*h.store, PersonKind::resident, "R1");
            CHECK(r.log_emptied);
            CHECK(r.id == id.value);
            auto after = h.store->residents().get("R1", "resident");
            CHECK(after.id == id);
            CHECK(after.name == "erased-R1");
            CHECK(after.room.empty());
            REQUIRE(after.care_blocks.size() == 1);
            CHECK(after.care_blocks[0].start == 12 * 60); // the rota still sees the block
            CHECK(after.care_blocks[0].label.empty());
            BookingQuery q;
            q.residents = {id};
            auto bookings = h.store->bookings().list(q);
            CHECK(bookings.size() == 3);
            CHECK(h.store->bookings().find(b1)->reason.empty());
            CHECK(h.store->bookings().get("B-3").reason.empty());
            CHECK(h.store->bookings().get("B-4").reason == "kept");
            CHECK(h.store->approvals().find(id, h.contact("C1"))->restrictions.empty());
            // Not in the database file, its write-ahead log or its shared-memory index.
            auto files = h.files(db);
            CHECK(files.find("Quillfeather") == std::string::npos);
            CHECK(files.find("Zebedee") == std::string::npos);
            // The audit keeps the pseudonymous id.
            auto audit = h.store->audit_events(1);
            REQUIRE(audit.size() == 1);
            CHECK(audit[0].action == "erase");
            CHECK(audit[0].kind == "resident");
            CHECK(audit[0].record_id == id.value);
            CHECK(audit[0].record_code == "R1");
            CHECK(json::parse(audit[0].details) ==
                  json{{"fields", {"name", "room", "care_blocks.label"}},
                       {"approvals", 1},
                       {"requests", 0},
                       {"bookings", 3},
                       {"booking_reasons", 2},
                       {"booking_series", 0}});
            CHECK(all_audit_text(*h.store).find("Quillfeather") == std::string::npos);
            CHECK(h.store->check().ok);
        }
    }

    TEST_CASE("privacy: erasing a contact blanks their details and keeps their bookings") {
        Dir dir;
        auto db = dir.path / "home.db";
        Home h("sqlite:" + db.string());
        h.book("R1", "C1", "2027-07-01T10:00", "2027-07-01T10:30", "Ottoline Vanderpump calls");
        REQUIRE(h.files(db).find("Vanderpump") != std::string::npos);
        auto r = erase_person(*h.store, PersonKind::contact, "C1");
        CHECK(r.fields == std::vector<std::string>{"name", "relationship", "reach"});
        CHECK(r.bookings == 1);
        CHECK(r.booking_reasons == 1);
        auto c = h.store->contacts().get("C1", "contact");
        CHECK(c.name == "erased-C1");
        CHECK(c.tz == "Europe/London");
        CHECK(c.availability.size() == 1);
        CHECK(h.store->bookings().get("B-1").contacts == std::vector<ContactId>{c.id});
        CHECK(h.files(db).find("Vanderpump") == std::string::npos);
        CHECK(h.files(db).find("Ottoline") == std::string::npos);
        CHECK_THROWS_WITH_AS((void)erase_person(*h.store, PersonKind::resident, "R9"),
                             "resident R9 not found", NotFound);
    }

    TEST_CASE("privacy: a contact's export holds their calls' times and status, not the "
              "resident's outcome, reason, priority or care") {
        Home h;
        auto q = h.store->requests().get("Q1", "request");
        q.priority = priority::end_of_life;
        q.max_per_day = 1;
        q.preferred = {WeeklyWindow{0x7f, 10 * 60, 11 * 60, "after the morning insulin"}};
        h.store->requests().update(q);
        auto id = h.book("R1", "C1", "2027-07-01T10:00", "2027-07-01T10:30");
        auto b = *h.store->bookings().find(id);
        b.status = BookingStatus::missed;
        b.outcome = CallOutcome::unwell;
        b.reason = "pneumonia, on antibiotics";
        b.priority = priority::end_of_life;
        b.hours_overridden = true;
        b.staff = h.store->staff().get("E1", "staff").id;
        h.store->bookings().update(b);

        auto text =
            subject_access_json(*h.store, PersonKind::contact, "C1", utc("2027-07-02T08:00"));
        auto j = json::parse(text);
        REQUIRE(j["bookings"].size() == 1);
        CHECK(j["bookings"][0] == json{{"code", "B-1"},
                                       {"id", id.value},
                                       {"status", "missed"},
                                       {"resident", "R1"},
                                       {"contacts", {"C1"}},
                                       {"device", "D1"},
                                       {"tz", "Europe/London"},
                                       {"start", "2027-07-01T11:00:00+01:00"},
                                       {"end", "2027-07-01T11:30:00+01:00"},
                                       {"request", nullptr},
                                       {"availability_overridden", false}});
        REQUIRE(j["requests"].size() == 1);
        CHECK(j["requests"][0] == json{{"code", "Q1"},
                                       {"id", q.id.value},
                                       {"resident", "R1"},
                                       {"contact", "C1"},
                                       {"contacts", {"C1"}},
                                       {"tz", "Europe/London"},
                                       {"calls", 2},
                                       {"duration_minutes", 30},
                                       {"fixed", nullptr},
                                       {"active", true}});
        int booking_rows = 0;
        for (const auto& e : j["audit"]) {
            if (e["kind"] == "booking") {
                ++booking_rows;
                for (const auto& [key, value] : e["details"].items()) {
                    CAPTURE(key);
                    CHECK((key == "start" || key == "end" || key == "device" || key == "resident" ||
                           key == "status" || key == "changed" || key == "before"));
                }
            }
        }
        CHECK(booking_rows == 2); // booked, then recorded as missed
        for (const char* absent : {"unwell", "pneumonia", "insulin", "end_of_life", "outcome",
                                   "reason", "hours_overridden", "E1", "priority", "max_per_day"}) {
            CAPTURE(absent);
            CHECK(text.find(absent) == std::string::npos);
        }
        // The resident's own export keeps every field.
        auto r = json::parse(
            subject_access_json(*h.store, PersonKind::resident, "R1", utc("2027-07-02T08:00")));
        CHECK(r["bookings"][0]["outcome"] == "unwell");
        CHECK(r["bookings"][0]["reason"] == "pneumonia, on antibiotics");
        CHECK(r["bookings"][0]["priority"] == "end_of_life");
        CHECK(r["bookings"][0]["staff"] == "E1");
        CHECK(r["bookings"][0]["hours_overridden"] == true);
        CHECK(r["requests"][0]["preferred"][0]["label"] == "after the morning insulin");
    }

    TEST_CASE("privacy: erasure blanks request labels and renames a free-text weekly series; "
              "a generated series and the times stay") {
        Dir dir;
        auto db = dir.path / "home.db";
        Home h("sqlite:" + db.string());
        auto q = h.store->requests().get("Q1", "request");
        q.preferred = {WeeklyWindow{0x7f, 10 * 60, 11 * 60, "after Quillfeather's nap"}};
        h.store->requests().update(q);
        auto series = [&](BookingId id, const std::string& name) {
            auto b = *h.store->bookings().find(id);
            b.series = name;
            h.store->bookings().update(b);
        };
        auto b1 = h.book("R1", "C1", "2027-07-01T10:00", "2027-07-01T10:30");
        auto b2 = h.book("R1", "C1", "2027-07-08T10:00", "2027-07-08T10:30");
        auto b3 = h.book("R1", "C1", "2027-07-02T10:00", "2027-07-02T10:30");
        auto b4 = h.book("R2", "C2", "2027-07-02T11:00", "2027-07-02T11:30");
        series(b1, "Quillfeather's Thursday calls");
        series(b2, "Quillfeather's Thursday calls");
        series(b3, "S-R1-2027-07-02T11:00");
        series(b4, "Bill's calls");
        REQUIRE(h.files(db).find("Quillfeather's") != std::string::npos);

        auto dry = erase_person(*h.store, PersonKind::resident, "R1", true);
        CHECK(dry.requests == 1);
        CHECK(dry.booking_series == 1);
        CHECK(h.store->bookings().find(b1)->series == "Quillfeather's Thursday calls");

        auto r = erase_person(*h.store, PersonKind::resident, "R1");
        CHECK(r.requests == 1);
        CHECK(r.booking_series == 1);
        auto after = h.store->requests().get("Q1", "request");
        REQUIRE(after.preferred.size() == 1);
        CHECK(after.preferred[0].label.empty());
        CHECK(after.preferred[0].start == 10 * 60);
        CHECK(h.store->bookings().find(b1)->series == "S-R1-erased-B-1");
        CHECK(h.store->bookings().find(b2)->series == "S-R1-erased-B-1");
        CHECK(h.store->bookings().find(b3)->series == "S-R1-2027-07-02T11:00");
        CHECK(h.store->bookings().find(b4)->series == "Bill's calls");
        CHECK(h.files(db).find("Quillfeather") == std::string::npos);
        CHECK(json::parse(h.store->audit_events(1)[0].details)["booking_series"] == 1);
        // Again: nothing left to change.
        auto again = erase_person(*h.store, PersonKind::resident, "R1");
        CHECK(again.requests == 0);
        CHECK(again.booking_series == 0);
        CHECK(again.fields.empty());

        // A contact: the requests they are in and their calls' series.
        q = h.store->requests().get("Q2", "request");
        q.preferred = {WeeklyWindow{0x7f, 18 * 60, 19 * 60, "after Raj's shift"}};
        h.store->requests().update(q);
        auto c = erase_person(*h.store, PersonKind::contact, "C2");
        CHECK(c.requests == 1);
        CHECK(c.booking_series == 1);
        CHECK(h.store->bookings().find(b4)->series == "S-R2-erased-B-4");
        CHECK(h.files(db).find("Raj's") == std::string::npos);
        CHECK(h.files(db).find("Bill's") == std::string::npos);
    }

    TEST_CASE("privacy: retention periods") {
        auto now = utc("2027-08-31T10:00");
        CHECK(retention_cutoff(now, parse_retention("365d", "p")) == utc("2026-08-31T10:00"));
        CHECK(retention_cutoff(now, parse_retention("2w", "p")) == utc("2027-08-17T10:00"));
        CHECK(retention_cutoff(now, parse_retention("18mo", "p")) == utc("2026-02-28T10:00"));
        CHECK(retention_cutoff(now, parse_retention("6mo", "p")) == utc("2027-02-28T10:00"));
        CHECK(retention_cutoff(utc("2028-02-29T00:00"), parse_retention("1y", "p")) ==
              utc("2027-02-28T00:00"));
        CHECK(retention_cutoff(now, parse_retention("7y", "p")) == utc("2020-08-31T10:00"));
        for (const char* bad :
             {"", "12", "3m", "1h", "d", "-5d", "1.5y", "1 y", "18MO", "9999999d"}) {
            CAPTURE(bad);
            CHECK_THROWS_WITH_AS((void)parse_retention(bad, "--older-than"),
                                 ("--older-than: " + std::string(bad) +
                                  " is not a retention period (expected e.g. 365d, 52w, 18mo, 7y)")
                                     .c_str(),
                                 InvalidInput);
        }
        CHECK_THROWS_WITH_AS((void)parse_retention("0d", "p"), "p: 0d must be at least one d",
                             InvalidInput);
        CHECK_THROWS_WITH_AS((void)parse_retention("101y", "p"), "p: 101y is more than 100 years",
                             InvalidInput);
    }

    TEST_CASE("privacy: purge removes the bookings that ended before the cutoff, audited once") {
        Home h;
        h.book("R1", "C1", "2025-01-01T10:00", "2025-01-01T10:30");
        h.book("R2", "C2", "2025-06-30T23:00", "2025-07-01T00:00");
        h.book("R1", "C1", "2025-06-30T23:30", "2025-07-01T00:30"); // ends after the cutoff
        h.book("R1", "C1", "2027-07-01T10:00", "2027-07-01T10:30");
        auto audit_rows = h.store->audit_events(1000000).size();
        auto cutoff = utc("2025-07-01T00:00");

        auto dry = purge_bookings(*h.store, cutoff, true);
        CHECK(dry.bookings == 1);
        CHECK(h.store->bookings().list({}).size() == 4);
        CHECK(h.store->audit_events(1000000).size() == audit_rows);

        auto r = purge_bookings(*h.store, cutoff);
        CHECK(r.bookings == 1);
        auto left = h.store->bookings().list({});
        REQUIRE(left.size() == 3);
        CHECK(left[0].code == "B-2");
        CHECK(h.store->audit_events(1000000).size() == audit_rows + 1);
        auto last = h.store->audit_events(1)[0];
        CHECK(last.action == "purge");
        CHECK(json::parse(last.details) ==
              json{{"ended_before", "2025-07-01T00:00:00Z"}, {"bookings", 1}});
        CHECK(purge_bookings(*h.store, cutoff).bookings == 0);
    }

} // TEST_SUITE
