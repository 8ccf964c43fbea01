#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace roofcast::roofline {

// Blackthorn's kernel latency model (DESIGN.md, "The model"):
//
//   t = t0 + max( W(q) / P , Q / B )
//
// W(q) is the work on quantized dimensions: W = work_factor × Π ceil(d_i / q_i) · q_i,
// each dimension d_i rounded up to the step q_i the kernel library really
// processes (vector width, channel block, tile). Between steps latency is
// linear in the work; at a step it jumps. Q is the bytes moved, t0 the fixed
// overhead, P and B the effective throughput and bandwidth. An operator the
// runtime runs as one inner loop per channel (a standalone BatchNormalization,
// a product with a per-channel gate) or per batch (a batched MatMul: one GEMM
// per attention head) pays a cost per loop on top:
//
//   t = t0 + loops × t_loop + max( W(q) / P , Q / B )
//
// and a convolution the runtime expands with im2col pays a cost per element
// it moves (twice for one gathered one at a time, at a stride above 1) and
// per row it copies: + gathers × t_gather + loops × t_loop.
//
// A GEMM streams its activation operand a strip of rows at a time. When the
// rows lie a multiple of a set-associative cache's set span apart (an L1 of
// 32 KiB and 8 ways: 4 KiB, K = 1024·j in fp32), the strip's rows map to the
// same sets, evict each other, and the kernel computes more slowly: W(q) is
// scaled by 1 + alias_slowdown, on the fast path.
//
// A blocked convolution computes most outputs of a row in blocks (ONNX
// Runtime's NCHWc kernel: 6, 3 or 2 at a time, one accumulator per output and
// filter block, up to 4 blocks per call) but the outputs whose window overlaps
// the row's left or right padding one at a time. Where a call holds a single
// filter block (a grouped convolution of one block per group: dimension 0 no
// more than the fast path's block) an edge output keeps one accumulator in
// flight: W(q) is scaled by 1 + edge_slowdown × (the share of such outputs).
// A 3×3 convolution at 7×7 computes 2 of every 7 outputs that way, at 56×56 2
// of 56 (RegNetX's 16-channel groups at 7×7 ran 22–27 % slower than the rate
// its class's points at 14×14 and larger gave them; 32- and 64-channel groups
// at 7×7 within 8 %).
//
// A kernel whose bytes outgrow the threads' private caches (L2) streams the
// bytes beyond them from the shared last level, at a bandwidth of its own:
//
//   Q / B  becomes  (Q − F) / B + F / min(B, B_far),   F = max(0, Q − C_private)
//
// (a one-thread depthwise convolution of 144 channels at 112×112, 14.5 MB,
// ran 22–28 % slower than the class's rate for 0.1–8.8 MB predicted).
// Or, where a kernel's work does not hide its misses, those bytes wait on top
// of the roofline term:
//
//   t = t0 + max(W(q)/P, Q/B) + F / B_wait
//
// (one thread's Relu, bound by its bytes, ran 88 GB/s within 2 MiB and 60
// beyond; an Add broadcasting per channel, bound by its work at 35 GB/s's
// worth, and a Gelu at 5 GFLOP/s lost as much time per byte beyond it: a
// bandwidth inside the max() could slow neither). The fit tries both forms.
//
// On several threads a kernel takes as long as its most loaded thread. A
// runtime that deals out its work in items — a set of output-channel blocks
// by one output row, as ONNX Runtime's NCHWc convolution does, in contiguous
// equal runs of items — loads one thread more than the others when the last
// set of blocks is short: W(q) is then scaled by threads × (the most loaded
// thread's blocks·rows) / (all blocks·rows). Threads = 1 leaves W(q) as it is.
//
// A runtime that splits a kernel among its threads only when the kernel is
// large enough (ONNX Runtime's parallel loops weigh a kernel's cost against
// the cost of waking a thread) runs a small kernel on one thread. On several
// threads the roofline term r is then the one-thread time or the split one,
// whichever is less:
//
//   r  becomes  min( r , t_split + r / S )
//
// t_split the cost of handing work to the other threads, S ≤ threads the
// speedup of the split. Two threads' Relu of 1 × 40 × 112 × 112 ran 2.1× as
// fast as one's, a Sigmoid of 1 × 440 × 7 × 7 0.8× (committed calibration
// logs of session 26). Operators the runtime never splits (a standalone
// BatchNormalization: 1.05× at 5.7 MB) keep r.

