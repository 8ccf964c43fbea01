#include "roofcast/fit/calibration.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <ctime>
#include <gsl/gsl_qrng.h>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "roofcast/common/error.hpp"
#include "roofcast/roofline/residency.hpp"

namespace roofcast::fit {
namespace {

/// ONNX Runtime's NCHWc convolution (MLAS, AVX-512: blocks of 16 channels)
/// runs a convolution whose input channels are a multiple of 4, rounding them
/// up to its block, and reads an input of fewer channels than its block
/// directly from NCHW; the others run plain (im2col and GEMM). The lowering's
/// blocked_layout (channel_multiple, direct_input_below) and the conv class's
/// paths (slow: off the multiple; direct: below the block).
constexpr std::int64_t kChannelMultiple = 4;
constexpr std::int64_t kDirectInputBelow = 16;

/// Collects unique specs for one class up to its share of the budget.
class Planner {
 public:
  Planner(std::string kernel_class, std::size_t quota) : class_(std::move(kernel_class)), quota_(quota) {}

  bool full() const { return points_.size() >= quota_; }
  std::size_t size() const { return points_.size(); }
  std::size_t quota() const { return quota_; }
  void add(const std::string& spec) {
    if (!full() && seen_.insert(spec).second) {
      points_.push_back({class_, spec});
    }
  }
  const std::vector<PlannedPoint>& points() const { return points_; }

