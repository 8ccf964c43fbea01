#include "roofcast/roofline/predict.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <variant>

#include "roofcast/common/error.hpp"

namespace roofcast::roofline {

using graph::Graph;
using graph::GraphCost;
using graph::TensorId;

std::string_view bound_name(Bound bound) {
  switch (bound) {
    case Bound::kCompute: return "compute";
    case Bound::kMemory: return "memory";
    case Bound::kOverhead: return "overhead";
  }
  return "overhead";
}

namespace {

/// From the three terms (compute, memory, overhead) already set: the time, what
/// bounds it, and where it sits under the roof of `roof_bytes_per_s`.
void complete_estimate(KernelEstimate& e, double flops, double peak_flops_per_s, double roof_bytes_per_s) {
  const double roofline_s =
      (std::max(e.compute_time_s, e.memory_time_s) + e.dram_wait_s + e.cache_wait_s) / e.split_speedup;
  e.time_s = e.overhead_s + roofline_s + e.epilogue_s;
  if (e.overhead_s >= roofline_s) {
    e.bound = Bound::kOverhead;
  } else {
    e.bound = e.compute_time_s >= e.memory_time_s + e.dram_wait_s + e.cache_wait_s ? Bound::kCompute : Bound::kMemory;
  }
  e.arithmetic_intensity = e.bytes > 0 ? flops / static_cast<double>(e.bytes) : 0.0;
  e.attainable_flops_per_s =
      e.bytes > 0 ? std::min(peak_flops_per_s, e.arithmetic_intensity * roof_bytes_per_s) : peak_flops_per_s;
  e.achieved_flops_per_s = e.time_s > 0.0 ? flops / e.time_s : 0.0;
  e.utilization = e.attainable_flops_per_s > 0.0 ? e.achieved_flops_per_s / e.attainable_flops_per_s : 0.0;
}

}  // namespace

double PassModels::seconds(const Kernel& kernel, double bytes_scale) const {
  double seconds = reorder_seconds(kernel, bytes_scale);
  if (kernel.epilogue_bytes > 0) {
    const double bytes = static_cast<double>(kernel.epilogue_bytes) * bytes_scale;
    if (elementwise != nullptr) {
      const StepModel& m = elementwise->model;
      const double one_thread_s = std::max(
          static_cast<double>(kernel.epilogue_flops) / m.flops_per_s_for(kernel.epilogue_op), bytes / m.bytes_per_s);
      // Where the class's kernels of its operator split among the threads,
      // the pass runs on the threads the kernel already split its work among.
      Sample pass;
      pass.op = kernel.epilogue_op;
      seconds += m.splits(pass) ? one_thread_s / m.split_speedup : one_thread_s;
    } else {
      seconds += bytes / bytes_per_s;
    }
  }
  return seconds;
}

double PassModels::reorder_seconds(const Kernel& kernel, double bytes_scale) const {
  if (kernel.reorder_bytes <= 0) {
    return 0.0;
  }
  // Each reorder is a runtime kernel of its own: its fixed overhead, then its
  // bytes; as calibration fitted them, or as the data-movement class moves bytes.
  const double bytes = static_cast<double>(kernel.reorder_bytes) * bytes_scale;
  if (reorder_bytes_per_s > 0.0) {
    return kernel.reorders * reorder_overhead_s + bytes / reorder_bytes_per_s;
  }
  return data_movement != nullptr
             ? kernel.reorders * data_movement->model.overhead_s + bytes / data_movement->model.bytes_per_s
             : bytes / bytes_per_s;
}

KernelEstimate estimate_kernel(const Kernel& kernel, double peak_flops_per_s,
                               const MemoryPath& memory, double overhead_s, double bytes_scale) {
  const auto scaled = [bytes_scale](std::int64_t bytes) {
    return static_cast<std::int64_t>(std::llround(static_cast<double>(bytes) * bytes_scale));
  };
  KernelEstimate e;
  const std::int64_t weight_bytes = scaled(kernel.weight_bytes);
  e.bytes = scaled(kernel.bytes_read + kernel.bytes_written);
  e.dram_bytes =
      (memory.weights_on_chip ? 0 : weight_bytes) + (memory.activations_on_chip ? 0 : e.bytes - weight_bytes);
  const double flops = static_cast<double>(kernel.flops);
  e.compute_time_s = flops / peak_flops_per_s;
  e.memory_time_s = static_cast<double>(weight_bytes) / memory.weight_bytes_per_s +
                    static_cast<double>(e.bytes - weight_bytes) / memory.activation_bytes_per_s;
  e.overhead_s = overhead_s;
  const PassModels passes{.bytes_per_s = memory.activation_bytes_per_s};
  e.epilogue_s = passes.seconds(kernel, bytes_scale);
  e.reorder_s = passes.reorder_seconds(kernel, bytes_scale);
  const double bandwidth = e.memory_time_s > 0.0 ? static_cast<double>(e.bytes) / e.memory_time_s
                                                 : memory.activation_bytes_per_s;
  complete_estimate(e, flops, peak_flops_per_s, bandwidth);
  return e;
}

KernelEstimate estimate_kernel(const Kernel& kernel, double peak_flops_per_s,
                               double bandwidth_bytes_per_s, double overhead_s, double bytes_scale) {
  const MemoryPath dram{.weight_bytes_per_s = bandwidth_bytes_per_s,
                        .activation_bytes_per_s = bandwidth_bytes_per_s};
  return estimate_kernel(kernel, peak_flops_per_s, dram, overhead_s, bytes_scale);
}

std::int64_t inner_loops(const Graph& graph, const graph::Layer& layer) {
  if (layer.outputs.empty() || layer.outputs[0] == graph::kNoTensor) {
    return 0;
  }
  const auto& out = graph.tensor(layer.outputs[0]).shape;
  const std::int64_t elements = graph.tensor(layer.outputs[0]).elements;
  if (layer.op_type == "BatchNormalization") {
    return out.size() > 2 ? out[0] * out[1] : 0;
  }
  if (layer.op_type == "Transpose") {
    // One loop per contiguous run: the trailing input axes the permutation
    // leaves in place (a head split 1×197×12×64 → 0,2,1,3 copies runs of 64).
    const auto* perm = std::get_if<graph::TransposeAttributes>(&layer.attributes);
    if (perm == nullptr || layer.inputs.empty() || layer.inputs[0] == graph::kNoTensor) {
      return 0;
    }
    const auto& in = graph.tensor(layer.inputs[0]).shape;
    std::vector<std::int64_t> order = perm->perm;
    if (order.empty()) {  // the default reverses the axes
      for (std::size_t i = in.size(); i-- > 0;) {
        order.push_back(static_cast<std::int64_t>(i));
      }
    }
    // Axes of extent 1 move nothing: drop them from both orders.
    std::vector<std::int64_t> kept_in;
    std::vector<std::int64_t> kept_out;
    for (std::size_t i = 0; i < in.size(); ++i) {
      if (in[i] != 1) kept_in.push_back(static_cast<std::int64_t>(i));
    }
    for (const auto axis : order) {
      if (axis >= 0 && static_cast<std::size_t>(axis) < in.size() && in[static_cast<std::size_t>(axis)] != 1) {
        kept_out.push_back(axis);
      }
    }
    std::int64_t run = 1;
    for (std::size_t j = 1; j <= std::min(kept_in.size(), kept_out.size()); ++j) {
      if (kept_in[kept_in.size() - j] != kept_out[kept_out.size() - j]) {
        break;
      }
      run *= in[static_cast<std::size_t>(kept_in[kept_in.size() - j])];
    }
    return run < elements ? elements / run : 0;
  }
  // The longest run of trailing axes over which every input is either read
  // whole (its axes equal the output's) or broadcast (all 1): the span one
  // loop covers.
  enum class Mode { kOpen, kWhole, kBroadcast };
  std::vector<const std::vector<std::int64_t>*> inputs;
  for (const auto id : layer.inputs) {
    if (id != graph::kNoTensor && graph.tensor(id).elements > 1) {  // a scalar reads the same on every path
      inputs.push_back(&graph.tensor(id).shape);
    }
  }
  if (inputs.size() < 2) {
    return 0;
  }
  std::vector<Mode> modes(inputs.size(), Mode::kOpen);
  std::int64_t span = 1;
  for (std::size_t back = 1; back <= out.size(); ++back) {
    const std::int64_t extent = out[out.size() - back];
    if (extent == 1) {
      continue;
    }
    std::vector<Mode> next(inputs.size());
    bool same = true;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const auto& shape = *inputs[i];
      const std::int64_t d = back <= shape.size() ? shape[shape.size() - back] : 1;
      next[i] = d == extent ? Mode::kWhole : Mode::kBroadcast;
      same = same && (modes[i] == Mode::kOpen || modes[i] == next[i]);
    }
    if (!same) {
      break;
    }
    modes = std::move(next);
    span *= extent;
  }
  return span < elements ? elements / span : 0;
}

