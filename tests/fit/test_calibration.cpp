// Calibration planning, the point log, per-class fitting and the calibrated
// profile it writes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "roofcast/common/error.hpp"
#include "roofcast/fit/calibration.hpp"
#include "roofcast/graph/cost.hpp"
#include "roofcast/graph/load.hpp"
#include "roofcast/measure/micro_models.hpp"
#include "roofcast/roofline/lower.hpp"
#include "roofcast/roofline/predict.hpp"
#include "roofcast/roofline/profile.hpp"

namespace roofcast::fit {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::ThrowsMessage;

TEST(Calibration, PlanIsDeterministicUniqueAndWithinBudget) {
  const auto plan = plan_points(300);
  EXPECT_LE(plan.size(), 300u);
  EXPECT_GE(plan.size(), 250u);
  std::set<std::string> specs;
  std::set<std::string> classes;
  for (const auto& p : plan) {
    EXPECT_TRUE(specs.insert(p.spec).second) << p.spec;
    classes.insert(p.kernel_class);
  }
  EXPECT_EQ(classes.size(), 8u);
  const auto again = plan_points(300);
  ASSERT_EQ(again.size(), plan.size());
  for (std::size_t i = 0; i < plan.size(); ++i) {
    EXPECT_EQ(again[i].spec, plan[i].spec);
  }
}

TEST(Calibration, EveryPlannedPointLowersToOneKernelOfItsClass) {
  roofline::LoweringRules rules;
  rules.fuse = runtime_fusions();
  for (const auto& p : plan_points(120)) {
    const auto spec = measure::parse_micro_model(p.spec);
    const graph::Graph graph = graph::load_graph_from_bytes(measure::micro_model_bytes(spec), p.spec);
    std::vector<roofline::Kernel> kernels;
    for (auto& kernel : roofline::lower(graph, graph::graph_cost(graph), rules)) {
      if (kernel.name.rfind(measure::kMicroNodePrefix, 0) == 0) {
        kernels.push_back(std::move(kernel));
      }
    }
    ASSERT_EQ(kernels.size(), 1u) << p.spec;
    EXPECT_EQ(roofline::kernel_class_name(kernels[0].kernel_class), p.kernel_class) << p.spec;
    const auto sample = roofline::kernel_sample(graph, kernels[0], 1.0);
    EXPECT_EQ(sample.dims.size(), roofline::kernel_class_rank(p.kernel_class)) << p.spec;
  }
}

TEST(Calibration, TheConvolutionPlanHoldsPointsBoundByTheirBytes) {
  // The class's bandwidth B is fitted only if some points take longer to
  // move their bytes than to compute: at a convolution's typical 110 GFLOP/s
  // and a generous 60 GB/s, at least four of the plan's points, at every budget.
  roofline::LoweringRules rules;
  rules.fuse = runtime_fusions();
  roofline::StepModel typical;
  typical.steps = {16, 16};
  typical.flops_per_s = 110e9;
  typical.bytes_per_s = 60e9;
  for (const std::size_t budget : {120u, 300u}) {
    int bound_by_bytes = 0;
    for (const auto& p : plan_points(budget)) {
      if (p.kernel_class != "conv") {
        continue;
      }
      const auto spec = measure::parse_micro_model(p.spec);
      const graph::Graph graph = graph::load_graph_from_bytes(measure::micro_model_bytes(spec), p.spec);
      for (const auto& kernel : roofline::lower(graph, graph::graph_cost(graph), rules)) {
        if (kernel.name.rfind(measure::kMicroNodePrefix, 0) == 0) {
          const auto sample = roofline::kernel_sample(graph, kernel, 1.0);
          bound_by_bytes += typical.memory_time_s(sample) > typical.work(sample) / typical.flops_per_s ? 1 : 0;
        }
      }
    }
    EXPECT_GE(bound_by_bytes, 4) << "budget " << budget;
  }
}

TEST(Calibration, TheConvolutionPlanSweepsInputChannelsOnTheBlockedPath) {
  // The runtime's blocked convolutions take input channels in blocks (of 16
  // with AVX-512: 24 channels cost what 32 do). The single-channel sweeps'
  // input channels are odd, on the plain path; this sweep by 8 is on the
  // blocked one, where a step shows.
  for (const std::size_t budget : {120u, 300u}) {
    std::set<std::int64_t> swept;
    for (const auto& p : plan_points(budget)) {
      if (p.kernel_class != "conv") {
        continue;
      }
      const auto spec = std::get<measure::ConvMicro>(measure::parse_micro_model(p.spec));
      if (spec.k == 64 && spec.h == 56 && spec.kernel == 3 && spec.stride == 1 && spec.c % 8 == 0 && spec.c < 64) {
        swept.insert(spec.c);
      }
    }
    EXPECT_EQ(swept, (std::set<std::int64_t>{16, 24, 32, 40, 48})) << "budget " << budget;
  }
}

TEST(Calibration, TheGroupedPlanSweepsChannelsPerGroupDownToFour) {
  // Off the runtime's 16-channel blocks a grouped convolution runs one small
  // GEMM per group; the steps of that GEMM are fitted from a sweep of the
  // channels per group at 32 groups, 3x3 at 14x14, down to 4 per group.
  for (const std::size_t budget : {120u, 300u}) {
    std::set<std::int64_t> swept;
    for (const auto& p : plan_points(budget)) {
      if (p.kernel_class != "grouped_conv") {
        continue;
      }
      const auto spec = std::get<measure::ConvMicro>(measure::parse_micro_model(p.spec));
      if (spec.group == 32 && spec.h == 14 && spec.kernel == 3 && spec.stride == 1 && spec.c == spec.k) {
        swept.insert(spec.c / spec.group);
      }
    }
    for (const std::int64_t width : {4, 8, 12, 24}) {
      EXPECT_TRUE(swept.contains(width)) << width << " per group, budget " << budget;
    }
  }
}

TEST(Calibration, TheCopyPlanSplitsHeadsAndTensorsAsNetworksDo) {
  // A head split of one head moves nothing out of order: every one in the
  // plan has several (runs of 64 floats, as ViT's and Swin's). And the
  // runtime's Split is measured at every budget: at the default, a QKV
  // projection's three parts and channel halves both.
  for (const std::size_t budget : {120u, 300u}) {
    int head_splits = 0;
    int splits = 0;
    int qkv_splits = 0;
    for (const auto& p : plan_points(budget)) {
      if (p.kernel_class != "data_movement") {
        continue;
      }
      if (p.spec.find("perm=0x2x1x3,") != std::string::npos || p.spec.ends_with("perm=0x2x1x3")) {
        const auto spec = std::get<measure::TransposeMicro>(measure::parse_micro_model(p.spec));
        ASSERT_EQ(spec.shape.size(), 4u) << p.spec;
        EXPECT_GE(spec.shape[2], 3) << p.spec;
        EXPECT_EQ(spec.shape[3], 64) << p.spec;
        ++head_splits;
      }
      splits += p.spec.rfind("split:", 0) == 0 ? 1 : 0;
      qkv_splits += p.spec.rfind("split:", 0) == 0 && p.spec.find("parts=3") != std::string::npos ? 1 : 0;
    }
    EXPECT_GE(head_splits, 1) << "budget " << budget;
    EXPECT_GE(splits, 1) << "budget " << budget;
    if (budget == 300) {
      EXPECT_GE(qkv_splits, 1);
      EXPECT_GT(splits, qkv_splits);
    }
  }
}

TEST(Calibration, ThePoolPlanTellsChannelBlocksApartAndHasPointsOnEach) {
  // ONNX Runtime blocks a window pool's channels (in 16s with AVX-512, 8 with
  // AVX2). For the fit to tell the candidate blocks 4, 8 and 16 apart, the
  // plan has channel counts that are multiples of each and not of the next;
  // each path has points to fit it, the blocked one some beyond the private
  // caches (a CNN stem's pool) and some at stride 1. A global pool is a
  // reduction: its points are the normalization class's.
  for (const std::size_t budget : {120u, 300u}) {
    std::set<int> residues;  // the largest of 1, 4, 8, 16 that divides c
    int blocked = 0;
    int plain = 0;
    int blocked_beyond_2_mib = 0;
    int stride_1 = 0;
    int global = 0;
    for (const auto& p : plan_points(budget)) {
      if (p.spec.find("GlobalAveragePool") != std::string::npos) {
        EXPECT_EQ(p.kernel_class, "normalization") << p.spec;
        ++global;
        continue;
      }
      if (p.kernel_class != "pool") {
        continue;
      }
      const auto spec = std::get<measure::PoolMicro>(measure::parse_micro_model(p.spec));
      const int block = spec.c % 16 == 0 ? 16 : spec.c % 8 == 0 ? 8 : spec.c % 4 == 0 ? 4 : 1;
      residues.insert(block);
      (block == 16 ? blocked : plain) += 1;
      blocked_beyond_2_mib += block == 16 && spec.c * spec.h * spec.w * 4 > (2 << 20) ? 1 : 0;
      stride_1 += spec.stride == 1 ? 1 : 0;
    }
    EXPECT_EQ(residues, (std::set<int>{1, 4, 8, 16})) << "budget " << budget;
    EXPECT_GE(blocked_beyond_2_mib, 2) << "budget " << budget;
    if (budget == 300) {  // a smaller budget's 8 pool points are the sweeps'
      EXPECT_GE(blocked, 6);
      EXPECT_GE(plain, 6);
      EXPECT_GE(blocked_beyond_2_mib, 3);
      EXPECT_GE(stride_1, 1);
      EXPECT_GE(global, 3);
    }
  }
}

TEST(Calibration, EachPointKeepsItsMedianMeasurement) {
  // Three rounds over three points; one round of a was disturbed, b has only
  // two measurements (geometric mean of the two), c one. Order: as the specs first appear.
  // Each measurement taken a second after the one before it.
  double clock_s = 100.0;
  const auto measured = [&clock_s](const std::string& spec, double time_s) {
    MeasuredPoint m;
    m.kernel_class = "elementwise";
    m.spec = spec;
    m.sample.time_s = time_s;
    m.unix_time_s = clock_s;
    clock_s += 1.0;
    return m;
  };
  const auto points = median_per_point({measured("a", 9.0), measured("b", 2.0), measured("c", 3.0),
                                        measured("a", 1.0), measured("b", 8.0), measured("a", 1.2)});
  ASSERT_EQ(points.size(), 3u);
  EXPECT_EQ(points[0].spec, "a");
  EXPECT_EQ(points[1].spec, "b");
  EXPECT_DOUBLE_EQ(points[0].sample.time_s, 1.2);
  EXPECT_DOUBLE_EQ(points[1].sample.time_s, 4.0);
  EXPECT_DOUBLE_EQ(points[2].sample.time_s, 3.0);
  // A merged point is as recent as its last measurement.
  EXPECT_DOUBLE_EQ(points[0].unix_time_s, 105.0);
  EXPECT_DOUBLE_EQ(points[1].unix_time_s, 104.0);
  EXPECT_DOUBLE_EQ(points[2].unix_time_s, 102.0);
}

TEST(Calibration, EachReorderKeepsItsMedianToo) {
  // Three rounds of a point with two reorders; a round whose profile missed one is left out of theirs.
  const auto measured = [](double time_s, std::vector<ReorderSample> reorders) {
    MeasuredPoint m;
    m.kernel_class = "conv";
    m.spec = "conv:c=16";
    m.sample.time_s = time_s;
    m.reorders = std::move(reorders);
    return m;
  };
  const auto points = median_per_point({measured(1.0, {{100.0, 5.0}, {400.0, 9.0}}),
                                        measured(2.0, {{100.0, 1.0}, {400.0, 3.0}}),
                                        measured(3.0, {{100.0, 7.0}}),
                                        measured(4.0, {{100.0, 2.0}, {400.0, 4.0}})});
  ASSERT_EQ(points.size(), 1u);
  ASSERT_EQ(points[0].reorders.size(), 2u);
  EXPECT_DOUBLE_EQ(points[0].reorders[0].bytes, 100.0);
  EXPECT_DOUBLE_EQ(points[0].reorders[0].time_s, 2.0);  // of 5, 1, 2
  EXPECT_DOUBLE_EQ(points[0].reorders[1].time_s, 4.0);  // of 9, 3, 4
  EXPECT_DOUBLE_EQ(points[0].sample.time_s, std::sqrt(2.0 * 3.0));
}

TEST(Calibration, ReordersFitAnOverheadAndABandwidth) {
  // Reorders of 10 KB to 4 MB at 2 µs + bytes / 40 GB/s, 2 % noise, two per point.
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0.0, 0.02);
  std::vector<MeasuredPoint> points;
  for (int i = 0; i < 30; ++i) {
    MeasuredPoint p;
    p.kernel_class = "conv";
    p.spec = "conv:" + std::to_string(i);
    for (const double bytes : {1e4 * std::pow(1.2, i), 4e4 * std::pow(1.15, i)}) {
      p.reorders.push_back({.bytes = bytes, .time_s = (2e-6 + bytes / 40e9) * (1.0 + noise(rng))});
    }
    points.push_back(p);
  }
  const FitResult fit = fit_reorders(points);
  EXPECT_EQ(fit.points, 60u);
  EXPECT_NEAR(fit.model.overhead_s / 2e-6, 1.0, 0.1);
  EXPECT_NEAR(fit.model.bytes_per_s / 40e9, 1.0, 0.05);
  EXPECT_LT(fit.heldout_rmspe_percent, 4.0);
  // Too few, or all of one size: no fit.
  points.resize(2);
  EXPECT_THROW((void)fit_reorders(points), FitError);
  for (auto& p : points) {
    for (auto& r : p.reorders) {
      r.bytes = 1e5;
    }
  }
  points.resize(30, points[0]);
  EXPECT_THAT([&] { (void)fit_reorders(points); },
              ThrowsMessage<FitError>(HasSubstr("too few layout reorders to fit: 60 of 1 sizes")));
  EXPECT_THROW((void)fit_reorders({}), FitError);
}

