#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "roofcast/roofline/profile.hpp"

namespace roofcast::cli {

/// Where `--device NAME` looks for NAME.json, and the precision override.
struct DeviceFlags {
  std::string profiles_dir;  ///< --profiles-dir; empty = the default search path
  std::string precision;     ///< --precision; empty = each profile's default
};

void add_device_flags(CLI::App& command, DeviceFlags& flags);

/// The required `-d, --device NAME|PATH` of a command that predicts on one device.
void add_device_option(CLI::App& command, std::string& device);

/// --profiles-dir when given; otherwise $ROOFCAST_PROFILES_DIR, ./hwprofiles and
/// the hwprofiles/ of the source tree this binary was built from.
std::vector<std::filesystem::path> profile_search_dirs(const DeviceFlags& flags);

/// Resolves and loads one `--device` argument.
roofline::DeviceProfile load_device(const std::string& name_or_path, const DeviceFlags& flags);

/// The --precision flag as typed (UsageError for anything but fp32/fp16/int8).
std::optional<roofline::Precision> precision_flag(const DeviceFlags& flags);

}  // namespace roofcast::cli