std::int64_t softmax_rows(const Graph& graph, const graph::Layer& layer) {
  const auto* a = std::get_if<graph::AxisAttributes>(&layer.attributes);
  if ((layer.op_type != "Softmax" && layer.op_type != "LogSoftmax") || a == nullptr || layer.inputs.empty() ||
      layer.inputs[0] == graph::kNoTensor) {
    return 0;
  }
  const auto& in = graph.tensor(layer.inputs[0]).shape;
  const auto rank = static_cast<std::int64_t>(in.size());
  const std::int64_t axis = a->axis < 0 ? a->axis + rank : a->axis;
  if (axis < 0 || axis >= rank) {
    return 0;
  }
  // Opset 13 normalizes along the one axis; earlier versions over the
  // trailing axes from it on (the input coerced to 2-D).
  const bool one_axis = layer.since_version == 0 || layer.since_version >= 13;
  std::int64_t rows = 1;
  for (std::int64_t i = 0; i < rank; ++i) {
    if (i < axis || (one_axis && i > axis)) {
      rows *= in[static_cast<std::size_t>(i)];
    }
  }
  return rows;
}

namespace {

/// What a grouped convolution's im2col moves on the runtime's plain path
/// (a GEMM per group): its rows, C·kh·kw per output row (each copied with a
/// call of its own), and its elements, C·kh·kw per output position, each
/// strided one counted twice (gathered one at a time, then packed). On
/// session 26's 21 plain-path points, 1 thread: 0.33 ns per element copied,
/// 0.36 more per element gathered, 5.3 ns per row (two element costs fitted
/// apart: 0.325 and 0.361 ns, hence one). Zeros without a known shape.
struct Im2col {
  std::int64_t rows = 0;
  std::int64_t elements = 0;
};

Im2col im2col_of(const Graph& graph, const graph::Layer& conv_layer, const graph::ConvAttributes& conv) {
  if (conv_layer.inputs.size() < 2 || conv_layer.inputs[1] == graph::kNoTensor || conv_layer.outputs.empty() ||
      conv_layer.outputs[0] == graph::kNoTensor) {
    return {};
  }
  const auto& weight = graph.tensor(conv_layer.inputs[1]).shape;  // [K, C/g, kh, kw]
  const auto& out = graph.tensor(conv_layer.outputs[0]).shape;    // [N, K, H_out, W_out]
  if (out.size() < 3 || weight.size() != out.size()) {
    return {};
  }
  std::int64_t per_position = conv.group;  // C·kh·kw
  for (std::size_t i = 1; i < weight.size(); ++i) {
    per_position *= weight[i];
  }
  std::int64_t rows = per_position * out[0];
  for (std::size_t i = 2; i + 1 < out.size(); ++i) {
    rows *= out[i];
  }
  const bool strided = std::any_of(conv.strides.begin(), conv.strides.end(), [](std::int64_t s) { return s > 1; });
  return {rows, rows * out.back() * (strided ? 2 : 1)};
}

/// The share of a convolution's outputs whose window overlaps the left or
/// right padding of its row (along the last axis): those a blocked kernel
/// computes one at a time. 0 without padding or a known shape. The window's
/// width is kernel_shape's, or the weight's where the attribute is left out.
double padded_edge_share(const Graph& graph, const graph::Layer& conv_layer, const graph::ConvAttributes& conv) {
  if (conv_layer.inputs.size() < 2 || conv_layer.inputs[0] == graph::kNoTensor ||
      conv_layer.inputs[1] == graph::kNoTensor || conv_layer.outputs.empty() ||
      conv_layer.outputs[0] == graph::kNoTensor) {
    return 0.0;
  }
  const auto& in = graph.tensor(conv_layer.inputs[0]).shape;
  const auto& weight = graph.tensor(conv_layer.inputs[1]).shape;  // [K, C/g, kernel...]
  const auto& out = graph.tensor(conv_layer.outputs[0]).shape;
  if (in.size() < 3 || weight.size() != in.size() || out.size() != in.size()) {
    return 0.0;
  }
  const std::size_t axes = in.size() - 2;
  const std::size_t axis = axes - 1;  // the row's axis: the last
  const std::int64_t in_width = in.back();
  const std::int64_t out_width = out.back();
  const std::int64_t kernel = conv.kernel_shape.size() == axes ? conv.kernel_shape[axis] : weight.back();
  const std::int64_t stride = axis < conv.strides.size() ? conv.strides[axis] : 1;
  const std::int64_t dilation = axis < conv.dilations.size() ? conv.dilations[axis] : 1;
  std::int64_t pad_begin = 0;
  if (conv.pads.size() == 2 * axes) {
    pad_begin = conv.pads[axis];
  } else if (conv.auto_pad == "SAME_UPPER" || conv.auto_pad == "SAME_LOWER") {
    const std::int64_t total =
        std::max<std::int64_t>(0, (out_width - 1) * stride + (kernel - 1) * dilation + 1 - in_width);
    pad_begin = conv.auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
  }
  if (out_width <= 0 || in_width <= 0) {
    return 0.0;
  }
  std::int64_t edges = 0;
  for (std::int64_t x = 0; x < out_width; ++x) {
    const std::int64_t first = x * stride - pad_begin;
    const std::int64_t last = first + (kernel - 1) * dilation;
    edges += first < 0 || last >= in_width ? 1 : 0;
  }
  return static_cast<double>(edges) / static_cast<double>(out_width);
}

}  // namespace

