// carecall import scenario|residents|contacts|staff FILE, carecall export (the same nouns)
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <set>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "carecall/booking.hpp"
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
                    wipe_progress_line();
                }
            }
        };
        SheetImportSummary summary;
        {
            Wipe wipe{static_cast<bool>(progress)};
            summary = import_sheet(env.store(Env::Create::if_named), kind, text, *file, progress);
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
        auto text = export_sheet(env.store(), kind, o->for_spreadsheet);
        if (o->output == "-") {
            std::cout << text;
            return;
        }
        write_private_file(env, o->output, text);
        env.message(fmt::format("wrote {}", o->output));
    });
}

/// "1 resident", "2 residents".
std::string count_of(int n, const char* one, const char* many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

/// What a scenario left unsaid and what the import did (or would do) about it, one warning each.
std::vector<std::string> import_warnings(const ImportSummary& s, bool dry_run) {
    std::vector<std::string> out;
    std::vector<std::string> assumed;
    if (s.consent_assumed > 0) {
        assumed.push_back(fmt::format("{} consent 'given' for {}",
                                      dry_run ? "would assume" : "assumed",
                                      count_of(s.consent_assumed, "resident", "residents")));
    }
    if (s.approvals_assumed > 0) {
        assumed.push_back(
            fmt::format("{} {} named by requests",
                        assumed.empty() ? (dry_run ? "would approve" : "approved")
                                        : (dry_run ? "approve" : "approved"),
                        count_of(s.approvals_assumed, "contact pair", "contact pairs")));
    }
    if (!assumed.empty()) {
        out.push_back(
            fmt::format("{}: the file does not say",
                        assumed.size() == 1 ? assumed[0] : assumed[0] + " and " + assumed[1]));
    }
    std::vector<std::string> kept;
    if (s.consent_kept > 0) {
        kept.push_back(fmt::format("{} the recorded consent of {}", dry_run ? "would keep" : "kept",
                                   count_of(s.consent_kept, "resident", "residents")));
    }
    if (s.approvals_kept > 0) {
        kept.push_back(fmt::format(
            "{} {} named by requests unapproved, as the database has {} (revoked or not approved)",
            kept.empty() ? (dry_run ? "would leave" : "left") : (dry_run ? "leave" : "left"),
            count_of(s.approvals_kept, "contact pair", "contact pairs"),
            s.approvals_kept == 1 ? "it" : "them"));
    }
    if (!kept.empty()) {
        out.push_back(fmt::format("{}: the file does not say",
                                  kept.size() == 1 ? kept[0] : kept[0] + " and " + kept[1]));
    }
    if (s.approvals_withheld > 0) {
        out.push_back(fmt::format(
            "{} named by requests {} not approved in the file's approvals list: no calls can be "
            "booked for {}",
            count_of(s.approvals_withheld, "contact pair", "contact pairs"),
            s.approvals_withheld == 1 ? "is" : "are", s.approvals_withheld == 1 ? "it" : "them"));
    }
    return out;
}

/// A dry run's changes on stdout: "KIND ACTION CODE, CODE…" per line, or that nothing changes.
void print_import_changes(const ImportSummary& s) {
    std::vector<std::vector<std::string>> rows;
    auto join = [](const std::vector<std::string>& codes) {
        std::string out;
        for (const auto& c : codes) {
            out += (out.empty() ? "" : ", ") + c;
        }
        return out;
    };
    for (const auto& c : s.changes) {
        for (const auto& [action, codes] :
             {std::pair{"added", &c.added}, std::pair{"changed", &c.changed},
              std::pair{"removed", &c.removed}}) {
            if (!codes->empty()) {
                rows.push_back({c.kind, action, std::to_string(codes->size()), join(*codes)});
            }
        }
    }
    if (rows.empty()) {
        std::cout << "nothing would change\n";
        return;
    }
    print_table({"KIND", "CHANGE", "COUNT", "CODES"}, rows);
}

struct ImportOpts {
    std::string file;
    bool dry_run = false;
};

nlohmann::json import_json(const ImportSummary& summary, bool dry_run) {
    nlohmann::json changes = nlohmann::json::object();
    for (const auto& c : summary.changes) {
        changes[c.kind] = {{"added", c.added}, {"changed", c.changed}, {"removed", c.removed}};
    }
    return {{"format", "carecall-import/1"},
            {"dry_run", dry_run},
            {"sites", summary.sites},
            {"wards", summary.wards},
            {"residents", summary.residents},
            {"contacts", summary.contacts},
            {"devices", summary.devices},
            {"staff", summary.staff},
            {"requests", summary.requests},
            {"added", summary.added},
            {"updated", summary.updated},
            {"assumed",
             {{"consents", summary.consent_assumed}, {"approvals", summary.approvals_assumed}}},
            {"kept", {{"consents", summary.consent_kept}, {"approvals", summary.approvals_kept}}},
            {"withheld_approvals", summary.approvals_withheld},
            {"changes", changes}};
}

/// A consent or an approval the file took away leaves booked calls that break a rule: reported
/// as a record command reports them (those at risk before the import apart).
void report_import_risks(Env& env, Store& store, BookingService& service,
                         const std::vector<BrokenCall>& at_risk_before,
                         const ImportSummary& summary) {
    bool took_away = false;
    for (const auto& c : summary.changes) {
        if (c.kind == "consents" || c.kind == "approvals") {
            took_away = took_away || !c.changed.empty() || !c.removed.empty();
        }
    }
    if (!took_away) {
        return;
    }
    std::set<std::int64_t> before;
    for (const auto& b : at_risk_before) {
        before.insert(b.booking.id.value);
    }
    ChangeResult change;
    for (auto& b : service.broken({})) {
        (before.count(b.booking.id.value) == 1 ? change.already : change.broke)
            .push_back(std::move(b));
    }
    report_change(env, store, change);
}

void import_scenario_file(Env& env, const ImportOpts& io) {
    auto text = read_input(io.file);
    // Errors read "FILE:LINE: requests[3].duration_minutes: …".
    Scenario s = parse_scenario(text, io.file);
    auto& store = io.dry_run ? env.read_only_store(true) : env.store(Env::Create::if_named);
    ImportOptions options;
    options.dry_run = io.dry_run;
    BookingService service(store, [&env] { return env.now(); });
    // The calls at risk before, to tell those the import broke from those already at risk.
    auto at_risk_before = io.dry_run ? std::vector<BrokenCall>{} : service.broken({});
    auto summary = import_scenario(store, s, options);
    if (env.want_json()) {
        print_json(import_json(summary, io.dry_run));
    } else {
        if (io.dry_run) {
            print_import_changes(summary);
        }
        env.message(fmt::format(
            "{} {}: {} sites, {} wards, {} residents, {} contacts, {} devices, {} staff, "
            "{} requests ({} added, {} updated)",
            io.dry_run ? "would import" : "imported", io.file, summary.sites, summary.wards,
            summary.residents, summary.contacts, summary.devices, summary.staff, summary.requests,
            summary.added, summary.updated));
    }
    for (const auto& w : import_warnings(summary, io.dry_run)) {
        env.message("carecall: warning: " + w);
    }
    if (!io.dry_run) {
        report_import_risks(env, store, service, at_risk_before, summary);
    }
}

struct ExportOpts {
    std::string from, output = "-";
    int days = 7;
    bool days_given = false; ///< --days on the command line: it wins over the imported plan's
};

/// The plan export scenario writes: --from and --days, else the imported plan's, else tomorrow
/// and 7 days.
Horizon export_horizon(Env& env, Store& store, const ExportOpts& o) {
    Horizon h;
    h.days = o.days;
    if (!o.from.empty()) {
        h.start = parse_date(o.from, "--from");
    } else if (auto saved = store.setting("plan.start_date")) {
        h.start = parse_date(*saved, "plan.start_date");
        if (auto d = store.setting("plan.days"); d && !o.days_given) {
            h.days = std::stoi(*d);
        }
    } else {
        h.start = Date{date::floor<date::days>(env.now()) + date::days{1}};
    }
    if (auto slot = store.setting("plan.slot_minutes")) {
        h.slot_minutes = std::stoi(*slot);
    }
    (void)last_of_days(h.start, h.days, "--days");
    return h;
}

void export_scenario_file(Env& env, const ExportOpts& o) {
    auto& store = env.store();
    auto h = export_horizon(env, store, o);
    auto tx = store.begin(TxKind::read);
    auto text = write_scenario(load_scenario(store, h));
    if (text.empty() || text.back() != '\n') {
        text += '\n';
    }
    if (o.output == "-") {
        std::cout << text;
        return;
    }
    write_private_file(env, o.output, text);
    env.message(fmt::format("wrote {}", o.output));
}

} // namespace

