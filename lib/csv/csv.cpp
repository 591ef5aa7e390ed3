#include "carecall/csv.hpp"

#include <fmt/format.h>

#include "carecall/error.hpp"

namespace carecall {
namespace {

/// The length of the valid UTF-8 prefix of `s` (s.size() when all of it is valid). Overlong
/// forms, surrogates and code points above U+10FFFF are invalid.
std::size_t valid_utf8_prefix(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        unsigned lo = 0x80;
        unsigned hi = 0xBF;
        if (c < 0x80) {
            ++i;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c == 0xE0) {
            n = 2;
            lo = 0xA0;
        } else if (c == 0xED) {
            n = 2;
            hi = 0x9F;
        } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
            n = 2;
        } else if (c == 0xF0) {
            n = 3;
            lo = 0x90;
        } else if (c >= 0xF1 && c <= 0xF3) {
            n = 3;
        } else if (c == 0xF4) {
            n = 3;
            hi = 0x8F;
        } else {
            return i;
        }
        if (i + n >= s.size()) {
            return i;
        }
        for (std::size_t k = 1; k <= n; ++k) {
            auto b = static_cast<unsigned char>(s[i + k]);
            unsigned min = k == 1 ? lo : 0x80U;
            unsigned max = k == 1 ? hi : 0xBFU;
            if (b < min || b > max) {
                return i;
            }
        }
        i += n + 1;
    }
    return i;
}

class Reader {
public:
    Reader(std::string_view text, std::string_view file) : m_text(text), m_file(file) {
        if (m_text.substr(0, 3) == "\xEF\xBB\xBF") {
            m_text.remove_prefix(3);
        }
    }

    CsvTable read() {
        CsvTable table;
        bool have_header = false;
        while (m_pos < m_text.size()) {
            if (skip_empty_line()) {
                continue;
            }
            m_record_line = m_line;
            auto fields = record(have_header ? &table.header : nullptr);
            if (!have_header) {
                check_header(fields);
                table.header = std::move(fields);
                have_header = true;
                continue;
            }
            if (fields.size() < table.header.size()) {
                throw error(fields.size(), table.header,
                            fmt::format("missing: the row has {} fields, the header has {}",
                                        fields.size(), table.header.size()));
            }
            if (fields.size() > table.header.size()) {
                throw error(table.header.size(), table.header,
                            fmt::format("extra field: the row has {} fields, the header has {}",
                                        fields.size(), table.header.size()));
            }
            table.rows.push_back(std::move(fields));
            table.lines.push_back(m_record_line);
        }
        if (!have_header) {
            throw InvalidInput(fmt::format("{}:1", m_file),
                               "the file is empty (expected a header row)");
        }
        return table;
    }

private:
    static std::string column_name(std::size_t index, const std::vector<std::string>* header) {
        if (header != nullptr && index < header->size()) {
            return (*header)[index];
        }
        return fmt::format("column {}", index + 1);
    }

    InvalidInput error(std::size_t index, const std::vector<std::string>& header,
                       const std::string& reason) const {
        return error(column_name(index, &header), reason);
    }

    InvalidInput error(const std::string& column, const std::string& reason) const {
        return InvalidInput(fmt::format("{}:{}: {}", m_file, m_record_line, column), reason);
    }

    /// An empty line between records (or at the end) is skipped.
    bool skip_empty_line() {
        if (m_text[m_pos] == '\n') {
            ++m_pos;
            ++m_line;
            return true;
        }
        if (m_text.substr(m_pos, 2) == "\r\n") {
            m_pos += 2;
            ++m_line;
            return true;
        }
        return false;
    }

    std::vector<std::string> record(const std::vector<std::string>* header) {
        std::vector<std::string> fields;
        for (;;) {
            auto column = column_name(fields.size(), header);
            std::string value =
                m_pos < m_text.size() && m_text[m_pos] == '"' ? quoted(column) : unquoted(column);
            if (auto ok = valid_utf8_prefix(value); ok != value.size()) {
                throw error(column, fmt::format("invalid UTF-8 at byte {} of the field (save the "
                                                "file as UTF-8)",
                                                ok + 1));
            }
            fields.push_back(std::move(value));
            if (m_pos >= m_text.size()) {
                return fields;
            }
            char c = m_text[m_pos];
            if (c == ',') {
                ++m_pos;
                continue;
            }
            // unquoted() and quoted() stop only at a comma, a line end or the end.
            m_pos += c == '\r' ? 2 : 1;
            ++m_line;
            return fields;
        }
    }

