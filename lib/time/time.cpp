#include "carecall/time.hpp"

#include <charconv>
#include <string>

#include <fmt/format.h>

#include "carecall/error.hpp"

namespace carecall {
namespace {

bool all_digits(std::string_view s) {
    if (s.empty()) {
        return false;
    }
    for (char c : s) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

int to_int(std::string_view s) {
    int v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

std::string quoted(std::string_view s) {
    return fmt::format("'{}'", s);
}

} // namespace

const date::time_zone* find_zone(std::string_view name, std::string_view field) {
    if (name.empty()) {
        throw InvalidInput(std::string(field), "a time zone is required (e.g. Europe/London)");
    }
    try {
        return date::locate_zone(name);
    } catch (const std::runtime_error&) {
        throw InvalidInput(std::string(field),
                           fmt::format("unknown time zone {} (expected an IANA name such as "
                                       "Europe/London)",
                                       quoted(name)));
    }
}

int parse_clock(std::string_view text, std::string_view field, bool allow_24) {
    auto bad = [&] {
        return InvalidInput(std::string(field),
                            fmt::format("{} is not a time (expected HH:MM)", text));
    };
    auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 2 ||
        text.size() - colon - 1 != 2) {
        throw bad();
    }
    auto hh = text.substr(0, colon);
    auto mm = text.substr(colon + 1);
    if (!all_digits(hh) || !all_digits(mm)) {
        throw bad();
    }
    int h = to_int(hh);
    int m = to_int(mm);
    if (h == 24 && m == 0) {
        if (!allow_24) {
            throw InvalidInput(std::string(field), "24:00 is only allowed as an end time");
        }
        return 1440;
    }
    if (h > 23 || m > 59) {
        throw bad();
    }
    return h * 60 + m;
}

std::string format_clock(int minutes) {
    return fmt::format("{:02}:{:02}", minutes / 60, minutes % 60);
}

Date check_date_range(Date d, std::string_view field) {
    if (date::sys_days{d} < date::sys_days{k_first_date} ||
        date::sys_days{d} > date::sys_days{k_last_date}) {
        throw InvalidInput(std::string(field),
                           fmt::format("{} is outside the dates carecall accepts ({} to {})",
                                       format_date(d), format_date(k_first_date),
                                       format_date(k_last_date)));
    }
    return d;
}

Date last_of_days(Date first, int days, std::string_view field) {
    auto last = date::sys_days{first} + date::days{days - 1};
    if (last > date::sys_days{k_last_date} || last < date::sys_days{k_first_date}) {
        throw InvalidInput(std::string(field),
                           fmt::format("{} days from {} end on {}, outside the dates carecall "
                                       "accepts ({} to {})",
                                       days, format_date(first), format_date(Date{last}),
                                       format_date(k_first_date), format_date(k_last_date)));
    }
    return Date{last};
}

Date parse_date(std::string_view text, std::string_view field) {
    auto bad = [&](std::string_view why) {
        return InvalidInput(std::string(field), fmt::format("{} {}", text, why));
    };
    // YYYY-MM-DD; a year of more digits ("10000-01-01") is a date, only far outside the range.
    auto dash = text.find('-');
    if (dash == std::string_view::npos || dash < 4 || text.size() != dash + 6 ||
        text[dash + 3] != '-' || !all_digits(text.substr(0, dash)) ||
        !all_digits(text.substr(dash + 1, 2)) || !all_digits(text.substr(dash + 4, 2))) {
        throw bad("is not a date (expected YYYY-MM-DD)");
    }
    if (dash > 4) {
        throw bad(fmt::format("is outside the dates carecall accepts ({} to {})",
                              format_date(k_first_date), format_date(k_last_date)));
    }
    Date d{date::year{to_int(text.substr(0, 4))},
           date::month{static_cast<unsigned>(to_int(text.substr(5, 2)))},
           date::day{static_cast<unsigned>(to_int(text.substr(8, 2)))}};
    if (!d.ok()) {
        throw bad("is not a real date");
    }
    return check_date_range(d, field);
}

std::string format_date(Date d) {
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d.year()),
                       static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
}

LocalDateTime parse_local_datetime(std::string_view text, std::string_view field) {
    // The date ends at the 'T' or space (after 10 characters, more for a year past 9999).
    auto sep = text.find_first_of("T ");
    if (sep == std::string_view::npos || sep < 10 || text.size() < sep + 6) {
        throw InvalidInput(
            std::string(field),
            fmt::format("{} is not a date and time (expected YYYY-MM-DDTHH:MM)", text));
    }
    Date d = parse_date(text.substr(0, sep), field);
    auto rest = text.substr(sep + 1);
    int seconds = 0;
    if (rest.size() == 8 && rest[5] == ':' && all_digits(rest.substr(6, 2))) {
        seconds = to_int(rest.substr(6, 2));
        if (seconds > 59) {
            throw InvalidInput(std::string(field), fmt::format("{} is not a date and time", text));
        }
        rest = rest.substr(0, 5);
    }
    if (rest.size() != 5) {
        throw InvalidInput(
            std::string(field),
            fmt::format("{} is not a date and time (expected YYYY-MM-DDTHH:MM)", text));
    }
    int minutes = parse_clock(rest, field, false);
    return date::local_days{d} + std::chrono::minutes{minutes} + std::chrono::seconds{seconds};
}

std::string format_local_datetime(LocalDateTime t) {
    auto day = date::floor<date::days>(t);
    Date d{day};
    auto secs = (t - day).count();
    auto out = fmt::format("{}T{:02}:{:02}", format_date(d), secs / 3600, (secs / 60) % 60);
    if (secs % 60 != 0) {
        out += fmt::format(":{:02}", secs % 60);
    }
    return out;
}

Instant to_utc(LocalDateTime local, const date::time_zone* zone, std::string_view field,
               Ambiguity ambiguity) {
    auto info = zone->get_info(local);
    switch (info.result) {
    case date::local_info::unique:
        return Instant{local.time_since_epoch() - info.first.offset};
    case date::local_info::nonexistent: {
        // The clocks jump over this time: name the last real time before and the first after.
        auto before = info.first.end - std::chrono::minutes{1};
        auto after = info.second.begin;
        throw InvalidInput(
            std::string(field),
            fmt::format("{} does not exist in {}: the clocks go forward then; the nearest real "
                        "times are {} and {}",
                        format_local_datetime(local).replace(10, 1, " "), zone->name(),
                        format_iso_offset(before, zone), format_iso_offset(after, zone)));
    }
    case date::local_info::ambiguous:
    default:
        if (ambiguity == Ambiguity::earliest) {
            return Instant{local.time_since_epoch() - info.first.offset};
        }
        if (ambiguity == Ambiguity::latest) {
            return Instant{local.time_since_epoch() - info.second.offset};
        }
        throw InvalidInput(
            std::string(field),
            fmt::format(
                "{} happens twice in {} (the clocks go back): choose {} or {}",
                format_local_datetime(local).replace(10, 1, " "), zone->name(),
                format_iso_offset(Instant{local.time_since_epoch() - info.first.offset}, zone),
                format_iso_offset(Instant{local.time_since_epoch() - info.second.offset}, zone)));
    }
}

LocalDateTime to_local(Instant t, const date::time_zone* zone) {
    return zone->to_local(t);
}

std::string format_utc(Instant t) {
    auto day = date::floor<date::days>(t);
    Date d{day};
    auto secs = (t - day).count();
    return fmt::format("{}T{:02}:{:02}:{:02}Z", format_date(d), secs / 3600, (secs / 60) % 60,
                       secs % 60);
}

std::string format_iso_offset(Instant t, const date::time_zone* zone) {
    auto info = zone->get_info(t);
    auto local = t.time_since_epoch() + info.offset;
    auto day = date::floor<date::days>(date::sys_seconds{local});
    Date d{day};
    auto secs = (date::sys_seconds{local} - day).count();
    auto off = info.offset.count();
    char sign = off < 0 ? '-' : '+';
    off = off < 0 ? -off : off;
    return fmt::format("{}T{:02}:{:02}:{:02}{}{:02}:{:02}", format_date(d), secs / 3600,
                       (secs / 60) % 60, secs % 60, sign, off / 3600, (off / 60) % 60);
}

int weekday_index(Date d) {
    auto wd = date::weekday{date::sys_days{d}};
    return static_cast<int>(wd.iso_encoding()) - 1;
}

} // namespace carecall

