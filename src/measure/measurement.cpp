#include "roofcast/measure/measurement.hpp"

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "roofcast/common/error.hpp"
#include "roofcast/measure/micro_models.hpp"
#include "roofcast/measure/ort_trace.hpp"

namespace roofcast::measure {
namespace fs = std::filesystem;

bool is_layout_reorder(const KernelTiming& kernel) { return kernel.op_name.rfind("Reorder", 0) == 0; }

std::vector<InputSpec> input_specs(const graph::Graph& graph) {
  std::vector<InputSpec> specs;
  for (const auto id : graph.inputs) {
    const auto& tensor = graph.tensor(id);
    specs.push_back({.name = tensor.name,
                     .dtype = std::string(graph::dtype_name(tensor.dtype)),
                     .shape = tensor.shape,
                     .fill = tensor.name == kCacheFlushInput ? std::optional<double>(1.0) : std::nullopt});
  }
  return specs;
}

std::string cpu_governor(const fs::path& sysfs_root) {
  std::ifstream in(sysfs_root / "devices/system/cpu/cpu0/cpufreq/scaling_governor");
  std::string governor;
  return in >> governor ? governor : "unknown";
}

namespace {

void say(const MeasureOptions& options, const std::string& text) {
  if (options.progress) {
    options.progress(text);
  }
}

/// Per-kernel samples from a trace: one KernelTiming per node, in the order of
/// the first run; a node missing from a run counts 0 there.
std::vector<KernelTiming> kernel_timings(const OrtTrace& trace) {
  std::vector<KernelTiming> kernels;
  std::map<std::string, std::size_t> index;
  const std::size_t runs = trace.run_durations_s.size();
  for (const auto& event : trace.events) {
    auto [it, inserted] = index.emplace(event.node_name, kernels.size());
    if (inserted) {
      KernelTiming timing;
      timing.node_name = event.node_name;
      timing.op_name = event.op_name;
      timing.provider = event.provider;
      timing.samples_s.assign(runs, 0.0);
      kernels.push_back(std::move(timing));
    }
    if (event.run < runs) {
      kernels[it->second].samples_s[event.run] += event.duration_s;
    }
  }
  for (auto& kernel : kernels) {
    kernel.stats = summarize(kernel.samples_s);
  }
  return kernels;
}

}  // namespace

KernelProfile profile_kernels(Runner& runner, const graph::Graph& graph, const fs::path& runnable_model,
                              const MeasureOptions& options) {
  fs::create_directories(options.work_dir);
  RunRequest request{.model = runnable_model,
                     .inputs = input_specs(graph),
                     .session = options.session,
                     .policy = options.policy,
                     .profile = true,
                     .profile_prefix = {},
                     .optimized_model_path = options.work_dir / "optimized.onnx"};
  // A prefix of its own per request: the runtime names traces by the second.
  static int request_count = 0;
  request.profile_prefix = options.work_dir / ("ort_profile_" + std::to_string(++request_count));
  const RunResult result = runner.run(request);
  if (!result.profile_file) {
    throw RunnerError(graph.source + ": the runner returned no profile trace");
  }
  const OrtTrace trace =
      load_ort_trace(*result.profile_file, static_cast<std::size_t>(std::max(0, options.policy.warmup_runs)));
  if (trace.run_durations_s.empty()) {
    throw RunnerError(result.profile_file->string() + ": the trace holds no measured run");
  }
  KernelProfile profile;
  profile.latency = summarize(result.samples_s);
  profile.kernels = kernel_timings(trace);
  map_kernels_to_layers(graph, graph::read_node_list(request.optimized_model_path), profile.kernels);
  std::error_code ec;
  fs::remove(*result.profile_file, ec);  // large; what matters is kept
  fs::remove(request.optimized_model_path, ec);
  return profile;
}

ModelMeasurement measure_model(Runner& runner, const graph::Graph& graph, const fs::path& runnable_model,
                               const MeasureOptions& options) {
  ModelMeasurement m;
  m.model = graph.source;
  m.model_hash = graph.model_hash;
  m.runner = runner.info();
  m.session = options.session;
  m.policy = options.policy;
  m.governor = cpu_governor(options.sysfs_root);
  RunRequest request{.model = runnable_model,
                     .inputs = input_specs(graph),
                     .session = options.session,
                     .policy = options.policy,
                     .profile = false,
                     .profile_prefix = {},
                     .optimized_model_path = {}};
  PowerSampler power(options.sysfs_root);
  for (int attempt = 1; attempt <= std::max(1, options.policy.attempts); ++attempt) {
    say(options, "timing " + graph.source + " (attempt " + std::to_string(attempt) + ")");
    CpuLoadMeter load(runner.worker_pids());
    load.start();
    power.start();
    const RunResult result = runner.run(request);
    m.power = power.stop();
    m.other_cpu_share = load.stop();
    m.samples_s = result.samples_s;
    m.network = summarize(result.samples_s);
    m.attempts = attempt;
    if (acceptable(m.network, m.other_cpu_share, options.policy, m.reason)) {
      m.state = MeasurementState::kOk;
      break;
    }
    m.state = MeasurementState::kUnstable;
  }
  if (options.per_kernel) {
    say(options, "profiling " + graph.source + " per kernel");
    KernelProfile profile = profile_kernels(runner, graph, runnable_model, options);
    m.profiled = profile.latency;
    m.kernels = std::move(profile.kernels);
    for (const auto& kernel : m.kernels) {
      m.kernel_sum_median_s += kernel.stats.median_s;
    }
  }
  return m;
}

std::string measurement_json(const ModelMeasurement& m, const graph::Graph& graph, const RunContext& context) {
  using Json = nlohmann::ordered_json;
  const auto stats = [](const SampleStats& s) {
    return Json{{"median_s", s.median_s}, {"p10_s", s.p10_s}, {"p90_s", s.p90_s},
                {"min_s", s.min_s},       {"mean_s", s.mean_s}, {"count", s.count},
                {"spread", s.spread()}};
  };
  Json kernels = Json::array();
  for (const auto& k : m.kernels) {
    Json layers = Json::array();
    for (const auto index : k.layers) {
      layers.push_back(graph.layers.at(index).name);
    }
    Json indices = Json::array();
    for (const auto index : k.layers) {
      indices.push_back(index);
    }
    kernels.push_back({{"node", k.node_name},
                       {"op", k.op_name},
                       {"provider", k.provider},
                       {"median_s", k.stats.median_s},
                       {"p10_s", k.stats.p10_s},
                       {"p90_s", k.stats.p90_s},
                       {"layers", layers},
                       {"layer_indices", indices},
                       {"samples_s", k.samples_s},
                       {"mapping", k.mapping}});
  }
  Json document = {
      {"schema_version", 1},
      {"kind", "roofcast.measurement"},
      {"context",
       {{"tool_version", context.tool_version},
        {"git_revision", context.git_revision},
        {"date_utc", context.date_utc},
        {"host_cpu", context.host_cpu},
        {"host_logical_cpus", context.host_logical_cpus},
        {"governor", m.governor},
        {"command", context.command}}},
      {"model", {{"path", m.model}, {"fnv1a64", m.model_hash}, {"layers", graph.layers.size()}}},
      {"runner",
       {{"name", m.runner.name},
        {"version", m.runner.version},
        {"execution_provider", m.runner.execution_provider},
        {"host", m.runner.host}}},
      {"session",
       {{"graph_optimization_level", m.session.graph_optimization_level},
        {"intra_op_threads", m.session.intra_op_threads},
        {"inter_op_threads", m.session.inter_op_threads},
        {"execution_mode", m.session.execution_mode}}},
      {"policy",
       {{"warmup_runs", m.policy.warmup_runs},
        {"min_runs", m.policy.min_runs},
        {"max_runs", m.policy.max_runs},
        {"min_time_s", m.policy.min_time_s},
        {"max_time_s", m.policy.max_time_s},
        {"max_spread", m.policy.max_spread},
        {"attempts", m.policy.attempts},
        {"max_other_cpu_share", m.policy.max_other_cpu_share}}},
      {"network",
       {{"state", state_name(m.state)},
        {"reason", m.reason},
        {"attempts", m.attempts},
        {"other_cpu_share", m.other_cpu_share},
        {"latency", stats(m.network)},
        {"samples_s", m.samples_s}}},
      {"power",
       {{"average_w", m.power.average_w ? Json(*m.power.average_w) : Json(nullptr)},
        {"method", m.power.method}}},
      {"profiled",
       m.profiled ? Json{{"latency", stats(*m.profiled)},
                         {"profiler_overhead", m.network.median_s > 0.0
                                                   ? m.profiled->median_s / m.network.median_s - 1.0
                                                   : 0.0},
                         {"kernel_sum_median_s", m.kernel_sum_median_s},
                         {"kernels", kernels}}
                  : Json(nullptr)}};
  return document.dump(2) + "\n";
}

ModelMeasurement parse_measurement_json(const std::string& text, const std::string& source,
                                        const graph::Graph& graph) {
  ModelMeasurement m;
  try {
    const auto document = nlohmann::json::parse(text);
    if (document.at("kind") != "roofcast.measurement" || document.at("schema_version") != 1) {
      throw RunnerError(source + ": not a roofcast measurement (schema version 1)");
    }
    m.model = document.at("model").at("path").get<std::string>();
    m.model_hash = document.at("model").at("fnv1a64").get<std::string>();
    const auto& runner = document.at("runner");
    m.runner = {runner.at("name").get<std::string>(), runner.at("version").get<std::string>(),
                runner.at("execution_provider").get<std::string>(), runner.at("host").get<std::string>()};
    const auto& session = document.at("session");
    m.session.graph_optimization_level = session.at("graph_optimization_level").get<std::string>();
    m.session.intra_op_threads = session.at("intra_op_threads").get<int>();
    m.session.inter_op_threads = session.at("inter_op_threads").get<int>();
    m.session.execution_mode = session.at("execution_mode").get<std::string>();
    const auto& network = document.at("network");
    m.samples_s = network.at("samples_s").get<std::vector<double>>();
    m.network = summarize(m.samples_s);
    const std::string state = network.at("state").get<std::string>();
    m.state = state == "ok" ? MeasurementState::kOk
                            : state == "unstable" ? MeasurementState::kUnstable : MeasurementState::kFailed;
    m.reason = network.at("reason").get<std::string>();
    m.attempts = network.at("attempts").get<int>();
    m.other_cpu_share = network.at("other_cpu_share").get<double>();
    m.governor = document.at("context").at("governor").get<std::string>();
    const auto& power = document.at("power");
    m.power.method = power.at("method").get<std::string>();
    if (!power.at("average_w").is_null()) {
      m.power.average_w = power.at("average_w").get<double>();
    }
    const auto& profiled = document.at("profiled");
    if (!profiled.is_null()) {
      const auto& latency = profiled.at("latency");
      SampleStats stats;
      stats.median_s = latency.at("median_s").get<double>();
      stats.p10_s = latency.at("p10_s").get<double>();
      stats.p90_s = latency.at("p90_s").get<double>();
      stats.min_s = latency.at("min_s").get<double>();
      stats.mean_s = latency.at("mean_s").get<double>();
      stats.count = latency.at("count").get<std::size_t>();
      m.profiled = stats;
      m.kernel_sum_median_s = profiled.at("kernel_sum_median_s").get<double>();
      for (const auto& k : profiled.at("kernels")) {
        KernelTiming timing;
        timing.node_name = k.at("node").get<std::string>();
        timing.op_name = k.at("op").get<std::string>();
        timing.provider = k.at("provider").get<std::string>();
        timing.samples_s = k.at("samples_s").get<std::vector<double>>();
        timing.stats = summarize(timing.samples_s);
        timing.layers = k.at("layer_indices").get<std::vector<std::size_t>>();
        for (const auto index : timing.layers) {
          if (index >= graph.layers.size()) {
            throw RunnerError(source + ": kernel '" + timing.node_name + "' names layer " + std::to_string(index) +
                              ", beyond the model's " + std::to_string(graph.layers.size()));
          }
        }
        timing.mapping = k.at("mapping").get<std::string>();
        m.kernels.push_back(std::move(timing));
      }
    }
  } catch (const nlohmann::json::exception& error) {
    throw RunnerError(source + ": not a readable roofcast measurement (" + std::string(error.what()) + ")");
  }
  return m;
}

}  // namespace roofcast::measure