    std::string unquoted(const std::string& column) {
        std::string value;
        while (m_pos < m_text.size()) {
            char c = m_text[m_pos];
            if (c == ',' || c == '\n') {
                break;
            }
            if (c == '\r') {
                if (m_text.substr(m_pos, 2) == "\r\n") {
                    break;
                }
                throw error(column, "a carriage return (CR) outside quotes (quote the field)");
            }
            if (c == '"') {
                throw error(column, "a quote inside an unquoted field (quote the whole field and "
                                    "double the quote: \"\")");
            }
            if (c == '\0') {
                throw error(column, "a NUL byte in the field");
            }
            value += c;
            ++m_pos;
        }
        return value;
    }

    std::string quoted(const std::string& column) {
        std::string value;
        ++m_pos; // the opening quote
        for (;;) {
            if (m_pos >= m_text.size()) {
                throw error(column, "a quoted field is never closed (a quote is missing)");
            }
            char c = m_text[m_pos];
            if (c == '"') {
                if (m_text.substr(m_pos, 2) == "\"\"") {
                    value += '"';
                    m_pos += 2;
                    continue;
                }
                ++m_pos;
                break;
            }
            if (c == '\0') {
                throw error(column, "a NUL byte in the field");
            }
            if (c == '\n') {
                ++m_line;
            }
            value += c;
            ++m_pos;
        }
        if (m_pos < m_text.size() && m_text[m_pos] != ',' && m_text[m_pos] != '\n' &&
            m_text.substr(m_pos, 2) != "\r\n") {
            throw error(column, "text after the closing quote (a quote inside a quoted field is "
                                "written \"\")");
        }
        return value;
    }

    void check_header(const std::vector<std::string>& names) const {
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (names[i].empty()) {
                throw error(fmt::format("column {}", i + 1), "the header names no column");
            }
            // Only the file's first bytes may be a byte order mark; one after an empty line or
            // in a name would be read back differently.
            if (names[i].find("\xEF\xBB\xBF") != std::string::npos) {
                throw error(fmt::format("column {}", i + 1),
                            "a byte order mark (U+FEFF) in the header, not at the start of the "
                            "file");
            }
            for (std::size_t j = 0; j < i; ++j) {
                if (names[j] == names[i]) {
                    throw error(names[i], fmt::format("named twice in the header (columns {} "
                                                      "and {})",
                                                      j + 1, i + 1));
                }
            }
        }
    }

    std::string_view m_text;
    std::string m_file;
    std::size_t m_pos = 0;
    std::size_t m_line = 1;
    std::size_t m_record_line = 1;
};

} // namespace

CsvTable parse_csv(std::string_view text, std::string_view file_name) {
    return Reader(text, file_name).read();
}

std::string csv_field(std::string_view value, bool for_spreadsheet) {
    std::string text;
    if (for_spreadsheet && !value.empty() &&
        (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@' ||
         value[0] == '\t' || value[0] == '\r')) {
        text = "'";
    }
    text += value;
    if (text.find_first_of(",\"\r\n") == std::string::npos) {
        return text;
    }
    std::string out = "\"";
    for (char c : text) {
        out += c;
        if (c == '"') {
            out += '"';
        }
    }
    return out + "\"";
}

std::string write_csv(const std::vector<std::string>& header,
                      const std::vector<std::vector<std::string>>& rows, bool for_spreadsheet) {
    std::string out;
    auto line = [&](const std::vector<std::string>& fields) {
        // A record of one empty field would be an empty line, which readers skip.
        if (fields.size() == 1 && fields[0].empty()) {
            out += "\"\"\r\n";
            return;
        }
        for (std::size_t i = 0; i < fields.size(); ++i) {
            if (i > 0) {
                out += ',';
            }
            out += csv_field(fields[i], for_spreadsheet);
        }
        out += "\r\n";
    };
    line(header);
    for (const auto& r : rows) {
        line(r);
    }
    return out;
}

std::string join_cell_list(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) {
            out += "; ";
        }
        for (char c : item) {
            if (c == ';' || c == '\\') {
                out += '\\';
            }
            out += c;
        }
    }
    return out;
}

std::vector<std::string> split_cell_list(std::string_view cell) {
    std::vector<std::string> out;
    std::string item;
    auto finish = [&] {
        auto first = item.find_first_not_of(' ');
        auto last = item.find_last_not_of(' ');
        if (first != std::string::npos) {
            out.push_back(item.substr(first, last - first + 1));
        }
        item.clear();
    };
    for (std::size_t i = 0; i < cell.size(); ++i) {
        if (cell[i] == '\\' && i + 1 < cell.size() && (cell[i + 1] == ';' || cell[i + 1] == '\\')) {
            item += cell[++i];
        } else if (cell[i] == ';') {
            finish();
        } else {
            item += cell[i];
        }
    }
    finish();
    return out;
}

} // namespace carecall
