#include "roofcast/measure/ceilings.hpp"

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <thread>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace roofcast::measure {
namespace {

using Clock = std::chrono::steady_clock;

std::string cpuinfo_field(const std::string& root, const std::string& key) {
  std::ifstream in(root + "proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        const auto start = line.find_first_not_of(" \t", colon + 1);
        return start == std::string::npos ? "" : line.substr(start);
      }
    }
  }
  return "";
}

bool has_flag(const std::string& flags, const std::string& flag) {
  return (" " + flags + " ").find(" " + flag + " ") != std::string::npos;
}

std::int64_t parse_cache_size(const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  const std::string unit = end != nullptr ? std::string(end) : "";
  const double scale = unit.rfind("K", 0) == 0 ? 1024.0 : unit.rfind("M", 0) == 0 ? 1048576.0 : 1.0;
  return static_cast<std::int64_t>(value * scale);
}

// ---- FMA kernels: 12 independent accumulator chains hide the FMA latency. ---

constexpr int kChains = 12;

#if defined(__x86_64__)
// _mm512_reduce_add_ps trips GCC 12's -Wuninitialized inside its own header: sum by hand.
__attribute__((target("avx512f"))) double horizontal_sum(__m512 value) {
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, value);
  double total = 0.0;
  for (const float lane : lanes) {
    total += lane;
  }
  return total;
}

__attribute__((target("avx512f"))) double fma_avx512(std::int64_t iterations) {
  __m512 acc[kChains];
  for (int c = 0; c < kChains; ++c) {
    acc[c] = _mm512_set1_ps(0.001f * static_cast<float>(c));
  }
  const __m512 a = _mm512_set1_ps(0.999999f);
  const __m512 b = _mm512_set1_ps(1e-7f);
  for (std::int64_t i = 0; i < iterations; ++i) {
    for (int c = 0; c < kChains; ++c) {
      acc[c] = _mm512_fmadd_ps(acc[c], a, b);
    }
  }
  __m512 sum = acc[0];
  for (int c = 1; c < kChains; ++c) {
    sum = _mm512_add_ps(sum, acc[c]);
  }
  return horizontal_sum(sum);
}

__attribute__((target("avx2,fma"))) double fma_avx2(std::int64_t iterations) {
  __m256 acc[kChains];
  for (int c = 0; c < kChains; ++c) {
    acc[c] = _mm256_set1_ps(0.001f * static_cast<float>(c));
  }
  const __m256 a = _mm256_set1_ps(0.999999f);
  const __m256 b = _mm256_set1_ps(1e-7f);
  for (std::int64_t i = 0; i < iterations; ++i) {
    for (int c = 0; c < kChains; ++c) {
      acc[c] = _mm256_fmadd_ps(acc[c], a, b);
    }
  }
  alignas(32) float lanes[8];
  __m256 sum = acc[0];
  for (int c = 1; c < kChains; ++c) {
    sum = _mm256_add_ps(sum, acc[c]);
  }
  _mm256_store_ps(lanes, sum);
  double total = 0.0;
  for (const float lane : lanes) {
    total += lane;
  }
  return total;
}

__attribute__((target("avx512f"))) double sum_avx512(const float* data, std::int64_t count) {
  __m512 acc[8];
  for (auto& a : acc) {
    a = _mm512_setzero_ps();
  }
  for (std::int64_t i = 0; i + 128 <= count; i += 128) {
    for (int c = 0; c < 8; ++c) {
      acc[c] = _mm512_add_ps(acc[c], _mm512_load_ps(data + i + 16 * c));
    }
  }
  for (int c = 1; c < 8; ++c) {
    acc[0] = _mm512_add_ps(acc[0], acc[c]);
  }
  return horizontal_sum(acc[0]);
}

__attribute__((target("avx2"))) double sum_avx2(const float* data, std::int64_t count) {
  __m256 acc[8];
  for (auto& a : acc) {
    a = _mm256_setzero_ps();
  }
  for (std::int64_t i = 0; i + 64 <= count; i += 64) {
    for (int c = 0; c < 8; ++c) {
      acc[c] = _mm256_add_ps(acc[c], _mm256_load_ps(data + i + 8 * c));
    }
  }
  for (int c = 1; c < 8; ++c) {
    acc[0] = _mm256_add_ps(acc[0], acc[c]);
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc[0]);
  double total = 0.0;
  for (const float lane : lanes) {
    total += lane;
  }
  return total;
}
#endif

