#include "calibrate.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "micro_timing.hpp"
#include "model_options.hpp"
#include "roofcast/build_info.hpp"
#include "roofcast/common/error.hpp"
#include "roofcast/common/hash.hpp"
#include "roofcast/common/units.hpp"
#include "roofcast/fit/calibration.hpp"
#include "roofcast/graph/cost.hpp"
#include "roofcast/graph/load.hpp"
#include "roofcast/measure/ceilings.hpp"
#include "roofcast/measure/measurement.hpp"
#include "roofcast/measure/micro_models.hpp"
#include "roofcast/report/text_table.hpp"
#include "roofcast/roofline/predict.hpp"
#include "run_model.hpp"

namespace roofcast::cli {
namespace fs = std::filesystem;
namespace {

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string clock_text(double seconds) {
  char text[32];
  const auto s = static_cast<long long>(std::max(0.0, seconds));
  std::snprintf(text, sizeof text, "%lld:%02lld", s / 60, s % 60);
  return text;
}

void progress(std::size_t done, std::size_t total, double elapsed_s, std::size_t measured_now) {
  constexpr int kWidth = 30;
  const int filled = total > 0 ? static_cast<int>(kWidth * done / total) : kWidth;
  const double left = measured_now > 0 ? elapsed_s / static_cast<double>(measured_now) *
                                             static_cast<double>(total - done)
                                       : 0.0;
  std::cerr << "\r[" << std::string(static_cast<std::size_t>(filled), '#')
            << std::string(static_cast<std::size_t>(kWidth - filled), '.') << "] " << done << "/" << total
            << " measurements, " << clock_text(elapsed_s) << " elapsed, ~" << clock_text(left) << " left   "
            << std::flush;
}

/// The ceilings line of the log: measured once, reused on --resume so that
/// the profile depends only on the log.
struct LoggedCeilings {
  double peak_gflops = 0.0;
  std::map<std::string, double> memory_gbs;
  double per_run_us = 0.0;
  double unix_time_s = 0.0;
  /// The points' cache flush (0: hot caches, as logs written before it had).
  std::int64_t cache_flush_bytes = 0;
  /// measure::kMicroModelRevision of the points' micro-models (1 in logs written before it).
  int micro_model_revision = 1;
  /// Ceilings::dram_overlap_bytes_per_s / 1e9; < 0: not measured yet (logs written before it).
  double dram_overlap_gbs = -1.0;
  /// measure::effective_last_level_bytes from the sweep; 0: cpu0's reported size (logs written before it).
  std::int64_t last_level_bytes = 0;
  /// fit::LifetimeFit::lifetime_s in ms (0: nothing evicted with time); < 0:
  /// not measured yet (logs written before it).
  double cache_lifetime_ms = -1.0;
};

/// The last level the log's ceilings measured, else (logs written before it) cpu0's.
std::int64_t last_level_bytes(const LoggedCeilings& c, const measure::CpuSpec& cpu) {
  return c.last_level_bytes > 0 ? c.last_level_bytes : cpu.last_level_cache_bytes();
}

std::string ceilings_line(const LoggedCeilings& c) {
  return nlohmann::json{{"ceilings",
                         {{"peak_gflops", c.peak_gflops},
                          {"memory_gbs", c.memory_gbs},
                          {"per_run_us", c.per_run_us},
                          {"unix_time_s", c.unix_time_s},
                          {"cache_flush_bytes", c.cache_flush_bytes},
                          {"micro_model_revision", c.micro_model_revision},
                          {"dram_overlap_gbs", c.dram_overlap_gbs},
                          {"last_level_bytes", c.last_level_bytes},
                          {"cache_lifetime_ms", c.cache_lifetime_ms}}}}
      .dump();
}

/// The stretches of a calibration's measuring, each from its start (the
/// ceilings for the first, a --resume that measured for the others; the log
/// marks each resumption with a line {"resumed": {"unix_time_s": …}}) to its
/// last measurement. Their spans summed are the time taken: an interruption's
/// gap is not.
class Sittings {
 public:
  void start(double unix_time_s) { spans_.push_back({unix_time_s, unix_time_s}); }
  /// The first sitting's start, unless one has started.
  void start_first(double unix_time_s) {
    if (spans_.empty()) {
      start(unix_time_s);
    }
  }
  /// A measurement of the current sitting (of the first, in a log written
  /// before the ceilings line had a time).
  void measured(double unix_time_s) {
    start_first(unix_time_s);
    spans_.back().last_s = std::max(spans_.back().last_s, unix_time_s);
  }
  double seconds() const {
    double total = 0.0;
    for (const auto& span : spans_) {
      total += span.last_s - span.start_s;
    }
    return total;
  }