Sample kernel_sample(const Graph& graph, const Kernel& kernel, double bytes_scale) {
  Sample sample;
  sample.bytes = static_cast<double>(kernel.bytes_read + kernel.bytes_written) * bytes_scale;
  const auto& head = graph.layers.at(kernel.layers.front());
  std::vector<std::int64_t> dims;
  const auto shape_of = [&](std::size_t input) -> const std::vector<std::int64_t>* {
    return input < head.inputs.size() && head.inputs[input] != graph::kNoTensor
               ? &graph.tensor(head.inputs[input]).shape
               : nullptr;
  };
  switch (kernel.kernel_class) {
    case KernelClass::kConv:
    case KernelClass::kDepthwiseConv:
    case KernelClass::kGroupedConv: {
      const auto* weight = shape_of(1);  // [K, C/g, kernel...]
      if (weight != nullptr && weight->size() >= 2) {
        dims = {(*weight)[0], (*weight)[1]};
        // A grouped convolution runs one small GEMM per group: its dimensions are per group.
        const auto* conv = std::get_if<graph::ConvAttributes>(&head.attributes);
        if (kernel.kernel_class == KernelClass::kGroupedConv && conv != nullptr && conv->group > 1) {
          dims[0] = std::max<std::int64_t>(1, (*weight)[0] / conv->group);
        }
        // The runtime deals out a convolution's work among its threads by output row (N·H_out).
        const auto* out = kernel.kernel_class == KernelClass::kConv && !head.outputs.empty() &&
                                  head.outputs[0] != graph::kNoTensor
                              ? &graph.tensor(head.outputs[0]).shape
                              : nullptr;
        if (out != nullptr && out->size() >= 3) {
          sample.rows = static_cast<double>((*out)[0] * (*out)[2]);
        }
        if (conv != nullptr) {
          sample.edge_share = padded_edge_share(graph, head, *conv);
        }
        if (conv != nullptr && conv->group > 1) {
          sample.calls = static_cast<double>(conv->group);
          if (kernel.kernel_class == KernelClass::kGroupedConv) {
            const Im2col im2col = im2col_of(graph, head, *conv);
            sample.loops = static_cast<double>(im2col.rows);
            sample.gathers = static_cast<double>(im2col.elements);
          }
        }
      }
      break;
    }
    case KernelClass::kGemm: {
      const auto* a = shape_of(0);
      const auto* b = shape_of(1);
      if (a != nullptr && b != nullptr && !a->empty() && b->size() >= 2) {
        bool trans_a = false;
        bool trans_b = false;
        if (const auto* gemm = std::get_if<graph::GemmAttributes>(&head.attributes)) {
          trans_a = gemm->trans_a;
          trans_b = gemm->trans_b;
        }
        // A GEMM packs its stored weights into panels it reuses over all
        // rows; its activations stream (StepModel::far_bytes). A blocked
        // convolution reads its filters again for each block of outputs.
        sample.weight_bytes = static_cast<double>(kernel.weight_bytes) * bytes_scale;
        const std::int64_t k = trans_b ? (*b)[b->size() - 1] : (*b)[b->size() - 2];
        const std::int64_t n = trans_b ? (*b)[b->size() - 2] : (*b)[b->size() - 1];
        dims = {n, k};
        // The runtime streams an untransposed A of several rows a strip of rows at
        // a time (a transposed one it copies into a panel first; one row is a GEMV).
        const std::int64_t rows = a->size() >= 2 ? (*a)[a->size() - 2] : 1;
        if (!trans_a && rows > 1) {
          sample.row_stride_bytes = static_cast<double>(
              a->back() * graph::dtype_size_bytes(graph.tensor(head.inputs[0]).dtype)) * bytes_scale;
        }
        // A batched right operand (attention's K and V) makes one GEMM per
        // batch; a stored 2-D weight makes one GEMM of all rows.
        std::int64_t b_batches = 1;
        for (std::size_t i = 0; i + 2 < b->size(); ++i) {
          b_batches *= (*b)[i];
        }
        if (b_batches > 1 && !head.outputs.empty() && head.outputs[0] != graph::kNoTensor) {
          const auto& out = graph.tensor(head.outputs[0]).shape;
          std::int64_t batches = 1;
          for (std::size_t i = 0; i + 2 < out.size(); ++i) {
            batches *= out[i];
          }
          sample.loops = static_cast<double>(batches);
        }
      }
      break;
    }
    case KernelClass::kPool: {
      const auto* x = shape_of(0);  // [N, C, H, W]
      if (x != nullptr && x->size() == 4) {
        dims = {(*x)[1]};
      }
      break;
    }
    case KernelClass::kElementwise:
    case KernelClass::kDataMovement:
      if (kernel.fused_op.empty()) {
        sample.loops = static_cast<double>(inner_loops(graph, head));
      }
      break;
    case KernelClass::kNormalization:
      // Of this class's operators only a Softmax costs per row beyond its
      // elements: three passes (max, exponentials and sum, scale) per row.
      // Calibration's LayerNormalizations and global pools run as fast per
      // element in short rows as in long ones (1×659×96 and 1×205×768 within
      // 5 %), its Softmaxes at twice the time per element in rows of 82 as in
      // rows of 509.
      sample.loops = static_cast<double>(softmax_rows(graph, head));
      break;
    default:
      break;
  }
  double product = 1.0;
  for (const auto d : dims) {
    product *= static_cast<double>(std::max<std::int64_t>(1, d));
  }
  sample.dims = dims;
  sample.work_factor = static_cast<double>(kernel.flops) / product;
  // Sibling Slices the runtime runs as one Split are measured as a Split.
  sample.op = kernel.split ? "Split" : kernel.fused_op.empty() ? head.op_type : kernel.fused_op;
  return sample;
}

