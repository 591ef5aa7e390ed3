// Residents, contacts and staff ↔ CSV sheets through the library: full records survive export and
// import into another store; a bad row leaves the store as it was.

#include <string>

#include <doctest/doctest.h>

#include "carecall/error.hpp"
#include "carecall/spreadsheet.hpp"
#include "carecall/store.hpp"

using namespace carecall;

namespace {

Instant utc(int y, unsigned m, unsigned d, int h, int min) {
    return Instant{date::sys_days{date::year{y} / date::month{m} / date::day{d}}} +
           std::chrono::hours{h} + std::chrono::minutes{min};
}

/// A site in New York with one ward: the store every test imports into.
std::unique_ptr<Store> home() {
    auto store = open_store("sqlite::memory:");
    auto site =
        store->sites().add(Site{{}, "NY", "Bronx Home", SiteKind::care_home, "America/New_York"});
    Ward w;
    w.code = "W-1";
    w.name = "First floor";
    w.site = site;
    w.calling_hours = {parse_window("daily 09:00-20:00", "w")};
    store->wards().add(w);
    return store;
}

Resident full_resident(Store& store) {
    Resident r;
    r.code = "R-Q";
    r.name = "Quinn \"Q\" O'Hara, Jr. — Zoë 😀"; // a quote and a comma: quoted in CSV
    r.ward = store.wards().get("W-1", "ward").id;
    r.room = "3; annex";
    r.admitted = parse_date("2026-02-01", "d");
    r.discharged = parse_date("2027-12-31", "d");
    r.needs_assistance = true;
    r.competences = {"bsl", "semi;colon", "back\\slash"};
    r.max_call_minutes = 40;
    r.max_calls_per_day = 3;
    r.care_blocks = {parse_window("mon-fri 12:00-13:00 lunch", "c"),
                     parse_window("sat,sun 08:00-09:00", "c")};
    // 01:30 on 2027-11-07 happens twice in New York: the second one (EST, UTC-5) is kept.
    r.one_off_blocks = {{utc(2027, 11, 7, 6, 30), utc(2027, 11, 7, 7, 30), "clock change; test"},
                        {utc(2027, 7, 1, 14, 0), utc(2027, 7, 1, 15, 0), ""}};
    r.consent = {ConsentStatus::best_interest, "Dr Ní Bhriain", parse_date("2027-01-02", "d"),
                 parse_date("2027-07-02", "d")};
    return r;
}

} // namespace

TEST_SUITE("sheets") {

    TEST_CASE("sheets: every field survives export and import into another store") {
        auto a = home();
        auto r = full_resident(*a);
        r.id = a->residents().add(r);
        Contact c;
        c.code = "C-1";
        c.name = "=1+1";
        c.relationship = "grand-daughter";
        c.tz = "Asia/Kolkata";
        c.availability = {parse_window("daily 18:00-22:00 evenings", "a")};
        c.absences = {{utc(2027, 7, 8, 0, 0), utc(2027, 7, 9, 0, 0), "away"}};
        c.reach = "+91 98765 43210,\n\tor \"WhatsApp\""; // free text over lines: quoted in CSV
        c.id = a->contacts().add(c);
        Staff st;
        st.code = "E-1";
        st.name = "Pat";
        st.wards = {r.ward};
        st.competences = {"bsl"};
        st.shifts = {
            {utc(2027, 3, 14, 11, 0), utc(2027, 3, 14, 20, 0), "the day the clocks go on"}};
        st.weekly_shifts = {parse_window("weekdays 08:00-16:00", "s")};
        st.id = a->staff().add(st);

        auto b = home();
        for (auto kind : {SheetKind::residents, SheetKind::contacts, SheetKind::staff}) {
            auto text = export_sheet(*a, kind);
            auto sum = import_sheet(*b, kind, text, to_string(kind) + ".csv");
            CHECK(sum.rows == 1);
            CHECK(sum.added == 1);
            CHECK(export_sheet(*b, kind) == text);
        }
        auto r2 = b->residents().get("R-Q", "resident");
        r2.id = r.id;
        CHECK(r2 == r);
        auto c2 = b->contacts().get("C-1", "contact");
        c2.id = c.id;
        CHECK(c2 == c);
        auto st2 = b->staff().get("E-1", "staff");
        st2.id = st.id;
        CHECK(st2 == st);
        CHECK(sheet_columns(SheetKind::staff) ==
              std::vector<std::string>{"code", "name", "wards", "competences", "weekly_shifts",
                                       "shifts"});
    }

    TEST_CASE(
        "sheets: a bad row leaves the store as it was; updates keep what the file leaves out") {
        auto store = home();
        auto r = full_resident(*store);
        store->residents().add(r);
        auto before = store->residents().list();
        CHECK_THROWS_WITH_AS(
            import_sheet(*store, SheetKind::residents,
                         "code,name,ward\nR-Q,New name,W-1\nR-2,Two,W-1\nR-3,Three,W-9\n",
                         "in.csv"),
            "in.csv:4: ward: no ward W-9", InvalidInput);
        CHECK(store->residents().list() == before);
        CHECK_THROWS_WITH_AS(
            import_sheet(*store, SheetKind::residents,
                         "code,admitted,discharged\nR-Q,2027-01-10,2027-01-01\n", "in.csv"),
            "in.csv:2: discharged: 2027-01-01 is before admission on 2027-01-10", InvalidInput);
        CHECK(store->residents().list() == before);

        auto sum = import_sheet(*store, SheetKind::residents, "room,code\r\n4,R-Q\r\n", "in.csv");
        CHECK(sum.updated == 1);
        auto after = store->residents().get("R-Q", "resident");
        CHECK(after.room == "4");
        after.room = r.room;
        after.id = before.front().id;
        CHECK(after == before.front());
        CHECK(parse_sheet_kind("staff") == SheetKind::staff);
        CHECK_THROWS_WITH_AS(parse_sheet_kind("rooms", "kind"),
                             "kind: 'rooms' is not a sheet (expected residents, contacts or staff)",
                             InvalidInput);
    }

} // TEST_SUITE
