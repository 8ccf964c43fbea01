#include "roofcast/graph/load.hpp"

#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/defs/shape_inference.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <optional>
#include <queue>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "attribute_reader.hpp"
#include "isolated_inference.hpp"
#include "op_registry.hpp"
#include "shape_folding.hpp"
#include "roofcast/common/checked.hpp"
#include "one_line.hpp"
#include "roofcast/common/error.hpp"
#include "roofcast/common/hash.hpp"

namespace roofcast::graph {
namespace {

std::string node_label(const onnx::NodeProto& node, int index) {
  const std::string name = node.name().empty() ? node.op_type() + "_" + std::to_string(index)
                                               : node.name();
  return "node '" + name + "' (" + node.op_type() + ")";
}

/// The one value of a typed field (`float_data`, `double_data`) or of raw
/// little-endian bytes holding one T; nullopt for any other count.
template <typename T, typename Field>
std::optional<double> one_value(const Field& typed, const std::string& raw) {
  if (typed.size() == 1) {
    return typed.Get(0);
  }
  if (raw.size() == sizeof(T)) {
    T value{};
    std::memcpy(&value, raw.data(), sizeof value);
    return value;
  }
  return std::nullopt;
}

/// The value of a one-element FLOAT or DOUBLE tensor whose data the proto
/// holds; nullopt otherwise.
std::optional<double> float_scalar(const onnx::TensorProto& t) {
  for (const auto dim : t.dims()) {
    if (dim != 1) {  // one element has every dimension 1 (no product: a file's dims may overflow it)
      return std::nullopt;
    }
  }
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT: return one_value<float>(t.float_data(), t.raw_data());
    case onnx::TensorProto::DOUBLE: return one_value<double>(t.double_data(), t.raw_data());
    default: return std::nullopt;
  }
}

/// A Constant node's value when it is a floating-point scalar (`value` or `value_float`).
std::optional<double> constant_scalar(const onnx::NodeProto& node) {
  for (const auto& attribute : node.attribute()) {
    if (attribute.name() == "value_float" && attribute.type() == onnx::AttributeProto::FLOAT) {
      return attribute.f();
    }
    if (attribute.name() == "value" && attribute.type() == onnx::AttributeProto::TENSOR) {
      return float_scalar(attribute.t());
    }
  }
  return std::nullopt;
}

std::string normalized_domain(const std::string& domain) {
  return domain == "ai.onnx" ? std::string() : domain;
}

std::string shape_example(const onnx::TensorShapeProto& shape) {
  std::string text;
  for (int i = 0; i < shape.dim_size(); ++i) {
    if (i > 0) {
      text += 'x';
    }
    text += shape.dim(i).has_dim_value() ? std::to_string(shape.dim(i).dim_value()) : "1";
  }
  return text;
}

/// The loader: one pass per concern, each throwing a ModelError that names
/// the file and what is wrong.
class Loader {
 public:
  Loader(std::string source, const LoadOptions& options) : source_(std::move(source)), options_(options) {}

  Graph load(std::string_view bytes) {
    parse(bytes);
    check_opsets();
    sort_nodes();
    check_initializers();
    resolve_inputs();
    verify_nodes();
    infer_shapes();
    Graph graph = build_graph();
    graph.model_hash = fnv1a64_hex(bytes);
    return graph;
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw ModelError(source_ + ": " + message);
  }

  void parse(std::string_view bytes) {
    if (bytes.empty()) {
      fail("empty file, not an ONNX model");
    }
    if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
      fail("file larger than 2 GiB; keep weights in external data files");
    }
    if (!model_.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      fail("not a valid ONNX model (protobuf parsing failed: the file is truncated, corrupt or "
           "of another format)");
    }
    if (model_.ir_version() <= 0 || !model_.has_graph()) {
      fail("not an ONNX model (no ir_version or no graph)");
    }
  }

