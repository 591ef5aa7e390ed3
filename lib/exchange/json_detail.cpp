#include <charconv>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "carecall/error.hpp"
#include "exchange/json_detail.hpp"
#include "exchange/json_lines.hpp"

namespace carecall::exchange_detail {
namespace {

std::string offset_text(std::chrono::seconds offset) {
    auto secs = offset.count();
    char sign = secs < 0 ? '-' : '+';
    secs = secs < 0 ? -secs : secs;
    return fmt::format("{}{:02}:{:02}", sign, secs / 3600, (secs / 60) % 60);
}

/// "+01:00" / "-05:30" / "Z" at the end of `text`: its length, or 0 when there is none.
std::size_t offset_suffix(std::string_view text) {
    if (text.size() > 16 && text.back() == 'Z') {
        return 1;
    }
    if (text.size() > 21) {
        auto tail = text.substr(text.size() - 6);
        if ((tail[0] == '+' || tail[0] == '-') && tail[3] == ':') {
            return 6;
        }
    }
    return 0;
}

int two_digits(std::string_view s) {
    int v = -1;
    if (s.size() != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9') {
        return -1;
    }
    std::from_chars(s.data(), s.data() + 2, v);
    return v;
}

/// A value that holds no object, and no list other than a list of plain values.
bool is_flat(const ojson& j, bool top = true) {
    if (j.is_object()) {
        if (!top) {
            return false;
        }
        for (const auto& [key, v] : j.items()) {
            if (v.is_object() || (v.is_array() && !is_flat(v, false))) {
                return false;
            }
        }
        return true;
    }
    if (j.is_array()) {
        for (const auto& v : j) {
            if (v.is_structured()) {
                return false;
            }
        }
    }
    return true;
}

std::string plain(const ojson& j) {
    return j.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

/// One line, with the spaces a person would write: {"a": 1, "b": [1, 2]}.
std::string one_line(const ojson& j) {
    if (j.is_object()) {
        std::string out = "{";
        for (const auto& [key, v] : j.items()) {
            out += out.size() > 1 ? ", " : "";
            out += plain(ojson(key));
            out += ": ";
            out += one_line(v);
        }
        return out + "}";
    }
    if (j.is_array()) {
        std::string out = "[";
        for (const auto& v : j) {
            out += (out.size() > 1 ? ", " : "") + one_line(v);
        }
        return out + "]";
    }
    return plain(j);
}

constexpr std::size_t k_line_width = 100;

/// `used`: the characters already on the line (indent and key).
void pretty(const ojson& j, std::size_t indent, std::size_t used, std::string& out) {
    if (is_flat(j)) {
        auto line = one_line(j);
        if (used + line.size() + 1 <= k_line_width || !j.is_structured() || j.empty()) {
            out += line;
            return;
        }
    }
    std::string pad(indent + 1, ' ');
    bool first = true;
    if (j.is_object()) {
        out += "{\n";
        for (const auto& [key, v] : j.items()) {
            auto name = plain(ojson(key));
            out += first ? "" : ",\n";
            out += pad;
            out += name;
            out += ": ";
            pretty(v, indent + 1, pad.size() + name.size() + 2, out);
            first = false;
        }
        // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
        out += '\n';
        out.append(indent, ' ');
        out += '}';
        return;
    }
    out += "[\n";
    for (const auto& v : j) {
        out += first ? "" : ",\n";
        out += pad;
        pretty(v, indent + 1, pad.size(), out);
        first = false;
    }
    out += '\n';
    out.append(indent, ' ');
    out += ']';
}

} // namespace

nlohmann::json parse_json_document(std::string_view text, std::string_view file) {
    using json = nlohmann::json;
    using event = json::parse_event_t;
    // One frame per open object or array: the keys seen so far, or the index of the element.
    struct Frame {
        bool object = false;
        std::set<std::string> keys{};
        std::string key{};
        std::size_t index = 0;
    };
    std::vector<Frame> open;
    auto parent_path = [&open] {
        std::string path;
        for (std::size_t i = 0; i + 1 < open.size(); ++i) {
            path = open[i].object ? at(path, open[i].key) : at(path, open[i].index);
        }
        return path;
    };
    auto element_read = [&open] {
        if (!open.empty() && !open.back().object) {
            ++open.back().index;
        }
    };
    json::parser_callback_t check = [&](int /*depth*/, event e, json& parsed) {
        switch (e) {
        case event::object_start:
        case event::array_start:
            open.push_back(Frame{e == event::object_start});
            break;
        case event::key: {
            auto key = parsed.get<std::string>();
            if (!open.back().keys.insert(key).second) {
                auto object = parent_path();
                auto path = at(object, key);
                if (file.empty()) {
                    throw InvalidInput(path, "the key appears twice");
                }
                throw InvalidInput(
                    fmt::format("{}:{}: {}", file, json_second_key_line(text, object, key), path),
                    "the key appears twice");
            }
            open.back().key = std::move(key);
            break;
        }
        case event::object_end:
        case event::array_end:
            open.pop_back();
            element_read();
            break;
        case event::value:
            element_read();
            break;
        }
        return true;
    };
    return json::parse(text, check);
}

std::string dump(const ojson& j) {
    std::string out;
    pretty(j, 0, 0, out);
    return out;
}

std::string local_text(Instant t, const date::time_zone* zone, bool is_end) {
    auto local = to_local(t, zone);
    auto text = format_local_datetime(local);
    auto info = zone->get_info(local);
    if (info.result == date::local_info::ambiguous) {
        auto chosen = is_end ? info.second.offset : info.first.offset;
        if (Instant{local.time_since_epoch() - chosen} != t) {
            text += offset_text(zone->get_info(t).offset);
        }
    }
    return text;
}

Instant read_local_text(std::string_view text, const date::time_zone* zone,
                        const std::string& field, bool is_end) {
    auto suffix = offset_suffix(text);
    if (suffix == 0) {
        return to_utc(parse_local_datetime(text, field), zone, field,
                      is_end ? Ambiguity::latest : Ambiguity::earliest);
    }
    auto local = parse_local_datetime(text.substr(0, text.size() - suffix), field);
    std::chrono::seconds offset{0};
    if (suffix == 6) {
        auto tail = text.substr(text.size() - 6);
        int hh = two_digits(tail.substr(1, 2));
        int mm = two_digits(tail.substr(4, 2));
        if (hh < 0 || mm < 0 || hh > 23 || mm > 59) {
            throw InvalidInput(field, fmt::format("{} has a bad offset (expected +HH:MM)", text));
        }
        offset = std::chrono::hours{hh} + std::chrono::minutes{mm};
        if (tail[0] == '-') {
            offset = -offset;
        }
    }
    Instant t{local.time_since_epoch() - offset};
    // The offset only picks a reading; it has to be one the zone really uses at that time.
    if (zone->to_local(t) != local) {
        throw InvalidInput(field,
                           fmt::format("{} is not a time in {} (the offset there is {})", text,
                                       zone->name(), offset_text(zone->get_info(t).offset)));
    }
    return t;
}

} // namespace carecall::exchange_detail
