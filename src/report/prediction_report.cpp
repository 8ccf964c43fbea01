#include "roofcast/report/prediction_report.hpp"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <numeric>

#include "roofcast/common/units.hpp"
#include "context_json.hpp"
#include "roofcast/report/csv.hpp"
#include "roofcast/report/text_table.hpp"

namespace roofcast::report {
namespace {

using roofline::Prediction;


std::string ms(double seconds) { return fixed_format(seconds * 1e3, 3); }

std::string optional_fixed(const std::optional<double>& value, int digits) {
  return value ? fixed_format(*value, digits) : "-";
}

nlohmann::json optional_json(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

void write_prediction_table(std::ostream& out, const graph::Graph& graph,
                            const roofline::DeviceProfile& profile, const Prediction& prediction,
                            const PredictionTableOptions& options) {
  out << "model:   " << graph.source << '\n'
      << "device:  " << profile.id << " — " << profile.hardware.name << " ("
      << profile_kind_name(profile.kind) << " profile, "
      << precision_name(prediction.precision) << ": peak "
      << si_unit(prediction.peak_flops_per_s, "FLOP/s") << ", DRAM "
      << si_unit(prediction.bandwidth_bytes_per_s, "B/s") << ", ridge "
      << fixed_format(prediction.peak_flops_per_s / prediction.bandwidth_bytes_per_s, 1) << " FLOP/B)\n\n";

  std::vector<std::size_t> order(prediction.kernels.size());
  std::iota(order.begin(), order.end(), 0);
  if (options.top > 0) {
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return prediction.estimates[a].time_s > prediction.estimates[b].time_s;
    });
    order.resize(std::min(options.top, order.size()));
    out << "top " << order.size() << " of " << prediction.kernels.size()
        << " kernels by predicted time\n";
  }
  const double latency = prediction.network.latency_s;
  TextTable table({{"#"},
                   {"kernel", Align::kLeft, 40},
                   {"ops", Align::kLeft, 32},
                   {"class", Align::kLeft},
                   {"time ms"},
                   {"%"},
                   {"bound", Align::kLeft},
                   {"FLOP/B"},
                   {"attainable"},
                   {"achieved"},
                   {"util %"},
                   {"± %"}});
  for (const std::size_t i : order) {
    const auto& kernel = prediction.kernels[i];
    const auto& e = prediction.estimates[i];
    table.add_row({std::to_string(i), kernel.name, kernel.ops,
                   std::string(kernel_class_name(kernel.kernel_class)), ms(e.time_s),
                   fixed_format(100.0 * e.time_s / latency, 1), std::string(bound_name(e.bound)),
                   fixed_format(e.arithmetic_intensity, 1), si_unit(e.attainable_flops_per_s, "FLOP/s"),
                   si_unit(e.achieved_flops_per_s, "FLOP/s"), fixed_format(100.0 * e.utilization, 1),
                   e.fitted ? fixed_format(100.0 * e.uncertainty, 1) : "-"});
  }
  table.write(out);

