// Writes a seed corpus of small valid models for fuzz_load into the given directory.
#include <cstdio>
#include <fstream>
#include <string>

#include "model_builder.hpp"

using roofcast::testing::Attr;
using roofcast::testing::ModelBuilder;
using Ints = std::vector<std::int64_t>;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_fuzz_seeds DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  int count = 0;
  const auto save = [&](const ModelBuilder& builder) {
    std::ofstream(dir + "/seed" + std::to_string(count++) + ".onnx", std::ios::binary)
        << builder.bytes();
  };
  {
    ModelBuilder b;
    b.input("x", {1, 3, 8, 8}).weight("w", {4, 3, 3, 3}).weight("b", {4});
    b.node("Conv", {"x", "w", "b"}, {"c"}, {{"pads", Ints{1, 1, 1, 1}}}, "conv");
    b.node("Relu", {"c"}, {"r"});
    b.node("MaxPool", {"r"}, {"p"}, {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}});
    b.node("GlobalAveragePool", {"p"}, {"g"}).node("Flatten", {"g"}, {"f"});
    b.weight("fc", {10, 4}).node("Gemm", {"f", "fc"}, {"y"}, {{"transB", std::int64_t{1}}});
    b.output("y");
    save(b);
  }
  {
    ModelBuilder b;
    b.input("x", {"batch", 4, 8}).weight("g", {8}).weight("w", {8, 8}).int64s("shape", {0, 32});
    b.node("LayerNormalization", {"x", "g"}, {"n"});
    b.node("MatMul", {"n", "w"}, {"m"}).node("Softmax", {"m"}, {"s"});
    b.node("Transpose", {"s"}, {"t"}, {{"perm", Ints{0, 2, 1}}});
    b.node("Reshape", {"t", "shape"}, {"y"}).output("y");
    save(b);
  }
  {
    ModelBuilder b;
    b.input("a", {2, 3}).input("c", {3}).scalar("lo", 0.0f).scalar("hi", 6.0f);
    b.node("Add", {"a", "c"}, {"s"}).node("Clip", {"s", "lo", "hi"}, {"k"});
    b.node("Concat", {"k", "a"}, {"y"}, {{"axis", std::int64_t{0}}}).output("y");
    save(b);
  }
  std::printf("wrote %d seeds to %s\n", count, dir.c_str());
  return 0;
}
