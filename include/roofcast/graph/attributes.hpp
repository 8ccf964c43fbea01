#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "roofcast/graph/tensor.hpp"

namespace roofcast::graph {

/// Ops whose attributes do not change their cost (elementwise, views, ...).
struct NoAttributes {};

/// Conv and ConvTranspose. Empty vectors mean "the ONNX default" (1s, 0 pads,
/// kernel from the weight shape).
struct ConvAttributes {
  std::vector<std::int64_t> kernel_shape;
  std::vector<std::int64_t> strides;
  std::vector<std::int64_t> dilations;
  std::vector<std::int64_t> pads;  ///< begin values of every axis, then end values
  std::vector<std::int64_t> output_padding;  ///< ConvTranspose only
  std::int64_t group = 1;
  std::string auto_pad = "NOTSET";
};

/// MaxPool, AveragePool, LpPool (and their Global forms, which have none set).
struct PoolAttributes {
  std::vector<std::int64_t> kernel_shape;
  std::vector<std::int64_t> strides;
  std::vector<std::int64_t> dilations;
  std::vector<std::int64_t> pads;
  bool ceil_mode = false;
  bool count_include_pad = false;
  std::string auto_pad = "NOTSET";
};

struct GemmAttributes {
  double alpha = 1.0;
  double beta = 1.0;
  bool trans_a = false;
  bool trans_b = false;
};

/// BatchNormalization, LayerNormalization, InstanceNormalization, GroupNormalization, LRN.
struct NormalizationAttributes {
  double epsilon = 1e-5;
  std::int64_t axis = -1;        ///< LayerNormalization
  std::int64_t num_groups = 0;   ///< GroupNormalization
  std::int64_t size = 0;         ///< LRN window
};

/// One axis: Softmax, LogSoftmax, Concat, Gather, Flatten, Split, ArgMax, CumSum...
struct AxisAttributes {
  std::int64_t axis = 0;
  std::vector<std::int64_t> split;  ///< Split before opset 13
  bool keepdims = true;             ///< ArgMax/ArgMin
};

/// Reduce* (axes as an attribute before opset 18; as an input after).
struct ReduceAttributes {
  std::vector<std::int64_t> axes;
  bool keepdims = true;
  bool noop_with_empty_axes = false;
};

struct TransposeAttributes {
  std::vector<std::int64_t> perm;  ///< empty = reverse the axes
};

/// Parametric activations: LeakyRelu, Elu, Selu, HardSigmoid, ThresholdedRelu, Celu.
struct ActivationAttributes {
  double alpha = 0.0;
  double beta = 0.0;
};

/// Clip before opset 11 (bounds as attributes; later they are inputs).
struct ClipAttributes {
  std::optional<double> min;
  std::optional<double> max;
};

/// Resize and Upsample.
struct ResizeAttributes {
  std::string mode = "nearest";
  std::string coordinate_transformation_mode = "half_pixel";
  std::string nearest_mode = "round_prefer_floor";
};

struct CastAttributes {
  DType to = DType::kUndefined;
};

struct PadAttributes {
  std::string mode = "constant";
  std::vector<std::int64_t> pads;  ///< before opset 11
};

/// DepthToSpace / SpaceToDepth.
struct BlockAttributes {
  std::int64_t blocksize = 1;
  std::string mode = "DCR";
};

/// The typed attributes of a layer: one alternative per op family.
using LayerAttributes =
    std::variant<NoAttributes, ConvAttributes, PoolAttributes, GemmAttributes,
                 NormalizationAttributes, AxisAttributes, ReduceAttributes, TransposeAttributes,
                 ActivationAttributes, ClipAttributes, ResizeAttributes, CastAttributes,
                 PadAttributes, BlockAttributes>;

}  // namespace roofcast::graph
