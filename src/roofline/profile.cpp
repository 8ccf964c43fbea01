#include "roofcast/roofline/profile.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <system_error>

#include "json_reader.hpp"
#include "roofcast/common/error.hpp"
#include "roofcast/common/hash.hpp"

namespace roofcast::roofline {
namespace {

constexpr std::int64_t kSchemaVersion = 1;

const std::pair<FusionRule, std::string_view> kFusionRules[] = {
    {FusionRule::kConvBn, "conv_bn"},
    {FusionRule::kConvActivation, "conv_activation"},
    {FusionRule::kConvAdd, "conv_add"},
    {FusionRule::kGemmBias, "gemm_bias"},
    {FusionRule::kGemmActivation, "gemm_activation"},
    {FusionRule::kElementwiseChain, "elementwise_chain"},
    {FusionRule::kPadIntoConsumer, "pad_into_consumer"},
    {FusionRule::kActivationPatterns, "activation_patterns"},
    {FusionRule::kSplitSiblings, "split_siblings"},
    {FusionRule::kMatMulOperands, "matmul_operands"},
};

const std::string_view kMemoryLevels[] = {"dram", "l3", "l2", "l1", "sram"};
const std::string_view kBases[] = {"peak_from_spec", "measured", "estimate"};

double positive(JsonObject& object, std::string_view key) {
  const double value = object.number(key);
  if (value <= 0.0) {
    object.fail(key, "must be > 0 (is " + nlohmann::json(value).dump() + ")");
  }
  return value;
}

/// `object[key]`: an array of distinct operator names such as `example`.
std::set<std::string> operator_names(JsonObject& object, std::string_view key, std::string_view example) {
  const auto& names = object.array(key);
  std::set<std::string> result;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string where = std::string(key) + "[" + std::to_string(i) + "]";
    if (!names[i].is_string() || names[i].get<std::string>().empty()) {
      object.fail(where, "must be an operator name such as \"" + std::string(example) + "\"");
    }
    if (!result.insert(names[i].get<std::string>()).second) {
      object.fail(where, "'" + names[i].get<std::string>() + "' is listed twice");
    }
  }
  return result;
}

/// `object[key]`: operator → an integer >= `minimum` (else `below`, naming the operator).
std::map<std::string, std::int64_t> operator_integers(JsonObject& object, std::string_view key,
                                                      std::string_view example, std::int64_t minimum,
                                                      const std::string& below) {
  JsonObject per_op = object.object(key);
  std::map<std::string, std::int64_t> values;
  for (const auto& op : per_op.keys()) {
    if (op.empty()) {
      object.fail(key, "holds an empty operator name; name one such as \"" + std::string(example) + "\"");
    }
    values[op] = per_op.integer(op);
    if (values[op] < minimum) {
      per_op.fail(op, below);
    }
  }
  per_op.finish();
  return values;
}

/// `object[key]`, when present: operator → rate in G per second, each > 0; returned per second.
std::map<std::string, double> per_operator_rates(JsonObject& object, std::string_view key) {
  std::map<std::string, double> rates;
  if (object.has(key)) {
    JsonObject per_op = object.object(key);
    for (const auto& op : per_op.keys()) {
      rates[op] = positive(per_op, op) * 1e9;
    }
    per_op.finish();
  }
  return rates;
}

double non_negative(JsonObject& object, std::string_view key) {
  const double value = object.number(key);
  if (value < 0.0) {
    object.fail(key, "must be >= 0 (is " + nlohmann::json(value).dump() + ")");
  }
  return value;
}

/// `object[key]`: an index into a class's `rank` steps.
std::size_t class_dimension(JsonObject& object, std::string_view key, std::size_t rank) {
  const std::int64_t dim = object.integer(key);
  if (dim < 0 || static_cast<std::size_t>(dim) >= rank) {
    object.fail(key, "must index one of the class's " + std::to_string(rank) + " steps (0 to " +
                         std::to_string(rank - 1) + ")");
  }
  return static_cast<std::size_t>(dim);
}

/// A fit's summary, `fit` {points ≥ 1, rmspe_percent ≥ 0, heldout_rmspe_percent ≥ 0}, under `parent`.
struct FitSummary {
  std::size_t points = 0;
  double rmspe_percent = 0.0;
  double heldout_rmspe_percent = 0.0;
};

FitSummary fit_summary(JsonObject& parent) {
  JsonObject fit = parent.object("fit");
  const std::int64_t points = fit.integer("points");
  if (points < 1) {
    fit.fail("points", "must be >= 1");
  }
  FitSummary summary{.points = static_cast<std::size_t>(points),
                     .rmspe_percent = non_negative(fit, "rmspe_percent"),
                     .heldout_rmspe_percent = non_negative(fit, "heldout_rmspe_percent")};
  fit.finish();
  return summary;
}

Precision precision_value(JsonObject& object, std::string_view key) {
  const std::string text = object.string(key);
  const auto precision = parse_precision(text);
  if (!precision) {
    object.fail(key, "'" + text + "' is not a precision (fp32, fp16, int8)");
  }
  return *precision;
}

Hardware parse_hardware(JsonObject object) {
  Hardware hardware;
  hardware.name = object.string("name");
  hardware.processor = object.string("processor");
  hardware.memory_gib = positive(object, "memory_gib");
  hardware.power_mode = object.optional_string("power_mode");
  if (object.has("on_chip_mib")) {
    hardware.on_chip_bytes = positive(object, "on_chip_mib") * 1024.0 * 1024.0;
  }
  if (object.has("cache_mib")) {
    JsonObject caches = object.object("cache_mib");
    for (const auto& key : caches.keys()) {
      if (key.size() != 2 || key[0] != 'l' || key[1] < '1' || key[1] > '9') {
        caches.fail(key, "unknown cache level (expected l1, l2, l3, ...)");
      }
      hardware.cache_bytes[key[1] - '0'] = positive(caches, key) * 1024.0 * 1024.0;
    }
    caches.finish();
  }
  object.finish();
  return hardware;
}

RuntimeInfo parse_runtime(JsonObject object) {
  RuntimeInfo runtime;
  runtime.name = object.string("name");
  runtime.version = object.string("version");
  runtime.execution_provider = object.string("execution_provider");
  const std::int64_t threads = object.integer("threads");
  if (threads < 1 || threads > 4096) {
    object.fail("threads", "must be between 1 and 4096");
  }
  runtime.threads = static_cast<int>(threads);
  runtime.precision = precision_value(object, "precision");
  object.finish();
  return runtime;
}

Ceilings parse_ceilings(JsonObject object) {
  Ceilings ceilings;
  JsonObject peaks = object.object("peak_gflops");
  for (const auto& key : peaks.keys()) {
    const auto precision = parse_precision(key);
    if (!precision) {
      peaks.fail(key, "unknown precision (expected fp32, fp16 or int8)");
    }
    ceilings.peak_flops_per_s[*precision] = positive(peaks, key) * 1e9;
  }
  if (ceilings.peak_flops_per_s.empty()) {
    peaks.fail("fp32", "no precision given; at least one of fp32, fp16, int8 is required");
  }
  peaks.finish();
  JsonObject memory = object.object("memory_gbs");
  for (const auto& key : memory.keys()) {
    if (std::find(std::begin(kMemoryLevels), std::end(kMemoryLevels), key) ==
        std::end(kMemoryLevels)) {
      memory.fail(key, "unknown memory level (expected dram, l3, l2, l1 or sram)");
    }
    ceilings.bandwidth_bytes_per_s[key] = positive(memory, key) * 1e9;
  }
  if (ceilings.bandwidth_bytes_per_s.count("dram") == 0) {
    memory.fail("dram", "missing (required)");
  }
  memory.finish();
  if (object.has("attained")) {
    JsonObject attained = object.object("attained");
    for (const auto& key : attained.keys()) {
      if (key.size() > 7 && key.ends_with("_gflops")) {
        ceilings.attained_flops_per_s[key.substr(0, key.size() - 7)] = positive(attained, key) * 1e9;
      } else if (key.size() > 4 && key.ends_with("_gbs")) {
        ceilings.attained_bytes_per_s[key.substr(0, key.size() - 4)] = positive(attained, key) * 1e9;
      } else {
        attained.fail(key, "must end in _gflops (compute) or _gbs (bandwidth)");
      }
    }
    attained.finish();
  }
  if (object.has("dram_overlap_gbs")) {
    ceilings.dram_overlap_bytes_per_s = non_negative(object, "dram_overlap_gbs") * 1e9;
  }
  if (object.has("cache_lifetime_ms")) {
    ceilings.cache_lifetime_s = non_negative(object, "cache_lifetime_ms") * 1e-3;
  }
  object.finish();
  return ceilings;
}

Overheads parse_overheads(JsonObject object) {
  Overheads overheads;
  overheads.per_kernel_s = non_negative(object, "per_kernel_us") * 1e-6;
  overheads.per_run_s = non_negative(object, "per_run_us") * 1e-6;
  object.finish();
  return overheads;
}

Power parse_power(JsonObject object) {
  Power power;
  if (object.has("idle_w")) {
    power.idle_w = positive(object, "idle_w");
  }
  if (object.has("active_w")) {
    power.active_w = positive(object, "active_w");
  }
  object.finish();
  return power;
}

LoweringRules parse_lowering(JsonObject object) {
  LoweringRules rules;
  const auto& fuse = object.array("fuse");
  for (std::size_t i = 0; i < fuse.size(); ++i) {
    const std::string where = "fuse[" + std::to_string(i) + "]";
    if (!fuse[i].is_string()) {
      object.fail(where, "must be a string");
    }
    const std::string name = fuse[i].get<std::string>();
    const auto* rule = std::find_if(std::begin(kFusionRules), std::end(kFusionRules),
                                    [&](const auto& entry) { return entry.second == name; });
    if (rule == std::end(kFusionRules)) {
      object.fail(where, "unknown fusion rule '" + name +
                             "' (expected conv_bn, conv_activation, conv_add, gemm_bias, "
                             "gemm_activation, elementwise_chain, pad_into_consumer, activation_patterns, "
                             "split_siblings or matmul_operands)");
    }
    if (!rules.fuse.insert(rule->first).second) {
      object.fail(where, "fusion rule '" + name + "' is listed twice");
    }
  }
  rules.drop_views = object.boolean("drop_views");
  if (object.has("in_kernel_activations")) {
    rules.in_kernel_activations = operator_names(object, "in_kernel_activations", "Relu");
  }
  if (object.has("activation_passes")) {
    for (const auto& [op, count] :
         operator_integers(object, "activation_passes", "HardSwish", 2,
                           "must be an integer >= 2 (the passes over the tensor: one read and one write make 2)")) {
      rules.activation_passes[op] = static_cast<int>(count);
    }
  }
  if (object.has("blocked_layout")) {
    JsonObject block = object.object("blocked_layout");
    BlockedLayout layout;
    const auto at_least = [&block](std::string_view key, std::int64_t minimum) {
      const std::int64_t value = block.integer(key);
      if (value < minimum) {
        block.fail(key, "must be an integer >= " + std::to_string(minimum));
      }
      return value;
    };
    layout.channel_multiple = at_least("channel_multiple", 1);
    layout.group_channel_multiple = at_least("group_channel_multiple", 1);
    layout.direct_input_below = at_least("direct_input_below", 0);
    layout.keep_ops = operator_integers(block, "keep_ops", "MaxPool", 1,
                                        "must be an operator version >= 1 (the highest the runtime keeps blocked)");
    if (block.has("plain_activations")) {
      layout.plain_activations = operator_names(block, "plain_activations", "HardSwish");
    }
    if (block.has("reorder")) {
      JsonObject reorder = block.object("reorder");
      layout.reorder_overhead_s = non_negative(reorder, "overhead_us") * 1e-6;
      layout.reorder_bytes_per_s = positive(reorder, "gbs") * 1e9;
      (void)fit_summary(reorder);  // checked; predictions do not use it
      reorder.finish();
    }
    block.finish();
    rules.blocked_layout = layout;
  }
  object.finish();
  return rules;
}

Provenance parse_provenance(JsonObject object, ProfileKind kind) {
  Provenance provenance;
  const std::string kind_text = object.string("kind");
  if (kind_text != profile_kind_name(kind)) {
    object.fail("kind", "'" + kind_text + "' does not match the profile's kind '" +
                            std::string(profile_kind_name(kind)) + "'");
  }
  provenance.kind = kind;
  const auto& sources = object.array("sources");
  for (std::size_t i = 0; i < sources.size(); ++i) {
    JsonObject entry(sources[i], object.source(), object.path_of("sources[" + std::to_string(i) + "]"));
    Source source;
    source.id = entry.string("id");
    source.title = entry.string("title");
    source.publisher = entry.string("publisher");
    source.url = entry.string("url");
    source.year = static_cast<int>(entry.integer("year"));
    entry.finish();
    for (const auto& other : provenance.sources) {
      if (other.id == source.id) {
        object.fail("sources[" + std::to_string(i) + "].id", "id '" + source.id + "' is used twice");
      }
    }
    provenance.sources.push_back(std::move(source));
  }
  if (kind == ProfileKind::kDatasheet && provenance.sources.empty()) {
    object.fail("sources", "a datasheet profile must cite at least one source");
  }
  JsonObject figures = object.object("figures");
  for (const auto& key : figures.keys()) {
    JsonObject entry = figures.object(key);
    FigureProvenance figure;
    figure.basis = entry.string("basis");
    if (std::find(std::begin(kBases), std::end(kBases), figure.basis) == std::end(kBases)) {
      entry.fail("basis", "'" + figure.basis + "' is not one of peak_from_spec, measured, estimate");
    }
    figure.source = entry.string("source");
    const bool known = std::any_of(provenance.sources.begin(), provenance.sources.end(),
                                   [&](const Source& s) { return s.id == figure.source; });
    if (!known) {
      entry.fail("source", "'" + figure.source + "' is not the id of any provenance.sources entry");
    }
    figure.note = entry.string("note");
    entry.finish();
    provenance.figures[key] = std::move(figure);
  }
  figures.finish();
  const auto& calibration = object.raw("calibration");
  if (kind == ProfileKind::kDatasheet && !calibration.is_null()) {
    object.fail("calibration", "must be null for a datasheet profile");
  }
  if (kind == ProfileKind::kCalibrated && !calibration.is_object()) {
    object.fail("calibration", "a calibrated profile must describe its calibration run (an object)");
  }
  object.finish();
  return provenance;
}

/// `object["steps"]`: one integer >= 1 per dimension of `kernel_class` (`rank` of them).
std::vector<std::int64_t> class_steps(JsonObject& object, const std::string& kernel_class, std::size_t rank) {
  const auto& steps = object.array("steps");
  if (steps.size() != rank) {
    object.fail("steps", "class " + kernel_class + " takes " + std::to_string(rank) + " steps, got " +
                             std::to_string(steps.size()));
  }
  std::vector<std::int64_t> result;
  for (const auto& step : steps) {
    if (!step.is_number_integer() || step.get<std::int64_t>() < 1) {
      object.fail("steps", "every step must be an integer >= 1");
    }
    result.push_back(step.get<std::int64_t>());
  }
  return result;
}

FittedKernelModel parse_kernel_model(JsonObject& entry) {
  FittedKernelModel fitted;
  fitted.kernel_class = entry.string("class");
  static const std::set<std::string> kClasses = {"conv", "depthwise_conv", "grouped_conv", "gemm", "pool",
                                                 "elementwise", "normalization", "data_movement", "other"};
  if (kClasses.count(fitted.kernel_class) == 0) {
    entry.fail("class", "'" + fitted.kernel_class + "' is not a kernel class");
  }
  const std::size_t rank = kernel_class_rank(fitted.kernel_class);
  fitted.model.steps = class_steps(entry, fitted.kernel_class, rank);
  fitted.model.overhead_s = non_negative(entry, "overhead_us") * 1e-6;
  fitted.model.flops_per_s = positive(entry, "gflops") * 1e9;
  fitted.model.bytes_per_s = positive(entry, "gbs") * 1e9;
  fitted.model.op_flops_per_s = per_operator_rates(entry, "op_gflops");
  fitted.model.op_bytes_per_s = per_operator_rates(entry, "op_gbs");
  if (entry.has("loop_ns")) {
    fitted.model.loop_s = non_negative(entry, "loop_ns") * 1e-9;
  }
  if (entry.has("gather_ns")) {
    fitted.model.gather_s = non_negative(entry, "gather_ns") * 1e-9;
  }
  // A block size of dimension 0 (or of `dimension`): an integer of at least `least`, on a class with dimensions.
  const auto block_size = [&](JsonObject& object, std::string_view key, std::int64_t least, std::string_view use) {
    const std::int64_t value = object.integer(key);
    if (value < least) {
      object.fail(key, "must be >= " + std::to_string(least));
    }
    if (rank == 0) {
      object.fail(key, "class " + fitted.kernel_class + " has no dimension to " + std::string(use));
    }
    return value;
  };
  if (entry.has("partition_blocks")) {
    fitted.model.partition_blocks = block_size(entry, "partition_blocks", 1, "split");
  }
  if (entry.has("alias")) {
    JsonObject alias = entry.object("alias");
    fitted.model.alias_bytes = alias.integer("row_stride_multiple_of_bytes");
    if (fitted.model.alias_bytes < 1) {
      alias.fail("row_stride_multiple_of_bytes", "must be >= 1");
    }
    fitted.model.alias_slowdown = non_negative(alias, "slowdown");
    alias.finish();
  }
  if (entry.has("padded_edges")) {
    JsonObject edges = entry.object("padded_edges");
    fitted.model.edge_block = block_size(edges, "filter_block", 1, "block");
    fitted.model.edge_slowdown = non_negative(edges, "slowdown");
    edges.finish();
  }
  if (entry.has("beyond_private_caches")) {
    JsonObject far = entry.object("beyond_private_caches");
    fitted.model.private_cache_bytes = static_cast<double>(far.integer("bytes"));
    if (fitted.model.private_cache_bytes < 1.0) {
      far.fail("bytes", "must be >= 1");
    }
    // Either a bandwidth for the bytes beyond them or a wait for them.
    if (far.has("gbs") == far.has("wait_gbs")) {
      far.fail("gbs", "give one of gbs (a bandwidth) and wait_gbs (a wait on top of the roofline term)");
    }
    if (far.has("wait_gbs")) {
      fitted.model.far_wait_bytes_per_s = positive(far, "wait_gbs") * 1e9;
    } else {
      fitted.model.far_bytes_per_s = positive(far, "gbs") * 1e9;
    }
    far.finish();
  }
  if (entry.has("split")) {
    // On several threads: a kernel split among them (StepModel::split_time_s).
    JsonObject split = entry.object("split");
    fitted.model.split_s = non_negative(split, "overhead_us") * 1e-6;
    fitted.model.split_speedup = split.number("speedup");
    if (!(fitted.model.split_speedup > 1.0)) {
      split.fail("speedup", "must be > 1 (is " + nlohmann::json(fitted.model.split_speedup).dump() + ")");
    }
    if (split.has("serial_ops")) {
      const std::set<std::string> serial = operator_names(split, "serial_ops", "BatchNormalization");
      fitted.model.serial_ops.assign(serial.begin(), serial.end());
    }
    split.finish();
  }
  if (entry.has("slow_path")) {
    JsonObject slow = entry.object("slow_path");
    fitted.model.align = block_size(slow, "unless_multiple_of", 2, "align");
    if (slow.has("dimension")) {
      fitted.model.align_dim = class_dimension(slow, "dimension", rank);
    }
    // Written since the slow path took steps of its own; before, it shared the fast path's.
    fitted.model.slow_steps = slow.has("steps") ? class_steps(slow, fitted.kernel_class, rank) : fitted.model.steps;
    fitted.model.slow_overhead_s = non_negative(slow, "overhead_us") * 1e-6;
    fitted.model.slow_flops_per_s = positive(slow, "gflops") * 1e9;
    fitted.model.slow_bytes_per_s = positive(slow, "gbs") * 1e9;
    if (slow.has("loop_ns")) {
      fitted.model.slow_loop_s = non_negative(slow, "loop_ns") * 1e-9;
    }
    if (slow.has("gather_ns")) {
      fitted.model.slow_gather_s = non_negative(slow, "gather_ns") * 1e-9;
    }
    slow.finish();
  }
  if (entry.has("direct_path")) {
    JsonObject direct = entry.object("direct_path");
    fitted.model.direct_dim = class_dimension(direct, "dimension", rank);
    fitted.model.direct_below = block_size(direct, "below", 2, "direct");
    fitted.model.direct_steps = class_steps(direct, fitted.kernel_class, rank);
    fitted.model.direct_overhead_s = non_negative(direct, "overhead_us") * 1e-6;
    fitted.model.direct_flops_per_s = positive(direct, "gflops") * 1e9;
    fitted.model.direct_bytes_per_s = positive(direct, "gbs") * 1e9;
    direct.finish();
  }
  const FitSummary fit = fit_summary(entry);
  fitted.points = fit.points;
  fitted.rmspe_percent = fit.rmspe_percent;
  fitted.heldout_rmspe_percent = fit.heldout_rmspe_percent;
  entry.finish();
  return fitted;
}

/// Every number under ceilings, overheads and power of a datasheet profile needs a provenance entry.
void check_figures_cited(const nlohmann::json& document, const Provenance& provenance,
                         const std::string& source) {
  for (const char* section : {"ceilings", "overheads", "power"}) {
    if (!document.contains(section)) {
      continue;
    }
    std::vector<std::pair<std::string, const nlohmann::json*>> stack = {
        {section, &document.at(section)}};
    while (!stack.empty()) {
      auto [path, value] = stack.back();
      stack.pop_back();
      if (value->is_object()) {
        for (const auto& [key, child] : value->items()) {
          stack.emplace_back(path + "." + key, &child);
        }
      } else if (value->is_number() && provenance.figures.count(path) == 0) {
        throw ProfileError(source + ": provenance.figures: no entry for '" + path +
                           "' (a datasheet profile cites every figure)");
      }
    }
  }
  for (const auto& [path, unused] : provenance.figures) {
    const nlohmann::json::json_pointer pointer("/" + [&] {
      std::string text = path;
      std::replace(text.begin(), text.end(), '.', '/');
      return text;
    }());
    if (!document.contains(pointer)) {
      throw ProfileError(source + ": provenance.figures." + path + ": names no figure in the profile");
    }
  }
}

}  // namespace