TEST(Calibration, PointsWhoseRoundsDisagreeAreMeasuredAgain) {
  const auto measured = [](const std::string& spec, double time_s) {
    MeasuredPoint m;
    m.kernel_class = "elementwise";
    m.spec = spec;
    m.sample.time_s = time_s;
    return m;
  };
  // a: one round disturbed, the median agrees with the fastest. b: two of
  // three disturbed. c: within 8 %. d: one measurement, nothing to compare.
  std::vector<MeasuredPoint> log = {measured("a", 1.0), measured("b", 1.0), measured("c", 1.0), measured("d", 1.0),
                                    measured("a", 1.6), measured("b", 1.5), measured("c", 1.07),
                                    measured("a", 1.02), measured("b", 1.4), measured("c", 1.05)};
  EXPECT_EQ(disagreeing_points(log, 0.08, 4), (std::vector<std::string>{"b"}));
  // Measured again once the disturbance has passed: b agrees after two more.
  log.push_back(measured("b", 1.01));
  EXPECT_EQ(disagreeing_points(log, 0.08, 5), (std::vector<std::string>{"b"}));  // median of 1, 1.01, 1.4, 1.5
  log.push_back(measured("b", 1.03));
  EXPECT_TRUE(disagreeing_points(log, 0.08, 6).empty());
  // A point with `at_most` measurements is not measured again, however it disagrees.
  for (int i = 0; i < 3; ++i) {
    log.push_back(measured("c", 1.3));  // c: 1, 1.05, 1.07, 1.3, 1.3, 1.3
  }
  EXPECT_TRUE(disagreeing_points(log, 0.08, 6).empty());
  EXPECT_EQ(disagreeing_points(log, 0.08, 7), (std::vector<std::string>{"c"}));
}

