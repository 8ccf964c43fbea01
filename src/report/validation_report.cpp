#include "roofcast/report/validation_report.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "context_json.hpp"
#include "roofcast/common/units.hpp"
#include "roofcast/report/csv.hpp"
#include "roofcast/report/text_table.hpp"
#include "svg_common.hpp"

namespace roofcast::report {
namespace {

using validate::ErrorMetrics;
using validate::NetworkComparison;


std::string short_model(const std::string& path) {
  const auto slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.size() > 5 && name.ends_with(".onnx")) {
    name.resize(name.size() - 5);
  }
  return name;
}

nlohmann::json metrics_json(const ErrorMetrics& m) {
  return {{"count", m.count},          {"rmspe_percent", m.rmspe},       {"mape_percent", m.mape},
          {"within_5_percent", m.within_5}, {"within_10_percent", m.within_10},
          {"max_abs_error_percent", m.max_abs_error}};
}

std::string metrics_line(const ErrorMetrics& m) {
  return "RMSPE " + fixed_format(m.rmspe, 1) + " %, MAPE " + fixed_format(m.mape, 1) + " %, within ±5 % " +
         fixed_format(100 * m.within_5, 0) + " %, within ±10 % " + fixed_format(100 * m.within_10, 0) + " %, max |error| " +
         fixed_format(m.max_abs_error, 1) + " % (n = " + std::to_string(m.count) + ")";
}

}  // namespace

void write_validation_table(std::ostream& out, const ValidationSetup& setup,
                            const std::vector<NetworkComparison>& networks,
                            const validate::ValidationSummary& summary, std::size_t worst) {
  out << "device:  " << setup.device << " (" << setup.profile << ")\n"
      << "runner:  " << setup.runner << "\n\n";
  TextTable table({{"model", Align::kLeft},
                   {"measured ms"},
                   {"p10"},
                   {"p90"},
                   {"predicted ms"},
                   {"error %"},
                   {"kernels"},
                   {"unmodelled ms"},
                   {"kernel sum %"},
                   {"state", Align::kLeft}});
  for (const auto& n : networks) {
    table.add_row({short_model(n.model), fixed_format(n.measured_s * 1e3, 3), fixed_format(n.measured_p10_s * 1e3, 3),
                   fixed_format(n.measured_p90_s * 1e3, 3), fixed_format(n.predicted_s * 1e3, 3), signed_percent(n.error()),
                   std::to_string(n.kernels.size()), fixed_format(n.unmodelled_measured_s * 1e3, 3),
                   fixed_format(100 * n.profiled_share(), 1), n.state});
  }
  table.write(out);
  out << "kernel sum %: the profiled kernels' times summed, against the unprofiled latency; above 100 % profiling "
         "slowed the kernels themselves\n"
      << "\nper network: " << metrics_line(summary.network) << '\n'
      << "per kernel:  " << metrics_line(summary.kernel) << "; the compared kernels hold "
      << fixed_format(100 * summary.kernel_time_share, 1) << " % of the profiled kernel time, which sums to "
      << fixed_format(100 * summary.least_profiled_share, 1) << "–" << fixed_format(100 * summary.most_profiled_share, 1)
      << " % of the unprofiled latencies\n"
      << "measured inside the predicted ± band: "
      << (summary.kernel_band_coverage
              ? fixed_format(100 * *summary.kernel_band_coverage, 0) + " % of kernels, " +
                    fixed_format(100 * summary.network_band_coverage.value_or(0.0), 0) +
                    " % of networks (one standard deviation would hold about 68 %)"
              : std::string("- (the profile has no fitted models, so no bands)"))
      << '\n'
      << "Spearman ρ across networks: "
      << (summary.spearman_rho ? fixed_format(*summary.spearman_rho, 3) : std::string("- (needs 3 or more networks)"))
      << '\n';
  if (worst == 0) {
    return;
  }
  struct Row {
    const NetworkComparison* network;
    const validate::KernelComparison* kernel;
  };
  std::vector<Row> rows;
  for (const auto& n : networks) {
    for (const auto& k : n.kernels) {
      // Kernels below 0.5 % of their network are noise-dominated; list the ones that matter.
      if (k.measured_s >= 0.005 * n.measured_s) {
        rows.push_back({&n, &k});
      }
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::fabs(a.kernel->error()) > std::fabs(b.kernel->error());
  });
  rows.resize(std::min(rows.size(), worst));
  out << "\nworst " << rows.size() << " kernels (of those with at least 0.5 % of their network's time)\n";
  TextTable worst_table({{"model", Align::kLeft},
                         {"kernel", Align::kLeft, 40},
                         {"roofcast ops", Align::kLeft, 28},
                         {"runtime ops", Align::kLeft, 24},
                         {"measured ms"},
                         {"predicted ms"},
                         {"error %"}});
  for (const auto& row : rows) {
    worst_table.add_row({short_model(row.network->model), row.kernel->name, row.kernel->ops, row.kernel->runtime_ops,
                         fixed_format(row.kernel->measured_s * 1e3, 4), fixed_format(row.kernel->predicted_s * 1e3, 4),
                         signed_percent(row.kernel->error())});
  }
  worst_table.write(out);
}