KernelEstimate estimate_fitted_kernel(const Kernel& kernel, const Sample& sample, const FittedKernelModel& fitted,
                                      double peak_flops_per_s, const DramPath& dram, double bytes_scale,
                                      const PassModels& passes, const EvictedBytes& evicted) {
  KernelEstimate e;
  const StepModel& m = fitted.model;
  Sample s = sample;
  if (s.dims.size() != m.steps.size()) {
    s.dims.clear();  // the kernel lacks the dimensions the model quantizes: unquantized work
    s.work_factor = static_cast<double>(kernel.flops);
  }
  e.bytes = static_cast<std::int64_t>(std::llround(s.bytes));
  e.compute_time_s = m.work(s) / m.path_flops_per_s(s);
  if (m.on_fast_path(s) && !m.op_flops_per_s.empty() && m.op_flops_per_s.count(s.op) == 0 && kernel.op_flops.size() > 1 &&
      kernel.flops > 0) {
    // A fused kernel of several operators (a GELU) without a throughput of its
    // own in the profile: each operator's share of the work at its own throughput.
    double seconds_per_flop = 0.0;
    for (const auto& [op, flops] : kernel.op_flops) {
      seconds_per_flop += static_cast<double>(flops) / static_cast<double>(kernel.flops) / m.flops_per_s_for(op);
    }
    e.compute_time_s = m.work(s) * seconds_per_flop;
  }
  // Micro-benchmarks run with their inputs and weights warm in cache; in a
  // network what was evicted since it was last touched comes from DRAM, the
  // rest at the class's fitted bandwidth. The kernel fetches some of the
  // evicted bytes while it computes, at a rate calibration measures
  // (dram_overlap_gbs), and waits for the rest on top of its arithmetic: one
  // thread's 3×3 convolution of 512 channels at 7×7 ran 2.07 ms with its 9.4 MB
  // of weights in cache, 2.42 ms behind a flush of 64 MiB (2.46 ms in
  // ResNet-18); a 768 × 3072 MatMul's 9.4 MB cost 0.32, 0.24, 0.17, 0.07 and
  // 0 ms more behind the flush at 8, 50, 100, 150 and 197 rows (0.35 to 8.6 ms
  // of arithmetic): the longer it computes, the more of its weights arrive
  // meanwhile (README, "Accuracy").
  const double from_dram = std::min(s.bytes, evicted.weights + evicted.activations);
  // Writes to buffers gone from the caches first read them in from DRAM. A
  // store does not hold up the arithmetic behind it: the kernel waits for
  // them only where they take longer than its arithmetic.
  const double to_dram = std::min(s.bytes - from_dram, evicted.outputs);
  e.dram_bytes = static_cast<std::int64_t>(std::llround(from_dram + to_dram));
  e.memory_time_s = m.memory_time_s(s, from_dram + to_dram);
  e.dram_wait_s = std::max(0.0, from_dram - dram.overlap_bytes_per_s * e.compute_time_s) / dram.bytes_per_s +
                  std::max(0.0, to_dram / dram.bytes_per_s - e.compute_time_s);
  e.cache_wait_s = m.far_wait_s(s, from_dram + to_dram);
  const double one_thread_s = std::max(e.compute_time_s, e.memory_time_s) + e.dram_wait_s + e.cache_wait_s;
  e.split_speedup = one_thread_s > 0.0 ? one_thread_s / m.split_time_s(s, one_thread_s) : 1.0;
  e.overhead_s = m.overhead_s_for(s);
  e.epilogue_s = passes.seconds(kernel, bytes_scale);
  e.reorder_s = passes.reorder_seconds(kernel, bytes_scale);
  complete_estimate(e, static_cast<double>(kernel.flops), peak_flops_per_s, dram.bytes_per_s);
  e.uncertainty = fitted.heldout_rmspe_percent / 100.0;
  e.fitted = true;
  return e;
}

