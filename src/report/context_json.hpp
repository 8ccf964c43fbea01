#pragma once
// The "context" block every JSON report starts with (private to src/report).

#include <nlohmann/json.hpp>

#include "roofcast/common/context.hpp"

namespace roofcast::report {

inline nlohmann::json context_json(const RunContext& context) {
  return {{"tool", "roofcast"},
          {"tool_version", context.tool_version},
          {"git_revision", context.git_revision},
          {"date_utc", context.date_utc},
          {"host_cpu", context.host_cpu},
          {"host_logical_cpus", context.host_logical_cpus},
          {"command", context.command}};
}

}  // namespace roofcast::report
