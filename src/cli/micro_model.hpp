#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "subcommand.hpp"

namespace roofcast::cli {

struct MicroModelOptions {
  std::string spec;
  std::string output;
  std::uint64_t seed = 0;
  int flush_mib = 0;  ///< measure::micro_model_bytes' flush_bytes, in MiB
  bool force = false;
};

/// Registers `roofcast micro-model`: writes a single-kernel ONNX model with random weights.
Subcommand setup_micro_model(CLI::App& app);
int run_micro_model(const MicroModelOptions& options);

}  // namespace roofcast::cli
