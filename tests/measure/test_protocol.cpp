// The measurement protocol's statistics and acceptance rule, the CPU-spec
// reader and the bandwidth plateaus, on fixed inputs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "roofcast/common/error.hpp"
#include "roofcast/measure/ceilings.hpp"
#include "roofcast/measure/protocol.hpp"

namespace roofcast::measure {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

TEST(Protocol, QuantilesInterpolateLinearly) {
  const std::vector<double> sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  EXPECT_DOUBLE_EQ(quantile(sorted, 0.5), 6.0);
  EXPECT_DOUBLE_EQ(quantile(sorted, 0.1), 2.0);
  EXPECT_DOUBLE_EQ(quantile(sorted, 0.9), 10.0);
  EXPECT_DOUBLE_EQ(quantile({1.0, 2.0}, 0.5), 1.5);
  EXPECT_DOUBLE_EQ(quantile({7.0}, 0.9), 7.0);
}

TEST(Protocol, SummarizeSortsAndCounts) {
  const SampleStats s = summarize({0.005, 0.001, 0.003, 0.002, 0.004});
  EXPECT_EQ(s.count, 5u);
  EXPECT_DOUBLE_EQ(s.median_s, 0.003);
  EXPECT_DOUBLE_EQ(s.min_s, 0.001);
  EXPECT_DOUBLE_EQ(s.mean_s, 0.003);
  EXPECT_DOUBLE_EQ(s.p10_s, 0.0014);
  EXPECT_DOUBLE_EQ(s.p90_s, 0.0046);
  EXPECT_NEAR(s.spread(), (0.0046 - 0.0014) / 0.003, 1e-12);
  EXPECT_THROW((void)summarize({}), RunnerError);
}

TEST(Protocol, WideOrBusyMeasurementsAreRejectedWithAReason) {
  MeasurementPolicy policy;
  policy.max_spread = 0.10;
  policy.max_other_cpu_share = 0.25;
  std::string reason;
  SampleStats tight;
  tight.median_s = 1.0;
  tight.p10_s = 0.97;
  tight.p90_s = 1.05;
  EXPECT_TRUE(acceptable(tight, 0.0, policy, reason));
  EXPECT_TRUE(reason.empty());
  SampleStats wide = tight;
  wide.p90_s = 1.2;
  EXPECT_FALSE(acceptable(wide, 0.0, policy, reason));
  EXPECT_THAT(reason, HasSubstr("spread (p90-p10)/median 23.0 % exceeds 10.0 %"));
  EXPECT_FALSE(acceptable(tight, 0.5, policy, reason));
  EXPECT_THAT(reason, HasSubstr("other processes used 50 % of the CPUs"));
}

TEST(Protocol, CpuLoadMeterReportsAShare) {
  CpuLoadMeter meter({});
  meter.start();
  volatile double x = 0.0;
  for (int i = 0; i < 2'000'000; ++i) {
    x = x + 1.0;
  }
  const double share = meter.stop();
  EXPECT_GE(share, 0.0);
  EXPECT_LE(share, 1.0);
}

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

TEST(CpuSpec, ReadsIsaClockAndCachesFromAFixtureTree) {
  const fs::path root = fs::temp_directory_path() / "roofcast_cpu_fixture";
  fs::remove_all(root);
  write(root / "proc/cpuinfo",
        "vendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel name\t: AMD EPYC 9654\n"
        "cpu MHz\t\t: 2400.000\nflags\t\t: fpu sse avx fma avx2 avx512f avx512bw\n");
  write(root / "sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", "3700000\n");
  const fs::path cache = root / "sys/devices/system/cpu/cpu0/cache";
  write(cache / "index0/type", "Data\n");
  write(cache / "index0/level", "1\n");
  write(cache / "index0/size", "32K\n");
  write(cache / "index1/type", "Instruction\n");
  write(cache / "index1/level", "1\n");
  write(cache / "index1/size", "32K\n");
  write(cache / "index2/type", "Unified\n");
  write(cache / "index2/level", "2\n");
  write(cache / "index2/size", "1024K\n");
  const CpuSpec spec = read_cpu_spec(root.string() + "/");
  EXPECT_EQ(spec.model, "AMD EPYC 9654");
  EXPECT_EQ(spec.isa, "avx512f");
  EXPECT_EQ(spec.isa_lanes, 16);
  EXPECT_EQ(spec.datapath_lanes, 8);  // Zen 4 runs 512-bit FMAs on 256-bit units
  EXPECT_DOUBLE_EQ(spec.clock_hz, 3.7e9);
  ASSERT_EQ(spec.data_caches.size(), 2u);
  EXPECT_EQ(spec.data_caches[1], (std::pair<int, std::int64_t>{2, 1024 * 1024}));
  // 4 cores × 2 FMA × 8 lanes × 2 FLOP × 3.7 GHz
  EXPECT_DOUBLE_EQ(spec.peak_flops_per_s(4), 4 * 2 * 8 * 2 * 3.7e9);
}

TEST(Ceilings, TheCacheFlushIsHalfTheLastLevelCacheAtMost16MiB) {
  constexpr std::int64_t kMiB = 1024 * 1024;
  CpuSpec spec;
  spec.data_caches = {{1, 32 * 1024}, {2, 1 * kMiB}, {3, 32 * kMiB}};
  EXPECT_EQ(default_cache_flush_bytes(spec), 16 * kMiB);
  spec.data_caches = {{3, 5 * kMiB}, {1, 48 * 1024}, {2, 2 * kMiB}};  // any order; rounded up to a MiB
  EXPECT_EQ(default_cache_flush_bytes(spec), 3 * kMiB);
  spec.data_caches = {{1, 32 * 1024}, {2, 512 * 1024}};  // no L3: half the L2, at least a MiB
  EXPECT_EQ(default_cache_flush_bytes(spec), 1 * kMiB);
  spec.data_caches.clear();  // unknown
  EXPECT_EQ(default_cache_flush_bytes(spec), 16 * kMiB);
  spec.data_caches = {{1, 48 * 1024}, {2, 2 * kMiB}, {3, 128 * kMiB}};  // a large last level: at most 16 MiB
  EXPECT_EQ(default_cache_flush_bytes(spec), 16 * kMiB);
  EXPECT_EQ(default_cache_flush_bytes(33 * kMiB), 16 * kMiB);
  EXPECT_EQ(default_cache_flush_bytes(31 * kMiB), 16 * kMiB);  // 15.5 rounded up
  EXPECT_EQ(default_cache_flush_bytes(std::int64_t{0}), 16 * kMiB);
}

TEST(Ceilings, EachCacheLevelKeepsItsLargestCache) {
  constexpr std::int64_t kMiB = 1024 * 1024;
  CpuSpec spec;
  spec.data_caches = {{3, 8 * kMiB}, {1, 32 * 1024}, {3, 16 * kMiB}, {2, 1 * kMiB}};
  EXPECT_EQ(spec.cache_bytes_by_level(), (std::map<int, std::int64_t>{{1, 32 * 1024}, {2, kMiB}, {3, 16 * kMiB}}));
  EXPECT_EQ(default_cache_flush_bytes(spec), 8 * kMiB);  // half the largest last-level cache
  EXPECT_TRUE(CpuSpec{}.cache_bytes_by_level().empty());
}

TEST(Ceilings, LevelsComeFromTheSweepByCacheSize) {
  CpuSpec spec;
  spec.data_caches = {{1, 32 * 1024}, {2, 1024 * 1024}, {3, 32 * 1024 * 1024}};
  std::vector<BandwidthPoint> sweep;
  const std::vector<double> gbs = {200, 190, 120, 118, 117, 100, 98, 97, 96, 90, 60, 40, 25, 24, 26, 25};
  std::int64_t bytes = 16 * 1024;
  for (const double value : gbs) {
    sweep.push_back({.bytes_per_thread = bytes, .threads = 1, .bytes_per_s = value * 1e9});
    bytes *= 2;
  }
  const auto levels = bandwidth_levels(sweep, spec);
  ASSERT_EQ(levels.size(), 4u);
  EXPECT_EQ(levels[0].level, "l1");
  EXPECT_DOUBLE_EQ(levels[0].bytes_per_s, 200e9);   // 16 KiB
  EXPECT_EQ(levels[1].level, "l2");
  EXPECT_DOUBLE_EQ(levels[1].bytes_per_s, 120e9);   // best of 64..512 KiB
  EXPECT_EQ(levels[2].level, "l3");
  EXPECT_DOUBLE_EQ(levels[2].bytes_per_s, 97e9);    // best of 2..16 MiB
  EXPECT_EQ(levels[3].level, "dram");
  EXPECT_DOUBLE_EQ(levels[3].bytes_per_s, 25e9);    // median of >= 128 MiB: 24, 25, 26 (sorted), upper middle
}

TEST(Ceilings, DramComesFromTheLargestWorkingSetsWhenTheSweepStopsShortOfFourTimesTheLastLevel) {
  // A 2-vCPU virtual machine whose cpu0 reports the host's 480 MiB L3: the
  // bandwidth falls to DRAM's well inside it, and a sweep to 512 MiB never
  // reaches 4x it.
  constexpr std::int64_t kMiB = 1024 * 1024;
  CpuSpec spec;
  spec.data_caches = {{1, 48 * 1024}, {2, 2 * kMiB}, {3, 480 * kMiB}};
  std::vector<BandwidthPoint> sweep;
  const std::vector<std::pair<std::int64_t, double>> gbs = {
      {16 * 1024, 258}, {512 * 1024, 188}, {4 * kMiB, 30}, {64 * kMiB, 29}, {128 * kMiB, 25}, {256 * kMiB, 17}, {512 * kMiB, 16}};
  for (const auto& [bytes, value] : gbs) {
    sweep.push_back({.bytes_per_thread = bytes, .threads = 1, .bytes_per_s = value * 1e9});
  }
  const auto levels = bandwidth_levels(sweep, spec);
  ASSERT_EQ(levels.size(), 4u);
  EXPECT_EQ(levels[3].level, "dram");
  EXPECT_DOUBLE_EQ(levels[3].bytes_per_s, 17e9);  // median of 128, 256 and 512 MiB's
  EXPECT_EQ(levels[3].bytes_per_thread, 256 * kMiB);
}

TEST(Ceilings, TheLastLevelEndsWhereTheSweepReadsAtDramBandwidth) {
  constexpr std::int64_t kMiB = 1024 * 1024;
  CpuSpec spec;
  spec.data_caches = {{1, 48 * 1024}, {2, 2 * kMiB}, {3, 480 * kMiB}};
  std::vector<BandwidthPoint> sweep;
  for (const auto& [bytes, gbs] : std::vector<std::pair<std::int64_t, double>>{
           {1 * kMiB, 16.0}, {4 * kMiB, 30.5}, {64 * kMiB, 29.2}, {128 * kMiB, 24.7}, {256 * kMiB, 17.2},
           {512 * kMiB, 16.5}, {2048 * kMiB, 16.4}}) {
    sweep.push_back({.bytes_per_thread = bytes, .threads = 1, .bytes_per_s = gbs * 1e9});
  }
  // 256 MiB is within 10 % of DRAM's 16.4 GB/s; 1 MiB (inside L2) does not count.
  EXPECT_EQ(effective_last_level_bytes(sweep, spec, 16.4e9), 256 * kMiB);
  EXPECT_EQ(default_cache_flush_bytes(effective_last_level_bytes(sweep, spec, 16.4e9)), 16 * kMiB);
  // A last level whose working sets read faster than DRAM up to its size is kept.
  spec.data_caches = {{1, 48 * 1024}, {2, 2 * kMiB}, {3, 128 * kMiB}};
  EXPECT_EQ(effective_last_level_bytes(sweep, spec, 16.4e9), 128 * kMiB);
  EXPECT_EQ(effective_last_level_bytes(sweep, spec, 0.0), 128 * kMiB);  // no DRAM figure
  EXPECT_EQ(effective_last_level_bytes(sweep, CpuSpec{}, 16.4e9), 0);
}

TEST(Ceilings, TheDramSweepReachesFourTimesTheLastLevelWhereMemoryAllows) {
  constexpr std::int64_t kMiB = 1024 * 1024;
  constexpr std::int64_t kGiB = 1024 * kMiB;
  CpuSpec spec;
  spec.data_caches = {{3, 480 * kMiB}};
  EXPECT_EQ(dram_sweep_bytes(spec, 20 * kGiB, 1), 2 * kGiB);  // 1920 MiB, rounded up
  EXPECT_EQ(dram_sweep_bytes(spec, 20 * kGiB, 2), 2 * kGiB);
  EXPECT_EQ(dram_sweep_bytes(spec, 0, 2), 2 * kGiB);          // unknown memory: no limit
  EXPECT_EQ(dram_sweep_bytes(spec, 6 * kGiB, 2), 1 * kGiB);   // 1.5 GiB to spare per buffer
  EXPECT_EQ(dram_sweep_bytes(spec, 1 * kGiB, 2), 512 * kMiB); // never below the old sweep
  spec.data_caches = {{3, 32 * kMiB}};
  EXPECT_EQ(dram_sweep_bytes(spec, 20 * kGiB, 1), 512 * kMiB);
  EXPECT_EQ(dram_sweep_bytes(CpuSpec{}, 20 * kGiB, 1), 512 * kMiB);
  EXPECT_GT(available_memory_bytes(), 0);
}

TEST(Ceilings, MeasuredPeakIsPositive) {
  EXPECT_GT(measure_peak_flops(1, 0.05), 1e8);
  const auto sweep = measure_bandwidth_sweep(1, 16 * 1024, 64 * 1024, 0.02);
  ASSERT_EQ(sweep.size(), 3u);
  EXPECT_GT(sweep[0].bytes_per_s, 1e8);
}

}  // namespace
}  // namespace roofcast::measure
