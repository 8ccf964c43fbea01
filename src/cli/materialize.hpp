#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "subcommand.hpp"

namespace roofcast::cli {

struct MaterializeOptions {
  std::string model;
  std::string output;
  std::uint64_t seed = 0;
  bool force = false;
};

/// Registers `roofcast materialize`; returns it with its runner.
Subcommand setup_materialize(CLI::App& app);

int run_materialize(const MaterializeOptions& options);

}  // namespace roofcast::cli
