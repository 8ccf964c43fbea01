// Lowering the layer graph to kernels with a runtime's fusion rules.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "model_builder.hpp"
#include "roofcast/graph/cost.hpp"
#include "roofcast/graph/load.hpp"
#include "roofcast/roofline/lower.hpp"
#include "roofcast/roofline/predict.hpp"

namespace roofcast::roofline {
namespace {

using roofcast::testing::ModelBuilder;
using Ints = std::vector<std::int64_t>;

std::vector<Kernel> lowered(const ModelBuilder& builder, const LoweringRules& rules) {
  const graph::Graph graph = graph::load_graph_from_bytes(builder.bytes(), "lower.onnx");
  return lower(graph, graph::graph_cost(graph), rules);
}

LoweringRules all_rules() {
  LoweringRules rules;
  rules.fuse = {FusionRule::kConvBn,   FusionRule::kConvActivation, FusionRule::kConvAdd,
                FusionRule::kGemmBias, FusionRule::kGemmActivation, FusionRule::kElementwiseChain};
  rules.drop_views = true;
  return rules;
}

/// x 1x8x16x16 → Conv 3x3 (8 → 16, pad 1) → BatchNormalization → Relu.
ModelBuilder conv_bn_relu() {
  ModelBuilder b;
  b.input("x", {1, 8, 16, 16}).weight("w", {16, 8, 3, 3});
  for (const char* name : {"scale", "bias", "mean", "var"}) {
    b.weight(name, {16});
  }
  b.node("Conv", {"x", "w"}, {"c"}, {{"pads", Ints{1, 1, 1, 1}}}, "conv")
      .node("BatchNormalization", {"c", "scale", "bias", "mean", "var"}, {"n"}, {}, "bn")
      .node("Relu", {"n"}, {"y"}, {}, "relu")
      .output("y");
  return b;
}

TEST(Lower, ConvBatchNormReluIsOneKernel) {
  const auto kernels = lowered(conv_bn_relu(), all_rules());
  ASSERT_EQ(kernels.size(), 1u);
  const Kernel& k = kernels[0];
  EXPECT_EQ(k.ops, "Conv+BatchNormalization+Relu");
  EXPECT_EQ(k.name, "conv");
  EXPECT_EQ(k.kernel_class, KernelClass::kConv);
  EXPECT_EQ(k.layers, (std::vector<std::size_t>{0, 1, 2}));
  // The BN folds into the Conv's weights: no work of its own. Relu: 1 FLOP per output.
  const std::int64_t conv_macs = 16 * 8 * 3 * 3 * 16 * 16;
  const std::int64_t outputs = 16 * 16 * 16;
  EXPECT_EQ(k.macs, conv_macs);
  EXPECT_EQ(k.flops, 2 * conv_macs + outputs);
  // Reads x and the Conv weights once, writes y once: c and n never leave the kernel.
  EXPECT_EQ(k.bytes_read, 4 * (8 * 16 * 16 + 16 * 8 * 3 * 3));
  EXPECT_EQ(k.bytes_written, 4 * outputs);
}

/// x 1x8x16x16 → Conv 1x1 (8 → 16) → `activation`.
ModelBuilder conv_then(const std::string& activation) {
  ModelBuilder b;
  b.input("x", {1, 8, 16, 16}).weight("w", {16, 8, 1, 1});
  b.node("Conv", {"x", "w"}, {"c"}, {}, "conv").node(activation, {"c"}, {"y"}, {}, "act").output("y");
  return b;
}

TEST(Lower, ActivationOutsideTheKernelLoopCostsAPassOverTheOutput) {
  LoweringRules rules = all_rules();
  const std::int64_t output_bytes = 4 * 16 * 16 * 16;
  // Without the runtime's list, every fused activation is free.
  EXPECT_EQ(lowered(conv_then("Clip"), rules).at(0).epilogue_bytes, 0);
  rules.in_kernel_activations = std::set<std::string>{"Relu"};
  const auto relu = lowered(conv_then("Relu"), rules);
  const auto clip = lowered(conv_then("Clip"), rules);
  ASSERT_EQ(relu.size(), 1u);
  ASSERT_EQ(clip.size(), 1u);
  EXPECT_EQ(relu[0].epilogue_bytes, 0);
  EXPECT_EQ(clip[0].ops, "Conv+Clip");
  EXPECT_EQ(clip[0].epilogue_bytes, 2 * output_bytes);  // the output read and written once more
  EXPECT_EQ(clip[0].epilogue_op, "Clip");
  EXPECT_GT(clip[0].epilogue_flops, 0);
}

TEST(Lower, ReordersWhereBlockedAndPlainKernelsMeet) {
  // x 1x32x8x8 → Conv 1x1 (32 → 32) → Relu → Conv 1x1 (32 → 32) → Sigmoid → y.
  // With a blocked layout (channels a multiple of 4, Relu kept blocked): the first
  // Conv reorders x in, both convs and the Relu run blocked, the Sigmoid is plain,
  // so the second Conv's output is reordered out; the Sigmoid's output is plain.
  ModelBuilder b;
  b.input("x", {1, 32, 8, 8}).weight("w1", {32, 32, 1, 1}).weight("w2", {32, 32, 1, 1});
  b.node("Conv", {"x", "w1"}, {"a"}, {}, "conv1")
      .node("Relu", {"a"}, {"r"}, {}, "relu")
      .node("Conv", {"r", "w2"}, {"c"}, {}, "conv2")
      .node("Sigmoid", {"c"}, {"y"}, {}, "sigmoid")
      .output("y");
  LoweringRules rules;  // no fusion: four kernels
  rules.drop_views = true;
  const std::int64_t tensor_bytes = 4 * 32 * 8 * 8;
  for (const auto& k : lowered(b, rules)) {
    EXPECT_EQ(k.reorder_bytes, 0);  // no layout, no reorders
  }
  rules.blocked_layout = BlockedLayout{.channel_multiple = 4, .group_channel_multiple = 16,
                                       .direct_input_below = 16, .keep_ops = {{"Relu", 14}}};
  const auto kernels = lowered(b, rules);
  ASSERT_EQ(kernels.size(), 4u);
  EXPECT_TRUE(kernels[0].blocked);
  EXPECT_TRUE(kernels[1].blocked);
  EXPECT_TRUE(kernels[2].blocked);
  EXPECT_FALSE(kernels[3].blocked);
  EXPECT_EQ(kernels[0].reorder_bytes, 2 * tensor_bytes);  // x reordered in
  EXPECT_EQ(kernels[1].reorder_bytes, 0);
  EXPECT_EQ(kernels[2].reorder_bytes, 2 * tensor_bytes);  // c reordered out for the Sigmoid
  EXPECT_EQ(kernels[3].reorder_bytes, 0);
  // The runtime keeps Relu blocked only up to Relu-13; this opset-17 model's
  // Relu is Relu-14, so it runs plain: conv1's output is reordered out for it,
  // and its output reordered back in for conv2.
  rules.blocked_layout->keep_ops = {{"Relu", 13}};
  const auto plain_relu = lowered(b, rules);
  ASSERT_EQ(plain_relu.size(), 4u);
  EXPECT_TRUE(plain_relu[0].blocked);
  EXPECT_FALSE(plain_relu[1].blocked);
  EXPECT_TRUE(plain_relu[2].blocked);
  EXPECT_EQ(plain_relu[0].reorder_bytes, 2 * 2 * tensor_bytes);  // x in, a out
  EXPECT_EQ(plain_relu[1].reorder_bytes, 0);
  EXPECT_EQ(plain_relu[2].reorder_bytes, 2 * 2 * tensor_bytes);  // r in, c out
  EXPECT_EQ(plain_relu[0].reorders, 2);  // each a runtime kernel of its own
  EXPECT_EQ(plain_relu[1].reorders, 0);
  EXPECT_EQ(plain_relu[2].reorders, 2);
  // Input channels that are not a multiple of 4 keep the Conv plain: nothing to reorder.
  rules.blocked_layout->channel_multiple = 64;
  for (const auto& k : lowered(b, rules)) {
    EXPECT_FALSE(k.blocked);
    EXPECT_EQ(k.reorder_bytes, 0);
  }
}

TEST(Lower, AnActivationTheBlockedConvDoesNotApplyMakesItsOutputPlain) {
  // x 1x32x8x8 → Conv 1x1 (32 → 32) → HardSwish → GlobalAveragePool → Conv 1x1 (32 → 32) → y,
  // as a MobileNetV3 block: the runtime's blocked Conv does not apply a HardSwish, so it
  // reorders its output and runs the activation plain; the pool then reads a plain tensor
  // and runs plain, and the second Conv reorders the pool's output in.
  ModelBuilder b;
  b.input("x", {1, 32, 8, 8}).weight("w1", {32, 32, 1, 1}).weight("w2", {32, 32, 1, 1});
  b.node("Conv", {"x", "w1"}, {"a"}, {}, "conv1")
      .node("HardSwish", {"a"}, {"h"}, {}, "hardswish")
      .node("GlobalAveragePool", {"h"}, {"p"}, {}, "pool")
      .node("Conv", {"p", "w2"}, {"y"}, {}, "conv2")
      .output("y");
  LoweringRules rules = all_rules();
  rules.in_kernel_activations = std::set<std::string>{"Relu"};
  rules.blocked_layout = BlockedLayout{.channel_multiple = 4, .group_channel_multiple = 16,
                                       .direct_input_below = 16, .keep_ops = {{"GlobalAveragePool", 1}}};
  const std::int64_t tensor_bytes = 4 * 32 * 8 * 8;
  const std::int64_t pooled_bytes = 4 * 32;
  // Without the rule, the activation is taken to run in the blocked kernel: the pool stays blocked.
  const auto fused = lowered(b, rules);
  ASSERT_EQ(fused.size(), 3u);
  EXPECT_EQ(fused[0].ops, "Conv+HardSwish");
  EXPECT_EQ(fused[0].reorder_bytes, 2 * tensor_bytes);  // x in
  EXPECT_TRUE(fused[1].blocked);
  EXPECT_EQ(fused[2].reorder_bytes, 2 * pooled_bytes);  // y out, leaving the graph
  rules.blocked_layout->plain_activations = {"HardSwish"};
  const auto plain = lowered(b, rules);
  ASSERT_EQ(plain.size(), 3u);
  EXPECT_TRUE(plain[0].blocked);
  EXPECT_EQ(plain[0].reorder_bytes, 2 * 2 * tensor_bytes);  // x in, its output out
  EXPECT_EQ(plain[0].reorders, 2);
  EXPECT_FALSE(plain[1].blocked);  // the pool reads a plain tensor
  EXPECT_EQ(plain[1].reorder_bytes, 0);
  EXPECT_TRUE(plain[2].blocked);
  EXPECT_EQ(plain[2].reorder_bytes, 2 * 2 * pooled_bytes);  // p in, y out
  EXPECT_EQ(plain[2].reorders, 2);
}

TEST(Lower, AnActivationRunAsSeveralKernelsMovesItsTensorThatManyTimes) {
  // x 1x32x8x8 → Conv 1x1 → HardSwish → HardSwish → y: the first HardSwish is
  // fused into the Conv as a pass after its loop, the second runs alone. The
  // runtime runs each as HardSigmoid, then Mul: 5 passes over the tensor.
  ModelBuilder b;
  b.input("x", {1, 32, 8, 8}).weight("w", {32, 32, 1, 1});
  b.node("Conv", {"x", "w"}, {"a"}, {}, "conv")
      .node("HardSwish", {"a"}, {"h"}, {}, "fused")
      .node("HardSwish", {"h"}, {"y"}, {}, "alone")
      .output("y");
  LoweringRules rules = all_rules();
  rules.in_kernel_activations = std::set<std::string>{"Relu"};
  const std::int64_t tensor_bytes = 4 * 32 * 8 * 8;
  const auto two = lowered(b, rules);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].epilogue_bytes, 2 * tensor_bytes);
  EXPECT_EQ(two[1].bytes_read + two[1].bytes_written, 2 * tensor_bytes);
  rules.activation_passes = {{"HardSwish", 5}};
  const auto five = lowered(b, rules);
  ASSERT_EQ(five.size(), 2u);
  EXPECT_EQ(five[0].epilogue_bytes, 5 * tensor_bytes);
  EXPECT_EQ(five[1].bytes_read, 3 * tensor_bytes);  // its input twice, the HardSigmoid's output once
  EXPECT_EQ(five[1].bytes_written, 2 * tensor_bytes);
  EXPECT_EQ(five[1].flops, two[1].flops);  // the work is the same
}