/// Portable fallback: plain chains the compiler may vectorize for the baseline ISA.
double fma_generic(std::int64_t iterations) {
  float acc[kChains][4];
  for (int c = 0; c < kChains; ++c) {
    for (float& lane : acc[c]) {
      lane = 0.001f * static_cast<float>(c);
    }
  }
  for (std::int64_t i = 0; i < iterations; ++i) {
    for (auto& chain : acc) {
      for (float& lane : chain) {
        lane = std::fma(lane, 0.999999f, 1e-7f);
      }
    }
  }
  double total = 0.0;
  for (const auto& chain : acc) {
    for (const float lane : chain) {
      total += lane;
    }
  }
  return total;
}

double sum_generic(const float* data, std::int64_t count) {
  float acc[16] = {};
  for (std::int64_t i = 0; i + 16 <= count; i += 16) {
    for (int c = 0; c < 16; ++c) {
      acc[c] += data[i + c];
    }
  }
  double total = 0.0;
  for (const float lane : acc) {
    total += lane;
  }
  return total;
}

struct FmaKernel {
  double (*run)(std::int64_t);
  int lanes;
};

FmaKernel best_fma_kernel() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx512f")) {
    return {fma_avx512, 16};
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return {fma_avx2, 8};
  }
#endif
  return {fma_generic, 4};
}

using SumKernel = double (*)(const float*, std::int64_t);

SumKernel best_sum_kernel() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx512f")) {
    return sum_avx512;
  }
  if (__builtin_cpu_supports("avx2")) {
    return sum_avx2;
  }
#endif
  return sum_generic;
}

std::atomic<double> g_sink{0.0};  // keeps results alive so the loops are not optimized away

void sink(double value) {
  g_sink.store(g_sink.load(std::memory_order_relaxed) + value, std::memory_order_relaxed);
}

}  // namespace

std::string CpuSpec::formula(int cores) const {
  char text[256];
  std::snprintf(text, sizeof text, "%d cores x %d FMA units x %d FP32 lanes x 2 FLOP x %.2f GHz",
                cores, fma_units, datapath_lanes, clock_hz / 1e9);
  return text;
}

std::int64_t default_cache_flush_bytes(const CpuSpec& cpu) {
  return default_cache_flush_bytes(cpu.last_level_cache_bytes());
}

std::int64_t default_cache_flush_bytes(std::int64_t last_level_bytes) {
  constexpr std::int64_t kMiB = 1 << 20;
  if (last_level_bytes <= 0) {
    return 16 * kMiB;
  }
  constexpr std::int64_t kCap = 16 * kMiB;
  return std::min(kCap, (last_level_bytes / 2 + kMiB - 1) / kMiB * kMiB);
}