 private:
  std::string class_;
  std::size_t quota_;
  std::set<std::string> seen_;
  std::vector<PlannedPoint> points_;
};

std::string s(std::int64_t value) { return std::to_string(value); }

/// `count` Sobol points in [0, 1)^dimensions (GSL's generator, deterministic).
std::vector<std::vector<double>> sobol(std::size_t dimensions, std::size_t count) {
  gsl_qrng* generator = gsl_qrng_alloc(gsl_qrng_sobol, static_cast<unsigned>(dimensions));
  std::vector<std::vector<double>> points;
  std::vector<double> x(dimensions);
  for (std::size_t i = 0; i < count; ++i) {
    gsl_qrng_get(generator, x.data());
    points.push_back(x);
  }
  gsl_qrng_free(generator);
  return points;
}

/// Real networks mostly use channel counts that are multiples of 8; three of
/// four space-filling points follow them, the fourth keeps the odd counts in view.
std::int64_t channels(double u, double lo, double hi, std::size_t index) {
  const auto value = static_cast<std::int64_t>(std::llround(std::exp(std::log(lo) + u * (std::log(hi) - std::log(lo)))));
  return index % 4 == 3 ? value : std::max<std::int64_t>(8, (value + 4) / 8 * 8);
}

/// Activation tensors of CNNs and transformers at batch 1 hold at most ~2 M
/// elements (MobileNet V2's 144×112×112 is 1.8 M); larger ones leave the last
/// level cache and measure a regime networks never run in.
bool larger_than_networks_use(std::int64_t c, std::int64_t hw) { return c * hw * hw > 2'000'000; }

/// exp-uniform between lo and hi, rounded.
std::int64_t log_between(double u, double lo, double hi) {
  return static_cast<std::int64_t>(std::llround(std::exp(std::log(lo) + u * (std::log(hi) - std::log(lo)))));
}

template <typename T>
const T& pick(const std::vector<T>& options, double u) {
  return options[std::min(options.size() - 1, static_cast<std::size_t>(u * static_cast<double>(options.size())))];
}

/// A conv micro-model's spec; `pad` < 0: the micro-model's own (kernel / 2), left out of the spec.
std::string conv(std::int64_t c, std::int64_t k, std::int64_t hw, std::int64_t kernel, std::int64_t stride,
                 std::int64_t group = 1, const std::string& activation = "Relu", std::int64_t pad = -1) {
  return "conv:c=" + s(c) + ",h=" + s(hw) + ",w=" + s(hw) + ",k=" + s(k) + ",kernel=" + s(kernel) +
         ",stride=" + s(stride) + (pad < 0 ? "" : ",pad=" + s(pad)) + ",group=" + s(group) + ",act=" + activation;
}

/// A network's stem: RGB in (3 channels at 224 × 224), `pad` on each side.
std::string stem(std::int64_t k, std::int64_t kernel, std::int64_t stride, std::int64_t pad) {
  return conv(3, k, 224, kernel, stride, 1, "Relu", pad);
}

void plan_conv(Planner& p) {
  // Base layers as CNNs have them: (c, k, hw, kernel, stride).
  const std::vector<std::array<std::int64_t, 5>> bases = {
      {64, 64, 56, 3, 1},   {128, 128, 28, 3, 1}, {256, 256, 14, 3, 1}, {64, 256, 56, 1, 1},
      {256, 64, 56, 1, 1},  {512, 128, 28, 1, 1}, {32, 32, 112, 3, 1},  {512, 512, 7, 3, 1},
      {96, 24, 56, 1, 1},   {24, 144, 56, 1, 1},  {3, 32, 224, 3, 2},   {1024, 256, 14, 1, 1}};
  // Input channels by 8 up to the first base's 64, all on the runtime's
  // blocked path (a multiple of 4): the step its channel blocks take. The
  // single-channel sweeps below miss it, their input channels being odd (the
  // plain path). One thread: 0.37, 0.73, 0.75, 1.13, 1.10 and 1.49 ms at 16,
  // 24, 32, 40, 48 and 64 channels, blocks of 16. With 20, 28 and 36, multiples
  // of 4 but not of 8 (ShuffleNet's 116 and 232 are such), which the blocked
  // path rounds up too (20 and 28 ran as 32 at 1 thread): before the slow
  // path's block was the runtime's (fit_classes), a fit without them took 8
  // and predicted ShuffleNet's 116-channel 1×1s 20 % slow.
  for (const std::int64_t c : {16, 20, 24, 28, 32, 36, 40, 48}) {
    p.add(conv(c, 64, 56, 3, 1));
  }
  // Sweeps of one dimension by single channels, round-robin over four bases
  // (the steps show), within 40 % of the class's points with the sweep above:
  // the rest must cover the space.
  const std::size_t sweep_points = p.quota() * 2 / 5;
  for (std::int64_t d = -8; d <= 8 && p.size() < sweep_points; d += 2) {
    for (std::size_t b = 0; b < 4 && p.size() < sweep_points; ++b) {
      const auto [c, k, hw, kernel, stride] = bases[b];
      p.add(conv(c, k + d, hw, kernel, stride));
      p.add(conv(c + d + 1, k, hw, kernel, stride));
    }
  }
  for (const auto& [c, k, hw, kernel, stride] : bases) {
    p.add(conv(c, k, hw, kernel, stride));
  }
  // A squeeze-and-excitation's pair of 1×1 convolutions at 1×1: their weights
  // are nearly all their bytes, and no other point is bound by its bytes, so
  // these are the points that decide the class's bandwidth.
  for (const auto& [c, k] : std::vector<std::pair<std::int64_t, std::int64_t>>{
           {240, 64}, {64, 240}, {576, 144}, {144, 576}, {1024, 256}, {256, 1024}}) {
    p.add(conv(c, k, 1, 1, 1));
  }
  // Its excitation (squeeze → expanded width, then a sigmoid) at the two
  // squeeze ratios networks use, 1/4 and 1/24 of the expanded width: the
  // squeeze is often no multiple of the runtime's channel block, and these
  // are the only small convolutions on its plain path (the sweeps' are at
  // 56 × 56). At 2 threads the plain path's overhead fitted on large
  // convolutions alone was 25 µs; EfficientNet-B0's excitations ran 8–30 µs.
  for (const std::int64_t expanded : {72, 240, 672, 1152}) {
    for (const std::int64_t ratio : {4, 24}) {
      p.add(conv(std::max<std::int64_t>(2, expanded / ratio), expanded, 1, 1, 1, 1, "Sigmoid"));
    }
  }
  // More small convolutions on the plain path (16 input channels or more, off
  // a multiple of 4): of the squeezes above only 18 is, and the sweeps' are
  // near 1 ms, so a cross-validation fold without it had no point to fix the
  // plain path's overhead (2 threads: a held-out RMSPE of 198 % on session 23's
  // points, the fit on all of them 11 %).
  for (const auto& [c, k, hw] : std::vector<std::array<std::int64_t, 3>>{
           {30, 120, 1}, {50, 200, 1}, {90, 360, 1}, {26, 64, 7}, {38, 96, 14}}) {
    p.add(conv(c, k, hw, 1, 1));
  }
  // The stems networks open with (3 channels in), which the runtime's blocked
  // kernel reads directly, input channels unrounded: the direct path's points
  // with the excitations of fewer than 16 channels above. Kernels 3 to 16, the
  // 3 × 3s padded and not, the patchifying ones (kernel = stride) of ConvNeXt,
  // Swin and ViT: one thread ran 3 × 3s at 118 GFLOP/s, a 7 × 7 at 165.
  for (const auto& [k, kernel, stride, pad] : std::vector<std::array<std::int64_t, 4>>{
           {16, 3, 2, 1}, {24, 3, 2, 1}, {64, 3, 2, 0}, {64, 7, 2, 3}, {96, 4, 4, 0}, {768, 16, 16, 0}}) {
    p.add(stem(k, kernel, stride, pad));
  }
  std::size_t index = 0;
  for (const auto& u : sobol(4, 400)) {
    if (p.full()) {
      break;
    }
    const std::int64_t hw = pick<std::int64_t>({7, 14, 28, 56, 112}, u[2]);
    const std::int64_t c = channels(u[0], 8, hw >= 56 ? 256 : 1024, index);
    const std::int64_t k = channels(u[1], 8, hw >= 56 ? 256 : 1024, index++);
    const std::int64_t kernel = u[3] < 0.5 ? 1 : 3;
    if (static_cast<double>(c * k * hw * hw * kernel * kernel) > 4e8) {
      continue;  // over ~0.8 GFLOP: slow to measure, and such layers are rare
    }
    p.add(conv(c, k, hw, kernel, 1));
  }
}

void plan_depthwise(Planner& p) {
  for (std::int64_t c = 88; c <= 104 && p.size() < p.quota() * 2 / 5; c += 2) {
    p.add("conv:c=" + s(c) + ",h=28,w=28,depthwise=1,kernel=3,stride=1,act=Relu");
  }
  std::size_t index = 0;
  for (const auto& u : sobol(4, 400)) {
    if (p.full()) {
      break;
    }
    const std::int64_t hw = pick<std::int64_t>({7, 14, 28, 56, 112}, u[1]);
    const std::int64_t c = channels(u[0], 16, hw >= 56 ? 192 : 1152, index++);
    if (larger_than_networks_use(c, hw)) {
      continue;
    }
    const std::int64_t kernel = u[2] < 0.7 ? 3 : 5;
    const std::int64_t stride = u[3] < 0.75 ? 1 : 2;
    p.add("conv:c=" + s(c) + ",h=" + s(hw) + ",w=" + s(hw) + ",depthwise=1,kernel=" + s(kernel) +
          ",stride=" + s(stride) + ",act=Relu");
  }
}

void plan_grouped(Planner& p) {
  // A sweep of the group count around a base RegNet runs (8 channels per
  // group, 3×3 at 14×14): the per-group cost of the library's group loop.
  for (const std::int64_t groups : {4, 8, 16, 32, 64}) {
    p.add(conv(8 * groups, 8 * groups, 14, 3, 1, groups));
  }
  // The same at stride 2 (to 14×14), as a stage's first block runs it: its
  // im2col gathers element by element.
  for (const std::int64_t groups : {4, 16, 64}) {
    p.add(conv(8 * groups, 8 * groups, 28, 3, 2, groups));
  }
  // A sweep of the channels per group at 32 groups (with the group sweep's 8):
  // the steps of the per-group GEMM on the slow path, down to the 4 channels
  // per group the narrowest grouped designs run.
  for (const std::int64_t width : {4, 12, 24}) {
    p.add(conv(width * 32, width * 32, 14, 3, 1, 32));
  }
  // A sweep of the output's side at 16 channels per group (one filter block
  // per group for the blocked kernel): the share of a row's outputs at its
  // padded edges, which such a kernel computes one at a time.
  for (const std::int64_t hw : {7, 14, 28}) {
    p.add(conv(16 * 25, 16 * 25, hw, 3, 1, 25));
  }
  for (const auto& u : sobol(4, 400)) {
    if (p.full()) {
      break;
    }
    const std::int64_t width = pick<std::int64_t>({4, 8, 16, 24, 32, 48, 64}, u[0]);  // channels per group
    const std::int64_t groups = log_between(u[1], 2, 32);
    const std::int64_t hw = pick<std::int64_t>({7, 14, 28, 56}, u[2]);
    // Over a third of the 3×3s with stride 2, as the first block of a RegNet
    // or ResNeXt stage runs them (hw is the output's side): enough strided
    // points to fit the cost of their gathers.
    const std::int64_t kernel = u[3] < 0.8 ? 3 : 1;
    const std::int64_t stride = u[3] < 0.3 ? 2 : 1;
    if (larger_than_networks_use(width * groups, hw * stride)) {
      continue;
    }
    p.add(conv(width * groups, width * groups, hw * stride, kernel, stride, groups));
  }
}

void plan_gemm(Planner& p) {
  // Sweeps of N at one row (a classifier) and of K at 197 (a transformer's
  // projection) for steps; and of K around a transformer MLP's 3072 for rows
  // that alias in cache: fp32 rows 12, 8, 10, 16, 11 KiB apart (multiples of 4,
  // 8, 2, 16 and 1 KiB) among others that are not.
  const std::vector<std::int64_t> alias_k = {3072, 3056, 2048, 2560, 4096, 3088, 2816, 3104, 1024};
  std::size_t i = 0;
  for (std::int64_t d = -8; d <= 8 && p.size() < p.quota() * 2 / 5; d += 2, ++i) {
    p.add("gemm:m=1,k=1280,n=" + s(1000 + d));
    p.add("matmul:m=197,k=" + s(768 + d + 1) + ",n=768,bias=1");
    p.add("matmul:m=197,k=" + s(alias_k[i]) + ",n=768,bias=1");
  }
  // A first stage's MLP at 56 × 56 positions (ConvNeXt's and Swin's 96
  // channels, expanded four times and back): outputs beyond the private caches.
  p.add("matmul:m=3136,k=96,n=384,bias=1");
  p.add("matmul:m=3136,k=384,n=96,bias=1");
  // Attention's batched products, one GEMM per head (or window and head):
  // tokens × head width by head width × tokens, and back, over a range of
  // batches, for the cost of each GEMM.
  // A sixth of the class's points (8 of 48 at the default budget), three at least.
  const std::size_t batched_points = std::max<std::size_t>(3, p.quota() / 6);
  std::size_t batched = 0;
  for (const auto& u : sobol(4, 64)) {
    if (batched == batched_points || p.full()) {
      break;
    }
    const std::int64_t batch = log_between(u[0], 4, 384);
    const std::int64_t tokens = pick<std::int64_t>({49, 50, 64, 144, 197}, u[1]);
    const std::int64_t width = pick<std::int64_t>({32, 64}, u[2]);
    if (static_cast<double>(batch * tokens * tokens * width) > 1.5e8) {
      continue;
    }
    const bool scores = u[3] < 0.5;  // Q·Kᵀ, else the scores times V
    p.add("matmul:batch=" + s(batch) + ",m=" + s(tokens) + ",k=" + s(scores ? width : tokens) +
          ",n=" + s(scores ? tokens : width) + ",bias=0,weights=0");
    ++batched;
  }
  std::size_t index = 0;
  for (const auto& u : sobol(4, 400)) {
    if (p.full()) {
      break;
    }
    // The rows networks run: a classifier's one, a window's or ViT-B/32's
    // 49–50, ViT-B/16's 197, and the 784 and 3136 positions of ConvNeXt's and
    // Swin's first stages, whose outputs outgrow the private caches.
    const std::int64_t m = pick<std::int64_t>({1, 1, 49, 197, 196, 784, 3136}, u[0]);
    const std::int64_t k = channels(u[1], 32, 4096, index);
    const std::int64_t n = channels(u[2], 32, 4096, index++);
    if (static_cast<double>(m * k * n) > 6e8 || m * std::max(k, n) > 2'000'000) {
      continue;
    }
    p.add(std::string(u[3] < 0.5 ? "gemm" : "matmul") + ":m=" + s(m) + ",k=" + s(k) + ",n=" + s(n));
  }
}

void plan_pool(Planner& p) {
  // A sweep of channels around 96 that tells each candidate channel block (4,
  // 8, 16) from the others: 94 misses 4, 92 and 100 are multiples of 4 only,
  // 88 and 104 of 8 only, 96 of 16. Then space filling, every other point on
  // a multiple of 16, so that a path for blocks of 16 channels has the points
  // to fit it (of the first plan's 12 MaxPools, 3 were).
  for (const std::int64_t c : {88, 92, 94, 96, 100, 104}) {
    p.add("pool:op=MaxPool,c=" + s(c) + ",h=56,w=56,kernel=3,stride=2");
  }
  // A CNN's first pool, after its stem convolution (64 channels at 112 × 112
  // in ResNets, DenseNets and GoogLeNet), reads more than the private caches
  // hold: a short sweep of channels there.
  for (const std::int64_t c : {48, 64, 80}) {
    p.add("pool:op=MaxPool,c=" + s(c) + ",h=112,w=112,kernel=3,stride=2");
  }
  std::size_t index = 0;
  for (const auto& u : sobol(3, 200)) {
    if (p.full()) {
      break;
    }
    const std::int64_t c = index % 2 == 0 ? std::max<std::int64_t>(16, log_between(u[0], 16, 1024) / 16 * 16)
                                          : channels(u[0], 16, 1024, index);
    ++index;
    const std::int64_t hw = pick<std::int64_t>({7, 14, 28, 56, 112}, u[1]);
    if (larger_than_networks_use(c, hw)) {
      continue;
    }
    // A quarter at stride 1 (an Inception branch's pool keeps its input's size).
    const std::int64_t stride = u[2] < 0.25 ? 1 : 2;
    p.add("pool:op=MaxPool,c=" + s(c) + ",h=" + s(hw) + ",w=" + s(hw) + ",kernel=3,stride=" + s(stride));
  }
}

void plan_elementwise(Planner& p) {
  // Erf alone is left out: networks have it only inside the GELU pattern.
  const std::vector<std::string> ops = {"Add",  "Mul", "Relu", "Sigmoid", "HardSwish",
                                        "Clip", "Div", "Gelu", "Silu",    "BatchNormalization"};
  for (const auto& u : sobol(4, 300)) {
    if (p.full()) {
      break;
    }
    const std::int64_t c = log_between(u[0], 16, 1024);
    const std::int64_t hw = pick<std::int64_t>({7, 14, 28, 56, 112}, u[1]);
    if (larger_than_networks_use(c, hw)) {
      continue;
    }
    const std::string op = pick(ops, u[2]);
    const std::string shape = "1x" + s(c) + "x" + s(hw) + "x" + s(hw);
    // Half the products and sums broadcast a per-channel tensor, as a
    // squeeze-excitation gate does (one inner loop per channel).
    const bool binary = op == "Add" || op == "Mul" || op == "Div";
    const std::string other = binary && u[3] < 0.5 ? ",other=1x" + s(c) + "x1x1" : "";
    p.add("elementwise:op=" + op + ",shape=" + shape + other);
  }
}

void plan_normalization(Planner& p) {
  // Softmax and LayerNormalization over attention's shapes; global average
  // pools (a mean over H × W, lowered into this class) over CNNs' feature maps.
  std::size_t index = 0;
  for (const auto& u : sobol(3, 200)) {
    if (p.full()) {
      break;
    }
    if (u[2] >= 2.0 / 3.0) {
      const std::int64_t c = channels(u[0], 16, 2048, index++);
      const std::int64_t hw = pick<std::int64_t>({7, 14, 28, 56, 112}, u[1]);
      if (!larger_than_networks_use(c, hw)) {
        p.add("pool:op=GlobalAveragePool,c=" + s(c) + ",h=" + s(hw) + ",w=" + s(hw));
      }
    } else if (u[2] < 1.0 / 3.0) {
      const std::int64_t tokens = log_between(u[0], 49, 785);
      const std::int64_t heads = pick<std::int64_t>({4, 8, 12, 16}, u[1]);
      p.add("normalization:op=Softmax,shape=1x" + s(heads) + "x" + s(tokens) + "x" + s(tokens));
    } else {
      const std::int64_t tokens = log_between(u[0], 49, 3137);
      const std::int64_t width = pick<std::int64_t>({96, 192, 384, 768, 1024}, u[1]);
      p.add("normalization:op=LayerNormalization,shape=1x" + s(tokens) + "x" + s(width));
    }
  }
}

/// The rules' names in a profile's "lowering.fuse", in the rules' order.
std::vector<std::string> fusion_names(const std::set<roofline::FusionRule>& rules) {
  std::vector<std::string> names;
  for (const auto rule : rules) {
    names.emplace_back(roofline::fusion_rule_name(rule));
  }
  return names;
}

void plan_data_movement(Planner& p) {
  for (const auto& u : sobol(3, 200)) {
    if (p.full()) {
      break;
    }
    const std::int64_t c = log_between(u[0], 16, 512);
    const std::int64_t hw = pick<std::int64_t>({7, 14, 28, 56}, u[1]);
    const double which = u[2];
    const std::int64_t tokens = pick<std::int64_t>({50, 197, 785}, u[1]);
    // The copies networks run: NCHW → NHWC and back (ConvNeXt), an attention
    // head split or merge (tokens × heads × 64, as many heads as ViT's and
    // Swin's stages have: runs of 64 floats), a channel shuffle
    // (ShuffleNet), the Split of a QKV projection into its three parts
    // (tokens × 3·width) and of channels into halves (ShuffleNet).
    if (which < 0.3) {
      p.add("concat:c=" + s(c) + ",h=" + s(hw) + ",w=" + s(hw) + ",inputs=" + s(2 + (c % 3)));
    } else if (which < 0.42) {
      p.add("transpose:shape=1x" + s(c) + "x" + s(hw) + "x" + s(hw) + ",perm=0x2x3x1");
    } else if (which < 0.5) {
      p.add("transpose:shape=1x" + s(hw) + "x" + s(hw) + "x" + s(c) + ",perm=0x3x1x2");
    } else if (which < 0.62) {
      const std::int64_t heads = pick<std::int64_t>({3, 6, 12}, u[0]);
      p.add("transpose:shape=1x" + s(tokens) + "x" + s(heads) + "x64,perm=0x2x1x3");
    } else if (which < 0.7) {
      p.add("transpose:shape=1x2x" + s(c / 2) + "x" + s(hw) + "x" + s(hw) + ",perm=0x2x1x3x4");
    } else if (which < 0.82) {
      if (u[1] < 0.5) {
        const std::int64_t width = pick<std::int64_t>({96, 192, 384, 768}, u[0]);
        p.add("split:shape=1x" + s(tokens) + "x" + s(3 * width) + ",axis=2,parts=3");
      } else {
        p.add("split:shape=1x" + s(2 * (c / 2)) + "x" + s(hw) + "x" + s(hw) + ",axis=1,parts=2");
      }
    } else {
      p.add("resize:c=" + s(c) + ",h=" + s(hw) + ",w=" + s(hw) + ",scale=2,mode=nearest");
    }
  }
}

}  // namespace

std::set<roofline::FusionRule> runtime_fusions() {
  using roofline::FusionRule;
  return {FusionRule::kConvBn,          FusionRule::kConvActivation, FusionRule::kConvAdd,
          FusionRule::kGemmBias,        FusionRule::kGemmActivation, FusionRule::kPadIntoConsumer,
          FusionRule::kActivationPatterns, FusionRule::kSplitSiblings, FusionRule::kMatMulOperands};
}

/// ONNX Runtime 1.22 runs HardSwish as HardSigmoid, then Mul (its MobileNetV3
/// profile lists the two): 5 passes over the tensor (LoweringRules::activation_passes).
std::map<std::string, int> runtime_activation_passes() { return {{"HardSwish", 5}}; }

roofline::LoweringRules runtime_lowering_rules() {
  roofline::LoweringRules rules;
  rules.fuse = runtime_fusions();
  rules.activation_passes = runtime_activation_passes();
  return rules;
}

std::vector<PlannedPoint> plan_points(std::size_t budget) {
  // Shares of the budget: the classes that hold most of a network's time get most points.
  // Elementwise operators and copies are many and small in a network: with
  // ten operators and five kinds of copy they get a larger share than their
  // time alone would give them. Grouped convolutions take two paths, strided
  // gathers and padded edges of one filter block to fit: 36 points (copies
  // gave up 9 of their 30, which moved no network's prediction on session
  // 14's measurements by more than 0.5 points).
  const std::vector<std::pair<std::string, double>> shares = {
      {"conv", 0.27},          {"depthwise_conv", 0.12}, {"grouped_conv", 0.12}, {"gemm", 0.15},
      {"pool", 0.07},          {"elementwise", 0.14},    {"normalization", 0.06}, {"data_movement", 0.07}};
  std::vector<PlannedPoint> all;
  for (const auto& [kernel_class, share] : shares) {
    Planner planner(kernel_class, std::max<std::size_t>(8, static_cast<std::size_t>(share * static_cast<double>(budget))));
    if (kernel_class == "conv") plan_conv(planner);
    if (kernel_class == "depthwise_conv") plan_depthwise(planner);
    if (kernel_class == "grouped_conv") plan_grouped(planner);
    if (kernel_class == "gemm") plan_gemm(planner);
    if (kernel_class == "pool") plan_pool(planner);
    if (kernel_class == "elementwise") plan_elementwise(planner);
    if (kernel_class == "normalization") plan_normalization(planner);
    if (kernel_class == "data_movement") plan_data_movement(planner);
    all.insert(all.end(), planner.points().begin(), planner.points().end());
  }
  return all;
}

double dram_overlap_bytes_per_s(const std::vector<OverlapSample>& samples, double dram_bytes_per_s) {
  if (samples.empty()) {
    throw FitError("no kernel timed warm and cold to measure the DRAM overlap from");
  }
  if (!(dram_bytes_per_s > 0.0)) {
    throw FitError("the DRAM overlap needs a DRAM bandwidth > 0");
  }
  double sum = 0.0;
  for (const auto& sample : samples) {
    if (!(sample.warm_s > 0.0) || !(sample.cold_s > 0.0) || !(sample.dram_bytes > 0.0)) {
      throw FitError("a DRAM overlap sample needs bytes and both times > 0");
    }
    const double waited_bytes = std::max(0.0, sample.cold_s - sample.warm_s) * dram_bytes_per_s;
    sum += std::max(0.0, sample.dram_bytes - waited_bytes) / sample.warm_s;
  }
  return sum / static_cast<double>(samples.size());
}

LifetimeFit fit_cache_lifetime(const std::vector<LifetimeSample>& samples) {
  std::size_t hot = 0;
  std::set<double> elapsed;
  for (const auto& sample : samples) {
    if (!(sample.time_s > 0.0) || !(sample.elapsed_s >= 0.0)) {
      throw FitError("a cache lifetime sample needs a time > 0 and an elapsed time >= 0");
    }
    if (sample.elapsed_s == 0.0) {
      ++hot;
    } else {
      elapsed.insert(sample.elapsed_s);
    }
  }
  if (samples.size() < 4 || hot == 0 || elapsed.size() < 3) {
    throw FitError("the cache lifetime needs a kernel timed with its input just written and at 3 or more times "
                   "after (" + std::to_string(samples.size()) + " samples, " + std::to_string(hot) +
                   " just written, " + std::to_string(elapsed.size()) + " distinct times after)");
  }
  // For a lifetime, t_hot and Δ ≥ 0 by weighted least squares (weights 1/t²:
  // relative errors), so that no one sample, the just-written one included,
  // sets them alone.
  struct Line {
    double hot_s = 0.0;
    double evicted_s = 0.0;
  };
  const auto line_for = [&](double lifetime_s) {
    double sw = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0;
    for (const auto& sample : samples) {
      const double x = roofline::evicted_with_time(sample.elapsed_s, lifetime_s);
      const double w = 1.0 / (sample.time_s * sample.time_s);
      sw += w;
      sx += w * x;
      sy += w * sample.time_s;
      sxx += w * x * x;
      sxy += w * x * sample.time_s;
    }
    const double determinant = sw * sxx - sx * sx;
    Line line{.hot_s = sy / sw, .evicted_s = 0.0};
    if (determinant > 0.0) {
      const double slope = (sw * sxy - sx * sy) / determinant;
      if (slope > 0.0) {
        line = {.hot_s = (sy - slope * sx) / sw, .evicted_s = slope};
      }
    }
    return line;
  };
  const auto rmspe = [&](double lifetime_s, const Line& line) {
    double sum = 0.0;
    for (const auto& sample : samples) {
      const double share = roofline::evicted_with_time(sample.elapsed_s, lifetime_s);
      sum += std::pow((line.hot_s + line.evicted_s * share - sample.time_s) / sample.time_s, 2);
    }
    return 100.0 * std::sqrt(sum / static_cast<double>(samples.size()));
  };
  LifetimeFit fit;
  double best = std::numeric_limits<double>::infinity();
  for (double lifetime_s = 1e-4; lifetime_s <= 10.0; lifetime_s *= 1.02) {
    const Line line = line_for(lifetime_s);
    const double error = rmspe(lifetime_s, line);
    if (error < best) {
      best = error;
      fit = {.lifetime_s = lifetime_s, .hot_s = line.hot_s, .evicted_s = line.evicted_s, .rmspe_percent = error};
    }
  }
  if (fit.evicted_s < 0.05 * fit.hot_s) {
    const Line flat = line_for(0.0);
    fit = {.lifetime_s = 0.0, .hot_s = flat.hot_s, .evicted_s = 0.0, .rmspe_percent = rmspe(0.0, flat)};
  }
  return fit;
}

std::string point_json_line(const MeasuredPoint& point) {
  nlohmann::ordered_json line = {{"class", point.kernel_class},
                                       {"spec", point.spec},
                                       {"op", point.sample.op},
                                       {"calls", point.sample.calls},
                                       {"loops", point.sample.loops},
                                       {"gathers", point.sample.gathers},
                                       {"rows", point.sample.rows},
                                       {"row_stride_bytes", point.sample.row_stride_bytes},
                                       {"edge_share", point.sample.edge_share},
                                       {"dims", point.sample.dims},
                                       {"work_factor", point.sample.work_factor},
                                       {"bytes", point.sample.bytes},
                                       {"weight_bytes", point.sample.weight_bytes},
                                       {"time_s", point.sample.time_s},
                                       {"spread", point.spread},
                                       {"unix_time_s", point.unix_time_s}};
  if (!point.reorders.empty()) {
    line["reorders"] = nlohmann::ordered_json::array();
    for (const auto& r : point.reorders) {
      line["reorders"].push_back({{"bytes", r.bytes}, {"time_s", r.time_s}});
    }
  }
  return line.dump();
}

namespace {

/// The middle one, or the geometric mean of the middle two: the fit's error is in log space.
double log_median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : std::sqrt(values[n / 2 - 1] * values[n / 2]);
}

}  // namespace

