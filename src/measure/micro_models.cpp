#include "roofcast/measure/micro_models.hpp"

#include <charconv>
#include <algorithm>
#include <map>
#include <onnx/onnx_pb.h>

#include "roofcast/common/error.hpp"
#include "roofcast/graph/materialize.hpp"

namespace roofcast::measure {
namespace {

using Shape = std::vector<std::int64_t>;

/// Builds one small graph; initializers carry dims only and are filled by materialize.
class Builder {
 public:
  Builder() {
    model_.set_ir_version(8);
    model_.set_producer_name("roofcast micro-model");
    auto* opset = model_.add_opset_import();
    opset->set_domain("");
    opset->set_version(17);
    graph()->set_name("micro");
  }

  void input(const std::string& name, const Shape& shape) { value_info(graph()->add_input(), name, shape); }
  /// The kernel's output; `bytes` gives it its consumer.
  void output(const std::string& name) { outputs_.push_back(name); }

  void weight(const std::string& name, const Shape& dims) {
    auto* tensor = graph()->add_initializer();
    tensor->set_name(name);
    tensor->set_data_type(onnx::TensorProto::FLOAT);
    for (const auto d : dims) {
      tensor->add_dims(d);
    }
  }

  void int64s(const std::string& name, const Shape& values) {
    auto* tensor = graph()->add_initializer();
    tensor->set_name(name);
    tensor->set_data_type(onnx::TensorProto::INT64);
    tensor->add_dims(static_cast<std::int64_t>(values.size()));
    for (const auto v : values) {
      tensor->add_int64_data(v);
    }
  }

  /// A rank-0 INT64 (a Gather index that drops its axis).
  void int64_scalar(const std::string& name, std::int64_t value) {
    auto* tensor = graph()->add_initializer();
    tensor->set_name(name);
    tensor->set_data_type(onnx::TensorProto::INT64);
    tensor->add_int64_data(value);
  }

  void floats(const std::string& name, const std::vector<float>& values) {
    auto* tensor = graph()->add_initializer();
    tensor->set_name(name);
    tensor->set_data_type(onnx::TensorProto::FLOAT);
    tensor->add_dims(static_cast<std::int64_t>(values.size()));
    for (const auto v : values) {
      tensor->add_float_data(v);
    }
  }

  /// A node outside the kernel, named `name`.
  onnx::NodeProto* named_node(const std::string& op, const std::vector<std::string>& inputs, const std::string& output,
                              const std::string& name) {
    return add_node(op, inputs, output, name);
  }
  /// A node of the kernel, named "/micro/OP_N".
  onnx::NodeProto* node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::string& output) {
    return add_node(op, inputs, output, std::string(kMicroNodePrefix) + op + "_" + std::to_string(graph()->node_size() + 1));
  }

  static void ints(onnx::NodeProto* node, const std::string& name, const Shape& values) {
    auto* attribute = node->add_attribute();
    attribute->set_name(name);
    attribute->set_type(onnx::AttributeProto::INTS);
    for (const auto v : values) {
      attribute->add_ints(v);
    }
  }
  static void integer(onnx::NodeProto* node, const std::string& name, std::int64_t value) {
    auto* attribute = node->add_attribute();
    attribute->set_name(name);
    attribute->set_type(onnx::AttributeProto::INT);
    attribute->set_i(value);
  }
  static void text(onnx::NodeProto* node, const std::string& name, const std::string& value) {
    auto* attribute = node->add_attribute();
    attribute->set_name(name);
    attribute->set_type(onnx::AttributeProto::STRING);
    attribute->set_s(value);
  }

