#include "roofcast/common/units.hpp"

#include <cmath>
#include <cstdio>

namespace roofcast {

std::string si_format(double value, int digits) {
  static constexpr const char* kSuffixes[] = {"", "k", "M", "G", "T", "P"};
  int index = 0;
  double scaled = value;
  while (std::fabs(scaled) >= 1000.0 && index < 5) {
    scaled /= 1000.0;
    ++index;
  }
  char text[64];
  if (index == 0 && scaled == std::floor(scaled)) {
    std::snprintf(text, sizeof text, "%.0f", scaled);
  } else {
    std::snprintf(text, sizeof text, "%.*f%s", digits, scaled, kSuffixes[index]);
  }
  return text;
}

std::string fixed_format(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

std::string si_unit(double value, std::string_view unit) {
  static constexpr const char* kPrefixes[] = {"", "k", "M", "G", "T", "P", "E"};
  int index = 0;
  double scaled = value;
  while (std::fabs(scaled) >= 999.5 && index < 6) {
    scaled /= 1000.0;
    ++index;
  }
  const double magnitude = std::fabs(scaled);
  const int decimals = magnitude >= 99.95 ? 0 : magnitude >= 9.995 ? 1 : 2;
  char text[64];
  std::snprintf(text, sizeof text, "%.*f %s", decimals, scaled, kPrefixes[index]);
  return text + std::string(unit);
}

std::string bytes_format(std::int64_t bytes) {
  static constexpr const char* kSuffixes[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double scaled = static_cast<double>(bytes);
  int index = 0;
  while (std::fabs(scaled) >= 1024.0 && index < 4) {
    scaled /= 1024.0;
    ++index;
  }
  char text[64];
  if (index == 0) {
    std::snprintf(text, sizeof text, "%lld B", static_cast<long long>(bytes));
  } else {
    std::snprintf(text, sizeof text, "%.1f %s", scaled, kSuffixes[index]);
  }
  return text;
}

}  // namespace roofcast