/// One measured kernel of a class.
struct Sample {
  std::vector<std::int64_t> dims;  ///< the quantizable dimensions, in the class's order
  double work_factor = 0.0;        ///< FLOPs per unit of Π dims (the other factors)
  double bytes = 0.0;              ///< bytes moved
  /// Of `bytes`, a GEMM's stored weights: it packs them into panels it
  /// reuses over all rows, so they do not stream through the caches as its
  /// activations do (StepModel::far_bytes leaves them out); 0 for every
  /// other kernel (a blocked convolution reads its filters again for each
  /// block of outputs).
  double weight_bytes = 0.0;
  /// The bytes that stream through the caches: all but a GEMM's weights.
  double streamed_bytes() const { return bytes - weight_bytes; }
  double time_s = 0.0;             ///< measured median
  /// The kernel's operator (its first layer's op type): classes that hold
  /// several operators (elementwise, normalization, pooling, data movement)
  /// may fit a throughput per operator. Empty: the class's throughput.
  std::string op;
  /// Calls a library's plain (slow-path) implementation makes for the kernel:
  /// one per group for a grouped or depthwise convolution, which it runs as a
  /// loop of small GEMMs. The slow path's overhead is per call.
  double calls = 1.0;
  /// Inner loops the runtime runs for a kernel that is not one flat pass:
  /// one per channel for a BatchNormalization or a binary operator
  /// broadcasting a per-channel tensor (N·C loops of H·W elements), one per
  /// GEMM of a batched MatMul (attention's heads), one per row a Softmax
  /// normalizes, one per row a grouped convolution's im2col copies (see
  /// gathers); 0 for one flat pass.
  double loops = 0.0;
  /// Elements a grouped convolution's im2col moves on the runtime's plain
  /// path (C·kh·kw·H_out·W_out, every group's expansion of its input), each
  /// counted twice where strided (gathered one at a time); its rows
  /// (C·kh·kw·H_out) are its loops. 0 for every other kernel.
  double gathers = 0.0;
  /// Rows of output the runtime deals out among its threads, each row in items
  /// of StepModel::partition_blocks steps of dimension 0 (N·H_out of a
  /// convolution); 0 for a kernel whose work is not split that way.
  double rows = 0.0;
  /// Bytes between consecutive rows of the operand a GEMM streams a strip of
  /// rows at a time (K · element size of an untransposed A with more than one
  /// row); 0 for every other kernel. Rows a multiple of a cache's set span
  /// apart fall into the same sets (StepModel::alias_bytes).
  double row_stride_bytes = 0.0;
  /// The share of a convolution's outputs whose window overlaps the left or
  /// right padding of its row (StepModel::edge_slowdown); 0 for every other kernel.
  double edge_share = 0.0;
};

/// Whether `sample`'s dimension `dim` misses a multiple of `align` (a library's
/// slow path); never when `align` is 0 or the sample lacks that dimension.
inline bool misses_alignment(const Sample& sample, std::int64_t align, std::size_t dim) {
  return align > 0 && dim < sample.dims.size() && sample.dims[dim] % align != 0;
}

/// Whether `sample`'s dimension `dim` is below `below` (a library's path for
/// small inputs); never when `below` is 0 or the sample lacks that dimension.
inline bool falls_below(const Sample& sample, std::int64_t below, std::size_t dim) {
  return below > 0 && dim < sample.dims.size() && sample.dims[dim] < below;
}

