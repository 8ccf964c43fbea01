#include "roofcast/roofline/lower.hpp"

#include <algorithm>
#include <numeric>
#include <map>
#include <optional>
#include <set>
#include <variant>

namespace roofcast::roofline {

using graph::Graph;
using graph::GraphCost;
using graph::Layer;
using graph::OpFamily;
using graph::TensorId;

std::string_view kernel_class_name(KernelClass kernel_class) {
  switch (kernel_class) {
    case KernelClass::kConv: return "conv";
    case KernelClass::kDepthwiseConv: return "depthwise_conv";
    case KernelClass::kGroupedConv: return "grouped_conv";
    case KernelClass::kGemm: return "gemm";
    case KernelClass::kPool: return "pool";
    case KernelClass::kElementwise: return "elementwise";
    case KernelClass::kNormalization: return "normalization";
    case KernelClass::kDataMovement: return "data_movement";
    case KernelClass::kOther: return "other";
  }
  return "other";
}

std::vector<TensorId> kernel_outputs(const Graph& graph, const Kernel& kernel) {
  std::vector<TensorId> outputs;
  for (std::size_t k = kernel.split ? 0 : kernel.layers.size() - 1; k < kernel.layers.size(); ++k) {
    for (const TensorId id : graph.layers[kernel.layers[k]].outputs) {
      if (id != graph::kNoTensor) {
        outputs.push_back(id);
      }
    }
  }
  return outputs;
}

double Kernel::arithmetic_intensity() const {
  const std::int64_t bytes = bytes_read + bytes_written;
  return bytes > 0 ? static_cast<double>(flops) / static_cast<double>(bytes) : 0.0;
}

namespace {

bool is_activation(const std::string& op) {
  static const std::set<std::string> kActivations = {
      "Relu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "LeakyRelu", "Tanh", "Elu",
      "Selu", "Softplus", "Mish", "Gelu", "PRelu"};
  return kActivations.count(op) != 0;
}

KernelClass class_of(const Graph& graph, const Layer& layer, OpFamily family) {
  switch (family) {
    case OpFamily::kConv: {
      const auto* attributes = std::get_if<graph::ConvAttributes>(&layer.attributes);
      const std::int64_t group = attributes != nullptr ? attributes->group : 1;
      if (group <= 1 || layer.op_type != "Conv") {
        return KernelClass::kConv;
      }
      const auto& input = graph.tensor(layer.inputs.at(0));
      const std::int64_t channels = input.shape.size() > 1 ? input.shape[1] : 0;
      return group == channels ? KernelClass::kDepthwiseConv : KernelClass::kGroupedConv;
    }
    case OpFamily::kGemm: return KernelClass::kGemm;
    case OpFamily::kPool:
      // A global pool has no window: it is a reduction over H × W (ReduceMean's
      // work), which streams its input at one rate whatever the channel count.
      // One thread, behind calibrate's flush: 28.1 GB/s at 128 channels of 28 × 28,
      // 26.4 at 360 of 14 × 14, where a MaxPool ran 45.7 GB/s at 96 channels and
      // 12.5 at 98 (ONNX Runtime blocks a window pool's channels in 16s).
      return layer.op_type.rfind("Global", 0) == 0 ? KernelClass::kNormalization : KernelClass::kPool;
    case OpFamily::kElementwise: return KernelClass::kElementwise;
    case OpFamily::kNormalization:
      // At inference a BatchNormalization is a per-channel multiply-add: no statistics to gather.
      return layer.op_type == "BatchNormalization" ? KernelClass::kElementwise : KernelClass::kNormalization;
    case OpFamily::kSoftmax:
    case OpFamily::kReduce: return KernelClass::kNormalization;
    case OpFamily::kDataMovement:
    case OpFamily::kView: return KernelClass::kDataMovement;  // a view kept as a copy
    default: return KernelClass::kOther;
  }
}

class Lowering {
 public:
  Lowering(const Graph& graph, const GraphCost& cost, const LoweringRules& rules)
      : graph_(graph),
        cost_(cost),
        rules_(rules),
        consumers_(graph.tensors.size(), 0),
        alias_(graph.tensors.size(), graph::kNoTensor),
        split_leader_(graph.layers.size(), kNone) {
    for (const Layer& layer : graph.layers) {
      for (const TensorId id : layer.inputs) {
        if (id != graph::kNoTensor) {
          consumers_[static_cast<std::size_t>(id)] += 1;
        }
      }
    }
    if (rules_.has(FusionRule::kSplitSiblings)) {
      find_split_siblings();
    }
  }