TEST(Lower, APadReadOnlyByAPoolBecomesItsPadding) {
  // x 1x8x8x8 → Pad (1 on each side) → AveragePool 3x3 → y.
  ModelBuilder b;
  b.input("x", {1, 8, 8, 8}).int64s("pads", {0, 0, 1, 1, 0, 0, 1, 1});
  b.node("Pad", {"x", "pads"}, {"p"}, {}, "pad")
      .node("AveragePool", {"p"}, {"y"}, {{"kernel_shape", Ints{3, 3}}}, "pool")
      .output("y");
  LoweringRules rules;
  rules.drop_views = true;
  const auto apart = lowered(b, rules);
  ASSERT_EQ(apart.size(), 2u);
  EXPECT_EQ(apart[0].ops, "Pad");
  rules.fuse.insert(FusionRule::kPadIntoConsumer);
  const auto fused = lowered(b, rules);
  ASSERT_EQ(fused.size(), 1u);
  EXPECT_EQ(fused[0].ops, "AveragePool");
  EXPECT_EQ(fused[0].kernel_class, KernelClass::kPool);
  // A Pad that is also a graph output stays a kernel: someone reads the padded tensor.
  ModelBuilder kept;
  kept.input("x", {1, 8, 8, 8}).int64s("pads", {0, 0, 1, 1, 0, 0, 1, 1});
  kept.node("Pad", {"x", "pads"}, {"p"}, {}, "pad").output("p");
  EXPECT_EQ(lowered(kept, rules).size(), 1u);
}

