#include "roofcast/report/roofline_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <sstream>
#include <tuple>

#include "roofcast/common/units.hpp"
#include "roofcast/report/csv.hpp"
#include "svg_common.hpp"

namespace roofcast::report {
namespace {

using svg::class_colour;
using svg::decade_label;
using svg::escape;
using svg::flops_decade_label;
using svg::general;
using svg::kCharWidth;
using svg::num;
using svg::text_width;

// ---- layout (pixels) -------------------------------------------------------
constexpr double kWidth = 1000.0;
constexpr double kHeight = 660.0;
constexpr double kLeft = 92.0;     // room for the y tick labels and axis title
constexpr double kRight = 770.0;   // the legend sits to the right of this
constexpr double kTop = 70.0;
constexpr double kBottom = 590.0;  // room for the x tick labels and axis title
constexpr double kFontSize = 11.0;
constexpr double kMaxRadius = 34.0; // a kernel taking the whole latency
constexpr double kMinRadius = 2.5;
// A white outline behind text keeps labels readable over lines and points.
constexpr const char* kHalo = "stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\"";

struct Box {
  double x0, y0, x1, y1;
  bool overlaps(const Box& other) const {
    return x0 < other.x1 && other.x0 < x1 && y0 < other.y1 && other.y0 < y1;
  }
  bool inside(double left, double top, double right, double bottom) const {
    return x0 >= left && x1 <= right && y0 >= top && y1 <= bottom;
  }
};

/// Exporters name nodes by module path ("/features/features.2/conv/conv.0/Conv"):
/// a path component that the next one extends adds nothing and is dropped
/// ("features.2/conv.0/Conv"), then a long rest keeps its tail.
std::string short_name(const std::string& name) {
  constexpr std::size_t kMax = 30;
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t slash = std::min(name.find('/', start), name.size());
    if (slash > start) {
      parts.push_back(name.substr(start, slash - start));
    }
    start = slash + 1;
  }
  std::string trimmed;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i + 1 < parts.size() && parts[i + 1].rfind(parts[i], 0) == 0) {
      continue;
    }
    trimmed += (trimmed.empty() ? "" : "/") + parts[i];
  }
  if (trimmed.size() <= kMax) {
    return trimmed;
  }
  return "\u2026" + trimmed.substr(trimmed.size() - (kMax - 1));
}

double radius_of(double share) { return std::max(kMinRadius, kMaxRadius * std::sqrt(share)); }

/// Log-log mapping from data to pixels over whole decades.
struct Axes {
  int x_lo, x_hi, y_lo, y_hi;  // decade exponents

  double px(double intensity) const {
    return kLeft + (std::log10(intensity) - x_lo) / (x_hi - x_lo) * (kRight - kLeft);
  }
  double py(double flops) const {
    return kBottom - (std::log10(flops) - y_lo) / (y_hi - y_lo) * (kBottom - kTop);
  }
  double intensity_at(double x_px) const {
    return std::pow(10.0, x_lo + (x_px - kLeft) / (kRight - kLeft) * (x_hi - x_lo));
  }
};

Axes fit_axes(const RooflineChart& chart) {
  const double peak = chart.compute.empty() ? 1e12 : std::max_element(chart.compute.begin(), chart.compute.end(),
                                                                      [](const auto& a, const auto& b) {
                                                                        return a.value < b.value;
                                                                      })->value;
  // The first bandwidth roof is one the prediction used (roofline_chart orders them).
  const double bandwidth = chart.bandwidth.empty() ? 1e10 : chart.bandwidth.front().value;
  const double ridge = peak / bandwidth;
  double x_min = ridge / 100.0;
  double x_max = ridge * 10.0;
  double y_min = peak / 1000.0;
  for (const auto& p : chart.points) {
    x_min = std::min(x_min, p.intensity_flop_per_byte);
    x_max = std::max(x_max, p.intensity_flop_per_byte);
    y_min = std::min(y_min, p.flops_per_s);
  }
  if (chart.network.intensity_flop_per_byte > 0.0) {
    y_min = std::min(y_min, chart.network.flops_per_s);
  }
  Axes axes{};
  axes.x_lo = static_cast<int>(std::floor(std::log10(x_min / 1.5)));
  axes.x_hi = static_cast<int>(std::ceil(std::log10(x_max * 1.5)));
  axes.y_lo = static_cast<int>(std::floor(std::log10(y_min / 1.5)));
  axes.y_hi = static_cast<int>(std::ceil(std::log10(peak * 2.5)));
  return axes;
}