std::vector<MeasuredPoint> median_per_point(const std::vector<MeasuredPoint>& measurements) {
  std::vector<MeasuredPoint> points;
  std::vector<std::vector<double>> times_s;  // per point, every measurement's time
  std::vector<std::vector<std::vector<double>>> reorder_times_s;  // per point, per reorder
  std::map<std::string, std::size_t> index;  // spec → its place in points
  for (const auto& m : measurements) {
    const auto [it, inserted] = index.emplace(m.spec, points.size());
    if (inserted) {
      points.push_back(m);
      times_s.emplace_back();
      reorder_times_s.emplace_back(m.reorders.size());
    }
    times_s[it->second].push_back(m.sample.time_s);
    points[it->second].unix_time_s = std::max(points[it->second].unix_time_s, m.unix_time_s);
    auto& reorders = reorder_times_s[it->second];
    if (m.reorders.size() == reorders.size()) {
      for (std::size_t r = 0; r < reorders.size(); ++r) {
        reorders[r].push_back(m.reorders[r].time_s);
      }
    }
  }
  for (std::size_t i = 0; i < points.size(); ++i) {
    points[i].sample.time_s = log_median(times_s[i]);
    for (std::size_t r = 0; r < points[i].reorders.size(); ++r) {
      points[i].reorders[r].time_s = log_median(reorder_times_s[i][r]);
    }
  }
  return points;
}

