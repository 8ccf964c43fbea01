#pragma once

#include <cmath>
#include <vector>

#include "roofcast/graph/cost.hpp"
#include "roofcast/graph/layer_graph.hpp"
#include "roofcast/roofline/lower.hpp"
#include "roofcast/roofline/profile.hpp"

namespace roofcast::roofline {

/// The share of a tensor a last level of `lifetime_s` has lost after
/// `elapsed_s`: 1 − exp(−elapsed / lifetime); 0 without a lifetime.
inline double evicted_with_time(double elapsed_s, double lifetime_s) {
  return lifetime_s > 0.0 ? 1.0 - std::exp(-elapsed_s / lifetime_s) : 0.0;
}

/// How much a CPU's caches keep of a tensor while other data moves through
/// them. Calibration measures a kernel with its inputs just written (and its
/// weights behind calibrate's flush, half the last level, at most 16 MiB); in a network a tensor last
/// touched many kernels ago (a residual's skip, the input image) comes back
/// from DRAM.
///
/// The distance is the reuse distance: the distinct bytes touched since the
/// tensor was last touched (after the kernel that wrote it; from the start of
/// one that read it, whose own traffic, a GEMM's weights streaming past its
/// input, evicts it too). Up to the threads' private caches nothing is
/// evicted; from there the share evicted grows linearly to 1 at half the
/// last-level cache (what calibration's flush treats as a network between two
/// uses of a weight). On the 2-core CI machine (1 MiB L2 per core, 32 MiB L3) an
/// Add whose 605 KB input waited behind a MatMul pair of 64, 768, 3072 and
/// 6144 hidden units took 22, 33, 60 and 61 µs; the shares evicted here are 0,
/// 0.31, 1 and 1, which at the 38 µs the whole input costs from DRAM give 22,
/// 34, 60 and 60 µs.
///
/// Where other cores share the last level (a virtual machine's host), their
/// traffic evicts with time too: a tensor beyond the private caches keeps
/// exp(−elapsed / lifetime) of its lines after `elapsed` seconds
/// (Ceilings::cache_lifetime_s, which calibration measures). On the CI
/// machine, an Add of a 605 KB tensor written before 1, 4, 16 and 32 MatMul
/// pairs of 1.5 MB of weights (2.3 MB touched in all, about 1 ms a pair) took
/// 50, 70, 125 and 142 µs: by bytes alone it would have stayed cached.
struct CacheReach {
  double private_bytes = 0.0;  ///< the threads' own caches together (the level below the last, × threads)
  double shared_bytes = 0.0;   ///< the last-level cache
  double lifetime_s = 0.0;     ///< Ceilings::cache_lifetime_s; 0: eviction by bytes only

  /// Whether the profile says enough about the caches to use this.
  bool known() const { return shared_bytes / 2 > private_bytes; }
  /// The share of a tensor gone from the caches after `between_bytes` of
  /// other data moved through them over `elapsed_s` seconds, in [0, 1]; 0
  /// when not known().
  double evicted_share(double between_bytes, double elapsed_s = 0.0) const;
};

/// From the profile's caches (Hardware::cache_bytes) and cache lifetime for
/// a runtime on `threads` threads; unknown (CacheReach::known false) without a last level.
CacheReach cache_reach(const DeviceProfile& profile, int threads);

/// The bytes of one kernel read back from DRAM rather than the caches, at the predicted precision.
struct EvictedBytes {
  double activations = 0.0;  ///< of inputs produced (or last read) earlier in the network, or fed to it
  double weights = 0.0;      ///< of its weights, last read one inference ago
  double outputs = 0.0;      ///< of the buffers it writes, which the arena last handed out long ago
};

/// Per kernel of `kernels` (in execution order): the bytes of its inputs and
/// weights evicted since they were last touched (CacheReach). A graph input
/// and every weight were last touched one inference earlier. The runtime
/// reuses its buffers for intermediate tensors: between two touches they
/// count at most `arena_bytes` (the peak of live activations; 0: no bound).
///
/// A kernel writes into buffers the arena handed out before. Which tensor
/// held them last is the runtime's choice; on average the arena's bytes are
/// cycled once by every `arena_bytes` of tensors written, so a buffer comes
/// back after arena_bytes / (bytes written per inference) of the inference's
/// traffic, and that share of its outputs is evicted (EvictedBytes::outputs).
/// On this Intel machine, behind 128 MiB instead of calibrate's 16, the
/// same kernels with their inputs just written and their output buffer
/// in DRAM: a Concat writing 1.6 MB 111 → 230 µs, a Relu writing 0.8 MB 21 →
/// 47 µs, a 3 × 3 convolution writing 0.8 MB in 1.44 ms unchanged.
///
/// With a lifetime (CacheReach::lifetime_s) and `times_s`, each kernel's
/// time in execution order (a first prediction's), a tensor's elapsed time
/// is that of the kernels between its two touches, a weight's and a graph
/// input's the whole inference. An output buffer is evicted by bytes only.
/// Without `times_s` (empty) nothing is evicted by time.
///
/// Without known caches every weight byte comes from DRAM and no activation
/// or output byte does.
std::vector<EvictedBytes> evicted_bytes(const graph::Graph& graph, const graph::GraphCost& cost,
                                        const std::vector<Kernel>& kernels, const CacheReach& reach,
                                        double bytes_scale, double arena_bytes = 0.0,
                                        const std::vector<double>& times_s = {});

}  // namespace roofcast::roofline