class SvgWriter {
 public:
  explicit SvgWriter(const RooflineChart& chart) : chart_(chart), axes_(fit_axes(chart)) {}

  std::string write() {
    out_ << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
         << "\" viewBox=\"0 0 " << kWidth << ' ' << kHeight << "\" font-family=\"DejaVu Sans, Helvetica, "
         << "Arial, sans-serif\" font-size=\"" << kFontSize << "\">\n"
         << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
         << "<defs><clipPath id=\"plot\"><rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\""
         << kRight - kLeft << "\" height=\"" << kBottom - kTop << "\"/></clipPath></defs>\n";
    title();
    grid_and_axes();
    collect_point_boxes();
    ceilings();
    points();
    labels();
    legend();
    out_ << "</svg>\n";
    return out_.str();
  }

 private:
  void text(double x, double y, const std::string& content, const std::string& attributes = "") {
    out_ << "<text x=\"" << num(x) << "\" y=\"" << num(y) << "\"" << (attributes.empty() ? "" : " ")
         << attributes << ">" << escape(content) << "</text>\n";
  }

  void line(double x0, double y0, double x1, double y1, const std::string& style) {
    out_ << "<line x1=\"" << num(x0) << "\" y1=\"" << num(y0) << "\" x2=\"" << num(x1) << "\" y2=\""
         << num(y1) << "\" " << style << "/>\n";
  }

  void title() {
    text(kLeft, 28, chart_.title, "font-size=\"16\" font-weight=\"bold\"");
    text(kLeft, 48, chart_.subtitle, "font-size=\"12\" fill=\"#444\"");
  }

  void grid_and_axes() {
    const std::string minor = "stroke=\"#eee\" stroke-width=\"1\"";
    const std::string major = "stroke=\"#d0d0d0\" stroke-width=\"1\"";
    for (int e = axes_.x_lo; e <= axes_.x_hi; ++e) {
      const double x = axes_.px(std::pow(10.0, e));
      line(x, kTop, x, kBottom, major);
      line(x, kBottom, x, kBottom + 5, "stroke=\"#333\"");
      text(x, kBottom + 18, decade_label(e), "text-anchor=\"middle\"");
      for (int m = 2; m <= 9 && e < axes_.x_hi; ++m) {
        const double xm = axes_.px(m * std::pow(10.0, e));
        line(xm, kTop, xm, kBottom, minor);
      }
    }
    for (int e = axes_.y_lo; e <= axes_.y_hi; ++e) {
      const double y = axes_.py(std::pow(10.0, e));
      line(kLeft, y, kRight, y, major);
      line(kLeft - 5, y, kLeft, y, "stroke=\"#333\"");
      text(kLeft - 8, y + 4, flops_decade_label(e), "text-anchor=\"end\"");
      for (int m = 2; m <= 9 && e < axes_.y_hi; ++m) {
        const double ym = axes_.py(m * std::pow(10.0, e));
        line(kLeft, ym, kRight, ym, minor);
      }
    }
    out_ << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << kRight - kLeft
         << "\" height=\"" << kBottom - kTop << "\" fill=\"none\" stroke=\"#333\"/>\n";
    text((kLeft + kRight) / 2, kBottom + 42, "arithmetic intensity (FLOP/byte, log scale)",
         "text-anchor=\"middle\" font-size=\"13\"");
    const double cy = (kTop + kBottom) / 2;
    text(22, cy, "performance (FLOP/s, log scale)",
         "text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 22 " + num(cy) + ")\"");
  }

  double top_compute() const {
    double peak = 0.0;
    for (const auto& c : chart_.compute) {
      peak = std::max(peak, c.value);
    }
    return peak;
  }

