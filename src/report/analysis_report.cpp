#include "roofcast/report/analysis_report.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "roofcast/common/units.hpp"
#include "context_json.hpp"
#include "roofcast/report/csv.hpp"
#include "roofcast/report/text_table.hpp"

namespace roofcast::report {
namespace {

using graph::Graph;
using graph::GraphCost;
using graph::kNoTensor;
using graph::LayerCost;


std::string output_shape(const Graph& graph, const graph::Layer& layer) {
  for (const auto id : layer.outputs) {
    if (id != kNoTensor) {
      return graph.tensor(id).shape_text();
    }
  }
  return "-";
}

std::string tensor_list(const Graph& graph, const std::vector<graph::TensorId>& ids) {
  std::string text;
  for (const auto id : ids) {
    const auto& tensor = graph.tensor(id);
    text += (text.empty() ? "" : ", ") + tensor.name + " " + std::string(dtype_name(tensor.dtype)) +
            " " + tensor.shape_text();
  }
  return text;
}

nlohmann::json tensor_json(const graph::Tensor& tensor) {
  return {{"name", tensor.name}, {"dtype", dtype_name(tensor.dtype)}, {"shape", tensor.shape}};
}

}  // namespace

void write_analysis_table(std::ostream& out, const Graph& graph, const GraphCost& cost,
                          const AnalysisTableOptions& options) {
  out << "model:   " << graph.source << " (" << graph.producer << ", opset "
      << graph.default_opset() << ", " << graph.layers.size() << " layers"
      << (graph.folded_layers > 0
              ? ", " + std::to_string(graph.folded_layers) + " shape computations folded"
              : std::string())
      << ")\n"
      << "inputs:  " << tensor_list(graph, graph.inputs) << '\n'
      << "outputs: " << tensor_list(graph, graph.outputs) << "\n\n";

  // Constant/Shape layers are folded before the hot loop; the table leaves
  // them out (JSON and CSV keep every layer).
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < graph.layers.size(); ++i) {
    if (cost.layers[i].family != graph::OpFamily::kMetadata) {
      order.push_back(i);
    }
  }
  const std::size_t hidden = graph.layers.size() - order.size();
  if (options.top > 0) {
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return cost.layers[a].flops > cost.layers[b].flops;
    });
    order.resize(std::min(options.top, order.size()));
    out << "top " << order.size() << " of " << graph.layers.size() << " layers by FLOPs\n";
  }
  TextTable layers({{"#"},
                    {"layer", Align::kLeft, 48},
                    {"op", Align::kLeft},
                    {"output", Align::kLeft},
                    {"MACs"},
                    {"FLOPs"},
                    {"params"},
                    {"bytes"},
                    {"FLOP/B"}});
  for (const std::size_t i : order) {
    const auto& layer = graph.layers[i];
    const LayerCost& c = cost.layers[i];
    layers.add_row({std::to_string(i), layer.name,
                    layer.op_type + (c.supported ? "" : " (unsupported)"),
                    output_shape(graph, layer), si_format(static_cast<double>(c.macs)),
                    si_format(static_cast<double>(c.flops)),
                    si_format(static_cast<double>(c.params)),
                    bytes_format(c.bytes_read + c.bytes_written),
                    fixed_format(c.arithmetic_intensity(), 2)});
  }
  layers.write(out);
  if (hidden > 0) {
    out << "(" << hidden << " constant/shape layers not shown)\n";
  }

  struct OpSummary {
    std::int64_t count = 0, macs = 0, flops = 0, bytes = 0;
  };
  std::map<std::string, OpSummary> by_op;
  for (std::size_t i = 0; i < graph.layers.size(); ++i) {
    auto& summary = by_op[graph.layers[i].op_type];
    summary.count += 1;
    summary.macs += cost.layers[i].macs;
    summary.flops += cost.layers[i].flops;
    summary.bytes += cost.layers[i].bytes_read + cost.layers[i].bytes_written;
  }
  std::vector<std::pair<std::string, OpSummary>> ops(by_op.begin(), by_op.end());
  std::stable_sort(ops.begin(), ops.end(),
                   [](const auto& a, const auto& b) { return a.second.flops > b.second.flops; });
  out << "\nby op type\n";
  TextTable op_table({{"op", Align::kLeft}, {"layers"}, {"MACs"}, {"FLOPs"}, {"% FLOPs"}, {"bytes"}});
  const double total_flops = std::max<double>(1.0, static_cast<double>(cost.totals.flops));
  for (const auto& [op, summary] : ops) {
    op_table.add_row({op, std::to_string(summary.count), si_format(static_cast<double>(summary.macs)),
                      si_format(static_cast<double>(summary.flops)),
                      fixed_format(100.0 * static_cast<double>(summary.flops) / total_flops, 1),
                      bytes_format(summary.bytes)});
  }
  op_table.write(out);

  const auto& t = cost.totals;
  out << "\ntotal: " << si_format(static_cast<double>(t.macs)) << " MACs, "
      << si_format(static_cast<double>(t.flops)) << " FLOPs, "
      << si_format(static_cast<double>(t.params)) << " params (" << bytes_format(t.weight_bytes)
      << "), read " << bytes_format(t.bytes_read) << ", written " << bytes_format(t.bytes_written)
      << ", intensity " << fixed_format(t.arithmetic_intensity(), 2) << " FLOP/B, " << t.layers
      << " layers";
  if (t.unsupported_layers > 0) {
    out << " (" << t.unsupported_layers << " unsupported, bytes only)";
  }
  out << '\n';
}

