// The rota renderers on a hand-built rota: ICS folding, escaping and line ends, CSV quoting,
// the carecall-rota/1 fields, the family calendar, and the HTML run-sheet's escaping.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <numeric>
#include <sstream>

#include "carecall/error.hpp"
#include "carecall/rota.hpp"

using namespace carecall;

namespace {

Instant utc(const char* text) {
    return Instant{parse_local_datetime(text, "t").time_since_epoch()};
}

/// Two calls on one ward in London across the spring clock change (2027-03-28), one cancelled; a
/// contact in Sydney with a long name in several scripts.
Rota sample() {
    Rota r;
    r.from = parse_date("2027-03-27", "d");
    r.to = parse_date("2027-03-28", "d");
    RotaCall a;
    a.booking = BookingId(7);
    a.code = "B-7";
    a.sequence = 2;
    a.updated = utc("2027-03-01T09:30");
    a.site_code = "SUNNY";
    a.site_name = "Sunnyside Care Home";
    a.site_tz = "Europe/London";
    a.ward_code = "W-ROSE";
    a.ward_name = "Rose Ward";
    a.start = utc("2027-03-27T09:00"); // 09:00 GMT, 20:00 AEDT
    a.end = utc("2027-03-27T09:30");
    a.date = parse_date("2027-03-27", "d");
    a.resident_code = "R-ASHA";
    a.resident_name = "Asha Patel";
    a.room = "12";
    a.contacts = {{"C-RAJ", "Rajendra Ñandú Patel-Kowalczyk 王小明 Øster; the eldest, son", "son",
                   "+61 2 5550 1234, WhatsApp", "Australia/Sydney"}};
    a.device_code = "PORTAL-1";
    a.device_name = "Portal-1";
    a.staff_code = "E-SAM";
    a.staff_name = "Sam Reed";
    a.request_code = "Q1";
    a.preparation = {"clean and charge Portal-1", "captions on"};
    RotaCall b = a;
    b.booking = BookingId(8);
    b.code = "B-8";
    b.status = BookingStatus::cancelled;
    b.sequence = 1;
    b.start = utc("2027-03-28T09:00"); // 10:00 BST after the change
    b.end = utc("2027-03-28T09:30");
    b.date = parse_date("2027-03-28", "d");
    b.staff_code.clear();
    b.staff_name.clear();
    b.request_code.clear();
    r.calls = {a, b};
    return r;
}

std::vector<std::string> physical_lines(const std::string& ics) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < ics.size()) {
        auto at = ics.find("\r\n", pos);
        REQUIRE(at != std::string::npos); // every line ends with CRLF
        out.push_back(ics.substr(pos, at - pos));
        pos = at + 2;
    }
    return out;
}

/// Unfolds and returns the logical lines.
std::vector<std::string> unfold(const std::string& ics) {
    std::vector<std::string> out;
    for (auto& l : physical_lines(ics)) {
        if (!l.empty() && l.front() == ' ') {
            REQUIRE_FALSE(out.empty());
            out.back() += l.substr(1);
        } else {
            out.push_back(l);
        }
    }
    return out;
}

bool valid_utf8(const std::string& s) {
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80         ? 1
                        : (c >> 5) == 6  ? 2
                        : (c >> 4) == 14 ? 3
                        : (c >> 3) == 30 ? 4
                                         : 0;
        if (n == 0 || i + n > s.size()) {
            return false;
        }
        for (std::size_t k = 1; k < n; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0U) != 0x80U) {
                return false;
            }
        }
        i += n;
    }
    return true;
}

} // namespace

