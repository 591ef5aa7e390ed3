// Crash safety (docs/reliability.md A1, A2): the real binary is killed with SIGKILL at a random
// moment while it writes, and the database is then reopened and checked.
//  A1: a large write (a scenario of about 10,000 records in one transaction) killed at a random
//      moment in [0, T], T the length of an uninterrupted run: integrity_check ok, the records
//      all there or none, the audit rows matching the records.
//  A2: the same during `db migrate` (an empty file and every older schema fixture) and during
//      `db backup`: the schema version old or new, never partial; a backup absent or whole.
// CI runs a few trials; CARECALL_A1_TRIALS=200 and CARECALL_A2_TRIALS=50 run the full targets
// (CARECALL_CRASH_SEED repeats a campaign).
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <thread>

#include "cli/spawn.hpp"

using namespace carecall::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

int env_int(const char* name, int fallback) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') {
        return fallback;
    }
    return std::max(1, std::atoi(v));
}

std::string fmt_id(const char* prefix, int i) {
    return prefix + std::to_string(i);
}

std::mt19937_64& rng() {
    static std::mt19937_64 gen = [] {
        std::uint64_t seed = std::random_device{}();
        if (const char* v = std::getenv("CARECALL_CRASH_SEED"); v != nullptr && *v != '\0') {
            seed = std::stoull(v);
        }
        MESSAGE("crash campaign seed " << seed << " (CARECALL_CRASH_SEED repeats it)");
        return std::mt19937_64(seed);
    }();
    return gen;
}

std::int64_t file_size(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? static_cast<std::int64_t>(st.st_size) : -1;
}

