#pragma once
// A small home for the booking command tests, built in one `import scenario` (no sample files):
// a London site with two wards and three devices (PORTAL-1 serves both wards, cleaning 10 min,
// move 5 min), residents that each trip one rule, staff with weekly shifts, and contacts in
// Europe/London, Australia/Sydney, America/New_York and Asia/Kolkata. "Now" is fixed with --now.

#include <string>

#include "cli/cli_fixture.hpp"

namespace carecall::test {

/// Thu 2027-07-01 08:00 BST.
inline const std::string k_now = "2027-07-01T07:00:00Z";

/// 2027-07-05 is a Monday, 2027-07-10 a Saturday.
///  W-ROSE "Rose Ward": calls daily 08:00-23:00, closed 2027-07-12..14 (norovirus outbreak).
///  W-BLUE "Bluebell Unit": calls at any hour.
///  R-ASHA "Asha Patel" (W-ROSE): calls of at most 45 min, at most 2 a day, lunch 12:00-13:00
///    daily, physiotherapy 2027-07-07 15:00-16:00; approved: Lucy, Raj, Nora, Anil (Tom is
///    listed but not approved).
///  R-IVY "Ivy Clarke" (W-ROSE), R-BEN "Ben Okafor" (W-BLUE): no limits.
///  R-CORA "Cora Lin" (W-ROSE) needs help from staff with `bsl`; R-HAL "Hal Jones" (W-ROSE)
///    needs help, no competence.
///  R-DAN admitted 2027-08-01, R-EVE discharged 2027-06-30, R-FAY refused, R-GUS no consent.
///  C-LUCY "Lucy Brown" and C-TOM "Tom Hart" (London, any time); C-RAJ "Raj Patel" (Sydney,
///  07:00-13:00 and 17:00-23:00); C-NORA "Nora Smith" (New York, 18:00-21:00); C-ANIL "Anil
///  Kumar" (Kolkata, 12:00-23:00, away 2027-07-08 00:00 to 2027-07-10 00:00, wedding in Goa).
///  PORTAL-1 "Portal-1" (W-ROSE, W-BLUE; cleaning 10, move 5; out of service 2027-07-06
///  10:00-12:00 charging), PORTAL-2 "Portal-2" (W-ROSE), TAB-B "Tablet-B" (W-BLUE; cleaning 5).
///  E-SAM "Sam Reed" (W-ROSE, bsl, mon-fri 08:00-16:00), E-KIM "Kim Cho" (W-ROSE, daily
///  08:00-20:00), E-PAT "Pat Doyle" (W-BLUE, bsl, daily 08:00-20:00).
inline const char* const k_care_home = R"({
 "format": "carecall-scenario/1",
 "horizon": {"start_date": "2027-07-05", "days": 7},
 "sites": [{"id": "SUNNY", "name": "Sunnyside Care Home", "kind": "care_home",
            "tz": "Europe/London"}],
 "wards": [
  {"id": "W-ROSE", "site": "SUNNY", "name": "Rose Ward",
   "calling_hours": [{"weekdays": [0,1,2,3,4,5,6], "start": "08:00", "end": "23:00"}],
   "closures": [{"first": "2027-07-12", "last": "2027-07-14", "reason": "norovirus outbreak"}]},
  {"id": "W-BLUE", "site": "SUNNY", "name": "Bluebell Unit",
   "calling_hours": [{"weekdays": [0,1,2,3,4,5,6], "start": "00:00", "end": "24:00"}]}],
 "residents": [
  {"id": "R-ASHA", "ward": "W-ROSE", "name": "Asha Patel", "room": "12",
   "max_call_minutes": 45, "max_calls_per_day": 2,
   "care_blocks": [{"weekdays": [0,1,2,3,4,5,6], "start": "12:00", "end": "13:00",
                    "label": "lunch"}],
   "one_off_blocks": [{"start": "2027-07-07T15:00", "end": "2027-07-07T16:00",
                       "label": "physiotherapy"}]},
  {"id": "R-IVY", "ward": "W-ROSE", "name": "Ivy Clarke", "room": "11"},
  {"id": "R-BEN", "ward": "W-BLUE", "name": "Ben Okafor", "room": "3"},
  {"id": "R-CORA", "ward": "W-ROSE", "name": "Cora Lin", "room": "14",
   "needs_assistance": true, "competences": ["bsl"]},
  {"id": "R-HAL", "ward": "W-ROSE", "name": "Hal Jones", "room": "15", "needs_assistance": true},
  {"id": "R-DAN", "ward": "W-ROSE", "name": "Dan Webb", "admitted": "2027-08-01"},
  {"id": "R-EVE", "ward": "W-ROSE", "name": "Eve Long", "admitted": "2026-01-10",
   "discharged": "2027-06-30"},
  {"id": "R-FAY", "ward": "W-ROSE", "name": "Fay Moss", "consent": "refused"},
  {"id": "R-GUS", "ward": "W-ROSE", "name": "Gus Hill", "consent": "none"}],
 "contacts": [
  {"id": "C-LUCY", "name": "Lucy Brown", "relationship": "daughter", "tz": "Europe/London",
   "availability": [{"weekdays": [0,1,2,3,4,5,6], "start": "00:00", "end": "24:00"}]},
  {"id": "C-RAJ", "name": "Raj Patel", "relationship": "son", "tz": "Australia/Sydney",
   "availability": [{"weekdays": [0,1,2,3,4,5,6], "start": "07:00", "end": "13:00"},
                    {"weekdays": [0,1,2,3,4,5,6], "start": "17:00", "end": "23:00"}]},
  {"id": "C-NORA", "name": "Nora Smith", "relationship": "niece", "tz": "America/New_York",
   "availability": [{"weekdays": [0,1,2,3,4,5,6], "start": "18:00", "end": "21:00"}]},
  {"id": "C-ANIL", "name": "Anil Kumar", "relationship": "brother", "tz": "Asia/Kolkata",
   "availability": [{"weekdays": [0,1,2,3,4,5,6], "start": "12:00", "end": "23:00"}],
   "absences": [{"start": "2027-07-08T00:00", "end": "2027-07-10T00:00",
                 "label": "wedding in Goa"}]},
  {"id": "C-TOM", "name": "Tom Hart", "relationship": "friend", "tz": "Europe/London",
   "availability": [{"weekdays": [0,1,2,3,4,5,6], "start": "00:00", "end": "24:00"}]}],
 "devices": [
  {"id": "PORTAL-1", "name": "Portal-1", "site": "SUNNY", "wards": ["W-ROSE", "W-BLUE"],
   "cleaning_minutes": 10, "move_minutes": 5,
   "out_of_service": [{"start": "2027-07-06T10:00", "end": "2027-07-06T12:00",
                       "label": "charging"}]},
  {"id": "PORTAL-2", "name": "Portal-2", "site": "SUNNY", "wards": ["W-ROSE"],
   "cleaning_minutes": 10, "move_minutes": 5},
  {"id": "TAB-B", "name": "Tablet-B", "site": "SUNNY", "wards": ["W-BLUE"],
   "cleaning_minutes": 5, "move_minutes": 0}],
 "staff": [
  {"id": "E-SAM", "name": "Sam Reed", "ward": "W-ROSE", "competences": ["bsl"],
   "weekly_shifts": [{"weekdays": [0,1,2,3,4], "start": "08:00", "end": "16:00"}]},
  {"id": "E-KIM", "name": "Kim Cho", "ward": "W-ROSE",
   "weekly_shifts": [{"weekdays": [0,1,2,3,4,5,6], "start": "08:00", "end": "20:00"}]},
  {"id": "E-PAT", "name": "Pat Doyle", "ward": "W-BLUE", "competences": ["bsl"],
   "weekly_shifts": [{"weekdays": [0,1,2,3,4,5,6], "start": "08:00", "end": "20:00"}]}],
 "requests": [],
 "approvals": [
  {"resident": "R-ASHA", "contact": "C-LUCY", "key_contact": true},
  {"resident": "R-ASHA", "contact": "C-RAJ"},
  {"resident": "R-ASHA", "contact": "C-NORA"},
  {"resident": "R-ASHA", "contact": "C-ANIL"},
  {"resident": "R-ASHA", "contact": "C-TOM", "approved": false},
  {"resident": "R-IVY", "contact": "C-LUCY"},
  {"resident": "R-IVY", "contact": "C-TOM"},
  {"resident": "R-BEN", "contact": "C-LUCY"},
  {"resident": "R-BEN", "contact": "C-RAJ"},
  {"resident": "R-BEN", "contact": "C-TOM"},
  {"resident": "R-CORA", "contact": "C-LUCY"},
  {"resident": "R-HAL", "contact": "C-TOM"},
  {"resident": "R-DAN", "contact": "C-LUCY"},
  {"resident": "R-EVE", "contact": "C-LUCY"},
  {"resident": "R-FAY", "contact": "C-LUCY"},
  {"resident": "R-GUS", "contact": "C-LUCY"}]
})";

