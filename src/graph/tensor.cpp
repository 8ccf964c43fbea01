#include "roofcast/graph/tensor.hpp"

#include "roofcast/common/checked.hpp"
#include "roofcast/graph/layer_graph.hpp"

namespace roofcast::graph {

std::int64_t dtype_size_bytes(DType dtype) {
  switch (dtype) {
    case DType::kBool:
    case DType::kUInt8:
    case DType::kInt8:
      return 1;
    case DType::kUInt16:
    case DType::kInt16:
    case DType::kFloat16:
    case DType::kBFloat16:
      return 2;
    case DType::kFloat32:
    case DType::kInt32:
    case DType::kUInt32:
      return 4;
    case DType::kFloat64:
    case DType::kInt64:
    case DType::kUInt64:
    case DType::kComplex64:
      return 8;
    case DType::kComplex128:
      return 16;
    case DType::kString:
    case DType::kUndefined:
      return 0;
  }
  return 0;
}

std::string_view dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kUndefined: return "undefined";
    case DType::kFloat32: return "float32";
    case DType::kUInt8: return "uint8";
    case DType::kInt8: return "int8";
    case DType::kUInt16: return "uint16";
    case DType::kInt16: return "int16";
    case DType::kInt32: return "int32";
    case DType::kInt64: return "int64";
    case DType::kString: return "string";
    case DType::kBool: return "bool";
    case DType::kFloat16: return "float16";
    case DType::kFloat64: return "float64";
    case DType::kUInt32: return "uint32";
    case DType::kUInt64: return "uint64";
    case DType::kComplex64: return "complex64";
    case DType::kComplex128: return "complex128";
    case DType::kBFloat16: return "bfloat16";
  }
  return "undefined";
}

bool is_floating(DType dtype) {
  return dtype == DType::kFloat32 || dtype == DType::kFloat16 || dtype == DType::kBFloat16 ||
         dtype == DType::kFloat64;
}

DType dtype_from_onnx(int code) {
  if (code >= 0 && code <= static_cast<int>(DType::kBFloat16)) {
    return static_cast<DType>(code);
  }
  return DType::kUndefined;
}

std::int64_t Tensor::size_bytes() const {
  return checked_mul(elements, dtype_size_bytes(dtype), "tensor '" + name + "' size in bytes");
}

std::string Tensor::shape_text() const {
  if (shape.empty()) {
    return "scalar";
  }
  std::string text;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) {
      text += 'x';
    }
    text += std::to_string(shape[i]);
  }
  return text;
}

std::int64_t Graph::default_opset() const {
  const auto it = opsets.find("");
  return it == opsets.end() ? 0 : it->second;
}

}  // namespace roofcast::graph
