#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "attribute_reader.hpp"
#include "roofcast/graph/attributes.hpp"
#include "roofcast/graph/cost.hpp"
#include "roofcast/graph/layer_graph.hpp"

namespace roofcast::graph {

struct OpEntry;

/// What a cost function sees: the graph, the layer and its registry entry.
class CostContext {
 public:
  CostContext(const Graph& graph, const Layer& layer, const OpEntry& entry)
      : graph_(graph), layer_(layer), entry_(entry) {}

  const Graph& graph() const { return graph_; }
  const Layer& layer() const { return layer_; }
  const OpEntry& entry() const { return entry_; }

  /// The i-th input, or nullptr when it is omitted or absent.
  const Tensor* input(std::size_t i) const;
  /// The i-th input; ModelError naming the node when it is missing.
  const Tensor& required_input(std::size_t i) const;
  /// The i-th output; ModelError naming the node when it is missing.
  const Tensor& required_output(std::size_t i) const;
  std::size_t input_count() const { return layer_.inputs.size(); }

  /// Checked a · b / a + b, naming this node on overflow.
  std::int64_t mul(std::int64_t a, std::int64_t b) const;
  std::int64_t add(std::int64_t a, std::int64_t b) const;
  /// a · x with a non-negative, non-integral factor, rounded to the nearest count.
  std::int64_t scale(double factor, std::int64_t x) const;

  [[noreturn]] void fail(const std::string& message) const;

 private:
  const Graph& graph_;
  const Layer& layer_;
  const OpEntry& entry_;
};

using AttributeParser = LayerAttributes (*)(const AttributeReader& reader, std::string_view op_type,
                                            std::int64_t opset);
/// Fills macs and flops (and overrides bytes where the op reads only part of
/// an input); the caller fills params and default byte counts first.
using CostFunction = void (*)(const CostContext& context, LayerCost& cost);

/// How bytes are counted for an op.
enum class ByteRule {
  kAllInputs,   ///< every distinct input is read once, every output written once
  kOutputSized, ///< data input read only as far as the output (Slice, Gather): read = outputs + other inputs
  kNone,        ///< views and metadata: nothing moves
};

/// One registry entry per ONNX op type.
struct OpEntry {
  std::string_view op_type;
  OpFamily family;
  AttributeParser parse;
  CostFunction cost;
  ByteRule bytes = ByteRule::kAllInputs;
  double flops_per_input_element = 0.0;   ///< × elements of input 0
  double flops_per_output_element = 0.0;  ///< × elements of output 0
  /// Only input 0 can hold parameters; the other inputs are operands such as
  /// Clip bounds, Resize scales or Pad values, not weights.
  bool params_from_input0_only = false;
};

/// The entry for (domain, op_type), or nullptr. Only the default ONNX domain
/// ("" or "ai.onnx") has entries.
const OpEntry* find_op_entry(std::string_view domain, std::string_view op_type);

/// All entries, sorted by op type.
const std::vector<OpEntry>& op_entries();

/// Typed attributes of a node through its registry entry; NoAttributes for
/// ops without an entry.
LayerAttributes parse_layer_attributes(const AttributeReader& reader, std::string_view domain,
                                       std::string_view op_type, std::int64_t opset);

// Cost functions shared by the registry's families (cost.cpp).
void cost_conv(const CostContext& context, LayerCost& cost);
void cost_conv_transpose(const CostContext& context, LayerCost& cost);
void cost_gemm(const CostContext& context, LayerCost& cost);
void cost_matmul(const CostContext& context, LayerCost& cost);
void cost_window_pool(const CostContext& context, LayerCost& cost);
void cost_linear(const CostContext& context, LayerCost& cost);
void cost_variadic(const CostContext& context, LayerCost& cost);
void cost_layer_normalization(const CostContext& context, LayerCost& cost);
void cost_lrn(const CostContext& context, LayerCost& cost);
void cost_resize(const CostContext& context, LayerCost& cost);
void cost_none(const CostContext& context, LayerCost& cost);

}  // namespace roofcast::graph