TEST(Lower, SiluAndErfGeluAreOneKernelEachButAGateIsNot) {
  // x → Sigmoid → Mul(x, ·) (SiLU); g → Sigmoid → Mul(y, ·) (a squeeze-excitation gate: not x·sigmoid(x));
  // y → Div → Erf → Add → Mul(y, ·) → Mul (GELU).
  ModelBuilder b;
  b.input("x", {1, 8, 4, 4}).input("g", {1, 8, 1, 1});
  b.scalar("sqrt2", 1.4142f).scalar("one", 1.0f).scalar("half", 0.5f);
  b.node("Sigmoid", {"x"}, {"s"}, {}, "silu_sigmoid")
      .node("Mul", {"x", "s"}, {"y"}, {}, "silu_mul")
      .node("Sigmoid", {"g"}, {"gs"}, {}, "gate_sigmoid")
      .node("Mul", {"y", "gs"}, {"z"}, {}, "gate_mul")
      .node("Div", {"z", "sqrt2"}, {"d"}, {}, "gelu_div")
      .node("Erf", {"d"}, {"e"}, {}, "gelu_erf")
      .node("Add", {"e", "one"}, {"a"}, {}, "gelu_add")
      .node("Mul", {"z", "a"}, {"m"}, {}, "gelu_mul")
      .node("Mul", {"m", "half"}, {"out"}, {}, "gelu_half")
      .output("out");
  LoweringRules rules;
  rules.drop_views = true;
  EXPECT_EQ(lowered(b, rules).size(), 9u);
  rules.fuse.insert(FusionRule::kActivationPatterns);
  const auto kernels = lowered(b, rules);
  ASSERT_EQ(kernels.size(), 4u);
  EXPECT_EQ(kernels[0].ops, "Sigmoid+Mul");
  EXPECT_EQ(kernels[1].ops, "Sigmoid");
  EXPECT_EQ(kernels[2].ops, "Mul");
  EXPECT_EQ(kernels[3].ops, "Div+Erf+Add+Mul+Mul");
  EXPECT_EQ(kernels[3].op_flops.size(), 5u);
  // The runtime runs each pattern as one operator; the gate is no pattern.
  EXPECT_EQ(kernels[0].fused_op, "Silu");
  EXPECT_EQ(kernels[1].fused_op, "");
  EXPECT_EQ(kernels[2].fused_op, "");
  EXPECT_EQ(kernels[3].fused_op, "Gelu");
}

