// Many carecall processes on one database file (docs/reliability.md C1-C3).
//  C1: 32 processes book the same device slot at once: one wins, 31 are told who won.
//  C2: 8 processes make random book/cancel/move changes: no double booking afterwards, every
//      attempt either succeeded or was refused, one audit row per change.
//  C3: a writer holding the lock: --wait runs out with exit 75 and "retry"; reads still work.
// CI runs a few rounds; CARECALL_C1_ROUNDS=100 and CARECALL_C2_OPS=500 run the full targets.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <map>
#include <random>

#include "cli/booking_fixture.hpp"

extern char** environ;

using namespace carecall::test;
using nlohmann::json;

namespace {

// A loaded machine (other builds, sanitizers) slows every process down, so the processes wait for
// the lock as long as it takes: what these tests hold is one winner and no double booking, not
// the default --wait (C3 tests that). A hang still fails, after k_hang_limit.
const std::string k_patient_wait = "600000";
constexpr std::chrono::seconds k_hang_limit{900};

int env_int(const char* name, int fallback) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') {
        return fallback;
    }
    return std::max(1, std::atoi(v));
}

/// The environment for a child: the caller's, without carecall's own settings.
std::vector<std::string> child_environment() {
    std::vector<std::string> out;
    for (char** e = environ; *e != nullptr; ++e) {
        std::string kv = *e;
        if (starts_with(kv, "CARECALL_DB=") || starts_with(kv, "CARECALL_NOW=") ||
            starts_with(kv, "NO_COLOR=")) {
            continue;
        }
        out.push_back(kv);
    }
    return out;
}

/// A command line ready for execve (built before fork: the child only calls async-signal-safe
/// functions).
struct Prepared {
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string out_path;
    std::string err_path;
    std::vector<char*> argv;
    std::vector<char*> envp;

    void finish() {
        for (auto& a : args) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        for (auto& e : env) {
            envp.push_back(e.data());
        }
        envp.push_back(nullptr);
    }
};

