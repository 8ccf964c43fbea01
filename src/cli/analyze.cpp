#include "analyze.hpp"

#include <memory>
#include <sstream>

#include "roofcast/common/error.hpp"
#include "roofcast/graph/cost.hpp"
#include "roofcast/graph/load.hpp"
#include "roofcast/report/analysis_report.hpp"

namespace roofcast::cli {

Subcommand setup_analyze(CLI::App& app, const std::string& command_line) {
  auto options = std::make_shared<AnalyzeOptions>();
  auto* command = app.add_subcommand(
      "analyze", "Per-layer cost of an ONNX model: MACs, FLOPs, params, bytes, intensity");
  command->add_option("model", options->model, "ONNX model file")->required();
  add_model_flags(*command, options->model_flags);
  auto* json = command->add_flag("--json", options->json, "Write JSON instead of the table");
  command->add_flag("--csv", options->csv, "Write CSV instead of the table")->excludes(json);
  command->add_option("--top", options->top, "Show only the N layers with the most FLOPs")
      ->check(CLI::PositiveNumber);
  command->add_option("-o,--output", options->output, "Write to this file instead of stdout");
  return {command, [options, command_line] { return run_analyze(*options, command_line); }};
}

int run_analyze(const AnalyzeOptions& options, const std::string& command_line) {
  const graph::Graph graph = graph::load_graph(options.model, to_load_options(options.model_flags));
  const graph::GraphCost cost = graph::graph_cost(graph);
  warn_about_model(graph, cost);
  std::ostringstream text;
  if (options.json) {
    text << report::analysis_json(graph, cost, current_context(command_line));
  } else if (options.csv) {
    report::write_analysis_csv(text, graph, cost, current_context(command_line));
  } else {
    report::write_analysis_table(text, graph, cost, {.top = options.top});
  }
  write_output(options.output, text.str());
  return 0;
}

}  // namespace roofcast::cli
