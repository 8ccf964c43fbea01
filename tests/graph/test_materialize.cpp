#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "model_builder.hpp"
#include "roofcast/common/error.hpp"
#include "roofcast/common/hash.hpp"
#include "roofcast/graph/load.hpp"
#include "roofcast/graph/materialize.hpp"

namespace roofcast::graph {
namespace {

using roofcast::testing::ModelBuilder;
using ::testing::HasSubstr;

class Materialize : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("roofcast_materialize_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    ModelBuilder b;
    b.input("x", {1, 3, 8, 8}).weight("w", {4, 3, 3, 3}).weight("s", {4}).weight("bb", {4});
    b.weight("m", {4}).weight("v", {4});
    b.node("Conv", {"x", "w"}, {"c"});
    b.node("BatchNormalization", {"c", "s", "bb", "m", "v"}, {"y"}).output("y");
    std::ofstream(input(), std::ios::binary) << b.bytes();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path input() const { return dir_ / "graph_only.onnx"; }
  std::filesystem::path output(const std::string& name = "runnable.onnx") const { return dir_ / name; }

  std::filesystem::path dir_;
};

TEST_F(Materialize, FillsEveryWeightAndKeepsTheGraph) {
  const MaterializeReport report = materialize_model(input(), output());
  EXPECT_EQ(report.initializers_filled, 5);
  EXPECT_EQ(report.bytes_filled, 4 * (108 + 16));
  const Graph graph = load_graph(output());
  for (const Tensor& tensor : graph.tensors) {
    if (tensor.kind == TensorKind::kInitializer) {
      EXPECT_TRUE(tensor.has_data) << tensor.name;
    }
  }
  EXPECT_EQ(graph.metadata.at("roofcast.graph_only"), "false");
  EXPECT_EQ(graph.layers.size(), 2u);
}

TEST_F(Materialize, SameSeedSameBytesOtherSeedOtherBytes) {
  materialize_model(input(), output("a.onnx"), {.seed = 7});
  materialize_model(input(), output("b.onnx"), {.seed = 7});
  materialize_model(input(), output("c.onnx"), {.seed = 8});
  EXPECT_EQ(read_file_bytes(output("a.onnx")), read_file_bytes(output("b.onnx")));
  EXPECT_NE(read_file_bytes(output("a.onnx")), read_file_bytes(output("c.onnx")));
}

TEST_F(Materialize, NeverOverwritesWithoutForceAndNeverTheInput) {
  std::ofstream(output()) << "precious";
  EXPECT_THROW(materialize_model(input(), output()), IoError);
  EXPECT_EQ(read_file_bytes(output()), "precious");
  EXPECT_THROW(materialize_model(input(), input(), {.overwrite = true}), IoError);
  materialize_model(input(), output(), {.overwrite = true});
  EXPECT_NE(read_file_bytes(output()), "precious");
}

TEST_F(Materialize, BadInputIsAModelErrorNamingTheFile) {
  std::ofstream(dir_ / "junk.onnx") << "junk";
  try {
    materialize_model(dir_ / "junk.onnx", output());
    FAIL() << "no error";
  } catch (const ModelError& error) {
    EXPECT_THAT(error.what(), HasSubstr("junk.onnx"));
  }
  EXPECT_FALSE(std::filesystem::exists(output()));
}

}  // namespace
}  // namespace roofcast::graph
