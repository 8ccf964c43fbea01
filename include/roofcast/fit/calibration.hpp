#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "roofcast/fit/step_model.hpp"
#include "roofcast/roofline/profile.hpp"

namespace roofcast::fit {

/// The fusions ONNX Runtime's CPU provider applies at level "all", as a
/// calibrated profile's lowering names them and as the micro-models are
/// lowered to find their kernel: BatchNormalization folded, activations and
/// a residual Add fused into Conv, MatMul + Add → Gemm, activations after
/// Gemm, a zero Pad into the Conv or pooling after it, x·sigmoid(x) and the
/// erf GELU as one kernel each, Slices or Gathers that partition one tensor
/// as one Split (GatherSliceToSplitFusion).
std::set<roofline::FusionRule> runtime_fusions();

/// The lowering rules micro-models are lowered by: the runtime's fusions
/// (runtime_fusions), nothing a profile adds.
roofline::LoweringRules runtime_lowering_rules();

/// A microbenchmark to measure: a kernel class and a micro-model spec
/// (measure::parse_micro_model's syntax).
struct PlannedPoint {
  std::string kernel_class;
  std::string spec;
};

/// The calibration's measurement points within `budget` (DESIGN.md,
/// "Calibration"): per class, sweeps of one dimension at a time around base
/// configurations common in CNNs and transformers (to expose steps), then
/// Sobol quasi-random points over the class's dimensions (to fill the space).
/// Deterministic for a budget; specs are unique.
std::vector<PlannedPoint> plan_points(std::size_t budget);

/// A layout reorder the runtime ran around a point's kernel, between its plain
/// input or output and its blocked layout (not part of the kernel's time): the
/// bytes it read and wrote, and its time.
struct ReorderSample {
  double bytes = 0.0;
  double time_s = 0.0;
};

/// A measured point as the calibration log keeps it (one JSON line each).
struct MeasuredPoint {
  std::string kernel_class;
  std::string spec;
  Sample sample;          ///< dims, work factor and bytes of the lowered kernel; time_s its median
  double spread = 0.0;    ///< (p90 − p10) / median of the kernel's samples
  double unix_time_s = 0.0;  ///< when it was measured
  std::vector<ReorderSample> reorders;  ///< in the runtime's order; none in older logs
};

std::string point_json_line(const MeasuredPoint& point);
/// FitError naming `source` and the line number for a malformed line.
MeasuredPoint parse_point_line(const std::string& line, const std::string& source, std::size_t line_number);

/// One measurement per point: of the measurements of each spec (a calibration
/// in rounds logs several), the median time (the geometric mean of the middle
/// two for an even count; so too each reorder's, of the measurements that
/// logged as many reorders as the first) and the time of its last measurement,
/// in the order the specs first appear. Not the
/// fastest: a point's fastest round is the low tail of its noise, faster than
/// the same kernel runs in a network (at 2 threads the two rounds of a point
/// differed by a median 7 %, and fitting the faster one predicted 10 of 14
/// networks low: MAPE 4.8 % against 3.3 % with the median of the two);
/// with three rounds or more, one disturbed round does not move the median.
std::vector<MeasuredPoint> median_per_point(const std::vector<MeasuredPoint>& measurements);

/// The specs (in the order they first appear) whose measurements disagree:
/// their median is more than `tolerance` (a fraction) above their fastest,
/// and they have fewer than `at_most` measurements. Another tenant that slows
/// two of a point's three rounds moves its median; measured again, once the
/// disturbance has passed, the median returns. (On this machine one
/// calibration had 20 of 42 elementwise points two rounds slow by more than
/// 10 %, the Adds' fitted throughput 4.3 GFLOP/s against 6.0 in a quiet one.)
std::vector<std::string> disagreeing_points(const std::vector<MeasuredPoint>& measurements, double tolerance,
                                            int at_most);

/// A class's fit, or why it has none.
struct ClassFit {
  std::string kernel_class;
  std::size_t points = 0;
  bool fitted = false;
  FitResult fit;
  std::string note;  ///< e.g. "too few points"
};

/// Fits every class that has points; deterministic for the same points (in any order).
std::vector<ClassFit> fit_classes(std::vector<MeasuredPoint> points, const FitOptions& options = {});

/// The layout reorders' model (roofline::BlockedLayout's reorder_*), fitted on
/// every reorder the points ran (`points`: one measurement each, as
/// median_per_point gives): t = t0 + bytes / B, as a class of its own without
/// steps. Blocked convolutions' points reorder their input in and their output
/// out, from a few KB to a few MB; a network pays a reorder wherever blocked
/// and plain kernels meet. FitError with fewer than 6 reorders or fewer than 3
/// distinct byte counts.
FitResult fit_reorders(const std::vector<MeasuredPoint>& points);

/// One kernel timed twice: with the bytes it reads from DRAM in a network
/// (its weights) still cached, and evicted by a flush beyond the last level.
struct OverlapSample {
  double dram_bytes = 0.0;
  double warm_s = 0.0;
  double cold_s = 0.0;
};

/// The rate at which a kernel fetches from DRAM while it computes: it waits
/// only for the bytes beyond that, cold − warm = max(0, Q − rate · warm) / B,
/// so each sample gives rate = max(0, Q − (cold − warm) · B) / warm; the mean
/// of the samples. FitError without samples or with a time ≤ 0.
double dram_overlap_bytes_per_s(const std::vector<OverlapSample>& samples, double dram_bytes_per_s);

/// One kernel timed after a tensor it reads was written `elapsed_s` earlier,
/// the time in between spent on other kernels that touch little else.
struct LifetimeSample {
  double elapsed_s = 0.0;
  double time_s = 0.0;
};

/// The last level's lifetime (Ceilings::cache_lifetime_s) fitted to
/// time = t_hot + Δ · (1 − exp(−elapsed / lifetime)): t_hot and Δ ≥ 0 by
/// least squares of the relative error for each lifetime on a log grid (0.1
/// ms to 10 s, 2 % apart), the lifetime of the least error.
struct LifetimeFit {
  double lifetime_s = 0.0;  ///< 0: nothing was evicted with time (Δ below 5 % of t_hot)
  double hot_s = 0.0;       ///< t_hot
  double evicted_s = 0.0;   ///< Δ: what the tensor costs once evicted
  double rmspe_percent = 0.0;
};

/// FitError with fewer than 4 samples, none at elapsed 0, fewer than 3 at
/// distinct elapsed times > 0, or a time ≤ 0.
LifetimeFit fit_cache_lifetime(const std::vector<LifetimeSample>& samples);

}  // namespace roofcast::fit