/// x 1x2x12x4 → Relu → r, read by three Slices of axis 2 (`ends` of 4, 8, 12 and
/// more: the parts `parts` take), each followed by a Neg so the parts are used.
ModelBuilder three_slices(const std::vector<std::int64_t>& ends, bool another_reader = false) {
  ModelBuilder b;
  b.input("x", {1, 2, 12, 4}).int64s("axis", {2});
  b.node("Relu", {"x"}, {"r"}, {}, "relu");
  std::int64_t start = 0;
  for (std::size_t i = 0; i < ends.size(); ++i) {
    const std::string n = std::to_string(i);
    b.int64s("start" + n, {start}).int64s("end" + n, {ends[i]});
    b.node("Slice", {"r", "start" + n, "end" + n, "axis"}, {"part" + n}, {}, "slice" + n);
    b.node("Neg", {"part" + n}, {"y" + n}, {}, "neg" + n).output("y" + n);
    start = ends[i];
  }
  if (another_reader) {
    b.node("Neg", {"r"}, {"whole"}, {}, "whole").output("whole");
  }
  return b;
}

TEST(Lower, SlicesThatPartitionATensorAreOneSplitWithTheRule) {
  LoweringRules rules = all_rules();
  rules.fuse.insert(FusionRule::kSplitSiblings);
  const graph::Graph graph = graph::load_graph_from_bytes(three_slices({4, 8, 12}).bytes(), "split.onnx");
  const auto kernels = lower(graph, graph::graph_cost(graph), rules);
  // relu, the Split, three Negs.
  ASSERT_EQ(kernels.size(), 5u);
  const Kernel& split = kernels[1];
  EXPECT_TRUE(split.split);
  EXPECT_EQ(split.name, "slice0");
  EXPECT_EQ(split.ops, "Slice+Slice+Slice");
  EXPECT_EQ(split.kernel_class, KernelClass::kDataMovement);
  // It reads the whole of r (and each Slice its starts, ends and axes) and writes
  // every part: no tensor stays inside.
  EXPECT_EQ(split.bytes_read, 4 * 2 * 12 * 4 + 3 * 3 * 8);
  EXPECT_EQ(split.bytes_written, 4 * 2 * 12 * 4);
  EXPECT_EQ(kernel_outputs(graph, split).size(), 3u);
  EXPECT_EQ(kernels[2].name, "neg0");
  // Without the rule, one kernel per Slice.
  EXPECT_EQ(lowered(three_slices({4, 8, 12}), all_rules()).size(), 7u);
  // The runtime runs a Split, and calibration measures one: the kernel's
  // operator, for the fitted per-operator rates, is Split.
  EXPECT_EQ(kernel_sample(graph, split, 1.0).op, "Split");
  EXPECT_EQ(kernel_sample(graph, kernels[0], 1.0).op, "Relu");
}

