#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "subcommand.hpp"

namespace roofcast::cli {

struct CalibrateOptions {
  std::string runner = "onnxruntime";
  int threads = 1;
  std::string output;
  std::size_t budget = 300;
  double min_time_s = 0.05;
  /// MiB read before each run to push the kernel's data out of the caches (measure::micro_model_bytes);
  /// < 0: measure::default_cache_flush_bytes of measure::effective_last_level_bytes, 0: none (hot caches).
  int flush_mib = -1;
  /// Every point measured this many times, all points once per round; the fit
  /// takes each point's median measurement.
  int rounds = 3;
  bool resume = false;
  /// Fit the points the log holds and measure nothing (planned points it lacks are left out).
  bool fit_only = false;
};

/// Registers `roofcast calibrate`.
Subcommand setup_calibrate(CLI::App& app, const std::string& command_line);
int run_calibrate(const CalibrateOptions& options, const std::string& command_line);

}  // namespace roofcast::cli
