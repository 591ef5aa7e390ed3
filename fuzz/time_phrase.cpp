// Fuzzes the time phrase reader and the small time parsers it shares (clock, date, duration,
// weekly window): any input either parses or throws InvalidInput.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "carecall/error.hpp"
#include "carecall/model.hpp"
#include "carecall/time.hpp"

namespace {

template <class F>
void refused_or_read(F&& f) {
    try {
        f();
    } catch (const carecall::InvalidInput&) {
        // Refusing is fine; any other exception escapes and is a finding.
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace carecall;
    static const auto* const london = find_zone("Europe/London");
    static const auto* const sydney = find_zone("Australia/Sydney");
    // Thu 2027-07-01 08:00 BST, and a day of a clock change.
    static const Instant summer{std::chrono::seconds{1814511600}};
    static const Instant change{std::chrono::seconds{1824768000}};
    std::string_view text(reinterpret_cast<const char*>(data), size);
    refused_or_read([&] { (void)read_time_phrase(text, london, summer, "--at"); });
    refused_or_read(
        [&] { (void)parse_time_phrase(text, sydney, change, "--at", Ambiguity::earliest); });
    refused_or_read([&] { (void)parse_date_phrase(text, london, summer, "--date"); });
    refused_or_read([&] { (void)parse_duration_minutes(text, "--duration"); });
    refused_or_read([&] { (void)parse_clock(text, "start", true); });
    refused_or_read([&] { (void)parse_local_datetime(text, "at"); });
    refused_or_read([&] {
        auto w = parse_window(text, "window");
        // What format_window writes, parse_window reads back as the same window.
        if (parse_window(format_window(w), "window") != w) {
            __builtin_trap();
        }
    });
    return 0;
}
