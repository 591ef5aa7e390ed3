// Storage faults through the real binary (docs/reliability.md S1-S5 and the network file system
// check): each gives its documented exit code and message, and nothing written before is lost.
//  S1: fsync/fdatasync fail with EIO (strace fault injection): exit 74, database unchanged.
//  S2: the disk fills up (a small tmpfs when it can be mounted, else ENOSPC injected on write):
//      exit 74 "disk full", earlier data intact.
//  S3: a read-only file and a read-only directory, the command run as `nobody`: exit 77 naming
//      the file; reads still work.
//  S4: a damaged header, damaged pages, another program's SQLite file: exit 5 and what to do,
//      for every kind of command; never a crash.
//  S5: db backup while 4 writer processes run: each backup passes integrity_check, is 0600 and
//      is a committed snapshot.
#include <sys/mount.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "cli/booking_fixture.hpp"
#include "cli/spawn.hpp"

using namespace carecall::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

/// strace must be there and allowed to trace (scripts/install-deps --test installs it).
void require_strace(const Scratch& s) {
    auto r = run_process(s, {"strace", "-f", "-o", "/dev/null", "true"});
    INFO("strace: " << r.err);
    REQUIRE_MESSAGE(r.code == 0,
                    "strace cannot run here: install it (scripts/install-deps --test)");
}

/// `carecall --db DB --now NOW args…` under strace, with `inject` failing some system calls.
Result run_injected(const Scratch& s, const std::string& inject, const Args& args) {
    // Only traced system calls can be made to fail: trace exactly those.
    std::vector<std::string> argv{"strace", "-f",
                                  "-o",     "/dev/null",
                                  "-e",     "trace=" + inject.substr(0, inject.find(':')),
                                  "-e",     "inject=" + inject};
    auto cmd = carecall_argv(s.db(), now_args(args));
    argv.insert(argv.end(), cmd.begin(), cmd.end());
    // LeakSanitizer cannot run under ptrace; AddressSanitizer and UBSan still do.
    return run_process(s, argv, {"ASAN_OPTIONS=detect_leaks=0:abort_on_error=1"});
}

/// A scenario of `n` residents on the care home's ward W-ROSE: a write of about n rows.
std::string many_residents(int n) {
    json s{
        {"format", "carecall-scenario/1"},
        {"horizon", {{"start_date", "2027-07-05"}, {"days", 7}}},
        {"sites", json::array({{{"id", "SUNNY"}, {"tz", "Europe/London"}}})},
        {"contacts", json::array()},
        {"devices", json::array()},
        {"requests", json::array()},
        {"wards", json::array({{{"id", "W-ROSE"},
                                {"site", "SUNNY"},
                                {"calling_hours", json::array({{{"weekdays", {0, 1, 2, 3, 4, 5, 6}},
                                                                {"start", "08:00"},
                                                                {"end", "23:00"}}})}}})}};
    for (int i = 0; i < n; ++i) {
        s["residents"].push_back({{"id", "R-BULK-" + std::to_string(i)},
                                  {"ward", "W-ROSE"},
                                  {"name", std::string(200, 'n')},
                                  {"room", std::to_string(i)}});
    }
    return s.dump();
}

/// Checks a failed write: exit code, the first stderr line's start, nothing on stdout, no crash.
void check_failed(const Result& r, int code, const std::string& start) {
    INFO("stderr: " << r.err);
    INFO("stdout: " << r.out);
    CHECK(r.code == code);
    CHECK(starts_with(r.err, "carecall: error: " + start));
    CHECK(r.out.empty());
    CHECK_FALSE(contains(r.err, "Sanitizer"));
}

