#include "store/sqlite/codec.hpp"

#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "carecall/error.hpp"
#include "carecall/time.hpp"

namespace carecall::sqlite::codec {
namespace {

using nlohmann::json;

std::string dump(const json& j, std::string_view field) {
    try {
        return j.dump();
    } catch (const json::type_error&) {
        // The only way dump() fails: text that is not UTF-8.
        throw InvalidInput(std::string(field), "holds text that is not valid UTF-8");
    }
}

std::string date_text(Date d, std::string_view field) {
    if (!d.ok() || d.year() < date::year{1} || d.year() > date::year{9999}) {
        throw InvalidInput(std::string(field),
                           fmt::format("{} is not a real date", format_date(d)));
    }
    return format_date(d);
}

Date parse_date_text(const std::string& text) {
    try {
        return parse_date(text, "date");
    } catch (const Error& e) {
        throw DecodeError(e.what());
    }
}

json parse_array(const std::string& text) {
    auto j = json::parse(text, nullptr, false);
    if (!j.is_array()) {
        throw DecodeError("not a JSON array");
    }
    return j;
}

template <class F>
auto guarded(F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const json::exception& e) {
        throw DecodeError(e.what());
    }
}

} // namespace

std::string encode(const std::vector<WeeklyWindow>& windows, std::string_view field) {
    json out = json::array();
    for (const auto& w : windows) {
        const auto& [weekdays, start, end, label] = w;
        out.push_back({{"weekdays", weekdays}, {"start", start}, {"end", end}, {"label", label}});
    }
    return dump(out, field);
}

std::string encode(const std::vector<Period>& periods, std::string_view field) {
    json out = json::array();
    for (const auto& p : periods) {
        const auto& [start, end, label] = p;
        out.push_back({{"start", start.time_since_epoch().count()},
                       {"end", end.time_since_epoch().count()},
                       {"label", label}});
    }
    return dump(out, field);
}

std::string encode(const std::vector<DateRange>& ranges, std::string_view field) {
    json out = json::array();
    for (std::size_t i = 0; i < ranges.size(); ++i) {
        const auto& [first, last, reason] = ranges[i];
        auto where = fmt::format("{}[{}]", field, i);
        out.push_back({{"first", date_text(first, where + ".first")},
                       {"last", date_text(last, where + ".last")},
                       {"reason", reason}});
    }
    return dump(out, field);
}

std::string encode(const std::vector<std::string>& words, std::string_view field) {
    return dump(json(words), field);
}

std::optional<std::string> encode(const std::optional<Date>& d, std::string_view field) {
    if (!d) {
        return std::nullopt;
    }
    return date_text(*d, field);
}

std::vector<WeeklyWindow> decode_windows(const std::string& text) {
    return guarded([&] {
        std::vector<WeeklyWindow> out;
        for (const auto& j : parse_array(text)) {
            WeeklyWindow w;
            w.weekdays = j.at("weekdays").get<std::uint8_t>();
            w.start = j.at("start").get<int>();
            w.end = j.at("end").get<int>();
            w.label = j.at("label").get<std::string>();
            out.push_back(std::move(w));
        }
        return out;
    });
}

std::vector<Period> decode_periods(const std::string& text) {
    return guarded([&] {
        std::vector<Period> out;
        for (const auto& j : parse_array(text)) {
            Period p;
            p.start = Instant{std::chrono::seconds{j.at("start").get<std::int64_t>()}};
            p.end = Instant{std::chrono::seconds{j.at("end").get<std::int64_t>()}};
            p.label = j.at("label").get<std::string>();
            out.push_back(std::move(p));
        }
        return out;
    });
}

std::vector<DateRange> decode_ranges(const std::string& text) {
    return guarded([&] {
        std::vector<DateRange> out;
        for (const auto& j : parse_array(text)) {
            DateRange r;
            r.first = parse_date_text(j.at("first").get<std::string>());
            r.last = parse_date_text(j.at("last").get<std::string>());
            r.reason = j.at("reason").get<std::string>();
            out.push_back(std::move(r));
        }
        return out;
    });
}

std::vector<std::string> decode_words(const std::string& text) {
    return guarded([&] { return parse_array(text).get<std::vector<std::string>>(); });
}

std::optional<Date> decode_date(const std::optional<std::string>& text) {
    if (!text) {
        return std::nullopt;
    }
    return parse_date_text(*text);
}

} // namespace carecall::sqlite::codec
