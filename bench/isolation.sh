#!/usr/bin/env bash
# Where a calibrated profile's per-kernel error comes from, on every network of both sets:
#  for each network, its worst-predicted kernels (roofcast isolate --top N) measured in the
#  network and alone (each as the micro-model that does its work, behind the calibration's
#  cache flush), and the error split into the fitted model's (predicted against alone) and
#  the network's (in the network against alone). A probe of the machine (MobileNetV3 Large's
#  latency, 1 thread) before each network says how quiet it was.
# Everything goes to notebooks-data/isolation/<profile id>/: one CSV and one report per network,
# probes.csv, and summary.md (by network and by class). Run on a quiet machine.
# Usage: bash bench/isolation.sh [PROFILE]   (default: the committed 1-thread profile,
#   notebooks-data/accuracy/calibrated-1t.json; after scripts/test.sh or scripts/run.sh built build/release)
#   ROOFCAST_ISOLATION_TOP=N sets the kernels per network (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
roofcast=build/release/src/cli/roofcast
[ -x "$roofcast" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
profile="${1:-notebooks-data/accuracy/calibrated-1t.json}"
[ -f "$profile" ] || { echo "$profile: no such profile" >&2; exit 2; }
top="${ROOFCAST_ISOLATION_TOP:-20}"
threads=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['runtime']['threads'])" "$profile")
out="notebooks-data/isolation/$(basename "$profile" .json)"
mkdir -p "$out"
echo "model,probe_ms,unix_time_s" > "$out/probes.csv"
models=(models/*.onnx models/heldout/*.onnx)
i=0
for model in "${models[@]}"; do
  i=$((i + 1))
  name=$(basename "$model" .onnx)
  probe=$("$roofcast" measure models/mobilenet_v3_large.onnx --threads 1 --no-kernels --json 2> /dev/null |
    /usr/bin/python3 -c "import json,sys; print(round(json.load(sys.stdin)['network']['latency']['median_s'] * 1e3, 3))")
  echo "$name,$probe,$(date +%s)" >> "$out/probes.csv"
  echo "[$i/${#models[@]}] $name (probe: MobileNetV3 Large $probe ms at 1 thread)"
  "$roofcast" isolate "$model" -d "$profile" --threads "$threads" --top "$top" --min-time 0.5 \
    --csv "$out/$name.csv" > "$out/$name.txt" 2> /dev/null
done
/usr/bin/python3 bench/isolation_summary.py "$out" > "$out/summary.md"
cat "$out/summary.md"
