// Per-layer counts against closed forms, on small models built inline.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "model_builder.hpp"
#include "roofcast/common/error.hpp"
#include "roofcast/graph/cost.hpp"
#include "roofcast/graph/load.hpp"

namespace roofcast::graph {
namespace {

using roofcast::testing::Attr;
using roofcast::testing::ModelBuilder;
using Ints = std::vector<std::int64_t>;

/// Loads the builder's model and returns the cost of its only (or `index`-th) layer.
LayerCost cost_of(const ModelBuilder& builder, std::size_t index = 0) {
  const Graph graph = load_graph_from_bytes(builder.bytes(), "inline.onnx");
  return layer_cost(graph, graph.layers.at(index));
}

TEST(ConvCost, PlainConvIsNKCRSPQ) {
  // X 1x3x8x8, W 4x3x3x3, pad 1 -> Y 1x4x8x8.
  ModelBuilder b;
  b.input("x", {1, 3, 8, 8}).weight("w", {4, 3, 3, 3});
  b.node("Conv", {"x", "w"}, {"y"}, {{"pads", Ints{1, 1, 1, 1}}}).output("y");
  const LayerCost c = cost_of(b);
  const std::int64_t macs = 1 * 4 * 3 * 3 * 3 * 8 * 8;
  EXPECT_EQ(c.family, OpFamily::kConv);
  EXPECT_EQ(c.macs, macs);
  EXPECT_EQ(c.flops, 2 * macs);
  EXPECT_EQ(c.params, 4 * 3 * 3 * 3);
  EXPECT_EQ(c.weight_bytes, 4 * 108);
  EXPECT_EQ(c.bytes_read, 4 * (1 * 3 * 8 * 8 + 108));
  EXPECT_EQ(c.bytes_written, 4 * (1 * 4 * 8 * 8));
  EXPECT_DOUBLE_EQ(c.arithmetic_intensity(),
                   static_cast<double>(2 * macs) / (4.0 * (192 + 108 + 256)));
}

TEST(ConvCost, BiasAddsOneFlopPerOutput) {
  ModelBuilder b;
  b.input("x", {1, 3, 8, 8}).weight("w", {4, 3, 3, 3}).weight("b", {4});
  b.node("Conv", {"x", "w", "b"}, {"y"}, {{"pads", Ints{1, 1, 1, 1}}}).output("y");
  const LayerCost c = cost_of(b);
  EXPECT_EQ(c.macs, 6912);
  EXPECT_EQ(c.flops, 2 * 6912 + 4 * 8 * 8);
  EXPECT_EQ(c.params, 108 + 4);
}

TEST(ConvCost, GroupedConvDividesInputChannels) {
  // X 2x8x10x10, W 6x4x3x3, group 2, stride 2 -> Y 2x6x4x4.
  ModelBuilder b;
  b.input("x", {2, 8, 10, 10}).weight("w", {6, 4, 3, 3});
  b.node("Conv", {"x", "w"}, {"y"}, {{"group", std::int64_t{2}}, {"strides", Ints{2, 2}}})
      .output("y");
  const LayerCost c = cost_of(b);
  EXPECT_EQ(c.macs, 2 * 6 * (8 / 2) * 3 * 3 * 4 * 4);
}

TEST(ConvCost, DepthwiseConvHasOneInputChannelPerGroup) {
  ModelBuilder b;
  b.input("x", {1, 16, 14, 14}).weight("w", {16, 1, 3, 3});
  b.node("Conv", {"x", "w"}, {"y"}, {{"group", std::int64_t{16}}, {"pads", Ints{1, 1, 1, 1}}})
      .output("y");
  const LayerCost c = cost_of(b);
  EXPECT_EQ(c.macs, 1 * 16 * 1 * 3 * 3 * 14 * 14);
  EXPECT_EQ(c.params, 16 * 9);
}

TEST(ConvCost, Conv1dAndDilation) {
  // X 1x4x20, W 8x4x3, dilation 2 -> Y 1x8x16.
  ModelBuilder b;
  b.input("x", {1, 4, 20}).weight("w", {8, 4, 3});
  b.node("Conv", {"x", "w"}, {"y"}, {{"dilations", Ints{2}}}).output("y");
  EXPECT_EQ(cost_of(b).macs, 1 * 8 * 4 * 3 * 16);
}

TEST(ConvCost, ConvTransposeScattersEveryInput) {
  // X 1x8x5x5, W 8x4x2x2, stride 2 -> Y 1x4x10x10; MACs = N·C·(K/g)·R·S·H·W.
  ModelBuilder b;
  b.input("x", {1, 8, 5, 5}).weight("w", {8, 4, 2, 2});
  b.node("ConvTranspose", {"x", "w"}, {"y"}, {{"strides", Ints{2, 2}}}).output("y");
  EXPECT_EQ(cost_of(b).macs, 1 * 8 * 4 * 2 * 2 * 5 * 5);
}

TEST(ConvCost, GroupThatDoesNotMatchWeightIsAnErrorNamingTheNode) {
  ModelBuilder b;
  b.input("x", {1, 8, 8, 8}).weight("w", {8, 8, 3, 3});
  b.node("Conv", {"x", "w"}, {"y"}, {{"group", std::int64_t{2}}}, "bad_conv").output("y");
  EXPECT_THROW(
      {
        try {
          cost_of(b);
        } catch (const Error& e) {
          EXPECT_THAT(e.what(), ::testing::HasSubstr("bad_conv"));
          throw;
        }
      },
      Error);
}

TEST(GemmCost, TransposedWeightAndBias) {
  // A 1x512, B 10x512 (transB) -> Y 1x10, + C.
  ModelBuilder b;
  b.input("a", {1, 512}).weight("w", {10, 512}).weight("c", {10});
  b.node("Gemm", {"a", "w", "c"}, {"y"}, {{"transB", std::int64_t{1}}}).output("y");
  const LayerCost c = cost_of(b);
  EXPECT_EQ(c.family, OpFamily::kGemm);
  EXPECT_EQ(c.macs, 512 * 10);
  EXPECT_EQ(c.flops, 2 * 512 * 10 + 10);
  EXPECT_EQ(c.params, 5120 + 10);
}

TEST(GemmCost, TransposedA) {
  ModelBuilder b;
  b.input("a", {64, 3}).input("bm", {64, 5});
  b.node("Gemm", {"a", "bm"}, {"y"}, {{"transA", std::int64_t{1}}}).output("y");
  const LayerCost c = cost_of(b);
  EXPECT_EQ(c.macs, 3 * 5 * 64);
  EXPECT_EQ(c.params, 0);
}

TEST(MatMulCost, BroadcastsBatchDimensions) {
  // A 2x1x4x8 · B 3x8x5 -> Y 2x3x4x5: 120 dot products of length 8.
  ModelBuilder b;
  b.input("a", {2, 1, 4, 8}).input("bm", {3, 8, 5});
  b.node("MatMul", {"a", "bm"}, {"y"}).output("y");
  const LayerCost c = cost_of(b);
  EXPECT_EQ(c.macs, 2 * 3 * 4 * 5 * 8);
  EXPECT_EQ(c.flops, 2 * c.macs);
  EXPECT_EQ(c.bytes_read, 4 * (64 + 120));
  EXPECT_EQ(c.bytes_written, 4 * 120);
}

TEST(MatMulCost, OneDimensionalOperands) {
  // A [8] · B 2x8x5 -> Y 2x5.
  ModelBuilder b;
  b.input("a", {8}).weight("w", {2, 8, 5});
  b.node("MatMul", {"a", "w"}, {"y"}).output("y");
  const LayerCost c = cost_of(b);
  EXPECT_EQ(c.macs, 2 * 5 * 8);
  EXPECT_EQ(c.params, 80);
}

TEST(PoolCost, MaxPoolCountsOneOpPerWindowElement) {
  ModelBuilder b;
  b.input("x", {1, 4, 8, 8});
  b.node("MaxPool", {"x"}, {"y"}, {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}})
      .output("y");
  const LayerCost c = cost_of(b);
  EXPECT_EQ(c.family, OpFamily::kPool);
  EXPECT_EQ(c.macs, 0);
  EXPECT_EQ(c.flops, (4 * 4 * 4) * (2 * 2));
  EXPECT_EQ(c.bytes_read, 4 * 256);
  EXPECT_EQ(c.bytes_written, 4 * 64);
}

TEST(PoolCost, AveragePoolAddsADividePerOutput) {
  ModelBuilder b;
  b.input("x", {1, 4, 8, 8});
  b.node("AveragePool", {"x"}, {"y"},
         {{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}})
      .output("y");
  EXPECT_EQ(cost_of(b).flops, 256 * 9 + 256);
}

TEST(PoolCost, GlobalAveragePoolSumsEveryInput) {
  ModelBuilder b;
  b.input("x", {1, 4, 8, 8});
  b.node("GlobalAveragePool", {"x"}, {"y"}).output("y");
  EXPECT_EQ(cost_of(b).flops, 256 + 4);
}

TEST(ElementwiseCost, BinaryBroadcastCountsOutputElements) {
  ModelBuilder b;
  b.input("x", {2, 3, 4}).input("z", {4});
  b.node("Add", {"x", "z"}, {"y"}).output("y");
  const LayerCost c = cost_of(b);
  EXPECT_EQ(c.family, OpFamily::kElementwise);
  EXPECT_EQ(c.flops, 24);
  EXPECT_EQ(c.bytes_read, 4 * (24 + 4));
  EXPECT_EQ(c.bytes_written, 4 * 24);
}

TEST(ElementwiseCost, SameTensorTwiceIsReadOnce) {
  ModelBuilder b;
  b.input("x", {10});
  b.node("Mul", {"x", "x"}, {"y"}).output("y");
  EXPECT_EQ(cost_of(b).bytes_read, 40);
}

TEST(ElementwiseCost, UnaryWeights) {
  ModelBuilder b;
  b.input("x", {1, 8, 4, 4});
  b.node("Relu", {"x"}, {"r"}).node("Sigmoid", {"r"}, {"s"}).node("HardSwish", {"s"}, {"h"});
  b.output("h");
  const Graph graph = load_graph_from_bytes(b.bytes(), "inline.onnx");
  EXPECT_EQ(layer_cost(graph, graph.layers[0]).flops, 128);
  EXPECT_EQ(layer_cost(graph, graph.layers[1]).flops, 4 * 128);
  EXPECT_EQ(layer_cost(graph, graph.layers[2]).flops, 5 * 128);
}

TEST(ElementwiseCost, VariadicSum) {
  ModelBuilder b;
  b.input("a", {6}).input("c", {6}).input("d", {1});
  b.node("Sum", {"a", "c", "d"}, {"y"}).output("y");
  EXPECT_EQ(cost_of(b).flops, 2 * 6);
}

TEST(ElementwiseCost, ClipWithScalarBounds) {
  ModelBuilder b;
  b.input("x", {1, 32, 7, 7}).scalar("lo", 0.0f).scalar("hi", 6.0f);
  b.node("Clip", {"x", "lo", "hi"}, {"y"}).output("y");
  const LayerCost c = cost_of(b);
  EXPECT_EQ(c.flops, 2 * 32 * 49);
  EXPECT_EQ(c.params, 0);  // bounds are operands, not weights
}

TEST(NormalizationCost, LayerNormalizationSevenPerElement) {
  ModelBuilder b;
  b.input("x", {1, 4, 8}).weight("g", {8}).weight("beta", {8});
  b.node("LayerNormalization", {"x", "g", "beta"}, {"y"}, {{"axis", std::int64_t{-1}}}).output("y");
  const LayerCost c = cost_of(b);
  EXPECT_EQ(c.family, OpFamily::kNormalization);
  EXPECT_EQ(c.flops, 7 * 32);
  EXPECT_EQ(c.params, 16);
}

TEST(NormalizationCost, BatchNormalizationFoldsToScaleAndShift) {
  ModelBuilder b;
  b.input("x", {1, 4, 5, 5}).weight("s", {4}).weight("bb", {4}).weight("m", {4}).weight("v", {4});
  b.node("BatchNormalization", {"x", "s", "bb", "m", "v"}, {"y"}).output("y");
  const LayerCost c = cost_of(b);
  EXPECT_EQ(c.flops, 2 * 100);
  EXPECT_EQ(c.params, 16);
}

TEST(SoftmaxCost, FivePerElement) {
  ModelBuilder b;
  b.input("x", {1, 10});
  b.node("Softmax", {"x"}, {"y"}).output("y");
  EXPECT_EQ(cost_of(b).flops, 50);
}

TEST(ReduceCost, ReduceMeanCountsInputsAndOutputs) {
  ModelBuilder b;
  b.input("x", {1, 16, 7, 7});
  b.node("ReduceMean", {"x"}, {"y"}, {{"axes", Ints{2, 3}}, {"keepdims", std::int64_t{0}}})
      .output("y");
  EXPECT_EQ(cost_of(b).flops, 16 * 49 + 16);
}

TEST(DataMovementCost, ConcatMovesBytesWithoutFlops) {
  ModelBuilder b;
  b.input("a", {1, 2, 4}).input("c", {1, 3, 4});
  b.node("Concat", {"a", "c"}, {"y"}, {{"axis", std::int64_t{1}}}).output("y");
  const LayerCost c = cost_of(b);
  EXPECT_EQ(c.family, OpFamily::kDataMovement);
  EXPECT_EQ(c.flops, 0);
  EXPECT_EQ(c.bytes_read, 4 * 20);
  EXPECT_EQ(c.bytes_written, 4 * 20);
}

TEST(DataMovementCost, SliceReadsOnlyWhatItKeeps) {
  ModelBuilder b;
  b.input("x", {1, 100}).int64s("st", {0}).int64s("en", {10}).int64s("ax", {1});
  b.node("Slice", {"x", "st", "en", "ax"}, {"y"}).output("y");
  const LayerCost c = cost_of(b);
  EXPECT_EQ(c.bytes_written, 40);
  EXPECT_EQ(c.bytes_read, 40 + 3 * 8);  // the kept slice + three int64 index vectors
  EXPECT_EQ(c.params, 0);               // integer initializers are not parameters
}

TEST(ViewCost, ReshapeCostsNothing) {
  ModelBuilder b;
  b.input("x", {1, 8, 2, 2}).int64s("shape", {1, 32});
  b.node("Reshape", {"x", "shape"}, {"y"}).output("y");
  const LayerCost c = cost_of(b);
  EXPECT_EQ(c.family, OpFamily::kView);
  EXPECT_EQ(c.flops, 0);
  EXPECT_EQ(c.bytes_read, 0);
  EXPECT_EQ(c.bytes_written, 0);
}

TEST(UnsupportedCost, OpWithoutEntryCountsBytesOnly) {
  // Det has ONNX shape inference but no roofcast cost entry.
  ModelBuilder b;
  b.input("x", {2, 3, 3});
  b.node("Det", {"x"}, {"y"}).output("y");
  const Graph graph = load_graph_from_bytes(b.bytes(), "inline.onnx");
  const GraphCost cost = graph_cost(graph);
  const LayerCost& c = cost.layers[0];
  EXPECT_FALSE(c.supported);
  EXPECT_EQ(c.family, OpFamily::kUnsupported);
  EXPECT_EQ(c.flops, 0);
  EXPECT_EQ(c.bytes_read, 4 * 18);
  EXPECT_EQ(c.bytes_written, 4 * 2);
  EXPECT_EQ(cost.totals.unsupported_layers, 1);
  EXPECT_THAT(cost.unsupported_ops, ::testing::ElementsAre("Det"));
}

TEST(GraphCost, SharedWeightsCountOnceInTotals) {
  ModelBuilder b;
  b.input("x", {1, 16}).weight("w", {16, 16});
  b.node("MatMul", {"x", "w"}, {"h"}).node("MatMul", {"h", "w"}, {"y"}).output("y");
  const Graph graph = load_graph_from_bytes(b.bytes(), "inline.onnx");
  const GraphCost cost = graph_cost(graph);
  EXPECT_EQ(cost.layers[0].params, 256);
  EXPECT_EQ(cost.layers[1].params, 256);
  EXPECT_EQ(cost.totals.params, 256);
  EXPECT_EQ(cost.totals.macs, 2 * 16 * 16);
  EXPECT_EQ(cost.totals.layers, 2);
}

TEST(Registry, CoversTheIssueOpList) {
  for (const char* op :
       {"Conv", "MatMul", "Gemm", "Softmax", "LayerNormalization", "Erf", "Gelu", "Transpose",
        "Reshape", "Concat", "Split", "Slice", "Gather", "Resize", "Pad", "Sigmoid",
        "HardSigmoid", "HardSwish", "Mul", "Add", "Sub", "Div", "Pow", "Sqrt", "ReduceMean",
        "GlobalAveragePool", "MaxPool", "AveragePool", "BatchNormalization", "Relu", "Clip",
        "Flatten", "Dropout", "Identity", "Constant", "Shape", "Cast"}) {
    EXPECT_TRUE(has_cost_entry("", op)) << op;
  }
  EXPECT_FALSE(has_cost_entry("com.example", "Conv"));
}

}  // namespace
}  // namespace roofcast::graph
