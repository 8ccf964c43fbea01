#include "predict.hpp"

#include <filesystem>
#include <memory>
#include <sstream>

#include "roofcast/graph/cost.hpp"
#include "roofcast/graph/load.hpp"
#include "roofcast/report/prediction_report.hpp"
#include "roofcast/roofline/predict.hpp"

namespace roofcast::cli {
Subcommand setup_predict(CLI::App& app, const std::string& command_line) {
  auto options = std::make_shared<PredictOptions>();
  auto* command = app.add_subcommand(
      "predict", "Predict per-kernel and network latency of a model on a device profile");
  command->add_option("model", options->model, "ONNX model file")->required();
  add_device_option(*command, options->device);
  add_model_flags(*command, options->model_flags);
  add_device_flags(*command, options->device_flags);
  auto* json = command->add_flag("--json", options->json, "Write JSON (every kernel) instead of the table");
  command->add_flag("--csv", options->csv, "Write CSV (every kernel) instead of the table")->excludes(json);
  command->add_option("--top", options->top,
                      "Kernels shown in the table, by predicted time (0 = all, in execution order)")
      ->capture_default_str();
  command->add_option("-o,--output", options->output, "Write to this file instead of stdout");
  return {command, [options, command_line] { return run_predict(*options, command_line); }};
}

int run_predict(const PredictOptions& options, const std::string& command_line) {
  const roofline::DeviceProfile profile = load_device(options.device, options.device_flags);
  const graph::Graph graph = graph::load_graph(options.model, to_load_options(options.model_flags));
  const graph::GraphCost cost = graph::graph_cost(graph);
  warn_about_model(graph, cost);
  const roofline::Prediction prediction =
      roofline::predict(graph, cost, profile, {.precision = precision_flag(options.device_flags)});
  std::ostringstream text;
  if (options.json) {
    text << report::prediction_json(graph, profile, prediction, current_context(command_line));
  } else if (options.csv) {
    report::write_prediction_csv(text, graph, profile, prediction, current_context(command_line));
  } else {
    report::write_prediction_table(text, graph, profile, prediction, {.top = options.top});
  }
  write_output(options.output, text.str());
  return 0;
}

Subcommand setup_compare(CLI::App& app, const std::string& command_line) {
  auto options = std::make_shared<CompareOptions>();
  auto* command = app.add_subcommand(
      "compare", "EDLAB's table: latency, throughput, FLOP/s, power and efficiency per device");
  command->add_option("models", options->models, "ONNX model files")->required();
  command->add_option("-d,--device", options->devices, "Device profile (repeat for each device)")
      ->required();
  add_model_flags(*command, options->model_flags);
  add_device_flags(*command, options->device_flags);
  command->add_flag("--csv", options->csv, "Write CSV instead of the table");
  command->add_option("-o,--output", options->output, "Write to this file instead of stdout");
  return {command, [options, command_line] { return run_compare(*options, command_line); }};
}

int run_compare(const CompareOptions& options, const std::string& command_line) {
  std::vector<roofline::DeviceProfile> profiles;
  for (const auto& device : options.devices) {
    profiles.push_back(load_device(device, options.device_flags));
  }
  const auto precision = precision_flag(options.device_flags);
  const auto load_options = to_load_options(options.model_flags);
  std::vector<report::CompareRow> rows;
  for (const auto& model : options.models) {
    const graph::Graph graph = graph::load_graph(model, load_options);
    const graph::GraphCost cost = graph::graph_cost(graph);
    warn_about_model(graph, cost);
    for (const auto& profile : profiles) {
      const auto prediction = roofline::predict(graph, cost, profile, {.precision = precision});
      rows.push_back({.model = std::filesystem::path(model).stem().string(),
                      .device = profile.id,
                      .precision = std::string(roofline::precision_name(prediction.precision)),
                      .network = prediction.network});
    }
  }
  std::ostringstream text;
  if (options.csv) {
    report::write_compare_csv(text, rows, current_context(command_line));
  } else {
    report::write_compare_table(text, rows);
  }
  write_output(options.output, text.str());
  return 0;
}

}  // namespace roofcast::cli
