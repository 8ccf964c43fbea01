#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "roofcast/graph/cost.hpp"
#include "roofcast/graph/layer_graph.hpp"
#include "roofcast/roofline/lower.hpp"
#include "roofcast/roofline/profile.hpp"
#include "roofcast/roofline/residency.hpp"

namespace roofcast::roofline {

/// What limits a kernel's predicted time.
enum class Bound { kCompute, kMemory, kOverhead };
std::string_view bound_name(Bound bound);

/// The roofline estimate of one kernel.
struct KernelEstimate {
  /// t0 + (max(compute_time_s, memory_time_s) + dram_wait_s + cache_wait_s) / split_speedup + epilogue_s
  double time_s = 0.0;
  double compute_time_s = 0.0;      ///< flops / peak
  /// weight bytes / weight bandwidth + other bytes / activation bandwidth; for
  /// a fitted kernel, the bytes still cached at the class's bandwidth (the rest: dram_wait_s)
  double memory_time_s = 0.0;
  /// A fitted kernel's wait for the bytes the caches no longer hold: those of
  /// dram_bytes it does not fetch while it computes (DramPath), at the DRAM
  /// bandwidth, on top of its arithmetic; 0 for the bare roofline, whose memory
  /// term already counts them.
  double dram_wait_s = 0.0;
  /// A fitted kernel's wait for its other bytes beyond the private caches,
  /// where its class prices them as a wait (StepModel::far_wait_s); else 0.
  double cache_wait_s = 0.0;
  /// How much faster than on one thread the roofline term (the three terms
  /// above) runs where the runtime splits the kernel among its threads
  /// (StepModel::split_time_s); 1 where it runs on one.
  double split_speedup = 1.0;
  double overhead_s = 0.0;          ///< the profile's per-kernel overhead
  /// Passes the runtime adds around the kernel: a fused activation applied
  /// after its loop, layout reorders (PassModels); 0 when there are none.
  double epilogue_s = 0.0;
  /// Of epilogue_s, the layout reorders' part: runtime kernels of their own
  /// that a single-kernel measurement leaves out.
  double reorder_s = 0.0;
  Bound bound = Bound::kOverhead;   ///< the largest of the three terms
  std::int64_t bytes = 0;           ///< bytes moved at the predicted precision
  /// Of those, the bytes read from DRAM: weights (always, without a fitted
  /// model) and what the caches no longer hold (residency.hpp).
  std::int64_t dram_bytes = 0;
  double arithmetic_intensity = 0.0;///< flops / bytes, FLOP/B
  double attainable_flops_per_s = 0.0;  ///< min(peak, intensity × effective bandwidth)
  double achieved_flops_per_s = 0.0;    ///< flops / time_s
  double utilization = 0.0;         ///< achieved / attainable, in [0, 1]
  /// Relative uncertainty (one standard deviation) of time_s: the held-out
  /// RMSPE of the fitted model for the kernel's class; 0 for a pure roofline.
  double uncertainty = 0.0;
  bool fitted = false;              ///< predicted by a fitted kernel model, not the bare roofline
};

/// Whole-network figures (EDLAB's metrics) for batch = the input's first dimension.
struct NetworkEstimate {
  double latency_s = 0.0;            ///< Σ kernel times + per-run overhead
  std::int64_t batch = 1;
  double throughput_per_s = 0.0;     ///< batch / latency
  std::int64_t flops = 0;            ///< the whole batch
  double flops_per_s = 0.0;          ///< throughput × FLOPs per sample
  std::optional<double> power_w;     ///< the profile's active power
  std::optional<double> efficiency_per_s_per_w;  ///< throughput / power
  std::int64_t weight_bytes = 0;     ///< at the predicted precision
  std::int64_t peak_activation_bytes = 0;  ///< largest live set over the execution order
  std::int64_t peak_memory_bytes = 0;      ///< weights + peak activations
  double compute_bound_share = 0.0;  ///< share of latency in compute-bound kernels
  double memory_bound_share = 0.0;
  double overhead_bound_share = 0.0;
  /// Relative uncertainty of latency_s. Kernels of one class share its fitted
  /// parameters, so their errors move together: within a class the bands add
  /// up (Σ time × band), across classes in quadrature.
  double uncertainty = 0.0;
  std::size_t fitted_kernels = 0;    ///< kernels predicted by fitted models
};

/// Where a kernel's bytes come from: DRAM, or on-chip memory where the
/// profile has some and the data fits (hwprofiles/SCHEMA.md, on_chip_mib).
struct MemoryPath {
  double weight_bytes_per_s = 0.0;
  double activation_bytes_per_s = 0.0;
  bool weights_on_chip = false;
  bool activations_on_chip = false;
};

struct Prediction {
  Precision precision = Precision::kFp32;
  double peak_flops_per_s = 0.0;
  double bandwidth_bytes_per_s = 0.0;  ///< DRAM: the roof drawn and reported
  MemoryPath memory;
  std::vector<Kernel> kernels;
  std::vector<KernelEstimate> estimates;  ///< one per kernel
  NetworkEstimate network;
};

struct PredictOptions {
  std::optional<Precision> precision;  ///< default: the profile's default_precision
};

/// Roofline estimate of one kernel: t = overhead + max(FLOPs / peak, memory
/// time). Bytes scale from the model's floats to the precision's element size
/// (`bytes_scale`, e.g. 0.5 for fp32 → fp16).
KernelEstimate estimate_kernel(const Kernel& kernel, double peak_flops_per_s,
                               const MemoryPath& memory, double overhead_s, double bytes_scale);

/// The kernel as its class's fitted model sees it: the quantizable dimensions
/// (output channels and input channels per group for convolutions, output
/// channels per group too for grouped ones, N and K
/// for Gemm/MatMul, channels for pooling, none otherwise), FLOPs per unit of their product, and the
/// bytes at the predicted precision.
Sample kernel_sample(const graph::Graph& graph, const Kernel& kernel, double bytes_scale);

/// The inner loops the runtime runs for an elementwise layer (Sample::loops):
/// N·C for a BatchNormalization over N×C×…; for a binary operator, the output's
/// elements over the longest trailing span every input reads whole or
/// broadcasts (a 1×C×H×W · 1×C×1×1 gate: C loops of H·W); for a Transpose, one
/// per contiguous run it copies (the trailing axes it leaves in place: 1×197×
/// 12×64 by 0,2,1,3 is 2364 runs of 64; NCHW → NHWC moves single elements);
/// 0 for one flat pass (same shapes, a scalar operand, an identity).
std::int64_t inner_loops(const graph::Graph& graph, const graph::Layer& layer);

/// The rows a Softmax or LogSoftmax normalizes (Sample::loops of its
/// kernel): its elements over the extent of its axis (12×50×50 over the
/// last: 600 rows of 50); before opset 13, the rows of its input coerced to
/// 2-D at the axis. 0 for other layers.
std::int64_t softmax_rows(const graph::Graph& graph, const graph::Layer& layer);

/// How the passes a runtime adds around a kernel are predicted: a fused
/// activation applied after the kernel's loop as an elementwise kernel of its
/// operator (without the launch overhead), a layout reorder at the data
/// movement bandwidth; without those fitted models, both at `bytes_per_s`.
struct PassModels {
  const FittedKernelModel* elementwise = nullptr;
  const FittedKernelModel* data_movement = nullptr;
  double bytes_per_s = 0.0;
  /// The profile's fitted reorders (BlockedLayout::reorder_*); absent, the data-movement class's.
  double reorder_overhead_s = 0.0;
  double reorder_bytes_per_s = 0.0;

