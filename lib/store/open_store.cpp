#include <cctype>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "carecall/store.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace carecall {
namespace {

/// RFC 3986 scheme: a letter, then letters, digits, '+', '-', '.'. One letter is not taken as a
/// scheme, so that "C:…"-style paths stay paths.
bool is_scheme(std::string_view s) {
    if (s.size() < 2 || std::isalpha(static_cast<unsigned char>(s[0])) == 0) {
        return false;
    }
    for (char c : s) {
        if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '+' && c != '-' && c != '.') {
            return false;
        }
    }
    return true;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

} // namespace

int current_schema_version() {
    return sqlite::latest_schema_version();
}

std::unique_ptr<Store> open_store(std::string_view url, const StoreOptions& options) {
    if (url.empty()) {
        throw UsageError("no store given (expected sqlite:PATH)");
    }
    std::string path(url);
    auto colon = url.find(':');
    if (colon != std::string_view::npos && is_scheme(url.substr(0, colon))) {
        auto scheme = url.substr(0, colon);
        if (lower(scheme) != "sqlite") {
            throw UsageError(
                fmt::format("unknown store URL scheme '{}' (expected sqlite:PATH)", scheme));
        }
        path = std::string(url.substr(colon + 1));
        if (path.empty()) {
            throw UsageError(
                fmt::format("store URL '{}' names no file (expected sqlite:PATH)", url));
        }
    }
    return std::make_unique<sqlite::SqliteStore>(path, options);
}

} // namespace carecall
