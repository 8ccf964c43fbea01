#pragma once
// Helpers shared by roofcast's SVG plots (the roofline, predicted vs measured).

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>

#include "roofcast/common/units.hpp"

namespace roofcast::report::svg {

/// Average advance of an 11 px sans-serif glyph, for laying out labels.
inline constexpr double kCharWidth = 6.4;

inline std::string escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

inline std::string num(double value, int digits = 1) { return fixed_format(value, digits); }

inline std::string general(double value) {
  char text[48];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

/// A decade tick label: 0.01, 0.1, 1, 10, 100, 1000, then 1e4 …
inline std::string decade_label(int exponent) {
  if (exponent >= -2 && exponent <= 3) {
    return general(std::pow(10.0, exponent));
  }
  return "1e" + std::to_string(exponent);
}

/// A decade tick of FLOP/s with an SI prefix: 1 G, 10 G, 100 G, 1 T …
inline std::string flops_decade_label(int exponent) {
  static const char* const kPrefixes[] = {"", "k", "M", "G", "T", "P", "E"};
  if (exponent < 0 || exponent >= 21) {
    return "1e" + std::to_string(exponent);
  }
  const int group = exponent / 3;
  const int rest = exponent % 3;
  return std::to_string(rest == 0 ? 1 : rest == 1 ? 10 : 100) + " " + kPrefixes[group];
}

inline std::string class_colour(const std::string& kernel_class) {
  // Okabe–Ito, readable by colour-blind viewers; yellow darkened for white paper.
  static const std::map<std::string, std::string> kColours = {
      {"conv", "#0072B2"},          {"depthwise_conv", "#E69F00"}, {"grouped_conv", "#CC79A7"},
      {"gemm", "#009E73"},          {"pool", "#56B4E9"},           {"elementwise", "#D55E00"},
      {"normalization", "#A89000"}, {"data_movement", "#7F7F7F"},  {"other", "#333333"}};
  const auto it = kColours.find(kernel_class);
  return it != kColours.end() ? it->second : "#333333";
}

/// A kernel name short enough to label a point: the tail of a long path.
/// Characters, not bytes, of UTF-8 text: what its drawn width depends on.
inline double text_width(const std::string& text) {
  const auto continuation = std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
  });
  return static_cast<double>(text.size() - static_cast<std::size_t>(continuation)) * kCharWidth;
}


}  // namespace roofcast::report::svg
