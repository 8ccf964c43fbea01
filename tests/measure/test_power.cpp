// Power readers on a fixture sysfs tree: powercap zones (subzones ignored),
// hwmon power sensors and energy counters, INA3221 rails; wrap-around.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "roofcast/measure/power.hpp"

namespace roofcast::measure {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

fs::path fresh(const std::string& name) {
  const fs::path root = fs::temp_directory_path() / name;
  fs::remove_all(root);
  fs::create_directories(root);
  return root;
}

TEST(Power, PowercapTopLevelZonesOnly) {
  const fs::path root = fresh("roofcast_power_rapl");
  const fs::path zones = root / "class/powercap";
  write(zones / "intel-rapl:0/name", "package-0\n");
  write(zones / "intel-rapl:0/energy_uj", "1000000\n");
  write(zones / "intel-rapl:0/max_energy_range_uj", "262143328850\n");
  write(zones / "intel-rapl:0:0/name", "core\n");  // a subzone: part of package-0
  write(zones / "intel-rapl:0:0/energy_uj", "400000\n");
  write(zones / "intel-rapl:1/name", "package-1\n");
  write(zones / "intel-rapl:1/energy_uj", "5\n");
  const auto counters = find_energy_counters(root);
  ASSERT_EQ(counters.size(), 2u);
  EXPECT_EQ(counters[0].name, "powercap package-0");
  EXPECT_DOUBLE_EQ(counters[0].max_range_uj, 262143328850.0);
  EXPECT_EQ(read_microjoules(counters[0]), 1000000.0);
  EXPECT_EQ(counters[1].name, "powercap package-1");
}

TEST(Power, EnergyDeltaHandlesOneWrap) {
  EXPECT_DOUBLE_EQ(energy_delta_j(1e6, 3e6, 0.0), 2.0);
  EXPECT_DOUBLE_EQ(energy_delta_j(9e6, 1e6, 10e6), 2.0);  // wrapped at 10 J
  EXPECT_DOUBLE_EQ(energy_delta_j(9e6, 1e6, 0.0), 0.0);   // unknown range: no invented energy
}

TEST(Power, HwmonPowerSensorsAndIna3221InputRail) {
  const fs::path root = fresh("roofcast_power_hwmon");
  const fs::path hwmon = root / "class/hwmon";
  write(hwmon / "hwmon0/name", "acpi_power\n");
  write(hwmon / "hwmon0/power1_input", "7500000\n");  // 7.5 W in µW
  // Jetson Orin's INA3221: three rails, VDD_IN the board's input.
  write(hwmon / "hwmon1/name", "ina3221\n");
  write(hwmon / "hwmon1/in1_label", "VDD_IN\n");
  write(hwmon / "hwmon1/in1_input", "5000\n");   // mV
  write(hwmon / "hwmon1/curr1_input", "1200\n");  // mA
  write(hwmon / "hwmon1/in2_label", "VDD_CPU_GPU_CV\n");
  write(hwmon / "hwmon1/in2_input", "5000\n");
  write(hwmon / "hwmon1/curr2_input", "600\n");
  const auto sensors = find_power_sensors(root);
  ASSERT_EQ(sensors.size(), 2u);
  EXPECT_EQ(sensors[0].name, "hwmon acpi_power power1_input");
  EXPECT_DOUBLE_EQ(*read_watts(sensors[0]), 7.5);
  EXPECT_EQ(sensors[1].name, "hwmon ina3221 VDD_IN");
  EXPECT_DOUBLE_EQ(*read_watts(sensors[1]), 6.0);  // 5 V × 1.2 A
}

TEST(Power, HwmonEnergyCountersAreCounters) {
  const fs::path root = fresh("roofcast_power_amd_energy");
  write(root / "class/hwmon/hwmon0/name", "amd_energy\n");
  write(root / "class/hwmon/hwmon0/energy1_label", "Esocket0\n");
  write(root / "class/hwmon/hwmon0/energy1_input", "123\n");
  const auto counters = find_energy_counters(root);
  ASSERT_EQ(counters.size(), 1u);
  EXPECT_EQ(counters[0].name, "hwmon amd_energy Esocket0");
}

TEST(Power, SamplerAveragesCounterEnergyOverTime) {
  const fs::path root = fresh("roofcast_power_sampler");
  const fs::path energy = root / "class/powercap/intel-rapl:0/energy_uj";
  write(root / "class/powercap/intel-rapl:0/name", "package-0\n");
  write(energy, "0\n");
  PowerSampler sampler(root);
  ASSERT_TRUE(sampler.available());
  sampler.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  write(energy, "2000000\n");  // 2 J over ~0.2 s: ~10 W
  const PowerReading reading = sampler.stop();
  ASSERT_TRUE(reading.average_w.has_value());
  EXPECT_GT(*reading.average_w, 5.0);
  EXPECT_LT(*reading.average_w, 10.5);
  EXPECT_THAT(reading.method, ::testing::HasSubstr("powercap package-0"));
}

TEST(Power, SamplerAveragesSensorSamples) {
  const fs::path root = fresh("roofcast_power_sensor_sampler");
  write(root / "class/hwmon/hwmon0/name", "ina3221\n");
  write(root / "class/hwmon/hwmon0/in1_label", "VDD_IN\n");
  write(root / "class/hwmon/hwmon0/in1_input", "5000\n");
  write(root / "class/hwmon/hwmon0/curr1_input", "2000\n");
  PowerSampler sampler(root, std::chrono::milliseconds(5));
  sampler.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  const PowerReading reading = sampler.stop();
  ASSERT_TRUE(reading.average_w.has_value());
  EXPECT_DOUBLE_EQ(*reading.average_w, 10.0);
  EXPECT_GE(reading.sensor_samples, 2u);
}

TEST(Power, NothingReadableIsNotMeasured) {
  const fs::path root = fresh("roofcast_power_none");
  PowerSampler sampler(root);
  EXPECT_FALSE(sampler.available());
  sampler.start();
  const PowerReading reading = sampler.stop();
  EXPECT_FALSE(reading.average_w.has_value());
  EXPECT_THAT(reading.method, ::testing::HasSubstr("not measured"));
}

}  // namespace
}  // namespace roofcast::measure
