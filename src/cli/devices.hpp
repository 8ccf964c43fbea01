#pragma once

#include <CLI/CLI.hpp>

#include "device_options.hpp"
#include "subcommand.hpp"

namespace roofcast::cli {

struct DevicesOptions {
  DeviceFlags device_flags;
  bool json = false;
};

/// Registers `roofcast devices`: the profiles found, with kind and key ceilings.
Subcommand setup_devices(CLI::App& app);
int run_devices(const DevicesOptions& options);

}  // namespace roofcast::cli
