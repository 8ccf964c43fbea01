// ONNX Runtime profiler traces (fixtures recorded with onnxruntime-node 1.22.0,
// one run each) and the mapping of runtime kernels back to layers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <numeric>

#include "model_builder.hpp"
#include "roofcast/common/error.hpp"
#include "roofcast/graph/load.hpp"
#include "roofcast/measure/measurement.hpp"
#include "roofcast/measure/ort_trace.hpp"

namespace roofcast::measure {
namespace {

using ::testing::HasSubstr;
using roofcast::testing::ModelBuilder;

const std::string kFixtures = std::string(ROOFCAST_SOURCE_DIR) + "/tests/fixtures/ort_traces/";

TEST(OrtTrace, KernelEventsFallInTheirRun) {
  const OrtTrace trace = load_ort_trace(kFixtures + "mobilenet_v2_1run.json", 0);
  ASSERT_EQ(trace.run_durations_s.size(), 1u);
  EXPECT_EQ(trace.events.size(), 56u);  // mobilenet_v2's kernels under level "all"
  double sum = 0.0;
  for (const auto& event : trace.events) {
    EXPECT_EQ(event.run, 0u);
    EXPECT_EQ(event.provider, "CPUExecutionProvider");
    sum += event.duration_s;
  }
  // Kernel time is most of the run; the rest is the executor's own work.
  EXPECT_GT(sum / trace.run_durations_s[0], 0.9);
  EXPECT_LE(sum / trace.run_durations_s[0], 1.0);
  EXPECT_EQ(trace.events.front().node_name, "/features/features.0/features.0.2/Clip_output_0_nchwc");
  EXPECT_EQ(trace.events.front().op_name, "Conv");
}

TEST(OrtTrace, WarmupRunsAreDropped) {
  const OrtTrace trace = load_ort_trace(kFixtures + "resnet50_1run.json", 1);
  EXPECT_TRUE(trace.run_durations_s.empty());
  EXPECT_TRUE(trace.events.empty());
}

TEST(OrtTrace, TransformerFusionsAppear) {
  const OrtTrace trace = load_ort_trace(kFixtures + "vit_b_16_1run.json", 0);
  std::set<std::string> ops;
  for (const auto& event : trace.events) {
    ops.insert(event.op_name);
  }
  for (const char* op : {"Gemm", "FusedMatMul", "Gelu", "Split", "SkipLayerNormalization", "Softmax"}) {
    EXPECT_EQ(ops.count(op), 1u) << op;
  }
}

TEST(OrtTrace, NotATraceIsAnError) {
  try {
    (void)parse_ort_trace("{\"a\": 1}", "x.json", 0);
    FAIL();
  } catch (const RunnerError& error) {
    EXPECT_THAT(error.what(), HasSubstr("x.json: not an ONNX Runtime profile trace"));
  }
  EXPECT_THROW((void)parse_ort_trace("[{\"name\": ", "y.json", 0), RunnerError);
  EXPECT_THROW((void)load_ort_trace("/no/such/trace.json", 0), RunnerError);
}

/// conv → relu → conv2 → add(·, relu) → relu2 → flatten → fc, as ONNX Runtime
/// lowers it on x86: two NCHWc Convs, a ReorderOutput, Flatten, Gemm.
struct MappingFixture {
  graph::Graph graph;
  std::vector<graph::NodeRecord> optimized;
  std::vector<KernelTiming> kernels;

  MappingFixture() {
    ModelBuilder b;
    b.input("x", {1, 8, 4, 4}).weight("w", {8, 8, 3, 3}).weight("w2", {8, 8, 1, 1}).weight("fcw", {10, 128});
    b.node("Conv", {"x", "w"}, {"c"}, {{"pads", std::vector<std::int64_t>{1, 1, 1, 1}}}, "conv")
        .node("Relu", {"c"}, {"r"}, {}, "relu")
        .node("Conv", {"r", "w2"}, {"c2"}, {}, "conv2")
        .node("Add", {"c2", "r"}, {"s"}, {}, "add")
        .node("Relu", {"s"}, {"y"}, {}, "relu2")
        .node("Flatten", {"y"}, {"f"}, {}, "flatten")
        .node("Gemm", {"f", "fcw"}, {"out"}, {{"transB", std::int64_t{1}}}, "fc")
        .output("out");
    graph = graph::load_graph_from_bytes(b.bytes(), "mapping.onnx");
    // As ONNX Runtime saves it: NCHWc nodes named "<tensor>_nchwc" write renamed tensors.
    optimized = {{"r_nchwc", "Conv", "com.microsoft.nchwc", {"x", "reorder"}, {"reorder_token_0"}},
                 {"y_nchwc", "Conv", "com.microsoft.nchwc",
                  {"reorder_token_0", "reorder_token_1", "", "reorder_token_0"}, {"reorder_token_2"}},
                 {"ReorderOutput", "ReorderOutput", "com.microsoft.nchwc", {"reorder_token_2"}, {"y"}},
                 {"flatten", "Flatten", "", {"y"}, {"f"}},
                 {"fc", "Gemm", "", {"f", "fcw"}, {"out"}}};
    for (const auto& node : optimized) {
      KernelTiming k;
      k.node_name = node.name;
      k.op_name = node.op_type;
      kernels.push_back(k);
    }
  }

