#include "roofcast/common/checked.hpp"

#include <string>

#include "roofcast/common/error.hpp"

namespace roofcast {

std::int64_t checked_mul(std::int64_t a, std::int64_t b, std::string_view what) {
  std::int64_t result = 0;
  if (__builtin_mul_overflow(a, b, &result)) {
    throw ModelError(std::string(what) + ": count overflows 64 bits (" + std::to_string(a) +
                     " x " + std::to_string(b) + ")");
  }
  return result;
}

std::int64_t checked_add(std::int64_t a, std::int64_t b, std::string_view what) {
  std::int64_t result = 0;
  if (__builtin_add_overflow(a, b, &result)) {
    throw ModelError(std::string(what) + ": count overflows 64 bits (" + std::to_string(a) +
                     " + " + std::to_string(b) + ")");
  }
  return result;
}

std::int64_t checked_product(std::span<const std::int64_t> values, std::string_view what) {
  std::int64_t product = 1;
  for (const std::int64_t value : values) {
    if (value < 0) {
      throw ModelError(std::string(what) + ": negative dimension " + std::to_string(value));
    }
    product = checked_mul(product, value, what);
  }
  return product;
}

}  // namespace roofcast