/// Starts the child; it waits until the gate pipe reads end of file (every write end closed:
/// the parent's after the last child is forked), then runs the command.
pid_t spawn_gated(Prepared& p, int gate, int gate_write = -1) {
    pid_t pid = fork();
    if (pid == 0) {
        if (gate_write >= 0) {
            ::close(gate_write);
        }
        int out = ::open(p.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = ::open(p.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int in = ::open("/dev/null", O_RDONLY);
        if (out < 0 || err < 0 || in < 0) {
            _exit(126);
        }
        ::dup2(in, 0);
        ::dup2(out, 1);
        ::dup2(err, 2);
        if (gate >= 0) {
            char c = 0;
            while (::read(gate, &c, 1) > 0) {
            }
            ::close(gate);
        }
        ::execve(p.argv[0], p.argv.data(), p.envp.data());
        _exit(127);
    }
    return pid;
}

int exit_code(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/// Waits for the children this test started; after `limit` kills those still running (a hang
/// must fail the test, not the CI job). Returns each child's exit code (-1: killed).
std::vector<int> wait_all(const std::vector<pid_t>& pids, std::chrono::seconds limit) {
    std::vector<int> codes(pids.size(), -2);
    auto deadline = std::chrono::steady_clock::now() + limit;
    std::size_t left = pids.size();
    while (left > 0) {
        bool progress = false;
        for (std::size_t i = 0; i < pids.size(); ++i) {
            if (codes[i] != -2) {
                continue;
            }
            int status = 0;
            if (::waitpid(pids[i], &status, WNOHANG) == pids[i]) {
                codes[i] = exit_code(status);
                --left;
                progress = true;
            }
        }
        if (left > 0 && std::chrono::steady_clock::now() > deadline) {
            for (std::size_t i = 0; i < pids.size(); ++i) {
                if (codes[i] == -2) {
                    ::kill(pids[i], SIGKILL);
                    int status = 0;
                    ::waitpid(pids[i], &status, 0);
                    codes[i] = -1;
                }
            }
            break;
        }
        if (!progress) {
            ::usleep(2000);
        }
    }
    return codes;
}

/// Runs `carecall --db DB --now NOW args…` and returns its result (no shell: used from a forked
/// worker where doctest must not be touched).
Result run_direct(const std::string& db, const Args& args, const std::string& dir,
                  const std::string& tag) {
    Prepared p;
    p.args = {CARECALL_BIN, "--db", db, "--now", k_now, "--wait", k_patient_wait};
    p.args.insert(p.args.end(), args.begin(), args.end());
    p.env = child_environment();
    p.out_path = dir + "/" + tag + ".out";
    p.err_path = dir + "/" + tag + ".err";
    p.finish();
    pid_t pid = spawn_gated(p, -1);
    int status = 0;
    ::waitpid(pid, &status, 0);
    Result r;
    r.code = exit_code(status);
    r.out = slurp(p.out_path);
    r.err = slurp(p.err_path);
    return r;
}

/// "2027-07-04T23:00:00Z" plus `minutes`.
std::string utc_plus(int minutes) {
    std::tm base{};
    base.tm_year = 2027 - 1900;
    base.tm_mon = 6;
    base.tm_mday = 4;
    base.tm_hour = 23;
    std::time_t t = timegm(&base) + static_cast<std::time_t>(minutes) * 60;
    std::tm out{};
    gmtime_r(&t, &out);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &out);
    return buf;
}

struct Row {
    long long id = 0;
    long long device = 0;
    long long resident = 0;
    long long ward = 0;
    long long start = 0;
    long long end = 0;
};

/// Pairs of active bookings that break "one call at a time" (with cleaning and moving minutes on
/// devices), as text for failure messages; empty when none.
std::vector<std::string> double_bookings(const std::string& db) {
    std::vector<Row> rows;
    for (const auto& r : query_rows(db, "SELECT b.id, b.device_id, b.resident_id, r.ward_id, "
                                        "b.start_utc, b.end_utc FROM booking b JOIN resident r "
                                        "ON r.id = b.resident_id WHERE b.status IN ('booked', "
                                        "'completed', 'missed')")) {
        rows.push_back(Row{std::stoll(r[0]), std::stoll(r[1]), std::stoll(r[2]), std::stoll(r[3]),
                           std::stoll(r[4]), std::stoll(r[5])});
    }
    std::map<long long, std::pair<long long, long long>> device_gap; // cleaning, move (seconds)
    for (const auto& r : query_rows(db, "SELECT id, cleaning_minutes, move_minutes FROM device")) {
        device_gap[std::stoll(r[0])] = {std::stoll(r[1]) * 60, std::stoll(r[2]) * 60};
    }
    std::multimap<long long, long long> contacts; // booking -> contact
    for (const auto& r : query_rows(db, "SELECT booking_id, contact_id FROM booking_contact")) {
        contacts.emplace(std::stoll(r[0]), std::stoll(r[1]));
    }
    auto has_contact = [&](long long booking, long long contact) {
        auto [a, b] = contacts.equal_range(booking);
        return std::any_of(a, b, [&](const auto& kv) { return kv.second == contact; });
    };
    std::vector<std::string> out;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        for (std::size_t j = i + 1; j < rows.size(); ++j) {
            const auto& a = rows[i];
            const auto& b = rows[j];
            auto what = [&](const char* kind) {
                out.push_back(std::string(kind) + ": bookings " + std::to_string(a.id) + " and " +
                              std::to_string(b.id));
            };
            if (a.device == b.device) {
                auto [clean, move] = device_gap[a.device];
                auto gap = clean + (a.ward != b.ward ? move : 0);
                if (a.start < b.end + gap && b.start < a.end + gap) {
                    what("device");
                }
            }
            bool overlap = a.start < b.end && b.start < a.end;
            if (overlap && a.resident == b.resident) {
                what("resident");
            }
            if (overlap) {
                auto [c0, c1] = contacts.equal_range(a.id);
                for (auto it = c0; it != c1; ++it) {
                    if (has_contact(b.id, it->second)) {
                        what("contact");
                    }
                }
            }
        }
    }
    return out;
}

} // namespace

