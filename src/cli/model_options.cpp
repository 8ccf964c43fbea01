#include "model_options.hpp"

#include <charconv>
#include <iostream>

#include "roofcast/common/error.hpp"
#include "roofcast/common/hash.hpp"
#include "roofcast/graph/numerics.hpp"

namespace roofcast::cli {
namespace {

std::pair<std::string, std::string> split_assignment(const std::string& text,
                                                     const std::string& flag,
                                                     const std::string& example) {
  const auto equals = text.find('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == text.size()) {
    throw UsageError(flag + " " + text + ": expected " + example);
  }
  return {text.substr(0, equals), text.substr(equals + 1)};
}

}  // namespace

void add_model_flags(CLI::App& command, ModelFlags& flags) {
  command.add_option("--dim", flags.dims,
                     "Set a symbolic input dimension, NAME=VALUE (repeatable), e.g. --dim batch=1");
  command.add_option("--input-shape", flags.input_shapes,
                     "Set an input's whole shape, NAME=DIMS (repeatable), e.g. "
                     "--input-shape input=1x3x224x224");
}

graph::LoadOptions to_load_options(const ModelFlags& flags) {
  graph::LoadOptions options;
  for (const auto& text : flags.dims) {
    const auto [name, value_text] = split_assignment(text, "--dim", "NAME=VALUE, e.g. batch=1");
    std::int64_t value = 0;
    const auto [ptr, ec] =
        std::from_chars(value_text.data(), value_text.data() + value_text.size(), value);
    if (ec != std::errc() || ptr != value_text.data() + value_text.size() || value < 0) {
      throw UsageError("--dim " + text + ": '" + value_text + "' is not a non-negative integer");
    }
    if (!options.dims.emplace(name, value).second) {
      throw UsageError("--dim " + name + " is given twice");
    }
  }
  for (const auto& text : flags.input_shapes) {
    const auto [name, shape_text] =
        split_assignment(text, "--input-shape", "NAME=DIMS, e.g. input=1x3x224x224");
    if (!options.input_shapes.emplace(name, graph::parse_shape(shape_text, "--input-shape " + name))
             .second) {
      throw UsageError("--input-shape " + name + " is given twice");
    }
  }
  return options;
}

void warn_about_model(const graph::Graph& graph, const graph::GraphCost& cost) {
  for (const auto& op : cost.unsupported_ops) {
    std::cerr << "roofcast: warning: " << graph.source << ": op '" << op
              << "' has no cost entry; its layers count bytes only, no FLOPs\n";
  }
  const auto masks = graph::subnormal_softmax_masks(graph);
  if (!masks.empty()) {
    std::cerr << "roofcast: warning: " << graph.source << ": " << masks.size() << " Softmax layer(s) add a mask of "
              << masks.front().fill << " (" << masks.front().mask << "), first '" << masks.front().softmax
              << "': exp() of the masked scores is a subnormal float, which many CPUs compute with a microcode "
                 "assist (13.6x on one Softmax on an Intel Xeon); the prediction does not include it\n";
  }
}

void write_output(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::cout << text;
    std::cout.flush();
    return;
  }
  write_file_atomically(path, text);
}

}  // namespace roofcast::cli