TEST_SUITE("rota") {
    TEST_CASE("ICS text escaping and folding") {
        CHECK(ics_escape("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne");
        CHECK(ics_escape("x\r\ny") == "x\\ny");
        CHECK(ics_fold("SUMMARY:short") == "SUMMARY:short\r\n");
        std::string line = "DESCRIPTION:" + std::string(100, 'a');
        auto folded = ics_fold(line);
        CHECK(folded ==
              "DESCRIPTION:" + std::string(63, 'a') + "\r\n " + std::string(37, 'a') + "\r\n");
        // Multibyte characters straddling octet 75 stay whole.
        for (std::size_t pad = 0; pad < 4; ++pad) {
            std::string text = "SUMMARY:" + std::string(pad, 'x');
            for (int i = 0; i < 40; ++i) {
                text += "王é";
            }
            auto lines = physical_lines(ics_fold(text));
            std::string joined;
            for (std::size_t i = 0; i < lines.size(); ++i) {
                CHECK(lines[i].size() <= 75);
                CHECK(valid_utf8(i == 0 ? lines[i] : lines[i].substr(1)));
                joined += i == 0 ? lines[i] : lines[i].substr(1);
            }
            CHECK(joined == text);
            CHECK(lines.size() > 2);
        }
    }

    TEST_CASE("ICS calendar: UTC times, UID, DTSTAMP, SEQUENCE, cancelled, CRLF, 75 octets") {
        auto ics = rota_ics(sample());
        for (const auto& l : physical_lines(ics)) {
            CHECK(l.size() <= 75);
            CHECK(valid_utf8(l));
        }
        auto lines = unfold(ics);
        CHECK(lines.front() == "BEGIN:VCALENDAR");
        CHECK(lines.back() == "END:VCALENDAR");
        auto has = [&](const std::string& l) {
            return std::find(lines.begin(), lines.end(), l) != lines.end();
        };
        CHECK(has("VERSION:2.0"));
        CHECK(has("UID:booking-7@sunny.carecall"));
        CHECK(has("UID:booking-8@sunny.carecall"));
        CHECK(has("DTSTART:20270327T090000Z"));
        CHECK(has("DTEND:20270327T093000Z"));
        CHECK(has("DTSTART:20270328T090000Z"));
        CHECK(has("DTSTAMP:20270301T093000Z"));
        CHECK(has("SEQUENCE:2"));
        CHECK(has("SEQUENCE:1"));
        CHECK(has("STATUS:CONFIRMED"));
        CHECK(has("STATUS:CANCELLED"));
        CHECK(has("LOCATION:Sunnyside Care Home\\, Rose Ward\\, room 12"));
        // The site's clock change: 09:00 GMT before, 10:00 BST after; Sydney leaves summer time
        // a week later, so the contact's own time is 20:00 AEDT both days.
        auto joined = std::accumulate(lines.begin(), lines.end(), std::string());
        CHECK(joined.find("Site time: 09:00-09:30 GMT") != std::string::npos);
        CHECK(joined.find("Site time: 10:00-10:30 BST") != std::string::npos);
        CHECK(joined.find("their time 20:00-20:30 AEDT") != std::string::npos);
        CHECK(joined.find("Patel-Kowalczyk 王小明 Øster\\; the eldest\\, son (son): +61 2 5550 "
                          "1234\\, WhatsApp") != std::string::npos);
        // No TZID anywhere: every time is UTC.
        CHECK(ics.find("TZID") == std::string::npos);
        // The same rota gives the same bytes (DTSTAMP is the booking's change, not "now").
        CHECK(rota_ics(sample()) == ics);
    }

    TEST_CASE("family calendar: only their calls, redacted names") {
        auto r = sample();
        RotaCall other = r.calls.front();
        other.booking = BookingId(9);
        other.resident_code = "R-IVY";
        other.resident_name = "Ivy Clarke";
        other.contacts = {{"C-LUCY", "Lucy Brown", "daughter", "07700 900123", "Europe/London"}};
        r.calls.push_back(other);
        auto mine = for_contact(r, "C-RAJ", true);
        REQUIRE(mine.calls.size() == 2);
        CHECK(mine.devices.empty());
        IcsOptions o;
        o.for_contact = "C-RAJ";
        auto ics = rota_ics(mine, o);
        CHECK(ics.find("Ivy") == std::string::npos);
        CHECK(ics.find("Lucy") == std::string::npos);
        CHECK(ics.find("Asha") == std::string::npos);
        CHECK(ics.find("Sam Reed") == std::string::npos);
        CHECK(ics.find("room 12") == std::string::npos);
        auto lines = unfold(ics);
        CHECK(std::find(lines.begin(), lines.end(), "SUMMARY:Video call with A. P.") !=
              lines.end());
        auto joined = std::accumulate(lines.begin(), lines.end(), std::string());
        CHECK(joined.find("Your time: 20:00-20:30 AEDT") != std::string::npos);
        CHECK(initials("Asha Patel") == "A. P.");
        CHECK(initials("Øster ñandú") == "Ø. ñ.");
        CHECK(initials("") == "a resident");
        auto plain = for_contact(r, "C-RAJ", false);
        CHECK(plain.calls.front().resident_name == "Asha Patel");
    }

    TEST_CASE("CSV follows RFC 4180") {
        auto csv = rota_csv(sample());
        std::istringstream in(csv);
        CHECK(csv.find("\r\n") != std::string::npos);
        CHECK(csv.substr(0, csv.find("\r\n")) ==
              "date,ward,site_time,site_tz,their_time,resident,room,contacts,reach,device,helper,"
              "status,booking,request,start_utc,end_utc,preparation,at_risk");
        CHECK(csv.find("\"Rajendra Ñandú Patel-Kowalczyk 王小明 Øster; the eldest, son (son)\"") !=
              std::string::npos);
        CHECK(csv.find("\"+61 2 5550 1234, WhatsApp\"") != std::string::npos);
        auto r = sample();
        r.calls.front().resident_name = "Asha \"Ash\" Patel";
        CHECK(rota_csv(r).find(",\"Asha \"\"Ash\"\" Patel\",") != std::string::npos);
    }

    TEST_CASE("carecall-rota/1 JSON: the contract's fields, cancelled calls left out") {
        auto j = nlohmann::json::parse(rota_json(sample(), {false, "carecall test"}));
        CHECK(j["format"] == "carecall-rota/1");
        CHECK(j["producer"] == "carecall test");
        REQUIRE(j["calls"].size() == 1);
        CHECK(j["calls"][0] == nlohmann::json{{"request", "Q1"},
                                              {"resident", "R-ASHA"},
                                              {"contact", "C-RAJ"},
                                              {"device", "PORTAL-1"},
                                              {"staff", "E-SAM"},
                                              {"start_utc", "2027-03-27T09:00:00Z"},
                                              {"end_utc", "2027-03-27T09:30:00Z"}});
        CHECK(j["unscheduled"] == nlohmann::json::array());
        auto d = nlohmann::json::parse(rota_json(sample()));
        CHECK(d["calls"][0]["start_local"] == "2027-03-27T09:00:00+00:00");
        CHECK(d["calls"][0]["booking"] == "B-7");
    }

    TEST_CASE("HTML run-sheet: a page per ward and day, escaped text, A4") {
        auto r = sample();
        r.calls.front().resident_name = "Asha <b>Patel</b> & co";
        r.devices = {{"PORTAL-1",
                      "Portal-1",
                      "SUNNY",
                      "Europe/London",
                      {{DeviceBusy::call, r.calls[0].start, r.calls[0].end, "room 12", "W-ROSE"},
                       {DeviceBusy::cleaning, r.calls[0].end,
                        r.calls[0].end + std::chrono::minutes{10}, "clean", "W-ROSE"},
                       {DeviceBusy::move, r.calls[0].end + std::chrono::minutes{10},
                        r.calls[0].end + std::chrono::minutes{15}, "to W-BLUE", "W-ROSE"}}}};
        auto html = rota_html(r);
        CHECK(html.find("@page { size: A4") != std::string::npos);
        CHECK(html.find("Asha &lt;b&gt;Patel&lt;/b&gt; &amp; co") != std::string::npos);
        CHECK(html.find("<b>Patel</b>") == std::string::npos);
        std::size_t pages = 0;
        for (auto at = html.find("<section class=\"sheet\">"); at != std::string::npos;
             at = html.find("<section class=\"sheet\">", at + 1)) {
            ++pages;
        }
        CHECK(pages == 2);
        CHECK(html.find("Rose Ward: Sat 2027-03-27") != std::string::npos);
        CHECK(html.find("Rose Ward: Sun 2027-03-28") != std::string::npos);
        CHECK(html.find("CANCELLED") != std::string::npos);
        CHECK(html.find("<svg") != std::string::npos);
        CHECK(html.find("url(#clean-1)") != std::string::npos);
        CHECK(html.find("url(#move-1)") != std::string::npos);
    }
}

// --- load_rota on a real store ------------------------------------------------------------------

#include "carecall/booking.hpp"
#include "carecall/exchange.hpp"
#include "carecall/store.hpp"

namespace {

constexpr const char* k_rota_home = R"({
 "format": "carecall-scenario/1",
 "horizon": {"start_date": "2027-07-05", "days": 7},
 "sites": [{"id": "S1", "name": "Sunnyside", "tz": "Europe/London"}],
 "wards": [
  {"id": "W1", "site": "S1", "name": "Rose",
   "calling_hours": [{"weekdays": [0,1,2,3,4,5,6], "start": "00:00", "end": "24:00"}]},
  {"id": "W2", "site": "S1", "name": "Bluebell",
   "calling_hours": [{"weekdays": [0,1,2,3,4,5,6], "start": "00:00", "end": "24:00"}]}],
 "residents": [
  {"id": "R1", "ward": "W1", "name": "Asha Patel", "room": "12", "needs_assistance": true,
   "competences": ["bsl", "captions", "interpreter:Polish"]},
  {"id": "R2", "ward": "W2", "name": "Bill Evans", "room": "3"}],
 "contacts": [
  {"id": "C1", "name": "Mary O'Brien", "relationship": "daughter", "tz": "Europe/London",
   "availability": [{"weekdays": [0,1,2,3,4,5,6], "start": "00:00", "end": "24:00"}]},
  {"id": "C2", "name": "Raj Patel", "relationship": "son", "tz": "Australia/Sydney",
   "availability": [{"weekdays": [0,1,2,3,4,5,6], "start": "00:00", "end": "24:00"}]}],
 "devices": [{"id": "D1", "site": "S1", "name": "Portal 1", "wards": ["W1", "W2"],
              "cleaning_minutes": 10, "move_minutes": 5}],
 "staff": [{"id": "E1", "ward": "W1", "name": "Amy Jones",
            "competences": ["bsl", "captions", "interpreter:Polish"],
            "weekly_shifts": [{"weekdays": [0,1,2,3,4,5,6], "start": "00:00", "end": "24:00"}]}],
 "requests": [],
 "approvals": [{"resident": "R1", "contact": "C1"}, {"resident": "R1", "contact": "C2"},
               {"resident": "R2", "contact": "C1"}]
})";

