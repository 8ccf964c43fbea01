// The roofcast binary end to end: outputs, exit codes and one-line errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

struct Result {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

Result run(const std::string& arguments) {
  const std::string command = std::string(ROOFCAST_BINARY) + " " + arguments + " 2>&1";
  Result result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "cannot run " << command;
    return result;
  }
  std::array<char, 4096> buffer{};
  while (fgets(buffer.data(), buffer.size(), pipe) != nullptr) {
    result.output += buffer.data();
  }
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

const std::string kModels = std::string(ROOFCAST_SOURCE_DIR) + "/models";

TEST(Cli, AnalyzeTableHasLayersOpsAndTotals) {
  const Result r = run("analyze " + kModels + "/resnet50.onnx --top 5");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("top 5 of"), HasSubstr("Conv"), HasSubstr("by op type"),
                              HasSubstr("total: 4.09G MACs")));
}

TEST(Cli, AnalyzeJsonIsSelfDescribing) {
  const Result r = run("analyze " + kModels + "/mobilenet_v2.onnx --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto document = nlohmann::json::parse(r.output);
  EXPECT_EQ(document.at("schema_version"), 1);
  EXPECT_EQ(document.at("context").at("tool"), "roofcast");
  EXPECT_FALSE(document.at("context").at("git_revision").get<std::string>().empty());
  EXPECT_EQ(document.at("model").at("fnv1a64").get<std::string>().size(), 16u);
  EXPECT_GT(document.at("totals").at("macs").get<std::int64_t>(), 290'000'000);
  EXPECT_EQ(document.at("layers").size(), document.at("totals").at("layers").get<std::size_t>());
}

TEST(Cli, AnalyzeCsvToFile) {
  const auto path = std::filesystem::temp_directory_path() / "roofcast_cli_analyze.csv";
  std::filesystem::remove(path);
  const Result r = run("analyze " + kModels + "/googlenet.onnx --csv -o " + path.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_THAT(line, HasSubstr("# tool: roofcast"));
  bool header = false;
  while (std::getline(in, line)) {
    header = header || line.rfind("index,name,op_type", 0) == 0;
  }
  EXPECT_TRUE(header);
}

TEST(Cli, OpsListsTheRegistry) {
  const Result r = run("ops");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("Conv\tconv"), HasSubstr("LayerNormalization\tnormalization"),
                              HasSubstr("Reshape\tview"), HasSubstr("op types")));
}

TEST(Cli, MissingModelExitsThreeWithOneLine) {
  const Result r = run("analyze /no/such/model.onnx");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.output, "roofcast: error: /no/such/model.onnx: no such file\n");
}