  /// The activation pass and the reorders together (KernelEstimate::epilogue_s).
  double seconds(const Kernel& kernel, double bytes_scale) const;
  /// The layout reorders alone (KernelEstimate::reorder_s).
  double reorder_seconds(const Kernel& kernel, double bytes_scale) const;
};

/// DRAM as a fitted kernel sees it: its bandwidth, and the rate at which a
/// kernel fetches from it while it computes (Ceilings::dram_overlap_bytes_per_s).
struct DramPath {
  double bytes_per_s = 0.0;
  double overlap_bytes_per_s = 0.0;
};

/// A fitted kernel model's estimate of one kernel: t = t0 + max(W(q)/P, Q/B)
/// + the passes around it, except that the bytes `evicted` from the caches
/// (residency.hpp) come from DRAM: calibration measures kernels with their
/// inputs and weights warm. The kernel fetches dram.overlap_bytes_per_s of them
/// while it computes and waits for the rest at dram.bytes_per_s:
/// + max(0, Q_dram − overlap · W(q)/P) / B_dram. Its writes to evicted
/// buffers (EvictedBytes::outputs, read in before they are written) hold up
/// no arithmetic: + max(0, Q_out / B_dram − W(q)/P).
KernelEstimate estimate_fitted_kernel(const Kernel& kernel, const Sample& sample, const FittedKernelModel& fitted,
                                      double peak_flops_per_s, const DramPath& dram, double bytes_scale,
                                      const PassModels& passes, const EvictedBytes& evicted);

/// Everything at `bandwidth_bytes_per_s` (no on-chip memory).
KernelEstimate estimate_kernel(const Kernel& kernel, double peak_flops_per_s,
                               double bandwidth_bytes_per_s, double overhead_s, double bytes_scale);

/// Bytes of the largest set of activations alive at once when the layers run
/// in order (views alias their input; weights not included), at the model's dtypes.
std::int64_t peak_activation_bytes(const graph::Graph& graph, const graph::GraphCost& cost);

/// The memory a network's bytes move through on `profile`: weights on chip
/// when they fit the on-chip memory, activations too when the peak live set
/// fits beside them; DRAM otherwise (and always, without on-chip memory).
MemoryPath memory_path(const DeviceProfile& profile, std::int64_t weight_bytes,
                       std::int64_t peak_activation_bytes);

/// Lowers the graph with the profile's rules and predicts every kernel and the network.
Prediction predict(const graph::Graph& graph, const graph::GraphCost& cost,
                   const DeviceProfile& profile, const PredictOptions& options = {});

}  // namespace roofcast::roofline