Instant london(const char* local) {
    return to_utc(parse_local_datetime(local, "t"), find_zone("Europe/London"), "t");
}

struct RotaHome {
    std::unique_ptr<Store> store = open_store("sqlite::memory:");
    Instant now = london("2027-07-01T12:00");
    BookingService service{*store, [this] { return now; }};
    RotaHome() { import_scenario(*store, parse_scenario(k_rota_home)); }

    Booking book(const char* r, const char* c, const char* at) {
        BookRequest q;
        q.resident = store->residents().get(r, "resident").id;
        q.contacts = {store->contacts().get(c, "contact").id};
        q.at = london(at);
        return service.book(q).booking;
    }
    RotaQuery day(const char* d) {
        RotaQuery q;
        q.from = parse_date(d, "d");
        q.to = q.from;
        return q;
    }
};

} // namespace

TEST_SUITE("rota") {
    TEST_CASE("load_rota: a day of the site, its people, preparation and device timelines") {
        RotaHome h;
        auto a = h.book("R1", "C2", "2027-07-05T09:00");
        auto b = h.book("R2", "C1", "2027-07-05T10:00");
        h.book("R1", "C1", "2027-07-05T23:30"); // the local date of its start counts
        h.book("R2", "C1", "2027-07-06T00:30"); // another local date (23:30 UTC the day before)
        auto rota = load_rota(*h.store, h.day("2027-07-05"));
        REQUIRE(rota.calls.size() == 3);
        const auto& c = rota.calls[0];
        CHECK(c.code == a.code);
        CHECK(c.booking == a.id);
        CHECK(c.sequence == 0);
        REQUIRE(c.updated.has_value());
        CHECK(c.site_code == "S1");
        CHECK(c.site_tz == "Europe/London");
        CHECK(c.ward_name == "Rose");
        CHECK(c.resident_name == "Asha Patel");
        CHECK(c.room == "12");
        REQUIRE(c.contacts.size() == 1);
        CHECK(c.contacts[0].name == "Raj Patel");
        CHECK(c.contacts[0].tz == "Australia/Sydney");
        CHECK(c.staff_name == "Amy Jones");
        CHECK(c.device_name == "Portal 1");
        CHECK(c.preparation ==
              std::vector<std::string>{"clean and charge Portal 1",
                                       "position it in room 12 so no other resident is on camera",
                                       "hearing aids in and glasses on, if worn",
                                       "BSL interpreter: Amy Jones", "interpreter for Polish",
                                       "captions needed: Portal 1 has none, arrange a device with "
                                       "captions"});
        // The device: call, cleaning, a move to the other ward, call, cleaning…
        REQUIRE(rota.devices.size() == 1);
        const auto& busy = rota.devices[0].busy;
        REQUIRE(busy.size() >= 5);
        CHECK(busy[0].kind == DeviceBusy::call);
        CHECK(busy[0].start == london("2027-07-05T09:00"));
        CHECK(busy[1].kind == DeviceBusy::cleaning);
        CHECK(busy[1].end == london("2027-07-05T09:40"));
        CHECK(busy[2].kind == DeviceBusy::move);
        CHECK(busy[2].label == "to W2");
        CHECK(busy[2].end == london("2027-07-05T09:45"));
        CHECK(busy[3].start == b.start);
        CHECK(busy[3].ward_code == "W2");

        // Filters: a ward, a contact; a cancelled call only when asked, with its changes counted.
        auto q = h.day("2027-07-05");
        q.wards = {h.store->wards().get("W2", "ward").id};
        CHECK(load_rota(*h.store, q).calls.size() == 1);
        q = h.day("2027-07-05");
        q.contact = h.store->contacts().get("C2", "contact").id;
        CHECK(load_rota(*h.store, q).calls.size() == 1);
        h.service.move({.booking = a.id, .start = london("2027-07-05T08:00")});
        h.service.cancel(a.id, "unwell");
        CHECK(load_rota(*h.store, h.day("2027-07-05")).calls.size() == 2);
        q = h.day("2027-07-05");
        q.include_cancelled = true;
        auto all = load_rota(*h.store, q);
        REQUIRE(all.calls.size() == 3);
        CHECK(all.calls[0].status == BookingStatus::cancelled);
        CHECK(all.calls[0].sequence == 2);
        // Two days: the three calls still booked.
        q = h.day("2027-07-05");
        q.to = parse_date("2027-07-06", "d");
        CHECK(load_rota(*h.store, q).calls.size() == 3);
        // A period instead of dates: the calls overlapping it.
        RotaQuery p;
        p.period = Period{london("2027-07-05T10:15"), london("2027-07-06T00:45"), ""};
        auto in_period = load_rota(*h.store, p);
        REQUIRE(in_period.calls.size() == 3);
        CHECK(in_period.calls[0].start == b.start);
        CHECK(in_period.from == parse_date("2027-07-05", "d"));
        CHECK(in_period.to == parse_date("2027-07-06", "d"));
        CHECK_THROWS_WITH_AS(load_rota(*h.store,
                                       [&] {
                                           auto r = h.day("2027-07-05");
                                           r.to = parse_date("2027-07-04", "d");
                                           return r;
                                       }()),
                             "--to: 2027-07-04 is before the first date 2027-07-05", InvalidInput);
    }

    TEST_CASE("record_changes counts a booking's audit rows") {
        RotaHome h;
        auto a = h.book("R2", "C1", "2027-07-05T10:00");
        auto first = h.store->record_changes("booking", {a.id.value, 999});
        REQUIRE(first.size() == 1);
        CHECK(first[0].record_id == a.id.value);
        CHECK(first[0].changes == 1);
        h.service.move({.booking = a.id, .start = london("2027-07-05T11:00")});
        auto second = h.store->record_changes("booking", {a.id.value});
        REQUIRE(second.size() == 1);
        CHECK(second[0].changes == 2);
        CHECK(second[0].last >= first[0].last);
        CHECK(h.store->record_changes("booking", {}).empty());
    }
}