  void ceilings() {
    const double x_min = std::pow(10.0, axes_.x_lo);
    const double x_max = std::pow(10.0, axes_.x_hi);
    const double highest = top_compute();
    out_ << "<g clip-path=\"url(#plot)\">\n";
    // Bandwidth roofs: y = bandwidth × intensity, up to the highest compute ceiling.
    for (const auto& c : chart_.bandwidth) {
      const double x_end = std::min(x_max, highest / c.value);
      const std::string style = c.primary ? "stroke=\"#222\" stroke-width=\"2.2\""
                                          : "stroke=\"#888\" stroke-width=\"1.2\" stroke-dasharray=\"6 4\"";
      line(axes_.px(x_min), axes_.py(c.value * x_min), axes_.px(x_end), axes_.py(c.value * x_end), style);
    }
    // Compute roofs: flat from where they meet the primary bandwidth roof.
    const double dram = primary_bandwidth();
    for (const auto& c : chart_.compute) {
      const double x_start = std::max(x_min, c.value / dram);
      const std::string style = c.primary ? "stroke=\"#222\" stroke-width=\"2.2\""
                                          : "stroke=\"#888\" stroke-width=\"1.2\" stroke-dasharray=\"6 4\"";
      line(axes_.px(x_start), axes_.py(c.value), axes_.px(x_max), axes_.py(c.value), style);
    }
    out_ << "</g>\n";
    // Ridge of the primary roofs.
    const double ridge = primary_compute() / dram;
    const double rx = axes_.px(ridge);
    line(rx, axes_.py(primary_compute()), rx, kBottom, "stroke=\"#222\" stroke-dasharray=\"2 3\"");
    const std::string ridge_text = "ridge " + general(std::round(ridge * 10) / 10) + " FLOP/B";
    const double ridge_width = text_width(ridge_text);
    const double ridge_x = std::min(rx + 4, kRight - ridge_width - 4);
    text(ridge_x, kBottom - 8, ridge_text, "fill=\"#222\"");
    occupied_.push_back({ridge_x, kBottom - 19, ridge_x + ridge_width, kBottom - 4});

    // Labels: compute ceilings along their line, from the right end leftwards,
    // above or below it, at the first spot clear of points and other labels.
    const auto clear_of_everything = [this](const Box& box) {
      const auto overlaps = [&box](const Box& other) { return box.overlaps(other); };
      return std::none_of(point_boxes_.begin(), point_boxes_.end(), overlaps) &&
             std::none_of(occupied_.begin(), occupied_.end(), overlaps);
    };
    for (const auto& c : chart_.compute) {
      const std::string label = c.label + " " + si_unit(c.value, "FLOP/s");
      const double width = text_width(label);
      const double line_y = axes_.py(c.value);
      Box chosen{kRight - 6 - width, line_y - 16, kRight - 6, line_y - 3};
      bool found = false;
      for (double right = kRight - 6; right - width > kLeft + 4 && !found; right -= 24.0) {
        for (const double baseline : {line_y - 5, line_y + 14}) {
          const Box box{right - width, baseline - 11, right, baseline + 2};
          if (box.inside(kLeft + 2, kTop + 2, kRight - 2, kBottom - 2) && clear_of_everything(box)) {
            chosen = box;
            found = true;
            break;
          }
        }
      }
      text(chosen.x1, chosen.y1 - 2, label,
           std::string("text-anchor=\"end\" ") + kHalo + (c.primary ? " font-weight=\"bold\"" : " fill=\"#555\""));
      occupied_.push_back(chosen);
    }
    // Bandwidth ceilings: along the line, rotated to its on-screen slope, near its lower-left end.
    // On screen a bandwidth roof climbs one y decade per x decade.
    const double decade_width = (kRight - kLeft) / (axes_.x_hi - axes_.x_lo);
    const double decade_height = (kBottom - kTop) / (axes_.y_hi - axes_.y_lo);
    const double slope_deg = std::atan2(-decade_height, decade_width) * 180.0 / M_PI;
    const double angle = slope_deg * M_PI / 180.0;
    for (const auto& c : chart_.bandwidth) {
      const std::string label = c.label + " " + si_unit(c.value, "B/s");
      const double length = text_width(label);
      // Boxes covering the rotated text when it starts at (x, y) on the roof.
      const auto footprint = [&](double x, double y) {
        std::vector<Box> boxes;
        for (double d = 0.0; d <= length; d += 8.0) {
          const double bx = x + std::cos(angle) * d + std::sin(angle) * 12.0;
          const double by = y + std::sin(angle) * d - std::cos(angle) * 12.0;
          boxes.push_back({bx - 6, by - 6, bx + 6, by + 6});
        }
        return boxes;
      };
      // Try anchors along the roof, from the lower left, for a spot clear of points.
      bool placed = false;
      for (double x = kLeft + 14; x < kRight - 60 && !placed; x += 12.0) {
        const double y = axes_.py(c.value * axes_.intensity_at(x));
        if (y > kBottom - 30) {
          continue;  // below the plot here
        }
        if (y + std::sin(angle) * length < kTop + 10 ||
            c.value * axes_.intensity_at(x + std::cos(angle) * length) > top_compute()) {
          break;  // the text would leave the plot or run past the roof's end
        }
        const auto boxes = footprint(x, y);
        const bool clear = std::none_of(boxes.begin(), boxes.end(), [&](const Box& box) {
          const auto overlaps = [&box](const Box& other) { return box.overlaps(other); };
          return std::any_of(point_boxes_.begin(), point_boxes_.end(), overlaps) ||
                 std::any_of(occupied_.begin(), occupied_.end(), overlaps);
        });
        if (!clear) {
          continue;
        }
        // Rotated about its point on the roof, then lifted off the line perpendicularly.
        text(x, y, label,
             std::string(kHalo) + " dy=\"-6\"" + (c.primary ? " font-weight=\"bold\"" : " fill=\"#555\"") +
                 " transform=\"rotate(" + num(slope_deg) + ' ' + num(x) + ' ' + num(y) + ")\"");
        occupied_.insert(occupied_.end(), boxes.begin(), boxes.end());
        placed = true;
      }
    }
  }

