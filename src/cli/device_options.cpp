#include "device_options.hpp"

#include <cstdlib>

#include "roofcast/build_info.hpp"
#include "roofcast/common/error.hpp"

namespace roofcast::cli {

void add_device_flags(CLI::App& command, DeviceFlags& flags) {
  command.add_option("--profiles-dir", flags.profiles_dir,
                     "Look up --device NAME as DIR/NAME.json (default: $ROOFCAST_PROFILES_DIR, "
                     "./hwprofiles, then the bundled profiles)");
  command.add_option("--precision", flags.precision,
                     "fp32, fp16 or int8 (default: the profile's default_precision)");
}

void add_device_option(CLI::App& command, std::string& device) {
  command.add_option("-d,--device", device,
                     "Device profile: an id from `roofcast devices` or a path to a .json file")
      ->required();
}

std::vector<std::filesystem::path> profile_search_dirs(const DeviceFlags& flags) {
  if (!flags.profiles_dir.empty()) {
    return {flags.profiles_dir};
  }
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("ROOFCAST_PROFILES_DIR"); env != nullptr && *env != '\0') {
    dirs.emplace_back(env);
  }
  dirs.emplace_back("hwprofiles");
  dirs.emplace_back(std::filesystem::path(build_info::kSourceDir) / "hwprofiles");
  return dirs;
}

roofline::DeviceProfile load_device(const std::string& name_or_path, const DeviceFlags& flags) {
  return roofline::load_profile(roofline::resolve_profile(name_or_path, profile_search_dirs(flags)));
}

std::optional<roofline::Precision> precision_flag(const DeviceFlags& flags) {
  if (flags.precision.empty()) {
    return std::nullopt;
  }
  const auto precision = roofline::parse_precision(flags.precision);
  if (!precision) {
    throw UsageError("--precision " + flags.precision + ": expected fp32, fp16 or int8");
  }
  return precision;
}

}  // namespace roofcast::cli
