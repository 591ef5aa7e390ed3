// The one-off grammars of records (the command's --shift, --block, --absent, --out-of-service,
// --closure and --fixed): periods in an owner's local time, ward closures, a fixed weekly time.
#include <chrono>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "carecall/error.hpp"
#include "carecall/model.hpp"

namespace carecall {

Period parse_period(std::string_view text, const date::time_zone* zone, std::string_view field) {
    std::vector<std::string> parts;
    std::string cur;
    for (char c : text) {
        if (c == ' ') {
            if (!cur.empty()) {
                parts.push_back(cur);
            }
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) {
        parts.push_back(cur);
    }
    auto bad =
        InvalidInput(std::string(field), fmt::format("'{}' is not a period (expected START/END or "
                                                     "DATE HH:MM-HH:MM, then an optional label)",
                                                     text));
    if (parts.empty()) {
        throw bad;
    }
    Period p;
    std::size_t label_from = 1;
    if (auto slash = parts[0].find('/'); slash != std::string::npos) {
        // ISO local date-times; an offset ("2027-10-31T01:30+00:00") picks one reading of a time
        // that happens twice.
        auto iso = [&](const std::string& t) {
            if (t.size() < 16 || t[10] != 'T') {
                throw bad;
            }
            return parse_time_phrase(t, zone, Instant{}, field);
        };
        p.start = iso(parts[0].substr(0, slash));
        p.end = iso(parts[0].substr(slash + 1));
    } else {
        if (parts.size() < 2) {
            throw bad;
        }
        auto day = date::local_days{parse_date(parts[0], field)};
        auto dash = parts[1].find('-');
        if (dash == std::string::npos) {
            throw bad;
        }
        auto start = day + std::chrono::minutes{parse_clock(parts[1].substr(0, dash), field)};
        auto end = day + std::chrono::minutes{parse_clock(parts[1].substr(dash + 1), field, true)};
        p.start = to_utc(start, zone, field);
        p.end = to_utc(end, zone, field);
        label_from = 2;
    }
    for (std::size_t i = label_from; i < parts.size(); ++i) {
        p.label += (p.label.empty() ? "" : " ") + parts[i];
    }
    if (p.end <= p.start) {
        throw InvalidInput(std::string(field),
                           fmt::format("'{}': the end is not after the start", text));
    }
    return p;
}

DateRange parse_closure(std::string_view text, std::string_view field) {
    // "2026-12-01[..2026-12-14] [reason]"
    auto space = text.find(' ');
    auto dates = text.substr(0, space);
    DateRange r;
    auto dots = dates.find("..");
    r.first = parse_date(dates.substr(0, dots), field);
    r.last = dots == std::string::npos ? r.first : parse_date(dates.substr(dots + 2), field);
    if (space != std::string::npos) {
        r.reason = std::string(text.substr(space + 1));
    }
    return r;
}

FixedTime parse_fixed_time(std::string_view text, std::string_view field) {
    auto w = parse_window(std::string(text) + "-24:00", field); // reuse the day and clock parsing
    auto days = weekday_list(w.weekdays);
    if (days.size() != 1) {
        throw InvalidInput(std::string(field),
                           fmt::format("'{}' must name one weekday and a time, e.g. "
                                       "\"sun 15:00\"",
                                       text));
    }
    return FixedTime{days.front(), w.start};
}

} // namespace carecall