FitResult fit_reorders(const std::vector<MeasuredPoint>& points) {
  std::vector<Sample> samples;
  for (const auto& point : points) {
    for (const auto& r : point.reorders) {
      samples.push_back(Sample{.dims = {}, .work_factor = 0.0, .bytes = r.bytes, .time_s = r.time_s, .op = "Reorder"});
    }
  }
  std::set<double> sizes;
  for (const auto& s : samples) {
    sizes.insert(s.bytes);
  }
  FitOptions options;
  options.min_points = 6;
  if (samples.size() < options.min_points || sizes.size() < 3) {
    throw FitError("too few layout reorders to fit: " + std::to_string(samples.size()) + " of " +
                   std::to_string(sizes.size()) + " sizes, at least " + std::to_string(options.min_points) +
                   " of 3 needed");
  }
  return fit_step_model(samples, options);
}

std::vector<std::string> disagreeing_points(const std::vector<MeasuredPoint>& measurements, double tolerance,
                                            int at_most) {
  std::map<std::string, std::pair<double, int>> fastest_and_count;  // spec → fastest time, measurements
  for (const auto& m : measurements) {
    const auto [it, inserted] = fastest_and_count.emplace(m.spec, std::pair{m.sample.time_s, 0});
    it->second.first = std::min(it->second.first, m.sample.time_s);
    ++it->second.second;
  }
  std::vector<std::string> disagreeing;
  for (const auto& point : median_per_point(measurements)) {
    const auto [fastest_s, count] = fastest_and_count.at(point.spec);
    if (count >= 2 && count < at_most && point.sample.time_s > fastest_s * (1.0 + tolerance)) {
      disagreeing.push_back(point.spec);
    }
  }
  return disagreeing;
}

