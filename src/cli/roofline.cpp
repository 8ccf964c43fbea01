#include "roofline.hpp"

#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include "roofcast/common/hash.hpp"
#include "roofcast/graph/cost.hpp"
#include "roofcast/graph/load.hpp"
#include "roofcast/report/roofline_plot.hpp"
#include "roofcast/roofline/predict.hpp"

namespace roofcast::cli {

Subcommand setup_roofline(CLI::App& app, const std::string& command_line) {
  auto options = std::make_shared<RooflineOptions>();
  auto* command = app.add_subcommand(
      "roofline", "Plot a model's kernels against a device's roofline (SVG, and the data as CSV)");
  command->add_option("model", options->model, "ONNX model file")->required();
  add_device_option(*command, options->device);
  add_model_flags(*command, options->model_flags);
  add_device_flags(*command, options->device_flags);
  command->add_option("-o,--output", options->output, "The SVG file to write")->required();
  command->add_option("--data", options->data,
                      "The CSV file with the plotted data (default: the SVG's path with .csv)");
  command->add_option("--label", options->label_top, "Name the N kernels with the most time")
      ->capture_default_str();
  return {command, [options, command_line] { return run_roofline(*options, command_line); }};
}

int run_roofline(const RooflineOptions& options, const std::string& command_line) {
  const roofline::DeviceProfile profile = load_device(options.device, options.device_flags);
  const graph::Graph graph = graph::load_graph(options.model, to_load_options(options.model_flags));
  const graph::GraphCost cost = graph::graph_cost(graph);
  const roofline::Prediction prediction =
      roofline::predict(graph, cost, profile, {.precision = precision_flag(options.device_flags)});
  const auto chart = report::roofline_chart(std::filesystem::path(options.model).stem().string(),
                                            profile, prediction, options.label_top);
  const std::string data_path =
      options.data.empty() ? std::filesystem::path(options.output).replace_extension(".csv").string()
                           : options.data;
  std::ostringstream csv;
  report::write_roofline_csv(csv, chart, current_context(command_line));
  write_file_atomically(options.output, report::roofline_svg(chart));
  write_file_atomically(data_path, csv.str());
  std::size_t plotted = 0;
  for (const auto& point : chart.points) {
    plotted += point.kernels;
  }
  std::cout << "wrote " << options.output << " (" << plotted << " kernels plotted as "
            << chart.points.size() << " points";
  if (chart.hidden_kernels > 0) {
    std::cout << ", " << chart.hidden_kernels << " without FLOPs left off";
  }
  std::cout << ") and " << data_path << '\n';
  return 0;
}

}  // namespace roofcast::cli