std::size_t kernel_class_rank(std::string_view kernel_class) {
  if (kernel_class == "conv" || kernel_class == "depthwise_conv" || kernel_class == "grouped_conv" ||
      kernel_class == "gemm") {
    return 2;
  }
  return kernel_class == "pool" ? 1 : 0;
}

std::string_view precision_name(Precision precision) {
  switch (precision) {
    case Precision::kFp32: return "fp32";
    case Precision::kFp16: return "fp16";
    case Precision::kInt8: return "int8";
  }
  return "fp32";
}

std::optional<Precision> parse_precision(std::string_view text) {
  if (text == "fp32") return Precision::kFp32;
  if (text == "fp16") return Precision::kFp16;
  if (text == "int8") return Precision::kInt8;
  return std::nullopt;
}

int precision_size_bytes(Precision precision) {
  switch (precision) {
    case Precision::kFp32: return 4;
    case Precision::kFp16: return 2;
    case Precision::kInt8: return 1;
  }
  return 4;
}

std::string_view profile_kind_name(ProfileKind kind) {
  return kind == ProfileKind::kDatasheet ? "datasheet" : "calibrated";
}

std::string_view fusion_rule_name(FusionRule rule) {
  for (const auto& [value, name] : kFusionRules) {
    if (value == rule) {
      return name;
    }
  }
  return "?";
}

