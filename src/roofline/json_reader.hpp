#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace roofcast::roofline {

/// Strict, typed access to one JSON object: every key read is recorded, and
/// finish() rejects the ones nobody asked for. Errors are ProfileErrors
/// "<source>: <key.path>: <problem>".
class JsonObject {
 public:
  JsonObject(const nlohmann::json& value, std::string source, std::string path);

  bool has(std::string_view key) const;
  bool is_null(std::string_view key) const;
  JsonObject object(std::string_view key);
  /// A required key of any type, recorded as read.
  const nlohmann::json& raw(std::string_view key) { return required(key); }
  const nlohmann::json& array(std::string_view key);
  std::string string(std::string_view key);
  std::string optional_string(std::string_view key);
  double number(std::string_view key);
  std::int64_t integer(std::string_view key);
  bool boolean(std::string_view key);
  /// The keys of this object (for maps such as peak_gflops).
  std::vector<std::string> keys() const;

  /// Error if the object holds a key that was never read.
  void finish() const;

  std::string path_of(std::string_view key) const;
  [[noreturn]] void fail(std::string_view key, const std::string& problem) const;
  const std::string& source() const { return source_; }

 private:
  const nlohmann::json& required(std::string_view key);

  const nlohmann::json& value_;
  std::string source_;
  std::string path_;
  std::vector<std::string> read_;
};

}  // namespace roofcast::roofline
