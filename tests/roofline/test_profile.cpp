// The strict profile parser: a valid profile round-trips into typed structs,
// and every broken file gets its own error naming the file and the key path.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "roofcast/common/error.hpp"
#include "roofcast/roofline/profile.hpp"

namespace roofcast::roofline {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;
using Json = nlohmann::json;

Json valid_profile() {
  return Json::parse(R"({
    "schema_version": 1,
    "id": "test-board",
    "kind": "datasheet",
    "hardware": { "name": "Test Board 4GB", "processor": "8-core test CPU", "memory_gib": 4, "power_mode": "10W" },
    "runtime": null,
    "default_precision": "fp16",
    "ceilings": {
      "peak_gflops": { "fp32": 100.0, "fp16": 200.0 },
      "memory_gbs": { "dram": 25.6, "l2": 100.0 }
    },
    "overheads": { "per_kernel_us": 5.0, "per_run_us": 50.0 },
    "power": { "idle_w": 2.0, "active_w": 10.0 },
    "lowering": { "fuse": ["conv_bn", "conv_activation"], "drop_views": true },
    "kernel_models": [],
    "provenance": {
      "kind": "datasheet",
      "sources": [ { "id": "ds", "title": "Test Board Data Sheet", "publisher": "Test", "url": "https://example.com/ds.pdf", "year": 2024 } ],
      "figures": {
        "ceilings.peak_gflops.fp32": { "basis": "peak_from_spec", "source": "ds", "note": "64 lanes x 2 x 781 MHz" },
        "ceilings.peak_gflops.fp16": { "basis": "peak_from_spec", "source": "ds", "note": "2 x fp32" },
        "ceilings.memory_gbs.dram": { "basis": "peak_from_spec", "source": "ds", "note": "64-bit LPDDR4 3200" },
        "ceilings.memory_gbs.l2": { "basis": "estimate", "source": "ds", "note": "guess" },
        "overheads.per_kernel_us": { "basis": "estimate", "source": "ds", "note": "launch" },
        "overheads.per_run_us": { "basis": "estimate", "source": "ds", "note": "copies" },
        "power.idle_w": { "basis": "measured", "source": "ds", "note": "at the wall" },
        "power.active_w": { "basis": "peak_from_spec", "source": "ds", "note": "power mode" }
      },
      "calibration": null
    }
  })");
}

TEST(Profile, ValidProfileParsesIntoTypedUnits) {
  const DeviceProfile p = parse_profile(valid_profile().dump(), "test-board.json");
  EXPECT_EQ(p.id, "test-board");
  EXPECT_EQ(p.kind, ProfileKind::kDatasheet);
  EXPECT_EQ(p.hardware.power_mode, "10W");
  EXPECT_FALSE(p.runtime.has_value());
  EXPECT_EQ(p.default_precision, Precision::kFp16);
  EXPECT_DOUBLE_EQ(p.peak_flops_per_s(Precision::kFp32), 100e9);
  EXPECT_DOUBLE_EQ(p.peak_flops_per_s(Precision::kFp16), 200e9);
  EXPECT_DOUBLE_EQ(p.ceilings.dram_bytes_per_s(), 25.6e9);
  EXPECT_DOUBLE_EQ(p.ceilings.bandwidth_bytes_per_s.at("l2"), 100e9);
  EXPECT_DOUBLE_EQ(p.overheads.per_kernel_s, 5e-6);
  EXPECT_DOUBLE_EQ(p.overheads.per_run_s, 50e-6);
  EXPECT_EQ(p.power.active_w, 10.0);
  EXPECT_TRUE(p.lowering.has(FusionRule::kConvBn));
  EXPECT_FALSE(p.lowering.has(FusionRule::kConvAdd));
  EXPECT_EQ(p.provenance.figures.at("power.idle_w").basis, "measured");
  EXPECT_EQ(p.file_hash.size(), 16u);
}

TEST(Profile, MissingPrecisionNamesTheDevice) {
  const DeviceProfile p = parse_profile(valid_profile().dump(), "test-board.json");
  try {
    (void)p.peak_flops_per_s(Precision::kInt8);
    FAIL() << "expected a ProfileError";
  } catch (const ProfileError& error) {
    EXPECT_THAT(error.what(), HasSubstr("has no int8 ceiling (it has: fp32, fp16)"));
  }
}