/// Runs SQL and returns the rows as text ("a|b\n" per row); opens normally, so a WAL left by a
/// killed process is recovered first, as any later carecall would.
std::string query(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    std::string out;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        return "<cannot open>";
    }
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
        out = "<error: " + std::string(sqlite3_errmsg(db)) + ">";
        sqlite3_close(db);
        return out;
    }
    int rc = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(st); ++i) {
            const auto* t = sqlite3_column_text(st, i);
            out += (i > 0 ? "|" : "") +
                   std::string(t != nullptr ? reinterpret_cast<const char*>(t) : "NULL");
        }
        out += "\n";
    }
    if (rc != SQLITE_DONE) {
        out += "<error: " + std::string(sqlite3_errmsg(db)) + ">";
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

/// Every row of every table, sorted, except the audit rows' time (which differs between runs):
/// two databases holding the same records and the same audit trail have the same content.
std::string content_of(const std::string& path) {
    if (!fs::exists(path)) {
        return "<no file>";
    }
    std::string out = "version " + query(path, "PRAGMA user_version");
    auto tables = query(path, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
    std::istringstream in(tables);
    std::string name;
    while (std::getline(in, name)) {
        out += "== " + name + "\n";
        // Every column but the times a row was written (at_utc, created_at, updated_at).
        auto columns = query(path, "SELECT group_concat('\"' || name || '\"', ', ') FROM "
                                   "pragma_table_info('" +
                                       name +
                                       "') WHERE name NOT IN "
                                       "('at_utc', 'created_at', 'updated_at')");
        columns.pop_back(); // the newline
        out += query(path, "SELECT " + columns + " FROM \"" + name + "\" ORDER BY 1, 2");
    }
    return out;
}

/// The records' audit trail matches the records: every record has its "add" row and no audit
/// row names a record that is not there.
void check_audit_matches(const std::string& path) {
    for (const char* kind :
         {"site", "ward", "resident", "contact", "device", "staff", "request", "booking"}) {
        INFO("kind: " << kind);
        std::string k = kind;
        CHECK(query(path, "SELECT count(*) FROM " + k +
                              " WHERE id NOT IN (SELECT record_id FROM "
                              "audit WHERE kind = '" +
                              k + "' AND action IN ('add', 'book'))") == "0\n");
        CHECK(query(path, "SELECT count(*) FROM audit WHERE kind = '" + k +
                              "' AND action IN ('add', 'book') AND record_id NOT IN (SELECT id "
                              "FROM " +
                              k + ")") == "0\n");
    }
}

/// `integrity_check` through SQLite itself and `db check` through carecall.
void check_integrity(const Scratch& s, const std::string& path) {
    CHECK(query(path, "PRAGMA integrity_check") == "ok\n");
    CHECK(query(path, "PRAGMA foreign_key_check") == "");
    auto r = run_process(s, carecall_argv(path, {"db", "check"}));
    INFO("db check: " << r.out << r.err);
    CHECK(r.code == 0);
}

/// A scenario of about 10,000 records (sites, wards, residents, contacts, devices, staff,
/// requests), every request approving its pair: imported in one transaction.
std::string big_scenario() {
    json week = json::array({0, 1, 2, 3, 4, 5, 6});
    json s{{"format", "carecall-scenario/1"},
           {"horizon", {{"start_date", "2027-03-22"}, {"days", 7}, {"slot_minutes", 15}}}};
    const char* zones[] = {"Europe/London", "Europe/Dublin", "America/New_York",
                           "Australia/Sydney"};
    const int sites = 4;
    const int wards_per_site = 10;
    const int residents = 3200;
    const int contacts = 3200;
    const int devices = 80;
    const int staff = 160;
    const int requests = 3400;
    for (int i = 0; i < sites; ++i) {
        s["sites"].push_back({{"id", fmt_id("S", i)}, {"tz", zones[i % 4]}});
    }
    for (int i = 0; i < sites * wards_per_site; ++i) {
        s["wards"].push_back(
            {{"id", fmt_id("W", i)},
             {"site", fmt_id("S", i / wards_per_site)},
             {"calling_hours", {{{"weekdays", week}, {"start", "09:00"}, {"end", "20:00"}}}}});
    }
    for (int i = 0; i < residents; ++i) {
        s["residents"].push_back(
            {{"id", fmt_id("R", i)},
             {"ward", fmt_id("W", i % (sites * wards_per_site))},
             {"needs_assistance", i % 4 == 0},
             {"care_blocks",
              {{{"weekdays", week}, {"start", "12:30"}, {"end", "13:30"}, {"label", "lunch"}}}}});
    }
    for (int i = 0; i < contacts; ++i) {
        s["contacts"].push_back(
            {{"id", fmt_id("C", i)},
             {"tz", zones[(i / 7) % 4]},
             {"availability", {{{"weekdays", week}, {"start", "07:00"}, {"end", "22:00"}}}}});
    }
    for (int i = 0; i < devices; ++i) {
        int site = i % sites;
        s["devices"].push_back(
            {{"id", fmt_id("D", i)},
             {"site", fmt_id("S", site)},
             {"wards", {fmt_id("W", site * wards_per_site + i % wards_per_site)}},
             {"cleaning_minutes", 10},
             {"move_minutes", 5}});
    }
    for (int i = 0; i < staff; ++i) {
        s["staff"].push_back(
            {{"id", fmt_id("E", i)},
             {"ward", fmt_id("W", i % (sites * wards_per_site))},
             {"shifts", {{{"start", "2027-03-22T07:00"}, {"end", "2027-03-22T15:00"}}}}});
    }
    for (int i = 0; i < requests; ++i) {
        s["requests"].push_back({{"id", fmt_id("Q", i)},
                                 {"resident", fmt_id("R", i % residents)},
                                 {"contact", fmt_id("C", (i * 7) % contacts)},
                                 {"calls", 1 + i % 3},
                                 {"duration_minutes", 30},
                                 {"priority", 1 + i % 3}});
    }
    return s.dump();
}

/// A home whose week can hold 12,000 calls (40 wards of 75 residents, 3 devices each, every
/// resident asking for 4 calls of 30 minutes with their own contact), and a rota placing them
/// all: 12,000 calls saved by `import rota` in one transaction.
std::pair<std::string, std::string> rota_scenario_and_rota() {
    json week = json::array({0, 1, 2, 3, 4, 5, 6});
    const int wards = 40;
    const int per_ward = 75;
    const int devices_per_ward = 3;
    json s{{"format", "carecall-scenario/1"},
           {"horizon", {{"start_date", "2027-03-01"}, {"days", 7}, {"slot_minutes", 15}}},
           {"staff", json::array()}};
    s["sites"].push_back({{"id", "S0"}, {"tz", "Europe/London"}});
    for (int w = 0; w < wards; ++w) {
        s["wards"].push_back(
            {{"id", fmt_id("W", w)},
             {"site", "S0"},
             {"calling_hours", {{{"weekdays", week}, {"start", "08:00"}, {"end", "22:00"}}}}});
        for (int d = 0; d < devices_per_ward; ++d) {
            s["devices"].push_back({{"id", fmt_id("D", w * devices_per_ward + d)},
                                    {"site", "S0"},
                                    {"wards", {fmt_id("W", w)}},
                                    {"cleaning_minutes", 10},
                                    {"move_minutes", 5}});
        }
    }
    json rota{
        {"format", "carecall-rota/1"}, {"calls", json::array()}, {"unscheduled", json::array()}};
    // London is on GMT all of 1-7 March 2027: local times are UTC.
    std::map<std::pair<int, int>, int> used; // (ward, day) → calls placed
    for (int r = 0; r < wards * per_ward; ++r) {
        int w = r % wards;
        int k = r / wards;
        s["residents"].push_back({{"id", fmt_id("R", r)}, {"ward", fmt_id("W", w)}});
        s["contacts"].push_back(
            {{"id", fmt_id("C", r)},
             {"tz", "Europe/London"},
             {"availability", {{{"weekdays", week}, {"start", "08:00"}, {"end", "22:00"}}}}});
        s["requests"].push_back({{"id", fmt_id("Q", r)},
                                 {"resident", fmt_id("R", r)},
                                 {"contact", fmt_id("C", r)},
                                 {"calls", 4},
                                 {"duration_minutes", 30},
                                 {"priority", 1},
                                 {"max_per_day", 1}});
        for (int j = 0; j < 4; ++j) {
            int day = (k % 7 + 2 * j) % 7; // four different days
            int n = used[{w, day}]++;
            int device = w * devices_per_ward + n % devices_per_ward;
            int minute = 8 * 60 + (n / devices_per_ward) * 45; // 30 min call, 10 cleaning
            REQUIRE(minute + 30 <= 22 * 60);
            auto two = [](int v) { return (v < 10 ? "0" : "") + std::to_string(v); };
            auto at = [&](int m) {
                return "2027-03-" + two(1 + day) + "T" + two(m / 60) + ":" + two(m % 60) + ":00Z";
            };
            rota["calls"].push_back({{"request", fmt_id("Q", r)},
                                     {"resident", fmt_id("R", r)},
                                     {"contact", fmt_id("C", r)},
                                     {"device", fmt_id("D", device)},
                                     {"staff", nullptr},
                                     {"start_utc", at(minute)},
                                     {"end_utc", at(minute + 30)}});
        }
    }
    return {s.dump(), rota.dump()};
}

/// How a trial ended, as seen from the file the killed process left.
enum class Landed {
    before, ///< no page of the write had reached the file (reading the input, or the
            ///< transaction still in memory)
    during, ///< pages of the transaction in the log (spilled, or being committed) without their
            ///< commit record: rolled back on reopening
    after,  ///< committed (and maybe the process had exited already)
};

struct Tally {
    std::map<Landed, int> landed;
    int exited_first = 0;
    [[nodiscard]] std::string text() const {
        auto get = [&](Landed l) {
            auto it = landed.find(l);
            return it == landed.end() ? 0 : it->second;
        };
        return "before any page reached the file " + std::to_string(get(Landed::before)) +
               ", inside the transaction with pages in the log (rolled back) " +
               std::to_string(get(Landed::during)) + ", after the commit " +
               std::to_string(get(Landed::after)) + " (of which " + std::to_string(exited_first) +
               " had exited before the kill)";
    }
};

/// Starts carecall on `db`, kills it after `delay`; true when it had exited by itself first
/// (its exit status must then be 0).
bool kill_after(const Scratch& s, const std::string& db, const std::vector<std::string>& args,
                std::chrono::microseconds delay) {
    auto child = start_process(carecall_argv(db, args), s.path(".crash-out"), s.path(".crash-err"));
    std::this_thread::sleep_for(delay);
    bool exited = false;
    int status = 0;
    if (::waitpid(child.pid, &status, WNOHANG) == child.pid) {
        exited = true;
    } else {
        ::kill(child.pid, SIGKILL);
        ::waitpid(child.pid, &status, 0);
        // It may have exited between the check and the kill.
        exited = !(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    }
    if (exited) {
        INFO("stderr: " << slurp(child.err_path));
        CHECK(exit_code_of(status) == 0);
    }
    return exited;
}

/// Runs the command to the end once; returns how long it took.
std::chrono::microseconds timed_run(const Scratch& s, const std::string& db,
                                    const std::vector<std::string>& args) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = run_process(s, carecall_argv(db, args));
    auto t = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - t0);
    INFO("args: " << Scratch::describe(args) << " stderr: " << r.err);
    REQUIRE(r.code == 0);
    return t;
}

std::chrono::microseconds random_delay(std::chrono::microseconds limit) {
    std::uniform_int_distribution<std::int64_t> d(0, limit.count());
    return std::chrono::microseconds(d(rng()));
}

/// A1 for any large write: `args` writes to the database prepared at base.db in one
/// transaction (a parameter: import scenario today; schedule or import rota can be crashed the
/// same way). Each trial starts from a copy of the base, kills the write at a random moment and
/// checks integrity, all-or-nothing content and the audit trail.
Tally crash_large_write(const Scratch& s, const std::vector<std::string>& args, int trials) {
    auto base = s.path("base.db");
    auto full = s.path("full.db");
    fs::copy_file(base, full);
    // The uninterrupted run, watching when the first page of the write reaches the log.
    auto t0 = std::chrono::steady_clock::now();
    auto child = start_process(carecall_argv(full, args), s.path(".full-out"), s.path(".full-err"));
    std::optional<std::chrono::microseconds> first_page;
    int status = 0;
    while (::waitpid(child.pid, &status, WNOHANG) != child.pid) {
        if (!first_page && file_size(full + "-wal") > 0) {
            first_page = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::steady_clock::now() - t0);
        }
        std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    auto t = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - t0);
    INFO("stderr: " << slurp(child.err_path));
    REQUIRE(exit_code_of(status) == 0);
    auto before = content_of(base);
    auto after = content_of(full);
    REQUIRE(before != after);
    check_audit_matches(full);
    MESSAGE("uninterrupted run: " << t.count() / 1000 << " ms, the first page in the log at "
                                  << (first_page ? first_page->count() / 1000 : -1)
                                  << " ms; kills in [0, " << t.count() / 1000 << " ms]");

    Tally tally;
    auto db = s.path("trial.db");
    for (int trial = 0; trial < trials; ++trial) {
        for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
            fs::remove(db + suffix);
        }
        fs::copy_file(base, db);
        // Even trials: anywhere in [0, T]. Odd ones: around the commit, from a little before the
        // first page reached the log in the uninterrupted run to T (uniform kills land mostly
        // while the input is read, as the commit takes a small part of the run).
        auto delay = random_delay(t);
        if (trial % 2 == 1 && first_page) {
            auto from = *first_page * 9 / 10;
            delay = from + random_delay(t - from);
        }
        CAPTURE(trial);
        CAPTURE(delay.count());
        bool exited = kill_after(s, db, args, delay);
        auto wal = file_size(db + "-wal");
        check_integrity(s, db);
        auto content = content_of(db);
        Landed landed = Landed::before;
        if (content == after) {
            landed = Landed::after;
        } else {
            // All or nothing: not the whole write, so none of it.
            CARECALL_CHECK_SAME(before, content);
            landed = wal > 0 ? Landed::during : Landed::before;
        }
        check_audit_matches(db);
        ++tally.landed[landed];
        tally.exited_first += exited ? 1 : 0;
        // The file takes writes after the crash.
        auto again = run_process(s, carecall_argv(db, {"-q", "site", "add", "AFTER-CRASH", "--name",
                                                       "AFTER-CRASH", "--tz", "Europe/London"}));
        INFO("a write after the crash: " << again.err);
        CHECK(again.code == 0);
    }
    return tally;
}

