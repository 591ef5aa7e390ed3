// carecall audit list
#include <fmt/format.h>

#include "env.hpp"

namespace carecall::cli {

void register_audit(CLI::App& app, Env& env) {
    auto* audit = app.add_subcommand("audit", "the audit trail of every change");
    audit->require_subcommand(1);
    auto* list = audit->add_subcommand("list", "the newest changes first");
    auto limit = std::make_shared<int>(50);
    list->add_option("--limit", *limit, "how many (default 50)")->check(CLI::Range(1, 1000000));
    list->callback([&env, limit] {
        auto& store = env.store();
        auto events = store.audit_events(*limit);
        if (env.want_json()) {
            nlohmann::json items = nlohmann::json::array();
            for (const auto& e : events) {
                items.push_back(
                    {{"id", e.id},
                     {"at", format_utc(e.at)},
                     {"os_user", e.os_user},
                     {"as", e.as},
                     {"action", e.action},
                     {"kind", e.kind},
                     {"record_id", e.record_id},
                     {"record_code", e.record_code},
                     {"details", nlohmann::json::parse(e.details.empty() ? "{}" : e.details)}});
            }
            print_json({{"format", "carecall-audit/1"}, {"items", items}});
            return;
        }
        std::vector<std::vector<std::string>> rows;
        for (const auto& e : events) {
            rows.push_back({format_utc(e.at), e.as.empty() ? e.os_user : e.os_user + " as " + e.as,
                            e.action, e.kind, e.record_code, e.details});
        }
        print_table({"WHEN (UTC)", "WHO", "ACTION", "KIND", "RECORD", "DETAILS"}, rows);
    });
}

} // namespace carecall::cli