CpuSpec read_cpu_spec(const std::string& root) {
  CpuSpec spec;
  spec.model = cpuinfo_field(root, "model name");
  spec.vendor = cpuinfo_field(root, "vendor_id");
  spec.cpu_family = std::atoi(cpuinfo_field(root, "cpu family").c_str());
  spec.logical_cpus = static_cast<int>(std::thread::hardware_concurrency());
  const std::string flags = cpuinfo_field(root, "flags");
  const std::string features = cpuinfo_field(root, "Features");  // arm64
  if (has_flag(flags, "avx512f")) {
    spec.isa = "avx512f";
    spec.isa_lanes = 16;
  } else if (has_flag(flags, "avx2") && has_flag(flags, "fma")) {
    spec.isa = "avx2+fma";
    spec.isa_lanes = 8;
  } else if (has_flag(features, "asimd")) {
    spec.isa = "neon";
    spec.isa_lanes = 4;
  } else {
    spec.isa = "scalar";
    spec.isa_lanes = 1;
  }
  spec.datapath_lanes = spec.isa_lanes;
  // AMD Zen 2-4 (families 0x17, 0x19) execute FP on 256-bit units; Zen 4 runs
  // a 512-bit instruction as two halves.
  if (spec.vendor == "AuthenticAMD" && spec.cpu_family <= 0x19) {
    spec.datapath_lanes = std::min(spec.isa_lanes, 8);
  }
  spec.fma_units = spec.isa == "scalar" ? 1 : 2;  // x86 since Haswell/Zen 2, Cortex-A76+: two FMA pipes
  if (const auto khz = [&]() -> double {
        std::ifstream in(root + "sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq");
        double value = 0.0;
        return in >> value ? value : 0.0;
      }();
      khz > 0.0) {
    spec.clock_hz = khz * 1e3;
    spec.clock_source = "cpufreq cpuinfo_max_freq";
  } else {
    spec.clock_hz = std::atof(cpuinfo_field(root, "cpu MHz").c_str()) * 1e6;
    spec.clock_source = "/proc/cpuinfo cpu MHz (no cpufreq: the current, not the maximum, clock)";
  }
  for (int index = 0; index < 8; ++index) {
    const std::string dir = root + "sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/";
    std::ifstream type_in(dir + "type");
    std::string type;
    if (!(type_in >> type)) {
      break;
    }
    if (type == "Instruction") {
      continue;
    }
    std::ifstream level_in(dir + "level");
    std::ifstream size_in(dir + "size");
    int level = 0;
    std::string size;
    if (level_in >> level && size_in >> size) {
      spec.data_caches.emplace_back(level, parse_cache_size(size));
    }
  }
  return spec;
}

double measure_peak_flops(int threads, double seconds) {
  const FmaKernel kernel = best_fma_kernel();
  // Calibrate a block of iterations that takes ~10 ms on one thread.
  std::int64_t block = 1 << 16;
  for (;;) {
    const auto begin = Clock::now();
    sink(kernel.run(block));
    const double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();
    if (elapsed > 0.01 || block > (std::int64_t{1} << 40)) {
      break;
    }
    block *= 2;
  }
  std::atomic<std::int64_t> blocks_done{0};
  std::barrier sync(threads + 1);
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      sync.arrive_and_wait();
      while (!stop.load(std::memory_order_relaxed)) {
        sink(kernel.run(block));
        blocks_done.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  sync.arrive_and_wait();
  const auto begin = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& worker : workers) {
    worker.join();
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();
  const double flops = static_cast<double>(blocks_done.load()) * static_cast<double>(block) * kChains *
                       kernel.lanes * 2.0;
  return flops / elapsed;
}

std::vector<BandwidthPoint> measure_bandwidth_sweep(
    int threads, std::int64_t min_bytes, std::int64_t max_bytes, double seconds,
    const std::function<void(const BandwidthPoint&)>& progress) {
  const SumKernel kernel = best_sum_kernel();
  std::vector<BandwidthPoint> sweep;
  for (std::int64_t bytes = min_bytes; bytes <= max_bytes; bytes *= 2) {
    const std::int64_t count = bytes / static_cast<std::int64_t>(sizeof(float));
    std::vector<std::unique_ptr<float, decltype(&std::free)>> buffers;
    for (int t = 0; t < threads; ++t) {
      auto* data = static_cast<float*>(std::aligned_alloc(64, static_cast<std::size_t>(bytes)));
      std::fill(data, data + count, 1.0f);
      buffers.emplace_back(data, &std::free);
    }
    std::atomic<std::int64_t> passes{0};
    std::atomic<bool> stop{false};
    std::barrier sync(threads + 1);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        const float* data = buffers[static_cast<std::size_t>(t)].get();
        sink(kernel(data, count));  // warm the caches (and fault the pages)
        sync.arrive_and_wait();
        while (!stop.load(std::memory_order_relaxed)) {
          sink(kernel(data, count));
          passes.fetch_add(1, std::memory_order_relaxed);
        }
      });
    }
    sync.arrive_and_wait();
    const auto begin = Clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& worker : workers) {
      worker.join();
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();
    const BandwidthPoint point{.bytes_per_thread = bytes,
                               .threads = threads,
                               .bytes_per_s = static_cast<double>(passes.load()) *
                                              static_cast<double>(bytes) / elapsed};
    sweep.push_back(point);
    if (progress) {
      progress(point);
    }
  }
  return sweep;
}