TEST(Calibration, LogLinesRoundTrip) {
  MeasuredPoint point;
  point.kernel_class = "conv";
  point.spec = "conv:c=8,h=8,w=8,k=8";
  point.sample = {.dims = {8, 8}, .work_factor = 1152.0, .bytes = 4096.0, .time_s = 1.5e-5};
  point.sample.loops = 8.0;
  point.sample.gathers = 1e5;
  point.sample.rows = 28.0;
  point.sample.row_stride_bytes = 12288.0;
  point.sample.edge_share = 2.0 / 7.0;
  point.sample.weight_bytes = 1024.0;
  point.spread = 0.03;
  point.unix_time_s = 1.7e9;
  const MeasuredPoint back = parse_point_line(point_json_line(point), "log", 1);
  EXPECT_EQ(back.spec, point.spec);
  EXPECT_EQ(back.sample.dims, point.sample.dims);
  EXPECT_DOUBLE_EQ(back.sample.time_s, point.sample.time_s);
  EXPECT_DOUBLE_EQ(back.sample.loops, 8.0);
  EXPECT_DOUBLE_EQ(back.sample.gathers, 1e5);
  EXPECT_DOUBLE_EQ(back.sample.rows, 28.0);
  EXPECT_DOUBLE_EQ(back.sample.row_stride_bytes, 12288.0);
  EXPECT_DOUBLE_EQ(back.sample.edge_share, 2.0 / 7.0);
  EXPECT_DOUBLE_EQ(back.sample.weight_bytes, 1024.0);
  // A line of a log written before the stride, the edge share and the weights were: none.
  auto older = nlohmann::json::parse(point_json_line(point));
  older.erase("row_stride_bytes");
  older.erase("edge_share");
  older.erase("weight_bytes");
  EXPECT_DOUBLE_EQ(parse_point_line(older.dump(), "log", 2).sample.weight_bytes, 0.0);
  EXPECT_DOUBLE_EQ(parse_point_line(older.dump(), "log", 2).sample.row_stride_bytes, 0.0);
  EXPECT_DOUBLE_EQ(parse_point_line(older.dump(), "log", 2).sample.edge_share, 0.0);
  // The reorders around the kernel go out and come back; a line without them has none.
  EXPECT_EQ(point_json_line(point).find("reorders"), std::string::npos);
  point.reorders = {{.bytes = 8192.0, .time_s = 2e-6}, {.bytes = 16384.0, .time_s = 3e-6}};
  const MeasuredPoint reordered = parse_point_line(point_json_line(point), "log", 3);
  ASSERT_EQ(reordered.reorders.size(), 2u);
  EXPECT_DOUBLE_EQ(reordered.reorders[1].bytes, 16384.0);
  EXPECT_DOUBLE_EQ(reordered.reorders[1].time_s, 3e-6);
  EXPECT_TRUE(parse_point_line(older.dump(), "log", 2).reorders.empty());
  // A bad line is refused with the file and line number.
  const auto expect_refused = [](const std::string& line, std::size_t number, const std::string& message) {
    try {
      (void)parse_point_line(line, "cal.points.jsonl", number);
      FAIL() << "accepted: " << line;
    } catch (const FitError& error) {
      EXPECT_THAT(error.what(), HasSubstr("cal.points.jsonl:" + std::to_string(number) + ": " + message));
    }
  };
  expect_refused("{\"class\": \"conv\"}", 7, "not a calibration point");
  point.sample.loops = -1.0;
  expect_refused(point_json_line(point), 9, "loops must be >= 0");
  point.sample.loops = 0.0;
  point.sample.gathers = -2.0;
  expect_refused(point_json_line(point), 10, "gathers must be >= 0");
  point.sample.gathers = 0.0;
  point.sample.rows = -1.0;
  expect_refused(point_json_line(point), 11, "rows must be >= 0");
  point.sample.rows = 0.0;
  point.sample.row_stride_bytes = -4.0;
  expect_refused(point_json_line(point), 12, "row_stride_bytes must be >= 0");
  point.sample.row_stride_bytes = 0.0;
  point.sample.edge_share = -0.5;
  expect_refused(point_json_line(point), 13, "edge_share must be >= 0");
  point.sample.edge_share = 1.5;  // a share of a row's outputs
  expect_refused(point_json_line(point), 14, "edge_share must be <= 1");
  point.sample.edge_share = 0.0;
  point.sample.weight_bytes = -1.0;
  expect_refused(point_json_line(point), 16, "weight_bytes must be >= 0");
  point.sample.weight_bytes = 8192.0;  // more than the point's 4096 bytes
  expect_refused(point_json_line(point), 17, "weight_bytes must be <= bytes");
  point.sample.weight_bytes = 0.0;
  point.reorders = {{.bytes = 0.0, .time_s = 2e-6}};
  expect_refused(point_json_line(point), 15, "a reorder's bytes and time_s must be > 0");
}

