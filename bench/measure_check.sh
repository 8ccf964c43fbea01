#!/usr/bin/env bash
# Checks `roofcast measure` against what the measure issue requires, on this machine:
#  1. for mobilenet_v2 and resnet50, its network median agrees with a plain
#     ONNX Runtime loop without profiling (bench/plain_ort_loop.js), interleaved
#     twice, within the measured spread; the profiler's overhead is reported;
#  2. for every zoo model, the per-kernel medians sum to within 5 % of the
#     network median, and no kernel is left unmapped.
# Writes notebooks-data/measure_check.json. Run on a quiet machine (nothing building).
# Usage: bash bench/measure_check.sh [threads]   (after scripts/test.sh or scripts/run.sh built build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-1}"
roofcast=build/release/src/cli/roofcast
out_dir=$(mktemp -d)
trap 'rm -rf "$out_dir"' EXIT
[ -x "$roofcast" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }

echo "== 1. roofcast measure vs a plain ONNX Runtime loop ($threads thread(s)), interleaved twice"
for model in mobilenet_v2 resnet50; do
  "$roofcast" materialize "models/$model.onnx" -o "$out_dir/$model.onnx" --force > /dev/null
  for round in 1 2; do
    "$roofcast" measure "models/$model.onnx" --threads "$threads" --min-time 3 --json > "$out_dir/$model.roofcast.$round.json" 2> /dev/null
    node bench/plain_ort_loop.js "$out_dir/$model.onnx" input 1x3x224x224 "$threads" 3 > "$out_dir/$model.plain.$round.json"
  done
done

echo "== 2. every zoo model: kernel sum vs network median, unmapped kernels"
for model in models/*.onnx; do
  name=$(basename "$model" .onnx)
  "$roofcast" measure "$model" --threads "$threads" --min-time 1 --json > "$out_dir/$name.zoo.json" 2> /dev/null
  echo "  measured $name"
done

/usr/bin/python3 - "$out_dir" "$threads" <<'PY'
import glob, json, os, sys
out_dir, threads = sys.argv[1], int(sys.argv[2])
result = {"threads": threads, "agreement": [], "zoo": []}
print(f'{"model":14s} {"round":>5s} {"roofcast ms":>12s} {"spread":>12s} {"plain ms":>9s} {"spread":>12s} {"diff %":>7s} {"within spread":>13s} {"profiler overhead %":>19s}')
for model in ["mobilenet_v2", "resnet50"]:
    for r in (1, 2):
        m = json.load(open(f"{out_dir}/{model}.roofcast.{r}.json"))
        p = json.load(open(f"{out_dir}/{model}.plain.{r}.json"))
        lat = m["network"]["latency"]
        diff = lat["median_s"] - p["median_s"]
        # Agreement: each median lies inside the other's p10..p90 range.
        within = lat["p10_s"] <= p["median_s"] <= lat["p90_s"] and p["p10_s"] <= lat["median_s"] <= p["p90_s"]
        overhead = m["profiled"]["profiler_overhead"]
        row = {"model": model, "round": r, "roofcast_median_s": lat["median_s"], "roofcast_p10_s": lat["p10_s"],
               "roofcast_p90_s": lat["p90_s"], "plain_median_s": p["median_s"], "plain_p10_s": p["p10_s"],
               "plain_p90_s": p["p90_s"], "difference": diff / p["median_s"], "within_spread": within,
               "profiler_overhead": overhead}
        result["agreement"].append(row)
        print(f'{model:14s} {r:5d} {lat["median_s"]*1e3:12.3f} {lat["p10_s"]*1e3:5.2f}-{lat["p90_s"]*1e3:6.2f} {p["median_s"]*1e3:9.3f} '
              f'{p["p10_s"]*1e3:5.2f}-{p["p90_s"]*1e3:6.2f} {100*diff/p["median_s"]:7.2f} {str(within):>13s} {100*overhead:19.1f}')
print()
print(f'{"model":22s} {"network ms":>10s} {"kernel sum ms":>13s} {"sum/network":>11s} {"kernels":>7s} {"unmapped":>8s}')
for path in sorted(glob.glob(f"{out_dir}/*.zoo.json")):
    m = json.load(open(path))
    name = os.path.basename(path)[:-9]
    net = m["network"]["latency"]["median_s"]
    ks = m["profiled"]["kernel_sum_median_s"]
    kernels = m["profiled"]["kernels"]
    unmapped = sum(1 for k in kernels if k["mapping"] == "unmapped")
    result["zoo"].append({"model": name, "network_median_s": net, "kernel_sum_median_s": ks, "ratio": ks / net,
                          "kernels": len(kernels), "unmapped": unmapped, "state": m["network"]["state"]})
    print(f'{name:22s} {net*1e3:10.3f} {ks*1e3:13.3f} {ks/net:11.3f} {len(kernels):7d} {unmapped:8d}')
os.makedirs("notebooks-data", exist_ok=True)
with open("notebooks-data/measure_check.json", "w") as f:
    json.dump(result, f, indent=2)
print("\nwrote notebooks-data/measure_check.json")
PY
