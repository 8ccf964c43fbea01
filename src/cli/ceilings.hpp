#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "subcommand.hpp"

namespace roofcast::cli {

struct CeilingsOptions {
  int threads = 0;            ///< 0 = every logical CPU
  double flops_seconds = 1.0;
  double bandwidth_seconds = 0.2;
  int max_mib = 1024;
  double clock_ghz = 0.0;     ///< overrides the clock the specification formula uses
  std::string runner;         ///< "" or "onnxruntime"
  bool json = false;
  std::string output;
  std::string write_profile;  ///< a profile .json to write
};

/// Registers `roofcast ceilings`: this machine's measured compute and bandwidth ceilings.
Subcommand setup_ceilings(CLI::App& app, const std::string& command_line);
int run_ceilings(const CeilingsOptions& options, const std::string& command_line);

}  // namespace roofcast::cli
