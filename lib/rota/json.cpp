// The "carecall-rota/1" document (docs: scenario-format.md), shared by `solve` and `rota`.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "carecall/rota.hpp"
#include "rota/text.hpp"

namespace carecall {

std::string rota_json(const Rota& rota, const RotaJsonOptions& options) {
    auto nullable = [](const std::string& s) {
        return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
    };
    auto calls = nlohmann::json::array();
    for (const auto& c : rota.calls) {
        if (!rota_text::is_active(c)) {
            continue;
        }
        nlohmann::json j{{"request", nullable(c.request_code)},
                         {"resident", c.resident_code},
                         {"contact", c.contacts.empty() ? nlohmann::json(nullptr)
                                                        : nlohmann::json(c.contacts.front().code)}};
        if (c.contacts.size() > 1) {
            auto list = nlohmann::json::array();
            for (const auto& k : c.contacts) {
                list.push_back(k.code);
            }
            j["contacts"] = list;
        }
        j["device"] = c.device_code;
        j["staff"] = nullable(c.staff_code);
        j["start_utc"] = format_utc(c.start);
        j["end_utc"] = format_utc(c.end);
        if (options.details) {
            const auto* zone = find_zone(c.site_tz);
            j["booking"] = nullable(c.code);
            j["status"] = to_string(c.status);
            j["site"] = c.site_code;
            j["ward"] = c.ward_code;
            j["tz"] = c.site_tz;
            j["start_local"] = format_iso_offset(c.start, zone);
            j["end_local"] = format_iso_offset(c.end, zone);
            j["resident_name"] = c.resident_name;
            j["room"] = c.room;
            j["device_name"] = c.device_name;
            j["staff_name"] = nullable(c.staff_name);
            j["hours_overridden"] = c.hours_overridden;
            j["preparation"] = c.preparation;
            auto risks = nlohmann::json::array();
            for (const auto& r : c.at_risk) {
                risks.push_back({{"rule", r.rule}, {"message", r.message}});
            }
            j["at_risk"] = risks;
        }
        calls.push_back(std::move(j));
    }
    auto unscheduled = nlohmann::json::array();
    for (const auto& u : rota.unscheduled) {
        unscheduled.push_back(
            {{"request", u.request}, {"missing_calls", u.missing_calls}, {"reasons", u.reasons}});
    }
    nlohmann::json doc{{"format", "carecall-rota/1"},
                       {"producer", options.producer.empty()
                                        ? fmt::format("carecall {}", CARECALL_VERSION)
                                        : options.producer},
                       {"calls", calls},
                       {"unscheduled", unscheduled}};
    if (options.details) {
        doc["from"] = format_date(rota.from);
        doc["to"] = format_date(rota.to);
    }
    return doc.dump(2) + "\n";
}

} // namespace carecall