  /// Prepends the cache flush (see micro_model_bytes) to the kernel's nodes.
  void add_cache_flush(std::int64_t flush_bytes) {
    const std::int64_t elements = std::max<std::int64_t>(1, flush_bytes / 4);
    std::vector<onnx::NodeProto> kernel_nodes(graph()->node().begin(), graph()->node().end());
    graph()->clear_node();
    std::vector<std::string> inputs;
    for (const auto& input : graph()->input()) {
      inputs.push_back(input.name());
    }
    const std::string flush(kCacheFlushInput);
    value_info(graph()->add_input(), flush, {elements});
    integer(add_node("ReduceMax", {flush}, "flush_max", "/flush/ReduceMax"), "keepdims", 0);
    // A Div, not a Mul: ONNX Runtime's GELU fusion does not fuse a GELU whose
    // input a Mul wrote (it takes that Mul for the GELU's own ·0.5).
    for (const auto& input : inputs) {
      add_node("Div", {input, "flush_max"}, input + "_written", "/flush/Div_" + input);
    }
    for (auto& node : kernel_nodes) {
      for (auto& name : *node.mutable_input()) {
        if (std::find(inputs.begin(), inputs.end(), name) != inputs.end()) {
          name += "_written";
        }
      }
      *graph()->add_node() = std::move(node);
    }
  }

  /// Gives each of the kernel's outputs a consumer: a Reshape to one axis
  /// (an alias, no copy) and a Slice of its first element (see
  /// micro_model_bytes); the Slices' outputs are the graph's.
  void add_output_sinks() {
    if (!outputs_.empty()) {
      int64s("/sink/flat", {-1});
      int64s("/sink/starts", {0});
      int64s("/sink/ends", {1});
    }
    for (const auto& output : outputs_) {
      add_node("Reshape", {output, "/sink/flat"}, output + "_flat", "/sink/Reshape_" + output);
      add_node("Slice", {output + "_flat", "/sink/starts", "/sink/ends"}, output + "_sink", "/sink/Slice_" + output);
      graph()->add_output()->set_name(output + "_sink");
    }
  }

  std::string bytes(const std::string& name, std::uint64_t seed, std::int64_t flush_bytes) {
    if (flush_bytes > 0) {
      add_cache_flush(flush_bytes);
    }
    add_output_sinks();
    std::string serialized;
    model_.SerializeToString(&serialized);
    return graph::materialize_model_bytes(serialized, name, {}, {.seed = seed, .overwrite = false});
  }

 private:
  onnx::NodeProto* add_node(const std::string& op, const std::vector<std::string>& inputs, const std::string& output,
                            const std::string& name) {
    auto* node = graph()->add_node();
    node->set_op_type(op);
    node->set_name(name);
    for (const auto& input : inputs) {
      node->add_input(input);
    }
    node->add_output(output);
    return node;
  }

  static void value_info(onnx::ValueInfoProto* info, const std::string& name, const Shape& shape) {
    info->set_name(name);
    auto* tensor = info->mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(onnx::TensorProto::FLOAT);
    for (const auto d : shape) {
      tensor->mutable_shape()->add_dim()->set_dim_value(d);
    }
  }

  onnx::GraphProto* graph() { return model_.mutable_graph(); }

