#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "roofcast/graph/layer_graph.hpp"
#include "roofcast/measure/measurement.hpp"
#include "roofcast/roofline/predict.hpp"

namespace roofcast::validate {

/// Error statistics of predictions against measurements (DESIGN.md,
/// "Metrics"), always relative to the measured value.
struct ErrorMetrics {
  std::size_t count = 0;
  double rmspe = 0.0;          ///< %, sqrt(mean(((p − m) / m)²))
  double mape = 0.0;           ///< %, mean(|p − m| / m)
  double within_5 = 0.0;       ///< share with |p − m| / m ≤ 5 %
  double within_10 = 0.0;      ///< share with |p − m| / m ≤ 10 %
  double max_abs_error = 0.0;  ///< %, the largest |p − m| / m
};

/// Metrics of (predicted, measured) pairs; pairs with measured ≤ 0 are skipped.
ErrorMetrics error_metrics(const std::vector<std::pair<double, double>>& predicted_measured);

/// Spearman's rank correlation (ties get their mean rank); nullopt for fewer
/// than 3 pairs or a constant series.
std::optional<double> spearman(const std::vector<double>& a, const std::vector<double>& b);

/// A runtime kernel's measured time: the interquartile mean of its per-run
/// samples, the statistic calibration fits to. The profiler counts whole
/// microseconds, so a median of a 5 µs kernel is 5 or 6 µs, ±10 %; the mean
/// of the middle half resolves it. A measurement saved without its samples
/// falls back to the median.
double measured_kernel_s(const measure::KernelTiming& kernel);

/// The smallest set of roofcast kernels and measured runtime kernels that
/// cover the same layers: usually one of each; several when the runtime fused
/// what the profile's rules keep apart, or the other way round.
struct KernelComparison {
  std::string name;          ///< the first roofcast kernel's name (or the runtime kernel's)
  std::string ops;           ///< roofcast's ops, "+"-joined across its kernels
  std::string kernel_class;  ///< the class of the roofcast kernel with the most predicted time
  std::string runtime_ops;   ///< the runtime's ops, "+"-joined
  std::vector<std::size_t> predicted_kernels;  ///< indices into Prediction::kernels
  std::vector<std::size_t> measured_kernels;   ///< indices into ModelMeasurement::kernels
  double predicted_s = 0.0;
  double measured_s = 0.0;   ///< Σ medians of the runtime kernels
  double uncertainty = 0.0;  ///< relative band of predicted_s (0: pure roofline, no band)
  double error() const { return measured_s > 0.0 ? (predicted_s - measured_s) / measured_s : 0.0; }
};

struct NetworkComparison {
  std::string model;
  double predicted_s = 0.0;
  double measured_s = 0.0;        ///< the unprofiled network median
  double measured_p10_s = 0.0;
  double measured_p90_s = 0.0;
  double uncertainty = 0.0;       ///< the prediction's relative band (0: none)
  std::string state;              ///< the measurement's state
  std::vector<KernelComparison> kernels;
  double unmodelled_measured_s = 0.0;  ///< runtime kernels no roofcast kernel covers
  std::size_t unmeasured_predicted = 0;  ///< roofcast kernels the runtime did not run (folded away)
  double unmeasured_predicted_s = 0.0;
  /// Every runtime kernel's profiled time, summed (compared and unmodelled).
  double profiled_kernels_s = 0.0;
  double error() const { return measured_s > 0.0 ? (predicted_s - measured_s) / measured_s : 0.0; }
  /// The profiled kernels' sum over the unprofiled latency (0 without one):
  /// above 1, profiling slowed the kernels themselves, and each kernel's error
  /// is against a time longer than it takes unprofiled (at 2 threads up to
  /// 1.34 on this project's machine, MobileNetV3-Small; about 1 at 1 thread).
  double profiled_share() const { return measured_s > 0.0 ? profiled_kernels_s / measured_s : 0.0; }
};

/// Of a group's roofcast kernels, the one with the most predicted time (the
/// first on a tie): its class is the group's, its micro-model stands for it.
std::size_t longest_predicted_kernel(const KernelComparison& group, const roofline::Prediction& prediction);

/// Pairs a prediction with a measurement of the same model.
NetworkComparison compare(const graph::Graph& graph, const roofline::Prediction& prediction,
                          const measure::ModelMeasurement& measurement);

struct ValidationSummary {
  ErrorMetrics kernel;                 ///< every kernel comparison of every network, pooled
  ErrorMetrics network;
  std::optional<double> spearman_rho;  ///< across networks, predicted vs measured latency
  double kernel_time_share = 0.0;      ///< measured time in compared kernels / Σ profiled kernel time
  /// The least and most of the networks' NetworkComparison::profiled_share (0 without networks).
  double least_profiled_share = 0.0;
  double most_profiled_share = 0.0;
  /// Share of kernels / networks whose measured time fell inside the predicted
  /// ± band (nullopt when the profile gives no bands).
  std::optional<double> kernel_band_coverage;
  std::optional<double> network_band_coverage;
};

ValidationSummary summarize(const std::vector<NetworkComparison>& networks);

/// Of a model measured in rounds, the round to compare with: the median one
/// by network median (the lower of the middle two for an even count, so of
/// two rounds the faster), among the stable rounds when there are any. The
/// median, as calibration fits each point's median: a prediction fitted to
/// typical kernel times is checked against a typical network time, and of
/// three rounds one slowed by another tenant (at 2 threads a whole model ran
/// 1.6× slower for over a minute) does not move it. `rounds` must not be empty.
const measure::ModelMeasurement& median_round(const std::vector<measure::ModelMeasurement>& rounds);

}  // namespace roofcast::validate