TEST(Profile, AttainedCeilingsAreOptionalAndCited) {
  Json j = valid_profile();
  j["ceilings"]["attained"] = {{"gemm_gflops", 80.0}, {"elementwise_gbs", 4.5}};
  EXPECT_THROW((void)parse_profile(j.dump(), "x.json"), ProfileError);  // not cited yet
  j["provenance"]["figures"]["ceilings.attained.gemm_gflops"] = {{"basis", "measured"}, {"source", "ds"}, {"note", "n"}};
  j["provenance"]["figures"]["ceilings.attained.elementwise_gbs"] = {{"basis", "measured"}, {"source", "ds"}, {"note", "n"}};
  const DeviceProfile p = parse_profile(j.dump(), "x.json");
  EXPECT_DOUBLE_EQ(p.ceilings.attained_flops_per_s.at("gemm"), 80e9);
  EXPECT_DOUBLE_EQ(p.ceilings.attained_bytes_per_s.at("elementwise"), 4.5e9);
}

TEST(Profile, DramOverlapIsOptional) {
  Json j = valid_profile();
  EXPECT_EQ(parse_profile(j.dump(), "x.json").ceilings.dram_overlap_bytes_per_s, 0.0);
  j["ceilings"]["dram_overlap_gbs"] = 1.25;
  j["provenance"]["figures"]["ceilings.dram_overlap_gbs"] = {{"basis", "measured"}, {"source", "ds"}, {"note", "n"}};
  EXPECT_DOUBLE_EQ(parse_profile(j.dump(), "x.json").ceilings.dram_overlap_bytes_per_s, 1.25e9);
}

TEST(Profile, CacheLifetimeIsOptional) {
  Json j = valid_profile();
  EXPECT_EQ(parse_profile(j.dump(), "x.json").ceilings.cache_lifetime_s, 0.0);
  j["ceilings"]["cache_lifetime_ms"] = 4.5;
  j["provenance"]["figures"]["ceilings.cache_lifetime_ms"] = {{"basis", "measured"}, {"source", "ds"}, {"note", "n"}};
  EXPECT_DOUBLE_EQ(parse_profile(j.dump(), "x.json").ceilings.cache_lifetime_s, 4.5e-3);
  j["ceilings"]["cache_lifetime_ms"] = -2.0;
  EXPECT_THAT([&] { (void)parse_profile(j.dump(), "x.json"); },
              ThrowsMessage<ProfileError>(HasSubstr("ceilings.cache_lifetime_ms: must be >= 0 (is -2.0)")));
}

TEST(Profile, CachesAreOptionalPerLevel) {
  EXPECT_TRUE(parse_profile(valid_profile().dump(), "x.json").hardware.cache_bytes.empty());
  Json j = valid_profile();
  j["hardware"]["cache_mib"] = {{"l1", 0.03125}, {"l2", 1.0}, {"l3", 32.0}};
  const DeviceProfile p = parse_profile(j.dump(), "x.json");
  EXPECT_EQ(p.hardware.cache_bytes,
            (std::map<int, double>{{1, 32.0 * 1024}, {2, 1024.0 * 1024}, {3, 32.0 * 1024 * 1024}}));
}

TEST(Profile, PowerIsOptional) {
  Json j = valid_profile();
  j.erase("power");
  j["provenance"]["figures"].erase("power.idle_w");
  j["provenance"]["figures"].erase("power.active_w");
  const DeviceProfile p = parse_profile(j.dump(), "test-board.json");
  EXPECT_FALSE(p.power.active_w.has_value());
}

Json conv_model() {
  return Json::parse(R"({"class": "conv", "steps": [8, 4], "overhead_us": 10.0, "gflops": 50.0, "gbs": 10.0,
                         "fit": {"points": 40, "rmspe_percent": 3.0, "heldout_rmspe_percent": 4.0}})");
}

/// A calibrated profile: a runtime, fitted kernel models, a calibration run.
Json calibrated_profile() {
  Json j = valid_profile();
  j["kind"] = "calibrated";
  j["provenance"]["kind"] = "calibrated";
  j["runtime"] = {{"name", "onnxruntime"}, {"version", "1.22.0"}, {"execution_provider", "cpu"},
                  {"threads", 1}, {"precision", "fp32"}};
  j["kernel_models"] = Json::array({conv_model()});
  j["provenance"]["calibration"] = {{"points", 40}};
  return j;
}

TEST(Profile, CalibratedProfileCarriesFittedModels) {
  const DeviceProfile p = parse_profile(calibrated_profile().dump(), "cal.json");
  EXPECT_EQ(p.kind, ProfileKind::kCalibrated);
  ASSERT_TRUE(p.runtime.has_value());
  EXPECT_EQ(p.runtime->threads, 1);
  ASSERT_EQ(p.kernel_models.count("conv"), 1u);
  const auto& m = p.kernel_models.at("conv");
  EXPECT_EQ(m.model.steps, (std::vector<std::int64_t>{8, 4}));
  EXPECT_DOUBLE_EQ(m.model.overhead_s, 10e-6);
  EXPECT_DOUBLE_EQ(m.model.flops_per_s, 50e9);
  EXPECT_DOUBLE_EQ(m.heldout_rmspe_percent, 4.0);
}

