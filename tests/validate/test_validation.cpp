// Validation metrics with hand-computed numbers, and the grouping of roofcast
// kernels with runtime kernels through shared layers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "model_builder.hpp"
#include "roofcast/common/error.hpp"
#include "roofcast/graph/cost.hpp"
#include "roofcast/graph/load.hpp"
#include "roofcast/validate/validation.hpp"

namespace roofcast::validate {
namespace {

using roofcast::testing::ModelBuilder;

TEST(Metrics, HandComputed) {
  // Errors: +10 %, −20 %, +5 %, 0 %.
  const ErrorMetrics m = error_metrics({{1.1, 1.0}, {0.8, 1.0}, {2.1, 2.0}, {3.0, 3.0}, {5.0, 0.0}});
  EXPECT_EQ(m.count, 4u);  // the pair with measured 0 is skipped
  EXPECT_NEAR(m.rmspe, 100.0 * std::sqrt((0.01 + 0.04 + 0.0025 + 0.0) / 4.0), 1e-9);
  EXPECT_NEAR(m.mape, 100.0 * (0.1 + 0.2 + 0.05) / 4.0, 1e-9);
  EXPECT_DOUBLE_EQ(m.within_5, 0.5);
  EXPECT_DOUBLE_EQ(m.within_10, 0.75);
  EXPECT_NEAR(m.max_abs_error, 20.0, 1e-9);
}

TEST(Metrics, SpearmanWithTiesAndTooFewPoints) {
  EXPECT_DOUBLE_EQ(*spearman({1, 2, 3, 4}, {10, 20, 30, 40}), 1.0);
  EXPECT_DOUBLE_EQ(*spearman({1, 2, 3, 4}, {4, 3, 2, 1}), -1.0);
  // Ranks a: 1, 2.5, 2.5, 4; b: 1, 2, 3, 4 → ρ = 4.5 / sqrt(4.5 · 5).
  EXPECT_NEAR(*spearman({1, 2, 2, 3}, {1, 2, 3, 4}), 4.5 / std::sqrt(4.5 * 5.0), 1e-12);
  EXPECT_FALSE(spearman({1, 2}, {1, 2}).has_value());
  EXPECT_FALSE(spearman({1, 1, 1}, {1, 2, 3}).has_value());
}

TEST(Compare, GroupsKernelsThatShareLayersAndCountsBands) {
  // conv → relu → sigmoid → flatten: roofcast runs Conv+Relu, Sigmoid (Flatten is a view);
  // the runtime ran the Conv, the Relu and the Sigmoid as separate kernels, plus the Flatten.
  ModelBuilder b;
  b.input("x", {1, 4, 4, 4}).weight("w", {4, 4, 1, 1});
  b.node("Conv", {"x", "w"}, {"c"}, {}, "conv")
      .node("Relu", {"c"}, {"r"}, {}, "relu")
      .node("Sigmoid", {"r"}, {"s"}, {}, "sigmoid")
      .node("Flatten", {"s"}, {"y"}, {}, "flatten")
      .output("y");
  const graph::Graph graph = graph::load_graph_from_bytes(b.bytes(), "group.onnx");
  const graph::GraphCost cost = graph::graph_cost(graph);
  roofline::DeviceProfile profile;
  profile.ceilings.peak_flops_per_s = {{roofline::Precision::kFp32, 1e9}};
  profile.ceilings.bandwidth_bytes_per_s = {{"dram", 1e9}};
  profile.lowering.fuse = {roofline::FusionRule::kConvActivation};
  roofline::FittedKernelModel conv;
  conv.kernel_class = "conv";
  conv.model.steps = {1, 1};
  conv.model.overhead_s = 10e-6;
  conv.model.flops_per_s = 1e12;
  conv.model.bytes_per_s = 1e12;
  conv.heldout_rmspe_percent = 10.0;
  profile.kernel_models["conv"] = conv;
  const roofline::Prediction prediction = roofline::predict(graph, cost, profile);
  ASSERT_EQ(prediction.kernels.size(), 2u);

  measure::ModelMeasurement m;
  m.model = "group.onnx";
  m.network.median_s = 100e-6;
  const auto timing = [](const char* name, std::vector<std::size_t> layers, double seconds) {
    measure::KernelTiming k;
    k.node_name = name;
    k.op_name = name;
    k.layers = std::move(layers);
    k.stats.median_s = seconds;
    return k;
  };
  m.kernels = {timing("conv", {0}, 8e-6), timing("relu", {1}, 2e-6), timing("sigmoid", {2}, 5e-6),
               timing("flatten", {3}, 1e-6)};
  const NetworkComparison c = compare(graph, prediction, m);
  ASSERT_EQ(c.kernels.size(), 2u);
  // Conv+Relu predicted against conv + relu measured; the Flatten's time joins the
  // kernel that produced its input (the Sigmoid).
  EXPECT_EQ(c.kernels[0].measured_kernels.size(), 2u);
  EXPECT_NEAR(c.kernels[0].measured_s, 10e-6, 1e-15);
  EXPECT_NEAR(c.kernels[1].measured_s, 6e-6, 1e-15);
  EXPECT_EQ(c.kernels[1].runtime_ops, "sigmoid+flatten");
  EXPECT_DOUBLE_EQ(c.kernels[0].uncertainty, 0.10);
  EXPECT_DOUBLE_EQ(c.kernels[1].uncertainty, 0.0);  // the roofline gives no band
  const ValidationSummary s = summarize({c});
  ASSERT_TRUE(s.kernel_band_coverage.has_value());
  // Conv+Relu: predicted ≈ 10 µs + tiny work, measured 10 µs: inside its 10 % band.
  EXPECT_DOUBLE_EQ(*s.kernel_band_coverage, 1.0);
  EXPECT_DOUBLE_EQ(s.kernel_time_share, 1.0);
  // Every runtime kernel, 16 µs, against the 100 µs unprofiled latency.
  EXPECT_NEAR(c.profiled_kernels_s, 16e-6, 1e-15);
  EXPECT_NEAR(c.profiled_share(), 0.16, 1e-12);
  EXPECT_NEAR(s.least_profiled_share, 0.16, 1e-12);
  EXPECT_NEAR(s.most_profiled_share, 0.16, 1e-12);
  NetworkComparison slowed = c;  // profiling slowed its kernels: they sum past the latency
  slowed.profiled_kernels_s = 130e-6;
  const ValidationSummary two = summarize({c, slowed});
  EXPECT_NEAR(two.least_profiled_share, 0.16, 1e-12);
  EXPECT_NEAR(two.most_profiled_share, 1.30, 1e-12);
}

TEST(Compare, AGroupIsOfTheClassOfItsLongestPredictedKernel) {
  // transpose → matmul: roofcast predicts a copy and a GEMM; the runtime ran both as
  // one FusedMatMul (a transposed operand). The group is a GEMM, whichever kernel comes first.
  ModelBuilder b;
  b.input("x", {64, 32}).weight("w", {64, 128});
  b.node("Transpose", {"x"}, {"t"}, {{"perm", std::vector<std::int64_t>{1, 0}}}, "transpose")
      .node("MatMul", {"t", "w"}, {"y"}, {}, "matmul")
      .output("y");
  const graph::Graph graph = graph::load_graph_from_bytes(b.bytes(), "fused.onnx");
  roofline::DeviceProfile profile;
  profile.ceilings.peak_flops_per_s = {{roofline::Precision::kFp32, 1e9}};
  profile.ceilings.bandwidth_bytes_per_s = {{"dram", 1e9}};
  const roofline::Prediction prediction = roofline::predict(graph, graph::graph_cost(graph), profile);
  ASSERT_EQ(prediction.kernels.size(), 2u);
  ASSERT_EQ(prediction.kernels[0].kernel_class, roofline::KernelClass::kDataMovement);
  ASSERT_GT(prediction.estimates[1].time_s, prediction.estimates[0].time_s);

  measure::ModelMeasurement m;
  m.model = "fused.onnx";
  m.network.median_s = 300e-6;
  measure::KernelTiming fused;
  fused.node_name = "matmul";
  fused.op_name = "FusedMatMul";
  fused.layers = {0, 1};
  fused.stats.median_s = 290e-6;
  m.kernels = {fused};
  const NetworkComparison c = compare(graph, prediction, m);
  ASSERT_EQ(c.kernels.size(), 1u);
  EXPECT_EQ(c.kernels[0].ops, "Transpose+MatMul");
  EXPECT_EQ(c.kernels[0].name, "transpose");
  EXPECT_EQ(c.kernels[0].kernel_class, "gemm");
}

TEST(Compare, ALayerFoldedIntoAMatMulsOperandMapsToTheMatMul) {
  // relu → transpose → matmul(a, t): with FusionRule::kMatMulOperands the
  // Transpose is no kernel of its own but part of the MatMul's. The runtime's
  // FusedMatMul, which covers both, is compared with the MatMul alone, not
  // joined with the Relu that produced the Transpose's input.
  ModelBuilder b;
  b.input("a", {12, 50, 64}).input("x", {12, 50, 64});
  b.node("Relu", {"x"}, {"r"}, {}, "relu")
      .node("Transpose", {"r"}, {"t"}, {{"perm", std::vector<std::int64_t>{0, 2, 1}}}, "transpose")
      .node("MatMul", {"a", "t"}, {"y"}, {}, "matmul")
      .output("y");
  const graph::Graph graph = graph::load_graph_from_bytes(b.bytes(), "folded.onnx");
  roofline::DeviceProfile profile;
  profile.ceilings.peak_flops_per_s = {{roofline::Precision::kFp32, 1e9}};
  profile.ceilings.bandwidth_bytes_per_s = {{"dram", 1e9}};
  profile.lowering.fuse = {roofline::FusionRule::kMatMulOperands};
  const roofline::Prediction prediction = roofline::predict(graph, graph::graph_cost(graph), profile);
  ASSERT_EQ(prediction.kernels.size(), 2u);
  ASSERT_EQ(prediction.kernels[1].ops, "Transpose+MatMul");

  measure::ModelMeasurement m;
  m.model = "folded.onnx";
  m.network.median_s = 300e-6;
  measure::KernelTiming relu;
  relu.node_name = "relu";
  relu.op_name = "Relu";
  relu.layers = {0};
  relu.stats.median_s = 10e-6;
  measure::KernelTiming fused;
  fused.node_name = "matmul";
  fused.op_name = "FusedMatMul";
  fused.layers = {1, 2};
  fused.stats.median_s = 290e-6;
  m.kernels = {relu, fused};
  const NetworkComparison c = compare(graph, prediction, m);
  ASSERT_EQ(c.kernels.size(), 2u);
  EXPECT_EQ(c.kernels[0].ops, "Relu");
  EXPECT_DOUBLE_EQ(c.kernels[0].measured_s, 10e-6);
  EXPECT_EQ(c.kernels[1].ops, "Transpose+MatMul");
  EXPECT_EQ(c.kernels[1].runtime_ops, "FusedMatMul");
  EXPECT_DOUBLE_EQ(c.kernels[1].measured_s, 290e-6);
}

TEST(MedianRound, TheMiddleStableRoundAndOfTwoTheFaster) {
  const auto round = [](double median_ms, bool stable = true) {
    measure::ModelMeasurement m;
    m.network.median_s = median_ms * 1e-3;
    m.state = stable ? measure::MeasurementState::kOk : measure::MeasurementState::kUnstable;
    return m;
  };
  // Three rounds, one disturbed (58.7 ms): the middle one, not the fastest.
  EXPECT_DOUBLE_EQ(median_round({round(34.9), round(58.7), round(34.6)}).network.median_s, 34.9e-3);
  // Two: the lower middle, the faster.
  EXPECT_DOUBLE_EQ(median_round({round(35.2), round(34.7)}).network.median_s, 34.7e-3);
  // Unstable rounds count only when no round is stable.
  EXPECT_DOUBLE_EQ(median_round({round(30.0, false), round(35.0), round(36.0)}).network.median_s, 35.0e-3);
  EXPECT_DOUBLE_EQ(median_round({round(30.0, false), round(33.0, false)}).network.median_s, 30.0e-3);
  EXPECT_DOUBLE_EQ(median_round({round(41.0)}).network.median_s, 41.0e-3);
  EXPECT_THROW((void)median_round({}), Error);
}

}  // namespace
}  // namespace roofcast::validate
