#!/usr/bin/env bash
# The main job on bundled data: set up, build, and analyze the bundled MobileNet V2.
# Usage: bash scripts/run.sh [MODEL]   (default models/mobilenet_v2.onnx)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cmake --preset release -DROOFCAST_BUILD_TESTS=OFF -DROOFCAST_BUILD_BENCH=OFF > build-configure.log 2>&1 \
  || { cat build-configure.log; exit 1; }
rm -f build-configure.log
cmake --build --preset release --target roofcast -j "$(nproc)"

model="${1:-models/mobilenet_v2.onnx}"
./build/release/src/cli/roofcast analyze "$model" --top 15
