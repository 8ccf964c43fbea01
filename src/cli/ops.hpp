#pragma once

#include <CLI/CLI.hpp>

#include "subcommand.hpp"

namespace roofcast::cli {

/// Registers `roofcast ops`: the op types the cost registry covers, with their family.
Subcommand setup_ops(CLI::App& app);

}  // namespace roofcast::cli
