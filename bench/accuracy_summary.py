#!/usr/bin/env python3
# Summarizes bench/accuracy.sh's results: /usr/bin/python3 bench/accuracy_summary.py OUT_DIR "60 120 300"
# (summary.json, and accuracy_curve.svg: accuracy against the calibration's points).
#
# Each profile is compared with two measurements of each set of networks (the
# zoo; the held-out set, when measured), one taken just
# before its calibration and one just after: "after" alone (the measurement
# validate reports), and "bracketed": each network's and each kernel's
# measured time the mean of the two, so that the machine's drift over the
# calibration cancels to first order. The noise is the two measurements'
# disagreement: what the machine does to a network in the minutes a
# calibration takes.
import csv, json, math, os, sys
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


def set_summary(t, prefix):
    """One set of networks (prefix "validation": the zoo, "validation-heldout": the
    held-out set) against the t-thread profiles: after, before, bracketed, noise, curve."""
    v = json.load(open(f"{out}/{prefix}-{t}t/validation.json"))
    b = json.load(open(f"{out}/{prefix}-{t}t-before/validation.json"))
    both_300 = bracketed(f"{out}/{prefix}-{t}t", f"{out}/{prefix}-{t}t-before")
    curve = []
    for budget in budgets:
        suffix = "" if budget == 300 else f"-b{budget}"
        s = json.load(open(f"{out}/{prefix}-{t}t{suffix}/validation.json"))["summary"]
        both = both_300 if budget == 300 else bracketed(f"{out}/{prefix}-{t}t{suffix}",
                                                          f"{out}/{prefix}-{t}t{suffix}-before")
        curve.append({"budget": budget, "kernel_rmspe_percent": s["kernel"]["rmspe_percent"],
                      "network_mape_percent": s["network"]["mape_percent"],
                      "bracketed_network_mape_percent": both["network"]["mape_percent"]})
    return {
        "networks": len(v["networks"]),
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


def print_set(name, s):
    br = s["bracketed"]
    print(f"  {name} ({s['networks']} networks):")
    for which, kernel, network, rho in (
            ("after", s["kernel"]["rmspe_percent"], s["network"], s["spearman_rho"]),
            ("before", s["before"]["kernel"]["rmspe_percent"], s["before"]["network"], s["before"]["spearman_rho"]),
            ("bracketed", br["kernel"]["rmspe_percent"], br["network"], br["spearman_rho"])):
        print(f"   against the {which + ' measurement' if which != 'bracketed' else 'mean of both'}: "
              f"kernel RMSPE {kernel:.1f} %, network MAPE {network['mape_percent']:.1f} % "
              f"(max {network['max_abs_error_percent']:.1f} %), within ±10 % {100*network['within_10_percent']:.0f} %, "
              f"Spearman {rho:.3f}")
    print(f"   inside the ± band (after): {100*(s['kernel_band_coverage'] or 0):.0f} % of kernels, "
          f"{100*(s['network_band_coverage'] or 0):.0f} % of networks; measurement noise (before against after) "
          f"MAPE {s['measurement_noise_mape_percent']:.1f} %, max {s['measurement_noise_max_percent']:.1f} %, "
          f"per kernel RMSPE {s['kernel_measurement_noise_rmspe_percent']:.1f} %")
    for c in s["budget_curve"]:
        print(f"   budget {c['budget']:4d}: kernel RMSPE {c['kernel_rmspe_percent']:.1f} %, network MAPE "
              f"{c['network_mape_percent']:.1f} % (bracketed {c['bracketed_network_mape_percent']:.1f} %)")


def curve_svg(summary):
    """The accuracy-versus-points curve: network MAPE (bracketed) and kernel RMSPE
    against the calibration budget, per thread count and set of networks."""
    width, height, left, right, top, bottom = 760, 350, 60, 20, 40, 70
    panel = (width - left - right - 40) / 2
    lines = []
    for t, per_set in summary["threads"].items():
        for set_name, s in (("zoo", per_set), ("held-out", per_set.get("heldout"))):
            if s is None:
                continue
            lines.append((f"{t} thread{'s' if int(t) > 1 else ''}, {set_name}",
                          "#1f77b4" if int(t) == 1 else "#d62728", "none" if set_name == "zoo" else "5,4",
                          [(c["budget"], c["bracketed_network_mape_percent"], c["kernel_rmspe_percent"])
                           for c in s["budget_curve"]]))
    xs = sorted({b for _, _, _, pts in lines for b, _, _ in pts})
    x_max = max(xs) * 1.05
    out_svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
               f'<text x="{width/2}" y="18" text-anchor="middle" font-size="13">roofcast calibrate: accuracy against calibration points (bench/accuracy.sh)</text>']
    for k, (title, index) in enumerate((("network MAPE, bracketed (%)", 1), ("kernel RMSPE, after (%)", 2))):
        x0 = left + k * (panel + 40)
        y_max = max(p[index] for _, _, _, pts in lines for p in pts) * 1.1 or 1
        sx = lambda b: x0 + panel * b / x_max
        sy = lambda v: top + (height - top - bottom) * (1 - v / y_max)
        out_svg.append(f'<rect x="{x0}" y="{top}" width="{panel}" height="{height-top-bottom}" fill="none" stroke="#999"/>')
        out_svg.append(f'<text x="{x0 + panel/2}" y="{top - 6}" text-anchor="middle">{title}</text>')
        for b in xs:
            out_svg.append(f'<text x="{sx(b):.1f}" y="{height - bottom + 14}" text-anchor="middle">{b}</text>')
        out_svg.append(f'<text x="{x0 + panel/2}" y="{height - bottom + 30}" text-anchor="middle">calibration points (budget)</text>')
        for i in range(5):
            v = y_max * i / 4
            out_svg.append(f'<text x="{x0 - 4}" y="{sy(v) + 4:.1f}" text-anchor="end">{v:.0f}</text>')
            out_svg.append(f'<line x1="{x0}" x2="{x0 + panel}" y1="{sy(v):.1f}" y2="{sy(v):.1f}" stroke="#eee"/>')
        for label, color, dash, pts in lines:
            path = " ".join(f"{sx(b):.1f},{sy(m if index == 1 else r):.1f}" for b, m, r in pts)
            out_svg.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2" stroke-dasharray="{dash}"/>')
    for i, (label, color, dash, _) in enumerate(lines):
        y = height - 10
        x = left + i * 180
        out_svg.append(f'<line x1="{x}" x2="{x + 24}" y1="{y - 4}" y2="{y - 4}" stroke="{color}" stroke-width="2" stroke-dasharray="{dash}"/>')
        out_svg.append(f'<text x="{x + 28}" y="{y}">{label}</text>')
    out_svg.append("</svg>")
    return "\n".join(out_svg) + "\n"


summary = {"threads": {}}
for t in (1, 2):
    profile = json.load(open(f"{out}/calibrated-{t}t.json"))
    cal = profile["provenance"]["calibration"]
    summary["threads"][t] = {"points": cal["points"], "calibration_wall_time_s": cal["wall_time_s"],
                             **set_summary(t, "validation")}
    print(f"{t} thread(s): {cal['points']} points, {cal['wall_time_s']:.0f} s of calibration")
    print_set("zoo", summary["threads"][t])
    if os.path.exists(f"{out}/validation-heldout-{t}t/validation.json"):
        summary["threads"][t]["heldout"] = set_summary(t, "validation-heldout")
        print_set("held-out", summary["threads"][t]["heldout"])
json.dump(summary, open(f"{out}/summary.json", "w"), indent=2)
open(f"{out}/accuracy_curve.svg", "w").write(curve_svg(summary))
print(f"wrote {out}/summary.json and {out}/accuracy_curve.svg")
