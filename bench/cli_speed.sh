#!/usr/bin/env bash
# Speed of roofcast: whole-process `analyze` and `predict` (hyperfine, medians
# over repeated runs), then the in-process Google Benchmarks (load, cost,
# predict). Run on a quiet machine: nothing else building or measuring.
# Usage: bash bench/cli_speed.sh   (after scripts/test.sh built build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
roofcast=build/release/src/cli/roofcast
out=notebooks-data/cli_speed.json
for binary in "$roofcast" build/release/bench/bench_analyze build/release/bench/bench_predict; do
  [ -x "$binary" ] || { echo "missing $binary; build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
done

hyperfine --warmup 3 --runs 30 --export-json "$out" \
  "$roofcast analyze models/resnet50.onnx" \
  "$roofcast predict models/resnet50.onnx --device jetson-orin-nano" \
  "$roofcast analyze models/mobilenet_v2.onnx" \
  "$roofcast predict models/mobilenet_v2.onnx --device jetson-orin-nano" \
  "$roofcast predict models/vit_b_16.onnx --device jetson-orin-nano"
/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys
data = json.load(open(sys.argv[1]))
for r in data["results"]:
    times = sorted(r["times"])
    p10, p90 = times[len(times) // 10], times[(len(times) * 9) // 10]
    print(f'{r["command"]:75s} median {statistics.median(times)*1e3:7.1f} ms  p10 {p10*1e3:6.1f}  p90 {p90*1e3:6.1f}  (n={len(times)})')
PY
build/release/bench/bench_analyze --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
build/release/bench/bench_predict --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