  onnx::ModelProto model_;
  std::vector<std::string> outputs_;
};

void require_positive(const std::string& what, std::initializer_list<std::int64_t> values) {
  for (const auto v : values) {
    if (v <= 0) {
      throw UsageError(what + ": every dimension must be positive");
    }
  }
}

void require_shape(const std::string& what, const Shape& shape) {
  if (shape.empty()) {
    throw UsageError(what + ": shape is empty");
  }
  for (const auto d : shape) {
    if (d <= 0) {
      throw UsageError(what + ": every dimension must be positive");
    }
  }
}

std::string shape_name(const Shape& shape) {
  std::string text;
  for (const auto d : shape) {
    text += (text.empty() ? "" : "x") + std::to_string(d);
  }
  return text;
}

/// Appends an activation node after `from`; returns the new tensor name.
std::string activation(Builder& b, const std::string& kind, const std::string& from) {
  if (kind.empty()) {
    return from;
  }
  if (kind == "Clip") {
    b.floats("clip_min", {0.0f});
    b.floats("clip_max", {6.0f});
    b.node("Clip", {from, "clip_min", "clip_max"}, from + "_act");
  } else if (kind == "Relu" || kind == "HardSwish" || kind == "Sigmoid" || kind == "Tanh") {
    b.node(kind, {from}, from + "_act");
  } else {
    throw UsageError("activation '" + kind + "' is not one of Relu, Clip, HardSwish, Sigmoid, Tanh");
  }
  return from + "_act";
}

Builder build(const ConvMicro& s) {
  require_positive("conv micro-model", {s.n, s.c, s.h, s.w, s.k, s.kernel, s.stride, s.group});
  if (s.pad < -1 || s.pad >= s.kernel) {
    throw UsageError("conv micro-model: pad " + std::to_string(s.pad) + " is not 0 to kernel - 1 (" +
                     std::to_string(s.kernel - 1) + ")");
  }
  if (s.c % s.group != 0 || s.k % s.group != 0) {
    throw UsageError("conv micro-model: group " + std::to_string(s.group) +
                     " must divide both c and k");
  }
  Builder b;
  b.input("x", {s.n, s.c, s.h, s.w});
  b.weight("w", {s.k, s.c / s.group, s.kernel, s.kernel});
  auto* conv = b.node("Conv", {"x", "w"}, "conv");
  const std::int64_t pad = s.pad < 0 ? s.kernel / 2 : s.pad;
  Builder::ints(conv, "pads", {pad, pad, pad, pad});
  Builder::ints(conv, "strides", {s.stride, s.stride});
  Builder::ints(conv, "kernel_shape", {s.kernel, s.kernel});
  Builder::integer(conv, "group", s.group);
  std::string last = "conv";
  if (s.batch_norm) {
    for (const char* name : {"bn_scale", "bn_bias", "bn_mean", "bn_var"}) {
      b.weight(name, {s.k});
    }
    b.node("BatchNormalization", {last, "bn_scale", "bn_bias", "bn_mean", "bn_var"}, "bn");
    last = "bn";
  }
  if (s.residual) {
    const std::int64_t out_h = (s.h + 2 * pad - s.kernel) / s.stride + 1;
    const std::int64_t out_w = (s.w + 2 * pad - s.kernel) / s.stride + 1;
    b.input("skip", {s.n, s.k, out_h, out_w});
    b.node("Add", {last, "skip"}, "sum");
    last = "sum";
  }
  last = activation(b, s.activation, last);
  b.output(last);
  return b;
}

Builder build(const GemmMicro& s) {
  require_positive("gemm micro-model", {s.batch, s.m, s.k, s.n});
  Builder b;
  std::string last = "y";
  const bool use_gemm = !s.matmul && s.batch == 1 && s.weights;
  if (use_gemm) {
    b.input("x", {s.m, s.k});
    b.weight("w", {s.k, s.n});
    std::vector<std::string> inputs = {"x", "w"};
    if (s.bias) {
      b.weight("b", {s.n});
      inputs.push_back("b");
    }
    b.node("Gemm", inputs, "y");
  } else {
    const Shape x = s.batch == 1 ? Shape{s.m, s.k} : Shape{s.batch, s.m, s.k};
    b.input("x", x);
    if (s.weights) {
      b.weight("w", {s.k, s.n});
    } else {
      b.input("w", s.batch == 1 ? Shape{s.k, s.n} : Shape{s.batch, s.k, s.n});
    }
    b.node("MatMul", {"x", "w"}, "y");
    if (s.bias) {
      b.weight("b", {s.n});
      b.node("Add", {"y", "b"}, "y_bias");
      last = "y_bias";
    }
  }
  last = activation(b, s.activation, last);
  b.output(last);
  return b;
}

Builder build(const PoolMicro& s) {
  require_positive("pool micro-model", {s.n, s.c, s.h, s.w, s.kernel, s.stride});
  Builder b;
  b.input("x", {s.n, s.c, s.h, s.w});
  if (s.op == "GlobalAveragePool" || s.op == "GlobalMaxPool") {
    b.node(s.op, {"x"}, "y");
  } else if (s.op == "MaxPool" || s.op == "AveragePool") {
    if (s.pad < -1 || s.pad >= s.kernel) {
      throw UsageError("pool micro-model: pad " + std::to_string(s.pad) + " is not 0 to kernel - 1 (" +
                       std::to_string(s.kernel - 1) + ")");
    }
    auto* pool = b.node(s.op, {"x"}, "y");
    const std::int64_t pad = s.pad < 0 ? s.kernel / 2 : s.pad;
    Builder::ints(pool, "kernel_shape", {s.kernel, s.kernel});
    Builder::ints(pool, "strides", {s.stride, s.stride});
    Builder::ints(pool, "pads", {pad, pad, pad, pad});
    if (s.ceil_mode) {
      Builder::integer(pool, "ceil_mode", 1);
    }
  } else {
    throw UsageError("pool micro-model: op '" + s.op +
                     "' is not one of MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool");
  }
  b.output("y");
  return b;
}

Builder build(const ElementwiseMicro& s) {
  require_shape("elementwise micro-model", s.shape);
  // Gelu and Silu: the patterns networks export them as (which the runtime
  // runs as one kernel), 0.5·x·(1 + erf(x/√2)) and x·sigmoid(x).
  static const std::map<std::string, int> kArity = {
      {"Add", 2},  {"Mul", 2},  {"Sub", 2},       {"Div", 2}, {"Relu", 1}, {"Sigmoid", 1},     {"Tanh", 1},
      {"Clip", 1}, {"Erf", 1},  {"HardSwish", 1}, {"Sqrt", 1}, {"HardSigmoid", 1}, {"Gelu", 1}, {"Silu", 1},
      {"BatchNormalization", 1}};
  const auto arity = kArity.find(s.op);
  if (arity == kArity.end()) {
    throw UsageError("elementwise micro-model: op '" + s.op + "' is not supported");
  }
  Builder b;
  b.input("x", s.shape);
  if (s.op == "Gelu") {
    b.floats("sqrt2", {1.41421356f});
    b.floats("one", {1.0f});
    b.floats("half", {0.5f});
    b.node("Div", {"x", "sqrt2"}, "gelu_div");
    b.node("Erf", {"gelu_div"}, "gelu_erf");
    b.node("Add", {"gelu_erf", "one"}, "gelu_add");
    b.node("Mul", {"x", "gelu_add"}, "gelu_mul");
    b.node("Mul", {"gelu_mul", "half"}, "y");
  } else if (s.op == "BatchNormalization") {
    // Standalone (not after a Conv, which folds it): DenseNet's pre-activation BNs.
    if (s.shape.size() < 2) {
      throw UsageError("elementwise micro-model: BatchNormalization needs a shape with channels (N×C×…)");
    }
    for (const char* name : {"bn_scale", "bn_bias", "bn_mean", "bn_var"}) {
      b.weight(name, {s.shape[1]});
    }
    b.node("BatchNormalization", {"x", "bn_scale", "bn_bias", "bn_mean", "bn_var"}, "y");
  } else if (s.op == "Silu") {
    b.node("Sigmoid", {"x"}, "silu_sigmoid");
    b.node("Mul", {"x", "silu_sigmoid"}, "y");
  } else if (arity->second == 2) {
    const Shape other = s.other_shape.empty() ? s.shape : s.other_shape;
    require_shape("elementwise micro-model other_shape", other);
    b.input("x2", other);
    b.node(s.op, {"x", "x2"}, "y");
  } else if (s.op == "Clip") {
    b.floats("clip_min", {0.0f});
    b.floats("clip_max", {6.0f});
    b.node("Clip", {"x", "clip_min", "clip_max"}, "y");
  } else {
    b.node(s.op, {"x"}, "y");
  }
  b.output("y");
  return b;
}

Builder build(const NormalizationMicro& s) {
  require_shape("normalization micro-model", s.shape);
  Builder b;
  b.input("x", s.shape);
  if (s.op == "Softmax") {
    Builder::integer(b.node("Softmax", {"x"}, "y"), "axis", -1);
  } else if (s.op == "LayerNormalization") {
    b.weight("scale", {s.shape.back()});
    b.weight("bias", {s.shape.back()});
    Builder::integer(b.node("LayerNormalization", {"x", "scale", "bias"}, "y"), "axis", -1);
  } else {
    throw UsageError("normalization micro-model: op '" + s.op + "' is not Softmax or LayerNormalization");
  }
  b.output("y");
  return b;
}

Builder build(const ConcatMicro& s) {
  require_positive("concat micro-model", {s.n, s.c, s.h, s.w, s.inputs});
  Builder b;
  std::vector<std::string> inputs;
  for (std::int64_t i = 0; i < s.inputs; ++i) {
    inputs.push_back("x" + std::to_string(i));
    b.input(inputs.back(), {s.n, s.c, s.h, s.w});
  }
  Builder::integer(b.node("Concat", inputs, "y"), "axis", 1);
  b.output("y");
  return b;
}

Builder build(const ResizeMicro& s) {
  require_positive("resize micro-model", {s.n, s.c, s.h, s.w, s.scale});
  if (s.mode != "nearest" && s.mode != "linear") {
    throw UsageError("resize micro-model: mode '" + s.mode + "' is not nearest or linear");
  }
  Builder b;
  b.input("x", {s.n, s.c, s.h, s.w});
  const auto scale = static_cast<float>(s.scale);
  b.floats("scales", {1.0f, 1.0f, scale, scale});
  auto* resize = b.node("Resize", {"x", "", "scales"}, "y");
  Builder::text(resize, "mode", s.mode);
  b.output("y");
  return b;
}

Builder build(const TransposeMicro& s) {
  require_shape("transpose micro-model", s.shape);
  Shape sorted = s.perm;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (sorted.size() != s.shape.size() || sorted[i] != static_cast<std::int64_t>(i)) {
      throw UsageError("transpose micro-model: perm " + shape_name(s.perm) +
                       " is not a permutation of the shape's " + std::to_string(s.shape.size()) + " axes");
    }
  }
  Builder b;
  b.input("x", s.shape);
  Builder::ints(b.node("Transpose", {"x"}, "y"), "perm", s.perm);
  b.output("y");
  return b;
}

