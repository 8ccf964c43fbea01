#include "micro_model.hpp"

#include <filesystem>
#include <iostream>
#include <memory>

#include "roofcast/common/error.hpp"
#include "roofcast/common/hash.hpp"
#include "roofcast/measure/micro_models.hpp"

namespace roofcast::cli {

Subcommand setup_micro_model(CLI::App& app) {
  auto options = std::make_shared<MicroModelOptions>();
  auto* command = app.add_subcommand(
      "micro-model", "Write a single-kernel ONNX model (random weights) for a microbenchmark");
  command->add_option("spec", options->spec,
                      "KIND:key=value,... e.g. conv:c=32,h=56,w=56,k=64,kernel=3 or gemm:m=1,k=1024,n=1000")
      ->required();
  command->add_option("-o,--output", options->output, "The .onnx file to write (default: <name>.onnx)");
  command->add_option("--seed", options->seed, "Seed of the random weights")->capture_default_str();
  command->add_option("--flush-mib", options->flush_mib,
                      "Read this many MiB first and rewrite the inputs, as `calibrate` measures a point "
                      "(the caches a kernel meets in a network; 0: none)")
      ->check(CLI::Range(0, 1 << 16))
      ->capture_default_str();
  command->add_flag("--force", options->force, "Replace an existing output file");
  return {command, [options] { return run_micro_model(*options); }};
}

int run_micro_model(const MicroModelOptions& options) {
  const measure::MicroModel spec = measure::parse_micro_model(options.spec);
  const std::string path = options.output.empty() ? measure::micro_model_name(spec) + ".onnx" : options.output;
  if (!options.force && std::filesystem::exists(path)) {
    throw IoError(path + ": already exists (pass --force to replace it)");
  }
  write_file_atomically(path, measure::micro_model_bytes(spec, options.seed, std::int64_t{options.flush_mib} << 20));
  std::cout << "wrote " << path << " (" << measure::micro_model_name(spec) << ")\n";
  return 0;
}

}  // namespace roofcast::cli