  void check_opsets() {
    const auto& ranges = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
    for (const auto& opset : model_.opset_import()) {
      const std::string domain = normalized_domain(opset.domain());
      if (opset.version() < 1) {
        fail("opset_import for domain '" + (domain.empty() ? "ai.onnx" : domain) +
             "' has invalid version " + std::to_string(opset.version()));
      }
      const auto range = ranges.find(domain);
      if (range != ranges.end() && opset.version() > range->second.second) {
        fail("opset " + std::to_string(opset.version()) + " of domain '" +
             (domain.empty() ? "ai.onnx" : domain) +
             "' is newer than this build's onnx library can infer (at most " +
             std::to_string(range->second.second) + "); re-export the model with opset <= " +
             std::to_string(range->second.second));
      }
      opsets_[domain] = opset.version();
    }
    if (opsets_.find("") == opsets_.end()) {
      for (const auto& node : model_.graph().node()) {
        if (normalized_domain(node.domain()).empty()) {
          fail("no opset_import for the default ONNX domain, but " + node_label(node, 0) +
               " uses it");
        }
      }
    }
  }

  /// Checks every tensor has one producer and puts the nodes in a stable
  /// topological order (the file's order where it is valid); a cycle or an
  /// input nothing produces is an error naming the node.
  void sort_nodes() {
    auto* graph = model_.mutable_graph();
    std::unordered_set<std::string> available;
    for (const auto& initializer : graph->initializer()) {
      available.insert(initializer.name());
    }
    for (const auto& input : graph->input()) {
      available.insert(input.name());
    }
    std::unordered_map<std::string, int> producer;
    const int count = graph->node_size();
    for (int i = 0; i < count; ++i) {
      for (const auto& output : graph->node(i).output()) {
        if (output.empty()) {
          continue;
        }
        if (available.count(output) != 0 || !producer.emplace(output, i).second) {
          fail(node_label(graph->node(i), i) + " writes tensor '" + output +
               "', which already has another producer");
        }
      }
    }
    std::vector<int> pending(static_cast<std::size_t>(count), 0);
    std::vector<std::vector<int>> consumers(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
      std::set<int> dependencies;
      for (const auto& input : graph->node(i).input()) {
        if (input.empty() || available.count(input) != 0) {
          continue;
        }
        const auto it = producer.find(input);
        if (it == producer.end()) {
          fail(node_label(graph->node(i), i) + " reads tensor '" + input +
               "', which no node, initializer or graph input provides");
        }
        dependencies.insert(it->second);
      }
      pending[static_cast<std::size_t>(i)] = static_cast<int>(dependencies.size());
      for (const int dependency : dependencies) {
        consumers[static_cast<std::size_t>(dependency)].push_back(i);
      }
    }
    std::priority_queue<int, std::vector<int>, std::greater<>> ready;
    for (int i = 0; i < count; ++i) {
      if (pending[static_cast<std::size_t>(i)] == 0) {
        ready.push(i);
      }
    }
    std::vector<int> order;
    order.reserve(static_cast<std::size_t>(count));
    while (!ready.empty()) {
      const int next = ready.top();
      ready.pop();
      order.push_back(next);
      for (const int consumer : consumers[static_cast<std::size_t>(next)]) {
        if (--pending[static_cast<std::size_t>(consumer)] == 0) {
          ready.push(consumer);
        }
      }
    }
    if (static_cast<int>(order.size()) != count) {
      for (int i = 0; i < count; ++i) {
        if (pending[static_cast<std::size_t>(i)] > 0) {
          fail("the graph has a cycle through " + node_label(graph->node(i), i) + " (" +
               std::to_string(count - static_cast<int>(order.size())) +
               " nodes cannot be ordered)");
        }
      }
    }
    google::protobuf::RepeatedPtrField<onnx::NodeProto> sorted;
    sorted.Reserve(count);
    for (const int index : order) {
      sorted.Add()->Swap(graph->mutable_node(index));
    }
    graph->mutable_node()->Swap(&sorted);
  }

