#include "roofcast/measure/runtime_ceilings.hpp"

#include "roofcast/common/hash.hpp"
#include "roofcast/measure/micro_models.hpp"

namespace roofcast::measure {

RuntimeCeilings measure_runtime_ceilings(Runner& runner, int threads, const std::filesystem::path& work_dir,
                                         const MeasurementPolicy& policy) {
  std::filesystem::create_directories(work_dir);
  RuntimeCeilings result;
  SessionOptions session;
  session.intra_op_threads = threads;

  // GEMM 1024 x 1024 x 1024 without bias: 2 · 1024³ FLOPs, compute-bound on any CPU.
  const GemmMicro gemm{.batch = 1, .m = 1024, .k = 1024, .n = 1024, .bias = false, .matmul = true,
                       .weights = true, .activation = ""};
  result.gemm_model = micro_model_name(gemm);
  const auto gemm_path = work_dir / (result.gemm_model + ".onnx");
  write_file_atomically(gemm_path, micro_model_bytes(gemm));
  RunRequest request{.model = gemm_path,
                     .inputs = {{"x", "float32", {1024, 1024}}},
                     .session = session,
                     .policy = policy,
                     .profile = false,
                     .profile_prefix = {},
                     .optimized_model_path = {}};
  result.gemm = summarize(runner.run(request).samples_s);
  result.gemm_flops_per_s = 2.0 * 1024.0 * 1024.0 * 1024.0 / result.gemm.median_s;

  // Add of two 16 Mi-float tensors: reads 128 MiB, writes 64 MiB, far beyond any cache.
  const std::vector<std::int64_t> shape = {16, 1024, 1024};
  const ElementwiseMicro add{.op = "Add", .shape = shape, .other_shape = {}};
  result.elementwise_model = micro_model_name(add);
  const auto add_path = work_dir / (result.elementwise_model + ".onnx");
  write_file_atomically(add_path, micro_model_bytes(add));
  request.model = add_path;
  request.inputs = {{"x", "float32", shape}, {"x2", "float32", shape}};
  result.elementwise = summarize(runner.run(request).samples_s);
  result.elementwise_bytes_per_s = 3.0 * 16.0 * 1024.0 * 1024.0 * 4.0 / result.elementwise.median_s;
  return result;
}

}  // namespace roofcast::measure
