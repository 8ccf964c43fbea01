#include "validate.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>
#include <vector>

#include "roofcast/common/error.hpp"
#include "roofcast/common/hash.hpp"
#include "roofcast/common/units.hpp"
#include "roofcast/graph/cost.hpp"
#include "roofcast/graph/load.hpp"
#include "roofcast/measure/measurement.hpp"
#include "roofcast/report/validation_report.hpp"
#include "roofcast/roofline/predict.hpp"
#include "roofcast/validate/validation.hpp"
#include "run_model.hpp"

namespace roofcast::cli {
namespace fs = std::filesystem;

namespace {

/// A saved measurement is reused by --resume only when it measured this very
/// model with this runner and these session options.
bool reusable(const measure::ModelMeasurement& saved, const graph::Graph& graph, const measure::RunnerInfo& runner,
              const RunnerFlags& flags) {
  return saved.model_hash == graph.model_hash && saved.runner.version == runner.version &&
         saved.session.intra_op_threads == flags.threads &&
         saved.session.graph_optimization_level == flags.optimization && saved.profiled.has_value();
}

}  // namespace

Subcommand setup_validate(CLI::App& app, const std::string& command_line) {
  auto options = std::make_shared<ValidateOptions>();
  auto* command = app.add_subcommand(
      "validate", "Measure models on this machine and check the device profile's predictions against them");
  command->add_option("models", options->models, "ONNX model files")->required();
  command->add_option("-d,--device", options->device, "Device profile of this machine (id or .json path)")
      ->required();
  add_model_flags(*command, options->model_flags);
  add_device_flags(*command, options->device_flags);
  add_runner_flags(*command, options->runner_flags);
  command->add_option("--out-dir", options->out_dir,
                      "Where the report, CSV, plot and every measurement go (each measurement is saved as it is taken)")
      ->capture_default_str();
  command->add_flag("--resume", options->resume,
                    "Reuse measurements already saved in --out-dir for the same model, runner and threads");
  command->add_option("--rounds", options->rounds,
                      "Measure every model this many times, all models once per round, and keep each model's "
                      "median round (of two, the faster): with three, one round disturbed by others on a shared "
                      "machine does not move it")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  command->add_option("--worst", options->worst, "Kernels listed with the largest errors")->capture_default_str();
  return {command, [options, command_line] { return run_validate(*options, command_line); }};
}

int run_validate(const ValidateOptions& options, const std::string& command_line) {
  const roofline::DeviceProfile profile = load_device(options.device, options.device_flags);
  const auto precision = precision_flag(options.device_flags);
  const auto load_options = to_load_options(options.model_flags);
  // Everything loads and predicts before the first (slow) measurement.
  std::vector<graph::Graph> graphs;
  std::vector<roofline::Prediction> predictions;
  for (const auto& model : options.models) {
    graphs.push_back(graph::load_graph(model, load_options));
    predictions.push_back(roofline::predict(graphs.back(), graph::graph_cost(graphs.back()), profile,
                                            {.precision = precision}));
  }
  const fs::path out(options.out_dir);
  const fs::path saved_dir = out / "measurements";
  fs::create_directories(saved_dir);
  auto runner = start_runner(options.runner_flags);
  const RunContext context = current_context(command_line);
  // Round by round, every model once per round; a saved measurement (--resume)
  // stands for the first round. Each model keeps its median round so far,
  // saved after every round.
  std::vector<std::vector<measure::ModelMeasurement>> taken(graphs.size());  // per model, its rounds
  std::size_t measured = 0;
  for (int round = 1; round <= options.rounds; ++round) {
    const std::string of_rounds =
        options.rounds > 1 ? " (round " + std::to_string(round) + " of " + std::to_string(options.rounds) + ")" : "";
    for (std::size_t i = 0; i < graphs.size(); ++i) {
      const auto& graph = graphs[i];
      const std::string counter = "roofcast: [" + std::to_string(i + 1) + "/" + std::to_string(graphs.size()) + "] ";
      const fs::path saved = saved_dir / (fs::path(graph.source).stem().string() + ".json");
      if (round == 1 && options.resume && fs::exists(saved)) {
        auto previous = measure::parse_measurement_json(read_file_bytes(saved), saved.string(), graph);
        if (reusable(previous, graph, runner->info(), options.runner_flags)) {
          std::cerr << counter << "reusing " << saved.string() << '\n';
          taken[i].push_back(std::move(previous));
          continue;
        }
      }
      std::cerr << counter << "measuring " << graph.source << of_rounds << '\n';
      std::optional<measure::ModelMeasurement> fresh;
      try {
        fresh = measure_loaded_model(*runner, graph, options.runner_flags, /*per_kernel=*/true);
      } catch (const RunnerError& error) {
        throw RunnerError(std::string(error.what()) + " (" + std::to_string(measured) +
                          " measurement(s) taken so far are saved in " + saved_dir.string() +
                          "; rerun with --resume to continue)");
      }
      ++measured;
      const double fresh_ms = fresh->network.median_s * 1e3;
      taken[i].push_back(std::move(*fresh));
      const measure::ModelMeasurement& median = validate::median_round(taken[i]);
      if (taken[i].size() > 1) {
        std::cerr << counter << "median " << fixed_format(fresh_ms, 3) << " ms: keeping "
                  << fixed_format(median.network.median_s * 1e3, 3) << " ms, the median of " << taken[i].size()
                  << " rounds\n";
      }
      write_file_atomically(saved, measure::measurement_json(median, graph, context));
    }
  }
  std::vector<validate::NetworkComparison> networks;
  for (std::size_t i = 0; i < graphs.size(); ++i) {
    networks.push_back(validate::compare(graphs[i], predictions[i], validate::median_round(taken[i])));
  }
  const auto summary = validate::summarize(networks);
  const auto& info = runner->info();
  const report::ValidationSetup setup{
      .device = profile.id,
      .profile = profile.source,
      .runner = info.name + " " + info.version + " (" + info.execution_provider + "), " +
                std::to_string(options.runner_flags.threads) + " thread(s), optimization " +
                options.runner_flags.optimization};
  std::ostringstream csv_kernels;
  std::ostringstream csv_networks;
  report::write_validation_kernels_csv(csv_kernels, networks, context);
  report::write_validation_networks_csv(csv_networks, networks, context);
  write_file_atomically(out / "validation.json", report::validation_json(setup, networks, summary, context));
  write_file_atomically(out / "validation_kernels.csv", csv_kernels.str());
  write_file_atomically(out / "validation_networks.csv", csv_networks.str());
  write_file_atomically(out / "predicted_vs_measured.svg",
                        report::predicted_vs_measured_svg("roofcast validate: " + profile.id, networks));
  std::ostringstream text;
  report::write_validation_table(text, setup, networks, summary, options.worst);
  text << "\nwrote " << (out / "validation.json").string() << ", validation_kernels.csv, validation_networks.csv, "
       << "predicted_vs_measured.svg and measurements/ in " << out.string() << '\n';
  write_output("", text.str());
  return 0;
}

}  // namespace roofcast::cli
