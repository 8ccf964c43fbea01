#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "measure.hpp"
#include "roofcast/graph/layer_graph.hpp"
#include "roofcast/measure/measurement.hpp"
#include "roofcast/measure/runner.hpp"

namespace roofcast::cli {

/// A private directory under the system's temp directory ("<prefix>-<pid>"),
/// removed with everything in it when this goes out of scope.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Starts the runner the flags name.
std::unique_ptr<measure::Runner> start_runner(const RunnerFlags& flags);

/// Writes a runnable copy of the graph's model (random weights where it has
/// none) to a private temp directory, measures it, and removes the copy.
measure::ModelMeasurement measure_loaded_model(measure::Runner& runner, const graph::Graph& graph,
                                               const RunnerFlags& flags, bool per_kernel);

}  // namespace roofcast::cli
