// Speed of prediction from an already-loaded graph: what ranking many
// candidate networks costs. Run: build/release/bench/bench_predict
#include <benchmark/benchmark.h>

#include <string>

#include "roofcast/graph/cost.hpp"
#include "roofcast/graph/load.hpp"
#include "roofcast/roofline/predict.hpp"
#include "roofcast/roofline/profile.hpp"

namespace {

const std::string kSource = std::string(ROOFCAST_SOURCE_DIR);

roofcast::roofline::DeviceProfile profile() {
  return roofcast::roofline::load_profile(kSource + "/hwprofiles/jetson-orin-nano.json");
}

/// Lowering and the roofline estimate, from a graph and its cost.
void BM_Predict(benchmark::State& state, const std::string& name) {
  const auto graph = roofcast::graph::load_graph(kSource + "/models/" + name + ".onnx");
  const auto cost = roofcast::graph::graph_cost(graph);
  const auto device = profile();
  for (auto _ : state) {
    auto prediction = roofcast::roofline::predict(graph, cost, device);
    benchmark::DoNotOptimize(prediction.network.latency_s);
  }
  state.SetItemsProcessed(state.iterations());  // networks per second
}

/// Cost counting, lowering and the estimate: a candidate network's whole
/// price once its graph is built.
void BM_CostAndPredict(benchmark::State& state, const std::string& name) {
  const auto graph = roofcast::graph::load_graph(kSource + "/models/" + name + ".onnx");
  const auto device = profile();
  for (auto _ : state) {
    const auto cost = roofcast::graph::graph_cost(graph);
    auto prediction = roofcast::roofline::predict(graph, cost, device);
    benchmark::DoNotOptimize(prediction.network.latency_s);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["layers"] = static_cast<double>(graph.layers.size());
}

}  // namespace

BENCHMARK_CAPTURE(BM_Predict, resnet50, std::string("resnet50"))->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Predict, mobilenet_v2, std::string("mobilenet_v2"))->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Predict, vit_b_16, std::string("vit_b_16"))->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_CostAndPredict, resnet50, std::string("resnet50"))->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_CostAndPredict, vit_b_16, std::string("vit_b_16"))->Unit(benchmark::kMicrosecond)->UseRealTime();

BENCHMARK_MAIN();
