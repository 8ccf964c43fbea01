#include "micro_timing.hpp"

#include <algorithm>

#include "roofcast/common/error.hpp"
#include "roofcast/common/hash.hpp"
#include "roofcast/fit/calibration.hpp"
#include "roofcast/graph/cost.hpp"
#include "roofcast/graph/load.hpp"
#include "roofcast/measure/micro_models.hpp"

namespace roofcast::cli {
namespace fs = std::filesystem;

namespace {

/// Whether the runtime's kernel `k` executes (or, a reorder, feeds or drains) one of `layers`.
bool runs_any_of(const measure::KernelTiming& k, const std::vector<std::size_t>& layers) {
  return std::any_of(k.layers.begin(), k.layers.end(), [&](std::size_t layer) {
    return std::find(layers.begin(), layers.end(), layer) != layers.end();
  });
}

}  // namespace

std::vector<double> kernel_time_per_run(const measure::KernelProfile& profile,
                                        const std::vector<std::size_t>& layers) {
  std::size_t runs = 0;
  for (const auto& k : profile.kernels) {
    runs = std::max(runs, k.samples_s.size());
  }
  std::vector<double> per_run(runs, 0.0);
  for (const auto& k : profile.kernels) {
    if (measure::is_layout_reorder(k) || k.mapping == "unmapped" || !runs_any_of(k, layers)) {
      continue;
    }
    for (std::size_t r = 0; r < k.samples_s.size(); ++r) {
      per_run[r] += k.samples_s[r];
    }
  }
  return per_run;
}

std::vector<TimedReorder> kernel_reorders(const measure::KernelProfile& profile, const graph::Graph& graph,
                                          const std::vector<std::size_t>& layers) {
  std::vector<TimedReorder> reorders;
  for (const auto& k : profile.kernels) {
    if (!measure::is_layout_reorder(k) || !runs_any_of(k, layers)) {
      continue;
    }
    const bool into = k.mapping == "inserted:consumer";
    const bool out_of = k.mapping == "inserted:producer";
    const graph::Layer& layer = graph.layers[into ? layers.front() : layers.back()];
    const auto& tensors = into ? layer.inputs : layer.outputs;
    if ((!into && !out_of) || tensors.empty() || tensors[0] == graph::kNoTensor) {
      continue;
    }
    reorders.push_back({.bytes = 2.0 * static_cast<double>(graph.tensor(tensors[0]).size_bytes()),
                        .per_run_s = k.samples_s});
  }
  return reorders;
}

MicroKernel lower_micro_model(const std::string& spec, std::int64_t flush_bytes, const fs::path& model) {
  write_file_atomically(model, measure::micro_model_bytes(measure::parse_micro_model(spec), 0, flush_bytes));
  MicroKernel micro{.graph = graph::load_graph(model), .kernel = {}};
  std::vector<roofline::Kernel> kernels;
  for (auto& kernel : roofline::lower(micro.graph, graph::graph_cost(micro.graph), fit::runtime_lowering_rules())) {
    if (kernel.name.rfind(measure::kMicroNodePrefix, 0) == 0) {
      kernels.push_back(std::move(kernel));
    }
  }
  if (kernels.size() != 1) {
    throw FitError("micro-model " + spec + " lowers to " + std::to_string(kernels.size()) +
                   " kernels of its own, not 1");
  }
  micro.kernel = std::move(kernels[0]);
  return micro;
}

measure::MeasureOptions micro_measure_options(int threads, double min_time_s, const fs::path& work) {
  measure::MeasureOptions options;
  options.session.intra_op_threads = threads;
  options.policy.warmup_runs = 3;
  options.policy.min_runs = 20;
  options.policy.min_time_s = min_time_s;
  options.policy.max_time_s = std::max(2.0, 20 * min_time_s);
  options.work_dir = work;
  return options;
}

TimedMicroKernel time_micro_kernel(measure::Runner& runner, const std::string& spec, std::int64_t flush_bytes,
                                   const fs::path& work, const measure::MeasureOptions& options) {
  const fs::path model = work / "point.onnx";
  TimedMicroKernel timed{.micro = lower_micro_model(spec, flush_bytes, model), .per_run_s = {}, .reorders = {}};
  const measure::KernelProfile profile = measure::profile_kernels(runner, timed.micro.graph, model, options);
  timed.per_run_s = kernel_time_per_run(profile, timed.micro.kernel.layers);
  timed.reorders = kernel_reorders(profile, timed.micro.graph, timed.micro.kernel.layers);
  return timed;
}

}  // namespace roofcast::cli