std::vector<MeasuredPoint> synthetic_points() {
  roofline::StepModel conv;
  conv.steps = {8, 1};
  conv.overhead_s = 10e-6;
  conv.flops_per_s = 80e9;
  conv.bytes_per_s = 10e9;
  std::vector<MeasuredPoint> points;
  for (std::int64_t k = 5; k < 120; k += 9) {
    for (std::int64_t c = 3; c < 60; c += 11) {
      MeasuredPoint p;
      p.kernel_class = "conv";
      p.spec = "conv:c=" + std::to_string(c) + ",k=" + std::to_string(k);
      p.sample = {.dims = {k, c}, .work_factor = 2.0 * 9 * 28 * 28, .bytes = 4.0 * (c + k) * 28 * 28 * (k % 2 ? 1 : 30),
                  .time_s = 0.0};
      p.sample.time_s = conv.predict_s(p.sample);
      points.push_back(p);
    }
  }
  return points;
}

TEST(Calibration, ClassFitsDoNotDependOnPointOrder) {
  auto points = synthetic_points();
  const auto a = fit_classes(points);
  std::mt19937 rng(3);
  std::shuffle(points.begin(), points.end(), rng);
  const auto b = fit_classes(points);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_TRUE(a[0].fitted);
  EXPECT_EQ(a[0].fit.model.steps, (std::vector<std::int64_t>{8, 1}));
  EXPECT_EQ(a[0].fit.model.flops_per_s, b[0].fit.model.flops_per_s);
  EXPECT_EQ(a[0].fit.model.overhead_s, b[0].fit.model.overhead_s);
}

