#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "model_options.hpp"
#include "subcommand.hpp"

namespace roofcast::cli {

/// Runner and protocol flags shared by `measure` and `validate`.
struct RunnerFlags {
  std::string runner = "onnxruntime";
  int threads = 1;
  std::string optimization = "all";
  double min_time_s = 1.0;
  int min_runs = 10;
  int warmup_runs = 5;
  double max_spread = 0.10;
  double timeout_s = 600.0;  ///< longest a single measurement may take before the runner is stopped
};
void add_runner_flags(CLI::App& command, RunnerFlags& flags);

struct MeasureCommandOptions {
  std::string model;
  ModelFlags model_flags;
  RunnerFlags runner_flags;
  bool per_kernel = true;
  bool json = false;
  std::size_t top = 20;
  std::string output;  ///< the measurement as JSON
};

/// Registers `roofcast measure`.
Subcommand setup_measure(CLI::App& app, const std::string& command_line);
int run_measure(const MeasureCommandOptions& options, const std::string& command_line);

}  // namespace roofcast::cli