TEST(Lower, SlicesThatLeaveSomethingOutOrShareTheirInputAreNotASplit) {
  LoweringRules rules = all_rules();
  rules.fuse.insert(FusionRule::kSplitSiblings);
  EXPECT_EQ(lowered(three_slices({4, 8, 10}), rules).size(), 7u);                      // 2 of 12 left out
  EXPECT_EQ(lowered(three_slices({4, 8, 12}, /*another_reader=*/true), rules).size(), 8u);  // r read whole too
}

TEST(Lower, ScalarGathersThatCoverAnAxisAreOneSplit) {
  // qkv 3x2x4 → q, k, v = qkv[0], qkv[1], qkv[2], as Swin's attention exports it.
  ModelBuilder b;
  b.input("x", {3, 2, 4});
  b.node("Relu", {"x"}, {"qkv"}, {}, "relu");
  for (int i = 0; i < 3; ++i) {
    const std::string n = std::to_string(i);
    b.node("Constant", {}, {"index" + n}, {{"value_int", std::int64_t{i}}});  // a scalar index
    b.node("Gather", {"qkv", "index" + n}, {"g" + n}, {{"axis", std::int64_t{0}}}, "gather" + n).output("g" + n);
  }
  LoweringRules rules = all_rules();
  rules.fuse.insert(FusionRule::kSplitSiblings);
  const auto kernels = lowered(b, rules);
  ASSERT_EQ(kernels.size(), 2u);
  EXPECT_EQ(kernels[1].ops, "Gather+Gather+Gather");
  EXPECT_EQ(kernels[1].bytes_written, 4 * 3 * 2 * 4);
  EXPECT_EQ(lowered(b, all_rules()).size(), 4u);
}

