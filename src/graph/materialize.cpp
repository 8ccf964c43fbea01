#include "roofcast/graph/materialize.hpp"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <system_error>

#include "roofcast/common/checked.hpp"
#include "roofcast/common/error.hpp"
#include "roofcast/common/hash.hpp"
#include "roofcast/graph/tensor.hpp"

namespace roofcast::graph {
namespace {

bool has_inline_data(const onnx::TensorProto& tensor) {
  return !tensor.raw_data().empty() || tensor.float_data_size() > 0 ||
         tensor.int32_data_size() > 0 || tensor.int64_data_size() > 0 ||
         tensor.double_data_size() > 0 || tensor.uint64_data_size() > 0 ||
         tensor.string_data_size() > 0;
}

std::uint16_t float_to_half_bits(float value) {
  std::uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  const std::uint32_t sign = (bits >> 16) & 0x8000u;
  const int exponent = static_cast<int>((bits >> 23) & 0xff) - 127 + 15;
  const std::uint32_t mantissa = (bits >> 13) & 0x3ffu;
  if (exponent <= 0) {
    return static_cast<std::uint16_t>(sign);
  }
  return static_cast<std::uint16_t>(sign | (static_cast<std::uint32_t>(exponent) << 10) | mantissa);
}

/// Random little-endian raw_data for `elements` values of `dtype`: floats
/// uniform in [low, high], integers and booleans zero.
std::string random_raw_data(DType dtype, std::int64_t elements, float low, float high,
                            std::mt19937_64& rng) {
  const std::int64_t size = dtype_size_bytes(dtype);
  std::string bytes(static_cast<std::size_t>(checked_mul(elements, size, "random weights")), '\0');
  std::uniform_real_distribution<float> uniform(low, high);
  char* out = bytes.data();
  for (std::int64_t i = 0; i < elements; ++i) {
    switch (dtype) {
      case DType::kFloat32: {
        const float value = uniform(rng);
        std::memcpy(out + i * 4, &value, 4);
        break;
      }
      case DType::kFloat64: {
        const double value = uniform(rng);
        std::memcpy(out + i * 8, &value, 8);
        break;
      }
      case DType::kFloat16: {
        const std::uint16_t value = float_to_half_bits(uniform(rng));
        std::memcpy(out + i * 2, &value, 2);
        break;
      }
      case DType::kBFloat16: {
        const float value = uniform(rng);
        std::uint32_t bits = 0;
        std::memcpy(&bits, &value, 4);
        const auto half = static_cast<std::uint16_t>(bits >> 16);
        std::memcpy(out + i * 2, &half, 2);
        break;
      }
      default:
        break;  // integers, booleans: zero
    }
  }
  return bytes;
}

/// Initializers that feed a BatchNormalization's variance (input 4) must be positive.
std::set<std::string> variance_inputs(const onnx::GraphProto& graph) {
  std::set<std::string> names;
  for (const auto& node : graph.node()) {
    if (node.op_type() == "BatchNormalization" && node.input_size() > 4) {
      names.insert(node.input(4));
    }
  }
  return names;
}

/// Reads an initializer's external data, when its file exists; returns false if it does not.
bool read_external(onnx::TensorProto& tensor, const std::filesystem::path& model_dir,
                   const std::string& source) {
  std::string location;
  std::int64_t offset = 0;
  std::int64_t length = -1;
  for (const auto& entry : tensor.external_data()) {
    if (entry.key() == "location") {
      location = entry.value();
    } else if (entry.key() == "offset") {
      offset = std::stoll(entry.value());
    } else if (entry.key() == "length") {
      length = std::stoll(entry.value());
    }
  }
  const std::filesystem::path file = model_dir / location;
  std::error_code ec;
  if (location.empty() || !std::filesystem::is_regular_file(file, ec)) {
    return false;
  }
  const std::int64_t expected =
      checked_mul(checked_product(std::vector<std::int64_t>(tensor.dims().begin(), tensor.dims().end()),
                                  source + ": initializer '" + tensor.name() + "'"),
                  dtype_size_bytes(dtype_from_onnx(tensor.data_type())), tensor.name());
  if (length < 0) {
    length = expected;
  }
  std::ifstream in(file, std::ios::binary);
  in.seekg(offset);
  std::string bytes(static_cast<std::size_t>(length), '\0');
  in.read(bytes.data(), length);
  if (!in || length != expected) {
    throw ModelError(source + ": external data of initializer '" + tensor.name() + "' in " +
                     file.string() + " is short or does not match its shape");
  }
  tensor.set_raw_data(std::move(bytes));
  return true;
}

}  // namespace

std::string materialize_model_bytes(const std::string& bytes, const std::string& source,
                                    const std::filesystem::path& model_dir,
                                    const MaterializeOptions& options, MaterializeReport* report_out) {
  onnx::ModelProto model;
  if (bytes.empty() || bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
      !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) || !model.has_graph()) {
    throw ModelError(source + ": not a valid ONNX model (protobuf parsing failed or no graph)");
  }
  MaterializeReport report;
  std::mt19937_64 rng(options.seed);
  const auto positive = variance_inputs(model.graph());
  for (auto& tensor : *model.mutable_graph()->mutable_initializer()) {
    const DType dtype = dtype_from_onnx(tensor.data_type());
    if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
      const bool found = !model_dir.empty() && read_external(tensor, model_dir, source);
      tensor.clear_external_data();
      tensor.clear_data_location();
      if (found) {
        report.initializers_inlined += 1;
        continue;
      }
    } else if (has_inline_data(tensor)) {
      report.initializers_kept += 1;
      continue;
    }
    if (dtype == DType::kString || dtype == DType::kUndefined) {
      throw ModelError(source + ": initializer '" + tensor.name() + "' of type " +
                       std::string(dtype_name(dtype)) + " has no data and cannot be filled");
    }
    const std::int64_t elements = checked_product(
        std::vector<std::int64_t>(tensor.dims().begin(), tensor.dims().end()),
        source + ": initializer '" + tensor.name() + "'");
    const bool variance = positive.count(tensor.name()) != 0;
    tensor.set_raw_data(random_raw_data(dtype, elements, variance ? 0.5f : -0.1f,
                                        variance ? 1.5f : 0.1f, rng));
    report.initializers_filled += 1;
    report.bytes_filled += static_cast<std::int64_t>(tensor.raw_data().size());
  }
  bool marked = false;
  for (auto& entry : *model.mutable_metadata_props()) {
    if (entry.key() == "roofcast.graph_only") {
      entry.set_value("false");
      marked = true;
    }
  }
  if (!marked) {
    auto* entry = model.add_metadata_props();
    entry->set_key("roofcast.graph_only");
    entry->set_value("false");
  }
  auto* seed_entry = model.add_metadata_props();
  seed_entry->set_key("roofcast.random_weights_seed");
  seed_entry->set_value(std::to_string(options.seed));
  std::string serialized;
  if (!model.SerializeToString(&serialized)) {
    throw ModelError(source + ": the runnable copy is too large to serialize (over 2 GiB); "
                              "keep weights in external data");
  }
  if (report_out != nullptr) {
    *report_out = report;
  }
  return serialized;
}

MaterializeReport materialize_model(const std::filesystem::path& input,
                                    const std::filesystem::path& output,
                                    const MaterializeOptions& options) {
  std::error_code ec;
  if (std::filesystem::exists(output, ec)) {
    if (std::filesystem::equivalent(input, output, ec)) {
      throw IoError(output.string() + ": refusing to overwrite the input model");
    }
    if (!options.overwrite) {
      throw IoError(output.string() + ": already exists (pass --force to replace it)");
    }
  }
  std::string bytes;
  try {
    bytes = read_file_bytes(input);
  } catch (const IoError& error) {
    throw ModelError(error.what());
  }
  MaterializeReport report;
  const std::string serialized =
      materialize_model_bytes(bytes, input.string(), input.parent_path(), options, &report);
  write_file_atomically(output, serialized);
  return report;
}

}  // namespace roofcast::graph
