#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "roofcast/roofline/kernel_model.hpp"

namespace roofcast::roofline {

enum class Precision { kFp32, kFp16, kInt8 };

std::string_view precision_name(Precision precision);
/// "fp32"/"fp16"/"int8"; nullopt for anything else.
std::optional<Precision> parse_precision(std::string_view text);
/// Bytes per element of activations and weights at this precision.
int precision_size_bytes(Precision precision);

enum class ProfileKind { kDatasheet, kCalibrated };
std::string_view profile_kind_name(ProfileKind kind);

/// A runtime fusion rule (hwprofiles/SCHEMA.md, lowering.fuse).
enum class FusionRule {
  kConvBn,            ///< BatchNormalization folded into the preceding Conv
  kConvActivation,    ///< an activation after a Conv in the same kernel
  kConvAdd,           ///< a residual Add (and an activation after it) into the Conv
  kGemmBias,          ///< MatMul + Add(bias) as one Gemm
  kGemmActivation,    ///< an activation after Gemm/MatMul in the same kernel
  kElementwiseChain,  ///< consecutive elementwise ops as one kernel
  kPadIntoConsumer,   ///< a Pad read only by a Conv or pooling layer becomes that layer's padding
  kActivationPatterns,  ///< x·sigmoid(x) and the erf GELU (Div→Erf→Add→Mul→Mul) as one kernel each
  kSplitSiblings,       ///< Slices or Gathers partitioning one tensor along one axis as one Split kernel
  /// A Transpose the MatMul after it reads strided (of its last two axes, or
  /// its first axis to the batch's end: FusedMatMul's trans and transBatch),
  /// or a Mul or Div by a constant scalar (its alpha), between a MatMul and
  /// an operand: no kernel of its own (Kernel::operand_layers)
  kMatMulOperands,
};
std::string_view fusion_rule_name(FusionRule rule);

struct Hardware {
  std::string name;
  std::string processor;
  double memory_gib = 0.0;
  std::string power_mode;  ///< empty when the profile does not say
  /// On-chip memory that keeps weights and activations off DRAM when they fit
  /// (an NPU's SRAM); 0 when the device has none worth modelling.
  double on_chip_bytes = 0.0;
  /// A CPU's data caches, level (1, 2, 3) → bytes of one instance (a private
  /// level per core, the last level shared); empty when the profile does not say.
  std::map<int, double> cache_bytes;
};

/// The runtime a calibrated profile was measured with.
struct RuntimeInfo {
  std::string name;
  std::string version;
  std::string execution_provider;
  int threads = 0;
  Precision precision = Precision::kFp32;
};

struct Ceilings {
  std::map<Precision, double> peak_flops_per_s;        ///< from peak_gflops × 1e9
  std::map<std::string, double> bandwidth_bytes_per_s;  ///< memory level -> bytes/s (from memory_gbs × 1e9)
  /// What a runtime was measured to attain (ceilings.attained): compute by
  /// kernel ("gemm" from gemm_gflops) and bandwidth ("elementwise" from
  /// elementwise_gbs). Drawn on the roofline; predictions use the ceilings above.
  std::map<std::string, double> attained_flops_per_s;
  std::map<std::string, double> attained_bytes_per_s;
  /// DRAM bytes per second a kernel fetches while it computes (a calibrated
  /// profile's ceilings.dram_overlap_gbs): of the bytes the caches no longer
  /// hold, those beyond this rate × the kernel's compute time are waited for
  /// on top of it. 0: none hidden.
  double dram_overlap_bytes_per_s = 0.0;
  /// How long the last-level cache keeps a tensor on its own (a calibrated
  /// profile's ceilings.cache_lifetime_ms): on a host whose last level other
  /// cores share, their traffic evicts a tensor's lines with time, whatever
  /// this process touches meanwhile. A tensor beyond the private caches is
  /// evicted by 1 − exp(−elapsed / lifetime). 0: only by bytes (CacheReach).
  double cache_lifetime_s = 0.0;