namespace carecall {

int parse_duration_minutes(std::string_view text, std::string_view field) {
    auto bad = [&] {
        return InvalidInput(
            std::string(field),
            fmt::format("{} is not a duration (expected e.g. 30m, 1h, 1h30m)", text));
    };
    if (text.empty() || text.size() > 12) {
        throw bad();
    }
    long total = 0;
    std::size_t i = 0;
    bool any = false;
    bool seen_h = false;
    bool seen_m = false;
    while (i < text.size()) {
        std::size_t j = i;
        while (j < text.size() && text[j] >= '0' && text[j] <= '9') {
            ++j;
        }
        if (j == i) {
            throw bad();
        }
        long n = std::stol(std::string(text.substr(i, j - i)));
        if (j == text.size()) {
            if (any) {
                throw bad(); // "1h30" is ambiguous enough to refuse
            }
            total = n;
        } else if (text[j] == 'h' && !seen_h && !seen_m) {
            total += n * 60;
            seen_h = true;
            ++j;
        } else if (text[j] == 'm' && !seen_m) {
            total += n;
            seen_m = true;
            ++j;
        } else {
            throw bad();
        }
        any = true;
        i = j;
    }
    if (total <= 0 || total > 7 * 24 * 60) {
        throw InvalidInput(std::string(field),
                           fmt::format("{} must be a positive duration of at most 7 days", text));
    }
    return static_cast<int>(total);
}

} // namespace carecall
