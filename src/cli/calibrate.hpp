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
  bool resume = false;
};

/// Registers `roofcast calibrate`.
Subcommand setup_calibrate(CLI::App& app, const std::string& command_line);
int run_calibrate(const CalibrateOptions& options, const std::string& command_line);

}  // namespace roofcast::cli
