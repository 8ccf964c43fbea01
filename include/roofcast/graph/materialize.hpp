#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace roofcast::graph {

struct MaterializeOptions {
  std::uint64_t seed = 0;       ///< random weights are a pure function of the seed
  bool overwrite = false;       ///< replace an existing output file
};

struct MaterializeReport {
  std::int64_t initializers_filled = 0;    ///< had no data; filled with random values
  std::int64_t initializers_inlined = 0;   ///< had external data that was read in
  std::int64_t initializers_kept = 0;      ///< already had inline data
  std::int64_t bytes_filled = 0;
};

/// Writes a runnable copy of a (possibly graph-only) model: every initializer
/// without data gets random values of its dtype (floats uniform in [-0.1, 0.1],
/// BatchNormalization variances in [0.5, 1.5], integers 0), external data that
/// exists is read in, metadata `roofcast.graph_only` becomes "false". Throws
/// ModelError/IoError naming the file; refuses to overwrite the input, and any
/// existing output unless `options.overwrite`.
MaterializeReport materialize_model(const std::filesystem::path& input,
                                    const std::filesystem::path& output,
                                    const MaterializeOptions& options = {});

/// The same on serialized bytes: returns the runnable model. External data is
/// looked up in `model_dir` (empty: none is read, such initializers get random
/// values). `source` names the model in errors.
std::string materialize_model_bytes(const std::string& bytes, const std::string& source,
                                    const std::filesystem::path& model_dir,
                                    const MaterializeOptions& options = {},
                                    MaterializeReport* report = nullptr);

}  // namespace roofcast::graph
