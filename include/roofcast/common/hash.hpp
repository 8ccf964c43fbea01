#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace roofcast {

/// 64-bit FNV-1a of `bytes`, as 16 lower-case hex digits. Identifies a model or
/// profile file in result context blocks; it is not a cryptographic hash.
std::string fnv1a64_hex(std::string_view bytes);

/// Whole-file contents; throws IoError naming the file when it cannot be read.
std::string read_file_bytes(const std::filesystem::path& path);

/// Writes `bytes` to `path` through a temporary file in the same directory and
/// a rename, so a failed write never leaves a half-written file behind.
/// Throws IoError naming the file.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace roofcast
