#include "shape_folding.hpp"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <algorithm>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace roofcast::graph {
namespace {

/// A small integer tensor of rank 0 or 1.
struct IntValue {
  std::vector<std::int64_t> values;
  bool scalar = false;
  int dtype = onnx::TensorProto::INT64;
};

constexpr std::size_t kMaxElements = 64;

std::optional<IntValue> from_tensor(const onnx::TensorProto& tensor) {
  if (tensor.dims_size() > 1 || (tensor.data_type() != onnx::TensorProto::INT64 &&
                                 tensor.data_type() != onnx::TensorProto::INT32)) {
    return std::nullopt;
  }
  IntValue value;
  value.scalar = tensor.dims_size() == 0;
  value.dtype = tensor.data_type();
  const std::int64_t expected = value.scalar ? 1 : tensor.dims(0);
  if (expected < 0 || expected > static_cast<std::int64_t>(kMaxElements)) {
    return std::nullopt;
  }
  if (tensor.data_type() == onnx::TensorProto::INT64) {
    if (!tensor.raw_data().empty()) {
      if (tensor.raw_data().size() != static_cast<std::size_t>(expected) * 8) {
        return std::nullopt;
      }
      for (std::int64_t i = 0; i < expected; ++i) {
        std::int64_t v = 0;
        std::memcpy(&v, tensor.raw_data().data() + i * 8, 8);
        value.values.push_back(v);
      }
    } else {
      value.values.assign(tensor.int64_data().begin(), tensor.int64_data().end());
    }
  } else {
    if (!tensor.raw_data().empty()) {
      if (tensor.raw_data().size() != static_cast<std::size_t>(expected) * 4) {
        return std::nullopt;
      }
      for (std::int64_t i = 0; i < expected; ++i) {
        std::int32_t v = 0;
        std::memcpy(&v, tensor.raw_data().data() + i * 4, 4);
        value.values.push_back(v);
      }
    } else {
      value.values.assign(tensor.int32_data().begin(), tensor.int32_data().end());
    }
  }
  if (static_cast<std::int64_t>(value.values.size()) != expected) {
    return std::nullopt;
  }
  return value;
}

std::int64_t attribute_int(const onnx::NodeProto& node, const char* name, std::int64_t fallback) {
  for (const auto& attribute : node.attribute()) {
    if (attribute.name() == name && attribute.type() == onnx::AttributeProto::INT) {
      return attribute.i();
    }
  }
  return fallback;
}

class Folder {
 public:
  explicit Folder(onnx::ModelProto& model) : graph_(*model.mutable_graph()) {
    for (const auto& initializer : graph_.initializer()) {
      if (auto value = from_tensor(initializer)) {
        known_[initializer.name()] = *value;
      }
    }
    for (const auto* infos : {&graph_.input(), &graph_.value_info(), &graph_.output()}) {
      for (const auto& info : *infos) {
        record_shape(info.name(), info.type());
      }
    }
    for (const auto& initializer : graph_.initializer()) {
      shapes_[initializer.name()].assign(initializer.dims().begin(), initializer.dims().end());
    }
  }

  int run() {
    google::protobuf::RepeatedPtrField<onnx::NodeProto> kept;
    int folded = 0;
    for (auto& node : *graph_.mutable_node()) {
      std::optional<IntValue> value;
      if (node.output_size() == 1 && (node.domain().empty() || node.domain() == "ai.onnx")) {
        value = evaluate(node);
      }
      if (!value) {
        kept.Add()->Swap(&node);
        continue;
      }
      known_[node.output(0)] = *value;
      auto* initializer = graph_.add_initializer();
      initializer->set_name(node.output(0));
      initializer->set_data_type(value->dtype);
      if (!value->scalar) {
        initializer->add_dims(static_cast<std::int64_t>(value->values.size()));
      }
      for (const std::int64_t v : value->values) {
        if (value->dtype == onnx::TensorProto::INT32 || value->dtype == onnx::TensorProto::BOOL) {
          initializer->add_int32_data(static_cast<std::int32_t>(v));
        } else {
          initializer->add_int64_data(v);
        }
      }
      ++folded;
    }
    graph_.mutable_node()->Swap(&kept);
    return folded;
  }

 private:
  void record_shape(const std::string& name, const onnx::TypeProto& type) {
    if (!type.has_tensor_type() || !type.tensor_type().has_shape()) {
      return;
    }
    std::vector<std::int64_t> dims;
    for (const auto& dim : type.tensor_type().shape().dim()) {
      if (!dim.has_dim_value()) {
        return;
      }
      dims.push_back(dim.dim_value());
    }
    shapes_[name] = std::move(dims);
  }

