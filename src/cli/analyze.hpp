#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "subcommand.hpp"

#include "model_options.hpp"

namespace roofcast::cli {

struct AnalyzeOptions {
  std::string model;
  ModelFlags model_flags;
  bool json = false;
  bool csv = false;
  std::size_t top = 0;
  std::string output;  ///< empty = stdout
};

/// Registers `roofcast analyze`; returns it with its runner.
Subcommand setup_analyze(CLI::App& app, const std::string& command_line);

int run_analyze(const AnalyzeOptions& options, const std::string& command_line);

}  // namespace roofcast::cli