 private:
  struct Span {
    double start_s = 0.0;
    double last_s = 0.0;
  };
  std::vector<Span> spans_;
};

std::string resumed_line(double unix_time_s) {
  return nlohmann::json{{"resumed", {{"unix_time_s", unix_time_s}}}}.dump();
}

void append_line(const fs::path& log, const std::string& line) {
  std::ofstream out(log, std::ios::app);
  out << line << '\n';
  out.flush();
  if (!out) {
    throw IoError(log.string() + ": cannot append to the calibration log");
  }
}

/// The logged points' samples derived again from their specs by this
/// roofcast: a log keeps what was measured (the times), and how a kernel is
/// described to the fit (its loops, rows, dimensions) may have been refined
/// since the log was written. Each spec is lowered once.
void derive_samples_again(std::vector<fit::MeasuredPoint>& points, const fs::path& work, const fs::path& log) {
  std::map<std::string, roofline::Sample> derived;
  for (auto& point : points) {
    auto it = derived.find(point.spec);
    if (it == derived.end()) {
      try {
        const MicroKernel micro = lower_micro_model(point.spec, 0, work / "logged.onnx");
        it = derived.emplace(point.spec, roofline::kernel_sample(micro.graph, micro.kernel, 1.0)).first;
      } catch (const Error& error) {
        throw FitError(log.string() + ": the logged point " + point.spec +
                       " cannot be built again as a micro-model (" + error.what() + "); start a new log");
      }
    }
    const double time_s = point.sample.time_s;
    point.sample = it->second;
    point.sample.time_s = time_s;
  }
}

/// What one inner loop of a kernel class is (kernel_sample counts them).
const char* what_a_loop_is(const std::string& kernel_class) {
  if (kernel_class == "gemm") return "one GEMM of a batched MatMul";
  if (kernel_class == "data_movement") return "one contiguous run a copy or transpose moves";
  if (kernel_class == "normalization") return "one row a Softmax normalizes";
  if (kernel_class == "grouped_conv") return "one row a grouped convolution's im2col copies";
  return "one per channel of a BatchNormalization or a per-channel broadcast";
}

/// Ceilings::dram_overlap_bytes_per_s on this machine: a transformer-sized
/// MatMul (768 × 3072, 9.4 MB of weights) at 50 and 100 rows, each timed with
/// its weights cached and behind a flush of twice the last-level cache.
double measure_dram_overlap(measure::Runner& runner, const fs::path& work, const measure::MeasureOptions& options,
                            std::int64_t last_level_bytes, double dram_bytes_per_s) {
  const std::int64_t evicting_flush = 2 * std::max<std::int64_t>(last_level_bytes, std::int64_t{16} << 20);
  std::vector<fit::OverlapSample> samples;
  for (const char* spec : {"matmul:m=50,k=768,n=3072,bias=1", "matmul:m=100,k=768,n=3072,bias=1"}) {
    const auto warm = time_micro_kernel(runner, spec, 0, work, options);
    const auto cold = time_micro_kernel(runner, spec, evicting_flush, work, options);
    samples.push_back({.dram_bytes = static_cast<double>(warm.micro.kernel.weight_bytes),
                       .warm_s = measure::interquartile_mean(warm.per_run_s),
                       .cold_s = measure::interquartile_mean(cold.per_run_s)});
  }
  return fit::dram_overlap_bytes_per_s(samples, dram_bytes_per_s);
}

/// Ceilings::cache_lifetime_s on this machine: the reuse micro-model's Add at
/// 0 to 32 MatMul pairs of delay, each pair's time from the same runs.
fit::LifetimeFit measure_cache_lifetime(measure::Runner& runner, const fs::path& work,
                                        const measure::MeasureOptions& options) {
  std::vector<fit::LifetimeSample> samples;
  for (const int delay : {0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32}) {
    const std::string spec = "reuse:delay=" + std::to_string(delay);
    const fs::path model = work / "reuse.onnx";
    const MicroKernel micro = lower_micro_model(spec, 0, model);
    std::vector<std::size_t> delay_layers;
    for (std::size_t i = 0; i < micro.graph.layers.size(); ++i) {
      if (micro.graph.layers[i].name.rfind(std::string(measure::kDelayNodePrefix) + "MatMul", 0) == 0) {
        delay_layers.push_back(i);
      }
    }
    const auto profile = measure::profile_kernels(runner, micro.graph, model, options);
    const auto add_s = kernel_time_per_run(profile, micro.kernel.layers);
    const auto between_s = kernel_time_per_run(profile, delay_layers);
    if (add_s.empty() || (delay > 0 && between_s.empty())) {
      throw RunnerError("micro-model " + spec + ": the runtime reported no time for its kernels");
    }
    samples.push_back({.elapsed_s = delay > 0 ? measure::interquartile_mean(between_s) : 0.0,
                       .time_s = measure::interquartile_mean(add_s)});
  }
  return fit::fit_cache_lifetime(samples);
}

}  // namespace

Subcommand setup_calibrate(CLI::App& app, const std::string& command_line) {
  auto options = std::make_shared<CalibrateOptions>();
  auto* command = app.add_subcommand(
      "calibrate", "Fit a device profile for this machine and runtime from a budget of microbenchmarks");
  command->add_option("--runner", options->runner, "The runtime")->check(CLI::IsMember({"onnxruntime"}))
      ->capture_default_str();
  command->add_option("--threads", options->threads, "Intra-op threads")->check(CLI::Range(1, 1024))
      ->capture_default_str();
  command->add_option("-o,--output", options->output, "The profile to write, e.g. hwprofiles/my-board-1t.json")
      ->required();
  command->add_option("--budget", options->budget, "Microbenchmark points")->check(CLI::Range(16, 100000))
      ->capture_default_str();
  command->add_option("--min-time", options->min_time_s, "Measured seconds per point")->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--flush-mib", options->flush_mib,
                      "MiB read before each run to evict the caches, so that a point meets the caches as a "
                      "network's kernel does (0: hot caches; default: half the last-level cache as the bandwidth "
                      "sweep meets it, at most 16)")
      ->check(CLI::Range(0, 1 << 16));
  command->add_option("--rounds", options->rounds,
                      "Measure every point this many times, all points once per round, and fit each point's "
                      "median measurement (three rounds or more: one round disturbed by others on a shared "
                      "machine does not move it, and a point whose median is over 8 % above its fastest is "
                      "measured up to N-1 more times)")
      ->check(CLI::Range(1, 20))
      ->capture_default_str();
  command->add_flag("--resume", options->resume,
                    "Continue an interrupted calibration from its log (OUTPUT.points.jsonl)");
  command->add_flag("--fit-only", options->fit_only,
                    "Fit the points the log (OUTPUT.points.jsonl) holds and measure nothing, the ceilings "
                    "included: re-fit a calibration with a newer roofcast; planned points the log lacks are "
                    "left out")
      ->excludes("--resume");
  return {command, [options, command_line] { return run_calibrate(*options, command_line); }};
}

