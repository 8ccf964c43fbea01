#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "roofcast/graph/attributes.hpp"
#include "roofcast/graph/tensor.hpp"

namespace roofcast::graph {

/// One ONNX node with typed attributes; inputs and outputs index Graph::tensors.
struct Layer {
  std::string name;     ///< the node's name, or "<op_type>_<index>" when the file has none
  std::string op_type;
  std::string domain;   ///< "" for the default ONNX domain
  /// The operator version the node resolves to under the model's opset (the
  /// ONNX schema's since-version: Relu in an opset-17 model is Relu-14); 0
  /// for operators of custom domains, and for graphs not built by the loader.
  std::int64_t since_version = 0;
  std::vector<TensorId> inputs;   ///< kNoTensor for an omitted optional input
  std::vector<TensorId> outputs;
  LayerAttributes attributes;
};

/// A model as roofcast sees it: every tensor with a static shape, layers in a
/// topological (execution) order.
struct Graph {
  std::string source;      ///< the file it was loaded from (or a label for in-memory models)
  std::string model_hash;  ///< fnv1a64 of the file bytes
  std::string producer;    ///< producer_name and version from the file
  std::int64_t ir_version = 0;
  std::map<std::string, std::int64_t> opsets;  ///< domain ("" = ai.onnx) -> version
  std::map<std::string, std::string> metadata;  ///< metadata_props
  /// Integer shape-computation nodes folded into constants so that shape
  /// inference could finish (they are not in `layers`).
  int folded_layers = 0;
  std::vector<Tensor> tensors;
  std::vector<Layer> layers;
  std::vector<TensorId> inputs;   ///< graph inputs fed at run time (initializers excluded)
  std::vector<TensorId> outputs;

  const Tensor& tensor(TensorId id) const { return tensors.at(static_cast<std::size_t>(id)); }
  /// The default-domain opset version, 0 when absent.
  std::int64_t default_opset() const;
};

}  // namespace roofcast::graph
