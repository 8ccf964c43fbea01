#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "roofcast/graph/cost.hpp"
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

/// Warnings on stderr about what the prediction leaves out: one per op type the
/// cost registry does not know, and one for Softmax masks whose exp() is
/// subnormal (graph::subnormal_softmax_masks).
void warn_about_model(const graph::Graph& graph, const graph::GraphCost& cost);

/// Writes `text` to `path` (atomically), or to stdout when `path` is empty.
void write_output(const std::string& path, const std::string& text);

}  // namespace roofcast::cli
