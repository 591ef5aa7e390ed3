#pragma once
// Where a value sits in JSON text, for messages that read `FILE:LINE: path: reason`.

#include <string_view>

namespace carecall::exchange_detail {

/// The line (1-based) on which the value at `path` ("requests[3].duration_minutes") starts in
/// `text`, which must be valid JSON. When `path` names nothing (a required member that is
/// missing), the line of the nearest enclosing value that exists; 1 for the whole document.
/// Reads only the values on the way to `path`, without recursion, so any depth of nesting and
/// any size of text is safe.
int json_path_line(std::string_view text, std::string_view path);

} // namespace carecall::exchange_detail
