// carecall rules: the rule catalogue, so that the names in refusals and in `why` can be looked up.
#include "carecall/rules.hpp"
#include "env.hpp"

namespace carecall::cli {

void register_rules(CLI::App& app, Env& env) {
    auto* rules = app.add_subcommand(
        "rules", "every rule a call, a change or a plan can break, with what it asks");
    rules->footer("Example:\n  carecall rules\n  carecall rules --json");
    rules->callback([&env] {
        if (env.want_json()) {
            nlohmann::json items = nlohmann::json::array();
            for (const auto& r : rule_catalogue()) {
                items.push_back({{"rule", r.name},
                                 {"stage", to_string(r.stage)},
                                 {"party", to_string(r.party)},
                                 {"gives_way", r.gives_way},
                                 {"scheduler", to_string(r.scheduler)},
                                 {"description", r.description}});
            }
            print_json({{"format", "carecall-rules/1"}, {"rules", items}});
            return;
        }
        std::vector<std::vector<std::string>> rows;
        for (const auto& r : rule_catalogue()) {
            rows.push_back({r.name, to_string(r.stage), r.gives_way ? "yes" : "", r.description});
        }
        print_table({"RULE", "STAGE", "GIVES WAY", "WHAT IT ASKS"}, rows);
    });
}

} // namespace carecall::cli
