#include "roofcast/common/context.hpp"

#include <chrono>
#include <ctime>
#include <fstream>
#include <thread>

#include "roofcast/build_info.hpp"

namespace roofcast {
namespace {

std::string read_cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        const auto start = line.find_first_not_of(' ', colon + 1);
        return start == std::string::npos ? "unknown" : line.substr(start);
      }
    }
  }
  return "unknown";
}

std::string utc_now_iso8601() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

}  // namespace

RunContext current_context(std::string command_line) {
  RunContext context;
  context.tool_version = build_info::kVersion;
  context.git_revision = build_info::kGitRevision;
  context.host_cpu = read_cpu_model();
  context.host_logical_cpus = static_cast<int>(std::thread::hardware_concurrency());
  context.date_utc = utc_now_iso8601();
  context.command = std::move(command_line);
  return context;
}

}  // namespace roofcast
