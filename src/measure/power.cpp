#include "roofcast/measure/power.hpp"

#include <algorithm>
#include <fstream>
#include <numeric>

namespace roofcast::measure {
namespace fs = std::filesystem;

namespace {

std::optional<double> read_number(const fs::path& path) {
  std::ifstream in(path);
  double value = 0.0;
  if (!(in >> value)) {
    return std::nullopt;
  }
  return value;
}

std::string read_line(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::vector<fs::path> sorted_children(const fs::path& dir) {
  std::vector<fs::path> children;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    children.push_back(entry.path());
  }
  std::sort(children.begin(), children.end());
  return children;
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

}  // namespace

std::vector<EnergyCounter> find_energy_counters(const fs::path& sysfs_root) {
  std::vector<EnergyCounter> counters;
  // powercap: zones "<type>:N" at the top level; "<type>:N:M" are subzones of N.
  for (const auto& zone : sorted_children(sysfs_root / "class" / "powercap")) {
    const std::string name = zone.filename().string();
    if (std::count(name.begin(), name.end(), ':') != 1 || !fs::exists(zone / "energy_uj")) {
      continue;
    }
    const auto label = read_line(zone / "name");
    counters.push_back({.name = "powercap " + (label.empty() ? name : label),
                        .path = zone / "energy_uj",
                        .max_range_uj = read_number(zone / "max_energy_range_uj").value_or(0.0)});
  }
  for (const auto& hwmon : sorted_children(sysfs_root / "class" / "hwmon")) {
    const auto driver = read_line(hwmon / "name");
    for (const auto& file : sorted_children(hwmon)) {
      const std::string name = file.filename().string();
      if (starts_with(name, "energy") && name.size() > 6 && name.ends_with("_input")) {
        const auto label = read_line(hwmon / (name.substr(0, name.size() - 6) + "_label"));
        counters.push_back({.name = "hwmon " + driver + " " + (label.empty() ? name : label),
                            .path = file,
                            .max_range_uj = 0.0});
      }
    }
  }
  return counters;
}

std::vector<PowerSensor> find_power_sensors(const fs::path& sysfs_root) {
  std::vector<PowerSensor> sensors;
  for (const auto& hwmon : sorted_children(sysfs_root / "class" / "hwmon")) {
    const auto driver = read_line(hwmon / "name");
    std::vector<PowerSensor> rails;
    PowerSensor* input_rail = nullptr;
    for (const auto& file : sorted_children(hwmon)) {
      const std::string name = file.filename().string();
      if (starts_with(name, "power") && name.ends_with("_input")) {
        const auto label = read_line(hwmon / (name.substr(0, name.size() - 6) + "_label"));
        sensors.push_back({.name = "hwmon " + driver + " " + (label.empty() ? name : label),
                           .power_uw = file,
                           .voltage_mv = {},
                           .current_ma = {}});
      } else if (starts_with(name, "curr") && name.ends_with("_input")) {
        // INA3221-style rail: currN_input (mA) with inN_input (mV) on the same channel.
        const std::string channel = name.substr(4, name.size() - 4 - 6);
        const fs::path voltage = hwmon / ("in" + channel + "_input");
        if (!fs::exists(voltage)) {
          continue;
        }
        auto label = read_line(hwmon / ("in" + channel + "_label"));
        if (label.empty()) {
          label = read_line(hwmon / ("curr" + channel + "_label"));
        }
        rails.push_back({.name = "hwmon " + driver + " " + (label.empty() ? "channel " + channel : label),
                         .power_uw = {},
                         .voltage_mv = voltage,
                         .current_ma = file});
      }
    }
    for (auto& rail : rails) {
      if (rail.name.find("IN") != std::string::npos) {
        input_rail = &rail;
        break;
      }
    }
    if (input_rail != nullptr) {
      sensors.push_back(*input_rail);
    } else {
      sensors.insert(sensors.end(), rails.begin(), rails.end());
    }
  }
  return sensors;
}

std::optional<double> read_microjoules(const EnergyCounter& counter) { return read_number(counter.path); }

std::optional<double> read_watts(const PowerSensor& sensor) {
  if (!sensor.power_uw.empty()) {
    const auto uw = read_number(sensor.power_uw);
    return uw ? std::optional<double>(*uw * 1e-6) : std::nullopt;
  }
  const auto mv = read_number(sensor.voltage_mv);
  const auto ma = read_number(sensor.current_ma);
  if (!mv || !ma) {
    return std::nullopt;
  }
  return *mv * *ma * 1e-6;
}

double energy_delta_j(double start_uj, double end_uj, double max_range_uj) {
  double delta = end_uj - start_uj;
  if (delta < 0.0 && max_range_uj > 0.0) {
    delta += max_range_uj;  // wrapped once
  }
  return std::max(delta, 0.0) * 1e-6;
}

PowerSampler::PowerSampler(const fs::path& sysfs_root, std::chrono::milliseconds interval)
    : interval_(interval) {
  for (auto& counter : find_energy_counters(sysfs_root)) {
    if (read_microjoules(counter)) {  // unreadable counters (no root) are left out
      counters_.push_back(std::move(counter));
    }
  }
  for (auto& sensor : find_power_sensors(sysfs_root)) {
    if (read_watts(sensor)) {
      sensors_.push_back(std::move(sensor));
    }
  }
}

PowerSampler::~PowerSampler() {
  running_ = false;
  if (thread_.joinable()) {
    thread_.join();
  }
}

std::string PowerSampler::description() const {
  if (!counters_.empty()) {
    std::string names;
    for (const auto& c : counters_) {
      names += (names.empty() ? "" : ", ") + c.name;
    }
    return "energy counters: " + names;
  }
  if (!sensors_.empty()) {
    std::string names;
    for (const auto& s : sensors_) {
      names += (names.empty() ? "" : ", ") + s.name;
    }
    return "power sensors sampled every " + std::to_string(interval_.count()) + " ms: " + names;
  }
  return "not measured: no readable powercap/RAPL energy counter or hwmon power sensor";
}

void PowerSampler::start() {
  start_uj_.clear();
  for (const auto& counter : counters_) {
    start_uj_.push_back(read_microjoules(counter).value_or(0.0));
  }
  sensor_watts_.clear();
  start_time_ = std::chrono::steady_clock::now();
  if (counters_.empty() && !sensors_.empty()) {
    running_ = true;
    thread_ = std::thread([this] {
      while (running_) {
        double total = 0.0;
        for (const auto& sensor : sensors_) {
          total += read_watts(sensor).value_or(0.0);
        }
        sensor_watts_.push_back(total);
        std::this_thread::sleep_for(interval_);
      }
    });
  }
}

PowerReading PowerSampler::stop() {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time_).count();
  PowerReading reading;
  reading.method = description();
  if (!counters_.empty()) {
    double joules = 0.0;
    for (std::size_t i = 0; i < counters_.size(); ++i) {
      const auto end = read_microjoules(counters_[i]);
      if (!end) {
        reading.method = "not measured: " + counters_[i].name + " became unreadable";
        return reading;
      }
      joules += energy_delta_j(start_uj_[i], *end, counters_[i].max_range_uj);
    }
    if (seconds > 0.0) {
      reading.average_w = joules / seconds;
    }
    return reading;
  }
  if (thread_.joinable()) {
    running_ = false;
    thread_.join();
  }
  reading.sensor_samples = sensor_watts_.size();
  if (!sensor_watts_.empty()) {
    reading.average_w = std::accumulate(sensor_watts_.begin(), sensor_watts_.end(), 0.0) /
                        static_cast<double>(sensor_watts_.size());
  }
  return reading;
}

}  // namespace roofcast::measure