  std::vector<Kernel> run() {
    for (std::size_t i = 0; i < graph_.layers.size(); ++i) {
      const Layer& layer = graph_.layers[i];
      const auto& layer_cost = cost_.layers[i];
      if (layer_cost.family == OpFamily::kMetadata) {
        continue;
      }
      if (rules_.has(FusionRule::kMatMulOperands) && folds_into_matmul(i)) {
        // Read by the MatMul through its operand (strided, or scaled by its
        // alpha): the output aliases the data input; the MatMul's kernel lists it.
        const TensorId data = operand_data(layer);
        const TensorId out = layer.outputs[0];
        alias_[static_cast<std::size_t>(out)] = resolve(data);
        consumers_[static_cast<std::size_t>(resolve(data))] += consumers_[static_cast<std::size_t>(out)] - 1;
        std::vector<std::size_t> chain;
        if (const auto before = operand_chain_.find(data); before != operand_chain_.end()) {
          chain = before->second;
        }
        chain.push_back(i);
        operand_chain_[out] = std::move(chain);
        continue;
      }
      if ((layer_cost.family == OpFamily::kView && rules_.drop_views) ||
          (layer.op_type == "Pad" && rules_.has(FusionRule::kPadIntoConsumer) && padding_of_next(i))) {
        // The view's (or the fused Pad's) output aliases its data input.
        if (!layer.outputs.empty() && layer.outputs[0] != graph::kNoTensor && !layer.inputs.empty() &&
            layer.inputs[0] != graph::kNoTensor) {
          const TensorId data = resolve(layer.inputs[0]);
          alias_[static_cast<std::size_t>(layer.outputs[0])] = data;
          consumers_[static_cast<std::size_t>(data)] +=
              consumers_[static_cast<std::size_t>(layer.outputs[0])] - 1;
        }
        continue;
      }
      if (split_leader_[i] != kNone && split_leader_[i] != i) {
        // A sibling of a Split the runtime runs as one kernel: it joins the leader's.
        const auto leader = split_kernel_.find(split_leader_[i]);
        if (leader != split_kernel_.end()) {
          append(kernels_[leader->second], i, /*folded=*/false, /*chained=*/false);
          continue;
        }
      }
      if (!kernels_.empty() && fuses_into_last(layer, layer_cost.family)) {
        // BatchNormalization folded into the Conv's weights costs nothing at run time.
        const bool folded = layer.op_type == "BatchNormalization";
        std::string completes = completed_activation(kernels_.back(), layer);
        append(kernels_.back(), i, folded);
        if (!completes.empty()) {
          kernels_.back().fused_op = std::move(completes);
        }
        if (is_activation(layer.op_type) && kernels_.back().kernel_class != KernelClass::kElementwise &&
            rules_.in_kernel_activations &&
            rules_.in_kernel_activations->count(layer.op_type) == 0 && !layer.outputs.empty() &&
            layer.outputs[0] != graph::kNoTensor) {
          Kernel& fused = kernels_.back();
          fused.epilogue_op = layer.op_type;
          fused.epilogue_flops += layer_cost.flops;
          fused.epilogue_bytes += passes_of(layer.op_type) * graph_.tensor(layer.outputs[0]).size_bytes();
        }
        continue;
      }
      Kernel kernel;
      kernel.name = layer.name;
      kernel.kernel_class = class_of(graph_, layer, layer_cost.family);
      append(kernel, i, /*folded=*/false);
      add_operand_layers(kernel, layer);
      kernels_.push_back(std::move(kernel));
      if (split_leader_[i] == i) {  // the first part of a Split: the others join it
        kernels_.back().split = true;
        split_kernel_[i] = kernels_.size() - 1;
      }
      has_activation_ = false;
      has_add_ = false;
    }
    if (rules_.blocked_layout) {
      add_layout_reorders(*rules_.blocked_layout);
    }
    return std::move(kernels_);
  }