  void check_initializers() {
    for (const auto& initializer : model_.graph().initializer()) {
      std::vector<std::int64_t> dims(initializer.dims().begin(), initializer.dims().end());
      for (const std::int64_t dim : dims) {
        if (dim < 0) {
          fail("initializer '" + initializer.name() + "' has a negative dimension " +
               std::to_string(dim));
        }
      }
      checked_product(dims, source_ + ": initializer '" + initializer.name() + "'");
      initializer_names_.insert(initializer.name());
    }
  }

  /// Makes every graph input's shape static from --input-shape and --dim.
  void resolve_inputs() {
    auto* graph = model_.mutable_graph();
    std::set<std::string> real_inputs;
    for (const auto& input : graph->input()) {
      if (initializer_names_.count(input.name()) == 0) {
        real_inputs.insert(input.name());
      }
    }
    for (const auto& [name, shape] : options_.input_shapes) {
      if (real_inputs.count(name) == 0) {
        throw UsageError("--input-shape " + name + ": " + source_ + " has no input named '" +
                         name + "' (its inputs: " + join(real_inputs) + ")");
      }
    }
    // Every --dim must name a symbolic dimension of some input.
    std::set<std::string> symbolic_dims;
    for (const auto& input : graph->input()) {
      if (real_inputs.count(input.name()) == 0 || !input.type().has_tensor_type()) {
        continue;
      }
      for (const auto& dim : input.type().tensor_type().shape().dim()) {
        if (dim.has_dim_param()) {
          symbolic_dims.insert(dim.dim_param());
        }
      }
    }
    for (const auto& [name, value] : options_.dims) {
      if (symbolic_dims.count(name) == 0) {
        throw UsageError("--dim " + name + ": no input of " + source_ +
                         " has a symbolic dimension named '" + name + "'" +
                         (symbolic_dims.empty() ? std::string(" (it has none)")
                                                : " (it has: " + join(symbolic_dims) + ")"));
      }
      if (value < 0) {
        throw UsageError("--dim " + name + "=" + std::to_string(value) + ": must not be negative");
      }
    }
    for (auto& input : *graph->mutable_input()) {
      if (real_inputs.count(input.name()) == 0) {
        continue;
      }
      if (!input.type().has_tensor_type()) {
        fail("input '" + input.name() + "' is not a tensor; roofcast supports tensor inputs only");
      }
      auto* tensor_type = input.mutable_type()->mutable_tensor_type();
      const auto given = options_.input_shapes.find(input.name());
      if (given != options_.input_shapes.end()) {
        if (tensor_type->has_shape() &&
            tensor_type->shape().dim_size() != static_cast<int>(given->second.size())) {
          throw UsageError("--input-shape " + input.name() + ": rank " +
                           std::to_string(given->second.size()) + " given, but input '" +
                           input.name() + "' of " + source_ + " has rank " +
                           std::to_string(tensor_type->shape().dim_size()));
        }
        auto* shape = tensor_type->mutable_shape();
        shape->clear_dim();
        for (const std::int64_t value : given->second) {
          shape->add_dim()->set_dim_value(value);
        }
        continue;
      }
      if (!tensor_type->has_shape()) {
        fail("input '" + input.name() + "' has no shape; give one with --input-shape " +
             input.name() + "=1x3x224x224 (for example)");
      }
      auto* shape = tensor_type->mutable_shape();
      for (int axis = 0; axis < shape->dim_size(); ++axis) {
        auto* dim = shape->mutable_dim(axis);
        if (dim->has_dim_value()) {
          if (dim->dim_value() < 0) {
            fail("input '" + input.name() + "' dimension " + std::to_string(axis) +
                 " is negative (" + std::to_string(dim->dim_value()) + ")");
          }
          continue;
        }
        if (dim->has_dim_param()) {
          const std::string param = dim->dim_param();
          const auto value = options_.dims.find(param);
          if (value != options_.dims.end()) {
            dim->set_dim_value(value->second);
            continue;
          }
          fail("input '" + input.name() + "' dimension " + std::to_string(axis) +
               " is symbolic ('" + param + "'); resolve it with --dim " + param +
               "=VALUE or --input-shape " + input.name() + "=" + shape_example(*shape));
        }
        fail("input '" + input.name() + "' dimension " + std::to_string(axis) +
             " is unknown; give the shape with --input-shape " + input.name() + "=" +
             shape_example(*shape));
      }
    }
    // Shapes are inferred afresh from the resolved inputs.
    graph->clear_value_info();
    for (auto& output : *graph->mutable_output()) {
      if (output.type().has_tensor_type()) {
        output.mutable_type()->mutable_tensor_type()->clear_shape();
      }
    }
  }

