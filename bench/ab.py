"""A/B of two builds of bench/EcdPde.Bench (e.g. main against a branch), alternating A and B in every round so that
both see the same phases of a shared machine; medians over the rounds of wall and CPU milliseconds per step, and
B/A ratios. Prints a Markdown table with the load average before and after.

Usage (each build: `dotnet build -c Release bench/EcdPde.Bench` in its work tree):
    /usr/bin/python3 bench/ab.py A_TREE B_TREE [--rounds 5] [--configs small,paper] [--threads 1,2]
        [--precisions float32,float64] [--a-args "--two-pass"] [--b-args ...]
    (--a-args/--b-args: extra arguments of that build's `step`, e.g. A = B's tree with --two-pass)
"""
import argparse, json, os, statistics, subprocess

ap = argparse.ArgumentParser()
ap.add_argument("a")
ap.add_argument("b")
ap.add_argument("--rounds", type=int, default=5)
ap.add_argument("--configs", default="small,paper")
ap.add_argument("--threads", default="1,2")
ap.add_argument("--precisions", default="float32,float64")
ap.add_argument("--a-args", default="")
ap.add_argument("--b-args", default="")
args = ap.parse_args()


def step(tree, extra, config, threads, precision):
    exe = os.path.join(tree, "bench/EcdPde.Bench/bin/Release/net10.0/EcdPde.Bench")
    steps = "20" if config == "small" else "4"
    out = subprocess.run([exe, "step", "--config", config, "--threads", str(threads), "--precision", precision,
                          "--steps", steps] + extra.split(), check=True, capture_output=True, text=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.startswith("{")][-1]


cases = [(c, int(t), p) for c in args.configs.split(",") for t in args.threads.split(",") for p in args.precisions.split(",")]
load_before = open("/proc/loadavg").read().split()[:3]
runs = {}
for _ in range(args.rounds):
    for case in cases:
        for name, tree, extra in (("a", args.a, args.a_args), ("b", args.b, args.b_args)):
            runs.setdefault((case, name), []).append(step(tree, extra, *case))
load_after = open("/proc/loadavg").read().split()[:3]

print(f"A = {args.a} {args.a_args}, B = {args.b} {args.b_args}; {args.rounds} alternating rounds, medians; load average {' '.join(load_before)} "
      f"before, {' '.join(load_after)} after\n")
print("| config | float | threads | A wall ms | B wall ms | B/A wall | A CPU ms | B CPU ms | B/A CPU | B fraction of peak (wall) | B allocated bytes/step |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for case in cases:
    a, b = runs[(case, "a")], runs[(case, "b")]
    m = {k: (statistics.median(r[k] for r in a), statistics.median(r[k] for r in b)) for k in ("ms_per_step", "cpu_ms_per_step")}
    frac = statistics.median(r["fraction_of_peak"] for r in b)
    print(f"| {case[0]} | {case[2]} | {case[1]} | {m['ms_per_step'][0]:.1f} | {m['ms_per_step'][1]:.1f} | "
          f"{m['ms_per_step'][1] / m['ms_per_step'][0]:.2f} | {m['cpu_ms_per_step'][0]:.1f} | {m['cpu_ms_per_step'][1]:.1f} | "
          f"{m['cpu_ms_per_step'][1] / m['cpu_ms_per_step'][0]:.2f} | {frac:.0%} | {max(r['alloc_bytes_per_step'] for r in b)} |")