std::int64_t peak_activation_bytes(const Graph& graph, const GraphCost& cost) {
  constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::min();
  const auto layer_count = static_cast<std::int64_t>(graph.layers.size());
  const std::size_t tensor_count = graph.tensors.size();
  // Per tensor id: the tensor whose buffer it uses (views alias their input),
  // the step that allocates it (-1: graph input) and the last step that reads it.
  std::vector<TensorId> root(tensor_count);
  for (std::size_t id = 0; id < tensor_count; ++id) {
    root[id] = static_cast<TensorId>(id);
  }
  std::vector<std::int64_t> produced(tensor_count, kNever);
  std::vector<std::int64_t> last_use(tensor_count, kNever);
  const auto buffer = [&root](TensorId id) { return root[static_cast<std::size_t>(id)]; };
  for (const TensorId id : graph.inputs) {
    produced[static_cast<std::size_t>(id)] = -1;
    last_use[static_cast<std::size_t>(id)] = -1;
  }
  for (std::int64_t i = 0; i < layer_count; ++i) {
    const auto& layer = graph.layers[static_cast<std::size_t>(i)];
    const auto family = cost.layers[static_cast<std::size_t>(i)].family;
    for (const TensorId id : layer.inputs) {
      if (id != graph::kNoTensor && produced[static_cast<std::size_t>(buffer(id))] != kNever) {
        last_use[static_cast<std::size_t>(buffer(id))] = i;
      }
    }
    if (family == graph::OpFamily::kMetadata) {
      continue;
    }
    for (std::size_t k = 0; k < layer.outputs.size(); ++k) {
      const TensorId id = layer.outputs[k];
      if (id == graph::kNoTensor) {
        continue;
      }
      const auto index = static_cast<std::size_t>(id);
      if (family == graph::OpFamily::kView && k == 0 && !layer.inputs.empty() &&
          layer.inputs[0] != graph::kNoTensor &&
          produced[static_cast<std::size_t>(buffer(layer.inputs[0]))] != kNever) {
        root[index] = buffer(layer.inputs[0]);
        continue;
      }
      produced[index] = i;
      last_use[index] = i;
    }
  }
  for (const TensorId id : graph.outputs) {
    const auto index = static_cast<std::size_t>(buffer(id));
    if (produced[index] != kNever) {
      last_use[index] = layer_count;
    }
  }
  std::vector<std::int64_t> allocate(static_cast<std::size_t>(layer_count + 2), 0);
  std::vector<std::int64_t> release(static_cast<std::size_t>(layer_count + 2), 0);
  for (std::size_t id = 0; id < tensor_count; ++id) {
    if (produced[id] == kNever || root[id] != static_cast<TensorId>(id)) {
      continue;
    }
    const std::int64_t size = graph.tensors[id].size_bytes();
    allocate[static_cast<std::size_t>(produced[id] + 1)] += size;
    release[static_cast<std::size_t>(last_use[id] + 1)] += size;
  }
  std::int64_t live = 0;
  std::int64_t peak = 0;
  for (std::size_t step = 0; step < allocate.size(); ++step) {
    live += allocate[step];
    peak = std::max(peak, live);
    live -= release[step];
  }
  return peak;
}

