#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roofcast::graph {

/// Element types, numbered as ONNX's TensorProto.DataType.
enum class DType : int {
  kUndefined = 0,
  kFloat32 = 1,
  kUInt8 = 2,
  kInt8 = 3,
  kUInt16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kFloat64 = 11,
  kUInt32 = 12,
  kUInt64 = 13,
  kComplex64 = 14,
  kComplex128 = 15,
  kBFloat16 = 16,
};

/// Bytes per element; 0 for kUndefined and kString (no fixed size).
std::int64_t dtype_size_bytes(DType dtype);
/// ONNX-style lower-case name ("float32", "int64", ...).
std::string_view dtype_name(DType dtype);
/// True for float16/bfloat16/float32/float64: the types whose initializers count as parameters.
bool is_floating(DType dtype);
/// DType from ONNX's numeric code; kUndefined for codes this build does not know.
DType dtype_from_onnx(int code);

/// Where a tensor's value comes from.
enum class TensorKind {
  kInput,         ///< a graph input fed at run time
  kInitializer,   ///< a stored initializer (a weight, or a small constant)
  kConstant,      ///< the output of a Constant node
  kIntermediate,  ///< produced by a layer
};

using TensorId = std::int32_t;
inline constexpr TensorId kNoTensor = -1;  ///< an omitted optional input

/// A value in the graph with a static shape.
struct Tensor {
  std::string name;
  DType dtype = DType::kUndefined;
  std::vector<std::int64_t> shape;  ///< static; rank 0 for scalars
  std::int64_t elements = 1;        ///< Π shape
  TensorKind kind = TensorKind::kIntermediate;
  bool is_graph_output = false;
  bool has_data = false;  ///< initializers/constants: values stored in the file (graph-only files drop weights)
  /// The value of a floating-point scalar (one element) whose data the file
  /// holds: a Constant's fill value, an epsilon. Unset for everything else.
  std::optional<double> scalar_value;

  /// elements × dtype size.
  std::int64_t size_bytes() const;
  /// "1x3x224x224", "scalar" for rank 0.
  std::string shape_text() const;
};

}  // namespace roofcast::graph
