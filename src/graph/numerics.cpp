#include "roofcast/graph/numerics.hpp"

#include <cstddef>
#include <optional>

#include "op_registry.hpp"

namespace roofcast::graph {
namespace {

/// A layer that runs as no kernel: the op registry's views (Reshape, Flatten, Squeeze, …).
bool is_view(const Layer& layer) {
  const OpEntry* entry = find_op_entry(layer.domain, layer.op_type);
  return entry != nullptr && entry->family == OpFamily::kView;
}

/// Per tensor id, the index of the layer that writes it (-1: none).
std::vector<std::ptrdiff_t> producers(const Graph& graph) {
  std::vector<std::ptrdiff_t> producer(graph.tensors.size(), -1);
  for (std::size_t index = 0; index < graph.layers.size(); ++index) {
    for (const TensorId id : graph.layers[index].outputs) {
      if (id != kNoTensor) {
        producer[static_cast<std::size_t>(id)] = static_cast<std::ptrdiff_t>(index);
      }
    }
  }
  return producer;
}

/// The layer that writes `id`, looking through views; nullptr for a graph
/// input, an initializer or a constant.
const Layer* source_layer(const Graph& graph, const std::vector<std::ptrdiff_t>& producer, TensorId id) {
  while (id != kNoTensor) {
    const std::ptrdiff_t index = producer[static_cast<std::size_t>(id)];
    if (index < 0) {
      return nullptr;
    }
    const Layer& layer = graph.layers[static_cast<std::size_t>(index)];
    if (!is_view(layer) || layer.inputs.empty()) {
      return &layer;
    }
    id = layer.inputs.front();
  }
  return nullptr;
}

/// The most negative constant scalar a Where selects (its inputs 1 and 2),
/// directly or through the Wheres it selects from: PyTorch's
/// masked_fill(m != 0, -100.0).masked_fill(m == 0, 0.0) exports as a Where
/// that selects 0.0 or the output of a Where that selects -100.0.
std::optional<double> where_fill(const Graph& graph, const std::vector<std::ptrdiff_t>& producer, const Layer& where,
                                 int depth = 0) {
  constexpr int kDeepest = 4;
  std::optional<double> fill;
  const auto take = [&fill](std::optional<double> value) {
    if (value && (!fill || *value < *fill)) {
      fill = value;
    }
  };
  for (std::size_t input = 1; input < where.inputs.size() && input <= 2; ++input) {
    const TensorId id = where.inputs[input];
    if (id == kNoTensor) {
      continue;
    }
    if (graph.tensor(id).scalar_value) {
      take(graph.tensor(id).scalar_value);
      continue;
    }
    const Layer* inner = source_layer(graph, producer, id);
    if (inner != nullptr && depth < kDeepest && inner->domain.empty() && inner->op_type == "Where") {
      take(where_fill(graph, producer, *inner, depth + 1));
    }
  }
  return fill;
}

}  // namespace

std::vector<SubnormalMask> subnormal_softmax_masks(const Graph& graph) {
  const auto producer = producers(graph);
  std::vector<SubnormalMask> found;
  for (const Layer& layer : graph.layers) {
    if (!layer.domain.empty() || (layer.op_type != "Softmax" && layer.op_type != "LogSoftmax") ||
        layer.inputs.empty()) {
      continue;
    }
    const Layer* add = source_layer(graph, producer, layer.inputs.front());
    if (add == nullptr || !add->domain.empty() || add->op_type != "Add") {
      continue;
    }
    for (const TensorId operand : add->inputs) {
      const Layer* where = source_layer(graph, producer, operand);
      if (where == nullptr || !where->domain.empty() || where->op_type != "Where") {
        continue;
      }
      const auto fill = where_fill(graph, producer, *where);
      if (fill && *fill <= kSubnormalExpBelow) {
        found.push_back({.softmax = layer.name, .mask = where->name, .fill = *fill});
        break;
      }
    }
  }
  return found;
}

}  // namespace roofcast::graph