/// A tmpfs of `bytes` mounted on `dir` while in scope (root only).
class SmallDisk {
public:
    SmallDisk(const std::string& dir, std::size_t bytes) : m_dir(dir) {
        fs::create_directories(dir);
        std::string options = "size=" + std::to_string(bytes) + ",mode=0700";
        m_mounted =
            ::geteuid() == 0 && ::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) == 0;
    }
    ~SmallDisk() {
        if (m_mounted) {
            ::umount2(m_dir.c_str(), MNT_DETACH);
        }
    }
    SmallDisk(const SmallDisk&) = delete;
    SmallDisk& operator=(const SmallDisk&) = delete;
    [[nodiscard]] bool mounted() const { return m_mounted; }

private:
    std::string m_dir;
    bool m_mounted = false;
};

/// Fills the file system holding `path` until no more than `leave` bytes are free.
void fill_up(const std::string& path, std::size_t leave) {
    std::ofstream out(path, std::ios::binary);
    std::string block(4096, 'x');
    for (;;) {
        auto space = fs::space(fs::path(path).parent_path());
        if (space.available <= leave) {
            break;
        }
        out.write(block.data(), static_cast<std::streamsize>(block.size()));
        out.flush();
        if (!out) {
            break;
        }
    }
}

/// A big-endian 4-byte number of the file format.
std::size_t be32(const std::string& bytes, std::size_t at) {
    std::size_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        v = v << 8 | static_cast<unsigned char>(bytes.at(at + i));
    }
    return v;
}

/// The pages (numbered from 1) on the database file's free list: trunk pages and their leaves.
std::set<std::size_t> free_pages(const std::string& bytes, std::size_t page_size) {
    std::set<std::size_t> out;
    for (std::size_t trunk = be32(bytes, 32); trunk != 0 && out.count(trunk) == 0;) {
        out.insert(trunk);
        auto at = (trunk - 1) * page_size;
        auto leaves = be32(bytes, at + 4);
        for (std::size_t i = 0; i < leaves; ++i) {
            out.insert(be32(bytes, at + 8 + 4 * i));
        }
        trunk = be32(bytes, at);
    }
    return out;
}

} // namespace

