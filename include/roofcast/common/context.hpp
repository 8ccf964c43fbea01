#pragma once

#include <string>

namespace roofcast {

/// Where and with what a result was produced; every JSON/CSV output starts
/// with it so that the file describes itself.
struct RunContext {
  std::string tool_version;
  std::string git_revision;
  std::string host_cpu;  ///< "model name" from /proc/cpuinfo, or "unknown"
  int host_logical_cpus = 0;
  std::string date_utc;  ///< ISO 8601, seconds resolution
  std::string command;   ///< the command line that produced the result
};

/// The context of this process: build info, host CPU, current UTC time, and
/// the given command line.
RunContext current_context(std::string command_line);

}  // namespace roofcast
