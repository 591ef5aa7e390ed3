#pragma once
// What every command shares: global options, the store, "now", and output helpers.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "carecall/booking.hpp"
#include "carecall/store.hpp"
#include "carecall/time.hpp"

namespace carecall::cli {

struct Env {
    std::string db_option; // --db
    std::string format = "table";
    bool json = false;      // --json
    bool quiet = false;     // -q
    bool no_color = false;  // --no-color
    std::string now_option; // --now
    std::string as;         // --as
    int wait_ms = 5000;     // --wait (milliseconds the store waits for a busy database)
    bool force = false;     // --force (-o may write through a symbolic link)
    /// The --format values a command writes, when more than table and json (main refuses others).
    std::map<const CLI::App*, std::vector<std::string>> formats;

    /// --db, then CARECALL_DB, then $XDG_DATA_HOME/carecall/carecall.db (~/.local/share/…).
    [[nodiscard]] std::string db_path() const;
    /// Where db_path() came from: "--db", "CARECALL_DB" or "the default location".
    [[nodiscard]] std::string db_origin() const;
    /// The database file db_path() names: a plain path, or the PATH of `sqlite:PATH` ("" for
    /// `sqlite::memory:`). Another URL scheme (`postgresql://…`, `foo://x`) is refused (exit 2).
    [[nodiscard]] std::string db_file() const;
    /// Which commands may make a new database file: `db init` (yes), an import into a path given
    /// with --db or CARECALL_DB (if_named); every other command needs one that is there (no).
    enum class Create { no, if_named, yes };
    /// Opens the store; a missing file is created only as `create` allows, else exit 66 naming
    /// the path and where it came from. Refuses a --db that is not a regular file (exit 66 naming
    /// what it is) and an empty (0-byte) file (exit 5) unless `accept_empty` (only `db init` makes
    /// an empty file a database).
    Store& store(Create create = Create::no, bool accept_empty = false);
    /// Opens the store only to read it (no migration, no journal change: the file is left as it
    /// is, byte for byte). A missing file exits 66 as for store(), or with `missing_is_empty`
    /// reads as a new, empty database in memory (a dry run of an import into a new file).
    Store& read_only_store(bool missing_is_empty = false);
    /// --now, then CARECALL_NOW, then the system clock.
    [[nodiscard]] Instant now() const;
    [[nodiscard]] bool want_json() const { return json || format == "json"; }

    /// A message on stderr (silenced by -q).
    void message(const std::string& text) const;
    /// Asks on a terminal; in a script (stdin not a terminal) `yes` must be given.
    void confirm(const std::string& question, bool yes) const;

private:
    std::unique_ptr<Store> m_store;
};

/// Prints rows as an aligned table (widths by UTF-8 code points) with a header row.
void print_table(const std::vector<std::string>& headers,
                 const std::vector<std::vector<std::string>>& rows);
/// The whole of an input file, or of stdin for "-"; exit 66 naming it when it cannot be read.
std::string read_input(const std::string& path);
/// Writes an output file (-o FILE) whole or not at all: a temporary file 0600 in the same
/// folder (it holds personal data), flushed to disk, then renamed over FILE. Refused (exit 2,
/// nothing written) when FILE is the database or its -wal, -shm or -journal, or a symbolic link
/// (unless --force: then the file it points to is replaced). Exit 74 naming it on failure.
void write_private_file(const Env& env, const std::string& path, const std::string& text);
/// Refuses (exit 2) a file to be written that is the database or one of its companion files.
void refuse_database_target(const Env& env, const std::string& path);
/// Makes std::cout keep the reason of its first failed write, and std::cout and std::cerr
/// write every control character but tab, new line and carriage return visibly, as `\u001b`
/// (call first in main).
void watch_stdout();
/// Wipes a progress line on stderr (carriage return and erase to the end of the line: the one
/// control sequence carecall writes itself).
void wipe_progress_line();
/// Checks that everything written to stdout reached it (after the command): else exit 74 with
/// the reason of the first failure.
void check_stdout();
/// Prints JSON (2-space indent) and a newline to stdout.
void print_json(const nlohmann::json& j);
/// Readable "key: value" lines of a record's JSON object.
void print_record(const nlohmann::json& record);
/// A cell's text for a JSON value (strings unquoted, arrays joined with ", ", null empty).
std::string cell(const nlohmann::json& v);

void register_db(CLI::App& app, Env& env);
void register_records(CLI::App& app, Env& env);
void register_exchange(CLI::App& app, Env& env);
void register_audit(CLI::App& app, Env& env);
void register_booking(CLI::App& app, Env& env);
void register_solve(CLI::App& app, Env& env);
void register_schedule(CLI::App& app, Env& env);
void register_report(CLI::App& app, Env& env);
void register_rota(CLI::App& app, Env& env);
void register_person(CLI::App& app, Env& env);
void register_purge(CLI::App& app, Env& env);
void register_rules(CLI::App& app, Env& env);
void register_repair(CLI::App& app, Env& env);

/// Booked calls that break a rule: as JSON, and printed by ward and day, marked AT RISK.
nlohmann::json broken_json(Store& store, const std::vector<BrokenCall>& broken);
void print_broken(Store& store, const std::vector<BrokenCall>& broken);
/// After a change of the records, on stderr unless -q: the calls it cancelled, how many were
/// already at risk, the calls it broke (AT RISK, with the rule and its message) and then either
/// what the repair did to each (--repair) or, last, the exact `carecall repair` command to run.
void report_change(Env& env, Store& store, const ChangeResult& change);
/// `carecall [--db PATH] [--now TIME] repair [--ward W|--site S]` for this scope.
std::string repair_command(const Env& env, Store& store, const BrokenQuery& scope);
/// A CLI11 check for a number of seconds from 0 to `max`: a finite number written in decimal
/// ("--time-limit: 'nan' is not a finite number of seconds"; also inf, 1e999 and -1).
CLI::Validator seconds_check(double max);
/// Refuses an empty value ("--duration: is empty", exit 2) for every option that takes one, of
/// `app` and of all its subcommands (positional arguments keep their own messages). Call once,
/// after every command is registered.
void refuse_empty_values(CLI::App& app);

/// The --repair flag of a command that changes records.
void add_repair_flag(CLI::App* cmd, bool& repair);

} // namespace carecall::cli
