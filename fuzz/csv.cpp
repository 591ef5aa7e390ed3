// Fuzzes the CSV reader: any input parses or throws InvalidInput (FILE:LINE: column: reason);
// every row has the header's width, and what parses writes out and reads back the same.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "carecall/csv.hpp"
#include "carecall/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace carecall;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    CsvTable t;
    try {
        t = parse_csv(text, "fuzz.csv");
    } catch (const InvalidInput& e) {
        if (std::string_view(e.what()).substr(0, 9) != "fuzz.csv:") {
            __builtin_trap();
        }
        return 0;
    }
    if (t.lines.size() != t.rows.size()) {
        __builtin_trap();
    }
    for (const auto& row : t.rows) {
        if (row.size() != t.header.size()) {
            __builtin_trap();
        }
    }
    auto again = parse_csv(write_csv(t.header, t.rows), "again.csv");
    if (again.header != t.header || again.rows != t.rows) {
        __builtin_trap();
    }
    return 0;
}
