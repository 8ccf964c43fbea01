#pragma once

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "roofcast/common/context.hpp"
#include "roofcast/graph/layer_graph.hpp"
#include "roofcast/roofline/predict.hpp"
#include "roofcast/roofline/profile.hpp"

namespace roofcast::report {

/// A horizontal (compute, FLOP/s) or diagonal (bandwidth, B/s) roof.
struct RooflineCeiling {
  std::string label;   ///< "fp16 peak", "DRAM"
  double value = 0.0;  ///< FLOP/s for compute ceilings, B/s for bandwidth ceilings
  bool primary = false;  ///< the roof the prediction used (drawn solid)
};

/// One mark on the plot: a kernel, or several kernels with the same ops that
/// land on the same spot (to within ~1 %), drawn as one point of their summed time.
struct RooflinePoint {
  std::string name;   ///< the (heaviest) kernel's name, or "network"
  std::string ops;    ///< "Conv+BatchNormalization+Relu"
  std::string kernel_class;
  double intensity_flop_per_byte = 0.0;
  double flops_per_s = 0.0;
  double time_s = 0.0;      ///< summed over the kernels
  double time_share = 0.0;  ///< of the network's latency, summed over the kernels
  std::size_t kernels = 1;  ///< how many kernels this mark stands for
  std::string label;        ///< the text naming it on the plot; empty for unnamed marks
};

/// Everything the plot shows, independent of how it is drawn.
struct RooflineChart {
  std::string title;
  std::string subtitle;
  std::vector<RooflineCeiling> compute;
  std::vector<RooflineCeiling> bandwidth;
  std::vector<RooflinePoint> points;  ///< kernels with FLOPs (intensity > 0), coinciding ones merged
  RooflinePoint network;
  std::size_t hidden_kernels = 0;     ///< kernels without FLOPs: no place on a log x axis
  double hidden_time_share = 0.0;
};

/// The chart of a prediction: every ceiling of the profile, one point per
/// kernel at (intensity, predicted achieved FLOP/s), the network's point, and
/// labels on the `label_top` heaviest marks.
RooflineChart roofline_chart(const std::string& model_name, const roofline::DeviceProfile& profile,
                             const roofline::Prediction& prediction, std::size_t label_top);

/// A standalone SVG document: log-log axes with units, ceilings labelled,
/// points sized by time share and coloured by kernel class, a legend.
std::string roofline_svg(const RooflineChart& chart);

/// The data behind the plot: one row per ceiling, mark and the network.
void write_roofline_csv(std::ostream& out, const RooflineChart& chart, const RunContext& context);

}  // namespace roofcast::report
