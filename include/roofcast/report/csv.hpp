#pragma once

#include <initializer_list>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "roofcast/common/context.hpp"

namespace roofcast::report {

/// One CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
std::string csv_field(std::string_view text);

/// Writes the fields joined by commas and a newline.
void write_csv_row(std::ostream& out, const std::vector<std::string>& fields);

/// "# key: value" lines describing the run; pandas reads past them with comment='#'.
void write_csv_context(std::ostream& out, const RunContext& context,
                       std::initializer_list<std::pair<std::string_view, std::string>> extra);

}  // namespace roofcast::report
