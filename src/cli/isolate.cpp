#include "isolate.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "micro_timing.hpp"
#include "roofcast/common/error.hpp"
#include "roofcast/common/hash.hpp"
#include "roofcast/graph/cost.hpp"
#include "roofcast/graph/load.hpp"
#include "roofcast/measure/ceilings.hpp"
#include "roofcast/measure/protocol.hpp"
#include "roofcast/report/isolation_report.hpp"
#include "roofcast/roofline/predict.hpp"
#include "roofcast/validate/isolation.hpp"
#include "roofcast/validate/validation.hpp"
#include "run_model.hpp"

namespace roofcast::cli {
namespace fs = std::filesystem;

namespace {

/// The saved measurement, which must be of this very model and per kernel.
measure::ModelMeasurement saved_measurement(const std::string& path, const graph::Graph& graph) {
  const std::string text = read_file_bytes(path);
  // Which model it measured, before its kernels are read against this one's layers.
  std::string hash;
  try {
    hash = nlohmann::json::parse(text).at("model").at("fnv1a64").get<std::string>();
  } catch (const nlohmann::json::exception& error) {
    throw UsageError(path + ": not a roofcast measurement (" + error.what() + ")");
  }
  if (hash != graph.model_hash) {
    throw UsageError(path + ": a measurement of another model (fnv1a64 " + hash + "; " + graph.source + " is " +
                     graph.model_hash + ")");
  }
  auto measurement = measure::parse_measurement_json(text, path, graph);
  if (!measurement.profiled) {
    throw UsageError(path + ": has no per-kernel times (measured with --no-kernels)");
  }
  return measurement;
}

/// Whether the micro-model does the kernel's work: the same multiply-adds
/// (FLOPs for kernels without any) and, within 2 %, the same bytes (a
/// network's Conv may carry a bias its micro-model has not); why not, when it
/// does not.
std::string reproduces(const roofline::Kernel& micro, const roofline::Kernel& kernel) {
  if (kernel.macs > 0 ? micro.macs != kernel.macs : micro.flops != kernel.flops) {
    const bool macs = kernel.macs > 0;
    return "its micro-model does " + std::to_string(macs ? micro.macs : micro.flops) + (macs ? " MACs" : " FLOPs") +
           ", the kernel " + std::to_string(macs ? kernel.macs : kernel.flops) + " (its padding or window differ)";
  }
  const auto moved = [](const roofline::Kernel& k) { return static_cast<double>(k.bytes_read + k.bytes_written); };
  if (std::abs(moved(micro) - moved(kernel)) > 0.02 * moved(kernel)) {
    return "its micro-model moves " + std::to_string(micro.bytes_read + micro.bytes_written) + " bytes, the kernel " +
           std::to_string(kernel.bytes_read + kernel.bytes_written);
  }
  return {};
}

/// A group's own runtime kernel time: the runtime's layout reorders (and the
/// views it runs as kernels) left out, as calibration leaves them out of a point.
struct OwnTime {
  std::size_t kernels = 0;
  double seconds = 0.0;
};

OwnTime own_time(const validate::KernelComparison& group, const measure::ModelMeasurement& measurement) {
  OwnTime own;
  for (const std::size_t m : group.measured_kernels) {
    const auto& timing = measurement.kernels[m];
    if (!measure::is_layout_reorder(timing) && timing.op_name != "Reshape") {
      ++own.kernels;
      own.seconds += validate::measured_kernel_s(timing);
    }
  }
  return own;
}

}  // namespace

Subcommand setup_isolate(CLI::App& app, const std::string& command_line) {
  auto options = std::make_shared<IsolateOptions>();
  auto* command = app.add_subcommand(
      "isolate",
      "Run a network's worst-predicted kernels alone, as calibration measures its points, and split each error "
      "into the kernel's own and what the network around it changes");
  command->add_option("model", options->model, "ONNX model file")->required();
  command->add_option("-d,--device", options->device, "Calibrated profile of this machine (id or .json path)")
      ->required();
  add_model_flags(*command, options->model_flags);
  add_device_flags(*command, options->device_flags);
  add_runner_flags(*command, options->runner_flags);
  command->add_option("--measurement", options->measurement,
                      "A saved per-kernel measurement of the model (roofcast measure -o, or validate's "
                      "measurements/) instead of measuring it now");
  command->add_option("--top", options->top, "Kernels run alone, largest error in the network first")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  command->add_option("--flush-mib", options->flush_mib,
                      "MiB read before each run of a kernel alone (default: calibrate's, half the profile's "
                      "last-level cache, at most 16)")
      ->check(CLI::Range(0, 1 << 16));
  command->add_option("--csv", options->csv, "Also write the table as CSV to this file");
  return {command, [options, command_line] { return run_isolate(*options, command_line); }};
}

int run_isolate(const IsolateOptions& options, const std::string& command_line) {
  const roofline::DeviceProfile profile = load_device(options.device, options.device_flags);
  if (profile.kernel_models.empty()) {
    throw UsageError(profile.source + ": not a calibrated profile (no kernel_models): a kernel's time alone is "
                     "compared with a fitted model's prediction");
  }
  const graph::Graph graph = graph::load_graph(options.model, to_load_options(options.model_flags));
  const roofline::Prediction prediction = roofline::predict(graph, graph::graph_cost(graph), profile,
                                                            {.precision = precision_flag(options.device_flags)});
  RunnerFlags flags = options.runner_flags;
  std::optional<measure::ModelMeasurement> saved;
  if (!options.measurement.empty()) {
    saved = saved_measurement(options.measurement, graph);
    flags.threads = saved->session.intra_op_threads;  // the kernels alone run as the network did
  }
  if (profile.runtime && profile.runtime->threads > 0 && profile.runtime->threads != flags.threads) {
    throw UsageError(profile.source + ": calibrated for " + std::to_string(profile.runtime->threads) +
                     " thread(s), the network " + (saved ? options.measurement + " was measured with " : "runs with ") +
                     std::to_string(flags.threads) + ": use the profile of that thread count");
  }
  auto runner = start_runner(flags);
  const measure::ModelMeasurement measurement =
      saved ? *saved : measure_loaded_model(*runner, graph, flags, /*per_kernel=*/true);
  const validate::NetworkComparison network = validate::compare(graph, prediction, measurement);

  std::vector<const validate::KernelComparison*> groups;
  for (const auto& group : network.kernels) {
    if (!group.predicted_kernels.empty() && group.measured_s > 0.0) {
      groups.push_back(&group);
    }
  }
  std::stable_sort(groups.begin(), groups.end(), [](const auto* a, const auto* b) {
    return std::abs(a->predicted_s - a->measured_s) > std::abs(b->predicted_s - b->measured_s);
  });

  // By default the calibration's flush: half the profile's last level (which
  // calibrate took from its bandwidth sweep), at most 16 MiB.
  const auto& caches = profile.hardware.cache_bytes;
  const std::int64_t flush_bytes =
      options.flush_mib >= 0 ? std::int64_t{options.flush_mib} << 20
                             : measure::default_cache_flush_bytes(
                                   caches.empty() ? measure::read_cpu_spec().last_level_cache_bytes()
                                                  : static_cast<std::int64_t>(caches.rbegin()->second));
  const ScratchDir scratch("roofcast-isolate");
  measure::MeasureOptions measure_options = micro_measure_options(flags.threads, flags.min_time_s, scratch.path());
  measure_options.session.graph_optimization_level = flags.optimization;

  std::vector<validate::IsolatedKernel> rows;
  std::size_t isolated = 0;
  for (const auto* group : groups) {
    if (isolated == options.top) {
      break;
    }
    const std::size_t main = validate::longest_predicted_kernel(*group, prediction);
    const roofline::Kernel& kernel = prediction.kernels[main];
    const OwnTime own = own_time(*group, measurement);
    validate::IsolatedKernel row{.name = group->name,
                                 .kernel_class = group->kernel_class,
                                 .ops = group->ops,
                                 .spec = {},
                                 .why_not = {},
                                 .network_s = own.seconds,
                                 .predicted_s = group->predicted_s - prediction.estimates[main].reorder_s,
                                 .alone_s = 0.0};
    const validate::IsolatedSpec spec = validate::isolated_spec(graph, kernel);
    if (group->predicted_kernels.size() > 1 || own.kernels != 1) {
      row.why_not = "a group of " + std::to_string(group->predicted_kernels.size()) + " roofcast and " +
                    std::to_string(own.kernels) + " runtime kernels (" + group->runtime_ops + ")";
    } else if (spec.spec.empty()) {
      row.why_not = spec.why_not;
    } else {
      std::cerr << "roofcast: [" << isolated + 1 << "/" << options.top << "] " << group->name << " alone: "
                << spec.spec << '\n';
      try {
        const TimedMicroKernel timed =
            time_micro_kernel(*runner, spec.spec, flush_bytes, scratch.path(), measure_options);
        row.why_not = reproduces(timed.micro.kernel, kernel);
        if (row.why_not.empty()) {
          row.spec = spec.spec;
          row.alone_s = measure::interquartile_mean(timed.per_run_s);
          ++isolated;
        }
      } catch (const UsageError& error) {  // a spec the micro-models reject (a FitError: not one kernel)
        row.why_not = std::string("its micro-model: ") + error.what();
      } catch (const FitError& error) {
        row.why_not = std::string("its micro-model: ") + error.what();
      }
    }
    rows.push_back(std::move(row));
  }
  const auto& info = runner->info();
  const report::IsolationSetup setup{
      .model = graph.source,
      .device = profile.id + " (" + profile.source + ")",
      .runner = info.name + " " + info.version + " (" + info.execution_provider + "), " +
                std::to_string(flags.threads) + " thread(s)",
      .network = saved ? options.measurement : "measured now",
      .flush_mib = static_cast<double>(flush_bytes) / 1048576.0};
  std::ostringstream text;
  report::write_isolation_table(text, setup, rows);
  if (!options.csv.empty()) {
    std::ostringstream csv;
    report::write_isolation_csv(csv, rows, current_context(command_line));
    write_file_atomically(options.csv, csv.str());
    text << "\nwrote " << options.csv << '\n';
  }
  write_output("", text.str());
  return 0;
}

}  // namespace roofcast::cli
