// carecall import scenario|residents|contacts|staff FILE, carecall export (the same nouns)
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "carecall/csv.hpp"
#include "carecall/error.hpp"
#include "carecall/exchange.hpp"
#include "carecall/spreadsheet.hpp"
#include "env.hpp"

namespace carecall::cli {
namespace {

void register_sheet_import(CLI::App& import, Env& env, SheetKind kind) {
    auto name = to_string(kind);
    auto* sub = import.add_subcommand(
        name,
        fmt::format("load {} from a CSV file with a header row (keyed by code: existing codes "
                    "are updated); all or nothing",
                    name));
    auto file = std::make_shared<std::string>();
    sub->add_option("file", *file, "the CSV file, or - for stdin")->required();
    sub->footer(fmt::format("Columns: {}\nExample:\n  carecall --db home.db import {} {}.csv",
                            join_cell_list(sheet_columns(kind)), name, name));
    sub->callback([&env, file, kind] {
        auto text = read_input(*file);
        // A file that is not CSV is refused before the database is opened (or created).
        (void)parse_csv(text, *file);
        // Progress on a terminal only (a large file takes a few seconds).
        std::function<void(int, int)> progress;
        if (!env.quiet && isatty(STDERR_FILENO) != 0) {
            progress = [&](int done, int total) {
                std::cerr << fmt::format("\rimporting {}: {} of {} rows", *file, done, total)
                          << std::flush;
            };
        }
        // The progress line is wiped whether the import succeeds or not.
        struct Wipe {
            bool on;
            ~Wipe() {
                if (on) {
                    std::cerr << "\r\x1b[K" << std::flush;
                }
            }
        };
        SheetImportSummary summary;
        {
            Wipe wipe{static_cast<bool>(progress)};
            summary = import_sheet(env.store(true), kind, text, *file, progress);
        }
        if (env.want_json()) {
            print_json({{"format", "carecall-sheet-import/1"},
                        {"kind", to_string(kind)},
                        {"rows", summary.rows},
                        {"added", summary.added},
                        {"updated", summary.updated}});
        } else {
            env.message(fmt::format("imported {}: {} {} ({} added, {} updated)", *file,
                                    summary.rows, to_string(kind), summary.added, summary.updated));
        }
    });
}

void register_sheet_export(CLI::App& exp, Env& env, SheetKind kind) {
    auto name = to_string(kind);
    auto* sub = exp.add_subcommand(
        name, fmt::format("write every {} as a CSV file with a header row (RFC 4180)", name));
    struct Opts {
        std::string output = "-";
        bool for_spreadsheet = false;
    };
    auto o = std::make_shared<Opts>();
    sub->add_option("-o,--output", o->output, "output file, - for stdout (default)");
    sub->add_flag("--for-spreadsheet", o->for_spreadsheet,
                  "prefix ' to cells starting with = + - @ so a spreadsheet cannot run them as "
                  "formulas (for viewing: import keeps the ')");
    sub->footer(fmt::format("Example:\n  carecall export {} -o {}.csv", name, name));
    sub->callback([&env, o, kind] {
        auto text = export_sheet(env.store(false), kind, o->for_spreadsheet);
        if (o->output == "-") {
            std::cout << text;
            return;
        }
        write_private_file(o->output, text);
        env.message(fmt::format("wrote {}", o->output));
    });
}

} // namespace

void register_exchange(CLI::App& app, Env& env) {
    auto* import = app.add_subcommand("import", "load records from a file");
    import->require_subcommand(1);
    auto* scenario = import->add_subcommand(
        "scenario", "load a carecall-scenario/1 JSON file (records keyed by id: existing codes "
                    "are updated); all or nothing");
    auto file = std::make_shared<std::string>();
    scenario->add_option("file", *file, "the scenario file, or - for stdin")->required();
    scenario->footer("Example:\n  carecall --db home.db import scenario examples/sunnyside.json");
    scenario->callback([&env, file] {
        auto text = read_input(*file);
        // Errors read "FILE:LINE: requests[3].duration_minutes: …".
        Scenario s = parse_scenario(text, *file);
        auto& store = env.store(true);
        auto summary = import_scenario(store, s);
        if (env.want_json()) {
            print_json({{"format", "carecall-import/1"},
                        {"sites", summary.sites},
                        {"wards", summary.wards},
                        {"residents", summary.residents},
                        {"contacts", summary.contacts},
                        {"devices", summary.devices},
                        {"staff", summary.staff},
                        {"requests", summary.requests},
                        {"added", summary.added},
                        {"updated", summary.updated}});
        } else {
            env.message(fmt::format(
                "imported {}: {} sites, {} wards, {} residents, {} contacts, {} devices, {} staff, "
                "{} requests ({} added, {} updated)",
                *file, summary.sites, summary.wards, summary.residents, summary.contacts,
                summary.devices, summary.staff, summary.requests, summary.added, summary.updated));
        }
    });

    for (auto kind : {SheetKind::residents, SheetKind::contacts, SheetKind::staff}) {
        register_sheet_import(*import, env, kind);
    }

    auto* exp = app.add_subcommand("export", "write records to a file");
    exp->require_subcommand(1);
    for (auto kind : {SheetKind::residents, SheetKind::contacts, SheetKind::staff}) {
        register_sheet_export(*exp, env, kind);
    }
    auto* escen = exp->add_subcommand("scenario", "write everything as a carecall-scenario/1 file");
    struct Opts {
        std::string from, output = "-";
        int days = 7;
    };
    auto o = std::make_shared<Opts>();
    escen->add_option("--from", o->from,
                      "first plan date YYYY-MM-DD (default: the imported plan, else tomorrow)");
    escen->add_option("--days", o->days, "days in the plan (default 7)")->check(CLI::Range(1, 366));
    escen->add_option("-o,--output", o->output, "output file, - for stdout (default)");
    escen->footer("Example:\n  carecall export scenario --from 2026-12-01 --days 7 -o week.json");
    escen->callback([&env, o] {
        auto& store = env.store(false);
        Horizon h;
        h.days = o->days;
        if (!o->from.empty()) {
            h.start = parse_date(o->from, "--from");
        } else if (auto saved = store.setting("plan.start_date")) {
            h.start = parse_date(*saved, "plan.start_date");
            if (auto d = store.setting("plan.days")) {
                h.days = std::stoi(*d);
            }
        } else {
            h.start = Date{date::floor<date::days>(env.now()) + date::days{1}};
        }
        if (auto slot = store.setting("plan.slot_minutes")) {
            h.slot_minutes = std::stoi(*slot);
        }
        auto tx = store.begin(TxKind::read);
        auto text = write_scenario(load_scenario(store, h));
        if (text.empty() || text.back() != '\n') {
            text += '\n';
        }
        if (o->output == "-") {
            std::cout << text;
            return;
        }
        write_private_file(o->output, text);
        env.message(fmt::format("wrote {}", o->output));
    });
}

} // namespace carecall::cli