  /// Where the points will be drawn, so ceiling labels can keep clear of them.
  void collect_point_boxes() {
    for (const auto& p : chart_.points) {
      const double x = axes_.px(p.intensity_flop_per_byte);
      const double y = axes_.py(p.flops_per_s);
      const double r = radius_of(p.time_share);
      point_boxes_.push_back({x - r, y - r, x + r, y + r});
    }
    if (chart_.network.intensity_flop_per_byte > 0.0) {
      const double x = axes_.px(chart_.network.intensity_flop_per_byte);
      const double y = axes_.py(chart_.network.flops_per_s);
      point_boxes_.push_back({x - 8, y - 8, x + 8, y + 8});
    }
  }

  double primary_bandwidth() const {
    for (const auto& c : chart_.bandwidth) {
      if (c.primary) {
        return c.value;
      }
    }
    return chart_.bandwidth.front().value;
  }

  double primary_compute() const {
    for (const auto& c : chart_.compute) {
      if (c.primary) {
        return c.value;
      }
    }
    return chart_.compute.front().value;
  }

  void points() {
    std::vector<const RooflinePoint*> order;
    for (const auto& p : chart_.points) {
      order.push_back(&p);
    }
    // Large first, so small points stay visible on top.
    std::stable_sort(order.begin(), order.end(),
                     [](const auto* a, const auto* b) { return a->time_share > b->time_share; });
    out_ << "<g clip-path=\"url(#plot)\">\n";
    for (const auto* p : order) {
      const double x = axes_.px(p->intensity_flop_per_byte);
      const double y = axes_.py(p->flops_per_s);
      const double r = radius_of(p->time_share);
      out_ << "<circle cx=\"" << num(x) << "\" cy=\"" << num(y) << "\" r=\"" << num(r)
           << "\" fill=\"" << class_colour(p->kernel_class)
           << "\" fill-opacity=\"0.6\" stroke=\"white\" stroke-width=\"0.8\"><title>"
           << escape((p->kernels > 1 ? std::to_string(p->kernels) + " kernels like " : std::string()) +
                     p->name + " (" + p->ops + "): " + si_unit(p->flops_per_s, "FLOP/s") + " at " +
                     general(p->intensity_flop_per_byte) + " FLOP/B, " + num(100 * p->time_share) +
                     " % of time")
           << "</title></circle>\n";
      if (!p->label.empty()) {
        occupied_.push_back({x - r, y - r, x + r, y + r});
      }
    }
    // The network: a black diamond.
    const auto& n = chart_.network;
    if (n.intensity_flop_per_byte > 0.0) {
      const double x = axes_.px(n.intensity_flop_per_byte);
      const double y = axes_.py(n.flops_per_s);
      out_ << "<path d=\"M " << num(x) << ' ' << num(y - 8) << " L " << num(x + 8) << ' ' << num(y)
           << " L " << num(x) << ' ' << num(y + 8) << " L " << num(x - 8) << ' ' << num(y)
           << " Z\" fill=\"black\" stroke=\"white\" stroke-width=\"1\"/>\n";
      occupied_.push_back({x - 8, y - 8, x + 8, y + 8});
    }
    out_ << "</g>\n";
  }

