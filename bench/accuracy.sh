#!/usr/bin/env bash
# The accuracy benchmark of the calibration issue, on this machine:
#  for 1 and 2 threads: calibrate a profile (default budget), then validate it on
#  every zoo model (per-kernel RMSPE, per-network MAPE, ±10 %, Spearman ρ);
#  the accuracy-versus-points curve: calibrations at several budgets, each
#  validated against the same saved measurements;
#  the run-to-run noise of the measurements themselves (each model measured twice).
# Everything goes to notebooks-data/accuracy/. Run on a quiet machine.
# Usage: bash bench/accuracy.sh   (after scripts/test.sh or scripts/run.sh built build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
roofcast=build/release/src/cli/roofcast
out=notebooks-data/accuracy
[ -x "$roofcast" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"
budgets="${ROOFCAST_ACCURACY_BUDGETS:-60 120 300}"
for threads in 1 2; do
  echo "== $threads thread(s): calibrate (budget 300)"
  /usr/bin/time -f "%e" -o "$out/calibrate-${threads}t.seconds" \
    "$roofcast" calibrate --threads "$threads" -o "$out/calibrated-${threads}t.json" 2> "$out/calibrate-${threads}t.log" \
    | tee "$out/calibrate-${threads}t.txt"
  echo "== $threads thread(s): validate on the zoo"
  "$roofcast" validate models/*.onnx -d "$out/calibrated-${threads}t.json" --threads "$threads" \
    --out-dir "$out/validation-${threads}t" 2> /dev/null | tee "$out/validate-${threads}t.txt"
  echo "== $threads thread(s): the zoo measured a second time (run-to-run noise)"
  "$roofcast" validate models/*.onnx -d "$out/calibrated-${threads}t.json" --threads "$threads" \
    --out-dir "$out/validation-${threads}t-repeat" > /dev/null 2>&1
  for budget in $budgets; do
    [ "$budget" = 300 ] && continue
    echo "== $threads thread(s): budget $budget"
    "$roofcast" calibrate --threads "$threads" --budget "$budget" -o "$out/calibrated-${threads}t-b${budget}.json" \
      > /dev/null 2>&1
    cp -r "$out/validation-${threads}t" "$out/validation-${threads}t-b${budget}"
    "$roofcast" validate models/*.onnx -d "$out/calibrated-${threads}t-b${budget}.json" --threads "$threads" \
      --out-dir "$out/validation-${threads}t-b${budget}" --resume > /dev/null 2>&1
  done
done
/usr/bin/python3 - "$out" "$budgets" <<'PY'
import json, math, sys
out, budgets = sys.argv[1], [int(b) for b in sys.argv[2].split()]
summary = {"threads": {}}
for t in (1, 2):
    v = json.load(open(f"{out}/validation-{t}t/validation.json"))
    r = json.load(open(f"{out}/validation-{t}t-repeat/validation.json"))
    first = {n["model"]: n["measured_s"] for n in v["networks"]}
    noise = [abs(n["measured_s"] - first[n["model"]]) / first[n["model"]] for n in r["networks"]]
    profile = json.load(open(f"{out}/calibrated-{t}t.json"))
    cal = profile["provenance"]["calibration"]
    curve = []
    for b in budgets:
        path = f"{out}/validation-{t}t/validation.json" if b == 300 else f"{out}/validation-{t}t-b{b}/validation.json"
        s = json.load(open(path))["summary"]
        curve.append({"budget": b, "kernel_rmspe_percent": s["kernel"]["rmspe_percent"],
                      "network_mape_percent": s["network"]["mape_percent"]})
    summary["threads"][t] = {
        "points": cal["points"], "calibration_wall_time_s": cal["wall_time_s"],
        "kernel": v["summary"]["kernel"], "network": v["summary"]["network"],
        "spearman_rho": v["summary"]["spearman_rho"],
        "measurement_noise_mape_percent": 100 * sum(noise) / len(noise),
        "measurement_noise_max_percent": 100 * max(noise),
        "budget_curve": curve}
    s = summary["threads"][t]
    print(f"{t} thread(s): {s['points']} points, {s['calibration_wall_time_s']:.0f} s of calibration; "
          f"kernel RMSPE {s['kernel']['rmspe_percent']:.1f} %, network MAPE {s['network']['mape_percent']:.1f} %, "
          f"within ±10 % {100*s['network']['within_10_percent']:.0f} %, Spearman {s['spearman_rho']:.3f}; "
          f"measurement noise (run to run) MAPE {s['measurement_noise_mape_percent']:.1f} %, max {s['measurement_noise_max_percent']:.1f} %")
    for c in curve:
        print(f"   budget {c['budget']:4d}: kernel RMSPE {c['kernel_rmspe_percent']:.1f} %, network MAPE {c['network_mape_percent']:.1f} %")
json.dump(summary, open(f"{out}/summary.json", "w"), indent=2)
print(f"wrote {out}/summary.json")
PY
