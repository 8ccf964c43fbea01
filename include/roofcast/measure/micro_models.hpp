#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace roofcast::measure {

// Single-kernel ONNX models (opset 17, float32, random weights) for
// microbenchmarks: one kernel class at chosen dimensions. Each spec writes the
// layers a real network has (Conv → BatchNormalization → activation), which
// the runtime fuses into the one kernel being measured.

/// Conv (dense, grouped or depthwise by `group`), optionally followed by
/// BatchNormalization, a residual Add and an activation.
struct ConvMicro {
  std::int64_t n = 1, c = 32, h = 56, w = 56, k = 32, kernel = 3, stride = 1, group = 1;
  std::int64_t pad = -1;        ///< on every side; < 0: kernel / 2 ("same" at stride 1)
  bool batch_norm = true;
  bool residual = false;        ///< Add of a tensor shaped like the output
  std::string activation = "Relu";  ///< "", Relu, Clip (ReLU6), HardSwish, Sigmoid
};

/// Y[b, m, n] = X[b, m, k] · W[k, n] (+ bias) (+ activation): Gemm when b = 1
/// and `matmul` is false, else MatMul (+ Add).
struct GemmMicro {
  std::int64_t batch = 1, m = 1, k = 1024, n = 1024;
  bool bias = true;
  bool matmul = false;
  bool weights = true;  ///< false: both operands are inputs (attention's Q·Kᵀ)
  std::string activation;
};

struct PoolMicro {
  std::string op = "MaxPool";  ///< MaxPool, AveragePool, GlobalAveragePool
  std::int64_t n = 1, c = 64, h = 56, w = 56, kernel = 3, stride = 2;
  std::int64_t pad = -1;   ///< on every side; < 0: kernel / 2
  bool ceil_mode = false;  ///< output size rounded up (GoogLeNet's and SqueezeNet's MaxPools)
};

/// One elementwise op on `shape`; binary ops take a second input of
/// `other_shape` (empty: same shape).
struct ElementwiseMicro {
  /// Add, Mul, Sub, Div, Relu, Sigmoid, Tanh, Clip, HardSwish, HardSigmoid, Erf, Sqrt,
  /// BatchNormalization (standalone, over axis 1), or an
  /// activation networks export as a pattern the runtime fuses: Gelu (Div→Erf→Add→Mul→Mul), Silu
  /// (x·sigmoid(x))
  std::string op = "Add";
  std::vector<std::int64_t> shape = {1, 64, 56, 56};
  std::vector<std::int64_t> other_shape;
};

/// Softmax or LayerNormalization over the last axis.
struct NormalizationMicro {
  std::string op = "Softmax";  ///< Softmax, LayerNormalization
  std::vector<std::int64_t> shape = {1, 12, 197, 197};
};

/// Concat of `inputs` tensors [n, c, h, w] along channels.
struct ConcatMicro {
  std::int64_t n = 1, c = 64, h = 28, w = 28, inputs = 2;
};

/// Resize [n, c, h, w] by an integer `scale` (nearest or linear).
struct ResizeMicro {
  std::int64_t n = 1, c = 64, h = 28, w = 28, scale = 2;
  std::string mode = "nearest";
};

struct TransposeMicro {
  std::vector<std::int64_t> shape = {1, 197, 12, 64};
  std::vector<std::int64_t> perm = {0, 2, 1, 3};
};

/// One Slice of `shape` keeping [start, end) of `axis` (end 0: to the axis's
/// end), as a window shift or an un-pad copies a tensor's part.
struct SliceMicro {
  std::vector<std::int64_t> shape = {1, 56, 56, 96};
  std::int64_t axis = 1, start = 0, end = 0;
};

/// `parts` Slices of `shape` along `axis`, in equal parts that cover it (a
/// chunk, a query/key/value split); with `gather`, one Gather of each index
/// of an axis of extent `parts`, which drops it (qkv[0], qkv[1], qkv[2]).
struct SplitMicro {
  std::vector<std::int64_t> shape = {1, 56, 56, 96};
  std::int64_t axis = 1, parts = 2;
  bool gather = false;
};

/// A constant Pad of `after` zeros at the end of `axis` (0: a copy, as a
/// padding to a window multiple that the shape already meets).
struct PadMicro {
  std::vector<std::int64_t> shape = {1, 56, 56, 96};
  std::int64_t axis = 1, after = 0;
};