 private:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  /// The axis along which a Slice or scalar-index Gather takes part of its
  /// input, and how much of that axis it takes; nullopt when it is neither.
  std::optional<std::pair<std::size_t, std::int64_t>> part_taken(const Layer& layer) const {
    if (layer.inputs.empty() || layer.outputs.empty() || layer.inputs[0] == graph::kNoTensor ||
        layer.outputs[0] == graph::kNoTensor) {
      return std::nullopt;
    }
    const auto& in = graph_.tensor(layer.inputs[0]).shape;
    const auto& out = graph_.tensor(layer.outputs[0]).shape;
    if (layer.op_type == "Slice" && in.size() == out.size()) {
      std::optional<std::size_t> axis;
      for (std::size_t d = 0; d < in.size(); ++d) {
        if (in[d] != out[d]) {
          if (axis) return std::nullopt;  // more than one axis sliced
          axis = d;
        }
      }
      if (axis) return std::make_pair(*axis, out[*axis]);
      return std::nullopt;
    }
    if (layer.op_type == "Gather" && out.size() + 1 == in.size()) {  // a scalar index
      const auto* attributes = std::get_if<graph::AxisAttributes>(&layer.attributes);
      std::int64_t axis = attributes != nullptr ? attributes->axis : 0;
      if (axis < 0) axis += static_cast<std::int64_t>(in.size());
      if (axis < 0 || axis >= static_cast<std::int64_t>(in.size())) return std::nullopt;
      return std::make_pair(static_cast<std::size_t>(axis), std::int64_t{1});
    }
    return std::nullopt;
  }

  /// Groups of Slices (or of scalar-index Gathers) that read one tensor, and
  /// nothing else does, each taking a part of the same axis, the parts adding
  /// up to the whole axis: the runtime runs such a group as one Split (ONNX
  /// Runtime's GatherSliceToSplitFusion; the Gathers' dropped axis becomes a
  /// Squeeze view). Each member records the group's first layer.
  void find_split_siblings() {
    std::map<TensorId, std::vector<std::size_t>> readers;  // data tensor -> Slice/Gather layers reading it
    for (std::size_t i = 0; i < graph_.layers.size(); ++i) {
      const Layer& layer = graph_.layers[i];
      if ((layer.op_type == "Slice" || layer.op_type == "Gather") && !layer.inputs.empty() &&
          layer.inputs[0] != graph::kNoTensor) {
        readers[layer.inputs[0]].push_back(i);
      }
    }
    for (const auto& [data, group] : readers) {
      if (group.size() < 2 || consumers_[static_cast<std::size_t>(data)] != static_cast<int>(group.size())) {
        continue;
      }
      const std::string& op = graph_.layers[group.front()].op_type;
      const auto first = part_taken(graph_.layers[group.front()]);
      if (!first) {
        continue;
      }
      std::int64_t covered = 0;
      bool siblings = true;
      for (const std::size_t i : group) {
        const auto part = part_taken(graph_.layers[i]);
        siblings = siblings && graph_.layers[i].op_type == op && part && part->first == first->first;
        covered += part ? part->second : 0;
      }
      if (siblings && covered == graph_.tensor(data).shape.at(first->first)) {
        for (const std::size_t i : group) {
          split_leader_[i] = group.front();
        }
      }
    }
  }

