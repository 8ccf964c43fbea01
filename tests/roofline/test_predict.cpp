// The roofline model against hand-computed numbers: one kernel at a time, the
// ridge, utilization, network totals, on-chip memory and peak-memory liveness.
#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "model_builder.hpp"
#include "roofcast/common/error.hpp"
#include "roofcast/graph/cost.hpp"
#include "roofcast/graph/load.hpp"
#include "roofcast/roofline/predict.hpp"

namespace roofcast::roofline {
namespace {

using roofcast::testing::ModelBuilder;
using Ints = std::vector<std::int64_t>;

Kernel kernel_with(std::int64_t flops, std::int64_t bytes_read, std::int64_t bytes_written,
                   std::int64_t weight_bytes = 0) {
  Kernel k;
  k.name = "k";
  k.flops = flops;
  k.bytes_read = bytes_read;
  k.bytes_written = bytes_written;
  k.weight_bytes = weight_bytes;
  return k;
}

// A device with a 1 TFLOP/s peak and 10 GB/s: the ridge is at 100 FLOP/B.
constexpr double kPeak = 1e12;
constexpr double kBandwidth = 1e10;
constexpr double kOverhead = 1e-5;

TEST(EstimateKernel, ComputeBound) {
  // 1 GFLOP over 1 MB: 1000 FLOP/B, right of the ridge.
  const auto e = estimate_kernel(kernel_with(1'000'000'000, 600'000, 400'000), kPeak, kBandwidth, kOverhead, 1.0);
  EXPECT_EQ(e.bound, Bound::kCompute);
  EXPECT_DOUBLE_EQ(e.compute_time_s, 1e-3);
  EXPECT_DOUBLE_EQ(e.memory_time_s, 1e-4);
  EXPECT_DOUBLE_EQ(e.time_s, 1e-3 + 1e-5);
  EXPECT_DOUBLE_EQ(e.arithmetic_intensity, 1000.0);
  EXPECT_DOUBLE_EQ(e.attainable_flops_per_s, kPeak);  // min(1e12, 1000 × 1e10)
  EXPECT_DOUBLE_EQ(e.achieved_flops_per_s, 1e9 / 1.01e-3);
  EXPECT_NEAR(e.utilization, 1.0 / 1.01, 1e-12);
}

TEST(EstimateKernel, MemoryBound) {
  // 1 MFLOP over 100 MB: 0.01 FLOP/B, far left of the ridge.
  const auto e = estimate_kernel(kernel_with(1'000'000, 50'000'000, 50'000'000), kPeak, kBandwidth, kOverhead, 1.0);
  EXPECT_EQ(e.bound, Bound::kMemory);
  EXPECT_DOUBLE_EQ(e.memory_time_s, 1e-2);
  EXPECT_DOUBLE_EQ(e.time_s, 1e-2 + 1e-5);
  EXPECT_DOUBLE_EQ(e.arithmetic_intensity, 0.01);
  EXPECT_DOUBLE_EQ(e.attainable_flops_per_s, 1e8);  // 0.01 FLOP/B × 10 GB/s
  EXPECT_NEAR(e.achieved_flops_per_s, 1e6 / 1.001e-2, 1e-3);
  EXPECT_NEAR(e.utilization, 1.0 / 1.001, 1e-12);
}

TEST(EstimateKernel, RidgePointBalancesComputeAndMemory) {
  // 100 FLOP/B exactly: both terms 1 ms, attainable = peak from either side.
  const auto e = estimate_kernel(kernel_with(1'000'000'000, 10'000'000, 0), kPeak, kBandwidth, 0.0, 1.0);
  EXPECT_DOUBLE_EQ(e.compute_time_s, e.memory_time_s);
  EXPECT_DOUBLE_EQ(e.arithmetic_intensity, kPeak / kBandwidth);
  EXPECT_DOUBLE_EQ(e.attainable_flops_per_s, kPeak);
  EXPECT_DOUBLE_EQ(e.utilization, 1.0);  // no overhead: on the roof
}

TEST(EstimateKernel, TinyKernelIsOverheadBound) {
  const auto e = estimate_kernel(kernel_with(1000, 4000, 4000), kPeak, kBandwidth, kOverhead, 1.0);
  EXPECT_EQ(e.bound, Bound::kOverhead);
  EXPECT_DOUBLE_EQ(e.time_s, 1e-5 + 8e-7);
  EXPECT_NEAR(e.utilization, 8e-7 / (1e-5 + 8e-7), 1e-12);
}

TEST(EstimateKernel, HalfPrecisionHalvesTheBytes) {
  const auto e = estimate_kernel(kernel_with(1'000'000, 50'000'000, 50'000'000), kPeak, kBandwidth, 0.0, 0.5);
  EXPECT_EQ(e.bytes, 50'000'000);
  EXPECT_DOUBLE_EQ(e.memory_time_s, 5e-3);
  EXPECT_DOUBLE_EQ(e.arithmetic_intensity, 0.02);
}

TEST(EstimateKernel, WeightsAndActivationsOnDifferentPaths) {
  // 1 MB of weights at 1 GB/s (streamed) + 3 MB of activations at 100 GB/s (on chip).
  const MemoryPath path{.weight_bytes_per_s = 1e9, .activation_bytes_per_s = 1e11};
  const auto e = estimate_kernel(kernel_with(1000, 3'000'000, 1'000'000, 1'000'000), kPeak, path, 0.0, 1.0);
  EXPECT_DOUBLE_EQ(e.memory_time_s, 1e-3 + 3e-5);
  EXPECT_EQ(e.bound, Bound::kMemory);
}

DeviceProfile device(double per_run_s = 1e-4, double per_kernel_s = 1e-5) {
  DeviceProfile p;
  p.id = "unit";
  p.hardware.name = "unit device";
  p.default_precision = Precision::kFp32;
  p.ceilings.peak_flops_per_s = {{Precision::kFp32, kPeak}, {Precision::kFp16, 2 * kPeak}};
  p.ceilings.bandwidth_bytes_per_s = {{"dram", kBandwidth}};
  p.overheads = {.per_kernel_s = per_kernel_s, .per_run_s = per_run_s};
  p.power.active_w = 5.0;
  p.lowering.fuse = {FusionRule::kConvBn, FusionRule::kConvActivation};
  p.lowering.drop_views = true;
  return p;
}

/// A fitted model of `kernel_class`: t0, P, B and steps as given, no slow path.
FittedKernelModel fitted_model(const std::string& kernel_class, std::vector<std::int64_t> steps, double overhead_s,
                               double flops_per_s, double bytes_per_s, double heldout_rmspe_percent = 0.0) {
  FittedKernelModel m;
  m.kernel_class = kernel_class;
  m.model.steps = std::move(steps);
  m.model.overhead_s = overhead_s;
  m.model.flops_per_s = flops_per_s;
  m.model.bytes_per_s = bytes_per_s;
  m.heldout_rmspe_percent = heldout_rmspe_percent;
  return m;
}

/// Conv 1x3x8x8 → 1x4x8x8 (pad 1) + Relu, GlobalAveragePool, Flatten, Gemm 4 → 2.
ModelBuilder small_network() {
  ModelBuilder b;
  b.input("x", {1, 3, 8, 8}).weight("w", {4, 3, 3, 3}).weight("fc", {2, 4});
  b.node("Conv", {"x", "w"}, {"c"}, {{"pads", Ints{1, 1, 1, 1}}}, "conv")
      .node("Relu", {"c"}, {"r"}, {}, "relu")
      .node("GlobalAveragePool", {"r"}, {"g"}, {}, "gap")
      .node("Flatten", {"g"}, {"f"}, {}, "flatten")
      .node("Gemm", {"f", "fc"}, {"y"}, {{"transB", std::int64_t{1}}}, "fc")
      .output("y");
  return b;
}

TEST(Predict, NetworkTotalsAreSumsOfKernels) {
  const graph::Graph graph = graph::load_graph_from_bytes(small_network().bytes(), "small.onnx");
  const graph::GraphCost cost = graph::graph_cost(graph);
  const Prediction p = predict(graph, cost, device());

  // Kernels: Conv+Relu, GlobalAveragePool, Gemm (Flatten is a view, dropped).
  ASSERT_EQ(p.kernels.size(), 3u);
  EXPECT_EQ(p.kernels[0].ops, "Conv+Relu");
  // Conv: 4·3·3·3·8·8 = 6912 MACs = 13824 FLOPs, Relu 256; reads x (192 floats) + w (108),
  // writes r (256); the Conv's output stays inside the kernel.
  EXPECT_EQ(p.kernels[0].flops, 13824 + 256);
  EXPECT_EQ(p.kernels[0].bytes_read, 4 * (192 + 108));
  EXPECT_EQ(p.kernels[0].bytes_written, 4 * 256);
  // GlobalAveragePool: one FLOP per input and per output element; reads 256, writes 4 floats.
  EXPECT_EQ(p.kernels[1].flops, 256 + 4);
  EXPECT_EQ(p.kernels[1].bytes_read + p.kernels[1].bytes_written, 4 * (256 + 4));
  // Gemm 1x4 · 4x2: 8 MACs; reads 4 + 8, writes 2 floats.
  EXPECT_EQ(p.kernels[2].flops, 16);
  EXPECT_EQ(p.kernels[2].bytes_read + p.kernels[2].bytes_written, 4 * (4 + 8 + 2));

  // Every kernel is tiny: 10 µs overhead plus its memory time dominates.
  const double t0 = 1e-5 + 4.0 * (300 + 256) / kBandwidth;
  const double t1 = 1e-5 + 4.0 * 260 / kBandwidth;
  const double t2 = 1e-5 + 4.0 * 14 / kBandwidth;
  const double latency = 1e-4 + t0 + t1 + t2;
  EXPECT_NEAR(p.network.latency_s, latency, 1e-15);
  EXPECT_DOUBLE_EQ(p.network.throughput_per_s, 1.0 / p.network.latency_s);
  EXPECT_EQ(p.network.flops, 13824 + 256 + 260 + 16);
  EXPECT_DOUBLE_EQ(p.network.flops_per_s, (13824 + 256 + 260 + 16) / p.network.latency_s);
  EXPECT_EQ(p.network.power_w, 5.0);
  EXPECT_DOUBLE_EQ(*p.network.efficiency_per_s_per_w, p.network.throughput_per_s / 5.0);
  EXPECT_EQ(p.network.weight_bytes, 4 * (108 + 8));
  EXPECT_NEAR(p.network.overhead_bound_share, 1.0, 1e-12);
}

TEST(Predict, PrecisionOverrideScalesBytesAndPeak) {
  const graph::Graph graph = graph::load_graph_from_bytes(small_network().bytes(), "small.onnx");
  const graph::GraphCost cost = graph::graph_cost(graph);
  const Prediction p = predict(graph, cost, device(), {.precision = Precision::kFp16});
  EXPECT_DOUBLE_EQ(p.peak_flops_per_s, 2 * kPeak);
  EXPECT_EQ(p.estimates[0].bytes, 2 * (300 + 256));
  EXPECT_EQ(p.network.weight_bytes, 2 * (108 + 8));
  EXPECT_THROW((void)predict(graph, cost, device(), {.precision = Precision::kInt8}), ProfileError);
}

TEST(Predict, OnChipMemoryHoldsWhatFits) {
  DeviceProfile p = device();
  p.ceilings.bandwidth_bytes_per_s["sram"] = 1e11;
  p.hardware.on_chip_bytes = 1000;
  // 600 B of weights fit; 600 B of activations do not fit beside them.
  MemoryPath path = memory_path(p, 600, 600);
  EXPECT_TRUE(path.weights_on_chip);
  EXPECT_FALSE(path.activations_on_chip);
  EXPECT_DOUBLE_EQ(path.weight_bytes_per_s, 1e11);
  EXPECT_DOUBLE_EQ(path.activation_bytes_per_s, kBandwidth);
  path = memory_path(p, 2000, 600);  // weights stream; activations alone fit
  EXPECT_FALSE(path.weights_on_chip);
  EXPECT_TRUE(path.activations_on_chip);
  path = memory_path(device(), 1, 1);  // no on-chip memory: all DRAM
  EXPECT_FALSE(path.weights_on_chip);
  EXPECT_DOUBLE_EQ(path.weight_bytes_per_s, kBandwidth);
}

TEST(Predict, FittedModelsReplaceTheRooflineForTheirClass) {
  const graph::Graph graph = graph::load_graph_from_bytes(small_network().bytes(), "small.onnx");
  const graph::GraphCost cost = graph::graph_cost(graph);
  DeviceProfile p = device();
  p.kernel_models["conv"] = fitted_model("conv", {8, 4}, 5e-6, 1e9, 1e9, 4.0);  // K = 4 → 8, C/g = 3 → 4
  const Prediction prediction = predict(graph, cost, p);
  const auto& e = prediction.estimates[0];
  ASSERT_TRUE(e.fitted);
  // Work: 14080 FLOPs over K·C/g = 12 → 1173.33 per unit, × 8 · 4 quantized = 37546.7 FLOPs.
  const double work = 14080.0 / 12.0 * 32.0;
  EXPECT_NEAR(e.compute_time_s, work / 1e9, 1e-15);
  // Activations at the class's 1 GB/s; the 108 weights from DRAM (10 GB/s), waited for on top of the arithmetic.
  EXPECT_NEAR(e.memory_time_s, 4.0 * (300 + 256 - 108) / 1e9, 1e-15);
  EXPECT_NEAR(e.dram_wait_s, 4.0 * 108 / kBandwidth, 1e-15);
  EXPECT_NEAR(e.time_s, 5e-6 + work / 1e9 + 4.0 * 108 / kBandwidth, 1e-15);
  EXPECT_DOUBLE_EQ(e.uncertainty, 0.04);
  EXPECT_FALSE(prediction.estimates[1].fitted);  // the pool has no model: the roofline
  EXPECT_EQ(prediction.network.fitted_kernels, 1u);
  EXPECT_NEAR(prediction.network.uncertainty, e.time_s * 0.04 / prediction.network.latency_s, 1e-12);
}

TEST(Predict, WhatTheCachesStillHoldMovesAtTheFittedBandwidth) {
  const graph::Graph graph = graph::load_graph_from_bytes(small_network().bytes(), "small.onnx");
  const graph::GraphCost cost = graph::graph_cost(graph);
  DeviceProfile p = device();
  p.kernel_models["conv"] = fitted_model("conv", {1, 1}, 5e-6, 1e9, 1e9);
  // Without caches in the profile: the 108 weights from DRAM, as calibrated kernels never see them.
  const auto unknown = predict(graph, cost, p).estimates.at(0);
  EXPECT_EQ(unknown.dram_bytes, 4 * 108);
  // Caches far larger than the network: the weights and the input are still there.
  p.hardware.cache_bytes = {{2, 1024.0 * 1024}, {3, 32.0 * 1024 * 1024}};
  const auto warm = predict(graph, cost, p).estimates.at(0);
  EXPECT_EQ(warm.dram_bytes, 0);
  EXPECT_NEAR(warm.memory_time_s, 4.0 * (300 + 256) / 1e9, 1e-15);
  EXPECT_EQ(warm.dram_wait_s, 0.0);
  // Caches smaller than one inference: weights and input come back from
  // DRAM, and the 256 outputs go to a buffer the caches no longer hold.
  p.hardware.cache_bytes = {{1, 8.0}, {2, 32.0}};
  const auto cold = predict(graph, cost, p).estimates.at(0);
  EXPECT_EQ(cold.dram_bytes, 4 * (108 + 192 + 256));
  EXPECT_NEAR(cold.memory_time_s, 0.0, 1e-15);
  // The kernel waits for the reads on top of its roofline term (it does not
  // overlap the two), for the writes only beyond its arithmetic.
  EXPECT_NEAR(cold.dram_wait_s,
              4.0 * (108 + 192) / kBandwidth + std::max(0.0, 4.0 * 256 / kBandwidth - cold.compute_time_s), 1e-15);
  EXPECT_NEAR(cold.time_s,
              cold.overhead_s + std::max(cold.compute_time_s, cold.memory_time_s) + cold.dram_wait_s, 1e-15);
  EXPECT_GT(cold.time_s, warm.time_s + cold.dram_wait_s * 0.99);
}

TEST(Predict, BytesBeyondThePrivateCachesWaitOnTopWhereTheClassSaysSo) {
  const graph::Graph graph = graph::load_graph_from_bytes(small_network().bytes(), "small.onnx");
  const graph::GraphCost cost = graph::graph_cost(graph);
  DeviceProfile p = device();
  p.kernel_models["conv"] = fitted_model("conv", {1, 1}, 5e-6, 1e9, 1e9);
  p.hardware.cache_bytes = {{2, 1024.0 * 1024}, {3, 32.0 * 1024 * 1024}};  // all still cached
  const auto plain = predict(graph, cost, p).estimates.at(0);
  EXPECT_EQ(plain.cache_wait_s, 0.0);
  // A private cache of 1000 bytes: the kernel's 4 × 556 bytes less 1000 wait at 2 GB/s.
  p.kernel_models["conv"].model.private_cache_bytes = 1000.0;
  p.kernel_models["conv"].model.far_wait_bytes_per_s = 2e9;
  const auto waiting = predict(graph, cost, p).estimates.at(0);
  EXPECT_NEAR(waiting.cache_wait_s, (4.0 * 556 - 1000) / 2e9, 1e-15);
  EXPECT_NEAR(waiting.memory_time_s, plain.memory_time_s, 1e-15);  // the bandwidth term is unchanged
  EXPECT_NEAR(waiting.time_s, plain.time_s + waiting.cache_wait_s, 1e-15);
}

TEST(Predict, AKernelFetchesFromDramWhileItComputes) {
  const graph::Graph graph = graph::load_graph_from_bytes(small_network().bytes(), "small.onnx");
  const graph::GraphCost cost = graph::graph_cost(graph);
  DeviceProfile p = device();
  p.kernel_models["conv"] = fitted_model("conv", {1, 1}, 5e-6, 1e7, 1e9);  // slow arithmetic: 1.4 ms
  p.hardware.cache_bytes = {{1, 8.0}, {2, 32.0}};                         // weights and input from DRAM
  const auto waiting = predict(graph, cost, p).estimates.at(0);
  const double dram_bytes = 4.0 * (108 + 192);
  ASSERT_NEAR(waiting.dram_wait_s, dram_bytes / kBandwidth, 1e-15);
  // At 0.5 MB/s while it computes, 0.5e6 × its compute time of the 1200 bytes arrive meanwhile.
  p.ceilings.dram_overlap_bytes_per_s = 0.5e6;
  const auto overlapping = predict(graph, cost, p).estimates.at(0);
  const double hidden = 0.5e6 * overlapping.compute_time_s;
  ASSERT_LT(hidden, dram_bytes);
  EXPECT_NEAR(overlapping.dram_wait_s, (dram_bytes - hidden) / kBandwidth, 1e-15);
  EXPECT_NEAR(waiting.time_s - overlapping.time_s, hidden / kBandwidth, 1e-15);
  // Fast enough to fetch them all while it computes: no wait at all.
  p.ceilings.dram_overlap_bytes_per_s = 1e9;
  EXPECT_EQ(predict(graph, cost, p).estimates.at(0).dram_wait_s, 0.0);
}

TEST(Predict, AWriteToABufferGoneFromTheCachesWaitsOnlyBeyondTheArithmetic) {
  // A store does not hold up the arithmetic behind it: the conv's 256 outputs
  // (1 KiB), written to a buffer the caches no longer hold, cost
  // max(0, 1 KiB / B_dram − compute) on top of the reads it waits for.
  const graph::Graph graph = graph::load_graph_from_bytes(small_network().bytes(), "small.onnx");
  const graph::GraphCost cost = graph::graph_cost(graph);
  DeviceProfile p = device();
  p.hardware.cache_bytes = {{1, 8.0}, {2, 32.0}};  // nothing stays
  const double reads_s = 4.0 * (108 + 192) / kBandwidth;
  const double writes_s = 4.0 * 256 / kBandwidth;
  p.kernel_models["conv"] = fitted_model("conv", {1, 1}, 5e-6, 1e12, 1e9);  // arithmetic far shorter than the writes
  const auto fast = predict(graph, cost, p).estimates.at(0);
  ASSERT_LT(fast.compute_time_s, writes_s);
  EXPECT_NEAR(fast.dram_wait_s, reads_s + writes_s - fast.compute_time_s, 1e-15);
  p.kernel_models["conv"] = fitted_model("conv", {1, 1}, 5e-6, 1e7, 1e9);  // 1.4 ms of arithmetic
  const auto slow = predict(graph, cost, p).estimates.at(0);
  ASSERT_GT(slow.compute_time_s, writes_s);
  EXPECT_NEAR(slow.dram_wait_s, reads_s, 1e-15);
  EXPECT_EQ(slow.dram_bytes, 4 * (108 + 192 + 256));
}

/// x 1x4x8x8 → Conv 1x1 (4 → 4) → Clip.
graph::Graph conv_then_clip() {
  ModelBuilder b;
  b.input("x", {1, 4, 8, 8}).weight("w", {4, 4, 1, 1});
  b.node("Conv", {"x", "w"}, {"c"}, {}, "conv").node("Clip", {"c"}, {"y"}, {}, "clip").output("y");
  return graph::load_graph_from_bytes(b.bytes(), "clip.onnx");
}

TEST(Predict, AnActivationOutsideTheKernelLoopStreamsAtTheElementwiseBandwidth) {
  // x 1x4x8x8 → Conv 1x1 (4 → 4) → Clip: with only Relu inside the kernel, the Clip
  // reads and writes the 256-float output once more: on the activation path for the
  // roofline, as the elementwise model's Clip (1 GFLOP/s, 2 GB/s) for a fitted kernel.
  const graph::Graph graph = conv_then_clip();
  const graph::GraphCost cost = graph::graph_cost(graph);
  DeviceProfile p = device();
  p.lowering.fuse.insert(FusionRule::kConvActivation);
  const double free_s = predict(graph, cost, p).estimates.at(0).time_s;
  p.lowering.in_kernel_activations = std::set<std::string>{"Relu"};
  const Prediction roofline = predict(graph, cost, p);
  ASSERT_EQ(roofline.kernels.size(), 1u);
  EXPECT_NEAR(roofline.estimates[0].epilogue_s, 2.0 * 1024 / kBandwidth, 1e-15);  // no elementwise model: DRAM
  EXPECT_NEAR(roofline.estimates[0].time_s, free_s + 2.0 * 1024 / kBandwidth, 1e-15);
  p.kernel_models["elementwise"] = fitted_model("elementwise", {}, 1e-6, 1e9, 2e9);
  p.kernel_models["conv"] = fitted_model("conv", {1, 1}, 1e-6, 1e9, 1e9);
  const auto fitted = predict(graph, cost, p).estimates.at(0);
  ASSERT_TRUE(fitted.fitted);
  // The Clip pass as an elementwise Clip kernel without its launch: max(FLOPs / P, bytes / B).
  const auto clip_flops = static_cast<double>(predict(graph, cost, p).kernels.at(0).epilogue_flops);
  EXPECT_NEAR(fitted.epilogue_s, std::max(clip_flops / 1e9, 2.0 * 1024 / 2e9), 1e-15);
  EXPECT_EQ(fitted.reorder_s, 0.0);  // an activation pass is no reorder
  EXPECT_NEAR(fitted.time_s, fitted.overhead_s + std::max(fitted.compute_time_s, fitted.memory_time_s) +
                                 fitted.dram_wait_s + fitted.epilogue_s, 1e-15);
}

TEST(Predict, OnTwoThreadsAKernelAndItsActivationPassSplitWhereTheirClassesDo) {
  // The Clip graph above on two threads: the conv splits (1 ns to hand out,
  // 2× faster), and so does its Clip pass, on the threads the conv already
  // split its work among (no second hand-out); a Clip the elementwise class
  // runs on one thread at any size does not.
  const graph::Graph graph = conv_then_clip();
  const graph::GraphCost cost = graph::graph_cost(graph);
  DeviceProfile p = device();
  p.lowering.fuse.insert(FusionRule::kConvActivation);
  p.lowering.in_kernel_activations = std::set<std::string>{"Relu"};
  p.kernel_models["elementwise"] = fitted_model("elementwise", {}, 1e-6, 1e9, 2e9);
  p.kernel_models["conv"] = fitted_model("conv", {1, 1}, 1e-6, 1e9, 1e9);
  const auto one = predict(graph, cost, p).estimates.at(0);
  EXPECT_EQ(one.split_speedup, 1.0);
  for (auto* m : {&p.kernel_models["elementwise"].model, &p.kernel_models["conv"].model}) {
    m->threads = 2;
    m->split_s = 1e-9;
    m->split_speedup = 2.0;
  }
  const auto split = predict(graph, cost, p).estimates.at(0);
  const double roofline_s = std::max(one.compute_time_s, one.memory_time_s) + one.dram_wait_s;
  EXPECT_NEAR(split.split_speedup, roofline_s / (1e-9 + roofline_s / 2.0), 1e-9);
  EXPECT_NEAR(split.epilogue_s, one.epilogue_s / 2.0, 1e-15);
  EXPECT_NEAR(split.time_s, one.overhead_s + 1e-9 + roofline_s / 2.0 + one.epilogue_s / 2.0, 1e-15);
  p.kernel_models["elementwise"].model.serial_ops = {"Clip"};
  EXPECT_NEAR(predict(graph, cost, p).estimates.at(0).epilogue_s, one.epilogue_s, 1e-15);
}

TEST(Predict, AnOperatorWithItsOwnThroughputUsesIt) {
  // x → Erf → Relu: one elementwise model, Erf at 1 GFLOP/s of its own, the rest at 10.
  ModelBuilder b;
  b.input("x", {1, 4, 8, 8});
  b.node("Erf", {"x"}, {"e"}, {}, "erf").node("Relu", {"e"}, {"y"}, {}, "relu").output("y");
  const graph::Graph graph = graph::load_graph_from_bytes(b.bytes(), "erf.onnx");
  const graph::GraphCost cost = graph::graph_cost(graph);
  DeviceProfile p = device();
  p.lowering.fuse.clear();
  FittedKernelModel m = fitted_model("elementwise", {}, 1e-6, 10e9, 1e12);
  m.model.op_flops_per_s = {{"Erf", 1e9}};
  p.kernel_models["elementwise"] = m;
  const Prediction prediction = predict(graph, cost, p);
  ASSERT_EQ(prediction.kernels.size(), 2u);
  EXPECT_NEAR(prediction.estimates[0].compute_time_s, static_cast<double>(prediction.kernels[0].flops) / 1e9, 1e-15);
  EXPECT_NEAR(prediction.estimates[1].compute_time_s, static_cast<double>(prediction.kernels[1].flops) / 10e9, 1e-15);
}

TEST(Predict, AFusedKernelOfSeveralOperatorsTakesEachAtItsThroughput) {
  // x → Sigmoid → Mul(x, ·), fused as SiLU: the Sigmoid's FLOPs at 1 GFLOP/s, the Mul's at 10.
  ModelBuilder b;
  b.input("x", {1, 4, 8, 8});
  b.node("Sigmoid", {"x"}, {"s"}, {}, "sigmoid").node("Mul", {"x", "s"}, {"y"}, {}, "mul").output("y");
  const graph::Graph graph = graph::load_graph_from_bytes(b.bytes(), "silu.onnx");
  const graph::GraphCost cost = graph::graph_cost(graph);
  DeviceProfile p = device();
  p.lowering.fuse = {FusionRule::kActivationPatterns};
  FittedKernelModel m = fitted_model("elementwise", {}, 1e-6, 10e9, 1e12);
  m.model.op_flops_per_s = {{"Sigmoid", 1e9}};
  p.kernel_models["elementwise"] = m;
  const Prediction prediction = predict(graph, cost, p);
  ASSERT_EQ(prediction.kernels.size(), 1u);
  const auto& parts = prediction.kernels[0].op_flops;
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_NEAR(prediction.estimates[0].compute_time_s,
              static_cast<double>(parts[0].second) / 1e9 + static_cast<double>(parts[1].second) / 10e9, 1e-15);
  // A profile that measured the fused operator itself rates the kernel as that one operator.
  p.kernel_models["elementwise"].model.op_flops_per_s["Silu"] = 2e9;
  const Prediction measured_whole = predict(graph, cost, p);
  EXPECT_NEAR(measured_whole.estimates[0].compute_time_s, static_cast<double>(prediction.kernels[0].flops) / 2e9,
              1e-15);
}

TEST(Predict, BandsOfOneClassAddUpAndOfDifferentClassesInQuadrature) {
  // Conv → Conv → MaxPool: the two convolutions share the conv model's error (10 %),
  // the pool has its own (20 %).
  ModelBuilder b;
  b.input("x", {1, 4, 8, 8}).weight("w1", {4, 4, 3, 3}).weight("w2", {4, 4, 3, 3});
  b.node("Conv", {"x", "w1"}, {"a"}, {{"pads", Ints{1, 1, 1, 1}}}, "conv1")
      .node("Conv", {"a", "w2"}, {"c"}, {{"pads", Ints{1, 1, 1, 1}}}, "conv2")
      .node("MaxPool", {"c"}, {"y"}, {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}, "pool")
      .output("y");
  const graph::Graph graph = graph::load_graph_from_bytes(b.bytes(), "bands.onnx");
  const graph::GraphCost cost = graph::graph_cost(graph);
  DeviceProfile p = device();
  p.kernel_models["conv"] = fitted_model("conv", {1, 1}, 1e-6, 1e9, 1e9, 10.0);
  p.kernel_models["pool"] = fitted_model("pool", {1}, 1e-6, 1e9, 1e9, 20.0);
  const Prediction prediction = predict(graph, cost, p);
  ASSERT_EQ(prediction.estimates.size(), 3u);
  const double convs_s = prediction.estimates[0].time_s + prediction.estimates[1].time_s;
  const double pool_s = prediction.estimates[2].time_s;
  EXPECT_NEAR(prediction.network.uncertainty * prediction.network.latency_s,
              std::hypot(0.1 * convs_s, 0.2 * pool_s), 1e-15);
}

TEST(Predict, KernelSampleTakesChannelsForConvAndNKForGemmAndNoneForAGlobalPool) {
  const graph::Graph graph = graph::load_graph_from_bytes(small_network().bytes(), "small.onnx");
  const graph::GraphCost cost = graph::graph_cost(graph);
  const auto kernels = lower(graph, cost, device().lowering);
  const Sample conv = kernel_sample(graph, kernels[0], 1.0);
  EXPECT_EQ(conv.dims, (std::vector<std::int64_t>{4, 3}));
  EXPECT_DOUBLE_EQ(conv.rows, 8.0);  // N·H_out: its work is dealt out among threads by output row
  EXPECT_DOUBLE_EQ(conv.work_factor * 12.0, static_cast<double>(kernels[0].flops));
  const Sample gemm = kernel_sample(graph, kernels[2], 0.5);
  EXPECT_EQ(gemm.dims, (std::vector<std::int64_t>{2, 4}));  // fc: [2, 4] with transB → N 2, K 4
  EXPECT_DOUBLE_EQ(gemm.bytes, 0.5 * 4.0 * 14);
  EXPECT_DOUBLE_EQ(gemm.rows, 0.0);  // only a convolution's work is split by rows
  // The GlobalAveragePool is a reduction: its work is not quantized by channels.
  const Sample pool = kernel_sample(graph, kernels[1], 1.0);
  EXPECT_EQ(kernels[1].kernel_class, KernelClass::kNormalization);
  EXPECT_TRUE(pool.dims.empty());
  EXPECT_DOUBLE_EQ(pool.work_factor, 260.0);
}

TEST(Predict, KernelSampleTakesChannelsForAWindowPool) {
  ModelBuilder b;
  b.input("x", {1, 24, 16, 16});
  b.node("MaxPool", {"x"}, {"y"}, {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}}).output("y");
  const graph::Graph graph = graph::load_graph_from_bytes(b.bytes(), "pool.onnx");
  const auto kernels = lower(graph, graph::graph_cost(graph), device().lowering);
  ASSERT_EQ(kernels.size(), 1u);
  const Sample pool = kernel_sample(graph, kernels[0], 1.0);
  EXPECT_EQ(pool.dims, (std::vector<std::int64_t>{24}));  // channels
  EXPECT_DOUBLE_EQ(pool.work_factor * 24.0, static_cast<double>(kernels[0].flops));
}

TEST(Predict, AGemmOfSeveralRowsCarriesTheirStride) {
  // MatMul [2, 197, 3072] × [3072, 64]: rows of A 3072 fp32 = 12 KiB apart;
  // a GEMV (one row) and a Gemm that transposes A stream no rows.
  ModelBuilder b;
  b.input("x", {2, 197, 3072}).weight("w", {3072, 64}).input("v", {1, 1024}).weight("u", {1024, 10});
  b.input("t", {64, 4}).weight("s", {64, 8});
  b.node("MatMul", {"x", "w"}, {"y"}, {}, "mlp")
      .node("Gemm", {"v", "u"}, {"z"}, {}, "fc")
      .node("Gemm", {"t", "s"}, {"r"}, {{"transA", std::int64_t{1}}}, "transposed")
      .output("y")
      .output("z")
      .output("r");
  const graph::Graph graph = graph::load_graph_from_bytes(b.bytes(), "rows.onnx");
  const graph::GraphCost cost = graph::graph_cost(graph);
  const auto kernels = lower(graph, cost, device().lowering);
  ASSERT_EQ(kernels.size(), 3u);
  const Sample mlp = kernel_sample(graph, kernels[0], 1.0);
  EXPECT_EQ(mlp.dims, (std::vector<std::int64_t>{64, 3072}));
  EXPECT_DOUBLE_EQ(mlp.row_stride_bytes, 12288.0);
  EXPECT_DOUBLE_EQ(kernel_sample(graph, kernels[0], 0.5).row_stride_bytes, 6144.0);  // run in half precision
  EXPECT_DOUBLE_EQ(kernel_sample(graph, kernels[1], 1.0).row_stride_bytes, 0.0);
  EXPECT_DOUBLE_EQ(kernel_sample(graph, kernels[2], 1.0).row_stride_bytes, 0.0);
  // A profile whose gemm model slows rows 4 KiB apart by 10 % predicts the MatMul's compute 10 % longer.
  DeviceProfile p = device();
  p.kernel_models["gemm"] = fitted_model("gemm", {1, 1}, 1e-6, 100e9, 1e12, 5.0);
  const double plain_s = predict(graph, cost, p).estimates[0].compute_time_s;
  p.kernel_models["gemm"].model.alias_bytes = 4096;
  p.kernel_models["gemm"].model.alias_slowdown = 0.1;
  const Prediction aliased = predict(graph, cost, p);
  EXPECT_NEAR(aliased.estimates[0].compute_time_s / plain_s, 1.1, 1e-12);
  EXPECT_NEAR(aliased.estimates[0].compute_time_s, 1.1 * 2.0 * 2 * 197 * 3072 * 64 / 100e9, 1e-12);
}

TEST(Predict, AGroupedConvolutionPaysItsCostPerIm2colElementAndRow) {
  // Stride 2 on 6×6 (pad 1): 3×3 outputs, each expanded from 16 channels ×
  // 3×3, an element gathered one at a time counting twice; 16 × 3×3 rows of
  // the im2col per output row.
  ModelBuilder b;
  b.input("x", {1, 16, 6, 6}).weight("w", {16, 4, 3, 3});
  b.node("Conv", {"x", "w"}, {"y"},
         {{"pads", Ints{1, 1, 1, 1}}, {"strides", Ints{2, 2}}, {"group", std::int64_t{4}}}, "strided")
      .output("y");
  const graph::Graph graph = graph::load_graph_from_bytes(b.bytes(), "strided.onnx");
  const graph::GraphCost cost = graph::graph_cost(graph);
  DeviceProfile p = device();
  p.kernel_models["grouped_conv"] = fitted_model("grouped_conv", {1, 1}, 1e-6, 1e9, 1e9);
  const Sample strided = kernel_sample(graph, lower(graph, cost, p.lowering)[0], 1.0);
  EXPECT_EQ(strided.gathers, 2.0 * 16 * 9 * 3 * 3);
  EXPECT_EQ(strided.loops, 16.0 * 9 * 3);
  const Prediction plain = predict(graph, cost, p);
  p.kernel_models["grouped_conv"].model.gather_s = 0.5e-9;
  const Prediction gathered = predict(graph, cost, p);
  EXPECT_NEAR(gathered.estimates[0].time_s - plain.estimates[0].time_s, 2 * 16 * 9 * 3 * 3 * 0.5e-9, 1e-15);
  // On the slow path (4 channels per group, not a multiple of 8) its own cost per element.
  auto& slow = p.kernel_models["grouped_conv"].model;
  slow.align = 8;
  slow.slow_overhead_s = 2e-6;
  slow.slow_flops_per_s = 1e9;
  slow.slow_bytes_per_s = 1e9;
  slow.slow_gather_s = 2e-9;
  slow.slow_loop_s = 5e-9;
  const Prediction slow_path = predict(graph, cost, p);
  EXPECT_NEAR(slow_path.estimates[0].overhead_s, 4 * 2e-6 + 2 * 16 * 9 * 3 * 3 * 2e-9 + 16 * 9 * 3 * 5e-9, 1e-15);
  // At stride 1 each element once: 6×6 outputs, 16 × 3×3 rows per output row.
  ModelBuilder unit;
  unit.input("x", {1, 16, 6, 6}).weight("w", {16, 4, 3, 3});
  unit.node("Conv", {"x", "w"}, {"y"}, {{"pads", Ints{1, 1, 1, 1}}, {"group", std::int64_t{4}}}, "grouped").output("y");
  const graph::Graph unit_graph = graph::load_graph_from_bytes(unit.bytes(), "grouped.onnx");
  const graph::GraphCost unit_cost = graph::graph_cost(unit_graph);
  const Sample unit_sample = kernel_sample(unit_graph, lower(unit_graph, unit_cost, p.lowering)[0], 1.0);
  EXPECT_EQ(unit_sample.gathers, 16.0 * 9 * 6 * 6);
  EXPECT_EQ(unit_sample.loops, 16.0 * 9 * 6);
}

/// A 3x3 convolution of 32 channels in `groups` groups on 1x32xHxW with `attributes`.
graph::Graph padded_conv(std::int64_t h, std::int64_t w, std::int64_t groups,
                         std::vector<roofcast::testing::Attr> attributes) {
  ModelBuilder b;
  b.input("x", {1, 32, h, w}).weight("w", {32, 32 / groups, 3, 3});
  attributes.push_back({"group", groups});
  b.node("Conv", {"x", "w"}, {"y"}, std::move(attributes), "conv").output("y");
  return graph::load_graph_from_bytes(b.bytes(), "padded.onnx");
}

double edge_share_of(const graph::Graph& graph) {
  const graph::GraphCost cost = graph::graph_cost(graph);
  return kernel_sample(graph, lower(graph, cost, device().lowering)[0], 1.0).edge_share;
}

TEST(Predict, AConvolutionsEdgeShareIsItsOutputsOverARowsPadding) {
  // 3x3, pad 1 at 7 wide: the first and last of 7 outputs overlap the padding.
  EXPECT_DOUBLE_EQ(edge_share_of(padded_conv(7, 7, 1, {{"pads", Ints{1, 1, 1, 1}}})), 2.0 / 7.0);
  EXPECT_DOUBLE_EQ(edge_share_of(padded_conv(5, 56, 1, {{"pads", Ints{1, 1, 1, 1}}})), 2.0 / 56.0);  // by the row
  // Stride 2, pad 1 at 8 wide: 4 outputs, only the first reads the padding.
  EXPECT_DOUBLE_EQ(edge_share_of(padded_conv(8, 8, 1, {{"pads", Ints{1, 1, 1, 1}}, {"strides", Ints{2, 2}}})),
                   1.0 / 4.0);
  // Padded only above and below: no edge in a row.
  EXPECT_DOUBLE_EQ(edge_share_of(padded_conv(7, 7, 1, {{"pads", Ints{1, 0, 1, 0}}})), 0.0);
  EXPECT_DOUBLE_EQ(edge_share_of(padded_conv(7, 7, 1, {})), 0.0);  // unpadded
  EXPECT_DOUBLE_EQ(edge_share_of(padded_conv(7, 7, 1, {{"auto_pad", std::string("SAME_UPPER")}})), 2.0 / 7.0);
  // A grouped convolution of one 16-channel block per group computes its
  // edges at the fitted slowdown; two blocks per group do not.
  const graph::Graph grouped = padded_conv(7, 7, 2, {{"pads", Ints{1, 1, 1, 1}}});
  const graph::GraphCost cost = graph::graph_cost(grouped);
  DeviceProfile p = device();
  p.kernel_models["grouped_conv"] = fitted_model("grouped_conv", {1, 1}, 0.0, 1e9, 1e12);
  const Prediction plain = predict(grouped, cost, p);
  p.kernel_models["grouped_conv"].model.edge_block = 16;
  p.kernel_models["grouped_conv"].model.edge_slowdown = 0.7;
  const Prediction edged = predict(grouped, cost, p);
  EXPECT_NEAR(edged.estimates[0].compute_time_s / plain.estimates[0].compute_time_s, 1.0 + 0.7 * 2.0 / 7.0, 1e-12);
  p.kernel_models["grouped_conv"].model.edge_block = 8;
  EXPECT_DOUBLE_EQ(predict(grouped, cost, p).estimates[0].compute_time_s, plain.estimates[0].compute_time_s);
}

TEST(Predict, EachLayoutReorderCostsTheDataMovementOverheadAndItsBytes) {
  // x 1×32×8×8 → Conv (blocked: reorders x in) → Sigmoid (plain: the Conv's
  // output is reordered out): two reorders, charged to the Conv.
  ModelBuilder b;
  b.input("x", {1, 32, 8, 8}).weight("w", {32, 32, 1, 1});
  b.node("Conv", {"x", "w"}, {"c"}, {}, "conv").node("Sigmoid", {"c"}, {"y"}, {}, "sigmoid").output("y");
  const graph::Graph graph = graph::load_graph_from_bytes(b.bytes(), "reorders.onnx");
  const graph::GraphCost cost = graph::graph_cost(graph);
  DeviceProfile p = device();
  p.lowering.fuse.clear();
  p.lowering.blocked_layout = BlockedLayout{.channel_multiple = 4, .group_channel_multiple = 16,
                                            .direct_input_below = 16, .keep_ops = {}};
  p.kernel_models["conv"] = fitted_model("conv", {1, 1}, 1e-6, 50e9, 50e9);
  p.kernel_models["data_movement"] = fitted_model("data_movement", {}, 3e-6, 1e18, 10e9);
  const Prediction prediction = predict(graph, cost, p);
  ASSERT_EQ(prediction.kernels[0].reorders, 2);
  const double tensor_bytes = 4.0 * 32 * 8 * 8;
  EXPECT_NEAR(prediction.estimates[0].epilogue_s, 2 * 3e-6 + 2 * 2 * tensor_bytes / 10e9, 1e-12);
  // No activation pass here: the reorders are the whole epilogue, and their own part of it.
  EXPECT_NEAR(prediction.estimates[0].reorder_s, prediction.estimates[0].epilogue_s, 1e-15);
  EXPECT_EQ(prediction.estimates[1].reorder_s, 0.0);  // the Sigmoid reorders nothing
  // With the reorders calibration fitted, those price them instead.
  p.lowering.blocked_layout->reorder_overhead_s = 1e-6;
  p.lowering.blocked_layout->reorder_bytes_per_s = 40e9;
  const Prediction fitted = predict(graph, cost, p);
  EXPECT_NEAR(fitted.estimates[0].reorder_s, 2 * 1e-6 + 2 * 2 * tensor_bytes / 40e9, 1e-12);
}

TEST(Predict, InnerLoopsArePerChannelForBatchNormAndPerChannelBroadcasts) {
  // x 1×16×7×7; a per-channel gate g 1×16×1×1; a row r 1×1×1×7; a scalar s.
  ModelBuilder b;
  b.input("x", {1, 16, 7, 7}).input("g", {1, 16, 1, 1}).input("r", {1, 1, 1, 7});
  b.scalar("s", 2.0f);
  for (const char* name : {"bn_scale", "bn_bias", "bn_mean", "bn_var"}) {
    b.weight(name, {16});
  }
  b.node("BatchNormalization", {"x", "bn_scale", "bn_bias", "bn_mean", "bn_var"}, {"bn"}, {}, "bn")
      .node("Mul", {"bn", "g"}, {"gated"}, {}, "gate")
      .node("Add", {"gated", "bn"}, {"same"}, {}, "same_shape")
      .node("Mul", {"same", "s"}, {"scaled"}, {}, "by_scalar")
      .node("Add", {"scaled", "r"}, {"y"}, {}, "by_row")
      .output("y");
  const graph::Graph graph = graph::load_graph_from_bytes(b.bytes(), "loops.onnx");
  const auto loops = [&](std::size_t layer) { return inner_loops(graph, graph.layers[layer]); };
  EXPECT_EQ(loops(0), 16);      // N·C
  EXPECT_EQ(loops(1), 16);      // one loop of 7·7 per channel
  EXPECT_EQ(loops(2), 0);       // one flat pass
  EXPECT_EQ(loops(3), 0);       // a scalar operand: one flat pass
  EXPECT_EQ(loops(4), 16 * 7);  // a row broadcast over channels and rows: loops of 7
  // A fitted cost per loop adds loops × t_loop to the kernel's time.
  const graph::GraphCost cost = graph::graph_cost(graph);
  DeviceProfile p = device();
  p.lowering.fuse.clear();
  FittedKernelModel m = fitted_model("elementwise", {}, 1e-6, 10e9, 1e12);
  const Prediction flat = (p.kernel_models["elementwise"] = m, predict(graph, cost, p));
  p.kernel_models["elementwise"].model.loop_s = 10e-9;
  const Prediction looped = predict(graph, cost, p);
  EXPECT_NEAR(looped.estimates[1].time_s - flat.estimates[1].time_s, 16 * 10e-9, 1e-12);
  EXPECT_NEAR(looped.estimates[2].time_s, flat.estimates[2].time_s, 1e-15);
}

TEST(Predict, ATransposeLoopsOncePerContiguousRun) {
  // x 1×10×4×8: a head split (0,2,1,3) copies runs of 8; NCHW → NHWC (0,2,3,1)
  // single elements; a 1×2×5×4×8 channel shuffle (0,2,1,3,4) runs of 4·8;
  // moving only an axis of extent 1 is one flat pass.
  ModelBuilder b;
  b.input("x", {1, 10, 4, 8}).input("s", {1, 2, 5, 4, 8});
  b.node("Transpose", {"x"}, {"heads"}, {{"perm", Ints{0, 2, 1, 3}}}, "heads")
      .node("Transpose", {"x"}, {"nhwc"}, {{"perm", Ints{0, 2, 3, 1}}}, "nhwc")
      .node("Transpose", {"s"}, {"shuffled"}, {{"perm", Ints{0, 2, 1, 3, 4}}}, "shuffle")
      .node("Transpose", {"x"}, {"flat"}, {{"perm", Ints{1, 0, 2, 3}}}, "unit_axis")
      .output("heads").output("nhwc").output("shuffled").output("flat");
  const graph::Graph graph = graph::load_graph_from_bytes(b.bytes(), "transposes.onnx");
  EXPECT_EQ(inner_loops(graph, graph.layers[0]), 320 / 8);
  EXPECT_EQ(inner_loops(graph, graph.layers[1]), 320);
  EXPECT_EQ(inner_loops(graph, graph.layers[2]), 320 / 32);
  EXPECT_EQ(inner_loops(graph, graph.layers[3]), 0);
}

TEST(Predict, ABatchedMatMulLoopsOncePerGemm) {
  // Attention's scores: q 2×3×49×32 times kᵀ 2×3×32×49 runs one GEMM per
  // batch and head (6 loops); a 3-D activation times a stored 2-D weight is
  // one GEMM of all rows (no loop).
  ModelBuilder b;
  b.input("q", {2, 3, 49, 32}).input("k", {2, 3, 32, 49}).input("x", {2, 49, 32}).weight("w", {32, 16});
  b.node("MatMul", {"q", "k"}, {"scores"}, {}, "scores")
      .node("MatMul", {"x", "w"}, {"y"}, {}, "projection")
      .output("scores")
      .output("y");
  const graph::Graph graph = graph::load_graph_from_bytes(b.bytes(), "attention.onnx");
  const graph::GraphCost cost = graph::graph_cost(graph);
  const auto kernels = lower(graph, cost, device().lowering);
  ASSERT_EQ(kernels.size(), 2u);
  const Sample scores = kernel_sample(graph, kernels[0], 1.0);
  EXPECT_EQ(scores.dims, (std::vector<std::int64_t>{49, 32}));
  EXPECT_DOUBLE_EQ(scores.loops, 6.0);
  EXPECT_DOUBLE_EQ(kernel_sample(graph, kernels[1], 1.0).loops, 0.0);
  // A gemm model with a cost per loop charges it once per GEMM.
  DeviceProfile p = device();
  p.kernel_models["gemm"] = fitted_model("gemm", {1, 1}, 1e-6, 100e9, 1e12, 5.0);
  const double plain_s = predict(graph, cost, p).estimates[0].overhead_s;
  p.kernel_models["gemm"].model.loop_s = 2e-6;
  EXPECT_NEAR(predict(graph, cost, p).estimates[0].overhead_s - plain_s, 6 * 2e-6, 1e-12);
  EXPECT_NEAR(predict(graph, cost, p).estimates[1].overhead_s, plain_s, 1e-12);
}

TEST(Predict, ASoftmaxLoopsOncePerRow) {
  // 2×3×5×7 over its last axis: 30 rows of 7; over axis 1 at opset 13: 70
  // rows of 3. Before opset 13 the input is coerced to 2-D at the axis: 2
  // rows of 3·5·7. Other operators of the class loop not at all.
  const auto graph_at = [](std::int64_t opset, std::int64_t axis) {
    ModelBuilder b(opset);
    b.input("x", {2, 3, 5, 7});
    b.node("Softmax", {"x"}, {"y"}, {{"axis", axis}}, "softmax").output("y");
    return graph::load_graph_from_bytes(b.bytes(), "softmax.onnx");
  };
  const graph::Graph last = graph_at(17, -1);
  EXPECT_EQ(softmax_rows(last, last.layers[0]), 30);
  const graph::Graph channels = graph_at(17, 1);
  EXPECT_EQ(softmax_rows(channels, channels.layers[0]), 70);
  const graph::Graph coerced = graph_at(11, 1);
  EXPECT_EQ(softmax_rows(coerced, coerced.layers[0]), 2);
  const graph::GraphCost cost = graph::graph_cost(last);
  const auto kernels = lower(last, cost, device().lowering);
  ASSERT_EQ(kernels.size(), 1u);
  EXPECT_DOUBLE_EQ(kernel_sample(last, kernels[0], 1.0).loops, 30.0);
  ModelBuilder b;
  b.input("x", {2, 3, 5, 7}).weight("scale", {7}).weight("bias", {7});
  b.node("LayerNormalization", {"x", "scale", "bias"}, {"y"}, {}, "norm").output("y");
  const graph::Graph norm = graph::load_graph_from_bytes(b.bytes(), "norm.onnx");
  EXPECT_EQ(softmax_rows(norm, norm.layers[0]), 0);
}

TEST(Predict, AGemmsSampleCountsItsWeightsApart) {
  // x 49×32 times a stored 32×16 weight: 2 KiB of weights among its bytes; a
  // convolution's filters are not counted apart (it reads them per block of outputs).
  ModelBuilder b;
  b.input("x", {49, 32}).weight("w", {32, 16}).input("image", {1, 8, 7, 7}).weight("filter", {8, 8, 3, 3});
  b.node("MatMul", {"x", "w"}, {"y"}, {}, "projection")
      .node("Conv", {"image", "filter"}, {"z"}, {{"pads", Ints{1, 1, 1, 1}}}, "conv")
      .output("y").output("z");
  const graph::Graph graph = graph::load_graph_from_bytes(b.bytes(), "weights.onnx");
  const graph::GraphCost cost = graph::graph_cost(graph);
  const auto kernels = lower(graph, cost, device().lowering);
  ASSERT_EQ(kernels.size(), 2u);
  const Sample gemm = kernel_sample(graph, kernels[0], 1.0);
  EXPECT_DOUBLE_EQ(gemm.weight_bytes, 32 * 16 * 4);
  EXPECT_GT(gemm.bytes, gemm.weight_bytes);
  EXPECT_DOUBLE_EQ(kernel_sample(graph, kernels[0], 0.5).weight_bytes, 32 * 16 * 2);
  EXPECT_DOUBLE_EQ(kernel_sample(graph, kernels[1], 1.0).weight_bytes, 0.0);
}

TEST(PeakMemory, BranchesKeepTheirInputsAlive) {
  // x → a = Relu(x); b = Sigmoid(a); c = Tanh(a); d = Add(b, c). Every tensor 256 floats.
  // While Tanh runs, a (its input), b (waiting for Add) and c are alive: 3 × 1 KiB.
  ModelBuilder b;
  b.input("x", {1, 4, 8, 8});
  b.node("Relu", {"x"}, {"a"}).node("Sigmoid", {"a"}, {"b"}).node("Tanh", {"a"}, {"c"})
      .node("Add", {"b", "c"}, {"d"}).output("d");
  const graph::Graph graph = graph::load_graph_from_bytes(b.bytes(), "branch.onnx");
  EXPECT_EQ(peak_activation_bytes(graph, graph::graph_cost(graph)), 3 * 1024);
}

TEST(PeakMemory, ChainNeedsTwoBuffersAndViewsAliasTheirInput) {
  // x → Relu → Reshape (a view: no new buffer) → Sigmoid: at most input + output alive.
  ModelBuilder b;
  b.input("x", {1, 4, 8, 8}).int64s("shape", {1, 256});
  b.node("Relu", {"x"}, {"a"}).node("Reshape", {"a", "shape"}, {"v"})
      .node("Sigmoid", {"v"}, {"s"}).output("s");
  const graph::Graph graph = graph::load_graph_from_bytes(b.bytes(), "chain.onnx");
  EXPECT_EQ(peak_activation_bytes(graph, graph::graph_cost(graph)), 2 * 1024);
}

}  // namespace
}  // namespace roofcast::roofline