void register_exchange(CLI::App& app, Env& env) {
    auto* import = app.add_subcommand("import", "load records from a file");
    import->require_subcommand(1);
    auto* scenario = import->add_subcommand(
        "scenario", "load a carecall-scenario/1 JSON file (records keyed by id: existing codes "
                    "are updated); all or nothing");
    auto io = std::make_shared<ImportOpts>();
    scenario->add_option("file", io->file, "the scenario file, or - for stdin")->required();
    scenario->add_flag("--dry-run", io->dry_run,
                       "show what would be added, changed and removed, and write nothing");
    scenario->footer("Example:\n  carecall --db home.db import scenario examples/sunnyside.json\n"
                     "  carecall --db home.db import scenario --dry-run week.json");
    scenario->callback([&env, io] { import_scenario_file(env, *io); });

    for (auto kind : {SheetKind::residents, SheetKind::contacts, SheetKind::staff}) {
        register_sheet_import(*import, env, kind);
    }

    auto* exp = app.add_subcommand("export", "write records to a file");
    exp->require_subcommand(1);
    for (auto kind : {SheetKind::residents, SheetKind::contacts, SheetKind::staff}) {
        register_sheet_export(*exp, env, kind);
    }
    auto* escen = exp->add_subcommand("scenario", "write everything as a carecall-scenario/1 file");
    auto o = std::make_shared<ExportOpts>();
    escen->add_option("--from", o->from,
                      "first plan date YYYY-MM-DD (default: the imported plan, else tomorrow)");
    auto* days = escen->add_option("--days", o->days,
                                   "days in the plan (default: the imported plan's, else 7)");
    days->check(CLI::Range(1, 366));
    escen->add_option("-o,--output", o->output, "output file, - for stdout (default)");
    escen->footer("Example:\n  carecall export scenario --from 2026-12-01 --days 7 -o week.json");
    escen->callback([&env, o, days] {
        o->days_given = days->count() > 0;
        export_scenario_file(env, *o);
    });
}

} // namespace carecall::cli
