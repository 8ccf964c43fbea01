#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "roofcast/common/context.hpp"
#include "roofcast/validate/validation.hpp"

namespace roofcast::report {

/// What was validated against what, for the report headers.
struct ValidationSetup {
  std::string device;       ///< profile id
  std::string profile;      ///< profile path
  std::string runner;       ///< "onnxruntime 1.22.0 (cpu), 1 thread(s), optimization all"
};

/// Console: one row per network, the summary metrics at both levels, the worst kernels.
void write_validation_table(std::ostream& out, const ValidationSetup& setup,
                            const std::vector<validate::NetworkComparison>& networks,
                            const validate::ValidationSummary& summary, std::size_t worst);

std::string validation_json(const ValidationSetup& setup, const std::vector<validate::NetworkComparison>& networks,
                            const validate::ValidationSummary& summary, const RunContext& context);

/// One row per compared kernel group of every network / one row per network.
void write_validation_kernels_csv(std::ostream& out, const std::vector<validate::NetworkComparison>& networks,
                                  const RunContext& context);
void write_validation_networks_csv(std::ostream& out, const std::vector<validate::NetworkComparison>& networks,
                                   const RunContext& context);

/// Predicted against measured, log-log, the y = x line and its ±10 % band;
/// kernels as points coloured by class, networks as black diamonds.
std::string predicted_vs_measured_svg(const std::string& title,
                                      const std::vector<validate::NetworkComparison>& networks);

}  // namespace roofcast::report