  const IntValue* input(const onnx::NodeProto& node, int i) const {
    if (i >= node.input_size() || node.input(i).empty()) {
      return nullptr;
    }
    const auto it = known_.find(node.input(i));
    return it == known_.end() ? nullptr : &it->second;
  }

  bool all_inputs_known(const onnx::NodeProto& node) const {
    for (int i = 0; i < node.input_size(); ++i) {
      if (!node.input(i).empty() && input(node, i) == nullptr) {
        return false;
      }
    }
    return node.input_size() > 0;
  }

  static std::optional<IntValue> binary(const IntValue& a, const IntValue& b, const std::string& op) {
    const std::size_t n = std::max(a.values.size(), b.values.size());
    if ((a.values.size() != n && a.values.size() != 1) ||
        (b.values.size() != n && b.values.size() != 1)) {
      return std::nullopt;
    }
    IntValue out;
    out.scalar = a.scalar && b.scalar;
    out.dtype = a.dtype;
    for (std::size_t i = 0; i < n; ++i) {
      const std::int64_t x = a.values[a.values.size() == 1 ? 0 : i];
      const std::int64_t y = b.values[b.values.size() == 1 ? 0 : i];
      std::int64_t r = 0;
      if (op == "Add") {
        if (__builtin_add_overflow(x, y, &r)) return std::nullopt;
      } else if (op == "Sub") {
        if (__builtin_sub_overflow(x, y, &r)) return std::nullopt;
      } else if (op == "Mul") {
        if (__builtin_mul_overflow(x, y, &r)) return std::nullopt;
      } else if (op == "Equal") {
        r = x == y ? 1 : 0;
        out.dtype = onnx::TensorProto::BOOL;
      } else if (op == "Less") {
        r = x < y ? 1 : 0;
        out.dtype = onnx::TensorProto::BOOL;
      } else if (op == "Greater") {
        r = x > y ? 1 : 0;
        out.dtype = onnx::TensorProto::BOOL;
      } else {  // Div: integer division truncates toward zero
        if (y == 0 || (x == INT64_MIN && y == -1)) return std::nullopt;
        r = x / y;
      }
      out.values.push_back(r);
    }
    return out;
  }