double DeviceProfile::peak_flops_per_s(Precision precision) const {
  const auto it = ceilings.peak_flops_per_s.find(precision);
  if (it == ceilings.peak_flops_per_s.end()) {
    std::string known;
    for (const auto& [p, unused] : ceilings.peak_flops_per_s) {
      known += (known.empty() ? "" : ", ") + std::string(precision_name(p));
    }
    throw ProfileError(source + ": device '" + id + "' has no " +
                       std::string(precision_name(precision)) + " ceiling (it has: " + known + ")");
  }
  return it->second;
}

DeviceProfile parse_profile(std::string_view json_text, const std::string& source) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(json_text.begin(), json_text.end());
  } catch (const nlohmann::json::parse_error& error) {
    throw ProfileError(source + ": not valid JSON (" + std::string(error.what()) + ")");
  }
  JsonObject root(document, source, "");
  const std::int64_t version = root.integer("schema_version");
  if (version != kSchemaVersion) {
    root.fail("schema_version", "version " + std::to_string(version) +
                                    " is not supported (this roofcast reads version 1)");
  }
  DeviceProfile profile;
  profile.source = source;
  profile.file_hash = fnv1a64_hex(json_text);
  profile.id = root.string("id");
  if (profile.id.empty() || profile.id.find_first_of("/\\ ") != std::string::npos) {
    root.fail("id", "must be a non-empty name without spaces or slashes");
  }
  const std::string kind = root.string("kind");
  if (kind == "datasheet") {
    profile.kind = ProfileKind::kDatasheet;
  } else if (kind == "calibrated") {
    profile.kind = ProfileKind::kCalibrated;
  } else {
    root.fail("kind", "'" + kind + "' is not datasheet or calibrated");
  }
  profile.hardware = parse_hardware(root.object("hardware"));
  if (!root.has("runtime")) {
    root.fail("runtime", "missing (required; null for a datasheet profile)");
  }
  if (!root.is_null("runtime")) {
    profile.runtime = parse_runtime(root.object("runtime"));
  } else {
    root.raw("runtime");
    if (profile.kind == ProfileKind::kCalibrated) {
      root.fail("runtime", "a calibrated profile must name its runtime");
    }
  }
  profile.default_precision = precision_value(root, "default_precision");
  profile.ceilings = parse_ceilings(root.object("ceilings"));
  if (profile.ceilings.peak_flops_per_s.count(profile.default_precision) == 0) {
    root.fail("default_precision", "'" + std::string(precision_name(profile.default_precision)) +
                                       "' has no ceilings.peak_gflops entry");
  }
  if (profile.hardware.on_chip_bytes > 0.0 && profile.ceilings.bandwidth_bytes_per_s.count("sram") == 0) {
    root.fail("ceilings", "hardware.on_chip_mib is set, so memory_gbs.sram (its bandwidth) is required");
  }
  profile.overheads = parse_overheads(root.object("overheads"));
  if (root.has("power")) {
    profile.power = parse_power(root.object("power"));
  }
  profile.lowering = parse_lowering(root.object("lowering"));
  const auto& models = root.array("kernel_models");
  for (std::size_t i = 0; i < models.size(); ++i) {
    const std::string where = "kernel_models[" + std::to_string(i) + "]";
    JsonObject entry(models[i], source, where);
    FittedKernelModel fitted = parse_kernel_model(entry);
    fitted.model.threads = profile.runtime ? profile.runtime->threads : 1;  // the threads its work is split among
    if (fitted.model.split_speedup > static_cast<double>(fitted.model.threads)) {
      entry.fail("split", "a speedup of " + nlohmann::json(fitted.model.split_speedup).dump() + " on " +
                              std::to_string(fitted.model.threads) + " thread(s) (runtime.threads)");
    }
    if (!profile.kernel_models.emplace(fitted.kernel_class, fitted).second) {
      entry.fail("class", "'" + fitted.kernel_class + "' has a second model");
    }
  }
  if (profile.kind == ProfileKind::kDatasheet && !profile.kernel_models.empty()) {
    root.fail("kernel_models", "a datasheet profile has no fitted kernel models (kind must be calibrated)");
  }
  profile.provenance = parse_provenance(root.object("provenance"), profile.kind);
  root.finish();
  if (profile.kind == ProfileKind::kDatasheet) {
    check_figures_cited(document, profile.provenance, source);
  }
  return profile;
}

