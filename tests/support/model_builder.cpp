#include "model_builder.hpp"

#include <onnx/onnx_pb.h>

namespace roofcast::testing {

struct ModelBuilder::Impl {
  onnx::ModelProto model;
};

ModelBuilder::ModelBuilder(std::int64_t opset) : impl_(std::make_unique<Impl>()) {
  impl_->model.set_ir_version(8);
  impl_->model.set_producer_name("roofcast-tests");
  auto* import = impl_->model.add_opset_import();
  import->set_domain("");
  import->set_version(opset);
  impl_->model.mutable_graph()->set_name("test");
}

ModelBuilder::~ModelBuilder() = default;
ModelBuilder::ModelBuilder(ModelBuilder&&) noexcept = default;

ModelBuilder& ModelBuilder::input(const std::string& name, const std::vector<Dim>& shape,
                                  int dtype) {
  auto* input = impl_->model.mutable_graph()->add_input();
  input->set_name(name);
  auto* type = input->mutable_type()->mutable_tensor_type();
  type->set_elem_type(dtype);
  auto* proto_shape = type->mutable_shape();
  for (const Dim& dim : shape) {
    auto* d = proto_shape->add_dim();
    if (dim.param.empty()) {
      d->set_dim_value(dim.value);
    } else {
      d->set_dim_param(dim.param);
    }
  }
  return *this;
}

ModelBuilder& ModelBuilder::shapeless_input(const std::string& name, int dtype) {
  auto* input = impl_->model.mutable_graph()->add_input();
  input->set_name(name);
  input->mutable_type()->mutable_tensor_type()->set_elem_type(dtype);
  return *this;
}

ModelBuilder& ModelBuilder::weight(const std::string& name, const std::vector<std::int64_t>& dims,
                                   int dtype) {
  auto* tensor = impl_->model.mutable_graph()->add_initializer();
  tensor->set_name(name);
  tensor->set_data_type(dtype);
  for (const auto d : dims) {
    tensor->add_dims(d);
  }
  return *this;
}

ModelBuilder& ModelBuilder::external_weight(const std::string& name,
                                            const std::vector<std::int64_t>& dims,
                                            const std::string& location) {
  weight(name, dims);
  auto* tensor = impl_->model.mutable_graph()->mutable_initializer(
      impl_->model.graph().initializer_size() - 1);
  tensor->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* entry = tensor->add_external_data();
  entry->set_key("location");
  entry->set_value(location);
  return *this;
}

ModelBuilder& ModelBuilder::int64s(const std::string& name, const std::vector<std::int64_t>& values) {
  auto* tensor = impl_->model.mutable_graph()->add_initializer();
  tensor->set_name(name);
  tensor->set_data_type(onnx::TensorProto::INT64);
  tensor->add_dims(static_cast<std::int64_t>(values.size()));
  for (const auto v : values) {
    tensor->add_int64_data(v);
  }
  return *this;
}

ModelBuilder& ModelBuilder::scalar(const std::string& name, float value) {
  auto* tensor = impl_->model.mutable_graph()->add_initializer();
  tensor->set_name(name);
  tensor->set_data_type(onnx::TensorProto::FLOAT);
  tensor->add_float_data(value);
  return *this;
}

ModelBuilder& ModelBuilder::node(const std::string& op_type, const std::vector<std::string>& inputs,
                                 const std::vector<std::string>& outputs,
                                 const std::vector<Attr>& attributes, const std::string& name,
                                 const std::string& domain) {
  auto* node = impl_->model.mutable_graph()->add_node();
  node->set_op_type(op_type);
  node->set_name(name);
  node->set_domain(domain);
  for (const auto& input : inputs) {
    node->add_input(input);
  }
  for (const auto& output : outputs) {
    node->add_output(output);
  }
  for (const auto& attribute : attributes) {
    auto* a = node->add_attribute();
    a->set_name(attribute.name);
    if (const auto* i = std::get_if<std::int64_t>(&attribute.value)) {
      a->set_type(onnx::AttributeProto::INT);
      a->set_i(*i);
    } else if (const auto* f = std::get_if<double>(&attribute.value)) {
      a->set_type(onnx::AttributeProto::FLOAT);
      a->set_f(static_cast<float>(*f));
    } else if (const auto* s = std::get_if<std::string>(&attribute.value)) {
      a->set_type(onnx::AttributeProto::STRING);
      a->set_s(*s);
    } else {
      a->set_type(onnx::AttributeProto::INTS);
      for (const auto v : std::get<std::vector<std::int64_t>>(attribute.value)) {
        a->add_ints(v);
      }
    }
  }
  return *this;
}

ModelBuilder& ModelBuilder::output(const std::string& name) {
  impl_->model.mutable_graph()->add_output()->set_name(name);
  return *this;
}

ModelBuilder& ModelBuilder::opset_import(const std::string& domain, std::int64_t version) {
  for (auto& import : *impl_->model.mutable_opset_import()) {
    if (import.domain() == domain) {
      import.set_version(version);
      return *this;
    }
  }
  auto* import = impl_->model.add_opset_import();
  import->set_domain(domain);
  import->set_version(version);
  return *this;
}

ModelBuilder& ModelBuilder::ir_version(std::int64_t version) {
  impl_->model.set_ir_version(version);
  return *this;
}

std::string ModelBuilder::bytes() const { return impl_->model.SerializeAsString(); }

}  // namespace roofcast::testing