TEST(Calibration, TooFewPointsInAClassIsANoteNotACrash) {
  auto points = synthetic_points();
  points.resize(3);
  const auto fits = fit_classes(points);
  ASSERT_EQ(fits.size(), 1u);
  EXPECT_FALSE(fits[0].fitted);
  EXPECT_THAT(fits[0].note, HasSubstr("too few points"));
}

TEST(Calibration, DramOverlapRecoversTheRateAKernelFetchesAtWhileItComputes) {
  // A kernel computing `warm` seconds fetches 1.2 GB/s of its bytes meanwhile and
  // waits for the rest at 25 GB/s; two such kernels, and one that fetches all of them.
  constexpr double kRate = 1.2e9;
  constexpr double kDram = 25e9;
  const auto sample = [](double bytes, double warm) {
    return OverlapSample{.dram_bytes = bytes, .warm_s = warm,
                         .cold_s = warm + std::max(0.0, bytes - kRate * warm) / kDram};
  };
  EXPECT_NEAR(dram_overlap_bytes_per_s({sample(9.4e6, 2.1e-3), sample(9.4e6, 4.3e-3)}, kDram) / kRate, 1.0, 1e-12);
  // Cold no slower than warm: every byte arrived while it computed, at Q / warm at least.
  EXPECT_NEAR(dram_overlap_bytes_per_s({{.dram_bytes = 9.4e6, .warm_s = 8.5e-3, .cold_s = 8.4e-3}}, kDram),
              9.4e6 / 8.5e-3, 1e-3);
  EXPECT_THAT([] { (void)dram_overlap_bytes_per_s({}, kDram); },
              ThrowsMessage<FitError>(HasSubstr("no kernel timed warm and cold")));
  EXPECT_THAT([] { (void)dram_overlap_bytes_per_s({{.dram_bytes = 1e6, .warm_s = 0.0, .cold_s = 1e-3}}, kDram); },
              ThrowsMessage<FitError>(HasSubstr("both times > 0")));
}

