#include "roofcast/graph/cost.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <variant>

#include "op_registry.hpp"
#include "roofcast/common/checked.hpp"
#include "roofcast/common/error.hpp"

namespace roofcast::graph {

std::string_view family_name(OpFamily family) {
  switch (family) {
    case OpFamily::kConv: return "conv";
    case OpFamily::kGemm: return "gemm";
    case OpFamily::kPool: return "pool";
    case OpFamily::kElementwise: return "elementwise";
    case OpFamily::kNormalization: return "normalization";
    case OpFamily::kSoftmax: return "softmax";
    case OpFamily::kReduce: return "reduce";
    case OpFamily::kDataMovement: return "data_movement";
    case OpFamily::kView: return "view";
    case OpFamily::kMetadata: return "metadata";
    case OpFamily::kUnsupported: return "unsupported";
  }
  return "unsupported";
}

namespace {

double intensity(std::int64_t flops, std::int64_t bytes) {
  return bytes > 0 ? static_cast<double>(flops) / static_cast<double>(bytes) : 0.0;
}

std::string node_label(const Layer& layer) {
  return "node '" + layer.name + "' (" + layer.op_type + ")";
}

std::int64_t spatial_product(const CostContext& context, const Tensor& tensor, std::size_t from) {
  std::int64_t product = 1;
  for (std::size_t axis = from; axis < tensor.shape.size(); ++axis) {
    product = context.mul(product, tensor.shape[axis]);
  }
  return product;
}

/// True for a stored floating-point tensor: a weight, when it sits in a parameter position.
bool is_parameter(const Tensor& tensor) {
  const bool stored =
      tensor.kind == TensorKind::kInitializer || tensor.kind == TensorKind::kConstant;
  return stored && is_floating(tensor.dtype);
}

/// The inputs of `layer` that can hold parameters under `entry`.
std::size_t parameter_inputs(const Layer& layer, const OpEntry& entry) {
  return entry.params_from_input0_only ? std::min<std::size_t>(1, layer.inputs.size())
                                       : layer.inputs.size();
}

/// Fills params, weight_bytes and the default byte counts from the entry's ByteRule.
void count_params_and_bytes(const CostContext& context, ByteRule rule, LayerCost& cost) {
  const Layer& layer = context.layer();
  std::set<TensorId> seen;
  for (std::size_t i = 0; i < parameter_inputs(layer, context.entry()); ++i) {
    const TensorId id = layer.inputs[i];
    if (id == kNoTensor || !seen.insert(id).second) {
      continue;
    }
    const Tensor& tensor = context.graph().tensor(id);
    if (is_parameter(tensor)) {
      cost.params = context.add(cost.params, tensor.elements);
      if (rule != ByteRule::kNone) {
        cost.weight_bytes = context.add(cost.weight_bytes, tensor.size_bytes());
      }
    }
  }
  if (rule == ByteRule::kNone) {
    return;
  }
  for (const TensorId id : layer.outputs) {
    if (id != kNoTensor) {
      cost.bytes_written = context.add(cost.bytes_written, context.graph().tensor(id).size_bytes());
    }
  }
  seen.clear();
  for (std::size_t i = 0; i < layer.inputs.size(); ++i) {
    const TensorId id = layer.inputs[i];
    if (id == kNoTensor || !seen.insert(id).second) {
      continue;
    }
    const Tensor& tensor = context.graph().tensor(id);
    // Output-sized ops read input 0 only where the output takes from it.
    const std::int64_t bytes = (rule == ByteRule::kOutputSized && i == 0)
                                   ? context.required_output(0).size_bytes()
                                   : tensor.size_bytes();
    cost.bytes_read = context.add(cost.bytes_read, bytes);
  }
}

}  // namespace

double LayerCost::arithmetic_intensity() const {
  return intensity(flops, bytes_read + bytes_written);
}

double CostTotals::arithmetic_intensity() const {
  return intensity(flops, bytes_read + bytes_written);
}

const Tensor* CostContext::input(std::size_t i) const {
  if (i >= layer_.inputs.size() || layer_.inputs[i] == kNoTensor) {
    return nullptr;
  }
  return &graph_.tensor(layer_.inputs[i]);
}

const Tensor& CostContext::required_input(std::size_t i) const {
  const Tensor* tensor = input(i);
  if (tensor == nullptr) {
    fail("input " + std::to_string(i) + " is missing");
  }
  return *tensor;
}

const Tensor& CostContext::required_output(std::size_t i) const {
  if (i >= layer_.outputs.size() || layer_.outputs[i] == kNoTensor) {
    fail("output " + std::to_string(i) + " is missing");
  }
  return graph_.tensor(layer_.outputs[i]);
}

// The node's label is built only on overflow: these run for every dimension of every layer.
std::int64_t CostContext::mul(std::int64_t a, std::int64_t b) const {
  std::int64_t result = 0;
  if (__builtin_mul_overflow(a, b, &result)) {
    return checked_mul(a, b, graph_.source + ": " + node_label(layer_));  // throws, naming the node
  }
  return result;
}

std::int64_t CostContext::add(std::int64_t a, std::int64_t b) const {
  std::int64_t result = 0;
  if (__builtin_add_overflow(a, b, &result)) {
    return checked_add(a, b, graph_.source + ": " + node_label(layer_));  // throws, naming the node
  }
  return result;
}

std::int64_t CostContext::scale(double factor, std::int64_t x) const {
  const double value = std::round(factor * static_cast<double>(x));
  if (!(value >= 0.0) || value >= 9.2e18) {
    fail("FLOP count overflows 64 bits");
  }
  return static_cast<std::int64_t>(value);
}

void CostContext::fail(const std::string& message) const {
  throw ModelError(graph_.source + ": " + node_label(layer_) + ": " + message);
}

// Conv: X [N, C, spatial...], W [K, C/g, kernel...], Y [N, K, out...].
// MACs = N · K · (C/g) · Πkernel · Πout; FLOPs = 2 · MACs (+ one add per output with bias).
void cost_conv(const CostContext& context, LayerCost& cost) {
  const Tensor& x = context.required_input(0);
  const Tensor& w = context.required_input(1);
  const Tensor& y = context.required_output(0);
  const auto& attributes = std::get<ConvAttributes>(context.layer().attributes);
  if (x.shape.size() < 3 || w.shape.size() != x.shape.size() || y.shape.size() != x.shape.size()) {
    context.fail("input, weight and output must have the same rank >= 3 (got " + x.shape_text() +
                 ", " + w.shape_text() + ", " + y.shape_text() + ")");
  }
  const std::int64_t group = attributes.group;
  const std::int64_t channels = x.shape[1];
  if (group < 1 || channels % group != 0) {
    context.fail("group " + std::to_string(group) + " does not divide the " +
                 std::to_string(channels) + " input channels");
  }
  if (w.shape[1] != channels / group) {
    context.fail("weight " + w.shape_text() + " has " + std::to_string(w.shape[1]) +
                 " input channels per group, expected C/group = " +
                 std::to_string(channels / group));
  }
  std::int64_t macs = context.mul(x.shape[0], w.shape[0]);
  macs = context.mul(macs, w.shape[1]);
  macs = context.mul(macs, spatial_product(context, w, 2));
  macs = context.mul(macs, spatial_product(context, y, 2));
  cost.macs = macs;
  cost.flops = context.mul(2, macs);
  if (context.input(2) != nullptr) {
    cost.flops = context.add(cost.flops, y.elements);
  }
}

// ConvTranspose: X [N, C, in...], W [C, K/g, kernel...]: every input element
// is scattered through the kernel. MACs = N · C · (K/g) · Πkernel · Πin.
void cost_conv_transpose(const CostContext& context, LayerCost& cost) {
  const Tensor& x = context.required_input(0);
  const Tensor& w = context.required_input(1);
  const Tensor& y = context.required_output(0);
  if (x.shape.size() < 3 || w.shape.size() != x.shape.size()) {
    context.fail("input and weight must have the same rank >= 3 (got " + x.shape_text() + ", " +
                 w.shape_text() + ")");
  }
  if (w.shape[0] != x.shape[1]) {
    context.fail("weight " + w.shape_text() + " does not match the " + std::to_string(x.shape[1]) +
                 " input channels");
  }
  std::int64_t macs = context.mul(x.shape[0], x.shape[1]);
  macs = context.mul(macs, w.shape[1]);
  macs = context.mul(macs, spatial_product(context, w, 2));
  macs = context.mul(macs, spatial_product(context, x, 2));
  cost.macs = macs;
  cost.flops = context.mul(2, macs);
  if (context.input(2) != nullptr) {
    cost.flops = context.add(cost.flops, y.elements);
  }
}

// Gemm: Y [M, N] = A [M, K] · B [K, N] (+ C). MACs = M · N · K; the bias adds M · N.
void cost_gemm(const CostContext& context, LayerCost& cost) {
  const Tensor& a = context.required_input(0);
  const Tensor& y = context.required_output(0);
  const auto& attributes = std::get<GemmAttributes>(context.layer().attributes);
  if (a.shape.size() != 2 || y.shape.size() != 2) {
    context.fail("A and Y must be 2-D (got " + a.shape_text() + ", " + y.shape_text() + ")");
  }
  const std::int64_t k = attributes.trans_a ? a.shape[0] : a.shape[1];
  cost.macs = context.mul(y.elements, k);
  cost.flops = context.mul(2, cost.macs);
  if (context.input(2) != nullptr && attributes.beta != 0.0) {
    cost.flops = context.add(cost.flops, y.elements);
  }
}

// MatMul with numpy semantics: every output element is a K-long dot product,
// K = the last axis of A (its only axis when A is 1-D). MACs = |Y| · K.
void cost_matmul(const CostContext& context, LayerCost& cost) {
  const Tensor& a = context.required_input(0);
  const Tensor& y = context.required_output(0);
  if (a.shape.empty()) {
    context.fail("A must have rank >= 1");
  }
  cost.macs = context.mul(y.elements, a.shape.back());
  cost.flops = context.mul(2, cost.macs);
}

// Windowed pooling: |Y| · Πkernel operations (compare or add), plus the
// entry's per-output work (the average's divide).
void cost_window_pool(const CostContext& context, LayerCost& cost) {
  const Tensor& y = context.required_output(0);
  const auto& attributes = std::get<PoolAttributes>(context.layer().attributes);
  if (attributes.kernel_shape.empty()) {
    context.fail("attribute 'kernel_shape' is required");
  }
  std::int64_t window = 1;
  for (const std::int64_t extent : attributes.kernel_shape) {
    if (extent < 1) {
      context.fail("kernel_shape has a non-positive extent");
    }
    window = context.mul(window, extent);
  }
  cost.flops = context.add(context.mul(y.elements, window),
                           context.scale(context.entry().flops_per_output_element, y.elements));
}

// FLOPs = a · |input 0| + b · |output 0| (elementwise, normalization, softmax, reductions).
void cost_linear(const CostContext& context, LayerCost& cost) {
  const OpEntry& entry = context.entry();
  std::int64_t flops = 0;
  if (entry.flops_per_input_element != 0.0) {
    flops = context.scale(entry.flops_per_input_element, context.required_input(0).elements);
  }
  if (entry.flops_per_output_element != 0.0) {
    flops = context.add(
        flops, context.scale(entry.flops_per_output_element, context.required_output(0).elements));
  }
  cost.flops = flops;
}

// Sum/Max/Min/Mean of n inputs: (n − 1) · |Y| operations, + |Y| for Mean's divide.
void cost_variadic(const CostContext& context, LayerCost& cost) {
  const Tensor& y = context.required_output(0);
  std::int64_t inputs = 0;
  for (const TensorId id : context.layer().inputs) {
    inputs += id != kNoTensor ? 1 : 0;
  }
  const std::int64_t combines = inputs > 0 ? inputs - 1 : 0;
  cost.flops = context.add(context.mul(combines, y.elements),
                           context.scale(context.entry().flops_per_output_element, y.elements));
}

// LayerNormalization: mean, subtract, square, variance sum, normalize = 5 per
// element, + 1 for the scale, + 1 for the optional bias.
void cost_layer_normalization(const CostContext& context, LayerCost& cost) {
  const std::int64_t elements = context.required_input(0).elements;
  const std::int64_t per_element = 5 + (context.input(1) != nullptr ? 1 : 0) +
                                   (context.input(2) != nullptr ? 1 : 0);
  cost.flops = context.mul(per_element, elements);
}

// LRN: square, a window sum of `size` terms, pow and divide per element.
void cost_lrn(const CostContext& context, LayerCost& cost) {
  const auto& attributes = std::get<NormalizationAttributes>(context.layer().attributes);
  cost.flops = context.mul(context.add(3, std::max<std::int64_t>(attributes.size, 1)),
                           context.required_input(0).elements);
}

// Resize: nearest costs no FLOPs; linear does (2^d − 1) lerps of 3 FLOPs per
// output, cubic 4^d taps of 2 FLOPs, d = the number of resized axes.
void cost_resize(const CostContext& context, LayerCost& cost) {
  const Tensor& x = context.required_input(0);
  const Tensor& y = context.required_output(0);
  const auto& attributes = std::get<ResizeAttributes>(context.layer().attributes);
  int resized_axes = 0;
  for (std::size_t axis = 0; axis < x.shape.size() && axis < y.shape.size(); ++axis) {
    resized_axes += x.shape[axis] != y.shape[axis] ? 1 : 0;
  }
  std::int64_t per_output = 0;
  if (attributes.mode == "linear" || attributes.mode == "bilinear") {
    per_output = 3 * ((std::int64_t{1} << resized_axes) - 1);
  } else if (attributes.mode == "cubic") {
    per_output = 2 * (std::int64_t{1} << (2 * resized_axes));
  }
  cost.flops = context.mul(per_output, y.elements);
}

void cost_none(const CostContext&, LayerCost&) {}

LayerCost layer_cost(const Graph& graph, const Layer& layer) {
  LayerCost cost;
  const OpEntry* entry = find_op_entry(layer.domain, layer.op_type);
  if (entry == nullptr) {
    // No entry: count the bytes it must move at least, and say so.
    static const OpEntry kBytesOnly{"", OpFamily::kUnsupported, nullptr, cost_none};
    const CostContext context(graph, layer, kBytesOnly);
    cost.family = OpFamily::kUnsupported;
    cost.supported = false;
    count_params_and_bytes(context, ByteRule::kAllInputs, cost);
    return cost;
  }
  const CostContext context(graph, layer, *entry);
  cost.family = entry->family;
  count_params_and_bytes(context, entry->bytes, cost);
  entry->cost(context, cost);
  return cost;
}

GraphCost graph_cost(const Graph& graph) {
  GraphCost result;
  result.layers.reserve(graph.layers.size());
  std::set<TensorId> counted_params;
  std::set<std::string> unsupported;
  const std::string what = graph.source + ": model totals";
  CostTotals& totals = result.totals;
  for (const Layer& layer : graph.layers) {
    LayerCost cost = layer_cost(graph, layer);
    totals.macs = checked_add(totals.macs, cost.macs, what);
    totals.flops = checked_add(totals.flops, cost.flops, what);
    totals.bytes_read = checked_add(totals.bytes_read, cost.bytes_read, what);
    totals.bytes_written = checked_add(totals.bytes_written, cost.bytes_written, what);
    totals.layers += 1;
    if (!cost.supported) {
      totals.unsupported_layers += 1;
      unsupported.insert(layer.domain.empty() ? layer.op_type : layer.domain + ":" + layer.op_type);
    }
    const OpEntry* entry = find_op_entry(layer.domain, layer.op_type);
    const std::size_t candidates =
        entry != nullptr ? parameter_inputs(layer, *entry) : layer.inputs.size();
    for (std::size_t i = 0; i < candidates; ++i) {
      const TensorId id = layer.inputs[i];
      if (id == kNoTensor) {
        continue;
      }
      const Tensor& tensor = graph.tensor(id);
      if (is_parameter(tensor) && counted_params.insert(id).second) {
        totals.params = checked_add(totals.params, tensor.elements, what);
        totals.weight_bytes = checked_add(totals.weight_bytes, tensor.size_bytes(), what);
      }
    }
    result.layers.push_back(cost);
  }
  result.unsupported_ops.assign(unsupported.begin(), unsupported.end());
  return result;
}

}  // namespace roofcast::graph
