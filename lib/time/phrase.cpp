// The time phrases a coordinator types: ISO 8601, now/today/tomorrow, weekday names, bare times.
#include <array>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "carecall/error.hpp"
#include "carecall/time.hpp"

namespace carecall {
namespace {

constexpr std::array<std::string_view, 7> k_short{"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr std::array<std::string_view, 7> k_long{"monday", "tuesday",  "wednesday", "thursday",
                                                 "friday", "saturday", "sunday"};

std::vector<std::string> words(std::string_view s) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
        if (c == ' ' || c == '\t') {
            if (!cur.empty()) {
                out.push_back(cur);
            }
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) {
        out.push_back(cur);
    }
    return out;
}

InvalidInput not_a_time(std::string_view phrase, std::string_view field) {
    return InvalidInput(std::string(field),
                        fmt::format("'{}' is not a time (expected e.g. 2027-03-28 14:00, "
                                    "2027-03-28T14:00+01:00, today 14:30, tomorrow 09:00, "
                                    "mon 15:00, 14:30 or now)",
                                    phrase));
}

bool looks_like_slash_date(std::string_view s) {
    return s.find('/') != std::string_view::npos && !s.empty() && s[0] >= '0' && s[0] <= '9';
}

/// The day words of a phrase (already split): today, tomorrow, yesterday, [next] weekday, ISO
/// date. Returns the number of words used, 0 when the phrase does not start with a day.
std::size_t read_day(const std::vector<std::string>& w, Date today, Date& out,
                     std::string_view phrase, std::string_view field) {
    if (w.empty()) {
        return 0;
    }
    auto first = ascii_lower(w[0]);
    if (first == "today") {
        out = today;
        return 1;
    }
    if (first == "tomorrow") {
        out = Date{date::sys_days{today} + date::days{1}};
        return 1;
    }
    if (first == "yesterday") {
        out = Date{date::sys_days{today} - date::days{1}};
        return 1;
    }
    std::size_t used = 0;
    if (first == "next" && w.size() > 1) {
        first = ascii_lower(w[1]);
        used = 1;
    }
    if (int wd = weekday_of_word(first); wd >= 0) {
        int from = weekday_index(today);
        int ahead = (wd - from + 7) % 7;
        if (ahead == 0) {
            ahead = 7; // "mon" on a Monday is next Monday; "today" is today
        }
        out = Date{date::sys_days{today} + date::days{ahead}};
        return used + 1;
    }
    if (used == 1) {
        throw not_a_time(phrase, field);
    }
    if (looks_like_slash_date(first)) {
        throw InvalidInput(std::string(field),
                           fmt::format("'{}' is ambiguous: write dates as YYYY-MM-DD", w[0]));
    }
    if (first.size() >= 10 && first[first.size() - 3] == '-' && first[first.size() - 6] == '-' &&
        first[0] >= '0' && first[0] <= '9') {
        out = parse_date(first, field);
        return 1;
    }
    return 0;
}

/// read_day, and the day it names within the dates carecall accepts ("tomorrow" too).
std::size_t read_day_in_range(const std::vector<std::string>& w, Date today, Date& out,
                              std::string_view phrase, std::string_view field) {
    auto used = read_day(w, today, out, phrase, field);
    if (used > 0) {
        check_date_range(out, field);
    }
    return used;
}

Date local_today(const date::time_zone* zone, Instant now) {
    return Date{date::floor<date::days>(to_local(now, zone))};
}

} // namespace

TimeReading read_time_phrase(std::string_view phrase, const date::time_zone* zone, Instant now,
                             std::string_view field) {
    auto w = words(phrase);
    if (w.empty()) {
        throw InvalidInput(std::string(field), "a time is required");
    }
    TimeReading r;
    if (w.size() == 1 && ascii_lower(w[0]) == "now") {
        r.local = to_local(now, zone);
        r.instants = {now};
        r.explicit_offset = true;
        return r;
    }
    // ISO 8601 in one word: 2027-03-28T14:00[:SS][Z|+HH:MM]
    if (w.size() == 1 && w[0].size() >= 16 && w[0][0] >= '0' && w[0][0] <= '9' &&
        w[0].find('T') >= 10 && w[0].find('T') != std::string::npos) {
        std::string t = w[0];
        std::optional<std::chrono::seconds> offset;
        if (t.back() == 'Z' || t.back() == 'z') {
            offset = std::chrono::seconds{0};
            t.pop_back();
        } else if (t.size() >= 22 && (t[t.size() - 6] == '+' || t[t.size() - 6] == '-') &&
                   t[t.size() - 3] == ':') {
            int sign = t[t.size() - 6] == '-' ? -1 : 1;
            int hm = parse_clock(t.substr(t.size() - 5), field);
            offset = std::chrono::minutes{sign * hm};
            t.resize(t.size() - 6);
        }
        r.local = parse_local_datetime(t, field);
        if (offset) {
            r.instants = {Instant{r.local.time_since_epoch() - *offset}};
            r.explicit_offset = true;
            r.local = to_local(r.instants.front(), zone);
            return r;
        }
    } else {
        Date today = local_today(zone, now);
        Date day = today;
        std::size_t used = read_day_in_range(w, today, day, phrase, field);
        int minutes = 0;
        if (used == w.size()) {
            if (used == 0) {
                throw not_a_time(phrase, field);
            }
        } else if (used + 1 == w.size()) {
            if (looks_like_slash_date(w[used])) {
                throw InvalidInput(
                    std::string(field),
                    fmt::format("'{}' is ambiguous: write dates as YYYY-MM-DD", w[used]));
            }
            if (w[used].find(':') == std::string::npos) {
                throw not_a_time(phrase, field);
            }
            minutes = parse_clock(w[used], field);
        } else {
            throw not_a_time(phrase, field);
        }
        r.local = date::local_days{day} + std::chrono::minutes{minutes};
        r.day_only = used == w.size();
    }
    auto info = zone->get_info(r.local);
    switch (info.result) {
    case date::local_info::unique:
        r.instants = {Instant{r.local.time_since_epoch() - info.first.offset}};
        break;
    case date::local_info::ambiguous:
        r.instants = {Instant{r.local.time_since_epoch() - info.first.offset},
                      Instant{r.local.time_since_epoch() - info.second.offset}};
        break;
    default:
        r.instants.clear();
        break;
    }
    return r;
}

Instant parse_time_phrase(std::string_view phrase, const date::time_zone* zone, Instant now,
                          std::string_view field, Ambiguity ambiguity) {
    auto r = read_time_phrase(phrase, zone, now, field);
    if (r.instants.size() == 1) {
        return r.instants.front();
    }
    return to_utc(r.local, zone, field, ambiguity); // names the gap or both readings
}

Date parse_date_phrase(std::string_view phrase, const date::time_zone* zone, Instant now,
                       std::string_view field) {
    auto w = words(phrase);
    Date day;
    if (w.empty() || read_day_in_range(w, local_today(zone, now), day, phrase, field) != w.size()) {
        throw InvalidInput(std::string(field),
                           fmt::format("'{}' is not a date (expected YYYY-MM-DD, today, "
                                       "tomorrow or a weekday such as mon)",
                                       phrase));
    }
    return day;
}

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

int weekday_of_word(std::string_view word) {
    auto w = ascii_lower(word);
    for (std::size_t i = 0; i < k_short.size(); ++i) {
        if (w == k_short[i] || w == k_long[i]) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

} // namespace carecall
