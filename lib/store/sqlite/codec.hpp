#pragma once
// Text forms of the values kept in JSON and date columns (see the storage notes in sql.hpp).
// Encoders throw InvalidInput naming the field; decoders throw DecodeError, which the
// repositories turn into a "corrupt database" error naming the table and column.

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "carecall/model.hpp"

namespace carecall::sqlite::codec {

/// Stored text that cannot be read back.
class DecodeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

std::string encode(const std::vector<WeeklyWindow>& windows, std::string_view field);
std::string encode(const std::vector<Period>& periods, std::string_view field);
std::string encode(const std::vector<DateRange>& ranges, std::string_view field);
std::string encode(const std::vector<std::string>& words, std::string_view field);
std::optional<std::string> encode(const std::optional<Date>& d, std::string_view field);

std::vector<WeeklyWindow> decode_windows(const std::string& text);
std::vector<Period> decode_periods(const std::string& text);
std::vector<DateRange> decode_ranges(const std::string& text);
std::vector<std::string> decode_words(const std::string& text);
std::optional<Date> decode_date(const std::optional<std::string>& text);

} // namespace carecall::sqlite::codec
