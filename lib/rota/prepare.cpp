// What the ward gets ready before a call, and the rota a family receives.
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "carecall/model.hpp"
#include "carecall/rota.hpp"

namespace carecall {
namespace {

bool has(const std::vector<std::string>& list, std::string_view item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& ch : out) {
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    return out;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& ch : out) {
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
    return out;
}

/// Sign languages: the resident needs someone who signs (the helper holds the competence).
bool sign_language(std::string_view c) {
    return c == "bsl" || c == "asl" || c == "makaton";
}

} // namespace

std::vector<std::string> preparation_for(const Resident& resident, const Device& device,
                                         const std::optional<Staff>& helper) {
    std::vector<std::string> out;
    out.push_back(
        fmt::format("clean and charge {}", device.name.empty() ? device.code : device.name));
    out.push_back(resident.room.empty()
                      ? std::string("position it so no other resident is on camera")
                      : fmt::format("position it in room {} so no other resident is on camera",
                                    resident.room));
    out.push_back("hearing aids in and glasses on, if worn");
    bool wants_captions = false;
    for (const auto& raw : resident.competences) {
        auto c = lower(raw);
        if (sign_language(c)) {
            std::string name = c == "makaton" ? std::string("Makaton") : upper(c);
            out.push_back(helper ? fmt::format("{} interpreter: {}", name, helper->name)
                                 : fmt::format("{} interpreter needed", name));
        } else if (c.rfind("interpreter:", 0) == 0 || c.rfind("language:", 0) == 0) {
            auto lang = raw.substr(raw.find(':') + 1);
            out.push_back(fmt::format("interpreter for {}", lang));
        } else if (c == "captions" || c == "deaf" || c == "hard_of_hearing") {
            wants_captions = true;
        } else if (c == "large_screen" || c == "low_vision") {
            out.push_back(has(device.capabilities, "large_screen")
                              ? std::string("large screen on")
                              : fmt::format("needs a large screen: {} has none", device.name));
        } else if (helper) {
            out.push_back(fmt::format("helper with {}: {}", raw, helper->name));
        }
    }
    if (wants_captions) {
        out.push_back(has(device.capabilities, "captions")
                          ? std::string("captions on")
                          : fmt::format("captions needed: {} has none, arrange a device with "
                                        "captions",
                                        device.name));
    }
    return out;
}

std::string initials(std::string_view name) {
    std::string out;
    bool start = true;
    for (std::size_t i = 0; i < name.size(); ++i) {
        auto ch = static_cast<unsigned char>(name[i]);
        if (ch == ' ' || ch == '-') {
            start = true;
            continue;
        }
        if (start) {
            // The whole first character, even when it takes several UTF-8 bytes.
            std::size_t len = 1;
            while (i + len < name.size() &&
                   (static_cast<unsigned char>(name[i + len]) & 0xC0U) == 0x80U) {
                ++len;
            }
            if (!out.empty()) {
                out += ' ';
            }
            out += name.substr(i, len);
            out += '.';
            start = false;
        }
    }
    return out.empty() ? std::string("a resident") : out;
}

std::vector<std::string> risk_lines(const RotaCall& call) {
    std::vector<std::string> out;
    for (const auto& r : call.at_risk) {
        out.push_back(r.rule.empty() ? "AT RISK: " + r.message
                                     : "AT RISK: " + r.rule + ": " + r.message);
    }
    return out;
}

Rota for_contact(const Rota& rota, std::string_view contact_code, bool redact) {
    Rota out;
    out.from = rota.from;
    out.to = rota.to;
    for (const auto& call : rota.calls) {
        auto me =
            std::find_if(call.contacts.begin(), call.contacts.end(),
                         [&](const RotaContact& c) { return same_code(c.code, contact_code); });
        if (me == call.contacts.end()) {
            continue;
        }
        RotaCall c = call;
        // Other people on a group call are named, but how to reach them stays on the ward.
        for (auto& other : c.contacts) {
            if (other.code != contact_code) {
                other.reach.clear();
            }
            if (redact) {
                other.name = initials(other.name);
            }
        }
        if (redact) {
            c.resident_name = initials(c.resident_name);
            c.staff_name = c.staff_code.empty() ? std::string() : "a member of staff";
            c.room.clear();
        }
        c.preparation.clear();
        for (auto& r : c.at_risk) {
            r.message = k_family_risk_message;
        }
        out.calls.push_back(std::move(c));
    }
    return out;
}

} // namespace carecall