/// The axis `axis` of `shape`, or a UsageError naming the spec's kind.
std::size_t checked_axis(const std::string& what, const Shape& shape, std::int64_t axis) {
  require_shape(what, shape);
  if (axis < 0 || axis >= static_cast<std::int64_t>(shape.size())) {
    throw UsageError(what + ": axis " + std::to_string(axis) + " is not one of the shape's " +
                     std::to_string(shape.size()) + " axes");
  }
  return static_cast<std::size_t>(axis);
}

Builder build(const SliceMicro& s) {
  const std::string what = "slice micro-model";
  const std::size_t axis = checked_axis(what, s.shape, s.axis);
  const std::int64_t end = s.end == 0 ? s.shape[axis] : s.end;
  if (s.start < 0 || end <= s.start || end > s.shape[axis]) {
    throw UsageError(what + ": start " + std::to_string(s.start) + ", end " + std::to_string(end) +
                     " is not a part of axis " + std::to_string(s.axis) + " (extent " + std::to_string(s.shape[axis]) +
                     ")");
  }
  Builder b;
  b.input("x", s.shape);
  b.int64s("starts", {s.start});
  b.int64s("ends", {end});
  b.int64s("axes", {s.axis});
  b.node("Slice", {"x", "starts", "ends", "axes"}, "y");
  b.output("y");
  return b;
}