/// How long the last level keeps a tensor (Ceilings::cache_lifetime_s): a
/// Relu writes r [1, tokens, width]; `delay` MatMul pairs (width → hidden →
/// width, the same weights each time) run; then the kernel measured, an Add
/// of r and the last pair's output (of r and the input x without a delay).
/// The Relu and the pairs are "/delay/…" nodes, not the kernel's.
struct ReuseMicro {
  std::int64_t tokens = 197, width = 768, hidden = 512, delay = 0;
};

using MicroModel = std::variant<ConvMicro, GemmMicro, PoolMicro, ElementwiseMicro, NormalizationMicro,
                                ConcatMicro, ResizeMicro, TransposeMicro, SliceMicro, SplitMicro, PadMicro,
                                ReuseMicro>;

/// The prefix of a reuse micro-model's delay nodes ("/delay/MatMul_a0").
inline constexpr std::string_view kDelayNodePrefix = "/delay/";

/// The input of a micro-model's cache flush (`micro_model_bytes` with
/// `flush_bytes` > 0); measurement fills it with ones.
inline constexpr std::string_view kCacheFlushInput = "roofcast_cache_flush";

/// The prefix of the names of the kernel's own nodes ("/micro/Conv_1"); the
/// cache flush's nodes are named "/flush/…", its outputs' consumers "/sink/…".
inline constexpr std::string_view kMicroNodePrefix = "/micro/";

/// How micro-models are built, for logs of measured points: 1 for models whose
/// kernel wrote the graph's output; 2: each output has a consumer (a kernel
/// writing a graph output is measured up to twice as slow as the same kernel
/// writing an intermediate, the case in a network); 3: the cache flush
/// rewrites the inputs with a Div, not a Mul (which kept the runtime from
/// fusing a GELU); 4: a global pool's kernel is a reduction (class
/// normalization, no channel dimension), as a log's points record it.
inline constexpr int kMicroModelRevision = 4;

/// A file-name-safe name of the spec: "conv_n1_c32_h56_w56_k32_r3_s1_g1_bn_relu".
std::string micro_model_name(const MicroModel& spec);

/// The runnable model (random weights from `seed`). Throws UsageError for an
/// inconsistent spec (group not dividing channels, a non-positive dimension …).
///
/// `flush_bytes` > 0 puts the kernel in the cache state it meets inside a
/// network: first a ReduceMax reads a `flush_bytes` input (kCacheFlushInput,
/// all ones), evicting the caches — the kernel's weights and output buffer
/// are cold, as they are after the rest of a network has run; then each of the
/// kernel's inputs is rewritten by a Div by that maximum (1), so the inputs are
/// freshly written, as a network's previous kernel leaves them. The runtime
/// fuses neither into the kernel; their time is not the kernel's.
///
/// Each of the kernel's outputs is read by a Slice of its first element (the
/// "/sink/…" nodes, whose one-element outputs are the graph's), so that the
/// kernel writes an intermediate tensor, as in a network: ONNX Runtime gives a
/// graph output a buffer of its own each run, which a kernel writes up to
/// twice as slowly (a 1×256×56×56 Relu: 133 µs, 61 µs with the Slice, 58 µs
/// inside DenseNet-121).
std::string micro_model_bytes(const MicroModel& spec, std::uint64_t seed = 0, std::int64_t flush_bytes = 0);

/// Parses "KIND:key=value,key=value", e.g. "conv:c=32,h=56,w=56,k=64,kernel=3,group=1,act=Relu",
/// "gemm:m=1,k=1024,n=1000", "pool:op=MaxPool,c=64,h=112,w=112",
/// "elementwise:op=Add,shape=1x64x56x56", "normalization:op=LayerNormalization,shape=1x197x768",
/// "concat:c=64,h=28,w=28,inputs=4", "resize:c=64,h=28,w=28,scale=2,mode=linear",
/// "transpose:shape=1x197x12x64,perm=0x2x1x3", "slice:shape=1x56x56x96,axis=1,start=3",
/// "split:shape=3x1x3x49x32,axis=0,parts=3,gather=1", "pad:shape=1x56x56x96,axis=2,after=0",
/// "reuse:delay=8,tokens=197,width=768,hidden=512".
/// Unknown kinds and keys are UsageErrors.
MicroModel parse_micro_model(std::string_view text);

}  // namespace roofcast::measure
