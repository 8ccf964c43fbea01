#!/usr/bin/env bash
# The main job on bundled data: set up, build, predict the bundled MobileNet V2
# on the bundled Jetson Orin Nano profile, and plot it against the roofline.
# Usage: bash scripts/run.sh [MODEL [DEVICE]]
#        (default models/mobilenet_v2.onnx jetson-orin-nano; DEVICE: see `roofcast devices`)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cmake --preset release -DROOFCAST_BUILD_TESTS=OFF -DROOFCAST_BUILD_BENCH=OFF > build-configure.log 2>&1 \
  || { cat build-configure.log; exit 1; }
rm -f build-configure.log
cmake --build --preset release --target roofcast -j "$(nproc)"

model="${1:-models/mobilenet_v2.onnx}"
device="${2:-jetson-orin-nano}"
plot="notebooks-data/roofline-$(basename "$model" .onnx)-$device.svg"
./build/release/src/cli/roofcast predict "$model" --device "$device" --top 15
./build/release/src/cli/roofcast roofline "$model" --device "$device" -o "$plot"
if command -v rsvg-convert > /dev/null; then
  rsvg-convert "$plot" -o "${plot%.svg}.png"
  echo "rendered ${plot%.svg}.png"
fi
