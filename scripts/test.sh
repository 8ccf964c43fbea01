#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite: the release build's tests, the
# same tests under AddressSanitizer + UndefinedBehaviorSanitizer, and the
# loader's libFuzzer target for a bounded time.
# Usage: bash scripts/test.sh   (ROOFCAST_FUZZ_SECONDS=N to change the fuzzing time, 0 to skip)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="$(nproc)"
fuzz_seconds="${ROOFCAST_FUZZ_SECONDS:-60}"

bash scripts/setup.sh

echo "== release build and tests"
cmake --preset release -DROOFCAST_BUILD_TESTS=ON -DROOFCAST_BUILD_BENCH=ON
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs"

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build and tests"
cmake --preset asan
cmake --build --preset asan -j "$jobs"
ctest --preset asan -j "$jobs"

if [ "$fuzz_seconds" -gt 0 ]; then
  echo "== libFuzzer: the model loader for ${fuzz_seconds} s"
  cmake --preset fuzz
  cmake --build --preset fuzz -j "$jobs" --target fuzz_load make_fuzz_seeds
  corpus="build/fuzz/corpus"
  rm -rf "$corpus" && mkdir -p "$corpus"
  ./build/fuzz/fuzz/make_fuzz_seeds "$corpus"
  ./build/fuzz/fuzz/fuzz_load "$corpus" -max_total_time="$fuzz_seconds" -max_len=4096 \
    -print_final_stats=1 -artifact_prefix=build/fuzz/ 2>&1 | tail -n 15
  echo "fuzz: no crash in ${fuzz_seconds} s"
fi
echo "all tests passed"
