#include "roofcast/roofline/residency.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>

namespace roofcast::roofline {

using graph::TensorId;

double CacheReach::evicted_share(double between_bytes, double elapsed_s) const {
  if (!known()) {
    return 0.0;
  }
  const double by_bytes = std::clamp((between_bytes - private_bytes) / (shared_bytes / 2 - private_bytes), 0.0, 1.0);
  if (lifetime_s <= 0.0 || elapsed_s <= 0.0 || between_bytes <= private_bytes) {
    return by_bytes;  // still in the threads' own caches, which no other core evicts
  }
  return std::max(by_bytes, evicted_with_time(elapsed_s, lifetime_s));
}

CacheReach cache_reach(const DeviceProfile& profile, int threads) {
  const Hardware& hardware = profile.hardware;
  CacheReach reach;
  reach.lifetime_s = profile.ceilings.cache_lifetime_s;
  if (hardware.cache_bytes.empty()) {
    return reach;
  }
  const auto last = std::prev(hardware.cache_bytes.end());
  reach.shared_bytes = last->second;
  if (last != hardware.cache_bytes.begin()) {
    reach.private_bytes = std::prev(last)->second * std::max(1, threads);
  }
  return reach;
}

std::vector<EvictedBytes> evicted_bytes(const graph::Graph& graph, const graph::GraphCost& cost,
                                        const std::vector<Kernel>& kernels, const CacheReach& reach,
                                        double bytes_scale, double arena_bytes,
                                        const std::vector<double>& times_s) {
  std::vector<EvictedBytes> evicted(kernels.size());
  if (!reach.known()) {
    for (std::size_t k = 0; k < kernels.size(); ++k) {
      evicted[k].weights = static_cast<double>(kernels[k].weight_bytes) * bytes_scale;
    }
    return evicted;
  }
  const std::size_t tensor_count = graph.tensors.size();
  // Views (dropped by lowering) alias the tensor they view.
  std::vector<TensorId> root(tensor_count);
  for (std::size_t id = 0; id < tensor_count; ++id) {
    root[id] = static_cast<TensorId>(id);
  }
  const auto resolve = [&root](TensorId id) { return root[static_cast<std::size_t>(id)]; };
  for (std::size_t i = 0; i < graph.layers.size(); ++i) {
    const auto& layer = graph.layers[i];
    if (cost.layers[i].family == graph::OpFamily::kView && !layer.inputs.empty() && !layer.outputs.empty() &&
        layer.inputs[0] != graph::kNoTensor && layer.outputs[0] != graph::kNoTensor) {
      root[static_cast<std::size_t>(layer.outputs[0])] = resolve(layer.inputs[0]);
    }
  }
  const auto size_of = [&](TensorId id) { return static_cast<double>(graph.tensor(id).size_bytes()) * bytes_scale; };

  // What each kernel touches: the activations it reads from outside itself,
  // its weights, and what its last layer writes.
  struct Touches {
    std::set<TensorId> activations;  // read
    std::set<TensorId> all;          // read, weights and written
    std::set<TensorId> written;
  };
  std::vector<Touches> touches(kernels.size());
  for (std::size_t k = 0; k < kernels.size(); ++k) {
    std::set<TensorId> inside;  // written by the kernel's own layers
    std::vector<std::size_t> layers = kernels[k].operand_layers;  // (before the layer reading them)
    layers.insert(layers.end(), kernels[k].layers.begin(), kernels[k].layers.end());
    for (const std::size_t index : layers) {
      const auto& layer = graph.layers[index];
      for (const TensorId id : layer.inputs) {
        if (id == graph::kNoTensor) {
          continue;
        }
        const TensorId r = resolve(id);
        if (inside.count(r) != 0) {
          continue;
        }
        const auto kind = graph.tensor(r).kind;
        if (kind == graph::TensorKind::kInput || kind == graph::TensorKind::kIntermediate) {
          touches[k].activations.insert(r);
        }
        touches[k].all.insert(r);
      }
      for (const TensorId id : layer.outputs) {
        if (id != graph::kNoTensor) {
          inside.insert(resolve(id));
        }
      }
    }
    for (const TensorId id : kernel_outputs(graph, kernels[k])) {
      touches[k].all.insert(resolve(id));
      touches[k].written.insert(resolve(id));
    }
  }
  // Distinct bytes the kernels [first, last) touch, `self` left out: the reuse
  // distance. Intermediate tensors share the runtime's reused buffers: they
  // touch at most the arena's bytes, however many of them there are.
  const auto distinct_bytes = [&](std::size_t first, std::size_t last, TensorId self) {
    std::set<TensorId> seen;
    double bytes = 0.0;
    double intermediate_bytes = 0.0;
    for (std::size_t m = first; m < last; ++m) {
      for (const TensorId id : touches[m].all) {
        if (id != self && seen.insert(id).second) {
          (graph.tensor(id).kind == graph::TensorKind::kIntermediate ? intermediate_bytes : bytes) += size_of(id);
        }
      }
    }
    return bytes + (arena_bytes > 0.0 ? std::min(intermediate_bytes, arena_bytes) : intermediate_bytes);
  };
  // A graph input and every weight were last touched one inference ago: everything came between.
  const double inference_bytes = distinct_bytes(0, kernels.size(), graph::kNoTensor);

  // The buffers a kernel writes come from the runtime's arena, which other
  // intermediates used before. With `arena_bytes` of arena cycled by every
  // intermediate the inference writes, a location is written again after
  // that share of the inference's traffic.
  double written_bytes = 0.0;
  for (const Touches& t : touches) {
    for (const TensorId id : t.written) {
      written_bytes += graph.tensor(id).kind == graph::TensorKind::kIntermediate ? size_of(id) : 0.0;
    }
  }
  const double reuse_share = arena_bytes > 0.0 && written_bytes > arena_bytes ? arena_bytes / written_bytes : 1.0;
  // Seconds from the start of the inference to the start of each kernel.
  std::vector<double> started_s(kernels.size() + 1, 0.0);
  const bool timed = times_s.size() == kernels.size();
  for (std::size_t k = 0; k < kernels.size(); ++k) {
    started_s[k + 1] = started_s[k] + (timed ? times_s[k] : 0.0);
  }
  const double inference_s = started_s.back();
  // Which tensor last held an output's buffer, and when, is the runtime's
  // choice: by bytes only. (Aged by the same share of the inference's time,
  // DenseNet-121's and SqueezeNet's kernels came out 6-8 % slow on average.)
  const double output_share = reach.evicted_share(inference_bytes * reuse_share);

  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::vector<std::size_t> last_touch(tensor_count, kNone);  // per root tensor; kNone: not yet this inference
  for (std::size_t k = 0; k < kernels.size(); ++k) {
    const Kernel& kernel = kernels[k];
    const double weights = static_cast<double>(kernel.weight_bytes) * bytes_scale;
    evicted[k].weights = weights * reach.evicted_share(inference_bytes - weights, inference_s);
    double cold = 0.0;
    for (const TensorId id : touches[k].activations) {
      const std::size_t touched = last_touch[static_cast<std::size_t>(id)];
      if (touched == kNone && graph.tensor(id).kind != graph::TensorKind::kInput) {
        continue;  // folded away before run time (a Shape's output): not read from memory
      }
      // After the kernel that wrote it (its output is the last thing it
      // touched); from the start of one that read it, whose own traffic (a
      // GEMM's weights streaming past its input) evicts it too.
      const std::size_t since = touched == kNone                           ? 0
                                : touches[touched].written.count(id) != 0 ? touched + 1
                                                                          : touched;
      const double between = touched == kNone ? inference_bytes - size_of(id) : distinct_bytes(since, k, id);
      const double elapsed_s = touched == kNone ? inference_s : started_s[k] - started_s[since];
      cold += size_of(id) * reach.evicted_share(between, elapsed_s);
    }
    // An input read only in part (a Slice) is not read whole: never more than the kernel reads.
    const double reads = static_cast<double>(kernel.bytes_read - kernel.weight_bytes) * bytes_scale;
    evicted[k].activations = std::clamp(cold, 0.0, std::max(0.0, reads));
    for (const TensorId id : touches[k].written) {
      evicted[k].outputs += size_of(id) * output_share;
    }
    for (const TensorId id : touches[k].all) {
      last_touch[static_cast<std::size_t>(id)] = k;
    }
  }
  return evicted;
}

}  // namespace roofcast::roofline
