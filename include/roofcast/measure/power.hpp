#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace roofcast::measure {

/// A cumulative energy counter: Linux powercap (RAPL) zones, or hwmon energy*_input.
struct EnergyCounter {
  std::string name;               ///< "powercap package-0", "hwmon amd_energy Esocket0"
  std::filesystem::path path;     ///< file holding microjoules
  double max_range_uj = 0.0;      ///< where the counter wraps; 0 = unknown (never wraps)
};

/// An instantaneous power sensor: hwmon power*_input (µW), or a voltage and a
/// current channel multiplied (INA3221 on Jetson boards: in*_input mV × curr*_input mA).
struct PowerSensor {
  std::string name;               ///< "hwmon ina3221 VDD_IN"
  std::filesystem::path power_uw; ///< set for power*_input sensors
  std::filesystem::path voltage_mv;
  std::filesystem::path current_ma;
};

/// What the machine exposes under `sysfs_root` (normally "/sys"): top-level
/// powercap zones (their subzones would count twice), hwmon energy counters,
/// and hwmon power sensors. For INA3221 rails only the board input rail
/// (label containing "IN") is taken when there is one, since the others are
/// parts of it.
std::vector<EnergyCounter> find_energy_counters(const std::filesystem::path& sysfs_root);
std::vector<PowerSensor> find_power_sensors(const std::filesystem::path& sysfs_root);

/// Current readings; nullopt when the file is unreadable (e.g. energy_uj without root).
std::optional<double> read_microjoules(const EnergyCounter& counter);
std::optional<double> read_watts(const PowerSensor& sensor);

/// Joules between two readings of a counter, allowing one wrap-around.
double energy_delta_j(double start_uj, double end_uj, double max_range_uj);

/// A power reading over a measured interval.
struct PowerReading {
  std::optional<double> average_w;  ///< nullopt: not measured
  std::string method;               ///< how, or why not ("not measured: no readable ...")
  std::size_t sensor_samples = 0;   ///< samples taken from instantaneous sensors
};

/// Measures average power over an interval: energy counters where readable
/// (sum of zones, delta over time), else instantaneous sensors sampled every
/// `interval` by a background thread and averaged. Never invents a figure.
class PowerSampler {
 public:
  explicit PowerSampler(const std::filesystem::path& sysfs_root = "/sys",
                        std::chrono::milliseconds interval = std::chrono::milliseconds(50));
  ~PowerSampler();
  PowerSampler(const PowerSampler&) = delete;
  PowerSampler& operator=(const PowerSampler&) = delete;

  /// Whether anything readable was found.
  bool available() const { return !counters_.empty() || !sensors_.empty(); }
  std::string description() const;

  void start();
  PowerReading stop();

 private:
  std::vector<EnergyCounter> counters_;
  std::vector<PowerSensor> sensors_;
  std::chrono::milliseconds interval_;
  std::vector<double> start_uj_;
  std::chrono::steady_clock::time_point start_time_;
  std::atomic<bool> running_{false};
  std::thread thread_;
  std::vector<double> sensor_watts_;  ///< written by the thread, read after join
};

}  // namespace roofcast::measure