TEST(Profile, BrokenKernelModelsAreNamed) {
  const auto error_of = [](const std::function<void(Json&)>& change) {
    Json j = calibrated_profile();
    change(j);
    try {
      (void)parse_profile(j.dump(), "cal.json");
    } catch (const ProfileError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(error_of([](Json& j) { j["kernel_models"][0]["class"] = "convolution"; }),
              HasSubstr("kernel_models[0].class: 'convolution' is not a kernel class"));
  EXPECT_THAT(error_of([](Json& j) { j["kernel_models"][0]["steps"] = {8}; }),
              HasSubstr("kernel_models[0].steps: class conv takes 2 steps, got 1"));
  EXPECT_THAT(error_of([](Json& j) { j["kernel_models"][0]["steps"] = {8, 0}; }),
              HasSubstr("every step must be an integer >= 1"));
  EXPECT_THAT(error_of([](Json& j) { j["kernel_models"][0]["gflops"] = 0; }),
              HasSubstr("kernel_models[0].gflops: must be > 0"));
  EXPECT_THAT(error_of([](Json& j) { j["kernel_models"].push_back(conv_model()); }),
              HasSubstr("'conv' has a second model"));
  EXPECT_THAT(error_of([](Json& j) { j["kernel_models"][0]["fit"]["colour"] = 1; }),
              HasSubstr("kernel_models[0].fit.colour: unknown key"));
  EXPECT_THAT(error_of([](Json& j) { j["kernel_models"][0]["partition_blocks"] = 0; }),
              HasSubstr("kernel_models[0].partition_blocks: must be >= 1"));
  EXPECT_THAT(error_of([](Json& j) {
                j["kernel_models"][0]["alias"] = {{"row_stride_multiple_of_bytes", 0}, {"slowdown", 0.1}};
              }),
              HasSubstr("kernel_models[0].alias.row_stride_multiple_of_bytes: must be >= 1"));
  EXPECT_THAT(error_of([](Json& j) {
                j["kernel_models"][0]["alias"] = {{"row_stride_multiple_of_bytes", 4096}, {"slowdown", -0.1}};
              }),
              HasSubstr("kernel_models[0].alias.slowdown"));
  EXPECT_THAT(error_of([](Json& j) { j["kernel_models"][0]["alias"] = {{"row_stride_multiple_of_bytes", 4096}}; }),
              HasSubstr("kernel_models[0].alias.slowdown"));
  EXPECT_THAT(error_of([](Json& j) {
                j["kernel_models"][0]["alias"] = {{"row_stride_multiple_of_bytes", 4096}, {"slowdown", 0.1}, {"ways", 8}};
              }),
              HasSubstr("kernel_models[0].alias.ways: unknown key"));
  EXPECT_THAT(error_of([](Json& j) {
                j["kernel_models"][0]["beyond_private_caches"] = {{"bytes", 0}, {"gbs", 30.0}};
              }),
              HasSubstr("kernel_models[0].beyond_private_caches.bytes: must be >= 1"));
  EXPECT_THAT(error_of([](Json& j) {
                j["kernel_models"][0]["beyond_private_caches"] = {{"bytes", 1048576}, {"gbs", -1.0}};
              }),
              HasSubstr("kernel_models[0].beyond_private_caches.gbs"));
  EXPECT_THAT(error_of([](Json& j) { j["kernel_models"][0]["beyond_private_caches"] = {{"bytes", 1048576}}; }),
              HasSubstr("kernel_models[0].beyond_private_caches.gbs: give one of gbs"));
  EXPECT_THAT(error_of([](Json& j) {
                j["kernel_models"][0]["beyond_private_caches"] = {{"bytes", 1048576}, {"gbs", 30.0}, {"wait_gbs", 90.0}};
              }),
              HasSubstr("kernel_models[0].beyond_private_caches.gbs: give one of gbs"));
  EXPECT_THAT(error_of([](Json& j) {
                j["kernel_models"][0]["beyond_private_caches"] = {{"bytes", 1048576}, {"wait_gbs", 0.0}};
              }),
              HasSubstr("kernel_models[0].beyond_private_caches.wait_gbs"));
  EXPECT_THAT(error_of([](Json& j) { j["lowering"]["activation_passes"] = {{"HardSwish", 1}}; }),
              HasSubstr("lowering.activation_passes.HardSwish: must be an integer >= 2"));
  EXPECT_THAT(error_of([](Json& j) { j["lowering"]["activation_passes"] = {{"HardSwish", "five"}}; }),
              HasSubstr("lowering.activation_passes.HardSwish"));
  EXPECT_THAT(error_of([](Json& j) {
                j["kernel_models"][0]["padded_edges"] = {{"filter_block", 0}, {"slowdown", 1.0}};
              }),
              HasSubstr("kernel_models[0].padded_edges.filter_block: must be >= 1"));
  EXPECT_THAT(error_of([](Json& j) {
                j["kernel_models"][0]["padded_edges"] = {{"filter_block", 16}, {"slowdown", -1.0}};
              }),
              HasSubstr("kernel_models[0].padded_edges.slowdown"));
  EXPECT_THAT(error_of([](Json& j) { j["kernel_models"][0]["padded_edges"] = {{"filter_block", 16}}; }),
              HasSubstr("kernel_models[0].padded_edges.slowdown"));
  EXPECT_THAT(error_of([](Json& j) {
                j["kernel_models"][0]["padded_edges"] = {{"filter_block", 16}, {"slowdown", 1.0}, {"rows", 2}};
              }),
              HasSubstr("kernel_models[0].padded_edges.rows: unknown key"));
  const Json slow = {{"unless_multiple_of", 4}, {"dimension", 1}, {"overhead_us", 20.0}, {"gflops", 20.0},
                     {"gbs", 5.0}};
  EXPECT_THAT(error_of([&](Json& j) {
                j["kernel_models"][0]["slow_path"] = slow;
                j["kernel_models"][0]["slow_path"]["steps"] = {1};
              }),
              HasSubstr("kernel_models[0].slow_path.steps: class conv takes 2 steps, got 1"));
  for (const char* key : {"loop_ns", "gather_ns"}) {  // a slow path's cost per im2col row and element
    EXPECT_THAT(error_of([&](Json& j) {
                  j["kernel_models"][0]["slow_path"] = slow;
                  j["kernel_models"][0]["slow_path"][key] = -1.0;
                }),
                HasSubstr(std::string("kernel_models[0].slow_path.") + key + ": must be >= 0"));
  }
  const Json direct = {{"dimension", 1}, {"below", 16}, {"steps", {16, 1}}, {"overhead_us", 5.0},
                       {"gflops", 150.0}, {"gbs", 11.0}};
  const auto direct_with = [&](const char* key, const Json& value) {
    return error_of([&](Json& j) {
      j["kernel_models"][0]["direct_path"] = direct;
      j["kernel_models"][0]["direct_path"][key] = value;
    });
  };
  EXPECT_THAT(direct_with("dimension", 2), HasSubstr("kernel_models[0].direct_path.dimension: must index one"));
  EXPECT_THAT(direct_with("below", 1), HasSubstr("kernel_models[0].direct_path.below: must be >= 2"));
  EXPECT_THAT(direct_with("steps", {16}), HasSubstr("kernel_models[0].direct_path.steps: class conv takes 2"));
  EXPECT_THAT(direct_with("gflops", 0.0), HasSubstr("kernel_models[0].direct_path.gflops"));
  EXPECT_THAT(direct_with("overhead_us", -1.0), HasSubstr("kernel_models[0].direct_path.overhead_us"));
  EXPECT_THAT(direct_with("threshold", 16), HasSubstr("kernel_models[0].direct_path.threshold: unknown key"));
  EXPECT_THAT(error_of([&](Json& j) {
                j["kernel_models"][0]["direct_path"] = direct;
                j["kernel_models"][0]["direct_path"].erase("gbs");
              }),
              HasSubstr("kernel_models[0].direct_path.gbs"));
}

TEST(Profile, ADirectPathLoadsWithItsOwnParameters) {
  Json j = calibrated_profile();
  EXPECT_EQ(parse_profile(j.dump(), "cal.json").kernel_models.at("conv").model.direct_below, 0);  // none unless written
  j["kernel_models"][0]["direct_path"] = {{"dimension", 1}, {"below", 16}, {"steps", {8, 1}}, {"overhead_us", 5.0},
                                          {"gflops", 150.0}, {"gbs", 11.0}};
  const auto m = parse_profile(j.dump(), "cal.json").kernel_models.at("conv").model;
  EXPECT_EQ(m.direct_below, 16);
  EXPECT_EQ(m.direct_dim, 1u);
  EXPECT_EQ(m.direct_steps, (std::vector<std::int64_t>{8, 1}));
  EXPECT_DOUBLE_EQ(m.direct_overhead_s, 5e-6);
  EXPECT_DOUBLE_EQ(m.direct_flops_per_s, 150e9);
  EXPECT_DOUBLE_EQ(m.direct_bytes_per_s, 11e9);
  const roofline::Sample stem{.dims = {32, 3}, .work_factor = 1e6, .bytes = 0.0, .time_s = 1.0};
  EXPECT_DOUBLE_EQ(m.predict_s(stem), 5e-6 + 32.0 * 3 * 1e6 / 150e9);
}

TEST(Profile, ASplitAmongTheThreadsLoadsWithItsSerialOperators) {
  Json j = calibrated_profile();
  j["runtime"]["threads"] = 2;
  // None unless written.
  EXPECT_EQ(parse_profile(j.dump(), "cal.json").kernel_models.at("conv").model.split_speedup, 0.0);
  j["kernel_models"][0]["split"] = {{"overhead_us", 5.0}, {"speedup", 1.9}, {"serial_ops", {"BatchNormalization"}}};
  const auto m = parse_profile(j.dump(), "cal.json").kernel_models.at("conv").model;
  EXPECT_EQ(m.threads, 2);
  EXPECT_DOUBLE_EQ(m.split_s, 5e-6);
  EXPECT_DOUBLE_EQ(m.split_speedup, 1.9);
  EXPECT_EQ(m.serial_ops, (std::vector<std::string>{"BatchNormalization"}));
  // 64·32·1e6 FLOPs at 50 GFLOP/s: 40.96 ms on one thread, split: 5 µs + that / 1.9.
  const roofline::Sample large{.dims = {64, 32}, .work_factor = 1e6, .bytes = 0.0, .time_s = 1.0};
  EXPECT_DOUBLE_EQ(m.predict_s(large), 10e-6 + 5e-6 + 64.0 * 32 * 1e6 / 50e9 / 1.9);
  const auto error_of = [&](const char* key, const Json& value) {
    Json broken = j;
    broken["kernel_models"][0]["split"][key] = value;
    try {
      (void)parse_profile(broken.dump(), "cal.json");
    } catch (const ProfileError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(error_of("speedup", 1.0), HasSubstr("cal.json: kernel_models[0].split.speedup: must be > 1 (is 1.0)"));
  EXPECT_THAT(error_of("overhead_us", -1.0), HasSubstr("kernel_models[0].split.overhead_us: must be >= 0"));
  EXPECT_THAT(error_of("serial_ops", {"Relu", "Relu"}),
              HasSubstr("kernel_models[0].split.serial_ops[1]: 'Relu' is listed twice"));
  EXPECT_THAT(error_of("threshold", 3), HasSubstr("kernel_models[0].split.threshold: unknown key"));
  EXPECT_THAT(error_of("speedup", 2.5), HasSubstr("kernel_models[0].split: a speedup of 2.5 on 2 thread(s)"));
}

TEST(Profile, ASlowPathTakesItsOwnStepsOrTheFastPaths) {
  Json j = calibrated_profile();
  j["runtime"]["threads"] = 2;
  j["kernel_models"][0]["partition_blocks"] = 4;
  j["kernel_models"][0]["slow_path"] = {{"unless_multiple_of", 4}, {"dimension", 1}, {"overhead_us", 20.0},
                                        {"gflops", 20.0}, {"gbs", 5.0}};
  // A profile written before the slow path had steps of its own: the fast path's.
  const auto shared = parse_profile(j.dump(), "cal.json").kernel_models.at("conv").model;
  EXPECT_EQ(shared.slow_steps, (std::vector<std::int64_t>{8, 4}));
  EXPECT_EQ(shared.partition_blocks, 4);
  EXPECT_EQ(shared.threads, 2);  // the runtime's, among which the work is split
  EXPECT_EQ(shared.alias_bytes, 0);  // no aliasing unless the profile says so
  EXPECT_EQ(shared.far_bytes_per_s, 0.0);  // nor a bandwidth beyond the private caches
  j["kernel_models"][0]["alias"] = {{"row_stride_multiple_of_bytes", 4096}, {"slowdown", 0.1}};
  const auto aliasing = parse_profile(j.dump(), "cal.json").kernel_models.at("conv").model;
  EXPECT_EQ(aliasing.alias_bytes, 4096);
  EXPECT_DOUBLE_EQ(aliasing.alias_slowdown, 0.1);
  EXPECT_EQ(aliasing.edge_block, 0);  // no slower padded edges unless the profile says so
  j["kernel_models"][0]["padded_edges"] = {{"filter_block", 16}, {"slowdown", 1.0}};
  const auto edged = parse_profile(j.dump(), "cal.json").kernel_models.at("conv").model;
  EXPECT_EQ(edged.edge_block, 16);
  EXPECT_DOUBLE_EQ(edged.edge_slowdown, 1.0);
  j["kernel_models"][0]["slow_path"]["steps"] = {1, 2};
  EXPECT_EQ(parse_profile(j.dump(), "cal.json").kernel_models.at("conv").model.slow_steps,
            (std::vector<std::int64_t>{1, 2}));
}

struct Broken {
  const char* name;
  std::function<std::string()> text;
  const char* expected;  // the error must contain this (key path and problem)
};

void PrintTo(const Broken& broken, std::ostream* out) { *out << broken.name; }

std::string mutated(const std::function<void(Json&)>& change) {
  Json j = valid_profile();
  change(j);
  return j.dump(2);
}

const std::vector<Broken>& broken_profiles() {
  static const std::vector<Broken> cases = {
      {"truncated", [] { return valid_profile().dump().substr(0, 120); }, "not valid JSON"},
      {"not_an_object", [] { return std::string("[1, 2]"); }, "must be an object"},
      {"future_schema", [] { return mutated([](Json& j) { j["schema_version"] = 2; }); },
       "schema_version: version 2 is not supported"},
      {"missing_ceilings", [] { return mutated([](Json& j) { j.erase("ceilings"); }); },
       "ceilings: missing"},
      {"unknown_top_key", [] { return mutated([](Json& j) { j["colour"] = "red"; }); },
       "colour: unknown key"},
      {"unknown_precision", [] { return mutated([](Json& j) { j["ceilings"]["peak_gflops"]["fp64"] = 50.0; }); },
       "ceilings.peak_gflops.fp64: unknown precision"},
      {"string_bandwidth", [] { return mutated([](Json& j) { j["ceilings"]["memory_gbs"]["dram"] = "25.6"; }); },
       "ceilings.memory_gbs.dram: must be a number"},
      {"negative_peak", [] { return mutated([](Json& j) { j["ceilings"]["peak_gflops"]["fp16"] = -200.0; }); },
       "ceilings.peak_gflops.fp16: must be > 0"},
      {"zero_dram", [] { return mutated([](Json& j) { j["ceilings"]["memory_gbs"]["dram"] = 0; }); },
       "ceilings.memory_gbs.dram: must be > 0"},
      {"no_dram", [] {
         return mutated([](Json& j) {
           j["ceilings"]["memory_gbs"].erase("dram");
           j["provenance"]["figures"].erase("ceilings.memory_gbs.dram");
         });
       }, "ceilings.memory_gbs.dram: missing"},
      {"unknown_memory_level", [] { return mutated([](Json& j) { j["ceilings"]["memory_gbs"]["hbm"] = 1.0; }); },
       "ceilings.memory_gbs.hbm: unknown memory level"},
      {"default_precision_without_peak", [] { return mutated([](Json& j) { j["default_precision"] = "int8"; }); },
       "default_precision: 'int8' has no ceilings.peak_gflops entry"},
      {"bad_precision_name", [] { return mutated([](Json& j) { j["default_precision"] = "bf16"; }); },
       "default_precision: 'bf16' is not a precision"},
      {"negative_overhead", [] { return mutated([](Json& j) { j["overheads"]["per_run_us"] = -1; }); },
       "overheads.per_run_us: must be >= 0"},
      {"zero_power", [] { return mutated([](Json& j) { j["power"]["active_w"] = 0; }); },
       "power.active_w: must be > 0"},
      {"unknown_fusion_rule", [] { return mutated([](Json& j) { j["lowering"]["fuse"].push_back("conv_everything"); }); },
       "lowering.fuse[2]: unknown fusion rule 'conv_everything'"},
      {"duplicate_fusion_rule", [] { return mutated([](Json& j) { j["lowering"]["fuse"].push_back("conv_bn"); }); },
       "lowering.fuse[2]: fusion rule 'conv_bn' is listed twice"},
      {"drop_views_not_bool", [] { return mutated([](Json& j) { j["lowering"]["drop_views"] = "yes"; }); },
       "lowering.drop_views: must be true or false"},
      {"activation_not_a_name", [] { return mutated([](Json& j) { j["lowering"]["in_kernel_activations"] = {"Relu", 3}; }); },
       "lowering.in_kernel_activations[1]: must be an operator name"},
      {"block_of_zero", [] {
         return mutated([](Json& j) {
           j["lowering"]["blocked_layout"] = {{"channel_multiple", 0}, {"group_channel_multiple", 16},
                                              {"direct_input_below", 16}, {"keep_ops", {{"Relu", 13}}}};
         });
       }, "lowering.blocked_layout.channel_multiple: must be an integer >= 1"},
      {"keep_ops_as_a_list", [] {
         return mutated([](Json& j) {
           j["lowering"]["blocked_layout"] = {{"channel_multiple", 4}, {"group_channel_multiple", 16},
                                              {"direct_input_below", 16}, {"keep_ops", {"Relu", "Add"}}};
         });
       }, "lowering.blocked_layout.keep_ops: must be an object"},
      {"keep_op_of_version_zero", [] {
         return mutated([](Json& j) {
           j["lowering"]["blocked_layout"] = {{"channel_multiple", 4}, {"group_channel_multiple", 16},
                                              {"direct_input_below", 16}, {"keep_ops", {{"Relu", 0}}}};
         });
       }, "lowering.blocked_layout.keep_ops.Relu: must be an operator version >= 1"},
      {"keep_op_without_a_name", [] {
         return mutated([](Json& j) {
           j["lowering"]["blocked_layout"] = {{"channel_multiple", 4}, {"group_channel_multiple", 16},
                                              {"direct_input_below", 16}, {"keep_ops", {{"", 13}}}};
         });
       }, "lowering.blocked_layout.keep_ops: holds an empty operator name"},
      {"block_without_keep_ops", [] {
         return mutated([](Json& j) {
           j["lowering"]["blocked_layout"] = {{"channel_multiple", 4}, {"group_channel_multiple", 16},
                                              {"direct_input_below", 16}};
         });
       }, "lowering.blocked_layout.keep_ops"},
      {"plain_activation_not_a_name", [] {
         return mutated([](Json& j) {
           j["lowering"]["blocked_layout"] = {{"channel_multiple", 4}, {"group_channel_multiple", 16},
                                              {"direct_input_below", 16}, {"keep_ops", {{"Relu", 13}}},
                                              {"plain_activations", {""}}};
         });
       }, "lowering.blocked_layout.plain_activations[0]: must be an operator name"},
      {"reorder_of_no_bandwidth", [] {
         return mutated([](Json& j) {
           j["lowering"]["blocked_layout"] = {
               {"channel_multiple", 4}, {"group_channel_multiple", 16}, {"direct_input_below", 16},
               {"keep_ops", {{"Relu", 13}}},
               {"reorder", {{"overhead_us", 2.0}, {"gbs", 0.0},
                            {"fit", {{"points", 200}, {"rmspe_percent", 20.0}, {"heldout_rmspe_percent", 21.0}}}}}};
         });
       }, "lowering.blocked_layout.reorder.gbs"},
      {"reorder_without_its_fit", [] {
         return mutated([](Json& j) {
           j["lowering"]["blocked_layout"] = {{"channel_multiple", 4}, {"group_channel_multiple", 16},
                                              {"direct_input_below", 16}, {"keep_ops", {{"Relu", 13}}},
                                              {"reorder", {{"overhead_us", 2.0}, {"gbs", 40.0}}}};
         });
       }, "lowering.blocked_layout.reorder.fit"},
      {"reorder_fit_of_no_points", [] {
         return mutated([](Json& j) {
           j["lowering"]["blocked_layout"] = {
               {"channel_multiple", 4}, {"group_channel_multiple", 16}, {"direct_input_below", 16},
               {"keep_ops", {{"Relu", 13}}},
               {"reorder", {{"overhead_us", 2.0}, {"gbs", 40.0},
                            {"fit", {{"points", 0}, {"rmspe_percent", 20.0}, {"heldout_rmspe_percent", 21.0}}}}}};
         });
       }, "lowering.blocked_layout.reorder.fit.points: must be >= 1"},
      {"calibrated_without_runtime", [] {
         return mutated([](Json& j) { j["kind"] = "calibrated"; j["provenance"]["kind"] = "calibrated"; });
       }, "runtime: a calibrated profile must name its runtime"},
      {"provenance_kind_mismatch", [] { return mutated([](Json& j) { j["provenance"]["kind"] = "calibrated"; }); },
       "provenance.kind: 'calibrated' does not match"},
      {"uncited_figure", [] { return mutated([](Json& j) { j["provenance"]["figures"].erase("ceilings.memory_gbs.l2"); }); },
       "no entry for 'ceilings.memory_gbs.l2'"},
      {"figure_for_nothing", [] {
         return mutated([](Json& j) {
           j["provenance"]["figures"]["ceilings.memory_gbs.l3"] = {{"basis", "estimate"}, {"source", "ds"}, {"note", "x"}};
         });
       }, "provenance.figures.ceilings.memory_gbs.l3: names no figure"},
      {"figure_unknown_source", [] {
         return mutated([](Json& j) { j["provenance"]["figures"]["power.idle_w"]["source"] = "blog"; });
       }, "source: 'blog' is not the id of any provenance.sources entry"},
      {"figure_bad_basis", [] {
         return mutated([](Json& j) { j["provenance"]["figures"]["power.idle_w"]["basis"] = "vibes"; });
       }, "basis: 'vibes' is not one of peak_from_spec, measured, estimate"},
      {"source_year_string", [] { return mutated([](Json& j) { j["provenance"]["sources"][0]["year"] = "2024"; }); },
       "provenance.sources[0].year: must be an integer"},
      {"zero_memory", [] { return mutated([](Json& j) { j["hardware"]["memory_gib"] = 0; }); },
       "hardware.memory_gib: must be > 0"},
      {"cache_level_unknown", [] { return mutated([](Json& j) { j["hardware"]["cache_mib"] = {{"llc", 32.0}}; }); },
       "hardware.cache_mib.llc: unknown cache level (expected l1, l2, l3, ...)"},
      {"cache_size_zero", [] { return mutated([](Json& j) { j["hardware"]["cache_mib"] = {{"l3", 0.0}}; }); },
       "hardware.cache_mib.l3: must be > 0"},
      {"id_with_slash", [] { return mutated([](Json& j) { j["id"] = "a/b"; }); },
       "id: must be a non-empty name"},
      {"dram_overlap_negative", [] { return mutated([](Json& j) { j["ceilings"]["dram_overlap_gbs"] = -1.0; }); },
       "ceilings.dram_overlap_gbs: must be >= 0 (is -1.0)"},
      {"attained_bad_suffix", [] { return mutated([](Json& j) { j["ceilings"]["attained"] = {{"gemm", 90.0}}; }); },
       "ceilings.attained.gemm: must end in _gflops (compute) or _gbs (bandwidth)"},
      {"kernel_model_missing_key", [] { return mutated([](Json& j) { j["kernel_models"].push_back({{"class", "conv"}}); }); },
       "kernel_models[0].steps: missing"},
      {"datasheet_with_models", [] { return mutated([](Json& j) { j["kernel_models"].push_back(conv_model()); }); },
       "kernel_models: a datasheet profile has no fitted kernel models"},
  };
  return cases;
}

class BrokenProfile : public ::testing::TestWithParam<Broken> {};

TEST_P(BrokenProfile, GetsItsOwnErrorNamingFileAndKey) {
  const Broken& broken = GetParam();
  // Written to disk and read back through load_profile, as a user's file would be.
  // One directory per case: ctest runs the cases in parallel.
  const auto dir = std::filesystem::temp_directory_path() / "roofcast_broken_profiles" / broken.name;
  std::filesystem::create_directories(dir);
  const auto path = dir / "test-board.json";
  {
    std::ofstream out(path);
    out << broken.text();
  }
  try {
    (void)load_profile(path);
    FAIL() << broken.name << ": expected a ProfileError";
  } catch (const ProfileError& error) {
    const std::string message = error.what();
    EXPECT_THAT(message, HasSubstr(path.string() + ": ")) << broken.name;
    EXPECT_THAT(message, HasSubstr(broken.expected)) << broken.name;
    EXPECT_EQ(message.find('\n'), std::string::npos) << broken.name << ": one line";
  }
}

INSTANTIATE_TEST_SUITE_P(Table, BrokenProfile, ::testing::ValuesIn(broken_profiles()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Profile, FileNameMustMatchId) {
  const auto dir = std::filesystem::temp_directory_path() / "roofcast_profile_names";
  std::filesystem::create_directories(dir);
  const auto path = dir / "other-name.json";
  std::ofstream(path) << valid_profile().dump();
  try {
    (void)load_profile(path);
    FAIL() << "expected a ProfileError";
  } catch (const ProfileError& error) {
    EXPECT_THAT(error.what(), HasSubstr("id: 'test-board' does not match the file name"));
  }
}

TEST(Profile, ResolveByIdOrPathAndListKnownIds) {
  const auto dir = std::filesystem::temp_directory_path() / "roofcast_profile_resolve";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "test-board.json") << valid_profile().dump();
  EXPECT_EQ(resolve_profile("test-board", {dir}), dir / "test-board.json");
  EXPECT_EQ(resolve_profile((dir / "test-board.json").string(), {}), dir / "test-board.json");
  try {
    (void)resolve_profile("tset-board", {dir});
    FAIL() << "expected a ProfileError";
  } catch (const ProfileError& error) {
    EXPECT_THAT(error.what(), HasSubstr("--device tset-board: no such device profile (known: test-board)"));
  }
  EXPECT_THROW((void)resolve_profile((dir / "missing.json").string(), {}), ProfileError);
}

TEST(Profile, EveryBundledProfileLoadsAndCitesItsSources) {
  const auto listings = scan_profiles({std::filesystem::path(ROOFCAST_SOURCE_DIR) / "hwprofiles"});
  ASSERT_GE(listings.size(), 9u);
  for (const auto& listing : listings) {
    ASSERT_TRUE(listing.profile.has_value()) << listing.error;
    const auto& p = *listing.profile;
    EXPECT_EQ(p.kind, ProfileKind::kDatasheet) << p.id;
    EXPECT_FALSE(p.provenance.sources.empty()) << p.id;
    for (const auto& [key, figure] : p.provenance.figures) {
      EXPECT_FALSE(figure.note.empty()) << p.id << ": " << key;
    }
  }
}

}  // namespace
}  // namespace roofcast::roofline
