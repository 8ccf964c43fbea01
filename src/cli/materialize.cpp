#include "materialize.hpp"

#include <iostream>
#include <memory>

#include "roofcast/common/units.hpp"
#include "roofcast/graph/materialize.hpp"

namespace roofcast::cli {

Subcommand setup_materialize(CLI::App& app) {
  auto options = std::make_shared<MaterializeOptions>();
  auto* command = app.add_subcommand(
      "materialize", "Write a runnable copy of a graph-only model, with random weights");
  command->add_option("model", options->model, "ONNX model file (graph-only or complete)")
      ->required();
  command->add_option("-o,--output", options->output, "Where to write the runnable copy")
      ->required();
  command->add_option("--seed", options->seed, "Random seed for the weights (default 0)");
  command->add_flag("--force", options->force, "Replace an existing output file");
  return {command, [options] { return run_materialize(*options); }};
}

int run_materialize(const MaterializeOptions& options) {
  const auto report = graph::materialize_model(options.model, options.output,
                                               {.seed = options.seed, .overwrite = options.force});
  std::cerr << "roofcast: wrote " << options.output << ": " << report.initializers_filled
            << " initializers filled with random values (" << bytes_format(report.bytes_filled)
            << "), " << report.initializers_inlined << " read from external data, "
            << report.initializers_kept << " kept\n";
  return 0;
}

}  // namespace roofcast::cli
