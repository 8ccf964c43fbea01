#pragma once

#include <string>

#include "roofcast/graph/layer_graph.hpp"
#include "roofcast/roofline/lower.hpp"

// A network's kernel, run alone: the micro-model (`roofcast micro-model`'s
// spec) that runs the same operators on the same shapes, as calibration
// measures its points. A kernel's time in the network against its time alone
// tells a prediction's error apart: what the fitted model gets wrong about the
// kernel (alone against predicted) and what the network around it changes
// (the caches it leaves, in the network against alone).
namespace roofcast::validate {

/// The spec, or why there is none (exactly one of the two is non-empty).
struct IsolatedSpec {
  std::string spec;     ///< "conv:c=32,h=112,w=112,k=16,kernel=1,stride=1,group=1,bn=0,residual=0,act="
  std::string why_not;  ///< "a Conv with dilations 2x2": what no micro-model reproduces
};

/// The micro-model of `kernel` (lowered from `graph`): a Conv (dense, grouped
/// or depthwise, with its fused BatchNormalization, residual Add and
/// activation), a Gemm or MatMul (with its bias and activation; a batched
/// right operand as attention's products), a pool, one elementwise operator
/// (or a fused GELU/SiLU), a Softmax or LayerNormalization over the last axis,
/// or a Transpose. The spec describes the shapes; whether its micro-model's
/// kernel does the same work (padding, broadcasts) is for the caller to check
/// by lowering it.
IsolatedSpec isolated_spec(const graph::Graph& graph, const roofline::Kernel& kernel);

/// One of a network's kernels (a compared group, by its roofcast kernel with
/// the most predicted time) in the network and alone.
struct IsolatedKernel {
  std::string name;          ///< the compared group's name
  std::string kernel_class;
  std::string ops;
  std::string spec;          ///< its micro-model; empty when it has none
  std::string why_not;       ///< why it has none
  double network_s = 0.0;    ///< measured in the network (the group's runtime kernels)
  double predicted_s = 0.0;  ///< predicted in the network
  double alone_s = 0.0;      ///< measured alone behind the cache flush; 0: not run alone

  bool isolated() const { return alone_s > 0.0; }
  /// predicted − measured in the network = (predicted − alone) + (alone − network):
  /// the part of the error the kernel alone shows (the fitted model's) and
  /// the part the network around it adds (its caches, its neighbours).
  double model_s() const { return predicted_s - alone_s; }
  double context_s() const { return alone_s - network_s; }
};

}  // namespace roofcast::validate