  /// Whether the Pad at `index` is read by exactly one layer, a Conv or a pooling layer.
  /// The one layer that reads `id` (after layer `after`), or kNone.
  std::size_t sole_reader(TensorId id, std::size_t after) const {
    if (consumers_[static_cast<std::size_t>(id)] != 1 || graph_.tensor(id).is_graph_output) {
      return kNone;
    }
    for (std::size_t j = after + 1; j < graph_.layers.size(); ++j) {
      const auto& inputs = graph_.layers[j].inputs;
      if (std::find(inputs.begin(), inputs.end(), id) != inputs.end()) {
        return j;
      }
    }
    return kNone;
  }

  /// Whether the tensor's values are stored in the model (an initializer or a Constant's output).
  bool stored(TensorId id) const {
    const auto kind = graph_.tensor(id).kind;
    return kind == graph::TensorKind::kInitializer || kind == graph::TensorKind::kConstant;
  }

  bool constant_scalar(TensorId id) const {
    return id != graph::kNoTensor && stored(id) && graph_.tensor(id).elements == 1;
  }

  /// The data input of a layer FusionRule::kMatMulOperands may fold: a
  /// Transpose's input, the operand a Mul or Div scales (kNoTensor when it
  /// is neither a Transpose nor a scale by a constant scalar).
  TensorId operand_data(const Layer& layer) const {
    if (!layer.domain.empty() || layer.outputs.size() != 1 || layer.outputs[0] == graph::kNoTensor) {
      return graph::kNoTensor;
    }
    if (layer.op_type == "Transpose" && layer.inputs.size() == 1 && layer.inputs[0] != graph::kNoTensor) {
      // FusedMatMul reads an operand transposed in its last two axes (trans),
      // with its first axis moved to the batch's end (transBatch), or both.
      const auto rank = static_cast<std::int64_t>(graph_.tensor(layer.inputs[0]).shape.size());
      const auto* attributes = std::get_if<graph::TransposeAttributes>(&layer.attributes);
      std::vector<std::int64_t> perm = attributes != nullptr ? attributes->perm : std::vector<std::int64_t>{};
      if (perm.empty()) {
        for (std::int64_t d = rank - 1; d >= 0; --d) perm.push_back(d);
      }
      if (rank < 2 || static_cast<std::int64_t>(perm.size()) != rank) {
        return graph::kNoTensor;
      }
      std::vector<std::int64_t> trans(static_cast<std::size_t>(rank));
      std::iota(trans.begin(), trans.end(), 0);
      std::swap(trans[static_cast<std::size_t>(rank - 2)], trans[static_cast<std::size_t>(rank - 1)]);
      std::vector<std::int64_t> batch;  // 1, 2, ..., rank - 2, 0, rank - 1
      for (std::int64_t d = 1; d + 1 < rank; ++d) batch.push_back(d);
      batch.push_back(0);
      batch.push_back(rank - 1);
      std::vector<std::int64_t> both = batch;  // 1, 2, ..., rank - 2, rank - 1, 0
      if (rank >= 3) std::swap(both[static_cast<std::size_t>(rank - 2)], both[static_cast<std::size_t>(rank - 1)]);
      const bool folds = perm == trans || (rank >= 3 && (perm == batch || perm == both));
      return folds ? layer.inputs[0] : graph::kNoTensor;
    }
    if ((layer.op_type == "Mul" || layer.op_type == "Div") && layer.inputs.size() == 2 &&
        layer.inputs[0] != graph::kNoTensor && layer.inputs[1] != graph::kNoTensor) {
      if (constant_scalar(layer.inputs[1]) && !constant_scalar(layer.inputs[0])) {
        return layer.inputs[0];
      }
      if (layer.op_type == "Mul" && constant_scalar(layer.inputs[0]) && !constant_scalar(layer.inputs[1])) {
        return layer.inputs[1];
      }
    }
    return graph::kNoTensor;
  }