TEST(Lower, WithoutRulesEveryLayerIsAKernel) {
  LoweringRules none;
  none.drop_views = true;
  const auto kernels = lowered(conv_bn_relu(), none);
  ASSERT_EQ(kernels.size(), 3u);
  EXPECT_EQ(kernels[1].kernel_class, KernelClass::kElementwise);  // an inference BatchNormalization: multiply-add
  EXPECT_EQ(kernels[2].kernel_class, KernelClass::kElementwise);
}

TEST(Lower, ResidualAddAndItsActivationJoinTheConv) {
  ModelBuilder b;
  b.input("x", {1, 8, 8, 8}).weight("w", {8, 8, 1, 1});
  b.node("Conv", {"x", "w"}, {"c"}, {}, "conv")
      .node("Add", {"c", "x"}, {"s"}, {}, "add")
      .node("Relu", {"s"}, {"y"}, {}, "relu")
      .output("y");
  const auto kernels = lowered(b, all_rules());
  ASSERT_EQ(kernels.size(), 1u);
  EXPECT_EQ(kernels[0].ops, "Conv+Add+Relu");
  // Reads x twice (Conv input, skip), weights once; writes y.
  EXPECT_EQ(kernels[0].bytes_read, 4 * (512 + 64 + 512));
  EXPECT_EQ(kernels[0].bytes_written, 4 * 512);
}

TEST(Lower, NoFusionWhenTheOutputHasAnotherReader) {
  // c feeds both the Relu and the graph's second output: it must be written.
  ModelBuilder b;
  b.input("x", {1, 8, 8, 8}).weight("w", {8, 8, 1, 1});
  b.node("Conv", {"x", "w"}, {"c"}, {}, "conv").node("Relu", {"c"}, {"y"}, {}, "relu");
  b.node("Sigmoid", {"c"}, {"z"}, {}, "sig").output("y").output("z");
  const auto kernels = lowered(b, all_rules());
  ASSERT_EQ(kernels.size(), 3u);
  EXPECT_EQ(kernels[0].ops, "Conv");
}

TEST(Lower, ViewsAreDroppedAndFusionSeesThroughThem) {
  // MatMul → Reshape (view) → … the Add reads the view of the MatMul's output.
  ModelBuilder b;
  b.input("x", {4, 16}).weight("w", {16, 32}).weight("bias", {32}).int64s("shape", {4, 32});
  b.node("MatMul", {"x", "w"}, {"m"}, {}, "matmul")
      .node("Reshape", {"m", "shape"}, {"v"}, {}, "view")
      .node("Add", {"v", "bias"}, {"a"}, {}, "bias_add")
      .node("Relu", {"a"}, {"y"}, {}, "relu")
      .output("y");
  const auto kernels = lowered(b, all_rules());
  ASSERT_EQ(kernels.size(), 1u);
  EXPECT_EQ(kernels[0].ops, "MatMul+Add+Relu");
  EXPECT_EQ(kernels[0].kernel_class, KernelClass::kGemm);
  EXPECT_EQ(kernels[0].layers, (std::vector<std::size_t>{0, 2, 3}));

  LoweringRules keep_views = all_rules();
  keep_views.drop_views = false;
  const auto with_views = lowered(b, keep_views);
  ASSERT_EQ(with_views.size(), 3u);  // MatMul, Reshape (a copy), Add+Relu chain
  EXPECT_EQ(with_views[1].kernel_class, KernelClass::kDataMovement);
}