MeasuredPoint parse_point_line(const std::string& line, const std::string& source, std::size_t line_number) {
  try {
    const auto j = nlohmann::json::parse(line);
    MeasuredPoint point;
    point.kernel_class = j.at("class").get<std::string>();
    point.spec = j.at("spec").get<std::string>();
    point.sample.dims = j.at("dims").get<std::vector<std::int64_t>>();
    point.sample.op = j.contains("op") ? j.at("op").get<std::string>() : "";  // older logs lack it
    // A count older logs lack (taking `absent`), at least `least` where present.
    const auto count = [&](const char* key, double absent, int least) {
      const double value = j.contains(key) ? j.at(key).get<double>() : absent;
      if (!(value >= least)) {
        throw FitError(source + ":" + std::to_string(line_number) + ": " + key + " must be >= " +
                       std::to_string(least));
      }
      return value;
    };
    point.sample.calls = count("calls", 1.0, 1);
    point.sample.loops = count("loops", 0.0, 0);
    point.sample.gathers = count("gathers", 0.0, 0);
    point.sample.rows = count("rows", 0.0, 0);
    point.sample.row_stride_bytes = count("row_stride_bytes", 0.0, 0);
    point.sample.edge_share = count("edge_share", 0.0, 0);
    if (j.contains("reorders")) {  // older logs lack them
      for (const auto& r : j.at("reorders")) {
        const ReorderSample reorder{.bytes = r.at("bytes").get<double>(), .time_s = r.at("time_s").get<double>()};
        if (!(reorder.bytes > 0.0) || !(reorder.time_s > 0.0)) {
          throw FitError(source + ":" + std::to_string(line_number) + ": a reorder's bytes and time_s must be > 0");
        }
        point.reorders.push_back(reorder);
      }
    }
    if (point.sample.edge_share > 1.0) {
      throw FitError(source + ":" + std::to_string(line_number) + ": edge_share must be <= 1");
    }
    point.sample.work_factor = j.at("work_factor").get<double>();
    point.sample.bytes = j.at("bytes").get<double>();
    point.sample.weight_bytes = count("weight_bytes", 0.0, 0);
    if (point.sample.weight_bytes > point.sample.bytes) {
      throw FitError(source + ":" + std::to_string(line_number) + ": weight_bytes must be <= bytes");
    }
    point.sample.time_s = j.at("time_s").get<double>();
    point.spread = j.at("spread").get<double>();
    point.unix_time_s = j.at("unix_time_s").get<double>();
    return point;
  } catch (const nlohmann::json::exception& error) {
    throw FitError(source + ":" + std::to_string(line_number) + ": not a calibration point (" + error.what() + ")");
  }
}

