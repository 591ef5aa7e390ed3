#pragma once
/// Residents, contacts and staff as CSV files with a header row (docs/user-guide.md lists the
/// columns), for coordinators who keep their lists in a spreadsheet. Every field the model holds
/// has a column, so export → import into another database gives the same records.

#include <string>
#include <string_view>
#include <vector>

namespace carecall {

class Store;

enum class SheetKind { residents, contacts, staff };

/// "residents" | "contacts" | "staff"
std::string to_string(SheetKind k);
SheetKind parse_sheet_kind(std::string_view text, std::string_view field = "kind");

/// The columns of a sheet, in the order export writes them.
const std::vector<std::string>& sheet_columns(SheetKind k);

/// Every record of this kind, ordered by code, as CSV (CRLF line ends). With `for_spreadsheet`,
/// cells starting with = + - @ TAB or CR are prefixed with ' (see csv_field): such a file is
/// for viewing; import does not strip the '.
std::string export_sheet(Store& store, SheetKind kind, bool for_spreadsheet = false);

struct SheetImportSummary {
    int rows = 0;
    int added = 0;   ///< codes new to the database
    int updated = 0; ///< codes that existed: their record replaced, field by field
};

/// Imports a CSV file in one write transaction, keyed by code: a row whose code exists updates
/// that record (a column the file leaves out keeps the stored value), other rows add records.
/// All or nothing: the first bad row throws InvalidInput `FILE:LINE: column: reason` (naming the
/// value) and nothing is written. Unknown columns and a code given twice are refused.
SheetImportSummary import_sheet(Store& store, SheetKind kind, std::string_view text,
                                std::string_view file_name);

} // namespace carecall
