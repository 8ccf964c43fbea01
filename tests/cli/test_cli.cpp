// The roofcast binary end to end: outputs, exit codes and one-line errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

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

}  // namespace