/// Loads the home into a fresh database.
inline void care_home(const Scratch& s) {
    s.ok({"-q", "import", "scenario", "-"}, k_care_home);
}

/// `--now NOW` (default k_now) in front of the arguments.
inline Args now_args(Args args, const std::string& now = k_now) {
    args.insert(args.begin(), {"--now", now});
    return args;
}

/// Runs with a fixed "now" and requires success; returns stdout.
inline std::string ok_at(const Scratch& s, const Args& args, const std::string& now = k_now) {
    return s.ok(now_args(args, now));
}

/// Runs with a fixed "now".
inline Result run_at(const Scratch& s, const Args& args, const std::string& now = k_now) {
    return s.run(now_args(args, now));
}

/// A refused command at a fixed "now" (exit code, exact first stderr line, nothing on stdout,
/// database unchanged).
inline Result refused_at(const Scratch& s, const Args& args, int exit_code,
                         const std::string& message, const std::string& now = k_now) {
    return check_refused(s, now_args(args, now), exit_code, message);
}

/// `book --resident R --contact C --at AT` plus extra arguments, at a fixed "now".
inline Args book_args(const std::string& resident, const std::string& contact,
                      const std::string& at, const Args& extra = {}) {
    Args a{"book", "--resident", resident, "--contact", contact, "--at", at};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
}

