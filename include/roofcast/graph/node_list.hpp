#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace roofcast::graph {

/// A node as a file lists it: names only, no shapes or typed attributes. Used
/// to read a runtime's optimized graph (with ops of its own domains, which
/// roofcast's loader does not accept) to map its kernels back to layers.
struct NodeRecord {
  std::string name;
  std::string op_type;
  std::string domain;
  std::vector<std::string> inputs;   ///< "" for an omitted optional input
  std::vector<std::string> outputs;
  std::map<std::string, std::string> text_attributes;  ///< its STRING attributes (e.g. activation=Relu)
};

/// The nodes of a model's main graph, in file order. ModelError naming the file
/// when it is missing or not ONNX.
std::vector<NodeRecord> read_node_list(const std::filesystem::path& path);

}  // namespace roofcast::graph
