#include "roofcast/validate/validation.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "roofcast/common/error.hpp"
#include "roofcast/measure/protocol.hpp"

namespace roofcast::validate {

ErrorMetrics error_metrics(const std::vector<std::pair<double, double>>& predicted_measured) {
  ErrorMetrics m;
  double squares = 0.0;
  double absolutes = 0.0;
  std::size_t within_5 = 0;
  std::size_t within_10 = 0;
  for (const auto& [predicted, measured] : predicted_measured) {
    if (!(measured > 0.0)) {
      continue;
    }
    const double error = (predicted - measured) / measured;
    const double magnitude = std::fabs(error);
    squares += error * error;
    absolutes += magnitude;
    within_5 += magnitude <= 0.05 + 1e-12 ? 1 : 0;  // tolerate rounding at the boundary
    within_10 += magnitude <= 0.10 + 1e-12 ? 1 : 0;
    m.max_abs_error = std::max(m.max_abs_error, 100.0 * magnitude);
    m.count += 1;
  }
  if (m.count > 0) {
    const auto n = static_cast<double>(m.count);
    m.rmspe = 100.0 * std::sqrt(squares / n);
    m.mape = 100.0 * absolutes / n;
    m.within_5 = static_cast<double>(within_5) / n;
    m.within_10 = static_cast<double>(within_10) / n;
  }
  return m;
}

std::size_t longest_predicted_kernel(const KernelComparison& group, const roofline::Prediction& prediction) {
  return *std::max_element(group.predicted_kernels.begin(), group.predicted_kernels.end(),
                           [&prediction](std::size_t a, std::size_t b) {
                             return prediction.estimates[a].time_s < prediction.estimates[b].time_s;
                           });
}

double measured_kernel_s(const measure::KernelTiming& kernel) {
  return kernel.samples_s.empty() ? kernel.stats.median_s : measure::interquartile_mean(kernel.samples_s);
}

namespace {

std::vector<double> ranks(const std::vector<double>& values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> result(values.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) {
      ++j;
    }
    const double mean_rank = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (std::size_t k = i; k <= j; ++k) {
      result[order[k]] = mean_rank;
    }
    i = j + 1;
  }
  return result;
}

/// Union-find over roofcast kernels [0, p) and runtime kernels [p, p + m).
struct Groups {
  std::vector<std::size_t> parent;
  explicit Groups(std::size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  std::size_t find(std::size_t x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  }
  void join(std::size_t a, std::size_t b) { parent[find(a)] = find(b); }
};

}  // namespace

std::optional<double> spearman(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size() || a.size() < 3) {
    return std::nullopt;
  }
  const auto ra = ranks(a);
  const auto rb = ranks(b);
  const double n = static_cast<double>(a.size());
  const double mean = (n + 1.0) / 2.0;
  double covariance = 0.0;
  double va = 0.0;
  double vb = 0.0;
  for (std::size_t i = 0; i < ra.size(); ++i) {
    covariance += (ra[i] - mean) * (rb[i] - mean);
    va += (ra[i] - mean) * (ra[i] - mean);
    vb += (rb[i] - mean) * (rb[i] - mean);
  }
  if (va <= 0.0 || vb <= 0.0) {
    return std::nullopt;
  }
  return covariance / std::sqrt(va * vb);
}