std::vector<ClassFit> fit_classes(std::vector<MeasuredPoint> points, const FitOptions& options) {
  // Order-independent: sort by class and spec first.
  std::sort(points.begin(), points.end(), [](const MeasuredPoint& a, const MeasuredPoint& b) {
    return std::tie(a.kernel_class, a.spec) < std::tie(b.kernel_class, b.spec);
  });
  std::map<std::string, std::vector<Sample>> by_class;
  for (const auto& p : points) {
    by_class[p.kernel_class].push_back(p.sample);
  }
  std::vector<ClassFit> fits;
  for (const auto& [kernel_class, samples] : by_class) {
    ClassFit fit;
    fit.kernel_class = kernel_class;
    fit.points = samples.size();
    // The conv class's paths are the runtime's: its stems and narrow inputs
    // run the direct kernel, and a slow path (where held-out points call for
    // one) is for input channels off the blocked kernel's multiple. Fitted
    // among 4, 8 and 16, one thread's chose 16 on session 22's points: its
    // 20-channel sweep point ran as slow as 32 channels, predicted 37 % fast.
    FitOptions class_options = options;
    if (kernel_class == "conv") {
      class_options.direct_below = kDirectInputBelow;
      class_options.direct_dim = 1;  // the class's dimensions: output channels, input channels
      class_options.candidate_alignments = {kChannelMultiple};
    }
    try {
      fit.fit = fit_step_model(samples, class_options);
      fit.fitted = true;
    } catch (const FitError& error) {
      fit.note = error.what();
    }
    fits.push_back(std::move(fit));
  }
  return fits;
}