  /// Places a label near (x, y) clear of everything placed so far; draws a leader
  /// line when it had to move away from its point.
  void place_label(double x, double y, double r, const std::string& label, const std::string& style) {
    const double width = text_width(label);
    const double height = 13.0;
    const double pad = 3.0;
    Box chosen{};
    bool found = false;
    bool far = false;
    for (int ring = 0; ring < 8 && !found; ++ring) {
      const double d = r + pad + ring * 14.0;
      const double candidates[][2] = {{d, -height / 2},         {-d - width, -height / 2},
                                      {-width / 2, -d - height}, {-width / 2, d},
                                      {d * 0.7, -d * 0.7 - height}, {-d * 0.7 - width, -d * 0.7 - height},
                                      {d * 0.7, d * 0.7},           {-d * 0.7 - width, d * 0.7}};
      for (const auto& c : candidates) {
        const Box box{x + c[0], y + c[1], x + c[0] + width, y + c[1] + height};
        if (!box.inside(kLeft + 2, kTop + 2, kRight - 2, kBottom - 2)) {
          continue;
        }
        const bool clear = std::none_of(occupied_.begin(), occupied_.end(),
                                        [&](const Box& other) { return box.overlaps(other); });
        if (clear) {
          chosen = box;
          found = true;
          far = ring > 0;
          break;
        }
      }
    }
    if (!found) {
      chosen = {x + r + pad, y - height / 2, x + r + pad + width, y + height / 2};
    }
    if (far) {
      const double cx = std::clamp(x, chosen.x0, chosen.x1);
      const double cy = std::clamp(y, chosen.y0, chosen.y1);
      line(x, y, cx, cy, "stroke=\"#555\" stroke-width=\"0.8\"");
    }
    text(chosen.x0, chosen.y1 - 3, label, std::string(kHalo) + " " + style);
    occupied_.push_back(chosen);
  }

  void labels() {
    const auto& n = chart_.network;
    if (n.intensity_flop_per_byte > 0.0) {
      place_label(axes_.px(n.intensity_flop_per_byte), axes_.py(n.flops_per_s), 8,
                  "network: " + si_unit(n.flops_per_s, "FLOP/s"), "font-weight=\"bold\"");
    }
    std::vector<const RooflinePoint*> labelled;
    for (const auto& p : chart_.points) {
      if (!p.label.empty()) {
        labelled.push_back(&p);
      }
    }
    std::stable_sort(labelled.begin(), labelled.end(),
                     [](const auto* a, const auto* b) { return a->time_share > b->time_share; });
    for (const auto* p : labelled) {
      place_label(axes_.px(p->intensity_flop_per_byte), axes_.py(p->flops_per_s),
                  radius_of(p->time_share), p->label, "fill=\"#111\"");
    }
  }

