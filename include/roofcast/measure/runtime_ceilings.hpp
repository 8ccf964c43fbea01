#pragma once

#include <filesystem>

#include "roofcast/measure/runner.hpp"

namespace roofcast::measure {

/// What the runtime itself reaches: a large GEMM (compute) and a large
/// elementwise Add (bandwidth), run through `runner` with `threads` threads.
struct RuntimeCeilings {
  double gemm_flops_per_s = 0.0;
  std::string gemm_model;        ///< the micro-model's name
  SampleStats gemm;
  double elementwise_bytes_per_s = 0.0;
  std::string elementwise_model;
  SampleStats elementwise;
};

/// Writes the two micro-models into `work_dir` and measures them.
RuntimeCeilings measure_runtime_ceilings(Runner& runner, int threads, const std::filesystem::path& work_dir,
                                         const MeasurementPolicy& policy);

}  // namespace roofcast::measure