Builder build(const SplitMicro& s) {
  const std::string what = "split micro-model";
  const std::size_t axis = checked_axis(what, s.shape, s.axis);
  const std::int64_t extent = s.shape[axis];
  if (s.gather && extent != s.parts) {
    throw UsageError(what + ": gather=1 takes one index per part: parts=" + std::to_string(s.parts) +
                     " must equal the extent of axis " + std::to_string(s.axis) + " (" + std::to_string(extent) + ")");
  }
  if (s.parts < 2 || extent % s.parts != 0) {
    throw UsageError(what + ": " + std::to_string(s.parts) + " parts do not split axis " + std::to_string(s.axis) +
                     " (extent " + std::to_string(extent) + ") into two or more equal parts");
  }
  Builder b;
  b.input("x", s.shape);
  if (!s.gather) {
    b.int64s("axes", {s.axis});
  }
  const std::int64_t part = extent / s.parts;
  for (std::int64_t i = 0; i < s.parts; ++i) {
    const std::string n = std::to_string(i);
    if (s.gather) {
      b.int64_scalar("index" + n, i);
      Builder::integer(b.node("Gather", {"x", "index" + n}, "y" + n), "axis", s.axis);
    } else {
      b.int64s("starts" + n, {i * part});
      b.int64s("ends" + n, {(i + 1) * part});
      b.node("Slice", {"x", "starts" + n, "ends" + n, "axes"}, "y" + n);
    }
    b.output("y" + n);
  }
  return b;
}

