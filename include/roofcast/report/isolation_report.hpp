#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "roofcast/common/context.hpp"
#include "roofcast/validate/isolation.hpp"

namespace roofcast::report {

/// What was isolated, for the report header.
struct IsolationSetup {
  std::string model;
  std::string device;      ///< "<profile id> (<its file>)"
  std::string runner;      ///< "onnxruntime 1.22.0 (cpu), 1 thread(s)"
  std::string network;     ///< where the network's kernel times come from
  double flush_mib = 0.0;  ///< the cache flush each kernel ran alone behind
};

/// Console: one row per kernel, largest error first (in the network, alone,
/// predicted, and the error split into the kernel's own and the network's),
/// those with no micro-model after, each with the reason, and the totals.
void write_isolation_table(std::ostream& out, const IsolationSetup& setup,
                           const std::vector<validate::IsolatedKernel>& kernels);

/// One row per kernel; alone_s empty for the kernels not run alone.
void write_isolation_csv(std::ostream& out, const std::vector<validate::IsolatedKernel>& kernels,
                         const RunContext& context);

}  // namespace roofcast::report
