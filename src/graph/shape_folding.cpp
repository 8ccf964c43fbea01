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

/// A small integer tensor of rank 0 to 2, its values in row-major order.
struct IntValue {
  std::vector<std::int64_t> values;
  std::vector<std::int64_t> dims;  ///< empty: a scalar
  int dtype = onnx::TensorProto::INT64;

  bool scalar() const { return dims.empty(); }
  bool vector() const { return dims.size() == 1; }
};

constexpr std::size_t kMaxElements = 64;
constexpr std::size_t kMaxRank = 2;

/// Elements of a tensor of these dims, or nullopt when not a small tensor.
std::optional<std::size_t> element_count(const std::vector<std::int64_t>& dims) {
  std::int64_t count = 1;
  for (const std::int64_t d : dims) {
    if (d < 0 || __builtin_mul_overflow(count, d, &count) || count > static_cast<std::int64_t>(kMaxElements)) {
      return std::nullopt;
    }
  }
  return static_cast<std::size_t>(count);
}

std::optional<IntValue> from_tensor(const onnx::TensorProto& tensor) {
  if (tensor.dims_size() > static_cast<int>(kMaxRank) ||
      (tensor.data_type() != onnx::TensorProto::INT64 && tensor.data_type() != onnx::TensorProto::INT32)) {
    return std::nullopt;
  }
  IntValue value;
  value.dims.assign(tensor.dims().begin(), tensor.dims().end());
  value.dtype = tensor.data_type();
  const auto count = element_count(value.dims);
  if (!count) {
    return std::nullopt;
  }
  const auto expected = static_cast<std::int64_t>(*count);
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
      for (const std::int64_t d : value->dims) {
        initializer->add_dims(d);
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

  /// The dims of an elementwise result over `operands`: all of the same dims,
  /// or of one element (a scalar or [1], broadcast); nullopt otherwise.
  static std::optional<std::vector<std::int64_t>> broadcast_dims(std::initializer_list<const IntValue*> operands) {
    const IntValue* widest = *operands.begin();
    for (const IntValue* v : operands) {
      if (v->values.size() > widest->values.size() ||
          (v->values.size() == widest->values.size() && v->dims.size() > widest->dims.size())) {
        widest = v;
      }
    }
    for (const IntValue* v : operands) {
      if (v->values.size() != 1 && v->dims != widest->dims) {
        return std::nullopt;
      }
    }
    return widest->dims;
  }

  static std::optional<IntValue> binary(const IntValue& a, const IntValue& b, const std::string& op, bool fmod) {
    const auto dims = broadcast_dims({&a, &b});
    if (!dims) {
      return std::nullopt;
    }
    const std::size_t n = std::max(a.values.size(), b.values.size());
    IntValue out;
    out.dims = *dims;
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
      } else if (op == "Mod") {  // fmod = 0: the sign of the divisor, as Python's %
        if (y == 0 || (x == INT64_MIN && y == -1)) return std::nullopt;
        r = x % y;
        if (!fmod && r != 0 && ((r < 0) != (y < 0))) r += y;
      } else {  // Div: integer division truncates toward zero
        if (y == 0 || (x == INT64_MIN && y == -1)) return std::nullopt;
        r = x / y;
      }
      out.values.push_back(r);
    }
    return out;
  }

  /// Reshape: -1 takes what is left, 0 (unless allowzero) keeps the input's dimension.
  static std::optional<IntValue> reshape(const IntValue& x, const IntValue* shape, bool allowzero) {
    if (shape == nullptr || !shape->vector() || shape->values.size() > kMaxRank) return std::nullopt;
    IntValue out = x;
    out.dims.clear();
    std::optional<std::size_t> inferred;
    std::int64_t known = 1;
    for (std::size_t i = 0; i < shape->values.size(); ++i) {
      std::int64_t d = shape->values[i];
      if (d == 0 && !allowzero) {
        if (i >= x.dims.size()) return std::nullopt;
        d = x.dims[i];
      }
      if (d == -1) {
        if (inferred) return std::nullopt;
        inferred = i;
        d = 1;
      } else if (d < 0) {
        return std::nullopt;
      }
      out.dims.push_back(d);
      if (__builtin_mul_overflow(known, d, &known)) return std::nullopt;
    }
    const auto n = static_cast<std::int64_t>(x.values.size());
    if (inferred) {
      if (known == 0 || n % known != 0) return std::nullopt;
      out.dims[*inferred] = n / known;
    } else if (known != n) {
      return std::nullopt;
    }
    return out;
  }

  /// Transpose of a rank-2 value (rank 0 and 1 are their own transposes).
  static std::optional<IntValue> transpose(const IntValue& x, const onnx::NodeProto& node) {
    std::vector<std::int64_t> perm;
    for (const auto& attribute : node.attribute()) {
      if (attribute.name() == "perm") perm.assign(attribute.ints().begin(), attribute.ints().end());
    }
    if (x.dims.size() < 2) {
      return perm.size() == x.dims.size() || perm.empty() ? std::optional<IntValue>(x) : std::nullopt;
    }
    if (!perm.empty() && perm != std::vector<std::int64_t>{1, 0}) {
      return perm == std::vector<std::int64_t>{0, 1} ? std::optional<IntValue>(x) : std::nullopt;
    }
    const std::int64_t rows = x.dims[0];
    const std::int64_t columns = x.dims[1];
    IntValue out = x;
    out.dims = {columns, rows};
    for (std::int64_t r = 0; r < rows; ++r) {
      for (std::int64_t c = 0; c < columns; ++c) {
        out.values[static_cast<std::size_t>(c * rows + r)] = x.values[static_cast<std::size_t>(r * columns + c)];
      }
    }
    return out;
  }

  /// Slice along one axis (ONNX's clamping, negative steps included).
  static std::optional<IntValue> slice(const IntValue& x, const IntValue& starts, const IntValue& ends,
                                       const IntValue* axes, const IntValue* steps) {
    if (x.scalar() || starts.values.size() != 1 || ends.values.size() != 1 ||
        (axes != nullptr && axes->values.size() != 1) || (steps != nullptr && steps->values.size() != 1)) {
      return std::nullopt;
    }
    const auto rank = static_cast<std::int64_t>(x.dims.size());
    std::int64_t axis = axes != nullptr ? axes->values[0] : 0;
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) return std::nullopt;
    const std::int64_t step = steps != nullptr ? steps->values[0] : 1;
    if (step == 0) return std::nullopt;
    const std::int64_t d = x.dims[static_cast<std::size_t>(axis)];
    if (d == 0) return std::nullopt;  // nothing to slice (and no valid clamp range below)
    std::int64_t start = starts.values[0];
    std::int64_t end = ends.values[0];
    if (start < 0) start += d;  // (d is small: no overflow)
    if (end < 0) end += d;
    if (step > 0) {
      start = std::clamp<std::int64_t>(start, 0, d);
      end = std::clamp<std::int64_t>(end, 0, d);
    } else {
      start = std::clamp<std::int64_t>(start, 0, d - 1);
      end = std::clamp<std::int64_t>(end, -1, d - 1);
    }
    std::vector<std::int64_t> kept;
    for (std::int64_t i = start; step > 0 ? i < end : i > end;) {
      kept.push_back(i);
      if (__builtin_add_overflow(i, step, &i)) break;  // a step past the end of int64: done
    }
    // Rows of the value around the axis: outer × d × inner.
    std::int64_t outer = 1;
    std::int64_t inner = 1;
    for (std::int64_t k = 0; k < rank; ++k) {
      if (k < axis) outer *= x.dims[static_cast<std::size_t>(k)];
      if (k > axis) inner *= x.dims[static_cast<std::size_t>(k)];
    }
    IntValue out;
    out.dtype = x.dtype;
    out.dims = x.dims;
    out.dims[static_cast<std::size_t>(axis)] = static_cast<std::int64_t>(kept.size());
    for (std::int64_t o = 0; o < outer; ++o) {
      for (const std::int64_t i : kept) {
        for (std::int64_t j = 0; j < inner; ++j) {
          out.values.push_back(x.values[static_cast<std::size_t>((o * d + i) * inner + j)]);
        }
      }
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
          return IntValue{{attribute.i()}, {}, onnx::TensorProto::INT64};
        }
        if (attribute.name() == "value_ints" && attribute.ints_size() <= static_cast<int>(kMaxElements)) {
          return IntValue{{attribute.ints().begin(), attribute.ints().end()}, {attribute.ints_size()},
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
        return IntValue{{size}, {}, onnx::TensorProto::INT64};
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
      out.dims = {static_cast<std::int64_t>(out.values.size())};
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
    if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Mod" || op == "Equal" ||
        op == "Less" || op == "Greater") {
      if (node.input_size() != 2) return std::nullopt;
      return binary(x, *input(node, 1), op, attribute_int(node, "fmod", 0) != 0);
    }
    if (op == "Where") {
      if (node.input_size() != 3) return std::nullopt;
      const IntValue& a = *input(node, 1);
      const IntValue& b = *input(node, 2);
      const auto dims = broadcast_dims({&x, &a, &b});
      if (!dims) return std::nullopt;
      const std::size_t n = std::max({x.values.size(), a.values.size(), b.values.size()});
      IntValue out;
      out.dims = *dims;
      out.dtype = a.dtype;
      for (std::size_t i = 0; i < n; ++i) {
        const auto pick = [i](const IntValue& v) { return v.values[v.values.size() == 1 ? 0 : i]; };
        out.values.push_back(pick(x) != 0 ? pick(a) : pick(b));
      }
      return out;
    }
    if (op == "ConstantOfShape") {
      if (!x.vector() || x.values.size() > 1) return std::nullopt;  // results of rank 0 or 1 only
      IntValue out;
      if (!x.values.empty()) {
        out.dims = {std::max<std::int64_t>(x.values[0], 0)};
      }
      const auto count = element_count(out.dims);
      if (!count) return std::nullopt;
      out.values.assign(*count, 0);
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
      if (attribute_int(node, "axis", 0) != 0 || !x.vector() || node.input_size() != 2) return std::nullopt;
      const IntValue& indices = *input(node, 1);
      IntValue out;
      out.dims = indices.dims;
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
        if (part == nullptr || !part->vector()) return std::nullopt;
        out.values.insert(out.values.end(), part->values.begin(), part->values.end());
      }
      if (out.values.size() > kMaxElements) return std::nullopt;
      out.dims = {static_cast<std::int64_t>(out.values.size())};
      return out;
    }
    if (op == "Unsqueeze") {
      if (!x.scalar()) return std::nullopt;  // only scalar -> [v]
      IntValue out = x;
      out.dims = {1};
      return out;
    }
    if (op == "Squeeze") {
      if (!x.vector() || x.values.size() != 1) return std::nullopt;
      IntValue out = x;
      out.dims.clear();
      return out;
    }
    if (op == "Reshape") {
      return reshape(x, node.input_size() > 1 ? input(node, 1) : nullptr, attribute_int(node, "allowzero", 0) != 0);
    }
    if (op == "Transpose") {
      return transpose(x, node);
    }
    if (op == "Slice") {
      if (node.input_size() < 3) return std::nullopt;
      return slice(x, *input(node, 1), *input(node, 2), input(node, 3), input(node, 4));
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