Builder build(const PadMicro& s) {
  const std::string what = "pad micro-model";
  const std::size_t axis = checked_axis(what, s.shape, s.axis);
  if (s.after < 0) {
    throw UsageError(what + ": after=" + std::to_string(s.after) + " is negative");
  }
  Shape pads(2 * s.shape.size(), 0);
  pads[s.shape.size() + axis] = s.after;
  Builder b;
  b.input("x", s.shape);
  b.int64s("pads", pads);
  b.node("Pad", {"x", "pads"}, "y");
  b.output("y");
  return b;
}

Builder build(const ReuseMicro& s) {
  require_positive("reuse micro-model", {s.tokens, s.width, s.hidden});
  if (s.delay < 0) {
    throw UsageError("reuse micro-model: delay=" + std::to_string(s.delay) + " is negative");
  }
  Builder b;
  b.input("x", {1, s.tokens, s.width});
  const std::string delay(kDelayNodePrefix);
  b.named_node("Relu", {"x"}, "r", delay + "Relu");
  std::string last = "r";
  if (s.delay > 0) {
    // 3-D activations keep the runtime from fusing the final Add into a Gemm.
    b.weight("w_up", {s.width, s.hidden});
    b.weight("w_down", {s.hidden, s.width});
    for (std::int64_t i = 0; i < s.delay; ++i) {
      const std::string n = std::to_string(i);
      b.named_node("MatMul", {last, "w_up"}, "h" + n, delay + "MatMul_a" + n);
      b.named_node("MatMul", {"h" + n, "w_down"}, "o" + n, delay + "MatMul_b" + n);
      last = "o" + n;
    }
  }
  b.node("Add", {"r", s.delay > 0 ? last : "x"}, "y");
  b.output("y");
  return b;
}

std::string lower_case(std::string text) {
  for (char& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

// ---- parsing ----------------------------------------------------------------

std::int64_t parse_int(const std::string& kind, const std::string& key, const std::string& value) {
  std::int64_t result = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), result);
  if (ec != std::errc() || ptr != value.data() + value.size()) {
    throw UsageError("micro-model " + kind + ": " + key + "=" + value + " is not an integer");
  }
  return result;
}

Shape parse_dims(const std::string& kind, const std::string& key, const std::string& value) {
  Shape dims;
  std::size_t start = 0;
  while (start <= value.size()) {
    const auto x = std::min(value.find('x', start), value.size());
    dims.push_back(parse_int(kind, key, value.substr(start, x - start)));
    start = x + 1;
  }
  return dims;
}

bool parse_bool(const std::string& kind, const std::string& key, const std::string& value) {
  if (value == "1" || value == "true") return true;
  if (value == "0" || value == "false") return false;
  throw UsageError("micro-model " + kind + ": " + key + "=" + value + " is not true/false");
}

}  // namespace