TEST(Lower, ElementwiseChainFusesOnlyWithTheRule) {
  ModelBuilder b;
  b.input("x", {1, 64});
  b.node("Sigmoid", {"x"}, {"s"}).node("Mul", {"x", "s"}, {"m"}).node("Tanh", {"m"}, {"y"}).output("y");
  EXPECT_EQ(lowered(b, all_rules()).size(), 1u);
  LoweringRules no_chain = all_rules();
  no_chain.fuse.erase(FusionRule::kElementwiseChain);
  EXPECT_EQ(lowered(b, no_chain).size(), 3u);
}

TEST(Lower, DepthwiseAndGroupedConvClasses) {
  ModelBuilder b;
  b.input("x", {1, 8, 8, 8}).weight("dw", {8, 1, 3, 3}).weight("gw", {8, 4, 1, 1});
  b.node("Conv", {"x", "dw"}, {"d"}, {{"group", std::int64_t{8}}, {"pads", Ints{1, 1, 1, 1}}})
      .node("Conv", {"d", "gw"}, {"y"}, {{"group", std::int64_t{2}}})
      .output("y");
  const auto kernels = lowered(b, all_rules());
  ASSERT_EQ(kernels.size(), 2u);
  EXPECT_EQ(kernels[0].kernel_class, KernelClass::kDepthwiseConv);
  EXPECT_EQ(kernels[1].kernel_class, KernelClass::kGroupedConv);
}

/// ViT's attention as torchvision exports it: q, k, v of [tokens, heads, 64];
/// q transposed to [heads, tokens, 64] and divided by √64, k to [heads, 64,
/// tokens], v to [heads, tokens, 64]; scores = q·k, softmax, context = p·v,
/// merged back to [tokens, heads, 64].
ModelBuilder attention() {
  ModelBuilder b;
  b.input("q", {50, 12, 64}).input("k", {50, 12, 64}).input("v", {50, 12, 64}).scalar("root", 8.0F);
  b.node("Transpose", {"q"}, {"qt"}, {{"perm", Ints{1, 0, 2}}}, "q_heads")
      .node("Div", {"qt", "root"}, {"qs"}, {}, "scale")
      .node("Transpose", {"k"}, {"kt"}, {{"perm", Ints{1, 2, 0}}}, "k_heads")
      .node("MatMul", {"qs", "kt"}, {"scores"}, {}, "qk")
      .node("Softmax", {"scores"}, {"p"}, {{"axis", std::int64_t{-1}}}, "softmax")
      .node("Transpose", {"v"}, {"vt"}, {{"perm", Ints{1, 0, 2}}}, "v_heads")
      .node("MatMul", {"p", "vt"}, {"context"}, {}, "pv")
      .node("Transpose", {"context"}, {"merged"}, {{"perm", Ints{1, 0, 2}}}, "merge")
      .output("merged");
  return b;
}

