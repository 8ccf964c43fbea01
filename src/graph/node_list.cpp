#include "roofcast/graph/node_list.hpp"

#include <limits>
#include <onnx/onnx_pb.h>

#include "roofcast/common/error.hpp"
#include "roofcast/common/hash.hpp"

namespace roofcast::graph {

std::vector<NodeRecord> read_node_list(const std::filesystem::path& path) {
  std::string bytes;
  try {
    bytes = read_file_bytes(path);
  } catch (const IoError& error) {
    throw ModelError(error.what());
  }
  onnx::ModelProto model;
  if (bytes.empty() || bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
      !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) || !model.has_graph()) {
    throw ModelError(path.string() + ": not a valid ONNX model (protobuf parsing failed or no graph)");
  }
  std::vector<NodeRecord> nodes;
  nodes.reserve(static_cast<std::size_t>(model.graph().node_size()));
  for (const auto& node : model.graph().node()) {
    NodeRecord record;
    record.name = node.name();
    record.op_type = node.op_type();
    record.domain = node.domain();
    record.inputs.assign(node.input().begin(), node.input().end());
    record.outputs.assign(node.output().begin(), node.output().end());
    for (const auto& attribute : node.attribute()) {
      if (attribute.type() == onnx::AttributeProto::STRING) {
        record.text_attributes.emplace(attribute.name(), attribute.s());
      }
    }
    nodes.push_back(std::move(record));
  }
  return nodes;
}

}  // namespace roofcast::graph
