#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "roofcast/common/context.hpp"
#include "roofcast/graph/layer_graph.hpp"
#include "roofcast/graph/node_list.hpp"
#include "roofcast/measure/power.hpp"
#include "roofcast/measure/protocol.hpp"
#include "roofcast/measure/runner.hpp"

namespace roofcast::measure {

/// One kernel as the runtime executed it, timed over the profiled runs.
struct KernelTiming {
  std::string node_name;  ///< the runtime's name for it
  std::string op_name;    ///< the runtime's op (FusedConv, ReorderInput …)
  std::string provider;
  std::vector<double> samples_s;  ///< one per profiled run
  SampleStats stats;
  /// The layers of the roofcast graph it executes (indices into Graph::layers);
  /// empty when unmapped. Layout reorders are attributed to the layer they feed.
  std::vector<std::size_t> layers;
  /// How it was mapped: "tensors" (the layers between its inputs and outputs in
  /// the runtime's optimized graph), "name" (a layer of the same name),
  /// "inserted:consumer" / "inserted:producer" (a node the runtime added, such
  /// as a layout reorder, attributed to the kernel it feeds or drains), or "unmapped".
  std::string mapping;
};

struct MeasureOptions {
  SessionOptions session;
  MeasurementPolicy policy;
  bool per_kernel = true;           ///< also run a profiled session for per-kernel times
  std::filesystem::path work_dir;   ///< where profiler traces go
  std::filesystem::path sysfs_root = "/sys";
  std::function<void(const std::string&)> progress;  ///< status lines; may be empty
};

/// A model measured under the protocol (DESIGN.md): network latency from an
/// unprofiled session (measured again while too wide or the machine too busy),
/// per-kernel times from a separate profiled session.
struct ModelMeasurement {
  std::string model;           ///< the model as the user named it
  std::string model_hash;      ///< fnv1a64 of that file
  RunnerInfo runner;
  SessionOptions session;
  MeasurementPolicy policy;
  std::vector<double> samples_s;
  SampleStats network;
  MeasurementState state = MeasurementState::kOk;
  std::string reason;          ///< why it is unstable or failed
  int attempts = 0;
  double other_cpu_share = 0.0;  ///< during the accepted (or last) attempt
  PowerReading power;
  std::string governor;        ///< cpufreq scaling governor, or "unknown"
  // Profiled session.
  std::optional<SampleStats> profiled;  ///< latency with the profiler on
  std::vector<KernelTiming> kernels;     ///< in execution order
  double kernel_sum_median_s = 0.0;      ///< Σ per-kernel medians
};

/// A layout reorder the runtime inserted (ReorderInput, ReorderOutput): a
/// kernel of its own, left out of a single kernel's time as calibration
/// measures it.
bool is_layout_reorder(const KernelTiming& kernel);

/// The graph's inputs as the runner should feed them.
std::vector<InputSpec> input_specs(const graph::Graph& graph);

/// A profiled session alone: per-kernel times, mapped to layers, and the
/// (profiled) latency.
struct KernelProfile {
  SampleStats latency;
  std::vector<KernelTiming> kernels;
};
KernelProfile profile_kernels(Runner& runner, const graph::Graph& graph,
                              const std::filesystem::path& runnable_model, const MeasureOptions& options);

/// Measures `runnable_model` (the model with weights) whose graph is `graph`.
ModelMeasurement measure_model(Runner& runner, const graph::Graph& graph,
                               const std::filesystem::path& runnable_model, const MeasureOptions& options);

/// Maps the runtime's kernels (in execution order) to the graph's layers
/// (KernelTiming::layers and ::mapping) through the runtime's optimized graph
/// `optimized` (may be empty: then by names only); see runners/onnxruntime/MAPPING.md.
void map_kernels_to_layers(const graph::Graph& graph, const std::vector<graph::NodeRecord>& optimized,
                           std::vector<KernelTiming>& kernels);

/// Self-describing JSON of a measurement (schema_version 1, kind roofcast.measurement).
std::string measurement_json(const ModelMeasurement& m, const graph::Graph& graph, const RunContext& context);

/// Reads back what measurement_json wrote, for `graph` (RunnerError naming
/// `source` when it is not such a file, or does not fit the graph).
ModelMeasurement parse_measurement_json(const std::string& text, const std::string& source,
                                        const graph::Graph& graph);

/// "performance", "powersave" … from cpufreq, or "unknown".
std::string cpu_governor(const std::filesystem::path& sysfs_root = "/sys");

}  // namespace roofcast::measure
