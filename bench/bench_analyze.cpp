// Speed of the analysis pipeline in-process: load (parse + shape inference +
// graph build) and cost, on the bundled zoo. Run: build/release/bench/bench_analyze
#include <benchmark/benchmark.h>

#include <string>

#include "roofcast/common/hash.hpp"
#include "roofcast/graph/cost.hpp"
#include "roofcast/graph/load.hpp"

namespace {

const std::string kModels = std::string(ROOFCAST_SOURCE_DIR) + "/models/";

void BM_LoadGraph(benchmark::State& state, const std::string& name) {
  const std::string bytes = roofcast::read_file_bytes(kModels + name + ".onnx");
  for (auto _ : state) {
    auto graph = roofcast::graph::load_graph_from_bytes(bytes, name);
    benchmark::DoNotOptimize(graph.layers.data());
  }
}

void BM_GraphCost(benchmark::State& state, const std::string& name) {
  const auto graph = roofcast::graph::load_graph(kModels + name + ".onnx");
  for (auto _ : state) {
    auto cost = roofcast::graph::graph_cost(graph);
    benchmark::DoNotOptimize(cost.totals.flops);
  }
  state.counters["layers"] = static_cast<double>(graph.layers.size());
}

}  // namespace

BENCHMARK_CAPTURE(BM_LoadGraph, resnet50, std::string("resnet50"))->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_LoadGraph, vit_b_16, std::string("vit_b_16"))->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_GraphCost, resnet50, std::string("resnet50"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_GraphCost, vit_b_16, std::string("vit_b_16"))->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
