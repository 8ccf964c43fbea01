#pragma once

#include <cstdint>
#include <string>

namespace roofcast {

/// `value` scaled to k/M/G/T (powers of 1000) with `digits` decimals and the
/// suffix, e.g. 4.09G; plain for |value| < 1000.
std::string si_format(double value, int digits = 2);

/// `bytes` scaled to KiB/MiB/GiB (powers of 1024), e.g. "97.5 MiB".
std::string bytes_format(std::int64_t bytes);

}  // namespace roofcast
