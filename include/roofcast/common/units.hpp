#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace roofcast {

/// `value` scaled to k/M/G/T (powers of 1000) with `digits` decimals and the
/// suffix, e.g. 4.09G; plain for |value| < 1000.
std::string si_format(double value, int digits = 2);

/// `value` with three significant digits, an SI prefix and `unit`, e.g.
/// si_unit(2.56e12, "FLOP/s") == "2.56 TFLOP/s", si_unit(6.8e10, "B/s") == "68.0 GB/s".
std::string si_unit(double value, std::string_view unit);

/// `value` with exactly `digits` decimals, e.g. fixed_format(0.9104, 3) == "0.910".
std::string fixed_format(double value, int digits);

/// `bytes` scaled to KiB/MiB/GiB (powers of 1024), e.g. "97.5 MiB".
std::string bytes_format(std::int64_t bytes);

}  // namespace roofcast
