#!/usr/bin/env python3
# Summarizes bench/isolation.sh's results: /usr/bin/python3 bench/isolation_summary.py OUT_DIR
# (markdown on stdout: by network, by class, and why the other kernels were not run alone).
#
# Each network's CSV (roofcast isolate --csv) holds its worst-predicted kernels:
# in the network, alone and predicted. Sums over the kernels run alone:
# "model vs alone" = predicted / alone - 1, what the fitted model gets wrong
# about the kernels themselves; "network vs alone" = in the network / alone - 1,
# how much slower the network makes them.
import collections, csv, glob, os, sys

out = sys.argv[1]
rows = []
for path in sorted(glob.glob(os.path.join(out, "*.csv"))):
    name = os.path.basename(path)[:-4]
    if name == "probes":
        continue
    for row in csv.DictReader(line for line in open(path) if not line.startswith("#")):
        row["network"] = name
        rows.append(row)
probes = {r["model"]: r["probe_ms"] for r in csv.DictReader(open(os.path.join(out, "probes.csv")))}
alone = [r for r in rows if r["alone_s"]]


def sums(group):
    network = sum(float(r["network_s"]) for r in group)
    by_itself = sum(float(r["alone_s"]) for r in group)
    predicted = sum(float(r["predicted_s"]) for r in group)
    return network, by_itself, predicted


def pct(a, b):
    return f"{(a / b - 1) * 100:+.1f} %"


print("| network | probe ms | kernels run alone | in the network | alone | predicted | error | model vs alone | network vs alone |")
print("|---|---|---|---|---|---|---|---|---|")
by_network = collections.defaultdict(list)
for r in alone:
    by_network[r["network"]].append(r)
for name, group in sorted(by_network.items()):
    n, a, p = sums(group)
    print(f"| {name} | {probes.get(name, '')} | {len(group)} | {n * 1e3:.2f} ms | {a * 1e3:.2f} ms | {p * 1e3:.2f} ms "
          f"| {pct(p, n)} | {pct(p, a)} | {pct(n, a)} |")
print()
print("| class | kernels | model vs alone | network vs alone |")
print("|---|---|---|---|")
by_class = collections.defaultdict(list)
for r in alone:
    by_class[r["class"]].append(r)
for name, group in sorted(by_class.items(), key=lambda kv: -len(kv[1])):
    n, a, p = sums(group)
    print(f"| {name} | {len(group)} | {pct(p, a)} | {pct(n, a)} |")
print()
reasons = collections.Counter(r["why_not"].split(" (")[0] for r in rows if not r["alone_s"])
print(f"Not run alone, among the kernels ranked above the last one run alone ({sum(reasons.values())}):")
print()
for reason, count in reasons.most_common(10):
    print(f"- {count} × {reason}")
