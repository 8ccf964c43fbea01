#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "device_options.hpp"
#include "model_options.hpp"
#include "subcommand.hpp"

namespace roofcast::cli {

struct PredictOptions {
  std::string model;
  std::string device;
  ModelFlags model_flags;
  DeviceFlags device_flags;
  bool json = false;
  bool csv = false;
  std::size_t top = 15;
  std::string output;  ///< empty = stdout
};

/// Registers `roofcast predict`.
Subcommand setup_predict(CLI::App& app, const std::string& command_line);
int run_predict(const PredictOptions& options, const std::string& command_line);

struct CompareOptions {
  std::vector<std::string> models;
  std::vector<std::string> devices;
  ModelFlags model_flags;
  DeviceFlags device_flags;
  bool csv = false;
  std::string output;
};

/// Registers `roofcast compare`.
Subcommand setup_compare(CLI::App& app, const std::string& command_line);
int run_compare(const CompareOptions& options, const std::string& command_line);

}  // namespace roofcast::cli
