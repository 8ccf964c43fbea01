#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "roofcast/common/context.hpp"
#include "roofcast/graph/layer_graph.hpp"
#include "roofcast/roofline/predict.hpp"
#include "roofcast/roofline/profile.hpp"

namespace roofcast::report {

struct PredictionTableOptions {
  std::size_t top = 15;  ///< kernels shown, by predicted time (0 = all, in execution order)
};

/// Console report: the heaviest kernels, then the network's EDLAB figures.
void write_prediction_table(std::ostream& out, const graph::Graph& graph,
                            const roofline::DeviceProfile& profile,
                            const roofline::Prediction& prediction,
                            const PredictionTableOptions& options);

/// Self-describing JSON: context, model, device, every kernel, network.
std::string prediction_json(const graph::Graph& graph, const roofline::DeviceProfile& profile,
                            const roofline::Prediction& prediction, const RunContext& context);

/// CSV, one row per kernel, after "# key: value" context lines.
void write_prediction_csv(std::ostream& out, const graph::Graph& graph,
                          const roofline::DeviceProfile& profile,
                          const roofline::Prediction& prediction, const RunContext& context);

/// One row of `roofcast compare`.
struct CompareRow {
  std::string model;
  std::string device;
  std::string precision;
  roofline::NetworkEstimate network;
};

/// EDLAB's table side by side: latency, throughput, FLOP/s, power, efficiency.
void write_compare_table(std::ostream& out, const std::vector<CompareRow>& rows);
void write_compare_csv(std::ostream& out, const std::vector<CompareRow>& rows,
                       const RunContext& context);

}  // namespace roofcast::report