namespace {

/// Bytes per element of the model's floating-point activations (4 when none is found).
int model_float_size(const Graph& graph) {
  for (const TensorId id : graph.inputs) {
    const auto dtype = graph.tensor(id).dtype;
    if (graph::is_floating(dtype)) {
      return static_cast<int>(graph::dtype_size_bytes(dtype));
    }
  }
  return 4;
}

}  // namespace

MemoryPath memory_path(const DeviceProfile& profile, std::int64_t weight_bytes,
                       std::int64_t peak_activation_bytes) {
  const double dram = profile.ceilings.dram_bytes_per_s();
  MemoryPath path{.weight_bytes_per_s = dram, .activation_bytes_per_s = dram};
  const double capacity = profile.hardware.on_chip_bytes;
  if (capacity <= 0.0) {
    return path;
  }
  const double sram = profile.ceilings.bandwidth_bytes_per_s.at("sram");
  path.weights_on_chip = static_cast<double>(weight_bytes) <= capacity;
  const double left = capacity - (path.weights_on_chip ? static_cast<double>(weight_bytes) : 0.0);
  path.activations_on_chip = static_cast<double>(peak_activation_bytes) <= left;
  if (path.weights_on_chip) {
    path.weight_bytes_per_s = sram;
  }
  if (path.activations_on_chip) {
    path.activation_bytes_per_s = sram;
  }
  return path;
}

