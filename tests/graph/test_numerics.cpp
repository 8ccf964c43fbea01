// Softmax masks whose exp() is a subnormal float: found from the graph, reported, not predicted.
#include <gtest/gtest.h>

#include <string>

#include "model_builder.hpp"
#include "roofcast/graph/load.hpp"
#include "roofcast/graph/numerics.hpp"

namespace roofcast::graph {
namespace {

using roofcast::testing::ModelBuilder;
using Ints = std::vector<std::int64_t>;

/// Attention scores plus a mask as PyTorch exports masked_fill(m != 0, fill).masked_fill(m == 0, 0.0),
/// reshaped on the way as Swin's shifted windows do, then a Softmax.
std::string masked_attention(float fill, const std::string& softmax_op = "Softmax", bool mask_the_scores = true) {
  ModelBuilder b;
  b.input("scores", {4, 49, 49}).input("regions", {4, 49, 49});
  b.int64s("shape", {1, 4, 49, 49});
  b.node("Constant", {}, {"fill"}, {{"value_float", static_cast<double>(fill)}}, "fill_value");
  b.scalar("zero", 0.0F);
  b.node("Equal", {"regions", "zero"}, {"same"}, {}, "same_region");
  b.node("Not", {"same"}, {"other"}, {}, "other_region");
  b.node("Where", {"other", "fill", "regions"}, {"filled"}, {}, "fill_other");
  b.node("Where", {"same", "zero", "filled"}, {"mask"}, {}, "zero_same");
  b.node("Reshape", {"mask", "shape"}, {"mask4"}, {}, "mask_view");
  b.node("Reshape", {"scores", "shape"}, {"scores4"}, {}, "scores_view");
  if (mask_the_scores) {
    b.node("Add", {"scores4", "mask4"}, {"masked"}, {}, "add_mask");
  } else {
    b.node("Mul", {"scores4", "mask4"}, {"masked"}, {}, "mul_mask");
  }
  b.node(softmax_op, {"masked"}, {"probabilities"}, {{"axis", std::int64_t{-1}}}, "attn_softmax");
  b.output("probabilities");
  return b.bytes();
}

TEST(Numerics, FindsASoftmaxMaskedWithASubnormalExp) {
  const Graph graph = load_graph_from_bytes(masked_attention(-100.0F), "swin.onnx");
  const auto masks = subnormal_softmax_masks(graph);
  ASSERT_EQ(masks.size(), 1u);
  EXPECT_EQ(masks[0].softmax, "attn_softmax");
  EXPECT_EQ(masks[0].mask, "zero_same");  // the Where the Add reads; its -100 comes through the inner Where
  EXPECT_DOUBLE_EQ(masks[0].fill, -100.0);
  // Far below the subnormal range exp() still passes through it (measured 8x at -1000), and LogSoftmax too.
  EXPECT_EQ(subnormal_softmax_masks(load_graph_from_bytes(masked_attention(-1000.0F), "m.onnx")).size(), 1u);
  EXPECT_EQ(subnormal_softmax_masks(load_graph_from_bytes(masked_attention(-100.0F, "LogSoftmax"), "m.onnx")).size(),
            1u);
}

TEST(Numerics, AMaskWhoseExpStaysNormalOrThatIsNotAddedIsNotReported) {
  // exp(-80) = 1.8e-35 is a normal float: measured as fast as no mask.
  EXPECT_TRUE(subnormal_softmax_masks(load_graph_from_bytes(masked_attention(-80.0F), "m.onnx")).empty());
  EXPECT_TRUE(subnormal_softmax_masks(load_graph_from_bytes(masked_attention(-87.0F), "m.onnx")).empty());
  EXPECT_EQ(subnormal_softmax_masks(load_graph_from_bytes(masked_attention(-88.0F), "m.onnx")).size(), 1u);
  // A mask that scales the scores instead of adding to them.
  EXPECT_TRUE(
      subnormal_softmax_masks(load_graph_from_bytes(masked_attention(-100.0F, "Softmax", false), "m.onnx")).empty());
}

TEST(Numerics, ScalarValuesAreKeptForFloatConstantsAndInitializersWithData) {
  const Graph graph = load_graph_from_bytes(masked_attention(-100.0F), "m.onnx");
  int scalars = 0;
  for (const Tensor& tensor : graph.tensors) {
    if (tensor.name == "fill") {
      ASSERT_TRUE(tensor.scalar_value.has_value());
      EXPECT_DOUBLE_EQ(*tensor.scalar_value, -100.0);
      ++scalars;
    } else if (tensor.name == "zero") {
      ASSERT_TRUE(tensor.scalar_value.has_value());
      EXPECT_DOUBLE_EQ(*tensor.scalar_value, 0.0);
      ++scalars;
    } else {
      EXPECT_FALSE(tensor.scalar_value.has_value()) << tensor.name;  // inputs, int64 shapes, intermediates
    }
  }
  EXPECT_EQ(scalars, 2);
}

TEST(Numerics, OnlySwinsShiftedWindowsAmongTheModelsAreReported) {
  const std::string models = ROOFCAST_SOURCE_DIR "/models";
  const Graph swin = load_graph(models + "/heldout/swin_t.onnx");
  const auto masks = subnormal_softmax_masks(swin);
  // The shifted blocks of the first three stages; the last stage's 7 x 7 windows cover its map: no shift, no mask.
  ASSERT_EQ(masks.size(), 5u);
  EXPECT_EQ(masks[0].softmax, "/features/features.1/features.1.1/attn/Softmax");
  EXPECT_EQ(masks[4].softmax, "/features/features.5/features.5.5/attn/Softmax");
  EXPECT_DOUBLE_EQ(masks[0].fill, -100.0);
  for (const char* name : {"/vit_b_16.onnx", "/heldout/vit_b_32.onnx", "/mobilenet_v2.onnx"}) {
    EXPECT_TRUE(subnormal_softmax_masks(load_graph(models + name)).empty()) << name;
  }
}

}  // namespace
}  // namespace roofcast::graph