TEST(Cli, BadFlagValuesExitTwo) {
  EXPECT_EQ(run("analyze " + kModels + "/resnet50.onnx --dim batch").exit_code, 2);
  EXPECT_EQ(run("analyze " + kModels + "/resnet50.onnx --input-shape input=1x3xZ").exit_code, 2);
  const Result r = run("analyze " + kModels + "/resnet50.onnx --dim batch=1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("no input of"));
  EXPECT_EQ(run("analyze").exit_code, 2);
  EXPECT_EQ(run("frobnicate").exit_code, 2);
}

TEST(Cli, InputShapeChangesTheCount) {
  const Result r =
      run("analyze " + kModels + "/resnet50.onnx --input-shape input=2x3x224x224 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto document = nlohmann::json::parse(r.output);
  EXPECT_GT(document.at("totals").at("macs").get<std::int64_t>(), 8'000'000'000);
}

TEST(Cli, MaterializeWritesARunnableCopyOnce) {
  const auto path = std::filesystem::temp_directory_path() / "roofcast_cli_runnable.onnx";
  std::filesystem::remove(path);
  const Result first = run("materialize " + kModels + "/mobilenet_v2.onnx -o " + path.string());
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_GT(std::filesystem::file_size(path), 13'000'000u);  // 3.5 M float32 weights
  const Result again = run("materialize " + kModels + "/mobilenet_v2.onnx -o " + path.string());
  EXPECT_EQ(again.exit_code, 7);
  EXPECT_THAT(again.output, HasSubstr("--force"));
  std::filesystem::remove(path);
}

// ---- device profiles and prediction -----------------------------------------

TEST(Cli, DevicesListsTheBundledProfiles) {
  const Result r = run("devices");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* id : {"jetson-nano", "jetson-tx2", "jetson-xavier-nx", "jetson-agx-orin",
                         "jetson-orin-nano", "raspberry-pi-4", "raspberry-pi-5", "coral-edge-tpu",
                         "h100-sxm"}) {
    EXPECT_THAT(r.output, HasSubstr(id));
  }
  EXPECT_THAT(r.output, AllOf(HasSubstr("datasheet"), HasSubstr("DRAM GB/s")));
}

TEST(Cli, DevicesReportsABadProfileAndListsTheRest) {
  const auto dir = std::filesystem::temp_directory_path() / "roofcast_cli_devices";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(std::string(ROOFCAST_SOURCE_DIR) + "/hwprofiles/jetson-nano.json",
                             dir / "jetson-nano.json");
  std::ofstream(dir / "broken.json") << "{\"schema_version\": 1,";
  const Result r = run("devices --profiles-dir " + dir.string());
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_THAT(r.output, AllOf(HasSubstr("jetson-nano"), HasSubstr("broken.json: not valid JSON")));
}

TEST(Cli, PredictTableShowsKernelsAndNetwork) {
  const Result r = run("predict " + kModels + "/resnet50.onnx --device jetson-orin-nano --top 5");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("top 5 of"), HasSubstr("Conv+Relu"), HasSubstr("latency"),
                              HasSubstr("throughput"), HasSubstr("samples/s/W"),
                              HasSubstr("peak memory"), HasSubstr("time by bound")));
}