  std::vector<std::string> layer_names(std::size_t kernel) const {
    std::vector<std::string> names;
    for (const auto index : kernels[kernel].layers) {
      names.push_back(graph.layers[index].name);
    }
    return names;
  }
};

TEST(KernelMapping, FusedNchwcConvsReordersAndPlainNodes) {
  MappingFixture f;
  map_kernels_to_layers(f.graph, f.optimized, f.kernels);
  EXPECT_EQ(f.layer_names(0), (std::vector<std::string>{"conv", "relu"}));
  EXPECT_EQ(f.kernels[0].mapping, "tensors");
  EXPECT_EQ(f.layer_names(1), (std::vector<std::string>{"conv2", "add", "relu2"}));
  EXPECT_EQ(f.layer_names(2), f.layer_names(1));  // the reorder drains conv2's kernel
  EXPECT_EQ(f.kernels[2].mapping, "inserted:producer");
  EXPECT_EQ(f.layer_names(3), (std::vector<std::string>{"flatten"}));
  EXPECT_EQ(f.layer_names(4), (std::vector<std::string>{"fc"}));
}

TEST(KernelMapping, WithoutTheOptimizedGraphNamesStillMap) {
  MappingFixture f;
  map_kernels_to_layers(f.graph, {}, f.kernels);
  EXPECT_EQ(f.layer_names(0), (std::vector<std::string>{"conv", "relu"}));  // "<tensor>_nchwc"
  EXPECT_EQ(f.layer_names(1), (std::vector<std::string>{"conv2", "add", "relu2"}));
  EXPECT_EQ(f.kernels[2].mapping, "inserted:producer");  // the previous kernel in execution order
  EXPECT_EQ(f.layer_names(4), (std::vector<std::string>{"fc"}));
}

TEST(KernelMapping, UnnamedNodesOfAnInlinedFunctionPairByOp) {
  // HardSwish is an ONNX function: ONNX Runtime inlines it into an unnamed
  // HardSigmoid and Mul, saved without names and profiled as "<op>_<index>".
  ModelBuilder b;
  b.input("x", {1, 8});
  b.node("HardSwish", {"x"}, {"h"}, {}, "hswish").node("Relu", {"h"}, {"y"}, {}, "relu").output("y");
  const graph::Graph graph = graph::load_graph_from_bytes(b.bytes(), "hardswish.onnx");
  const std::vector<graph::NodeRecord> optimized = {{"", "HardSigmoid", "", {"x"}, {"_inlfunc_HS_X"}, {}},
                                                    {"", "Mul", "", {"x", "_inlfunc_HS_X"}, {"h"}, {}},
                                                    {"relu", "Relu", "", {"h"}, {"y"}, {}}};
  std::vector<KernelTiming> kernels(3);
  kernels[0].node_name = "HardSigmoid_3";
  kernels[0].op_name = "HardSigmoid";
  kernels[1].node_name = "Mul_4";
  kernels[1].op_name = "Mul";
  kernels[2].node_name = "relu";
  kernels[2].op_name = "Relu";
  map_kernels_to_layers(graph, optimized, kernels);
  EXPECT_EQ(kernels[1].mapping, "tensors");  // the Mul writes h: the HardSwish layer
  EXPECT_EQ(kernels[1].layers, (std::vector<std::size_t>{0}));
  EXPECT_EQ(kernels[0].mapping, "inserted:consumer");  // feeds the Mul's kernel
  EXPECT_EQ(kernels[0].layers, (std::vector<std::size_t>{0}));
  EXPECT_EQ(kernels[2].layers, (std::vector<std::size_t>{1}));
}

TEST(KernelMapping, ATransposeMovedDownBelongsToTheKernelItCameFrom) {
  // ConvNeXt's block end: Transpose (NHWC → NCHW) → layer-scale Mul → residual
  // Add. ONNX Runtime's transpose optimizer runs the Mul first, in NHWC, and
  // inserts the Transpose after it, before the Add.
  ModelBuilder b;
  b.input("x", {1, 2, 3, 4}).input("skip", {1, 4, 2, 3}).weight("gamma", {4, 1, 1});
  b.node("Transpose", {"x"}, {"t"}, {{"perm", std::vector<std::int64_t>{0, 3, 1, 2}}}, "transpose")
      .node("Mul", {"t", "gamma"}, {"m"}, {}, "mul")
      .node("Add", {"m", "skip"}, {"y"}, {}, "add")
      .output("y");
  const graph::Graph graph = graph::load_graph_from_bytes(b.bytes(), "moved.onnx");
  const std::vector<graph::NodeRecord> optimized = {
      {"mul", "Mul", "", {"x", "gamma_token_1"}, {"mul_token_0"}, {}},
      {"Transpose_token_2", "Transpose", "", {"mul_token_0"}, {"m"}, {}},
      {"add", "Add", "", {"m", "skip"}, {"y"}, {}}};
  std::vector<KernelTiming> kernels(3);
  for (std::size_t i = 0; i < 3; ++i) {
    kernels[i].node_name = optimized[i].name;
    kernels[i].op_name = optimized[i].op_type;
  }
  map_kernels_to_layers(graph, optimized, kernels);
  EXPECT_EQ(kernels[0].layers, (std::vector<std::size_t>{0, 1}));  // the Mul ran the Transpose's layer too
  EXPECT_EQ(kernels[1].mapping, "inserted:producer");               // that Transpose, moved
  EXPECT_EQ(kernels[1].layers, (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(kernels[2].layers, (std::vector<std::size_t>{2}));
}

TEST(KernelMapping, AnUnknownKernelStaysUnmapped) {
  MappingFixture f;
  KernelTiming stray;
  stray.node_name = "MysteryNode";
  stray.op_name = "Mystery";
  f.kernels.insert(f.kernels.begin(), stray);
  map_kernels_to_layers(f.graph, f.optimized, f.kernels);
  EXPECT_EQ(f.kernels[0].mapping, "unmapped");
  EXPECT_TRUE(f.kernels[0].layers.empty());
}

}  // namespace
}  // namespace roofcast::measure
