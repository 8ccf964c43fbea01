#pragma once

namespace onnx {
class ModelProto;
}

namespace roofcast::graph {

/// Evaluates integer shape computations whose inputs are all known — Shape or
/// Size of a statically shaped tensor, Constant, small integer initializers
/// (rank 0 to 2, at most 64 elements), and on them Gather, Add, Sub, Mul, Div,
/// Mod, Equal, Less, Greater, Where, ConstantOfShape, Concat, Unsqueeze,
/// Squeeze, Slice (negative steps too), Reshape, Transpose, Cast and Identity —
/// and replaces each such node by an initializer holding its value, as a
/// runtime's constant folding would. This lets shape inference finish where the
/// onnx library's data propagation stops (it has no Div in 1.12, for one; nor
/// the Mod, Reshape [-1, 2], reversing Slice and Transpose PyTorch exports a
/// computed F.pad as). Returns the number of nodes folded.
int fold_shape_computations(onnx::ModelProto& model);

}  // namespace roofcast::graph