TEST(Cli, PredictWarnsOfSoftmaxMasksWithSubnormalExps) {
  Result r = run("predict " + kModels + "/heldout/swin_t.onnx --device jetson-orin-nano --top 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;  // a warning, not an error: the prediction is still made
  EXPECT_THAT(r.output, AllOf(HasSubstr("warning: "), HasSubstr("5 Softmax layer(s) add a mask of -100"),
                              HasSubstr("features.1.1/attn/Softmax"), HasSubstr("subnormal"),
                              HasSubstr("the prediction does not include it"), HasSubstr("latency")));
  r = run("analyze " + kModels + "/vit_b_16.onnx --top 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, Not(HasSubstr("subnormal")));  // ViT's attention has no mask
}

TEST(Cli, PredictJsonKernelsAddUpAndCoverEveryLayer) {
  const Result r = run("predict " + kModels + "/googlenet.onnx --device raspberry-pi-5 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto document = nlohmann::json::parse(r.output);
  EXPECT_EQ(document.at("kind"), "roofcast.prediction");
  const auto& kernels = document.at("kernels");
  double sum_s = 0.0;
  std::set<std::string> layers;
  for (const auto& kernel : kernels) {
    sum_s += kernel.at("time_s").get<double>();
    // The parts a kernel's time is made of are all in the document, and add up.
    const auto part = [&kernel](const char* key) { return kernel.at(key).get<double>(); };
    const double parts_s = part("overhead_s") + std::max(part("compute_time_s"), part("memory_time_s")) +
                           part("dram_wait_s") + part("cache_wait_s") + part("epilogue_s");
    EXPECT_NEAR(parts_s, kernel.at("time_s").get<double>(), 1e-12) << kernel.at("name");
    for (const auto& layer : kernel.at("layers")) {
      EXPECT_TRUE(layers.insert(layer.get<std::string>()).second) << layer << " in two kernels";
    }
  }
  const auto& network = document.at("network");
  // Latency = Σ kernels + the profile's per-run overhead (25 µs on raspberry-pi-5).
  EXPECT_NEAR(network.at("latency_s").get<double>(), sum_s + 25e-6, 1e-9);
  EXPECT_EQ(network.at("kernels").get<std::size_t>(), kernels.size());
  EXPECT_GT(layers.size(), kernels.size());  // fusion merged layers
}

TEST(Cli, FasterDeviceIsPredictedFaster) {
  const auto latency = [](const std::string& device) {
    const Result r = run("predict " + kModels + "/mobilenet_v2.onnx --device " + device + " --json");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return nlohmann::json::parse(r.output).at("network").at("latency_s").get<double>();
  };
  EXPECT_LT(latency("h100-sxm"), latency("jetson-agx-orin"));
  EXPECT_LT(latency("jetson-agx-orin"), latency("jetson-nano"));
  EXPECT_LT(latency("raspberry-pi-5"), latency("raspberry-pi-4"));
}

TEST(Cli, PredictBadDeviceAndPrecision) {
  Result r = run("predict " + kModels + "/resnet50.onnx --device jetson-nanoo");
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_THAT(r.output, AllOf(HasSubstr("--device jetson-nanoo: no such device profile"),
                              HasSubstr("jetson-nano,")));
  r = run("predict " + kModels + "/resnet50.onnx --device jetson-nano --precision int8");
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_THAT(r.output, HasSubstr("has no int8 ceiling (it has: fp32, fp16)"));
  r = run("predict " + kModels + "/resnet50.onnx --device jetson-nano --precision fp64");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("--precision fp64"));
  r = run("predict " + kModels + "/resnet50.onnx --device /no/such/profile.json");
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.output, "roofcast: error: /no/such/profile.json: no such profile file\n");
}

TEST(Cli, CompareOneRowPerModelAndDevice) {
  const Result r = run("compare " + kModels + "/mobilenet_v2.onnx " + kModels +
                       "/resnet18.onnx -d jetson-nano -d jetson-orin-nano -d raspberry-pi-5 --csv");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::istringstream lines(r.output);
  std::string line;
  int rows = 0;
  while (std::getline(lines, line)) {
    rows += (line.rfind("mobilenet_v2,", 0) == 0 || line.rfind("resnet18,", 0) == 0) ? 1 : 0;
  }
  EXPECT_EQ(rows, 6);
  EXPECT_THAT(r.output, HasSubstr("model,device,precision,latency_s,throughput_per_s"));
}

TEST(Cli, RooflineWritesSvgAndItsData) {
  const auto dir = std::filesystem::temp_directory_path() / "roofcast_cli_roofline";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto svg = dir / "plot.svg";
  const Result r = run("roofline " + kModels + "/mobilenet_v2.onnx -d jetson-xavier-nx -o " + svg.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(svg);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(text, AllOf(HasSubstr("<svg"), HasSubstr("arithmetic intensity (FLOP/byte"),
                          HasSubstr("fp16 peak"), HasSubstr("DRAM 59.7 GB/s"), HasSubstr("</svg>")));
  // One circle per mark (kernels that coincide share one), and one CSV row per mark whose
  // kernel counts add up to every kernel with FLOPs.
  std::ifstream csv(dir / "plot.csv");
  std::string line;
  std::size_t kernel_rows = 0;
  std::size_t kernels = 0;
  while (std::getline(csv, line)) {
    if (line.rfind("kernel,", 0) == 0) {
      kernel_rows += 1;
      // kind,name,ops,class,intensity,flops_per_s,bytes_per_s,time_s,time_share,kernels,...
      std::istringstream fields(line);
      std::string field;
      for (int column = 0; column < 10 && std::getline(fields, field, ','); ++column) {
      }
      kernels += std::stoul(field);
    }
  }
  std::size_t titled_circles = 0;
  for (std::size_t at = text.find("<circle"); at != std::string::npos; at = text.find("<circle", at + 1)) {
    titled_circles += text.compare(text.find('>', at) + 1, 7, "<title>") == 0 ? 1 : 0;
  }
  EXPECT_GT(kernel_rows, 20u);
  EXPECT_EQ(titled_circles, kernel_rows);
  EXPECT_THAT(r.output, HasSubstr("(" + std::to_string(kernels) + " kernels plotted"));
  if (std::system("command -v rsvg-convert >/dev/null 2>&1") == 0) {
    const auto png = dir / "plot.png";
    EXPECT_EQ(std::system(("rsvg-convert " + svg.string() + " -o " + png.string()).c_str()), 0);
    EXPECT_GT(std::filesystem::file_size(png), 10'000u);
  }
}

// ---- runs on this machine (skipped only where node is missing) -------------

bool node_installed() { return std::system("command -v node > /dev/null 2>&1") == 0; }

TEST(Cli, MeasureSavesASelfDescribingMeasurement) {
  if (!node_installed()) {
    GTEST_SKIP() << "node is not installed: roofcast measure cannot run here";
  }
  const auto path = std::filesystem::temp_directory_path() / "roofcast_cli_measure.json";
  std::filesystem::remove(path);
  const Result r = run("measure " + kModels + "/squeezenet1_1.onnx --min-time 0.2 --min-runs 3 --warmup 1 -o " +
                       path.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("latency: median"), HasSubstr("profiler overhead"),
                              HasSubstr("0 unmapped"), HasSubstr("onnxruntime 1.22.0")));
  std::ifstream in(path);
  const auto document = nlohmann::json::parse(in);
  EXPECT_EQ(document.at("kind"), "roofcast.measurement");
  EXPECT_EQ(document.at("session").at("intra_op_threads"), 1);
  EXPECT_GT(document.at("profiled").at("kernels").size(), 10u);
}

TEST(Cli, MeasureRejectsABadModelWithItsName) {
  const Result r = run("measure /no/such/model.onnx");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.output, HasSubstr("/no/such/model.onnx"));
}

TEST(Cli, ValidateWritesItsReportAndResumes) {
  if (!node_installed()) {
    GTEST_SKIP() << "node is not installed: roofcast validate cannot run here";
  }
  const auto dir = std::filesystem::temp_directory_path() / "roofcast_cli_validate";
  std::filesystem::remove_all(dir);
  const std::string arguments = "validate " + kModels + "/squeezenet1_1.onnx -d raspberry-pi-5 --min-time 0.2 " +
                                "--min-runs 3 --warmup 1 --out-dir " + dir.string();
  const Result first = run(arguments);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, AllOf(HasSubstr("per network: RMSPE"), HasSubstr("per kernel:"),
                                  HasSubstr("worst"), HasSubstr("squeezenet1_1")));
  for (const char* file : {"validation.json", "validation_kernels.csv", "validation_networks.csv",
                           "predicted_vs_measured.svg", "measurements/squeezenet1_1.json"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / file)) << file;
  }
  const Result again = run(arguments + " --resume");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output, HasSubstr("reusing"));
  // A second round: the saved measurement stands for the first, the model is
  // measured again, and the median of the two (the faster) is kept.
  const Result rounds = run(arguments + " --resume --rounds 2");
  ASSERT_EQ(rounds.exit_code, 0) << rounds.output;
  EXPECT_THAT(rounds.output, AllOf(HasSubstr("reusing"), HasSubstr("(round 2 of 2)"),
                                   HasSubstr("the median of 2 rounds")));
  EXPECT_EQ(run(arguments + " --rounds 0").exit_code, 2);
}