  void legend() {
    const double x = kRight + 24;
    double y = kTop + 6;
    text(x, y, "kernel class", "font-weight=\"bold\"");
    y += 8;
    std::map<std::string, int> present;
    for (const auto& p : chart_.points) {
      present[p.kernel_class] += static_cast<int>(p.kernels);
    }
    for (const auto& [name, count] : present) {
      y += 18;
      out_ << "<circle cx=\"" << num(x + 6) << "\" cy=\"" << num(y - 4) << "\" r=\"6\" fill=\""
           << class_colour(name) << "\" fill-opacity=\"0.7\"/>\n";
      text(x + 18, y, name + " (" + std::to_string(count) + ")");
    }
    y += 22;
    out_ << "<path d=\"M " << num(x + 6) << ' ' << num(y - 11) << " l 7 7 l -7 7 l -7 -7 Z\" fill=\"black\"/>\n";
    text(x + 18, y, "whole network");
    y += 34;
    text(x, y, "area = share of time", "font-weight=\"bold\"");
    double cy = y + 8;
    for (const double share : {0.01, 0.1, 0.4}) {
      const double r = radius_of(share);
      cy += r + 6;
      out_ << "<circle cx=\"" << num(x + kMaxRadius * std::sqrt(0.4)) << "\" cy=\"" << num(cy)
           << "\" r=\"" << num(r) << "\" fill=\"#999\" fill-opacity=\"0.5\"/>\n";
      text(x + 2 * kMaxRadius * std::sqrt(0.4) + 8, cy + 4, num(100 * share, 0) + " %");
      cy += r;
    }
    y = cy + 30;
    text(x, y, "roofs", "font-weight=\"bold\"");
    line(x, y + 12, x + 24, y + 12, "stroke=\"#222\" stroke-width=\"2.2\"");
    text(x + 30, y + 16, "used by the prediction");
    line(x, y + 30, x + 24, y + 30, "stroke=\"#888\" stroke-width=\"1.2\" stroke-dasharray=\"6 4\"");
    text(x + 30, y + 34, "other precisions / levels");
    if (chart_.hidden_kernels > 0) {
      text(x, y + 62, std::to_string(chart_.hidden_kernels) + " kernels without FLOPs", "fill=\"#555\"");
      text(x, y + 76, "not shown (" + num(100 * chart_.hidden_time_share) + " % of time)", "fill=\"#555\"");
    }
  }

  const RooflineChart& chart_;
  Axes axes_;
  std::ostringstream out_;
  std::vector<Box> occupied_;    // label boxes and labelled points: later labels avoid them
  std::vector<Box> point_boxes_; // every point: ceiling labels avoid them
};

std::string level_label(const std::string& level) {
  if (level == "dram") return "DRAM";
  if (level == "sram") return "on-chip SRAM";
  std::string upper = level;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return upper;
}

/// Merges kernels that coincide on the plot (same ops, same spot to within
/// ~1 %) into one mark, and labels the `count` heaviest marks.
std::vector<RooflinePoint> merge_and_label(const std::vector<RooflinePoint>& kernels, std::size_t count) {
  std::vector<RooflinePoint> marks;
  std::map<std::tuple<std::string, long, long>, std::size_t> index;
  for (const auto& k : kernels) {
    const auto key = std::make_tuple(k.ops, std::lround(std::log10(k.intensity_flop_per_byte) * 200),
                                     std::lround(std::log10(k.flops_per_s) * 200));
    const auto [it, inserted] = index.emplace(key, marks.size());
    if (inserted) {
      marks.push_back(k);
      continue;
    }
    RooflinePoint& mark = marks[it->second];
    if (k.time_share > mark.time_share / static_cast<double>(mark.kernels)) {
      mark.name = k.name;  // named after its heaviest kernel
    }
    mark.time_s += k.time_s;
    mark.time_share += k.time_share;
    mark.kernels += 1;
  }
  std::vector<std::size_t> order(marks.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return marks[a].time_share > marks[b].time_share; });
  for (std::size_t rank = 0; rank < order.size() && rank < count; ++rank) {
    RooflinePoint& mark = marks[order[rank]];
    mark.label = short_name(mark.name) +
                 (mark.kernels > 1 ? " \u00d7" + std::to_string(mark.kernels) : "") + " (" +
                 num(100 * mark.time_share) + " %)";
  }
  return marks;
}

}  // namespace