std::vector<MemoryLevelBandwidth> bandwidth_levels(const std::vector<BandwidthPoint>& sweep,
                                                   const CpuSpec& spec) {
  std::vector<MemoryLevelBandwidth> levels;
  std::int64_t previous = 0;
  std::int64_t last_level = 0;
  for (const auto& [level, size] : spec.data_caches) {
    MemoryLevelBandwidth best{.level = "l" + std::to_string(level), .bytes_per_thread = 0, .bytes_per_s = 0.0};
    for (const auto& point : sweep) {
      if (point.bytes_per_thread > previous && point.bytes_per_thread <= size / 2 &&
          point.bytes_per_s > best.bytes_per_s) {
        best.bytes_per_thread = point.bytes_per_thread;
        best.bytes_per_s = point.bytes_per_s;
      }
    }
    if (best.bytes_per_s > 0.0) {
      levels.push_back(best);
    }
    previous = size;
    last_level = std::max(last_level, size);
  }
  // DRAM: the median over working sets of at least 4× the last level, else
  // over the sweep's three largest (a sweep stopped short of 4× a large one).
  std::vector<const BandwidthPoint*> dram;
  for (const auto& point : sweep) {
    if (last_level == 0 || point.bytes_per_thread >= 4 * last_level) {
      dram.push_back(&point);
    }
  }
  if (dram.empty()) {
    for (const auto& point : sweep) {
      dram.push_back(&point);
    }
    std::sort(dram.begin(), dram.end(),
              [](const auto* a, const auto* b) { return a->bytes_per_thread > b->bytes_per_thread; });
    dram.resize(std::min<std::size_t>(dram.size(), 3));
  }
  if (!dram.empty()) {
    std::sort(dram.begin(), dram.end(),
              [](const auto* a, const auto* b) { return a->bytes_per_s < b->bytes_per_s; });
    const auto* middle = dram[dram.size() / 2];
    levels.push_back({.level = "dram", .bytes_per_thread = middle->bytes_per_thread, .bytes_per_s = middle->bytes_per_s});
  }
  return levels;
}

std::int64_t dram_sweep_bytes(const CpuSpec& spec, std::int64_t available_bytes, int threads) {
  constexpr std::int64_t kMiB = 1 << 20;
  const std::int64_t wanted = std::max<std::int64_t>(4 * spec.last_level_cache_bytes(), 512 * kMiB);
  std::int64_t bytes = 16 * 1024;
  while (bytes < wanted) {
    bytes *= 2;
  }
  const std::int64_t spare = available_bytes / 2 / std::max(threads, 1);
  while (available_bytes > 0 && bytes > 512 * kMiB && bytes > spare) {
    bytes /= 2;
  }
  return bytes;
}

std::int64_t effective_last_level_bytes(const std::vector<BandwidthPoint>& sweep, const CpuSpec& spec,
                                        double dram_bytes_per_s) {
  const auto levels = spec.cache_bytes_by_level();
  if (levels.empty()) {
    return 0;
  }
  const std::int64_t reported = levels.rbegin()->second;
  const std::int64_t below = levels.size() > 1 ? std::next(levels.rbegin())->second : 0;
  std::int64_t effective = reported;
  if (dram_bytes_per_s > 0.0) {
    for (const auto& point : sweep) {
      if (point.bytes_per_thread > below && point.bytes_per_thread < effective &&
          point.bytes_per_s <= 1.1 * dram_bytes_per_s) {
        effective = point.bytes_per_thread;
      }
    }
  }
  return effective;
}

std::int64_t available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    long long kib = 0;
    if (std::sscanf(line.c_str(), "MemAvailable: %lld kB", &kib) == 1) {
      return static_cast<std::int64_t>(kib) * 1024;
    }
  }
  return 0;
}

}  // namespace roofcast::measure

#include <nlohmann/json.hpp>