/// Books and returns the new booking's JSON (`book --json`).
inline nlohmann::json book_json(const Scratch& s, const Args& args,
                                const std::string& now = k_now) {
    auto j = parse_json(ok_at(
        s,
        [&] {
            Args a = args;
            a.insert(a.begin(), "--json");
            return a;
        }(),
        now));
    REQUIRE(j["format"] == "carecall-booking/1");
    return j;
}

/// The JSON object printed on stderr with --json (its last line).
inline nlohmann::json error_json(const std::string& err) {
    auto trimmed = err;
    while (!trimmed.empty() && trimmed.back() == '\n') {
        trimmed.pop_back();
    }
    auto at = trimmed.rfind('\n');
    return parse_json(at == std::string::npos ? trimmed : trimmed.substr(at + 1));
}

/// Copies the database (and its WAL, if any) to `name` in the scratch directory; returns the path.
inline std::string copy_db(const Scratch& s, const std::string& name) {
    namespace fs = std::filesystem;
    auto to = s.path(name);
    fs::copy_file(s.db(), to, fs::copy_options::overwrite_existing);
    for (const char* ext : {"-wal", "-shm"}) {
        std::error_code ec;
        fs::remove(to + ext, ec);
        if (fs::exists(s.db() + ext)) {
            fs::copy_file(s.db() + ext, to + ext, fs::copy_options::overwrite_existing);
        }
    }
    return to;
}

} // namespace carecall::test

namespace carecall::test {

/// The rows of a query on a database file (read-only), each column as text ("NULL" for null).
inline std::vector<std::vector<std::string>> query_rows(const std::string& path,
                                                        const std::string& sql) {
    sqlite3* db = nullptr;
    std::vector<std::vector<std::string>> rows;
    REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
    INFO("sql: " << sql << " error: " << sqlite3_errmsg(db));
    REQUIRE(rc == SQLITE_OK);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        std::vector<std::string> row;
        for (int i = 0; i < sqlite3_column_count(st); ++i) {
            const auto* text = sqlite3_column_text(st, i);
            row.emplace_back(text == nullptr ? "NULL" : reinterpret_cast<const char*>(text));
        }
        rows.push_back(std::move(row));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_DONE);
    return rows;
}

/// A single number from a query.
inline long long query_int(const std::string& path, const std::string& sql) {
    auto rows = query_rows(path, sql);
    REQUIRE(rows.size() == 1);
    REQUIRE(rows[0].size() == 1);
    return std::stoll(rows[0][0]);
}

/// How many lines of `text` are exactly `line`.
inline int count_lines(const std::string& text, const std::string& line) {
    std::istringstream in(text);
    std::string l;
    int n = 0;
    while (std::getline(in, l)) {
        n += l == line ? 1 : 0;
    }
    return n;
}

} // namespace carecall::test