std::string micro_model_name(const MicroModel& spec) {
  return std::visit(
      [](const auto& s) -> std::string {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, ConvMicro>) {
          return "conv_n" + std::to_string(s.n) + "_c" + std::to_string(s.c) + "_h" + std::to_string(s.h) +
                 "_w" + std::to_string(s.w) + "_k" + std::to_string(s.k) + "_r" + std::to_string(s.kernel) +
                 "_s" + std::to_string(s.stride) + (s.pad < 0 ? "" : "_p" + std::to_string(s.pad)) + "_g" +
                 std::to_string(s.group) + (s.batch_norm ? "_bn" : "") +
                 (s.residual ? "_add" : "") + (s.activation.empty() ? "" : "_" + lower_case(s.activation));
        } else if constexpr (std::is_same_v<T, GemmMicro>) {
          return std::string(s.matmul || s.batch > 1 || !s.weights ? "matmul" : "gemm") + "_b" +
                 std::to_string(s.batch) + "_m" + std::to_string(s.m) + "_k" + std::to_string(s.k) + "_n" +
                 std::to_string(s.n) + (s.bias ? "_bias" : "") + (s.weights ? "" : "_act") +
                 (s.activation.empty() ? "" : "_" + lower_case(s.activation));
        } else if constexpr (std::is_same_v<T, PoolMicro>) {
          return lower_case(s.op) + "_n" + std::to_string(s.n) + "_c" + std::to_string(s.c) + "_h" +
                 std::to_string(s.h) + "_w" + std::to_string(s.w) + "_r" + std::to_string(s.kernel) + "_s" +
                 std::to_string(s.stride) + (s.pad < 0 ? "" : "_p" + std::to_string(s.pad)) +
                 (s.ceil_mode ? "_ceil" : "");
        } else if constexpr (std::is_same_v<T, ElementwiseMicro>) {
          return lower_case(s.op) + "_" + shape_name(s.shape) +
                 (s.other_shape.empty() ? "" : "_by_" + shape_name(s.other_shape));
        } else if constexpr (std::is_same_v<T, NormalizationMicro>) {
          return lower_case(s.op) + "_" + shape_name(s.shape);
        } else if constexpr (std::is_same_v<T, ConcatMicro>) {
          return "concat_" + std::to_string(s.inputs) + "x_n" + std::to_string(s.n) + "_c" + std::to_string(s.c) +
                 "_h" + std::to_string(s.h) + "_w" + std::to_string(s.w);
        } else if constexpr (std::is_same_v<T, ResizeMicro>) {
          return "resize_" + s.mode + "_n" + std::to_string(s.n) + "_c" + std::to_string(s.c) + "_h" +
                 std::to_string(s.h) + "_w" + std::to_string(s.w) + "_x" + std::to_string(s.scale);
        } else if constexpr (std::is_same_v<T, TransposeMicro>) {
          return "transpose_" + shape_name(s.shape) + "_p" + shape_name(s.perm);
        } else if constexpr (std::is_same_v<T, SliceMicro>) {
          return "slice_" + shape_name(s.shape) + "_a" + std::to_string(s.axis) + "_" + std::to_string(s.start) +
                 "_" + std::to_string(s.end);
        } else if constexpr (std::is_same_v<T, SplitMicro>) {
          return std::string(s.gather ? "gather_" : "split_") + shape_name(s.shape) + "_a" + std::to_string(s.axis) +
                 "_p" + std::to_string(s.parts);
        } else if constexpr (std::is_same_v<T, PadMicro>) {
          return "pad_" + shape_name(s.shape) + "_a" + std::to_string(s.axis) + "_" + std::to_string(s.after);
        } else {
          return "reuse_t" + std::to_string(s.tokens) + "_w" + std::to_string(s.width) + "_h" +
                 std::to_string(s.hidden) + "_d" + std::to_string(s.delay);
        }
      },
      spec);
}

std::string micro_model_bytes(const MicroModel& spec, std::uint64_t seed, std::int64_t flush_bytes) {
  if (flush_bytes < 0) {
    throw UsageError("micro-model: the cache flush must be >= 0 bytes");
  }
  Builder builder = std::visit([](const auto& s) { return build(s); }, spec);
  return builder.bytes(micro_model_name(spec), seed, flush_bytes);
}

