#include "roofcast/measure/ort_trace.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "roofcast/common/error.hpp"
#include "roofcast/common/hash.hpp"

namespace roofcast::measure {
namespace {

constexpr std::string_view kKernelSuffix = "_kernel_time";

struct Span {
  double begin_us = 0.0;
  double end_us = 0.0;
};

}  // namespace

OrtTrace parse_ort_trace(const std::string& json_text, const std::string& source, std::size_t warmup_runs) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& error) {
    throw RunnerError(source + ": not an ONNX Runtime profile trace (" + std::string(error.what()) + ")");
  }
  if (!document.is_array()) {
    throw RunnerError(source + ": not an ONNX Runtime profile trace (expected a JSON array of events)");
  }
  std::vector<Span> runs;
  struct Raw {
    TraceKernelEvent event;
    double ts_us = 0.0;
  };
  std::vector<Raw> kernels;
  for (const auto& item : document) {
    if (!item.is_object() || !item.contains("name") || !item.contains("dur") || !item.contains("ts")) {
      continue;
    }
    const std::string name = item.at("name").get<std::string>();
    const std::string category = item.value("cat", "");
    const double ts = item.at("ts").get<double>();
    const double dur = item.at("dur").get<double>();
    if (category == "Session" && name == "model_run") {
      runs.push_back({ts, ts + dur});
    } else if (category == "Node" && name.size() > kKernelSuffix.size() && name.ends_with(kKernelSuffix)) {
      Raw raw;
      raw.event.node_name = name.substr(0, name.size() - kKernelSuffix.size());
      const auto args = item.value("args", nlohmann::json::object());
      raw.event.op_name = args.value("op_name", "");
      raw.event.provider = args.value("provider", "");
      raw.event.duration_s = dur * 1e-6;
      raw.ts_us = ts;
      kernels.push_back(std::move(raw));
    }
  }
  std::sort(runs.begin(), runs.end(), [](const Span& a, const Span& b) { return a.begin_us < b.begin_us; });
  OrtTrace trace;
  for (std::size_t r = warmup_runs; r < runs.size(); ++r) {
    trace.run_durations_s.push_back((runs[r].end_us - runs[r].begin_us) * 1e-6);
  }
  for (auto& raw : kernels) {
    // The run whose span holds the event; events outside every run are dropped.
    const auto it = std::upper_bound(runs.begin(), runs.end(), raw.ts_us,
                                     [](double ts, const Span& span) { return ts < span.begin_us; });
    if (it == runs.begin()) {
      continue;
    }
    const auto index = static_cast<std::size_t>(std::distance(runs.begin(), it) - 1);
    if (raw.ts_us > runs[index].end_us || index < warmup_runs) {
      continue;
    }
    raw.event.run = index - warmup_runs;
    trace.events.push_back(std::move(raw.event));
  }
  return trace;
}

OrtTrace load_ort_trace(const std::filesystem::path& path, std::size_t warmup_runs) {
  std::string text;
  try {
    text = read_file_bytes(path);
  } catch (const IoError& error) {
    throw RunnerError(error.what());
  }
  return parse_ort_trace(text, path.string(), warmup_runs);
}

}  // namespace roofcast::measure