TEST(Calibration, CacheLifetimeRecoversTheDecayFromNoisyTimes) {
  // An Add of 30 µs hot costs 100 µs more once its input is evicted, which
  // happens at exp(−elapsed / 4 ms); times within ±3 %.
  const auto sample = [](double elapsed_s, double noise) {
    return LifetimeSample{.elapsed_s = elapsed_s,
                          .time_s = (30e-6 + 100e-6 * (1.0 - std::exp(-elapsed_s / 4e-3))) * (1.0 + noise)};
  };
  const std::vector<LifetimeSample> samples = {sample(0.0, 0.01),   sample(1e-3, -0.03), sample(2e-3, 0.02),
                                               sample(4e-3, -0.01), sample(8e-3, 0.03),  sample(16e-3, -0.02),
                                               sample(32e-3, 0.01)};
  const LifetimeFit fit = fit_cache_lifetime(samples);
  EXPECT_NEAR(fit.lifetime_s, 4e-3, 0.6e-3);
  EXPECT_NEAR(fit.evicted_s, 100e-6, 10e-6);
  EXPECT_NEAR(fit.hot_s, 30e-6, 1.5e-6);
  EXPECT_LT(fit.rmspe_percent, 3.0);
  // A machine whose last level nothing else shares: times flat within noise, no lifetime.
  std::vector<LifetimeSample> flat;
  for (const auto& s : samples) {
    flat.push_back({.elapsed_s = s.elapsed_s, .time_s = 30e-6 * (1.0 + 0.01 * std::sin(1e3 * s.elapsed_s))});
  }
  EXPECT_EQ(fit_cache_lifetime(flat).lifetime_s, 0.0);
  // Too few samples, none just written, or a time of 0.
  EXPECT_THAT([&] { (void)fit_cache_lifetime({samples[0], samples[1], samples[2]}); },
              ThrowsMessage<FitError>(HasSubstr("3 samples")));
  EXPECT_THAT([&] { (void)fit_cache_lifetime({samples[1], samples[2], samples[3], samples[4]}); },
              ThrowsMessage<FitError>(HasSubstr("0 just written")));
  EXPECT_THAT([&] { (void)fit_cache_lifetime({samples[0], samples[0], samples[1], samples[1]}); },
              ThrowsMessage<FitError>(HasSubstr("1 distinct times after")));
  EXPECT_THAT([] { (void)fit_cache_lifetime({{.elapsed_s = 0.0, .time_s = 0.0}}); },
              ThrowsMessage<FitError>(HasSubstr("a time > 0")));
}

TEST(Calibration, AnOverheadFittedTowardsZeroIsWrittenAsANumber) {
  // A fit can drive an overhead to a tiny positive value (exp of a very
  // negative parameter); rounding it to six digits must not make it NaN (null).
  CalibrationRecord record;
  record.id = "tiny";
  record.hardware_name = "Test CPU";
  record.processor = "1 of 2 logical CPUs";
  record.runtime_name = "onnxruntime";
  record.runtime_version = "1.22.0";
  record.execution_provider = "cpu";
  record.peak_gflops = 100.0;
  record.memory_gbs = {{"dram", 20.0}};
  record.fits = fit_classes(synthetic_points());
  ASSERT_TRUE(record.fits[0].fitted);
  record.fits[0].fit.model.overhead_s = 1e-316;
  record.log_file = "tiny.json.points.jsonl";
  const std::string json = calibrated_profile_json(record);
  EXPECT_THAT(json, Not(HasSubstr("null,")));
  const roofline::DeviceProfile profile = roofline::parse_profile(json, "tiny.json");
  EXPECT_LT(profile.kernel_models.at(record.fits[0].kernel_class).model.overhead_s, 1e-300);
}

