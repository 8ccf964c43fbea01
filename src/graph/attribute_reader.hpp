#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace onnx {
class NodeProto;
}

namespace roofcast::graph {

/// Typed access to one node's attributes. A present attribute of the wrong
/// type is a ModelError naming the node and the attribute.
class AttributeReader {
 public:
  AttributeReader(const onnx::NodeProto& node, std::string_view layer_name);

  bool has(std::string_view name) const;
  std::int64_t get_int(std::string_view name, std::int64_t fallback) const;
  double get_float(std::string_view name, double fallback) const;
  std::string get_string(std::string_view name, std::string_view fallback) const;
  std::vector<std::int64_t> get_ints(std::string_view name) const;

 private:
  [[noreturn]] void fail_type(std::string_view name, std::string_view expected) const;
  const void* find(std::string_view name) const;

  const onnx::NodeProto& node_;
  std::string layer_name_;
};

}  // namespace roofcast::graph
