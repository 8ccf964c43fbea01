#!/usr/bin/env python3
# Summarizes bench/accuracy.sh's results: /usr/bin/python3 bench/accuracy_summary.py OUT_DIR "60 120 300"
import csv, json, math, sys
out, budgets = sys.argv[1], [int(b) for b in sys.argv[2].split()]


def kernel_times(path):
    rows = csv.DictReader(line for line in open(path) if not line.startswith("#"))
    return {(r["model"], r["kernel"]): float(r["measured_s"]) for r in rows}


summary = {"threads": {}}
for t in (1, 2):
    v = json.load(open(f"{out}/validation-{t}t/validation.json"))
    r = json.load(open(f"{out}/validation-{t}t-repeat/validation.json"))
    first = {n["model"]: n["measured_s"] for n in v["networks"]}
    noise = [abs(n["measured_s"] - first[n["model"]]) / first[n["model"]] for n in r["networks"]]
    # The same kernels measured twice: the per-kernel floor (RMSPE of one measurement against the other).
    k1 = kernel_times(f"{out}/validation-{t}t/validation_kernels.csv")
    k2 = kernel_times(f"{out}/validation-{t}t-repeat/validation_kernels.csv")
    kernel_noise = [(k2[k] - k1[k]) / k1[k] for k in k1 if k in k2 and k1[k] > 0]
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
        "kernel_band_coverage": v["summary"].get("kernel_band_coverage"),
        "network_band_coverage": v["summary"].get("network_band_coverage"),
        "measurement_noise_mape_percent": 100 * sum(noise) / len(noise),
        "measurement_noise_max_percent": 100 * max(noise),
        "kernel_measurement_noise_rmspe_percent": 100 * math.sqrt(sum(e * e for e in kernel_noise) / len(kernel_noise)),
        "budget_curve": curve}
    s = summary["threads"][t]
    print(f"{t} thread(s): {s['points']} points, {s['calibration_wall_time_s']:.0f} s of calibration; "
          f"kernel RMSPE {s['kernel']['rmspe_percent']:.1f} %, network MAPE {s['network']['mape_percent']:.1f} %, "
          f"within ±10 % {100*s['network']['within_10_percent']:.0f} %, Spearman {s['spearman_rho']:.3f}; "
          f"inside the ± band: {100*(s['kernel_band_coverage'] or 0):.0f} % of kernels, {100*(s['network_band_coverage'] or 0):.0f} % of networks; "
          f"measurement noise (run to run) MAPE {s['measurement_noise_mape_percent']:.1f} %, max {s['measurement_noise_max_percent']:.1f} %, "
          f"per kernel RMSPE {s['kernel_measurement_noise_rmspe_percent']:.1f} %")
    for c in curve:
        print(f"   budget {c['budget']:4d}: kernel RMSPE {c['kernel_rmspe_percent']:.1f} %, network MAPE {c['network_mape_percent']:.1f} %")
json.dump(summary, open(f"{out}/summary.json", "w"), indent=2)
print(f"wrote {out}/summary.json")
