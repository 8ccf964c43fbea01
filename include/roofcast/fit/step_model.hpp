#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace roofcast::fit {

// Blackthorn's kernel latency model (DESIGN.md, "The model"):
//
//   t = t0 + max( W(q) / P , Q / B )
//
// W(q) is the work on quantized dimensions: W = work_factor × Π ceil(d_i / q_i) · q_i,
// each dimension d_i rounded up to the step q_i the kernel library really
// processes (vector width, channel block, tile). Between steps latency is
// linear in the work; at a step it jumps. Q is the bytes moved, t0 the fixed
// overhead, P and B the effective throughput and bandwidth.

/// One measured kernel of a class.
struct Sample {
  std::vector<std::int64_t> dims;  ///< the quantizable dimensions, in the class's order
  double work_factor = 0.0;        ///< FLOPs per unit of Π dims (the other factors)
  double bytes = 0.0;              ///< bytes moved
  double time_s = 0.0;             ///< measured median
};

struct StepModel {
  std::vector<std::int64_t> steps;  ///< one per dimension; 1 = no quantization
  double overhead_s = 0.0;          ///< t0
  double flops_per_s = 0.0;         ///< P
  double bytes_per_s = 0.0;         ///< B

  /// Work on quantized dimensions.
  double work(const Sample& sample) const;
  double predict_s(const Sample& sample) const;
};

struct FitOptions {
  /// Candidate steps per dimension (the same list for each); the best
  /// combination by held-out error is chosen.
  std::vector<std::int64_t> candidate_steps = {1, 2, 4, 8, 16, 32};
  int folds = 4;               ///< k-fold cross-validation for model selection
  std::size_t min_points = 6;  ///< fewer is an error
};

struct FitResult {
  StepModel model;
  std::size_t points = 0;
  double rmspe_percent = 0.0;          ///< on every point, after refitting on all of them
  double heldout_rmspe_percent = 0.0;  ///< cross-validated, for the chosen steps
  std::vector<double> relative_residuals;  ///< (predicted − measured) / measured per point
};

/// Fits t0, P, B for fixed steps by nonlinear least squares on relative
/// errors (GSL's multifit_nlinear, Levenberg–Marquardt; parameters on a log
/// scale so they stay positive). Pure: same samples, same result.
StepModel fit_fixed_steps(const std::vector<Sample>& samples, const std::vector<std::int64_t>& steps);

/// Chooses the steps by cross-validated error among `options.candidate_steps`
/// for every dimension, then fits on all samples. FitError for too few points,
/// inconsistent samples, or samples that cannot separate the parameters
/// (every point with the same work and bytes).
FitResult fit_step_model(const std::vector<Sample>& samples, const FitOptions& options = {});

/// RMSPE (%) of `model` on `samples`.
double rmspe_percent(const StepModel& model, const std::vector<Sample>& samples);

}  // namespace roofcast::fit
