#include "roofcast/report/csv.hpp"

namespace roofcast::report {

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) {
    return std::string(text);
  }
  std::string quoted = "\"";
  for (const char c : text) {
    quoted += c;
    if (c == '"') {
      quoted += '"';
    }
  }
  return quoted + "\"";
}

void write_csv_row(std::ostream& out, const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    out << (i > 0 ? "," : "") << csv_field(fields[i]);
  }
  out << '\n';
}

void write_csv_context(std::ostream& out, const RunContext& context,
                       std::initializer_list<std::pair<std::string_view, std::string>> extra) {
  out << "# tool: roofcast " << context.tool_version << '\n'
      << "# git_revision: " << context.git_revision << '\n'
      << "# date_utc: " << context.date_utc << '\n'
      << "# host_cpu: " << context.host_cpu << '\n'
      << "# host_logical_cpus: " << context.host_logical_cpus << '\n'
      << "# command: " << context.command << '\n';
  for (const auto& [key, value] : extra) {
    out << "# " << key << ": " << value << '\n';
  }
}

}  // namespace roofcast::report
