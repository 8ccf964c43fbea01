#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "roofcast/graph/layer_graph.hpp"

namespace roofcast::graph {

/// What kind of work an op does; the roofline and fit areas group kernels by it.
enum class OpFamily {
  kConv,         ///< Conv, ConvTranspose
  kGemm,         ///< Gemm, MatMul
  kPool,         ///< windowed and global pooling
  kElementwise,  ///< unary, binary (broadcasting), variadic
  kNormalization,///< BatchNormalization, LayerNormalization, ...
  kSoftmax,      ///< Softmax, LogSoftmax
  kReduce,       ///< Reduce*, ArgMax/ArgMin
  kDataMovement, ///< Transpose, Concat, Split, Slice, Gather, Pad, Resize, Cast, ...
  kView,         ///< Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout: no data moved
  kMetadata,     ///< Shape, Size, Constant: resolved before or outside the hot loop
  kUnsupported,  ///< no registry entry: bytes-only cost
};

std::string_view family_name(OpFamily family);

/// Static cost of one layer. FLOP conventions: a multiply-add is 2 FLOPs and 1
/// MAC; bias adds, elementwise and pooling work count their own FLOPs; views
/// and metadata ops cost 0.
struct LayerCost {
  OpFamily family = OpFamily::kUnsupported;
  bool supported = true;        ///< false: no registry entry; only bytes are counted
  std::int64_t macs = 0;        ///< multiply-accumulates of contractions (Conv, Gemm, MatMul)
  std::int64_t flops = 0;       ///< floating-point operations
  std::int64_t params = 0;      ///< elements of floating-point initializer/constant inputs
  std::int64_t weight_bytes = 0;///< bytes of those parameters (part of bytes_read)
  std::int64_t bytes_read = 0;  ///< activations and weights read, by dtype size
  std::int64_t bytes_written = 0;

  /// flops / (bytes_read + bytes_written) in FLOP/byte; 0 when no bytes move.
  double arithmetic_intensity() const;
};

/// Whole-model totals. params counts each initializer once even when shared.
struct CostTotals {
  std::int64_t macs = 0;
  std::int64_t flops = 0;
  std::int64_t params = 0;
  std::int64_t weight_bytes = 0;
  std::int64_t bytes_read = 0;
  std::int64_t bytes_written = 0;
  std::int64_t layers = 0;
  std::int64_t unsupported_layers = 0;

  double arithmetic_intensity() const;
};

/// Per-layer costs (same order as graph.layers) and totals.
struct GraphCost {
  std::vector<LayerCost> layers;
  CostTotals totals;
  /// op types without a registry entry, each once ("domain:op" for custom domains).
  std::vector<std::string> unsupported_ops;
};

/// Cost of one layer through the op registry. Throws ModelError naming the
/// node when the shapes contradict the op (e.g. a Conv weight of rank 1).
LayerCost layer_cost(const Graph& graph, const Layer& layer);

/// Costs every layer and sums the totals.
GraphCost graph_cost(const Graph& graph);

/// True when the registry has an entry for (domain, op_type).
bool has_cost_entry(std::string_view domain, std::string_view op_type);

/// All op types the registry covers, sorted.
std::vector<std::string> supported_op_types();

/// The family of a default-domain op type; kUnsupported when it has no entry.
OpFamily op_family(std::string_view op_type);

}  // namespace roofcast::graph