// --- reading a carecall-rota/1 document for import (exchange.hpp) -------------------------------

TEST_SUITE("rota document") {
    TEST_CASE("read_rota_document: JSON, the format and a list of calls, errors naming the file") {
        auto doc =
            read_rota_document(R"({"format": "carecall-rota/1", "calls": [{}, {}]})", "r.json");
        CHECK(doc.name() == "r.json");
        CHECK(doc.size() == 2);
        auto message = [](const char* text) {
            try {
                (void)read_rota_document(text, "r.json");
            } catch (const InvalidInput& e) {
                return std::string(e.what());
            }
            return std::string("no error");
        };
        CHECK(message("{\"format\": ").rfind("r.json: not JSON (at byte ", 0) == 0);
        CHECK(message(R"({"format": "carecall-scenario/1", "calls": []})") ==
              "r.json: format: must be \"carecall-rota/1\"");
        CHECK(message("[]") == "r.json: format: must be \"carecall-rota/1\"");
        CHECK(message(R"({"format": "carecall-rota/1"})") ==
              "r.json: calls: must be a list of calls");
        CHECK(message(R"({"format": "carecall-rota/1", "calls": {}})") ==
              "r.json: calls: must be a list of calls");
    }

    TEST_CASE("rota_document_calls: codes resolved, UTC times, nothing written") {
        RotaHome h;
        auto doc = read_rota_document(R"({"format": "carecall-rota/1", "calls": [
            {"resident": "R1", "contacts": ["C1", "C2"], "device": "D1", "staff": "E1",
             "start_utc": "2027-07-05T09:00:00Z", "end_utc": "2027-07-05T09:30:00Z"},
            {"resident": "R2", "contact": "C1", "device": "D1", "staff": null,
             "start_utc": "2027-07-05T10:00:00Z", "end_utc": "2027-07-05T10:20:00Z"}]})",
                                      "r.json");
        auto calls = rota_document_calls(*h.store, doc);
        REQUIRE(calls.size() == 2);
        CHECK(calls[0].resident == h.store->residents().get("R1", "resident").id);
        CHECK(calls[0].contacts ==
              std::vector<ContactId>{h.store->contacts().get("C1", "contact").id,
                                     h.store->contacts().get("C2", "contact").id});
        CHECK(calls[0].device == h.store->devices().get("D1", "device").id);
        REQUIRE(calls[0].staff.has_value());
        CHECK(*calls[0].staff == h.store->staff().get("E1", "staff").id);
        CHECK(calls[0].start == london("2027-07-05T10:00"));
        CHECK(calls[0].end - calls[0].start == std::chrono::minutes{30});
        CHECK(calls[0].reason == "imported rota");
        CHECK(!calls[1].staff.has_value());
        CHECK(calls[1].contacts.size() == 1);
        CHECK(h.store->bookings().list({}).empty()); // nothing written
    }

    TEST_CASE("rota_document_calls: a bad call names its field") {
        RotaHome h;
        auto message = [&](const std::string& call) {
            try {
                (void)rota_document_calls(
                    *h.store,
                    read_rota_document(R"({"format": "carecall-rota/1", "calls": [)" + call + "]}",
                                       "r.json"));
            } catch (const InvalidInput& e) {
                return std::string(e.what());
            }
            return std::string("no error");
        };
        CHECK(message("7") == "r.json: calls[0]: must be an object");
        CHECK(message(R"({"contact": "C1"})") == "r.json: calls[0].resident: is required (a code)");
        CHECK(message(R"({"resident": "R9"})") ==
              "r.json: calls[0].resident: no resident with code R9");
        CHECK(message(R"({"resident": "R1", "contact": "C1", "device": "D9"})") ==
              "r.json: calls[0].device: no device with code D9");
        CHECK(message(R"({"resident": "R1", "contact": "C1", "device": "D1",
                          "start_utc": "2027-07-05 09:00", "end_utc": "2027-07-05T09:30:00Z"})") ==
              "r.json: calls[0].start_utc: 2027-07-05 09:00 is not a UTC time like "
              "2027-03-28T10:15:00Z");
        CHECK(message(R"({"resident": "R1", "contact": "C1", "device": "D1",
                          "start_utc": "2027-07-05T09:00:00Z", "end_utc": "2027-07-05T09:00:00Z"})") ==
              "r.json: calls[0].end_utc: 2027-07-05T09:00:00Z must be after start_utc, by at most "
              "1440 minutes");
    }
}

