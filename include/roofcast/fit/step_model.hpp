#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "roofcast/roofline/kernel_model.hpp"

namespace roofcast::fit {

using roofline::Sample;
using roofline::StepModel;

/// The rate a fit reports for a term its points never exercise (1e18 per second).
inline constexpr double kUnusedRate = 1e18;

/// Physically plausible ranges for the fitted throughput and bandwidth (the
/// device's measured ceilings): keeps a fit on few or one-sided points from
/// trading an absurd rate against the overhead.
struct RateBounds {
  double min_flops_per_s = 1e3;
  double max_flops_per_s = 1e18;
  double min_bytes_per_s = 1e3;
  double max_bytes_per_s = 1e18;
  /// The bytes beyond the private caches come, at worst, from DRAM: their
  /// bandwidth (StepModel::far_bytes_per_s) is no lower than its ceiling.
  double min_far_bytes_per_s = 1e3;
};

struct FitOptions {
  /// Candidate steps per dimension (the same list for each); the best
  /// combination by held-out error is chosen.
  std::vector<std::int64_t> candidate_steps = {1, 2, 4, 8, 16, 32};
  /// Candidate blocks for a slow path of unaligned first dimensions (see StepModel::align).
  std::vector<std::int64_t> candidate_alignments = {4, 8, 16};
  int folds = 4;               ///< k-fold cross-validation for model selection
  /// The cross-validation is repeated with this many fold assignments (the
  /// first i mod k, the others fixed shuffles) and their errors pooled, so
  /// that a form's choice does not hang on how a few points fall into folds.
  int repeats = 3;
  std::size_t min_points = 6;  ///< fewer is an error
  /// An operator with at least this many points may take a throughput of its own.
  std::size_t min_op_points = 3;
  /// The runtime's threads: above 1, each of `candidate_partitions` (blocks
  /// per item of work dealt out among them) is tried for points with rows.
  int threads = 1;
  std::vector<std::int64_t> candidate_partitions = {1, 2, 4, 8};
  /// Candidate spans (bytes) whose multiples a row stride must be to alias
  /// (StepModel::alias_bytes): set spans of L1 caches, size over ways.
  std::vector<std::int64_t> candidate_alias_bytes = {1024, 2048, 4096, 8192};
  /// The bytes of the threads' private caches (L2 per core × threads): with
  /// points beyond them, a bandwidth of their own for the bytes beyond
  /// (StepModel::far_bytes_per_s) is tried; 0: never.
  double private_cache_bytes = 0.0;
  /// Multiples of private_cache_bytes tried as the bytes a kernel holds before
  /// it spills (StepModel::private_cache_bytes); the best by held-out error.
  std::vector<double> candidate_private_cache_multiples = {1.0, 2.0, 4.0};
  /// A direct path (StepModel::direct_below) for the points whose dimension
  /// `direct_dim` is below `direct_below` (the runtime's rule, not fitted; 0:
  /// none): fitted apart on them, with their own t0, P and B, when there are
  /// `min_direct_points` of them; with fewer they stay with the others.
  std::int64_t direct_below = 0;
  std::size_t direct_dim = 0;
  std::size_t min_direct_points = 4;
  RateBounds bounds;
};

struct FitResult {
  StepModel model;
  std::size_t points = 0;
  double rmspe_percent = 0.0;          ///< on every point, after refitting on all of them
  double heldout_rmspe_percent = 0.0;  ///< cross-validated, for the chosen steps
  std::vector<double> relative_residuals;  ///< (predicted − measured) / measured per point
};

/// The terms a form may add beyond t0, P and B: on a model of one path all of them; of two, the
/// rates on the fast path, the gathers on the slow one, and the loops on both (an im2col's rows, of
/// points that gather, on the slow one only).
struct Terms {
  std::vector<std::string> ops;  ///< operators with a throughput of their own (the others take P)
  bool loop_term = false;        ///< a cost per inner loop (Sample::loops)
  bool gather_term = false;      ///< a cost per gathered element (Sample::gathers)
  /// The runtime's threads and the blocks per item of work it deals out among
  /// them (StepModel::partition_blocks; 0: an even split), on the fast path.
  int threads = 1;
  std::int64_t partition_blocks = 0;
  /// A slowdown of the points whose rows alias at this span (StepModel::alias_bytes; 0: none), on the fast path.
  std::int64_t alias_bytes = 0;
  /// A bandwidth for the bytes beyond this many (StepModel::private_cache_bytes; 0: none), on the fast path.
  double private_cache_bytes = 0.0;
  /// Those bytes priced as a wait on top of the roofline term (StepModel::far_wait_bytes_per_s), not a bandwidth.
  bool far_wait = false;
  /// A slowdown of the outputs at a row's padded edges (StepModel::edge_slowdown), on the fast path
  /// of a form whose block is on dimension 0 (edge_block, set from the form).
  bool edge_term = false;
  std::int64_t edge_block = 0;
  /// On several threads (`threads`), a kernel split among them where that is faster
  /// (StepModel::split_s, split_speedup), on the fast path, but for `serial_ops`.
  bool split_term = false;
  std::vector<std::string> serial_ops;
};

/// Fits t0 (per Sample::calls when `overhead_per_call`), P, B and `terms` (a
/// P for each operator with points enough, t_loop with two points of several
/// loops, t_gather with two points that gather, an alias slowdown with two
/// points that alias and two that do not) for fixed steps by
/// nonlinear least squares on relative errors (GSL's multifit_nlinear,
/// Levenberg–Marquardt; parameters on a log scale so they stay positive).
/// Pure: same samples, same result.
StepModel fit_fixed_steps(const std::vector<Sample>& samples, const std::vector<std::int64_t>& steps,
                          const RateBounds& bounds = {}, const Terms& terms = {}, bool overhead_per_call = false);

/// Chooses the steps by cross-validated error among `options.candidate_steps`
/// for every dimension, then whether a slow path for kernels whose dimension d
/// is not a multiple of a block (a second set of parameters and its own steps;
/// every d and `candidate_alignments` tried) predicts held-out points clearly
/// better, then (for a class of several operators) whether a throughput per
/// operator does, then (for points some of which loop per channel) whether a
/// cost per loop does, then (for points some of which gather elements one at a
/// time) whether a cost per element does (on the slow path of two), then (on
/// several threads) whether a split among them where that is faster does, and
/// then, operator by operator, whether one the runtime never splits does
/// (judged on its points), then (on
/// several threads, for points whose work is split by rows) whether items of a
/// few blocks do, then (for points whose rows lie a multiple of a span apart,
/// every span of `candidate_alias_bytes` tried) whether a slowdown of theirs
/// does, then (for points with outputs at a row's padded edges) whether a
/// slowdown of those outputs does, then fits on all samples. With a direct path
/// (options.direct_below), its points are fitted apart first (their steps: the
/// fast path's on dimension 0, none on the others) and their held-out errors
/// (each left out in turn) pooled with the others'. FitError for too few points,
/// inconsistent samples, or samples that cannot separate the parameters
/// (every point with the same work and bytes).
FitResult fit_step_model(const std::vector<Sample>& samples, const FitOptions& options = {});

/// RMSPE (%) of `model` on `samples`.
double rmspe_percent(const StepModel& model, const std::vector<Sample>& samples);

/// Whether every parameter of `model` is a finite number ≥ 0 and its rates
/// (the slow path's where it has one) > 0: a solve that diverged leaves an
/// infinite or NaN one, which no profile can hold.
bool has_finite_parameters(const StepModel& model);

}  // namespace roofcast::fit