TEST(Cli, IsolateSplitsEachErrorIntoTheKernelsOwnAndTheNetworks) {
  if (!node_installed()) {
    GTEST_SKIP() << "node is not installed: roofcast isolate cannot run here";
  }
  const auto dir = std::filesystem::temp_directory_path() / "roofcast_cli_isolate";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string profile = std::string(ROOFCAST_SOURCE_DIR) + "/notebooks-data/accuracy-amd-epyc/calibrated-1t.json";
  const std::string quick = " --min-time 0.05 --min-runs 3 --warmup 1";
  const auto saved = dir / "squeezenet.json";
  Result r = run("measure " + kModels + "/squeezenet1_1.onnx" + quick + " -o " + saved.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto csv = dir / "isolated.csv";
  r = run("isolate " + kModels + "/squeezenet1_1.onnx -d " + profile + " --measurement " + saved.string() +
          " --top 2 --csv " + csv.string() + quick);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("alone us"), HasSubstr("network vs alone"), HasSubstr("these 2 kernels:"),
                              HasSubstr("roofcast micro-model SPEC --flush-mib")));
  std::ifstream in(csv);
  std::string line;
  int isolated = 0;
  while (std::getline(in, line)) {
    // SqueezeNet's worst kernels: convolutions, and its unpadded ceil-mode MaxPools.
    if (line.rfind("/", 0) == 0 &&
        (line.find(",\"conv:") != std::string::npos || line.find(",\"pool:") != std::string::npos)) {
      ++isolated;
    }
  }
  EXPECT_EQ(isolated, 2) << "two kernels run alone, each with its spec";
  // Bad input: a profile without fitted models, a measurement of another model.
  r = run("isolate " + kModels + "/squeezenet1_1.onnx -d raspberry-pi-5 --measurement " + saved.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("not a calibrated profile"));
  r = run("isolate " + kModels + "/squeezenet1_1.onnx -d " + profile + " --threads 2");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("calibrated for 1 thread(s), the network runs with 2"));
  r = run("isolate " + kModels + "/resnet18.onnx -d " + profile + " --measurement " + saved.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, AllOf(HasSubstr(saved.string()), HasSubstr("a measurement of another model")));
}