TEST_SUITE("rota") {
    TEST_CASE("a call at risk is marked AT RISK with its rules in every renderer") {
        auto r = sample();
        r.calls[0].at_risk = {{"device.out_of_service", "device Portal-1 is out of service"},
                              {"help.shift", "Sam Reed is not on shift"}};
        auto table = rota_table(r);
        CHECK(table.find("AT RISK\n") != std::string::npos);
        CHECK(table.find("  AT RISK: device.out_of_service: device Portal-1 is out of service\n") !=
              std::string::npos);
        CHECK(table.find("  AT RISK: help.shift: Sam Reed is not on shift\n") != std::string::npos);

        auto csv = rota_csv(r);
        CHECK(csv.find(",AT RISK: device.out_of_service: device Portal-1 is out of service; AT "
                       "RISK: help.shift: Sam Reed is not on shift\r\n") != std::string::npos);

        auto j = nlohmann::json::parse(rota_json(r));
        REQUIRE(j["calls"].size() == 1);
        CHECK(j["calls"][0]["at_risk"] ==
              nlohmann::json::parse(R"([{"rule": "device.out_of_service",
                                          "message": "device Portal-1 is out of service"},
                                         {"rule": "help.shift",
                                          "message": "Sam Reed is not on shift"}])"));
        CHECK_FALSE(
            nlohmann::json::parse(rota_json(r, RotaJsonOptions{false, {}}))["calls"][0].contains(
                "at_risk"));
        auto fine = sample();
        CHECK(nlohmann::json::parse(rota_json(fine))["calls"][0]["at_risk"] ==
              nlohmann::json::array());

        auto lines = unfold(rota_ics(r));
        CHECK(std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
            return l.rfind("SUMMARY:AT RISK: Call: Asha Patel (12) with Rajendra", 0) == 0;
        }));
        CHECK(std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
            return l.rfind("DESCRIPTION:AT RISK: device.out_of_service: device Portal-1 is out of "
                           "service\\nAT RISK: help.shift: ",
                           0) == 0;
        }));

        auto html = rota_html(r);
        CHECK(html.find("<tr class=\"risk\">") != std::string::npos);
        CHECK(html.find("AT RISK: help.shift: Sam Reed is not on shift") != std::string::npos);

        // A family's calendar: marked, but not the ward's messages.
        auto mine = for_contact(r, "C-RAJ", false);
        REQUIRE(mine.calls.front().at_risk.size() == 2);
        CHECK(mine.calls.front().at_risk[0].rule == "device.out_of_service");
        CHECK(mine.calls.front().at_risk[0].message == k_family_risk_message);
        CHECK(rota_ics(mine, IcsOptions{"C-RAJ", "Video calls"}).find("Sam Reed is not") ==
              std::string::npos);
    }
}
