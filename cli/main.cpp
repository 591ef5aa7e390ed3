// The carecall command: parses arguments, calls the library, prints. See docs/cli.md.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>

#include <fmt/format.h>

#include "carecall/booking.hpp"
#include "carecall/error.hpp"
#include "carecall/model.hpp"
#include "env.hpp"

namespace {

/// The system tz database's version. date/tz reads only "+VERSION", which Debian's tzdata does
/// not ship; its "tzdata.zi" starts with "# version 2025b".
std::string tz_version() {
    std::string tz = "unknown";
    try {
        tz = date::get_tzdb().version;
    } catch (const std::exception&) {
        return "unavailable";
    }
    if (tz.empty() || tz == "unknown") {
        const char* dir = std::getenv("TZDIR");
        std::ifstream zi(std::string(dir != nullptr && *dir != '\0' ? dir : "/usr/share/zoneinfo") +
                         "/tzdata.zi");
        std::string line;
        if (std::getline(zi, line) && line.rfind("# version ", 0) == 0 && line.size() > 10) {
            tz = line.substr(10);
        }
    }
    return tz;
}

std::string version_text() {
    auto tz = tz_version();
    return fmt::format("carecall {} (schema {}, tz database {})", CARECALL_VERSION,
                       carecall::current_schema_version(), tz);
}

void print_error(const carecall::cli::Env& env, const std::string& code, int exit,
                 const std::string& message, const std::string& field = {},
                 const std::vector<carecall::Violation>* violations = nullptr) {
    // One line each: a value quoted from the input shows its control characters as \u001b.
    std::cerr << "carecall: error: " << carecall::visible_text(message) << '\n';
    if (violations != nullptr) {
        for (std::size_t i = 1; i < violations->size(); ++i) {
            std::cerr << "carecall: also: " << carecall::visible_text((*violations)[i].message)
                      << '\n';
        }
    }
    if (env.want_json()) {
        nlohmann::json j{
            {"format", "carecall-error/1"}, {"code", code}, {"exit", exit}, {"message", message}};
        if (!field.empty()) {
            j["field"] = field;
        }
        if (violations != nullptr) {
            auto list = nlohmann::json::array();
            for (const auto& v : *violations) {
                list.push_back({{"rule", rule_name(v.rule)},
                                {"message", v.message},
                                {"other_booking_id", v.other ? nlohmann::json(v.other->value)
                                                             : nlohmann::json(nullptr)}});
            }
            j["rule"] = violations->empty() ? "conflict" : rule_name(violations->front().rule);
            j["violations"] = list;
        }
        std::cerr << j.dump() << '\n';
    }
}

} // namespace

