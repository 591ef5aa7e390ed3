// The rota as an aligned text table and as CSV (RFC 4180).
#include <algorithm>

#include <fmt/format.h>

#include "carecall/rota.hpp"
#include "rota/text.hpp"

namespace carecall {
namespace {

using namespace rota_text;

std::size_t width(const std::string& s) {
    std::size_t n = 0;
    for (char ch : s) {
        n += (static_cast<unsigned char>(ch) & 0xC0U) != 0x80U ? 1 : 0;
    }
    return n;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (const auto& p : parts) {
        if (!p.empty()) {
            out += (out.empty() ? "" : std::string(sep)) + p;
        }
    }
    return out;
}

std::string contacts_text(const RotaCall& c) {
    std::vector<std::string> parts;
    for (const auto& k : c.contacts) {
        parts.push_back(who(k));
    }
    return join(parts, ", ");
}

std::string reach_text(const RotaCall& c) {
    std::vector<std::string> parts;
    for (const auto& k : c.contacts) {
        parts.push_back(k.reach);
    }
    return join(parts, ", ");
}

std::string their_text(const RotaCall& c) {
    std::vector<std::string> parts;
    for (const auto& k : c.contacts) {
        auto t = their_time(c, k);
        if (!t.empty()) {
            parts.push_back(c.contacts.size() > 1 ? fmt::format("{}: {}", k.name, t) : t);
        }
    }
    return join(parts, ", ");
}

/// Breaks a line at spaces to fit 80 columns; continuation lines are indented.
std::string wrap(const std::string& text, std::size_t indent) {
    std::string out;
    std::string line;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto next = text.find(' ', pos + 1);
        auto word = text.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
        if (!line.empty() && width(line) + width(word) > 79) {
            out += line + '\n';
            line = std::string(indent, ' ');
            word.erase(0, word.find_first_not_of(' '));
        }
        line += word;
        pos = next == std::string::npos ? text.size() : next;
    }
    return out + line + '\n';
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) {
        return s;
    }
    std::string out = "\"";
    for (char ch : s) {
        out += ch;
        if (ch == '"') {
            out += '"';
        }
    }
    return out + "\"";
}

} // namespace

std::string rota_table(const Rota& rota) {
    std::string out;
    auto gs = groups(rota);
    if (gs.empty()) {
        return fmt::format("no calls {}\n",
                           rota.from == rota.to
                               ? "on " + day(rota.from)
                               : fmt::format("from {} to {}", day(rota.from), day(rota.to)));
    }
    for (const auto& g : gs) {
        if (!out.empty()) {
            out += '\n';
        }
        out +=
            fmt::format("{} ({}), {}: {} ({})\n", g.ward_name.empty() ? g.ward_code : g.ward_name,
                        g.ward_code, g.site_name, day(g.date), g.site_tz);
        // Narrow enough for 80 columns: the contact's own time next to their name, how to reach
        // them and what to prepare on lines of their own under the call.
        std::vector<std::string> head{"TIME",   "RESIDENT", "CONTACT (THEIR TIME)",
                                      "DEVICE", "HELPER",   "STATUS"};
        std::vector<std::vector<std::string>> rows;
        for (const auto* c : g.calls) {
            auto resident = c->room.empty() ? c->resident_name
                                            : fmt::format("{} ({})", c->resident_name, c->room);
            std::string contacts;
            for (const auto& k : c->contacts) {
                auto t = their_start(*c, k);
                contacts += (contacts.empty() ? "" : ", ") + k.name;
                if (!t.empty()) {
                    contacts += " (" + t + ")";
                }
            }
            rows.push_back({span(c->start, c->end, c->site_tz), resident, contacts, c->device_name,
                            c->staff_name.empty() ? "-" : c->staff_name, status(*c)});
        }
        // No helpers or every call booked: the column is left out.
        for (std::size_t i : {std::size_t{5}, std::size_t{4}}) {
            bool empty = std::all_of(rows.begin(), rows.end(), [&](const auto& r) {
                return r[i] == "-" || (i == 5 && r[i] == "booked");
            });
            if (empty) {
                head.erase(head.begin() + static_cast<std::ptrdiff_t>(i));
                for (auto& r : rows) {
                    r.erase(r.begin() + static_cast<std::ptrdiff_t>(i));
                }
            }
        }
        std::vector<std::size_t> w(head.size());
        for (std::size_t i = 0; i < head.size(); ++i) {
            w[i] = width(head[i]);
            for (const auto& r : rows) {
                w[i] = std::max(w[i], width(r[i]));
            }
        }
        auto line = [&](const std::vector<std::string>& r) {
            std::string l;
            for (std::size_t i = 0; i < r.size(); ++i) {
                l += r[i];
                if (i + 1 < r.size()) {
                    l += std::string(w[i] - width(r[i]) + 2, ' ');
                }
            }
            while (!l.empty() && l.back() == ' ') {
                l.pop_back();
            }
            out += l + '\n';
        };
        line(head);
        for (std::size_t i = 0; i < rows.size(); ++i) {
            line(rows[i]);
            const auto* c = g.calls[i];
            if (!is_active(*c)) {
                continue;
            }
            for (const auto& r : risk_lines(*c)) {
                out += wrap("  " + r, 4);
            }
            std::vector<std::string> reach;
            for (const auto& k : c->contacts) {
                if (!k.reach.empty()) {
                    reach.push_back(fmt::format("{} ({}) {}", k.name,
                                                k.relationship.empty() ? "contact" : k.relationship,
                                                k.reach));
                }
            }
            if (!reach.empty()) {
                out += wrap("  reach: " + join(reach, "; "), 9);
            }
            if (!c->preparation.empty()) {
                out += wrap("  prepare: " + join(c->preparation, "; "), 11);
            }
        }
    }
    return out;
}

std::string rota_csv(const Rota& rota) {
    std::string out;
    auto row = [&](const std::vector<std::string>& fields) {
        for (std::size_t i = 0; i < fields.size(); ++i) {
            out += (i > 0 ? "," : "") + csv_field(fields[i]);
        }
        out += "\r\n";
    };
    row({"date", "ward", "site_time", "site_tz", "their_time", "resident", "room", "contacts",
         "reach", "device", "helper", "status", "booking", "request", "start_utc", "end_utc",
         "preparation", "at_risk"});
    for (const auto& c : rota.calls) {
        row({format_date(c.date), c.ward_code, span(c.start, c.end, c.site_tz), c.site_tz,
             their_text(c), c.resident_name, c.room, contacts_text(c), reach_text(c), c.device_name,
             c.staff_name, to_string(c.status), c.code, c.request_code, format_utc(c.start),
             format_utc(c.end), join(c.preparation, "; "), join(risk_lines(c), "; ")});
    }
    return out;
}

} // namespace carecall
