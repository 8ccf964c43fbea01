#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "device_options.hpp"
#include "measure.hpp"
#include "model_options.hpp"
#include "subcommand.hpp"

namespace roofcast::cli {

struct ValidateOptions {
  std::vector<std::string> models;
  std::string device;
  ModelFlags model_flags;
  DeviceFlags device_flags;
  RunnerFlags runner_flags;
  std::string out_dir = "notebooks-data/validation";
  bool resume = false;
  /// Every model measured this many times, interleaved; each keeps its least
  /// disturbed round (the lowest network median).
  int rounds = 1;
  std::size_t worst = 10;
};

/// Registers `roofcast validate`: predict, measure, compare.
Subcommand setup_validate(CLI::App& app, const std::string& command_line);
int run_validate(const ValidateOptions& options, const std::string& command_line);

}  // namespace roofcast::cli