namespace roofcast::measure {

std::string ceilings_profile_json(const CeilingsReport& report, const std::string& id,
                                  const RunContext& context) {
  using Json = nlohmann::ordered_json;
  const std::string run = "roofcast ceilings, " + context.date_utc;
  const auto figure = [&](const std::string& note) {
    return Json{{"basis", "measured"}, {"source", "ceilings-run"}, {"note", note}};
  };
  char text[256];
  Json memory = Json::object();
  Json figures = Json::object();
  std::snprintf(text, sizeof text, "FP32 FMA chains on %d threads; the specification implies %.1f GFLOP/s (%s)",
                report.threads, report.spec.peak_flops_per_s(report.threads) / 1e9,
                report.spec.formula(report.threads).c_str());
  figures["ceilings.peak_gflops.fp32"] = figure(text);
  for (const auto& level : report.levels_all) {
    memory[level.level] = std::round(level.bytes_per_s / 1e9 * 100.0) / 100.0;
    std::snprintf(text, sizeof text, "vector-load read bandwidth, %d threads, %lld KiB per thread",
                  report.threads, static_cast<long long>(level.bytes_per_thread / 1024));
    figures["ceilings.memory_gbs." + level.level] = figure(text);
  }
  figures["overheads.per_kernel_us"] = {
      {"basis", "estimate"}, {"source", "ceilings-run"},
      {"note", "not measured by `roofcast ceilings`: 0 (calibration fits per-kernel overheads)"}};
  figures["overheads.per_run_us"] = figures["overheads.per_kernel_us"];
  const double memory_gib = [] {
    std::ifstream in("/proc/meminfo");
    std::string key;
    double kib = 0.0;
    in >> key >> kib;
    return kib / 1048576.0;
  }();
  Json ceilings = {{"peak_gflops", {{"fp32", std::round(report.peak_flops_all / 1e9 * 100.0) / 100.0}}},
                   {"memory_gbs", memory}};
  if (report.runtime) {
    ceilings["attained"] = {
        {"gemm_gflops", std::round(report.runtime->gemm_flops_per_s / 1e9 * 100.0) / 100.0},
        {"elementwise_gbs", std::round(report.runtime->elementwise_bytes_per_s / 1e9 * 100.0) / 100.0}};
    figures["ceilings.attained.gemm_gflops"] =
        figure(report.runtime_name + ", " + std::to_string(report.threads) + " threads: " + report.runtime->gemm_model);
    figures["ceilings.attained.elementwise_gbs"] = figure(report.runtime_name + ", " + std::to_string(report.threads) +
                                                          " threads: " + report.runtime->elementwise_model +
                                                          " (reads 2 x 64 MiB, writes 64 MiB)");
  }
  Json profile = {
      {"schema_version", 1},
      {"id", id},
      {"kind", "datasheet"},
      {"hardware",
       {{"name", report.spec.model.empty() ? "this machine" : report.spec.model},
        {"processor", std::to_string(report.threads) + " of " + std::to_string(report.spec.logical_cpus) +
                          " logical CPUs, " + report.spec.isa},
        {"memory_gib", std::round(memory_gib * 10.0) / 10.0 > 0 ? std::round(memory_gib * 10.0) / 10.0 : 1.0}}},
      {"runtime", nullptr},
      {"default_precision", "fp32"},
      {"ceilings", ceilings},
      {"overheads", {{"per_kernel_us", 0.0}, {"per_run_us", 0.0}}},
      {"lowering",
       {{"fuse", {"conv_bn", "conv_activation", "conv_add", "gemm_bias", "gemm_activation"}},
        {"drop_views", true}}},
      {"kernel_models", Json::array()},
      {"provenance",
       {{"kind", "datasheet"},
        {"sources",
         {{{"id", "ceilings-run"},
           {"title", run + " on " + context.host_cpu},
           {"publisher", "roofcast " + context.tool_version + " (" + context.git_revision + ")"},
           {"url", ""},
           {"year", std::atoi(context.date_utc.substr(0, 4).c_str())}}}},
        {"figures", figures},
        {"calibration", nullptr}}}};
  return profile.dump(2) + "\n";
}

}  // namespace roofcast::measure
