#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "device_options.hpp"
#include "model_options.hpp"
#include "subcommand.hpp"

namespace roofcast::cli {

struct RooflineOptions {
  std::string model;
  std::string device;
  ModelFlags model_flags;
  DeviceFlags device_flags;
  std::string output;  ///< the SVG
  std::string data;    ///< the CSV behind it; empty = the SVG's path with .csv
  std::size_t label_top = 6;
};

/// Registers `roofcast roofline`: the roofline plot of a prediction as SVG + CSV.
Subcommand setup_roofline(CLI::App& app, const std::string& command_line);
int run_roofline(const RooflineOptions& options, const std::string& command_line);

}  // namespace roofcast::cli
