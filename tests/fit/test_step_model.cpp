// The step model recovers known overheads, throughputs, bandwidths and step
// widths from synthetic measurements, with and without noise, and refuses
// points it cannot fit.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "roofcast/common/error.hpp"
#include "roofcast/fit/step_model.hpp"

namespace roofcast::fit {
namespace {

using ::testing::HasSubstr;

/// Conv-like points: dims {K, C}, work 2·9·HW per (K·C), bytes from the tensors.
std::vector<Sample> synthetic(const StepModel& truth, double noise, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> jitter(0.0, noise);
  std::vector<Sample> samples;
  const std::vector<std::int64_t> hws = {7, 14, 28, 56};
  for (std::int64_t k = 4; k <= 96; k += 7) {
    for (std::int64_t c = 3; c <= 67; c += 13) {
      for (const auto hw : {hws[static_cast<std::size_t>(k + c) % 4], std::int64_t{112}}) {
        Sample s;
        s.dims = {k, c};
        s.work_factor = 2.0 * 9.0 * static_cast<double>(hw * hw);
        s.bytes = 4.0 * static_cast<double>(c * hw * hw + k * c * 9 + k * hw * hw);
        s.time_s = truth.predict_s(s) * (1.0 + jitter(rng));
        samples.push_back(s);
      }
      // A byte-heavy point (low intensity, memory-bound) for every (K, C): B is identifiable.
      Sample heavy;
      heavy.dims = {k, c};
      heavy.work_factor = 2.0 * 56.0 * 56.0;
      heavy.bytes = 40.0 * static_cast<double>((c + k) * 56 * 56);
      heavy.time_s = truth.predict_s(heavy) * (1.0 + jitter(rng));
      samples.push_back(heavy);
    }
  }
  return samples;
}

StepModel truth() {
  StepModel m;
  m.steps = {8, 4};
  m.overhead_s = 20e-6;
  m.flops_per_s = 60e9;
  m.bytes_per_s = 8e9;
  return m;
}

/// A kernel library with a fast path on `steps` and, for dimension `dim` not a
/// multiple of `align`, a generic one: a third of the throughput, half the
/// bandwidth, three times the overhead.
StepModel two_paths(std::vector<std::int64_t> steps, std::int64_t align, std::size_t dim) {
  StepModel m;
  m.steps = std::move(steps);
  m.overhead_s = 5e-6;
  m.flops_per_s = 100e9;
  m.bytes_per_s = 20e9;
  m.align = align;
  m.align_dim = dim;
  m.slow_overhead_s = 15e-6;
  m.slow_flops_per_s = 30e9;
  m.slow_bytes_per_s = 10e9;
  return m;
}

TEST(StepModel, WorkRoundsEachDimensionUpToItsStep) {
  StepModel m;
  m.steps = {8, 4};
  const Sample s{.dims = {9, 3}, .work_factor = 2.0, .bytes = 0.0, .time_s = 1.0};
  EXPECT_DOUBLE_EQ(m.work(s), 2.0 * 16 * 4);
  m.steps = {1, 1};
  EXPECT_DOUBLE_EQ(m.work(s), 2.0 * 9 * 3);
}

TEST(StepModel, RecoversExactParametersWithoutNoise) {
  const auto samples = synthetic(truth(), 0.0, 1);
  const FitResult fit = fit_step_model(samples);
  EXPECT_EQ(fit.model.steps, (std::vector<std::int64_t>{8, 4}));
  EXPECT_NEAR(fit.model.overhead_s / 20e-6, 1.0, 1e-3);
  EXPECT_NEAR(fit.model.flops_per_s / 60e9, 1.0, 1e-3);
  EXPECT_NEAR(fit.model.bytes_per_s / 8e9, 1.0, 1e-3);
  EXPECT_LT(fit.rmspe_percent, 0.01);
}

TEST(StepModel, RecoversParametersFromNoisyPoints) {
  const auto samples = synthetic(truth(), 0.02, 7);  // 2 % multiplicative noise, like a quiet machine
  const FitResult fit = fit_step_model(samples);
  EXPECT_EQ(fit.model.steps, (std::vector<std::int64_t>{8, 4}));
  EXPECT_NEAR(fit.model.overhead_s / 20e-6, 1.0, 0.10);
  EXPECT_NEAR(fit.model.flops_per_s / 60e9, 1.0, 0.03);
  EXPECT_NEAR(fit.model.bytes_per_s / 8e9, 1.0, 0.03);
  EXPECT_LT(fit.rmspe_percent, 3.0);           // the noise floor, roughly
  EXPECT_LT(fit.heldout_rmspe_percent, 3.5);
  EXPECT_EQ(fit.relative_residuals.size(), samples.size());
}

TEST(StepModel, NoQuantizationIsChosenWhenThereIsNone) {
  StepModel plain = truth();
  plain.steps = {1, 1};
  const FitResult fit = fit_step_model(synthetic(plain, 0.01, 3));
  EXPECT_EQ(fit.model.steps, (std::vector<std::int64_t>{1, 1}));
}

TEST(StepModel, FindsASlowPathOnTheSecondDimension) {
  // Input channels that are not a multiple of 4 take a library's generic path.
  const StepModel m = two_paths({8, 1}, 4, 1);
  const FitResult fit = fit_step_model(synthetic(m, 0.01, 5));
  EXPECT_EQ(fit.model.align, 4);
  EXPECT_EQ(fit.model.align_dim, 1u);
  EXPECT_EQ(fit.model.steps, (std::vector<std::int64_t>{8, 1}));
  EXPECT_NEAR(fit.model.flops_per_s / 100e9, 1.0, 0.03);
  EXPECT_NEAR(fit.model.slow_flops_per_s / 30e9, 1.0, 0.03);
  EXPECT_NEAR(fit.model.slow_bytes_per_s / 10e9, 1.0, 0.05);
  EXPECT_LT(fit.heldout_rmspe_percent, 2.0);
}

TEST(StepModel, EachPathTakesItsOwnSteps) {
  // A blocked fast path rounds both channel counts up to its block; the plain
  // slow path (an odd first dimension) rounds neither.
  StepModel m = two_paths({8, 4}, 2, 0);
  m.slow_steps = {1, 1};
  const Sample slow{.dims = {9, 3}, .work_factor = 2.0, .bytes = 0.0, .time_s = 1.0};
  const Sample fast{.dims = {10, 3}, .work_factor = 2.0, .bytes = 0.0, .time_s = 1.0};
  EXPECT_DOUBLE_EQ(m.work(slow), 2.0 * 9 * 3);
  EXPECT_DOUBLE_EQ(m.work(fast), 2.0 * 16 * 4);
  FitOptions options;
  options.candidate_alignments = {2, 4};
  const FitResult fit = fit_step_model(synthetic(m, 0.01, 5), options);
  EXPECT_EQ(fit.model.align, 2);
  EXPECT_EQ(fit.model.align_dim, 0u);
  EXPECT_EQ(fit.model.steps, (std::vector<std::int64_t>{8, 4}));
  EXPECT_EQ(fit.model.slow_steps, (std::vector<std::int64_t>{1, 1}));
  EXPECT_NEAR(fit.model.flops_per_s / 100e9, 1.0, 0.03);
  EXPECT_NEAR(fit.model.slow_flops_per_s / 30e9, 1.0, 0.03);
  EXPECT_LT(fit.heldout_rmspe_percent, 2.0);
}

/// ONNX Runtime's convolution paths: blocked (input channels a multiple of 4),
/// plain (the others), and direct (fewer than 16 input channels, read as they
/// are), each at its own overhead, throughput and bandwidth; output channels
/// in blocks of 8 on all three.
StepModel three_paths() {
  StepModel m = two_paths({8, 1}, 4, 1);
  m.direct_below = 16;
  m.direct_dim = 1;
  m.direct_steps = {8, 1};
  m.direct_overhead_s = 8e-6;
  m.direct_flops_per_s = 70e9;
  m.direct_bytes_per_s = 12e9;
  return m;
}

TEST(StepModel, InputsBelowTheBlockTakeTheDirectPath) {
  StepModel m = three_paths();
  m.slow_steps = {1, 1};
  // 3 input channels are off the multiple of 4 too: the direct path wins.
  const Sample stem{.dims = {20, 3}, .work_factor = 2.0, .bytes = 0.0, .time_s = 1.0};
  const Sample narrow{.dims = {20, 8}, .work_factor = 2.0, .bytes = 0.0, .time_s = 1.0};
  const Sample plain{.dims = {20, 18}, .work_factor = 2.0, .bytes = 0.0, .time_s = 1.0};
  const Sample blocked{.dims = {20, 20}, .work_factor = 2.0, .bytes = 0.0, .time_s = 1.0};
  EXPECT_TRUE(m.takes_direct_path(stem));
  EXPECT_FALSE(m.takes_slow_path(stem));
  EXPECT_FALSE(m.on_fast_path(stem));
  EXPECT_TRUE(m.takes_direct_path(narrow));
  EXPECT_TRUE(m.takes_slow_path(plain));
  EXPECT_TRUE(m.on_fast_path(blocked));
  EXPECT_DOUBLE_EQ(m.work(stem), 2.0 * 24 * 3);      // the direct path's own steps
  EXPECT_DOUBLE_EQ(m.work(plain), 2.0 * 20 * 18);    // the slow path's
  EXPECT_DOUBLE_EQ(m.work(blocked), 2.0 * 24 * 20);  // the fast path's
  EXPECT_DOUBLE_EQ(m.predict_s(stem), 8e-6 + 2.0 * 24 * 3 / 70e9);
  EXPECT_DOUBLE_EQ(m.path_flops_per_s(plain), 30e9);
  EXPECT_DOUBLE_EQ(m.path_flops_per_s(blocked), 100e9);
}

/// Conv-like points as synthetic() makes them, on input channels that give each of three_paths()' paths
/// a spread: 3, 6 and 11 (direct), 16 to 36 by 4 (blocked), 18, 29 and 42 (plain). Five points per
/// (K, C), one of them bound by its bytes: with four, the first cross-validation's folds (i mod 4) put
/// every such point in one fold, and its training points could not tell B.
std::vector<Sample> three_path_points(const StepModel& truth, double noise, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> jitter(0.0, noise);
  std::vector<Sample> samples;
  for (std::int64_t k = 4; k <= 96; k += 13) {
    for (const std::int64_t c : {3, 6, 11, 16, 20, 24, 28, 32, 36, 18, 29, 42}) {
      for (const std::int64_t hw : {7, 14, 28, 112}) {
        Sample s{.dims = {k, c}, .work_factor = 2.0 * 9.0 * static_cast<double>(hw * hw),
                 .bytes = 4.0 * static_cast<double>(c * hw * hw + k * c * 9 + k * hw * hw)};
        s.time_s = truth.predict_s(s) * (1.0 + jitter(rng));
        samples.push_back(s);
      }
      Sample heavy{.dims = {k, c}, .work_factor = 2.0 * 56.0 * 56.0,
                   .bytes = 40.0 * static_cast<double>((c + k) * 56 * 56)};
      heavy.time_s = truth.predict_s(heavy) * (1.0 + jitter(rng));
      samples.push_back(heavy);
    }
  }
  return samples;
}

TEST(StepModel, RecoversTheDirectPathApartFromTheOthers) {
  const auto samples = three_path_points(three_paths(), 0.01, 13);
  FitOptions options;
  options.candidate_alignments = {4};
  options.direct_below = 16;
  options.direct_dim = 1;
  const FitResult fit = fit_step_model(samples, options);
  EXPECT_EQ(fit.points, samples.size());
  EXPECT_EQ(fit.model.direct_below, 16);
  EXPECT_EQ(fit.model.direct_dim, 1u);
  EXPECT_EQ(fit.model.direct_steps, (std::vector<std::int64_t>{8, 1}));
  EXPECT_NEAR(fit.model.direct_overhead_s / 8e-6, 1.0, 0.15);
  EXPECT_NEAR(fit.model.direct_flops_per_s / 70e9, 1.0, 0.03);
  EXPECT_NEAR(fit.model.direct_bytes_per_s / 12e9, 1.0, 0.05);
  EXPECT_EQ(fit.model.align, 4);
  EXPECT_NEAR(fit.model.flops_per_s / 100e9, 1.0, 0.03);
  EXPECT_NEAR(fit.model.slow_flops_per_s / 30e9, 1.0, 0.03);
  EXPECT_LT(fit.heldout_rmspe_percent, 2.0);
  ASSERT_EQ(fit.relative_residuals.size(), samples.size());
  // Without the option the stems are the slow path's: worse on held-out points.
  FitOptions no_direct = options;
  no_direct.direct_below = 0;
  const FitResult without = fit_step_model(samples, no_direct);
  EXPECT_EQ(without.model.direct_below, 0);
  EXPECT_GT(without.heldout_rmspe_percent, 2.0 * fit.heldout_rmspe_percent);
}

TEST(StepModel, TooFewDirectPointsStayWithTheOthers) {
  auto samples = synthetic(two_paths({8, 1}, 4, 1), 0.01, 5);
  // Three points below 16 input channels (of those with 3): too few for a path of their own.
  std::size_t kept = 0;
  std::erase_if(samples, [&](const Sample& s) { return s.dims[1] < 16 && kept++ >= 3; });
  FitOptions options;
  options.direct_below = 16;
  options.direct_dim = 1;
  const FitResult fit = fit_step_model(samples, options);
  EXPECT_EQ(fit.model.direct_below, 0);
  EXPECT_EQ(fit.points, samples.size());
}

TEST(StepModel, TheMostLoadedThreadSetsTheWork) {
  // 72 output channels in blocks of 16: 5 blocks, dealt out as sets of 4 and 1
  // block by 112 rows. Of 2 threads the first takes every row of the set of 4:
  // 4·112 of 5·112 block-rows, where an even split is 2.5·112.
  StepModel m;
  m.steps = {16, 1};
  m.threads = 2;
  m.partition_blocks = 4;
  Sample s{.dims = {72, 16}, .work_factor = 2.0, .bytes = 0.0, .time_s = 1.0};
  s.rows = 112;
  EXPECT_DOUBLE_EQ(m.partition_imbalance(s), 2.0 * 4 / 5);
  EXPECT_DOUBLE_EQ(m.work(s), 2.0 * 80 * 16 * 1.6);
  s.dims = {128, 16};  // two full sets: one each
  EXPECT_DOUBLE_EQ(m.partition_imbalance(s), 1.0);
  s.dims = {64, 16};  // one set over 3 rows: 2 rows and 1
  s.rows = 3;
  EXPECT_DOUBLE_EQ(m.partition_imbalance(s), 2.0 * 8 / 12);
  s.rows = 0;  // work not split by rows
  EXPECT_DOUBLE_EQ(m.partition_imbalance(s), 1.0);
  s.rows = 3;
  m.threads = 1;
  EXPECT_DOUBLE_EQ(m.partition_imbalance(s), 1.0);
  m.threads = 2;
  m.align = 32;  // the slow path (16 input channels, not a multiple of 32) is not split this way
  m.align_dim = 1;
  EXPECT_DOUBLE_EQ(m.partition_imbalance(s), 1.0);
}

TEST(StepModel, RecoversHowWorkIsDealtOutAmongThreads) {
  StepModel m = truth();
  m.threads = 2;
  m.partition_blocks = 4;
  auto samples = synthetic(StepModel{}, 0.0, 1);  // shapes only
  const std::vector<double> rows = {7, 14, 28, 56, 112};
  for (std::size_t i = 0; i < samples.size(); ++i) {
    samples[i].rows = rows[i % rows.size()];
  }
  std::mt19937 rng(11);
  std::normal_distribution<double> jitter(0.0, 0.01);
  for (auto& s : samples) {
    s.time_s = m.predict_s(s) * (1.0 + jitter(rng));
  }
  FitOptions options;
  options.threads = 2;
  options.candidate_steps = {1, 4, 8};  // five searches, one per split and one without: kept short
  options.repeats = 1;
  const FitResult fit = fit_step_model(samples, options);
  EXPECT_EQ(fit.model.partition_blocks, 4);
  EXPECT_EQ(fit.model.threads, 2);
  EXPECT_EQ(fit.model.steps, (std::vector<std::int64_t>{8, 4}));
  EXPECT_NEAR(fit.model.flops_per_s / 60e9, 1.0, 0.03);
  EXPECT_LT(fit.heldout_rmspe_percent, 2.0);
  // On one thread the split is never tried.
  options.threads = 1;
  const FitResult one = fit_step_model(samples, options);
  EXPECT_EQ(one.model.partition_blocks, 0);
}

TEST(StepModel, FitsAThroughputPerOperatorWhenTheyDiffer) {
  // Elementwise-like points: no dimensions, one FLOP per element, 12 bytes per
  // element. Add streams (byte-bound); Erf costs 20× more per counted FLOP.
  StepModel truth;
  truth.overhead_s = 2e-6;
  truth.flops_per_s = 20e9;
  truth.bytes_per_s = 60e9;
  truth.op_flops_per_s = {{"Erf", 1e9}};
  std::mt19937 rng(3);
  std::normal_distribution<double> jitter(0.0, 0.01);
  std::vector<Sample> samples;
  for (int i = 0; i < 24; ++i) {
    const double elements = 4096.0 * (1 << (i % 8));
    Sample s{.dims = {}, .work_factor = elements, .bytes = 12.0 * elements, .time_s = 0.0,
             .op = i % 3 == 0 ? "Erf" : "Add"};
    s.time_s = truth.predict_s(s) * (1.0 + jitter(rng));
    samples.push_back(s);
  }
  const FitResult fit = fit_step_model(samples);
  ASSERT_EQ(fit.model.op_flops_per_s.count("Erf"), 1u);
  EXPECT_EQ(fit.model.op_flops_per_s.count("Add"), 0u);  // the most common operator keeps the class's P
  EXPECT_NEAR(fit.model.op_flops_per_s.at("Erf") / 1e9, 1.0, 0.05);
  // Add's time is linear in its elements through both P and B (work ∝ bytes):
  // only the slower term is identifiable, and it is recovered.
  const Sample large_add{.dims = {}, .work_factor = 1e6, .bytes = 12e6, .time_s = 0.0, .op = "Add"};
  EXPECT_NEAR(fit.model.predict_s(large_add) / truth.predict_s(large_add), 1.0, 0.02);
  EXPECT_LT(fit.rmspe_percent, 2.0);
  // One operator only: no rates of its own.
  for (auto& s : samples) {
    s.op = "Add";
  }
  EXPECT_TRUE(fit_step_model(samples).model.op_flops_per_s.empty());
}

TEST(StepModel, RecoversACostPerInnerLoop) {
  // Elementwise-like points: half run as one flat pass, half as one loop per
  // channel (a per-channel broadcast), C channels of H·W elements; each loop
  // costs 15 ns. With 3 % noise the loop's cost is recovered, and the fit
  // without it would mispredict the small-H·W, many-channel points.
  StepModel truth;
  truth.overhead_s = 2e-6;
  truth.flops_per_s = 5e9;
  truth.bytes_per_s = 60e9;
  truth.loop_s = 15e-9;
  std::mt19937 rng(5);
  std::normal_distribution<double> jitter(0.0, 0.03);
  std::vector<Sample> samples;
  for (int i = 0; i < 32; ++i) {
    const double channels = 16.0 * (1 << (i % 7));
    const double hw = std::vector<double>{49.0, 196.0, 784.0, 3136.0}[static_cast<std::size_t>(i / 7) % 4];
    Sample s{.dims = {}, .work_factor = channels * hw, .bytes = 8.0 * channels * hw, .time_s = 0.0};
    s.loops = i % 2 == 0 ? channels : 0.0;
    s.time_s = truth.predict_s(s) * (1.0 + jitter(rng));
    samples.push_back(s);
  }
  const FitResult fit = fit_step_model(samples);
  EXPECT_NEAR(fit.model.loop_s * 1e9, 15.0, 2.0);
  EXPECT_NEAR(fit.model.overhead_s * 1e6, 2.0, 0.4);
  EXPECT_LT(fit.rmspe_percent, 4.5);
  // No looping points: no loop term.
  for (auto& s : samples) {
    s.loops = 0.0;
  }
  EXPECT_EQ(fit_step_model(samples).model.loop_s, 0.0);
}

/// GEMM-like points (dims {N, K}, M rows of fp32 A) over sizes and K, a third of
/// them with K a multiple of 1024 (rows 4, 8, 12 or 16 KiB apart), some a
/// multiple of 512 only (2 KiB apart), from `truth` with `noise`.
std::vector<Sample> gemm_points(const StepModel& truth, double noise, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> jitter(0.0, noise);
  std::vector<Sample> samples;
  const std::vector<std::int64_t> ks = {1024, 1040, 2048, 2560, 3056, 3072, 4096, 1536, 1280, 2816, 768, 3088};
  const std::vector<std::int64_t> ms = {197, 49, 196};
  for (std::size_t i = 0; i < 36; ++i) {
    const std::int64_t k = ks[i % ks.size()];
    const std::int64_t n = std::vector<std::int64_t>{768, 384, 1536}[(i / ks.size()) % 3];
    const std::int64_t m = ms[(i / 5) % 3];
    Sample s{.dims = {n, k}, .work_factor = 2.0 * static_cast<double>(m), .bytes = 0.0, .time_s = 0.0};
    s.bytes = 4.0 * static_cast<double>(m * k + k * n + m * n);
    s.row_stride_bytes = 4.0 * static_cast<double>(k);
    s.time_s = truth.predict_s(s) * (1.0 + jitter(rng));
    samples.push_back(s);
  }
  return samples;
}

TEST(StepModel, RowsAMultipleOfTheSpanApartAlias) {
  StepModel m;
  m.alias_bytes = 4096;
  m.alias_slowdown = 0.1;
  Sample s{.dims = {}, .work_factor = 100.0, .bytes = 0.0, .time_s = 1.0};
  s.row_stride_bytes = 12288.0;  // K = 3072 in fp32
  EXPECT_TRUE(m.aliases(s));
  EXPECT_DOUBLE_EQ(m.work(s), 110.0);
  s.row_stride_bytes = 10240.0;  // K = 2560: a multiple of 2 KiB, not of 4
  EXPECT_FALSE(m.aliases(s));
  EXPECT_DOUBLE_EQ(m.work(s), 100.0);
  s.row_stride_bytes = 0.0;  // a GEMV, or not a GEMM
  EXPECT_FALSE(m.aliases(s));
  m.alias_bytes = 0;
  s.row_stride_bytes = 12288.0;
  EXPECT_FALSE(m.aliases(s));
}

TEST(StepModel, RecoversTheSpanAndSlowdownOfAliasingRows) {
  // Rows 4 KiB apart (or a multiple) compute 10 % slower; with 2 % noise the
  // fit finds the span (not 1 or 2 KiB, which would also slow K = 2560 and
  // 2816, nor 8 KiB, which would spare 3072) and the slowdown.
  StepModel truth;
  truth.steps = {1, 1};
  truth.overhead_s = 3e-6;
  truth.flops_per_s = 110e9;
  truth.bytes_per_s = 60e9;
  truth.alias_bytes = 4096;
  truth.alias_slowdown = 0.10;
  const FitResult fit = fit_step_model(gemm_points(truth, 0.02, 11));
  EXPECT_EQ(fit.model.alias_bytes, 4096);
  EXPECT_NEAR(fit.model.alias_slowdown, 0.10, 0.025);
  EXPECT_NEAR(fit.model.flops_per_s / 110e9, 1.0, 0.03);
  // Without a slowdown in the points, none is fitted.
  truth.alias_slowdown = 0.0;
  const FitResult plain = fit_step_model(gemm_points(truth, 0.02, 11));
  EXPECT_EQ(plain.model.alias_bytes, 0);
  EXPECT_EQ(plain.model.alias_slowdown, 0.0);
}

TEST(StepModel, BytesBeyondThePrivateCachesMoveAtTheirOwnBandwidth) {
  StepModel m;
  m.overhead_s = 0.0;
  m.flops_per_s = 1e18;
  m.bytes_per_s = 50e9;
  m.op_bytes_per_s["Resize"] = 2e9;
  Sample s{.dims = {}, .work_factor = 0.0, .bytes = 3e6, .time_s = 1.0};
  EXPECT_DOUBLE_EQ(m.far_bytes(s), 0.0);  // no term
  EXPECT_DOUBLE_EQ(m.memory_time_s(s), 3e6 / 50e9);
  m.private_cache_bytes = 1e6;
  m.far_bytes_per_s = 25e9;
  EXPECT_DOUBLE_EQ(m.far_bytes(s), 2e6);
  EXPECT_DOUBLE_EQ(m.memory_time_s(s), 1e6 / 50e9 + 2e6 / 25e9);
  EXPECT_DOUBLE_EQ(m.predict_s(s), 1e6 / 50e9 + 2e6 / 25e9);
  // Bytes a network's kernel fetches from DRAM are priced apart, out of those beyond.
  EXPECT_DOUBLE_EQ(m.memory_time_s(s, 0.5e6), 1e6 / 50e9 + 1.5e6 / 25e9);
  EXPECT_DOUBLE_EQ(m.memory_time_s(s, 2.5e6), 0.5e6 / 50e9);
  // Within the private caches nothing changes.
  s.bytes = 0.8e6;
  EXPECT_DOUBLE_EQ(m.memory_time_s(s), 0.8e6 / 50e9);
  // An operator slower than the far bandwidth is not slowed by where its bytes lie.
  s.bytes = 3e6;
  s.op = "Resize";
  EXPECT_DOUBLE_EQ(m.memory_time_s(s), 3e6 / 2e9);
}

TEST(StepModel, AGemmsWeightsStayOutOfTheBytesBeyondThePrivateCaches) {
  // 3 MB moved, 1.5 MB of them stored weights a GEMM packs and reuses: of
  // the 1.5 MB of activations, 0.5 MB lie beyond a private cache of 1 MB.
  StepModel m;
  m.overhead_s = 0.0;
  m.flops_per_s = 1e18;
  m.bytes_per_s = 50e9;
  m.private_cache_bytes = 1e6;
  m.far_wait_bytes_per_s = 10e9;
  Sample s{.dims = {}, .work_factor = 0.0, .bytes = 3e6, .time_s = 1.0};
  s.weight_bytes = 1.5e6;
  EXPECT_DOUBLE_EQ(m.far_bytes(s), 0.5e6);
  EXPECT_DOUBLE_EQ(m.far_wait_s(s), 0.5e6 / 10e9);
  // Bytes from DRAM are the weights first: 1 MB of them leaves the wait as it was,
  // 1.8 MB takes 0.3 MB of activations out of it.
  EXPECT_DOUBLE_EQ(m.far_wait_s(s, 1e6), 0.5e6 / 10e9);
  EXPECT_DOUBLE_EQ(m.far_wait_s(s, 1.8e6), 0.2e6 / 10e9);
  // A bandwidth for the bytes beyond: the same share of them moves at it.
  m.far_wait_bytes_per_s = 0.0;
  m.far_bytes_per_s = 25e9;
  EXPECT_DOUBLE_EQ(m.memory_time_s(s), 2.5e6 / 50e9 + 0.5e6 / 25e9);
  // The fit rejects weights outside 0 to the point's bytes.
  std::vector<Sample> points(8, Sample{.dims = {}, .work_factor = 1.0, .bytes = 1e3, .time_s = 1e-6});
  for (std::size_t i = 0; i < points.size(); ++i) points[i].bytes *= static_cast<double>(i + 1);
  points[3].weight_bytes = 1e9;
  EXPECT_THROW(fit_step_model(points), FitError);
}

TEST(StepModel, RecoversTheBandwidthBeyondThePrivateCaches) {
  // Copies of 16 KB to 16 MB: 60 GB/s within a private cache of 1 MiB, the
  // bytes beyond at 30 GB/s, 2 µs of overhead, 2 % noise.
  StepModel truth;
  truth.overhead_s = 2e-6;
  truth.flops_per_s = 1e18;
  truth.bytes_per_s = 60e9;
  truth.private_cache_bytes = 1048576.0;
  truth.far_bytes_per_s = 30e9;
  const auto points = [](const StepModel& model, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> jitter(0.0, 0.02);
    std::vector<Sample> samples;
    for (int i = 0; i < 30; ++i) {
      Sample s{.dims = {}, .work_factor = 0.0, .bytes = 16e3 * std::pow(1000.0, i / 29.0), .time_s = 0.0};
      s.time_s = model.predict_s(s) * (1.0 + jitter(rng));
      samples.push_back(s);
    }
    return samples;
  };
  FitOptions options;
  options.private_cache_bytes = 1048576.0;
  const FitResult fit = fit_step_model(points(truth, 5), options);
  EXPECT_DOUBLE_EQ(fit.model.private_cache_bytes, 1048576.0);
  EXPECT_NEAR(fit.model.far_bytes_per_s / 30e9, 1.0, 0.1);
  EXPECT_NEAR(fit.model.bytes_per_s / 60e9, 1.0, 0.1);
  // A kernel that holds twice the caches' bytes before it spills: the multiple is found.
  truth.private_cache_bytes = 2 * 1048576.0;
  const FitResult twice = fit_step_model(points(truth, 5), options);
  EXPECT_DOUBLE_EQ(twice.model.private_cache_bytes, 2 * 1048576.0);
  EXPECT_NEAR(twice.model.far_bytes_per_s / 30e9, 1.0, 0.1);
  truth.private_cache_bytes = 1048576.0;
  // Without a slower bandwidth beyond in the points, none is fitted; nor without a cache size.
  truth.far_bytes_per_s = truth.bytes_per_s;
  EXPECT_EQ(fit_step_model(points(truth, 5), options).model.far_bytes_per_s, 0.0);
  truth.far_bytes_per_s = 30e9;
  EXPECT_EQ(fit_step_model(points(truth, 5)).model.far_bytes_per_s, 0.0);
}

TEST(StepModel, BytesBeyondThePrivateCachesCanWaitOnTopOfTheRooflineTerm) {
  StepModel m;
  m.overhead_s = 1e-6;
  m.flops_per_s = 10e9;
  m.bytes_per_s = 100e9;
  m.private_cache_bytes = 1e6;
  m.far_wait_bytes_per_s = 50e9;
  Sample s{.dims = {}, .work_factor = 1e5, .bytes = 3e6, .time_s = 1.0};
  EXPECT_DOUBLE_EQ(m.far_bytes(s), 2e6);
  // The memory term keeps all bytes at B; the far ones wait on top of the max().
  EXPECT_DOUBLE_EQ(m.memory_time_s(s), 3e6 / 100e9);
  EXPECT_DOUBLE_EQ(m.far_wait_s(s), 2e6 / 50e9);
  EXPECT_DOUBLE_EQ(m.predict_s(s), 1e-6 + std::max(1e5 / 10e9, 3e6 / 100e9) + 2e6 / 50e9);
  // Bytes a network's kernel fetches from DRAM are priced apart, out of those that wait.
  EXPECT_DOUBLE_EQ(m.far_wait_s(s, 0.5e6), 1.5e6 / 50e9);
  EXPECT_DOUBLE_EQ(m.far_wait_s(s, 3e6), 0.0);
  // Within the private caches, and without the term, nothing waits.
  s.bytes = 0.8e6;
  EXPECT_DOUBLE_EQ(m.far_wait_s(s), 0.0);
  s.bytes = 3e6;
  m.far_wait_bytes_per_s = 0.0;
  EXPECT_DOUBLE_EQ(m.far_wait_s(s), 0.0);
  EXPECT_DOUBLE_EQ(m.far_bytes(s), 0.0);
}

/// Elementwise points of each of `ops` (a Relu 1 FLOP an element, the others
/// 4; 8 bytes an element) at `sizes` sizes from 1 K elements to `span` times
/// that, evenly on a log scale, timed by `truth` with 2 % noise.
std::vector<Sample> elementwise_points(const StepModel& truth, const std::vector<std::string>& ops, int sizes,
                                       double span, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> jitter(0.0, 0.02);
  std::vector<Sample> samples;
  for (int i = 0; i < sizes; ++i) {
    const double elements = 1e3 * std::pow(span, i / static_cast<double>(sizes - 1));
    for (const auto& op : ops) {
      const double flops = op == "Relu" ? 1.0 : 4.0;
      Sample s{.dims = {}, .work_factor = flops * elements, .bytes = 8.0 * elements, .time_s = 0.0, .op = op};
      s.time_s = truth.predict_s(s) * (1.0 + jitter(rng));
      samples.push_back(s);
    }
  }
  return samples;
}

TEST(StepModel, RecoversAWaitForTheBytesBeyondThePrivateCaches) {
  // Elementwise kernels of two operators, 8 KB to 16 MB: a Relu bound by its
  // bytes at 90 GB/s, a Sigmoid by its work at 4 GFLOP/s (4 FLOPs an element),
  // each waiting 1 s per 100 GB beyond a private cache of 1 MiB, 2 µs of
  // overhead, 2 % noise. Within the max() no bandwidth beyond can slow the
  // Sigmoid, whose work hides its bytes.
  StepModel truth;
  truth.overhead_s = 2e-6;
  truth.flops_per_s = 1e18;
  truth.op_flops_per_s["Sigmoid"] = 4e9;
  truth.bytes_per_s = 90e9;
  truth.private_cache_bytes = 1048576.0;
  truth.far_wait_bytes_per_s = 100e9;
  const std::vector<Sample> samples = elementwise_points(truth, {"Relu", "Sigmoid"}, 24, 2000.0, 7);
  FitOptions options;
  options.private_cache_bytes = 1048576.0;
  const FitResult fit = fit_step_model(samples, options);
  EXPECT_DOUBLE_EQ(fit.model.private_cache_bytes, 1048576.0);
  EXPECT_EQ(fit.model.far_bytes_per_s, 0.0);  // a wait, not a bandwidth
  EXPECT_NEAR(fit.model.far_wait_bytes_per_s / 100e9, 1.0, 0.15);
  EXPECT_NEAR(fit.model.bytes_per_s / 90e9, 1.0, 0.1);
  EXPECT_NEAR(fit.model.flops_per_s_for("Sigmoid") / 4e9, 1.0, 0.1);
  EXPECT_LT(fit.heldout_rmspe_percent, 4.0);
}

TEST(StepModel, ALargeKernelSplitsAmongTheThreadsWhereThatIsFaster) {
  StepModel m;
  m.overhead_s = 2e-6;
  m.flops_per_s = 1e9;  // one FLOP per ns on one thread
  m.bytes_per_s = 1e18;
  m.threads = 2;
  m.split_s = 5e-6;
  m.split_speedup = 2.0;
  m.serial_ops = {"BatchNormalization"};
  Sample small{.dims = {}, .work_factor = 4e3, .bytes = 0.0, .time_s = 0.0, .op = "Relu"};
  Sample large = small;
  large.work_factor = 40e3;
  EXPECT_DOUBLE_EQ(m.predict_s(small), 2e-6 + 4e-6);          // 5 + 2 µs split: slower, so one thread
  EXPECT_DOUBLE_EQ(m.predict_s(large), 2e-6 + 5e-6 + 20e-6);  // 5 + 20 µs split against 40 on one
  large.op = "BatchNormalization";
  EXPECT_DOUBLE_EQ(m.predict_s(large), 2e-6 + 40e-6);  // never split
  large.op = "Relu";
  m.threads = 1;
  EXPECT_DOUBLE_EQ(m.predict_s(large), 2e-6 + 40e-6);  // one thread: nothing to split among
}

TEST(StepModel, RecoversTheSplitAmongThreadsAndTheOperatorsThatNeverSplit) {
  // Elementwise kernels on two threads, 1 K to 4 M elements: a Relu bound by
  // its bytes, a Sigmoid by its work, a BatchNormalization that runs on one
  // thread at any size; the others split where 6 µs + half their one-thread
  // time (1.9×) is less than it. 2 µs of overhead, 2 % noise.
  StepModel truth;
  truth.overhead_s = 2e-6;
  truth.flops_per_s = 1e18;
  truth.op_flops_per_s = {{"Sigmoid", 4e9}, {"BatchNormalization", 2e9}};
  truth.bytes_per_s = 60e9;
  truth.threads = 2;
  truth.split_s = 6e-6;
  truth.split_speedup = 1.9;
  truth.serial_ops = {"BatchNormalization"};
  const std::vector<Sample> samples =
      elementwise_points(truth, {"Relu", "Sigmoid", "BatchNormalization"}, 16, 4000.0, 11);
  FitOptions options;
  options.threads = 2;
  const FitResult fit = fit_step_model(samples, options);
  EXPECT_EQ(fit.model.threads, 2);
  EXPECT_NEAR(fit.model.split_speedup, 1.9, 0.1);
  EXPECT_NEAR(fit.model.split_s / 6e-6, 1.0, 0.25);
  EXPECT_EQ(fit.model.serial_ops, (std::vector<std::string>{"BatchNormalization"}));
  EXPECT_NEAR(fit.model.flops_per_s_for("Sigmoid") / 4e9, 1.0, 0.1);
  EXPECT_NEAR(fit.model.bytes_per_s / 60e9, 1.0, 0.1);
  EXPECT_LT(fit.heldout_rmspe_percent, 4.0);
  // Fitted as one thread's points, no split is tried.
  options.threads = 1;
  EXPECT_EQ(fit_step_model(samples, options).model.split_speedup, 0.0);
}

/// Grouped convolutions as ONNX Runtime runs them: per-group widths that are a
/// multiple of 16 on a blocked fast path, the others on a plain path that
/// loops over the groups, paying 3 µs per group (and `slow_gather_s` per
/// element its im2col gathers when strided).
StepModel plain_path_truth(double slow_gather_s) {
  StepModel truth;
  truth.steps = {1, 1};
  truth.overhead_s = 2e-6;
  truth.flops_per_s = 100e9;
  truth.bytes_per_s = 50e9;
  truth.align = 16;
  truth.align_dim = 0;
  truth.slow_overhead_s = 3e-6;
  truth.slow_flops_per_s = 50e9;
  truth.slow_bytes_per_s = 20e9;
  truth.slow_gather_s = slow_gather_s;
  return truth;
}

/// What grouped_points' samples count of an im2col: nothing; the elements
/// of the strided third only; or, as kernel_sample does, the rows (C·9·H
/// per point, as loops) and elements (C·9·H·W, twice where strided) of all.
enum class Im2col { kNone, kStridedElements, kRowsAndElements };

/// Points of dims {K/g, C/g} over widths, group counts (calls) and output
/// sides, 3×3; a third of them at stride 2 (C·9·H·W elements gathered).
std::vector<Sample> grouped_points(const StepModel& truth, unsigned seed, double noise, Im2col im2col) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> jitter(0.0, noise);
  std::vector<Sample> samples;
  for (const std::int64_t width : {8, 16, 24, 32, 48, 64}) {
    for (const std::int64_t groups : {2, 5, 11, 27, 55}) {
      for (const std::int64_t hw : {7, 14, 28}) {
        const auto outputs = static_cast<double>(groups * hw * hw);
        Sample s{.dims = {width, width}, .work_factor = 2.0 * 9 * outputs,
                 .bytes = 8.0 * static_cast<double>(width) * outputs, .time_s = 0.0, .op = "Conv",
                 .calls = static_cast<double>(groups)};
        const bool strided = (groups + hw) % 3 == 0;
        const double elements = 9.0 * static_cast<double>(width) * outputs;
        if (im2col == Im2col::kStridedElements) {
          s.gathers = strided ? elements : 0.0;
        } else if (im2col == Im2col::kRowsAndElements) {
          s.gathers = strided ? 2.0 * elements : elements;
          s.loops = 9.0 * static_cast<double>(width * groups * hw);
        }
        s.time_s = truth.predict_s(s) * (1.0 + jitter(rng));
        samples.push_back(s);
      }
    }
  }
  return samples;
}

TEST(StepModel, ASlowPathPaysItsOverheadPerCall) {
  const FitResult fit = fit_step_model(grouped_points(plain_path_truth(0.0), 9, 0.01, Im2col::kNone));
  ASSERT_EQ(fit.model.align, 16);
  EXPECT_NEAR(fit.model.slow_overhead_s / 3e-6, 1.0, 0.1);
  EXPECT_NEAR(fit.model.slow_flops_per_s / 50e9, 1.0, 0.05);
  EXPECT_LT(fit.heldout_rmspe_percent, 3.0);
}

TEST(StepModel, RecoversTheSlowPathsCostPerGatheredElement) {
  // Strided plain-path points gather at 0.3 ns per element: with 2 % noise
  // the cost is recovered on the slow path, and none is fitted on the fast
  // one, which reads its input in place.
  auto samples = grouped_points(plain_path_truth(0.3e-9), 11, 0.02, Im2col::kStridedElements);
  const FitResult fit = fit_step_model(samples);
  ASSERT_EQ(fit.model.align, 16);
  EXPECT_NEAR(fit.model.slow_gather_s * 1e9, 0.3, 0.05);
  EXPECT_NEAR(fit.model.slow_overhead_s * 1e6, 3.0, 0.5);
  EXPECT_EQ(fit.model.gather_s, 0.0);
  EXPECT_LT(fit.heldout_rmspe_percent, 4.0);
  // No strided points: no cost per element.
  for (auto& s : samples) {
    s.gathers = 0.0;
  }
  const FitResult plain = fit_step_model(samples);
  EXPECT_EQ(plain.model.gather_s, 0.0);
  EXPECT_EQ(plain.model.slow_gather_s, 0.0);
}

TEST(StepModel, RecoversTheSlowPathsCostPerIm2colRowAndElement) {
  // Every point counts its im2col's rows (loops) and elements (gathers), as
  // kernel_sample does for a grouped convolution; the plain path pays 5 ns
  // per row and 0.3 ns per element (the blocked one neither: it reads in
  // place). With 2 % noise both are recovered on the slow path, and neither
  // is fitted on the fast one.
  StepModel truth = plain_path_truth(0.3e-9);
  truth.slow_loop_s = 5e-9;
  const FitResult fit = fit_step_model(grouped_points(truth, 19, 0.02, Im2col::kRowsAndElements));
  ASSERT_EQ(fit.model.align, 16);
  EXPECT_NEAR(fit.model.slow_loop_s * 1e9, 5.0, 1.0);
  EXPECT_NEAR(fit.model.slow_gather_s * 1e9, 0.3, 0.06);
  EXPECT_EQ(fit.model.loop_s, 0.0);
  EXPECT_EQ(fit.model.gather_s, 0.0);
  EXPECT_LT(fit.heldout_rmspe_percent, 4.0);
  // The slow path's prediction adds both to its overhead per group.
  Sample s{.dims = {8, 8}, .work_factor = 0.0, .bytes = 0.0, .time_s = 1.0, .op = "Conv", .calls = 2.0};
  s.loops = 100.0;
  s.gathers = 1000.0;
  EXPECT_DOUBLE_EQ(truth.overhead_s_for(s), 2.0 * 3e-6 + 100.0 * 5e-9 + 1000.0 * 0.3e-9);
}

TEST(StepModel, OutputsAtPaddedEdgesSlowOnlyWhereACallHoldsOneFilterBlock) {
  StepModel m = plain_path_truth(0.0);
  m.edge_block = 16;
  m.edge_slowdown = 1.0;
  // 3x3 at 7x7, pad 1: 2 of every 7 outputs of a row overlap its padding.
  Sample s{.dims = {16, 16}, .work_factor = 100.0, .bytes = 0.0, .time_s = 1.0};
  s.edge_share = 2.0 / 7.0;
  EXPECT_TRUE(m.one_block_per_call(s));
  EXPECT_DOUBLE_EQ(m.work(s), 100.0 * 16 * 16 * (1.0 + 2.0 / 7.0));
  s.dims = {32, 32};  // two filter blocks per call: the edges keep two accumulators
  EXPECT_FALSE(m.one_block_per_call(s));
  EXPECT_DOUBLE_EQ(m.work(s), 100.0 * 32 * 32);
  s.dims = {8, 8};  // on the slow path (8 is not a multiple of 16): no blocked kernel
  EXPECT_FALSE(m.one_block_per_call(s));
  s.dims = {16, 16};
  s.edge_share = 0.0;  // unpadded
  EXPECT_DOUBLE_EQ(m.work(s), 100.0 * 16 * 16);
  m.edge_block = 0;  // no block known
  s.edge_share = 2.0 / 7.0;
  EXPECT_FALSE(m.one_block_per_call(s));
}

/// grouped_points with 3x3 pad-1 edges: 2 of every hw outputs of a row.
std::vector<Sample> padded_grouped_points(const StepModel& truth, unsigned seed, double noise) {
  auto samples = grouped_points(truth, seed, 0.0, Im2col::kNone);
  std::mt19937 rng(seed);
  std::normal_distribution<double> jitter(0.0, noise);
  for (auto& s : samples) {
    const double hw = std::sqrt(s.work_factor / (2.0 * 9.0 * s.calls));
    s.edge_share = 2.0 / hw;
    s.time_s = truth.predict_s(s) * (1.0 + jitter(rng));
  }
  return samples;
}

TEST(StepModel, RecoversTheSlowdownOfPaddedEdgesOfOneFilterBlock) {
  // A call of one 16-channel block computes its edge outputs at half the rate
  // (slowdown 1.0): with 2 % noise the fit finds the block from the fast
  // path's alignment and recovers the slowdown.
  StepModel truth = plain_path_truth(0.0);
  truth.edge_block = 16;
  truth.edge_slowdown = 1.0;
  const FitResult fit = fit_step_model(padded_grouped_points(truth, 17, 0.02));
  ASSERT_EQ(fit.model.align, 16);
  EXPECT_EQ(fit.model.edge_block, 16);
  EXPECT_NEAR(fit.model.edge_slowdown, 1.0, 0.15);
  EXPECT_NEAR(fit.model.flops_per_s / 100e9, 1.0, 0.05);
  EXPECT_LT(fit.heldout_rmspe_percent, 4.0);
  // Without a slowdown in the points, none is fitted.
  truth.edge_slowdown = 0.0;
  const FitResult plain = fit_step_model(padded_grouped_points(truth, 17, 0.02));
  EXPECT_EQ(plain.model.edge_slowdown, 0.0);
  EXPECT_EQ(plain.model.edge_block, 0);
}

TEST(StepModel, AModelOfOnePathGathersOnIt) {
  // Every point on one (plain) path, strided ones gathering at 0.3 ns per element.
  StepModel truth;
  truth.steps = {1, 1};
  truth.overhead_s = 4e-6;
  truth.flops_per_s = 50e9;
  truth.bytes_per_s = 20e9;
  truth.gather_s = 0.3e-9;
  const FitResult fit = fit_step_model(grouped_points(truth, 13, 0.02, Im2col::kStridedElements));
  EXPECT_EQ(fit.model.align, 0);
  EXPECT_NEAR(fit.model.gather_s * 1e9, 0.3, 0.05);
  EXPECT_LT(fit.heldout_rmspe_percent, 4.0);
}

TEST(StepModel, ABytesOnlyClassFitsABandwidthPerOperator) {
  // Data-movement-like points: no FLOPs; Concat streams at 60 GB/s, Resize at 3.
  StepModel truth;
  truth.overhead_s = 2e-6;
  truth.flops_per_s = kUnusedRate;
  truth.bytes_per_s = 60e9;
  truth.op_bytes_per_s = {{"Resize", 3e9}};
  std::mt19937 rng(4);
  std::normal_distribution<double> jitter(0.0, 0.01);
  std::vector<Sample> samples;
  for (int i = 0; i < 24; ++i) {
    Sample s{.dims = {}, .work_factor = 0.0, .bytes = 8192.0 * (1 << (i % 8)), .time_s = 0.0,
             .op = i % 3 == 0 ? "Resize" : "Concat"};
    s.time_s = truth.predict_s(s) * (1.0 + jitter(rng));
    samples.push_back(s);
  }
  const FitResult fit = fit_step_model(samples);
  EXPECT_TRUE(fit.model.op_flops_per_s.empty());
  ASSERT_EQ(fit.model.op_bytes_per_s.count("Resize"), 1u);
  EXPECT_NEAR(fit.model.op_bytes_per_s.at("Resize") / 3e9, 1.0, 0.05);
  EXPECT_NEAR(fit.model.bytes_per_s / 60e9, 1.0, 0.05);
}

TEST(StepModel, TooFewOrDegeneratePointsAreRefused) {
  auto samples = synthetic(truth(), 0.0, 1);
  samples.resize(4);
  try {
    (void)fit_step_model(samples);
    FAIL();
  } catch (const FitError& error) {
    EXPECT_THAT(error.what(), HasSubstr("too few points to fit: 4 given, at least 6 needed"));
  }
  std::vector<Sample> same(10, Sample{.dims = {8, 8}, .work_factor = 100.0, .bytes = 100.0, .time_s = 1e-3});
  try {
    (void)fit_step_model(same);
    FAIL();
  } catch (const FitError& error) {
    EXPECT_THAT(error.what(), HasSubstr("degenerate points"));
  }
  auto bad = synthetic(truth(), 0.0, 1);
  bad[3].time_s = 0.0;
  EXPECT_THROW((void)fit_step_model(bad), FitError);
  bad = synthetic(truth(), 0.0, 1);
  bad[2].dims = {8};
  EXPECT_THROW((void)fit_step_model(bad), FitError);
}

TEST(StepModel, FittingIsDeterministic) {
  const auto samples = synthetic(truth(), 0.02, 11);
  const FitResult a = fit_step_model(samples);
  const FitResult b = fit_step_model(samples);
  EXPECT_EQ(a.model.steps, b.model.steps);
  EXPECT_EQ(a.model.overhead_s, b.model.overhead_s);
  EXPECT_EQ(a.model.flops_per_s, b.model.flops_per_s);
  EXPECT_EQ(a.model.bytes_per_s, b.model.bytes_per_s);
}

TEST(StepModel, ADivergedModelIsNotFinite) {
  StepModel m;
  m.steps = {1};
  m.overhead_s = 1e-6;
  m.flops_per_s = 1e11;
  m.bytes_per_s = 1e10;
  EXPECT_TRUE(has_finite_parameters(m));
  StepModel nan = m;
  nan.overhead_s = std::nan("");
  EXPECT_FALSE(has_finite_parameters(nan));
  StepModel infinite = m;
  infinite.op_flops_per_s["Erf"] = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(has_finite_parameters(infinite));
  StepModel no_rate = m;
  no_rate.bytes_per_s = 0.0;
  EXPECT_FALSE(has_finite_parameters(no_rate));
  StepModel slow = m;
  slow.align = 8;  // a slow path needs rates of its own
  EXPECT_FALSE(has_finite_parameters(slow));
  slow.slow_flops_per_s = 5e10;
  slow.slow_bytes_per_s = 5e9;
  EXPECT_TRUE(has_finite_parameters(slow));
}

}  // namespace
}  // namespace roofcast::fit
