#pragma once

namespace onnx {
class ModelProto;
}

namespace roofcast::graph {

/// Evaluates integer shape computations whose inputs are all known — Shape of
/// a statically shaped tensor, Constant, small integer initializers, and
/// Gather/Add/Sub/Mul/Div/Concat/Unsqueeze/Squeeze/Slice/Cast/Identity on them —
/// and replaces each such node by an initializer holding its value, as a
/// runtime's constant folding would. This lets shape inference finish where the
/// onnx library's data propagation stops (it has no Div in 1.12, for one).
/// Returns the number of nodes folded.
int fold_shape_computations(onnx::ModelProto& model);

}  // namespace roofcast::graph