  /// Whether layer `index` is a Transpose or a scale that the one layer reading
  /// it, a MatMul of two activations (directly or through more of them),
  /// folds into how it reads that operand, as ONNX Runtime's FusedMatMul
  /// does (MatMulTransposeFusion, MatMulScaleFusion). A MatMul of stored
  /// weights becomes a Gemm instead, and its Transpose stays a copy.
  bool folds_into_matmul(std::size_t index, int depth = 0) const {
    const Layer& layer = graph_.layers[index];
    if (depth > 8 || operand_data(layer) == graph::kNoTensor) {
      return false;
    }
    const std::size_t reader = sole_reader(layer.outputs[0], index);
    if (reader == kNone) {
      return false;
    }
    const Layer& next = graph_.layers[reader];
    if (next.op_type == "MatMul" && next.domain.empty() && next.inputs.size() == 2) {
      return std::none_of(next.inputs.begin(), next.inputs.end(),
                          [&](TensorId id) { return id == graph::kNoTensor || stored(id); });
    }
    return folds_into_matmul(reader, depth + 1);
  }

  /// A MatMul's kernel lists the layers folded into its operands, which it runs.
  void add_operand_layers(Kernel& kernel, const Layer& layer) {
    if (layer.op_type != "MatMul") {
      return;
    }
    for (const TensorId id : layer.inputs) {
      if (const auto chain = operand_chain_.find(id); id != graph::kNoTensor && chain != operand_chain_.end()) {
        kernel.operand_layers.insert(kernel.operand_layers.end(), chain->second.begin(), chain->second.end());
      }
    }
    std::sort(kernel.operand_layers.begin(), kernel.operand_layers.end());
    std::string ops;
    for (const std::size_t index : kernel.operand_layers) {
      ops += graph_.layers[index].op_type + "+";
    }
    kernel.ops = ops + kernel.ops;
  }

  bool padding_of_next(std::size_t index) const {
    const Layer& pad = graph_.layers[index];
    if (pad.outputs.empty() || pad.outputs[0] == graph::kNoTensor || pad.inputs.empty() ||
        pad.inputs[0] == graph::kNoTensor || graph_.tensor(pad.outputs[0]).is_graph_output ||
        consumers_[static_cast<std::size_t>(pad.outputs[0])] != 1) {
      return false;
    }
    for (std::size_t j = index + 1; j < graph_.layers.size(); ++j) {
      const Layer& next = graph_.layers[j];
      if (!next.inputs.empty() && next.inputs[0] == pad.outputs[0]) {
        return next.op_type == "Conv" || next.op_type == "AveragePool" || next.op_type == "MaxPool";
      }
    }
    return false;
  }

  std::int64_t channels(TensorId id) const {
    const auto& shape = graph_.tensor(id).shape;
    return shape.size() == 4 ? shape[1] : 0;
  }

  /// Whether the runtime runs this Conv in its blocked layout.
  bool conv_runs_blocked(const Layer& conv, const BlockedLayout& layout) const {
    if (conv.inputs.size() < 2 || conv.inputs[0] == graph::kNoTensor || conv.inputs[1] == graph::kNoTensor) {
      return false;
    }
    const std::int64_t c = channels(conv.inputs[0]);
    const auto& weight = graph_.tensor(conv.inputs[1]).shape;
    if (c <= 0 || weight.size() != 4) {
      return false;  // only 2-D convolutions
    }
    const auto* attributes = std::get_if<graph::ConvAttributes>(&conv.attributes);
    const std::int64_t group = attributes != nullptr ? std::max<std::int64_t>(1, attributes->group) : 1;
    if (group == 1) {
      return c % layout.channel_multiple == 0 || c < layout.direct_input_below;
    }
    if (group == c && weight[0] == c) {
      return c % layout.channel_multiple == 0;  // depthwise
    }
    return (c / group) % layout.group_channel_multiple == 0 && (weight[0] / group) % layout.group_channel_multiple == 0;
  }

  /// Whether `layer` runs on blocked inputs (a layer of unknown version, built
  /// outside the loader, is taken to be of a version the runtime keeps).
  static bool keeps_blocked(const Layer& layer, const BlockedLayout& layout) {
    const auto it = layout.keep_ops.find(layer.op_type);
    return it != layout.keep_ops.end() && layer.since_version <= it->second;
  }