std::string analysis_json(const Graph& graph, const GraphCost& cost, const RunContext& context) {
  nlohmann::json inputs = nlohmann::json::array();
  for (const auto id : graph.inputs) {
    inputs.push_back(tensor_json(graph.tensor(id)));
  }
  nlohmann::json outputs = nlohmann::json::array();
  for (const auto id : graph.outputs) {
    outputs.push_back(tensor_json(graph.tensor(id)));
  }
  nlohmann::json opsets = nlohmann::json::object();
  for (const auto& [domain, version] : graph.opsets) {
    opsets[domain.empty() ? "ai.onnx" : domain] = version;
  }
  const auto& t = cost.totals;
  nlohmann::json layers = nlohmann::json::array();
  for (std::size_t i = 0; i < graph.layers.size(); ++i) {
    const auto& layer = graph.layers[i];
    const LayerCost& c = cost.layers[i];
    nlohmann::json layer_inputs = nlohmann::json::array();
    for (const auto id : layer.inputs) {
      layer_inputs.push_back(id == kNoTensor ? nlohmann::json(nullptr)
                                             : nlohmann::json(graph.tensor(id).name));
    }
    nlohmann::json layer_outputs = nlohmann::json::array();
    for (const auto id : layer.outputs) {
      if (id != kNoTensor) {
        layer_outputs.push_back(tensor_json(graph.tensor(id)));
      }
    }
    layers.push_back({{"index", i},
                      {"name", layer.name},
                      {"op_type", layer.op_type},
                      {"domain", layer.domain},
                      {"family", family_name(c.family)},
                      {"supported", c.supported},
                      {"inputs", layer_inputs},
                      {"outputs", layer_outputs},
                      {"macs", c.macs},
                      {"flops", c.flops},
                      {"params", c.params},
                      {"weight_bytes", c.weight_bytes},
                      {"bytes_read", c.bytes_read},
                      {"bytes_written", c.bytes_written},
                      {"arithmetic_intensity_flop_per_byte", c.arithmetic_intensity()}});
  }
  const nlohmann::json document = {
      {"schema_version", 1},
      {"kind", "roofcast.analysis"},
      {"context", context_json(context)},
      {"model",
       {{"path", graph.source},
        {"fnv1a64", graph.model_hash},
        {"producer", graph.producer},
        {"ir_version", graph.ir_version},
        {"folded_shape_layers", graph.folded_layers},
        {"opsets", opsets},
        {"inputs", inputs},
        {"outputs", outputs}}},
      {"totals",
       {{"macs", t.macs},
        {"flops", t.flops},
        {"params", t.params},
        {"weight_bytes", t.weight_bytes},
        {"bytes_read", t.bytes_read},
        {"bytes_written", t.bytes_written},
        {"arithmetic_intensity_flop_per_byte", t.arithmetic_intensity()},
        {"layers", t.layers},
        {"unsupported_layers", t.unsupported_layers}}},
      {"unsupported_ops", cost.unsupported_ops},
      {"layers", layers}};
  return document.dump(2) + "\n";
}

void write_analysis_csv(std::ostream& out, const Graph& graph, const GraphCost& cost,
                        const RunContext& context) {
  write_csv_context(out, context,
                    {{"model", graph.source},
                     {"model_fnv1a64", graph.model_hash},
                     {"total_macs", std::to_string(cost.totals.macs)},
                     {"total_flops", std::to_string(cost.totals.flops)},
                     {"total_params", std::to_string(cost.totals.params)}});
  write_csv_row(out, {"index", "name", "op_type", "family", "supported", "output_shape", "macs",
                      "flops", "params", "weight_bytes", "bytes_read", "bytes_written",
                      "arithmetic_intensity_flop_per_byte"});
  for (std::size_t i = 0; i < graph.layers.size(); ++i) {
    const auto& layer = graph.layers[i];
    const LayerCost& c = cost.layers[i];
    char intensity[32];
    std::snprintf(intensity, sizeof intensity, "%.6g", c.arithmetic_intensity());
    write_csv_row(out, {std::to_string(i), layer.name, layer.op_type,
                        std::string(family_name(c.family)), c.supported ? "true" : "false",
                        output_shape(graph, layer), std::to_string(c.macs),
                        std::to_string(c.flops), std::to_string(c.params),
                        std::to_string(c.weight_bytes), std::to_string(c.bytes_read),
                        std::to_string(c.bytes_written), intensity});
  }
}

}  // namespace roofcast::report
