#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "roofcast/graph/layer_graph.hpp"
#include "roofcast/measure/measurement.hpp"
#include "roofcast/measure/runner.hpp"
#include "roofcast/roofline/lower.hpp"

// Micro-models as `calibrate` measures its points and `isolate` measures a
// network's kernels alone: written, lowered by the runtime's own fusions, and
// their one kernel timed per run.
namespace roofcast::cli {

/// A micro-model lowered: its graph and the one kernel of its own it lowers
/// to (besides the flush and the sink).
struct MicroKernel {
  graph::Graph graph;
  roofline::Kernel kernel;
};

/// Writes `spec`'s micro-model (behind a `flush_bytes` cache flush) to `model`
/// and lowers it; FitError when it lowers to other than one kernel of its own.
MicroKernel lower_micro_model(const std::string& spec, std::int64_t flush_bytes, const std::filesystem::path& model);

/// Time of the micro-model's kernel per run: every runtime kernel that executes
/// one of `layers` (the kernel's), except layout reorders (a network pays those
/// only at layout boundaries); the cache flush is not the kernel's.
std::vector<double> kernel_time_per_run(const measure::KernelProfile& profile,
                                        const std::vector<std::size_t>& layers);

/// A layout reorder the runtime ran into or out of a micro-model's kernel: the
/// bytes it read and wrote (twice the tensor it reorders) and its time per profiled run.
struct TimedReorder {
  double bytes = 0.0;
  std::vector<double> per_run_s;
};

/// The layout reorders that feed or drain `layers` (a kernel's), in the
/// runtime's order: a reorder into a kernel reorders its first layer's first
/// input, one out of it its last layer's first output.
std::vector<TimedReorder> kernel_reorders(const measure::KernelProfile& profile, const graph::Graph& graph,
                                          const std::vector<std::size_t>& layers);

/// A micro-model's own kernel, timed: the lowered micro-model, that kernel's
/// time per profiled run, and the reorders around it.
struct TimedMicroKernel {
  MicroKernel micro;
  std::vector<double> per_run_s;
  std::vector<TimedReorder> reorders;
};

/// How a micro-model is measured (as `calibrate` measures a point): three
/// warm-up runs, then at least 20 runs and `min_time_s`, at most 20 times that
/// (2 s at least); profiler traces in `work`.
measure::MeasureOptions micro_measure_options(int threads, double min_time_s, const std::filesystem::path& work);

/// Builds, lowers and profiles `spec`'s micro-model in `work`.
TimedMicroKernel time_micro_kernel(measure::Runner& runner, const std::string& spec, std::int64_t flush_bytes,
                                   const std::filesystem::path& work, const measure::MeasureOptions& options);

}  // namespace roofcast::cli
