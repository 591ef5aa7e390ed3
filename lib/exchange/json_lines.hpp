#pragma once
// Where a value sits in JSON text, for messages that read `FILE:LINE: path: reason`.

#include <string>
#include <string_view>

namespace carecall::exchange_detail {

/// The line (1-based) on which the value at `path` ("requests[3].duration_minutes") starts in
/// `text`, which must be valid JSON. When `path` names nothing (a required member that is
/// missing), the line of the nearest enclosing value that exists; 1 for the whole document.
/// Reads only the values on the way to `path`, without recursion, so any depth of nesting and
/// any size of text is safe.
int json_path_line(std::string_view text, std::string_view path);

/// The line on which the second member named `key` of the object at `object_path` starts (a
/// key that appears twice); the line of the first, or of the object, when there is no second.
int json_second_key_line(std::string_view text, std::string_view object_path,
                         const std::string& key);

} // namespace carecall::exchange_detail