struct StepModel {
  std::vector<std::int64_t> steps;  ///< one per dimension; 1 = no quantization
  double overhead_s = 0.0;          ///< t0
  double flops_per_s = 0.0;         ///< P
  double bytes_per_s = 0.0;         ///< B
  /// t0 is paid per call (Sample::calls), as on a library's plain path that
  /// loops over groups; set on the model a slow path is fitted with.
  bool overhead_per_call = false;
  /// The runtime's threads, among which a kernel's work is split.
  int threads = 1;
  /// Blocks (steps of dimension 0) per item of work dealt out among the
  /// threads, for samples with rows (Sample::rows) on the fast path; 0: work
  /// split evenly.
  std::int64_t partition_blocks = 0;
  /// t_loop: the cost of each of a sample's inner loops (Sample::loops), on
  /// the fast path (slow_loop_s on the slow one).
  double loop_s = 0.0;
  /// t_gather: the cost of each element gathered (Sample::gathers) on a
  /// model of one path; 0 when the fit found no such cost, and on the fast
  /// path of two (a blocked kernel gathers nothing: slow_gather_s).
  double gather_s = 0.0;
  /// The span (bytes) whose multiples a row stride (Sample::row_stride_bytes)
  /// must be to alias, and the fraction of work such a kernel adds, on the
  /// fast path; 0: no aliasing.
  std::int64_t alias_bytes = 0;
  double alias_slowdown = 0.0;
  /// The work an output at a row's padded edge (Sample::edge_share) adds over
  /// one computed in a block, as a fraction, where a call holds one filter
  /// block (one_block_per_call); 0: none.
  double edge_slowdown = 0.0;
  /// The blocked kernel's filter block: dimension 0 no larger is one block per
  /// call (the fast path's alignment when it is on dimension 0); 0: none known.
  std::int64_t edge_block = 0;
  /// The bytes of the threads' private caches (C_private): a sample's bytes
  /// beyond them (its weights left out) stream at far_bytes_per_s, on the
  /// fast path; 0: no such term.
  double private_cache_bytes = 0.0;
  double far_bytes_per_s = 0.0;
  /// Or (instead of far_bytes_per_s) those bytes add a wait of their own on
  /// top of the roofline term, F / far_wait_bytes_per_s: an elementwise
  /// kernel's per-element work is not hidden behind its misses. One thread's
  /// Relu ran 88 GB/s within the private caches, 60 beyond them; an Add that
  /// broadcasts per channel (its work 35 GB/s's worth) lost as much time
  /// per byte beyond them as the Relu did. 0: no such wait.
  double far_wait_bytes_per_s = 0.0;
  /// Throughput per operator, for the operators of a class whose work per FLOP
  /// differs (an Erf costs far more per counted FLOP than an Add); an operator
  /// not listed takes flops_per_s.
  std::map<std::string, double> op_flops_per_s;
  /// Bandwidth per operator, for a class that only moves bytes (data
  /// movement: a nearest Resize moves far slower than a Concat); an operator
  /// not listed takes bytes_per_s.
  std::map<std::string, double> op_bytes_per_s;
  /// On several threads, the split of a large kernel among them (see above):
  /// t_split (s) and S; split_speedup ≤ 1: no split term.
  double split_s = 0.0;
  double split_speedup = 0.0;
  /// Operators the runtime runs on one thread at any size (no split).
  std::vector<std::string> serial_ops;

  /// Kernel libraries often have a fast path only for channel counts that are
  /// a multiple of a block (ONNX Runtime's NCHWc kernels: 4, 8 or 16) and fall
  /// back to a slow one otherwise. When `align` > 0, a kernel whose dimension
  /// `align_dim` is not a multiple of it takes the `slow_*` parameters.
  std::int64_t align = 0;
  std::size_t align_dim = 0;
  /// The slow path's own steps (a plain im2col + GEMM quantizes differently
  /// from a blocked kernel: ONNX Runtime's NCHWc convolution rounds its input
  /// channels up to the block, its GEMM fallback does not); empty: `steps`.
  std::vector<std::int64_t> slow_steps;
  double slow_overhead_s = 0.0;
  double slow_flops_per_s = 0.0;
  double slow_bytes_per_s = 0.0;
  /// t_gather on the slow path: ONNX Runtime's plain grouped convolution
  /// expands each group with im2col, its blocked (NCHWc) one does not.
  double slow_gather_s = 0.0;
  /// t_loop on the slow path: each row its im2col copies.
  double slow_loop_s = 0.0;

  /// A third path for small inputs (ONNX Runtime's NCHWc convolution reads an
  /// input of fewer channels than its block straight from NCHW: no reorder, and
  /// its input channels are not rounded up to the block). A kernel whose
  /// dimension `direct_dim` is below `direct_below` (> 0) takes the `direct_*`
  /// parameters, whatever its alignment. One thread's 7×7 stride-2 convolution
  /// of 3 channels into 64 at 224×224 ran 1.43 ms, its 3×3 into 32 0.18 ms: the
  /// slow path's rate (119 GFLOP/s, 4 channels for 3) predicted 2.02 and 0.13.
  std::int64_t direct_below = 0;
  std::size_t direct_dim = 0;
  std::vector<std::int64_t> direct_steps;
  double direct_overhead_s = 0.0;
  double direct_flops_per_s = 0.0;
  double direct_bytes_per_s = 0.0;