  /// Marks the kernels that run blocked and charges the reorders the runtime
  /// inserts where blocked and plain kernels meet: a plain tensor into a
  /// blocked Conv to that Conv (once per tensor), a blocked tensor read by a
  /// plain kernel or leaving the graph to its producer (once per tensor).
  void add_layout_reorders(const BlockedLayout& layout) {
    std::map<TensorId, std::size_t> producer;  // a kernel's output tensor → the kernel
    for (std::size_t k = 0; k < kernels_.size(); ++k) {
      for (const TensorId id : kernel_outputs(graph_, kernels_[k])) {
        producer[id] = k;
      }
    }
    const auto size_of = [this](TensorId id) { return graph_.tensor(id).size_bytes(); };
    // Blocked kernels whose output the runtime reorders to plain inside them
    // (a Conv with an activation its blocked kernel does not apply).
    std::set<std::size_t> plain_output;
    const auto blocked_tensor = [&](TensorId id) {
      const auto it = producer.find(id);
      return it != producer.end() && kernels_[it->second].blocked && plain_output.count(it->second) == 0;
    };
    std::set<TensorId> reordered_in;
    std::set<TensorId> reordered_out;
    const auto reorder_out = [&](TensorId id) {
      if (reordered_out.insert(id).second) {
        kernels_[producer.at(id)].reorder_bytes += 2 * size_of(id);
        kernels_[producer.at(id)].reorders += 1;
      }
    };
    for (std::size_t k = 0; k < kernels_.size(); ++k) {
      Kernel& kernel = kernels_[k];
      const Layer& head = graph_.layers[kernel.layers.front()];
      // The activations the kernel reads: tensors other kernels produce, and graph inputs.
      std::vector<TensorId> inputs;
      for (const std::size_t index : kernel.layers) {
        for (const TensorId raw : graph_.layers[index].inputs) {
          const TensorId id = resolve(raw);
          if (id == graph::kNoTensor) {
            continue;
          }
          const auto it = producer.find(id);
          const bool from_kernel = it != producer.end() && it->second != k;
          if ((from_kernel || graph_.tensor(id).kind == graph::TensorKind::kInput) &&
              std::find(inputs.begin(), inputs.end(), id) == inputs.end()) {
            inputs.push_back(id);
          }
        }
      }
      if (head.op_type == "Conv") {
        kernel.blocked = conv_runs_blocked(head, layout);
        if (kernel.blocked) {
          for (const TensorId id : inputs) {
            const bool direct = id == resolve(head.inputs[0]) && channels(id) < layout.direct_input_below;
            if (!blocked_tensor(id) && !direct && reordered_in.insert(id).second) {
              kernel.reorder_bytes += 2 * size_of(id);
              kernel.reorders += 1;
            }
          }
          if (layout.plain_activations.count(kernel.epilogue_op) != 0) {
            // The activation runs on the plain layout after the convolution's
            // output (as large as the kernel's) is reordered.
            plain_output.insert(k);
            for (const TensorId id : kernel_outputs(graph_, kernel)) {
              kernel.reorder_bytes += 2 * size_of(id);
              kernel.reorders += 1;
            }
          }
        }
      } else if (kernel.ops == head.op_type && keeps_blocked(head, layout) && !inputs.empty()) {
        // (a fused pattern, x·sigmoid(x) say, runs as another operator: plain)
        kernel.blocked = std::all_of(inputs.begin(), inputs.end(), blocked_tensor);
      }
      if (!kernel.blocked) {
        for (const TensorId id : inputs) {
          if (blocked_tensor(id)) {
            reorder_out(id);
          }
        }
      }
    }
    for (const TensorId id : graph_.outputs) {
      const TensorId resolved = resolve(id);
      if (resolved != graph::kNoTensor && blocked_tensor(resolved)) {
        reorder_out(resolved);
      }
    }
  }

  TensorId resolve(TensorId id) const {
    while (id != graph::kNoTensor && alias_[static_cast<std::size_t>(id)] != graph::kNoTensor) {
      id = alias_[static_cast<std::size_t>(id)];
    }
    return id;
  }

