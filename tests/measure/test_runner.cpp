// The ONNX Runtime runner end to end on tiny models: hello, timed runs, a
// profiled run mapped back to layers, and every way it can fail. Skipped, with
// a message, only where node is not installed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "roofcast/common/error.hpp"
#include "roofcast/common/hash.hpp"
#include "roofcast/graph/load.hpp"
#include "roofcast/measure/measurement.hpp"
#include "roofcast/measure/micro_models.hpp"
#include "roofcast/measure/runner.hpp"

namespace roofcast::measure {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

bool node_installed() { return std::system("command -v node > /dev/null 2>&1") == 0; }

#define REQUIRE_NODE()                                                                        \
  if (!node_installed()) {                                                                    \
    GTEST_SKIP() << "node is not installed: the ONNX Runtime runner cannot be tested here"; \
  }

fs::path work_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("roofcast_runner_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

MeasurementPolicy quick_policy() {
  MeasurementPolicy policy;
  policy.warmup_runs = 2;
  policy.min_runs = 5;
  policy.min_time_s = 0.05;
  policy.max_time_s = 5.0;
  policy.max_spread = 10.0;  // tiny models on a shared machine: the test is about the path, not the noise
  policy.max_other_cpu_share = 1.0;
  return policy;
}

/// Quick measurement options, traces in `dir`.
MeasureOptions quick_options(const fs::path& dir) {
  MeasureOptions options;
  options.policy = quick_policy();
  options.work_dir = dir;
  return options;
}

fs::path write_micro(const fs::path& dir, const std::string& spec) {
  const MicroModel model = parse_micro_model(spec);
  const fs::path path = dir / (micro_model_name(model) + ".onnx");
  write_file_atomically(path, micro_model_bytes(model));
  return path;
}

TEST(OnnxRuntimeRunner, SaysHelloAndTimesATinyModel) {
  REQUIRE_NODE();
  auto runner = start_onnxruntime_runner();
  EXPECT_EQ(runner->info().name, "onnxruntime");
  EXPECT_EQ(runner->info().version, "1.22.0");
  EXPECT_EQ(runner->info().execution_provider, "cpu");
  const fs::path dir = work_dir("hello");
  const fs::path model = write_micro(dir, "elementwise:op=Add,shape=1x8x4x4");
  RunRequest request{.model = model,
                     .inputs = {{"x", "float32", {1, 8, 4, 4}}, {"x2", "float32", {1, 8, 4, 4}}},
                     .session = {},
                     .policy = quick_policy(),
                     .profile = false,
                     .profile_prefix = {},
                     .optimized_model_path = {}};
  const RunResult result = runner->run(request);
  EXPECT_GE(result.samples_s.size(), 5u);
  for (const double s : result.samples_s) {
    EXPECT_GT(s, 0.0);
    EXPECT_LT(s, 0.1);
  }
}

TEST(OnnxRuntimeRunner, MeasuresAConvPerKernelAndMapsEveryKernel) {
  REQUIRE_NODE();
  auto runner = start_onnxruntime_runner();
  const fs::path dir = work_dir("measure");
  const fs::path model = write_micro(dir, "conv:c=16,h=14,w=14,k=32,kernel=3,residual=0,act=Relu");
  const graph::Graph graph = graph::load_graph(model);
  const ModelMeasurement m = measure_model(*runner, graph, model, quick_options(dir));
  EXPECT_EQ(m.state, MeasurementState::kOk);
  EXPECT_GE(m.network.count, 5u);
  ASSERT_TRUE(m.profiled.has_value());
  ASSERT_FALSE(m.kernels.empty());
  bool conv_found = false;
  for (const auto& kernel : m.kernels) {
    EXPECT_NE(kernel.mapping, "unmapped") << kernel.node_name;
    EXPECT_FALSE(kernel.layers.empty()) << kernel.node_name;
    for (const auto layer : kernel.layers) {
      conv_found = conv_found || graph.layers[layer].op_type == "Conv";
    }
  }
  EXPECT_TRUE(conv_found);
  const std::string json = measurement_json(m, graph, current_context("test"));
  EXPECT_THAT(json, HasSubstr("\"kind\": \"roofcast.measurement\""));
  EXPECT_THAT(json, HasSubstr("\"version\": \"1.22.0\""));
}

TEST(OnnxRuntimeRunner, ACacheFlushRunsBeforeTheKernelAndIsMappedToItsOwnLayers) {
  REQUIRE_NODE();
  auto runner = start_onnxruntime_runner();
  const fs::path dir = work_dir("flush");
  const MicroModel spec = parse_micro_model("concat:c=8,h=8,w=8,inputs=2");
  const fs::path model = dir / "flushed_concat.onnx";
  write_file_atomically(model, micro_model_bytes(spec, 0, 1 << 20));
  const graph::Graph graph = graph::load_graph(model);
  // The flush input is filled with ones, not drawn at random.
  bool filled = false;
  for (const auto& input : input_specs(graph)) {
    if (input.name == kCacheFlushInput) {
      filled = input.fill == 1.0;
    } else {
      EXPECT_FALSE(input.fill.has_value()) << input.name;
    }
  }
  EXPECT_TRUE(filled);
  const KernelProfile profile = profile_kernels(*runner, graph, model, quick_options(dir));
  std::vector<std::string> order;
  for (const auto& kernel : profile.kernels) {
    ASSERT_EQ(kernel.layers.size(), 1u) << kernel.node_name;
    order.push_back(graph.layers[kernel.layers[0]].name);
  }
  // The flush's ReduceMax, a Div per input, the Concat, then its output's
  // consumer (Reshape, Slice), each its own kernel.
  ASSERT_EQ(order.size(), 6u);
  EXPECT_EQ(order.front(), "/flush/ReduceMax");
  EXPECT_EQ(order[3].rfind(kMicroNodePrefix, 0), 0u) << order[3];
  EXPECT_EQ(order[4].rfind("/sink/", 0), 0u) << order[4];
  EXPECT_EQ(order[5].rfind("/sink/", 0), 0u) << order[5];
}

TEST(OnnxRuntimeRunner, AFlushedGeluMicroModelRunsAsOneGeluKernel) {
  // The runtime fuses the exported GELU pattern into one Gelu kernel in a
  // network; the micro-model, cache flush included, must let it do so too.
  REQUIRE_NODE();
  auto runner = start_onnxruntime_runner();
  const fs::path dir = work_dir("gelu");
  const fs::path model = dir / "flushed_gelu.onnx";
  write_file_atomically(model, micro_model_bytes(parse_micro_model("elementwise:op=Gelu,shape=1x8x4x4"), 0, 1 << 20));
  const graph::Graph graph = graph::load_graph(model);
  const KernelProfile profile = profile_kernels(*runner, graph, model, quick_options(dir));
  std::vector<std::string> own;
  for (const auto& kernel : profile.kernels) {
    for (const auto layer : kernel.layers) {
      if (graph.layers[layer].name.rfind(kMicroNodePrefix, 0) == 0) {
        own.push_back(kernel.op_name);
        break;
      }
    }
  }
  EXPECT_EQ(own, std::vector<std::string>{"Gelu"});
}

TEST(OnnxRuntimeRunner, ARejectedModelNamesItselfAndTheRunnerLivesOn) {
  REQUIRE_NODE();
  auto runner = start_onnxruntime_runner();
  const fs::path dir = work_dir("reject");
  const fs::path bad = dir / "not_a_model.onnx";
  std::ofstream(bad) << "this is not protobuf";
  RunRequest request{.model = bad, .inputs = {}, .session = {}, .policy = quick_policy(), .profile = false,
                     .profile_prefix = {}, .optimized_model_path = {}};
  try {
    (void)runner->run(request);
    FAIL() << "expected a RunnerError";
  } catch (const RunnerError& error) {
    EXPECT_THAT(error.what(), HasSubstr("not_a_model.onnx"));
    EXPECT_THAT(error.what(), HasSubstr("ONNX Runtime"));
  }
  // Wrong input shape: the runtime's message is passed on.
  request.model = write_micro(dir, "elementwise:op=Relu,shape=1x4");
  request.inputs = {{"x", "float32", {1, 5}}};
  EXPECT_THROW((void)runner->run(request), RunnerError);
  request.inputs = {{"x", "float32", {1, 4}}};
  EXPECT_GE(runner->run(request).samples_s.size(), 5u);
}

TEST(OnnxRuntimeRunner, AHangIsStoppedAfterTheTimeout) {
  REQUIRE_NODE();
  // A runner that answers hello, then hangs on every run.
  const fs::path dir = work_dir("hang");
  std::ofstream(dir / "runner.js")
      << "const rl = require('readline').createInterface({ input: process.stdin });\n"
         "rl.on('line', (line) => { const r = JSON.parse(line);\n"
         "  if (r.op === 'hello') console.log(JSON.stringify({ id: r.id, ok: true, version: 'hang' })); });\n";
  fs::create_directories(dir / "node_modules" / "onnxruntime-node");
  OnnxRuntimeRunnerOptions options;
  options.runner_dir = dir;
  options.request_slack_s = 0.5;  // a request may take its policy's max_time_s + 0.5 s
  auto runner = start_onnxruntime_runner(options);
  MeasurementPolicy policy = quick_policy();
  policy.max_time_s = 0.5;
  RunRequest request{.model = dir / "any.onnx", .inputs = {}, .session = {}, .policy = policy, .profile = false,
                     .profile_prefix = {}, .optimized_model_path = {}};
  try {
    (void)runner->run(request);
    FAIL() << "expected a timeout";
  } catch (const RunnerError& error) {
    EXPECT_THAT(error.what(), HasSubstr("did not answer within 1 s and was stopped"));
  }
  try {
    (void)runner->run(request);  // it is gone now, and says so
    FAIL() << "expected a RunnerError";
  } catch (const RunnerError& error) {
    EXPECT_THAT(error.what(), HasSubstr("no longer running"));
  }
}

TEST(OnnxRuntimeRunner, MissingPackageGivesTheInstallCommand) {
  const fs::path dir = work_dir("missing");
  std::ofstream(dir / "runner.js") << "// empty\n";
  OnnxRuntimeRunnerOptions options;
  options.runner_dir = dir;
  try {
    (void)start_onnxruntime_runner(options);
    FAIL() << "expected a RunnerError";
  } catch (const RunnerError& error) {
    EXPECT_THAT(error.what(), HasSubstr("npm ci --ignore-scripts"));
  }
}

TEST(OnnxRuntimeRunner, ACrashAtStartIsAClearError) {
  const fs::path dir = work_dir("crash");
  std::ofstream(dir / "runner.js") << "process.exit(3);\n";
  fs::create_directories(dir / "node_modules" / "onnxruntime-node");
  OnnxRuntimeRunnerOptions options;
  options.runner_dir = dir;
  options.node = node_installed() ? "node" : "false";
  try {
    (void)start_onnxruntime_runner(options);
    FAIL() << "expected a RunnerError";
  } catch (const RunnerError& error) {
    EXPECT_THAT(error.what(), HasSubstr("exited with code"));
  }
  options.node = "/no/such/node-binary";
  try {
    (void)start_onnxruntime_runner(options);
    FAIL() << "expected a RunnerError";
  } catch (const RunnerError& error) {
    EXPECT_THAT(error.what(), HasSubstr("cannot run '/no/such/node-binary'"));
    EXPECT_THAT(error.what(), HasSubstr("npm ci --ignore-scripts"));
  }
}

}  // namespace
}  // namespace roofcast::measure