TEST(Lower, TransposesAndScalesAMatMulReadsThroughAreFoldedIntoItWithTheRule) {
  LoweringRules rules = all_rules();
  rules.fuse.insert(FusionRule::kMatMulOperands);
  const graph::Graph graph = graph::load_graph_from_bytes(attention().bytes(), "attention.onnx");
  const graph::GraphCost cost = graph::graph_cost(graph);
  const auto kernels = lower(graph, cost, rules);
  // q·k with its operands' Transposes and the scale, the softmax, p·v with
  // v's Transpose; the head merge after p·v is a copy of its own.
  ASSERT_EQ(kernels.size(), 4u);
  EXPECT_EQ(kernels[0].name, "qk");
  EXPECT_EQ(kernels[0].ops, "Transpose+Div+Transpose+MatMul");
  EXPECT_EQ(kernels[0].operand_layers.size(), 3u);
  EXPECT_EQ(kernels[0].kernel_class, KernelClass::kGemm);
  EXPECT_EQ(kernels[0].flops, cost.layers[3].flops);  // the MatMul's: the scale is its alpha
  EXPECT_EQ(kernels[0].bytes_read, cost.layers[3].bytes_read);
  EXPECT_EQ(kernels[2].ops, "Transpose+MatMul");
  EXPECT_EQ(kernels[3].ops, "Transpose");
  EXPECT_TRUE(kernels[3].operand_layers.empty());
  // Without the rule, each is a kernel.
  EXPECT_EQ(lowered(attention(), all_rules()).size(), 8u);
}

TEST(Lower, ATransposeStaysACopyWhereTheRuntimeKeepsIt) {
  LoweringRules rules = all_rules();
  rules.fuse.insert(FusionRule::kMatMulOperands);
  // Before a MatMul of stored weights (the runtime makes a Gemm of it).
  ModelBuilder weights;
  weights.input("x", {50, 1, 768}).weight("w", {768, 768});
  weights.node("Transpose", {"x"}, {"t"}, {{"perm", Ints{1, 0, 2}}}, "t").node("MatMul", {"t", "w"}, {"y"}).output("y");
  EXPECT_EQ(lowered(weights, rules).size(), 2u);
  // A permutation FusedMatMul cannot read (a 4-D head split).
  ModelBuilder perm;
  perm.input("a", {1, 50, 12, 64}).input("b", {1, 12, 64, 50});
  perm.node("Transpose", {"a"}, {"t"}, {{"perm", Ints{0, 2, 1, 3}}}, "t")
      .node("MatMul", {"t", "b"}, {"y"})
      .output("y");
  EXPECT_EQ(lowered(perm, rules).size(), 2u);
  // Read by something else too.
  ModelBuilder shared;
  shared.input("a", {12, 50, 64}).input("b", {12, 50, 64});
  shared.node("Transpose", {"b"}, {"t"}, {{"perm", Ints{0, 2, 1}}}, "t")
      .node("MatMul", {"a", "t"}, {"y"})
      .node("Relu", {"t"}, {"r"})
      .output("y")
      .output("r");
  EXPECT_EQ(lowered(shared, rules).size(), 3u);
  // A Div by a tensor, not a constant scalar.
  ModelBuilder divided;
  divided.input("a", {12, 50, 64}).input("d", {12, 50, 64}).input("b", {12, 64, 50});
  divided.node("Div", {"a", "d"}, {"s"}).node("MatMul", {"s", "b"}, {"y"}).output("y");
  EXPECT_EQ(lowered(divided, rules).size(), 2u);
}

TEST(Lower, AGlobalPoolIsAReductionAndAWindowPoolAPool) {
  // A global pool has no window: a mean (or max) over H × W, as ReduceMean.
  ModelBuilder b;
  b.input("x", {1, 8, 8, 8});
  b.node("MaxPool", {"x"}, {"m"}, {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}})
      .node("AveragePool", {"x"}, {"a"}, {{"kernel_shape", Ints{2, 2}}})
      .node("GlobalAveragePool", {"x"}, {"g"})
      .node("GlobalMaxPool", {"x"}, {"h"})
      .output("m")
      .output("a")
      .output("g")
      .output("h");
  const auto kernels = lowered(b, all_rules());
  ASSERT_EQ(kernels.size(), 4u);
  EXPECT_EQ(kernels[0].kernel_class, KernelClass::kPool);
  EXPECT_EQ(kernels[1].kernel_class, KernelClass::kPool);
  EXPECT_EQ(kernels[2].kernel_class, KernelClass::kNormalization);
  EXPECT_EQ(kernels[3].kernel_class, KernelClass::kNormalization);
}

}  // namespace
}  // namespace roofcast::roofline