NetworkComparison compare(const graph::Graph& graph, const roofline::Prediction& prediction,
                          const measure::ModelMeasurement& measurement) {
  NetworkComparison result;
  result.model = measurement.model;
  result.predicted_s = prediction.network.latency_s;
  result.measured_s = measurement.network.median_s;
  result.measured_p10_s = measurement.network.p10_s;
  result.measured_p90_s = measurement.network.p90_s;
  result.state = std::string(measure::state_name(measurement.state));
  result.uncertainty = prediction.network.uncertainty;

  const std::size_t predicted_count = prediction.kernels.size();
  const std::size_t measured_count = measurement.kernels.size();
  std::vector<std::ptrdiff_t> kernel_of_layer(graph.layers.size(), -1);
  for (std::size_t k = 0; k < predicted_count; ++k) {
    for (const auto* layers : {&prediction.kernels[k].layers, &prediction.kernels[k].operand_layers}) {
      for (const auto layer : *layers) {
        kernel_of_layer[layer] = static_cast<std::ptrdiff_t>(k);
      }
    }
  }
  // A layer roofcast runs as no kernel (a view, a folded constant) belongs to
  // the kernel that produced its data input.
  std::map<graph::TensorId, std::size_t> producer;
  for (std::size_t i = 0; i < graph.layers.size(); ++i) {
    for (const auto id : graph.layers[i].outputs) {
      producer.emplace(id, i);
    }
  }
  const auto covering_kernel = [&](std::size_t layer) -> std::ptrdiff_t {
    for (int hops = 0; hops < 64; ++hops) {
      if (kernel_of_layer[layer] >= 0) {
        return kernel_of_layer[layer];
      }
      const auto& inputs = graph.layers[layer].inputs;
      if (inputs.empty() || inputs[0] == graph::kNoTensor) {
        return -1;
      }
      const auto it = producer.find(inputs[0]);
      if (it == producer.end()) {
        return -1;
      }
      layer = it->second;
    }
    return -1;
  };

  Groups groups(predicted_count + measured_count);
  std::vector<bool> measured_linked(measured_count, false);
  for (std::size_t j = 0; j < measured_count; ++j) {
    for (const auto layer : measurement.kernels[j].layers) {
      const auto k = covering_kernel(layer);
      if (k >= 0) {
        groups.join(predicted_count + j, static_cast<std::size_t>(k));
        measured_linked[j] = true;
      }
    }
  }
  std::map<std::size_t, KernelComparison> by_root;
  std::vector<std::size_t> root_order;
  for (std::size_t k = 0; k < predicted_count; ++k) {
    const std::size_t root = groups.find(k);
    auto [it, inserted] = by_root.emplace(root, KernelComparison{});
    if (inserted) {
      root_order.push_back(root);
    }
    auto& c = it->second;
    const auto& kernel = prediction.kernels[k];
    if (c.predicted_kernels.empty()) {
      c.name = kernel.name;
    }
    c.ops += (c.ops.empty() ? "" : "+") + kernel.ops;
    c.predicted_kernels.push_back(k);
    c.predicted_s += prediction.estimates[k].time_s;
    const double band_s = prediction.estimates[k].time_s * prediction.estimates[k].uncertainty;
    c.uncertainty += band_s * band_s;  // a variance until the end
  }
  for (auto& [root, c] : by_root) {
    c.uncertainty = c.predicted_s > 0.0 ? std::sqrt(c.uncertainty) / c.predicted_s : 0.0;
    // A group of several kernels (the runtime fused a Transpose into the
    // MatMul after it) is of the class of the kernel that holds most of its
    // predicted time, the first on a tie: a FusedMatMul is a GEMM, not a copy.
    c.kernel_class = std::string(
        roofline::kernel_class_name(prediction.kernels[longest_predicted_kernel(c, prediction)].kernel_class));
  }
  for (std::size_t j = 0; j < measured_count; ++j) {
    const auto& kernel = measurement.kernels[j];
    const double kernel_s = measured_kernel_s(kernel);
    result.profiled_kernels_s += kernel_s;
    if (!measured_linked[j]) {
      result.unmodelled_measured_s += kernel_s;
      continue;
    }
    auto& c = by_root.at(groups.find(predicted_count + j));
    c.runtime_ops += (c.runtime_ops.empty() ? "" : "+") + kernel.op_name;
    c.measured_kernels.push_back(j);
    c.measured_s += kernel_s;
  }
  for (const auto root : root_order) {
    auto& c = by_root.at(root);
    if (c.measured_kernels.empty()) {
      result.unmeasured_predicted += c.predicted_kernels.size();
      result.unmeasured_predicted_s += c.predicted_s;
      continue;
    }
    result.kernels.push_back(std::move(c));
  }
  return result;
}

ValidationSummary summarize(const std::vector<NetworkComparison>& networks) {
  ValidationSummary summary;
  std::vector<std::pair<double, double>> kernel_pairs;
  std::vector<std::pair<double, double>> network_pairs;
  std::vector<double> predicted;
  std::vector<double> measured;
  double compared_s = 0.0;
  double all_s = 0.0;
  for (const auto& n : networks) {
    network_pairs.emplace_back(n.predicted_s, n.measured_s);
    predicted.push_back(n.predicted_s);
    measured.push_back(n.measured_s);
    for (const auto& k : n.kernels) {
      kernel_pairs.emplace_back(k.predicted_s, k.measured_s);
      compared_s += k.measured_s;
    }
    all_s += n.unmodelled_measured_s;
  }
  all_s += compared_s;
  summary.kernel = error_metrics(kernel_pairs);
  summary.network = error_metrics(network_pairs);
  summary.spearman_rho = spearman(predicted, measured);
  summary.kernel_time_share = all_s > 0.0 ? compared_s / all_s : 0.0;
  for (std::size_t i = 0; i < networks.size(); ++i) {
    const double share = networks[i].profiled_share();
    summary.least_profiled_share = i == 0 ? share : std::min(summary.least_profiled_share, share);
    summary.most_profiled_share = i == 0 ? share : std::max(summary.most_profiled_share, share);
  }
  // Inside the band: |predicted − measured| ≤ band × predicted.
  std::size_t kernels_banded = 0, kernels_inside = 0, networks_banded = 0, networks_inside = 0;
  for (const auto& n : networks) {
    if (n.uncertainty > 0.0) {
      ++networks_banded;
      networks_inside += std::fabs(n.predicted_s - n.measured_s) <= n.uncertainty * n.predicted_s ? 1 : 0;
    }
    for (const auto& k : n.kernels) {
      if (k.uncertainty > 0.0) {
        ++kernels_banded;
        kernels_inside += std::fabs(k.predicted_s - k.measured_s) <= k.uncertainty * k.predicted_s ? 1 : 0;
      }
    }
  }
  if (kernels_banded > 0) {
    summary.kernel_band_coverage = static_cast<double>(kernels_inside) / static_cast<double>(kernels_banded);
  }
  if (networks_banded > 0) {
    summary.network_band_coverage = static_cast<double>(networks_inside) / static_cast<double>(networks_banded);
  }
  return summary;
}

const measure::ModelMeasurement& median_round(const std::vector<measure::ModelMeasurement>& rounds) {
  if (rounds.empty()) {
    throw UsageError("median_round: no rounds measured");
  }
  std::vector<const measure::ModelMeasurement*> candidates;
  for (const auto& round : rounds) {
    if (round.state == measure::MeasurementState::kOk) {
      candidates.push_back(&round);
    }
  }
  if (candidates.empty()) {
    for (const auto& round : rounds) {
      candidates.push_back(&round);
    }
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const auto* a, const auto* b) { return a->network.median_s < b->network.median_s; });
  return *candidates[(candidates.size() - 1) / 2];
}

}  // namespace roofcast::validate
