#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace roofcast::report {

/// A share as a signed per cent with one decimal: 0.123 → "+12.3".
std::string signed_percent(double share);

enum class Align { kLeft, kRight };

/// A plain-text table with column widths fitted to the content.
class TextTable {
 public:
  struct Column {
    std::string header;
    Align align = Align::kRight;
    std::size_t max_width = 0;  ///< 0 = unlimited; longer cells keep their tail after "..."
  };

  explicit TextTable(std::vector<Column> columns) : columns_(std::move(columns)) {}

  void add_row(std::vector<std::string> cells);
  void write(std::ostream& out) const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace roofcast::report