  /// The tensor the last kernel hands on, if exactly this layer reads it.
  bool reads_only_output_of_last(const Layer& layer, std::size_t input_index) const {
    const Kernel& last = kernels_.back();
    const Layer& tail = graph_.layers[last.layers.back()];
    if (tail.outputs.empty() || input_index >= layer.inputs.size()) {
      return false;
    }
    const TensorId handed_on = tail.outputs[0];
    if (handed_on == graph::kNoTensor || resolve(layer.inputs[input_index]) != handed_on) {
      return false;
    }
    return !graph_.tensor(handed_on).is_graph_output &&
           consumers_[static_cast<std::size_t>(handed_on)] == 1;
  }

  bool fuses_into_last(const Layer& layer, OpFamily family) {
    const Kernel& last = kernels_.back();
    const Layer& head = graph_.layers[last.layers.front()];
    const bool head_conv = head.op_type == "Conv";
    const bool head_gemm = head.op_type == "Gemm" || head.op_type == "MatMul";
    const auto& op = layer.op_type;
    if (head_conv && op == "BatchNormalization" && last.layers.size() == 1 &&
        rules_.has(FusionRule::kConvBn)) {
      return reads_only_output_of_last(layer, 0);
    }
    if (head_conv && op == "Add" && !has_add_ && !has_activation_ && rules_.has(FusionRule::kConvAdd)) {
      if (reads_only_output_of_last(layer, 0) || reads_only_output_of_last(layer, 1)) {
        has_add_ = true;
        return true;
      }
      return false;
    }
    if (head_gemm && op == "Add" && last.layers.size() == 1 && head.op_type == "MatMul" &&
        rules_.has(FusionRule::kGemmBias)) {
      // The other operand must be a stored bias.
      for (std::size_t k = 0; k < 2 && k < layer.inputs.size(); ++k) {
        if (reads_only_output_of_last(layer, k)) {
          return stored(layer.inputs[1 - k]);
        }
      }
      return false;
    }
    if (is_activation(op) && !has_activation_ &&
        ((head_conv && rules_.has(FusionRule::kConvActivation)) ||
         (head_gemm && rules_.has(FusionRule::kGemmActivation)))) {
      if (reads_only_output_of_last(layer, 0)) {
        has_activation_ = true;
        return true;
      }
      return false;
    }
    if (rules_.has(FusionRule::kActivationPatterns) && last.kernel_class == KernelClass::kElementwise &&
        continues_activation_pattern(last, layer)) {
      return true;
    }
    if (family == OpFamily::kElementwise && rules_.has(FusionRule::kElementwiseChain) &&
        last.kernel_class == KernelClass::kElementwise) {
      for (std::size_t k = 0; k < layer.inputs.size(); ++k) {
        if (reads_only_output_of_last(layer, k)) {
          return true;
        }
      }
    }
    return false;
  }

  /// The activation `layer` completes when fused into `last` ("Silu", "Gelu"),
  /// or "" when it completes none.
  std::string completed_activation(const Kernel& last, const Layer& layer) const {
    if (!rules_.has(FusionRule::kActivationPatterns) || last.kernel_class != KernelClass::kElementwise ||
        !continues_activation_pattern(last, layer)) {
      return "";
    }
    if (last.ops == "Sigmoid") return "Silu";
    if (last.ops == "Div+Erf+Add+Mul") return "Gelu";
    return "";
  }

