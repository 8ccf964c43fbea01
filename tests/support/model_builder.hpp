#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace roofcast::testing {

/// An attribute value for ModelBuilder::node.
struct Attr {
  std::string name;
  std::variant<std::int64_t, double, std::string, std::vector<std::int64_t>> value;
};

/// A dimension: a value, or a symbolic name.
struct Dim {
  Dim(std::int64_t v) : value(v) {}  // NOLINT: implicit on purpose, {1, 3, "batch"}
  Dim(const char* p) : param(p) {}   // NOLINT
  std::int64_t value = 0;
  std::string param;
};

/// Builds small ONNX models in tests (and fuzz seeds) without touching protobuf types.
class ModelBuilder {
 public:
  explicit ModelBuilder(std::int64_t opset = 17);
  ~ModelBuilder();
  ModelBuilder(ModelBuilder&&) noexcept;

  /// A float32 (or `dtype`) graph input.
  ModelBuilder& input(const std::string& name, const std::vector<Dim>& shape, int dtype = 1);
  /// An input whose type has no shape at all.
  ModelBuilder& shapeless_input(const std::string& name, int dtype = 1);
  /// An initializer with dims only (graph-only, no data), like the zoo's weights.
  ModelBuilder& weight(const std::string& name, const std::vector<std::int64_t>& dims, int dtype = 1);
  /// An initializer whose data lives in an external file `location` (which need not exist).
  ModelBuilder& external_weight(const std::string& name, const std::vector<std::int64_t>& dims,
                                const std::string& location);
  /// An int64 initializer with data (shape vectors, axes).
  ModelBuilder& int64s(const std::string& name, const std::vector<std::int64_t>& values);
  /// A float scalar initializer with data.
  ModelBuilder& scalar(const std::string& name, float value);
  ModelBuilder& node(const std::string& op_type, const std::vector<std::string>& inputs,
                     const std::vector<std::string>& outputs, const std::vector<Attr>& attributes = {},
                     const std::string& name = "", const std::string& domain = "");
  ModelBuilder& output(const std::string& name);
  ModelBuilder& opset_import(const std::string& domain, std::int64_t version);
  ModelBuilder& ir_version(std::int64_t version);

  /// The serialized ModelProto.
  std::string bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace roofcast::testing
