// Micro-models: each spec loads through roofcast's own loader, lowers to one
// kernel of its class, carries its weights, and bad specs are UsageErrors.
#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "roofcast/common/error.hpp"
#include "roofcast/fit/calibration.hpp"
#include "roofcast/graph/cost.hpp"
#include "roofcast/graph/load.hpp"
#include "roofcast/measure/micro_models.hpp"
#include "roofcast/roofline/lower.hpp"
#include "roofcast/roofline/predict.hpp"

namespace roofcast::measure {
namespace {

using ::testing::HasSubstr;
using roofline::KernelClass;

struct Case {
  const char* spec;
  KernelClass kernel_class;
  const char* ops;
};

void PrintTo(const Case& c, std::ostream* out) { *out << c.spec; }

class MicroModelCase : public ::testing::TestWithParam<Case> {};

/// The graph's kernels, split by their nodes' prefix: the kernel's own
/// ("/micro/"), the flush's ("/flush/") and its outputs' consumers ("/sink/").
struct SplitKernels {
  std::vector<roofline::Kernel> own;
  std::size_t flush = 0;
  std::size_t sink = 0;
};

SplitKernels split_kernels_of(const graph::Graph& graph, const std::vector<std::string>& others) {
  SplitKernels split;
  for (auto& kernel : roofline::lower(graph, graph::graph_cost(graph), fit::runtime_lowering_rules())) {
    const bool other = std::any_of(others.begin(), others.end(),
                                   [&](const std::string& prefix) { return kernel.name.rfind(prefix, 0) == 0; });
    if (kernel.name.rfind(kMicroNodePrefix, 0) == 0) {
      split.own.push_back(std::move(kernel));
    } else if (kernel.name.rfind("/flush/", 0) == 0) {
      ++split.flush;
    } else if (!other) {
      EXPECT_EQ(kernel.name.rfind("/sink/", 0), 0u) << kernel.name;
      ++split.sink;
    }
  }
  return split;
}

SplitKernels split_kernels(const graph::Graph& graph) { return split_kernels_of(graph, {}); }

/// The kernel writes intermediates only: each of its outputs is read by a
/// sink, and no graph output is larger than one element.
void expect_outputs_consumed(const graph::Graph& graph, const roofline::Kernel& kernel) {
  for (const auto id : graph.outputs) {
    EXPECT_EQ(graph.tensor(id).name.find("_sink"), graph.tensor(id).name.size() - 5) << graph.tensor(id).name;
    EXPECT_EQ(graph.tensor(id).shape, std::vector<std::int64_t>{1}) << graph.tensor(id).name;
  }
  for (const auto layer : kernel.layers) {
    for (const auto id : graph.layers[layer].outputs) {
      EXPECT_EQ(std::find(graph.outputs.begin(), graph.outputs.end(), id), graph.outputs.end())
          << graph.tensor(id).name;
    }
  }
}

/// The case's kernel, alone of its own, of its class and ops, its outputs consumed.
void expect_the_case_kernel(const graph::Graph& graph, const SplitKernels& split, const Case& c) {
  ASSERT_EQ(split.own.size(), 1u);
  EXPECT_EQ(split.own[0].kernel_class, c.kernel_class);
  EXPECT_EQ(split.own[0].ops, c.ops);
  EXPECT_GE(split.sink, 1u);
  expect_outputs_consumed(graph, split.own[0]);
}

TEST_P(MicroModelCase, LowersToOneKernelAndItsOutputsConsumer) {
  const MicroModel spec = parse_micro_model(GetParam().spec);
  const std::string bytes = micro_model_bytes(spec, 7);
  const graph::Graph graph = graph::load_graph_from_bytes(bytes, micro_model_name(spec));
  const auto split = split_kernels(graph);
  ASSERT_NO_FATAL_FAILURE(expect_the_case_kernel(graph, split, GetParam()));
  EXPECT_EQ(split.flush, 0u);
  EXPECT_THAT(bytes, HasSubstr("roofcast.random_weights_seed"));
  // Deterministic: the same spec and seed give the same bytes.
  EXPECT_EQ(bytes, micro_model_bytes(spec, 7));
}

TEST_P(MicroModelCase, WithACacheFlushTheKernelIsStillOneKernelOfItsOwn) {
  const MicroModel spec = parse_micro_model(GetParam().spec);
  const std::string bytes = micro_model_bytes(spec, 7, 1 << 20);
  const graph::Graph graph = graph::load_graph_from_bytes(bytes, micro_model_name(spec));
  // The flush input: 1 MiB of float32.
  bool flush_input = false;
  for (const auto id : graph.inputs) {
    const auto& tensor = graph.tensor(id);
    if (tensor.name == kCacheFlushInput) {
      flush_input = true;
      EXPECT_EQ(tensor.shape, std::vector<std::int64_t>{262144});
    }
  }
  EXPECT_TRUE(flush_input);
  const auto split = split_kernels(graph);
  ASSERT_NO_FATAL_FAILURE(expect_the_case_kernel(graph, split, GetParam()));
  // The ReduceMax and one Div per input of the kernel, none fused into it.
  EXPECT_GE(split.flush, 2u);
  // The kernel reads what the flush's Divs wrote, not the graph inputs.
  for (const auto layer : split.own[0].layers) {
    for (const auto id : graph.layers[layer].inputs) {
      const bool graph_input =
          std::find(graph.inputs.begin(), graph.inputs.end(), id) != graph.inputs.end();
      EXPECT_FALSE(graph_input) << graph.tensor(id).name;
    }
  }
  EXPECT_EQ(bytes, micro_model_bytes(spec, 7, 1 << 20));
  EXPECT_NE(bytes, micro_model_bytes(spec, 7));
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, MicroModelCase,
    ::testing::Values(
        Case{"conv:c=16,h=14,w=14,k=32,kernel=3", KernelClass::kConv, "Conv+BatchNormalization+Relu"},
        Case{"conv:c=16,h=14,w=14,k=16,kernel=1,residual=1,act=Relu", KernelClass::kConv,
             "Conv+BatchNormalization+Add+Relu"},
        Case{"conv:c=32,h=14,w=14,depthwise=1,act=Clip,stride=2", KernelClass::kDepthwiseConv,
             "Conv+BatchNormalization+Clip"},
        Case{"conv:c=32,h=14,w=14,k=64,group=4,bn=0,act=", KernelClass::kGroupedConv, "Conv"},
        Case{"gemm:m=1,k=256,n=100", KernelClass::kGemm, "Gemm"},
        Case{"matmul:batch=4,m=16,k=64,n=32,bias=1,act=Relu", KernelClass::kGemm, "MatMul+Add+Relu"},
        Case{"matmul:batch=12,m=197,k=64,n=197,bias=0,weights=0", KernelClass::kGemm, "MatMul"},
        Case{"pool:op=MaxPool,c=8,h=16,w=16,kernel=3,stride=2", KernelClass::kPool, "MaxPool"},
        Case{"pool:op=GlobalAveragePool,c=8,h=7,w=7", KernelClass::kNormalization, "GlobalAveragePool"},
        Case{"elementwise:op=Add,shape=1x8x4x4,other=1x8x1x1", KernelClass::kElementwise, "Add"},
        Case{"elementwise:op=HardSwish,shape=1x8x4x4", KernelClass::kElementwise, "HardSwish"},
        Case{"elementwise:op=Gelu,shape=1x8x4x4", KernelClass::kElementwise, "Div+Erf+Add+Mul+Mul"},
        Case{"elementwise:op=Silu,shape=1x8x4x4", KernelClass::kElementwise, "Sigmoid+Mul"},
        Case{"elementwise:op=BatchNormalization,shape=1x8x4x4", KernelClass::kElementwise, "BatchNormalization"},
        Case{"normalization:op=Softmax,shape=1x4x10x10", KernelClass::kNormalization, "Softmax"},
        Case{"normalization:op=LayerNormalization,shape=1x10x64", KernelClass::kNormalization,
             "LayerNormalization"},
        Case{"concat:c=8,h=4,w=4,inputs=3", KernelClass::kDataMovement, "Concat"},
        Case{"resize:c=8,h=4,w=4,scale=2,mode=linear", KernelClass::kDataMovement, "Resize"},
        Case{"transpose:shape=1x10x4x8,perm=0x2x1x3", KernelClass::kDataMovement, "Transpose"},
        Case{"slice:shape=1x14x14x8,axis=1,start=2", KernelClass::kDataMovement, "Slice"},
        Case{"slice:shape=1x14x14x8,axis=2,start=0,end=7", KernelClass::kDataMovement, "Slice"},
        // The parts of a split are one kernel, as the runtime runs them (one Split).
        Case{"split:shape=1x14x14x8,axis=2,parts=2", KernelClass::kDataMovement, "Slice+Slice"},
        Case{"split:shape=3x2x10x8,axis=0,parts=3,gather=1", KernelClass::kDataMovement, "Gather+Gather+Gather"},
        Case{"pad:shape=1x14x14x8,axis=1,after=0", KernelClass::kDataMovement, "Pad"},
        Case{"pad:shape=1x14x14x8,axis=2,after=3", KernelClass::kDataMovement, "Pad"}));

TEST(MicroModel, SlicesSplitsAndPadsMoveTheBytesTheySay) {
  const auto bytes_of = [](const std::string& text) {
    const MicroModel spec = parse_micro_model(text);
    const graph::Graph graph = graph::load_graph_from_bytes(micro_model_bytes(spec), text);
    const auto split = split_kernels(graph);
    EXPECT_EQ(split.own.size(), 1u) << text;
    return split.own.empty() ? std::int64_t{0} : split.own[0].bytes_written;
  };
  // Float32: 4 bytes an element; each kernel writes its part (or the padded tensor).
  EXPECT_EQ(bytes_of("slice:shape=1x14x14x8,axis=1,start=2"), 4 * 12 * 14 * 8);
  EXPECT_EQ(bytes_of("slice:shape=1x14x14x8,axis=2,start=3,end=5"), 4 * 14 * 2 * 8);
  EXPECT_EQ(bytes_of("split:shape=1x14x14x8,axis=3,parts=4"), 4 * 14 * 14 * 8);
  EXPECT_EQ(bytes_of("split:shape=3x2x10x8,axis=0,parts=3,gather=1"), 4 * 3 * 2 * 10 * 8);
  EXPECT_EQ(bytes_of("pad:shape=1x14x14x8,axis=2,after=2"), 4 * 14 * 16 * 8);
}

TEST(MicroModel, AReuseProbeTimesOneAddAfterItsDelayPairs) {
  const auto layers_named = [](const graph::Graph& graph, const std::string& prefix) {
    return std::count_if(graph.layers.begin(), graph.layers.end(),
                         [&](const graph::Layer& layer) { return layer.name.rfind(prefix, 0) == 0; });
  };
  const graph::Graph delayed =
      graph::load_graph_from_bytes(micro_model_bytes(parse_micro_model("reuse:delay=3,tokens=10,width=16,hidden=8")),
                                   "reuse.onnx");
  const SplitKernels split = split_kernels_of(delayed, {"/delay/"});
  ASSERT_EQ(split.own.size(), 1u);
  EXPECT_EQ(split.own[0].ops, "Add");
  EXPECT_EQ(layers_named(delayed, "/delay/MatMul"), 6);  // three pairs
  EXPECT_EQ(layers_named(delayed, "/delay/Relu"), 1);
  // The Add reads the Relu's output r and the last pair's.
  const auto& add = delayed.layers.at(split.own[0].layers.front());
  EXPECT_EQ(delayed.tensor(add.inputs[0]).name, "r");
  EXPECT_EQ(delayed.tensor(add.inputs[1]).name, "o2");
  const graph::Graph at_once =
      graph::load_graph_from_bytes(micro_model_bytes(parse_micro_model("reuse:delay=0")), "reuse0.onnx");
  EXPECT_EQ(layers_named(at_once, "/delay/MatMul"), 0);
  EXPECT_EQ(micro_model_name(parse_micro_model("reuse:delay=8")), "reuse_t197_w768_h512_d8");
  EXPECT_THAT([] { (void)micro_model_bytes(parse_micro_model("reuse:delay=-1")); },
              ThrowsMessage<UsageError>(HasSubstr("delay=-1 is negative")));
  EXPECT_THAT([] { (void)parse_micro_model("reuse:lag=2"); }, ThrowsMessage<UsageError>(HasSubstr("unknown key 'lag'")));
}

TEST(MicroModel, AFusedActivationIsMeasuredAsTheOperatorTheRuntimeRuns) {
  for (const std::string op : {"Gelu", "Silu"}) {
    const MicroModel spec = parse_micro_model("elementwise:op=" + op + ",shape=1x16x8x8");
    const graph::Graph graph = graph::load_graph_from_bytes(micro_model_bytes(spec, 0, 1 << 20), op);
    const auto split = split_kernels(graph);
    ASSERT_EQ(split.own.size(), 1u) << op;
    EXPECT_EQ(split.own[0].fused_op, op);
    EXPECT_EQ(roofline::kernel_sample(graph, split.own[0], 1.0).op, op);
  }
}

TEST(MicroModel, NamesSayTheDimensions) {
  EXPECT_EQ(micro_model_name(parse_micro_model("conv:c=16,h=14,w=14,k=32")),
            "conv_n1_c16_h14_w14_k32_r3_s1_g1_bn_relu");
  EXPECT_EQ(micro_model_name(parse_micro_model("gemm:m=1,k=256,n=100")), "gemm_b1_m1_k256_n100_bias");
}

TEST(MicroModel, ConvCountsMatchTheClosedForm) {
  const MicroModel spec = parse_micro_model("conv:c=16,h=14,w=14,k=32,kernel=3,stride=1");
  const graph::Graph graph = graph::load_graph_from_bytes(micro_model_bytes(spec), "conv");
  EXPECT_EQ(graph::graph_cost(graph).layers[0].macs, 1 * 32 * 16 * 3 * 3 * 14 * 14);
  // An explicit padding: ViT's patch embedding, 16 × 16 patches, none padded.
  const MicroModel patches = parse_micro_model("conv:c=3,h=224,w=224,k=768,kernel=16,stride=16,pad=0");
  const graph::Graph patched = graph::load_graph_from_bytes(micro_model_bytes(patches), "patches");
  EXPECT_EQ(graph::graph_cost(patched).layers[0].macs, std::int64_t{768} * 3 * 16 * 16 * 14 * 14);
  EXPECT_EQ(micro_model_name(patches), "conv_n1_c3_h224_w224_k768_r16_s16_p0_g1_bn_relu");
}

TEST(MicroModel, PoolsTakeTheirPaddingAndCeilMode) {
  const auto output_side = [](const char* text) {
    const graph::Graph graph = graph::load_graph_from_bytes(micro_model_bytes(parse_micro_model(text)), "pool");
    return graph.tensor(graph.layers[0].outputs[0]).shape.back();
  };
  // 3×3 at stride 2 over 147: padded by 1, 74 outputs; unpadded 73 (Inception's
  // first MaxPool); over 112 unpadded, 55, or 56 rounded up (GoogLeNet's).
  EXPECT_EQ(output_side("pool:op=MaxPool,c=8,h=147,w=147,kernel=3,stride=2"), 74);
  EXPECT_EQ(output_side("pool:op=MaxPool,c=8,h=147,w=147,kernel=3,stride=2,pad=0"), 73);
  EXPECT_EQ(output_side("pool:op=MaxPool,c=8,h=112,w=112,kernel=3,stride=2,pad=0"), 55);
  EXPECT_EQ(output_side("pool:op=MaxPool,c=8,h=112,w=112,kernel=3,stride=2,pad=0,ceil=1"), 56);
  EXPECT_EQ(micro_model_name(parse_micro_model("pool:op=MaxPool,c=8,h=112,w=112,kernel=3,stride=2,pad=0,ceil=1")),
            "maxpool_n1_c8_h112_w112_r3_s2_p0_ceil");
  EXPECT_EQ(micro_model_name(parse_micro_model("pool:op=MaxPool,c=8,h=112,w=112,kernel=3,stride=2")),
            "maxpool_n1_c8_h112_w112_r3_s2");
}

TEST(MicroModel, BadSpecsAreUsageErrors) {
  const auto error_of = [](const char* text) {
    try {
      (void)micro_model_bytes(parse_micro_model(text));
    } catch (const UsageError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(error_of("convolution:c=3"), HasSubstr("kind 'convolution' is not one of"));
  EXPECT_THAT(error_of("conv:c=3,colour=red"), HasSubstr("unknown key 'colour'"));
  EXPECT_THAT(error_of("conv:c=three"), HasSubstr("c=three is not an integer"));
  EXPECT_THAT(error_of("conv:c=6,k=8,group=4"), HasSubstr("group 4 must divide both c and k"));
  EXPECT_THAT(error_of("conv:kernel=3,pad=3"), HasSubstr("pad 3 is not 0 to kernel - 1 (2)"));
  EXPECT_THAT(error_of("pool:op=MaxPool,kernel=2,pad=2"), HasSubstr("pool micro-model: pad 2 is not 0 to kernel - 1 (1)"));
  EXPECT_THAT(error_of("pool:op=MaxPool,ceil=2"), HasSubstr("ceil"));
  EXPECT_THAT(error_of("conv:c=0"), HasSubstr("every dimension must be positive"));
  EXPECT_THAT(error_of("conv:act=Swish"), HasSubstr("activation 'Swish'"));
  EXPECT_THAT(error_of("transpose:shape=2x3,perm=0x0"), HasSubstr("is not a permutation"));
  EXPECT_THAT(error_of("slice:shape=2x3,axis=2"), HasSubstr("axis 2 is not one of the shape's 2 axes"));
  EXPECT_THAT(error_of("slice:shape=2x3,axis=1,start=2,end=2"), HasSubstr("is not a part of axis 1 (extent 3)"));
  EXPECT_THAT(error_of("slice:shape=2x3,axis=1,end=4"), HasSubstr("is not a part of axis 1"));
  EXPECT_THAT(error_of("split:shape=2x3,axis=1,parts=2"), HasSubstr("2 parts do not split axis 1 (extent 3)"));
  EXPECT_THAT(error_of("split:shape=2x4,axis=1,parts=2,gather=1"), HasSubstr("parts=2 must equal the extent of axis 1 (4)"));
  EXPECT_THAT(error_of("split:shape=2x4,axis=1,parts=1"), HasSubstr("1 parts do not split"));
  EXPECT_THAT(error_of("pad:shape=2x4,axis=0,after=-1"), HasSubstr("after=-1 is negative"));
  EXPECT_THAT(error_of("pad:shape=2x0"), HasSubstr("every dimension must be positive"));
  EXPECT_THAT(error_of("pad:shape=2x4,before=1"), HasSubstr("unknown key 'before'"));
  EXPECT_THAT(error_of("elementwise:op=Frobnicate"), HasSubstr("op 'Frobnicate' is not supported"));
  EXPECT_THAT(error_of("elementwise:op=BatchNormalization,shape=64"), HasSubstr("needs a shape with channels"));
  EXPECT_THAT(error_of("gemm:m"), HasSubstr("'m' is not key=value"));
  EXPECT_THROW((void)micro_model_bytes(parse_micro_model("gemm:m=1"), 0, -1), UsageError);
}

}  // namespace
}  // namespace roofcast::measure
