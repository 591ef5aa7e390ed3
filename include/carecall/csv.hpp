#pragma once
/// RFC 4180 comma-separated values: a strict reader (a pure function over the text, for
/// fuzzing) and a writer. Spreadsheets are where coordinators keep lists; these are the files
/// `carecall import|export residents|contacts|staff` read and write.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace carecall {

/// A whole file: the header row and the records, each with the physical line it starts on.
struct CsvTable {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows; ///< every row has header.size() fields
    std::vector<std::size_t> lines;             ///< lines[i]: the line rows[i] starts on (1-based)
};

/// Reads RFC 4180 text: fields separated by commas, records by CRLF or LF; a field in double
/// quotes may hold commas, CR, LF and doubled quotes (""). A UTF-8 byte order mark at the start
/// is skipped; empty lines between records are skipped. The first record is the header.
/// Refused with InvalidInput whose message is `FILE:LINE: column: reason` (LINE where the record
/// starts; column a header name, or `column N`): an empty file, invalid UTF-8, a NUL byte, a
/// quote inside an unquoted field or text after a closing quote, a quote never closed, a row
/// with more or fewer fields than the header, an empty or repeated header name.
CsvTable parse_csv(std::string_view text, std::string_view file_name);

/// One field as RFC 4180 writes it: quoted when it holds a comma, a quote, CR or LF (quotes
/// doubled). With `for_spreadsheet`, a field starting with = + - @ TAB or CR is prefixed with
/// `'` so that a spreadsheet shows it as text instead of running it as a formula (OWASP "CSV
/// injection"). parse_csv does not strip that `'`: such a file is for reading, not re-import.
std::string csv_field(std::string_view value, bool for_spreadsheet = false);

/// A header row and records, each line ended by CRLF.
std::string write_csv(const std::vector<std::string>& header,
                      const std::vector<std::vector<std::string>>& rows,
                      bool for_spreadsheet = false);

/// A list of items in one cell: "a; b; c". A `;` or `\` inside an item is written `\;` / `\\`.
std::string join_cell_list(const std::vector<std::string>& items);
/// The inverse of join_cell_list; items are trimmed of spaces, empty items dropped.
std::vector<std::string> split_cell_list(std::string_view cell);

} // namespace carecall
