// libFuzzer target: arbitrary bytes through the model loader and the cost pass.
// Any roofcast::Error is an expected rejection; anything else (a crash, a
// sanitizer report, a foreign exception) is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "roofcast/common/error.hpp"
#include "roofcast/graph/cost.hpp"
#include "roofcast/graph/load.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto graph = roofcast::graph::load_graph_from_bytes(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.onnx");
    roofcast::graph::graph_cost(graph);
  } catch (const roofcast::Error&) {
  }
  return 0;
}