  double dram_bytes_per_s() const { return bandwidth_bytes_per_s.at("dram"); }
};

struct Overheads {
  double per_kernel_s = 0.0;
  double per_run_s = 0.0;
};

struct Power {
  std::optional<double> idle_w;
  std::optional<double> active_w;
};

/// A runtime's blocked activation layout (ONNX Runtime's NCHWc on CPUs):
/// which convolutions run blocked, which ops keep a blocked tensor blocked,
/// and, where a blocked and a plain kernel meet, a reorder of the tensor
/// between them (one read and one write of it).
struct BlockedLayout {
  /// A dense or depthwise Conv runs blocked when its input channels are a multiple of this.
  std::int64_t channel_multiple = 4;
  /// A grouped Conv, when its input and output channels per group are a multiple of this.
  std::int64_t group_channel_multiple = 16;
  /// A dense Conv with fewer input channels reads its plain input directly (no reorder).
  std::int64_t direct_input_below = 16;
  /// Ops that run on blocked tensors when all their inputs are blocked → the
  /// highest operator version (Layer::since_version) the runtime does so for:
  /// ONNX Runtime 1.22 keeps Relu-6/13 blocked but not Relu-14, which an
  /// opset-17 model's Relu is.
  std::map<std::string, std::int64_t> keep_ops;
  /// Activations fused into a Conv that the runtime does not apply in its
  /// blocked kernel: it reorders the convolution's output to the plain layout
  /// and runs them after, so such a kernel's output is plain (ONNX Runtime
  /// 1.22: HardSwish, run as HardSigmoid and Mul; MobileNetV3's 20 such
  /// convolutions each ran a ReorderOutput of their output).
  std::set<std::string> plain_activations;
  /// What a reorder costs, t0 + bytes / B, fitted on calibration's reorders
  /// (fit::fit_reorders); 0: not fitted (the data-movement class's stand in).
  /// One thread reordered a 24 KB tensor in 2–3 µs and 600 KB in 12 µs (MobileNetV3),
  /// where the copy class's 2.7 µs and 38 GB/s gave 18.
  double reorder_overhead_s = 0.0;
  double reorder_bytes_per_s = 0.0;
};

struct LoweringRules {
  std::set<FusionRule> fuse;
  bool drop_views = true;
  /// Activations the runtime applies inside a fused kernel's inner loop, at no
  /// cost. Any other activation fused into a kernel costs a separate pass over
  /// the kernel's output (ONNX Runtime's CPU kernels apply Relu in the loop and
  /// Clip, HardSigmoid, Sigmoid, Tanh after it). Unset: every fused activation is free.
  std::optional<std::set<std::string>> in_kernel_activations;
  /// Activations the runtime runs as several kernels → the passes over the
  /// activation's tensor they make in all (reads and writes; one kernel's read
  /// and write make 2). ONNX Runtime 1.22 runs HardSwish as HardSigmoid, then
  /// Mul: 5 (the input read twice, the HardSigmoid's output written and read,
  /// the output written). A standalone kernel of one moves that many tensors,
  /// and so does its pass after a kernel it is fused into. Absent: 2.
  std::map<std::string, int> activation_passes;
  /// Unset: every kernel reads and writes the plain layout (no reorders).
  std::optional<BlockedLayout> blocked_layout;

  bool has(FusionRule rule) const { return fuse.count(rule) != 0; }
};

struct Source {
  std::string id;
  std::string title;
  std::string publisher;
  std::string url;
  int year = 0;
};

struct FigureProvenance {
  std::string basis;  ///< peak_from_spec, measured or estimate
  std::string source; ///< a Source::id
  std::string note;
};

struct Provenance {
  ProfileKind kind = ProfileKind::kDatasheet;
  std::vector<Source> sources;
  std::map<std::string, FigureProvenance> figures;  ///< key path -> where the number comes from
};

/// A kernel class's fitted latency model (kernel_models[] of a calibrated profile).
struct FittedKernelModel {
  std::string kernel_class;  ///< conv, depthwise_conv, grouped_conv, gemm, pool, elementwise, normalization, data_movement
  StepModel model;           ///< steps: [output channels, input channels per group] for convs (output channels per group for grouped ones), [N, K] for gemm, [channels] for pool, [] otherwise
  std::size_t points = 0;
  double rmspe_percent = 0.0;
  double heldout_rmspe_percent = 0.0;  ///< the uncertainty band of its predictions
};

/// Quantizable dimensions each kernel class's model takes (0 for the byte-bound classes).
std::size_t kernel_class_rank(std::string_view kernel_class);

/// One device (and, when calibrated, one runtime configuration on it). Parsed
/// once, strictly, from hwprofiles/<id>.json; immutable afterwards.
struct DeviceProfile {
  std::string id;
  ProfileKind kind = ProfileKind::kDatasheet;
  Hardware hardware;
  std::optional<RuntimeInfo> runtime;
  Precision default_precision = Precision::kFp32;
  Ceilings ceilings;
  Overheads overheads;
  Power power;
  LoweringRules lowering;
  std::map<std::string, FittedKernelModel> kernel_models;  ///< by kernel class name
  Provenance provenance;
  std::string source;     ///< the file it was read from
  std::string file_hash;  ///< fnv1a64 of the file

  /// Peak FLOP/s at `precision`; ProfileError naming the profile when it has none.
  double peak_flops_per_s(Precision precision) const;
};

/// Parses a profile from JSON text; `source` names it in errors. Throws
/// ProfileError naming the source and the key path for every violation of
/// hwprofiles/SCHEMA.md.
DeviceProfile parse_profile(std::string_view json_text, const std::string& source);

/// Reads and parses one profile file (ProfileError when it is missing).
DeviceProfile load_profile(const std::filesystem::path& path);

/// A `--device` argument: a path to a .json file, or a profile id looked up as
/// <dir>/<id>.json in `search_dirs` (first match). ProfileError listing the
/// known ids when nothing matches.
std::filesystem::path resolve_profile(std::string_view name_or_path,
                                      const std::vector<std::filesystem::path>& search_dirs);

/// One *.json file found by scan_profiles: its profile, or why it did not parse.
struct ProfileListing {
  std::filesystem::path path;
  std::optional<DeviceProfile> profile;
  std::string error;  ///< empty when `profile` is set
};

/// Every profile id in `search_dirs` (the first directory holding an id wins),
/// sorted by id; a bad file is listed with its error rather than thrown.
std::vector<ProfileListing> scan_profiles(const std::vector<std::filesystem::path>& search_dirs);

}  // namespace roofcast::roofline