TEST_SUITE("cli concurrency") {

    TEST_CASE("C1: 32 processes book the same device slot at once: one wins, 31 are told who") {
        const int rounds = env_int("CARECALL_C1_ROUNDS", 4);
        const int procs = 32;
        Scratch s;
        care_home(s);
        auto env = child_environment();
        int exit75 = 0;
        int locked = 0;
        auto started = std::chrono::steady_clock::now();
        for (int round = 0; round < rounds; ++round) {
            CAPTURE(round);
            auto at = utc_plus(round * 45); // Tablet-B: 30 minutes and 5 of cleaning apart
            std::vector<Prepared> ps(procs);
            int gate[2];
            REQUIRE(::pipe(gate) == 0);
            std::vector<pid_t> pids;
            for (int i = 0; i < procs; ++i) {
                auto& p = ps[static_cast<std::size_t>(i)];
                p.args = {CARECALL_BIN,   "--db", s.db(),       "--now", k_now,       "--wait",
                          k_patient_wait, "book", "--resident", "R-BEN", "--contact", "C-LUCY",
                          "--at",         at,     "--device",   "TAB-B"};
                p.env = env;
                p.out_path = s.path("c1." + std::to_string(i) + ".out");
                p.err_path = s.path("c1." + std::to_string(i) + ".err");
                p.finish();
                pids.push_back(spawn_gated(p, gate[0], gate[1]));
                REQUIRE(pids.back() > 0);
            }
            ::close(gate[0]);
            ::close(gate[1]); // all start now
            auto codes = wait_all(pids, k_hang_limit);
            std::vector<Result> results(procs);
            for (int i = 0; i < procs; ++i) {
                auto& r = results[static_cast<std::size_t>(i)];
                r.code = codes[static_cast<std::size_t>(i)];
                r.out = slurp(ps[static_cast<std::size_t>(i)].out_path);
                r.err = slurp(ps[static_cast<std::size_t>(i)].err_path);
            }
            std::string winner;
            int wins = 0;
            for (const auto& r : results) {
                exit75 += r.code == 75 ? 1 : 0;
                locked += contains(r.err, "locked") || contains(r.err, "busy") ? 1 : 0;
                if (r.code == 0) {
                    ++wins;
                    REQUIRE(starts_with(r.err, "booked B-"));
                    winner = r.err.substr(7, r.err.find('\n') - 7);
                }
            }
            INFO("first stderr: " << results.front().err);
            REQUIRE(wins == 1);
            int told = 0;
            for (const auto& r : results) {
                if (r.code == 0) {
                    continue;
                }
                INFO("stderr: " << r.err);
                CHECK(r.code == 3);
                CHECK(r.out.empty());
                // "device Tablet-B is in call B-7 from 02:00 BST to 02:30"
                bool names_winner = starts_with(
                    r.err, "carecall: error: device Tablet-B is in call " + winner + " from ");
                CHECK(names_winner);
                told += names_winner ? 1 : 0;
            }
            CHECK(told == procs - 1);
        }
        CHECK(exit75 == 0);
        CHECK(locked == 0);
        CHECK(query_int(s.db(), "SELECT count(*) FROM booking") == rounds);
        CHECK(query_int(s.db(), "SELECT count(*) FROM audit WHERE kind = 'booking'") == rounds);
        CHECK(double_bookings(s.db()).empty());
        auto seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        MESSAGE("C1: " << rounds << " rounds x " << procs << " processes in " << seconds << " s");
    }

    TEST_CASE("C2: 8 processes of random book/cancel/move: no double booking, one audit row each") {
        const int workers = 8;
        const int ops = env_int("CARECALL_C2_OPS", 8);
        Scratch s;
        care_home(s);
        auto started = std::chrono::steady_clock::now();
        std::vector<pid_t> pids;
        for (int w = 0; w < workers; ++w) {
            pid_t pid = fork();
            REQUIRE(pid >= 0);
            if (pid == 0) {
                // A worker: plain code only (no doctest), results to a file, then _exit.
                std::mt19937 rng(static_cast<unsigned>(1000 + w));
                auto pick = [&](int n) {
                    return static_cast<int>(rng() % static_cast<unsigned>(n));
                };
                const char* residents[] = {"R-IVY", "R-BEN", "R-ASHA"};
                const char* contacts[] = {"C-LUCY", "C-TOM"};
                const char* devices[] = {"", "PORTAL-1", "PORTAL-2", "TAB-B"};
                // Books on Mon 5 July 09:00-13:00 BST in 20-minute steps, so calls overlap often;
                // moves anywhere from 09:00 to 20:40 on Monday or Tuesday, so some succeed.
                auto slot = [&](int steps, bool two_days) {
                    int minutes = 9 * 60 + 20 * pick(steps);
                    char buf[40];
                    std::snprintf(buf, sizeof buf, "2027-07-0%d %02d:%02d",
                                  two_days ? 5 + pick(2) : 5, minutes / 60, minutes % 60);
                    return std::string(buf);
                };
                std::vector<std::string> mine;
                std::ofstream log(s.path("c2." + std::to_string(w) + ".log"));
                for (int i = 0; i < ops; ++i) {
                    int kind = mine.empty() ? 0 : pick(4); // 0,1 book; 2 cancel; 3 move
                    Args args;
                    std::string op;
                    if (kind <= 1) {
                        op = "book";
                        args = {"book",         "--resident",      residents[pick(3)],
                                "--contact",    contacts[pick(2)], "--at",
                                slot(12, false)};
                        if (const char* d = devices[pick(4)]; *d != '\0') {
                            args.insert(args.end(), {"--device", d});
                        }
                    } else if (kind == 2) {
                        op = "cancel";
                        args = {"cancel",
                                mine[static_cast<std::size_t>(pick(static_cast<int>(mine.size())))],
                                "--reason", "random test"};
                    } else {
                        op = "move";
                        args = {"move",
                                mine[static_cast<std::size_t>(pick(static_cast<int>(mine.size())))],
                                "--to", slot(36, true)};
                    }
                    auto r = run_direct(s.db(), args, s.dir().string(),
                                        "c2." + std::to_string(w) + "." + std::to_string(i));
                    if (op == "book" && r.code == 0 && starts_with(r.err, "booked ")) {
                        mine.push_back(r.err.substr(7, r.err.find('\n') - 7));
                    }
                    auto first = r.err.substr(0, r.err.find('\n'));
                    log << op << '\t' << r.code << '\t' << first << '\n';
                }
                log.close();
                _exit(0);
            }
            pids.push_back(pid);
        }
        for (auto code : wait_all(pids, k_hang_limit + std::chrono::seconds{10 * ops})) {
            CHECK(code == 0);
        }
        std::map<std::string, int> succeeded;
        int attempts = 0;
        int conflicts = 0;
        int successes = 0;
        for (int w = 0; w < workers; ++w) {
            std::istringstream log(s.read("c2." + std::to_string(w) + ".log"));
            std::string line;
            while (std::getline(log, line)) {
                ++attempts;
                auto t1 = line.find('\t');
                auto t2 = line.find('\t', t1 + 1);
                auto op = line.substr(0, t1);
                int code = std::stoi(line.substr(t1 + 1, t2 - t1 - 1));
                auto message = line.substr(t2 + 1);
                INFO("worker " << w << ": " << line);
                CHECK((code == 0 || code == 3));
                CHECK_FALSE(contains(message, "locked"));
                if (code == 0) {
                    ++successes;
                    ++succeeded[op];
                } else if (code == 3) {
                    ++conflicts;
                    CHECK(starts_with(message, "carecall: error: "));
                }
            }
        }
        CHECK(attempts == workers * ops);
        CHECK(successes + conflicts == attempts);
        auto doubles = double_bookings(s.db());
        INFO("double bookings: " << (doubles.empty() ? "" : doubles.front()));
        CHECK(doubles.empty());
        // One audit row per successful change, of the matching kind.
        CHECK(query_int(s.db(), "SELECT count(*) FROM booking") == succeeded["book"]);
        CHECK(query_int(s.db(), "SELECT count(*) FROM audit WHERE kind = 'booking'") == successes);
        CHECK(query_int(s.db(), "SELECT count(*) FROM audit WHERE kind = 'booking' AND action = "
                                "'book'") == succeeded["book"]);
        CHECK(query_int(s.db(), "SELECT count(*) FROM audit WHERE kind = 'booking' AND action = "
                                "'cancel'") == succeeded["cancel"]);
        CHECK(query_int(s.db(), "SELECT count(*) FROM audit WHERE kind = 'booking' AND action IN "
                                "('move', 'update')") == succeeded["move"]);
        CHECK(query_rows(s.db(), "PRAGMA integrity_check") ==
              std::vector<std::vector<std::string>>{{"ok"}});
        auto seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        MESSAGE("C2: " << workers << " x " << ops << " = " << attempts << " attempts: " << successes
                       << " succeeded (" << succeeded["book"] << " book, " << succeeded["cancel"]
                       << " cancel, " << succeeded["move"] << " move), " << conflicts
                       << " refused, in " << seconds << " s");
    }

    TEST_CASE("C3: a writer holding the lock: --wait runs out with exit 75; reads still work") {
        Scratch s;
        care_home(s);
        ok_at(s, book_args("R-ASHA", "C-LUCY", "2027-07-05 10:00")); // B-1
        auto before = s.dump();

        sqlite3* holder = nullptr;
        REQUIRE(sqlite3_open(s.db().c_str(), &holder) == SQLITE_OK);
        REQUIRE(sqlite3_exec(holder, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);

        auto t0 = std::chrono::steady_clock::now();
        auto r = run_at(s, {"--wait", "200", "book", "--resident", "R-IVY", "--contact", "C-TOM",
                            "--at", "2027-07-05 11:00"});
        auto waited =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0);
        check_error(r, 75, "database " + s.db() + " is busy: another carecall is writing; retry");
        CHECK(waited.count() >= 200);
        r = run_at(s, {"--wait", "200", "--json", "cancel", "B-1", "--reason", "x"});
        CHECK(r.code == 75);
        auto j = error_json(r.err);
        CHECK(j["code"] == "busy");
        CHECK(j["exit"] == 75);
        CHECK(contains(j["message"].get<std::string>(), "retry"));

        // Reads go on while the writer holds its lock.
        r = run_at(s, {"--wait", "200", "agenda", "--date", "2027-07-05"});
        CHECK(r.code == 0);
        CHECK(contains(r.out, "B-1   Mon 2027-07-05  10:00-10:30 BST  Asha Patel"));
        r = run_at(s, {"--wait", "200", "slots", "--resident", "R-IVY", "--contact", "C-TOM",
                       "--limit", "1"});
        CHECK(r.code == 0);
        CHECK(contains(r.out, "Thu 2027-07-01  08:00-08:30 BST"));

        REQUIRE(sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(holder);
        CARECALL_CHECK_SAME(before, s.dump());
        // Free again: the retry succeeds.
        CHECK(starts_with(ok_at(s, book_args("R-IVY", "C-TOM", "2027-07-05 11:00")), "B-2 booked"));
    }

} // TEST_SUITE