std::vector<std::string> schema_fixtures() {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(source_path("tests/data/schema"))) {
        if (e.path().extension() == ".db") {
            out.push_back(e.path().string());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

int version_of(const std::string& path) {
    auto v = query(path, "PRAGMA user_version");
    return v.empty() || v[0] == '<' ? -1 : std::stoi(v);
}

} // namespace

TEST_SUITE("crash") {

    TEST_CASE("A1: kill -9 while a 10,000-record write is saved: intact, all or nothing, audited") {
        Scratch s;
        s.write("big.json", big_scenario());
        auto r = run_process(s, carecall_argv(s.path("base.db"), {"db", "init"}));
        REQUIRE(r.code == 0);
        int trials = env_int("CARECALL_A1_TRIALS", 10);
        auto tally = crash_large_write(s, {"-q", "import", "scenario", s.path("big.json")}, trials);
        MESSAGE("A1 import scenario, " << trials << " trials: " << tally.text());
    }

    TEST_CASE(
        "A1: kill -9 while a 12,000-call rota is saved (import rota): intact, all or nothing") {
        Scratch s;
        auto [scenario, rota] = rota_scenario_and_rota();
        s.write("home.json", scenario);
        s.write("rota.json", rota);
        auto r = run_process(
            s, carecall_argv(s.path("base.db"), {"-q", "import", "scenario", s.path("home.json")}));
        INFO("import: " << r.err);
        REQUIRE(r.code == 0);
        // Saving 12,000 calls re-checks each: minutes under the sanitizers, so CI runs 2 trials.
        int trials = env_int("CARECALL_A1_TRIALS", 2);
        auto tally = crash_large_write(
            s, {"--now", "2027-02-20T12:00:00Z", "-q", "import", "rota", s.path("rota.json")},
            trials);
        CHECK(query(s.path("full.db"), "SELECT count(*) FROM booking") == "12000\n");
        MESSAGE("A1 import rota (12,000 calls), " << trials << " trials: " << tally.text());
    }

    TEST_CASE("A2: kill -9 during db migrate: the schema old or new, never partial") {
        Scratch s;
        int trials = env_int("CARECALL_A2_TRIALS", 5);
        auto current = schema_version();
        // Every database older than this build: a new empty file (schema 0, the first migration
        // makes every table) and each committed fixture of an earlier schema.
        std::vector<std::string> sources{""};
        for (const auto& f : schema_fixtures()) {
            if (version_of(f) < current) {
                sources.push_back(f);
            }
        }
        for (const auto& source : sources) {
            CAPTURE(source);
            auto prepare = [&](const std::string& db) {
                for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
                    fs::remove(db + suffix);
                }
                for (const auto& e : fs::directory_iterator(s.dir())) {
                    if (starts_with(e.path().filename().string(),
                                    fs::path(db).filename().string() + ".")) {
                        fs::remove(e.path());
                    }
                }
                if (source.empty()) {
                    s.write(fs::path(db).filename().string(), "");
                    ::chmod(db.c_str(), 0600);
                } else {
                    fs::copy_file(source, db);
                }
            };
            auto ref = s.path("ref.db");
            prepare(ref);
            auto old_version = version_of(ref);
            auto old_content = content_of(ref);
            // Only db init takes an empty file as a database (any other command refuses it, exit
            // 5); it migrates the same way.
            const std::vector<std::string> migrate =
                source.empty() ? std::vector<std::string>{"-q", "db", "init"}
                               : std::vector<std::string>{"-q", "db", "migrate"};
            auto t = timed_run(s, ref, migrate);
            REQUIRE(version_of(ref) == current);
            auto new_content = content_of(ref);
            auto backup_name = [&](const std::string& db) {
                return db + ".pre-v" + std::to_string(current) + ".bak";
            };

            int old_seen = 0;
            int new_seen = 0;
            int backups = 0;
            auto db = s.path("trial.db");
            for (int trial = 0; trial < trials; ++trial) {
                prepare(db);
                auto delay = random_delay(t);
                CAPTURE(trial);
                CAPTURE(delay.count());
                kill_after(s, db, migrate, delay);
                auto content = content_of(db);
                auto version = version_of(db);
                if (version == old_version) {
                    ++old_seen;
                    CARECALL_CHECK_SAME(old_content, content);
                } else {
                    ++new_seen;
                    CHECK(version == current);
                    CARECALL_CHECK_SAME(new_content, content);
                }
                CHECK(query(db, "PRAGMA integrity_check") == "ok\n");
                // A pre-migration backup is absent or whole: the old database exactly.
                if (fs::exists(backup_name(db))) {
                    ++backups;
                    CHECK(query(backup_name(db), "PRAGMA integrity_check") == "ok\n");
                    CARECALL_CHECK_SAME(old_content, content_of(backup_name(db)));
                }
                // Migrating again finishes the job.
                auto again = run_process(s, carecall_argv(db, migrate));
                INFO("again: " << again.err);
                CHECK(again.code == 0);
                CHECK(version_of(db) == current);
                CARECALL_CHECK_SAME(new_content, content_of(db));
                check_integrity(s, db);
            }
            MESSAGE("A2 migrate from schema "
                    << old_version << " (" << (source.empty() ? "new empty file" : source) << "), "
                    << trials << " trials: old " << old_seen << ", new " << new_seen
                    << ", pre-migration backup present " << backups << "; never partial");
        }
    }

    TEST_CASE("A2: kill -9 during db backup: the backup absent or whole, the database untouched") {
        Scratch s;
        s.write("big.json", big_scenario());
        auto db = s.path("source.db");
        REQUIRE(run_process(s, carecall_argv(db, {"-q", "import", "scenario", s.path("big.json")}))
                    .code == 0);
        auto content = content_of(db);
        auto t = timed_run(s, db, {"-q", "db", "backup", s.path("timed.bak")});
        int trials = env_int("CARECALL_A2_TRIALS", 5);
        int whole = 0;
        int absent = 0;
        int partial_left = 0;
        for (int trial = 0; trial < trials; ++trial) {
            auto target = s.path("trial-" + std::to_string(trial) + ".bak");
            auto delay = random_delay(t);
            CAPTURE(trial);
            CAPTURE(delay.count());
            kill_after(s, db, {"-q", "db", "backup", target}, delay);
            if (fs::exists(target)) {
                ++whole;
                CHECK(mode_of(target) == 0600);
                CHECK(query(target, "PRAGMA integrity_check") == "ok\n");
                CARECALL_CHECK_SAME(content, content_of(target));
            } else {
                ++absent;
            }
            for (const auto& e : fs::directory_iterator(s.dir())) {
                if (starts_with(e.path().filename().string(),
                                fs::path(target).filename().string() + ".partial")) {
                    ++partial_left;
                    CHECK(mode_of(e.path().string()) == 0600);
                }
            }
            CARECALL_CHECK_SAME(content, content_of(db));
            check_integrity(s, db);
        }
        // A backup to a name whose copy was killed succeeds, and clears what the killed one left.
        for (int trial = 0; trial < trials; ++trial) {
            auto target = s.path("trial-" + std::to_string(trial) + ".bak");
            if (fs::exists(target)) {
                continue;
            }
            auto r = run_process(s, carecall_argv(db, {"-q", "db", "backup", target}));
            INFO("backup again: " << r.err);
            CHECK(r.code == 0);
            CARECALL_CHECK_SAME(content, content_of(target));
            for (const auto& e : fs::directory_iterator(s.dir())) {
                CHECK_FALSE(starts_with(e.path().filename().string(),
                                        fs::path(target).filename().string() + ".partial"));
            }
        }
        MESSAGE("A2 backup, " << trials << " trials: backup whole " << whole << ", absent "
                              << absent << " (" << partial_left
                              << " .partial files left, 0600, removed by "
                              << "the next backup to that name)");
    }

} // TEST_SUITE
