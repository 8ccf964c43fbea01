#include "op_registry.hpp"

#include <algorithm>

#include "roofcast/common/error.hpp"

namespace roofcast::graph {
namespace {

LayerAttributes parse_none(const AttributeReader&, std::string_view, std::int64_t) {
  return NoAttributes{};
}

LayerAttributes parse_conv(const AttributeReader& reader, std::string_view, std::int64_t) {
  ConvAttributes attributes;
  attributes.kernel_shape = reader.get_ints("kernel_shape");
  attributes.strides = reader.get_ints("strides");
  attributes.dilations = reader.get_ints("dilations");
  attributes.pads = reader.get_ints("pads");
  attributes.output_padding = reader.get_ints("output_padding");
  attributes.group = reader.get_int("group", 1);
  attributes.auto_pad = reader.get_string("auto_pad", "NOTSET");
  return attributes;
}

LayerAttributes parse_pool(const AttributeReader& reader, std::string_view, std::int64_t) {
  PoolAttributes attributes;
  attributes.kernel_shape = reader.get_ints("kernel_shape");
  attributes.strides = reader.get_ints("strides");
  attributes.dilations = reader.get_ints("dilations");
  attributes.pads = reader.get_ints("pads");
  attributes.ceil_mode = reader.get_int("ceil_mode", 0) != 0;
  attributes.count_include_pad = reader.get_int("count_include_pad", 0) != 0;
  attributes.auto_pad = reader.get_string("auto_pad", "NOTSET");
  return attributes;
}

LayerAttributes parse_gemm(const AttributeReader& reader, std::string_view, std::int64_t) {
  GemmAttributes attributes;
  attributes.alpha = reader.get_float("alpha", 1.0);
  attributes.beta = reader.get_float("beta", 1.0);
  attributes.trans_a = reader.get_int("transA", 0) != 0;
  attributes.trans_b = reader.get_int("transB", 0) != 0;
  return attributes;
}

LayerAttributes parse_normalization(const AttributeReader& reader, std::string_view,
                                    std::int64_t) {
  NormalizationAttributes attributes;
  attributes.epsilon = reader.get_float("epsilon", 1e-5);
  attributes.axis = reader.get_int("axis", -1);
  attributes.num_groups = reader.get_int("num_groups", 0);
  attributes.size = reader.get_int("size", 0);
  return attributes;
}

LayerAttributes parse_axis(const AttributeReader& reader, std::string_view op_type,
                           std::int64_t opset) {
  std::int64_t fallback = 0;
  if (op_type == "Softmax" || op_type == "LogSoftmax" || op_type == "Hardmax") {
    fallback = opset >= 13 ? -1 : 1;
  } else if (op_type == "Flatten") {
    fallback = 1;
  }
  AxisAttributes attributes;
  attributes.axis = reader.get_int("axis", fallback);
  attributes.split = reader.get_ints("split");
  attributes.keepdims = reader.get_int("keepdims", 1) != 0;
  return attributes;
}

LayerAttributes parse_reduce(const AttributeReader& reader, std::string_view, std::int64_t) {
  ReduceAttributes attributes;
  attributes.axes = reader.get_ints("axes");
  attributes.keepdims = reader.get_int("keepdims", 1) != 0;
  attributes.noop_with_empty_axes = reader.get_int("noop_with_empty_axes", 0) != 0;
  return attributes;
}

LayerAttributes parse_transpose(const AttributeReader& reader, std::string_view, std::int64_t) {
  return TransposeAttributes{reader.get_ints("perm")};
}

LayerAttributes parse_activation(const AttributeReader& reader, std::string_view op_type,
                                 std::int64_t) {
  double alpha = 0.0;
  double beta = 0.0;
  if (op_type == "LeakyRelu") {
    alpha = 0.01;
  } else if (op_type == "Elu" || op_type == "Celu" || op_type == "ThresholdedRelu") {
    alpha = 1.0;
  } else if (op_type == "HardSigmoid") {
    alpha = 0.2;
    beta = 0.5;
  } else if (op_type == "Selu") {
    alpha = 1.67326319217681884765625;
  }
  ActivationAttributes attributes;
  attributes.alpha = reader.get_float("alpha", alpha);
  attributes.beta = reader.get_float("beta", beta);
  if (op_type == "Selu") {
    attributes.beta = reader.get_float("gamma", 1.05070102214813232421875);
  }
  return attributes;
}

LayerAttributes parse_clip(const AttributeReader& reader, std::string_view, std::int64_t) {
  ClipAttributes attributes;
  if (reader.has("min")) {
    attributes.min = reader.get_float("min", 0.0);
  }
  if (reader.has("max")) {
    attributes.max = reader.get_float("max", 0.0);
  }
  return attributes;
}

LayerAttributes parse_resize(const AttributeReader& reader, std::string_view, std::int64_t) {
  ResizeAttributes attributes;
  attributes.mode = reader.get_string("mode", "nearest");
  attributes.coordinate_transformation_mode =
      reader.get_string("coordinate_transformation_mode", "half_pixel");
  attributes.nearest_mode = reader.get_string("nearest_mode", "round_prefer_floor");
  return attributes;
}

LayerAttributes parse_cast(const AttributeReader& reader, std::string_view, std::int64_t) {
  return CastAttributes{dtype_from_onnx(static_cast<int>(reader.get_int("to", 0)))};
}

LayerAttributes parse_pad(const AttributeReader& reader, std::string_view, std::int64_t) {
  PadAttributes attributes;
  attributes.mode = reader.get_string("mode", "constant");
  attributes.pads = reader.get_ints("pads");
  return attributes;
}

LayerAttributes parse_block(const AttributeReader& reader, std::string_view, std::int64_t) {
  BlockAttributes attributes;
  attributes.blocksize = reader.get_int("blocksize", 1);
  attributes.mode = reader.get_string("mode", "DCR");
  return attributes;
}

// Shorthands for the table below.
constexpr auto kConv = OpFamily::kConv;
constexpr auto kGemm = OpFamily::kGemm;
constexpr auto kPool = OpFamily::kPool;
constexpr auto kEltwise = OpFamily::kElementwise;
constexpr auto kNorm = OpFamily::kNormalization;
constexpr auto kSoftmax = OpFamily::kSoftmax;
constexpr auto kReduce = OpFamily::kReduce;
constexpr auto kMove = OpFamily::kDataMovement;
constexpr auto kView = OpFamily::kView;
constexpr auto kMeta = OpFamily::kMetadata;

/// Unary or binary elementwise op: `flops` per output element. Transcendental
/// functions (exp, log, erf, tanh, sqrt, sin, ...) count 1 FLOP; composite
/// activations count their primitive operations.
OpEntry eltwise(std::string_view op_type, double flops, AttributeParser parse = parse_none) {
  return {op_type, kEltwise, parse, cost_linear, ByteRule::kAllInputs, 0.0, flops};
}

/// flops = per_input · elements(input 0) + per_output · elements(output 0).
OpEntry linear(std::string_view op_type, OpFamily family, AttributeParser parse, double per_input,
               double per_output) {
  return {op_type, family, parse, cost_linear, ByteRule::kAllInputs, per_input, per_output};
}

OpEntry movement(std::string_view op_type, AttributeParser parse = parse_none,
                 ByteRule bytes = ByteRule::kAllInputs) {
  return {op_type, kMove, parse, cost_none, bytes, 0.0, 0.0, /*params_from_input0_only=*/true};
}

OpEntry view(std::string_view op_type, OpFamily family = kView) {
  return {op_type, family, parse_none, cost_none, ByteRule::kNone, 0.0, 0.0};
}

std::vector<OpEntry> build_entries() {
  std::vector<OpEntry> entries = {
      // Contractions: MACs from closed forms (cost.cpp).
      {"Conv", kConv, parse_conv, cost_conv},
      {"ConvTranspose", kConv, parse_conv, cost_conv_transpose},
      {"Gemm", kGemm, parse_gemm, cost_gemm},
      {"MatMul", kGemm, parse_none, cost_matmul},
      // Pooling: one operation per window element per output (+1 divide for averages).
      {"MaxPool", kPool, parse_pool, cost_window_pool},
      {"AveragePool", kPool, parse_pool, cost_window_pool, ByteRule::kAllInputs, 0.0, 1.0},
      {"LpPool", kPool, parse_pool, cost_window_pool, ByteRule::kAllInputs, 0.0, 1.0},
      linear("GlobalAveragePool", kPool, parse_none, 1.0, 1.0),
      linear("GlobalMaxPool", kPool, parse_none, 1.0, 0.0),
      linear("GlobalLpPool", kPool, parse_none, 2.0, 1.0),
      // Unary elementwise.
      eltwise("Relu", 1), eltwise("LeakyRelu", 2, parse_activation),
      eltwise("Elu", 3, parse_activation), eltwise("Selu", 4, parse_activation),
      eltwise("Celu", 4, parse_activation), eltwise("ThresholdedRelu", 1, parse_activation),
      eltwise("Sigmoid", 4),  // neg, exp, add, div
      eltwise("HardSigmoid", 4, parse_activation),  // mul, add, max, min
      eltwise("HardSwish", 5),                       // x · HardSigmoid(x)
      eltwise("Tanh", 1), eltwise("Softplus", 3), eltwise("Softsign", 3),
      eltwise("Mish", 5), eltwise("Gelu", 5),  // 0.5 · x · (1 + erf(x / √2))
      eltwise("Exp", 1), eltwise("Log", 1), eltwise("Sqrt", 1), eltwise("Reciprocal", 1),
      eltwise("Neg", 1), eltwise("Abs", 1), eltwise("Ceil", 1), eltwise("Floor", 1),
      eltwise("Round", 1), eltwise("Sign", 1), eltwise("Erf", 1), eltwise("Sin", 1),
      eltwise("Cos", 1), eltwise("Tan", 1), eltwise("Atan", 1), eltwise("Not", 1),
      eltwise("IsNaN", 1), eltwise("IsInf", 1),
      {"Clip", kEltwise, parse_clip, cost_linear, ByteRule::kAllInputs, 0.0, 2.0, true},
      // Binary elementwise (numpy broadcasting: one operation per output element).
      eltwise("Add", 1), eltwise("Sub", 1), eltwise("Mul", 1), eltwise("Div", 1),
      eltwise("Pow", 1), eltwise("Mod", 1), eltwise("PRelu", 2), eltwise("And", 1),
      eltwise("Or", 1), eltwise("Xor", 1), eltwise("Equal", 1), eltwise("Greater", 1),
      eltwise("Less", 1), eltwise("GreaterOrEqual", 1), eltwise("LessOrEqual", 1),
      eltwise("Where", 1), eltwise("BitShift", 1),
      // Variadic elementwise: (inputs − 1) operations per output element (+1 for Mean).
      {"Sum", kEltwise, parse_none, cost_variadic},
      {"Max", kEltwise, parse_none, cost_variadic},
      {"Min", kEltwise, parse_none, cost_variadic},
      {"Mean", kEltwise, parse_none, cost_variadic, ByteRule::kAllInputs, 0.0, 1.0},
      // Normalization (inference form).
      linear("BatchNormalization", kNorm, parse_normalization, 2.0, 0.0),  // folded scale, shift
      {"LayerNormalization", kNorm, parse_normalization, cost_layer_normalization},
      linear("InstanceNormalization", kNorm, parse_normalization, 7.0, 0.0),
      linear("GroupNormalization", kNorm, parse_normalization, 7.0, 0.0),
      linear("MeanVarianceNormalization", kNorm, parse_axis, 5.0, 0.0),
      linear("LpNormalization", kNorm, parse_normalization, 3.0, 0.0),
      {"LRN", kNorm, parse_normalization, cost_lrn},  // square, window sum, pow, divide
      // Softmax family: max, subtract, exp, sum, divide per element.
      linear("Softmax", kSoftmax, parse_axis, 5.0, 0.0),
      linear("LogSoftmax", kSoftmax, parse_axis, 5.0, 0.0),
      linear("Hardmax", kSoftmax, parse_axis, 1.0, 0.0),
      // Reductions: one operation per input element, finishing work per output element.
      linear("ReduceSum", kReduce, parse_reduce, 1.0, 0.0),
      linear("ReduceMax", kReduce, parse_reduce, 1.0, 0.0),
      linear("ReduceMin", kReduce, parse_reduce, 1.0, 0.0),
      linear("ReduceProd", kReduce, parse_reduce, 1.0, 0.0),
      linear("ReduceMean", kReduce, parse_reduce, 1.0, 1.0),
      linear("ReduceSumSquare", kReduce, parse_reduce, 2.0, 0.0),
      linear("ReduceL1", kReduce, parse_reduce, 2.0, 0.0),
      linear("ReduceL2", kReduce, parse_reduce, 2.0, 1.0),
      linear("ReduceLogSum", kReduce, parse_reduce, 1.0, 1.0),
      linear("ReduceLogSumExp", kReduce, parse_reduce, 2.0, 1.0),
      linear("ArgMax", kReduce, parse_axis, 1.0, 0.0),
      linear("ArgMin", kReduce, parse_axis, 1.0, 0.0),
      linear("CumSum", kReduce, parse_axis, 1.0, 0.0),
      // Data movement: bytes, no FLOPs (Resize interpolates).
      movement("Transpose", parse_transpose), movement("Concat", parse_axis),
      movement("Split", parse_axis), movement("Slice", parse_none, ByteRule::kOutputSized),
      movement("Gather", parse_axis, ByteRule::kOutputSized),
      movement("GatherElements", parse_axis, ByteRule::kOutputSized),
      movement("GatherND", parse_none, ByteRule::kOutputSized),
      movement("Pad", parse_pad), movement("Tile"), movement("Expand"),
      {"Resize", kMove, parse_resize, cost_resize, ByteRule::kAllInputs, 0.0, 0.0, true},
      {"Upsample", kMove, parse_resize, cost_resize, ByteRule::kAllInputs, 0.0, 0.0, true},
      movement("DepthToSpace", parse_block), movement("SpaceToDepth", parse_block),
      movement("Cast", parse_cast), movement("CastLike"), movement("ScatterND"),
      movement("ScatterElements", parse_axis), movement("OneHot", parse_axis),
      movement("Trilu"), movement("ConstantOfShape"), movement("Range"), movement("EyeLike"),
      // Views: the runtime aliases the buffer.
      view("Reshape"), view("Flatten"), view("Squeeze"), view("Unsqueeze"), view("Identity"),
      view("Dropout"),
      // Metadata: shapes and constants, folded before the hot loop.
      view("Shape", kMeta), view("Size", kMeta), view("Constant", kMeta),
  };
  std::sort(entries.begin(), entries.end(),
            [](const OpEntry& a, const OpEntry& b) { return a.op_type < b.op_type; });
  return entries;
}

}  // namespace

const std::vector<OpEntry>& op_entries() {
  static const std::vector<OpEntry> entries = build_entries();
  return entries;
}

const OpEntry* find_op_entry(std::string_view domain, std::string_view op_type) {
  if (!domain.empty() && domain != "ai.onnx") {
    return nullptr;
  }
  const auto& entries = op_entries();
  const auto it = std::lower_bound(
      entries.begin(), entries.end(), op_type,
      [](const OpEntry& entry, std::string_view key) { return entry.op_type < key; });
  return (it != entries.end() && it->op_type == op_type) ? &*it : nullptr;
}

LayerAttributes parse_layer_attributes(const AttributeReader& reader, std::string_view domain,
                                       std::string_view op_type, std::int64_t opset) {
  const OpEntry* entry = find_op_entry(domain, op_type);
  return entry == nullptr ? LayerAttributes{NoAttributes{}} : entry->parse(reader, op_type, opset);
}

bool has_cost_entry(std::string_view domain, std::string_view op_type) {
  return find_op_entry(domain, op_type) != nullptr;
}

OpFamily op_family(std::string_view op_type) {
  const OpEntry* entry = find_op_entry("", op_type);
  return entry == nullptr ? OpFamily::kUnsupported : entry->family;
}

std::vector<std::string> supported_op_types() {
  std::vector<std::string> names;
  for (const auto& entry : op_entries()) {
    names.emplace_back(entry.op_type);
  }
  return names;
}

}  // namespace roofcast::graph
