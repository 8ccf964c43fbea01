#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace roofcast::measure {

/// One executed node in one run of ONNX Runtime's profiler trace.
struct TraceKernelEvent {
  std::string node_name;  ///< the node as ONNX Runtime names it (after its graph transformations)
  std::string op_name;    ///< FusedConv, Conv, ReorderInput, Gemm …
  std::string provider;   ///< CPUExecutionProvider
  std::size_t run = 0;    ///< which measured run (0-based, warm-up runs dropped)
  double duration_s = 0.0;
};

/// A parsed trace: kernel events and the run boundaries they fall in.
struct OrtTrace {
  std::vector<TraceKernelEvent> events;
  std::vector<double> run_durations_s;  ///< "model_run" events after the warm-up
};

/// Parses a trace written with enableProfiling. `warmup_runs` leading runs are
/// dropped. RunnerError naming the file when it is not a trace.
OrtTrace parse_ort_trace(const std::string& json_text, const std::string& source, std::size_t warmup_runs);
OrtTrace load_ort_trace(const std::filesystem::path& path, std::size_t warmup_runs);

}  // namespace roofcast::measure
