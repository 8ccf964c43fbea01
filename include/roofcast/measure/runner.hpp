#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "roofcast/measure/protocol.hpp"

namespace roofcast::measure {

/// Session options that change what is measured; recorded with every result.
struct SessionOptions {
  std::string graph_optimization_level = "all";  ///< all (what users get), extended, basic, disabled
  int intra_op_threads = 1;
  int inter_op_threads = 1;
  std::string execution_mode = "sequential";
};

/// An input to feed: filled with deterministic pseudo-random values by the runner.
struct InputSpec {
  std::string name;
  std::string dtype;  ///< float32, float16, int64, int32, int8, uint8, bool
  std::vector<std::int64_t> shape;
  std::optional<double> fill = std::nullopt;  ///< every element this value (a float input), instead of random data
};

/// One timed run of a model under a policy (no retries: those are measure_model's).
struct RunRequest {
  std::filesystem::path model;  ///< a runnable model (with weights)
  std::vector<InputSpec> inputs;
  SessionOptions session;
  MeasurementPolicy policy;
  bool profile = false;              ///< also write the runtime's per-kernel trace
  std::filesystem::path profile_prefix;  ///< where the trace goes
  /// When set, the runtime writes the graph it executes (after its fusions and
  /// layout transformations) here: what kernel-to-layer mapping reads.
  std::filesystem::path optimized_model_path;
};

struct RunResult {
  std::vector<double> samples_s;  ///< one per measured run
  double session_create_s = 0.0;
  std::optional<std::filesystem::path> profile_file;
};

struct RunnerInfo {
  std::string name;                ///< "onnxruntime"
  std::string version;             ///< the runtime's version
  std::string execution_provider;  ///< "cpu"
  std::string host;                ///< what hosts it ("node v20.20.2")
};

/// Executes models on the local device. Implementations throw RunnerError with
/// a message naming the model when a run fails, and stay usable afterwards
/// where the failure was the model's.
class Runner {
 public:
  virtual ~Runner() = default;
  virtual const RunnerInfo& info() const = 0;
  virtual RunResult run(const RunRequest& request) = 0;
  /// Process ids doing the work (excluded from the "other processes" CPU share).
  virtual std::vector<int> worker_pids() const = 0;
};

/// Where the ONNX Runtime runner lives and how long a request may take.
struct OnnxRuntimeRunnerOptions {
  std::filesystem::path runner_dir;  ///< holds runner.js and node_modules/; empty = the default
  std::string node = "node";
  double startup_timeout_s = 60.0;
  double request_slack_s = 120.0;    ///< added to a request's policy max_time_s before giving up
  std::filesystem::path log_file;    ///< the runner's stderr; empty = a file in the temp directory
};

/// The default runner directory: $ROOFCAST_RUNNERS_DIR/onnxruntime, else
/// runners/onnxruntime of the source tree this binary was built from.
std::filesystem::path default_onnxruntime_runner_dir();

/// Starts ONNX Runtime's CPU execution provider (onnxruntime-node) in a
/// long-lived node process speaking runners/onnxruntime/PROTOCOL.md. RunnerError
/// with the exact install command when node or the package is missing.
std::unique_ptr<Runner> start_onnxruntime_runner(const OnnxRuntimeRunnerOptions& options = {});

}  // namespace roofcast::measure