std::string validation_json(const ValidationSetup& setup, const std::vector<NetworkComparison>& networks,
                            const validate::ValidationSummary& summary, const RunContext& context) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& n : networks) {
    nlohmann::json kernels = nlohmann::json::array();
    for (const auto& k : n.kernels) {
      kernels.push_back({{"name", k.name},
                         {"ops", k.ops},
                         {"class", k.kernel_class},
                         {"runtime_ops", k.runtime_ops},
                         {"predicted_s", k.predicted_s},
                         {"measured_s", k.measured_s},
                         {"error", k.error()}});
    }
    list.push_back({{"model", n.model},
                    {"predicted_s", n.predicted_s},
                    {"measured_s", n.measured_s},
                    {"measured_p10_s", n.measured_p10_s},
                    {"measured_p90_s", n.measured_p90_s},
                    {"error", n.error()},
                    {"state", n.state},
                    {"unmodelled_measured_s", n.unmodelled_measured_s},
                    {"profiled_kernels_s", n.profiled_kernels_s},
                    {"unmeasured_predicted_kernels", n.unmeasured_predicted},
                    {"kernels", kernels}});
  }
  const nlohmann::json document = {
      {"schema_version", 1},
      {"kind", "roofcast.validation"},
      {"context", context_json(context)},
      {"device", {{"id", setup.device}, {"profile", setup.profile}}},
      {"runner", setup.runner},
      {"summary",
       {{"network", metrics_json(summary.network)},
        {"kernel", metrics_json(summary.kernel)},
        {"spearman_rho", summary.spearman_rho ? nlohmann::json(*summary.spearman_rho) : nlohmann::json(nullptr)},
        {"kernel_time_share", summary.kernel_time_share},
        {"profiled_share", {{"least", summary.least_profiled_share}, {"most", summary.most_profiled_share}}},
        {"kernel_band_coverage",
         summary.kernel_band_coverage ? nlohmann::json(*summary.kernel_band_coverage) : nlohmann::json(nullptr)},
        {"network_band_coverage",
         summary.network_band_coverage ? nlohmann::json(*summary.network_band_coverage) : nlohmann::json(nullptr)}}},
      {"networks", list}};
  return document.dump(2) + "\n";
}

void write_validation_kernels_csv(std::ostream& out, const std::vector<NetworkComparison>& networks,
                                  const RunContext& context) {
  write_csv_context(out, context, {});
  write_csv_row(out, {"model", "kernel", "ops", "class", "runtime_ops", "measured_s", "predicted_s", "error"});
  for (const auto& n : networks) {
    for (const auto& k : n.kernels) {
      write_csv_row(out, {short_model(n.model), k.name, k.ops, k.kernel_class, k.runtime_ops, svg::general(k.measured_s),
                          svg::general(k.predicted_s), svg::general(k.error())});
    }
  }
}

void write_validation_networks_csv(std::ostream& out, const std::vector<NetworkComparison>& networks,
                                   const RunContext& context) {
  write_csv_context(out, context, {});
  write_csv_row(out, {"model", "measured_s", "measured_p10_s", "measured_p90_s", "predicted_s", "error", "state",
                      "unmodelled_measured_s", "profiled_kernels_s"});
  for (const auto& n : networks) {
    write_csv_row(out, {short_model(n.model), svg::general(n.measured_s), svg::general(n.measured_p10_s),
                        svg::general(n.measured_p90_s), svg::general(n.predicted_s), svg::general(n.error()), n.state,
                        svg::general(n.unmodelled_measured_s), svg::general(n.profiled_kernels_s)});
  }
}