  static std::string join(const std::set<std::string>& names) {
    std::string text;
    for (const auto& name : names) {
      text += (text.empty() ? "" : ", ") + name;
    }
    return text.empty() ? "none" : text;
  }

  /// The operator version `layer` resolves to under the model's opset (0 for
  /// custom domains, which have no schema here).
  std::int64_t since_version(const Layer& layer) const {
    if (!layer.domain.empty() && layer.domain != "ai.onnx.ml") {
      return 0;
    }
    const auto opset = opsets_.find(layer.domain);
    if (opset == opsets_.end()) {
      return 0;
    }
    const auto* schema = onnx::OpSchemaRegistry::Schema(layer.op_type, static_cast<int>(opset->second), layer.domain);
    return schema == nullptr ? 0 : schema->SinceVersion();
  }

  /// Checks each default-domain node against its schema (attribute names and
  /// types, input and output counts) for the model's opset.
  void verify_nodes() {
    const auto& nodes = model_.graph().node();
    for (int i = 0; i < nodes.size(); ++i) {
      const auto& node = nodes.Get(i);
      const std::string domain = normalized_domain(node.domain());
      const auto opset = opsets_.find(domain);
      if (opset == opsets_.end()) {
        if (domain.empty()) {
          fail(node_label(node, i) + " uses the default domain, which has no opset_import");
        }
        continue;  // custom domain without opset_import: left unsupported
      }
      if (!domain.empty() && domain != "ai.onnx.ml") {
        continue;  // custom domains have no schema here; the op is reported unsupported
      }
      const auto* schema = onnx::OpSchemaRegistry::Schema(node.op_type(), static_cast<int>(opset->second),
                                                          domain);
      if (schema == nullptr) {
        fail(node_label(node, i) + " is not an operator of opset " +
             std::to_string(opset->second) + (domain.empty() ? "" : " of domain " + domain));
      }
      try {
        schema->Verify(node);
      } catch (const std::exception& error) {
        fail(node_label(node, i) + ": " + one_line(error.what()));
      }
    }
  }

  /// The onnx library's shape inference with data propagation; where that
  /// leaves a node output without a static shape, integer shape computations
  /// are folded into constants and inference runs again. A network whose every
  /// block computes its shapes from the last block's output (Swin's windows)
  /// needs a pass per block; each pass folds at least one node away, so the
  /// passes end.
  void infer_shapes() {
    const onnx::ShapeInferenceOptions options(/*check_type_val=*/true, /*strict_mode_val=*/1,
                                              /*data_prop_val=*/true);
    for (;;) {
      infer_shapes_isolated(model_, options, source_);
      if (all_outputs_static()) {
        return;
      }
      const int folded = fold_shape_computations(model_);
      if (folded == 0) {
        return;  // build_graph names the tensor that stayed unknown
      }
      folded_layers_ += folded;
    }
  }

  bool all_outputs_static() const {
    std::unordered_set<std::string> known;
    for (const auto* infos : {&model_.graph().value_info(), &model_.graph().output()}) {
      for (const auto& info : *infos) {
        const auto& type = info.type();
        if (!type.has_tensor_type() || !type.tensor_type().has_shape()) {
          continue;
        }
        bool all = true;
        for (const auto& dim : type.tensor_type().shape().dim()) {
          all = all && dim.has_dim_value();
        }
        if (all) {
          known.insert(info.name());
        }
      }
    }
    for (const auto& node : model_.graph().node()) {
      for (const auto& output : node.output()) {
        if (!output.empty() && known.count(output) == 0) {
          return false;
        }
      }
    }
    return true;
  }

