#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace roofcast {

/// a · b for counts (elements, FLOPs, bytes); throws ModelError naming `what`
/// on signed 64-bit overflow.
std::int64_t checked_mul(std::int64_t a, std::int64_t b, std::string_view what);

/// a + b for counts; throws ModelError naming `what` on signed 64-bit overflow.
std::int64_t checked_add(std::int64_t a, std::int64_t b, std::string_view what);

/// Π values (1 for an empty span); throws ModelError naming `what` on overflow
/// or on a negative factor.
std::int64_t checked_product(std::span<const std::int64_t> values, std::string_view what);

}  // namespace roofcast