  /// Whether `layer` continues an activation the runtime computes as one
  /// kernel: x·sigmoid(x) (SiLU/Swish) or the erf form of GELU,
  /// 0.5·x·(1 + erf(x/√2)) exported as Div → Erf → Add → Mul → Mul.
  bool continues_activation_pattern(const Kernel& last, const Layer& layer) const {
    if (!reads_only_output_of_last(layer, 0) && !(layer.inputs.size() > 1 && reads_only_output_of_last(layer, 1))) {
      return false;
    }
    const Layer& head = graph_.layers[last.layers.front()];
    const TensorId x = head.inputs.empty() ? graph::kNoTensor : resolve(head.inputs[0]);
    const auto reads_x = [&] {
      return std::any_of(layer.inputs.begin(), layer.inputs.end(),
                         [&](TensorId id) { return id != graph::kNoTensor && resolve(id) == x; });
    };
    if (last.ops == "Sigmoid") {
      return layer.op_type == "Mul" && reads_x();
    }
    if (last.ops == "Div") return layer.op_type == "Erf";
    if (last.ops == "Div+Erf") return layer.op_type == "Add";
    if (last.ops == "Div+Erf+Add") return layer.op_type == "Mul" && reads_x();
    if (last.ops == "Div+Erf+Add+Mul") return layer.op_type == "Mul";
    return false;
  }

  /// Adds a layer to a kernel; a folded layer (BN into Conv weights) adds no
  /// work. A chained layer reads the tensor the kernel's last layer handed on,
  /// which then stays inside; a sibling (a Split's part) reads the kernel's input.
  void append(Kernel& kernel, std::size_t index, bool folded, bool chained = true) {
    const Layer& layer = graph_.layers[index];
    const auto& c = cost_.layers[index];
    if (folded) {
      kernel.layers.push_back(index);
      kernel.ops += "+" + layer.op_type;
      return;
    }
    // The tensor handed on inside the kernel is neither written nor read again.
    if (!kernel.layers.empty() && chained) {
      const Layer& tail = graph_.layers[kernel.layers.back()];
      const std::int64_t internal = graph_.tensor(tail.outputs[0]).size_bytes();
      kernel.bytes_written -= internal;
      kernel.bytes_read -= internal;
    }
    kernel.layers.push_back(index);
    kernel.ops += (kernel.ops.empty() ? "" : "+") + layer.op_type;
    kernel.macs += c.macs;
    kernel.flops += c.flops;
    kernel.op_flops.emplace_back(layer.op_type, c.flops);
    kernel.bytes_read += c.bytes_read;
    kernel.bytes_written += c.bytes_written;
    kernel.weight_bytes += c.weight_bytes;
    // An activation the runtime runs as several kernels, on its own: the
    // passes beyond one read and one write, half read and half written.
    const int passes = passes_of(layer.op_type);
    if (passes > 2 && kernel.kernel_class == KernelClass::kElementwise && !layer.outputs.empty() &&
        layer.outputs[0] != graph::kNoTensor) {
      const std::int64_t tensor = graph_.tensor(layer.outputs[0]).size_bytes();
      kernel.bytes_read += (passes - 2 + 1) / 2 * tensor;
      kernel.bytes_written += (passes - 2) / 2 * tensor;
    }
  }

  /// The passes over its tensor the runtime makes for an activation (LoweringRules::activation_passes).
  int passes_of(const std::string& op) const {
    const auto it = rules_.activation_passes.find(op);
    return it != rules_.activation_passes.end() ? it->second : 2;
  }

  const Graph& graph_;
  const GraphCost& cost_;
  const LoweringRules& rules_;
  std::vector<int> consumers_;     // tensor id -> layers reading it (through views)
  std::vector<TensorId> alias_;    // tensor id -> the tensor a dropped view aliases, or kNoTensor
  std::vector<Kernel> kernels_;
  bool has_activation_ = false;
  bool has_add_ = false;
  std::vector<std::size_t> split_leader_;          // layer -> first layer of its Split group, or kNone
  std::map<std::size_t, std::size_t> split_kernel_;  // a group's first layer -> its kernel
  // The output of a layer folded into a MatMul's operand -> the folded layers up to it.
  std::map<TensorId, std::vector<std::size_t>> operand_chain_;
};

}  // namespace

std::vector<Kernel> lower(const Graph& graph, const GraphCost& cost, const LoweringRules& rules) {
  return Lowering(graph, cost, rules).run();
}

}  // namespace roofcast::roofline