TEST(Cli, MicroModelWritesARunnableSingleKernelModel) {
  const auto path = std::filesystem::temp_directory_path() / "roofcast_cli_micro.onnx";
  std::filesystem::remove(path);
  Result r = run("micro-model conv:c=8,h=8,w=8,k=16 -o " + path.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run("analyze " + path.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("Conv"));
  EXPECT_EQ(run("micro-model conv:c=8,colour=red -o " + path.string() + " --force").exit_code, 2);
}

TEST(Cli, CalibrateWritesACalibratedProfileAndResumes) {
  if (!node_installed()) {
    GTEST_SKIP() << "node is not installed: roofcast calibrate cannot run here";
  }
  const auto dir = std::filesystem::temp_directory_path() / "roofcast_cli_calibrate";
  std::filesystem::remove_all(dir);
  const auto profile = dir / "cal-test.json";
  const std::string arguments = "calibrate --budget 16 --min-time 0.01 -o " + profile.string();
  const Result first = run(arguments);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, AllOf(HasSubstr("conv"), HasSubstr("held-out"), HasSubstr("points")));
  std::ifstream in(profile);
  const auto document = nlohmann::json::parse(in);
  EXPECT_EQ(document.at("kind"), "calibrated");
  EXPECT_EQ(document.at("runtime").at("name"), "onnxruntime");
  // Points were measured behind a cache flush (half the last-level cache).
  EXPECT_GE(document.at("provenance").at("calibration").at("cache_flush_mib").get<double>(), 1.0);
  // Three rounds by default: every point measured three times, and up to twice
  // more where its rounds disagree (short measurements here: some will); the median fitted.
  const int points = document.at("provenance").at("calibration").at("points").get<int>();
  const int measurements = document.at("provenance").at("calibration").at("measurements").get<int>();
  EXPECT_GE(measurements, 3 * points);
  EXPECT_LE(measurements, 5 * points);
  if (measurements > 3 * points) {
    EXPECT_THAT(first.output, HasSubstr("measuring them again"));
  }
  {
    // The measuring time spans every round: from the ceilings to the log's last measurement.
    std::ifstream log(profile.string() + ".points.jsonl");
    std::string line;
    double first_s = 0.0;
    double last_s = 0.0;
    while (std::getline(log, line)) {
      const auto entry = nlohmann::json::parse(line);
      if (entry.contains("ceilings")) {
        first_s = entry.at("ceilings").at("unix_time_s").get<double>();
      } else {
        last_s = std::max(last_s, entry.at("unix_time_s").get<double>());
      }
    }
    EXPECT_NEAR(document.at("provenance").at("calibration").at("wall_time_s").get<double>(), last_s - first_s, 1.0);
    // Measured in one sitting: the time taken is the wall time.
    EXPECT_NEAR(document.at("provenance").at("calibration").at("measuring_s").get<double>(), last_s - first_s, 1.0);
  }
  EXPECT_GT(document.at("kernel_models").size(), 0u);
  // The log holds every point; without --resume nothing is overwritten.
  EXPECT_TRUE(std::filesystem::exists(profile.string() + ".points.jsonl"));
  const Result again = run(arguments);
  EXPECT_EQ(again.exit_code, 7);
  EXPECT_THAT(again.output, HasSubstr("--resume"));
  // A log measured with one cache flush is not continued with another.
  const Result other_flush = run(arguments + " --resume --flush-mib 0");
  EXPECT_EQ(other_flush.exit_code, 2);
  EXPECT_THAT(other_flush.output, AllOf(HasSubstr(".points.jsonl"), HasSubstr("cache flush")));
  const Result resumed = run(arguments + " --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_THAT(resumed.output, HasSubstr("points already measured"));
  // A log of points measured on micro-models of an earlier revision (written
  // before the ceilings line recorded one) is not continued.
  {
    std::ifstream log_in(profile.string() + ".points.jsonl");
    std::stringstream text;
    text << log_in.rdbuf();
    std::string old_log = text.str();
    const auto revision = old_log.find("\"micro_model_revision\":");
    ASSERT_NE(revision, std::string::npos);
    old_log.erase(revision, old_log.find(',', revision) + 1 - revision);
    std::ofstream(dir / "old.json.points.jsonl") << old_log;
    const Result old = run("calibrate --budget 16 --min-time 0.01 --resume -o " + (dir / "old.json").string());
    EXPECT_EQ(old.exit_code, 2);
    EXPECT_THAT(old.output, AllOf(HasSubstr("old.json.points.jsonl"), HasSubstr("revision 1")));
    EXPECT_FALSE(std::filesystem::exists(dir / "old.json"));
  }
  // The same measurements give the same profile.
  std::ifstream again_in(profile);
  EXPECT_EQ(nlohmann::json::parse(again_in), document);
  // --fit-only fits the log as it is and measures nothing: the same models,
  // the log untouched; points of a larger plan that the log lacks are left
  // out, with a warning.
  {
    const auto text_of = [](const std::filesystem::path& path) {
      std::ifstream file(path);
      std::stringstream text;
      text << file.rdbuf();
      return text.str();
    };
    const std::string logged = text_of(profile.string() + ".points.jsonl");
    const Result fitted = run("calibrate --budget 16 --fit-only -o " + profile.string());
    ASSERT_EQ(fitted.exit_code, 0) << fitted.output;
    EXPECT_THAT(fitted.output, Not(HasSubstr("left out")));
    EXPECT_EQ(nlohmann::json::parse(text_of(profile)).at("kernel_models"), document.at("kernel_models"));
    EXPECT_EQ(text_of(profile.string() + ".points.jsonl"), logged);
    std::ofstream(dir / "larger.json.points.jsonl") << logged;
    const Result larger = run("calibrate --budget 40 --fit-only -o " + (dir / "larger.json").string());
    ASSERT_EQ(larger.exit_code, 0) << larger.output;
    EXPECT_THAT(larger.output, HasSubstr("points are not in"));
    EXPECT_EQ(text_of(dir / "larger.json.points.jsonl"), logged);
    EXPECT_EQ(run("calibrate --fit-only --resume -o " + profile.string()).exit_code, 2);
    const Result none = run("calibrate --fit-only -o " + (dir / "none.json").string());
    EXPECT_EQ(none.exit_code, 7);
    EXPECT_THAT(none.output, HasSubstr("none.json.points.jsonl: no calibration log to fit"));
    // A log whose points were slowed in most of their rounds (a busy
    // machine): the profile is written, with a warning that it predicts slow.
    std::map<std::string, int> seen;
    std::ofstream busy(dir / "busy.json.points.jsonl");
    std::istringstream lines(logged);
    std::string line;
    while (std::getline(lines, line)) {
      auto entry = nlohmann::json::parse(line);
      if (entry.contains("spec") && ++seen[entry.at("spec").get<std::string>()] >= 2) {
        entry["time_s"] = 1.5 * entry.at("time_s").get<double>();
      }
      busy << entry.dump() << '\n';
    }
    busy.close();
    const Result slowed = run("calibrate --budget 16 --fit-only -o " + (dir / "busy.json").string());
    ASSERT_EQ(slowed.exit_code, 0) << slowed.output;
    EXPECT_THAT(slowed.output, AllOf(HasSubstr("points still have rounds more than 8 % apart"),
                                     HasSubstr("calibrate again when the machine is quiet")));
  }
  // A log keeps the times measured; how each point is described to the fit
  // (bytes, loops, dimensions) is derived again from its spec on --resume, so
  // a log written before a description was refined fits as a new one would.
  {
    std::ifstream log_in(profile.string() + ".points.jsonl");
    std::ofstream stale(dir / "stale.json.points.jsonl");
    std::string line;
    while (std::getline(log_in, line)) {
      auto entry = nlohmann::json::parse(line);
      if (!entry.contains("ceilings")) {
        entry["bytes"] = 10.0 * entry.at("bytes").get<double>();
        entry["loops"] = 7.0;
      }
      stale << entry.dump() << '\n';
    }
  }
  const Result refitted = run("calibrate --budget 16 --min-time 0.01 --resume -o " + (dir / "stale.json").string());
  ASSERT_EQ(refitted.exit_code, 0) << refitted.output;
  std::ifstream refitted_in(dir / "stale.json");
  EXPECT_EQ(nlohmann::json::parse(refitted_in).at("kernel_models"), document.at("kernel_models"));
  // A logged point that no longer builds as a micro-model is named, with its log.
  {
    std::ifstream log_in(profile.string() + ".points.jsonl");
    std::ofstream broken(dir / "broken.json.points.jsonl");
    std::string line;
    bool changed = false;
    while (std::getline(log_in, line)) {
      auto entry = nlohmann::json::parse(line);
      if (!entry.contains("ceilings") && !changed) {
        entry["spec"] = "conv:c=8,colour=red";
        changed = true;
      }
      broken << entry.dump() << '\n';
    }
  }
  const Result broken = run("calibrate --budget 16 --min-time 0.01 --resume -o " + (dir / "broken.json").string());
  EXPECT_NE(broken.exit_code, 0);
  EXPECT_THAT(broken.output, AllOf(HasSubstr("broken.json.points.jsonl"), HasSubstr("conv:c=8,colour=red")));
  EXPECT_FALSE(std::filesystem::exists(dir / "broken.json"));
  // A calibration interrupted an hour ago and resumed now: its time taken is
  // its two sittings, not the hour between them (which the wall time spans).
  {
    std::ifstream log_in(profile.string() + ".points.jsonl");
    std::ofstream earlier(dir / "interrupted.json.points.jsonl");
    std::string line;
    std::size_t kept = 0;
    while (std::getline(log_in, line) && kept < 10) {
      auto entry = nlohmann::json::parse(line);
      auto& time = entry.contains("ceilings") ? entry["ceilings"]["unix_time_s"] : entry["unix_time_s"];
      time = time.get<double>() - 3600.0;
      earlier << entry.dump() << '\n';
      kept += entry.contains("ceilings") ? 0 : 1;
    }
  }
  const Result interrupted =
      run("calibrate --budget 16 --min-time 0.01 --resume -o " + (dir / "interrupted.json").string());
  ASSERT_EQ(interrupted.exit_code, 0) << interrupted.output;
  {
    std::ifstream in_resumed(dir / "interrupted.json");
    const auto calibration = nlohmann::json::parse(in_resumed).at("provenance").at("calibration");
    EXPECT_GT(calibration.at("wall_time_s").get<double>(), 3600.0);
    EXPECT_LT(calibration.at("measuring_s").get<double>(), 600.0);
    EXPECT_GT(calibration.at("measuring_s").get<double>(), 0.0);
    std::ifstream log_in(dir / "interrupted.json.points.jsonl");
    std::stringstream text;
    text << log_in.rdbuf();
    EXPECT_THAT(text.str(), HasSubstr("{\"resumed\":{\"unix_time_s\":"));
    // A resumption line that is not one is named with its log and line.
    std::ofstream(dir / "bad.json.points.jsonl") << text.str() << "{\"resumed\":{\"when\":1}}\n";
    const Result bad = run("calibrate --budget 16 --min-time 0.01 --resume -o " + (dir / "bad.json").string());
    EXPECT_NE(bad.exit_code, 0);
    EXPECT_THAT(bad.output, AllOf(HasSubstr("bad.json.points.jsonl:"), HasSubstr("not a resumption line")));
  }
  // And it predicts.
  const Result predicted = run("predict " + kModels + "/resnet18.onnx -d " + profile.string());
  EXPECT_EQ(predicted.exit_code, 0) << predicted.output;
  EXPECT_THAT(predicted.output, HasSubstr("fitted models for"));
}

}  // namespace
