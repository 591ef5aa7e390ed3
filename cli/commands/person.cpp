// carecall person export|erase, carecall purge: subject access, erasure and retention.
#include <iostream>

#include <fmt/format.h>

#include "carecall/error.hpp"
#include "carecall/privacy.hpp"
#include "env.hpp"

namespace carecall::cli {
namespace {

void print_erasure(const Env& env, const ErasureReport& r, bool dry_run) {
    if (env.want_json()) {
        print_json({{"format", "carecall-erasure/1"},
                    {"dry_run", dry_run},
                    {"kind", to_string(r.kind)},
                    {"code", r.code},
                    {"id", r.id},
                    {"pseudonym", r.pseudonym},
                    {"fields", r.fields},
                    {"approvals", r.approvals},
                    {"requests", r.requests},
                    {"bookings", r.bookings},
                    {"booking_reasons", r.booking_reasons},
                    {"booking_series", r.booking_series},
                    {"log_emptied", r.log_emptied}});
        return;
    }
    std::string fields;
    for (const auto& f : r.fields) {
        fields += (fields.empty() ? "" : ", ") + f;
    }
    std::cout << fmt::format(
        "{} {} {}{}: name becomes {}; fields blanked or replaced: {}; {} approval "
        "restrictions blanked; {} request labels blanked; {} bookings kept, {} booking reasons "
        "blanked, {} series renamed\n",
        dry_run ? "would erase" : "erased", to_string(r.kind), r.code,
        dry_run ? " (dry run, nothing changed)" : "", r.pseudonym, fields.empty() ? "none" : fields,
        r.approvals, r.requests, r.bookings, r.booking_reasons, r.booking_series);
    if (!dry_run && !r.log_emptied) {
        env.message("carecall: warning: another program is reading the database, so its "
                    "write-ahead log still holds the erased values until the last program "
                    "using the database closes it");
    }
}

} // namespace

void register_person(CLI::App& app, Env& env) {
    auto* person = app.add_subcommand("person", "what is held about one person (privacy)");
    person->require_subcommand(1);

    struct Opts {
        std::string kind, code, output = "-";
        bool yes = false, dry_run = false;
    };
    auto o = std::make_shared<Opts>();
    auto add_target = [o](CLI::App* cmd) {
        cmd->add_option("kind", o->kind, "resident or contact")
            ->required()
            ->check(CLI::IsMember({"resident", "contact"}));
        cmd->add_option("code", o->code, "the person's code")->required();
    };

    auto* exp = person->add_subcommand(
        "export", "everything held about one person, as JSON (a subject access request)");
    add_target(exp);
    exp->add_option("-o,--output", o->output, "output file, created 0600 (default: - for stdout)");
    exp->footer("Example:\n  carecall person export resident R-0042 --json -o R-0042.json");
    exp->callback([&env, o] {
        auto& store = env.store();
        auto text = subject_access_json(store, parse_person_kind(o->kind), o->code, env.now());
        if (o->output == "-") {
            std::cout << text;
            return;
        }
        write_private_file(env, o->output, text);
        env.message(fmt::format("wrote {}", o->output));
    });

    auto* erase = person->add_subcommand(
        "erase", "erase a person's name and details; their bookings stay under a pseudonym");
    add_target(erase);
    erase->add_flag("-y,--yes", o->yes, "do not ask (needed in scripts)");
    erase->add_flag("--dry-run", o->dry_run, "show what would change; change nothing");
    erase->footer("Example:\n  carecall person erase contact C-RAJ --dry-run\n"
                  "  carecall person erase contact C-RAJ --yes\n\n"
                  "Backups made before keep the old details: they are the care provider's to "
                  "expire.");
    erase->callback([&env, o] {
        auto kind = parse_person_kind(o->kind);
        auto& store = env.store();
        if (!o->dry_run) {
            env.confirm(fmt::format("erase the name and details of {} {}", o->kind, o->code),
                        o->yes);
        }
        print_erasure(env, erase_person(store, kind, o->code, o->dry_run), o->dry_run);
    });
}

void register_purge(CLI::App& app, Env& env) {
    struct Opts {
        std::string older_than;
        bool yes = false, dry_run = false;
    };
    auto o = std::make_shared<Opts>();
    auto* purge = app.add_subcommand(
        "purge", "remove bookings that ended longer ago than the retention period you choose");
    purge
        ->add_option("--older-than", o->older_than,
                     "retention period: 365d, 52w, 18mo, 7y (required: there is no default)")
        ->required();
    purge->add_flag("-y,--yes", o->yes, "do not ask (needed in scripts)");
    purge->add_flag("--dry-run", o->dry_run, "count what would go; change nothing");
    purge->footer("Example:\n  carecall purge --older-than 18mo --dry-run\n"
                  "  carecall purge --older-than 18mo --yes\n\n"
                  "The audit trail is kept (it holds ids, never names).");
    purge->callback([&env, o] {
        auto period = parse_retention(o->older_than, "--older-than");
        auto cutoff = retention_cutoff(env.now(), period);
        auto& store = env.store();
        if (!o->dry_run) {
            env.confirm(
                fmt::format("remove every booking that ended before {}", format_utc(cutoff)),
                o->yes);
        }
        auto r = purge_bookings(store, cutoff, o->dry_run);
        if (env.want_json()) {
            print_json({{"format", "carecall-purge/1"},
                        {"dry_run", o->dry_run},
                        {"ended_before", format_utc(r.cutoff)},
                        {"bookings", r.bookings}});
            return;
        }
        std::cout << fmt::format("{} {} bookings that ended before {}\n",
                                 o->dry_run ? "would remove" : "removed", r.bookings,
                                 format_utc(r.cutoff));
    });
}

} // namespace carecall::cli