Prediction predict(const Graph& graph, const GraphCost& cost, const DeviceProfile& profile,
                   const PredictOptions& options) {
  Prediction prediction;
  prediction.precision = options.precision.value_or(profile.default_precision);
  prediction.peak_flops_per_s = profile.peak_flops_per_s(prediction.precision);
  prediction.bandwidth_bytes_per_s = profile.ceilings.dram_bytes_per_s();
  prediction.kernels = lower(graph, cost, profile.lowering);
  const double bytes_scale = static_cast<double>(precision_size_bytes(prediction.precision)) /
                             static_cast<double>(model_float_size(graph));
  const auto scaled = [bytes_scale](std::int64_t bytes) {
    return static_cast<std::int64_t>(std::llround(static_cast<double>(bytes) * bytes_scale));
  };
  NetworkEstimate& network = prediction.network;
  network.weight_bytes = scaled(cost.totals.weight_bytes);
  network.peak_activation_bytes = scaled(peak_activation_bytes(graph, cost));
  network.peak_memory_bytes = network.weight_bytes + network.peak_activation_bytes;
  prediction.memory = memory_path(profile, network.weight_bytes, network.peak_activation_bytes);

  double compute_s = 0.0;
  double memory_s = 0.0;
  double overhead_s = profile.overheads.per_run_s;
  network.latency_s = profile.overheads.per_run_s;
  std::map<KernelClass, double> class_spread_s;  // Σ time × band per class: correlated within a class
  const auto model_of = [&profile](KernelClass kernel_class) -> const FittedKernelModel* {
    const auto it = profile.kernel_models.find(std::string(kernel_class_name(kernel_class)));
    return it != profile.kernel_models.end() ? &it->second : nullptr;
  };
  const auto& layout = profile.lowering.blocked_layout;
  const PassModels passes{.elementwise = model_of(KernelClass::kElementwise),
                          .data_movement = model_of(KernelClass::kDataMovement),
                          .bytes_per_s = prediction.memory.activation_bytes_per_s,
                          .reorder_overhead_s = layout ? layout->reorder_overhead_s : 0.0,
                          .reorder_bytes_per_s = layout ? layout->reorder_bytes_per_s : 0.0};
  const int threads = profile.runtime ? profile.runtime->threads : 1;
  const DramPath dram{.bytes_per_s = prediction.bandwidth_bytes_per_s,
                      .overlap_bytes_per_s = profile.ceilings.dram_overlap_bytes_per_s};
  const CacheReach reach = cache_reach(profile, threads);
  // Each kernel's sample, once: with a lifetime every kernel is estimated twice.
  std::vector<Sample> samples;
  samples.reserve(prediction.kernels.size());
  for (const Kernel& kernel : prediction.kernels) {
    samples.push_back(kernel_sample(graph, kernel, bytes_scale));
  }
  const auto estimate_all = [&](const std::vector<EvictedBytes>& evicted) {
    std::vector<KernelEstimate> estimates;
    estimates.reserve(prediction.kernels.size());
    for (std::size_t k = 0; k < prediction.kernels.size(); ++k) {
      const Kernel& kernel = prediction.kernels[k];
      const FittedKernelModel* fitted = model_of(kernel.kernel_class);
      estimates.push_back(fitted != nullptr
                              ? estimate_fitted_kernel(kernel, samples[k], *fitted, prediction.peak_flops_per_s, dram,
                                                       bytes_scale, passes, evicted[k])
                              : estimate_kernel(kernel, prediction.peak_flops_per_s, prediction.memory,
                                                profile.overheads.per_kernel_s, bytes_scale));
    }
    return estimates;
  };
  const double arena_bytes = static_cast<double>(network.peak_activation_bytes);
  prediction.estimates =
      estimate_all(evicted_bytes(graph, cost, prediction.kernels, reach, bytes_scale, arena_bytes));
  if (reach.lifetime_s > 0.0) {
    // What the last level loses with time depends on how long the kernels
    // take: a second pass with the first pass's times.
    std::vector<double> times_s;
    for (const auto& e : prediction.estimates) {
      times_s.push_back(e.time_s);
    }
    prediction.estimates =
        estimate_all(evicted_bytes(graph, cost, prediction.kernels, reach, bytes_scale, arena_bytes, times_s));
  }
  for (std::size_t k = 0; k < prediction.kernels.size(); ++k) {
    const KernelEstimate& e = prediction.estimates[k];
    class_spread_s[prediction.kernels[k].kernel_class] += e.time_s * e.uncertainty;
    network.fitted_kernels += e.fitted ? 1 : 0;
    network.latency_s += e.time_s;
    (e.bound == Bound::kCompute ? compute_s : e.bound == Bound::kMemory ? memory_s : overhead_s) +=
        e.time_s;
  }
  network.batch = 1;
  if (!graph.inputs.empty() && !graph.tensor(graph.inputs[0]).shape.empty()) {
    network.batch = std::max<std::int64_t>(1, graph.tensor(graph.inputs[0]).shape[0]);
  }
  network.flops = cost.totals.flops;
  network.throughput_per_s = static_cast<double>(network.batch) / network.latency_s;
  network.flops_per_s = network.throughput_per_s * static_cast<double>(network.flops) /
                        static_cast<double>(network.batch);
  network.power_w = profile.power.active_w;
  if (network.power_w) {
    network.efficiency_per_s_per_w = network.throughput_per_s / *network.power_w;
  }
  double variance_s2 = 0.0;
  for (const auto& [kernel_class, spread_s] : class_spread_s) {
    variance_s2 += spread_s * spread_s;
  }
  network.uncertainty = std::sqrt(variance_s2) / network.latency_s;
  network.compute_bound_share = compute_s / network.latency_s;
  network.memory_bound_share = memory_s / network.latency_s;
  network.overhead_bound_share = overhead_s / network.latency_s;
  return prediction;
}

}  // namespace roofcast::roofline