DeviceProfile load_profile(const std::filesystem::path& path) {
  std::string text;
  try {
    text = read_file_bytes(path);
  } catch (const IoError& error) {
    throw ProfileError(error.what());
  }
  DeviceProfile profile = parse_profile(text, path.string());
  if (path.stem().string() != profile.id) {
    throw ProfileError(path.string() + ": id: '" + profile.id +
                       "' does not match the file name (--device finds a profile by its file name)");
  }
  return profile;
}

std::filesystem::path resolve_profile(std::string_view name_or_path,
                                      const std::vector<std::filesystem::path>& search_dirs) {
  const std::filesystem::path given(name_or_path);
  std::error_code ec;
  if (given.extension() == ".json" || given.has_parent_path()) {
    if (!std::filesystem::is_regular_file(given, ec)) {
      throw ProfileError(given.string() + ": no such profile file");
    }
    return given;
  }
  std::vector<std::string> known;
  for (const auto& dir : search_dirs) {
    const auto candidate = dir / (std::string(name_or_path) + ".json");
    if (std::filesystem::is_regular_file(candidate, ec)) {
      return candidate;
    }
    if (std::filesystem::is_directory(dir, ec)) {
      for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        if (entry.path().extension() == ".json") {
          known.push_back(entry.path().stem().string());
        }
      }
    }
  }
  std::sort(known.begin(), known.end());
  known.erase(std::unique(known.begin(), known.end()), known.end());
  std::string list;
  for (const auto& name : known) {
    list += (list.empty() ? "" : ", ") + name;
  }
  throw ProfileError("--device " + std::string(name_or_path) + ": no such device profile (known: " +
                     (list.empty() ? "none found" : list) + ")");
}

std::vector<ProfileListing> scan_profiles(const std::vector<std::filesystem::path>& search_dirs) {
  std::map<std::string, std::filesystem::path> first_by_id;
  for (const auto& dir : search_dirs) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      continue;
    }
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".json") {
        first_by_id.emplace(entry.path().stem().string(), entry.path());
      }
    }
  }
  std::vector<ProfileListing> listings;
  for (const auto& [id, path] : first_by_id) {
    ProfileListing listing{.path = path, .profile = std::nullopt, .error = {}};
    try {
      listing.profile = load_profile(path);
    } catch (const ProfileError& error) {
      listing.error = error.what();
    }
    listings.push_back(std::move(listing));
  }
  return listings;
}

}  // namespace roofcast::roofline