int run_calibrate(const CalibrateOptions& options, const std::string& command_line) {
  const fs::path output(options.output);
  const fs::path log = output.string() + ".points.jsonl";
  const bool continues = options.resume || options.fit_only;  // an existing log and profile are expected
  if (options.fit_only && !fs::exists(log)) {
    throw IoError(log.string() + ": no calibration log to fit (--fit-only fits the points a calibration logged)");
  }
  if (fs::exists(log) && !continues) {
    throw IoError(log.string() + ": a calibration log exists; pass --resume to continue it, or remove it");
  }
  if (fs::exists(output) && !continues) {
    throw IoError(output.string() + ": already exists; remove it or choose another name");
  }
  if (!output.parent_path().empty()) {
    fs::create_directories(output.parent_path());
  }
  // What the log already holds.
  std::optional<LoggedCeilings> ceilings;
  std::vector<fit::MeasuredPoint> points;
  std::map<std::string, int> done;  // spec → measurements in the log
  Sittings sittings;
  if (fs::exists(log)) {
    std::ifstream in(log);
    std::string line;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
      if (line.empty()) {
        continue;
      }
      if (line.find("\"ceilings\"") != std::string::npos) {
        try {
          const auto j = nlohmann::json::parse(line).at("ceilings");
          ceilings = LoggedCeilings{j.at("peak_gflops").get<double>(),
                                    j.at("memory_gbs").get<std::map<std::string, double>>(),
                                    j.at("per_run_us").get<double>(), j.at("unix_time_s").get<double>(),
                                    j.value("cache_flush_bytes", std::int64_t{0}),
                                    j.value("micro_model_revision", 1),
                                    j.value("dram_overlap_gbs", -1.0),
                                    j.value("last_level_bytes", std::int64_t{0}),
                                    j.value("cache_lifetime_ms", -1.0)};
        } catch (const nlohmann::json::exception& error) {
          throw FitError(log.string() + ":" + std::to_string(number) + ": not a ceilings line (" + error.what() + ")");
        }
        sittings.start_first(ceilings->unix_time_s);
        continue;
      }
      if (line.find("\"resumed\"") != std::string::npos) {
        try {
          sittings.start(nlohmann::json::parse(line).at("resumed").at("unix_time_s").get<double>());
        } catch (const nlohmann::json::exception& error) {
          throw FitError(log.string() + ":" + std::to_string(number) + ": not a resumption line (" + error.what() +
                         ")");
        }
        continue;
      }
      points.push_back(fit::parse_point_line(line, log.string(), number));
      ++done[points.back().spec];
      sittings.measured(points.back().unix_time_s);
    }
    std::cerr << "roofcast: resuming " << log.string() << ": " << points.size() << " points already measured\n";
  }
  // A --resume of a log that holds a sitting starts another now, which the
  // log marks before the first point it measures.
  std::optional<double> resumed_at;
  if (ceilings || !points.empty()) {
    resumed_at = unix_now();
  }

  const auto cpu = measure::read_cpu_spec();
  const std::int64_t asked_flush_bytes = std::int64_t{options.flush_mib} << 20;  // when --flush-mib is given
  if (ceilings && options.flush_mib >= 0 && ceilings->cache_flush_bytes != asked_flush_bytes) {
    throw UsageError(log.string() + ": its points were measured with a " +
                     std::to_string(ceilings->cache_flush_bytes >> 20) + " MiB cache flush, not " +
                     std::to_string(options.flush_mib) + " MiB; resume without --flush-mib or start a new log");
  }
  if (ceilings && ceilings->micro_model_revision != measure::kMicroModelRevision) {
    throw UsageError(log.string() + ": its points were measured on micro-models of revision " +
                     std::to_string(ceilings->micro_model_revision) + ", this roofcast builds revision " +
                     std::to_string(measure::kMicroModelRevision) + "; start a new log");
  }
  auto runner = start_runner(RunnerFlags{.runner = options.runner, .threads = options.threads});
  const ScratchDir scratch("roofcast-calibrate");
  const fs::path& work = scratch.path();
  const measure::MeasureOptions measure_options = micro_measure_options(options.threads, options.min_time_s, work);
  derive_samples_again(points, work, log);

  if (options.fit_only && (!ceilings || ceilings->dram_overlap_gbs < 0.0)) {
    throw FitError(log.string() + ": its ceilings " + (ceilings ? "lack the DRAM overlap" : "were never measured") +
                   "; --fit-only measures nothing: --resume to measure them");
  }
  bool log_ceilings = false;
  if (!ceilings) {
    std::cerr << "roofcast: measuring the ceilings (" << options.threads << " thread(s))\n";
    LoggedCeilings c;
    c.unix_time_s = unix_now();
    sittings.start_first(c.unix_time_s);  // a new log's first sitting starts with the ceilings
    c.micro_model_revision = measure::kMicroModelRevision;
    c.peak_gflops = measure::measure_peak_flops(options.threads, 1.0) / 1e9;
    const auto sweep = measure::measure_bandwidth_sweep(
        options.threads, 16 * 1024, measure::dram_sweep_bytes(cpu, measure::available_memory_bytes(), options.threads),
        0.1);
    for (const auto& level : measure::bandwidth_levels(sweep, cpu)) {
      c.memory_gbs[level.level] = level.bytes_per_s / 1e9;
    }
    // The default flush is half the last level as the sweep meets it, at most 16 MiB.
    c.last_level_bytes = measure::effective_last_level_bytes(
        sweep, cpu, c.memory_gbs.count("dram") != 0 ? c.memory_gbs.at("dram") * 1e9 : 0.0);
    c.cache_flush_bytes =
        options.flush_mib < 0 ? measure::default_cache_flush_bytes(c.last_level_bytes) : asked_flush_bytes;
    // The per-run overhead: a one-element Relu.
    const auto tiny = measure::parse_micro_model("elementwise:op=Relu,shape=1x1");
    const fs::path tiny_path = work / "tiny.onnx";
    write_file_atomically(tiny_path, measure::micro_model_bytes(tiny));
    measure::RunRequest request{.model = tiny_path,
                                .inputs = {{"x", "float32", {1, 1}}},
                                .session = measure_options.session,
                                .policy = measure_options.policy,
                                .profile = false,
                                .profile_prefix = {},
                                .optimized_model_path = {}};
    c.per_run_us = measure::summarize(runner->run(request).samples_s).median_s * 1e6;
    ceilings = c;
    log_ceilings = true;
  }
  if (ceilings->dram_overlap_gbs < 0.0) {
    std::cerr << "roofcast: measuring how much DRAM traffic a kernel's arithmetic hides\n";
    const auto dram = ceilings->memory_gbs.find("dram");
    if (dram == ceilings->memory_gbs.end()) {
      throw FitError(log.string() + ": its ceilings have no DRAM bandwidth; start a new log");
    }
    ceilings->dram_overlap_gbs =
        measure_dram_overlap(*runner, work, measure_options, last_level_bytes(*ceilings, cpu), dram->second * 1e9) /
        1e9;
    log_ceilings = true;
  }
  if (ceilings->cache_lifetime_ms < 0.0 && !options.fit_only) {  // --fit-only: a log without one has none
    std::cerr << "roofcast: measuring how long the last-level cache keeps a tensor\n";
    const fit::LifetimeFit lifetime = measure_cache_lifetime(*runner, work, measure_options);
    ceilings->cache_lifetime_ms = lifetime.lifetime_s * 1e3;
    const measure::ReuseMicro probe;
    std::cerr << "roofcast: cache lifetime " << ceilings->cache_lifetime_ms << " ms (an evicted "
              << probe.tokens * probe.width * 4 / 1000 << " KB input costs " << lifetime.evicted_s * 1e6 << " us more than its " << lifetime.hot_s * 1e6 << " us; fit RMSPE "
              << lifetime.rmspe_percent << " %)\n";
    log_ceilings = true;
  }
  if (log_ceilings) {
    append_line(log, ceilings_line(*ceilings));
  }

  const auto plan = fit::plan_points(options.budget);
  const auto started = std::chrono::steady_clock::now();
  std::size_t measured_now = 0;
  std::size_t skipped = 0;
  // One measurement of a planned point; nothing when the runtime reported no
  // time for its kernel.
  const auto measure_point = [&](const fit::PlannedPoint& planned) -> std::optional<fit::MeasuredPoint> {
    std::optional<TimedMicroKernel> timed;
    try {
      timed = time_micro_kernel(*runner, planned.spec, ceilings->cache_flush_bytes, work, measure_options);
    } catch (const RunnerError& error) {
      std::cerr << '\n';
      throw RunnerError(std::string(error.what()) + " (" + std::to_string(points.size()) +
                        " measurements are saved in " + log.string() + "; rerun with --resume to continue)");
    }
    const auto stats = measure::summarize(timed->per_run_s);
    if (!(stats.median_s > 0.0)) {
      return std::nullopt;
    }
    fit::MeasuredPoint point;
    point.kernel_class = planned.kernel_class;
    point.spec = planned.spec;
    point.sample = roofline::kernel_sample(timed->micro.graph, timed->micro.kernel, 1.0);
    point.sample.time_s = measure::interquartile_mean(timed->per_run_s);  // the profiler counts whole µs
    point.spread = stats.spread();
    point.unix_time_s = unix_now();
    for (const auto& reorder : timed->reorders) {
      const double time_s = reorder.per_run_s.empty() ? 0.0 : measure::interquartile_mean(reorder.per_run_s);
      if (time_s > 0.0) {
        point.reorders.push_back({.bytes = reorder.bytes, .time_s = time_s});
      }
    }
    return point;
  };
  // Measures a point once more and logs it.
  const auto take = [&](const fit::PlannedPoint& planned) {
    auto point = measure_point(planned);
    if (!point) {
      ++skipped;
      return;
    }
    if (resumed_at) {
      append_line(log, resumed_line(*resumed_at));
      sittings.start(*resumed_at);
      resumed_at.reset();
    }
    append_line(log, fit::point_json_line(*point));
    sittings.measured(point->unix_time_s);
    points.push_back(std::move(*point));
    ++done[planned.spec];
    ++measured_now;
  };
  const std::size_t total = plan.size() * static_cast<std::size_t>(options.rounds);
  const int rounds_to_measure = options.fit_only ? 0 : options.rounds;
  for (int round = 1; round <= rounds_to_measure; ++round) {
    for (const auto& planned : plan) {
      if (done[planned.spec] >= round) {
        continue;
      }
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      progress(std::min(points.size(), total), total, elapsed, measured_now);
      take(planned);
    }
  }
  if (options.fit_only) {
    const auto missing = std::count_if(plan.begin(), plan.end(),
                                       [&](const fit::PlannedPoint& planned) { return done[planned.spec] == 0; });
    if (missing > 0) {
      std::cerr << "roofcast: warning: " << missing << " of the plan's " << plan.size() << " points are not in "
                << log.string() << " and are left out (--fit-only measures nothing)\n";
    }
  } else {
    progress(std::min(points.size(), total), total,
             std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), measured_now);
    std::cerr << '\n';
  }
  // Points whose rounds disagree (another tenant slowed most of them) are
  // measured again, up to rounds − 1 more times, until their median is within
  // kAgreement of their fastest. Decided from the log alone, so --resume
  // continues it too.
  constexpr double kAgreement = 0.08;
  const int at_most = 2 * options.rounds - 1;
  for (int again = 1; !options.fit_only && options.rounds >= 3 && again < options.rounds; ++again) {
    const auto disagreeing = fit::disagreeing_points(points, kAgreement, options.rounds + again);
    if (disagreeing.empty()) {
      break;
    }
    std::cerr << "roofcast: " << disagreeing.size() << " point(s) whose rounds disagree by more than "
              << static_cast<int>(kAgreement * 100) << " %: measuring them again (" << again << " of at most "
              << at_most - options.rounds << ")\n";
    const std::set<std::string> wanted(disagreeing.begin(), disagreeing.end());
    std::size_t remeasured = 0;
    for (const auto& planned : plan) {
      if (wanted.count(planned.spec) == 0 || done[planned.spec] >= options.rounds + again) {
        continue;
      }
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      progress(remeasured, wanted.size(), elapsed, measured_now);
      take(planned);
      ++remeasured;
    }
    std::cerr << '\n';
  }
  if (skipped > 0) {
    std::cerr << "roofcast: warning: " << skipped << " measurement(s) gave no kernel time and were left out\n";
  }
  // Points whose rounds still disagree were slowed in most of them: many such
  // points mean a busy machine, and a profile fitted on slowed points predicts
  // slow (this project's CI machine, 1 thread: 108 of 300 in a busy spell,
  // its profile 9–12 % slow on quiet measurements; 14 of 300 when quiet).
  const std::size_t unsettled =
      fit::disagreeing_points(points, kAgreement, std::numeric_limits<int>::max()).size();
  const std::size_t measurements = points.size();
  points = fit::median_per_point(points);
  if (unsettled * 10 > points.size()) {
    std::cerr << "roofcast: warning: " << unsettled << " of " << points.size()
              << " points still have rounds more than " << static_cast<int>(kAgreement * 100)
              << " % apart: another process slowed most of their measurements, and a profile fitted on them "
                 "predicts slow; calibrate again when the machine is quiet\n";
  }
  std::cerr << "roofcast: fitting " << points.size() << " points (" << measurements
            << " measurements: each point's median over the rounds)\n";
  // Rates within what this machine can do: no kernel beats the measured peak or
  // the fastest cache, none streams slower than a tenth of DRAM (a library's
  // slow path, e.g. a depthwise convolution on channels that are not a multiple
  // of 4, runs far below the DRAM bandwidth).
  fit::FitOptions fit_options;
  fit_options.threads = options.threads;
  // Each thread's core has its own: a kernel's bytes beyond all of them come from the shared level.
  fit_options.private_cache_bytes = static_cast<double>(cpu.private_cache_bytes()) * options.threads;
  double fastest = 0.0;
  for (const auto& [level, gbs] : ceilings->memory_gbs) {
    fastest = std::max(fastest, gbs);
  }
  if (ceilings->peak_gflops > 0.0 && fastest > 0.0 && ceilings->memory_gbs.count("dram") != 0) {
    fit_options.bounds.min_flops_per_s = ceilings->peak_gflops * 1e9 / 1000.0;
    fit_options.bounds.max_flops_per_s = ceilings->peak_gflops * 1e9 * 1.25;
    fit_options.bounds.min_bytes_per_s = ceilings->memory_gbs.at("dram") * 1e9 * 0.1;
    fit_options.bounds.min_far_bytes_per_s = ceilings->memory_gbs.at("dram") * 1e9;
    fit_options.bounds.max_bytes_per_s = fastest * 1e9 * 1.5;
  }
  const auto fits = fit::fit_classes(points, fit_options);
  const RunContext context = current_context(command_line);
  fit::CalibrationRecord record;
  record.id = output.stem().string();
  record.hardware_name = cpu.model.empty() ? "this machine" : cpu.model;
  record.processor = std::to_string(options.threads) + " of " + std::to_string(cpu.logical_cpus) +
                     " logical CPUs, " + cpu.isa;
  record.memory_gib = [] {
    std::ifstream in("/proc/meminfo");
    std::string key;
    double kib = 0.0;
    in >> key >> kib;
    return kib > 0 ? std::round(kib / 1048576.0 * 10.0) / 10.0 : 1.0;
  }();
  record.cache_bytes = cpu.cache_bytes_by_level();
  if (!record.cache_bytes.empty()) {
    record.cache_bytes.rbegin()->second = last_level_bytes(*ceilings, cpu);
  }
  record.runtime_name = runner->info().name;
  record.runtime_version = runner->info().version;
  record.execution_provider = runner->info().execution_provider;
  record.threads = options.threads;
  record.peak_gflops = ceilings->peak_gflops;
  record.memory_gbs = ceilings->memory_gbs;
  record.per_run_us = ceilings->per_run_us;
  record.dram_overlap_gbs = ceilings->dram_overlap_gbs;
  record.cache_lifetime_ms = std::max(0.0, ceilings->cache_lifetime_ms);
  record.cache_flush_bytes = ceilings->cache_flush_bytes;
  record.fits = fits;
  try {
    record.reorder_fit = fit::fit_reorders(points);
  } catch (const FitError& error) {
    std::cerr << "roofcast: layout reorders not fitted (" << error.what()
              << "); predictions price them as copies\n";
  }
  record.points = points.size();
  record.measurements = measurements;
  record.budget = options.budget;
  record.first_unix_time_s = ceilings->unix_time_s;
  record.last_unix_time_s = ceilings->unix_time_s;
  for (const auto& p : points) {
    record.last_unix_time_s = std::max(record.last_unix_time_s, p.unix_time_s);
  }
  record.measuring_s = sittings.seconds();
  record.log_file = log.filename().string();
  record.host_cpu = context.host_cpu;
  record.tool = std::string("roofcast ") + build_info::kVersion + " (" + build_info::kGitRevision + ")";
  const std::string json = fit::calibrated_profile_json(record);
  (void)roofline::parse_profile(json, output.string());  // it must load back through the strict parser
  write_file_atomically(output, json);

  report::TextTable table({{"class", report::Align::kLeft},
                           {"points"},
                           {"steps", report::Align::kLeft},
                           {"t0 µs"},
                           {"GFLOP/s"},
                           {"GB/s"},
                           {"slow path (t0 µs, GFLOP/s, GB/s)", report::Align::kLeft},
                           {"RMSPE %"},
                           {"held-out %"}});
  for (const auto& f : fits) {
    if (!f.fitted) {
      table.add_row({f.kernel_class, std::to_string(f.points), "-", "-", "-", "-", "-", "-", f.note});
      continue;
    }
    const auto& m = f.fit.model;
    const auto joined = [](const std::vector<std::int64_t>& steps) {
      std::string text;
      for (const auto step : steps) {
        text += (text.empty() ? "" : "x") + std::to_string(step);
      }
      return text;
    };
    const std::string steps = joined(m.steps);
    const std::string slow =
        m.align > 0 ? "d" + std::to_string(m.align_dim) + " % " + std::to_string(m.align) + " != 0, steps " +
                          joined(m.slow_path_steps()) + ": " +
                          fixed_format(m.slow_overhead_s * 1e6, 1) + ", " + fixed_format(m.slow_flops_per_s / 1e9, 1) +
                          ", " + fixed_format(m.slow_bytes_per_s / 1e9, 1)
                    : "-";
    table.add_row({f.kernel_class, std::to_string(f.points), steps.empty() ? "-" : steps,
                   fixed_format(m.overhead_s * 1e6, 1), fixed_format(m.flops_per_s / 1e9, 1),
                   fixed_format(m.bytes_per_s / 1e9, 1), slow, fixed_format(f.fit.rmspe_percent, 1),
                   fixed_format(f.fit.heldout_rmspe_percent, 1)});
  }
  std::ostringstream text;
  table.write(text);
  // A class's rates per operator, one line each: "elementwise: GFLOP/s per operator (the others 15.7): Erf 1.6 ...".
  const auto per_operator = [&](const std::string& kernel_class, const char* unit, double others_per_s,
                                const std::map<std::string, double>& rates) {
    if (rates.empty()) {
      return;
    }
    text << "\n" << kernel_class << ": " << unit << " per operator (the others " << fixed_format(others_per_s / 1e9, 1)
         << "):";
    for (const auto& [op, rate] : rates) {
      text << " " << op << " " << fixed_format(rate / 1e9, 1);
    }
  };
  for (const auto& f : fits) {
    if (f.fitted) {
      per_operator(f.kernel_class, "GFLOP/s", f.fit.model.flops_per_s, f.fit.model.op_flops_per_s);
    }
  }
  for (const auto& f : fits) {
    if (f.fitted) {
      per_operator(f.kernel_class, "GB/s", f.fit.model.bytes_per_s, f.fit.model.op_bytes_per_s);
    }
  }
  for (const auto& f : fits) {
    for (const auto& [loop_s, path] :
         {std::pair{f.fit.model.loop_s, ""}, std::pair{f.fit.model.slow_loop_s, " on the slow path"}}) {
      if (f.fitted && loop_s > 0.0) {
        text << "\n" << f.kernel_class << ": " << fixed_format(loop_s * 1e9, 1) << " ns per inner loop" << path
             << " (" << what_a_loop_is(f.kernel_class) << ")";
      }
    }
    if (f.fitted && f.fit.model.direct_below > 0) {
      const auto& m = f.fit.model;
      text << "\n" << f.kernel_class << ": direct path for d" << m.direct_dim << " < " << m.direct_below << ": "
           << fixed_format(m.direct_overhead_s * 1e6, 1) << " us, " << fixed_format(m.direct_flops_per_s / 1e9, 1)
           << " GFLOP/s, " << fixed_format(m.direct_bytes_per_s / 1e9, 1) << " GB/s";
    }
    if (f.fitted && f.fit.model.far_bytes_per_s > 0.0) {
      text << "\n" << f.kernel_class << ": " << fixed_format(f.fit.model.far_bytes_per_s / 1e9, 1)
           << " GB/s for the bytes beyond the private caches ("
           << fixed_format(f.fit.model.private_cache_bytes / 1048576.0, 1) << " MiB)";
    }
    if (f.fitted && f.fit.model.far_wait_bytes_per_s > 0.0) {
      text << "\n" << f.kernel_class << ": a wait of 1 s per " << fixed_format(f.fit.model.far_wait_bytes_per_s / 1e9, 1)
           << " GB beyond the private caches (" << fixed_format(f.fit.model.private_cache_bytes / 1048576.0, 1)
           << " MiB), on top of the roofline term";
    }
    for (const auto& [gather_s, path] :
         {std::pair{f.fit.model.gather_s, ""}, std::pair{f.fit.model.slow_gather_s, " on the slow path"}}) {
      if (f.fitted && gather_s > 0.0) {
        text << "\n" << f.kernel_class << ": " << fixed_format(gather_s * 1e9, 2) << " ns per element gathered"
             << path << " (an element a grouped convolution's im2col copies; a strided one counts twice)";
      }
    }
    if (f.fitted && f.fit.model.split_speedup > 1.0) {
      const auto& m = f.fit.model;
      text << "\n" << f.kernel_class << ": split among the threads where that is faster: "
           << fixed_format(m.split_s * 1e6, 1) << " us + the one-thread time / " << fixed_format(m.split_speedup, 2);
      if (!m.serial_ops.empty()) {
        text << " (on one thread at any size:";
        for (const auto& op : m.serial_ops) {
          text << " " << op;
        }
        text << ")";
      }
    }
    if (f.fitted && f.fit.model.alias_bytes > 0) {
      text << "\n" << f.kernel_class << ": " << fixed_format(100.0 * f.fit.model.alias_slowdown, 1)
           << " % more work where the rows of A lie a multiple of " << f.fit.model.alias_bytes
           << " bytes apart (they share cache sets)";
    }
    if (f.fitted && f.fit.model.edge_slowdown > 0.0) {
      text << "\n" << f.kernel_class << ": " << fixed_format(100.0 * f.fit.model.edge_slowdown, 1)
           << " % more work per output at a row's padded edges (computed one at a time) where a call holds one "
           << f.fit.model.edge_block << "-channel filter block";
    }
  }
  if (record.reorder_fit) {
    const auto& reorder = *record.reorder_fit;
    text << "\nlayout reorders: " << fixed_format(reorder.model.overhead_s * 1e6, 1) << " us + bytes at "
         << fixed_format(reorder.model.bytes_per_s / 1e9, 1) << " GB/s (" << reorder.points
         << " reorders around the points; RMSPE " << fixed_format(reorder.rmspe_percent, 1) << " %, held out "
         << fixed_format(reorder.heldout_rmspe_percent, 1) << " %)";
  }
  text << '\n';
  text << "\nwrote " << output.string() << " (" << points.size() << " points, "
       << static_cast<long long>(record.measuring_s) << " s of measuring; log "
       << log.string() << ")\n";
  write_output("", text.str());
  return 0;
}

}  // namespace roofcast::cli
