// A network's kernels as micro-models: the spec each gets, and that the
// micro-model it writes lowers to a kernel doing the same work.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "model_builder.hpp"
#include "roofcast/fit/calibration.hpp"
#include "roofcast/graph/cost.hpp"
#include "roofcast/graph/load.hpp"
#include "roofcast/measure/micro_models.hpp"
#include "roofcast/roofline/lower.hpp"
#include "roofcast/validate/isolation.hpp"

namespace roofcast::validate {
namespace {

using roofcast::testing::ModelBuilder;
using Ints = std::vector<std::int64_t>;

const std::string kModels = std::string(ROOFCAST_SOURCE_DIR) + "/models";

std::vector<roofline::Kernel> lowered(const graph::Graph& graph) {
  return roofline::lower(graph, graph::graph_cost(graph), fit::runtime_lowering_rules());
}

/// The one kernel of the spec's micro-model (behind a flush, as measured).
roofline::Kernel micro_kernel(const std::string& spec) {
  const graph::Graph graph = graph::load_graph_from_bytes(
      measure::micro_model_bytes(measure::parse_micro_model(spec), 0, 1 << 20), "micro.onnx");
  std::vector<roofline::Kernel> own;
  for (auto& kernel : lowered(graph)) {
    if (kernel.name.rfind(measure::kMicroNodePrefix, 0) == 0) {
      own.push_back(std::move(kernel));
    }
  }
  EXPECT_EQ(own.size(), 1u) << spec;
  return own.empty() ? roofline::Kernel{} : own.front();
}

/// Every kernel of a zoo network: those given a spec must do the same
/// multiply-adds (FLOPs for those without) in their micro-model; returns the
/// kernels given one, by operator of their first layer.
std::map<std::string, int> check_network(const std::string& model) {
  const graph::Graph graph = graph::load_graph(model);
  std::map<std::string, int> isolated;
  std::map<std::string, roofline::Kernel> micro_of;  // by spec: a network's blocks repeat theirs
  for (const auto& kernel : lowered(graph)) {
    const IsolatedSpec spec = isolated_spec(graph, kernel);
    EXPECT_NE(spec.spec.empty(), spec.why_not.empty()) << kernel.name;
    if (spec.spec.empty()) {
      continue;
    }
    auto it = micro_of.find(spec.spec);
    if (it == micro_of.end()) {
      it = micro_of.emplace(spec.spec, micro_kernel(spec.spec)).first;
    }
    const roofline::Kernel& micro = it->second;
    if (kernel.macs > 0) {
      EXPECT_EQ(micro.macs, kernel.macs) << kernel.name << ": " << spec.spec;
    } else {
      EXPECT_EQ(micro.flops, kernel.flops) << kernel.name << ": " << spec.spec;
    }
    EXPECT_EQ(micro.kernel_class, kernel.kernel_class) << kernel.name << ": " << spec.spec;
    ++isolated[graph.layers[kernel.layers.front()].op_type];
  }
  return isolated;
}

TEST(Isolation, MobileNetV2sKernelsBecomeMicroModelsDoingTheSameWork) {
  const auto isolated = check_network(kModels + "/mobilenet_v2.onnx");
  EXPECT_EQ(isolated.at("Conv"), 52);  // every convolution
  EXPECT_EQ(isolated.at("Gemm"), 1);   // the classifier
}

TEST(Isolation, ViTsProductsNormsAndCopiesBecomeMicroModels) {
  const auto isolated = check_network(kModels + "/vit_b_16.onnx");
  EXPECT_EQ(isolated.at("Conv"), 1);  // the patch embedding
  // Per block: the query/key/value projection, the two attention products and
  // the two MLP layers are MatMuls, the output projection a Gemm; the head a Gemm.
  EXPECT_EQ(isolated.at("MatMul"), 12 * 5);
  EXPECT_EQ(isolated.at("Gemm"), 12 + 1);
  EXPECT_GE(isolated.at("Softmax"), 12);
  EXPECT_GE(isolated.at("Transpose"), 12);
}

TEST(Isolation, UnpaddedAndCeilModePoolsBecomeMicroModels) {
  // Inception V3's first MaxPool is unpadded, GoogLeNet's round their output up.
  const auto spec_of = [](const std::string& model, const std::string& layer) {
    const graph::Graph graph = graph::load_graph(kModels + model);
    for (const auto& kernel : lowered(graph)) {
      if (kernel.name == layer) {
        return isolated_spec(graph, kernel).spec;
      }
    }
    return std::string("no kernel ") + layer;
  };
  EXPECT_EQ(spec_of("/inception_v3.onnx", "/maxpool1/MaxPool"),
            "pool:op=MaxPool,c=64,h=147,w=147,kernel=3,stride=2,pad=0");
  EXPECT_EQ(spec_of("/googlenet.onnx", "/maxpool1/MaxPool"),
            "pool:op=MaxPool,c=64,h=112,w=112,kernel=3,stride=2,pad=0,ceil=1");
  // Each does its network's work in its micro-model.
  for (const auto& model : {std::string("/googlenet.onnx"), std::string("/inception_v3.onnx")}) {
    EXPECT_GE(check_network(kModels + model).at("MaxPool"), 3) << model;
  }
}

TEST(Isolation, SpecsNameTheLayersShapesAndFusedOperators) {
  const graph::Graph graph = graph::load_graph(kModels + "/mobilenet_v2.onnx");
  std::map<std::string, std::string> by_name;
  for (const auto& kernel : lowered(graph)) {
    by_name[kernel.name] = isolated_spec(graph, kernel).spec;
  }
  EXPECT_EQ(by_name.at("/features/features.0/features.0.0/Conv"),
            "conv:c=3,h=224,w=224,k=32,kernel=3,stride=2,group=1,bn=0,residual=0,act=Clip");
  EXPECT_EQ(by_name.at("/features/features.2/conv/conv.1/conv.1.0/Conv"),
            "conv:c=96,h=112,w=112,k=96,kernel=3,stride=2,depthwise=1,bn=0,residual=0,act=Clip");
  EXPECT_EQ(by_name.at("/features/features.3/conv/conv.2/Conv"),
            "conv:c=144,h=56,w=56,k=24,kernel=1,stride=1,group=1,bn=0,residual=1,act=");
  EXPECT_EQ(by_name.at("/classifier/classifier.1/Gemm"), "gemm:m=1,k=1280,n=1000,bias=1");
}

TEST(Isolation, SaysWhyAKernelHasNoMicroModel) {
  ModelBuilder b;
  b.input("x", {1, 8, 16, 16}).weight("w", {8, 8, 3, 3}).weight("v", {8, 8, 1, 3});
  b.node("Conv", {"x", "w"}, {"d"}, {{"dilations", Ints{2, 2}}, {"pads", Ints{2, 2, 2, 2}}}, "dilated")
      .node("Conv", {"d", "v"}, {"e"}, {{"pads", Ints{0, 1, 0, 1}}}, "oblong")
      .node("Concat", {"d", "e"}, {"y"}, {{"axis", std::int64_t{1}}}, "concat")
      .output("y");
  const graph::Graph graph = graph::load_graph_from_bytes(b.bytes(), "odd.onnx");
  std::map<std::string, IsolatedSpec> by_name;
  for (const auto& kernel : lowered(graph)) {
    by_name[kernel.name] = isolated_spec(graph, kernel);
  }
  EXPECT_THAT(by_name.at("dilated").why_not, ::testing::HasSubstr("dilations 2x2"));
  EXPECT_THAT(by_name.at("oblong").why_not, ::testing::HasSubstr("1x3 kernel"));
  EXPECT_THAT(by_name.at("concat").why_not, ::testing::HasSubstr("Concat"));
  for (const auto& [name, spec] : by_name) {
    EXPECT_TRUE(spec.spec.empty()) << name;
  }
}

TEST(Isolation, ErrorSplitsIntoTheKernelsOwnAndTheNetworks) {
  const IsolatedKernel k{.name = "k",
                         .kernel_class = "conv",
                         .ops = "Conv",
                         .spec = "conv:c=8",
                         .why_not = {},
                         .network_s = 100e-6,
                         .predicted_s = 90e-6,
                         .alone_s = 95e-6};
  EXPECT_TRUE(k.isolated());
  EXPECT_NEAR(k.model_s(), -5e-6, 1e-12);    // predicted 5 µs under the kernel alone
  EXPECT_NEAR(k.context_s(), -5e-6, 1e-12);  // the network made it 5 µs slower
  EXPECT_NEAR(k.model_s() + k.context_s(), k.predicted_s - k.network_s, 1e-12);
}

}  // namespace
}  // namespace roofcast::validate
