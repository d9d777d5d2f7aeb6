#!/usr/bin/env python3
"""Fallback tally of a deflation-strategies folder from its files (solutions.json, run-costs.json): per problem and
strategy, the seeds whose gated distinct solutions match every classical solution of the example's own check
(relative L2 distance <= 0.1; the study's own `certified` count needs the finished study), Wilson 95% intervals,
and training steps / CPU seconds per matched solution. Usage: deflation-tally.py FOLDER KNOWN (e.g. paper-pde_k=2:2)."""
import json, math, os, sys

def wilson(k, n, z=1.959963984540054):
    p = k / n; d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d; h = z / d * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, c - h), min(1.0, c + h)

folder = sys.argv[1]
known = dict((k, int(v)) for k, v in (a.split(":") for a in sys.argv[2:]))
print("| problem | strategy | all matched / seeds | 95% Wilson | matched (mean) | steps / matched | CPU s / matched |")
print("|---|---|---|---|---|---|---|")
for problem in sorted(known):
    pdir = os.path.join(folder, problem)
    for strategy in sorted(os.listdir(pdir)):
        if strategy == "shared-round-0":
            continue
        seeds = []
        for sd in sorted(os.listdir(os.path.join(pdir, strategy))):
            f = os.path.join(pdir, strategy, sd, "solutions.json")
            if not os.path.exists(f):
                continue
            sol = json.load(open(f))
            names = {s["classical_check"]["nearest"] for s in sol["solutions"]
                     if (s["classical_check"]["relative_l2_distance"] or 9) <= 0.1}
            costs = json.load(open(os.path.join(pdir, strategy, sd, "run-costs.json")))["runs"]
            seeds.append((len(names), sum(c["evaluations"] for c in costs), sum(c["cpu_seconds"] for c in costs)))
        if not seeds:
            continue
        n = len(seeds); k = sum(1 for m, _, _ in seeds if m >= known[problem]); m = sum(s[0] for s in seeds)
        lo, hi = wilson(k, n)
        per = lambda t: "–" if m == 0 else "%.4g" % (t / m)
        print("| %s | %s | %d/%d | [%.2f, %.2f] | %.2f | %s | %s |" % (problem, strategy, k, n, lo, hi, m / n,
              per(sum(s[1] for s in seeds)), per(sum(s[2] for s in seeds))))
