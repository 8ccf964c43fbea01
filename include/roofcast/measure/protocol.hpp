#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace roofcast::measure {

/// How a latency is measured (DESIGN.md, "Measurement protocol"): warm-up,
/// then runs until both a minimum count and a minimum time are reached (or a
/// maximum of either); a result whose spread is too wide is measured again and,
/// if still wide, marked unstable.
struct MeasurementPolicy {
  int warmup_runs = 5;
  int min_runs = 10;
  int max_runs = 100000;
  double min_time_s = 1.0;
  double max_time_s = 60.0;
  double max_spread = 0.10;  ///< (p90 − p10) / median above this is too wide
  int attempts = 2;          ///< measurements before a wide result is kept as unstable
  double max_other_cpu_share = 0.25;  ///< other processes' share of the CPU above this: measure again
};

/// Summary statistics of latency samples, in seconds.
struct SampleStats {
  std::size_t count = 0;
  double median_s = 0.0;
  double p10_s = 0.0;
  double p90_s = 0.0;
  double min_s = 0.0;
  double mean_s = 0.0;

  /// (p90 − p10) / median: the relative width of the middle 80 %.
  double spread() const { return median_s > 0.0 ? (p90_s - p10_s) / median_s : 0.0; }
};

/// The q-quantile (0 ≤ q ≤ 1) of sorted samples, linearly interpolated.
double quantile(const std::vector<double>& sorted, double q);

/// Mean of the samples between the 25th and 75th percentiles: robust like the
/// median, but not stuck on the grid of a timer with 1 µs resolution.
double interquartile_mean(std::vector<double> samples);

/// Statistics of `samples`; FitError-free: throws RunnerError when empty.
SampleStats summarize(std::vector<double> samples);

enum class MeasurementState {
  kOk,        ///< within the policy's spread on some attempt
  kUnstable,  ///< still too wide (or the machine too busy) after every attempt
  kFailed,    ///< no result; `reason` says why
};
std::string_view state_name(MeasurementState state);

/// Whether a measurement with these statistics, taken while other processes
/// used `other_cpu_share` of the machine, is acceptable under `policy`; sets
/// `reason` when it is not.
bool acceptable(const SampleStats& stats, double other_cpu_share, const MeasurementPolicy& policy,
                std::string& reason);

/// Share of all CPUs' time that processes other than `pids` used between
/// start() and stop(), from /proc/stat and /proc/<pid>/stat. 0 where /proc is
/// not readable.
class CpuLoadMeter {
 public:
  explicit CpuLoadMeter(std::vector<int> pids) : pids_(std::move(pids)) {}
  void start();
  double stop();

 private:
  struct Snapshot {
    double busy_ticks = 0.0;
    double total_ticks = 0.0;
    double own_ticks = 0.0;
  };
  Snapshot snapshot() const;

  std::vector<int> pids_;
  Snapshot begin_;
};

}  // namespace roofcast::measure
