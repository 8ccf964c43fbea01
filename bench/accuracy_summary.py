#!/usr/bin/env python3
# Summarizes bench/accuracy.sh's results: /usr/bin/python3 bench/accuracy_summary.py OUT_DIR "60 120 300"
#
# Each profile is compared with two measurements of the zoo, one taken just
# before its calibration and one just after: "after" alone (the measurement
# validate reports), and "bracketed": each network's and each kernel's
# measured time the mean of the two, so that the machine's drift over the
# calibration cancels to first order. The noise is the two measurements'
# disagreement: what the machine does to a network in the minutes a
# calibration takes.
import csv, json, math, sys
out, budgets = sys.argv[1], [int(b) for b in sys.argv[2].split()]


def kernel_rows(path):
    rows = csv.DictReader(line for line in open(path) if not line.startswith("#"))
    return {(r["model"], r["kernel"]): (float(r["measured_s"]), float(r["predicted_s"])) for r in rows}


def ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    r = [0.0] * len(values)
    for rank, i in enumerate(order):
        r[i] = float(rank)
    return r


def spearman(a, b):
    ra, rb = ranks(a), ranks(b)
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    return cov / math.sqrt(sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb))


def bracketed(after_dir, before_dir):
    """The profile against the mean of the two measurements, per network and per
    kernel, and the two measurements against each other (the noise)."""
    after = {n["model"]: n for n in json.load(open(f"{after_dir}/validation.json"))["networks"]}
    before = {n["model"]: n for n in json.load(open(f"{before_dir}/validation.json"))["networks"]}
    models = sorted(m for m in after if m in before)
    measured = [(after[m]["measured_s"] + before[m]["measured_s"]) / 2 for m in models]
    predicted = [after[m]["predicted_s"] for m in models]
    errors = [p / m - 1 for p, m in zip(predicted, measured)]
    noise = [abs(after[m]["measured_s"] - before[m]["measured_s"]) / before[m]["measured_s"] for m in models]
    ka = kernel_rows(f"{after_dir}/validation_kernels.csv")
    kb = kernel_rows(f"{before_dir}/validation_kernels.csv")
    kernel_errors = [ka[k][1] / ((ka[k][0] + kb[k][0]) / 2) - 1 for k in ka if k in kb and ka[k][0] + kb[k][0] > 0]
    # The same kernels measured twice: the per-kernel floor (RMSPE of one measurement against the other).
    kernel_noise = [(ka[k][0] - kb[k][0]) / kb[k][0] for k in kb if k in ka and kb[k][0] > 0]
    return {
        "network": {"mape_percent": 100 * sum(abs(e) for e in errors) / len(errors),
                    "max_abs_error_percent": 100 * max(abs(e) for e in errors),
                    "within_10_percent": sum(abs(e) <= 0.10 for e in errors) / len(errors),
                    "within_5_percent": sum(abs(e) <= 0.05 for e in errors) / len(errors),
                    "errors_percent": {m: round(100 * e, 2) for m, e in zip(models, errors)}},
        "kernel": {"rmspe_percent": 100 * math.sqrt(sum(e * e for e in kernel_errors) / len(kernel_errors)),
                   "count": len(kernel_errors)},
        "spearman_rho": spearman(predicted, measured),
        "noise": {"network_mape_percent": 100 * sum(noise) / len(noise),
                  "network_max_percent": 100 * max(noise),
                  "kernel_rmspe_percent": 100 * math.sqrt(sum(e * e for e in kernel_noise) / len(kernel_noise))}}


summary = {"threads": {}}
for t in (1, 2):
    v = json.load(open(f"{out}/validation-{t}t/validation.json"))
    b = json.load(open(f"{out}/validation-{t}t-before/validation.json"))
    profile = json.load(open(f"{out}/calibrated-{t}t.json"))
    cal = profile["provenance"]["calibration"]
    both_300 = bracketed(f"{out}/validation-{t}t", f"{out}/validation-{t}t-before")
    curve = []
    for budget in budgets:
        suffix = "" if budget == 300 else f"-b{budget}"
        s = json.load(open(f"{out}/validation-{t}t{suffix}/validation.json"))["summary"]
        both = both_300 if budget == 300 else bracketed(f"{out}/validation-{t}t{suffix}",
                                                          f"{out}/validation-{t}t{suffix}-before")
        curve.append({"budget": budget, "kernel_rmspe_percent": s["kernel"]["rmspe_percent"],
                      "network_mape_percent": s["network"]["mape_percent"],
                      "bracketed_network_mape_percent": both["network"]["mape_percent"]})
    summary["threads"][t] = {
        "points": cal["points"], "calibration_wall_time_s": cal["wall_time_s"],
        "kernel": v["summary"]["kernel"], "network": v["summary"]["network"],
        "spearman_rho": v["summary"]["spearman_rho"],
        "kernel_band_coverage": v["summary"].get("kernel_band_coverage"),
        "network_band_coverage": v["summary"].get("network_band_coverage"),
        "before": {"kernel": b["summary"]["kernel"], "network": b["summary"]["network"],
                   "spearman_rho": b["summary"]["spearman_rho"]},
        "bracketed": {key: value for key, value in both_300.items() if key != "noise"},
        "measurement_noise_mape_percent": both_300["noise"]["network_mape_percent"],
        "measurement_noise_max_percent": both_300["noise"]["network_max_percent"],
        "kernel_measurement_noise_rmspe_percent": both_300["noise"]["kernel_rmspe_percent"],
        "budget_curve": curve}
    s = summary["threads"][t]
    br = s["bracketed"]
    print(f"{t} thread(s): {s['points']} points, {s['calibration_wall_time_s']:.0f} s of calibration")
    for name, kernel, network, rho in (
            ("after", s["kernel"]["rmspe_percent"], s["network"], s["spearman_rho"]),
            ("before", s["before"]["kernel"]["rmspe_percent"], s["before"]["network"], s["before"]["spearman_rho"]),
            ("bracketed", br["kernel"]["rmspe_percent"], br["network"], br["spearman_rho"])):
        print(f"   against the {name + ' measurement' if name != 'bracketed' else 'mean of both'}: "
              f"kernel RMSPE {kernel:.1f} %, network MAPE {network['mape_percent']:.1f} % "
              f"(max {network['max_abs_error_percent']:.1f} %), within ±10 % {100*network['within_10_percent']:.0f} %, "
              f"Spearman {rho:.3f}")
    print(f"   inside the ± band (after): {100*(s['kernel_band_coverage'] or 0):.0f} % of kernels, "
          f"{100*(s['network_band_coverage'] or 0):.0f} % of networks; measurement noise (before against after) "
          f"MAPE {s['measurement_noise_mape_percent']:.1f} %, max {s['measurement_noise_max_percent']:.1f} %, "
          f"per kernel RMSPE {s['kernel_measurement_noise_rmspe_percent']:.1f} %")
    for c in curve:
        print(f"   budget {c['budget']:4d}: kernel RMSPE {c['kernel_rmspe_percent']:.1f} %, network MAPE "
              f"{c['network_mape_percent']:.1f} % (bracketed {c['bracketed_network_mape_percent']:.1f} %)")
json.dump(summary, open(f"{out}/summary.json", "w"), indent=2)
print(f"wrote {out}/summary.json")
