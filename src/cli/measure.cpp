#include "measure.hpp"

#include <algorithm>
#include <iostream>
#include <memory>
#include <numeric>
#include <sstream>

#include "roofcast/common/hash.hpp"
#include "roofcast/common/units.hpp"
#include "roofcast/graph/load.hpp"
#include "roofcast/measure/measurement.hpp"
#include "roofcast/report/text_table.hpp"
#include "run_model.hpp"

namespace roofcast::cli {
namespace {


void write_measurement_table(std::ostream& out, const measure::ModelMeasurement& m, const graph::Graph& graph,
                             std::size_t top) {
  const auto& n = m.network;
  out << "model:   " << m.model << '\n'
      << "runner:  " << m.runner.name << ' ' << m.runner.version << " (" << m.runner.execution_provider << ", "
      << m.runner.host << "), " << m.session.intra_op_threads << " thread(s), optimization "
      << m.session.graph_optimization_level << ", " << m.session.execution_mode << '\n'
      << "latency: median " << fixed_format(n.median_s * 1e3, 3) << " ms (p10 " << fixed_format(n.p10_s * 1e3, 3) << ", p90 "
      << fixed_format(n.p90_s * 1e3, 3) << ", min " << fixed_format(n.min_s * 1e3, 3) << ", n = " << n.count << ") — "
      << measure::state_name(m.state) << (m.reason.empty() ? "" : ": " + m.reason) << ", attempt " << m.attempts
      << ", other processes " << fixed_format(100 * m.other_cpu_share, 0) << " % of the CPUs\n"
      << "power:   "
      << (m.power.average_w ? fixed_format(*m.power.average_w, 2) + " W (" + m.power.method + ")" : m.power.method) << '\n';
  if (!m.profiled) {
    return;
  }
  std::size_t unmapped = 0;
  for (const auto& k : m.kernels) {
    unmapped += k.layers.empty() ? 1 : 0;
  }
  out << "profiled: median " << fixed_format(m.profiled->median_s * 1e3, 3) << " ms (profiler overhead "
      << fixed_format(100 * (m.profiled->median_s / n.median_s - 1.0), 1) << " %), " << m.kernels.size()
      << " kernels, sum of kernel medians " << fixed_format(m.kernel_sum_median_s * 1e3, 3) << " ms ("
      << fixed_format(100 * m.kernel_sum_median_s / m.profiled->median_s, 1) << " % of the profiled median), "
      << unmapped << " unmapped\n\n";
  std::vector<std::size_t> order(m.kernels.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return m.kernels[a].stats.median_s > m.kernels[b].stats.median_s;
  });
  if (top > 0 && order.size() > top) {
    order.resize(top);
  }
  report::TextTable table({{"#"},
                           {"runtime kernel", report::Align::kLeft, 40},
                           {"op", report::Align::kLeft},
                           {"median ms"},
                           {"p10"},
                           {"p90"},
                           {"%"},
                           {"layers", report::Align::kLeft, 48},
                           {"mapping", report::Align::kLeft}});
  for (const auto i : order) {
    const auto& k = m.kernels[i];
    std::string layers;
    for (const auto index : k.layers) {
      layers += (layers.empty() ? "" : ", ") + graph.layers[index].name;
    }
    table.add_row({std::to_string(i), k.node_name, k.op_name, fixed_format(k.stats.median_s * 1e3, 4),
                   fixed_format(k.stats.p10_s * 1e3, 4), fixed_format(k.stats.p90_s * 1e3, 4),
                   fixed_format(100 * k.stats.median_s / m.kernel_sum_median_s, 1), layers.empty() ? "-" : layers,
                   k.mapping});
  }
  table.write(out);
}

}  // namespace

void add_runner_flags(CLI::App& command, RunnerFlags& flags) {
  command.add_option("--runner", flags.runner, "The runtime that runs the model")
      ->check(CLI::IsMember({"onnxruntime"}))
      ->capture_default_str();
  command.add_option("--threads", flags.threads, "Intra-op threads")->check(CLI::Range(1, 1024))->capture_default_str();
  command.add_option("--optimization", flags.optimization, "Graph optimization level")
      ->check(CLI::IsMember({"all", "extended", "basic", "disabled"}))
      ->capture_default_str();
  command.add_option("--min-time", flags.min_time_s, "Minimum measured seconds per model")
      ->check(CLI::PositiveNumber)->capture_default_str();
  command.add_option("--min-runs", flags.min_runs, "Minimum measured runs")->check(CLI::Range(3, 1000000))
      ->capture_default_str();
  command.add_option("--warmup", flags.warmup_runs, "Warm-up runs")->check(CLI::Range(0, 10000))
      ->capture_default_str();
  command.add_option("--max-spread", flags.max_spread, "Widest acceptable (p90-p10)/median before re-measuring")
      ->check(CLI::PositiveNumber)->capture_default_str();
  command.add_option("--timeout", flags.timeout_s, "Seconds one measurement may take before the runner is stopped")
      ->check(CLI::PositiveNumber)->capture_default_str();
}

Subcommand setup_measure(CLI::App& app, const std::string& command_line) {
  auto options = std::make_shared<MeasureCommandOptions>();
  auto* command = app.add_subcommand(
      "measure", "Run a model on this machine: network latency under the measurement protocol, per-kernel times");
  command->add_option("model", options->model, "ONNX model file (graph-only models get random weights)")->required();
  add_model_flags(*command, options->model_flags);
  add_runner_flags(*command, options->runner_flags);
  command->add_flag("!--no-kernels", options->per_kernel, "Skip the profiled session (network latency only)");
  command->add_flag("--json", options->json, "Write the measurement as JSON instead of the table");
  command->add_option("--top", options->top, "Kernels shown, by median time (0 = all)")->capture_default_str();
  command->add_option("-o,--output", options->output, "Also save the measurement as JSON to this file");
  return {command, [options, command_line] { return run_measure(*options, command_line); }};
}

int run_measure(const MeasureCommandOptions& options, const std::string& command_line) {
  const graph::Graph graph = graph::load_graph(options.model, to_load_options(options.model_flags));
  auto runner = start_runner(options.runner_flags);
  const auto measurement = measure_loaded_model(*runner, graph, options.runner_flags, options.per_kernel);
  const std::string json = measure::measurement_json(measurement, graph, current_context(command_line));
  if (!options.output.empty()) {
    write_file_atomically(options.output, json);
  }
  std::ostringstream text;
  if (options.json) {
    text << json;
  } else {
    write_measurement_table(text, measurement, graph, options.top);
  }
  write_output("", text.str());
  return 0;
}

}  // namespace roofcast::cli