TEST_SUITE("cli storage faults") {

    TEST_CASE("S1: an I/O error when syncing (fsync, fdatasync): exit 74, database unchanged") {
        Scratch s;
        require_strace(s);
        care_home(s);
        s.write("bulk.json", many_residents(300));
        // SQLite flushes the database and its log with fdatasync on Linux; carecall flushes a
        // directory with fsync after creating a file in it (below).
        for (const std::string inject : {"fdatasync:error=EIO", "fsync,fdatasync:error=EIO"}) {
            for (const Args& args : {book_args("R-IVY", "C-LUCY", "2027-07-05 10:00"),
                                     Args{"resident", "edit", "R-IVY", "--room", "7"},
                                     Args{"-q", "import", "scenario", s.path("bulk.json")}}) {
                CAPTURE(inject);
                INFO("args: " << Scratch::describe(args));
                auto before = s.dump();
                auto r = run_injected(s, inject, args);
                check_failed(r, 74, "i/o error on " + s.db() + " (flushing to disk failed): ");
                CHECK(contains(r.err, "nothing was saved: check the disk"));
                CARECALL_CHECK_SAME(before, s.dump());
                CHECK(s.run({"db", "check"}).code == 0);
            }
        }
        // Without the fault the same write goes through.
        ok_at(s, book_args("R-IVY", "C-LUCY", "2027-07-05 10:00"));
        CHECK(query_int(s.db(), "SELECT count(*) FROM booking") == 1);

        // fsync of the directory fails after a new database file or a backup is made: refused, and
        // no file is left behind whose name might not survive.
        Scratch fresh;
        auto r = run_injected(fresh, "fsync:error=EIO", {"db", "init"});
        check_failed(r, 74,
                     "i/o error on " + fresh.dir().string() + " (flushing to disk failed): ");
        CHECK_FALSE(fs::exists(fresh.db()));
        auto backup = s.path("backup.db");
        auto b = run_injected(s, "fsync:error=EIO", {"db", "backup", backup});
        check_failed(b, 74, "i/o error on " + s.dir().string() + " (flushing to disk failed): ");
        CHECK_FALSE(fs::exists(backup));
        CHECK(s.run({"db", "check"}).code == 0);
    }

    TEST_CASE("S2: the disk full: exit 74 \"disk full\", earlier data intact") {
        Scratch s;
        SUBCASE("a small file system, filled up") {
            auto mnt = s.path("disk");
            SmallDisk disk(mnt, 4 * 1024 * 1024);
            if (!disk.mounted()) {
                MESSAGE("cannot mount a tmpfs here (not root): the ENOSPC subcase covers S2");
                return;
            }
            auto db = mnt + "/carecall.db";
            auto cc = [&](const Args& args) {
                return run_process(s, carecall_argv(db, now_args(args)));
            };
            s.write("home.json", k_care_home);
            REQUIRE(cc({"-q", "import", "scenario", s.path("home.json")}).code == 0);
            REQUIRE(cc(book_args("R-IVY", "C-LUCY", "2027-07-05 10:00")).code == 0);
            auto before = logical_dump(db);
            s.write("bulk.json", many_residents(4000));
            fill_up(mnt + "/filler", 256 * 1024);

            auto r = cc({"-q", "import", "scenario", s.path("bulk.json")});
            check_failed(r, 74,
                         "cannot write " + db + ": disk full; nothing was saved: free some space");
            CARECALL_CHECK_SAME(before, logical_dump(db));
            CHECK(run_process(s, carecall_argv(db, {"db", "check"})).code == 0);
            // Reads still work on the full disk; with room again the write goes through.
            CHECK(cc({"agenda", "--date", "2027-07-05"}).code == 0);
            fs::remove(mnt + "/filler");
            auto again = cc({"-q", "import", "scenario", s.path("bulk.json")});
            INFO("again: " << again.err);
            CHECK(again.code == 0);
            CHECK(query_int(db, "SELECT count(*) FROM resident WHERE code LIKE 'R-BULK-%'") ==
                  4000);
        }
        SUBCASE("ENOSPC from the kernel on every write (injected)") {
            require_strace(s);
            care_home(s);
            s.write("bulk.json", many_residents(300));
            for (const Args& args : {book_args("R-IVY", "C-LUCY", "2027-07-05 10:00"),
                                     Args{"-q", "import", "scenario", s.path("bulk.json")}}) {
                INFO("args: " << Scratch::describe(args));
                auto before = s.dump();
                auto r = run_injected(s, "pwrite64:error=ENOSPC", args);
                check_failed(r, 74, "cannot write " + s.db() + ": disk full; nothing was saved");
                CARECALL_CHECK_SAME(before, s.dump());
                CHECK(s.run({"db", "check"}).code == 0);
            }
        }
    }

    TEST_CASE("S3: a read-only file or directory, as a user who is not root: exit 77, reads work") {
        Scratch s;
        // nobody must reach the scratch directory.
        fs::permissions(s.dir(),
                        fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
        care_home(s);
        // Root ignores permissions: as root (CI), the commands run as nobody; otherwise as the
        // user running the tests.
        const bool root = ::geteuid() == 0;
        const std::vector<std::string> as_user =
            root ? std::vector<std::string>{"setpriv", "--reuid=65534", "--regid=65534",
                                            "--clear-groups"}
                 : std::vector<std::string>{};
        auto as_nobody = [&](const std::string& db, const Args& args) {
            auto argv = as_user;
            auto cmd = carecall_argv(db, now_args(args));
            argv.insert(argv.end(), cmd.begin(), cmd.end());
            return run_process(s, argv);
        };
        auto setup = [&](const std::string& dir_name, fs::perms dir_mode, fs::perms file_mode) {
            auto dir = s.path(dir_name);
            fs::create_directory(dir);
            auto db = dir + "/carecall.db";
            fs::copy_file(s.db(), db);
            if (root) {
                REQUIRE(::chown(dir.c_str(), 65534, 65534) == 0);
                REQUIRE(::chown(db.c_str(), 65534, 65534) == 0);
            }
            fs::permissions(db, file_mode);
            fs::permissions(dir, dir_mode);
            return db;
        };
        auto owner_rw = fs::perms::owner_read | fs::perms::owner_write;
        struct Case {
            std::string name;
            std::string db;
        };
        for (const auto& c :
             {Case{"a read-only file",
                   setup("ro-file", fs::perms::owner_all, fs::perms::owner_read)},
              Case{"a read-only directory",
                   setup("ro-dir", fs::perms::owner_read | fs::perms::owner_exec, owner_rw)}}) {
            CAPTURE(c.name);
            auto before = logical_dump(c.db);
            auto bytes = slurp(c.db);
            // Who runs it: someone for whom the permissions hold.
            auto id_argv = as_user;
            id_argv.insert(id_argv.end(), {"id", "-u"});
            auto who = run_process(s, id_argv);
            REQUIRE(who.out != "0\n");
            for (const Args& args :
                 {book_args("R-IVY", "C-LUCY", "2027-07-05 10:00"),
                  Args{"resident", "edit", "R-IVY", "--room", "7"},
                  Args{"site", "add", "S-NEW", "--name", "S-NEW", "--tz", "Europe/London"}}) {
                INFO("args: " << Scratch::describe(args));
                auto r = as_nobody(c.db, args);
                INFO("stderr: " << r.err);
                CHECK(r.code == 77);
                CHECK(contains(first_line(r.err), c.db));
                CHECK(starts_with(r.err, "carecall: error: "));
                CHECK(r.out.empty());
            }
            // Reads still work.
            auto list = as_nobody(c.db, {"--json", "resident", "list"});
            INFO("list: " << list.err);
            CHECK(list.code == 0);
            CHECK(contains(list.out, "R-IVY"));
            auto agenda = as_nobody(c.db, {"agenda", "--date", "2027-07-05"});
            INFO("agenda: " << agenda.err);
            CHECK(agenda.code == 0);
            auto check = as_nobody(c.db, {"db", "check"});
            INFO("check: " << check.err);
            CHECK(check.code == 0);
            CARECALL_CHECK_SAME(before, logical_dump(c.db));
            CHECK(slurp(c.db) == bytes);
        }
    }

    TEST_CASE(
        "S4: a damaged header, damaged pages, another program's file: exit 5, never a crash") {
        Scratch s;
        care_home(s);
        ok_at(s, book_args("R-IVY", "C-LUCY", "2027-07-05 10:00"));
        auto good = slurp(s.db());
        REQUIRE_FALSE(fs::exists(s.db() + "-wal"));
        auto page_size = static_cast<std::size_t>(static_cast<unsigned char>(good.at(16))) * 256 +
                         static_cast<unsigned char>(good.at(17));
        auto pages = good.size() / page_size;
        REQUIRE(pages >= 4);
        const std::vector<Args> commands{{"resident", "list"},
                                         {"resident", "show", "R-IVY"},
                                         {"agenda", "--date", "2027-07-05"},
                                         book_args("R-BEN", "C-TOM", "2027-07-05 11:00"),
                                         {"move", "B-1", "--to", "2027-07-05 15:00"},
                                         {"export", "scenario"},
                                         {"audit", "list"},
                                         {"db", "check"},
                                         {"db", "backup", s.path("copy.db")}};
        auto refused = [&](const std::string& what, bool every_command) {
            INFO("damage: " << what);
            int refusals = 0;
            for (const auto& args : commands) {
                INFO("args: " << Scratch::describe(args));
                auto bytes = s.snapshot();
                auto r = run_at(s, args);
                INFO("stderr: " << r.err);
                // Never a crash, never an internal error: exit 5 with what to do, or (a command
                // that does not touch a damaged page) success.
                CHECK_FALSE(contains(r.err, "Sanitizer"));
                CHECK_FALSE(contains(r.err, "runtime error"));
                if (every_command || r.code != 0) {
                    CHECK(r.code == 5);
                    CHECK(starts_with(r.err, "carecall: error: " + s.db()));
                    CHECK(
                        (contains(r.err, "restore a backup") || contains(r.err, "check the path")));
                    CHECK_MESSAGE(s.snapshot() == bytes,
                                  "a refused command changed the damaged file");
                    ++refusals;
                }
                std::error_code ec;
                fs::remove(s.path("copy.db"), ec);
            }
            return refusals;
        };
        auto restore = [&] {
            for (const char* suffix : {"-wal", "-shm"}) {
                std::error_code ec;
                fs::remove(s.db() + suffix, ec);
            }
            s.write("carecall.db", good);
        };

        SUBCASE("a damaged header") {
            auto bytes = good;
            for (std::size_t i = 0; i < 16; ++i) {
                bytes[i] = static_cast<char>(0x5A);
            }
            s.write("carecall.db", bytes);
            refused("header", true);
        }
        SUBCASE("every page but the first scribbled over") {
            auto bytes = good;
            for (std::size_t page = 1; page < pages; ++page) {
                for (std::size_t i = 0; i < page_size; ++i) {
                    bytes[page * page_size + i] = static_cast<char>((i * 131 + page) & 0xff);
                }
            }
            s.write("carecall.db", bytes);
            refused("every page", false);
            CHECK(run_at(s, {"db", "check"}).code == 5);
        }
        SUBCASE("one page at a time scribbled over: db check finds each page in use") {
            auto unused = free_pages(good, page_size);
            int checked = 0;
            for (std::size_t page = 1; page < pages; ++page) {
                CAPTURE(page);
                if (unused.count(page + 1) == 1) {
                    continue; // a free page holds nothing to damage
                }
                ++checked;
                auto bytes = good;
                for (std::size_t i = 0; i < page_size; ++i) { // the page header too
                    bytes[page * page_size + i] = static_cast<char>(0xA5);
                }
                s.write("carecall.db", bytes);
                auto r = run_at(s, {"db", "check"});
                INFO("stdout: " << r.out << " stderr: " << r.err);
                CHECK(r.code == 5);
                CHECK_FALSE(contains(r.err, "Sanitizer"));
                if (page % 8 == 1) {
                    refused("page " + std::to_string(page), false);
                }
                restore();
            }
            CHECK(checked > 10);
        }
        SUBCASE("another program's SQLite file") {
            fs::remove(s.db());
            exec_sql(s.db(), "CREATE TABLE invoice (id INTEGER PRIMARY KEY, total REAL);"
                             "INSERT INTO invoice (total) VALUES (12.5);");
            refused("foreign", true);
            CHECK(contains(logical_dump(s.db()), "12.5"));
        }
        SUBCASE("a text file") {
            s.write("carecall.db", std::string(8192, 't'));
            refused("text", true);
        }
    }

    TEST_CASE("S5: db backup while 4 writers run: whole, 0600, a committed snapshot") {
        Scratch s;
        care_home(s);
        const int writers = 4;
        const int writes = 25;
        const auto base_wards = query_int(s.db(), "SELECT count(*) FROM ward"); // before any writer
        std::vector<Child> children;
        for (int w = 0; w < writers; ++w) {
            // Each writer adds its wards one after another: W-w-0, W-w-1… each with its audit row.
            std::string script = "for i in $(seq 0 " + std::to_string(writes - 1) + "); do " +
                                 shell_quote(CARECALL_BIN) + " --db " + shell_quote(s.db()) +
                                 " --wait 600000 -q ward add W-" + std::to_string(w) +
                                 "-$i --name Ward --site SUNNY || exit 1; done";
            children.push_back(start_process({"sh", "-c", script},
                                             s.path("w" + std::to_string(w) + ".out"),
                                             s.path("w" + std::to_string(w) + ".err")));
        }
        int backups = 0;
        std::set<long long> sizes;
        for (int b = 0; b < 6; ++b) {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            auto target = s.path("backup-" + std::to_string(b) + ".db");
            auto r = s.run(
                Invocation{{"--wait", "600000", "db", "backup", target}, {}, {}, true, "022"});
            INFO("backup " << b << ": " << r.err);
            REQUIRE(r.code == 0);
            ++backups;
            CHECK(mode_of(target) == 0600);
            CHECK(query_rows(target, "PRAGMA integrity_check") ==
                  std::vector<std::vector<std::string>>{{"ok"}});
            // A committed snapshot: every ward has its audit row and no audit row lacks its ward;
            // each writer's wards are a prefix of its sequence (no hole, nothing half-written).
            CHECK(query_int(target, "SELECT count(*) FROM ward WHERE id NOT IN (SELECT record_id "
                                    "FROM audit WHERE kind = 'ward' AND action = 'add')") == 0);
            CHECK(query_int(target, "SELECT count(*) FROM audit WHERE kind = 'ward' AND action = "
                                    "'add' AND record_id NOT IN (SELECT id FROM ward)") == 0);
            for (int w = 0; w < writers; ++w) {
                auto prefix = "W-" + std::to_string(w) + "-";
                auto n = query_int(target,
                                   "SELECT count(*) FROM ward WHERE code LIKE '" + prefix + "%'");
                if (n > 0) {
                    CHECK(query_int(target, "SELECT count(*) FROM ward WHERE code = '" + prefix +
                                                std::to_string(n - 1) + "'") == 1);
                }
            }
            sizes.insert(query_int(target, "SELECT count(*) FROM ward") - base_wards);
            auto check = run_process(s, carecall_argv(target, {"db", "check"}));
            CHECK(check.code == 0);
        }
        for (const auto& c : children) {
            auto r = finish(c);
            INFO("writer: " << r.err);
            CHECK(r.code == 0);
        }
        CHECK(query_int(s.db(), "SELECT count(*) FROM ward") == base_wards + writers * writes);
        MESSAGE("S5: " << backups << " backups during the writes held " << sizes.size()
                       << " different numbers of new wards (of " << writers * writes << ")");
    }

    TEST_CASE("a database on a network file system: a warning, no WAL, the write saved") {
        Scratch s;
        auto init =
            s.run(Invocation{{"db", "init"}, {}, {"CARECALL_ASSUME_NETWORK_FS=1"}, true, {}});
        CHECK(init.code == 0);
        auto r = s.run(Invocation{{"site", "add", "S1", "--name", "S1", "--tz", "Europe/London"},
                                  {},
                                  {"CARECALL_ASSUME_NETWORK_FS=1"},
                                  true,
                                  {}});
        INFO("stderr: " << r.err);
        CHECK(r.code == 0);
        CHECK(
            contains(r.err, "carecall: warning: " + s.db() +
                                " is on a network file system, where SQLite's write-ahead log does "
                                "not work"));
        CHECK(contains(r.err, "use a server database"));
        // Bytes 18 and 19 of the header: 1 is the rollback journal, 2 would be WAL.
        auto bytes = slurp(s.db());
        REQUIRE(bytes.size() > 20);
        CHECK(bytes[18] == 1);
        CHECK(bytes[19] == 1);
        CHECK(query_int(s.db(), "SELECT count(*) FROM site") == 1);
        // On a local disk the same file goes to WAL, without the warning.
        auto local = s.run({"site", "add", "S2", "--name", "S2", "--tz", "Europe/London"});
        CHECK(local.code == 0);
        CHECK_FALSE(contains(local.err, "network"));
        CHECK(slurp(s.db())[18] == 2);
    }

} // TEST_SUITE