#include <map>
#include <optional>

namespace roofcast::fit {

/// Everything a calibrated profile records (hwprofiles/SCHEMA.md).
struct CalibrationRecord {
  std::string id;
  std::string hardware_name;
  std::string processor;
  double memory_gib = 1.0;
  std::map<int, std::int64_t> cache_bytes;     ///< cpu0's data caches: level → bytes of one instance
  std::string runtime_name;
  std::string runtime_version;
  std::string execution_provider;
  int threads = 1;
  double peak_gflops = 0.0;                    ///< measured FP32 peak at `threads`
  std::map<std::string, double> memory_gbs;    ///< measured read bandwidth per level
  double per_run_us = 0.0;                     ///< a one-element model's latency
  double dram_overlap_gbs = 0.0;               ///< dram_overlap_bytes_per_s / 1e9 (0: not measured)
  double cache_lifetime_ms = 0.0;              ///< fit_cache_lifetime's, in ms (0: none found, or not measured)
  std::int64_t cache_flush_bytes = 0;          ///< read before each point's runs (0: hot caches)
  std::vector<ClassFit> fits;
  /// fit_reorders' (unset: the log holds too few reorders, an older log).
  std::optional<FitResult> reorder_fit;
  std::size_t points = 0;
  std::size_t measurements = 0;                ///< of those points (rounds × points, fewer when resumed short)
  std::size_t budget = 0;
  double first_unix_time_s = 0.0;              ///< of the calibration log: the profile depends on it, not on now
  double last_unix_time_s = 0.0;
  /// The log's sittings (the first, then each --resume that measured) summed,
  /// each from its start to its last measurement: an interruption's gap is not
  /// time taken. last − first for a calibration that ran through.
  double measuring_s = 0.0;
  std::string log_file;
  std::string host_cpu;
  std::string tool;                            ///< "roofcast 0.1.0 (abc1234)"
};

/// The calibrated profile as JSON (kind calibrated, fitted kernel models).
/// Deterministic for the same record.
std::string calibrated_profile_json(const CalibrationRecord& record);

}  // namespace roofcast::fit
