#pragma once

#include <string>
#include <vector>

#include "roofcast/graph/layer_graph.hpp"

namespace roofcast::graph {

/// The natural log of the smallest normal float32 (FLT_MIN = 1.18e-38): a
/// score this far below its row's largest makes exp() a subnormal float.
inline constexpr double kSubnormalExpBelow = -87.336544750553102;

/// A Softmax whose input adds an attention mask filled with a value so
/// negative that exp() of the masked scores is a subnormal float (or
/// underflows through the subnormal range). Many CPUs compute subnormals
/// with a microcode assist: on this project's Intel Xeon a Softmax of
/// 48 x 49 x 49 scores ran 13.6x slower with half of each row masked at
/// -100 than unmasked or masked at -80 (bench/softmax_mask.js). The cost
/// depends on how many scores the mask hides, which a prediction from shapes
/// does not know, so it is reported, not predicted.
struct SubnormalMask {
  std::string softmax;  ///< the Softmax layer's name
  std::string mask;     ///< the layer that fills the mask (a Where)
  double fill = 0.0;    ///< the fill value
};

/// Softmax layers (LogSoftmax too) whose input is an Add, through views
/// (the op registry's: Reshape, Unsqueeze, Squeeze, Flatten, …), of which one operand
/// comes, through views, from a Where that selects a constant scalar at or
/// below kSubnormalExpBelow (PyTorch's masked_fill(mask, -100.0), as Swin
/// Transformers' shifted windows export it). In execution order.
std::vector<SubnormalMask> subnormal_softmax_masks(const Graph& graph);

}  // namespace roofcast::graph
