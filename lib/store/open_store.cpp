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

} // namespace

StoreUrl parse_store_url(std::string_view url) {
    auto colon = url.find(':');
    if (colon == std::string_view::npos || !is_scheme(url.substr(0, colon))) {
        return {"", std::string(url)};
    }
    StoreUrl u{std::string(url.substr(0, colon)), std::string(url.substr(colon + 1))};
    for (auto& c : u.scheme) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return u;
}

int current_schema_version() {
    return sqlite::latest_schema_version();
}

std::unique_ptr<Store> open_store(std::string_view url, const StoreOptions& options) {
    if (url.empty()) {
        throw UsageError("no store given (expected sqlite:PATH)");
    }
    auto u = parse_store_url(url);
    if (!u.scheme.empty()) {
        if (u.scheme != "sqlite") {
            throw UsageError(fmt::format("unknown store URL scheme '{}' (expected sqlite:PATH)",
                                         url.substr(0, url.find(':'))));
        }
        if (u.rest.empty()) {
            throw UsageError(
                fmt::format("store URL '{}' names no file (expected sqlite:PATH)", url));
        }
    }
    return std::make_unique<sqlite::SqliteStore>(u.rest, options);
}

} // namespace carecall
