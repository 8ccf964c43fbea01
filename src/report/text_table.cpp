#include "roofcast/report/text_table.hpp"

#include <algorithm>
#include <cstdio>

namespace roofcast::report {

std::string signed_percent(double share) {
  char text[64];
  std::snprintf(text, sizeof text, "%+.1f", 100.0 * share);
  return text;
}
namespace {

std::string fit(const std::string& cell, std::size_t max_width) {
  if (max_width == 0 || cell.size() <= max_width || max_width <= 3) {
    return cell;
  }
  return "..." + cell.substr(cell.size() - (max_width - 3));
}

}  // namespace

void TextTable::add_row(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  for (std::size_t i = 0; i < cells.size(); ++i) {
    cells[i] = fit(cells[i], columns_[i].max_width);
  }
  rows_.push_back(std::move(cells));
}

void TextTable::write(std::ostream& out) const {
  std::vector<std::size_t> widths(columns_.size());
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    widths[i] = columns_[i].header.size();
    for (const auto& row : rows_) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  const auto write_cells = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const std::size_t pad = widths[i] - cells[i].size();
      if (i > 0) {
        line += "  ";
      }
      if (columns_[i].align == Align::kRight) {
        line += std::string(pad, ' ') + cells[i];
      } else {
        line += cells[i] + (i + 1 < cells.size() ? std::string(pad, ' ') : "");
      }
    }
    out << line << '\n';
  };
  std::vector<std::string> headers;
  for (const auto& column : columns_) {
    headers.push_back(column.header);
  }
  write_cells(headers);
  std::size_t total = 0;
  for (const std::size_t width : widths) {
    total += width;
  }
  out << std::string(total + 2 * (widths.empty() ? 0 : widths.size() - 1), '-') << '\n';
  for (const auto& row : rows_) {
    write_cells(row);
  }
}

}  // namespace roofcast::report