  const auto& n = prediction.network;
  out << "\nnetwork (batch " << n.batch << ", " << prediction.kernels.size() << " kernels from "
      << graph.layers.size() << " layers)\n"
      << "  latency        " << ms(n.latency_s) << " ms"
      << (n.fitted_kernels > 0 ? " ± " + fixed_format(100.0 * n.uncertainty, 1) + " % (fitted models for " +
                                     std::to_string(n.fitted_kernels) + " of " +
                                     std::to_string(prediction.kernels.size()) + " kernels)"
                               : std::string(" (pure roofline: no fitted kernel models)"))
      << "\n"
      << "  throughput     " << fixed_format(n.throughput_per_s, 1) << " samples/s\n"
      << "  FLOP/s         " << si_unit(n.flops_per_s, "FLOP/s") << " ("
      << fixed_format(100.0 * n.flops_per_s / prediction.peak_flops_per_s, 1) << " % of peak)\n";
  if (n.power_w) {
    out << "  power          " << fixed_format(*n.power_w, 1) << " W (profile's active power)\n"
        << "  efficiency     " << fixed_format(*n.efficiency_per_s_per_w, 2) << " samples/s/W\n";
  } else {
    out << "  power          not in the profile\n";
  }
  out << "  peak memory    " << bytes_format(n.peak_memory_bytes) << " (weights "
      << bytes_format(n.weight_bytes) << " + activations " << bytes_format(n.peak_activation_bytes)
      << ")\n"
      << (profile.hardware.on_chip_bytes > 0.0
              ? std::string("  on-chip memory ") + bytes_format(static_cast<std::int64_t>(profile.hardware.on_chip_bytes)) +
                    ": weights " + (prediction.memory.weights_on_chip ? "fit" : "stream from DRAM") +
                    ", activations " + (prediction.memory.activations_on_chip ? "fit" : "go through DRAM") + "\n"
              : std::string())
      << "  time by bound  compute " << fixed_format(100.0 * n.compute_bound_share, 1) << " %, memory "
      << fixed_format(100.0 * n.memory_bound_share, 1) << " %, overhead "
      << fixed_format(100.0 * n.overhead_bound_share, 1) << " %\n";
}

std::string prediction_json(const graph::Graph& graph, const roofline::DeviceProfile& profile,
                            const Prediction& prediction, const RunContext& context) {
  nlohmann::json kernels = nlohmann::json::array();
  for (std::size_t i = 0; i < prediction.kernels.size(); ++i) {
    const auto& k = prediction.kernels[i];
    const auto& e = prediction.estimates[i];
    nlohmann::json layers = nlohmann::json::array();
    for (const auto* list : {&k.operand_layers, &k.layers}) {  // as `ops` lists them
      for (const std::size_t index : *list) {
        layers.push_back(graph.layers[index].name);
      }
    }
    kernels.push_back({{"index", i},
                       {"name", k.name},
                       {"ops", k.ops},
                       {"class", kernel_class_name(k.kernel_class)},
                       {"layers", layers},
                       {"macs", k.macs},
                       {"flops", k.flops},
                       {"bytes", e.bytes},
                       {"dram_bytes", e.dram_bytes},
                       {"time_s", e.time_s},
                       {"compute_time_s", e.compute_time_s},
                       {"memory_time_s", e.memory_time_s},
                       {"dram_wait_s", e.dram_wait_s},
                       {"cache_wait_s", e.cache_wait_s},
                       {"split_speedup", e.split_speedup},
                       {"overhead_s", e.overhead_s},
                       {"epilogue_s", e.epilogue_s},
                       {"reorder_s", e.reorder_s},
                       {"bound", bound_name(e.bound)},
                       {"arithmetic_intensity_flop_per_byte", e.arithmetic_intensity},
                       {"attainable_flops_per_s", e.attainable_flops_per_s},
                       {"achieved_flops_per_s", e.achieved_flops_per_s},
                       {"utilization", e.utilization},
                       {"fitted", e.fitted},
                       {"uncertainty", e.uncertainty}});
  }
  const auto& n = prediction.network;
  const nlohmann::json document = {
      {"schema_version", 1},
      {"kind", "roofcast.prediction"},
      {"context", context_json(context)},
      {"model", {{"path", graph.source}, {"fnv1a64", graph.model_hash}, {"layers", graph.layers.size()}}},
      {"device",
       {{"id", profile.id},
        {"name", profile.hardware.name},
        {"profile", profile.source},
        {"profile_fnv1a64", profile.file_hash},
        {"profile_kind", profile_kind_name(profile.kind)},
        {"precision", precision_name(prediction.precision)},
        {"peak_flops_per_s", prediction.peak_flops_per_s},
        {"dram_bytes_per_s", prediction.bandwidth_bytes_per_s}}},
      {"network",
       {{"latency_s", n.latency_s},
        {"uncertainty", n.uncertainty},
        {"fitted_kernels", n.fitted_kernels},
        {"batch", n.batch},
        {"throughput_per_s", n.throughput_per_s},
        {"flops", n.flops},
        {"flops_per_s", n.flops_per_s},
        {"power_w", optional_json(n.power_w)},
        {"efficiency_per_s_per_w", optional_json(n.efficiency_per_s_per_w)},
        {"weight_bytes", n.weight_bytes},
        {"peak_activation_bytes", n.peak_activation_bytes},
        {"peak_memory_bytes", n.peak_memory_bytes},
        {"weights_on_chip", prediction.memory.weights_on_chip},
        {"activations_on_chip", prediction.memory.activations_on_chip},
        {"compute_bound_share", n.compute_bound_share},
        {"memory_bound_share", n.memory_bound_share},
        {"overhead_bound_share", n.overhead_bound_share},
        {"kernels", prediction.kernels.size()}}},
      {"kernels", kernels}};
  return document.dump(2) + "\n";
}

void write_prediction_csv(std::ostream& out, const graph::Graph& graph,
                          const roofline::DeviceProfile& profile, const Prediction& prediction,
                          const RunContext& context) {
  write_csv_context(out, context,
                    {{"model", graph.source},
                     {"model_fnv1a64", graph.model_hash},
                     {"device", profile.id},
                     {"profile_fnv1a64", profile.file_hash},
                     {"precision", std::string(precision_name(prediction.precision))},
                     {"latency_s", fixed_format(prediction.network.latency_s, 9)}});
  write_csv_row(out, {"index", "name", "ops", "class", "flops", "bytes", "time_s", "bound",
                      "arithmetic_intensity_flop_per_byte", "attainable_flops_per_s",
                      "achieved_flops_per_s", "utilization"});
  for (std::size_t i = 0; i < prediction.kernels.size(); ++i) {
    const auto& k = prediction.kernels[i];
    const auto& e = prediction.estimates[i];
    char numbers[5][32];
    std::snprintf(numbers[0], 32, "%.6g", e.time_s);
    std::snprintf(numbers[1], 32, "%.6g", e.arithmetic_intensity);
    std::snprintf(numbers[2], 32, "%.6g", e.attainable_flops_per_s);
    std::snprintf(numbers[3], 32, "%.6g", e.achieved_flops_per_s);
    std::snprintf(numbers[4], 32, "%.6g", e.utilization);
    write_csv_row(out, {std::to_string(i), k.name, k.ops,
                        std::string(kernel_class_name(k.kernel_class)), std::to_string(k.flops),
                        std::to_string(e.bytes), numbers[0], std::string(bound_name(e.bound)),
                        numbers[1], numbers[2], numbers[3], numbers[4]});
  }
}

void write_compare_table(std::ostream& out, const std::vector<CompareRow>& rows) {
  TextTable table({{"model", Align::kLeft},
                   {"device", Align::kLeft},
                   {"precision", Align::kLeft},
                   {"latency ms"},
                   {"throughput /s"},
                   {"FLOP/s"},
                   {"power W"},
                   {"efficiency /s/W"},
                   {"peak memory"}});
  for (const auto& row : rows) {
    const auto& n = row.network;
    table.add_row({row.model, row.device, row.precision, ms(n.latency_s),
                   fixed_format(n.throughput_per_s, 1), si_unit(n.flops_per_s, "FLOP/s"),
                   optional_fixed(n.power_w, 1), optional_fixed(n.efficiency_per_s_per_w, 2),
                   bytes_format(n.peak_memory_bytes)});
  }
  table.write(out);
}

void write_compare_csv(std::ostream& out, const std::vector<CompareRow>& rows,
                       const RunContext& context) {
  write_csv_context(out, context, {});
  write_csv_row(out, {"model", "device", "precision", "latency_s", "throughput_per_s",
                      "flops_per_s", "power_w", "efficiency_per_s_per_w", "peak_memory_bytes"});
  for (const auto& row : rows) {
    const auto& n = row.network;
    char numbers[3][32];
    std::snprintf(numbers[0], 32, "%.6g", n.latency_s);
    std::snprintf(numbers[1], 32, "%.6g", n.throughput_per_s);
    std::snprintf(numbers[2], 32, "%.6g", n.flops_per_s);
    write_csv_row(out, {row.model, row.device, row.precision, numbers[0], numbers[1], numbers[2],
                        n.power_w ? fixed_format(*n.power_w, 3) : "",
                        n.efficiency_per_s_per_w ? fixed_format(*n.efficiency_per_s_per_w, 4) : "",
                        std::to_string(n.peak_memory_bytes)});
  }
}

}  // namespace roofcast::report