RooflineChart roofline_chart(const std::string& model_name, const roofline::DeviceProfile& profile,
                             const roofline::Prediction& prediction, std::size_t label_top) {
  RooflineChart chart;
  chart.title = "Roofline: " + model_name + " on " + profile.hardware.name;
  const auto& n = prediction.network;
  chart.subtitle = std::string(roofline::precision_name(prediction.precision)) + ", " +
                   std::string(roofline::profile_kind_name(profile.kind)) + " profile '" + profile.id +
                   "' · predicted latency " + num(n.latency_s * 1e3, 3) + " ms · " +
                   std::to_string(prediction.kernels.size()) + " kernels";
  for (const auto& [precision, value] : profile.ceilings.peak_flops_per_s) {
    chart.compute.push_back({.label = std::string(roofline::precision_name(precision)) + " peak",
                             .value = value,
                             .primary = precision == prediction.precision});
  }
  for (const auto& [level, value] : profile.ceilings.bandwidth_bytes_per_s) {
    // The roofs the prediction used: DRAM, and on-chip memory for what it held.
    const bool on_chip_used = prediction.memory.weights_on_chip || prediction.memory.activations_on_chip;
    const bool all_on_chip = prediction.memory.weights_on_chip && prediction.memory.activations_on_chip;
    const bool primary = level == "dram" ? !all_on_chip : (level == "sram" && on_chip_used);
    chart.bandwidth.push_back({.label = level_label(level), .value = value, .primary = primary});
  }
  if (prediction.memory.weights_on_chip || prediction.memory.activations_on_chip) {
    chart.subtitle += std::string(" · on chip: ") +
                      (prediction.memory.weights_on_chip && prediction.memory.activations_on_chip
                           ? "weights and activations"
                           : prediction.memory.weights_on_chip ? "weights (activations via DRAM)"
                                                               : "activations (weights stream from DRAM)");
  }
  for (const auto& [kernel, value] : profile.ceilings.attained_flops_per_s) {
    chart.compute.push_back({.label = kernel + " attained", .value = value, .primary = false});
  }
  for (const auto& [kernel, value] : profile.ceilings.attained_bytes_per_s) {
    chart.bandwidth.push_back({.label = kernel + " attained", .value = value, .primary = false});
  }
  // The roofs the prediction used first.
  std::stable_partition(chart.bandwidth.begin(), chart.bandwidth.end(),
                        [](const RooflineCeiling& c) { return c.primary; });

  std::int64_t total_bytes = 0;
  for (std::size_t i = 0; i < prediction.kernels.size(); ++i) {
    const auto& k = prediction.kernels[i];
    const auto& e = prediction.estimates[i];
    total_bytes += e.bytes;
    const double share = e.time_s / n.latency_s;
    if (k.flops <= 0 || e.bytes <= 0) {
      chart.hidden_kernels += 1;
      chart.hidden_time_share += share;
      continue;
    }
    chart.points.push_back({.name = k.name,
                            .ops = k.ops,
                            .kernel_class = std::string(roofline::kernel_class_name(k.kernel_class)),
                            .intensity_flop_per_byte = e.arithmetic_intensity,
                            .flops_per_s = e.achieved_flops_per_s,
                            .time_s = e.time_s,
                            .time_share = share,
                            .label = {}});
  }
  chart.points = merge_and_label(chart.points, label_top);
  std::int64_t kernel_flops = 0;
  for (const auto& k : prediction.kernels) {
    kernel_flops += k.flops;
  }
  chart.network = {.name = "network",
                   .ops = "",
                   .kernel_class = "network",
                   .intensity_flop_per_byte =
                       total_bytes > 0 ? static_cast<double>(kernel_flops) / static_cast<double>(total_bytes) : 0.0,
                   .flops_per_s = n.flops_per_s,
                   .time_s = n.latency_s,
                   .time_share = 1.0,
                   .label = "network"};
  return chart;
}

std::string roofline_svg(const RooflineChart& chart) { return SvgWriter(chart).write(); }

void write_roofline_csv(std::ostream& out, const RooflineChart& chart, const RunContext& context) {
  write_csv_context(out, context, {{"title", chart.title}, {"subtitle", chart.subtitle}});
  write_csv_row(out, {"kind", "name", "ops", "class", "arithmetic_intensity_flop_per_byte",
                      "flops_per_s", "bytes_per_s", "time_s", "time_share", "kernels", "label", "primary"});
  for (const auto& c : chart.compute) {
    write_csv_row(out, {"compute_ceiling", c.label, "", "", "", general(c.value), "", "", "", "", "",
                        c.primary ? "1" : "0"});
  }
  for (const auto& c : chart.bandwidth) {
    write_csv_row(out, {"bandwidth_ceiling", c.label, "", "", "", "", general(c.value), "", "", "", "",
                        c.primary ? "1" : "0"});
  }
  const auto row = [&out](const std::string& kind, const RooflinePoint& p) {  // NOLINT
    write_csv_row(out, {kind, p.name, p.ops, p.kernel_class, general(p.intensity_flop_per_byte),
                        general(p.flops_per_s), "", general(p.time_s), general(p.time_share),
                        std::to_string(p.kernels), p.label, ""});
  };
  for (const auto& p : chart.points) {
    row("kernel", p);
  }
  row("network", chart.network);
}

}  // namespace roofcast::report
