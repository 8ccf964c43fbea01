#include "roofcast/roofline/kernel_model.hpp"

#include <algorithm>

namespace roofcast::roofline {

double StepModel::work(const Sample& sample) const {
  double w = sample.work_factor;
  for (std::size_t i = 0; i < sample.dims.size(); ++i) {
    const std::int64_t step = i < steps.size() ? std::max<std::int64_t>(1, steps[i]) : 1;
    const std::int64_t rounded = (sample.dims[i] + step - 1) / step * step;
    w *= static_cast<double>(rounded);
  }
  return w;
}

double StepModel::overhead_s_for(const Sample& sample) const {
  if (takes_slow_path(sample)) {
    return slow_overhead_s * sample.calls + slow_gather_s * sample.gathers;
  }
  return overhead_s * (overhead_per_call ? sample.calls : 1.0) + loop_s * sample.loops + gather_s * sample.gathers;
}

double StepModel::predict_s(const Sample& sample) const {
  if (takes_slow_path(sample)) {
    return overhead_s_for(sample) + std::max(work(sample) / slow_flops_per_s, sample.bytes / slow_bytes_per_s);
  }
  return overhead_s_for(sample) +
         std::max(work(sample) / flops_per_s_for(sample.op), sample.bytes / bytes_per_s_for(sample.op));
}

}  // namespace roofcast::roofline
