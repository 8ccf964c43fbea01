#pragma once

#include <memory>

#include "measure.hpp"
#include "roofcast/graph/layer_graph.hpp"
#include "roofcast/measure/measurement.hpp"
#include "roofcast/measure/runner.hpp"

namespace roofcast::cli {

/// Starts the runner the flags name.
std::unique_ptr<measure::Runner> start_runner(const RunnerFlags& flags);

/// Writes a runnable copy of the graph's model (random weights where it has
/// none) to a private temp directory, measures it, and removes the copy.
measure::ModelMeasurement measure_loaded_model(measure::Runner& runner, const graph::Graph& graph,
                                               const RunnerFlags& flags, bool per_kernel);

}  // namespace roofcast::cli