  std::optional<IntValue> evaluate(const onnx::NodeProto& node) const {
    const std::string& op = node.op_type();
    if (op == "Constant") {
      for (const auto& attribute : node.attribute()) {
        if (attribute.name() == "value" && attribute.has_t()) {
          return from_tensor(attribute.t());
        }
        if (attribute.name() == "value_int") {
          return IntValue{{attribute.i()}, true, onnx::TensorProto::INT64};
        }
        if (attribute.name() == "value_ints" && attribute.ints_size() <= static_cast<int>(kMaxElements)) {
          return IntValue{{attribute.ints().begin(), attribute.ints().end()}, false,
                          onnx::TensorProto::INT64};
        }
      }
      return std::nullopt;
    }
    if (op == "Shape" || op == "Size") {
      if (node.input_size() != 1) return std::nullopt;
      const auto shape = shapes_.find(node.input(0));
      if (shape == shapes_.end()) return std::nullopt;
      const auto& dims = shape->second;
      if (op == "Size") {
        std::int64_t size = 1;
        for (const auto d : dims) {
          if (__builtin_mul_overflow(size, d, &size)) return std::nullopt;
        }
        return IntValue{{size}, true, onnx::TensorProto::INT64};
      }
      const auto rank = static_cast<std::int64_t>(dims.size());
      auto clamp = [rank](std::int64_t v) {
        if (v < 0) v += rank;
        return std::min(std::max<std::int64_t>(v, 0), rank);
      };
      const std::int64_t start = clamp(attribute_int(node, "start", 0));
      const std::int64_t end = clamp(attribute_int(node, "end", rank));
      IntValue out;
      for (std::int64_t i = start; i < end; ++i) out.values.push_back(dims[static_cast<std::size_t>(i)]);
      return out;
    }
    if (!all_inputs_known(node)) {
      return std::nullopt;
    }
    const IntValue& x = *input(node, 0);
    if (op == "Identity") {
      return x;
    }
    if (op == "Cast") {
      const auto to = attribute_int(node, "to", 0);
      if (to != onnx::TensorProto::INT64 && to != onnx::TensorProto::INT32) return std::nullopt;
      IntValue out = x;
      out.dtype = static_cast<int>(to);
      return out;
    }
    if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Equal" ||
        op == "Less" || op == "Greater") {
      if (node.input_size() != 2) return std::nullopt;
      return binary(x, *input(node, 1), op);
    }
    if (op == "Where") {
      if (node.input_size() != 3) return std::nullopt;
      const IntValue& a = *input(node, 1);
      const IntValue& b = *input(node, 2);
      const std::size_t n = std::max({x.values.size(), a.values.size(), b.values.size()});
      for (const IntValue* v : {&x, &a, &b}) {
        if (v->values.size() != n && v->values.size() != 1) return std::nullopt;
      }
      IntValue out;
      out.scalar = x.scalar && a.scalar && b.scalar;
      out.dtype = a.dtype;
      for (std::size_t i = 0; i < n; ++i) {
        const auto pick = [i](const IntValue& v) { return v.values[v.values.size() == 1 ? 0 : i]; };
        out.values.push_back(pick(x) != 0 ? pick(a) : pick(b));
      }
      return out;
    }
    if (op == "ConstantOfShape") {
      if (x.scalar || x.values.size() > 1) return std::nullopt;  // 1-D results only
      IntValue out;
      out.values.assign(x.values.empty() ? 1 : static_cast<std::size_t>(std::max<std::int64_t>(x.values[0], 0)), 0);
      if (x.values.empty()) out.scalar = true;
      if (out.values.size() > kMaxElements) return std::nullopt;
      for (const auto& attribute : node.attribute()) {
        if (attribute.name() == "value" && attribute.has_t()) {
          const auto fill = from_tensor(attribute.t());
          if (!fill || fill->values.size() != 1) return std::nullopt;
          std::fill(out.values.begin(), out.values.end(), fill->values[0]);
          out.dtype = fill->dtype;
          return out;
        }
      }
      return std::nullopt;  // the default fill is float 0: not an integer shape value
    }
    if (op == "Gather") {
      if (attribute_int(node, "axis", 0) != 0 || x.scalar || node.input_size() != 2) return std::nullopt;
      const IntValue& indices = *input(node, 1);
      IntValue out;
      out.scalar = indices.scalar;
      out.dtype = x.dtype;
      const auto n = static_cast<std::int64_t>(x.values.size());
      for (std::int64_t index : indices.values) {
        if (index < 0) index += n;
        if (index < 0 || index >= n) return std::nullopt;
        out.values.push_back(x.values[static_cast<std::size_t>(index)]);
      }
      return out;
    }
    if (op == "Concat") {
      IntValue out;
      out.dtype = x.dtype;
      for (int i = 0; i < node.input_size(); ++i) {
        const IntValue* part = input(node, i);
        if (part == nullptr || part->scalar) return std::nullopt;
        out.values.insert(out.values.end(), part->values.begin(), part->values.end());
      }
      if (out.values.size() > kMaxElements) return std::nullopt;
      return out;
    }
    if (op == "Unsqueeze") {
      if (!x.scalar) return std::nullopt;  // only scalar -> [v]
      IntValue out = x;
      out.scalar = false;
      return out;
    }
    if (op == "Squeeze") {
      if (x.scalar || x.values.size() != 1) return std::nullopt;
      IntValue out = x;
      out.scalar = true;
      return out;
    }
    if (op == "Slice") {
      if (x.scalar || node.input_size() < 3) return std::nullopt;
      const IntValue* starts = input(node, 1);
      const IntValue* ends = input(node, 2);
      const IntValue* steps = input(node, 4);
      if (starts->values.size() != 1 || ends->values.size() != 1) return std::nullopt;
      const auto n = static_cast<std::int64_t>(x.values.size());
      const std::int64_t step = steps != nullptr && steps->values.size() == 1 ? steps->values[0] : 1;
      if (step != 1) return std::nullopt;
      auto clamp = [n](std::int64_t v) {
        if (v < 0) v += n;
        return std::min(std::max<std::int64_t>(v, 0), n);
      };
      IntValue out;
      out.dtype = x.dtype;
      for (std::int64_t i = clamp(starts->values[0]); i < clamp(ends->values[0]); ++i) {
        out.values.push_back(x.values[static_cast<std::size_t>(i)]);
      }
      return out;
    }
    return std::nullopt;
  }

  onnx::GraphProto& graph_;
  std::unordered_map<std::string, IntValue> known_;
  std::unordered_map<std::string, std::vector<std::int64_t>> shapes_;
};

}  // namespace

int fold_shape_computations(onnx::ModelProto& model) { return Folder(model).run(); }

}  // namespace roofcast::graph
