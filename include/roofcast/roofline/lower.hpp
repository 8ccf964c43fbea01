#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "roofcast/graph/cost.hpp"
#include "roofcast/graph/layer_graph.hpp"
#include "roofcast/roofline/profile.hpp"

namespace roofcast::roofline {

/// What a kernel does, as the latency models group it.
enum class KernelClass {
  kConv,           ///< dense convolution (group 1)
  kDepthwiseConv,  ///< one input channel per group
  kGroupedConv,    ///< 1 < group < channels
  kGemm,           ///< Gemm, MatMul
  kPool,
  kElementwise,    ///< including an inference BatchNormalization left unfused (a per-channel multiply-add)
  kNormalization,  ///< softmax, normalization with statistics (LayerNormalization, ...) and reductions
  kDataMovement,   ///< copies, concatenation, transposition, resizing
  kOther,          ///< ops without a cost entry: bytes only
};

std::string_view kernel_class_name(KernelClass kernel_class);

/// One kernel as the runtime executes it: one or more layers after fusion.
struct Kernel {
  std::string name;                 ///< the first layer's name
  std::string ops;                  ///< "Conv+BatchNormalization+Relu"
  /// The one operator the runtime runs a fused activation pattern as
  /// (LoweringRules kActivationPatterns): "Gelu" for Div+Erf+Add+Mul+Mul,
  /// "Silu" for x·sigmoid(x); empty for every other kernel.
  std::string fused_op;
  KernelClass kernel_class = KernelClass::kOther;
  std::vector<std::size_t> layers;  ///< indices into Graph::layers, in order
  /// Layers the runtime folds into how this kernel reads its operands
  /// (FusionRule::kMatMulOperands: a Transpose read strided, a scale by a
  /// constant scalar), in graph order: no work and no bytes of their own; the
  /// kernel reads their inputs.
  std::vector<std::size_t> operand_layers;
  std::int64_t macs = 0;
  std::int64_t flops = 0;
  std::int64_t bytes_read = 0;      ///< at the model's own dtypes
  std::int64_t bytes_written = 0;
  std::int64_t weight_bytes = 0;
  /// FLOPs per layer that did work, with its operator (a fitted class with a
  /// throughput per operator sums each layer's time).
  std::vector<std::pair<std::string, std::int64_t>> op_flops;
  /// A fused activation the runtime applies in a pass after the kernel's loop
  /// (LoweringRules::in_kernel_activations): its operator, FLOPs, and the
  /// bytes it reads and writes (the output, once more).
  std::string epilogue_op;
  std::int64_t epilogue_flops = 0;
  std::int64_t epilogue_bytes = 0;
  /// Bytes read and written by reorders between a plain and a blocked layout
  /// (LoweringRules::blocked_layout): of the kernel's input, of its output.
  std::int64_t reorder_bytes = 0;
  /// How many reorders those are: each runs as a kernel of its own (its own fixed overhead).
  int reorders = 0;
  bool blocked = false;  ///< runs in the runtime's blocked layout
  /// Its layers are a Split's parts (FusionRule::kSplitSiblings), each reading
  /// the kernel's input and writing an output of its own, not a chain.
  bool split = false;

  /// flops / (bytes_read + bytes_written), FLOP per byte; 0 when nothing moves.
  double arithmetic_intensity() const;
};

/// The tensors a kernel writes for other kernels: its last layer's outputs, or
/// every part's for a Split.
std::vector<graph::TensorId> kernel_outputs(const graph::Graph& graph, const Kernel& kernel);

/// Applies the runtime's lowering rules to the layer graph: views dropped,
/// metadata ops (Constant, Shape) folded away, and chains fused per `rules`.
/// A layer joins the kernel before it only when it consumes that kernel's
/// output and nothing else reads that output. Bytes of tensors that stay
/// inside a fused kernel are not counted.
std::vector<Kernel> lower(const graph::Graph& graph, const graph::GraphCost& cost,
                          const LoweringRules& rules);

}  // namespace roofcast::roofline
