#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "device_options.hpp"
#include "measure.hpp"
#include "model_options.hpp"
#include "subcommand.hpp"

namespace roofcast::cli {

struct IsolateOptions {
  std::string model;
  std::string device;
  ModelFlags model_flags;
  DeviceFlags device_flags;
  RunnerFlags runner_flags;
  std::string measurement;  ///< a saved measurement of the model (`measure -o`, `validate`'s measurements/)
  std::size_t top = 10;     ///< kernels run alone, by the size of their error
  int flush_mib = -1;       ///< < 0: this machine's default, as `calibrate` measures its points
  std::string csv;          ///< also write the table here
};

/// Registers `roofcast isolate`: a network's worst-predicted kernels run
/// alone, as calibration measures its points.
Subcommand setup_isolate(CLI::App& app, const std::string& command_line);
int run_isolate(const IsolateOptions& options, const std::string& command_line);

}  // namespace roofcast::cli
