#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace roofcast::measure {

/// What the CPU's specification implies: cores × FMA units × vector lanes × 2 × clock.
struct CpuSpec {
  std::string model;
  std::string vendor;
  int cpu_family = 0;
  int logical_cpus = 0;
  std::string isa;              ///< widest FP32 FMA instruction set found: avx512f, avx2+fma, neon, scalar
  int isa_lanes = 1;            ///< FP32 lanes of one instruction
  int datapath_lanes = 1;       ///< FP32 lanes one FMA unit completes per cycle (AMD Zen 4 splits 512-bit ops in two)
  int fma_units = 1;            ///< assumed FMA pipes per core
  double clock_hz = 0.0;        ///< max frequency from cpufreq, else "cpu MHz" from /proc/cpuinfo
  std::string clock_source;
  std::vector<std::pair<int, std::int64_t>> data_caches;  ///< (level, bytes) of cpu0's data/unified caches

  /// Level → bytes of cpu0's largest data/unified cache at that level.
  std::map<int, std::int64_t> cache_bytes_by_level() const {
    std::map<int, std::int64_t> levels;
    for (const auto& [level, bytes] : data_caches) {
      levels[level] = std::max(levels[level], bytes);
    }
    return levels;
  }

  /// Bytes of cpu0's last-level cache; 0 when sysfs lists none.
  std::int64_t last_level_cache_bytes() const {
    const auto levels = cache_bytes_by_level();
    return levels.empty() ? 0 : levels.rbegin()->second;
  }

  /// Bytes of one core's largest private cache, the level below the last
  /// (L2 where L3 is shared); 0 when sysfs lists fewer than two levels.
  std::int64_t private_cache_bytes() const {
    const auto levels = cache_bytes_by_level();
    return levels.size() < 2 ? 0 : std::next(levels.rbegin())->second;
  }

  /// Peak FP32 FLOP/s of `cores` cores by the formula above.
  double peak_flops_per_s(int cores) const {
    return static_cast<double>(cores) * fma_units * datapath_lanes * 2.0 * clock_hz;
  }
  std::string formula(int cores) const;
};

/// Reads /proc/cpuinfo and /sys (cpufreq, cache) under `root` ("/" normally).
CpuSpec read_cpu_spec(const std::string& root = "/");

/// Bytes to read before a microbenchmark run (micro_model_bytes' flush):
/// half of cpu0's last-level cache, rounded up to a MiB, and at most 16 MiB
/// (16 MiB when the caches are unknown). It leaves the kernel's data out of
/// the core's own caches and partly out of the shared one, as the rest of a
/// network does between two uses of a kernel's weights. The cap is measured,
/// not derived: on two machines a flush past 16 MiB over-predicted networks,
/// a 66 MiB one by 8 % on an AMD EPYC with 32 MiB of L3, a 64 MiB one (half
/// the 128 MiB a 2-vCPU Intel Xeon's sweep meets) by 23 %, its elementwise
/// kernels and copies 2-4x slow against the network; 16 MiB predicted the
/// same zoo within 4.7 % (bench/ACCURACY.md, session 19).
std::int64_t default_cache_flush_bytes(const CpuSpec& cpu);
/// The same for a last level of `last_level_bytes` (≤ 0: unknown).
std::int64_t default_cache_flush_bytes(std::int64_t last_level_bytes);

/// Measured FP32 FMA throughput: `threads` threads, each running independent
/// vector FMA chains for about `seconds`.
double measure_peak_flops(int threads, double seconds);

/// Read bandwidth at one working-set size per thread.
struct BandwidthPoint {
  std::int64_t bytes_per_thread = 0;
  int threads = 1;
  double bytes_per_s = 0.0;  ///< all threads together
};

/// Read bandwidth (vector loads summed, nothing written) over working sets from
/// `min_bytes` to `max_bytes` per thread, doubling; each size runs ~`seconds`.
/// `progress` (may be empty) is called after every point.
std::vector<BandwidthPoint> measure_bandwidth_sweep(
    int threads, std::int64_t min_bytes, std::int64_t max_bytes, double seconds,
    const std::function<void(const BandwidthPoint&)>& progress = {});

/// The sweep's plateaus, named by the caches the kernel reports: the best
/// bandwidth at working sets above the level below and up to half of this
/// level, and "dram": the median at working sets of at least 4× the last level
/// or, where the sweep stops short of that (a virtual machine's share of a
/// large last level: 480 MiB reported on 2 vCPUs), at its three largest.
struct MemoryLevelBandwidth {
  std::string level;  ///< "l1", "l2", "l3", "dram"
  std::int64_t bytes_per_thread = 0;
  double bytes_per_s = 0.0;
};
std::vector<MemoryLevelBandwidth> bandwidth_levels(const std::vector<BandwidthPoint>& sweep,
                                                   const CpuSpec& spec);

/// The largest working set per thread a sweep needs for its "dram" figure:
/// 4× the last level rounded up to a power of two, halved while it is more
/// than the machine can spare (half of `available_bytes`, shared by `threads`
/// buffers; 0: unknown, no limit), and never below 512 MiB.
std::int64_t dram_sweep_bytes(const CpuSpec& spec, std::int64_t available_bytes, int threads);

/// The last-level cache as a bandwidth sweep meets it: the size cpu0 reports,
/// or, where the sweep already reads at DRAM's bandwidth (within 10 %) at a
/// smaller working set above the level below, that working set. A virtual
/// machine given 2 vCPUs of a host whose L3 is reported whole (480 MiB on
/// this project's Intel Xeon CI machine) reads at DRAM's 16.4 GB/s from
/// 256 MiB. 0 when the caches are unknown.
std::int64_t effective_last_level_bytes(const std::vector<BandwidthPoint>& sweep, const CpuSpec& spec,
                                        double dram_bytes_per_s);

/// /proc/meminfo's MemAvailable in bytes; 0 when it cannot be read.
std::int64_t available_memory_bytes();

}  // namespace roofcast::measure

#include <optional>

#include "roofcast/common/context.hpp"
#include "roofcast/measure/runtime_ceilings.hpp"

namespace roofcast::measure {

/// Everything `roofcast ceilings` measures.
struct CeilingsReport {
  CpuSpec spec;
  int threads = 1;                      ///< "all cores" below means this many threads
  double peak_flops_1_thread = 0.0;
  double peak_flops_all = 0.0;
  std::vector<BandwidthPoint> sweep_1_thread;
  std::vector<BandwidthPoint> sweep_all;
  std::vector<MemoryLevelBandwidth> levels_1_thread;
  std::vector<MemoryLevelBandwidth> levels_all;
  std::optional<RuntimeCeilings> runtime;  ///< when a runner was given
  std::string runtime_name;                ///< "onnxruntime 1.22.0"
};

/// A device profile (hwprofiles/SCHEMA.md) whose ceilings are these
/// measurements at `report.threads` threads: kind datasheet (a pure roofline,
/// no fitted kernel models), every figure cited as measured by this run.
std::string ceilings_profile_json(const CeilingsReport& report, const std::string& id,
                                  const RunContext& context);

}  // namespace roofcast::measure
