// Maps ONNX Runtime's executed kernels back to roofcast's graph layers,
// through the optimized graph the runtime writes (runners/onnxruntime/MAPPING.md):
//
// 1. Kernels run in topological order. A kernel's node in the optimized graph
//    writes some tensors of the original graph (NCHWc nodes write "<tensor>_nchwc").
//    The layers it executes are the producers of those tensors and every
//    ancestor of them not yet claimed by an earlier kernel: what the runtime
//    fused into it (Conv+BatchNormalization+Relu, MatMul+Add, the Erf form of
//    Gelu …).
// 2. A node the runtime inserted (layout reorders, the reshapes around a
//    fused Gemm) writes no original tensor; it belongs to the kernel it feeds
//    (ReorderInput, input reshapes) or, for ReorderOutput and output
//    reshapes, to the one whose output it converts.
#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <set>

#include "roofcast/measure/measurement.hpp"

namespace roofcast::measure {
namespace {

constexpr std::string_view kNchwc = "_nchwc";

bool starts_with(const std::string& text, std::string_view prefix) { return text.rfind(prefix, 0) == 0; }

std::string original_tensor_name(const std::string& name) {
  if (name.size() > kNchwc.size() && name.ends_with(kNchwc)) {
    return name.substr(0, name.size() - kNchwc.size());
  }
  return name;
}

/// Inserted nodes that convert a producer's output rather than prepare a consumer's input.
bool drains_producer(const KernelTiming& kernel) {
  return starts_with(kernel.op_name, "ReorderOutput") ||
         kernel.node_name.find("output_reshape") != std::string::npos;
}

}  // namespace

void map_kernels_to_layers(const graph::Graph& graph, const std::vector<graph::NodeRecord>& saved,
                           std::vector<KernelTiming>& kernels) {
  // Nodes without a name (ops of an inlined function, such as HardSwish's
  // HardSigmoid and Mul) are saved unnamed but profiled as "<op>_<index>":
  // pair them up by op type, both lists being in execution order.
  std::vector<graph::NodeRecord> optimized = saved;
  {
    std::set<std::string> named;
    std::map<std::string, std::deque<graph::NodeRecord*>> unnamed_by_op;
    for (auto& node : optimized) {
      if (node.name.empty()) {
        unnamed_by_op[node.op_type].push_back(&node);
      } else {
        named.insert(node.name);
      }
    }
    for (const auto& kernel : kernels) {
      const auto underscore = kernel.node_name.rfind('_');
      if (named.count(kernel.node_name) != 0 || underscore == std::string::npos ||
          kernel.node_name.substr(0, underscore) != kernel.op_name) {
        continue;
      }
      auto& queue = unnamed_by_op[kernel.op_name];
      if (!queue.empty()) {
        queue.front()->name = kernel.node_name;
        queue.pop_front();
      }
    }
  }
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
  std::map<std::string, const graph::NodeRecord*> node_by_name;
  std::map<std::string, std::size_t> kernel_by_name;
  for (const auto& node : optimized) {
    node_by_name.emplace(node.name, &node);
  }
  for (std::size_t k = 0; k < kernels.size(); ++k) {
    kernel_by_name.emplace(kernels[k].node_name, k);
  }

  std::map<std::string, std::vector<std::size_t>> readers_of;  // tensor name -> layers reading it
  for (std::size_t i = 0; i < graph.layers.size(); ++i) {
    for (const auto id : graph.layers[i].inputs) {
      if (id != graph::kNoTensor) {
        readers_of[graph.tensor(id).name].push_back(i);
      }
    }
  }
  // The one layer of type `op` reading `layer`'s first output, if it is its only reader.
  const auto sole_consumer = [&](std::size_t layer, const std::string& op) -> std::optional<std::size_t> {
    const auto& outputs = graph.layers[layer].outputs;
    if (outputs.empty() || outputs[0] == graph::kNoTensor) {
      return std::nullopt;
    }
    const auto it = readers_of.find(graph.tensor(outputs[0]).name);
    if (it == readers_of.end() || it->second.size() != 1 || graph.layers[it->second[0]].op_type != op) {
      return std::nullopt;
    }
    return it->second[0];
  };
  std::vector<bool> claimed(graph.layers.size(), false);
  for (auto& kernel : kernels) {
    kernel.layers.clear();
    kernel.mapping = "unmapped";
    std::deque<std::size_t> queue;
    std::set<std::string> stop_at;  // the kernel's own inputs: the fused region ends there
    if (const auto node = node_by_name.find(kernel.node_name); node != node_by_name.end()) {
      for (const auto& input : node->second->inputs) {
        stop_at.insert(original_tensor_name(input));
      }
      for (const auto& output : node->second->outputs) {
        const auto producer = producer_by_tensor.find(original_tensor_name(output));
        if (producer != producer_by_tensor.end() && !claimed[producer->second]) {
          queue.push_back(producer->second);
        }
      }
      if (!queue.empty()) {
        kernel.mapping = "tensors";
      }
    }
    if (queue.empty() && kernel.node_name.ends_with(kNchwc)) {
      // NCHWc nodes write renamed tensors ("reorder_token_N") but are named
      // after the original tensor they stand for: "<tensor>_nchwc".
      const auto producer = producer_by_tensor.find(original_tensor_name(kernel.node_name));
      if (producer != producer_by_tensor.end() && !claimed[producer->second]) {
        queue.push_back(producer->second);
        kernel.mapping = "tensors";
      }
    }
    if (queue.empty()) {
      if (const auto layer = layer_by_name.find(kernel.node_name);
          layer != layer_by_name.end() && !claimed[layer->second]) {
        queue.push_back(layer->second);
        kernel.mapping = "name";
      }
    }
    // An NCHWc Conv with a fourth ("Sum") input has the residual Add that reads
    // its output fused in, and the Add's activation when it names one.
    std::optional<std::size_t> fused_add;
    if (const auto node = node_by_name.find(kernel.node_name);
        node != node_by_name.end() && !queue.empty() && node->second->op_type == "Conv" &&
        node->second->inputs.size() >= 4 && !node->second->inputs[3].empty()) {
      fused_add = queue.front();
    }
    while (!queue.empty()) {
      const std::size_t layer = queue.front();
      queue.pop_front();
      if (claimed[layer]) {
        continue;
      }
      claimed[layer] = true;
      kernel.layers.push_back(layer);
      for (const auto id : graph.layers[layer].inputs) {
        if (id == graph::kNoTensor) {
          continue;
        }
        const auto& tensor = graph.tensor(id).name;
        if (stop_at.count(tensor) != 0) {
          continue;
        }
        const auto producer = producer_by_tensor.find(tensor);
        if (producer != producer_by_tensor.end() && !claimed[producer->second]) {
          queue.push_back(producer->second);
        }
      }
    }
    if (fused_add) {
      const auto add = sole_consumer(*fused_add, "Add");
      if (add && !claimed[*add]) {
        claimed[*add] = true;
        kernel.layers.push_back(*add);
        const auto node = node_by_name.at(kernel.node_name);
        if (const auto activation = node->text_attributes.find("activation");
            activation != node->text_attributes.end()) {
          const auto after = sole_consumer(*add, activation->second);
          if (after && !claimed[*after]) {
            claimed[*after] = true;
            kernel.layers.push_back(*after);
          }
        }
      }
    }
    std::sort(kernel.layers.begin(), kernel.layers.end());
  }

  // Inserted nodes: follow the optimized graph to the kernel they feed or drain,
  // through other inserted nodes; without the graph, take the next or previous
  // mapped kernel in execution order.
  std::map<std::string, std::vector<std::string>> consumers_of;  // tensor -> node names
  std::map<std::string, std::string> producer_of;                // tensor -> node name
  for (const auto& node : optimized) {
    for (const auto& input : node.inputs) {
      consumers_of[input].push_back(node.name);
    }
    for (const auto& output : node.outputs) {
      producer_of[output] = node.name;
    }
  }
  const auto mapped_kernel = [&](const std::string& name) -> const KernelTiming* {
    const auto it = kernel_by_name.find(name);
    return it != kernel_by_name.end() && kernels[it->second].mapping != "unmapped" &&
                   !starts_with(kernels[it->second].mapping, "inserted")
               ? &kernels[it->second]
               : nullptr;
  };
  // The mapped kernel an inserted node feeds (or drains, `drain`), through other inserted nodes.
  const auto follow = [&](const KernelTiming& kernel, bool drain) -> const KernelTiming* {
    std::set<std::string> seen;
    std::deque<std::string> frontier = {kernel.node_name};
    while (!frontier.empty()) {
      const std::string name = frontier.front();
      frontier.pop_front();
      if (!seen.insert(name).second) {
        continue;
      }
      if (name != kernel.node_name) {
        if (const KernelTiming* target = mapped_kernel(name)) {
          return target;
        }
      }
      const auto node = node_by_name.find(name);
      if (node == node_by_name.end()) {
        continue;
      }
      if (drain) {
        for (const auto& input : node->second->inputs) {
          if (const auto p = producer_of.find(input); p != producer_of.end()) {
            frontier.push_back(p->second);
          }
        }
      } else {
        for (const auto& output : node->second->outputs) {
          for (const auto& consumer : consumers_of[output]) {
            frontier.push_back(consumer);
          }
        }
      }
    }
    return nullptr;
  };
  const auto has_transpose_layer = [&graph](const KernelTiming& kernel) {
    return std::any_of(kernel.layers.begin(), kernel.layers.end(),
                       [&graph](std::size_t layer) { return graph.layers[layer].op_type == "Transpose"; });
  };
  for (std::size_t k = 0; k < kernels.size(); ++k) {
    auto& kernel = kernels[k];
    if (kernel.mapping != "unmapped") {
      continue;
    }
    const bool transpose_token = starts_with(kernel.node_name, "Transpose_token");
    // The transpose optimizer pushes a Transpose down through elementwise
    // operators (ConvNeXt's layer-scale Mul): a Transpose it inserts after
    // the kernel that ran the model's Transpose is that Transpose, moved.
    const bool drains = drains_producer(kernel);
    const KernelTiming* producer = drains || transpose_token ? follow(kernel, /*drain=*/true) : nullptr;
    const bool drain = drains || (transpose_token && producer != nullptr && has_transpose_layer(*producer));
    const KernelTiming* target = drain ? producer : follow(kernel, /*drain=*/false);
    const bool known_insertion = starts_with(kernel.op_name, "Reorder") ||
                                 kernel.node_name.find("_reshape") != std::string::npos || transpose_token;
    if (target == nullptr && known_insertion) {  // no graph: neighbours in execution order
      if (drain) {
        for (std::size_t j = k; j-- > 0 && target == nullptr;) {
          target = mapped_kernel(kernels[j].node_name);
        }
      } else {
        for (std::size_t j = k + 1; j < kernels.size() && target == nullptr; ++j) {
          target = mapped_kernel(kernels[j].node_name);
        }
      }
    }
    if (target != nullptr) {
      kernel.layers = target->layers;
      kernel.mapping = drain ? "inserted:producer" : "inserted:consumer";
    }
  }
}

}  // namespace roofcast::measure