std::string predicted_vs_measured_svg(const std::string& title, const std::vector<NetworkComparison>& networks) {
  constexpr double kWidth = 820, kHeight = 700, kLeft = 90, kRight = 620, kTop = 70, kBottom = 610;
  double lo = 1e9;
  double hi = 0.0;
  for (const auto& n : networks) {
    for (const auto& k : n.kernels) {
      if (k.measured_s > 0 && k.predicted_s > 0) {
        lo = std::min({lo, k.measured_s, k.predicted_s});
        hi = std::max({hi, k.measured_s, k.predicted_s});
      }
    }
    lo = std::min({lo, n.measured_s, n.predicted_s});
    hi = std::max({hi, n.measured_s, n.predicted_s});
  }
  if (!(hi > 0.0)) {
    lo = 1e-6;
    hi = 1.0;
  }
  const int e_lo = static_cast<int>(std::floor(std::log10(lo / 1.2)));
  const int e_hi = static_cast<int>(std::ceil(std::log10(hi * 1.2)));
  const auto px = [&](double seconds) {
    return kLeft + (std::log10(seconds) - e_lo) / (e_hi - e_lo) * (kRight - kLeft);
  };
  const auto py = [&](double seconds) {
    return kBottom - (std::log10(seconds) - e_lo) / (e_hi - e_lo) * (kBottom - kTop);
  };
  const auto time_label = [](int exponent) {
    // seconds → a readable unit
    const double seconds = std::pow(10.0, exponent);
    if (exponent >= 0) return svg::general(seconds) + " s";
    if (exponent >= -3) return svg::general(seconds * 1e3) + " ms";
    return svg::general(seconds * 1e6) + " µs";
  };
  std::ostringstream out;
  using svg::num;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
      << "\" viewBox=\"0 0 " << kWidth << ' ' << kHeight
      << "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"11\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << kLeft << "\" y=\"30\" font-size=\"16\" font-weight=\"bold\">" << svg::escape(title)
      << "</text>\n"
      << "<text x=\"" << kLeft << "\" y=\"50\" font-size=\"12\" fill=\"#444\">predicted against measured latency"
      << " (medians); the band is ±10 %</text>\n";
  for (int e = e_lo; e <= e_hi; ++e) {
    const double x = px(std::pow(10.0, e));
    const double y = py(std::pow(10.0, e));
    out << "<line x1=\"" << num(x) << "\" y1=\"" << kTop << "\" x2=\"" << num(x) << "\" y2=\"" << kBottom
        << "\" stroke=\"#ddd\"/>\n<line x1=\"" << kLeft << "\" y1=\"" << num(y) << "\" x2=\"" << kRight
        << "\" y2=\"" << num(y) << "\" stroke=\"#ddd\"/>\n"
        << "<text x=\"" << num(x) << "\" y=\"" << kBottom + 18 << "\" text-anchor=\"middle\">" << svg::escape(time_label(e))
        << "</text>\n<text x=\"" << kLeft - 8 << "\" y=\"" << num(y + 4) << "\" text-anchor=\"end\">"
        << svg::escape(time_label(e)) << "</text>\n";
  }
  // The ±10 % band around y = x, then the line itself.
  const double a = std::pow(10.0, e_lo);
  const double b = std::pow(10.0, e_hi);
  out << "<g clip-path=\"url(#area)\"><defs><clipPath id=\"area\"><rect x=\"" << kLeft << "\" y=\"" << kTop
      << "\" width=\"" << kRight - kLeft << "\" height=\"" << kBottom - kTop << "\"/></clipPath></defs>\n"
      << "<polygon points=\"" << num(px(a)) << ',' << num(py(a * 1.1)) << ' ' << num(px(b)) << ','
      << num(py(b * 1.1)) << ' ' << num(px(b)) << ',' << num(py(b * 0.9)) << ' ' << num(px(a)) << ','
      << num(py(a * 0.9)) << "\" fill=\"#2a7\" fill-opacity=\"0.15\"/>\n"
      << "<line x1=\"" << num(px(a)) << "\" y1=\"" << num(py(a)) << "\" x2=\"" << num(px(b)) << "\" y2=\""
      << num(py(b)) << "\" stroke=\"#2a7\" stroke-width=\"1.5\"/>\n";
  std::map<std::string, int> classes;
  for (const auto& n : networks) {
    for (const auto& k : n.kernels) {
      if (k.measured_s <= 0 || k.predicted_s <= 0) {
        continue;
      }
      classes[k.kernel_class] += 1;
      out << "<circle cx=\"" << num(px(k.measured_s)) << "\" cy=\"" << num(py(k.predicted_s))
          << "\" r=\"3\" fill=\"" << svg::class_colour(k.kernel_class) << "\" fill-opacity=\"0.6\"><title>"
          << svg::escape(short_model(n.model) + " " + k.name + " (" + k.ops + "): measured " +
                         svg::general(k.measured_s * 1e3) + " ms, predicted " + svg::general(k.predicted_s * 1e3) +
                         " ms")
          << "</title></circle>\n";
    }
  }
  struct Label {
    double x, y, label_y;
    std::string text;
  };
  std::vector<Label> labels;
  for (const auto& n : networks) {
    const double x = px(n.measured_s);
    const double y = py(n.predicted_s);
    out << "<path d=\"M " << num(x) << ' ' << num(y - 7) << " l 7 7 l -7 7 l -7 -7 Z\" fill=\"black\"><title>"
        << svg::escape(short_model(n.model)) << "</title></path>\n";
    labels.push_back({x, y, y + 4, short_model(n.model)});
  }
  // Names left of their diamonds (the side above y = x, which kernels leave
  // mostly empty), pushed apart vertically so none overlap.
  std::sort(labels.begin(), labels.end(), [](const Label& first, const Label& second) { return first.y < second.y; });
  for (std::size_t i = 1; i < labels.size(); ++i) {
    labels[i].label_y = std::max(labels[i].label_y, labels[i - 1].label_y + 13.0);
  }
  for (const auto& l : labels) {
    if (std::fabs(l.label_y - (l.y + 4)) > 1.0) {
      out << "<line x1=\"" << num(l.x - 8) << "\" y1=\"" << num(l.y) << "\" x2=\"" << num(l.x - 14) << "\" y2=\""
          << num(l.label_y - 4) << "\" stroke=\"#777\" stroke-width=\"0.8\"/>\n";
    }
    out << "<text x=\"" << num(l.x - 16) << "\" y=\"" << num(l.label_y)
        << "\" text-anchor=\"end\" stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\">"
        << svg::escape(l.text) << "</text>\n";
  }
  out << "</g>\n<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << kRight - kLeft << "\" height=\""
      << kBottom - kTop << "\" fill=\"none\" stroke=\"#333\"/>\n"
      << "<text x=\"" << (kLeft + kRight) / 2 << "\" y=\"" << kBottom + 42
      << "\" text-anchor=\"middle\" font-size=\"13\">measured (log scale)</text>\n"
      << "<text x=\"24\" y=\"" << (kTop + kBottom) / 2 << "\" text-anchor=\"middle\" font-size=\"13\" "
      << "transform=\"rotate(-90 24 " << (kTop + kBottom) / 2 << ")\">predicted (log scale)</text>\n";
  double ly = kTop + 10;
  out << "<text x=\"" << kRight + 20 << "\" y=\"" << ly << "\" font-weight=\"bold\">kernels by class</text>\n";
  for (const auto& [name, count] : classes) {
    ly += 18;
    out << "<circle cx=\"" << kRight + 26 << "\" cy=\"" << num(ly - 4) << "\" r=\"5\" fill=\""
        << svg::class_colour(name) << "\" fill-opacity=\"0.7\"/>\n<text x=\"" << kRight + 38 << "\" y=\"" << num(ly)
        << "\">" << svg::escape(name) << " (" << count << ")</text>\n";
  }
  ly += 24;
  out << "<path d=\"M " << kRight + 26 << ' ' << num(ly - 11) << " l 6 6 l -6 6 l -6 -6 Z\" fill=\"black\"/>\n"
      << "<text x=\"" << kRight + 38 << "\" y=\"" << num(ly) << "\">networks</text>\n"
      << "<rect x=\"" << kRight + 20 << "\" y=\"" << num(ly + 14) << "\" width=\"12\" height=\"10\" fill=\"#2a7\" "
      << "fill-opacity=\"0.15\" stroke=\"#2a7\"/>\n<text x=\"" << kRight + 38 << "\" y=\"" << num(ly + 23)
      << "\">±10 % of measured</text>\n</svg>\n";
  return out.str();
}

}  // namespace roofcast::report
