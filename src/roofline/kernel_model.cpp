#include "roofcast/roofline/kernel_model.hpp"

#include <algorithm>
#include <cmath>

namespace roofcast::roofline {

double StepModel::work(const Sample& sample) const {
  const std::vector<std::int64_t>& path_steps = steps_for(sample);
  double w = sample.work_factor;
  for (std::size_t i = 0; i < sample.dims.size(); ++i) {
    const std::int64_t step = i < path_steps.size() ? std::max<std::int64_t>(1, path_steps[i]) : 1;
    const std::int64_t rounded = (sample.dims[i] + step - 1) / step * step;
    w *= static_cast<double>(rounded);
  }
  const double edges = one_block_per_call(sample) ? edge_slowdown * sample.edge_share : 0.0;
  return w * partition_imbalance(sample) * (aliases(sample) ? 1.0 + alias_slowdown : 1.0) * (1.0 + edges);
}

bool StepModel::one_block_per_call(const Sample& sample) const {
  return edge_block > 0 && !sample.dims.empty() && sample.dims[0] <= edge_block && on_fast_path(sample);
}

bool StepModel::aliases(const Sample& sample) const {
  return alias_bytes > 0 && sample.row_stride_bytes > 0.0 &&
         std::fmod(sample.row_stride_bytes, static_cast<double>(alias_bytes)) == 0.0 && on_fast_path(sample);
}

double StepModel::partition_imbalance(const Sample& sample) const {
  if (threads <= 1 || partition_blocks <= 0 || sample.rows < 1.0 || sample.dims.empty() || steps.empty() ||
      !on_fast_path(sample)) {
    return 1.0;
  }
  const std::int64_t step = std::max<std::int64_t>(1, steps[0]);
  const std::int64_t blocks = (sample.dims[0] + step - 1) / step;
  const std::int64_t sets = (blocks + partition_blocks - 1) / partition_blocks;
  const std::int64_t last_set = blocks - partition_blocks * (sets - 1);  // blocks in the last set
  const auto rows = static_cast<std::int64_t>(sample.rows);
  const std::int64_t items = sets * rows;  // set-major: every row of set 0, then of set 1, ...
  // Blocks·rows of the items before `item`.
  const auto before = [&](std::int64_t item) {
    const std::int64_t full = std::min(item, (sets - 1) * rows);
    return partition_blocks * full + last_set * (item - full);
  };
  // Contiguous runs: the first items % threads threads take one item more.
  const std::int64_t t = threads;
  const std::int64_t each = items / t;
  const std::int64_t extra = items % t;
  std::int64_t most = 0;
  for (std::int64_t i = 0; i < t; ++i) {
    const std::int64_t start = i < extra ? (each + 1) * i : each * i + extra;
    const std::int64_t count = i < extra ? each + 1 : each;
    most = std::max(most, before(start + count) - before(start));
  }
  const double total = static_cast<double>(blocks * rows);
  return total > 0.0 ? static_cast<double>(t) * static_cast<double>(most) / total : 1.0;
}

double StepModel::overhead_s_for(const Sample& sample) const {
  if (takes_direct_path(sample)) {
    return direct_overhead_s;
  }
  if (takes_slow_path(sample)) {
    return slow_overhead_s * sample.calls + slow_loop_s * sample.loops + slow_gather_s * sample.gathers;
  }
  return overhead_s * (overhead_per_call ? sample.calls : 1.0) + loop_s * sample.loops + gather_s * sample.gathers;
}

double StepModel::far_bytes(const Sample& sample) const {
  if ((far_bytes_per_s <= 0.0 && far_wait_bytes_per_s <= 0.0) || private_cache_bytes <= 0.0 ||
      !on_fast_path(sample)) {
    return 0.0;
  }
  return std::max(0.0, sample.streamed_bytes() - private_cache_bytes);
}

double StepModel::far_dram_bytes(const Sample& sample, double dram_bytes) {
  return std::max(0.0, dram_bytes - sample.weight_bytes);
}

double StepModel::memory_time_s(const Sample& sample, double dram_bytes) const {
  if (takes_direct_path(sample)) {
    return std::max(0.0, sample.bytes - dram_bytes) / direct_bytes_per_s;
  }
  if (takes_slow_path(sample)) {
    return std::max(0.0, sample.bytes - dram_bytes) / slow_bytes_per_s;
  }
  // The bytes from DRAM are among those beyond the private caches (the
  // weights first, which far_bytes leaves out, then the activations). Those
  // beyond move no faster than the operator's own rate (a nearest Resize,
  // bound by its per-element work, is not slowed by where its bytes lie).
  const double rate = bytes_per_s_for(sample.op);
  const double beyond =
      far_bytes_per_s > 0.0 ? std::max(0.0, far_bytes(sample) - far_dram_bytes(sample, dram_bytes)) : 0.0;
  const double near = std::max(0.0, sample.bytes - dram_bytes - beyond);
  return near / rate + (beyond > 0.0 ? beyond / std::min(rate, far_bytes_per_s) : 0.0);
}

double StepModel::far_wait_s(const Sample& sample, double dram_bytes) const {
  if (far_wait_bytes_per_s <= 0.0) {
    return 0.0;
  }
  return std::max(0.0, far_bytes(sample) - far_dram_bytes(sample, dram_bytes)) / far_wait_bytes_per_s;
}

double StepModel::path_flops_per_s(const Sample& sample) const {
  return takes_direct_path(sample) ? direct_flops_per_s
         : takes_slow_path(sample) ? slow_flops_per_s
                                   : flops_per_s_for(sample.op);
}

bool StepModel::splits(const Sample& sample) const {
  return threads > 1 && split_speedup > 1.0 && on_fast_path(sample) &&
         std::find(serial_ops.begin(), serial_ops.end(), sample.op) == serial_ops.end();
}

double StepModel::split_time_s(const Sample& sample, double one_thread_s) const {
  return splits(sample) ? std::min(one_thread_s, split_s + one_thread_s / split_speedup) : one_thread_s;
}

double StepModel::predict_s(const Sample& sample) const {
  return overhead_s_for(sample) +
         split_time_s(sample, std::max(work(sample) / path_flops_per_s(sample), memory_time_s(sample)) +
                                  far_wait_s(sample));
}

}  // namespace roofcast::roofline
