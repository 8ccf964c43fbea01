#pragma once

#include <cstddef>
#include <ostream>
#include <string>

#include "roofcast/common/context.hpp"
#include "roofcast/graph/cost.hpp"
#include "roofcast/graph/layer_graph.hpp"

namespace roofcast::report {

struct AnalysisTableOptions {
  std::size_t top = 0;  ///< show only the N layers with the most FLOPs (0 = every layer, in order)
};

/// The console table: model header, one row per layer, a breakdown by op
/// type, and the totals.
void write_analysis_table(std::ostream& out, const graph::Graph& graph,
                          const graph::GraphCost& cost, const AnalysisTableOptions& options);

/// Self-describing JSON (context block, model, totals, layers), pretty-printed.
std::string analysis_json(const graph::Graph& graph, const graph::GraphCost& cost,
                          const RunContext& context);

/// CSV, one row per layer, preceded by "# key: value" context lines.
void write_analysis_csv(std::ostream& out, const graph::Graph& graph,
                        const graph::GraphCost& cost, const RunContext& context);

}  // namespace roofcast::report