  bool takes_direct_path(const Sample& sample) const { return falls_below(sample, direct_below, direct_dim); }
  bool takes_slow_path(const Sample& sample) const {
    return !takes_direct_path(sample) && misses_alignment(sample, align, align_dim);
  }
  /// The fast path: neither the direct nor the slow one. The terms beyond t0, P
  /// and B (loops, partitions, aliasing, padded edges, far bytes) apply on it.
  bool on_fast_path(const Sample& sample) const { return !takes_direct_path(sample) && !takes_slow_path(sample); }

  /// The slow path's steps: its own, or the fast path's when it has none.
  const std::vector<std::int64_t>& slow_path_steps() const { return slow_steps.empty() ? steps : slow_steps; }
  /// The steps of the sample's path.
  const std::vector<std::int64_t>& steps_for(const Sample& sample) const {
    return takes_direct_path(sample) ? direct_steps : takes_slow_path(sample) ? slow_path_steps() : steps;
  }
  /// P on the sample's path (on the fast path, its operator's).
  double path_flops_per_s(const Sample& sample) const;
  /// Whether a call of the blocked kernel holds one filter block for `sample`:
  /// on the fast path, dimension 0 no larger than edge_block.
  bool one_block_per_call(const Sample& sample) const;
  /// Whether `sample`'s rows alias (their stride a multiple of alias_bytes), on the fast path.
  bool aliases(const Sample& sample) const;
  /// Work on the dimensions quantized by the steps of the sample's path, scaled
  /// by the imbalance of its split among the threads (partition_imbalance), by
  /// 1 + alias_slowdown where its rows alias and by 1 + edge_slowdown × its
  /// edge share where a call holds one filter block (one_block_per_call).
  double work(const Sample& sample) const;
  /// threads × the most loaded thread's share of the blocks·rows, over all of
  /// them: 1 for an even split, one thread, or a sample without rows.
  double partition_imbalance(const Sample& sample) const;
  /// The time beside the roofline term, on the sample's path: t0 (per call
  /// where paid per call) and the costs per loop and per gathered element.
  double overhead_s_for(const Sample& sample) const;
  /// B for an operator on the fast path.
  double bytes_per_s_for(const std::string& op) const {
    const auto it = op_bytes_per_s.find(op);
    return it != op_bytes_per_s.end() ? it->second : bytes_per_s;
  }
  /// P for an operator on the fast path.
  double flops_per_s_for(const std::string& op) const {
    const auto it = op_flops_per_s.find(op);
    return it != op_flops_per_s.end() ? it->second : flops_per_s;
  }
  /// The bytes of `sample` beyond the private caches (F), on the fast path;
  /// 0 without the term. Its weights are left out: a 197 × 3072 · 3072 × 768
  /// MatMul (9.4 MB of weights) ran 157 GFLOP/s, a 3136 × 96 · 96 × 384 one
  /// (6.2 MB of rows in and out) 115 on one thread.
  double far_bytes(const Sample& sample) const;
  /// Of `dram_bytes` a network's kernel fetches from DRAM, those among its
  /// far bytes: the weights come first, and are not among them.
  static double far_dram_bytes(const Sample& sample, double dram_bytes);
  /// The wait for the bytes beyond the private caches, less `dram_bytes`
  /// (priced apart), where the model prices them as a wait (far_wait_bytes_per_s); else 0.
  double far_wait_s(const Sample& sample, double dram_bytes = 0.0) const;
  /// The memory term on the sample's path, of its bytes less `dram_bytes`
  /// (those a network's kernel fetches from DRAM, priced apart): the bytes
  /// within the private caches at B (or the operator's), those beyond at B_far.
  double memory_time_s(const Sample& sample, double dram_bytes = 0.0) const;
  /// Whether the split term applies to `sample`: on several threads, on the
  /// fast path, for an operator not among serial_ops.
  bool splits(const Sample& sample) const;
  /// A roofline term of `one_thread_s` on one thread, as the sample runs it:
  /// min(one_thread_s, t_split + one_thread_s / S) where it splits, else as it is.
  double split_time_s(const Sample& sample, double one_thread_s) const;
  double predict_s(const Sample& sample) const;
};

}  // namespace roofcast::roofline
