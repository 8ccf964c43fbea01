#include "roofcast/measure/protocol.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <sstream>
#include <unistd.h>

#include "roofcast/common/error.hpp"

namespace roofcast::measure {

double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) {
    return 0.0;
  }
  const double position = std::clamp(q, 0.0, 1.0) * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return sorted[below] + (sorted[above] - sorted[below]) * fraction;
}

double interquartile_mean(std::vector<double> samples) {
  if (samples.empty()) {
    throw RunnerError("no latency samples to summarize");
  }
  std::sort(samples.begin(), samples.end());
  const std::size_t n = samples.size();
  const std::size_t begin = n / 4;
  const std::size_t end = std::max(begin + 1, n - n / 4);
  return std::accumulate(samples.begin() + static_cast<std::ptrdiff_t>(begin),
                         samples.begin() + static_cast<std::ptrdiff_t>(end), 0.0) /
         static_cast<double>(end - begin);
}

SampleStats summarize(std::vector<double> samples) {
  if (samples.empty()) {
    throw RunnerError("no latency samples to summarize");
  }
  std::sort(samples.begin(), samples.end());
  SampleStats stats;
  stats.count = samples.size();
  stats.median_s = quantile(samples, 0.5);
  stats.p10_s = quantile(samples, 0.1);
  stats.p90_s = quantile(samples, 0.9);
  stats.min_s = samples.front();
  stats.mean_s = std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(samples.size());
  return stats;
}

std::string_view state_name(MeasurementState state) {
  switch (state) {
    case MeasurementState::kOk: return "ok";
    case MeasurementState::kUnstable: return "unstable";
    case MeasurementState::kFailed: return "failed";
  }
  return "failed";
}

bool acceptable(const SampleStats& stats, double other_cpu_share, const MeasurementPolicy& policy,
                std::string& reason) {
  char text[160];
  if (stats.spread() > policy.max_spread) {
    std::snprintf(text, sizeof text, "spread (p90-p10)/median %.1f %% exceeds %.1f %%",
                  100.0 * stats.spread(), 100.0 * policy.max_spread);
    reason = text;
    return false;
  }
  if (other_cpu_share > policy.max_other_cpu_share) {
    std::snprintf(text, sizeof text, "other processes used %.0f %% of the CPUs while measuring (limit %.0f %%)",
                  100.0 * other_cpu_share, 100.0 * policy.max_other_cpu_share);
    reason = text;
    return false;
  }
  reason.clear();
  return true;
}

namespace {

/// utime + stime + cutime + cstime of a process, in clock ticks; 0 when unreadable.
double process_ticks(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');  // the command name may contain spaces
  if (close == std::string::npos) {
    return 0.0;
  }
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double ticks = 0.0;
  // Fields after the name start at field 3 (state); utime..cstime are fields 14..17.
  for (int index = 3; index <= 17 && fields >> field; ++index) {
    if (index >= 14) {
      ticks += std::strtod(field.c_str(), nullptr);
    }
  }
  return ticks;
}

}  // namespace

CpuLoadMeter::Snapshot CpuLoadMeter::snapshot() const {
  Snapshot s;
  std::ifstream in("/proc/stat");
  std::string label;
  if (!(in >> label) || label != "cpu") {
    return s;
  }
  // user nice system idle iowait irq softirq steal guest guest_nice
  double value = 0.0;
  for (int index = 0; index < 8 && in >> value; ++index) {
    s.total_ticks += value;
    if (index != 3 && index != 4) {
      s.busy_ticks += value;
    }
  }
  s.own_ticks = process_ticks(static_cast<int>(::getpid()));
  for (const int pid : pids_) {
    s.own_ticks += process_ticks(pid);
  }
  return s;
}

void CpuLoadMeter::start() { begin_ = snapshot(); }

double CpuLoadMeter::stop() {
  const Snapshot end = snapshot();
  const double total = end.total_ticks - begin_.total_ticks;
  if (total <= 0.0) {
    return 0.0;
  }
  const double others = (end.busy_ticks - begin_.busy_ticks) - (end.own_ticks - begin_.own_ticks);
  return std::clamp(others / total, 0.0, 1.0);
}

}  // namespace roofcast::measure
