// Maps ONNX Runtime's executed kernels back to roofcast's graph layers.
// The rules, and what ONNX Runtime does to names, are in
// runners/onnxruntime/MAPPING.md.
#include <map>

#include "roofcast/measure/measurement.hpp"

namespace roofcast::measure {
namespace {

bool starts_with(const std::string& text, std::string_view prefix) { return text.rfind(prefix, 0) == 0; }

}  // namespace

void map_kernels_to_layers(const graph::Graph& graph, std::vector<KernelTiming>& kernels) {
  std::map<std::string, std::size_t> layer_by_name;
  std::map<std::string, std::size_t> producer_by_tensor;
  for (std::size_t i = 0; i < graph.layers.size(); ++i) {
    layer_by_name.emplace(graph.layers[i].name, i);
    for (const auto id : graph.layers[i].outputs) {
      if (id != graph::kNoTensor) {
        producer_by_tensor.emplace(graph.tensor(id).name, i);
      }
    }
  }
  for (auto& kernel : kernels) {
    kernel.layers.clear();
    kernel.mapping = "unmapped";
    const std::string& name = kernel.node_name;
    if (const auto it = layer_by_name.find(name); it != layer_by_name.end()) {
      kernel.layers = {it->second};
      kernel.mapping = "name";
      continue;
    }
    // The NCHWc transformer names a node after the tensor it writes, "<tensor>_nchwc":
    // the last layer of the chain it fused (the Conv's activation, say).
    constexpr std::string_view kNchwc = "_nchwc";
    if (name.size() > kNchwc.size() && name.ends_with(kNchwc)) {
      const auto it = producer_by_tensor.find(name.substr(0, name.size() - kNchwc.size()));
      if (it != producer_by_tensor.end()) {
        kernel.layers = {it->second};
        kernel.mapping = "nchwc";
      }
    }
  }
  // Layout reorders carry no layer of their own: ReorderInput belongs to the
  // kernel it feeds (the next mapped one), ReorderOutput to the one whose
  // output it converts back (the previous mapped one).
  for (std::size_t i = 0; i < kernels.size(); ++i) {
    auto& kernel = kernels[i];
    if (kernel.mapping != "unmapped") {
      continue;
    }
    if (starts_with(kernel.op_name, "ReorderInput")) {
      for (std::size_t j = i + 1; j < kernels.size(); ++j) {
        if (!kernels[j].layers.empty() && !starts_with(kernels[j].op_name, "Reorder")) {
          kernel.layers = kernels[j].layers;
          kernel.mapping = "reorder";
          break;
        }
      }
    } else if (starts_with(kernel.op_name, "ReorderOutput")) {
      for (std::size_t j = i; j-- > 0;) {
        if (!kernels[j].layers.empty() && !starts_with(kernels[j].op_name, "Reorder")) {
          kernel.layers = kernels[j].layers;
          kernel.mapping = "reorder";
          break;
        }
      }
    }
  }
}

}  // namespace roofcast::measure
