// A small scanner over JSON text that nlohmann has already accepted: nlohmann 3.11 keeps no
// positions in its values, and its SAX interface reports none, so the line of a value is found
// by walking the text along the path.

#include "exchange/json_lines.hpp"

#include <cstddef>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace carecall::exchange_detail {
namespace {

using Step = std::variant<std::string, std::size_t>;

/// "a.b[2].c" → a, b, 2, c. Returns what it could read of a path that is not well formed.
std::vector<Step> split_path(std::string_view path) {
    std::vector<Step> steps;
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '.') {
            ++i;
            continue;
        }
        if (path[i] == '[') {
            auto close = path.find(']', i);
            if (close == std::string_view::npos || close == i + 1 || close - i > 10) {
                break;
            }
            std::size_t n = 0;
            for (auto k = i + 1; k < close; ++k) {
                if (path[k] < '0' || path[k] > '9') {
                    return steps;
                }
                n = n * 10 + static_cast<std::size_t>(path[k] - '0');
            }
            steps.emplace_back(n);
            i = close + 1;
            continue;
        }
        auto end = path.find_first_of(".[", i);
        if (end == std::string_view::npos) {
            end = path.size();
        }
        steps.emplace_back(std::string(path.substr(i, end - i)));
        i = end;
    }
    return steps;
}

class Scanner {
public:
    explicit Scanner(std::string_view text) : m_t(text) {
        if (m_t.substr(0, 3) == "\xEF\xBB\xBF") {
            m_i = 3;
        }
    }

    [[nodiscard]] int line() const { return m_line; }
    [[nodiscard]] char peek() const { return m_i < m_t.size() ? m_t[m_i] : '\0'; }
    void advance() { ++m_i; }
    [[nodiscard]] bool done() const { return m_i >= m_t.size(); }

    void skip_space() {
        while (m_i < m_t.size()) {
            char c = m_t[m_i];
            if (c == '\n') {
                ++m_line;
            } else if (c != ' ' && c != '\t' && c != '\r') {
                return;
            }
            ++m_i;
        }
    }

    /// At a '"': the string's raw text including its quotes; the position moves past it.
    std::string_view raw_string() {
        auto start = m_i++;
        while (m_i < m_t.size() && m_t[m_i] != '"') {
            m_i += m_t[m_i] == '\\' ? 2U : 1U;
        }
        m_i = std::min(m_i + 1, m_t.size());
        return m_t.substr(start, m_i - start);
    }

    /// Skips one whole value (any nesting, counted, not recursed into).
    void skip_value() {
        skip_space();
        int depth = 0;
        while (!done()) {
            char c = peek();
            if (c == '"') {
                (void)raw_string();
            } else if (c == '{' || c == '[') {
                ++depth;
                advance();
            } else if (c == '}' || c == ']') {
                if (depth == 0) {
                    return; // the end of the enclosing container
                }
                --depth;
                advance();
            } else if (c == ',' && depth == 0) {
                return;
            } else if (c == '\n') {
                ++m_line;
                advance();
            } else {
                advance();
            }
            if (depth == 0 && (c == '"' || c == '}' || c == ']')) {
                return;
            }
        }
    }

private:
    std::string_view m_t;
    std::size_t m_i = 0;
    int m_line = 1;
};

std::string key_text(std::string_view raw) {
    auto parsed = nlohmann::json::parse(raw, nullptr, false);
    return parsed.is_string() ? parsed.get<std::string>() : std::string();
}

/// Skips the value at the position and the comma after it; false at the end of its object or
/// array (or at anything but a comma).
bool past_value(Scanner& s) {
    s.skip_value();
    s.skip_space();
    if (s.peek() != ',') {
        return false;
    }
    s.advance();
    return true;
}

/// Moves into the member `key` of the object at the position; false when it has none.
bool enter_member(Scanner& s, const std::string& key) {
    s.advance(); // '{'
    for (;;) {
        s.skip_space();
        if (s.peek() != '"') {
            return false;
        }
        auto name = key_text(s.raw_string());
        s.skip_space();
        if (s.peek() != ':') {
            return false;
        }
        s.advance();
        s.skip_space();
        if (name == key) {
            return true;
        }
        if (!past_value(s)) {
            return false;
        }
    }
}

/// Moves into element `index` of the array at the position; false when it is shorter.
bool enter_element(Scanner& s, std::size_t index) {
    s.advance(); // '['
    for (std::size_t k = 0;; ++k) {
        s.skip_space();
        if (s.peek() == ']' || s.done()) {
            return false;
        }
        if (k == index) {
            return true;
        }
        if (!past_value(s)) {
            return false;
        }
    }
}

/// Moves along `path` as far as it goes: true when the whole path was found. `found` is the
/// line of the last value reached.
bool walk(Scanner& s, std::string_view path, int& found) {
    s.skip_space();
    found = s.line();
    for (const auto& step : split_path(path)) {
        bool entered = false;
        if (const auto* key = std::get_if<std::string>(&step)) {
            entered = s.peek() == '{' && enter_member(s, *key);
        } else {
            entered = s.peek() == '[' && enter_element(s, std::get<std::size_t>(step));
        }
        if (!entered) {
            return false;
        }
        found = s.line();
    }
    return true;
}

} // namespace

int json_path_line(std::string_view text, std::string_view path) {
    Scanner s(text);
    int found = 1;
    (void)walk(s, path, found);
    return found;
}

int json_second_key_line(std::string_view text, std::string_view object_path,
                         const std::string& key) {
    Scanner s(text);
    int found = 1;
    if (!walk(s, object_path, found) || s.peek() != '{' || !enter_member(s, key)) {
        return found;
    }
    found = s.line();
    // Past the first occurrence's value: the next member of that name is the second.
    while (past_value(s)) {
        s.skip_space();
        if (s.peek() != '"') {
            break;
        }
        int line = s.line();
        auto name = key_text(s.raw_string());
        if (name == key) {
            return line;
        }
        s.skip_space();
        if (s.peek() != ':') {
            break;
        }
        s.advance();
        s.skip_space();
    }
    return found;
}

} // namespace carecall::exchange_detail
