// Fuzzes the scenario reader: any input parses or throws InvalidInput (with a FILE:LINE
// message); what parses writes out and reads back to the same document.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "carecall/error.hpp"
#include "carecall/exchange.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace carecall;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    Scenario s;
    try {
        s = parse_scenario(text, "fuzz.json");
    } catch (const InvalidInput& e) {
        if (std::string_view(e.what()).substr(0, 9) != "fuzz.json") {
            __builtin_trap(); // every message starts with the file's name and line
        }
        return 0;
    }
    auto written = write_scenario(s);
    if (write_scenario(parse_scenario(written)) != written) {
        __builtin_trap();
    }
    return 0;
}
