#include "run_model.hpp"

#include <filesystem>
#include <iostream>
#include <unistd.h>

#include "roofcast/graph/materialize.hpp"

namespace roofcast::cli {

ScratchDir::ScratchDir(const std::string& prefix)
    : path_(std::filesystem::temp_directory_path() / (prefix + "-" + std::to_string(::getpid()))) {
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::unique_ptr<measure::Runner> start_runner(const RunnerFlags& flags) {
  measure::OnnxRuntimeRunnerOptions options;
  options.request_slack_s = flags.timeout_s;
  return measure::start_onnxruntime_runner(options);
}

measure::ModelMeasurement measure_loaded_model(measure::Runner& runner, const graph::Graph& graph,
                                               const RunnerFlags& flags, bool per_kernel) {
  const ScratchDir scratch("roofcast-measure");
  const auto& work = scratch.path();
  const auto runnable = work / "model.onnx";
  graph::materialize_model(graph.source, runnable, {.seed = 0, .overwrite = true});
  measure::MeasureOptions options;
  options.session.intra_op_threads = flags.threads;
  options.session.graph_optimization_level = flags.optimization;
  options.policy.min_time_s = flags.min_time_s;
  options.policy.min_runs = flags.min_runs;
  options.policy.warmup_runs = flags.warmup_runs;
  options.policy.max_spread = flags.max_spread;
  options.per_kernel = per_kernel;
  options.work_dir = work;
  options.progress = [](const std::string& line) { std::cerr << "roofcast: " << line << '\n'; };
  return measure::measure_model(runner, graph, runnable, options);
}

}  // namespace roofcast::cli
