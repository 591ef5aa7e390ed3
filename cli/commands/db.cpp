// carecall db init|check|backup|migrate
#include <fmt/format.h>

#include "carecall/error.hpp"
#include "env.hpp"

namespace carecall::cli {

void register_db(CLI::App& app, Env& env) {
    auto* db = app.add_subcommand("db", "the database file");
    db->require_subcommand(1);

    auto* init = db->add_subcommand("init", "create the database (or bring it up to date)");
    init->footer("Example:\n  carecall --db ~/carecall/home.db db init");
    init->callback([&env] {
        // The one command that makes an empty (0-byte) file a database.
        auto& store = env.store(Env::Create::yes, true);
        auto version = store.schema_version();
        if (env.want_json()) {
            print_json({{"format", "carecall-db/1"},
                        {"path", env.db_path()},
                        {"schema_version", version}});
        } else {
            std::cout << fmt::format("database {} ready (schema {})\n", env.db_path(), version);
        }
    });

    auto* migrate = db->add_subcommand("migrate", "bring an older database up to date");
    migrate->callback([&env] {
        auto& store = env.store();
        env.message(
            fmt::format("database {} is at schema {}", env.db_path(), store.schema_version()));
    });

    auto* check = db->add_subcommand("check", "check the database's integrity");
    check->footer("Example:\n  carecall --db home.db db check\n\nExit status 5 when the file has a "
                  "problem, 3 when booked calls break a rule (carecall repair).");
    check->callback([&env] {
        auto& store = env.store();
        auto report = store.check();
        // The plan too, when the file is sound: booked calls the records no longer allow.
        std::vector<BrokenCall> broken;
        if (report.ok) {
            auto now = env.now();
            broken = BookingService(store, [now] { return now; }).broken({});
        }
        if (env.want_json()) {
            print_json({{"format", "carecall-check/1"},
                        {"ok", report.ok && broken.empty()},
                        {"schema_version", report.schema_version},
                        {"problems", report.problems},
                        {"broken_calls", broken_json(store, broken)}});
        } else {
            for (const auto& p : report.problems) {
                std::cout << "problem: " << p << '\n';
            }
            print_broken(store, broken);
            std::cout << fmt::format("{}: {} (schema {})\n", env.db_path(),
                                     !report.ok        ? "PROBLEMS FOUND"
                                     : !broken.empty() ? "BOOKED CALLS AT RISK"
                                                       : "ok",
                                     report.schema_version);
        }
        if (!report.ok) {
            throw Error(ExitCode::corrupt, "corrupt",
                        fmt::format("{} failed its check: restore a backup (carecall db backup "
                                    "makes one)",
                                    env.db_path()));
        }
        if (!broken.empty()) {
            throw Conflict(fmt::format("{} booked call{} break{} a rule: carecall repair --dry-run "
                                       "shows what repair would do",
                                       broken.size(), broken.size() == 1 ? "" : "s",
                                       broken.size() == 1 ? "s" : ""),
                           rule_name(broken.front().violations.front().rule));
        }
    });

    auto* backup = db->add_subcommand("backup", "copy the database safely while it is in use");
    auto target = std::make_shared<std::string>();
    backup->add_option("file", *target, "the new backup file (must not exist; not -)")->required();
    backup->footer("Example:\n  carecall db backup /var/backups/carecall-2026-11-25.db");
    backup->callback([&env, target] {
        if (*target == "-") {
            throw UsageError("db backup -: a backup is a database file and is never written to "
                             "standard output: name a new file");
        }
        refuse_database_target(env, *target);
        auto& store = env.store();
        store.backup(*target);
        env.message(fmt::format("backed up {} to {}", env.db_path(), *target));
    });
}

} // namespace carecall::cli
