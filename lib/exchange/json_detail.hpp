#pragma once
// Pieces shared by the scenario reader, the scenario writer and the record views.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "carecall/model.hpp"
#include "carecall/time.hpp"

namespace carecall::exchange_detail {

/// Output keeps the order fields are written in (the scenario format's order), not sorted.
using ojson = nlohmann::ordered_json;

/// "path.key", or "key" at the top level.
inline std::string at(std::string_view path, std::string_view key) {
    std::string out(path);
    if (!out.empty()) {
        out += '.';
    }
    out += key;
    return out;
}

/// "path[i]"
inline std::string at(std::string_view path, std::size_t index) {
    return std::string(path) + "[" + std::to_string(index) + "]";
}

/// {"weekdays": [..], "start": "HH:MM", "end": "HH:MM", "label": ".."}; label only when set.
inline ojson window_json(const WeeklyWindow& w) {
    ojson out = ojson::object();
    out["weekdays"] = weekday_list(w.weekdays);
    out["start"] = format_clock(w.start);
    out["end"] = format_clock(w.end);
    if (!w.label.empty()) {
        out["label"] = w.label;
    }
    return out;
}

/// An instant as a local date-time of `zone` ("2025-03-24T07:00"), the way the scenario format
/// writes shifts. A time that happens twice is read back as the earlier for a start and the later
/// for an end; when the instant is the other reading, the offset is added ("…T01:30+00:00") so
/// that reading it back gives the same instant.
std::string local_text(Instant t, const date::time_zone* zone, bool is_end);

/// The inverse of local_text: a local date-time of `zone`, optionally with an explicit offset
/// ("+01:00", "-05:00" or "Z") that picks one reading of an ambiguous time.
Instant read_local_text(std::string_view text, const date::time_zone* zone,
                        const std::string& field, bool is_end);

/// nlohmann::json::parse (its exceptions unchanged), refusing what nlohmann accepts silently:
/// a key that appears twice in one object (nlohmann keeps the last). Throws InvalidInput with
/// the field "FILE:LINE: residents[2].name" (the line of the second occurrence; the path alone
/// when `file` is empty) and the reason "the key appears twice".
nlohmann::json parse_json_document(std::string_view text, std::string_view file);

/// The JSON text of a document: one space of indent, but a list of plain values or an object
/// of plain values (a window, a period) kept on one line when it fits, so that a scenario
/// stays readable and diffs well. Invalid UTF-8 is replaced. No newline at the end.
std::string dump(const ojson& j);

} // namespace carecall::exchange_detail
