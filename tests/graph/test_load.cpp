// Loading: static shapes, symbolic dimensions, and one clear error per kind of bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "model_builder.hpp"
#include "roofcast/common/error.hpp"
#include "roofcast/graph/load.hpp"

namespace roofcast::graph {
namespace {

using roofcast::testing::ModelBuilder;
using ::testing::AllOf;
using ::testing::HasSubstr;
using Ints = std::vector<std::int64_t>;

ModelBuilder small_conv(std::vector<roofcast::testing::Dim> input_shape = {1, 3, 8, 8}) {
  ModelBuilder b;
  b.input("input", input_shape).weight("w", {4, 3, 3, 3});
  b.node("Conv", {"input", "w"}, {"c"}, {{"pads", Ints{1, 1, 1, 1}}}, "conv1");
  b.node("Relu", {"c"}, {"y"}).output("y");
  return b;
}

/// The message of the error `load` throws, checking its type.
template <typename ErrorType = ModelError>
std::string error_of(const std::string& bytes, const LoadOptions& options = {}) {
  try {
    load_graph_from_bytes(bytes, "model.onnx", options);
  } catch (const ErrorType& error) {
    return error.what();
  }
  ADD_FAILURE() << "no error thrown";
  return {};
}

std::filesystem::path temp_file(const std::string& name, const std::string& bytes) {
  const auto path = std::filesystem::temp_directory_path() / ("roofcast_test_" + name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(Load, BuildsStaticShapesInExecutionOrder) {
  const Graph graph = load_graph_from_bytes(small_conv().bytes(), "model.onnx");
  ASSERT_EQ(graph.layers.size(), 2u);
  EXPECT_EQ(graph.layers[0].name, "conv1");
  EXPECT_EQ(graph.layers[1].name, "Relu_1");  // generated when the file has none
  EXPECT_EQ(graph.tensor(graph.layers[0].outputs[0]).shape, (Ints{1, 4, 8, 8}));
  EXPECT_EQ(graph.tensor(graph.outputs[0]).shape_text(), "1x4x8x8");
  EXPECT_EQ(graph.default_opset(), 17);
  // The operator versions the nodes resolve to under opset 17: Conv-11, Relu-14.
  EXPECT_EQ(graph.layers[0].since_version, 11);
  EXPECT_EQ(graph.layers[1].since_version, 14);
  const auto& conv = std::get<ConvAttributes>(graph.layers[0].attributes);
  EXPECT_EQ(conv.pads, (Ints{1, 1, 1, 1}));
  EXPECT_EQ(conv.group, 1);
  const Tensor& w = graph.tensor(graph.layers[0].inputs[1]);
  EXPECT_EQ(w.kind, TensorKind::kInitializer);
  EXPECT_FALSE(w.has_data);  // graph-only weights load fine
}

TEST(Load, SortsNodesListedOutOfOrder) {
  ModelBuilder b;
  b.input("x", {4});
  b.node("Relu", {"h"}, {"y"}, {}, "second").node("Neg", {"x"}, {"h"}, {}, "first").output("y");
  const Graph graph = load_graph_from_bytes(b.bytes(), "model.onnx");
  EXPECT_EQ(graph.layers[0].name, "first");
  EXPECT_EQ(graph.layers[1].name, "second");
}

TEST(Load, DataPropagationResolvesComputedReshapes) {
  ModelBuilder b;
  b.input("x", {2, 3, 4}).int64s("zero", {0}).int64s("minus_one", {-1});
  b.node("Shape", {"x"}, {"s"});
  b.node("Gather", {"s", "zero"}, {"n"}, {{"axis", std::int64_t{0}}});
  b.node("Concat", {"n", "minus_one"}, {"target"}, {{"axis", std::int64_t{0}}});
  b.node("Reshape", {"x", "target"}, {"y"}).output("y");
  const Graph graph = load_graph_from_bytes(b.bytes(), "model.onnx");
  EXPECT_EQ(graph.tensor(graph.outputs[0]).shape, (Ints{2, 12}));
}

TEST(Load, FoldsShapeComputationsTheOnnxLibraryCannotPropagate) {
  // end = Shape(x)[1] / 2 (Div has no data propagation in onnx 1.12), then Slice.
  ModelBuilder b;
  b.input("x", {1, 8, 4}).int64s("one", {1}).int64s("two", {2}).int64s("zero", {0});
  b.int64s("axis", {1});
  b.node("Shape", {"x"}, {"s"}).node("Gather", {"s", "one"}, {"c"});
  b.node("Div", {"c", "two"}, {"half"});
  b.node("Slice", {"x", "zero", "half", "axis"}, {"y"}, {}, "slice").output("y");
  const Graph graph = load_graph_from_bytes(b.bytes(), "model.onnx");
  EXPECT_EQ(graph.tensor(graph.outputs[0]).shape, (Ints{1, 4, 4}));
  EXPECT_EQ(graph.folded_layers, 3);
  ASSERT_EQ(graph.layers.size(), 1u);
  EXPECT_EQ(graph.layers[0].name, "slice");
}

TEST(Load, FoldsPyTorchsComputedPadding) {
  // F.pad to whole windows of 7, as Swin exports it: the pad sizes from Mod,
  // the torch pad list (last dimension first) turned into ONNX's pads by
  // Reshape [-1, 2] -> Slice reversing the rows -> Transpose -> Reshape [-1].
  // x is 1x5x6x3 (N, H, W, C): pad_bottom = (0 - 5) mod 7 = 2 (the divisor's
  // sign, as Python's %), pad_right = (7 - 6 mod 7) mod 7 = 1.
  ModelBuilder b;
  b.input("x", {1, 5, 6, 3}).int64s("one", {1}).int64s("two", {2}).int64s("zero", {0});
  b.int64s("seven", {7}).int64s("zeros2", {0, 0}).int64s("pairs", {-1, 2}).int64s("flat", {-1});
  b.int64s("last", {-1}).int64s("before_first", {-9223372036854775807}).int64s("back", {-1});
  b.node("Shape", {"x"}, {"s"});
  b.node("Gather", {"s", "one"}, {"h"}).node("Gather", {"s", "two"}, {"w"});
  b.node("Sub", {"zero", "h"}, {"minus_h"}).node("Mod", {"minus_h", "seven"}, {"pad_bottom"});
  b.node("Mod", {"w", "seven"}, {"w_mod"}).node("Sub", {"seven", "w_mod"}, {"w_short"});
  b.node("Mod", {"w_short", "seven"}, {"pad_right"});
  // torch order: C (0, 0), W (0, right), H (0, bottom), N (0, 0)
  b.node("Concat", {"zeros2", "zero", "pad_right", "zero", "pad_bottom", "zeros2"}, {"torch_pads"},
         {{"axis", std::int64_t{0}}});
  b.node("Reshape", {"torch_pads", "pairs"}, {"rows"});
  b.node("Slice", {"rows", "last", "before_first", "zero", "back"}, {"reversed"});
  b.node("Transpose", {"reversed"}, {"columns"}, {{"perm", Ints{1, 0}}});
  b.node("Reshape", {"columns", "flat"}, {"onnx_pads"});
  b.node("Pad", {"x", "onnx_pads"}, {"y"}, {}, "pad").output("y");
  const Graph graph = load_graph_from_bytes(b.bytes(), "model.onnx");
  EXPECT_EQ(graph.tensor(graph.outputs[0]).shape, (Ints{1, 7, 7, 3}));
  ASSERT_EQ(graph.layers.size(), 1u);
  EXPECT_EQ(graph.layers[0].name, "pad");
}

TEST(Load, MissingExternalDataIsNotAnError) {
  ModelBuilder b;
  b.input("x", {1, 16}).external_weight("w", {16, 8}, "weights_that_are_not_here.bin");
  b.node("MatMul", {"x", "w"}, {"y"}).output("y");
  const Graph graph = load_graph_from_bytes(b.bytes(), "model.onnx");
  EXPECT_EQ(graph.tensor(graph.outputs[0]).shape, (Ints{1, 8}));
}

TEST(Load, SymbolicDimensionWithoutValueNamesTheDimensionAndTheFlag) {
  const std::string message = error_of(small_conv({"batch", 3, 8, 8}).bytes());
  EXPECT_THAT(message, AllOf(HasSubstr("model.onnx"), HasSubstr("'batch'"),
                             HasSubstr("--dim batch=VALUE"),
                             HasSubstr("--input-shape input=1x3x8x8")));
}

TEST(Load, DimFlagResolvesSymbolicDimension) {
  LoadOptions options;
  options.dims["batch"] = 4;
  const Graph graph = load_graph_from_bytes(small_conv({"batch", 3, 8, 8}).bytes(), "m", options);
  EXPECT_EQ(graph.tensor(graph.outputs[0]).shape, (Ints{4, 4, 8, 8}));
}

TEST(Load, InputShapeFlagReplacesTheShape) {
  LoadOptions options;
  options.input_shapes["input"] = {2, 3, 16, 16};
  const Graph graph = load_graph_from_bytes(small_conv({"n", 3, "h", "w"}).bytes(), "m", options);
  EXPECT_EQ(graph.tensor(graph.outputs[0]).shape, (Ints{2, 4, 16, 16}));
}

TEST(Load, UnknownFlagTargetsAreUsageErrors) {
  LoadOptions dims;
  dims.dims["sequence"] = 1;
  EXPECT_THAT(error_of<UsageError>(small_conv({"batch", 3, 8, 8}).bytes(), dims),
              AllOf(HasSubstr("--dim sequence"), HasSubstr("batch")));
  LoadOptions shapes;
  shapes.input_shapes["images"] = {1, 3, 8, 8};
  EXPECT_THAT(error_of<UsageError>(small_conv().bytes(), shapes),
              AllOf(HasSubstr("--input-shape images"), HasSubstr("input")));
  LoadOptions rank;
  rank.input_shapes["input"] = {1, 3, 8};
  EXPECT_THAT(error_of<UsageError>(small_conv().bytes(), rank), HasSubstr("rank 3"));
}

TEST(Load, ShapelessInputAsksForInputShape) {
  ModelBuilder b;
  b.shapeless_input("x");
  b.node("Relu", {"x"}, {"y"}).output("y");
  EXPECT_THAT(error_of(b.bytes()), HasSubstr("--input-shape x="));
}

TEST(LoadErrors, MissingFile) {
  try {
    load_graph("/nonexistent/dir/model.onnx");
    FAIL() << "no error";
  } catch (const ModelError& error) {
    EXPECT_THAT(error.what(), AllOf(HasSubstr("/nonexistent/dir/model.onnx"), HasSubstr("no such file")));
  }
}

TEST(LoadErrors, DirectoryInsteadOfFile) {
  try {
    load_graph(std::filesystem::temp_directory_path());
    FAIL() << "no error";
  } catch (const ModelError& error) {
    EXPECT_THAT(error.what(), HasSubstr("is a directory"));
  }
}

TEST(LoadErrors, FileThatIsNotOnnx) {
  const auto path = temp_file("not_onnx.onnx", "this is a text file, not a model\n");
  try {
    load_graph(path);
    FAIL() << "no error";
  } catch (const ModelError& error) {
    EXPECT_THAT(error.what(), AllOf(HasSubstr(path.string()), HasSubstr("ONNX model")));
  }
}

TEST(LoadErrors, EmptyFile) {
  EXPECT_THAT(error_of(""), HasSubstr("empty file"));
}

TEST(LoadErrors, TruncatedModel) {
  const std::string bytes = small_conv().bytes();
  for (const std::size_t keep : {bytes.size() / 2, bytes.size() - 3}) {
    EXPECT_THAT(error_of(bytes.substr(0, keep)), HasSubstr("model.onnx")) << keep;
  }
}

TEST(LoadErrors, OpsetNewerThanTheOnnxLibrary) {
  ModelBuilder b(99);
  b.input("x", {4});
  b.node("Relu", {"x"}, {"y"}).output("y");
  EXPECT_THAT(error_of(b.bytes()), AllOf(HasSubstr("opset 99"), HasSubstr("newer"),
                                         HasSubstr("re-export")));
}

TEST(LoadErrors, CycleNamesANodeInIt) {
  ModelBuilder b;
  b.input("x", {4});
  b.node("Add", {"x", "b"}, {"a"}, {}, "loop_a").node("Relu", {"a"}, {"b"}, {}, "loop_b");
  b.output("b");
  EXPECT_THAT(error_of(b.bytes()), AllOf(HasSubstr("cycle"), HasSubstr("loop_")));
}

TEST(LoadErrors, TensorThatNothingProduces) {
  ModelBuilder b;
  b.input("x", {4});
  b.node("Add", {"x", "ghost"}, {"y"}, {}, "adder").output("y");
  EXPECT_THAT(error_of(b.bytes()), AllOf(HasSubstr("adder"), HasSubstr("'ghost'")));
}

TEST(LoadErrors, TwoProducersOfOneTensor) {
  ModelBuilder b;
  b.input("x", {4});
  b.node("Relu", {"x"}, {"y"}).node("Neg", {"x"}, {"y"}, {}, "dup").output("y");
  EXPECT_THAT(error_of(b.bytes()), AllOf(HasSubstr("dup"), HasSubstr("another producer")));
}

TEST(LoadErrors, NegativeInputDimension) {
  EXPECT_THAT(error_of(small_conv({1, 3, -8, 8}).bytes()),
              AllOf(HasSubstr("'input'"), HasSubstr("negative")));
}

TEST(LoadErrors, NegativeInitializerDimension) {
  ModelBuilder b;
  b.input("x", {1, 4}).weight("w", {4, -2});
  b.node("MatMul", {"x", "w"}, {"y"}).output("y");
  EXPECT_THAT(error_of(b.bytes()), AllOf(HasSubstr("'w'"), HasSubstr("negative")));
}

TEST(LoadErrors, OverflowingDimensions) {
  ModelBuilder b;
  b.input("x", {std::int64_t{1} << 40, std::int64_t{1} << 40});
  b.node("Relu", {"x"}, {"y"}).output("y");
  EXPECT_THAT(error_of(b.bytes()), AllOf(HasSubstr("'x'"), HasSubstr("overflows")));
}

TEST(LoadErrors, ShapeInferenceFailureNamesTheNode) {
  ModelBuilder b;
  b.input("a", {2, 3}).input("c", {4});
  b.node("Add", {"a", "c"}, {"y"}, {}, "bad_add").output("y");
  EXPECT_THAT(error_of(b.bytes()), AllOf(HasSubstr("shape inference failed"), HasSubstr("bad_add")));
}

TEST(LoadErrors, CrashInsideOnnxShapeInferenceBecomesAnError) {
  // Found by fuzz_load: a rank-2 input to a 2-D Conv with pads makes onnx
  // 1.12's convPoolShapeInference dereference null.
  ModelBuilder b;
  b.input("x", {1, 3}).weight("w", {4, 3, 3, 3});
  b.node("Conv", {"x", "w"}, {"y"}, {{"pads", Ints{1, 1, 1, 1}}}).output("y");
  EXPECT_THAT(error_of(b.bytes()), AllOf(HasSubstr("model.onnx"), HasSubstr("shape inference")));
}

TEST(LoadErrors, WrongAttributeTypeIsCaughtBySchema) {
  ModelBuilder b;
  b.input("x", {1, 3, 8, 8}).weight("w", {4, 3, 3, 3});
  b.node("Conv", {"x", "w"}, {"y"}, {{"group", 1.0}}, "float_group").output("y");
  EXPECT_THAT(error_of(b.bytes()), AllOf(HasSubstr("float_group"), HasSubstr("group")));
}

TEST(LoadErrors, OperatorNotInTheOpset) {
  ModelBuilder b(12);  // LayerNormalization arrived in opset 17
  b.input("x", {2, 4}).weight("g", {4});
  b.node("LayerNormalization", {"x", "g"}, {"y"}, {}, "ln").output("y");
  EXPECT_THAT(error_of(b.bytes()), AllOf(HasSubstr("ln"), HasSubstr("opset 12")));
}

TEST(LoadErrors, CustomOpWithoutShapeInference) {
  ModelBuilder b;
  b.opset_import("com.example", 1);
  b.input("x", {4});
  b.node("Mystery", {"x"}, {"y"}, {}, "mystery_node", "com.example").output("y");
  EXPECT_THAT(error_of(b.bytes()),
              AllOf(HasSubstr("mystery_node"), HasSubstr("com.example:Mystery")));
}

TEST(ParseShape, AcceptsXAndCommaAndRejectsJunk) {
  EXPECT_EQ(parse_shape("1x3x224x224", "--input-shape"), (Ints{1, 3, 224, 224}));
  EXPECT_EQ(parse_shape("1,3", "--input-shape"), (Ints{1, 3}));
  EXPECT_THROW(parse_shape("1x-3", "--input-shape"), UsageError);
  EXPECT_THROW(parse_shape("1xx3", "--input-shape"), UsageError);
  EXPECT_THROW(parse_shape("", "--input-shape"), UsageError);
  EXPECT_THROW(parse_shape("1x3x", "--input-shape"), UsageError);
}

}  // namespace
}  // namespace roofcast::graph
