// What the caches still hold when a kernel runs: the ramp between the private
// caches and the last level, and the bytes counted between two touches of a
// tensor, on a residual block whose skip waits while the branch runs.
#include <gtest/gtest.h>

#include <cmath>

#include "model_builder.hpp"
#include "roofcast/graph/cost.hpp"
#include "roofcast/graph/load.hpp"
#include "roofcast/roofline/residency.hpp"

namespace roofcast::roofline {
namespace {

using roofcast::testing::ModelBuilder;

constexpr double kMiB = 1024.0 * 1024.0;

DeviceProfile with_hardware(const Hardware& hardware, double cache_lifetime_s = 0.0) {
  DeviceProfile profile;
  profile.hardware = hardware;
  profile.ceilings.cache_lifetime_s = cache_lifetime_s;
  return profile;
}

TEST(CacheReach, PrivateCachesPerThreadThenHalfTheLastLevel) {
  Hardware hardware;
  hardware.cache_bytes = {{1, 32 * 1024.0}, {2, 1 * kMiB}, {3, 32 * kMiB}};
  const CacheReach reach = cache_reach(with_hardware(hardware), 2);
  ASSERT_TRUE(reach.known());
  EXPECT_DOUBLE_EQ(reach.private_bytes, 2 * kMiB);  // one L2 per thread
  EXPECT_DOUBLE_EQ(reach.shared_bytes, 32 * kMiB);
  EXPECT_DOUBLE_EQ(reach.evicted_share(0.0), 0.0);
  EXPECT_DOUBLE_EQ(reach.evicted_share(2 * kMiB), 0.0);
  EXPECT_DOUBLE_EQ(reach.evicted_share(9 * kMiB), 0.5);
  EXPECT_DOUBLE_EQ(reach.evicted_share(16 * kMiB), 1.0);
  EXPECT_DOUBLE_EQ(reach.evicted_share(1e12), 1.0);
}

TEST(CacheReach, WithoutCachesNothingIsKnown) {
  EXPECT_FALSE(cache_reach(DeviceProfile{}, 1).known());
  EXPECT_DOUBLE_EQ(cache_reach(DeviceProfile{}, 1).evicted_share(1e12), 0.0);
  Hardware one_level;
  one_level.cache_bytes = {{3, 8 * kMiB}};
  const CacheReach reach = cache_reach(with_hardware(one_level), 4);
  EXPECT_DOUBLE_EQ(reach.private_bytes, 0.0);
  EXPECT_DOUBLE_EQ(reach.evicted_share(2 * kMiB), 0.5);
}

TEST(CacheReach, ALifetimeEvictsWithTimeWhatThePrivateCachesDoNotHold) {
  Hardware hardware;
  hardware.cache_bytes = {{2, 1 * kMiB}, {3, 32 * kMiB}};
  const CacheReach reach = cache_reach(with_hardware(hardware, 8e-3), 1);
  EXPECT_DOUBLE_EQ(reach.lifetime_s, 8e-3);
  // Beyond the private cache: 1 − exp(−elapsed / lifetime), or the bytes' share where larger.
  EXPECT_NEAR(reach.evicted_share(2 * kMiB, 8e-3), 1.0 - std::exp(-1.0), 1e-12);
  EXPECT_NEAR(reach.evicted_share(2 * kMiB, 4e-3), 1.0 - std::exp(-0.5), 1e-12);
  EXPECT_DOUBLE_EQ(reach.evicted_share(16 * kMiB, 1e-6), 1.0);
  // Within it, or with no time elapsed, only bytes count.
  EXPECT_DOUBLE_EQ(reach.evicted_share(0.5 * kMiB, 1.0), 0.0);
  EXPECT_DOUBLE_EQ(reach.evicted_share(2 * kMiB, 0.0), reach.evicted_share(2 * kMiB));
  // Without a lifetime, time evicts nothing.
  EXPECT_DOUBLE_EQ(cache_reach(with_hardware(hardware), 1).evicted_share(2 * kMiB, 1.0),
                   cache_reach(with_hardware(hardware), 1).evicted_share(2 * kMiB));
}

/// x [1,256] → Relu r → MatMul(r, w1 256×1024) t → Relu u → MatMul(u, w2 1024×256) s
/// → Reshape (a view) → Add(r, s'): the skip r waits while the branch runs.
struct Residual {
  graph::Graph graph;
  graph::GraphCost cost;
  std::vector<Kernel> kernels;
};

Residual residual_block() {
  ModelBuilder b;
  b.input("x", {1, 256}).weight("w1", {256, 1024}).weight("w2", {1024, 256}).int64s("shape", {1, 256});
  b.node("Relu", {"x"}, {"r"}, {}, "relu_in")
      .node("MatMul", {"r", "w1"}, {"t"}, {}, "up")
      .node("Relu", {"t"}, {"u"}, {}, "relu_mid")
      .node("MatMul", {"u", "w2"}, {"s"}, {}, "down")
      .node("Reshape", {"s", "shape"}, {"v"}, {}, "view")
      .node("Add", {"r", "v"}, {"y"}, {}, "residual")
      .output("y");
  Residual block{graph::load_graph_from_bytes(b.bytes(), "residual.onnx"), {}, {}};
  block.cost = graph::graph_cost(block.graph);
  block.kernels = lower(block.graph, block.cost, LoweringRules{});
  return block;
}

// Sizes in bytes: x, r, s and y 1 KiB; t and u 4 KiB; w1 and w2 1 MiB.
constexpr double kVector = 1024.0;
constexpr double kWide = 4096.0;
constexpr double kWeights = kMiB;

TEST(EvictedBytes, ASkipReadAfterTheBranchComesBackInPart) {
  const Residual block = residual_block();
  ASSERT_EQ(block.kernels.size(), 5u);  // the Reshape is a view
  ASSERT_EQ(block.kernels[4].ops, "Add");
  // r was last read by "up", whose weights stream past it: from the start of
  // "up" the kernels touch w1, t, u, w2 and s, each once.
  const double between = kWeights + kWide + kWide + kWeights + kVector;
  const CacheReach reach{.private_bytes = 0.0, .shared_bytes = 4.0 * between};  // evicts all at 2 × between
  const auto evicted = evicted_bytes(block.graph, block.cost, block.kernels, reach, 1.0);
  ASSERT_EQ(evicted.size(), 5u);
  // The Add: half of r is gone; s, written by the kernel before it, is not.
  EXPECT_DOUBLE_EQ(evicted[4].activations, kVector * 0.5);
  // "down" reads u, written just before it: nothing evicted.
  EXPECT_DOUBLE_EQ(evicted[3].activations, 0.0);
  // Weights and the graph input were last touched one inference ago, which
  // touches every tensor once (the Reshape's shape is read by no kernel).
  const double inference = 4 * kVector + 2 * kWide + 2 * kWeights;
  EXPECT_DOUBLE_EQ(evicted[1].weights, kWeights * reach.evicted_share(inference - kWeights));
  EXPECT_DOUBLE_EQ(evicted[0].activations, kVector * reach.evicted_share(inference - kVector));
  EXPECT_DOUBLE_EQ(evicted[4].weights, 0.0);
  // At half precision every byte counts half.
  const auto half = evicted_bytes(block.graph, block.cost, block.kernels,
                                  CacheReach{.private_bytes = 0.0, .shared_bytes = 2.0 * between}, 0.5);
  EXPECT_DOUBLE_EQ(half[4].activations, kVector / 2 * 0.5);
}

TEST(EvictedBytes, IntermediatesTouchNoMoreThanTheArenaTheyShare) {
  // The runtime reuses its buffers: however many intermediate tensors come
  // between two touches, they touch at most the arena's bytes. Weights and
  // the graph input count whole.
  const Residual block = residual_block();
  const double between = kWeights + kWide + kWide + kWeights + kVector;
  const CacheReach reach{.private_bytes = 0.0, .shared_bytes = 4.0 * between};
  const double arena = 2048.0;  // less than t, u and s together (9 KiB)
  const auto evicted = evicted_bytes(block.graph, block.cost, block.kernels, reach, 1.0, arena);
  EXPECT_DOUBLE_EQ(evicted[4].activations, kVector * reach.evicted_share(2 * kWeights + arena));
  // One inference: x and both weights whole, r, t, u, s and y within the arena.
  const double inference = kVector + 2 * kWeights + arena;
  EXPECT_DOUBLE_EQ(evicted[1].weights, kWeights * reach.evicted_share(inference - kWeights));
  // An arena larger than what the intermediates touch bounds nothing.
  const auto roomy = evicted_bytes(block.graph, block.cost, block.kernels, reach, 1.0, 1e9);
  EXPECT_DOUBLE_EQ(roomy[4].activations, kVector * 0.5);
}

TEST(EvictedBytes, OutputsGoToBuffersTheArenaLastHandedOutASpanOfTheInferenceAgo) {
  // The arena's bytes are cycled by every tensor the inference writes (r, t,
  // u, s and the output y: 11 KiB): a location comes back after
  // arena / 11 KiB of the inference's traffic.
  const Residual block = residual_block();
  const double written = 3 * kVector + 2 * kWide;
  const double arena = 2048.0;
  const double inference = kVector + 2 * kWeights + arena;
  const CacheReach reach{.private_bytes = 1024.0, .shared_bytes = 2.0 * kWeights};
  const auto evicted = evicted_bytes(block.graph, block.cost, block.kernels, reach, 1.0, arena);
  const double share = reach.evicted_share(inference * arena / written);
  ASSERT_GT(share, 0.0);
  ASSERT_LT(share, 1.0);
  EXPECT_DOUBLE_EQ(evicted[0].outputs, kVector * share);  // r
  EXPECT_DOUBLE_EQ(evicted[1].outputs, kWide * share);    // t
  EXPECT_DOUBLE_EQ(evicted[4].outputs, kVector * share);  // y
  // Without a bound on the arena, a buffer comes back one inference later.
  const auto unbounded = evicted_bytes(block.graph, block.cost, block.kernels, reach, 1.0);
  const double whole = 3 * kVector + 2 * kWide + 2 * kWeights + kVector;  // x, r, t, u, s, y and both weights
  EXPECT_DOUBLE_EQ(unbounded[1].outputs, kWide * reach.evicted_share(whole));
}

TEST(EvictedBytes, TheKernelsTimesAgeTheSkipAndTheWeights) {
  const Residual block = residual_block();
  const double between = kWeights + kWide + kWide + kWeights + kVector;
  // A last level large enough that bytes evict nothing of the skip r.
  const CacheReach reach{.private_bytes = 512.0, .shared_bytes = 1e12, .lifetime_s = 1e-3};
  const std::vector<double> times_s = {1e-4, 2e-3, 1e-4, 3e-3, 1e-4};  // relu_in, up, relu_mid, down, residual
  const auto evicted = evicted_bytes(block.graph, block.cost, block.kernels, reach, 1.0, 0.0, times_s);
  // r was last read by "up": from its start to the Add's, 5.1 ms.
  EXPECT_NEAR(evicted[4].activations, kVector * reach.evicted_share(between, 5.1e-3), 1e-9);
  EXPECT_GT(evicted[4].activations, 0.99 * kVector);
  // "down" reads u, written by the kernel just before it: no time between.
  EXPECT_DOUBLE_EQ(evicted[3].activations, 0.0);
  // Weights were last touched one inference (5.3 ms) ago.
  const double inference = 4 * kVector + 2 * kWide + 2 * kWeights;
  EXPECT_NEAR(evicted[1].weights, kWeights * reach.evicted_share(inference - kWeights, 5.3e-3), 1e-6);
  // Without the times, the same reach evicts by bytes alone: next to nothing of r.
  EXPECT_LT(evicted_bytes(block.graph, block.cost, block.kernels, reach, 1.0)[4].activations, 0.01);
}

TEST(EvictedBytes, CachesTooSmallForTheBranchEvictTheWholeSkip) {
  const Residual block = residual_block();
  const auto evicted = evicted_bytes(block.graph, block.cost, block.kernels,
                                     CacheReach{.private_bytes = 64.0, .shared_bytes = 256.0}, 1.0);
  EXPECT_DOUBLE_EQ(evicted[4].activations, 1024.0);
  EXPECT_DOUBLE_EQ(evicted[1].weights, 1024.0 * 1024.0);
}

TEST(EvictedBytes, UnknownCachesSendEveryWeightToDramAndNoActivation) {
  const Residual block = residual_block();
  const auto evicted = evicted_bytes(block.graph, block.cost, block.kernels, CacheReach{}, 1.0);
  for (std::size_t i = 0; i < evicted.size(); ++i) {
    EXPECT_DOUBLE_EQ(evicted[i].activations, 0.0) << i;
    EXPECT_DOUBLE_EQ(evicted[i].outputs, 0.0) << i;
    EXPECT_DOUBLE_EQ(evicted[i].weights, static_cast<double>(block.kernels[i].weight_bytes)) << i;
  }
}

}  // namespace
}  // namespace roofcast::roofline
