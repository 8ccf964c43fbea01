#include "roofcast/validate/isolation.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <sstream>
#include <variant>
#include <vector>

namespace roofcast::validate {

namespace {

using graph::Graph;
using graph::Layer;
using graph::TensorId;

/// "1x197x768".
std::string dims_text(const std::vector<std::int64_t>& dims) {
  std::string text;
  for (const auto d : dims) {
    text += (text.empty() ? "" : "x") + std::to_string(d);
  }
  return text;
}

IsolatedSpec none(std::string why) { return {.spec = {}, .why_not = std::move(why)}; }

/// The padding every side of `pads` shares (0 without pads): what a
/// micro-model's `pad=` takes; nullopt when the sides differ.
std::optional<std::int64_t> even_pad(const std::vector<std::int64_t>& pads) {
  const std::int64_t pad = pads.empty() ? 0 : pads.front();
  if (std::any_of(pads.begin(), pads.end(), [&](auto p) { return p != pad; })) {
    return std::nullopt;
  }
  return pad;
}

const std::vector<std::int64_t>* shape_of(const Graph& graph, const Layer& layer, std::size_t input) {
  if (input >= layer.inputs.size() || layer.inputs[input] == graph::kNoTensor) {
    return nullptr;
  }
  return &graph.tensor(layer.inputs[input]).shape;
}

bool is_weight(const Graph& graph, TensorId id) {
  const auto kind = graph.tensor(id).kind;
  return kind == graph::TensorKind::kInitializer || kind == graph::TensorKind::kConstant;
}

/// The kernel's layers after its first, by operator.
std::multiset<std::string> fused_ops(const Graph& graph, const roofline::Kernel& kernel) {
  std::multiset<std::string> ops;
  for (std::size_t i = 1; i < kernel.layers.size(); ++i) {
    ops.insert(graph.layers[kernel.layers[i]].op_type);
  }
  return ops;
}

/// The activation fused after a Conv or GEMM, as the micro-models name it
/// ("" for none); why_not when it is one they cannot write.
IsolatedSpec activation_of(const std::multiset<std::string>& ops) {
  std::string found;
  for (const char* act : {"Relu", "Clip", "HardSwish", "Sigmoid", "Tanh"}) {
    if (ops.count(act) != 0) {
      if (!found.empty()) {
        return none("two activations (" + found + ", " + act + ")");
      }
      found = act;
    }
  }
  for (const auto& op : ops) {
    if (op != found && op != "BatchNormalization" && op != "Add") {
      return none("a fused " + op + ", which no micro-model writes");
    }
  }
  return {.spec = found, .why_not = {}};
}

IsolatedSpec conv_spec(const Graph& graph, const roofline::Kernel& kernel, const Layer& conv) {
  const auto* x = shape_of(graph, conv, 0);
  const auto* w = shape_of(graph, conv, 1);
  const auto* attributes = std::get_if<graph::ConvAttributes>(&conv.attributes);
  if (x == nullptr || w == nullptr || x->size() != 4 || w->size() != 4 || attributes == nullptr) {
    return none("not a 2-D Conv");
  }
  if ((*w)[2] != (*w)[3]) {
    return none("a Conv with a " + dims_text({(*w)[2], (*w)[3]}) + " kernel (micro-models are square)");
  }
  const auto& strides = attributes->strides;
  if (strides.size() == 2 && strides[0] != strides[1]) {
    return none("a Conv with strides " + dims_text(strides));
  }
  if (std::any_of(attributes->dilations.begin(), attributes->dilations.end(), [](auto d) { return d != 1; })) {
    return none("a Conv with dilations " + dims_text(attributes->dilations));
  }
  std::int64_t pad = 0;
  if (attributes->auto_pad != "NOTSET" && attributes->auto_pad != "VALID") {
    return none("a Conv with auto_pad " + attributes->auto_pad);
  }
  if (attributes->auto_pad == "NOTSET") {
    const auto even = even_pad(attributes->pads);
    if (!even) {
      return none("a Conv with pads " + dims_text(attributes->pads) + " (micro-models pad every side alike)");
    }
    pad = *even;
  }
  const auto ops = fused_ops(graph, kernel);
  const IsolatedSpec act = activation_of(ops);
  if (!act.why_not.empty()) {
    return act;
  }
  const std::int64_t c = (*x)[1];
  const std::int64_t k = (*w)[0];
  const std::int64_t group = std::max<std::int64_t>(1, attributes->group);
  std::ostringstream spec;
  spec << "conv:";
  if ((*x)[0] != 1) {
    spec << "n=" << (*x)[0] << ",";
  }
  spec << "c=" << c << ",h=" << (*x)[2] << ",w=" << (*x)[3] << ",k=" << k << ",kernel=" << (*w)[2]
       << ",stride=" << (strides.empty() ? 1 : strides[0]);
  if (pad != (*w)[2] / 2) {
    spec << ",pad=" << pad;
  }
  if (group > 1 && group == c && group == k) {
    spec << ",depthwise=1";
  } else {
    spec << ",group=" << group;
  }
  spec << ",bn=" << (ops.count("BatchNormalization") != 0 ? 1 : 0) << ",residual=" << (ops.count("Add") != 0 ? 1 : 0)
       << ",act=" << act.spec;
  return {.spec = spec.str(), .why_not = {}};
}

IsolatedSpec gemm_spec(const Graph& graph, const roofline::Kernel& kernel, const Layer& head) {
  const auto* a = shape_of(graph, head, 0);
  const auto* b = shape_of(graph, head, 1);
  if (a == nullptr || b == nullptr || a->size() < 2 || b->size() < 2) {
    return none("a " + head.op_type + " without two matrix operands");
  }
  const auto ops = fused_ops(graph, kernel);
  const IsolatedSpec act = activation_of(ops);
  if (!act.why_not.empty() || ops.count("BatchNormalization") != 0) {
    return act.why_not.empty() ? none("a " + head.op_type + " with a BatchNormalization") : act;
  }
  const bool weights = is_weight(graph, head.inputs[1]);
  std::ostringstream spec;
  if (head.op_type == "Gemm") {
    const auto* attributes = std::get_if<graph::GemmAttributes>(&head.attributes);
    if (attributes != nullptr && attributes->trans_a) {
      return none("a Gemm with a transposed A");
    }
    if (!weights) {
      return none("a Gemm whose B is computed");
    }
    const bool trans_b = attributes != nullptr && attributes->trans_b;
    const bool bias = head.inputs.size() > 2 && head.inputs[2] != graph::kNoTensor;
    spec << "gemm:m=" << (*a)[0] << ",k=" << (*a)[1] << ",n=" << (trans_b ? (*b)[0] : (*b)[1])
         << ",bias=" << (bias || ops.count("Add") != 0 ? 1 : 0);
  } else {
    // MatMul: a 2-D right operand is one GEMM of every row of A; a batched one
    // (attention's K and V) one GEMM per batch.
    std::int64_t a_rows = 1;
    for (std::size_t i = 0; i + 1 < a->size(); ++i) {
      a_rows *= (*a)[i];
    }
    std::int64_t b_batches = 1;
    for (std::size_t i = 0; i + 2 < b->size(); ++i) {
      b_batches *= (*b)[i];
    }
    const std::int64_t k = a->back();
    const std::int64_t n = b->back();
    if (b_batches == 1) {
      spec << "matmul:m=" << a_rows << ",k=" << k << ",n=" << n;
    } else {
      if (a_rows % b_batches != 0 || a->size() != b->size()) {
        return none("a MatMul that broadcasts " + dims_text(*a) + " against " + dims_text(*b));
      }
      spec << "matmul:batch=" << b_batches << ",m=" << a_rows / b_batches << ",k=" << k << ",n=" << n;
    }
    spec << ",bias=" << (ops.count("Add") != 0 ? 1 : 0) << ",weights=" << (weights ? 1 : 0);
  }
  if (!act.spec.empty()) {
    spec << ",act=" << act.spec;
  }
  return {.spec = spec.str(), .why_not = {}};
}

IsolatedSpec pool_spec(const Graph& graph, const Layer& pool) {
  const auto* x = shape_of(graph, pool, 0);
  if (x == nullptr || x->size() != 4) {
    return none("not a 2-D " + pool.op_type);
  }
  std::ostringstream spec;
  spec << "pool:op=" << pool.op_type << ",";
  if ((*x)[0] != 1) {
    spec << "n=" << (*x)[0] << ",";
  }
  spec << "c=" << (*x)[1] << ",h=" << (*x)[2] << ",w=" << (*x)[3];
  if (pool.op_type == "MaxPool" || pool.op_type == "AveragePool") {
    const auto* attributes = std::get_if<graph::PoolAttributes>(&pool.attributes);
    if (attributes == nullptr || attributes->kernel_shape.size() != 2 ||
        attributes->kernel_shape[0] != attributes->kernel_shape[1]) {
      return none("a " + pool.op_type + " without a square 2-D window");
    }
    const auto& strides = attributes->strides;
    if (strides.size() == 2 && strides[0] != strides[1]) {
      return none("a " + pool.op_type + " with strides " + dims_text(strides));
    }
    const std::int64_t window = attributes->kernel_shape[0];
    const auto& pads = attributes->pads;
    const auto even = attributes->auto_pad == "NOTSET" && (pads.empty() || pads.size() == 4)
                          ? even_pad(pads)
                          : std::nullopt;
    if (!even || *even >= window) {
      return none("a " + pool.op_type + " with pads " +
                  (attributes->auto_pad != "NOTSET" ? attributes->auto_pad : dims_text(pads)) +
                  " (micro-models pad every side alike, less than the window)");
    }
    const std::int64_t pad = *even;
    spec << ",kernel=" << window << ",stride=" << (strides.empty() ? 1 : strides[0]);
    if (pad != window / 2) {
      spec << ",pad=" << pad;
    }
    if (attributes->ceil_mode) {
      spec << ",ceil=1";
    }
  }
  return {.spec = spec.str(), .why_not = {}};
}

IsolatedSpec elementwise_spec(const Graph& graph, const roofline::Kernel& kernel, const Layer& head) {
  static const std::set<std::string> kMicroOps = {"Add",  "Mul",     "Sub",  "Div",       "Relu",
                                                  "Sigmoid", "Tanh", "Clip", "Erf",       "HardSwish",
                                                  "Sqrt", "HardSigmoid", "BatchNormalization"};
  std::string op = kernel.fused_op;
  if (op.empty()) {
    if (kernel.layers.size() != 1) {
      return none("a chain of " + std::to_string(kernel.layers.size()) + " elementwise operators (" + kernel.ops +
                  ")");
    }
    op = head.op_type;
  }
  if (kMicroOps.count(op) == 0 && op != "Gelu" && op != "Silu") {
    return none("a " + op + ", which no micro-model writes");
  }
  const auto* x = shape_of(graph, head, 0);
  if (x == nullptr) {
    return none("a " + op + " without a shaped input");
  }
  std::string spec = "elementwise:op=" + op + ",shape=" + dims_text(*x);
  if (op == "Add" || op == "Mul" || op == "Sub" || op == "Div") {
    const auto* other = shape_of(graph, head, 1);
    if (other == nullptr) {
      return none("a " + op + " without a second input");
    }
    if (other->size() != x->size() || *other != *x) {
      if (std::max(x->size(), other->size()) != x->size() ||
          graph.tensor(head.inputs[0]).elements < graph.tensor(head.inputs[1]).elements) {
        return none("a " + op + " that broadcasts its first input " + dims_text(*x) + " to " + dims_text(*other));
      }
      spec += ",other=" + (other->empty() ? std::string("1") : dims_text(*other));  // a scalar as [1]
    }
  }
  return {.spec = spec, .why_not = {}};
}

IsolatedSpec normalization_spec(const Graph& graph, const roofline::Kernel& kernel, const Layer& head) {
  if (kernel.layers.size() != 1) {
    return none("a " + kernel.ops + " of several operators");
  }
  const auto* x = shape_of(graph, head, 0);
  if (x == nullptr || x->empty()) {
    return none("a " + head.op_type + " without a shaped input");
  }
  std::int64_t axis = -1;
  if (const auto* a = std::get_if<graph::AxisAttributes>(&head.attributes)) {
    axis = a->axis;
  } else if (const auto* n = std::get_if<graph::NormalizationAttributes>(&head.attributes)) {
    axis = n->axis;
  }
  const auto rank = static_cast<std::int64_t>(x->size());
  if (axis != -1 && axis != rank - 1) {
    return none("a " + head.op_type + " over axis " + std::to_string(axis) + " of " + std::to_string(rank) +
                " (micro-models normalize the last)");
  }
  return {.spec = "normalization:op=" + head.op_type + ",shape=" + dims_text(*x), .why_not = {}};
}

IsolatedSpec transpose_spec(const Graph& graph, const roofline::Kernel& kernel, const Layer& head) {
  if (kernel.layers.size() != 1) {
    return none("a " + kernel.ops + " of several operators");
  }
  const auto* x = shape_of(graph, head, 0);
  const auto* attributes = std::get_if<graph::TransposeAttributes>(&head.attributes);
  if (x == nullptr || attributes == nullptr) {
    return none("a Transpose without a shaped input");
  }
  std::vector<std::int64_t> perm = attributes->perm;
  if (perm.empty()) {
    for (auto i = static_cast<std::int64_t>(x->size()) - 1; i >= 0; --i) {
      perm.push_back(i);
    }
  }
  return {.spec = "transpose:shape=" + dims_text(*x) + ",perm=" + dims_text(perm), .why_not = {}};
}

}  // namespace

IsolatedSpec isolated_spec(const Graph& graph, const roofline::Kernel& kernel) {
  if (kernel.layers.empty()) {
    return none("a kernel of no layers");
  }
  const Layer& head = graph.layers[kernel.layers.front()];
  if (kernel.split) {
    return none("a Split of " + std::to_string(kernel.layers.size()) + " parts");
  }
  if (head.op_type == "Conv") {
    return conv_spec(graph, kernel, head);
  }
  if (head.op_type == "Gemm" || head.op_type == "MatMul") {
    return gemm_spec(graph, kernel, head);
  }
  if (head.op_type == "MaxPool" || head.op_type == "AveragePool" || head.op_type == "GlobalAveragePool") {
    return pool_spec(graph, head);
  }
  if (head.op_type == "Softmax" || head.op_type == "LayerNormalization") {
    return normalization_spec(graph, kernel, head);
  }
  if (head.op_type == "Transpose") {
    return transpose_spec(graph, kernel, head);
  }
  if (kernel.kernel_class == roofline::KernelClass::kElementwise) {
    return elementwise_spec(graph, kernel, head);
  }
  return none("a " + head.op_type + ", which no micro-model writes");
}

}  // namespace roofcast::validate
