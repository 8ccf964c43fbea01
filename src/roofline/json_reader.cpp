#include "json_reader.hpp"

#include <algorithm>
#include <cmath>

#include "roofcast/common/error.hpp"

namespace roofcast::roofline {
namespace {

std::string type_name(const nlohmann::json& value) { return value.type_name(); }

}  // namespace

JsonObject::JsonObject(const nlohmann::json& value, std::string source, std::string path)
    : value_(value), source_(std::move(source)), path_(std::move(path)) {
  if (!value_.is_object()) {
    throw ProfileError(source_ + ": " + (path_.empty() ? "top level" : path_) +
                       ": must be an object, is " + type_name(value_));
  }
}

std::string JsonObject::path_of(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void JsonObject::fail(std::string_view key, const std::string& problem) const {
  throw ProfileError(source_ + ": " + path_of(key) + ": " + problem);
}

bool JsonObject::has(std::string_view key) const { return value_.contains(std::string(key)); }

bool JsonObject::is_null(std::string_view key) const {
  return has(key) && value_.at(std::string(key)).is_null();
}

const nlohmann::json& JsonObject::required(std::string_view key) {
  const auto it = value_.find(std::string(key));
  if (it == value_.end()) {
    fail(key, "missing (required)");
  }
  read_.emplace_back(key);
  return *it;
}

JsonObject JsonObject::object(std::string_view key) {
  const auto& value = required(key);
  if (!value.is_object()) {
    fail(key, "must be an object, is " + type_name(value));
  }
  return JsonObject(value, source_, path_of(key));
}

const nlohmann::json& JsonObject::array(std::string_view key) {
  const auto& value = required(key);
  if (!value.is_array()) {
    fail(key, "must be an array, is " + type_name(value));
  }
  return value;
}

std::string JsonObject::string(std::string_view key) {
  const auto& value = required(key);
  if (!value.is_string()) {
    fail(key, "must be a string, is " + type_name(value));
  }
  return value.get<std::string>();
}

std::string JsonObject::optional_string(std::string_view key) {
  return has(key) ? string(key) : std::string();
}

double JsonObject::number(std::string_view key) {
  const auto& value = required(key);
  if (!value.is_number()) {
    fail(key, "must be a number, is " + type_name(value));
  }
  const double number = value.get<double>();
  if (!std::isfinite(number)) {
    fail(key, "must be finite");
  }
  return number;
}

std::int64_t JsonObject::integer(std::string_view key) {
  const auto& value = required(key);
  if (!value.is_number_integer()) {
    fail(key, "must be an integer, is " + type_name(value));
  }
  return value.get<std::int64_t>();
}

bool JsonObject::boolean(std::string_view key) {
  const auto& value = required(key);
  if (!value.is_boolean()) {
    fail(key, "must be true or false, is " + type_name(value));
  }
  return value.get<bool>();
}

std::vector<std::string> JsonObject::keys() const {
  std::vector<std::string> keys;
  for (const auto& [key, unused] : value_.items()) {
    keys.push_back(key);
  }
  return keys;
}

void JsonObject::finish() const {
  for (const auto& [key, unused] : value_.items()) {
    if (std::find(read_.begin(), read_.end(), key) == read_.end()) {
      throw ProfileError(source_ + ": " + path_of(key) + ": unknown key");
    }
  }
}

}  // namespace roofcast::roofline