MicroModel parse_micro_model(std::string_view text) {
  const auto colon = text.find(':');
  const std::string kind(text.substr(0, colon));
  std::map<std::string, std::string> values;
  if (colon != std::string_view::npos) {
    std::string rest(text.substr(colon + 1));
    std::size_t start = 0;
    while (start < rest.size()) {
      const auto comma = std::min(rest.find(',', start), rest.size());
      const std::string item = rest.substr(start, comma - start);
      const auto equals = item.find('=');
      if (equals == std::string::npos || equals == 0) {
        throw UsageError("micro-model " + kind + ": '" + item + "' is not key=value");
      }
      values[item.substr(0, equals)] = item.substr(equals + 1);
      start = comma + 1;
    }
  }
  std::map<std::string, bool> used;
  const auto take = [&](const std::string& key) -> const std::string* {
    const auto it = values.find(key);
    if (it == values.end()) {
      return nullptr;
    }
    used[key] = true;
    return &it->second;
  };
  const auto int_key = [&](const std::string& key, std::int64_t& out) {
    if (const auto* v = take(key)) out = parse_int(kind, key, *v);
  };
  const auto dims_key = [&](const std::string& key, Shape& out) {
    if (const auto* v = take(key)) out = parse_dims(kind, key, *v);
  };
  const auto text_key = [&](const std::string& key, std::string& out) {
    if (const auto* v = take(key)) out = *v;
  };
  const auto bool_key = [&](const std::string& key, bool& out) {
    if (const auto* v = take(key)) out = parse_bool(kind, key, *v);
  };
  MicroModel result;
  if (kind == "conv") {
    ConvMicro s;
    int_key("n", s.n); int_key("c", s.c); int_key("h", s.h); int_key("w", s.w); int_key("k", s.k);
    int_key("kernel", s.kernel); int_key("stride", s.stride); int_key("group", s.group); int_key("pad", s.pad);
    bool_key("bn", s.batch_norm); bool_key("residual", s.residual); text_key("act", s.activation);
    if (const auto* v = take("depthwise"); v != nullptr && parse_bool(kind, "depthwise", *v)) {
      s.group = s.c;
      s.k = s.c;
    }
    result = s;
  } else if (kind == "gemm" || kind == "matmul") {
    GemmMicro s;
    s.matmul = kind == "matmul";
    int_key("batch", s.batch); int_key("m", s.m); int_key("k", s.k); int_key("n", s.n);
    bool_key("bias", s.bias); bool_key("weights", s.weights); text_key("act", s.activation);
    result = s;
  } else if (kind == "pool") {
    PoolMicro s;
    text_key("op", s.op);
    int_key("n", s.n); int_key("c", s.c); int_key("h", s.h); int_key("w", s.w);
    int_key("kernel", s.kernel); int_key("stride", s.stride); int_key("pad", s.pad);
    bool_key("ceil", s.ceil_mode);
    result = s;
  } else if (kind == "elementwise") {
    ElementwiseMicro s;
    text_key("op", s.op); dims_key("shape", s.shape); dims_key("other", s.other_shape);
    result = s;
  } else if (kind == "normalization") {
    NormalizationMicro s;
    text_key("op", s.op); dims_key("shape", s.shape);
    result = s;
  } else if (kind == "concat") {
    ConcatMicro s;
    int_key("n", s.n); int_key("c", s.c); int_key("h", s.h); int_key("w", s.w); int_key("inputs", s.inputs);
    result = s;
  } else if (kind == "resize") {
    ResizeMicro s;
    int_key("n", s.n); int_key("c", s.c); int_key("h", s.h); int_key("w", s.w); int_key("scale", s.scale);
    text_key("mode", s.mode);
    result = s;
  } else if (kind == "transpose") {
    TransposeMicro s;
    dims_key("shape", s.shape); dims_key("perm", s.perm);
    result = s;
  } else if (kind == "slice") {
    SliceMicro s;
    dims_key("shape", s.shape); int_key("axis", s.axis); int_key("start", s.start); int_key("end", s.end);
    result = s;
  } else if (kind == "split") {
    SplitMicro s;
    dims_key("shape", s.shape); int_key("axis", s.axis); int_key("parts", s.parts); bool_key("gather", s.gather);
    result = s;
  } else if (kind == "pad") {
    PadMicro s;
    dims_key("shape", s.shape); int_key("axis", s.axis); int_key("after", s.after);
    result = s;
  } else if (kind == "reuse") {
    ReuseMicro s;
    int_key("tokens", s.tokens); int_key("width", s.width); int_key("hidden", s.hidden); int_key("delay", s.delay);
    result = s;
  } else {
    throw UsageError("micro-model kind '" + kind +
                     "' is not one of conv, gemm, matmul, pool, elementwise, normalization, concat, resize, "
                     "transpose, slice, split, pad, reuse");
  }
  for (const auto& [key, value] : values) {
    if (!used[key]) {
      throw UsageError("micro-model " + kind + ": unknown key '" + key + "'");
    }
  }
  return result;
}

}  // namespace roofcast::measure