std::string calibrated_profile_json(const CalibrationRecord& r) {
  using Json = nlohmann::ordered_json;
  const auto round2 = [](double v) { return std::round(v * 100.0) / 100.0; };
  // Six significant digits: readable, and a throughput of 1e-5 GFLOP/s does not round to 0.
  // Below about 1e-303 the scale overflows to infinity (and v · scale / scale is NaN,
  // written as null): such a value, an overhead a fit drove towards 0, is kept as it is.
  const auto round4 = [](double v) {
    if (v == 0.0 || !std::isfinite(v)) {
      return v;
    }
    const double scale = std::pow(10.0, 5 - static_cast<int>(std::floor(std::log10(std::fabs(v)))));
    return std::isfinite(scale) ? std::round(v * scale) / scale : v;
  };
  // A fit's summary: its points and its errors on them and held out.
  const auto fit_summary = [&round2](std::size_t points, const FitResult& fit) {
    return Json{{"points", points},
                {"rmspe_percent", round2(fit.rmspe_percent)},
                {"heldout_rmspe_percent", round2(fit.heldout_rmspe_percent)}};
  };
  Json models = Json::array();
  Json fit_errors = Json::object();
  std::vector<double> overheads_us;
  for (const auto& f : r.fits) {
    if (!f.fitted) {
      fit_errors[f.kernel_class] = {{"points", f.points}, {"fitted", false}, {"note", f.note}};
      continue;
    }
    const auto& m = f.fit.model;
    overheads_us.push_back(m.overhead_s * 1e6);
    Json entry = {{"class", f.kernel_class},
                  {"steps", m.steps},
                  {"overhead_us", round4(m.overhead_s * 1e6)},
                  {"gflops", round4(m.flops_per_s / 1e9)},
                  {"gbs", round4(m.bytes_per_s / 1e9)}};
    // Rates per operator, in G per second: op_gflops, op_gbs.
    for (const auto& [key, rates] : {std::pair{"op_gflops", &m.op_flops_per_s}, std::pair{"op_gbs", &m.op_bytes_per_s}}) {
      if (!rates->empty()) {
        Json per_op = Json::object();
        for (const auto& [op, rate] : *rates) {
          per_op[op] = round4(rate / 1e9);
        }
        entry[key] = per_op;
      }
    }
    if (m.loop_s > 0.0) {
      entry["loop_ns"] = round4(m.loop_s * 1e9);
    }
    if (m.gather_s > 0.0) {
      entry["gather_ns"] = round4(m.gather_s * 1e9);
    }
    if (m.partition_blocks > 0) {
      entry["partition_blocks"] = m.partition_blocks;
    }
    if (m.alias_bytes > 0) {
      entry["alias"] = {{"row_stride_multiple_of_bytes", m.alias_bytes}, {"slowdown", round4(m.alias_slowdown)}};
    }
    if (m.edge_slowdown > 0.0 && m.edge_block > 0) {
      entry["padded_edges"] = {{"filter_block", m.edge_block}, {"slowdown", round4(m.edge_slowdown)}};
    }
    if (m.private_cache_bytes > 0.0) {
      const bool wait = m.far_wait_bytes_per_s > 0.0;
      entry["beyond_private_caches"] = {
          {"bytes", static_cast<std::int64_t>(std::llround(m.private_cache_bytes))},
          {wait ? "wait_gbs" : "gbs", round4((wait ? m.far_wait_bytes_per_s : m.far_bytes_per_s) / 1e9)}};
    }
    if (m.split_speedup > 1.0) {
      entry["split"] = {{"overhead_us", round4(m.split_s * 1e6)}, {"speedup", round4(m.split_speedup)}};
      if (!m.serial_ops.empty()) {
        entry["split"]["serial_ops"] = m.serial_ops;
      }
    }
    if (m.align > 0) {
      entry["slow_path"] = {{"dimension", m.align_dim},
                            {"unless_multiple_of", m.align},
                            {"steps", m.slow_path_steps()},
                            {"overhead_us", round4(m.slow_overhead_s * 1e6)},
                            {"gflops", round4(m.slow_flops_per_s / 1e9)},
                            {"gbs", round4(m.slow_bytes_per_s / 1e9)}};
      if (m.slow_loop_s > 0.0) {
        entry["slow_path"]["loop_ns"] = round4(m.slow_loop_s * 1e9);
      }
      if (m.slow_gather_s > 0.0) {
        entry["slow_path"]["gather_ns"] = round4(m.slow_gather_s * 1e9);
      }
    }
    if (m.direct_below > 0) {
      entry["direct_path"] = {{"dimension", m.direct_dim},
                              {"below", m.direct_below},
                              {"steps", m.direct_steps},
                              {"overhead_us", round4(m.direct_overhead_s * 1e6)},
                              {"gflops", round4(m.direct_flops_per_s / 1e9)},
                              {"gbs", round4(m.direct_bytes_per_s / 1e9)}};
    }
    entry["fit"] = fit_summary(f.points, f.fit);
    models.push_back(entry);
    fit_errors[f.kernel_class] = {{"points", f.points},
                                  {"fitted", true},
                                  {"rmspe_percent", round2(f.fit.rmspe_percent)},
                                  {"heldout_rmspe_percent", round2(f.fit.heldout_rmspe_percent)}};
  }
  std::sort(overheads_us.begin(), overheads_us.end());
  const double per_kernel_us = overheads_us.empty() ? 0.0 : overheads_us[overheads_us.size() / 2];
  const auto date = [](double unix_s) {
    const std::time_t t = static_cast<std::time_t>(unix_s);
    std::tm parts{};
    gmtime_r(&t, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return std::string(text);
  };
  Json memory = Json::object();
  Json figures = Json::object();
  const Json measured = {{"basis", "measured"}, {"source", "calibration"}};
  figures["ceilings.peak_gflops.fp32"] = measured;
  figures["ceilings.peak_gflops.fp32"]["note"] = "FP32 FMA chains on " + std::to_string(r.threads) + " threads";
  for (const auto& [level, gbs] : r.memory_gbs) {
    memory[level] = round2(gbs);
    figures["ceilings.memory_gbs." + level] = measured;
    figures["ceilings.memory_gbs." + level]["note"] = "vector-load read bandwidth sweep";
  }
  if (r.dram_overlap_gbs > 0.0) {
    figures["ceilings.dram_overlap_gbs"] = measured;
    figures["ceilings.dram_overlap_gbs"]["note"] =
        "a 768 x 3072 MatMul at 50 and 100 rows, its weights cached and evicted";
  }
  if (r.cache_lifetime_ms > 0.0) {
    figures["ceilings.cache_lifetime_ms"] = measured;
    figures["ceilings.cache_lifetime_ms"]["note"] =
        "an Add of a 197 x 768 tensor written 0 to 32 MatMul pairs (197 x 768 x 512 x 768) earlier, at 11 delays";
  }
  figures["overheads.per_kernel_us"] = measured;
  figures["overheads.per_kernel_us"]["note"] = "median of the fitted classes' overheads (for classes without a model)";
  figures["overheads.per_run_us"] = measured;
  figures["overheads.per_run_us"]["note"] = "latency of a one-element Relu model";
  const int year = [&] {
    const std::string d = date(r.first_unix_time_s);
    return std::atoi(d.substr(0, 4).c_str());
  }();
  Json hardware = {{"name", r.hardware_name}, {"processor", r.processor}, {"memory_gib", r.memory_gib}};
  if (!r.cache_bytes.empty()) {
    Json caches = Json::object();
    for (const auto& [level, bytes] : r.cache_bytes) {
      caches["l" + std::to_string(level)] = static_cast<double>(bytes) / 1048576.0;
    }
    hardware["cache_mib"] = caches;
  }
  Json ceilings = {{"peak_gflops", {{"fp32", round2(r.peak_gflops)}}}, {"memory_gbs", memory}};
  if (r.dram_overlap_gbs > 0.0) {
    ceilings["dram_overlap_gbs"] = round4(r.dram_overlap_gbs);
  }
  if (r.cache_lifetime_ms > 0.0) {
    ceilings["cache_lifetime_ms"] = round4(r.cache_lifetime_ms);
  }
  Json profile = {
      {"schema_version", 1},
      {"id", r.id},
      {"kind", "calibrated"},
      {"hardware", hardware},
      {"runtime",
       {{"name", r.runtime_name},
        {"version", r.runtime_version},
        {"execution_provider", r.execution_provider},
        {"threads", r.threads},
        {"precision", "fp32"}}},
      {"default_precision", "fp32"},
      {"ceilings", ceilings},
      {"overheads", {{"per_kernel_us", round4(per_kernel_us)}, {"per_run_us", round4(r.per_run_us)}}},
      // ONNX Runtime's CPU provider at level "all" (runtime_fusions). MLAS applies
      // Relu inside its convolution loop; Clip, HardSigmoid, Sigmoid, Tanh run as a pass over the
      // output afterwards (a Conv+Clip measures ~1.6× a Conv+Relu for a depthwise 144×56×56).
      {"lowering",
       {{"fuse", fusion_names(runtime_fusions())},
        {"drop_views", true},
        {"in_kernel_activations", {"Relu"}},
        {"activation_passes", runtime_activation_passes()},
        // MLAS's NCHWc layout as ONNX Runtime 1.22 applies it (observed on single-Conv models:
        // channels 60 and 116 run blocked, 58 and 8-per-group do not; 8 input channels are read
        // directly): reorders where blocked and plain kernels meet. The ops its NCHWc transformer
        // keeps blocked, up to the operator versions it matches: an opset-17 model's Add-14,
        // Mul-14, Relu-14 and BatchNormalization-15 run plain (observed in DenseNet-121: a
        // blocked Concat, then a ReorderOutput before its BatchNormalization and Relu).
        {"blocked_layout",
         {{"channel_multiple", kChannelMultiple},
          {"group_channel_multiple", 16},
          {"direct_input_below", kDirectInputBelow},
          {"keep_ops",
           {{"Add", 13}, {"AveragePool", 11}, {"BatchNormalization", 9}, {"Concat", 13}, {"GlobalAveragePool", 1},
            {"GlobalMaxPool", 1}, {"MaxPool", 12}, {"Mul", 13}, {"Relu", 13}, {"Resize", 13}, {"Sigmoid", 13},
            {"Sum", 13}, {"Tanh", 13}, {"Upsample", 9}}},
          {"plain_activations", {"HardSwish"}}}}}},
      {"kernel_models", models},
      {"provenance",
       {{"kind", "calibrated"},
        {"sources",
         {{{"id", "calibration"},
           {"title", "roofcast calibrate on " + r.host_cpu + ", " + date(r.first_unix_time_s)},
           {"publisher", r.tool},
           {"url", ""},
           {"year", year}}}},
        {"figures", figures},
        {"calibration",
         {{"points", r.points},
          {"budget", r.budget},
          {"started_utc", date(r.first_unix_time_s)},
          {"wall_time_s", std::round(r.last_unix_time_s - r.first_unix_time_s)},
          {"measuring_s", std::round(r.measuring_s)},
          {"cache_flush_mib", static_cast<double>(r.cache_flush_bytes) / 1048576.0},
          {"measurements", r.measurements},
          {"log", r.log_file},
          {"fit_error_per_class", fit_errors},
          {"whole_network_measurements_used", 0}}}}}};
  if (r.reorder_fit) {
    const StepModel& m = r.reorder_fit->model;
    profile["lowering"]["blocked_layout"]["reorder"] = {
        {"overhead_us", round4(m.overhead_s * 1e6)},
        {"gbs", round4(m.bytes_per_s / 1e9)},
        {"fit", fit_summary(r.reorder_fit->points, *r.reorder_fit)}};
  }
  return profile.dump(2) + "\n";
}

}  // namespace roofcast::fit
