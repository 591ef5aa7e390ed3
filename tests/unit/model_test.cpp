#include <doctest/doctest.h>

#include "carecall/error.hpp"
#include "carecall/model.hpp"

using namespace carecall;

TEST_SUITE("model") {
    TEST_CASE("weekly windows are parsed and formatted") {
        auto w = parse_window("mon-fri 09:00-17:00", "--hours");
        CHECK(w.weekdays == 0x1F);
        CHECK(w.start == 540);
        CHECK(w.end == 1020);
        CHECK(format_window(w) == "mon-fri 09:00-17:00");
        auto lunch = parse_window("daily 12:00-13:00 hot lunch", "b");
        CHECK(lunch.weekdays == 0x7F);
        CHECK(lunch.label == "hot lunch");
        CHECK(format_window(lunch) == "daily 12:00-13:00 hot lunch");
        CHECK(format_window(parse_window("sat,sun 10:00-24:00", "b")) == "sat,sun 10:00-24:00");
        CHECK(format_window(parse_window("Monday,wed,fri 10:00-11:00", "b")) ==
              "mon,wed,fri 10:00-11:00");
        CHECK(parse_window("fri-mon 10:00-11:00", "b").weekdays == (0x01 | 0x10 | 0x20 | 0x40));
        CHECK(parse_window("weekends 10:00-11:00", "b").weekdays == 0x60);
        CHECK(parse_window("weekdays 10:00-11:00", "b").on(4));
        CHECK_FALSE(parse_window("weekdays 10:00-11:00", "b").on(5));
    }

    TEST_CASE("bad weekly windows name the field and the value") {
        CHECK_THROWS_WITH_AS(parse_window("mon-fri 17:00-09:00", "--hours"),
                             "--hours: end 09:00 is not after start 17:00", InvalidInput);
        CHECK_THROWS_WITH_AS(parse_window("mon-fri 09:00-25:61", "--hours"),
                             "--hours: 25:61 is not a time (expected HH:MM)", InvalidInput);
        CHECK_THROWS_WITH_AS(parse_window("funday 09:00-10:00", "--hours"),
                             "--hours: 'funday 09:00-10:00' has 'funday', not a day (expected "
                             "mon … sun, daily, weekdays or weekends)",
                             InvalidInput);
        CHECK_THROWS_WITH_AS(parse_window("mon", "--hours"),
                             "--hours: 'mon' is not a weekly window (expected DAYS HH:MM-HH:MM "
                             "[LABEL], e.g. mon-fri 09:00-17:00)",
                             InvalidInput);
        CHECK_THROWS_WITH_AS(parse_window("mon 09:00", "--hours"),
                             "--hours: 'mon 09:00' needs a time range HH:MM-HH:MM", InvalidInput);
    }

    TEST_CASE("weekday masks") {
        CHECK(weekday_mask({0, 6}, "weekdays") == 0x41);
        CHECK(weekday_list(0x41) == std::vector<int>{0, 6});
        CHECK_THROWS_WITH_AS(weekday_mask({0, 7}, "weekdays"),
                             "weekdays[1]: 7 is not a weekday (0 = Monday … 6 = Sunday)",
                             InvalidInput);
    }

    TEST_CASE("codes") {
        CHECK_NOTHROW(validate_code("W-ROSE"));
        CHECK_NOTHROW(validate_code("R_0042.a"));
        CHECK_THROWS_WITH_AS(validate_code(""), "code: '' must be 1 to 32 characters",
                             InvalidInput);
        CHECK_THROWS_WITH_AS(validate_code("W ROSE"),
                             "code: 'W ROSE' may hold only letters, digits, '-', '_' and '.'",
                             InvalidInput);
        CHECK_THROWS_WITH_AS(validate_code("42"),
                             "code: '42' must not be all digits (numbers are record ids)",
                             InvalidInput);
        CHECK_THROWS_AS(validate_code(std::string(33, 'a')), InvalidInput);
    }

    TEST_CASE("enumerations") {
        CHECK(parse_site_kind("hospice") == SiteKind::hospice);
        CHECK_THROWS_WITH_AS(parse_site_kind("castle"),
                             "kind: 'castle' is not a site kind (expected care_home, hospital, "
                             "hospice or ld_unit)",
                             InvalidInput);
        CHECK(parse_consent_status("best_interest") == ConsentStatus::best_interest);
        CHECK(to_string(ConsentStatus::refused) == "refused");
        CHECK(parse_priority("end_of_life") == 3);
        CHECK(parse_priority("5") == 5);
        CHECK(priority_name(2) == "clinical");
        CHECK(priority_name(7) == "priority-7");
        CHECK_THROWS_WITH_AS(parse_priority("0"),
                             "priority: '0' is not a priority (expected routine, clinical, "
                             "end_of_life or a whole number from 1)",
                             InvalidInput);
        CHECK(parse_booking_status("missed") == BookingStatus::missed);
    }

    TEST_CASE("records are validated in the library") {
        Site s{SiteId{}, "S1", "Sunnyside", SiteKind::care_home, "Europe/Londn"};
        CHECK_THROWS_WITH_AS(validate(s),
                             "tz: unknown time zone 'Europe/Londn' (expected an IANA name such "
                             "as Europe/London)",
                             InvalidInput);
        s.tz = "Europe/London";
        CHECK_NOTHROW(validate(s));

        Ward w;
        w.code = "W1";
        w.name = "Name of " + std::string(w.code);
        w.calling_hours.push_back(WeeklyWindow{0x7F, 600, 540, ""});
        CHECK_THROWS_WITH_AS(validate(w), "calling_hours[0]: end 09:00 is not after start 10:00",
                             InvalidInput);

        Resident r;
        r.code = "R1";
        r.name = "Name of " + std::string(r.code);
        r.max_call_minutes = -5;
        CHECK_THROWS_WITH_AS(validate(r), "max_call_minutes: -5 must be a positive whole number",
                             InvalidInput);
        r.max_call_minutes = 15;
        r.admitted = parse_date("2026-01-10", "d");
        r.discharged = parse_date("2026-01-01", "d");
        CHECK_THROWS_WITH_AS(
            validate(r), "discharged: 2026-01-01 is before admission on 2026-01-10", InvalidInput);

        Device d;
        d.code = "D1";
        d.name = "Name of " + std::string(d.code);
        d.cleaning_minutes = -1;
        CHECK_THROWS_WITH_AS(validate(d),
                             "cleaning_minutes: -1 must be a whole number of minutes from 0 to "
                             "1440",
                             InvalidInput);

        CallRequest q;
        q.code = "Q1";
        q.resident = ResidentId{1};
        q.contacts = {ContactId{1}};
        q.duration_minutes = -30;
        CHECK_THROWS_WITH_AS(validate(q), "duration_minutes: -30 must be a positive whole number",
                             InvalidInput);
        q.duration_minutes = 30;
        q.priority = 0;
        CHECK_THROWS_WITH_AS(validate(q), "priority: 0 must be a whole number from 1",
                             InvalidInput);
        q.priority = 1;
        q.contacts.clear();
        CHECK_THROWS_WITH_AS(validate(q), "contacts: at least one contact is required",
                             InvalidInput);
        q.contacts = {ContactId{1}};
        q.fixed = FixedTime{6, 23 * 60 + 45};
        CHECK_THROWS_WITH_AS(validate(q),
                             "fixed.start: 23:45 plus the call's 30 minutes does not fit in the "
                             "day",
                             InvalidInput);

        Contact c;
        c.code = "C1";
        c.name = "Name of " + std::string(c.code);
        c.tz = "Australia/Sydney";
        c.absences.push_back(
            Period{Instant{std::chrono::seconds{100}}, Instant{std::chrono::seconds{50}}, "away"});
        CHECK_THROWS_WITH_AS(validate(c),
                             "absences[0]: end 1970-01-01T00:00:50Z is not after start "
                             "1970-01-01T00:01:40Z",
                             InvalidInput);
    }

    TEST_CASE("InvalidInput::prefixed builds JSON paths") {
        InvalidInput e("duration_minutes", "must be a positive whole number");
        auto p = e.prefixed("requests[3].");
        CHECK(std::string(p.what()) ==
              "requests[3].duration_minutes: must be a positive whole number");
        CHECK(p.exit_code() == ExitCode::invalid_input);
    }
}