int main(int argc, char** argv) {
    carecall::cli::watch_stdout();
    carecall::cli::Env env;
    CLI::App app{"carecall: book and schedule video calls for people in care", "carecall"};
    app.require_subcommand(1);
    // Global options may also follow the subcommand: `carecall resident list --json`. Every
    // subcommand added below inherits this.
    app.fallthrough();
    // Lazily: only --version needs the tz database's version.
    app.set_version_flag("--version", std::function<std::string()>(version_text));
    app.footer("Example:\n  carecall --db home.db import scenario examples/sunnyside.json\n"
               "  carecall --db home.db resident list\n\nDocumentation: docs/ in the source tree.");
    app.add_option("--db", env.db_option,
                   "database file (default: $CARECALL_DB, then "
                   "$XDG_DATA_HOME/carecall/carecall.db)");
    app.add_option("--format", env.format, "output format")
        ->check(CLI::IsMember({"table", "json", "csv", "ics", "html"}));
    app.add_flag("--json", env.json, "output JSON (same as --format json)");
    app.add_flag("-q,--quiet", env.quiet, "no messages on stderr");
    app.add_flag("--no-color", env.no_color, "never colour the output");
    app.add_option("--now", env.now_option, "fix \"now\" (ISO 8601; also CARECALL_NOW)");
    app.add_option("--as", env.as, "the person making the change, for the audit trail");
    app.add_flag("--force", env.force,
                 "-o FILE may be a symbolic link: the file it points to is replaced");
    app.add_option("--wait", env.wait_ms, "milliseconds to wait for a busy database (default 5000)")
        ->check(CLI::Range(0, 3600000));

    carecall::cli::register_db(app, env);
    carecall::cli::register_records(app, env);
    carecall::cli::register_exchange(app, env);
    carecall::cli::register_audit(app, env);
    carecall::cli::register_booking(app, env);
    carecall::cli::register_solve(app, env);
    carecall::cli::register_schedule(app, env);
    carecall::cli::register_report(app, env);
    carecall::cli::register_rota(app, env);
    carecall::cli::register_rules(app, env);
    carecall::cli::register_repair(app, env);
    // Before any command runs: it must write the --format asked for (most write table or json).
    app.parse_complete_callback([&app, &env] {
        const CLI::App* leaf = &app;
        std::string command = "carecall";
        while (!leaf->get_subcommands().empty()) {
            leaf = leaf->get_subcommands().front();
            command += " " + leaf->get_name();
        }
        auto it = env.formats.find(leaf);
        std::vector<std::string> ok{"table", "json"};
        if (it != env.formats.end()) {
            ok = it->second;
        }
        if (std::find(ok.begin(), ok.end(), env.format) == ok.end()) {
            std::string list;
            for (std::size_t i = 0; i < ok.size(); ++i) {
                list += (i == 0 ? "" : i + 1 == ok.size() ? " or " : ", ") + ok[i];
            }
            throw CLI::ValidationError(
                fmt::format("--format {}: {} writes {}", env.format, command, list));
        }
    });
    carecall::cli::register_person(app, env);
    carecall::cli::register_purge(app, env);
    carecall::cli::refuse_empty_values(app);

    // Output that did not reach stdout (a full disk, a closed pipe when SIGPIPE is ignored) is
    // a failure: exit 74, never 0. A closed pipe with SIGPIPE at its default ends the process.
    auto finish = [&env](int code) {
        try {
            carecall::cli::check_stdout();
        } catch (const carecall::Error& e) {
            print_error(env, e.code_name(), static_cast<int>(e.exit_code()), e.what());
            return code == 0 ? static_cast<int>(e.exit_code()) : code;
        }
        return code;
    };
    try {
        app.parse(argc, argv);
        return finish(0);
    } catch (const CLI::CallForHelp& e) {
        return finish(app.exit(e));
    } catch (const CLI::CallForAllHelp& e) {
        return finish(app.exit(e));
    } catch (const CLI::CallForVersion& e) {
        return finish(app.exit(e));
    } catch (const CLI::ParseError& e) {
        std::string what = e.what();
        // CLI11 reports a mistyped command ("carecall db vacuum") as a missing one.
        if (auto rest = app.remaining(true);
            dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && !rest.empty()) {
            what = fmt::format("unknown command: {}", rest.front());
        }
        print_error(env, "usage", 2, fmt::format("{} (see carecall --help)", what));
        return 2;
    } catch (const carecall::BookingConflict& e) {
        print_error(env, e.code_name(), static_cast<int>(e.exit_code()), e.what(), {},
                    &e.violations());
        return static_cast<int>(e.exit_code());
    } catch (const carecall::InvalidInput& e) {
        print_error(env, e.code_name(), static_cast<int>(e.exit_code()), e.what(), e.field());
        return static_cast<int>(e.exit_code());
    } catch (const carecall::Error& e) {
        print_error(env, e.code_name(), static_cast<int>(e.exit_code()), e.what());
        return static_cast<int>(e.exit_code());
    } catch (const std::exception& e) {
        print_error(env, "internal", 1, fmt::format("internal error (a bug): {}", e.what()));
        return 1;
    }
}
