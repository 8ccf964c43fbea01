#include "attribute_reader.hpp"

#include <onnx/onnx_pb.h>

#include "roofcast/common/error.hpp"

namespace roofcast::graph {
namespace {

const onnx::AttributeProto* as_attribute(const void* p) {
  return static_cast<const onnx::AttributeProto*>(p);
}

}  // namespace

AttributeReader::AttributeReader(const onnx::NodeProto& node, std::string_view layer_name)
    : node_(node), layer_name_(layer_name) {}

const void* AttributeReader::find(std::string_view name) const {
  for (const auto& attribute : node_.attribute()) {
    if (attribute.name() == name) {
      return &attribute;
    }
  }
  return nullptr;
}

bool AttributeReader::has(std::string_view name) const { return find(name) != nullptr; }

void AttributeReader::fail_type(std::string_view name, std::string_view expected) const {
  throw ModelError("node '" + layer_name_ + "' (" + node_.op_type() + "): attribute '" +
                   std::string(name) + "' should be of type " + std::string(expected));
}

std::int64_t AttributeReader::get_int(std::string_view name, std::int64_t fallback) const {
  const auto* attribute = as_attribute(find(name));
  if (attribute == nullptr) {
    return fallback;
  }
  if (attribute->type() != onnx::AttributeProto::INT) {
    fail_type(name, "INT");
  }
  return attribute->i();
}

double AttributeReader::get_float(std::string_view name, double fallback) const {
  const auto* attribute = as_attribute(find(name));
  if (attribute == nullptr) {
    return fallback;
  }
  if (attribute->type() != onnx::AttributeProto::FLOAT) {
    fail_type(name, "FLOAT");
  }
  return attribute->f();
}

std::string AttributeReader::get_string(std::string_view name, std::string_view fallback) const {
  const auto* attribute = as_attribute(find(name));
  if (attribute == nullptr) {
    return std::string(fallback);
  }
  if (attribute->type() != onnx::AttributeProto::STRING) {
    fail_type(name, "STRING");
  }
  return attribute->s();
}

std::vector<std::int64_t> AttributeReader::get_ints(std::string_view name) const {
  const auto* attribute = as_attribute(find(name));
  if (attribute == nullptr) {
    return {};
  }
  if (attribute->type() != onnx::AttributeProto::INTS) {
    fail_type(name, "INTS");
  }
  return {attribute->ints().begin(), attribute->ints().end()};
}

}  // namespace roofcast::graph
