#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "roofcast/graph/layer_graph.hpp"

namespace roofcast::graph {

/// How to make a model's shapes static.
struct LoadOptions {
  /// Symbolic dimension name -> value (`--dim batch=1`).
  std::map<std::string, std::int64_t> dims;
  /// Graph input name -> full shape (`--input-shape input=1x3x224x224`).
  std::map<std::string, std::vector<std::int64_t>> input_shapes;
};

/// Loads an ONNX file, resolves symbolic dimensions, runs the onnx library's
/// shape inference with data propagation, and builds the layer graph. Weights
/// are never read, so graph-only files and models whose external data files
/// are missing load fine. Throws ModelError (or IoError) naming the file and
/// the node, tensor or dimension at fault.
Graph load_graph(const std::filesystem::path& path, const LoadOptions& options = {});

/// Same as load_graph for a serialized ModelProto held in memory; `source`
/// names it in errors.
Graph load_graph_from_bytes(std::string_view bytes, const std::string& source,
                            const LoadOptions& options = {});

/// Parses "1x3x224x224" (also "1,3,224,224"); throws UsageError naming `what`.
std::vector<std::int64_t> parse_shape(std::string_view text, std::string_view what);

}  // namespace roofcast::graph
