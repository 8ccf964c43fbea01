#pragma once

#include <string>

namespace onnx {
class ModelProto;
struct ShapeInferenceOptions;
}  // namespace onnx

namespace roofcast::graph {

/// Runs the onnx library's shape inference on `model` in a forked child
/// process and copies the inferred model back. The library has crashing bugs
/// on malformed models (a null dereference in convPoolShapeInference, found by
/// our fuzzer); isolated, such a crash becomes a ModelError naming `source`
/// instead of killing roofcast. Inference errors the library throws become
/// ModelErrors with its message.
void infer_shapes_isolated(onnx::ModelProto& model, const onnx::ShapeInferenceOptions& options,
                           const std::string& source);

}  // namespace roofcast::graph
