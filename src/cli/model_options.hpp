#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "roofcast/graph/load.hpp"

namespace roofcast::cli {

/// --dim and --input-shape as typed, and their conversion to LoadOptions.
struct ModelFlags {
  std::vector<std::string> dims;          ///< NAME=VALUE
  std::vector<std::string> input_shapes;  ///< NAME=1x3x224x224
};

void add_model_flags(CLI::App& command, ModelFlags& flags);

/// Throws UsageError naming the flag for a malformed value.
graph::LoadOptions to_load_options(const ModelFlags& flags);

/// Writes `text` to `path` (atomically), or to stdout when `path` is empty.
void write_output(const std::string& path, const std::string& text);

}  // namespace roofcast::cli
