#include "devices.hpp"

#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "roofcast/common/error.hpp"
#include "roofcast/report/text_table.hpp"
#include "roofcast/roofline/profile.hpp"

namespace roofcast::cli {
namespace {

using roofline::Precision;

std::string gflops_cell(const roofline::DeviceProfile& profile, Precision precision) {
  const auto it = profile.ceilings.peak_flops_per_s.find(precision);
  if (it == profile.ceilings.peak_flops_per_s.end()) {
    return "-";
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.0f", it->second / 1e9);
  return text;
}

std::string number(double value, const char* format) {
  char text[32];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

}  // namespace

Subcommand setup_devices(CLI::App& app) {
  auto options = std::make_shared<DevicesOptions>();
  auto* command = app.add_subcommand(
      "devices", "List the device profiles --device can name, with kind and key ceilings");
  command->add_option("--profiles-dir", options->device_flags.profiles_dir,
                      "List this directory instead of the default search path");
  command->add_flag("--json", options->json, "Write JSON instead of the table");
  return {command, [options] { return run_devices(*options); }};
}

int run_devices(const DevicesOptions& options) {
  const auto dirs = profile_search_dirs(options.device_flags);
  const auto listings = roofline::scan_profiles(dirs);
  int bad = 0;
  nlohmann::json document = nlohmann::json::array();
  report::TextTable table({{"id", report::Align::kLeft},
                           {"kind", report::Align::kLeft},
                           {"hardware", report::Align::kLeft, 44},
                           {"fp32 GFLOP/s"},
                           {"fp16 GFLOP/s"},
                           {"int8 GOP/s"},
                           {"DRAM GB/s"},
                           {"ridge FLOP/B"},
                           {"power W"}});
  for (const auto& listing : listings) {
    if (!listing.profile) {
      std::cerr << "roofcast: error: " << listing.error << '\n';
      ++bad;
      continue;
    }
    const auto& p = *listing.profile;
    const double peak = p.peak_flops_per_s(p.default_precision);
    const double dram = p.ceilings.dram_bytes_per_s();
    table.add_row({p.id, std::string(roofline::profile_kind_name(p.kind)), p.hardware.name,
                   gflops_cell(p, Precision::kFp32), gflops_cell(p, Precision::kFp16),
                   gflops_cell(p, Precision::kInt8), number(dram / 1e9, "%.1f"),
                   number(peak / dram, "%.1f") + " (" +
                       std::string(roofline::precision_name(p.default_precision)) + ")",
                   p.power.active_w ? number(*p.power.active_w, "%.1f") : "-"});
    nlohmann::json peaks = nlohmann::json::object();
    for (const auto& [precision, value] : p.ceilings.peak_flops_per_s) {
      peaks[std::string(roofline::precision_name(precision))] = value;
    }
    nlohmann::json bandwidths = nlohmann::json::object();
    for (const auto& [level, value] : p.ceilings.bandwidth_bytes_per_s) {
      bandwidths[level] = value;
    }
    document.push_back(
        {{"id", p.id},
         {"kind", roofline::profile_kind_name(p.kind)},
         {"hardware", p.hardware.name},
         {"path", listing.path.string()},
         {"default_precision", roofline::precision_name(p.default_precision)},
         {"peak_flops_per_s", peaks},
         {"bandwidth_bytes_per_s", bandwidths},
         {"active_power_w", p.power.active_w ? nlohmann::json(*p.power.active_w) : nlohmann::json()}});
  }
  if (options.json) {
    std::cout << document.dump(2) << '\n';
  } else if (listings.empty()) {
    std::cout << "no device profiles found in:";
    for (const auto& dir : dirs) {
      std::cout << ' ' << dir.string();
    }
    std::cout << '\n';
  } else {
    table.write(std::cout);
  }
  std::cout.flush();
  if (bad > 0) {
    throw ProfileError(std::to_string(bad) + " profile file(s) could not be read (see above)");
  }
  return 0;
}

}  // namespace roofcast::cli