  TensorId add_tensor(Graph& graph, const std::string& name, TensorKind kind) {
    const auto [it, inserted] = ids_.emplace(name, static_cast<TensorId>(graph.tensors.size()));
    if (inserted) {
      Tensor tensor;
      tensor.name = name;
      tensor.kind = kind;
      graph.tensors.push_back(std::move(tensor));
    }
    return it->second;
  }

  void set_static_type(Tensor& tensor, const onnx::TypeProto& type, const std::string& origin) {
    if (!type.has_tensor_type()) {
      fail("tensor '" + tensor.name + "'" + origin +
           " is not a plain tensor (sequence, map or optional); roofcast supports tensors only");
    }
    const auto& tensor_type = type.tensor_type();
    tensor.dtype = dtype_from_onnx(tensor_type.elem_type());
    if (!tensor_type.has_shape()) {
      fail("shape inference gave no shape for tensor '" + tensor.name + "'" + origin +
           "; roofcast needs static shapes");
    }
    tensor.shape.clear();
    for (int axis = 0; axis < tensor_type.shape().dim_size(); ++axis) {
      const auto& dim = tensor_type.shape().dim(axis);
      if (!dim.has_dim_value()) {
        fail("tensor '" + tensor.name + "'" + origin + " dimension " + std::to_string(axis) +
             (dim.has_dim_param() ? " is symbolic ('" + dim.dim_param() + "')" : " is unknown") +
             " after shape inference; roofcast needs static shapes");
      }
      if (dim.dim_value() < 0) {
        fail("tensor '" + tensor.name + "'" + origin + " has a negative dimension " +
             std::to_string(dim.dim_value()));
      }
      tensor.shape.push_back(dim.dim_value());
    }
    tensor.elements = checked_product(tensor.shape, source_ + ": tensor '" + tensor.name + "'");
  }