TEST(Calibration, ProfileLoadsBackAndIsDeterministic) {
  CalibrationRecord record;
  record.id = "test-cal";
  record.hardware_name = "Test CPU";
  record.processor = "1 of 2 logical CPUs, avx2+fma";
  record.memory_gib = 16;
  record.runtime_name = "onnxruntime";
  record.runtime_version = "1.22.0";
  record.execution_provider = "cpu";
  record.threads = 2;  // a split among them (below) needs several
  record.peak_gflops = 100.0;
  record.memory_gbs = {{"l1", 150.0}, {"dram", 20.0}};
  record.per_run_us = 12.5;
  record.dram_overlap_gbs = 1.1128;
  record.cache_lifetime_ms = 4.1384;
  record.fits = fit_classes(synthetic_points());
  record.fits[0].fit.model.loop_s = 12e-9;  // a cost per inner loop goes out and comes back
  record.fits[0].fit.model.gather_s = 0.3e-9;  // and per gathered element, on each path
  record.fits[0].fit.model.align = 8;
  record.fits[0].fit.model.slow_overhead_s = 3e-6;
  record.fits[0].fit.model.slow_flops_per_s = 40e9;
  record.fits[0].fit.model.slow_bytes_per_s = 20e9;
  record.fits[0].fit.model.slow_gather_s = 0.5e-9;
  record.fits[0].fit.model.slow_loop_s = 5.25e-9;  // and per im2col row, on the slow path
  record.fits[0].fit.model.slow_steps = {1, 1};  // the slow path's own steps
  record.fits[0].fit.model.partition_blocks = 4;  // and how the work is split among threads
  record.fits[0].fit.model.alias_bytes = 4096;      // and which rows alias in cache, at what cost
  record.fits[0].fit.model.alias_slowdown = 0.105637;
  record.fits[0].fit.model.private_cache_bytes = 2097152.0;  // and the bandwidth beyond the private caches
  record.fits[0].fit.model.far_bytes_per_s = 31.25e9;
  record.fits[0].fit.model.edge_block = 16;  // and how much slower a padded edge is with one filter block per call
  record.fits[0].fit.model.edge_slowdown = 1.0752;
  record.fits[0].fit.model.split_s = 4.9e-6;  // and the split of a large kernel among the threads
  record.fits[0].fit.model.split_speedup = 1.9625;
  record.fits[0].fit.model.serial_ops = {"BatchNormalization", "Resize"};
  record.fits[0].fit.model.direct_below = 16;  // and the direct path of inputs below the block
  record.fits[0].fit.model.direct_dim = 1;
  record.fits[0].fit.model.direct_steps = {16, 1};
  record.fits[0].fit.model.direct_overhead_s = 5.1e-6;
  record.fits[0].fit.model.direct_flops_per_s = 152e9;
  record.fits[0].fit.model.direct_bytes_per_s = 11e9;
  record.reorder_fit = FitResult{};  // and the layout reorders' model
  record.reorder_fit->model.overhead_s = 1.7e-6;
  record.reorder_fit->model.bytes_per_s = 37.4e9;
  record.reorder_fit->points = 237;
  record.points = 84;
  record.budget = 300;
  record.first_unix_time_s = 1.7e9;
  record.last_unix_time_s = 1.7e9 + 95;
  record.measuring_s = 80.4;  // resumed: 15 s between its sittings
  record.log_file = "test-cal.json.points.jsonl";
  record.host_cpu = "Test CPU";
  record.tool = "roofcast test";
  const std::string json = calibrated_profile_json(record);
  EXPECT_EQ(json, calibrated_profile_json(record));
  const roofline::DeviceProfile profile = roofline::parse_profile(json, "test-cal.json");
  EXPECT_EQ(profile.kind, roofline::ProfileKind::kCalibrated);
  ASSERT_EQ(profile.kernel_models.count("conv"), 1u);
  EXPECT_EQ(profile.kernel_models.at("conv").model.steps, (std::vector<std::int64_t>{8, 1}));
  EXPECT_NEAR(profile.kernel_models.at("conv").model.flops_per_s / 80e9, 1.0, 1e-3);
  EXPECT_NEAR(profile.kernel_models.at(record.fits[0].kernel_class).model.loop_s, 12e-9, 1e-15);
  EXPECT_NEAR(profile.kernel_models.at(record.fits[0].kernel_class).model.gather_s, 0.3e-9, 1e-15);
  EXPECT_NEAR(profile.kernel_models.at(record.fits[0].kernel_class).model.slow_gather_s, 0.5e-9, 1e-15);
  EXPECT_NEAR(profile.kernel_models.at(record.fits[0].kernel_class).model.slow_loop_s, 5.25e-9, 1e-15);
  EXPECT_EQ(profile.kernel_models.at("conv").model.slow_steps, (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(profile.kernel_models.at("conv").model.partition_blocks, 4);
  EXPECT_EQ(profile.kernel_models.at("conv").model.alias_bytes, 4096);
  EXPECT_DOUBLE_EQ(profile.kernel_models.at("conv").model.alias_slowdown, 0.105637);
  EXPECT_DOUBLE_EQ(profile.kernel_models.at("conv").model.private_cache_bytes, 2097152.0);
  EXPECT_DOUBLE_EQ(profile.kernel_models.at("conv").model.far_bytes_per_s, 31.25e9);
  EXPECT_EQ(profile.kernel_models.at("conv").model.edge_block, 16);
  EXPECT_DOUBLE_EQ(profile.kernel_models.at("conv").model.edge_slowdown, 1.0752);
  const auto& conv = profile.kernel_models.at("conv").model;
  EXPECT_DOUBLE_EQ(conv.split_s, 4.9e-6);
  EXPECT_DOUBLE_EQ(conv.split_speedup, 1.9625);
  EXPECT_EQ(conv.serial_ops, (std::vector<std::string>{"BatchNormalization", "Resize"}));
  EXPECT_EQ(conv.direct_below, 16);
  EXPECT_EQ(conv.direct_dim, 1u);
  EXPECT_EQ(conv.direct_steps, (std::vector<std::int64_t>{16, 1}));
  EXPECT_DOUBLE_EQ(conv.direct_overhead_s, 5.1e-6);
  EXPECT_DOUBLE_EQ(conv.direct_flops_per_s, 152e9);
  EXPECT_DOUBLE_EQ(conv.direct_bytes_per_s, 11e9);
  ASSERT_TRUE(profile.lowering.blocked_layout.has_value());
  EXPECT_DOUBLE_EQ(profile.lowering.blocked_layout->reorder_overhead_s, 1.7e-6);
  EXPECT_DOUBLE_EQ(profile.lowering.blocked_layout->reorder_bytes_per_s, 37.4e9);
  EXPECT_EQ(profile.lowering.blocked_layout->plain_activations, (std::set<std::string>{"HardSwish"}));
  EXPECT_EQ(profile.lowering.activation_passes, (std::map<std::string, int>{{"HardSwish", 5}}));
  EXPECT_EQ(profile.lowering.activation_passes, runtime_lowering_rules().activation_passes);  // as calibration lowers
  EXPECT_EQ(profile.kernel_models.at("conv").model.threads, 2);  // the profile's runtime threads
  EXPECT_DOUBLE_EQ(profile.overheads.per_run_s, 12.5e-6);
  EXPECT_DOUBLE_EQ(profile.ceilings.dram_overlap_bytes_per_s, 1.1128e9);
  EXPECT_DOUBLE_EQ(profile.ceilings.cache_lifetime_s, 4.1384e-3);
  EXPECT_THAT(json, HasSubstr("\"wall_time_s\": 95"));
  EXPECT_THAT(json, HasSubstr("\"measuring_s\": 80"));
  EXPECT_THAT(json, HasSubstr("\"whole_network_measurements_used\": 0"));
  // The bytes beyond the private caches priced as a wait instead: written as wait_gbs.
  record.fits[0].fit.model.far_bytes_per_s = 0.0;
  record.fits[0].fit.model.far_wait_bytes_per_s = 104.25e9;
  const std::string waiting = calibrated_profile_json(record);
  EXPECT_THAT(waiting, HasSubstr("\"wait_gbs\": 104.25"));
  const roofline::DeviceProfile waiting_profile = roofline::parse_profile(waiting, "test-cal.json");
  const auto& reloaded = waiting_profile.kernel_models.at("conv").model;
  EXPECT_DOUBLE_EQ(reloaded.private_cache_bytes, 2097152.0);
  EXPECT_DOUBLE_EQ(reloaded.far_wait_bytes_per_s, 104.25e9);
  EXPECT_EQ(reloaded.far_bytes_per_s, 0.0);
}

}  // namespace
}  // namespace roofcast::fit