  Graph build_graph() {
    const auto& proto = model_.graph();
    Graph graph;
    graph.source = source_;
    graph.producer = model_.producer_name() +
                     (model_.producer_version().empty() ? "" : " " + model_.producer_version());
    graph.ir_version = model_.ir_version();
    graph.opsets = opsets_;
    graph.folded_layers = folded_layers_;
    for (const auto& entry : model_.metadata_props()) {
      graph.metadata[entry.key()] = entry.value();
    }

    std::unordered_map<std::string, const onnx::TypeProto*> types;
    for (const auto* infos : {&proto.value_info(), &proto.output()}) {
      for (const auto& info : *infos) {
        if (info.type().value_case() != onnx::TypeProto::VALUE_NOT_SET) {
          types[info.name()] = &info.type();
        }
      }
    }

    for (const auto& initializer : proto.initializer()) {
      const TensorId id = add_tensor(graph, initializer.name(), TensorKind::kInitializer);
      Tensor& tensor = graph.tensors[static_cast<std::size_t>(id)];
      tensor.dtype = dtype_from_onnx(initializer.data_type());
      tensor.shape.assign(initializer.dims().begin(), initializer.dims().end());
      tensor.elements = checked_product(tensor.shape, source_ + ": initializer '" + tensor.name + "'");
      tensor.has_data = !initializer.raw_data().empty() || initializer.float_data_size() > 0 ||
                        initializer.int32_data_size() > 0 || initializer.int64_data_size() > 0 ||
                        initializer.double_data_size() > 0 || initializer.uint64_data_size() > 0 ||
                        initializer.string_data_size() > 0 || tensor.elements == 0;
      tensor.scalar_value = float_scalar(initializer);
    }
    for (const auto& input : proto.input()) {
      if (initializer_names_.count(input.name()) != 0) {
        continue;
      }
      const TensorId id = add_tensor(graph, input.name(), TensorKind::kInput);
      set_static_type(graph.tensors[static_cast<std::size_t>(id)], input.type(), " (graph input)");
      graph.inputs.push_back(id);
    }

    const std::int64_t opset = graph.default_opset();
    const auto& nodes = proto.node();
    for (int i = 0; i < nodes.size(); ++i) {
      const auto& node = nodes.Get(i);
      Layer layer;
      layer.name = node.name().empty() ? node.op_type() + "_" + std::to_string(i) : node.name();
      layer.op_type = node.op_type();
      layer.domain = normalized_domain(node.domain());
      layer.since_version = since_version(layer);
      for (const auto& name : node.input()) {
        layer.inputs.push_back(name.empty() ? kNoTensor : ids_.at(name));
      }
      const bool is_constant = layer.domain.empty() && layer.op_type == "Constant";
      const std::string origin = " (output of node '" + layer.name + "', " + layer.op_type + ")";
      for (const auto& name : node.output()) {
        if (name.empty()) {
          layer.outputs.push_back(kNoTensor);
          continue;
        }
        const TensorId id =
            add_tensor(graph, name, is_constant ? TensorKind::kConstant : TensorKind::kIntermediate);
        Tensor& tensor = graph.tensors[static_cast<std::size_t>(id)];
        const auto type = types.find(name);
        if (type == types.end()) {
          fail("shape inference gave no type for tensor '" + name + "'" + origin +
               (has_cost_entry(layer.domain, layer.op_type)
                    ? std::string()
                    : "; op '" + (layer.domain.empty() ? "" : layer.domain + ":") + layer.op_type +
                          "' has no shape inference in the onnx library") +
               "; roofcast needs static shapes");
        }
        set_static_type(tensor, *type->second, origin);
        tensor.has_data = is_constant;
        if (is_constant) {
          tensor.scalar_value = constant_scalar(node);
        }
        layer.outputs.push_back(id);
      }
      const AttributeReader reader(node, layer.name);
      layer.attributes = parse_layer_attributes(reader, layer.domain, layer.op_type, opset);
      graph.layers.push_back(std::move(layer));
    }
    for (const auto& output : proto.output()) {
      const auto it = ids_.find(output.name());
      if (it == ids_.end()) {
        fail("graph output '" + output.name() + "' is not produced by any node");
      }
      graph.tensors[static_cast<std::size_t>(it->second)].is_graph_output = true;
      graph.outputs.push_back(it->second);
    }
    return graph;
  }

  std::string source_;
  const LoadOptions& options_;
  onnx::ModelProto model_;
  std::map<std::string, std::int64_t> opsets_;
  std::unordered_set<std::string> initializer_names_;
  std::unordered_map<std::string, TensorId> ids_;
  int folded_layers_ = 0;
};

}  // namespace

Graph load_graph_from_bytes(std::string_view bytes, const std::string& source,
                            const LoadOptions& options) {
  return Loader(source, options).load(bytes);
}

Graph load_graph(const std::filesystem::path& path, const LoadOptions& options) {
  std::string bytes;
  try {
    bytes = read_file_bytes(path);
  } catch (const IoError& error) {
    throw ModelError(error.what());
  }
  return load_graph_from_bytes(bytes, path.string(), options);
}

std::vector<std::int64_t> parse_shape(std::string_view text, std::string_view what) {
  std::vector<std::int64_t> shape;
  if (text.empty()) {
    throw UsageError(std::string(what) + ": empty shape (expected e.g. 1x3x224x224)");
  }
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = text.find_first_of("x,", start);
    const std::string_view part =
        text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    std::int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || ptr != part.data() + part.size() || value < 0) {
      throw UsageError(std::string(what) + ": '" + std::string(text) +
                       "' is not a shape (expected non-negative integers joined by 'x', e.g. "
                       "1x3x224x224)");
    }
    shape.push_back(value);
    if (end == std::string_view::npos) {
      break;
    }
    start = end + 1;
  }
  return shape;
}

}  // namespace roofcast::graph
